//! The index: resumable, idempotent, the same whatever the paging, and reorg-safe.

use crate::support::{history, open, sync, sync_with};
use alloy::{
    providers::{Provider, ext::AnvilApi},
    rpc::types::anvil::ReorgOptions,
};
use wbx_audit::{SyncOptions, reconcile::reconcile};
use wbx_sdk::Amount;
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn an_interrupted_sync_resumes_to_the_same_database() {
    let f = Fixture::new().await;
    history(&f).await;
    let head = f.admin.provider().get_block_number().await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let (one, r) = sync(&f, &dir.path().join("one.sqlite")).await;
    assert_eq!(r.cursor.unwrap().block, head);

    // Stopped half way, then resumed in another run; small pages, many in flight.
    let path = dir.path().join("two.sqlite");
    let mid = f.admin.deployment().deploy_block + (head - f.admin.deployment().deploy_block) / 2;
    let paged = SyncOptions { chunk: 1, concurrency: 6, commit_rows: 3, ..SyncOptions::default() };
    let (half, r) =
        sync_with(&f, &path, &SyncOptions { to_block: Some(mid), ..paged.clone() }).await;
    assert_eq!(r.cursor.unwrap().block, mid);
    assert!(half.dump().unwrap().len() < one.dump().unwrap().len());
    drop(half);
    let (two, r) = sync_with(&f, &path, &paged).await;
    assert_eq!(r.from_block, Some(mid + 1));
    assert_eq!(two.dump().unwrap(), one.dump().unwrap());

    // A run with nothing new changes nothing.
    let (again, r) = sync(&f, &path).await;
    assert_eq!((r.from_block, r.rows), (None, 0));
    assert_eq!(again.dump().unwrap(), one.dump().unwrap());

    // Confirmations hold the newest blocks back.
    let path = dir.path().join("three.sqlite");
    let (_, r) =
        sync_with(&f, &path, &SyncOptions { confirmations: 3, ..SyncOptions::default() }).await;
    assert_eq!(r.cursor.unwrap().block, head - 3);
}

#[tokio::test]
async fn a_reorg_is_rolled_back_and_reindexed() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let (db, _) = sync(&f, &path).await;
    drop(db);

    // Two transfers the index sees, then a reorg replaces their blocks with empty ones.
    let first = trader.transfer(address(who::STRANGER), Amount::whole(7)).await.unwrap();
    trader.transfer(address(who::STRANGER), Amount::whole(8)).await.unwrap();
    let (db, _) = sync(&f, &path).await;
    let count = |db: &wbx_audit::Db| -> i64 {
        db.connection().query_row("SELECT COUNT(*) FROM transfers", [], |r| r.get(0)).unwrap()
    };
    let before = count(&db);
    drop(db);
    let head = f.admin.provider().get_block_number().await.unwrap();
    f.admin
        .provider()
        .anvil_reorg(ReorgOptions { depth: head - first.block + 1, tx_block_pairs: vec![] })
        .await
        .unwrap();
    // A new transfer on the new branch.
    let third = trader.transfer(address(who::STRANGER), Amount::whole(9)).await.unwrap();

    let (db, r) = sync(&f, &path).await;
    let rb = r.rollback.expect("the reorg is seen");
    assert_eq!(rb.from_block, head);
    assert!(rb.to_block.is_some_and(|b| b < first.block), "{rb:?}");
    assert_eq!(count(&db), before - 2 + 1);
    let amounts: Vec<Vec<u8>> = db
        .connection()
        .prepare("SELECT amount FROM transfers WHERE block >= ?1 ORDER BY block")
        .unwrap()
        .query_map([first.block as i64], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(amounts, vec![Amount::whole(9).raw().to_be_bytes::<32>().to_vec()]);
    assert!(db.cursor().unwrap().unwrap().block >= third.block);
    // And the ledger adds up against the new branch.
    assert!(reconcile(f.admin.provider(), &db).await.unwrap().is_clean());
    // The same as a fresh index of the new chain.
    let (fresh, _) = sync(&f, &dir.path().join("fresh.sqlite")).await;
    assert_eq!(db.dump().unwrap(), fresh.dump().unwrap());
    drop(open(&f, &path));
}
