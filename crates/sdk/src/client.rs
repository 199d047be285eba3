//! [`Wbx`]: a typed handle on one WBX deployment (token and pool), with every contract operation.

use crate::{
    amount::Amount,
    connection::Connection,
    deployment::Deployment,
    error::{Error, Result, Revert},
    grant::{BucketInfo, Grant, GrantStatus},
    names::{Bucket, GrantKind, Role},
    payment::PaymentId,
};
use alloy::{
    contract::{CallBuilder, CallDecoder},
    eips::BlockId,
    primitives::{Address, B256, Bytes, TxHash, U256},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::Signer,
    sol_types::{SolStruct, eip712_domain},
};
use serde::Serialize;
use std::time::Duration;
use wbx_contracts::{EXPECTED_VERSION, WbxPool, WebexToken, WebexToken::WebexTokenErrors};

/// How long to wait for a transaction to be mined before giving up on it.
pub const DEFAULT_RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// A mined, successful transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    /// Its hash.
    pub hash: TxHash,
    /// The block it was mined in.
    pub block: u64,
    /// Gas it used.
    pub gas_used: u64,
}

/// What [`Wbx::allocate_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// Paid now.
    Paid(Sent),
    /// The token already records this payment; nothing was sent.
    AlreadyPaid(crate::payment::RecordedPayment),
}

/// A Standard-grant renewal signed by the holder, that anyone may relay (`renewWithSig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedRenewal {
    /// The holder, who signed.
    pub account: Address,
    /// The role renewed.
    pub role: Role,
    /// The holder's renewal nonce it was signed with.
    pub nonce: U256,
    /// The last second at which it may be relayed.
    pub deadline: u64,
    /// The EIP-712 signature (65 bytes).
    pub signature: Bytes,
}

alloy::sol! {
    /// The EIP-712 message of a signed renewal, as `WebexToken` hashes it.
    struct Renewal {
        address account;
        bytes32 role;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-2612's permit message.
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

/// The pool's state in one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolState {
    /// WBX reserve.
    pub reserve_wbx: Amount,
    /// ETH reserve.
    pub reserve_eth: Amount,
    /// Swap fee in basis points.
    pub fee_bps: u16,
    /// Whether swaps and deposits are stopped.
    pub paused: bool,
}

/// A registered pool: it moves WBX without a Trader grant, because it checks the Trader grant of
/// whoever triggers a payout. Only the top admin registers one, and only a pool of this token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolRegistration {
    /// The pool.
    pub pool: Address,
    /// Whether it is the deployment record's pool.
    pub deployment_pool: bool,
    /// The top admin that registered it (from its latest `PoolRegistered` event).
    pub registered_by: Option<Address>,
    /// The block of that registration.
    pub block: Option<u64>,
}

/// A quote for a swap at the current reserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// What goes in.
    pub amount_in: Amount,
    /// What comes out at the current reserves.
    pub amount_out: Amount,
    /// The least that may come out with the given slippage.
    pub min_out: Amount,
    /// Price impact against the marginal price, in basis points (fee included).
    pub price_impact_bps: u64,
}

/// Direction of a swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// ETH in, WBX out.
    Buy,
    /// WBX in, ETH out.
    Sell,
}

/// Fees a caller chose instead of the node's suggestion, for every transaction [`Wbx`] sends. A
/// missing one is filled from the node's suggestion (the tip never above the max fee).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeOverride {
    /// Max fee per gas, in wei.
    pub max_fee_per_gas: Option<u128>,
    /// Max priority fee (tip) per gas, in wei.
    pub max_priority_fee_per_gas: Option<u128>,
}

/// A typed handle on one WBX deployment.
///
/// ```no_run
/// # async fn run() -> wbx_sdk::Result<()> {
/// use wbx_sdk::{Amount, Connection, Deployment, SignerSource, Wbx};
/// let conn = Connection::connect("http://127.0.0.1:8545", Some(&SignerSource::DevAccount(1))).await?;
/// let record = Deployment::read("deployments/31337.json".as_ref())?;
/// let wbx = Wbx::attach(conn, record).await?;
/// let to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".parse().unwrap();
/// let sent = wbx.transfer(to, "12.5".parse::<Amount>().unwrap()).await?;
/// println!("mined in block {}", sent.block);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Wbx {
    conn: Connection,
    deployment: Deployment,
    token: WebexToken::WebexTokenInstance<DynProvider>,
    pool: WbxPool::WbxPoolInstance<DynProvider>,
    receipt_timeout: Duration,
    fees: FeeOverride,
}

impl std::fmt::Debug for Wbx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wbx")
            .field("conn", &self.conn)
            .field("deployment", &self.deployment)
            .finish()
    }
}

impl Wbx {
    /// Attaches to a deployment, checking that the record is for this chain and that there is code
    /// at both addresses.
    pub async fn attach(conn: Connection, deployment: Deployment) -> Result<Self> {
        if deployment.chain_id != conn.chain_id() {
            return Err(Error::WrongChain { record: deployment.chain_id, node: conn.chain_id() });
        }
        let p = conn.provider();
        let (token_code, pool_code) =
            tokio::try_join!(p.get_code_at(deployment.token), p.get_code_at(deployment.pool))?;
        if token_code.is_empty() {
            return Err(Error::NoCode { address: deployment.token, what: "WBX token" });
        }
        if pool_code.is_empty() {
            return Err(Error::NoCode { address: deployment.pool, what: "WBX pool" });
        }
        Ok(Self::attach_unchecked(conn, deployment))
    }

    /// Attaches without checking the chain or the code (for a deployment just made).
    pub fn attach_unchecked(conn: Connection, deployment: Deployment) -> Self {
        let token = WebexToken::new(deployment.token, conn.provider().clone());
        let pool = WbxPool::new(deployment.pool, conn.provider().clone());
        Self {
            conn,
            deployment,
            token,
            pool,
            receipt_timeout: DEFAULT_RECEIPT_TIMEOUT,
            fees: FeeOverride::default(),
        }
    }

    /// Pays these fees instead of the node's suggestion on every transaction sent.
    pub fn with_fees(mut self, fees: FeeOverride) -> Self {
        self.fees = fees;
        self
    }

    /// Sets how long to wait for each transaction to be mined.
    pub fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
    }

    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The provider.
    pub fn provider(&self) -> &DynProvider {
        self.conn.provider()
    }

    /// The deployment record.
    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// The token binding, for anything not wrapped here.
    pub fn token(&self) -> &WebexToken::WebexTokenInstance<DynProvider> {
        &self.token
    }

    /// The pool binding, for anything not wrapped here.
    pub fn pool(&self) -> &WbxPool::WbxPoolInstance<DynProvider> {
        &self.pool
    }

    /// The same deployment through another connection (another signer).
    pub fn with_connection(&self, conn: Connection) -> Self {
        Self::attach_unchecked(conn, self.deployment.clone())
            .with_receipt_timeout(self.receipt_timeout)
            .with_fees(self.fees)
    }

    /// The signer's address, or [`Error::NoSigner`].
    pub fn sender(&self) -> Result<Address> {
        self.conn.require_sender()
    }

    /// The timestamp of the latest block (the chain's "now", which anvil can move).
    pub async fn now(&self) -> Result<u64> {
        let block = self
            .provider()
            .get_block(BlockId::latest())
            .await?
            .ok_or_else(|| Error::Other("the node returned no latest block".into()))?;
        Ok(block.header.timestamp)
    }

    /// Sends a call and waits for it to be mined, through the SDK's one send path
    /// ([`crate::tx::send`]: signed locally, broadcast, settled from evidence on chain). A revert
    /// before sending is decoded from the gas estimate; a revert after mining is replayed at its
    /// block to decode the reason.
    pub async fn send<D: CallDecoder>(&self, call: CallBuilder<&DynProvider, D>) -> Result<Sent> {
        self.sender()?;
        let request = call.as_ref().clone();
        let fees = self.fees_to_pay().await?;
        let options = crate::tx::SettleOptions::default().with_timeout(self.receipt_timeout);
        let receipt = crate::tx::send(&self.conn, request.clone(), fees, &options).await?;
        self.check_receipt(receipt, request).await
    }

    /// `(max fee, max priority fee)` per gas for the next transaction: the caller's choice
    /// ([`Wbx::with_fees`]), a missing one from the node's suggestion, the tip never above the max.
    pub async fn fees_to_pay(&self) -> Result<(u128, u128)> {
        let (max, tip) = match (self.fees.max_fee_per_gas, self.fees.max_priority_fee_per_gas) {
            (Some(max), Some(tip)) => (max, tip),
            (max, tip) => {
                let suggested =
                    self.provider().estimate_eip1559_fees().await.map_err(Error::from_rpc)?;
                let tip = tip.unwrap_or(suggested.max_priority_fee_per_gas);
                (max.unwrap_or(suggested.max_fee_per_gas.max(tip)), tip)
            }
        };
        Ok((max, tip.min(max)))
    }

    /// Turns a receipt into [`Sent`], or into [`Error::TxReverted`] with the replayed reason.
    pub async fn check_receipt(
        &self,
        receipt: TransactionReceipt,
        request: TransactionRequest,
    ) -> Result<Sent> {
        let block = receipt.block_number.unwrap_or_default();
        if receipt.status() {
            return Ok(Sent { hash: receipt.transaction_hash, block, gas_used: receipt.gas_used });
        }
        // Replay on the state the transaction saw (the parent block) to learn the reason.
        let replay = request.from(receipt.from);
        let reason = match self
            .provider()
            .call(replay)
            .block(BlockId::number(block.saturating_sub(1)))
            .await
        {
            Err(e) => Error::from_rpc(e).revert().cloned().map(Box::new),
            Ok(_) => None,
        };
        Err(Error::TxReverted { hash: receipt.transaction_hash, block, reason })
    }

    // ---- version ----

    /// The deployed token's `version()`.
    pub async fn version(&self) -> Result<String> {
        Ok(self.token.version().call().await?)
    }

    /// The version this SDK was built for.
    pub fn expected_version() -> &'static str {
        EXPECTED_VERSION
    }

    // ---- erc-20 ----

    /// WBX balance of `account`.
    pub async fn balance_of(&self, account: Address) -> Result<Amount> {
        Ok(self.token.balanceOf(account).call().await?.into())
    }

    /// Total WBX supply.
    pub async fn total_supply(&self) -> Result<Amount> {
        Ok(self.token.totalSupply().call().await?.into())
    }

    /// What `spender` may still move from `owner`.
    pub async fn allowance(&self, owner: Address, spender: Address) -> Result<Amount> {
        Ok(self.token.allowance(owner, spender).call().await?.into())
    }

    /// Sends `amount` WBX to `to`. Needs an active Trader grant.
    pub async fn transfer(&self, to: Address, amount: Amount) -> Result<Sent> {
        self.send(self.token.transfer(to, amount.raw())).await
    }

    /// Lets `spender` move up to `amount` of the signer's WBX. Needs an active Trader grant
    /// (except to approve zero).
    pub async fn approve(&self, spender: Address, amount: Amount) -> Result<Sent> {
        self.send(self.token.approve(spender, amount.raw())).await
    }

    /// Moves `amount` from `from` to `to` with the signer's allowance. Needs Trader grants for
    /// both `from` and the signer.
    pub async fn transfer_from(&self, from: Address, to: Address, amount: Amount) -> Result<Sent> {
        self.send(self.token.transferFrom(from, to, amount.raw())).await
    }

    /// Signs an EIP-2612 permit from the signer to `spender`, valid until `deadline`.
    pub async fn sign_permit(
        &self,
        spender: Address,
        amount: Amount,
        deadline: u64,
    ) -> Result<(u8, B256, B256)> {
        let signer = self.conn.signer().ok_or(Error::NoSigner)?;
        let owner = signer.address();
        let nonce = self.token.nonces(owner).call().await?;
        let permit =
            Permit { owner, spender, value: amount.raw(), nonce, deadline: U256::from(deadline) };
        let sig = signer
            .sign_hash(&permit.eip712_signing_hash(&self.domain()))
            .await
            .map_err(|e| Error::Other(format!("signing the permit failed: {e}")))?;
        Ok((27 + sig.v() as u8, sig.r().into(), sig.s().into()))
    }

    /// Relays a permit signed by `owner`.
    pub async fn permit(
        &self,
        owner: Address,
        spender: Address,
        amount: Amount,
        deadline: u64,
        (v, r, s): (u8, B256, B256),
    ) -> Result<Sent> {
        self.send(self.token.permit(owner, spender, amount.raw(), U256::from(deadline), v, r, s))
            .await
    }

    fn domain(&self) -> alloy::sol_types::Eip712Domain {
        eip712_domain! {
            name: "Webex Token",
            version: "1",
            chain_id: self.conn.chain_id(),
            verifying_contract: self.deployment.token,
        }
    }

    // ---- buckets ----

    /// Mints `amount` new WBX into the buckets by their shares. Admin only.
    pub async fn issue(&self, amount: Amount) -> Result<Sent> {
        self.send(self.token.issue(amount.raw())).await
    }

    /// Releases `amount` from `bucket` to `to`. Admin only.
    pub async fn allocate(&self, bucket: Bucket, to: Address, amount: Amount) -> Result<Sent> {
        self.send(self.token.allocate(bucket.index(), to, amount.raw())).await
    }

    /// Releases `amount` from `bucket` to `to` as the payment `reference`, at most once: the token
    /// refuses a second payment with the same reference (`WbxAlreadyPaid`). Admin only.
    pub async fn allocate_with_ref(
        &self,
        bucket: Bucket,
        to: Address,
        amount: Amount,
        reference: PaymentId,
    ) -> Result<Sent> {
        let call =
            self.token.allocateWithRef(bucket.index(), to, amount.raw(), reference.as_b256());
        self.send(call).await
    }

    /// Releases `amount` from `bucket` to `to` as the payment `reference`, exactly once: when the
    /// token already records that very payment (the same bucket, recipient and amount: a retry
    /// after a lost answer or a killed process), nothing is sent and the earlier payment is
    /// returned. A reference already used for another payment is [`Error::BadInput`].
    pub async fn allocate_once(
        &self,
        bucket: Bucket,
        to: Address,
        amount: Amount,
        reference: PaymentId,
    ) -> Result<Allocation> {
        let err = match self.allocate_with_ref(bucket, to, amount, reference).await {
            Ok(sent) => return Ok(Allocation::Paid(sent)),
            Err(e) => e,
        };
        let Some(Revert::Token(WebexTokenErrors::WbxAlreadyPaid(p))) = err.revert() else {
            return Err(err);
        };
        let earlier =
            crate::payment::recorded_in(self, reference, p.paidAtBlock.saturating_to()).await?;
        if earlier.pays(bucket, &[(to, amount.raw())]) {
            Ok(Allocation::AlreadyPaid(earlier))
        } else {
            Err(Error::BadInput(format!(
                "the payment reference {reference} was already used, for another payment, by transaction {} in block {}: give this payment a reference of its own (nothing was sent)",
                earlier.tx, earlier.block
            )))
        }
    }

    /// Releases to many recipients from `bucket` in one transaction, as the payment `id`, at most
    /// once. Admin only.
    pub async fn allocate_batch(
        &self,
        bucket: Bucket,
        payouts: &[(Address, Amount)],
        id: PaymentId,
    ) -> Result<Sent> {
        let (to, amounts): (Vec<_>, Vec<_>) = payouts.iter().map(|(a, m)| (*a, m.raw())).unzip();
        self.send(self.token.allocateBatch(bucket.index(), to, amounts, id.as_b256())).await
    }

    /// The block in which the payment `id` was made, if it was.
    pub async fn payment_block(&self, id: PaymentId) -> Result<Option<u64>> {
        let block = self.token.paymentBlock(id.as_b256()).call().await?;
        Ok((!block.is_zero()).then(|| block.saturating_to()))
    }

    /// All five buckets, in policy order.
    pub async fn buckets(&self) -> Result<Vec<BucketInfo>> {
        let raw = self.token.buckets().call().await?;
        Ok(raw
            .iter()
            .zip(Bucket::ALL)
            .map(|(b, bucket)| BucketInfo {
                bucket: *bucket,
                share_bps: b.shareBps,
                issued: b.issued.into(),
                released: b.released.into(),
                remaining: b.remaining.into(),
            })
            .collect())
    }

    /// One bucket.
    pub async fn bucket(&self, bucket: Bucket) -> Result<BucketInfo> {
        Ok(self.buckets().await?.swap_remove(bucket.index() as usize))
    }

    // ---- access ----

    /// Grants `role` to `account` for the duration of `kind`. Admin only (top admin for Admin).
    /// The Keeper role is permanent and goes through `grantRole` instead.
    pub async fn grant(&self, account: Address, role: Role, kind: GrantKind) -> Result<Sent> {
        if role == Role::Keeper {
            return self.send(self.token.grantRole(role.id(), account)).await;
        }
        self.send(self.token.grantAccess(account, role.id(), kind.index())).await
    }

    /// Revokes `account`'s grant of `role`, effective at once. Admin only.
    pub async fn revoke(&self, account: Address, role: Role) -> Result<Sent> {
        if role == Role::Keeper {
            return self.send(self.token.revokeRole(role.id(), account)).await;
        }
        self.send(self.token.revokeAccess(account, role.id())).await
    }

    /// Renews the signer's own Standard grant of `role`.
    pub async fn renew(&self, role: Role) -> Result<Sent> {
        self.send(self.token.renew(role.id())).await
    }

    /// Renews `account`'s Extended grant of `role`. Keeper only.
    pub async fn renew_for(&self, account: Address, role: Role) -> Result<Sent> {
        self.send(self.token.renewFor(account, role.id())).await
    }

    /// Renews the Extended grants of `role` of `accounts` in one transaction, skipping those that
    /// are no longer active and those it would not extend (an account named twice is renewed
    /// once). Keeper only. [`Wbx::renewed_in`] tells which were renewed.
    pub async fn renew_batch(&self, role: Role, accounts: &[Address]) -> Result<Sent> {
        self.send(self.token.renewBatch(role.id(), accounts.to_vec())).await
    }

    /// The accounts whose grants the mined transaction `sent` renewed, from its renewal events.
    pub async fn renewed_in(&self, sent: &Sent) -> Result<Vec<Address>> {
        use alloy::sol_types::SolEvent;
        let receipt =
            self.provider().get_transaction_receipt(sent.hash).await?.ok_or_else(|| {
                Error::Other(format!("the node has no receipt for {}", sent.hash))
            })?;
        let mut renewed = Vec::new();
        for log in receipt.inner.logs().iter().filter(|l| l.address() == self.deployment.token) {
            if let Ok(e) = WebexToken::AccessRenewedBatch::decode_log(&log.inner) {
                renewed.extend(e.data.accounts);
            } else if let Ok(e) = WebexToken::AccessRenewed::decode_log(&log.inner) {
                renewed.push(e.data.account);
            }
        }
        Ok(renewed)
    }

    /// Signs a renewal of the signer's Standard grant of `role`, for anyone to relay before
    /// `deadline` (the holder pays no gas).
    pub async fn sign_renewal(&self, role: Role, deadline: u64) -> Result<SignedRenewal> {
        let signer = self.conn.signer().ok_or(Error::NoSigner)?;
        let account = signer.address();
        let nonce = self.token.renewalNonce(account).call().await?;
        let msg = Renewal { account, role: role.id(), nonce, deadline: U256::from(deadline) };
        let signature = signer
            .sign_hash(&msg.eip712_signing_hash(&self.domain()))
            .await
            .map_err(|e| Error::Other(format!("signing the renewal failed: {e}")))?;
        Ok(SignedRenewal {
            account,
            role,
            nonce,
            deadline,
            signature: Bytes::from(signature.as_bytes().to_vec()),
        })
    }

    /// Relays a signed renewal (any signer may, and pays the gas).
    pub async fn relay_renewal(&self, renewal: &SignedRenewal) -> Result<Sent> {
        self.send(self.token.renewWithSig(
            renewal.account,
            renewal.role.id(),
            U256::from(renewal.deadline),
            renewal.signature.clone(),
        ))
        .await
    }

    /// Everything about `account`'s grant of `role`.
    pub async fn grant_of(&self, account: Address, role: Role) -> Result<Grant> {
        if role == Role::Keeper {
            let held = self.token.hasRole(role.id(), account).call().await?;
            return Ok(Grant::permanent(account, role, held));
        }
        let g = self.token.grantOf(account, role.id()).call().await?;
        Ok(Grant::from_view(account, role, &g))
    }

    /// The grants of `account` in every role.
    pub async fn grants_of(&self, account: Address) -> Result<Vec<Grant>> {
        let all =
            futures::future::try_join_all(Role::ALL.iter().map(|r| self.grant_of(account, *r)));
        Ok(all.await?.into_iter().filter(|g| g.status != GrantStatus::None).collect())
    }

    /// Who holds an active grant of `role` now, found from the grant events since deployment and
    /// confirmed against the contract.
    pub async fn holders(&self, role: Role) -> Result<Vec<Grant>> {
        let candidates = crate::events::grantees(self, role).await?;
        let grants =
            futures::future::try_join_all(candidates.into_iter().map(|a| self.grant_of(a, role)))
                .await?;
        Ok(grants.into_iter().filter(|g| g.status == GrantStatus::Active).collect())
    }

    /// Reverts with the precise reason unless `account` holds an active grant of `role`.
    pub async fn check_grant(&self, account: Address, role: Role) -> Result<()> {
        self.token.checkGrant(account, role.id()).call().await?;
        Ok(())
    }

    /// Whether `account` may act as an admin (top admin or active Admin grant).
    pub async fn is_admin(&self, account: Address) -> Result<bool> {
        Ok(self.token.isAdmin(account).call().await?)
    }

    /// The lifetimes of Standard and Extended grants, in seconds.
    pub async fn grant_durations(&self) -> Result<(u64, u64)> {
        let (s, e) =
            tokio::try_join!(async { self.token.standardDuration().call().await }, async {
                self.token.extendedDuration().call().await
            })?;
        Ok((s.saturating_to(), e.saturating_to()))
    }

    /// Sets the lifetimes of new and renewed grants. Admin only.
    pub async fn set_grant_durations(&self, standard: u64, extended: u64) -> Result<Sent> {
        self.send(self.token.setGrantDurations(U256::from(standard), U256::from(extended))).await
    }

    // ---- admin: pause, pools ----

    /// Whether token movement is paused.
    pub async fn is_paused(&self) -> Result<bool> {
        Ok(self.token.paused().call().await?)
    }

    /// Stops every token movement. Admin only.
    pub async fn pause(&self) -> Result<Sent> {
        self.send(self.token.pause()).await
    }

    /// Resumes token movement. Admin only.
    pub async fn unpause(&self) -> Result<Sent> {
        self.send(self.token.unpause()).await
    }

    /// Registers or unregisters a pool. Top admin only, and only a pool of this token (a contract
    /// whose `token()` is this token): anything else reverts `WbxInvalidPool`.
    pub async fn set_pool(&self, pool: Address, registered: bool) -> Result<Sent> {
        self.send(self.token.setPool(pool, registered)).await
    }

    /// Whether `account` is a registered pool.
    pub async fn is_pool(&self, account: Address) -> Result<bool> {
        Ok(self.token.isPool(account).call().await?)
    }

    /// The registered pools, as the token lists them (one call).
    pub async fn pools(&self) -> Result<Vec<Address>> {
        Ok(self.token.pools().call().await?)
    }

    /// The registered pools with who registered each and when, from the token's list and its
    /// `PoolRegistered` events since deployment.
    pub async fn registered_pools(&self) -> Result<Vec<PoolRegistration>> {
        let pools = self.pools().await?;
        let head = self.provider().get_block_number().await?;
        let events = self
            .token_events::<WebexToken::PoolRegistered>(self.deployment.deploy_block, head)
            .await?;
        Ok(pools
            .into_iter()
            .map(|pool| {
                let last = events.iter().rev().find(|(e, _)| e.pool == pool && e.registered);
                PoolRegistration {
                    pool,
                    deployment_pool: pool == self.deployment.pool,
                    registered_by: last.map(|(e, _)| e.sender),
                    block: last.and_then(|(_, l)| l.block_number),
                }
            })
            .collect())
    }

    // ---- pool ----

    /// Reserves, fee and pause state of the pool.
    pub async fn pool_state(&self) -> Result<PoolState> {
        let (reserves, fee, paused) = tokio::try_join!(
            async { self.pool.getReserves().call().await },
            async { self.pool.feeBps().call().await },
            async { self.pool.paused().call().await }
        )?;
        Ok(PoolState {
            reserve_wbx: U256::from(reserves.reserveWbx).into(),
            reserve_eth: U256::from(reserves.reserveEth).into(),
            fee_bps: fee,
            paused,
        })
    }

    /// Quotes a swap of `amount_in` at the current reserves, with the least acceptable output for a
    /// slippage of `slippage_bps` basis points.
    pub async fn quote(&self, side: Side, amount_in: Amount, slippage_bps: u64) -> Result<Quote> {
        let out = match side {
            Side::Buy => self.pool.quoteEthForWbx(amount_in.raw()).call().await?,
            Side::Sell => self.pool.quoteWbxForEth(amount_in.raw()).call().await?,
        };
        let state = self.pool_state().await?;
        let (reserve_in, reserve_out) = match side {
            Side::Buy => (state.reserve_eth.raw(), state.reserve_wbx.raw()),
            Side::Sell => (state.reserve_wbx.raw(), state.reserve_eth.raw()),
        };
        Ok(Quote {
            amount_in,
            amount_out: out.into(),
            min_out: min_out(out, slippage_bps).into(),
            price_impact_bps: price_impact_bps(amount_in.raw(), out, reserve_in, reserve_out),
        })
    }

    /// Buys WBX with `eth_in` ETH, accepting at least `min_wbx_out`, before `deadline`.
    pub async fn buy(&self, eth_in: Amount, min_wbx_out: Amount, deadline: u64) -> Result<Sent> {
        let to = self.sender()?;
        let call = self
            .pool
            .swapExactEthForWbx(min_wbx_out.raw(), to, U256::from(deadline))
            .value(eth_in.raw());
        self.send(call).await
    }

    /// Sells `wbx_in` WBX for at least `min_eth_out` ETH before `deadline`. Needs an allowance
    /// to the pool of at least `wbx_in`.
    pub async fn sell(&self, wbx_in: Amount, min_eth_out: Amount, deadline: u64) -> Result<Sent> {
        let to = self.sender()?;
        let call =
            self.pool.swapExactWbxForEth(wbx_in.raw(), min_eth_out.raw(), to, U256::from(deadline));
        self.send(call).await
    }

    /// Adds liquidity: up to `wbx` WBX and `eth` ETH at the current price (excess ETH comes back),
    /// the shares credited to the signer. Needs an active Trader grant.
    pub async fn add_liquidity(&self, wbx: Amount, eth: Amount, deadline: u64) -> Result<Sent> {
        let to = self.sender()?;
        let call = self
            .pool
            .addLiquidity(wbx.raw(), U256::ZERO, U256::ZERO, to, U256::from(deadline))
            .value(eth.raw());
        self.send(call).await
    }

    /// Burns `shares` liquidity shares for their part of both reserves. Needs an active Trader
    /// grant, as moving WBX does.
    pub async fn remove_liquidity(&self, shares: U256, deadline: u64) -> Result<Sent> {
        let to = self.sender()?;
        self.send(self.pool.removeLiquidity(
            shares,
            U256::ZERO,
            U256::ZERO,
            to,
            U256::from(deadline),
        ))
        .await
    }

    /// Liquidity shares of `provider`.
    pub async fn shares_of(&self, provider: Address) -> Result<U256> {
        Ok(self.pool.sharesOf(provider).call().await?)
    }

    /// Sets the pool fee in basis points. Developer only.
    pub async fn set_pool_fee(&self, fee_bps: u16) -> Result<Sent> {
        self.send(self.pool.setFee(fee_bps)).await
    }

    /// Pauses (`true`) or unpauses the pool. Developer only.
    pub async fn set_pool_paused(&self, paused: bool) -> Result<Sent> {
        if paused {
            self.send(self.pool.pause()).await
        } else {
            self.send(self.pool.unpause()).await
        }
    }

    /// ETH balance of `account`.
    pub async fn eth_balance(&self, account: Address) -> Result<Amount> {
        Ok(self.provider().get_balance(account).await?.into())
    }

    /// Simulates a call without sending it: `Ok` if it would succeed, the decoded revert if not.
    pub async fn simulate<D: CallDecoder>(&self, call: CallBuilder<&DynProvider, D>) -> Result<()> {
        call.call_raw().await.map(|_| ()).map_err(Error::from)
    }
}

/// The least acceptable output for `out` with `slippage_bps` of tolerance (rounded down).
pub fn min_out(out: U256, slippage_bps: u64) -> U256 {
    out * U256::from(10_000u64.saturating_sub(slippage_bps)) / U256::from(10_000u64)
}

/// Price impact of getting `out` for `amount_in` against the marginal price `reserve_out /
/// reserve_in`, in basis points, fee included: `1 - (out / in) / (reserve_out / reserve_in)`.
pub fn price_impact_bps(amount_in: U256, out: U256, reserve_in: U256, reserve_out: U256) -> u64 {
    if amount_in.is_zero() || reserve_out.is_zero() {
        return 0;
    }
    // out * reserve_in / (amount_in * reserve_out) is the realised fraction of the marginal price.
    let realised = out * reserve_in * U256::from(10_000u64) / (amount_in * reserve_out);
    10_000u64.saturating_sub(realised.saturating_to::<u64>())
}
