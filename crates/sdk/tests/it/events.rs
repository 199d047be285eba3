use alloy::providers::Provider;
use futures::StreamExt;
use std::time::Duration;
use wbx_sdk::{
    Amount,
    contracts::WebexToken::{self, WebexTokenEvents},
    events::{WbxEvent, fetch_logs},
};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn range_queries_are_chunked_and_complete() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    for _ in 0..5 {
        trader.transfer(address(who::STRANGER), Amount::whole(1)).await.unwrap();
    }
    let head = f.admin.provider().get_block_number().await.unwrap();
    let all = f.admin.events(0, head).await.unwrap();
    // One block per request must give exactly the same logs as one request for the range.
    let filter = f.admin.event_filter();
    let one = fetch_logs(f.admin.provider(), &filter, 0, head, head + 1, 1).await.unwrap();
    let chunked = fetch_logs(f.admin.provider(), &filter, 0, head, 1, 8).await.unwrap();
    assert_eq!(one, chunked);
    assert_eq!(all.len(), one.len());
    let transfers = f.admin.token_events::<WebexToken::Transfer>(0, head).await.unwrap();
    let to_stranger = transfers.iter().filter(|(e, _)| e.to == address(who::STRANGER)).count();
    assert_eq!(to_stranger, 5);
    assert!(
        all.iter().any(|e| matches!(e.event, WbxEvent::Token(WebexTokenEvents::SupplyIssued(_))))
    );
    assert!(all.iter().any(|e| matches!(e.event, WbxEvent::Pool(_))));
}

#[tokio::test]
async fn live_stream_sees_new_events() {
    let f = Fixture::new().await;
    let head = f.admin.provider().get_block_number().await.unwrap();
    let trader = f.as_account(who::TRADER).await;
    let stream = f.admin.event_stream(head + 1, Duration::from_millis(50));
    tokio::pin!(stream);
    trader.transfer(address(who::STRANGER), Amount::whole(3)).await.unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match ev.event {
        WbxEvent::Token(WebexTokenEvents::Transfer(t)) => {
            assert_eq!(t.value, Amount::whole(3).raw())
        }
        other => panic!("{other:?}"),
    }
}
