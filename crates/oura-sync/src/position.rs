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

/// The latest of `current` and `positions`, as folding them with [`later`] gives (of equal
/// instants, the first), with few texts parsed: they are read from the last, and a text written
/// like the latest so far that sorts before it as text ([`oura::Position::compare_text`]) is
/// before it in time too, or does not parse and loses anyway, so it is passed over unparsed.
/// Positions in time order, as Oura sends them, cost one parse.
pub(crate) fn latest<'a, I>(current: Option<String>, positions: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: DoubleEndedIterator,
{
    // The latest so far (an earlier text wins a tie, being visited later), and the first text
    // of all, which wins when none parses.
    let mut best: Option<(&str, DateTime<FixedOffset>)> = None;
    let mut first: Option<&str> = None;
    for text in positions.into_iter().rev() {
        first = Some(text);
        if let Some((latest, _)) = best
            && matches!(
                oura::Position::compare_text(text, latest),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        {
            continue;
        }
        if let Some(at) = instant(text)
            && best.is_none_or(|(_, latest)| at >= latest)
        {
            best = Some((text, at));
        }
    }
    let mut winner = best.map(|(text, _)| text).or(first).map(str::to_owned);
    if let Some(current) = current {
        let at = instant(&current);
        let keep_current = match (at, best) {
            (Some(at), Some((_, latest))) => at >= latest,
            (Some(_), None) => true,
            // A current text that does not parse wins only when nothing parses.
            (None, Some(_)) => false,
            (None, None) => true,
        };
        if keep_current {
            winner = Some(current);
        }
    }
    winner
}

/// The latest of positions seen one at a time, as folding them with [`later`] gives (of equal
/// instants, the first; when none parses, the first text), for texts that cannot all be held
/// (a file's lines, read one after another). As in [`latest`], a text written like the latest
/// so far is compared with it as text: positions in time order cost one parse each, and no
/// copy but of a new latest (into the same buffer).
#[derive(Debug, Default)]
pub(crate) struct Latest {
    best: Option<(String, DateTime<FixedOffset>)>,
    /// The first text, while none parses.
    first: Option<String>,
}

impl Latest {
    pub fn see(&mut self, text: &str) {
        let at = match &self.best {
            Some((best, latest)) => match oura::Position::compare_text(text, best) {
                // Written alike and not after it: before it in time, the same text, or text
                // that does not parse.
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal) => return,
                _ => instant(text).filter(|at| at > latest),
            },
            None => instant(text),
        };
        match (at, &mut self.best) {
            (Some(at), Some((best, latest))) => {
                best.clear();
                best.push_str(text);
                *latest = at;
            }
            (Some(at), None) => {
                self.best = Some((text.to_owned(), at));
                self.first = None;
            }
            (None, None) if self.first.is_none() => self.first = Some(text.to_owned()),
            (None, _) => {}
        }
    }

    /// The latest of `current` and the texts seen ([`later`] folded over them from `current`).
    pub fn with(self, current: Option<String>) -> Option<String> {
        let seen = self.best.map(|(text, _)| text).or(self.first);
        match (current, seen) {
            (None, seen) => seen,
            (Some(current), None) => Some(current),
            (Some(current), Some(seen)) => {
                // `current` came first: it keeps a tie, and a `seen` that parses beats it only
                // when later or when `current` does not parse.
                later(Some(current), &seen)
            }
        }
    }
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

    /// Texts of every shape, sorted and shuffled, with ties, invalid dates written like valid
    /// ones (`2024-13-01`), other offsets, `Z`, fractions and a lower-case `t`: [`latest`] and
    /// [`Latest`] pass over texts unparsed and still give what folding [`later`] gives.
    #[test]
    fn latest_is_the_fold_of_later_however_few_texts_it_parses() {
        let pool = [
            "2024-07-01",
            "2024-07-02",
            "2024-13-01",
            "2024-02-30",
            "2024-07-01T00:05:00+00:00",
            "2024-07-01T00:10:00+00:00",
            "2024-07-01T00:10:00+02:00",
            "2024-07-01T02:10:00+02:00",
            "2024-07-01T00:99:00+00:00",
            "2024-07-01t00:20:00+00:00",
            "2024-07-01T00:10:00Z",
            "2024-07-01T00:05:00Z",
            "2024-07-01T00:99:00Z",
            "2024-07-01T00:20:00z",
            "2024-07-01T00:10:00.5+00:00",
            "2024-07-01T00:10:00.25+00:00",
            "2024-07-01T23:59:60+00:00",
            "2024-07-02T00:00:00-00:00",
            "garbage",
            "",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut compared = 0;
        for round in 0..20_000 {
            let n = rng.usize(0..12);
            let mut texts: Vec<&str> = (0..n).map(|_| pool[rng.usize(..pool.len())]).collect();
            if round % 3 == 0 {
                texts.sort_unstable();
            }
            let start = match rng.usize(0..4) {
                0 => None,
                1 => Some("junk".to_owned()),
                _ => Some(pool[rng.usize(..pool.len())].to_owned()),
            };
            let folded = texts.iter().fold(start.clone(), |acc, t| later(acc, t));
            assert_eq!(
                latest(start.clone(), texts.iter().copied()),
                folded,
                "{start:?} {texts:?}"
            );
            let mut seen = Latest::default();
            for text in &texts {
                seen.see(text);
            }
            assert_eq!(
                seen.with(start.clone()),
                folded,
                "seen one at a time: {start:?} {texts:?}"
            );
            compared += 1;
        }
        assert_eq!(compared, 20_000);
    }
}
