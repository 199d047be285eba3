//! `wbx audit sync`: reads every event of the token and the pool into the index.
//!
//! Fetching and storing overlap. Block ranges are fetched several at a time (the SDK's adaptive
//! range splitting applies) and handed, in block order, to one writer thread that decodes them
//! and inserts with prepared statements in large transactions. Each commit also moves the cursor
//! to the last block of the ranges it holds, so a killed sync resumes from the last commit and
//! never counts a log twice. Before a run, the hashes of the last indexed blocks are compared with
//! the chain's: on a mismatch everything past the fork is rolled back and read again.

use crate::{
    db::{Cursor, Db, amount_blob},
    error::{Error, Result},
};
use alloy::{
    primitives::{Address, B256, U64},
    providers::{DynProvider, Provider},
    rpc::{
        client::BatchRequest,
        types::{Filter, Log},
    },
    sol_types::SolEventInterface,
};
use futures::{StreamExt, stream};
use rusqlite::{Connection, Statement, params};
use serde::Deserialize;
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::mpsc::{self, error::TryRecvError};
use wbx_contracts::{WbxPool::WbxPoolEvents, WebexToken::WebexTokenEvents};
use wbx_sdk::events::{fetch_range, page_ranges};

/// How far back the hashes of indexed blocks are checked at the start of a run.
pub const REORG_WINDOW: usize = 64;

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Index only blocks with at least this many blocks on top of them.
    pub confirmations: u64,
    /// Stop at this block (default: the confirmed head).
    pub to_block: Option<u64>,
    /// Blocks per `eth_getLogs` request to start with (a refused range is split).
    pub chunk: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Rows after which a transaction is committed even when more pages are waiting.
    pub commit_rows: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            confirmations: 0,
            to_block: None,
            chunk: wbx_sdk::events::DEFAULT_CHUNK,
            concurrency: 8,
            commit_rows: 200_000,
        }
    }
}

/// Where a running sync is, reported after each page is stored.
#[derive(Debug, Clone, Copy)]
pub struct SyncProgress {
    /// First block of this run.
    pub from: u64,
    /// Last block this run will index.
    pub to: u64,
    /// Last block stored so far.
    pub block: u64,
    /// Rows stored so far in this run.
    pub events: u64,
}

/// A reorg that a sync found and undid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// The cursor before.
    pub from_block: u64,
    /// The last block kept (the fork point), `None` when the whole index was dropped.
    pub to_block: Option<u64>,
}

/// What a sync did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// The chain's head when the run started.
    pub head: u64,
    /// First block read in this run (`None`: already up to date).
    pub from_block: Option<u64>,
    /// The cursor after the run.
    pub cursor: Option<Cursor>,
    /// Logs read in this run.
    pub logs: u64,
    /// Rows stored in this run (a batch renewal is one row per account).
    pub rows: u64,
    /// A reorg found and undone before reading.
    pub rollback: Option<Rollback>,
    /// Wall time in milliseconds.
    pub millis: u64,
}

/// A fetched range, ready for the writer.
struct Page {
    from: u64,
    to: u64,
    logs: Vec<Log>,
    /// Headers fetched for this page: its last block, and any block whose logs lack a timestamp.
    headers: BTreeMap<u64, Header>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Header {
    #[serde(with = "alloy::serde::quantity")]
    number: u64,
    hash: B256,
    #[serde(with = "alloy::serde::quantity")]
    timestamp: u64,
}

/// The headers of `numbers` in one JSON-RPC batch; `None` for a block the node does not have.
async fn headers(provider: &DynProvider, numbers: &[u64]) -> Result<Vec<Option<Header>>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut batch = BatchRequest::new(provider.client());
    let waiters = numbers
        .iter()
        .map(|n| {
            batch.add_call::<_, Option<Header>>("eth_getBlockByNumber", &(U64::from(*n), false))
        })
        .collect::<Result<Vec<_>, _>>()?;
    batch.send().await?;
    let mut out = Vec::with_capacity(waiters.len());
    for w in waiters {
        out.push(w.await?);
    }
    Ok(out)
}

/// Indexes `db`'s deployment from its cursor (or the deployment block) up to the confirmed head.
/// `progress` is called after each stored page. Returns the database back with the report.
pub async fn sync(
    provider: &DynProvider,
    mut db: Db,
    opts: &SyncOptions,
    progress: Option<Arc<dyn Fn(SyncProgress) + Send + Sync>>,
) -> Result<(Db, SyncReport)> {
    let started = Instant::now();
    let head = wbx_sdk::events::chain_head(provider).await?;
    let rollback = check_reorg(provider, &mut db).await?;
    let scope = db.scope().clone();
    let from = match db.cursor()? {
        Some(c) => c.block + 1,
        None => scope.deploy_block,
    };
    let mut to = head.saturating_sub(opts.confirmations);
    if let Some(t) = opts.to_block {
        to = to.min(t);
    }
    let mut report = SyncReport {
        head,
        from_block: None,
        cursor: db.cursor()?,
        logs: 0,
        rows: 0,
        rollback,
        millis: 0,
    };
    if from > to {
        report.millis = started.elapsed().as_millis() as u64;
        return Ok((db, report));
    }
    report.from_block = Some(from);

    let (tx, rx) = mpsc::channel::<Page>(opts.concurrency.max(1) * 2);
    let commit_rows = opts.commit_rows.max(1);
    let writer = tokio::task::spawn_blocking(move || {
        let result = write_pages(&db, rx, commit_rows, from, to, progress.as_deref());
        (db, result)
    });

    let filter = Filter::new().address(vec![scope.token, scope.pool]);
    let fetched: Result<()> = async {
        let mut pages = stream::iter(page_ranges(from, to, opts.chunk))
            .map(|(a, b)| fetch_page(provider, &filter, a, b))
            .buffered(opts.concurrency.max(1));
        while let Some(page) = pages.next().await {
            if tx.send(page?).await.is_err() {
                break; // the writer stopped on an error, which it reports
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    let (db, written) = writer.await.expect("the writer thread does not panic");
    let (logs, rows) = written?;
    fetched?;
    report.logs = logs;
    report.rows = rows;
    report.cursor = db.cursor()?;
    report.millis = started.elapsed().as_millis() as u64;
    Ok((db, report))
}

/// One range: its logs, then the headers it needs (its last block, and blocks whose logs carry no
/// timestamp) in one batch.
async fn fetch_page(provider: &DynProvider, filter: &Filter, from: u64, to: u64) -> Result<Page> {
    let logs = fetch_range(provider, filter, from, to).await?;
    let mut need: Vec<u64> = logs
        .iter()
        .filter(|l| l.block_timestamp.is_none())
        .filter_map(|l| l.block_number)
        .collect();
    need.push(to);
    need.sort_unstable();
    need.dedup();
    Ok(Page { from, to, logs, headers: served_headers(provider, &need).await? })
}

/// The headers of `numbers`, which the chain is known to have (its logs or its head said so). A
/// node that answers "no such block" is behind: a provider's backend a block behind the one that
/// answered before. Asked again, the next answer may come from another backend; still missing, it
/// is [`Error::NodeBehind`], never taken for a reorg (only another hash at a height is one).
async fn served_headers(provider: &DynProvider, numbers: &[u64]) -> Result<BTreeMap<u64, Header>> {
    let mut map = BTreeMap::new();
    let mut missing: Vec<u64> = numbers.to_vec();
    for attempt in 0..4u32 {
        let found = headers(provider, &missing).await?;
        let mut still = Vec::new();
        for (n, h) in missing.iter().zip(found) {
            match h {
                Some(h) => {
                    map.insert(*n, h);
                }
                None => still.push(*n),
            }
        }
        missing = still;
        if missing.is_empty() {
            return Ok(map);
        }
        tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
    }
    Err(Error::NodeBehind { block: missing[0] })
}

/// Compares the last indexed blocks with the chain; on a mismatch rolls back to the highest block
/// that still matches (or drops everything when none in reach does).
async fn check_reorg(provider: &DynProvider, db: &mut Db) -> Result<Option<Rollback>> {
    let Some(cursor) = db.cursor()? else { return Ok(None) };
    let mut top = cursor.block;
    let mut window = REORG_WINDOW;
    loop {
        let stored = db.blocks_below(top, window)?;
        if stored.is_empty() {
            db.rollback_to(None)?;
            tracing::warn!(from = cursor.block, "reorg below every indexed block: re-indexing all");
            return Ok(Some(Rollback { from_block: cursor.block, to_block: None }));
        }
        let numbers: Vec<u64> = stored.iter().map(|(n, _)| *n).collect();
        let mut chain = headers(provider, &numbers).await?;
        // A block the node does not serve says nothing: only another hash at a height is a reorg.
        if top == cursor.block && chain.first().is_some_and(Option::is_none) {
            // Waits for it, or says the node is behind.
            let served = served_headers(provider, &[cursor.block]).await?;
            chain[0] = served.get(&cursor.block).cloned();
        }
        // Stored blocks are highest first; on one chain, once one matches, all below it do.
        let matched =
            stored.iter().zip(&chain).position(|((_, hash), h)| h.is_some_and(|h| h.hash == *hash));
        match matched {
            Some(0) if top == cursor.block => return Ok(None),
            Some(i) => {
                let keep = stored[i].0;
                db.rollback_to(Some(keep))?;
                tracing::warn!(from = cursor.block, to = keep, "reorg: rolled back to the fork");
                return Ok(Some(Rollback { from_block: cursor.block, to_block: Some(keep) }));
            }
            None => {
                top = stored.last().expect("not empty").0.saturating_sub(1);
                if stored.last().expect("not empty").0 == 0 {
                    db.rollback_to(None)?;
                    return Ok(Some(Rollback { from_block: cursor.block, to_block: None }));
                }
                window = (window * 4).min(4096);
            }
        }
    }
}

/// The writer: stores pages in order, committing with the cursor when no page is waiting or the
/// transaction is large. Returns (logs, rows) stored.
fn write_pages(
    db: &Db,
    mut rx: mpsc::Receiver<Page>,
    commit_rows: usize,
    from: u64,
    to: u64,
    progress: Option<&(dyn Fn(SyncProgress) + Send + Sync)>,
) -> Result<(u64, u64)> {
    let conn = &db.conn;
    let mut st = Statements::new(conn, db.scope().token, db.scope().pool)?;
    let (mut logs, mut rows) = (0u64, 0u64);
    let mut open: Option<u64> = None; // last page end in the open transaction
    let mut in_tx = 0usize;
    let mut last_report = Instant::now() - Duration::from_secs(1);
    let result = (|| -> Result<()> {
        loop {
            let page = match rx.try_recv() {
                Ok(p) => p,
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    if let Some(end) = open.take() {
                        commit(conn, end)?;
                        in_tx = 0;
                    }
                    match rx.blocking_recv() {
                        Some(p) => p,
                        None => break,
                    }
                }
            };
            if open.is_none() {
                conn.execute_batch("BEGIN")?;
            }
            let n = st.store(&page)?;
            logs += page.logs.len() as u64;
            rows += n;
            in_tx += n as usize;
            open = Some(page.to);
            if in_tx >= commit_rows {
                commit(conn, page.to)?;
                open = None;
                in_tx = 0;
            }
            if let Some(p) = progress
                && (last_report.elapsed() >= Duration::from_millis(100) || page.to == to)
            {
                last_report = Instant::now();
                p(SyncProgress { from, to, block: page.to, events: rows });
            }
            let _ = page.from;
        }
        if let Some(end) = open.take() {
            commit(conn, end)?;
        }
        Ok(())
    })();
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result.map(|()| (logs, rows))
}

fn commit(conn: &Connection, cursor: u64) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('cursor', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [cursor.to_string()],
    )?;
    conn.execute_batch("COMMIT")?;
    Ok(())
}

/// The writer's prepared statements.
/// One row of the `access` table: an access event, or one account of a batch renewal.
struct Access<'t> {
    block: i64,
    log_index: i64,
    seq: i64,
    tx: &'t [u8],
    event: &'static str,
    account: Address,
    role: alloy::primitives::B256,
    actor: Address,
    kind: Option<i64>,
}

impl<'t> Access<'t> {
    fn new(
        block: i64,
        log_index: i64,
        tx: &'t [u8],
        event: &'static str,
        account: Address,
        role: alloy::primitives::B256,
        actor: Address,
    ) -> Self {
        Self { block, log_index, seq: 0, tx, event, account, role, actor, kind: None }
    }
}

struct Statements<'c> {
    token: Address,
    pool: Address,
    block: Statement<'c>,
    transfer: Statement<'c>,
    approval: Statement<'c>,
    issuance: Statement<'c>,
    allocation: Statement<'c>,
    access: Statement<'c>,
    swap: Statement<'c>,
    liquidity: Statement<'c>,
    other: Statement<'c>,
}

impl<'c> Statements<'c> {
    fn new(conn: &'c Connection, token: Address, pool: Address) -> Result<Self> {
        Ok(Self {
            token,
            pool,
            block: conn.prepare(
                "INSERT INTO blocks (number, hash, timestamp) VALUES (?1, ?2, ?3)
                 ON CONFLICT(number) DO UPDATE SET hash = excluded.hash, timestamp = excluded.timestamp",
            )?,
            transfer: conn.prepare(
                "INSERT INTO transfers (block, log_index, tx, from_addr, to_addr, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            approval: conn.prepare(
                "INSERT INTO approvals (block, log_index, tx, owner, spender, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            issuance: conn.prepare(
                "INSERT INTO issuances (block, log_index, tx, operator, amount, per_bucket) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            allocation: conn.prepare(
                "INSERT INTO allocations (block, log_index, tx, bucket, to_addr, operator, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            access: conn.prepare(
                "INSERT INTO access (block, log_index, seq, tx, event, account, role, actor, kind, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?,
            swap: conn.prepare(
                "INSERT INTO swaps (block, log_index, tx, sender, to_addr, eth_in, wbx_in, eth_out, wbx_out) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            liquidity: conn.prepare(
                "INSERT INTO liquidity (block, log_index, tx, op, provider, to_addr, wbx, eth, shares) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            other: conn.prepare(
                "INSERT INTO other (block, log_index, tx, contract, name, actor, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        })
    }

    /// Stores one page: its blocks, then its events. Returns the rows written.
    fn store(&mut self, page: &Page) -> Result<u64> {
        let mut rows = 0;
        let mut last_block = None;
        for log in &page.logs {
            let (Some(block), Some(hash)) = (log.block_number, log.block_hash) else { continue };
            if last_block != Some(block) {
                let ts = match (log.block_timestamp, page.headers.get(&block)) {
                    (_, Some(h)) if h.hash != hash => return Err(Error::ReorgInFlight { block }),
                    (Some(ts), _) => ts,
                    (None, Some(h)) => h.timestamp,
                    (None, None) => return Err(Error::ReorgInFlight { block }),
                };
                self.block.execute(params![block as i64, hash.as_slice(), ts as i64])?;
                last_block = Some(block);
            }
            rows += self.event(block, log)?;
        }
        let end = page.headers.get(&page.to).ok_or(Error::ReorgInFlight { block: page.to })?;
        debug_assert_eq!(end.number, page.to);
        self.block.execute(params![page.to as i64, end.hash.as_slice(), end.timestamp as i64])?;
        Ok(rows)
    }

    fn event(&mut self, block: u64, log: &Log) -> Result<u64> {
        let b = block as i64;
        let li = log.log_index.unwrap_or_default() as i64;
        let tx = log.transaction_hash.unwrap_or_default();
        let tx = tx.as_slice();
        if log.address() == self.token {
            let Ok(ev) = WebexTokenEvents::decode_log(&log.inner) else {
                tracing::warn!(block, log_index = li, "a token log that does not decode: skipped");
                return Ok(0);
            };
            use WebexTokenEvents as E;
            match ev.data {
                E::Transfer(e) => {
                    self.transfer.execute(params![
                        b,
                        li,
                        tx,
                        e.from.as_slice(),
                        e.to.as_slice(),
                        amount_blob(e.value)
                    ])?;
                }
                E::Approval(e) => {
                    self.approval.execute(params![
                        b,
                        li,
                        tx,
                        e.owner.as_slice(),
                        e.spender.as_slice(),
                        amount_blob(e.value)
                    ])?;
                }
                E::SupplyIssued(e) => {
                    let per: Vec<u8> = e.perBucket.iter().flat_map(|v| amount_blob(*v)).collect();
                    self.issuance.execute(params![
                        b,
                        li,
                        tx,
                        e.operator.as_slice(),
                        amount_blob(e.amount),
                        per
                    ])?;
                }
                E::Allocated(e) => {
                    self.allocation.execute(params![
                        b,
                        li,
                        tx,
                        e.bucket as i64,
                        e.to.as_slice(),
                        e.operator.as_slice(),
                        amount_blob(e.amount)
                    ])?;
                }
                E::AccessGranted(e) => {
                    let a = Access::new(b, li, tx, "granted", e.account, e.role, e.sender);
                    self.access_row(Access { kind: Some(e.kind as i64), ..a }, Some(e.expiresAt))?;
                }
                E::AccessRenewed(e) => {
                    let a = Access::new(b, li, tx, "renewed", e.account, e.role, e.renewer);
                    self.access_row(a, Some(e.expiresAt))?;
                }
                E::AccessRenewedBatch(e) => {
                    // One row per renewed account, told apart by `seq` within the one log.
                    for (seq, account) in e.accounts.iter().enumerate() {
                        let a = Access::new(b, li, tx, "renewed", *account, e.role, e.renewer);
                        self.access_row(Access { seq: seq as i64, ..a }, Some(e.expiresAt))?;
                    }
                    return Ok(e.accounts.len() as u64);
                }
                E::AccessRevoked(e) => {
                    self.access_row(
                        Access::new(b, li, tx, "revoked", e.account, e.role, e.sender),
                        None,
                    )?;
                }
                E::RoleGranted(e) => {
                    self.access_row(
                        Access::new(b, li, tx, "role_granted", e.account, e.role, e.sender),
                        None,
                    )?;
                }
                E::RoleRevoked(e) => {
                    self.access_row(
                        Access::new(b, li, tx, "role_revoked", e.account, e.role, e.sender),
                        None,
                    )?;
                }
                E::Paused(e) => self.other(b, li, tx, "token", "Paused", Some(e.account), &e)?,
                E::Unpaused(e) => {
                    self.other(b, li, tx, "token", "Unpaused", Some(e.account), &e)?
                }
                E::GrantDurationsUpdated(e) => {
                    self.other(b, li, tx, "token", "GrantDurationsUpdated", None, &e)?
                }
                E::PoolRegistered(e) => {
                    // A registration is access: the pool moves WBX without a grant from then on.
                    let event = if e.registered { "pool_registered" } else { "pool_unregistered" };
                    self.access_row(
                        Access::new(b, li, tx, event, e.pool, crate::reports::POOL_ROLE, e.sender),
                        None,
                    )?;
                }
                E::PaymentRecorded(e) => {
                    self.other(b, li, tx, "token", "PaymentRecorded", Some(e.operator), &e)?
                }
                E::RoleAdminChanged(e) => {
                    self.other(b, li, tx, "token", "RoleAdminChanged", None, &e)?
                }
                E::DefaultAdminTransferScheduled(e) => {
                    self.other(b, li, tx, "token", "DefaultAdminTransferScheduled", None, &e)?
                }
                E::DefaultAdminTransferCanceled(e) => {
                    self.other(b, li, tx, "token", "DefaultAdminTransferCanceled", None, &e)?
                }
                E::DefaultAdminDelayChangeScheduled(e) => {
                    self.other(b, li, tx, "token", "DefaultAdminDelayChangeScheduled", None, &e)?
                }
                E::DefaultAdminDelayChangeCanceled(e) => {
                    self.other(b, li, tx, "token", "DefaultAdminDelayChangeCanceled", None, &e)?
                }
                E::EIP712DomainChanged(e) => {
                    self.other(b, li, tx, "token", "EIP712DomainChanged", None, &e)?
                }
            }
            Ok(1)
        } else if log.address() == self.pool {
            let Ok(ev) = WbxPoolEvents::decode_log(&log.inner) else {
                tracing::warn!(block, log_index = li, "a pool log that does not decode: skipped");
                return Ok(0);
            };
            use WbxPoolEvents as E;
            match ev.data {
                E::Swap(e) => {
                    self.swap.execute(params![
                        b,
                        li,
                        tx,
                        e.sender.as_slice(),
                        e.to.as_slice(),
                        amount_blob(e.ethIn),
                        amount_blob(e.wbxIn),
                        amount_blob(e.ethOut),
                        amount_blob(e.wbxOut)
                    ])?;
                }
                E::LiquidityAdded(e) => {
                    self.liquidity.execute(params![
                        b,
                        li,
                        tx,
                        "add",
                        e.provider.as_slice(),
                        e.to.as_slice(),
                        amount_blob(e.wbx),
                        amount_blob(e.eth),
                        amount_blob(e.shares)
                    ])?;
                }
                E::LiquidityRemoved(e) => {
                    self.liquidity.execute(params![
                        b,
                        li,
                        tx,
                        "remove",
                        e.provider.as_slice(),
                        e.to.as_slice(),
                        amount_blob(e.wbx),
                        amount_blob(e.eth),
                        amount_blob(e.shares)
                    ])?;
                }
                E::FeeUpdated(e) => {
                    self.other(b, li, tx, "pool", "FeeUpdated", Some(e.developer), &e)?
                }
                E::Paused(e) => self.other(b, li, tx, "pool", "Paused", Some(e.account), &e)?,
                E::Unpaused(e) => self.other(b, li, tx, "pool", "Unpaused", Some(e.account), &e)?,
                E::Sync(e) => self.other(b, li, tx, "pool", "Sync", None, &e)?,
            }
            Ok(1)
        } else {
            Ok(0)
        }
    }

    fn access_row(
        &mut self,
        a: Access<'_>,
        expires_at: Option<alloy::primitives::U256>,
    ) -> Result<()> {
        self.access.execute(params![
            a.block,
            a.log_index,
            a.seq,
            a.tx,
            a.event,
            a.account.as_slice(),
            a.role.as_slice(),
            a.actor.as_slice(),
            a.kind,
            expires_at.map(|t| t.saturating_to::<i64>())
        ])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn other<T: serde::Serialize>(
        &mut self,
        b: i64,
        li: i64,
        tx: &[u8],
        contract: &str,
        name: &str,
        actor: Option<Address>,
        details: &T,
    ) -> Result<()> {
        let details = serde_json::to_string(details).unwrap_or_else(|_| "{}".into());
        self.other.execute(params![
            b,
            li,
            tx,
            contract,
            name,
            actor.as_ref().map(|a| a.as_slice()),
            details
        ])?;
        Ok(())
    }
}
