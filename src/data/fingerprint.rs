//! Row fingerprints: one 64-bit hash of every modelled value of a row, so that whole rows of a
//! table too large to keep can still be compared (is a synthetic row a copy of a real one?)
//! at eight bytes a row.
//!
//! A row's fingerprint is the wrapping sum of its cells' hashes, each cell hashed with its
//! column's name: the order of the columns does not matter (a synthetic file may order them
//! differently), and two rows meet only when every column holds the same value (or, for
//! different rows, with a chance of about one in 2^64 per pair). Values compare as
//! the exact-copy check compares them: numbers by their bits (`-0` as `0`), labels by their
//! text, booleans, empty fields.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Column, Value};

/// The hashes of one column's cells.
#[derive(Debug, Clone, Copy)]
pub struct ColumnHasher {
    column: u64,
}

/// Fixed, so that real and synthetic rows hashed in one run meet.
const STATE: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x0f1e_2d3c);

/// What a cell's hash starts from, by its kind (so `1` and `"1"` differ).
mod kind {
    pub const NULL: u8 = 0;
    pub const NUMBER: u8 = 1;
    pub const LABEL: u8 = 2;
    pub const FLAG: u8 = 3;
}

impl ColumnHasher {
    /// The hasher of the column named `name`.
    pub fn new(name: &str) -> ColumnHasher {
        ColumnHasher {
            column: STATE.hash_one(name),
        }
    }

    /// The hash of a value of the column.
    pub fn value(&self, value: &Value) -> u64 {
        match value {
            Value::Null => self.hash(kind::NULL, ()),
            Value::Number(x) if *x == 0.0 => self.hash(kind::NUMBER, 0.0_f64.to_bits()),
            Value::Number(x) => self.hash(kind::NUMBER, x.to_bits()),
            Value::Label(label) => self.text(label),
            Value::Flag(flag) => self.hash(kind::FLAG, *flag),
        }
    }

    /// The hash of a label of the column given as text (what [`ColumnHasher::value`] gives for
    /// `Value::Label` of the same text).
    pub fn text(&self, text: &str) -> u64 {
        self.hash(kind::LABEL, text)
    }

    fn hash(&self, kind: u8, what: impl Hash) -> u64 {
        let mut hasher = STATE.build_hasher();
        self.column.hash(&mut hasher);
        kind.hash(&mut hasher);
        what.hash(&mut hasher);
        hasher.finish()
    }
}

/// Adds a cell's hash to its row's fingerprint.
pub fn add(fingerprint: &mut u64, cell: u64) {
    *fingerprint = fingerprint.wrapping_add(cell);
}

/// [`add`] to a fingerprint columns typed at once add to (wrapping, as `add` does).
pub fn add_shared(fingerprint: &AtomicU64, cell: u64) {
    fingerprint.fetch_add(cell, Ordering::Relaxed);
}

/// The fingerprint of each of `rows` rows over `columns` (a missing value counts as empty).
pub fn of_rows(columns: &[&Column], rows: usize) -> Vec<u64> {
    let mut fingerprints = vec![0u64; rows];
    for column in columns {
        let hasher = ColumnHasher::new(&column.name);
        let null = hasher.value(&Value::Null);
        for (row, fingerprint) in fingerprints.iter_mut().enumerate() {
            add(
                fingerprint,
                column.values.get(row).map_or(null, |v| hasher.value(v)),
            );
        }
    }
    fingerprints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::schema::ColumnKind;

    fn column(name: &str, values: Vec<Value>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values,
        }
    }

    #[test]
    fn rows_meet_only_when_every_column_holds_the_same_value() {
        let label = |text: &str| Value::Label(text.into());
        let a = column(
            "a",
            vec![
                Value::Number(1.0),
                Value::Number(-0.0),
                label("x"),
                Value::Null,
            ],
        );
        let b = column(
            "b",
            vec![label("1"), Value::Flag(true), label("x"), label("y")],
        );
        let rows = of_rows(&[&a, &b], 4);
        // The same rows with the columns in the other order, and a value changed in each.
        let same = of_rows(&[&b, &a], 4);
        assert_eq!(rows, same, "column order does not matter");
        let zero = column("a", vec![Value::Number(0.0)]);
        let flag = column("b", vec![Value::Flag(true)]);
        assert_eq!(of_rows(&[&zero, &flag], 1)[0], rows[1], "-0 is 0");
        let number = column("b", vec![Value::Number(1.0)]);
        let one = column("a", vec![Value::Number(1.0)]);
        assert_ne!(
            of_rows(&[&one, &number], 1)[0],
            rows[0],
            "a number is not the label of its text"
        );
        // Swapping values between columns changes the row.
        let swapped_a = column("a", vec![label("1")]);
        let swapped_b = column("b", vec![Value::Number(1.0)]);
        assert_ne!(of_rows(&[&swapped_a, &swapped_b], 1)[0], rows[0]);
        // Labels hashed from their text meet labels hashed as values.
        let hasher = ColumnHasher::new("b");
        assert_eq!(hasher.text("y"), hasher.value(&label("y")));
        // Missing values count as empty ones.
        let short = column("b", vec![label("1")]);
        let nulls = column("b", vec![label("1"), Value::Null]);
        assert_eq!(of_rows(&[&short], 2), of_rows(&[&nulls], 2));
        let all: std::collections::HashSet<u64> = rows.iter().copied().collect();
        assert_eq!(all.len(), 4, "different rows, different fingerprints");
    }
}
