use alloy::primitives::U256;
use wbx_sdk::{Amount, Revert, Side, contracts::WbxPool::WbxPoolErrors};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn quote_buy_sell_and_liquidity() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let t = address(who::TRADER);
    let deadline = trader.now().await.unwrap() + 600;

    let q = trader.quote(Side::Buy, "1".parse().unwrap(), 50).await.unwrap();
    // 1 ETH into 100 ETH / 1,000,000 WBX at 0.3%: Uniswap V2's formula.
    let expected =
        U256::from(997) * U256::from(10).pow(U256::from(18)) * Amount::whole(1_000_000).raw()
            / (Amount::whole(100).raw() * U256::from(1000)
                + U256::from(997) * U256::from(10).pow(U256::from(18)));
    assert_eq!(q.amount_out.raw(), expected);
    assert_eq!(q.min_out.raw(), expected * U256::from(9950) / U256::from(10_000));
    assert!(q.price_impact_bps >= 30 && q.price_impact_bps < 150, "{q:?}");

    let before = trader.balance_of(t).await.unwrap();
    trader.buy("1".parse().unwrap(), q.min_out, deadline).await.unwrap();
    assert_eq!(trader.balance_of(t).await.unwrap().raw(), before.raw() + expected);

    trader.approve(trader.deployment().pool, Amount::whole(500)).await.unwrap();
    let q = trader.quote(Side::Sell, Amount::whole(500), 100).await.unwrap();
    let eth_before = trader.eth_balance(t).await.unwrap();
    trader.sell(Amount::whole(500), q.min_out, deadline).await.unwrap();
    assert!(trader.eth_balance(t).await.unwrap() > eth_before);

    trader.approve(trader.deployment().pool, Amount::whole(100)).await.unwrap();
    trader.add_liquidity(Amount::whole(100), Amount::whole(1), deadline).await.unwrap();
    let shares = trader.shares_of(t).await.unwrap();
    assert!(shares > U256::ZERO);
    trader.remove_liquidity(shares, deadline).await.unwrap();
    assert_eq!(trader.shares_of(t).await.unwrap(), U256::ZERO);
}

#[tokio::test]
async fn slippage_and_deadline_errors_are_decoded() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let now = trader.now().await.unwrap();
    let q = trader.quote(Side::Buy, "1".parse().unwrap(), 0).await.unwrap();
    let too_much = Amount::from_raw(q.amount_out.raw() + U256::from(1));
    let err = trader.buy("1".parse().unwrap(), too_much, now + 600).await.unwrap_err();
    match err.revert() {
        Some(Revert::Pool(WbxPoolErrors::WbxPoolInsufficientOutput(e))) => {
            assert_eq!(e.amountOut, q.amount_out.raw());
            assert_eq!(e.amountOutMin, too_much.raw());
        }
        other => panic!("expected WbxPoolInsufficientOutput, got {other:?}"),
    }
    let err = trader.buy("1".parse().unwrap(), Amount::ZERO, now - 1).await.unwrap_err();
    assert!(matches!(err.revert(), Some(Revert::Pool(WbxPoolErrors::WbxPoolExpired(_)))), "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");

    let dev = f.as_account(who::DEVELOPER).await;
    dev.set_pool_paused(true).await.unwrap();
    let err = trader.buy("1".parse().unwrap(), Amount::ZERO, now + 600).await.unwrap_err();
    assert!(matches!(err.revert(), Some(Revert::Pool(WbxPoolErrors::WbxPoolPaused(_)))), "{err}");
    dev.set_pool_paused(false).await.unwrap();
    dev.set_pool_fee(50).await.unwrap();
    assert_eq!(trader.pool_state().await.unwrap().fee_bps, 50);
}
