//! Column types: inferring them from text, parsing values, and writing values back as the input
//! wrote them (integers as integers, decimals at their precision, dates in their format,
//! booleans with their spelling).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::{Column, Value};
use crate::error::Problem;
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
    /// A chrono pattern; `date_only` when it has no time part.
    Datetime { pattern: String, date_only: bool },
    /// The spellings of true and false found in the input.
    Boolean { yes: String, no: String },
    /// Labels written as they are.
    Verbatim,
}

impl ValueFormat {
    /// Writes a value the way the input wrote values of this column; nulls are empty.
    pub fn write(&self, value: &Value) -> String {
        match (self, value) {
            (_, Value::Null) => String::new(),
            (ValueFormat::Integer, Value::Number(x)) => format!("{}", x.round() as i64),
            (
                ValueFormat::Decimal {
                    min_places,
                    max_places,
                },
                Value::Number(x),
            ) => write_decimal(*x, *min_places, *max_places),
            (ValueFormat::Datetime { pattern, date_only }, Value::Number(x)) => {
                write_datetime(*x, pattern, *date_only)
            }
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
        }
    }
}

fn write_decimal(x: f64, min_places: usize, max_places: usize) -> String {
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

fn write_datetime(seconds: f64, pattern: &str, date_only: bool) -> String {
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    match DateTime::from_timestamp(whole as i64, nanos) {
        Some(moment) if date_only => moment.date_naive().format(pattern).to_string(),
        Some(moment) => moment.naive_utc().format(pattern).to_string(),
        None => String::new(),
    }
}

/// Date patterns tried in order; the first that reads every value of a column wins.
const DATE_PATTERNS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y"];

/// Timestamp patterns tried in order.
const DATETIME_PATTERNS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.fZ",
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
];

/// Spellings read as booleans (compared case-insensitively); `0`/`1` stay numerical.
const BOOLEAN_SPELLINGS: &[(&str, &str)] =
    &[("true", "false"), ("yes", "no"), ("t", "f"), ("y", "n")];

/// Parses one datetime with a pattern, as seconds since the epoch.
pub fn parse_datetime(text: &str, pattern: &str) -> Option<f64> {
    let moment = NaiveDateTime::parse_from_str(text, pattern)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, pattern)
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })?;
    let utc = moment.and_utc();
    Some(utc.timestamp() as f64 + f64::from(utc.timestamp_subsec_nanos()) / 1e9)
}

fn pattern_is_date_only(pattern: &str) -> bool {
    !["%H", "%M", "%S", "%T", "%I", "%R", "%s"]
        .iter()
        .any(|part| pattern.contains(part))
}

/// Infers a column's type from its non-empty values, with the format it is written in.
pub fn infer_kind(values: &[&str]) -> (ColumnKind, ValueFormat) {
    if values.is_empty() {
        return (ColumnKind::Categorical, ValueFormat::Verbatim);
    }
    if let Some(format) = boolean_format(values) {
        return (ColumnKind::Boolean, format);
    }
    if let Some(format) = numeric_format(values) {
        return (ColumnKind::Numerical, format);
    }
    if let Some(pattern) = datetime_pattern(values) {
        return (ColumnKind::Datetime, datetime_format(pattern));
    }
    (string_kind(values), ValueFormat::Verbatim)
}

fn datetime_format(pattern: &str) -> ValueFormat {
    ValueFormat::Datetime {
        pattern: pattern.to_string(),
        date_only: pattern_is_date_only(pattern),
    }
}

fn boolean_format(values: &[&str]) -> Option<ValueFormat> {
    let distinct: HashSet<String> = values.iter().map(|v| v.to_lowercase()).collect();
    let (yes, no) = BOOLEAN_SPELLINGS
        .iter()
        .find(|(yes, no)| distinct.iter().all(|v| v == yes || v == no))?;
    let spelling = |word: &str| {
        values
            .iter()
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

fn numeric_format(values: &[&str]) -> Option<ValueFormat> {
    if !values.iter().all(|v| parse_number(v).is_some()) {
        return None;
    }
    let places: Vec<usize> = values.iter().filter_map(|v| decimal_places(v)).collect();
    if places.is_empty() {
        return Some(ValueFormat::Integer);
    }
    Some(ValueFormat::Decimal {
        min_places: places.iter().copied().min().unwrap_or(0),
        max_places: places.iter().copied().max().unwrap_or(0).min(15),
    })
}

fn datetime_pattern(values: &[&str]) -> Option<&'static str> {
    let first = values[0];
    DATE_PATTERNS
        .iter()
        .chain(DATETIME_PATTERNS)
        .copied()
        .filter(|pattern| parse_datetime(first, pattern).is_some())
        .find(|pattern| values.iter().all(|v| parse_datetime(v, pattern).is_some()))
}

/// Categorical unless nearly every value is distinct: then an id (codes) or text (words).
fn string_kind(values: &[&str]) -> ColumnKind {
    let distinct: HashSet<&str> = values.iter().copied().collect();
    let distinct_share = distinct.len() as f64 / values.len() as f64;
    let mean_words = values
        .iter()
        .map(|v| v.split_whitespace().count())
        .sum::<usize>() as f64
        / values.len() as f64;
    if mean_words >= 3.0 && distinct_share > 0.3 {
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

/// Types one column: applies the schema's override or infers, then parses every value.
/// A value the type cannot read is a problem naming its line.
pub(super) fn type_column(
    def: &TableDef,
    name: &str,
    cells: &[Option<String>],
    lines: &[u64],
) -> Result<Column, Problem> {
    let present: Vec<&str> = cells.iter().flatten().map(String::as_str).collect();
    let over = def.columns.get(name);
    let (kind, format) = match over.and_then(|over| over.kind().map(|kind| (over, kind))) {
        None => infer_kind(&present),
        Some((over, kind)) => overridden_format(def, name, kind, over.format(), &present)?,
    };
    let mut values = Vec::with_capacity(cells.len());
    for (cell, line) in cells.iter().zip(lines) {
        let value = match cell {
            None => Value::Null,
            Some(text) => parse_value(kind, &format, text).ok_or_else(|| {
                Problem::column(
                    &def.name,
                    name,
                    "columns",
                    format!("line {line}: `{text}` is not a valid {kind} value"),
                )
            })?,
        };
        values.push(value);
    }
    Ok(Column {
        name: name.to_string(),
        kind,
        format,
        values,
    })
}

fn overridden_format(
    def: &TableDef,
    name: &str,
    kind: ColumnKind,
    pattern: Option<&str>,
    present: &[&str],
) -> Result<(ColumnKind, ValueFormat), Problem> {
    let problem = |message: String| Problem::column(&def.name, name, "columns", message);
    let format = match kind {
        // A value that is not a number is reported by `type_column` with its line.
        ColumnKind::Numerical => numeric_format(present).unwrap_or(ValueFormat::Integer),
        ColumnKind::Boolean => boolean_format(present).ok_or_else(|| {
            problem("declared boolean, but the values are not one pair of true/false, yes/no, t/f or y/n".into())
        })?,
        ColumnKind::Datetime => match pattern {
            Some(pattern) => datetime_format(pattern),
            None if present.is_empty() => datetime_format("%Y-%m-%d"),
            None => datetime_format(datetime_pattern(present).ok_or_else(|| {
                problem(format!(
                    "declared datetime, but no known format reads `{}`: give one with \
                     {{type: datetime, format: \"...\"}}",
                    present[0]
                ))
            })?),
        },
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text => ValueFormat::Verbatim,
    };
    Ok((kind, format))
}

fn parse_value(kind: ColumnKind, format: &ValueFormat, text: &str) -> Option<Value> {
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

    #[test]
    fn booleans_keep_their_spelling() {
        let (kind, format) = infer_kind(&["Yes", "No", "Yes"]);
        assert_eq!(kind, ColumnKind::Boolean);
        assert_eq!(format.write(&Value::Flag(false)), "No");
        assert_eq!(infer_kind(&["0", "1"]).0, ColumnKind::Numerical);
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
        assert_eq!(infer_kind(&[]).0, ColumnKind::Categorical);
    }
}
