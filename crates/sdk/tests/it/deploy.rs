use alloy::{primitives::Address, providers::Provider};
use wbx_sdk::{Amount, Bucket, Connection, DeployConfig, Deployment, Error, Wbx, deploy};
use wbx_testing::{Fixture, account, address, who};

#[tokio::test]
async fn deploys_with_policy_split_and_seeded_pool() {
    let f = Fixture::new().await;
    let d = f.admin.deployment().clone();
    assert_eq!(d.chain_id, 31337);
    assert_eq!(d.admin, wbx_testing::address(who::ADMIN));
    assert_eq!(d.version, Wbx::expected_version());
    assert_eq!(f.admin.version().await.unwrap(), Wbx::expected_version());

    let buckets = f.admin.buckets().await.unwrap();
    let shares: Vec<u16> = buckets.iter().map(|b| b.share_bps).collect();
    assert_eq!(shares, [4000, 2500, 1500, 1000, 1000]);
    let total = Amount::whole(1_000_000_000).raw();
    for b in &buckets {
        assert_eq!(
            b.issued.raw(),
            total * alloy::primitives::U256::from(b.share_bps)
                / alloy::primitives::U256::from(10_000)
        );
    }
    // Seeding took 1,000,000 from the Reserve Fund; the fixture paid 2,000 from Community Rewards.
    let reserve = &buckets[Bucket::ReserveFund.index() as usize];
    assert_eq!(reserve.released, Amount::whole(1_000_000));
    assert_eq!(buckets[Bucket::CommunityRewards.index() as usize].released, Amount::whole(2000));

    let pool = f.admin.pool_state().await.unwrap();
    assert_eq!(pool.reserve_wbx, Amount::whole(1_000_000));
    assert_eq!(pool.reserve_eth, Amount::whole(100));
    assert_eq!(pool.fee_bps, 30);
    // The deployer's temporary Trader grant was revoked after seeding.
    let g = f.admin.grant_of(d.admin, wbx_sdk::Role::Trader).await.unwrap();
    assert_eq!(g.status, wbx_sdk::GrantStatus::Revoked);
}

#[tokio::test]
async fn record_round_trips_and_attach_checks_chain_and_code() {
    let f = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = Deployment::default_path(dir.path(), 31337);
    f.admin.deployment().write(&path).unwrap();
    let record = Deployment::read(&path).unwrap();
    assert_eq!(&record, f.admin.deployment());

    let conn = account(&f.node, who::TRADER).await;
    Wbx::attach(conn.clone(), record.clone()).await.unwrap();

    let mut other_chain = record.clone();
    other_chain.chain_id = 1;
    let err = Wbx::attach(conn.clone(), other_chain).await.unwrap_err();
    assert!(matches!(err, Error::WrongChain { record: 1, node: 31337 }), "{err}");

    let mut no_code = record;
    no_code.token = Address::repeat_byte(0x42);
    let err = Wbx::attach(conn, no_code).await.unwrap_err();
    assert!(matches!(err, Error::NoCode { .. }), "{err}");
}

#[tokio::test]
async fn unreachable_rpc_is_named() {
    let err = Connection::connect("http://127.0.0.1:1", None).await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn dev_account_refused_on_non_local_chain() {
    let anvil = wbx_testing::anvil().chain_id(5u64).spawn();
    let err = Connection::connect(&anvil.endpoint(), Some(&wbx_sdk::SignerSource::DevAccount(0)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Signer(wbx_sdk::SignerError::DevAccountNotLocal { chain_id: 5 })),
        "{err}"
    );
}

#[tokio::test]
async fn websocket_connections_work_too() {
    let f = Fixture::new().await;
    let conn =
        Connection::connect(&f.node.ws_endpoint(), Some(&wbx_sdk::SignerSource::DevAccount(1)))
            .await
            .unwrap();
    let wbx = Wbx::attach(conn, f.admin.deployment().clone()).await.unwrap();
    wbx.transfer(wbx_testing::address(who::STRANGER), Amount::whole(2)).await.unwrap();
    assert_eq!(
        wbx.balance_of(wbx_testing::address(who::STRANGER)).await.unwrap(),
        Amount::whole(2)
    );
}

/// A deployment that dies at any step resumes from its saved progress and creates nothing twice.
#[tokio::test]
async fn an_interrupted_deployment_resumes_without_creating_twice() {
    use alloy::providers::Provider;
    use wbx_sdk::{DeployConfig, DeployProgress, deploy_resumable};
    let anvil = wbx_testing::spawn_anvil();
    let conn = account(&anvil, who::ADMIN).await;
    let config = DeployConfig::default();

    // Dies right after saving the token's address, before broadcasting it.
    let mut saved: Option<DeployProgress> = None;
    let err = deploy_resumable(&conn, &config, None, |p| {
        saved = Some(p.clone());
        Err(wbx_sdk::Error::Other("killed".into()))
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("killed"));
    let first = saved.clone().unwrap();
    let (token, _) = first.token.unwrap();
    assert!(conn.provider().get_code_at(token).await.unwrap().is_empty(), "nothing was sent");

    // Dies after the token exists, before the pool is broadcast.
    let err = deploy_resumable(&conn, &config, Some(first), |p| {
        saved = Some(p.clone());
        if p.pool.is_some() { Err(wbx_sdk::Error::Other("killed".into())) } else { Ok(()) }
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("killed"));
    assert!(!conn.provider().get_code_at(token).await.unwrap().is_empty());
    let nonce_after_token =
        conn.provider().get_transaction_count(wbx_testing::address(who::ADMIN)).await.unwrap();

    // Resumed to the end: the same token, one pool, the policy state.
    let wbx = deploy_resumable(&conn, &config, saved, |_| Ok(())).await.unwrap();
    assert_eq!(wbx.deployment().token, token);
    assert_eq!(
        conn.provider().get_transaction_count(wbx_testing::address(who::ADMIN)).await.unwrap(),
        // pool, setPool, grant, allocate, approve, addLiquidity, revoke
        nonce_after_token + 7
    );
    assert_eq!(wbx.pool_state().await.unwrap().reserve_wbx, Amount::whole(1_000_000));
    // Running it once more does nothing at all.
    let again = deploy_resumable(
        &conn,
        &config,
        Some(DeployProgress {
            chain_id: 31337,
            admin: wbx_testing::address(who::ADMIN),
            start_block: 0,
            token: Some((token, 0)),
            pool: Some((wbx.deployment().pool, 1)),
            ..Default::default()
        }),
        |_| Ok(()),
    )
    .await
    .unwrap();
    assert_eq!(again.deployment().pool, wbx.deployment().pool);
    assert_eq!(
        conn.provider().get_transaction_count(wbx_testing::address(who::ADMIN)).await.unwrap(),
        nonce_after_token + 7
    );
}

/// The seeding steps that pay (the seed allocation and the pool's first liquidity) happen once,
/// whether the deployment dies before their transaction leaves, or a stale read would have them
/// sent again: the allocation is keyed on chain, the liquidity journaled.
#[tokio::test]
async fn a_deployment_killed_while_seeding_seeds_once() {
    use alloy::providers::Provider;
    use wbx_sdk::{DeployConfig, DeployProgress, deploy_resumable};
    let anvil = wbx_testing::spawn_anvil();
    let conn = account(&anvil, who::ADMIN).await;
    let config = DeployConfig::default();
    let admin = wbx_testing::address(who::ADMIN);

    // Dies right after writing down the liquidity transaction, before it is broadcast.
    let mut saved: Option<DeployProgress> = None;
    let err = deploy_resumable(&conn, &config, None, |p| {
        saved = Some(p.clone());
        if p.sent.contains_key("seed-liquidity") {
            Err(wbx_sdk::Error::Other("killed".into()))
        } else {
            Ok(())
        }
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("killed"), "{err}");
    let progress = saved.unwrap();
    let before = conn.provider().get_transaction_count(admin).await.unwrap();

    // Resumed: the saved liquidity transaction goes out as it was (same nonce, same hash).
    let wbx = deploy_resumable(&conn, &config, Some(progress.clone()), |_| Ok(())).await.unwrap();
    let seed = &progress.sent["seed-liquidity"];
    let receipt = conn.provider().get_transaction_receipt(seed.versions[0].0).await.unwrap();
    assert!(receipt.is_some_and(|r| r.status()), "the saved transaction is the one mined");
    assert_eq!(conn.provider().get_transaction_count(admin).await.unwrap(), before + 2); // + revoke
    assert_eq!(wbx.pool_state().await.unwrap().reserve_wbx, Amount::whole(1_000_000));
    let reserve = &wbx.buckets().await.unwrap()[Bucket::ReserveFund.index() as usize];
    assert_eq!(reserve.released, Amount::whole(1_000_000), "the seed was allocated once");

    // Resumed again from the same old progress: nothing more is sent.
    deploy_resumable(&conn, &config, Some(progress), |_| Ok(())).await.unwrap();
    assert_eq!(conn.provider().get_transaction_count(admin).await.unwrap(), before + 2);
    assert_eq!(wbx.pool_state().await.unwrap().reserve_wbx, Amount::whole(1_000_000));
}

/// The chain preflight: both current nodes have every opcode the contracts use; on an older EVM
/// `deploy` refuses before it sends anything, naming the opcodes and the hardfork that brings
/// them.
#[tokio::test(flavor = "multi_thread")]
async fn preflight_passes_on_both_nodes_and_refuses_an_older_evm_before_sending() {
    use wbx_sdk::preflight;
    for kind in wbx_testing::NodeKind::ALL {
        let node = wbx_testing::Node::start(kind).unwrap();
        let conn = account(&node, who::ADMIN).await;
        let report = preflight::check(conn.provider().client()).await.unwrap();
        assert_eq!(report.present.len(), preflight::required().len(), "{kind}: {report:?}");
        assert!(report.unknown.is_empty(), "{kind}: {report:?}");
    }

    let node =
        wbx_testing::Node::anvil(wbx_testing::anvil().args(["--hardfork", "shanghai"])).unwrap();
    let conn = account(&node, who::ADMIN).await;
    let err = deploy(&conn, &DeployConfig::default()).await.unwrap_err();
    let wbx_sdk::Error::ChainUnsupported(unsupported) = &err else { panic!("{err}") };
    let missing: Vec<&str> = unsupported.missing.iter().map(|c| c.name).collect();
    assert_eq!(missing, ["TLOAD", "TSTORE", "MCOPY"]);
    assert_eq!(unsupported.needed(), Some(preflight::Hardfork::Cancun));
    assert!(err.to_string().contains("Nothing was sent"), "{err}");
    let p = conn.provider();
    assert_eq!(p.get_transaction_count(address(who::ADMIN)).await.unwrap(), 0);
    assert_eq!(p.get_block_number().await.unwrap(), 0);
}
