//! The keeper's view of the chain: every grant as the events tell it, when each holder last used
//! the token, the cursor (the last block applied, with its hash), an undo log of the recent blocks
//! for reorgs, and the renewal transactions in flight. All of it is saved atomically to one JSON
//! file, so a restart resumes from the cursor and finishes the transactions it had sent.

use crate::error::{Error, Result};
use alloy::primitives::{Address, B256, Bytes, TxHash};
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashSet, VecDeque},
    path::{Path, PathBuf},
};
use wbx_sdk::{GrantKind, Role};

/// The version of the state file format.
pub const STATE_VERSION: u32 = 1;

/// One grant: a role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GrantKey {
    /// The role.
    pub role: Role,
    /// The holder.
    pub account: Address,
}

impl GrantKey {
    /// The grant of `role` to `account`.
    pub fn new(role: Role, account: Address) -> Self {
        Self { role, account }
    }
}

impl std::fmt::Display for GrantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {}", self.role, self.account)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the events say about one grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    /// Standard or Extended.
    pub kind: GrantKind,
    /// The first second at which it no longer authorises.
    pub expires_at: u64,
    /// The timestamp of the block that granted it (the idle window starts here at the latest).
    pub granted_at: u64,
    /// Revoked (or renounced).
    #[serde(default, skip_serializing_if = "is_false")]
    pub revoked: bool,
    /// The decision to let it lapse (idle), or its miss, was reported for this expiry; cleared when
    /// the expiry moves.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reported: bool,
    /// This expiry, having passed unrenewed, was counted: as a lapse (idle) or as a miss. Cleared
    /// when the expiry moves.
    #[serde(default, skip_serializing_if = "is_false")]
    pub expiry_counted: bool,
}

impl GrantView {
    /// Whether it authorises at chain time `now` (`now < expiresAt`, as the contract decides).
    pub fn is_active(&self, now: u64) -> bool {
        !self.revoked && now < self.expires_at
    }
}

/// A block by number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: B256,
}

/// How to take back one change, if the block that made it is reorganised away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "camelCase")]
pub enum Undo {
    /// A grant changed in `block`; `prev` is what it was before (`None`: unknown before).
    #[serde(rename_all = "camelCase")]
    Grant {
        /// The block of the change.
        block: u64,
        /// The grant.
        key: GrantKey,
        /// Its view before.
        prev: Option<GrantView>,
    },
    /// A holder's last use moved in `block`.
    #[serde(rename_all = "camelCase")]
    Use {
        /// The block of the change.
        block: u64,
        /// The holder.
        account: Address,
        /// The last use before.
        prev: Option<u64>,
    },
}

impl Undo {
    fn block(&self) -> u64 {
        match self {
            Self::Grant { block, .. } | Self::Use { block, .. } => *block,
        }
    }
}

/// One signed version of a renewal transaction (the first, or a replacement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// Its hash.
    pub hash: TxHash,
    /// Max fee per gas (wei).
    pub max_fee: u128,
    /// Max priority fee per gas (wei).
    pub priority_fee: u128,
    /// The signed EIP-2718 bytes, to broadcast again after a restart.
    pub raw: Bytes,
    /// Wall-clock time of its (last) broadcast, unix milliseconds.
    pub sent_at_ms: u64,
}

/// A renewal transaction sent and not yet known to be mined. It is saved before it is broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingTx {
    /// The nonce all its attempts share.
    pub nonce: u64,
    /// The role renewed.
    pub role: Role,
    /// The holders in the batch.
    pub accounts: Vec<Address>,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Every signed version, oldest first; any one of them may be the one mined.
    pub attempts: Vec<Attempt>,
    /// The chain's head when it was first signed: where the search for what used its nonce starts.
    #[serde(default)]
    pub since_block: u64,
}

impl PendingTx {
    /// The newest attempt.
    pub fn latest(&self) -> &Attempt {
        self.attempts.last().expect("a pending transaction has at least one attempt")
    }

    /// What the SDK's settlement tracks: the keeper's nonce and every version at it.
    pub fn tracked(&self, from: Address) -> wbx_sdk::tx::Tracked {
        wbx_sdk::tx::Tracked {
            from,
            nonce: self.nonce,
            versions: self.attempts.iter().map(|a| a.hash).collect(),
            since_block: self.since_block,
        }
    }
}

/// Everything the keeper persists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeeperState {
    /// File format version.
    pub version: u32,
    /// The chain.
    pub chain_id: u64,
    /// The token.
    pub token: Address,
    /// The last block whose events are applied (none yet: start at the deployment block).
    pub cursor: Option<BlockRef>,
    /// Earlier cursors within the reorg depth, oldest first: where a rewind may go back to.
    #[serde(default)]
    pub checkpoints: VecDeque<BlockRef>,
    /// Every grant seen, by role and holder.
    #[serde(default)]
    pub grants: BTreeMap<Role, BTreeMap<Address, GrantView>>,
    /// When each holder of a grant last acted on chain (token movement, approval, swap, liquidity,
    /// pool or admin action), as a block timestamp.
    #[serde(default)]
    pub last_use: BTreeMap<Address, u64>,
    /// How to undo the changes of the recent blocks, oldest first.
    #[serde(default)]
    pub undo: Vec<Undo>,
    /// Renewal transactions in flight. Saved apart, in the journal beside the state file
    /// ([`journal_path`]): it changes with every transaction, the view once a pass.
    #[serde(skip)]
    pub pending: Vec<PendingTx>,
    /// Chain time of the keeper's first completed pass: grants that expired before it are
    /// nobody's miss.
    #[serde(default)]
    pub watch_since: Option<u64>,
}

/// The journal of renewals in flight, beside the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Journal {
    version: u32,
    chain_id: u64,
    token: Address,
    pending: Vec<PendingTx>,
}

/// Where the journal of the state file `path` is: `keeper-1.json` -> `keeper-1.pending.json`.
pub fn journal_path(path: &Path) -> PathBuf {
    path.with_extension("pending.json")
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let err = |reason: String| Error::State { path: path.to_path_buf(), reason };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(format!("cannot read it: {e}"))),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| err(format!("not a keeper state file: {e}")))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value).expect("the state serialises");
    wbx_sdk::fs::write_atomic(path, &bytes).map_err(|e| Error::State {
        path: path.to_path_buf(),
        reason: format!("cannot write it: {e}"),
    })
}

impl KeeperState {
    /// An empty view of the deployment with `token` on `chain_id`.
    pub fn new(chain_id: u64, token: Address) -> Self {
        Self {
            version: STATE_VERSION,
            chain_id,
            token,
            cursor: None,
            checkpoints: VecDeque::new(),
            grants: BTreeMap::new(),
            last_use: BTreeMap::new(),
            undo: Vec::new(),
            pending: Vec::new(),
            watch_since: None,
        }
    }

    /// Reads the state at `path` and its journal; `None` if there is neither yet.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let view: Option<Self> = read_json(path)?;
        let jpath = journal_path(path);
        let journal: Option<Journal> = read_json(&jpath)?;
        let version = |v: u32, p: &Path| {
            if v == STATE_VERSION {
                Ok(())
            } else {
                Err(Error::State {
                    path: p.to_path_buf(),
                    reason: format!(
                        "format version {v} is not {STATE_VERSION}: move it away to start afresh"
                    ),
                })
            }
        };
        let mut state = match (view, &journal) {
            (Some(v), _) => {
                version(v.version, path)?;
                v
            }
            (None, Some(j)) => Self::new(j.chain_id, j.token),
            (None, None) => return Ok(None),
        };
        if let Some(j) = journal {
            version(j.version, &jpath)?;
            if (j.chain_id, j.token) != (state.chain_id, state.token) {
                return Err(Error::State {
                    path: jpath,
                    reason: "its chain or token differs from the state file's".into(),
                });
            }
            state.pending = j.pending;
        }
        Ok(Some(state))
    }

    /// Writes the state to `path` and the journal beside it, each atomically (a temporary file
    /// renamed over it).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_json(path, self)?;
        self.save_journal(path)
    }

    /// Writes only the journal of renewals in flight (small: before every broadcast).
    pub fn save_journal(&self, path: &Path) -> Result<()> {
        let journal = Journal {
            version: self.version,
            chain_id: self.chain_id,
            token: self.token,
            pending: self.pending.clone(),
        };
        write_json(&journal_path(path), &journal)
    }

    /// The view of one grant.
    pub fn grant(&self, key: GrantKey) -> Option<&GrantView> {
        self.grants.get(&key.role).and_then(|m| m.get(&key.account))
    }

    /// Every grant, in role then holder order.
    pub fn iter_grants(&self) -> impl Iterator<Item = (GrantKey, &GrantView)> {
        self.grants
            .iter()
            .flat_map(|(role, m)| m.iter().map(|(a, v)| (GrantKey::new(*role, *a), v)))
    }

    /// How many grants are tracked.
    pub fn tracked(&self) -> usize {
        self.grants.values().map(|m| m.len()).sum()
    }

    /// Whether `account` holds (or held) any grant in the view.
    pub fn has_grant(&self, account: Address) -> bool {
        self.grants.values().any(|m| m.contains_key(&account))
    }

    /// Sets the view of a grant, changed by `block`; with `undoable`, the change can be undone.
    pub fn set_grant(&mut self, key: GrantKey, view: GrantView, block: u64, undoable: bool) {
        let prev = self.grants.entry(key.role).or_default().insert(key.account, view);
        if undoable && prev != Some(view) {
            self.undo.push(Undo::Grant { block, key, prev });
        }
    }

    /// Records that `account` acted at chain time `at` in `block`.
    pub fn note_use(&mut self, account: Address, at: u64, block: u64, undoable: bool) {
        let prev = self.last_use.get(&account).copied();
        if prev.is_some_and(|p| p >= at) {
            return;
        }
        self.last_use.insert(account, at);
        if undoable {
            self.undo.push(Undo::Use { block, account, prev });
        }
    }

    /// Moves the cursor to `block` (its events are applied) and remembers it as a checkpoint.
    pub fn advance_cursor(&mut self, block: BlockRef) {
        self.cursor = Some(block);
        if self.checkpoints.back().is_none_or(|c| c.number < block.number) {
            self.checkpoints.push_back(block);
        }
    }

    /// Forgets undo entries and checkpoints older than `horizon`: reorgs are assumed never to
    /// reach below it.
    pub fn prune(&mut self, horizon: u64) {
        self.undo.retain(|u| u.block() > horizon);
        while self.checkpoints.front().is_some_and(|c| c.number < horizon) {
            self.checkpoints.pop_front();
        }
    }

    /// Takes back every change made after `to` and moves the cursor there.
    pub fn rewind_to(&mut self, to: BlockRef) {
        while let Some(u) = self.undo.last() {
            if u.block() <= to.number {
                break;
            }
            match self.undo.pop().expect("just seen") {
                Undo::Grant { key, prev, .. } => {
                    let m = self.grants.entry(key.role).or_default();
                    match prev {
                        Some(v) => m.insert(key.account, v),
                        None => m.remove(&key.account),
                    };
                }
                Undo::Use { account, prev, .. } => {
                    match prev {
                        Some(p) => self.last_use.insert(account, p),
                        None => self.last_use.remove(&account),
                    };
                }
            }
        }
        while self.checkpoints.back().is_some_and(|c| c.number > to.number) {
            self.checkpoints.pop_back();
        }
        self.cursor = Some(to);
    }

    /// Forgets the whole view (not the transactions in flight), to rescan from the deployment.
    pub fn reset_view(&mut self) {
        self.cursor = None;
        self.checkpoints.clear();
        self.grants.clear();
        self.last_use.clear();
        self.undo.clear();
    }

    /// The grants in a renewal transaction still in flight.
    pub fn in_flight(&self) -> HashSet<GrantKey> {
        self.pending
            .iter()
            .flat_map(|p| p.accounts.iter().map(|a| GrantKey::new(p.role, *a)))
            .collect()
    }
}

/// Where the state is saved: a file, or nowhere (a dry run leaves no trace).
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    enabled: bool,
}

impl Store {
    /// Saves to `path` when `enabled`.
    pub fn new(path: impl Into<PathBuf>, enabled: bool) -> Self {
        Self { path: path.into(), enabled }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves `state` and its journal atomically (nothing in a dry run).
    pub fn save(&self, state: &KeeperState) -> Result<()> {
        if self.enabled { state.save(&self.path) } else { Ok(()) }
    }

    /// Saves the journal of renewals in flight only (nothing in a dry run).
    pub fn save_pending(&self, state: &KeeperState) -> Result<()> {
        if self.enabled { state.save_journal(&self.path) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(expires_at: u64) -> GrantView {
        GrantView {
            kind: GrantKind::Extended,
            expires_at,
            granted_at: 0,
            revoked: false,
            reported: false,
            expiry_counted: false,
        }
    }

    fn block(n: u64) -> BlockRef {
        BlockRef { number: n, hash: B256::with_last_byte(n as u8) }
    }

    #[test]
    fn round_trips_through_json_and_the_file() {
        let mut s = KeeperState::new(31337, Address::with_last_byte(1));
        let a = Address::with_last_byte(2);
        s.set_grant(GrantKey::new(Role::Trader, a), view(100), 5, true);
        s.note_use(a, 50, 5, true);
        s.advance_cursor(block(5));
        s.pending.push(PendingTx {
            nonce: 3,
            role: Role::Trader,
            accounts: vec![a],
            gas_limit: 50_000,
            attempts: vec![Attempt {
                hash: B256::with_last_byte(9),
                max_fee: u128::MAX,
                priority_fee: 1,
                raw: Bytes::from_static(&[1, 2, 3]),
                sent_at_ms: 7,
            }],
            since_block: 12,
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/state.json");
        assert_eq!(KeeperState::load(&path).unwrap(), None);
        s.save(&path).unwrap();
        assert_eq!(KeeperState::load(&path).unwrap(), Some(s.clone()));
        assert!(journal_path(&path).ends_with("nested/state.pending.json"));
        // The journal alone (a crash before the first view was saved) still tells what is in flight.
        std::fs::remove_file(&path).unwrap();
        let only = KeeperState::load(&path).unwrap().unwrap();
        assert_eq!(only.pending, s.pending);
        assert_eq!(only.cursor, None);
        assert_eq!(s.in_flight().len(), 1);
        assert!(s.has_grant(a));
    }

    #[test]
    fn rewind_undoes_exactly_the_blocks_after_the_target() {
        let mut s = KeeperState::new(1, Address::ZERO);
        let (a, b) = (Address::with_last_byte(1), Address::with_last_byte(2));
        let (ka, kb) = (GrantKey::new(Role::Trader, a), GrantKey::new(Role::Auditor, b));
        s.set_grant(ka, view(100), 1, true);
        s.note_use(a, 10, 1, true);
        s.advance_cursor(block(1));
        s.set_grant(ka, view(200), 2, true);
        s.set_grant(kb, view(300), 2, true);
        s.note_use(a, 20, 2, true);
        s.advance_cursor(block(2));
        s.set_grant(ka, view(400), 3, true);
        s.advance_cursor(block(3));

        s.rewind_to(block(1));
        assert_eq!(s.grant(ka).unwrap().expires_at, 100);
        assert_eq!(s.grant(kb), None);
        assert_eq!(s.last_use.get(&a), Some(&10));
        assert_eq!(s.cursor, Some(block(1)));
        assert_eq!(s.checkpoints.back(), Some(&block(1)));

        s.prune(1);
        assert!(s.undo.is_empty());
        s.rewind_to(block(0));
        assert_eq!(s.grant(ka).unwrap().expires_at, 100, "pruned changes stay");
    }

    #[test]
    fn a_use_never_moves_back() {
        let mut s = KeeperState::new(1, Address::ZERO);
        let a = Address::with_last_byte(1);
        s.note_use(a, 20, 1, true);
        s.note_use(a, 10, 2, true);
        assert_eq!(s.last_use.get(&a), Some(&20));
        assert_eq!(s.undo.len(), 1);
    }
}
