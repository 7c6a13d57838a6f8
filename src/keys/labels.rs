//! An assigned key whose parent shares a label with the row's sequence parent far more often
//! than chance: a shipment leaves from a warehouse in its customer's state (`warehouses.state =
//! customers.state` in 72% of the real shipments whose customer's state has a warehouse).
//! Assigned on its own, the key ignores the customer: 1.9% and 9.3% of synthetic shipments
//! (seeds 1 and 2) left from their customer's state against 37.9% of the real ones; now 20.1%
//! and 40.2% (72% and 68% of those that can match: how many shipments fall to customers of a
//! warehouse's state follows the synthetic customers).
//!
//! Training tries the pairs of categorical columns of the two parents whose values mostly
//! overlap and keeps the pair whose labels match in the most real rows beyond chance
//! ([`LabelMatch::learn`]): the share of matching rows among those whose sequence parent's
//! label is a label of some key parent (the others cannot match). Generation then swaps the
//! key parents of rows chosen to match with those of rows that do not match
//! ([`LabelMatch::keep`]), so every key parent keeps its number of children.

use serde::{Deserialize, Serialize};

use super::NO_ROW;
use crate::data::{Column, Value};
use crate::sampling::row_uniform;
use crate::schema::ColumnKind;
use crate::stats::{FastMap, FastSet};

/// How often an assigned key's parent has the label of the row's sequence parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMatch {
    /// The sequence key column and its parent table.
    pub earlier: String,
    pub earlier_parent: String,
    /// The sequence parent's label column, and its index among that table's modelled columns.
    pub earlier_column: String,
    pub earlier_index: usize,
    /// The key parent's label column, and its index among its modelled columns.
    pub column: String,
    pub index: usize,
    /// The share of the real rows that can match (both keys set, the sequence parent's label
    /// one some key parent has) whose two labels are the same.
    pub share: f64,
}

/// The most label columns of each parent tried.
const MAX_COLUMNS: usize = 16;

/// The least share of a key parent column's rows whose label the other column has too.
const MIN_OVERLAP: f64 = 0.5;

/// How many times the chance share (labels paired at random) the matching share must be
/// (logistics review data: 72% against 24.5%, most shipments coming from a few states).
const TIMES_CHANCE: u128 = 2;

/// How many standard deviations of the number of rows chance would match the matching rows
/// must be above it (few rows at twice the chance could be luck).
const MIN_DEVIATIONS: f64 = 4.0;

/// The fewest real rows that can match a match needs, whatever the privacy threshold.
const MIN_ROWS: usize = 20;

/// The labels of two columns as numbers: each label of the key parent's column numbered, each
/// row of either column the number of its label (none for an empty cell or a label the key
/// parent's column does not have).
struct Coded {
    earlier: Vec<Option<u32>>,
    key: Vec<Option<u32>>,
    labels: usize,
}

impl Coded {
    /// Numbers the labels of `earlier` (the sequence parent's column) and `key` (the key
    /// parent's), in the key parent's row order.
    fn of(earlier: &[Value], key: &[Value]) -> Coded {
        let mut numbers: FastMap<&str, u32> = FastMap::default();
        let key: Vec<Option<u32>> = key
            .iter()
            .map(|value| {
                let label = label(value)?;
                let next = numbers.len() as u32;
                Some(*numbers.entry(label).or_insert(next))
            })
            .collect();
        let earlier = earlier
            .iter()
            .map(|value| numbers.get(label(value)?).copied())
            .collect();
        Coded {
            earlier,
            key,
            labels: numbers.len(),
        }
    }

    /// The label number of sequence parent `a` and key parent `b` (either may be [`NO_ROW`]).
    fn pair(&self, a: u32, b: u32) -> (Option<u32>, Option<u32>) {
        let at = |codes: &[Option<u32>], row: u32| -> Option<u32> {
            (row != NO_ROW).then(|| codes.get(row as usize).copied().flatten())?
        };
        (at(&self.earlier, a), at(&self.key, b))
    }
}

/// The label in a cell, if it holds one.
fn label(value: &Value) -> Option<&str> {
    match value {
        Value::Label(label) => Some(label),
        _ => None,
    }
}

/// The categorical columns of a table (at most [`MAX_COLUMNS`]), with their indices.
fn label_columns(columns: &[Column]) -> impl Iterator<Item = (usize, &Column)> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column.kind == ColumnKind::Categorical)
        .take(MAX_COLUMNS)
}

/// Whether most rows of the key parent's column `key` have a label of `theirs` (the labels of
/// the sequence parent's column).
fn overlaps(theirs: &FastSet<&str>, key: &Column) -> bool {
    let labels: Vec<&str> = key.values.iter().filter_map(label).collect();
    let shared = labels
        .iter()
        .filter(|label| theirs.contains(*label))
        .count();
    !labels.is_empty() && shared as f64 >= MIN_OVERLAP * labels.len() as f64
}

/// The real rows that can match, those that do, and the rows labels paired at random would
/// match (in rows squared), for the parent rows `earlier` and `key` of every real row.
fn matches(coded: &Coded, (earlier, key): (&[u32], &[u32])) -> (usize, usize, u128) {
    let (mut rows, mut matched) = (0usize, 0usize);
    let (mut firsts, mut seconds) = (vec![0u64; coded.labels], vec![0u64; coded.labels]);
    for (&a, &b) in earlier.iter().zip(key) {
        let (Some(first), Some(second)) = coded.pair(a, b) else {
            continue;
        };
        rows += 1;
        matched += usize::from(first == second);
        firsts[first as usize] += 1;
        seconds[second as usize] += 1;
    }
    let pairs = firsts
        .iter()
        .zip(&seconds)
        .map(|(&a, &b)| u128::from(a) * u128::from(b))
        .sum();
    (rows, matched, pairs)
}

impl LabelMatch {
    /// The pair of label columns of the sequence parent (`earlier_parent`: its columns, and
    /// `earlier`: the sequence key's compact parent rows, [`super::compact_rows`]) and the key
    /// parent (`parent`, `key`) that match in the most real rows beyond chance: in at least
    /// `min_rows` rows that can match, [`TIMES_CHANCE`] times as often as labels paired at
    /// random. `names`: the sequence key column and its parent table.
    pub fn learn(
        names: (&str, &str),
        (earlier_parent, earlier): (&[Column], &[u32]),
        (parent, key): (&[Column], &[u32]),
        min_rows: usize,
    ) -> Option<LabelMatch> {
        let min_rows = min_rows.max(MIN_ROWS);
        let mut best: Option<(f64, LabelMatch)> = None;
        for (earlier_index, first) in label_columns(earlier_parent) {
            let theirs: FastSet<&str> = first.values.iter().filter_map(label).collect();
            for (index, second) in label_columns(parent) {
                if !overlaps(&theirs, second) {
                    continue;
                }
                let coded = Coded::of(&first.values, &second.values);
                let (rows, matched, pairs) = matches(&coded, (earlier, key));
                let seen = matched as u128 * rows as u128;
                if rows < min_rows || seen < TIMES_CHANCE * pairs {
                    continue;
                }
                let chance = pairs as f64 / (rows as f64 * rows as f64);
                let excess = matched as f64 - chance * rows as f64;
                let spread = (rows as f64 * chance * (1.0 - chance)).sqrt();
                if excess < MIN_DEVIATIONS * spread || matched == 0 {
                    continue;
                }
                if best.as_ref().is_some_and(|(most, _)| *most >= excess) {
                    continue;
                }
                let found = LabelMatch {
                    earlier: names.0.to_string(),
                    earlier_parent: names.1.to_string(),
                    earlier_column: first.name.clone(),
                    earlier_index,
                    column: second.name.clone(),
                    index,
                    share: matched as f64 / rows as f64,
                };
                best = Some((excess, found));
            }
        }
        best.map(|(_, found)| found)
    }

    /// Checks a match read from a model file: a share, column indices within the two parents'
    /// numbers of modelled columns.
    pub fn check(
        &self,
        earlier_columns: Option<usize>,
        parent_columns: usize,
    ) -> Result<(), String> {
        let sound = (0.0..=1.0).contains(&self.share)
            && self.index < parent_columns
            && earlier_columns.is_none_or(|columns| self.earlier_index < columns);
        match sound {
            true => Ok(()),
            false => Err("a share of labels matching a sequence parent's that is not one".into()),
        }
    }

    /// The two label columns among the synthetic parents' columns, if both are held.
    pub fn columns<'a>(
        &self,
        earlier_parent: &'a [Column],
        parent: &'a [Column],
    ) -> Option<(&'a [Value], &'a [Value])> {
        let find = |columns: &'a [Column], index: usize, name: &str| {
            let column = columns.get(index).filter(|column| column.name == name)?;
            (!column.values.is_empty()).then_some(column.values.as_slice())
        };
        Some((
            find(earlier_parent, self.earlier_index, &self.earlier_column)?,
            find(parent, self.index, &self.column)?,
        ))
    }

    /// Makes [`LabelMatch::share`] of the synthetic rows that can match do so: rows that do not
    /// are chosen (by numbers of `base`, each with the chance that brings the share up) and
    /// take the key parent of a row, in an order drawn from `base`, whose key parent has their
    /// sequence parent's label and which did not match, which takes theirs. Every key parent
    /// keeps its number of children; a share already reached is left, and a row whose label
    /// has no such row left keeps its parent. `labels`: the label column of the sequence
    /// parents (`earlier`) and of the key parents (`key`).
    pub fn keep(
        &self,
        earlier: &[Option<usize>],
        key: &mut [Option<usize>],
        labels: (&[Value], &[Value]),
        base: u64,
    ) {
        let coded = Coded::of(labels.0, labels.1);
        let compact = |row: Option<usize>| row.map_or(NO_ROW, |row| row as u32);
        let pair = |row: usize, key: &[Option<usize>]| {
            coded.pair(compact(earlier[row]), compact(key[row]))
        };
        let rows = key.len().min(earlier.len());
        let can_match: Vec<bool> = (0..rows)
            .map(|row| matches!(pair(row, key), (Some(_), Some(_))))
            .collect();
        let matched = |row: usize, key: &[Option<usize>]| {
            let (first, second) = pair(row, key);
            first.is_some() && first == second
        };
        let possible = can_match.iter().filter(|&&can| can).count();
        let already = (0..rows).filter(|&row| matched(row, key)).count();
        let wanted = (self.share * possible as f64).round() as usize;
        let open = possible - already;
        if wanted <= already || open == 0 {
            return;
        }
        let chance = (wanted - already) as f64 / open as f64;
        let chosen: Vec<usize> = (0..rows)
            .filter(|&row| can_match[row] && !matched(row, key))
            .filter(|&row| row_uniform(base, row as u64) < chance)
            .collect();
        let mut givers = givers(&coded, (earlier, key), &chosen, base);
        for row in chosen {
            let Some(label) = pair(row, key).0 else {
                continue;
            };
            if let Some(other) = givers[label as usize].pop() {
                key.swap(row, other);
            }
        }
    }
}

/// For each label of the key parents, the rows not `chosen` whose key parent has it and that
/// do not match their sequence parent's label, in an order drawn from `base` (the last given
/// first).
fn givers(
    coded: &Coded,
    (earlier, key): (&[Option<usize>], &[Option<usize>]),
    chosen: &[usize],
    base: u64,
) -> Vec<Vec<usize>> {
    let mut is_chosen = vec![false; key.len()];
    for &row in chosen {
        is_chosen[row] = true;
    }
    let compact = |row: Option<usize>| row.map_or(NO_ROW, |row| row as u32);
    let mut givers = vec![Vec::new(); coded.labels];
    for (row, &parent) in key.iter().enumerate() {
        let first = earlier.get(row).copied().flatten();
        let (first, second) = coded.pair(compact(first), compact(parent));
        if let (Some(second), false) = (second, is_chosen[row] || first == second) {
            givers[second as usize].push(row);
        }
    }
    for rows in &mut givers {
        rows.sort_by_key(|&row| (mixed_order(base, row), row));
    }
    givers
}

/// A number of `base` for `row` that orders rows at random.
fn mixed_order(base: u64, row: usize) -> u64 {
    (row_uniform(base ^ u64::MAX, row as u64) * (1u64 << 53) as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label column named `name`.
    fn labels(name: &str, values: &[&str]) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Categorical,
            format: crate::data::ValueFormat::Verbatim,
            values: values.iter().map(|v| Value::Label((*v).into())).collect(),
        }
    }

    const STATES: [&str; 10] = ["TX", "GA", "IL", "CA", "NJ", "WA", "CO", "FL", "AZ", "OH"];

    /// 200 customers over 10 states, 10 warehouses one a state, 4,000 shipments: every
    /// `local_every`-th from the customer's state, the others from a warehouse at random.
    fn planted(local_every: usize) -> (Vec<Column>, Vec<Column>, Vec<u32>, Vec<u32>) {
        let customers: Vec<&str> = (0..200).map(|c| STATES[(c * 7) % 10]).collect();
        let customers = vec![labels("state", &customers), labels("tier", &["A"; 200])];
        let warehouses = vec![
            labels("code", &STATES.map(|_| "WH")),
            labels("state", &STATES),
        ];
        let (mut earlier, mut key) = (Vec::new(), Vec::new());
        for row in 0..4000u32 {
            let customer = (row * 13) % 200;
            earlier.push(customer);
            key.push(match row as usize % local_every {
                0 => (customer * 7) % 10,
                _ => (row * 31 + row / 7) % 10,
            });
        }
        (customers, warehouses, earlier, key)
    }

    #[test]
    fn labels_matching_beyond_chance_are_learned_and_random_ones_are_not() {
        let (customers, warehouses, earlier, key) = planted(2);
        let names = ("customer_id", "customers");
        let found = LabelMatch::learn(names, (&customers, &earlier), (&warehouses, &key), 5)
            .expect("a match");
        assert_eq!(
            (found.earlier_column.as_str(), found.column.as_str()),
            ("state", "state")
        );
        assert_eq!((found.earlier_index, found.index), (0, 1));
        assert!((found.share - 0.55).abs() < 0.03, "{}", found.share);
        let (_, _, _, random) = planted(usize::MAX);
        let none = LabelMatch::learn(names, (&customers, &earlier), (&warehouses, &random), 5);
        assert_eq!(none, None);
    }

    #[test]
    fn generation_reaches_the_share_and_keeps_every_parents_children() {
        let (customers, warehouses, earlier, _) = planted(2);
        let found = LabelMatch {
            earlier: "customer_id".into(),
            earlier_parent: "customers".into(),
            earlier_column: "state".into(),
            earlier_index: 0,
            column: "state".into(),
            index: 1,
            share: 0.55,
        };
        let earlier: Vec<Option<usize>> = earlier.iter().map(|&c| Some(c as usize)).collect();
        let drawn: Vec<Option<usize>> = (0..4000)
            .map(|row| Some((row * 17 + row / 3) % 10))
            .collect();
        let (columns, parents) = found.columns(&customers, &warehouses).expect("held");
        let share = |key: &[Option<usize>]| {
            let local = (0..key.len())
                .filter(|&row| columns[earlier[row].unwrap_or(0)] == parents[key[row].unwrap_or(0)])
                .count();
            local as f64 / key.len() as f64
        };
        assert!(share(&drawn) < 0.15);
        let mut key = drawn.clone();
        found.keep(&earlier, &mut key, (columns, parents), 7);
        assert!((share(&key) - 0.55).abs() < 0.03, "{}", share(&key));
        let counts = |key: &[Option<usize>]| {
            let mut counts = vec![0; 10];
            key.iter().flatten().for_each(|&p| counts[p] += 1);
            counts
        };
        assert_eq!(counts(&key), counts(&drawn));
        let mut again = drawn.clone();
        found.keep(&earlier, &mut again, (columns, parents), 7);
        assert_eq!(again, key);
    }
}
