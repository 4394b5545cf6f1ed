//! `oura mcp`: the user's Oura data for AI assistants, over the Model Context Protocol (stdio).
//!
//! One tool per collection of the catalog (`get_daily_sleep`, `get_heartrate`, ...), plus
//! `get_personal_info`, `summarize`, `auth_status` and `authorize`. Answers are bounded: at most
//! `limit` documents per call (with a note of what was left out and how to narrow), per-interval
//! series only when asked for. Every failure is a tool result with a readable message; the
//! protocol is the only thing written to stdout, logs go to stderr.

mod auth;
mod query;
mod summary;
mod table;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, NaiveDate, Utc};
use futures::StreamExt as _;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::cli::Global;
pub use crate::cli::McpArgs;
use crate::failure::{self, Failure, code};
use crate::session::{self, Session};

/// Runs `oura mcp` until the client closes stdin.
pub async fn run(global: &Global, args: &McpArgs) -> Result<(), Failure> {
    session::check(global)?;
    let mut args = args.clone();
    if args.today.is_none() {
        args.today = crate::clock::pinned()?;
    }
    let server = Server::new(global.clone(), &args);
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|err| Failure::new(code::GENERAL, format!("the MCP session did not start: {err}")))?;
    let reason = running
        .waiting()
        .await
        .map_err(|err| Failure::new(code::GENERAL, format!("the MCP server stopped: {err}")))?;
    tracing::info!("mcp: stopped ({reason:?})");
    Ok(())
}

/// The server: the options, the session it opens on first use, and a login in progress.
#[derive(Clone)]
pub struct Server {
    global: Global,
    today: Option<NaiveDate>,
    limit: usize,
    tools: Arc<Vec<Tool>>,
    session: Arc<Mutex<Option<Arc<Session>>>>,
    login: auth::LoginSlot,
}

/// A tool's failure: the message the assistant reads.
type Outcome = Result<Value, String>;

impl Server {
    fn new(global: Global, args: &McpArgs) -> Self {
        let limit = usize::from(args.limit);
        Server {
            global,
            today: args.today,
            limit,
            tools: Arc::new(tools::all(limit)),
            session: Arc::new(Mutex::new(None)),
            login: auth::LoginSlot::default(),
        }
    }

    /// Today, for the default end of ranges.
    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| Local::now().date_naive())
    }

    /// The session, opened on first use (an in-process emulator starts then) and kept.
    async fn client(&self) -> Result<oura::Client, String> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref() {
            return Ok(session.client.clone());
        }
        let opened = session::open_at(&self.global, self.today).await.map_err(failure_text)?;
        let client = opened.client.clone();
        *slot = Some(Arc::new(opened));
        Ok(client)
    }

    async fn call(&self, name: &str, arguments: Option<serde_json::Map<String, Value>>) -> Outcome {
        if let Some(collection) = table::by_tool(name) {
            return self.list(collection, query::parse_args(arguments)?).await;
        }
        match name {
            tools::PERSONAL_INFO_TOOL => {
                query::parse_args::<Empty>(arguments)?;
                let client = self.client().await?;
                let info = client.personal_info().await.map_err(|err| oura_text(&err))?;
                serde_json::to_value(info).map_err(|err| err.to_string())
            }
            tools::SUMMARIZE => self.summarize(query::parse_args(arguments)?).await,
            tools::AUTH_STATUS => {
                query::parse_args::<Empty>(arguments)?;
                Ok(auth::status(&self.global, &self.login).await)
            }
            tools::AUTHORIZE => {
                let args: AuthorizeArgs = query::parse_args(arguments)?;
                let session = Arc::clone(&self.session);
                auth::authorize(&self.global, &self.login, args.scopes, move || {
                    // The next call opens a session on the new login.
                    if let Ok(mut slot) = session.try_lock() {
                        *slot = None;
                    } else {
                        tokio::spawn(async move { *session.lock().await = None });
                    }
                })
                .await
            }
            other => Err(format!("no tool named {other:?}: list the tools to see them")),
        }
    }

    async fn list(&self, collection: &'static table::Collection, args: query::ListArgs) -> Outcome {
        let limit = args.limit.unwrap_or(self.limit);
        if limit > query::MAX_LIMIT {
            return Err(format!(
                "limit {limit} is above {}: ask for fewer documents, fewer fields or call summarize",
                query::MAX_LIMIT
            ));
        }
        query::check_fields(collection, &args.fields)?;
        let bounds = query::resolve(
            collection.range,
            args.start.as_deref(),
            args.end.as_deref(),
            self.today(),
        )?;
        let client = self.client().await?;
        let shape = query::Shape::new(collection, &args.fields, args.include_series);
        let answer = query::bounded(&client, collection, bounds.as_ref(), &shape, limit)
            .await
            .map_err(|err| oura_text(&err))?;
        Ok(answer.into_json(collection, bounds.as_ref()))
    }

    async fn summarize(&self, args: query::SummarizeArgs) -> Outcome {
        let collection = table::by_name(&args.collection).ok_or_else(|| {
            let known: Vec<&str> = table::COLLECTIONS.iter().map(|c| c.route).collect();
            format!(
                "unknown collection {:?}: use one of {}",
                args.collection,
                known.join(", ")
            )
        })?;
        query::check_fields(collection, &args.fields)?;
        let bounds = query::resolve(
            collection.range,
            args.start.as_deref(),
            args.end.as_deref(),
            self.today(),
        )?;
        let range = query::range(collection, bounds.as_ref()).map_err(|err| oura_text(&err))?;
        let client = self.client().await?;
        // A time series is read in windows of at most 30 days, several at once; each window is
        // summarized on its own and the summaries merged in order, so memory stays flat.
        let fields = &args.fields;
        let mut parts = futures::stream::iter(range.windows())
            .map(|window| {
                let client = client.clone();
                async move {
                    let mut part = summary::Summary::new(collection, fields.clone());
                    let mut pages = query::pages(&client, collection, window, fields)?;
                    while let Some(page) = pages.next().await {
                        for doc in page?.data {
                            part.add(&doc);
                        }
                    }
                    Ok::<_, oura::Error>(part)
                }
            })
            .buffered(query::WINDOWS_AT_ONCE);
        let mut summary = summary::Summary::new(collection, args.fields.clone());
        while let Some(part) = parts.next().await {
            summary.merge(part.map_err(|err| oura_text(&err))?);
        }
        let mut answer = summary.to_json(args.weekly.unwrap_or(true));
        answer["collection"] = json!(collection.route);
        if let Some(bounds) = &bounds {
            answer["range"] = json!({"start": bounds.start, "end": bounds.end});
        }
        Ok(answer)
    }
}

/// Tools without arguments still refuse unknown ones.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// `authorize`'s arguments.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeArgs {
    #[serde(default)]
    scopes: Vec<String>,
}

/// A command failure as a tool message: a login or scope problem also points at `authorize`.
fn failure_text(failure: Failure) -> String {
    match failure.code {
        code::AUTH => format!("{} (or call the `authorize` tool)", failure.message),
        code::FORBIDDEN => format!(
            "{} (or call the `authorize` tool asking for that scope)",
            failure.message
        ),
        _ => failure.message,
    }
}

/// A library error as a tool message: what happened and what to do; a rate limit says until
/// when, as an instant.
fn oura_text(err: &oura::Error) -> String {
    if let oura::Error::RateLimited { rate_limit, .. } = err {
        let until = rate_limit.reset.or_else(|| {
            rate_limit
                .retry_after
                .and_then(|after| chrono::Duration::from_std(after).ok())
                .map(|after| Utc::now() + after)
        });
        return match until {
            Some(until) => format!(
                "rate limited by Oura (429) until {}: try again after that time, or ask for a shorter range",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            None => "rate limited by Oura (429): try again in a few minutes".to_owned(),
        };
    }
    failure_text(failure::from_oura(err))
}

fn text_result(value: &Value, is_error: bool) -> CallToolResult {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if is_error {
        CallToolResult::error(vec![ContentBlock::text(text)])
    } else {
        CallToolResult::success(vec![ContentBlock::text(text)])
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("oura", env!("CARGO_PKG_VERSION")).with_title("Oura Ring data (oura mcp)"),
            )
            .with_instructions(
                "The user's Oura Ring data. One get_<collection> tool per collection returns documents for a range \
                 (days are inclusive; heartrate and ring_battery_level take date-times with offsets and any \
                 length); answers are capped, with a note saying how to narrow. For averages and trends over \
                 weeks or months call `summarize`. If a tool says the user is not logged in, call `authorize` \
                 and give the user the URL.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|tool| tool.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = std::time::Instant::now();
        let outcome = self.call(&request.name, request.arguments).await;
        let elapsed = started.elapsed();
        match &outcome {
            Ok(_) => tracing::info!("mcp: {} answered in {}", request.name, millis(elapsed)),
            Err(message) => tracing::info!("mcp: {} failed in {}: {message}", request.name, millis(elapsed)),
        }
        Ok(match outcome {
            Ok(value) => text_result(&value, false),
            Err(message) => text_result(&Value::String(message), true),
        }
        .into())
    }
}

fn millis(elapsed: Duration) -> String {
    format!("{} ms", elapsed.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_says_until_when_and_login_failures_point_at_authorize() {
        let rate_limit = oura::RateLimit {
            reset: chrono::DateTime::parse_from_rfc3339("2025-06-30T12:05:00Z")
                .ok()
                .map(|at| at.with_timezone(&Utc)),
            ..oura::RateLimit::default()
        };
        let err = oura::Error::RateLimited {
            rate_limit: Box::new(rate_limit),
            trace_id: None,
        };
        assert_eq!(
            oura_text(&err),
            "rate limited by Oura (429) until 2025-06-30T12:05:00Z: try again after that time, or ask for a shorter range"
        );
        let text = failure_text(Failure::new(code::AUTH, "not logged in: run `oura login`"));
        assert_eq!(text, "not logged in: run `oura login` (or call the `authorize` tool)");
        let text = oura_text(&oura::Error::Forbidden {
            detail: None,
            trace_id: None,
        });
        assert!(
            text.contains("scope") && text.ends_with("(or call the `authorize` tool asking for that scope)"),
            "{text}"
        );
    }
}
