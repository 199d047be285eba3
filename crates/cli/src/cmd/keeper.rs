//! `wbx keeper`: the renewal daemon (all logic in `wbx-keeper`).

use crate::{
    args::{ChainArgs, amount, duration, max_fee, nonzero_duration},
    error::{BadValue, CliError, Result, code},
    output::{Out, short_duration},
};
use clap::Args;
use std::{fmt::Write as _, net::SocketAddr, path::PathBuf, time::Duration};
use wbx_keeper::{IdleRule, Keeper, KeeperConfig, Report};
use wbx_sdk::{Amount, Role};

/// Renew Extended grants before they expire: a daemon until SIGINT/SIGTERM, or one pass.
///
/// The keeper builds its view of the grants from the token's events, renews each active Extended
/// grant whose time left falls below --margin in batches (`renewBatch`), and lets a grant lapse
/// when its holder has not acted on chain for the --idle window of its role (by default 2h for
/// trader, developer and admin; never for auditor, whose work is off chain). Its cursor and the renewals in flight are
/// saved in --state, so a restart resumes without rescanning or renewing twice. It serves
/// /health and Prometheus /metrics on --metrics-addr. Logs go to stderr: warnings by default,
/// every renewal with RUST_LOG=info.
///
/// Example: `wbx keeper --account keeper`, `wbx keeper --once --json --account keeper` (cron),
/// `wbx keeper --dry-run --dev-account 5`
#[derive(Debug, Args)]
pub(crate) struct KeeperArgs {
    /// Run one pass, print what it did, and exit (for cron).
    #[arg(long)]
    once: bool,
    /// Show what one pass would renew and let lapse; send nothing, save nothing.
    #[arg(long)]
    dry_run: bool,
    /// The state file: cursor, grant view, renewals in flight (default: .wbx/keeper-<chainId>.json).
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    /// Renew when less than this is left (default: a quarter of the Extended duration, 15m for 1h).
    #[arg(long, value_parser = duration)]
    margin: Option<Duration>,
    /// Let a grant lapse when its holder has not acted on chain for this long: `2h` for every role
    /// with on-chain use (trader, developer, admin), `ROLE=DURATION` for one role (`auditor=8h` opts
    /// auditors in), `0s` for none. Repeat it; a role's own value wins. Default: 2h, auditors never.
    #[arg(long, value_parser = idle_arg, value_name = "[ROLE=]DURATION")]
    idle: Vec<IdleArg>,
    /// Grants per renewal transaction.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1000))]
    batch_size: u64,
    /// Sleep between passes.
    #[arg(long, default_value = "2s", value_parser = nonzero_duration)]
    poll: Duration,
    /// Blocks behind the head left unscanned.
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Replace a renewal not mined after this long, both fees bumped by at least 12.5%.
    #[arg(long, default_value = "60s", value_parser = nonzero_duration)]
    replace_after: Duration,
    /// Where to serve /health and /metrics (daemon mode only).
    #[arg(long, default_value = "127.0.0.1:9464", value_name = "ADDR")]
    metrics_addr: SocketAddr,
    /// The most the keeper pays per gas, in gwei, fee bumps included (default: no cap). While the
    /// base fee is above it, renewals wait and each pass says so.
    #[arg(long, value_parser = max_fee, value_name = "GWEI")]
    max_fee: Option<u128>,
    /// Log one JSON object per line on stderr (for log shippers) instead of plain text.
    #[arg(long)]
    pub(crate) log_json: bool,
    /// Warn when the keeper's ETH balance falls below this.
    #[arg(long, default_value = "0.05", value_parser = amount, value_name = "ETH")]
    min_eth: Amount,
    #[command(flatten)]
    chain: ChainArgs,
}

/// One `--idle` value: a window for one role, or for every role with on-chain use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleArg {
    role: Option<Role>,
    window: Duration,
}

fn idle_arg(s: &str) -> std::result::Result<IdleArg, BadValue> {
    let (role, window) = match s.split_once('=') {
        Some((role, window)) => {
            let role =
                role.parse::<Role>().map_err(|e| BadValue::new("unknown-name", e.to_string()))?;
            (Some(role), window)
        }
        None => (None, s),
    };
    if role == Some(Role::Keeper) {
        return Err(BadValue::new(
            code::BAD_INPUT,
            "the keeper role is permanent: it has no grant to lapse",
        ));
    }
    Ok(IdleArg { role, window: duration(window)? })
}

/// The idle rule the `--idle` values give: the default (2h for the roles with on-chain use, none
/// for the auditor) when none is given; else bare windows for the roles with on-chain use, then
/// each `ROLE=DURATION` for its role, whatever the order.
fn idle_rule(args: &[IdleArg]) -> IdleRule {
    if args.is_empty() {
        return IdleRule::default();
    }
    let window = |a: &IdleArg| (!a.window.is_zero()).then_some(a.window.as_secs());
    let base = args.iter().rev().find(|a| a.role.is_none()).map(window);
    let rule = match base {
        Some(w) => IdleRule::on_chain_roles(w),
        None => IdleRule::default(),
    };
    args.iter()
        .filter_map(|a| a.role.map(|r| (r, window(a))))
        .fold(rule, |r, (role, w)| r.with(role, w))
}

fn keeper_error(e: wbx_keeper::Error) -> CliError {
    use wbx_keeper::Error as E;
    match e {
        E::Sdk(e) => e.into(),
        e @ E::StateMismatch { .. } => CliError::input("state-mismatch", e.to_string()),
        e @ E::Config(_) => CliError::input("keeper-config", e.to_string()),
        e @ E::State { .. } => CliError::failure("keeper-state", e.to_string()),
        e @ E::Reorged(_) => CliError::failure("reorged", e.to_string()),
        e @ E::NodeBehind(_) => CliError::failure("node-behind", e.to_string()),
    }
}

impl KeeperArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        // Not `ChainArgs::wbx`: a daemon's connection retries transport failures and times out.
        let signer = self.chain.wallet.source()?.ok_or(wbx_sdk::Error::NoSigner)?;
        let conn = wbx_keeper::connect(&self.chain.rpc.rpc_url, Some(&signer)).await?;
        let wbx = self.chain.deployment.attach(conn).await?;
        let chain_id = wbx.connection().chain_id();
        let state = self.state.unwrap_or_else(|| KeeperConfig::default_state_path(chain_id));
        crate::args::file_or_nothing(&state, "the keeper state", code::BAD_FILE)?;
        let mut cfg = KeeperConfig::new(state);
        cfg.margin = self.margin;
        cfg.idle = idle_rule(&self.idle);
        cfg.batch_size = self.batch_size as usize;
        cfg.poll = self.poll;
        cfg.confirmations = self.confirmations;
        cfg.replace_after = self.replace_after;
        cfg.min_eth = self.min_eth.raw();
        cfg.max_fee_cap = self.max_fee;
        cfg.dry_run = self.dry_run;
        let single = self.once || self.dry_run;
        if !single {
            cfg.metrics_addr = Some(self.metrics_addr);
        }
        // Watched from here on, before the daemon starts: a quick stop is a clean one.
        let stop = (!single).then(wbx_keeper::shutdown_signal);
        let mut keeper = Keeper::open(wbx, cfg).await.map_err(keeper_error)?;
        if single {
            let report = keeper.run_once().await.map_err(keeper_error)?;
            out.emit(&report, || human(&report));
            return Ok(());
        }
        out.note(format!(
            "keeper running (state {}, metrics on http://{}/metrics); Ctrl-C to stop",
            keeper.config().state_path.display(),
            self.metrics_addr
        ));
        let state = keeper.config().state_path.clone();
        let stop = stop.expect("watched for a daemon");
        keeper.run(stop).await.map_err(keeper_error)?;
        // A daemon's result is its log; only `--json` asks for the one document.
        out.emit(&serde_json::json!({ "stopped": true, "state": state }), String::new);
        Ok(())
    }
}

/// The report of one pass, in words.
fn human(r: &Report) -> String {
    let mut s = String::new();
    let verb = if r.dry_run { "dry run" } else { "pass" };
    let scanned = match (r.scan.from, r.scan.to) {
        (Some(from), Some(to)) => {
            format!("scanned blocks {from}..={to} ({} events)", r.scan.events)
        }
        _ => "no new blocks".into(),
    };
    let _ = writeln!(s, "keeper {verb} as {}: {scanned}", r.keeper);
    if let Some(rw) = r.scan.rewound {
        let _ = writeln!(s, "  reorg: rewound from block {} to {:?}", rw.from, rw.to);
    }
    for x in &r.renewed {
        let _ = writeln!(
            s,
            "renewed {} {} grant(s) until {} in tx {} (block {}, {} gas{})",
            x.renewed.len(),
            x.role,
            wbx_sdk::error::format_time(x.expires_at),
            x.tx,
            x.block,
            x.gas_used,
            if x.replacements > 0 {
                format!(", after {} fee bump(s)", x.replacements)
            } else {
                String::new()
            }
        );
    }
    for g in &r.would_renew {
        let left = g.expires_at.saturating_sub(r.chain_time);
        let _ =
            writeln!(s, "would renew {} of {} ({} left)", g.role, g.account, short_duration(left));
    }
    for k in &r.skipped {
        let _ = writeln!(s, "skipped {} of {}: {}", k.role, k.account, k.reason);
    }
    for l in &r.lapsing {
        let _ = writeln!(
            s,
            "letting {} of {} lapse at {}: its holder has been idle for {} (renewed after all if it acts before then)",
            l.grant.role,
            l.grant.account,
            wbx_sdk::error::format_time(l.grant.expires_at),
            short_duration(l.idle_for)
        );
    }
    for l in &r.lapsed {
        let _ = writeln!(
            s,
            "lapsed: {} of {} expired at {} unrenewed, its holder idle for {}",
            l.grant.role,
            l.grant.account,
            wbx_sdk::error::format_time(l.grant.expires_at),
            short_duration(l.idle_for)
        );
    }
    for m in &r.missed {
        let _ = writeln!(
            s,
            "MISSED: {} of {} expired at {} without renewal",
            m.role,
            m.account,
            wbx_sdk::error::format_time(m.expires_at)
        );
    }
    for f in &r.failures {
        let _ = writeln!(s, "failed: {f}");
    }
    if r.renewed.is_empty()
        && r.would_renew.is_empty()
        && r.lapsing.is_empty()
        && r.lapsed.is_empty()
    {
        let _ = writeln!(s, "nothing due (margin {})", short_duration(r.margin));
    }
    let _ = writeln!(
        s,
        "ETH balance {}{}",
        r.eth_balance,
        if r.low_balance { " (low: fund the keeper)" } else { "" }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(args: &[&str]) -> IdleRule {
        let args: Vec<IdleArg> = args.iter().map(|a| idle_arg(a).unwrap()).collect();
        idle_rule(&args)
    }

    #[test]
    fn idle_flags_give_a_rule_per_role() {
        const H: u64 = 3600;
        // Default: 2h for the roles with on-chain use, none for auditors.
        let d = rule(&[]);
        assert_eq!(
            (d.trader, d.developer, d.admin, d.auditor),
            (Some(2 * H), Some(2 * H), Some(2 * H), None)
        );
        // A bare window is for the on-chain roles only; 0s turns them off.
        let r = rule(&["30m"]);
        assert_eq!((r.trader, r.developer, r.auditor), (Some(1800), Some(1800), None));
        assert_eq!(rule(&["0s"]), IdleRule::NONE);
        // A role's own window wins, whatever the order; auditors are opted in by name.
        let r = rule(&["auditor=8h", "1h", "developer=0s"]);
        assert_eq!((r.trader, r.developer, r.auditor), (Some(H), None, Some(8 * H)));
        let r = rule(&["auditor=8h"]);
        assert_eq!((r.trader, r.auditor), (Some(2 * H), Some(8 * H)));
        // Bad values say what is wrong.
        assert!(idle_arg("keeper=1h").unwrap_err().message.contains("permanent"));
        assert!(idle_arg("tradr=1h").unwrap_err().message.contains("unknown role"));
        assert!(idle_arg("trader=soon").is_err());
    }
}
