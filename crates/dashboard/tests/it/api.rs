//! The JSON API answers what the audit reports say about the same index, the pages show it, and
//! the live stream announces a new transfer and its anomaly as the block is indexed.

use crate::support::Env;
use alloy::providers::Provider;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wbx_audit::{
    Db,
    anomalies::anomalies,
    reports::{self, At, MovementKind, TxFilter},
};
use wbx_sdk::{Amount, Bucket, Role};
use wbx_testing::{Fixture, address, who};

fn large_at_10_wbx(c: &mut wbx_dashboard::Config) {
    c.anomalies.large_transfer = Amount::whole(10).raw();
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_answers_what_the_reports_say() {
    let env = Env::with(Fixture::new().await, large_at_10_wbx).await;
    let trader = env.f.as_account(who::TRADER).await;
    let stranger = address(who::STRANGER);
    trader.transfer(stranger, "12.5".parse().unwrap()).await.unwrap();
    trader.transfer(stranger, Amount::whole(2)).await.unwrap();
    env.f
        .admin
        .allocate(Bucket::MarketingPartnerships, stranger, Amount::whole(250))
        .await
        .unwrap();
    env.f.admin.pause().await.unwrap();
    env.f.admin.unpause().await.unwrap();
    env.caught_up().await;
    let token = env.sign_in(who::AUDITOR).await;
    let db = Db::open_existing(&env.dir.path().join("index.sqlite")).unwrap();
    let get = |path: String| {
        let (env, token) = (&env, token.clone());
        async move {
            let (status, body) = env.get(&path, Some(&token)).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body
        }
    };

    let o = get("/api/overview".into()).await;
    assert_eq!(o["buckets"], to_json(&reports::buckets(&db).unwrap()));
    assert_eq!(o["indexedBlock"], db.require_cursor().unwrap().block);
    assert_eq!(o["paused"], false);
    assert_eq!(o["totalSupply"], to_json(&env.f.admin.total_supply().await.unwrap()));
    let pool = env.f.admin.deployment().pool.to_string().to_lowercase();
    assert_eq!(o["pools"][0]["address"], pool);
    assert_eq!(o["pools"][0]["registered"], true);

    let t = get(format!("/api/access/{}", address(who::TRADER))).await;
    assert_eq!(t, to_json(&reports::access(&db, Some(address(who::TRADER)), None).unwrap()));
    let head = db.require_cursor().unwrap().block;
    let w = get(format!("/api/who?role=trader&at=block:{head}")).await;
    assert_eq!(w, to_json(&reports::who(&db, Role::Trader.id(), At::Block(head), None).unwrap()));
    assert_eq!(w["holders"].as_array().unwrap().len(), 2);

    let f = TxFilter {
        kinds: vec![MovementKind::Transfer],
        account: Some(address(who::TRADER)),
        min_amount: Some(Amount::whole(10).raw()),
        ..TxFilter::default()
    };
    let page = get(format!(
        "/api/transactions?kind=transfer&account={}&minAmount=10",
        address(who::TRADER)
    ))
    .await;
    let mut all = reports::transactions(&db, &f).unwrap();
    assert_eq!(all.len(), 2, "the fixture's 1000 WBX to the trader and its 12.5 WBX transfer");
    all.reverse();
    assert_eq!(page["movements"], to_json(&all));
    // The newest first, `limit` of them, across kinds.
    let page = get("/api/transactions?limit=3".into()).await;
    let newest = reports::recent_transactions(&db, &TxFilter::default(), 3).unwrap();
    assert_eq!(page["movements"], to_json(&newest));
    assert_eq!(
        newest[0].kind,
        MovementKind::Allocation,
        "the allocation (logged after its transfer) is the newest"
    );
    let bucket =
        get("/api/transactions?bucket=marketing-partnerships&kind=allocation".into()).await;
    assert_eq!(bucket["movements"].as_array().unwrap().len(), 1);

    // CSV: every match, oldest first, as `wbx audit transactions --format csv`.
    let (status, csv) = env.text("/api/transactions.csv?kind=transfer", &token).await;
    assert_eq!(status, StatusCode::OK);
    let want: Vec<String> = std::iter::once(reports::CSV_HEADER.to_string())
        .chain(
            reports::transactions(
                &db,
                &TxFilter { kinds: vec![MovementKind::Transfer], ..TxFilter::default() },
            )
            .unwrap()
            .iter()
            .map(reports::csv_row),
        )
        .collect();
    assert_eq!(csv.lines().collect::<Vec<_>>(), want);

    let a = get("/api/anomalies".into()).await;
    let opts = wbx_audit::anomalies::AnomalyOptions {
        large_transfer: Amount::whole(10).raw(),
        ..Default::default()
    };
    let want = anomalies(&db, &opts).unwrap();
    let got = a.as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["kind"], w.kind.name());
        assert_eq!(g["detail"], w.detail);
        assert!(g["id"].as_str().unwrap().starts_with("0x"));
    }
    for kind in ["large-transfer", "pause", "admin-change"] {
        assert!(got.iter().any(|g| g["kind"] == kind), "no {kind} in {a}");
    }

    // Bad input is a 400 naming the problem.
    for (path, needle) in [
        ("/api/transactions?account=0x12", "is not an address"),
        ("/api/transactions?limit=0", "limit"),
        ("/api/transactions?kind=mint", "is not a kind"),
        ("/api/who?role=wizard&at=1", "wizard"),
        ("/api/who?role=trader&at=yesterday", "is not a time"),
    ] {
        let (status, body) = env.get(path, Some(&token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"], "bad-request");
        assert!(body["message"].as_str().unwrap().contains(needle), "{path}: {body}");
    }

    // The pages show the same data.
    let (status, html) = env.text("/", &token).await;
    assert_eq!(status, StatusCode::OK);
    for b in reports::buckets(&db).unwrap() {
        assert!(html.contains(&format!("{} WBX", b.issued)), "{} issued", b.title);
    }
    // The daily volume kept block by block is the report's, summed at once.
    for (day, volume, n) in wbx_audit::html::daily_volume(&db).unwrap() {
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{} WBX</td><td class=\"n\">{n}</td></tr>",
            &wbx_audit::html::utc(day)[..10],
            Amount::from_raw(volume)
        );
        assert!(html.contains(&row), "the overview lacks the volume row {row}");
    }
    for id in ["bucket-chart", "grants-chart", "volume-chart", "live-movements", "pools"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "overview lacks {id}");
    }
    let (_, html) = env.text(&format!("/access?account={}", address(who::TRADER)), &token).await;
    assert!(html.contains("id=\"holders\"") && html.contains("granted"), "access page");
    let (_, html) = env.text(&format!("/access?who_role=trader&at=block:{head}"), &token).await;
    assert!(html.contains("2 held trader at block"), "who form answer");
    let (_, html) = env.text("/transactions?kind=allocation", &token).await;
    assert!(html.contains("250 WBX") || html.contains(">250<"), "transactions page");
    let (_, html) = env.text("/anomalies", &token).await;
    assert!(html.contains("large-transfer") && html.contains("12.5 WBX"), "anomalies page");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_view_lists_grants_expiring_within_15_minutes() {
    let env = Env::new().await;
    let token = env.sign_in(who::AUDITOR).await;
    let (_, a) = env.get("/api/access", Some(&token)).await;
    assert_eq!(a["expiring"], json!([]), "nothing expires within 15 minutes of a fresh grant");
    let holders = a["holders"].as_array().unwrap();
    assert!(holders.iter().any(|h| h["role"] == "keeper" && h["status"] == "held"));
    // 20 of the Standard grants' 30 minutes pass.
    env.f.advance(20 * 60).await;
    env.caught_up().await;
    let (_, a) = env.get("/api/access", Some(&token)).await;
    let expiring: Vec<(String, String)> = a["expiring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["role"].as_str().unwrap().into(), h["account"].as_str().unwrap().into()))
        .collect();
    for (role, n) in
        [("trader", who::TRADER), ("auditor", who::AUDITOR), ("developer", who::DEVELOPER)]
    {
        let acct = address(n).to_string().to_lowercase();
        assert!(expiring.contains(&(role.to_string(), acct)), "{role} missing from {expiring:?}");
    }
    assert_eq!(expiring.len(), 3, "the Extended grant has 40 minutes left: {expiring:?}");
    for h in a["expiring"].as_array().unwrap() {
        assert!(h["secondsLeft"].as_u64().unwrap() <= 600);
    }
}

/// Reads server-sent events until `done` holds over everything read; returns the text.
async fn read_events(
    resp: &mut reqwest::Response,
    secs: u64,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut text = String::new();
    while !done(&text) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "timed out; events so far:\n{text}");
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(c))) => text.push_str(&String::from_utf8_lossy(&c)),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => panic!("the stream failed: {e}"),
            Err(_) => panic!("timed out; events so far:\n{text}"),
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_stream_announces_a_transfer_and_its_anomaly() {
    let env = Env::with(Fixture::new().await, large_at_10_wbx).await;
    let token = env.sign_in(who::AUDITOR).await;
    let r = env.http.get(env.url("/api/events")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the stream needs a session");
    let mut resp = env.http.get(env.url("/api/events")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let trader = env.f.as_account(who::TRADER).await;
    let sent = trader.transfer(address(who::STRANGER), Amount::whole(20)).await.unwrap();
    let tx = sent.hash.to_string();
    let text =
        read_events(&mut resp, 30, |t| t.contains(&tx) && t.contains("large-transfer")).await;
    assert!(
        text.contains(&format!(
            "event: block\ndata: {{\"type\":\"block\",\"block\":{}",
            sent.block
        )),
        "{text}"
    );
    assert!(text.contains("event: movement") && text.contains("event: anomaly"), "{text}");
    // The grant is revoked: at the next block the stream says why and ends.
    env.f.admin.revoke(address(who::AUDITOR), Role::Auditor).await.unwrap();
    let text = read_events(&mut resp, 30, |t| t.contains("signed-out")).await;
    assert!(text.contains("was revoked at"), "{text}");
    // Then the stream ends (the server closes it).
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = resp.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream did not end after signed-out");
    // The server is still up for others.
    assert_eq!(env.get("/health", None).await.0, StatusCode::OK);
    let _ = env.f.admin.provider().get_block_number().await.unwrap();
}
