//! A flaky RPC path: a small HTTP proxy in front of anvil drops requests (before forwarding them,
//! or after, losing the answer) and holds others past the keeper's request timeout. The keeper
//! retries and keeps every used grant alive, sends nothing twice and leaves no nonce stuck.

use crate::support::{config, nonce, renewals_by};
use std::{
    collections::{BTreeMap, BTreeSet},
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use wbx_keeper::Keeper;
use wbx_sdk::{
    Amount, ConnectOptions, Connection, GrantKind, GrantStatus, Role, SignerSource, Wbx,
};
use wbx_testing::{Fixture, address, http::HttpRequest, who};

/// Per mille of requests: dropped before forwarding, held for `hold`, answered then cut off.
#[derive(Debug, Clone, Copy, Default)]
struct Faults {
    drop_before: u64,
    hold: u64,
    drop_after: u64,
    hold_for: Duration,
}

#[derive(Debug, Default)]
struct Stats {
    requests: AtomicU64,
    faults: AtomicU64,
}

struct Proxy {
    url: String,
    faults: Arc<Mutex<Faults>>,
    stats: Arc<Stats>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let stats = Arc::new(Stats::default());
        let (f, s) = (faults.clone(), stats.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (f, s) = (f.clone(), s.clone());
                tokio::spawn(async move {
                    let _ = relay(sock, upstream, &f, &s).await;
                });
            }
        });
        Self { url, faults, stats }
    }

    fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }
}

/// splitmix64: a fixed pseudo-random sequence, so a failing run can be replayed.
fn roll(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 1000
}

/// One request per connection: read it, maybe fault, forward it with `Connection: close`, relay
/// the answer.
async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    faults: &Mutex<Faults>,
    stats: &Stats,
) -> std::io::Result<()> {
    let Some(request) = HttpRequest::read(&mut client).await? else { return Ok(()) };
    let request = request.forwardable();

    let f = *faults.lock().unwrap();
    let r = roll(stats.requests.fetch_add(1, Ordering::Relaxed));
    if r < f.drop_before {
        stats.faults.fetch_add(1, Ordering::Relaxed);
        return Ok(()); // closed without an answer, never forwarded
    }
    if r < f.drop_before + f.hold {
        stats.faults.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(f.hold_for).await;
    }
    let mut node = TcpStream::connect(upstream).await?;
    node.write_all(&request).await?;
    let mut answer = Vec::new();
    node.read_to_end(&mut answer).await?;
    if r >= f.drop_before + f.hold && r < f.drop_before + f.hold + f.drop_after {
        stats.faults.fetch_add(1, Ordering::Relaxed);
        return Ok(()); // the node acted on it; the answer is lost
    }
    client.write_all(&answer).await?;
    client.shutdown().await
}

#[tokio::test]
async fn through_a_path_that_drops_and_delays_requests_nothing_lapses_or_repeats() {
    let f = Fixture::new().await;
    let upstream: SocketAddr = format!("127.0.0.1:{}", f.node.port()).parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let options = ConnectOptions {
        retries: 30,
        backoff: Duration::from_millis(20),
        retry_transport_errors: true,
        request_timeout: Some(Duration::from_millis(400)),
    };
    let conn = Connection::connect_with(
        &proxy.url,
        Some(&SignerSource::DevAccount(who::KEEPER)),
        &options,
    )
    .await
    .unwrap();
    let wbx = Wbx::attach(conn, f.admin.deployment().clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut k = Keeper::open(wbx, config(&dir.path().join("k.json"))).await.unwrap();
    let used = address(who::TRADER_EXT);
    for n in [7, 8] {
        f.admin.grant(address(n), Role::Trader, GrantKind::Extended).await.unwrap();
    }
    let trader = f.as_account(who::TRADER_EXT).await;

    proxy.set(Faults {
        drop_before: 60,
        hold: 30,
        drop_after: 60,
        hold_for: Duration::from_secs(1),
    });
    let mut failed_passes = 0;
    for step in 0..=36u64 {
        if step > 0 {
            f.advance(5 * 60).await;
        }
        if step % 12 == 0 {
            trader.transfer(address(who::ADMIN), Amount::whole(1)).await.unwrap();
        }
        // As the daemon does: a failed pass is retried.
        loop {
            match k.run_once().await {
                Ok(report) => {
                    assert!(report.missed.is_empty(), "{report:?}");
                    break;
                }
                Err(e) => {
                    failed_passes += 1;
                    assert!(failed_passes < 50, "too many failed passes: {e}");
                }
            }
        }
        let g = f.admin.grant_of(used, Role::Trader).await.unwrap();
        assert_eq!(g.status, GrantStatus::Active, "step {step}: lapsed");
    }
    assert!(proxy.stats.faults.load(Ordering::Relaxed) > 20, "the proxy did its job");

    // Nothing twice: each renewal came inside the margin of the previous expiry, and every
    // transaction of the keeper account is one renewal, mined.
    let keeper = address(who::KEEPER);
    let renewals = renewals_by(&f.admin, keeper).await;
    let mut expiry = BTreeMap::new();
    for r in &renewals {
        if let Some(prev) = expiry.insert(r.account, r.expires_at) {
            assert!(prev > r.timestamp && prev - r.timestamp <= 15 * 60, "{r:?}");
        }
    }
    assert!(renewals.iter().filter(|r| r.account == used).count() >= 3);
    let txs: BTreeSet<_> = renewals.iter().map(|r| r.tx).collect();
    assert_eq!(nonce(&f.admin, keeper).await, txs.len() as u64, "no stray or stuck transaction");
    assert!(k.state().pending.is_empty());
}
