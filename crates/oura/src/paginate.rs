//! The one pagination engine: follows `next_token` page by page, window by window.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures::{Stream, TryStreamExt, stream};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::{ApiRequest, ApiResponse, Client};
use crate::error::{Error, RateLimit, Result};
use crate::range::{Position, TextBounds, Window};

/// One page of documents, as Oura sent it (minus documents outside the caller's range).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The documents.
    pub data: Vec<T>,
    /// The token of the next page within the current window, if any.
    pub next_token: Option<String>,
    /// The rate-limit headers of the response, if it had any.
    pub rate_limit: Option<RateLimit>,
}

/// A page as Oura sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct Wire<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// Where a document lies in time, to keep only what the caller's range asked for.
pub(crate) type Locate<T> = Arc<dyn for<'a> Fn(&'a T) -> Located<'a> + Send + Sync>;

/// Where a document lies: its position, or the text of its position field (parsed only when
/// its text alone cannot tell, see [`Keep::keeps_text`](crate::range::Keep::keeps_text)).
pub(crate) enum Located<'a> {
    At(Option<Position>),
    Text(Option<&'a str>),
}

/// Reads a page's documents and next token from its response.
/// It may take the response's body.
pub(crate) type Decode<T> = Arc<dyn Fn(&mut ApiResponse) -> Result<Wire<T>> + Send + Sync>;

/// Decodes a page's documents as `T` from its JSON body.
pub(crate) fn decode_json<T: DeserializeOwned>() -> Decode<T> {
    Arc::new(|response: &mut ApiResponse| response.json())
}

struct State<T> {
    client: Client,
    path: String,
    route: &'static str,
    extra: Vec<(&'static str, String)>,
    windows: VecDeque<Window>,
    token: Option<String>,
    seen: HashSet<String>,
    /// Pages fetched in the current window.
    pages: usize,
    /// The current window's bounds as text, once its first page made them
    /// ([`Keep::text_bounds`](crate::range::Keep::text_bounds)).
    bounds: Option<Option<TextBounds>>,
    decode: Decode<T>,
    locate: Locate<T>,
}

/// Pages of `path`, lazily: one request per poll that needs one, one page in memory.
///
/// Ends after the last page of the last window, or after the first error (a repeated
/// `next_token` is an error rather than a loop).
pub(crate) fn pages<T: Send + 'static>(
    client: Client,
    path: String,
    route: &'static str,
    windows: Vec<Window>,
    extra: Vec<(&'static str, String)>,
    decode: Decode<T>,
    locate: Locate<T>,
) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
    let state = State {
        client,
        path,
        route,
        extra,
        windows: windows.into(),
        token: None,
        seen: HashSet::new(),
        pages: 0,
        bounds: None,
        decode,
        locate,
    };
    stream::try_unfold(state, |mut state| async move {
        let Some(window) = state.windows.front() else {
            return Ok(None);
        };
        let keep = window.keep;
        let limit = state.client.max_pages();
        if state.pages >= limit {
            return Err(Error::TooManyPages {
                route: state.route.to_owned(),
                limit,
            });
        }
        state.pages += 1;
        let mut request = ApiRequest::get(state.path.clone(), state.route);
        request.query = window.query.iter().chain(&state.extra).cloned().collect();
        if let Some(token) = &state.token {
            request.query.push(("next_token", token.clone()));
        }
        let mut response = state.client.execute(&request).await?;
        let wire = (state.decode)(&mut response)?;
        match wire.next_token.filter(|token| !token.is_empty()) {
            Some(token) => {
                if !state.seen.insert(token.clone()) {
                    return Err(Error::RepeatedPageToken { token });
                }
                state.token = Some(token);
            }
            None => {
                state.windows.pop_front();
                state.token = None;
                state.seen.clear();
                state.pages = 0;
            }
        }
        let mut data = wire.data;
        let bounds = state.bounds.take().unwrap_or_else(|| keep.text_bounds());
        data.retain(|doc| match (state.locate)(doc) {
            Located::At(position) => keep.keeps(position),
            Located::Text(text) => keep.keeps_text(text, bounds.as_ref()),
        });
        // Kept for the window's next page; the next window has its own.
        if state.token.is_some() {
            state.bounds = Some(bounds);
        }
        let page = Page {
            data,
            next_token: state.token.clone(),
            rate_limit: response.rate_limit,
        };
        Ok(Some((page, state)))
    })
}

/// The documents of [`pages`], one by one.
pub(crate) fn documents<T: Send + 'static>(
    pages: impl Stream<Item = Result<Page<T>>> + Send + 'static,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    pages
        .map_ok(|page| stream::iter(page.data.into_iter().map(Ok)))
        .try_flatten()
}
