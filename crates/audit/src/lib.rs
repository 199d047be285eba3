//! WBX audit tools: read-only answers to an auditor's questions about a deployment.
//!
//! [`sync`] reads every event of the token and the pool into a local SQLite index ([`db`]),
//! incrementally, waiting for confirmations and rolling back past a reorg. The reports read only
//! that index: token movements and access timelines ([`reports`]), anomalies ([`anomalies`]) and a
//! self-contained HTML page ([`html`]). [`reconcile`] replays the ledger from the index and
//! compares it with the chain's own views at the indexed block.

pub mod anomalies;
pub mod db;
pub mod error;
pub mod html;
pub mod reconcile;
pub mod reports;
pub mod sync;

pub use db::Db;
pub use error::{Error, Result};
pub use sync::{SyncOptions, SyncProgress, SyncReport, sync};
