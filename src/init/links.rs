//! Links: a column whose values all exist in a candidate key of a table, scored.
//!
//! Values say what is *possible*: a foreign key's values all exist in the parent's key (compared
//! as text, exactly as `dxsynth validate` compares them). How *likely* it is comes from the
//! evidence a [`Link`] carries: the names, the odds of the containment happening by chance (95
//! three-letter codes that all are airport codes are not an accident, but the integers 1..7 lie
//! inside any dense integer key), coverage of the parent's keys, and type agreement.

use super::inferred::Confidence;
use super::names::{NameMatch, reference_evidence, stem_is_a_table};
use super::profile::{ColumnRef, KeyValues, TableProfile};

/// Bits of evidence (-log2 of the chance) above which values alone make a reference likely.
const VALUES_ALONE_BITS: f64 = 12.0;
/// Bits above which values alone make a reference near certain (with enough distinct values).
const VALUES_CERTAIN_BITS: f64 = 64.0;

/// A child column whose values all exist in a candidate key of a table.
#[derive(Debug, Clone)]
pub(super) struct Link {
    /// The referencing column.
    pub child: ColumnRef,
    /// The referenced key column.
    pub parent: ColumnRef,
    /// Distinct values of the child column.
    pub distinct: usize,
    /// Keys in the parent column.
    pub parent_keys: usize,
    /// -log2 of the chance that the values would all be keys by accident.
    pub bits: f64,
    /// What the names say.
    pub name: NameMatch,
    /// Whether both columns are integers, or both are labels.
    pub types_agree: bool,
    /// Whether both columns are integers (the odds are then about ranges).
    pub integers: bool,
    /// Whether the child column is named like a key without naming anything else: `ref`,
    /// `code`, but not `customer_id` when the parent is not about customers.
    pub child_key_like: bool,
    /// Up to three of the child's values, for the comment.
    pub examples: Vec<String>,
}

impl Link {
    /// Share of the parent's keys that the child column uses.
    pub fn coverage(&self) -> f64 {
        self.distinct as f64 / self.parent_keys.max(1) as f64
    }

    /// Ranks candidates for the same column: names first, then values, coverage and types.
    pub fn score(&self) -> f64 {
        3.0 * self.name.strength
            + self.bits.min(40.0) / 10.0
            + self.coverage()
            + if self.types_agree { 0.5 } else { 0.0 }
            + 0.2 * self.name.similarity
    }

    /// Whether this is a reference, and how sure we are; `None` leaves it out.
    pub fn verdict(&self) -> Option<Confidence> {
        if self.name.is_strong() {
            let backed = self.coverage() >= 0.3 || self.bits >= VALUES_ALONE_BITS;
            return Some(if backed && self.types_agree {
                Confidence::High
            } else {
                Confidence::Medium
            });
        }
        if self.bits >= VALUES_CERTAIN_BITS && self.distinct >= 10 {
            return Some(Confidence::High);
        }
        let partial_name =
            self.name.strength >= 0.6 && (self.bits >= 6.0 || self.coverage() >= 0.5);
        if partial_name || self.bits >= VALUES_ALONE_BITS {
            return Some(Confidence::Medium);
        }
        (self.child_key_like && self.coverage() >= 0.5).then_some(Confidence::Low)
    }

    /// Whether the link makes its parent column look like the parent's primary key.
    pub fn supports_primary_key(&self) -> bool {
        self.name.is_strong()
            || self.bits >= VALUES_ALONE_BITS
            || (self.name.strength >= 0.6 && self.coverage() >= 0.5)
    }
}

/// Per table, the columns that could be its primary key (unique, never empty, key-shaped).
pub(super) fn candidates(tables: &[TableProfile]) -> Vec<Vec<usize>> {
    tables
        .iter()
        .map(|table| {
            (0..table.columns.len())
                .filter(|&column| table.is_unique(column))
                .collect()
        })
        .collect()
}

/// Every (column, candidate key) pair where the column's values all exist in the key.
pub(super) fn links(tables: &[TableProfile], candidates: &[Vec<usize>]) -> Vec<Link> {
    let mut links = Vec::new();
    for (child_table, child) in tables.iter().enumerate() {
        for (child_column, column) in child.columns.iter().enumerate() {
            let Some(values) = &column.values else {
                continue;
            };
            let roles = !stem_is_a_table(&column.names, tables.iter().map(|t| t.name.as_str()));
            for (parent_table, keys) in candidates.iter().enumerate() {
                for &parent_column in keys {
                    if (child_table, child_column) == (parent_table, parent_column) {
                        continue;
                    }
                    let parent = &tables[parent_table];
                    let key = &parent.columns[parent_column];
                    let Some(key_values) = &key.values else {
                        continue;
                    };
                    if !contained(values, key_values) {
                        continue;
                    }
                    links.push(Link {
                        child: (child_table, child_column),
                        parent: (parent_table, parent_column),
                        distinct: values.distinct.len(),
                        parent_keys: key_values.distinct.len(),
                        bits: chance_bits(values, key_values),
                        name: reference_evidence(
                            &column.names,
                            &parent.name,
                            &key.names,
                            key.name,
                            roles,
                        ),
                        types_agree: values.integers.is_some() == key_values.integers.is_some(),
                        integers: values.integers.is_some() && key_values.integers.is_some(),
                        child_key_like: column.names.key_like && column.names.stem.is_none(),
                        examples: examples(values),
                    });
                }
            }
        }
    }
    links
}

/// Whether every distinct value of `child` is a key of `parent` (compared as text, as
/// validation compares them).
fn contained(child: &KeyValues, parent: &KeyValues) -> bool {
    child.distinct.len() <= parent.distinct.len()
        && child.distinct.iter().all(|v| parent.distinct.contains(v))
}

/// -log2 of the chance that the child's distinct values would all be keys by accident.
///
/// Integers: a value inside the child's range is a key with probability *density* (keys in the
/// range / width of the range), so the integers 1..7 inside the dense key 1..2000 are no
/// evidence, while 15,000 values inside a key that holds a quarter of its range are. Labels:
/// a random value of the child's shortest length over the key's alphabet is a key with
/// probability keys / alphabet^length.
pub(super) fn chance_bits(child: &KeyValues, parent: &KeyValues) -> f64 {
    let per_value = match (&child.integers, &parent.integers) {
        (Some(child), Some(keys)) => integer_bits_per_value(child, keys),
        _ => {
            let alphabet = parent.alphabet.max(1) as f64;
            child.min_len as f64 * alphabet.log2() - (parent.distinct.len() as f64).log2()
        }
    };
    per_value.max(0.0) * child.distinct.len() as f64
}

/// -log2 of the share of the child's range that is keys: 0 when every integer in the range is
/// a key.
fn integer_bits_per_value(child: &[i64], keys: &[i64]) -> f64 {
    let (Some(&low), Some(&high)) = (child.first(), child.last()) else {
        return 0.0;
    };
    let width = (i128::from(high) - i128::from(low) + 1) as f64;
    let inside = keys.partition_point(|&k| k <= high) - keys.partition_point(|&k| k < low);
    -(inside as f64 / width).min(1.0).log2()
}

/// The first three values (sorted), for comments.
fn examples(values: &KeyValues) -> Vec<String> {
    let mut sorted: Vec<&str> = values.distinct.iter().copied().collect();
    match &values.integers {
        Some(integers) => integers.iter().take(3).map(i64::to_string).collect(),
        None => {
            sorted.sort_unstable();
            sorted.into_iter().take(3).map(shown).collect()
        }
    }
}

/// A value as it appears in a comment: one line, at most 24 characters.
pub(super) fn shown(value: &str) -> String {
    let one_line: String = value.chars().flat_map(char::escape_default).collect();
    if one_line.chars().count() > 24 {
        let cut: String = one_line.chars().take(21).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn integer_odds_depend_on_density() {
        let dense: Vec<String> = ints(2000);
        let sparse: Vec<String> = (1..=2000).map(|i| (i * 4).to_string()).collect();
        let small: Vec<String> = ints(7);
        let sample: Vec<String> = (1..=100).map(|i| (i * 8).to_string()).collect();
        fn keys(values: &[String]) -> KeyValues<'_> {
            KeyValues {
                distinct: values.iter().map(String::as_str).collect(),
                integers: Some(values.iter().map(|v| v.parse().unwrap()).collect()),
                min_len: 1,
                alphabet: 10,
            }
        }
        assert_eq!(chance_bits(&keys(&small), &keys(&dense)), 0.0);
        let bits = chance_bits(&keys(&sample), &keys(&sparse));
        assert!(bits > 150.0, "{bits}");
    }
}
