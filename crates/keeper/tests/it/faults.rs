//! The keeper through the providers real keepers meet: receipts that lag the nonce by seconds,
//! backends a block apart answering in turn, sends whose answer is lost, transactions dropped
//! before they reach the node, and all of them at once (the test proxy of `wbx-testing`, in front
//! of a chain that makes a block every half second). Through each, every used grant stays alive,
//! and the keeper's counters equal what happened on chain: each renewal transaction it sent was
//! mined once, nothing was "replaced" that the chain does not show replaced, and every
//! transaction of the keeper account is one of its renewals.

use crate::support::{config, grant_all, keeper_wbx_through, nonce, passive, renewals_by};
use std::{collections::BTreeSet, sync::atomic::Ordering, time::Duration};
use wbx_keeper::Keeper;
use wbx_sdk::{GrantKind, GrantStatus, Role};
use wbx_testing::{
    Fixture, address,
    proxy::{Faults, RpcProxy},
    who,
};

fn profiles() -> Vec<(&'static str, Faults)> {
    vec![
        ("lagging receipts", Faults::lagging_receipts(Duration::from_secs(2))),
        ("backends a block apart", Faults::split_backends()),
        // Every renewal meets the fault on its first broadcast.
        ("lost send answers", Faults { first_sends_only: true, ..Faults::lost_send_answers(1000) }),
        ("dropped sends", Faults { first_sends_only: true, ..Faults::dropped_sends(1000) }),
        (
            "all at once",
            Faults {
                receipt_lag: Some(Duration::from_secs(1)),
                split_backends: true,
                lose_send_answers: 400,
                drop_sends: 400,
                first_sends_only: true,
                seed: 7,
                ..Faults::default()
            },
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_chain_through_lagging_receipts() {
    counters_equal_the_chain_through(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_chain_through_backends_a_block_apart() {
    counters_equal_the_chain_through(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_chain_through_lost_send_answers() {
    counters_equal_the_chain_through(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_chain_through_dropped_sends() {
    counters_equal_the_chain_through(3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_chain_through_every_fault_at_once() {
    counters_equal_the_chain_through(4).await;
}

async fn counters_equal_the_chain_through(profile: usize) {
    let (name, faults) = profiles()[profile];
    let f = Fixture::on(wbx_testing::anvil().args(["--block-time", "0.5", "--mixed-mining"])).await;
    let holders: Vec<_> = (1..=6).map(passive).collect();
    grant_all(&f, &holders, Role::Trader, GrantKind::Extended).await;
    let proxy = RpcProxy::start(&f.node.endpoint(), faults).await;
    // As the CLI connects a keeper (transport failures retried), with a short request timeout.
    let wbx = keeper_wbx_through(&f, proxy.url(), 20, Duration::from_secs(2)).await;
    let dir = tempfile::tempdir().unwrap();
    // Nobody here uses the token: idle holders are not let lapse in this test.
    let mut cfg = config(&dir.path().join("k.json"));
    cfg.idle = wbx_keeper::IdleRule::NONE;
    let mut k = Keeper::open(wbx, cfg).await.unwrap();
    let keeper = address(who::KEEPER);

    // Three rounds: the grants come within the margin, and the keeper's passes (as the daemon
    // makes them, one after another) renew them before they expire.
    let watched: Vec<_> = holders.iter().copied().chain([address(who::TRADER_EXT)]).collect();
    for round in 1..=3u64 {
        f.advance(50 * 60).await;
        let (mut passes, mut failed) = (0, 0);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            match k.run_once().await {
                Ok(report) => {
                    passes += 1;
                    assert!(report.missed.is_empty(), "{name}, round {round}: {report:?}");
                }
                Err(e) => {
                    failed += 1;
                    assert!(failed < 20, "{name}, round {round}: too many failed passes: {e}");
                }
            }
            let now = f.admin.now().await.unwrap();
            let mut renewed = true;
            for h in &watched {
                let g = f.admin.grant_of(*h, Role::Trader).await.unwrap();
                assert_eq!(g.status, GrantStatus::Active, "{name}, round {round}: {h} lapsed");
                renewed &= g.expires_at > now + 30 * 60;
            }
            if renewed && passes > 0 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{name}, round {round}: not renewed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(k.state().pending.is_empty(), "{name}: nothing left in flight");

    // The counters against the chain.
    let m = k.metrics();
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let on_chain = renewals_by(&f.admin, keeper).await;
    let txs: BTreeSet<_> = on_chain.iter().map(|r| r.tx).collect();
    assert_eq!(get(&m.renewal_txs_mined), txs.len() as u64, "{name}: mined transactions");
    assert_eq!(get(&m.renewals_mined), on_chain.len() as u64, "{name}: renewals mined");
    assert_eq!(
        get(&m.renewal_txs_sent),
        txs.len() as u64,
        "{name}: every transaction sent was mined, once"
    );
    assert_eq!(nonce(&f.admin, keeper).await, txs.len() as u64, "{name}: no other transaction");
    assert_eq!(get(&m.failures), 0, "{name}: nothing failed that the chain shows");
    assert_eq!(txs.len(), 3, "{name}: one batch a round");
    assert!(proxy.stats().faults() > 0, "{name}: the proxy injected no fault");
}
