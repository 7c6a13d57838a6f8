//! Real and synthetic tables side by side, with every scored column encoded once for all the
//! measures: continuous columns (numerical, datetime) as numbers, discrete columns (categorical,
//! boolean, and numerical columns of a few whole values, see [`few_whole_numbers`]) as codes of
//! one dictionary shared by both sides. Foreign keys are resolved to parent
//! row indices on both sides.
//!
//! A large table may be held as a seeded sample (see [`crate::validated::validate_for_evaluation`]):
//! its columns then hold the sample's rows, and what must count every row (row counts,
//! children per parent, referential integrity, key uniqueness, exact copies) reads every
//! row's keys and fingerprints instead ([`PairedTable::real_rows`], [`Link::real_counts`]).

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::data::{Column, Sampled, Table, TextColumn, Value, fingerprint};
use crate::keys;
use crate::plan::Generation;
use crate::schema::{ColumnKind, TableDef};
use crate::stats::{self, BINS};
use crate::validated::Validated;

use super::load::SyntheticTable;

/// One side (real or synthetic) of a scored column.
#[derive(Debug, Clone)]
pub enum Sample {
    /// Numbers (datetimes as seconds since the epoch), with their equal-width bins over this
    /// side's own range (how pair trends discretise a continuous column).
    Continuous {
        /// The values; `None` is an empty field.
        values: Vec<Option<f64>>,
        /// The bin of each value ([`BINS`] equal-width bins).
        bins: Vec<Option<u32>>,
    },
    /// Category codes; the dictionary is [`ScoredColumn::labels`].
    Discrete {
        /// The codes; `None` is an empty field.
        codes: Vec<Option<u32>>,
    },
}

impl Sample {
    /// A continuous sample, binned.
    pub fn continuous(values: Vec<Option<f64>>) -> Sample {
        let bins = stats::equal_width_bins(&values, BINS);
        Sample::Continuous { values, bins }
    }

    /// The sample as discrete cells: bins of a continuous sample, codes of a discrete one.
    pub fn cells(&self) -> &[Option<u32>] {
        match self {
            Sample::Continuous { bins, .. } => bins,
            Sample::Discrete { codes } => codes,
        }
    }

    /// The numbers of a continuous sample.
    pub fn numbers(&self) -> Option<&[Option<f64>]> {
        match self {
            Sample::Continuous { values, .. } => Some(values),
            Sample::Discrete { .. } => None,
        }
    }

    /// The rows at `rows`, re-binned over their own range (a joined or subsampled column).
    pub fn pick(&self, rows: &[usize]) -> Sample {
        match self {
            Sample::Continuous { values, .. } => Sample::continuous(stats::pick(values, rows)),
            Sample::Discrete { codes } => Sample::Discrete {
                codes: stats::pick(codes, rows),
            },
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.cells().len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column scored for shape: both sides, encoded alike.
#[derive(Debug, Clone)]
pub struct ScoredColumn {
    /// The column's name (qualified with its table in intertable pairs).
    pub name: String,
    /// The real column's type.
    pub kind: ColumnKind,
    /// The real values.
    pub real: Sample,
    /// The synthetic values.
    pub synthetic: Sample,
    /// Discrete columns: the label of each code; real labels come first.
    pub labels: Vec<String>,
    /// Discrete columns: how many labels occur in the real data (codes below are real).
    pub real_levels: u32,
}

impl ScoredColumn {
    /// Whether the column is continuous (numerical or datetime).
    pub fn is_continuous(&self) -> bool {
        matches!(self.real, Sample::Continuous { .. })
    }

    /// The column restricted to some real and some synthetic rows, renamed.
    pub fn pick(&self, name: String, real_rows: &[usize], synthetic_rows: &[usize]) -> Self {
        ScoredColumn {
            name,
            kind: self.kind,
            real: self.real.pick(real_rows),
            synthetic: self.synthetic.pick(synthetic_rows),
            labels: self.labels.clone(),
            real_levels: self.real_levels,
        }
    }
}

fn all_rows(table: &Table, sample: Option<&Sampled>) -> usize {
    sample.map_or(table.rows(), |sample| sample.all.rows())
}

fn all_keys<'a>(
    table: &'a Table,
    sample: Option<&'a Sampled>,
    column: &str,
) -> Option<&'a TextColumn> {
    sample
        .map_or(&table.keys, |sample| &sample.all.keys)
        .get(column)
}

/// Every row's fingerprint over `columns` of `table`: kept while loading for a sample, else
/// taken from the values.
fn fingerprints(table: &Table, sample: Option<&mut Sampled>, columns: &[&str]) -> Vec<u64> {
    match sample {
        Some(sample) => std::mem::take(&mut sample.fingerprints),
        None => {
            let columns: Vec<&Column> = columns.iter().filter_map(|c| table.column(c)).collect();
            fingerprint::of_rows(&columns, table.rows())
        }
    }
}

/// Whether a column type is scored for shape, and how.
pub fn is_scored(kind: ColumnKind) -> bool {
    !matches!(kind, ColumnKind::Id | ColumnKind::Text)
}

/// One table, real and synthetic.
#[derive(Debug, Clone)]
pub struct PairedTable {
    /// The table's name.
    pub name: String,
    /// Its schema definition.
    pub def: TableDef,
    /// How its rows are generated (sequential tables get sequence coherence).
    pub generation: Generation,
    /// The real table.
    pub real: Table,
    /// The synthetic table.
    pub synthetic: Table,
    /// The scored columns, in the real table's order.
    pub scored: Vec<ScoredColumn>,
    /// When `real` holds a sample: every real row's keys (its fingerprints moved out).
    pub real_sample: Option<Sampled>,
    /// When `synthetic` holds a sample: every synthetic row's keys.
    pub synthetic_sample: Option<Sampled>,
    /// Every real row's fingerprint over the modelled columns ([`fingerprint`]).
    pub real_fingerprints: Vec<u64>,
    /// Every synthetic row's fingerprint over the real table's modelled columns.
    pub synthetic_fingerprints: Vec<u64>,
}

impl PairedTable {
    /// Real rows in all (also when `real` holds a sample).
    pub fn real_rows(&self) -> usize {
        all_rows(&self.real, self.real_sample.as_ref())
    }

    /// Synthetic rows in all.
    pub fn synthetic_rows(&self) -> usize {
        all_rows(&self.synthetic, self.synthetic_sample.as_ref())
    }

    /// A synthetic key column over every row.
    pub fn synthetic_keys(&self, column: &str) -> Option<&TextColumn> {
        all_keys(&self.synthetic, self.synthetic_sample.as_ref(), column)
    }

    /// Whether either side's columns hold a sample of its rows.
    pub fn is_sampled(&self) -> bool {
        self.real_sample.is_some() || self.synthetic_sample.is_some()
    }

    /// The synthetic column matching a real one (by name: the order may differ).
    pub fn synthetic_column(&self, name: &str) -> Option<&Column> {
        self.synthetic.column(name)
    }
}

/// One foreign key, resolved on both sides.
#[derive(Debug, Clone)]
pub struct Link {
    /// The child table.
    pub child: String,
    /// The foreign key column.
    pub column: String,
    /// The parent table.
    pub parent: String,
    /// For each real child row, its real parent row.
    pub real_parent_of_row: Vec<Option<usize>>,
    /// For each synthetic child row, its synthetic parent row (`None`: empty or dangling key).
    pub synthetic_parent_of_row: Vec<Option<usize>>,
    /// Children of every real parent row (every child row counted, also when the child is
    /// held as a sample).
    pub real_counts: Vec<usize>,
    /// Children of every synthetic parent row.
    pub synthetic_counts: Vec<usize>,
    /// Non-empty synthetic key values (of every row).
    pub synthetic_keys: usize,
    /// Of those, the values found among the synthetic parent keys.
    pub synthetic_resolved: usize,
}

impl Link {
    /// `child.column -> parent`, how reports name a relationship.
    pub fn label(&self) -> String {
        format!("{}.{} -> {}", self.child, self.column, self.parent)
    }
}

/// The whole database, real and synthetic.
#[derive(Debug, Clone)]
pub struct Paired {
    /// Tables in schema order.
    pub tables: Vec<PairedTable>,
    /// Every foreign key of the schema.
    pub links: Vec<Link>,
}

impl Paired {
    /// Pairs the validated real database with its synthetic tables (one per real table).
    pub fn new(real: Validated, mut synthetic: IndexMap<String, SyntheticTable>) -> Paired {
        let Validated {
            schema,
            plan,
            mut tables,
            mut sampled,
        } = real;
        let mut paired = Vec::new();
        for def in &schema.tables {
            let (Some(real), Some((synthetic, mut synthetic_sample))) = (
                tables.shift_remove(&def.name),
                synthetic.shift_remove(&def.name),
            ) else {
                continue;
            };
            let mut real_sample = sampled.shift_remove(&def.name);
            let generation = plan
                .table(&def.name)
                .map_or(Generation::Root, |p| p.generation.clone());
            let scored = scored_columns(&real, &synthetic);
            let names: Vec<&str> = real.columns.iter().map(|c| c.name.as_str()).collect();
            let real_fingerprints = fingerprints(&real, real_sample.as_mut(), &names);
            let synthetic_fingerprints =
                fingerprints(&synthetic, synthetic_sample.as_mut(), &names);
            paired.push(PairedTable {
                name: def.name.clone(),
                def: def.clone(),
                generation,
                real,
                synthetic,
                scored,
                real_sample,
                synthetic_sample,
                real_fingerprints,
                synthetic_fingerprints,
            });
        }
        let links = links(&paired);
        Paired {
            tables: paired,
            links,
        }
    }

    /// The table with this name.
    pub fn table(&self, name: &str) -> Option<&PairedTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The link of a child table's foreign key column.
    pub fn link(&self, child: &str, column: &str) -> Option<&Link> {
        self.links
            .iter()
            .find(|l| l.child == child && l.column == column)
    }
}

fn scored_columns(real: &Table, synthetic: &Table) -> Vec<ScoredColumn> {
    real.columns
        .iter()
        .filter(|column| is_scored(column.kind))
        .filter_map(|column| Some(encode(column, synthetic.column(&column.name)?)))
        .collect()
}

fn encode(real: &Column, synthetic: &Column) -> ScoredColumn {
    let (real_sample, synthetic_sample, labels, real_levels) = match real.kind {
        ColumnKind::Numerical if few_whole_numbers(real) => {
            let mut dictionary = Dictionary::default();
            let real_codes = dictionary.encode_numbers(real);
            let real_levels = dictionary.labels.len() as u32;
            let synthetic_codes = dictionary.encode_numbers(synthetic);
            (
                Sample::Discrete { codes: real_codes },
                Sample::Discrete {
                    codes: synthetic_codes,
                },
                dictionary.labels,
                real_levels,
            )
        }
        ColumnKind::Numerical | ColumnKind::Datetime => {
            let numbers = |c: &Column| c.values.iter().map(Value::as_number).collect();
            (
                Sample::continuous(numbers(real)),
                Sample::continuous(numbers(synthetic)),
                Vec::new(),
                0,
            )
        }
        _ => {
            let mut dictionary = Dictionary::default();
            let real_codes = dictionary.encode(real, real);
            let real_levels = dictionary.labels.len() as u32;
            let synthetic_codes = dictionary.encode(real, synthetic);
            (
                Sample::Discrete { codes: real_codes },
                Sample::Discrete {
                    codes: synthetic_codes,
                },
                dictionary.labels,
                real_levels,
            )
        }
    };
    ScoredColumn {
        name: real.name.clone(),
        kind: real.kind,
        real: real_sample,
        synthetic: synthetic_sample,
        labels,
        real_levels,
    }
}

/// Whether a numerical column is scored as discrete: its real values are whole, non-negative
/// numbers with at most `min(rows / 10, 10)` distinct values (rows counted with empty fields,
/// `rows / 10` rounded half to even), on more than 5 rows. This is how SDV's metadata detection
/// reads a numerical column as categorical (counts, codes, ratings, flags written as 0/1), so
/// users comparing with SDMetrics see such columns scored with TVD and contingency tables, not
/// KS, Pearson and 10 equal-width bins (which, binned over each side's own range, misplace
/// every value when the synthetic side lacks one of a few levels).
pub fn few_whole_numbers(column: &Column) -> bool {
    let rows = column.values.len();
    if rows <= 5 {
        return false;
    }
    let limit = (rows as f64 / 10.0).round_ties_even().min(10.0) as usize;
    let mut distinct: Vec<f64> = Vec::new();
    for x in column.values.iter().filter_map(Value::as_number) {
        if x.fract() != 0.0 || x < 0.0 {
            return false;
        }
        if !distinct.contains(&x) {
            if distinct.len() == limit {
                return false;
            }
            distinct.push(x);
        }
    }
    true
}

/// Labels to codes, in order of first appearance.
#[derive(Default)]
struct Dictionary {
    codes: HashMap<Arc<str>, u32>,
    labels: Vec<String>,
}

impl Dictionary {
    /// Codes of a column's values, each as the real column writes it (so a boolean compares
    /// by meaning, whatever the synthetic spelling).
    fn encode(&mut self, real: &Column, column: &Column) -> Vec<Option<u32>> {
        column
            .values
            .iter()
            .map(|value| {
                let label: Arc<str> = match value {
                    Value::Null => return None,
                    Value::Label(label) => label.clone(),
                    other => Arc::from(real.format.write(other)),
                };
                let next = self.labels.len() as u32;
                let code = *self.codes.entry(label.clone()).or_insert(next);
                if code == next {
                    self.labels.push(label.to_string());
                }
                Some(code)
            })
            .collect()
    }
}

impl Dictionary {
    /// Codes of a numerical column's values, labelled by the number (so `2` and `2.5` stay
    /// apart whatever the column's written format).
    fn encode_numbers(&mut self, column: &Column) -> Vec<Option<u32>> {
        column
            .values
            .iter()
            .map(|value| {
                let x = value.as_number()?;
                let label: Arc<str> = if x.fract() == 0.0 && x.abs() < 1e15 {
                    Arc::from(format!("{}", x as i64))
                } else {
                    Arc::from(format!("{x}"))
                };
                let next = self.labels.len() as u32;
                let code = *self.codes.entry(label.clone()).or_insert(next);
                if code == next {
                    self.labels.push(label.to_string());
                }
                Some(code)
            })
            .collect()
    }
}

fn links(tables: &[PairedTable]) -> Vec<Link> {
    let mut links = Vec::new();
    for child in tables {
        for fk in &child.def.foreign_keys {
            let Some(parent) = tables.iter().find(|t| t.name == fk.parent) else {
                continue;
            };
            let Some(pk) = parent.def.primary_key.as_deref() else {
                continue;
            };
            let resolve = |child: &Table, parent: &Table| match (
                child.keys.get(&fk.column),
                parent.keys.get(pk),
            ) {
                (Some(keys), Some(parent_keys)) => {
                    keys::parent_index(keys.iter(), parent_keys.iter())
                }
                _ => vec![None; child.rows()],
            };
            let real_parent_of_row = resolve(&child.real, &parent.real);
            let synthetic_parent_of_row = resolve(&child.synthetic, &parent.synthetic);
            // Counts read every child row: the rows held, or every row's keys of a sample.
            let every_row = |held: &[Option<usize>], sample: Option<&Sampled>, parent: &Table| {
                let Some(sample) = sample else {
                    return Resolved::of(held, parent.rows());
                };
                let all = resolve(&sample.all, parent);
                Resolved::of(&all, parent.rows())
            };
            let real = every_row(
                &real_parent_of_row,
                child.real_sample.as_ref(),
                &parent.real,
            );
            let synthetic = every_row(
                &synthetic_parent_of_row,
                child.synthetic_sample.as_ref(),
                &parent.synthetic,
            );
            links.push(Link {
                child: child.name.clone(),
                column: fk.column.clone(),
                parent: parent.name.clone(),
                real_counts: real.counts,
                synthetic_counts: synthetic.counts,
                real_parent_of_row,
                synthetic_parent_of_row,
                synthetic_keys: child
                    .synthetic_keys(&fk.column)
                    .map_or(0, |keys| keys.iter().flatten().count()),
                synthetic_resolved: synthetic.resolved,
            });
        }
    }
    links
}

/// What resolving every row of a foreign key gives: children per parent row, and the rows
/// whose key was found.
struct Resolved {
    counts: Vec<usize>,
    resolved: usize,
}

impl Resolved {
    fn of(parent_of_row: &[Option<usize>], parent_rows: usize) -> Resolved {
        Resolved {
            counts: stats::children_per_parent(parent_of_row, parent_rows),
            resolved: parent_of_row.iter().flatten().count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;

    fn numbers(values: &[Option<f64>]) -> Column {
        Column {
            name: "n".into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values: values
                .iter()
                .map(|v| v.map_or(Value::Null, Value::Number))
                .collect(),
        }
    }

    #[test]
    fn few_whole_non_negative_numbers_are_scored_as_discrete() {
        // 40 rows: at most 4 distinct values.
        let levels =
            |k: usize| -> Vec<Option<f64>> { (0..40).map(|i| Some((i % k) as f64)).collect() };
        assert!(few_whole_numbers(&numbers(&levels(4))));
        assert!(!few_whole_numbers(&numbers(&levels(5))));
        // 200 rows: the limit is 10 whatever the size.
        let wide: Vec<Option<f64>> = (0..200).map(|i| Some((i % 11) as f64)).collect();
        assert!(!few_whole_numbers(&numbers(&wide)));
        let mut with_nulls: Vec<Option<f64>> = (0..200).map(|i| Some((i % 10) as f64)).collect();
        with_nulls[3] = None;
        assert!(few_whole_numbers(&numbers(&with_nulls)));
        // Fractions, negatives and tiny tables stay continuous.
        let mut fraction = levels(2);
        fraction[0] = Some(0.5);
        assert!(!few_whole_numbers(&numbers(&fraction)));
        let mut negative = levels(2);
        negative[0] = Some(-1.0);
        assert!(!few_whole_numbers(&numbers(&negative)));
        assert!(!few_whole_numbers(&numbers(&[Some(1.0); 5])));
    }

    #[test]
    fn discrete_numbers_keep_fractions_apart_from_whole_values() {
        let real = numbers(&(0..40).map(|i| Some((i % 2) as f64)).collect::<Vec<_>>());
        let synthetic = numbers(&[Some(1.0), Some(0.5), None]);
        let column = encode(&real, &synthetic);
        assert!(!column.is_continuous());
        assert_eq!(column.labels, ["0", "1", "0.5"]);
        assert_eq!(column.real_levels, 2);
        assert_eq!(column.synthetic.cells(), [Some(1), Some(2), None]);
    }
}
