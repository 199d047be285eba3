//! `--alert-webhook URL`: each anomaly, once, as a JSON POST.
//!
//! Anomalies are posted in report order, one at a time. A post that fails (no answer, or a status
//! other than 2xx) is tried again with a growing pause (from `backoff` up to 30 s), and later ones
//! wait behind it, so the receiver sees them in order. After each 2xx the anomaly's id is written
//! to the state file (atomically) before the next post: a restarted dashboard reads the file and
//! posts only what was not delivered. A crash between the receiver's 2xx and that write can post
//! one anomaly a second time; the body's `id` (also the `Idempotency-Key` header) lets the
//! receiver drop it.
//!
//! The body:
//! ```json
//! {"id":"0x5c1e…","kind":"large-transfer","time":1795520750,"timeUtc":"2026-11-24 10:12:30 UTC",
//!  "block":12,"account":"0x7099…","detail":"250000 WBX from 0x… to 0x…",
//!  "chainId":31337,"token":"0x5FbD…","dashboard":"http://127.0.0.1:8080/anomalies"}
//! ```

use crate::{
    error::{Error, Result},
    live::{Alert, Snapshot},
};
use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeSet, path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::watch;

/// Where and how anomalies are posted.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The receiver.
    pub url: String,
    /// The delivery state (ids already delivered).
    pub state: PathBuf,
    /// The first pause after a failed post; it doubles up to 30 s.
    pub backoff: Duration,
}

/// What is posted for one anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertBody {
    /// Stable id (the same anomaly has the same id in every run).
    pub id: String,
    /// The anomaly's kind (`large-transfer`, `grant-burst`, `admin-change`, `pause`,
    /// `late-renewal`, `lapsed-while-active`).
    pub kind: String,
    /// When (unix seconds).
    pub time: u64,
    /// The same, as `2026-11-24 10:12:30 UTC`.
    pub time_utc: String,
    /// The block, when one event marks it.
    pub block: Option<u64>,
    /// The account it is about.
    pub account: Option<Address>,
    /// What happened, in words.
    pub detail: String,
    /// The chain.
    pub chain_id: u64,
    /// The token.
    pub token: Address,
    /// The dashboard's anomaly page.
    pub dashboard: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    delivered: BTreeSet<String>,
}

fn load(path: &PathBuf) -> Result<State> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::Config(format!(
                "the webhook state {} is not valid JSON ({e}): move it away to post every anomaly again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(source) => Err(Error::Io { path: path.clone(), source }),
    }
}

/// The delivery loop; runs until `stop` turns true.
pub struct Webhook {
    config: WebhookConfig,
    client: reqwest::Client,
    state: State,
    chain_id: u64,
    token: Address,
    dashboard: String,
}

impl Webhook {
    /// Reads the delivery state; a state file that does not parse is an error, not a reason to
    /// post everything again.
    pub fn new(config: WebhookConfig, chain_id: u64, token: Address, origin: &str) -> Result<Self> {
        let state = load(&config.state)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the webhook client: {e}")))?;
        Ok(Self {
            config,
            client,
            state,
            chain_id,
            token,
            dashboard: format!("{}/anomalies", origin.trim_end_matches('/')),
        })
    }

    fn body(&self, a: &Alert) -> AlertBody {
        AlertBody {
            id: a.id.clone(),
            kind: a.anomaly.kind.name().to_string(),
            time: a.anomaly.time,
            time_utc: wbx_audit::html::utc(a.anomaly.time),
            block: a.anomaly.block,
            account: a.anomaly.account,
            detail: a.anomaly.detail.clone(),
            chain_id: self.chain_id,
            token: self.token,
            dashboard: self.dashboard.clone(),
        }
    }

    async fn post(&self, body: &AlertBody) -> std::result::Result<(), String> {
        let r = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &body.id)
            .body(serde_json::to_vec(body).expect("serialisable"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {}", r.status()))
        }
    }

    fn persist(&self) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.state).expect("serialisable");
        wbx_sdk::fs::write_atomic(&self.config.state, &bytes)
            .map_err(|source| Error::Io { path: self.config.state.clone(), source })
    }

    /// Posts every undelivered anomaly of each new snapshot, in order, until `stop`.
    pub async fn run(
        mut self,
        mut snapshots: watch::Receiver<Option<Arc<Snapshot>>>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            let snap = snapshots.borrow_and_update().clone();
            if let Some(snap) = snap {
                for alert in &snap.anomalies {
                    if self.state.delivered.contains(&alert.id) {
                        continue;
                    }
                    let body = self.body(alert);
                    let mut pause = self.config.backoff;
                    loop {
                        match self.post(&body).await {
                            Ok(()) => break,
                            Err(why) => {
                                tracing::warn!(id = %body.id, %why, retry_in = ?pause, "webhook post failed");
                                tokio::select! {
                                    _ = tokio::time::sleep(pause) => {}
                                    _ = stop.changed() => return,
                                }
                                pause = (pause * 2).min(Duration::from_secs(30));
                            }
                        }
                        if *stop.borrow() {
                            return;
                        }
                    }
                    self.state.delivered.insert(body.id.clone());
                    if let Err(e) = self.persist() {
                        tracing::error!(error = %e, "cannot record a delivered webhook");
                    }
                    tracing::info!(id = %body.id, kind = %body.kind, "anomaly posted");
                }
            }
            tokio::select! {
                r = snapshots.changed() => if r.is_err() { return },
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}
