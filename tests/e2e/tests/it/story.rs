//! The README's story, end to end, on anvil and on Hardhat 3's node: the same steps
//! `scripts/demo` prints, each asserting its outcome on chain and in what the real `wbx` binary
//! printed and returned, and every check a node could not serve named; then the README's first
//! command itself, which must leave nothing running.

use std::{
    process::Command,
    time::{Duration, Instant},
};
use wbx_e2e::story::{Story, build_wbx};
use wbx_testing::NodeKind;

/// Whether process `pid` still runs (a zombie awaiting its reaper does not count).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: "pid (comm) S ...".
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

fn assert_stopped(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|p| running(*p)) {
        assert!(Instant::now() < deadline, "still running after the story: {pids:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Plays the whole story on `kind` and checks what every step did and what it skipped.
async fn play_on(kind: NodeKind) {
    let wbx = build_wbx().expect("build wbx");
    let mut story = Story::start(wbx, kind).expect("start the story");
    let steps = story.play().await.unwrap_or_else(|e| panic!("{kind}: {e:?}"));
    let titles: Vec<_> = steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(steps.len(), 7, "steps played: {titles:?}");
    for (n, step) in steps.iter().enumerate() {
        assert!(step.title.starts_with(&format!("{}.", n + 1)), "step order: {titles:?}");
        assert!(!step.checks.is_empty(), "step {} checked nothing", step.title);
        assert!(!step.runs.is_empty(), "step {} ran no wbx command", step.title);
    }
    // No step leaves a private key in what it printed (dev keys included).
    let key0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    for run in steps.iter().flat_map(|s| &s.runs) {
        assert!(!run.output().contains(key0), "`wbx {}` printed a private key", run.args.join(" "));
    }
    // Every skip is a method this node does not serve, named by the command that skipped it;
    // on Hardhat (no txpool_*), the account diagnosis skips its queued-transactions check.
    let skips = story.skips().to_vec();
    let unserved: Vec<&str> = kind.unserved().iter().map(|(m, _)| *m).collect();
    for skip in &skips {
        assert!(unserved.contains(&skip.method.as_str()), "{kind}: unexpected skip {skip:?}");
    }
    match kind {
        NodeKind::Anvil => assert!(skips.is_empty(), "anvil skipped {skips:?}"),
        NodeKind::Hardhat => assert!(
            skips.iter().any(|s| s.command.starts_with("wbx doctor account")
                && s.method == "txpool_inspect"
                && s.line.contains("transactions behind a nonce gap")),
            "hardhat: the doctor's queued-transactions check was not named as skipped: {skips:?}"
        ),
    }
    let pids = story.processes();
    let work = story.work_dir().to_path_buf();
    drop(story);
    assert_stopped(&pids);
    assert!(!work.exists(), "the working folder {} was left behind", work.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_story_plays_end_to_end_on_anvil() {
    play_on(NodeKind::Anvil).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_story_plays_end_to_end_on_hardhat() {
    play_on(NodeKind::Hardhat).await;
}

/// `scripts/demo`, as a newcomer runs it, twice (the second time on Hardhat's node, as
/// `scripts/demo hardhat`): both runs play to the end and stop the node.
#[test]
fn scripts_demo_runs_twice_and_leaves_nothing_running() {
    let root = wbx_testing::workspace_root();
    for (run, args) in [(1, &[][..]), (2, &["hardhat"][..])] {
        let out = Command::new(root.join("scripts/demo"))
            .args(args)
            .current_dir(&root)
            .env("NO_COLOR", "1")
            .output()
            .expect("run scripts/demo");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "run {run} of scripts/demo failed:\n{stdout}\n{stderr}");
        for step in 1..=7 {
            assert!(
                stdout.contains(&format!("## {step}. ")),
                "run {run} lacks step {step}:\n{stdout}"
            );
        }
        assert!(stderr.contains("every step's outcome was checked"), "run {run}: {stderr}");
        if args == ["hardhat"] {
            assert!(stdout.contains("(a throwaway hardhat node;"), "run {run}:\n{stdout}");
            assert!(stdout.contains("Checks skipped on hardhat"), "run {run}:\n{stdout}");
        } else {
            assert!(stdout.contains("no check was skipped: anvil"), "run {run}:\n{stdout}");
        }
        // The node it started listened on the URL it printed; nothing answers there now.
        let url = stdout
            .lines()
            .find_map(|l| l.strip_prefix("node   "))
            .unwrap_or_else(|| panic!("run {run} did not print its node's URL:\n{stdout}"));
        let url = url.split_whitespace().next().unwrap_or_default();
        let port = url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "run {run} left its node running on port {port}"
        );
    }
}
