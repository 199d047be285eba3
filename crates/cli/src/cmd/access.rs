//! `wbx access ...`: grants.

use crate::{
    args::{ChainArgs, TxArgs, address, nonzero_duration, not_zero_address, read_text, writable},
    cmd::sent,
    error::{CliError, Result, code},
    output::{Out, table, time_left},
};
use alloy::primitives::Address;
use clap::{Args, Subcommand};
use std::{path::PathBuf, time::Duration};
use wbx_sdk::{Grant, GrantKind, GrantStatus, PoolRegistration, Role, SignedRenewal};

/// What `access list --role` takes: a role, or `pool` for the registered pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListRole {
    /// The holders of a role.
    Role(Role),
    /// The registered pools.
    Pool,
}

impl std::str::FromStr for ListRole {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("pool") || s.trim().eq_ignore_ascii_case("pools") {
            return Ok(Self::Pool);
        }
        s.parse::<Role>().map(Self::Role).map_err(|e| format!("{e}, or pool"))
    }
}

/// Rows of the registered-pools table.
pub(crate) fn pool_rows(pools: &[PoolRegistration]) -> String {
    let rows = pools
        .iter()
        .map(|p| {
            vec![
                p.pool.to_string(),
                if p.deployment_pool { "this deployment's".into() } else { "another".into() },
                p.registered_by.map_or_else(|| "-".into(), |a| a.to_string()),
                p.block.map_or_else(|| "-".into(), |b| b.to_string()),
            ]
        })
        .collect();
    table(&["pool", "which", "registered by", "block"], rows, &[3])
}

/// A registered pool as an entry of `access list --json`, beside the grants: role `pool`.
fn pool_entry(p: &PoolRegistration) -> serde_json::Value {
    serde_json::json!({
        "account": p.pool,
        "role": "pool",
        "status": "registered",
        "deploymentPool": p.deployment_pool,
        "registeredBy": p.registered_by,
        "block": p.block,
    })
}

/// Rows of a grants table at chain time `now`.
pub(crate) fn grant_rows(grants: &[Grant], now: u64) -> String {
    let rows = grants
        .iter()
        .map(|g| {
            let left = match (g.status, g.is_permanent()) {
                (_, true) => "permanent".to_string(),
                (GrantStatus::Active, _) => time_left(g.expires_at.saturating_sub(now), 0),
                (GrantStatus::Expired, _) => time_left(0, now.saturating_sub(g.expires_at)),
                (GrantStatus::Revoked, _) => match g.revoked_by {
                    Some(by) => format!("revoked by {by}"),
                    None => "revoked".into(),
                },
                (GrantStatus::None, _) => "-".into(),
            };
            vec![
                g.account.to_string(),
                g.role.to_string(),
                g.kind.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
                g.status.to_string(),
                left,
                g.renewals.to_string(),
            ]
        })
        .collect();
    table(&["account", "role", "kind", "status", "time", "renewals"], rows, &[5])
}

/// ` until <time>`: the new expiry of `account`'s grant after a transaction that set it. A failed
/// read is a warning, not an error: the transaction was mined.
async fn expiry(out: Out, wbx: &wbx_sdk::Wbx, account: Address, role: Role) -> String {
    match wbx.grant_of(account, role).await {
        Ok(g) => format!(" until {}", wbx_sdk::error::format_time(g.expires_at)),
        Err(e) => {
            out.note(format!(
                "warning: the transaction was mined, but the new expiry could not be read: {e}"
            ));
            String::new()
        }
    }
}

/// `wbx access renew ROLE` (and `wbx doctor renew`).
#[derive(Debug, Args)]
pub(crate) struct RenewArgs {
    /// The role.
    pub(crate) role: Role,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// `wbx access renew-for ROLE ACCOUNT...` (and `wbx doctor renew-for`).
#[derive(Debug, Args)]
pub(crate) struct RenewForArgs {
    /// The role.
    pub(crate) role: Role,
    /// The holders; one transaction for all of them.
    #[arg(required = true, value_parser = address, value_name = "ACCOUNT")]
    pub(crate) holders: Vec<Address>,
    #[command(flatten)]
    pub(crate) tx: TxArgs,
}

/// Grants: who may do what, and for how long.
#[derive(Debug, Subcommand)]
pub(crate) enum AccessCommand {
    /// Grant ROLE to ACCOUNT (admins; Admin and Keeper by the top admin only).
    ///
    /// Example: `wbx access grant 0x7099…79C8 trader --kind extended --account admin`
    Grant {
        /// The account.
        #[arg(value_parser = address, value_name = "ACCOUNT")]
        holder: Address,
        /// admin, trader, auditor, developer or keeper.
        role: Role,
        /// standard (30 min, its holder renews; the default) or extended (1 h, the keeper
        /// renews). The keeper role is permanent and takes none.
        #[arg(long)]
        kind: Option<GrantKind>,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Revoke ACCOUNT's grant of ROLE, effective at once (admins).
    ///
    /// Example: `wbx access revoke 0x7099…79C8 trader --account admin`
    Revoke {
        /// The account.
        #[arg(value_parser = address, value_name = "ACCOUNT")]
        holder: Address,
        /// The role.
        role: Role,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Who holds an active grant of each role (or of --role), with kind and time left, and the
    /// registered pools (which move WBX without a Trader grant).
    ///
    /// Example: `wbx access list --role trader`, `wbx access list --role pool`
    List {
        /// Only this role (admin, trader, auditor, developer, keeper), or pool: the registered pools.
        #[arg(long)]
        role: Option<ListRole>,
        #[command(flatten)]
        read: ChainArgs,
    },
    /// The grants of ACCOUNT (default: yours), active or not.
    ///
    /// Example: `wbx access show --dev-account 1`
    Show {
        /// The account (default: your wallet).
        #[arg(value_parser = address, value_name = "ACCOUNT")]
        holder: Option<Address>,
        #[command(flatten)]
        read: ChainArgs,
    },
    /// Renew your own Standard grant of ROLE (Extended grants are the keeper's).
    ///
    /// Example: `wbx access renew trader --account alice`
    Renew(RenewArgs),
    /// Renew the Extended grants of ROLE of each ACCOUNT now (keepers; `wbx keeper` does it on time).
    ///
    /// Example: `wbx access renew-for trader 0x7099…79C8 0x3C44…93BC --account keeper`
    RenewFor(RenewForArgs),
    /// Sign a renewal of your Standard grant for someone else to relay (you pay no gas).
    ///
    /// Example: `wbx access sign-renewal trader --valid-for 10m --out renewal.json --account alice`
    SignRenewal {
        /// The role.
        role: Role,
        /// How long the signature may be relayed.
        #[arg(long, default_value = "10m", value_parser = nonzero_duration)]
        valid_for: Duration,
        /// Write it to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Relay a signed renewal (from `sign-renewal`; `-` reads stdin). Any account may, paying gas.
    ///
    /// Example: `wbx access relay renewal.json --account relayer`
    Relay {
        /// The signed renewal file, or `-`.
        file: PathBuf,
        #[command(flatten)]
        tx: TxArgs,
    },
}

impl AccessCommand {
    pub(crate) async fn run(self, out: Out) -> Result {
        match self {
            Self::Grant { holder: account, role, kind, tx } => {
                if let (false, Some(kind)) = (role.is_timed(), kind) {
                    return Err(CliError::input(
                        code::BAD_INPUT,
                        format!(
                            "the {role} role is permanent and has no {kind} kind: leave out --kind"
                        ),
                    ));
                }
                not_zero_address(account, "a grant holder")?;
                let kind = kind.unwrap_or(GrantKind::Standard);
                let wbx = tx.wbx().await?;
                let s = wbx.grant(account, role, kind).await?;
                let what = if role.is_timed() {
                    let until = expiry(out, &wbx, account, role).await;
                    format!("granted {role} ({kind}) to {account}{until}")
                } else {
                    format!("granted the permanent {role} role to {account}")
                };
                sent(out, &what, &s);
            }
            Self::Revoke { holder: account, role, tx } => {
                not_zero_address(account, "a grant holder")?;
                let wbx = tx.wbx().await?;
                let s = wbx.revoke(account, role).await?;
                sent(out, &format!("revoked {role} from {account}"), &s);
            }
            Self::List { role, read } => {
                let wbx = read.reader().await?;
                let roles: Vec<Role> = match role {
                    None => Role::ALL.to_vec(),
                    Some(ListRole::Role(r)) => vec![r],
                    Some(ListRole::Pool) => Vec::new(),
                };
                let mut all = Vec::new();
                for r in roles {
                    all.extend(wbx.holders(r).await?);
                }
                let pools = match role {
                    None | Some(ListRole::Pool) => wbx.registered_pools().await?,
                    Some(ListRole::Role(_)) => Vec::new(),
                };
                let now = wbx.now().await?;
                let mut json: Vec<serde_json::Value> =
                    all.iter().map(|g| serde_json::to_value(g).expect("serialisable")).collect();
                json.extend(pools.iter().map(pool_entry));
                out.emit(&json, || {
                    let mut s = String::new();
                    if role != Some(ListRole::Pool) {
                        s = if all.is_empty() {
                            "no active grants".into()
                        } else {
                            grant_rows(&all, now)
                        };
                    }
                    if role.is_none() || role == Some(ListRole::Pool) {
                        if !s.is_empty() {
                            s.push_str("\n\n");
                        }
                        s.push_str(
                            "registered pools (move WBX without a Trader grant, for callers that hold one; the top admin registers them)\n",
                        );
                        s.push_str(&if pools.is_empty() { "none".into() } else { pool_rows(&pools) });
                    }
                    s
                });
            }
            Self::Show { holder: account, read } => {
                let wbx = read.reader().await?;
                let who = ChainArgs::who(&wbx, account)?;
                let grants = wbx.grants_of(who).await?;
                let now = wbx.now().await?;
                out.emit(&grants, || {
                    if grants.is_empty() {
                        format!("{who} holds no grant")
                    } else {
                        grant_rows(&grants, now)
                    }
                });
            }
            Self::Renew(RenewArgs { role, tx }) => {
                let wbx = tx.wbx().await?;
                let s = wbx.renew(role).await?;
                let until = expiry(out, &wbx, wbx.sender()?, role).await;
                sent(out, &format!("renewed your {role} grant{until}"), &s);
            }
            Self::RenewFor(RenewForArgs { role, holders, tx }) => {
                for h in &holders {
                    not_zero_address(*h, "a grant holder")?;
                }
                let wbx = tx.wbx().await?;
                let s = if let [one] = holders.as_slice() {
                    wbx.renew_for(*one, role).await?
                } else {
                    // The batch skips grants that are no longer active Extended ones, and those it
                    // would not extend (an account named twice is renewed once): say what it did.
                    wbx.renew_batch(role, &holders).await?
                };
                let renewed = wbx.renewed_in(&s).await?.len();
                let skipped = holders.len() - renewed.min(holders.len());
                let what = if skipped == 0 {
                    format!("renewed the Extended {role} grants of {renewed} account(s)")
                } else {
                    format!(
                        "renewed the Extended {role} grants of {renewed} account(s); {skipped} skipped (not an active Extended grant, named twice, or already renewed this second)"
                    )
                };
                sent(out, &what, &s);
            }
            Self::SignRenewal { role, valid_for, out: file, tx } => {
                if let Some(path) = &file {
                    writable(path, "the signed renewal")?;
                }
                let wbx = tx.wbx().await?;
                let deadline = wbx.now().await?.saturating_add(valid_for.as_secs());
                let signed = wbx.sign_renewal(role, deadline).await?;
                match file {
                    Some(path) => {
                        let json = serde_json::to_vec_pretty(&signed).expect("serialisable");
                        wbx_sdk::fs::write_atomic(&path, &json).map_err(|e| {
                            CliError::failure(
                                code::WRITE_FAILED,
                                format!("cannot write {}: {e}", path.display()),
                            )
                        })?;
                        out.emit(&signed, || {
                            format!(
                                "signed renewal written to {}; relay it with `wbx access relay {}`",
                                path.display(),
                                path.display()
                            )
                        });
                    }
                    None => out.emit(&signed, || {
                        serde_json::to_string_pretty(&signed).expect("serialisable")
                    }),
                }
            }
            Self::Relay { file, tx } => {
                let text = if file.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin()).map_err(|e| {
                        CliError::input(code::BAD_FILE, format!("cannot read stdin: {e}"))
                    })?
                } else {
                    read_text(&file, "the signed renewal")?
                };
                let renewal: SignedRenewal =
                    serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|e| {
                        CliError::input(
                            "bad-renewal",
                            format!("not a signed renewal (from `wbx access sign-renewal`): {e}"),
                        )
                    })?;
                let wbx = tx.wbx().await?;
                let s = wbx.relay_renewal(&renewal).await?;
                sent(
                    out,
                    &format!("relayed the {} renewal of {}", renewal.role, renewal.account),
                    &s,
                );
            }
        }
        Ok(())
    }
}
