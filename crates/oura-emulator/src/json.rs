//! JSON text as the routes send it: `serde_json`'s compact text, written faster where the
//! emulator's data is dense. Most numbers it sends carry at most one decimal (MET values,
//! heart rates, durations); [`Floats`] writes those digit by digit, the bytes `serde_json`
//! itself writes, and leaves every other number to `serde_json`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// `serde_json`'s compact formatter, with floats of at most one decimal written directly.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Floats;

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

impl Formatter for Floats {
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
}

/// The JSON text of `value` (what `serde_json::to_vec` writes), into a buffer of `capacity`.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Floats);
    if value.serialize(&mut serializer).is_err() {
        // The models hold no map with non-string keys: this does not happen; an empty body
        // would show it.
        out.clear();
    }
    out
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
