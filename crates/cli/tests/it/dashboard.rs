//! `wbx audit serve` and `wbx audit login`: the printed URL, a bearer token for the auditor, the
//! Trader refused (exit 1), bad input (exit 2), and a clean stop on SIGTERM.

use crate::support::{BAD_INPUT, Cli, FAILURE, Reaped, run, wbx};
use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    time::Duration,
};
use wbx_testing::who;

#[tokio::test(flavor = "multi_thread")]
async fn serve_then_login_prints_a_token_for_the_auditor_only() {
    let cli = Cli::new().await;
    let mut server = Reaped(
        cli.cmd(&["audit", "serve", "--listen", "127.0.0.1:0", "--poll", "100ms"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wbx audit serve"),
    );
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("serving the audit dashboard at ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let login = |n: Option<u32>, target: &str| {
        let mut c = wbx(cli.dir.path());
        c.args(["audit", "login", target, "--rpc-url", &cli.url()]);
        if let Some(n) = n {
            c.args(["--dev-account", &n.to_string()]);
        }
        run(&mut c)
    };
    let ok = login(Some(who::AUDITOR), &url).ok();
    let token = ok.stdout.trim();
    assert_eq!(token.len(), 64, "stdout is the token alone: {ok}");
    assert!(ok.stderr.contains("auditor grant until"), "{ok}");
    let json = run(wbx(cli.dir.path()).args([
        "--json",
        "audit",
        "login",
        &url,
        "--rpc-url",
        &cli.url(),
        "--dev-account",
        &who::AUDITOR.to_string(),
    ]))
    .ok()
    .json();
    assert_eq!(json["session"]["role"], "auditor");
    login(Some(who::TRADER), &url).fails(FAILURE, &["does not hold the auditor role"]);
    login(None, &url).fails(BAD_INPUT, &["needs a signer"]);
    login(Some(who::AUDITOR), "localhost:8080").fails(BAD_INPUT, &["is not a dashboard URL"]);
    login(Some(who::AUDITOR), "http://127.0.0.1:9").fails(FAILURE, &["cannot reach the dashboard"]);

    // The port is taken: bad input naming it. A webhook that is not http(s): bad input.
    let addr = url.trim_start_matches("http://");
    cli.run(&["audit", "serve", "--listen", addr]).fails(BAD_INPUT, &["cannot listen on"]);
    cli.run(&["audit", "serve", "--alert-webhook", "ftp://x"]).fails(BAD_INPUT, &["http(s) URL"]);

    // SIGTERM: a clean stop.
    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "wbx audit serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit {status}");

    // With --json: the URL as one JSON line as soon as it serves, and nothing more at the stop.
    let mut server = Reaped(
        cli.cmd(&["--json", "audit", "serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wbx audit serve --json"),
    );
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert!(doc["url"].as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:")), "{doc}");
    let pid = server.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(server.wait().unwrap().success());
    assert_eq!(rest, "", "nothing after the URL document");
}
