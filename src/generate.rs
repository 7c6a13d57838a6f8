//! Generation: parents first, then each sequential child per synthetic parent row.
//!
//! Tables are made in plan order. A root table gets `real rows x scale` rows; a sequential child
//! gets one sequence per synthetic parent row (its length chosen by the model); a
//! `sequential: false` table is scaled like its parents. Assigned foreign keys are filled in last
//! (see [`crate::keys`]). What the user asks for on top ([`Targets`]) overrides the sizes of
//! tables generated without a parent, and replaces the rows of given tables by the given ones:
//! their descendants are generated for them as for synthetic parents.

mod distinct;
mod parts;
mod totals;

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use rand::RngExt;

use crate::data::{Column, Dialect, Value};
use crate::error::{Error, Problem, Problems, Result};
use crate::keys::KeyDistribution;
use crate::keys::groups::Numbering;
use crate::memory::Room;
use crate::model::parent_preference::LinkedColumns;
use crate::model::{Parent, Row, TableModel};
use crate::plan::{Generation, Plan, TablePlan};
use crate::rules::GrandFrame;
use crate::sampling::{SynthRng, block_stream, rng_for, scaled};
use crate::semantic::fill::{ParentColumns, SemanticTable};
use crate::semantic::keep::KeptTable;
use crate::targets::{GivenTable, ParentKeys, RowTargets, Targets};
use crate::train::{Models, TrainedTable};
use distinct::DistinctIds;
use totals::{Handoff, Waiting};

/// A synthetic table: modelled columns plus foreign keys as parent row indices.
#[derive(Debug, Clone)]
pub struct SyntheticTable {
    /// The table's name.
    pub name: String,
    /// The CSV header in input order.
    pub header: Vec<String>,
    /// How a CSV copy writes its fields and numbers (as the real file does).
    pub dialect: Dialect,
    /// The primary key column (written as 1..N).
    pub primary_key: Option<String>,
    /// Number of rows.
    pub rows: usize,
    /// Modelled columns, in table order.
    pub columns: Vec<Column>,
    /// Each foreign key column: the synthetic parent row of every row (`None`: empty key).
    pub foreign_keys: IndexMap<String, Vec<Option<usize>>>,
    /// Columns written as this text instead: the rows of a given table and the real primary
    /// keys of a kept one (see [`crate::semantic::keep`]), and the keys that point at them.
    pub text: IndexMap<String, Vec<String>>,
}

/// The most rows one generation may produce in all: generation holds in memory the tables
/// later tables read (every table, for a database target; a few dozen bytes per cell), so far
/// more would abort on allocation rather than fail.
pub const MAX_ROWS: f64 = 1e8;

/// The rows a generation is expected to produce in all: a table asked for an exact count has
/// that many, a sequential table grows as its parent did (a kept parent: as the scale), any
/// other table is its real rows times the scale, and a kept table (`kept_rows`) comes out with
/// its stored rows.
pub fn expected_rows(
    plan: &Plan,
    real_rows: impl Fn(&str) -> usize,
    kept_rows: impl Fn(&str) -> Option<usize>,
    scale: f64,
    targets: &RowTargets,
) -> f64 {
    rows_per_table(plan, real_rows, kept_rows, scale, targets)
        .iter()
        .sum()
}

/// [`expected_rows`] table by table, in the plan's order.
fn rows_per_table(
    plan: &Plan,
    real_rows: impl Fn(&str) -> usize,
    kept_rows: impl Fn(&str) -> Option<usize>,
    scale: f64,
    targets: &RowTargets,
) -> Vec<f64> {
    let mut growth: HashMap<&str, f64> = HashMap::new();
    let mut per_table = Vec::with_capacity(plan.order.len());
    for table in &plan.order {
        let name = table.table.as_str();
        let real = real_rows(name) as f64;
        let (rows, grows) = match (kept_rows(name), targets.get(name), &table.generation) {
            (Some(kept), _, _) => (kept as f64, scale),
            (None, Some(asked), _) => (asked as f64, asked as f64 / real.max(1.0)),
            (None, None, Generation::Sequential { key }) => {
                let grows = growth.get(key.parent.as_str()).copied().unwrap_or(scale);
                (real * grows, grows)
            }
            (None, None, _) => (real * scale, scale),
        };
        growth.insert(name, grows);
        per_table.push(rows);
    }
    per_table
}

/// Bytes a cell of a table made whole takes while it is made (its value, the row it is drawn
/// in, the column it is moved to; measured: 3 to 8 modelled columns took 50 to 65 bytes a
/// cell, key included), and a row of a table made in parts (its keys and codes).
const HELD_BYTES_PER_CELL: f64 = 48.0;
const HELD_BYTES_PER_PART_ROW: f64 = 16.0;

/// Bytes generation takes whatever the size of its tables: drawing tables built from the
/// models, each thread's buffers, the writers' (measured: tpch_sf0.01 at scale 1, whose
/// tables take 7 MB, peaked at 134 MB, 37 MB of which the model file loaded).
const HELD_BYTES_WHATEVER_THE_SIZE: f64 = (96 << 20) as f64;

/// The memory a generation is expected to hold at its peak, at the least: the table that takes
/// the most while it is made. Every table but a sequential one no later table reads is made
/// whole (a table without a parent, a parent of a later table), its `cells` per row (columns
/// and keys) held at once; a sequential table no later table reads is made in parts, holding
/// its keys. Tables made before it may be released by then (each is held only until its last
/// reader is made, with the columns later tables read), so they are not counted. Returns the
/// bytes, and the table with its rows.
fn held_memory(
    plan: &Plan,
    rows: &[f64],
    cells: impl Fn(&str) -> usize,
) -> Option<(f64, String, f64)> {
    let read_later = |index: usize, name: &str| {
        plan.order[index + 1..]
            .iter()
            .any(|later| later.relationships().iter().any(|r| r.parent == name))
    };
    let mut largest: Option<(f64, String, f64)> = None;
    for (index, (table, &rows)) in plan.order.iter().zip(rows).enumerate() {
        let name = table.table.as_str();
        let in_parts =
            matches!(table.generation, Generation::Sequential { .. }) && !read_later(index, name);
        let bytes = if in_parts {
            rows * HELD_BYTES_PER_PART_ROW
        } else {
            rows * cells(name).max(1) as f64 * HELD_BYTES_PER_CELL
        };
        if largest.as_ref().is_none_or(|(most, _, _)| bytes > *most) {
            largest = Some((bytes, name.to_string(), rows));
        }
    }
    largest
}

/// Refuses, before any work, a generation expected to exceed [`MAX_ROWS`] ([`expected_rows`]):
/// as too large a scale, or, when rows are asked for, as too many rows asked for (each table
/// asked for is named).
pub fn check_size(
    plan: &Plan,
    real_rows: impl Fn(&str) -> usize,
    kept_rows: impl Fn(&str) -> Option<usize>,
    scale: f64,
    targets: &RowTargets,
) -> Result<()> {
    let estimate = expected_rows(plan, &real_rows, &kept_rows, scale, targets);
    if estimate <= MAX_ROWS {
        return Ok(());
    }
    let asked: Vec<Problem> = plan
        .order
        .iter()
        .filter_map(|table| Some((&table.table, targets.get(&table.table)?)))
        .map(|(table, rows)| Problem {
            table: Some(table.clone()),
            column: None,
            parameter: None,
            message: format!(
                "{rows} rows asked for: the output would have about {estimate:.3e} rows in \
                 all, more than the {MAX_ROWS:.0e} rows one run can hold in memory"
            ),
        })
        .collect();
    if !asked.is_empty() {
        return Err(Error::RowCounts(Problems(asked)));
    }
    let real = plan.order.iter().fold(0usize, |sum, table| {
        sum.saturating_add(real_rows(&table.table))
    });
    Err(Error::TooManyRows {
        estimate,
        real,
        scale,
        limit: MAX_ROWS,
    })
}

/// Refuses a generation whose [`held_memory`], with what it takes whatever its size, is more
/// than the memory `available` to it ([`crate::memory::available`]): it would abort on
/// allocation, or be killed, halfway.
fn check_memory(held: Option<(f64, String, f64)>, available: Option<Room>) -> Result<()> {
    let Some((held, table, rows)) = held else {
        return Ok(());
    };
    let needed = held + HELD_BYTES_WHATEVER_THE_SIZE;
    match available {
        Some(room) if needed > room.bytes as f64 => Err(Error::TooMuchMemory {
            needed,
            available: room.bytes,
            bound: room.bound,
            table,
            rows,
        }),
        _ => Ok(()),
    }
}

/// [`check_size`] for trained models: a kept table comes out with its stored rows whatever the
/// scale.
pub fn check_models_size(models: &Models, scale: f64, targets: &RowTargets) -> Result<()> {
    let real_rows = |table: &str| models.tables.get(table).map_or(0, |t| t.real_rows);
    let kept_rows = |table: &str| {
        let trained = models.tables.get(table)?;
        trained.kept.as_ref().map(|kept| kept.rows)
    };
    check_size(&models.plan, real_rows, kept_rows, scale, targets)?;
    // Only once trained: a table kept (a calendar) comes out with its stored rows.
    let rows = rows_per_table(&models.plan, real_rows, kept_rows, scale, targets);
    let cells = |table: &str| models.tables.get(table).map_or(1, |t| t.header.len());
    check_memory(
        held_memory(&models.plan, &rows, cells),
        crate::memory::available(),
    )
}

/// What generation keeps of the tables it has made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every table, whole, until the end (a database target writes them all in one go).
    All,
    /// A table only while a later table still needs it (as a parent, a grandparent of a
    /// sequence or for its written keys); then only its name and row count (memory then
    /// follows what keys need, not the size of the output).
    Needed,
}

/// The generated tables by name, in plan order, shared with whoever writes them.
pub type Done = IndexMap<String, Arc<SyntheticTable>>;

/// What making one table reads: its plan, its trained model, all the models (its parents'),
/// and the tables made before it.
type Making<'a> = (&'a TablePlan, &'a TrainedTable, &'a Models, &'a Done);

/// Where generated tables go as they are made (a writer; see [`generate_each`]).
pub trait Sink {
    /// Takes a whole table.
    fn table(&mut self, table: &Arc<SyntheticTable>) -> Result<()>;

    /// Whether a table may come in consecutive parts instead ([`Sink::part`]).
    fn takes_parts(&self) -> bool;

    /// Takes a part of a table: its rows from `first_row` on, primary keys numbered from
    /// there; parts of one table come in order with no other table between them, and the
    /// `last` one ends the table.
    fn part(&mut self, part: SyntheticTable, first_row: usize, last: bool) -> Result<()>;

    /// Whether the sink must take a parent's rows before its children's (a database checks
    /// foreign keys as rows arrive); a folder takes tables in any order.
    fn parents_first(&self) -> bool {
        false
    }

    /// Waits until the sink has let go of every table handed to it ([`Sink::table`] may hold
    /// one while a thread of its own writes it), so that generation can free the columns no
    /// later table reads before it makes a large table.
    fn settle(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A [`Sink`] that only watches the tables go by.
struct Watch<'a>(&'a dyn Fn(&SyntheticTable));

impl Sink for Watch<'_> {
    fn table(&mut self, table: &Arc<SyntheticTable>) -> Result<()> {
        (self.0)(table);
        Ok(())
    }

    fn takes_parts(&self) -> bool {
        false
    }

    fn part(&mut self, _: SyntheticTable, _: usize, _: bool) -> Result<()> {
        Ok(())
    }
}

/// Generates every table in plan order, every random draw derived from `seed`, root tables
/// with `scale` times their real rows (children follow their parents) unless `targets` says
/// otherwise; `on_table` is called as each table is done. Fails only when given rows hold keys
/// outside the generated ones (every such key column is named).
pub fn generate_all(
    models: &Models,
    seed: u64,
    scale: f64,
    targets: &Targets,
    on_table: &dyn Fn(&SyntheticTable),
) -> Result<IndexMap<String, SyntheticTable>> {
    generate_each(
        models,
        seed,
        scale,
        targets,
        Keep::All,
        &mut Watch(on_table),
    )
}

/// [`generate_all`] handing each table to `sink` as soon as it is made (to be written while
/// the next one is generated), keeping what `keep` says: with [`Keep::Needed`] the tables
/// returned hold only their names, headers and row counts, and a sequential table no later
/// table reads goes to a sink that takes parts in parts (its rows wait in a temporary file
/// until their keys are assigned: memory then does not grow with its size). The same draws
/// are made in the same order either way, so the output is the same. The first error of
/// `sink` stops generation.
pub fn generate_each(
    models: &Models,
    seed: u64,
    scale: f64,
    targets: &Targets,
    keep: Keep,
    sink: &mut dyn Sink,
) -> Result<IndexMap<String, SyntheticTable>> {
    let last_use = last_use(models);
    let columns_read = columns_read(models);
    let mut waiting = Waiting::new(models, targets);
    let mut synthetic: Done = IndexMap::new();
    let mut problems = Vec::new();
    for (index, plan) in models.plan.order.iter().enumerate() {
        let trained = &models.tables[&plan.table];
        let unread_later = last_use.get(&plan.table).is_none_or(|&last| last <= index);
        let streams = !waiting.holds_back(&plan.table, index);
        let (table, handoff) = match (&plan.generation, targets.given(&plan.table)) {
            (_, Some(given)) => {
                let table = given_table(given, trained, &synthetic, &mut problems);
                (Arc::new(table), Handoff::Whole)
            }
            (Generation::Sequential { key }, None)
                if keep == Keep::Needed
                    && unread_later
                    && streams
                    && trained.kept.is_none()
                    && row_order((plan, trained, models, &synthetic), scale).is_none()
                    && sink.takes_parts() =>
            {
                // The writer may still hold a parent handed to it whole, which is then kept
                // whole; once it lets go, the parent keeps only the columns later tables read
                // (TPC-H sf1, before `orders` was filled and written in parts: its comments,
                // 140 MB less while `lineitem` was made, for a wait of a fifth of a second).
                // A parent written in parts was copied part by part and is not held there.
                sink.settle()?;
                keep_read_all(&mut synthetic, &columns_read, &waiting);
                let mut rng = rng_for(seed, &plan.table);
                let part = parts::Table {
                    plan,
                    trained,
                    models,
                    scale,
                };
                let drawn = part.draw(&synthetic, key, &mut rng)?;
                // Assigning keys and writing do not read the parent's context (TPC-H sf0.01
                // scaled ten times: `orders`, 19 of the 120 MB of the heap's peak).
                let read = columns_read_after_draw(models, index);
                keep_read_all(&mut synthetic, &read, &waiting);
                let assigned = part.assign(&synthetic, (drawn, key), &mut rng)?;
                // A parent waiting for this table's totals is written after it, its totals
                // added up as the parts are written; a database takes it first, its totals
                // added up from the parts read back once more beforehand.
                let mut totals = waiting.totals(trained, key, &synthetic);
                if sink.parents_first()
                    && let Some(mut ahead) = totals.take()
                {
                    part.add_totals(&synthetic, &assigned, &mut ahead)?;
                    waiting.put(&mut synthetic, &key.parent, ahead);
                    waiting.flush((models, &synthetic), sink)?;
                }
                let rows = part.write(&synthetic, assigned, totals.as_mut(), sink)?;
                if let Some(totals) = totals {
                    waiting.put(&mut synthetic, &key.parent, totals);
                }
                let table = SyntheticTable {
                    rows,
                    ..husk_of(trained)
                };
                (Arc::new(table), Handoff::Written)
            }
            (_, None)
                if keep == Keep::Needed
                    && trained.kept.is_none()
                    && sink.takes_parts()
                    && fills_apart(trained, columns_read.get(&plan.table)) =>
            {
                let mut rng = rng_for(seed, &plan.table);
                let wanted = targets.rows(&plan.table);
                let made = (plan, trained, models, &synthetic);
                let (table, base) = draw_filling(made, scale, wanted, &mut rng);
                (Arc::new(table), Handoff::Filling(base))
            }
            (_, None) => {
                let mut rng = rng_for(seed, &plan.table);
                let rows = targets.rows(&plan.table);
                let made = (plan, trained, models, &synthetic);
                let table = generate_table(made, scale, rows, &mut rng);
                let table = refer_to_written_keys(table, plan, &synthetic);
                (Arc::new(table), Handoff::Whole)
            }
        };
        if let Generation::Sequential { key } = &plan.generation
            && !matches!(handoff, Handoff::Written)
        {
            waiting.keep_totals((trained, key), &table, &mut synthetic);
        }
        let name = table.name.clone();
        synthetic.insert(name.clone(), table);
        waiting.hand((index, &name), handoff, (models, &synthetic), sink)?;
        if keep == Keep::Needed {
            release_unneeded(&mut synthetic, &last_use, index, &waiting);
            keep_read_all(&mut synthetic, &columns_read, &waiting);
        }
    }
    waiting.flush((models, &synthetic), sink)?;
    if problems.is_empty() {
        Ok(synthetic
            .into_iter()
            .map(|(name, table)| (name, Arc::unwrap_or_clone(table)))
            .collect())
    } else {
        Err(Error::GivenRows(Problems(problems)))
    }
}

/// A trained table's synthetic form without rows.
fn husk_of(trained: &TrainedTable) -> SyntheticTable {
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        dialect: trained.dialect.clone(),
        primary_key: trained.primary_key.clone(),
        rows: 0,
        columns: Vec::new(),
        foreign_keys: IndexMap::new(),
        text: IndexMap::new(),
    }
}

/// For every table, the plan index of the last table that reads it: as sequence parent (and
/// the sequence parent of that parent, whose columns give the context), as parent of an
/// assigned key, for semantic fill or for its written keys (all of which are relationships),
/// or for the pairs of keys its rows hold (`KeyDistribution::pairs_of`).
fn last_use(models: &Models) -> HashMap<String, usize> {
    let mut last: HashMap<String, usize> = HashMap::new();
    let mut used = |table: &str, index: usize| {
        let entry = last.entry(table.to_string()).or_insert(index);
        *entry = (*entry).max(index);
    };
    for (index, plan) in models.plan.order.iter().enumerate() {
        used(&plan.table, index);
        for relationship in plan.relationships() {
            used(&relationship.parent, index);
        }
        if let Some(trained) = models.tables.get(&plan.table) {
            for distribution in &trained.assigned {
                used(&distribution.parent, index);
                if let Some(pairs) = &distribution.pairs_of {
                    used(&pairs.table, index);
                }
            }
            if let Some(sibling) = &trained.shares_parents_with {
                used(sibling, index);
            }
            for (grand, _) in grand_columns(models, plan, &trained.rules) {
                used(grand, index);
            }
        }
        if let Generation::Sequential { key } = &plan.generation
            && let Some(Generation::Sequential { key: grand }) = models
                .plan
                .table(&key.parent)
                .map(|parent| &parent.generation)
        {
            used(&grand.parent, index);
        }
    }
    last
}

/// For every table later tables read, which of its modelled columns they read: a sequential
/// child's context (the parent's columns and, through the parent, the grandparent's) as its
/// model draws it, the signature of an assigned key's parent preference, the column a country
/// is copied from and the prices of products across a key. Keys and written keys are always
/// kept.
pub fn columns_read(models: &Models) -> HashMap<String, Vec<bool>> {
    columns_read_from(models, 0, true)
}

/// [`columns_read`] once the table at plan position `index` has drawn its rows: what its key
/// assignment and semantic fill read, and every later table. Its parent's context is then no
/// longer read (TPC-H: `orders`, held for `lineitem`'s draws, is not needed to assign and
/// write `lineitem`).
pub fn columns_read_after_draw(models: &Models, index: usize) -> HashMap<String, Vec<bool>> {
    columns_read_from(models, index, false)
}

/// The columns read by the tables from plan position `from` on; the context of the table at
/// `from` only when `with_context`.
fn columns_read_from(
    models: &Models,
    from: usize,
    with_context: bool,
) -> HashMap<String, Vec<bool>> {
    let width = |table: &str| models.tables.get(table).map_or(0, |t| t.columns.len());
    let mut read: HashMap<String, Vec<bool>> = HashMap::new();
    let mut mark = |table: &str, column: usize| {
        let flags = read
            .entry(table.to_string())
            .or_insert_with(|| vec![false; width(table)]);
        if let Some(flag) = flags.get_mut(column) {
            *flag = true;
        }
    };
    for (index, plan) in models.plan.order.iter().enumerate().skip(from) {
        let Some(trained) = models.tables.get(&plan.table) else {
            continue;
        };
        let context_read = with_context || index > from;
        if let Generation::Sequential { key } = &plan.generation
            && context_read
        {
            let grandparent = match models.plan.table(&key.parent).map(|p| &p.generation) {
                Some(Generation::Sequential { key }) => Some(key.parent.as_str()),
                _ => None,
            };
            for index in trained.model.context_read() {
                match (index.checked_sub(width(&key.parent)), grandparent) {
                    (None, _) => mark(&key.parent, index),
                    (Some(index), Some(grandparent)) => mark(grandparent, index),
                    (Some(_), None) => {}
                }
            }
        }
        for distribution in &trained.assigned {
            for column in distribution.parent_columns_read() {
                mark(&distribution.parent, column);
            }
            if let Some(label_match) = &distribution.label_match {
                mark(&label_match.earlier_parent, label_match.earlier_index);
            }
        }
        let country = trained.semantic.as_ref().and_then(|s| s.country_parent());
        let prices = crate::rules::keyed::parent_columns(&trained.rules);
        let grand = grand_columns(models, plan, &trained.rules);
        for (parent, column) in country.into_iter().chain(prices).chain(grand) {
            let columns = models.tables.get(parent).map(|t| t.columns.as_slice());
            if let Some(index) = columns.and_then(|c| c.iter().position(|c| c.name == column)) {
                mark(parent, index);
            }
        }
    }
    read
}

/// The tables and columns a sequential table's copies through its parent's keys read (see
/// [`keep_grand_copies`]): the tables those keys point at.
fn grand_columns<'m>(
    models: &'m Models,
    plan: &TablePlan,
    rules: &'m [crate::rules::Rule],
) -> Vec<(&'m str, &'m str)> {
    let Generation::Sequential { key } = &plan.generation else {
        return Vec::new();
    };
    let Some(parent) = models.plan.table(&key.parent) else {
        return Vec::new();
    };
    let sequence = match &parent.generation {
        Generation::Sequential { key } => Some(key),
        Generation::Root | Generation::Independent => None,
    };
    let grand = |key: &str| {
        (sequence.into_iter().chain(&parent.assigned))
            .find(|fk| fk.column == key)
            .map(|fk| fk.parent.as_str())
    };
    crate::rules::anchors::grand_columns(rules)
        .filter_map(|(key, column)| Some((grand(key)?, column)))
        .collect()
}

/// Makes a table what later tables read of it: the columns they read (`read`, see
/// [`columns_read`]) with their values, the others by name and type only. A parent held for
/// its children then costs the few columns they read, not its text and every other column
/// (most of `generate`'s memory on TPC-H, where `orders` waited whole for `lineitem`). The table
/// was handed to the sink before: while the writer still holds it, it is kept whole and shared,
/// and the unread columns are freed by a later call once the writer has let go
/// ([`keep_read_all`]). A copy of the columns read would cost more: on TPC-H sf1 it was 190 MB
/// of fresh memory (`orders` is read for nearly all its columns) and a third of a second on one
/// core, while the writer holds the table for about a second.
fn free_unread(table: &mut Arc<SyntheticTable>, read: Option<&Vec<bool>>) {
    let unread = |index: usize| read.is_none_or(|read| read.get(index) != Some(&true));
    let Some(table) = Arc::get_mut(table) else {
        return;
    };
    for (index, column) in table.columns.iter_mut().enumerate() {
        if unread(index) && !column.values.is_empty() {
            column.values = Vec::new();
        }
    }
}

/// [`free_unread`] for every table held but those held back from the sink whole: those the
/// writer shared when they were made lose their unread columns once it has written them.
fn keep_read_all(synthetic: &mut Done, read: &HashMap<String, Vec<bool>>, waiting: &Waiting) {
    for (name, table) in synthetic.iter_mut() {
        if !waiting.holds_whole(name) {
            free_unread(table, read.get(name));
        }
    }
}

/// Replaces the tables no table after `index` reads by their husks (name, header, row count),
/// but for those held back from the sink.
fn release_unneeded(
    synthetic: &mut Done,
    last_use: &HashMap<String, usize>,
    index: usize,
    waiting: &Waiting,
) {
    for (name, table) in synthetic.iter_mut() {
        let done_with = last_use
            .get(name)
            .is_none_or(|&last| last <= index && !waiting.holds(name));
        let holds_values =
            !(table.columns.is_empty() && table.foreign_keys.is_empty() && table.text.is_empty());
        if done_with && holds_values {
            *table = Arc::new(husk(table));
        }
    }
}

/// A table without its values: what the run report and row-count factors read.
fn husk(table: &SyntheticTable) -> SyntheticTable {
    SyntheticTable {
        name: table.name.clone(),
        header: table.header.clone(),
        dialect: table.dialect.clone(),
        primary_key: table.primary_key.clone(),
        rows: table.rows,
        columns: Vec::new(),
        foreign_keys: IndexMap::new(),
        text: IndexMap::new(),
    }
}

/// A given table as generation sees it: its rows as given, its keys pointing at the rows of
/// its parents (a key that points nowhere is a problem, and left empty).
fn given_table(
    given: &GivenTable,
    trained: &TrainedTable,
    done: &Done,
    problems: &mut Vec<Problem>,
) -> SyntheticTable {
    let mut foreign_keys = IndexMap::new();
    for (column, parent) in given.foreign_keys() {
        let parent_table = &done[parent];
        let keys = match written_keys(parent_table) {
            Some(labels) => ParentKeys::Given(labels),
            None => ParentKeys::Generated(Some(parent_table.rows)),
        };
        let rows = given
            .parent_rows(column, parent, keys)
            .unwrap_or_else(|problem| {
                problems.push(problem);
                vec![None; given.rows()]
            });
        foreign_keys.insert(column.clone(), rows);
    }
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        dialect: trained.dialect.clone(),
        primary_key: trained.primary_key.clone(),
        rows: given.rows(),
        columns: given.columns().to_vec(),
        foreign_keys,
        text: given.text().clone(),
    }
}

/// Generates a table whole, but for its semantic columns, which are filled as its parts are
/// handed to the sink (`Handoff::Filling`, with the base of their streams returned here): the
/// filled values (TPC-H: the comments of `orders`) are never all held. The table is returned as
/// later tables read it (unfilled).
fn draw_filling(
    made: Making<'_>,
    scale: f64,
    wanted: Option<usize>,
    rng: &mut SynthRng,
) -> (SyntheticTable, u64) {
    let (plan, _, _, done) = made;
    let table = draw_table(made, scale, wanted, rng);
    let table = refer_to_written_keys(table, plan, done);
    (table, rng.random())
}

/// Whether a table's semantic columns may be filled as its parts are written: it has some, and
/// no later table reads them (`read`, see [`columns_read`]).
fn fills_apart(trained: &TrainedTable, read: Option<&Vec<bool>>) -> bool {
    let Some(semantic) = &trained.semantic else {
        return false;
    };
    let read = |index: usize| read.is_some_and(|read| read.get(index) == Some(&true));
    !semantic.filled().into_iter().any(read)
}

/// The primary keys of a table's rows as written, when its rows were given or kept (else its
/// keys are numbered 1..N).
fn written_keys(table: &SyntheticTable) -> Option<&[String]> {
    let pk = table.primary_key.as_ref()?;
    table.text.get(pk).map(Vec::as_slice)
}

/// Writes the keys of a generated table that point at given or kept rows as those rows' keys.
fn refer_to_written_keys(
    mut table: SyntheticTable,
    plan: &TablePlan,
    done: &Done,
) -> SyntheticTable {
    for relationship in plan.relationships() {
        let (Some(labels), Some(rows)) = (
            written_keys(&done[&relationship.parent]),
            table.foreign_keys.get(&relationship.foreign_key),
        ) else {
            continue;
        };
        let written = rows
            .iter()
            .map(|row| row.map_or_else(String::new, |row| labels[row].clone()))
            .collect();
        table.text.insert(relationship.foreign_key, written);
    }
    table
}

/// A trained table's synthetic form: its rows drawn, keys assigned and semantic columns filled
/// (or its real rows, when kept).
fn generate_table(
    made: Making<'_>,
    scale: f64,
    wanted: Option<usize>,
    rng: &mut SynthRng,
) -> SyntheticTable {
    let (plan, trained, _, done) = made;
    if let Some(kept) = &trained.kept {
        return kept_table(plan, trained, kept, done);
    }
    let mut table = draw_table(made, scale, wanted, rng);
    if let Some(semantic) = &trained.semantic {
        let (columns, keys) = (&mut table.columns, &table.foreign_keys);
        fill_semantic(semantic, columns, keys, plan, done, rng);
    }
    table
}

/// A trained (not kept) table's rows drawn and its keys assigned; its semantic columns as the
/// model drew them, not yet filled.
fn draw_table(
    (plan, trained, models, done): Making<'_>,
    scale: f64,
    wanted: Option<usize>,
    rng: &mut SynthRng,
) -> SyntheticTable {
    let mut foreign_keys = IndexMap::new();
    let mut numbering = Vec::new();
    let (row_count, columns) = match &plan.generation {
        Generation::Root => {
            let rows = wanted.unwrap_or_else(|| scaled(trained.real_rows, scale));
            into_columns(trained, trained.model.sample_rows(rows, rng))
        }
        Generation::Independent => {
            let factor = parent_factor(plan, models, done, scale);
            let rows = wanted.unwrap_or_else(|| scaled(trained.real_rows, factor));
            into_columns(trained, trained.model.sample_rows(rows, rng))
        }
        Generation::Sequential { key } => {
            let factor = growth(models, done, &key.parent, scale);
            let context = synthetic_context(models, done, &key.parent);
            let tables = (models, trained);
            let lengths = sequence_lengths(tables, (&key.parent, &context), done, scale, rng);
            let orphans = scaled(trained.orphan_rows, factor);
            numbering = group_numbering(trained, (&lengths, orphans), rng);
            let (mut columns, parents) = sequences(trained, &context, (factor, lengths), rng);
            number_groups(&mut numbering, &mut columns);
            let row_count = parents.len();
            foreign_keys.insert(key.column.clone(), parents);
            (row_count, columns)
        }
    };
    let mut columns = columns;
    DistinctIds::of(trained).keep_columns(&mut columns);
    for numbers in &trained.row_numbers {
        numbers.number(&mut columns);
    }
    let codes = trained
        .assigned
        .iter()
        .map(|distribution| distribution.child_codes(&columns))
        .collect();
    let sequence = sequence_parents(plan, &foreign_keys);
    let rows = (row_count, &columns[..], sequence);
    let mut assigned = assign_keys(trained, done, rows, codes, rng);
    for numbering in &numbering {
        numbering.keep_shared_keys(&mut assigned);
        numbering.keep_distinct_keys(&mut assigned, rng);
    }
    for by_value in &trained.keys_by_value {
        if let Some(column) = columns.get(by_value.column) {
            by_value.keep_shared_keys(&column.values, &mut assigned);
        }
    }
    foreign_keys.extend(assigned);
    keep_key_rules(trained, (done, &columns), &mut foreign_keys, rng);
    keep_groups_after_rules(trained, &numbering, &mut foreign_keys, rng);
    keep_equal_keys(trained, &mut foreign_keys, rng);
    keep_redrawn_shared_keys(trained, &columns, &mut foreign_keys);
    if let Some(base) = keyed_base(models, trained, rng) {
        let keys = key_rows(plan, done, &foreign_keys);
        crate::rules::keyed::keep(&trained.rules, &mut columns, &keys, 0, base);
    }
    keep_grand_copies((models, plan, trained), done, &mut columns, &foreign_keys);
    if let Some(order) = row_order((plan, trained, models, done), scale) {
        put_in_order(order, plan, &mut columns, &mut foreign_keys, rng);
    }
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        dialect: trained.dialect.clone(),
        primary_key: trained.primary_key.clone(),
        rows: row_count,
        columns,
        foreign_keys,
        text: IndexMap::new(),
    }
}

/// The table's assigned foreign keys for `child_rows` rows whose codes (what each key's parent
/// preference reads, [`crate::keys::KeyDistribution::child_codes`]) are `codes`: the keys do not
/// depend on each other, so each is assigned from its own stream derived from `rng`, all at
/// once (a large table's keys take seconds each). A key with bounds between its rows and their
/// parents (`KeyDistribution::fits`) then swaps parents where the rows' modelled `columns`
/// break them ([`crate::keys::fits::KeyFits::keep`], with the rows' `sequence` parents in a
/// sequential table; none held: left as drawn), and a key whose children's stays never overlap
/// (`KeyDistribution::apart`) swaps parents where they do, keeping the bounds no worse
/// ([`crate::keys::apart::KeyApart::keep`]). Before both, a key whose parent's label matches
/// the row's sequence parent's in a share of the real rows swaps parents to match in as many
/// ([`crate::keys::labels::LabelMatch::keep`]).
fn assign_keys(
    trained: &TrainedTable,
    done: &Done,
    (child_rows, columns, sequence): (usize, &[Column], Option<&[Option<usize>]>),
    codes: Vec<crate::keys::ChildCodes>,
    rng: &mut SynthRng,
) -> Vec<(String, Vec<Option<usize>>)> {
    use rayon::prelude::*;
    let jobs: Vec<_> = trained
        .assigned
        .iter()
        .zip(codes)
        .map(|(distribution, codes)| (distribution, codes, rng.random::<u64>()))
        .collect();
    jobs.into_par_iter()
        .map(|(distribution, codes, base)| {
            let parent = &done[&distribution.parent];
            let linked = LinkedColumns {
                child: &[],
                child_rows,
                parent: &parent.columns,
                parent_rows: parent.rows,
            };
            let mut assigned = distribution.assign_coded(codes, linked, &mut block_stream(base, 0));
            if let (Some(label_match), Some(sequence)) = (&distribution.label_match, sequence) {
                keep_label_match(label_match, (done, parent), (sequence, &mut assigned), base);
            }
            if let Some(fits) = &distribution.fits {
                fits.keep(
                    (columns, sequence),
                    &parent.columns,
                    &mut assigned,
                    &mut block_stream(base, 1),
                );
            }
            if let Some(apart) = &distribution.apart {
                apart.keep(
                    (columns, sequence),
                    (&parent.columns, distribution.fits.as_ref()),
                    &mut assigned,
                    &mut block_stream(base, 3),
                );
            }
            (distribution.column.clone(), assigned)
        })
        .collect()
}

/// The sequence parent of each row of a sequential table (among its `foreign_keys`), if any.
fn sequence_parents<'k>(
    plan: &TablePlan,
    foreign_keys: &'k IndexMap<String, Vec<Option<usize>>>,
) -> Option<&'k [Option<usize>]> {
    match &plan.generation {
        Generation::Sequential { key } => foreign_keys.get(&key.column).map(Vec::as_slice),
        _ => None,
    }
}

/// Swaps the parents of rows of an assigned key (`key`, of `parent`) so that the share of
/// rows whose parent has their sequence parent's label (`sequence`: of each row) is the real
/// one ([`crate::keys::labels::LabelMatch::keep`], with a number drawn from `base`'s stream 2);
/// left as drawn when either label column is not held.
fn keep_label_match(
    label_match: &crate::keys::labels::LabelMatch,
    (done, parent): (&Done, &SyntheticTable),
    (sequence, key): (&[Option<usize>], &mut [Option<usize>]),
    base: u64,
) {
    let Some(earlier) = done.get(&label_match.earlier_parent) else {
        return;
    };
    if let Some(labels) = label_match.columns(&earlier.columns, &parent.columns) {
        let base = block_stream(base, 2).random::<u64>();
        label_match.keep(sequence, key, labels, base);
    }
}

/// Makes the assigned keys keep, in the synthetic rows, what they kept with an earlier key of
/// the row in the real rows, in this order (a table without any draws as before):
/// - following from it, or determining it (`KeyDistribution::dependence`:
///   [`crate::keys::dependence::KeyDependence::keep`]);
/// - pairs unique with it (`KeyDistribution::unique_with`: [`crate::keys::unique_pairs`]);
/// - its real order, at a real distance from it (`KeyDistribution::order`:
///   [`crate::keys::KeyOrder::follow`]), the distance of the row's label where it has one
///   (`columns`: the rows' modelled columns, if held);
/// - pairs with it that are rows of another table (`KeyDistribution::pairs_of`:
///   [`crate::keys::pairs::PairsOf::keep`]), last, once the earlier key is final.
///
/// The callers then share keys within groups again ([`keep_groups_after_rules`]) and make
/// keys equal to an earlier one where the real ones are ([`keep_equal_keys`]).
fn keep_key_rules(
    trained: &TrainedTable,
    (done, columns): (&Done, &[Column]),
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
) {
    let dependence: fn(&KeyDistribution) -> Option<&str> =
        |d| d.dependence.as_ref().map(|d| d.earlier.as_str());
    rearrange_keys(
        trained,
        foreign_keys,
        rng,
        dependence,
        |d, first, key, stream| {
            let Some(dependence) = &d.dependence else {
                return;
            };
            let parent = done.get(&d.parent);
            let classes = parent.and_then(|parent| d.parent_classes(&parent.columns, parent.rows));
            let offered_to = dependence
                .owners
                .as_ref()
                .zip(parent)
                .map(|(owners, parent)| owners.draw(&parent.columns, parent.rows, stream.random()));
            let parents = crate::keys::dependence::KeyParents {
                rows: parent.map_or(0, |parent| parent.rows),
                classes: classes.as_deref(),
                offered_to: offered_to.as_ref(),
            };
            dependence.keep(first, key, parents, stream);
        },
    );
    let unique_with: fn(&KeyDistribution) -> Option<&str> = |d| d.unique_with.as_deref();
    rearrange_keys(
        trained,
        foreign_keys,
        rng,
        unique_with,
        |_, first, key, stream| {
            crate::keys::unique_pairs(first, key, stream);
        },
    );
    let order: fn(&KeyDistribution) -> Option<&str> =
        |d| d.order.as_ref().map(|order| order.earlier.as_str());
    rearrange_keys(
        trained,
        foreign_keys,
        rng,
        order,
        |d, first, key, stream| {
            if let Some(order) = &d.order {
                let rows = d.children_per_parent.len();
                order.follow((first, key), columns, rows, stream);
            }
        },
    );
    keep_pairs_of_tables(trained, done, foreign_keys, rng);
}

/// Makes every assigned key equal to an earlier key in most real rows
/// (`KeyDistribution::equals`) equal to it in as many synthetic rows
/// ([`crate::keys::equal::KeyEquality::keep`]), every such key of the table from one number
/// drawn from `rng` (nothing is drawn for a table without one).
fn keep_equal_keys(
    trained: &TrainedTable,
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
) {
    let mut base = None;
    for distribution in &trained.assigned {
        let Some(equality) = &distribution.equals else {
            continue;
        };
        let Some((first, second)) =
            key_places(foreign_keys, &equality.earlier, &distribution.column)
        else {
            continue;
        };
        let base = *base.get_or_insert_with(|| rng.random::<u64>());
        let by = (equality.by.as_deref()).and_then(|by| foreign_keys.get_index_of(by));
        change_key(foreign_keys, second, |keys, key_rows| {
            let by = by.map(|by| keys[by].as_slice());
            equality.keep(&keys[first], by, key_rows, base);
        });
    }
}

/// The keys a sequence's groups share ([`Numbering`]) that [`keep_key_rules`] drew again row
/// by row, shared again ([`Numbering::keep_redrawn_shared_keys`]); then the keys whose pairs
/// with one of those are unique made so again ([`crate::keys::unique_pairs`]: rows of a group
/// now share that key, so no two may share the other; each with a stream of its own drawn from
/// `rng`, only where a key was shared again).
fn keep_groups_after_rules(
    trained: &TrainedTable,
    numbering: &[Numbering],
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
) {
    let redrawn = shared_again(trained, numbering);
    if redrawn.is_empty() {
        return;
    }
    let mut again = Vec::new();
    for numbering in numbering {
        again.extend(numbering.keep_redrawn_shared_keys(&redrawn, foreign_keys));
    }
    for distribution in &trained.assigned {
        let Some(earlier) = distribution.unique_with.as_deref() else {
            continue;
        };
        if !again.iter().any(|key| key == earlier) {
            continue;
        }
        let Some((first, second)) = key_places(foreign_keys, earlier, &distribution.column) else {
            continue;
        };
        let mut stream = block_stream(rng.random(), 0);
        change_key(foreign_keys, second, |keys, key_rows| {
            crate::keys::unique_pairs(&keys[first], key_rows, &mut stream);
        });
    }
}

/// The keys [`keep_groups_after_rules`] shares again: those a sequence's groups share that a
/// key rule drew again row by row (following, unique with or in order with an earlier key;
/// not pairs of another table, whose two keys move together), unless a rule of another key
/// not shared again reads them (a ship date kept after its row's sale date would fall
/// before the sale date shared again; pairs unique with one are made so again).
fn shared_again<'t>(trained: &'t TrainedTable, numbering: &[Numbering]) -> Vec<&'t str> {
    let mut keys: Vec<&str> = (trained.assigned.iter())
        .filter(|d| d.dependence.is_some() || d.unique_with.is_some() || d.order.is_some())
        .filter(|d| d.pairs_of.is_none())
        .map(|d| d.column.as_str())
        .filter(|key| numbering.iter().any(|numbering| numbering.shares(key)))
        .collect();
    loop {
        let read_apart = |key: &str| {
            trained.assigned.iter().any(|d| {
                let reads = (d.order.as_ref()).is_some_and(|order| order.earlier == key)
                    || (d.dependence.as_ref()).is_some_and(|dep| dep.earlier == key);
                let pairs = (d.pairs_of.as_ref()).is_some_and(|pairs| pairs.earlier == key);
                pairs || (reads && !keys.contains(&d.column.as_str()))
            })
        };
        let before = keys.len();
        let kept: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|key| !read_apart(key))
            .collect();
        keys = kept;
        if keys.len() == before {
            return keys;
        }
    }
}

/// The keys the rows of a value share ([`KeysByValue`]) that [`keep_key_rules`] drew again
/// row by row to follow an earlier key, shared again.
fn keep_redrawn_shared_keys(
    trained: &TrainedTable,
    columns: &[Column],
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
) {
    for by_value in &trained.keys_by_value {
        let Some(column) = columns.get(by_value.column) else {
            continue;
        };
        let redrawn = (trained.assigned.iter())
            .filter(|d| by_value.shared_keys.contains(&d.column))
            .filter_map(|d| Some((&d.column, &d.order.as_ref()?.earlier)));
        for (key, earlier) in redrawn {
            let Some((first, second)) = key_places(foreign_keys, earlier, key) else {
                continue;
            };
            change_key(foreign_keys, second, |keys, key_rows| {
                by_value.keep_redrawn_key(&column.values, &keys[first], key_rows);
            });
        }
    }
}

/// Makes every assigned key whose pairs with an earlier key are rows of another table
/// (`KeyDistribution::pairs_of`) keep to them ([`crate::keys::pairs::PairsOf::keep`]), with a
/// stream of its own drawn from `rng`. The earlier key may change too, unless it drives the
/// sequences or another rule keeps it or reads it.
fn keep_pairs_of_tables(
    trained: &TrainedTable,
    done: &Done,
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
) {
    for distribution in &trained.assigned {
        let Some(rule) = &distribution.pairs_of else {
            continue;
        };
        let Some((first, second)) = key_places(foreign_keys, &rule.earlier, &distribution.column)
        else {
            continue;
        };
        let mut stream = block_stream(rng.random(), 0);
        let table = done.get(&rule.table);
        let keys = |column: &str| table.and_then(|table| table.foreign_keys.get(column));
        let (Some(a), Some(b)) = (keys(&rule.first), keys(&rule.second)) else {
            continue;
        };
        let assigned = &trained.assigned;
        let free = assigned
            .iter()
            .any(|d| d.column == rule.earlier && !d.rearranged());
        let read_by_others = assigned
            .iter()
            .any(|d| d.column != distribution.column && d.reads_key(&rule.earlier));
        let earlier_fixed = !free || read_by_others;
        let mut earlier = std::mem::take(&mut foreign_keys[first]);
        let mut key = std::mem::take(&mut foreign_keys[second]);
        let both = (earlier.as_mut_slice(), key.as_mut_slice());
        crate::keys::pairs::PairsOf::keep(both, (a, b), earlier_fixed, &mut stream);
        foreign_keys[first] = earlier;
        foreign_keys[second] = key;
    }
}

/// Calls `change` with key `second`'s parent rows, taken out of `foreign_keys` meanwhile, and
/// the other keys to read.
fn change_key(
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    second: usize,
    change: impl FnOnce(&IndexMap<String, Vec<Option<usize>>>, &mut [Option<usize>]),
) {
    let mut key_rows = std::mem::take(&mut foreign_keys[second]);
    change(foreign_keys, &mut key_rows);
    foreign_keys[second] = key_rows;
}

/// Where the keys `earlier` and `column` are among `foreign_keys`, when both are and differ.
fn key_places(
    foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
    earlier: &str,
    column: &str,
) -> Option<(usize, usize)> {
    let first = foreign_keys.get_index_of(earlier)?;
    let second = foreign_keys.get_index_of(column)?;
    (first != second).then_some((first, second))
}

/// Calls `rearrange` for every assigned key for which `earlier` names another key of the row:
/// with that key's parent rows, this key's to change, and a stream of its own drawn from
/// `rng` (nothing is drawn for a table without such a key).
fn rearrange_keys(
    trained: &TrainedTable,
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
    earlier: fn(&KeyDistribution) -> Option<&str>,
    mut rearrange: impl FnMut(&KeyDistribution, &[Option<usize>], &mut [Option<usize>], &mut SynthRng),
) {
    for distribution in &trained.assigned {
        let Some(earlier) = earlier(distribution) else {
            continue;
        };
        let Some((first, second)) = key_places(foreign_keys, earlier, &distribution.column) else {
            continue;
        };
        let mut stream = block_stream(rng.random(), 0);
        change_key(foreign_keys, second, |keys, key_rows| {
            rearrange(distribution, &keys[first], key_rows, &mut stream);
        });
    }
}

/// The most rows a sequential table no later table reads is put in the real rows' order for:
/// it is then made whole in memory. A larger one keeps generation's order (grouped by parent)
/// and is made in parts, so memory does not grow with it.
pub const MAX_ORDERED_ROWS: f64 = 4e6;

/// The order a table's rows are put in, if any: its real rows' order, unless it is a
/// sequential table no later table reads, expected to have more than [`MAX_ORDERED_ROWS`]
/// rows. The same whether tables are kept whole or not, so the output is too.
fn row_order<'a>(
    (plan, trained, models, done): Making<'a>,
    scale: f64,
) -> Option<&'a crate::row_order::RowOrder> {
    let order = trained.row_order.as_ref()?;
    let Generation::Sequential { key } = &plan.generation else {
        return Some(order);
    };
    let index = models
        .plan
        .order
        .iter()
        .position(|p| p.table == plan.table)?;
    let unread_later = last_use(models)
        .get(&plan.table)
        .is_none_or(|&last| last <= index);
    let rows = trained.real_rows as f64 * growth(models, done, &key.parent, scale);
    (!unread_later || rows <= MAX_ORDERED_ROWS).then_some(order)
}

/// Puts a drawn table's rows (`columns` and `foreign_keys`) in the real rows' `order`, before
/// its keys are numbered and its children made (see [`crate::row_order`]); an interleaving
/// draws from `rng`.
fn put_in_order(
    order: &crate::row_order::RowOrder,
    plan: &TablePlan,
    columns: &mut [Column],
    foreign_keys: &mut IndexMap<String, Vec<Option<usize>>>,
    rng: &mut SynthRng,
) {
    use crate::row_order::{permutation, reorder};
    use rayon::prelude::*;
    let sequence = match &plan.generation {
        Generation::Sequential { key } => Some(key.column.as_str()),
        _ => None,
    };
    let Some(rows) = permutation(order, columns, foreign_keys, sequence, rng) else {
        return;
    };
    columns
        .par_iter_mut()
        .for_each(|column| reorder(&mut column.values, &rows));
    foreign_keys
        .values_mut()
        .collect::<Vec<_>>()
        .into_par_iter()
        .for_each(|keys| reorder(keys, &rows));
}

/// What the ratios of a table's products across a key derive from, drawn from the table's
/// stream once its keys are assigned (a table without such a product, or of the reference
/// model, which keeps no rules, draws nothing).
fn keyed_base(models: &Models, trained: &TrainedTable, rng: &mut SynthRng) -> Option<u64> {
    let kept = models.kind == crate::model::ModelKind::Learned;
    (kept && crate::rules::keyed::any(&trained.rules)).then(|| rng.random())
}

/// The rows a table's foreign keys point at, by key column (see [`crate::rules::keyed`]).
fn key_rows<'a>(
    plan: &TablePlan,
    done: &'a Done,
    foreign_keys: &'a IndexMap<String, Vec<Option<usize>>>,
) -> crate::rules::keyed::KeyRows<'a> {
    plan.relationships()
        .into_iter()
        .filter_map(|relationship| {
            let (column, rows) = foreign_keys.get_key_value(&relationship.foreign_key)?;
            let parent = done.get(&relationship.parent)?;
            Some((
                column.as_str(),
                (rows.as_slice(), parent.columns.as_slice()),
            ))
        })
        .collect()
}

/// Keeps a sequential table's copies of a column of the row its parent's key points at
/// ([`crate::rules::anchors::keep_grand`]) in its drawn rows (`columns`, with their keys): the
/// parent's keys and the tables they point at are done by then.
fn keep_grand_copies(
    (models, plan, trained): (&Models, &TablePlan, &TrainedTable),
    done: &Done,
    columns: &mut [Column],
    foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
) {
    let kept = models.kind == crate::model::ModelKind::Learned;
    let Generation::Sequential { key } = &plan.generation else {
        return;
    };
    if !kept || !crate::rules::anchors::copies_through_keys(&trained.rules) {
        return;
    }
    let (Some(parents), Some(parent)) = (foreign_keys.get(&key.column), done.get(&key.parent))
    else {
        return;
    };
    let relationships = (models.plan.table(&key.parent))
        .map(TablePlan::relationships)
        .unwrap_or_default();
    let grand: Vec<GrandFrame<'_>> = relationships
        .iter()
        .filter_map(|relationship| {
            Some(GrandFrame {
                key: &relationship.foreign_key,
                columns: &done.get(&relationship.parent)?.columns,
                row_of: parent.foreign_keys.get(&relationship.foreign_key)?,
            })
        })
        .collect();
    crate::rules::anchors::keep_grand(&trained.rules, columns, parents, &grand);
}

/// Runs a table's semantic generators on its rows, from a random stream of their own (derived
/// from the table's), so tables without semantic columns draw exactly as before.
fn fill_semantic(
    semantic: &SemanticTable,
    columns: &mut [Column],
    foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
    plan: &TablePlan,
    done: &Done,
    rng: &mut SynthRng,
) {
    let (rows, mut uniques) = ((0, rng.random()), semantic.uniques());
    fill_semantic_with(
        semantic,
        columns,
        foreign_keys,
        (plan, done),
        rows,
        &mut uniques,
    );
}

/// [`fill_semantic`] of rows `first_row..` of a table, their streams derived from `base`
/// (drawn from the table's stream once per table), after the rows before them (`uniques`).
fn fill_semantic_with(
    semantic: &SemanticTable,
    columns: &mut [Column],
    foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
    (plan, done): (&TablePlan, &Done),
    rows: (usize, u64),
    uniques: &mut crate::semantic::fill::Uniques,
) {
    let parents: ParentColumns<'_> = key_rows(plan, done, foreign_keys);
    semantic.fill(columns, &parents, rows, uniques);
}

/// A kept table: its real rows and primary keys; its foreign keys point at the rows of its
/// parents whose keys are written (kept or given parents; the real keys are written for them by
/// [`refer_to_written_keys`]).
fn kept_table(
    plan: &TablePlan,
    trained: &TrainedTable,
    kept: &KeptTable,
    done: &Done,
) -> SyntheticTable {
    let specs: Vec<_> = trained
        .columns
        .iter()
        .map(|spec| (spec.name.clone(), spec.kind, spec.format.clone()))
        .collect();
    let parents: Vec<(String, &[String])> = plan
        .relationships()
        .into_iter()
        .map(|relationship| {
            let keys = done
                .get(&relationship.parent)
                .and_then(|parent| written_keys(parent))
                .unwrap_or(&[]);
            (relationship.foreign_key, keys)
        })
        .collect();
    let rows = kept.rows(&specs, trained.primary_key.as_deref(), &parents);
    SyntheticTable {
        name: trained.name.clone(),
        header: trained.header.clone(),
        dialect: trained.dialect.clone(),
        primary_key: trained.primary_key.clone(),
        rows: kept.rows,
        columns: rows.columns,
        foreign_keys: rows.foreign_keys,
        text: rows.primary_keys.into_iter().collect(),
    }
}

/// How much a table's parents grew (mean over its foreign keys, see [`growth`]), so that a
/// `sequential: false` child grows with its parents.
fn parent_factor(plan: &TablePlan, models: &Models, done: &Done, scale: f64) -> f64 {
    let factors: Vec<f64> = plan
        .assigned
        .iter()
        .map(|fk| growth(models, done, &fk.parent, scale))
        .collect();
    if factors.is_empty() {
        1.0
    } else {
        factors.iter().sum::<f64>() / factors.len() as f64
    }
}

/// How much the table `parent` grew: its synthetic rows over its real ones (given rows count as
/// they are given), or `scale` for a kept table. A kept table (a lookup or calendar table) keeps
/// its real rows at any scale; the tables that point at it (customers of 25 nations) grow with
/// the run, not with it.
fn growth(models: &Models, done: &Done, parent: &str, scale: f64) -> f64 {
    let trained = &models.tables[parent];
    if trained.kept.is_some() {
        return scale;
    }
    done[parent].rows as f64 / trained.real_rows.max(1) as f64
}

/// The length of every parent row's sequence. Under a kept parent (its synthetic rows are its
/// real ones, whatever the scale): each row's real number of children, grown from the rows the
/// table was trained on to its real rows and then by the scale (rounded at random); without
/// those counts, drawn and grown by the scale. Else drawn from the model, per synthetic parent
/// (whose number of rows already follows the scale), and moved onto the parents of the earlier
/// table whose parents the table shares (`done` holds it).
fn sequence_lengths(
    (models, trained): (&Models, &TrainedTable),
    (parent_name, parent): (&str, &Parent<'_>),
    done: &Done,
    scale: f64,
    rng: &mut SynthRng,
) -> Vec<usize> {
    let kept = models
        .tables
        .get(parent_name)
        .is_some_and(|t| t.kept.is_some());
    let by_row = trained
        .sequence_by_row
        .as_ref()
        .filter(|counts| kept && counts.len() == parent.rows);
    match by_row {
        Some(counts) => {
            let trained_on: usize = counts.iter().sum();
            let real = trained.real_rows.saturating_sub(trained.orphan_rows);
            let growth = scale * real as f64 / trained_on.max(1) as f64;
            grown(counts.clone(), growth, rng)
        }
        None if kept => grown(trained.model.sample_lengths(parent, rng), scale, rng),
        None => {
            let lengths = trained.model.sample_lengths(parent, rng);
            under_shared_parents(models, trained, done, lengths)
        }
    }
}

/// `lengths` (a sequential table's under a parent that is not kept, per parent row) moved
/// onto the synthetic parents of the earlier table it shares parents with
/// ([`keys::onto_shared_parents`]), when that table was made; else as they are.
fn under_shared_parents(
    models: &Models,
    trained: &TrainedTable,
    done: &Done,
    lengths: Vec<usize>,
) -> Vec<usize> {
    let Some(sibling) = trained.shares_parents_with.as_deref() else {
        return lengths;
    };
    let keys = match models.plan.table(sibling).map(|plan| &plan.generation) {
        Some(Generation::Sequential { key }) => done
            .get(sibling)
            .and_then(|table| table.foreign_keys.get(&key.column)),
        _ => None,
    };
    let Some(keys) = keys else {
        return lengths;
    };
    let shared: Vec<bool> = crate::keys::counts_by_row(keys, lengths.len())
        .into_iter()
        .map(|children| children > 0)
        .collect();
    crate::keys::onto_shared_parents(&lengths, &shared)
}

/// The numberings of a sequential table's group columns ([`crate::keys::groups`]) for
/// sequences of `lengths` rows and `orphans` rows without a parent, each from a stream of its
/// own derived from `rng`'s next draw without taking it: the table's other values are drawn
/// as without them. The sequences' blocks take streams `0..` of that draw
/// ([`draw_sequences`]); the numberings, the last ones.
pub(super) fn group_numbering(
    trained: &TrainedTable,
    (lengths, orphans): (&[usize], usize),
    rng: &SynthRng,
) -> Vec<Numbering> {
    if trained.group_numbers.is_empty() {
        return Vec::new();
    }
    let base: u64 = rng.clone().random();
    let sequences = || lengths.iter().copied().chain([orphans]);
    trained
        .group_numbers
        .iter()
        .enumerate()
        .map(|(index, groups)| Numbering::new(groups, sequences(), base, u64::MAX - index as u64))
        .collect()
}

/// Numbers the group columns of a table's rows, all of them at once.
fn number_groups(numbering: &mut [Numbering], columns: &mut [Column]) {
    for numbering in numbering {
        if let Some(column) = columns.get_mut(numbering.column()) {
            numbering.number(&mut column.values);
        }
    }
}

/// `lengths` multiplied by `growth`, rounded at random from a stream of their own drawn from
/// `rng` (none drawn when `growth` is 1).
fn grown(lengths: Vec<usize>, growth: f64, rng: &mut SynthRng) -> Vec<usize> {
    if growth == 1.0 {
        return lengths;
    }
    let mut stream = block_stream(rng.random(), 0);
    lengths
        .into_iter()
        .map(|length| {
            let x = length as f64 * growth;
            x as usize + usize::from(stream.random::<f64>() < x.fract())
        })
        .collect()
}

/// All sequences of a sequential table, then the rows whose parent key is empty, as the
/// table's columns (each sequence moved into them as it is drawn, so the rows of the whole
/// table are never held twice).
fn sequences(
    trained: &TrainedTable,
    parent_view: &Parent<'_>,
    (factor, lengths): (f64, Vec<usize>),
    rng: &mut SynthRng,
) -> (Vec<Column>, Vec<Option<usize>>) {
    let orphan_rows = scaled(trained.orphan_rows, factor);
    let capacity = lengths
        .iter()
        .fold(orphan_rows, |sum, &len| sum.saturating_add(len));
    let mut columns = empty_columns(trained, capacity);
    let mut parents = Vec::with_capacity(capacity);
    let drawn = draw_sequences(trained, parent_view, &lengths, rng, |block| {
        parents.extend(block.parents);
        for (column, values) in columns.iter_mut().zip(block.columns) {
            column.values.extend(values);
        }
        Ok(())
    });
    debug_assert!(drawn.is_ok(), "moving rows into memory cannot fail");
    let orphans = trained.model.sample_rows(orphan_rows, rng);
    parents.extend(std::iter::repeat_n(None, orphans.len()));
    push_rows(&mut columns, orphans);
    (columns, parents)
}

/// Parents whose sequences are drawn from one random stream. Blocks of parents are drawn in
/// parallel, each from its own stream derived from the table's, so the rows do not depend on
/// the number of threads (nor on the order blocks finish in).
const BLOCK_PARENTS: usize = 256;

/// Blocks drawn at once: bounds the rows held before they are handed on.
const BLOCKS_AT_ONCE: usize = 32;

/// Rows drawn together (the sequences of a block of parents), column by column, with the parent
/// row of each: drawn into columns on the thread that drew them, so what receives them moves
/// whole columns instead of touching each row.
struct DrawnRows {
    parents: Vec<Option<usize>>,
    columns: Vec<Vec<Value>>,
}

impl DrawnRows {
    fn new(columns: usize) -> DrawnRows {
        DrawnRows {
            parents: Vec::new(),
            columns: vec![Vec::new(); columns],
        }
    }

    /// Adds `rows`, each with `parent`.
    fn push(&mut self, parent: Option<usize>, rows: Vec<Row>) {
        self.parents.extend(std::iter::repeat_n(parent, rows.len()));
        for row in rows {
            for (column, value) in self.columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
    }
}

/// Draws the sequence of every parent row (`lengths[row]` rows each, ordered by the table's
/// `order_by`) and hands them to `each` block by block, in parent order. Each group of blocks
/// is handed on while the next is drawn, so `each` (storing rows) runs beside the draws
/// instead of between them. Fails only when `each` does.
fn draw_sequences(
    trained: &TrainedTable,
    parent: &Parent<'_>,
    lengths: &[usize],
    rng: &mut SynthRng,
    mut each: impl FnMut(DrawnRows) -> Result<()> + Send,
) -> Result<()> {
    let base: u64 = rng.random();
    let blocks: Vec<usize> = (0..lengths.len().div_ceil(BLOCK_PARENTS)).collect();
    let mut drawn: Option<Vec<DrawnRows>> = None;
    for group in blocks.chunks(BLOCKS_AT_ONCE) {
        let previous = drawn.take();
        let (handed, next) = rayon::join(
            || previous.map_or(Ok(()), |rows| rows.into_iter().try_for_each(&mut each)),
            || draw_group(trained, parent, lengths, base, group),
        );
        handed?;
        drawn = Some(next);
    }
    drawn.map_or(Ok(()), |rows| rows.into_iter().try_for_each(&mut each))
}

/// The rows of the parents of `group`'s blocks, each block from its own stream of `base`,
/// drawn in parallel.
fn draw_group(
    trained: &TrainedTable,
    parent: &Parent<'_>,
    lengths: &[usize],
    base: u64,
    group: &[usize],
) -> Vec<DrawnRows> {
    use rayon::prelude::*;
    group
        .par_iter()
        .map(|&block| {
            let mut stream = block_stream(base, block as u64);
            let first = block * BLOCK_PARENTS;
            let last = (first + BLOCK_PARENTS).min(lengths.len());
            let sequences: Vec<(usize, usize)> =
                (first..last).map(|row| (row, lengths[row])).collect();
            let mut columns = trained
                .model
                .sample_sequences(parent, &sequences, &mut stream);
            if let Some(column) = trained.order_by {
                let mut start = 0;
                for &(_, len) in &sequences {
                    sort_sequence(&mut columns, column, start..start + len);
                    start += len;
                }
            }
            DrawnRows {
                parents: sequences
                    .iter()
                    .flat_map(|&(row, len)| std::iter::repeat_n(Some(row), len))
                    .collect(),
                columns,
            }
        })
        .collect()
}

/// The synthetic `parent` as its children see it (see [`crate::model::context_columns`]): its
/// columns and, when it is a sequence, its own parent's through its parent key.
fn synthetic_context<'a>(models: &Models, done: &'a Done, parent: &str) -> Parent<'a> {
    let parent_table = &done[parent];
    let grandparent = match models.plan.table(parent).map(|plan| &plan.generation) {
        Some(Generation::Sequential { key }) => Some((
            done[&key.parent].columns.as_slice(),
            parent_table.foreign_keys[&key.column].as_slice(),
        )),
        _ => None,
    };
    Parent {
        columns: &parent_table.columns,
        grandparent,
        rows: parent_table.rows,
    }
}

/// Orders the rows `rows` (one sequence) of `columns` by the `order_by` column `by` (numbers
/// and datetimes ascending, nulls last; equal rows as drawn).
fn sort_sequence(columns: &mut [Vec<Value>], by: usize, rows: std::ops::Range<usize>) {
    let Some(key) = columns.get(by) else {
        return;
    };
    let mut order: Vec<usize> = rows.clone().collect();
    order.sort_by(|&a, &b| key[a].order(&key[b]));
    if order.iter().copied().eq(rows.clone()) {
        return;
    }
    for column in columns {
        let sorted: Vec<Value> = order
            .iter()
            .map(|&row| std::mem::replace(&mut column[row], Value::Null))
            .collect();
        for (cell, value) in column[rows.clone()].iter_mut().zip(sorted) {
            *cell = value;
        }
    }
}

/// Turns rows into the table's columns; with their number (a table may have no modelled
/// column).
fn into_columns(trained: &TrainedTable, rows: Vec<Row>) -> (usize, Vec<Column>) {
    let row_count = rows.len();
    let mut columns = empty_columns(trained, row_count);
    push_rows(&mut columns, rows);
    (row_count, columns)
}

/// The table's columns without values, room made for `capacity` rows.
fn empty_columns(trained: &TrainedTable, capacity: usize) -> Vec<Column> {
    trained
        .columns
        .iter()
        .map(|spec| Column {
            name: spec.name.clone(),
            kind: spec.kind,
            format: spec.format.clone(),
            values: Vec::with_capacity(capacity),
        })
        .collect()
}

/// Moves rows into columns, in order.
fn push_rows(columns: &mut [Column], rows: Vec<Row>) {
    for row in rows {
        for (column, value) in columns.iter_mut().zip(row) {
            column.values.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::memory::Bound;
    use crate::schema::ColumnKind;

    fn table() -> SyntheticTable {
        let column = |name: &str, values: Vec<Value>| Column {
            name: name.to_string(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values,
        };
        SyntheticTable {
            name: "orders".into(),
            header: vec!["order_id".into(), "a".into(), "b".into(), "c".into()],
            dialect: Dialect::default(),
            primary_key: Some("order_id".into()),
            rows: 2,
            columns: vec![
                column("a", vec![Value::Number(1.0), Value::Number(2.0)]),
                column("b", vec![Value::Number(3.0), Value::Number(4.0)]),
                column("c", vec![Value::Null, Value::Number(6.0)]),
            ],
            foreign_keys: IndexMap::from([("customer".to_string(), vec![Some(1), None])]),
            text: IndexMap::new(),
        }
    }

    /// Whether the table holds the columns read and no values of the others, its keys whole.
    fn holds_only(table: &SyntheticTable, read: &[bool]) {
        let whole = self::table();
        for ((kept, column), read) in table.columns.iter().zip(&whole.columns).zip(read) {
            assert_eq!(kept.name, column.name);
            let expected = if *read { column.values.len() } else { 0 };
            assert_eq!(kept.values.len(), expected, "{}", kept.name);
        }
        assert_eq!(table.foreign_keys, whole.foreign_keys);
        assert_eq!((table.rows, table.columns.len()), (2, 3));
    }

    #[test]
    fn expected_rows_follow_rows_asked_for_down_to_the_children() {
        let yaml = "tables:\n  c: {path: c.csv, primary_key: id}\n  \
                    o: {path: o.csv, foreign_keys: {c_id: c}}\n  \
                    l: {path: l.csv, foreign_keys: {o_id: o}}\n  \
                    k: {path: k.csv, primary_key: id}\n  \
                    i: {path: i.csv, sequential: false, foreign_keys: {k_id: k}}\n";
        let schema = crate::schema::Schema::parse(
            yaml,
            std::path::Path::new("s.yaml"),
            std::path::Path::new("."),
        )
        .expect("valid");
        let plan = Plan::build(&schema).expect("a plan");
        let real = |table: &str| match table {
            "c" => 10,
            "o" => 40,
            "l" => 160,
            "k" => 5,
            _ => 20,
        };
        let none = RowTargets::default();
        let rows = |scale, targets: &RowTargets, kept: Option<usize>| {
            let kept_rows = |table: &str| (table == "k").then_some(kept).flatten();
            expected_rows(&plan, real, kept_rows, scale, targets)
        };
        assert_eq!(rows(1.0, &none, None), 235.0);
        assert_eq!(rows(2.0, &none, None), 470.0);
        // `c` asked for 100 rows (ten times its real ones): `o` and `l` grow ten times too,
        // the tables beside it with the scale; a kept table keeps its stored rows.
        let asked = RowTargets::from_pairs([("c".to_string(), 100)]).expect("one count");
        assert_eq!(rows(1.0, &asked, None), 100.0 + 400.0 + 1600.0 + 5.0 + 20.0);
        assert_eq!(rows(3.0, &asked, Some(5)), 2100.0 + 5.0 + 60.0);
        let huge = RowTargets::from_pairs([("c".to_string(), 10_000_000_000)]).expect("count");
        let kept_rows = |_: &str| None;
        match check_size(&plan, real, kept_rows, 1.0, &huge) {
            Err(Error::RowCounts(Problems(problems))) => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].table.as_deref(), Some("c"));
            }
            other => panic!("refused as rows asked for: {other:?}"),
        }
        assert!(matches!(
            check_size(&plan, real, kept_rows, 1e9, &none),
            Err(Error::TooManyRows { .. })
        ));
        assert!(check_size(&plan, real, kept_rows, 1e5, &asked).is_ok());
        // Memory: the table that takes the most while it is made, `o` (a parent, made whole,
        // four cells a row); `l` (read by no later table) is made in parts and holds its keys.
        let per_table = rows_per_table(&plan, real, kept_rows, 1.0, &none);
        let held = held_memory(&plan, &per_table, |_| 4);
        assert_eq!(
            held,
            Some((40.0 * 4.0 * HELD_BYTES_PER_CELL, "o".to_string(), 40.0))
        );
        let parts = held_memory(&plan, &per_table, |table| if table == "l" { 0 } else { 1 });
        assert_eq!(
            parts,
            Some((160.0 * HELD_BYTES_PER_PART_ROW, "l".to_string(), 160.0))
        );
        // Besides, what generation takes whatever the size.
        let room = |bytes: f64, bound| Room {
            bytes: (bytes + HELD_BYTES_WHATEVER_THE_SIZE) as u64,
            bound,
        };
        match check_memory(held.clone(), Some(room(7_000.0, Bound::ControlGroup))) {
            Err(problem @ Error::TooMuchMemory { .. }) => {
                let message = problem.to_string();
                assert!(message.contains("(table `o`"), "{message}");
                assert!(message.contains("a container's limit"), "{message}");
            }
            other => panic!("refused: {other:?}"),
        }
        assert!(check_memory(held.clone(), Some(room(8_000.0, Bound::System))).is_ok());
        assert!(check_memory(held.clone(), Some(room(0.0, Bound::System))).is_err());
        assert!(check_memory(held, None).is_ok());
    }

    #[test]
    fn a_held_table_keeps_the_columns_read_and_the_rest_until_the_writer_lets_go() {
        let read = vec![true, false, true];
        let mut owned = Arc::new(table());
        free_unread(&mut owned, Some(&read));
        holds_only(&owned, &read);
        let writing = Arc::new(table());
        let mut held = Arc::clone(&writing);
        free_unread(&mut held, Some(&read));
        assert!(Arc::ptr_eq(&held, &writing), "shared, not copied");
        holds_only(&held, &[true, true, true]);
        drop(writing);
        let mut synthetic: Done = IndexMap::from([("orders".to_string(), held)]);
        let reads = HashMap::from([("orders".to_string(), read.clone())]);
        let waiting = Waiting::none();
        keep_read_all(&mut synthetic, &reads, &waiting);
        holds_only(&synthetic["orders"], &read);
        let mut unread = Arc::new(table());
        free_unread(&mut unread, None);
        holds_only(&unread, &[false, false, false]);
    }
}
