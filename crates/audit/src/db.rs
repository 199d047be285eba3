//! The SQLite index: its schema (migrated by `PRAGMA user_version`), the cursor, and rollback.
//!
//! Amounts are stored as 32-byte big-endian blobs (so `>=` on blobs compares amounts exactly),
//! addresses as 20-byte blobs, hashes and role ids as 32-byte blobs. Every table of events is keyed
//! by `(block, log_index)` (plus `seq` for the accounts of a batch renewal), so a replayed range can
//! never be counted twice.

use crate::error::{Error, Result};
use alloy::primitives::{Address, B256, U256};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use wbx_sdk::Deployment;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// Tables keyed by block that a rollback trims.
pub(crate) const EVENT_TABLES: &[&str] = &[
    "transfers",
    "approvals",
    "issuances",
    "allocations",
    "access",
    "swaps",
    "liquidity",
    "other",
];

const SCHEMA_V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Blocks the index has seen: every block with an event, and the last block of every committed
-- range. Their hashes detect reorgs; their timestamps date the events.
CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL, timestamp INTEGER NOT NULL);
CREATE TABLE transfers (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  from_addr BLOB NOT NULL, to_addr BLOB NOT NULL, amount BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE TABLE approvals (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  owner BLOB NOT NULL, spender BLOB NOT NULL, amount BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE TABLE issuances (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  operator BLOB NOT NULL, amount BLOB NOT NULL, per_bucket BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE TABLE allocations (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  bucket INTEGER NOT NULL, to_addr BLOB NOT NULL, operator BLOB NOT NULL, amount BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
-- Grants and roles: event is granted | renewed | revoked (timed roles), role_granted |
-- role_revoked (AccessControl roles), or pool_registered | pool_unregistered (account: the pool,
-- role: the pseudo-role POOL_ROLE). A batch renewal is one row per account (seq).
CREATE TABLE access (block INTEGER NOT NULL, log_index INTEGER NOT NULL, seq INTEGER NOT NULL,
  tx BLOB NOT NULL, event TEXT NOT NULL, account BLOB NOT NULL, role BLOB NOT NULL,
  actor BLOB NOT NULL, kind INTEGER, expires_at INTEGER,
  PRIMARY KEY (block, log_index, seq)) WITHOUT ROWID;
CREATE TABLE swaps (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  sender BLOB NOT NULL, to_addr BLOB NOT NULL, eth_in BLOB NOT NULL, wbx_in BLOB NOT NULL,
  eth_out BLOB NOT NULL, wbx_out BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE TABLE liquidity (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  op TEXT NOT NULL, provider BLOB NOT NULL, to_addr BLOB NOT NULL, wbx BLOB NOT NULL,
  eth BLOB NOT NULL, shares BLOB NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
-- Everything else (pauses, fee and duration changes, role admins, top-admin transfers, pool
-- reserve syncs): the event's name, who did it when the event says, and its
-- fields as JSON.
CREATE TABLE other (block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx BLOB NOT NULL,
  contract TEXT NOT NULL, name TEXT NOT NULL, actor BLOB, details TEXT NOT NULL,
  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
";

/// What a database file indexes: a chain and a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    pub token: Address,
    /// The pool.
    pub pool: Address,
    /// Where indexing starts.
    pub deploy_block: u64,
}

impl Scope {
    /// The scope of a deployment record.
    pub fn of(d: &Deployment) -> Self {
        Self { chain_id: d.chain_id, token: d.token, pool: d.pool, deploy_block: d.deploy_block }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "token {} and pool {} on chain {}", self.token, self.pool, self.chain_id)
    }
}

/// The last block indexed, with its hash and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    /// Block number.
    pub block: u64,
    /// Block hash.
    pub hash: B256,
    /// Block timestamp (unix seconds).
    pub timestamp: u64,
}

/// An open index.
#[derive(Debug)]
pub struct Db {
    pub(crate) conn: Connection,
    path: PathBuf,
    scope: Scope,
}

/// The default file for a scope: `.wbx/audit-<chainId>-<token>.sqlite` under `root`.
pub fn default_path(root: &Path, chain_id: u64, token: Address) -> PathBuf {
    root.join(".wbx").join(format!("audit-{chain_id}-{token}.sqlite"))
}

/// Version 2: pool registrations are access (role [`crate::reports::POOL_ROLE`]), as `audit
/// access`, `audit who` and the dashboard read them; version 1 kept them among the other events.
/// The rows move over, so an index synced by an older `wbx` needs no new sync.
fn migrate_v2(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let moved: Vec<(i64, i64, Vec<u8>, String)> = {
        let mut st = tx.prepare(
            "SELECT block, log_index, tx, details FROM other WHERE name = 'PoolRegistered'",
        )?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let corrupt = || Error::Input("the audit database's pool registrations are corrupt".into());
    for (block, log_index, hash, details) in moved {
        let v: serde_json::Value = serde_json::from_str(&details).map_err(|_| corrupt())?;
        let address =
            |k: &str| v.get(k).and_then(|a| a.as_str()).and_then(|a| a.parse::<Address>().ok());
        let (Some(pool), Some(sender), Some(registered)) =
            (address("pool"), address("sender"), v.get("registered").and_then(|r| r.as_bool()))
        else {
            return Err(corrupt());
        };
        let event = if registered { "pool_registered" } else { "pool_unregistered" };
        tx.execute(
            "INSERT OR REPLACE INTO access
               (block, log_index, seq, tx, event, account, role, actor, kind, expires_at)
             VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, NULL, NULL)",
            rusqlite::params![
                block,
                log_index,
                hash,
                event,
                pool.as_slice(),
                crate::reports::POOL_ROLE.as_slice(),
                sender.as_slice()
            ],
        )?;
    }
    tx.execute("DELETE FROM other WHERE name = 'PoolRegistered'", [])?;
    Ok(())
}

impl Db {
    /// Opens (creating and migrating when needed) the index at `path` for `scope`. A file that
    /// indexes another scope is refused.
    pub fn open(path: &Path, scope: &Scope) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        }
        let conn = Connection::open(path)?;
        let db = Self::init(conn, path)?;
        let found = db.stored_scope()?;
        match found {
            Some(found) if &found != scope => Err(Error::WrongDatabase {
                path: path.to_path_buf(),
                expected: scope.to_string(),
                found: found.to_string(),
            }),
            Some(found) => Ok(Self { scope: found, ..db }),
            None => {
                let tx = db.conn.unchecked_transaction()?;
                for (k, v) in [
                    ("chain_id", scope.chain_id.to_string()),
                    ("token", scope.token.to_string()),
                    ("pool", scope.pool.to_string()),
                    ("deploy_block", scope.deploy_block.to_string()),
                ] {
                    tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![k, v])?;
                }
                tx.commit()?;
                Ok(Self { scope: scope.clone(), ..db })
            }
        }
    }

    /// Opens an existing index for reading reports, whatever it indexes.
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::Input(format!(
                "there is no audit database at {}: run `wbx audit sync` first, or point at one with --db",
                path.display()
            )));
        }
        let conn = Connection::open(path)?;
        let db = Self::init(conn, path)?;
        let scope = db.stored_scope()?.ok_or_else(|| Error::NotSynced(path.to_path_buf()))?;
        Ok(Self { scope, ..db })
    }

    fn init(conn: Connection, path: &Path) -> Result<Self> {
        // WAL with synchronous=NORMAL: a commit is durable against a killed process (what a sync
        // must survive) without an fsync per transaction.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version < 1 {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA_V1)?;
            tx.pragma_update(None, "user_version", 1)?;
            tx.commit()?;
        }
        if version < 2 {
            let tx = conn.unchecked_transaction()?;
            migrate_v2(&tx)?;
            tx.pragma_update(None, "user_version", 2)?;
            tx.commit()?;
        }
        let placeholder =
            Scope { chain_id: 0, token: Address::ZERO, pool: Address::ZERO, deploy_block: 0 };
        Ok(Self { conn, path: path.to_path_buf(), scope: placeholder })
    }

    fn stored_scope(&self) -> Result<Option<Scope>> {
        let get = |k: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?)
        };
        let (Some(c), Some(t), Some(p), Some(b)) =
            (get("chain_id")?, get("token")?, get("pool")?, get("deploy_block")?)
        else {
            return Ok(None);
        };
        let bad = |what: &str| Error::Input(format!("the audit database's {what} is corrupt"));
        Ok(Some(Scope {
            chain_id: c.parse().map_err(|_| bad("chain id"))?,
            token: t.parse().map_err(|_| bad("token"))?,
            pool: p.parse().map_err(|_| bad("pool"))?,
            deploy_block: b.parse().map_err(|_| bad("deploy block"))?,
        }))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What it indexes.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The raw connection, for ad-hoc queries (and for tests that plant a difference).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The last indexed block, if any.
    pub fn cursor(&self) -> Result<Option<Cursor>> {
        let block: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'cursor'", [], |r| r.get(0))
            .optional()?;
        let Some(block) = block.and_then(|b| b.parse::<u64>().ok()) else { return Ok(None) };
        let row = self
            .conn
            .query_row(
                "SELECT hash, timestamp FROM blocks WHERE number = ?1",
                [block as i64],
                |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        Ok(row.map(|(h, ts)| Cursor { block, hash: b256(&h), timestamp: ts as u64 }))
    }

    /// The cursor, or an error saying to sync first.
    pub fn require_cursor(&self) -> Result<Cursor> {
        self.cursor()?.ok_or_else(|| Error::NotSynced(self.path.clone()))
    }

    /// Stored blocks at or below `at`, highest first, at most `limit`.
    pub(crate) fn blocks_below(&self, at: u64, limit: usize) -> Result<Vec<(u64, B256)>> {
        let mut st = self.conn.prepare(
            "SELECT number, hash FROM blocks WHERE number <= ?1 ORDER BY number DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![at as i64, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, b256(&r.get::<_, Vec<u8>>(1)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes everything indexed past `block` and moves the cursor back to it (or clears the
    /// cursor when `block` is `None`: everything goes), in one transaction.
    pub fn rollback_to(&mut self, block: Option<u64>) -> Result<()> {
        let tx = self.conn.transaction()?;
        let keep = block.map_or(-1, |b| b as i64);
        for t in EVENT_TABLES {
            tx.execute(&format!("DELETE FROM {t} WHERE block > ?1"), [keep])?;
        }
        tx.execute("DELETE FROM blocks WHERE number > ?1", [keep])?;
        match block {
            Some(b) => tx.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [b.to_string()],
            )?,
            None => tx.execute("DELETE FROM meta WHERE key = 'cursor'", [])?,
        };
        tx.commit()?;
        Ok(())
    }

    /// Timestamp of a stored block.
    pub fn block_time(&self, block: u64) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row("SELECT timestamp FROM blocks WHERE number = ?1", [block as i64], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|t| t as u64))
    }

    /// The last stored block with a timestamp at or before `time` (the state "at" that moment).
    pub fn block_at_time(&self, time: u64) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT MAX(number) FROM blocks WHERE timestamp <= ?1",
                [time as i64],
                |r| r.get::<_, Option<i64>>(0),
            )?
            .map(|b| b as u64))
    }

    /// A logical dump of every table in key order: two indexes with equal dumps hold the same data
    /// (used to check that an interrupted sync resumed to the same content).
    pub fn dump(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        // Blocks that carry events (which range ends were stored depends on the paging).
        let with_events = EVENT_TABLES
            .iter()
            .map(|t| format!("SELECT block FROM {t}"))
            .collect::<Vec<_>>()
            .join(" UNION ");
        let mut queries: Vec<(String, String)> = EVENT_TABLES
            .iter()
            .map(|t| {
                let key = if *t == "access" { "block, log_index, seq" } else { "block, log_index" };
                (t.to_string(), format!("SELECT * FROM {t} ORDER BY {key}"))
            })
            .collect();
        queries.push((
            "blocks".into(),
            format!("SELECT * FROM blocks WHERE number IN ({with_events}) ORDER BY number"),
        ));
        for (t, sql) in &queries {
            let mut st = self.conn.prepare(sql)?;
            let n = st.column_count();
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let mut line = format!("{t}:");
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!(" {v:?}"));
                }
                out.push(line);
            }
        }
        Ok(out)
    }
}

/// An amount as its 32-byte big-endian blob.
pub(crate) fn amount_blob(v: U256) -> [u8; 32] {
    v.to_be_bytes()
}

/// An amount from its blob.
pub(crate) fn amount(b: &[u8]) -> U256 {
    U256::from_be_slice(b)
}

/// An address from its blob.
pub(crate) fn addr(b: &[u8]) -> Address {
    Address::from_slice(b)
}

/// A hash from its blob.
pub(crate) fn b256(b: &[u8]) -> B256 {
    B256::from_slice(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index written by version 1 (pool registrations among the other events) opens with them
    /// moved to access, where every report reads them.
    #[test]
    fn a_version_1_index_keeps_its_pool_registrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        let (pool, admin) = (Address::repeat_byte(0x11), Address::repeat_byte(0x22));
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            for (block, registered) in [(5i64, true), (9, false)] {
                let details = serde_json::json!({
                    "pool": pool.to_checksum(None), "registered": registered,
                    "sender": admin.to_checksum(None)
                });
                conn.execute(
                    "INSERT INTO other VALUES (?1, 0, ?2, 'token', 'PoolRegistered', ?3, ?4)",
                    params![block, [7u8; 32].as_slice(), admin.as_slice(), details.to_string()],
                )
                .unwrap();
            }
        }
        let db = Db::init(Connection::open(&path).unwrap(), &path).unwrap();
        let version: i64 = db.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        type Row = (i64, String, Vec<u8>, Vec<u8>, Vec<u8>);
        let rows: Vec<Row> = db
            .conn
            .prepare("SELECT block, event, account, role, actor FROM access ORDER BY block")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let role = crate::reports::POOL_ROLE.to_vec();
        assert_eq!(
            rows,
            [
                (5, "pool_registered".into(), pool.to_vec(), role.clone(), admin.to_vec()),
                (9, "pool_unregistered".into(), pool.to_vec(), role, admin.to_vec()),
            ]
        );
        let left: i64 = db.conn.query_row("SELECT COUNT(*) FROM other", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
    }
}
