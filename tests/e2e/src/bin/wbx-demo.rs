//! `wbx-demo [anvil|hardhat]`: plays the policy story on a throwaway node (anvil unless told) and
//! prints it (`scripts/demo`). Ctrl-C or SIGTERM stops it cleanly: the node and the keeper it
//! started stop with it.

#![allow(clippy::print_stderr)]

use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};
use wbx_e2e::story::{Story, wbx_binary};
use wbx_testing::NodeKind;

#[tokio::main]
async fn main() -> ExitCode {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let story = async {
        let kind: NodeKind = match std::env::args().nth(1) {
            Some(arg) => arg.parse().map_err(|e: String| eyre::eyre!(e))?,
            None => NodeKind::Anvil,
        };
        let mut story = Story::start(wbx_binary()?, kind)?;
        // Beside the binaries: `target/<profile>/wbx-demo-report.html`.
        let exe = std::env::current_exe()?;
        story.keep_report_at(exe.with_file_name("wbx-demo-report.html"));
        story.play().await?;
        eyre::Ok(())
    };
    // Leaving this `select!` drops the story, which kills the keeper and the node it started.
    let result = tokio::select! {
        r = story => r,
        _ = tokio::signal::ctrl_c() => Err(eyre::eyre!("interrupted")),
        _ = term.recv() => Err(eyre::eyre!("terminated")),
    };
    match result {
        Ok(()) => {
            eprintln!("\nthe story played to the end; every step's outcome was checked");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            ExitCode::FAILURE
        }
    }
}
