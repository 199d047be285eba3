//! Replacing a transaction that waits in the pool: the same nonce again with higher fees, either
//! the same call ([`bump`]) or an empty transfer to oneself ([`cancel`]), which also fills a nonce
//! gap that keeps later transactions queued.
//!
//! A node accepts a replacement only when both fees rise by a margin over the pending version
//! (10% in geth); [`bump`] and [`cancel`] raise them by [`MIN_BUMP_PCT`] or to the node's current
//! suggestion, whichever is higher, and refuse caller fees below that. Whichever version is mined
//! first wins; the report says which.

use crate::{
    client::FeeOverride,
    connection::Connection,
    error::{Error, Result},
    tx::{SettleOptions, Settled, Tracked, settle},
};
use alloy::{
    consensus::Transaction as _,
    network::{TransactionBuilder, TransactionResponse as _},
    primitives::{Address, Bytes, TxHash, TxKind, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use serde::Serialize;
use std::time::Duration;

/// The least a replacement raises both fees by, in percent over the pending version (geth asks
/// for 10%; 12.5% also clears nodes that want an eighth).
pub const MIN_BUMP_PCT: u128 = 13;

/// `fee` raised by [`MIN_BUMP_PCT`], rounded up.
pub fn bumped(fee: u128) -> u128 {
    fee + (fee * MIN_BUMP_PCT).div_ceil(100)
}

/// What a replacement did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// The sender.
    pub from: Address,
    /// The nonce both versions share.
    pub nonce: u64,
    /// The version replaced, when one was named.
    pub replaced: Option<TxHash>,
    /// The replacement.
    pub replacement: TxHash,
    /// Its max fee per gas, wei.
    pub max_fee: u128,
    /// Its max priority fee per gas, wei.
    pub priority_fee: u128,
    /// The version that was mined (the replacement, or the original if it got in first).
    pub mined: TxHash,
    /// The block it was mined in.
    pub block: u64,
}

/// The fees for a replacement of a version paying `old` (max fee, tip): the caller's, which must
/// clear the minimum bump, or the higher of the bump and the node's suggestion.
async fn replacement_fees(
    conn: &Connection,
    old: Option<(u128, u128)>,
    chosen: FeeOverride,
) -> Result<(u128, u128)> {
    let suggested = conn.provider().estimate_eip1559_fees().await.map_err(Error::from_rpc)?;
    let (min_max, min_tip) = old.map_or((0, 0), |(max, tip)| (bumped(max), bumped(tip)));
    let tip = match chosen.max_priority_fee_per_gas {
        Some(tip) if tip < min_tip => {
            return Err(Error::BadInput(format!(
                "a priority fee of {tip} wei does not replace the pending version: give at least {min_tip} wei ({MIN_BUMP_PCT}% more), or leave it out"
            )));
        }
        Some(tip) => tip,
        None => min_tip.max(suggested.max_priority_fee_per_gas),
    };
    let max = match chosen.max_fee_per_gas {
        Some(max) if max < min_max => {
            return Err(Error::BadInput(format!(
                "a max fee of {max} wei does not replace the pending version: give at least {min_max} wei ({MIN_BUMP_PCT}% more), or leave it out"
            )));
        }
        Some(max) => max,
        None => min_max.max(suggested.max_fee_per_gas).max(tip),
    };
    if tip > max {
        return Err(Error::BadInput(format!(
            "the priority fee ({tip} wei) is above the max fee ({max} wei): give a max fee at least as high"
        )));
    }
    Ok((max, tip))
}

/// The pending transaction `hash`, sent by the connection's signer.
async fn pending_own(conn: &Connection, hash: TxHash) -> Result<alloy::rpc::types::Transaction> {
    let me = conn.require_sender()?;
    let tx = conn
        .provider()
        .get_transaction_by_hash(hash)
        .await
        .map_err(Error::from_rpc)?
        .ok_or_else(|| {
            Error::BadInput(format!(
                "the node does not know {hash}: it was never sent to this chain, or it left the pool; check --rpc-url"
            ))
        })?;
    if let Some(block) = tx.block_number {
        return Err(Error::Other(format!(
            "{hash} was already mined, in block {block}: there is nothing to replace"
        )));
    }
    if tx.from() != me {
        return Err(Error::BadInput(format!(
            "{hash} was sent by {}, not by {me}: only its sender can replace it; sign as that account",
            tx.from()
        )));
    }
    Ok(tx)
}

/// Sends the same call as the pending `hash` again, same nonce and gas, with higher fees, and
/// waits until one of the two versions is mined (at most `timeout`).
pub async fn bump(
    conn: &Connection,
    hash: TxHash,
    fees: FeeOverride,
    timeout: Duration,
) -> Result<Replacement> {
    let old = pending_own(conn, hash).await?;
    let old_max = alloy::consensus::Transaction::max_fee_per_gas(&old);
    let old_tip = old.max_priority_fee_per_gas().unwrap_or(old_max);
    let (max, tip) = replacement_fees(conn, Some((old_max, old_tip)), fees).await?;
    let mut request = TransactionRequest::default()
        .with_from(old.from())
        .with_nonce(old.nonce())
        .with_gas_limit(old.gas_limit())
        .with_value(old.value())
        .with_input(old.input().clone())
        .with_max_fee_per_gas(max)
        .with_max_priority_fee_per_gas(tip)
        .with_chain_id(conn.chain_id());
    request.to = Some(old.kind());
    if let Some(list) = old.access_list() {
        request = request.with_access_list(list.clone());
    }
    send_and_wait(conn, request, Some(hash), timeout).await
}

/// Sends an empty transfer to oneself at `nonce` (or at the nonce of the pending `hash`), with
/// fees above the pending version's, and waits until that nonce is mined (at most `timeout`).
/// At a nonce nothing holds yet it fills a gap, so transactions queued behind it can be mined.
pub async fn cancel(
    conn: &Connection,
    target: CancelTarget,
    fees: FeeOverride,
    timeout: Duration,
) -> Result<Replacement> {
    let me = conn.require_sender()?;
    let (nonce, replaced, old_fees) = match target {
        CancelTarget::Hash(hash) => {
            let old = pending_own(conn, hash).await?;
            let max = alloy::consensus::Transaction::max_fee_per_gas(&old);
            let tip = old.max_priority_fee_per_gas().unwrap_or(max);
            (old.nonce(), Some(hash), Some((max, tip)))
        }
        CancelTarget::Nonce(nonce) => {
            let mined = conn
                .provider()
                .get_transaction_count(me)
                .latest()
                .await
                .map_err(Error::from_rpc)?;
            if nonce < mined {
                return Err(Error::BadInput(format!(
                    "nonce {nonce} of {me} is already mined (the next is {mined}): nothing waits there"
                )));
            }
            (nonce, None, None)
        }
    };
    let (max, tip) = replacement_fees(conn, old_fees, fees).await?;
    let mut request = TransactionRequest::default()
        .with_from(me)
        .with_nonce(nonce)
        .with_gas_limit(21_000)
        .with_value(U256::ZERO)
        .with_input(Bytes::new())
        .with_max_fee_per_gas(max)
        .with_max_priority_fee_per_gas(tip)
        .with_chain_id(conn.chain_id());
    request.to = Some(TxKind::Call(me));
    send_and_wait(conn, request, replaced, timeout).await
}

/// What [`cancel`] replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelTarget {
    /// The pending transaction with this hash.
    Hash(TxHash),
    /// Whatever holds this nonce, or nothing yet (a gap).
    Nonce(u64),
}

/// Signs the replacement, broadcasts it and settles the nonce over both versions: whichever is
/// mined is reported ([`crate::tx::settle()`] decides, from evidence on chain).
async fn send_and_wait(
    conn: &Connection,
    request: TransactionRequest,
    replaced: Option<TxHash>,
    timeout: Duration,
) -> Result<Replacement> {
    let (from, nonce) = (request.from.unwrap_or_default(), request.nonce.unwrap_or_default());
    let (max_fee, priority_fee) = (
        request.max_fee_per_gas.unwrap_or_default(),
        request.max_priority_fee_per_gas.unwrap_or_default(),
    );
    let provider = conn.provider();
    let since_block = provider.get_block_number().await.map_err(Error::from_rpc)?;
    let tx = crate::tx::sign_filled(conn, request).await?;
    crate::tx::broadcast(provider, &tx.raw).await?;
    let tracked = Tracked {
        from,
        nonce,
        versions: replaced.into_iter().chain([tx.hash]).collect(),
        since_block,
    };
    let options = SettleOptions::default().with_timeout(timeout);
    let receipt = match settle(provider, &tracked, std::slice::from_ref(&tx.raw), &options).await? {
        Settled::Mined(receipt) => receipt,
        Settled::Replaced { by, block } => {
            return Err(Error::Replaced { hash: tx.hash, nonce, by, block });
        }
    };
    Ok(Replacement {
        from,
        nonce,
        replaced,
        replacement: tx.hash,
        max_fee,
        priority_fee,
        mined: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::bumped;

    #[test]
    fn a_bump_clears_geths_ten_percent_and_rounds_up() {
        assert_eq!(bumped(100), 113);
        assert_eq!(bumped(1), 2);
        assert_eq!(bumped(0), 0);
        for fee in [7u128, 1_000_000_000, 123_456_789_012] {
            assert!(bumped(fee) * 100 >= fee * 110, "{fee}");
        }
    }
}
