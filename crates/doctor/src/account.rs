//! `wbx doctor account ADDR`: ETH for gas, WBX balance, every grant with its time left, the
//! allowance to the pool, pending transactions (pending against latest nonce), and transactions
//! queued behind a nonce gap (from the node's `txpool_inspect`, where it offers one).

use crate::{
    Check, Diagnosis, Doctor, Result, eth,
    fees::{Fees, HISTORY_BLOCKS},
    grants::grant_check,
    rpc::{Answer, Reads},
};
use alloy::sol_types::SolCall as _;
use alloy::{
    primitives::{Address, U256},
    rpc::types::BlockNumberOrTag,
};
use std::time::Instant;
use wbx_contracts::WebexToken;
use wbx_sdk::{Amount, Grant, GrantStatus, Role};

/// Gas of a typical WBX transaction, to say whether an account can pay for a few.
const TYPICAL_GAS: u64 = 100_000;

impl Doctor {
    /// Diagnoses an account against the deployment. Two round trips with the connection.
    pub async fn account(&self, who: Address) -> Result<Diagnosis> {
        let started = Instant::now();
        let before = self.round_trips();
        let d = self.deployment()?;
        let (token, pool) = (d.token, d.pool);
        let mut r = Reads::new(self.client());
        let block_w = r.latest_block();
        let history_w = r.fee_history(HISTORY_BLOCKS);
        let eth_w = r.balance(who);
        let latest_w = r.nonce(who, BlockNumberOrTag::Latest);
        let pending_w = r.nonce(who, BlockNumberOrTag::Pending);
        // Queued transactions (behind a gap) do not show in the pending nonce. Not every node
        // serves the txpool API; without it this check is skipped, in the same round trip.
        let pool_w = r.add::<_, serde_json::Value>("txpool_inspect", ());
        let wbx_w = r.call(who, token, &WebexToken::balanceOfCall::new((who,)));
        let allowance_w = r.call(who, token, &WebexToken::allowanceCall::new((who, pool)));
        let admin_w = r.call(who, token, &WebexToken::isAdminCall::new((who,)));
        let grant_ws: Vec<_> = Role::ALL
            .iter()
            .map(|role| {
                let w = if *role == Role::Keeper {
                    r.call(who, token, &WebexToken::hasRoleCall::new((role.id(), who)))
                } else {
                    r.call(who, token, &WebexToken::grantOfCall::new((who, role.id())))
                };
                (*role, w)
            })
            .collect();
        r.send().await?;

        let now = block_w.await?.map(|b| b.header.timestamp).unwrap_or_default();
        let fees = Fees::from_history(&history_w.await?);
        let balance = eth_w.await?;
        let (latest, pending): (u64, u64) = (latest_w.await?.to(), pending_w.await?.to());
        let mut checks = Vec::new();

        let typical = U256::from(TYPICAL_GAS) * U256::from(fees.normal.max_fee);
        let title = "ETH for gas";
        let detail =
            format!("{} (a typical WBX transaction costs up to {})", eth(balance), eth(typical));
        checks.push(if balance >= typical {
            Check::pass("eth-for-gas", title, detail)
        } else {
            Check::fail("eth-for-gas", title, detail, format!("{who} cannot pay the gas of a typical transaction"))
                .with_fix(format!(
                    "send {who} at least {} (e.g. `cast send {who} --value {}ether --account <FUNDER>`)",
                    eth(typical - balance),
                    Amount::from_raw(typical - balance)
                ))
        });

        let wbx = Answer::of(wbx_w).await;
        let Some(wbx_balance) = wbx.decode::<WebexToken::balanceOfCall>() else {
            checks.push(Check::fail(
                "wbx",
                "WBX balance",
                "no answer",
                format!(
                    "the token {token} did not answer balanceOf: try `wbx doctor token {token}`"
                ),
            ));
            return Ok(self.finish(format!("account {who}"), checks, started, before));
        };
        checks.push(Check::pass(
            "balance",
            "WBX balance",
            format!("{} WBX", Amount::from_raw(wbx_balance)),
        ));

        let is_admin =
            Answer::of(admin_w).await.decode::<WebexToken::isAdminCall>().unwrap_or(false);
        let mut any = false;
        for (role, w) in grant_ws {
            let a = Answer::of(w).await;
            let g = if role == Role::Keeper {
                Grant::permanent(who, role, a.decode::<WebexToken::hasRoleCall>().unwrap_or(false))
            } else {
                match a.decode::<WebexToken::grantOfCall>() {
                    Some(info) => Grant::from_view(who, role, &info),
                    None => continue,
                }
            };
            if g.status == GrantStatus::None {
                continue;
            }
            any = true;
            let mut c = grant_check("grant", &g, now, false, self.wallet());
            c.title = format!("{role} grant");
            // An account holds no transaction: a lapsed grant is worth a warning, not a failure.
            if c.status == crate::Status::Fail {
                c.status = crate::Status::Warn;
            }
            checks.push(c);
        }
        if is_admin {
            checks.push(Check::pass("admin", "admin rights", "may act as an admin"));
        }
        if !any && !is_admin {
            checks.push(Check::skip(
                "grant",
                "grants",
                "holds no grant: it may receive WBX, not send it",
            ));
        }

        let allowance =
            Answer::of(allowance_w).await.decode::<WebexToken::allowanceCall>().unwrap_or_default();
        checks.push(Check::pass(
            "allowance",
            "allowance to the pool",
            format!("{} WBX (a sell needs at least the amount sold)", Amount::from_raw(allowance)),
        ));

        checks.push(if pending > latest {
            Check::warn(
                "pending",
                "pending transactions",
                format!("{} pending (nonces {latest}..{})", pending - latest, pending - 1),
                "transactions are waiting in the pool; a later one waits for every earlier nonce",
            )
            .with_fix(format!("wbx doctor tx <HASH>  (for each pending transaction of {who})"))
        } else {
            Check::pass("pending", "pending transactions", format!("none (next nonce {latest})"))
        });
        checks.push(match pool_w.await {
            Ok(pool) => {
                queued_check(who, pending, &queued_nonces(&pool, who), &self.sender_flags(who))
            }
            Err(e) if wbx_sdk::error::is_unserved_method(&e) => {
                Check::unserved("queued", "transactions behind a nonce gap", "txpool_inspect")
            }
            Err(e) => Check::warn(
                "queued",
                "transactions behind a nonce gap",
                "not checked",
                format!("the node refused txpool_inspect: {}", wbx_sdk::Error::from_rpc(e)),
            ),
        });
        Ok(self.finish(format!("account {who}"), checks, started, before))
    }
}

/// The nonces of `who`'s transactions the node holds as queued (waiting behind a gap).
pub(crate) fn queued_nonces(pool: &serde_json::Value, who: Address) -> Vec<u64> {
    let key = format!("{who:#x}");
    let Some(queued) = pool["queued"].as_object() else { return Vec::new() };
    let mut nonces: Vec<u64> = queued
        .iter()
        .filter(|(addr, _)| addr.eq_ignore_ascii_case(&key))
        .filter_map(|(_, txs)| txs.as_object())
        .flat_map(|txs| txs.keys().filter_map(|n| n.parse().ok()))
        .collect();
    nonces.sort_unstable();
    nonces
}

/// Queued transactions wait for every nonce below them: the gap from `next` (the pending nonce)
/// to the first queued one must be filled before any of them is mined.
fn queued_check(who: Address, next: u64, queued: &[u64], wallet: &str) -> Check {
    let title = "transactions behind a nonce gap";
    let Some(&first) = queued.first() else {
        return Check::pass("queued", title, "none");
    };
    let missing =
        if first > next + 1 { format!("{next}..={}", first - 1) } else { next.to_string() };
    Check::fail(
        "queued",
        title,
        format!("{} queued (nonces {queued:?}), missing nonce(s) {missing}", queued.len()),
        format!(
            "{who}'s transaction(s) with nonce {queued:?} wait for nonce(s) {missing}, which the node has never seen: nothing of theirs is mined until the gap is filled"
        ),
    )
    .with_fix(format!("fill the gap, one empty transaction per missing nonce: wbx tx cancel --nonce {next} {wallet}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_transactions_name_the_missing_nonces() {
        let who: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        let pool = serde_json::json!({
            "pending": {},
            "queued": {
                "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266": {"7": "…", "5": "…"},
                "0x70997970c51812dc3a010c7d01b50e0d17dc79c8": {"1": "…"}
            }
        });
        assert_eq!(queued_nonces(&pool, who), [5, 7]);
        let c = queued_check(who, 2, &[5, 7], "--dev-account 0");
        assert_eq!(c.status, crate::Status::Fail);
        assert!(c.detail.contains("missing nonce(s) 2..=4"), "{}", c.detail);
        assert!(c.fix.unwrap().contains("wbx tx cancel --nonce 2 --dev-account 0"));
        assert_eq!(queued_check(who, 2, &[], "").status, crate::Status::Pass);
        assert!(queued_nonces(&serde_json::json!({}), who).is_empty());
    }
}
