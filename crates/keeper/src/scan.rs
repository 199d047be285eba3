//! Building the view from the events: a backfill from the deployment block, then each new range
//! of blocks, applied in chain order. Reorgs are found by the hash of the cursor block: when the
//! chain no longer has it, the view is rewound to the newest earlier checkpoint the chain still
//! has (the undo log takes back every change after it) and the blocks after it are scanned again.
//! A reorg deeper than the undo log is kept for (`reorg_depth` blocks) rebuilds the view from the
//! deployment block.

use crate::{
    error::{Error, Result},
    state::{BlockRef, GrantKey, GrantView, KeeperState},
};
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::Provider,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use std::collections::HashMap;
use wbx_contracts::{WbxPool::WbxPoolEvents, WebexToken::WebexTokenEvents};
use wbx_sdk::{
    GrantKind, Role, Wbx,
    events::{DEFAULT_CHUNK, DEFAULT_CONCURRENCY, EventLog, WbxEvent, decode, fetch_logs},
};

/// How the chain is read.
#[derive(Debug, Clone, Copy)]
pub struct ScanConfig {
    /// Blocks behind the head that are left for later (0: scan to the head).
    pub confirmations: u64,
    /// How far back a reorg may reach and still be undone step by step.
    pub reorg_depth: u64,
    /// Blocks applied (and checkpointed) at a time during a long backfill.
    pub window: u64,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self { confirmations: 0, reorg_depth: 64, window: 50_000 }
    }
}

/// A rewind after a reorg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rewind {
    /// The cursor the chain no longer had.
    pub from: u64,
    /// The block the view went back to; `None`: back to the deployment (a full rescan).
    pub to: Option<u64>,
}

/// What one scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanOutcome {
    /// The chain head when the scan started.
    pub head: u64,
    /// The first block scanned (`None`: nothing new).
    pub from: Option<u64>,
    /// The cursor after the scan.
    pub to: Option<u64>,
    /// Events applied.
    pub events: usize,
    /// The rewind, if the chain had reorganised.
    pub rewound: Option<Rewind>,
}

/// Brings the view up to `head - confirmations`.
pub async fn scan(wbx: &Wbx, state: &mut KeeperState, cfg: &ScanConfig) -> Result<ScanOutcome> {
    let provider = wbx.provider();
    let head = wbx_sdk::events::chain_head(provider).await?;
    let target = head.saturating_sub(cfg.confirmations);
    let rewound = check_cursor(wbx, state).await?;
    let mut from = state.cursor.map(|c| c.number + 1).unwrap_or(wbx.deployment().deploy_block);
    let first = (from <= target).then_some(from);
    // Changes in blocks above the horizon can be undone; reorgs are assumed not to go below it.
    let horizon = target.saturating_sub(cfg.reorg_depth);
    let filter = wbx.event_filter();
    let (token, pool) = (wbx.deployment().token, wbx.deployment().pool);
    let mut applied = 0;
    while from <= target {
        let to = (from + cfg.window.max(1) - 1).min(target);
        // The block hash first, the logs after: a reorg in between shows at the next cursor check.
        let to_ref = served_block(wbx, to).await?;
        let logs = fetch_logs(provider, &filter, from, to, DEFAULT_CHUNK, DEFAULT_CONCURRENCY)
            .await
            .map_err(Error::Sdk)?;
        if let Some(c) = state.cursor
            && served_block(wbx, c.number).await? != c
        {
            return Err(Error::Reorged(format!("block {} changed during the scan", c.number)));
        }
        if logs.iter().any(|l| l.block_number == Some(to) && l.block_hash != Some(to_ref.hash)) {
            return Err(Error::Reorged(format!("block {to} changed during the scan")));
        }
        let events: Vec<EventLog> = logs.iter().filter_map(|l| decode(l, token, pool)).collect();
        let times = timestamps(wbx, &events).await?;
        for ev in &events {
            let at = ev.block_timestamp.or_else(|| times.get(&ev.block_hash).copied());
            let at =
                at.ok_or_else(|| Error::Reorged(format!("block {} vanished", ev.block_hash)))?;
            apply(state, ev, at, ev.block_number > horizon, token);
        }
        applied += events.len();
        state.advance_cursor(to_ref);
        tracing::debug!(from, to, events = events.len(), "scanned");
        from = to + 1;
    }
    state.prune(horizon);
    Ok(ScanOutcome {
        head,
        from: first,
        to: state.cursor.map(|c| c.number),
        events: applied,
        rewound,
    })
}

/// The block `number` of the canonical chain, if the node serves it.
async fn block_ref(wbx: &Wbx, number: u64) -> Result<Option<BlockRef>> {
    let block = wbx.provider().get_block_by_number(BlockNumberOrTag::Number(number)).await?;
    Ok(block.map(|b| BlockRef { number, hash: b.header.hash }))
}

/// The block `number`, which the chain is known to have. A node that answers "no such block" is
/// behind (a provider's backend a block behind the one that answered the head): asked again, the
/// next answer may come from another; still missing, it is [`Error::NodeBehind`], never a reorg.
/// Only another hash at the same height says the chain changed.
async fn served_block(wbx: &Wbx, number: u64) -> Result<BlockRef> {
    for attempt in 0..4u32 {
        if let Some(b) = block_ref(wbx, number).await? {
            return Ok(b);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
    }
    Err(Error::NodeBehind(number))
}

/// Whether the chain still has the cursor block; if not, rewinds the view to the newest checkpoint
/// it still has, or to nothing.
async fn check_cursor(wbx: &Wbx, state: &mut KeeperState) -> Result<Option<Rewind>> {
    let Some(cursor) = state.cursor else { return Ok(None) };
    if served_block(wbx, cursor.number).await? == cursor {
        return Ok(None);
    }
    let candidates: Vec<BlockRef> =
        state.checkpoints.iter().rev().filter(|c| c.number < cursor.number).copied().collect();
    for c in candidates {
        if served_block(wbx, c.number).await? == c {
            tracing::warn!(
                cursor = cursor.number,
                rewind_to = c.number,
                "the chain reorganised: rewinding the view and scanning again"
            );
            state.rewind_to(c);
            return Ok(Some(Rewind { from: cursor.number, to: Some(c.number) }));
        }
    }
    tracing::warn!(
        cursor = cursor.number,
        "the chain reorganised deeper than the undo log: rebuilding the view from the deployment"
    );
    state.reset_view();
    Ok(Some(Rewind { from: cursor.number, to: None }))
}

/// Timestamps of the blocks of `events` whose logs did not carry one.
async fn timestamps(wbx: &Wbx, events: &[EventLog]) -> Result<HashMap<B256, u64>> {
    let mut missing: Vec<B256> =
        events.iter().filter(|e| e.block_timestamp.is_none()).map(|e| e.block_hash).collect();
    missing.dedup();
    let provider = wbx.provider();
    let found: Vec<Option<(B256, u64)>> = stream::iter(missing)
        .map(|hash| async move {
            let block = provider.get_block_by_hash(hash).await?;
            Ok::<_, Error>(block.map(|b| (hash, b.header.timestamp)))
        })
        .buffered(16)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Applies one event at chain time `at`. `undoable` records how to take it back.
pub fn apply(state: &mut KeeperState, ev: &EventLog, at: u64, undoable: bool, token: Address) {
    let block = ev.block_number;
    let used_by = |state: &mut KeeperState, account: Address| {
        if account != Address::ZERO && account != token && state.has_grant(account) {
            state.note_use(account, at, block, undoable);
        }
    };
    match &ev.event {
        WbxEvent::Token(t) => match t {
            WebexTokenEvents::AccessGranted(e) => {
                if let (Some(role), Some(kind)) =
                    (Role::from_id(e.role), GrantKind::from_index(e.kind))
                {
                    let view = GrantView {
                        kind,
                        expires_at: e.expiresAt.saturating_to(),
                        granted_at: at,
                        revoked: false,
                        reported: false,
                        expiry_counted: false,
                    };
                    state.set_grant(GrantKey::new(role, e.account), view, block, undoable);
                }
                used_by(state, e.sender);
            }
            WebexTokenEvents::AccessRenewed(e) => {
                renewed(state, e.role, e.account, e.expiresAt.saturating_to(), block, undoable);
            }
            WebexTokenEvents::AccessRenewedBatch(e) => {
                let expires_at = e.expiresAt.saturating_to();
                for account in &e.accounts {
                    renewed(state, e.role, *account, expires_at, block, undoable);
                }
            }
            WebexTokenEvents::AccessRevoked(e) => {
                if let Some(role) = Role::from_id(e.role) {
                    let key = GrantKey::new(role, e.account);
                    if let Some(mut v) = state.grant(key).copied() {
                        v.revoked = true;
                        v.expires_at = v.expires_at.min(at);
                        state.set_grant(key, v, block, undoable);
                    }
                }
                used_by(state, e.sender);
            }
            WebexTokenEvents::Transfer(e) => used_by(state, e.from),
            WebexTokenEvents::Approval(e) if !e.value.is_zero() => used_by(state, e.owner),
            WebexTokenEvents::SupplyIssued(e) => used_by(state, e.operator),
            WebexTokenEvents::Allocated(e) => used_by(state, e.operator),
            WebexTokenEvents::Paused(e) => used_by(state, e.account),
            WebexTokenEvents::Unpaused(e) => used_by(state, e.account),
            _ => {}
        },
        WbxEvent::Pool(p) => match p {
            WbxPoolEvents::Swap(e) => used_by(state, e.sender),
            WbxPoolEvents::LiquidityAdded(e) => used_by(state, e.provider),
            WbxPoolEvents::LiquidityRemoved(e) => used_by(state, e.provider),
            WbxPoolEvents::FeeUpdated(e) => used_by(state, e.developer),
            WbxPoolEvents::Paused(e) => used_by(state, e.account),
            WbxPoolEvents::Unpaused(e) => used_by(state, e.account),
            _ => {}
        },
    }
}

fn renewed(
    state: &mut KeeperState,
    role: B256,
    account: Address,
    expires_at: u64,
    block: u64,
    undoable: bool,
) {
    let Some(role) = Role::from_id(role) else { return };
    let key = GrantKey::new(role, account);
    if let Some(mut v) = state.grant(key).copied() {
        v.expires_at = expires_at;
        v.reported = false;
        v.expiry_counted = false;
        state.set_grant(key, v, block, undoable);
    }
}
