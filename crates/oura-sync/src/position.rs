//! Positions as Oura writes them (a day `2024-01-31` or an RFC 3339 instant), compared as
//! instants (a day is its midnight UTC). Text that does not parse never panics: it loses.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// A position as an instant, for comparisons.
pub(crate) fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    match oura::Position::parse(text)? {
        oura::Position::Time(at) => Some(at),
        oura::Position::Day(day) => Some(day.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset()),
    }
}

/// The later of two positions; text that does not parse loses.
pub(crate) fn later(a: Option<String>, b: &str) -> Option<String> {
    let Some(a) = a else { return Some(b.to_owned()) };
    match (instant(&a), instant(b)) {
        (Some(x), Some(y)) if y > x => Some(b.to_owned()),
        (None, Some(_)) => Some(b.to_owned()),
        _ => Some(a),
    }
}

/// The latest of `current` and `positions`, as folding them with [`later`] gives, but each
/// text parsed once.
pub(crate) fn latest<'a>(current: Option<String>, positions: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(std::borrow::Cow<'a, str>, Option<DateTime<FixedOffset>>)> = current.map(|text| {
        let at = instant(&text);
        (std::borrow::Cow::Owned(text), at)
    });
    for text in positions {
        let at = instant(text);
        let replace = match (&best, at) {
            (None, _) => true,
            (Some((_, Some(x))), Some(y)) => y > *x,
            (Some((_, None)), Some(_)) => true,
            _ => false,
        };
        if replace {
            best = Some((std::borrow::Cow::Borrowed(text), at));
        }
    }
    best.map(|(text, _)| text.into_owned())
}

/// The day of a position (its first ten characters as a date).
pub(crate) fn day_of(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_compares_days_and_instants_and_ignores_garbage() {
        assert_eq!(later(None, "2024-01-02").as_deref(), Some("2024-01-02"));
        assert_eq!(
            later(Some("2024-01-02".into()), "2024-01-01").as_deref(),
            Some("2024-01-02")
        );
        assert_eq!(
            later(Some("2024-01-02T00:00:00+02:00".into()), "2024-01-01T23:30:00+00:00").as_deref(),
            Some("2024-01-01T23:30:00+00:00")
        );
        assert_eq!(
            later(Some("garbage".into()), "2024-01-01").as_deref(),
            Some("2024-01-01")
        );
        assert_eq!(
            later(Some("2024-01-01".into()), "garbage").as_deref(),
            Some("2024-01-01")
        );
        assert_eq!(day_of("+262142-12-30"), None);
        let texts = [
            "garbage",
            "2024-01-02",
            "2024-01-01T23:30:00+00:00",
            "2024-01-02T00:00:00+02:00",
            "2024-01-01",
            "nope",
            "2024-01-03T00:00:00Z",
        ];
        for start in [None, Some("2024-06-01".to_owned()), Some("junk".to_owned())] {
            for n in 0..=texts.len() {
                let folded = texts[..n].iter().fold(start.clone(), |acc, t| later(acc, t));
                assert_eq!(
                    latest(start.clone(), texts[..n].iter().copied()),
                    folded,
                    "{start:?} {n}"
                );
            }
        }
        assert_eq!(day_of("2024-02-29T10:00:00Z"), NaiveDate::from_ymd_opt(2024, 2, 29));
    }
}
