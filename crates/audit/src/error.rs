//! The audit tools' error type.

use std::path::PathBuf;

/// Why an audit operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SQLite index could not be opened, read or written.
    #[error("audit database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// The index file belongs to another deployment or chain.
    #[error(
        "the audit database {path} indexes {found}, not {expected}: choose another file with --db"
    )]
    WrongDatabase {
        /// The database file.
        path: PathBuf,
        /// What this run wants to index.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// The index file was written by a newer version of the tools.
    #[error(
        "the audit database {path} has schema version {found}, newer than this wbx knows ({known}): update wbx or use another --db"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// The index is empty: nothing to report.
    #[error("the audit database {0} holds no indexed block yet: run `wbx audit sync` first")]
    NotSynced(PathBuf),
    /// A node call failed.
    #[error(transparent)]
    Sdk(#[from] wbx_sdk::Error),
    /// The chain changed under a running sync (a reorg in flight).
    #[error(
        "block {block} changed while it was being indexed (a reorg in flight); nothing of it was stored: run the sync again"
    )]
    ReorgInFlight {
        /// The block whose hash changed.
        block: u64,
    },
    /// The node does not serve a block that the chain (as another answer showed) has: a provider
    /// backend behind the others. Not a reorg: nothing was rolled back; run the sync again.
    #[error(
        "the node does not serve block {block} yet (a backend behind the others?); nothing was rolled back: run the sync again in a moment"
    )]
    NodeBehind {
        /// The block it did not serve.
        block: u64,
    },
    /// A request that makes no sense (bad range, unknown block, ...).
    #[error("{0}")]
    Input(String),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl From<alloy::transports::TransportError> for Error {
    fn from(e: alloy::transports::TransportError) -> Self {
        Self::Sdk(wbx_sdk::Error::from_rpc(e))
    }
}

/// The audit tools' result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
