//! `wbx audit serve` and `wbx audit login`: the auditor's live dashboard (logic in
//! `wbx-dashboard`) and a bearer token for its JSON API.

use crate::{
    args::{RpcArgs, WalletArgs, duration},
    cmd::audit::{AnomalyArgs, IndexArgs},
    error::{CliError, Result, code},
    output::Out,
};
use clap::Args;
use std::{net::SocketAddr, path::PathBuf, time::Duration};
use wbx_dashboard::{Config, WebhookConfig, client::LoginError};

/// `wbx audit serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Where to listen. Loopback by default: anyone who can reach the port can ask for a sign-in
    /// message, though only grant holders get in.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// The URL people open, when it is not http://<listen> (behind a reverse proxy). Sign-in
    /// messages must name its host and port.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// How often the node is asked for a new block.
    #[arg(long, default_value = "250ms", value_parser = duration, value_name = "DURATION")]
    poll: Duration,
    /// Index only blocks with this many blocks on top of them.
    #[arg(long, default_value_t = 0, value_name = "N")]
    confirmations: u64,
    /// Post each new anomaly as JSON to this URL (retried until the receiver answers 2xx).
    #[arg(long, value_name = "URL")]
    alert_webhook: Option<String>,
    /// Where the webhook remembers what it delivered (default: the index file + .webhook.json).
    #[arg(long, value_name = "PATH", requires = "alert_webhook")]
    alert_state: Option<PathBuf>,
    /// The longest a session lives, whatever the grant (the grant ends it sooner).
    #[arg(long, default_value = "8h", value_parser = duration, value_name = "DURATION")]
    session_ttl: Duration,
    #[command(flatten)]
    thresholds: AnomalyArgs,
    #[command(flatten)]
    index: IndexArgs,
}

impl ServeArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        if let Some(url) = &self.alert_webhook
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(CliError::input(
                "bad-url",
                format!(
                    "--alert-webhook {url} is not an http(s) URL such as http://127.0.0.1:9000/alerts"
                ),
            ));
        }
        if self.poll.is_zero() {
            return Err(CliError::input(
                code::BAD_INPUT,
                "--poll must be more than 0 (e.g. 250ms)",
            ));
        }
        let (conn, record) = self.index.connect().await?;
        let db = self.index.sync_path(&conn, &record);
        let wbx = wbx_sdk::Wbx::attach(conn, record).await?;
        let mut config = Config::new(db.clone());
        config.listen = self.listen;
        config.public_url = self.public_url.clone();
        config.poll = self.poll;
        config.confirmations = self.confirmations;
        config.anomalies = self.thresholds.options();
        config.session_ttl = self.session_ttl;
        config.webhook = self.alert_webhook.clone().map(|url| WebhookConfig {
            url,
            state: self.alert_state.clone().unwrap_or_else(|| {
                let mut p = db.clone().into_os_string();
                p.push(".webhook.json");
                p.into()
            }),
            backoff: Duration::from_millis(250),
        });
        if !self.listen.ip().is_loopback() && self.public_url.is_none() {
            out.note(format!(
                "warning: listening on {} without --public-url: put it behind HTTPS before anyone signs in over a network",
                self.listen
            ));
        }
        // Watched before the URL is out: a SIGTERM right after it stops the server cleanly.
        let stop = wbx_keeper::shutdown_signal();
        let dashboard = wbx_dashboard::start(wbx, config).await.map_err(|e| match e {
            wbx_dashboard::Error::Bind { .. } => CliError::input("address-in-use", e.to_string()),
            wbx_dashboard::Error::Config(_) => CliError::input(code::BAD_INPUT, e.to_string()),
            wbx_dashboard::Error::Audit(e) => e.into(),
            e => CliError::failure("dashboard-failed", e.to_string()),
        })?;
        let url = dashboard.url().to_string();
        out.announce(&serde_json::json!({ "url": url, "db": db }), || {
            format!("serving the audit dashboard at {url} (index {})", db.display())
        });
        out.note("sign in with an Auditor or Admin grant; Ctrl-C stops it");
        stop.await;
        out.note("stopping: closing live streams and the sync");
        dashboard.stop().await;
        Ok(())
    }
}

/// `wbx audit login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The dashboard's URL, as `wbx audit serve` printed it.
    url: String,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    wallet: WalletArgs,
}

impl LoginArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        if self.wallet.source()?.is_none() {
            return Err(wbx_sdk::Error::NoSigner.into());
        }
        let conn = self.wallet.connect(&self.rpc).await?;
        let signer = conn.signer().ok_or(wbx_sdk::Error::NoSigner)?;
        let login = wbx_dashboard::client::login(&self.url, signer).await.map_err(|e| match e {
            LoginError::BadUrl(_) => CliError::input("bad-url", e.to_string()),
            e => CliError::failure("login-failed", e.to_string()),
        })?;
        let s = &login.session;
        out.note(match s.grant_expires_at {
            Some(g) => format!(
                "signed in to {} as {} ({} grant until {}); use the token as `Authorization: Bearer TOKEN`",
                self.url,
                s.address,
                s.role,
                wbx_audit::html::utc(g)
            ),
            None => format!("signed in to {} as {} (top admin)", self.url, s.address),
        });
        out.emit(&serde_json::json!({ "token": login.token, "session": s }), || {
            login.token.clone()
        });
        Ok(())
    }
}
