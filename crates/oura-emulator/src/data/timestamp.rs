//! Date-times as JSON text, written by hand: the hot path of the time series, where chrono's
//! generic formatter (through serde's `collect_str`) cost more than generating the samples.
//! The text is the one [`crate::json`] writes for a `DateTime<FixedOffset>` with whole seconds
//! (`2024-07-01T00:05:00+02:00`, `+00:00` for UTC, as Oura writes it); what this writer does not
//! cover (years outside 0..=9999, offsets with seconds) is left to that writer.

use chrono::FixedOffset;

use super::local_dt;

/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_FROM_MARCH_0000: i64 = 719_468;

/// The civil date (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + EPOCH_FROM_MARCH_0000;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes `value` (below 100) as two digits at `at`.
fn digits<const N: usize>(text: &mut [u8; N], at: usize, value: i64) {
    text[at] = b'0' + (value / 10) as u8;
    text[at + 1] = b'0' + (value % 10) as u8;
}

/// Writes timestamps; consecutive ones of one day (a page of samples) share the date's text.
#[derive(Debug)]
pub(crate) struct Timestamps {
    /// The local day (days from 1970-01-01) whose `YYYY-MM-DD` is in `date`.
    day: i64,
    date: [u8; 10],
}

impl Default for Timestamps {
    fn default() -> Self {
        Self {
            day: i64::MIN,
            date: [0; 10],
        }
    }
}

impl Timestamps {
    /// Appends the JSON string (quotes included) of the instant `unix` shown at `offset`.
    pub(crate) fn write_quoted(&mut self, out: &mut Vec<u8>, unix: i64, offset: FixedOffset) {
        let offset_seconds = i64::from(offset.local_minus_utc());
        let local = unix + offset_seconds;
        let day = local.div_euclid(86_400);
        if day != self.day {
            let (year, month, day_of_month) = civil(day);
            if !(0..=9999).contains(&year) {
                // Rare shapes: chrono's text, as the documents' writer writes it.
                crate::json::write(out, &local_dt(offset, unix));
                return;
            }
            let mut date = *b"0000-00-00";
            digits(&mut date, 0, year / 100);
            digits(&mut date, 2, year % 100);
            digits(&mut date, 5, month);
            digits(&mut date, 8, day_of_month);
            self.day = day;
            self.date = date;
        }
        if offset_seconds % 60 != 0 {
            crate::json::write(out, &local_dt(offset, unix));
            return;
        }
        let seconds = local.rem_euclid(86_400);
        // `"2024-07-01T00:05:00+02:00"`, filled in place and appended whole.
        let mut text = *b"\"0000-00-00T00:00:00+00:00\"";
        text[1..11].copy_from_slice(&self.date);
        digits(&mut text, 12, seconds / 3600);
        digits(&mut text, 15, seconds / 60 % 60);
        digits(&mut text, 18, seconds % 60);
        if offset_seconds < 0 {
            text[20] = b'-';
        }
        let minutes = offset_seconds.abs() / 60;
        digits(&mut text, 21, minutes / 60);
        digits(&mut text, 24, minutes % 60);
        out.extend_from_slice(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::Rng;

    /// The text the documents' writer makes of the instant (chrono's, `+00:00` for UTC).
    fn chrono_text(unix: i64, offset: FixedOffset) -> String {
        String::from_utf8(crate::json::to_vec(&local_dt(offset, unix), 40)).expect("UTF-8")
    }

    fn ours(unix: i64, offset: FixedOffset) -> String {
        let mut out = Vec::new();
        Timestamps::default().write_quoted(&mut out, unix, offset);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn the_text_is_chronos_for_every_instant_and_offset() {
        let offsets: Vec<FixedOffset> = [-43_200, -34_200, -18_000, -1_800, 0, 3_600, 19_800, 20_700, 50_400]
            .into_iter()
            .map(|s| FixedOffset::east_opt(s).expect("offset"))
            .collect();
        // Every 5-minute mark for a few years around leap days and the turn of centuries,
        // then random instants over the years chrono writes with four digits.
        let mut checked = 0;
        for start in [951_782_400, 1_709_164_800, 4_107_542_400] {
            // One writer for a run of instants, as a page uses it: the date's text is reused
            // while the day lasts, under one offset, then under changing ones.
            let mut shared = Timestamps::default();
            for step in 0..(3 * 366 * 288) {
                let unix = start - 366 * 86_400 + step * 300;
                let offset = if step < 366 * 288 {
                    offsets[(start % 9) as usize]
                } else {
                    offsets[(step % offsets.len() as i64) as usize]
                };
                let mut out = Vec::new();
                shared.write_quoted(&mut out, unix, offset);
                let text = String::from_utf8(out).expect("UTF-8");
                assert_eq!(text, chrono_text(unix, offset), "{unix} at {offset}");
                assert_eq!(ours(unix, offset), text);
                checked += 1;
            }
        }
        let mut rng = Rng::new(&[42]);
        for _ in 0..200_000 {
            let unix = rng.int(-62_135_596_800, 253_402_300_799);
            let offset = offsets[rng.int(0, offsets.len() as i64 - 1) as usize];
            assert_eq!(ours(unix, offset), chrono_text(unix, offset), "{unix} at {offset}");
            checked += 1;
        }
        assert!(checked > 1_000_000);
    }

    #[test]
    fn shapes_it_does_not_write_are_chronos() {
        let odd = FixedOffset::east_opt(3_661).expect("offset");
        assert_eq!(ours(1_700_000_000, odd), chrono_text(1_700_000_000, odd));
        let utc = FixedOffset::east_opt(0).expect("offset");
        // Year 10000 and year -1.
        for unix in [253_402_300_800, -62_198_755_200] {
            assert_eq!(ours(unix, utc), chrono_text(unix, utc), "{unix}");
        }
        assert_eq!(ours(0, utc), "\"1970-01-01T00:00:00+00:00\"");
        assert_eq!(ours(253_402_300_800, utc), "\"+10000-01-01T00:00:00+00:00\"");
        let west = FixedOffset::west_opt(19_800).expect("offset");
        assert_eq!(ours(0, west), "\"1969-12-31T18:30:00-05:30\"");
    }
}
