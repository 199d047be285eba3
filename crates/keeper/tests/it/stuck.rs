//! A renewal stuck behind a base-fee spike is replaced (same nonce, both fees up >= 12.5%) and
//! mined; the grant is renewed once and the nonce is not left stuck.
//!
//! The test drives the order of events itself, so a slow machine cannot reorder them: a first
//! keeper (which never replaces) sends the renewal and is stopped once the node holds it; the spike
//! is then made and shown to keep the renewal out of a block; only then does a keeper that
//! replaces after a second take over from the same state file.

use crate::support::{automine, config, keeper, nonce, renewals_by};
use alloy::providers::{Provider, ext::AnvilApi};
use std::time::Duration;
use wbx_keeper::KeeperState;
use wbx_sdk::{GrantStatus, Role};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn a_renewal_stuck_with_a_low_fee_is_replaced_with_bumped_fees_and_mined() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let mut patient = config(&path);
    patient.replace_after = Duration::from_secs(3600);
    let mut first = keeper(&f, patient).await;
    first.run_once().await.unwrap();
    f.advance(50 * 60).await;
    automine(&f, false).await;

    // The first keeper sends the renewal; it is stopped once the node's pool holds it.
    let p = f.admin.provider().clone();
    let keeper_addr = address(who::KEEPER);
    let in_pool = async {
        loop {
            if let Some(s) = KeeperState::load(&path).unwrap()
                && let Some(tx) = s.pending.first()
                && p.get_transaction_by_hash(tx.latest().hash).await.unwrap().is_some()
            {
                break tx.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let first_tx = tokio::select! {
        r = first.run_once() => panic!("the pass should still wait for its renewal: {r:?}"),
        tx = in_pool => tx,
    };
    drop(first);

    // The base fee jumps far above its max fee: a block is mined without it.
    p.anvil_set_next_block_base_fee_per_gas(first_tx.latest().max_fee * 8).await.unwrap();
    p.anvil_mine(Some(1), None).await.unwrap();
    assert_eq!(nonce(&f.admin, keeper_addr).await, first_tx.nonce, "stuck");

    // A keeper that replaces after a second takes over; blocks keep coming until it is mined.
    let mut cfg = config(&path);
    cfg.replace_after = Duration::from_secs(1);
    let mut k = keeper(&f, cfg).await;
    let driver = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while nonce(&f.admin, keeper_addr).await == first_tx.nonce {
            assert!(tokio::time::Instant::now() < deadline, "the renewal was never mined");
            tokio::time::sleep(Duration::from_millis(300)).await;
            p.anvil_mine(Some(1), None).await.unwrap();
        }
    };
    let (report, ()) = tokio::join!(k.run_once(), driver);
    let first = first_tx;
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
