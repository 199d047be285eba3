//! `wbx deploy`.

use crate::{
    args::{RpcArgs, WalletArgs, amount, duration, writable},
    error::{CliError, Result, code},
    output::Out,
};
use alloy::{primitives::U256, providers::Provider};
use clap::Args;
use std::{path::PathBuf, time::Duration};
use wbx_sdk::{Amount, DeployConfig, DeployProgress, Deployment, deploy_resumable};

/// Deploy the token and the pool, register and seed the pool, and write the deployment record.
///
/// The signer becomes the top admin. Refuses to overwrite a record whose contracts still exist on
/// the chain (use --force to deploy again). A deployment that dies half way resumes when run
/// again (its progress is kept beside the record), creating no contract twice.
///
/// Example: `wbx deploy --dev-account 0` (local anvil), `wbx deploy --account deployer --rpc-url $RPC`
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// Supply minted into the buckets, in WBX.
    #[arg(long, default_value = "1000000000", value_parser = amount)]
    initial_supply: Amount,
    /// Delay of a top-admin transfer (two-step).
    #[arg(long, default_value = "1d", value_parser = duration)]
    admin_delay: Duration,
    /// Pool fee in basis points (30 = 0.3%, at most 100).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u16).range(0..=100))]
    fee_bps: u16,
    /// WBX released from the Reserve Fund to seed the pool, at most its share of the initial
    /// supply (0 skips seeding).
    #[arg(long, default_value = "1000000", value_parser = amount)]
    seed_wbx: Amount,
    /// ETH that seeds the pool beside it.
    #[arg(long, default_value = "100", value_parser = amount)]
    seed_eth: Amount,
    /// Where to write the record (default: deployments/<chainId>.json); the other commands read
    /// it from the same place (`--deployment` or `WBX_DEPLOYMENT`).
    #[arg(long, env = "WBX_DEPLOYMENT", value_name = "PATH")]
    out: Option<PathBuf>,
    /// Deploy even if the record points at live contracts.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    wallet: WalletArgs,
}

impl DeployArgs {
    /// Refuses a configuration the contracts would refuse half way through the deployment.
    fn check(&self) -> Result {
        let bad = |m: String| Err(CliError::input(code::BAD_INPUT, m));
        if self.initial_supply.raw() > U256::from(u128::MAX) {
            return bad(format!(
                "--initial-supply {} is above the token's cap of {} WBX",
                self.initial_supply,
                Amount::from_raw(U256::from(u128::MAX))
            ));
        }
        if self.admin_delay.as_secs() >= 1 << 48 {
            return bad(format!(
                "--admin-delay {} is too long: the contract holds it in 48 bits of seconds",
                humantime::format_duration(self.admin_delay)
            ));
        }
        // Seeding releases the WBX from the Reserve Fund, which gets what the other four buckets'
        // shares leave of the initial supply.
        let supply = self.initial_supply.raw();
        let others: U256 = [4000u64, 2500, 1500, 1000]
            .iter()
            .map(|bps| supply * U256::from(*bps) / U256::from(10_000u64))
            .sum();
        let reserve = Amount::from_raw(supply - others);
        let seeding = !self.seed_wbx.raw().is_zero() && !self.seed_eth.raw().is_zero();
        if seeding && self.seed_wbx > reserve {
            return bad(format!(
                "--seed-wbx {} is more than the Reserve Fund gets of the initial supply ({reserve} WBX): lower it, raise --initial-supply, or give --seed-wbx 0 to skip seeding",
                self.seed_wbx
            ));
        }
        if !self.seed_wbx.raw().is_zero() && self.seed_eth.raw().is_zero() {
            return bad(
                "--seed-eth 0 cannot seed the pool beside --seed-wbx: give ETH above 0, or --seed-wbx 0 to skip seeding".into(),
            );
        }
        Ok(())
    }

    pub(crate) async fn run(self, out: Out) -> Result {
        self.check()?;
        if self.wallet.source()?.is_none() {
            return Err(wbx_sdk::Error::NoSigner.into());
        }
        let conn = self.wallet.connect(&self.rpc).await?;
        wbx_sdk::preflight::check(conn.provider().client()).await?;
        let path = self.out.clone().unwrap_or_else(|| {
            Deployment::default_path(std::path::Path::new("."), conn.chain_id())
        });
        // The record is written after the contracts are created: a place it cannot go is refused
        // first, not found out after the money is spent.
        writable(&path, "the deployment record")?;
        if let Ok(existing) = Deployment::read(&path) {
            let live = !conn
                .provider()
                .get_code_at(existing.token)
                .await
                .map_err(wbx_sdk::Error::from)?
                .is_empty();
            if live && existing.chain_id == conn.chain_id() && !self.force {
                return Err(CliError::input(
                    "deployment-exists",
                    format!(
                        "{} already records a live deployment (token {}): use it, or pass --force to deploy again",
                        path.display(),
                        existing.token
                    ),
                ));
            }
        }
        let config = DeployConfig {
            initial_supply: self.initial_supply,
            admin_delay: self.admin_delay.as_secs(),
            fee_bps: self.fee_bps,
            seed_wbx: self.seed_wbx,
            seed_eth: self.seed_eth,
        };
        // Progress beside the record: a deployment that dies half way resumes from it.
        let progress_path = path.with_extension("progress.json");
        let progress: Option<DeployProgress> = match std::fs::read(&progress_path) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| {
                CliError::input(
                    code::BAD_FILE,
                    format!(
                        "{} is not a deployment in progress ({e}): delete it to start over",
                        progress_path.display()
                    ),
                )
            })?),
            Err(_) => None,
        };
        match &progress {
            Some(_) => out
                .note(format!("resuming the unfinished deployment in {}", progress_path.display())),
            None => out.note(format!(
                "deploying to chain {} as {}",
                conn.chain_id(),
                conn.require_sender()?
            )),
        }
        let wbx = deploy_resumable(&conn, &config, progress, |p| {
            let json = serde_json::to_vec_pretty(p).expect("serialisable");
            wbx_sdk::fs::write_atomic(&progress_path, &json).map_err(|e| {
                wbx_sdk::Error::Other(format!("cannot write {}: {e}", progress_path.display()))
            })
        })
        .await?;
        let record = wbx.deployment().clone();
        record.write(&path).map_err(|e| {
            CliError::failure(
                code::WRITE_FAILED,
                format!(
                    "deployed (token {}, pool {}), but the record could not be written: {e}; run the same command again to write it (nothing is deployed twice)",
                    record.token, record.pool
                ),
            )
        })?;
        let _ = std::fs::remove_file(&progress_path);
        out.emit(&record, || {
            format!(
                "deployed WBX {} on chain {}\n  token {}\n  pool  {}\n  admin {}\n  record {}",
                record.version,
                record.chain_id,
                record.token,
                record.pool,
                record.admin,
                path.display()
            )
        });
        Ok(())
    }
}
