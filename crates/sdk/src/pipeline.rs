//! Sending many transactions from one signer at once: nonces assigned locally, fees read once,
//! every transaction signed locally, up to a window of them in flight before the first is mined,
//! and each send retried with backoff on transient RPC errors.
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
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use futures::{StreamExt, TryStreamExt, stream};
use std::time::Duration;

/// Sends (and estimates) in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Unmined transactions allowed in flight at once.
pub const DEFAULT_WINDOW: usize = 512;
/// With no progress for this long, the oldest unmined transaction is broadcast again.
const STALL: Duration = Duration::from_secs(2);

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
        })
    }

    /// Sets how many sends may be in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
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
    /// unmined, and returns when all are mined. A stalled gap is broadcast again.
    pub async fn send_signed(&self, txs: &[SignedTx]) -> Result<()> {
        let Some(first) = txs.first().map(|t| t.nonce) else { return Ok(()) };
        let provider = self.conn.provider();
        let end = first + txs.len() as u64;
        let mut sent = 0usize;
        let mut mined = self.mined_nonce().await?;
        let mut last_progress = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(10);
        while mined < end {
            // Fill the window.
            let in_flight = (first + sent as u64).saturating_sub(mined.max(first)) as usize;
            let room = self.window.saturating_sub(in_flight).min(txs.len() - sent);
            if room > 0 {
                stream::iter(&txs[sent..sent + room])
                    .map(|tx| send_raw_with_retry(provider, tx.hash, &tx.raw))
                    .buffered(self.concurrency)
                    .try_collect::<Vec<()>>()
                    .await?;
                sent += room;
                delay = Duration::from_millis(10);
                continue;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(200));
            let now_mined = self.mined_nonce().await?;
            if now_mined > mined {
                mined = now_mined;
                last_progress = tokio::time::Instant::now();
            } else if last_progress.elapsed() > STALL {
                // The node lost the oldest one (or never mined it): the same bytes again.
                let gap = &txs[(mined.max(first) - first) as usize];
                tracing::warn!(nonce = gap.nonce, hash = %gap.hash, "no progress; broadcasting the oldest unmined transaction again");
                send_raw_with_retry(provider, gap.hash, &gap.raw).await?;
                last_progress = tokio::time::Instant::now();
            }
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
            .try_collect()
            .await
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
/// a lost answer or "nonce too low" is left to the settlement of the receipts.
async fn send_raw_with_retry(provider: &DynProvider, _hash: TxHash, raw: &[u8]) -> Result<()> {
    crate::tx::broadcast(provider, raw).await.map(|_| ())
}
