//! What the keeper counts as a lapse: a decision not to renew an idle holder's grant is not yet a
//! lapse (the holder may act before the expiry and be renewed after all); only a grant that then
//! expires unrenewed is. And the idle rule is per role: an Auditor, whose work is off chain, is
//! renewed however idle unless the operator gives its role a window.

use crate::support::{config, keeper, passive};
use std::sync::atomic::Ordering;
use wbx_keeper::IdleRule;
use wbx_sdk::{Amount, GrantKind, GrantStatus, Role};
use wbx_testing::{Fixture, address, who};

const MIN: u64 = 60;

#[tokio::test]
async fn decisions_and_real_lapses_are_counted_apart_and_auditors_are_spared() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir.path().join("k.json"));
    cfg.idle = IdleRule::default().with(Role::Trader, Some(20 * MIN));
    let mut k = keeper(&f, cfg).await;
    let metrics = k.metrics();
    let count = |m: &std::sync::atomic::AtomicU64| m.load(Ordering::Relaxed);
    let (ext, auditor) = (address(who::TRADER_EXT), passive(7));
    f.admin.grant(auditor, Role::Auditor, GrantKind::Extended).await.unwrap();
    let holder = f.as_account(who::TRADER_EXT).await;
    k.run_once().await.unwrap();

    // Due and idle for 46 minutes: a decision, not a lapse. The idle auditor is renewed.
    f.advance(46 * MIN).await;
    let r = k.run_once().await.unwrap();
    assert_eq!(r.lapsing.iter().map(|l| l.grant.account).collect::<Vec<_>>(), [ext]);
    assert!(r.lapsed.is_empty(), "{r:?}");
    assert!(r.renewed.iter().any(|x| x.role == Role::Auditor && x.renewed.contains(&auditor)));
    assert_eq!((count(&metrics.lapse_decisions), count(&metrics.lapses)), (1, 0));

    // The holder acts before the expiry: renewed after all; the decision never became a lapse.
    holder.transfer(address(who::ADMIN), Amount::whole(1)).await.unwrap();
    let r = k.run_once().await.unwrap();
    assert!(r.renewed.iter().any(|x| x.renewed.contains(&ext)), "{r:?}");
    assert!(r.lapsing.is_empty() && r.lapsed.is_empty(), "{r:?}");
    assert_eq!((count(&metrics.lapse_decisions), count(&metrics.lapses)), (1, 0));
    assert_eq!(f.admin.grant_of(ext, Role::Trader).await.unwrap().status, GrantStatus::Active);

    // Idle again: a second decision, and this time the grant expires unrenewed: one lapse.
    f.advance(46 * MIN).await;
    let r = k.run_once().await.unwrap();
    assert_eq!(r.lapsing.len(), 1, "{r:?}");
    assert_eq!((count(&metrics.lapse_decisions), count(&metrics.lapses)), (2, 0));
    f.advance(15 * MIN).await;
    let r = k.run_once().await.unwrap();
    assert_eq!(r.lapsed.iter().map(|l| l.grant.account).collect::<Vec<_>>(), [ext]);
    assert!(r.lapsing.is_empty() && r.missed.is_empty(), "{r:?}");
    assert_eq!(f.admin.grant_of(ext, Role::Trader).await.unwrap().status, GrantStatus::Expired);
    // Counted once.
    let r = k.run_once().await.unwrap();
    assert!(r.lapsed.is_empty() && r.lapsing.is_empty(), "{r:?}");
    assert_eq!((count(&metrics.lapse_decisions), count(&metrics.lapses)), (2, 1));
    assert_eq!(count(&metrics.missed), 0);
    let text = metrics.render();
    assert!(text.contains("\nwbx_keeper_lapse_decisions_total 2\n"), "{text}");
    assert!(text.contains("\nwbx_keeper_lapses_total 1\n"), "{text}");

    // The auditor, idle all along, was never lapsed under the default rule for its role.
    assert_eq!(f.admin.grant_of(auditor, Role::Auditor).await.unwrap().status, GrantStatus::Active);
}

/// When the operator asks for an idle rule for auditors, an idle auditor lapses like any holder.
#[tokio::test]
async fn an_operator_can_ask_for_auditors_to_lapse_when_idle() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir.path().join("k.json"));
    cfg.idle = IdleRule::default().with(Role::Auditor, Some(30 * MIN));
    let mut k = keeper(&f, cfg).await;
    let auditor = passive(8);
    f.admin.grant(auditor, Role::Auditor, GrantKind::Extended).await.unwrap();
    k.run_once().await.unwrap();
    f.advance(50 * MIN).await;
    let r = k.run_once().await.unwrap();
    assert_eq!(r.idle.auditor, Some(30 * MIN));
    assert_eq!(
        r.lapsing.iter().map(|l| (l.grant.role, l.grant.account)).collect::<Vec<_>>(),
        [(Role::Auditor, auditor)]
    );
    f.advance(15 * MIN).await;
    let r = k.run_once().await.unwrap();
    assert_eq!(r.lapsed.len(), 1, "{r:?}");
    assert_eq!(
        f.admin.grant_of(auditor, Role::Auditor).await.unwrap().status,
        GrantStatus::Expired
    );
}
