//! Output: the result on stdout (human text, or one JSON document with `--json`), everything else
//! on stderr; aligned tables; a progress bar that shows only on a terminal.
//!
//! A command does not print its result: it hands it to [`Out::emit`], and [`finish`] writes it
//! once the command has ended, success or failure. So with `--json` a run writes exactly one
//! document (the result, or the error, or a report that ends in an error with the error added),
//! and writing it is one place that copes with a closed stdout: a reader that went away
//! (`wbx ... | head -1`) ends the run quietly with the command's own exit code, and never turns a
//! transaction that was sent into a failure.

use crate::error::{CliError, FAILURE};
use alloy::primitives::TxHash;
use comfy_table::{Table, presets::NOTHING};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::{Value, json};
use std::{
    io::{ErrorKind, IsTerminal, Write},
    process::ExitCode,
    sync::Mutex,
};

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
}

/// The run's result so far: one process runs one command.
struct State {
    /// The result to print: a JSON document or text.
    result: Option<String>,
    /// Transactions this run saw mined, for a failure after them to report.
    sent: Vec<(TxHash, u64)>,
}

static STATE: Mutex<State> = Mutex::new(State { result: None, sent: Vec::new() });

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Out {
    /// Sets the run's result: `value` as JSON, or `human` as text. It is written when the command
    /// ends ([`finish`]).
    pub(crate) fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(value).expect("every result serialises")
        } else {
            human().trim_end().to_string()
        };
        state().result = Some(text);
    }

    /// Writes `value` (JSON on one line) or `human` to stdout now, for a command that runs until
    /// it is stopped: what a caller reads while it runs (the URL it serves) cannot wait for the
    /// end of the run, where [`Out::emit`]'s result is written.
    pub(crate) fn announce<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string(value).expect("every result serialises")
        } else {
            human().trim_end().to_string()
        };
        if let Err(e) = write_stdout(&text)
            && e.kind() != ErrorKind::BrokenPipe
        {
            note(&format!("warning: stdout failed ({e}): {text}"));
        }
        // The result was this: a run that ends well writes nothing more (no second document).
        state().result = Some(String::new());
    }

    /// A note for the user on stderr (never part of the result).
    pub(crate) fn note(&self, text: impl AsRef<str>) {
        note(text.as_ref());
    }

    /// A progress bar over `len` items, drawn on stderr only when it is a terminal and the output
    /// is not JSON.
    pub(crate) fn progress(&self, len: u64, what: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if self.json || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({eta})")
                .expect("template")
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        bar
    }
}

/// Writes a line to stderr. A closed or failing stderr is ignored: there is nowhere left to say it.
pub(crate) fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Writes to stderr without a newline (a prompt), ignoring a closed stderr.
pub(crate) fn prompt(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{text}").and_then(|()| err.flush());
}

/// Records a transaction this run saw mined: should the run fail after it, the error says so.
pub(crate) fn record_sent(hash: TxHash, block: u64) {
    state().sent.push((hash, block));
}

/// Writes the result and ends the run with its exit code.
///
/// - Success: the result on stdout (with `--json` and no result, `{"ok": true}`), exit 0.
/// - Failure: `error: ...` on stderr; with `--json`, one error document on stdout
///   (`{"ok": false, "error": {...}}`), or the command's report with `ok` and `error` added when
///   it reported before failing (`wbx doctor`, `wbx audit reconcile`); without it, such a report
///   as text on stdout. Any transactions mined before the failure are named in both.
/// - stdout closed or failing: the exit code stays the command's. A success stays exit 0 (a
///   transaction that was mined must not look unsent to a script that retries on failure); a
///   reader that went away is said nothing about, any other write error is said on stderr,
///   with the transactions the run sent.
pub(crate) fn finish(json: bool, result: Result<(), CliError>) -> ExitCode {
    let (report, sent) = {
        let mut s = state();
        (s.result.take(), std::mem::take(&mut s.sent))
    };
    let sent_json: Vec<Value> =
        sent.iter().map(|(hash, block)| json!({ "hash": hash, "block": block })).collect();
    let sent_words =
        || sent.iter().map(|(h, b)| format!("{h} (block {b})")).collect::<Vec<_>>().join(", ");
    match result {
        Ok(()) => {
            let text = match (report, json) {
                (Some(t), _) => Some(t),
                (None, true) => Some(json!({ "ok": true }).to_string()),
                (None, false) => None,
            };
            let Some(text) = text.filter(|t| !t.is_empty()) else { return ExitCode::SUCCESS };
            match write_stdout(&text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) if !sent.is_empty() => {
                    note(&format!(
                        "warning: the result could not be written to stdout ({e}); the run succeeded, and these transactions were mined: {}",
                        sent_words()
                    ));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    note(&format!("error: the result could not be written to stdout: {e}"));
                    ExitCode::from(FAILURE)
                }
            }
        }
        Err(e) => {
            note(&format!("error: {e}"));
            if !sent.is_empty() {
                note(&format!(
                    "note: before the error, these transactions were mined: {}",
                    sent_words()
                ));
            }
            let text = if json {
                let report = report
                    .and_then(|r| serde_json::from_str::<Value>(&r).ok())
                    .filter(Value::is_object);
                Some(match report {
                    // A report that ends in a failure: the report, with the verdict added.
                    Some(mut doc) => {
                        doc["ok"] = json!(false);
                        doc["error"] = e.to_json();
                        if !sent_json.is_empty() {
                            doc["sent"] = json!(sent_json);
                        }
                        serde_json::to_string_pretty(&doc).expect("serialisable")
                    }
                    None => e.document(&sent_json),
                })
            } else {
                report.filter(|t| !t.is_empty())
            };
            if let Some(text) = text {
                let _ = write_stdout(&text);
            }
            ExitCode::from(e.exit())
        }
    }
}

/// Writes `text` and a newline to stdout, all of it or an error.
pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// An aligned table with a header row; numbers right-aligned by the caller's choice of columns.
pub(crate) fn table(header: &[&str], rows: Vec<Vec<String>>, right: &[usize]) -> String {
    let mut t = Table::new();
    t.load_style(NOTHING);
    t.set_header(header.to_vec());
    for row in rows {
        t.add_row(row);
    }
    for &c in right {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    t.to_string()
}

/// Seconds as `12m 30s`, `1h 0m`, `expired 4m ago`.
pub(crate) fn time_left(seconds_left: u64, expired_for: u64) -> String {
    if seconds_left > 0 {
        format!("{} left", short_duration(seconds_left))
    } else {
        format!("expired {} ago", short_duration(expired_for))
    }
}

/// `3h 5m`, `12m 30s`, `45s`.
pub(crate) fn short_duration(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}

/// Whether logs on stderr may be coloured: only on a terminal, and never when `NO_COLOR` is set
/// to anything but an empty string (<https://no-color.org>).
pub(crate) fn colour_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
