//! ERC-20 commands: `balance`, `transfer`, `approve`, `allowance`, `transfer-from`.

use crate::{
    args::{ChainArgs, TxArgs, address, amount, nonzero, not_the_token, not_zero_address},
    cmd::sent,
    error::{CliError, Result},
    output::Out,
};
use alloy::primitives::Address;
use clap::Args;
use wbx_sdk::Amount;

/// Show the WBX and ETH balance of ADDRESS (default: your wallet's).
///
/// Example: `wbx balance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8`
#[derive(Debug, Args)]
pub(crate) struct BalanceArgs {
    /// The account (default: your wallet).
    #[arg(value_parser = address, value_name = "ACCOUNT")]
    holder: Option<Address>,
    #[command(flatten)]
    read: ChainArgs,
}

impl BalanceArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        let wbx = self.read.reader().await?;
        let who = ChainArgs::who(&wbx, self.holder)?;
        let (wbx_balance, eth) = tokio::try_join!(wbx.balance_of(who), wbx.eth_balance(who))?;
        out.emit(&serde_json::json!({ "account": who, "wbx": wbx_balance, "eth": eth }), || {
            format!("{who}\n  {wbx_balance} WBX\n  {eth} ETH")
        });
        Ok(())
    }
}

/// Send AMOUNT WBX to TO. Needs an active Trader grant.
///
/// Example: `wbx transfer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 12.5 --account alice`
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    /// The recipient.
    #[arg(value_parser = address)]
    pub(crate) to: Address,
    /// WBX to send, in decimal (`12.5`).
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    pub(crate) amount: Amount,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// What the token contract cannot do as a recipient.
pub(crate) const TOKEN_CANNOT_RECEIVE: &str =
    "cannot receive WBX (its balance is the buckets' unreleased supply)";

impl TransferArgs {
    /// Refuses what can never succeed; `token` once the deployment is known.
    pub(crate) fn check(&self, token: Option<Address>) -> Result {
        not_zero_address(self.to, "a recipient")?;
        nonzero(self.amount, "transfer nothing")?;
        token.map_or(Ok(()), |t| not_the_token(t, self.to, TOKEN_CANNOT_RECEIVE))
    }

    pub(crate) async fn run(self, out: Out) -> Result {
        self.check(None)?;
        let wbx = self.tx.wbx().await?;
        self.check(Some(wbx.deployment().token))?;
        let s = wbx.transfer(self.to, self.amount).await?;
        sent(out, &format!("transferred {} WBX to {}", self.amount, self.to), &s);
        Ok(())
    }
}

/// Let SPENDER move up to AMOUNT of your WBX (`pool` means the deployment's pool).
///
/// Example: `wbx approve pool 100 --account alice`
#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    /// The spender: an address, or `pool`.
    pub(crate) spender: String,
    /// The allowance, in decimal WBX (0 withdraws it, with or without a grant).
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    pub(crate) amount: Amount,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// An address, or `pool` for the deployment's pool (`None` before the deployment is known).
pub(crate) fn spender(pool: Option<Address>, s: &str) -> Result<Option<Address>> {
    if s.trim().eq_ignore_ascii_case("pool") {
        return Ok(pool);
    }
    address(s)
        .map(Some)
        .map_err(|e| CliError::input(e.code, format!("invalid spender: {}", e.message)))
}

impl ApproveArgs {
    /// Refuses a spender that can never spend; checks the spender's form before any connection
    /// (`token` and `pool` once the deployment is known). Returns the spender, once known.
    pub(crate) fn check(&self, deployment: Option<(Address, Address)>) -> Result<Option<Address>> {
        let who = spender(deployment.map(|(_, pool)| pool), &self.spender)?;
        if let Some(who) = who {
            not_zero_address(who, "a spender")?;
            if let Some((token, _)) = deployment {
                not_the_token(
                    token,
                    who,
                    "never spends an allowance (approve the pool, or a person)",
                )?;
            }
        }
        Ok(who)
    }

    pub(crate) async fn run(self, out: Out) -> Result {
        self.check(None)?;
        let wbx = self.tx.wbx().await?;
        let d = wbx.deployment();
        let who =
            self.check(Some((d.token, d.pool)))?.expect("the spender, with the deployment known");
        let s = wbx.approve(who, self.amount).await?;
        sent(out, &format!("approved {who} to spend {} WBX", self.amount), &s);
        Ok(())
    }
}

/// Show what SPENDER may still move from OWNER (`pool` means the pool).
///
/// Example: `wbx allowance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 pool`
#[derive(Debug, Args)]
pub(crate) struct AllowanceArgs {
    /// The owner.
    #[arg(value_parser = address)]
    owner: Address,
    /// The spender: an address, or `pool`.
    spender: String,
    #[command(flatten)]
    read: ChainArgs,
}

impl AllowanceArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        spender(None, &self.spender)?;
        let wbx = self.read.reader().await?;
        let who = spender(Some(wbx.deployment().pool), &self.spender)?.expect("the pool is known");
        let a = wbx.allowance(self.owner, who).await?;
        out.emit(
            &serde_json::json!({ "owner": self.owner, "spender": who, "allowance": a }),
            || format!("{a} WBX"),
        );
        Ok(())
    }
}

/// Move AMOUNT WBX from FROM to TO with your allowance. You and FROM need active Trader grants.
///
/// Example: `wbx transfer-from 0x7099…79C8 0x3C44…93BC 5 --account bob`
#[derive(Debug, Args)]
pub(crate) struct TransferFromArgs {
    /// The owner.
    #[arg(value_parser = address)]
    pub(crate) from: Address,
    /// The recipient.
    #[arg(value_parser = address)]
    pub(crate) to: Address,
    /// WBX to move.
    #[arg(value_parser = amount, allow_hyphen_values = true)]
    pub(crate) amount: Amount,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

impl TransferFromArgs {
    /// Refuses what can never succeed; `token` once the deployment is known.
    pub(crate) fn check(&self, token: Option<Address>) -> Result {
        not_zero_address(self.from, "an owner")?;
        not_zero_address(self.to, "a recipient")?;
        nonzero(self.amount, "move nothing")?;
        if let Some(t) = token {
            not_the_token(t, self.from, "never approves anyone to move its WBX")?;
            not_the_token(t, self.to, TOKEN_CANNOT_RECEIVE)?;
        }
        Ok(())
    }

    pub(crate) async fn run(self, out: Out) -> Result {
        self.check(None)?;
        let wbx = self.tx.wbx().await?;
        self.check(Some(wbx.deployment().token))?;
        let s = wbx.transfer_from(self.from, self.to, self.amount).await?;
        sent(out, &format!("moved {} WBX from {} to {}", self.amount, self.from, self.to), &s);
        Ok(())
    }
}
