//! Every recorded 2xx body decodes with the generated model for its route, and every error body
//! parses as Oura's error detail.

use oura_api_sys::types;
use oura_tests::{Exchange, recorded};
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(exchange: &Exchange) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(&exchange.body);
    T::deserialize(&mut de)
        .map(drop)
        .map_err(|err| format!("{}: {err}", exchange.file))
}

/// Decodes a 2xx body with the model of its route; `Err` names the file and the failure.
fn decode_success(exchange: &Exchange) -> Result<(), String> {
    macro_rules! collections {
        ($($name:literal => $page:ty, $item:ty;)*) => {
            match exchange.collection() {
                $(
                    Some(($name, None)) => decode::<$page>(exchange),
                    Some(($name, Some(_))) => decode::<$item>(exchange),
                )*
                Some(("personal_info", None)) => decode::<types::PersonalInfoResponse>(exchange),
                Some(("heartrate", None)) => decode::<types::TimeSeriesResponsePublicHeartRateRow>(exchange),
                Some(("ring_battery_level", None)) => {
                    decode::<types::TimeSeriesResponsePublicRingBatteryLevelRow>(exchange)
                }
                Some(other) => Err(format!("{}: no model for route {other:?}", exchange.file)),
                None => match (exchange.request.method.as_str(), exchange.path()) {
                    ("GET", "/v2/webhook/subscription") => decode::<Vec<types::WebhookSubscriptionModel>>(exchange),
                    ("DELETE", _) if exchange.body.is_empty() => Ok(()),
                    (_, path) if path.starts_with("/v2/webhook/subscription") => {
                        decode::<types::WebhookSubscriptionModel>(exchange)
                    }
                    (method, path) => Err(format!("{}: no model for {method} {path}", exchange.file)),
                },
            }
        };
    }
    collections! {
        "daily_activity" => types::MultiDocumentResponsePublicDailyActivity, types::PublicDailyActivity;
        "daily_cardiovascular_age" => types::MultiDocumentResponsePublicDailyCardiovascularAge, types::PublicDailyCardiovascularAge;
        "daily_readiness" => types::MultiDocumentResponsePublicDailyReadiness, types::PublicDailyReadiness;
        "daily_resilience" => types::MultiDocumentResponseDailyResilienceModel, types::DailyResilienceModel;
        "daily_sleep" => types::MultiDocumentResponsePublicDailySleep, types::PublicDailySleep;
        "daily_spo2" => types::MultiDocumentResponsePublicDailySpO2, types::PublicDailySpO2;
        "daily_stress" => types::MultiDocumentResponsePublicDailyStress, types::PublicDailyStress;
        "enhanced_tag" => types::MultiDocumentResponseEnhancedTagModel, types::EnhancedTagModel;
        "rest_mode_period" => types::MultiDocumentResponsePublicRestModePeriod, types::PublicRestModePeriod;
        "ring_configuration" => types::MultiDocumentResponsePublicRingConfiguration, types::PublicRingConfiguration;
        "session" => types::MultiDocumentResponsePublicSession, types::PublicSession;
        "sleep" => types::MultiDocumentResponsePublicModifiedSleepModel, types::PublicModifiedSleepModel;
        "sleep_time" => types::MultiDocumentResponsePublicSleepTime, types::PublicSleepTime;
        "tag" => types::MultiDocumentResponseTagModel, types::TagModel;
        "vO2_max" => types::MultiDocumentResponsePublicVo2Max, types::PublicVo2Max;
        "workout" => types::MultiDocumentResponsePublicWorkout, types::PublicWorkout;
    }
}

#[test]
fn every_live_success_body_decodes_with_its_model() {
    let exchanges = recorded();
    let successes: Vec<&Exchange> = exchanges.iter().filter(|e| (200..300).contains(&e.status)).collect();
    let failures: Vec<String> = successes.iter().filter_map(|e| decode_success(e).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bodies failed:\n{}",
        failures.len(),
        successes.len(),
        failures.join("\n")
    );
    let live = successes.iter().filter(|e| e.is_live()).count();
    assert!(live >= 50, "expected at least 50 live 2xx exchanges, found {live}");
}

#[test]
fn every_error_body_parses_as_oura_error_detail() {
    let exchanges = recorded();
    let errors: Vec<&Exchange> = exchanges.iter().filter(|e| e.status >= 400).collect();
    assert!(
        errors.len() >= 25,
        "expected the recorded error exchanges, found {}",
        errors.len()
    );
    for exchange in errors {
        if exchange.status == 422 {
            let parsed: types::HttpValidationError =
                serde_json::from_str(&exchange.body).unwrap_or_else(|err| panic!("{}: {err}", exchange.file));
            assert!(!parsed.detail.is_empty(), "{}: empty detail list", exchange.file);
            assert!(
                parsed.detail.iter().all(|d| !d.msg.is_empty() && !d.loc.is_empty()),
                "{}",
                exchange.file
            );
        } else {
            let parsed: serde_json::Value =
                serde_json::from_str(&exchange.body).unwrap_or_else(|err| panic!("{}: {err}", exchange.file));
            let detail = parsed.get("detail").and_then(serde_json::Value::as_str);
            assert!(
                detail.is_some_and(|d| !d.is_empty()),
                "{}: no detail text in {}",
                exchange.file,
                exchange.body
            );
        }
    }
}

/// The odd live documents that the spec marks incomplete still decode, and keep what they have.
#[test]
fn documents_missing_spec_required_fields_decode() {
    let exchanges = recorded();
    let cardio = exchanges
        .iter()
        .find(|e| e.is_live() && e.status == 200 && e.collection() == Some(("daily_cardiovascular_age", None)))
        .expect("a recorded daily_cardiovascular_age page");
    let page: types::MultiDocumentResponsePublicDailyCardiovascularAge =
        serde_json::from_str(&cardio.body).expect("decodes");
    assert!(!page.data.is_empty());
    assert!(
        page.data.iter().all(|doc| doc.id.is_none()),
        "recorded documents carry no id"
    );
}
