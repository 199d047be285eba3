//! `wbx completions SHELL`.

use crate::{error::Result, opts::Cli, output::Out};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print a completion script for SHELL to stdout.
///
/// Example: `wbx completions bash > /etc/bash_completion.d/wbx`
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    shell: Shell,
}

impl CompletionsArgs {
    pub(crate) fn run(self, out: Out) -> Result {
        // Into memory first: clap_complete panics when its writer fails (a closed stdout), and the
        // one place that writes results copes with that.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut Cli::command(), "wbx", &mut script);
        let script = String::from_utf8_lossy(&script).into_owned();
        out.emit(&serde_json::json!({ "shell": self.shell.to_string(), "script": script }), || {
            script.clone()
        });
        Ok(())
    }
}
