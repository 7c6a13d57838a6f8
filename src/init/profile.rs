//! Column profiles: what each column's values allow it to be, computed once per column.
//!
//! Only *key-shaped* columns (integers, categories, ids) can be keys or references; for those the
//! distinct values are kept (borrowed from the CSV text, so keys compare exactly as
//! `dxsynth validate` compares them), with what the odds of chance containment need.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::data::{RawTable, TextColumn, ValueFormat, infer_kind};
use crate::schema::ColumnKind;

use super::names::{Name, table_prefix};

/// A column of one of the profiled tables: (table index, column index) into the list of
/// [`TableProfile`]s, which it indexes.
pub(super) type ColumnRef = (usize, usize);

/// One table's columns, profiled.
pub(super) struct TableProfile<'a> {
    /// The table's name in the schema.
    pub name: String,
    /// Number of rows (at least 1: empty tables are left out before profiling).
    pub rows: usize,
    /// The columns in header order.
    pub columns: Vec<ColumnProfile<'a>>,
    /// The cells, column by column, for counting children and checking order.
    pub cells: &'a [TextColumn],
}

/// One column, profiled.
pub(super) struct ColumnProfile<'a> {
    /// The header name.
    pub name: &'a str,
    /// The inferred type (the same inference `validate` and `run` use).
    pub kind: ColumnKind,
    /// How values are written (integer, decimal, datetime pattern, ...).
    pub format: ValueFormat,
    /// Non-empty cells.
    pub non_null: usize,
    /// The name taken apart.
    pub names: Name,
    /// Distinct values, for key-shaped columns with at least one value.
    pub values: Option<KeyValues<'a>>,
}

/// The distinct values of a key-shaped column.
pub(super) struct KeyValues<'a> {
    /// Every distinct value.
    pub distinct: HashSet<&'a str>,
    /// The distinct values as sorted integers, when all of them are integers.
    pub integers: Option<Vec<i64>>,
    /// Length in characters of the shortest value.
    pub min_len: usize,
    /// Number of distinct characters used by the values.
    pub alphabet: usize,
}

impl<'a> TableProfile<'a> {
    /// Profiles every column of a table read as text.
    pub fn new(name: &str, raw: &'a RawTable) -> TableProfile<'a> {
        let prefix = table_prefix(&raw.header);
        let columns = raw
            .header
            .par_iter()
            .zip(raw.cells.par_iter())
            .map(|(column, cells)| ColumnProfile::new(column, cells, prefix.as_deref()))
            .collect();
        TableProfile {
            name: name.to_string(),
            rows: raw.lines.len(),
            columns,
            cells: &raw.cells,
        }
    }

    /// Whether a column is unique and never empty, and shaped like a key.
    pub fn is_unique(&self, column: usize) -> bool {
        let profile = &self.columns[column];
        profile.non_null == self.rows
            && !profile.name.is_empty()
            && profile
                .values
                .as_ref()
                .is_some_and(|values| values.distinct.len() == self.rows)
    }
}

impl<'a> ColumnProfile<'a> {
    fn new(name: &'a str, cells: &'a TextColumn, prefix: Option<&str>) -> ColumnProfile<'a> {
        let present: Vec<&str> = cells.iter().flatten().collect();
        let (kind, format) = infer_kind(&present);
        let values =
            (!present.is_empty() && is_key_shaped(kind, &format)).then(|| KeyValues::new(&present));
        ColumnProfile {
            name,
            kind,
            format,
            non_null: present.len(),
            names: Name::new(name, prefix),
            values,
        }
    }
}

/// Keys are integers or labels; decimals, dates, booleans and free text are never keys.
fn is_key_shaped(kind: ColumnKind, format: &ValueFormat) -> bool {
    match kind {
        ColumnKind::Numerical => *format == ValueFormat::Integer,
        ColumnKind::Categorical | ColumnKind::Id => true,
        ColumnKind::Boolean | ColumnKind::Datetime | ColumnKind::Text => false,
    }
}

impl<'a> KeyValues<'a> {
    fn new(present: &[&'a str]) -> KeyValues<'a> {
        let distinct: HashSet<&'a str> = present.iter().copied().collect();
        let integers: Option<Vec<i64>> = distinct.iter().map(|v| v.parse().ok()).collect();
        let integers = integers.map(|mut sorted: Vec<i64>| {
            sorted.sort_unstable();
            sorted
        });
        let min_len = distinct
            .iter()
            .map(|v| v.chars().count())
            .min()
            .unwrap_or(0);
        let alphabet = distinct
            .iter()
            .flat_map(|v| v.chars())
            .collect::<HashSet<char>>()
            .len();
        KeyValues {
            distinct,
            integers,
            min_len,
            alphabet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::testing::raw;

    #[test]
    fn unique_key_shaped_columns_only() {
        let table = raw(
            &["id", "price", "note", "empty"],
            &[
                &["1", "1.5", "a", ""],
                &["2", "2.5", "b", ""],
                &["3", "3.5", "a", ""],
            ],
        );
        let profile = TableProfile::new("t", &table);
        assert!(profile.is_unique(0));
        assert!(!profile.is_unique(1), "decimals are never keys");
        assert!(!profile.is_unique(2), "repeated values");
        assert!(!profile.is_unique(3), "all empty");
        assert!(profile.columns[3].values.is_none());
        assert_eq!(
            profile.columns[0].values.as_ref().unwrap().integers,
            Some(vec![1, 2, 3])
        );
    }
}
