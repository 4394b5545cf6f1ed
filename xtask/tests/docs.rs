//! `cargo xtask docs --check`: passes on the committed folder, fails with a diff on a stale one.

use std::process::Command;

fn xtask() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("xtask"))
}

#[test]
fn the_committed_man_pages_and_completions_are_fresh() {
    let output = xtask().args(["docs", "--check"]).output().expect("runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_stale_page_or_a_leftover_file_fails_the_check_with_a_diff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = xtask().args(["docs", "--dir"]).arg(dir.path()).output().expect("runs");
    assert!(written.status.success());
    let check = || {
        xtask()
            .args(["docs", "--check", "--dir"])
            .arg(dir.path())
            .output()
            .expect("runs")
    };
    assert!(check().status.success(), "fresh right after writing");

    let page = dir.path().join("man").join("oura-export.1");
    let text = std::fs::read_to_string(&page).expect("page");
    std::fs::write(&page, text.replace("\\-\\-out", "\\-\\-output")).expect("edit");
    let output = check();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("committed man/oura-export.1"), "{stdout}");
    assert!(stdout.contains("+\\fB\\-\\-out\\fR"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("generated docs are stale, run `cargo xtask docs`"));

    // Writing again repairs it and removes what is no longer generated.
    std::fs::write(dir.path().join("man").join("oura-gone.1"), "old").expect("write");
    assert_eq!(check().status.code(), Some(1));
    assert!(
        xtask()
            .args(["docs", "--dir"])
            .arg(dir.path())
            .output()
            .expect("runs")
            .status
            .success()
    );
    assert!(!dir.path().join("man").join("oura-gone.1").exists());
    assert!(check().status.success());
}
