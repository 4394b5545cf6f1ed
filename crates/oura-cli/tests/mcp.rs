//! `oura mcp` driven over stdio by the official Python MCP SDK (`tests/mcp_stdio.py`): tools
//! listed with valid schemas, every collection tool against the emulator's own read, summaries
//! against a computation, errors as tool results, `authorize`, only protocol on stdout.
//!
//! The SDK lives in a venv that `.ci/mcp-venv.sh` installs under the target directory. Without
//! it the test is skipped with a message, unless `CI` is set: then it fails.

use std::path::PathBuf;
use std::process::Command;

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(PathBuf::from).unwrap_or(tmp)
}

fn shared_dir() -> PathBuf {
    match std::env::var_os("OURA_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

#[test]
fn the_python_mcp_sdk_drives_the_server_over_stdio() {
    let python = target_dir().join("mcp/venv/bin/python");
    if !python.exists() {
        let message = format!(
            "{} is missing: run `bash .ci/mcp-venv.sh` to install the Python MCP SDK",
            python.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipped: {message}");
        return;
    }
    let spec = shared_dir().join("oura/openapi/openapi-newest.json");
    assert!(spec.exists(), "{} is missing: set OURA_SHARED", spec.display());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_stdio.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg("--oura")
        .arg(assert_cmd::cargo::cargo_bin!("oura"))
        .arg("--spec")
        .arg(&spec)
        .output()
        .expect("run the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the MCP checks failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The script reports each check; make sure they all ran.
    for check in [
        "ok   initialize",
        "ok   list tools",
        "ok   every collection tool",
        "ok   caps, fields and series",
        "ok   summarize matches a computation in the test",
        "ok   bad input gives error results",
        "ok   no credentials",
        "ok   OURA_TOKEN",
        "ok   rate limited",
        "ok   authorize",
        "ok   stdout carried only protocol",
    ] {
        assert!(stdout.contains(check), "{check:?} did not pass:\n{stdout}");
    }
    assert!(!stdout.contains("FAIL"), "{stdout}");
}
