//! `wbx deploy` and `wbx status`.

use crate::support::{BAD_INPUT, Cli, addr, run, s, wbx};
use alloy::providers::Provider;
use wbx_sdk::{Amount, Bucket, Connection, Deployment, Wbx};
use wbx_testing::{address, spawn_anvil, who};

#[tokio::test]
async fn deploy_writes_the_record_and_refuses_to_replace_a_live_one_without_force() {
    let anvil = spawn_anvil();
    let url = anvil.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let reader = Connection::connect(&url, None).await.unwrap();
    let admin = address(who::ADMIN);

    // Human output; the record goes to deployments/<chainId>.json under the working directory.
    let first = run(wbx(dir.path()).args(["deploy", "--dev-account", "0", "--rpc-url", &url])).ok();
    let path = dir.path().join("deployments/31337.json");
    let record = Deployment::read(&path).expect("the record is written");
    assert_eq!(record.chain_id, 31337);
    assert_eq!(record.admin, admin);
    let first = first.says(&[
        &format!("deployed WBX {} on chain 31337", Wbx::expected_version()),
        &format!("token {}", record.token),
        &format!("pool  {}", record.pool),
        &format!("admin {admin}"),
        "deployments/31337.json",
    ]);
    assert!(first.stderr.contains("deploying to chain 31337"), "{first}");
    assert!(!dir.path().join("deployments/31337.progress.json").exists(), "no progress left");

    // The record points at a live, seeded deployment with the default configuration.
    let live = Wbx::attach(reader.clone(), record.clone()).await.unwrap();
    assert_eq!(live.version().await.unwrap(), Wbx::expected_version());
    assert_eq!(live.total_supply().await.unwrap(), Amount::whole(1_000_000_000));
    let pool = live.pool_state().await.unwrap();
    assert_eq!(
        (pool.reserve_wbx, pool.reserve_eth, pool.fee_bps),
        (Amount::whole(1_000_000), Amount::whole(100), 30)
    );
    assert_eq!(live.bucket(Bucket::ReserveFund).await.unwrap().released, Amount::whole(1_000_000));

    // A second deploy to the same record: refused, nothing sent, the record untouched.
    let nonce = reader.provider().get_transaction_count(admin).await.unwrap();
    run(wbx(dir.path()).args(["deploy", "--dev-account", "0", "--rpc-url", &url]))
        .fails(BAD_INPUT, &["deployments/31337.json already records a live deployment", "--force"]);
    assert_eq!(reader.provider().get_transaction_count(admin).await.unwrap(), nonce);
    assert_eq!(Deployment::read(&path).unwrap(), record);

    // --force deploys again, with its own configuration; --json prints the new record.
    let again = run(wbx(dir.path()).args([
        "deploy",
        "--json",
        "--force",
        "--initial-supply",
        "5000000",
        "--fee-bps",
        "50",
        "--seed-wbx",
        "1000",
        "--seed-eth",
        "0.5",
        "--dev-account",
        "0",
        "--rpc-url",
        &url,
    ]))
    .ok();
    let json = again.json();
    let printed: Deployment = serde_json::from_value(json.clone()).expect("the record as JSON");
    assert_eq!(json["chainId"], 31337);
    assert_eq!(s(&json, "version"), Wbx::expected_version());
    assert_eq!(addr(&json, "admin"), admin);
    assert_ne!(printed.token, record.token);
    assert_eq!(Deployment::read(&path).unwrap(), printed);
    let live = Wbx::attach(reader, printed).await.unwrap();
    assert_eq!(live.total_supply().await.unwrap(), Amount::whole(5_000_000));
    let pool = live.pool_state().await.unwrap();
    assert_eq!(
        (pool.reserve_wbx, pool.reserve_eth, pool.fee_bps),
        (Amount::whole(1000), "0.5".parse().unwrap(), 50)
    );
}

#[tokio::test]
async fn deploy_to_an_explicit_path_creates_its_folder() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/records/local.json");
    let json = run(wbx(dir.path()).args([
        "--json",
        "deploy",
        "--seed-wbx",
        "0",
        "--out",
        out.to_str().unwrap(),
        "--dev-account",
        "0",
        "--rpc-url",
        &anvil.endpoint(),
    ]))
    .ok()
    .json();
    let record = Deployment::read(&out).unwrap();
    assert_eq!(addr(&json, "token"), record.token);
    assert_eq!(addr(&json, "pool"), record.pool);
    assert!(!dir.path().join("deployments").exists(), "nothing at the default path");
    // Seeding skipped: the pool is empty.
    let conn = Connection::connect(&anvil.endpoint(), None).await.unwrap();
    let pool = Wbx::attach(conn, record).await.unwrap().pool_state().await.unwrap();
    assert_eq!((pool.reserve_wbx, pool.reserve_eth), (Amount::ZERO, Amount::ZERO));
}

/// `WBX_DEPLOYMENT` names one record for every command: `deploy` writes it, the rest read it.
#[tokio::test]
async fn deploy_writes_where_wbx_deployment_points_and_the_next_command_reads_it() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let url = anvil.endpoint();
    let with_env = |args: &[&str]| {
        let mut c = wbx(dir.path());
        c.args(args).env("WBX_DEPLOYMENT", "here.json").env("ETH_RPC_URL", &url);
        c
    };
    run(&mut with_env(&["deploy", "--seed-wbx", "0", "--dev-account", "0"]))
        .ok()
        .says(&["here.json"]);
    let record = Deployment::read(&dir.path().join("here.json")).unwrap();
    assert!(!dir.path().join("deployments").exists(), "nothing at the default path");
    run(&mut with_env(&["status", "--dev-account", "0"]))
        .ok()
        .says(&[&format!("token   {}", record.token)]);
}

#[tokio::test]
async fn status_shows_version_buckets_pool_and_the_callers_grants() {
    let cli = Cli::new().await;
    let d = cli.sdk().deployment().clone();
    let trader = address(who::TRADER);

    let human = cli.by(who::TRADER, &["status"]).ok().says(&[
        "chain   31337",
        &format!("token   {}", d.token),
        &format!("pool    {}", d.pool),
        &format!("version {}", Wbx::expected_version()),
        "supply  1000000000 WBX",
        "Platform Development",
        "40.00%",
        "Community Rewards",
        // The fixture paid 1,000 WBX to each of the two traders from the community bucket.
        "2000 WBX",
        "1000000 WBX / 100 ETH",
        "fee 0.30%",
        &format!("grants of {trader}"),
        "trader",
        "standard",
        "active",
        "left",
    ]);
    assert!(!human.stdout.contains("OUTDATED") && !human.stdout.contains("PAUSED"), "{human}");

    let json = cli.by(who::TRADER, &["status", "--json"]).ok().json();
    assert_eq!(json["chainId"], 31337);
    assert_eq!(s(&json, "version"), Wbx::expected_version());
    assert_eq!(s(&json, "expectedVersion"), Wbx::expected_version());
    assert_eq!(addr(&json, "token"), d.token);
    assert_eq!(addr(&json, "pool"), d.pool);
    assert_eq!(s(&json, "totalSupply"), "1000000000");
    assert_eq!(json["paused"], false);
    let buckets = json["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 5);
    assert_eq!(s(&buckets[0], "bucket"), "platform-development");
    assert_eq!(buckets[0]["shareBps"], 4000);
    assert_eq!(s(&buckets[3], "bucket"), "community-rewards");
    assert_eq!(s(&buckets[3], "released"), "2000");
    assert_eq!(s(&buckets[4], "released"), "1000000");
    let pool = &json["poolState"];
    assert_eq!((s(pool, "reserveWbx"), s(pool, "reserveEth")), ("1000000", "100"));
    assert_eq!((&pool["feeBps"], &pool["paused"]), (&30.into(), &false.into()));
    assert_eq!(addr(&json, "account"), trader);
    let grants = json["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{json:#}");
    let g = &grants[0];
    assert_eq!(addr(g, "account"), trader);
    assert_eq!((s(g, "role"), s(g, "kind"), s(g, "status")), ("trader", "standard", "active"));
    assert_eq!(g["expiresAt"].as_u64().unwrap() - g["grantedAt"].as_u64().unwrap(), 30 * 60);
    assert_eq!(addr(g, "grantedBy"), address(who::ADMIN));

    // Without a wallet: nobody's grants.
    let json = cli.run(&["status", "--json"]).ok().json();
    assert!(json["account"].is_null(), "{json:#}");
    assert_eq!(json["grants"], serde_json::json!([]));
    let human = cli.run(&["status"]).ok();
    assert!(!human.stdout.contains("grants of"), "{human}");
}
