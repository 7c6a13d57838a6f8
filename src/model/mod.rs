//! Table models: what is learned from a real table and how synthetic rows are drawn from it.
//!
//! Every model sits behind [`TableModel`], so the pipeline does not care which one it runs and
//! a learned model can always be compared with the [`reference`] baseline.

pub(crate) mod encode;
pub mod learned;
pub mod marginal;
pub mod reference;
pub(crate) mod runs;
pub(crate) mod stored;
pub(crate) mod tree;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Validated;
use crate::data::{Column, Table, Value, ValueFormat};
use crate::error::{Error, Result};
use crate::keys::{self, KeyDistribution, LinkedColumns};
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
    Learned(learned::LearnedModel),
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
            AnyModel::Learned(model) => model,
            AnyModel::Reference(model) => model,
        }
    }
}

impl TableModel for AnyModel {
    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row> {
        self.inner().sample_rows(n, rng)
    }

    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize> {
        self.inner().sample_lengths(parent, rng)
    }

    fn sample_sequence(
        &self,
        parent: &Parent<'_>,
        parent_row: usize,
        len: usize,
        rng: &mut SynthRng,
    ) -> Vec<Row> {
        self.inner().sample_sequence(parent, parent_row, len, rng)
    }
}

/// Trains the chosen model on one table.
pub fn train(kind: ModelKind, data: &TrainingData<'_>) -> AnyModel {
    match kind {
        ModelKind::Learned => AnyModel::Learned(learned::LearnedModel::train(data)),
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

/// How a modelled column is written back (the part of a [`Column`] that is not data).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub model: AnyModel,
    /// Distributions of the foreign keys assigned after generation.
    pub assigned: Vec<KeyDistribution>,
    /// The table verbatim, when it is kept (lookup and calendar tables; see
    /// [`crate::semantic::keep`]); its `model` is then empty.
    pub kept: Option<crate::semantic::keep::KeptTable>,
    /// Generators of the table's semantic columns (names, e-mails, phones, text), run on the
    /// model's rows (see [`crate::semantic::fill`]).
    pub semantic: Option<crate::semantic::fill::SemanticTable>,
}

/// The trained models of every table, with the plan that orders them and the settings they
/// were trained with: everything `generate` needs, and what a model file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Models {
    /// Generation order and roles of the foreign keys.
    #[serde(with = "stored::plan")]
    pub plan: Plan,
    /// One entry per table, in plan order.
    pub tables: IndexMap<String, TrainedTable>,
    /// The model trained (for `inspect`).
    pub kind: ModelKind,
    /// The privacy protections applied when training (for `inspect`).
    pub privacy: Privacy,
    /// The seed generation uses when none is given: `--seed` at training, else the schema's.
    pub seed: Option<u64>,
}

impl Models {
    /// Keeps the named tables and every table they need generated first (the parents of their
    /// sequences and assigned keys, recursively), so that their keys point at rows that exist.
    /// Since each table draws from its own random stream, a kept table comes out exactly as it
    /// would in a full generation. An unknown name is an argument error listing the tables.
    pub fn only(mut self, wanted: &[String]) -> Result<Models> {
        let unknown: Vec<&str> = wanted
            .iter()
            .filter(|name| !self.tables.contains_key(name.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = self.tables.keys().map(String::as_str).collect();
            return Err(Error::Argument {
                argument: "--tables".into(),
                message: format!(
                    "no table {} in the model (its tables: {})",
                    unknown.join(", "),
                    known.join(", ")
                ),
            });
        }
        let mut keep: HashSet<String> = HashSet::new();
        let mut todo: Vec<String> = wanted.to_vec();
        while let Some(name) = todo.pop() {
            if let Some(plan) = self.plan.table(&name)
                && keep.insert(name.clone())
            {
                todo.extend(parents(plan).map(str::to_string));
            }
        }
        self.plan.order.retain(|plan| keep.contains(&plan.table));
        self.tables.retain(|name, _| keep.contains(name));
        Ok(self)
    }

    /// Checks that the models hang together the way generation relies on (every planned table
    /// has a model, parents come before their children, indices are in range), so a model file
    /// that decodes but does not fit fails with a message instead of a panic.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.plan.order.len() != self.tables.len() {
            return Err(format!(
                "the plan has {} tables but there are {} table models",
                self.plan.order.len(),
                self.tables.len()
            ));
        }
        let mut done: HashSet<&str> = HashSet::new();
        for plan in &self.plan.order {
            let trained = self
                .tables
                .get(&plan.table)
                .filter(|trained| trained.name == plan.table)
                .ok_or_else(|| format!("table `{}` has no model", plan.table))?;
            let assigned = trained.assigned.iter().map(|key| key.parent.as_str());
            if let Some(parent) = parents(plan).chain(assigned).find(|p| !done.contains(p)) {
                return Err(format!(
                    "table `{}` needs `{parent}`, which is not generated before it",
                    plan.table
                ));
            }
            if trained
                .order_by
                .is_some_and(|index| index >= trained.columns.len())
            {
                return Err(format!("table `{}`: order_by out of range", plan.table));
            }
            if let Some(kept) = &trained.kept {
                kept.check(trained.columns.len())
                    .map_err(|problem| format!("table `{}`: {problem}", plan.table))?;
            }
            done.insert(&plan.table);
        }
        Ok(())
    }
}

/// The tables that must be generated before `plan`'s table.
fn parents(plan: &TablePlan) -> impl Iterator<Item = &str> {
    let sequence = match &plan.generation {
        Generation::Sequential { key } => Some(key.parent.as_str()),
        Generation::Root | Generation::Independent => None,
    };
    sequence
        .into_iter()
        .chain(plan.assigned.iter().map(|key| key.parent.as_str()))
}

/// Trains every table of a validated input (tables in parallel); `on_table` is called with each
/// table's name once it is trained (for progress).
pub fn train_all(
    input: &Validated,
    kind: ModelKind,
    privacy: Privacy,
    seed: Option<u64>,
    on_table: &(dyn Fn(&str) + Sync),
) -> Models {
    let kept = crate::semantic::keep::decide(&input.schema, &input.tables);
    let trained: Vec<TrainedTable> = input
        .plan
        .order
        .par_iter()
        .map(|table_plan| {
            let trained = train_table(input, table_plan, kind, privacy, &kept);
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
        kind,
        privacy,
        seed,
    }
}

fn train_table(
    input: &Validated,
    plan: &TablePlan,
    kind: ModelKind,
    privacy: Privacy,
    kept: &IndexMap<String, String>,
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
            let parent = &input.tables[&fk.parent];
            let real = LinkedColumns {
                child: &table.columns,
                child_rows: table.rows(),
                parent: &parent.columns,
                parent_rows: parent.rows(),
            };
            let mut distribution =
                KeyDistribution::learn(&fk.column, &fk.parent, &parent_of_row, real, privacy);
            if kept.contains_key(&fk.parent) {
                distribution.by_row = Some(keys::counts_by_row(&parent_of_row, parent.rows()));
            }
            distribution
        })
        .collect();
    let kept = kept
        .get(&plan.table)
        .map(|reason| crate::semantic::keep::KeptTable::copy(table, reason.clone()));
    let semantic = kept
        .is_none()
        .then(|| semantic_generators(input, def, table, privacy))
        .flatten();
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
        model: match kept {
            Some(_) => crate::semantic::keep::empty_model(table),
            None => train(kind, &data),
        },
        assigned,
        kept,
        semantic,
    }
}

/// The semantic generators of a table, trained on it and on the parents its keys point at.
fn semantic_generators(
    input: &Validated,
    def: &crate::schema::TableDef,
    table: &Table,
    privacy: Privacy,
) -> Option<crate::semantic::fill::SemanticTable> {
    let referenced = input
        .schema
        .tables
        .iter()
        .any(|t| t.foreign_keys.iter().any(|fk| fk.parent == table.name));
    let parents: Vec<(&str, &str, &Table)> = def
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                fk.column.as_str(),
                fk.parent.as_str(),
                &input.tables[&fk.parent],
            )
        })
        .collect();
    let min_count = privacy.threshold(table.rows());
    crate::semantic::fill::train(
        def,
        table,
        referenced,
        &parents,
        min_count,
        privacy.min_count,
    )
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
