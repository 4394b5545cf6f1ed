//! Subscription management with the application's credentials, and reconciliation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;

use super::SubscriptionKey;
use crate::client::id_segment;
use crate::client::{ApiRequest, As, Client};
use crate::error::{Error, Result};
use crate::models::{ExtApiV2DataType, WebhookOperation, WebhookSubscription};
use crate::secret::Secret;
use oura_api_sys::types;

const LIST_ROUTE: &str = "/v2/webhook/subscription";
const ONE_ROUTE: &str = "/v2/webhook/subscription/{id}";
const RENEW_ROUTE: &str = "/v2/webhook/subscription/renew/{id}";

/// Oura's webhook subscriptions of one application, authenticated with its client id and
/// client secret (`x-client-id`, `x-client-secret`), not with a user's token.
///
/// Every call goes through the [`Client`] it was made from: same base URL, User-Agent, timeout
/// and retry policy (updates, renewals and deletions are retried like reads; creation is not, as
/// a `POST` may have taken effect). Errors are the crate's [`Error`]: an unknown id is
/// [`Error::NotFound`] or [`Error::Forbidden`] (Oura answers both), a rejected body
/// [`Error::InvalidRequest`] (422), a wrong client secret [`Error::Unauthorized`].
///
/// The client secret never shows in `Debug` or logs. The client's own token is not sent on
/// these routes; an application that manages subscriptions without any user token can build
/// its client with [`Client::sandbox`] (the sandbox setting only changes data routes).
#[derive(Clone, Debug)]
pub struct Subscriptions {
    client: Client,
    client_id: String,
    client_secret: Secret,
}

impl Subscriptions {
    /// Subscriptions of the application `client_id`, through `client`.
    pub fn new(client: &Client, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Subscriptions {
            client: client.clone(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// Reads the application's credentials from `OURA_CLIENT_ID` and `OURA_CLIENT_SECRET`.
    pub fn from_env(client: &Client) -> Result<Self> {
        let client_id = required_env("OURA_CLIENT_ID")?;
        let client_secret = required_env("OURA_CLIENT_SECRET")?;
        Ok(Subscriptions::new(client, client_id, client_secret))
    }

    /// The application's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn request(&self, method: Method, path: String, route: &'static str) -> ApiRequest<'_> {
        ApiRequest {
            method,
            path,
            route,
            query: Vec::new(),
            body: None,
            auth: As::App {
                client_id: &self.client_id,
                client_secret: &self.client_secret,
            },
        }
    }

    fn one_path(id: &str) -> Result<String> {
        Ok(format!("{LIST_ROUTE}/{}", checked_id(id)?))
    }

    /// Every subscription of the application (for every callback URL).
    pub async fn list(&self) -> Result<Vec<WebhookSubscription>> {
        let request = self.request(Method::GET, LIST_ROUTE.to_owned(), LIST_ROUTE);
        self.client.execute(&request).await?.json()
    }

    /// One subscription by id.
    pub async fn get(&self, id: &str) -> Result<WebhookSubscription> {
        let request = self.request(Method::GET, Self::one_path(id)?, ONE_ROUTE);
        self.client.execute(&request).await?.json()
    }

    /// Creates a subscription (Oura answers 201).
    ///
    /// Oura first calls the callback URL with the verification token and a challenge (see
    /// [`answer_challenge`](super::answer_challenge)); the receiver must be up before this call.
    pub async fn create(&self, subscription: &NewSubscription) -> Result<WebhookSubscription> {
        let mut request = self.request(Method::POST, LIST_ROUTE.to_owned(), LIST_ROUTE);
        request.body = Some(subscription.body());
        self.client.execute(&request).await?.json()
    }

    /// Changes a subscription's callback URL, event type or data type.
    pub async fn update(&self, id: &str, update: &SubscriptionUpdate) -> Result<WebhookSubscription> {
        let mut request = self.request(Method::PUT, Self::one_path(id)?, ONE_ROUTE);
        request.body = Some(update.body());
        self.client.execute(&request).await?.json()
    }

    /// Deletes a subscription (Oura answers 204).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let request = self.request(Method::DELETE, Self::one_path(id)?, ONE_ROUTE);
        self.client.execute(&request).await?;
        Ok(())
    }

    /// Renews a subscription: Oura moves its `expiration_time` forward.
    pub async fn renew(&self, id: &str) -> Result<WebhookSubscription> {
        let path = format!("{LIST_ROUTE}/renew/{}", checked_id(id)?);
        let request = self.request(Method::PUT, path, RENEW_ROUTE);
        self.client.execute(&request).await?.json()
    }

    /// Makes the subscriptions for `desired`'s callback URL match it, now: lists them, then
    /// [`plan`](DesiredSubscriptions::plan)s and [`apply`](Self::apply)s the changes.
    ///
    /// Subscriptions for other callback URLs are never touched.
    pub async fn reconcile(&self, desired: &DesiredSubscriptions) -> Result<ReconcileReport, ReconcileError> {
        let existing = self.list().await.map_err(ReconcileError::List)?;
        let plan = desired.plan(&existing, Utc::now());
        self.apply(desired, plan).await
    }

    /// Carries out a plan made by [`DesiredSubscriptions::plan`], one call at a time: renewals,
    /// then creations, then deletions, each in the plan's order.
    ///
    /// A renewal Oura answers with 404 or 403 (the subscription is gone, for example because it
    /// had expired) becomes a creation of the same pair. A failed call does not stop the others:
    /// when any failed, the error carries both what was done and what failed.
    pub async fn apply(
        &self,
        desired: &DesiredSubscriptions,
        plan: ReconcilePlan,
    ) -> Result<ReconcileReport, ReconcileError> {
        let mut report = ReconcileReport {
            kept: plan.keep,
            ..ReconcileReport::default()
        };
        let mut failures = Vec::new();
        let mut create = plan.create;
        for subscription in plan.renew {
            match self.renew(&subscription.id).await {
                Ok(renewed) => report.renewed.push(renewed),
                Err(Error::NotFound { .. } | Error::Forbidden { .. }) => {
                    tracing::info!(id = %subscription.id, "the subscription to renew is gone; creating it again");
                    create.push((subscription.event_type, subscription.data_type));
                }
                Err(error) => failures.push(ReconcileFailure {
                    action: ReconcileAction::Renew(subscription),
                    error,
                }),
            }
        }
        create.sort();
        create.dedup();
        for (event_type, data_type) in create {
            let new = NewSubscription::new(
                event_type,
                data_type,
                desired.callback_url.clone(),
                desired.verification_token.clone(),
            );
            match self.create(&new).await {
                Ok(created) => report.created.push(created),
                Err(error) => failures.push(ReconcileFailure {
                    action: ReconcileAction::Create((new.event_type, new.data_type)),
                    error,
                }),
            }
        }
        for subscription in plan.delete {
            match self.delete(&subscription.id).await {
                Ok(()) => report.deleted.push(subscription),
                // Already gone: the goal is reached.
                Err(Error::NotFound { .. }) => report.deleted.push(subscription),
                Err(error) => failures.push(ReconcileFailure {
                    action: ReconcileAction::Delete(subscription),
                    error,
                }),
            }
        }
        tracing::info!(
            created = report.created.len(),
            renewed = report.renewed.len(),
            deleted = report.deleted.len(),
            kept = report.kept.len(),
            failed = failures.len(),
            "reconciled webhook subscriptions"
        );
        if failures.is_empty() {
            Ok(report)
        } else {
            Err(ReconcileError::Partial(Box::new(PartialReconcile { report, failures })))
        }
    }
}

fn required_env(name: &str) -> Result<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| Error::InvalidInput(format!("{name} is not set")))
}

fn checked_id(id: &str) -> Result<String> {
    id_segment("a subscription id", id)
}

/// A subscription to create: one (event type, data type) pair for one callback URL.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSubscription {
    /// Which changes to hear about: create, update or delete.
    pub event_type: WebhookOperation,
    /// Which collection (`sleep`, `daily_readiness`, ...).
    pub data_type: ExtApiV2DataType,
    /// Where Oura sends the events.
    pub callback_url: String,
    /// The token Oura sends back in its verification call (redacted in `Debug`).
    pub verification_token: Secret,
}

impl NewSubscription {
    /// A subscription to `event_type` events of `data_type`, delivered to `callback_url`.
    pub fn new(
        event_type: WebhookOperation,
        data_type: ExtApiV2DataType,
        callback_url: impl Into<String>,
        verification_token: impl Into<Secret>,
    ) -> Self {
        NewSubscription {
            event_type,
            data_type,
            callback_url: callback_url.into(),
            verification_token: verification_token.into(),
        }
    }

    /// The request body, as the spec's generated request type.
    fn body(&self) -> serde_json::Value {
        to_body(&types::CreateWebhookSubscriptionRequest {
            callback_url: self.callback_url.clone(),
            data_type: self.data_type.clone(),
            event_type: self.event_type.clone(),
            verification_token: self.verification_token.expose().to_owned(),
        })
    }
}

/// Changes to a subscription. Oura requires the verification token on every update.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct SubscriptionUpdate {
    /// The verification token (redacted in `Debug`).
    pub verification_token: Secret,
    /// A new callback URL.
    pub callback_url: Option<String>,
    /// A new event type.
    pub event_type: Option<WebhookOperation>,
    /// A new data type.
    pub data_type: Option<ExtApiV2DataType>,
}

impl SubscriptionUpdate {
    /// An update that changes nothing yet.
    pub fn new(verification_token: impl Into<Secret>) -> Self {
        SubscriptionUpdate {
            verification_token: verification_token.into(),
            callback_url: None,
            event_type: None,
            data_type: None,
        }
    }

    /// Sends events to this URL from now on.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Changes the event type.
    pub fn event_type(mut self, event_type: WebhookOperation) -> Self {
        self.event_type = Some(event_type);
        self
    }

    /// Changes the data type.
    pub fn data_type(mut self, data_type: ExtApiV2DataType) -> Self {
        self.data_type = Some(data_type);
        self
    }

    /// The request body, as the spec's generated request type (unset fields left out).
    fn body(&self) -> serde_json::Value {
        to_body(&types::UpdateWebhookSubscriptionRequest {
            callback_url: self.callback_url.clone(),
            data_type: self.data_type.clone(),
            event_type: self.event_type.clone(),
            verification_token: self.verification_token.expose().to_owned(),
        })
    }
}

/// A generated request type as the JSON body sent. Its fields are strings and open enums,
/// which always serialize.
fn to_body(request: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(request).unwrap_or_default()
}

/// What an application wants subscribed at one callback URL: input of
/// [`Subscriptions::reconcile`].
#[derive(Clone, Debug)]
#[must_use]
pub struct DesiredSubscriptions {
    callback_url: String,
    verification_token: Secret,
    pairs: BTreeSet<SubscriptionKey>,
    renew_within: Duration,
    delete_unwanted: bool,
}

impl DesiredSubscriptions {
    /// How long before expiry a subscription is renewed unless told otherwise: 7 days.
    pub const DEFAULT_RENEW_WITHIN: Duration = Duration::from_secs(7 * 24 * 60 * 60);

    /// No pairs yet at `callback_url`; renews within [`DEFAULT_RENEW_WITHIN`](Self::DEFAULT_RENEW_WITHIN)
    /// of expiry; deletes nothing.
    pub fn new(callback_url: impl Into<String>, verification_token: impl Into<Secret>) -> Self {
        DesiredSubscriptions {
            callback_url: callback_url.into(),
            verification_token: verification_token.into(),
            pairs: BTreeSet::new(),
            renew_within: Self::DEFAULT_RENEW_WITHIN,
            delete_unwanted: false,
        }
    }

    /// Wants `event_type` events of `data_type`.
    pub fn pair(mut self, event_type: WebhookOperation, data_type: ExtApiV2DataType) -> Self {
        self.pairs.insert((event_type, data_type));
        self
    }

    /// Wants these pairs.
    pub fn pairs(mut self, pairs: impl IntoIterator<Item = SubscriptionKey>) -> Self {
        self.pairs.extend(pairs);
        self
    }

    /// Wants create, update and delete events of `data_type`.
    pub fn all_events(self, data_type: ExtApiV2DataType) -> Self {
        self.pairs(
            [
                WebhookOperation::Create,
                WebhookOperation::Update,
                WebhookOperation::Delete,
            ]
            .map(|event_type| (event_type, data_type.clone())),
        )
    }

    /// Renews subscriptions that expire within `margin` from now.
    pub fn renew_within(mut self, margin: Duration) -> Self {
        self.renew_within = margin;
        self
    }

    /// Whether to delete subscriptions at this callback URL that are not wanted (and duplicates
    /// of wanted ones). Off by default.
    pub fn delete_unwanted(mut self, delete: bool) -> Self {
        self.delete_unwanted = delete;
        self
    }

    /// The callback URL.
    pub fn callback_url(&self) -> &str {
        &self.callback_url
    }

    /// The wanted pairs, in order.
    pub fn wanted(&self) -> &BTreeSet<SubscriptionKey> {
        &self.pairs
    }

    /// What reconciling would do with `existing` subscriptions at `now`, without doing it.
    ///
    /// Only subscriptions whose callback URL equals this one (ignoring a trailing `/`) are
    /// considered. For each wanted pair: none → create; one or more → the one expiring last is
    /// renewed if it expires within the margin and kept otherwise, the others are duplicates.
    /// Duplicates and unwanted pairs are deleted with [`delete_unwanted`](Self::delete_unwanted),
    /// kept without. Every list is ordered by (event type, data type), then id.
    pub fn plan(&self, existing: &[WebhookSubscription], now: DateTime<Utc>) -> ReconcilePlan {
        let margin = chrono::Duration::from_std(self.renew_within).unwrap_or(chrono::Duration::MAX);
        let deadline = now.checked_add_signed(margin).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let callback = normalize_url(&self.callback_url);

        let mut by_key: BTreeMap<SubscriptionKey, Vec<&WebhookSubscription>> = BTreeMap::new();
        for subscription in existing.iter().filter(|s| normalize_url(&s.callback_url) == callback) {
            by_key
                .entry((subscription.event_type.clone(), subscription.data_type.clone()))
                .or_default()
                .push(subscription);
        }

        let mut plan = ReconcilePlan::default();
        let mut unwanted = Vec::new();
        for key in &self.pairs {
            let Some(mut found) = by_key.remove(key) else {
                plan.create.push(key.clone());
                continue;
            };
            // The one expiring last is the one to keep; ties broken by id for determinism.
            found.sort_by(|a, b| b.expiration_time.cmp(&a.expiration_time).then_with(|| a.id.cmp(&b.id)));
            let mut found = found.into_iter();
            if let Some(best) = found.next() {
                if best.expiration_time <= deadline {
                    plan.renew.push(best.clone());
                } else {
                    plan.keep.push(best.clone());
                }
            }
            unwanted.extend(found);
        }
        unwanted.extend(by_key.into_values().flatten());
        unwanted.sort_by(|a, b| order(a, b));
        let unwanted = unwanted.into_iter().cloned();
        if self.delete_unwanted {
            plan.delete.extend(unwanted);
        } else {
            plan.keep.extend(unwanted);
            plan.keep.sort_by(order);
        }
        plan
    }
}

fn order(a: &WebhookSubscription, b: &WebhookSubscription) -> std::cmp::Ordering {
    (&a.event_type, &a.data_type, &a.id).cmp(&(&b.event_type, &b.data_type, &b.id))
}

fn normalize_url(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// What reconciling would do: the output of [`DesiredSubscriptions::plan`], the input of
/// [`Subscriptions::apply`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReconcilePlan {
    /// Wanted pairs without a subscription.
    pub create: Vec<SubscriptionKey>,
    /// Wanted subscriptions that expire within the margin.
    pub renew: Vec<WebhookSubscription>,
    /// Unwanted subscriptions and duplicates, with `delete_unwanted`.
    pub delete: Vec<WebhookSubscription>,
    /// Subscriptions at this callback URL left as they are.
    pub keep: Vec<WebhookSubscription>,
}

impl ReconcilePlan {
    /// Whether the plan makes no call.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.renew.is_empty() && self.delete.is_empty()
    }
}

/// What [`Subscriptions::reconcile`] did, as Oura answered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReconcileReport {
    /// Subscriptions created (with their new ids and expiration times).
    pub created: Vec<WebhookSubscription>,
    /// Subscriptions renewed (with their new expiration times).
    pub renewed: Vec<WebhookSubscription>,
    /// Subscriptions deleted (as they were before).
    pub deleted: Vec<WebhookSubscription>,
    /// Subscriptions at the callback URL left as they are.
    pub kept: Vec<WebhookSubscription>,
}

impl ReconcileReport {
    /// Whether nothing had to change.
    pub fn is_unchanged(&self) -> bool {
        self.created.is_empty() && self.renewed.is_empty() && self.deleted.is_empty()
    }
}

impl fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "created {}, renewed {}, deleted {}, kept {}",
            self.created.len(),
            self.renewed.len(),
            self.deleted.len(),
            self.kept.len()
        )
    }
}

/// One change of a reconciliation.
#[derive(Clone, Debug, PartialEq)]
pub enum ReconcileAction {
    /// Creating a subscription for this pair.
    Create(SubscriptionKey),
    /// Renewing this subscription.
    Renew(WebhookSubscription),
    /// Deleting this subscription.
    Delete(WebhookSubscription),
}

impl fmt::Display for ReconcileAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconcileAction::Create((event_type, data_type)) => write!(f, "create {event_type} {data_type}"),
            ReconcileAction::Renew(s) => write!(f, "renew {} ({} {})", s.id, s.event_type, s.data_type),
            ReconcileAction::Delete(s) => write!(f, "delete {} ({} {})", s.id, s.event_type, s.data_type),
        }
    }
}

/// A change that failed, and why.
#[derive(Debug)]
pub struct ReconcileFailure {
    /// What was tried.
    pub action: ReconcileAction,
    /// What Oura (or the connection) answered.
    pub error: Error,
}

/// A reconciliation where some changes failed: what was done, and what failed.
#[derive(Debug)]
pub struct PartialReconcile {
    /// The changes that were made.
    pub report: ReconcileReport,
    /// The changes that failed, in the order they were tried.
    pub failures: Vec<ReconcileFailure>,
}

/// Why [`Subscriptions::reconcile`] did not reach the desired state.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReconcileError {
    /// Listing the subscriptions failed; nothing was changed.
    List(Error),
    /// Some changes failed; the others were made.
    Partial(Box<PartialReconcile>),
}

impl fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconcileError::List(error) => write!(f, "could not list the webhook subscriptions: {error}"),
            ReconcileError::Partial(partial) => {
                write!(f, "{} webhook subscription change(s) failed", partial.failures.len())?;
                if let Some(first) = partial.failures.first() {
                    write!(f, " (first: {}: {})", first.action, first.error)?;
                }
                write!(f, "; done: {}", partial.report)
            }
        }
    }
}

impl std::error::Error for ReconcileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReconcileError::List(error) => Some(error),
            ReconcileError::Partial(partial) => partial
                .failures
                .first()
                .map(|failure| &failure.error as &(dyn std::error::Error + 'static)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(id: &str, url: &str, key: SubscriptionKey, expires: &str) -> WebhookSubscription {
        WebhookSubscription {
            callback_url: url.to_owned(),
            event_type: key.0,
            data_type: key.1,
            expiration_time: DateTime::parse_from_rfc3339(expires).expect("time"),
            id: id.to_owned(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    const URL: &str = "https://example.com/oura/webhook";
    const SLEEP_CREATE: SubscriptionKey = (WebhookOperation::Create, ExtApiV2DataType::Sleep);
    const TAG_DELETE: SubscriptionKey = (WebhookOperation::Delete, ExtApiV2DataType::Tag);

    #[test]
    fn plan_creates_renews_keeps_and_deletes_in_order() {
        let existing = vec![
            // wanted, expires in 2 days: renew
            subscription("a", URL, SLEEP_CREATE, "2025-01-03T00:00:00Z"),
            // wanted, expires in 30 days: keep (trailing slash ignored)
            subscription(
                "b",
                "https://example.com/oura/webhook/",
                TAG_DELETE,
                "2025-01-31T00:00:00Z",
            ),
            // duplicate of b expiring earlier: unwanted
            subscription("c", URL, TAG_DELETE, "2025-01-20T00:00:00Z"),
            // unwanted pair
            subscription(
                "d",
                URL,
                (WebhookOperation::Update, ExtApiV2DataType::Workout),
                "2025-02-01T00:00:00Z",
            ),
            // another callback URL: never touched
            subscription("e", "https://other.example/hook", SLEEP_CREATE, "2025-01-02T00:00:00Z"),
        ];
        let desired = DesiredSubscriptions::new(URL, "token")
            .pair(SLEEP_CREATE.0, SLEEP_CREATE.1)
            .pair(TAG_DELETE.0, TAG_DELETE.1)
            .all_events(ExtApiV2DataType::Vo2Max)
            .delete_unwanted(true);
        let plan = desired.plan(&existing, now());
        assert_eq!(
            plan.create,
            vec![
                (WebhookOperation::Create, ExtApiV2DataType::Vo2Max),
                (WebhookOperation::Update, ExtApiV2DataType::Vo2Max),
                (WebhookOperation::Delete, ExtApiV2DataType::Vo2Max),
            ]
        );
        let ids = |list: &[WebhookSubscription]| list.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&plan.renew), ["a"]);
        assert_eq!(ids(&plan.keep), ["b"]);
        assert_eq!(
            ids(&plan.delete),
            ["d", "c"],
            "ordered by (event type, data type), then id"
        );

        let keep_all = desired.delete_unwanted(false).plan(&existing, now());
        assert!(keep_all.delete.is_empty());
        assert_eq!(ids(&keep_all.keep), ["d", "b", "c"]);
    }

    #[test]
    fn the_margin_decides_renewal() {
        let existing = vec![subscription("a", URL, SLEEP_CREATE, "2025-01-03T00:00:00Z")];
        let desired = DesiredSubscriptions::new(URL, "token").pair(SLEEP_CREATE.0, SLEEP_CREATE.1);
        let day = Duration::from_secs(86_400);
        assert_eq!(desired.clone().renew_within(day).plan(&existing, now()).renew.len(), 0);
        assert_eq!(
            desired.clone().renew_within(2 * day).plan(&existing, now()).renew.len(),
            1
        );
        assert!(desired.renew_within(day).plan(&existing, now()).is_empty());
    }

    #[test]
    fn unknown_data_types_are_kept_as_sent() {
        let meal = (WebhookOperation::Create, ExtApiV2DataType::from("meal"));
        let desired = DesiredSubscriptions::new(URL, "token").pairs([meal.clone()]);
        let plan = desired.plan(&[], now());
        assert_eq!(plan.create, vec![meal.clone()]);
        let new = NewSubscription::new(meal.0, meal.1, URL, "token");
        assert_eq!(new.body()["data_type"], "meal");
    }

    #[test]
    fn debug_redacts_secrets() {
        let client = Client::sandbox().expect("client");
        let subscriptions = Subscriptions::new(&client, "id-1", "client-secret-xyz");
        let new = NewSubscription::new(SLEEP_CREATE.0, SLEEP_CREATE.1, URL, "verify-xyz");
        let desired = DesiredSubscriptions::new(URL, "verify-xyz");
        let update = SubscriptionUpdate::new("verify-xyz");
        for debug in [
            format!("{subscriptions:?}"),
            format!("{new:?}"),
            format!("{desired:?}"),
            format!("{update:?}"),
        ] {
            assert!(!debug.contains("xyz"), "{debug}");
        }
    }

    #[test]
    fn update_body_has_only_what_changes() {
        let body = SubscriptionUpdate::new("tok")
            .callback_url("https://example.com/new")
            .body();
        assert_eq!(
            body,
            serde_json::json!({"verification_token": "tok", "callback_url": "https://example.com/new"})
        );
    }
}
