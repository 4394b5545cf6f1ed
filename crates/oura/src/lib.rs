#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod by_route;
mod client;
mod collections;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod database;
mod error;
pub mod models;
pub mod oauth;
mod paginate;
mod range;
mod ratelimit;
mod raw;
mod retry;
mod secret;
pub mod webhooks;

pub use by_route::{
    AnyRange, collection, list_by_route, pages_by_route, pages_with_fields, position_of, raw_pages_by_route,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_USER_AGENT,
    TokenSource,
};
pub use collections::{
    COLLECTIONS, Collection, CollectionVisitor, Document, DocumentStream, Documents, Fields, ROUTES, SingleDocument,
    TimeSeries, visit_collections,
};
pub use error::{Error, ErrorDetail, RateLimit, Result, SNIPPET_LEN};
/// The generated collection table's types: parameters, fields and their JSON types.
pub use oura_api_sys::catalog::{Field, FieldType, Key, Param};
pub use paginate::Page;
pub use range::{All, DateRange, DateTimeRange, Position, RangeKind, RangeQuery, parse_date};
pub use ratelimit::{DEFAULT_MAX_WAIT, Permit, RateLimiter, RateLimiterStats};
pub use raw::{DocumentHead, RawDocument};
pub use retry::RetryPolicy;
pub use secret::Secret;

/// The low-level generated bindings this crate stands on.
pub use oura_api_sys as api_sys;
