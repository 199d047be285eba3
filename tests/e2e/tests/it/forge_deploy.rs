//! The forge deployment script and the Rust SDK agree: the record the script writes is the one the
//! SDK reads, and the deployment it describes is the policy's.

use std::process::Command;
use wbx_sdk::{Amount, Bucket, Deployment, GrantStatus, Role, Wbx};
use wbx_testing::{account, spawn_anvil, who, workspace_root};

#[tokio::test]
async fn forge_script_deployment_is_read_by_the_sdk() {
    let anvil = spawn_anvil();
    let root = workspace_root();
    // Forge may write only under deployments/ (foundry.toml's fs_permissions).
    let record_path = root.join("deployments").join(format!("e2e-{}.json", std::process::id()));
    let _cleanup = RemoveOnDrop(record_path.clone());
    // Anvil's public dev mnemonic, account 0: no private key on the command line.
    let status = Command::new(root.join("node_modules/.bin/forge"))
        .args(["script", "contracts/script/Deploy.s.sol", "--broadcast", "--silent", "--rpc-url"])
        .arg(anvil.endpoint())
        .args([
            "--mnemonics",
            wbx_sdk::signer::ANVIL_MNEMONIC,
            "--mnemonic-indexes",
            "0",
            "--sender",
        ])
        .arg(wbx_testing::address(who::ADMIN).to_string())
        .env("WBX_DEPLOYMENT", &record_path)
        .env("WBX_SEED_WBX", "500000000000000000000000")
        .env("WBX_SEED_ETH", "50000000000000000000")
        .current_dir(&root)
        .status()
        .expect("run forge script");
    assert!(status.success(), "forge script failed");

    let record = Deployment::read(&record_path).unwrap();
    assert_eq!(record.chain_id, 31337);
    assert_eq!(record.version, Wbx::expected_version());
    let wbx = Wbx::attach(account(&anvil, who::ADMIN).await, record.clone()).await.unwrap();
    assert_eq!(wbx.version().await.unwrap(), Wbx::expected_version());
    assert_eq!(wbx.total_supply().await.unwrap(), Amount::whole(1_000_000_000));
    let reserve = wbx.bucket(Bucket::ReserveFund).await.unwrap();
    assert_eq!(reserve.released, Amount::whole(500_000));
    let pool = wbx.pool_state().await.unwrap();
    assert_eq!((pool.reserve_wbx, pool.reserve_eth), (Amount::whole(500_000), Amount::whole(50)));
    // The deployer's seeding grant is gone, and its events are found from the recorded block.
    let g = wbx.grant_of(record.admin, Role::Trader).await.unwrap();
    assert_eq!(g.status, GrantStatus::Revoked);
    assert!(wbx.holders(Role::Trader).await.unwrap().is_empty());
    let head = alloy::providers::Provider::get_block_number(wbx.provider()).await.unwrap();
    let events = wbx.events(record.deploy_block, head).await.unwrap();
    assert!(!events.is_empty());
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
