//! A flaky RPC path: the test proxy in front of anvil drops requests (before forwarding them, or
//! after, losing the answer) and holds others past the keeper's request timeout. The keeper
//! retries and keeps every used grant alive, sends nothing twice and leaves no nonce stuck.

use crate::support::{config, keeper_wbx_through, nonce, renewals_by};
use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};
use wbx_keeper::Keeper;
use wbx_sdk::{Amount, GrantKind, GrantStatus, Role};
use wbx_testing::{
    Fixture, address,
    proxy::{Faults, RpcProxy},
    who,
};

#[tokio::test]
async fn through_a_path_that_drops_and_delays_requests_nothing_lapses_or_repeats() {
    let f = Fixture::new().await;
    let proxy = RpcProxy::start(&f.node.endpoint(), Faults::default()).await;
    let wbx = keeper_wbx_through(&f, proxy.url(), 30, Duration::from_millis(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut k = Keeper::open(wbx, config(&dir.path().join("k.json"))).await.unwrap();
    let used = address(who::TRADER_EXT);
    for n in [7, 8] {
        f.admin.grant(address(n), Role::Trader, GrantKind::Extended).await.unwrap();
    }
    let trader = f.as_account(who::TRADER_EXT).await;

    proxy.set(Faults {
        drop_requests: 60,
        hold_requests: 30,
        hold_for: Duration::from_secs(1),
        lose_answers: 60,
        ..Faults::default()
    });
    let mut failed_passes = 0;
    for step in 0..=36u64 {
        if step > 0 {
            f.advance(5 * 60).await;
        }
        if step % 12 == 0 {
            trader.transfer(address(who::ADMIN), Amount::whole(1)).await.unwrap();
        }
        // As the daemon does: a failed pass is retried.
        loop {
            match k.run_once().await {
                Ok(report) => {
                    assert!(report.missed.is_empty(), "{report:?}");
                    break;
                }
                Err(e) => {
                    failed_passes += 1;
                    assert!(failed_passes < 50, "too many failed passes: {e}");
                }
            }
        }
        let g = f.admin.grant_of(used, Role::Trader).await.unwrap();
        assert_eq!(g.status, GrantStatus::Active, "step {step}: lapsed");
    }
    assert!(proxy.stats().faults() > 20, "the proxy did its job");

    // Nothing twice: each renewal came inside the margin of the previous expiry, and every
    // transaction of the keeper account is one renewal, mined.
    let keeper = address(who::KEEPER);
    let renewals = renewals_by(&f.admin, keeper).await;
    let mut expiry = BTreeMap::new();
    for r in &renewals {
        if let Some(prev) = expiry.insert(r.account, r.expires_at) {
            assert!(prev > r.timestamp && prev - r.timestamp <= 15 * 60, "{r:?}");
        }
    }
    assert!(renewals.iter().filter(|r| r.account == used).count() >= 3);
    let txs: BTreeSet<_> = renewals.iter().map(|r| r.tx).collect();
    assert_eq!(nonce(&f.admin, keeper).await, txs.len() as u64, "no stray or stuck transaction");
    assert!(k.state().pending.is_empty());
}
