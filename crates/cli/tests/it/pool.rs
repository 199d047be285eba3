//! `pool info|fee|pause|unpause|add|remove`.

use crate::support::{BAD_INPUT, Cli, FAILURE, addr, amt, mined, s};
use alloy::primitives::U256;
use wbx_sdk::Amount;
use wbx_testing::{address, who};

#[tokio::test]
async fn info_shows_reserves_fee_and_your_shares() {
    let cli = Cli::new().await;
    let pool = cli.sdk().deployment().pool;
    // The admin seeded the pool at deployment, so it holds shares.
    let shares = cli.sdk().shares_of(address(who::ADMIN)).await.unwrap();
    assert!(shares > U256::ZERO);

    cli.by(who::ADMIN, &["pool", "info"]).ok().says(&[
        &format!("pool {pool}"),
        "reserves 1000000 WBX / 100 ETH",
        "fee 0.30%",
        &format!("your shares {shares}"),
    ]);
    let json = cli.by(who::ADMIN, &["pool", "info", "--json"]).ok().json();
    assert_eq!(addr(&json, "pool"), pool);
    let state = &json["state"];
    assert_eq!((s(state, "reserveWbx"), s(state, "reserveEth")), ("1000000", "100"));
    assert_eq!((&state["feeBps"], &state["paused"]), (&30.into(), &false.into()));
    assert_eq!(s(&json, "yourShares"), shares.to_string());

    // Read-only: no shares to show.
    let json = cli.run(&["pool", "info", "--json"]).ok().json();
    assert!(json["yourShares"].is_null(), "{json:#}");
    let human = cli.run(&["pool", "info"]).ok();
    assert!(!human.stdout.contains("your shares"), "{human}");
}

#[tokio::test]
async fn developers_set_the_fee_and_pause_the_pool() {
    let cli = Cli::new().await;

    cli.by(who::DEVELOPER, &["pool", "fee", "25"]).ok().says(&["pool fee set to 25 bps"]);
    assert_eq!(cli.sdk().pool_state().await.unwrap().fee_bps, 25);
    cli.run(&["pool", "info"]).ok().says(&["fee 0.25%"]);

    // Not a developer; above the maximum (refused by the parser: exit 2, nothing sent).
    cli.by(who::TRADER, &["pool", "fee", "10"])
        .fails(FAILURE, &[&format!("{} does not hold the developer role", address(who::TRADER))]);
    let nonce = cli.nonce(address(who::DEVELOPER)).await;
    cli.by(who::DEVELOPER, &["pool", "fee", "101"]).fails(BAD_INPUT, &["101"]);
    assert_eq!(cli.nonce(address(who::DEVELOPER)).await, nonce);
    assert_eq!(cli.sdk().pool_state().await.unwrap().fee_bps, 25);

    let json = cli.by(who::DEVELOPER, &["--json", "pool", "pause"]).ok().json();
    assert_eq!(mined(&cli, &json).await, "paused the pool");
    assert!(cli.sdk().pool_state().await.unwrap().paused);
    cli.run(&["pool", "info"]).ok().says(&["PAUSED"]);
    cli.by(who::TRADER, &["swap", "buy", "0.1"])
        .fails(FAILURE, &["the pool is paused: ask a developer to unpause it"]);
    cli.by(who::TRADER, &["pool", "unpause"]).fails(FAILURE, &["does not hold the developer role"]);

    cli.by(who::DEVELOPER, &["pool", "unpause"]).ok().says(&["unpaused the pool"]);
    assert!(!cli.sdk().pool_state().await.unwrap().paused);
    cli.by(who::TRADER, &["swap", "buy", "0.1"]).ok();
}

#[tokio::test]
async fn traders_add_and_remove_liquidity() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);

    // 1,000 WBX at 10,000 WBX per ETH takes 0.1 ETH; the rest of the ETH comes back.
    cli.by(who::TRADER, &["approve", "pool", "1000"]).ok();
    cli.by(who::TRADER, &["pool", "add", "1000", "1"])
        .ok()
        .says(&["added up to 1000 WBX and 1 ETH of liquidity"]);
    let state = cli.sdk().pool_state().await.unwrap();
    assert_eq!((state.reserve_wbx, state.reserve_eth), (Amount::whole(1_001_000), amt("100.1")));
    assert_eq!(cli.balance(trader).await, Amount::ZERO);
    let shares = cli.sdk().shares_of(trader).await.unwrap();
    assert!(shares > U256::ZERO);
    cli.by(who::TRADER, &["pool", "info"]).ok().says(&[&format!("your shares {shares}")]);

    // Not a number of shares.
    cli.by(who::TRADER, &["pool", "remove", "lots"])
        .fails(BAD_INPUT, &["\"lots\" is not a whole number of shares"]);

    cli.by(who::TRADER, &["pool", "remove", "all"])
        .ok()
        .says(&[&format!("withdrew {shares} liquidity shares")]);
    assert_eq!(cli.sdk().shares_of(trader).await.unwrap(), U256::ZERO);
    // Rounded in the pool's favour: back at most what went in, and all but dust.
    let back = cli.balance(trader).await;
    assert!(back <= Amount::whole(1000) && back > amt("999.999"), "{back}");
    let state = cli.sdk().pool_state().await.unwrap();
    assert!(state.reserve_wbx >= Amount::whole(1_000_000));
}
