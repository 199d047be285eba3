use alloy::{
    network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use wbx_sdk::{Amount, contracts::WebexToken, pipeline::Pipeline};
use wbx_testing::{Fixture, account, address, who};

#[tokio::test]
async fn many_transfers_in_flight_with_local_nonces() {
    let f = Fixture::new().await;
    let conn = account(&f.node, who::TRADER).await;
    let start_nonce = conn.provider().get_transaction_count(address(who::TRADER)).await.unwrap();
    let token = f.admin.deployment().token;
    let n = 40;
    let requests: Vec<_> = (0..n)
        .map(|i| {
            let call = WebexToken::transferCall {
                to: address(10 + (i % 5)),
                value: Amount::whole(1).raw(),
            };
            TransactionRequest::default().with_to(token).with_input(call.abi_encode())
        })
        .collect();
    let mut pipeline = Pipeline::new(&conn).await.unwrap();
    let receipts = pipeline.run(requests).await.unwrap();
    assert_eq!(receipts.len(), n as usize);
    assert!(receipts.iter().all(|r| r.status()));
    assert_eq!(pipeline.next_nonce(), start_nonce + n as u64);
    let balance = f.admin.balance_of(address(who::TRADER)).await.unwrap();
    assert_eq!(balance, Amount::whole(1000 - n as u64));
    assert_eq!(
        conn.provider().get_transaction_count(address(who::TRADER)).await.unwrap(),
        start_nonce + n as u64
    );
}
