//! The README's story, end to end: the same steps `scripts/demo` prints, each asserting its
//! outcome on chain and in what the real `wbx` binary printed and returned.

use wbx_e2e::story::{Story, build_wbx};

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_story_plays_end_to_end() {
    let wbx = build_wbx().expect("build wbx");
    let mut story = Story::start(wbx).expect("start the story");
    let steps = story.play().await.unwrap_or_else(|e| panic!("{e:?}"));
    let titles: Vec<_> = steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(steps.len(), 6, "steps played: {titles:?}");
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
}
