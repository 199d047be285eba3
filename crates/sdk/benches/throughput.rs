//! Throughput of token transfers on anvil, three ways in one run:
//! - naive: send one transfer and wait for its receipt before the next (what a simple script does);
//! - pipelined: the SDK's [`Pipeline`] (local nonces, everything in flight, then the receipts);
//! - ceiling: the same transfers pre-signed and sent raw (same in-flight window), anvil's limit.
//!
//! `cargo bench -p wbx-sdk --bench throughput` (N transfers, default 5000: `WBX_BENCH_N`; the naive
//! way, whose rate is steady and slow, is measured on a tenth of them).

use alloy::{
    network::TransactionBuilder, primitives::Address, providers::Provider,
    rpc::types::TransactionRequest, sol_types::SolCall,
};
use std::time::Instant;
use wbx_sdk::{Amount, Bucket, GrantKind, Role, contracts::WebexToken, pipeline::Pipeline};
use wbx_testing::{Fixture, account, address};

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> eyre::Result<()> {
    let n: usize = std::env::var("WBX_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(5000);
    let f = Fixture::new().await;
    // Three senders, one per method, each with its own nonce sequence and plenty of WBX.
    let senders = [7u32, 8, 9];
    for s in senders {
        f.admin.grant(address(s), Role::Trader, GrantKind::Extended).await?;
        f.admin.allocate(Bucket::PlatformDevelopment, address(s), Amount::whole(1_000_000)).await?;
    }
    let token = f.admin.deployment().token;
    // Recipients that already hold WBX, so every transfer costs the same.
    let recipients: Vec<Address> = (20..30).map(address).collect();
    let payouts: Vec<_> = recipients.iter().map(|r| (*r, Amount::whole(1))).collect();
    f.admin.allocate_batch(Bucket::CommunityRewards, &payouts).await?;
    let request = |i: usize| {
        let call = WebexToken::transferCall {
            to: recipients[i % recipients.len()],
            value: Amount::whole(1).raw(),
        };
        TransactionRequest::default().with_to(token).with_input(call.abi_encode())
    };

    // Naive: its rate is steady, so a tenth of the transfers measure it (at least 200).
    let naive_n = (n / 10).max(200).min(n);
    let naive = f.as_account(senders[0]).await;
    let start = Instant::now();
    for i in 0..naive_n {
        naive.transfer(recipients[i % recipients.len()], Amount::whole(1)).await?;
    }
    let naive_tps = naive_n as f64 / start.elapsed().as_secs_f64();

    // Pipelined.
    let conn = account(&f.node, senders[1]).await;
    let start = Instant::now();
    let mut pipeline = Pipeline::new(&conn).await?;
    let receipts = pipeline.run((0..n).map(request).collect()).await?;
    let pipelined_tps = n as f64 / start.elapsed().as_secs_f64();
    assert!(receipts.iter().all(|r| r.status()), "every pipelined transfer succeeds");

    // Ceiling: the same transfers signed before the clock starts, with gas and fees fixed, then
    // sent raw within the same in-flight window (anvil stalls with thousands pending).
    let conn = account(&f.node, senders[2]).await;
    let p = conn.provider().clone();
    let gas = p.estimate_gas(request(0).from(address(senders[2]))).await? * 12 / 10;
    let mut ceiling = Pipeline::new(&conn).await?;
    let presigned = ceiling.sign((0..n).map(|i| request(i).gas_limit(gas)).collect()).await?;
    let start = Instant::now();
    ceiling.send_signed(&presigned).await?;
    let ceiling_tps = n as f64 / start.elapsed().as_secs_f64();
    let hashes: Vec<_> = presigned.iter().map(|t| t.hash).collect();
    assert!(ceiling.receipts(&hashes).await?.iter().all(|r| r.status()));

    println!("token transfers on anvil, same run: {n} pipelined and ceiling, {naive_n} naive");
    println!("{:<34} {:>10}  {:>12}", "method", "tx/s", "vs naive");
    for (name, tps) in [
        ("naive (send, wait, repeat)", naive_tps),
        ("SDK pipeline (local nonces)", pipelined_tps),
        ("ceiling (pre-signed raw sends)", ceiling_tps),
    ] {
        println!("{name:<34} {tps:>10.0}  {:>11.1}x", tps / naive_tps);
    }
    println!(
        "pipeline: {:.1}x naive, {:.0}% of the ceiling (target: >= 10x naive, or >= 80% of the ceiling)",
        pipelined_tps / naive_tps,
        100.0 * pipelined_tps / ceiling_tps
    );
    Ok(())
}
