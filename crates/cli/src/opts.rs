//! The command tree.

use crate::{cmd, error::Result, output::Out};
use clap::{Parser, Subcommand};

/// wbx: deploy, administer, trade and audit the Webex Token (WBX) on EVM chains.
#[derive(Debug, Parser)]
#[command(name = "wbx", version, propagate_version = true, arg_required_else_help = true)]
#[command(
    after_help = "Examples:\n  wbx deploy --dev-account 0\n  wbx status\n  wbx transfer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 12.5 --dev-account 1\n  wbx swap buy 0.5 --slippage 1 --dev-account 1"
)]
pub(crate) struct Cli {
    /// Print one JSON document on stdout, the result or the error (`{"ok": false, "error":
    /// {"code", "message", "fix", ...}}`); logs and progress stay on stderr.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Deploy the token and the pool, seed the pool, write the deployment record (developers).
    Deploy(cmd::deploy::DeployArgs),
    /// Chain, addresses, version, supply, buckets, pool, and your grants.
    Status(cmd::status::StatusArgs),
    /// WBX and ETH balance of an account (default: you).
    Balance(cmd::token::BalanceArgs),
    /// Send WBX (needs an active Trader grant).
    Transfer(cmd::token::TransferArgs),
    /// Let a spender move your WBX ("pool" for the pool).
    Approve(cmd::token::ApproveArgs),
    /// What a spender may still move from an owner.
    Allowance(cmd::token::AllowanceArgs),
    /// Move WBX from an owner who approved you.
    TransferFrom(cmd::token::TransferFromArgs),
    /// Quote a swap at the current pool price.
    Quote(cmd::swap::QuoteArgs),
    /// Swap: buy WBX with ETH, or sell WBX for ETH (needs an active Trader grant).
    Swap(cmd::swap::SwapArgs),
    /// The five allocation buckets beside the policy shares.
    Buckets(cmd::bucket::BucketsArgs),
    /// Mint new supply into the buckets by their shares (admins).
    Issue(cmd::bucket::IssueArgs),
    /// Release WBX from a bucket to an account (admins).
    Allocate(cmd::bucket::AllocateArgs),
    /// Release WBX from a bucket to every row of a CSV file (address,amount), exactly once (admins).
    AllocateBatch(cmd::bucket::AllocateBatchArgs),
    /// Role grants: grant, revoke, list, show, renew, sign and relay renewals.
    #[command(subcommand)]
    Access(cmd::access::AccessCommand),
    /// Admin switches: pause, unpause, grant durations, pool registration.
    #[command(subcommand)]
    Admin(cmd::admin::AdminCommand),
    /// The pool: state, fee and pause (developers), liquidity (traders).
    #[command(subcommand)]
    Pool(cmd::pool::PoolCommand),
    /// Renew Extended grants before they expire: a daemon, or one pass with --once (keepers).
    Keeper(cmd::keeper::KeeperArgs),
    /// Why a transaction would fail and the command that fixes it, before anything is sent;
    /// also a token, a transaction or an account.
    Doctor(cmd::doctor::DoctorArgs),
    /// Audit tools (read-only): index the event log, report, reconcile, draw an HTML report.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Replace a transaction stuck in the pool: bump its fees, or cancel it / fill a nonce gap.
    #[command(subcommand)]
    Tx(cmd::tx::TxCommand),
    /// Print a shell completion script.
    Completions(cmd::completions::CompletionsArgs),
}

impl Cli {
    /// Whether logs go out as JSON lines (`wbx keeper --log-json`).
    pub(crate) fn json_logs(&self) -> bool {
        matches!(&self.command, Command::Keeper(k) if k.log_json)
    }

    pub(crate) async fn run(self) -> Result {
        let out = Out { json: self.json };
        match self.command {
            Command::Deploy(a) => a.run(out).await,
            Command::Status(a) => a.run(out).await,
            Command::Balance(a) => a.run(out).await,
            Command::Transfer(a) => a.run(out).await,
            Command::Approve(a) => a.run(out).await,
            Command::Allowance(a) => a.run(out).await,
            Command::TransferFrom(a) => a.run(out).await,
            Command::Quote(a) => a.run(out).await,
            Command::Swap(a) => a.run(out).await,
            Command::Buckets(a) => a.run(out).await,
            Command::Issue(a) => a.run(out).await,
            Command::Allocate(a) => a.run(out).await,
            Command::AllocateBatch(a) => a.run(out).await,
            Command::Access(c) => c.run(out).await,
            Command::Admin(c) => c.run(out).await,
            Command::Pool(c) => c.run(out).await,
            Command::Keeper(a) => a.run(out).await,
            Command::Doctor(a) => a.run(out).await,
            Command::Audit(c) => c.run(out).await,
            Command::Tx(c) => c.run(out).await,
            Command::Completions(a) => a.run(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks over the whole command tree (unique names, valid defaults).
    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
