//! Batch payouts from a bucket, from a file of `address,amount` rows, exactly once.
//!
//! Every row is checked before anything is sent ([`parse_payouts`]: the error names the line). Rows
//! are paid in batches of `allocateBatch`, and the guarantee that no batch is paid twice is made
//! on chain, not here: each batch carries a payment id derived from the file's hash, the bucket and
//! the batch's index ([`PaymentId::for_batch`]), and the token refuses a second payment with an id it
//! has recorded. No retry, lost journal, second machine or copied file can get past it.
//!
//! On top of that guarantee a run also keeps its promise of "nothing lost":
//! - Before sending anything it asks the token which of the file's ids are paid, and checks that
//!   each paid one paid exactly the rows this run would (a file paid earlier in batches of another
//!   size stops the run, naming the size to use).
//! - A journal beside the file records each batch's signed transaction *before* it is broadcast,
//!   so a run that is killed or loses its RPC half way resumes it rather than signing anew.
//! - What became of each transaction is decided by [`crate::tx::settle()`] from evidence on chain:
//!   a dropped one is broadcast again unchanged (same nonce, same hash), and a batch is signed
//!   anew only when its transaction reverted or another transaction provably took its nonce, and
//!   then only after the token says its id is still unpaid.
//! - Up to `in_flight` batches are in flight at once, with consecutive nonces.

use crate::{
    amount::Amount,
    client::Wbx,
    error::{Error, Result, Revert},
    names::Bucket,
    payment::{self, PaymentId, RecordedPayment},
    tx::{self, SettleOptions, Settled, SignedTx, Tracked},
};
use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, TxHash, U256, keccak256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
};
use futures::{StreamExt, TryStreamExt, stream, stream::FuturesUnordered};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};
use wbx_contracts::WebexToken::{self, WebexTokenErrors};

mod csv;
pub use csv::{
    AddressError, CsvError, Payout, check_recipients, decode_text, parse_address, parse_payouts,
};

/// The journal format this version writes and reads.
pub const JOURNAL_VERSION: u32 = 2;
/// Batches in flight at once by default.
pub const DEFAULT_IN_FLIGHT: usize = 16;
/// Transactions a batch may lose (reverted, or their nonce taken) in one run before it stops.
const MAX_RESIGNS: usize = 3;
/// Ids asked about in one `paymentBlocks` call.
const IDS_PER_CALL: usize = 1000;

/// Where a batch stands in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchState {
    /// Signed and written down; broadcast (or about to be).
    Sent,
    /// Paid: the token records its id.
    Paid,
}

/// One signed version of a batch's transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentVersion {
    /// Its hash.
    pub hash: TxHash,
    /// The signed transaction, to broadcast again unchanged if the node drops it.
    pub raw: Bytes,
}

/// One batch in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalBatch {
    /// Index of the batch (rows `index * batch_size ..`).
    pub index: usize,
    /// Its payment id.
    pub id: PaymentId,
    /// Where it stands.
    pub state: BatchState,
    /// Nonce of its transaction.
    pub nonce: u64,
    /// The chain's head when it was signed.
    pub since_block: u64,
    /// Every version signed at `nonce`, oldest first.
    pub versions: Vec<SentVersion>,
    /// Earlier transactions of this batch that provably paid nothing (reverted, or their nonce
    /// taken by another transaction).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abandoned: Vec<TxHash>,
    /// The transaction that paid it, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_by: Option<TxHash>,
    /// The block it was paid in, once paid: later reads are made at or after it, so a provider
    /// backend that lags behind the one that served the receipt cannot make it look unpaid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_in_block: Option<u64>,
}

impl JournalBatch {
    fn tracked(&self, from: Address) -> Tracked {
        Tracked {
            from,
            nonce: self.nonce,
            versions: self.versions.iter().map(|v| v.hash).collect(),
            since_block: self.since_block,
        }
    }

    fn raw(&self) -> Vec<Bytes> {
        self.versions.iter().map(|v| v.raw.clone()).collect()
    }
}

/// The journal kept beside a payout file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// The format ([`JOURNAL_VERSION`]).
    #[serde(default)]
    pub version: u32,
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
    /// Batches sent so far.
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

    fn batch_mut(&mut self, index: usize) -> Option<&mut JournalBatch> {
        self.batches.iter_mut().find(|b| b.index == index)
    }
}

/// How a payout runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayOptions {
    /// Rows per batch.
    pub batch_size: usize,
    /// Batches in flight at once.
    pub in_flight: usize,
    /// How long to wait for one transaction before the run stops (to be run again).
    pub settle: SettleOptions,
}

impl Default for PayOptions {
    fn default() -> Self {
        Self { batch_size: 100, in_flight: DEFAULT_IN_FLIGHT, settle: SettleOptions::default() }
    }
}

/// Why a run sent more than one transaction for a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resend {
    /// The batch (1-based, as printed).
    pub batch: usize,
    /// The transaction that paid nothing.
    pub tx: TxHash,
    /// Why it paid nothing, and what was done.
    pub reason: String,
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
    /// Batches paid by transactions mined during this run.
    pub paid_now: usize,
    /// Of those, the batches whose transaction an earlier run had signed and written down: this
    /// run settled it (broadcasting the same bytes again if the node had dropped it).
    pub resumed: usize,
    /// Batches the token already recorded as paid when this run started (by earlier runs).
    pub paid_earlier: usize,
    /// Batches found paid during this run by a transaction it did not send (another machine).
    pub paid_elsewhere: usize,
    /// Transactions this run signed and broadcast (fee-bumped versions included).
    pub transactions_sent: usize,
    /// Why this run sent more transactions than the batches it paid, one line per extra one.
    pub resent: Vec<Resend>,
    /// The transactions that paid this run's batches, in batch order.
    pub transactions: Vec<TxHash>,
    /// The journal file.
    pub journal: PathBuf,
}

/// keccak256 of a payout file's bytes, which ties a journal and the payment ids to its file.
pub fn file_hash(bytes: &[u8]) -> B256 {
    keccak256(bytes)
}

/// Pays `rows` from `bucket` in batches, exactly once, journaled at `journal_path`; `progress` is
/// told the number of rows paid so far after every batch.
pub async fn pay(
    wbx: &Wbx,
    bucket: Bucket,
    rows: &[Payout],
    file_hash: B256,
    options: PayOptions,
    journal_path: &Path,
    mut progress: impl FnMut(usize),
) -> Result<PayoutReport> {
    let sender = wbx.sender()?;
    let batch_size = options.batch_size.max(1);
    let chunks: Vec<&[Payout]> = rows.chunks(batch_size).collect();
    let ids: Vec<PaymentId> =
        (0..chunks.len()).map(|i| PaymentId::for_batch(file_hash, bucket, i as u64)).collect();
    let mut journal = open_journal(wbx, bucket, file_hash, batch_size, journal_path).await?;

    // What the token already records, before anything is sent: every id this file could have
    // had under any batch size (index < rows), so that a file paid in batches of another size is
    // found, not paid again in differently cut batches.
    let all_ids: Vec<PaymentId> =
        (0..rows.len()).map(|i| PaymentId::for_batch(file_hash, bucket, i as u64)).collect();
    let known = journal.batches.iter().filter_map(|b| b.paid_in_block).max();
    let recorded = payment_blocks(wbx, &all_ids, known).await?;
    let mut paid: BTreeMap<usize, (TxHash, u64)> = BTreeMap::new();
    let checks = recorded.iter().enumerate().filter_map(|(i, block)| block.map(|b| (i, b))).map(
        |(i, block)| {
            let id = all_ids[i];
            async move {
                let found = payment::recorded_in(wbx, id, block).await?;
                Ok::<_, Error>((i, found))
            }
        },
    );
    let found: Vec<(usize, RecordedPayment)> =
        stream::iter(checks).buffered(16).try_collect().await?;
    for (i, by) in found {
        match chunks.get(i) {
            Some(chunk) if by.pays(bucket, &rows_of(chunk)) => {
                paid.insert(i, (by.tx, by.block));
            }
            _ => {
                return Err(Error::BadInput(format!(
                    "batch {} of this file was already paid with other rows, in transaction {} ({} recipients a batch): an earlier run cut the file into batches of another size; run again with --batch-size {} (nothing was sent)",
                    i + 1,
                    by.tx,
                    by.paid.len(),
                    by.paid.len()
                )));
            }
        }
    }
    for b in &journal.batches {
        if b.state == BatchState::Paid && !paid.contains_key(&b.index) {
            return Err(Error::Other(format!(
                "the journal {} records batch {} as paid, but the token records no payment {}: the journal was written on another chain (a restarted local node?): move it away to start over (nothing is paid twice)",
                journal_path.display(),
                b.index + 1,
                b.id
            )));
        }
    }

    // The bucket must hold what is still to pay.
    let unpaid: U256 = chunks
        .iter()
        .enumerate()
        .filter(|(i, _)| !paid.contains_key(i))
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
        total: Amount::from_raw(rows.iter().map(|r| r.amount.raw()).sum()),
        batches: chunks.len(),
        paid_now: 0,
        resumed: 0,
        paid_earlier: paid.len(),
        paid_elsewhere: 0,
        transactions_sent: 0,
        resent: Vec::new(),
        transactions: Vec::new(),
        journal: journal_path.to_path_buf(),
    };
    for (i, (by, block)) in &paid {
        match journal.batch_mut(*i) {
            Some(b) => {
                b.state = BatchState::Paid;
                b.paid_by = Some(*by);
                b.paid_in_block = Some(*block);
            }
            None => mark_paid_elsewhere(&mut journal, *i, ids[*i], *by, *block),
        }
    }
    journal.save(journal_path)?;
    let mut paid_rows: usize = paid.keys().map(|i| chunks[*i].len()).sum();
    progress(paid_rows);

    let mut run = Run {
        wbx,
        sender,
        bucket,
        next_nonce: journal.batches.iter().map(|b| b.nonce + 1).max().unwrap_or(0),
    };
    // Batches an earlier run sent, then the rest in order.
    let mut todo: std::collections::VecDeque<usize> =
        journal.batches.iter().filter(|b| b.state == BatchState::Sent).map(|b| b.index).collect();
    let journaled: std::collections::BTreeSet<usize> =
        journal.batches.iter().map(|b| b.index).collect();
    todo.extend((0..chunks.len()).filter(|i| !paid.contains_key(i) && !journaled.contains(i)));
    // Transactions that paid nothing, carried over to the batch's next transaction, and how often
    // each batch was signed anew (a nonce taken again and again is not retried for ever).
    let mut carried: BTreeMap<usize, Vec<TxHash>> = BTreeMap::new();
    let mut resumed = std::collections::BTreeSet::new();
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < options.in_flight.max(1)
            && let Some(index) = todo.pop_front()
        {
            let sent_before =
                journal.batches.iter().any(|b| b.index == index && b.state == BatchState::Sent);
            if sent_before {
                resumed.insert(index);
            } else {
                match run.sign(index, ids[index], chunks[index]).await {
                    Ok(Signed::Tx(tx, since_block)) => {
                        journal.batches.push(JournalBatch {
                            index,
                            id: ids[index],
                            state: BatchState::Sent,
                            nonce: tx.nonce,
                            since_block,
                            versions: vec![SentVersion { hash: tx.hash, raw: tx.raw.clone() }],
                            abandoned: carried.remove(&index).unwrap_or_default(),
                            paid_by: None,
                            paid_in_block: None,
                        });
                        tracing::debug!(batch = index + 1, nonce = tx.nonce, hash = %tx.hash, "signed");
                        // Written down before it is broadcast: a run killed now resumes it.
                        journal.save(journal_path)?;
                        report.transactions_sent += 1;
                        tx::broadcast(wbx.provider(), &tx.raw).await?;
                    }
                    Ok(Signed::AlreadyPaid(by, block)) => {
                        mark_paid_elsewhere(&mut journal, index, ids[index], by, block);
                        journal.save(journal_path)?;
                        report.paid_elsewhere += 1;
                        paid_rows += chunks[index].len();
                        progress(paid_rows);
                        continue;
                    }
                    Err(e) => {
                        drain(in_flight, &mut journal, journal_path).await;
                        return Err(e);
                    }
                }
            }
            let entry =
                journal.batches.iter().find(|b| b.index == index).expect("journaled").clone();
            let settle_options = options.settle;
            in_flight.push(async move {
                let outcome = tx::settle(
                    wbx.provider(),
                    &entry.tracked(sender),
                    &entry.raw(),
                    &settle_options,
                )
                .await;
                (entry.index, outcome)
            });
        }
        let Some((index, outcome)) = in_flight.next().await else { break };
        tracing::debug!(batch = index + 1, ?outcome, "batch settled");
        let next = match outcome {
            Ok(Settled::Mined(receipt)) if receipt.status() => {
                let b = journal.batch_mut(index).expect("journaled");
                b.state = BatchState::Paid;
                b.paid_by = Some(receipt.transaction_hash);
                b.paid_in_block = receipt.block_number;
                report.paid_now += 1;
                report.resumed += usize::from(resumed.contains(&index));
                report.transactions.push(receipt.transaction_hash);
                None
            }
            Ok(Settled::Mined(receipt)) => {
                let reason = run.revert_reason(&receipt, ids[index], chunks[index]).await;
                let at = receipt.block_number.unwrap_or_default();
                Some((receipt.transaction_hash, format!("reverted ({reason})"), at))
            }
            Ok(Settled::Replaced { by, block }) => {
                let hash = journal.batch_mut(index).expect("journaled").versions[0].hash;
                Some((
                    hash,
                    format!(
                        "another transaction of the signer, {by} (block {block}), took its nonce"
                    ),
                    block,
                ))
            }
            Err(e) => {
                drain(in_flight, &mut journal, journal_path).await;
                journal.save(journal_path)?;
                return Err(e);
            }
        };
        if let Some((tx_hash, why, at)) = next {
            tracing::warn!(batch = index + 1, %tx_hash, why, "a batch transaction paid nothing");
            // It paid nothing. The token decides whether the batch is still to pay.
            let b = journal.batch_mut(index).expect("journaled");
            let versions: Vec<TxHash> = b.versions.iter().map(|v| v.hash).collect();
            b.abandoned.extend(versions);
            // Read at the block that settled it, or later: never a backend's older view.
            match payment_block_at(wbx, ids[index], at).await? {
                Some(block) => {
                    let by = payment::recorded_in(wbx, ids[index], block).await?;
                    if !by.pays(bucket, &rows_of(chunks[index])) {
                        return Err(Error::Other(format!(
                            "batch {} was paid with other rows by {}: stop and check who else pays from this file",
                            index + 1,
                            by.tx
                        )));
                    }
                    mark_paid_elsewhere(&mut journal, index, ids[index], by.tx, by.block);
                    report.paid_elsewhere += 1;
                    report.resent.push(Resend {
                        batch: index + 1,
                        tx: tx_hash,
                        reason: format!("{why}; the batch was paid by {}", by.tx),
                    });
                }
                None => {
                    // Forget the dead transaction; the batch is signed anew (after a new check of
                    // its id and a new simulation).
                    let pos =
                        journal.batches.iter().position(|b| b.index == index).expect("journaled");
                    let dead = journal.batches.remove(pos);
                    let resigned = dead.abandoned.len();
                    if resigned > MAX_RESIGNS {
                        journal.save(journal_path)?;
                        drain(in_flight, &mut journal, journal_path).await;
                        return Err(Error::Other(format!(
                            "batch {} was signed {resigned} times and none paid (last: {why}): stop whatever else sends from this account, then run again",
                            index + 1
                        )));
                    }
                    carried.insert(index, dead.abandoned);
                    todo.push_front(index);
                    report.resent.push(Resend {
                        batch: index + 1,
                        tx: tx_hash,
                        reason: format!("{why}; its id is unpaid, so the batch was signed anew"),
                    });
                }
            }
        }
        journal.save(journal_path)?;
        if journal.batches.iter().any(|b| b.index == index && b.state == BatchState::Paid) {
            paid_rows += chunks[index].len();
            progress(paid_rows);
        }
    }
    report.transactions.sort_by_key(|h| {
        journal
            .batches
            .iter()
            .find(|b| b.paid_by == Some(*h))
            .map(|b| b.index)
            .unwrap_or(usize::MAX)
    });
    Ok(report)
}

/// Waits for what is in flight to settle, saving what it learns, after the run hit an error: the
/// transactions are out, and the journal should say where they stand.
async fn drain(
    mut in_flight: FuturesUnordered<impl std::future::Future<Output = (usize, Result<Settled>)>>,
    journal: &mut Journal,
    journal_path: &Path,
) {
    while let Some((index, outcome)) = in_flight.next().await {
        if let (Ok(Settled::Mined(r)), Some(b)) = (outcome, journal.batch_mut(index))
            && r.status()
        {
            b.state = BatchState::Paid;
            b.paid_by = Some(r.transaction_hash);
            b.paid_in_block = r.block_number;
        }
    }
    let _ = journal.save(journal_path);
}

fn mark_paid_elsewhere(journal: &mut Journal, index: usize, id: PaymentId, by: TxHash, block: u64) {
    match journal.batch_mut(index) {
        Some(b) => {
            b.state = BatchState::Paid;
            b.paid_by = Some(by);
            b.paid_in_block = Some(block);
        }
        None => journal.batches.push(JournalBatch {
            index,
            id,
            state: BatchState::Paid,
            nonce: 0,
            since_block: 0,
            versions: Vec::new(),
            abandoned: Vec::new(),
            paid_by: Some(by),
            paid_in_block: Some(block),
        }),
    }
}

async fn open_journal(
    wbx: &Wbx,
    bucket: Bucket,
    file_hash: B256,
    batch_size: usize,
    path: &Path,
) -> Result<Journal> {
    let sender = wbx.sender()?;
    let genesis = Some(wbx.connection().genesis().await?);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Journal {
                version: JOURNAL_VERSION,
                file_hash,
                chain_id: wbx.connection().chain_id(),
                genesis,
                token: wbx.deployment().token,
                bucket,
                sender,
                batch_size,
                batches: Vec::new(),
            });
        }
        Err(e) => {
            return Err(Error::Other(format!("cannot read the journal {}: {e}", path.display())));
        }
    };
    let j: Journal = serde_json::from_slice(&bytes).map_err(|e| {
        Error::Other(format!(
            "the journal {} is not valid ({e}): move it away and run again (the token records what was paid; nothing is paid twice)",
            path.display()
        ))
    })?;
    if j.version != JOURNAL_VERSION {
        return Err(Error::Other(format!(
            "the journal {} was written by another version of wbx (format {}, this one reads {JOURNAL_VERSION}): finish that run with that version, or move the journal away and run again",
            path.display(),
            j.version
        )));
    }
    let same = j.file_hash == file_hash
        && j.chain_id == wbx.connection().chain_id()
        && j.token == wbx.deployment().token
        && j.bucket == bucket
        && j.sender == sender;
    if !same {
        return Err(Error::Other(format!(
            "the journal {} belongs to another run (file, chain, token, bucket or signer differ): finish that run, or move the journal away to start over",
            path.display()
        )));
    }
    if j.batch_size != batch_size {
        return Err(Error::BadInput(format!(
            "the journal {} was written for batches of {} rows: run again with --batch-size {} (nothing was sent)",
            path.display(),
            j.batch_size,
            j.batch_size
        )));
    }
    if j.genesis.is_some() && j.genesis != genesis {
        return Err(Error::Other(format!(
            "the journal {} was written on another chain with the same id (its genesis block differs: a restarted local node?): what it records was not sent here; move it away to start over",
            path.display()
        )));
    }
    Ok(j)
}

/// The blocks in which the token recorded each of `ids` (`None`: not paid), read at the chain's
/// head or at `at_least`, whichever is later: a block the journal saw a payment in is never read
/// past by a backend that lags behind it.
async fn payment_blocks(
    wbx: &Wbx,
    ids: &[PaymentId],
    at_least: Option<u64>,
) -> Result<Vec<Option<u64>>> {
    let head = wbx.provider().get_block_number().await?;
    let at_block = head.max(at_least.unwrap_or_default());
    let at = BlockId::number(at_block);
    let calls = ids.chunks(IDS_PER_CALL).map(|chunk| {
        let ids: Vec<B256> = chunk.iter().map(|id| id.as_b256()).collect();
        async move {
            read_at_block(wbx, at_block, || {
                let call = wbx.token().paymentBlocks(ids.clone()).block(at);
                async move { call.call().await.map_err(Error::from) }
            })
            .await
        }
    });
    let pages: Vec<Vec<U256>> = stream::iter(calls).buffered(4).try_collect().await?;
    Ok(pages.into_iter().flatten().map(|b| (!b.is_zero()).then(|| b.saturating_to())).collect())
}

/// The block the token recorded `id` in, read at block `at` or later.
async fn payment_block_at(wbx: &Wbx, id: PaymentId, at: u64) -> Result<Option<u64>> {
    let head = wbx.provider().get_block_number().await?;
    let block = BlockId::number(head.max(at));
    let paid = read_at_block(wbx, head.max(at), || {
        let call = wbx.token().paymentBlock(id.as_b256()).block(block);
        async move { call.call().await.map_err(Error::from) }
    })
    .await?;
    Ok((!paid.is_zero()).then(|| paid.saturating_to()))
}

/// A read pinned at block `at`, which a lagging backend may not have yet ("header not found"):
/// tried again for a few seconds before the error is returned. If the node's head is still below
/// `at` by then, the error says what can explain it: a node far behind, or a journal from
/// another chain (its payments in blocks this chain has not made).
async fn read_at_block<T, F, Fut>(wbx: &Wbx, at: u64, read: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut delay = std::time::Duration::from_millis(50);
    for _ in 0..12 {
        match read().await {
            Ok(v) => return Ok(v),
            Err(Error::Revert(r)) => return Err(Error::Revert(r)),
            Err(e) => tracing::debug!(error = %e, "a read at a recent block failed; again"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(1));
    }
    let e = match read().await {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let head = crate::events::chain_head(wbx.provider()).await?;
    Err(if head < at {
        Error::Other(format!(
            "the node's newest block is {head}, but this run must read the token at block {at}, where the journal records a payment: either the node lags behind (run again in a moment), or the journal was written on another chain (a restarted local node?): then move it away to start over; nothing is paid twice"
        ))
    } else {
        Error::Other(format!(
            "the node cannot read the token at block {at}: {e}; run again in a moment"
        ))
    })
}

/// The sending side of one run.
struct Run<'a> {
    wbx: &'a Wbx,
    sender: Address,
    bucket: Bucket,
    next_nonce: u64,
}

enum Signed {
    Tx(SignedTx, u64),
    AlreadyPaid(TxHash, u64),
}

impl Run<'_> {
    fn request(&self, id: PaymentId, chunk: &[Payout]) -> TransactionRequest {
        let call = WebexToken::allocateBatchCall {
            bucket: self.bucket.index(),
            recipients: chunk.iter().map(|r| r.to).collect(),
            amounts: chunk.iter().map(|r| r.amount.raw()).collect(),
            paymentId: id.as_b256(),
        };
        TransactionRequest::default()
            .with_from(self.sender)
            .with_to(self.wbx.deployment().token)
            .with_input(call.abi_encode())
    }

    /// Signs batch `index` at the next nonce after a simulation (the gas estimate): a batch that
    /// would revert is refused unsent, and one whose id is paid meanwhile is reported as such.
    async fn sign(&mut self, index: usize, id: PaymentId, chunk: &[Payout]) -> Result<Signed> {
        let provider = self.wbx.provider();
        let request = self.request(id, chunk);
        let gas = match provider.estimate_gas(request.clone()).await.map_err(Error::from_rpc) {
            Ok(gas) => gas,
            Err(e) if paid_at(&e).is_some() => {
                let block = paid_at(&e).expect("checked");
                let by = payment::recorded_in(self.wbx, id, block).await?;
                if !by.pays(self.bucket, &rows_of(chunk)) {
                    return Err(Error::Other(format!(
                        "batch {} was paid with other rows by {}: stop and check who else pays from this file",
                        index + 1,
                        by.tx
                    )));
                }
                return Ok(Signed::AlreadyPaid(by.tx, by.block));
            }
            Err(e) => return Err(e),
        };
        let (pending, since_block, fees) = tokio::try_join!(
            tx::next_nonce(provider, self.sender),
            async { provider.get_block_number().await.map_err(Error::from_rpc) },
            self.wbx.fees_to_pay(),
        )?;
        let nonce = self.next_nonce.max(pending);
        self.next_nonce = nonce + 1;
        let request = request
            .with_nonce(nonce)
            .with_gas_limit(gas + gas / 5)
            .with_chain_id(self.wbx.connection().chain_id());
        let tx = tx::sign(self.wbx.connection(), request, fees).await?;
        Ok(Signed::Tx(tx, since_block))
    }

    /// Why a mined batch reverted, replayed at its block.
    async fn revert_reason(
        &self,
        receipt: &TransactionReceipt,
        id: PaymentId,
        chunk: &[Payout],
    ) -> String {
        match self.wbx.check_receipt(receipt.clone(), self.request(id, chunk)).await {
            Err(e) => e.revert().map(|r| r.to_string()).unwrap_or_else(|| e.to_string()),
            Ok(_) => "no reason given".into(),
        }
    }
}

fn rows_of(chunk: &[Payout]) -> Vec<(Address, U256)> {
    chunk.iter().map(|r| (r.to, r.amount.raw())).collect()
}

/// The block of the payment an error says was already made.
fn paid_at(e: &Error) -> Option<u64> {
    match e.revert()? {
        Revert::Token(WebexTokenErrors::WbxAlreadyPaid(p)) => Some(p.paidAtBlock.saturating_to()),
        _ => None,
    }
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
