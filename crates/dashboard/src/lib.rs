//! The auditor's live dashboard behind `wbx audit serve`: a local web server over the audit index
//! (`wbx-audit`), opened by Sign-In with Ethereum and an active Auditor or Admin grant on chain.
//!
//! [`server`] binds (127.0.0.1 by default), keeps the index in sync in the background ([`live`])
//! and serves the pages and a JSON API over the same data: the overview, access now, timelines,
//! who held a role at a moment, transactions with CSV export, anomalies, and a stream of live
//! events. [`auth`] is the sign-in and the per-request grant check; [`webhook`] posts each new
//! anomaly once.

pub mod auth;
pub mod client;
pub mod error;
pub mod live;
mod pages;
pub mod server;
pub mod webhook;

pub use auth::{Auth, SessionInfo};
pub use error::{Error, ErrorBody, Refusal, Result};
pub use server::{Config, Dashboard, start};
pub use webhook::{AlertBody, WebhookConfig};
