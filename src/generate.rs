//! Generation: parents first, then each sequential child per synthetic parent row.
//!
//! Tables are made in plan order. A root table gets `real rows x scale` rows; a sequential child
//! gets one sequence per synthetic parent row (its length chosen by the model); a
//! `sequential: false` table is scaled like its parents. Assigned foreign keys are filled in last
//! (see [`crate::keys`]).

use indexmap::IndexMap;

use crate::data::Column;
use crate::keys::LinkedColumns;
use crate::model::{Models, Parent, Row, TableModel, TrainedTable, context_columns};
use crate::plan::{Generation, TablePlan};
use crate::sampling::{SynthRng, rng_for, scaled};

/// A synthetic table: modelled columns plus foreign keys as parent row indices.
#[derive(Debug, Clone)]
pub struct SyntheticTable {
    /// The table's name.
    pub name: String,
    /// The CSV header in input order.
    pub header: Vec<String>,
    /// The primary key column (written as 1..N).
    pub primary_key: Option<String>,
    /// Number of rows.
    pub rows: usize,
    /// Modelled columns, in table order.
    pub columns: Vec<Column>,
    /// Each foreign key column: the synthetic parent row of every row (`None`: empty key).
    pub foreign_keys: IndexMap<String, Vec<Option<usize>>>,
    /// Key columns written as text instead of numbers: the real keys of a kept table and of
    /// the kept parents its foreign keys point at (see [`crate::semantic::keep::KeyLabels`]).
    pub key_labels: crate::semantic::keep::KeyLabels,
}

/// Options of a generation run.
#[derive(Debug, Clone, Copy)]
pub struct GenerateOptions {
    /// The seed every random draw derives from.
    pub seed: u64,
    /// Factor on the row count of root tables (children follow their parents).
    pub scale: f64,
}

/// Generates every table in plan order; `on_table` is called as each table is done.
pub fn generate_all(
    models: &Models,
    options: GenerateOptions,
    on_table: &dyn Fn(&SyntheticTable),
) -> IndexMap<String, SyntheticTable> {
    let mut synthetic: IndexMap<String, SyntheticTable> = IndexMap::new();
    for plan in &models.plan.order {
        let trained = &models.tables[&plan.table];
        let mut rng = rng_for(options.seed, &plan.table);
        let table = generate_table(plan, trained, models, &synthetic, options.scale, &mut rng);
        on_table(&table);
        synthetic.insert(table.name.clone(), table);
    }
    synthetic
}

fn generate_table(
    plan: &TablePlan,
    trained: &TrainedTable,
    models: &Models,
    done: &IndexMap<String, SyntheticTable>,
    scale: f64,
    rng: &mut SynthRng,
) -> SyntheticTable {
    if let Some(kept) = &trained.kept {
        return kept_table(plan, trained, kept, done);
    }
    let mut foreign_keys = IndexMap::new();
    let rows = match &plan.generation {
        Generation::Root => trained
            .model
            .sample_rows(scaled(trained.real_rows, scale), rng),
        Generation::Independent => {
            let factor = parent_factor(plan, models, done);
            trained
                .model
                .sample_rows(scaled(trained.real_rows, factor), rng)
        }
        Generation::Sequential { key } => {
            let parent = &done[&key.parent];
            let factor = parent.rows as f64 / models.tables[&key.parent].real_rows.max(1) as f64;
            let context = synthetic_context(models, done, &key.parent);
            let (rows, parents) = sequences(trained, parent, &context, factor, rng);
            foreign_keys.insert(key.column.clone(), parents);
            rows
        }
    };
    let row_count = rows.len();
    let mut columns = into_columns(trained, rows);
    for distribution in &trained.assigned {
        let parent = &done[&distribution.parent];
        let synthetic = LinkedColumns {
            child: &columns,
            child_rows: row_count,
            parent: &parent.columns,
            parent_rows: parent.rows,
        };
        foreign_keys.insert(
            distribution.column.clone(),
            distribution.assign(synthetic, rng),
        );
    }
    if let Some(semantic) = &trained.semantic {
        fill_semantic(semantic, &mut columns, &foreign_keys, plan, done, rng);
    }
    let key_labels = foreign_keys
        .keys()
        .filter_map(|column| {
            let parent = &done[plan_parent(plan, column)?];
            let labels = parent.key_labels.get(parent.primary_key.as_deref()?)?;
            Some((column.clone(), labels.clone()))
        })
        .collect();
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        primary_key: trained.primary_key.clone(),
        rows: row_count,
        columns,
        foreign_keys,
        key_labels,
    }
}

/// Runs a table's semantic generators on its rows, from a random stream of their own (derived
/// from the table's), so tables without semantic columns draw exactly as before.
fn fill_semantic(
    semantic: &crate::semantic::fill::SemanticTable,
    columns: &mut [Column],
    foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
    plan: &TablePlan,
    done: &IndexMap<String, SyntheticTable>,
    rng: &mut SynthRng,
) {
    use rand::{RngExt, SeedableRng};
    let parents: crate::semantic::fill::ParentColumns<'_> = foreign_keys
        .iter()
        .filter_map(|(column, rows)| {
            let parent = done.get(plan_parent(plan, column)?)?;
            Some((
                column.as_str(),
                (rows.as_slice(), parent.columns.as_slice()),
            ))
        })
        .collect();
    let mut own = SynthRng::seed_from_u64(rng.random());
    semantic.fill(columns, &parents, &mut own);
}

/// The parent table of a foreign key column of `plan`'s table.
fn plan_parent<'a>(plan: &'a TablePlan, column: &str) -> Option<&'a str> {
    let sequence = match &plan.generation {
        Generation::Sequential { key } => Some(key),
        Generation::Root | Generation::Independent => None,
    };
    sequence
        .into_iter()
        .chain(&plan.assigned)
        .find(|key| key.column == column)
        .map(|key| key.parent.as_str())
}

/// A kept table: its real rows, its foreign keys pointing at the real rows of its kept parents.
fn kept_table(
    plan: &TablePlan,
    trained: &TrainedTable,
    kept: &crate::semantic::keep::KeptTable,
    done: &IndexMap<String, SyntheticTable>,
) -> SyntheticTable {
    let specs: Vec<_> = trained
        .columns
        .iter()
        .map(|spec| (spec.name.clone(), spec.kind, spec.format.clone()))
        .collect();
    let parents: Vec<_> = kept
        .keys
        .keys()
        .filter_map(|column| {
            let parent = &done[plan_parent(plan, column)?];
            let labels = parent.key_labels.get(parent.primary_key.as_deref()?)?;
            Some((column.clone(), labels.clone()))
        })
        .collect();
    let rows = kept.rows(&specs, trained.primary_key.as_deref(), &parents);
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        primary_key: trained.primary_key.clone(),
        rows: kept.rows,
        columns: rows.columns,
        foreign_keys: rows.foreign_keys,
        key_labels: rows.key_labels,
    }
}

/// The ratio synthetic/real rows of a table's parents (mean over its foreign keys), so that a
/// `sequential: false` child grows with its parents.
fn parent_factor(
    plan: &TablePlan,
    models: &Models,
    done: &IndexMap<String, SyntheticTable>,
) -> f64 {
    let factors: Vec<f64> = plan
        .assigned
        .iter()
        .map(|fk| done[&fk.parent].rows as f64 / models.tables[&fk.parent].real_rows.max(1) as f64)
        .collect();
    if factors.is_empty() {
        1.0
    } else {
        factors.iter().sum::<f64>() / factors.len() as f64
    }
}

/// All sequences of a sequential table, then the rows whose parent key is empty.
fn sequences(
    trained: &TrainedTable,
    parent: &SyntheticTable,
    context: &[Column],
    factor: f64,
    rng: &mut SynthRng,
) -> (Vec<Row>, Vec<Option<usize>>) {
    let parent_view = Parent {
        columns: context,
        rows: parent.rows,
    };
    let lengths = trained.model.sample_lengths(&parent_view, rng);
    let mut rows = Vec::with_capacity(lengths.iter().sum());
    let mut parents = Vec::with_capacity(rows.capacity());
    for (parent_row, &len) in lengths.iter().enumerate() {
        let mut sequence = trained
            .model
            .sample_sequence(&parent_view, parent_row, len, rng);
        if let Some(column) = trained.order_by {
            sort_sequence(&mut sequence, column);
        }
        parents.extend(std::iter::repeat_n(Some(parent_row), sequence.len()));
        rows.extend(sequence);
    }
    let orphans = trained
        .model
        .sample_rows(scaled(trained.orphan_rows, factor), rng);
    parents.extend(std::iter::repeat_n(None, orphans.len()));
    rows.extend(orphans);
    (rows, parents)
}

/// The context a synthetic `parent` gives its children (see [`context_columns`]).
fn synthetic_context(
    models: &Models,
    done: &IndexMap<String, SyntheticTable>,
    parent: &str,
) -> Vec<Column> {
    let parent_table = &done[parent];
    match models.plan.table(parent).map(|plan| &plan.generation) {
        Some(Generation::Sequential { key }) => context_columns(
            &parent_table.columns,
            Some((
                &done[&key.parent].columns,
                &parent_table.foreign_keys[&key.column],
            )),
        ),
        _ => context_columns(&parent_table.columns, None),
    }
}

/// Orders a sequence by its `order_by` column (numbers and datetimes ascending, nulls last).
fn sort_sequence(sequence: &mut [Row], column: usize) {
    sequence.sort_by(|a, b| a[column].order(&b[column]));
}

/// Turns rows into the table's columns.
fn into_columns(trained: &TrainedTable, rows: Vec<Row>) -> Vec<Column> {
    let mut columns: Vec<Column> = trained
        .columns
        .iter()
        .map(|spec| Column {
            name: spec.name.clone(),
            kind: spec.kind,
            format: spec.format.clone(),
            values: Vec::with_capacity(rows.len()),
        })
        .collect();
    for row in rows {
        for (column, value) in columns.iter_mut().zip(row) {
            column.values.push(value);
        }
    }
    columns
}
