//! A renewal stuck behind a base-fee spike is replaced (same nonce, both fees up >= 12.5%) and
//! mined; the grant is renewed once and the nonce is not left stuck.

use crate::support::{automine, config, keeper, nonce, renewals_by};
use alloy::providers::{Provider, ext::AnvilApi};
use std::time::Duration;
use wbx_keeper::{KeeperState, state::PendingTx};
use wbx_sdk::{GrantStatus, Role};
use wbx_testing::{DevRpc, Fixture, address, who};

#[tokio::test]
async fn a_renewal_stuck_with_a_low_fee_is_replaced_with_bumped_fees_and_mined() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let mut cfg = config(&path);
    cfg.replace_after = Duration::from_secs(2);
    let mut k = keeper(&f, cfg).await;
    k.run_once().await.unwrap();
    f.advance(50 * 60).await;
    automine(&f, false).await;

    let p = f.admin.provider().clone();
    let keeper_addr = address(who::KEEPER);
    let driver = async {
        // The renewal is saved before it is broadcast: read what the keeper offered.
        let first: PendingTx = loop {
            if let Some(s) = KeeperState::load(&path).unwrap()
                && let Some(tx) = s.pending.first()
            {
                break tx.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        // The base fee jumps far above its max fee: blocks are mined without it.
        p.anvil_set_next_block_base_fee_per_gas(first.latest().max_fee * 8).await.unwrap();
        p.mine_block().await.unwrap();
        assert_eq!(nonce(&f.admin, keeper_addr).await, first.nonce, "stuck");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while nonce(&f.admin, keeper_addr).await == first.nonce {
            assert!(tokio::time::Instant::now() < deadline, "the renewal was never mined");
            tokio::time::sleep(Duration::from_secs(1)).await;
            p.mine_block().await.unwrap();
        }
        first
    };
    let (report, first) = tokio::join!(k.run_once(), driver);
    let report = report.unwrap();
    automine(&f, true).await;

    assert_eq!(report.renewed.len(), 1, "{report:?}");
    let r = &report.renewed[0];
    assert!(r.replacements >= 1, "{r:?}");
    assert_eq!(r.nonce, first.nonce);
    assert_ne!(r.tx, first.latest().hash);
    let mined = p.get_transaction_by_hash(r.tx).await.unwrap().unwrap();
    let orig = first.latest();
    use alloy::consensus::Transaction;
    assert!(mined.max_fee_per_gas() * 1000 >= orig.max_fee * 1125, "max fee bumped >= 12.5%");
    let prio = mined.max_priority_fee_per_gas().unwrap();
    assert!(prio * 1000 >= orig.priority_fee * 1125, "priority fee bumped >= 12.5%");
    assert!(p.get_transaction_receipt(orig.hash).await.unwrap().is_none());

    // Renewed once, and the nonce is free: the next renewal goes through.
    assert_eq!(renewals_by(&f.admin, keeper_addr).await.len(), 1);
    assert_eq!(nonce(&f.admin, keeper_addr).await, first.nonce + 1);
    let g = f.admin.grant_of(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Active);
    f.advance(50 * 60).await;
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 1);
    assert!(k.metrics().replacements.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}
