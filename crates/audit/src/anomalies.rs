//! `wbx audit anomalies`: events an auditor should look at twice.
//!
//! Large transfers and issuances, bursts of grants, changes of the admin and permanent roles, every
//! pool registration (a registered pool moves WBX without a grant), every pool fee change, pauses,
//! renewals that came within a minute of expiry (a keeper running late), and grants that lapsed
//! while their holder was still using the token.

use crate::{
    db::{Db, addr, amount, b256},
    error::Result,
    reports::{self, role_name},
};
use alloy::primitives::{Address, B256, U256};
use serde::Serialize;
use std::collections::BTreeMap;
use wbx_sdk::{Amount, Role};

/// Thresholds of [`anomalies`].
#[derive(Debug, Clone)]
pub struct AnomalyOptions {
    /// A transfer of at least this much is large (smallest units).
    pub large_transfer: U256,
    /// An issuance of at least this much new supply is large (smallest units).
    pub large_issuance: U256,
    /// This many grants ...
    pub burst_count: usize,
    /// ... within this many seconds are a burst.
    pub burst_window: u64,
    /// A renewal this close to the expiry it extends (seconds) came late.
    pub late_renewal: u64,
    /// Activity of the holder this close to a lapse (seconds, before or after) makes it notable.
    pub lapse_window: u64,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        Self {
            large_transfer: Amount::whole(100_000).raw(),
            large_issuance: Amount::whole(1_000_000).raw(),
            burst_count: 10,
            burst_window: 60,
            late_renewal: 60,
            lapse_window: 600,
        }
    }
}

/// The kinds of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// A transfer above the threshold.
    LargeTransfer,
    /// New supply above the threshold.
    LargeIssuance,
    /// Many grants in a short time.
    GrantBurst,
    /// A change of the top admin, a permanent role, a role's admin, or an Admin grant.
    AdminChange,
    /// A pool registered or unregistered: from then on it moves WBX without a grant, or no longer.
    PoolRegistration,
    /// The pool's swap fee changed.
    FeeChange,
    /// The token or the pool paused or unpaused.
    Pause,
    /// A renewal shortly before the expiry it extended.
    LateRenewal,
    /// A grant that expired while its holder was active around that time.
    LapsedWhileActive,
}

impl AnomalyKind {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::LargeTransfer => "large-transfer",
            Self::LargeIssuance => "large-issuance",
            Self::PoolRegistration => "pool-registration",
            Self::FeeChange => "fee-change",
            Self::GrantBurst => "grant-burst",
            Self::AdminChange => "admin-change",
            Self::Pause => "pause",
            Self::LateRenewal => "late-renewal",
            Self::LapsedWhileActive => "lapsed-while-active",
        }
    }
}

/// One anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    /// What kind.
    pub kind: AnomalyKind,
    /// When (unix seconds).
    pub time: u64,
    /// The block, when one event marks it.
    pub block: Option<u64>,
    /// The account it is about.
    pub account: Option<Address>,
    /// What happened, in words.
    pub detail: String,
}

/// Every anomaly in the index, in time order.
pub fn anomalies(db: &Db, o: &AnomalyOptions) -> Result<Vec<Anomaly>> {
    let mut out = large_transfers(db, o, 0)?;
    out.extend(access_anomalies(db, o)?);
    sort(&mut out);
    Ok(out)
}

/// Sorts anomalies into report order: by time, then block, then kind (stable, so two of a kind in
/// one block keep their log order).
pub fn sort(list: &mut [Anomaly]) {
    list.sort_by_key(|a| (a.time, a.block, a.kind));
}

/// Large transfers in blocks `from..`, in chain order. Each depends on its own log only, so a
/// live dashboard asks for the new blocks' ones and keeps the rest.
pub fn large_transfers(db: &Db, o: &AnomalyOptions, from: u64) -> Result<Vec<Anomaly>> {
    let conn = db.connection();
    let mut out = Vec::new();
    // Mints are issuances, reported by the buckets, not here.
    let mut st = conn.prepare(
        "SELECT t.block, b.timestamp, t.from_addr, t.to_addr, t.amount FROM transfers t
         JOIN blocks b ON b.number = t.block WHERE t.amount >= ?1 AND t.block >= ?2
         ORDER BY t.block, t.log_index",
    )?;
    let min = o.large_transfer.to_be_bytes::<32>();
    let mut rows = st.query(rusqlite::params![min.as_slice(), from.min(i64::MAX as u64) as i64])?;
    while let Some(r) = rows.next()? {
        let from = addr(&r.get::<_, Vec<u8>>(2)?);
        if from == Address::ZERO {
            continue;
        }
        let to = addr(&r.get::<_, Vec<u8>>(3)?);
        let v = Amount::from_raw(amount(&r.get::<_, Vec<u8>>(4)?));
        out.push(Anomaly {
            kind: AnomalyKind::LargeTransfer,
            time: r.get::<_, i64>(1)? as u64,
            block: Some(r.get::<_, i64>(0)? as u64),
            account: Some(from),
            detail: format!("{v} WBX from {from} to {to}"),
        });
    }
    Ok(out)
}

/// Every anomaly but the large transfers: grant bursts, admin changes, pauses, late renewals and
/// lapses. They read the access and admin events (a few rows beside the transfers) and the
/// indexed head's time, so they are worked out again as a whole.
pub fn access_anomalies(db: &Db, o: &AnomalyOptions) -> Result<Vec<Anomaly>> {
    let conn = db.connection();
    let mut out = Vec::new();

    // Large issuances (the deployment's own initial supply among them).
    let mut st = conn.prepare(
        "SELECT t.block, b.timestamp, t.operator, t.amount FROM issuances t
         JOIN blocks b ON b.number = t.block WHERE t.amount >= ?1 ORDER BY t.block, t.log_index",
    )?;
    let min = o.large_issuance.to_be_bytes::<32>();
    let mut rows = st.query([min.as_slice()])?;
    while let Some(r) = rows.next()? {
        let by = addr(&r.get::<_, Vec<u8>>(2)?);
        let v = Amount::from_raw(amount(&r.get::<_, Vec<u8>>(3)?));
        out.push(Anomaly {
            kind: AnomalyKind::LargeIssuance,
            time: r.get::<_, i64>(1)? as u64,
            block: Some(r.get::<_, i64>(0)? as u64),
            account: Some(by),
            detail: format!("{v} WBX of new supply issued by {by}"),
        });
    }

    // Access events: bursts, admin changes, pool registrations, late renewals.
    struct Row {
        block: u64,
        time: u64,
        event: String,
        account: Address,
        role: B256,
        actor: Address,
        expires_at: Option<u64>,
    }
    let mut st = conn.prepare(
        "SELECT a.block, b.timestamp, a.event, a.account, a.role, a.actor, a.expires_at
         FROM access a JOIN blocks b ON b.number = a.block ORDER BY a.block, a.log_index, a.seq",
    )?;
    let rows: Vec<Row> = st
        .query_map([], |r| {
            Ok(Row {
                block: r.get::<_, i64>(0)? as u64,
                time: r.get::<_, i64>(1)? as u64,
                event: r.get(2)?,
                account: addr(&r.get::<_, Vec<u8>>(3)?),
                role: b256(&r.get::<_, Vec<u8>>(4)?),
                actor: addr(&r.get::<_, Vec<u8>>(5)?),
                expires_at: r.get::<_, Option<i64>>(6)?.map(|e| e as u64),
            })
        })?
        .collect::<Result<_, _>>()?;

    let grants: Vec<&Row> = rows.iter().filter(|r| r.event == "granted").collect();
    let mut i = 0;
    while i < grants.len() {
        let mut j = i;
        while j + 1 < grants.len() && grants[j + 1].time - grants[i].time <= o.burst_window {
            j += 1;
        }
        let n = j - i + 1;
        if n >= o.burst_count.max(1) {
            let by: std::collections::BTreeSet<Address> =
                grants[i..=j].iter().map(|g| g.actor).collect();
            let by: Vec<String> = by.iter().map(ToString::to_string).collect();
            out.push(Anomaly {
                kind: AnomalyKind::GrantBurst,
                time: grants[i].time,
                block: Some(grants[i].block),
                account: None,
                detail: format!(
                    "{n} grants in {}s (blocks {}-{}) by {}",
                    grants[j].time - grants[i].time,
                    grants[i].block,
                    grants[j].block,
                    by.join(", ")
                ),
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }

    let admin = Role::Admin.id();
    let mut expiry: BTreeMap<(Address, B256), u64> = BTreeMap::new();
    for r in &rows {
        let role = role_name(r.role);
        match r.event.as_str() {
            "role_granted" | "role_revoked" => out.push(Anomaly {
                kind: AnomalyKind::AdminChange,
                time: r.time,
                block: Some(r.block),
                account: Some(r.account),
                detail: format!(
                    "{role} role {} {} by {}",
                    if r.event == "role_granted" { "granted to" } else { "revoked from" },
                    r.account,
                    r.actor
                ),
            }),
            "granted" | "revoked" if r.role == admin => out.push(Anomaly {
                kind: AnomalyKind::AdminChange,
                time: r.time,
                block: Some(r.block),
                account: Some(r.account),
                detail: format!("admin grant {} {} by {}", r.event, r.account, r.actor),
            }),
            "pool_registered" => out.push(Anomaly {
                kind: AnomalyKind::PoolRegistration,
                time: r.time,
                block: Some(r.block),
                account: Some(r.account),
                detail: format!(
                    "pool {} registered by {}: it moves WBX without a Trader grant",
                    r.account, r.actor
                ),
            }),
            "pool_unregistered" => out.push(Anomaly {
                kind: AnomalyKind::PoolRegistration,
                time: r.time,
                block: Some(r.block),
                account: Some(r.account),
                detail: format!(
                    "pool {} unregistered by {}: its WBX payouts stop",
                    r.account, r.actor
                ),
            }),
            _ => {}
        }
        let key = (r.account, r.role);
        match r.event.as_str() {
            "granted" => {
                if let Some(e) = r.expires_at {
                    expiry.insert(key, e);
                }
            }
            "renewed" => {
                if let Some(prev) = expiry.get(&key).copied()
                    && prev >= r.time
                    && prev - r.time < o.late_renewal
                {
                    out.push(Anomaly {
                        kind: AnomalyKind::LateRenewal,
                        time: r.time,
                        block: Some(r.block),
                        account: Some(r.account),
                        detail: format!(
                            "{role} grant of {} renewed by {} {}s before it expired",
                            r.account,
                            r.actor,
                            prev - r.time
                        ),
                    });
                }
                if let Some(e) = r.expires_at {
                    expiry.insert(key, e);
                }
            }
            _ => {}
        }
    }

    // Other events: pauses, fee changes and admin-side changes.
    let mut st = conn.prepare(
        "SELECT o.block, b.timestamp, o.contract, o.name, o.actor, o.details FROM other o
         JOIN blocks b ON b.number = o.block
         WHERE o.name IN ('Paused', 'Unpaused', 'FeeUpdated', 'RoleAdminChanged', 'DefaultAdminTransferScheduled',
           'DefaultAdminTransferCanceled', 'DefaultAdminDelayChangeScheduled',
           'DefaultAdminDelayChangeCanceled')
         ORDER BY o.block, o.log_index",
    )?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let name: String = r.get(3)?;
        let contract: String = r.get(2)?;
        let actor = r.get::<_, Option<Vec<u8>>>(4)?.map(|a| addr(&a));
        let details: String = r.get(5)?;
        let pause = name == "Paused" || name == "Unpaused";
        let (kind, detail) = match actor {
            Some(a) if pause => {
                (AnomalyKind::Pause, format!("{contract} {} by {a}", name.to_lowercase()))
            }
            _ if name == "FeeUpdated" => (AnomalyKind::FeeChange, fee_change(&details, actor)),
            _ => (AnomalyKind::AdminChange, format!("{contract} {name} {details}")),
        };
        out.push(Anomaly {
            kind,
            time: r.get::<_, i64>(1)? as u64,
            block: Some(r.get::<_, i64>(0)? as u64),
            account: actor,
            detail,
        });
    }

    // Lapses: a grant that expired (not revoked) while its holder moved tokens around then.
    let access = reports::access(db, None, None)?;
    let mut activity = conn.prepare(
        "SELECT COUNT(*), MIN(b.timestamp), MAX(b.timestamp) FROM (
           SELECT block FROM transfers WHERE from_addr = ?1
           UNION ALL SELECT block FROM swaps WHERE sender = ?1
           UNION ALL SELECT block FROM approvals WHERE owner = ?1) x
         JOIN blocks b ON b.number = x.block WHERE b.timestamp >= ?2 AND b.timestamp <= ?3",
    )?;
    for t in &access.timelines {
        for e in t.entries.iter().filter(|e| e.event == "expired") {
            let lo = e.time.saturating_sub(o.lapse_window) as i64;
            let hi = e.time.saturating_add(o.lapse_window).min(i64::MAX as u64) as i64;
            let (n, first, last): (i64, Option<i64>, Option<i64>) = activity
                .query_row(rusqlite::params![t.account.as_slice(), lo, hi], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            if n > 0 {
                out.push(Anomaly {
                    kind: AnomalyKind::LapsedWhileActive,
                    time: e.time,
                    block: None,
                    account: Some(t.account),
                    detail: format!(
                        "{} grant of {} expired while it was active: {n} action(s) between {} and {} (within {}s of the expiry)",
                        t.role,
                        t.account,
                        crate::html::utc(first.unwrap_or_default() as u64),
                        crate::html::utc(last.unwrap_or_default() as u64),
                        o.lapse_window
                    ),
                });
            }
        }
    }

    sort(&mut out);
    Ok(out)
}

/// `pool fee 0.30% -> 0.25% by 0x…`, from a `FeeUpdated` row's fields (the raw fields if they do
/// not read as expected).
fn fee_change(details: &str, by: Option<Address>) -> String {
    let fields: serde_json::Value = serde_json::from_str(details).unwrap_or_default();
    let bps = |k: &str| fields.get(k).and_then(serde_json::Value::as_u64);
    let pct = |b: u64| format!("{}.{:02}%", b / 100, b % 100);
    let by = by.map_or_else(|| "?".to_string(), |a| a.to_string());
    match (bps("oldFeeBps"), bps("newFeeBps")) {
        (Some(old), Some(new)) => format!("pool fee {} -> {} by {by}", pct(old), pct(new)),
        _ => format!("pool fee changed by {by} ({details})"),
    }
}
