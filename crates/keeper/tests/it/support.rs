//! Shared helpers: a keeper on a fixture, fast settings, and the renewals on chain.

use alloy::{primitives::Address, providers::Provider, rpc::types::Log};
use std::{path::Path, time::Duration};
use wbx_keeper::{Keeper, KeeperConfig};
use wbx_sdk::{GrantKind, Role, SignerSource, Wbx, contracts::WebexToken};
use wbx_testing::{DevRpc, Fixture, who};

/// Settings for tests: fast polling, the default margin (a quarter of 1 h) and a 2 h idle window.
/// Also turns on the keeper's logs when RUST_LOG asks for them.
pub(crate) fn config(state: &Path) -> KeeperConfig {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let mut cfg = KeeperConfig::new(state);
    cfg.poll = Duration::from_millis(50);
    cfg.replace_after = Duration::from_secs(3);
    cfg.shutdown_grace = Duration::from_secs(10);
    cfg
}

/// A keeper signing as dev account `n`, connected as the CLI connects it (transport failures
/// retried, requests timed out).
pub(crate) async fn keeper_as(f: &Fixture, n: u32, cfg: KeeperConfig) -> Keeper {
    let conn = wbx_keeper::connect(&f.node.endpoint(), Some(&SignerSource::DevAccount(n)))
        .await
        .expect("connect");
    Keeper::open(f.admin.with_connection(conn), cfg).await.expect("open the keeper")
}

/// The deployment as the keeper's account, through `url` (a fault-injecting proxy), with transport
/// failures retried up to `retries` times and each request timed out after `timeout`.
pub(crate) async fn keeper_wbx_through(
    f: &Fixture,
    url: &str,
    retries: u32,
    timeout: Duration,
) -> Wbx {
    let options = wbx_sdk::ConnectOptions {
        retries,
        backoff: Duration::from_millis(20),
        retry_transport_errors: true,
        request_timeout: Some(timeout),
    };
    let conn = wbx_sdk::Connection::connect_with(
        url,
        Some(&SignerSource::DevAccount(who::KEEPER)),
        &options,
    )
    .await
    .expect("connect through the proxy");
    Wbx::attach(conn, f.admin.deployment().clone()).await.expect("attach")
}

/// The keeper of the fixture (dev account 5).
pub(crate) async fn keeper(f: &Fixture, cfg: KeeperConfig) -> Keeper {
    keeper_as(f, who::KEEPER, cfg).await
}

/// A renewal seen on chain: one grant, one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OnChainRenewal {
    pub(crate) block: u64,
    pub(crate) timestamp: u64,
    pub(crate) role: Role,
    pub(crate) account: Address,
    pub(crate) renewer: Address,
    pub(crate) expires_at: u64,
    pub(crate) tx: alloy::primitives::TxHash,
}

async fn timestamp(wbx: &Wbx, log: &Log) -> u64 {
    if let Some(t) = log.block_timestamp {
        return t;
    }
    let n = log.block_number.expect("mined log");
    wbx.provider().get_block_by_number(n.into()).await.unwrap().unwrap().header.timestamp
}

/// Every renewal since deployment (single and batch), in chain order.
pub(crate) async fn renewals(wbx: &Wbx) -> Vec<OnChainRenewal> {
    let head = wbx.provider().get_block_number().await.unwrap();
    let mut out = Vec::new();
    for (e, log) in wbx.token_events::<WebexToken::AccessRenewed>(0, head).await.unwrap() {
        out.push(OnChainRenewal {
            block: log.block_number.unwrap(),
            timestamp: timestamp(wbx, &log).await,
            role: Role::from_id(e.role).unwrap(),
            account: e.account,
            renewer: e.renewer,
            expires_at: e.expiresAt.to(),
            tx: log.transaction_hash.unwrap(),
        });
    }
    for (e, log) in wbx.token_events::<WebexToken::AccessRenewedBatch>(0, head).await.unwrap() {
        let ts = timestamp(wbx, &log).await;
        for a in &e.accounts {
            out.push(OnChainRenewal {
                block: log.block_number.unwrap(),
                timestamp: ts,
                role: Role::from_id(e.role).unwrap(),
                account: *a,
                renewer: e.renewer,
                expires_at: e.expiresAt.to(),
                tx: log.transaction_hash.unwrap(),
            });
        }
    }
    out.sort_by_key(|r| r.block);
    out
}

/// The renewals made by `keeper`.
pub(crate) async fn renewals_by(wbx: &Wbx, keeper: Address) -> Vec<OnChainRenewal> {
    renewals(wbx).await.into_iter().filter(|r| r.renewer == keeper).collect()
}

/// How many transactions `account` has had mined.
pub(crate) async fn nonce(wbx: &Wbx, account: Address) -> u64 {
    wbx.provider().get_transaction_count(account).latest().await.unwrap()
}

/// Grants `role` of `kind` to each of `accounts`.
pub(crate) async fn grant_all(f: &Fixture, accounts: &[Address], role: Role, kind: GrantKind) {
    for a in accounts {
        f.admin.grant(*a, role, kind).await.expect("grant");
    }
}

/// Sets anvil's automine.
pub(crate) async fn automine(f: &Fixture, on: bool) {
    f.admin.provider().set_automine(on).await.unwrap();
}

/// Addresses that never sign anything: holders that are granted, maybe revoked, never active.
pub(crate) fn passive(n: u8) -> Address {
    Address::repeat_byte(0xa0 + n)
}
