//! A closed stdout never turns a run into a failure: every command, run with its stdout a real
//! pipe whose reader is already gone (as `wbx ... | head -1` leaves it), ends as it would have
//! (exit 0, no panic) and did what it was asked (its transaction is on chain). The list of
//! commands is checked against the binary's own command tree, so a new command cannot be left out.

use crate::support::{Cli, Reaped, Run, fresh, run, wbx};
use alloy::{
    network::TransactionBuilder,
    primitives::U256,
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
};
use std::{collections::BTreeSet, path::Path, process::Command};
use wbx_testing::{address, who};

/// Runs `cmd` with stdout a pipe that nobody reads any more.
pub(crate) fn closed_stdout(cmd: &mut Command) -> Run {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let o = cmd.stdout(writer).output().expect("run wbx");
    Run {
        code: o.status.code().expect("wbx exited by a signal"),
        stdout: String::new(),
        stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
    }
}

/// Every leaf command (`access grant`, `status`, ...) from `wbx --help`, recursively.
pub(crate) fn leaf_commands(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, path: Vec<String>, out: &mut BTreeSet<String>) {
        let help = run(wbx(dir).args(&path).arg("--help")).ok().stdout;
        let Some((_, commands)) = help.split_once("Commands:\n") else {
            out.insert(path.join(" "));
            return;
        };
        let names: Vec<String> = commands
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| *n != "help")
            .map(String::from)
            .collect();
        assert!(!names.is_empty(), "no commands under {path:?}:\n{help}");
        for n in names {
            let mut p = path.clone();
            p.push(n);
            walk(dir, p, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, Vec::new(), &mut out);
    out
}

/// One run of the table: the command path, who runs it, its other arguments, whether it sends.
struct Case {
    command: &'static str,
    by: Option<u32>,
    args: Vec<String>,
    sends: bool,
}

fn case(command: &'static str, by: Option<u32>, args: &[&str], sends: bool) -> Case {
    Case { command, by, args: args.iter().map(|a| a.to_string()).collect(), sends }
}

/// Runs a case with a closed stdout: exit 0, no panic, and a transaction sent if it sends.
async fn run_case(cli: &Cli, k: &Case) {
    let mut cmd = cli.cmd(&k.command.split(' ').collect::<Vec<_>>());
    cmd.args(&k.args);
    if let Some(n) = k.by {
        cmd.args(["--dev-account", &n.to_string()]);
    }
    let signer = address(k.by.unwrap_or(who::STRANGER));
    let before = cli.nonce(signer).await;
    let r = closed_stdout(&mut cmd);
    assert_eq!(r.code, 0, "{} {:?} with a closed stdout:\n{r}", k.command, k.args);
    assert!(!r.stderr.contains("panicked"), "{}:\n{r}", k.command);
    let after = cli.nonce(signer).await;
    if k.sends {
        assert!(after > before, "{}: nothing was sent:\n{r}", k.command);
    } else {
        assert_eq!(after, before, "{}: sent something:\n{r}", k.command);
    }
}

#[tokio::test]
async fn every_command_survives_a_closed_stdout() {
    let cli = Cli::new().await;
    let p = cli.sdk().provider().clone();
    let d = cli.sdk().deployment().clone();
    let (trader, trader_ext) = (address(who::TRADER), address(who::TRADER_EXT));
    let (t, te) = (trader.to_string(), trader_ext.to_string());
    let (a, b, c) = (fresh().to_string(), fresh().to_string(), fresh().to_string());
    let token = d.token.to_string();
    std::fs::write(cli.dir.path().join("pay.csv"), format!("{a},1\n{b},2\n")).unwrap();
    // A signed renewal to relay, made by an ordinary run.
    cli.by(who::TRADER, &["access", "sign-renewal", "trader", "--out", "renewal.json"]).ok();
    let mined_tx = cli.sdk().issue("1".parse().unwrap()).await.unwrap().hash.to_string();
    // A second pool of this token, for register-pool and unregister-pool.
    let pool = wbx_sdk::contracts::WbxPool::deploy(p.clone(), d.token, 30).await.unwrap();
    let pool = pool.address().to_string();

    let cases = vec![
        case("status", Some(who::TRADER), &[], false),
        case("balance", None, &[&t, "--json"], false),
        case("transfer", Some(who::TRADER), &[&a, "1"], true),
        case("approve", Some(who::TRADER), &[&te, "100", "--json"], true),
        case("allowance", None, &[&t, &te], false),
        case("transfer-from", Some(who::TRADER_EXT), &[&t, &b, "1"], true),
        case("quote", None, &["buy", "0.1", "--json"], false),
        case("swap", Some(who::TRADER), &["buy", "0.1"], true),
        case("approve", Some(who::TRADER), &["pool", "100"], true),
        case("buckets", None, &["--json"], false),
        case("issue", Some(who::ADMIN), &["100"], true),
        case("allocate", Some(who::ADMIN), &["community-rewards", &c, "1", "--json"], true),
        case("allocate-batch", Some(who::ADMIN), &["community-rewards", "pay.csv"], true),
        case("access grant", Some(who::ADMIN), &[&c, "auditor", "--json"], true),
        case("access revoke", Some(who::ADMIN), &[&c, "auditor"], true),
        case("access list", None, &[], false),
        case("access show", None, &[&t, "--json"], false),
        case("access sign-renewal", Some(who::TRADER), &["trader"], false),
        case("access relay", Some(who::STRANGER), &["renewal.json"], true),
        case("access renew", Some(who::TRADER), &["trader"], true),
        case("access renew-for", Some(who::KEEPER), &["trader", &te, "--json"], true),
        case("admin pause", Some(who::ADMIN), &["--json"], true),
        case("admin unpause", Some(who::ADMIN), &[], true),
        case("admin durations", Some(who::ADMIN), &["--standard", "30m", "--extended", "1h"], true),
        case("admin register-pool", Some(who::ADMIN), &[&pool, "--json"], true),
        case("admin unregister-pool", Some(who::ADMIN), &[&pool], true),
        case("pool info", None, &[], false),
        case("pool fee", Some(who::DEVELOPER), &["25", "--json"], true),
        case("pool pause", Some(who::DEVELOPER), &[], true),
        case("pool unpause", Some(who::DEVELOPER), &[], true),
        case("pool add", Some(who::TRADER), &["10", "0.001", "--json"], true),
        case("pool remove", Some(who::TRADER), &["all"], true),
        case("doctor transfer", Some(who::TRADER), &[&a, "1"], false),
        case("doctor approve", Some(who::TRADER), &["pool", "1", "--json"], false),
        case("doctor transfer-from", Some(who::TRADER_EXT), &[&t, &a, "1"], false),
        case("doctor swap", Some(who::TRADER), &["buy", "0.1"], false),
        case("doctor allocate", Some(who::ADMIN), &["community-rewards", &a, "1"], false),
        case("doctor renew", Some(who::TRADER), &["trader", "--json"], false),
        case("doctor renew-for", Some(who::KEEPER), &["trader", &te], false),
        case("doctor token", None, &[&token], false),
        case("doctor tx", None, &[&mined_tx, "--json"], false),
        case("doctor account", None, &[&t], false),
        case("audit sync", None, &["--db", "a.sqlite"], false),
        case("audit transactions", None, &["--db", "a.sqlite"], false),
        case("audit access", None, &["--db", "a.sqlite", "--json"], false),
        case("audit who", None, &["trader", "--at", "block:2", "--db", "a.sqlite"], false),
        case("audit buckets", None, &["--db", "a.sqlite"], false),
        case("audit reconcile", None, &["--db", "a.sqlite", "--json"], false),
        case("audit anomalies", None, &["--db", "a.sqlite"], false),
        case("audit html", None, &["--out", "r.html", "--db", "a.sqlite"], false),
    ];
    for k in &cases {
        run_case(&cli, k).await;
    }
    // The keeper renews the Extended grant once it is due.
    cli.f.advance(50 * 60).await;
    let keeper = case("keeper", Some(who::KEEPER), &["--once", "--json"], true);
    run_case(&cli, &keeper).await;
    assert!(cli.dir.path().join("r.html").exists() && cli.dir.path().join("a.sqlite").exists());

    // The two replacements, on a transaction stuck at its nonce.
    let stranger = address(who::STRANGER);
    let next = cli.nonce(stranger).await;
    let stuck = |nonce: u64| {
        TransactionRequest::default()
            .with_to(trader)
            .with_value(U256::from(1))
            .with_nonce(nonce)
            .with_gas_limit(21_000)
            .with_max_fee_per_gas(10_000_000_000)
            .with_max_priority_fee_per_gas(1)
    };
    let as_stranger = cli.f.as_account(who::STRANGER).await;
    // A gap: nonce next+1 waits for next, which `tx cancel --nonce` fills.
    let _queued = as_stranger.provider().send_transaction(stuck(next + 1)).await.unwrap();
    let url = cli.url();
    let tx = |args: &[&str]| {
        let mut c = wbx(cli.dir.path());
        c.arg("tx").args(args).args(["--rpc-url", &url, "--dev-account", "6"]);
        c
    };
    let r = closed_stdout(&mut tx(&["cancel", "--nonce", &next.to_string()]));
    assert_eq!(r.code, 0, "tx cancel:\n{r}");
    assert_eq!(p.get_transaction_count(stranger).await.unwrap(), next + 2, "both mined");
    // A pending transaction below the base fee, bumped while blocks are mined by hand.
    p.anvil_set_auto_mine(false).await.unwrap();
    let low = stuck(next + 2).with_max_fee_per_gas(2_000_000_000);
    let pending = *as_stranger.provider().send_transaction(low).await.unwrap().tx_hash();
    p.anvil_set_next_block_base_fee_per_gas(50_000_000_000).await.unwrap();
    let mut bump = tx(&["bump", &pending.to_string(), "--max-fee", "200", "--json"]);
    let child = std::thread::spawn(move || closed_stdout(&mut bump));
    // No block until the replacement has taken the original's place in the pool (automine is
    // off, so nothing else can remove it): then one block mines the replacement.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !child.is_finished() {
        assert!(std::time::Instant::now() < deadline, "the bump never finished");
        if p.get_transaction_by_hash(pending).await.unwrap().is_none() {
            p.anvil_mine(Some(1), None).await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = child.join().unwrap();
    assert_eq!(r.code, 0, "tx bump:\n{r}");
    assert_eq!(p.get_transaction_count(stranger).await.unwrap(), next + 3);
    p.anvil_set_auto_mine(true).await.unwrap();

    let r = closed_stdout(wbx(cli.dir.path()).args(["completions", "bash"]));
    assert_eq!(r.code, 0, "completions:\n{r}");

    // A deployment on a fresh node.
    let anvil = wbx_testing::spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let r = closed_stdout(wbx(dir.path()).args([
        "deploy",
        "--seed-wbx",
        "0",
        "--dev-account",
        "0",
        "--rpc-url",
        &anvil.endpoint(),
    ]));
    assert_eq!(r.code, 0, "deploy:\n{r}");
    assert!(dir.path().join("deployments/31337.json").exists(), "the record is written");

    // The dashboard: served with a closed stdout (its URL line goes nowhere), signed in to with a
    // closed stdout (the token goes nowhere), stopped by SIGTERM with exit 0.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut serve = Reaped(
        cli.cmd(&["audit", "serve", "--listen", &listen, "--db", "a.sqlite"])
            .stdout(writer)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start wbx audit serve"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(serve.try_wait().unwrap().is_none(), "wbx audit serve ended early");
        assert!(std::time::Instant::now() < deadline, "wbx audit serve never listened");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = closed_stdout(wbx(cli.dir.path()).args([
        "audit",
        "login",
        &format!("http://{listen}"),
        "--rpc-url",
        &url,
        "--dev-account",
        &who::ADMIN.to_string(), // the auditor's Standard grant ran out with the clock above
    ]));
    assert_eq!(r.code, 0, "audit login:\n{r}");
    let pid = serve.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = serve.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "wbx audit serve did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "audit serve with a closed stdout: {status}");

    // Every command of the binary was run above.
    let mut covered: BTreeSet<String> = cases.iter().map(|k| k.command.to_string()).collect();
    covered.extend(
        ["keeper", "tx cancel", "tx bump", "completions", "deploy", "audit serve", "audit login"]
            .map(String::from),
    );
    assert_eq!(covered, leaf_commands(cli.dir.path()), "commands not run with a closed stdout");
}

/// A failure with a closed stdout keeps its exit code and says why on stderr; `--help` and a
/// usage error do not panic either.
#[tokio::test]
async fn failures_and_help_keep_their_exit_codes_with_a_closed_stdout() {
    let cli = Cli::new().await;
    let to = fresh().to_string();
    let r = closed_stdout(cli.cmd(&["transfer", &to, "1", "--json"]).args(["--dev-account", "6"]));
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("does not hold the trader role") && !r.stderr.contains("panicked"));
    let r = closed_stdout(&mut cli.cmd(&["transfer", "0x12", "1", "--json"]));
    assert_eq!(r.code, 2, "{r}");
    for args in [&["--help"][..], &["--version"], &["audit", "--help", "--json"]] {
        let r = closed_stdout(wbx(cli.dir.path()).args(args));
        assert_eq!(r.code, 0, "{args:?}: {r}");
        assert!(!r.stderr.contains("panicked"), "{r}");
    }
    // A closed stderr too: nothing left to say it on, and still no panic.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (reader2, writer2) = std::io::pipe().unwrap();
    drop(reader2);
    let status =
        cli.cmd(&["transfer", "0x12", "1"]).stdout(writer).stderr(writer2).status().unwrap();
    assert_eq!(status.code(), Some(2));
}

/// A reader that takes one line and goes away, as `head -1` does, in the middle of a long result.
#[tokio::test]
async fn a_reader_that_leaves_after_one_line_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let cli = Cli::new().await;
    // Enough history that the report is longer than a pipe holds (64 KiB).
    let rows: String = (0..400).map(|_| format!("{},1\n", fresh())).collect();
    std::fs::write(cli.dir.path().join("many.csv"), rows).unwrap();
    cli.by(who::ADMIN, &["allocate-batch", "community-rewards", "many.csv"]).ok();
    cli.run(&["audit", "sync", "--db", "a.sqlite"]).ok();
    for format in ["csv", "table", "json"] {
        let mut child = cli
            .cmd(&["audit", "transactions", "--db", "a.sqlite", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
