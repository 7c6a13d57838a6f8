//! Column types: inferring them from text, parsing values, and writing values back as the input
//! wrote them (integers as integers, decimals at their precision, dates in their format,
//! booleans with their spelling).

use std::collections::HashMap;
use std::hash::BuildHasher as _;

use crate::stats::{FastMap, FastSet};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

use super::{Column, TextColumn, Value, fingerprint};
use crate::error::{Problem, printable};
use crate::schema::{ColumnKind, TableDef};

/// How the values of a column are written in the CSV.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ValueFormat {
    /// Whole numbers.
    Integer,
    /// Decimal numbers: at most `max_places` digits after the point, trailing zeros trimmed down
    /// to `min_places` (so `10.0` stays `10.0` and `3.25` stays `3.25`).
    Decimal {
        min_places: usize,
        max_places: usize,
    },
    /// Numbers in scientific notation (`1.234e-07`): `places` digits after the mantissa's
    /// point, the exponent zero-padded to `exponent_digits`, written with `E` when `upper`,
    /// and with `+` before positive exponents when `plus`.
    Scientific {
        places: usize,
        exponent_digits: usize,
        upper: bool,
        plus: bool,
    },
    /// A chrono pattern; `date_only` when it has no time part. `offset`: for patterns with a
    /// UTC offset (`%z`, `%:z`), the offset values are written in (seconds east of UTC, the
    /// column's most common one); values are instants either way. `upper`: month and day names
    /// written in capitals (`15-JAN-2024`, as Oracle exports dates; chrono writes `Jan`).
    Datetime {
        pattern: String,
        date_only: bool,
        offset: Option<i32>,
        #[serde(default)]
        upper: bool,
    },
    /// The spellings of true and false found in the input.
    Boolean { yes: String, no: String },
    /// Labels written as they are.
    Verbatim,
}

impl ValueFormat {
    /// Whether the format writes a time of day and no date (`%H:%M`, `%I:%M %p`): a typed
    /// output holds it as a time, not as a timestamp on 1970-01-01.
    pub fn is_time_of_day(&self) -> bool {
        let ValueFormat::Datetime {
            pattern,
            date_only: false,
            ..
        } = self
        else {
            return false;
        };
        let specifiers: Vec<char> = pattern
            .split('%')
            .skip(1)
            .filter_map(|rest| {
                let flags = |c: char| c.is_ascii_digit() || "-_.:".contains(c);
                rest.trim_start_matches(flags).chars().next()
            })
            .collect();
        let has = |letters: &str| specifiers.iter().any(|c| letters.contains(*c));
        has("HIkl") && !has("YyCmdebBhjFDUWVGgaAuwsc+x")
    }

    /// Writes a value the way the input wrote values of this column; nulls are empty. A value
    /// the format cannot write (a datetime out of chrono's range) is empty too: see
    /// [`ValueFormat::try_write`] for the error.
    pub fn write(&self, value: &Value) -> String {
        self.try_write(value).unwrap_or_default()
    }

    /// Writes a value as [`ValueFormat::write`] does, or says why it cannot.
    pub fn try_write(&self, value: &Value) -> Result<String, String> {
        Ok(match (self, value) {
            (_, Value::Null) => String::new(),
            (ValueFormat::Integer, Value::Number(x)) => write_integer(*x),
            (
                ValueFormat::Decimal {
                    min_places,
                    max_places,
                },
                Value::Number(x),
            ) => write_decimal(*x, *min_places, *max_places),
            (
                ValueFormat::Scientific {
                    places,
                    exponent_digits,
                    upper,
                    plus,
                },
                Value::Number(x),
            ) => write_scientific(*x, *places, *exponent_digits, *upper, *plus),
            (
                ValueFormat::Datetime {
                    pattern,
                    offset,
                    upper,
                    ..
                },
                Value::Number(x),
            ) => match upper {
                true => write_datetime(*x, pattern, *offset)?.to_ascii_uppercase(),
                false => write_datetime(*x, pattern, *offset)?,
            },
            (ValueFormat::Boolean { yes, no }, Value::Flag(flag)) => {
                if *flag {
                    yes.clone()
                } else {
                    no.clone()
                }
            }
            (_, Value::Label(label)) => label.to_string(),
            (_, Value::Number(x)) => x.to_string(),
            (_, Value::Flag(flag)) => flag.to_string(),
        })
    }
}

/// Integers beyond i64 (up to 1e308) are written with all their digits, not clamped.
fn write_integer(x: f64) -> String {
    let rounded = x.round();
    if rounded.abs() < 9.0e18 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.0}")
    }
}

fn write_scientific(
    x: f64,
    places: usize,
    exponent_digits: usize,
    upper: bool,
    plus: bool,
) -> String {
    let text = format!("{x:.places$e}");
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return text;
    };
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None if plus => ("+", exponent),
        None => ("", exponent),
    };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{digits:0>exponent_digits$}")
}

fn write_decimal(x: f64, min_places: usize, max_places: usize) -> String {
    if let Some(text) = shortest_decimal(x, min_places, max_places) {
        return text;
    }
    let mut text = format!("{x:.max_places$}");
    if let Some(point) = text.find('.') {
        let keep = point + 1 + min_places;
        while text.len() > keep && text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    text
}

/// Whether `x` written with `max_places` places would show more significant digits than a
/// double holds (15), so that the last ones are the noise of its binary value: `23.0156`
/// written with 15 places is `23.015599999999999`.
pub(super) fn shows_noise(x: f64, max_places: usize) -> bool {
    // With `p` places, the 16th digit is reached from 10^(15 - p) up (a table, not a
    // logarithm: this is asked of every decimal written).
    const FROM: [f64; 16] = [
        1e15, 1e14, 1e13, 1e12, 1e11, 1e10, 1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1e0,
    ];
    x.is_finite() && FROM.get(max_places).is_none_or(|&from| x.abs() >= from)
}

/// `x` as the shortest text that reads back as it (`23.0156`), with at least `min_places`
/// places, when [`shows_noise`] and that text has at most `max_places` places: a column of
/// values written by another program's shortest form (`11.5078`, `13.809359999999998`) is
/// written alike. `None` otherwise (the fixed form is then as short).
fn shortest_decimal(x: f64, min_places: usize, max_places: usize) -> Option<String> {
    if !shows_noise(x, max_places) {
        return None;
    }
    let mut text = format!("{x}");
    let places = text.find('.').map_or(0, |point| text.len() - point - 1);
    if places > max_places {
        return None;
    }
    if places < min_places {
        if places == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n('0', min_places - places));
    }
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    Some(text)
}

/// Formats an instant in `offset` (UTC when `None`) with a chrono pattern. Formatting goes
/// through `write!`, so a pattern chrono cannot apply is an error, never a panic.
pub(super) fn write_datetime(
    seconds: f64,
    pattern: &str,
    offset: Option<i32>,
) -> Result<String, String> {
    let moment = instant(seconds, offset)?;
    let mut text = String::new();
    write!(text, "{}", moment.format(&writing_pattern(pattern, offset)))
        .map_err(|_| cannot_apply(pattern))?;
    Ok(text)
}

/// The pattern values are written with in `offset` (seconds east; UTC when `None`): `pattern`,
/// but an offset read in any form (`%#z`) is written as the values write it: an ISO datetime's
/// (`2023-01-11T23:32:54Z` beside `2023-01-07T22:32:04+05:30`) as `Z` in UTC, else with its
/// minutes; PostgreSQL's (`+00`) as hours where it is whole hours.
pub(super) fn writing_pattern(pattern: &str, offset: Option<i32>) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("%#z") {
        return pattern.into();
    }
    let offset = offset.unwrap_or(0);
    let written = match (pattern.contains("T%H"), offset) {
        (true, 0) => "Z",
        (true, _) => "%:z",
        (false, offset) if offset % 3_600 == 0 => "%:::z",
        (false, _) => "%:z",
    };
    pattern.replace("%#z", written).into()
}

/// The instant `seconds` after 1970 (to the nanosecond) seen in `offset` (UTC when `None`).
///
/// An instant that `offset` shows after the end of year 9999 is shown as the last second of
/// 9999 instead, and one shown before year 0 as its first second: ISO readers and databases
/// take only the years 0 to 9999. Real values up to `9999-12-31T23:59:59-12:00`, written in
/// their usual offset `+14:00`, gave `+10000-01-02T01:59:59+14:00`; the orders of a customer
/// given as signed up on 9999-12-30 (a "never" date) were dated `+10000-01-01`. A number no
/// calendar holds (1e20 seconds, NaN) is not an instant: an error. [`super::written`]'s
/// hand-made dates leave such instants to this function.
pub(super) fn instant(seconds: f64, offset: Option<i32>) -> Result<DateTime<FixedOffset>, String> {
    let out_of_range = || format!("{seconds} seconds since 1970 is out of the datetime range");
    let zone = FixedOffset::east_opt(offset.unwrap_or(0))
        .ok_or_else(|| format!("invalid UTC offset of {offset:?} seconds"))?;
    let whole = seconds.floor();
    // To the microsecond, the finest step the seconds of a date of our years hold: a value
    // read as `.123` is held as `.12299990654`, which chrono's `%.3f` cuts to `.122`.
    let nanos = ((seconds - whole) * 1e6).round().clamp(0.0, 999_999.0) as u32 * 1_000;
    if !whole.is_finite() || DateTime::from_timestamp(whole as i64, nanos).is_none() {
        return Err(out_of_range());
    }
    let offset = i64::from(zone.local_minus_utc());
    let shown = whole as i64 + offset;
    let (whole, nanos) = if shown > LAST_SECOND_OF_9999 {
        (LAST_SECOND_OF_9999 - offset, 0)
    } else if shown < FIRST_SECOND_OF_0 {
        (FIRST_SECOND_OF_0 - offset, 0)
    } else {
        (whole as i64, nanos)
    };
    let utc = DateTime::from_timestamp(whole, nanos).ok_or_else(out_of_range)?;
    Ok(utc.with_timezone(&zone))
}

/// 9999-12-31T23:59:59 as seconds since 1970.
const LAST_SECOND_OF_9999: i64 = 253_402_300_799;

/// 0000-01-01T00:00:00 as seconds since 1970.
const FIRST_SECOND_OF_0: i64 = -62_167_219_200;

/// `seconds` held within the years 0 to 9999 (in UTC), as [`instant`] shows it, for formats
/// that store instants as numbers (Parquet): the same data then reads the same in every
/// format. Numbers no calendar holds are left as they are.
pub fn within_years_0_to_9999(seconds: f64) -> f64 {
    if !seconds.is_finite() || DateTime::from_timestamp(seconds.floor() as i64, 0).is_none() {
        return seconds;
    }
    let (first, last) = (FIRST_SECOND_OF_0 as f64, LAST_SECOND_OF_9999 as f64);
    if seconds.floor() > last {
        last
    } else {
        seconds.max(first)
    }
}

/// How finely `pattern` writes seconds: 1 without a fraction of a second, 1e-3 or 1e-6 for
/// a fraction of so many digits, `None` for nanoseconds (finer than the seconds of a date of
/// our years hold) and chrono's `%.f` (as many digits as a value needs): the step a datetime's
/// rules keep it on, so a rule between two instants a few milliseconds apart holds.
pub fn second_step(pattern: &str) -> Option<f64> {
    let digits = |count: &str| {
        pattern.contains(&format!("%.{count}f")) || pattern.contains(&format!("%{count}f"))
    };
    if digits("3") {
        Some(1e-3)
    } else if digits("6") {
        Some(1e-6)
    } else if digits("9") || pattern.contains("%f") || pattern.contains("%.f") {
        None
    } else {
        Some(1.0)
    }
}

/// Why a value could not be written with `pattern`.
pub(super) fn cannot_apply(pattern: &str) -> String {
    format!("the format `{pattern}` cannot be applied")
}

/// Checks a datetime pattern before it is used: every `%` item known to chrono, and a date
/// with a time and an offset can be written with it.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    // A pattern without a date item (`""`, `at noon`) would read no value and write the same
    // text in every row.
    let dated =
        StrftimeItems::new(pattern).any(|item| matches!(item, Item::Numeric(..) | Item::Fixed(..)));
    if !dated {
        return Err(format!(
            "`{pattern}` holds no date or time item (`%Y`, `%m`, `%d`, `%H`, ...): give the \
             pattern the values are written in, e.g. `%Y-%m-%d`"
        ));
    }
    if StrftimeItems::new(pattern).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "`{pattern}` is not a valid chrono strftime pattern (see \
             https://docs.rs/chrono/latest/chrono/format/strftime/)"
        ));
    }
    // Written in an offset where the pattern shows one (`%z`), else as universal time (`%Z`
    // then writes `+00:00`, which reads back as it was written).
    let offset = has_offset(pattern).then_some(3600);
    let written = write_datetime(1_000_000_000.5, pattern, offset)?;
    // `%Y` alone (or `%H`) writes a value that names no date or time of day to read back:
    // every real value would then fail to read.
    let Some(read) = parse_datetime(&written, pattern) else {
        return Err(format!(
            "`{pattern}` cannot read back what it writes (`{written}`): a datetime pattern \
             needs a whole date (`%Y-%m-%d`) or time of day (`%H:%M`); a column of years or \
             hours alone is numerical"
        ));
    };
    // Read back, the value must write the same text: `%I` without `%p` reads the date alone,
    // and every real time of day was lost.
    let rewritten = write_datetime(read, pattern, offset)?;
    if rewritten != written {
        let twelve_hours = ["I", "l"].iter().any(|hour| {
            ["%", "%-", "%_", "%0"]
                .iter()
                .any(|start| pattern.contains(&format!("{start}{hour}")))
        }) && !["%p", "%P"].iter().any(|item| pattern.contains(item));
        let hint = if twelve_hours {
            "an hour of 1 to 12 (`%I`) needs AM or PM (`%p`) to be read; `%H` is 0 to 23"
        } else {
            "give the pattern the values are written in"
        };
        return Err(format!(
            "`{pattern}` reads what it writes (`{written}`) back as `{rewritten}`: {hint}"
        ));
    }
    Ok(())
}

/// Whether a pattern carries a UTC offset (`%z`, `%:z`, `%::z`, `%#z`).
fn has_offset(pattern: &str) -> bool {
    ["%z", "%:z", "%::z", "%:::z", "%#z"]
        .iter()
        .any(|item| pattern.contains(item))
}

/// The offset a value with an offset pattern carries (seconds east of UTC).
fn parse_offset(text: &str, pattern: &str) -> Option<i32> {
    DateTime::parse_from_str(text, pattern)
        .ok()
        .map(|moment| moment.offset().local_minus_utc())
}

/// Date patterns tried in order; the first that reads every value of a column wins.
const DATE_PATTERNS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    // Month names (Oracle's `06-JAN-2024`, reports' `Jan 6, 2024`).
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
];

/// Timestamp patterns tried in order (offsets: `%:z` reads `+02:00`, `%z` reads `+0200`).
const DATETIME_PATTERNS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%:z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    // `Z` beside offsets (`2023-01-11T23:32:54Z`, `2023-01-07T22:32:04+05:30`).
    "%Y-%m-%dT%H:%M:%S%#z",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    // BigQuery's exports (`2024-01-14 01:05:28 UTC`) and PostgreSQL's `timestamptz` text
    // (`2024-01-11 11:23:39+00`, an offset without minutes).
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%d %H:%M:%S%.f UTC",
    "%Y-%m-%d %H:%M:%S%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    // Oracle's dates with a time (`29-AUG-2020 10:21:00`).
    "%d-%b-%Y %H:%M:%S",
    // Twelve-hour clocks (spreadsheets, US systems).
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
    // E-mail and HTTP dates, and ISO 8601's basic form.
    "%a, %d %b %Y %H:%M:%S GMT",
    "%a, %d %b %Y %H:%M:%S %z",
    "%Y%m%dT%H%M%SZ",
    "%Y%m%dT%H%M%S",
    // Times of day: a datetime on 1970-01-01, so output is always a valid time.
    "%H:%M:%S",
    "%H:%M:%S%.f",
    "%H:%M",
    "%I:%M:%S %p",
    "%I:%M %p",
];

/// Spellings read as booleans (compared case-insensitively); `0`/`1` stay numerical.
const BOOLEAN_SPELLINGS: &[(&str, &str)] =
    &[("true", "false"), ("yes", "no"), ("t", "f"), ("y", "n")];

/// Parses one datetime with a pattern, as seconds since the epoch (the instant, for patterns
/// with an offset; a time of day counts from 1970-01-01 00:00).
pub fn parse_datetime(text: &str, pattern: &str) -> Option<f64> {
    if let Some(seconds) = parse_iso(text, pattern) {
        return Some(seconds);
    }
    let utc = if has_offset(pattern) {
        if !offset_style_matches(text, pattern) {
            return None;
        }
        DateTime::parse_from_str(text, pattern).ok()?.to_utc()
    } else {
        parse_naive(text, pattern)?.and_utc()
    };
    Some(utc.timestamp() as f64 + f64::from(utc.timestamp_subsec_nanos()) / 1e9)
}

/// A datetime without an offset: a date at midnight, a time of day on 1970-01-01.
fn parse_naive(text: &str, pattern: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, pattern)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, pattern)
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })
        .or_else(|| {
            NaiveTime::parse_from_str(text, pattern)
                .ok()
                .map(|time| NaiveDate::default().and_time(time))
        })
}

/// The two most common patterns read by hand (chrono re-reads the pattern for every value):
/// `2024-03-01` with `%Y-%m-%d` and `2024-03-01 12:30:00` with `%Y-%m-%d %H:%M:%S`, when the
/// text has exactly that shape; anything else (or an impossible date) is left to chrono, which
/// gives the same answer for these shapes.
fn parse_iso(text: &str, pattern: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes.get(range)?.iter().try_fold(0u32, |number, &byte| {
            byte.is_ascii_digit()
                .then(|| number * 10 + u32::from(byte - b'0'))
        })
    };
    let (date, time) = match (pattern, bytes.len()) {
        ("%Y-%m-%d", 10) => (0..10, None),
        ("%Y-%m-%d %H:%M:%S", 19)
            if bytes[10] == b' ' && bytes[13] == b':' && bytes[16] == b':' =>
        {
            (
                0..10,
                Some((digits(11..13)?, digits(14..16)?, digits(17..19)?)),
            )
        }
        _ => return None,
    };
    if bytes[date.start + 4] != b'-' || bytes[date.start + 7] != b'-' {
        return None;
    }
    let day = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let (hour, minute, second) = time.unwrap_or((0, 0, 0));
    let moment = day.and_hms_opt(hour, minute, second)?.and_utc();
    Some(moment.timestamp() as f64)
}

/// chrono reads `+02:00` and `+0200` with either `%:z` or `%z`; the pattern must be the one
/// that writes the value back as it is.
fn offset_style_matches(text: &str, pattern: &str) -> bool {
    let colon = text.len() > 3 && text.as_bytes()[text.len() - 3] == b':';
    if pattern.ends_with("%:z") {
        colon
    } else if pattern.ends_with("%z") {
        !colon
    } else {
        true
    }
}

fn pattern_is_date_only(pattern: &str) -> bool {
    !["%H", "%M", "%S", "%T", "%I", "%R", "%s"]
        .iter()
        .any(|part| pattern.contains(part))
}

/// A column's non-empty values, read as many times as inference needs: walking the packed
/// cells again costs less than a vector of every value (96 MB for one of TPC-H sf1 `lineitem`'s
/// 6 million-row columns), which kept typing to one column at a time.
pub trait Values<'a>: Iterator<Item = &'a str> + Clone {}

impl<'a, I: Iterator<Item = &'a str> + Clone> Values<'a> for I {}

/// Infers a column's type from its non-empty values, with the format it is written in.
pub fn infer_kind(values: &[&str]) -> (ColumnKind, ValueFormat) {
    infer(values.iter().copied())
}

/// [`infer_kind`] over values read in passes.
fn infer<'a>(values: impl Values<'a>) -> (ColumnKind, ValueFormat) {
    if values.clone().next().is_none() {
        return (ColumnKind::Categorical, ValueFormat::Verbatim);
    }
    if let Some(format) = boolean_format(values.clone()) {
        return (ColumnKind::Boolean, format);
    }
    if compact_dates(values.clone()) {
        return (ColumnKind::Datetime, datetime_format(COMPACT_DATE));
    }
    if let Some(format) = numeric_format(values.clone()) {
        return (ColumnKind::Numerical, format);
    }
    if let Some(pattern) = datetime_pattern(values.clone()) {
        return (ColumnKind::Datetime, datetime_format(&pattern));
    }
    (string_kind(values), ValueFormat::Verbatim)
}

/// Dates written as eight digits, as data warehouses key their days (`20230115`).
const COMPACT_DATE: &str = "%Y%m%d";

/// The years a column of eight digits must keep to for its values to be taken as dates.
const COMPACT_YEARS: std::ops::RangeInclusive<u32> = 1900..=2099;

/// Whether every value is a date of eight digits ([`COMPACT_DATE`]) in [`COMPACT_YEARS`], two
/// of them at least: read as numbers, their copies took any digits (`20230343`). Whole numbers
/// of eight digits that are not dates have a month or a day no calendar has.
fn compact_dates<'a>(values: impl Values<'a>) -> bool {
    let date = |text: &str| {
        let digits = text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit());
        digits
            && text[..4]
                .parse()
                .is_ok_and(|year| COMPACT_YEARS.contains(&year))
            && NaiveDate::parse_from_str(text, COMPACT_DATE).is_ok()
    };
    let mut values = values;
    let Some(first) = values.next() else {
        return false;
    };
    let mut distinct = false;
    date(first)
        && values.all(|text| {
            distinct |= text != first;
            date(text)
        })
        && distinct
}

fn datetime_format(pattern: &str) -> ValueFormat {
    ValueFormat::Datetime {
        pattern: pattern.to_string(),
        date_only: pattern_is_date_only(pattern),
        offset: None,
        upper: false,
    }
}

/// For a pattern with an offset: the column's most common offset (ties: the smallest), in
/// which every value is written back.
fn with_offset<'a>(format: ValueFormat, present: impl Values<'a>) -> ValueFormat {
    let ValueFormat::Datetime {
        pattern,
        date_only,
        upper,
        ..
    } = format
    else {
        return format;
    };
    let offset = has_offset(&pattern).then(|| {
        let mut counts: HashMap<i32, usize> = HashMap::new();
        for text in present {
            if let Some(offset) = parse_offset(text, &pattern) {
                *counts.entry(offset).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|&(offset, count)| (count, std::cmp::Reverse(offset)))
            .map_or(0, |(offset, _)| offset)
    });
    ValueFormat::Datetime {
        pattern,
        date_only,
        offset,
        upper,
    }
}

/// For a pattern with month or day names (`%b`, `%B`, `%h`, `%a`, `%A`): whether the column
/// writes them in capitals (`upper`): some value has a letter and none a lower-case one.
fn with_case<'a>(format: ValueFormat, mut present: impl Values<'a>) -> ValueFormat {
    let ValueFormat::Datetime {
        pattern,
        date_only,
        offset,
        ..
    } = format
    else {
        return format;
    };
    let named = ["%b", "%B", "%h", "%a", "%A"]
        .iter()
        .any(|name| pattern.contains(name));
    let mut letters = false;
    let upper = named
        && present.all(|text| {
            letters |= text.bytes().any(|byte| byte.is_ascii_alphabetic());
            !text.bytes().any(|byte| byte.is_ascii_lowercase())
        })
        && letters;
    ValueFormat::Datetime {
        pattern,
        date_only,
        offset,
        upper,
    }
}

fn boolean_format<'a>(values: impl Values<'a>) -> Option<ValueFormat> {
    // At most two distinct spellings, each at most five bytes ("false"): most columns are
    // ruled out at their first value, without lowercasing millions of them.
    let mut distinct: Vec<String> = Vec::with_capacity(2);
    for value in values.clone() {
        if value.len() > 5 {
            return None;
        }
        if !distinct.iter().any(|seen| seen.eq_ignore_ascii_case(value)) {
            let lower = value.to_lowercase();
            if !distinct.contains(&lower) {
                if distinct.len() == 2 {
                    return None;
                }
                distinct.push(lower);
            }
        }
    }
    let (yes, no) = BOOLEAN_SPELLINGS
        .iter()
        .find(|(yes, no)| distinct.iter().all(|v| v == yes || v == no))?;
    let spelling = |word: &str| {
        values
            .clone()
            .find(|v| v.eq_ignore_ascii_case(word))
            .map_or_else(|| word.to_string(), |v| v.to_string())
    };
    Some(ValueFormat::Boolean {
        yes: spelling(yes),
        no: spelling(no),
    })
}

/// `007` is a code, not the number 7: leading zeros would be lost.
fn has_leading_zero(text: &str) -> bool {
    let digits = text.trim_start_matches(['-', '+']);
    let mut chars = digits.chars();
    chars.next() == Some('0') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

fn parse_number(text: &str) -> Option<f64> {
    if has_leading_zero(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn decimal_places(text: &str) -> Option<usize> {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.find('.').map(|point| mantissa.len() - point - 1)
}

/// The places after the point a plain number needs as a mantissa to keep every digit it has:
/// `55.28` is `5.528e01` (three), `0.0012` is `1.2e-03` (one). A column of cents with one
/// outlier written with an exponent was written `5.52e01` throughout (the cents' two places).
fn mantissa_places(plain: &str) -> usize {
    let digits: String = plain.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').len().saturating_sub(1)
}

/// Numbers written with an exponent keep it: `1.234e-07` is not `0.000`.
fn scientific_format<'a>(values: impl Values<'a>) -> Option<ValueFormat> {
    let exponent = |v: &'a str| v.find(['e', 'E']).map(|at| &v[at + 1..]);
    let first = values.clone().find(|v| exponent(v).is_some())?;
    let digits = |exponent: &str| exponent.trim_start_matches(['+', '-']).len();
    Some(ValueFormat::Scientific {
        places: values
            .clone()
            .map(|v| match exponent(v) {
                Some(_) => decimal_places(v).unwrap_or(0),
                None => mantissa_places(v),
            })
            .max()
            .unwrap_or(0)
            .min(17),
        exponent_digits: values
            .clone()
            .filter_map(exponent)
            .map(digits)
            .min()
            .unwrap_or(1),
        upper: first.contains('E'),
        plus: values
            .filter_map(exponent)
            .any(|exponent| exponent.starts_with('+')),
    })
}

fn numeric_format<'a>(values: impl Values<'a>) -> Option<ValueFormat> {
    if !values.clone().all(|v| parse_number(v).is_some()) {
        return None;
    }
    // Identifiers (hashes, account numbers), not quantities: a 64-bit float would round them,
    // and a typed output's integers cannot hold the longest.
    if values.clone().any(crate::input::is_long_integer) {
        return None;
    }
    if let Some(format) = scientific_format(values.clone()) {
        return Some(format);
    }
    Some(match PlacesCount::of(values.filter_map(decimal_places)) {
        None => ValueFormat::Integer,
        // Written with at most 15 places (what a 64-bit number holds), so no fewer than
        // that either: values of 21 places made a format a model file could not hold.
        Some(places) => {
            let max_places = places.common_most().min(15);
            ValueFormat::Decimal {
                min_places: places.fewest.min(max_places),
                max_places,
            }
        }
    })
}

/// How many values have each number of decimal places (a count per number of places, not a
/// number per value).
struct PlacesCount {
    /// The fewest places of any value.
    fewest: usize,
    /// `counts[p]`: the values with `p` places; the last counts every value with as many or more.
    counts: [usize; Self::BUCKETS],
}

impl PlacesCount {
    /// Places counted apart: more than 15 are written as 15 (see [`numeric_format`]).
    const BUCKETS: usize = 17;

    /// The count of `places`; `None` when there are none (integers).
    fn of(places: impl Iterator<Item = usize>) -> Option<PlacesCount> {
        let mut count = PlacesCount {
            fewest: usize::MAX,
            counts: [0; Self::BUCKETS],
        };
        for places in places {
            count.fewest = count.fewest.min(places);
            count.counts[places.min(Self::BUCKETS - 1)] += 1;
        }
        (count.fewest != usize::MAX).then_some(count)
    }

    /// The most decimal places once the most precise hundredth of the values is set aside: a
    /// few values written with floating-point noise (nycflights `airports.lat`: 5 of 1,458 with
    /// 13 to 15 places, the rest 1 to 8) made every synthetic value 15 places long.
    fn common_most(&self) -> usize {
        let total: usize = self.counts.iter().sum();
        let kept = (total - total / 100).max(1);
        let mut seen = 0;
        for (places, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= kept {
                return places;
            }
        }
        Self::BUCKETS - 1
    }
}

/// The pattern of a column of datetimes: the first known pattern that reads every value, as
/// [`closest_pattern`] refines it.
fn datetime_pattern<'a>(values: impl Values<'a>) -> Option<String> {
    let first = values.clone().next()?;
    let pattern = DATE_PATTERNS
        .iter()
        .chain(DATETIME_PATTERNS)
        .copied()
        .filter(|pattern| parse_datetime(first, pattern).is_some())
        .find(|pattern| values.clone().all(|v| parse_datetime(v, pattern).is_some()))?;
    Some(closest_pattern(pattern, values))
}

/// Values compared when a pattern is refined ([`closest_pattern`]).
const PATTERN_SAMPLE: usize = 256;

/// Fields written with or without a leading zero (`2/9/2024 8:35`); tried together, as a value
/// is written back as it is only once all its fields are.
const UNPADDED: &[(&str, &str)] = &[("%m", "%-m"), ("%d", "%-d"), ("%H", "%-H"), ("%I", "%-I")];

/// Changes tried on a pattern that reads a column (after [`UNPADDED`]), each kept when it
/// writes more of the column's first values back exactly as they are (or in capitals, as
/// [`ValueFormat::Datetime`]'s `upper` writes them): two-digit years (Oracle's `29-AUG-20`,
/// which `%Y` reads as the year 20), am/pm in lower case,
/// fractions of a second in a fixed number of digits (kept on a tie: chrono's `%.f` writes as
/// many as a value needs, up to nine, where the real values had three), and a space before
/// the offset.
const PATTERN_CHANGES: &[(&str, &str)] = &[
    ("%Y", "%y"),
    ("%p", "%P"),
    ("%.f", "%.3f"),
    ("%.f", "%.6f"),
    ("%.f", "%.9f"),
    ("%S%:z", "%S %:z"),
    ("%S%z", "%S %z"),
    ("%S%#z", "%S %#z"),
    ("f%:z", "f %:z"),
    ("f%z", "f %z"),
    ("f%#z", "f %#z"),
];

/// `pattern` changed ([`PATTERN_CHANGES`]) to write the values as they are written: chrono reads
/// `2/9/2024`, `08:35 pm` and `20:21:24 +0000` with `%m/%d/%Y`, `%I:%M %p` and `%H:%M:%S%z`,
/// but writes them `02/09/2024`, `08:35 PM` and `20:21:24+0000`. A change must still read
/// every value.
fn closest_pattern<'a>(pattern: &str, values: impl Values<'a>) -> String {
    let sample: Vec<&str> = values.clone().take(PATTERN_SAMPLE).collect();
    let written_back = |pattern: &str| {
        sample
            .iter()
            .filter(|&&text| {
                rewrite(text, pattern)
                    .is_some_and(|written| written == text || written.to_ascii_uppercase() == text)
            })
            .count()
    };
    let reads_all = |pattern: &str| values.clone().all(|v| parse_datetime(v, pattern).is_some());
    let (mut best, mut score) = (pattern.to_string(), written_back(pattern));
    let fields: Vec<_> = UNPADDED
        .iter()
        .filter(|(from, _)| pattern.contains(from))
        .collect();
    for subset in 1..1u32 << fields.len() {
        let mut changed = pattern.to_string();
        for (bit, (from, to)) in fields.iter().enumerate() {
            if subset & 1 << bit != 0 {
                changed = changed.replace(from, to);
            }
        }
        let changed_score = written_back(&changed);
        if changed_score > score && reads_all(&changed) {
            (best, score) = (changed, changed_score);
        }
    }
    for &(from, to) in PATTERN_CHANGES {
        if !best.contains(from) {
            continue;
        }
        let changed = best.replace(from, to);
        let changed_score = written_back(&changed);
        let better = match from == "%.f" {
            true => changed_score >= score && changed_score > 0,
            false => changed_score > score,
        };
        if better && reads_all(&changed) {
            (best, score) = (changed, changed_score);
        }
    }
    best
}

/// A datetime read with `pattern` and written with it again (in its own offset), exactly as
/// chrono reads it (not through seconds, which hold no more than microseconds).
fn rewrite(text: &str, pattern: &str) -> Option<String> {
    let mut out = String::new();
    let written = if has_offset(pattern) {
        if !offset_style_matches(text, pattern) {
            return None;
        }
        let moment = DateTime::parse_from_str(text, pattern).ok()?;
        let offset = moment.offset().local_minus_utc();
        write!(
            out,
            "{}",
            moment.format(&writing_pattern(pattern, Some(offset)))
        )
    } else {
        let writing = writing_pattern(pattern, None);
        write!(out, "{}", parse_naive(text, pattern)?.format(&writing))
    };
    written.ok().map(|()| out)
}

/// Why no known format reads a declared datetime column: the first value none reads, or the
/// first value the format of the values before it does not read (`2020-01-01` then `soon`).
fn unreadable_dates<'a>(values: impl Values<'a>) -> String {
    let known = || DATE_PATTERNS.iter().chain(DATETIME_PATTERNS).copied();
    let first = values.clone().next().unwrap_or_default();
    let odd = values
        .clone()
        .find(|v| known().all(|pattern| parse_datetime(v, pattern).is_none()));
    let message = match odd {
        Some(value) => format!("no known format reads `{}`", printable(value)),
        None => format!(
            "its values mix formats (`{}` and others); no one known format reads them all",
            printable(first)
        ),
    };
    format!(
        "declared datetime, but {message}: give one with {{type: datetime, format: \"...\"}}, \
         or {{type: categorical}} to keep the values as they are"
    )
}

/// Categorical unless nearly every value is distinct: then an id (codes) or text (words); also
/// text when values of a few words are mostly distinct and many (TPC-H's `p_comment`: 2.5 words,
/// 130,704 distinct in 200,000 rows), which no category list describes.
///
/// Distinct values are counted by a 64-bit hash of each (with a fixed seed, so the count is the
/// same in every run): half the memory of a set of the values, and two of 6 million values share
/// a hash about once in a million tables, a count one short.
fn string_kind<'a>(values: impl Values<'a>) -> ColumnKind {
    let hashes = foldhash::fast::FixedState::with_seed(DISTINCT_SEED);
    let distinct: FastSet<u64> = values.clone().map(|v| hashes.hash_one(v)).collect();
    let (count, words) = values.clone().fold((0usize, 0usize), |(count, words), v| {
        (count + 1, words + v.split_whitespace().count())
    });
    let distinct_share = distinct.len() as f64 / count as f64;
    let mean_words = words as f64 / count as f64;
    let many_phrases = mean_words >= 2.0 && distinct.len() >= MANY_PHRASES;
    if mean_words == 2.0 && are_codes(values, distinct.len()) {
        if distinct_share >= 0.9 && distinct.len() >= 20 {
            ColumnKind::Id
        } else {
            ColumnKind::Categorical
        }
    } else if (mean_words >= 3.0 || many_phrases) && distinct_share > 0.3 {
        ColumnKind::Text
    } else if distinct_share >= 0.9 && distinct.len() >= 20 {
        if mean_words >= 2.0 {
            ColumnKind::Text
        } else {
            ColumnKind::Id
        }
    } else {
        ColumnKind::Categorical
    }
}

/// Whether every value is a code of two words, capital letters then a number (`CS 120`, `SKU
/// 00417`, `ACC 2041-7`), with few distinct first words (at most a quarter of the `distinct`
/// values): a course's code, not a phrase of text, although it has two words.
fn are_codes<'a>(values: impl Values<'a>, distinct: usize) -> bool {
    let mut prefixes: FastSet<&str> = FastSet::default();
    for value in values {
        let mut words = value.split_whitespace();
        let (Some(letters), Some(number), None) = (words.next(), words.next(), words.next()) else {
            return false;
        };
        let capitals = letters.len() <= 8 && letters.bytes().all(|b| b.is_ascii_uppercase());
        let numbered = number.bytes().any(|b| b.is_ascii_digit())
            && number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !(capitals && numbered) {
            return false;
        }
        prefixes.insert(letters);
        if prefixes.len() * 4 > distinct {
            return false;
        }
    }
    true
}

/// Distinct values of two words or more past which a column that is mostly distinct is text.
const MANY_PHRASES: usize = 1_000;

/// The seed of the hash distinct strings are counted by (any fixed number).
const DISTINCT_SEED: u64 = 0x6478_7379_6e74_6800;

/// A label column that is numbers but for a few values (a stray word typed into a numeric
/// column makes the whole column labels): how many values are not numbers, and the row of the
/// first one. At most 5% strays, among at least 10 numbers.
pub fn stray_non_numbers(column: &Column) -> Option<(usize, usize)> {
    if !matches!(
        column.kind,
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
    ) {
        return None;
    }
    let mut numbers = 0;
    let mut strays = Vec::new();
    for (row, value) in column.values.iter().enumerate() {
        if let Value::Label(text) = value {
            if parse_number(text).is_some() {
                numbers += 1;
            } else {
                strays.push(row);
            }
        }
    }
    let first = *strays.first()?;
    (numbers >= 10 && strays.len() * 20 <= numbers + strays.len()).then_some((strays.len(), first))
}

/// Types one column: applies the schema's override or infers, then parses every value.
/// A value the type cannot read is a problem naming its line.
pub(super) fn type_column(
    def: &TableDef,
    name: &str,
    cells: &TextColumn,
    (lines, place): (&[u64], super::RowPlace),
    sample: Option<&[usize]>,
    fingerprints: Option<&[AtomicU64]>,
) -> Result<Column, Problem> {
    let present = cells.iter().flatten();
    let over = def.columns.get(name);
    let (kind, format) = match over.and_then(|over| over.kind().map(|kind| (over, kind))) {
        None => infer(present.clone()),
        Some((over, kind)) => overridden_format(def, name, kind, over.format(), present.clone())?,
    };
    if let Some(semantic) = over.and_then(|over| over.semantic())
        && !is_label(kind)
    {
        // Generators write text: on numbers or dates the type was shown as applied, and the
        // column was generated as if it had none.
        let message = format!(
            "`semantic: {}` says what a text column means, but `{name}` is read as {kind}: \
             remove `semantic`, or add `type: categorical` (or `id`, `text`) to read it as text",
            semantic.name()
        );
        return Err(Problem::column(&def.name, name, "columns", message));
    }
    let format = with_case(with_offset(format, present.clone()), present);
    let in_format = match &format {
        ValueFormat::Datetime { pattern, .. } => format!(" in the format `{pattern}`"),
        _ => String::new(),
    };
    let mut values = Vec::with_capacity(sample.map_or(cells.len(), <[usize]>::len));
    // Every cell is read (and checked); a sample's rows (ascending) are the values kept.
    let mut kept = sample.map(|rows| rows.iter().copied().peekable());
    // A label repeated in many rows is stored once: lineitem's 6 million ship modes are 7.
    let mut labels: FastMap<&str, Arc<str>> = FastMap::default();
    let hasher = fingerprint::ColumnHasher::new(name);
    for (row, (cell, line)) in cells.iter().zip(lines).enumerate() {
        let keep = match &mut kept {
            None => true,
            Some(rows) => rows.next_if_eq(&row).is_some(),
        };
        let fingerprint = fingerprints.and_then(|all| all.get(row));
        let value = match cell {
            None => Value::Null,
            // Any text is a label: a row left out has nothing to check.
            Some(text) if !keep && is_label(kind) => {
                if let Some(fingerprint) = fingerprint {
                    fingerprint::add_shared(fingerprint, hasher.text(text));
                }
                continue;
            }
            Some(text) if is_label(kind) => Value::Label(
                labels
                    .entry(text)
                    .or_insert_with(|| Arc::from(text))
                    .clone(),
            ),
            Some(text) => parse_value(kind, &format, text).ok_or_else(|| {
                Problem::column(
                    &def.name,
                    name,
                    "columns",
                    format!(
                        "{}: `{}` is not a valid {kind} value{in_format}",
                        place.at(*line),
                        printable(text)
                    ),
                )
            })?,
        };
        if let Some(fingerprint) = fingerprint {
            fingerprint::add_shared(fingerprint, hasher.value(&value));
        }
        if keep {
            values.push(value);
        }
    }
    Ok(Column {
        name: name.to_string(),
        kind,
        format,
        values,
    })
}

/// Whether values of `kind` are labels (kept as text).
fn is_label(kind: ColumnKind) -> bool {
    matches!(
        kind,
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
    )
}

fn overridden_format<'a>(
    def: &TableDef,
    name: &str,
    kind: ColumnKind,
    pattern: Option<&str>,
    present: impl Values<'a>,
) -> Result<(ColumnKind, ValueFormat), Problem> {
    let problem = |message: String| Problem::column(&def.name, name, "columns", message);
    let format = match kind {
        // A value that is not a number is reported by `type_column` with its line.
        ColumnKind::Numerical => numeric_format(present).unwrap_or(ValueFormat::Integer),
        ColumnKind::Boolean => boolean_format(present).ok_or_else(|| {
            problem("declared boolean, but the values are not one pair of true/false, yes/no, t/f or y/n".into())
        })?,
        ColumnKind::Datetime => match pattern {
            Some(pattern) => {
                check_pattern(pattern).map_err(|err| problem(format!("`format`: {err}")))?;
                datetime_format(pattern)
            }
            None if present.clone().next().is_none() => datetime_format("%Y-%m-%d"),
            None => datetime_format(
                &datetime_pattern(present.clone())
                    .ok_or_else(|| problem(unreadable_dates(present)))?,
            ),
        },
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text => ValueFormat::Verbatim,
    };
    Ok((kind, format))
}

/// Reads one non-empty cell as a value of `kind` written in `format` (`None`: it is not one).
pub fn parse_value(kind: ColumnKind, format: &ValueFormat, text: &str) -> Option<Value> {
    match (kind, format) {
        (ColumnKind::Numerical, _) => parse_number(text).map(Value::Number),
        (ColumnKind::Datetime, ValueFormat::Datetime { pattern, .. }) => {
            parse_datetime(text, pattern).map(Value::Number)
        }
        (ColumnKind::Boolean, ValueFormat::Boolean { yes, no }) => {
            if text.eq_ignore_ascii_case(yes) {
                Some(Value::Flag(true))
            } else if text.eq_ignore_ascii_case(no) {
                Some(Value::Flag(false))
            } else {
                None
            }
        }
        (ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text, _) => {
            Some(Value::Label(Arc::from(text)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_too_long_for_a_float_are_identifiers_not_numbers() {
        let (kind, format) = infer_kind(&["18446744073709551615", "5694871498841892311", "12"]);
        assert_ne!(kind, ColumnKind::Numerical);
        assert_eq!(format, ValueFormat::Verbatim);
        // Fifteen digits a float holds exactly; decimals are amounts.
        assert_eq!(
            infer_kind(&["999999999999999", "-12"]),
            (ColumnKind::Numerical, ValueFormat::Integer)
        );
        assert_eq!(
            infer_kind(&["12345678901234567.5", "1.5"]).0,
            ColumnKind::Numerical
        );
    }

    #[test]
    fn a_pattern_without_a_date_is_a_time_of_day() {
        let format = |pattern: &str| ValueFormat::Datetime {
            pattern: pattern.into(),
            date_only: false,
            offset: None,
            upper: false,
        };
        for pattern in ["%H:%M", "%H:%M:%S%.3f", "%I:%M %p", "%-H.%M"] {
            assert!(format(pattern).is_time_of_day(), "{pattern}");
        }
        for pattern in ["%Y-%m-%d %H:%M:%S", "%d/%m/%y %H:%M", "%b %e %H:%M", "%s"] {
            assert!(!format(pattern).is_time_of_day(), "{pattern}");
        }
        assert!(!ValueFormat::Integer.is_time_of_day());
    }

    #[test]
    fn integers_decimals_and_codes() {
        assert_eq!(infer_kind(&["1", "-2", "30"]).1, ValueFormat::Integer);
        assert_eq!(
            infer_kind(&["1.5", "10.0", "2.25"]).1,
            ValueFormat::Decimal {
                min_places: 1,
                max_places: 2
            }
        );
        assert_eq!(infer_kind(&["007", "12"]).0, ColumnKind::Categorical);
    }

    #[test]
    fn iso_dates_read_by_hand_as_chrono_reads_them() {
        let cases = [
            ("2024-02-29", "%Y-%m-%d"),
            ("2023-02-29", "%Y-%m-%d"),
            ("1969-12-31", "%Y-%m-%d"),
            ("2024-13-01", "%Y-%m-%d"),
            ("2024-1-01", "%Y-%m-%d"),
            ("2013-01-01 05:00:00", "%Y-%m-%d %H:%M:%S"),
            ("2013-01-01 24:00:00", "%Y-%m-%d %H:%M:%S"),
            ("2013-01-01 23:59:60", "%Y-%m-%d %H:%M:%S"),
            ("2013-01-01T05:00:00", "%Y-%m-%d %H:%M:%S"),
            ("2013-01-01 5:00:000", "%Y-%m-%d %H:%M:%S"),
        ];
        for (text, pattern) in cases {
            let chrono = NaiveDateTime::parse_from_str(text, pattern)
                .ok()
                .or_else(|| {
                    NaiveDate::parse_from_str(text, pattern)
                        .ok()
                        .and_then(|date| date.and_hms_opt(0, 0, 0))
                })
                .map(|moment| {
                    let utc = moment.and_utc();
                    utc.timestamp() as f64 + f64::from(utc.timestamp_subsec_nanos()) / 1e9
                });
            assert_eq!(
                parse_datetime(text, pattern),
                chrono,
                "{text} with {pattern}"
            );
        }
    }

    #[test]
    fn plain_numbers_beside_scientific_ones_keep_their_digits() {
        let values = ["55.28", "1.5e-15", "0.0012", "1200"];
        let Some(format) = scientific_format(values.iter().copied()) else {
            panic!("scientific");
        };
        let ValueFormat::Scientific { places, .. } = format else {
            panic!("{format:?}");
        };
        assert_eq!(places, 3, "55.28 as 5.528e01");
        assert_eq!(mantissa_places("0.0012"), 1);
        assert_eq!(mantissa_places("-1200"), 3);
        assert_eq!(mantissa_places("0"), 0);
        let back = parse_number(&format.write(&Value::Number(55.28))).expect("a number");
        assert_eq!(back, 55.28);
    }

    #[test]
    fn exported_timestamps_are_read_and_written_as_they_came() {
        // (values as systems export them, the pattern inferred): every value must be read
        // and, read, written back exactly as it came.
        let cases: &[(&[&str], &str)] = &[
            (
                &["2024-01-14 01:05:28 UTC", "2024-02-03 17:00:01 UTC"],
                "%Y-%m-%d %H:%M:%S UTC",
            ),
            (
                &[
                    "2024-02-20 22:11:45.283104 UTC",
                    "2024-01-02 03:04:05.000000 UTC",
                ],
                "%Y-%m-%d %H:%M:%S%.6f UTC",
            ),
            (
                &["2024-01-11 11:23:39+00", "2024-03-01 00:00:00+00"],
                "%Y-%m-%d %H:%M:%S%#z",
            ),
            (
                &[
                    "2024-01-06 19:57:47.366322-05",
                    "2024-07-06 19:57:47.000100-04",
                ],
                "%Y-%m-%d %H:%M:%S%.6f%#z",
            ),
            (
                &["2024-02-01T15:34:52.555Z", "2024-02-01T15:34:53.500Z"],
                "%Y-%m-%dT%H:%M:%S%.3fZ",
            ),
            (
                &["2024-01-10 18:13:29.459", "2024-01-10 18:13:30.000"],
                "%Y-%m-%d %H:%M:%S%.3f",
            ),
            (
                &["2024-01-09 20:21:24 +0000", "2024-01-09 21:21:24 +0100"],
                "%Y-%m-%d %H:%M:%S %z",
            ),
            (
                &["02/11/2024 08:35 PM", "12/01/2024 11:59 AM"],
                "%m/%d/%Y %I:%M %p",
            ),
            (
                &["02/11/2024 08:35 pm", "12/01/2024 11:59 am"],
                "%m/%d/%Y %I:%M %P",
            ),
            (
                &["2/9/2024 8:35", "12/29/2024 18:05", "1/30/2024 0:00"],
                "%-m/%-d/%Y %-H:%M",
            ),
            (&["06-Jan-2024", "28-Feb-2023"], "%d-%b-%Y"),
            (&["Jan 6, 2024", "Feb 28, 2023"], "%b %-d, %Y"),
            (
                &[
                    "Tue, 09 Jan 2024 20:21:24 GMT",
                    "Sat, 06 Jan 2024 11:46:27 GMT",
                ],
                "%a, %d %b %Y %H:%M:%S GMT",
            ),
            (&["20240107T072928", "20231231T235959"], "%Y%m%dT%H%M%S"),
            (&["08:35 PM", "11:59 AM"], "%I:%M %p"),
        ];
        for &(values, expected) in cases {
            let (kind, format) = infer_kind(values);
            assert_eq!(kind, ColumnKind::Datetime, "{values:?}");
            let ValueFormat::Datetime { pattern, .. } = &format else {
                panic!("{format:?}");
            };
            assert_eq!(pattern, expected, "{values:?}");
            for &text in values {
                assert_eq!(rewrite(text, pattern).as_deref(), Some(text), "{pattern}");
            }
            // Written from seconds, as generation writes: as many digits, the same shape.
            let with_offset = with_offset(format.clone(), values.iter().copied());
            let seconds = parse_datetime(values[0], pattern).expect("read");
            let written = with_offset
                .try_write(&Value::Number(seconds))
                .expect("written");
            assert_eq!(
                written.len(),
                values[0].len(),
                "{written} for {}",
                values[0]
            );
        }
        // A mixture of fractions of three and six digits keeps chrono's as many as needed.
        let mixed = ["2024-01-10 18:13:29.459", "2024-01-10 18:13:30.123456"];
        let (_, format) = infer_kind(&mixed);
        assert!(
            matches!(&format, ValueFormat::Datetime { pattern, .. } if pattern == "%Y-%m-%d %H:%M:%S%.f"),
            "{format:?}"
        );
    }

    #[test]
    fn a_pattern_must_read_back_the_time_it_writes() {
        for pattern in DATE_PATTERNS.iter().chain(DATETIME_PATTERNS) {
            assert_eq!(check_pattern(pattern), Ok(()), "{pattern}");
        }
        for pattern in ["%Y-%m-%d %I:%M %p", "%d.%m.%Y %H:%M:%S%.3f %:z", "%s"] {
            assert_eq!(check_pattern(pattern), Ok(()), "{pattern}");
        }
        let twelve = check_pattern("%Y-%m-%d %I:%M").unwrap_err();
        assert!(twelve.contains("back as `2001-09-09 12:00`"), "{twelve}");
        assert!(twelve.contains("`%p`"), "{twelve}");
        assert!(
            check_pattern("%Y-%m-%d %-I:%M")
                .unwrap_err()
                .contains("`%p`")
        );
        // A zone name is written as the offset `+00:00`, and read back as written.
        assert_eq!(check_pattern("%Y-%m-%d %H:%M:%S %Z"), Ok(()));
    }

    #[test]
    fn datetimes_keep_their_pattern() {
        let (kind, format) = infer_kind(&["2013-01-01T11:00:00Z", "2013-02-03T04:05:06Z"]);
        assert_eq!(kind, ColumnKind::Datetime);
        let seconds = parse_datetime("2013-02-03T04:05:06Z", "%Y-%m-%dT%H:%M:%SZ").unwrap();
        assert_eq!(
            format.write(&Value::Number(seconds)),
            "2013-02-03T04:05:06Z"
        );
        let (_, dates) = infer_kind(&["31/12/2020", "01/02/2021"]);
        let seconds = parse_datetime("31/12/2020", "%d/%m/%Y").unwrap();
        assert_eq!(dates.write(&Value::Number(seconds)), "31/12/2020");
    }

    /// Eight digits that are dates are dates written as they are, a date key's copies naming
    /// real days (`20230343` before); eight digits that are no dates, or years out of range,
    /// stay numbers.
    #[test]
    fn dates_of_eight_digits_are_dates() {
        let (kind, format) = infer_kind(&["20230115", "20231231", "19991201"]);
        assert_eq!(kind, ColumnKind::Datetime);
        let ValueFormat::Datetime {
            pattern, date_only, ..
        } = &format
        else {
            panic!("{format:?}");
        };
        assert!(date_only);
        let read = parse_datetime("20240229", pattern).expect("a leap day");
        assert_eq!(write_datetime(read, pattern, None).unwrap(), "20240229");
        for numbers in [
            ["20230115", "20231301", "20230101"],
            ["12345678", "23456789", "34567890"],
            ["30000101", "30000102", "30000103"],
            ["20230115", "20230115", "20230115"],
        ] {
            assert_eq!(infer_kind(&numbers).0, ColumnKind::Numerical, "{numbers:?}");
        }
    }

    /// ISO datetimes in UTC written `Z` beside others with an offset are read as datetimes
    /// (they were ids, drawn as `2023-06-96Z54:28:18+80:09`) and written back in the column's
    /// most common offset: `Z` in UTC, else with its minutes; PostgreSQL's `+00` stays hours.
    #[test]
    fn a_z_beside_offsets_is_a_datetime_written_as_the_values_are() {
        let values = [
            "2023-01-11T23:32:54Z",
            "2023-01-18T18:48:57+00:00",
            "2023-01-07T22:32:04+05:30",
            "2023-01-17T11:31:55Z",
        ];
        let (kind, format) = infer_kind(&values);
        assert_eq!(kind, ColumnKind::Datetime);
        let ValueFormat::Datetime { pattern, .. } = &format else {
            panic!("{format:?}");
        };
        let read = parse_datetime(values[2], pattern).expect("reads");
        assert_eq!(
            write_datetime(read, pattern, Some(0)).unwrap(),
            "2023-01-07T17:02:04Z"
        );
        assert_eq!(
            write_datetime(read, pattern, Some(19_800)).unwrap(),
            "2023-01-07T22:32:04+05:30"
        );
        let postgres = "%Y-%m-%d %H:%M:%S%#z";
        assert_eq!(
            write_datetime(read, postgres, Some(0)).unwrap(),
            "2023-01-07 17:02:04+00"
        );
        assert_eq!(
            write_datetime(read, postgres, Some(19_800)).unwrap(),
            "2023-01-07 22:32:04+05:30"
        );
    }

    /// The last instants of year 9999 are written within it in any offset; those before the
    /// end, as they are.
    #[test]
    fn datetimes_in_an_offset_stay_within_year_9999() {
        let pattern = "%Y-%m-%dT%H:%M:%S%:z";
        let west = parse_datetime("9999-12-31T23:59:59-12:00", pattern).unwrap();
        let east = ValueFormat::Datetime {
            pattern: pattern.into(),
            date_only: false,
            offset: Some(14 * 3600),
            upper: false,
        };
        assert_eq!(
            east.write(&Value::Number(west)),
            "9999-12-31T23:59:59+14:00"
        );
        let earlier = parse_datetime("9999-12-31T09:59:58+00:00", pattern).unwrap();
        assert_eq!(
            east.write(&Value::Number(earlier)),
            "9999-12-31T23:59:58+14:00"
        );
        let spaced = ValueFormat::Datetime {
            pattern: "%Y-%m-%d %H:%M:%S".into(),
            date_only: false,
            offset: Some(3600),
            upper: false,
        };
        assert_eq!(spaced.write(&Value::Number(west)), "9999-12-31 23:59:59");
    }

    /// An instant years past the end of year 9999 (or before year 0) is written at the end (the
    /// start) in every pattern, the hand-made ones included; a number no calendar holds is
    /// still refused.
    #[test]
    fn instants_beyond_the_years_0_to_9999_are_written_at_their_ends() {
        let day = ValueFormat::Datetime {
            pattern: "%Y-%m-%d".into(),
            date_only: true,
            offset: None,
            upper: false,
        };
        let plain = ValueFormat::Datetime {
            pattern: "%Y-%m-%d %H:%M:%S".into(),
            date_only: false,
            offset: None,
            upper: false,
        };
        let custom = ValueFormat::Datetime {
            pattern: "%d/%m/%Y %H:%M".into(),
            date_only: false,
            offset: Some(-5 * 3600),
            upper: false,
        };
        let after = parse_datetime("9999-12-30", "%Y-%m-%d").unwrap() + 40.0 * 86_400.0;
        let before = parse_datetime("0000-01-02", "%Y-%m-%d").unwrap() - 3.0 * 86_400.0;
        assert_eq!(day.write(&Value::Number(after)), "9999-12-31");
        assert_eq!(plain.write(&Value::Number(after)), "9999-12-31 23:59:59");
        assert_eq!(custom.write(&Value::Number(after)), "31/12/9999 23:59");
        assert_eq!(day.write(&Value::Number(before)), "0000-01-01");
        assert_eq!(plain.write(&Value::Number(before)), "0000-01-01 00:00:00");
        assert_eq!(custom.write(&Value::Number(before)), "01/01/0000 00:00");
        for number in [1e20, f64::NAN, f64::INFINITY] {
            assert!(
                write_datetime(number, "%Y-%m-%d", None).is_err(),
                "{number}"
            );
        }
        assert_eq!(within_years_0_to_9999(after), LAST_SECOND_OF_9999 as f64);
        assert_eq!(within_years_0_to_9999(before), FIRST_SECOND_OF_0 as f64);
        assert_eq!(within_years_0_to_9999(1e20), 1e20);
        assert_eq!(within_years_0_to_9999(12.5), 12.5);
    }

    #[test]
    fn booleans_keep_their_spelling() {
        let (kind, format) = infer_kind(&["Yes", "No", "Yes"]);
        assert_eq!(kind, ColumnKind::Boolean);
        assert_eq!(format.write(&Value::Flag(false)), "No");
        assert_eq!(infer_kind(&["0", "1"]).0, ColumnKind::Numerical);
    }

    /// The places of the most precise hundredth of the values do not count (noise such as
    /// `34.407616372627871`); below a hundred values every value counts.
    #[test]
    fn a_few_noisy_values_do_not_set_the_places() {
        let mut values: Vec<String> = (0..300).map(|i| format!("41.{:06}", 100_000 + i)).collect();
        values.push("34.407616372627871".to_string());
        values.push("35.12345678901".to_string());
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let (_, format) = infer_kind(&values);
        assert!(
            matches!(format, ValueFormat::Decimal { max_places: 6, .. }),
            "{format:?}"
        );
        let (_, format) = infer_kind(&["1.5", "2.25", "3.125"]);
        assert!(
            matches!(
                format,
                ValueFormat::Decimal {
                    min_places: 1,
                    max_places: 3
                }
            ),
            "{format:?}"
        );
    }

    /// Values of 21 places each are written with 15 (what a 64-bit number holds) and no fewer
    /// than 15 asked for: a format of at least 21 and at most 15 places was one a model file
    /// could not hold.
    #[test]
    fn more_places_than_a_number_holds_give_a_format_that_fits() {
        let values: Vec<String> = (1..200)
            .map(|i| format!("0.{:021}", (i as u128) * 1_234_567_890_123))
            .collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let (_, format) = infer_kind(&values);
        let ValueFormat::Decimal {
            min_places,
            max_places,
        } = format
        else {
            panic!("{format:?}");
        };
        assert!(
            min_places <= max_places && max_places <= 15,
            "{min_places}..{max_places}"
        );
    }

    #[test]
    fn decimals_are_written_at_input_precision() {
        let format = ValueFormat::Decimal {
            min_places: 1,
            max_places: 4,
        };
        assert_eq!(format.write(&Value::Number(10.0)), "10.0");
        assert_eq!(format.write(&Value::Number(1.23456)), "1.2346");
        assert_eq!(format.write(&Value::Number(-0.00001)), "0.0");
        assert_eq!(ValueFormat::Integer.write(&Value::Number(2.6)), "3");
        // A column of a double's shortest forms (15 places at most, as Python writes them): a
        // value is written in its shortest form, not with the noise of its binary value.
        let noisy = ValueFormat::Decimal {
            min_places: 1,
            max_places: 15,
        };
        for (x, text) in [
            (23.0156, "23.0156"),
            (13.809359999999998, "13.809359999999998"),
            (10.0, "10.0"),
            (-0.0, "0.0"),
            // 16 places in its shortest form: the 15 of the column.
            (3.4523399999999995, "3.45234"),
            (1.0 / 3.0, "0.333333333333333"),
        ] {
            assert_eq!(noisy.write(&Value::Number(x)), text, "{x}");
        }
    }

    #[test]
    fn strings_split_into_categories_ids_and_text() {
        let codes: Vec<String> = (0..50).map(|i| format!("X{i:03}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        assert_eq!(infer_kind(&codes).0, ColumnKind::Id);
        let sentences: Vec<String> = (0..50).map(|i| format!("the quick fox {i}")).collect();
        let sentences: Vec<&str> = sentences.iter().map(String::as_str).collect();
        assert_eq!(infer_kind(&sentences).0, ColumnKind::Text);
        assert_eq!(infer_kind(&["a", "b", "a", "c"]).0, ColumnKind::Categorical);
        // Codes of two words, capitals then a number, with few prefixes: ids, not text.
        let departments = ["CS", "MATH", "PHYS", "ME"];
        let courses: Vec<String> = (0..60)
            .map(|i| format!("{} {}", departments[i % 4], 100 + 7 * i))
            .collect();
        let courses: Vec<&str> = courses.iter().map(String::as_str).collect();
        assert_eq!(infer_kind(&courses).0, ColumnKind::Id);
        // Not capitals (`Hall 12`), or a first word per value: text as before.
        let named: Vec<String> = (0..60).map(|i| format!("Hall {i}")).collect();
        let named: Vec<&str> = named.iter().map(String::as_str).collect();
        assert_eq!(infer_kind(&named).0, ColumnKind::Text);
        let letters = |i: usize| char::from(b'A' + (i % 26) as u8);
        let spread: Vec<String> = (0..60)
            .map(|i| format!("{}{} {i}", letters(i), letters(i / 26)))
            .collect();
        let spread: Vec<&str> = spread.iter().map(String::as_str).collect();
        assert_eq!(infer_kind(&spread).0, ColumnKind::Text);
        assert_eq!(infer_kind(&[]).0, ColumnKind::Categorical);
    }

    /// Two-word values, `distinct` of them, each `repeats` times.
    fn phrases(distinct: usize, repeats: usize) -> Vec<String> {
        (0..distinct * repeats)
            .map(|i| format!("word{} street", i % distinct))
            .collect()
    }

    #[test]
    fn many_mostly_distinct_phrases_are_text_few_are_categories() {
        let kind = |values: &[String]| {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            infer_kind(&values).0
        };
        // Half distinct: text past 1,000 distinct phrases, categories below.
        assert_eq!(kind(&phrases(MANY_PHRASES, 2)), ColumnKind::Text);
        assert_eq!(kind(&phrases(MANY_PHRASES - 1, 2)), ColumnKind::Categorical);
        // Many phrases, each repeated a lot (city names): categories.
        assert_eq!(kind(&phrases(2_000, 5)), ColumnKind::Categorical);
    }

    #[test]
    fn month_names_in_capitals_are_written_in_capitals() {
        let written = |values: &[&str]| {
            let (kind, format) = infer_kind(values);
            assert_eq!(kind, ColumnKind::Datetime, "{values:?}");
            let format = with_case(format, values.iter().copied());
            let ValueFormat::Datetime { pattern, .. } = &format else {
                panic!("{format:?}");
            };
            let seconds = parse_datetime(values[0], pattern).expect("read");
            let text = format.try_write(&Value::Number(seconds)).expect("written");
            // The fast writer of the output agrees.
            let mut out = Vec::new();
            super::super::written::ValueWriter::new(&format)
                .write(&Value::Number(seconds), &mut out)
                .expect("written");
            assert_eq!(String::from_utf8_lossy(&out), text);
            text
        };
        assert_eq!(written(&["15-JAN-2024", "03-MAR-1999"]), "15-JAN-2024");
        assert_eq!(written(&["15-Jan-2024", "03-MAR-1999"]), "15-Jan-2024");
        assert_eq!(
            written(&["15 JANUARY 2024", "03 MARCH 1999"]),
            "15 JANUARY 2024"
        );
        assert_eq!(
            written(&[
                "MON, 15 JAN 2024 10:30:00 GMT",
                "WED, 03 MAR 1999 23:05:59 GMT"
            ]),
            "MON, 15 JAN 2024 10:30:00 GMT"
        );
        assert_eq!(written(&["2024-01-15", "1999-03-03"]), "2024-01-15");
        // Oracle's two-digit years, and its dates with a time.
        assert_eq!(written(&["29-AUG-20", "03-MAR-99"]), "29-AUG-20");
        let (_, format) = infer_kind(&["29-AUG-20", "03-MAR-99"]);
        let ValueFormat::Datetime { pattern, .. } = &format else {
            panic!("{format:?}");
        };
        assert_eq!(pattern, "%d-%b-%y");
        let seconds = parse_datetime("29-AUG-20", pattern).expect("read");
        assert_eq!(parse_datetime("2020-08-29", "%Y-%m-%d"), Some(seconds));
        assert_eq!(
            written(&["29-AUG-2020 10:21:00", "03-MAR-1999 23:05:59"]),
            "29-AUG-2020 10:21:00"
        );
    }
}
