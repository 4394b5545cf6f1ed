//! JSON text as the routes send it: `serde_json`'s compact text, written faster where the
//! emulator's data is dense, and with instants in UTC written as Oura writes them.
//!
//! - Most numbers it sends carry at most one decimal (MET values, heart rates, durations);
//!   [`OuraFormatter`] writes those digit by digit, the bytes `serde_json` itself writes, and leaves
//!   every other number to `serde_json`.
//! - chrono writes an instant at offset zero with `Z`; the live API writes `+00:00` in its
//!   documents (every such instant of the recorded answers: heart rate, daily sleep and
//!   readiness, workouts, rest mode, ring configuration). [`OuraFormatter`] writes a string that is an
//!   RFC 3339 instant ending in `Z` with `+00:00` instead. Webhook subscriptions, whose
//!   `expiration_time` the live API writes with `Z`, are not written through it.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

/// `serde_json`'s compact formatter, with floats of at most one decimal written directly and
/// UTC instants written with `+00:00`.
#[derive(Debug, Default)]
pub(crate) struct OuraFormatter {
    /// The string being written, held until its end shows whether it is a UTC instant.
    string: Vec<u8>,
    /// A string is being held (none of its characters needed an escape so far).
    holding: bool,
}

/// The tenths of `value` when `value` is the float nearest to a number of tenths and lies in
/// `[0.1, 1e9)` in magnitude: its shortest text is then those tenths with one decimal.
fn tenths(value: f64) -> Option<u64> {
    let magnitude = value.abs();
    if !(0.1..1e9).contains(&magnitude) {
        return None;
    }
    // A guess, checked: the division is exact to the nearest float, as `round_to` computes.
    let tenths = (magnitude * 10.0 + 0.5) as u64;
    (tenths as f64 / 10.0 == magnitude).then_some(tenths)
}

/// Where the `Z` of `text` is, when `text` is an instant as chrono writes one in UTC:
/// `[+-]YYYY[Y...]-MM-DDTHH:MM:SS[.f...]Z`.
fn utc_z(text: &[u8]) -> Option<usize> {
    let digits = |bytes: &[u8]| !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    let (&last, body) = text.split_last()?;
    if last != b'Z' {
        return None;
    }
    let body = body
        .strip_prefix(b"+")
        .or_else(|| body.strip_prefix(b"-"))
        .unwrap_or(body);
    let year_end = body.iter().position(|&b| b == b'-')?;
    let (year, rest) = body.split_at(year_end);
    // `-MM-DDTHH:MM:SS`, then an optional fraction.
    let (fixed, fraction) = rest.split_at_checked(15)?;
    let shape = |i: usize, b: u8| match i {
        0 | 3 => b == b'-',
        6 => b == b'T',
        9 | 12 => b == b':',
        _ => b.is_ascii_digit(),
    };
    let plain = year.len() >= 4
        && digits(year)
        && fixed.iter().enumerate().all(|(i, &b)| shape(i, b))
        && (fraction.is_empty() || fraction.strip_prefix(b".").is_some_and(digits));
    plain.then_some(text.len() - 1)
}

impl Formatter for OuraFormatter {
    fn write_f64<W>(&mut self, writer: &mut W, value: f64) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        let Some(tenths) = tenths(value) else {
            return CompactFormatter.write_f64(writer, value);
        };
        // Most values are below ten: three bytes (four with a sign) of known length.
        if tenths < 100 {
            let (whole, tenth) = (b'0' + (tenths / 10) as u8, b'0' + (tenths % 10) as u8);
            return if value < 0.0 {
                writer.write_all(&[b'-', whole, b'.', tenth])
            } else {
                writer.write_all(&[whole, b'.', tenth])
            };
        }
        // `-999999999.9` at most.
        let mut text = [0u8; 16];
        let mut at = text.len();
        at -= 1;
        text[at] = b'0' + (tenths % 10) as u8;
        at -= 1;
        text[at] = b'.';
        let mut whole = tenths / 10;
        loop {
            at -= 1;
            text[at] = b'0' + (whole % 10) as u8;
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        if value < 0.0 {
            at -= 1;
            text[at] = b'-';
        }
        writer.write_all(&text[at..])
    }

    fn begin_string<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        self.string.clear();
        self.holding = true;
        writer.write_all(b"\"")
    }

    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        if self.holding {
            self.string.extend_from_slice(fragment.as_bytes());
            Ok(())
        } else {
            writer.write_all(fragment.as_bytes())
        }
    }

    fn write_char_escape<W>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        // No instant holds an escape: what was held is written as it is.
        if std::mem::take(&mut self.holding) {
            writer.write_all(&self.string)?;
        }
        CompactFormatter.write_char_escape(writer, escape)
    }

    fn end_string<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + Write,
    {
        if std::mem::take(&mut self.holding) {
            match utc_z(&self.string) {
                Some(z) => {
                    writer.write_all(&self.string[..z])?;
                    writer.write_all(b"+00:00")?;
                }
                None => writer.write_all(&self.string)?,
            }
        }
        writer.write_all(b"\"")
    }
}

/// The JSON text of `value` (what `serde_json::to_vec` writes, but for UTC instants: `+00:00`),
/// into a buffer of `capacity`.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    write(&mut out, value);
    out
}

/// Appends the JSON text of `value`, as [`to_vec`] makes it.
pub(crate) fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let start = out.len();
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, OuraFormatter::default());
    if value.serialize(&mut serializer).is_err() {
        // The models hold no map with non-string keys: this does not happen; nothing written
        // would show it.
        out.truncate(start);
    }
}

/// Appends an integer's decimal text.
pub(crate) fn write_int(out: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// Appends a JSON string; text that needs escapes goes through `serde_json`.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        let _ = serde_json::to_writer(&mut *out, text);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::Rng;

    fn ours(value: f64) -> String {
        String::from_utf8(to_vec(&value, 32)).expect("UTF-8")
    }

    #[test]
    fn floats_are_the_text_serde_json_writes() {
        let mut direct = 0;
        // Every number of tenths up to 2,000,000 (both signs), as `round_to(x, 1)` makes them.
        for k in 0..2_000_000u32 {
            for value in [f64::from(k) / 10.0, -f64::from(k) / 10.0] {
                assert_eq!(ours(value), serde_json::to_string(&value).expect("JSON"), "{value}");
                direct += usize::from(tenths(value).is_some());
            }
        }
        // Random tenths up to the limit and beyond, numbers of more decimals, tiny and huge
        // numbers, and the edges.
        let mut rng = Rng::new(&[7]);
        for _ in 0..500_000 {
            let k = rng.int(0, 20_000_000_000) as f64;
            let digits = rng.int(0, 4);
            let scale = 10f64.powi(digits as i32);
            for value in [k / 10.0, (k / scale * 1e-3), k * 1e6, rng.range(-1e3, 1e3), -k / scale] {
                assert_eq!(ours(value), serde_json::to_string(&value).expect("JSON"), "{value}");
            }
        }
        for value in [
            0.0,
            -0.0,
            0.1,
            0.09999999999999999,
            0.30000000000000004,
            1e9,
            999_999_999.9,
            -999_999_999.9,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
            55.0,
            1.15,
            2.675,
        ] {
            assert_eq!(ours(value), serde_json::to_string(&value).expect("JSON"), "{value}");
        }
        assert!(direct > 3_900_000, "{direct} written directly");
    }

    #[test]
    fn utc_instants_are_written_with_an_offset_and_nothing_else_changes() {
        use chrono::DateTime;
        let text = |value: &serde_json::Value| String::from_utf8(to_vec(value, 64)).expect("UTF-8");
        let at = |rfc: &str| DateTime::parse_from_rfc3339(rfc).expect("instant");
        // chrono's `Z`, in a model and in a `Value` made of one: `+00:00`, as Oura writes.
        let utc = at("2024-12-13T12:31:21+00:00");
        assert_eq!(serde_json::to_string(&utc).expect("JSON"), "\"2024-12-13T12:31:21Z\"");
        assert_eq!(
            String::from_utf8(to_vec(&utc, 32)).expect("UTF-8"),
            "\"2024-12-13T12:31:21+00:00\""
        );
        let doc = serde_json::json!({"timestamp": utc});
        assert_eq!(text(&doc), r#"{"timestamp":"2024-12-13T12:31:21+00:00"}"#);
        for (from, to) in [
            ("2024-12-13T12:31:21.5Z", "2024-12-13T12:31:21.5+00:00"),
            ("+10000-01-01T00:00:00Z", "+10000-01-01T00:00:00+00:00"),
            (
                "-0001-12-31T23:59:59.123456789Z",
                "-0001-12-31T23:59:59.123456789+00:00",
            ),
        ] {
            assert_eq!(text(&serde_json::json!(from)), format!("\"{to}\""));
        }
        // Other offsets, and strings that only look alike, are written as serde_json writes them.
        for same in [
            "2024-12-13T12:31:21+02:00",
            "2024-12-13T12:31:21-00:00",
            "Z",
            "2024Z",
            "2024-12-13Z",
            "2024-12-13t12:31:21Z",
            "2024-12-13T12:31:21.Z",
            "2024-12-13T12:31Z",
            "024-12-13T12:31:21Z",
            "2024-12-13T12:31:21ZZ",
            "x2024-12-13T12:31:21Z",
            "2024-12-13T12:31:21Z\n",
            "\"2024-12-13T12:31:21Z",
            "é 2024-12-13T12:31:21Z",
        ] {
            let value = serde_json::json!({ same: [same] });
            assert_eq!(text(&value), serde_json::to_string(&value).expect("JSON"), "{same:?}");
        }
        // A key is a string too: one that is an instant is written alike.
        let keyed = serde_json::json!({"2024-12-13T12:31:21Z": 1});
        assert_eq!(text(&keyed), r#"{"2024-12-13T12:31:21+00:00":1}"#);
    }

    #[test]
    fn integers_and_strings_are_the_text_serde_json_writes() {
        let mut out = Vec::new();
        for value in [0, -1, 9, 10, 1_719_792_000_000, i64::MAX, i64::MIN] {
            out.clear();
            write_int(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).expect("JSON"));
        }
        for text in ["", "awake", "a\"b", "back\\slash", "line\nbreak", "\u{1}", "é ✓"] {
            out.clear();
            write_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).expect("JSON"), "{text:?}");
        }
    }
}
