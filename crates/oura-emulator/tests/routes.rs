//! Data routes: every collection decodes with its model, pagination, errors, rate limits,
//! determinism and internal consistency.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::NaiveDate;
use common::{Answer, all_pages, client, get, start};
use oura_api_sys::types;
use oura_emulator::{Collection, Emulator, EmulatorConfig};
use reqwest::StatusCode;

/// Pinned to the default day: these tests read documents at known dates.
fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .seed(7)
        .users(2)
        .history_days(120)
        .today(EmulatorConfig::DEFAULT_TODAY)
}

/// Decodes a page with the model of its collection and returns (ids, next_token).
fn decode_page(collection: Collection, answer: &Answer) -> (Vec<String>, Option<String>) {
    macro_rules! page {
        ($page:ty) => {{
            let page: $page = answer.decode();
            let ids = page.data.iter().map(|d| d.id.clone()).collect();
            (ids, page.next_token)
        }};
    }
    match collection {
        Collection::DailyActivity => page!(types::MultiDocumentResponsePublicDailyActivity),
        Collection::DailyCardiovascularAge => {
            let page: types::MultiDocumentResponsePublicDailyCardiovascularAge = answer.decode();
            let ids = page
                .data
                .iter()
                .map(|d| d.id.clone().expect("generated documents have ids"))
                .collect();
            (ids, page.next_token)
        }
        Collection::DailyReadiness => page!(types::MultiDocumentResponsePublicDailyReadiness),
        Collection::DailyResilience => page!(types::MultiDocumentResponseDailyResilienceModel),
        Collection::DailySleep => page!(types::MultiDocumentResponsePublicDailySleep),
        Collection::DailySpo2 => page!(types::MultiDocumentResponsePublicDailySpO2),
        Collection::DailyStress => page!(types::MultiDocumentResponsePublicDailyStress),
        Collection::EnhancedTag => page!(types::MultiDocumentResponseEnhancedTagModel),
        Collection::RestModePeriod => page!(types::MultiDocumentResponsePublicRestModePeriod),
        Collection::RingConfiguration => {
            page!(types::MultiDocumentResponsePublicRingConfiguration)
        }
        Collection::Session => page!(types::MultiDocumentResponsePublicSession),
        Collection::Sleep => page!(types::MultiDocumentResponsePublicModifiedSleepModel),
        Collection::SleepTime => page!(types::MultiDocumentResponsePublicSleepTime),
        Collection::Tag => page!(types::MultiDocumentResponseTagModel),
        Collection::Vo2Max => page!(types::MultiDocumentResponsePublicVo2Max),
        Collection::Workout => page!(types::MultiDocumentResponsePublicWorkout),
        Collection::Heartrate => {
            let page: types::TimeSeriesResponsePublicHeartRateRow = answer.decode();
            (Vec::new(), page.next_token)
        }
        Collection::RingBatteryLevel => {
            let page: types::TimeSeriesResponsePublicRingBatteryLevelRow = answer.decode();
            (Vec::new(), page.next_token)
        }
        _ => unreachable!("all collections are listed"),
    }
}

/// Decodes a single document with the model of its collection and returns its id.
fn decode_single(collection: Collection, answer: &Answer) -> String {
    macro_rules! one {
        ($model:ty) => {{
            let doc: $model = answer.decode();
            doc.id
        }};
    }
    match collection {
        Collection::DailyActivity => one!(types::PublicDailyActivity),
        Collection::DailyCardiovascularAge => {
            let doc: types::PublicDailyCardiovascularAge = answer.decode();
            doc.id.expect("id")
        }
        Collection::DailyReadiness => one!(types::PublicDailyReadiness),
        Collection::DailyResilience => one!(types::DailyResilienceModel),
        Collection::DailySleep => one!(types::PublicDailySleep),
        Collection::DailySpo2 => one!(types::PublicDailySpO2),
        Collection::DailyStress => one!(types::PublicDailyStress),
        Collection::EnhancedTag => one!(types::EnhancedTagModel),
        Collection::RestModePeriod => one!(types::PublicRestModePeriod),
        Collection::RingConfiguration => one!(types::PublicRingConfiguration),
        Collection::Session => one!(types::PublicSession),
        Collection::Sleep => one!(types::PublicModifiedSleepModel),
        Collection::SleepTime => one!(types::PublicSleepTime),
        Collection::Tag => one!(types::TagModel),
        Collection::Vo2Max => one!(types::PublicVo2Max),
        Collection::Workout => one!(types::PublicWorkout),
        other => panic!("{other} has no single-document route"),
    }
}

#[tokio::test]
async fn every_collection_pages_and_decodes_for_users_and_sandbox() {
    let emulator = start(config().page_size(10)).await;
    for prefix in ["/v2/usercollection", "/v2/sandbox/usercollection"] {
        for user in 0..2 {
            let token = emulator.token(user);
            for collection in Collection::ALL {
                if collection.is_time_series() {
                    let path = format!(
                        "{prefix}/{collection}?start_datetime=2025-12-20T00:00:00%2B00:00&end_datetime=2025-12-22T00:00:00%2B00:00"
                    );
                    let answer = get(&emulator, &path, Some(&token)).await;
                    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
                    decode_page(collection, &answer);
                    assert!(!answer.json()["data"].as_array().expect("data").is_empty(), "{path}");
                    continue;
                }
                let range = if collection == Collection::RingConfiguration {
                    String::new()
                } else {
                    "?start_date=2025-09-03&end_date=2025-12-31".to_owned()
                };
                let mut path = format!("{prefix}/{collection}{range}");
                let mut ids = Vec::new();
                loop {
                    let answer = get(&emulator, &path, Some(&token)).await;
                    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
                    let (page_ids, next) = decode_page(collection, &answer);
                    ids.extend(page_ids);
                    match next {
                        // The token alone, without the original filters.
                        Some(next) => path = format!("{prefix}/{collection}?next_token={next}"),
                        None => break,
                    }
                }
                let unique: HashSet<_> = ids.iter().collect();
                assert_eq!(unique.len(), ids.len(), "{prefix}/{collection}: duplicates");
                if !matches!(collection, Collection::RestModePeriod | Collection::Tag) {
                    assert!(!ids.is_empty(), "{prefix}/{collection} of user {user} is empty");
                }
                if let Some(id) = ids.first() {
                    let answer = get(&emulator, &format!("{prefix}/{collection}/{id}"), Some(&token)).await;
                    assert_eq!(answer.status, StatusCode::OK, "{collection}/{id}: {}", answer.body);
                    assert_eq!(&decode_single(collection, &answer), id);
                }
            }
            let info = get(&emulator, "/v2/usercollection/personal_info", Some(&token)).await;
            let info: types::PersonalInfoResponse = info.decode();
            assert_eq!(info.email.as_deref(), Some(format!("user{user}@example.com").as_str()));
            assert_eq!(info, emulator.personal_info(user).expect("user"));
        }
    }
    // The sandbox needs no token.
    let answer = get(&emulator, "/v2/sandbox/usercollection/daily_sleep", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let page: types::MultiDocumentResponsePublicDailySleep = answer.decode();
    assert!(!page.data.is_empty());
}

#[tokio::test]
async fn pagination_has_no_duplicates_and_no_gaps() {
    let emulator = start(config().page_size(7)).await;
    let token = emulator.token(0);
    let (items, pages) = all_pages(
        &emulator,
        "/v2/usercollection/daily_readiness?start_date=2025-09-03&end_date=2025-12-31",
        &token,
    )
    .await;
    let days: Vec<NaiveDate> = items
        .iter()
        .map(|d| d["day"].as_str().expect("day").parse().expect("date"))
        .collect();
    assert!(pages > 10, "{pages} pages");
    assert!(days.windows(2).all(|w| w[0] < w[1]), "days strictly increase");
    assert!(days[0] >= NaiveDate::from_ymd_opt(2025, 9, 3).expect("date"));
    assert!(*days.last().expect("last") <= NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"));
    // Same set of days as one big page.
    let big = start(config().page_size(1000)).await;
    let (one_page, pages) = all_pages(
        &big,
        "/v2/usercollection/daily_readiness?start_date=2025-09-03&end_date=2025-12-31",
        &big.token(0),
    )
    .await;
    assert_eq!(pages, 1);
    assert_eq!(one_page, items, "paged and unpaged answers agree");
    // Gaps are days the ring was not worn, and only those.
    let worn: HashSet<_> = days.iter().collect();
    assert!(worn.len() > 100, "most of 120 days worn: {}", worn.len());
    assert!(worn.len() < 120, "some days not worn");

    // end_date is inclusive; a single day gives that day.
    let answer = get(
        &emulator,
        &format!(
            "/v2/usercollection/daily_readiness?start_date={0}&end_date={0}",
            days[3]
        ),
        Some(&token),
    )
    .await;
    let page: types::MultiDocumentResponsePublicDailyReadiness = answer.decode();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].day, days[3]);
    assert_eq!(page.next_token, None);

    // The default range is the week before today, through today.
    let (week, _) = all_pages(&emulator, "/v2/usercollection/daily_readiness", &token).await;
    let week: Vec<&str> = week.iter().filter_map(|d| d["day"].as_str()).collect();
    assert!(week.iter().all(|d| *d >= "2025-12-24"), "{week:?}");
    assert_eq!(week.last(), Some(&"2025-12-31"));
}

#[tokio::test]
async fn heartrate_pages_every_five_minutes_and_refuses_long_ranges() {
    let emulator = start(config()).await;
    let token = emulator.token(0);
    let path = "/v2/usercollection/heartrate?start_datetime=2025-12-01T00:00:00%2B00:00&end_datetime=2025-12-31T00:00:00%2B00:00";
    let (items, pages) = all_pages(&emulator, path, &token).await;
    assert!(pages >= 8, "{pages} pages of at most 1000 samples");
    let times: Vec<i64> = items
        .iter()
        .map(|s| s["timestamp_unix"].as_i64().expect("timestamp_unix") / 1000)
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing, no duplicates"
    );
    assert!(times.iter().all(|t| t % 300 == 0), "on five-minute marks");
    assert!(items.len() > 30 * 288 * 8 / 10, "mostly complete: {}", items.len());
    assert!(items.len() < 30 * 288, "with gaps: {}", items.len());
    let sources: HashSet<&str> = items.iter().filter_map(|s| s["source"].as_str()).collect();
    assert!(sources.contains("sleep") && sources.contains("awake"), "{sources:?}");
    // Night below day.
    let mean = |source: &str| {
        let bpm: Vec<f64> = items
            .iter()
            .filter(|s| s["source"] == source)
            .filter_map(|s| s["bpm"].as_f64())
            .collect();
        bpm.iter().sum::<f64>() / bpm.len() as f64
    };
    assert!(
        mean("sleep") + 5.0 < mean("awake"),
        "{} vs {}",
        mean("sleep"),
        mean("awake")
    );

    let too_long = get(
        &emulator,
        "/v2/usercollection/heartrate?start_datetime=2025-10-01T00:00:00Z&end_datetime=2025-12-01T00:00:00Z",
        Some(&token),
    )
    .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.json()["detail"].as_str().expect("detail").contains("30 days"));

    let latest = get(&emulator, "/v2/usercollection/heartrate?latest=true", Some(&token)).await;
    let latest: types::TimeSeriesResponsePublicHeartRateRow = latest.decode();
    assert_eq!(latest.data.len(), 1);
    let last_of_day = get(&emulator, "/v2/usercollection/heartrate", Some(&token)).await;
    let last_of_day: types::TimeSeriesResponsePublicHeartRateRow = last_of_day.decode();
    assert_eq!(last_of_day.data.last(), latest.data.first());

    let battery = get(&emulator, "/v2/usercollection/ring_battery_level", Some(&token)).await;
    let battery: types::TimeSeriesResponsePublicRingBatteryLevelRow = battery.decode();
    assert!(battery.data.len() > 50);
    assert!(battery.data.iter().all(|b| (0..=100).contains(&b.level)));
}

#[tokio::test]
async fn documents_agree_with_each_other() {
    let emulator = start(config().page_size(500)).await;
    let token = emulator.token(1);
    let range = "start_date=2025-11-01&end_date=2025-12-31";
    let sleeps = get(&emulator, &format!("/v2/usercollection/sleep?{range}"), Some(&token)).await;
    let sleeps: types::MultiDocumentResponsePublicModifiedSleepModel = sleeps.decode();
    let daily = get(
        &emulator,
        &format!("/v2/usercollection/daily_sleep?{range}"),
        Some(&token),
    )
    .await;
    let daily: types::MultiDocumentResponsePublicDailySleep = daily.decode();
    let readiness = get(
        &emulator,
        &format!("/v2/usercollection/daily_readiness?{range}"),
        Some(&token),
    )
    .await;
    let readiness: types::MultiDocumentResponsePublicDailyReadiness = readiness.decode();
    let main_days: Vec<NaiveDate> = sleeps.data.iter().filter(|s| s.period == 0).map(|s| s.day).collect();
    let daily_days: Vec<NaiveDate> = daily.data.iter().map(|d| d.day).collect();
    assert_eq!(main_days, daily_days, "a daily sleep for each main sleep, same days");
    for (sleep, daily) in sleeps.data.iter().filter(|s| s.period == 0).zip(&daily.data) {
        let phases = sleep.sleep_phase_5_min.as_deref().expect("hypnogram");
        assert_eq!(phases.len() as i64 * 300, sleep.time_in_bed);
        assert_eq!(
            sleep.time_in_bed,
            (sleep.bedtime_end - sleep.bedtime_start).num_seconds()
        );
        let count = |c: char| phases.chars().filter(|p| *p == c).count() as i64 * 300;
        assert_eq!(sleep.deep_sleep_duration, Some(count('1')));
        assert_eq!(sleep.light_sleep_duration, Some(count('2')));
        assert_eq!(sleep.rem_sleep_duration, Some(count('3')));
        assert_eq!(sleep.awake_time, Some(count('4')));
        assert_eq!(sleep.total_sleep_duration, Some(count('1') + count('2') + count('3')));
        assert_eq!(sleep.movement_30_sec.as_deref().map(str::len), Some(phases.len() * 10));
        assert_eq!(sleep.heart_rate.as_ref().map(|h| h.items.len()), Some(phases.len()));
        assert_eq!(sleep.bedtime_end.date_naive(), sleep.day);
        let ready = readiness
            .data
            .iter()
            .find(|r| r.day == sleep.day)
            .expect("readiness that day");
        assert_eq!(ready.contributors.previous_night, daily.score);
        assert_eq!(sleep.readiness.as_ref().and_then(|r| r.score), ready.score);
        for score in [daily.score, ready.score] {
            assert!(score.is_some_and(|s| (1..=100).contains(&s)), "{score:?}");
        }
    }
    // Scores drift: neither constant nor jumping wildly from day to day.
    let scores: Vec<i64> = daily.data.iter().filter_map(|d| d.score).collect();
    let distinct: HashSet<_> = scores.iter().collect();
    assert!(distinct.len() > 5, "{scores:?}");

    let activity = get(
        &emulator,
        &format!("/v2/usercollection/daily_activity?{range}"),
        Some(&token),
    )
    .await;
    let activity: types::MultiDocumentResponsePublicDailyActivity = activity.decode();
    for day in &activity.data {
        let classes = day.class_5_min.as_deref().expect("classes");
        assert_eq!(classes.len(), 288);
        assert_eq!(day.met.items.len(), 1440);
        let time = |c: char| classes.chars().filter(|p| *p == c).count() as i64 * 300;
        assert_eq!(day.high_activity_time, time('5'));
        assert_eq!(day.medium_activity_time, time('4'));
        assert_eq!(day.low_activity_time, time('3'));
        assert_eq!(day.sedentary_time, time('2'));
        assert_eq!(day.resting_time, time('1'));
        assert_eq!(day.non_wear_time, time('0'));
        assert!(day.steps > 500 && day.steps < 40_000, "{}", day.steps);
    }

    // Heart rate during a sleep is that sleep's own heart rate.
    let sleep = sleeps.data.iter().rev().find(|s| s.period == 0).expect("a sleep");
    let items = &sleep.heart_rate.as_ref().expect("heart rate").items;
    let start = sleep.bedtime_start.to_rfc3339().replace('+', "%2B");
    let end = sleep.bedtime_end.to_rfc3339().replace('+', "%2B");
    let hr = get(
        &emulator,
        &format!("/v2/usercollection/heartrate?start_datetime={start}&end_datetime={end}"),
        Some(&token),
    )
    .await;
    let hr: types::TimeSeriesResponsePublicHeartRateRow = hr.decode();
    assert!(!hr.data.is_empty());
    for sample in hr.data.iter().filter(|s| s.source.as_str() == "sleep") {
        let slot = ((sample.timestamp - sleep.bedtime_start).num_seconds() / 300) as usize;
        assert_eq!(items[slot], Some(sample.bpm as f64), "slot {slot}");
    }
}

#[tokio::test]
async fn error_answers_are_oura_shaped() {
    let emulator = start(config()).await;
    let token = emulator.token(0);

    let no_token = get(&emulator, "/v2/usercollection/daily_sleep", None).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    let unknown = get(&emulator, "/v2/usercollection/daily_sleep", Some("nope")).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(!emulator.token(9).is_empty());
    let past_last_user = get(&emulator, "/v2/usercollection/daily_sleep", Some(&emulator.token(9))).await;
    assert_eq!(past_last_user.status, StatusCode::UNAUTHORIZED);

    let no_ua = client()
        .get(format!("{}/v2/usercollection/daily_sleep", emulator.base_url()))
        .header("user-agent", "")
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(no_ua.status(), StatusCode::FORBIDDEN);
    let relaxed = start(config().require_user_agent(false)).await;
    let bare = oura_api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .get(format!("{}/v2/usercollection/daily_sleep", relaxed.base_url()))
        .bearer_auth(relaxed.token(0))
        .send()
        .await
        .expect("request");
    assert_eq!(bare.status(), StatusCode::OK);

    let missing = get(&emulator, "/v2/usercollection/daily_sleep/not-existing", Some(&token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json(), serde_json::json!({"detail": "Document not found."}));

    let backwards = get(
        &emulator,
        "/v2/usercollection/tag?start_date=2025-01-15&end_date=2024-01-16",
        Some(&token),
    )
    .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: types::HttpValidationError = backwards.decode();
    assert_eq!(error.detail.len(), 1);
    assert_eq!(error.detail[0].type_, "value_error");
    assert_eq!(
        serde_json::to_value(&error.detail[0].loc).expect("loc"),
        serde_json::json!(["query", "start_date"])
    );
    assert_eq!(error.detail[0].input, Some(serde_json::json!("2025-01-15")));

    let malformed = get(
        &emulator,
        "/v2/usercollection/sleep?start_date=2024-02-30",
        Some(&token),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: types::HttpValidationError = malformed.decode();
    // pydantic's account of each branch of `datetime | date` (see tests/grammar.json).
    assert_eq!(error.detail.len(), 2);
    assert_eq!(
        error.detail[0].msg,
        "Input should be a valid datetime or date, day value is outside expected range"
    );
    assert_eq!(
        error.detail[1].msg,
        "Input should be a valid date or datetime, day value is outside expected range"
    );

    let bad_token = get(&emulator, "/v2/usercollection/sleep?next_token=garbage", Some(&token)).await;
    assert_eq!(bad_token.status, StatusCode::BAD_REQUEST);
    // A token of another collection is refused too.
    let page = get(
        &emulator,
        "/v2/usercollection/sleep?start_date=2025-09-03",
        Some(&token),
    )
    .await;
    let next = page.json()["next_token"].as_str().expect("next").to_owned();
    let foreign = get(
        &emulator,
        &format!("/v2/usercollection/workout?next_token={next}"),
        Some(&token),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    // An empty next_token is no token (some clients send `next_token=`).
    let empty = get(&emulator, "/v2/usercollection/sleep?next_token=", Some(&token)).await;
    assert_eq!(empty.status, StatusCode::OK);

    let no_route = get(&emulator, "/v2/usercollection/heartrate/some-id", Some(&token)).await;
    assert_eq!(no_route.status, StatusCode::NOT_FOUND);
    let no_collection = get(&emulator, "/v2/usercollection/interbeat_interval", Some(&token)).await;
    assert_eq!(no_collection.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers() {
    let emulator = start(config().rate_limit(3, Duration::from_secs(60))).await;
    let token = emulator.token(0);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let answer = get(&emulator, "/v2/usercollection/personal_info", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(answer.header("x-ratelimit-window"), Some("60"));
        remaining.push(answer.header("x-ratelimit-remaining").expect("remaining").to_owned());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = get(&emulator, "/v2/usercollection/personal_info", Some(&token)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((55..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("x-ratelimit-window"), Some("60"));
    assert_eq!(limited.header("x-ratelimit-tier"), Some("standard"));
    let reset: u64 = limited
        .header("x-ratelimit-reset")
        .expect("reset")
        .parse()
        .expect("epoch");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(reset > now && reset <= now + 61, "{reset} vs {now}");
    // Counted per application too: another user's token is limited as well.
    let other = get(&emulator, "/v2/usercollection/personal_info", Some(&emulator.token(1))).await;
    assert_eq!(other.status, StatusCode::TOO_MANY_REQUESTS);

    // The window rolls: on the emulator's clock (advanced, not slept), the first request
    // leaves the window 60 s after it was made, and one more request is let through.
    let quick = start(config().rate_limit(2, Duration::from_secs(60))).await;
    let token = quick.token(0);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            get(&quick, "/v2/usercollection/personal_info", Some(&token))
                .await
                .status,
        );
    }
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
    );
    quick.advance_clock(Duration::from_secs(59));
    let early = get(&quick, "/v2/usercollection/personal_info", Some(&token)).await;
    assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS, "the window has not passed");
    quick.advance_clock(Duration::from_secs(2));
    let later = get(&quick, "/v2/usercollection/personal_info", Some(&token)).await;
    assert_eq!(later.status, StatusCode::OK, "the window passed");
}

#[tokio::test]
async fn same_seed_same_bytes() {
    let paths = [
        "/v2/usercollection/sleep?start_date=2025-12-01",
        "/v2/usercollection/heartrate?start_datetime=2025-12-30T00:00:00Z",
        "/v2/usercollection/personal_info",
        "/v2/usercollection/ring_configuration",
        "/v2/sandbox/usercollection/workout?start_date=2025-10-01",
    ];
    let a = start(config()).await;
    let b = start(config()).await;
    let c = start(config().seed(8)).await;
    assert_eq!(a.token(0), b.token(0));
    for path in paths {
        let from_a = get(&a, path, Some(&a.token(0))).await;
        let from_b = get(&b, path, Some(&b.token(0))).await;
        let from_c = get(&c, path, Some(&c.token(0))).await;
        assert_eq!(from_a.status, StatusCode::OK, "{path}");
        assert_eq!(from_a.body, from_b.body, "{path}");
        assert_ne!(from_a.body, from_c.body, "{path}");
    }
    // Next tokens too.
    let page_a = get(&a, "/v2/usercollection/sleep?start_date=2025-09-03", Some(&a.token(0))).await;
    let page_b = get(&b, "/v2/usercollection/sleep?start_date=2025-09-03", Some(&b.token(0))).await;
    assert_eq!(page_a.json()["next_token"], page_b.json()["next_token"]);
}

#[tokio::test]
async fn requests_are_recorded_with_queries() {
    let emulator = start(config().page_size(20)).await;
    let token = emulator.token(0);
    let (_, pages) = all_pages(
        &emulator,
        "/v2/usercollection/daily_stress?start_date=2025-11-01&end_date=2025-12-31",
        &token,
    )
    .await;
    let seen = emulator.requests();
    assert_eq!(seen.len(), pages, "the last page was not fetched twice");
    assert!(
        seen.iter()
            .all(|r| r.method == "GET" && r.path == "/v2/usercollection/daily_stress")
    );
    assert_eq!(seen[0].query_param("start_date").as_deref(), Some("2025-11-01"));
    assert!(seen[1].query_param("next_token").is_some());
    assert_eq!(seen[0].header("user-agent"), Some(common::UA));
    assert_eq!(seen[0].status, Some(200));
    assert!(
        !format!("{:?}", seen[0]).contains(&token),
        "the token is redacted in Debug"
    );
    emulator.clear_requests();
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn added_documents_are_served_and_paged() {
    let emulator = start(config()).await;
    let token = emulator.token(0);
    let day = NaiveDate::from_ymd_opt(2025, 12, 31).expect("date");
    let tag = types::EnhancedTagModel {
        comment: Some("added by a test".into()),
        custom_name: None,
        end_day: None,
        end_time: None,
        id: String::new(),
        start_day: day,
        start_time: "2025-12-31T08:00:00+01:00".parse().expect("time"),
        tag_type_code: Some("tag_generic_caffeine".into()),
    };
    let id = emulator.add_data(0, tag.clone()).await.expect("added");
    assert_eq!(id.len(), 36);
    let answer = get(
        &emulator,
        &format!("/v2/usercollection/enhanced_tag/{id}"),
        Some(&token),
    )
    .await;
    let served: types::EnhancedTagModel = answer.decode();
    assert_eq!(served, types::EnhancedTagModel { id: id.clone(), ..tag });
    let list = get(
        &emulator,
        "/v2/usercollection/enhanced_tag?start_date=2025-12-31",
        Some(&token),
    )
    .await;
    let list: types::MultiDocumentResponseEnhancedTagModel = list.decode();
    assert_eq!(list.data.last().map(|t| t.id.as_str()), Some(id.as_str()));
    // Another user does not see it.
    let other = get(
        &emulator,
        &format!("/v2/usercollection/enhanced_tag/{id}"),
        Some(&emulator.token(1)),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    emulator
        .delete_data(0, Collection::EnhancedTag, &id)
        .await
        .expect("deleted");
    let gone = get(
        &emulator,
        &format!("/v2/usercollection/enhanced_tag/{id}"),
        Some(&token),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(
        emulator
            .add_data(
                5,
                types::PublicDailyStress {
                    day,
                    day_summary: None,
                    id: String::new(),
                    recovery_high: None,
                    stress_high: None,
                }
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn fields_keep_requested_and_required_fields() {
    let emulator = start(config()).await;
    let answer = get(
        &emulator,
        "/v2/usercollection/daily_sleep?fields=score",
        Some(&emulator.token(0)),
    )
    .await;
    let page: types::MultiDocumentResponsePublicDailySleep = answer.decode();
    assert!(!page.data.is_empty());
    let raw = answer.json();
    let first = raw["data"][0].as_object().expect("object");
    let keys: HashSet<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["id", "day", "contributors", "timestamp", "score"]));
}

#[tokio::test]
async fn the_default_history_is_two_years_ending_today() {
    // How fast it starts is measured in the README (release build), not asserted here.
    let emulator: Emulator = EmulatorConfig::new().start().await.expect("starts");
    let first = emulator.today() - chrono::Days::new(729);
    assert_eq!(emulator.first_day(), first);
    let answer = get(
        &emulator,
        &format!(
            "/v2/usercollection/daily_sleep?start_date={first}&end_date={}",
            first + chrono::Days::new(6)
        ),
        Some(&emulator.token(0)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.json()["data"].as_array().expect("data").is_empty());
}
