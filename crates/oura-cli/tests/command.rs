//! The command as a product: `--version`, completions, colors, `--quiet`, and the help of each
//! command showing only the options that apply to it.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::NaiveDate;
use oura_emulator::Emulator;

/// The binary with no `OURA_*`, `NO_COLOR` or `RUST_LOG` of the caller.
fn oura(config_dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" || key == "NO_COLOR" || key == "CLICOLOR_FORCE" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir).stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run oura")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_names_the_package_and_the_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(oura(dir.path()).arg("--version"));
    assert!(output.status.success());
    // The workspace version is `<semver>+oura.<spec>`.
    let (version, spec) = env!("CARGO_PKG_VERSION").split_once("+oura.").expect("build metadata");
    assert_eq!(
        text(&output.stdout),
        format!("oura {version} (Oura API 2.0, OpenAPI spec: {spec})\n")
    );
    // Subcommands say the same.
    let output = run(oura(dir.path()).args(["export", "--version"]));
    assert!(text(&output.stdout).starts_with(&format!("oura-export {version} ")));
}

#[test]
fn completions_for_every_shell_match_the_committed_scripts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc").join("completions");
    for (shell, file, marker) in [
        ("bash", "oura.bash", "_oura()"),
        ("zsh", "_oura", "#compdef oura"),
        ("fish", "oura.fish", "complete -c oura"),
        ("powershell", "_oura.ps1", "Register-ArgumentCompleter"),
        ("elvish", "oura.elv", "edit:completion:arg-completer[oura]"),
    ] {
        let output = run(oura(dir.path()).args(["completions", shell]));
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        assert!(script.contains(marker), "{shell} script lacks {marker:?}");
        for word in ["dashboard", "export", "webhooks", "collections"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        let committed = std::fs::read_to_string(docs.join(file)).expect("committed script");
        assert_eq!(script, committed, "{file} is stale: run `cargo xtask docs`");
    }
    let output = run(oura(dir.path()).args(["completions", "tcsh"]));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn errors_are_colored_only_when_asked_and_no_color_is_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let red = "\x1b[1;31merror\x1b[0m: unknown collection \"nope\"";
    // Piped stderr: plain by default.
    let output = run(oura(dir.path()).args(["get", "nope"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: unknown collection \"nope\""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let output = run(oura(dir.path()).args(["--color", "always", "get", "nope"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with(red), "{:?}", text(&output.stderr));
    // An explicit choice wins over NO_COLOR; `auto` and `never` give it way.
    let output = run(oura(dir.path())
        .args(["get", "nope", "--color=always"])
        .env("NO_COLOR", "1"));
    assert!(text(&output.stderr).starts_with(red));
    for choice in ["auto", "never"] {
        let output = run(oura(dir.path())
            .args(["--color", choice, "get", "nope"])
            .env("NO_COLOR", "1"));
        assert!(!text(&output.stderr).contains('\x1b'), "{choice}");
        assert_eq!(output.status.code(), Some(2));
    }
    // clap's own messages follow the same choice.
    let output = run(oura(dir.path()).args(["--color", "always", "--help"]));
    assert!(text(&output.stdout).contains('\x1b'));
    let output = run(oura(dir.path()).args(["--color", "never", "--no-such-option"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(!text(&output.stderr).contains('\x1b'));
    let output = run(oura(dir.path()).args(["--color", "always", "--no-such-option"]));
    assert!(text(&output.stderr).contains('\x1b'));
}

#[test]
fn global_options_appear_only_in_the_help_of_commands_they_apply_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let help = |args: &[&str]| text(&run(oura(dir.path()).args(args)).stdout);
    let login = help(&["login", "--help"]);
    for absent in ["--format", "--sandbox", "--emulator"] {
        assert!(!login.contains(absent), "login help shows {absent}");
    }
    assert!(login.contains("--base-url"));
    let emulator = help(&["emulator", "--help"]);
    for absent in ["--format", "--sandbox", "--emulator", "--base-url"] {
        assert!(!emulator.contains(absent), "emulator help shows {absent}");
    }
    for command in ["dashboard", "completions"] {
        let text = help(&[command, "--help"]);
        assert!(!text.contains("--format") && !text.contains("--sandbox"), "{command}");
    }
    for command in ["get", "export", "whoami"] {
        let text = help(&[command, "--help"]);
        for present in [
            "--format",
            "--sandbox",
            "--emulator",
            "--base-url",
            "--quiet",
            "--color",
        ] {
            assert!(text.contains(present), "{command} help lacks {present}");
        }
    }
    // Still accepted where hidden, with the same effect as before.
    let output = run(oura(dir.path()).args(["login", "--format", "json", "--emulator"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("`--emulator` lives only as long as one command"));
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_keeps_the_data_and_the_errors_and_drops_the_summaries() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let emulator = Emulator::builder()
        .users(1)
        .history_days(20)
        .today(today)
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let (root, base_url, token) = (dir.path().to_owned(), emulator.base_url(), emulator.token(0));
    let export = move |quiet: bool, out: &str| {
        let mut cmd = oura(&root);
        cmd.arg("--base-url")
            .arg(&base_url)
            .env("OURA_TOKEN", &token)
            .args([
                "export",
                "--collections",
                "daily_sleep",
                "--since",
                "2025-06-20",
                "--out",
            ])
            .arg(root.join(out));
        if quiet {
            cmd.arg("--quiet");
        }
        cmd
    };
    let (loud, quiet) =
        tokio::task::spawn_blocking(move || (run(&mut export(false, "a")), run(&mut export(true, "b"))))
            .await
            .expect("join");
    assert!(loud.status.success() && quiet.status.success());
    let a = std::fs::read_to_string(dir.path().join("a").join("daily_sleep.ndjson")).expect("a");
    let b = std::fs::read_to_string(dir.path().join("b").join("daily_sleep.ndjson")).expect("b");
    let documents = a.lines().count();
    assert!(documents > 5, "{a}");
    assert!(
        text(&loud.stderr).contains(&format!(
            "exported {documents} new and 0 updated documents of 1 collection "
        )),
        "{}",
        text(&loud.stderr)
    );
    assert_eq!(text(&quiet.stderr), "", "--quiet prints nothing on success");
    assert_eq!(a, b, "--quiet writes the same data");

    // `get` prints the data, quiet or not; errors stay.
    let mut cmd = oura(dir.path());
    cmd.arg("--base-url")
        .arg(emulator.base_url())
        .env("OURA_TOKEN", emulator.token(0))
        .args([
            "-q",
            "get",
            "daily_sleep",
            "--start",
            "2025-06-28",
            "--end",
            "2025-06-30",
        ]);
    let output = tokio::task::spawn_blocking(move || run(&mut cmd)).await.expect("join");
    assert!(output.status.success());
    assert_eq!(text(&output.stdout).lines().count(), 3);
    let output = run(oura(dir.path()).args(["--quiet", "get", "nope"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("error: unknown collection"));
}
