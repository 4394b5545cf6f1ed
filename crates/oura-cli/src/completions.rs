//! `oura completions SHELL`: the shell's completion script on stdout.

use std::io::Write as _;

use crate::cli::CompletionsArgs;
use crate::failure::Failure;
use crate::output;

/// Writes the completion script of `args.shell` for the `oura` command.
pub fn run(args: &CompletionsArgs) -> Result<(), Failure> {
    let script = oura_ring_cli::completion_script(args.shell);
    let mut stdout = std::io::stdout().lock();
    output::check(stdout.write_all(&script).and_then(|()| stdout.flush()))
}
