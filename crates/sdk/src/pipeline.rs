//! Sending many transactions from one signer at once: nonces assigned locally, fees read once,
//! every transaction signed locally and in flight before the first receipt is awaited, and each
//! send retried with backoff on transient RPC errors.
//!
//! Signing locally gives each transaction its hash before it is sent, so a retried send that had in
//! fact reached the node ("already known", "nonce too low") is recognised, not sent twice.

use crate::{
    connection::Connection,
    error::{Error, Result},
};
use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::TxHash,
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use futures::{StreamExt, TryStreamExt, stream};
use std::time::Duration;

/// Sends in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 64;
const MAX_ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

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
    wallet: EthereumWallet,
    next_nonce: u64,
    max_fee: u128,
    priority_fee: u128,
    concurrency: usize,
}

impl Pipeline {
    /// Starts at the signer's pending nonce, with fees from the node's current estimate.
    pub async fn new(conn: &Connection) -> Result<Self> {
        let sender = conn.require_sender()?;
        let signer = conn.signer().ok_or(Error::NoSigner)?.clone();
        let p = conn.provider();
        let (nonce, fees) = tokio::try_join!(
            async { p.get_transaction_count(sender).pending().await },
            p.estimate_eip1559_fees()
        )?;
        Ok(Self {
            conn: conn.clone(),
            wallet: EthereumWallet::from(signer),
            next_nonce: nonce,
            max_fee: fees.max_fee_per_gas,
            priority_fee: fees.max_priority_fee_per_gas,
            concurrency: DEFAULT_CONCURRENCY,
        })
    }

    /// Sets how many sends may be in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The nonce the next transaction will get.
    pub fn next_nonce(&self) -> u64 {
        self.next_nonce
    }

    /// Estimates gas (concurrently), assigns nonces in order, signs and sends every request.
    /// Returns the hashes in request order. A request without a gas limit is estimated.
    pub async fn submit(&mut self, requests: Vec<TransactionRequest>) -> Result<Vec<TxHash>> {
        let sender = self.conn.require_sender()?;
        let chain_id = self.conn.chain_id();
        let provider = self.conn.provider().clone();
        let first = self.next_nonce;
        let prepared: Vec<TransactionRequest> = stream::iter(requests.into_iter().enumerate())
            .map(|(i, req)| {
                let provider = provider.clone();
                let (max_fee, priority_fee) = (self.max_fee, self.priority_fee);
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
        self.next_nonce = first + prepared.len() as u64;

        let mut signed = Vec::with_capacity(prepared.len());
        for req in prepared {
            let envelope =
                <EthereumWallet as NetworkWallet<alloy::network::Ethereum>>::sign_request(
                    &self.wallet,
                    req,
                )
                .await
                .map_err(|e| Error::Other(format!("signing failed: {e}")))?;
            signed.push((*envelope.tx_hash(), envelope.encoded_2718()));
        }
        stream::iter(signed)
            .map(|(hash, raw)| {
                let provider = provider.clone();
                async move { send_raw_with_retry(&provider, hash, &raw).await.map(|_| hash) }
            })
            .buffered(self.concurrency)
            .try_collect()
            .await
    }

    /// Waits until every transaction is mined and returns the receipts in order.
    pub async fn confirm(&self, hashes: &[TxHash]) -> Result<Vec<TransactionReceipt>> {
        let provider = self.conn.provider().clone();
        stream::iter(hashes.iter().copied())
            .map(|hash| {
                let provider = provider.clone();
                async move { wait_receipt(&provider, hash).await }
            })
            .buffered(self.concurrency)
            .try_collect()
            .await
    }

    /// [`Self::submit`] then [`Self::confirm`].
    pub async fn run(
        &mut self,
        requests: Vec<TransactionRequest>,
    ) -> Result<Vec<TransactionReceipt>> {
        let hashes = self.submit(requests).await?;
        self.confirm(&hashes).await
    }
}

async fn send_raw_with_retry(
    provider: &alloy::providers::DynProvider,
    hash: TxHash,
    raw: &[u8],
) -> Result<()> {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=MAX_ATTEMPTS {
        match provider.send_raw_transaction(raw).await {
            Ok(_) => return Ok(()),
            Err(e) => {
                let message = e.to_string().to_lowercase();
                if message.contains("already known") || message.contains("already imported") {
                    return Ok(());
                }
                let err = Error::from_rpc(e);
                // A retry of a send that had reached the node: it is known by its hash.
                if matches!(err, Error::NonceTooLow { .. })
                    && provider.get_transaction_by_hash(hash).await.ok().flatten().is_some()
                {
                    return Ok(());
                }
                if !err.is_transient() || attempt == MAX_ATTEMPTS {
                    return Err(err);
                }
                tracing::warn!(%hash, attempt, error = %err, "send failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// Polls for a receipt until it appears; transient RPC errors are retried.
pub async fn wait_receipt(
    provider: &alloy::providers::DynProvider,
    hash: TxHash,
) -> Result<TransactionReceipt> {
    let mut delay = Duration::from_millis(20);
    let deadline = tokio::time::Instant::now() + crate::client::DEFAULT_RECEIPT_TIMEOUT;
    loop {
        match provider.get_transaction_receipt(hash).await {
            Ok(Some(r)) => return Ok(r),
            Ok(None) => {}
            Err(e) => {
                let err = Error::from_rpc(e);
                if !err.is_transient() {
                    return Err(err);
                }
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Error::Other(format!(
                "transaction {hash} was not mined in time: it may be stuck (`wbx doctor tx {hash}`)"
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}
