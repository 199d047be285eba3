//! A long history for benchmarks: many `Transfer` events made quickly on anvil.

use crate::{Fixture, account, who};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use wbx_sdk::{Bucket, contracts::WebexToken, pipeline::Pipeline};

/// Recipients per `allocateBatch` (under the per-transaction gas cap).
const BATCH: usize = 1_500;
/// Transactions per mined block.
const TXS_PER_BLOCK: usize = 10;

/// Makes `n` `Transfer` events with `allocateBatch` of 1 wei to 64 recipients over and over (warm
/// slots keep the gas per recipient low), many transactions per block; each recipient is also one
/// `Allocated` event. The node needs a high block gas limit (`anvil --gas-limit 500000000`).
/// Returns the first and last block of the history and the recipients.
pub async fn allocations(f: &Fixture, n: usize) -> wbx_sdk::Result<(u64, u64, Vec<Address>)> {
    let token = f.admin.deployment().token;
    let p = f.admin.provider();
    let from = p.get_block_number().await? + 1;
    let recipients: Vec<Address> = (0..64u64)
        .map(|i| Address::from_word(keccak256(U256::from(i).to_be_bytes::<32>())))
        .collect();
    let admin = account(&f.node, who::ADMIN).await;
    p.anvil_set_auto_mine(false).await?;
    let mut made = 0usize;
    while made < n {
        let mut requests = Vec::new();
        for _ in 0..TXS_PER_BLOCK {
            let k = BATCH.min(n - made);
            if k == 0 {
                break;
            }
            let to: Vec<Address> =
                (0..k).map(|i| recipients[(made + i) % recipients.len()]).collect();
            let call = WebexToken::allocateBatchCall {
                bucket: Bucket::CommunityRewards.index(),
                recipients: to,
                amounts: vec![U256::from(1); k],
                paymentId: alloy::primitives::keccak256(U256::from(made).to_be_bytes::<32>()),
            };
            requests.push(
                TransactionRequest::default()
                    .with_to(token)
                    .with_input(call.abi_encode())
                    .with_gas_limit(16_000_000),
            );
            made += k;
        }
        let mut pipeline = Pipeline::new(&admin).await?;
        let signed = pipeline.sign(requests).await?;
        for tx in &signed {
            let _pending = p.send_raw_transaction(&tx.raw).await?;
        }
        p.anvil_mine(Some(1), None).await?;
        let end = pipeline.next_nonce();
        while p.get_transaction_count(f.admin.sender()?).latest().await? < end {
            p.anvil_mine(Some(1), None).await?;
        }
    }
    p.anvil_set_auto_mine(true).await?;
    Ok((from, p.get_block_number().await?, recipients))
}
