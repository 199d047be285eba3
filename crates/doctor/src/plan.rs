//! A planned transaction (`wbx doctor transfer|approve|transfer-from|swap|allocate|renew|renew-for`):
//! one batch reads the state every check needs, a second simulates the call and estimates its gas.

use crate::{
    Check, Diagnosis, Doctor, Result, SafeFix, Status,
    fees::{Fees, HISTORY_BLOCKS, gas_checks},
    fixes::{issue_for, simulation_check},
    grants::{
        admin_check, grant_check, mover_check, pool_registration_check, renew_kind_check, short,
    },
    rpc::{Answer, Reads},
    short_duration,
};
use alloy::{
    primitives::{Address, Bytes, U256},
    rpc::{client::Waiter, types::TransactionRequest},
    sol_types::SolCall,
};
use std::time::Instant;
use wbx_contracts::{WbxPool, WebexToken};
use wbx_sdk::{Amount, Bucket, Grant, Role, Side, client::min_out, error::format_time};

/// What the planned transaction does: the same arguments as the real `wbx` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `wbx transfer TO AMOUNT`.
    Transfer {
        /// The recipient.
        to: Address,
        /// WBX to send.
        amount: Amount,
    },
    /// `wbx approve SPENDER AMOUNT`.
    Approve {
        /// The spender.
        spender: Address,
        /// The allowance.
        amount: Amount,
    },
    /// `wbx transfer-from OWNER TO AMOUNT`.
    TransferFrom {
        /// Whose WBX move.
        owner: Address,
        /// The recipient.
        to: Address,
        /// WBX to move.
        amount: Amount,
    },
    /// `wbx swap buy|sell AMOUNT --slippage S --deadline D`.
    Swap {
        /// Buy (ETH in) or sell (WBX in).
        side: Side,
        /// What goes in.
        amount: Amount,
        /// Tolerated slippage in basis points.
        slippage_bps: u64,
        /// How long the swap may wait to be mined, in seconds.
        deadline_secs: u64,
        /// A fixed minimum output (as a pre-built transaction would carry), instead of the one
        /// the slippage gives against the current quote.
        min_out: Option<Amount>,
        /// A fixed deadline (unix seconds), instead of now + `deadline_secs`.
        deadline_at: Option<u64>,
        /// For a sell: approve the pool for exactly `amount` first when the allowance is short
        /// (the real command's `--approve`).
        approve: bool,
    },
    /// `wbx allocate BUCKET TO AMOUNT`.
    Allocate {
        /// The bucket.
        bucket: Bucket,
        /// The recipient.
        to: Address,
        /// WBX to release.
        amount: Amount,
    },
    /// `wbx access renew ROLE`: the signer renews its own Standard grant.
    Renew {
        /// The role.
        role: Role,
    },
    /// `wbx access renew-for ROLE ACCOUNT...`: a keeper renews Extended grants.
    RenewFor {
        /// The role.
        role: Role,
        /// The holders.
        accounts: Vec<Address>,
    },
}

/// A planned transaction: who sends it, what it does, and the fees they mean to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The sender.
    pub from: Address,
    /// What it does.
    pub action: Action,
    /// The max fee per gas they mean to pay, in wei (`None`: what wbx would pay).
    pub max_fee: Option<u128>,
    /// The max priority fee per gas, in wei.
    pub priority_fee: Option<u128>,
}

impl Plan {
    /// A plan paying the fees wbx would pay.
    pub fn new(from: Address, action: Action) -> Self {
        Self { from, action, max_fee: None, priority_fee: None }
    }

    /// The real command, for fixes (`wallet`: the signer's flags).
    pub fn command(&self, pool: Address, wallet: &str) -> String {
        let cmd = match &self.action {
            Action::Transfer { to, amount } => format!("wbx transfer {to} {amount}"),
            Action::Approve { spender, amount } => {
                let s = if *spender == pool { "pool".into() } else { spender.to_string() };
                format!("wbx approve {s} {amount}")
            }
            Action::TransferFrom { owner, to, amount } => {
                format!("wbx transfer-from {owner} {to} {amount}")
            }
            Action::Swap { side, amount, slippage_bps, deadline_secs, .. } => format!(
                "wbx swap {} {amount} --slippage {} --deadline {}s",
                side_name(*side),
                bps_percent(*slippage_bps),
                deadline_secs
            ),
            Action::Allocate { bucket, to, amount } => {
                format!("wbx allocate {bucket} {to} {amount}")
            }
            Action::Renew { role } => format!("wbx access renew {role}"),
            Action::RenewFor { role, accounts } => format!(
                "wbx access renew-for {role} {}",
                accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" ")
            ),
        };
        format!("{cmd} {wallet}")
    }

    fn describe(&self) -> String {
        let from = self.from;
        match &self.action {
            Action::Transfer { to, amount } => format!("transfer {amount} WBX from {from} to {to}"),
            Action::Approve { spender, amount } => {
                format!("approve {spender} to spend {amount} WBX of {from}")
            }
            Action::TransferFrom { owner, to, amount } => {
                format!("transfer-from: {from} moves {amount} WBX from {owner} to {to}")
            }
            Action::Swap { side: Side::Buy, amount, .. } => {
                format!("swap: {from} buys WBX with {amount} ETH")
            }
            Action::Swap { side: Side::Sell, amount, .. } => {
                format!("swap: {from} sells {amount} WBX for ETH")
            }
            Action::Allocate { bucket, to, amount } => {
                format!("allocate {amount} WBX from {bucket} to {to}, by {from}")
            }
            Action::Renew { role } => format!("renew the {role} grant of {from}"),
            Action::RenewFor { role, accounts } => {
                format!("keeper {from} renews the {role} grants of {} account(s)", accounts.len())
            }
        }
    }

    /// Whether the action moves tokens (and so stops while the token is paused).
    fn moves_tokens(&self) -> bool {
        !matches!(
            self.action,
            Action::Approve { .. } | Action::Renew { .. } | Action::RenewFor { .. }
        )
    }
}

fn side_name(s: Side) -> &'static str {
    match s {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

/// `50` basis points read `0.5`.
pub(crate) fn bps_percent(bps: u64) -> String {
    Amount::from_raw(U256::from(bps)).format_with_decimals(2)
}

/// A `grantOf` (or `hasRole` for the keeper) read in flight.
struct GrantRead {
    id: &'static str,
    account: Address,
    role: Role,
    mine: bool,
    waiter: Waiter<Bytes>,
}

fn read_grant(
    r: &mut Reads<'_>,
    token: Address,
    id: &'static str,
    account: Address,
    role: Role,
    mine: bool,
) -> GrantRead {
    let waiter = if role == Role::Keeper {
        r.call(account, token, &WebexToken::hasRoleCall::new((role.id(), account)))
    } else {
        r.call(account, token, &WebexToken::grantOfCall::new((account, role.id())))
    };
    GrantRead { id, account, role, mine, waiter }
}

async fn grant_of(g: GrantRead) -> Result<(&'static str, Grant, bool)> {
    let answer = Answer::of(g.waiter).await;
    let grant = if g.role == Role::Keeper {
        Grant::permanent(
            g.account,
            g.role,
            answer.decode::<WebexToken::hasRoleCall>().unwrap_or(false),
        )
    } else {
        let info = answer.decode::<WebexToken::grantOfCall>().ok_or_else(|| {
            wbx_sdk::Error::Other(format!(
                "the token did not answer grantOf ({answer:?}): is it WBX? try `wbx doctor token`"
            ))
        })?;
        Grant::from_view(g.account, g.role, &info)
    };
    Ok((g.id, grant, g.mine))
}

impl Doctor {
    /// Diagnoses a planned transaction: every check that applies, then the simulation. Three round
    /// trips with the connection: the chain id, the state, the simulation.
    pub async fn plan(&self, plan: &Plan) -> Result<Diagnosis> {
        let started = Instant::now();
        let before = self.round_trips();
        let d = self.deployment()?;
        let (token, pool, from) = (d.token, d.pool, plan.from);
        let wallet = self.wallet().to_string();
        let command = plan.command(pool, &wallet);

        // ---- one batch: every read the checks need ----
        let mut r = Reads::new(self.client());
        let block_w = r.latest_block();
        let history_w = r.fee_history(HISTORY_BLOCKS);
        let eth_w = r.balance(from);
        let paused_w = r.call(from, token, &WebexToken::pausedCall {});
        let mut grants = Vec::new();
        let mut holder_w = None; // (holder, balanceOf)
        let mut allowance_w = None; // (owner, spender, allowance)
        let mut bucket_w = None;
        let mut admin_w = None;
        let mut swap_w = None; // (pool paused, quote)
        // Accounts WBX would leave: the token lets a registered pool move without a Trader grant,
        // and a Developer grant explains a refusal. (check id, isPool, Developer grant)
        let mut movers = Vec::new();
        let mut mover = |r: &mut Reads<'_>, id: &'static str, account: Address| {
            let pool_w = r.call(from, token, &WebexToken::isPoolCall::new((account,)));
            movers.push((id, pool_w, read_grant(r, token, id, account, Role::Developer, false)));
        };
        let mut pool_registered_w = None;
        match &plan.action {
            Action::Transfer { .. } => {
                mover(&mut r, "grant", from);
                grants.push(read_grant(&mut r, token, "grant", from, Role::Trader, true));
                holder_w =
                    Some((from, r.call(from, token, &WebexToken::balanceOfCall::new((from,)))));
            }
            Action::Approve { amount, .. } => {
                if !amount.raw().is_zero() {
                    grants.push(read_grant(&mut r, token, "grant", from, Role::Trader, true));
                }
            }
            Action::TransferFrom { owner, .. } => {
                mover(&mut r, "grant", from);
                mover(&mut r, "grant-owner", *owner);
                grants.push(read_grant(&mut r, token, "grant", from, Role::Trader, true));
                grants.push(read_grant(&mut r, token, "grant-owner", *owner, Role::Trader, false));
                holder_w =
                    Some((*owner, r.call(from, token, &WebexToken::balanceOfCall::new((*owner,)))));
                allowance_w = Some((
                    *owner,
                    from,
                    r.call(from, token, &WebexToken::allowanceCall::new((*owner, from))),
                ));
            }
            Action::Swap { side, amount, .. } => {
                grants.push(read_grant(&mut r, token, "grant", from, Role::Trader, true));
                let quote = match side {
                    Side::Buy => {
                        r.call(from, pool, &WbxPool::quoteEthForWbxCall::new((amount.raw(),)))
                    }
                    Side::Sell => {
                        r.call(from, pool, &WbxPool::quoteWbxForEthCall::new((amount.raw(),)))
                    }
                };
                swap_w = Some((r.call(from, pool, &WbxPool::pausedCall {}), quote));
                pool_registered_w =
                    Some(r.call(from, token, &WebexToken::isPoolCall::new((pool,))));
                if *side == Side::Sell {
                    holder_w =
                        Some((from, r.call(from, token, &WebexToken::balanceOfCall::new((from,)))));
                    allowance_w = Some((
                        from,
                        pool,
                        r.call(from, token, &WebexToken::allowanceCall::new((from, pool))),
                    ));
                }
            }
            Action::Allocate { bucket, .. } => {
                grants.push(read_grant(&mut r, token, "grant", from, Role::Admin, true));
                admin_w = Some(r.call(from, token, &WebexToken::isAdminCall::new((from,))));
                bucket_w = Some(r.call(
                    from,
                    token,
                    &WebexToken::bucketRemainingCall::new((bucket.index(),)),
                ));
            }
            Action::Renew { role } => {
                grants.push(read_grant(&mut r, token, "grant", from, *role, true));
            }
            Action::RenewFor { role, accounts } => {
                grants.push(read_grant(&mut r, token, "keeper-role", from, Role::Keeper, true));
                for a in accounts {
                    grants.push(read_grant(&mut r, token, "grant", *a, *role, false));
                }
            }
        }
        r.send().await?;

        let block = block_w
            .await?
            .ok_or_else(|| wbx_sdk::Error::Other("the node returned no latest block".into()))?;
        let now = block.header.timestamp;
        let fees = Fees::from_history(&history_w.await?);
        let eth_balance = eth_w.await?;
        let token_paused = Answer::of(paused_w).await.decode::<WebexToken::pausedCall>();
        let mut read_grants = Vec::new();
        for g in grants {
            read_grants.push(grant_of(g).await?);
        }
        let mut mover_info = Vec::new();
        for (id, pool_w, developer) in movers {
            let is_pool =
                Answer::of(pool_w).await.decode::<WebexToken::isPoolCall>().unwrap_or(false);
            let (_, developer, _) = grant_of(developer).await?;
            mover_info.push((id, is_pool, developer));
        }

        let mut checks = Vec::new();
        // ---- pause ----
        if plan.moves_tokens() {
            checks.push(match token_paused {
                Some(true) => Check::fail(
                    "token-paused",
                    "token pause",
                    "paused",
                    "the token is paused: every transfer, swap and allocation waits until an admin unpauses it",
                )
                .with_fix("wbx admin unpause --account <ADMIN>"),
                Some(false) => Check::pass("token-paused", "token pause", "not paused"),
                None => Check::fail(
                    "token-paused",
                    "token pause",
                    "no answer",
                    format!("{token} does not answer paused(): is it WBX? try `wbx doctor token {token}`"),
                ),
            });
        }
        let mut quote_out = None;
        if let Some((paused_w, quote_w)) = swap_w {
            checks.push(match Answer::of(paused_w).await.decode::<WbxPool::pausedCall>() {
                Some(true) => Check::fail(
                    "pool-paused",
                    "pool pause",
                    "paused",
                    "the pool is paused: no swap goes through until a developer unpauses it",
                )
                .with_fix("wbx pool unpause --account <DEVELOPER>"),
                _ => Check::pass("pool-paused", "pool pause", "not paused"),
            });
            quote_out = Answer::of(quote_w).await.decode::<WbxPool::quoteEthForWbxCall>();
        }
        if let Some(w) = pool_registered_w {
            let registered = Answer::of(w).await.decode::<WebexToken::isPoolCall>();
            checks.push(pool_registration_check(pool, registered));
        }

        // ---- grants ----
        let is_admin = match admin_w {
            Some(w) => Answer::of(w).await.decode::<WebexToken::isAdminCall>().unwrap_or(false),
            None => false,
        };
        match &plan.action {
            Action::Approve { amount, .. } if amount.raw().is_zero() => {
                checks.push(Check::skip("grant", "trader grant", "approving zero needs no grant"))
            }
            Action::Allocate { .. } => {
                let (_, g, _) = &read_grants[0];
                checks.push(admin_check(g, is_admin, now, &wallet));
            }
            Action::Renew { .. } => {
                let (_, g, _) = &read_grants[0];
                let mut c = grant_check("grant", g, now, false, &wallet);
                // Renewing is the action: an expiring grant is what it is for.
                if c.status == Status::Warn {
                    c = Check::pass("grant", c.title, c.detail);
                }
                checks.push(c);
                checks.push(renew_kind_check(g, false));
            }
            Action::RenewFor { .. } => {
                for (id, g, _) in &read_grants {
                    if *id == "keeper-role" {
                        checks.push(if g.status == wbx_sdk::GrantStatus::Active {
                            Check::pass("keeper-role", "keeper role", format!("{} is a keeper", short(from)))
                        } else {
                            Check::fail(
                                "keeper-role",
                                "keeper role",
                                "not held",
                                format!("{from} does not hold the keeper role: only keepers renew Extended grants"),
                            )
                            .with_fix(format!("wbx access grant {from} keeper --account <TOP-ADMIN>"))
                        });
                        continue;
                    }
                    let mut c = grant_check("grant", g, now, false, &wallet);
                    if c.status == Status::Warn {
                        c = Check::pass("grant", c.title, c.detail);
                    }
                    checks.push(c);
                    checks.push(renew_kind_check(g, true));
                }
            }
            _ => {
                for (id, g, mine) in &read_grants {
                    let check = match mover_info.iter().find(|(m, ..)| m == id) {
                        Some((_, is_pool, developer)) => {
                            mover_check(id, g, *is_pool, developer, now, *mine, &wallet)
                        }
                        None => grant_check(id, g, now, *mine, &wallet),
                    };
                    checks.push(check);
                }
            }
        }

        // ---- amounts: balance, allowance, bucket, slippage, deadline ----
        let mut approves_first = false;
        let amount = match &plan.action {
            Action::Transfer { amount, .. }
            | Action::Approve { amount, .. }
            | Action::TransferFrom { amount, .. }
            | Action::Swap { amount, .. }
            | Action::Allocate { amount, .. } => Some(*amount),
            _ => None,
        };
        if let (Some((holder, w)), Some(amount)) = (holder_w, amount) {
            let balance: Amount = Answer::of(w)
                .await
                .decode::<WebexToken::balanceOfCall>()
                .unwrap_or_default()
                .into();
            let title = format!("WBX balance of {}", short(holder));
            checks.push(if balance >= amount {
                Check::pass("balance", title, format!("holds {balance} WBX, needs {amount}"))
            } else {
                let missing = Amount::from_raw(amount.raw() - balance.raw());
                let fix = match &plan.action {
                    Action::Transfer { to, .. } if !balance.raw().is_zero() => {
                        format!("wbx transfer {to} {balance} {wallet}  (send at most what is held)")
                    }
                    Action::Swap { .. } if !balance.raw().is_zero() => {
                        format!("wbx swap sell {balance} {wallet}  (sell at most what is held)")
                    }
                    _ => format!("{holder} needs {missing} more WBX first (e.g. `wbx swap buy <ETH> --account <{holder}>`)"),
                };
                Check::fail(
                    "balance",
                    title,
                    format!("holds {balance} WBX, needs {amount}"),
                    format!("{holder} holds {balance} WBX, {missing} less than the {amount} needed"),
                )
                .with_fix(fix)
            });
        }
        if let (Some((owner, spender, w)), Some(amount)) = (allowance_w, amount) {
            let allowance: Amount = Answer::of(w)
                .await
                .decode::<WebexToken::allowanceCall>()
                .unwrap_or_default()
                .into();
            let title = format!(
                "allowance of {} to {}",
                short(owner),
                if spender == pool { "the pool".to_string() } else { short(spender) }
            );
            let detail = format!("{allowance} WBX, needs {amount}");
            let cause = format!(
                "{} may spend {allowance} WBX of {owner}'s, less than the {amount} needed",
                if spender == pool { "the pool".to_string() } else { spender.to_string() }
            );
            checks.push(if allowance >= amount {
                Check::pass("allowance", title, detail)
            } else if matches!(plan.action, Action::Swap { approve: true, .. }) {
                approves_first = true;
                Check::warn(
                    "allowance",
                    title,
                    detail,
                    format!("{cause}; with --approve the swap first approves the pool for exactly {amount} (one more transaction)"),
                )
            } else if owner == from {
                Check::fail("allowance", title, detail, cause)
                    .with_fix(format!("wbx approve pool {amount} {wallet}"))
                    .with_safe_fix(SafeFix::Approve { spender, amount })
            } else {
                Check::fail("allowance", title, detail, cause).with_fix(format!(
                    "wbx approve {spender} {amount} --account <{owner}>  (the owner runs it)"
                ))
            });
        }
        if let (Some(w), Action::Allocate { bucket, amount, .. }) = (bucket_w, &plan.action) {
            let remaining =
                Answer::of(w).await.decode::<WebexToken::bucketRemainingCall>().unwrap_or_default();
            let title = format!("{bucket} bucket");
            let detail = format!("{} WBX remaining, needs {amount}", Amount::from_raw(remaining));
            checks.push(if remaining >= amount.raw() {
                Check::pass("bucket", title, detail)
            } else {
                let short_by = amount.raw() - remaining;
                Check::fail(
                    "bucket",
                    title,
                    detail,
                    format!(
                        "the {bucket} bucket holds {} WBX, {} less than the {amount} asked for",
                        Amount::from_raw(remaining),
                        Amount::from_raw(short_by)
                    ),
                )
                .with_fix(format!(
                    "wbx issue {} --account <ADMIN>  (issues split by policy shares; or allocate at most {})",
                    issue_for(*bucket, short_by),
                    Amount::from_raw(remaining)
                ))
            });
        }

        // ---- swap: slippage and deadline against the current quote ----
        let mut swap_terms = None;
        if let Action::Swap {
            side,
            amount,
            slippage_bps,
            deadline_secs,
            min_out: fixed,
            deadline_at,
            ..
        } = &plan.action
        {
            let out = quote_out.unwrap_or_default();
            let min = fixed.map(|m| m.raw()).unwrap_or_else(|| min_out(out, *slippage_bps));
            let deadline = deadline_at.unwrap_or(now.saturating_add(*deadline_secs));
            swap_terms = Some((min, deadline));
            let title = "slippage vs quote";
            let detail = format!(
                "quote {} {}, minimum {}",
                Amount::from_raw(out),
                if *side == Side::Buy { "WBX" } else { "ETH" },
                Amount::from_raw(min)
            );
            checks.push(if min > out {
                // The slippage that would accept today's quote, rounded up to a tenth of a percent.
                let needed = (U256::from(10_000u64) - out * U256::from(10_000u64) / min)
                    .saturating_to::<u64>()
                    .div_ceil(10)
                    * 10;
                Check::fail(
                    "slippage",
                    title,
                    detail,
                    format!(
                        "the pool would pay {} now, less than the minimum {} the swap insists on: it would revert",
                        Amount::from_raw(out),
                        Amount::from_raw(min)
                    ),
                )
                .with_fix(format!(
                    "wbx swap {} {amount} --slippage {} {wallet}  (a minimum taken from the current quote)",
                    side_name(*side),
                    bps_percent(needed.max(50))
                ))
            } else if fixed.is_none() && *slippage_bps == 0 {
                Check::warn(
                    "slippage",
                    title,
                    detail,
                    "a slippage of 0% makes the swap revert if any trade is mined before it",
                )
                .with_fix(format!("wbx swap {} {amount} --slippage 0.5 {wallet}", side_name(*side)))
            } else {
                Check::pass("slippage", title, detail)
            });
            let title = "deadline";
            checks.push(if deadline <= now {
                Check::fail(
                    "deadline",
                    title,
                    format!("{} (passed)", format_time(deadline)),
                    format!(
                        "the deadline {} passed {} ago: the pool refuses the swap",
                        format_time(deadline),
                        short_duration(now - deadline)
                    ),
                )
                .with_fix(format!(
                    "wbx swap {} {amount} --slippage {} --deadline 10m {wallet}",
                    side_name(*side),
                    bps_percent(*slippage_bps)
                ))
            } else if deadline - now < 30 {
                Check::warn(
                    "deadline",
                    title,
                    format!("{} left", short_duration(deadline - now)),
                    "under 30 s to be mined: a busy chain may not make it",
                )
                .with_fix(format!("wbx swap {} {amount} --deadline 10m {wallet}", side_name(*side)))
            } else {
                Check::pass(
                    "deadline",
                    title,
                    format!("{} from now", short_duration(deadline - now)),
                )
            });
        }

        // ---- the simulation and the gas estimate: one more batch ----
        let (to, data, value) = match &plan.action {
            Action::Transfer { to, amount } => {
                (token, WebexToken::transferCall::new((*to, amount.raw())).abi_encode(), U256::ZERO)
            }
            Action::Approve { spender, amount } => (
                token,
                WebexToken::approveCall::new((*spender, amount.raw())).abi_encode(),
                U256::ZERO,
            ),
            Action::TransferFrom { owner, to, amount } => (
                token,
                WebexToken::transferFromCall::new((*owner, *to, amount.raw())).abi_encode(),
                U256::ZERO,
            ),
            Action::Swap { side, amount, .. } => {
                let (min, deadline) = swap_terms.unwrap_or_default();
                match side {
                    Side::Buy => (
                        pool,
                        WbxPool::swapExactEthForWbxCall::new((min, from, U256::from(deadline)))
                            .abi_encode(),
                        amount.raw(),
                    ),
                    Side::Sell => (
                        pool,
                        WbxPool::swapExactWbxForEthCall::new((
                            amount.raw(),
                            min,
                            from,
                            U256::from(deadline),
                        ))
                        .abi_encode(),
                        U256::ZERO,
                    ),
                }
            }
            Action::Allocate { bucket, to, amount } => (
                token,
                WebexToken::allocateCall::new((bucket.index(), *to, amount.raw())).abi_encode(),
                U256::ZERO,
            ),
            Action::Renew { role } => {
                (token, WebexToken::renewCall::new((role.id(),)).abi_encode(), U256::ZERO)
            }
            Action::RenewFor { role, accounts } if accounts.len() == 1 => (
                token,
                WebexToken::renewForCall::new((accounts[0], role.id())).abi_encode(),
                U256::ZERO,
            ),
            Action::RenewFor { role, accounts } => (
                token,
                WebexToken::renewBatchCall::new((role.id(), accounts.clone())).abi_encode(),
                U256::ZERO,
            ),
        };
        let tx = TransactionRequest::default().from(from).to(to).input(data.into()).value(value);
        let mut r = Reads::new(self.client());
        let sim_w = r.call_raw(&tx);
        let estimate_w = r.estimate(&tx);
        r.send().await?;
        let sim = Answer::of(sim_w).await;
        let estimate = estimate_w.await.map(|g| g.to::<u64>()).map_err(|e| {
            match wbx_sdk::Error::from_rpc(e) {
                wbx_sdk::Error::Revert(_) => "the call reverts".to_string(),
                other => other.to_string(),
            }
        });
        if approves_first && matches!(sim, Answer::Reverted(_)) {
            // The swap cannot be simulated before its approval is mined; the real command
            // simulates it after.
            checks.push(Check::skip(
                "simulation",
                "simulation",
                "after the --approve approval (the sell cannot run before it)",
            ));
        } else {
            let mut c = simulation_check("simulation", &sim, &wallet, pool);
            // A Developer refused as a mover cannot be granted the Trader role (separation of
            // duties): the simulation's fix is then the mover check's, not a grant that would fail.
            for (id, is_pool, developer) in &mover_info {
                let grant_trader = format!("wbx access grant {} trader", developer.account);
                let mover_fix = checks.iter().find(|m| m.id == *id).and_then(|m| m.fix.clone());
                if !is_pool
                    && developer.status == wbx_sdk::GrantStatus::Active
                    && c.fix.as_deref().is_some_and(|f| f.starts_with(&grant_trader))
                {
                    c.fix = mover_fix;
                }
            }
            checks.push(c);
        }
        let max_fee = plan.max_fee.unwrap_or(fees.normal.max_fee);
        checks.extend(gas_checks(estimate, eth_balance, value, max_fee, from));
        checks.push(fees.check());
        checks.push(fees.max_fee_check(plan.max_fee, plan.priority_fee, command.trim_end()));
        Ok(Diagnosis { planned: true, ..self.finish(plan.describe(), checks, started, before) })
    }
}
