//! Deploys the token and the pool from Rust, exactly as `contracts/script/Deploy.s.sol` does, and
//! returns the handle and the deployment record.

use crate::{
    amount::Amount,
    client::Wbx,
    connection::Connection,
    deployment::Deployment,
    error::{Error, Result},
    names::{Bucket, GrantKind, Role},
};
use alloy::{primitives::Address, providers::Provider};
use wbx_contracts::{WbxPool, WebexToken};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    /// Supply minted into the buckets at deployment.
    pub initial_supply: Amount,
    /// Seconds a top-admin transfer waits before it can be accepted.
    pub admin_delay: u64,
    /// Pool fee in basis points.
    pub fee_bps: u16,
    /// WBX released from the Reserve Fund to seed the pool (zero skips seeding).
    pub seed_wbx: Amount,
    /// ETH that seeds the pool beside it.
    pub seed_eth: Amount,
}

impl Default for DeployConfig {
    /// The defaults of `Deploy.s.sol`: 1e9 WBX, 1 day, 0.3%, 1,000,000 WBX and 100 ETH of liquidity.
    fn default() -> Self {
        Self {
            initial_supply: Amount::whole(1_000_000_000),
            admin_delay: 86_400,
            fee_bps: 30,
            seed_wbx: Amount::whole(1_000_000),
            seed_eth: Amount::whole(100),
        }
    }
}

/// Deploys with `conn`'s signer as the top admin. Returns the handle; its `deployment()` is the
/// record to write.
pub async fn deploy(conn: &Connection, config: &DeployConfig) -> Result<Wbx> {
    let admin = conn.require_sender()?;
    if config.fee_bps > 100 {
        return Err(Error::Other(format!(
            "a pool fee of {} bps is above the maximum of 100 bps (1%)",
            config.fee_bps
        )));
    }
    let provider = conn.provider();
    let start_block = provider.get_block_number().await?;
    let receipt = WebexToken::deploy_builder(
        provider.clone(),
        config.initial_supply.raw(),
        admin,
        alloy::primitives::aliases::U48::from(config.admin_delay),
    )
    .send()
    .await?
    .get_receipt()
    .await?;
    let token = deployed_address(&receipt, "WebexToken")?;
    let deploy_block = receipt.block_number.unwrap_or(start_block);
    let receipt = WbxPool::deploy_builder(provider.clone(), token, config.fee_bps)
        .send()
        .await?
        .get_receipt()
        .await?;
    let pool = deployed_address(&receipt, "WbxPool")?;

    let deployment = Deployment {
        chain_id: conn.chain_id(),
        token,
        pool,
        admin,
        deploy_block,
        version: wbx_contracts::EXPECTED_VERSION.to_string(),
    };
    let wbx = Wbx::attach_unchecked(conn.clone(), deployment);
    wbx.set_pool(pool, true).await?;
    if !config.seed_wbx.raw().is_zero() && !config.seed_eth.raw().is_zero() {
        // Through the ordinary, audited paths, as the forge script does.
        wbx.grant(admin, Role::Trader, GrantKind::Standard).await?;
        wbx.allocate(Bucket::ReserveFund, admin, config.seed_wbx).await?;
        wbx.approve(pool, config.seed_wbx).await?;
        let deadline = wbx.now().await? + 3600;
        wbx.add_liquidity(config.seed_wbx, config.seed_eth, deadline).await?;
        wbx.revoke(admin, Role::Trader).await?;
    }
    Ok(wbx)
}

fn deployed_address(
    receipt: &alloy::rpc::types::TransactionReceipt,
    name: &str,
) -> Result<Address> {
    if !receipt.status() {
        return Err(Error::Other(format!(
            "deploying {name} reverted in tx {}",
            receipt.transaction_hash
        )));
    }
    receipt
        .contract_address
        .ok_or_else(|| Error::Other(format!("the receipt of {name}'s deployment has no address")))
}
