//! An operator's fee cap: while the base fee is above it the keeper sends nothing and says why;
//! once the base fee falls, the renewal goes out at no more than the cap.

use crate::support::{config, keeper, nonce};
use alloy::{
    consensus::Transaction,
    providers::{Provider, ext::AnvilApi},
};
use wbx_sdk::{GrantStatus, Role};
use wbx_testing::{DevRpc, Fixture, address, who};

const GWEI: u128 = 1_000_000_000;

#[tokio::test]
async fn renewals_wait_while_the_base_fee_is_above_the_cap_and_never_pay_more() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir.path().join("keeper.json"));
    cfg.max_fee_cap = Some(10 * GWEI);
    let mut k = keeper(&f, cfg).await;
    k.run_once().await.unwrap();
    f.advance(50 * 60).await;

    let p = f.admin.provider().clone();
    p.anvil_set_next_block_base_fee_per_gas(100 * GWEI).await.unwrap();
    p.mine_block().await.unwrap();
    let keeper_addr = address(who::KEEPER);
    let before = nonce(&f.admin, keeper_addr).await;
    let report = k.run_once().await.unwrap();
    assert!(report.renewed.is_empty(), "{report:?}");
    assert!(
        report.failures.iter().any(|m| m.contains("--max-fee cap")),
        "the pass says why it waits: {:?}",
        report.failures
    );
    assert_eq!(nonce(&f.admin, keeper_addr).await, before, "nothing was sent");

    // Empty blocks bring the base fee down by an eighth each, well below the cap in 40.
    p.anvil_mine(Some(40), None).await.unwrap();
    let report = k.run_once().await.unwrap();
    assert_eq!(report.renewed_grants(), 1, "{report:?}");
    let tx = p.get_transaction_by_hash(report.renewed[0].tx).await.unwrap().unwrap();
    assert!(tx.max_fee_per_gas() <= 10 * GWEI, "paid above the cap: {}", tx.max_fee_per_gas());
    let g = f.admin.grant_of(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Active);
}
