use wbx_sdk::{
    Amount, GrantKind, GrantStatus, Revert, Role, contracts::WebexToken::WebexTokenErrors,
};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn standard_grant_expires_at_its_second_and_its_holder_renews_it() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let t = address(who::TRADER);
    let g = trader.grant_of(t, Role::Trader).await.unwrap();
    assert_eq!(g.kind, Some(GrantKind::Standard));
    assert_eq!(g.status, GrantStatus::Active);
    assert_eq!(g.expires_at - g.granted_at, 30 * 60);
    assert_eq!(g.granted_by, Some(address(who::ADMIN)));

    // Renewal never stacks: it sets the expiry to now + 30 min.
    f.advance(600).await;
    trader.renew(Role::Trader).await.unwrap();
    let renewed = trader.grant_of(t, Role::Trader).await.unwrap();
    let now = trader.now().await.unwrap();
    assert_eq!(renewed.expires_at, now + 30 * 60);
    assert_eq!(renewed.renewals, 1);
    assert_eq!(renewed.renewed_by, Some(t));

    // Past the expiry: inactive, and the error says when it expired.
    f.advance(30 * 60).await;
    let expired = trader.grant_of(t, Role::Trader).await.unwrap();
    assert_eq!(expired.status, GrantStatus::Expired);
    let err = trader.transfer(address(who::STRANGER), Amount::whole(1)).await.unwrap_err();
    match err.revert() {
        Some(Revert::Token(WebexTokenErrors::WbxGrantExpired(e))) => {
            assert_eq!(e.account, t);
            assert_eq!(e.expiredAt.to::<u64>(), renewed.expires_at);
        }
        other => panic!("expected WbxGrantExpired, got {other:?}"),
    }
    // And it cannot be renewed any more.
    let err = trader.renew(Role::Trader).await.unwrap_err();
    assert!(
        matches!(err.revert(), Some(Revert::Token(WebexTokenErrors::WbxGrantExpired(_)))),
        "{err}"
    );
}

#[tokio::test]
async fn keeper_renews_extended_grants_alone_and_in_batches() {
    let f = Fixture::new().await;
    let keeper = f.as_account(who::KEEPER).await;
    let (ext, std_holder) = (address(who::TRADER_EXT), address(who::TRADER));

    // A Standard grant is its holder's to renew: renewFor names the kind, a batch skips it.
    let err = keeper.renew_for(std_holder, Role::Trader).await.unwrap_err();
    assert!(
        matches!(err.revert(), Some(Revert::Token(WebexTokenErrors::WbxWrongGrantKind(_)))),
        "{err}"
    );
    assert!(err.to_string().contains("Standard"), "{err}");
    let before = keeper.grant_of(std_holder, Role::Trader).await.unwrap();
    f.advance(60).await;
    keeper.renew_batch(Role::Trader, &[ext, std_holder]).await.unwrap();
    assert_eq!(keeper.grant_of(ext, Role::Trader).await.unwrap().renewals, 1);
    assert_eq!(keeper.grant_of(std_holder, Role::Trader).await.unwrap(), before);

    f.advance(1800).await;
    keeper.renew_for(ext, Role::Trader).await.unwrap();
    let g = keeper.grant_of(ext, Role::Trader).await.unwrap();
    assert_eq!(g.expires_at, keeper.now().await.unwrap() + 3600);
    assert_eq!(g.renewals, 2);
    assert_eq!(g.renewed_by, Some(address(who::KEEPER)));

    // Once expired, nothing renews it: the batch skips it, renewFor names the expiry.
    f.advance(3600).await;
    keeper.renew_batch(Role::Trader, &[ext]).await.unwrap();
    assert_eq!(keeper.grant_of(ext, Role::Trader).await.unwrap().renewals, 2);
    let err = keeper.renew_for(ext, Role::Trader).await.unwrap_err();
    assert!(
        matches!(err.revert(), Some(Revert::Token(WebexTokenErrors::WbxGrantExpired(_)))),
        "{err}"
    );
}

#[tokio::test]
async fn signed_renewal_is_relayed_by_anyone_once() {
    let f = Fixture::new().await;
    let trader = f.as_account(who::TRADER).await;
    let relayer = f.as_account(who::STRANGER).await;
    f.advance(900).await;
    let deadline = trader.now().await.unwrap() + 300;
    let signed = trader.sign_renewal(Role::Trader, deadline).await.unwrap();
    relayer.relay_renewal(&signed).await.unwrap();
    let g = trader.grant_of(address(who::TRADER), Role::Trader).await.unwrap();
    assert_eq!(g.renewed_by, Some(address(who::TRADER)), "the holder renewed, not the relayer");
    let err = relayer.relay_renewal(&signed).await.unwrap_err();
    assert!(
        matches!(
            err.revert(),
            Some(Revert::Token(WebexTokenErrors::WbxInvalidRenewalSignature(_)))
        ),
        "{err}"
    );
}

#[tokio::test]
async fn revocation_is_immediate_and_holders_are_listed() {
    let f = Fixture::new().await;
    let holders: Vec<_> =
        f.admin.holders(Role::Trader).await.unwrap().iter().map(|g| g.account).collect();
    assert_eq!(holders, {
        let mut v = vec![address(who::TRADER), address(who::TRADER_EXT)];
        v.sort();
        v
    });
    f.admin.revoke(address(who::TRADER), Role::Trader).await.unwrap();
    let g = f.admin.grant_of(address(who::TRADER), Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Revoked);
    assert_eq!(g.revoked_by, Some(address(who::ADMIN)));
    let holders = f.admin.holders(Role::Trader).await.unwrap();
    assert_eq!(holders.len(), 1);
    let trader = f.as_account(who::TRADER).await;
    let err = trader.transfer(address(who::STRANGER), Amount::whole(1)).await.unwrap_err();
    assert!(
        matches!(err.revert(), Some(Revert::Token(WebexTokenErrors::WbxGrantRevoked(_)))),
        "{err}"
    );

    let keepers = f.admin.holders(Role::Keeper).await.unwrap();
    assert_eq!(keepers.iter().map(|g| g.account).collect::<Vec<_>>(), [address(who::KEEPER)]);
    let all = f.admin.grants_of(address(who::KEEPER)).await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].is_permanent());
}

#[tokio::test]
async fn admin_sets_durations_within_bounds() {
    let f = Fixture::new().await;
    f.admin.set_grant_durations(600, 7200).await.unwrap();
    assert_eq!(f.admin.grant_durations().await.unwrap(), (600, 7200));
    let err = f.admin.set_grant_durations(60, 7200).await.unwrap_err();
    assert!(
        matches!(err.revert(), Some(Revert::Token(WebexTokenErrors::WbxInvalidDuration(_)))),
        "{err}"
    );
}
