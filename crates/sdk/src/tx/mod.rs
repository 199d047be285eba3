//! Sending a transaction and learning what became of it: the SDK's one place for both.
//!
//! Every path that sends (each [`crate::Wbx`] operation, the pipeline, batch payouts, deploy, the
//! keeper, `wbx tx bump/cancel`) does the same three things:
//! 1. signs locally ([`sign`]), so the hash is known before anything leaves and a caller can write
//!    it down first;
//! 2. broadcasts through [`broadcast`], whose one rule is that a send whose answer was lost, or
//!    that a node calls "already known" or "nonce too low", is looked up, never signed anew;
//! 3. settles through [`settle()`], which says mined or replaced only from evidence on chain.
//!
//! [`send`] is the three in a row for one transaction.

pub mod journal;
pub mod settle;

pub use journal::SendJournal;
pub use settle::{Fate, SettleOptions, Settled, Tracked, fate, nonce_user, settle};

use crate::{
    connection::Connection,
    error::{Error, Result},
};
use alloy::{
    eips::{BlockId, Encodable2718},
    network::{EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, Bytes, TxHash},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use std::time::Duration;

/// A signed transaction, ready to broadcast (again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// Its nonce.
    pub nonce: u64,
    /// Its hash.
    pub hash: TxHash,
    /// The EIP-2718 encoding.
    pub raw: Bytes,
}

/// How a broadcast went. Either way the transaction's fate is [`settle()`]'s to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// The node took it, or already had it.
    Accepted,
    /// The node says the nonce is used: by this very transaction (a send that had arrived) or by
    /// another one. Only [`fate`] can tell which.
    NonceUsed,
    /// No answer came back (after retries): the transaction may or may not have arrived.
    Uncertain,
}

const BROADCAST_ATTEMPTS: u32 = 4;

/// Sends signed bytes. Transient failures are retried a few times, then reported as
/// [`Broadcast::Uncertain`]; only a refusal by the node (fee below the base fee, insufficient
/// funds, an underpriced replacement, a revert...) is an error, and then the node has not got it.
pub async fn broadcast(provider: &DynProvider, raw: &[u8]) -> Result<Broadcast> {
    let mut backoff = Duration::from_millis(100);
    for attempt in 1..=BROADCAST_ATTEMPTS {
        let err = match provider.send_raw_transaction(raw).await {
            Ok(_) => return Ok(Broadcast::Accepted),
            Err(e) => Error::from_rpc(e),
        };
        match err {
            Error::AlreadyKnown { .. } => return Ok(Broadcast::Accepted),
            Error::NonceTooLow { .. } => return Ok(Broadcast::NonceUsed),
            e if e.is_transient()
                || matches!(&e, Error::Rpc(alloy::transports::RpcError::Transport(_))) =>
            {
                if attempt == BROADCAST_ATTEMPTS {
                    tracing::warn!(error = %e, "no answer to a broadcast: looking the transaction up instead");
                    return Ok(Broadcast::Uncertain);
                }
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            refused => return Err(refused),
        }
    }
    unreachable!("the last attempt returns")
}

/// Fills what `request` lacks for `conn`'s signer (sender, chain id, the pending nonce, a gas limit
/// from an estimate with 20% headroom, the fees given) and signs it. Nothing is sent; a call that
/// would revert is refused here with the decoded reason.
pub async fn sign(
    conn: &Connection,
    request: TransactionRequest,
    fees: (u128, u128),
) -> Result<SignedTx> {
    let from = conn.require_sender()?;
    let provider = conn.provider();
    let mut request = request
        .with_from(from)
        .with_chain_id(conn.chain_id())
        .with_max_fee_per_gas(fees.0)
        .with_max_priority_fee_per_gas(fees.1);
    if request.nonce.is_none() {
        request.set_nonce(next_nonce(provider, from).await?);
    }
    if request.gas.is_none() {
        let gas = estimate(conn, &request).await?;
        request.set_gas_limit(gas + gas / 5);
    }
    sign_filled(conn, request).await
}

/// The next nonce of `from`: its pending transaction count, the higher of two reads made at
/// once. Behind a load balancer one read may come from a backend a block behind, whose count is
/// short by what that block holds; a nonce taken from it would be used already, and the
/// transaction would only be found replaced (correctly, but for nothing).
pub async fn next_nonce(provider: &DynProvider, from: Address) -> Result<u64> {
    let (a, b) = tokio::join!(
        provider.get_transaction_count(from).pending(),
        provider.get_transaction_count(from).pending()
    );
    match (a, b) {
        (Ok(a), Ok(b)) => Ok(a.max(b)),
        (Ok(n), Err(_)) | (Err(_), Ok(n)) => Ok(n),
        (Err(e), Err(_)) => Err(Error::from_rpc(e)),
    }
}

/// The gas `request` needs, from the node's estimate (which also simulates it: a call that would
/// revert is refused with the decoded reason). A revert is believed only if it also holds at the
/// block of this connection's last mined transaction, or later: an estimate answered by a backend
/// behind that block would not see what that transaction changed (the approval a deposit needs).
pub async fn estimate(conn: &Connection, request: &TransactionRequest) -> Result<u64> {
    let provider = conn.provider();
    let reverted = match provider.estimate_gas(request.clone()).await.map_err(Error::from_rpc) {
        Ok(gas) => return Ok(gas),
        Err(e) if e.revert().is_some() && conn.written_block() > 0 => e,
        Err(e) => return Err(e),
    };
    let at = BlockId::number(conn.written_block());
    // A backend without that block answers "header not found": ask again, the next answer may
    // come from another one.
    for _ in 0..8 {
        match provider.estimate_gas(request.clone()).block(at).await.map_err(Error::from_rpc) {
            Ok(gas) => return Ok(gas),
            Err(e) if e.revert().is_some() => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    Err(reverted)
}

/// Signs a request that has everything (nonce, gas, fees, chain id) with `conn`'s signer.
pub async fn sign_filled(conn: &Connection, request: TransactionRequest) -> Result<SignedTx> {
    let signer = conn.signer().ok_or(Error::NoSigner)?.clone();
    let nonce =
        request.nonce.ok_or_else(|| Error::Other("a transaction to sign has no nonce".into()))?;
    let envelope = <EthereumWallet as NetworkWallet<alloy::network::Ethereum>>::sign_request(
        &EthereumWallet::from(signer),
        request,
    )
    .await
    .map_err(|e| Error::Other(format!("signing failed: {e}")))?;
    Ok(SignedTx { nonce, hash: *envelope.tx_hash(), raw: envelope.encoded_2718().into() })
}

/// Signs `request` ([`sign`]), broadcasts it and settles it: the receipt of the mined
/// transaction, whatever its status. A refusal before or at the broadcast means nothing was sent;
/// a nonce provably taken by another transaction is [`Error::Replaced`].
///
/// With a [`SendJournal`] on the connection, the signed transaction is written down before it is
/// broadcast and removed once settled; a send left in flight by a killed process is settled first,
/// and if it did what `request` asks, its receipt is returned and nothing is sent again.
pub async fn send(
    conn: &Connection,
    request: TransactionRequest,
    fees: (u128, u128),
    options: &SettleOptions,
) -> Result<TransactionReceipt> {
    let provider = conn.provider();
    let from = conn.require_sender()?;
    let chain = conn.chain_id();
    let intent = journal::intent(&request);
    let written_down = match conn.send_journal() {
        Some(j) => {
            let genesis = conn.genesis().await?;
            if let Some(receipt) = settle_left_over(conn, j, genesis, intent, options).await? {
                return Ok(receipt);
            }
            Some((j, genesis))
        }
        None => None,
    };
    let since = provider.get_block_number().await?;
    let tx = sign(conn, request, fees).await?;
    if let Some((j, genesis)) = written_down {
        let entry = journal::Entry {
            intent,
            genesis,
            nonce: tx.nonce,
            hash: tx.hash,
            raw: tx.raw.clone(),
            since_block: since,
        };
        j.save(chain, from, &entry)?;
    }
    if let Err(refused) = broadcast(provider, &tx.raw).await {
        // The node has not got it: nothing is in flight.
        if let Some((j, _)) = written_down {
            j.clear(chain, from)?;
        }
        return Err(refused);
    }
    let tracked = Tracked::new(from, tx.nonce, tx.hash, since);
    let settled = settle(provider, &tracked, std::slice::from_ref(&tx.raw), options).await?;
    if let Some((j, _)) = written_down {
        j.clear(chain, from)?;
    }
    match settled {
        Settled::Mined(receipt) => {
            conn.note_written(receipt.block_number.unwrap_or_default());
            Ok(*receipt)
        }
        Settled::Replaced { by, block } => {
            Err(Error::Replaced { hash: tx.hash, nonce: tx.nonce, by, block })
        }
    }
}

/// Settles the sends that killed runs left in `journal`, if any: the receipt of one that was
/// mined and did what `intent` asks (then nothing more is to be sent), else `None`. An entry from
/// another chain (its genesis differs) is dropped without a broadcast.
async fn settle_left_over(
    conn: &Connection,
    journal: &SendJournal,
    genesis: alloy::primitives::B256,
    intent: alloy::primitives::B256,
    options: &SettleOptions,
) -> Result<Option<TransactionReceipt>> {
    let (chain, from) = (conn.chain_id(), conn.require_sender()?);
    let mut answer = None;
    for (path, entry) in journal.left_over(chain, from)? {
        if entry.genesis != genesis {
            tracing::warn!(hash = %entry.hash, "a send journal entry from another chain with this id (a restarted local node?) is dropped; it was not broadcast here");
            journal::remove(&path)?;
            continue;
        }
        let tracked = Tracked::new(from, entry.nonce, entry.hash, entry.since_block);
        let settled =
            settle(conn.provider(), &tracked, std::slice::from_ref(&entry.raw), options).await?;
        journal::remove(&path)?;
        if let Settled::Mined(receipt) = settled {
            let block = receipt.block_number.unwrap_or_default();
            conn.note_written(block);
            if entry.intent == intent && answer.is_none() {
                tracing::warn!(hash = %entry.hash, block, "a run that was stopped had sent this same transaction, and it was mined: nothing is sent again");
                answer = Some(*receipt);
            } else {
                tracing::warn!(hash = %entry.hash, block, "a run that was stopped had sent another transaction; it was mined");
            }
        }
    }
    Ok(answer)
}
