//! Sign-In with Ethereum (EIP-4361), then the grant on chain.
//!
//! The server hands out a message for an address ([`Auth::challenge`]): this dashboard's domain
//! and URL, the deployment's chain id, a single-use nonce and an expiration time a few minutes
//! out. The wallet signs it; [`Auth::sign_in`] checks, in order, that the text is a canonical
//! EIP-4361 message (parsed by the `siwe` crate), made for this domain, URL and chain, with a nonce
//! this server issued and nobody used (it is spent on first sight, whatever follows), inside its
//! validity window; that the signature is the account's (an ECDSA recovery for a key, ERC-1271
//! `isValidSignature` for a contract account); and then, on chain, that the account holds an
//! active Auditor grant or may act as an Admin. Only then is a session opened.
//!
//! A session is a random token (an HttpOnly, SameSite=Strict cookie for a browser, a bearer token
//! for scripts); the server keeps only its hash. Every request asks the chain again
//! ([`Auth::check`]): a grant that expired or was revoked ends the session at its next request,
//! with the CLI's own words for why, and a grant renewed in time simply keeps it going (renewal
//! does not need a new signature: the session is bound to the account, and the account's right
//! is read from the chain each time, so nothing stale is trusted).
//!
//! The `siwe` crate is used for the message grammar and its time checks only: its signature and
//! ERC-1271 paths would bring in k256 verification we already have in alloy and the deprecated
//! ethers-rs, so signatures are checked with alloy.

use crate::error::Refusal;
use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, Signature, eip191_hash_message, keccak256},
    providers::Provider,
};
use rand::RngCore;
use serde::Serialize;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use time::OffsetDateTime;
use wbx_sdk::{Role, Wbx};

alloy::sol! {
    /// ERC-1271: a contract account says whether a signature is valid for a hash.
    #[sol(rpc)]
    interface IERC1271 {
        /// Returns `0x1626ba7e` when `signature` is valid for `hash`.
        function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4 magicValue);
    }
}

/// ERC-1271's answer for a valid signature: `isValidSignature.selector`.
const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// What the message says to the person signing it.
pub const STATEMENT: &str =
    "Sign in to the WBX auditor's dashboard. Access needs an active Auditor or Admin grant.";

/// Nonces waiting to be used, at most (older ones are dropped first).
const MAX_PENDING_NONCES: usize = 10_000;
/// Ended sessions whose reason is kept for the sign-in page, at most.
const MAX_TOMBSTONES: usize = 10_000;
/// How far a message's issue time may be ahead of this server's clock.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Who is signed in, and as what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The account.
    pub address: Address,
    /// The grant that lets it in: `auditor` or `admin`.
    pub role: Role,
    /// The grant's expiry as the chain has it now (unix seconds; `None` for the top admin, whose
    /// role does not expire).
    pub grant_expires_at: Option<u64>,
    /// When the session itself ends at the latest (unix seconds), whatever the grant.
    pub session_expires_at: u64,
}

#[derive(Debug, Clone)]
struct Session {
    address: Address,
    role: Role,
    expires_at: u64,
}

/// The sign-in service: nonces, sessions and the on-chain checks.
#[derive(Debug)]
pub struct Auth {
    domain: String,
    origin: String,
    chain_id: u64,
    wbx: Wbx,
    session_ttl: Duration,
    message_ttl: Duration,
    nonces: Mutex<HashMap<String, u64>>,
    sessions: Mutex<HashMap<B256, Session>>,
    tombstones: Mutex<HashMap<B256, (String, u64)>>,
}

/// Unix seconds now (wall clock: messages and sessions live in real time, whatever the chain's
/// clock says).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn token_key(token: &str) -> B256 {
    keccak256(token.as_bytes())
}

impl Auth {
    /// A sign-in service for the dashboard at `origin` (`http://127.0.0.1:8080`) over the
    /// deployment `wbx` reads.
    pub fn new(origin: &str, wbx: Wbx, session_ttl: Duration, message_ttl: Duration) -> Self {
        let origin = origin.trim_end_matches('/').to_string();
        let domain = origin.split_once("://").map_or(origin.as_str(), |(_, rest)| rest);
        let domain = domain.split('/').next().unwrap_or(domain).to_string();
        Self {
            domain,
            chain_id: wbx.connection().chain_id(),
            origin,
            wbx,
            session_ttl,
            message_ttl,
            nonces: Mutex::default(),
            sessions: Mutex::default(),
            tombstones: Mutex::default(),
        }
    }

    /// The domain messages must name (`host:port`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The URL messages must name.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A fresh message for `address` to sign, with a new single-use nonce.
    pub fn challenge(&self, address: Address) -> String {
        let nonce = siwe::generate_nonce();
        let now = unix_now();
        {
            let mut nonces = self.nonces.lock().expect("nonce lock");
            nonces.retain(|_, exp| *exp > now);
            if nonces.len() >= MAX_PENDING_NONCES
                && let Some(oldest) = nonces.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone())
            {
                nonces.remove(&oldest);
            }
            nonces.insert(nonce.clone(), now + self.message_ttl.as_secs());
        }
        let issued = OffsetDateTime::from_unix_timestamp(now as i64).expect("a valid time");
        let expires = issued + self.message_ttl;
        let message = siwe::Message {
            domain: self.domain.parse().expect("the server's own authority parses"),
            address: address.0.0,
            statement: Some(STATEMENT.into()),
            uri: self.origin.parse().expect("the server's own URL parses"),
            version: siwe::Version::V1,
            chain_id: self.chain_id,
            nonce,
            issued_at: issued.into(),
            expiration_time: Some(expires.into()),
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        };
        message.to_string()
    }

    /// Checks a signed message (see the module docs for the order) and opens a session. Returns
    /// the session token and who it is for.
    pub async fn sign_in(
        &self,
        message: &str,
        signature: &str,
    ) -> Result<(String, SessionInfo), Refusal> {
        let parsed: siwe::Message =
            message.parse().map_err(|e: siwe::ParseError| Refusal::BadMessage(e.to_string()))?;
        // The signature covers the text as sent; it must also be the canonical form, so what the
        // server checked is exactly what was signed.
        if parsed.to_string() != message {
            return Err(Refusal::BadMessage(
                "the text is not in the canonical EIP-4361 layout".into(),
            ));
        }
        if parsed.domain.as_str() != self.domain {
            return Err(Refusal::WrongDomain {
                expected: self.domain.clone(),
                found: parsed.domain.to_string(),
            });
        }
        let uri = parsed.uri.as_str().trim_end_matches('/');
        if uri != self.origin && !uri.starts_with(&format!("{}/", self.origin)) {
            return Err(Refusal::WrongUri {
                expected: self.origin.clone(),
                found: parsed.uri.to_string(),
            });
        }
        if parsed.chain_id != self.chain_id {
            return Err(Refusal::WrongChain { expected: self.chain_id, found: parsed.chain_id });
        }
        // Spent on first sight, whatever follows: a nonce never signs anybody in twice.
        let now = unix_now();
        let fresh = self
            .nonces
            .lock()
            .expect("nonce lock")
            .remove(&parsed.nonce)
            .is_some_and(|exp| exp > now);
        if !fresh {
            return Err(Refusal::BadNonce);
        }
        let now_t = OffsetDateTime::from_unix_timestamp(now as i64).expect("a valid time");
        match &parsed.expiration_time {
            None => {
                return Err(Refusal::MessageExpired(
                    "the message has no expiration time: a sign-in must expire".into(),
                ));
            }
            Some(exp) if !(*exp > now_t) => {
                return Err(Refusal::MessageExpired(format!(
                    "the message expired at {exp}: sign a new one"
                )));
            }
            Some(_) => {}
        }
        if let Some(nbf) = &parsed.not_before
            && *nbf > now_t
        {
            return Err(Refusal::NotYetValid(nbf.to_string()));
        }
        if parsed.issued_at > now_t + CLOCK_SKEW {
            return Err(Refusal::NotYetValid(parsed.issued_at.to_string()));
        }
        let address = Address::from(parsed.address);
        self.verify_signature(address, message, signature).await?;
        let (role, grant_expires_at) = self.grant(address, Role::Auditor).await?;
        let token = alloy::primitives::hex::encode(random_bytes());
        let expires_at = now + self.session_ttl.as_secs();
        self.sessions
            .lock()
            .expect("session lock")
            .insert(token_key(&token), Session { address, role, expires_at });
        tracing::info!(%address, %role, "signed in");
        Ok((token, SessionInfo { address, role, grant_expires_at, session_expires_at: expires_at }))
    }

    /// The signature is `address`'s: its key signed the EIP-191 hash of `message`, or, when
    /// `address` is a contract, the contract says so through ERC-1271.
    async fn verify_signature(
        &self,
        address: Address,
        message: &str,
        signature: &str,
    ) -> Result<(), Refusal> {
        let bad = || Refusal::BadSignature(address.to_string());
        let bytes: Bytes = signature.trim().parse().map_err(|_| bad())?;
        let hash = eip191_hash_message(message.as_bytes());
        if bytes.len() == 65
            && let Ok(sig) = Signature::from_raw(&bytes)
            && sig.recover_address_from_prehash(&hash).is_ok_and(|a| a == address)
        {
            return Ok(());
        }
        let provider = self.wbx.provider();
        let code = provider
            .get_code_at(address)
            .await
            .map_err(|e| Refusal::ChainUnavailable(e.to_string()))?;
        if code.is_empty() {
            return Err(bad());
        }
        let wallet = IERC1271::new(address, provider);
        match wallet.isValidSignature(hash, bytes).call().await {
            Ok(magic) if magic == FixedBytes(ERC1271_MAGIC) => Ok(()),
            _ => Err(bad()),
        }
    }

    /// Whether `account` may use the dashboard now, read from the chain: an active Auditor grant,
    /// or the right to act as an Admin. `first` is the role asked about first (the one a session
    /// was opened with); a refusal carries the CLI's words about that role's grant.
    async fn grant(&self, account: Address, first: Role) -> Result<(Role, Option<u64>), Refusal> {
        let other = if first == Role::Admin { Role::Auditor } else { Role::Admin };
        let mut why = None;
        for role in [first, other] {
            match self.holds(account, role).await? {
                Ok(expires) => return Ok((role, expires)),
                Err(words) => {
                    why.get_or_insert(words);
                }
            }
        }
        Err(Refusal::NoGrant(why.unwrap_or_default()))
    }

    /// `Ok(Ok(expiry))` when `account` holds `role` now, `Ok(Err(why))` when not (in the CLI's
    /// words: the contract's own `checkGrant` revert, decoded by the SDK), `Err` when the chain
    /// cannot be asked. One call (`grantOf`) when the grant is active, the common case.
    async fn holds(
        &self,
        account: Address,
        role: Role,
    ) -> Result<Result<Option<u64>, String>, Refusal> {
        let unavailable = |e: wbx_sdk::Error| Refusal::ChainUnavailable(e.to_string());
        // `grantOf` says Active exactly when `checkGrant` passes: `block.timestamp < expiresAt`,
        // a revocation setting `expiresAt` to its own block's time.
        let g = self.wbx.grant_of(account, role).await.map_err(unavailable)?;
        if g.status == wbx_sdk::GrantStatus::Active {
            return Ok(Ok(Some(g.expires_at)));
        }
        // The top admin may act as an admin without a grant (`isAdmin`).
        if role == Role::Admin && self.wbx.is_admin(account).await.map_err(unavailable)? {
            return Ok(Ok(None));
        }
        match self.wbx.check_grant(account, role).await {
            // Renewed or granted between the two calls.
            Ok(()) => Ok(Ok(Some(
                self.wbx.grant_of(account, role).await.map_err(unavailable)?.expires_at,
            ))),
            Err(e) if e.revert().is_some() => Ok(Err(e.to_string())),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The session behind `token`, checked against the chain now. A session whose grant ended is
    /// closed, and its reason kept for the sign-in page ([`Auth::ended`]).
    pub async fn check(&self, token: &str) -> Result<SessionInfo, Refusal> {
        let key = token_key(token);
        let session = self.sessions.lock().expect("session lock").get(&key).cloned();
        let Some(session) = session else {
            return Err(match self.ended(token) {
                Some(why) => Refusal::NoGrant(why),
                None => Refusal::NoSession,
            });
        };
        let now = unix_now();
        if now >= session.expires_at {
            let why = Refusal::SessionExpired(format_duration(self.session_ttl));
            self.end(&key, why.to_string(), now);
            return Err(why);
        }
        match self.grant(session.address, session.role).await {
            Ok((role, grant_expires_at)) => Ok(SessionInfo {
                address: session.address,
                role,
                grant_expires_at,
                session_expires_at: session.expires_at,
            }),
            Err(Refusal::NoGrant(why)) => {
                let why = format!("signed out: {why}");
                tracing::info!(address = %session.address, reason = %why, "session ended");
                self.end(&key, why.clone(), now);
                Err(Refusal::NoGrant(why))
            }
            Err(e) => Err(e),
        }
    }

    fn end(&self, key: &B256, why: String, now: u64) {
        self.sessions.lock().expect("session lock").remove(key);
        let mut tombs = self.tombstones.lock().expect("tombstone lock");
        tombs.retain(|_, (_, at)| now.saturating_sub(*at) < 3600);
        if tombs.len() < MAX_TOMBSTONES {
            tombs.insert(*key, (why, now));
        }
    }

    /// Why the session behind `token` ended, if it did recently.
    pub fn ended(&self, token: &str) -> Option<String> {
        self.tombstones
            .lock()
            .expect("tombstone lock")
            .get(&token_key(token))
            .map(|(w, _)| w.clone())
    }

    /// Ends a session on request (sign out).
    pub fn sign_out(&self, token: &str) {
        self.sessions.lock().expect("session lock").remove(&token_key(token));
    }

    /// Sessions open now.
    pub fn open_sessions(&self) -> usize {
        self.sessions.lock().expect("session lock").len()
    }
}

fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}
