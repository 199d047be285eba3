//! `quote` and `swap`.

use crate::support::{BAD_INPUT, Cli, amt, mined, s};
use wbx_sdk::{Amount, Side};
use wbx_testing::{address, who};

#[tokio::test]
async fn quotes_match_the_pool() {
    let cli = Cli::new().await;
    let q = cli.sdk().quote(Side::Buy, Amount::whole(1), 100).await.unwrap();
    let json = cli.run(&["quote", "buy", "1", "--slippage", "1", "--json"]).ok().json();
    assert_eq!(s(&json, "amountIn"), "1");
    assert_eq!(s(&json, "amountOut"), q.amount_out.to_string());
    assert_eq!(s(&json, "minOut"), q.min_out.to_string());
    assert_eq!(json["priceImpactBps"], q.price_impact_bps);
    // 1% slippage: the least acceptable is 99% of the quote, rounded down.
    assert_eq!(
        q.min_out.raw(),
        q.amount_out.raw() * alloy::primitives::U256::from(99) / alloy::primitives::U256::from(100)
    );
    // At 10,000 WBX per ETH less the 0.3% fee and the price impact.
    assert!(q.amount_out > Amount::whole(9_800) && q.amount_out < Amount::whole(9_970));

    let q = cli.sdk().quote(Side::Sell, Amount::whole(1000), 50).await.unwrap();
    cli.run(&["quote", "sell", "1000"]).ok().says(&[
        &format!("pay 1000 WBX, get {} ETH", q.amount_out),
        &format!("at least {} ETH with 0.50% slippage", q.min_out),
        "price impact",
    ]);
    // Quoting reads only: no wallet needed, nothing changes.
    assert_eq!(cli.sdk().pool_state().await.unwrap().reserve_wbx, Amount::whole(1_000_000));
}

#[tokio::test]
async fn swap_buy_pays_eth_and_receives_the_quoted_wbx() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let q = cli.sdk().quote(Side::Buy, amt("0.5"), 100).await.unwrap();
    let eth_before = cli.sdk().eth_balance(trader).await.unwrap();

    let run = cli.by(who::TRADER, &["swap", "buy", "0.5", "--slippage", "1", "--json"]).ok();
    // The quote is a note on stderr; stdout is the one JSON document.
    assert!(run.stderr.contains(&format!("get {} WBX", q.amount_out)), "{run}");
    let action = mined(&cli, &run.json()).await;
    assert_eq!(action, format!("bought about {} WBX for 0.5 ETH", q.amount_out));

    // Nothing traded in between: exactly the quote.
    assert_eq!(cli.balance(trader).await.raw(), Amount::whole(1000).raw() + q.amount_out.raw());
    let pool = cli.sdk().pool_state().await.unwrap();
    assert_eq!(pool.reserve_eth, amt("100.5"));
    assert_eq!(pool.reserve_wbx.raw(), Amount::whole(1_000_000).raw() - q.amount_out.raw());
    let eth_after = cli.sdk().eth_balance(trader).await.unwrap();
    assert!(eth_after.raw() < eth_before.raw() - amt("0.5").raw(), "paid 0.5 ETH and gas");
}

#[tokio::test]
async fn swap_sell_needs_an_allowance_or_approve() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let pool = cli.sdk().deployment().pool;

    // No allowance: refused before anything is sent, with the command that fixes it.
    let nonce = cli.nonce(trader).await;
    cli.by(who::TRADER, &["swap", "sell", "100"]).fails(
        BAD_INPUT,
        &[
            "the pool may spend 0 WBX of yours, less than 100",
            "`wbx approve pool 100`",
            "--approve",
        ],
    );
    assert_eq!(cli.nonce(trader).await, nonce);
    assert_eq!(cli.balance(trader).await, Amount::whole(1000));

    // More than the balance: refused too, even with --approve.
    cli.by(who::TRADER, &["swap", "sell", "1000.5", "--approve"])
        .fails(BAD_INPUT, &["you hold 1000 WBX, less than the 1000.5 to sell"]);
    assert_eq!(cli.nonce(trader).await, nonce);

    // --approve approves exactly the amount, then sells it.
    let q = cli.sdk().quote(Side::Sell, Amount::whole(100), 50).await.unwrap();
    let eth_before = cli.sdk().eth_balance(trader).await.unwrap();
    let run = cli.by(who::TRADER, &["swap", "sell", "100", "--approve"]).ok();
    assert!(run.stderr.contains("approved the pool for 100 WBX"), "{run}");
    run.says(&[&format!("sold 100 WBX for about {} ETH", q.amount_out), "  tx 0x"]);
    assert_eq!(cli.nonce(trader).await, nonce + 2, "one approval, one swap");
    assert_eq!(cli.balance(trader).await, Amount::whole(900));
    assert_eq!(cli.sdk().allowance(trader, pool).await.unwrap(), Amount::ZERO);
    let state = cli.sdk().pool_state().await.unwrap();
    assert_eq!(state.reserve_wbx, Amount::whole(1_000_100));
    assert_eq!(state.reserve_eth.raw(), Amount::whole(100).raw() - q.amount_out.raw());
    let eth_after = cli.sdk().eth_balance(trader).await.unwrap();
    assert!(eth_after > eth_before, "the ETH out exceeds the gas");

    // With an allowance already in place, no approval is sent.
    cli.by(who::TRADER, &["approve", "pool", "50"]).ok();
    let nonce = cli.nonce(trader).await;
    let run = cli.by(who::TRADER, &["swap", "sell", "50", "--approve"]).ok();
    assert!(!run.stderr.contains("approved the pool"), "{run}");
    assert_eq!(cli.nonce(trader).await, nonce + 1);
    assert_eq!(cli.balance(trader).await, Amount::whole(850));
}
