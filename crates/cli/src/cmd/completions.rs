//! `wbx completions SHELL`.

use crate::{error::Result, opts::Cli};
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
    pub(crate) fn run(self) -> Result {
        clap_complete::generate(self.shell, &mut Cli::command(), "wbx", &mut std::io::stdout());
        Ok(())
    }
}
