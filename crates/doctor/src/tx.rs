//! `wbx doctor tx HASH`: a failed transaction is replayed on the state it saw (its parent block)
//! and the revert decoded; a pending one is checked for what keeps it waiting (a nonce gap, counted
//! from the account's pending nonce, with the queued nonces from `txpool_inspect` where the node
//! serves it; a max fee below the base fee), with the command that gets it mined.

use crate::{
    Check, Diagnosis, Doctor, Result,
    fees::{Fees, HISTORY_BLOCKS, gwei_number},
    fixes::{fix_for, revert_detail},
    gwei,
    rpc::{Answer, Reads},
};
use alloy::{
    consensus::Transaction as _,
    network::TransactionResponse as _,
    primitives::TxHash,
    rpc::types::{BlockNumberOrTag, Transaction, TransactionReceipt, TransactionRequest},
};
use std::time::Instant;

impl Doctor {
    /// Diagnoses a mined or pending transaction. Two or three round trips with the connection.
    pub async fn tx(&self, hash: TxHash) -> Result<Diagnosis> {
        let started = Instant::now();
        let before = self.round_trips();
        let mut r = Reads::new(self.client());
        let tx_w = r.add::<_, Option<Transaction>>("eth_getTransactionByHash", (hash,));
        let receipt_w =
            r.add::<_, Option<TransactionReceipt>>("eth_getTransactionReceipt", (hash,));
        let history_w = r.fee_history(HISTORY_BLOCKS);
        r.send().await?;
        let subject = format!("transaction {hash}");
        let (tx, receipt, history) = (tx_w.await?, receipt_w.await?, history_w.await?);
        let Some(tx) = tx else {
            let c = Check::fail(
                "found",
                "known to the node",
                "no",
                format!(
                    "the node on chain {} does not know {hash}: it was never sent here, was dropped from the pool, or is on another chain",
                    self.chain_id()
                ),
            )
            .with_fix("check --rpc-url, then send the transaction again");
            return Ok(self.finish(subject, vec![c], started, before));
        };
        let from = tx.from();
        let mut checks = Vec::new();
        match receipt {
            Some(receipt) => {
                let block = receipt.block_number.unwrap_or_default();
                checks.push(Check::pass(
                    "found",
                    "known to the node",
                    format!("mined in block {block}, from {from}, nonce {}", tx.nonce()),
                ));
                if receipt.status() {
                    checks.push(Check::pass(
                        "status",
                        "outcome",
                        format!("succeeded, {} of {} gas used", receipt.gas_used, tx.gas_limit()),
                    ));
                } else {
                    checks.push(Check::fail(
                        "status",
                        "outcome",
                        format!("reverted, {} of {} gas used", receipt.gas_used, tx.gas_limit()),
                        "the transaction was mined but reverted: its effects were undone and its gas paid",
                    ));
                    checks.push(self.replay(&tx, block, receipt.gas_used).await?);
                }
            }
            None => {
                checks.push(Check::pass(
                    "found",
                    "known to the node",
                    format!("pending, from {from}, nonce {}", tx.nonce()),
                ));
                checks.extend(self.pending(&tx, &Fees::from_history(&history)).await?);
            }
        }
        Ok(self.finish(subject, checks, started, before))
    }

    /// Replays a reverted transaction on its parent block's state and decodes why it failed.
    async fn replay(&self, tx: &Transaction, block: u64, gas_used: u64) -> Result<Check> {
        let mut request = TransactionRequest::default()
            .from(tx.from())
            .input(tx.input().clone().into())
            .value(tx.value())
            .gas_limit(tx.gas_limit());
        if let Some(to) = tx.to() {
            request = request.to(to);
        }
        let mut r = Reads::new(self.client());
        let w = r.add("eth_call", (request, BlockNumberOrTag::Number(block.saturating_sub(1))));
        r.send().await?;
        let title = "why it reverted";
        Ok(match Answer::of(w).await {
            Answer::Reverted(revert) => {
                let c = Check::fail(
                    "revert",
                    title,
                    revert_detail(&revert),
                    format!("{revert} (replayed at block {})", block.saturating_sub(1)),
                );
                match fix_for(&revert, self.wallet(), self.deployment().ok().map(|d| d.pool)) {
                    Some(fix) => c.with_fix(fix),
                    None => c,
                }
            }
            Answer::Data(_) if gas_used >= tx.gas_limit() * 99 / 100 => Check::fail(
                "revert",
                title,
                format!("out of gas: used {gas_used} of {}", tx.gas_limit()),
                "the transaction ran out of gas: its gas limit was too low for what it does",
            )
            .with_fix("send it again and let wbx estimate the gas (no fixed gas limit)"),
            Answer::Data(_) => Check::warn(
                "revert",
                title,
                "the replay on the parent block succeeds",
                "it depended on a transaction mined before it in the same block, which the replay cannot see",
            ),
            Answer::NotRun(e) | Answer::Failed(e) => Check::warn("revert", title, "no replay", e),
        })
    }

    /// What keeps a pending transaction waiting, and the replacement that would get it mined.
    async fn pending(&self, tx: &Transaction, fees: &Fees) -> Result<Vec<Check>> {
        let from = tx.from();
        let mut r = Reads::new(self.client());
        let latest_w = r.nonce(from, BlockNumberOrTag::Latest);
        let pending_w = r.nonce(from, BlockNumberOrTag::Pending);
        // Which later nonces the node holds as queued; not every node serves the txpool API.
        let pool_w = r.add::<_, serde_json::Value>("txpool_inspect", ());
        r.send().await?;
        let mined: u64 = latest_w.await?.to();
        let next: u64 = pending_w.await?.to();
        let pool = pool_w.await;
        let nonce = tx.nonce();
        let mut checks = Vec::new();
        if nonce < mined {
            checks.push(Check::fail(
                "nonce-gap",
                "nonce",
                format!("nonce {nonce}, but {from} has mined nonces up to {}", mined - 1),
                format!("nonce {nonce} was taken by another transaction that was mined: this one can never be mined"),
            )
            .with_fix("nothing to fix in the pool: send the call again (it gets a new nonce)"));
        } else if nonce < next {
            let ahead = nonce - mined;
            checks.push(Check::pass(
                "nonce-gap",
                "nonce",
                if ahead == 0 {
                    format!("nonce {nonce} is the next one to mine")
                } else {
                    format!("nonce {nonce} is ready: {ahead} pending transaction(s) of {from} before it are mined first")
                },
            ));
        } else {
            // Queued: every nonce below `next` is mined or pending, so `next` itself is missing
            // (a transaction the node held at `next` would be pending); between it and this one,
            // whatever the node does not hold as queued is missing too.
            let queued = match &pool {
                Ok(pool) => Some(crate::account::queued_nonces(pool, from)),
                Err(_) => None,
            };
            let missing: Vec<u64> = match &queued {
                Some(q) => (next..nonce).filter(|n| !q.contains(n)).collect(),
                None => vec![next],
            };
            let list = missing.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            let unknown = if queued.is_none() && nonce > next + 1 {
                format!(
                    " (and which of nonces {}..={} the node holds was not checked: it does not serve txpool_inspect)",
                    next + 1,
                    nonce - 1
                )
            } else {
                String::new()
            };
            let mut fix = format!(
                "fill the gap, one empty transaction per missing nonce: wbx tx cancel --nonce {next} {}",
                self.sender_flags(from)
            );
            if missing.len() > 1 {
                fix.push_str(&format!(
                    "  (then the same with --nonce {})",
                    missing[1..].iter().map(u64::to_string).collect::<Vec<_>>().join(", --nonce ")
                ));
            }
            checks.push(
                Check::fail(
                    "nonce-gap",
                    "nonce",
                    format!("nonce {nonce}, but the account's next free nonce is {next}"),
                    format!(
                        "queued behind a nonce gap: {from}'s nonces below {next} are mined or pending, the node holds no transaction with nonce {list}{unknown}, so this one waits"
                    ),
                )
                .with_fix(fix),
            );
            if let Err(e) = &pool
                && wbx_sdk::error::is_unserved_method(e)
            {
                checks.push(Check::unserved(
                    "queued",
                    "transactions queued before it",
                    "txpool_inspect",
                ));
            }
        }
        let max_fee = alloy::consensus::Transaction::max_fee_per_gas(tx);
        let tip = alloy::consensus::Transaction::max_priority_fee_per_gas(tx).unwrap_or(max_fee);
        // The bump `wbx tx bump` asks for, so the fix it prints is one it accepts.
        let bump = wbx_sdk::replace::bumped;
        let new_tip = bump(tip).max(fees.normal.priority_fee);
        let new_max = bump(max_fee).max(2 * fees.next_base_fee + new_tip);
        let replace = format!(
            "wbx tx bump {} --max-fee {} --priority-fee {} {}  (same nonce {nonce} and call; max fee >= {} and tip >= {}, above the base fee)",
            tx.tx_hash(),
            gwei_number(new_max),
            gwei_number(new_tip),
            self.sender_flags(from),
            gwei(new_max),
            gwei(new_tip),
        );
        if max_fee < fees.next_base_fee {
            checks.push(
                Check::fail(
                    "fee-below-base",
                    "max fee vs base fee",
                    format!("max fee {} < base fee {}", gwei(max_fee), gwei(fees.next_base_fee)),
                    format!(
                        "stuck: its max fee of {} is below the base fee of {}; it waits until the base fee falls that low",
                        gwei(max_fee),
                        gwei(fees.next_base_fee)
                    ),
                )
                .with_fix(replace),
            );
        } else {
            checks.push(Check::pass(
                "fee-below-base",
                "max fee vs base fee",
                format!(
                    "max fee {} >= base fee {}; a replacement would need {}",
                    gwei(max_fee),
                    gwei(fees.next_base_fee),
                    gwei(new_max)
                ),
            ));
        }
        Ok(checks)
    }
}
