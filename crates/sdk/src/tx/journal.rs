//! The send journal: a single send written down before it is broadcast, so a process killed while
//! it waits does not lead the next run to send the same thing again.
//!
//! One file per chain, sender and process (`<dir>/<chain id>-<sender>-<pid>.json`) holds the
//! signed transaction that process has in flight, what it does (its intent: recipient, value and
//! calldata hashed) and the chain's genesis hash. It is written before the broadcast and removed
//! once the transaction is settled. A file whose process is gone was left by a killed run: the
//! next send of that sender settles it first (a dropped transaction is broadcast again as it
//! was), and if it did what is asked now, its receipt is the answer and nothing is sent. A file of
//! a process still running is its own business: two deliberate, identical sends from two
//! terminals are both made. An entry from another chain with the same id (a restarted local node)
//! is discarded, never broadcast there.
//!
//! Hand-written: a few dozen lines over serde_json and [`crate::fs::write_atomic`]; no crate
//! keeps a write-ahead record of one transaction.

use crate::error::{Error, Result};
use alloy::{
    primitives::{Address, B256, Bytes, TxHash, keccak256},
    rpc::types::TransactionRequest,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where single sends are written down (a folder, made when first needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendJournal {
    dir: PathBuf,
}

/// A send in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// keccak256 of recipient, value and calldata: what the transaction does.
    pub intent: B256,
    /// The chain's genesis block hash: a chain id alone does not tell two local chains apart.
    pub genesis: B256,
    /// Its nonce.
    pub nonce: u64,
    /// Its hash.
    pub hash: TxHash,
    /// The signed transaction, to broadcast again unchanged if the node dropped it.
    pub raw: Bytes,
    /// A block at or before its broadcast.
    pub since_block: u64,
}

impl SendJournal {
    /// A journal kept in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// This process's file for `sender` on `chain_id`.
    pub fn path(&self, chain_id: u64, sender: Address) -> PathBuf {
        self.dir.join(format!("{chain_id}-{sender}-{}.json", std::process::id()))
    }

    /// The sends that runs no longer alive left in flight for `sender` on `chain_id`, with their
    /// files, in nonce order.
    pub fn left_over(&self, chain_id: u64, sender: Address) -> Result<Vec<(PathBuf, Entry)>> {
        let prefix = format!("{chain_id}-{sender}-");
        let dir = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        let mut found = Vec::new();
        for file in dir {
            let path = file.map_err(|e| io_error(&self.dir, e))?.path();
            let Some(pid) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == std::process::id() || is_running(pid) {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
            let entry: Entry = serde_json::from_slice(&bytes).map_err(|e| {
                Error::BadInput(format!(
                    "the send journal {} is not valid ({e}): check the transaction it named with `wbx doctor account`, then remove the file",
                    path.display()
                ))
            })?;
            found.push((path, entry));
        }
        found.sort_by_key(|(_, e)| e.nonce);
        Ok(found)
    }

    /// Writes `entry` down in this process's file (atomically and synced, before the broadcast).
    pub fn save(&self, chain_id: u64, sender: Address, entry: &Entry) -> Result<()> {
        let path = self.path(chain_id, sender);
        let json = serde_json::to_vec_pretty(entry).expect("an entry serialises");
        crate::fs::write_atomic(&path, &json).map_err(|e| io_error(&path, e))
    }

    /// Removes this process's entry for `sender` on `chain_id` (settled).
    pub fn clear(&self, chain_id: u64, sender: Address) -> Result<()> {
        remove(&self.path(chain_id, sender))
    }
}

/// Removes a journal file (a missing one is fine).
pub fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(path, e)),
        _ => Ok(()),
    }
}

/// Whether process `pid` is running: `/proc` where there is one, else `kill -0`.
fn is_running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.is_dir() {
        return proc.join(pid.to_string()).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What `request` does: its recipient, value and calldata, hashed.
pub fn intent(request: &TransactionRequest) -> B256 {
    let to = request.to.and_then(|t| t.to().copied()).unwrap_or_default();
    let value = request.value.unwrap_or_default();
    let input = request.input.input().cloned().unwrap_or_default();
    let mut bytes = Vec::with_capacity(20 + 32 + input.len());
    bytes.extend_from_slice(to.as_slice());
    bytes.extend_from_slice(&value.to_be_bytes::<32>());
    bytes.extend_from_slice(&input);
    keccak256(bytes)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Other(format!("cannot use the send journal {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::U256;

    fn entry(nonce: u64) -> Entry {
        Entry {
            intent: B256::repeat_byte(1),
            genesis: B256::repeat_byte(2),
            nonce,
            hash: B256::repeat_byte(nonce as u8),
            raw: Bytes::from_static(&[0x02]),
            since_block: 7,
        }
    }

    /// Only files of processes that are gone are left over, in nonce order; this process's own
    /// file and a running process's are not.
    #[test]
    fn left_over_sends_are_those_of_processes_gone() {
        let dir = tempfile::tempdir().unwrap();
        let journal = SendJournal::new(dir.path());
        let sender = Address::repeat_byte(9);
        journal.save(31337, sender, &entry(5)).unwrap();
        let write = |pid: u32, e: &Entry| {
            let path = dir.path().join(format!("31337-{sender}-{pid}.json"));
            std::fs::write(path, serde_json::to_vec(e).unwrap()).unwrap();
        };
        write(1, &entry(6)); // init: running
        let gone = |n: u32| (4_000_000 + n..).find(|p| !is_running(*p)).unwrap();
        write(gone(0), &entry(4));
        write(gone(10), &entry(3));
        std::fs::write(dir.path().join("1-other.json"), b"{").unwrap(); // another chain's name
        let left: Vec<u64> =
            journal.left_over(31337, sender).unwrap().into_iter().map(|(_, e)| e.nonce).collect();
        assert_eq!(left, [3, 4]);
        assert!(journal.left_over(1, sender).unwrap().is_empty(), "another chain's files");
        journal.clear(31337, sender).unwrap();
        assert!(!journal.path(31337, sender).exists());
    }

    /// The intent tells apart what a transaction does: recipient, value and calldata.
    #[test]
    fn intents_differ_by_recipient_value_and_calldata() {
        let base = TransactionRequest::default()
            .to(Address::repeat_byte(1))
            .value(U256::from(1))
            .input(Bytes::from_static(&[1, 2]).into());
        let others = [
            base.clone().to(Address::repeat_byte(2)),
            base.clone().value(U256::from(2)),
            base.clone().input(Bytes::from_static(&[1, 3]).into()),
        ];
        for other in others {
            assert_ne!(intent(&base), intent(&other));
        }
        assert_eq!(intent(&base), intent(&base.clone().nonce(9).gas_limit(1)), "not the envelope");
    }
}
