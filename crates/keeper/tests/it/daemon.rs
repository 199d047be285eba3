//! The daemon: it serves /health and /metrics while it runs, renews on its own, and on a
//! shutdown request finishes the renewal in flight before it returns.

use crate::support::{automine, config, keeper, nonce};
use std::{sync::atomic::Ordering, time::Duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wbx_testing::{DevRpc, Fixture, address, who};

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: k\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

async fn until(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !ok().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_daemon_serves_metrics_and_finishes_the_renewal_in_flight_on_shutdown() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut cfg = config(&dir.path().join("k.json"));
    cfg.metrics_addr = Some(addr);
    let mut k = keeper(&f, cfg).await;
    let metrics = k.metrics();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let keeper_addr = address(who::KEEPER);

    let driver = async {
        until("a first pass", async || metrics.passes.load(Ordering::Relaxed) > 0).await;
        let health = http_get(addr, "/health").await;
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        // The daemon renews on its own when the grant comes due.
        f.advance(50 * 60).await;
        until("a renewal", async || metrics.renewals_mined.load(Ordering::Relaxed) == 1).await;
        let body = http_get(addr, "/metrics").await;
        assert!(body.contains("\nwbx_keeper_renewals_mined_total 1\n"), "{body}");
        assert!(body.contains("\nwbx_keeper_grants_tracked "), "{body}");
        assert!(
            body.contains("\nwbx_keeper_lag_blocks 0\n")
                || body.contains("\nwbx_keeper_lag_blocks 1\n"),
            "{body}"
        );

        // Next time nothing is mined: the renewal stays in flight while the shutdown comes.
        automine(&f, false).await;
        let sent = nonce(&f.admin, keeper_addr).await;
        f.admin.provider().travel(50 * 60).await.unwrap();
        until("a renewal in flight", async || metrics.pending_txs.load(Ordering::Relaxed) == 1)
            .await;
        tx.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        f.admin.provider().mine_block().await.unwrap();
        automine(&f, true).await;
        sent
    };
    let (result, sent) = tokio::join!(k.run(async { rx.await.unwrap() }), driver);
    result.unwrap();
    assert_eq!(metrics.renewals_mined.load(Ordering::Relaxed), 2, "finished before stopping");
    assert!(k.state().pending.is_empty());
    assert_eq!(nonce(&f.admin, keeper_addr).await, sent + 1);
}
