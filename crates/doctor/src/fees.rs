//! Fees and gas: the base fee and its trend, how full recent blocks are, slow/normal/fast
//! suggestions from `eth_feeHistory`, a given max fee against the base fee, and the ETH an account
//! needs for value + gas limit x max fee.

use crate::{Check, eth, gwei};
use alloy::{primitives::U256, rpc::types::FeeHistory};
use serde::Serialize;

/// Blocks of fee history a diagnosis looks at.
pub(crate) const HISTORY_BLOCKS: u64 = 10;

/// A max fee and tip that would get a transaction mined at some speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeSuggestion {
    /// Max fee per gas, in wei.
    pub max_fee: u128,
    /// Max priority fee (tip) per gas, in wei.
    pub priority_fee: u128,
}

/// What the fee market looks like now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fees {
    /// The base fee of the next block, in wei.
    pub next_base_fee: u128,
    /// The base fee of the oldest block looked at, in wei.
    pub oldest_base_fee: u128,
    /// Average share of the gas limit used by the recent blocks, in percent.
    pub fullness_pct: u64,
    /// Waits for a lull: the next base fee plus a low tip.
    pub slow: FeeSuggestion,
    /// What `wbx` itself pays: twice the next base fee plus the median tip.
    pub normal: FeeSuggestion,
    /// Twice the next base fee plus a high tip.
    pub fast: FeeSuggestion,
}

impl Fees {
    /// Reads the market from a fee history with the 10th, 50th and 90th tip percentiles.
    pub fn from_history(h: &FeeHistory) -> Self {
        let next = h.base_fee_per_gas.last().copied().unwrap_or_default();
        let oldest = h.base_fee_per_gas.first().copied().unwrap_or(next);
        let ratios = &h.gas_used_ratio;
        // Percent of a ratio the node reports as a float; not money, so a float is fine here.
        let fullness_pct = if ratios.is_empty() {
            0
        } else {
            (ratios.iter().sum::<f64>() / ratios.len() as f64 * 100.0).round() as u64
        };
        let tip = |i: usize| -> u128 {
            let rewards = h.reward.as_deref().unwrap_or_default();
            let tips: Vec<u128> = rewards.iter().filter_map(|r| r.get(i).copied()).collect();
            // At least 1 wei: a zero tip is legal but gives a miner no reason to prefer it.
            (tips.iter().sum::<u128>() / tips.len().max(1) as u128).max(1)
        };
        let (low, mid, high) = (tip(0), tip(1), tip(2).max(tip(1)));
        Self {
            next_base_fee: next,
            oldest_base_fee: oldest,
            fullness_pct,
            slow: FeeSuggestion { max_fee: next + low, priority_fee: low },
            normal: FeeSuggestion { max_fee: 2 * next + mid, priority_fee: mid },
            fast: FeeSuggestion { max_fee: 2 * next + high, priority_fee: high },
        }
    }

    /// `rising`, `falling` or `steady` over the blocks looked at (a change under 5% is steady).
    pub fn trend(&self) -> &'static str {
        let (old, new) = (self.oldest_base_fee, self.next_base_fee);
        if new * 100 > old * 105 {
            "rising"
        } else if new * 105 < old * 100 {
            "falling"
        } else {
            "steady"
        }
    }

    /// The checklist line on the fee market.
    pub(crate) fn check(&self) -> Check {
        let detail = format!(
            "base fee {} next block, {} over {HISTORY_BLOCKS} blocks, blocks {}% full; max fee slow {} / normal {} / fast {} (tips {} / {} / {})",
            gwei(self.next_base_fee),
            self.trend(),
            self.fullness_pct,
            gwei(self.slow.max_fee),
            gwei(self.normal.max_fee),
            gwei(self.fast.max_fee),
            gwei(self.slow.priority_fee),
            gwei(self.normal.priority_fee),
            gwei(self.fast.priority_fee),
        );
        if self.fullness_pct >= 90 && self.trend() == "rising" {
            return Check::warn(
                "fees",
                "fee market",
                detail,
                "blocks are full and the base fee is rising: a max fee near the base fee may wait",
            );
        }
        Check::pass("fees", "fee market", detail)
    }

    /// The checklist line on a given max fee (and tip): below the next base fee, a transaction
    /// sits in the pool. `command` is the real command the fix points to.
    pub(crate) fn max_fee_check(
        &self,
        max_fee: Option<u128>,
        priority_fee: Option<u128>,
        command: &str,
    ) -> Check {
        let title = "max fee vs base fee";
        let Some(max_fee) = max_fee else {
            return Check::pass(
                "max-fee",
                title,
                format!(
                    "none given: wbx pays the normal suggestion, {} (base fee {})",
                    gwei(self.normal.max_fee),
                    gwei(self.next_base_fee)
                ),
            );
        };
        if max_fee < self.next_base_fee {
            return Check::fail(
                "max-fee",
                title,
                format!("max fee {} < base fee {}", gwei(max_fee), gwei(self.next_base_fee)),
                format!(
                    "a max fee of {} is below the next block's base fee of {}: the transaction would sit in the pool until the base fee falls",
                    gwei(max_fee),
                    gwei(self.next_base_fee)
                ),
            )
            .with_fix(format!(
                "{command} --max-fee {}  (or leave --max-fee out: wbx then pays the node's suggestion)",
                gwei_number(self.normal.max_fee)
            ));
        }
        let tip = priority_fee.unwrap_or(self.normal.priority_fee).min(max_fee);
        if max_fee < self.next_base_fee + tip {
            return Check::warn(
                "max-fee",
                title,
                format!(
                    "max fee {} leaves a tip of {} over the base fee {}",
                    gwei(max_fee),
                    gwei(max_fee - self.next_base_fee),
                    gwei(self.next_base_fee)
                ),
                "the max fee barely covers the base fee: any rise keeps the transaction waiting",
            )
            .with_fix(format!("{command} --max-fee {}", gwei_number(self.normal.max_fee)));
        }
        Check::pass(
            "max-fee",
            title,
            format!("max fee {} >= base fee {}", gwei(max_fee), gwei(self.next_base_fee)),
        )
    }
}

/// Wei as a plain gwei number for a command line (`1.5`).
pub(crate) fn gwei_number(wei: u128) -> String {
    wbx_sdk::Amount::from_raw(U256::from(wei)).format_with_decimals(9)
}

/// The gas checks: the estimate, and the ETH balance against value + gas limit x max fee.
pub(crate) fn gas_checks(
    estimate: Result<u64, String>,
    balance: U256,
    value: U256,
    max_fee: u128,
    who: alloy::primitives::Address,
) -> Vec<Check> {
    // A call that reverts has no estimate; a typical token call's gas stands in for the ETH check.
    const FALLBACK_GAS: u64 = 100_000;
    let (gas_check, limit) = match estimate {
        Ok(g) => (Check::pass("gas", "gas estimate", format!("{g} gas")), g),
        Err(why) => (
            Check::skip(
                "gas",
                "gas estimate",
                format!("no estimate ({why}); assuming {FALLBACK_GAS} gas"),
            ),
            FALLBACK_GAS,
        ),
    };
    let need = value + U256::from(limit) * U256::from(max_fee);
    let title = "ETH for value + gas";
    let detail = format!(
        "holds {}, needs {} ({} value + {limit} gas x {})",
        eth(balance),
        eth(need),
        eth(value),
        gwei(max_fee)
    );
    let eth_check = if balance >= need {
        Check::pass("eth-for-gas", title, detail)
    } else {
        let missing = need - balance;
        Check::fail(
            "eth-for-gas",
            title,
            detail,
            format!("{who} is {} short of paying value + gas limit x max fee", eth(missing)),
        )
        .with_fix(format!(
            "send {who} at least {} (e.g. `cast send {who} --value {}ether --account <FUNDER>`)",
            eth(missing),
            wbx_sdk::Amount::from_raw(missing)
        ))
    };
    vec![gas_check, eth_check]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(base: Vec<u128>, ratios: Vec<f64>, tips: Vec<[u128; 3]>) -> FeeHistory {
        FeeHistory {
            base_fee_per_gas: base,
            gas_used_ratio: ratios,
            reward: Some(tips.into_iter().map(|t| t.to_vec()).collect()),
            oldest_block: 1,
            ..Default::default()
        }
    }

    #[test]
    fn suggestions_trend_and_fullness_come_from_the_history() {
        let gwei = 1_000_000_000u128;
        let h = history(
            vec![10 * gwei, 11 * gwei, 12 * gwei],
            vec![0.9, 1.0],
            vec![[gwei, 2 * gwei, 3 * gwei], [gwei, 2 * gwei, 5 * gwei]],
        );
        let f = Fees::from_history(&h);
        assert_eq!(f.next_base_fee, 12 * gwei);
        assert_eq!(f.trend(), "rising");
        assert_eq!(f.fullness_pct, 95);
        assert_eq!(f.slow, FeeSuggestion { max_fee: 13 * gwei, priority_fee: gwei });
        assert_eq!(f.normal, FeeSuggestion { max_fee: 26 * gwei, priority_fee: 2 * gwei });
        assert_eq!(f.fast, FeeSuggestion { max_fee: 28 * gwei, priority_fee: 4 * gwei });
        assert_eq!(f.check().status, crate::Status::Warn, "full blocks and a rising base fee");

        // Below the next base fee fails; just above it warns; with room to spare passes.
        assert_eq!(f.max_fee_check(Some(11 * gwei), None, "wbx x").status, crate::Status::Fail);
        assert_eq!(f.max_fee_check(Some(13 * gwei), None, "wbx x").status, crate::Status::Warn);
        assert_eq!(f.max_fee_check(Some(20 * gwei), None, "wbx x").status, crate::Status::Pass);
        assert_eq!(f.max_fee_check(None, None, "wbx x").status, crate::Status::Pass);
        assert_eq!(gwei_number(1_500_000_000), "1.5");
    }

    #[test]
    fn the_eth_check_says_how_much_is_missing() {
        let who = alloy::primitives::Address::repeat_byte(1);
        let checks = gas_checks(Ok(50_000), U256::from(1_000u64), U256::from(500u64), 1, who);
        assert_eq!(checks[1].status, crate::Status::Fail);
        // 500 value + 50,000 gas x 1 wei = 50,500 wei; 1,000 held; 49,500 wei missing.
        assert!(checks[1].cause.as_deref().unwrap().contains("0.0000000000000495 ETH short"));
        let checks = gas_checks(Err("reverts".into()), U256::MAX, U256::ZERO, 1, who);
        assert_eq!(checks[0].status, crate::Status::Skip);
        assert_eq!(checks[1].status, crate::Status::Pass);
    }
}
