//! Every kind of account WBX would leave, diagnosed: a Trader (active, expired, revoked), a
//! Developer, a stranger, a registered pool and an unregistered one as senders, and active,
//! Developer and pool spenders of `transferFrom`. For each, the doctor's verdict must agree with the
//! simulation and with the chain: the same transaction sent for real from the impersonated account.

use crate::doctor;
use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use wbx_doctor::{Action, Plan, Status};
use wbx_sdk::{
    Amount, Bucket, Connection, GrantKind, Role,
    contracts::{WbxPool, WebexToken},
};
use wbx_testing::{Fixture, address, who};

/// One case: who sends, what, and whether the token must accept it.
struct Case {
    name: &'static str,
    plan: Plan,
    succeeds: bool,
    /// A check that must say why (id, words of its cause or detail).
    says: Option<(&'static str, &'static str)>,
}

fn transfer(name: &'static str, from: Address, succeeds: bool) -> Case {
    let action = Action::Transfer { to: address(who::ADMIN), amount: Amount::whole(1) };
    Case { name, plan: Plan::new(from, action), succeeds, says: None }
}

fn transfer_from(name: &'static str, spender: Address, owner: Address, succeeds: bool) -> Case {
    let action = Action::TransferFrom { owner, to: address(who::ADMIN), amount: Amount::whole(1) };
    Case { name, plan: Plan::new(spender, action), succeeds, says: None }
}

fn calldata(plan: &Plan) -> Vec<u8> {
    match &plan.action {
        Action::Transfer { to, amount } => {
            WebexToken::transferCall::new((*to, amount.raw())).abi_encode()
        }
        Action::TransferFrom { owner, to, amount } => {
            WebexToken::transferFromCall::new((*owner, *to, amount.raw())).abi_encode()
        }
        _ => unreachable!("only movers here"),
    }
}

#[tokio::test]
async fn the_verdict_agrees_with_the_simulation_and_the_chain_for_every_kind_of_mover() {
    let fx = Fixture::new().await;
    let admin = &fx.admin;
    let token = admin.deployment().token;
    let pool = admin.deployment().pool;
    let (trader, ext, dev, stranger) = (
        address(who::TRADER),
        address(who::TRADER_EXT),
        address(who::DEVELOPER),
        address(who::STRANGER),
    );
    let (expired, revoked) = (Address::repeat_byte(0xe1), Address::repeat_byte(0xe2));
    let unregistered =
        *WbxPool::deploy(admin.provider().clone(), token, 30).await.unwrap().address();

    // Standard grants of 5 minutes for the one that will expire; the others keep 30 minutes.
    admin.set_grant_durations(5 * 60, 3600).await.unwrap();
    admin.grant(expired, Role::Trader, GrantKind::Standard).await.unwrap();
    admin.set_grant_durations(30 * 60, 3600).await.unwrap();
    admin.grant(revoked, Role::Trader, GrantKind::Standard).await.unwrap();
    admin.revoke(revoked, Role::Trader).await.unwrap();
    for a in [expired, revoked, dev, stranger, unregistered] {
        admin.allocate(Bucket::CommunityRewards, a, Amount::whole(10)).await.unwrap();
    }
    // Allowances from the trader to each spender, and from the lapsing account to the extended trader.
    let w_trader = fx.as_account(who::TRADER).await;
    for spender in [ext, dev, pool] {
        w_trader.approve(spender, Amount::whole(10)).await.unwrap();
    }
    let reader = Connection::connect(&fx.node.endpoint(), None).await.unwrap();
    let p = reader.provider();
    p.anvil_impersonate_account(expired).await.unwrap();
    p.anvil_set_balance(expired, U256::from(10u64.pow(18))).await.unwrap();
    let approve = WebexToken::approveCall::new((ext, Amount::whole(10).raw())).abi_encode();
    let tx = TransactionRequest::default().from(expired).to(token).input(approve.into());
    p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    fx.advance(6 * 60).await;

    let mut cases = vec![
        transfer("an active trader", trader, true),
        Case {
            says: Some(("grant", "expired at")),
            ..transfer("an expired trader", expired, false)
        },
        Case {
            says: Some(("grant", "revoked at")),
            ..transfer("a revoked trader", revoked, false)
        },
        Case {
            says: Some(("grant", "a developer never moves tokens")),
            ..transfer("a developer", dev, false)
        },
        Case { says: Some(("grant", "never held")), ..transfer("a stranger", stranger, false) },
        Case {
            says: Some(("grant", "registered pool")),
            ..transfer("the registered pool", pool, true)
        },
        Case {
            says: Some(("grant", "never held")),
            ..transfer("an unregistered pool", unregistered, false)
        },
        transfer_from("an active trader spending a trader's allowance", ext, trader, true),
        Case {
            says: Some(("grant", "a developer never moves tokens")),
            ..transfer_from("a developer spending a trader's allowance", dev, trader, false)
        },
        Case {
            says: Some(("grant", "registered pool")),
            ..transfer_from("the registered pool spending a trader's allowance", pool, trader, true)
        },
        Case {
            says: Some(("grant-owner", "expired at")),
            ..transfer_from(
                "an active trader spending an expired owner's allowance",
                ext,
                expired,
                false,
            )
        },
    ];

    let doc = doctor(&fx, who::TRADER).await;
    for case in cases.drain(..) {
        let from = case.plan.from;
        let d = doc.plan(&case.plan).await.unwrap();
        let sim = d.check("simulation").unwrap().status;
        // A Developer cannot be granted the Trader role: no check may propose it.
        if case.name.contains("developer") {
            for c in &d.checks {
                let fix = c.fix.as_deref().unwrap_or_default();
                assert!(
                    !fix.starts_with("wbx access grant"),
                    "{}: {fix}\n{}",
                    case.name,
                    d.render()
                );
            }
        }
        // Sent for real, with a fixed gas limit so that a refusal is mined as a revert.
        p.anvil_impersonate_account(from).await.unwrap();
        p.anvil_set_balance(from, U256::from(100u64) * U256::from(10u64.pow(18))).await.unwrap();
        let tx = TransactionRequest::default()
            .from(from)
            .to(token)
            .input(calldata(&case.plan).into())
            .gas_limit(300_000);
        let receipt = p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        p.anvil_stop_impersonating_account(from).await.unwrap();

        let name = case.name;
        assert_eq!(receipt.status(), case.succeeds, "{name}: the chain disagrees with the case");
        assert_eq!(d.ok(), case.succeeds, "{name}: the verdict is wrong:\n{}", d.render());
        assert_eq!(sim == Status::Pass, case.succeeds, "{name}: simulation:\n{}", d.render());
        if let Some((id, words)) = case.says {
            let c = d.check(id).unwrap_or_else(|| panic!("{name}: no check {id}"));
            let text = format!("{} {}", c.detail, c.cause.as_deref().unwrap_or_default());
            assert!(text.contains(words), "{name}: {id} does not say {words:?}:\n{}", d.render());
        }
    }
}

/// A swap through a pool the token does not know: the doctor names the registration and who fixes it.
#[tokio::test]
async fn a_swap_through_an_unregistered_pool_is_named() {
    let fx = Fixture::new().await;
    let pool = fx.admin.deployment().pool;
    let buy = Plan::new(
        address(who::TRADER),
        Action::Swap {
            side: wbx_sdk::Side::Buy,
            amount: "0.1".parse().unwrap(),
            slippage_bps: 100,
            deadline_secs: 600,
            min_out: None,
            deadline_at: None,
            approve: false,
        },
    );
    let doc = doctor(&fx, who::TRADER).await;
    crate::expect(&doc.plan(&buy).await.unwrap(), "pool-registered", Status::Pass, None);
    fx.admin.set_pool(pool, false).await.unwrap();
    let d = doc.plan(&buy).await.unwrap();
    crate::expect(
        &d,
        "pool-registered",
        Status::Fail,
        Some(&format!("wbx admin register-pool {pool}")),
    );
    crate::expect(&d, "simulation", Status::Fail, None);
    assert!(!d.ok());
}
