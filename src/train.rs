//! The training stage: every table of a validated input trained into one [`Models`], which is
//! everything generation needs and what a model file holds.
//!
//! Training is kept apart from the model kit ([`crate::model`]) so that fitting a table model
//! and running the fit over a database (parent links, key distributions, parallelism) each have
//! one home; generating from the result is [`crate::generate`].

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Dialect, Table, Value, ValueFormat};
use crate::error::{Error, Result};
use crate::files::FileMark;
use crate::keys::groups::{GroupNumbers, KeysByValue, RowNumbers, SequenceOrder, rows_by_value};
use crate::keys::{self, KeyDistribution};
use crate::location::{DatabaseMark, Location};
use crate::model::parent_preference::LinkedColumns;
use crate::model::{
    self, AnyModel, ModelKind, ParentLink, Privacy, TrainingData, context_columns, stored,
};
use crate::plan::{Generation, Plan, Relationship, TablePlan};
use crate::row_order::RowOrder;
use crate::rules::{Col, Frame, GrandFrame, ParentFrame, Rule};
use crate::schema::TableSource;
use crate::schema::{ColumnKind, ForeignKey, TableDef};
use crate::semantic::fill::{self, SemanticTable};
use crate::semantic::keep::{self, KeptTable};
use crate::validated::Validated;

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
/// must look like. Generation needs nothing else (the real rows are not kept, except the rows
/// of a kept lookup or calendar table).
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
    /// The rules found in (or declared for) the real rows, with their support.
    pub rules: Vec<Rule>,
    /// The table verbatim, when it is kept (lookup and calendar tables; see
    /// [`crate::semantic::keep`]); its `model` is then empty.
    pub kept: Option<KeptTable>,
    /// Generators of the table's semantic columns (names, e-mails, phones, text), run on the
    /// model's rows (see [`crate::semantic::fill`]).
    pub semantic: Option<SemanticTable>,
    /// The real rows' order, when generation must change its own to match it (see
    /// [`crate::row_order`]).
    pub row_order: Option<RowOrder>,
    /// For a sequential table under a kept parent (whose synthetic rows are its real rows), the
    /// real children of each parent row: each category gets its own number of products, as
    /// assigned keys to a kept table do (`KeyDistribution::by_row`). Since format 21.
    #[serde(default)]
    pub sequence_by_row: Option<Vec<usize>>,
    /// For a sequential table, the earlier sequential table under the same parent whose
    /// parents it shares ([`keys::shares_parents`]: weather at the airports flights leave
    /// from): its sequences go to that table's synthetic parents first. Since format 23.
    #[serde(default)]
    pub shares_parents_with: Option<String>,
    /// For a sequential table, the columns that number groups of a sequence's rows (TPC-DS
    /// tickets; [`keys::groups`]), numbered afresh in generation. Since format 23.
    #[serde(default)]
    pub group_numbers: Vec<GroupNumbers>,
    /// For a table generated on its own, the columns whose values name groups of rows that
    /// share assigned keys (TPC-DS catalog pages; [`keys::groups`]). Since format 30.
    #[serde(default)]
    pub keys_by_value: Vec<KeysByValue>,
    /// For a table generated on its own, the columns that number the rows of each group of
    /// another column's values (a catalog's pages; [`keys::groups`]). Since format 31.
    #[serde(default)]
    pub row_numbers: Vec<RowNumbers>,
    /// How the real CSV file writes its fields and numbers (commas for any other source): a
    /// CSV copy is written the same way. Since format 41.
    #[serde(default)]
    pub dialect: Dialect,
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
    /// The seed generation uses when none is given: the one chosen at training, else the
    /// schema's.
    pub seed: Option<u64>,
    /// The marks of the files the tables were read from ([`FileMark`]): generation refuses to
    /// write over them. Since format 39.
    pub sources: Vec<FileMark>,
    /// The marks of the PostgreSQL databases tables were read from ([`DatabaseMark`]):
    /// generation refuses to write into them, whatever URI names them. Since format 40.
    pub databases: Vec<DatabaseMark>,
    /// The tables [`Models::only`] left out, with how each one's file is written (not stored):
    /// a folder written with the others drops their files of an earlier run, which would point
    /// at keys this run renumbers.
    #[serde(skip)]
    pub left_out: Vec<(String, Dialect)>,
}

impl Models {
    /// Keeps the named tables and every table they need generated first (the parents of their
    /// sequences and assigned keys, recursively), so that their keys point at rows that exist.
    /// Since each table draws from its own random stream, a kept table comes out exactly as it
    /// would in a full generation. An unknown name is an [`Error::UnknownTables`].
    pub fn only(mut self, wanted: &[String]) -> Result<Models> {
        let unknown: Vec<String> = wanted
            .iter()
            .filter(|name| !self.tables.contains_key(name.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let known = self.tables.keys().cloned().collect();
            return Err(Error::UnknownTables { unknown, known });
        }
        let mut keep: HashSet<String> = HashSet::new();
        let mut todo: Vec<String> = wanted.to_vec();
        while let Some(name) = todo.pop() {
            if let Some(plan) = self.plan.table(&name)
                && keep.insert(name.clone())
            {
                todo.extend(parents(plan).map(str::to_string));
                let sibling = self
                    .tables
                    .get(&name)
                    .and_then(|t| t.shares_parents_with.clone());
                todo.extend(sibling);
            }
        }
        self.plan.order.retain(|plan| keep.contains(&plan.table));
        let left_out = self.tables.iter().filter(|(name, _)| !keep.contains(*name));
        let left_out = left_out.map(|(name, table)| (name.clone(), table.dialect.clone()));
        self.left_out.extend(left_out);
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
/// table's name once it is trained (for progress). Every table's rules are found before any
/// model is fit: a parent's model needs to know which of its columns its children's rows work
/// out ([`worked_out_by_children`]).
pub fn train_all(
    input: &Validated,
    kind: ModelKind,
    privacy: Privacy,
    seed: Option<u64>,
    sample_rows: usize,
    on_table: &(dyn Fn(&str) + Sync),
) -> Models {
    let kept = keep::decide(&input.schema, &input.tables);
    let other_keys = std::sync::Mutex::new(OtherKeys::default());
    let found: Vec<Found<'_>> = input
        .plan
        .order
        .par_iter()
        .map(|table_plan| {
            let settings = (privacy, sample_rows);
            Found::in_table(input, table_plan, settings, (&kept, &other_keys))
        })
        .collect();
    // Only the search for pairs of other tables reads them: freed before the models train.
    drop(other_keys);
    let worked_out = worked_out_by_children(&found);
    let trained: Vec<TrainedTable> = input
        .plan
        .order
        .par_iter()
        .zip(found)
        .map(|(table_plan, found)| {
            let from_children = worked_out
                .get(&table_plan.table)
                .map_or(&[][..], Vec::as_slice);
            let settings = (kind, privacy);
            let trained = train_table(input, table_plan, found, settings, &kept, from_children);
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
        sources: source_marks(input),
        databases: database_marks(input),
        left_out: Vec::new(),
    }
}

/// The marks of the files the input's tables were read from (CSV and Parquet files, SQLite
/// databases), in the schema's order.
pub fn source_marks(input: &Validated) -> Vec<FileMark> {
    let paths = input.schema.data_paths();
    paths.iter().filter_map(|path| FileMark::of(path)).collect()
}

/// The marks of the PostgreSQL databases the input's tables were read from, each once.
pub fn database_marks(input: &Validated) -> Vec<DatabaseMark> {
    let mut databases = Vec::new();
    for def in &input.schema.tables {
        if let Some(TableSource {
            location: Location::Postgres(pg),
            ..
        }) = &def.source
            && !databases.contains(&pg)
        {
            databases.push(pg);
        }
    }
    let mut marks: Vec<DatabaseMark> = databases
        .into_iter()
        .filter_map(crate::input::postgres::mark)
        .collect();
    marks.dedup();
    marks
}

/// For each parent table, its columns that a child's rows work out once drawn (a total or the
/// values of its children: [`crate::rules::totals`]), from the rules found in every table.
fn worked_out_by_children(found: &[Found<'_>]) -> HashMap<String, Vec<String>> {
    let mut worked_out: HashMap<String, Vec<String>> = HashMap::new();
    for rule in found.iter().flat_map(|found| &found.rules) {
        if let Some(Col::Parent { table, column }) = rule.kind.worked_out_in_parent() {
            let columns = worked_out.entry(table.clone()).or_default();
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    worked_out
}

/// What training reads of a table before its model is fit: the parent row of each real row
/// (a sequential table's), the rows it trains on (a sample of a large table), and the rules
/// and semantic columns found in them.
struct Found<'i> {
    /// The sequence key and the real parent row of every real row.
    sequence: Option<(&'i ForeignKey, Vec<Option<usize>>)>,
    /// The training rows when they are a sample (`None`: the whole table).
    sample: Option<Table>,
    /// The parent row of each training row (a sequential table's).
    sample_row_of: Option<Vec<Option<usize>>>,
    /// The distributions of the assigned keys, and the parent row of each training row for
    /// each.
    assigned: Vec<KeyDistribution>,
    assigned_rows: Vec<Vec<Option<usize>>>,
    semantic: Option<SemanticTable>,
    rules: Vec<Rule>,
}

impl<'i> Found<'i> {
    /// Finds the rules and semantic columns of one table of the plan in its training rows (none
    /// for a table kept as it is).
    fn in_table(
        input: &'i Validated,
        plan: &'i TablePlan,
        (privacy, sample_rows): (Privacy, usize),
        (kept, other_keys): (&IndexMap<String, String>, &std::sync::Mutex<OtherKeys>),
    ) -> Found<'i> {
        let table = &input.tables[&plan.table];
        let def = input
            .schema
            .table(&plan.table)
            .expect("the plan is built from the schema");
        let sequence = match &plan.generation {
            Generation::Sequential { key } => Some((
                key,
                real_parent_index(input, table, &key.column, &key.parent),
            )),
            Generation::Root | Generation::Independent => None,
        };
        // A table loaded as a sample is its sample already; another large one is cut here.
        let (sample, sample_rows) = match input.sampled.get(&plan.table) {
            Some(sampled) => (None, Some(sampled.rows.clone())),
            None => {
                let rows = training_sample(input, table, sequence.as_ref(), sample_rows);
                (rows.as_ref().map(|rows| table.subset(rows)), rows)
            }
        };
        let training = sample.as_ref().unwrap_or(table);
        let sample_row_of = sequence
            .as_ref()
            .map(|(_, index)| in_sample(index, sample_rows.as_deref()));
        let row_of = sequence
            .as_ref()
            .zip(sample_row_of.as_deref())
            .map(|((key, _), row_of)| (key.parent.as_str(), row_of));
        let linked = Linked {
            input,
            table,
            training,
            sample_rows: sample_rows.as_deref(),
            sequence: def.order_by.as_deref().zip(sample_row_of.as_deref()).map(
                |(order_by, parent_of_row)| keys::fits::Sequence {
                    order_by,
                    parent_of_row,
                },
            ),
            kept,
            privacy,
            other_keys,
        };
        // The keys read every real row, the semantic columns and rules the training rows: on a
        // large table each takes seconds (TPC-H sf1 `lineitem`: 2 s and 2.5 s), so all at once.
        let is_kept = kept.contains_key(&plan.table);
        let ((assigned, assigned_rows), (semantic, rules)) = rayon::join(
            || linked.assigned_keys(plan, sequence.as_ref()),
            || {
                rayon::join(
                    || {
                        (!is_kept)
                            .then(|| semantic_generators(input, def, training, privacy))
                            .flatten()
                    },
                    // A kept table's rows are the real ones: its rules would hold and go unused.
                    || match is_kept {
                        true => Vec::new(),
                        false => table_rules(input, def, training, row_of, privacy),
                    },
                )
            },
        );
        Found {
            sequence,
            sample,
            sample_row_of,
            assigned,
            assigned_rows,
            semantic,
            rules,
        }
    }
}

/// Trains one table of the plan from what was found in it: its model on the training rows,
/// its sequence parent's link and its assigned keys' distributions over every real row, or a
/// verbatim copy when the table is kept as it is. `from_children`: the columns its children's
/// rows work out, which its model draws last and reads nowhere.
fn train_table(
    input: &Validated,
    plan: &TablePlan,
    found: Found<'_>,
    (kind, privacy): (ModelKind, Privacy),
    kept: &IndexMap<String, String>,
    from_children: &[String],
) -> TrainedTable {
    let table = &input.tables[&plan.table];
    let def = input
        .schema
        .table(&plan.table)
        .expect("the plan is built from the schema");
    let Found {
        sequence,
        sample,
        sample_row_of,
        assigned,
        assigned_rows,
        semantic,
        rules,
    } = found;
    let training = sample.as_ref().unwrap_or(table);
    let orphan_rows = sequence.as_ref().map_or(0, |(_, index)| {
        index.iter().filter(|row| row.is_none()).count()
    });
    let sequence_by_row = sequence
        .as_ref()
        .filter(|(key, _)| kept.contains_key(&key.parent))
        .map(|(key, index)| keys::counts_by_row(index, input.tables[&key.parent].rows()));
    let shares_parents_with = sequence
        .as_ref()
        .and_then(|(key, index)| sibling_sharing_parents(input, plan, key, index));
    let kept = kept
        .get(&plan.table)
        .map(|reason| KeptTable::copy(table, reason.clone()));
    let order_by = def
        .order_by
        .as_ref()
        .and_then(|name| table.columns.iter().position(|c| &c.name == name));
    let row_of = sequence
        .as_ref()
        .zip(sample_row_of.as_deref())
        .map(|((key, _), row_of)| (key.parent.as_str(), row_of));
    let sequence_column = sequence.as_ref().map(|(key, _)| key.column.as_str());
    let regenerated = semantic
        .as_ref()
        .map(SemanticTable::regenerated)
        .unwrap_or_default();
    let filled = semantic
        .as_ref()
        .map(SemanticTable::filled)
        .unwrap_or_default();
    let from_children: Vec<usize> = training
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| from_children.contains(&column.name))
        .map(|(index, _)| index)
        .collect();
    let key_rows: Vec<(&str, &str, &[Option<usize>])> = sequence_column
        .zip(row_of)
        .map(|(column, (parent, rows))| (column, parent, rows))
        .into_iter()
        .chain(
            plan.assigned
                .iter()
                .zip(&assigned_rows)
                .map(|(fk, rows)| (fk.column.as_str(), fk.parent.as_str(), rows.as_slice())),
        )
        .collect();
    let assigned_keys: Vec<(&str, &[Option<usize>])> = plan
        .assigned
        .iter()
        .zip(&assigned_rows)
        .map(|(fk, rows)| (fk.column.as_str(), rows.as_slice()))
        .collect();
    let group_numbers = sample_row_of
        .as_deref()
        .filter(|_| kept.is_none())
        .map(|parent_of_row| {
            let keys = (&assigned_keys[..], &assigned[..]);
            group_numbers(training, parent_of_row, &rules, keys)
        })
        .unwrap_or_default();
    let (keys_by_value, row_numbers) = match (&plan.generation, &kept) {
        (Generation::Independent, None) => (
            keys_by_value(training, &assigned_keys),
            row_numbers(training, &rules),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    // The rules across keys and the row order beside the model, which needs neither.
    let ((keyed, row_order), model) = rayon::join(
        || {
            let keyed = match kept {
                Some(_) => Vec::new(),
                None => keyed_rules(input, def, training, &key_rows, &rules),
            };
            let row_order = kept.is_none().then(|| {
                crate::row_order::learn(&crate::row_order::Rows {
                    columns: &training.columns,
                    keys: key_rows.iter().map(|&(key, _, rows)| (key, rows)).collect(),
                    sequence: sequence_column.map(|_| 0),
                    min_count: privacy.threshold(training.rows()),
                })
            });
            (keyed, row_order.flatten())
        },
        || match kept {
            Some(_) => keep::empty_model(table),
            None => {
                let parent = sequence.as_ref().zip(sample_row_of.as_ref()).map(
                    |((key, index), parent_of_row)| {
                        parent_link(input, key, index, parent_of_row.clone())
                    },
                );
                model::train(
                    kind,
                    &TrainingData {
                        table: training,
                        parent,
                        order_by,
                        privacy,
                        rules: &rules,
                        regenerated: &regenerated,
                        semantic: &filled,
                        from_children: &from_children,
                    },
                )
            }
        },
    );
    TrainedTable {
        name: table.name.clone(),
        header: table.header.clone(),
        dialect: table.dialect.clone(),
        primary_key: def.primary_key.clone(),
        columns: column_specs(table),
        order_by,
        real_rows: input.real_rows(&plan.table),
        orphan_rows,
        model,
        assigned,
        kept,
        semantic,
        rules: rules.into_iter().chain(keyed).collect(),
        row_order,
        sequence_by_row,
        shares_parents_with,
        group_numbers,
        keys_by_value,
        row_numbers,
    }
}

/// An assigned key's name and the parent row of each training row.
type AssignedRows<'a> = (&'a str, &'a [Option<usize>]);

/// The numerical columns of a sequential table's training rows (`parent_of_row`: the parent
/// of each) that number groups of its sequences' rows, leaving out those a rule reads (a
/// number given afresh would break it), each with the `assigned` keys (name, parent row of
/// each training row; and their distributions) a group's rows share, and those no two rows
/// of a group share. A key kept distinct is one no other rule rearranges or reads (a swap
/// would undo it, or be undone).
fn group_numbers(
    training: &Table,
    parent_of_row: &[Option<usize>],
    rules: &[Rule],
    (assigned, distributions): (&[AssignedRows<'_>], &[KeyDistribution]),
) -> Vec<GroupNumbers> {
    let order = SequenceOrder::of(parent_of_row);
    let free = |name: &str| {
        (distributions.iter()).all(|d| !d.reads_key(name) && (d.column != name || !d.rearranged()))
    };
    let mut found: Vec<GroupNumbers> = free_of_rules(training, rules, &[ColumnKind::Numerical])
        .filter_map(|(index, column)| {
            let mut groups = GroupNumbers::find(index, &column.values, &order)?;
            let values = &column.values;
            let keys_where = |kept: &dyn Fn(&[Option<usize>]) -> bool| -> Vec<String> {
                (assigned.iter())
                    .filter(|(_, keys)| kept(keys))
                    .map(|(name, _)| name.to_string())
                    .collect()
            };
            groups.shared_keys =
                keys_where(&|keys| GroupNumbers::shares(values, parent_of_row, keys));
            let distinct = keys_where(&|keys| GroupNumbers::distinct(values, parent_of_row, keys));
            groups.distinct_keys = distinct.into_iter().filter(|name| free(name)).collect();
            Some(groups)
        })
        .collect();
    // A key another group's rows share would be swapped out of its place there.
    let shared: HashSet<String> = (found.iter())
        .flat_map(|groups| groups.shared_keys.iter().cloned())
        .collect();
    for groups in &mut found {
        groups.distinct_keys.retain(|name| !shared.contains(name));
    }
    found
}

/// The columns of `training` of the given kinds that no rule of a row names (a rule's column
/// is drawn to keep the rule, not to group rows).
fn free_of_rules<'t>(
    training: &'t Table,
    rules: &[Rule],
    kinds: &'t [ColumnKind],
) -> impl Iterator<Item = (usize, &'t Column)> {
    let in_rules: HashSet<String> = rules
        .iter()
        .filter(|rule| rule.kind.of_a_row())
        .flat_map(|rule| rule.kind.columns())
        .filter_map(|col| match col {
            crate::rules::Col::Own(name) => Some(name),
            crate::rules::Col::Parent { .. } | crate::rules::Col::Grand { .. } => None,
        })
        .collect();
    training
        .columns
        .iter()
        .enumerate()
        .filter(move |(_, column)| kinds.contains(&column.kind) && !in_rules.contains(&column.name))
}

/// The columns whose values name groups of rows sharing assigned keys ([`KeysByValue`]), each
/// key given to the coarsest of them (fewest groups): a catalog's pages share its days, and
/// so would the pages of any finer grouping inside a catalog.
fn keys_by_value(training: &Table, assigned: &[(&str, &[Option<usize>])]) -> Vec<KeysByValue> {
    if assigned.is_empty() {
        return Vec::new();
    }
    let kinds = [ColumnKind::Numerical, ColumnKind::Categorical];
    let mut found: Vec<(KeysByValue, usize)> = (training.columns.iter().enumerate())
        .filter(|(_, column)| kinds.contains(&column.kind))
        .filter_map(|(index, column)| KeysByValue::find(index, &column.values, assigned))
        .collect();
    found.sort_by_key(|(by_value, groups)| (*groups, by_value.column));
    let mut taken: HashSet<String> = HashSet::new();
    found
        .into_iter()
        .filter_map(|(mut by_value, _)| {
            by_value.shared_keys.retain(|key| taken.insert(key.clone()));
            (!by_value.shared_keys.is_empty()).then_some(by_value)
        })
        .collect()
}

/// The most columns tried as the groups of [`row_numbers`]: each is grouped once and every
/// whole-number column is tried against it.
const MAX_GROUP_COLUMNS: usize = 16;

/// The columns that number the rows of each group of another column's values ([`RowNumbers`]),
/// each numbering column under the first group column found; a numbering column no rule
/// names (numbered afresh, it would break the rule). Groups are named by labels or whole
/// numbers, at least three, of two rows or more on average.
fn row_numbers(training: &Table, rules: &[Rule]) -> Vec<RowNumbers> {
    let whole = |column: &Column| {
        let numbers = column.values.iter().filter_map(Value::as_number);
        column.kind == ColumnKind::Numerical && numbers.clone().all(|x| x.fract() == 0.0)
    };
    let numbering: Vec<(usize, &Column)> = free_of_rules(training, rules, &[ColumnKind::Numerical])
        .filter(|(_, column)| whole(column))
        .collect();
    if numbering.is_empty() {
        return Vec::new();
    }
    let groups = (training.columns.iter().enumerate())
        .filter(|(_, column)| column.kind == ColumnKind::Categorical || whole(column))
        .map(|(index, column)| (index, rows_by_value(&column.values)))
        .filter(|(_, (_, runs))| {
            let rows: usize = runs.iter().sum();
            runs.len() >= 3 && rows as f64 >= 2.0 * runs.len() as f64
        })
        .take(MAX_GROUP_COLUMNS)
        .collect::<Vec<_>>();
    numbering
        .into_iter()
        .filter_map(|(index, column)| {
            let (group, _) = groups.iter().find(|(group, (rows, runs))| {
                *group != index && RowNumbers::numbers(&column.values, (rows, runs))
            })?;
            Some(RowNumbers {
                column: index,
                group: *group,
            })
        })
        .collect()
}

/// The first table generated before `plan`'s, sequential under the same parent as `key`, whose
/// real parents hold nearly all of this table's (`parent_of_row`: the parent row of each of
/// its real rows), among few parents ([`keys::shares_parents`]).
fn sibling_sharing_parents(
    input: &Validated,
    plan: &TablePlan,
    key: &crate::schema::ForeignKey,
    parent_of_row: &[Option<usize>],
) -> Option<String> {
    let parent_rows = input.tables.get(&key.parent)?.rows();
    input
        .plan
        .order
        .iter()
        .take_while(|earlier| earlier.table != plan.table)
        .filter_map(|earlier| match &earlier.generation {
            Generation::Sequential { key: theirs } if theirs.parent == key.parent => {
                Some((earlier, theirs))
            }
            _ => None,
        })
        .find(|(earlier, theirs)| {
            let table = &input.tables[&earlier.table];
            let theirs = real_parent_index(input, table, &theirs.column, &theirs.parent);
            keys::shares_parents(&theirs, parent_of_row, parent_rows)
        })
        .map(|(earlier, _)| earlier.table.clone())
}

/// What the model of a table of sequences learns from its real parent: the parent's context,
/// the parent row of each row trained on, and the children of every parent row.
fn parent_link(
    input: &Validated,
    key: &crate::schema::ForeignKey,
    index: &[Option<usize>],
    parent_of_row: Vec<Option<usize>>,
) -> ParentLink {
    let rows = input.tables[&key.parent].rows();
    ParentLink {
        context: real_context(input, &key.parent),
        rows,
        parent_of_row,
        counts: crate::stats::children_per_parent(index, rows),
    }
}

/// The rows of a parent index that the training sample holds (`rows`), in the sample's order:
/// all of them when the table is not sampled.
fn in_sample(index: &[Option<usize>], rows: Option<&[usize]>) -> Vec<Option<usize>> {
    match rows {
        Some(rows) => rows.iter().map(|&row| index[row]).collect(),
        None => index.to_vec(),
    }
}

/// How a table's columns are written back: what the output needs of them, without the data.
fn column_specs(table: &Table) -> Vec<ColumnSpec> {
    table
        .columns
        .iter()
        .map(|column| ColumnSpec {
            name: column.name.clone(),
            kind: column.kind,
            format: column.format.clone(),
        })
        .collect()
}

/// What learning a table's assigned keys reads: the real table, its training sample (and
/// which real rows that is), the tables kept as they are, and the privacy settings.
struct Linked<'a> {
    input: &'a Validated,
    table: &'a Table,
    training: &'a Table,
    sample_rows: Option<&'a [usize]>,
    /// The table's order column and the sequence of each training row, when sequential.
    sequence: Option<keys::fits::Sequence<'a>>,
    kept: &'a IndexMap<String, String>,
    privacy: Privacy,
    other_keys: &'a std::sync::Mutex<OtherKeys>,
}

impl Linked<'_> {
    /// The distributions of the table's assigned keys, in the plan's order. Each key is
    /// learned against the keys before it (the sequence key first), for the pairs it keeps
    /// unique with one and the order it keeps with one (none without an assigned key: a
    /// sequence key alone has neither).
    fn assigned_keys(
        &self,
        plan: &TablePlan,
        sequence: Option<&(&crate::schema::ForeignKey, Vec<Option<usize>>)>,
    ) -> (Vec<KeyDistribution>, Vec<Vec<Option<usize>>>) {
        let mut earlier_keys: Vec<EarlierKey> = sequence
            .iter()
            .filter(|_| !plan.assigned.is_empty())
            .map(|(key, index)| {
                let compact = keys::compact_rows(index);
                (key.column.clone(), key.parent.clone(), compact, true)
            })
            .collect();
        let (mut distributions, sample_rows): (Vec<KeyDistribution>, Vec<_>) = plan
            .assigned
            .iter()
            .map(|fk| {
                let sequence = sequence.map(|(key, _)| key.column.as_str());
                let (distribution, compact, sample_rows) =
                    self.assigned_key(fk, &earlier_keys, sequence);
                let settled = distribution.unique_with.is_none()
                    && distribution.order.is_none()
                    && distribution.pairs_of.is_none()
                    && distribution.equals.is_none();
                earlier_keys.push((fk.column.clone(), fk.parent.clone(), compact, settled));
                (distribution, sample_rows)
            })
            .unzip();
        drop_equalities_read(&mut distributions);
        (distributions, sample_rows)
    }

    /// One assigned key's distribution, its parent rows in compact form (for the keys after
    /// it), and the parent row of each row of the training sample (for the rules across it).
    fn assigned_key(
        &self,
        fk: &crate::schema::ForeignKey,
        earlier_keys: &[EarlierKey],
        sequence: Option<&str>,
    ) -> (KeyDistribution, Option<Vec<u32>>, Vec<Option<usize>>) {
        let parent_of_row = real_parent_index(self.input, self.table, &fk.column, &fk.parent);
        let parent = &self.input.tables[&fk.parent];
        let sampled = LinkedColumns {
            child: &self.training.columns,
            child_rows: self.training.rows(),
            parent: &parent.columns,
            parent_rows: parent.rows(),
        };
        let sample_parent_of_row = in_sample(&parent_of_row, self.sample_rows);
        let mut distribution = KeyDistribution::learn_sampled(
            &fk.column,
            &fk.parent,
            &parent_of_row,
            (sampled, &sample_parent_of_row, self.sequence),
            self.privacy,
        );
        let parent_kept = self.kept.contains_key(&fk.parent);
        if parent_kept {
            distribution.by_row = Some(keys::counts_by_row(&parent_of_row, parent.rows()));
        }
        let compact = keys::compact_rows(&parent_of_row);
        drop(parent_of_row);
        distribution.unique_with = unique_with(earlier_keys, compact.as_deref());
        if parent_kept {
            let min_rows = self.privacy.min_count.max(keys::ORDER_SUPPORT);
            let own = (&self.table.columns[..], min_rows);
            distribution.order = key_order(earlier_keys, &fk.parent, compact.as_deref(), own);
        }
        if distribution.unique_with.is_none() && distribution.order.is_none() {
            distribution.dependence = key_dependence(earlier_keys, compact.as_deref());
        }
        if !distribution.rearranged() {
            distribution.pairs_of = self.pairs_of((fk, compact.as_deref()), earlier_keys);
        }
        if distribution.unique_with.is_none()
            && distribution.order.is_none()
            && distribution.pairs_of.is_none()
        {
            distribution.equals = key_equality(earlier_keys, fk, compact.as_deref(), sequence);
        }
        if !distribution.rearranged() {
            let key = (parent, compact.as_deref());
            distribution.label_match = self.label_match(earlier_keys, sequence, key);
        }
        // A kept parent's rows already have their real numbers of rows each.
        if let (Some(dependence), Some(key), false) =
            (&mut distribution.dependence, &compact, parent_kept)
        {
            dependence.owners = self.owners(dependence, earlier_keys, key, parent);
        }
        (distribution, compact, sample_parent_of_row)
    }

    /// The label column of the key's parent (`parent`; `key`: its rows' parent rows) that
    /// matches one of the table's `sequence` parent far more often than chance
    /// ([`keys::labels::LabelMatch::learn`]), if any (`KeyDistribution::label_match`).
    fn label_match(
        &self,
        earlier_keys: &[EarlierKey],
        sequence: Option<&str>,
        (parent, key): (&Table, Option<&[u32]>),
    ) -> Option<keys::labels::LabelMatch> {
        let (column, earlier_parent, earlier, _) = earlier_keys
            .iter()
            .find(|(column, _, _, _)| Some(column.as_str()) == sequence)?;
        let earlier_table = self.input.tables.get(earlier_parent)?;
        keys::labels::LabelMatch::learn(
            (column, earlier_parent),
            (&earlier_table.columns, earlier.as_deref()?),
            (&parent.columns, key?),
            self.privacy.min_count,
        )
    }

    /// The first table made before this one whose rows hold, in the real rows, the pairs of
    /// parents of an earlier key and this one (`key`: its parent rows), through a key of its
    /// own to each parent ([`keys::pairs::hold_in`]), if any (`KeyDistribution::pairs_of`).
    fn pairs_of(
        &self,
        (fk, key): (&crate::schema::ForeignKey, Option<&[u32]>),
        earlier_keys: &[EarlierKey],
    ) -> Option<keys::pairs::PairsOf> {
        let key = key?;
        let order = &self.input.plan.order;
        let before = order
            .iter()
            .position(|plan| plan.table == self.table.name)?;
        for other in &order[..before] {
            let relationships = other.relationships();
            let to = |parent: &str| -> Vec<&Relationship> {
                relationships
                    .iter()
                    .filter(|relationship| relationship.parent == parent)
                    .collect()
            };
            for (column, earlier_parent, earlier, _) in earlier_keys {
                let Some(earlier) = earlier.as_deref() else {
                    continue;
                };
                let parents = (
                    self.input.real_rows(earlier_parent),
                    self.input.real_rows(&fk.parent),
                );
                for first in to(earlier_parent) {
                    for second in to(&fk.parent) {
                        let holds = (first.foreign_key != second.foreign_key)
                            .then(|| self.pairs_held(&other.table, (first, second)))
                            .flatten()
                            .is_some_and(|pairs| {
                                keys::pairs::hold_in((earlier, key), &pairs, parents)
                            });
                        if holds {
                            return Some(keys::pairs::PairsOf {
                                earlier: column.clone(),
                                table: other.table.clone(),
                                first: first.foreign_key.clone(),
                                second: second.foreign_key.clone(),
                            });
                        }
                    }
                }
            }
        }
        None
    }

    /// The pairs of parent rows the real rows of `table` hold through two of its keys
    /// ([`keys::pairs::pairs_held`]), from the cache of all tables (`None`: a pair held twice,
    /// or too many rows).
    fn pairs_held(
        &self,
        table: &str,
        (first, second): (&Relationship, &Relationship),
    ) -> Option<std::sync::Arc<Vec<u64>>> {
        let mut other_keys = self.other_keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = |key: &Relationship| {
            let real = &self.input.tables[table];
            other_keys
                .rows
                .entry((table.to_string(), key.foreign_key.clone()))
                .or_insert_with(|| {
                    let index = real_parent_index(self.input, real, &key.foreign_key, &key.parent);
                    keys::compact_rows(&index).map(std::sync::Arc::new)
                })
                .clone()
        };
        let (a, b) = (rows(first)?, rows(second)?);
        let columns = (first.foreign_key.clone(), second.foreign_key.clone());
        other_keys
            .pairs
            .entry((table.to_string(), columns))
            .or_insert_with(|| keys::pairs::pairs_held(&a, &b).map(std::sync::Arc::new))
            .clone()
    }

    /// Which earlier parent owns key parents like each ([`keys::owners::Owners`]), when the key
    /// (its parent rows `key`, of `parent`, a table not kept) determines the earlier key of
    /// `dependence` and that key's parent is kept as it is, so its rows are the same in the
    /// synthetic copy.
    fn owners(
        &self,
        dependence: &keys::dependence::KeyDependence,
        earlier_keys: &[EarlierKey],
        key: &[u32],
        parent: &Table,
    ) -> Option<keys::owners::Owners> {
        if !dependence.determines_earlier {
            return None;
        }
        let (_, earlier_parent, earlier, _) = earlier_keys
            .iter()
            .find(|(column, _, _, _)| *column == dependence.earlier)?;
        if !self.kept.contains_key(earlier_parent) {
            return None;
        }
        let earlier_rows = self.input.tables.get(earlier_parent)?.rows();
        keys::owners::Owners::learn(
            key,
            earlier.as_deref()?,
            (&parent.columns, parent.rows()),
            earlier_rows,
            self.privacy,
        )
    }
}

/// The order a key to a kept parent keeps with an earlier key to the same parent
/// (`KeyDistribution::order`): the first such key whose parent rows are never after this
/// key's, or else never before them, with the real distances between the two, and those of
/// each label of the table's `columns` seen in `min_rows` rows where a label sets them.
fn key_order(
    earlier_keys: &[EarlierKey],
    parent: &str,
    key: Option<&[u32]>,
    (columns, min_rows): (&[Column], usize),
) -> Option<keys::KeyOrder> {
    let same_parent = || {
        earlier_keys
            .iter()
            .filter(|(_, earlier_parent, _, _)| earlier_parent == parent)
    };
    let after = ordered(same_parent(), key, keys::never_before);
    let before = ordered(same_parent(), key, |key, first| {
        keys::never_before(first, key)
    });
    let (column, first, after) = match (after, before) {
        (Some((column, first)), _) => (column, first, true),
        (None, Some((column, first))) => (column, first, false),
        (None, None) => return None,
    };
    let key = key?;
    // Measured from the earlier of the two parent rows.
    let (low, high) = if after { (first, key) } else { (key, first) };
    let gaps: Vec<Option<u32>> = keys::row_gaps(low, high).collect();
    Some(keys::KeyOrder {
        earlier: column.clone(),
        after,
        gaps: keys::gap_quantiles(low, high)?,
        by: keys::distances::DistancesBy::learn(columns, &gaps, min_rows),
    })
}

/// Leaves out the equality of a key a later key's pairs, order or pairs of another table
/// read (`KeyDistribution::equals`): it is kept after those rules and would undo what they
/// made of it. (A later key follows from or determines only keys no rule changes.)
fn drop_equalities_read(distributions: &mut [KeyDistribution]) {
    for at in 0..distributions.len() {
        let column = &distributions[at].column;
        let read = distributions[at + 1..].iter().any(|later| {
            later.unique_with.as_ref() == Some(column)
                || (later.order.as_ref()).is_some_and(|order| &order.earlier == column)
                || (later.pairs_of.as_ref()).is_some_and(|pairs| &pairs.earlier == column)
        });
        if read {
            distributions[at].equals = None;
        }
    }
}

/// The first of the table's earlier keys to `fk`'s parent table that `key` (its parent rows)
/// equals in most real rows ([`keys::equal::equal_share`]), if any, decided by the table's
/// `sequence` key's parents (`KeyDistribution::equals`).
fn key_equality(
    earlier: &[EarlierKey],
    fk: &crate::schema::ForeignKey,
    key: Option<&[u32]>,
    sequence: Option<&str>,
) -> Option<keys::equal::KeyEquality> {
    let key = key?;
    earlier
        .iter()
        .filter(|(_, parent, _, _)| *parent == fk.parent)
        .find_map(|(column, _, first, _)| {
            let share = keys::equal::equal_share(first.as_deref()?, key)?;
            Some(keys::equal::KeyEquality {
                earlier: column.clone(),
                share,
                by: sequence.map(str::to_string),
            })
        })
}

/// The first of the table's earlier keys (the sequence key, then the assigned keys in order)
/// with which the pairs of `key`'s parent rows are unique in the real rows, if any
/// (`KeyDistribution::unique_with`).
fn unique_with(earlier: &[EarlierKey], key: Option<&[u32]>) -> Option<String> {
    let key = key?;
    earlier
        .iter()
        .find(|(_, _, first, _)| {
            first
                .as_deref()
                .is_some_and(|first| keys::pairs_are_unique(first, key))
        })
        .map(|(column, _, _, _)| column.clone())
}

/// The first of the table's earlier keys that determines `key`, or else that `key` determines,
/// in the real rows ([`keys::dependence::determines`]), if any
/// (`KeyDistribution::dependence`). Earlier keys a rule rearranges after assignment (pairs
/// kept unique, keys kept in order) are not followed: their final parents come later.
fn key_dependence(
    earlier: &[EarlierKey],
    key: Option<&[u32]>,
) -> Option<keys::dependence::KeyDependence> {
    let key = key?;
    let settled = || {
        earlier
            .iter()
            .filter(|(_, _, _, settled)| *settled)
            .filter_map(|(column, _, first, _)| Some((column, first.as_deref()?)))
    };
    let found = |determines_earlier: bool| {
        settled()
            .find(|(_, first)| match determines_earlier {
                true => keys::dependence::determines(key, first),
                false => keys::dependence::determines(first, key),
            })
            .map(|(column, _)| keys::dependence::KeyDependence {
                earlier: column.clone(),
                determines_earlier,
                owners: None,
            })
    };
    found(false).or_else(|| found(true))
}

/// Other tables' keys as the search for a key's pairs of their rows reads them, each made once
/// for all tables (TPC-DS: every fact table's keys, read again for each later one, cost its
/// training 7%): the parent rows of each key ([`keys::compact_rows`]), by table
/// and column, and the pairs two keys hold ([`keys::pairs::pairs_held`]), by table and keys.
#[derive(Default)]
pub(crate) struct OtherKeys {
    rows: HashMap<(String, String), Option<std::sync::Arc<Vec<u32>>>>,
    pairs: HashMap<TwoKeys, Option<std::sync::Arc<Vec<u64>>>>,
}

/// A table and two of its key columns.
type TwoKeys = (String, (String, String));

/// A key of a table before the one being learned: its column, its parent table, the parent
/// row of every real row ([`keys::compact_rows`]) and whether its synthetic parents are final
/// once assigned (no rule rearranges them afterwards).
type EarlierKey = (String, String, Option<Vec<u32>>, bool);

/// The first earlier key to the same kept parent (`earlier`, of that parent only) with
/// which `key`'s parent rows are in order, `in_order(first, key)` saying whether they are
/// (`KeyDistribution::order`). A row of `date_dim` against a row of
/// `time_dim` says nothing, hence the same parent only.
fn ordered<'a>(
    earlier: impl Iterator<Item = &'a EarlierKey>,
    key: Option<&[u32]>,
    in_order: impl Fn(&[u32], &[u32]) -> bool,
) -> Option<(&'a String, &'a [u32])> {
    let key = key?;
    earlier
        .filter_map(|(column, _, first, _)| Some((column, first.as_deref()?)))
        .find(|(_, first)| in_order(first, key))
}

/// The rows a table above `limit` rows trains on (`None`: every row): whole sequences of
/// a sequential table (`sequence`: its key and the parent row of each row), else rows drawn
/// without replacement, from a stream seeded by the table's name.
fn training_sample(
    input: &Validated,
    table: &Table,
    sequence: Option<&(&crate::schema::ForeignKey, Vec<Option<usize>>)>,
    limit: usize,
) -> Option<Vec<usize>> {
    if table.rows() <= limit {
        return None;
    }
    let mut rng = crate::sampling::rng_for(crate::sampling::SAMPLE_SEED, &table.name);
    Some(match sequence {
        Some((key, index)) => {
            let parents = input.tables[&key.parent].rows();
            crate::sampling::sample_groups(index, parents, limit, &mut rng)
        }
        None => crate::sampling::sample_rows(table.rows(), limit, &mut rng),
    })
}

/// The rules of a real table (the rows it trains on), with its sequence parent's columns when
/// it has one (`row_of`: the parent's name and the parent row of each row).
fn table_rules(
    input: &Validated,
    def: &crate::schema::TableDef,
    table: &Table,
    row_of: Option<(&str, &[Option<usize>])>,
    privacy: Privacy,
) -> Vec<Rule> {
    let indexes = row_of.map_or_else(Vec::new, |(parent, _)| grand_indexes(input, parent));
    let grand: Vec<GrandFrame<'_>> = indexes
        .iter()
        .map(|(key, grand, row_of)| GrandFrame {
            key,
            columns: &input.tables[grand.as_str()].columns,
            row_of,
        })
        .collect();
    let mut frame = real_frame(input, table, row_of);
    if let Some(parent) = &mut frame.parent {
        parent.grand = &grand;
    }
    crate::rules::table_rules(def, &frame, privacy.threshold(table.rows()))
}

/// For each of `parent`'s sequence and assigned keys (final before its children are drawn):
/// the key, the table it points at and the row it points at of each real row of `parent`.
fn grand_indexes(input: &Validated, parent: &str) -> Vec<(String, String, Vec<Option<usize>>)> {
    let (Some(plan), Some(table)) = (input.plan.table(parent), input.tables.get(parent)) else {
        return Vec::new();
    };
    plan.relationships()
        .into_iter()
        .filter(|relationship| input.tables.contains_key(&relationship.parent))
        .map(|relationship| {
            let index = real_parent_index(
                input,
                table,
                &relationship.foreign_key,
                &relationship.parent,
            );
            (relationship.foreign_key, relationship.parent, index)
        })
        .collect()
}

/// A real table as rules see it, with the rows of one parent (`row_of`: the parent's name and
/// the parent row of each row).
fn real_frame<'a>(
    input: &'a Validated,
    table: &'a Table,
    row_of: Option<(&'a str, &'a [Option<usize>])>,
) -> Frame<'a> {
    Frame {
        columns: &table.columns,
        rows: table.rows(),
        parent: row_of.map(|(parent, row_of)| ParentFrame {
            table: parent,
            columns: &input.tables[parent].columns,
            row_of,
            grand: &[],
        }),
    }
}

/// The products across a key of a real table (the rows it trains on): one frame per foreign
/// key (`keys`: its column, its parent, and the parent row of each row), for totals no rule in
/// `own` determines.
fn keyed_rules(
    input: &Validated,
    def: &crate::schema::TableDef,
    table: &Table,
    keys: &[(&str, &str, &[Option<usize>])],
    own: &[Rule],
) -> Vec<Rule> {
    let frames: Vec<(&str, Frame<'_>)> = keys
        .iter()
        .map(|&(key, parent, row_of)| (key, real_frame(input, table, Some((parent, row_of)))))
        .collect();
    crate::rules::keyed_rules(def, &frames, own)
}

/// The semantic generators of a table, trained on it and on the parents its keys point at.
fn semantic_generators(
    input: &Validated,
    def: &TableDef,
    table: &Table,
    privacy: Privacy,
) -> Option<SemanticTable> {
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
    fill::train(
        def,
        table,
        referenced,
        &parents,
        min_count,
        privacy.min_count,
    )
}

/// For each real row of `table` (every row, also when it was loaded as a sample), the row of
/// `parent` its key `column` points at.
fn real_parent_index(
    input: &Validated,
    table: &Table,
    column: &str,
    parent: &str,
) -> Vec<Option<usize>> {
    let pk = input
        .schema
        .table(parent)
        .and_then(|def| def.primary_key.as_deref())
        .expect("validation guarantees the parent has a primary key");
    let child_keys = input
        .all_keys(&table.name)
        .and_then(|keys| keys.get(column));
    let parent_keys = input.all_keys(parent).and_then(|keys| keys.get(pk));
    match (child_keys, parent_keys) {
        (Some(child), Some(parent)) => keys::parent_index(child.iter(), parent.iter()),
        _ => vec![None; input.real_rows(&table.name)],
    }
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
