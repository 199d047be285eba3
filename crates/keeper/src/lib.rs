//! The WBX keeper: a daemon that renews Extended grants before they expire, and never misses one.
//!
//! It builds its view of every grant from the token's events ([`scan`]: a backfill from the
//! deployment block, then new blocks as they come, consistent across reorgs), decides which
//! Extended grants are due ([`plan`]: active, less than a margin left, and used by their holder
//! within the idle window of its role, if the role has one), and renews them in batches through
//! `renewBatch` ([`send`]: each grant checked again at the latest block, each batch simulated, local nonces, EIP-1559 fees from the
//! node, a stuck transaction replaced with both fees bumped by at least 12.5%). Its cursor and the
//! transactions in flight are persisted atomically ([`state`]), so a restart resumes where it
//! stopped and renews nothing twice. [`daemon`] is the loop, with `--once` and `--dry-run`;
//! [`metrics`] serves `/health` and Prometheus `/metrics`.
//!
//! ```no_run
//! # async fn run(wbx: wbx_sdk::Wbx) -> wbx_keeper::Result<()> {
//! use wbx_keeper::{Keeper, KeeperConfig};
//! let mut keeper = Keeper::open(wbx, KeeperConfig::new(".wbx/keeper-31337.json")).await?;
//! let report = keeper.run_once().await?;
//! println!("renewed {} grants", report.renewed_grants());
//! # Ok(()) }
//! ```

pub mod daemon;
pub mod error;
pub mod metrics;
pub mod plan;
pub mod scan;
pub mod send;
pub mod state;

pub use daemon::{Keeper, KeeperConfig, Report, shutdown_signal};
pub use error::{Error, Result};
pub use metrics::Metrics;
pub use plan::IdleRule;
pub use state::{GrantKey, GrantView, KeeperState};

/// Connects for a keeper: transport failures retried with backoff, 30 s per request, so a flaky
/// RPC endpoint slows the keeper down instead of stopping it.
pub async fn connect(
    url: &str,
    signer: Option<&wbx_sdk::SignerSource>,
) -> wbx_sdk::Result<wbx_sdk::Connection> {
    wbx_sdk::Connection::connect_with(url, signer, &wbx_sdk::ConnectOptions::unattended()).await
}
