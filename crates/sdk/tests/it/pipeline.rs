//! The pipeline on both nodes: hundreds of transfers in JSON-RPC batches, several in flight, each
//! mined once with the nonce it was signed with. Hardhat takes no nonce past a gap while
//! automining, so batches that overtake each other are refused there: the pipeline falls back to
//! strict nonce order and still delivers every one.

use alloy::{
    network::TransactionBuilder, primitives::U256, providers::Provider,
    rpc::types::TransactionRequest, sol_types::SolCall,
};
use wbx_sdk::{Amount, contracts::WebexToken, pipeline::Pipeline};
use wbx_testing::{Fixture, NodeKind, account, address, who};

#[tokio::test(flavor = "multi_thread")]
async fn many_transfers_in_flight_with_local_nonces_on_both_nodes() {
    // Derived once: each derivation from the mnemonic is slow in a debug build.
    let (trader, recipients) = (address(who::TRADER), (10..15).map(address).collect::<Vec<_>>());
    let (n, wei) = (400u64, 1_000_000_000u64);
    for kind in NodeKind::ALL {
        let f = Fixture::on_node(kind).await;
        let conn = account(&f.node, who::TRADER).await;
        let start_nonce = conn.provider().get_transaction_count(trader).await.unwrap();
        let token = f.admin.deployment().token;
        let requests: Vec<_> = (0..n as usize)
            .map(|i| {
                let call =
                    WebexToken::transferCall { to: recipients[i % 5], value: U256::from(wei) };
                TransactionRequest::default().with_to(token).with_input(call.abi_encode())
            })
            .collect();
        // Small batches, so that several are in flight at once and may overtake each other.
        let mut pipeline = Pipeline::new(&conn).await.unwrap().batch(25);
        let receipts = pipeline.run(requests).await.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(receipts.len(), n as usize, "{kind}");
        assert!(receipts.iter().all(|r| r.status()), "{kind}");
        assert_eq!(pipeline.next_nonce(), start_nonce + n, "{kind}");
        let balance = f.admin.balance_of(trader).await.unwrap();
        assert_eq!(balance.raw(), Amount::whole(1000).raw() - U256::from(n * wei), "{kind}");
        let nonce = conn.provider().get_transaction_count(trader).await.unwrap();
        assert_eq!(nonce, start_nonce + n, "{kind}");
    }
}
