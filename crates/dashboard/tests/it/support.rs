//! A fixture with a dashboard over it, an HTTP client, and signing as anvil's dev accounts.

use alloy::signers::Signer;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use wbx_dashboard::{Config, Dashboard};
use wbx_sdk::{Connection, Wbx};
use wbx_testing::Fixture;

/// A deployed node, a dashboard serving it, and the folder of its index.
pub(crate) struct Env {
    pub(crate) f: Fixture,
    pub(crate) dash: Option<Dashboard>,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) http: reqwest::Client,
}

/// A read-only view of the fixture's deployment (what the dashboard reads with).
pub(crate) async fn reader(f: &Fixture) -> Wbx {
    let conn = Connection::connect(&f.node.endpoint(), None).await.unwrap();
    Wbx::attach(conn, f.admin.deployment().clone()).await.unwrap()
}

/// Polls `cond` every 50 ms until it holds; panics with `what` after `secs` seconds.
pub(crate) async fn wait_for<F, Fut>(secs: u64, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Env {
    /// A fresh fixture and a dashboard on a free port.
    pub(crate) async fn new() -> Self {
        Self::with(Fixture::new().await, |_| {}).await
    }

    /// A dashboard over `f`, configured by `tweak`.
    pub(crate) async fn with(f: Fixture, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut env = Self { f, dash: None, dir, http: reqwest::Client::new() };
        env.start(tweak).await;
        env
    }

    /// Starts (or starts again) the dashboard over the same index.
    pub(crate) async fn start(&mut self, tweak: impl FnOnce(&mut Config)) {
        let mut config = Config::new(self.dir.path().join("index.sqlite"));
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.poll = Duration::from_millis(100);
        tweak(&mut config);
        let dash = wbx_dashboard::start(reader(&self.f).await, config).await.unwrap();
        assert!(dash.ready(Duration::from_secs(60)).await, "the first sync did not finish");
        self.dash = Some(dash);
    }

    /// Stops the dashboard.
    pub(crate) async fn stop(&mut self) {
        if let Some(d) = self.dash.take() {
            d.stop().await;
        }
    }

    pub(crate) fn dash(&self) -> &Dashboard {
        self.dash.as_ref().expect("running")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.dash().url())
    }

    /// Waits until the dashboard has indexed the node's head.
    pub(crate) async fn caught_up(&self) {
        use alloy::providers::Provider;
        let head = self.f.admin.provider().get_block_number().await.unwrap();
        wait_for(30, &format!("the index to reach block {head}"), || async {
            self.dash().indexed_block().is_some_and(|b| b >= head)
        })
        .await;
    }

    /// The sign-in message the server hands out for dev account `n`.
    pub(crate) async fn challenge(&self, n: u32) -> String {
        let addr = wbx_testing::address(n);
        self.challenge_for(addr).await
    }

    pub(crate) async fn challenge_for(&self, addr: alloy::primitives::Address) -> String {
        let r = self.http.get(self.url(&format!("/api/auth/nonce?address={addr}"))).send().await;
        let v: Value = r.unwrap().json().await.unwrap();
        v["message"].as_str().expect("a message").to_string()
    }

    /// Posts a signed message; returns the status, the JSON body and the Set-Cookie header.
    pub(crate) async fn verify(
        &self,
        message: &str,
        signature: &str,
    ) -> (StatusCode, Value, String) {
        let r = self
            .http
            .post(self.url("/api/auth/verify"))
            .json(&serde_json::json!({ "message": message, "signature": signature }))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let cookie = r
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, r.json().await.unwrap(), cookie)
    }

    /// Signs in as dev account `n`; returns the bearer token.
    pub(crate) async fn sign_in(&self, n: u32) -> String {
        let m = self.challenge(n).await;
        let (status, body, _) = self.verify(&m, &sign(n, &m).await).await;
        assert_eq!(status, StatusCode::OK, "sign-in of account {n} refused: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// GET `path` with a bearer token (or none).
    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// GET `path` as text.
    pub(crate) async fn text(&self, path: &str, token: &str) -> (StatusCode, String) {
        let r = self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

/// Dev account `n`'s EIP-191 signature of `message`, as a wallet's personal_sign gives it.
pub(crate) async fn sign(n: u32, message: &str) -> String {
    let signer = wbx_sdk::signer::dev_account(n).unwrap();
    let sig = signer.sign_message(message.as_bytes()).await.unwrap();
    alloy::primitives::hex::encode_prefixed(sig.as_bytes())
}
