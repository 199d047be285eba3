//! Reconciliation: clean on an honest chain, and every planted difference found.

use crate::support::{history, sync};
use alloy::{
    primitives::{U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolValue,
};
use wbx_audit::reconcile::reconcile;
use wbx_sdk::Amount;
use wbx_testing::{DevRpc, Fixture, address, who};

#[tokio::test]
async fn reconcile_is_clean_then_finds_every_planted_difference() {
    let f = Fixture::new().await;
    history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sync(&f, &dir.path().join("a.sqlite")).await;
    let r = reconcile(f.admin.provider(), &db).await.unwrap();
    assert!(r.is_clean(), "{:#?}", r.differences);
    assert_eq!(r.accounts, 6, "token, admin, pool, two traders, stranger: {r:?}");

    // A row edited in the index: the stranger's 12.5 WBX becomes 13.5.
    let stranger = address(who::STRANGER);
    let trader = address(who::TRADER);
    let n = db
        .connection()
        .execute(
            "UPDATE transfers SET amount = ?1 WHERE to_addr = ?2 AND amount = ?3",
            (
                Amount::whole(27).raw().to_be_bytes::<32>().to_vec(),
                stranger.as_slice(),
                "12.5".parse::<Amount>().unwrap().raw().to_be_bytes::<32>().to_vec(),
            ),
        )
        .unwrap();
    assert_eq!(n, 1);
    let r = reconcile(f.admin.provider(), &db).await.unwrap();
    let mut got: Vec<_> =
        r.differences.iter().map(|d| (d.check, d.account, d.indexed, d.chain)).collect();
    got.sort();
    let stranger_chain = f.admin.balance_of(stranger).await.unwrap();
    let trader_chain = f.admin.balance_of(trader).await.unwrap();
    let mut want = vec![
        (
            "balanceOf",
            Some(stranger),
            Amount::from_raw(
                stranger_chain.raw() + Amount::whole(27).raw()
                    - "12.5".parse::<Amount>().unwrap().raw(),
            ),
            stranger_chain,
        ),
        (
            "balanceOf",
            Some(trader),
            Amount::from_raw(
                trader_chain.raw() + "12.5".parse::<Amount>().unwrap().raw()
                    - Amount::whole(27).raw(),
            ),
            trader_chain,
        ),
    ];
    want.sort();
    assert_eq!(got, want);

    // A balance changed on chain behind the events' back (and the row put back).
    let (db, _) = sync(&f, &dir.path().join("b.sqlite")).await;
    // The storage slot of the stranger's balance: `_balances[stranger]`, found by its value.
    let p = f.admin.provider();
    let mut slot = None;
    for base in 0u64..16 {
        let s = keccak256((stranger, U256::from(base)).abi_encode());
        let v =
            p.get_storage_at(f.admin.deployment().token, U256::from_be_bytes(s.0)).await.unwrap();
        if v == stranger_chain.raw() {
            slot = Some(s);
            break;
        }
    }
    let slot = slot.expect("the balances mapping is in one of the first slots");
    let planted = Amount::whole(1_000_000);
    f.admin
        .provider()
        .anvil_set_storage_at(
            f.admin.deployment().token,
            U256::from_be_bytes(slot.0),
            planted.raw().into(),
        )
        .await
        .unwrap();
    // The chain is read at the indexed block, so mine one and index it.
    f.admin.provider().mine_block().await.unwrap();
    let (db, _) = {
        drop(db);
        sync(&f, &dir.path().join("b.sqlite")).await
    };
    let r = reconcile(f.admin.provider(), &db).await.unwrap();
    assert_eq!(r.differences.len(), 1, "{:#?}", r.differences);
    let d = &r.differences[0];
    assert_eq!(
        (d.check, d.account, d.indexed, d.chain),
        ("balanceOf", Some(stranger), stranger_chain, planted)
    );
}
