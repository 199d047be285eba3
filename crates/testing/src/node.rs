//! The EVM nodes the tests run on, behind one type: anvil (Foundry) and Hardhat 3's node (the EDR
//! engine), each started from the project's own pinned install (`node_modules/.bin/anvil` from the
//! root `package.json`; `scripts/toolchain/hardhat` with its own Node.js 22 for Hardhat, installed
//! by `ensure_hardhat` in `scripts/lib/common.sh`). Also the node-neutral RPC that time travel
//! needs (`evm_increaseTime`, `evm_mine`, `evm_setAutomine`, which both nodes serve; also
//! `hardhat_setNextBlockBaseFeePerGas`, which anvil serves under that name too), and what each
//! node does not serve, so a test can say which check it skips and why.

use alloy::{node_bindings::Anvil, node_bindings::AnvilInstance, providers::Provider};
use std::{
    fmt,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    str::FromStr,
    sync::mpsc,
    time::Duration,
};

/// Which EVM node implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// Foundry's anvil.
    Anvil,
    /// Hardhat 3's JSON-RPC node (`hardhat node`, the EDR engine).
    Hardhat,
}

impl NodeKind {
    /// Both, anvil first.
    pub const ALL: [Self; 2] = [Self::Anvil, Self::Hardhat];

    /// The name on the command line and in messages (`anvil`, `hardhat`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Anvil => "anvil",
            Self::Hardhat => "hardhat",
        }
    }

    /// The JSON-RPC methods a WBX tool may call that this node does not serve, each with what it
    /// is for. Anvil serves everything WBX calls; Hardhat serves no `txpool_*` namespace. (Tests
    /// also call node controls: anvil serves `anvil_*` and the `hardhat_*` aliases, Hardhat only
    /// `hardhat_*`; both serve the `evm_*` time travel of [`DevRpc`].)
    pub fn unserved(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Anvil => &[],
            Self::Hardhat => &[
                ("txpool_inspect", "the transactions queued behind a nonce gap"),
                ("txpool_content", "the transactions queued behind a nonce gap"),
            ],
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NodeKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "anvil" => Ok(Self::Anvil),
            "hardhat" | "edr" => Ok(Self::Hardhat),
            other => Err(format!("unknown node '{other}': choose anvil or hardhat")),
        }
    }
}

/// Why a node did not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The pinned install is missing.
    #[error("{what} is not installed at {path}: run {fix}")]
    NotInstalled {
        /// What is missing.
        what: &'static str,
        /// Where it should be.
        path: PathBuf,
        /// The command that installs it.
        fix: &'static str,
    },
    /// The process could not be started or did not come up.
    #[error("{node} did not start: {reason}")]
    Start {
        /// Which node.
        node: NodeKind,
        /// What happened (its output, when it printed any).
        reason: String,
    },
}

/// A running node; it stops (SIGKILL) when dropped.
pub struct Node {
    kind: NodeKind,
    port: u16,
    inner: Inner,
}

enum Inner {
    Anvil(AnvilInstance),
    Hardhat(Child),
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node").field("kind", &self.kind).field("port", &self.port).finish()
    }
}

/// The Hardhat install: `scripts/toolchain/hardhat`, with its own Node.js.
pub fn hardhat_dir() -> PathBuf {
    crate::workspace_root().join("scripts/toolchain/hardhat")
}

/// How long a node may take to come up on a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(90);

impl Node {
    /// Starts a fresh node of `kind` on a free port.
    pub fn start(kind: NodeKind) -> Result<Self, NodeError> {
        match kind {
            NodeKind::Anvil => Self::anvil(crate::anvil()),
            NodeKind::Hardhat => Self::hardhat(None),
        }
    }

    /// Starts the anvil `builder` describes (extra flags, e.g. `--hardfork shanghai`).
    pub fn anvil(builder: Anvil) -> Result<Self, NodeError> {
        let instance = builder
            .try_spawn()
            .map_err(|e| NodeError::Start { node: NodeKind::Anvil, reason: e.to_string() })?;
        Ok(Self::from(instance))
    }

    /// Starts Hardhat's node on a free port, on `hardfork` (e.g. `"shanghai"`) or Hardhat's
    /// default. Its per-request log is switched off once it is up: the tests read the chain, not
    /// the log, and logging slows it down.
    pub fn hardhat(hardfork: Option<&str>) -> Result<Self, NodeError> {
        let dir = hardhat_dir();
        let node = dir.join("node_modules/.bin/node");
        let cli = dir.join("node_modules/hardhat/dist/src/cli.js");
        for (what, path) in [("Hardhat's Node.js 22", &node), ("Hardhat 3", &cli)] {
            if !path.exists() {
                return Err(NodeError::NotInstalled {
                    what,
                    path: path.clone(),
                    fix: "scripts/test (or `source scripts/lib/common.sh; ensure_hardhat`)",
                });
            }
        }
        let start = |reason: String| NodeError::Start { node: NodeKind::Hardhat, reason };
        let mut cmd = Command::new(&node);
        cmd.arg(&cli)
            .args(["node", "--hostname", "127.0.0.1", "--port", "0"])
            .current_dir(&dir)
            .env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
            .env_remove("WBX_HARDHAT_HARDFORK")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(fork) = hardfork {
            // Read by scripts/toolchain/hardhat/hardhat.config.js.
            cmd.env("WBX_HARDHAT_HARDFORK", fork);
        }
        let mut child = cmd.spawn().map_err(|e| start(format!("{}: {e}", node.display())))?;
        // The node prints the URL it listens on (port 0 lets the OS choose, so two tests never
        // race for a port); every later line is drained so a full pipe never blocks it.
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(port) = listening_port(&line) {
                    let _ = tx.send(port);
                    sent = true;
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        let port = match rx.recv_timeout(START_TIMEOUT) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let output = err_rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                return Err(start(format!(
                    "no \"Started HTTP ... server\" line within {START_TIMEOUT:?}; stderr:\n{output}"
                )));
            }
        };
        let node = Self { kind: NodeKind::Hardhat, port, inner: Inner::Hardhat(child) };
        let answer = raw_rpc(port, "hardhat_setLoggingEnabled", "[false]")
            .map_err(|e| start(format!("it listens on port {port} but did not answer: {e}")))?;
        if !answer.contains("\"result\":true") {
            return Err(start(format!("hardhat_setLoggingEnabled answered {answer}")));
        }
        Ok(node)
    }

    /// Which implementation this is.
    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    /// Its HTTP JSON-RPC URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its WebSocket JSON-RPC URL (both nodes serve WebSocket on the same port).
    pub fn ws_endpoint(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        match &self.inner {
            Inner::Anvil(a) => a.child().id(),
            Inner::Hardhat(c) => c.id(),
        }
    }
}

impl From<AnvilInstance> for Node {
    fn from(instance: AnvilInstance) -> Self {
        Self { kind: NodeKind::Anvil, port: instance.port(), inner: Inner::Anvil(instance) }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // AnvilInstance kills its child itself.
        if let Inner::Hardhat(child) = &mut self.inner {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The port in Hardhat's "Started HTTP and WebSocket JSON-RPC server at http://127.0.0.1:N/".
fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split_once("JSON-RPC server at http://")?.1;
    // The line may be coloured: the port is the digits after the host's colon.
    let port: String = rest.split_once(':')?.1.chars().take_while(char::is_ascii_digit).collect();
    port.parse().ok()
}

/// One JSON-RPC call over a plain blocking HTTP/1.1 request. Hand-written because the node is
/// started from synchronous code that may run inside a test's async runtime, where alloy's client
/// (async) cannot be blocked on.
fn raw_rpc(port: u16, method: &str, params: &str) -> std::io::Result<String> {
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    let mut sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        sock,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    sock.read_to_string(&mut answer)?;
    Ok(answer)
}

/// Time travel and mining through the methods anvil and Hardhat both serve.
#[allow(async_fn_in_trait)]
pub trait DevRpc: Provider {
    /// Moves the clock of the next block forward by `seconds` (`evm_increaseTime`).
    async fn increase_time(&self, seconds: u64) -> alloy::transports::TransportResult<()> {
        let _: serde_json::Value = self
            .client()
            .request("evm_increaseTime", (alloy::primitives::U64::from(seconds),))
            .await?;
        Ok(())
    }

    /// Mines one block now (`evm_mine`).
    async fn mine_block(&self) -> alloy::transports::TransportResult<()> {
        let _: serde_json::Value = self.client().request_noparams("evm_mine").await?;
        Ok(())
    }

    /// Mines a block for every transaction as it arrives (on), or only on [`Self::mine_block`]
    /// (off) (`evm_setAutomine`).
    async fn set_automine(&self, on: bool) -> alloy::transports::TransportResult<()> {
        let _: serde_json::Value = self.client().request("evm_setAutomine", (on,)).await?;
        Ok(())
    }

    /// Sets the base fee of the next block (`hardhat_setNextBlockBaseFeePerGas`, which anvil also
    /// serves under that name).
    async fn set_next_base_fee(&self, wei: u128) -> alloy::transports::TransportResult<()> {
        let _: serde_json::Value = self
            .client()
            .request("hardhat_setNextBlockBaseFeePerGas", (alloy::primitives::U128::from(wei),))
            .await?;
        Ok(())
    }

    /// Moves the clock forward by `seconds` and mines a block at the new time.
    async fn travel(&self, seconds: u64) -> alloy::transports::TransportResult<()> {
        self.increase_time(seconds).await?;
        self.mine_block().await
    }
}

impl<P: Provider + ?Sized> DevRpc for P {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_hardhat_prints() {
        let line = "Started HTTP and WebSocket JSON-RPC server at http://127.0.0.1:43735/";
        assert_eq!(listening_port(line), Some(43735));
        let coloured = format!("\u{1b}[32m{line}\u{1b}[39m");
        assert_eq!(listening_port(&coloured), Some(43735));
        assert_eq!(listening_port("Accounts"), None);
    }

    /// Each node starts from the project's install, travels in time and mines through the common
    /// `evm_*` methods, and is gone once dropped; a method it lacks is refused, as
    /// [`NodeKind::unserved`] says.
    #[tokio::test(flavor = "multi_thread")]
    async fn both_nodes_start_travel_and_stop() {
        use alloy::providers::ProviderBuilder;
        for kind in NodeKind::ALL {
            let node = Node::start(kind).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(node.kind(), kind);
            let p = ProviderBuilder::new().connect(&node.endpoint()).await.unwrap();
            assert_eq!(p.get_chain_id().await.unwrap(), 31337, "{kind}");
            let block = |p: &alloy::providers::DynProvider| {
                let p = p.clone();
                async move { p.get_block_by_number(Default::default()).await.unwrap().unwrap() }
            };
            let p = p.erased();
            let before = block(&p).await.header;
            p.set_automine(false).await.unwrap();
            p.travel(3600).await.unwrap();
            p.set_automine(true).await.unwrap();
            let after = block(&p).await.header;
            assert_eq!(after.number, before.number + 1, "{kind}: one block mined");
            assert!(after.timestamp >= before.timestamp + 3600, "{kind}: the clock moved");
            for (method, _) in kind.unserved() {
                let refused: Result<serde_json::Value, _> =
                    p.client().request_noparams(*method).await;
                assert!(refused.is_err(), "{kind} serves {method}");
            }
            let port = node.port();
            drop(node);
            assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "{kind} still listens");
        }
    }

    #[test]
    fn node_names_parse() {
        for kind in NodeKind::ALL {
            assert_eq!(kind.name().parse::<NodeKind>(), Ok(kind));
        }
        assert!("ganache".parse::<NodeKind>().unwrap_err().contains("anvil or hardhat"));
    }
}
