//! `--dry-run` shows what would be renewed and sends and saves nothing.

use crate::support::{config, keeper, nonce, renewals};
use wbx_sdk::Role;
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn a_dry_run_sends_nothing() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keeper.json");
    let mut cfg = config(&path);
    cfg.dry_run = true;
    let mut k = keeper(&f, cfg).await;
    let before = f.admin.grant_of(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    f.advance(50 * 60).await;
    let sent = nonce(&f.admin, address(who::KEEPER)).await;

    let report = k.run_once().await.unwrap();
    assert!(report.dry_run);
    assert_eq!(report.would_renew.len(), 1);
    assert_eq!(report.would_renew[0].account, address(who::TRADER_EXT));
    assert!(report.renewed.is_empty());

    assert_eq!(nonce(&f.admin, address(who::KEEPER)).await, sent, "nothing sent");
    assert!(renewals(&f.admin).await.is_empty());
    let after = f.admin.grant_of(address(who::TRADER_EXT), Role::Trader).await.unwrap();
    assert_eq!(after.expires_at, before.expires_at);
    assert!(!path.exists(), "a dry run saves no state");
}
