//! What the keeper counts, and a minimal HTTP endpoint that serves it: `GET /health` and
//! `GET /metrics` (Prometheus text format 0.0.4).
//!
//! The server is hand-written on a tokio `TcpListener` on purpose: two read-only endpoints do not
//! justify a web framework and its dependency tree in a daemon meant to run for weeks. It reads
//! one request head (at most 8 KiB, within 5 s), answers, and closes the connection.

use std::{
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// The keeper's counters and gauges. Shared (`Arc`) between the loop and the HTTP endpoint.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Grants in the view (gauge).
    pub grants_tracked: AtomicU64,
    /// Active Extended grants in the view (gauge).
    pub extended_active: AtomicU64,
    /// Grants due at the last pass (gauge).
    pub grants_due: AtomicU64,
    /// Renewal transactions broadcast, replacements not counted.
    pub renewal_txs_sent: AtomicU64,
    /// Grants in the renewal transactions broadcast.
    pub renewals_sent: AtomicU64,
    /// Renewal transactions mined.
    pub renewal_txs_mined: AtomicU64,
    /// Grants renewed by mined transactions (from their `AccessRenewedBatch` logs).
    pub renewals_mined: AtomicU64,
    /// Fee-bumped replacements of stuck transactions.
    pub replacements: AtomicU64,
    /// Failed passes, reverted or dropped transactions, failed simulations.
    pub failures: AtomicU64,
    /// Decisions not to renew a due grant because its holder was idle. A holder who acts before
    /// the expiry is renewed after all, so a decision is not yet a lapse.
    pub lapse_decisions: AtomicU64,
    /// Extended grants that expired unrenewed because their holder was idle: real lapses.
    pub lapses: AtomicU64,
    /// Extended grants that expired although their holder was not idle (should stay 0).
    pub missed: AtomicU64,
    /// Reorgs detected.
    pub reorgs: AtomicU64,
    /// Renewal transactions in flight (gauge).
    pub pending_txs: AtomicU64,
    /// Chain head at the last scan (gauge).
    pub head_block: AtomicU64,
    /// Last block applied (gauge).
    pub cursor_block: AtomicU64,
    /// The keeper's ETH balance in gwei (gauge).
    pub eth_balance_gwei: AtomicU64,
    /// Completed passes.
    pub passes: AtomicU64,
    /// Wall-clock time of the last completed pass, unix seconds (gauge).
    pub last_pass_unix: AtomicU64,
    /// `/health` fails when the last pass is older than this many seconds (0: once none ran).
    pub stale_after_secs: AtomicU64,
}

/// Adds `n` to a counter.
pub fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// Sets a gauge.
pub fn set(g: &AtomicU64, v: u64) {
    g.store(v, Ordering::Relaxed);
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// Wall-clock unix seconds.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

impl Metrics {
    /// Whether a pass completed recently enough, and why not.
    pub fn health(&self) -> Result<String, String> {
        let last = get(&self.last_pass_unix);
        if last == 0 {
            return Err("no pass completed yet".into());
        }
        let age = unix_now().saturating_sub(last);
        let limit = get(&self.stale_after_secs);
        if limit > 0 && age > limit {
            return Err(format!("the last completed pass was {age}s ago (limit {limit}s)"));
        }
        Ok(format!("ok: last pass {age}s ago, {} behind head", self.lag()))
    }

    /// Blocks between the head and the last block applied.
    pub fn lag(&self) -> u64 {
        get(&self.head_block).saturating_sub(get(&self.cursor_block))
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP wbx_keeper_{name} {help}");
            let _ = writeln!(out, "# TYPE wbx_keeper_{name} {kind}");
            let _ = writeln!(out, "wbx_keeper_{name} {value}");
        };
        let c = |a: &AtomicU64| get(a).to_string();
        metric("grants_tracked", "gauge", "Grants in the keeper's view.", c(&self.grants_tracked));
        metric(
            "extended_active",
            "gauge",
            "Active Extended grants in the view.",
            c(&self.extended_active),
        );
        metric("grants_due", "gauge", "Grants due at the last pass.", c(&self.grants_due));
        metric(
            "renewal_txs_sent_total",
            "counter",
            "Renewal transactions broadcast (replacements not counted).",
            c(&self.renewal_txs_sent),
        );
        metric(
            "renewals_sent_total",
            "counter",
            "Grants in the renewal transactions broadcast.",
            c(&self.renewals_sent),
        );
        metric(
            "renewal_txs_mined_total",
            "counter",
            "Renewal transactions mined.",
            c(&self.renewal_txs_mined),
        );
        metric(
            "renewals_mined_total",
            "counter",
            "Grants renewed by mined transactions.",
            c(&self.renewals_mined),
        );
        metric(
            "replacements_total",
            "counter",
            "Stuck renewal transactions replaced with bumped fees.",
            c(&self.replacements),
        );
        metric(
            "failures_total",
            "counter",
            "Failed passes, simulations and transactions.",
            c(&self.failures),
        );
        metric(
            "lapse_decisions_total",
            "counter",
            "Due grants not renewed because their holder was idle (renewed after all if the holder acts before the expiry).",
            c(&self.lapse_decisions),
        );
        metric(
            "lapses_total",
            "counter",
            "Extended grants that expired unrenewed because their holder was idle.",
            c(&self.lapses),
        );
        metric(
            "missed_total",
            "counter",
            "Extended grants that expired although their holder was not idle.",
            c(&self.missed),
        );
        metric("reorgs_total", "counter", "Chain reorganisations detected.", c(&self.reorgs));
        metric("pending_txs", "gauge", "Renewal transactions in flight.", c(&self.pending_txs));
        metric("head_block", "gauge", "Chain head at the last scan.", c(&self.head_block));
        metric("cursor_block", "gauge", "Last block applied to the view.", c(&self.cursor_block));
        metric("lag_blocks", "gauge", "Blocks behind the chain head.", self.lag().to_string());
        let gwei = get(&self.eth_balance_gwei);
        metric(
            "eth_balance",
            "gauge",
            "The keeper account's ETH balance.",
            format!("{}.{:09}", gwei / 1_000_000_000, gwei % 1_000_000_000),
        );
        metric("passes_total", "counter", "Completed passes.", c(&self.passes));
        metric(
            "last_pass_timestamp_seconds",
            "gauge",
            "Unix time of the last completed pass.",
            c(&self.last_pass_unix),
        );
        out
    }

    /// Binds `addr` and serves `/health` and `/metrics` from a background task. Returns the bound
    /// address (useful with port 0).
    pub async fn serve(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let metrics = self.clone();
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((sock, _)) => {
                        let m = metrics.clone();
                        tokio::spawn(async move {
                            let answer =
                                tokio::time::timeout(Duration::from_secs(5), answer(sock, &m));
                            if let Ok(Err(e)) = answer.await {
                                tracing::debug!(error = %e, "metrics request failed");
                            }
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "metrics endpoint: accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Ok(bound)
    }
}

/// Reads one request head and writes the answer.
async fn answer(mut sock: TcpStream, m: &Metrics) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (first.next().unwrap_or_default(), first.next().unwrap_or_default());
    let path = target.split('?').next().unwrap_or_default();
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", m.render()),
        ("GET", "/health") => match m.health() {
            Ok(msg) => ("200 OK", "text/plain; charset=utf-8", msg + "\n"),
            Err(msg) => ("503 Service Unavailable", "text/plain; charset=utf-8", msg + "\n"),
        },
        ("GET", _) => {
            ("404 Not Found", "text/plain; charset=utf-8", "try /health or /metrics\n".into())
        }
        _ => ("405 Method Not Allowed", "text/plain; charset=utf-8", "GET only\n".into()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(response.as_bytes()).await?;
    sock.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get_path(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_health_and_metrics() {
        let m = Arc::new(Metrics::default());
        let addr = m.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        assert!(get_path(addr, "/health").await.starts_with("HTTP/1.1 503"));
        set(&m.last_pass_unix, unix_now());
        set(&m.eth_balance_gwei, 1_500_000_000);
        set(&m.head_block, 10);
        set(&m.cursor_block, 8);
        add(&m.renewals_mined, 3);
        add(&m.lapse_decisions, 2);
        add(&m.lapses, 1);
        assert!(get_path(addr, "/health").await.starts_with("HTTP/1.1 200"));
        let metrics = get_path(addr, "/metrics?x=1").await;
        assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
        assert!(metrics.contains("\nwbx_keeper_renewals_mined_total 3\n"), "{metrics}");
        assert!(metrics.contains("\nwbx_keeper_lapse_decisions_total 2\n"), "{metrics}");
        assert!(metrics.contains("\nwbx_keeper_lapses_total 1\n"), "{metrics}");
        assert!(metrics.contains("\nwbx_keeper_lag_blocks 2\n"), "{metrics}");
        assert!(metrics.contains("\nwbx_keeper_eth_balance 1.500000000\n"), "{metrics}");
        assert!(metrics.contains("# TYPE wbx_keeper_failures_total counter"), "{metrics}");
        assert!(get_path(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        // Stale: the last pass is too old.
        set(&m.stale_after_secs, 10);
        set(&m.last_pass_unix, unix_now() - 60);
        assert!(get_path(addr, "/health").await.starts_with("HTTP/1.1 503"));
    }
}
