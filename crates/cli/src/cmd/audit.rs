//! `wbx audit ...`: read-only audit tools over a local SQLite index of the token's events.

use crate::{
    args::{DeploymentArgs, RpcArgs, address, amount, duration, writable},
    error::{BadValue, CliError, Result, code},
    output::{Out, short_duration, table},
};
use alloy::primitives::{Address, B256};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};
use wbx_audit::{
    Db, SyncOptions, SyncProgress,
    anomalies::{AnomalyOptions, anomalies},
    db::{Scope, default_path},
    html::{render, utc},
    reconcile::reconcile,
    reports::{self, At, MovementKind, TxFilter, role_id},
};
use wbx_sdk::{Amount, Bucket, Connection};

impl From<wbx_audit::Error> for CliError {
    fn from(e: wbx_audit::Error) -> Self {
        use wbx_audit::Error as E;
        let text = e.to_string();
        match e {
            E::Sdk(e) => e.into(),
            E::Input(_) => CliError::input(code::BAD_INPUT, text),
            E::WrongDatabase { .. } => CliError::input("wrong-database", text),
            E::NewerSchema { .. } => CliError::input("newer-schema", text),
            E::NotSynced(_) => CliError::input("not-synced", text),
            E::Db(_) => CliError::failure("database-error", text),
            E::ReorgInFlight { .. } => CliError::failure("reorged", text),
            E::NodeBehind { .. } => CliError::failure("node-behind", text),
            E::Io { .. } => CliError::failure(code::WRITE_FAILED, text),
        }
    }
}

/// Where the index is, and the chain it indexes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Index options")]
pub(crate) struct IndexArgs {
    /// The SQLite index (default: .wbx/audit-<chainId>-<token>.sqlite; when only one such file
    /// exists, that one).
    #[arg(long, env = "WBX_AUDIT_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    deployment: DeploymentArgs,
}

impl IndexArgs {
    /// A read-only connection and the deployment record: the audit never signs.
    pub(crate) async fn connect(&self) -> Result<(Connection, wbx_sdk::Deployment)> {
        let conn = Connection::connect(&self.rpc.rpc_url, None).await?;
        let record = self.deployment.record(&conn)?;
        Ok((conn, record))
    }

    /// The index file a sync writes: --db, else the default path for the node's chain and the
    /// deployment's token.
    pub(crate) fn sync_path(&self, conn: &Connection, record: &wbx_sdk::Deployment) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| default_path(Path::new("."), conn.chain_id(), record.token))
    }

    /// The index file for reports: --db, else the only `.wbx/audit-*.sqlite`, else the default
    /// path for the node's chain and the deployment's token.
    async fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.db {
            return Ok(p.clone());
        }
        let found: Vec<PathBuf> = std::fs::read_dir(".wbx")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("audit-") && n.ends_with(".sqlite"))
            })
            .collect();
        if let [only] = found.as_slice() {
            return Ok(only.clone());
        }
        let (conn, record) = self.connect().await.map_err(|e| {
            CliError::input(
                "no-database",
                format!("cannot tell which audit database to read ({e}): give --db PATH"),
            )
        })?;
        Ok(default_path(Path::new("."), conn.chain_id(), record.token))
    }

    /// The index for a report (it must exist).
    async fn open(&self) -> Result<Db> {
        let path = self.path().await?;
        is_database(&path)?;
        Ok(Db::open_existing(&path)?)
    }
}

/// Refuses a `--db` that cannot be an index: a directory, or a file that is not SQLite. (A
/// missing file is the reports' own "run `wbx audit sync` first".)
fn is_database(path: &Path) -> Result {
    let bad = |why: &str| {
        CliError::input(code::BAD_FILE, format!("the audit database {} {why}", path.display()))
    };
    crate::args::file_or_nothing(path, "the audit database", code::BAD_FILE)?;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    if n > 0 && &head[..n.min(16)] != b"SQLite format 3\0".get(..n.min(16)).unwrap_or_default() {
        return Err(bad("is not an SQLite database (written by `wbx audit sync`)"));
    }
    Ok(())
}

/// Output formats of the tabular reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// An aligned table.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON document (the same as --json).
    Json,
}

/// Thresholds of the anomaly checks.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Anomaly thresholds")]
pub(crate) struct AnomalyArgs {
    /// A transfer of at least this many WBX is large.
    #[arg(long, default_value = "100000", value_parser = amount, value_name = "WBX")]
    large_transfer: Amount,
    /// An issuance of at least this many WBX of new supply is large.
    #[arg(long, default_value = "1000000", value_parser = amount, value_name = "WBX")]
    large_issuance: Amount,
    /// This many grants ...
    #[arg(long, default_value_t = 10, value_name = "N")]
    burst_count: usize,
    /// ... within this long are a burst.
    #[arg(long, default_value = "60s", value_parser = duration, value_name = "DURATION")]
    burst_window: std::time::Duration,
    /// A renewal this close to the expiry it extends came late.
    #[arg(long, default_value = "60s", value_parser = duration, value_name = "DURATION")]
    late_within: std::time::Duration,
    /// Holder activity this close to a lapse (before or after) makes it notable.
    #[arg(long, default_value = "10m", value_parser = duration, value_name = "DURATION")]
    lapse_window: std::time::Duration,
}

impl AnomalyArgs {
    pub(crate) fn options(&self) -> AnomalyOptions {
        AnomalyOptions {
            large_transfer: self.large_transfer.raw(),
            large_issuance: self.large_issuance.raw(),
            burst_count: self.burst_count,
            burst_window: self.burst_window.as_secs(),
            late_renewal: self.late_within.as_secs(),
            lapse_window: self.lapse_window.as_secs(),
        }
    }
}

/// Audit tools (read-only): index the event log, then report, reconcile and draw.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Read every event of the token and the pool into the local index, from where it stopped.
    ///
    /// Example: `wbx audit sync --confirmations 2`
    Sync(SyncArgs),
    /// Transfers, swaps, allocations and issuance, filtered.
    ///
    /// Example: `wbx audit transactions --account 0x7099…79C8 --min-amount 100 --format csv`
    Transactions(TransactionsArgs),
    /// The access timeline per account and role: granted, renewed, revoked, expired, by whom; and
    /// each pool registration (role `pool`: registered, unregistered, by which top admin).
    ///
    /// Example: `wbx audit access --role trader`
    Access {
        /// Only this account.
        #[arg(long, value_parser = address, value_name = "ADDRESS")]
        account: Option<Address>,
        /// Only this role (admin, trader, auditor, developer, keeper, top-admin, or pool: the pool
        /// registrations).
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
        #[command(flatten)]
        index: IndexArgs,
    },
    /// Who held an active grant of ROLE at a moment, from the events.
    ///
    /// Example: `wbx audit who trader --at 2026-11-24T10:00:00Z` (or `--at 1795000000`, or
    /// `--at block:120`)
    Who {
        /// admin, trader, auditor, developer, keeper, top-admin, or pool (registered pools).
        role: String,
        /// RFC 3339 time, unix seconds, or block:N.
        #[arg(long, value_name = "TIME")]
        at: String,
        #[command(flatten)]
        index: IndexArgs,
    },
    /// Issued, released and remaining per bucket beside the policy shares, from the events.
    ///
    /// Example: `wbx audit buckets --json`
    Buckets {
        #[command(flatten)]
        index: IndexArgs,
    },
    /// Replay balances from the transfers and compare with the chain at the indexed block; exit 1
    /// on any difference.
    ///
    /// Example: `wbx audit reconcile`
    Reconcile {
        #[command(flatten)]
        index: IndexArgs,
    },
    /// Large transfers and issuances, grant bursts, admin changes, every pool registration and fee
    /// change, pauses, late renewals, lapses of active holders.
    ///
    /// Example: `wbx audit anomalies --large-transfer 50000 --large-issuance 5000000`
    Anomalies {
        #[command(flatten)]
        thresholds: AnomalyArgs,
        #[command(flatten)]
        index: IndexArgs,
    },
    /// Serve the live dashboard (pages and JSON API) over the index, kept in sync; sign-in needs
    /// an active Auditor or Admin grant.
    ///
    /// Example: `wbx audit serve --listen 127.0.0.1:8080 --alert-webhook http://127.0.0.1:9000/hook`
    Serve(crate::cmd::dashboard::ServeArgs),
    /// Sign in to a running dashboard with your wallet and print a bearer token for its API.
    ///
    /// Example: `TOKEN=$(wbx audit login http://127.0.0.1:8080 --account auditor)`
    Login(crate::cmd::dashboard::LoginArgs),
    /// Write one self-contained HTML report (tables and inline SVG charts).
    ///
    /// Example: `wbx audit html --out report.html`
    Html {
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        thresholds: AnomalyArgs,
        #[command(flatten)]
        index: IndexArgs,
    },
}

/// `wbx audit sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Index only blocks with this many blocks on top of them.
    #[arg(long, default_value_t = 0, value_name = "N")]
    confirmations: u64,
    /// Stop at this block (default: the confirmed head).
    #[arg(long, value_name = "N")]
    to_block: Option<u64>,
    /// Blocks per eth_getLogs request to start with (a refused range is split).
    #[arg(long, default_value_t = wbx_sdk::events::DEFAULT_CHUNK, value_name = "N")]
    chunk: u64,
    /// eth_getLogs requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    concurrency: usize,
    #[command(flatten)]
    index: IndexArgs,
}

/// `wbx audit transactions`.
#[derive(Debug, Args)]
pub(crate) struct TransactionsArgs {
    /// Only these kinds (comma-separated): issuance, allocation, transfer, swap.
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    kind: Vec<KindArg>,
    /// Only movements from or to this account.
    #[arg(long, value_parser = address, value_name = "ADDRESS")]
    account: Option<Address>,
    /// Only allocations from this bucket and issuances into it.
    #[arg(long, value_name = "BUCKET")]
    bucket: Option<Bucket>,
    /// From this block.
    #[arg(long, value_name = "N")]
    from_block: Option<u64>,
    /// Up to this block.
    #[arg(long, value_name = "N")]
    to_block: Option<u64>,
    /// From this time (RFC 3339 or unix seconds).
    #[arg(long, value_parser = time, value_name = "TIME")]
    since: Option<u64>,
    /// Up to this time (RFC 3339 or unix seconds).
    #[arg(long, value_parser = time, value_name = "TIME")]
    until: Option<u64>,
    /// At least this many WBX.
    #[arg(long, value_parser = amount, value_name = "WBX")]
    min_amount: Option<Amount>,
    /// table, csv or json.
    #[arg(long, default_value = "table")]
    format: Format,
    #[command(flatten)]
    index: IndexArgs,
}

/// A movement kind on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KindArg {
    /// New supply.
    Issuance,
    /// Bucket releases.
    Allocation,
    /// ERC-20 transfers.
    Transfer,
    /// Pool swaps.
    Swap,
}

/// Parses RFC 3339 or unix seconds.
fn time(s: &str) -> Result<u64, BadValue> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    chrono::DateTime::parse_from_rfc3339(s).map(|d| d.timestamp().max(0) as u64).map_err(|e| {
        let note = wbx_sdk::names::non_ascii(s).map(|n| format!("; {n}")).unwrap_or_default();
        BadValue::new(
            "bad-time",
            format!(
                "{s:?} is not a time: give RFC 3339 (2026-11-24T10:00:00Z) or unix seconds ({e}){note}"
            ),
        )
    })
}

/// Parses `--at`: RFC 3339, unix seconds, or `block:N`.
fn at(s: &str) -> Result<At, CliError> {
    if let Some(n) = s.strip_prefix("block:").or_else(|| s.strip_prefix('#')) {
        return n.parse::<u64>().map(At::Block).map_err(|_| {
            CliError::input(
                "bad-time",
                format!("{s:?} is not a block: write block:N, e.g. block:120"),
            )
        });
    }
    time(s)
        .map(At::Time)
        .map_err(|e| CliError::input(e.code, format!("--at {}; or block:N for a block", e.message)))
}

fn role_arg(s: &str) -> Result<B256> {
    Ok(role_id(s)?)
}

impl AuditCommand {
    pub(crate) async fn run(self, out: Out) -> Result {
        match self {
            Self::Sync(a) => a.run(out).await,
            Self::Serve(a) => a.run(out).await,
            Self::Login(a) => a.run(out).await,
            Self::Transactions(a) => a.run(out).await,
            Self::Access { account, role, index } => {
                let role = role.as_deref().map(role_arg).transpose()?;
                let db = index.open().await?;
                let r = reports::access(&db, account, role)?;
                out.emit(&r, || {
                    let mut s =
                        format!("access at block {} ({})\n", r.head_block, utc(r.head_time));
                    for t in &r.timelines {
                        let state = match t.expires_at {
                            Some(e) if t.status == "active" => {
                                format!("active until {}", utc(e))
                            }
                            _ => t.status.to_string(),
                        };
                        s.push_str(&format!("\n{} {}: {state}\n", t.account, t.role));
                        let rows = t
                            .entries
                            .iter()
                            .map(|e| {
                                vec![
                                    utc(e.time),
                                    e.block.map_or("-".into(), |b| b.to_string()),
                                    e.event.to_string(),
                                    e.by.map_or("-".into(), |a| a.to_string()),
                                    e.kind.map_or("-".into(), |k| k.to_string()),
                                    match (e.event, e.expires_at) {
                                        ("revoked", _) | (_, None) => "-".into(),
                                        (_, Some(x)) => utc(x),
                                    },
                                ]
                            })
                            .collect();
                        let tbl =
                            table(&["time", "block", "event", "by", "kind", "expires"], rows, &[1]);
                        for line in tbl.lines() {
                            s.push_str(&format!("  {line}\n"));
                        }
                    }
                    s
                });
                Ok(())
            }
            Self::Who { role, at: when, index } => {
                let role = role_arg(&role)?;
                let at = at(&when)?;
                let db = index.open().await?;
                let block_time = match at {
                    At::Block(b)
                        if b <= db.require_cursor()?.block && db.block_time(b)?.is_none() =>
                    {
                        // A block without events is not in the index: ask the node for its time.
                        let (conn, _) = index.connect().await?;
                        let block = alloy::providers::Provider::get_block_by_number(
                            conn.provider(),
                            b.into(),
                        )
                        .await
                        .map_err(|e| CliError::from(wbx_sdk::Error::from_rpc(e)))?
                        .ok_or_else(|| {
                            CliError::input(code::BAD_INPUT, format!("the node has no block {b}"))
                        })?;
                        Some(block.header.timestamp)
                    }
                    _ => None,
                };
                let r = reports::who(&db, role, at, block_time)?;
                out.emit(&r, || {
                    let when = match r.block {
                        Some(b) => format!("block {b} ({})", utc(r.time)),
                        None => utc(r.time),
                    };
                    if r.holders.is_empty() {
                        return format!("nobody held {} at {when}", r.role);
                    }
                    let rows = r
                        .holders
                        .iter()
                        .map(|h| {
                            vec![
                                h.account.to_string(),
                                h.kind.map_or("permanent".into(), |k| k.to_string()),
                                h.granted_by.map_or("-".into(), |a| a.to_string()),
                                utc(h.granted_at),
                                h.expires_at.map_or("-".into(), |e| {
                                    format!("{} ({} left)", utc(e), short_duration(e - r.time))
                                }),
                                h.renewals.to_string(),
                            ]
                        })
                        .collect();
                    format!(
                        "{} held {} at {when}\n{}",
                        r.holders.len(),
                        r.role,
                        table(
                            &["account", "kind", "granted by", "granted", "expires", "renewals"],
                            rows,
                            &[5]
                        )
                    )
                });
                Ok(())
            }
            Self::Buckets { index } => {
                let db = index.open().await?;
                let rows = reports::buckets(&db)?;
                out.emit(&rows, || {
                    let body = rows
                        .iter()
                        .map(|r| {
                            vec![
                                r.title.to_string(),
                                format!("{}.{:02}%", r.share_bps / 100, r.share_bps % 100),
                                format!(
                                    "{}.{:02}%",
                                    r.issued_share_bps / 100,
                                    r.issued_share_bps % 100
                                ),
                                format!("{} WBX", r.issued),
                                format!("{} WBX", r.released),
                                format!("{} WBX", r.remaining),
                                r.allocations.to_string(),
                            ]
                        })
                        .collect();
                    table(
                        &[
                            "bucket",
                            "policy",
                            "of issued",
                            "issued",
                            "released",
                            "remaining",
                            "allocations",
                        ],
                        body,
                        &[1, 2, 3, 4, 5, 6],
                    )
                });
                Ok(())
            }
            Self::Reconcile { index } => {
                let db = index.open().await?;
                let (conn, record) = index.connect().await?;
                let scope = db.scope();
                if conn.chain_id() != scope.chain_id || record.token != scope.token {
                    return Err(CliError::input(
                        "wrong-database",
                        format!(
                            "the audit database {} indexes {scope}, but the node and record are chain {} token {}: point --rpc-url/--deployment at the same deployment",
                            db.path().display(),
                            conn.chain_id(),
                            record.token
                        ),
                    ));
                }
                let r = reconcile(conn.provider(), &db).await?;
                out.emit(&r, || {
                    let mut s = format!(
                        "compared {} values ({} accounts, totalSupply, 5 buckets) at block {}\n",
                        r.checks, r.accounts, r.block
                    );
                    if r.is_clean() {
                        s.push_str("clean: the events add up to the chain's state");
                    } else {
                        let rows = r
                            .differences
                            .iter()
                            .map(|d| {
                                vec![
                                    d.check.to_string(),
                                    d.account
                                        .map(|a| a.to_string())
                                        .or(d.bucket.map(|b| b.to_string()))
                                        .unwrap_or_else(|| "-".into()),
                                    format!("{} WBX", d.indexed),
                                    format!("{} WBX", d.chain),
                                ]
                            })
                            .collect();
                        s.push_str(&table(&["check", "of", "events", "chain"], rows, &[2, 3]));
                    }
                    s
                });
                if r.is_clean() {
                    Ok(())
                } else {
                    Err(CliError::failure(
                        "ledger-mismatch",
                        format!(
                            "the ledger does not add up: {} difference(s) at block {}",
                            r.differences.len(),
                            r.block
                        ),
                    )
                    .with_fix("each entry of `differences` names the check, the account or bucket, and both values"))
                }
            }
            Self::Anomalies { thresholds, index } => {
                let db = index.open().await?;
                let list = anomalies(&db, &thresholds.options())?;
                out.emit(&list, || {
                    if list.is_empty() {
                        return "no anomalies".into();
                    }
                    let rows = list
                        .iter()
                        .map(|a| {
                            vec![
                                utc(a.time),
                                a.block.map_or("-".into(), |b| b.to_string()),
                                a.kind.name().to_string(),
                                a.detail.clone(),
                            ]
                        })
                        .collect();
                    table(&["time", "block", "kind", "detail"], rows, &[1])
                });
                Ok(())
            }
            Self::Html { out: file, thresholds, index } => {
                writable(&file, "the report")?;
                let db = index.open().await?;
                let html = render(&db, &thresholds.options())?;
                std::fs::write(&file, html.as_bytes()).map_err(|e| {
                    CliError::failure(
                        code::WRITE_FAILED,
                        format!("cannot write {}: {e}", file.display()),
                    )
                })?;
                out.emit(&serde_json::json!({ "out": file, "bytes": html.len() }), || {
                    format!("wrote {} ({} bytes)", file.display(), html.len())
                });
                Ok(())
            }
        }
    }
}

impl SyncArgs {
    async fn run(self, out: Out) -> Result {
        if self.chunk == 0 || self.concurrency == 0 {
            return Err(CliError::input(
                code::BAD_INPUT,
                "--chunk and --concurrency must be at least 1",
            ));
        }
        let (conn, record) = self.index.connect().await?;
        let path = self.index.sync_path(&conn, &record);
        if path.exists() {
            is_database(&path)?;
        }
        let db = Db::open(&path, &Scope::of(&record))?;
        let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
        if out.json || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} sync [{bar:20}] {pos}/{len} blocks {wide_msg}")
                .expect("template")
                .progress_chars("=> "),
        );
        let started = Instant::now();
        let progress_bar = bar.clone();
        let progress = Arc::new(move |p: SyncProgress| {
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            progress_bar.set_length(p.to - p.from + 1);
            progress_bar.set_position(p.block - p.from + 1);
            progress_bar.set_message(format!(
                "{} events, {:.0} blocks/s, {:.0} events/s, {}",
                p.events,
                (p.block - p.from + 1) as f64 / secs,
                p.events as f64 / secs,
                short_duration(started.elapsed().as_secs())
            ));
        });
        let opts = SyncOptions {
            confirmations: self.confirmations,
            to_block: self.to_block,
            chunk: self.chunk,
            concurrency: self.concurrency,
            ..SyncOptions::default()
        };
        let result = wbx_audit::sync(conn.provider(), db, &opts, Some(progress)).await;
        bar.finish_and_clear();
        let (db, r) = result?;
        if let Some(rb) = r.rollback {
            out.note(match rb.to_block {
                Some(b) => format!(
                    "reorg: block {} changed; rolled back to block {b} and re-indexed",
                    rb.from_block
                ),
                None => format!(
                    "reorg below every indexed block (was at {}); re-indexed from the deployment",
                    rb.from_block
                ),
            });
        }
        let json = serde_json::json!({ "db": db.path(), "report": r });
        out.emit(&json, || {
            let cursor = match r.cursor {
                Some(c) => format!("block {} ({}, {})", c.block, c.hash, utc(c.timestamp)),
                None => "nothing indexed yet".into(),
            };
            match r.from_block {
                Some(from) => format!(
                    "indexed blocks {from}..{} : {} logs, {} rows in {:.2}s\ncursor {cursor}\ndatabase {}",
                    r.cursor.map_or(from, |c| c.block),
                    r.logs,
                    r.rows,
                    r.millis as f64 / 1000.0,
                    db.path().display()
                ),
                None => format!(
                    "up to date (head {}, {} confirmations)\ncursor {cursor}\ndatabase {}",
                    r.head,
                    self.confirmations,
                    db.path().display()
                ),
            }
        });
        Ok(())
    }
}

impl TransactionsArgs {
    async fn run(self, out: Out) -> Result {
        let db = self.index.open().await?;
        let kinds = self
            .kind
            .iter()
            .map(|k| match k {
                KindArg::Issuance => MovementKind::Issuance,
                KindArg::Allocation => MovementKind::Allocation,
                KindArg::Transfer => MovementKind::Transfer,
                KindArg::Swap => MovementKind::Swap,
            })
            .collect();
        let filter = TxFilter {
            kinds,
            account: self.account,
            bucket: self.bucket,
            from_block: self.from_block,
            to_block: self.to_block,
            from_time: self.since,
            to_time: self.until,
            min_amount: self.min_amount.map(Amount::raw),
        };
        let list = reports::transactions(&db, &filter)?;
        // --format json is --json for this report.
        let out = Out { json: out.json || self.format == Format::Json };
        let format = self.format;
        let row = |m: &reports::Movement| {
            vec![
                m.block.to_string(),
                utc(m.time),
                format!("{:?}", m.kind).to_lowercase(),
                m.from.to_string(),
                m.to.to_string(),
                m.amount.to_string(),
                m.eth.map_or(String::new(), |e| e.to_string()),
                m.bucket.map_or(String::new(), |b| b.to_string()),
                m.tx.to_string(),
            ]
        };
        const HEADER: [&str; 9] =
            ["block", "time", "kind", "from", "to", "wbx", "eth", "bucket", "tx"];
        out.emit(&list, || match format {
            Format::Json => unreachable!("--format json is --json"),
            Format::Csv => {
                let mut s = reports::CSV_HEADER.to_string();
                s.push('\n');
                for m in &list {
                    s.push_str(&reports::csv_row(m));
                    s.push('\n');
                }
                s
            }
            Format::Table => {
                if list.is_empty() {
                    "no matching movements".into()
                } else {
                    let rows = list
                        .iter()
                        .map(|m| {
                            let mut r = row(m);
                            r.truncate(8);
                            r
                        })
                        .collect();
                    table(&HEADER[..8], rows, &[0, 5, 6])
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_moments_parse() {
        assert_eq!(time("1795000000").unwrap(), 1_795_000_000);
        assert_eq!(time("2026-11-24T10:00:00Z").unwrap(), 1_795_514_400);
        assert!(time("yesterday").unwrap_err().message.contains("RFC 3339"));
        assert_eq!(at("block:12").unwrap(), At::Block(12));
        assert_eq!(at("1795000000").unwrap(), At::Time(1_795_000_000));
        assert_eq!(at("block:x").unwrap_err().exit(), crate::error::BAD_INPUT);
    }
}
