//! Flag groups shared by the commands (RPC, wallet, deployment), flattened into each command with
//! their own help heading, and the value parsers that turn bad input into exit code 2.

use crate::error::{CliError, Result};
use alloy::primitives::Address;
use clap::Args;
use std::{path::PathBuf, time::Duration};
use wbx_sdk::{
    Amount, Connection, Deployment, Secret, SignerSource, Wbx,
    payouts::{AddressError, parse_address},
};

/// Where the node is.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "RPC options")]
pub(crate) struct RpcArgs {
    /// The node's RPC URL (http(s):// or ws(s)://).
    #[arg(long, short = 'r', env = "ETH_RPC_URL", default_value = wbx_sdk::DEFAULT_RPC_URL, value_name = "URL")]
    pub(crate) rpc_url: String,
}

/// Who signs.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Wallet options")]
pub(crate) struct WalletArgs {
    /// A raw private key (hex). Prefer a keystore: a key on a command line is visible to other users.
    #[arg(long, env = "WBX_PRIVATE_KEY", hide_env_values = true, value_name = "KEY")]
    pub(crate) private_key: Option<String>,
    /// An encrypted JSON keystore file.
    #[arg(long, env = "ETH_KEYSTORE", value_name = "PATH", conflicts_with = "private_key")]
    pub(crate) keystore: Option<PathBuf>,
    /// An account in Foundry's keystore folder (~/.foundry/keystores/NAME).
    #[arg(long, env = "ETH_KEYSTORE_ACCOUNT", value_name = "NAME", conflicts_with_all = ["private_key", "keystore"])]
    pub(crate) account: Option<String>,
    /// The keystore password (otherwise --password-file, or a prompt on a terminal).
    #[arg(long, env = "ETH_PASSWORD", hide_env_values = true, value_name = "PASSWORD")]
    pub(crate) password: Option<String>,
    /// A file holding the keystore password.
    #[arg(long, value_name = "PATH", conflicts_with = "password")]
    pub(crate) password_file: Option<PathBuf>,
    /// Anvil's dev account N (local chains only: refused on any other chain id).
    #[arg(long, value_name = "N", conflicts_with_all = ["private_key", "keystore", "account"])]
    pub(crate) dev_account: Option<u32>,
}

impl WalletArgs {
    /// The signer source the flags describe, if any.
    pub(crate) fn source(&self) -> Result<Option<SignerSource>> {
        if let Some(key) = &self.private_key {
            return Ok(Some(SignerSource::PrivateKey(Secret::new(key.clone()))));
        }
        if let Some(n) = self.dev_account {
            return Ok(Some(SignerSource::DevAccount(n)));
        }
        let path = match (&self.keystore, &self.account) {
            (Some(p), _) => p.clone(),
            (None, Some(name)) => SignerSource::foundry_account_path(name),
            (None, None) => return Ok(None),
        };
        if !path.exists() {
            return Err(CliError::input(format!(
                "no keystore at {}: check --keystore/--account (create one with `cast wallet import NAME --interactive`)",
                path.display()
            )));
        }
        let password = self.password()?;
        Ok(Some(SignerSource::Keystore { path, password }))
    }

    fn password(&self) -> Result<Secret> {
        if let Some(p) = &self.password {
            return Ok(Secret::new(p.clone()));
        }
        if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file).map_err(|e| {
                CliError::input(format!("cannot read the password file {}: {e}", file.display()))
            })?;
            return Ok(Secret::new(text.trim_end_matches(['\n', '\r'])));
        }
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let p = rpassword::prompt_password("keystore password: ")
                .map_err(|e| CliError::input(format!("cannot read the password: {e}")))?;
            return Ok(Secret::new(p));
        }
        Err(CliError::input(
            "the keystore needs a password: give --password, --password-file or ETH_PASSWORD",
        ))
    }

    /// A connection that signs with these flags (or none given: read-only).
    pub(crate) async fn connect(&self, rpc: &RpcArgs) -> Result<Connection> {
        let source = self.source()?;
        Ok(Connection::connect(&rpc.rpc_url, source.as_ref()).await?)
    }
}

/// Where the deployment is.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Deployment options")]
pub(crate) struct DeploymentArgs {
    /// The deployment record (default: deployments/<chainId>.json).
    #[arg(long, env = "WBX_DEPLOYMENT", value_name = "PATH")]
    pub(crate) deployment: Option<PathBuf>,
    /// The token address, overriding the record.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub(crate) token: Option<Address>,
    /// The pool address, overriding the record.
    #[arg(long, value_name = "ADDRESS", value_parser = address)]
    pub(crate) pool: Option<Address>,
}

impl DeploymentArgs {
    /// The record for `conn`'s chain, with any overrides.
    pub(crate) fn record(&self, conn: &Connection) -> Result<Deployment> {
        let path = self.deployment.clone().unwrap_or_else(|| {
            Deployment::default_path(std::path::Path::new("."), conn.chain_id())
        });
        let mut record = match (Deployment::read(&path), self.token, self.pool) {
            (Ok(r), _, _) => r,
            // Both addresses given: no record needed.
            (Err(_), Some(token), Some(pool)) => Deployment {
                chain_id: conn.chain_id(),
                token,
                pool,
                admin: Address::ZERO,
                deploy_block: 0,
                version: String::new(),
            },
            (Err(e), _, _) => return Err(wbx_sdk::Error::from(e).into()),
        };
        if let Some(t) = self.token {
            record.token = t;
        }
        if let Some(p) = self.pool {
            record.pool = p;
        }
        Ok(record)
    }

    /// Attaches to the deployment through `conn`.
    pub(crate) async fn attach(&self, conn: Connection) -> Result<Wbx> {
        let record = self.record(&conn)?;
        Ok(Wbx::attach(conn, record).await?)
    }
}

/// The flags every command on a deployment takes: RPC, wallet, deployment.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChainArgs {
    #[command(flatten)]
    pub(crate) rpc: RpcArgs,
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    #[command(flatten)]
    pub(crate) deployment: DeploymentArgs,
}

/// The flags of a command that sends a transaction: [`ChainArgs`] and what it pays for gas.
#[derive(Debug, Clone, Args)]
pub(crate) struct TxArgs {
    #[command(flatten)]
    pub(crate) chain: ChainArgs,
    #[command(flatten)]
    pub(crate) fees: FeeArgs,
}

impl std::ops::Deref for TxArgs {
    type Target = ChainArgs;

    fn deref(&self) -> &ChainArgs {
        &self.chain
    }
}

impl TxArgs {
    /// The deployment, signing with the wallet flags and paying the fee flags (checked first).
    pub(crate) async fn wbx(&self) -> Result<Wbx> {
        let fees = self.fees.fee_override()?;
        Ok(self.chain.wbx().await?.with_fees(fees))
    }
}

/// What a transaction pays for gas (default: the node's suggestion).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Fee options (commands that send)")]
pub(crate) struct FeeArgs {
    /// Max fee per gas, in gwei (default: twice the base fee plus the tip). Below the base fee a
    /// transaction waits in the pool.
    #[arg(long, value_parser = gwei, value_name = "GWEI")]
    pub(crate) max_fee: Option<u128>,
    /// Max priority fee (tip) per gas, in gwei (default: the node's suggestion).
    #[arg(long, value_parser = gwei, value_name = "GWEI")]
    pub(crate) priority_fee: Option<u128>,
}

impl FeeArgs {
    /// The fees as the SDK takes them; a tip above the max fee is bad input.
    pub(crate) fn fee_override(&self) -> Result<wbx_sdk::FeeOverride> {
        if let (Some(max), Some(tip)) = (self.max_fee, self.priority_fee)
            && tip > max
        {
            return Err(CliError::input(
                "--priority-fee is above --max-fee: the tip is paid out of the max fee, so give a max fee at least as high",
            ));
        }
        Ok(wbx_sdk::FeeOverride {
            max_fee_per_gas: self.max_fee,
            max_priority_fee_per_gas: self.priority_fee,
        })
    }
}

impl ChainArgs {
    /// The deployment, signing with the wallet flags: for commands that send (a signer is required).
    pub(crate) async fn wbx(&self) -> Result<Wbx> {
        if self.wallet.source()?.is_none() {
            return Err(wbx_sdk::Error::NoSigner.into());
        }
        self.reader().await
    }

    /// The deployment, with a signer if one was given: for commands that only read.
    pub(crate) async fn reader(&self) -> Result<Wbx> {
        let conn = self.wallet.connect(&self.rpc).await?;
        self.deployment.attach(conn).await
    }

    /// `account`, or the signer's address, or an error saying to give one.
    pub(crate) fn who(wbx: &Wbx, account: Option<Address>) -> Result<Address> {
        account.or(wbx.connection().sender()).ok_or_else(|| {
            CliError::input(
                "give an ADDRESS, or a wallet (--dev-account, --account, ...) to mean yourself",
            )
        })
    }
}

/// Parses an address; mixed case must carry a correct EIP-55 checksum.
pub(crate) fn address(s: &str) -> Result<Address, String> {
    parse_address(s).map_err(|e| match e {
        AddressError::Malformed => format!("{s:?} is not an address (0x and 40 hex characters)"),
        AddressError::Checksum(good) => {
            format!(
                "{s} has a wrong EIP-55 checksum (a typo?); checksummed, the same hex is {good}"
            )
        }
    })
}

/// Parses a decimal WBX or ETH amount.
pub(crate) fn amount(s: &str) -> Result<Amount, String> {
    s.parse::<Amount>().map_err(|e| e.to_string())
}

/// Parses a payment reference (`INV-2041`: printable ASCII, at most 32 bytes) or a 0x-prefixed
/// 32-byte payment id.
pub(crate) fn payment_ref(s: &str) -> Result<wbx_sdk::PaymentId, String> {
    s.parse::<wbx_sdk::PaymentId>().map_err(|e| e.to_string())
}

/// Parses a decimal amount of gwei into wei (`1.5` is 1,500,000,000).
pub(crate) fn gwei(s: &str) -> Result<u128, String> {
    let wei = Amount::parse_with_decimals(s, 9)
        .map_err(|e| format!("{s:?} is not an amount of gwei such as 1.5: {e}"))?
        .raw();
    u128::try_from(wei).map_err(|_| format!("{s} gwei is too large"))
}

/// Parses a transaction hash.
pub(crate) fn tx_hash(s: &str) -> Result<alloy::primitives::TxHash, String> {
    s.parse().map_err(|_| format!("{s:?} is not a transaction hash (0x and 64 hex characters)"))
}

/// Parses a duration such as `10m`, `1h`, `90s`.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration such as 90s, 10m or 1h ({e})"))
}

/// Parses a percentage with at most two decimals into basis points (`0.5` is 50).
pub(crate) fn percent_bps(s: &str) -> Result<u64, String> {
    let bps = Amount::parse_with_decimals(s.trim_end_matches('%'), 2)
        .map_err(|e| format!("{s:?} is not a percentage such as 0.5 or 1: {e}"))?
        .raw();
    if bps > alloy::primitives::U256::from(10_000) {
        return Err(format!("{s}% is more than 100%"));
    }
    Ok(bps.to::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers_explain_what_is_wrong() {
        assert_eq!(percent_bps("0.5"), Ok(50));
        assert_eq!(percent_bps("1%"), Ok(100));
        assert!(percent_bps("101").unwrap_err().contains("more than 100%"));
        assert!(percent_bps("0.001").is_err());
        assert_eq!(duration("10m"), Ok(Duration::from_secs(600)));
        assert!(duration("soon").is_err());
        assert!(
            address("0x70997970C51812dc3A010C7d01b50e0d17dc79c8").unwrap_err().contains("checksum")
        );
        assert!(amount("-1").unwrap_err().contains("negative"));
        assert_eq!(gwei("1.5"), Ok(1_500_000_000));
        assert!(gwei("cheap").unwrap_err().contains("gwei"));
    }
}
