//! The node killed and restarted from a state dump, once cleanly and once losing the blocks after
//! the dump (the keeper's renewal among them): the keeper reconnects, notices the lost blocks by
//! its cursor's hash, and renews again. Nothing lapses; no nonce is left stuck.

use crate::support::{config, keeper, nonce, passive};
use alloy::{primitives::Bytes, providers::ext::AnvilApi};
use wbx_sdk::{GrantKind, GrantStatus, Role};
use wbx_testing::{Fixture, account, address, who};

/// Kills the node and starts a new one on the same port from `dump`, its clock where it was.
async fn restart_from(f: &mut Fixture, dump: Bytes) {
    let port = f.node.port();
    let now = f.admin.now().await.unwrap();
    let placeholder = wbx_testing::spawn_anvil().into();
    drop(std::mem::replace(&mut f.node, placeholder));
    let node = wbx_testing::anvil().port(port).spawn().into();
    drop(std::mem::replace(&mut f.node, node));
    f.admin = f.admin.with_connection(account(&f.node, who::ADMIN).await);
    let p = f.admin.provider();
    assert!(p.anvil_load_state(dump).await.unwrap());
    // A fresh anvil's clock is the wall clock; the chain's was hours ahead.
    p.anvil_set_time(now + 1).await.unwrap();
}

#[tokio::test]
async fn the_node_killed_and_restarted_from_a_dump_loses_no_grant() {
    let mut f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir.path().join("k.json"));
    cfg.idle = wbx_keeper::IdleRule::NONE;
    let mut k = keeper(&f, cfg).await;
    let holders = [address(who::TRADER_EXT), passive(1), passive(2)];
    for a in &holders[1..] {
        f.admin.grant(*a, Role::Trader, GrantKind::Extended).await.unwrap();
    }
    k.run_once().await.unwrap();
    let keeper_addr = address(who::KEEPER);
    let all_active = |f: &Fixture| {
        let admin = f.admin.clone();
        async move {
            for a in holders {
                let g = admin.grant_of(a, Role::Trader).await.unwrap();
                assert_eq!(g.status, GrantStatus::Active, "{a}");
            }
        }
    };

    // A clean restart between two passes.
    f.advance(50 * 60).await;
    let dump = f.admin.provider().anvil_dump_state().await.unwrap();
    restart_from(&mut f, dump).await;
    let report = k.run_once().await.unwrap();
    assert_eq!(report.renewed_grants(), 3, "{report:?}");
    assert!(report.scan.rewound.is_none(), "the same blocks came back");
    all_active(&f).await;

    // The node dies after the renewal and comes back from a dump taken before it.
    f.advance(50 * 60).await;
    let dump = f.admin.provider().anvil_dump_state().await.unwrap();
    let before = f.admin.grant_of(holders[0], Role::Trader).await.unwrap();
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 3);
    // A pass that sees the renewal: the keeper's cursor is past the dump.
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 0);
    restart_from(&mut f, dump).await;
    let lost = f.admin.grant_of(holders[0], Role::Trader).await.unwrap();
    assert_eq!(lost.expires_at, before.expires_at, "the renewal was lost with the node");
    let sent = nonce(&f.admin, keeper_addr).await;
    // New blocks on top, so the lost block numbers exist again with other hashes.
    f.admin.provider().anvil_mine(Some(3), None).await.unwrap();
    let report = k.run_once().await.unwrap();
    assert!(report.scan.rewound.is_some(), "{report:?}");
    assert_eq!(report.renewed_grants(), 3, "renewed again: {report:?}");
    assert_eq!(nonce(&f.admin, keeper_addr).await, sent + 1, "one transaction, no nonce gap");
    all_active(&f).await;

    // And it goes on.
    f.advance(50 * 60).await;
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 3);
    all_active(&f).await;
}
