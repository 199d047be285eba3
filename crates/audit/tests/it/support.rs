//! A history with every kind of event, made on a fixture, with what the test did recorded so the
//! reports can be checked against it; and sync helpers.

use alloy::providers::Provider;
use std::path::Path;
use wbx_audit::{Db, SyncOptions, SyncReport, db::Scope};
use wbx_sdk::{Amount, Bucket, Role, Sent, Wbx};
use wbx_testing::{Fixture, address, who};

/// What the history did, for the assertions.
pub(crate) struct History {
    /// The trader's transfer of 12.5 WBX to the stranger.
    pub(crate) transfer: Sent,
    /// The extended trader's keeper renewal (renewFor).
    pub(crate) renew_for: Sent,
    /// The batch renewal.
    pub(crate) renew_batch: Sent,
    /// The trader's late self-renewal (30 s before expiry).
    pub(crate) late_renewal: Sent,
    /// The auditor's revocation.
    pub(crate) revoke: Sent,
    /// The allocation of 250 WBX from marketing to the stranger.
    pub(crate) allocation: Sent,
    /// The issuance of 1,000 WBX.
    pub(crate) issue: Sent,
    /// The trader's last transfer before the grant lapses.
    pub(crate) last_transfer: Sent,
    /// The developer's fee change (0.30% to 0.25%).
    pub(crate) fee: Sent,
    /// A second pool of the token, registered and then unregistered by the top admin.
    pub(crate) second_pool: alloy::primitives::Address,
    /// Its registration.
    pub(crate) register: Sent,
    /// Its unregistration.
    pub(crate) unregister: Sent,
    /// Chain time of each of those blocks.
    pub(crate) times: std::collections::BTreeMap<u64, u64>,
}

async fn time_of(wbx: &Wbx, block: u64) -> u64 {
    wbx.provider().get_block_by_number(block.into()).await.unwrap().unwrap().header.timestamp
}

/// Every event type: transfers, approvals, issuance, allocations (single and batch), grants,
/// renewals (own, keeper, batch), a revocation, pauses of token and pool, fee and duration
/// changes, swaps both ways, liquidity in and out, a second pool registered and unregistered, a
/// top-admin transfer scheduled, a keeper role revoked, and a Standard grant that lapses while its
/// holder is active.
pub(crate) async fn history(f: &Fixture) -> History {
    let admin = &f.admin;
    let trader = f.as_account(who::TRADER).await;
    let ext = f.as_account(who::TRADER_EXT).await;
    let dev = f.as_account(who::DEVELOPER).await;
    let keeper = f.as_account(who::KEEPER).await;
    let stranger = address(who::STRANGER);
    let far = u64::MAX / 2;

    let transfer = trader.transfer(stranger, "12.5".parse().unwrap()).await.unwrap();
    trader.approve(f.admin.deployment().pool, Amount::whole(100)).await.unwrap();
    trader.buy("0.5".parse().unwrap(), Amount::ZERO, far).await.unwrap();
    trader.sell(Amount::whole(50), Amount::ZERO, far).await.unwrap();
    ext.approve(f.admin.deployment().pool, Amount::whole(200)).await.unwrap();
    ext.add_liquidity(Amount::whole(100), Amount::whole(1), far).await.unwrap();
    let shares = ext.shares_of(address(who::TRADER_EXT)).await.unwrap();
    ext.remove_liquidity(shares / alloy::primitives::U256::from(2), far).await.unwrap();
    let fee = dev.set_pool_fee(25).await.unwrap();
    dev.set_pool_paused(true).await.unwrap();
    dev.set_pool_paused(false).await.unwrap();
    admin.pause().await.unwrap();
    admin.unpause().await.unwrap();
    let issue = admin.issue(Amount::whole(1000)).await.unwrap();
    let allocation =
        admin.allocate(Bucket::MarketingPartnerships, stranger, Amount::whole(250)).await.unwrap();
    admin.set_grant_durations(30 * 60, 60 * 60).await.unwrap();
    let renew_for = keeper.renew_for(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    // A batch renews only a grant it extends: not in the very second of the renewal above.
    f.advance(60).await;
    let renew_batch = keeper
        .renew_batch(Role::Trader, &[address(who::TRADER_EXT), address(who::TRADER)])
        .await
        .unwrap();
    let revoke = admin.revoke(address(who::AUDITOR), Role::Auditor).await.unwrap();
    let second_pool =
        *wbx_contracts::WbxPool::deploy(admin.provider().clone(), admin.deployment().token, 30)
            .await
            .unwrap()
            .address();
    let register = admin.set_pool(second_pool, true).await.unwrap();
    let unregister = admin.set_pool(second_pool, false).await.unwrap();
    // Scheduled top-admin transfer (an admin change).
    admin.send(admin.token().beginDefaultAdminTransfer(stranger)).await.unwrap();

    // The trader's Standard grant (30 min): renewed 30 s before expiry, late.
    let g = admin.grant_of(address(who::TRADER), Role::Trader).await.unwrap();
    let now = admin.now().await.unwrap();
    f.advance(g.expires_at - now - 31).await;
    let late_renewal = trader.renew(Role::Trader).await.unwrap();
    // Then it is used 2 minutes before it expires, and left to lapse.
    f.advance(28 * 60).await;
    let last_transfer = trader.transfer(stranger, Amount::whole(1)).await.unwrap();
    f.advance(5 * 60).await;
    admin.revoke(address(who::KEEPER), Role::Keeper).await.unwrap();

    let mut times = std::collections::BTreeMap::new();
    for s in [
        &transfer,
        &renew_for,
        &renew_batch,
        &late_renewal,
        &revoke,
        &allocation,
        &issue,
        &last_transfer,
        &register,
    ] {
        times.insert(s.block, time_of(admin, s.block).await);
    }
    History {
        transfer,
        renew_for,
        renew_batch,
        late_renewal,
        revoke,
        allocation,
        issue,
        last_transfer,
        fee,
        second_pool,
        register,
        unregister,
        times,
    }
}

/// Opens the index at `path` for the fixture's deployment.
pub(crate) fn open(f: &Fixture, path: &Path) -> Db {
    Db::open(path, &Scope::of(f.admin.deployment())).unwrap()
}

/// Syncs the index at `path` with `opts`.
pub(crate) async fn sync_with(f: &Fixture, path: &Path, opts: &SyncOptions) -> (Db, SyncReport) {
    wbx_audit::sync(f.admin.provider(), open(f, path), opts, None).await.unwrap()
}

/// Syncs the index at `path` to the head.
pub(crate) async fn sync(f: &Fixture, path: &Path) -> (Db, SyncReport) {
    sync_with(f, path, &SyncOptions::default()).await
}
