//! `wbx admin ...`: the admins' switches.

use crate::{
    args::{TxArgs, address, duration},
    cmd::sent,
    error::Result,
    output::Out,
};
use alloy::primitives::Address;
use clap::Subcommand;
use std::time::Duration;

/// Admin switches (an active Admin grant, or the top admin; pools: the top admin only).
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Stop every token movement.
    ///
    /// Example: `wbx admin pause --account admin`
    Pause {
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Resume token movement.
    ///
    /// Example: `wbx admin unpause --account admin`
    Unpause {
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Set the lifetimes of new and renewed grants (each 5m to 1d).
    ///
    /// Example: `wbx admin durations --standard 30m --extended 1h --account admin`
    Durations {
        /// Standard grants.
        #[arg(long, value_parser = duration)]
        standard: Duration,
        /// Extended grants.
        #[arg(long, value_parser = duration)]
        extended: Duration,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Register a pool of this token: it then moves WBX without a Trader grant (each of its payouts
    /// checks its caller's). The top admin only; a wallet or another token's pool is refused.
    ///
    /// Example: `wbx admin register-pool 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 --account top-admin`
    RegisterPool {
        /// The pool.
        #[arg(value_parser = address, value_name = "POOL")]
        pool_address: Address,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Unregister a pool (its WBX payouts stop at once). The top admin only.
    ///
    /// Example: `wbx admin unregister-pool 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 --account top-admin`
    UnregisterPool {
        /// The pool.
        #[arg(value_parser = address, value_name = "POOL")]
        pool_address: Address,
        #[command(flatten)]
        tx: TxArgs,
    },
}

impl AdminCommand {
    pub(crate) async fn run(self, out: Out) -> Result {
        match self {
            Self::Pause { tx } => sent(out, "paused the token", &tx.wbx().await?.pause().await?),
            Self::Unpause { tx } => {
                sent(out, "unpaused the token", &tx.wbx().await?.unpause().await?)
            }
            Self::Durations { standard, extended, tx } => {
                let s = tx
                    .wbx()
                    .await?
                    .set_grant_durations(standard.as_secs(), extended.as_secs())
                    .await?;
                sent(
                    out,
                    &format!(
                        "grants now last {} (standard) and {} (extended)",
                        humantime::format_duration(standard),
                        humantime::format_duration(extended)
                    ),
                    &s,
                );
            }
            Self::RegisterPool { pool_address: pool, tx } => sent(
                out,
                &format!("registered pool {pool}"),
                &tx.wbx().await?.set_pool(pool, true).await?,
            ),
            Self::UnregisterPool { pool_address: pool, tx } => sent(
                out,
                &format!("unregistered pool {pool}"),
                &tx.wbx().await?.set_pool(pool, false).await?,
            ),
        }
        Ok(())
    }
}
