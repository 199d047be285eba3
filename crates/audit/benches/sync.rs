//! `wbx audit sync` at scale: 1,000,000 Transfer events (`WBX_BENCH_EVENTS`) on anvil, made by
//! `allocateBatch` (each recipient is one `Transfer` and one `Allocated` log, so the range holds
//! twice as many logs), then, in the same run and over the same block range:
//!
//! 1. a bare fetch: the same `eth_getLogs` pages with the same concurrency, logs discarded;
//! 2. `cast logs` of the range (Foundry's dump, what an auditor would use today) to /dev/null;
//! 3. the full sync: fetch, decode, store in SQLite (the library call behind `wbx audit sync`).
//!
//! Target: the sync within 1.5x the bare fetch, and faster than `cast logs`. The index is deleted
//! afterwards.
//!
//! `cargo bench -p wbx-audit --bench sync` (or `scripts/bench audit`).

use alloy::rpc::types::Filter;
use futures::TryStreamExt;
use std::time::Instant;
use wbx_audit::{Db, SyncOptions, db::Scope};
use wbx_sdk::events::log_pages;
use wbx_testing::{Fixture, anvil, workspace_root};

/// Blocks per `eth_getLogs` page, and pages in flight, for both the bare fetch and the sync.
const CHUNK: u64 = 1;
const CONCURRENCY: usize = 4;

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> eyre::Result<()> {
    let n: usize =
        std::env::var("WBX_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let f = Fixture::on(anvil().args(["--gas-limit", "500000000"])).await;
    let token = f.admin.deployment().token;
    let p = f.admin.provider();

    // The events: allocateBatch of 1 wei to a few recipients over and over.
    let start = Instant::now();
    let (from, to, _) = wbx_testing::bulk::allocations(&f, n).await?;
    println!(
        "made {n} Transfer events in blocks {from}..{to} in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    // 1. The bare fetch. Anvil answers the first query of a range more slowly than later ones,
    // so one untimed pass warms it first: every method below then meets the same warm node.
    let filter = Filter::new().address(vec![token, f.admin.deployment().pool]);
    let bare_fetch = || async {
        let start = Instant::now();
        let logs: usize = log_pages(p, &filter, from, to, CHUNK, CONCURRENCY)
            .try_fold(0usize, |acc, page| async move { Ok(acc + page.logs.len()) })
            .await?;
        eyre::Ok((logs, start.elapsed().as_secs_f64()))
    };
    let (_, cold) = bare_fetch().await?;
    let (logs, bare) = bare_fetch().await?;
    assert_eq!(logs, 2 * n, "a Transfer and an Allocated log per recipient");
    println!("warm-up: the first (cold) bare fetch took {cold:.2} s");

    // 2. cast logs of the same range.
    let cast = workspace_root().join("node_modules/.bin/cast");
    let start = Instant::now();
    let status = std::process::Command::new(&cast)
        .args(["logs", "--from-block", &from.to_string(), "--to-block", &to.to_string()])
        .args(["--address", &token.to_string(), "--rpc-url", &f.node.endpoint(), "--json"])
        .stdout(std::process::Stdio::null())
        .status()?;
    let cast_secs = start.elapsed().as_secs_f64();
    eyre::ensure!(status.success(), "cast logs failed: {status}");

    // 3. The full sync, into a fresh index that starts at the same block.
    let dir = tempfile::tempdir_in(workspace_root().join("target"))?;
    let path = dir.path().join("bench.sqlite");
    let mut scope = Scope::of(f.admin.deployment());
    scope.deploy_block = from;
    let db = Db::open(&path, &scope)?;
    let opts = SyncOptions { chunk: CHUNK, concurrency: CONCURRENCY, ..SyncOptions::default() };
    let start = Instant::now();
    let (db, report) = wbx_audit::sync(p, db, &opts, None).await?;
    let sync = start.elapsed().as_secs_f64();
    assert_eq!(report.logs as usize, 2 * n);
    let stored: i64 =
        db.connection().query_row("SELECT COUNT(*) FROM transfers", [], |r| r.get(0))?;
    assert_eq!(stored as usize, n);
    let size = std::fs::metadata(&path)?.len();
    drop(db);
    drop(dir);

    let rate = |s: f64| (2 * n) as f64 / s;
    println!(
        "\n{} logs ({n} Transfer + {n} Allocated) over {} blocks, pages of {CHUNK} block(s), {CONCURRENCY} in flight\n",
        2 * n,
        to - from + 1
    );
    println!("{:<42} {:>9} {:>12} {:>10}", "method", "seconds", "events/s", "vs bare");
    for (name, s) in [
        ("bare eth_getLogs fetch (discard)", bare),
        ("cast logs --json > /dev/null", cast_secs),
        ("wbx audit sync (fetch, decode, store)", sync),
    ] {
        println!("{name:<42} {s:>9.2} {:>12.0} {:>9.2}x", rate(s), s / bare);
    }
    println!(
        "\nsync / bare = {:.2} (target <= 1.5: {}); sync vs cast logs: {:.2}x faster (target > 1: {}); index was {} MB (deleted)",
        sync / bare,
        if sync / bare <= 1.5 { "met" } else { "NOT met" },
        cast_secs / sync,
        if cast_secs > sync { "met" } else { "NOT met" },
        size / 1_000_000
    );
    Ok(())
}
