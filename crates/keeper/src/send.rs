//! Sending renewals so that each lands, once, well before expiry.
//!
//! - Each due grant is read again at the latest block (`grantOf`): one renewed a moment ago by
//!   another keeper, revoked, or expired is skipped, not sent.
//! - Grants are batched by role through `renewBatch`, and each batch is simulated first
//!   (`eth_call`); a batch that would renew nothing is not sent.
//! - Nonces are assigned locally; fees are EIP-1559 fees from the node's fee history. Each
//!   transaction is signed locally and saved in the state *before* it is broadcast, so a restart
//!   finds it and waits for it (or replaces it) instead of renewing the same grants again.
//! - A transaction not mined within `replace_after` is replaced: the same nonce, both fees raised by
//!   at least 12.5% (and to at least the node's current estimate). Any of the versions may be the
//!   one mined; the receipt says which.
//! - Broadcasts are retried with backoff on transient RPC errors.

use crate::{
    daemon::Stop,
    error::{Error, Result},
    metrics::{self, Metrics},
    plan::GrantRef,
    state::{Attempt, KeeperState, PendingTx, Store},
};
use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, Bytes, TxHash},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolEvent,
};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use std::{sync::Arc, time::Duration};
use wbx_contracts::WebexToken;
use wbx_sdk::{
    Error as SdkError, GrantKind, GrantStatus, Role, Wbx,
    tx::{Broadcast, Fate, Settled},
};

/// How renewals are sent.
#[derive(Debug, Clone, Copy)]
pub struct SendConfig {
    /// Grants per `renewBatch` transaction.
    pub batch_size: usize,
    /// A transaction not mined after this long is replaced with bumped fees.
    pub replace_after: Duration,
    /// The longest wait between two looks at the transactions in flight.
    pub poll: Duration,
    /// Renewal transactions in flight at once.
    pub max_in_flight: usize,
    /// After a shutdown request, how long to keep waiting for transactions in flight.
    pub shutdown_grace: Duration,
    /// The most the keeper offers per gas (max fee, wei), fee bumps included; `None`: no cap.
    pub max_fee_cap: Option<u128>,
}

/// `(max fee, max priority fee)` held to the operator's cap: the priority fee never above the
/// max fee. `None` when the cap is below `base_fee`, where a transaction would only wait in the pool.
pub fn capped_fees(fees: (u128, u128), cap: Option<u128>, base_fee: u128) -> Option<(u128, u128)> {
    let Some(cap) = cap else { return Some(fees) };
    if cap <= base_fee {
        return None;
    }
    let max_fee = fees.0.min(cap);
    Some((max_fee, fees.1.min(max_fee)))
}

/// A due grant that was not sent, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skip {
    /// The role.
    pub role: Role,
    /// The holder.
    pub account: Address,
    /// Why.
    pub reason: String,
}

/// A mined renewal transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewal {
    /// The role.
    pub role: Role,
    /// The holders renewed.
    pub renewed: Vec<Address>,
    /// The holders in the batch that the contract skipped (no longer active Extended grants).
    pub skipped: Vec<Address>,
    /// The new expiry.
    pub expires_at: u64,
    /// The transaction mined.
    pub tx: TxHash,
    /// Its nonce.
    pub nonce: u64,
    /// Its block.
    pub block: u64,
    /// Gas it used.
    pub gas_used: u64,
    /// How many fee-bumped replacements were sent before it was mined.
    pub replacements: usize,
}

/// What became of a transaction in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Mined and successful.
    Mined(Renewal),
    /// Mined and reverted, or its nonce used by another transaction: its grants are due again.
    Failed(String),
}

/// Raises a fee by 12.5%, rounded up, and by at least 1 wei.
pub fn bump(fee: u128) -> u128 {
    fee.saturating_add(fee.div_ceil(8).max(1))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Signs and sends renewals for one keeper account.
#[derive(Debug)]
pub struct Sender {
    wbx: Wbx,
    wallet: EthereumWallet,
    from: Address,
    next_nonce: Option<u64>,
    metrics: Arc<Metrics>,
    /// The nonce last reported as held at the fee cap (to warn once, not every look).
    capped: Option<u64>,
}

impl Sender {
    /// A sender signing with `wbx`'s signer.
    pub fn new(wbx: &Wbx, metrics: Arc<Metrics>) -> Result<Self> {
        let signer = wbx.connection().signer().ok_or(SdkError::NoSigner)?.clone();
        Ok(Self {
            wbx: wbx.clone(),
            from: signer.address(),
            wallet: EthereumWallet::from(signer),
            next_nonce: None,
            metrics,
            capped: None,
        })
    }

    /// The keeper account.
    pub fn address(&self) -> Address {
        self.from
    }

    /// Forgets the local nonce, to take it from the chain again at the next send.
    pub fn resync_nonce(&mut self) {
        self.next_nonce = None;
    }

    /// Reads every due grant again at the latest block; keeps those still active Extended grants
    /// with at most `margin` seconds left.
    pub async fn revalidate(
        &self,
        due: &[GrantRef],
        margin: u64,
    ) -> Result<(Vec<GrantRef>, Vec<Skip>)> {
        let now = self.wbx.now().await?;
        let fresh: Vec<wbx_sdk::Grant> = stream::iter(due)
            .map(|g| self.wbx.grant_of(g.account, g.role))
            .buffered(32)
            .try_collect()
            .await?;
        let (mut keep, mut skip) = (Vec::new(), Vec::new());
        for (g, f) in due.iter().zip(fresh) {
            let reason = match (f.kind, f.status) {
                (Some(GrantKind::Extended), GrantStatus::Active)
                    if f.expires_at.saturating_sub(now) <= margin =>
                {
                    keep.push(GrantRef { expires_at: f.expires_at, ..*g });
                    continue;
                }
                (Some(GrantKind::Extended), GrantStatus::Active) => format!(
                    "already renewed until {} (by {})",
                    wbx_sdk::error::format_time(f.expires_at),
                    f.renewed_by.map(|a| a.to_string()).unwrap_or_else(|| "its granter".into())
                ),
                (_, GrantStatus::Revoked) => "revoked".into(),
                (_, GrantStatus::Expired) => "expired".into(),
                (Some(GrantKind::Standard), _) => "a Standard grant".into(),
                _ => "no grant".into(),
            };
            skip.push(Skip { role: g.role, account: g.account, reason });
        }
        Ok((keep, skip))
    }

    /// EIP-1559 fees `(max fee, max priority fee)` from the node's fee history.
    pub async fn fees(&self) -> Result<(u128, u128)> {
        let est = self.wbx.provider().estimate_eip1559_fees().await?;
        Ok((est.max_fee_per_gas, est.max_priority_fee_per_gas))
    }

    /// Simulates `renewBatch(role, accounts)` at the latest block: how many it would renew.
    pub async fn simulate(&self, role: Role, accounts: &[Address]) -> Result<u64> {
        let call = self.wbx.token().renewBatch(role.id(), accounts.to_vec()).from(self.from);
        let renewed = call.call().await.map_err(SdkError::from)?;
        Ok(renewed.saturating_to())
    }

    /// Signs `renewBatch(role, accounts)` with the next nonce, saves it as pending, broadcasts it.
    pub async fn send_batch(
        &mut self,
        state: &mut KeeperState,
        store: &Store,
        role: Role,
        accounts: Vec<Address>,
        fees: (u128, u128),
    ) -> Result<TxHash> {
        let call = self.wbx.token().renewBatch(role.id(), accounts.clone()).from(self.from);
        let estimate = call.estimate_gas().await.map_err(SdkError::from)?;
        let gas_limit = estimate + estimate / 5 + 10_000;
        let nonce = self.nonce(state).await?;
        let since_block = self.wbx.provider().get_block_number().await.map_err(SdkError::from)?;
        let (max_fee, priority_fee) = fees;
        let attempt = self.sign(nonce, gas_limit, role, &accounts, max_fee, priority_fee).await?;
        let hash = attempt.hash;
        let n = accounts.len() as u64;
        state.pending.push(PendingTx {
            nonce,
            role,
            accounts,
            gas_limit,
            attempts: vec![attempt],
            since_block,
        });
        store.save_pending(state)?;
        self.next_nonce = Some(nonce + 1);
        let raw = state.pending.last().expect("just pushed").latest().raw.clone();
        match self.broadcast(hash, &raw).await {
            Ok(_) => {}
            // Refused by the node: it will never be mined. Forget it, and the nonce with it.
            Err(
                e @ (SdkError::InsufficientFunds { .. }
                | SdkError::FeeBelowBaseFee { .. }
                | SdkError::Revert(_)),
            ) => {
                state.pending.retain(|p| p.latest().hash != hash);
                store.save_pending(state)?;
                self.next_nonce = None;
                return Err(e.into());
            }
            // It may have reached the node all the same: keep it in flight; the wait decides
            // (mined, or replaced with bumped fees once it is overdue).
            Err(e) => {
                metrics::add(&self.metrics.failures, 1);
                tracing::warn!(%role, nonce, %hash, error = %e, "broadcast uncertain; waiting for it");
            }
        }
        metrics::add(&self.metrics.renewal_txs_sent, 1);
        metrics::add(&self.metrics.renewals_sent, n);
        metrics::set(&self.metrics.pending_txs, state.pending.len() as u64);
        tracing::info!(%role, grants = n, nonce, %hash, max_fee, priority_fee, "renewal sent");
        Ok(hash)
    }

    /// Broadcasts the newest version of every transaction in flight again (after a restart; the
    /// node may have lost them). Errors are logged, not returned: the wait that follows decides.
    pub async fn rebroadcast(&self, state: &KeeperState) {
        for p in &state.pending {
            let a = p.latest();
            if let Err(e) = self.broadcast(a.hash, &a.raw).await {
                tracing::debug!(nonce = p.nonce, hash = %a.hash, error = %e, "rebroadcast refused");
            }
        }
    }

    /// Waits for the transactions in flight until at most `leave` remain, replacing stuck ones.
    /// After a shutdown request it keeps waiting for the grace period, then returns with what is
    /// still in flight saved in the state.
    pub async fn drive(
        &mut self,
        state: &mut KeeperState,
        store: &Store,
        cfg: &SendConfig,
        stop: &Stop,
        leave: usize,
    ) -> Result<Vec<Outcome>> {
        let mut outcomes = Vec::new();
        let mut delay = Duration::from_millis(20);
        let max_delay = cfg.poll.clamp(Duration::from_millis(20), Duration::from_secs(1));
        while state.pending.len() > leave {
            if stop.elapsed().is_some_and(|e| e >= cfg.shutdown_grace) {
                tracing::warn!(
                    in_flight = state.pending.len(),
                    "shutting down with renewals in flight: the next start resumes them"
                );
                break;
            }
            // The account's mined nonce is the cheap first look: a transaction at or above it is
            // not mined yet (as far as this backend knows), and only waits or is bumped. Below it,
            // the SDK's settlement decides from evidence: mined (with a receipt), or replaced
            // (another transaction found at that nonce); a receipt not served yet is neither.
            let mined = match self.mined_nonce().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the keeper's nonce; retrying");
                    tokio::time::sleep(max_delay).await;
                    continue;
                }
            };
            let mut i = 0;
            let mut progressed = false;
            while i < state.pending.len() {
                let (nonce, stale) = {
                    let p = &state.pending[i];
                    let age = now_ms().saturating_sub(p.latest().sent_at_ms);
                    (p.nonce, age >= cfg.replace_after.as_millis() as u64)
                };
                if nonce < mined || stale {
                    let tracked = state.pending[i].tracked(self.from);
                    let fate = match wbx_sdk::tx::fate(self.wbx.provider(), &tracked).await {
                        Ok(fate) => fate,
                        Err(e) => {
                            tracing::warn!(nonce, error = %e, "cannot look the renewal up; retrying");
                            i += 1;
                            continue;
                        }
                    };
                    match fate {
                        Fate::Mined(receipt) => {
                            let p = state.pending.remove(i);
                            outcomes.push(self.outcome(p, Settled::Mined(receipt)));
                            store.save_pending(state)?;
                            progressed = true;
                            continue;
                        }
                        Fate::Replaced { by, block } => {
                            let p = state.pending.remove(i);
                            outcomes.push(self.outcome(p, Settled::Replaced { by, block }));
                            store.save_pending(state)?;
                            progressed = true;
                            continue;
                        }
                        // The node lost it: the same bytes again (same nonce, same hash), and
                        // its wait starts over. Only if the node refuses them (a fee now below the
                        // base fee, say) is it replaced with bumped fees.
                        Fate::Dropped => {
                            let a = state.pending[i].latest().clone();
                            match self.broadcast(a.hash, &a.raw).await {
                                Ok(_) => {
                                    tracing::info!(nonce, hash = %a.hash, "renewal dropped by the node: sent again");
                                    if let Some(last) = state.pending[i].attempts.last_mut() {
                                        last.sent_at_ms = now_ms();
                                    }
                                }
                                Err(e) => {
                                    tracing::warn!(nonce, hash = %a.hash, error = %e, "the node refuses the dropped renewal: replacing it");
                                    self.replace(state, i, store, cfg.max_fee_cap).await?;
                                }
                            }
                        }
                        // Known to the node, not mined as far as any answer shows, and overdue:
                        // bump. (A version seen in a block only waits for its receipt: bumping it
                        // would replace nothing.)
                        Fate::Pending { in_block: None } if stale && nonce >= mined => {
                            self.replace(state, i, store, cfg.max_fee_cap).await?;
                        }
                        Fate::Pending { .. } => {}
                    }
                }
                i += 1;
            }
            metrics::set(&self.metrics.pending_txs, state.pending.len() as u64);
            if state.pending.len() <= leave {
                break;
            }
            if progressed {
                delay = Duration::from_millis(20);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max_delay);
        }
        if state.pending.is_empty() {
            // Nothing of ours in flight: the chain's count is the truth again at the next send.
            self.next_nonce = None;
        }
        Ok(outcomes)
    }

    /// What a settled renewal did. "Replaced" comes only with the other transaction in hand.
    fn outcome(&self, p: PendingTx, settled: Settled) -> Outcome {
        let r = match settled {
            Settled::Mined(r) => r,
            Settled::Replaced { by, block } => {
                metrics::add(&self.metrics.failures, 1);
                let msg = format!(
                    "renewal nonce {} ({} {} grants) was replaced by {by}, another transaction of the keeper account in block {block}: its grants are due again",
                    p.nonce,
                    p.accounts.len(),
                    p.role
                );
                tracing::warn!("{msg}");
                return Outcome::Failed(msg);
            }
        };
        let block = r.block_number.unwrap_or_default();
        if !r.status() {
            metrics::add(&self.metrics.failures, 1);
            let msg = format!(
                "renewal {} reverted in block {block}: its {} grants are due again",
                r.transaction_hash,
                p.accounts.len()
            );
            tracing::warn!("{msg}");
            return Outcome::Failed(msg);
        }
        let token = self.wbx.deployment().token;
        let mut renewed = Vec::new();
        let mut expires_at = 0;
        for log in r.inner.logs().iter().filter(|l| l.address() == token) {
            if let Ok(e) = WebexToken::AccessRenewedBatch::decode_log(&log.inner) {
                expires_at = e.data.expiresAt.saturating_to();
                renewed.extend(e.data.accounts.iter().copied());
            }
        }
        let skipped = p.accounts.iter().filter(|a| !renewed.contains(a)).copied().collect();
        let replacements =
            p.attempts.iter().position(|a| a.hash == r.transaction_hash).unwrap_or_default();
        metrics::add(&self.metrics.renewal_txs_mined, 1);
        metrics::add(&self.metrics.renewals_mined, renewed.len() as u64);
        tracing::info!(
            role = %p.role,
            renewed = renewed.len(),
            tx = %r.transaction_hash,
            block,
            gas_used = r.gas_used,
            replacements,
            "renewal mined"
        );
        Outcome::Mined(Renewal {
            role: p.role,
            renewed,
            skipped,
            expires_at,
            tx: r.transaction_hash,
            nonce: p.nonce,
            block,
            gas_used: r.gas_used,
            replacements,
        })
    }

    /// Replaces `state.pending[i]`: same nonce and call, both fees bumped by at least 12.5% and
    /// to at least the node's current estimate.
    /// With a fee cap, the bump stops at the cap; a transaction already at the cap waits for the
    /// base fee to fall (logged once).
    async fn replace(
        &mut self,
        state: &mut KeeperState,
        i: usize,
        store: &Store,
        cap: Option<u128>,
    ) -> Result<()> {
        let (nonce, role, accounts, gas_limit, old) = {
            let p = &state.pending[i];
            (p.nonce, p.role, p.accounts.clone(), p.gas_limit, p.latest().clone())
        };
        if let Some(cap) = cap
            && old.max_fee >= cap
        {
            if self.capped != Some(nonce) {
                self.capped = Some(nonce);
                tracing::warn!(
                    nonce, hash = %old.hash, max_fee = old.max_fee, cap,
                    "renewal not mined and already at the --max-fee cap: waiting for the base fee to fall"
                );
            }
            return Ok(());
        }
        let est = self.wbx.provider().estimate_eip1559_fees().await?;
        let priority_fee = bump(old.priority_fee).max(est.max_priority_fee_per_gas);
        let max_fee = bump(old.max_fee).max(est.max_fee_per_gas).max(priority_fee);
        let (max_fee, priority_fee) = match cap {
            Some(cap) => (max_fee.min(cap), priority_fee.min(cap)),
            None => (max_fee, priority_fee),
        };
        let attempt = self.sign(nonce, gas_limit, role, &accounts, max_fee, priority_fee).await?;
        let (hash, raw) = (attempt.hash, attempt.raw.clone());
        state.pending[i].attempts.push(attempt);
        store.save_pending(state)?;
        match self.broadcast(hash, &raw).await {
            Ok(Broadcast::Accepted) => {
                metrics::add(&self.metrics.replacements, 1);
                tracing::warn!(
                    nonce, %hash, old = %old.hash, max_fee, priority_fee,
                    "renewal not mined in time: replaced with bumped fees"
                );
            }
            // The nonce is used (an earlier version was mined meanwhile), or no answer came:
            // nothing was replaced that the chain shows; the next look decides.
            Ok(outcome) => {
                tracing::debug!(nonce, %hash, ?outcome, "replacement not taken; the next look decides");
            }
            // Outbid, or the base fee rose past it before it arrived: the next look decides, and
            // bumps again from this attempt (and the newer estimate) if needed. Whatever the node
            // says, the earlier versions stay valid, so the wait goes on.
            Err(e) => {
                metrics::add(&self.metrics.failures, 1);
                tracing::warn!(nonce, %hash, error = %e, "replacement refused; will bump again");
            }
        }
        Ok(())
    }

    async fn sign(
        &self,
        nonce: u64,
        gas_limit: u64,
        role: Role,
        accounts: &[Address],
        max_fee: u128,
        priority_fee: u128,
    ) -> Result<Attempt> {
        let data = self.wbx.token().renewBatch(role.id(), accounts.to_vec()).calldata().clone();
        let request = TransactionRequest::default()
            .from(self.from)
            .to(self.wbx.deployment().token)
            .with_input(data)
            .nonce(nonce)
            .with_chain_id(self.wbx.connection().chain_id())
            .gas_limit(gas_limit)
            .max_fee_per_gas(max_fee)
            .max_priority_fee_per_gas(priority_fee);
        let envelope = <EthereumWallet as NetworkWallet<alloy::network::Ethereum>>::sign_request(
            &self.wallet,
            request,
        )
        .await
        .map_err(|e| SdkError::Other(format!("signing the renewal failed: {e}")))?;
        Ok(Attempt {
            hash: *envelope.tx_hash(),
            max_fee,
            priority_fee,
            raw: Bytes::from(envelope.encoded_2718()),
            sent_at_ms: now_ms(),
        })
    }

    /// The next nonce: the local one, or the chain's mined count (above anything still pending).
    async fn nonce(&mut self, state: &KeeperState) -> Result<u64> {
        if let Some(n) = self.next_nonce {
            return Ok(n);
        }
        let chain = self.mined_nonce().await?;
        let local = state.pending.iter().map(|p| p.nonce + 1).max().unwrap_or(0);
        Ok(chain.max(local))
    }

    async fn mined_nonce(&self) -> Result<u64> {
        Ok(self.wbx.provider().get_transaction_count(self.from).latest().await?)
    }

    /// Sends raw bytes by the SDK's one broadcast rule ([`wbx_sdk::tx::broadcast`]): only a
    /// refusal by the node is an error; a lost answer or "nonce too low" is left to the wait,
    /// which looks the transaction up.
    async fn broadcast(&self, _hash: TxHash, raw: &[u8]) -> Result<Broadcast, SdkError> {
        wbx_sdk::tx::broadcast(self.wbx.provider(), raw).await
    }
}

/// Groups grants by role and cuts them into batches of at most `size`.
pub fn batches(due: &[GrantRef], size: usize) -> Vec<(Role, Vec<Address>)> {
    let mut by_role: std::collections::BTreeMap<Role, Vec<Address>> = Default::default();
    for g in due {
        by_role.entry(g.role).or_default().push(g.account);
    }
    by_role
        .into_iter()
        .flat_map(|(role, accounts)| {
            accounts.chunks(size.max(1)).map(|c| (role, c.to_vec())).collect::<Vec<_>>()
        })
        .collect()
}

/// Error for a batch whose simulation failed: why, in words.
pub fn simulation_failure(role: Role, n: usize, e: &Error) -> String {
    format!("the simulation of a renewal of {n} {role} grants failed, nothing sent: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_held_to_the_cap_and_refused_below_the_base_fee() {
        assert_eq!(capped_fees((100, 2), None, 50), Some((100, 2)));
        assert_eq!(capped_fees((100, 2), Some(80), 50), Some((80, 2)));
        assert_eq!(capped_fees((100, 90), Some(80), 50), Some((80, 80)));
        assert_eq!(capped_fees((100, 2), Some(200), 50), Some((100, 2)));
        assert_eq!(capped_fees((100, 2), Some(50), 50), None, "a cap at the base fee never lands");
    }

    #[test]
    fn a_bump_is_at_least_twelve_and_a_half_percent() {
        assert_eq!(bump(8), 9);
        assert_eq!(bump(9), 11);
        assert_eq!(bump(0), 1);
        assert_eq!(bump(1_000_000_000), 1_125_000_000);
        for fee in [1u128, 7, 100, 12_345_678_901] {
            assert!(bump(fee) * 1000 >= fee * 1125, "{fee}");
        }
    }

    #[test]
    fn batches_group_by_role_and_cut() {
        let g = |role, n| GrantRef { role, account: Address::with_last_byte(n), expires_at: 0 };
        let due = [g(Role::Trader, 1), g(Role::Auditor, 2), g(Role::Trader, 3), g(Role::Trader, 4)];
        let b = batches(&due, 2);
        assert_eq!(b.len(), 3);
        assert_eq!(b.iter().map(|(_, a)| a.len()).sum::<usize>(), 4);
        assert!(b.iter().all(|(role, a)| *role == Role::Trader || a.len() == 1));
    }
}
