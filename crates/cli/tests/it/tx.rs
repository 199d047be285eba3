//! `wbx tx bump` and `wbx tx cancel`: the fixes `wbx doctor` names for a stuck transaction, run
//! as the doctor prints them, and the refusals that send nothing.

use crate::support::{BAD_INPUT, Cli, FAILURE, run, wbx};
use alloy::{
    network::TransactionBuilder,
    primitives::{TxHash, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
};
use wbx_testing::{DevRpc, NodeKind, address, who};

impl Cli {
    /// `wbx tx ARGS --rpc-url URL --dev-account N` (no deployment: a replacement needs none).
    fn tx_by(&self, n: u32, args: &[&str]) -> crate::support::Run {
        let url = self.url();
        run(wbx(self.dir.path()).arg("tx").args(args).args([
            "--rpc-url",
            &url,
            "--dev-account",
            &n.to_string(),
        ]))
    }

    /// Sends 1 wei from dev account `n` to the admin with `nonce`; returns its hash.
    async fn send_raw(&self, n: u32, nonce: u64, max_fee: u128) -> TxHash {
        let who = self.f.as_account(n).await;
        let tx = TransactionRequest::default()
            .with_to(address(who::ADMIN))
            .with_value(U256::from(1))
            .with_nonce(nonce)
            .with_gas_limit(21_000)
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(1);
        *who.provider().send_transaction(tx).await.unwrap().tx_hash()
    }
}

#[tokio::test]
async fn a_gap_the_doctor_finds_is_filled_with_the_command_it_prints() {
    let cli = Cli::new().await;
    let trader = address(who::TRADER);
    let next = cli.nonce(trader).await;
    let queued = cli.send_raw(who::TRADER, next + 1, 10_000_000_000).await;

    let fix = format!("wbx tx cancel --nonce {next} --dev-account 1");
    let doctor = cli.by(who::TRADER, &["doctor", "account"]);
    assert_eq!(doctor.code, FAILURE, "{doctor}");
    doctor.says(&[&fix]);
    cli.tx_by(who::TRADER, &["cancel", "--nonce", &next.to_string()])
        .ok()
        .says(&[&format!("at nonce {next} (an empty transfer to {trader})"), "mined in block"]);
    cli.sdk().provider().mine_block().await.unwrap();
    let receipt = cli.sdk().provider().get_transaction_receipt(queued).await.unwrap();
    assert!(receipt.is_some(), "the queued transaction went through once the gap was filled");
    cli.by(who::TRADER, &["doctor", "account"]).ok();
}

/// Nonce n pending, n+2 queued: the gap is n+1 (not n, which the node holds), and the command the
/// doctor prints for it, run as printed, gets both mined; on both nodes (Hardhat serves no
/// txpool_inspect, and the doctor says it skipped the check that needs it).
#[tokio::test(flavor = "multi_thread")]
async fn a_queued_transaction_names_the_missing_nonce_and_its_printed_fix_gets_it_mined() {
    for kind in NodeKind::ALL {
        let cli = Cli::on(kind).await;
        let p = cli.sdk().provider().clone();
        let trader = address(who::TRADER);
        p.set_automine(false).await.unwrap();
        let n = cli.nonce(trader).await;
        let pending = cli.send_raw(who::TRADER, n, 10_000_000_000).await;
        let queued = cli.send_raw(who::TRADER, n + 2, 10_000_000_000).await;

        let doctor = cli.by(who::TRADER, &["doctor", "tx", &queued.to_string()]);
        assert_eq!(doctor.code, FAILURE, "{kind}: {doctor}");
        let gap = n + 1;
        let mut expected = vec![
            format!("nonce {}, but the account's next free nonce is {gap}", n + 2),
            format!("the node holds no transaction with nonce {gap}"),
        ];
        if kind == NodeKind::Hardhat {
            expected.push("skipped: the node does not serve txpool_inspect".into());
        }
        let doctor = doctor.says(&expected.iter().map(String::as_str).collect::<Vec<_>>());
        let fix = doctor
            .stdout
            .lines()
            .filter_map(|l| l.split_once("fix:   ").map(|(_, f)| f.to_string()))
            .find(|f| f.contains("wbx tx cancel"))
            .unwrap_or_else(|| panic!("{kind}: no cancel fix:\n{doctor}"));
        let command = fix.split_once(": ").map(|(_, c)| c).unwrap_or(&fix);
        assert_eq!(command, format!("wbx tx cancel --nonce {gap} --dev-account 1"), "{kind}");

        // Run it as printed while blocks are mined by hand.
        let args: Vec<String> = command.split_whitespace().skip(1).map(String::from).collect();
        let url = cli.url();
        let mut cancel = wbx(cli.dir.path());
        cancel.args(&args).args(["--rpc-url", &url]);
        let child = std::thread::spawn(move || run(&mut cancel));
        while !child.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            p.mine_block().await.unwrap();
        }
        child.join().unwrap().ok().says(&[&format!("at nonce {gap}"), "mined in block"]);
        p.mine_block().await.unwrap();
        for hash in [pending, queued] {
            let receipt = p.get_transaction_receipt(hash).await.unwrap();
            assert!(receipt.is_some_and(|r| r.status()), "{kind}: {hash} was not mined");
        }
        p.set_automine(true).await.unwrap();
    }
}

#[tokio::test]
async fn a_transaction_below_the_base_fee_is_bumped_and_bad_bumps_send_nothing() {
    let cli = Cli::new().await;
    let p = cli.sdk().provider().clone();
    let trader = address(who::TRADER);
    p.set_automine(false).await.unwrap();
    let nonce = cli.nonce(trader).await;
    let stuck = cli.send_raw(who::TRADER, nonce, 2_000_000_000).await;
    // The next block's base fee rises far above its max fee: it would wait for a fall.
    p.anvil_set_next_block_base_fee_per_gas(50_000_000_000).await.unwrap();
    let hash = stuck.to_string();

    // Refused before anything is sent: fees that do not outbid it, someone else's transaction.
    cli.tx_by(who::TRADER, &["bump", &hash, "--max-fee", "2"])
        .fails(BAD_INPUT, &["does not replace the pending version", "at least"]);
    cli.tx_by(who::TRADER_EXT, &["bump", &hash])
        .fails(BAD_INPUT, &["only its sender can replace it"]);
    cli.tx_by(who::TRADER, &["cancel"]).fails(BAD_INPUT, &["--nonce"]);
    assert_eq!(cli.nonce(trader).await, nonce + 1, "only the stuck one is pending");

    // The doctor's fix, as printed, gets it mined.
    let doctor = cli.by(who::TRADER, &["doctor", "tx", &hash]);
    let fix = doctor
        .stdout
        .lines()
        .filter_map(|l| l.split_once("fix:   ").map(|(_, f)| f.to_string()))
        .find(|f| f.starts_with("wbx tx bump"))
        .unwrap_or_else(|| panic!("no bump fix:\n{doctor}"));
    let args: Vec<&str> = fix.split("  (").next().unwrap().split_whitespace().skip(2).collect();
    // Run it, and mine blocks by hand once it has replaced the original (automine stays off; a
    // block mined before would drop the original, whose max fee is below the base fee, from the
    // pool before the command reads it).
    let url = cli.url();
    let mut bump = wbx(cli.dir.path());
    bump.arg("tx").args(&args).args(["--rpc-url", &url]);
    let child = std::thread::spawn(move || run(&mut bump));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !child.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if p.get_transaction_by_hash(stuck).await.unwrap().is_none() {
            p.mine_block().await.unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "wbx tx bump did not finish");
    }
    let bumped = child.join().unwrap().ok();
    let bumped = bumped.says(&[
        &format!("replaced {hash} with "),
        &format!("(nonce {nonce})"),
        "mined in block",
    ]);
    assert!(p.get_transaction_receipt(stuck).await.unwrap().is_none(), "the original was replaced");
    assert_eq!(cli.nonce(trader).await, nonce + 1);

    // The original is gone from the node; the replacement is mined: nothing left to replace.
    cli.tx_by(who::TRADER, &["bump", &hash]).fails(BAD_INPUT, &["does not know"]);
    let replacement = bumped.stdout.split(" with ").nth(1).unwrap().split(' ').next().unwrap();
    cli.tx_by(who::TRADER, &["bump", replacement])
        .fails(FAILURE, &["already mined", "nothing to replace"]);
}
