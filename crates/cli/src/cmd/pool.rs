//! `wbx pool ...`.

use crate::{
    args::{ChainArgs, TxArgs, amount, nonzero, nonzero_duration},
    cmd::sent,
    error::{CliError, Result},
    output::Out,
};
use alloy::primitives::U256;
use clap::Subcommand;
use std::time::Duration;
use wbx_sdk::Amount;

/// The pool.
#[derive(Debug, Subcommand)]
pub(crate) enum PoolCommand {
    /// Reserves, fee, pause state, and your liquidity shares.
    ///
    /// Example: `wbx pool info`
    Info {
        #[command(flatten)]
        read: ChainArgs,
    },
    /// Set the swap fee in basis points, at most 100 (developers).
    ///
    /// Example: `wbx pool fee 25 --account dev`
    Fee {
        /// The fee (30 = 0.3%).
        #[arg(value_parser = clap::value_parser!(u16).range(0..=100))]
        bps: u16,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Stop swaps and deposits; withdrawals stay open (developers).
    ///
    /// Example: `wbx pool pause --account dev`
    Pause {
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Resume swaps and deposits (developers).
    ///
    /// Example: `wbx pool unpause --account dev`
    Unpause {
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Add liquidity: up to WBX and ETH at the current price; unused ETH comes back (traders).
    ///
    /// Example: `wbx pool add 1000 0.1 --account alice` (approve the pool for the WBX first)
    Add {
        /// WBX, at most.
        #[arg(value_parser = amount, allow_hyphen_values = true)]
        wbx: Amount,
        /// ETH, at most.
        #[arg(value_parser = amount, allow_hyphen_values = true)]
        eth: Amount,
        /// How long it may wait to be mined.
        #[arg(long, default_value = "10m", value_parser = nonzero_duration)]
        deadline: Duration,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw SHARES liquidity shares (`all` for every one of yours).
    ///
    /// Example: `wbx pool remove all --account alice`
    Remove {
        /// A number of shares, or `all`.
        shares: String,
        /// How long it may wait to be mined.
        #[arg(long, default_value = "10m", value_parser = nonzero_duration)]
        deadline: Duration,
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// A whole number of liquidity shares, above 0.
fn parse_shares(s: &str) -> Result<U256> {
    let n = s.trim().parse::<U256>().ok().filter(|_| s.trim().bytes().all(|b| b.is_ascii_digit()));
    match n {
        Some(n) if n.is_zero() => Err(CliError::input(
            crate::error::code::ZERO_AMOUNT,
            "0 shares would withdraw nothing: give a number of shares above 0, or `all`",
        )),
        Some(n) => Ok(n),
        None => {
            let note = wbx_sdk::names::non_ascii(s).map(|n| format!(": {n}")).unwrap_or_default();
            Err(CliError::input(
                "bad-shares",
                format!("{s:?} is not a whole number of shares (or `all`){note}"),
            ))
        }
    }
}

impl PoolCommand {
    pub(crate) async fn run(self, out: Out) -> Result {
        match self {
            Self::Info { read } => {
                let wbx = read.reader().await?;
                let state = wbx.pool_state().await?;
                let shares = match wbx.connection().sender() {
                    Some(me) => Some(wbx.shares_of(me).await?),
                    None => None,
                };
                // In decimal, as printed for humans (a U256 would serialise as hex).
                let shares = shares.map(|s| s.to_string());
                let json = serde_json::json!({ "pool": wbx.deployment().pool, "state": state, "yourShares": shares });
                out.emit(&json, || {
                    format!(
                        "pool {}\n  reserves {} WBX / {} ETH\n  fee {}.{:02}%{}{}",
                        wbx.deployment().pool,
                        state.reserve_wbx,
                        state.reserve_eth,
                        state.fee_bps / 100,
                        state.fee_bps % 100,
                        if state.paused { "\n  PAUSED" } else { "" },
                        shares.map(|s| format!("\n  your shares {s}")).unwrap_or_default()
                    )
                });
            }
            Self::Fee { bps, tx } => sent(
                out,
                &format!("pool fee set to {bps} bps"),
                &tx.wbx().await?.set_pool_fee(bps).await?,
            ),
            Self::Pause { tx } => {
                sent(out, "paused the pool", &tx.wbx().await?.set_pool_paused(true).await?)
            }
            Self::Unpause { tx } => {
                sent(out, "unpaused the pool", &tx.wbx().await?.set_pool_paused(false).await?)
            }
            Self::Add { wbx: w, eth, deadline, tx } => {
                nonzero(w, "add no WBX (the pool needs both sides)")?;
                nonzero(eth, "add no ETH (the pool needs both sides)")?;
                let wbx = tx.wbx().await?;
                let d = wbx.now().await?.saturating_add(deadline.as_secs());
                sent(
                    out,
                    &format!("added up to {w} WBX and {eth} ETH of liquidity"),
                    &wbx.add_liquidity(w, eth, d).await?,
                );
            }
            Self::Remove { shares, deadline, tx } => {
                let all = shares.trim().eq_ignore_ascii_case("all");
                let given = if all { None } else { Some(parse_shares(&shares)?) };
                let wbx = tx.wbx().await?;
                let n = match given {
                    Some(n) => n,
                    None => wbx.shares_of(wbx.sender()?).await?,
                };
                if n.is_zero() {
                    return Err(CliError::input(
                        crate::error::code::ZERO_AMOUNT,
                        "you hold no liquidity shares: there is nothing to withdraw",
                    ));
                }
                let d = wbx.now().await?.saturating_add(deadline.as_secs());
                sent(
                    out,
                    &format!("withdrew {n} liquidity shares"),
                    &wbx.remove_liquidity(n, d).await?,
                );
            }
        }
        Ok(())
    }
}
