//! `oura export`: every collection into one file each, through the `oura-sync` pipeline (plan,
//! fetch within the rate limit, write to the file sink). This module turns the command line
//! into the pipeline's options, renders its progress ([`render`]) and prints the summary.

pub(crate) mod render;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use oura_sync::sink::{CsvOptions, FileFormat, FileSink, FileSinkOptions, SinkError};
use oura_sync::{Collection, Report};

use crate::catalog;
use crate::cli::{ExportArgs, Format, Global};
use crate::failure::{Failure, code, from_oura};
use crate::session;

/// Runs `oura export`.
pub async fn run(global: &Global, args: &ExportArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let format = match global.format {
        None | Some(Format::Ndjson) => FileFormat::Ndjson,
        Some(Format::Csv) => FileFormat::Csv,
        Some(other) => {
            return Err(Failure::usage(format!(
                "export writes ndjson or csv files, not {other:?}: use --format ndjson or --format csv"
            )));
        }
    };
    let collections = select(&args.collections)?;
    let since = args.since.as_deref().map(oura::parse_date).transpose()?;
    let until = args.until.as_deref().map(oura::parse_date).transpose()?;
    let mode = parse_mode(args.file_mode.as_deref())?;
    let local_now = crate::clock::now()?;
    // An end in the future is now: nothing exists after it.
    let until = until.filter(|day| *day < local_now.date_naive());
    let last_day = until.unwrap_or(local_now.date_naive());
    if let Some(since) = since
        && since > last_day
    {
        return Err(Failure::usage(format!(
            "--since {since} is after the last day to export ({last_day}): give an earlier day"
        )));
    }
    // The destination is checked (created, locked, writable) before the first request.
    let mut sink = FileSink::open(
        &args.out,
        FileSinkOptions {
            format,
            mode,
            csv: CsvOptions {
                guard: !args.no_csv_guard,
            },
        },
    )
    .map_err(|err| sink_failure(&args.out, err))?;
    for note in sink.notes() {
        eprintln!("warning: {note}");
    }

    let session = session::open(global).await?;
    let (today, now) = match until {
        Some(day) => (day, crate::clock::end_of(day)),
        None => (local_now.date_naive(), local_now),
    };
    let mut options = oura_sync::Options::new(today, now);
    options.collections = collections.clone();
    options.since = since;
    options.concurrency = usize::from(args.concurrency);

    let progress = Arc::new(render::Progress::new(&collections));
    let stop = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let observer: Arc<dyn oura_sync::progress::Observer> = progress.clone();
    let client = session.client.clone();
    let (sink, report) = crate::failure::on_workers("export", async move {
        let report = oura_sync::run(&client, &mut sink, &options, observer, stop).await;
        (sink, report)
    })
    .await?;
    progress.finish();
    let report = report.map_err(|err| match err {
        oura_sync::Error::Api(err) => from_oura(&err),
        oura_sync::Error::Sink(err) => sink_failure(&args.out, err),
        other => Failure::new(code::GENERAL, other.to_string()),
    })?;
    let summary = summarize(&args.out, &sink, &report, started);
    // The process exits next: the sink's index (a key per document written) is left to the
    // exit rather than freed key by key. Its lock is released by the exit as well.
    std::mem::forget(sink);
    summary
}

/// `--file-mode`: octal permission bits.
fn parse_mode(text: Option<&str>) -> Result<u32, Failure> {
    let Some(text) = text else {
        return Ok(FileSinkOptions::default().mode);
    };
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|mode| *mode <= 0o777 && mode & 0o600 == 0o600)
        .ok_or_else(|| {
            Failure::usage(format!(
                "--file-mode {text:?} is not an octal mode the owner can read and write, like 600 or 640"
            ))
        })
}

fn sink_failure(out: &Path, err: SinkError) -> Failure {
    match err {
        SinkError::NotADirectory { path } => Failure::usage(format!(
            "--out {} is a file, not a directory: name a directory (it is created if needed)",
            path.display()
        )),
        SinkError::Locked { dir } => Failure::new(
            code::LOCAL_IO,
            format!(
                "another `oura export` is writing to {}: wait for it to finish, or export to another --out",
                dir.display()
            ),
        ),
        SinkError::Io { what, source } if source.kind() == std::io::ErrorKind::PermissionDenied => Failure::new(
            code::LOCAL_IO,
            format!(
                "{what}: {source}; fix its permissions or choose another --out than {}",
                out.display()
            ),
        ),
        SinkError::Io { what, source } => Failure::io(what, &source),
        other => Failure::new(code::LOCAL_IO, other.to_string()),
    }
}

/// The collections to export: those named, or all, in the catalog's order.
fn select(names: &[String]) -> Result<Vec<&'static Collection>, Failure> {
    let all = oura_sync::collections();
    if names.is_empty() {
        return Ok(all);
    }
    let mut chosen = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let route = catalog::find(name)?.route;
        let collection =
            oura_sync::find(route).ok_or_else(|| Failure::usage(format!("unknown collection {name:?}")))?;
        if !chosen.contains(&collection) {
            chosen.push(collection);
        }
    }
    chosen.sort_by_key(|c| all.iter().position(|k| k == c));
    Ok(chosen)
}

fn summarize(out: &Path, sink: &FileSink, report: &Report, started: Instant) -> Result<(), Failure> {
    use std::io::IsTerminal as _;
    let terminal = std::io::stderr().is_terminal() && !crate::console::quiet();
    let (mut added, mut updated) = (0, 0);
    for c in &report.collections {
        added += c.upserted.added;
        updated += c.upserted.updated;
        if terminal {
            let file = sink.file_name(c.collection);
            // Only files that exist are named: an interrupted run may not have created some.
            let place = if out.join(&file).exists() {
                format!("in {file}")
            } else {
                "(no file yet)".to_owned()
            };
            let total = c.total.or_else(|| sink.documents(c.collection)).unwrap_or(0);
            eprintln!(
                "{:>24}  {:>7} new  {:>5} updated  {:>8} {place}",
                c.collection.route, c.upserted.added, c.upserted.updated, total
            );
        }
    }
    let failed: Vec<(&'static Collection, Failure)> = report
        .collections
        .iter()
        .filter_map(|c| Some((c.collection, failure_of(out, c.failure.as_ref()?))))
        .collect();
    for (collection, failure) in &failed {
        eprintln!("error: {}: {}", collection.route, failure.message);
    }
    let waited = if report.waited.as_millis() > 0 {
        format!(", {:.1} s waiting for the rate limit", report.waited.as_secs_f64())
    } else {
        String::new()
    };
    let exported = report.collections.len() - failed.len();
    crate::console::note!(
        "exported {added} new and {updated} updated documents of {} to {} in {:.1} s ({}{waited})",
        oura_sync::progress::count(exported as u64, "collection"),
        out.display(),
        started.elapsed().as_secs_f64(),
        oura_sync::progress::count(report.requests, "request"),
    );
    if let Some(err) = &report.finish {
        return Err(Failure::new(code::LOCAL_IO, err.to_string()));
    }
    if report.interrupted {
        return Err(Failure::new(
            code::INTERRUPTED,
            "interrupted: what was fetched is saved; run the same command again to continue",
        ));
    }
    let total = report.collections.len();
    match failed.as_slice() {
        [] => Ok(()),
        [(_, only)] if total == 1 => Err(only.clone()),
        [(_, first), ..] if failed.len() == total && failed.iter().all(|(_, f)| f.code == first.code) => {
            Err(first.clone())
        }
        _ => Err(Failure::new(
            code::INCOMPLETE,
            format!(
                "export incomplete: {} of {total} collections failed (see above); what was fetched is saved, \
                 run the same command again to continue",
                failed.len()
            ),
        )),
    }
}

fn failure_of(out: &Path, err: &oura_sync::Error) -> Failure {
    match err {
        oura_sync::Error::Api(err) => from_oura(err),
        oura_sync::Error::Sink(SinkError::Io { what, source }) => Failure::io(what, source),
        oura_sync::Error::Sink(other) => Failure::new(code::LOCAL_IO, format!("{other} ({})", out.display())),
        other => Failure::new(code::GENERAL, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_modes_are_octal_and_keep_the_owner_able_to_read_and_write() {
        assert_eq!(parse_mode(None).ok(), Some(0o600));
        assert_eq!(parse_mode(Some("640")).ok(), Some(0o640));
        assert_eq!(parse_mode(Some("0o644")).ok(), Some(0o644));
        for bad in ["999", "400", "rw", "7777"] {
            assert_eq!(parse_mode(Some(bad)).map_err(|f| f.code), Err(code::USAGE), "{bad}");
        }
    }

    #[test]
    fn names_select_collections_in_the_catalog_order() {
        let chosen = select(&["heartrate".into(), "daily-sleep".into(), "heartrate".into()]).expect("known");
        let routes: Vec<&str> = chosen.iter().map(|c| c.route).collect();
        assert_eq!(routes, ["daily_sleep", "heartrate"]);
        assert_eq!(select(&["sleeps".into()]).map_err(|f| f.code), Err(code::USAGE));
    }
}
