//! Where a signing key comes from: a private key, an encrypted keystore in Foundry's format, or an
//! anvil dev account (refused on any chain but a local one). Keys are never printed: the types here
//! redact them in `Debug`, and errors name the source, never the secret.

use alloy::signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};
use std::{fmt, path::PathBuf};

/// Chain ids of local development chains (anvil, hardhat, ganache).
pub const LOCAL_CHAIN_IDS: &[u64] = &[31337, 1337];

/// The mnemonic of anvil's well-known dev accounts. Public knowledge: local chains only.
pub const ANVIL_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// A secret string (private key or password) that never shows in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a signer could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The private key is not 32 bytes of hex.
    #[error("the private key is not valid (expected 64 hex characters, with or without 0x)")]
    InvalidPrivateKey,
    /// 64 hex characters, but not a secp256k1 private key: zero, or not below the curve order.
    #[error(
        "the private key is out of range: a secp256k1 key is a number from 1 to the curve order minus 1 (0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140), and this one is {0}"
    )]
    PrivateKeyOutOfRange(&'static str),
    /// The keystore could not be read or decrypted.
    #[error("cannot open keystore {path}: {reason}")]
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Why (wrong password, not a keystore, missing).
        reason: String,
    },
    /// A dev account was asked for on a chain that is not a local one.
    #[error(
        "--dev-account is only allowed on a local chain (chain id 31337 or 1337), and this chain is {chain_id}: use --private-key or --keystore/--account"
    )]
    DevAccountNotLocal {
        /// The chain's id.
        chain_id: u64,
    },
    /// The dev account index is out of range.
    #[error("dev account index {0} is out of range: anvil has accounts 0 to 9 by default")]
    DevAccountIndex(u32),
}

/// Where the signing key comes from.
#[derive(Debug, Clone)]
pub enum SignerSource {
    /// A raw private key in hex.
    PrivateKey(Secret),
    /// An encrypted JSON keystore (Foundry's and geth's format) and its password.
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Its password.
        password: Secret,
    },
    /// Anvil's dev account number `n` (from [`ANVIL_MNEMONIC`]); local chains only.
    DevAccount(u32),
}

impl SignerSource {
    /// The keystore file of a named account in Foundry's keystore folder (`~/.foundry/keystores`).
    pub fn foundry_account_path(name: &str) -> PathBuf {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".foundry").join("keystores").join(name)
    }

    /// Loads the signer for a chain with id `chain_id`.
    pub fn resolve(&self, chain_id: u64) -> Result<PrivateKeySigner, SignerError> {
        match self {
            Self::PrivateKey(key) => private_key(key),
            Self::Keystore { path, password } => {
                PrivateKeySigner::decrypt_keystore(path, password.expose()).map_err(|e| {
                    SignerError::Keystore { path: path.clone(), reason: keystore_reason(&e) }
                })
            }
            Self::DevAccount(index) => {
                if !LOCAL_CHAIN_IDS.contains(&chain_id) {
                    return Err(SignerError::DevAccountNotLocal { chain_id });
                }
                dev_account(*index)
            }
        }
    }
}

/// A private key from 64 hex digits. Hex that is not a key is told apart from what is not hex, and
/// neither error shows the key.
fn private_key(key: &Secret) -> Result<PrivateKeySigner, SignerError> {
    let hex = key.expose().trim();
    let hex = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
    let mut bytes = [0u8; 32];
    alloy::hex::decode_to_slice(hex, &mut bytes).map_err(|_| SignerError::InvalidPrivateKey)?;
    if bytes == [0u8; 32] {
        return Err(SignerError::PrivateKeyOutOfRange("zero"));
    }
    PrivateKeySigner::from_slice(&bytes)
        .map_err(|_| SignerError::PrivateKeyOutOfRange("not below the curve order"))
}

/// Anvil's dev account `index`, whatever the chain: for tests and local tooling.
pub fn dev_account(index: u32) -> Result<PrivateKeySigner, SignerError> {
    if index >= 1000 {
        return Err(SignerError::DevAccountIndex(index));
    }
    MnemonicBuilder::<English>::default()
        .phrase(ANVIL_MNEMONIC)
        .index(index)
        .and_then(|b| b.build())
        .map_err(|_| SignerError::DevAccountIndex(index))
}

fn keystore_reason(e: &alloy::signers::local::LocalSignerError) -> String {
    let s = e.to_string();
    if s.contains("Mac Mismatch") || s.to_lowercase().contains("mac mismatch") {
        "wrong password".to_string()
    } else if s.contains("No such file") {
        "no such file".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_are_anvils_and_local_only() {
        let a0 = SignerSource::DevAccount(0).resolve(31337).unwrap();
        assert_eq!(a0.address().to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        let err = SignerSource::DevAccount(0).resolve(1).unwrap_err();
        assert!(matches!(err, SignerError::DevAccountNotLocal { chain_id: 1 }));
    }

    #[test]
    fn private_key_errors_never_echo_the_key() {
        let bad = "0xnot-a-key-but-secret-looking";
        let err = SignerSource::PrivateKey(Secret::new(bad)).resolve(1).unwrap_err();
        assert!(!err.to_string().contains("secret-looking"));
        assert!(!format!("{:?}", SignerSource::PrivateKey(Secret::new(bad))).contains("secret"));
        let good = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        assert!(SignerSource::PrivateKey(Secret::new(good)).resolve(1).is_ok());
        assert!(SignerSource::PrivateKey(Secret::new(format!("0x{good}\n"))).resolve(1).is_ok());
    }

    #[test]
    fn hex_that_is_not_a_key_is_out_of_range() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        let last = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140";
        let cases = [
            ("0".repeat(64), "zero"),
            (order.to_string(), "not below the curve order"),
            ("f".repeat(64), "not below the curve order"),
        ];
        for (key, why) in cases {
            let err = SignerSource::PrivateKey(Secret::new(key.clone())).resolve(1).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("out of range") && text.ends_with(why), "{text}");
            assert!(!text.to_lowercase().contains(&key), "the key is shown: {text}");
        }
        assert!(SignerSource::PrivateKey(Secret::new(last)).resolve(1).is_ok());
        assert!(
            SignerSource::PrivateKey(Secret::new(format!("{}1", "0".repeat(63))))
                .resolve(1)
                .is_ok()
        );
        let short = SignerSource::PrivateKey(Secret::new("ab".repeat(31))).resolve(1).unwrap_err();
        assert!(matches!(short, SignerError::InvalidPrivateKey), "{short}");
    }

    #[test]
    fn keystore_round_trip_and_wrong_password() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = rand::thread_rng();
        let (signer, _uuid) =
            PrivateKeySigner::new_keystore(dir.path(), &mut rng, "pw", Some("acct")).unwrap();
        let path = dir.path().join("acct");
        let source = SignerSource::Keystore { path: path.clone(), password: Secret::new("pw") };
        assert_eq!(source.resolve(1).unwrap().address(), signer.address());
        let wrong = SignerSource::Keystore { path, password: Secret::new("nope") };
        let err = wrong.resolve(1).unwrap_err().to_string();
        assert!(err.contains("wrong password"), "{err}");
    }
}
