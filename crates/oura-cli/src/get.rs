//! `oura get`: every document of one collection in a range, all pages; `whoami`.

use std::io::{self, Write as _};

use futures::StreamExt as _;
use serde_json::Value;

use crate::catalog::{self, Collection, Kind};
use crate::cli::{Format, GetArgs, Global};
use crate::failure::{Failure, code};
use crate::output;
use crate::session;

/// Runs `oura get`.
pub async fn run(global: &Global, args: &GetArgs) -> Result<(), Failure> {
    let collection = catalog::find(&args.collection)?;
    let session = session::open(global).await?;
    let format = output::resolve(global.format);
    if args.latest {
        return latest(&session.client, collection, args, format).await;
    }
    let mut pages = catalog::pages(
        &session.client,
        collection.route,
        args.start.as_deref(),
        args.end.as_deref(),
    )?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut kept = Vec::new();
    loop {
        match pages.next().await {
            None => break,
            Some(Err(err)) => {
                output::check(out.flush())?;
                return Err(err.into());
            }
            Some(Ok(page)) if format == Format::Ndjson => {
                for doc in &page.data {
                    output::check(
                        serde_json::to_writer(&mut out, doc)
                            .map_err(io::Error::from)
                            .and_then(|()| out.write_all(b"\n")),
                    )?;
                }
            }
            Some(Ok(page)) => kept.extend(page.data),
        }
    }
    if format != Format::Ndjson {
        output::check(output::write_collection(&mut out, format, &collection, &kept))?;
    }
    output::check(out.flush())
}

/// The most recent document: the `latest` route of a time series, else the last document of
/// the range (by default the last 30 days).
async fn latest(client: &oura::Client, collection: Collection, args: &GetArgs, format: Format) -> Result<(), Failure> {
    let doc: Option<Value> = match (collection.range, collection.route) {
        (Kind::Series, "heartrate") if args.start.is_none() && args.end.is_none() => {
            to_value(client.heartrate().latest().await?)?
        }
        (Kind::Series, "ring_battery_level") if args.start.is_none() && args.end.is_none() => {
            to_value(client.ring_battery_level().latest().await?)?
        }
        _ => {
            let end = match &args.end {
                Some(end) => end.clone(),
                None => crate::clock::today()?.to_string(),
            };
            let start = match &args.start {
                Some(start) => start.clone(),
                None => match oura::parse_date(&end) {
                    Ok(day) => (day - chrono::Duration::days(29)).to_string(),
                    Err(_) => return Err(Failure::usage("--latest with an instant --end needs --start too")),
                },
            };
            let mut pages = catalog::pages(client, collection.route, Some(&start), Some(&end))?;
            let mut last = None;
            while let Some(page) = pages.next().await {
                if let Some(doc) = page?.data.pop() {
                    last = Some(doc);
                }
            }
            last
        }
    };
    let Some(doc) = doc else {
        return Err(Failure::new(
            code::NOT_FOUND,
            format!("no {} document in that range: widen it with --start", collection.route),
        ));
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if format == Format::Csv {
        return output::check(output::write_collection(
            &mut out,
            format,
            &collection,
            std::slice::from_ref(&doc),
        ));
    }
    output::check(output::write_one(&mut out, format, &doc))
}

fn to_value<T: serde::Serialize>(doc: Option<T>) -> Result<Option<Value>, Failure> {
    doc.map(|doc| serde_json::to_value(doc).map_err(|err| Failure::new(code::GENERAL, err.to_string())))
        .transpose()
}

/// Runs `oura whoami`.
pub async fn whoami(global: &Global) -> Result<(), Failure> {
    let session = session::open(global).await?;
    let info = session.client.personal_info().await?;
    let doc = serde_json::to_value(info).map_err(|err| Failure::new(code::GENERAL, err.to_string()))?;
    let format = output::resolve(global.format);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    output::check(output::write_one(&mut out, format, &doc))
}
