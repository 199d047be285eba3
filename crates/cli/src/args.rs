//! Flag groups shared by the commands (RPC, wallet, deployment), flattened into each command with
//! their own help heading, and the value parsers that turn bad input into exit code 2.

use crate::error::{BadValue, CliError, Result, code};
use alloy::primitives::Address;
use clap::Args;
use std::{
    path::{Path, PathBuf},
    time::Duration,
};
use wbx_sdk::{
    Amount, Connection, Deployment, Secret, SignerSource, Wbx,
    payouts::{AddressError, parse_address},
};

/// Where the node is.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "RPC options")]
pub(crate) struct RpcArgs {
    /// The node's RPC URL: http(s)://, ws(s)://, or the path of its IPC socket file.
    #[arg(long, short = 'r', env = "ETH_RPC_URL", default_value = wbx_sdk::DEFAULT_RPC_URL, value_name = "URL", value_parser = rpc_url)]
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
            return Err(CliError::input(
                "bad-keystore",
                format!(
                    "no keystore at {}: check --keystore/--account (create one with `cast wallet import NAME --interactive`)",
                    path.display()
                ),
            ));
        }
        file_or_nothing(&path, "the keystore", "bad-keystore")?;
        let password = self.password()?;
        Ok(Some(SignerSource::Keystore { path, password }))
    }

    fn password(&self) -> Result<Secret> {
        if let Some(p) = &self.password {
            return Ok(Secret::new(p.clone()));
        }
        if let Some(file) = &self.password_file {
            let text = read_text(file, "the password file")?;
            return Ok(Secret::new(text.trim_end_matches(['\n', '\r'])));
        }
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let p = rpassword::prompt_password("keystore password: ").map_err(|e| {
                CliError::input(code::BAD_INPUT, format!("cannot read the password: {e}"))
            })?;
            return Ok(Secret::new(p));
        }
        Err(CliError::input(
            "no-password",
            "the keystore needs a password: give --password, --password-file or ETH_PASSWORD",
        ))
    }

    /// A connection that signs with these flags (or none given: read-only).
    pub(crate) async fn connect(&self, rpc: &RpcArgs) -> Result<Connection> {
        let source = self.source()?;
        let conn = Connection::connect(&rpc.rpc_url, source.as_ref()).await?;
        // A single send is written down before it leaves: a run killed while it waits, run again,
        // settles that transaction instead of sending a second one.
        Ok(conn.with_send_journal(wbx_sdk::tx::SendJournal::new(SEND_JOURNAL_DIR)))
    }
}

/// Where single sends are written down until settled (beside the audit index, in `.wbx`).
pub(crate) const SEND_JOURNAL_DIR: &str = ".wbx/sends";

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
    #[arg(long, value_parser = max_fee, value_name = "GWEI")]
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
                "bad-fee",
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
                "missing-argument",
                "give an ADDRESS, or a wallet (--dev-account, --account, ...) to mean yourself",
            )
        })
    }
}

/// Parses an address; mixed case must carry a correct EIP-55 checksum.
pub(crate) fn address(s: &str) -> Result<Address, BadValue> {
    parse_address(s).map_err(|e| {
        BadValue::new(
            code::BAD_ADDRESS,
            match e {
                AddressError::Malformed(reason) => {
                    format!("{s:?} is not an address (0x and 40 hex characters): {reason}")
                }
                AddressError::Checksum(good) => format!(
                    "{s} has a wrong EIP-55 checksum (a typo?); checksummed, the same hex is {good}"
                ),
            },
        )
    })
}

/// Parses a decimal WBX or ETH amount.
pub(crate) fn amount(s: &str) -> Result<Amount, BadValue> {
    s.parse::<Amount>().map_err(|e| BadValue::new(code::BAD_AMOUNT, e.to_string()))
}

/// Parses a payment reference (`INV-2041`: printable ASCII, at most 32 bytes) or a 0x-prefixed
/// 32-byte payment id.
pub(crate) fn payment_ref(s: &str) -> Result<wbx_sdk::PaymentId, String> {
    s.parse::<wbx_sdk::PaymentId>().map_err(|e| e.to_string())
}

/// Parses a decimal amount of gwei into wei (`1.5` is 1,500,000,000).
pub(crate) fn gwei(s: &str) -> Result<u128, BadValue> {
    let bad = |m: String| BadValue::new("bad-fee", m);
    let wei = Amount::parse_with_decimals(s, 9)
        .map_err(|e| bad(format!("{s:?} is not an amount of gwei such as 1.5: {e}")))?
        .raw();
    u128::try_from(wei).map_err(|_| bad(format!("{s} gwei is too large")))
}

/// Parses a max fee in gwei: zero would never be mined.
pub(crate) fn max_fee(s: &str) -> Result<u128, BadValue> {
    match gwei(s)? {
        0 => Err(BadValue::new(
            "bad-fee",
            "a max fee of 0 would never be mined: give a fee in gwei, like 30, or leave it out for the node's suggestion",
        )),
        wei => Ok(wei),
    }
}

/// Parses a transaction hash.
pub(crate) fn tx_hash(s: &str) -> Result<alloy::primitives::TxHash, BadValue> {
    s.parse().map_err(|_| {
        let note = wbx_sdk::names::non_ascii(s).map(|n| format!(": {n}")).unwrap_or_default();
        BadValue::new(
            "bad-tx-hash",
            format!("{s:?} is not a transaction hash (0x and 64 hex characters){note}"),
        )
    })
}

/// Parses a duration such as `10m`, `1h`, `90s`.
pub(crate) fn duration(s: &str) -> Result<Duration, BadValue> {
    humantime::parse_duration(s).map_err(|e| {
        let note = wbx_sdk::names::non_ascii(s).map(|n| format!("; {n}")).unwrap_or_default();
        BadValue::new(
            "bad-duration",
            format!("{s:?} is not a duration such as 90s, 10m or 1h ({e}){note}"),
        )
    })
}

/// Parses a duration that must not be zero (a deadline, a validity): nothing could happen in it.
pub(crate) fn nonzero_duration(s: &str) -> Result<Duration, BadValue> {
    match duration(s)? {
        d if d.is_zero() => Err(BadValue::new(
            "bad-duration",
            format!("{s:?} is no time at all: nothing can be mined in it; give 90s, 10m or 1h"),
        )),
        d => Ok(d),
    }
}

/// Parses a percentage with at most two decimals into basis points (`0.5` is 50).
pub(crate) fn percent_bps(s: &str) -> Result<u64, BadValue> {
    let bad = |m: String| BadValue::new("bad-percent", m);
    let bps = Amount::parse_with_decimals(s.trim_end_matches('%'), 2)
        .map_err(|e| bad(format!("{s:?} is not a percentage such as 0.5 or 1: {e}")))?
        .raw();
    if bps > alloy::primitives::U256::from(10_000) {
        return Err(bad(format!("{s}% is more than 100%")));
    }
    Ok(bps.to::<u64>())
}

/// Checks an RPC URL before anything connects: http(s), ws(s), or an existing IPC socket file.
pub(crate) fn rpc_url(s: &str) -> Result<String, BadValue> {
    wbx_sdk::connection::check_rpc_url(s).map_err(|m| BadValue::new("bad-rpc-url", m))?;
    Ok(s.trim().to_string())
}

/// Refuses an amount of zero for a command that would move nothing with it.
pub(crate) fn nonzero(amount: Amount, what: &str) -> Result<()> {
    if amount.raw().is_zero() {
        return Err(CliError::input(
            code::ZERO_AMOUNT,
            format!("an amount of 0 would {what}: give an amount above 0"),
        ));
    }
    Ok(())
}

/// Refuses the zero address where it can never work (`role`: "a recipient", "a spender", ...).
pub(crate) fn not_zero_address(who: Address, role: &str) -> Result<()> {
    if who.is_zero() {
        return Err(CliError::input(
            code::BAD_RECIPIENT,
            format!(
                "the zero address cannot be {role}: nobody holds its key, so this can never work (a mistyped or unset address?)"
            ),
        ));
    }
    Ok(())
}

/// Refuses the token contract itself where it can never work (`why`: what it cannot do).
pub(crate) fn not_the_token(token: Address, who: Address, why: &str) -> Result<()> {
    if who == token {
        return Err(CliError::input(
            code::BAD_RECIPIENT,
            format!("{who} is the WBX token contract itself, which {why}; nothing was sent"),
        ));
    }
    Ok(())
}

/// Reads a text file given on the command line (`what`: "the payout file", ...): a directory, a
/// missing or unreadable file, or bytes that are not UTF-8 are bad input, said with the path; a
/// byte-order mark is dropped.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = read_bytes(path, what)?;
    let text = wbx_sdk::payouts::decode_text(&path.display().to_string(), &bytes)
        .map_err(|e| CliError::input(code::BAD_FILE, format!("{what} {e}")))?;
    Ok(text.trim_start_matches('\u{FEFF}').to_string())
}

/// The most an input file may hold: 64 MiB, a million payout rows. A device that never ends
/// (`/dev/zero`) is refused instead of filling the memory.
const MAX_INPUT: u64 = 64 << 20;

/// Reads a file given on the command line, as [`read_text`] says, but as bytes.
pub(crate) fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    let bad =
        |why: String| CliError::input(code::BAD_FILE, format!("{what} {} {why}", path.display()));
    if path.is_dir() {
        return Err(bad("is a directory: give a file".into()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_INPUT + 1), &mut bytes)
        })
        .map_err(|e| {
            CliError::input(code::BAD_FILE, format!("cannot read {what} {}: {e}", path.display()))
        })?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(bad(format!("is larger than {} MiB: is it the right file?", MAX_INPUT >> 20)));
    }
    Ok(bytes)
}

/// Refuses a path that exists but is not a regular file (a device, a socket, a directory) where
/// only a file can be meant (`what`: "the keystore", ...).
pub(crate) fn file_or_nothing(path: &Path, what: &str, code: &'static str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(CliError::input(
            code,
            format!("{what} {} is a directory: give a file", path.display()),
        )),
        Ok(m) if !m.is_file() => Err(CliError::input(
            code,
            format!("{what} {} is not a regular file (a device or a socket?)", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Checks, before anything is sent, that a file can be written at `path` once the work is done:
/// not a directory, in a folder that exists or can be made, and is writable.
pub(crate) fn writable(path: &Path, what: &str) -> Result<()> {
    let bad = |why: String| {
        CliError::input(code::BAD_FILE, format!("cannot write {what} {}: {why}", path.display()))
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(bad("it is a directory".into())),
        Ok(m) if !m.is_file() => return Err(bad("it is not a regular file".into())),
        _ => {}
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(|e| bad(e.to_string()))?;
    tempfile::NamedTempFile::new_in(&folder).map(drop).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers_explain_what_is_wrong() {
        assert_eq!(percent_bps("0.5").unwrap(), 50);
        assert_eq!(percent_bps("1%").unwrap(), 100);
        assert!(percent_bps("101").unwrap_err().message.contains("more than 100%"));
        assert!(percent_bps("0.001").is_err());
        assert_eq!(duration("10m").unwrap(), Duration::from_secs(600));
        assert!(duration("soon").is_err());
        let err = |r: Result<u128, BadValue>| r.unwrap_err().message;
        assert!(
            address("0x70997970C51812dc3A010C7d01b50e0d17dc79c8")
                .unwrap_err()
                .message
                .contains("checksum")
        );
        assert!(amount("-1").unwrap_err().message.contains("negative"));
        assert_eq!(gwei("1.5").unwrap(), 1_500_000_000);
        assert!(err(gwei("cheap")).contains("gwei"));
        assert!(err(max_fee("0")).contains("never be mined"));
        assert!(nonzero_duration("0s").is_err());
    }
}
