//! `access ...`, and the grant story: what expired, revoked or missing grants do to a command.

use crate::support::{Cli, FAILURE, addr, fresh, mined, s};
use serde_json::Value;
use wbx_sdk::{Amount, Bucket, GrantKind, GrantStatus, Role, SignedRenewal};
use wbx_testing::{address, who};

/// The accounts of a JSON list of grants.
fn accounts(v: &Value) -> Vec<alloy::primitives::Address> {
    v.as_array().unwrap().iter().map(|g| addr(g, "account")).collect()
}

#[tokio::test]
async fn grant_list_show_and_revoke() {
    let cli = Cli::new().await;
    let (admin, newcomer, auditor) = (address(who::ADMIN), fresh(), fresh());

    cli.by(who::ADMIN, &["access", "grant", &newcomer.to_string(), "trader", "--kind", "extended"])
        .ok()
        .says(&[&format!("granted trader (extended) to {newcomer} until "), " UTC", "  tx 0x"]);
    let g = cli.sdk().grant_of(newcomer, Role::Trader).await.unwrap();
    assert_eq!((g.kind, g.status), (Some(GrantKind::Extended), GrantStatus::Active));
    assert_eq!(g.expires_at - g.granted_at, 3600);
    assert_eq!(g.granted_by, Some(admin));

    // --json; the kind defaults to standard.
    let json = cli.by(who::ADMIN, &["--json", "access", "grant", &auditor.to_string(), "auditor"]);
    let action = mined(&cli, &json.ok().json()).await;
    assert!(action.starts_with(&format!("granted auditor (standard) to {auditor} until ")));
    let g = cli.sdk().grant_of(auditor, Role::Auditor).await.unwrap();
    assert_eq!((g.kind, g.expires_at - g.granted_at), (Some(GrantKind::Standard), 1800));

    // The keeper role is permanent.
    let keeper = fresh();
    cli.by(who::ADMIN, &["access", "grant", &keeper.to_string(), "keeper"])
        .ok()
        .says(&[&format!("granted the permanent keeper role to {keeper}")]);
    assert_eq!(cli.sdk().grant_of(keeper, Role::Keeper).await.unwrap().status, GrantStatus::Active);

    // list: the active holders, by role.
    let traders = cli.run(&["access", "list", "--role", "trader", "--json"]).ok().json();
    let mut got = accounts(&traders);
    got.sort();
    let mut want = vec![address(who::TRADER), address(who::TRADER_EXT), newcomer];
    want.sort();
    assert_eq!(got, want);
    assert!(
        traders
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["role"] == "trader" && g["status"] == "active")
    );
    let all = cli.run(&["access", "list"]).ok().says(&[
        "account",
        "kind",
        "time",
        &newcomer.to_string(),
        &auditor.to_string(),
        &address(who::DEVELOPER).to_string(),
        "developer",
        "extended",
        "permanent",
        "left",
    ]);
    assert!(all.stdout.contains(&keeper.to_string()), "{all}");

    // show: one account's grants, active or not; by default the wallet's own.
    let shown = cli.run(&["access", "show", &newcomer.to_string(), "--json"]).ok().json();
    let grants = shown.as_array().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!((s(&grants[0], "role"), s(&grants[0], "kind")), ("trader", "extended"));
    cli.by(who::TRADER, &["access", "show"]).ok().says(&[
        &address(who::TRADER).to_string(),
        "trader",
        "standard",
        "active",
    ]);
    let nobody = fresh();
    cli.run(&["access", "show", &nobody.to_string()])
        .ok()
        .says(&[&format!("{nobody} holds no grant")]);

    // revoke: effective at once, shown with who revoked it.
    cli.by(who::ADMIN, &["access", "revoke", &newcomer.to_string(), "trader"])
        .ok()
        .says(&[&format!("revoked trader from {newcomer}")]);
    let g = cli.sdk().grant_of(newcomer, Role::Trader).await.unwrap();
    assert_eq!((g.status, g.revoked_by), (GrantStatus::Revoked, Some(admin)));
    cli.run(&["access", "show", &newcomer.to_string()])
        .ok()
        .says(&["revoked", &format!("revoked by {admin}")]);
    let traders = cli.run(&["access", "list", "--role", "trader", "--json"]).ok().json();
    assert!(!accounts(&traders).contains(&newcomer), "{traders:#}");
    // Revoking it again: the grant is no longer active.
    cli.by(who::ADMIN, &["access", "revoke", &newcomer.to_string(), "trader"])
        .fails(FAILURE, &["was revoked at", &admin.to_string()]);
    // A non-admin grants nothing.
    cli.by(who::TRADER, &["access", "grant", &nobody.to_string(), "trader"])
        .fails(FAILURE, &["does not hold the admin role"]);
    assert_eq!(cli.sdk().grant_of(nobody, Role::Trader).await.unwrap().status, GrantStatus::None);
}

#[tokio::test]
async fn renew_and_signed_renewals_relayed_from_a_file_and_from_stdin() {
    let cli = Cli::new().await;
    let (trader, relayer) = (address(who::TRADER), address(who::STRANGER));

    cli.f.advance(600).await;
    cli.by(who::TRADER, &["access", "renew", "trader"])
        .ok()
        .says(&["renewed your trader grant until ", " UTC"]);
    let g = cli.sdk().grant_of(trader, Role::Trader).await.unwrap();
    assert_eq!(g.renewals, 1);
    assert_eq!(g.expires_at, cli.sdk().now().await.unwrap() + 1800);
    assert_eq!(g.renewed_by, Some(trader));

    // Sign to a file: no gas for the holder.
    let file = cli.dir.path().join("renewal.json");
    let nonce = cli.nonce(trader).await;
    let now = cli.sdk().now().await.unwrap();
    cli.by(
        who::TRADER,
        &[
            "access",
            "sign-renewal",
            "trader",
            "--valid-for",
            "10m",
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .ok()
    .says(&["signed renewal written to", "renewal.json", "`wbx access relay "]);
    let signed: SignedRenewal =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("a signed renewal");
    assert_eq!((signed.account, signed.role, signed.deadline), (trader, Role::Trader, now + 600));
    assert_eq!(cli.nonce(trader).await, nonce);

    // Anyone relays it and pays the gas.
    cli.f.advance(60).await;
    let relayer_nonce = cli.nonce(relayer).await;
    cli.by(who::STRANGER, &["access", "relay", file.to_str().unwrap()])
        .ok()
        .says(&[&format!("relayed the trader renewal of {trader}")]);
    let g = cli.sdk().grant_of(trader, Role::Trader).await.unwrap();
    assert_eq!(g.renewals, 2);
    assert_eq!(g.expires_at, cli.sdk().now().await.unwrap() + 1800);
    assert_eq!(cli.nonce(relayer).await, relayer_nonce + 1);
    assert_eq!(cli.nonce(trader).await, nonce);

    // A used signature does not renew twice.
    cli.by(who::STRANGER, &["access", "relay", file.to_str().unwrap()])
        .fails(FAILURE, &["already used"]);
    assert_eq!(cli.sdk().grant_of(trader, Role::Trader).await.unwrap().renewals, 2);

    // Signed to stdout, relayed from stdin.
    let printed = cli.by(who::TRADER, &["access", "sign-renewal", "trader"]).ok();
    let signed: SignedRenewal = serde_json::from_str(&printed.stdout).expect("a signed renewal");
    assert_eq!(signed.account, trader);
    cli.by_with_stdin(who::STRANGER, &["access", "relay", "-"], &printed.stdout)
        .ok()
        .says(&[&format!("relayed the trader renewal of {trader}")]);
    assert_eq!(cli.sdk().grant_of(trader, Role::Trader).await.unwrap().renewals, 3);

    // Not a renewal on stdin: bad input.
    cli.by_with_stdin(who::STRANGER, &["access", "relay", "-"], "{\"hello\": 1}")
        .fails(crate::support::BAD_INPUT, &["not a signed renewal"]);
}

#[tokio::test]
async fn an_expired_standard_grant_stops_its_trader_and_says_to_ask_an_admin() {
    let cli = Cli::new().await;
    let (trader, to) = (address(who::TRADER), fresh());
    cli.by(who::TRADER, &["transfer", &to.to_string(), "1"]).ok();

    cli.f.advance(31 * 60).await;
    let nonce = cli.nonce(trader).await;
    cli.by(who::TRADER, &["transfer", &to.to_string(), "1"]).fails(
        FAILURE,
        &[&format!("the trader grant of {trader} expired at "), "ask an admin to grant it again"],
    );
    // Refused on the gas estimate: nothing sent, nothing moved.
    assert_eq!(cli.nonce(trader).await, nonce);
    assert_eq!(cli.balance(to).await, Amount::whole(1));
    // Too late to renew, too.
    cli.by(who::TRADER, &["access", "renew", "trader"]).fails(FAILURE, &["expired at"]);
    // The status says so.
    cli.by(who::TRADER, &["access", "show"]).ok().says(&["expired", "ago"]);

    // A new grant from an admin and it works again.
    cli.by(who::ADMIN, &["access", "grant", &trader.to_string(), "trader"]).ok();
    cli.by(who::TRADER, &["transfer", &to.to_string(), "1"]).ok();
    assert_eq!(cli.balance(to).await, Amount::whole(2));
}

#[tokio::test]
async fn keeper_only_renewals_are_refused_to_traders() {
    let cli = Cli::new().await;
    let (trader, ext, keeper) =
        (address(who::TRADER), address(who::TRADER_EXT), address(who::KEEPER));

    // A trader is not a keeper.
    cli.by(who::TRADER, &["access", "renew-for", "trader", &ext.to_string()])
        .fails(FAILURE, &[&format!("{trader} does not hold the keeper role")]);
    // An Extended grant is not its holder's to renew.
    cli.by(who::TRADER_EXT, &["access", "renew", "trader"])
        .fails(FAILURE, &["is Extended: only a keeper renews it"]);
    assert_eq!(cli.sdk().grant_of(ext, Role::Trader).await.unwrap().renewals, 0);

    // The keeper does.
    cli.f.advance(600).await;
    cli.by(who::KEEPER, &["access", "renew-for", "trader", &ext.to_string()])
        .ok()
        .says(&["renewed the Extended trader grants of 1 account(s)"]);
    let g = cli.sdk().grant_of(ext, Role::Trader).await.unwrap();
    assert_eq!((g.renewals, g.renewed_by), (1, Some(keeper)));
    assert_eq!(g.expires_at, cli.sdk().now().await.unwrap() + 3600);
}

#[tokio::test]
async fn a_developer_cannot_move_tokens() {
    let cli = Cli::new().await;
    let dev = address(who::DEVELOPER);
    // Give the developer WBX, so only the missing role can stop the transfer.
    cli.sdk().allocate(Bucket::CommunityRewards, dev, Amount::whole(10)).await.unwrap();
    let nonce = cli.nonce(dev).await;

    cli.by(who::DEVELOPER, &["transfer", &address(who::TRADER).to_string(), "1"]).fails(
        FAILURE,
        &[&format!("{dev} does not hold the trader role"), "ask an admin to grant it"],
    );
    cli.by(who::DEVELOPER, &["approve", "pool", "1"])
        .fails(FAILURE, &["does not hold the trader role"]);
    assert_eq!(cli.nonce(dev).await, nonce);
    assert_eq!(cli.balance(dev).await, Amount::whole(10));
    // Separation of duties: no Trader grant for an active Developer.
    cli.by(who::ADMIN, &["access", "grant", &dev.to_string(), "trader"])
        .fails(FAILURE, &["separation of duties"]);
}
