//! `doctor tx`: a mined failure replayed and decoded; pending transactions stuck behind a nonce
//! gap or below the base fee, and the fixes it names (`wbx tx cancel`, `wbx tx bump`) applied.

use crate::{doctor, expect};
use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::U256,
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use std::time::Duration;
use wbx_contracts::WebexToken;
use wbx_doctor::Status;
use wbx_sdk::{
    FeeOverride,
    replace::{self, CancelTarget},
};
use wbx_testing::{DevRpc, Fixture, address, who};

#[tokio::test]
async fn failed_and_stuck_transactions() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::TRADER).await;
    let trader = fx.as_account(who::TRADER).await;
    let token = fx.admin.deployment().token;

    // A transfer of more than the balance, sent with a fixed gas limit so nothing stops it: it is
    // mined and reverts.
    let data =
        WebexToken::transferCall::new((address(who::ADMIN), U256::from(10).pow(U256::from(24))))
            .abi_encode();
    let tx = TransactionRequest::default().with_to(token).with_input(data).with_gas_limit(200_000);
    let pending = trader.provider().send_transaction(tx).await.unwrap();
    let hash = *pending.tx_hash();
    let receipt = pending.get_receipt().await.unwrap();
    assert!(!receipt.status());
    let d = doc.tx(hash).await.unwrap();
    expect(&d, "status", Status::Fail, None);
    let c = expect(&d, "revert", Status::Fail, None);
    assert!(c.detail.starts_with("ERC20InsufficientBalance"), "{}", d.render());
    assert!(c.cause.as_deref().unwrap().contains("holds 1000 WBX"), "{}", d.render());

    // A mined success.
    let sent = trader.transfer(address(who::ADMIN), wbx_sdk::Amount::whole(1)).await.unwrap();
    let d = doc.tx(sent.hash).await.unwrap();
    assert!(d.ok(), "{}", d.render());

    // A transaction one nonce ahead of the account: it waits in the pool behind the gap.
    let next = trader.provider().get_transaction_count(address(who::TRADER)).await.unwrap();
    let tx = TransactionRequest::default()
        .with_to(address(who::ADMIN))
        .with_value(U256::from(1))
        .with_nonce(next + 1)
        .with_gas_limit(21_000);
    let stuck = *trader.provider().send_transaction(tx).await.unwrap().tx_hash();
    let d = doc.tx(stuck).await.unwrap();
    let c = expect(&d, "nonce-gap", Status::Fail, Some(&format!("wbx tx cancel --nonce {next}")));
    assert!(c.cause.as_deref().unwrap().contains("nonce gap"), "{}", d.render());
    assert!(!d.ok());
    // The fix: an empty transaction at the missing nonce, and the queued one is mined after it.
    let filled = replace::cancel(
        trader.connection(),
        CancelTarget::Nonce(next),
        FeeOverride::default(),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!((filled.nonce, filled.mined), (next, filled.replacement));
    fx.admin.provider().mine_block().await.unwrap();
    assert!(trader.provider().get_transaction_receipt(stuck).await.unwrap().is_some());

    // A transaction whose max fee the base fee overtook while it waited (automine off, then the
    // next block's base fee raised 100 times): stuck until the base fee falls, or replaced.
    let p = fx.admin.provider();
    p.set_automine(false).await.unwrap();
    let base = u128::from(
        p.get_block(BlockId::latest()).await.unwrap().unwrap().header.base_fee_per_gas.unwrap(),
    );
    let other = fx.as_account(who::TRADER_EXT).await;
    let nonce = other.provider().get_transaction_count(address(who::TRADER_EXT)).await.unwrap();
    let tx = TransactionRequest::default()
        .with_to(address(who::ADMIN))
        .with_value(U256::from(1))
        .with_gas_limit(21_000)
        .with_max_fee_per_gas(2 * base)
        .with_max_priority_fee_per_gas(1);
    let waiting = *other.provider().send_transaction(tx).await.unwrap().tx_hash();
    p.anvil_set_next_block_base_fee_per_gas(100 * base).await.unwrap();
    let d = doc.tx(waiting).await.unwrap();
    expect(&d, "nonce-gap", Status::Pass, None);
    let c = expect(&d, "fee-below-base", Status::Fail, Some(&format!("wbx tx bump {waiting}")));
    assert!(c.cause.as_deref().unwrap().contains("below the base fee"), "{}", d.render());
    // The fix: the same call at the same nonce with fees above the new base fee.
    // Blocks are mined by hand meanwhile (automine stays off, so the pool keeps the original).
    let fees = FeeOverride { max_fee_per_gas: Some(300 * base), max_priority_fee_per_gas: None };
    let bump = replace::bump(other.connection(), waiting, fees, Duration::from_secs(30));
    tokio::pin!(bump);
    let r = loop {
        tokio::select! {
            r = &mut bump => break r.unwrap(),
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                p.mine_block().await.unwrap();
            }
        }
    };
    p.set_automine(true).await.unwrap();
    assert_eq!((r.nonce, r.replaced, r.mined), (nonce, Some(waiting), r.replacement));
    assert!(p.get_transaction_receipt(waiting).await.unwrap().is_none(), "the original is gone");
    let mined = p.get_transaction_by_hash(r.replacement).await.unwrap().unwrap();
    assert_eq!(alloy::consensus::Transaction::to(&mined), Some(address(who::ADMIN)));
}
