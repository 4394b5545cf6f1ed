//! Webhooks: keeping subscriptions alive, and receiving Oura's verified events.
//!
//! Oura recommends webhooks as the main way to consume data: instead of polling every
//! collection, an application subscribes to (event type, data type) pairs and Oura calls its
//! callback URL when a document is created, updated or deleted.
//!
//! # Subscriptions
//!
//! [`Subscriptions`] manages them with the application's `x-client-id` and `x-client-secret`
//! (not a user's token): list, get, create, update, delete, renew. Subscriptions expire;
//! [`Subscriptions::reconcile`] creates what is missing, renews what expires soon and
//! optionally deletes what is no longer wanted. Run it at start-up and then daily.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use oura::models::{ExtApiV2DataType, WebhookOperation};
//! use oura::webhooks::{DesiredSubscriptions, Subscriptions};
//!
//! let client = oura::Client::from_env()?;
//! let subscriptions = Subscriptions::new(&client, "my-client-id", "my-client-secret");
//! let desired = DesiredSubscriptions::new("https://example.com/oura/webhook", "my-verification-token")
//!     .all_events(ExtApiV2DataType::Sleep)
//!     .pair(WebhookOperation::Create, ExtApiV2DataType::DailyReadiness)
//!     .delete_unwanted(true);
//! let report = subscriptions.reconcile(&desired).await?;
//! println!("{report}");
//! # Ok(()) }
//! ```
//!
//! # Receiving
//!
//! Framework-free: [`answer_challenge`] answers Oura's verification `GET`, [`verify_signature`]
//! checks a delivery's `x-oura-signature` and `x-oura-timestamp` in constant time with replay
//! protection, [`parse_event`] reads the [`WebhookEvent`], and [`WebhookEvent::fetch`] gets the
//! document it points at. [`Receiver`] bundles the three steps with the application's secrets.
//!
//! With the `axum` feature, `router` and `method_router` serve the callback URL: they answer
//! challenges, reject bad signatures with 401, and hand each verified event to the
//! application in a spawned task, so Oura gets its 2xx at once.

mod event;
#[cfg(feature = "axum")]
mod router;
mod subscriptions;
mod verify;

pub use event::{EventDocument, WebhookEvent, data_type_route, parse_event};
#[cfg(feature = "axum")]
pub use router::{DEFAULT_HEADER_TIMEOUT, method_router, router, serve};
pub use subscriptions::{
    DesiredSubscriptions, NewSubscription, PartialReconcile, ReconcileAction, ReconcileError, ReconcileFailure,
    ReconcilePlan, ReconcileReport, SubscriptionUpdate, Subscriptions,
};
pub use verify::{
    ChallengeError, ChallengeQuery, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_REPLAY_MEMORY, DEFAULT_TOLERANCE,
    ReceiveError, Receiver, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, answer_challenge, sign,
    verify_signature,
};

/// The (event type, data type) pair a subscription is for.
pub type SubscriptionKey = (crate::models::WebhookOperation, crate::models::ExtApiV2DataType);
