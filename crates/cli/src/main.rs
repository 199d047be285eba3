//! `wbx`: the WBX command line, shaped like Foundry's `cast`.
//!
//! A thin shell: arguments in `opts`/`args`, one file per command under `cmd/`, all logic in
//! `wbx-sdk`. stdout carries the result only (one JSON document with `--json`, on success and on
//! failure alike); logs, progress and warnings go to stderr, coloured only on a terminal. Exit
//! codes: 0 success, 1 a transaction or RPC failure, 2 bad input. Nothing here prints with
//! `println!`: the workspace lints forbid it, and `output` writes the result once, in the one
//! place that copes with a closed stdout.

mod args;
mod cmd;
mod error;
mod opts;
mod output;

use clap::{
    Parser,
    error::{ContextKind, ContextValue, ErrorKind},
};
use serde_json::json;
use std::process::ExitCode;

fn main() -> ExitCode {
    let json = wants_json();
    let cli = match opts::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, json),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(output::colour_stderr())
        .with_env_filter(filter);
    if cli.json_logs() {
        logs.json().init()
    } else {
        logs.init()
    }
    let json = cli.json;
    let result = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(cli.run()),
        Err(e) => Err(error::CliError::failure(
            error::code::FAILED,
            format!("cannot start the async runtime: {e}"),
        )),
    };
    output::finish(json, result)
}

/// Whether `--json` was asked for, read before clap so that its own errors can be JSON too.
fn wants_json() -> bool {
    std::env::args_os().skip(1).take_while(|a| a != "--").any(|a| a == "--json")
}

/// clap's refusals (and `--help`/`--version`), as clap prints them, and with `--json` also as the
/// one document on stdout, with a stable code. A lookalike character in what was not recognised
/// is named, since clap echoes it unchanged.
fn usage_error(e: clap::Error, json: bool) -> ExitCode {
    let exit = e.exit_code();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let text = e.render().to_string();
        if json {
            let key = if e.kind() == ErrorKind::DisplayHelp { "help" } else { "version" };
            let _ = output::write_stdout(&json!({ key: text.trim_end() }).to_string());
        } else {
            let _ = e.print();
        }
        return ExitCode::from(exit as u8);
    }
    let _ = e.print();
    let lookalike =
        [ContextKind::InvalidValue, ContextKind::InvalidSubcommand, ContextKind::InvalidArg]
            .into_iter()
            .filter_map(|k| match e.get(k) {
                Some(ContextValue::String(s)) => Some(s.clone()),
                Some(ContextValue::Strings(v)) => v.iter().find(|s| !s.is_ascii()).cloned(),
                _ => None,
            })
            .find_map(|s| wbx_sdk::names::non_ascii(&s));
    let rendered = e.render().to_string();
    let mut message = if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // clap printed the help; say what is missing, as every other refusal does.
        let usage = rendered.lines().find(|l| l.starts_with("Usage:")).unwrap_or("Usage: wbx");
        let message = format!("a command is missing ({})", usage.trim_start_matches("Usage: "));
        output::note(&format!("error: {message}"));
        message
    } else {
        rendered
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .trim()
            .to_string()
    };
    if let Some(note) = lookalike
        && !message.contains("U+")
    {
        output::note(&format!("note: {note}"));
        message.push_str(&format!(" ({note})"));
    }
    if json {
        let err = error::CliError::input(usage_code(&e), message);
        let _ = output::write_stdout(&err.document(&[]));
    }
    ExitCode::from(exit as u8)
}

/// The stable code of a clap error: a value parser's own code, else one per kind of misuse.
fn usage_code(e: &clap::Error) -> &'static str {
    let source = std::error::Error::source(e);
    if let Some(bad) = source.and_then(|s| s.downcast_ref::<error::BadValue>()) {
        return bad.code;
    }
    if source.is_some_and(|s| s.is::<wbx_sdk::UnknownName>()) {
        return "unknown-name";
    }
    match e.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "invalid-value",
        ErrorKind::UnknownArgument => "unknown-argument",
        ErrorKind::InvalidSubcommand => "unknown-command",
        ErrorKind::MissingRequiredArgument => "missing-argument",
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "missing-command"
        }
        ErrorKind::ArgumentConflict => "conflicting-arguments",
        ErrorKind::InvalidUtf8 => "not-utf8",
        _ => "usage",
    }
}
