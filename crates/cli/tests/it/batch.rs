//! `allocate-batch`: every row paid exactly once, even across a killed run.

use crate::support::{BAD_INPUT, Cli, FAILURE, Reaped, addr, amt, fresh, s};
use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use wbx_sdk::{Amount, Bucket};
use wbx_testing::{address, who};

const BUCKET: Bucket = Bucket::CommunityRewards;

/// `n` fresh recipients with distinct amounts (`i + 1` and a fraction, so none is round).
fn payouts(n: usize) -> Vec<(Address, Amount)> {
    (0..n).map(|i| (fresh(), format!("{}.{:03}", i + 1, i * 7 + 1).parse().unwrap())).collect()
}

/// Writes the rows as a CSV file (with a header and a comment) named `name` in the CLI's folder.
fn write_csv(cli: &Cli, name: &str, rows: &[(Address, Amount)]) -> PathBuf {
    let mut text = String::from("address,amount\n# community rewards\n");
    for (to, amount) in rows {
        text.push_str(&format!("{to},{amount}\n"));
    }
    let path = cli.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn total(rows: &[(Address, Amount)]) -> U256 {
    rows.iter().map(|(_, a)| a.raw()).sum()
}

fn journal_of(csv: &Path) -> PathBuf {
    let mut name = csv.file_name().unwrap().to_os_string();
    name.push(".journal.json");
    csv.with_file_name(name)
}

/// The journal, if there is one yet and it parses.
fn read_journal(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn batch_args(csv: &Path, batch_size: usize) -> Vec<String> {
    [
        "allocate-batch",
        "community-rewards",
        csv.to_str().unwrap(),
        "--batch-size",
        &batch_size.to_string(),
        "--dev-account",
        "0",
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

async fn assert_paid_exactly(cli: &Cli, rows: &[(Address, Amount)]) {
    for (to, amount) in rows {
        assert_eq!(cli.balance(*to).await, *amount, "balance of {to}");
    }
}

#[tokio::test]
async fn pays_every_row_once_and_a_second_run_pays_nothing() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let rows = payouts(5);
    let csv = write_csv(&cli, "rewards.csv", &rows);
    let released = cli.released(BUCKET).await;
    let nonce = cli.nonce(admin).await;
    let args = batch_args(&csv, 2);
    let sum = Amount::from_raw(total(&rows));

    cli.run(&strs(&args)).ok().says(&[
        &format!(
            "5 rows ({sum} WBX) from community-rewards in 3 batches: 3 paid by this run, 0 paid by earlier runs; 3 transactions sent"
        ),
        "rewards.csv.journal.json",
    ]);
    assert_paid_exactly(&cli, &rows).await;
    assert_eq!(cli.released(BUCKET).await.raw(), released.raw() + total(&rows));
    assert_eq!(cli.nonce(admin).await, nonce + 3, "one transaction per batch");

    let journal = read_journal(&journal_of(&csv)).expect("the journal is written");
    assert_eq!(journal["chainId"], 31337);
    assert_eq!(s(&journal, "bucket"), "community-rewards");
    assert_eq!(addr(&journal, "sender"), admin);
    assert_eq!(addr(&journal, "token"), cli.sdk().deployment().token);
    assert_eq!(journal["batchSize"], 2);
    let batches = journal["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 3);
    assert!(batches.iter().all(|b| b["state"] == "paid"), "{journal:#}");

    // Again: everything is already paid, nothing is sent.
    let mut again = args.clone();
    again.push("--json".into());
    let report = cli.run(&strs(&again)).ok().json();
    assert_eq!(report["rows"], 5);
    assert_eq!(s(&report, "total"), sum.to_string());
    assert_eq!(report["batches"], 3);
    assert_eq!(report["paidEarlier"], 3);
    assert_eq!(report["paidNow"], 0);
    assert_eq!(report["transactionsSent"], 0);
    assert_eq!(report["transactions"], serde_json::json!([]));
    assert_eq!(Path::new(s(&report, "journal")), journal_of(&csv));
    assert_eq!(cli.nonce(admin).await, nonce + 3);
    assert_paid_exactly(&cli, &rows).await;
    assert_eq!(cli.released(BUCKET).await.raw(), released.raw() + total(&rows));
}

/// The guarantee is on chain: with the journal lost, the same file (or a copy of it under another
/// name) pays nothing more, and a rerun with another batch size is refused before anything is
/// sent, naming the size to use.
#[tokio::test]
async fn a_lost_journal_a_copied_file_or_another_batch_size_pays_nothing_twice() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let rows = payouts(7);
    let csv = write_csv(&cli, "rewards.csv", &rows);
    cli.run(&strs(&batch_args(&csv, 3))).ok();
    assert_paid_exactly(&cli, &rows).await;
    let nonce = cli.nonce(admin).await;

    std::fs::remove_file(journal_of(&csv)).unwrap();
    let mut again = batch_args(&csv, 3);
    again.push("--json".into());
    let report = cli.run(&strs(&again)).ok().json();
    assert_eq!((report["paidEarlier"].as_u64(), report["paidNow"].as_u64()), (Some(3), Some(0)));
    assert_eq!(report["transactionsSent"], 0);

    let copy = cli.dir.path().join("copy-of-rewards.csv");
    std::fs::copy(&csv, &copy).unwrap();
    let mut copied = batch_args(&copy, 3);
    copied.push("--json".into());
    let report = cli.run(&strs(&copied)).ok().json();
    assert_eq!(report["paidEarlier"], 3, "{report:#}");

    std::fs::remove_file(journal_of(&csv)).unwrap();
    for size in ["2", "5", "100"] {
        cli.run(&strs(&batch_args(&csv, size.parse().unwrap()))).fails(
            BAD_INPUT,
            &["already paid with other rows", "--batch-size 3", "nothing was sent"],
        );
    }
    assert_eq!(cli.nonce(admin).await, nonce, "nothing was sent");
    assert_paid_exactly(&cli, &rows).await;
}

/// A journal carried over to another local node (same chain id, same addresses: a restarted
/// anvil) is refused, and nothing is sent: it does not skip rows that were never paid there.
#[tokio::test]
async fn a_journal_from_another_chain_is_refused() {
    let first = Cli::new().await;
    let rows = payouts(3);
    let csv = write_csv(&first, "rewards.csv", &rows);
    first.run(&strs(&batch_args(&csv, 2))).ok();

    let second = Cli::new().await;
    assert_eq!(second.sdk().deployment().token, first.sdk().deployment().token, "same addresses");
    let csv2 = second.dir.path().join("rewards.csv");
    std::fs::copy(&csv, &csv2).unwrap();
    std::fs::copy(journal_of(&csv), journal_of(&csv2)).unwrap();
    let admin = address(who::ADMIN);
    let nonce = second.nonce(admin).await;
    // Refused by the first evidence at hand: a genesis block other than the journal's, or (two
    // local nodes started in the same second share their genesis) the journal's blocks not made
    // yet here, which a node that lags behind could also explain, so both are said.
    second
        .run(&strs(&batch_args(&csv2, 2)))
        .fails(FAILURE, &["another chain", "move it away to start over"]);
    assert_eq!(second.nonce(admin).await, nonce, "nothing was sent");
    // The same with the genesis of this chain written in (as two nodes started in the same second
    // have): the journal's blocks are not made here yet, and both explanations are said.
    let genesis = second.sdk().provider().get_block_by_number(0.into()).await.unwrap().unwrap();
    let mut journal: Value =
        serde_json::from_slice(&std::fs::read(journal_of(&csv2)).unwrap()).unwrap();
    journal["genesis"] = serde_json::json!(genesis.header.hash);
    std::fs::write(journal_of(&csv2), serde_json::to_vec(&journal).unwrap()).unwrap();
    second.run(&strs(&batch_args(&csv2, 2))).fails(
        FAILURE,
        &["must read the token at block", "lags behind", "another chain", "move it away"],
    );
    assert_eq!(second.nonce(admin).await, nonce, "nothing was sent");
    // Past those blocks, the token there has no record of the journal's payments: another chain.
    second.sdk().provider().anvil_mine(Some(20), None).await.unwrap();
    second
        .run(&strs(&batch_args(&csv2, 2)))
        .fails(FAILURE, &["another chain", "move it away to start over"]);
    assert_eq!(second.nonce(admin).await, nonce, "nothing was sent");

    // Moved away, the file is paid in full on the second chain.
    std::fs::remove_file(journal_of(&csv2)).unwrap();
    second.run(&strs(&batch_args(&csv2, 2))).ok();
    assert_paid_exactly(&second, &rows).await;
}

#[tokio::test]
async fn a_bad_row_stops_the_run_before_anything_is_sent() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let (a, b, c) = (fresh(), fresh(), fresh());
    let cases = [
        // Line 3 (after the header): not an address.
        (
            "bad-address.csv",
            format!("address,amount\n{a},1\n0x12345,2\n{c},3\n"),
            vec!["bad-address.csv:3", "\"0x12345\" is not an address"],
        ),
        // The same address twice, once in lowercase.
        (
            "duplicate.csv",
            format!("{a},1\n{b},2\n{},3\n", a.to_string().to_lowercase()),
            vec!["duplicate.csv:3", "already paid on line 1"],
        ),
        (
            "precise.csv",
            format!("{a},1\n{b},1.0000000000000000001\n{c},3\n"),
            vec!["precise.csv:2", "19 decimals"],
        ),
        (
            "checksum.csv",
            format!("{a},1\n{b},2\n{},3\n", mangle_checksum(c)),
            vec!["checksum.csv:3", "wrong EIP-55 checksum"],
        ),
    ];
    let nonce = cli.nonce(admin).await;
    let released = cli.released(BUCKET).await;
    for (name, text, says) in cases {
        let path = cli.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut parts = says.clone();
        parts.push("nothing was sent");
        cli.run(&strs(&batch_args(&path, 2))).fails(BAD_INPUT, &parts);
        assert!(!journal_of(&path).exists(), "{name}: no journal");
    }
    assert_eq!(cli.nonce(admin).await, nonce);
    assert_eq!(cli.released(BUCKET).await, released);
    for to in [a, b, c] {
        assert_eq!(cli.balance(to).await, Amount::ZERO);
    }
}

/// `to`'s checksummed form with the case of its first letter flipped.
fn mangle_checksum(to: Address) -> String {
    let good = to.to_checksum(None);
    let i = good[2..].find(|c: char| c.is_ascii_alphabetic()).expect("a letter") + 2;
    let mut bytes = good.into_bytes();
    bytes[i] ^= 0x20;
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_batch_larger_than_the_bucket_sends_nothing() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let remaining = cli.sdk().bucket(BUCKET).await.unwrap().remaining;
    let rows = [(fresh(), Amount::whole(1)), (fresh(), remaining)];
    let csv = write_csv(&cli, "big.csv", &rows);
    let nonce = cli.nonce(admin).await;
    cli.run(&strs(&batch_args(&csv, 1))).fails(
        FAILURE,
        &[
            &format!(
                "holds {remaining} WBX, less than the {} WBX still to pay",
                Amount::from_raw(total(&rows))
            ),
            "nothing was sent",
        ],
    );
    assert_eq!(cli.nonce(admin).await, nonce);
    assert_eq!(cli.balance(rows[0].0).await, Amount::ZERO);
}

#[tokio::test]
async fn a_killed_run_run_again_pays_every_row_exactly_once() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let rows = payouts(40);
    let csv = write_csv(&cli, "kill.csv", &rows);
    let journal = journal_of(&csv);
    let args = batch_args(&csv, 2);
    let released = cli.released(BUCKET).await;
    let nonce = cli.nonce(admin).await;

    // Start the 20-batch run, and kill it once the journal shows three batches.
    let mut child = Reaped(
        cli.cmd(&strs(&args))
            .args(["--in-flight", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn wbx"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before the journal showed three batches");
        }
        let seen = read_journal(&journal).map_or(0, |j| j["batches"].as_array().unwrap().len());
        if seen >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress in the journal");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();

    // It really was cut short: not every recipient holds anything.
    let cut = read_journal(&journal).expect("the journal survives the kill");
    let sent = cut["batches"].as_array().unwrap().len();
    assert!((3..20).contains(&sent), "batches in the journal at the kill: {sent}");
    let mut holders = 0;
    for (to, amount) in &rows {
        let b = cli.balance(*to).await;
        assert!(b == Amount::ZERO || b == *amount, "{to} holds {b}, neither nothing nor {amount}");
        holders += usize::from(b == *amount);
    }
    assert!(holders < 40, "recipients paid at the kill: {holders}");

    // The same command again: it finishes, and pays nobody twice.
    let mut again = args.clone();
    again.push("--json".into());
    let report = cli.run(&strs(&again)).ok().json();
    assert_eq!(report["rows"], 40);
    assert_eq!(report["batches"], 20);
    let (earlier, now) =
        (report["paidEarlier"].as_u64().unwrap(), report["paidNow"].as_u64().unwrap());
    assert_eq!(earlier + now, 20, "{report:#}");
    assert!(now >= 1, "{report:#}");
    // Truthful: every batch this run paid was either resumed from the journal or sent now.
    let (resumed, sent) =
        (report["resumed"].as_u64().unwrap(), report["transactionsSent"].as_u64().unwrap());
    assert_eq!(resumed + sent, now, "{report:#}");
    assert_eq!(s(&report, "total"), Amount::from_raw(total(&rows)).to_string());

    assert_paid_exactly(&cli, &rows).await;
    assert_eq!(cli.released(BUCKET).await.raw(), released.raw() + total(&rows));
    assert_eq!(cli.nonce(admin).await, nonce + 20, "exactly one transaction per batch");
    let done = read_journal(&journal).unwrap();
    let batches = done["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 20);
    assert!(batches.iter().all(|b| b["state"] == "paid"), "{done:#}");
}

/// Payout files as spreadsheets and editors write them are read exactly; a first row that is
/// neither the header nor a payout row stops the run at `file:1`, and nothing is sent.
#[tokio::test]
async fn payout_files_are_never_misread() {
    let cli = Cli::new().await;
    let admin = address(who::ADMIN);
    let bom = "\u{FEFF}";
    let pay = |name: &str, text: String| {
        std::fs::write(cli.dir.path().join(name), text).unwrap();
        cli.run(&strs(&batch_args(&cli.dir.path().join(name), 10)))
    };

    // Read and paid exactly: a BOM before the first address (no header), quoted fields and CRLF,
    // a header in another case after a BOM, a BOM in the middle (two files put together), blank
    // spreadsheet rows.
    let (a, b) = (fresh(), fresh());
    pay("bom.csv", format!("{bom}{a},1.5\n{b},2\n")).ok();
    assert_eq!((cli.balance(a).await, cli.balance(b).await), (amt("1.5"), amt("2")));
    let (a, b, c) = (fresh(), fresh(), fresh());
    pay(
        "excel.csv",
        format!("{bom}\"Address\",\"AMOUNT\"\r\n\"{a}\",\"3\"\r\n,\r\n{bom}{b},4\r\n# note\r\n\"{c}\" , 5 \r\n"),
    )
    .ok();
    for (to, want) in [(a, "3"), (b, "4"), (c, "5")] {
        assert_eq!(cli.balance(to).await, amt(want), "{to}");
    }

    // Refused, naming the file and line, with nothing sent.
    let token = cli.sdk().deployment().token;
    let (x, y) = (fresh(), fresh());
    let nonce = cli.nonce(admin).await;
    let hex = format!("{x:x}");
    let cases = [
        ("no-0x.csv", format!("{hex},2\n{y},1\n"), "no-0x.csv:1:", "lacks the 0x prefix"),
        ("ens.csv", format!("vitalik.eth,2\n{y},1\n"), "ens.csv:1:", "vitalik.eth"),
        (
            "header.csv",
            format!("wallet,amount\n{y},1\n"),
            "header.csv:1:",
            "\"wallet\" is not an address",
        ),
        (
            "token.csv",
            format!("{y},1\n{token},2\n"),
            "token.csv:2:",
            "is the WBX token contract itself",
        ),
        (
            "thousands.csv",
            format!("{y},\"1,000\"\n"),
            "thousands.csv:1:",
            "malformed amount \"1,000\"",
        ),
        ("comment.csv", format!("{y},1 # first\n"), "comment.csv:1:", "malformed amount"),
        ("spaced.csv", format!(" \"{y}\",1\n"), "spaced.csv:1:", "no space before it"),
        ("latin1.csv", format!("{y},1\n# caf"), "latin1.csv:2:", "not UTF-8"),
        ("nul.csv", format!("{y},1\n\0\n"), "nul.csv:2:", "a NUL byte"),
        ("utf16.csv", String::new(), "utf16.csv:1:", "UTF-16"),
        ("empty.csv", "address,amount\n\n".into(), "empty.csv:", "no payout rows"),
    ];
    for (name, text, at, why) in cases {
        let path = cli.dir.path().join(name);
        let bytes = match name {
            // Latin-1, as older spreadsheets save it: "café" ends in the byte 0xE9.
            "latin1.csv" => [text.as_bytes(), b"\xE9\n"].concat(),
            "utf16.csv" => [0xFF, 0xFE]
                .into_iter()
                .chain(format!("{y},1\n").encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            _ => text.into_bytes(),
        };
        std::fs::write(&path, bytes).unwrap();
        let mut args = batch_args(&path, 10);
        args.push("--json".into());
        let r = cli.run(&strs(&args)).fails(BAD_INPUT, &[at, why, "nothing was sent"]);
        assert_eq!(r.error_doc()["code"], "bad-payout-file", "{name}");
    }
    assert_eq!(cli.nonce(admin).await, nonce, "nothing was sent");
    assert_eq!((cli.balance(x).await, cli.balance(y).await), (Amount::ZERO, Amount::ZERO));
    // A directory is not a payout file.
    cli.run(&strs(&batch_args(cli.dir.path(), 10))).fails(BAD_INPUT, &["is a directory"]);
}
