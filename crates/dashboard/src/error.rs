//! The dashboard's error types: why it could not start or serve, and why a sign-in or a session
//! was refused.

use serde::Serialize;

/// Why the dashboard could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The audit index failed.
    #[error(transparent)]
    Audit(#[from] wbx_audit::Error),
    /// A node call failed.
    #[error(transparent)]
    Sdk(#[from] wbx_sdk::Error),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A configuration that cannot work (the message says what to change).
    #[error("{0}")]
    Config(String),
    /// Reading or writing a file failed.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The dashboard's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a sign-in or a request was refused. Every variant carries the words shown to the person;
/// grant refusals use the CLI's own messages (the SDK's decoded contract errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No session cookie or bearer token, or an unknown one.
    #[error("sign in first: open /login, or run `wbx audit login URL`")]
    NoSession,
    /// The session ran past its own lifetime.
    #[error("your session ended after {0}: sign in again")]
    SessionExpired(String),
    /// The SIWE message does not parse, or is not in the canonical EIP-4361 form.
    #[error("not a Sign-In with Ethereum message: {0}")]
    BadMessage(String),
    /// The message was made for another site.
    #[error("the message signs in to {found}, not to {expected}")]
    WrongDomain {
        /// This server's domain.
        expected: String,
        /// The message's.
        found: String,
    },
    /// The message's URI is not this server.
    #[error("the message's URI {found} is not this dashboard ({expected})")]
    WrongUri {
        /// This server's URL.
        expected: String,
        /// The message's.
        found: String,
    },
    /// The message is for another chain.
    #[error("the message is for chain {found}, but this dashboard serves chain {expected}")]
    WrongChain {
        /// The deployment's chain.
        expected: u64,
        /// The message's.
        found: u64,
    },
    /// The nonce was never issued, was used already, or timed out.
    #[error(
        "the message's nonce is unknown or already used (a replayed or stale sign-in): ask for a new one"
    )]
    BadNonce,
    /// The message's expiration time has passed, or it has none.
    #[error("{0}")]
    MessageExpired(String),
    /// The message is not valid yet.
    #[error("the message is not valid before {0}")]
    NotYetValid(String),
    /// The signature is not the account's.
    #[error(
        "the signature does not match {0} (neither its key nor, for a contract account, ERC-1271)"
    )]
    BadSignature(String),
    /// The account holds neither an active Auditor nor an Admin grant; the message is the CLI's.
    #[error("{0}")]
    NoGrant(String),
    /// The chain could not be asked; refused rather than let in unchecked.
    #[error("cannot check the grant on chain ({0}): try again")]
    ChainUnavailable(String),
}

impl Refusal {
    /// A stable machine-readable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSession => "no-session",
            Self::SessionExpired(_) => "session-expired",
            Self::BadMessage(_) => "bad-message",
            Self::WrongDomain { .. } => "wrong-domain",
            Self::WrongUri { .. } => "wrong-uri",
            Self::WrongChain { .. } => "wrong-chain",
            Self::BadNonce => "bad-nonce",
            Self::MessageExpired(_) => "message-expired",
            Self::NotYetValid(_) => "not-yet-valid",
            Self::BadSignature(_) => "bad-signature",
            Self::NoGrant(_) => "no-grant",
            Self::ChainUnavailable(_) => "chain-unavailable",
        }
    }

    /// The JSON body of a refusal.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { error: self.code().to_string(), message: self.to_string() }
    }
}

/// What the JSON API answers on an error: `{"error": CODE, "message": WORDS}`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    /// A stable code (`no-grant`, `bad-nonce`, `bad-request`, ...).
    pub error: String,
    /// What happened, in words.
    pub message: String,
}
