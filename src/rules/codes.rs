//! Codes made of parts other columns tell: a code that starts with a column of the row its
//! foreign key points at, then a fixed separator ([`RuleKind::KeyedPrefix`]: a course's
//! `CS 120` with its department's `CS`, a product's `EL-4431` with its category's `EL`), and
//! a digit of a code that is a whole-number column of its row ([`RuleKind::CodeDigit`]: the
//! first digit of `CS 320` is the course's level 3).
//!
//! Why: an id is drawn in the shape of the real ones, its letters and digits each on their
//! own, so 370 of 400 synthetic courses named another department than theirs and 351 of 400
//! started their number with another digit than their level. The key is assigned after the
//! rows are drawn, so both rules are kept then, beside the copies across a key
//! (`keyed`): the prefix put in, the digit set, and codes that were all distinct
//! kept so by changing their other digits.

use std::collections::HashSet;

use super::measure::{MIN_SUPPORT, chance_rate, significant, text};
use super::{Col, Frame, Resolved, Rule, RuleKind};
use crate::data::{Column, Value};
use crate::schema::ColumnKind;

/// The codes and prefix columns screened (the first of a table's columns).
const MAX_COLUMNS: usize = 24;

/// The digits counted from a code's start that may be a column's.
const MAX_PLACE: usize = 4;

/// Tries to find a free code for a repeated one, by other digits, before keeping it.
const MAX_TRIES: u64 = 64;

/// Whether a column holds codes (strings drawn whole or in the shape of the real ones).
fn is_code(column: &Column) -> bool {
    matches!(column.kind, ColumnKind::Id | ColumnKind::Categorical)
}

/// Whether the present values of `column` over `rows` are all distinct.
fn all_distinct(column: &Column) -> bool {
    let mut seen = HashSet::new();
    (column.values.iter())
        .filter_map(text)
        .all(|value| seen.insert(value))
}

/// The own codes (id or category columns `determined` does not name) that start, in every
/// real row with both values, with a column of the key's row (the frame's parent) and one
/// separator, all the same; in at least [`MIN_SUPPORT`] rows, where the key's value of another
/// row would break it far more often. One prefix column per code, the first that holds.
pub fn keyed_prefixes(
    frame: &Frame<'_>,
    key: &str,
    determined: &dyn Fn(&str) -> bool,
) -> Vec<Rule> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for own in frame.columns.iter().take(MAX_COLUMNS) {
        if !is_code(own) || determined(&own.name) {
            continue;
        }
        for theirs in parent
            .columns
            .iter()
            .filter(|c| is_code(c))
            .take(MAX_COLUMNS)
        {
            let prefix = Col::Parent {
                table: parent.table.to_string(),
                column: theirs.name.clone(),
            };
            let Some(resolved) = frame.resolve(&prefix) else {
                continue;
            };
            let Some(separator) = separator_of(frame, Resolved::Own(own), resolved) else {
                continue;
            };
            let kind = RuleKind::KeyedPrefix {
                column: own.name.clone(),
                key: key.to_string(),
                prefix,
                separator: separator.to_string(),
                distinct: all_distinct(own),
            };
            if let Some(rule) = holding(kind, frame) {
                found.push(rule);
                break;
            }
        }
    }
    found
}

/// The separator every row's code puts after the prefix it starts with, when every row with
/// both values has one, the same, and there are such rows.
fn separator_of(frame: &Frame<'_>, code: Resolved<'_>, prefix: Resolved<'_>) -> Option<char> {
    let mut separator = None;
    for row in 0..frame.rows {
        let (Some(code), Some(prefix)) = (text(code.value(row)), text(prefix.value(row))) else {
            continue;
        };
        let next = code.strip_prefix(prefix)?.chars().next()?;
        if next.is_alphanumeric() || separator.is_some_and(|s| s != next) {
            return None;
        }
        separator = Some(next);
    }
    separator
}

/// The whole-number columns (every value 0 to 9, two values at least) that a digit of an
/// own code equals in every real row with both values: the first such digit (of the first
/// [`MAX_PLACE`]) per code and column, in at least [`MIN_SUPPORT`] rows, no coincidence.
pub fn digits(frame: &Frame<'_>) -> Vec<RuleKind> {
    let columns = || frame.columns.iter().take(MAX_COLUMNS);
    let sources: Vec<&Column> = columns().filter(|c| is_digit_column(c)).collect();
    let mut found = Vec::new();
    for code in columns().filter(|c| is_code(c)) {
        let distinct = all_distinct(code);
        for source in &sources {
            let places = (1..=MAX_PLACE).map(|place| RuleKind::CodeDigit {
                column: code.name.clone(),
                place,
                source: source.name.clone(),
                distinct,
            });
            if let Some(rule) = places.filter_map(|kind| holding(kind, frame)).next() {
                found.push(rule.kind);
            }
        }
    }
    found
}

/// Whether every value of a numerical column is a whole number 0 to 9, with two of them.
fn is_digit_column(column: &Column) -> bool {
    if column.kind != ColumnKind::Numerical {
        return false;
    }
    let mut seen = [false; 10];
    for value in &column.values {
        match value {
            Value::Null => {}
            Value::Number(x) if x.fract() == 0.0 && (0.0..=9.0).contains(x) => {
                seen[*x as usize] = true;
            }
            _ => return false,
        }
    }
    seen.iter().filter(|seen| **seen).count() >= 2
}

/// The rule, measured, when it holds in every real row with its values, at least
/// [`MIN_SUPPORT`] of them, and another row's value would break it far more often.
fn holding(kind: RuleKind, frame: &Frame<'_>) -> Option<Rule> {
    let columns: Vec<Resolved<'_>> = (kind.columns().iter())
        .map(|col| frame.resolve(col))
        .collect::<Option<_>>()?;
    let check = super::measure::row_check(&kind, &columns);
    let (mut support, mut sample) = (0usize, Vec::new());
    for row in 0..frame.rows {
        let values: Vec<&Value> = columns.iter().map(|c| c.value(row)).collect();
        match check(&values) {
            Some(false) => return None,
            Some(true) => {
                support += 1;
                if sample.len() < 512 {
                    sample.push(row);
                }
            }
            None => {}
        }
    }
    let chance = chance_rate(&sample, |row, other| {
        check(&[columns[0].value(other), columns[1].value(row)])
    })?;
    drop(check);
    (support >= MIN_SUPPORT && significant(support, 0, chance)).then_some(Rule {
        kind,
        support,
        holding: support,
        origin: super::Origin::Found,
        gaps: Vec::new(),
    })
}

/// The foreign keys' rows: by key column, the parent row of every row and the parent's
/// columns (what `keyed::keep` is given).
pub type KeyRows<'a> = indexmap::IndexMap<&'a str, (&'a [Option<usize>], &'a [Column])>;

/// Keeps every code rule in a table's rows (`columns`, whose keys' rows are `keys`): each
/// code's prefix put in, then its digits set, then, where the real codes were all distinct, a
/// code an earlier row holds given other free digits (from a hash of the row's number
/// `first_row + row` and the try, so a table made whole or in parts gets the same codes, each
/// part distinct in itself). A row without its values keeps its code.
pub fn keep(rules: &[Rule], columns: &mut [Column], keys: &KeyRows<'_>, first_row: usize) {
    let mut coded: Vec<&str> = Vec::new();
    for rule in rules {
        if let RuleKind::KeyedPrefix { column, .. } | RuleKind::CodeDigit { column, .. } =
            &rule.kind
            && !coded.contains(&column.as_str())
        {
            coded.push(column);
        }
    }
    for name in coded {
        let Some(at) = columns.iter().position(|c| c.name == name) else {
            continue;
        };
        let of_code = |rule: &&Rule| rule.kind.columns().first() == Some(&Col::Own(name.into()));
        let rules: Vec<&Rule> = rules.iter().filter(of_code).collect();
        let Some(code) = Code::of(&rules, columns, keys) else {
            continue;
        };
        let values = code.written(&columns[at].values, columns, first_row);
        columns[at].values = values;
    }
}

/// The rules of one code column, resolved against a table.
struct Code<'a> {
    /// The prefix's separator, the key's parent rows and the prefix column.
    prefix: Option<(char, &'a [Option<usize>], &'a Column)>,
    /// Each digit's place (from 1) and its column's position among the table's.
    digits: Vec<(usize, usize)>,
    /// Whether the real codes were all distinct.
    distinct: bool,
}

impl<'a> Code<'a> {
    fn of(rules: &[&Rule], columns: &[Column], keys: &KeyRows<'a>) -> Option<Code<'a>> {
        let mut code = Code {
            prefix: None,
            digits: Vec::new(),
            distinct: false,
        };
        for rule in rules {
            match &rule.kind {
                RuleKind::KeyedPrefix {
                    key,
                    prefix: Col::Parent { column, .. },
                    separator,
                    distinct,
                    ..
                } => {
                    let (rows, parent) = keys.get(key.as_str())?;
                    let prefix = parent.iter().find(|c| &c.name == column)?;
                    code.prefix = Some((separator.chars().next()?, rows, prefix));
                    code.distinct |= distinct;
                }
                RuleKind::CodeDigit {
                    place,
                    source,
                    distinct,
                    ..
                } => {
                    let at = columns.iter().position(|c| &c.name == source)?;
                    code.digits.push((*place, at));
                    code.distinct |= distinct;
                }
                _ => {}
            }
        }
        Some(code)
    }

    /// The codes `drawn` with the rules kept, and kept distinct where the real ones were.
    fn written(&self, drawn: &[Value], columns: &[Column], first_row: usize) -> Vec<Value> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::with_capacity(drawn.len());
        for (row, value) in drawn.iter().enumerate() {
            let Some(text) = text(value) else {
                out.push(value.clone());
                continue;
            };
            let (mut code, start) = self.prefixed(text, row);
            let locked = self.set_digits(&mut code, start, columns, row);
            if self.distinct && seen.contains(&code) {
                code = self.free(&code, (start, &locked), &seen, first_row + row);
            }
            if self.distinct {
                seen.insert(code.clone());
            }
            out.push(Value::Label(code.into()));
        }
        out
    }

    /// The code with the key's row's prefix in place of the part before the drawn code's first
    /// separator (before all of it when it has none), and where its own part starts.
    fn prefixed(&self, text: &str, row: usize) -> (String, usize) {
        let Some((separator, rows, column)) = self.prefix else {
            return (text.to_string(), 0);
        };
        let prefix = rows
            .get(row)
            .copied()
            .flatten()
            .and_then(|parent| column.values.get(parent))
            .and_then(|value| match value {
                Value::Label(prefix) => Some(prefix),
                _ => None,
            });
        let Some(prefix) = prefix else {
            return (text.to_string(), 0);
        };
        let rest = text.split_once(separator).map_or(text, |(_, rest)| rest);
        let code = format!("{prefix}{separator}{rest}");
        let start = prefix.len() + separator.len_utf8();
        (code, start)
    }

    /// Sets each digit a rule names from its column's value in `row` (counting the digits of
    /// the whole code, as found); the byte positions set.
    fn set_digits(
        &self,
        code: &mut String,
        start: usize,
        columns: &[Column],
        row: usize,
    ) -> Vec<usize> {
        let mut locked = Vec::new();
        for &(place, column) in &self.digits {
            let digit = columns[column].values.get(row).and_then(Value::as_number);
            let Some(digit) = digit.filter(|d| d.fract() == 0.0 && (0.0..=9.0).contains(d)) else {
                continue;
            };
            let at = code
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .nth(place - 1)
                .map(|(at, _)| at);
            if let Some(at) = at.filter(|at| *at >= start) {
                let digit = char::from(b'0' + digit as u8);
                code.replace_range(at..at + 1, digit.encode_utf8(&mut [0; 4]));
                locked.push(at);
            }
        }
        locked
    }

    /// `code` with its free digits (after `start`, none of `locked`) drawn again from a hash
    /// of the row and the try until no earlier row holds it; `code` itself when no try finds
    /// one.
    fn free(
        &self,
        code: &str,
        (start, locked): (usize, &[usize]),
        seen: &HashSet<String>,
        row: usize,
    ) -> String {
        let free: Vec<usize> = (code.char_indices())
            .filter(|(at, c)| *at >= start && c.is_ascii_digit() && !locked.contains(at))
            .map(|(at, _)| at)
            .collect();
        if free.is_empty() {
            return code.to_string();
        }
        for attempt in 0..MAX_TRIES {
            let uniform = crate::sampling::row_uniform(row as u64, attempt);
            let mut bits = (uniform * 1e15) as u64;
            let mut bytes = code.as_bytes().to_vec();
            for &at in &free {
                bytes[at] = b'0' + (bits % 10) as u8;
                bits /= 10;
            }
            let candidate = String::from_utf8(bytes).unwrap_or_default();
            if !candidate.is_empty() && !seen.contains(&candidate) {
                return candidate;
            }
        }
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::rules::ParentFrame;

    const DEPARTMENTS: [&str; 5] = ["CS", "MATH", "PHYS", "BIO", "ARTH"];

    fn levels(values: &[usize]) -> Column {
        Column {
            name: "level".into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Decimal {
                min_places: 0,
                max_places: 0,
            },
            values: values.iter().map(|&x| Value::Number(x as f64)).collect(),
        }
    }

    fn ids(name: &str, values: Vec<String>) -> Column {
        Column {
            kind: ColumnKind::Id,
            ..Column::of_labels(name, values)
        }
    }

    /// 200 courses of five departments (row `i` of department `i % 5`), each coded with its
    /// department's code, a space and a number whose first digit is its level (1 to 4); with
    /// `shuffled`, the code names the department of another row, and the level is not the
    /// code's. Returns the department of each row, the departments and the courses.
    fn courses(shuffled: bool) -> (Vec<Option<usize>>, Vec<Column>, Vec<Column>) {
        let row_of: Vec<Option<usize>> = (0..200).map(|i| Some(i % 5)).collect();
        let level: Vec<usize> = (0..200).map(|i| 1 + (i * 7 / 3) % 4).collect();
        let code: Vec<String> = (0..200)
            .map(|i| {
                let (department, first) = match shuffled {
                    false => (i % 5, level[i]),
                    true => ((i * 3 + 1) % 5, 1 + (i * 11 / 7) % 4),
                };
                format!("{} {first}{:02}", DEPARTMENTS[department], i % 97)
            })
            .collect();
        let departments = vec![Column::of_labels(
            "code",
            DEPARTMENTS.iter().map(|d| d.to_string()),
        )];
        (row_of, departments, vec![ids("code", code), levels(&level)])
    }

    fn frame<'a>(
        row_of: &'a [Option<usize>],
        departments: &'a [Column],
        courses: &'a [Column],
    ) -> Frame<'a> {
        Frame {
            columns: courses,
            rows: row_of.len(),
            parent: Some(ParentFrame {
                table: "departments",
                columns: departments,
                row_of,
                grand: &[],
            }),
        }
    }

    /// Planted: a course's code starts with its department's code and a space, and its first
    /// digit is its level; shuffled, neither rule is found.
    #[test]
    fn a_code_s_prefix_and_digit_are_found_where_they_hold() {
        let (row_of, departments, own) = courses(false);
        let frame = frame(&row_of, &departments, &own);
        let prefixes = keyed_prefixes(&frame, "department_id", &|_| false);
        let shown: Vec<String> = prefixes.iter().map(|r| r.kind.to_string()).collect();
        assert_eq!(shown, ["code starts with departments.code then \" \""]);
        assert!(matches!(
            prefixes[0].kind,
            RuleKind::KeyedPrefix { distinct: true, .. }
        ));
        let digits: Vec<String> = digits(&frame).iter().map(ToString::to_string).collect();
        assert_eq!(digits, ["digit 1 of code = level"]);
        // Written, a rule reads back as itself (an `off:` entry matches it).
        for rule in prefixes
            .iter()
            .map(|r| &r.kind)
            .chain(&super::digits(&frame))
        {
            let read = crate::rules::text::parse(&rule.to_string()).expect("reads");
            assert_eq!(read.identity(), rule.identity());
        }
        let (row_of, departments, own) = courses(true);
        let frame = super::tests::frame(&row_of, &departments, &own);
        assert!(keyed_prefixes(&frame, "department_id", &|_| false).is_empty());
        assert!(super::digits(&frame).is_empty());
    }

    /// Drawn codes of other departments and levels, some the same, are given their key's
    /// department and their level's digit, the rest of the number kept, and stay distinct.
    #[test]
    fn generation_puts_the_key_s_prefix_and_the_row_s_digit_in_and_keeps_codes_distinct() {
        let (row_of, departments, own) = courses(false);
        let frame = frame(&row_of, &departments, &own);
        let mut rules = keyed_prefixes(&frame, "department_id", &|_| false);
        rules.extend(digits(&frame).into_iter().map(Rule::planted));
        let drawn = [
            "ARTH 540", "CS 206", "PSY 893", "PSY 893", "ME 474", "X 105",
        ];
        let mut columns = vec![
            ids("code", drawn.iter().map(|d| d.to_string()).collect()),
            levels(&[3, 2, 1, 1, 4, 1]),
        ];
        let keys_of = [Some(0), Some(0), Some(2), Some(2), Some(4), Some(1)];
        let keys: KeyRows<'_> = [("department_id", (&keys_of[..], departments.as_slice()))]
            .into_iter()
            .collect();
        keep(&rules, &mut columns, &keys, 0);
        let codes: Vec<&str> = columns[0].values.iter().filter_map(text).collect();
        assert_eq!(&codes[..3], ["CS 340", "CS 206", "PHYS 193"]);
        assert_eq!(codes[4..], ["ARTH 474", "MATH 105"]);
        assert!(
            codes[3].starts_with("PHYS 1") && codes[3].len() == 8,
            "{codes:?}"
        );
        assert_ne!(codes[3], codes[2]);
        // Made in parts from the same row numbers, the same codes.
        let mut again = vec![
            ids("code", drawn.iter().map(|d| d.to_string()).collect()),
            levels(&[3, 2, 1, 1, 4, 1]),
        ];
        keep(&rules, &mut again, &keys, 0);
        assert_eq!(again[0].values, columns[0].values);
    }
}
