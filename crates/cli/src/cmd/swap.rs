//! `quote` and `swap`.

use crate::{
    args::{ChainArgs, TxArgs, amount, nonzero, nonzero_duration, percent_bps},
    cmd::sent,
    error::{CliError, Result},
    output::Out,
};
use clap::{Args, ValueEnum};
use std::time::Duration;
use wbx_sdk::{Amount, Quote, Side};

/// Which way.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Way {
    /// Pay ETH, get WBX.
    Buy,
    /// Pay WBX, get ETH.
    Sell,
}

impl From<Way> for Side {
    fn from(w: Way) -> Self {
        match w {
            Way::Buy => Side::Buy,
            Way::Sell => Side::Sell,
        }
    }
}

fn describe(way: Way, q: &Quote, slippage_bps: u64) -> String {
    let (pay, get) = match way {
        Way::Buy => ("ETH", "WBX"),
        Way::Sell => ("WBX", "ETH"),
    };
    format!(
        "pay {} {pay}, get {} {get} (at least {} {get} with {}.{:02}% slippage), price impact {}.{:02}%",
        q.amount_in,
        q.amount_out,
        q.min_out,
        slippage_bps / 100,
        slippage_bps % 100,
        q.price_impact_bps / 100,
        q.price_impact_bps % 100
    )
}

/// Quote a swap of AMOUNT at the current pool price.
///
/// Example: `wbx quote buy 0.5` (ETH in), `wbx quote sell 1000` (WBX in)
#[derive(Debug, Args)]
pub(crate) struct QuoteArgs {
    /// buy (ETH in) or sell (WBX in).
    way: Way,
    /// What goes in, in decimal ETH (buy) or WBX (sell).
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    amount: Amount,
    /// Tolerated slippage in percent.
    #[arg(long, default_value = "0.5", value_parser = percent_bps)]
    slippage: u64,
    #[command(flatten)]
    read: ChainArgs,
}

impl QuoteArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        nonzero(self.amount, "swap nothing (the pool refuses it)")?;
        let wbx = self.read.reader().await?;
        let q = wbx.quote(self.way.into(), self.amount, self.slippage).await?;
        out.emit(&q, || describe(self.way, &q, self.slippage));
        Ok(())
    }
}

/// Swap AMOUNT: buy WBX with ETH, or sell WBX for ETH. Shows the quote and price impact first.
///
/// Example: `wbx swap buy 0.5 --slippage 1 --deadline 10m --account alice`
#[derive(Debug, Args)]
pub(crate) struct SwapArgs {
    /// buy (ETH in) or sell (WBX in).
    pub(crate) way: Way,
    /// What goes in, in decimal ETH (buy) or WBX (sell).
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    pub(crate) amount: Amount,
    /// Tolerated slippage in percent: the swap reverts if it would pay less.
    #[arg(long, default_value = "0.5", value_parser = percent_bps)]
    pub(crate) slippage: u64,
    /// How long the swap may wait to be mined (90s, 10m, 1h).
    #[arg(long, default_value = "10m", value_parser = nonzero_duration)]
    pub(crate) deadline: Duration,
    /// For a sell, approve the pool for exactly AMOUNT first if the allowance is short.
    #[arg(long)]
    pub(crate) approve: bool,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

impl SwapArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        nonzero(self.amount, "swap nothing (the pool refuses it)")?;
        let wbx = self.tx.wbx().await?;
        let me = wbx.sender()?;
        let q = wbx.quote(self.way.into(), self.amount, self.slippage).await?;
        out.note(describe(self.way, &q, self.slippage));
        if matches!(self.way, Way::Sell) {
            // Checked before any approval is sent: a sell that cannot happen sends nothing.
            let balance = wbx.balance_of(me).await?;
            if balance < self.amount {
                return Err(CliError::input(
                    "insufficient-balance",
                    format!("you hold {balance} WBX, less than the {} to sell", self.amount),
                ));
            }
            let pool = wbx.deployment().pool;
            let allowance = wbx.allowance(me, pool).await?;
            if allowance < self.amount {
                if !self.approve {
                    return Err(CliError::input(
                        "insufficient-allowance",
                        format!(
                            "the pool may spend {allowance} WBX of yours, less than {}: run `wbx approve pool {}` first, or add --approve",
                            self.amount, self.amount
                        ),
                    ));
                }
                let approved = wbx.approve(pool, self.amount).await?;
                crate::output::record_sent(approved.hash, approved.block);
                out.note(format!("approved the pool for {} WBX", self.amount));
            }
        }
        let deadline = wbx.now().await?.saturating_add(self.deadline.as_secs());
        let s = match self.way {
            Way::Buy => wbx.buy(self.amount, q.min_out, deadline).await?,
            Way::Sell => wbx.sell(self.amount, q.min_out, deadline).await?,
        };
        let what = match self.way {
            Way::Buy => format!("bought about {} WBX for {} ETH", q.amount_out, self.amount),
            Way::Sell => format!("sold {} WBX for about {} ETH", self.amount, q.amount_out),
        };
        sent(out, &what, &s);
        Ok(())
    }
}
