//! `wbx doctor`: the WBX troubleshooter. It says why a token transaction would fail, and the exact
//! `wbx` command that fixes it, before anything is sent.
//!
//! A [`Doctor`] reads the chain through its own counting RPC client, in JSON-RPC batches, and
//! produces a [`Diagnosis`]: a checklist of [`Check`]s, each passed, warned, failed or skipped,
//! every failure with its cause in plain words and its fix. It diagnoses a planned transaction
//! ([`Plan`]), a token address, a mined or pending transaction, and an account.
//!
//! ```no_run
//! # async fn run() -> wbx_doctor::Result<()> {
//! use wbx_doctor::{Action, Doctor, Plan};
//! let record = wbx_sdk::Deployment::read("deployments/31337.json".as_ref()).unwrap();
//! let doctor = Doctor::connect("http://127.0.0.1:8545", Some(record)).await?;
//! let from = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
//! let to = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC".parse().unwrap();
//! let plan = Plan::new(from, Action::Transfer { to, amount: "12.5".parse().unwrap() });
//! let diagnosis = doctor.plan(&plan).await?;
//! assert!(diagnosis.ok() || !diagnosis.failures().is_empty());
//! # Ok(()) }
//! ```

mod account;
mod fees;
mod fixes;
mod grants;
mod plan;
mod rpc;
mod token;
mod tx;

pub use fees::{FeeSuggestion, Fees};
pub use plan::{Action, Plan};
pub use rpc::{CountingLayer, CountingService};
pub use token::same_runtime_code;

use alloy::rpc::client::RpcClient;
use serde::Serialize;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};
use wbx_sdk::{Deployment, Role};

/// The wallet flags a fix names when the caller gave none.
const DEFAULT_WALLET: &str = "--account <YOU>";

/// The doctor's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What keeps a diagnosis from being made at all (a failing check is not an error).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The node could not be reached or refused a read the diagnosis needs.
    #[error(transparent)]
    Sdk(#[from] wbx_sdk::Error),
    /// A diagnosis of a deployment was asked for without a deployment record.
    #[error(
        "no deployment record for chain {0}: give --deployment, or --token and --pool, or deploy with `wbx deploy`"
    )]
    NoDeployment(u64),
}

impl From<alloy::transports::TransportError> for Error {
    fn from(e: alloy::transports::TransportError) -> Self {
        Self::Sdk(wbx_sdk::Error::from_rpc(e))
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Pass,
    /// Works now, but deserves attention (a grant about to expire, a tight slippage).
    Warn,
    /// Would make the transaction fail, or makes the subject unusable.
    Fail,
    /// Does not apply here.
    Skip,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
            Self::Skip => "skip",
        })
    }
}

/// A fix the doctor may apply itself with `--fix`: only these two, both reversible and limited to
/// the signer's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum SafeFix {
    /// Approve `spender` for exactly `amount` of the signer's WBX.
    Approve {
        /// The spender.
        spender: alloy::primitives::Address,
        /// The exact allowance.
        amount: wbx_sdk::Amount,
    },
    /// Renew the signer's own Standard grant of `role`.
    Renew {
        /// The role.
        role: Role,
    },
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// A stable identifier (`grant`, `allowance`, `eth-for-gas`, ...), for scripts and tests.
    pub id: &'static str,
    /// What is checked, in a few words.
    pub title: String,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// For a warning or failure: why, in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// For a warning or failure: the exact command that fixes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// When `--fix` may apply the fix itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_fix: Option<SafeFix>,
    /// For a check skipped because the node does not serve a JSON-RPC method: that method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unserved_method: Option<&'static str>,
}

impl Check {
    /// A passed check.
    pub fn pass(id: &'static str, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            id,
            title: title.into(),
            status: Status::Pass,
            detail: detail.into(),
            cause: None,
            fix: None,
            safe_fix: None,
            unserved_method: None,
        }
    }

    /// A check skipped because the node does not serve `method` (Hardhat serves no `txpool_*`):
    /// the line says so, and names the method.
    pub fn unserved(id: &'static str, title: impl Into<String>, method: &'static str) -> Self {
        Self {
            unserved_method: Some(method),
            ..Self::skip(id, title, format!("skipped: the node does not serve {method}"))
        }
    }

    /// A skipped check, with why it does not apply.
    pub fn skip(id: &'static str, title: impl Into<String>, why: impl Into<String>) -> Self {
        Self { status: Status::Skip, ..Self::pass(id, title, why) }
    }

    /// A failed check with its cause.
    pub fn fail(
        id: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
        cause: impl Into<String>,
    ) -> Self {
        Self { status: Status::Fail, cause: Some(cause.into()), ..Self::pass(id, title, detail) }
    }

    /// A warning with its cause.
    pub fn warn(
        id: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
        cause: impl Into<String>,
    ) -> Self {
        Self { status: Status::Warn, ..Self::fail(id, title, detail, cause) }
    }

    /// Adds the fix command.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Adds a fix that `--fix` may apply.
    pub fn with_safe_fix(mut self, fix: SafeFix) -> Self {
        self.safe_fix = Some(fix);
        self
    }
}

/// The outcome of one diagnosis.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// What was diagnosed, in words.
    pub subject: String,
    /// Whether it would succeed (no check failed).
    pub ok: bool,
    /// Whether a planned transaction was diagnosed (rather than a token, a transaction or an
    /// account): it decides how the verdict reads.
    pub planned: bool,
    /// The checklist, in order.
    pub checks: Vec<Check>,
    /// RPC round trips the diagnosis took (a batch counts once), connection included.
    pub round_trips: u64,
    /// Wall time of the diagnosis in milliseconds.
    pub elapsed_ms: u64,
}

impl Diagnosis {
    /// Whether nothing failed.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// The check with this id, if it was made.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The failed checks.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail).collect()
    }

    /// The fixes `--fix` may apply.
    pub fn safe_fixes(&self) -> Vec<&SafeFix> {
        self.checks.iter().filter_map(|c| c.safe_fix.as_ref()).collect()
    }

    /// The checklist as text, one line per check, causes and fixes indented below.
    pub fn render(&self) -> String {
        let mut s = format!("wbx doctor: {}\n", self.subject);
        let width = self.checks.iter().map(|c| c.title.len()).max().unwrap_or(0);
        for c in &self.checks {
            s.push_str(&format!("  {:<4}  {:<width$}  {}\n", c.status, c.title, c.detail));
            if c.status != Status::Pass && c.status != Status::Skip {
                if let Some(cause) = &c.cause {
                    s.push_str(&format!("        {:<width$}  cause: {cause}\n", ""));
                }
                if let Some(fix) = &c.fix {
                    s.push_str(&format!("        {:<width$}  fix:   {fix}\n", ""));
                }
            }
        }
        let failed = self.failures().len();
        let warned = self.checks.iter().filter(|c| c.status == Status::Warn).count();
        let verdict = match (failed, self.planned) {
            (0, true) => "OK: it would succeed".to_string(),
            (0, false) => "OK: no problem found".to_string(),
            (n, true) => format!("it would FAIL: {n} problem(s)"),
            (n, false) => format!("FAIL: {n} problem(s)"),
        };
        s.push_str(&format!(
            "{verdict}{}  ({} RPC round trips, {} ms)\n",
            if warned > 0 { format!(", {warned} warning(s)") } else { String::new() },
            self.round_trips,
            self.elapsed_ms
        ));
        s
    }
}

/// The troubleshooter, on one node (and one WBX deployment, when there is a record).
#[derive(Debug, Clone)]
pub struct Doctor {
    client: RpcClient,
    count: Arc<AtomicU64>,
    chain_id: u64,
    deployment: Option<Deployment>,
    wallet: String,
}

impl Doctor {
    /// Connects to `url`. One round trip (the chain id). `deployment` is needed for everything but
    /// [`Doctor::token`] and [`Doctor::tx`].
    pub async fn connect(url: &str, deployment: Option<Deployment>) -> Result<Self> {
        let (client, count) = rpc::connect(url).await.map_err(|e| wbx_sdk::Error::Unreachable {
            url: url.to_string(),
            reason: e.to_string().lines().next().unwrap_or_default().to_string(),
        })?;
        let chain_id: alloy::primitives::U64 = client
            .request_noparams("eth_chainId")
            .await
            .map_err(|e| wbx_sdk::Error::Unreachable {
                url: url.to_string(),
                reason: e.to_string().lines().next().unwrap_or_default().to_string(),
            })?;
        Ok(Self {
            client,
            count,
            chain_id: chain_id.to(),
            deployment,
            wallet: DEFAULT_WALLET.into(),
        })
    }

    /// Sets the deployment (when it could only be found once the chain id was known).
    pub fn with_deployment(mut self, deployment: Option<Deployment>) -> Self {
        self.deployment = deployment;
        self
    }

    /// How the fix commands name the user's own wallet (`--dev-account 1`, `--account alice`); a
    /// key is never shown.
    pub fn with_wallet_flags(mut self, flags: impl Into<String>) -> Self {
        self.wallet = flags.into();
        self
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// RPC round trips so far, the connection included.
    pub fn round_trips(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub(crate) fn client(&self) -> &RpcClient {
        &self.client
    }

    pub(crate) fn wallet(&self) -> &str {
        &self.wallet
    }

    /// Wallet flags for a fix that `sender` must sign: the caller's, when given, else a
    /// placeholder naming the sender.
    pub(crate) fn sender_flags(&self, sender: alloy::primitives::Address) -> String {
        if self.wallet == DEFAULT_WALLET {
            format!("--account <{sender}>")
        } else {
            self.wallet.clone()
        }
    }

    pub(crate) fn deployment(&self) -> Result<&Deployment> {
        self.deployment.as_ref().ok_or(Error::NoDeployment(self.chain_id))
    }

    /// Wraps checks into a diagnosis, with the round trips counted since `start`.
    pub(crate) fn finish(
        &self,
        subject: String,
        checks: Vec<Check>,
        started: Instant,
        trips_before: u64,
    ) -> Diagnosis {
        let ok = !checks.iter().any(|c| c.status == Status::Fail);
        Diagnosis {
            subject,
            ok,
            planned: false,
            checks,
            // The connection's own round trip is part of every diagnosis from the command line.
            round_trips: self.round_trips() - trips_before + 1,
            elapsed_ms: started.elapsed().as_millis() as u64,
        }
    }
}

/// Wei as exact gwei (`1.5 gwei`).
pub fn gwei(wei: u128) -> String {
    format!(
        "{} gwei",
        wbx_sdk::Amount::from_raw(alloy::primitives::U256::from(wei)).format_with_decimals(9)
    )
}

/// Wei as exact ETH (`0.01 ETH`).
pub fn eth(wei: alloy::primitives::U256) -> String {
    format!("{} ETH", wbx_sdk::Amount::from_raw(wei))
}

/// Seconds as `12m 30s`, `1h 0m`, `45s`.
pub fn short_duration(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}
