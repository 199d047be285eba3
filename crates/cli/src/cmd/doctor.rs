//! `wbx doctor`: why a transaction would fail and the command that fixes it, before anything is
//! sent. The diagnosis itself lives in `wbx-doctor`; this file maps the real commands' arguments
//! onto a plan, prints the checklist, and applies the safe fixes with `--fix`.

use crate::{
    args::{ChainArgs, FeeArgs, TxArgs, address, nonzero, not_zero_address, tx_hash},
    cmd::{
        access::{RenewArgs, RenewForArgs},
        bucket::AllocateArgs,
        swap::SwapArgs,
        token,
    },
    error::{CliError, Result},
    output::Out,
};
use alloy::primitives::{Address, TxHash};
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use wbx_doctor::{Action, Diagnosis, Doctor, Plan, SafeFix};
use wbx_sdk::{Amount, Deployment};

/// Say why a transaction would fail, and the exact command that fixes it, before anything is sent.
///
/// Give the planned transaction with the same arguments as the real command; the doctor reads the
/// chain (in a few batched round trips), simulates the call and prints a checklist. Exit code 0:
/// it would succeed; 1: it would fail; 2: bad input.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  wbx doctor transfer 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 12.5 --dev-account 1\n  wbx doctor swap sell 100 --slippage 1 --dev-account 1 --fix\n  wbx doctor token 0x5FbDB2315678afecb367f032d93F642f64180aa3\n  wbx doctor tx 0x9bce7fbc051d6a4b7fe5433912c41b18ab5168d17970927f48e491285502594b\n  wbx doctor account 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)]
pub(crate) struct DoctorArgs {
    #[command(subcommand)]
    what: DoctorCommand,
    /// Diagnose as this sender (default: the wallet's address; no key is needed for a diagnosis).
    #[arg(long = "from", id = "doctor_from", global = true, value_parser = address, value_name = "ADDRESS", help_heading = "Doctor options")]
    from: Option<Address>,
    /// Apply the safe fixes (an exact approval; renewing your own Standard grant) after showing
    /// them; asks first on a terminal. Never anything else.
    #[arg(long, global = true, help_heading = "Doctor options")]
    fix: bool,
    /// With --fix: apply without asking.
    #[arg(long, short = 'y', global = true, help_heading = "Doctor options")]
    yes: bool,
}

/// The extra terms of a planned swap, beside the real command's arguments.
#[derive(Debug, Args)]
pub(crate) struct DoctorSwapArgs {
    #[command(flatten)]
    swap: SwapArgs,
    /// A fixed minimum output (as a pre-built transaction carries) instead of --slippage against
    /// the current quote.
    #[arg(long, value_parser = crate::args::amount, value_name = "AMOUNT", help_heading = "Doctor options")]
    min_out: Option<Amount>,
    /// A fixed deadline in unix seconds instead of now + --deadline.
    #[arg(long, value_name = "UNIX", help_heading = "Doctor options")]
    deadline_at: Option<u64>,
}

/// What to diagnose.
#[derive(Debug, Subcommand)]
enum DoctorCommand {
    /// A planned `wbx transfer TO AMOUNT`.
    Transfer(token::TransferArgs),
    /// A planned `wbx approve SPENDER|pool AMOUNT`.
    Approve(token::ApproveArgs),
    /// A planned `wbx transfer-from OWNER TO AMOUNT`.
    TransferFrom(token::TransferFromArgs),
    /// A planned `wbx swap buy|sell AMOUNT`.
    Swap(DoctorSwapArgs),
    /// A planned `wbx allocate BUCKET TO AMOUNT`.
    Allocate(AllocateArgs),
    /// A planned `wbx access renew ROLE` (your own Standard grant).
    Renew(RenewArgs),
    /// A planned `wbx access renew-for ROLE ACCOUNT...` (a keeper renews Extended grants).
    RenewFor(RenewForArgs),
    /// A token address: code, ERC-20 answers, bool returns, WBX version and runtime code.
    Token {
        /// The token's address.
        #[arg(value_parser = address, value_name = "ADDRESS")]
        token_address: Address,
        #[command(flatten)]
        read: ChainArgs,
    },
    /// A mined or pending transaction: why it failed, or why it is stuck and the fee to replace it.
    Tx {
        /// The transaction hash.
        #[arg(value_parser = tx_hash, value_name = "HASH")]
        hash: TxHash,
        #[command(flatten)]
        read: ChainArgs,
    },
    /// An account: ETH for gas, WBX, grants with time left, allowance to the pool, pending nonces.
    Account {
        /// The account (default: your wallet).
        #[arg(value_parser = address, value_name = "ACCOUNT")]
        holder: Option<Address>,
        #[command(flatten)]
        read: ChainArgs,
    },
}

impl DoctorCommand {
    /// Refuses a planned transaction that can never succeed, as the real command does: the zero
    /// address, an amount of 0, and once the deployment is known the token itself.
    fn check(&self, deployment: Option<&Deployment>) -> Result {
        let token = deployment.map(|d| d.token);
        match self {
            Self::Transfer(a) => a.check(token),
            Self::Approve(a) => a.check(deployment.map(|d| (d.token, d.pool))).map(drop),
            Self::TransferFrom(a) => a.check(token),
            Self::Allocate(a) => a.check(token),
            Self::Swap(a) => nonzero(a.swap.amount, "swap nothing (the pool refuses it)"),
            Self::RenewFor(a) => {
                a.holders.iter().try_for_each(|h| not_zero_address(*h, "a grant holder"))
            }
            Self::Renew(_) | Self::Token { .. } | Self::Tx { .. } | Self::Account { .. } => Ok(()),
        }
    }

    fn chain(&self) -> &ChainArgs {
        match self.tx() {
            Some(tx) => &tx.chain,
            None => match self {
                Self::Token { read, .. } | Self::Tx { read, .. } | Self::Account { read, .. } => {
                    read
                }
                _ => unreachable!("every planned transaction has its TxArgs"),
            },
        }
    }

    /// The flags of a planned transaction (its fees among them); `None` for the other subjects.
    fn tx(&self) -> Option<&TxArgs> {
        match self {
            Self::Transfer(a) => Some(&a.tx),
            Self::Approve(a) => Some(&a.tx),
            Self::TransferFrom(a) => Some(&a.tx),
            Self::Swap(a) => Some(&a.swap.tx),
            Self::Allocate(a) => Some(&a.tx),
            Self::Renew(a) => Some(&a.tx),
            Self::RenewFor(a) => Some(&a.tx),
            Self::Token { .. } | Self::Tx { .. } | Self::Account { .. } => None,
        }
    }

    /// The fees the user means to pay (none given for the subjects that are not transactions).
    fn fees(&self) -> FeeArgs {
        self.tx().map(|tx| tx.fees.clone()).unwrap_or_default()
    }
}

/// How fix commands name the user's wallet; a key is never shown.
fn wallet_flags(chain: &ChainArgs) -> String {
    let w = &chain.wallet;
    if let Some(n) = w.dev_account {
        format!("--dev-account {n}")
    } else if let Some(name) = &w.account {
        format!("--account {name}")
    } else if let Some(path) = &w.keystore {
        format!("--keystore {}", path.display())
    } else if w.private_key.is_some() {
        "--private-key <KEY>".into()
    } else {
        "--account <YOU>".into()
    }
}

/// The deployment record for `chain_id` with the overrides, as every command reads it.
fn record(chain: &ChainArgs, chain_id: u64) -> Result<Option<Deployment>> {
    let d = &chain.deployment;
    let path = d
        .deployment
        .clone()
        .unwrap_or_else(|| Deployment::default_path(std::path::Path::new("."), chain_id));
    let mut record = match (Deployment::read(&path), d.token, d.pool) {
        (Ok(r), _, _) => r,
        (Err(_), Some(token), Some(pool)) => Deployment {
            chain_id,
            token,
            pool,
            admin: Address::ZERO,
            deploy_block: 0,
            version: String::new(),
        },
        (Err(_), _, _) if d.deployment.is_none() => return Ok(None),
        (Err(e), _, _) => return Err(wbx_sdk::Error::from(e).into()),
    };
    if record.chain_id != chain_id {
        return Err(wbx_sdk::Error::WrongChain { record: record.chain_id, node: chain_id }.into());
    }
    if let Some(t) = d.token {
        record.token = t;
    }
    if let Some(p) = d.pool {
        record.pool = p;
    }
    Ok(Some(record))
}

impl From<wbx_doctor::Error> for CliError {
    fn from(e: wbx_doctor::Error) -> Self {
        match e {
            wbx_doctor::Error::Sdk(e) => e.into(),
            e @ wbx_doctor::Error::NoDeployment(_) => {
                CliError::input("no-deployment", e.to_string())
            }
        }
    }
}

impl DoctorArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        self.what.fees().fee_override()?;
        if self.yes && !self.fix {
            return Err(CliError::input("conflicting-arguments", "--yes only goes with --fix"));
        }
        self.what.check(None)?;
        let chain = self.what.chain().clone();
        let doctor = Doctor::connect(&chain.rpc.rpc_url, None).await?;
        let deployment = record(&chain, doctor.chain_id())?;
        self.what.check(deployment.as_ref())?;
        let doctor =
            doctor.with_deployment(deployment.clone()).with_wallet_flags(wallet_flags(&chain));

        let diagnosis = match &self.what {
            DoctorCommand::Token { token_address, .. } => doctor.token(*token_address).await?,
            DoctorCommand::Tx { hash, .. } => doctor.tx(*hash).await?,
            DoctorCommand::Account { holder, .. } => {
                let who = match holder {
                    Some(a) => *a,
                    None => self.sender(&chain, doctor.chain_id())?,
                };
                doctor.account(who).await?
            }
            _ => {
                let plan = self.plan(&chain, &doctor, deployment.as_ref())?;
                doctor.plan(&plan).await?
            }
        };
        if !self.fix {
            out.emit(&diagnosis, || diagnosis.render());
            return verdict(&diagnosis);
        }
        self.apply_fixes(out, &chain, &doctor, diagnosis, deployment.as_ref()).await
    }

    /// The sender: --from, or the wallet's address.
    fn sender(&self, chain: &ChainArgs, chain_id: u64) -> Result<Address> {
        if let Some(from) = self.from {
            return Ok(from);
        }
        match chain.wallet.source()? {
            Some(source) => Ok(source.resolve(chain_id).map_err(wbx_sdk::Error::from)?.address()),
            None => Err(CliError::input(
                "missing-argument",
                "say who would send it: --from ADDRESS, or a wallet (--dev-account, --account, ...)",
            )),
        }
    }

    fn plan(
        &self,
        chain: &ChainArgs,
        doctor: &Doctor,
        deployment: Option<&Deployment>,
    ) -> Result<Plan> {
        let Some(deployment) = deployment else {
            return Err(wbx_doctor::Error::NoDeployment(doctor.chain_id()).into());
        };
        let from = self.sender(chain, doctor.chain_id())?;
        let action = match &self.what {
            DoctorCommand::Transfer(a) => Action::Transfer { to: a.to, amount: a.amount },
            DoctorCommand::Approve(a) => Action::Approve {
                spender: if a.spender.eq_ignore_ascii_case("pool") {
                    deployment.pool
                } else {
                    address(&a.spender)?
                },
                amount: a.amount,
            },
            DoctorCommand::TransferFrom(a) => {
                Action::TransferFrom { owner: a.from, to: a.to, amount: a.amount }
            }
            DoctorCommand::Swap(a) => Action::Swap {
                side: a.swap.way.into(),
                amount: a.swap.amount,
                slippage_bps: a.swap.slippage,
                deadline_secs: a.swap.deadline.as_secs(),
                min_out: a.min_out,
                deadline_at: a.deadline_at,
                approve: a.swap.approve,
            },
            DoctorCommand::Allocate(a) => {
                Action::Allocate { bucket: a.bucket, to: a.to, amount: a.amount }
            }
            DoctorCommand::Renew(a) => Action::Renew { role: a.role },
            DoctorCommand::RenewFor(a) => {
                Action::RenewFor { role: a.role, accounts: a.holders.clone() }
            }
            DoctorCommand::Token { .. }
            | DoctorCommand::Tx { .. }
            | DoctorCommand::Account { .. } => {
                unreachable!("not a planned transaction")
            }
        };
        Ok(Plan {
            from,
            action,
            max_fee: self.what.fees().max_fee,
            priority_fee: self.what.fees().priority_fee,
        })
    }

    /// Shows the safe fixes, asks (or takes --yes), applies them with the wallet, and diagnoses again.
    async fn apply_fixes(
        &self,
        out: Out,
        chain: &ChainArgs,
        doctor: &Doctor,
        before: Diagnosis,
        deployment: Option<&Deployment>,
    ) -> Result {
        let fixes: Vec<SafeFix> = before.safe_fixes().into_iter().cloned().collect();
        if fixes.is_empty() {
            out.emit(&serde_json::json!({ "diagnosis": before, "applied": [], "after": null }), || {
                format!("{}\nno safe fix to apply (--fix applies only an exact approval or renewing your own Standard grant)", before.render())
            });
            return verdict(&before);
        }
        if !out.json {
            out.note(before.render());
        }
        let describe = |f: &SafeFix| match f {
            SafeFix::Approve { spender, amount } => {
                format!("approve {spender} for exactly {amount} WBX")
            }
            SafeFix::Renew { role } => format!("renew your own Standard {role} grant"),
        };
        out.note("--fix would send:");
        for f in &fixes {
            out.note(format!("  {}", describe(f)));
        }
        if !self.yes {
            if !std::io::stdin().is_terminal() {
                return Err(CliError::input(
                    "not-confirmed",
                    "--fix needs a confirmation: run it on a terminal, or add --yes; nothing was sent",
                ));
            }
            crate::output::prompt("send them? [y/N] ");
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer).map_err(|e| {
                CliError::input("not-confirmed", format!("cannot read the answer: {e}"))
            })?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                return Err(CliError::input("not-confirmed", "not confirmed: nothing was sent"));
            }
        }
        let wbx = chain.wbx().await?;
        let signer = wbx.sender()?;
        let plan = self.plan(chain, doctor, deployment)?;
        if signer != plan.from {
            return Err(CliError::input(
                "conflicting-arguments",
                format!(
                    "--fix sends as the wallet {signer}, but the diagnosis is of {}: drop --from or use that account's wallet",
                    plan.from
                ),
            ));
        }
        let mut applied = Vec::new();
        for f in &fixes {
            let sent = match f {
                SafeFix::Approve { spender, amount } => wbx.approve(*spender, *amount).await?,
                SafeFix::Renew { role } => wbx.renew(*role).await?,
            };
            crate::output::record_sent(sent.hash, sent.block);
            out.note(format!("{}: tx {} in block {}", describe(f), sent.hash, sent.block));
            applied.push(serde_json::json!({ "fix": f, "hash": sent.hash, "block": sent.block }));
        }
        let after = doctor.plan(&plan).await?;
        out.emit(
            &serde_json::json!({ "diagnosis": before, "applied": applied, "after": after }),
            || after.render(),
        );
        verdict(&after)
    }
}

/// Exit code 1 when the diagnosis found a failure.
fn verdict(d: &Diagnosis) -> Result {
    if d.ok() {
        Ok(())
    } else {
        let n = d.failures().len();
        Err(CliError::failure(
            "would-fail",
            format!(
                "{n} check(s) failed: {}",
                d.failures().iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
            ),
        )
        .with_fix("each failed check in `checks` carries its cause and the command that fixes it"))
    }
}
