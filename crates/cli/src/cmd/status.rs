//! `wbx status`.

use crate::{
    args::ChainArgs,
    cmd::{access::grant_rows, bucket::bucket_table},
    error::Result,
    output::Out,
};
use alloy::providers::Provider as _;
use clap::Args;
use wbx_sdk::Wbx;

/// Show chain, addresses, contract version, supply, the bucket table, the pool, the registered
/// pools, and your grants.
///
/// Example: `wbx status --dev-account 1`
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    read: ChainArgs,
}

impl StatusArgs {
    pub(crate) async fn run(self, out: Out) -> Result {
        let wbx = self.read.reader().await?;
        let d = wbx.deployment().clone();
        let reads = tokio::try_join!(
            wbx.version(),
            wbx.total_supply(),
            wbx.is_paused(),
            wbx.buckets(),
            wbx.pool_state(),
            wbx.now(),
            wbx.pools()
        );
        // A read a WBX contract never fails that way: the chain's EVM may lack what it needs.
        let (version, supply, paused, buckets, pool, now, pools) = match reads {
            Ok(reads) => reads,
            Err(e) => {
                return Err(wbx_sdk::preflight::explain(wbx.provider().client(), e).await.into());
            }
        };
        let me = wbx.connection().sender();
        let grants = match me {
            Some(a) => wbx.grants_of(a).await?,
            None => Vec::new(),
        };
        let expected = Wbx::expected_version();
        let json = serde_json::json!({
            "chainId": wbx.connection().chain_id(),
            "rpcUrl": wbx.connection().url(),
            "token": d.token,
            "pool": d.pool,
            "version": version,
            "expectedVersion": expected,
            "totalSupply": supply,
            "paused": paused,
            "buckets": buckets,
            "poolState": pool,
            "registeredPools": pools,
            "account": me,
            "grants": grants,
        });
        out.emit(&json, || {
            let version_note =
                if version == expected { String::new() } else { format!(" (OUTDATED: this wbx expects {expected})") };
            let price = if pool.reserve_wbx.raw().is_zero() {
                "-".to_string()
            } else {
                // ETH per 1,000 WBX, exact to 18 decimals.
                let per_k = pool.reserve_eth.raw() * alloy::primitives::U256::from(1000u64)
                    * alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18u64))
                    / pool.reserve_wbx.raw();
                format!("{} ETH per 1000 WBX", wbx_sdk::Amount::from_raw(per_k))
            };
            let mut s = format!(
                "chain   {} ({})\ntoken   {}\npool    {}\nversion {version}{version_note}\nsupply  {supply} WBX{}\n\n{}\n\npool    {} WBX / {} ETH, {price}, fee {}.{:02}%{}\n",
                wbx.connection().chain_id(),
                wbx.connection().url(),
                d.token,
                d.pool,
                if paused { " (PAUSED)" } else { "" },
                bucket_table(&buckets),
                pool.reserve_wbx,
                pool.reserve_eth,
                pool.fee_bps / 100,
                pool.fee_bps % 100,
                if pool.paused { " (PAUSED)" } else { "" },
            );
            // A registered pool moves WBX without a Trader grant: every one is listed.
            let listed: Vec<String> = pools
                .iter()
                .map(|p| {
                    if *p == d.pool { format!("{p} (this deployment's)") } else { p.to_string() }
                })
                .collect();
            s.push_str(&format!(
                "registered pools ({}): {}\n",
                pools.len(),
                if listed.is_empty() { "none".into() } else { listed.join(", ") }
            ));
            if let Some(a) = me {
                s.push_str(&format!("\ngrants of {a}\n"));
                if grants.is_empty() {
                    s.push_str("  none\n");
                } else {
                    s.push_str(&grant_rows(&grants, now));
                }
            }
            s
        });
        Ok(())
    }
}
