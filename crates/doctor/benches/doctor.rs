//! The troubleshooter's speed on a local anvil: RPC round trips and wall time per diagnosis,
//! printed beside a naive baseline measured in the same run (the same reads for a transfer, one
//! RPC call per read, as a client without batching makes them).
//!
//! Each diagnosis is timed from the connection on (a `wbx doctor` run connects once), and the
//! round trips are counted by a tower layer on the transport (a JSON-RPC batch counts once).
//! Target: at most 5 round trips and under 200 ms.
//!
//! A local node answers in microseconds, which hides what batching is for. The same diagnoses
//! then run through a proxy that holds every request for `WBX_BENCH_RTT_MS` (default 20 ms, a
//! hosted RPC endpoint's round trip), so each round trip costs what it costs over a network.
//!
//! `cargo bench -p wbx-doctor --bench doctor` (or `scripts/bench doctor`); `WBX_BENCH_RUNS` sets
//! the runs per case (default 50 locally, a fifth of that through the proxy).

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::{client::ClientBuilder, types::TransactionRequest},
    sol_types::SolCall,
};
use std::time::{Duration, Instant};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use wbx_doctor::{Action, CountingLayer, Doctor, Plan};
use wbx_sdk::{Amount, Role, Side, contracts::WebexToken};
use wbx_testing::{Fixture, address, who};

/// Mean milliseconds and round trips of `runs` runs of `f` (which returns its round trips).
async fn measure<F, Fut>(runs: u32, mut f: F) -> (f64, u64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let _ = f().await; // warm-up: connections, caches
    let start = Instant::now();
    let mut trips = 0;
    for _ in 0..runs {
        trips = f().await;
    }
    (start.elapsed().as_secs_f64() * 1000.0 / runs as f64, trips)
}

/// The reads of a transfer diagnosis made one by one: chain id, latest block, fee history, ETH
/// balance, paused, grantOf, balanceOf, the simulation and the gas estimate.
async fn naive_transfer(url: &str, token: Address, from: Address, to: Address) -> u64 {
    let layer = CountingLayer::default();
    let client = ClientBuilder::default().layer(layer.clone()).connect(url).await.unwrap();
    let p = ProviderBuilder::new().connect_client(client);
    let call =
        |data: Vec<u8>| TransactionRequest::default().from(from).to(token).input(data.into());
    p.get_chain_id().await.unwrap();
    p.get_block_by_number(Default::default()).await.unwrap();
    p.get_fee_history(10, Default::default(), &[10.0, 50.0, 90.0]).await.unwrap();
    p.get_balance(from).await.unwrap();
    p.call(call(WebexToken::pausedCall {}.abi_encode())).await.unwrap();
    p.call(call(WebexToken::grantOfCall::new((from, Role::Trader.id())).abi_encode()))
        .await
        .unwrap();
    p.call(call(WebexToken::balanceOfCall::new((from,)).abi_encode())).await.unwrap();
    let transfer = call(WebexToken::transferCall::new((to, U256::from(1))).abi_encode());
    p.call(transfer.clone()).await.unwrap();
    p.estimate_gas(transfer).await.unwrap();
    layer.count()
}

/// A TCP proxy in front of `upstream` that holds each chunk the client sends for `rtt` before
/// passing it on (answers come back at once): every request/response round trip costs `rtt`.
/// Returns the proxy's URL.
async fn latency_proxy(upstream: &str, rtt: Duration) -> String {
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else { return };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n @ 1..) = cr.read(&mut buf).await {
                        tokio::time::sleep(rtt).await;
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                };
                tokio::join!(up, down);
            });
        }
    });
    url
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() {
    let runs: u32 = std::env::var("WBX_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let fx = Fixture::new().await;
    let url = fx.node.endpoint();
    let record = fx.admin.deployment().clone();
    let (token, pool) = (record.token, record.pool);
    let (trader, to) = (address(who::TRADER), address(who::ADMIN));
    fx.as_account(who::TRADER).await.approve(pool, Amount::whole(5)).await.unwrap();

    let transfer = Plan::new(trader, Action::Transfer { to, amount: Amount::whole(1) });
    let sell = Plan::new(
        trader,
        Action::Swap {
            side: Side::Sell,
            amount: Amount::whole(5),
            slippage_bps: 50,
            deadline_secs: 600,
            min_out: None,
            deadline_at: None,
            approve: false,
        },
    );
    let doctor = || async { Doctor::connect(&url, Some(record.clone())).await.unwrap() };

    println!("wbx doctor on a local anvil, {runs} runs per case (connection included)");
    println!("{:<44} {:>12} {:>10}", "case", "round trips", "ms each");
    let cases: Vec<(&str, (f64, u64))> = vec![
        (
            "doctor transfer (batched)",
            measure(runs, || async { doctor().await.plan(&transfer).await.unwrap().round_trips })
                .await,
        ),
        (
            "  baseline: same reads, one call each",
            measure(runs, || naive_transfer(&url, token, trader, to)).await,
        ),
        (
            "doctor swap sell (batched)",
            measure(runs, || async { doctor().await.plan(&sell).await.unwrap().round_trips }).await,
        ),
        (
            "doctor token (batched)",
            measure(runs, || async { doctor().await.token(token).await.unwrap().round_trips })
                .await,
        ),
        (
            "doctor account (batched)",
            measure(runs, || async { doctor().await.account(trader).await.unwrap().round_trips })
                .await,
        ),
    ];
    for (name, (ms, trips)) in cases {
        println!("{name:<44} {trips:>12} {ms:>10.2}");
    }

    // The same through a network-like round trip.
    let rtt_ms: u64 =
        std::env::var("WBX_BENCH_RTT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let remote = latency_proxy(&url, Duration::from_millis(rtt_ms)).await;
    let remote_doctor = || async { Doctor::connect(&remote, Some(record.clone())).await.unwrap() };
    let slow_runs = (runs / 5).max(1);
    println!();
    println!("through a proxy adding {rtt_ms} ms per round trip, {slow_runs} runs per case");
    println!("{:<44} {:>12} {:>10}", "case", "round trips", "ms each");
    let cases: Vec<(&str, (f64, u64))> = vec![
        (
            "doctor transfer (batched)",
            measure(slow_runs, || async {
                remote_doctor().await.plan(&transfer).await.unwrap().round_trips
            })
            .await,
        ),
        (
            "  baseline: same reads, one call each",
            measure(slow_runs, || naive_transfer(&remote, token, trader, to)).await,
        ),
    ];
    for (name, (ms, trips)) in cases {
        println!("{name:<44} {trips:>12} {ms:>10.2}");
    }
    println!("target: <= 5 round trips and < 200 ms per diagnosis");
}
