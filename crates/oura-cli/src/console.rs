//! What the command prints besides its data: whether messages are colored (`--color`,
//! `NO_COLOR`), whether progress and summaries are shown (`--quiet`), and the error line.

use std::io::IsTerminal as _;
use std::sync::OnceLock;

use crate::cli::{ColorChoice, Global};

#[derive(Debug, Clone, Copy)]
struct Settings {
    color: bool,
    quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    *SETTINGS.get_or_init(|| Settings {
        color: colored(ColorChoice::Auto, std::io::stderr().is_terminal()),
        quiet: false,
    })
}

/// Records the global options that govern stderr; the first call wins.
pub fn init(global: &Global) {
    let _ = SETTINGS.set(Settings {
        color: colored(global.color, std::io::stderr().is_terminal()),
        quiet: global.quiet,
    });
}

/// `NO_COLOR` set to anything but an empty string turns colors off (<https://no-color.org>).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// Whether stderr gets colors under `choice`.
pub fn colored(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color(),
    }
}

/// The `--color` of the raw arguments, read before clap parses them so that clap's own help
/// and usage errors follow it too. The last one given wins, as for clap.
pub fn color_in_args<I, S>(args: I) -> ColorChoice
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut choice = ColorChoice::Auto;
    let mut next_is_value = false;
    for arg in args {
        let Some(arg) = arg.as_ref().to_str() else {
            next_is_value = false;
            continue;
        };
        let value = if next_is_value {
            next_is_value = false;
            Some(arg)
        } else if arg == "--color" {
            next_is_value = true;
            None
        } else if arg == "--" {
            break;
        } else {
            arg.strip_prefix("--color=")
        };
        match value {
            Some("always") => choice = ColorChoice::Always,
            Some("never") => choice = ColorChoice::Never,
            Some("auto") => choice = ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}

/// The clap setting for a choice: `auto` also honours `NO_COLOR` here.
pub fn clap_color(choice: ColorChoice) -> clap::ColorChoice {
    match choice {
        ColorChoice::Always => clap::ColorChoice::Always,
        ColorChoice::Never => clap::ColorChoice::Never,
        ColorChoice::Auto if no_color() => clap::ColorChoice::Never,
        ColorChoice::Auto => clap::ColorChoice::Auto,
    }
}

/// Whether messages on stderr are colored.
pub fn color() -> bool {
    settings().color
}

/// Whether `--quiet` asked for no progress and no summaries.
pub fn quiet() -> bool {
    settings().quiet
}

/// Whether progress bars are drawn: on a terminal, unless `--quiet`.
pub fn progress() -> bool {
    !quiet() && std::io::stderr().is_terminal()
}

/// A note for people (a summary, what was done), on stderr unless `--quiet`.
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::console::quiet() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use note;

/// The line of a failed command: `error: ...`, `error:` in bold red when colored.
pub fn error_line(message: &str) -> String {
    if color() {
        format!("\x1b[1;31merror\x1b[0m: {message}")
    } else {
        format!("error: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_color_option_wins_and_other_arguments_are_ignored() {
        assert_eq!(color_in_args(["oura", "get", "sleep"]), ColorChoice::Auto);
        assert_eq!(color_in_args(["oura", "--color", "never", "get"]), ColorChoice::Never);
        assert_eq!(
            color_in_args(["oura", "--color=never", "x", "--color", "always"]),
            ColorChoice::Always
        );
        assert_eq!(color_in_args(["oura", "--", "--color=never"]), ColorChoice::Auto);
        assert_eq!(color_in_args(["oura", "--color", "purple"]), ColorChoice::Auto);
    }

    #[test]
    fn explicit_choices_ignore_the_terminal() {
        assert!(colored(ColorChoice::Always, false));
        assert!(!colored(ColorChoice::Never, true));
        assert!(!colored(ColorChoice::Auto, false));
    }
}
