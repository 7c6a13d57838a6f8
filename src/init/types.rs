//! Column types where inference is a close call: written out explicitly (so the choice is in
//! the schema, where the user can flip it) or commented.
//!
//! The types themselves come from [`crate::data::infer_kind`], the inference `validate` and `run`
//! use; this module only recognises when that inference had to guess.

use std::collections::HashSet;

use crate::data::{TextColumn, ValueFormat, parse_datetime};
use crate::schema::ColumnKind;

use super::inferred::ColumnNote;
use super::links::shown;
use super::profile::TableProfile;

/// Integer columns with at most this many distinct values may be codes rather than quantities.
const FEW_INTEGERS: usize = 10;
/// A type read from fewer non-empty values than this is a guess.
const FEW_VALUES: usize = 5;

/// Notes (and explicit types) for the non-key columns of a table whose type is a close call.
pub(super) fn notes(table: &TableProfile, keys: &HashSet<&str>) -> Vec<ColumnNote> {
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| !keys.contains(column.name))
        .filter_map(|(index, column)| {
            let note = |kind, format, why| ColumnNote {
                column: column.name.to_string(),
                kind,
                format,
                why,
            };
            if column.non_null == 0 {
                return Some(note(
                    None,
                    None,
                    format!(
                        "`{}` is empty in every row: typed {}, written empty",
                        column.name, column.kind
                    ),
                ));
            }
            if let Some((pattern, other)) = ambiguous_date(&table.cells[index], &column.format) {
                return Some(note(
                    Some(ColumnKind::Datetime),
                    Some(pattern.clone()),
                    format!(
                        "both `{pattern}` and `{other}` read every value of `{}` (no day above \
                         12): check which one is right",
                        column.name
                    ),
                ));
            }
            if let Some(values) = few_integers(column) {
                return Some(note(
                    Some(ColumnKind::Numerical),
                    None,
                    format!(
                        "`{}` has only {} distinct integers ({values}): kept numerical; write \
                         `categorical` if they are codes rather than quantities",
                        column.name,
                        column.values.as_ref().map_or(0, |v| v.distinct.len())
                    ),
                ));
            }
            (column.non_null < FEW_VALUES && column.non_null < table.rows).then(|| {
                note(
                    None,
                    None,
                    format!(
                        "`{}` has only {} non-empty {}: its type ({}) is a guess",
                        column.name,
                        column.non_null,
                        if column.non_null == 1 {
                            "value"
                        } else {
                            "values"
                        },
                        column.kind
                    ),
                )
            })
        })
        .collect()
}

/// A day/month pattern whose swapped twin reads every value too.
fn ambiguous_date(cells: &TextColumn, format: &ValueFormat) -> Option<(String, String)> {
    let ValueFormat::Datetime { pattern, .. } = format else {
        return None;
    };
    // Month and day next to each other, with or without leading zeros (`%-m/%-d`).
    let other = ["%m", "%-m"].iter().find_map(|month| {
        ["%d", "%-d"].iter().find_map(|day| {
            ["/", "."].iter().find_map(|between| {
                let swap = |first: &str, second: &str| {
                    let pair = format!("{first}{between}{second}");
                    let swapped = format!("{second}{between}{first}");
                    pattern
                        .contains(&pair)
                        .then(|| pattern.replacen(&pair, &swapped, 1))
                };
                // `%m.%d` is not a pattern inferred: only `%d.%m` is swapped.
                let month_first = (*between == "/").then(|| swap(month, day)).flatten();
                month_first.or_else(|| swap(day, month))
            })
        })
    })?;
    cells
        .iter()
        .flatten()
        .all(|cell| parse_datetime(cell, &other).is_some())
        .then(|| (pattern.clone(), other))
}

/// "1, 2, 3, 4" when an integer column has 2..=10 distinct values in a table of 20+ rows.
fn few_integers(column: &super::profile::ColumnProfile) -> Option<String> {
    let values = column.values.as_ref()?;
    let integers = values.integers.as_ref()?;
    let enough_rows = column.non_null >= 20;
    (column.kind == ColumnKind::Numerical
        && enough_rows
        && (2..=FEW_INTEGERS).contains(&integers.len()))
    .then(|| {
        integers
            .iter()
            .map(|v| shown(&v.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::testing::raw;

    #[test]
    fn close_calls_are_noted() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for i in 0..30 {
            rows.push(vec![
                (i % 3).to_string(),
                format!("0{}/0{}/2020", i % 9 + 1, i % 7 + 1),
                String::new(),
                (i * 17).to_string(),
            ]);
        }
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        let table = raw(
            &["engines", "day", "empty", "amount"],
            &rows.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        );
        let profile = TableProfile::new("t", &table);
        let notes = notes(&profile, &HashSet::new());
        let columns: Vec<&str> = notes.iter().map(|n| n.column.as_str()).collect();
        assert_eq!(columns, ["engines", "day", "empty"]);
        assert_eq!(notes[0].kind, Some(ColumnKind::Numerical));
        assert_eq!(notes[1].format.as_deref(), Some("%m/%d/%Y"));
        assert_eq!(notes[2].kind, None);
    }
}
