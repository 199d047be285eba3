//! `wbx doctor`: exit codes, the JSON document, `--fix --yes`, and bad input that sends nothing.

use crate::support::{BAD_INPUT, Cli, FAILURE, amt};
use wbx_testing::{address, who};

#[tokio::test]
async fn a_healthy_plan_exits_0_and_a_failing_one_exits_1_with_the_fix() {
    let cli = Cli::new().await;
    let to = address(who::ADMIN).to_string();
    cli.by(who::TRADER, &["doctor", "transfer", &to, "1"]).ok().says(&[
        "wbx doctor: transfer 1 WBX",
        "pass  trader grant",
        "OK: it would succeed",
        "RPC round trips",
    ]);

    let run = cli.by(who::TRADER, &["doctor", "transfer", &to, "5000"]);
    assert_eq!(run.code, FAILURE, "{run}");
    assert!(run.stdout.contains("FAIL  WBX balance"), "{run}");
    assert!(
        run.stdout.contains(&format!("fix:   wbx transfer {to} 1000 --dev-account 1")),
        "{run}"
    );
    assert!(run.stderr.contains("check(s) failed: balance, simulation"), "{run}");

    // --json: one document with the same checklist; no key needed with --from.
    let trader = address(who::TRADER).to_string();
    let run = cli.run(&["doctor", "swap", "sell", "5", "--from", &trader, "--json"]);
    assert_eq!(run.code, FAILURE, "{run}");
    let json = run.json();
    assert_eq!(json["ok"], false);
    assert!(json["roundTrips"].as_u64().unwrap() <= 5, "{json:#}");
    let checks = json["checks"].as_array().unwrap();
    let allowance = checks.iter().find(|c| c["id"] == "allowance").expect("an allowance check");
    assert_eq!(allowance["status"], "fail");
    assert_eq!(allowance["fix"], "wbx approve pool 5 --account <YOU>");
    assert_eq!(allowance["safeFix"]["kind"], "approve");
    for c in checks {
        for field in ["id", "title", "status", "detail"] {
            assert!(c[field].is_string(), "{field} missing in {c:#}");
        }
    }

    // A token check from the command line: an EOA is not a token.
    let run = cli.run(&["doctor", "token", &trader]);
    assert_eq!(run.code, FAILURE, "{run}");
    assert!(run.stdout.contains("wallet (an EOA)"), "{run}");
}

#[tokio::test]
async fn fix_applies_the_exact_approval_and_a_rerun_passes() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let pool = cli.sdk().deployment().pool;

    // Without --yes and without a terminal, --fix refuses and sends nothing.
    let before = cli.nonce(trader).await;
    cli.by(who::TRADER, &["doctor", "swap", "sell", "5", "--fix"])
        .fails(BAD_INPUT, &["add --yes", "nothing was sent"]);
    assert_eq!(cli.nonce(trader).await, before);

    let run =
        cli.by(who::TRADER, &["doctor", "swap", "sell", "5", "--fix", "--yes", "--json"]).ok();
    let json = run.json();
    assert_eq!(json["diagnosis"]["ok"], false);
    assert_eq!(json["applied"][0]["fix"]["kind"], "approve");
    assert_eq!(json["after"]["ok"], true, "{json:#}");
    assert_eq!(cli.sdk().allowance(trader, pool).await.unwrap(), amt("5"));
    cli.by(who::TRADER, &["doctor", "swap", "sell", "5"]).ok().says(&["OK: it would succeed"]);
}

#[tokio::test]
async fn bad_input_exits_2_and_sends_nothing() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let to = address(who::ADMIN).to_string();
    let before = cli.nonce(trader).await;
    cli.by(who::TRADER, &["doctor", "transfer", "0x1234", "1"])
        .fails(BAD_INPUT, &["not an address"]);
    cli.by(who::TRADER, &["doctor", "transfer", &to, "1", "--max-fee", "1", "--priority-fee", "2"])
        .fails(BAD_INPUT, &["--priority-fee is above --max-fee"]);
    cli.by(who::TRADER, &["doctor", "transfer", &to, "1", "--max-fee", "cheap"])
        .fails(BAD_INPUT, &["not an amount of gwei"]);
    cli.run(&["doctor", "transfer", &to, "1"]).fails(BAD_INPUT, &["--from ADDRESS"]);
    cli.run(&["doctor", "tx", "0xabc"]).fails(BAD_INPUT, &["not a transaction hash"]);
    cli.by(who::TRADER, &["doctor", "transfer", &to, "1", "--yes"])
        .fails(BAD_INPUT, &["--yes only goes with --fix"]);
    assert_eq!(cli.nonce(trader).await, before);
}

#[tokio::test]
async fn the_real_commands_take_the_same_fee_flags() {
    use alloy::{consensus::Transaction as _, providers::Provider};
    let cli = Cli::new().await;
    let to = address(who::ADMIN).to_string();
    let json = cli
        .by(
            who::TRADER,
            &["transfer", &to, "1", "--max-fee", "50", "--priority-fee", "1.5", "--json"],
        )
        .ok()
        .json();
    let hash: alloy::primitives::TxHash = json["hash"].as_str().unwrap().parse().unwrap();
    let tx = cli.sdk().provider().get_transaction_by_hash(hash).await.unwrap().unwrap();
    assert_eq!(tx.max_fee_per_gas(), 50_000_000_000);
    assert_eq!(tx.max_priority_fee_per_gas(), Some(1_500_000_000));
    // Below the base fee the node refuses it, and the error says which flag to raise.
    cli.by(who::TRADER, &["transfer", &to, "1", "--max-fee", "0.000000001"])
        .fails(FAILURE, &["below the block's base fee", "--max-fee"]);
    cli.by(who::TRADER, &["transfer", &to, "1", "--max-fee", "1", "--priority-fee", "2"])
        .fails(BAD_INPUT, &["--priority-fee is above --max-fee"]);
}
