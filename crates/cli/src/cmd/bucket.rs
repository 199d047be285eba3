//! Bucket commands: `buckets`, `issue`, `allocate`, `allocate-batch`.

use crate::{
    args::{
        ChainArgs, TxArgs, address, amount, nonzero, not_the_token, not_zero_address, read_bytes,
    },
    cmd::{sent, token::TOKEN_CANNOT_RECEIVE},
    error::Result,
    output::{Out, table},
};
use alloy::primitives::Address;
use clap::Args;
use std::path::PathBuf;
use wbx_sdk::{
    Amount, Bucket, BucketInfo,
    payouts::{self, Journal},
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
        let s = wbx.allocate(self.bucket, self.to, self.amount).await?;
        sent(out, &format!("released {} WBX from {} to {}", self.amount, self.bucket, self.to), &s);
        Ok(())
    }
}

/// Release WBX from BUCKET to every row of FILE (`address,amount` per line), exactly once.
///
/// Every row is checked before anything is sent. A journal beside FILE (FILE.journal.json)
/// records each batch: if the run is killed or the RPC fails half way, run the same command
/// again and it pays every recipient exactly once.
///
/// Example: `wbx allocate-batch community-rewards rewards.csv --account admin`
#[derive(Debug, Args)]
pub(crate) struct AllocateBatchArgs {
    /// The bucket to pay from.
    bucket: Bucket,
    /// The CSV file: `address,amount` per row (RFC 4180: quotes, CRLF, a byte-order mark); a
    /// first row `address,amount`, lines starting with `#` and blank lines are skipped.
    file: PathBuf,
    /// Recipients per transaction.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=500))]
    batch_size: u16,
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
        let report = payouts::pay(
            &wbx,
            self.bucket,
            &rows,
            payouts::file_hash(&bytes),
            self.batch_size as usize,
            &journal,
            |paid| bar.set_position(paid as u64),
        )
        .await?;
        bar.finish_and_clear();
        out.emit(&report, || {
            let batches = |n: usize| if n == 1 { "1 batch".to_string() } else { format!("{n} batches") };
            format!(
                "{} rows ({} WBX) from {} in {}: {} paid now, {} already paid by an earlier run\n  journal {}",
                report.rows,
                report.total,
                self.bucket,
                batches(report.batches),
                batches(report.paid_now),
                report.already_paid,
                report.journal.display()
            )
        });
        Ok(())
    }
}
