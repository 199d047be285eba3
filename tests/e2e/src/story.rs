//! The policy story, played end to end with the real `wbx` binary on a throwaway node: anvil, or
//! Hardhat 3's node (EDR), the same story on either.
//!
//! One definition serves two callers: `scripts/demo` prints it for a newcomer, and the end-to-end
//! tests (`tests/it/story.rs`) run the very same steps on both nodes. Each step checks its outcome as it goes,
//! on chain through the SDK and in what the binary printed and its exit code, so a demo that
//! finishes is also a demo that was right; the first wrong outcome stops the story with an error
//! naming the step and what was expected.
//!
//! Every command runs in a fresh working folder (the deployment record, the CSV file, the keeper's
//! state and the audit database live there), against a node this story starts and stops: nothing
//! is left running and a second run starts from scratch. Where a node lacks a method a `wbx`
//! command would use, the command says which check it skipped, and the story lists every such skip
//! at the end ([`Story::skips`]).

use alloy::{primitives::Address, providers::Provider};
use eyre::{Result, WrapErr, bail, ensure, eyre};
use std::{
    fmt::Write as _,
    io::IsTerminal,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};
use wbx_sdk::{Amount, Bucket, Connection, Deployment, GrantKind, GrantStatus, Role, Wbx};
use wbx_testing::{DevRpc, Node, NodeKind};

/// Who plays which part: the node's dev accounts (anvil's and Hardhat's are the same; local chains
/// only, `wbx` refuses them elsewhere).
#[derive(Debug, Clone, Copy)]
pub struct Player {
    /// Name used in the narration.
    pub name: &'static str,
    /// The part.
    pub part: &'static str,
    /// Dev account index.
    pub index: u32,
}

impl Player {
    /// The account's address.
    pub fn address(&self) -> Address {
        wbx_testing::address(self.index)
    }

    fn flag(&self) -> [String; 2] {
        ["--dev-account".into(), self.index.to_string()]
    }
}

/// The top admin; it deploys, so it holds the top admin role from the start.
pub const ADMIN: Player = Player { name: "Ada", part: "admin, deploys the contracts", index: 0 };
/// A trader on a Standard grant (30 minutes, renewed by hand).
pub const ALICE: Player = Player { name: "Alice", part: "trader, Standard grant", index: 1 };
/// A trader on an Extended grant (1 hour, renewed by the keeper).
pub const BOB: Player = Player { name: "Bob", part: "trader, Extended grant", index: 2 };
/// The auditor (read-only).
pub const CAROL: Player = Player { name: "Carol", part: "auditor, Extended grant", index: 3 };
/// The developer (configures contracts, never moves tokens).
pub const DAVE: Player = Player { name: "Dave", part: "developer", index: 4 };
/// The keeper service account.
pub const KEEPER: Player = Player { name: "Kim", part: "keeper service account", index: 5 };
/// A community member who receives rewards and holds no role.
pub const ERIN: Player = Player { name: "Erin", part: "community member, no role", index: 7 };

/// What one `wbx` invocation did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The arguments after `wbx`.
    pub args: Vec<String>,
    /// Its exit code (-1 when killed by a signal).
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for searching.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A check a `wbx` command skipped because the node does not serve a method it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The command (`wbx doctor account --dev-account 1`).
    pub command: String,
    /// The line it printed, trimmed (`skip  transactions behind a nonce gap  skipped: ...`).
    pub line: String,
    /// The method the node does not serve.
    pub method: String,
}

/// What a command prints on a check it skipped for want of a method (the doctor's wording).
const UNSERVED: &str = "skipped: the node does not serve ";

/// One finished step: its title and the checks it passed.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The step's heading.
    pub title: String,
    /// Each outcome the step verified, in words.
    pub checks: Vec<String>,
    /// Every `wbx` command it ran.
    pub runs: Vec<Run>,
}

/// The story's stage: the node, the binary, the working folder, and a read-only view of the
/// deployment for checking outcomes.
pub struct Story {
    wbx: PathBuf,
    node: Node,
    work: tempfile::TempDir,
    reader: Option<Wbx>,
    keeper: Option<Child>,
    color: bool,
    reports: Vec<StepReport>,
    current: Option<StepReport>,
    keep_report: Option<PathBuf>,
    skips: Vec<Skip>,
}

/// The `wbx` binary beside the running executable (the demo binary lives in `target/<profile>`,
/// a test binary in `target/<profile>/deps`), or `$WBX_BIN`.
pub fn wbx_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("WBX_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().ok_or_else(|| eyre!("no folder for {}", exe.display()))?;
    if dir.ends_with("deps") {
        dir = dir.parent().unwrap_or(dir);
    }
    let path = dir.join("wbx");
    ensure!(
        path.exists(),
        "the wbx binary is not built at {}: run `cargo build -p wbx-cli` (scripts/demo does)",
        path.display()
    );
    Ok(path)
}

/// Builds the `wbx` binary with the cargo running this process (a test, or `cargo run`), so the
/// story never plays an outdated binary.
pub fn build_wbx() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--locked", "-p", "wbx-cli"])
        .current_dir(wbx_testing::workspace_root())
        .status()
        .wrap_err("run cargo build -p wbx-cli")?;
    ensure!(status.success(), "cargo build -p wbx-cli failed");
    wbx_binary()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Story {
    /// Starts a fresh node of `kind` and a fresh working folder. Output is coloured on a terminal.
    pub fn start(wbx: PathBuf, kind: NodeKind) -> Result<Self> {
        let node = Node::start(kind).wrap_err_with(|| format!("start {kind}"))?;
        Ok(Self {
            wbx,
            node,
            work: tempfile::Builder::new().prefix("wbx-story-").tempdir()?,
            reader: None,
            keeper: None,
            color: std::io::stdout().is_terminal(),
            reports: Vec::new(),
            current: None,
            keep_report: None,
            skips: Vec::new(),
        })
    }

    /// The node implementation the story runs on.
    pub fn node_kind(&self) -> NodeKind {
        self.node.kind()
    }

    /// Every check a command skipped because this node does not serve a method, in order.
    pub fn skips(&self) -> &[Skip] {
        &self.skips
    }

    /// Copies the auditor's HTML report to `path` when it is written (the working folder goes
    /// when the story ends).
    pub fn keep_report_at(&mut self, path: PathBuf) {
        self.keep_report = Some(path);
    }

    /// The node's RPC URL.
    pub fn rpc_url(&self) -> String {
        self.node.endpoint()
    }

    /// The process ids this story started and must stop: the node, and the keeper while it runs.
    pub fn processes(&self) -> Vec<u32> {
        let mut pids = vec![self.node.pid()];
        pids.extend(self.keeper.as_ref().and_then(Child::id));
        pids
    }

    /// The working folder every command runs in.
    pub fn work_dir(&self) -> &Path {
        self.work.path()
    }

    /// Plays the seven steps of the policy story, stops the keeper, and names every check skipped
    /// on this node. The node stops when the story is dropped.
    pub async fn play(&mut self) -> Result<Vec<StepReport>> {
        self.cast_list();
        self.deploy().await.wrap_err("step 1 (deploy)")?;
        self.rewards_and_grants().await.wrap_err("step 2 (rewards and grants)")?;
        self.trading().await.wrap_err("step 3 (trading)")?;
        self.time_passes().await.wrap_err("step 4 (time passes)")?;
        self.revocation().await.wrap_err("step 5 (revocation)")?;
        self.audit().await.wrap_err("step 6 (audit)")?;
        self.dashboard().await.wrap_err("step 7 (dashboard)")?;
        self.stop_keeper().await?;
        self.name_skips();
        Ok(std::mem::take(&mut self.reports))
    }

    /// The closing note: what this node could not serve, command by command.
    fn name_skips(&self) {
        let kind = self.node_kind();
        self.say("");
        if self.skips.is_empty() {
            self.say(&format!(
                "no check was skipped: {kind} serves every method the commands used"
            ));
            return;
        }
        self.say(
            &self.bold(&format!(
                "Checks skipped on {kind} (it does not serve the method they need)"
            )),
        );
        for skip in &self.skips {
            self.say(&format!("  $ {}: {}", skip.command, skip.line));
        }
    }

    fn cast_list(&self) {
        self.say(&format!(
            "node   {}  (a throwaway {} node; it stops when the story ends)",
            self.rpc_url(),
            self.node_kind()
        ));
        self.say(&self.bold("Who is who (the node's dev accounts, local chains only)"));
        for p in [ADMIN, ALICE, BOB, CAROL, DAVE, KEEPER, ERIN] {
            self.say(&format!(
                "  {:<6} {}  {} (--dev-account {})",
                p.name,
                p.address(),
                p.part,
                p.index
            ));
        }
    }

    /// Step 1: the contracts are deployed and the buckets follow the policy shares.
    pub async fn deploy(&mut self) -> Result<()> {
        self.begin("1. A developer deploys the token and the pool; the buckets follow the policy");
        self.ok(&["deploy"], ADMIN).await?;
        let record = Deployment::read(&self.work.path().join("deployment.json"))?;
        let conn = Connection::connect(&self.rpc_url(), None).await?;
        let reader = Wbx::attach(conn, record).await.wrap_err("attach to the new deployment")?;
        ensure!(reader.version().await? == Wbx::expected_version(), "unexpected version");
        self.reader = Some(reader);
        self.check("the record points at live contracts of the version this client expects");

        self.ok(&["buckets"], ADMIN).await?;
        let buckets = self.reader()?.buckets().await?;
        let issued: alloy::primitives::U256 = buckets.iter().map(|b| b.issued.raw()).sum();
        for b in &buckets {
            let share = b.issued.raw() * alloy::primitives::U256::from(10_000) / issued;
            ensure!(
                share == alloy::primitives::U256::from(b.share_bps),
                "{} holds {share} bps of the issue, the policy says {}",
                b.bucket,
                b.share_bps
            );
        }
        self.check("issued supply splits 40/25/15/10/10 across the five buckets");
        self.end();
        Ok(())
    }

    /// Step 2: rewards from a CSV file, exactly once; the four grants.
    pub async fn rewards_and_grants(&mut self) -> Result<()> {
        self.begin("2. An admin pays community rewards from a CSV file and grants roles");
        let rewards = [(ALICE, "1000"), (BOB, "1000"), (ERIN, "25.5")];
        let mut csv = String::from("address,amount\n");
        for (p, amount) in rewards {
            let _ = writeln!(csv, "{},{amount}", p.address());
        }
        std::fs::write(self.work.path().join("rewards.csv"), csv)?;
        self.say(&self.dim("rewards.csv: Alice 1000, Bob 1000, Erin 25.5 WBX"));
        let before = self.reader()?.bucket(Bucket::CommunityRewards).await?;
        self.ok(&["allocate-batch", "community-rewards", "rewards.csv"], ADMIN).await?;
        for (p, amount) in rewards {
            let want = Amount::parse_with_decimals(amount, 18)?;
            let got = self.reader()?.balance_of(p.address()).await?;
            ensure!(got == want, "{} holds {got} WBX, the CSV says {want}", p.name);
        }
        self.check("each recipient holds exactly the CSV amount");
        // Running the same file again pays nobody twice: the journal remembers.
        self.ok(&["allocate-batch", "community-rewards", "rewards.csv"], ADMIN).await?;
        let after = self.reader()?.bucket(Bucket::CommunityRewards).await?;
        let paid = before.remaining.raw() - after.remaining.raw();
        ensure!(
            paid == Amount::parse_with_decimals("2025.5", 18)?.raw(),
            "the bucket released {paid} wei in all, expected 2025.5 WBX"
        );
        self.check("a second run of the same file pays nothing more (2025.5 WBX released in all)");

        let grants = [
            (ALICE, "trader", "standard"),
            (BOB, "trader", "extended"),
            (CAROL, "auditor", "extended"),
            (DAVE, "developer", "standard"),
        ];
        for (p, role, kind) in grants {
            let to = p.address().to_string();
            self.ok(&["access", "grant", &to, role, "--kind", kind], ADMIN).await?;
        }
        // The keeper's role is permanent: no kind, no expiry.
        self.ok(&["access", "grant", &KEEPER.address().to_string(), "keeper"], ADMIN).await?;
        self.ok(&["access", "list"], CAROL).await?;
        for (p, role, kind) in [
            (ALICE, Role::Trader, GrantKind::Standard),
            (BOB, Role::Trader, GrantKind::Extended),
            (CAROL, Role::Auditor, GrantKind::Extended),
            (DAVE, Role::Developer, GrantKind::Standard),
        ] {
            let g = self.reader()?.grant_of(p.address(), role).await?;
            ensure!(
                g.status == GrantStatus::Active && g.kind == Some(kind),
                "{}'s {role} grant is {} ({:?}), expected an active {kind} grant",
                p.name,
                g.status,
                g.kind
            );
        }
        self.check("Alice (Standard) and Bob (Extended) trade, Carol audits, Dave develops");
        self.end();
        Ok(())
    }

    /// Step 3: transfers and swaps; the developer configures the pool but cannot move tokens.
    pub async fn trading(&mut self) -> Result<()> {
        self.begin(
            "3. Traders transfer and swap; a developer sets the pool fee but cannot move tokens",
        );
        let bob_before = self.balance(BOB).await?;
        self.ok(&["transfer", &BOB.address().to_string(), "12.5"], ALICE).await?;
        ensure!(
            self.balance(BOB).await?.raw() - bob_before.raw()
                == Amount::parse_with_decimals("12.5", 18)?.raw(),
            "Bob did not receive 12.5 WBX"
        );
        self.check("Bob received 12.5 WBX from Alice");

        let alice_before = self.balance(ALICE).await?;
        self.ok(&["swap", "buy", "0.5", "--slippage", "1"], ALICE).await?;
        ensure!(self.balance(ALICE).await? > alice_before, "Alice's swap bought no WBX");
        let bob_before = self.balance(BOB).await?;
        self.ok(&["swap", "sell", "100", "--approve"], BOB).await?;
        ensure!(
            bob_before.raw() - self.balance(BOB).await?.raw() == Amount::whole(100).raw(),
            "Bob's sell did not take exactly 100 WBX"
        );
        self.check("Alice bought WBX for 0.5 ETH; Bob sold exactly 100 WBX");

        self.ok(&["pool", "fee", "25"], DAVE).await?;
        ensure!(self.reader()?.pool_state().await?.fee_bps == 25, "the pool fee is not 25 bps");
        self.check("Dave set the pool fee to 0.25%");

        // Dave gets 1 WBX, so what stops him is his role, not his balance.
        let dave = DAVE.address().to_string();
        let run = self.run(&["allocate", "community-rewards", &dave, "1"], ADMIN).await?;
        ensure!(run.code == 0, "allocating 1 WBX to Dave failed: {}", run.stderr);
        let run = self.fails(&["transfer", &ALICE.address().to_string(), "1"], DAVE, 1).await?;
        expect_text(&run, "trader")?;
        ensure!(self.balance(DAVE).await? == Amount::whole(1), "Dave's WBX moved");
        self.check(
            "Dave's transfer was refused before it was sent: a developer never moves tokens",
        );
        self.end();
        Ok(())
    }

    /// Step 4: the keeper renews the Extended grant; the Standard one expires, the troubleshooter
    /// explains, and its holder gets a fresh grant and renews it by hand.
    pub async fn time_passes(&mut self) -> Result<()> {
        self.begin(
            "4. The keeper runs while time moves on: Bob's Extended grant is renewed, Alice's Standard grant expires",
        );
        self.start_keeper().await?;
        let bob_before = self.reader()?.grant_of(BOB.address(), Role::Trader).await?;
        self.travel(50 * 60).await?;
        let bob_after = self.wait_for_renewal(BOB, Role::Trader, bob_before.expires_at).await?;
        let now = self.reader()?.now().await?;
        ensure!(
            bob_after.expires_at > now + 45 * 60,
            "Bob's grant was renewed only until {}",
            bob_after.expires_at
        );
        self.check(&format!(
            "the keeper renewed Bob's Extended grant {} before it would have expired",
            humantime::format_duration(Duration::from_secs(
                bob_before.expires_at.saturating_sub(now)
            ))
        ));
        self.ok(&["access", "show", &BOB.address().to_string()], CAROL).await?;

        let alice = self.reader()?.grant_of(ALICE.address(), Role::Trader).await?;
        ensure!(alice.status == GrantStatus::Expired, "Alice's grant is {}", alice.status);
        let bob = BOB.address().to_string();
        let run = self.fails(&["transfer", &bob, "1"], ALICE, 1).await?;
        expect_text(&run, "expired")?;
        self.check("Alice's Standard grant ran out after 30 minutes and her transfer was refused");

        // The troubleshooter says why, and what to do, before anything is sent.
        let nonce = self.nonce(ALICE).await?;
        let run = self.fails(&["doctor", "transfer", &bob, "1"], ALICE, 1).await?;
        expect_text(&run, "expired")?;
        expect_text(&run, "wbx access grant")?;
        ensure!(self.nonce(ALICE).await? == nonce, "the diagnosis sent a transaction");
        self.check("`wbx doctor` names the expired grant and the command that fixes it");

        self.ok(&["access", "grant", &ALICE.address().to_string(), "trader"], ADMIN).await?;
        self.travel(20 * 60).await?;
        let before = self.reader()?.grant_of(ALICE.address(), Role::Trader).await?;
        self.ok(&["access", "renew", "trader"], ALICE).await?;
        let after = self.reader()?.grant_of(ALICE.address(), Role::Trader).await?;
        let now = self.reader()?.now().await?;
        ensure!(
            after.expires_at == now + 30 * 60 && after.expires_at > before.expires_at,
            "Alice's renewal did not restart the 30 minutes"
        );
        self.ok(&["transfer", &bob, "1"], ALICE).await?;
        self.check("a fresh grant, renewed by hand for another 30 minutes, and Alice trades again");
        let run = self.ok(&["doctor", "account"], ALICE).await?;
        expect_text(&run, "no problem found")?;
        self.check("`wbx doctor account` finds nothing wrong with Alice's account");
        self.end();
        Ok(())
    }

    /// Step 5: a revocation takes effect at once.
    pub async fn revocation(&mut self) -> Result<()> {
        self.begin("5. An admin revokes Bob's grant: it stops working at once");
        let bob = BOB.address().to_string();
        self.ok(&["access", "revoke", &bob, "trader"], ADMIN).await?;
        let g = self.reader()?.grant_of(BOB.address(), Role::Trader).await?;
        ensure!(
            g.status == GrantStatus::Revoked && g.revoked_by == Some(ADMIN.address()),
            "Bob's grant is {} (revoked by {:?})",
            g.status,
            g.revoked_by
        );
        let before = self.balance(BOB).await?;
        let run = self.fails(&["transfer", &ALICE.address().to_string(), "1"], BOB, 1).await?;
        expect_text(&run, "revoked")?;
        ensure!(self.balance(BOB).await? == before, "Bob's WBX moved after revocation");
        self.check("revoked by Ada in the next block; Bob's transfer was refused");
        self.end();
        Ok(())
    }

    /// Step 6: the auditor indexes the event log, reports, reconciles and draws.
    pub async fn audit(&mut self) -> Result<()> {
        self.begin(
            "6. The auditor syncs the event log, reads the access timeline and the buckets, reconciles, writes the HTML report",
        );
        self.ok(&["audit", "sync"], CAROL).await?;

        let run = self.ok(&["audit", "access", "--role", "trader"], CAROL).await?;
        for who in [ALICE, BOB] {
            ensure!(
                run.stdout.contains(&who.address().to_string()),
                "the access timeline lacks {}",
                who.name
            );
        }
        expect_text(&run, "revoked")?;
        expect_text(&run, "expired")?;
        let head = self.reader()?.provider().get_block_number().await?;
        let at = format!("block:{head}");
        let run = self.ok(&["audit", "who", "trader", "--at", &at], CAROL).await?;
        ensure!(
            run.stdout.contains(&ALICE.address().to_string())
                && !run.stdout.contains(&BOB.address().to_string()),
            "now Alice holds the trader role and Bob, revoked, does not"
        );
        self.check("the timeline shows Alice's expiry, Bob's keeper renewal and his revocation");

        let run = self.ok(&["audit", "buckets"], CAROL).await?;
        for bucket in self.reader()?.buckets().await? {
            ensure!(
                run.stdout.contains(bucket.bucket.title()),
                "the bucket report lacks {}",
                bucket.bucket.title()
            );
        }
        let run = self.ok(&["audit", "reconcile"], CAROL).await?;
        expect_text(&run, "clean")?;
        self.check("replayed balances, supply and buckets match the chain at the indexed block");

        self.ok(&["audit", "html", "--out", "report.html"], CAROL).await?;
        let html = std::fs::read_to_string(self.work.path().join("report.html"))?;
        ensure!(
            html.contains("<svg") && html.contains("Community Rewards"),
            "the report lacks its charts"
        );
        self.check(
            "report.html: bucket table and chart, daily volume, grants over time, anomalies",
        );
        if let Some(keep) = &self.keep_report {
            if let Some(dir) = keep.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(self.work.path().join("report.html"), keep)?;
            self.say(&format!("the report is kept at {}: open it in a browser", keep.display()));
        }
        self.end();
        Ok(())
    }

    /// Step 7: the auditor's grant opens the live dashboard: `wbx audit serve` runs in the
    /// background, Carol signs in with `wbx audit login` and reads the JSON API with the token;
    /// once Ada revokes her grant, the very next request is refused, in the CLI's words.
    pub async fn dashboard(&mut self) -> Result<()> {
        self.begin(
            "7. The auditor signs in to the live dashboard with her grant; revoked, she is refused",
        );
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let args: Vec<String> = ["audit", "serve", "--listen", &format!("127.0.0.1:{port}")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        self.say(&self.dim(&format!("$ wbx {} &   (log: dashboard.log)", args.join(" "))));
        let log = std::fs::File::create(self.work.path().join("dashboard.log"))?;
        // Killed on drop should a check below fail; stopped with SIGTERM at the end otherwise.
        let mut server = self
            .command(&args)
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .wrap_err("start wbx audit serve")?;
        let http = reqwest::Client::new();
        let dashboard_log =
            |work: &Path| std::fs::read_to_string(work.join("dashboard.log")).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let health = http.get(format!("{url}/health")).send().await;
            if let Ok(r) = health
                && r.json::<serde_json::Value>().await.is_ok_and(|v| v["ready"] == true)
            {
                break;
            }
            if let Some(status) = server.try_wait()? {
                bail!("wbx audit serve exited ({status}): {}", dashboard_log(self.work.path()));
            }
            ensure!(
                Instant::now() < deadline,
                "the dashboard did not come up: {}",
                dashboard_log(self.work.path())
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.check(&format!("the dashboard serves the index at {url}, kept in sync"));

        let run = self.ok(&["audit", "login", &url], CAROL).await?;
        let token = run.stdout.trim().to_string();
        ensure!(token.len() == 64, "`wbx audit login` printed no token: {}", run.stdout);
        let get = |path: &str| {
            let req = http.get(format!("{url}{path}")).bearer_auth(&token);
            async move {
                let r = req.send().await?;
                let status = r.status();
                eyre::Ok((status, r.json::<serde_json::Value>().await?))
            }
        };
        self.say(&self.dim(&format!("$ curl -H 'Authorization: Bearer …' {url}/api/access")));
        let (status, access) = get("/api/access").await?;
        ensure!(status == 200, "GET /api/access answered {status}: {access}");
        let carol = CAROL.address().to_string().to_lowercase();
        let holders = access["holders"].as_array().cloned().unwrap_or_default();
        for h in &holders {
            self.say(&format!(
                "  {}  {:<9} {}",
                h["account"].as_str().unwrap_or_default(),
                h["role"].as_str().unwrap_or_default(),
                h["status"].as_str().unwrap_or_default()
            ));
        }
        ensure!(
            holders.iter().any(|h| h["account"] == carol.as_str() && h["role"] == "auditor"),
            "the API does not list Carol's auditor grant: {access}"
        );
        let (status, overview) = get("/api/overview").await?;
        let head = self.reader()?.provider().get_block_number().await?;
        ensure!(
            status == 200 && overview["indexedBlock"].as_u64().is_some_and(|b| b + 5 >= head),
            "GET /api/overview answered {status}: {overview}"
        );
        self.check("Carol signed in with `wbx audit login` (Sign-In with Ethereum, her auditor grant checked on chain) and read the API");

        self.ok(&["access", "revoke", &CAROL.address().to_string(), "auditor"], ADMIN).await?;
        self.say(&self.dim(&format!("$ curl -H 'Authorization: Bearer …' {url}/api/overview")));
        let (status, refused) = get("/api/overview").await?;
        let message = refused["message"].as_str().unwrap_or_default().to_string();
        self.say(&format!("{status}: {message}"));
        ensure!(
            status == 403
                && message.contains("auditor grant")
                && message.contains("was revoked at"),
            "after the revocation the API answered {status}: {refused}"
        );
        self.check("revoked by Ada; Carol's next request was refused, saying so as the CLI does");

        if let Some(pid) = server.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        let status = tokio::time::timeout(Duration::from_secs(15), server.wait())
            .await
            .map_err(|_| eyre!("the dashboard did not stop within 15 s of SIGTERM"))??;
        ensure!(status.success(), "the dashboard exited with {status}");
        self.say(&self.dim("dashboard stopped (SIGTERM)"));
        self.end();
        Ok(())
    }

    async fn nonce(&self, who: Player) -> Result<u64> {
        Ok(self.reader()?.provider().get_transaction_count(who.address()).await?)
    }

    /// Starts `wbx keeper` in the background as the keeper account, its log in `keeper.log`.
    async fn start_keeper(&mut self) -> Result<()> {
        let port = free_port()?;
        let args: Vec<String> = [
            "keeper",
            "--poll",
            "200ms",
            "--state",
            "keeper-state.json",
            "--metrics-addr",
            &format!("127.0.0.1:{port}"),
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(KEEPER.flag())
        .collect();
        self.say(&self.dim(&format!("$ wbx {} &   (log: keeper.log)", args.join(" "))));
        let log = std::fs::File::create(self.work.path().join("keeper.log"))?;
        let child = self
            .command(&args)
            .env("RUST_LOG", "wbx_keeper=info")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .wrap_err("start wbx keeper")?;
        self.keeper = Some(child);
        // The keeper is up once its metrics endpoint answers.
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            self.keeper_alive()?;
            ensure!(Instant::now() < deadline, "the keeper did not start: {}", self.keeper_log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.check("the keeper runs in the background");
        Ok(())
    }

    fn keeper_alive(&mut self) -> Result<()> {
        if let Some(child) = &mut self.keeper
            && let Some(status) = child.try_wait()?
        {
            bail!("the keeper exited ({status}): {}", self.keeper_log());
        }
        Ok(())
    }

    fn keeper_log(&self) -> String {
        std::fs::read_to_string(self.work.path().join("keeper.log")).unwrap_or_default()
    }

    /// Waits (up to 30 s of wall time) until the keeper has renewed `who`'s grant past `expires_at`.
    async fn wait_for_renewal(
        &mut self,
        who: Player,
        role: Role,
        expires_at: u64,
    ) -> Result<wbx_sdk::Grant> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let g = self.reader()?.grant_of(who.address(), role).await?;
            if g.expires_at > expires_at {
                for line in self.keeper_log().lines().filter(|l| l.contains("renew")) {
                    self.say(&self.dim(&format!("keeper.log: {}", line.trim())));
                }
                return Ok(g);
            }
            self.keeper_alive()?;
            ensure!(
                Instant::now() < deadline,
                "the keeper did not renew {}'s grant within 30 s; its log:\n{}",
                who.name,
                self.keeper_log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the keeper as an operator would (SIGTERM) and waits for it to exit cleanly.
    pub async fn stop_keeper(&mut self) -> Result<()> {
        let Some(mut child) = self.keeper.take() else { return Ok(()) };
        if let Some(pid) = child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
            .await
            .map_err(|_| eyre!("the keeper did not stop within 15 s of SIGTERM"))??;
        ensure!(status.success(), "the keeper exited with {status}: {}", self.keeper_log());
        self.say(&self.dim("keeper stopped (SIGTERM)"));
        Ok(())
    }

    /// Moves the chain's clock forward and mines a block.
    async fn travel(&self, seconds: u64) -> Result<()> {
        let p = self.reader()?.provider();
        p.travel(seconds).await?;
        let block = p.get_block_number().await?;
        self.say(&self.dim(&format!(
            "... {} later (evm_increaseTime; block {block}) ...",
            humantime::format_duration(Duration::from_secs(seconds))
        )));
        Ok(())
    }

    fn reader(&self) -> Result<&Wbx> {
        self.reader.as_ref().ok_or_else(|| eyre!("the contracts are not deployed yet"))
    }

    async fn balance(&self, who: Player) -> Result<Amount> {
        Ok(self.reader()?.balance_of(who.address()).await?)
    }

    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(&self.wbx);
        cmd.args(args)
            .current_dir(self.work.path())
            .env("ETH_RPC_URL", self.rpc_url())
            .env("WBX_DEPLOYMENT", "deployment.json")
            .env("NO_COLOR", "1")
            // The story's players are dev accounts; no wallet from the caller's environment.
            .env_remove("WBX_PRIVATE_KEY")
            .env_remove("ETH_KEYSTORE")
            .env_remove("ETH_KEYSTORE_ACCOUNT")
            .env_remove("ETH_PASSWORD")
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs `wbx args` as `who`, prints the command and what it printed, and returns it.
    pub async fn run(&mut self, args: &[&str], who: Player) -> Result<Run> {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // Read-only commands need no wallet; they get none, as an auditor's would.
        if !is_read_only(&args) {
            args.extend(who.flag());
        }
        self.say(&self.dim(&format!("$ wbx {}", args.join(" "))));
        let out = self.command(&args).stdin(Stdio::null()).output().await?;
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args,
        };
        // As on a terminal: notes (stderr) come before a result, an error after what was printed.
        let order =
            if run.code == 0 { [&run.stderr, &run.stdout] } else { [&run.stdout, &run.stderr] };
        for text in order {
            let text = text.trim_end();
            if !text.is_empty() {
                self.say(text);
            }
        }
        for line in run.stdout.lines() {
            if let Some((_, method)) = line.split_once(UNSERVED) {
                self.skips.push(Skip {
                    command: format!("wbx {}", run.args.join(" ")),
                    line: line.trim().to_string(),
                    method: method.split_whitespace().next().unwrap_or_default().to_string(),
                });
            }
        }
        if let Some(step) = &mut self.current {
            step.runs.push(run.clone());
        }
        Ok(run)
    }

    /// Runs a command that must succeed.
    pub async fn ok(&mut self, args: &[&str], who: Player) -> Result<Run> {
        let run = self.run(args, who).await?;
        ensure!(run.code == 0, "`wbx {}` failed with exit {}", run.args.join(" "), run.code);
        Ok(run)
    }

    /// Runs a command that must fail with exit `code`.
    pub async fn fails(&mut self, args: &[&str], who: Player, code: i32) -> Result<Run> {
        let run = self.run(args, who).await?;
        ensure!(
            run.code == code,
            "`wbx {}` exited {}, expected {code}",
            run.args.join(" "),
            run.code
        );
        self.say(&self.dim(&format!("(refused, as it should be: exit {code})")));
        Ok(run)
    }

    fn begin(&mut self, title: &str) {
        self.say("");
        self.say(&self.bold(&format!("## {title}")));
        self.current =
            Some(StepReport { title: title.into(), checks: Vec::new(), runs: Vec::new() });
    }

    fn check(&mut self, what: &str) {
        let mark = if self.color { "\x1b[32m✓\x1b[0m" } else { "✓" };
        self.say(&format!("{mark} {what}"));
        if let Some(step) = &mut self.current {
            step.checks.push(what.into());
        }
    }

    fn end(&mut self) {
        if let Some(step) = self.current.take() {
            self.reports.push(step);
        }
    }

    #[allow(clippy::print_stdout)]
    fn say(&self, text: &str) {
        println!("{text}");
    }

    fn bold(&self, text: &str) -> String {
        if self.color { format!("\x1b[1;34m{text}\x1b[0m") } else { text.into() }
    }

    fn dim(&self, text: &str) -> String {
        if self.color { format!("\x1b[2m{text}\x1b[0m") } else { text.into() }
    }
}

/// Commands that only read: they run without a wallet.
fn is_read_only(args: &[String]) -> bool {
    let first = args.first().map(String::as_str);
    let second = args.get(1).map(String::as_str);
    let login = matches!((first, second), (Some("audit"), Some("login")));
    matches!(first, Some("buckets" | "balance" | "allowance" | "quote" | "audit")) && !login
        || matches!((first, second), (Some("access"), Some("list" | "show")))
        || matches!((first, second), (Some("pool"), Some("info")))
}

fn expect_text(run: &Run, needle: &str) -> Result<()> {
    ensure!(
        run.output().to_lowercase().contains(&needle.to_lowercase()),
        "`wbx {}` did not mention \"{needle}\"; it printed:\n{}",
        run.args.join(" "),
        run.output()
    );
    Ok(())
}
