//! `cargo xtask docs`: the `oura` command's man pages (one per command, clap_mangen) and shell
//! completion scripts (clap_complete), from its clap definition, into `crates/oura-cli/doc/`.
//! `--check` regenerates in memory and fails with a diff when the committed files are stale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use oura_ring_cli::cli::Shell;

use crate::workspace_root;

/// Where the generated files live (tracked).
pub fn doc_dir() -> PathBuf {
    workspace_root().join("crates").join("oura-cli").join("doc")
}

/// Every generated file, by its path relative to [`doc_dir`].
pub fn render() -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut command = oura_ring_cli::command().disable_help_subcommand(true);
    command.build();
    man_pages(command, &mut files)?;
    for (shell, name) in [
        (Shell::Bash, "oura.bash"),
        (Shell::Zsh, "_oura"),
        (Shell::Fish, "oura.fish"),
        (Shell::Powershell, "_oura.ps1"),
        (Shell::Elvish, "oura.elv"),
    ] {
        files.insert(format!("completions/{name}"), oura_ring_cli::completion_script(shell));
    }
    Ok(files)
}

/// The page of `command` and of each of its visible subcommands, recursively (`oura.1`,
/// `oura-webhooks-create.1`, ...).
fn man_pages(command: clap::Command, files: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        man_pages(sub.clone(), files)?;
    }
    let man = clap_mangen::Man::new(command);
    let mut page = Vec::new();
    man.render(&mut page).context("rendering a man page")?;
    files.insert(format!("man/{}", man.get_filename()), page);
    Ok(())
}

/// Writes the generated files into `dir`, removing stale ones from the generated folders.
pub fn write(dir: &Path) -> Result<ExitCode> {
    let dir = dir.to_owned();
    let files = render()?;
    for sub in ["man", "completions"] {
        let sub = dir.join(sub);
        if sub.is_dir() {
            for entry in std::fs::read_dir(&sub).with_context(|| format!("reading {}", sub.display()))? {
                let path = entry?.path();
                if !files.contains_key(&relative(&dir, &path)) {
                    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
                }
            }
        }
    }
    for (name, content) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("wrote {} files in {}", files.len(), dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Compares with the files in `dir` and fails with a diff when they differ.
pub fn check(dir: &Path) -> Result<ExitCode> {
    match stale_diff(dir)? {
        None => {
            println!("{} is up to date", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(diff) => {
            println!("{diff}");
            eprintln!("generated docs are stale, run `cargo xtask docs`");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The differences between the files in `dir` and a fresh generation, if any.
pub fn stale_diff(dir: &Path) -> Result<Option<String>> {
    let fresh = render()?;
    let mut report = String::new();
    for (name, content) in &fresh {
        let committed = std::fs::read(dir.join(name)).unwrap_or_default();
        if &committed != content {
            let committed = String::from_utf8_lossy(&committed);
            let fresh = String::from_utf8_lossy(content);
            let diff = similar::TextDiff::from_lines(committed.as_ref(), fresh.as_ref())
                .unified_diff()
                .context_radius(2)
                .header(&format!("committed {name}"), &format!("regenerated {name}"))
                .to_string();
            report.push_str(&diff);
        }
    }
    for sub in ["man", "completions"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = relative(dir, &entry.path());
            if !fresh.contains_key(&name) {
                report.push_str(&format!("{name}: no longer generated (delete it)\n"));
            }
        }
    }
    Ok((!report.is_empty()).then_some(report))
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` alone catches stale man pages or completions.
    #[test]
    fn generated_docs_are_fresh() {
        if let Some(diff) = stale_diff(&doc_dir()).expect("generation runs") {
            let head: String = diff.lines().take(60).collect::<Vec<_>>().join("\n");
            panic!("generated docs are stale, run `cargo xtask docs`\n{head}");
        }
    }

    #[test]
    fn a_page_per_command_and_a_script_per_shell() {
        let files = render().expect("renders");
        for name in [
            "man/oura.1",
            "man/oura-get.1",
            "man/oura-export.1",
            "man/oura-dashboard.1",
            "man/oura-webhooks-create.1",
            "completions/oura.bash",
            "completions/_oura",
            "completions/oura.fish",
            "completions/_oura.ps1",
            "completions/oura.elv",
        ] {
            assert!(files.contains_key(name), "{name} missing: {:?}", files.keys());
        }
        let page = String::from_utf8_lossy(&files["man/oura-export.1"]);
        assert!(page.contains("\\-\\-out"), "{page}");
        // The help subcommand has no page.
        assert!(!files.contains_key("man/oura-help.1"));
    }
}
