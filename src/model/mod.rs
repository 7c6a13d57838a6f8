//! Table models: what is learned from a real table and how synthetic rows are drawn from it.
//!
//! Every model sits behind [`TableModel`], so the pipeline does not care which one it runs and
//! a learned model can always be compared with the [`reference`] baseline.

mod encode;
pub mod learned;
pub mod marginal;
pub mod reference;
mod tree;

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::Validated;
use crate::data::{Column, Table, Value, ValueFormat};
use crate::keys::{self, KeyDistribution};
use crate::plan::{Generation, Plan, TablePlan};
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;

/// One synthetic row: a value per modelled column, in the table's column order.
pub type Row = Vec<Value>;

/// A trained model of one table.
pub trait TableModel: Send + Sync {
    /// `n` rows drawn without parent context (root tables, `sequential: false` tables, and
    /// rows of a sequential table whose parent key is empty).
    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row>;

    /// How many children each row of the (synthetic) parent table gets, one count per parent
    /// row. Deciding all counts at once lets a model keep the distribution of counts, not only
    /// its mean.
    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize>;

    /// The `len` rows of one parent's sequence, in order; `parent_row` indexes `parent`.
    fn sample_sequence(
        &self,
        parent: &Parent<'_>,
        parent_row: usize,
        len: usize,
        rng: &mut SynthRng,
    ) -> Vec<Row>;
}

/// A parent table as a model sees it: its modelled columns (real when training, synthetic when
/// generating) and its row count (a parent may have no modelled columns at all).
#[derive(Debug, Clone, Copy)]
pub struct Parent<'a> {
    /// The parent's modelled columns.
    pub columns: &'a [Column],
    /// The number of parent rows.
    pub rows: usize,
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
}

/// A child table's link to the parent its sequences hang off.
pub struct ParentLink {
    /// The parent's context columns (see [`context_columns`]), one value per parent row.
    pub context: Vec<Column>,
    /// The number of parent rows.
    pub rows: usize,
    /// For each child row, the index of its parent row.
    pub parent_of_row: Vec<Option<usize>>,
}

impl ParentLink {
    /// The number of children of every parent row (zeros included).
    pub fn children_per_parent(&self) -> Vec<usize> {
        let mut counts = vec![0; self.rows];
        for parent in self.parent_of_row.iter().flatten() {
            counts[*parent] += 1;
        }
        counts
    }
}

/// Privacy protections applied by every model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// Which model to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
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

/// Trains the chosen model on one table.
pub fn train(kind: ModelKind, data: &TrainingData<'_>) -> Box<dyn TableModel> {
    match kind {
        ModelKind::Learned => Box::new(learned::LearnedModel::train(data)),
        ModelKind::Reference => Box::new(reference::ReferenceModel::train(data)),
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

/// How a modelled column is written back (the part of a [`Column`] that is not data).
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    /// The header name.
    pub name: String,
    /// The column type.
    pub kind: ColumnKind,
    /// How values are written.
    pub format: ValueFormat,
}

/// Everything learned about one table: its model, its keys' distributions, and what the output
/// must look like. Generation needs nothing else (the real rows are not kept).
pub struct TrainedTable {
    /// The table's name.
    pub name: String,
    /// The CSV header in input order.
    pub header: Vec<String>,
    /// The primary key column, numbered 1..N in the output.
    pub primary_key: Option<String>,
    /// The modelled columns in table order.
    pub columns: Vec<ColumnSpec>,
    /// The modelled column that orders a sequence (`order_by`), as an index into `columns`.
    pub order_by: Option<usize>,
    /// Real row count.
    pub real_rows: usize,
    /// Real rows of a sequential table whose sequence key is empty.
    pub orphan_rows: usize,
    /// The rows' model.
    pub model: Box<dyn TableModel>,
    /// Distributions of the foreign keys assigned after generation.
    pub assigned: Vec<KeyDistribution>,
}

/// The trained models of every table, with the plan that orders them.
pub struct Models {
    /// Generation order and roles of the foreign keys.
    pub plan: Plan,
    /// One entry per table, in plan order.
    pub tables: IndexMap<String, TrainedTable>,
}

/// Trains every table of a validated input (tables in parallel); `on_table` is called with each
/// table's name once it is trained (for progress).
pub fn train_all(
    input: &Validated,
    kind: ModelKind,
    privacy: Privacy,
    on_table: &(dyn Fn(&str) + Sync),
) -> Models {
    let trained: Vec<TrainedTable> = input
        .plan
        .order
        .par_iter()
        .map(|table_plan| {
            let trained = train_table(input, table_plan, kind, privacy);
            on_table(&table_plan.table);
            trained
        })
        .collect();
    Models {
        plan: input.plan.clone(),
        tables: trained
            .into_iter()
            .map(|table| (table.name.clone(), table))
            .collect(),
    }
}

fn train_table(
    input: &Validated,
    plan: &TablePlan,
    kind: ModelKind,
    privacy: Privacy,
) -> TrainedTable {
    let table = &input.tables[&plan.table];
    let def = input
        .schema
        .table(&plan.table)
        .expect("the plan is built from the schema");
    let parent = match &plan.generation {
        Generation::Sequential { key } => Some(ParentLink {
            context: real_context(input, &key.parent),
            rows: input.tables[&key.parent].rows(),
            parent_of_row: real_parent_index(input, table, &key.column, &key.parent),
        }),
        Generation::Root | Generation::Independent => None,
    };
    let orphan_rows = parent.as_ref().map_or(0, |p| {
        p.parent_of_row.iter().filter(|row| row.is_none()).count()
    });
    let assigned = plan
        .assigned
        .iter()
        .map(|fk| {
            let parent_of_row = real_parent_index(input, table, &fk.column, &fk.parent);
            let parent_rows = input.tables[&fk.parent].rows();
            KeyDistribution::learn(&fk.column, &fk.parent, &parent_of_row, parent_rows)
        })
        .collect();
    let order_by = def
        .order_by
        .as_ref()
        .and_then(|name| table.columns.iter().position(|c| &c.name == name));
    let data = TrainingData {
        table,
        parent,
        order_by,
        privacy,
    };
    TrainedTable {
        name: table.name.clone(),
        header: table.header.clone(),
        primary_key: def.primary_key.clone(),
        columns: table
            .columns
            .iter()
            .map(|column| ColumnSpec {
                name: column.name.clone(),
                kind: column.kind,
                format: column.format.clone(),
            })
            .collect(),
        order_by,
        real_rows: table.rows(),
        orphan_rows,
        model: train(kind, &data),
        assigned,
    }
}

/// For each row of `table`, the row of `parent` its key `column` points at.
fn real_parent_index(
    input: &Validated,
    table: &Table,
    column: &str,
    parent: &str,
) -> Vec<Option<usize>> {
    let parent_table = &input.tables[parent];
    let pk = input
        .schema
        .table(parent)
        .and_then(|def| def.primary_key.as_deref())
        .expect("validation guarantees the parent has a primary key");
    keys::parent_index(&table.keys[column], &parent_table.keys[pk])
}

/// The context a real `parent` gives its children: its columns and its own parent's.
fn real_context(input: &Validated, parent: &str) -> Vec<Column> {
    let parent_table = &input.tables[parent];
    match input.plan.table(parent).map(|plan| &plan.generation) {
        Some(Generation::Sequential { key }) => {
            let row_of = real_parent_index(input, parent_table, &key.column, &key.parent);
            let grandparent = &input.tables[&key.parent].columns;
            context_columns(&parent_table.columns, Some((grandparent, &row_of)))
        }
        _ => context_columns(&parent_table.columns, None),
    }
}
