//! The order a table's rows come in. Generation makes a sequential table parent by parent, so
//! its rows come out grouped by parent: nycflights13's flights by origin airport, a shop's
//! orders by customer. A person who opens the real file sees a log in time order, or orders of
//! every customer mixed; the copy should read the same way. So training notes how the real rows
//! are ordered, and generation puts the synthetic rows in that order before their primary keys
//! are numbered and before any child is made (children then follow the new order).
//!
//! - grouped by the sequence parent, as generated (TPC-H's `lineitem` by order, weather by
//!   airport): nothing to do;
//! - sorted by columns or keys (flights by month, day and departure time; a shop's orders by
//!   date; TPC-H's `partsupp` by part): [`RowOrder::Sorted`], a stable sort;
//! - neither, in a sequential table (TPC-H's `orders`, every customer's mixed):
//!   [`RowOrder::Interleaved`], the parents' rows merged at random, each parent's in its order.

use std::cmp::Ordering;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;

/// How the synthetic rows are put in the real rows' order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RowOrder {
    /// Sorted by each key in turn (stable: ties keep the generated order).
    Sorted(Vec<SortKey>),
    /// The rows of different parents (by the sequence key) merged at random, each parent's
    /// rows in their order.
    Interleaved,
}

/// What rows are sorted by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortKey {
    /// An own numeric or datetime column (empty values last).
    Column(String),
    /// A foreign key: the parent row each row points at (empty keys last).
    Key(String),
    /// A categorical column, by its labels in the order the real rows first show them: a log
    /// whose dates are text (`term_start` declared categorical), terms in their real order.
    /// Labels rarer than the privacy threshold are not held; they and fresh labels sort last.
    /// Since format 64.
    Labels {
        /// The column.
        column: String,
        /// Its frequent labels, in the real rows' order.
        labels: Vec<String>,
    },
}

impl std::fmt::Display for RowOrder {
    /// How `inspect` says it: `sorted by month, day, dep_time` (a key: `by its parent row`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowOrder::Sorted(keys) => {
                let names: Vec<String> = keys
                    .iter()
                    .map(|key| match key {
                        SortKey::Column(name) => name.clone(),
                        SortKey::Key(name) => format!("{name} (its parent row)"),
                        SortKey::Labels { column, .. } => format!("{column} (its labels' order)"),
                    })
                    .collect();
                write!(f, "sorted by {}", names.join(", "))
            }
            RowOrder::Interleaved => f.write_str("parents' rows interleaved at random"),
        }
    }
}

/// The share of pairs of adjacent rows a sort must keep in order (a few rows out of place, as a
/// late correction in a log, do not make a file unsorted).
pub const SORTED_SHARE: f64 = 0.99;

/// At most this many columns and keys to sort by.
const MAX_SORT_KEYS: usize = 4;

/// The breaks chance would make among the pairs left tied before a column may order them: with
/// fewer (a handful of flights at the same day and minute), any column looks sorted.
const MIN_CHANCE_BREAKS: f64 = 5.0;

/// Rows a table needs before its order says anything.
const MIN_ROWS: usize = 20;

/// A table's rows as their order is learned: its modelled columns, and each foreign key's
/// parent row of every row (the sequence key's position among them, for a sequential table).
pub struct Rows<'a> {
    /// The modelled columns, in the rows' order.
    pub columns: &'a [Column],
    /// Each foreign key: its column and the parent row of each row.
    pub keys: Vec<(&'a str, &'a [Option<usize>])>,
    /// Which of `keys` drives the table's sequences.
    pub sequence: Option<usize>,
    /// The privacy threshold: a label seen fewer times is not kept to sort by.
    pub min_count: usize,
}

impl Rows<'_> {
    fn count(&self) -> usize {
        self.columns
            .first()
            .map(|c| c.values.len())
            .or_else(|| self.keys.first().map(|(_, rows)| rows.len()))
            .unwrap_or(0)
    }
}

/// The order of the real rows, when generation must change its own to match it (see the
/// module's documentation).
pub fn learn(rows: &Rows<'_>) -> Option<RowOrder> {
    let count = rows.count();
    if count < MIN_ROWS {
        return None;
    }
    let sequence = rows.sequence.and_then(|index| rows.keys.get(index));
    if let Some((_, parents)) = sequence
        && grouped(parents)
    {
        return None;
    }
    let keys = sort_keys(rows, count);
    if !keys.is_empty() {
        return Some(RowOrder::Sorted(keys));
    }
    sequence.map(|_| RowOrder::Interleaved)
}

/// Whether rows come grouped by parent about as generation groups them: at least half the
/// adjacent pairs sharing a parent that a grouped order would have.
fn grouped(parents: &[Option<usize>]) -> bool {
    let pairs = parents.len().saturating_sub(1);
    let same = parents.windows(2).filter(|w| w[0] == w[1]).count();
    let mut distinct: Vec<Option<usize>> = parents.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let grouped_same = pairs.saturating_sub(distinct.len().saturating_sub(1));
    pairs > 0 && same as f64 >= 0.5 * grouped_same as f64
}

/// A candidate to sort by, as numbers (empty: `None`, last).
struct Candidate {
    key: SortKey,
    values: Vec<Option<f64>>,
}

/// The columns and keys the rows are sorted by, chosen one at a time among those that keep all
/// but [`SORTED_SHARE`] of the adjacent pairs in order (with the ones chosen before them), and
/// under a tenth of the pairs chance would put out of order ([`chance_breaks`]): the
/// one that puts the fewest of the pairs the earlier ones left tied out of order, of those the
/// one that orders the most (flights: month, then day, then departure time; departure time
/// alone would be out of order at every day's end).
fn sort_keys(rows: &Rows<'_>, count: usize) -> Vec<SortKey> {
    let mut candidates = candidates(rows);
    let allowed = ((1.0 - SORTED_SHARE) * (count - 1) as f64) as usize;
    // The adjacent pairs (by their first row) still tied, and how many the keys broke.
    let mut tied: Vec<usize> = (0..count - 1).collect();
    let mut broken = 0;
    let mut keys = Vec::new();
    while keys.len() < MAX_SORT_KEYS && !tied.is_empty() {
        let best = candidates
            .iter()
            .enumerate()
            .filter_map(|(index, candidate)| {
                let (ordered, out) = ordered_pairs(&candidate.values, &tied);
                let by_chance = chance_breaks(&candidate.values, &tied);
                let sorted = broken + out <= allowed
                    && by_chance >= MIN_CHANCE_BREAKS
                    && out as f64 <= 0.1 * by_chance;
                (sorted && ordered > 0).then_some((index, ordered, out))
            })
            .min_by_key(|&(index, ordered, out)| (out, std::cmp::Reverse(ordered), index));
        let Some((index, _, out)) = best else {
            break;
        };
        let chosen = candidates.remove(index);
        broken += out;
        tied.retain(|&row| compare(chosen.values[row], chosen.values[row + 1]).is_eq());
        keys.push(chosen.key);
    }
    keys
}

/// How many of the `tied` pairs `values` would put out of order in a random order of the
/// same rows: half the pairs of unequal values. A column that is one value in nearly every row
/// (planes' engines: 2, with 22 ones here and there) breaks few pairs however it is ordered;
/// a sorted column must break under a tenth of what chance would.
fn chance_breaks(values: &[Option<f64>], tied: &[usize]) -> f64 {
    let same = crate::stats::same_chance(tied.iter().map(|&row| values[row].map(f64::to_bits)));
    (1.0 - same) / 2.0 * tied.len() as f64
}

/// Of the `tied` pairs, how many `values` put strictly in order, and how many out of order.
fn ordered_pairs(values: &[Option<f64>], tied: &[usize]) -> (usize, usize) {
    let (mut ordered, mut out) = (0, 0);
    for &row in tied {
        match compare(values[row], values[row + 1]) {
            Ordering::Less => ordered += 1,
            Ordering::Greater => out += 1,
            Ordering::Equal => {}
        }
    }
    (ordered, out)
}

/// The share of rows a column or key to sort by must have a value in (a column empty in all
/// but a few rows, which happen to be in order, does not order a table).
const MIN_PRESENT: f64 = 0.9;

/// At most this many columns are tried (the first ones with a value in most rows): each is
/// held as numbers while the keys are chosen, and a table may have thousands.
const MAX_CANDIDATE_COLUMNS: usize = 32;

/// The most labels a categorical column may have to sort by (each is held in the model).
pub const MAX_SORT_LABELS: usize = 1_000;

/// The first numeric, datetime and categorical columns, then the keys, with a value in most
/// rows and two values at least.
fn candidates(rows: &Rows<'_>) -> Vec<Candidate> {
    let count = rows.count();
    let usable = |values: Vec<Option<f64>>| {
        let present = values.iter().flatten().count();
        let mut present_values = values.iter().flatten();
        let first = present_values.next();
        let varied = first.is_some_and(|first| present_values.any(|x| x != first));
        (values.len() == count && present as f64 >= MIN_PRESENT * count as f64 && varied)
            .then_some(values)
    };
    let columns = rows
        .columns
        .iter()
        .filter_map(|c| match c.kind {
            ColumnKind::Numerical | ColumnKind::Datetime => {
                let values = usable(c.values.iter().map(Value::as_number).collect())?;
                let key = SortKey::Column(c.name.clone());
                Some(Candidate { key, values })
            }
            ColumnKind::Categorical => {
                let labels = labels_in_order(&c.values, rows.min_count)?;
                let values = usable(label_ranks(&labels, &c.values))?;
                let column = c.name.clone();
                let key = SortKey::Labels { column, labels };
                Some(Candidate { key, values })
            }
            _ => None,
        })
        .take(MAX_CANDIDATE_COLUMNS);
    let keys = rows.keys.iter().filter_map(|(name, parents)| {
        let values = usable(parents.iter().map(|p| p.map(|p| p as f64)).collect())?;
        let key = SortKey::Key(name.to_string());
        Some(Candidate { key, values })
    });
    columns.chain(keys).collect()
}

/// A categorical column's labels seen at least `min_count` times, in the order the rows first
/// show them; `None` past [`MAX_SORT_LABELS`] of them.
fn labels_in_order(values: &[Value], min_count: usize) -> Option<Vec<String>> {
    let mut counts: IndexMap<&str, usize> = IndexMap::new();
    for value in values {
        if let Value::Label(label) = value {
            *counts.entry(&**label).or_default() += 1;
        }
    }
    let labels: Vec<String> = counts
        .into_iter()
        .filter(|&(_, count)| count >= min_count)
        .map(|(label, _)| label.to_string())
        .collect();
    (labels.len() <= MAX_SORT_LABELS).then_some(labels)
}

/// Each value's place among `labels` (empty, rare and fresh labels: `None`, last).
fn label_ranks(labels: &[String], values: &[Value]) -> Vec<Option<f64>> {
    let rank: std::collections::HashMap<&str, f64> = labels
        .iter()
        .enumerate()
        .map(|(index, label)| (label.as_str(), index as f64))
        .collect();
    values
        .iter()
        .map(|value| match value {
            Value::Label(label) => rank.get(&**label).copied(),
            _ => None,
        })
        .collect()
}

/// Numbers in order, empty last.
fn compare(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The rows of a generated table in `order`: the row each position takes. `columns` are its
/// modelled columns, `keys` its foreign keys (parent rows), `sequence` the key its rows were
/// generated by; `rng` shuffles interleaved rows. `None` when the order asks for nothing this
/// table has (a key or column not found, an interleaving without a sequence key).
pub fn permutation(
    order: &RowOrder,
    columns: &[Column],
    keys: &IndexMap<String, Vec<Option<usize>>>,
    sequence: Option<&str>,
    rng: &mut SynthRng,
) -> Option<Vec<usize>> {
    match order {
        RowOrder::Sorted(sort_keys) => sorted(sort_keys, columns, keys),
        RowOrder::Interleaved => interleaved(keys.get(sequence?)?, rng),
    }
}

fn sorted(
    sort_keys: &[SortKey],
    columns: &[Column],
    keys: &IndexMap<String, Vec<Option<usize>>>,
) -> Option<Vec<usize>> {
    let values: Vec<Vec<Option<f64>>> = sort_keys
        .iter()
        .filter_map(|key| match key {
            SortKey::Column(name) => columns
                .iter()
                .find(|c| &c.name == name)
                .map(|c| c.values.iter().map(Value::as_number).collect()),
            SortKey::Key(name) => keys
                .get(name)
                .map(|rows| rows.iter().map(|p| p.map(|p| p as f64)).collect()),
            SortKey::Labels { column, labels } => columns
                .iter()
                .find(|c| &c.name == column)
                .map(|c| label_ranks(labels, &c.values)),
        })
        .collect();
    let rows = values.first()?.len();
    if values.iter().any(|v| v.len() != rows) {
        return None;
    }
    let mut order: Vec<usize> = (0..rows).collect();
    order.sort_by(|&a, &b| {
        values
            .iter()
            .map(|v| compare(v[a], v[b]))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    Some(order)
}

/// The runs of rows with the same parent (as generated: each parent's rows together), merged
/// in a random order of their rows' turns.
fn interleaved(parents: &[Option<usize>], rng: &mut SynthRng) -> Option<Vec<usize>> {
    let mut starts = Vec::new();
    for row in 0..parents.len() {
        if row == 0 || parents[row] != parents[row - 1] {
            starts.push(row);
        }
    }
    let mut turns: Vec<u32> = Vec::with_capacity(parents.len());
    for (run, &start) in starts.iter().enumerate() {
        let end = starts.get(run + 1).copied().unwrap_or(parents.len());
        let run = u32::try_from(run).ok()?;
        turns.extend(std::iter::repeat_n(run, end - start));
    }
    crate::sampling::shuffle(&mut turns, rng);
    let mut next = starts.clone();
    Some(
        turns
            .into_iter()
            .map(|run| {
                let row = next[run as usize];
                next[run as usize] += 1;
                row
            })
            .collect(),
    )
}

/// Puts `values` in `order` (the row each position takes).
pub fn reorder<T: Clone>(values: &mut Vec<T>, order: &[usize]) {
    if values.len() == order.len() {
        *values = order.iter().map(|&row| values[row].clone()).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::sampling::rng_for;
    use rand::RngExt;

    fn numbers(name: &str, values: Vec<Option<f64>>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values: values
                .into_iter()
                .map(|x| x.map_or(Value::Null, Value::Number))
                .collect(),
        }
    }

    /// 600 flights of three airports: by day, then by time, the airports mixed; a column of
    /// one value with a few others here and there; a random one.
    fn flights() -> (Vec<Column>, Vec<Option<usize>>) {
        let mut rng = rng_for(5, "flights");
        let mut rows: Vec<(f64, f64, usize)> = (0..600)
            .map(|_| {
                let day = f64::from(rng.random_range(1..=20));
                (
                    day,
                    f64::from(rng.random_range(500..2300)),
                    rng.random_range(0..3),
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let engines = (0..600).map(|i| Some(if i % 151 == 7 { 1.0 } else { 2.0 }));
        let noise = (0..600).map(|_| Some(f64::from(rng.random_range(0..1000))));
        let columns = vec![
            numbers("noise", noise.collect()),
            numbers("day", rows.iter().map(|r| Some(r.0)).collect()),
            numbers("engines", engines.collect()),
            numbers("dep_time", rows.iter().map(|r| Some(r.1)).collect()),
        ];
        (columns, rows.iter().map(|r| Some(r.2)).collect())
    }

    #[test]
    fn rows_sorted_by_day_then_time_are_learned_so() {
        let (columns, origins) = flights();
        let rows = Rows {
            columns: &columns,
            keys: vec![("origin", &origins)],
            sequence: Some(0),
            min_count: 5,
        };
        let day = SortKey::Column("day".into());
        let time = SortKey::Column("dep_time".into());
        assert_eq!(learn(&rows), Some(RowOrder::Sorted(vec![day, time])));
    }

    #[test]
    fn rows_grouped_by_their_parent_or_of_no_order_are_learned_so() {
        let (mut columns, mut origins) = flights();
        // Grouped by airport, as generation makes them: nothing to do.
        let mut rows: Vec<usize> = (0..600).collect();
        rows.sort_by_key(|&row| origins[row]);
        for column in &mut columns {
            reorder(&mut column.values, &rows);
        }
        reorder(&mut origins, &rows);
        let grouped = Rows {
            columns: &columns,
            keys: vec![("origin", &origins)],
            sequence: Some(0),
            min_count: 5,
        };
        assert_eq!(learn(&grouped), None);
        // Mixed and unsorted: a sequential table's rows interleaved, another's as they come.
        let mut rng = rng_for(5, "shuffle");
        let mut shuffled: Vec<usize> = (0..600).collect();
        crate::sampling::shuffle(&mut shuffled, &mut rng);
        for column in &mut columns {
            reorder(&mut column.values, &shuffled);
        }
        reorder(&mut origins, &shuffled);
        let mixed = Rows {
            columns: &columns,
            keys: vec![("origin", &origins)],
            sequence: Some(0),
            min_count: 5,
        };
        assert_eq!(learn(&mixed), Some(RowOrder::Interleaved));
        let independent = Rows {
            sequence: None,
            ..mixed
        };
        assert_eq!(learn(&independent), None);
    }

    /// A table of 40 random columns and one sorted: found among the first columns, not past
    /// the ones held while the keys are chosen.
    #[test]
    fn only_the_first_columns_are_tried() {
        let mut rng = rng_for(5, "wide");
        let random = |name: String, rng: &mut SynthRng| {
            let values = (0..200).map(|_| Some(f64::from(rng.random_range(0..100))));
            numbers(&name, values.collect())
        };
        let sorted = numbers("day", (0..200).map(|i| Some(f64::from(i))).collect());
        let mut columns: Vec<Column> = (0..40).map(|i| random(format!("c{i}"), &mut rng)).collect();
        columns.push(sorted.clone());
        let learned = |columns: &[Column]| {
            learn(&Rows {
                columns,
                keys: Vec::new(),
                sequence: None,
                min_count: 5,
            })
        };
        assert_eq!(learned(&columns), None);
        columns.rotate_right(1);
        let day = RowOrder::Sorted(vec![SortKey::Column("day".into())]);
        assert_eq!(learned(&columns), Some(day));
    }

    /// 400 enrollments listed term by term (terms written as text, a categorical column),
    /// each term's students in order: sorted by the terms' labels in the real order, then by
    /// student; a term seen fewer times than the threshold is not held and sorts last.
    #[test]
    fn rows_sorted_by_a_categorical_column_keep_its_labels_order() {
        let terms = ["Fall 2018", "Spring 2019", "Summer 2019", "Fall 2019"];
        let mut rng = rng_for(5, "terms");
        let mut rows: Vec<(usize, usize)> = (0..400)
            .map(|_| (rng.random_range(0..4), rng.random_range(0..50)))
            .collect();
        rows.push((4, 7));
        rows.sort();
        let label =
            |term: usize| Value::Label(terms.get(term).unwrap_or(&"Rare 2020").to_string().into());
        let columns = vec![Column {
            name: "term".into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Integer,
            values: rows.iter().map(|&(term, _)| label(term)).collect(),
        }];
        let students: Vec<Option<usize>> = rows.iter().map(|&(_, s)| Some(s)).collect();
        let learned = learn(&Rows {
            columns: &columns,
            keys: vec![("student_id", &students)],
            sequence: None,
            min_count: 5,
        });
        let by_term = SortKey::Labels {
            column: "term".into(),
            labels: terms.iter().map(|t| t.to_string()).collect(),
        };
        let by_student = SortKey::Key("student_id".into());
        let order = RowOrder::Sorted(vec![by_term, by_student]);
        assert_eq!(learned, Some(order.clone()));
        // Synthetic rows of a student at a time, the rare term first: put back term by term.
        let mut shuffled: Vec<usize> = (0..rows.len()).collect();
        shuffled.sort_by_key(|&row| (rows[row].1, std::cmp::Reverse(rows[row].0)));
        let columns = vec![Column {
            values: shuffled.iter().map(|&row| label(rows[row].0)).collect(),
            ..columns[0].clone()
        }];
        let keys: IndexMap<String, Vec<Option<usize>>> = [(
            "student_id".to_string(),
            shuffled.iter().map(|&row| Some(rows[row].1)).collect(),
        )]
        .into_iter()
        .collect();
        let placed = permutation(&order, &columns, &keys, None, &mut rng).unwrap_or_default();
        let terms_placed: Vec<usize> = placed.iter().map(|&p| rows[shuffled[p]].0).collect();
        assert!(
            terms_placed.windows(2).all(|w| w[0] <= w[1]),
            "{terms_placed:?}"
        );
        assert_eq!(terms_placed.last(), Some(&4));
    }

    #[test]
    fn a_sort_is_stable_with_empty_values_last_and_an_interleaving_keeps_each_parents_order() {
        let columns = vec![numbers(
            "day",
            vec![Some(3.0), None, Some(1.0), Some(3.0), Some(1.0)],
        )];
        let keys: IndexMap<String, Vec<Option<usize>>> = [(
            "origin".to_string(),
            vec![Some(0), Some(0), Some(1), Some(1), None],
        )]
        .into_iter()
        .collect();
        let mut rng = rng_for(1, "order");
        let by_day = RowOrder::Sorted(vec![SortKey::Column("day".into())]);
        let sorted = permutation(&by_day, &columns, &keys, None, &mut rng);
        assert_eq!(sorted, Some(vec![2, 4, 0, 3, 1]));
        let by_key = RowOrder::Sorted(vec![SortKey::Key("origin".into())]);
        let sorted = permutation(&by_key, &columns, &keys, None, &mut rng);
        assert_eq!(sorted, Some(vec![0, 1, 2, 3, 4]));
        let missing = RowOrder::Sorted(vec![SortKey::Column("nope".into())]);
        assert_eq!(permutation(&missing, &columns, &keys, None, &mut rng), None);

        let parents: Vec<Option<usize>> = (0..300).map(|row| Some(row / 30)).collect();
        let keys: IndexMap<String, Vec<Option<usize>>> = [("origin".to_string(), parents.clone())]
            .into_iter()
            .collect();
        let order = permutation(&RowOrder::Interleaved, &[], &keys, Some("origin"), &mut rng)
            .expect("a sequence key");
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..300).collect::<Vec<_>>(), "a permutation");
        for parent in 0..10 {
            let rows: Vec<usize> = order.iter().copied().filter(|r| r / 30 == parent).collect();
            assert!(
                rows.windows(2).all(|w| w[0] < w[1]),
                "parent {parent}: {rows:?}"
            );
        }
        let same = order
            .windows(2)
            .filter(|w| parents[w[0]] == parents[w[1]])
            .count();
        assert!(same < 60, "{same} of 299 neighbours share a parent");
    }
}
