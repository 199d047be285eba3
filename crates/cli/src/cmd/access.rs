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
use wbx_sdk::{Grant, GrantKind, GrantStatus, Role, SignedRenewal};

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
    /// Who holds an active grant of each role (or of --role), with kind and time left.
    ///
    /// Example: `wbx access list --role trader`
    List {
        /// Only this role.
        #[arg(long)]
        role: Option<Role>,
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
                let roles: Vec<Role> = role.map(|r| vec![r]).unwrap_or_else(|| Role::ALL.to_vec());
                let mut all = Vec::new();
                for r in roles {
                    all.extend(wbx.holders(r).await?);
                }
                let now = wbx.now().await?;
                out.emit(&all, || {
                    if all.is_empty() { "no active grants".into() } else { grant_rows(&all, now) }
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
                    // The batch skips grants that are no longer active Extended ones.
                    wbx.renew_batch(role, &holders).await?
                };
                sent(
                    out,
                    &format!("renewed the Extended {role} grants of {} account(s)", holders.len()),
                    &s,
                );
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
