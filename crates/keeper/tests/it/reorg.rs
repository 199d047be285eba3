//! A reorg that takes a renewal away: the keeper notices by the cursor's block hash, rewinds its
//! view and renews again, with no nonce left stuck. A reorg deeper than the undo log rebuilds the
//! view from the deployment.

use crate::support::{config, keeper, nonce};
use alloy::{
    providers::{Provider, ext::AnvilApi},
    rpc::types::anvil::ReorgOptions,
};
use wbx_sdk::{GrantStatus, Role};
use wbx_testing::{Fixture, address, who};

#[tokio::test]
async fn a_reorg_that_drops_a_renewal_is_seen_and_the_grant_renewed_again() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let holder = address(who::TRADER_EXT);
    let mut k = keeper(&f, config(&dir.path().join("k.json"))).await;
    // A second keeper in dry-run mode whose undo log is only 1 block deep.
    let mut shallow_cfg = config(&dir.path().join("shallow.json"));
    shallow_cfg.reorg_depth = 1;
    shallow_cfg.dry_run = true;
    let mut shallow = keeper(&f, shallow_cfg).await;
    k.run_once().await.unwrap();
    shallow.run_once().await.unwrap();

    f.advance(50 * 60).await;
    let before = f.admin.grant_of(holder, Role::Trader).await.unwrap();
    let report = k.run_once().await.unwrap();
    assert_eq!(report.renewed_grants(), 1);
    let renewal_block = report.renewed[0].block;
    f.admin.provider().anvil_mine(Some(2), None).await.unwrap();
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 0);
    assert!(shallow.run_once().await.unwrap().would_renew.is_empty(), "it sees the renewal");
    let head = f.admin.provider().get_block_number().await.unwrap();
    assert_eq!(k.state().cursor.unwrap().number, head);

    // The last 3 blocks are replaced by empty ones: the renewal is gone.
    let p = f.admin.provider();
    p.anvil_reorg(ReorgOptions { depth: head - renewal_block + 1, tx_block_pairs: vec![] })
        .await
        .unwrap();
    let g = f.admin.grant_of(holder, Role::Trader).await.unwrap();
    assert_eq!(g.expires_at, before.expires_at, "the reorg took the renewal away");
    let keeper_nonce = nonce(&f.admin, address(who::KEEPER)).await;

    let report = shallow.run_once().await.unwrap();
    let rewound = report.scan.rewound.expect("the shallow keeper saw the reorg");
    assert_eq!(rewound.to, None, "deeper than its undo log: rebuilt from the deployment");
    assert_eq!(report.scan.from, Some(f.admin.deployment().deploy_block));
    assert_eq!(report.would_renew.len(), 1);

    let report = k.run_once().await.unwrap();
    let rewound = report.scan.rewound.expect("the keeper saw the reorg");
    assert!(rewound.to.is_some_and(|to| to < renewal_block), "{rewound:?}");
    assert_eq!(report.renewed_grants(), 1, "renewed again: {report:?}");
    assert_eq!(nonce(&f.admin, address(who::KEEPER)).await, keeper_nonce + 1, "no nonce stuck");
    let g = f.admin.grant_of(holder, Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Active);
    assert!(g.expires_at > before.expires_at);
    assert_eq!(k.metrics().reorgs.load(std::sync::atomic::Ordering::Relaxed), 1);
    // And the view agrees with the chain again.
    assert_eq!(k.run_once().await.unwrap().renewed_grants(), 0);
}
