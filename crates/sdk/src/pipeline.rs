//! Sending many transactions from one signer at once: nonces assigned locally, fees read once,
//! every transaction signed locally, up to a window of them in flight before the first is mined,
//! broadcast in JSON-RPC batches (several at once), and each send retried with backoff on
//! transient RPC errors.
//!
//! Signing locally gives each transaction its hash before it is sent, so a retried send that had in
//! fact reached the node ("already known", "nonce too low") is recognised, not sent twice, and a
//! transaction the node dropped can be broadcast again unchanged: the same nonce and hash, so it is
//! mined at most once. The window bounds what waits in the node's pool (anvil slows to a halt with
//! thousands of pending transactions from one sender, and real nodes cap them per account).

use crate::{
    connection::Connection,
    error::{Error, Result},
};
use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, TxHash},
    providers::{DynProvider, Provider},
    rpc::{
        client::BatchRequest,
        types::{TransactionReceipt, TransactionRequest},
    },
};
use futures::{StreamExt, TryStreamExt, stream, stream::FuturesUnordered};
use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

/// Estimates (and single sends) in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Signed transactions per JSON-RPC batch when broadcasting.
pub const DEFAULT_BATCH: usize = 100;
/// Broadcast batches in flight at once.
pub const BATCHES_IN_FLIGHT: usize = 4;
/// Unmined transactions allowed in flight at once.
pub const DEFAULT_WINDOW: usize = 512;
/// How often, and how long each time (growing), a nonce the node will not hold yet is tried again
/// (about 5 s in all): its predecessors are on their way.
const GAP_WAITS: u32 = 20;
const GAP_WAIT: Duration = Duration::from_millis(25);
/// With no progress for this long, the oldest unmined transaction is broadcast again.
const STALL: Duration = Duration::from_secs(2);
/// How often the mined nonce is read while the window is full: first often (a local node mines at
/// once), then less and less (a public chain mines every few seconds).
const FIRST_POLL: Duration = Duration::from_millis(2);
const MAX_POLL: Duration = Duration::from_millis(200);

pub use crate::tx::SignedTx;

/// A batch sender for one signer.
///
/// ```no_run
/// # async fn run(conn: wbx_sdk::Connection, calls: Vec<alloy::rpc::types::TransactionRequest>) -> wbx_sdk::Result<()> {
/// let mut pipeline = wbx_sdk::pipeline::Pipeline::new(&conn).await?;
/// let receipts = pipeline.run(calls).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Pipeline {
    conn: Connection,
    sender: Address,
    wallet: EthereumWallet,
    next_nonce: u64,
    max_fee: u128,
    priority_fee: u128,
    concurrency: usize,
    window: usize,
    batch: usize,
    /// Set once the node refused a nonce past a gap (Hardhat takes none while automining): from
    /// then on the transactions go out strictly in nonce order, one batch at a time.
    in_order: AtomicBool,
}

impl Pipeline {
    /// Starts at the signer's pending nonce, with fees from the node's current estimate.
    pub async fn new(conn: &Connection) -> Result<Self> {
        let sender = conn.require_sender()?;
        let signer = conn.signer().ok_or(Error::NoSigner)?.clone();
        let p = conn.provider();
        let (nonce, fees) = tokio::try_join!(crate::tx::next_nonce(p, sender), async {
            p.estimate_eip1559_fees().await.map_err(Error::from_rpc)
        })?;
        Ok(Self {
            conn: conn.clone(),
            sender,
            wallet: EthereumWallet::from(signer),
            next_nonce: nonce,
            max_fee: fees.max_fee_per_gas,
            priority_fee: fees.max_priority_fee_per_gas,
            concurrency: DEFAULT_CONCURRENCY,
            window: DEFAULT_WINDOW,
            batch: DEFAULT_BATCH,
            in_order: AtomicBool::new(false),
        })
    }

    /// Sets how many sends may be in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets how many signed transactions go in one JSON-RPC batch when broadcasting (1: one request
    /// each).
    pub fn batch(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self
    }

    /// Sets how many unmined transactions may be in flight at once.
    pub fn window(mut self, n: usize) -> Self {
        self.window = n.max(1);
        self
    }

    /// The nonce the next transaction will get.
    pub fn next_nonce(&self) -> u64 {
        self.next_nonce
    }

    /// Estimates gas where a request has no limit (concurrently), assigns nonces in order and signs.
    /// Nothing is sent.
    pub async fn sign(&mut self, requests: Vec<TransactionRequest>) -> Result<Vec<SignedTx>> {
        let (sender, chain_id) = (self.sender, self.conn.chain_id());
        let provider = self.conn.provider().clone();
        let first = self.next_nonce;
        let (max_fee, priority_fee) = (self.max_fee, self.priority_fee);
        let prepared: Vec<TransactionRequest> = stream::iter(requests.into_iter().enumerate())
            .map(|(i, req)| {
                let provider = provider.clone();
                async move {
                    let mut req = req
                        .from(sender)
                        .nonce(first + i as u64)
                        .with_chain_id(chain_id)
                        .max_fee_per_gas(max_fee)
                        .max_priority_fee_per_gas(priority_fee);
                    if req.gas.is_none() {
                        let gas =
                            provider.estimate_gas(req.clone()).await.map_err(Error::from_rpc)?;
                        req.set_gas_limit(gas);
                    }
                    Ok::<_, Error>(req)
                }
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let mut signed = Vec::with_capacity(prepared.len());
        for (i, req) in prepared.into_iter().enumerate() {
            let envelope =
                <EthereumWallet as NetworkWallet<alloy::network::Ethereum>>::sign_request(
                    &self.wallet,
                    req,
                )
                .await
                .map_err(|e| Error::Other(format!("signing failed: {e}")))?;
            signed.push(SignedTx {
                nonce: first + i as u64,
                hash: *envelope.tx_hash(),
                raw: envelope.encoded_2718().into(),
            });
        }
        self.next_nonce = first + signed.len() as u64;
        Ok(signed)
    }

    /// Broadcasts signed transactions (consecutive nonces, in order) keeping at most the window
    /// unmined, and returns when all are mined. They go out in JSON-RPC batches, several at once;
    /// a batch the node (or the connection's retry layer) refuses as a whole is sent again one
    /// transaction at a time, so each refusal is judged on its own. A stalled gap is broadcast
    /// again.
    pub async fn send_signed(&self, txs: &[SignedTx]) -> Result<()> {
        let Some(first) = txs.first().map(|t| t.nonce) else { return Ok(()) };
        let provider = self.conn.provider();
        let end = first + txs.len() as u64;
        let mut next = 0;
        let mut in_flight = FuturesUnordered::new();
        let mut mined = self.mined_nonce().await?;
        let mut last_progress = tokio::time::Instant::now();
        let mut delay = FIRST_POLL;
        loop {
            // Keep batches in flight while the window has room: a batch goes out as soon as one
            // is answered, not after a whole window. A node that takes them only in order gets
            // one at a time, each carrying as much as the window allows: fewer round trips for
            // the same work.
            let (most, size) = if self.in_order() {
                (1, self.window.max(self.batch))
            } else {
                (BATCHES_IN_FLIGHT, self.batch)
            };
            let mut blocked = false;
            while next < txs.len() && in_flight.len() < most {
                let chunk = &txs[next..(next + size).min(txs.len())];
                let chunk_end = chunk.last().map_or(first, |t| t.nonce + 1);
                if chunk_end.saturating_sub(mined.max(first)) > self.window as u64 {
                    blocked = true;
                    break;
                }
                in_flight.push(self.broadcast(chunk));
                next += chunk.len();
            }
            if let Some(sent) = in_flight.next().await {
                sent?;
                if !blocked && next < txs.len() {
                    continue;
                }
            } else if mined >= end {
                return Ok(());
            } else {
                // Everything is out (or the window is full): wait for the node to mine.
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_POLL);
            }
            let now_mined = self.mined_nonce().await?;
            if now_mined > mined {
                mined = now_mined;
                last_progress = tokio::time::Instant::now();
                delay = FIRST_POLL;
            } else if in_flight.is_empty() && last_progress.elapsed() > STALL {
                // The node lost the oldest one (or never mined it): the same bytes again.
                let gap = &txs[(mined.max(first) - first) as usize];
                tracing::warn!(nonce = gap.nonce, hash = %gap.hash, "no progress; broadcasting the oldest unmined transaction again");
                send_raw_with_retry(provider, &gap.raw, &self.in_order).await?;
                last_progress = tokio::time::Instant::now();
            }
            if mined >= end && in_flight.is_empty() && next == txs.len() {
                return Ok(());
            }
        }
    }

    /// Whether sends go strictly in nonce order (see [`Pipeline::send_signed`]).
    fn in_order(&self) -> bool {
        self.in_order.load(Ordering::Relaxed)
    }

    /// Sends `txs` in one JSON-RPC batch. A batch refused for overtaking an earlier one (a nonce
    /// past a gap) is sent whole again once the node holds every nonce before it; any other
    /// failure of the batch as a whole (a transport error, or one refused transaction, which
    /// alloy's retry layer turns into a failure of the batch) sends each again on its own with
    /// [`send_raw_with_retry`], which accepts a resend the node already has.
    async fn broadcast(&self, txs: &[SignedTx]) -> Result<()> {
        let provider = self.conn.provider();
        let mut tries = 0;
        while txs.len() > 1 && tries < 3 {
            tries += 1;
            let refusals = self.send_batch(txs).await?;
            if refusals.is_empty() {
                return Ok(());
            }
            if !refusals.iter().any(|e| matches!(e, Error::NonceTooHigh { .. })) {
                break;
            }
            self.in_order.store(true, Ordering::Relaxed);
            self.wait_for_predecessors(txs[0].nonce).await?;
        }
        // One at a time: in nonce order when the node refuses gaps, so each one's predecessor
        // has reached it.
        let concurrency = if self.in_order() { 1 } else { self.concurrency };
        stream::iter(txs)
            .map(|tx| send_raw_with_retry(provider, &tx.raw, &self.in_order))
            .buffered(concurrency)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// One JSON-RPC batch of `eth_sendRawTransaction`: the node's refusals, classified (none when
    /// it took them all).
    async fn send_batch(&self, txs: &[SignedTx]) -> Result<Vec<Error>> {
        let mut batch = BatchRequest::new(self.conn.provider().client());
        let mut waiters = Vec::with_capacity(txs.len());
        for tx in txs {
            let waiter = batch
                .add_call::<_, TxHash>("eth_sendRawTransaction", &(&tx.raw,))
                .map_err(|e| Error::Other(format!("encoding a batch: {e}")))?;
            waiters.push(waiter);
        }
        Ok(match batch.send().await {
            Ok(()) => futures::future::join_all(waiters)
                .await
                .into_iter()
                .filter_map(|r| r.err().map(Error::from_rpc))
                .collect(),
            Err(e) => vec![Error::from_rpc(e)],
        })
    }

    /// Waits (a few seconds at most) until the node holds every nonce below `nonce`: the batches
    /// before it, still on their way.
    async fn wait_for_predecessors(&self, nonce: u64) -> Result<()> {
        let provider = self.conn.provider();
        let deadline = tokio::time::Instant::now() + GAP_WAIT * (GAP_WAITS * (GAP_WAITS + 1) / 2);
        let mut delay = FIRST_POLL;
        while provider.get_transaction_count(self.sender).pending().await? < nonce
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(50));
        }
        Ok(())
    }

    /// The receipts of `txs` (sent by this pipeline), in order, each settled from evidence on chain
    /// ([`crate::tx::settle()`]; a dropped one is broadcast again). A transaction whose nonce another
    /// transaction provably took is an [`Error::Replaced`].
    pub async fn receipts(
        &self,
        txs: &[SignedTx],
        since_block: u64,
    ) -> Result<Vec<TransactionReceipt>> {
        let provider = self.conn.provider().clone();
        let options = crate::tx::SettleOptions::default();
        let sender = self.sender;
        stream::iter(txs.iter().cloned())
            .map(|tx| {
                let provider = provider.clone();
                async move {
                    let tracked = crate::tx::Tracked::new(sender, tx.nonce, tx.hash, since_block);
                    match crate::tx::settle(&provider, &tracked, &[tx.raw], &options).await? {
                        crate::tx::Settled::Mined(r) => Ok(*r),
                        crate::tx::Settled::Replaced { by, block } => {
                            Err(Error::Replaced { hash: tx.hash, nonce: tx.nonce, by, block })
                        }
                    }
                }
            })
            .buffered(self.concurrency)
            .try_collect::<Vec<TransactionReceipt>>()
            .await
            .inspect(|receipts| {
                // What this connection reads next must see the blocks these were mined in.
                let newest = receipts.iter().filter_map(|r| r.block_number).max();
                self.conn.note_written(newest.unwrap_or_default());
            })
    }

    /// Signs, sends within the window, and returns every receipt in request order.
    pub async fn run(
        &mut self,
        requests: Vec<TransactionRequest>,
    ) -> Result<Vec<TransactionReceipt>> {
        let since = self.conn.provider().get_block_number().await?;
        let signed = self.sign(requests).await?;
        self.send_signed(&signed).await?;
        self.receipts(&signed, since).await
    }

    async fn mined_nonce(&self) -> Result<u64> {
        Ok(self.conn.provider().get_transaction_count(self.sender).latest().await?)
    }
}

/// The SDK's one broadcast rule ([`crate::tx::broadcast`]): what the node refuses is an error;
/// a lost answer or "nonce too low" is left to the settlement of the receipts. A nonce the node
/// will not hold yet (its predecessors are still on their way) sets `in_order` and is tried again
/// shortly.
async fn send_raw_with_retry(
    provider: &DynProvider,
    raw: &[u8],
    in_order: &AtomicBool,
) -> Result<()> {
    let mut gap_waits = 0;
    loop {
        match crate::tx::broadcast(provider, raw).await {
            Err(Error::NonceTooHigh { .. }) if gap_waits < GAP_WAITS => {
                in_order.store(true, Ordering::Relaxed);
                gap_waits += 1;
                tokio::time::sleep(GAP_WAIT * gap_waits).await;
            }
            sent => return sent.map(|_| ()),
        }
    }
}
