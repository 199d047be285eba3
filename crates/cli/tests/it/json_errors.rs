//! `--json` on failure: every error class writes exactly one document on stdout,
//! `{"ok": false, "error": {"code", "message", "fix", "exitCode"}}`, with its stable code, and the
//! same message on stderr. Usage errors (clap's), bad values, the SDK's errors, contract reverts,
//! and the reports that end in a failure (`doctor`, `audit reconcile`).

use crate::support::{BAD_INPUT, Cli, FAILURE, Run, fresh, run, wbx};
use alloy::{primitives::U256, providers::ext::AnvilApi};
use std::{ffi::OsString, os::unix::ffi::OsStringExt};
use wbx_testing::{address, who};

/// A server that answers every HTTP request with `response`, for as long as the test runs.
pub(crate) fn canned_http(response: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            // Read the request head and body, then answer and close.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = conn.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0usize);
                    if buf.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = conn.write_all(response.as_bytes());
        }
    });
    url
}

/// Asserts the one error document: exit, code, and that stderr says the same message.
#[track_caller]
fn refused(r: Run, exit: i32, code: &str) -> Run {
    let e = r.error_doc();
    assert_eq!(r.code, exit, "{r}");
    assert_eq!(e["code"], code, "{r}");
    let message = e["message"].as_str().unwrap();
    assert!(r.stderr.contains(&format!("error: {}", message.lines().next().unwrap())), "{r}");
    r
}

#[test]
fn usage_errors_and_bad_values_are_one_json_document() {
    let dir = tempfile::tempdir().unwrap();
    let to = fresh().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["frobnicate"], "unknown-command"),
        (vec!["transfer"], "missing-argument"),
        (vec!["transfer", &to, "1", "--bogus"], "unknown-argument"),
        (vec![], "missing-command"),
        (vec!["access"], "missing-command"),
        (
            vec!["transfer", &to, "1", "--private-key", "k", "--dev-account", "1"],
            "conflicting-arguments",
        ),
        (vec!["swap", "sideways", "1"], "invalid-value"),
        (vec!["completions", "tcsh"], "invalid-value"),
        (vec!["pool", "fee", "101"], "invalid-value"),
        (vec!["transfer", "0x12", "1"], "bad-address"),
        (vec!["transfer", &to, "1.2.3"], "bad-amount"),
        (vec!["access", "grant", &to, "tradr"], "unknown-name"),
        (vec!["allocate", "savings", &to, "1"], "unknown-name"),
        (vec!["status", "--rpc-url", "notaurl"], "bad-rpc-url"),
        (vec!["swap", "buy", "1", "--deadline", "soon"], "bad-duration"),
        (vec!["swap", "buy", "1", "--deadline", "0s"], "bad-duration"),
        (vec!["swap", "buy", "1", "--slippage", "101"], "bad-percent"),
        (vec!["transfer", &to, "1", "--max-fee", "cheap"], "bad-fee"),
        (vec!["transfer", &to, "1", "--max-fee", "0"], "bad-fee"),
        (vec!["tx", "bump", "0x12"], "bad-tx-hash"),
        (vec!["audit", "transactions", "--since", "yesterday"], "bad-time"),
    ];
    for (args, code) in cases {
        let r = run(wbx(dir.path()).arg("--json").args(&args));
        refused(r, BAD_INPUT, code);
    }
    // An argument that is not UTF-8 at all.
    let r = run(wbx(dir.path())
        .args(["--json", "access", "grant", &to])
        .arg(OsString::from_vec(b"trad\xffer".to_vec())));
    refused(r, BAD_INPUT, "not-utf8");
    // --help and --version: one document too, exit 0.
    let help = run(wbx(dir.path()).args(["--json", "transfer", "--help"])).ok().json();
    assert!(help["help"].as_str().unwrap().contains("Usage: wbx transfer"), "{help}");
    let version = run(wbx(dir.path()).args(["--version", "--json"])).ok().json();
    assert!(version["version"].as_str().unwrap().starts_with("wbx "), "{version}");
    // Without --json, stdout stays empty on failure.
    let r = run(wbx(dir.path()).args(["transfer", "0x12", "1"]));
    assert_eq!((r.code, r.stdout.as_str()), (BAD_INPUT, ""), "{r}");
}

#[tokio::test]
async fn every_failure_of_a_run_is_one_json_document() {
    let cli = Cli::new().await;
    let to = fresh().to_string();
    let trader = address(who::TRADER).to_string();
    let json = |n: u32, args: &[&str]| {
        let mut c = cli.cmd(args);
        c.args(["--json", "--dev-account", &n.to_string()]);
        run(&mut c)
    };

    // Contract reverts, decoded, with the contract error's name beside the code.
    let r = refused(json(who::STRANGER, &["transfer", &to, "1"]), FAILURE, "missing-role");
    assert_eq!(r.error_doc()["revert"], "AccessControlUnauthorizedAccount");
    refused(json(who::TRADER, &["transfer", &to, "1000000"]), FAILURE, "insufficient-balance");
    refused(
        json(who::TRADER_EXT, &["transfer-from", &trader, &to, "1"]),
        FAILURE,
        "insufficient-allowance",
    );
    refused(
        json(who::ADMIN, &["allocate", "community-rewards", &to, "999999999999"]),
        FAILURE,
        "insufficient-bucket",
    );
    cli.sdk().revoke(address(who::TRADER_EXT), wbx_sdk::Role::Trader).await.unwrap();
    refused(json(who::TRADER_EXT, &["transfer", &to, "1"]), FAILURE, "grant-revoked");
    cli.sdk().pause().await.unwrap();
    refused(json(who::TRADER, &["transfer", &to, "1"]), FAILURE, "token-paused");
    cli.sdk().unpause().await.unwrap();
    cli.f.as_account(who::DEVELOPER).await.set_pool_paused(true).await.unwrap();
    refused(json(who::TRADER, &["swap", "buy", "0.1"]), FAILURE, "pool-paused");
    cli.f.as_account(who::DEVELOPER).await.set_pool_paused(false).await.unwrap();

    // Bad input found before anything is sent.
    refused(json(who::TRADER, &["transfer", &to, "0"]), BAD_INPUT, "zero-amount");
    refused(
        json(who::TRADER, &["transfer", &alloy::primitives::Address::ZERO.to_string(), "1"]),
        BAD_INPUT,
        "bad-recipient",
    );
    std::fs::write(cli.dir.path().join("bad.csv"), "vitalik.eth,1\n").unwrap();
    refused(
        json(who::ADMIN, &["allocate-batch", "community-rewards", "bad.csv"]),
        BAD_INPUT,
        "bad-payout-file",
    );
    refused(json(who::ADMIN, &["allocate-batch", "community-rewards", "."]), BAD_INPUT, "bad-file");
    refused(run(&mut cli.cmd(&["--json", "transfer", &to, "1"])), BAD_INPUT, "no-signer");
    let mut k = cli.cmd(&["--json", "transfer", &to, "1"]);
    k.args(["--private-key", &"0".repeat(64)]);
    let r = refused(run(&mut k), BAD_INPUT, "bad-private-key");
    assert!(r.stderr.contains("out of range"), "{r}");
    std::fs::write(cli.dir.path().join("ks.json"), "{}").unwrap();
    let mut k = cli.cmd(&["--json", "transfer", &to, "1", "--keystore", "ks.json"]);
    k.args(["--password", "pw"]);
    refused(run(&mut k), BAD_INPUT, "bad-keystore");
    refused(
        run(&mut cli.cmd(&["--json", "transfer", &to, "1", "--keystore", "ks.json"])),
        BAD_INPUT,
        "no-password",
    );

    // The deployment and the node.
    let url = cli.url();
    let at = |extra: &[&str]| {
        let mut c = wbx(cli.dir.path());
        c.args(["--json", "balance", &trader, "--rpc-url", &url]).args(extra);
        run(&mut c)
    };
    refused(at(&["--deployment", "missing.json"]), BAD_INPUT, "no-deployment");
    std::fs::write(cli.dir.path().join("garbage.json"), "not json").unwrap();
    refused(at(&["--deployment", "garbage.json"]), BAD_INPUT, "bad-deployment");
    let mut other = cli.sdk().deployment().clone();
    other.chain_id = 5;
    other.write(&cli.dir.path().join("other.json")).unwrap();
    refused(at(&["--deployment", "other.json"]), BAD_INPUT, "wrong-chain");
    refused(at(&["--token", &to, "--pool", &to]), BAD_INPUT, "no-code");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let r = run(wbx(cli.dir.path()).args([
        "--json",
        "status",
        "--rpc-url",
        &format!("http://127.0.0.1:{port}"),
    ]));
    refused(r, FAILURE, "unreachable");
    let html = canned_http(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>hi</html>",
    );
    refused(
        run(wbx(cli.dir.path()).args(["--json", "status", "--rpc-url", &html])),
        FAILURE,
        "not-json-rpc",
    );

    // The node refuses: no ETH for gas.
    let p = cli.sdk().provider();
    p.anvil_set_balance(address(who::TRADER), U256::ZERO).await.unwrap();
    refused(json(who::TRADER, &["transfer", &to, "1"]), FAILURE, "insufficient-funds");
    p.anvil_set_balance(address(who::TRADER), U256::from(10).pow(U256::from(20))).await.unwrap();

    // A report that ends in a failure: the report, with `ok` and `error` added.
    let doc = json(who::STRANGER, &["doctor", "transfer", &to, "1"]);
    let e = refused(doc, FAILURE, "would-fail").json();
    assert!(e["checks"].as_array().is_some_and(|c| !c.is_empty()), "{e}");
    refused(
        run(&mut cli.cmd(&["--json", "audit", "buckets", "--db", "none.sqlite"])),
        BAD_INPUT,
        "bad-input",
    );
    let scope = wbx_audit::db::Scope::of(cli.sdk().deployment());
    drop(wbx_audit::Db::open(&cli.dir.path().join("empty.sqlite"), &scope).unwrap());
    refused(
        run(&mut cli.cmd(&["--json", "audit", "access", "--db", "empty.sqlite"])),
        BAD_INPUT,
        "not-synced",
    );
    refused(json(who::STRANGER, &["keeper", "--once"]), BAD_INPUT, "keeper-config");

    // A transaction mined but reverted: a swap whose deadline passes while it waits in the pool.
    p.anvil_set_auto_mine(false).await.unwrap();
    let before = cli.nonce(address(who::TRADER)).await;
    let mut swap = cli.cmd(&["--json", "swap", "buy", "0.1", "--deadline", "90s"]);
    swap.args(["--dev-account", "1"]);
    let child = std::thread::spawn(move || run(&mut swap));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while cli.nonce(address(who::TRADER)).await == before {
        assert!(std::time::Instant::now() < deadline, "the swap was never sent");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    p.anvil_increase_time(600).await.unwrap();
    p.anvil_mine(Some(1), None).await.unwrap();
    p.anvil_set_auto_mine(true).await.unwrap();
    let r = refused(child.join().unwrap(), FAILURE, "tx-reverted");
    assert!(r.stderr.contains("reverted in block"), "{r}");

    // A grant that expired: time moves past the trader's Standard grant.
    cli.f.advance(31 * 60).await;
    refused(json(who::TRADER, &["transfer", &to, "1"]), FAILURE, "grant-expired");
}
