//! Planned transactions: the healthy case, then each failure reproduced on anvil.

use crate::{doctor, expect, healthy};
use alloy::{
    primitives::Address,
    providers::{Provider, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use wbx_doctor::{Action, Plan, SafeFix, Status};
use wbx_sdk::{Amount, Bucket, GrantKind, Role, Side};
use wbx_testing::{DevRpc, Fixture, address, who};

fn transfer(from: Address, amount: u64) -> Plan {
    Plan::new(from, Action::Transfer { to: address(who::ADMIN), amount: Amount::whole(amount) })
}

fn sell(from: Address, amount: u64) -> Plan {
    Plan::new(
        from,
        Action::Swap {
            side: Side::Sell,
            amount: Amount::whole(amount),
            slippage_bps: 50,
            deadline_secs: 600,
            min_out: None,
            deadline_at: None,
            approve: false,
        },
    )
}

#[tokio::test]
async fn a_healthy_transfer_passes_every_check_in_few_round_trips() {
    let fx = Fixture::new().await;
    let d = doctor(&fx, who::TRADER).await.plan(&transfer(address(who::TRADER), 10)).await.unwrap();
    healthy(&d);
    for id in
        ["token-paused", "grant", "balance", "simulation", "gas", "eth-for-gas", "fees", "max-fee"]
    {
        expect(&d, id, Status::Pass, None);
    }
    assert!(d.round_trips <= 5, "{} round trips", d.round_trips);

    // A healthy swap, allocation and renewal too.
    let trader = fx.as_account(who::TRADER).await;
    trader.approve(fx.admin.deployment().pool, Amount::whole(5)).await.unwrap();
    let doc = doctor(&fx, who::TRADER).await;
    healthy(&doc.plan(&sell(address(who::TRADER), 5)).await.unwrap());
    let allocate = Action::Allocate {
        bucket: Bucket::CommunityRewards,
        to: address(who::STRANGER),
        amount: Amount::whole(1),
    };
    healthy(&doc.plan(&Plan::new(address(who::ADMIN), allocate)).await.unwrap());
    healthy(
        &doc.plan(&Plan::new(address(who::TRADER), Action::Renew { role: Role::Trader }))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn eth_fees_and_base_fee() {
    let fx = Fixture::new().await;
    // A funded trader without ETH: the call would succeed, but nobody pays for its gas.
    let poor = PrivateKeySigner::random().address();
    fx.admin.grant(poor, Role::Trader, GrantKind::Standard).await.unwrap();
    fx.admin.allocate(Bucket::CommunityRewards, poor, Amount::whole(10)).await.unwrap();
    let doc = doctor(&fx, who::TRADER).await;
    let d = doc.plan(&transfer(poor, 1)).await.unwrap();
    expect(&d, "simulation", Status::Pass, None);
    let c = expect(&d, "eth-for-gas", Status::Fail, Some(&format!("cast send {poor} --value")));
    assert!(c.cause.as_deref().unwrap().contains("short of"), "{}", d.render());
    assert!(!d.ok());

    // A max fee below the base fee: the transaction would sit in the pool.
    let gwei = 1_000_000_000u128;
    fx.admin.provider().anvil_set_next_block_base_fee_per_gas(100 * gwei).await.unwrap();
    fx.admin.provider().mine_block().await.unwrap();
    let mut plan = transfer(address(who::TRADER), 1);
    plan.max_fee = Some(gwei);
    let d = doc.plan(&plan).await.unwrap();
    let c = expect(&d, "max-fee", Status::Fail, Some("wbx transfer"));
    assert!(
        c.cause.as_deref().unwrap().contains("below the next block's base fee"),
        "{}",
        d.render()
    );
    assert!(d.check("fees").unwrap().detail.contains("rising"), "{}", d.render());
    // Without a max fee of its own, wbx pays above the base fee.
    plan.max_fee = None;
    healthy(&doc.plan(&plan).await.unwrap());
}

#[tokio::test]
async fn allowance_balance_and_bucket() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::TRADER).await;
    let trader = address(who::TRADER);
    let pool = fx.admin.deployment().pool;

    // A sell without an allowance to the pool: the exact approval fixes it, and --fix may apply it.
    let d = doc.plan(&sell(trader, 5)).await.unwrap();
    let c = expect(&d, "allowance", Status::Fail, Some("wbx approve pool 5 --dev-account 1"));
    assert_eq!(c.safe_fix, Some(SafeFix::Approve { spender: pool, amount: Amount::whole(5) }));
    expect(&d, "simulation", Status::Fail, None);

    // With --approve the real command approves first: a warning, and the simulation waits for it.
    let mut plan = sell(trader, 5);
    if let Action::Swap { approve, .. } = &mut plan.action {
        *approve = true;
    }
    let d = doc.plan(&plan).await.unwrap();
    expect(&d, "allowance", Status::Warn, None);
    expect(&d, "simulation", Status::Skip, None);
    assert!(d.ok(), "{}", d.render());

    // transfer-from without the owner's approval: the owner must approve.
    let plan = Plan::new(
        address(who::TRADER_EXT),
        Action::TransferFrom { owner: trader, to: address(who::ADMIN), amount: Amount::whole(3) },
    );
    let d = doc.plan(&plan).await.unwrap();
    let c = expect(
        &d,
        "allowance",
        Status::Fail,
        Some(&format!("wbx approve {} 3", address(who::TRADER_EXT))),
    );
    assert!(c.safe_fix.is_none(), "only the owner can approve");
    expect(&d, "grant-owner", Status::Pass, None);

    // More than the balance.
    let d = doc.plan(&transfer(trader, 5000)).await.unwrap();
    let c = expect(&d, "balance", Status::Fail, Some("wbx transfer"));
    assert!(c.cause.as_deref().unwrap().contains("holds 1000 WBX, 4000 less"), "{}", d.render());
    let sim = expect(&d, "simulation", Status::Fail, None);
    assert!(sim.detail.starts_with("ERC20InsufficientBalance"), "{}", d.render());

    // A bucket that holds less than the allocation: issue more (by the policy shares) or allocate less.
    let remaining = fx.admin.bucket(Bucket::CommunityRewards).await.unwrap().remaining;
    let too_much = Amount::from_raw(remaining.raw() + Amount::whole(10).raw());
    let plan = Plan::new(
        address(who::ADMIN),
        Action::Allocate { bucket: Bucket::CommunityRewards, to: trader, amount: too_much },
    );
    let d = doctor(&fx, who::ADMIN).await.plan(&plan).await.unwrap();
    // 10 WBX short in a 10% bucket: issue 100.
    expect(&d, "bucket", Status::Fail, Some("wbx issue 100 --account <ADMIN>"));
    expect(&d, "grant", Status::Pass, None);
}

#[tokio::test]
async fn grants_expired_revoked_missing_expiring_and_of_the_wrong_kind() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::TRADER).await;

    // Missing.
    let stranger = address(who::STRANGER);
    let d = doc.plan(&transfer(stranger, 1)).await.unwrap();
    let c = expect(&d, "grant", Status::Fail, Some(&format!("wbx access grant {stranger} trader")));
    assert!(c.cause.as_deref().unwrap().contains("never held"));

    // An Extended grant renewed by its holder: only the keeper may.
    let plan = Plan::new(address(who::TRADER_EXT), Action::Renew { role: Role::Trader });
    let d = doc.plan(&plan).await.unwrap();
    expect(&d, "grant-kind", Status::Fail, Some("wbx access renew-for trader"));

    // Revoked, by whom.
    fx.admin.revoke(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    let d = doc.plan(&transfer(address(who::TRADER_EXT), 1)).await.unwrap();
    let c = expect(&d, "grant", Status::Fail, Some("--kind extended"));
    assert!(c.cause.as_deref().unwrap().contains("revoked at"));
    assert!(c.cause.as_deref().unwrap().contains(&format!("by {}", address(who::ADMIN))));
    assert!(expect(&d, "simulation", Status::Fail, None).detail.starts_with("WbxGrantRevoked"));

    // A Standard grant renewed by a keeper: only its holder may.
    let plan = Plan::new(
        address(who::KEEPER),
        Action::RenewFor { role: Role::Trader, accounts: vec![address(who::TRADER)] },
    );
    let d = doc.plan(&plan).await.unwrap();
    expect(&d, "keeper-role", Status::Pass, None);
    expect(&d, "grant-kind", Status::Fail, Some("wbx access renew trader"));
    assert!(expect(&d, "simulation", Status::Fail, None).detail.starts_with("WbxWrongGrantKind"));

    // Expiring within minutes: a warning, and renewing one's own Standard grant is a safe fix.
    fx.advance(26 * 60).await;
    let d = doc.plan(&transfer(address(who::TRADER), 1)).await.unwrap();
    let c = expect(&d, "grant", Status::Warn, Some("wbx access renew trader --dev-account 1"));
    assert_eq!(c.safe_fix, Some(SafeFix::Renew { role: Role::Trader }));
    assert!(d.ok(), "a warning does not fail:\n{}", d.render());

    // Expired: when, and how long ago; only a new grant helps.
    fx.advance(5 * 60).await;
    let d = doc.plan(&transfer(address(who::TRADER), 1)).await.unwrap();
    let c = expect(
        &d,
        "grant",
        Status::Fail,
        Some(&format!("wbx access grant {} trader", address(who::TRADER))),
    );
    assert!(c.detail.contains("expired 1m"), "{}", d.render());
    assert!(c.cause.as_deref().unwrap().contains("expired at 20"), "{}", d.render());
    assert!(expect(&d, "simulation", Status::Fail, None).detail.starts_with("WbxGrantExpired"));
}

#[tokio::test]
async fn pauses_slippage_and_deadline() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::TRADER).await;
    let trader = address(who::TRADER);
    let buy = |min_out: Option<Amount>, deadline_at: Option<u64>| {
        Plan::new(
            trader,
            Action::Swap {
                side: Side::Buy,
                amount: "0.1".parse().unwrap(),
                slippage_bps: 50,
                deadline_secs: 600,
                min_out,
                deadline_at,
                approve: false,
            },
        )
    };

    // Slippage too tight for the current quote.
    let d = doc.plan(&buy(Some(Amount::whole(2000)), None)).await.unwrap();
    expect(&d, "slippage", Status::Fail, Some("wbx swap buy 0.1 --slippage"));
    assert!(
        expect(&d, "simulation", Status::Fail, None)
            .detail
            .starts_with("WbxPoolInsufficientOutput")
    );

    // A deadline in the past.
    let now = fx.admin.now().await.unwrap();
    let d = doc.plan(&buy(None, Some(now - 60))).await.unwrap();
    expect(&d, "deadline", Status::Fail, Some("--deadline 10m"));
    assert!(expect(&d, "simulation", Status::Fail, None).detail.starts_with("WbxPoolExpired"));
    healthy(&doc.plan(&buy(None, None)).await.unwrap());

    // The pool paused by a developer.
    fx.as_account(who::DEVELOPER).await.set_pool_paused(true).await.unwrap();
    let d = doc.plan(&buy(None, None)).await.unwrap();
    expect(&d, "pool-paused", Status::Fail, Some("wbx pool unpause"));

    // The token paused by an admin.
    fx.admin.pause().await.unwrap();
    let d = doc.plan(&transfer(trader, 1)).await.unwrap();
    expect(&d, "token-paused", Status::Fail, Some("wbx admin unpause"));
    assert!(expect(&d, "simulation", Status::Fail, None).detail.starts_with("EnforcedPause"));
}

#[tokio::test]
async fn an_account_shows_gas_grants_allowance_and_pending_nonces() {
    let fx = Fixture::new().await;
    let doc = doctor(&fx, who::TRADER).await;
    let d = doc.account(address(who::TRADER)).await.unwrap();
    healthy(&d);
    assert!(d.check("grant").unwrap().detail.contains("standard, active"), "{}", d.render());
    expect(&d, "pending", Status::Pass, None);
    expect(&d, "queued", Status::Pass, None);
    // A transaction sent with a nonce ahead of the account's: it waits behind the gap.
    let trader = fx.as_account(who::TRADER).await;
    let nonce =
        alloy::providers::Provider::get_transaction_count(trader.provider(), address(who::TRADER))
            .await
            .unwrap();
    let tx = alloy::rpc::types::TransactionRequest::default()
        .from(address(who::TRADER))
        .to(address(who::ADMIN))
        .value(alloy::primitives::U256::from(1))
        .nonce(nonce + 2)
        .gas_limit(21_000)
        .max_fee_per_gas(10_000_000_000)
        .max_priority_fee_per_gas(1);
    let _queued = trader.provider().send_transaction(tx).await.unwrap();
    let d = doc.account(address(who::TRADER)).await.unwrap();
    let c = expect(&d, "queued", Status::Fail, Some(&format!("--nonce {nonce}")));
    assert!(
        c.detail.contains(&format!("missing nonce(s) {nonce}..={}", nonce + 1)),
        "{}",
        d.render()
    );
    assert!(d.round_trips <= 5, "{} round trips", d.round_trips);
    // A fresh account: no ETH for gas, no grant.
    let nobody = PrivateKeySigner::random().address();
    let d = doc.account(nobody).await.unwrap();
    expect(&d, "eth-for-gas", Status::Fail, Some("cast send"));
    expect(&d, "grant", Status::Skip, None);
}
