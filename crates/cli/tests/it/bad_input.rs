//! Bad input: exit 2, a message that names the problem, and nothing sent.

use crate::support::{BAD_INPUT, Cli, FAILURE, run, wbx};
use alloy::providers::Provider;
use wbx_sdk::Connection;
use wbx_testing::{address, who};

/// (what, signer, arguments, what the message must say)
type Case = (&'static str, u32, Vec<String>, Vec<String>);

#[tokio::test]
async fn bad_values_are_refused_before_anything_is_sent() {
    let cli = Cli::new().await;
    let to = wbx_testing::address(who::STRANGER).to_string();
    let good = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let bad_checksum = "0x70997970C51812dc3A010C7d01b50e0d17dc79c8";
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cases: Vec<Case> = vec![
        (
            "malformed address",
            who::TRADER,
            v(&["transfer", "0x1234", "1"]),
            v(&["\"0x1234\" is not an address (0x and 40 hex characters): it has 4 hex digits"]),
        ),
        (
            "wrong checksum",
            who::TRADER,
            v(&["transfer", bad_checksum, "1"]),
            v(&["wrong EIP-55 checksum", &format!("checksummed, the same hex is {good}")]),
        ),
        (
            "negative amount",
            who::TRADER,
            v(&["transfer", &to, "-1"]),
            v(&["negative amount \"-1\": amounts must be zero or more"]),
        ),
        (
            "malformed amount",
            who::TRADER,
            v(&["transfer", &to, "1.2.3"]),
            v(&["malformed amount \"1.2.3\""]),
        ),
        (
            "over-precise amount",
            who::TRADER,
            v(&["transfer", &to, "1.0000000000000000001"]),
            v(&["has 19 decimals, but the token has only 18"]),
        ),
        (
            "unknown role",
            who::ADMIN,
            v(&["access", "grant", &to, "tradr"]),
            v(&["unknown role \"tradr\"", "admin, trader, auditor, developer, keeper"]),
        ),
        (
            "unknown bucket",
            who::ADMIN,
            v(&["allocate", "savings", &to, "1"]),
            v(&["unknown bucket \"savings\"", "community-rewards"]),
        ),
        (
            "unknown grant kind",
            who::ADMIN,
            v(&["access", "grant", &to, "trader", "--kind", "forever"]),
            v(&["unknown grant kind \"forever\"", "standard, extended"]),
        ),
        (
            "a kind for a permanent role",
            who::ADMIN,
            v(&["access", "grant", &to, "keeper", "--kind", "extended"]),
            v(&["the keeper role is permanent", "leave out --kind"]),
        ),
        (
            "bad spender",
            who::TRADER,
            v(&["approve", bad_checksum, "1"]),
            v(&["invalid spender", "wrong EIP-55 checksum"]),
        ),
        ("negative swap", who::TRADER, v(&["swap", "buy", "-0.5"]), v(&["negative amount"])),
        (
            "slippage over 100%",
            who::TRADER,
            v(&["swap", "buy", "0.5", "--slippage", "101"]),
            v(&["101% is more than 100%"]),
        ),
        (
            "bad duration",
            who::TRADER,
            v(&["swap", "buy", "0.5", "--deadline", "soon"]),
            v(&["\"soon\" is not a duration"]),
        ),
        (
            "over-precise allocation",
            who::ADMIN,
            v(&["allocate", "community-rewards", &to, "0.0000000000000000001"]),
            v(&["has 19 decimals"]),
        ),
    ];
    for (what, signer, args, says) in cases {
        let sender = address(signer);
        let nonce = cli.nonce(sender).await;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let says: Vec<&str> = says.iter().map(String::as_str).collect();
        let r = cli.by(signer, &args);
        assert_eq!(r.code, BAD_INPUT, "{what}:\n{r}");
        r.fails(BAD_INPUT, &says);
        assert_eq!(cli.nonce(sender).await, nonce, "{what}: something was sent");
    }
}

#[tokio::test]
async fn a_missing_deployment_record_says_to_deploy() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let nonce = cli.nonce(trader).await;
    let missing = cli.dir.path().join("nowhere/31337.json");
    let to = address(who::STRANGER).to_string();

    run(wbx(cli.dir.path()).args([
        "transfer",
        &to,
        "1",
        "--deployment",
        missing.to_str().unwrap(),
        "--rpc-url",
        &cli.url(),
        "--dev-account",
        "1",
    ]))
    .fails(BAD_INPUT, &[&format!("no deployment record at {}", missing.display()), "`wbx deploy`"]);

    // No --deployment: the default path under the working directory, which has none.
    run(wbx(cli.dir.path()).args(["balance", &to, "--rpc-url", &cli.url()]))
        .fails(BAD_INPUT, &["deployments/31337.json", "`wbx deploy`", "--deployment"]);
    assert_eq!(cli.nonce(trader).await, nonce);

    // Both addresses on the command line: no record needed.
    let d = cli.sdk().deployment();
    let trader = trader.to_string();
    let (token, pool) = (d.token.to_string(), d.pool.to_string());
    run(wbx(cli.dir.path()).args([
        "balance",
        &trader,
        "--token",
        &token,
        "--pool",
        &pool,
        "--rpc-url",
        &cli.url(),
    ]))
    .ok()
    .says(&["1000 WBX"]);
    // A token address where there is no contract: said plainly.
    run(wbx(cli.dir.path()).args([
        "balance",
        &trader,
        "--token",
        &to,
        "--pool",
        &pool,
        "--rpc-url",
        &cli.url(),
    ]))
    .fails(BAD_INPUT, &[&format!("no contract code at {to}")]);
}

#[tokio::test]
async fn an_unreachable_rpc_names_the_url() {
    // A port that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let to = address(who::STRANGER).to_string();

    run(wbx(dir.path()).args(["balance", &to, "--rpc-url", &url]))
        .fails(FAILURE, &[&format!("cannot reach the RPC endpoint {url}"), "is the node running?"]);
    run(wbx(dir.path()).args(["transfer", &to, "1", "--dev-account", "1", "--rpc-url", &url]))
        .fails(FAILURE, &[&format!("cannot reach the RPC endpoint {url}")]);
    // ETH_RPC_URL is honoured the same way.
    run(wbx(dir.path()).args(["status"]).env("ETH_RPC_URL", &url))
        .fails(FAILURE, &[&format!("cannot reach the RPC endpoint {url}")]);
}

#[tokio::test]
async fn dev_accounts_are_refused_on_a_non_local_chain() {
    let anvil = wbx_testing::anvil().chain_id(5u64).spawn();
    let url = anvil.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let reader = Connection::connect(&url, None).await.unwrap();
    assert_eq!(reader.chain_id(), 5);
    let dev0 = address(0);
    let nonce = reader.provider().get_transaction_count(dev0).await.unwrap();

    let refused = ["--dev-account is only allowed on a local chain", "this chain is 5"];
    run(wbx(dir.path()).args(["deploy", "--dev-account", "0", "--rpc-url", &url]))
        .fails(BAD_INPUT, &refused);
    run(wbx(dir.path()).args([
        "transfer",
        &address(1).to_string(),
        "1",
        "--dev-account",
        "0",
        "--rpc-url",
        &url,
    ]))
    .fails(BAD_INPUT, &refused);
    assert_eq!(reader.provider().get_transaction_count(dev0).await.unwrap(), nonce);
    assert!(!dir.path().join("deployments").exists());
}

#[tokio::test]
async fn sending_without_a_wallet_is_bad_input() {
    let cli = Cli::new().await;
    let to = address(who::STRANGER).to_string();
    let needs = ["needs a signer", "--private-key, --keystore, --account or --dev-account"];
    cli.run(&["transfer", &to, "1"]).fails(BAD_INPUT, &needs);
    cli.run(&["access", "renew", "trader"]).fails(BAD_INPUT, &needs);
    std::fs::write(cli.dir.path().join("pay.csv"), format!("{to},1\n")).unwrap();
    cli.run(&["allocate-batch", "community-rewards", "pay.csv"]).fails(BAD_INPUT, &needs);
    cli.run(&["allocate-batch", "community-rewards", "nowhere.csv", "--dev-account", "0"])
        .fails(BAD_INPUT, &["cannot read the payout file nowhere.csv"]);
    run(wbx(cli.dir.path()).args(["deploy", "--rpc-url", &cli.url()])).fails(BAD_INPUT, &needs);
    // A keystore that does not exist, before any password is asked for.
    cli.run(&["transfer", &to, "1", "--keystore", "missing.json"])
        .fails(BAD_INPUT, &["no keystore at missing.json"]);
    // And nothing moved.
    assert_eq!(cli.balance(address(who::STRANGER)).await, wbx_sdk::Amount::ZERO);
}

#[test]
fn completions_print_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(wbx(dir.path()).args(["completions", "bash"])).ok();
    assert!(r.stdout.len() > 1000, "{r}");
    for part in ["_wbx()", "complete -F _wbx", "allocate-batch", "sign-renewal", "--dev-account"] {
        assert!(r.stdout.contains(part), "the script lacks {part:?}");
    }
    run(wbx(dir.path()).args(["completions", "tcsh"])).fails(BAD_INPUT, &["tcsh"]);
}
