//! The typed Rust client SDK for WBX, the Webex Token program.
//!
//! Every Rust part of WBX (the `wbx` CLI, the troubleshooter, the keeper, the audit tools) is
//! built on this crate. It connects to a node ([`Connection`]), attaches to a deployment ([`Wbx`],
//! from a [`Deployment`] record) or makes one ([`deploy()`]), and offers every contract operation
//! with exact [`Amount`]s, roles and buckets by name, errors decoded into the contracts' own custom
//! errors ([`Error`], [`Revert`]), chunked event queries and a live event stream ([`events`]),
//! pipelined sending with local nonces ([`pipeline`]), and a check that a chain's EVM has what the
//! contracts need before anything is sent ([`preflight`]).
//!
//! ```no_run
//! # async fn run() -> wbx_sdk::Result<()> {
//! use wbx_sdk::{Amount, Connection, DeployConfig, GrantKind, Role, SignerSource, deploy};
//!
//! let admin = Connection::connect("http://127.0.0.1:8545", Some(&SignerSource::DevAccount(0))).await?;
//! let wbx = deploy(&admin, &DeployConfig::default()).await?;
//! let trader = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
//! wbx.grant(trader, Role::Trader, GrantKind::Standard).await?;
//! wbx.allocate("community-rewards".parse()?, trader, "100".parse::<Amount>()?).await?;
//! # Ok(()) }
//! ```

pub mod amount;
pub mod client;
pub mod connection;
pub mod deploy;
pub mod deployment;
pub mod error;
pub mod events;
pub mod fs;
pub mod grant;
pub mod names;
pub mod payment;
pub mod payouts;
pub mod pipeline;
pub mod preflight;
pub mod replace;
pub mod signer;
pub mod tx;

pub use amount::{Amount, AmountError};
pub use client::{
    Allocation, FeeOverride, PoolRegistration, PoolState, Quote, Sent, Side, SignedRenewal, Wbx,
};
pub use connection::{ConnectOptions, Connection, DEFAULT_RPC_URL};
pub use deploy::{DeployConfig, DeployProgress, deploy, deploy_resumable};
pub use deployment::{Deployment, DeploymentError};
pub use error::{Error, Result, Revert};
pub use grant::{BucketInfo, Grant, GrantStatus};
pub use names::{Bucket, GrantKind, Role, UnknownName};
pub use payment::PaymentId;
pub use signer::{Secret, SignerError, SignerSource};
pub use wbx_contracts as contracts;
