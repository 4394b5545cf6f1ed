//! `cargo xtask spec ...`: fetching, checking and diffing Oura's OpenAPI document.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::normalize::{self, Counts};
use crate::{diff, generate, shared_dir, workspace_root};

/// The upstream version `spec fetch` asks for without `--version`.
pub const DEFAULT_VERSION: &str = "1.43";

/// Oura's download address for a spec version.
pub fn upstream_url(version: &str) -> String {
    format!("https://cloud.ouraring.com/v2/static/json/openapi-{version}.json")
}

/// Where the committed spec came from, written beside it as `openapi/provenance.json`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    /// Upstream version, or a label when the source does not say (`newest`).
    pub version: String,
    /// Path or URL the upstream bytes were read from.
    pub source: String,
    /// sha256 of the upstream bytes, before normalization.
    pub sha256: String,
    /// What each normalization step changed.
    pub normalization: Vec<StepCount>,
}

/// One line of the normalization record.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct StepCount {
    /// Step name.
    pub step: String,
    /// How many places it changed.
    pub changed: usize,
}

fn provenance_path() -> PathBuf {
    workspace_root().join("openapi").join("provenance.json")
}

/// Reads a document from a path or an `http(s)://` URL.
pub fn read_source(source: &str) -> Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        // reqwest is built without a crypto provider (the workspace's clients are given ring's
        // by `oura_api_sys::tls`); this binary installs ring's as its default.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::blocking::Client::builder()
            .user_agent(concat!("oura-xtask/", env!("CARGO_PKG_VERSION")))
            .build()?
            .get(source)
            .send()
            .with_context(|| format!("downloading {source}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!("downloading {source}: HTTP {status}");
        }
        Ok(response.bytes()?.to_vec())
    } else {
        std::fs::read(source).with_context(|| format!("reading {source}"))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses and normalizes upstream bytes.
pub fn normalize_bytes(bytes: &[u8]) -> Result<(Value, Counts)> {
    let mut doc: Value = serde_json::from_slice(bytes).context("upstream document is not JSON")?;
    let counts = normalize::normalize(&mut doc);
    Ok((doc, counts))
}

/// The committed text of a normalized document: pretty JSON with a final newline.
pub fn to_committed_text(doc: &Value) -> Result<String> {
    Ok(serde_json::to_string_pretty(doc)? + "\n")
}

/// A version label from a file name such as `openapi-1.35.json`.
fn version_label(source: &str, fallback: &str) -> String {
    Path::new(source)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(|stem| stem.strip_prefix("openapi-"))
        .map_or_else(|| fallback.to_owned(), str::to_owned)
}

/// `spec fetch`: download, normalize, write `openapi/oura.json` and `openapi/provenance.json`.
pub fn fetch(version: &str, from: Option<&str>) -> Result<ExitCode> {
    let source = from.map_or_else(|| upstream_url(version), str::to_owned);
    let bytes = read_source(&source)?;
    let (doc, counts) = normalize_bytes(&bytes)?;
    let label = if from.is_some() {
        version_label(&source, version)
    } else {
        version.to_owned()
    };
    let provenance = Provenance {
        version: label,
        source: source.clone(),
        sha256: sha256_hex(&bytes),
        normalization: counts
            .iter()
            .map(|(step, changed)| StepCount {
                step: (*step).into(),
                changed: *changed,
            })
            .collect(),
    };
    std::fs::write(generate::spec_path(), to_committed_text(&doc)?)?;
    std::fs::write(provenance_path(), serde_json::to_string_pretty(&provenance)? + "\n")?;
    println!("normalized {source} (sha256 {})", provenance.sha256);
    for (step, changed) in counts {
        println!("  {step:<30} {changed:>5}");
    }
    println!(
        "wrote {} and {}; now run `cargo xtask generate`",
        generate::spec_path().display(),
        provenance_path().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `spec check`: normalize upstream and fail with a drift report when it differs from the
/// committed spec.
pub fn check(upstream: Option<&str>) -> Result<ExitCode> {
    let committed_text = std::fs::read_to_string(generate::spec_path()).context("reading the committed spec")?;
    let committed: Value = serde_json::from_str(&committed_text)?;
    let provenance: Provenance = serde_json::from_str(&std::fs::read_to_string(provenance_path())?)?;
    let source = match upstream
        .map(str::to_owned)
        .or_else(|| std::env::var("OURA_SPEC_UPSTREAM").ok())
    {
        Some(source) => source,
        None => upstream_url(&provenance.version),
    };
    let bytes = read_source(&source)?;
    let sha = sha256_hex(&bytes);
    let (fresh, _) = normalize_bytes(&bytes)?;
    if fresh == committed {
        if sha == provenance.sha256 {
            println!("no drift: {source} is the committed spec (sha256 {sha})");
        } else {
            println!("no drift in names or types: {source} differs from the committed upstream only in prose");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = diff::diff(&committed, &fresh);
    println!("# Spec drift: committed `openapi/oura.json` vs `{source}`\n");
    println!("{}", report.to_markdown());
    println!("\nTo take the new spec: `cargo xtask spec fetch --from {source}` then `cargo xtask generate`.");
    eprintln!("the committed spec differs from upstream");
    Ok(ExitCode::FAILURE)
}

/// `spec diff OLD NEW`: the drift report between two upstream documents. Exits 1 when anything
/// breaking changed, 0 otherwise.
pub fn diff(old: &str, new: &str) -> Result<ExitCode> {
    let parse = |source: &str| -> Result<Value> {
        serde_json::from_slice(&read_source(source)?).with_context(|| format!("{source} is not JSON"))
    };
    let report = diff::diff(&parse(old)?, &parse(new)?);
    println!("{}", report.to_markdown());
    Ok(if report.breaking() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The upstream copies in the shared directory.
pub fn shared_specs() -> Result<Vec<PathBuf>> {
    let dir = shared_dir().join("oura").join("openapi");
    let entries = std::fs::read_dir(&dir).with_context(|| {
        format!(
            "the shared upstream specs are missing: {} (set OURA_SHARED)",
            dir.display()
        )
    })?;
    let mut specs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    specs.sort();
    if specs.is_empty() {
        bail!("no upstream specs in {}", dir.display());
    }
    Ok(specs)
}

/// `verify-all`: normalize and generate every shared upstream copy into a temporary
/// directory, and report what each step changed.
pub fn verify_all() -> Result<ExitCode> {
    let out = std::env::temp_dir().join("oura-xtask-verify-all");
    std::fs::create_dir_all(&out)?;
    for path in shared_specs()? {
        let (doc, counts) = normalize_bytes(&std::fs::read(&path)?)?;
        let code = generate::generate_file(&doc).with_context(|| format!("generating from {}", path.display()))?;
        let catalog = generate::generate_catalog(&doc, &code)
            .with_context(|| format!("generating the catalog from {}", path.display()))?;
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
        std::fs::write(out.join(format!("{name}.rs")), &code)?;
        std::fs::write(out.join(format!("{name}.catalog.rs")), &catalog)?;
        let summary: Vec<String> = counts.iter().map(|(step, n)| format!("{step}={n}")).collect();
        println!("{name}: {} bytes generated; {}", code.len(), summary.join(" "));
    }
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The newest upstream copy normalizes with exactly the counts the pipeline was built for.
    #[test]
    fn newest_counts() {
        let path = shared_specs()
            .expect("shared specs")
            .into_iter()
            .find(|p| p.ends_with("openapi-newest.json"));
        let bytes = std::fs::read(path.expect("openapi-newest.json is in the shared directory")).expect("read");
        let (_, counts) = normalize_bytes(&bytes).expect("normalizes");
        let count = |name: &str| counts.iter().find(|(step, _)| *step == name).map(|(_, n)| *n);
        assert_eq!(count("openapi_3_0"), Some(1));
        assert_eq!(count("nullable_any_of"), Some(243));
        assert_eq!(count("plain_date_params"), Some(60));
        assert_eq!(count("typed_page_responses"), Some(36));
        assert_eq!(count("drop_untyped_error_responses"), Some(312));
        assert_eq!(count("drop_empty_titles"), Some(166));
        assert_eq!(count("relax_live_required"), Some(2));
    }

    /// Every shared upstream copy normalizes and generates code that parses, and no normalized
    /// copy keeps a 3.1 construct or upstream prose.
    #[test]
    fn every_upstream_copy_generates() {
        for path in shared_specs().expect("shared specs") {
            let (doc, _) = normalize_bytes(&std::fs::read(&path).expect("read")).expect("normalizes");
            let text = doc.to_string();
            assert!(
                !text.contains(r#""type":"null""#),
                "{}: a null branch survived",
                path.display()
            );
            let prose = text.matches(r#""description":""#).count() - text.matches(r#""description":"""#).count();
            assert_eq!(prose, 0, "{}: upstream prose survived", path.display());
            let code = generate::generate_file(&doc).unwrap_or_else(|err| panic!("{}: {err:#}", path.display()));
            generate::generate_catalog(&doc, &code)
                .unwrap_or_else(|err| panic!("{}: catalog: {err:#}", path.display()));
        }
    }

    /// The crates' version says which spec they were built from: `0.1.0+oura.<label>`.
    #[test]
    fn crate_version_names_the_committed_spec() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).expect("Cargo.toml");
        let version = manifest
            .split("[workspace.package]")
            .nth(1)
            .and_then(|section| section.lines().find_map(|l| l.trim().strip_prefix("version = ")))
            .map(|v| v.trim_matches('"').to_owned())
            .expect("workspace version");
        let provenance: Provenance =
            serde_json::from_str(&std::fs::read_to_string(provenance_path()).expect("provenance")).expect("json");
        let label: String = provenance
            .version
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
            .collect();
        assert_eq!(
            version.split_once('+').map(|(_, meta)| meta),
            Some(format!("oura.{label}").as_str()),
            "after `spec fetch`, set the workspace version's build metadata to the spec label"
        );
    }

    #[test]
    fn version_labels_come_from_file_names() {
        assert_eq!(version_label("../shared/oura/openapi/openapi-1.35.json", "x"), "1.35");
        assert_eq!(
            version_label("../shared/oura/openapi/openapi-newest.json", "x"),
            "newest"
        );
        assert_eq!(version_label("spec.json", "1.43"), "1.43");
    }
}
