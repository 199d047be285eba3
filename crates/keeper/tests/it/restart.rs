//! A keeper dropped and built again from its state file resumes from its cursor, and renews
//! nothing twice, even when it was killed with a renewal in flight.

use crate::support::{automine, config, keeper, nonce, passive, renewals_by};
use alloy::providers::ext::AnvilApi;
use std::time::Duration;
use wbx_keeper::KeeperState;
use wbx_sdk::{GrantKind, GrantStatus, Role};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn a_restarted_keeper_resumes_from_its_cursor_and_renews_nothing_twice() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let keeper_addr = address(who::KEEPER);
    let holders = [passive(1), passive(2), address(who::TRADER_EXT)];

    let mut first = keeper(&f, config(&path)).await;
    for a in &holders[..2] {
        f.admin.grant(*a, Role::Trader, GrantKind::Extended).await.unwrap();
    }
    let report = first.run_once().await.unwrap();
    assert_eq!(report.scan.from, Some(f.admin.deployment().deploy_block));
    assert_eq!(report.renewed_grants(), 0, "nothing is due yet");

    f.advance(50 * 60).await;
    let report = first.run_once().await.unwrap();
    assert_eq!(report.renewed_grants(), 3);
    drop(first); // killed: no save on the way out

    // The file holds a cursor (the view is saved when it changes, so it may be a few blocks
    // behind); a new keeper starts from it, not from the deployment.
    let saved = KeeperState::load(&path).unwrap().unwrap();
    let cursor = saved.cursor.unwrap();
    assert!(cursor.number > f.admin.deployment().deploy_block + 10, "{cursor:?}");
    assert!(saved.pending.is_empty());
    f.admin.provider().anvil_mine(Some(3), None).await.unwrap();
    let sent_before = nonce(&f.admin, keeper_addr).await;
    let mut second = keeper(&f, config(&path)).await;
    assert_eq!(second.state().cursor, Some(cursor));
    let report = second.run_once().await.unwrap();
    assert_eq!(report.scan.from, Some(cursor.number + 1), "resumed from the cursor");
    assert_eq!(report.renewed_grants(), 0);
    assert_eq!(nonce(&f.admin, keeper_addr).await, sent_before, "no renewal sent twice");

    // And it goes on renewing when they are due again.
    f.advance(50 * 60).await;
    assert_eq!(second.run_once().await.unwrap().renewed_grants(), 3);
    let by_keeper = renewals_by(&f.admin, keeper_addr).await;
    for a in holders {
        assert_eq!(by_keeper.iter().filter(|r| r.account == a).count(), 2, "{a}");
    }
}

#[tokio::test]
async fn a_keeper_killed_with_a_renewal_in_flight_finishes_it_after_the_restart() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let keeper_addr = address(who::KEEPER);
    let holder = address(who::TRADER_EXT);
    let mut first = keeper(&f, config(&path)).await;
    first.run_once().await.unwrap();
    f.advance(50 * 60).await;

    // Nothing is mined: the pass sends its renewal and waits; kill it there.
    automine(&f, false).await;
    let in_journal = async {
        while KeeperState::load(&path).unwrap().is_none_or(|s| s.pending.is_empty()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::select! {
        r = first.run_once() => panic!("the pass should still be waiting for its renewal: {r:?}"),
        () = in_journal => {}
    }
    drop(first);
    let saved = KeeperState::load(&path).unwrap().unwrap();
    assert_eq!(saved.pending.len(), 1, "the renewal was saved before it was broadcast");
    let in_flight = saved.pending[0].latest().hash;

    // The node loses it too (a restart of the node, a dropped transaction): the keeper's restart
    // broadcasts the same bytes again.
    f.admin.provider().anvil_drop_all_transactions().await.unwrap();
    automine(&f, true).await;
    let mut second = keeper(&f, config(&path)).await;
    let report = second.run_once().await.unwrap();
    assert_eq!(report.renewed.len(), 1, "{report:?}");
    assert_eq!(report.renewed[0].tx, in_flight, "the saved transaction, not a new one");
    assert!(second.state().pending.is_empty());
    assert_eq!(nonce(&f.admin, keeper_addr).await, saved.pending[0].nonce + 1, "one transaction");
    assert_eq!(renewals_by(&f.admin, keeper_addr).await.len(), 1);
    let g = f.admin.grant_of(holder, Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Active);
    assert_eq!(g.renewals, 1);
}
