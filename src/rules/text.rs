//! The rule language: how `validate` and `inspect` print a rule, and how the schema's `rules:`
//! section writes one. A printed rule can be pasted into `add:` or `off:` as it is.
//!
//! ```text
//! l_shipdate <= l_receiptdate            order (`<` when strict)
//! l_commitdate - orders.o_orderdate in [30, 90] days
//! term_start - Jan 1 of students.enrolled_year in [212, 2030] days   a whole-number year
//!                                        read as its first instant
//! hour = sched_dep_time // 100           (also `% 100`)
//! d_year = year(d_date)                  calendar (`+ 1` offsets; names follow by lookup)
//! tzone = lookup(tz)                     a column determined by another (a lookup table)
//! l_returnflag in periods of l_receiptdate   each value seen between two days of the datetime
//! total = subtotal + tax                 (`a - b` is read as `a = total + b`)
//! total = quantity * products.price * [0.95, 1.05]   a product with a column of a key's row
//! dep_time = clock(sched_dep_time + dep_delay)
//! promised_date = shipped_at + days by service (Express 2, Ground 5)   a date its label
//!                                        sets days (`months`) after another's day
//! cost = base + rate * weight by service (Express 12.99 + 1.75, Ground 5.99 + 0.85)   a
//!                                        line of another number, its label's base and rate
//! dep_time is a clock time
//! time_hour = datetime(year, month, day, hour)   a local time's parts, in universal time
//! arr_delay, air_time are empty when arr_time is empty
//! billing_country = customers.country    copy of the parent's column
//! event_time = shipments.shipped_at where status = Picked Up   copy of the parent's column
//!                                        in the rows of one label
//! amount = bookings.total * one of (0.2, 0.8, 1)   the parent's column times one of a few
//!                                        fractions, on the column's grid
//! orders.o_totalprice = sum(l_extendedprice * (1 - l_discount) * (1 + l_tax))   the parent's
//!                                        total over its rows here (also `sum(a)`, `sum(a * b)`)
//! customers.orders = count()             the parent's number of rows here
//! orders.o_orderstatus = lookup(values of l_linestatus)   the parent's column follows from
//!                                        the set of values its rows here take
//! code starts with departments.code then " "   a code begins with a column of its key's row
//! digit 1 of code = level                the code's first digit is a whole-number column
//! ```

use std::fmt;

use super::{
    ChildTerm, Col, IntOp, Line, Mapping, Part, Rule, RuleKind, Shift, ShiftUnit, Span, TimeUnit,
};
use crate::data::Value;

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleKind::Order { low, high, strict } => {
                write!(f, "{low} {} {high}", if *strict { "<" } else { "<=" })
            }
            RuleKind::Difference {
                from,
                to,
                min,
                max,
                days,
                year,
            } => {
                let scale = if *days { 86_400.0 } else { 1.0 };
                let unit = if *days { " days" } else { "" };
                let of = if *year { YEAR_START } else { "" };
                write!(
                    f,
                    "{to} - {of}{from} in [{}, {}]{unit}",
                    number(min / scale),
                    number(max / scale)
                )
            }
            RuleKind::DifferenceBy {
                from,
                to,
                by,
                min,
                max,
                days,
                spans,
            } => {
                let scale = if *days { 86_400.0 } else { 1.0 };
                let unit = if *days { " days" } else { "" };
                write!(
                    f,
                    "{to} - {from} in [{}, {}]{unit} by {by}",
                    number(min / scale),
                    number(max / scale)
                )?;
                write_spans(f, spans, scale)
            }
            RuleKind::Arithmetic {
                target,
                source,
                op,
                divisor,
            } => {
                let op = match op {
                    IntOp::Div => "//",
                    IntOp::Rem => "%",
                };
                write!(f, "{target} = {source} {op} {divisor}")
            }
            RuleKind::Calendar {
                target,
                source,
                part,
                mapping,
            } => {
                write!(f, "{target} = {}({source})", part.name())?;
                match mapping {
                    Mapping::Offset(0) => Ok(()),
                    Mapping::Offset(offset) if *offset > 0 => write!(f, " + {offset}"),
                    Mapping::Offset(offset) => write!(f, " - {}", offset.unsigned_abs()),
                    Mapping::Table(table) => write!(f, " (by lookup, {} values)", table.len()),
                    Mapping::Steps(steps) => write!(f, " (by steps, {} values)", steps.len()),
                }
            }
            RuleKind::Lookup {
                target,
                source,
                table,
            } => write!(f, "{target} = lookup({source}) ({} values)", table.len()),
            RuleKind::Periods {
                target,
                source,
                periods,
            } => write!(
                f,
                "{target} in periods of {source} ({} values)",
                periods.len()
            ),
            RuleKind::Belongs {
                target,
                source,
                pairs,
            } => {
                // Owners of rare members only: an empty member beside them.
                let empty_beside: Vec<String> = (pairs.iter())
                    .filter(|pair| pair.1.is_null())
                    .map(|pair| match &pair.0 {
                        Value::Label(label) => crate::error::printable(label),
                        Value::Number(x) => x.to_string(),
                        Value::Flag(flag) => flag.to_string(),
                        Value::Null => String::new(),
                    })
                    .collect();
                let pairs = pairs.len() - empty_beside.len();
                write!(f, "{target} belongs to {source} (")?;
                match empty_beside.as_slice() {
                    [] => Ok(()),
                    [a] => write!(f, "empty beside {a}, of rare members only; "),
                    [a, b] => write!(f, "empty beside {a} and {b}, of rare members only; "),
                    [a, b, rest @ ..] => write!(
                        f,
                        "empty beside {a}, {b} and {} more, of rare members only; ",
                        rest.len()
                    ),
                }?;
                // The note ends as `parse` expects of one: `pairs)`.
                write!(f, "{pairs} pairs)")
            }
            RuleKind::Sum {
                total,
                a,
                b,
                clock,
                c,
            } => match (clock, c) {
                (true, _) => write!(f, "{total} = clock({a} + {b})"),
                (false, Some(c)) => write!(f, "{total} = {a} + {b} + {c}"),
                (false, None) => write!(f, "{total} = {a} + {b}"),
            },
            RuleKind::Product { total, a, b } => write!(f, "{total} = {a} * {b}"),
            RuleKind::Ratio {
                top,
                bottom,
                min,
                max,
            } => write!(
                f,
                "{top} / {bottom} in [{}, {}]",
                number(*min),
                number(*max)
            ),
            RuleKind::KeyedProduct {
                total,
                a,
                price,
                low,
                high,
                ..
            } => {
                write!(f, "{total} = {a} * {price}")?;
                if *low == 1.0 && *high == 1.0 {
                    Ok(())
                } else {
                    write!(f, " * [{}, {}]", number(*low), number(*high))
                }
            }
            RuleKind::ClockTime { column, .. } => write!(f, "{column} is a clock time"),
            RuleKind::DateParts { year, month, day } => {
                write!(f, "{year}, {month}, {day} form a date")
            }
            RuleKind::LocalTime {
                target,
                parts,
                offsets,
            } => {
                write!(f, "{target} = datetime({})", parts.join(", "))?;
                if !offsets.is_empty() {
                    let mut hours: Vec<i64> = offsets.iter().map(|(_, offset)| *offset).collect();
                    hours.sort_unstable();
                    hours.dedup();
                    let hours: Vec<String> = hours
                        .iter()
                        .map(|offset| number(*offset as f64 / 3600.0))
                        .collect();
                    write!(
                        f,
                        " (universal time {} hours ahead, {} values)",
                        hours.join(" or "),
                        offsets.len()
                    )?;
                }
                Ok(())
            }
            RuleKind::Empty { when, then } => {
                let verb = if then.len() == 1 { "is" } else { "are" };
                write!(f, "{} {verb} empty when {when} is empty", then.join(", "))
            }
            RuleKind::Elapsed {
                amount,
                from,
                to,
                unit,
            } => write!(f, "{amount} = {}({to} - {from})", unit.name()),
            RuleKind::Shifted {
                to,
                from,
                by,
                unit,
                shifts,
            } => {
                write!(f, "{to} = {from} + {} by {by}", unit.name())?;
                write_shifts(f, shifts)
            }
            RuleKind::Linear {
                target,
                source,
                by,
                lines,
                ..
            } => {
                write!(f, "{target} = {LINE_MARKER}{source} by {by}")?;
                write_lines(f, lines)
            }
            RuleKind::CopyParent { column, parent }
            | RuleKind::KeyedCopy { column, parent, .. } => {
                write!(f, "{column} = {parent}")
            }
            RuleKind::CopyParentWhen {
                column,
                parent,
                by,
                label: value,
            } => write!(f, "{column} = {parent} where {by} = {}", label(value)),
            RuleKind::Fractions {
                column,
                parent,
                fractions,
            } => {
                let fractions: Vec<String> = fractions.iter().map(|x| number(*x)).collect();
                write!(f, "{column} = {parent} * one of ({})", fractions.join(", "))
            }
            RuleKind::KeyedPrefix {
                column,
                prefix,
                separator,
                ..
            } => write!(f, "{column} starts with {prefix} then {separator:?}"),
            RuleKind::CodeDigit {
                column,
                place,
                source,
                ..
            } => write!(f, "digit {place} of {column} = {source}"),
            RuleKind::ChildTotal { total, term } => write!(f, "{total} = {term}"),
            RuleKind::ChildValues {
                target,
                source,
                table,
            } => write!(
                f,
                "{target} = lookup(values of {source}) ({} values)",
                table.len()
            ),
        }
    }
}

/// A label as rule text writes it (control characters escaped; nothing for an empty value).
pub(super) fn label(value: &Value) -> String {
    match value {
        Value::Label(label) => crate::error::printable(label),
        Value::Number(x) => number(*x),
        Value::Flag(flag) => flag.to_string(),
        Value::Null => String::new(),
    }
}

/// The labels a shift rule shows, at most: the rest are counted.
const SHOWN_LABELS: usize = 8;

/// The note of a shift rule: ` (Express 2, Ground 5, Overnight 1)`, a label of a few shifts
/// as `Net 30 30 or 31`; nothing without shifts (a declared rule before it is fitted).
fn write_shifts(f: &mut fmt::Formatter<'_>, shifts: &[Shift]) -> fmt::Result {
    let mut labels: Vec<(String, Vec<i64>)> = Vec::new();
    for (label, units, _) in shifts {
        let text = label_text(label);
        match labels.last_mut() {
            Some((last, counts)) if *last == text => counts.push(*units),
            _ => labels.push((text, vec![*units])),
        }
    }
    if labels.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = (labels.iter().take(SHOWN_LABELS))
        .map(|(label, counts)| {
            let counts: Vec<String> = counts.iter().map(i64::to_string).collect();
            format!("{label} {}", counts.join(" or "))
        })
        .collect();
    write!(f, " ({}", shown.join(", "))?;
    if labels.len() > SHOWN_LABELS {
        write!(f, " and {} more", labels.len() - SHOWN_LABELS)?;
    }
    f.write_str(")")
}

/// The note of a difference by a label: ` (Express [0.75, 2.83], Ground [1, 6.25])`, each
/// label's range (divided by `scale`: days); nothing without ranges (a declared rule before
/// it is fitted).
fn write_spans(f: &mut fmt::Formatter<'_>, spans: &[Span], scale: f64) -> fmt::Result {
    if spans.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = (spans.iter().take(SHOWN_LABELS))
        .map(|(label, lo, hi, _)| {
            let (lo, hi) = (number(lo / scale), number(hi / scale));
            format!("{} [{lo}, {hi}]", label_text(label))
        })
        .collect();
    write!(f, " ({}", shown.join(", "))?;
    if spans.len() > SHOWN_LABELS {
        write!(f, " and {} more", spans.len() - SHOWN_LABELS)?;
    }
    f.write_str(")")
}

/// What a line by a label writes between its target and its source.
const LINE_MARKER: &str = "base + rate * ";

/// The note of a line by a label: ` (Express 12.99 + 1.75, Ground 5.99 + 0.85)`, each
/// label's base and rate; nothing without lines (a declared rule before it is fitted).
fn write_lines(f: &mut fmt::Formatter<'_>, lines: &[Line]) -> fmt::Result {
    if lines.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = (lines.iter().take(SHOWN_LABELS))
        .map(|(label, base, rate, _)| {
            let sign = if *rate < 0.0 { "-" } else { "+" };
            format!(
                "{} {} {sign} {}",
                label_text(label),
                number(*base),
                number(rate.abs())
            )
        })
        .collect();
    write!(f, " ({}", shown.join(", "))?;
    if lines.len() > SHOWN_LABELS {
        write!(f, " and {} more", lines.len() - SHOWN_LABELS)?;
    }
    f.write_str(")")
}

/// A label as a rule's note shows it.
fn label_text(label: &Value) -> String {
    match label {
        Value::Label(label) => crate::error::printable(label),
        Value::Number(x) => number(*x),
        Value::Flag(flag) => flag.to_string(),
        Value::Null => String::new(),
    }
}

impl fmt::Display for ChildTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(amount) = &self.amount else {
            return f.write_str("count()");
        };
        write!(f, "sum({amount}")?;
        if let Some(factor) = &self.factor {
            write!(f, " * {factor}")?;
        }
        if let Some(less) = &self.less {
            write!(f, " * (1 - {less})")?;
        }
        if let Some(plus) = &self.plus {
            write!(f, " * (1 + {plus})")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

/// A number as short as it can be written.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    // 1e308, not 309 digits (and 1e-12, not 0): `range` reads either back.
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        return format!("{x:e}");
    }
    // Differences of decimals carry float noise (2.0299999999999994): 9 places are plenty.
    let text = format!("{x:.9}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Reads one rule as the schema writes it. Numbers a rule needs but the text leaves out
/// (calendar offsets and lookups, gaps) are fitted on the data at training; a difference's
/// bounds are taken as written (`days` for datetimes).
pub fn parse(text: &str) -> Result<RuleKind, String> {
    let mut text = text.trim();
    if let Some(code) = parse_code(text) {
        return code;
    }
    // Before anything else: a label may hold any word. A copy's head is `column =
    // parent.column`, never a shift's `+`.
    if let Some((head, condition)) = text.split_once(" where ")
        && !head.contains(" + ")
    {
        return parse_copy_when(head, condition);
    }
    // The labels of a shift's note may hold any word too.
    for unit in ShiftUnit::ALL {
        let marker = format!(" + {} by ", unit.name());
        if let Some((head, by)) = text.split_once(&marker) {
            return parse_shifted(head, by, unit);
        }
    }
    // So is a line's: `t = base + rate * s by label (...)`.
    if let Some((head, by)) = text.split_once(" by ")
        && let Some((target, source)) = head.split_once(&format!("= {LINE_MARKER}"))
    {
        let by = by.split_once(" (").map_or(by, |(by, _)| by);
        return Ok(RuleKind::Linear {
            target: name(target)?,
            source: name(source)?,
            by: name(by)?,
            lines: Vec::new(),
            decimal: None,
        });
    }
    // A printed lookup ends with a note, `(7 values)` (`(72 pairs)`): not part of the rule.
    if let Some((rule, note)) = text.rsplit_once(" (")
        && (note.ends_with("values)") || note.ends_with("pairs)"))
    {
        text = rule.trim();
    }
    if let Some(rule) = text.strip_suffix(" is empty")
        && let Some((then, when)) = rule.split_once(" when ")
    {
        return parse_empty(then, when);
    }
    if let Some(parts) = text.strip_suffix(" form a date") {
        let parts: Vec<&str> = parts.split(',').collect();
        let [year, month, day] = parts[..] else {
            return Err("expected `year, month, day form a date`".into());
        };
        return Ok(RuleKind::DateParts {
            year: name(year)?,
            month: name(month)?,
            day: name(day)?,
        });
    }
    if let Some(column) = text.strip_suffix("is a clock time") {
        return Ok(RuleKind::ClockTime {
            column: name(column)?,
            midnight_2400: true,
            common: Vec::new(),
        });
    }
    if let Some((target, source)) = text.split_once(" belongs to ") {
        return Ok(RuleKind::Belongs {
            target: name(target)?,
            source: name(source)?,
            pairs: Vec::new(),
        });
    }
    if let Some((target, source)) = text.split_once(" in periods of ") {
        return Ok(RuleKind::Periods {
            target: name(target)?,
            source: name(source)?,
            periods: Vec::new(),
        });
    }
    if let Some((left, right)) = text.split_once(" in ") {
        if let Some((top, bottom)) = left.split_once(" / ") {
            return parse_ratio(top, bottom, right);
        }
        if left.contains('/') && !left.contains(" - ") {
            return Err("a ratio is written `a / b in [min, max]`, with spaces around `/`".into());
        }
        return parse_difference(left, right);
    }
    for (op, strict, flip) in [
        ("<=", false, false),
        (">=", false, true),
        ("<", true, false),
        (">", true, true),
    ] {
        if let Some((a, b)) = text.split_once(op) {
            let (low, high) = if flip { (b, a) } else { (a, b) };
            return Ok(RuleKind::Order {
                low: col(low)?,
                high: col(high)?,
                strict,
            });
        }
    }
    let Some((target, expression)) = text.split_once('=') else {
        return Err(
            "expected `a <= b`, `a < b`, `a - b in [min, max]`, `a / b in [min, max]`, \
             `t = expression`, \
             `c is a clock time` or `a, b are empty when c is empty`"
                .into(),
        );
    };
    let expression = expression.trim();
    if call(expression, "sum").is_some() || call(expression, "count").is_some() {
        return parse_child_total(target, expression);
    }
    if let Some(source) =
        call(expression, "lookup").and_then(|inside| inside.trim().strip_prefix("values of "))
    {
        return match col(target)? {
            parent @ Col::Parent { .. } => Ok(RuleKind::ChildValues {
                target: parent,
                source: name(source)?,
                table: Vec::new(),
            }),
            Col::Own(_) | Col::Grand { .. } => Err(
                "a column following from the values of rows is a column of the parent: \
                 `parent.column = lookup(values of c)`"
                    .into(),
            ),
        };
    }
    parse_equation(name(target)?, expression)
}

/// The rules of a code's parts, when `text` is one: `column starts with parent.column then
/// "-"` (the key to that parent found at training) or `digit 1 of column = source`.
fn parse_code(text: &str) -> Option<Result<RuleKind, String>> {
    if let Some((column, rest)) = text.split_once(" starts with ") {
        let (prefix, separator) = rest.split_once(" then ")?;
        let separator = separator.trim();
        let separator = separator
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|s| s.chars().count() == 1 && !s.chars().any(char::is_alphanumeric));
        let Some(separator) = separator else {
            return Some(Err(
                "a prefix is followed by one character that is not a letter or digit, quoted:                  `code starts with parent.column then \" \"`"
                    .into(),
            ));
        };
        return Some(match col(prefix) {
            Ok(prefix @ Col::Parent { .. }) => name(column).map(|column| RuleKind::KeyedPrefix {
                column,
                key: String::new(),
                prefix,
                separator: separator.to_string(),
                distinct: false,
            }),
            Ok(Col::Own(_) | Col::Grand { .. }) => {
                Err("a code's prefix is a column of a key's row".into())
            }
            Err(problem) => Err(problem),
        });
    }
    let rest = text.strip_prefix("digit ")?;
    let (place, rest) = rest.split_once(" of ")?;
    let (column, source) = rest.split_once('=')?;
    let place = match place.trim().parse::<usize>() {
        Ok(place) if place >= 1 => place,
        _ => {
            return Some(Err(
                "a digit's place is counted from 1: `digit 1 of code = level`".into(),
            ));
        }
    };
    Some(name(column).and_then(|column| {
        Ok(RuleKind::CodeDigit {
            column,
            place,
            source: name(source)?,
            distinct: false,
        })
    }))
}

/// `to = from + days by label`, with or without the note of the fitted shifts (`(Ground 5,
/// Express 2)`), which training fits again.
fn parse_shifted(head: &str, by: &str, unit: ShiftUnit) -> Result<RuleKind, String> {
    let (to, from) = head
        .split_once('=')
        .ok_or("a shift by a label is written `to = from + days by label`")?;
    let by = by.split_once(" (").map_or(by, |(by, _)| by);
    Ok(RuleKind::Shifted {
        to: name(to)?,
        from: name(from)?,
        by: name(by)?,
        unit,
        shifts: Vec::new(),
    })
}

/// `column = parent.column where by = label` (or `parent.key.column`, a column of the row
/// the parent's key points at): the label is read as text, matched to the category's values
/// at training ([`super::anchors::fit`]).
fn parse_copy_when(head: &str, condition: &str) -> Result<RuleKind, String> {
    let written = "a copy in the rows of one label is written \
                   `column = parent.column where category = label` (or `parent.key.column`)";
    let (column, parent) = head.split_once('=').ok_or(written)?;
    let (by, label) = condition.split_once('=').ok_or(written)?;
    let label = label.trim();
    let parent = match col(parent)? {
        Col::Parent { table, column } => match column.split_once('.') {
            // `parent.key.column`: a column of the row the parent's key points at.
            Some((key, column)) => Col::Grand {
                parent: table,
                key: name(key)?,
                column: name(column)?,
            },
            None => Col::Parent { table, column },
        },
        Col::Own(_) | Col::Grand { .. } => return Err(written.into()),
    };
    if label.is_empty() {
        return Err(written.into());
    }
    Ok(RuleKind::CopyParentWhen {
        column: name(column)?,
        parent,
        by: name(by)?,
        label: Value::Label(label.into()),
    })
}

/// `parent.total = count()` or `parent.total = sum(a [* b] [* (1 - d)] [* (1 + t)])`.
fn parse_child_total(target: &str, expression: &str) -> Result<RuleKind, String> {
    let total = match col(target)? {
        parent @ Col::Parent { .. } => parent,
        Col::Own(_) | Col::Grand { .. } => {
            return Err(
                "a total over rows is a column of the parent: `parent.column = sum(...)`".into(),
            );
        }
    };
    let mut term = ChildTerm::default();
    if let Some(inside) = call(expression, "count") {
        if !inside.trim().is_empty() {
            return Err("a count is written `count()`".into());
        }
        return Ok(RuleKind::ChildTotal { total, term });
    }
    let inside = call(expression, "sum").ok_or("expected `sum(...)` or `count()`")?;
    let expected =
        "a sum is written `sum(a)`, `sum(a * b)`, with `* (1 - d)` and `* (1 + t)` after";
    for (index, factor) in inside.split(" * ").enumerate() {
        let factor = factor.trim();
        let rate = |sign: char| {
            factor
                .strip_prefix('(')
                .and_then(|f| f.strip_suffix(')'))
                .and_then(|f| f.trim().strip_prefix('1'))
                .and_then(|f| f.trim().strip_prefix(sign))
        };
        let slot = match (rate('-'), rate('+'), index) {
            (Some(less), _, _) if term.less.is_none() && term.plus.is_none() => {
                (&mut term.less, less)
            }
            (_, Some(plus), _) if term.plus.is_none() => (&mut term.plus, plus),
            (None, None, 0) => (&mut term.amount, factor),
            (None, None, 1) if term.less.is_none() => (&mut term.factor, factor),
            _ => return Err(expected.into()),
        };
        *slot.0 = Some(name(slot.1)?);
    }
    if term.amount.is_none() {
        return Err(expected.into());
    }
    Ok(RuleKind::ChildTotal { total, term })
}

/// `a, b are empty when c is empty` (`is` for one column), `when` and `then` split.
fn parse_empty(then: &str, when: &str) -> Result<RuleKind, String> {
    let then = then
        .trim()
        .strip_suffix(" empty")
        .and_then(|then| {
            then.strip_suffix(" are")
                .or_else(|| then.strip_suffix(" is"))
        })
        .ok_or("an empty rule is written `a, b are empty when c is empty`")?;
    let then = then.split(',').map(name).collect::<Result<Vec<_>, _>>()?;
    Ok(RuleKind::Empty {
        when: name(when)?,
        then,
    })
}

/// The most days between two datetimes of the years 0 to 9999, where datetimes are held: a
/// difference rule whose bounds all lie further apart can hold in no row, and drawn to it, a
/// row's dates left the calendar (a late failure naming the column's format).
const MAX_DAYS_APART: f64 = 3_652_425.0;

/// [`MAX_DAYS_APART`] in seconds, for a difference of datetimes given without `days`.
pub(crate) const MAX_SECONDS_APART: f64 = MAX_DAYS_APART * 86_400.0;

fn parse_difference(left: &str, right: &str) -> Result<RuleKind, String> {
    let (to, from) = left
        .split_once(" - ")
        .ok_or("a difference is written `a - b in [min, max]`")?;
    // By a label: `a - b in [min, max] days by c`, with or without the note of the fitted
    // ranges, which training fits again.
    let (right, by) = match right.split_once(" by ") {
        Some((right, by)) => (right, Some(by.split_once(" (").map_or(by, |(by, _)| by))),
        None => (right, None),
    };
    let right = right.trim();
    let (bounds, days) = match right.strip_suffix("days") {
        Some(bounds) => (bounds.trim(), true),
        None => (right, false),
    };
    let scale = if days { 86_400.0 } else { 1.0 };
    let (min, max) = range(bounds, scale)?;
    if days && (min > MAX_DAYS_APART * scale || max < -MAX_DAYS_APART * scale) {
        return Err(format!(
            "no two datetimes of the years 0 to 9999 are that far apart (at most \
             {MAX_DAYS_APART} days): give bounds within [-{MAX_DAYS_APART}, {MAX_DAYS_APART}] days"
        ));
    }
    if let Some(by) = by {
        return Ok(RuleKind::DifferenceBy {
            from: name(from)?,
            to: name(to)?,
            by: name(by)?,
            min,
            max,
            days,
            spans: Vec::new(),
        });
    }
    let (from, year) = match from.trim().strip_prefix(YEAR_START) {
        Some(from) if days => (from, true),
        Some(_) => return Err("a difference from a year's start is in days".into()),
        None => (from, false),
    };
    Ok(RuleKind::Difference {
        from: col(from)?,
        to: col(to)?,
        min,
        max,
        days,
        year,
    })
}

/// How a difference reads a whole-number year as its first instant:
/// `term_start - Jan 1 of students.enrolled_year in [212, 2030] days`.
const YEAR_START: &str = "Jan 1 of ";

/// `top / bottom in [min, max]`: two columns of the table, `min` not below zero.
fn parse_ratio(top: &str, bottom: &str, bounds: &str) -> Result<RuleKind, String> {
    let (min, max) = range(bounds, 1.0)?;
    if min < 0.0 {
        return Err(format!(
            "a ratio's bounds start at 0 or above (the columns are amounts), not {}",
            number(min)
        ));
    }
    if !(1.0 / max).is_finite() {
        return Err(format!(
            "a ratio's largest value must be above 0 (a share of nothing is no rule), not {}",
            number(max)
        ));
    }
    let own = |text: &str| match col(text)? {
        Col::Own(name) => Ok(name),
        Col::Parent { .. } | Col::Grand { .. } => Err(format!(
            "a ratio is between two columns of the table, not `{}`",
            text.trim()
        )),
    };
    Ok(RuleKind::Ratio {
        top: own(top)?,
        bottom: own(bottom)?,
        min,
        max,
    })
}

/// `[min, max]`, each times `scale`: finite, and not empty.
fn range(bounds: &str, scale: f64) -> Result<(f64, f64), String> {
    let inner = bounds
        .trim()
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .ok_or("the bounds are written `[min, max]`")?;
    let (min, max) = inner.split_once(',').ok_or("the bounds are `[min, max]`")?;
    let read = |x: &str| {
        x.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{}` is not a number", x.trim()))
    };
    let (min, max) = (read(min)? * scale, read(max)? * scale);
    if !min.is_finite() || !max.is_finite() {
        return Err("the bounds must be finite numbers".into());
    }
    if min.partial_cmp(&max).is_none_or(|o| o.is_gt()) {
        return Err(format!("the bounds [{min}, {max}] are empty"));
    }
    Ok((min, max))
}

fn parse_equation(target: String, expression: &str) -> Result<RuleKind, String> {
    // Before the functions: the fractions are written in parentheses.
    if let Some((parent, fractions)) = expression.split_once(" * one of ") {
        return parse_fractions(target, parent, fractions);
    }
    for (op, int_op) in [("//", IntOp::Div), ("%", IntOp::Rem)] {
        if let Some((source, divisor)) = expression.split_once(op) {
            let divisor: i64 = divisor
                .trim()
                .parse()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| format!("`{}` is not a positive integer", divisor.trim()))?;
            return Ok(RuleKind::Arithmetic {
                target,
                source: name(source)?,
                op: int_op,
                divisor,
            });
        }
    }
    if let Some(inner) = call(expression, "clock") {
        let (a, b) = inner
            .split_once('+')
            .ok_or("a clock sum is written `clock(time + minutes)`")?;
        return Ok(RuleKind::Sum {
            total: target,
            a: name(a)?,
            b: name(b)?,
            clock: true,
            c: None,
        });
    }
    for unit in TimeUnit::ALL {
        if let Some(inner) = call(expression, unit.name()) {
            let (to, from) = inner.split_once(" - ").ok_or_else(|| {
                format!("an elapsed time is written `{}(to - from)`", unit.name())
            })?;
            return Ok(RuleKind::Elapsed {
                amount: target,
                from: name(from)?,
                to: name(to)?,
                unit,
            });
        }
    }
    if let Some(inner) = call(expression, "datetime") {
        let parts = inner.split(',').map(name).collect::<Result<Vec<_>, _>>()?;
        if parts.len() != 4 {
            return Err("a local time is written `t = datetime(year, month, day, hour)`".into());
        }
        return Ok(RuleKind::LocalTime {
            target,
            parts,
            offsets: Vec::new(),
        });
    }
    if let Some(inner) = call(expression, "lookup") {
        return Ok(RuleKind::Lookup {
            target,
            source: name(inner)?,
            table: Vec::new(),
        });
    }
    if let Some((function, rest)) = expression.split_once('(') {
        let part = Part::named(function.trim()).ok_or_else(|| {
            let names: Vec<&str> = Part::ALL.iter().map(|p| p.name()).collect();
            format!(
                "unknown function `{}` (calendar functions: {}; also clock, lookup)",
                function.trim(),
                names.join(", ")
            )
        })?;
        let source = rest
            .split_once(')')
            .map(|(inside, _)| inside)
            .ok_or("missing `)`")?;
        return Ok(RuleKind::Calendar {
            target,
            source: name(source)?,
            part,
            mapping: Mapping::Offset(0),
        });
    }
    if let Some((a, rest)) = expression.split_once(" + ") {
        let (b, c) = match rest.split_once(" + ") {
            Some((b, c)) => (b, Some(name(c)?)),
            None => (rest, None),
        };
        return Ok(RuleKind::Sum {
            total: target,
            a: name(a)?,
            b: name(b)?,
            clock: false,
            c,
        });
    }
    if let Some((a, rest)) = expression.split_once(" * ") {
        return parse_product(target, a, rest);
    }
    if let Some((a, b)) = expression.split_once(" - ") {
        // t = a - b is a = t + b.
        return Ok(RuleKind::Sum {
            total: name(a)?,
            a: target,
            b: name(b)?,
            clock: false,
            c: None,
        });
    }
    match col(expression)? {
        parent @ Col::Parent { .. } => Ok(RuleKind::CopyParent {
            column: target,
            parent,
        }),
        Col::Own(_) | Col::Grand { .. } => Err(
            "a column equal to another column of the same table is not a rule dxsynth keeps; \
             write `parent.column` for a copy of the parent's column"
                .into(),
        ),
    }
}

/// `t = a * b` of two own columns, or `t = a * parent.price [* [low, high]]` across a key (the
/// key is the one pointing at that parent: found at training, not written).
fn parse_product(total: String, a: &str, rest: &str) -> Result<RuleKind, String> {
    let (b, bounds) = match rest.split_once(" * ") {
        Some((b, bounds)) => (b, Some(bounds)),
        None => (rest, None),
    };
    match (col(b)?, bounds) {
        (Col::Own(b), None) => Ok(RuleKind::Product {
            total,
            a: name(a)?,
            b,
        }),
        (Col::Own(_), Some(_)) => Err(
            "a range of ratios `* [low, high]` follows only a column of a key's row \
             (`t = a * parent.column * [low, high]`)"
                .into(),
        ),
        (price, bounds) => {
            let (low, high) = bounds.map_or(Ok((1.0, 1.0)), |bounds| range(bounds, 1.0))?;
            Ok(RuleKind::KeyedProduct {
                total,
                a: name(a)?,
                key: String::new(),
                price,
                low,
                high,
            })
        }
    }
}

/// `t = parent.column * one of (f1, f2, ...)`: fractions above zero, at most
/// [`MAX_FRACTIONS`], kept as written (sorted).
fn parse_fractions(column: String, parent: &str, fractions: &str) -> Result<RuleKind, String> {
    let shape = "fractions of the parent's column are written \
                 `c = parent.column * one of (0.2, 0.8, 1)`";
    let parent = match col(parent)? {
        parent @ Col::Parent { .. } => parent,
        Col::Own(_) | Col::Grand { .. } => return Err(shape.into()),
    };
    let inside = fractions
        .trim()
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or(shape)?;
    let mut fractions = inside
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f > 0.0)
        })
        .collect::<Option<Vec<f64>>>()
        .ok_or("fractions are numbers above zero")?;
    fractions.sort_unstable_by(f64::total_cmp);
    fractions.dedup();
    if fractions.len() > super::MAX_FRACTIONS {
        return Err(format!("at most {} fractions", super::MAX_FRACTIONS));
    }
    Ok(RuleKind::Fractions {
        column,
        parent,
        fractions,
    })
}

/// The inside of `function(...)`.
fn call<'t>(expression: &'t str, function: &str) -> Option<&'t str> {
    expression
        .strip_prefix(function)?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// A column reference: `name` or `parent.name`.
fn col(text: &str) -> Result<Col, String> {
    let text = text.trim();
    match text.split_once('.') {
        Some((table, column)) => Ok(Col::Parent {
            table: name(table)?,
            column: name(column)?,
        }),
        None => Ok(Col::Own(name(text)?)),
    }
}

/// A bare column name.
fn name(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        Err(format!("`{text}` is not a column name"))
    } else {
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_rules_read_back() {
        for text in [
            "l_shipdate <= l_receiptdate",
            "orders.o_totalprice = sum(l_extendedprice * (1 - l_discount) * (1 + l_tax))",
            "orders.o_totalprice = sum(l_extendedprice)",
            "orders.o_totalprice = sum(l_quantity * l_price * (1 + l_tax))",
            "customers.orders = count()",
            "orders.o_orderdate < l_shipdate",
            "l_commitdate - orders.o_orderdate in [30, 90] days",
            "hour = sched_dep_time // 100",
            "minute = sched_dep_time % 100",
            "d_year = year(d_date)",
            "dep_time = clock(sched_dep_time + dep_delay)",
            "total = subtotal + tax",
            "amount = cash + charge + credit",
            "amount = quantity * unit_price",
            "l_extendedprice = l_quantity * part.p_retailprice",
            "total = quantity * products.price * [0.9502, 1.05]",
            "dep_time is a clock time",
            "c_birth_year, c_birth_month, c_birth_day form a date",
            "country = customers.country",
            "amount = bookings.total * one of (0.2, 0.8, 1)",
            "time_hour = datetime(year, month, day, hour)",
            "air_time is empty when arr_delay is empty",
            "arr_delay, air_time are empty when arr_time is empty",
            // Extreme bounds in scientific notation: not 309 digits, and not 0.
            "b - a in [-1e308, 1e308]",
            "b - a in [1e-10, 0.5]",
            "ss_list_price / ss_wholesale_cost in [1, 2]",
            "ss_ext_tax / ss_net_paid in [0, 0.09]",
            "duration_min = minutes(end_time - start_time)",
            "days_in_transit = days(delivered_on - shipped_on)",
            "promised_date = shipped_at + days by service",
            "delivered_at - shipped_at in [0.4, 6.25] days by service",
            "ends_on = starts_on + months by plan",
            "event_time = shipments.shipped_at where status = Picked Up",
            "event_time = shipments.delivered_at where status = Out + days by van",
        ] {
            let rule = parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
            assert_eq!(rule.to_string(), text);
        }
    }

    #[test]
    fn differences_and_lookups_read() {
        let rule = parse("net = paid - cost").unwrap();
        assert_eq!(rule.to_string(), "paid = net + cost");
        assert!(matches!(
            parse("tz = lookup(tzone)"),
            Ok(RuleKind::Lookup { .. })
        ));
        assert!(matches!(
            parse("tz = lookup(tzone) (3 values)"),
            Ok(RuleKind::Lookup { .. })
        ));
        // Values of children: the sets are fitted on the data, the note is left out.
        let rule = parse("orders.o_orderstatus = lookup(values of l_linestatus) (3 values)");
        assert!(matches!(
            &rule,
            Ok(RuleKind::ChildValues { source, table, .. })
                if source == "l_linestatus" && table.is_empty()
        ));
        assert!(parse("o_orderstatus = lookup(values of l_linestatus)").is_err());
        // Periods: fitted on the data, the note left out; printed as written.
        let text = "l_returnflag in periods of l_receiptdate";
        let rule = parse(&format!("{text} (3 values)")).expect("periods read");
        assert!(matches!(
            &rule,
            RuleKind::Periods { target, source, periods }
                if target == "l_returnflag" && source == "l_receiptdate" && periods.is_empty()
        ));
        assert_eq!(rule.to_string(), format!("{text} (0 values)"));
        // Belongs: fitted on the data as periods are.
        let text = "i_class belongs to i_category";
        let rule = parse(&format!("{text} (72 pairs)")).expect("belongs read");
        assert!(matches!(
            &rule,
            RuleKind::Belongs { target, source, pairs }
                if target == "i_class" && source == "i_category" && pairs.is_empty()
        ));
        assert_eq!(rule.to_string(), format!("{text} (0 pairs)"));
        // Printed with owners of rare members only, and read back.
        let label = |text: &str| crate::data::Value::Label(text.into());
        let fitted = RuleKind::Belongs {
            target: "i_class".into(),
            source: "i_category".into(),
            pairs: vec![
                (label("Jewelry"), crate::data::Value::Null, 19),
                (label("Shoes"), label("kids"), 8),
            ],
        };
        let printed = fitted.to_string();
        assert_eq!(
            printed,
            format!("{text} (empty beside Jewelry, of rare members only; 1 pairs)")
        );
        assert!(matches!(parse(&printed), Ok(RuleKind::Belongs { .. })));
        assert!(matches!(
            parse("d_day_name = weekday(d_date) (by lookup, 7 values)"),
            Ok(RuleKind::Calendar { .. })
        ));
        assert!(parse("a = b").is_err());
        assert!(
            parse("a = b * one of (0.2, 1)").is_err(),
            "the parent's column only"
        );
        assert!(
            parse("a = p.b * one of (0, 1)").is_err(),
            "fractions above zero"
        );
        assert!(parse("a = p.b * one of 0.2, 1").is_err());
        assert_eq!(
            parse("a = p.b * one of (1, 0.2)").map(|rule| rule.to_string()),
            Ok("a = p.b * one of (0.2, 1)".to_string())
        );
        assert!(
            parse("a = fortnight(b)")
                .unwrap_err()
                .contains("unknown function")
        );
        assert!(parse("a - b in [3, 1]").is_err());
        assert!(parse("a - b in [0, inf]").is_err());
        assert!(parse("a - b in [NaN, 1]").is_err());
        assert!(parse("a - b in [0, 1e304] days").is_err());
        let far = parse("date - accounts.opened in [-1e12, -1e11] days").unwrap_err();
        assert!(far.contains("that far apart"), "{far}");
        assert!(parse("a - b in [3652426, 4e6] days").is_err());
        assert!(parse("a - b in [0, 1e9] days").is_ok(), "reachable in part");
        assert!(
            parse("a - b in [-1e12, -1e11]").is_ok(),
            "numbers, not days"
        );
        assert!(
            parse("tax / paid in [-0.5, 0.09]").is_err(),
            "a ratio of amounts"
        );
        assert!(
            parse("tax / orders.paid in [0, 0.09]").is_err(),
            "own columns only"
        );
        assert!(
            parse("a/b in [1,5]")
                .unwrap_err()
                .contains("a ratio is written"),
            "a ratio without spaces is told how a ratio is written"
        );
        assert!(parse("just words").is_err());
        assert!(
            parse("a = b where s = x").is_err(),
            "a copy of the parent's column"
        );
        assert!(parse("a = p.b where s =").is_err(), "a label");
        assert!(matches!(
            parse("a = p.b where s = 5"),
            Ok(RuleKind::CopyParentWhen { label: Value::Label(label), .. }) if &*label == "5"
        ));
        assert_eq!(
            parse(" a,b  are empty when  c is empty"),
            Ok(RuleKind::Empty {
                when: "c".into(),
                then: vec!["a".into(), "b".into()],
            })
        );
        assert!(parse("a is empty when c d is empty").is_err());
        assert!(parse("a, , b are empty when c is empty").is_err());
        assert!(parse("a empty when c is empty").is_err());
    }
}
