//! Exactly once under a lying RPC. Every sending path of `wbx` that pays or creates runs here
//! through the fault-injecting proxy of `wbx-testing`, in front of a real anvil, with the faults
//! hosted providers show: receipts that lag the nonce by seconds, two backends a block apart
//! answering in turn, sends the node executed whose answer was lost, and transactions dropped
//! before they reach the node; then all of them at once.
//!
//! Through each: `allocate-batch` of 2,000 rows, killed at a moment chosen per profile and run
//! again, pays every recipient exactly once (balances and the token's payment records say so),
//! sends one transaction per batch, and reports what it did truthfully; `deploy`, killed half way
//! and run again, creates one token and one pool.

use crate::support::{Cli, Reaped, run, s, wbx};
use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::Value;
use std::{
    collections::BTreeSet,
    path::Path,
    process::{Child, Stdio},
    sync::atomic::Ordering,
    time::{Duration, Instant},
};
use wbx_sdk::{Amount, Bucket, Connection, Deployment, Wbx, contracts::WebexToken};
use wbx_testing::{
    address,
    proxy::{Faults, RpcProxy},
    who,
};

const BATCH: usize = 100;

/// A profile: its name, its faults, and after how many journaled batches the first run is killed.
fn profiles() -> Vec<(&'static str, Faults, usize)> {
    let all = Faults {
        receipt_lag: Some(Duration::from_secs(1)),
        split_backends: true,
        lose_send_answers: 150,
        drop_sends: 150,
        seed: 4,
        ..Faults::default()
    };
    vec![
        ("lagging receipts", Faults::lagging_receipts(Duration::from_secs(2)), 5),
        ("backends a block apart", Faults::split_backends(), 2),
        ("lost send answers", Faults { seed: 2, ..Faults::lost_send_answers(300) }, 7),
        ("dropped sends", Faults { seed: 3, ..Faults::dropped_sends(300) }, 3),
        ("all at once", all, 4),
        ("lagging receipts, 10,000 rows", Faults::lagging_receipts(Duration::from_secs(2)), 30),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_pays_once_through_lagging_receipts() {
    pays_once_through(0, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_pays_once_through_backends_a_block_apart() {
    pays_once_through(1, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_pays_once_through_lost_send_answers() {
    pays_once_through(2, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_pays_once_through_dropped_sends() {
    pays_once_through(3, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_pays_once_through_every_fault_at_once() {
    pays_once_through(4, 2000).await;
}

/// The issue's own scale: 10,000 rows through receipts that lag by seconds, killed after 30
/// batches were written down and run again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocate_batch_of_10000_rows_pays_each_once_through_lagging_receipts() {
    pays_once_through(5, 10_000).await;
}

async fn pays_once_through(profile: usize, rows: usize) {
    let (name, faults, kill_after) = profiles()[profile];
    let batches = rows / BATCH;
    let cli = Cli::on_anvil(live_chain()).await;
    let proxy = RpcProxy::start(&cli.url(), faults).await;
    let admin = address(who::ADMIN);
    let rows: Vec<(Address, Amount)> = (0..rows)
        .map(|i| (crate::support::fresh(), Amount::from_raw(U256::from(1_000_000 + i as u64))))
        .collect();
    let csv = cli.dir.path().join("rewards.csv");
    let text: String = rows.iter().map(|(to, amount)| format!("{to},{amount}\n")).collect();
    std::fs::write(&csv, format!("address,amount\n{text}")).unwrap();
    let journal = csv.with_file_name("rewards.csv.journal.json");
    let nonce = cli.nonce(admin).await;
    let released = cli.released(Bucket::CommunityRewards).await;
    let args = [
        "allocate-batch",
        "community-rewards",
        csv.to_str().unwrap(),
        "--dev-account",
        "0",
        "--deployment",
        cli.record.to_str().unwrap(),
        "--rpc-url",
        proxy.url(),
    ];

    // The first run dies (SIGKILL) once the journal shows `kill_after` batches.
    let child = wbx(cli.dir.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn wbx");
    kill_when(child, name, || journaled(&journal) >= kill_after).await;

    // The same command again finishes the job.
    let mut rerun = wbx(cli.dir.path());
    rerun.args(args).arg("--json");
    if let Ok(filter) = std::env::var("WBX_TEST_LOG") {
        rerun.env("RUST_LOG", filter);
    }
    let again = run_off_runtime(&mut rerun).await;
    if again.code != 0 {
        let p = cli.sdk().provider();
        let latest = p.get_transaction_count(admin).await.unwrap();
        let pending = p.get_transaction_count(admin).pending().await.unwrap();
        let pool: Value = p.raw_request("txpool_inspect".into(), ()).await.unwrap();
        let j = std::fs::read_to_string(&journal).unwrap_or_default();
        let short: Vec<String> = serde_json::from_str::<Value>(&j)
            .map(|v| {
                v["batches"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| format!("{}:{}:{}", b["index"], b["nonce"], b["state"]))
                    .collect()
            })
            .unwrap_or_default();
        panic!(
            "{name}: the rerun failed:\n{again}\nlatest {latest} pending {pending}\npool {pool:#}\njournal {short:?}"
        );
    }
    let report = again.json();
    let n = |field: &str| report[field].as_u64().unwrap_or_else(|| panic!("{field} in {report:#}"));
    assert_eq!(n("batches"), batches as u64, "{name}");
    assert_eq!(n("paidEarlier") + n("paidNow"), batches as u64, "{name}: {report:#}");
    assert_eq!(n("paidElsewhere"), 0, "{name}: {report:#}");
    let resent = report["resent"].as_array().unwrap().len() as u64;
    assert_eq!(
        n("resumed") + n("transactionsSent"),
        n("paidNow") + resent,
        "{name}: every transaction sent or resumed is accounted for: {report:#}"
    );
    // A batch is signed again only when the chain proves its transaction can never be mined: a
    // nonce read from a lagging backend may be one the signer had used already.
    for r in report["resent"].as_array().unwrap() {
        assert!(s(r, "reason").contains("took its nonce"), "{name}: {r}");
    }

    // On chain: each recipient holds exactly its amount, the bucket released the file's total,
    // the token recorded each batch's payment once, and one transaction per batch was mined.
    let reader = cli.sdk();
    let balances: Vec<Amount> = stream::iter(rows.iter().map(|(to, _)| reader.balance_of(*to)))
        .buffered(64)
        .try_collect()
        .await
        .unwrap();
    let wrong: Vec<_> = rows
        .iter()
        .zip(&balances)
        .filter(|((_, want), got)| want != *got)
        .map(|((to, want), got)| format!("{to}: {got} instead of {want}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "{name}: {} recipients paid wrongly: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    let total: U256 = rows.iter().map(|(_, a)| a.raw()).sum();
    assert_eq!(
        cli.released(Bucket::CommunityRewards).await.raw(),
        released.raw() + total,
        "{name}"
    );
    let payments = payments_recorded(reader).await;
    assert_eq!(
        payments.len(),
        batches + 2,
        "{name}: one record per batch (and the deploy seed and fixture funding)"
    );
    assert_eq!(cli.nonce(admin).await, nonce + batches as u64, "{name}: one transaction per batch");
    assert!(proxy.stats().faults() > 0, "{name}: the proxy injected no fault");
    if faults.lose_send_answers > 0 {
        assert!(proxy.stats().lost_answers.load(Ordering::Relaxed) > 0, "{name}");
    }
    if faults.drop_sends > 0 {
        assert!(proxy.stats().dropped_sends.load(Ordering::Relaxed) > 0, "{name}");
    }
}

/// Runs `wbx` to completion on a blocking thread, so that the proxy it talks to keeps serving.
fn run_off_runtime(
    cmd: &mut std::process::Command,
) -> impl std::future::Future<Output = crate::support::Run> + use<> {
    let mut cmd = std::mem::replace(cmd, std::process::Command::new("true"));
    async move { tokio::task::spawn_blocking(move || run(&mut cmd)).await.expect("wbx ran") }
}

/// A chain that makes blocks as a live one does: a block every half second, and a transaction
/// mined as soon as it arrives. (With automine alone, anvil mines only when a transaction arrives:
/// transactions queued behind a dropped one would wait for ever once it is mined, which no live
/// chain does.)
fn live_chain() -> alloy::node_bindings::Anvil {
    wbx_testing::anvil().args(["--block-time", "0.5", "--mixed-mining"])
}

/// Batches in the journal, if it can be read yet.
fn journaled(path: &Path) -> usize {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|j| j["batches"].as_array().map(Vec::len))
        .unwrap_or(0)
}

/// SIGKILLs `child` as soon as `cond` holds (polled); fails if it ends first or never gets there.
/// Async: the proxy serving the child runs on the same runtime.
async fn kill_when(child: Child, name: &str, cond: impl Fn() -> bool) {
    let mut child = Reaped(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{name}: the run ended ({status}) before the moment it was to be killed");
        }
        if cond() {
            break;
        }
        assert!(Instant::now() < deadline, "{name}: the run never reached the moment to kill it");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
}

/// Every `PaymentRecorded` of the token, as a set of ids (asserting none is recorded twice).
async fn payments_recorded(wbx: &Wbx) -> BTreeSet<alloy::primitives::B256> {
    let filter = Filter::new()
        .address(wbx.deployment().token)
        .event_signature(WebexToken::PaymentRecorded::SIGNATURE_HASH)
        .from_block(0);
    let logs = wbx.provider().get_logs(&filter).await.unwrap();
    let ids: Vec<_> = logs.iter().map(|l| l.topics()[1]).collect();
    let set: BTreeSet<_> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "a payment id recorded twice");
    set
}

/// `wbx deploy` through every profile, killed once its progress file shows the pool's creation
/// written down, then run again: one token and one pool, seeded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_resumes_without_a_second_contract_through_every_fault() {
    for (name, faults, _) in profiles().into_iter().take(5) {
        let anvil = live_chain().spawn();
        let proxy = RpcProxy::start(&anvil.endpoint(), faults).await;
        let dir = tempfile::tempdir().unwrap();
        let args = ["deploy", "--dev-account", "0", "--rpc-url", proxy.url()];
        let progress = dir.path().join("deployments/31337.progress.json");
        let child = wbx(dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn wbx");
        kill_when(child, name, || {
            std::fs::read(&progress)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|p| !p["pool"].is_null())
        })
        .await;
        let done = run_off_runtime(wbx(dir.path()).args(args).arg("--json")).await;
        assert_eq!(done.code, 0, "{name}: the resumed deploy failed:\n{done}");
        let record: Deployment = serde_json::from_value(done.json()).expect("the record");

        // Exactly two contracts came from the deployer: the token and the pool of the record.
        let reader = Connection::connect(&anvil.endpoint(), None).await.unwrap();
        let p = reader.provider();
        let admin = address(who::ADMIN);
        let sent = p.get_transaction_count(admin).await.unwrap();
        let mut created = Vec::new();
        for n in 0..sent {
            let at = admin.create(n);
            if !p.get_code_at(at).await.unwrap().is_empty() {
                created.push(at);
            }
        }
        assert_eq!(created, vec![record.token, record.pool], "{name}: contracts created");
        let live = Wbx::attach(reader, record).await.unwrap();
        assert_eq!(
            live.pool_state().await.unwrap().reserve_wbx,
            Amount::whole(1_000_000),
            "{name}"
        );
        let reserve = live.bucket(Bucket::ReserveFund).await.unwrap();
        assert_eq!(reserve.released, Amount::whole(1_000_000), "{name}: seeded once");
        assert_eq!(s(&done.json(), "version"), Wbx::expected_version());
    }
}
