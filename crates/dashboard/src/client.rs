//! The client side of sign-in, for scripts (`wbx audit login URL`): ask the dashboard for a
//! message, check that it is for that dashboard and this account, sign it, and get a bearer token
//! for the JSON API.

use crate::{auth::SessionInfo, error::ErrorBody};
use alloy::{primitives::Address, signers::Signer, signers::local::PrivateKeySigner};
use serde::Deserialize;

/// Why a sign-in from a script failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The URL is not an http(s) URL.
    #[error("{0:?} is not a dashboard URL such as http://127.0.0.1:8080")]
    BadUrl(String),
    /// The dashboard did not answer.
    #[error("cannot reach the dashboard at {url}: {reason}; is `wbx audit serve` running there?")]
    Unreachable {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The dashboard handed out a message for another site, chain or account: nothing was signed.
    #[error("refusing to sign: {0}")]
    Suspicious(String),
    /// The dashboard refused the sign-in; its words.
    #[error("{}", .0.message)]
    Refused(ErrorBody),
    /// Signing failed.
    #[error("cannot sign the message: {0}")]
    Sign(String),
}

/// A signed-in session.
#[derive(Debug, Clone, Deserialize)]
pub struct Login {
    /// The bearer token (`Authorization: Bearer TOKEN`).
    pub token: String,
    /// Who it is for.
    pub session: SessionInfoWire,
}

/// [`SessionInfo`] as the API sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfoWire {
    /// The account.
    pub address: Address,
    /// `auditor` or `admin`.
    pub role: String,
    /// The grant's expiry (unix seconds), `None` for the top admin.
    pub grant_expires_at: Option<u64>,
    /// The session's own end (unix seconds).
    pub session_expires_at: u64,
}

impl From<SessionInfo> for SessionInfoWire {
    fn from(s: SessionInfo) -> Self {
        Self {
            address: s.address,
            role: s.role.to_string(),
            grant_expires_at: s.grant_expires_at,
            session_expires_at: s.session_expires_at,
        }
    }
}

#[derive(Deserialize)]
struct Challenge {
    message: String,
}

/// Signs in to the dashboard at `url` as `signer`. The message is checked before it is signed:
/// it must name `url`'s host and port as its domain, `url` as its URI, and the signer's address.
pub async fn login(url: &str, signer: &PrivateKeySigner) -> Result<Login, LoginError> {
    let base = url.trim_end_matches('/');
    let authority = base
        .strip_prefix("http://")
        .or_else(|| base.strip_prefix("https://"))
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| LoginError::BadUrl(url.to_string()))?;
    let client = reqwest::Client::new();
    let unreachable = |e: reqwest::Error| LoginError::Unreachable {
        url: base.to_string(),
        reason: e.to_string(),
    };
    let address = signer.address();
    let r = client
        .get(format!("{base}/api/auth/nonce?address={address}"))
        .send()
        .await
        .map_err(unreachable)?;
    let status = r.status();
    let bytes = r.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(refusal(status, &bytes));
    }
    let challenge: Challenge = serde_json::from_slice(&bytes).map_err(|e| {
        LoginError::Suspicious(format!("the answer is not a sign-in challenge ({e})"))
    })?;
    let m: siwe::Message = challenge.message.parse().map_err(|e| {
        LoginError::Suspicious(format!("not a Sign-In with Ethereum message ({e})"))
    })?;
    if m.domain.as_str() != authority {
        return Err(LoginError::Suspicious(format!(
            "the message signs in to {}, not to {authority}",
            m.domain
        )));
    }
    if m.uri.as_str().trim_end_matches('/') != base {
        return Err(LoginError::Suspicious(format!("the message's URI is {}, not {base}", m.uri)));
    }
    if Address::from(m.address) != address {
        return Err(LoginError::Suspicious(format!(
            "the message is for {}, not for the signer {address}",
            Address::from(m.address)
        )));
    }
    let sig = signer
        .sign_message(challenge.message.as_bytes())
        .await
        .map_err(|e| LoginError::Sign(e.to_string()))?;
    let body = serde_json::json!({
        "message": challenge.message,
        "signature": alloy::primitives::hex::encode_prefixed(sig.as_bytes()),
    });
    let r = client
        .post(format!("{base}/api/auth/verify"))
        .json(&body)
        .send()
        .await
        .map_err(unreachable)?;
    let status = r.status();
    let bytes = r.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(refusal(status, &bytes));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| LoginError::Suspicious(format!("the dashboard's answer does not parse ({e})")))
}

fn refusal(status: reqwest::StatusCode, bytes: &[u8]) -> LoginError {
    LoginError::Refused(serde_json::from_slice(bytes).unwrap_or_else(|_| ErrorBody {
        error: "http".into(),
        message: format!("the dashboard answered {status}"),
    }))
}
