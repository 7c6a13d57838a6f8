//! Which rows an assigned key is empty in: where its real empty keys sit beside the empty cells
//! of the row's modelled columns. TPC-DS's fact tables leave a few rows nearly blank (7 to 13
//! empty cells in a `store_sales` row, keys and amounts alike) and every other row full; a key
//! emptied in rows drawn uniformly at random (its real share, each key on its own) left 6,508
//! synthetic rows with one empty cell, where the real table has none.
//!
//! [`EmptyBeside::learn`] counts, per bucket of a row's number of empty modelled cells
//! ([`bucket`]: 0, 1, 2, 3-4, 5-8, 9 or more), the real share of rows whose key is empty
//! (adjacent buckets with fewer real rows than the support pooled), and keeps it only where
//! those shares differ clearly from the key's overall share. At generation the key's empty
//! cells (still its real share of the rows) go to rows drawn with those shares as weights
//! ([`EmptyBeside::choose`]): a full row stays full while emptier rows can take them.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::sampling::SynthRng;

/// The number of buckets of a row's empty modelled cells.
pub const BUCKETS: usize = 6;

/// The fewest real rows behind a bucket's share (with the privacy threshold, if higher).
const MIN_SUPPORT: usize = 20;

/// How far (in standard errors) a bucket's share must lie from the overall share for the
/// buckets to be kept: chance alone rarely goes past it.
const MIN_Z: f64 = 4.0;

/// The weight of a bucket whose real rows never had the key empty: its rows take an empty key
/// only once the rows of every other bucket have one.
const FLOOR: f64 = 1e-9;

/// The real share of rows whose key is empty, per bucket of the row's empty modelled cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmptyBeside {
    /// One share per bucket ([`bucket`]), pooled over adjacent buckets with few rows.
    pub shares: Vec<f64>,
}

/// The bucket of a row with `empty` empty modelled cells: 0, 1, 2, 3-4, 5-8, 9 or more.
pub fn bucket(empty: usize) -> u8 {
    match empty {
        0..=2 => empty as u8,
        3..=4 => 3,
        5..=8 => 4,
        _ => 5,
    }
}

/// Each row's bucket ([`bucket`]) of its empty cells among `columns` (`rows` rows).
pub fn row_buckets(columns: &[Column], rows: usize) -> Vec<u8> {
    let mut empty = vec![0usize; rows];
    for column in columns {
        for (count, value) in empty.iter_mut().zip(&column.values) {
            *count += usize::from(matches!(value, Value::Null));
        }
    }
    empty.into_iter().map(bucket).collect()
}

impl EmptyBeside {
    /// Learns the shares from the real rows' modelled `columns` and the key's parent row in each
    /// (`parent_of_row`, `None` where empty). `None` when the key or the other cells are never
    /// empty, or when the buckets' shares differ from the overall one by no more than chance.
    pub fn learn(
        columns: &[Column],
        parent_of_row: &[Option<usize>],
        min_count: usize,
    ) -> Option<EmptyBeside> {
        let rows = parent_of_row.len();
        let buckets = row_buckets(columns, rows);
        let mut seen = [(0usize, 0usize); BUCKETS];
        for (&bucket, key) in buckets.iter().zip(parent_of_row) {
            let slot = &mut seen[usize::from(bucket)];
            slot.0 += 1;
            slot.1 += usize::from(key.is_none());
        }
        let empty: usize = seen.iter().map(|slot| slot.1).sum();
        if empty == 0 || seen[0].0 == rows {
            return None;
        }
        let groups = pooled(&seen, min_count.max(MIN_SUPPORT));
        let overall = empty as f64 / rows as f64;
        let spread = (overall * (1.0 - overall)).sqrt();
        let clear = groups.iter().any(|&(_, (n, e))| {
            let share = e as f64 / n as f64;
            (share - overall).abs() * (n as f64).sqrt() > MIN_Z * spread
        });
        if groups.len() < 2 || !clear {
            return None;
        }
        let mut shares = vec![0.0; BUCKETS];
        for (range, (n, e)) in groups {
            shares[range].fill(e as f64 / n as f64);
        }
        Some(EmptyBeside { shares })
    }

    /// The rows (of `buckets`, each row's bucket) whose key is empty: `empty` of them, drawn
    /// with their bucket's share as weight (exponential keys, the smallest taken).
    pub fn choose(&self, buckets: &[u8], empty: usize, rng: &mut SynthRng) -> Vec<usize> {
        let mut keyed: Vec<(f64, usize)> = buckets
            .iter()
            .enumerate()
            .map(|(row, &bucket)| {
                let share = self.shares.get(usize::from(bucket)).copied();
                let weight = share.unwrap_or(0.0).max(FLOOR);
                let u: f64 = rng.random();
                (-(1.0 - u).ln() / weight, row)
            })
            .collect();
        let empty = empty.min(keyed.len());
        if empty == 0 {
            return Vec::new();
        }
        keyed.select_nth_unstable_by(empty - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        keyed.truncate(empty);
        keyed.into_iter().map(|(_, row)| row).collect()
    }

    /// Checks shares read from a model file: one per bucket, each a share.
    pub fn check(&self) -> Result<(), String> {
        if self.shares.len() != BUCKETS || !self.shares.iter().all(|s| (0.0..=1.0).contains(s)) {
            return Err("empty-key shares by empty cells that are not one share per bucket".into());
        }
        Ok(())
    }
}

/// Adjacent buckets pooled until each group holds `support` real rows (a last group short of
/// it joins the one before): each group's buckets and its (rows, empty keys).
fn pooled(
    seen: &[(usize, usize)],
    support: usize,
) -> Vec<(std::ops::Range<usize>, (usize, usize))> {
    let mut groups: Vec<(std::ops::Range<usize>, (usize, usize))> = Vec::new();
    let (mut start, mut rows, mut empty) = (0, 0, 0);
    for (index, &(n, e)) in seen.iter().enumerate() {
        rows += n;
        empty += e;
        if rows >= support {
            groups.push((start..index + 1, (rows, empty)));
            (start, rows, empty) = (index + 1, 0, 0);
        }
    }
    if start < seen.len() {
        match groups.last_mut() {
            Some((range, (n, e))) => {
                *range = range.start..seen.len();
                *n += rows;
                *e += empty;
            }
            None if rows > 0 => groups.push((start..seen.len(), (rows, empty))),
            None => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::sampling::rng_for;
    use crate::schema::ColumnKind;

    fn column(values: Vec<Value>) -> Column {
        Column {
            name: "x".into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Verbatim,
            values,
        }
    }

    /// 1,000 rows; every tenth has its 5 columns empty, and the key empty there only.
    fn planted() -> (Vec<Column>, Vec<Option<usize>>) {
        let blank = |row: usize| row % 10 == 0;
        let columns = (0..5)
            .map(|_| {
                column(
                    (0..1000)
                        .map(|row| {
                            if blank(row) {
                                Value::Null
                            } else {
                                Value::Number(1.0)
                            }
                        })
                        .collect(),
                )
            })
            .collect();
        let keys = (0..1000).map(|row| (!blank(row)).then_some(0)).collect();
        (columns, keys)
    }

    #[test]
    fn buckets_grow_by_doubling() {
        let got: Vec<u8> = [0, 1, 2, 3, 4, 5, 8, 9, 40].map(bucket).to_vec();
        assert_eq!(got, vec![0, 1, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn a_key_empty_with_its_row_goes_to_the_blank_rows() {
        let (columns, keys) = planted();
        let beside = EmptyBeside::learn(&columns, &keys, 5).expect("a clear pattern");
        assert_eq!(beside.shares[0], 0.0);
        assert_eq!(beside.shares[4], 1.0);
        let buckets = row_buckets(&columns, 1000);
        let chosen = beside.choose(&buckets, 100, &mut rng_for(3, "empties"));
        assert_eq!(chosen.len(), 100);
        assert!(chosen.iter().all(|&row| row % 10 == 0), "only blank rows");
    }

    #[test]
    fn a_key_empty_on_its_own_learns_nothing() {
        let (columns, _) = planted();
        let keys: Vec<Option<usize>> = (0..1000).map(|row| (row % 7 != 3).then_some(0)).collect();
        assert_eq!(EmptyBeside::learn(&columns, &keys, 5), None);
        let full: Vec<Option<usize>> = vec![Some(0); 1000];
        assert_eq!(EmptyBeside::learn(&columns, &full, 5), None, "never empty");
    }

    #[test]
    fn few_rows_are_pooled_with_their_neighbours() {
        let seen = [(100, 0), (3, 1), (4, 2), (30, 15), (0, 0), (5, 5)];
        let groups = pooled(&seen, 20);
        assert_eq!(groups, vec![(0..1, (100, 0)), (1..6, (42, 23))]);
    }
}
