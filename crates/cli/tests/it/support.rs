//! Running the real `wbx` binary: against a [`Fixture`] (its record written into a temporary
//! folder, which is also the working directory), or bare.

use alloy::{primitives::Address, providers::Provider};
use serde_json::Value;
use std::{
    fmt,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};
use tempfile::TempDir;
use wbx_sdk::{Amount, Bucket, Wbx};
use wbx_testing::Fixture;

/// Exit code of a transaction or RPC failure.
pub(crate) const FAILURE: i32 = 1;
/// Exit code of bad input.
pub(crate) const BAD_INPUT: i32 = 2;

/// Environment variables that would change what `wbx` does: none of them leaks into a test.
const ENV: &[&str] = &[
    "ETH_RPC_URL",
    "WBX_DEPLOYMENT",
    "WBX_PRIVATE_KEY",
    "ETH_KEYSTORE",
    "ETH_KEYSTORE_ACCOUNT",
    "ETH_PASSWORD",
    "RUST_LOG",
];

/// `wbx` with a clean environment, no stdin, run in `cwd`.
pub(crate) fn wbx(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wbx"));
    for v in ENV {
        c.env_remove(v);
    }
    c.current_dir(cwd).stdin(Stdio::null());
    c
}

/// Runs `cmd` to completion.
pub(crate) fn run(cmd: &mut Command) -> Run {
    Run::from(cmd.output().expect("run wbx"))
}

/// What a run printed and how it ended.
pub(crate) struct Run {
    /// The exit code.
    pub(crate) code: i32,
    /// stdout.
    pub(crate) stdout: String,
    /// stderr.
    pub(crate) stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().expect("wbx exited by a signal"),
            stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Run {
    /// Asserts success.
    #[track_caller]
    pub(crate) fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }

    /// Asserts exit `code`, an `error:` on stderr holding every one of `parts`, and on stdout
    /// nothing, or (with `--json`) the one error document saying the same.
    #[track_caller]
    pub(crate) fn fails(self, code: i32, parts: &[&str]) -> Self {
        assert_eq!(self.code, code, "expected exit {code}:\n{self}");
        assert!(self.stderr.contains("error: "), "no error on stderr:\n{self}");
        for p in parts {
            assert!(self.stderr.contains(p), "stderr lacks {p:?}:\n{self}");
        }
        if !self.stdout.is_empty() {
            let doc = self.error_doc();
            assert_eq!(doc["exitCode"], code, "{self}");
            for p in parts {
                assert!(s(&doc, "message").contains(p), "the JSON message lacks {p:?}:\n{self}");
            }
        }
        self
    }

    /// The `error` object of the one JSON error document on stdout, checked for its shape:
    /// `{"ok": false, "error": {"code", "message", "fix", "exitCode"}}`.
    #[track_caller]
    pub(crate) fn error_doc(&self) -> Value {
        let doc = self.json();
        assert_eq!(doc["ok"], false, "{self}");
        let e = &doc["error"];
        let code = s(e, "code");
        assert!(
            !code.is_empty()
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{self}"
        );
        assert!(!s(e, "message").is_empty(), "{self}");
        assert!(e["fix"].is_string() || e["fix"].is_null(), "{self}");
        assert_eq!(e["exitCode"].as_i64(), Some(self.code as i64), "{self}");
        e.clone()
    }

    /// Asserts exit `code` and, with `--json`, the error `code` in the one document on stdout.
    #[track_caller]
    pub(crate) fn fails_with(self, code: i32, error_code: &str) -> Self {
        assert_eq!(self.code, code, "expected exit {code}:\n{self}");
        assert_eq!(s(&self.error_doc(), "code"), error_code, "{self}");
        self
    }

    /// Asserts that stdout holds every one of `parts`.
    #[track_caller]
    pub(crate) fn says(self, parts: &[&str]) -> Self {
        for p in parts {
            assert!(self.stdout.contains(p), "stdout lacks {p:?}:\n{self}");
        }
        self
    }

    /// stdout as the one JSON document it must be.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{self}"))
    }
}

/// A deployed fixture, its record in a temporary folder, and `wbx` pointed at both.
pub(crate) struct Cli {
    /// The chain and the deployment.
    pub(crate) f: Fixture,
    /// The working directory of every run; the record is in it.
    pub(crate) dir: TempDir,
    /// The deployment record.
    pub(crate) record: PathBuf,
}

impl Cli {
    /// A fresh anvil node with WBX deployed ([`Fixture`]) and its record written.
    pub(crate) async fn new() -> Self {
        Self::with(Fixture::new().await)
    }

    /// The same on a fresh node of `kind` (anvil or Hardhat's).
    pub(crate) async fn on(kind: wbx_testing::NodeKind) -> Self {
        Self::with(Fixture::on_node(kind).await)
    }

    /// [`Cli::new`] on the anvil `builder` describes (extra anvil flags).
    pub(crate) async fn on_anvil(builder: alloy::node_bindings::Anvil) -> Self {
        Self::with(Fixture::on(builder).await)
    }

    fn with(f: Fixture) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let record = dir.path().join("deployment.json");
        f.admin.deployment().write(&record).expect("write the record");
        Self { f, dir, record }
    }

    /// The RPC URL of the node.
    pub(crate) fn url(&self) -> String {
        self.f.node.endpoint()
    }

    /// `wbx ARGS --deployment RECORD --rpc-url URL`.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = wbx(self.dir.path());
        c.args(args).arg("--deployment").arg(&self.record).args(["--rpc-url", &self.url()]);
        c
    }

    /// Runs `wbx ARGS` read-only (no wallet).
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run(&mut self.cmd(args))
    }

    /// Runs `wbx ARGS --dev-account N`.
    pub(crate) fn by(&self, n: u32, args: &[&str]) -> Run {
        run(self.cmd(args).args(["--dev-account", &n.to_string()]))
    }

    /// Runs `wbx ARGS --dev-account N` with `input` on stdin.
    pub(crate) fn by_with_stdin(&self, n: u32, args: &[&str], input: &str) -> Run {
        let mut child = self
            .cmd(args)
            .args(["--dev-account", &n.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wbx");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        Run::from(child.wait_with_output().expect("wait for wbx"))
    }

    /// The admin's handle on the deployment, for checking effects.
    pub(crate) fn sdk(&self) -> &Wbx {
        &self.f.admin
    }

    /// Transactions sent by `who` so far (mined or pending).
    pub(crate) async fn nonce(&self, who: Address) -> u64 {
        self.sdk().provider().get_transaction_count(who).pending().await.expect("nonce")
    }

    /// WBX balance of `who`.
    pub(crate) async fn balance(&self, who: Address) -> Amount {
        self.sdk().balance_of(who).await.expect("balance")
    }

    /// Released total of `bucket`.
    pub(crate) async fn released(&self, bucket: Bucket) -> Amount {
        self.sdk().bucket(bucket).await.expect("bucket").released
    }
}

/// A new random address: it holds nothing and has no grant.
pub(crate) fn fresh() -> Address {
    alloy::signers::local::PrivateKeySigner::random().address()
}

/// A decimal amount.
pub(crate) fn amt(s: &str) -> Amount {
    s.parse().expect("amount")
}

/// A JSON field as a string (amounts, addresses, hashes).
#[track_caller]
pub(crate) fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_else(|| panic!("{field:?} is not a string in {v:#}"))
}

/// A JSON field as an address.
#[track_caller]
pub(crate) fn addr(v: &Value, field: &str) -> Address {
    s(v, field).parse().unwrap_or_else(|e| panic!("{field:?} is not an address ({e}) in {v:#}"))
}

/// The `action`/`hash`/`block`/`gasUsed` document of a mined transaction; checks that the
/// transaction is on chain and succeeded, and returns the action.
pub(crate) async fn mined(cli: &Cli, v: &Value) -> String {
    let hash: alloy::primitives::TxHash = s(v, "hash").parse().expect("a tx hash");
    let receipt = cli
        .sdk()
        .provider()
        .get_transaction_receipt(hash)
        .await
        .expect("receipt")
        .unwrap_or_else(|| panic!("{hash} is not mined"));
    assert!(receipt.status(), "{hash} reverted");
    assert_eq!(v["block"].as_u64(), receipt.block_number, "{v:#}");
    assert_eq!(v["gasUsed"].as_u64(), Some(receipt.gas_used), "{v:#}");
    s(v, "action").to_string()
}

/// A child process that is killed (and reaped) when dropped, so a test that fails half way leaves
/// no `wbx audit serve` or payout run behind it.
pub(crate) struct Reaped(pub(crate) std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
