//! Table models: what is learned from a real table and how synthetic rows are drawn from it.
//!
//! Every model sits behind [`TableModel`], so the pipeline does not care which one it runs and
//! a learned model can always be compared with the [`reference`] baseline. This module is the
//! kit only (the trait, the models, their encoders, trees, runs and stored forms, and the
//! foreign-key [`parent_preference`] model); running it over a whole database is the training
//! stage, [`crate::train`].

mod apart;
pub mod check_digit;
mod clock;
mod crowding;
mod drawable;
pub(crate) mod encode;
pub mod ipv4;
pub mod joined;
pub mod learned;
mod lengths;
pub mod marginal;
pub mod parent_preference;
mod recent;
pub mod reference;
pub(crate) mod runs;
pub(crate) mod stored;
pub(crate) mod tree;
pub mod weighted;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Table, Value};
use crate::rules::Rule;
use crate::sampling::SynthRng;

/// One synthetic row: a value per modelled column, in the table's column order.
pub type Row = Vec<Value>;

/// The rows of several sequences, column by column (a vector per modelled column): the first
/// sequence's rows in order, then the second's, and so on. Tables are stored and written
/// column by column; drawn this way, a row's values go straight into their columns instead of
/// into a vector of their own first (an allocation and a copy per row of millions).
pub type SequenceColumns = Vec<Vec<Value>>;

/// A trained model of one table.
pub trait TableModel: Send + Sync {
    /// `n` rows drawn without parent context (root tables, `sequential: false` tables, and
    /// rows of a sequential table whose parent key is empty).
    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row>;

    /// How many children each row of the (synthetic) parent table gets, one count per parent
    /// row. Deciding all counts at once lets a model keep the distribution of counts, not only
    /// its mean.
    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize>;

    /// The rows of several parents' sequences, in order, one sequence per `(parent_row, len)`
    /// (`parent_row` indexes `parent`), column by column. Drawn together, so a model can draw
    /// a column for every sequence before the next column (each column's model stays in the
    /// cache).
    fn sample_sequences(
        &self,
        parent: &Parent<'_>,
        sequences: &[(usize, usize)],
        rng: &mut SynthRng,
    ) -> SequenceColumns;

    /// The parent's context columns (indices, see [`context_columns`]) the draws read: a
    /// parent held for its children keeps only these, so its other columns (text, most of
    /// all) are freed as soon as it is written.
    fn context_read(&self) -> Vec<usize>;

    /// The columns (indices) drawn as fresh ids whose real values were all distinct, with
    /// the shape they are drawn in: draws are independent, so generation makes them distinct
    /// over the whole table afterwards (`generate::distinct`).
    fn distinct_ids(&self) -> Vec<(usize, &marginal::IdShape)>;

    /// The number columns of long sequences whose place among their leaf's values is carried
    /// on from each row to the next, with the correlation it is carried with (the
    /// `persistence` of [`learned`]).
    fn carried(&self) -> Vec<(usize, f64)>;
}

/// A parent table as a model sees it: its context columns (see [`context_columns`]; real when
/// training, synthetic when generating) and its row count (a parent may have no modelled
/// columns at all). The grandparent's columns are read through the parent's rows rather than
/// copied for each of them (a copy of millions of rows for a large parent).
#[derive(Debug, Clone, Copy)]
pub struct Parent<'a> {
    /// The parent's modelled columns.
    pub columns: &'a [Column],
    /// When the parent is itself a sequence: its own parent's columns and the grandparent
    /// row of each parent row; these come after `columns` in the context.
    pub grandparent: Option<(&'a [Column], &'a [Option<usize>])>,
    /// The number of parent rows.
    pub rows: usize,
}

/// The value a context column holds for a parent row without a grandparent row.
static NO_VALUE: Value = Value::Null;

impl<'a> Parent<'a> {
    /// A parent with these context columns as they are.
    pub fn of(columns: &'a [Column], rows: usize) -> Parent<'a> {
        Parent {
            columns,
            grandparent: None,
            rows,
        }
    }

    /// The number of context columns.
    pub fn context_columns(&self) -> usize {
        self.columns.len() + self.grandparent.map_or(0, |(columns, _)| columns.len())
    }

    /// The value of context column `index` for parent `row` (`None`: no such column), as
    /// [`context_columns`] would hold it.
    pub fn value(&self, index: usize, row: usize) -> Option<&'a Value> {
        if let Some(column) = self.columns.get(index) {
            return column.values.get(row);
        }
        let (columns, row_of) = self.grandparent?;
        let column = columns.get(index - self.columns.len())?;
        match row_of.get(row)? {
            Some(grand) => column.values.get(*grand),
            None => Some(&NO_VALUE),
        }
    }
}

/// What a model may learn from: the table and, for a sequential table, its parent.
pub struct TrainingData<'a> {
    /// The real table.
    pub table: &'a Table,
    /// The parent driving the sequence, with each row's parent row index (`None`: empty key).
    pub parent: Option<ParentLink>,
    /// The column (index into the table's columns) that orders rows within a sequence.
    pub order_by: Option<usize>,
    /// The privacy protections to apply.
    pub privacy: Privacy,
    /// The rules the table's rows obey (see [`crate::rules`]); the learned model keeps them.
    pub rules: &'a [Rule],
    /// Columns (indices) whose non-empty values a later stage writes afresh whatever was drawn
    /// (semantic text, e-mails, phones, ids): for those of them a model draws on their own, it
    /// learns only how often they are empty ([`marginal::Marginal::presence`]).
    pub regenerated: &'a [usize],
    /// Columns (indices) a semantic generator fills, keeping some drawn labels as they are:
    /// their rare labels are never written as fresh ones ([`marginal::Marginal::fit`]).
    pub semantic: &'a [usize],
    /// Columns (indices) a child table's rows work out once drawn (a total, the values of
    /// children: [`crate::rules::totals`]): drawn last and read by no tree.
    pub from_children: &'a [usize],
}

impl TrainingData<'_> {
    /// The distribution a column drawn on its own is drawn from.
    pub fn marginal(&self, column: usize, min_count: usize) -> marginal::Marginal {
        let values = &self.table.columns[column];
        if self.regenerated.contains(&column) {
            marginal::Marginal::presence(values)
        } else {
            let fresh = !self.semantic.contains(&column);
            marginal::Marginal::fit(values, min_count, fresh)
        }
    }
}

/// A child table's link to the parent its sequences hang off.
pub struct ParentLink {
    /// The parent's context columns (see [`context_columns`]), one value per parent row.
    pub context: Vec<Column>,
    /// The number of parent rows.
    pub rows: usize,
    /// For each child row trained on, the index of its parent row.
    pub parent_of_row: Vec<Option<usize>>,
    /// The number of children of every parent row (zeros included) in the whole real table,
    /// exact even when the rows trained on are a sample of whole sequences.
    pub counts: Vec<usize>,
}

impl ParentLink {
    /// The number of children of every parent row (zeros included).
    pub fn children_per_parent(&self) -> &[usize] {
        &self.counts
    }
}

/// Privacy protections applied by every model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privacy {
    /// Categories (and words of free text) seen fewer times than this are never reproduced,
    /// and this many of the most extreme numbers on each side are clipped away.
    /// 1 switches the protections off.
    pub min_count: usize,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { min_count: 5 }
    }
}

impl Privacy {
    /// The threshold for a table of `rows` rows. Small lookup tables (regions, airlines) would
    /// lose every value at 5, so tables under 250 rows use `rows / 50` (at least 1).
    pub fn threshold(&self, rows: usize) -> usize {
        self.min_count.min((rows / 50).max(1))
    }
}

/// How far trees may grow on a table of `rows` rows: no leaf smaller than four times the
/// privacy threshold, so no leaf speaks for a handful of real records.
pub fn tree_params(privacy: Privacy, rows: usize) -> tree::TreeParams {
    tree::TreeParams {
        min_leaf: (4 * privacy.threshold(rows)).max(1),
        max_depth: 12,
        min_leaf_parents: privacy.min_count,
    }
}

/// Checks children-per-parent counts read from a model file: one per real parent row
/// (`parent_rows`; none for a table without a sequence), adding up to at most the table's real
/// `rows`. Generation draws from them, so this bounds what it makes.
pub(crate) fn check_counts(
    counts: &[usize],
    rows: usize,
    parent_rows: Option<usize>,
) -> std::result::Result<(), String> {
    let total = counts
        .iter()
        .try_fold(0usize, |sum, &count| sum.checked_add(count));
    if counts.len() != parent_rows.unwrap_or(0) || total.is_none_or(|total| total > rows) {
        return Err(format!(
            "children-per-parent counts that do not fit the table's {rows} rows"
        ));
    }
    Ok(())
}

/// Which model to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Column-by-column trees conditioned on earlier columns, the parent and the sequence.
    #[default]
    Learned,
    /// Each column from its own distribution; children counts from the real distribution.
    Reference,
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelKind::Learned => f.write_str("learned"),
            ModelKind::Reference => f.write_str("reference"),
        }
    }
}

impl FromStr for ModelKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "learned" => Ok(ModelKind::Learned),
            "reference" => Ok(ModelKind::Reference),
            other => Err(format!(
                "unknown model `{other}` (available: learned, reference)"
            )),
        }
    }
}

/// Any trained table model. A closed enum rather than a `Box<dyn TableModel>` so that models
/// can be saved to a model file and loaded back (see [`crate::modelfile`]); the pipeline still
/// calls through [`TableModel`], which this implements by delegation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AnyModel {
    /// See [`learned::LearnedModel`].
    Learned(Box<learned::LearnedModel>),
    /// See [`reference::ReferenceModel`].
    Reference(reference::ReferenceModel),
}

impl AnyModel {
    /// Which kind of model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            AnyModel::Learned(_) => ModelKind::Learned,
            AnyModel::Reference(_) => ModelKind::Reference,
        }
    }

    fn inner(&self) -> &dyn TableModel {
        match self {
            AnyModel::Learned(model) => model.as_ref(),
            AnyModel::Reference(model) => model,
        }
    }
}

impl TableModel for AnyModel {
    fn context_read(&self) -> Vec<usize> {
        self.inner().context_read()
    }

    fn distinct_ids(&self) -> Vec<(usize, &marginal::IdShape)> {
        self.inner().distinct_ids()
    }

    fn carried(&self) -> Vec<(usize, f64)> {
        self.inner().carried()
    }

    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row> {
        self.inner().sample_rows(n, rng)
    }

    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize> {
        self.inner().sample_lengths(parent, rng)
    }

    fn sample_sequences(
        &self,
        parent: &Parent<'_>,
        sequences: &[(usize, usize)],
        rng: &mut SynthRng,
    ) -> SequenceColumns {
        self.inner().sample_sequences(parent, sequences, rng)
    }
}

/// Trains the chosen model on one table.
pub fn train(kind: ModelKind, data: &TrainingData<'_>) -> AnyModel {
    match kind {
        ModelKind::Learned => AnyModel::Learned(Box::new(learned::LearnedModel::train(data))),
        ModelKind::Reference => AnyModel::Reference(reference::ReferenceModel::train(data)),
    }
}

/// The columns a child table is conditioned on: its parent's columns and, when the parent is
/// itself one of a grandparent's sequences, the grandparent's columns of each parent row
/// (`grandparent`: its columns and the grandparent row of each parent row). The same function
/// builds the context from real tables (training) and synthetic ones (generation).
pub fn context_columns(
    parent: &[Column],
    grandparent: Option<(&[Column], &[Option<usize>])>,
) -> Vec<Column> {
    let mut context = parent.to_vec();
    if let Some((columns, row_of)) = grandparent {
        context.extend(columns.iter().map(|column| {
            Column {
                name: format!("^{}", column.name),
                kind: column.kind,
                format: column.format.clone(),
                values: row_of
                    .iter()
                    .map(|row| row.map_or(Value::Null, |row| column.values[row].clone()))
                    .collect(),
            }
        }));
    }
    context
}
