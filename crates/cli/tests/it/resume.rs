//! A single send killed while it waits for its block, run again, is not sent twice: the run
//! wrote the signed transaction down before broadcasting it (`.wbx/sends`), and the next send of
//! that account settles it first. A different command after the kill still goes out, once.

use crate::support::{Cli, Reaped, fresh, run, wbx};
use alloy::{
    primitives::Address,
    providers::{Provider, ext::AnvilApi},
};
use std::{
    process::Stdio,
    time::{Duration, Instant},
};
use wbx_sdk::Amount;
use wbx_testing::{
    address,
    proxy::{Faults, RpcProxy},
    who,
};

/// Starts `wbx transfer TO AMOUNT` as the Standard trader with automine off, and kills it
/// (SIGKILL) once its transaction is in the node's pool: sent, written down, not mined.
async fn kill_a_transfer_in_flight(cli: &Cli, to: Address, amount: &str) {
    let p = cli.sdk().provider();
    p.anvil_set_auto_mine(false).await.unwrap();
    let trader = address(who::TRADER);
    let before = p.get_transaction_count(trader).pending().await.unwrap();
    let mut child = Reaped(
        cli.cmd(&["transfer", &to.to_string(), amount, "--dev-account", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn wbx transfer"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while p.get_transaction_count(trader).pending().await.unwrap() == before {
        assert!(child.try_wait().unwrap().is_none(), "wbx transfer ended before it was mined");
        assert!(Instant::now() < deadline, "the transfer never reached the pool");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sends = cli.dir.path().join(".wbx/sends");
    assert_eq!(std::fs::read_dir(&sends).unwrap().count(), 1, "one send written down");
    p.anvil_set_auto_mine(true).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_transfer_run_again_is_not_sent_twice() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let to = fresh();

    // Killed before its block: run again, the same transfer is settled, not sent again.
    kill_a_transfer_in_flight(&cli, to, "5").await;
    let nonce = cli.nonce(trader).await;
    let again = cli.by(who::TRADER, &["transfer", &to.to_string(), "5"]).ok();
    assert!(again.stderr.contains("nothing is sent again"), "{again}");
    assert!(again.stdout.contains("transferred 5 WBX"), "{again}");
    assert_eq!(cli.balance(to).await, Amount::whole(5), "paid once");
    assert_eq!(cli.nonce(trader).await, nonce, "no new transaction");
    let sends = cli.dir.path().join(".wbx/sends");
    assert_eq!(std::fs::read_dir(&sends).unwrap().count(), 0, "settled and cleared");

    // Killed again; then another command: the killed transfer is settled, the new one is sent.
    kill_a_transfer_in_flight(&cli, to, "7").await;
    let other = cli.by(who::TRADER, &["transfer", &to.to_string(), "3"]).ok();
    assert!(other.stderr.contains("had sent another transaction"), "{other}");
    assert_eq!(cli.balance(to).await, Amount::whole(15), "5 + 7 + 3, each once");

    // A deliberate repeat, with nothing left in flight, is a second transfer.
    cli.by(who::TRADER, &["transfer", &to.to_string(), "3"]).ok();
    assert_eq!(cli.balance(to).await, Amount::whole(18));
    assert_eq!(std::fs::read_dir(&sends).unwrap().count(), 0);
}

/// The same through a provider that lies as hosted ones do (receipts late, backends a block
/// apart, answers to sends lost, sends dropped): the rerun settles the killed transfer from
/// evidence and still sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_transfer_run_again_through_a_lying_rpc_is_not_sent_twice() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let to = fresh();
    kill_a_transfer_in_flight(&cli, to, "5").await;
    let faults = Faults {
        receipt_lag: Some(Duration::from_secs(1)),
        split_backends: true,
        lose_send_answers: 300,
        drop_sends: 300,
        seed: 5,
        ..Faults::default()
    };
    let proxy = RpcProxy::start(&cli.url(), faults).await;
    let nonce = cli.nonce(trader).await;
    let mut again = wbx(cli.dir.path());
    again.args(["transfer", &to.to_string(), "5", "--dev-account", "1", "--deployment"]);
    again.arg(&cli.record).args(["--rpc-url", proxy.url()]);
    let again = tokio::task::spawn_blocking(move || run(&mut again)).await.unwrap().ok();
    assert!(again.stderr.contains("nothing is sent again"), "{again}");
    assert_eq!(cli.balance(to).await, Amount::whole(5), "paid once");
    assert_eq!(cli.nonce(trader).await, nonce, "no new transaction");
    assert!(proxy.stats().faults() > 0, "the proxy injected no fault");
}
