//! The keeper loop: finish what is in flight, scan, plan, check again, send, wait; then sleep and
//! do it again, until SIGINT or SIGTERM. One pass is [`Keeper::run_once`] (`wbx keeper --once`,
//! for cron); [`KeeperConfig::dry_run`] shows what a pass would do and sends and saves nothing.

use crate::{
    error::{Error, Result},
    metrics::{self, Metrics},
    plan::{self, GrantRef, IdleRule, Lapse, PlanConfig},
    scan::{self, ScanConfig, ScanOutcome},
    send::{self, Outcome, Renewal, SendConfig, Sender, Skip},
    state::{KeeperState, Store},
};
use alloy::{primitives::U256, providers::Provider};
use serde::Serialize;
use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::watch;
use wbx_sdk::{Amount, GrantKind, GrantStatus, Role, Wbx};

/// Everything the keeper can be told.
#[derive(Debug, Clone)]
pub struct KeeperConfig {
    /// The state file.
    pub state_path: PathBuf,
    /// Renew when less than this is left (`None`: a quarter of the Extended grant duration).
    pub margin: Option<Duration>,
    /// When to let a grant lapse because its holder has not acted on chain, per role.
    pub idle: IdleRule,
    /// Grants per renewal transaction.
    pub batch_size: usize,
    /// Sleep between passes.
    pub poll: Duration,
    /// Blocks behind the head left unscanned.
    pub confirmations: u64,
    /// How deep a reorg may be and still be undone step by step (deeper ones rebuild the view).
    pub reorg_depth: u64,
    /// Warn when the keeper's ETH balance falls below this (wei).
    pub min_eth: U256,
    /// Show what would be done; send nothing and save nothing.
    pub dry_run: bool,
    /// Replace a renewal not mined after this long.
    pub replace_after: Duration,
    /// Renewal transactions in flight at once.
    pub max_in_flight: usize,
    /// After SIGINT/SIGTERM, how long to wait for renewals in flight.
    pub shutdown_grace: Duration,
    /// Serve `/health` and `/metrics` here while running as a daemon.
    pub metrics_addr: Option<SocketAddr>,
    /// The most the keeper offers per gas (max fee, wei), fee bumps included; `None`: no cap.
    /// While the base fee is above it, renewals wait and each pass reports why.
    pub max_fee_cap: Option<u128>,
}

impl KeeperConfig {
    /// The defaults, with the state at `state_path`.
    pub fn new(state_path: impl Into<PathBuf>) -> Self {
        Self {
            state_path: state_path.into(),
            margin: None,
            idle: IdleRule::default(),
            batch_size: 100,
            poll: Duration::from_secs(2),
            confirmations: 0,
            reorg_depth: 64,
            min_eth: U256::from(50_000_000_000_000_000u64),
            dry_run: false,
            replace_after: Duration::from_secs(60),
            max_in_flight: 16,
            shutdown_grace: Duration::from_secs(60),
            metrics_addr: None,
            max_fee_cap: None,
        }
    }

    /// The default state file for `chain_id`: `.wbx/keeper-<chainId>.json`.
    pub fn default_state_path(chain_id: u64) -> PathBuf {
        PathBuf::from(".wbx").join(format!("keeper-{chain_id}.json"))
    }

    fn send_config(&self) -> SendConfig {
        SendConfig {
            batch_size: self.batch_size.max(1),
            replace_after: self.replace_after,
            poll: self.poll,
            max_in_flight: self.max_in_flight.max(1),
            shutdown_grace: self.shutdown_grace,
            max_fee_cap: self.max_fee_cap,
        }
    }
}

/// A shutdown request, shared between the signal handler and the loop.
#[derive(Debug, Clone)]
pub struct Stop(Arc<watch::Sender<Option<Instant>>>);

impl Default for Stop {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(None)))
    }
}

impl Stop {
    /// Asks the keeper to stop after what is in flight.
    pub fn trigger(&self) {
        self.0.send_if_modified(|at| {
            let first = at.is_none();
            at.get_or_insert_with(Instant::now);
            first
        });
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// How long ago the stop was asked for.
    pub fn elapsed(&self) -> Option<Duration> {
        self.0.borrow().map(|at| at.elapsed())
    }

    /// Sleeps for `d`, or less if a stop is asked for.
    pub async fn sleep(&self, d: Duration) {
        let mut rx = self.0.subscribe();
        let _ = tokio::time::timeout(d, rx.wait_for(|at| at.is_some())).await;
    }
}

/// Watches SIGINT (Ctrl-C) and SIGTERM from this call on, and returns the future that ends at the
/// first of them. The handlers are installed here, not at the future's first poll: a signal sent
/// right after start-up (a supervisor's quick stop) then stops the process cleanly instead of
/// killing it outright.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut int) = (term, int);
            let term = async {
                match term.as_mut() {
                    Some(t) => drop(t.recv().await),
                    None => std::future::pending().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(i) => drop(i.recv().await),
                    None => drop(tokio::signal::ctrl_c().await),
                }
            };
            tokio::select! {
                () = term => {}
                () = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// What one pass did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Nothing was sent or saved.
    pub dry_run: bool,
    /// The keeper account.
    pub keeper: alloy::primitives::Address,
    /// Chain time of the pass.
    pub chain_time: u64,
    /// The margin used, in seconds.
    pub margin: u64,
    /// The idle rule used: each role's window in seconds (`null`: never lapsed for idleness).
    pub idle: IdleRule,
    /// The scan.
    pub scan: ScanOutcome,
    /// Renewal transactions mined in this pass.
    pub renewed: Vec<Renewal>,
    /// Grants a real pass would renew now (dry run).
    pub would_renew: Vec<GrantRef>,
    /// Due grants not sent after the check at the latest block.
    pub skipped: Vec<Skip>,
    /// Decisions: due grants not renewed because their holder is idle (reported once). A holder who
    /// acts before the expiry is renewed after all.
    pub lapsing: Vec<Lapse>,
    /// Real lapses: grants that expired unrenewed because their holder was idle (counted once).
    pub lapsed: Vec<Lapse>,
    /// Extended grants that expired although their holder was not idle (reported once).
    pub missed: Vec<GrantRef>,
    /// What went wrong without stopping the pass.
    pub failures: Vec<String>,
    /// The keeper's ETH balance.
    pub eth_balance: Amount,
    /// The balance is below the warning level.
    pub low_balance: bool,
    /// Renewal transactions still in flight after the pass (only after a shutdown request).
    pub in_flight: usize,
}

impl Report {
    /// Grants renewed by this pass.
    pub fn renewed_grants(&self) -> usize {
        self.renewed.iter().map(|r| r.renewed.len()).sum()
    }

    /// Whether the pass did or found anything worth a log line.
    pub fn is_eventful(&self) -> bool {
        !(self.renewed.is_empty()
            && self.would_renew.is_empty()
            && self.lapsing.is_empty()
            && self.lapsed.is_empty()
            && self.missed.is_empty()
            && self.failures.is_empty()
            && self.scan.rewound.is_none())
    }
}

/// The keeper: a view of the grants, a sender, and the loop.
#[derive(Debug)]
pub struct Keeper {
    wbx: Wbx,
    cfg: KeeperConfig,
    state: KeeperState,
    store: Store,
    sender: Sender,
    metrics: Arc<Metrics>,
    stop: Stop,
    last_save: Option<Instant>,
}

/// The longest time between two saves of an unchanged view.
const VIEW_SAVE_INTERVAL: Duration = Duration::from_secs(30);

impl Keeper {
    /// Opens the keeper for `wbx` (whose signer is the keeper account): loads the state file, or
    /// starts an empty view at the deployment block. Renewals left in flight by an earlier run are
    /// broadcast again and waited for at the first pass.
    pub async fn open(wbx: Wbx, cfg: KeeperConfig) -> Result<Self> {
        if cfg.margin.is_some_and(|m| m.as_secs() == 0) {
            return Err(Error::Config(
                "a margin of 0 renews nothing before it expires: give a margin such as 15m".into(),
            ));
        }
        let metrics = Arc::new(Metrics::default());
        let sender = Sender::new(&wbx, metrics.clone())?;
        let (chain, token) = (wbx.connection().chain_id(), wbx.deployment().token);
        let state = match KeeperState::load(&cfg.state_path)? {
            Some(s) if s.chain_id != chain || s.token != token => {
                return Err(Error::StateMismatch {
                    path: cfg.state_path.clone(),
                    state_chain: s.chain_id,
                    state_token: s.token,
                    chain,
                    token,
                });
            }
            Some(s) => {
                tracing::info!(
                    path = %cfg.state_path.display(),
                    cursor = s.cursor.map(|c| c.number),
                    grants = s.tracked(),
                    in_flight = s.pending.len(),
                    "resuming from the saved state"
                );
                s
            }
            None => KeeperState::new(chain, token),
        };
        let keeper_role = wbx.grant_of(sender.address(), Role::Keeper).await?;
        if keeper_role.status != GrantStatus::Active {
            let msg = format!(
                "{} does not hold the keeper role: ask the top admin (`wbx access grant {} keeper`)",
                sender.address(),
                sender.address()
            );
            if !cfg.dry_run {
                return Err(Error::Config(msg));
            }
            tracing::warn!("{msg}");
        }
        if !state.pending.is_empty() && !cfg.dry_run {
            sender.rebroadcast(&state).await;
        }
        let stale = (cfg.poll * 10).max(Duration::from_secs(60)) + cfg.replace_after;
        metrics::set(&metrics.stale_after_secs, stale.as_secs());
        let store = Store::new(cfg.state_path.clone(), !cfg.dry_run);
        Ok(Self { wbx, cfg, state, store, sender, metrics, stop: Stop::default(), last_save: None })
    }

    /// The view and what is in flight.
    pub fn state(&self) -> &KeeperState {
        &self.state
    }

    /// The counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// The settings.
    pub fn config(&self) -> &KeeperConfig {
        &self.cfg
    }

    /// A handle that stops [`Keeper::run`] after what is in flight.
    pub fn stop_handle(&self) -> Stop {
        self.stop.clone()
    }

    /// Saves the state now.
    pub fn save(&self) -> Result<()> {
        self.store.save(&self.state)
    }

    /// One pass: finish the renewals in flight, scan the new blocks, plan, check each due grant
    /// at the latest block, send the renewals in batches and wait for them.
    pub async fn run_once(&mut self) -> Result<Report> {
        let send_cfg = self.cfg.send_config();
        let mut renewed = Vec::new();
        let mut failures = Vec::new();
        if !self.state.pending.is_empty() && !self.cfg.dry_run {
            let outcomes =
                self.sender.drive(&mut self.state, &self.store, &send_cfg, &self.stop, 0).await?;
            collect(outcomes, &mut renewed, &mut failures);
        }

        let scan_cfg = ScanConfig {
            confirmations: self.cfg.confirmations,
            reorg_depth: self.cfg.reorg_depth,
            ..ScanConfig::default()
        };
        let scanned = scan::scan(&self.wbx, &mut self.state, &scan_cfg).await?;
        if scanned.rewound.is_some() {
            metrics::add(&self.metrics.reorgs, 1);
        }
        let (_, extended) = self.wbx.grant_durations().await?;
        let mut margin =
            self.cfg.margin.map(|m| m.as_secs()).unwrap_or_else(|| plan::default_margin(extended));
        if margin >= extended {
            // Every grant would be due again right after its renewal: renewed at every pass.
            tracing::warn!(
                margin,
                extended_duration = extended,
                "the margin is not below the Extended grant duration: using half the duration"
            );
            margin = extended / 2;
        }
        let idle = self.cfg.idle;
        let now = self.wbx.now().await?;
        let watch_since = *self.state.watch_since.get_or_insert(now);
        let plan = plan::plan(
            &self.state,
            now,
            &PlanConfig { margin, idle },
            &self.state.in_flight(),
            watch_since,
        );
        self.report_lapses(&plan);

        let (due, skipped) = self.sender.revalidate(&plan.due, margin).await?;
        for s in &skipped {
            tracing::info!(role = %s.role, account = %s.account, reason = %s.reason, "skipped");
        }
        metrics::set(&self.metrics.grants_due, due.len() as u64);
        let mut would_renew = Vec::new();
        if self.cfg.dry_run {
            would_renew = due;
        } else if !due.is_empty() {
            self.send(&due, &send_cfg, &mut renewed, &mut failures).await?;
        }

        let balance = self.wbx.eth_balance(self.sender.address()).await?;
        let low_balance = balance.raw() < self.cfg.min_eth;
        if low_balance {
            tracing::warn!(
                keeper = %self.sender.address(),
                balance = %balance,
                minimum = %Amount::from(self.cfg.min_eth),
                "the keeper's ETH balance is low: fund it before renewals fail"
            );
        }
        self.update_gauges(&scanned, balance, now);
        // The view is saved when it changed, else every so often (the journal of renewals in
        // flight is saved at every change anyway): resuming from a slightly older cursor only
        // scans a few blocks again.
        let changed = scanned.events > 0
            || scanned.rewound.is_some()
            || !plan.lapsing.is_empty()
            || !plan.lapsed.is_empty()
            || !plan.missed.is_empty();
        if changed || self.last_save.is_none_or(|t| t.elapsed() >= VIEW_SAVE_INTERVAL) {
            self.store.save(&self.state)?;
            self.last_save = Some(Instant::now());
        }
        Ok(Report {
            dry_run: self.cfg.dry_run,
            keeper: self.sender.address(),
            chain_time: now,
            margin,
            idle,
            scan: scanned,
            renewed,
            would_renew,
            skipped,
            lapsing: plan.lapsing,
            lapsed: plan.lapsed,
            missed: plan.missed,
            failures,
            eth_balance: balance,
            low_balance,
            in_flight: self.state.pending.len(),
        })
    }

    /// Sends the due grants in batches (simulated first), then waits for all of them.
    async fn send(
        &mut self,
        due: &[GrantRef],
        send_cfg: &SendConfig,
        renewed: &mut Vec<Renewal>,
        failures: &mut Vec<String>,
    ) -> Result<()> {
        let fees = self.sender.fees().await?;
        // Only a cap needs the base fee; without one, no extra read on the sending path.
        let base_fee = match send_cfg.max_fee_cap {
            Some(_) => self.base_fee().await?,
            None => 0,
        };
        let Some(fees) = send::capped_fees(fees, send_cfg.max_fee_cap, base_fee) else {
            let msg = format!(
                "the base fee ({base_fee} wei) is at or above the --max-fee cap ({} wei): {} renewal(s) wait until it falls or the cap is raised",
                send_cfg.max_fee_cap.unwrap_or_default(),
                due.len()
            );
            metrics::add(&self.metrics.failures, 1);
            tracing::warn!("{msg}");
            failures.push(msg);
            return Ok(());
        };
        for (role, accounts) in send::batches(due, send_cfg.batch_size) {
            if self.stop.requested() {
                break;
            }
            match self.sender.simulate(role, &accounts).await {
                Ok(0) => {
                    tracing::info!(%role, grants = accounts.len(), "the batch would renew nothing now: not sent");
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    metrics::add(&self.metrics.failures, 1);
                    let msg = send::simulation_failure(role, accounts.len(), &e);
                    tracing::error!("{msg}");
                    failures.push(msg);
                    continue;
                }
            }
            if self.state.pending.len() >= send_cfg.max_in_flight {
                let leave = send_cfg.max_in_flight - 1;
                let outcomes = self
                    .sender
                    .drive(&mut self.state, &self.store, send_cfg, &self.stop, leave)
                    .await?;
                collect(outcomes, renewed, failures);
            }
            self.sender.send_batch(&mut self.state, &self.store, role, accounts, fees).await?;
        }
        let outcomes =
            self.sender.drive(&mut self.state, &self.store, send_cfg, &self.stop, 0).await?;
        collect(outcomes, renewed, failures);
        Ok(())
    }

    /// The base fee of the latest block (0 on a chain without one).
    async fn base_fee(&self) -> Result<u128> {
        let block = self
            .wbx
            .provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| Error::Config("the node has no latest block".into()))?;
        Ok(block.header.base_fee_per_gas.unwrap_or_default().into())
    }

    /// Logs and counts the lapse decisions, the lapses and the misses of the plan, once each.
    fn report_lapses(&mut self, plan: &plan::Plan) {
        for l in &plan.lapsing {
            tracing::warn!(
                role = %l.grant.role,
                account = %l.grant.account,
                expires_at = l.grant.expires_at,
                idle_for = l.idle_for,
                "holder idle: not renewing the Extended grant (renewed after all if the holder acts before it expires)"
            );
        }
        for l in &plan.lapsed {
            tracing::warn!(
                role = %l.grant.role,
                account = %l.grant.account,
                expired_at = l.grant.expires_at,
                idle_for = l.idle_for,
                "lapsed: the Extended grant of an idle holder expired unrenewed"
            );
        }
        for m in &plan.missed {
            tracing::error!(
                role = %m.role,
                account = %m.account,
                expired_at = m.expires_at,
                "MISSED: an Extended grant in use expired without renewal"
            );
        }
        if self.cfg.dry_run {
            return;
        }
        metrics::add(&self.metrics.lapse_decisions, plan.lapsing.len() as u64);
        metrics::add(&self.metrics.lapses, plan.lapsed.len() as u64);
        metrics::add(&self.metrics.missed, plan.missed.len() as u64);
        let decided = plan.lapsing.iter().map(|l| (l.grant.key(), false));
        let expired =
            plan.lapsed.iter().map(|l| l.grant.key()).chain(plan.missed.iter().map(|m| m.key()));
        for (key, counted) in decided.chain(expired.map(|k| (k, true))) {
            if let Some(mut v) = self.state.grant(key).copied() {
                v.reported = true;
                v.expiry_counted |= counted;
                let block = self.state.cursor.map(|c| c.number).unwrap_or_default();
                self.state.set_grant(key, v, block, false);
            }
        }
    }

    fn update_gauges(&self, scanned: &ScanOutcome, balance: Amount, now: u64) {
        let m = &self.metrics;
        metrics::set(&m.grants_tracked, self.state.tracked() as u64);
        let active = self
            .state
            .iter_grants()
            .filter(|(_, v)| v.kind == GrantKind::Extended && v.is_active(now))
            .count();
        metrics::set(&m.extended_active, active as u64);
        metrics::set(&m.head_block, scanned.head);
        metrics::set(&m.cursor_block, scanned.to.unwrap_or_default());
        metrics::set(&m.pending_txs, self.state.pending.len() as u64);
        let gwei = balance.raw() / U256::from(1_000_000_000u64);
        metrics::set(&m.eth_balance_gwei, gwei.saturating_to());
        metrics::add(&m.passes, 1);
        metrics::set(&m.last_pass_unix, metrics::unix_now());
    }

    /// Runs passes until `shutdown` completes (or [`Keeper::stop_handle`] is triggered), then
    /// finishes the renewals in flight (within the grace period) and saves the state. Errors of
    /// a pass are logged and retried with backoff; only a state file that cannot be written or a
    /// wrong configuration stops the loop.
    pub async fn run(&mut self, shutdown: impl Future<Output = ()>) -> Result<()> {
        if let Some(addr) = self.cfg.metrics_addr {
            let bound = self.metrics.serve(addr).await.map_err(|e| {
                Error::Config(format!("cannot serve metrics on {addr}: {e} (use --metrics-addr)"))
            })?;
            tracing::info!("health on http://{bound}/health, metrics on http://{bound}/metrics");
        }
        let stop = self.stop.clone();
        let watcher = async move {
            shutdown.await;
            tracing::info!("shutdown requested: finishing the renewals in flight");
            stop.trigger();
            std::future::pending::<()>().await
        };
        tokio::select! {
            r = self.run_loop() => r,
            _ = watcher => unreachable!("the watcher never completes"),
        }
    }

    async fn run_loop(&mut self) -> Result<()> {
        let mut backoff = self.cfg.poll;
        let max_backoff = Duration::from_secs(60).max(self.cfg.poll);
        tracing::info!(keeper = %self.sender.address(), token = %self.wbx.deployment().token, "keeper started");
        while !self.stop.requested() {
            match self.run_once().await {
                Ok(report) => {
                    backoff = self.cfg.poll;
                    if report.is_eventful() {
                        tracing::info!(
                            renewed = report.renewed_grants(),
                            lapsing = report.lapsing.len(),
                            lapsed = report.lapsed.len(),
                            missed = report.missed.len(),
                            skipped = report.skipped.len(),
                            cursor = report.scan.to,
                            "pass done"
                        );
                    }
                    self.stop.sleep(self.cfg.poll).await;
                }
                Err(e @ (Error::State { .. } | Error::StateMismatch { .. } | Error::Config(_))) => {
                    tracing::error!(error = %e, "the keeper cannot go on");
                    return Err(e);
                }
                Err(e) => {
                    metrics::add(&self.metrics.failures, 1);
                    tracing::warn!(error = %e, retry_in = ?backoff, "pass failed; retrying");
                    self.stop.sleep(backoff).await;
                    backoff = (backoff * 2).min(max_backoff);
                }
            }
        }
        self.store.save(&self.state)?;
        tracing::info!(in_flight = self.state.pending.len(), "keeper stopped");
        Ok(())
    }
}

fn collect(outcomes: Vec<Outcome>, renewed: &mut Vec<Renewal>, failures: &mut Vec<String>) {
    for o in outcomes {
        match o {
            Outcome::Mined(r) => renewed.push(r),
            Outcome::Failed(msg) => failures.push(msg),
        }
    }
}
