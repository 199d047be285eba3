//! Two keepers on one contract: the second sees the fresh expiry and sends nothing.

use crate::support::{config, keeper, keeper_as, nonce, passive, renewals};
use alloy::providers::ext::AnvilApi;
use wbx_sdk::{GrantKind, Role};
use wbx_testing::{Fixture, address};

const OTHER: u32 = 7;

#[tokio::test]
async fn the_second_keeper_skips_what_the_first_just_renewed() {
    let f = Fixture::new().await;
    f.admin.grant(address(OTHER), Role::Keeper, GrantKind::Extended).await.unwrap();
    for n in 1..=3 {
        f.admin.grant(passive(n), Role::Trader, GrantKind::Extended).await.unwrap();
    }
    // Some blocks after the grants, so that even the keeper 3 blocks behind sees them.
    f.admin.provider().anvil_mine(Some(5), None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = keeper(&f, config(&dir.path().join("a.json"))).await;
    // One follows the head, the other stays 3 blocks behind it: its view cannot show the first's
    // renewal yet, so only the check at the latest block can stop it.
    let mut b = keeper_as(&f, OTHER, config(&dir.path().join("b.json"))).await;
    let mut cfg = config(&dir.path().join("c.json"));
    cfg.confirmations = 3;
    let mut c = keeper_as(&f, OTHER, cfg).await;
    for k in [&mut a, &mut b, &mut c] {
        k.run_once().await.unwrap();
    }

    f.advance(50 * 60).await;
    let first = a.run_once().await.unwrap();
    assert_eq!(first.renewed_grants(), 4);
    let sent = nonce(&f.admin, address(OTHER)).await;

    let second = b.run_once().await.unwrap();
    assert_eq!(second.renewed_grants(), 0);
    assert!(second.would_renew.is_empty() && second.skipped.is_empty(), "{second:?}");

    let third = c.run_once().await.unwrap();
    assert_eq!(third.renewed_grants(), 0);
    assert_eq!(third.skipped.len(), 4, "{third:?}");
    assert!(third.skipped.iter().all(|s| s.reason.starts_with("already renewed")), "{third:?}");

    assert_eq!(nonce(&f.admin, address(OTHER)).await, sent, "the other keeper sent nothing");
    assert_eq!(renewals(&f.admin).await.len(), 4, "each grant renewed once");

    // Later the other keeper renews in its turn, and the first skips.
    f.advance(50 * 60).await;
    assert_eq!(b.run_once().await.unwrap().renewed_grants(), 4);
    assert_eq!(a.run_once().await.unwrap().renewed_grants(), 0);
    assert_eq!(renewals(&f.admin).await.len(), 8);
}
