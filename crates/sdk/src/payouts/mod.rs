//! Batch payouts from a bucket, from a CSV file of `address,amount` rows, exactly once.
//!
//! Every row is checked before anything is sent (bad address, wrong checksum, bad amount, duplicate:
//! the error names the line). Rows are paid in batches of `allocateBatch`. A journal beside the CSV
//! file records each batch *before* it is broadcast, with the signed transaction itself. A run that
//! is killed or loses its RPC half way can be run again: a batch whose transaction was mined is
//! skipped, one that is still pending or was dropped is broadcast again unchanged (same nonce, same
//! hash, so it is mined at most once), and only a batch whose transaction provably did not pay
//! (reverted, or its nonce taken by another transaction) is signed anew.

use crate::{
    amount::Amount,
    client::Wbx,
    error::{Error, Result},
    names::Bucket,
    pipeline::SignedTx,
};
use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, TxHash, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};
use wbx_contracts::WebexToken;

mod csv;
pub use csv::{
    AddressError, CsvError, Payout, check_recipients, decode_text, parse_address, parse_payouts,
};

/// Where a batch stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchState {
    /// Signed and written down; broadcast (or about to be).
    Sent,
    /// Mined and successful: paid.
    Paid,
}

/// One batch in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalBatch {
    /// Index of the batch (rows `index * batch_size ..`).
    pub index: usize,
    /// Where it stands.
    pub state: BatchState,
    /// Nonce of its transaction.
    pub nonce: u64,
    /// Hash of its transaction.
    pub hash: TxHash,
    /// The signed transaction, to broadcast again unchanged if it was dropped.
    pub raw: Bytes,
    /// Earlier transactions of this batch that provably did not pay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abandoned: Vec<TxHash>,
}

/// The journal kept beside a payout file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// keccak256 of the payout file: a journal belongs to one file.
    pub file_hash: B256,
    /// The chain.
    pub chain_id: u64,
    /// The hash of the chain's genesis block. A chain id alone cannot tell two local chains apart:
    /// a restarted anvil has the same id and the same contract addresses, but not this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis: Option<B256>,
    /// The token.
    pub token: Address,
    /// The bucket paid from.
    pub bucket: Bucket,
    /// The admin that signs.
    pub sender: Address,
    /// Rows per batch.
    pub batch_size: usize,
    /// Batches so far.
    pub batches: Vec<JournalBatch>,
}

impl Journal {
    /// The journal's path for a payout file: `<file>.journal.json`.
    pub fn path_for(csv: &Path) -> PathBuf {
        let mut name = csv.file_name().unwrap_or_default().to_os_string();
        name.push(".journal.json");
        csv.with_file_name(name)
    }

    fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("a journal serialises");
        crate::fs::write_atomic(path, &json)
            .map_err(|e| Error::Other(format!("cannot write the journal {}: {e}", path.display())))
    }
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutReport {
    /// Rows in the file.
    pub rows: usize,
    /// Total of the file.
    pub total: Amount,
    /// Batches in all.
    pub batches: usize,
    /// Batches found already paid by an earlier run.
    pub already_paid: usize,
    /// Batches paid by this run.
    pub paid_now: usize,
    /// Transactions of this run, in order.
    pub transactions: Vec<TxHash>,
    /// The journal file.
    pub journal: PathBuf,
}

/// Pays `rows` from `bucket` in batches of `batch_size`, journaled at `journal_path`; `progress` is
/// told the number of rows paid so far after every batch.
pub async fn pay(
    wbx: &Wbx,
    bucket: Bucket,
    rows: &[Payout],
    file_hash: B256,
    batch_size: usize,
    journal_path: &Path,
    mut progress: impl FnMut(usize),
) -> Result<PayoutReport> {
    let sender = wbx.sender()?;
    let batch_size = batch_size.max(1);
    let genesis = wbx
        .provider()
        .get_block_by_number(0.into())
        .await
        .map_err(Error::from_rpc)?
        .map(|b| b.header.hash);
    let mut journal = match std::fs::read(journal_path) {
        Ok(bytes) => {
            let j: Journal = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Other(format!(
                    "the journal {} is not valid ({e}): move it away to start over",
                    journal_path.display()
                ))
            })?;
            let same = j.file_hash == file_hash
                && j.chain_id == wbx.connection().chain_id()
                && j.token == wbx.deployment().token
                && j.bucket == bucket
                && j.sender == sender
                && j.batch_size == batch_size;
            if !same {
                return Err(Error::Other(format!(
                    "the journal {} belongs to another run (file, chain, token, bucket, signer or batch size differ): finish that run, or move the journal away to start over",
                    journal_path.display()
                )));
            }
            if j.genesis.is_some() && j.genesis != genesis {
                return Err(Error::Other(format!(
                    "the journal {} was written on another chain with the same id (its genesis block differs: a restarted local node?): what it records as paid was not paid here; move it away to start over",
                    journal_path.display()
                )));
            }
            j
        }
        Err(_) => Journal {
            file_hash,
            chain_id: wbx.connection().chain_id(),
            genesis,
            token: wbx.deployment().token,
            bucket,
            sender,
            batch_size,
            batches: Vec::new(),
        },
    };

    // What the journal calls paid must be paid on this chain: a journal carried over from another
    // local node (same id, same addresses) would otherwise skip rows that were never paid here.
    let paid: Vec<&JournalBatch> =
        journal.batches.iter().filter(|b| b.state == BatchState::Paid).collect();
    let receipts = futures::future::try_join_all(
        paid.iter().map(|b| wbx.provider().get_transaction_receipt(b.hash)),
    )
    .await
    .map_err(Error::from_rpc)?;
    for (b, receipt) in paid.into_iter().zip(receipts) {
        if !receipt.is_some_and(|r| r.status()) {
            return Err(Error::Other(format!(
                "the journal {} records batch {} as paid by {}, but this chain has no successful receipt of it: the journal was written on another chain (a restarted local node?); move it away to start over",
                journal_path.display(),
                b.index + 1,
                b.hash
            )));
        }
    }

    let chunks: Vec<&[Payout]> = rows.chunks(batch_size).collect();
    let total = Amount::from_raw(rows.iter().map(|r| r.amount.raw()).sum());
    // Check the bucket before anything is sent: the unpaid rows must fit.
    let unpaid: alloy::primitives::U256 = chunks
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            !journal.batches.iter().any(|b| b.index == *i && b.state == BatchState::Paid)
        })
        .flat_map(|(_, c)| c.iter().map(|r| r.amount.raw()))
        .sum();
    let remaining = wbx.bucket(bucket).await?.remaining;
    if remaining.raw() < unpaid {
        return Err(Error::Other(format!(
            "the {bucket} bucket holds {remaining} WBX, less than the {} WBX still to pay: nothing was sent",
            Amount::from_raw(unpaid)
        )));
    }

    let mut report = PayoutReport {
        rows: rows.len(),
        total,
        batches: chunks.len(),
        already_paid: 0,
        paid_now: 0,
        transactions: Vec::new(),
        journal: journal_path.to_path_buf(),
    };
    let mut paid_rows = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        if journal.batches.iter().any(|b| b.index == index && b.state == BatchState::Paid) {
            report.already_paid += 1;
            paid_rows += chunk.len();
            progress(paid_rows);
            continue;
        }
        let hash = settle_batch(wbx, &mut journal, journal_path, index, chunk).await?;
        report.paid_now += 1;
        report.transactions.push(hash);
        paid_rows += chunk.len();
        progress(paid_rows);
    }
    Ok(report)
}

/// Makes sure batch `index` is paid exactly once, resuming whatever the journal says.
async fn settle_batch(
    wbx: &Wbx,
    journal: &mut Journal,
    journal_path: &Path,
    index: usize,
    chunk: &[Payout],
) -> Result<TxHash> {
    let provider = wbx.provider();
    loop {
        let pos = journal.batches.iter().position(|b| b.index == index);
        let Some(pos) = pos else {
            // First time: sign, write down, then broadcast.
            let tx = sign_batch(wbx, journal.bucket, chunk).await?;
            journal.batches.push(JournalBatch {
                index,
                state: BatchState::Sent,
                nonce: tx.nonce,
                hash: tx.hash,
                raw: tx.raw.clone(),
                abandoned: Vec::new(),
            });
            journal.save(journal_path)?;
            broadcast(provider, &tx).await?;
            wait_for(provider, tx.hash, journal.sender, tx.nonce).await?;
            continue;
        };
        let entry = journal.batches[pos].clone();
        match provider.get_transaction_receipt(entry.hash).await? {
            Some(r) if r.status() => {
                journal.batches[pos].state = BatchState::Paid;
                journal.save(journal_path)?;
                return Ok(entry.hash);
            }
            Some(_) => {
                // Mined and reverted: nothing was paid. Learn why before trying again.
                let call = WebexToken::allocateBatchCall {
                    bucket: journal.bucket.index(),
                    recipients: chunk.iter().map(|r| r.to).collect(),
                    amounts: chunk.iter().map(|r| r.amount.raw()).collect(),
                };
                let req = TransactionRequest::default()
                    .with_from(journal.sender)
                    .with_to(wbx.deployment().token)
                    .with_input(call.abi_encode());
                if let Err(e) = provider.call(req).await {
                    return Err(Error::from_rpc(e));
                }
                renew_batch_tx(wbx, journal, journal_path, pos, chunk).await?;
            }
            None => {
                let mined_nonce = provider.get_transaction_count(journal.sender).latest().await?;
                // A node can show the nonce taken a moment before it serves the receipt of the
                // very transaction that took it (anvil commits the state first): look again
                // before deciding that another transaction took it, which would pay twice.
                if mined_nonce > entry.nonce && receipt_soon(provider, entry.hash).await? {
                    continue;
                }
                if mined_nonce > entry.nonce {
                    // Its nonce went to another transaction: this one can never be mined.
                    renew_batch_tx(wbx, journal, journal_path, pos, chunk).await?;
                } else {
                    // Pending, or dropped: the same bytes again, then wait.
                    let tx =
                        SignedTx { nonce: entry.nonce, hash: entry.hash, raw: entry.raw.clone() };
                    broadcast(provider, &tx).await?;
                    wait_for(provider, entry.hash, journal.sender, entry.nonce).await?;
                }
            }
        }
    }
}

async fn renew_batch_tx(
    wbx: &Wbx,
    journal: &mut Journal,
    journal_path: &Path,
    pos: usize,
    chunk: &[Payout],
) -> Result<()> {
    let tx = sign_batch(wbx, journal.bucket, chunk).await?;
    let entry = &mut journal.batches[pos];
    entry.abandoned.push(entry.hash);
    entry.nonce = tx.nonce;
    entry.hash = tx.hash;
    entry.raw = tx.raw.clone();
    journal.save(journal_path)?;
    broadcast(wbx.provider(), &tx).await
}

async fn sign_batch(wbx: &Wbx, bucket: Bucket, chunk: &[Payout]) -> Result<SignedTx> {
    let sender = wbx.sender()?;
    let provider = wbx.provider();
    let call = WebexToken::allocateBatchCall {
        bucket: bucket.index(),
        recipients: chunk.iter().map(|r| r.to).collect(),
        amounts: chunk.iter().map(|r| r.amount.raw()).collect(),
    };
    let req = TransactionRequest::default()
        .with_from(sender)
        .with_to(wbx.deployment().token)
        .with_input(call.abi_encode());
    // Estimating also simulates: a batch that would revert is refused here, unsent.
    let (nonce, gas, fees) = tokio::try_join!(
        async { provider.get_transaction_count(sender).pending().await.map_err(Error::from_rpc) },
        async { provider.estimate_gas(req.clone()).await.map_err(Error::from_rpc) },
        wbx.fees_to_pay(),
    )?;
    let req = req
        .with_nonce(nonce)
        .with_chain_id(wbx.connection().chain_id())
        .with_gas_limit(gas + gas / 5)
        .with_max_fee_per_gas(fees.0)
        .with_max_priority_fee_per_gas(fees.1);
    let signer = wbx.connection().signer().ok_or(Error::NoSigner)?.clone();
    let envelope = <EthereumWallet as NetworkWallet<alloy::network::Ethereum>>::sign_request(
        &EthereumWallet::from(signer),
        req,
    )
    .await
    .map_err(|e| Error::Other(format!("signing failed: {e}")))?;
    Ok(SignedTx { nonce, hash: *envelope.tx_hash(), raw: envelope.encoded_2718().into() })
}

async fn broadcast(provider: &alloy::providers::DynProvider, tx: &SignedTx) -> Result<()> {
    match provider.send_raw_transaction(&tx.raw).await {
        Ok(_) => Ok(()),
        Err(e) => match Error::from_rpc(e) {
            // In the node's pool, or mined already by an earlier run: the receipt will tell.
            Error::AlreadyKnown { .. } | Error::NonceTooLow { .. } => Ok(()),
            other => Err(other),
        },
    }
}

/// Waits until the transaction is mined or its nonce is taken by another one.
async fn wait_for(
    provider: &alloy::providers::DynProvider,
    hash: TxHash,
    sender: Address,
    nonce: u64,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + crate::client::DEFAULT_RECEIPT_TIMEOUT;
    let mut delay = Duration::from_millis(20);
    loop {
        if provider.get_transaction_receipt(hash).await?.is_some() {
            return Ok(());
        }
        if provider.get_transaction_count(sender).latest().await? > nonce {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Error::Other(format!(
                "batch transaction {hash} was not mined in time; run the command again to resume (nothing is paid twice)"
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Whether a receipt of `hash` appears within two seconds.
async fn receipt_soon(provider: &alloy::providers::DynProvider, hash: TxHash) -> Result<bool> {
    for _ in 0..40 {
        if provider.get_transaction_receipt(hash).await?.is_some() {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(false)
}

/// keccak256 of a payout file's bytes, which ties a journal to its file.
pub fn file_hash(bytes: &[u8]) -> B256 {
    keccak256(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_sits_beside_the_file() {
        assert_eq!(
            Journal::path_for(Path::new("/a/b/rewards.csv")),
            Path::new("/a/b/rewards.csv.journal.json")
        );
    }
}
