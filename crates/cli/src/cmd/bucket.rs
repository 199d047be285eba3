//! Bucket commands: `buckets`, `issue`, `allocate`, `allocate-batch`.

use crate::{
    args::{
        ChainArgs, TxArgs, address, amount, nonzero, not_the_token, not_zero_address, payment_ref,
        read_bytes,
    },
    cmd::{sent, token::TOKEN_CANNOT_RECEIVE},
    error::Result,
    output::{Out, table},
};
use alloy::primitives::Address;
use clap::Args;
use std::path::PathBuf;
use wbx_sdk::{
    Allocation, Amount, Bucket, BucketInfo, PaymentId,
    payouts::{self, Journal, PayoutReport},
};

/// Renders the bucket table.
pub(crate) fn bucket_table(buckets: &[BucketInfo]) -> String {
    let rows = buckets
        .iter()
        .map(|b| {
            vec![
                b.bucket.title().to_string(),
                format!("{}.{:02}%", b.share_bps / 100, b.share_bps % 100),
                format!("{} WBX", b.issued),
                format!("{} WBX", b.released),
                format!("{} WBX", b.remaining),
            ]
        })
        .collect();
    table(&["bucket", "policy", "issued", "released", "remaining"], rows, &[1, 2, 3, 4])
}

/// Show the five buckets: issued, released and remaining beside the policy shares.
///
/// Example: `wbx buckets --json`
#[derive(Debug, Args)]
pub(crate) struct BucketsArgs {
    #[command(flatten)]
    read: ChainArgs,
}

impl BucketsArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        let wbx = self.read.reader().await?;
        let buckets = wbx.buckets().await?;
        out.emit(&buckets, || bucket_table(&buckets));
        Ok(())
    }
}

/// Mint AMOUNT new WBX into the buckets by their policy shares (admins).
///
/// Example: `wbx issue 1000000 --account admin`
#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// WBX to mint.
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    amount: Amount,
    #[command(flatten)]
    tx: TxArgs,
}

impl IssueArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        nonzero(self.amount, "issue nothing (the contract refuses it)")?;
        let wbx = self.tx.wbx().await?;
        let s = wbx.issue(self.amount).await?;
        sent(out, &format!("issued {} WBX into the buckets", self.amount), &s);
        Ok(())
    }
}

/// Release AMOUNT WBX from BUCKET to TO (admins).
///
/// Example: `wbx allocate community-rewards 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 250 --account admin`
#[derive(Debug, Args)]
pub(crate) struct AllocateArgs {
    /// The bucket: platform-development, marketing-partnerships, operational-costs,
    /// community-rewards or reserve-fund.
    pub(crate) bucket: Bucket,
    /// The recipient.
    #[arg(value_parser = address)]
    pub(crate) to: Address,
    /// WBX to release.
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    pub(crate) amount: Amount,
    /// A payment reference (an invoice number: printable ASCII, at most 32 bytes), recorded on
    /// chain: the token never pays the same reference twice, so the command can be run again
    /// safely. Run again after the payment was made, it sends nothing and says so.
    #[arg(long = "ref", value_name = "REF", value_parser = payment_ref)]
    pub(crate) reference: Option<PaymentId>,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

impl AllocateArgs {
    /// Refuses what can never succeed; `token` once the deployment is known.
    pub(crate) fn check(&self, token: Option<Address>) -> Result {
        not_zero_address(self.to, "a recipient")?;
        nonzero(self.amount, "release nothing (the contract refuses it)")?;
        token.map_or(Ok(()), |t| not_the_token(t, self.to, TOKEN_CANNOT_RECEIVE))
    }

    pub(crate) async fn run(self, out: Out) -> Result {
        self.check(None)?;
        let wbx = self.tx.wbx().await?;
        self.check(Some(wbx.deployment().token))?;
        let what = format!("released {} WBX from {} to {}", self.amount, self.bucket, self.to);
        let Some(reference) = self.reference else {
            let s = wbx.allocate(self.bucket, self.to, self.amount).await?;
            sent(out, &what, &s);
            return Ok(());
        };
        match wbx.allocate_once(self.bucket, self.to, self.amount, reference).await? {
            Allocation::Paid(s) => sent(out, &format!("{what} as payment {reference}"), &s),
            Allocation::AlreadyPaid(earlier) => out.emit(
                &serde_json::json!({
                    "action": format!("payment {reference} was already made: nothing sent"),
                    "alreadyPaid": true,
                    "hash": earlier.tx,
                    "block": earlier.block,
                }),
                || {
                    format!(
                        "payment {reference} was already made ({} WBX from {} to {}): nothing sent\n  tx {} in block {}",
                        self.amount, self.bucket, self.to, earlier.tx, earlier.block
                    )
                },
            ),
        }
        Ok(())
    }
}

/// Release WBX from BUCKET to every row of FILE (`address,amount` per line), exactly once.
///
/// Every row is checked before anything is sent. Each batch carries a payment id made from the
/// file's hash, the bucket and the batch's place in the file, and the token never pays an id
/// twice: run the same command again (after a kill, a lost RPC, on another machine) and it pays
/// exactly what is left. A journal beside FILE (FILE.journal.json) records each batch's signed
/// transaction before it is sent, so a rerun finishes those rather than signing new ones.
///
/// Example: `wbx allocate-batch community-rewards rewards.csv --account admin`
#[derive(Debug, Args)]
pub(crate) struct AllocateBatchArgs {
    /// The bucket to pay from.
    bucket: Bucket,
    /// The CSV file: `address,amount` per row (RFC 4180: quotes, CRLF, a byte-order mark); a
    /// first row `address,amount`, lines starting with `#` and blank lines are skipped.
    file: PathBuf,
    /// Recipients per transaction. A file is paid in batches of one size: a rerun must use the
    /// size of the first run (it says so if not).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=500))]
    batch_size: u16,
    /// Batch transactions in flight at once.
    #[arg(long, default_value_t = payouts::DEFAULT_IN_FLIGHT as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
    in_flight: u16,
    #[command(flatten)]
    tx: TxArgs,
}

impl AllocateBatchArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        let bytes = read_bytes(&self.file, "the payout file")?;
        let name = self.file.display().to_string();
        let rows = payouts::parse_payouts(&name, payouts::decode_text(&name, &bytes)?)?;
        let wbx = self.tx.wbx().await?;
        // What the file cannot know: the contract refuses to pay the token itself.
        let why = format!("is the WBX token contract itself, which {TOKEN_CANNOT_RECEIVE}");
        payouts::check_recipients(&name, &rows, &[(wbx.deployment().token, why.as_str())])?;
        let journal = Journal::path_for(&self.file);
        let bar = out.progress(rows.len() as u64, "paying");
        let options = payouts::PayOptions {
            batch_size: self.batch_size as usize,
            in_flight: self.in_flight as usize,
            ..Default::default()
        };
        let report = payouts::pay(
            &wbx,
            self.bucket,
            &rows,
            payouts::file_hash(&bytes),
            options,
            &journal,
            |paid| bar.set_position(paid as u64),
        )
        .await?;
        bar.finish_and_clear();
        out.emit(&report, || payout_summary(&report, self.bucket));
        Ok(())
    }
}

/// The human summary of a payout run: what this run paid, what earlier runs (or another machine)
/// had paid, how many transactions it sent, and why, when it sent more than it paid.
fn payout_summary(report: &PayoutReport, bucket: Bucket) -> String {
    let batches = |n: usize| if n == 1 { "1 batch".to_string() } else { format!("{n} batches") };
    let txs =
        |n: usize| if n == 1 { "1 transaction".to_string() } else { format!("{n} transactions") };
    let mut text = format!(
        "{} rows ({} WBX) from {} in {}: {} paid by this run",
        report.rows,
        report.total,
        bucket,
        batches(report.batches),
        report.paid_now,
    );
    if report.resumed > 0 {
        text += &format!(" ({} of them resumed from the journal)", report.resumed);
    }
    text += &format!(", {} paid by earlier runs", report.paid_earlier);
    if report.paid_elsewhere > 0 {
        text += &format!(", {} paid meanwhile by another sender", report.paid_elsewhere);
    }
    text += &format!("; {} sent", txs(report.transactions_sent));
    if !report.resent.is_empty() {
        text += &format!(
            "\n  {} paid nothing, so their batches were settled again:",
            txs(report.resent.len())
        );
        for r in &report.resent {
            text += &format!("\n    batch {}: {} {}", r.batch, r.tx, r.reason);
        }
    }
    text += &format!("\n  journal {}", report.journal.display());
    text
}
