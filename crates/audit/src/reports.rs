//! Reports over the index: token movements, access timelines, who held a role at a moment, and
//! the buckets. They read only the database, never the chain.

use crate::{
    db::{Db, addr, amount, amount_blob, b256},
    error::{Error, Result},
};
use alloy::primitives::{Address, B256, U256};
use serde::Serialize;
use std::collections::BTreeMap;
use wbx_sdk::{Amount, Bucket, GrantKind, Role};

/// The pseudo-role under which the index keeps pool registrations (`keccak256("POOL_REGISTRATION")`,
/// no role of the token): a registered pool moves WBX without a Trader grant, so its registration is
/// access like a grant, listed as the role `pool` by the access reports.
pub const POOL_ROLE: B256 =
    alloy::primitives::b256!("414ceb6012a70f921932d74543a95a526edba4f6d8d1d2de19402658b98b100a");

/// A role by name when it is one of ours (or `top-admin`, or `pool` for registrations), else its id
/// in hex.
pub fn role_name(id: B256) -> String {
    if id == B256::ZERO {
        return "top-admin".into();
    }
    if id == POOL_ROLE {
        return "pool".into();
    }
    Role::from_id(id).map_or_else(|| id.to_string(), |r| r.name().to_string())
}

/// The on-chain id of a role name (`top-admin` is `DEFAULT_ADMIN_ROLE`; `pool` is [`POOL_ROLE`],
/// the pool registrations).
pub fn role_id(name: &str) -> Result<B256> {
    if name.eq_ignore_ascii_case("top-admin") || name.eq_ignore_ascii_case("default-admin") {
        return Ok(B256::ZERO);
    }
    if name.eq_ignore_ascii_case("pool") {
        return Ok(POOL_ROLE);
    }
    name.parse::<Role>()
        .map(Role::id)
        .map_err(|e| Error::Input(format!("{e} (or top-admin, or pool for registered pools)")))
}

/// What kind of movement a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MovementKind {
    /// New supply minted into the buckets.
    Issuance,
    /// A release from a bucket.
    Allocation,
    /// An ERC-20 transfer (including mints, releases and pool payouts).
    Transfer,
    /// A pool swap.
    Swap,
}

/// A token movement.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    /// What it is.
    pub kind: MovementKind,
    /// Block.
    pub block: u64,
    /// Position in the block.
    pub log_index: u64,
    /// Block time (unix seconds).
    pub time: u64,
    /// Transaction.
    pub tx: B256,
    /// Sender (the operator of an issuance or allocation, the swapper of a swap).
    pub from: Address,
    /// Recipient (zero for an issuance).
    pub to: Address,
    /// WBX moved (a swap: the WBX side).
    pub amount: Amount,
    /// A swap's ETH side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eth: Option<Amount>,
    /// A swap's direction: `buy` (ETH in) or `sell` (WBX in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    /// The bucket of an allocation (or of a bucket-filtered issuance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Bucket>,
}

/// Filters of [`transactions`]; every one that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct TxFilter {
    /// Only these kinds (empty: all).
    pub kinds: Vec<MovementKind>,
    /// Only movements from or to this account.
    pub account: Option<Address>,
    /// Only allocations from this bucket, and issuances into it (with the bucket's part).
    pub bucket: Option<Bucket>,
    /// From this block.
    pub from_block: Option<u64>,
    /// Up to this block.
    pub to_block: Option<u64>,
    /// From this time (unix seconds).
    pub from_time: Option<u64>,
    /// Up to this time.
    pub to_time: Option<u64>,
    /// At least this amount (WBX).
    pub min_amount: Option<U256>,
}

/// A movement from the columns every movement query starts with: block, log index, block time,
/// tx, from (and `to` at column 5 unless `to` is given); the rest is filled by the caller.
fn movement(
    kind: MovementKind,
    r: &rusqlite::Row<'_>,
    to: Option<Address>,
) -> rusqlite::Result<Movement> {
    Ok(Movement {
        kind,
        block: r.get::<_, i64>(0)? as u64,
        log_index: r.get::<_, i64>(1)? as u64,
        time: r.get::<_, i64>(2)? as u64,
        tx: b256(&r.get::<_, Vec<u8>>(3)?),
        from: addr(&r.get::<_, Vec<u8>>(4)?),
        to: match to {
            Some(to) => to,
            None => addr(&r.get::<_, Vec<u8>>(5)?),
        },
        amount: Amount::ZERO,
        eth: None,
        side: None,
        bucket: None,
    })
}

/// The CSV header of a movement list (`wbx audit transactions --format csv`, the dashboard's
/// export).
pub const CSV_HEADER: &str = "block,time,kind,from,to,wbx,eth,bucket,tx";

/// One movement as a CSV row under [`CSV_HEADER`].
pub fn csv_row(m: &Movement) -> String {
    [
        m.block.to_string(),
        crate::html::utc(m.time),
        format!("{:?}", m.kind).to_lowercase(),
        m.from.to_string(),
        m.to.to_string(),
        m.amount.to_string(),
        m.eth.map_or(String::new(), |e| e.to_string()),
        m.bucket.map_or(String::new(), |b| b.to_string()),
        m.tx.to_string(),
    ]
    .join(",")
}

/// Token movements matching `f`, in chain order.
pub fn transactions(db: &Db, f: &TxFilter) -> Result<Vec<Movement>> {
    movements(db, f, None)
}

/// The newest `limit` token movements matching `f`, newest first (what a dashboard shows; the
/// tables' keys are walked backwards, so it costs the same on a million rows as on a hundred).
pub fn recent_transactions(db: &Db, f: &TxFilter, limit: usize) -> Result<Vec<Movement>> {
    let mut out = movements(db, f, Some(limit))?;
    out.reverse();
    out.truncate(limit);
    Ok(out)
}

fn movements(db: &Db, f: &TxFilter, limit: Option<usize>) -> Result<Vec<Movement>> {
    let want = |k| f.kinds.is_empty() || f.kinds.contains(&k);
    // The block range also bounds `t.block`, so SQLite walks the tables' (block, log_index) keys
    // instead of scanning them: a dashboard asking for the newest rows of a million stays fast.
    let (lo, hi) = (f.from_block.unwrap_or(0), f.to_block.map_or(i64::MAX, |b| b as i64));
    let range = format!(
        "t.block >= {lo} AND t.block <= {hi} AND b.number >= {lo} AND b.number <= {hi} AND b.timestamp >= {} AND b.timestamp <= {}",
        f.from_time.unwrap_or(0),
        f.to_time.map_or(i64::MAX, |t| t as i64),
    );
    // Newest first and at most `limit` per table when a limit is asked for; the caller merges.
    let tail = match limit {
        Some(n) => format!(" ORDER BY t.block DESC, t.log_index DESC LIMIT {n}"),
        None => String::new(),
    };
    // The account and minimum-amount filters run inside SQLite where a table has the columns, so
    // a report on a million transfers does not load them all; the final `retain` covers the rest.
    // Both are hex literals of values we encode, never user text.
    let party = |from: &str, to: &str| {
        f.account.map_or(String::new(), |a| {
            let a = alloy::primitives::hex::encode(a);
            format!(" AND (t.{from} = X'{a}' OR t.{to} = X'{a}')")
        })
    };
    let at_least = |col: &str| {
        f.min_amount.map_or(String::new(), |min| {
            format!(" AND t.{col} >= X'{}'", alloy::primitives::hex::encode(amount_blob(min)))
        })
    };
    let mut out = Vec::new();
    let conn = db.connection();
    if want(MovementKind::Issuance) {
        let mut st = conn.prepare(&format!(
            "SELECT t.block, t.log_index, b.timestamp, t.tx, t.operator, t.amount, t.per_bucket
             FROM issuances t JOIN blocks b ON b.number = t.block WHERE {range}{tail}"
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let per: Vec<u8> = r.get(6)?;
            let (amount_v, bucket) = match f.bucket {
                Some(bk) => {
                    let i = bk.index() as usize * 32;
                    (amount(&per[i..i + 32]), Some(bk))
                }
                None => (amount(&r.get::<_, Vec<u8>>(5)?), None),
            };
            out.push(Movement {
                amount: Amount::from_raw(amount_v),
                bucket,
                ..movement(MovementKind::Issuance, r, Some(Address::ZERO))?
            });
        }
    }
    if want(MovementKind::Allocation) {
        let bucket = f.bucket.map_or(String::new(), |b| format!(" AND t.bucket = {}", b.index()));
        let mut st = conn.prepare(&format!(
            "SELECT t.block, t.log_index, b.timestamp, t.tx, t.operator, t.to_addr, t.amount, t.bucket
             FROM allocations t JOIN blocks b ON b.number = t.block WHERE {range}{bucket}{}{}{tail}",
            party("operator", "to_addr"),
            at_least("amount"),
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            out.push(Movement {
                amount: Amount::from_raw(amount(&r.get::<_, Vec<u8>>(6)?)),
                bucket: Bucket::from_index(r.get::<_, i64>(7)? as u8),
                ..movement(MovementKind::Allocation, r, None)?
            });
        }
    }
    if f.bucket.is_none() && want(MovementKind::Transfer) {
        let mut st = conn.prepare(&format!(
            "SELECT t.block, t.log_index, b.timestamp, t.tx, t.from_addr, t.to_addr, t.amount
             FROM transfers t JOIN blocks b ON b.number = t.block WHERE {range}{}{}{tail}",
            party("from_addr", "to_addr"),
            at_least("amount"),
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            out.push(Movement {
                amount: Amount::from_raw(amount(&r.get::<_, Vec<u8>>(6)?)),
                ..movement(MovementKind::Transfer, r, None)?
            });
        }
    }
    if f.bucket.is_none() && want(MovementKind::Swap) {
        let mut st = conn.prepare(&format!(
            "SELECT t.block, t.log_index, b.timestamp, t.tx, t.sender, t.to_addr, t.eth_in, t.wbx_in, t.eth_out, t.wbx_out
             FROM swaps t JOIN blocks b ON b.number = t.block WHERE {range}{}{tail}",
            party("sender", "to_addr"),
        ))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let eth_in = amount(&r.get::<_, Vec<u8>>(6)?);
            let wbx_in = amount(&r.get::<_, Vec<u8>>(7)?);
            let eth_out = amount(&r.get::<_, Vec<u8>>(8)?);
            let wbx_out = amount(&r.get::<_, Vec<u8>>(9)?);
            let (side, wbx, eth) =
                if eth_in.is_zero() { ("sell", wbx_in, eth_out) } else { ("buy", wbx_out, eth_in) };
            out.push(Movement {
                amount: Amount::from_raw(wbx),
                eth: Some(Amount::from_raw(eth)),
                side: Some(side),
                ..movement(MovementKind::Swap, r, None)?
            });
        }
    }
    out.retain(|m| {
        f.account.is_none_or(|a| m.from == a || m.to == a)
            && f.min_amount.is_none_or(|min| m.amount.raw() >= min)
    });
    out.sort_by_key(|m| (m.block, m.log_index, m.kind));
    Ok(out)
}

/// One line of an access timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    /// `granted`, `renewed`, `revoked`, `expired` (computed), `role-granted`, `role-revoked`,
    /// `registered`, `unregistered` (pools).
    pub event: &'static str,
    /// When (unix seconds): the block time, or for `expired` the expiry itself.
    pub time: u64,
    /// The block (none for `expired`, which no transaction marks).
    pub block: Option<u64>,
    /// Who did it: the granting admin, the renewer, the revoker.
    pub by: Option<Address>,
    /// Standard or Extended (on `granted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<GrantKind>,
    /// The expiry this event set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<B256>,
}

/// The access history of one account and role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// The account.
    pub account: Address,
    /// The role's name.
    pub role: String,
    /// Where it stands at the indexed head: `active`, `expired`, `revoked` (timed roles), `held`,
    /// `removed` (permanent roles), `registered`, `unregistered` (pools).
    pub status: &'static str,
    /// The current expiry of a timed grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The events, oldest first.
    pub entries: Vec<AccessEntry>,
}

/// The access report: one timeline per account and role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessReport {
    /// The indexed head the statuses refer to.
    pub head_block: u64,
    /// Its time.
    pub head_time: u64,
    /// Timelines, by account then role.
    pub timelines: Vec<Timeline>,
}

/// A raw row of the `access` table.
struct AccessRow {
    block: u64,
    time: u64,
    tx: B256,
    event: String,
    account: Address,
    role: B256,
    actor: Address,
    kind: Option<u8>,
    expires_at: Option<u64>,
}

/// Access rows up to `max_block` and `max_time`, in chain order.
fn access_rows(db: &Db, max_block: u64, max_time: u64) -> Result<Vec<AccessRow>> {
    let mut st = db.connection().prepare(
        "SELECT a.block, b.timestamp, a.tx, a.event, a.account, a.role, a.actor, a.kind, a.expires_at
         FROM access a JOIN blocks b ON b.number = a.block
         WHERE a.block <= ?1 AND b.timestamp <= ?2 ORDER BY a.block, a.log_index, a.seq",
    )?;
    let rows = st.query_map(
        [max_block.min(i64::MAX as u64) as i64, max_time.min(i64::MAX as u64) as i64],
        |r| {
            Ok(AccessRow {
                block: r.get::<_, i64>(0)? as u64,
                time: r.get::<_, i64>(1)? as u64,
                tx: b256(&r.get::<_, Vec<u8>>(2)?),
                event: r.get(3)?,
                account: addr(&r.get::<_, Vec<u8>>(4)?),
                role: b256(&r.get::<_, Vec<u8>>(5)?),
                actor: addr(&r.get::<_, Vec<u8>>(6)?),
                kind: r.get::<_, Option<i64>>(7)?.map(|k| k as u8),
                expires_at: r.get::<_, Option<i64>>(8)?.map(|e| e as u64),
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replays access rows into timelines as of `now`.
fn timelines(rows: &[AccessRow], now: u64) -> Vec<Timeline> {
    #[derive(Default)]
    struct State {
        entries: Vec<AccessEntry>,
        active: bool,
        held: Option<bool>,
        revoked: bool,
        expires: Option<u64>,
    }
    let mut map: BTreeMap<(Address, B256), State> = BTreeMap::new();
    let expire = |s: &mut State, t: u64| {
        if let (true, Some(e)) = (s.active, s.expires)
            && e <= t
        {
            s.active = false;
            s.entries.push(AccessEntry {
                event: "expired",
                time: e,
                block: None,
                by: None,
                kind: None,
                expires_at: None,
                tx: None,
            });
        }
    };
    for r in rows {
        let s = map.entry((r.account, r.role)).or_default();
        expire(s, r.time);
        let mut entry = AccessEntry {
            event: "",
            time: r.time,
            block: Some(r.block),
            by: Some(r.actor),
            kind: None,
            expires_at: r.expires_at,
            tx: Some(r.tx),
        };
        match r.event.as_str() {
            "granted" => {
                entry.event = "granted";
                entry.kind = r.kind.and_then(GrantKind::from_index);
                s.active = true;
                s.revoked = false;
                s.expires = r.expires_at;
            }
            "renewed" => {
                entry.event = "renewed";
                s.expires = r.expires_at;
            }
            "revoked" => {
                entry.event = "revoked";
                s.active = false;
                s.revoked = true;
                s.expires = Some(r.time);
            }
            "role_granted" => {
                entry.event = "role-granted";
                s.held = Some(true);
            }
            "pool_registered" => {
                entry.event = "registered";
                s.held = Some(true);
            }
            "pool_unregistered" => {
                entry.event = "unregistered";
                s.held = Some(false);
            }
            _ => {
                entry.event = "role-revoked";
                s.held = Some(false);
            }
        }
        s.entries.push(entry);
    }
    map.into_iter()
        .map(|((account, role), mut s)| {
            expire(&mut s, now);
            let pool = role == POOL_ROLE;
            let status = match s.held {
                Some(true) if pool => "registered",
                Some(false) if pool => "unregistered",
                Some(true) => "held",
                Some(false) => "removed",
                None if s.active => "active",
                None if s.revoked => "revoked",
                None => "expired",
            };
            Timeline {
                account,
                role: role_name(role),
                status,
                expires_at: if s.held.is_some() { None } else { s.expires },
                entries: s.entries,
            }
        })
        .collect()
}

/// Access timelines at the indexed head, optionally for one account and one role.
pub fn access(db: &Db, account: Option<Address>, role: Option<B256>) -> Result<AccessReport> {
    let head = db.require_cursor()?;
    let rows = access_rows(db, head.block, u64::MAX)?;
    let mut timelines = timelines(&rows, head.timestamp);
    timelines.retain(|t| {
        account.is_none_or(|a| t.account == a) && role.is_none_or(|r| t.role == role_name(r))
    });
    Ok(AccessReport { head_block: head.block, head_time: head.timestamp, timelines })
}

/// A moment to ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A unix time in seconds: every event in blocks up to it counts.
    Time(u64),
    /// A block: every event up to and including it counts, at its timestamp.
    Block(u64),
}

/// Who held a role at a moment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoReport {
    /// The role.
    pub role: String,
    /// The moment (unix seconds).
    pub time: u64,
    /// The block asked about, if a block was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    /// The accounts with an active grant (or holding a permanent role) then.
    pub holders: Vec<Holder>,
}

/// One holder in a [`WhoReport`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    /// The account.
    pub account: Address,
    /// Standard or Extended (timed roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<GrantKind>,
    /// Who granted it.
    pub granted_by: Option<Address>,
    /// When it was granted.
    pub granted_at: u64,
    /// Its expiry as it stood then (timed roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Renewals up to then.
    pub renewals: u64,
}

/// Who held an active grant of `role` (or the permanent role, or for [`POOL_ROLE`] which pools were
/// registered) at `at`, from the events.
/// `block_time` is the timestamp of the block when `at` is a block (the caller looks it up when
/// the index does not hold that block).
pub fn who(db: &Db, role: B256, at: At, block_time: Option<u64>) -> Result<WhoReport> {
    let head = db.require_cursor()?;
    let (max_block, time, block) = match at {
        At::Time(t) => (head.block, t, None),
        At::Block(b) => {
            if b > head.block {
                return Err(Error::Input(format!(
                    "block {b} is past the indexed head {}: run `wbx audit sync` first",
                    head.block
                )));
            }
            let t = match block_time {
                Some(t) => t,
                None => db.block_time(b)?.ok_or_else(|| {
                    Error::Input(format!("the index holds no timestamp for block {b}"))
                })?,
            };
            (b, t, Some(b))
        }
    };
    let rows: Vec<AccessRow> =
        access_rows(db, max_block, time)?.into_iter().filter(|r| r.role == role).collect();
    let mut holders = Vec::new();
    for t in timelines(&rows, time) {
        let active = matches!(t.status, "active" | "held" | "registered")
            && t.expires_at.is_none_or(|e| time < e);
        if !active {
            continue;
        }
        let grant = t
            .entries
            .iter()
            .rposition(|e| matches!(e.event, "granted" | "role-granted" | "registered"))
            .expect("an active grant was granted");
        let g = &t.entries[grant];
        holders.push(Holder {
            account: t.account,
            kind: g.kind,
            granted_by: g.by,
            granted_at: g.time,
            expires_at: t.expires_at,
            renewals: t.entries[grant..].iter().filter(|e| e.event == "renewed").count() as u64,
        });
    }
    Ok(WhoReport { role: role_name(role), time, block, holders })
}

/// One bucket's accounting from the events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketRow {
    /// The bucket.
    pub bucket: Bucket,
    /// Its title.
    pub title: &'static str,
    /// The policy share in basis points.
    pub share_bps: u16,
    /// Issued into it.
    pub issued: Amount,
    /// Released from it.
    pub released: Amount,
    /// Issued minus released.
    pub remaining: Amount,
    /// The number of allocations from it.
    pub allocations: u64,
    /// Its part of all issued supply in basis points (rounded down).
    pub issued_share_bps: u64,
}

/// Issued, released and remaining per bucket, from `SupplyIssued` and `Allocated` events.
pub fn buckets(db: &Db) -> Result<Vec<BucketRow>> {
    Ok(BucketTotals::since(db, 0)?.rows())
}

/// Sums of the bucket events from some block on. A dashboard keeps one and adds each new range
/// to it ([`BucketTotals::add`]) instead of summing a million allocations again on every block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketTotals {
    /// Issued into each bucket (by [`Bucket::index`]).
    pub issued: [U256; 5],
    /// Released from each bucket.
    pub released: [U256; 5],
    /// Allocations from each bucket.
    pub allocations: [u64; 5],
}

impl BucketTotals {
    /// The sums over the events in blocks `from..`.
    pub fn since(db: &Db, from: u64) -> Result<Self> {
        let conn = db.connection();
        let mut t = Self::default();
        let from = from.min(i64::MAX as u64) as i64;
        let mut st = conn.prepare("SELECT per_bucket FROM issuances WHERE block >= ?1")?;
        let mut rows = st.query([from])?;
        while let Some(r) = rows.next()? {
            let per: Vec<u8> = r.get(0)?;
            for (i, v) in t.issued.iter_mut().enumerate() {
                *v += amount(&per[i * 32..i * 32 + 32]);
            }
        }
        let mut st = conn.prepare("SELECT bucket, amount FROM allocations WHERE block >= ?1")?;
        let mut rows = st.query([from])?;
        while let Some(r) = rows.next()? {
            let i = (r.get::<_, i64>(0)? as usize).min(4);
            t.released[i] += amount(&r.get::<_, Vec<u8>>(1)?);
            t.allocations[i] += 1;
        }
        Ok(t)
    }

    /// Adds the sums of a later range.
    pub fn add(&mut self, later: &Self) {
        for i in 0..5 {
            self.issued[i] += later.issued[i];
            self.released[i] += later.released[i];
            self.allocations[i] += later.allocations[i];
        }
    }

    /// One report row per bucket.
    pub fn rows(&self) -> Vec<BucketRow> {
        let total: U256 = self.issued.iter().copied().sum();
        Bucket::ALL
            .iter()
            .map(|&b| {
                let i = b.index() as usize;
                BucketRow {
                    bucket: b,
                    title: b.title(),
                    share_bps: b.share_bps(),
                    issued: Amount::from_raw(self.issued[i]),
                    released: Amount::from_raw(self.released[i]),
                    remaining: Amount::from_raw(self.issued[i].saturating_sub(self.released[i])),
                    allocations: self.allocations[i],
                    issued_share_bps: if total.is_zero() {
                        0
                    } else {
                        (self.issued[i] * U256::from(10_000u64) / total).to::<u64>()
                    },
                }
            })
            .collect()
    }
}
