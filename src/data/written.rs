//! Writing many values of one column into a byte buffer, byte for byte as
//! [`ValueFormat::try_write`] writes them, without its per-value cost: a column's format is
//! prepared once (a datetime pattern parsed once, not for every cell) and the common cases are
//! written straight into the buffer, without a `String` per value: integers, decimals (exact
//! integer arithmetic on the binary value, as Rust's `{:.N}` rounds it), and the ISO patterns
//! `%Y-%m-%d` and `%Y-%m-%d %H:%M:%S` (digits by hand). Anything else goes to chrono or to
//! `try_write` itself.

use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};

use super::Value;
use super::types::{ValueFormat, cannot_apply, instant, write_datetime, writing_pattern};

/// A column's [`ValueFormat`], prepared to write many values.
#[derive(Debug, Clone)]
pub struct ValueWriter {
    format: ValueFormat,
    how: How,
}

/// The way numbers and flags are written (labels and nulls are the same for every format).
#[derive(Debug, Clone)]
enum How {
    Integer,
    Decimal {
        min_places: usize,
        max_places: usize,
    },
    Datetime(DatetimeWriter),
    /// As [`ValueFormat::try_write`] writes it.
    Other,
}

impl ValueWriter {
    /// Prepares `format` (parses a datetime pattern).
    pub fn new(format: &ValueFormat) -> ValueWriter {
        let how = match format {
            ValueFormat::Integer => How::Integer,
            ValueFormat::Decimal {
                min_places,
                max_places,
            } => How::Decimal {
                min_places: *min_places,
                max_places: *max_places,
            },
            ValueFormat::Datetime {
                pattern,
                offset,
                upper,
                ..
            } => How::Datetime(DatetimeWriter::new(pattern, *offset, *upper)),
            _ => How::Other,
        };
        ValueWriter {
            format: format.clone(),
            how,
        }
    }

    /// Appends `value` to `out` as [`ValueFormat::try_write`] writes it (unquoted), or says why
    /// it cannot (then `out` is as it was); says whether the text is [`Written::Plain`].
    pub fn write(&self, value: &Value, out: &mut Vec<u8>) -> Result<Written, String> {
        match (value, &self.how) {
            (Value::Null, _) => Ok(Written::Plain),
            (Value::Label(label), _) => {
                out.extend_from_slice(label.as_bytes());
                Ok(Written::Text)
            }
            (Value::Flag(flag), _) => match &self.format {
                ValueFormat::Boolean { yes, no } => {
                    out.extend_from_slice(if *flag { yes } else { no }.as_bytes());
                    Ok(Written::Text)
                }
                _ => self.fallback(value, out),
            },
            (Value::Number(x), How::Integer) => {
                let rounded = x.round();
                if rounded.abs() < 9.0e18 {
                    out.extend_from_slice(itoa::Buffer::new().format(rounded as i64).as_bytes());
                    Ok(Written::Plain)
                } else {
                    self.fallback(value, out)
                }
            }
            (
                Value::Number(x),
                How::Decimal {
                    min_places,
                    max_places,
                },
            ) => {
                if decimal(*x, *min_places, *max_places, out) {
                    Ok(Written::Plain)
                } else {
                    self.fallback(value, out)
                }
            }
            (Value::Number(x), How::Datetime(datetime)) => datetime.write(*x, out),
            (Value::Number(_), How::Other) => self.fallback(value, out),
        }
    }

    fn fallback(&self, value: &Value, out: &mut Vec<u8>) -> Result<Written, String> {
        out.extend_from_slice(self.format.try_write(value)?.as_bytes());
        Ok(Written::Text)
    }
}

/// What [`ValueWriter::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Digits, signs, points, dashes, colons and spaces only (a number, an ISO date, or
    /// nothing): a CSV writer need not look for bytes to quote.
    Plain,
    /// Any text.
    Text,
}

/// A datetime pattern parsed once, with the offset values are written in.
#[derive(Debug, Clone)]
struct DatetimeWriter {
    pattern: String,
    offset: Option<i32>,
    /// Month and day names in capitals ([`ValueFormat::Datetime`]).
    upper: bool,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    /// `%Y-%m-%d`.
    Date,
    /// `%Y-%m-%d %H:%M:%S`.
    DateTime,
    /// Any other pattern chrono reads.
    Items(Vec<Item<'static>>),
    /// A pattern chrono does not read (every value fails as `write_datetime` fails).
    Unread,
}

impl DatetimeWriter {
    fn new(pattern: &str, offset: Option<i32>, upper: bool) -> DatetimeWriter {
        let shape = match pattern {
            "%Y-%m-%d" => Shape::Date,
            "%Y-%m-%d %H:%M:%S" => Shape::DateTime,
            _ => StrftimeItems::new(&writing_pattern(pattern, offset))
                .parse_to_owned()
                .map_or(Shape::Unread, Shape::Items),
        };
        DatetimeWriter {
            pattern: pattern.to_string(),
            offset,
            upper,
            shape,
        }
    }

    fn write(&self, seconds: f64, out: &mut Vec<u8>) -> Result<Written, String> {
        match &self.shape {
            Shape::Date if iso(seconds, self.offset, false, out) => Ok(Written::Plain),
            Shape::DateTime if iso(seconds, self.offset, true, out) => Ok(Written::Plain),
            Shape::Items(items) => {
                let moment = instant(seconds, self.offset)?;
                let start = out.len();
                let written = write!(Bytes(out), "{}", moment.format_with_items(items.iter()));
                if written.is_err() {
                    out.truncate(start);
                    return Err(cannot_apply(&self.pattern));
                }
                if self.upper {
                    out[start..].make_ascii_uppercase();
                }
                Ok(Written::Text)
            }
            _ => {
                let text = write_datetime(seconds, &self.pattern, self.offset)?;
                match self.upper {
                    true => out.extend_from_slice(text.to_ascii_uppercase().as_bytes()),
                    false => out.extend_from_slice(text.as_bytes()),
                }
                Ok(Written::Text)
            }
        }
    }
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// Writes `2024-03-01` (or, `with_time`, `2024-03-01 12:30:00`) for the instant `seconds` seen
/// in `offset`, as chrono writes it with `%Y-%m-%d` (`%H:%M:%S`); false (nothing written) when
/// the value is not a finite instant of the years 0 to 9999 or the offset is not one chrono
/// takes: chrono then writes it, or says why not.
fn iso(seconds: f64, offset: Option<i32>, with_time: bool, out: &mut Vec<u8>) -> bool {
    let whole = super::floor(seconds);
    let offset = offset.unwrap_or(0);
    // NaN is not in the range either.
    if !(-3e11..3e11).contains(&whole) || offset.abs() >= 86_400 {
        return false;
    }
    let local = whole as i64 + i64::from(offset);
    let mut text = *b"0000-00-00 00:00:00";
    let Some(date) = date_text(local.div_euclid(86_400)) else {
        return false;
    };
    text[..10].copy_from_slice(&date);
    if !with_time {
        out.extend_from_slice(&text[..10]);
        return true;
    }
    let second = local.rem_euclid(86_400) as u32;
    put_pair(&mut text, 11, second / 3600);
    put_pair(&mut text, 14, second / 60 % 60);
    put_pair(&mut text, 17, second % 60);
    out.extend_from_slice(&text);
    true
}

/// The first day [`DATES`] holds (1900-01-01), in days after 1970-01-01.
const FIRST_DAY: i64 = -25_567;

/// Days [`DATES`] holds: to 2099-12-31.
const DAYS: usize = 73_049;

/// `2024-03-01` for every day of the years 1900 to 2099, made on first use (700 KiB): a date
/// of those years is copied, not worked out (a third of the time of writing `lineitem`'s three
/// dates, millions of them).
static DATES: std::sync::OnceLock<Box<[[u8; 10]]>> = std::sync::OnceLock::new();

/// The text of the date `days` after 1970-01-01; `None` outside the years 0 to 9999.
fn date_text(days: i64) -> Option<[u8; 10]> {
    let dates = DATES.get_or_init(|| {
        (0..DAYS as i64)
            .filter_map(|at| worked_out(FIRST_DAY + at))
            .collect()
    });
    let held = usize::try_from(days - FIRST_DAY)
        .ok()
        .and_then(|at| dates.get(at));
    held.copied().or_else(|| worked_out(days))
}

/// [`date_text`] worked out from the day number.
fn worked_out(days: i64) -> Option<[u8; 10]> {
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut text = *b"0000-00-00 00:00:00";
    // The year is 0 to 9999, the month and day below 100: unsigned, in pairs.
    let year = year as u32;
    put_pair(&mut text, 0, year / 100);
    put_pair(&mut text, 2, year % 100);
    put_pair(&mut text, 5, month as u32);
    put_pair(&mut text, 8, day as u32);
    let mut date = [0; 10];
    date.copy_from_slice(&text[..10]);
    Some(date)
}

/// Writes the two digits of `value` (below 100) at `at`.
fn put_pair(text: &mut [u8; 19], at: usize, value: u32) {
    text[at] = b'0' + (value / 10) as u8;
    text[at + 1] = b'0' + (value % 10) as u8;
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let of_era = days.rem_euclid(146_097);
    let year_of_era = (of_era - of_era / 1460 + of_era / 36_524 - of_era / 146_096) / 365;
    let of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * of_year + 2) / 153;
    let day = of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes `x` as `write_decimal` does (Rust's `{:.max_places$}`: the exact binary value
/// rounded half to even, trailing zeros trimmed down to `min_places`, no sign on zero) with
/// integer arithmetic; false (nothing written) when `x` is not finite, is 2^65 or more,
/// `max_places` is above 18, or the places would show the noise of its binary value
/// (`write_decimal` then writes its shortest form).
fn decimal(x: f64, min_places: usize, max_places: usize, out: &mut Vec<u8>) -> bool {
    if !x.is_finite() || max_places > 18 || super::types::shows_noise(x, max_places) {
        return false;
    }
    let bits = x.to_bits();
    let negative = bits >> 63 == 1;
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // x = mantissa * 2^exponent, mantissa < 2^53.
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    };
    let Some(units) = units(mantissa, exponent, max_places) else {
        return false;
    };
    if negative && units != 0 {
        out.push(b'-');
    }
    let scale = 10u128.pow(max_places as u32);
    // In 64 bits when it fits (nearly always): 128-bit division is a slow library call, and
    // so is writing a 128-bit number.
    let mut fraction = match (u64::try_from(units), u64::try_from(scale)) {
        (Ok(units), Ok(scale)) => {
            out.extend_from_slice(itoa::Buffer::new().format(units / scale).as_bytes());
            units % scale
        }
        // scale <= 10^18 < 2^64, so the fraction fits.
        _ => {
            out.extend_from_slice(itoa::Buffer::new().format(units / scale).as_bytes());
            (units % scale) as u64
        }
    };
    let mut places = [0u8; 18];
    for place in places[..max_places].iter_mut().rev() {
        *place = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    let mut kept = max_places;
    while kept > min_places && places[kept - 1] == b'0' {
        kept -= 1;
    }
    if kept > 0 {
        out.push(b'.');
        out.extend_from_slice(&places[..kept]);
    }
    true
}

/// `mantissa * 2^exponent` (`mantissa` below 2^53) in units of 10^-`places`, rounded half to
/// even; `None` from 2^65 on. In 64 bits when `places` is 3 or fewer and the value below 2^52
/// (prices, rates, quantities: nearly every decimal written), else in 128.
fn units(mantissa: u64, exponent: i32, places: usize) -> Option<u128> {
    if places <= 3 && exponent < 0 {
        // Below 2^53 * 10^3 < 2^63: no overflow.
        let scaled = mantissa * 10u64.pow(places as u32);
        let shift = exponent.unsigned_abs();
        if shift >= 64 {
            return Some(0); // below half a unit: scaled < 2^63 <= 2^(shift - 1)
        }
        let whole = scaled >> shift;
        let rest = scaled & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        return Some(u128::from(
            whole + u64::from(rest > half || (rest == half && whole & 1 == 1)),
        ));
    }
    // Below 2^53 * 10^18 < 2^113: no overflow.
    let scaled = u128::from(mantissa) * 10u128.pow(places as u32);
    if exponent >= 0 {
        return (exponent <= 11).then(|| scaled << exponent);
    }
    let shift = exponent.unsigned_abs();
    if shift > 120 {
        return Some(0); // below half a unit: scaled < 2^113 <= 2^(shift - 1)
    }
    let whole = scaled >> shift;
    let rest = scaled & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    Some(whole + u128::from(rest > half || (rest == half && whole & 1 == 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A small seeded generator (splitmix64), for values spread over many magnitudes.
    struct Numbers(u64);

    impl Numbers {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [low, high).
        fn between(&mut self, low: f64, high: f64) -> f64 {
            low + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (high - low)
        }
    }

    /// `ValueWriter` gives what `try_write` gives: the same bytes, or the same error.
    fn same(format: &ValueFormat, value: &Value) {
        let writer = ValueWriter::new(format);
        let mut out = b"before".to_vec();
        let written = writer.write(value, &mut out).map(|written| {
            let text = String::from_utf8(out[6..].to_vec()).expect("UTF-8");
            if written == Written::Plain {
                assert!(
                    text.bytes()
                        .all(|b| b.is_ascii_digit() || b"+-.: ".contains(&b)),
                    "{format:?} {value:?}: `{text}` is not plain"
                );
            }
            text
        });
        if written.is_err() {
            assert_eq!(out, b"before", "{format:?} {value:?}: left bytes behind");
        }
        assert_eq!(written, format.try_write(value), "{format:?} {value:?}");
    }

    fn datetime(pattern: &str, offset: Option<i32>) -> ValueFormat {
        ValueFormat::Datetime {
            pattern: pattern.to_string(),
            date_only: false,
            offset,
            upper: pattern.contains("%b"),
        }
    }

    #[test]
    fn datetimes_are_written_as_chrono_writes_them() {
        let patterns = [
            "%Y-%m-%d",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f%:z",
            "%d/%m/%Y %H:%M",
            "%b %e, %Y",
            "%H:%M:%S%.3f",
            "%Y-%m-%d %Q", // not a pattern chrono reads
        ];
        let offsets = [
            None,
            Some(0),
            Some(3600),
            Some(-19_800),
            Some(86_399),
            Some(86_400),
        ];
        // Years 0 and 9999 end and begin at these instants (UTC).
        let edges = [
            0.0,
            -0.0,
            -1.0,
            -0.5,
            86_399.999_999_9,
            951_782_400.0, // 2000-02-29
            -62_167_219_200.0,
            -62_167_219_200.5,
            -62_167_219_201.0,
            253_402_300_799.0,
            253_402_300_799.9,
            253_402_300_800.0,
            -1e11,
            1e11,
            1e20,
            -1e20,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut numbers = Numbers(7);
        let random: Vec<f64> = (0..4000)
            .map(|i| match i % 4 {
                0 => numbers.between(-7e10, 2.6e11),
                1 => numbers.between(-3e9, 3e9).floor(),
                2 => numbers.between(-1e6, 1e6),
                _ => numbers.between(0.0, 2e9).floor() + 0.999_999_999_7,
            })
            .collect();
        for pattern in patterns {
            for offset in offsets {
                let format = datetime(pattern, offset);
                for &seconds in edges.iter().chain(&random) {
                    same(&format, &Value::Number(seconds));
                }
            }
        }
    }

    #[test]
    fn iso_dates_are_written_by_hand_for_every_day_of_ten_thousand_years() {
        let mut out = Vec::new();
        for (with_time, pattern) in [(false, "%Y-%m-%d"), (true, "%Y-%m-%d %H:%M:%S")] {
            // Every day from year 0 to 9999, at a time of day that moves through the day.
            let mut day = -719_528_i64;
            while day < 2_932_897 {
                let seconds = (day * 86_400 + (day * 7919).rem_euclid(86_400)) as f64;
                out.clear();
                assert!(iso(seconds, None, with_time, &mut out), "{seconds}");
                assert_eq!(
                    out,
                    write_datetime(seconds, pattern, None).unwrap().as_bytes(),
                    "{seconds}"
                );
                day += 1;
            }
        }
    }

    #[test]
    fn the_dates_held_are_those_worked_out_and_end_where_they_should() {
        let first = FIRST_DAY;
        let last = FIRST_DAY + DAYS as i64 - 1;
        assert_eq!(&worked_out(first).unwrap(), b"1900-01-01");
        assert_eq!(&worked_out(last).unwrap(), b"2099-12-31");
        for days in [first - 1, first, 0, 19_000, last, last + 1] {
            assert_eq!(date_text(days), worked_out(days), "{days}");
        }
        assert_eq!(date_text(-719_529), None, "the day before year 0");
    }

    #[test]
    fn decimals_are_written_as_format_writes_them() {
        let mut numbers = Numbers(11);
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            -0.125,
            0.0625,
            1e-7,
            -1e-7,
            5e-324,
            -5e-324,
            1e15,
            1e17,
            123_456_789_012_345.67,
            9_007_199_254_740_993.0,
            1.8e19,
            3.6e19,
            2f64.powi(63),
            2f64.powi(64),
            1e300,
            -1e300,
            0.1,
            0.2,
            0.3,
            33_849.63,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        for i in 0..6000 {
            let magnitude = 10f64.powi((i % 24) - 9);
            let x = numbers.between(-1.0, 1.0) * magnitude;
            values.push(x);
            // Values on exact ties of two, three, four places.
            values.push((x * 1000.0).round() / 1000.0 + 0.0005);
            values.push((numbers.next() % 4096) as f64 / 256.0 - 8.0);
            // Prices in cents, as the data holds them.
            values.push((numbers.next() % 10_000_000) as f64 / 100.0);
        }
        for max_places in [0, 1, 2, 3, 4, 6, 9, 15, 17, 18, 19, 25] {
            for min_places in [0, 1, 2, max_places] {
                let format = ValueFormat::Decimal {
                    min_places: min_places.min(max_places),
                    max_places,
                };
                for &x in &values {
                    same(&format, &Value::Number(x));
                }
            }
        }
    }

    #[test]
    fn integers_flags_labels_and_the_rest_are_written_as_try_write_writes_them() {
        let formats = [
            ValueFormat::Integer,
            ValueFormat::Decimal {
                min_places: 0,
                max_places: 2,
            },
            ValueFormat::Scientific {
                places: 3,
                exponent_digits: 2,
                upper: false,
                plus: true,
            },
            datetime("%Y-%m-%d", None),
            ValueFormat::Boolean {
                yes: "Yes".into(),
                no: "No".into(),
            },
            ValueFormat::Verbatim,
        ];
        let values = [
            Value::Null,
            Value::Flag(true),
            Value::Flag(false),
            Value::Label(Arc::from("a, \"quoted\"\nlabel")),
            Value::Label(Arc::from("")),
            Value::Number(2.5),
            Value::Number(-2.5),
            Value::Number(-0.4),
            Value::Number(8.99e18),
            Value::Number(-9.1e18),
            Value::Number(1e300),
            Value::Number(f64::NAN),
            Value::Number(f64::INFINITY),
            Value::Number(1_700_000_000.0),
        ];
        for format in &formats {
            for value in &values {
                same(format, value);
            }
        }
    }
}
