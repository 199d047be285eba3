//! The index kept in sync in the background, and what the pages show, worked out once per new
//! block rather than once per request.
//!
//! One task owns the writing connection: it polls the node's head, runs the audit sync when the
//! chain moved, and then builds a [`Snapshot`] (overview, access now, anomalies, chart data) and
//! announces what is new ([`LiveEvent`]: the block, its movements, new anomalies) to every open
//! live stream. The costly sums (bucket totals, large transfers, daily volume) are kept and only
//! the new blocks' rows are added to them, so a block costs the same on a million indexed events
//! as on a hundred; after a reorg everything is worked out again. Requests that filter (the
//! transactions, a timeline, who held a role at a moment) read the index through a small pool of
//! read connections.

use crate::error::Result;
use alloy::primitives::{Address, U256, keccak256};
use serde::Serialize;
use std::{
    collections::{BTreeMap, HashSet},
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{broadcast, watch};
use wbx_audit::{
    Db, SyncOptions,
    anomalies::{self, Anomaly, AnomalyOptions},
    db::Scope,
    html::{self, ActiveGrants},
    reports::{self, BucketRow, BucketTotals, Movement, TxFilter},
};
use wbx_sdk::{Amount, GrantKind, Wbx};

/// Grants expiring within this many seconds are listed apart.
pub const EXPIRING_WITHIN: u64 = 15 * 60;
/// Movements announced per block at most (a first sync of a long history announces none).
const MAX_ANNOUNCED: usize = 200;

/// An anomaly with a stable id: the same anomaly has the same id in every run, which is what the
/// webhook's "no duplicates after a restart" rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `0x` and 16 hex digits: a hash of the anomaly's kind, block, time, account (and its detail
    /// where the detail cannot grow), then `-N` for the N-th equal one.
    pub id: String,
    /// The anomaly.
    #[serde(flatten)]
    pub anomaly: Anomaly,
}

/// Ids for anomalies in report order.
pub fn alerts(list: Vec<Anomaly>) -> Vec<Alert> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    list.into_iter()
        .map(|a| {
            // A burst can gain grants and a lapse can gain actions as blocks come in; their detail
            // is left out so the id stays the same while the text grows.
            let stable_detail = !matches!(
                a.kind,
                anomalies::AnomalyKind::GrantBurst | anomalies::AnomalyKind::LapsedWhileActive
            );
            let key = format!(
                "{}|{}|{}|{}|{}",
                a.kind.name(),
                a.time,
                a.block.map_or(-1, |b| b as i64),
                a.account.map(|x| x.to_string()).unwrap_or_default(),
                if stable_detail { a.detail.as_str() } else { "" }
            );
            let hash = keccak256(key.as_bytes());
            let base = format!("0x{}", alloy::primitives::hex::encode(&hash[..8]));
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let id = if *n == 1 { base } else { format!("{base}-{n}") };
            Alert { id, anomaly: a }
        })
        .collect()
}

/// A registered (or unregistered) pool, from `PoolRegistered` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolRegistration {
    /// The pool.
    pub address: Address,
    /// Registered now.
    pub registered: bool,
    /// The block of its last change.
    pub block: u64,
}

/// The deployment's pool as the chain has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolNow {
    /// The pool.
    pub address: Address,
    /// WBX reserve.
    pub reserve_wbx: Amount,
    /// ETH reserve.
    pub reserve_eth: Amount,
    /// Fee in basis points.
    pub fee_bps: u16,
    /// Paused.
    pub paused: bool,
}

/// Supply, buckets, pools, pause state and the indexed head.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    pub token: Address,
    /// The last indexed block.
    pub indexed_block: u64,
    /// Its time (unix seconds).
    pub indexed_time: u64,
    /// `totalSupply()` on chain.
    pub total_supply: Option<Amount>,
    /// Issued into the buckets, from the events.
    pub issued: Amount,
    /// Released from the buckets, from the events.
    pub released: Amount,
    /// Whether token movement is paused (on chain).
    pub paused: Option<bool>,
    /// The deployment's pool (on chain).
    pub pool: Option<PoolNow>,
    /// Every pool ever registered, with its state now (from the events).
    pub pools: Vec<PoolRegistration>,
    /// Per bucket: issued, released, remaining, beside the policy share.
    pub buckets: Vec<BucketRow>,
    /// How many anomalies the index holds.
    pub anomalies: usize,
}

/// One grant held now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldGrant {
    /// The holder.
    pub account: Address,
    /// The role.
    pub role: String,
    /// Standard or Extended (timed roles).
    pub kind: Option<GrantKind>,
    /// `active` (timed) or `held` (permanent).
    pub status: &'static str,
    /// Its expiry (timed roles).
    pub expires_at: Option<u64>,
    /// Seconds left at the indexed head's time.
    pub seconds_left: Option<u64>,
}

/// Who holds which role now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessNow {
    /// The indexed head these refer to.
    pub head_block: u64,
    /// Its time: "now" for the times left.
    pub head_time: u64,
    /// Every grant active (or permanent role held) now, by role then account.
    pub holders: Vec<HeldGrant>,
    /// The timed grants among them that expire within 15 minutes, soonest first.
    pub expiring: Vec<HeldGrant>,
    /// Registered pools.
    pub pools: Vec<PoolRegistration>,
}

/// Everything the pages show that does not depend on a request's filters.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The overview.
    pub overview: Overview,
    /// Access now.
    pub access: AccessNow,
    /// Every anomaly, in report order, with ids.
    pub anomalies: Vec<Alert>,
    /// Active grants by role over time (the chart).
    pub grants: ActiveGrants,
    /// Daily transfer volume (the chart).
    pub volume: Vec<(u64, U256, u64)>,
    /// The newest movements (the overview's live list).
    pub recent: Vec<Movement>,
}

/// What a live stream is told.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LiveEvent {
    /// The index reached a new block.
    Block {
        /// Its number.
        block: u64,
        /// Its time.
        time: u64,
    },
    /// A token movement in that block.
    Movement(Movement),
    /// An anomaly not seen before.
    Anomaly(Alert),
}

/// Read connections to the index, reused across requests.
#[derive(Debug)]
pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Db>>,
}

impl ReadPool {
    /// A pool over the index at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path, idle: Mutex::default() }
    }

    /// Runs `f` on a connection (blocking: call it from `spawn_blocking`).
    pub fn with<T>(&self, f: impl FnOnce(&Db) -> wbx_audit::Result<T>) -> wbx_audit::Result<T> {
        let db = self.idle.lock().expect("pool lock").pop();
        let db = match db {
            Some(db) => db,
            None => Db::open_existing(&self.path)?,
        };
        let out = f(&db);
        let mut idle = self.idle.lock().expect("pool lock");
        if idle.len() < 8 {
            idle.push(db);
        }
        out
    }
}

/// The shared live state: the latest snapshot and the stream of events.
#[derive(Debug)]
pub struct Live {
    /// The latest snapshot (`None` until the first sync is done).
    pub snapshot: watch::Sender<Option<Arc<Snapshot>>>,
    /// New blocks, movements and anomalies.
    pub events: broadcast::Sender<Arc<LiveEvent>>,
    /// Reads for filtered requests.
    pub reads: ReadPool,
}

impl Live {
    /// Live state over the index at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            snapshot: watch::channel(None).0,
            events: broadcast::channel(1024).0,
            reads: ReadPool::new(path),
        }
    }

    /// The latest snapshot, if the first sync is done.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.borrow().clone()
    }
}

/// The running sums kept between blocks.
#[derive(Debug, Default)]
struct Kept {
    block: Option<u64>,
    totals: BucketTotals,
    large: Vec<Anomaly>,
    /// Transfer volume by UTC day (the day's first second).
    volume: BTreeMap<u64, (U256, u64)>,
    seen: HashSet<String>,
}

impl Kept {
    /// Adds the rows of blocks `from..` (everything when `from` is `None`).
    fn add(&mut self, db: &Db, o: &AnomalyOptions, from: Option<u64>) -> wbx_audit::Result<()> {
        if from.is_none() {
            let seen = std::mem::take(&mut self.seen);
            *self = Self { seen, ..Self::default() };
        }
        let from = from.unwrap_or(0);
        self.totals.add(&BucketTotals::since(db, from)?);
        self.large.extend(anomalies::large_transfers(db, o, from)?);
        for (day, v, n) in html::daily_volume_from(db, from)? {
            let e = self.volume.entry(day).or_default();
            e.0 += v;
            e.1 += n;
        }
        Ok(())
    }
}

/// What the chain says now (not in the events): supply, pause, the pool.
#[derive(Debug, Clone, Default)]
struct ChainNow {
    total_supply: Option<Amount>,
    paused: Option<bool>,
    pool: Option<PoolNow>,
}

async fn chain_now(wbx: &Wbx) -> ChainNow {
    let (supply, paused, pool) =
        tokio::join!(wbx.total_supply(), wbx.is_paused(), wbx.pool_state());
    ChainNow {
        total_supply: supply.ok(),
        paused: paused.ok(),
        pool: pool.ok().map(|p| PoolNow {
            address: wbx.deployment().pool,
            reserve_wbx: p.reserve_wbx,
            reserve_eth: p.reserve_eth,
            fee_bps: p.fee_bps,
            paused: p.paused,
        }),
    }
}

fn pools(db: &Db) -> wbx_audit::Result<Vec<PoolRegistration>> {
    let mut st = db.connection().prepare(
        "SELECT block, account, event FROM access WHERE role = ?1 ORDER BY block, log_index, seq",
    )?;
    let mut rows = st.query([wbx_audit::reports::POOL_ROLE.as_slice()])?;
    let mut by: BTreeMap<Address, PoolRegistration> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let block = r.get::<_, i64>(0)? as u64;
        let address = Address::from_slice(&r.get::<_, Vec<u8>>(1)?);
        let registered = r.get::<_, String>(2)? == "pool_registered";
        by.insert(address, PoolRegistration { address, registered, block });
    }
    Ok(by.into_values().collect())
}

fn access_now(db: &Db, pools: Vec<PoolRegistration>) -> wbx_audit::Result<AccessNow> {
    let r = reports::access(db, None, None)?;
    let mut holders: Vec<HeldGrant> = r
        .timelines
        .iter()
        .filter(|t| matches!(t.status, "active" | "held"))
        .map(|t| {
            let kind = t
                .entries
                .iter()
                .rev()
                .find(|e| e.event == "granted")
                .and_then(|e| e.kind)
                .filter(|_| t.status == "active");
            HeldGrant {
                account: t.account,
                role: t.role.clone(),
                kind,
                status: t.status,
                expires_at: t.expires_at,
                seconds_left: t.expires_at.map(|e| e.saturating_sub(r.head_time)),
            }
        })
        .collect();
    holders.sort_by(|a, b| (&a.role, a.account).cmp(&(&b.role, b.account)));
    let mut expiring: Vec<HeldGrant> = holders
        .iter()
        .filter(|h| h.seconds_left.is_some_and(|s| s <= EXPIRING_WITHIN))
        .cloned()
        .collect();
    expiring.sort_by_key(|h| h.seconds_left);
    Ok(AccessNow { head_block: r.head_block, head_time: r.head_time, holders, expiring, pools })
}

/// Builds the snapshot from the index (blocking) after the rows of `from..` were added to `kept`.
fn build(
    db: &Db,
    kept: &mut Kept,
    o: &AnomalyOptions,
    from: Option<u64>,
    chain: ChainNow,
) -> wbx_audit::Result<(Snapshot, Vec<Alert>)> {
    let head = db.require_cursor()?;
    kept.add(db, o, from)?;
    kept.block = Some(head.block);
    let mut list = kept.large.clone();
    list.extend(anomalies::access_anomalies(db, o)?);
    anomalies::sort(&mut list);
    let list = alerts(list);
    let new: Vec<Alert> = list.iter().filter(|a| !kept.seen.contains(&a.id)).cloned().collect();
    kept.seen.extend(new.iter().map(|a| a.id.clone()));
    let pools = pools(db)?;
    let buckets = kept.totals.rows();
    let sum = |f: fn(&BucketRow) -> U256| Amount::from_raw(buckets.iter().map(f).sum());
    let overview = Overview {
        chain_id: db.scope().chain_id,
        token: db.scope().token,
        indexed_block: head.block,
        indexed_time: head.timestamp,
        total_supply: chain.total_supply,
        issued: sum(|b| b.issued.raw()),
        released: sum(|b| b.released.raw()),
        paused: chain.paused,
        pool: chain.pool,
        pools: pools.clone(),
        buckets,
        anomalies: list.len(),
    };
    let snapshot = Snapshot {
        overview,
        access: access_now(db, pools)?,
        anomalies: list,
        grants: html::active_over_time(db, 60)?,
        volume: kept.volume.iter().map(|(d, (v, n))| (*d, *v, *n)).collect(),
        recent: reports::recent_transactions(db, &TxFilter::default(), 20)?,
    };
    Ok((snapshot, new))
}

/// How the background sync runs.
#[derive(Debug, Clone)]
pub struct SyncLoop {
    /// The index file.
    pub path: PathBuf,
    /// What it indexes.
    pub scope: Scope,
    /// How often the node's head is asked for.
    pub poll: Duration,
    /// Confirmations to wait for.
    pub confirmations: u64,
    /// Anomaly thresholds.
    pub anomalies: AnomalyOptions,
}

impl SyncLoop {
    /// Runs until `stop` turns true: sync when the head moves, then a new snapshot and events.
    pub async fn run(self, wbx: Wbx, live: Arc<Live>, mut stop: watch::Receiver<bool>) {
        let mut db = match Db::open(&self.path, &self.scope) {
            Ok(db) => Some(db),
            Err(e) => {
                tracing::error!(error = %e, "cannot open the audit index");
                None
            }
        };
        let mut kept = Kept::default();
        let mut last_head = None;
        let opts = SyncOptions { confirmations: self.confirmations, ..SyncOptions::default() };
        loop {
            if *stop.borrow() {
                break;
            }
            let head = wbx_sdk::events::chain_head(wbx.provider()).await;
            match head {
                Ok(h) if Some(h) != last_head => {
                    match db.take().map_or_else(|| Db::open(&self.path, &self.scope), Ok) {
                        Ok(d) => {
                            // A stop does not wait for a long sync: what it committed stays, and
                            // the next run resumes from there.
                            let step = tokio::select! {
                                r = self.step(&wbx, &live, d, &mut kept, &opts) => r,
                                _ = stop.wait_for(|s| *s) => break,
                            };
                            match step {
                                Ok(d) => {
                                    db = Some(d);
                                    last_head = Some(h);
                                }
                                Err(e) => tracing::warn!(error = %e, "sync failed; trying again"),
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "cannot open the audit index"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the head block; trying again"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One sync and, when the index moved, a new snapshot and its events.
    async fn step(
        &self,
        wbx: &Wbx,
        live: &Live,
        db: Db,
        kept: &mut Kept,
        opts: &SyncOptions,
    ) -> Result<Db> {
        let (db, report) = wbx_audit::sync(wbx.provider(), db, opts, None).await?;
        let moved = report.rollback.is_some()
            || report.cursor.map(|c| c.block) != kept.block
            || live.current().is_none();
        if !moved || report.cursor.is_none() {
            return Ok(db);
        }
        let from = match (report.rollback, kept.block) {
            (None, Some(b)) => Some(b + 1),
            _ => None,
        };
        let first = live.current().is_none();
        // First the block and its movements, so a live list does not wait for the snapshot.
        let (db, movements) = tokio::task::spawn_blocking(move || {
            // None for a first sync of a long history, which nobody watched arrive.
            let movements = match from {
                Some(f) if !first => reports::transactions(
                    &db,
                    &TxFilter { from_block: Some(f), ..TxFilter::default() },
                ),
                _ => Ok(Vec::new()),
            };
            (db, movements)
        })
        .await
        .expect("the movement query does not panic");
        let cursor = report.cursor.expect("checked above");
        let _ = live
            .events
            .send(Arc::new(LiveEvent::Block { block: cursor.block, time: cursor.timestamp }));
        let movements = movements?;
        let skip = movements.len().saturating_sub(MAX_ANNOUNCED);
        for m in movements.into_iter().skip(skip) {
            let _ = live.events.send(Arc::new(LiveEvent::Movement(m)));
        }
        // Then the snapshot, and the anomalies it found new.
        let chain = chain_now(wbx).await;
        let o = self.anomalies.clone();
        let mut k = std::mem::take(kept);
        let (db, k, built) = tokio::task::spawn_blocking(move || {
            let built = build(&db, &mut k, &o, from, chain);
            (db, k, built)
        })
        .await
        .expect("the snapshot builder does not panic");
        // A failed build may have added part of the range: start the sums over next time.
        *kept = if built.is_ok() { k } else { Kept { seen: k.seen, ..Kept::default() } };
        let (snap, new) = built?;
        live.snapshot.send_replace(Some(Arc::new(snap)));
        if !first {
            for a in new {
                let _ = live.events.send(Arc::new(LiveEvent::Anomaly(a)));
            }
        }
        Ok(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wbx_audit::anomalies::AnomalyKind;

    fn a(kind: AnomalyKind, block: u64, detail: &str) -> Anomaly {
        Anomaly { kind, time: 100, block: Some(block), account: None, detail: detail.into() }
    }

    #[test]
    fn alert_ids_are_stable_and_unique() {
        let list = vec![
            a(AnomalyKind::LargeTransfer, 5, "1 WBX from a to b"),
            a(AnomalyKind::LargeTransfer, 5, "1 WBX from a to b"),
            a(AnomalyKind::GrantBurst, 6, "10 grants"),
        ];
        let ids: Vec<String> = alerts(list.clone()).into_iter().map(|x| x.id).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 3, "{ids:?}");
        assert_eq!(ids[1], format!("{}-2", ids[0]));
        // Same anomalies, same ids; a burst that grew keeps its id.
        let mut grown = list;
        grown[2].detail = "11 grants".into();
        let again: Vec<String> = alerts(grown).into_iter().map(|x| x.id).collect();
        assert_eq!(ids, again);
    }
}
