//! `--alert-webhook`: every anomaly reaches a local receiver once, in order, through failures,
//! and a restarted dashboard posts only what is new.

use crate::support::{Env, wait_for};
use axum::{Json, Router, extract::State, http::StatusCode, routing::post};
use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use wbx_audit::{Db, anomalies::AnomalyOptions};
use wbx_dashboard::{AlertBody, WebhookConfig};
use wbx_sdk::Amount;
use wbx_testing::{Fixture, address, who};

#[derive(Default)]
struct Receiver {
    /// Requests still to refuse with a 500.
    fail: AtomicUsize,
    /// Requests seen, refused ones included.
    requests: AtomicUsize,
    /// Bodies accepted, with their Idempotency-Key header.
    got: Mutex<Vec<(AlertBody, String)>>,
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<AlertBody>,
) -> StatusCode {
    r.requests.fetch_add(1, Ordering::SeqCst);
    if r.fail.load(Ordering::SeqCst) > 0 {
        r.fail.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let key =
        headers.get("idempotency-key").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    r.got.lock().unwrap().push((body, key));
    StatusCode::OK
}

async fn receiver(fail: usize) -> (String, Arc<Receiver>) {
    let state = Arc::new(Receiver { fail: AtomicUsize::new(fail), ..Receiver::default() });
    let app = Router::new().route("/hook", post(receive)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

fn opts() -> AnomalyOptions {
    AnomalyOptions { large_transfer: Amount::whole(10).raw(), ..AnomalyOptions::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_anomaly_is_posted_once_through_failures_and_a_restart() {
    let (url, rx) = receiver(3).await;
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("webhook.json");
    let config = |c: &mut wbx_dashboard::Config| {
        c.anomalies = opts();
        c.webhook = Some(WebhookConfig {
            url: url.clone(),
            state: state.clone(),
            backoff: Duration::from_millis(20),
        });
    };
    let mut env = Env::with(f, config).await;
    let trader = env.f.as_account(who::TRADER).await;
    trader.transfer(address(who::STRANGER), Amount::whole(20)).await.unwrap();
    env.caught_up().await;
    let index = env.dir.path().join("index.sqlite");
    let count = || {
        let db = Db::open_existing(&index).unwrap();
        wbx_audit::anomalies::anomalies(&db, &opts()).unwrap().len()
    };
    let first = count();
    assert!(first >= 3, "admin changes at deployment and the large transfer: {first}");
    wait_for(30, "every anomaly at the receiver", || async {
        rx.got.lock().unwrap().len() >= first
    })
    .await;
    assert!(
        rx.requests.load(Ordering::SeqCst) >= first + 3,
        "the three refused posts were retried"
    );
    {
        let got = rx.got.lock().unwrap();
        assert_eq!(got.len(), first);
        let b = &got.last().unwrap().0;
        assert_eq!(b.kind, "large-transfer");
        assert_eq!(b.chain_id, 31337);
        assert_eq!(b.account, Some(address(who::TRADER)));
        assert_eq!(b.dashboard, format!("{}/anomalies", env.dash().url()));
        assert!(b.detail.starts_with("20 WBX from "), "{}", b.detail);
        assert!(got.iter().all(|(b, key)| &b.id == key), "the Idempotency-Key is the id");
        // In report order.
        assert!(got.windows(2).all(|w| w[0].0.time <= w[1].0.time));
    }
    let delivered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(delivered["delivered"].as_array().unwrap().len(), first);

    // Stopped; a new large transfer while it is down; started again over the same state.
    env.stop().await;
    trader.transfer(address(who::STRANGER), Amount::whole(30)).await.unwrap();
    env.start(config).await;
    env.caught_up().await;
    assert_eq!(count(), first + 1);
    wait_for(30, "the new anomaly at the receiver", || async {
        rx.got.lock().unwrap().len() > first
    })
    .await;
    let got = rx.got.lock().unwrap();
    let ids: HashSet<&String> = got.iter().map(|(b, _)| &b.id).collect();
    assert_eq!(got.len(), first + 1, "posted again after the restart");
    assert_eq!(ids.len(), got.len(), "a duplicate id");
    assert!(got.last().unwrap().0.detail.starts_with("30 WBX from "));
}
