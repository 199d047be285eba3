//! Test support for WBX: real nodes started from the project's pinned toolchain (anvil from
//! `node_modules/.bin/anvil`, installed by `npm ci`; Hardhat's node from `scripts/toolchain/hardhat`,
//! see [`node`]), a deployed fixture with one account per role, and time travel through the RPC
//! both nodes serve. Each test gets its own node, so tests run in parallel.

pub mod bulk;
pub mod http;
pub mod node;
pub mod proxy;

pub use node::{DevRpc, Node, NodeError, NodeKind};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::Address,
};
use std::path::PathBuf;

/// Bindings of the Solidity test mocks in `contracts/test/mocks`, compiled at build time.
pub mod mocks {
    include!(concat!(env!("OUT_DIR"), "/mocks.rs"));
}
use wbx_sdk::{Connection, DeployConfig, GrantKind, Role, SignerSource, Wbx, deploy};

/// The workspace root (where `package.json` and `foundry.toml` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// The pinned anvil binary.
pub fn anvil_path() -> PathBuf {
    let path = workspace_root().join("node_modules/.bin/anvil");
    assert!(
        path.exists(),
        "anvil is not installed at {}: run `npm ci` (or scripts/test)",
        path.display()
    );
    path
}

/// An anvil builder on the pinned binary, on a free port.
///
/// Old states are kept in memory only (`--max-persisted-states 0`): by default anvil moves them to
/// `~/.foundry/anvil/tmp`, hundreds of MB per thousand blocks, and a node stopped the way
/// `AnvilInstance` stops it (SIGKILL) never deletes them. The last few hundred blocks stay
/// queryable, which is all a test reads.
pub fn anvil() -> Anvil {
    Anvil::at(anvil_path()).args(["--max-persisted-states", "0"])
}

/// A fresh anvil node; it stops when the instance is dropped.
pub fn spawn_anvil() -> AnvilInstance {
    anvil().spawn()
}

/// A node's JSON-RPC URL: what [`account`] connects to.
pub trait Endpoint {
    /// The HTTP JSON-RPC URL.
    fn endpoint(&self) -> String;
}

impl Endpoint for AnvilInstance {
    fn endpoint(&self) -> String {
        AnvilInstance::endpoint(self)
    }
}

impl Endpoint for Node {
    fn endpoint(&self) -> String {
        Node::endpoint(self)
    }
}

/// Dev account `n` (anvil's and Hardhat's are the same) as a connection to `node`.
pub async fn account(node: &impl Endpoint, n: u32) -> Connection {
    Connection::connect(&node.endpoint(), Some(&SignerSource::DevAccount(n)))
        .await
        .expect("connect to the node")
}

/// The address of anvil's dev account `n`.
pub fn address(n: u32) -> Address {
    wbx_sdk::signer::dev_account(n).expect("dev account").address()
}

/// Who is who in [`Fixture`]: anvil dev account indices.
pub mod who {
    /// Top admin and deployer.
    pub const ADMIN: u32 = 0;
    /// Standard Trader grant.
    pub const TRADER: u32 = 1;
    /// Extended Trader grant.
    pub const TRADER_EXT: u32 = 2;
    /// Standard Auditor grant.
    pub const AUDITOR: u32 = 3;
    /// Standard Developer grant.
    pub const DEVELOPER: u32 = 4;
    /// The keeper service account.
    pub const KEEPER: u32 = 5;
    /// No role.
    pub const STRANGER: u32 = 6;
}

/// A node with WBX deployed (pool seeded) and one account per role, each funded with 1,000 WBX
/// when it may hold tokens.
pub struct Fixture {
    /// The node (anvil unless made [`Fixture::on_node`]); dropping the fixture stops it.
    pub node: Node,
    /// The deployment as the top admin.
    pub admin: Wbx,
}

impl Fixture {
    /// Starts an anvil node and deploys.
    pub async fn new() -> Self {
        Self::on(anvil()).await
    }

    /// Starts the anvil `builder` describes (extra anvil flags) and deploys.
    pub async fn on(builder: Anvil) -> Self {
        Self::deploy_on(Node::anvil(builder).expect("start anvil")).await
    }

    /// Starts a fresh node of `kind` and deploys.
    pub async fn on_node(kind: NodeKind) -> Self {
        let node = Node::start(kind).unwrap_or_else(|e| panic!("{e}"));
        Self::deploy_on(node).await
    }

    /// Deploys on a running node.
    pub async fn deploy_on(node: Node) -> Self {
        let conn = account(&node, who::ADMIN).await;
        let admin = deploy(&conn, &DeployConfig::default()).await.expect("deploy");
        let grants = [
            (who::TRADER, Role::Trader, GrantKind::Standard),
            (who::TRADER_EXT, Role::Trader, GrantKind::Extended),
            (who::AUDITOR, Role::Auditor, GrantKind::Standard),
            (who::DEVELOPER, Role::Developer, GrantKind::Standard),
            (who::KEEPER, Role::Keeper, GrantKind::Extended),
        ];
        for (n, role, kind) in grants {
            admin.grant(address(n), role, kind).await.expect("grant");
        }
        let payouts: Vec<_> = [who::TRADER, who::TRADER_EXT]
            .iter()
            .map(|n| (address(*n), wbx_sdk::Amount::whole(1000)))
            .collect();
        let id = wbx_sdk::PaymentId::reference("fixture: trader funding").expect("a reference");
        admin.allocate_batch(wbx_sdk::Bucket::CommunityRewards, &payouts, id).await.expect("fund");
        Self { node, admin }
    }

    /// The deployment as dev account `n`.
    pub async fn as_account(&self, n: u32) -> Wbx {
        self.admin.with_connection(account(&self.node, n).await)
    }

    /// Moves the chain's clock forward by `seconds` and mines a block (`evm_increaseTime` and
    /// `evm_mine`, which every node here serves).
    pub async fn advance(&self, seconds: u64) {
        self.admin.provider().travel(seconds).await.expect("time travel");
    }
}
