//! The deployment record: where a WBX deployment lives on a chain, as written by
//! `contracts/script/Deploy.s.sol` and by [`crate::deploy`], read by every client.

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::{
    io,
    path::{Path, PathBuf},
};

/// Why a deployment record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentError {
    /// There is no record at the path.
    #[error(
        "no deployment record at {path}: deploy first (`wbx deploy`), or point at the record with --deployment"
    )]
    Missing {
        /// The path looked at.
        path: PathBuf,
    },
    /// The file exists but could not be read or written.
    #[error("cannot access the deployment record {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not a valid record.
    #[error("the deployment record {path} is not valid: {source}")]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong with it.
        source: serde_json::Error,
    },
}

/// Where a WBX deployment lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The chain it is on.
    pub chain_id: u64,
    /// The WebexToken contract.
    pub token: Address,
    /// The WbxPool contract.
    pub pool: Address,
    /// The top admin at deployment.
    pub admin: Address,
    /// A block at or before the token's deployment: event scans start here.
    pub deploy_block: u64,
    /// The token's `version()` at deployment.
    pub version: String,
}

impl Deployment {
    /// The conventional path of the record for `chain_id` under `root`: `deployments/<chainId>.json`.
    pub fn default_path(root: &Path, chain_id: u64) -> PathBuf {
        root.join("deployments").join(format!("{chain_id}.json"))
    }

    /// Reads a record.
    pub fn read(path: &Path) -> Result<Self, DeploymentError> {
        // A record is a few hundred bytes: reading at most 1 MiB keeps `/dev/zero` from hanging us.
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| io::Read::read_to_string(&mut io::Read::take(f, 1 << 20), &mut text))
            .map_err(|source| {
                if source.kind() == io::ErrorKind::NotFound {
                    DeploymentError::Missing { path: path.to_path_buf() }
                } else {
                    DeploymentError::Io { path: path.to_path_buf(), source }
                }
            })?;
        // An editor may have saved it with a byte-order mark, which JSON does not allow.
        serde_json::from_str(text.trim_start_matches('\u{FEFF}'))
            .map_err(|source| DeploymentError::Invalid { path: path.to_path_buf(), source })
    }

    /// Writes the record atomically (a temporary file renamed over the target), creating the folder.
    pub fn write(&self, path: &Path) -> Result<(), DeploymentError> {
        let io_err = |source| DeploymentError::Io { path: path.to_path_buf(), source };
        let json = serde_json::to_string_pretty(self).expect("a deployment serialises");
        crate::fs::write_atomic(path, json.as_bytes()).map_err(io_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_forge_format() {
        // The exact shape `Deploy.s.sol` writes.
        let forge = r#"{
  "admin": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "chainId": 31337,
  "deployBlock": 0,
  "pool": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  "token": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  "version": "1.0.0"
}"#;
        let d: Deployment = serde_json::from_str(forge).unwrap();
        assert_eq!(d.chain_id, 31337);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/31337.json");
        d.write(&path).unwrap();
        assert_eq!(Deployment::read(&path).unwrap(), d);
    }

    #[test]
    fn missing_record_says_what_to_do() {
        let err = Deployment::read(Path::new("/nonexistent/1.json")).unwrap_err();
        assert!(matches!(err, DeploymentError::Missing { .. }));
        assert!(err.to_string().contains("wbx deploy"));
    }
}
