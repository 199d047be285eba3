//! `wbx audit reconcile`: does the ledger add up?
//!
//! Balances are replayed from the indexed `Transfer` events and compared, account by account, with
//! the chain's `balanceOf`, and so are `totalSupply` and the bucket views, all read at the indexed
//! head block (so later blocks cannot make a false difference). The reads go out as JSON-RPC
//! batches.

use crate::{
    db::{Db, addr, amount},
    error::Result,
    reports,
};
use alloy::{
    primitives::{Address, Bytes, U64, U256},
    providers::{DynProvider, Provider},
    rpc::client::BatchRequest,
    sol_types::SolCall,
};
use serde::Serialize;
use std::collections::BTreeMap;
use wbx_contracts::WebexToken;
use wbx_sdk::{Amount, Bucket};

/// Calls per JSON-RPC batch.
const BATCH: usize = 500;

/// One thing that does not add up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// What was compared: `balanceOf`, `totalSupply`, `bucketIssued`, `bucketReleased`,
    /// `bucketRemaining`, or `negativeBalance` (the replay sent more than an account had).
    pub check: &'static str,
    /// The account, for balances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Address>,
    /// The bucket, for bucket views.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Bucket>,
    /// What the events say.
    pub indexed: Amount,
    /// What the chain says (for `negativeBalance`: what was missing).
    pub chain: Amount,
}

/// The result of a reconciliation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    /// The block everything was compared at (the indexed head).
    pub block: u64,
    /// Accounts compared.
    pub accounts: usize,
    /// Values compared in all.
    pub checks: usize,
    /// Every difference found; empty when the ledger adds up.
    pub differences: Vec<Difference>,
}

impl ReconcileReport {
    /// Whether everything matched.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

/// The ledger replayed from the indexed transfers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replay {
    /// Balance per account that ever held or received WBX.
    pub balances: BTreeMap<Address, U256>,
    /// Accounts whose replay went below zero, with the shortfall (a gap in the index).
    pub shortfalls: BTreeMap<Address, U256>,
    /// Minted minus burned.
    pub supply: U256,
}

/// Balances and total supply replayed from the indexed transfers.
pub fn replay(db: &Db) -> Result<Replay> {
    let mut balances: BTreeMap<Address, U256> = BTreeMap::new();
    let mut short: BTreeMap<Address, U256> = BTreeMap::new();
    let mut supply = U256::ZERO;
    let mut st = db
        .connection()
        .prepare("SELECT from_addr, to_addr, amount FROM transfers ORDER BY block, log_index")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let from = addr(&r.get::<_, Vec<u8>>(0)?);
        let to = addr(&r.get::<_, Vec<u8>>(1)?);
        let v = amount(&r.get::<_, Vec<u8>>(2)?);
        if from == Address::ZERO {
            supply += v;
        } else {
            let b = balances.entry(from).or_default();
            if *b < v {
                *short.entry(from).or_default() += v - *b;
                *b = U256::ZERO;
            } else {
                *b -= v;
            }
        }
        if to == Address::ZERO {
            supply = supply.saturating_sub(v);
        } else {
            *balances.entry(to).or_default() += v;
        }
    }
    Ok(Replay { balances, shortfalls: short, supply })
}

/// Reads `calls` (to the token) at `block` in JSON-RPC batches; each answer as a `uint256`.
async fn read_all(
    provider: &DynProvider,
    token: Address,
    block: u64,
    calls: &[Vec<u8>],
) -> Result<Vec<U256>> {
    let mut out = Vec::with_capacity(calls.len());
    for part in calls.chunks(BATCH) {
        let mut batch = BatchRequest::new(provider.client());
        let waiters = part
            .iter()
            .map(|data| {
                let req = serde_json::json!({ "to": token, "data": Bytes::copy_from_slice(data) });
                batch.add_call::<_, Bytes>("eth_call", &(req, U64::from(block)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        batch.send().await?;
        for w in waiters {
            let bytes = w.await?;
            out.push(if bytes.len() >= 32 {
                U256::from_be_slice(&bytes[..32])
            } else {
                U256::ZERO
            });
        }
    }
    Ok(out)
}

/// Compares the replayed ledger with the chain at the indexed head.
pub async fn reconcile(provider: &DynProvider, db: &Db) -> Result<ReconcileReport> {
    let head = db.require_cursor()?;
    let token = db.scope().token;
    let Replay { balances, shortfalls: short, supply } = replay(db)?;
    let buckets = reports::buckets(db)?;

    let accounts: Vec<Address> = balances.keys().copied().collect();
    let mut calls: Vec<Vec<u8>> =
        accounts.iter().map(|a| WebexToken::balanceOfCall { account: *a }.abi_encode()).collect();
    calls.push(WebexToken::totalSupplyCall {}.abi_encode());
    for b in Bucket::ALL {
        let i = b.index();
        calls.push(WebexToken::bucketIssuedCall { bucket: i }.abi_encode());
        calls.push(WebexToken::bucketReleasedCall { bucket: i }.abi_encode());
        calls.push(WebexToken::bucketRemainingCall { bucket: i }.abi_encode());
    }
    let chain = read_all(provider, token, head.block, &calls).await?;

    let mut differences = Vec::new();
    for (a, missing) in &short {
        differences.push(Difference {
            check: "negativeBalance",
            account: Some(*a),
            bucket: None,
            indexed: Amount::ZERO,
            chain: Amount::from_raw(*missing),
        });
    }
    for (a, on_chain) in accounts.iter().zip(&chain) {
        let mine = balances[a];
        if mine != *on_chain {
            differences.push(Difference {
                check: "balanceOf",
                account: Some(*a),
                bucket: None,
                indexed: Amount::from_raw(mine),
                chain: Amount::from_raw(*on_chain),
            });
        }
    }
    let rest = &chain[accounts.len()..];
    if rest[0] != supply {
        differences.push(Difference {
            check: "totalSupply",
            account: None,
            bucket: None,
            indexed: Amount::from_raw(supply),
            chain: Amount::from_raw(rest[0]),
        });
    }
    for (row, views) in buckets.iter().zip(rest[1..].chunks(3)) {
        let pairs = [
            ("bucketIssued", row.issued, views[0]),
            ("bucketReleased", row.released, views[1]),
            ("bucketRemaining", row.remaining, views[2]),
        ];
        for (check, mine, on_chain) in pairs {
            if mine.raw() != on_chain {
                differences.push(Difference {
                    check,
                    account: None,
                    bucket: Some(row.bucket),
                    indexed: mine,
                    chain: Amount::from_raw(on_chain),
                });
            }
        }
    }
    Ok(ReconcileReport {
        block: head.block,
        accounts: accounts.len(),
        checks: calls.len() + short.len(),
        differences,
    })
}
