//! Providers as real users meet them, through the test proxy of `wbx-testing`: one that caps the
//! block range of `eth_getLogs` (the sync splits each refused range until it passes), and one whose
//! backends answer in turn a block apart (a block the lagging one does not serve is not a reorg).
//! Either way the index comes out the same as one made through a plain connection.

use crate::support::{history, open, sync, sync_with};
use alloy::providers::Provider;
use std::sync::atomic::Ordering;
use wbx_audit::SyncOptions;
use wbx_sdk::{Amount, Bucket, Connection};
use wbx_testing::{
    Fixture,
    proxy::{Faults, RpcProxy},
    who,
};

/// Blocks one `eth_getLogs` may span through the capped proxy.
const MAX_RANGE: u64 = 3;

#[tokio::test]
async fn a_provider_that_caps_log_ranges_gets_split_requests_and_the_same_index() {
    let f = Fixture::new().await;
    history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let (direct, _) = sync(&f, &dir.path().join("direct.sqlite")).await;

    let proxy = RpcProxy::start(&f.node.endpoint(), Faults::capped_log_range(MAX_RANGE)).await;
    let capped = Connection::connect(proxy.url(), None).await.unwrap();
    // The default first range (10,000 blocks) is far wider than the cap.
    let (db, report) = wbx_audit::sync(
        capped.provider(),
        open(&f, &dir.path().join("capped.sqlite")),
        &SyncOptions::default(),
        None,
    )
    .await
    .unwrap();
    let refused = proxy.stats().refused_ranges.load(Ordering::Relaxed);
    assert!(refused > 0, "the proxy never refused a range");
    assert!(report.rows > 0, "{report:?}");
    assert_eq!(db.dump().unwrap(), direct.dump().unwrap());
}

#[tokio::test]
async fn backends_a_block_apart_are_no_reorg_and_give_the_same_index() {
    let f = Fixture::new().await;
    history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let proxy = RpcProxy::start(&f.node.endpoint(), Faults::split_backends()).await;
    let split = Connection::connect(proxy.url(), None).await.unwrap();
    let path = dir.path().join("split.sqlite");
    // Sync, let the chain grow, sync again: each run reads the head from one backend and blocks
    // from both in turn.
    let mut db = open(&f, &path);
    for round in 0..4 {
        let (back, report) =
            wbx_audit::sync(split.provider(), db, &SyncOptions::default(), None).await.unwrap();
        assert!(report.rollback.is_none(), "round {round}: a lagging backend taken for a reorg");
        db = back;
        let to = wbx_testing::address(who::STRANGER);
        f.admin
            .allocate(Bucket::MarketingPartnerships, to, Amount::whole(round + 1))
            .await
            .unwrap();
    }
    // Both up to the same block: a sync through the split endpoint gets there once the head it
    // reads comes from the backend that has it.
    let head = f.admin.provider().get_block_number().await.unwrap();
    let upto = SyncOptions { to_block: Some(head), ..SyncOptions::default() };
    let (direct, _) = sync_with(&f, &dir.path().join("direct.sqlite"), &upto).await;
    for _ in 0..20 {
        if db.cursor().unwrap().is_some_and(|c| c.block >= head) {
            break;
        }
        let (back, report) = wbx_audit::sync(split.provider(), db, &upto, None).await.unwrap();
        assert!(report.rollback.is_none(), "a lagging backend taken for a reorg");
        db = back;
    }
    let (ours, theirs) = (db.dump().unwrap(), direct.dump().unwrap());
    let only_ours: Vec<_> = ours.iter().filter(|r| !theirs.contains(r)).collect();
    let only_direct: Vec<_> = theirs.iter().filter(|r| !ours.contains(r)).collect();
    assert!(
        only_ours.is_empty() && only_direct.is_empty(),
        "only through the split endpoint: {only_ours:#?}\nonly direct: {only_direct:#?}"
    );
    assert!(proxy.stats().lagging_answers.load(Ordering::Relaxed) > 0);
}
