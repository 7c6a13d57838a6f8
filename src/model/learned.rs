//! The learned model: each column drawn from a tree conditioned on the columns before it and on
//! context (the parent and grandparent rows, the position in the sequence, the previous row).
//!
//! p(row | context) = Π_j p(x_j | x_<j, context), each factor a CART tree over binned features
//! whose leaves keep the real values that reached them; sampling walks the tree and draws a
//! (smoothed) value from the leaf, so marginals, skew and spikes survive while relationships are
//! kept as far as the trees capture them. Dates inside a sequence are modelled as the gap from
//! the previous row (the first one from the parent's date), so order and spacing survive.
//! Children per parent come from a tree over the parent's columns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::encode::{COUNT_BINS, Encoder, count_code};
use super::marginal::{Marginal, smoothed_quantile};
use super::runs::Runs;
use super::tree::{Feature, Tree, TreeParams};
use super::{Parent, Row, TableModel, TrainingData};
use crate::data::{Column, Value};
use crate::sampling::{SynthRng, stratified};
use crate::schema::ColumnKind;

/// Deepest tree grown.
const MAX_DEPTH: usize = 12;

/// A trained learned model of one table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearnedModel {
    layout: Layout,
    /// Generation order of the columns (indices into the table's columns).
    order: Vec<usize>,
    columns: Vec<ColumnModel>,
    /// Encoders of the table's own columns (features of the current and previous row).
    encoders: Vec<Encoder>,
    /// Protected bounds of numerical and datetime columns.
    bounds: Vec<Option<(f64, f64)>>,
    sequence: Option<SequenceModel>,
}

/// Where each feature sits in a row's code vector.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Layout {
    context: usize,
    sequential: bool,
    columns: usize,
}

impl Layout {
    fn position(&self) -> usize {
        self.context
    }
    fn length(&self) -> usize {
        self.context + 1
    }
    fn previous(&self, column: usize) -> usize {
        self.context + 2 + column
    }
    fn current(&self, column: usize) -> usize {
        if self.sequential {
            self.context + 2 + self.columns + column
        } else {
            column
        }
    }
    fn total(&self) -> usize {
        if self.sequential {
            self.context + 2 + 2 * self.columns
        } else {
            self.columns
        }
    }
    /// The features that may be used for the column at `rank` in generation order.
    fn allowed(&self, order: &[usize], rank: usize) -> Vec<usize> {
        let mut features: Vec<usize> = if self.sequential {
            (0..self.context + 2 + self.columns).collect()
        } else {
            Vec::new()
        };
        features.extend(order[..rank].iter().map(|&column| self.current(column)));
        features
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ColumnModel {
    /// Drawn from a conditional tree.
    Tree(Conditional),
    /// A datetime inside a sequence: the first value from `first` (offset from the parent's
    /// date when it has one), later values as `previous + gap`.
    Gap {
        first: Conditional,
        next: Conditional,
    },
    /// Ids, free text and empty columns: drawn on their own.
    Marginal(Marginal),
}

/// A tree over some features with the real values of each leaf.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Conditional {
    tree: Tree,
    /// Layout index of each of the tree's features.
    features: Vec<usize>,
    leaves: Vec<LeafValues>,
    fallback: Marginal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LeafValues {
    nulls: usize,
    /// Non-null values; numbers sorted (for smoothing). As runs: sorted values repeat a lot.
    values: Runs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SequenceModel {
    context_encoders: Vec<Encoder>,
    /// The context column (the parent's first datetime) that first dates are offsets from.
    anchor: Option<usize>,
    length_tree: Tree,
    length_leaves: Vec<Vec<usize>>,
}

/// Training rows in sequence order with their place in the sequence.
struct Sequences {
    /// Row indices of the table, grouped by parent and ordered within each sequence.
    rows: Vec<usize>,
    position: Vec<usize>,
    length: Vec<usize>,
    /// The previous row of the same sequence (a table row index).
    previous: Vec<Option<usize>>,
    parent: Vec<Option<usize>>,
}

impl LearnedModel {
    /// Trains on a table and, for a sequential table, its parent context.
    pub fn train(data: &TrainingData<'_>) -> LearnedModel {
        let table = data.table;
        let columns = &table.columns;
        let min_count = data.privacy.threshold(table.rows());
        let params = TreeParams {
            min_leaf: (4 * min_count).max(1),
            max_depth: MAX_DEPTH,
        };
        let encoders: Vec<Encoder> = columns.iter().map(Encoder::fit).collect();
        let context = data
            .parent
            .as_ref()
            .map(|link| link.context.as_slice())
            .unwrap_or(&[]);
        let layout = Layout {
            context: context.len(),
            sequential: data.parent.is_some(),
            columns: columns.len(),
        };
        let sequences = Sequences::of(data);
        let context_encoders: Vec<Encoder> = context.iter().map(Encoder::fit).collect();
        let anchor = context
            .iter()
            .position(|c| c.kind == ColumnKind::Datetime && c.values.iter().all(|v| !v.is_null()));
        let codes = feature_codes(
            layout,
            &sequences,
            columns,
            &encoders,
            context,
            &context_encoders,
        );
        let ordered = ordered_features(layout, &encoders, &context_encoders);
        let order = generation_order(columns);
        let models: Vec<ColumnModel> = (0..columns.len())
            .into_par_iter()
            .map(|column| {
                let rank = order.iter().position(|&c| c == column).unwrap_or(0);
                let allowed = layout.allowed(&order, rank);
                let setup = ColumnSetup {
                    column: &columns[column],
                    allowed: &allowed,
                    codes: &codes,
                    ordered: &ordered,
                    sequences: &sequences,
                    min_count,
                    params,
                };
                train_column(&setup, layout.sequential, anchor.map(|a| &context[a]))
            })
            .collect();
        let sequence = data.parent.as_ref().map(|link| {
            let (length_tree, length_leaves) = train_lengths(
                &link.children_per_parent(),
                context,
                &context_encoders,
                params,
            );
            SequenceModel {
                context_encoders,
                anchor,
                length_tree,
                length_leaves,
            }
        });
        LearnedModel {
            layout,
            order,
            columns: models,
            encoders,
            bounds: columns
                .iter()
                .map(|column| protected_bounds(column, min_count))
                .collect(),
            sequence,
        }
    }

    /// One row given the context part of its codes (parent, position, length, previous row).
    fn sample_row(
        &self,
        mut codes: Vec<u8>,
        previous: Option<&Row>,
        anchor: Option<f64>,
        rng: &mut SynthRng,
    ) -> Row {
        let mut row = vec![Value::Null; self.columns.len()];
        for &column in &self.order {
            let value = match &self.columns[column] {
                ColumnModel::Tree(conditional) => conditional.sample(&codes, rng),
                ColumnModel::Marginal(marginal) => marginal.sample(rng),
                ColumnModel::Gap { first, next } => {
                    match previous.and_then(|row| row[column].as_number()) {
                        Some(before) => shift(next.sample(&codes, rng), before),
                        None => shift(first.sample(&codes, rng), anchor.unwrap_or(0.0)),
                    }
                }
            };
            let value = clip(value, self.bounds[column]);
            codes[self.layout.current(column)] = self.encoders[column].encode(&value);
            row[column] = value;
        }
        row
    }

    fn context_codes(&self, parent: &Parent<'_>, parent_row: Option<usize>) -> Vec<u8> {
        let mut codes = vec![0u8; self.layout.total()];
        if let (Some(sequence), Some(row)) = (&self.sequence, parent_row) {
            for (index, encoder) in sequence.context_encoders.iter().enumerate() {
                if let Some(column) = parent.columns.get(index) {
                    codes[index] = encoder.encode(&column.values[row]);
                }
            }
        }
        codes
    }
}

impl TableModel for LearnedModel {
    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row> {
        let none = Parent {
            columns: &[],
            rows: 0,
        };
        (0..n)
            .map(|_| {
                let mut codes = self.context_codes(&none, None);
                if self.layout.sequential {
                    codes[self.layout.length()] = count_code(1);
                }
                self.sample_row(codes, None, None, rng)
            })
            .collect()
    }

    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize> {
        let Some(sequence) = &self.sequence else {
            return vec![0; parent.rows];
        };
        let mut by_leaf: Vec<Vec<usize>> = vec![Vec::new(); sequence.length_leaves.len()];
        for row in 0..parent.rows {
            let codes = self.context_codes(parent, Some(row));
            by_leaf[sequence.length_tree.leaf(|feature| codes[feature])].push(row);
        }
        let mut lengths = vec![0; parent.rows];
        for (rows, counts) in by_leaf.iter().zip(&sequence.length_leaves) {
            for (row, count) in rows.iter().zip(stratified(counts, rows.len(), rng)) {
                lengths[*row] = count;
            }
        }
        lengths
    }

    fn sample_sequence(
        &self,
        parent: &Parent<'_>,
        parent_row: usize,
        len: usize,
        rng: &mut SynthRng,
    ) -> Vec<Row> {
        let context = self.context_codes(parent, Some(parent_row));
        let anchor = self
            .sequence
            .as_ref()
            .and_then(|s| s.anchor)
            .and_then(|a| parent.columns.get(a))
            .and_then(|column| column.values[parent_row].as_number());
        let mut rows: Vec<Row> = Vec::with_capacity(len);
        for position in 0..len {
            let mut codes = context.clone();
            codes[self.layout.position()] = count_code(position);
            codes[self.layout.length()] = count_code(len);
            if let Some(previous) = rows.last() {
                for (column, value) in previous.iter().enumerate() {
                    codes[self.layout.previous(column)] = self.encoders[column].encode(value);
                }
            }
            let row = self.sample_row(codes, rows.last(), anchor, rng);
            rows.push(row);
        }
        rows
    }
}

impl Conditional {
    fn sample(&self, codes: &[u8], rng: &mut SynthRng) -> Value {
        let leaf = &self.leaves[self.tree.leaf(|feature| codes[self.features[feature]])];
        let total = leaf.nulls + leaf.values.len();
        if total == 0 {
            return self.fallback.sample(rng);
        }
        if rng.random_range(0..total) < leaf.nulls {
            return Value::Null;
        }
        match leaf.values.get(0) {
            Value::Number(_) => Value::Number(smoothed_quantile_values(&leaf.values, rng.random())),
            _ => leaf
                .values
                .get(rng.random_range(0..leaf.values.len()))
                .clone(),
        }
    }
}

/// [`smoothed_quantile`] over sorted number values.
fn smoothed_quantile_values(values: &Runs, u: f64) -> f64 {
    let position = u * (values.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = (low + 1).min(values.len() - 1);
    let (a, b) = (
        values.get(low).as_number().unwrap_or(0.0),
        values.get(high).as_number().unwrap_or(0.0),
    );
    smoothed_quantile(&[a, b], position - low as f64)
}

fn shift(value: Value, by: f64) -> Value {
    match value {
        Value::Number(x) => Value::Number(x + by),
        other => other,
    }
}

fn clip(value: Value, bounds: Option<(f64, f64)>) -> Value {
    match (value, bounds) {
        (Value::Number(x), Some((low, high))) => Value::Number(x.clamp(low, high)),
        (value, _) => value,
    }
}

/// The range numbers may take: the real range without the `min_count - 1` most extreme values
/// on each side (as [`Marginal`] does).
fn protected_bounds(column: &Column, min_count: usize) -> Option<(f64, f64)> {
    let mut numbers: Vec<f64> = column.values.iter().filter_map(Value::as_number).collect();
    if numbers.is_empty() {
        return None;
    }
    numbers.sort_by(f64::total_cmp);
    let trim = min_count.saturating_sub(1);
    let trim = if numbers.len() > 4 * trim + 1 {
        trim
    } else {
        0
    };
    Some((numbers[trim], numbers[numbers.len() - 1 - trim]))
}

/// Columns with few distinct values first: trees condition a wide column on narrow ones more
/// easily than the reverse. Ids and text (drawn on their own) go last.
fn generation_order(columns: &[Column]) -> Vec<usize> {
    let mut order: Vec<(bool, usize, usize)> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let own = matches!(column.kind, ColumnKind::Id | ColumnKind::Text);
            let distinct: HashSet<String> = column
                .values
                .iter()
                .take(20_000)
                .map(|v| format!("{v:?}"))
                .collect();
            (own, distinct.len(), index)
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, _, index)| index).collect()
}

impl Sequences {
    fn of(data: &TrainingData<'_>) -> Sequences {
        let n = data.table.rows();
        let Some(link) = &data.parent else {
            return Sequences {
                rows: (0..n).collect(),
                position: vec![0; n],
                length: vec![1; n],
                previous: vec![None; n],
                parent: vec![None; n],
            };
        };
        let order_key = data.order_by.and_then(|c| data.table.columns.get(c));
        let mut rows: Vec<usize> = (0..n).collect();
        rows.sort_by(|&a, &b| {
            let parent = link.parent_of_row[a]
                .map_or(usize::MAX, |p| p)
                .cmp(&link.parent_of_row[b].map_or(usize::MAX, |p| p));
            let within = order_key.map_or(std::cmp::Ordering::Equal, |column| {
                compare_values(&column.values[a], &column.values[b])
            });
            parent.then(within).then(a.cmp(&b))
        });
        let mut position = vec![0; n];
        let mut length = vec![1; n];
        let mut previous = vec![None; n];
        let counts = link.children_per_parent();
        for window in rows.windows(2) {
            let (before, row) = (window[0], window[1]);
            let parent = link.parent_of_row[row];
            if parent.is_some() && parent == link.parent_of_row[before] {
                previous[row] = Some(before);
                position[row] = position[before] + 1;
            }
        }
        for (length, parent) in length.iter_mut().zip(&link.parent_of_row) {
            if let Some(parent) = parent {
                *length = counts[*parent];
            }
        }
        Sequences {
            rows,
            position,
            length,
            previous,
            parent: link.parent_of_row.clone(),
        }
    }
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Greater,
        (_, Value::Null) => std::cmp::Ordering::Less,
        (Value::Label(x), Value::Label(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

/// Codes of every feature for every table row (by layout index, then row).
fn feature_codes(
    layout: Layout,
    sequences: &Sequences,
    columns: &[Column],
    encoders: &[Encoder],
    context: &[Column],
    context_encoders: &[Encoder],
) -> Vec<Vec<u8>> {
    let n = sequences.position.len();
    let mut codes = vec![Vec::new(); layout.total()];
    for (index, (column, encoder)) in columns.iter().zip(encoders).enumerate() {
        codes[layout.current(index)] = column.values.iter().map(|v| encoder.encode(v)).collect();
    }
    if !layout.sequential {
        return codes;
    }
    for (index, (column, encoder)) in context.iter().zip(context_encoders).enumerate() {
        codes[index] = sequences
            .parent
            .iter()
            .map(|parent| parent.map_or(0, |p| encoder.encode(&column.values[p])))
            .collect();
    }
    codes[layout.position()] = sequences.position.iter().map(|&p| count_code(p)).collect();
    codes[layout.length()] = sequences.length.iter().map(|&l| count_code(l)).collect();
    for index in 0..columns.len() {
        let current = codes[layout.current(index)].clone();
        codes[layout.previous(index)] = (0..n)
            .map(|row| sequences.previous[row].map_or(0, |before| current[before]))
            .collect();
    }
    codes
}

/// Whether each feature's codes are ordered (numbers, positions) or not (categories).
fn ordered_features(
    layout: Layout,
    encoders: &[Encoder],
    context_encoders: &[Encoder],
) -> Vec<bool> {
    let mut ordered = vec![true; layout.total()];
    for (index, encoder) in encoders.iter().enumerate() {
        ordered[layout.current(index)] = encoder.ordered();
        if layout.sequential {
            ordered[layout.previous(index)] = encoder.ordered();
        }
    }
    if layout.sequential {
        for (index, encoder) in context_encoders.iter().enumerate() {
            ordered[index] = encoder.ordered();
        }
    }
    ordered
}

struct ColumnSetup<'a> {
    column: &'a Column,
    allowed: &'a [usize],
    codes: &'a [Vec<u8>],
    ordered: &'a [bool],
    sequences: &'a Sequences,
    min_count: usize,
    params: TreeParams,
}

fn train_column(setup: &ColumnSetup<'_>, sequential: bool, anchor: Option<&Column>) -> ColumnModel {
    let column = setup.column;
    let fallback = Marginal::fit(column, setup.min_count);
    if matches!(column.kind, ColumnKind::Id | ColumnKind::Text)
        || column.values.iter().all(Value::is_null)
    {
        return ColumnModel::Marginal(fallback);
    }
    if sequential && column.kind == ColumnKind::Datetime {
        return train_gaps(setup, anchor, fallback);
    }
    let rows: Vec<usize> = setup.sequences.rows.clone();
    let targets: Vec<Value> = column.values.clone();
    ColumnModel::Tree(fit_conditional(setup, &rows, &targets, fallback))
}

/// Splits a sequence's datetimes into first values (offsets from the parent's date when there
/// is one) and gaps from the previous row.
fn train_gaps(setup: &ColumnSetup<'_>, anchor: Option<&Column>, fallback: Marginal) -> ColumnModel {
    let values = &setup.column.values;
    let mut first_rows = Vec::new();
    let mut next_rows = Vec::new();
    let mut targets = vec![Value::Null; values.len()];
    for &row in &setup.sequences.rows {
        let before = setup.sequences.previous[row].and_then(|b| values[b].as_number());
        match (values[row].as_number(), before) {
            (Some(x), Some(b)) => {
                targets[row] = Value::Number(x - b);
                next_rows.push(row);
            }
            (None, Some(_)) => next_rows.push(row),
            (x, None) => {
                let base = setup.sequences.parent[row]
                    .and_then(|p| anchor.and_then(|a| a.values[p].as_number()))
                    .unwrap_or(0.0);
                targets[row] = x.map_or(Value::Null, |x| Value::Number(x - base));
                first_rows.push(row);
            }
        }
    }
    ColumnModel::Gap {
        first: fit_conditional(setup, &first_rows, &targets, fallback.clone()),
        next: fit_conditional(setup, &next_rows, &targets, fallback),
    }
}

/// Fits a tree predicting `targets` on `rows` from the allowed features.
fn fit_conditional(
    setup: &ColumnSetup<'_>,
    rows: &[usize],
    targets: &[Value],
    fallback: Marginal,
) -> Conditional {
    let kind = setup.column.kind;
    let target_encoder = match kind {
        ColumnKind::Numerical | ColumnKind::Datetime => {
            Encoder::numeric(rows.iter().filter_map(|&r| targets[r].as_number()))
        }
        _ => Encoder::fit(setup.column),
    };
    let classes: Vec<u16> = targets
        .iter()
        .map(|v| u16::from(target_encoder.encode(v)))
        .collect();
    let features: Vec<Feature<'_>> = setup
        .allowed
        .iter()
        .map(|&index| Feature {
            codes: &setup.codes[index],
            bins: feature_bins(&setup.codes[index]),
            ordered: setup.ordered[index],
        })
        .collect();
    let rows32: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
    let (tree, leaf_rows) = Tree::fit(
        &features,
        &classes,
        target_encoder.bins(),
        rows32,
        setup.params,
    );
    let frequent = frequent_labels(setup.column, setup.min_count);
    let leaves = leaf_rows
        .iter()
        .map(|rows| leaf_values(rows, targets, &frequent))
        .collect();
    Conditional {
        tree,
        features: setup.allowed.to_vec(),
        leaves,
        fallback,
    }
}

/// The number of codes a feature uses (its largest code + 1).
fn feature_bins(codes: &[u8]) -> usize {
    codes
        .iter()
        .copied()
        .max()
        .map_or(1, |max| usize::from(max) + 1)
}

/// Labels seen at least `min_count` times: only these may be drawn.
fn frequent_labels(column: &Column, min_count: usize) -> HashSet<Arc<str>> {
    let mut counts: HashMap<&Arc<str>, usize> = HashMap::new();
    for value in &column.values {
        if let Value::Label(label) = value {
            *counts.entry(label).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, count)| *count >= min_count)
        .map(|(label, _)| label.clone())
        .collect()
}

fn leaf_values(rows: &[u32], targets: &[Value], frequent: &HashSet<Arc<str>>) -> LeafValues {
    let mut nulls = 0;
    let mut values = Vec::new();
    for &row in rows {
        match &targets[row as usize] {
            Value::Null => nulls += 1,
            Value::Label(label) if !frequent.contains(label) => {}
            value => values.push(value.clone()),
        }
    }
    values.sort_by(compare_values);
    LeafValues {
        nulls,
        values: Runs::new(values),
    }
}

/// The tree of children counts over the parent's context.
fn train_lengths(
    counts: &[usize],
    context: &[Column],
    encoders: &[Encoder],
    params: TreeParams,
) -> (Tree, Vec<Vec<usize>>) {
    let codes: Vec<Vec<u8>> = context
        .iter()
        .zip(encoders)
        .map(|(column, encoder)| column.values.iter().map(|v| encoder.encode(v)).collect())
        .collect();
    let features: Vec<Feature<'_>> = codes
        .iter()
        .zip(encoders)
        .map(|(codes, encoder)| Feature {
            codes,
            bins: feature_bins(codes),
            ordered: encoder.ordered(),
        })
        .collect();
    let count_encoder = Encoder::numeric(counts.iter().map(|&c| c as f64));
    let classes: Vec<u16> = counts
        .iter()
        .map(|&c| u16::from(count_encoder.encode(&Value::Number(c as f64))))
        .collect();
    let rows: Vec<u32> = (0..counts.len() as u32).collect();
    let (tree, leaves) = Tree::fit(
        &features,
        &classes,
        count_encoder.bins().max(COUNT_BINS),
        rows,
        params,
    );
    // Sorted: sampling ignores the order, and a saved model then does not tie counts to rows.
    let leaf_counts = leaves
        .iter()
        .map(|rows| {
            let mut leaf: Vec<usize> = rows.iter().map(|&r| counts[r as usize]).collect();
            leaf.sort_unstable();
            leaf
        })
        .collect();
    (tree, leaf_counts)
}
