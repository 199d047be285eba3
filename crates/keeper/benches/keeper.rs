//! The keeper at scale on anvil: 10,000 Extended grants (`WBX_BENCH_GRANTS`).
//!
//! - gas per renewal of `renewBatch` (the keeper's only transaction) at batch 1, 10 and 100,
//!   from the receipts (intrinsic gas included);
//! - wall time of the keeper's backfill (the grants' 10,000 blocks) and of one full renewal pass
//!   (every grant due: checked at the latest block, simulated, sent in batches of 100, mined);
//! - the keeper's resident memory: peak RSS of this process while the keeper runs (reset after
//!   the grants are made; anvil is another process), and the size of its state file.
//!
//! The grants are made many per block (automine off): anvil's time per block grows with its
//! state, and 10,000 one-transaction blocks would take minutes. The keeper's own pass runs with
//! automine on, one block per renewal transaction, so its wall time includes anvil mining 100
//! blocks.
//!
//! `cargo bench -p wbx-keeper --bench keeper` (or `scripts/bench keeper`).

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use std::time::Instant;
use wbx_keeper::{Keeper, KeeperConfig};
use wbx_sdk::{GrantKind, Role, SignerSource, contracts::WebexToken, pipeline::Pipeline};
use wbx_testing::{DevRpc, Fixture, account, who};

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> eyre::Result<()> {
    let n: usize =
        std::env::var("WBX_BENCH_GRANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let f = Fixture::new().await;
    let token = f.admin.deployment().token;
    let holders: Vec<Address> = (0..n as u64)
        .map(|i| Address::from_word(keccak256(U256::from(i).to_be_bytes::<32>())))
        .collect();

    // The grants from the admin, signed locally, many per block: anvil's time per block grows with
    // its state, so one transaction per block would take minutes.
    let start = Instant::now();
    let admin = account(&f.node, who::ADMIN).await;
    let p = f.admin.provider();
    p.set_automine(false).await?;
    for chunk in holders.chunks(250) {
        // Full blocks raise the base fee: fresh fees for each chunk.
        let mut pipeline = Pipeline::new(&admin).await?;
        let requests = chunk.iter().map(|a| {
            let call = WebexToken::grantAccessCall {
                account: *a,
                role: Role::Trader.id(),
                kind: GrantKind::Extended.index(),
            };
            TransactionRequest::default()
                .with_to(token)
                .with_input(call.abi_encode())
                .with_gas_limit(150_000)
        });
        let signed = pipeline.sign(requests.collect()).await?;
        for tx in &signed {
            let _pending = p.send_raw_transaction(&tx.raw).await?;
        }
        let end = pipeline.next_nonce();
        while p.get_transaction_count(f.admin.sender()?).latest().await? < end {
            p.mine_block().await?;
        }
    }
    p.set_automine(true).await?;
    println!("granted {n} Extended grants in {:.1} s", start.elapsed().as_secs_f64());

    // The keeper; its memory is measured from here (peak RSS reset).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = status_kb("VmRSS:");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("keeper.json");
    let mut cfg = KeeperConfig::new(&path);
    cfg.idle = wbx_keeper::IdleRule::NONE; // the holders never act; renew them all
    let conn =
        wbx_keeper::connect(&f.node.endpoint(), Some(&SignerSource::DevAccount(who::KEEPER)))
            .await?;
    let mut keeper = Keeper::open(f.admin.with_connection(conn), cfg).await?;
    let start = Instant::now();
    let report = keeper.run_once().await?;
    println!(
        "backfill: {} blocks, {} events, {} grants tracked in {:.2} s",
        report.scan.to.unwrap_or_default() + 1,
        report.scan.events,
        keeper.state().tracked(),
        start.elapsed().as_secs_f64()
    );

    f.advance(50 * 60).await;
    let start = Instant::now();
    let report = keeper.run_once().await?;
    let pass = start.elapsed().as_secs_f64();
    assert_eq!(report.renewed_grants(), n + 1, "every Extended grant (and the fixture's) renewed");
    let gas: u64 = report.renewed.iter().map(|r| r.gas_used).sum();
    println!(
        "full renewal pass: {} grants in {} transactions in {pass:.2} s ({:.0} grants/s), {:.0} gas per renewal",
        report.renewed_grants(),
        report.renewed.len(),
        report.renewed_grants() as f64 / pass,
        gas as f64 / report.renewed_grants() as f64
    );
    let rss_peak = status_kb("VmHWM:");
    println!(
        "keeper memory: peak RSS {:.1} MB (process at {:.1} MB before the keeper started; target < 100 MB); state file {:.2} MB",
        rss_peak as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );

    // Gas per renewal by batch size: renewBatch straight from the keeper account.
    f.advance(50 * 60).await;
    let keeper_wbx = f.as_account(who::KEEPER).await;
    println!("\n| batch | renewals | gas per renewal | target |\n|---:|---:|---:|---|");
    let mut offset = 0;
    for (size, samples) in [(1usize, 20usize), (10, 10), (100, 10)] {
        let mut total = 0u64;
        for _ in 0..samples {
            let batch = &holders[offset..offset + size];
            offset += size;
            total += keeper_wbx.renew_batch(Role::Trader, batch).await?.gas_used;
        }
        let per = total as f64 / (size * samples) as f64;
        let target = if size == 100 {
            if per <= 7000.0 { "<= 7,000: met" } else { "<= 7,000: NOT met" }
        } else {
            ""
        };
        println!("| {size} | {} | {per:.0} | {target} |", size * samples);
    }
    Ok(())
}
