//! `wbx`: the WBX command line, shaped like Foundry's `cast`.
//!
//! A thin shell: arguments in `opts`/`args`, one file per command under `cmd/`, all logic in
//! `wbx-sdk`. stdout carries the result only (one JSON document with `--json`); logs, progress and
//! warnings go to stderr. Exit codes: 0 success, 1 a transaction or RPC failure, 2 bad input.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod cmd;
mod error;
mod opts;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = opts::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    if cli.json_logs() {
        logs.json().init()
    } else {
        logs.init()
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(cli.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.code())
        }
    }
}
