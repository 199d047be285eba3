//! Every report against what the history did: exact amounts, who, when.

use crate::support::{history, sync};
use alloy::primitives::{Address, U256};
use wbx_audit::{
    anomalies::{AnomalyKind, AnomalyOptions, anomalies},
    reports::{self, At, MovementKind, TxFilter, role_id},
};
use wbx_sdk::{Amount, Bucket, GrantKind, Role};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn every_report_matches_the_history() {
    let f = Fixture::new().await;
    let h = history(&f).await;
    let dir = tempfile::tempdir().unwrap();
    let (db, report) = sync(&f, &dir.path().join("a.sqlite")).await;
    assert!(report.rows > 40, "{report:?}");
    let admin = address(who::ADMIN);
    let keeper = address(who::KEEPER);
    let stranger = address(who::STRANGER);
    let token = f.admin.deployment().token;

    // Transactions: everything the stranger received, in order, exactly.
    let to_stranger = reports::transactions(
        &db,
        &TxFilter {
            kinds: vec![MovementKind::Transfer],
            account: Some(stranger),
            ..TxFilter::default()
        },
    )
    .unwrap();
    let got: Vec<(u64, Address, Amount)> =
        to_stranger.iter().map(|m| (m.block, m.from, m.amount)).collect();
    assert_eq!(
        got,
        vec![
            (h.transfer.block, address(who::TRADER), "12.5".parse().unwrap()),
            (h.allocation.block, token, Amount::whole(250)),
            (h.last_transfer.block, address(who::TRADER), Amount::whole(1)),
        ]
    );
    assert_eq!(to_stranger[0].tx, h.transfer.hash);
    assert_eq!(to_stranger[0].time, h.times[&h.transfer.block]);
    // By bucket: the one marketing allocation, and the marketing part of each issuance.
    let marketing = reports::transactions(
        &db,
        &TxFilter { bucket: Some(Bucket::MarketingPartnerships), ..TxFilter::default() },
    )
    .unwrap();
    let allocs: Vec<_> = marketing.iter().filter(|m| m.kind == MovementKind::Allocation).collect();
    assert_eq!(allocs.len(), 1);
    assert_eq!(
        (allocs[0].to, allocs[0].amount, allocs[0].from),
        (stranger, Amount::whole(250), admin)
    );
    let issue = marketing.iter().find(|m| m.block == h.issue.block).unwrap();
    assert_eq!(issue.amount, Amount::whole(250), "25% of 1,000");
    // Swaps, both ways.
    let swaps = reports::transactions(
        &db,
        &TxFilter { kinds: vec![MovementKind::Swap], ..TxFilter::default() },
    )
    .unwrap();
    assert_eq!(swaps.iter().map(|s| s.side.unwrap()).collect::<Vec<_>>(), ["buy", "sell"]);
    assert_eq!(swaps[0].eth, Some("0.5".parse().unwrap()));
    assert_eq!(swaps[1].amount, Amount::whole(50));
    // Time and amount filters.
    let late = reports::transactions(
        &db,
        &TxFilter {
            kinds: vec![MovementKind::Transfer],
            from_time: Some(h.times[&h.late_renewal.block]),
            ..TxFilter::default()
        },
    )
    .unwrap();
    assert_eq!(late.iter().map(|m| m.block).collect::<Vec<_>>(), [h.last_transfer.block]);
    let big = reports::transactions(
        &db,
        &TxFilter { min_amount: Some(Amount::whole(250).raw()), ..TxFilter::default() },
    )
    .unwrap();
    assert!(big.iter().all(|m| m.amount >= Amount::whole(250)));
    assert!(big.iter().any(|m| m.block == h.allocation.block));
    assert!(!big.iter().any(|m| m.block == h.transfer.block));

    // Buckets: exactly the chain's views.
    let rows = reports::buckets(&db).unwrap();
    let chain = f.admin.buckets().await.unwrap();
    for (r, c) in rows.iter().zip(&chain) {
        assert_eq!(
            (r.issued, r.released, r.remaining),
            (c.issued, c.released, c.remaining),
            "{r:?}"
        );
        assert_eq!(r.share_bps, r.bucket.share_bps());
    }
    assert_eq!(rows[1].allocations, 1);
    assert_eq!(rows[1].released, Amount::whole(250));

    // Access timelines.
    let access = reports::access(&db, None, None).unwrap();
    let line = |a: u32, role: &str| {
        access
            .timelines
            .iter()
            .find(|t| t.account == address(a) && t.role == role)
            .unwrap_or_else(|| panic!("no timeline for {a} {role}"))
            .clone()
    };
    let ext = line(who::TRADER_EXT, "trader");
    let events: Vec<_> = ext.entries.iter().map(|e| (e.event, e.by, e.block)).collect();
    assert_eq!(events[0].0, "granted");
    assert_eq!(ext.entries[0].kind, Some(GrantKind::Extended));
    assert_eq!(events[0].1, Some(admin));
    assert_eq!(events[1], ("renewed", Some(keeper), Some(h.renew_for.block)));
    assert_eq!(events[2], ("renewed", Some(keeper), Some(h.renew_batch.block)));
    assert_eq!(events[3].0, "expired");
    assert_eq!(ext.entries[3].time, h.times[&h.renew_batch.block] + 3600);
    assert_eq!(ext.status, "expired");
    let trader = line(who::TRADER, "trader");
    let kinds: Vec<_> = trader.entries.iter().map(|e| e.event).collect();
    assert_eq!(kinds, ["granted", "renewed", "expired"], "the batch skipped the Standard grant");
    assert_eq!(trader.entries[1].by, Some(address(who::TRADER)));
    let lapse = h.times[&h.late_renewal.block] + 1800;
    assert_eq!(trader.entries[2].time, lapse);
    let auditor = line(who::AUDITOR, "auditor");
    assert_eq!(auditor.status, "revoked");
    let last = auditor.entries.last().unwrap();
    assert_eq!((last.event, last.by, last.block), ("revoked", Some(admin), Some(h.revoke.block)));
    let k = line(who::KEEPER, "keeper");
    assert_eq!(k.status, "removed");
    assert_eq!(
        k.entries.iter().map(|e| e.event).collect::<Vec<_>>(),
        ["role-granted", "role-revoked"]
    );
    let only = reports::access(&db, Some(address(who::AUDITOR)), Some(Role::Auditor.id())).unwrap();
    assert_eq!(only.timelines.len(), 1);
    // Pool registrations are access too: the deployment's pool, registered by the deployer, and the
    // second pool, registered and unregistered by the top admin.
    let pools = reports::access(&db, None, Some(role_id("pool").unwrap())).unwrap();
    let pool = f.admin.deployment().pool;
    let of_pool = |a: Address| pools.timelines.iter().find(|t| t.account == a).unwrap().clone();
    let main = of_pool(pool);
    assert_eq!((main.role.as_str(), main.status), ("pool", "registered"));
    assert_eq!(
        main.entries.iter().map(|e| (e.event, e.by)).collect::<Vec<_>>(),
        [("registered", Some(admin))]
    );
    let second = of_pool(h.second_pool);
    assert_eq!(second.status, "unregistered");
    assert_eq!(
        second.entries.iter().map(|e| (e.event, e.by, e.block)).collect::<Vec<_>>(),
        [
            ("registered", Some(admin), Some(h.register.block)),
            ("unregistered", Some(admin), Some(h.unregister.block))
        ]
    );
    assert_eq!(pools.timelines.len(), 2);

    // Who held a role at a moment: the expiry second itself no longer counts.
    let traders = |at| {
        let mut v: Vec<Address> = reports::who(&db, Role::Trader.id(), at, None)
            .unwrap()
            .holders
            .iter()
            .map(|h| h.account)
            .collect();
        v.sort();
        v
    };
    let mut both = vec![address(who::TRADER), address(who::TRADER_EXT)];
    both.sort();
    assert_eq!(traders(At::Block(h.transfer.block)), both);
    assert!(traders(At::Time(lapse - 1)).contains(&address(who::TRADER)));
    assert!(!traders(At::Time(lapse)).contains(&address(who::TRADER)));
    let auditors = |at| reports::who(&db, Role::Auditor.id(), at, None).unwrap().holders;
    assert_eq!(auditors(At::Block(h.revoke.block - 1)).len(), 1);
    assert!(auditors(At::Block(h.revoke.block)).is_empty());
    let w = reports::who(&db, Role::Trader.id(), At::Block(h.renew_for.block), None).unwrap();
    let e = w.holders.iter().find(|x| x.account == address(who::TRADER_EXT)).unwrap();
    assert_eq!((e.renewals, e.granted_by, e.kind), (1, Some(admin), Some(GrantKind::Extended)));
    assert_eq!(e.expires_at, Some(h.times[&h.renew_for.block] + 3600));
    let keepers =
        reports::who(&db, role_id("keeper").unwrap(), At::Block(h.renew_batch.block), None)
            .unwrap();
    assert_eq!(keepers.holders.iter().map(|h| h.account).collect::<Vec<_>>(), [keeper]);
    let head = db.cursor().unwrap().unwrap().block;
    assert!(
        reports::who(&db, Role::Keeper.id(), At::Block(head), None).unwrap().holders.is_empty()
    );
    assert!(reports::who(&db, Role::Keeper.id(), At::Block(head + 1), None).is_err());
    // Which pools were registered at a moment.
    let pools_at = |b| {
        let mut v: Vec<Address> = reports::who(&db, role_id("pool").unwrap(), At::Block(b), None)
            .unwrap()
            .holders
            .iter()
            .map(|h| h.account)
            .collect();
        v.sort();
        v
    };
    let mut two = vec![pool, h.second_pool];
    two.sort();
    assert_eq!(pools_at(h.register.block), two);
    assert_eq!(pools_at(h.unregister.block), [pool]);

    // Anomalies.
    let opts = AnomalyOptions {
        large_transfer: Amount::whole(1000).raw(),
        burst_count: 4,
        ..AnomalyOptions::default()
    };
    let list = anomalies(&db, &opts).unwrap();
    let of = |k| list.iter().filter(|a| a.kind == k).collect::<Vec<_>>();
    assert_eq!(of(AnomalyKind::Pause).len(), 4, "{list:#?}");
    assert!(of(AnomalyKind::GrantBurst).len() == 1, "{list:#?}");
    let late = of(AnomalyKind::LateRenewal);
    assert_eq!(late.len(), 1, "{list:#?}");
    assert_eq!(
        (late[0].block, late[0].account),
        (Some(h.late_renewal.block), Some(address(who::TRADER)))
    );
    let lapsed = of(AnomalyKind::LapsedWhileActive);
    assert_eq!(lapsed.len(), 1, "{list:#?}");
    assert_eq!((lapsed[0].time, lapsed[0].account), (lapse, Some(address(who::TRADER))));
    let admin_changes = of(AnomalyKind::AdminChange);
    assert!(admin_changes.iter().any(|a| a.detail.contains("DefaultAdminTransferScheduled")));
    assert!(admin_changes.iter().any(|a| a.detail.starts_with("keeper role revoked from")));
    let large = of(AnomalyKind::LargeTransfer);
    assert!(!large.is_empty());
    assert!(!large.iter().any(|a| a.block == Some(h.transfer.block)));
    // Every pool registration, the deployment's included, by whom.
    let registrations = of(AnomalyKind::PoolRegistration);
    let got: Vec<_> = registrations.iter().map(|a| (a.account, a.block)).collect();
    assert_eq!(got.len(), 3, "{list:#?}");
    assert_eq!(got[0].0, Some(pool));
    assert_eq!(
        got[1..],
        [
            (Some(h.second_pool), Some(h.register.block)),
            (Some(h.second_pool), Some(h.unregister.block))
        ]
    );
    assert_eq!(
        registrations[1].detail,
        format!(
            "pool {} registered by {admin}: it moves WBX without a Trader grant",
            h.second_pool
        )
    );
    assert!(registrations[2].detail.contains("unregistered by"), "{}", registrations[2].detail);
    // Every fee change, with both fees.
    let fees = of(AnomalyKind::FeeChange);
    assert_eq!(fees.len(), 1, "{list:#?}");
    assert_eq!(
        (fees[0].block, fees[0].detail.as_str()),
        (
            Some(h.fee.block),
            format!("pool fee 0.30% -> 0.25% by {}", address(who::DEVELOPER)).as_str()
        )
    );
    // Issuance at or above the threshold: the deployment's 1e9 WBX by default, not the 1,000 WBX.
    let issued = of(AnomalyKind::LargeIssuance);
    assert_eq!(issued.len(), 1, "{list:#?}");
    assert_eq!(issued[0].detail, format!("1000000000 WBX of new supply issued by {admin}"));
    let low = AnomalyOptions { large_issuance: Amount::whole(1000).raw(), ..opts };
    let issued: Vec<_> = anomalies(&db, &low)
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == AnomalyKind::LargeIssuance)
        .map(|a| a.block)
        .collect();
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[1], Some(h.issue.block));
    let high = AnomalyOptions { large_issuance: Amount::whole(1000).raw() + U256::from(1), ..low };
    assert_eq!(
        anomalies(&db, &high)
            .unwrap()
            .iter()
            .filter(|a| a.kind == AnomalyKind::LargeIssuance)
            .count(),
        1
    );
}
