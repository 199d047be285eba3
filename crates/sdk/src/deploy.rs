//! Deploys the token and the pool from Rust, exactly as `contracts/script/Deploy.s.sol` does, and
//! returns the handle and the deployment record.

use crate::{
    amount::Amount,
    client::Wbx,
    connection::Connection,
    deployment::Deployment,
    error::{Error, Result},
    grant::GrantStatus,
    names::{Bucket, GrantKind, Role},
};
use alloy::{
    network::TransactionBuilder, primitives::Address, providers::Provider,
    rpc::types::TransactionRequest,
};
use serde::{Deserialize, Serialize};
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

/// Where a deployment in progress stands. It is saved before each contract creation is broadcast
/// (with the address the creation will have), so a deployment that dies half way resumes where it
/// stopped and never creates a contract twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployProgress {
    /// The chain.
    pub chain_id: u64,
    /// The deployer, top admin of the token.
    pub admin: Address,
    /// A block before any of the deployment's transactions.
    pub start_block: u64,
    /// The token's address and the nonce of its creation.
    pub token: Option<(Address, u64)>,
    /// The pool's address and the nonce of its creation.
    pub pool: Option<(Address, u64)>,
}

/// Deploys with `conn`'s signer as the top admin. Returns the handle; its `deployment()` is the
/// record to write.
pub async fn deploy(conn: &Connection, config: &DeployConfig) -> Result<Wbx> {
    deploy_resumable(conn, config, None, |_| Ok(())).await
}

/// Deploys like [`deploy`], resuming from `progress` if given, and calling `save` with the progress
/// before every step that creates something, so that the caller can persist it.
pub async fn deploy_resumable(
    conn: &Connection,
    config: &DeployConfig,
    progress: Option<DeployProgress>,
    mut save: impl FnMut(&DeployProgress) -> Result<()>,
) -> Result<Wbx> {
    let admin = conn.require_sender()?;
    crate::preflight::check(conn.provider().client()).await?;
    if config.fee_bps > 100 {
        return Err(Error::Other(format!(
            "a pool fee of {} bps is above the maximum of 100 bps (1%)",
            config.fee_bps
        )));
    }
    let provider = conn.provider();
    let mut progress = match progress {
        Some(p) if p.chain_id != conn.chain_id() || p.admin != admin => {
            return Err(Error::Other(format!(
                "the unfinished deployment was started on chain {} by {}: resume it with the same chain and key, or delete its progress file",
                p.chain_id, p.admin
            )));
        }
        Some(p) => p,
        None => DeployProgress {
            chain_id: conn.chain_id(),
            admin,
            start_block: provider.get_block_number().await?,
            token: None,
            pool: None,
        },
    };

    let token_code = WebexToken::deploy_builder(
        provider.clone(),
        config.initial_supply.raw(),
        admin,
        alloy::primitives::aliases::U48::from(config.admin_delay),
    )
    .calldata()
    .clone();
    let (token, token_block) =
        create_once(conn, &mut progress, |p| &mut p.token, token_code, &mut save, "WebexToken")
            .await?;
    let pool_code =
        WbxPool::deploy_builder(provider.clone(), token, config.fee_bps).calldata().clone();
    let (pool, _) =
        create_once(conn, &mut progress, |p| &mut p.pool, pool_code, &mut save, "WbxPool").await?;

    let deployment = Deployment {
        chain_id: conn.chain_id(),
        token,
        pool,
        admin,
        deploy_block: token_block.unwrap_or(progress.start_block),
        version: wbx_contracts::EXPECTED_VERSION.to_string(),
    };
    let wbx = Wbx::attach_unchecked(conn.clone(), deployment);
    // Every step below looks at the chain first, so a rerun does only what is left.
    if !wbx.token().isPool(pool).call().await? {
        wbx.set_pool(pool, true).await?;
    }
    let seeding = !config.seed_wbx.raw().is_zero() && !config.seed_eth.raw().is_zero();
    if seeding && wbx.pool().totalShares().call().await?.is_zero() {
        // Through the ordinary, audited paths, as the forge script does.
        if wbx.grant_of(admin, Role::Trader).await?.status != GrantStatus::Active {
            wbx.grant(admin, Role::Trader, GrantKind::Standard).await?;
        }
        let held = wbx.balance_of(admin).await?;
        if held < config.seed_wbx {
            let missing = Amount::from_raw(config.seed_wbx.raw() - held.raw());
            wbx.allocate(Bucket::ReserveFund, admin, missing).await?;
        }
        if wbx.allowance(admin, pool).await? < config.seed_wbx {
            wbx.approve(pool, config.seed_wbx).await?;
        }
        let deadline = wbx.now().await? + 3600;
        wbx.add_liquidity(config.seed_wbx, config.seed_eth, deadline).await?;
    }
    if wbx.grant_of(admin, Role::Trader).await?.status == GrantStatus::Active {
        wbx.revoke(admin, Role::Trader).await?;
    }
    Ok(wbx)
}

/// Creates a contract exactly once: the address it will have (from the sender's nonce) is saved
/// before the creation is broadcast; on resume, code at that address means done, and an unused
/// nonce means the creation is sent again with that same nonce (so at most one lands).
async fn create_once(
    conn: &Connection,
    progress: &mut DeployProgress,
    slot: impl Fn(&mut DeployProgress) -> &mut Option<(Address, u64)>,
    code: alloy::primitives::Bytes,
    save: &mut impl FnMut(&DeployProgress) -> Result<()>,
    name: &str,
) -> Result<(Address, Option<u64>)> {
    let provider = conn.provider();
    let admin = conn.require_sender()?;
    let nonce = match *slot(progress) {
        Some((address, nonce)) => {
            if !provider.get_code_at(address).await?.is_empty() {
                return Ok((address, None));
            }
            let used = provider.get_transaction_count(admin).latest().await?;
            if used <= nonce {
                nonce
            } else {
                // That nonce went to another transaction: this creation never happened.
                provider.get_transaction_count(admin).pending().await?
            }
        }
        None => provider.get_transaction_count(admin).pending().await?,
    };
    let address = admin.create(nonce);
    *slot(progress) = Some((address, nonce));
    save(progress)?;
    let request = TransactionRequest::default().with_deploy_code(code).with_nonce(nonce);
    let hash = match provider.send_transaction(request).await {
        Ok(pending) => *pending.tx_hash(),
        // Sent by the run that died: wait for it through its address.
        Err(e) => match Error::from_rpc(e) {
            Error::AlreadyKnown { .. } | Error::NonceTooLow { .. } => {
                return wait_for_code(conn, address, name).await.map(|_| (address, None));
            }
            other => return Err(other),
        },
    };
    let receipt = crate::pipeline::wait_receipt(provider, hash).await?;
    let created = deployed_address(&receipt, name)?;
    if created != address {
        return Err(Error::Other(format!(
            "{name} was created at {created}, not at the expected {address}"
        )));
    }
    Ok((address, receipt.block_number))
}

async fn wait_for_code(conn: &Connection, address: Address, name: &str) -> Result<()> {
    for _ in 0..600 {
        if !conn.provider().get_code_at(address).await?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err(Error::Other(format!(
        "{name} did not appear at {address}: run the deployment again to resume"
    )))
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
