//! `wbx admin ...`: the admins' switches.

use crate::{
    args::{TxArgs, address, duration, not_the_token, not_zero_address},
    cmd::sent,
    error::{CliError, Result},
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
                // The contract's bounds: anything outside them can never be set.
                const MIN: Duration = Duration::from_secs(5 * 60);
                const MAX: Duration = Duration::from_secs(24 * 60 * 60);
                for (flag, d) in [("--standard", standard), ("--extended", extended)] {
                    if d < MIN || d > MAX || d.subsec_nanos() != 0 {
                        return Err(CliError::input(
                            "bad-duration",
                            format!(
                                "{flag} {} is outside what the contract allows: whole seconds from 5m to 1d",
                                humantime::format_duration(d)
                            ),
                        ));
                    }
                }
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
            Self::RegisterPool { pool_address: pool, tx } => {
                not_zero_address(pool, "a pool")?;
                let wbx = tx.wbx().await?;
                not_the_token(wbx.deployment().token, pool, "cannot be its own pool")?;
                sent(out, &format!("registered pool {pool}"), &wbx.set_pool(pool, true).await?)
            }
            Self::UnregisterPool { pool_address: pool, tx } => {
                not_zero_address(pool, "a pool")?;
                let wbx = tx.wbx().await?;
                not_the_token(wbx.deployment().token, pool, "is never a pool")?;
                sent(out, &format!("unregistered pool {pool}"), &wbx.set_pool(pool, false).await?)
            }
        }
        Ok(())
    }
}
