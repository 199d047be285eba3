//! Deploys the token and the pool from Rust, exactly as `contracts/script/Deploy.s.sol` does, and
//! returns the handle and the deployment record.

use crate::{
    amount::Amount,
    client::Wbx,
    connection::Connection,
    deployment::Deployment,
    error::{Error, Result, Revert},
    grant::GrantStatus,
    names::{Bucket, GrantKind, Role},
    payment::PaymentId,
    tx::{SettleOptions, Settled, Tracked, settle},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, TxHash, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wbx_contracts::{WbxPool, WebexToken, WebexToken::WebexTokenErrors};

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

/// Where a deployment in progress stands. It is saved before each transaction that must happen
/// once is broadcast (with the signed transaction, and for a creation the address it will have),
/// so a deployment that dies half way resumes where it stopped: it settles what it had sent
/// ([`crate::tx::settle()`]) before deciding anything, and never creates a contract or seeds the
/// pool twice.
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
    /// The signed transactions sent for each step that must happen once (`token`, `pool`,
    /// `seed-liquidity`), every version at the step's nonce.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sent: BTreeMap<String, SentStep>,
}

/// A step's transaction as sent: its nonce and every signed version at it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentStep {
    /// The nonce.
    pub nonce: u64,
    /// The chain's head when it was first signed.
    pub since_block: u64,
    /// Each version: hash and signed bytes.
    pub versions: Vec<(TxHash, Bytes)>,
}

impl SentStep {
    fn tracked(&self, from: Address) -> Tracked {
        Tracked {
            from,
            nonce: self.nonce,
            versions: self.versions.iter().map(|(h, _)| *h).collect(),
            since_block: self.since_block,
        }
    }

    fn raw(&self) -> Vec<Bytes> {
        self.versions.iter().map(|(_, r)| r.clone()).collect()
    }
}

/// Deploys with `conn`'s signer as the top admin. Returns the handle; its `deployment()` is the
/// record to write.
pub async fn deploy(conn: &Connection, config: &DeployConfig) -> Result<Wbx> {
    deploy_resumable(conn, config, None, |_| Ok(())).await
}

/// The payment reference of the pool's seed allocation: the token refuses a second one.
const SEED_REFERENCE: &str = "wbx-deploy:pool-seed";

/// Deploys like [`deploy`], resuming from `progress` if given, and calling `save` with the progress
/// before every transaction that must happen once is broadcast, so that the caller can persist it.
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
            ..DeployProgress::default()
        },
    };
    let fees = fees(conn).await?;

    let token_code = WebexToken::deploy_builder(
        provider.clone(),
        config.initial_supply.raw(),
        admin,
        alloy::primitives::aliases::U48::from(config.admin_delay),
    )
    .calldata()
    .clone();
    let (token, token_block) =
        create_once(conn, &mut progress, Slot::Token, token_code, fees, &mut save).await?;
    let pool_code =
        WbxPool::deploy_builder(provider.clone(), token, config.fee_bps).calldata().clone();
    let (pool, _) =
        create_once(conn, &mut progress, Slot::Pool, pool_code, fees, &mut save).await?;

    let deployment = Deployment {
        chain_id: conn.chain_id(),
        token,
        pool,
        admin,
        deploy_block: token_block.unwrap_or(progress.start_block),
        version: wbx_contracts::EXPECTED_VERSION.to_string(),
    };
    let wbx = Wbx::attach_unchecked(conn.clone(), deployment);
    // The steps below look at the chain first, so a rerun does only what is left. Those that may be
    // repeated harmlessly (register, grant, approve, revoke) need nothing more; the two that pay
    // are guarded on chain (the seed allocation has a payment reference) or journaled (liquidity).
    if !wbx.token().isPool(pool).call().await? {
        done_if(
            wbx.set_pool(pool, true).await,
            |r| matches!(r, Revert::Token(WebexTokenErrors::WbxPoolRegistration(e)) if e.registered),
        )?;
    }
    let seeding = !config.seed_wbx.raw().is_zero() && !config.seed_eth.raw().is_zero();
    let seeded = match progress.sent.get(SEED_STEP) {
        Some(step) => settled_ok(conn, step).await?,
        None => false,
    };
    if seeding && !seeded && wbx.pool().totalShares().call().await?.is_zero() {
        // Through the ordinary, audited paths, as the forge script does.
        if wbx.grant_of(admin, Role::Trader).await?.status != GrantStatus::Active {
            wbx.grant(admin, Role::Trader, GrantKind::Standard).await?;
        }
        let reference = PaymentId::reference(SEED_REFERENCE).expect("a valid reference");
        if wbx.payment_block(reference).await?.is_none() {
            let held = wbx.balance_of(admin).await?;
            if held < config.seed_wbx {
                let missing = Amount::from_raw(config.seed_wbx.raw() - held.raw());
                done_if(
                    wbx.allocate_with_ref(Bucket::ReserveFund, admin, missing, reference).await,
                    |r| matches!(r, Revert::Token(WebexTokenErrors::WbxAlreadyPaid(_))),
                )?;
            }
        }
        if wbx.allowance(admin, pool).await? < config.seed_wbx {
            wbx.approve(pool, config.seed_wbx).await?;
        }
        let deadline = wbx.now().await? + 3600;
        let request = wbx
            .pool()
            .addLiquidity(
                config.seed_wbx.raw(),
                U256::ZERO,
                U256::ZERO,
                admin,
                U256::from(deadline),
            )
            .value(config.seed_eth.raw())
            .into_transaction_request();
        once(conn, &mut progress, SEED_STEP, request, fees, &mut save).await?;
    }
    if wbx.grant_of(admin, Role::Trader).await?.status == GrantStatus::Active {
        done_if(wbx.revoke(admin, Role::Trader).await, |r| {
            matches!(r, Revert::Token(WebexTokenErrors::WbxGrantRevoked(_)))
        })?;
    }
    Ok(wbx)
}

const SEED_STEP: &str = "seed-liquidity";

/// A step whose revert `already` says it was done before (a read that lagged behind the chain
/// let it be sent again) counts as done.
fn done_if<T>(result: Result<T>, already: impl Fn(&Revert) -> bool) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.revert().is_some_and(&already) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn fees(conn: &Connection) -> Result<(u128, u128)> {
    let f = conn.provider().estimate_eip1559_fees().await.map_err(Error::from_rpc)?;
    Ok((f.max_fee_per_gas, f.max_priority_fee_per_gas.min(f.max_fee_per_gas)))
}

/// Whether a step sent by an earlier run was mined successfully (settling it first).
async fn settled_ok(conn: &Connection, step: &SentStep) -> Result<bool> {
    let from = conn.require_sender()?;
    let options = SettleOptions::default();
    match settle(conn.provider(), &step.tracked(from), &step.raw(), &options).await? {
        Settled::Mined(r) => {
            conn.note_written(r.block_number.unwrap_or_default());
            Ok(r.status())
        }
        Settled::Replaced { .. } => Ok(false),
    }
}

/// Sends `request` as the step `name`, written down before it is broadcast, and settles it.
async fn once(
    conn: &Connection,
    progress: &mut DeployProgress,
    name: &str,
    request: TransactionRequest,
    fees: (u128, u128),
    save: &mut impl FnMut(&DeployProgress) -> Result<()>,
) -> Result<TransactionReceipt> {
    let from = conn.require_sender()?;
    let since_block = conn.provider().get_block_number().await?;
    let tx = crate::tx::sign(conn, request, fees).await?;
    let step = SentStep { nonce: tx.nonce, since_block, versions: vec![(tx.hash, tx.raw.clone())] };
    progress.sent.insert(name.to_string(), step.clone());
    save(progress)?;
    crate::tx::broadcast(conn.provider(), &tx.raw).await?;
    match settle(conn.provider(), &step.tracked(from), &step.raw(), &SettleOptions::default())
        .await?
    {
        Settled::Mined(r) if r.status() => {
            conn.note_written(r.block_number.unwrap_or_default());
            Ok(*r)
        }
        Settled::Mined(r) => Err(Error::Other(format!(
            "the {name} step reverted in transaction {}: run the deployment again to retry it",
            r.transaction_hash
        ))),
        Settled::Replaced { by, block } => {
            Err(Error::Replaced { hash: tx.hash, nonce: tx.nonce, by, block })
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Token,
    Pool,
}

impl Slot {
    fn name(self) -> &'static str {
        match self {
            Self::Token => "WebexToken",
            Self::Pool => "WbxPool",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Pool => "pool",
        }
    }

    fn get(self, p: &mut DeployProgress) -> &mut Option<(Address, u64)> {
        match self {
            Self::Token => &mut p.token,
            Self::Pool => &mut p.pool,
        }
    }
}

/// Creates a contract exactly once. The address it will have (from the nonce) and the signed
/// creation are saved before it is broadcast. On resume: code at that address means done; else
/// the saved creation is settled, and only a nonce provably used by another transaction leads to
/// a new creation (at a new nonce, so at most one of them ever lands at the saved address).
async fn create_once(
    conn: &Connection,
    progress: &mut DeployProgress,
    slot: Slot,
    code: Bytes,
    fees: (u128, u128),
    save: &mut impl FnMut(&DeployProgress) -> Result<()>,
) -> Result<(Address, Option<u64>)> {
    let provider = conn.provider();
    let admin = conn.require_sender()?;
    let name = slot.name();
    if let Some((address, nonce)) = *slot.get(progress) {
        if !provider.get_code_at(address).await?.is_empty() {
            // Reads from here on must see the block that made it (a backend behind would not).
            conn.note_written(crate::events::chain_head(provider).await?);
            return Ok((address, None));
        }
        let step = match progress.sent.get(slot.key()) {
            Some(step) if step.nonce == nonce => step.clone(),
            // Saved by an older version without the transaction: find what used the nonce.
            _ => SentStep { nonce, since_block: progress.start_block, versions: Vec::new() },
        };
        if step.versions.is_empty() {
            let used = provider.get_transaction_count(admin).latest().await?;
            if used > nonce {
                match crate::tx::nonce_user(provider, admin, nonce, step.since_block).await {
                    Some((_, by)) => {
                        let receipt = provider.get_transaction_receipt(by).await?;
                        if receipt.as_ref().and_then(|r| r.contract_address) == Some(address) {
                            let r = receipt.expect("checked above");
                            conn.note_written(r.block_number.unwrap_or_default());
                            return Ok((deployed_address(&r, name)?, r.block_number));
                        }
                    }
                    None => {
                        return Err(Error::Other(format!(
                            "{name}'s creation at nonce {nonce} cannot be found yet: run the deployment again in a moment"
                        )));
                    }
                }
            }
        } else {
            match settle(provider, &step.tracked(admin), &step.raw(), &SettleOptions::default())
                .await?
            {
                Settled::Mined(r) => {
                    conn.note_written(r.block_number.unwrap_or_default());
                    let created = deployed_address(&r, name)?;
                    if created != address {
                        return Err(Error::Other(format!(
                            "{name} was created at {created}, not at the expected {address}"
                        )));
                    }
                    return Ok((address, r.block_number));
                }
                Settled::Replaced { by, block } => tracing::warn!(
                    %by, block, nonce, "{name}'s creation was replaced by another transaction of the deployer: creating it again"
                ),
            }
        }
    }
    let since_block = provider.get_block_number().await?;
    let request = TransactionRequest::default().with_deploy_code(code);
    let tx = crate::tx::sign(conn, request, fees).await?;
    let address = admin.create(tx.nonce);
    *slot.get(progress) = Some((address, tx.nonce));
    let step = SentStep { nonce: tx.nonce, since_block, versions: vec![(tx.hash, tx.raw.clone())] };
    progress.sent.insert(slot.key().to_string(), step.clone());
    save(progress)?;
    crate::tx::broadcast(provider, &tx.raw).await?;
    match settle(provider, &step.tracked(admin), &step.raw(), &SettleOptions::default()).await? {
        Settled::Mined(r) => {
            conn.note_written(r.block_number.unwrap_or_default());
            let created = deployed_address(&r, name)?;
            if created != address {
                return Err(Error::Other(format!(
                    "{name} was created at {created}, not at the expected {address}"
                )));
            }
            Ok((address, r.block_number))
        }
        Settled::Replaced { by, block } => {
            Err(Error::Replaced { hash: tx.hash, nonce: tx.nonce, by, block })
        }
    }
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
