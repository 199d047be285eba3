//! The keeper's error type.

use std::path::PathBuf;

/// The keeper's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop a keeper pass.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An SDK, RPC or contract error.
    #[error(transparent)]
    Sdk(#[from] wbx_sdk::Error),
    /// The state file could not be read or written.
    #[error("keeper state {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The state file belongs to another chain or token.
    #[error(
        "the keeper state {path} is for chain {state_chain} token {state_token}, not chain {chain} token {token}: use another --state"
    )]
    StateMismatch {
        /// The file.
        path: PathBuf,
        /// Chain in the file.
        state_chain: u64,
        /// Token in the file.
        state_token: alloy::primitives::Address,
        /// The node's chain.
        chain: u64,
        /// The deployment's token.
        token: alloy::primitives::Address,
    },
    /// A setting that cannot work.
    #[error("{0}")]
    Config(String),
    /// The chain changed under a scan (a reorg while reading); the pass is retried.
    #[error("the chain reorganised while it was being read: {0}")]
    Reorged(String),
    /// The node does not serve a block yet that it (or another backend behind the same endpoint)
    /// counted in its head: not a reorg; the pass is retried.
    #[error("the node does not serve block {0} yet (a backend behind the others?); trying again")]
    NodeBehind(u64),
}

impl Error {
    /// Whether the next pass may succeed where this one failed (RPC trouble, a reorg).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Sdk(e) => {
                e.is_transient() || matches!(e, wbx_sdk::Error::Rpc(_) | wbx_sdk::Error::Other(_))
            }
            Self::Reorged(_) | Self::NodeBehind(_) => true,
            _ => false,
        }
    }
}

impl From<alloy::transports::TransportError> for Error {
    fn from(e: alloy::transports::TransportError) -> Self {
        Self::Sdk(wbx_sdk::Error::from_rpc(e))
    }
}
