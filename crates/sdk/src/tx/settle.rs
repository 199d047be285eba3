//! What became of a transaction, decided from evidence the chain gives, and nowhere else.
//!
//! A transaction is tracked by its sender, its nonce and every version signed at that nonce (an
//! original and its fee-bumped replacements: only one of them can ever be mined). [`fate`] looks
//! once and answers:
//!
//! - [`Fate::Mined`]: a version has a receipt.
//! - [`Fate::Pending`]: the node knows a version (in its pool, or mined with the receipt not served
//!   yet), or the nonce is used and no evidence of what used it has been found yet.
//! - [`Fate::Dropped`]: the node knows no version and the nonce is still free: broadcasting the same
//!   bytes again is safe (same nonce, same hash), and it is what [`settle`] does.
//! - [`Fate::Replaced`]: another transaction used the nonce, and here it is: found in the block
//!   where the sender's nonce count passed this nonce, with its hash, which is none of ours.
//!
//! "The nonce moved and no receipt came back" is never taken for a replacement: a hosted provider
//! load-balances over backends that lag each other by seconds or blocks, so one answers the nonce
//! and the next has no receipt yet. Only the other transaction itself, in a block, proves it, and
//! [`settle`] waits for that block to be `confirmations` deep before saying so. A backend that lags
//! cannot fake that evidence: it can only fail to show it, which reads as "pending".

use crate::error::{Error, Result};
use alloy::{
    consensus::Transaction as _,
    eips::{BlockId, BlockNumberOrTag},
    network::TransactionResponse as _,
    primitives::{Address, Bytes, TxHash, U64},
    providers::{DynProvider, Provider},
    rpc::{
        client::{BatchRequest, Waiter},
        types::{Transaction, TransactionReceipt},
    },
};
use futures::future::try_join_all;
use std::time::Duration;

/// A transaction to settle: a sender's nonce and every version signed at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The sender.
    pub from: Address,
    /// The nonce all versions share.
    pub nonce: u64,
    /// The hash of every version, oldest first.
    pub versions: Vec<TxHash>,
    /// A block at or before the first broadcast: where the search for the block that used the
    /// nonce starts.
    pub since_block: u64,
}

impl Tracked {
    /// One version, signed at `nonce` when the chain was at `since_block`.
    pub fn new(from: Address, nonce: u64, hash: TxHash, since_block: u64) -> Self {
        Self { from, nonce, versions: vec![hash], since_block }
    }

    /// The newest version.
    pub fn latest(&self) -> TxHash {
        *self.versions.last().expect("a tracked transaction has a version")
    }
}

/// What became of a tracked transaction, at one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// A version was mined (successfully or not: see the receipt's status).
    Mined(Box<TransactionReceipt>),
    /// The node knows a version and it is not mined yet, or it is mined in `in_block` and the
    /// receipt is not served yet, or the nonce is used and what used it is not shown yet.
    Pending {
        /// The block a version was seen in, when the node said.
        in_block: Option<u64>,
    },
    /// No version is known to the node and the nonce is free: the same bytes may be sent again.
    Dropped,
    /// Another transaction, `by`, used the nonce in `block`: none of the versions can ever be mined.
    Replaced {
        /// The transaction that used the nonce.
        by: TxHash,
        /// Its block.
        block: u64,
    },
}

/// How a tracked transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// A version was mined, `confirmations` deep; check the receipt's status.
    Mined(Box<TransactionReceipt>),
    /// Another transaction used the nonce, `confirmations` deep.
    Replaced {
        /// The transaction that used the nonce.
        by: TxHash,
        /// Its block.
        block: u64,
    },
}

/// How [`settle`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleOptions {
    /// Give up (with [`Error::NotSettled`]) after this long.
    pub timeout: Duration,
    /// Blocks a receipt or a replacing transaction must be deep before it counts (1: in a block).
    pub confirmations: u64,
    /// The first wait between two looks; it doubles up to `max_poll`.
    pub min_poll: Duration,
    /// The longest wait between two looks.
    pub max_poll: Duration,
    /// The least time between two broadcasts of a dropped transaction.
    pub rebroadcast_every: Duration,
}

impl Default for SettleOptions {
    fn default() -> Self {
        Self {
            timeout: crate::client::DEFAULT_RECEIPT_TIMEOUT,
            confirmations: 1,
            // 20 ms on a fast local chain rather than alloy's 250 ms block heartbeat, whose
            // interval would dominate the latency of every send.
            min_poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(500),
            rebroadcast_every: Duration::from_secs(1),
        }
    }
}

impl SettleOptions {
    /// These options with another timeout.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }
}

/// Looks once at what became of `tracked`. See the module documentation for the rules.
///
/// The receipts, the transactions and the sender's nonce are read in one JSON-RPC batch: one
/// round trip, and one consistent view where a provider sends a batch to one backend. (Two
/// requests per look would, behind a round-robin over two backends, always ask the one that lags
/// for the receipt: a look that never ends.)
pub async fn fate(provider: &DynProvider, tracked: &Tracked) -> Result<Fate> {
    let client = provider.client();
    let mut batch = BatchRequest::new(client);
    let add = "a JSON-RPC request serialises";
    let receipts: Vec<Waiter<Option<TransactionReceipt>>> = tracked
        .versions
        .iter()
        .map(|h| batch.add_call("eth_getTransactionReceipt", &(h,)).expect(add))
        .collect();
    let known: Vec<Waiter<Option<Transaction>>> = tracked
        .versions
        .iter()
        .map(|h| batch.add_call("eth_getTransactionByHash", &(h,)).expect(add))
        .collect();
    let used: Waiter<U64> = batch
        .add_call("eth_getTransactionCount", &(tracked.from, BlockNumberOrTag::Latest))
        .expect(add);
    batch.send().await?;
    let receipts = try_join_all(receipts).await?;
    let known = try_join_all(known).await?;
    let used = used.await?.to::<u64>();
    if let Some(r) = receipts.into_iter().flatten().next() {
        return Ok(Fate::Mined(Box::new(r)));
    }
    if let Some(tx) = known.iter().flatten().next() {
        return Ok(Fate::Pending { in_block: tx.block_number });
    }
    if used <= tracked.nonce {
        return Ok(Fate::Dropped);
    }
    Ok(match nonce_user(provider, tracked.from, tracked.nonce, tracked.since_block).await {
        Some((block, hash)) if tracked.versions.contains(&hash) => {
            Fate::Pending { in_block: Some(block) }
        }
        Some((block, by)) => Fate::Replaced { by, block },
        None => Fate::Pending { in_block: None },
    })
}

/// Finds the transaction of `from` with `nonce` on chain: the block where the sender's count of
/// mined transactions passed `nonce` (a binary search over counts at past blocks, from `since`),
/// then that transaction in the block. `None` when the node cannot show it (yet): a backend behind
/// the one that counted, or a node that keeps no state that old. That is no evidence of anything.
pub async fn nonce_user(
    provider: &DynProvider,
    from: Address,
    nonce: u64,
    since: u64,
) -> Option<(u64, TxHash)> {
    // Each read is tried twice: behind a round-robin, the second goes to another backend.
    let count = |block: u64| async move {
        for _ in 0..2 {
            let at = BlockId::number(block);
            if let Ok(n) = provider.get_transaction_count(from).block_id(at).await {
                return Some(n);
            }
        }
        None
    };
    let head = provider.get_block_number().await.ok()?;
    if count(head).await? <= nonce {
        return None;
    }
    // `lo`: a block where the nonce was still free. `since` should be one; a caller's view of it
    // may have come from a backend ahead of this one, so step back until it is.
    let mut lo = since.min(head);
    let mut step = 1;
    while count(lo).await? > nonce {
        if lo == 0 {
            return None; // used in genesis: not a transaction to find
        }
        lo = lo.saturating_sub(step);
        step *= 2;
    }
    let mut hi = head;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if count(mid).await? > nonce {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let block = provider.get_block_by_number(BlockNumberOrTag::Number(hi)).full().await.ok()??;
    let tx =
        block.transactions.into_transactions().find(|t| t.from() == from && t.nonce() == nonce)?;
    Some((hi, tx.tx_hash()))
}

/// Waits until `tracked` is mined or provably replaced, `confirmations` deep, broadcasting the
/// newest of `raw` (the signed versions, any order) again whenever the node has dropped it.
/// Transient RPC errors are retried; after `timeout` the error says where it stands.
pub async fn settle(
    provider: &DynProvider,
    tracked: &Tracked,
    raw: &[Bytes],
    options: &SettleOptions,
) -> Result<Settled> {
    let started = tokio::time::Instant::now();
    let deadline = started + options.timeout;
    let mut delay = options.min_poll;
    let mut last_broadcast: Option<tokio::time::Instant> = None;
    let mut last_refusal: Option<String> = None;
    let mut last_seen: String;
    loop {
        let looked = fate(provider, tracked).await;
        tracing::trace!(nonce = tracked.nonce, hash = %tracked.latest(), ?looked, "fate");
        match looked {
            Ok(Fate::Mined(receipt)) => {
                match deep_enough(provider, receipt.block_number, options).await? {
                    Depth::Deep => {
                        if options.confirmations <= 1 || still_canonical(provider, &receipt).await?
                        {
                            return Ok(Settled::Mined(receipt));
                        }
                        last_seen = "mined, then reorganised away".into();
                    }
                    Depth::Shallow(n) => {
                        last_seen = format!("mined, {n} of {} confirmations", options.confirmations)
                    }
                }
            }
            Ok(Fate::Replaced { by, block }) => {
                match deep_enough(provider, Some(block), options).await? {
                    Depth::Deep => return Ok(Settled::Replaced { by, block }),
                    Depth::Shallow(n) => {
                        last_seen = format!(
                            "nonce used by {by} in block {block}, {n} of {} confirmations",
                            options.confirmations
                        )
                    }
                }
            }
            Ok(Fate::Pending { in_block }) => {
                last_seen = match in_block {
                    Some(b) => format!("mined in block {b}, receipt not served yet"),
                    None => "pending".into(),
                };
            }
            Ok(Fate::Dropped) => {
                last_seen = "not known to the node, nonce still free".into();
                let due = last_broadcast.is_none_or(|t| t.elapsed() >= options.rebroadcast_every);
                if let (true, Some(newest)) = (due, raw.last()) {
                    last_broadcast = Some(tokio::time::Instant::now());
                    match super::broadcast(provider, newest).await {
                        Ok(_) => delay = options.min_poll,
                        Err(e) => {
                            tracing::warn!(nonce = tracked.nonce, hash = %tracked.latest(), error = %e, "the node refused a dropped transaction sent again");
                            last_refusal = Some(e.to_string());
                        }
                    }
                }
            }
            Err(e) if e.is_transient() || matches!(e, Error::Rpc(_)) => {
                last_seen = format!("the node did not answer ({e})");
            }
            Err(e) => return Err(e),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::NotSettled {
                hash: tracked.latest(),
                from: tracked.from,
                nonce: tracked.nonce,
                waited: started.elapsed().as_secs(),
                state: match last_refusal {
                    Some(refusal) => {
                        format!("{last_seen}; sent again, the node refused it: {refusal}")
                    }
                    None => last_seen,
                },
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(options.max_poll);
    }
}

enum Depth {
    Deep,
    Shallow(u64),
}

async fn deep_enough(
    provider: &DynProvider,
    block: Option<u64>,
    options: &SettleOptions,
) -> Result<Depth> {
    if options.confirmations <= 1 {
        return Ok(Depth::Deep);
    }
    let Some(block) = block else { return Ok(Depth::Shallow(0)) };
    let head = provider.get_block_number().await?;
    let depth = (head + 1).saturating_sub(block);
    Ok(if depth >= options.confirmations { Depth::Deep } else { Depth::Shallow(depth) })
}

/// Whether the receipt's block is still the chain's block at that height.
async fn still_canonical(provider: &DynProvider, receipt: &TransactionReceipt) -> Result<bool> {
    let (Some(number), Some(hash)) = (receipt.block_number, receipt.block_hash) else {
        return Ok(false);
    };
    let block = provider.get_block_by_number(BlockNumberOrTag::Number(number)).await?;
    Ok(block.is_some_and(|b| b.header.hash == hash))
}
