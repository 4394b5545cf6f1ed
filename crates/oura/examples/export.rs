//! Exports one collection as JSON lines.
//!
//! ```text
//! cargo run -p oura-ring --example export -- <collection> [--start S] [--end E] [--sandbox]
//! ```
//!
//! Reads `OURA_TOKEN` and `OURA_BASE_URL`. Writes each document as one JSON line on stdout (all
//! pages, in order) and a one-line summary on stderr. Exits 0 on success; otherwise prints one
//! line starting with `error:` on stderr and exits 1 (2 for bad arguments).
//!
//! `<collection>` is the route name: `daily_sleep`, `heartrate`, `vO2_max`, ... `S`/`E` are
//! dates (`2024-01-31`), or RFC 3339 date-times for `heartrate` and `ring_battery_level`;
//! the range is inclusive, and defaults to the last seven days.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use futures::TryStreamExt;

struct Args {
    collection: String,
    start: Option<String>,
    end: Option<String>,
    sandbox: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut collection, mut start, mut end, mut sandbox) = (None, None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--start" => start = Some(args.next().ok_or("--start needs a value")?),
            "--end" => end = Some(args.next().ok_or("--end needs a value")?),
            "--sandbox" => sandbox = true,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            name if collection.is_none() => collection = Some(name.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    let collection = collection.ok_or_else(|| format!("missing <collection>; one of: {}", oura::ROUTES.join(", ")))?;
    Ok(Args {
        collection,
        start,
        end,
        sandbox,
    })
}

async fn export(args: &Args) -> oura::Result<u64> {
    let client = oura::Client::builder_from_env()
        .sandbox(args.sandbox)
        .application("oura-export-example/1.0")
        .build()?;
    let collection = oura::collection(&args.collection)?;
    let range = oura::AnyRange::from_bounds(collection.range, args.start.as_deref(), args.end.as_deref())?;
    let mut documents = oura::list_by_route(&client, collection.route, range)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut count = 0;
    while let Some(document) = documents.try_next().await? {
        serde_json::to_writer(&mut out, &document)
            .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
            .map_err(|err| oura::Error::InvalidInput(format!("writing stdout: {err}")))?;
        count += 1;
    }
    out.flush()
        .map_err(|err| oura::Error::InvalidInput(format!("writing stdout: {err}")))?;
    Ok(count)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("usage: export <collection> [--start S] [--end E] [--sandbox]");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match export(&args).await {
        Ok(count) => {
            eprintln!(
                "exported {count} {} documents in {:.1} s",
                args.collection,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
