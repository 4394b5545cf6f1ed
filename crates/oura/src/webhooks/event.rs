//! The event a delivery carries, and fetching the document it points at.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::client::id_segment;
use crate::client::{ApiRequest, Client};
use crate::collections::SingleDocument;
use crate::error::{Error, Result};
use crate::models::{ExtApiV2DataType, WebhookOperation};

/// One webhook delivery: which document of which user changed, and how.
///
/// Unknown fields are ignored; event and data types Oura adds later are kept in `Other`.
/// Serializes back to Oura's JSON shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// What happened: create, update or delete.
    pub event_type: WebhookOperation,
    /// The collection (`sleep`, `daily_readiness`, `vo2_max`, ...).
    pub data_type: ExtApiV2DataType,
    /// The document's id in that collection.
    pub object_id: String,
    /// When it happened, with the offset Oura sent (UTC when it sent none).
    #[serde(deserialize_with = "lenient_date_time")]
    pub event_time: DateTime<FixedOffset>,
    /// Oura's id of the user whose data changed; map it to that user's token to fetch.
    pub user_id: String,
}

/// Reads an RFC 3339 date-time; one without an offset is read as UTC.
fn lenient_date_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let text = String::deserialize(deserializer)?;
    if let Ok(time) = DateTime::parse_from_rfc3339(&text) {
        return Ok(time);
    }
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| naive.and_utc().fixed_offset())
        .map_err(|err| serde::de::Error::custom(format!("invalid date-time {text:?}: {err}")))
}

/// Parses a delivery's body. Verify its signature first ([`verify_signature`](super::verify_signature)).
///
/// A body that is not an event is [`Error::Decode`], naming the field at fault.
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent> {
    serde_json::from_slice(body).map_err(|err| Error::decode::<WebhookEvent>(body, err, &HeaderMap::new()))
}

/// The collection route of a webhook data type: the same name, except `vo2_max`, whose route
/// is `vO2_max`. A data type this crate does not know is used as the route unchanged (Oura's
/// data types are collection names).
pub fn data_type_route(data_type: &ExtApiV2DataType) -> &str {
    match data_type {
        ExtApiV2DataType::Vo2Max => "vO2_max",
        other => other.as_str(),
    }
}

/// The document an event points at, as [`WebhookEvent::fetch`] found it.
#[derive(Clone, Debug, PartialEq)]
pub enum EventDocument {
    /// The document as Oura sent it (every field kept).
    Found(serde_json::Value),
    /// A delete event, or the document is gone (404).
    Deleted,
}

impl EventDocument {
    /// The document, unless it was deleted.
    pub fn into_found(self) -> Option<serde_json::Value> {
        match self {
            EventDocument::Found(document) => Some(document),
            EventDocument::Deleted => None,
        }
    }

    /// The document decoded into a model (for example [`models::Sleep`](crate::models::Sleep)),
    /// unless it was deleted.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        let EventDocument::Found(document) = self else {
            return Ok(None);
        };
        T::deserialize(document).map(Some).map_err(|err| {
            let body = serde_json::to_vec(document).unwrap_or_default();
            Error::decode::<T>(&body, err, &HeaderMap::new())
        })
    }
}

impl WebhookEvent {
    /// The collection route the event's document lives in (see [`data_type_route`]).
    pub fn route(&self) -> &str {
        data_type_route(&self.data_type)
    }

    /// Fetches the document the event points at, through `client`, which must hold the token
    /// of the event's user ([`user_id`](Self::user_id)).
    ///
    /// A delete event answers [`EventDocument::Deleted`] without a request, and so does a
    /// document Oura no longer has (404). Other errors are the client's, after its retries.
    ///
    /// ```no_run
    /// # async fn run(client: oura::Client, body: &[u8]) -> oura::Result<()> {
    /// use oura::webhooks::{EventDocument, parse_event};
    ///
    /// let event = parse_event(body)?;
    /// match event.fetch(&client).await? {
    ///     EventDocument::Found(document) => println!("{} {}: {document}", event.data_type, event.object_id),
    ///     EventDocument::Deleted => println!("{} {} was deleted", event.data_type, event.object_id),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self, client: &Client) -> Result<EventDocument> {
        if self.event_type == WebhookOperation::Delete {
            return Ok(EventDocument::Deleted);
        }
        let route = self.route();
        if route.is_empty() || !route.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::InvalidInput(format!(
                "no collection route for data type {route:?}"
            )));
        }
        let id = id_segment("the event's object_id", &self.object_id)?;
        let path = format!("{}/{route}/{id}", client.collection_prefix());
        match client.execute(&ApiRequest::get(path, route)).await {
            Ok(response) => response.json().map(EventDocument::Found),
            Err(Error::NotFound { .. }) => Ok(EventDocument::Deleted),
            Err(err) => Err(err),
        }
    }

    /// Like [`fetch`](Self::fetch), decoded into the collection's model; `None` when deleted.
    /// The model must be the event's collection (`T::ROUTE` equal to [`route`](Self::route)),
    /// otherwise [`Error::InvalidInput`] without a request.
    pub async fn fetch_as<T: SingleDocument>(&self, client: &Client) -> Result<Option<T>> {
        if T::ROUTE != self.route() {
            return Err(Error::InvalidInput(format!(
                "the event is about {}, not {}",
                self.route(),
                T::ROUTE
            )));
        }
        self.fetch(client).await?.decode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_data_type_has_a_collection_route() {
        for data_type in ExtApiV2DataType::KNOWN {
            let route = data_type_route(data_type);
            assert!(crate::ROUTES.contains(&route), "{data_type} -> {route}");
        }
        assert_eq!(data_type_route(&ExtApiV2DataType::Vo2Max), "vO2_max");
        assert_eq!(data_type_route(&ExtApiV2DataType::from("meal")), "meal");
    }

    #[test]
    fn events_parse_with_offsets_kept_and_unknown_values_kept() {
        let body = br#"{"event_type":"update","data_type":"meal","object_id":"m1","event_time":"2024-05-01T07:30:00.5+02:00","user_id":"u1","extra":1}"#;
        let event = parse_event(body).expect("event");
        assert_eq!(event.event_type, WebhookOperation::Update);
        assert_eq!(event.data_type, ExtApiV2DataType::Other("meal".into()));
        assert_eq!(event.event_time.offset().local_minus_utc(), 7200);
        assert_eq!(event.event_time.to_rfc3339(), "2024-05-01T07:30:00.500+02:00");

        let naive = br#"{"event_type":"create","data_type":"sleep","object_id":"s","event_time":"2024-05-01T07:30:00","user_id":"u"}"#;
        assert_eq!(
            parse_event(naive).expect("event").event_time.to_rfc3339(),
            "2024-05-01T07:30:00+00:00"
        );
    }

    #[test]
    fn bad_events_name_the_field() {
        let err = parse_event(br#"{"event_type":"create","data_type":"sleep","object_id":"s","user_id":"u"}"#)
            .expect_err("no event_time");
        let Error::Decode { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("event_time"), "{message}");
        let err = parse_event(
            br#"{"event_type":"create","data_type":"sleep","object_id":"s","event_time":"yesterday","user_id":"u"}"#,
        )
        .expect_err("bad time");
        let Error::Decode { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "event_time");
    }
}
