//! `wbx tx`: replace a transaction stuck in the pool (all logic in `wbx_sdk::replace`).

use crate::{
    args::{FeeArgs, RpcArgs, WalletArgs, nonzero_duration, tx_hash},
    error::{CliError, Result},
    output::Out,
};
use alloy::primitives::TxHash;
use clap::{Args, Subcommand};
use std::time::Duration;
use wbx_sdk::replace::{self, CancelTarget, Replacement};

/// The flags of a replacement: the node, the sender's wallet, the fees, how long to wait.
#[derive(Debug, Args)]
pub(crate) struct ReplaceArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    #[command(flatten)]
    fees: FeeArgs,
    /// How long to wait for either version to be mined.
    #[arg(long, default_value = "2m", value_parser = nonzero_duration)]
    wait: Duration,
}

/// Replace a transaction that waits in the pool: the same call with higher fees, or nothing at
/// all at its nonce. `wbx doctor tx HASH` says when one is stuck and prints the command.
#[derive(Debug, Subcommand)]
pub(crate) enum TxCommand {
    /// Send the pending transaction HASH again, same nonce and call, with fees raised enough to
    /// replace it (at least 13% over it, or the node's suggestion, or --max-fee/--priority-fee).
    ///
    /// Example: `wbx tx bump 0x9bce…594b --account alice`
    Bump {
        /// The pending transaction.
        #[arg(value_parser = tx_hash, value_name = "HASH")]
        hash: TxHash,
        #[command(flatten)]
        args: ReplaceArgs,
    },
    /// Send an empty transfer to yourself at the nonce of HASH (cancelling it), or at --nonce N
    /// (filling a gap that keeps later transactions queued).
    ///
    /// Example: `wbx tx cancel 0x9bce…594b --account alice`, `wbx tx cancel --nonce 7 --account alice`
    #[command(group = clap::ArgGroup::new("target").required(true).args(["hash", "nonce"]))]
    Cancel {
        /// The pending transaction to cancel.
        #[arg(value_parser = tx_hash, value_name = "HASH")]
        hash: Option<TxHash>,
        /// The nonce to take instead (a gap, or a pending transaction whose hash you lack).
        #[arg(long)]
        nonce: Option<u64>,
        #[command(flatten)]
        args: ReplaceArgs,
    },
}

impl TxCommand {
    pub(crate) async fn run(self, out: Out) -> Result {
        let (what, args) = match &self {
            Self::Bump { args, .. } => ("replaced", args),
            Self::Cancel { args, .. } => ("cancelled", args),
        };
        let fees = args.fees.fee_override()?;
        if args.wallet.source()?.is_none() {
            return Err(wbx_sdk::Error::NoSigner.into());
        }
        let conn = args.wallet.connect(&args.rpc).await?;
        let report = match self {
            Self::Bump { hash, args } => replace::bump(&conn, hash, fees, args.wait).await?,
            Self::Cancel { hash, nonce, args } => {
                let target = match (hash, nonce) {
                    (Some(h), _) => CancelTarget::Hash(h),
                    (None, Some(n)) => CancelTarget::Nonce(n),
                    (None, None) => {
                        return Err(CliError::input(
                            "missing-argument",
                            "give a HASH or --nonce N",
                        ));
                    }
                };
                replace::cancel(&conn, target, fees, args.wait).await?
            }
        };
        crate::output::record_sent(report.mined, report.block);
        out.emit(&report, || human(what, &report));
        Ok(())
    }
}

fn human(what: &str, r: &Replacement) -> String {
    let gwei = |wei: u128| wbx_sdk::Amount::from_raw(wei.try_into().unwrap_or_default());
    let head = match r.replaced {
        Some(old) => format!("{what} {old} with {} (nonce {})", r.replacement, r.nonce),
        None => {
            format!("sent {} at nonce {} (an empty transfer to {})", r.replacement, r.nonce, r.from)
        }
    };
    let fees = format!(
        "  max fee {} gwei, tip {} gwei",
        gwei(r.max_fee).format_with_decimals(9),
        gwei(r.priority_fee).format_with_decimals(9)
    );
    let mined = if r.mined == r.replacement {
        format!("  mined in block {}", r.block)
    } else {
        format!(
            "  the original {} was mined first, in block {}; the replacement was dropped",
            r.mined, r.block
        )
    };
    format!("{head}\n{fees}\n{mined}")
}
