//! Twelve simulated hours in 5-minute steps: grants of both kinds granted, used, revoked and left
//! idle, the keeper's single pass after every step, with the default idle rule (2 h for the roles
//! with on-chain use, none for auditors).

use crate::support::{config, grant_all, keeper, passive, renewals_by};
use alloy::{primitives::Address, providers::Provider};
use std::collections::{BTreeMap, BTreeSet};
use wbx_sdk::{Amount, Bucket, GrantKind, GrantStatus, Role, Sent, Wbx};
use wbx_testing::{Fixture, address, who};

const MIN: u64 = 60;
const MARGIN: u64 = 15 * MIN; // a quarter of the 1 h Extended duration
const IDLE: u64 = 2 * 60 * MIN;

async fn time_of(wbx: &Wbx, sent: &Sent) -> u64 {
    wbx.provider().get_block_by_number(sent.block.into()).await.unwrap().unwrap().header.timestamp
}

#[tokio::test]
async fn twelve_hours_every_used_extended_grant_renewed_and_nothing_else() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let mut k = keeper(&f, config(&dir.path().join("keeper.json"))).await;
    let keeper_addr = address(who::KEEPER);

    // The cast. Used Extended grants: a trader who transfers, one who only swaps, a developer who
    // only sets the pool fee, and a trader granted two hours in.
    let (transferrer, swapper, developer, late) = (who::TRADER_EXT, 7, 9, 8);
    let (a_transferrer, a_swapper, a_developer, a_late) =
        (address(transferrer), address(swapper), address(developer), address(late));
    f.admin.grant(a_swapper, Role::Trader, GrantKind::Extended).await.unwrap();
    f.admin.grant(a_developer, Role::Developer, GrantKind::Extended).await.unwrap();
    // Standard grants: account 1 renews its own; another is never renewed. (The fixture's auditor
    // and developer hold Standard grants too.)
    let std_passive = passive(1);
    f.admin.grant(std_passive, Role::Trader, GrantKind::Standard).await.unwrap();
    // Extended grants revoked later.
    let (revoked_early, revoked_late) = (passive(2), passive(3));
    f.admin.grant(revoked_early, Role::Trader, GrantKind::Extended).await.unwrap();
    f.admin.grant(revoked_late, Role::Auditor, GrantKind::Extended).await.unwrap();
    // Idle Extended grants: never used, used once at 10 min, and one granted at 6 h and never
    // used. An auditor never acts on chain either, but its role has no idle rule by default: it
    // must live the whole 12 hours.
    let (idle_never, idle_once, auditor, idle_late) =
        (passive(4), address(who::STRANGER), passive(5), passive(6));
    grant_all(&f, &[idle_never, idle_once], Role::Trader, GrantKind::Extended).await;
    f.admin.grant(auditor, Role::Auditor, GrantKind::Extended).await.unwrap();
    f.admin.allocate(Bucket::CommunityRewards, idle_once, Amount::whole(10)).await.unwrap();

    let wbx = |n: u32| f.as_account(n);
    let (w_std, w_transferrer, w_swapper, w_dev, w_late, w_idle_once) = (
        wbx(who::TRADER).await,
        wbx(transferrer).await,
        wbx(swapper).await,
        wbx(developer).await,
        wbx(late).await,
        wbx(who::STRANGER).await,
    );
    let admin = address(who::ADMIN);

    // When each grant began or stopped being eligible for renewal (chain time).
    let start = f.admin.now().await.unwrap();
    let mut last_activity: BTreeMap<Address, u64> =
        [idle_never, idle_once].into_iter().map(|a| (a, start)).collect();
    let mut revoked_at: BTreeMap<Address, u64> = BTreeMap::new();
    let mut must_live: BTreeMap<Address, Role> = [
        (a_transferrer, Role::Trader),
        (a_swapper, Role::Trader),
        (a_developer, Role::Developer),
        (auditor, Role::Auditor),
    ]
    .into_iter()
    .collect();
    let mut lapsed_reported = BTreeSet::new();
    let mut lapses = Vec::new();

    for step in 0..=144u64 {
        let t = step * 5; // minutes into the simulation
        if step > 0 {
            f.advance(5 * MIN).await;
        }
        if t % 60 == 0 {
            w_transferrer.transfer(admin, Amount::whole(1)).await.unwrap();
        }
        if t % 60 == 20 {
            let deadline = w_swapper.now().await.unwrap() + 600;
            w_swapper.buy("0.01".parse().unwrap(), Amount::ZERO, deadline).await.unwrap();
        }
        if t % 60 == 40 {
            w_dev.set_pool_fee(30 + (t / 60 % 2) as u16).await.unwrap();
        }
        if t % 20 == 0 {
            w_std.renew(Role::Trader).await.unwrap();
        }
        if t == 10 {
            let s = w_idle_once.transfer(admin, Amount::whole(1)).await.unwrap();
            last_activity.insert(idle_once, time_of(&f.admin, &s).await);
        }
        if t == 70 {
            let s = f.admin.revoke(revoked_early, Role::Trader).await.unwrap();
            revoked_at.insert(revoked_early, time_of(&f.admin, &s).await);
        }
        if t == 120 {
            f.admin.grant(a_late, Role::Trader, GrantKind::Extended).await.unwrap();
            f.admin.allocate(Bucket::CommunityRewards, a_late, Amount::whole(100)).await.unwrap();
            must_live.insert(a_late, Role::Trader);
        }
        if t >= 120 && t % 60 == 30 {
            w_late.transfer(admin, Amount::whole(1)).await.unwrap();
        }
        if t == 100 {
            let s = f.admin.revoke(revoked_late, Role::Auditor).await.unwrap();
            revoked_at.insert(revoked_late, time_of(&f.admin, &s).await);
        }
        if t == 360 {
            let s = f.admin.grant(idle_late, Role::Trader, GrantKind::Extended).await.unwrap();
            last_activity.insert(idle_late, time_of(&f.admin, &s).await);
        }

        let report = k.run_once().await.unwrap();
        assert!(report.missed.is_empty(), "t={t}m: missed {:?}", report.missed);
        assert!(report.failures.is_empty(), "t={t}m: {:?}", report.failures);
        lapsed_reported.extend(report.lapsing.iter().map(|l| l.grant.account));
        lapses.extend(report.lapsed.iter().map(|l| l.grant.account));

        // Zero lapses: every used Extended grant (and the auditor's) is active after every pass.
        for (a, role) in &must_live {
            let g = f.admin.grant_of(*a, *role).await.unwrap();
            assert_eq!(g.status, GrantStatus::Active, "t={t}m: the grant of {a} lapsed: {g:?}");
        }
    }

    // What the keeper renewed, from the chain's own logs.
    let renewals = renewals_by(&f.admin, keeper_addr).await;
    let never = [address(who::TRADER), std_passive, address(who::AUDITOR), address(who::DEVELOPER)];
    for r in &renewals {
        assert!(!never.contains(&r.account), "a Standard grant was renewed: {r:?}");
        if let Some(at) = revoked_at.get(&r.account) {
            assert!(r.timestamp < *at, "a revoked grant was renewed: {r:?}");
        }
        if let Some(active) = last_activity.get(&r.account) {
            assert!(r.timestamp < active + IDLE, "an idle grant was renewed: {r:?}");
        }
    }
    // No duplicate: each renewal came when at most the margin was left of the previous expiry.
    let mut expiry: BTreeMap<(Role, Address), u64> = BTreeMap::new();
    for r in &renewals {
        if let Some(prev) = expiry.get(&(r.role, r.account)) {
            assert!(prev.saturating_sub(r.timestamp) <= MARGIN, "renewed too early: {r:?}");
            assert!(*prev > r.timestamp, "renewed after it expired: {r:?}");
        }
        expiry.insert((r.role, r.account), r.expires_at);
    }
    let count = |a: Address| renewals.iter().filter(|r| r.account == a).count();
    // About every 45 minutes over 12 hours.
    assert!(count(a_transferrer) >= 14, "{}", count(a_transferrer));
    assert!(count(a_swapper) >= 14 && count(a_developer) >= 14);
    assert!(count(a_late) >= 11);
    assert!(count(auditor) >= 14, "{}", count(auditor));
    assert!(!lapsed_reported.contains(&auditor));

    // The idle grants lapsed and were reported; the revoked stay revoked.
    for a in [idle_never, idle_once, idle_late] {
        let g = f.admin.grant_of(a, Role::Trader).await.unwrap();
        assert_eq!(g.status, GrantStatus::Expired, "{a}");
        assert!(lapsed_reported.contains(&a), "the lapse of {a} was not reported");
        assert!(lapses.contains(&a), "the lapse of {a} was not counted");
        assert!(count(a) >= 1, "{a} was renewed while in use");
    }
    // Each idle grant decided once and lapsed once: no holder came back here.
    let metric = |m: &std::sync::atomic::AtomicU64| m.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(metric(&k.metrics().lapse_decisions), 3);
    assert_eq!(metric(&k.metrics().lapses), 3);
    assert_eq!(lapses.len(), 3);
    assert_eq!(
        f.admin.grant_of(revoked_early, Role::Trader).await.unwrap().status,
        GrantStatus::Revoked
    );
    assert_eq!(k.metrics().missed.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert!(k.state().pending.is_empty());
}
