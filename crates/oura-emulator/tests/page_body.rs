//! Pages are sent as their typed models serialize, without a JSON value in between: the same
//! answer as the edited (`fields=`) path gives when every field is asked for.

mod common;

use common::{get, start};
use oura_api_sys::catalog::{Param, RangeKind};
use oura_emulator::{Collection, EmulatorConfig};

#[tokio::test]
async fn every_page_is_the_same_document_as_through_a_json_value() {
    let emulator = start(
        EmulatorConfig::new()
            .seed(7)
            .users(1)
            .history_days(60)
            .today(EmulatorConfig::DEFAULT_TODAY)
            .page_size(5)
            .time_series_page_size(50),
    )
    .await;
    let token = emulator.token(0);
    let (mut compared, mut with_documents) = (0, 0);
    for collection in Collection::ALL {
        let spec = collection.spec();
        if !spec.takes(Param::Fields, false) {
            continue;
        }
        let range = match spec.range {
            RangeKind::Days => "start_date=2025-12-01&end_date=2025-12-31",
            RangeKind::Series => "start_datetime=2025-12-10T00:00:00Z&end_datetime=2025-12-11T00:00:00Z",
            RangeKind::Whole => "",
        };
        let all: Vec<&str> = spec.fields.iter().map(|f| f.name).collect();
        let path = format!("/v2/usercollection/{}?{range}", collection.path());
        let direct = get(&emulator, &path, Some(&token)).await;
        let edited = get(&emulator, &format!("{path}&fields={}", all.join(",")), Some(&token)).await;
        assert_eq!(direct.status, 200, "{path}: {}", direct.body);
        assert_eq!(direct.header("content-type"), Some("application/json"), "{path}");
        assert_eq!(direct.json(), edited.json(), "{path}");
        if direct.json()["data"].as_array().is_some_and(|d| !d.is_empty()) {
            with_documents += 1;
        }
        if spec.range == RangeKind::Series {
            // A time series page always carries its token, `null` on the last page.
            assert!(
                direct.json().as_object().is_some_and(|o| o.contains_key("next_token")),
                "{path}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} collections take fields");
    assert!(with_documents >= 10, "only {with_documents} pages held documents");
}
