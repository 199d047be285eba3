//! `admin pause|unpause|durations|register-pool|unregister-pool`.

use crate::support::{BAD_INPUT, Cli, FAILURE, fresh, mined};
use alloy::primitives::Address;
use wbx_sdk::{Amount, Role};
use wbx_testing::{address, who};

#[tokio::test]
async fn pause_stops_every_transfer_until_unpause() {
    let cli = Cli::new().await;
    let to = fresh();

    cli.by(who::ADMIN, &["admin", "pause"]).ok().says(&["paused the token", "  tx 0x"]);
    assert!(cli.sdk().is_paused().await.unwrap());
    cli.run(&["status"]).ok().says(&["WBX (PAUSED)"]);
    cli.by(who::TRADER, &["transfer", &to.to_string(), "1"])
        .fails(FAILURE, &["the token is paused", "an admin unpauses it"]);

    // Only admins switch it.
    cli.by(who::TRADER, &["admin", "unpause"]).fails(FAILURE, &["does not hold the admin role"]);
    assert!(cli.sdk().is_paused().await.unwrap());

    let json = cli.by(who::ADMIN, &["admin", "unpause", "--json"]).ok().json();
    assert_eq!(mined(&cli, &json).await, "unpaused the token");
    assert!(!cli.sdk().is_paused().await.unwrap());
    cli.by(who::TRADER, &["transfer", &to.to_string(), "1"]).ok();
    assert_eq!(cli.balance(to).await, Amount::whole(1));

    cli.by(who::TRADER, &["admin", "pause"]).fails(FAILURE, &["does not hold the admin role"]);
    assert!(!cli.sdk().is_paused().await.unwrap());
}

#[tokio::test]
async fn durations_set_the_lifetime_of_new_grants() {
    let cli = Cli::new().await;
    cli.by(who::ADMIN, &["admin", "durations", "--standard", "10m", "--extended", "2h"])
        .ok()
        .says(&["grants now last 10m (standard) and 2h (extended)"]);
    assert_eq!(cli.sdk().grant_durations().await.unwrap(), (600, 7200));

    let (a, b) = (fresh(), fresh());
    cli.by(who::ADMIN, &["access", "grant", &a.to_string(), "auditor"]).ok();
    cli.by(who::ADMIN, &["access", "grant", &b.to_string(), "auditor", "--kind", "extended"]).ok();
    let g = cli.sdk().grant_of(a, Role::Auditor).await.unwrap();
    assert_eq!(g.expires_at - g.granted_at, 600);
    let g = cli.sdk().grant_of(b, Role::Auditor).await.unwrap();
    assert_eq!(g.expires_at - g.granted_at, 7200);

    // Outside 5m..1d: the contract would refuse it, so it is bad input; nothing changes.
    let nonce = cli.nonce(address(who::ADMIN)).await;
    cli.by(who::ADMIN, &["admin", "durations", "--standard", "1m", "--extended", "1h"])
        .fails(BAD_INPUT, &["--standard 1m is outside what the contract allows", "5m to 1d"]);
    cli.by(who::ADMIN, &["admin", "durations", "--standard", "1h", "--extended", "2d", "--json"])
        .fails_with(BAD_INPUT, "bad-duration");
    assert_eq!(cli.nonce(address(who::ADMIN)).await, nonce);
    assert_eq!(cli.sdk().grant_durations().await.unwrap(), (600, 7200));
    // Not a duration at all: bad input.
    cli.by(who::ADMIN, &["admin", "durations", "--standard", "soon", "--extended", "1h"])
        .fails(BAD_INPUT, &["\"soon\" is not a duration"]);
}

async fn is_pool(cli: &Cli, pool: Address) -> bool {
    cli.sdk().token().isPool(pool).call().await.unwrap()
}

#[tokio::test]
async fn register_and_unregister_pools() {
    let cli = Cli::new().await;
    let pool = cli.sdk().deployment().pool;
    assert!(is_pool(&cli, pool).await);

    cli.by(who::ADMIN, &["admin", "unregister-pool", &pool.to_string()])
        .ok()
        .says(&[&format!("unregistered pool {pool}")]);
    assert!(!is_pool(&cli, pool).await);
    // Unregistered, the pool cannot pay out WBX: a buy fails.
    cli.by(who::TRADER, &["swap", "buy", "0.1"])
        .fails(FAILURE, &[&format!("{pool} does not hold the trader role")]);

    let json = cli.by(who::ADMIN, &["--json", "admin", "register-pool", &pool.to_string()]);
    assert_eq!(mined(&cli, &json.ok().json()).await, format!("registered pool {pool}"));
    assert!(is_pool(&cli, pool).await);
    cli.by(who::TRADER, &["swap", "buy", "0.1"]).ok();

    // Again: already registered, said plainly.
    cli.by(who::ADMIN, &["admin", "register-pool", &pool.to_string()])
        .fails(FAILURE, &[&format!("pool {pool} is already registered")]);
}

/// The review's reproduction: a timed Admin registering a Developer's wallet as a pool. Refused for
/// the Admin (top admin only), and for the top admin too (a wallet is no pool), before anything is
/// sent; the wallet never moves WBX.
#[tokio::test]
async fn only_the_top_admin_registers_and_only_pools_of_this_token() {
    let cli = Cli::new().await;
    let (timed_admin, dev) = (address(who::STRANGER), address(who::DEVELOPER));
    cli.by(who::ADMIN, &["access", "grant", &timed_admin.to_string(), "admin"]).ok();
    let nonce = cli.nonce(timed_admin).await;
    cli.by(who::STRANGER, &["admin", "register-pool", &dev.to_string()])
        .fails(FAILURE, &[&format!("{timed_admin} is not the top admin")]);
    cli.by(who::STRANGER, &["admin", "unregister-pool", &cli.sdk().deployment().pool.to_string()])
        .fails(FAILURE, &["is not the top admin"]);
    assert_eq!(cli.nonce(timed_admin).await, nonce);

    let top = address(who::ADMIN);
    let nonce = cli.nonce(top).await;
    cli.by(who::ADMIN, &["admin", "register-pool", &dev.to_string()])
        .fails(FAILURE, &[&format!("{dev} is not a pool of this token"), "never a wallet"]);
    // The token itself is a contract, but no pool of itself.
    let token = cli.sdk().deployment().token;
    cli.by(who::ADMIN, &["admin", "register-pool", &token.to_string()]).fails(
        BAD_INPUT,
        &[&format!("{token} is the WBX token contract itself"), "nothing was sent"],
    );
    assert_eq!(cli.nonce(top).await, nonce);
    assert!(!is_pool(&cli, dev).await);

    // A second pool of this token is accepted, and listed by status and access list.
    let second = *wbx_sdk::contracts::WbxPool::deploy(cli.sdk().provider().clone(), token, 30)
        .await
        .unwrap()
        .address();
    cli.by(who::ADMIN, &["admin", "register-pool", &second.to_string()]).ok();
    let pool = cli.sdk().deployment().pool;
    cli.run(&["status"]).ok().says(&[
        "registered pools (2): ",
        &format!("{pool} (this deployment's)"),
        &second.to_string(),
    ]);
    let status = cli.run(&["status", "--json"]).ok().json();
    assert_eq!(status["registeredPools"].as_array().unwrap().len(), 2);
    let listed = cli.run(&["access", "list", "--role", "pool", "--json"]).ok().json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for entry in listed {
        assert_eq!(entry["role"], "pool");
        assert_eq!(entry["registeredBy"], serde_json::json!(top));
    }
    cli.run(&["access", "list"]).ok().says(&[
        "registered pools (move WBX without a Trader grant",
        &pool.to_string(),
        "this deployment's",
        &second.to_string(),
        "trader",
    ]);
    let traders = cli.run(&["access", "list", "--role", "trader", "--json"]).ok().json();
    assert!(traders.as_array().unwrap().iter().all(|g| g["role"] == "trader"));
}
