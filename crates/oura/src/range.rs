//! What to ask for: inclusive day ranges, date-time ranges split into 30-day windows.

use chrono::{DateTime, Datelike as _, Days, Duration, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{Error, Result};

/// The years a range may span: Oura's dates have four-digit years. Outside them a range is
/// [`Error::InvalidInput`] (rather than a panic in date arithmetic, or millions of windows).
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

fn check_day(what: &str, day: NaiveDate) -> Result<()> {
    if YEARS.contains(&day.year()) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "the range's {what} ({day}) is outside the years {}..={} that Oura's dates can express",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

/// Days, both ends inclusive, for the day collections (`daily_sleep`, `sleep`, `workout`, ...).
///
/// A document belongs to the range when its day (`day`, or `start_day` for tags and rest mode
/// periods) is within `start..=end`. Oura reads `end_date` in a way that can leave out the last
/// day for some collections, so the client asks up to `end + 1` and drops what lies after `end`:
/// the range means exactly what it says for every collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    /// `start..=end`; an error when `start` is after `end`, or either is outside the years
    /// 1 to 9999.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self> {
        check_day("start", start)?;
        check_day("end", end)?;
        if start > end {
            return Err(Error::InvalidInput(format!(
                "the range starts ({start}) after it ends ({end})"
            )));
        }
        Ok(DateRange { start, end })
    }

    /// One day.
    pub fn day(day: NaiveDate) -> Self {
        DateRange { start: day, end: day }
    }

    /// The last `days` days, today (local time) included.
    pub fn last_days(days: u32) -> Self {
        let end = Local::now().date_naive();
        let start = end
            .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
            .unwrap_or(NaiveDate::MIN);
        DateRange { start, end }
    }

    /// Parses two `YYYY-MM-DD` dates.
    pub fn parse(start: &str, end: &str) -> Result<Self> {
        DateRange::new(parse_date(start)?, parse_date(end)?)
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The last day (inclusive).
    pub fn end(&self) -> NaiveDate {
        self.end
    }
}

/// Parses a `YYYY-MM-DD` date, with an error that says what was expected.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|err| Error::InvalidInput(format!("{text:?} is not a date like 2024-01-31: {err}")))
}

/// Instants with their UTC offsets, for `heartrate` and `ring_battery_level`.
///
/// Oura refuses long time-series ranges, so the client splits the range into windows of at
/// most [`DateTimeRange::MAX_WINDOW`], fetched in order. Each sample is kept by exactly one
/// window (windows are half-open; the last one asks a second past `end` and keeps `end`
/// itself), so nothing is lost or repeated at the edges whether Oura treats a window's end as
/// inclusive or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTimeRange {
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
}

impl DateTimeRange {
    /// The longest window asked for in one request.
    pub const MAX_WINDOW: Duration = Duration::days(30);

    /// `start..=end`; an error when `start` is after `end`, or either is outside the years
    /// 1 to 9999 (in UTC).
    pub fn new(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Result<Self> {
        check_day("start", start.naive_utc().date())?;
        check_day("end", end.naive_utc().date())?;
        if start > end {
            return Err(Error::InvalidInput(format!(
                "the range starts ({}) after it ends ({})",
                start.to_rfc3339(),
                end.to_rfc3339()
            )));
        }
        Ok(DateTimeRange { start, end })
    }

    /// The whole of the given days in the local time zone: from the first day's local midnight
    /// to the last second before the midnight after the last day, each end in the offset the
    /// zone has on that day (a range across a DST change keeps its days whole). Where the zone
    /// has no midnight on a day, or at chrono's edges, that end falls back to the fixed offset
    /// of [`days_in`](Self::days_in).
    pub fn days(range: DateRange) -> Self {
        let offset_on = |day: NaiveDate| {
            day.and_time(NaiveTime::MIN)
                .and_local_timezone(Local)
                .earliest()
                .map(|at| *at.offset())
                .unwrap_or_else(|| *Local::now().offset())
        };
        let first = Self::days_in(DateRange::day(range.start), offset_on(range.start));
        let last = Self::days_in(
            DateRange::day(range.end),
            offset_on(range.end.succ_opt().unwrap_or(range.end)),
        );
        DateTimeRange {
            start: first.start,
            end: last.end.max(first.start),
        }
    }

    /// The whole of the given days at a fixed UTC offset: from midnight of the first day to the
    /// last second of the last one. At the ends of what `chrono` can represent the instants are
    /// cut to its first and last, never a panic.
    pub fn days_in(range: DateRange, offset: FixedOffset) -> Self {
        // Local midnight in a fixed offset: the UTC instant is the local time minus the offset.
        let midnight = |day: NaiveDate| -> NaiveDateTime {
            let local = day.and_time(NaiveTime::MIN);
            local
                .checked_sub_offset(offset)
                .unwrap_or(if offset.local_minus_utc() > 0 {
                    NaiveDateTime::MIN
                } else {
                    NaiveDateTime::MAX
                })
        };
        let at = |utc: NaiveDateTime| DateTime::<FixedOffset>::from_naive_utc_and_offset(utc, offset);
        let start = midnight(range.start);
        let end = match range.end.succ_opt() {
            Some(next) => midnight(next)
                .checked_sub_signed(Duration::seconds(1))
                .unwrap_or(NaiveDateTime::MIN),
            None => range
                .end
                .and_time(NaiveTime::MIN)
                .checked_add_signed(Duration::seconds(86_399))
                .and_then(|last| last.checked_sub_offset(offset))
                .unwrap_or(NaiveDateTime::MAX),
        };
        DateTimeRange {
            start: at(start),
            end: at(end.max(start)),
        }
    }

    /// Parses two RFC 3339 date-times (`2024-01-31T00:00:00+02:00`), or two dates taken as
    /// whole local days.
    pub fn parse(start: &str, end: &str) -> Result<Self> {
        let parse = |text: &str| {
            DateTime::parse_from_rfc3339(text.trim()).map_err(|err| {
                Error::InvalidInput(format!(
                    "{text:?} is not a date-time like 2024-01-31T00:00:00+02:00: {err}"
                ))
            })
        };
        if let (Ok(start), Ok(end)) = (parse_date(start), parse_date(end)) {
            return Ok(DateTimeRange::days(DateRange::new(start, end)?));
        }
        DateTimeRange::new(parse(start)?, parse(end)?)
    }

    /// The first instant.
    pub fn start(&self) -> DateTime<FixedOffset> {
        self.start
    }

    /// The last instant (inclusive).
    pub fn end(&self) -> DateTime<FixedOffset> {
        self.end
    }

    /// The windows this range is fetched in, in order, as half-open `[start, end)` pairs of at
    /// most [`MAX_WINDOW`](Self::MAX_WINDOW): what is sent as `start_datetime` and
    /// `end_datetime` (Oura's end is exclusive). The last one ends a second after
    /// [`end`](Self::end), so a sample exactly at the end is included.
    pub fn windows(&self) -> Vec<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
        // At the last instant chrono can represent there is no second after: the end is then
        // the window's (exclusive) end, a second earlier than asked for; no panic.
        let stop = self.end.checked_add_signed(Duration::seconds(1)).unwrap_or(self.end);
        let mut windows = Vec::new();
        let mut start = self.start;
        loop {
            match start.checked_add_signed(Self::MAX_WINDOW) {
                Some(end) if end < stop => {
                    windows.push((start, end));
                    start = end;
                }
                _ => {
                    windows.push((start, stop));
                    return windows;
                }
            }
        }
    }
}

/// The query of one request of a listing and which documents it keeps.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Window {
    pub query: Vec<(&'static str, String)>,
    pub keep: Keep,
}

/// Which documents of a window's pages belong to the caller's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Keep {
    All,
    Days {
        start: NaiveDate,
        end: NaiveDate,
    },
    Times {
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    },
}

/// Where a document lies in time: what decides whether it is inside a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    /// A day collection's day.
    Day(NaiveDate),
    /// A time series sample's instant.
    Time(DateTime<FixedOffset>),
}

impl Position {
    /// How two positions compare in time when their texts alone can tell, without parsing
    /// them: when they are written alike (the same length, a digit wherever the other has one
    /// and the same byte everywhere else, and the same offset: `Z`, or `+hh:mm` / `-hh:mm`
    /// byte for byte). Two valid positions written alike compare as text as they do in time.
    /// `None` when they are written differently: parse them ([`Position::parse`]).
    ///
    /// A text that is not a valid position (`2024-13-01`) still compares as text; callers that
    /// must tell it apart parse the one they keep.
    #[inline]
    pub fn compare_text(a: &str, b: &str) -> Option<std::cmp::Ordering> {
        compare_alike(a.as_bytes(), b.as_bytes())
    }

    /// A position as Oura writes it: a day (`2024-01-31`) or an RFC 3339 instant
    /// (`2024-01-31T07:30:00+02:00`); `None` for anything else.
    ///
    /// The forms Oura sends are read by hand, digit by digit (a day, and an instant with `T`,
    /// whole seconds up to 59, at most nine digits of fraction, and `Z` or a `±HH:MM` offset);
    /// every other text goes through chrono's RFC 3339 parser, so the result is chrono's for
    /// any text.
    pub fn parse(text: &str) -> Option<Position> {
        match fast_position(text.as_bytes()) {
            Fast::Parsed(position) => Some(position),
            Fast::Invalid => None,
            Fast::Unusual => {
                // An instant has its date and time apart at the eleventh character: not a day.
                if !matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '))
                    && let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                {
                    return Some(Position::Day(day));
                }
                DateTime::parse_from_rfc3339(text).ok().map(Position::Time)
            }
        }
    }
}

/// What the hand-written reading of a position found.
enum Fast {
    /// A day or instant of the usual form.
    Parsed(Position),
    /// The usual form with a value no calendar has (`2023-02-29`): chrono refuses it too.
    Invalid,
    /// Another form: for chrono to read.
    Unusual,
}

/// Reads `YYYY-MM-DD` and `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`.
fn fast_position(text: &[u8]) -> Fast {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        text.get(range)?
            .iter()
            .try_fold(0_u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    let sep = |at: usize, byte: u8| text.get(at) == Some(&byte);
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Fast::Unusual;
    };
    if !sep(4, b'-') || !sep(7, b'-') {
        return Fast::Unusual;
    }
    let Some(date) = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
    else {
        return Fast::Invalid;
    };
    if text.len() == 10 {
        return Fast::Parsed(Position::Day(date));
    }
    let (Some(hour), Some(minute), Some(second)) = (digits(11..13), digits(14..16), digits(17..19)) else {
        return Fast::Unusual;
    };
    if !sep(10, b'T') || !sep(13, b':') || !sep(16, b':') || hour > 23 || minute > 59 || second > 59 {
        // Leap seconds, and anything chrono might read otherwise, are chrono's.
        return Fast::Unusual;
    }
    let mut at = 19;
    let mut nanos = 0;
    if sep(at, b'.') {
        let count = text[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&count) {
            return Fast::Unusual;
        }
        let Some(fraction) = digits(at + 1..at + 1 + count) else {
            return Fast::Unusual;
        };
        nanos = fraction * 10_u32.pow(9 - count as u32);
        at += 1 + count;
    }
    let offset = match &text[at..] {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (Some(hours), Some(minutes)) = (digits(at + 1..at + 3), digits(at + 4..at + 6)) else {
                return Fast::Unusual;
            };
            if hours > 23 || minutes > 59 {
                return Fast::Unusual;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return Fast::Unusual,
    };
    let Some(offset) = FixedOffset::east_opt(offset) else {
        return Fast::Unusual;
    };
    match date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .and_then(|local| local.checked_sub_offset(offset))
    {
        Some(utc) => Fast::Parsed(Position::Time(DateTime::from_naive_utc_and_offset(utc, offset))),
        None => Fast::Unusual,
    }
}

/// The length of an instant's offset at the end of a position text (`Z`: 1, `+02:00`: 6; a day:
/// 0): it is compared byte for byte, its digits not being a magnitude.
fn offset_len(text: &[u8]) -> usize {
    match text {
        [.., b'Z' | b'z'] => 1,
        [.., b'+' | b'-', _, _, b':', _, _] if text.len() > 10 => 6,
        _ => 0,
    }
}

/// `x` against `y` as text, if the two are written alike ([`Position::compare_text`]): one pass,
/// eight bytes at a time, that checks the likeness and finds the first byte that differs.
#[inline]
fn compare_alike(x: &[u8], y: &[u8]) -> Option<std::cmp::Ordering> {
    let n = x.len();
    if n != y.len() {
        return None;
    }
    // Eight bytes from `at`, the first the highest: words compare as their texts.
    let word = |text: &[u8], at: usize| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&text[at..at + 8]);
        u64::from_be_bytes(bytes)
    };
    // The offsets are alike when they are the same text.
    let body = match offset_len(x) {
        0 => n,
        1 if x[n - 1] == y[n - 1] => n - 1,
        // An offset ends an instant (more than ten bytes): the low six bytes of its last word.
        6 if (word(x, n - 8) ^ word(y, n - 8)) & 0xffff_ffff_ffff == 0 => n - 6,
        _ => return None,
    };
    // Every byte that differs is a digit in both.
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let digits = |w: u64| {
        let low = w & LOW;
        // At least `0`, not past `9`, and ASCII: the high bit of each such byte.
        (low + 0x5050_5050_5050_5050) & !(low + 0x4646_4646_4646_4646) & !w & HIGH
    };
    let mut order = std::cmp::Ordering::Equal;
    let mut alike = |p: u64, q: u64| {
        if p == q {
            return true;
        }
        let d = p ^ q;
        let differ = (((d & LOW) + LOW) | d) & HIGH;
        if order.is_eq() {
            order = p.cmp(&q);
        }
        differ & !(digits(p) & digits(q)) == 0
    };
    if body < 8 {
        for (p, q) in x[..body].iter().zip(&y[..body]) {
            if !alike(u64::from(*p), u64::from(*q)) {
                return None;
            }
        }
        return Some(order);
    }
    let mut at = 0;
    while at + 8 < body {
        if !alike(word(x, at), word(y, at)) {
            return None;
        }
        at += 8;
    }
    // The last eight bytes of the body, which may overlap the word before: the bytes read twice
    // are checked twice, and a difference among them was the first already.
    alike(word(x, body - 8), word(y, body - 8)).then_some(order)
}

impl Keep {
    pub(crate) fn keeps(&self, position: Option<Position>) -> bool {
        match (self, position) {
            (Keep::Days { start, end }, Some(Position::Day(day))) => (*start..=*end).contains(&day),
            (Keep::Times { start, end }, Some(Position::Time(at))) => at >= *start && at < *end,
            _ => true,
        }
    }

    /// Whether a document whose position reads `text` is kept: what [`keeps`](Self::keeps) of
    /// the parsed position says, mostly without parsing it. A text written like the window's
    /// bounds as `bounds` hold them ([`TextBounds`]) and between them as text is kept unparsed:
    /// were it a valid position, it would be between them in time; were it not, it would be
    /// kept too. Any other text is parsed.
    pub(crate) fn keeps_text(&self, text: Option<&str>, bounds: Option<&TextBounds>) -> bool {
        let Some(text) = text else { return true };
        bounds.is_some_and(|bounds| bounds.hold(text)) || self.keeps(Position::parse(text))
    }

    /// The window's bounds as text, once per page, when they have a plain form: days of years
    /// 0 to 9999; instants in whole seconds, written in the window's offset, in UTC as
    /// `+00:00` (as Oura writes its time series) and in UTC as `Z`.
    pub(crate) fn text_bounds(&self) -> Option<TextBounds> {
        let plain =
            |text: &str, len: usize| text.len() == len && text.bytes().take(10).filter(u8::is_ascii_digit).count() == 8;
        let form = |start: String, end: String, len: usize| {
            (plain(&start, len) && plain(&end, len)).then_some(Form { start, end })
        };
        match self {
            Keep::All => None,
            Keep::Days { start, end } => {
                let day = |d: &NaiveDate| d.format("%Y-%m-%d").to_string();
                Some(TextBounds {
                    forms: vec![form(day(start), day(end), 10)?],
                    end_inclusive: true,
                })
            }
            Keep::Times { start, end } => {
                if start.timestamp_subsec_nanos() != 0 || end.timestamp_subsec_nanos() != 0 {
                    return None;
                }
                let (start_utc, end_utc) = (start.naive_utc(), end.naive_utc());
                let mut forms = Vec::new();
                if start.offset() == end.offset() && start.offset().local_minus_utc() != 0 {
                    let local = "%Y-%m-%dT%H:%M:%S%:z";
                    forms.extend(form(start.format(local).to_string(), end.format(local).to_string(), 25));
                }
                for (utc, len) in [("%Y-%m-%dT%H:%M:%S+00:00", 25), ("%Y-%m-%dT%H:%M:%SZ", 20)] {
                    forms.extend(form(
                        start_utc.format(utc).to_string(),
                        end_utc.format(utc).to_string(),
                        len,
                    ));
                }
                (!forms.is_empty()).then_some(TextBounds {
                    forms,
                    end_inclusive: false,
                })
            }
        }
    }
}

/// A window's bounds as text ([`Keep::text_bounds`]), in a few forms: a position written like
/// one of them compares with it as text ([`Position::compare_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextBounds {
    forms: Vec<Form>,
    end_inclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Form {
    start: String,
    end: String,
}

impl TextBounds {
    fn hold(&self, text: &str) -> bool {
        // The bounds of a form are written alike: a text written like its start is written like
        // its end too (the text's order against the end is the plain one should it not be).
        self.forms.iter().any(|form| {
            compare_alike(text.as_bytes(), form.start.as_bytes()).is_some_and(std::cmp::Ordering::is_ge)
                && match compare_alike(text.as_bytes(), form.end.as_bytes()).unwrap_or_else(|| text.cmp(&form.end)) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Equal => self.end_inclusive,
                    std::cmp::Ordering::Greater => false,
                }
        })
    }
}

/// The three kinds of range the collections take (from the generated collection table).
pub use oura_api_sys::catalog::RangeKind;

/// A range of one of the three kinds the collections take.
pub trait RangeQuery: Clone + Send + Sync + 'static {
    /// Which kind of range this is.
    const KIND: RangeKind;

    /// The requests that fetch the range.
    #[doc(hidden)]
    fn windows(&self) -> Vec<WindowQuery>;

    /// A range from optional textual bounds, as tools take them: dates (`2024-01-31`) for day
    /// collections; RFC 3339 date-times or dates (whole local days) for time series. A missing
    /// end is today, a missing start a week before the end.
    fn from_bounds(start: Option<&str>, end: Option<&str>) -> Result<Self>;
}

/// The default span of [`RangeQuery::from_bounds`] without a start: a week, like Oura's own.
const DEFAULT_DAYS: u64 = 7;

fn day_bounds(start: Option<&str>, end: Option<&str>) -> Result<DateRange> {
    let end = end
        .map(parse_date)
        .transpose()?
        .unwrap_or_else(|| Local::now().date_naive());
    let start = match start {
        Some(start) => parse_date(start)?,
        None => end
            .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .ok_or_else(|| Error::InvalidInput(format!("no week ends on {end}")))?,
    };
    DateRange::new(start, end)
}

/// Opaque: one window of a [`RangeQuery`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub struct WindowQuery(pub(crate) Window);

impl RangeQuery for DateRange {
    const KIND: RangeKind = RangeKind::Days;

    fn from_bounds(start: Option<&str>, end: Option<&str>) -> Result<Self> {
        day_bounds(start, end)
    }

    fn windows(&self) -> Vec<WindowQuery> {
        let ask_end = self.end.succ_opt().unwrap_or(self.end);
        vec![WindowQuery(Window {
            query: vec![
                ("start_date", self.start.to_string()),
                ("end_date", ask_end.to_string()),
            ],
            keep: Keep::Days {
                start: self.start,
                end: self.end,
            },
        })]
    }
}

impl RangeQuery for DateTimeRange {
    const KIND: RangeKind = RangeKind::Series;

    fn from_bounds(start: Option<&str>, end: Option<&str>) -> Result<Self> {
        match (start, end) {
            (Some(start), Some(end)) => DateTimeRange::parse(start, end),
            (Some(start), None) => match parse_date(start) {
                Ok(_) => Ok(DateTimeRange::days(day_bounds(Some(start), None)?)),
                Err(_) => DateTimeRange::parse(start, &Local::now().fixed_offset().to_rfc3339()),
            },
            (None, _) => {
                if let Some(end) = end.filter(|e| parse_date(e).is_err()) {
                    let end_at = DateTime::parse_from_rfc3339(end.trim())
                        .map_err(|err| Error::InvalidInput(format!("{end:?} is not a date-time: {err}")))?;
                    let start_at = end_at
                        .checked_sub_days(Days::new(DEFAULT_DAYS))
                        .ok_or_else(|| Error::InvalidInput(format!("no week ends at {end}")))?;
                    return DateTimeRange::new(start_at, end_at);
                }
                Ok(DateTimeRange::days(day_bounds(None, end)?))
            }
        }
    }

    fn windows(&self) -> Vec<WindowQuery> {
        DateTimeRange::windows(self)
            .into_iter()
            .map(|(start, end)| {
                WindowQuery(Window {
                    query: vec![
                        ("start_datetime", start.to_rfc3339()),
                        ("end_datetime", end.to_rfc3339()),
                    ],
                    keep: Keep::Times { start, end },
                })
            })
            .collect()
    }
}

/// The range of collections that take none (`ring_configuration`): everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct All;

impl RangeQuery for All {
    const KIND: RangeKind = RangeKind::Whole;

    /// Collections without a range ignore the bounds.
    fn from_bounds(_: Option<&str>, _: Option<&str>) -> Result<Self> {
        Ok(All)
    }

    fn windows(&self) -> Vec<WindowQuery> {
        vec![WindowQuery(Window {
            query: Vec::new(),
            keep: Keep::All,
        })]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight-bytes-at-a-time comparison is the byte-by-byte definition of written alike,
    /// and then the texts' order, for every byte value.
    #[test]
    fn written_alike_is_the_byte_by_byte_rule() {
        fn rule(x: &[u8], y: &[u8]) -> bool {
            if x.len() != y.len() {
                return false;
            }
            let n = x.len() - offset_len(x);
            x[n..] == y[n..] && (0..n).all(|i| x[i] == y[i] || (x[i].is_ascii_digit() && y[i].is_ascii_digit()))
        }
        let mut rng = fastrand::Rng::with_seed(11);
        let base = *b"2024-07-01T00:05:00+02:00xyzw";
        let mut alike = 0;
        for round in 0..200_000 {
            let len = rng.usize(0..=base.len());
            let mut x = base[..len].to_vec();
            let mut y = x.clone();
            // A few bytes changed: digits, any byte at all, or the same in both.
            for _ in 0..rng.usize(0..4) {
                if len == 0 {
                    break;
                }
                let at = rng.usize(..len);
                let byte = match round % 3 {
                    0 => b'0' + rng.u8(0..10),
                    1 => rng.u8(..),
                    _ => [b'/', b':', b'@', b'9' + 1, b'0' - 1, 0xb0, 0xb9][rng.usize(..7)],
                };
                if rng.bool() { x[at] = byte } else { y[at] = byte }
            }
            let want = rule(&x, &y);
            assert_eq!(compare_alike(&x, &y), want.then(|| x.cmp(&y)), "{x:?} {y:?}");
            alike += usize::from(want);
        }
        assert!(alike > 20_000 && alike < 190_000, "{alike}");
    }

    #[test]
    fn positions_written_alike_compare_as_text() {
        use std::cmp::Ordering::{Greater, Less};
        let cmp = Position::compare_text;
        assert_eq!(cmp("2024-07-01", "2024-06-30"), Some(Greater));
        assert_eq!(cmp("2024-07-01T00:05:00Z", "2024-07-01T00:10:00Z"), Some(Less));
        assert_eq!(
            cmp("2024-07-01T10:05:00+02:00", "2024-07-01T09:10:00+02:00"),
            Some(Greater)
        );
        assert_eq!(
            cmp("2024-07-01T00:00:00.25+00:00", "2024-07-01T00:00:00.50+00:00"),
            Some(Less)
        );
        // Other offsets, forms or lengths: not by text.
        for (a, b) in [
            ("2024-07-01T10:00:00+02:00", "2024-07-01T09:00:00+01:00"),
            ("2024-07-01T10:00:00Z", "2024-07-01T10:00:00+00:00"),
            ("2024-07-01T10:00:00Z", "2024-07-01t10:00:00Z"),
            ("2024-07-01T10:00:00.5Z", "2024-07-01T10:00:00Z"),
            ("2024-07-01", "2024/07/01"),
        ] {
            assert_eq!(cmp(a, b), None, "{a} {b}");
        }
    }

    /// Positions placed by their text, mostly unparsed, are kept exactly when their parsed
    /// position is: every text around the bounds (equal to them, a second off, other offsets,
    /// fractions, invalid days and times written alike, other forms) in windows of days and of
    /// instants.
    #[test]
    fn a_position_is_kept_by_its_text_as_by_its_value() {
        let windows = [
            Keep::Days {
                start: NaiveDate::from_ymd_opt(2024, 2, 28).expect("day"),
                end: NaiveDate::from_ymd_opt(2024, 3, 1).expect("day"),
            },
            Keep::Times {
                start: at("2024-03-30T00:00:00+01:00"),
                end: at("2024-04-29T00:00:00+01:00"),
            },
            Keep::Times {
                start: at("2024-03-30T00:00:00+01:00"),
                end: at("2024-04-29T00:00:00+02:00"),
            },
            Keep::Times {
                start: at("2024-03-30T00:00:00.5+00:00"),
                end: at("2024-04-29T00:00:00+00:00"),
            },
        ];
        let pieces = [
            "2024-02-27",
            "2024-02-28",
            "2024-02-29",
            "2024-02-30",
            "2024-03-01",
            "2024-03-02",
            "2024-13-01",
            "2024-03-29T23:59:59+01:00",
            "2024-03-30T00:00:00+01:00",
            "2024-03-30T00:00:01+01:00",
            "2024-03-29T23:00:00+00:00",
            "2024-04-28T23:59:59+01:00",
            "2024-04-29T00:00:00+01:00",
            "2024-04-15T25:00:00+01:00",
            "2024-04-15T12:00:00+01:00",
            "2024-04-15t12:00:00+01:00",
            "2024-04-15T12:00:00Z",
            "2024-04-15T12:00:00.999+01:00",
            "2024-03-30T00:00:00+02:00",
            "2024-04-28T23:30:00-01:00",
            "2024-02-30T12:00:00+01:00",
            "",
            "garbage",
        ];
        let mut placed_by_text = 0;
        for keep in &windows {
            let bounds = keep.text_bounds();
            for text in pieces {
                let want = keep.keeps(Position::parse(text));
                assert_eq!(keep.keeps_text(Some(text), bounds.as_ref()), want, "{keep:?} {text:?}");
                if bounds.as_ref().is_some_and(|b| b.hold(text)) {
                    placed_by_text += 1;
                }
            }
            assert!(keep.keeps_text(None, bounds.as_ref()));
        }
        // Most of the texts written like the bounds were placed without a parse.
        assert!(placed_by_text >= 8, "{placed_by_text}");
        // Bounds with a fraction have no text form; bounds in two offsets have their UTC forms.
        assert!(windows[3].text_bounds().is_none());
        assert_eq!(windows[2].text_bounds().map(|b| b.forms.len()), Some(2));
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("date-time")
    }

    /// chrono's reading of a position, as it was before the hand-written one.
    fn by_chrono(text: &str) -> Option<Position> {
        if !matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '))
            && let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        {
            return Some(Position::Day(day));
        }
        DateTime::parse_from_rfc3339(text).ok().map(Position::Time)
    }

    #[test]
    fn positions_read_by_hand_are_what_chrono_reads() {
        let mut texts: Vec<String> = Vec::new();
        let days = [
            "2024-01-31",
            "2024-02-29",
            "2023-02-29",
            "2023-13-01",
            "2023-00-10",
            "0000-01-01",
            "9999-12-31",
        ];
        let times = [
            "00:00:00", "23:59:59", "12:34:56", "24:00:00", "23:60:00", "23:59:60", "7:00:00",
        ];
        let fractions = ["", ".5", ".123", ".123456", ".123456789", ".1234567891", "."];
        let offsets = [
            "Z", "z", "+00:00", "-00:00", "+05:30", "-09:45", "+23:59", "+24:00", "+0530", "+05", "",
        ];
        for day in days {
            texts.push(day.to_owned());
            for time in times {
                for fraction in fractions {
                    for offset in offsets {
                        texts.push(format!("{day}T{time}{fraction}{offset}"));
                    }
                }
            }
            for other in ["t10:00:00Z", " 10:00:00Z", "T10:00:00 Z", "x", "T10:00:00+05:30x"] {
                texts.push(format!("{day}{other}"));
            }
        }
        texts.extend(
            [
                "",
                "2024",
                "2024-1-31",
                "2024-01-1",
                "+2024-01-31",
                "２０２４-01-31",
                "2024-01-31T",
                "2024/01/31",
                "-001-01-01",
            ]
            .map(str::to_owned),
        );
        let mut parsed = 0;
        for text in &texts {
            let position = Position::parse(text);
            // Debug shows the offset too (equality compares only the instants).
            assert_eq!(format!("{position:?}"), format!("{:?}", by_chrono(text)), "{text:?}");
            parsed += usize::from(position.is_some());
        }
        // Most of them are valid: the comparison is not only of refusals.
        assert!(parsed > 500, "{parsed} of {}", texts.len());
        assert_eq!(
            Position::parse("2024-01-31T07:30:00.25+02:00"),
            Some(Position::Time(
                at("2024-01-31T05:30:00.25Z").with_timezone(&FixedOffset::east_opt(7200).expect("offset"))
            ))
        );
    }

    #[test]
    fn whole_days_run_from_local_midnight_to_the_last_second() {
        let range = DateTimeRange::days(DateRange::parse("2024-01-01", "2024-01-02").expect("range"));
        let offset = range.start().offset().local_minus_utc();
        assert_eq!(range.start().naive_local().to_string(), "2024-01-01 00:00:00");
        assert_eq!(range.end().naive_local().to_string(), "2024-01-02 23:59:59");
        assert_eq!(range.end().offset().local_minus_utc(), offset);
    }

    #[test]
    fn start_after_end_is_an_error() {
        let err = DateRange::parse("2024-02-02", "2024-02-01").expect_err("reversed");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let err = DateTimeRange::new(at("2024-01-02T00:00:00Z"), at("2024-01-01T00:00:00Z")).expect_err("reversed");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        let err = DateRange::parse("2024-13-01", "2024-12-01").expect_err("bad month");
        assert!(err.to_string().contains("2024-13-01"), "{err}");
    }

    #[test]
    fn day_ranges_ask_one_day_more_and_keep_exactly_the_range() {
        let range = DateRange::parse("2024-01-01", "2024-01-07").expect("range");
        let [WindowQuery(window)] = range.windows().try_into().expect("one window");
        assert_eq!(
            window.query,
            vec![
                ("start_date", "2024-01-01".to_owned()),
                ("end_date", "2024-01-08".to_owned())
            ]
        );
        let day = |d: &str| Some(Position::Day(parse_date(d).expect("date")));
        assert!(window.keep.keeps(day("2024-01-01")));
        assert!(window.keep.keeps(day("2024-01-07")));
        assert!(!window.keep.keeps(day("2024-01-08")));
        assert!(!window.keep.keeps(day("2023-12-31")));
    }

    #[test]
    fn seventy_five_days_are_three_windows_with_exact_edges() {
        let range =
            DateTimeRange::new(at("2024-01-01T00:00:00+02:00"), at("2024-03-16T00:00:00+02:00")).expect("range");
        let windows: Vec<Window> = RangeQuery::windows(&range).into_iter().map(|w| w.0).collect();
        let queries: Vec<Vec<String>> = windows
            .iter()
            .map(|w| w.query.iter().map(|(_, v)| v.clone()).collect())
            .collect();
        assert_eq!(
            queries,
            [
                ["2024-01-01T00:00:00+02:00", "2024-01-31T00:00:00+02:00"],
                ["2024-01-31T00:00:00+02:00", "2024-03-01T00:00:00+02:00"],
                ["2024-03-01T00:00:00+02:00", "2024-03-16T00:00:01+02:00"],
            ]
        );
        // A sample on an inner edge belongs to the later window only; the range's end is kept.
        let edge = Some(Position::Time(at("2024-01-31T00:00:00+02:00")));
        assert!(!windows[0].keep.keeps(edge));
        assert!(windows[1].keep.keeps(edge));
        assert!(windows[2].keep.keeps(Some(Position::Time(range.end()))));
        assert!(
            !windows[2]
                .keep
                .keeps(Some(Position::Time(at("2024-03-16T00:00:01+02:00"))))
        );
    }

    #[test]
    fn thirty_whole_days_are_one_window_and_a_sample_past_them_a_second_one() {
        let days = DateTimeRange::new(at("2024-01-01T00:00:00Z"), at("2024-01-30T23:59:59Z")).expect("range");
        assert_eq!(days.windows(), vec![(days.start(), at("2024-01-31T00:00:00Z"))]);
        // Including the instant exactly 30 days later takes one more (one-second) window, so
        // that no window is longer than Oura accepts.
        let inclusive = DateTimeRange::new(at("2024-01-01T00:00:00Z"), at("2024-01-31T00:00:00Z")).expect("range");
        assert_eq!(
            inclusive.windows(),
            vec![
                (inclusive.start(), at("2024-01-31T00:00:00Z")),
                (at("2024-01-31T00:00:00Z"), at("2024-01-31T00:00:01Z"))
            ]
        );
    }
}
