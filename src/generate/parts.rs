//! A sequential table no later table reads, generated and written in parts: its rows are drawn
//! sequence by sequence as in memory, moved part by part into a temporary file (with the codes
//! key assignment reads), their keys assigned, and then read back part by part, semantic
//! columns filled and handed to the sink. Every draw is made in the order the whole-table path
//! makes it ([`super::generate_table`]), so the bytes written are the same; memory holds a
//! part's values and a few integers per row (keys, codes), not the table.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::Arc;

use indexmap::IndexMap;
use rand::RngExt;
use rayon::prelude::*;

use super::distinct::DistinctIds;
use super::{
    Done, DrawnRows, Sink, SyntheticTable, assign_keys, draw_sequences, empty_columns,
    fill_semantic_with, group_numbering, growth, husk_of, keep_equal_keys, keep_grand_copies,
    keep_groups_after_rules, keep_key_rules, keep_redrawn_shared_keys, key_rows, keyed_base,
    refer_to_written_keys, sequence_lengths, synthetic_context,
};
use crate::data::{Column, Value};
use crate::direct::{DirectReader, DirectWriter};
use crate::error::{Error, Result};
use crate::keys::groups::Numbering;
use crate::keys::{ChildCodes, KeyDistribution};
use crate::model::TableModel;
use crate::plan::TablePlan;
use crate::rules::totals::Totals;
use crate::sampling::{SynthRng, scaled};
use crate::schema::ForeignKey;
use crate::semantic::fill::Uniques;
use crate::train::{Models, TrainedTable};

/// Rows per part (every part but the last has exactly this many: parts start on the block
/// boundaries of [`crate::sampling::in_blocks`], so semantic columns filled part by part get the
/// values the whole table gets). Parts in flight (read back, filled, queued, written) are most
/// of what memory holds beyond keys: with 16,384 rows (and four queued for the writer), TPC-H
/// sf0.01 scaled ten times peaked at 1.6 times its memory at scale 1; with 8,192 (and two),
/// sf1 is made as fast, within the noise of alternating runs.
const PART_ROWS: usize = 8_192;
const _: () = assert!(PART_ROWS % crate::sampling::BLOCK_ROWS == 0);

/// What generating one table in parts reads, besides the tables made before it (`done`, given
/// to each step: the parent's context is freed between the draws and the rest).
pub(super) struct Table<'m> {
    pub plan: &'m TablePlan,
    pub trained: &'m TrainedTable,
    pub models: &'m Models,
    /// The run's scale (the rows without a parent grow with it when the parent is kept).
    pub scale: f64,
}

impl<'m> Table<'m> {
    /// Draws the table's rows (one sequence per row of the parent of `key`, then the rows
    /// without a parent) into a store, part by part.
    pub fn draw(&self, done: &Done, key: &ForeignKey, rng: &mut SynthRng) -> Result<Drawn<'m>> {
        let trained = self.trained;
        let factor = growth(self.models, done, &key.parent, self.scale);
        let orphan_rows = scaled(trained.orphan_rows, factor);
        let parent_view = synthetic_context(self.models, done, &key.parent);
        let tables = (self.models, trained);
        let parent = (key.parent.as_str(), &parent_view);
        let lengths = sequence_lengths(tables, parent, done, self.scale, rng);
        let expected = lengths
            .iter()
            .fold(orphan_rows, |sum, &len| sum.saturating_add(len));
        let mut drawn = Drawn::new(trained, expected)?;
        let mut numbering = group_numbering(trained, (&lengths, orphan_rows), rng);
        let mut distinct = DistinctIds::of(trained);
        let mut numbered = |mut rows: DrawnRows| {
            distinct.keep_values(&mut rows.columns);
            for numbering in &mut numbering {
                if let Some(values) = rows.columns.get_mut(numbering.column()) {
                    numbering.number(values);
                }
            }
            rows
        };
        draw_sequences(trained, &parent_view, &lengths, rng, |rows| {
            drawn.push(numbered(rows))
        })?;
        let mut orphans = DrawnRows::new(trained.columns.len());
        orphans.push(None, trained.model.sample_rows(orphan_rows, rng));
        drawn.push(numbered(orphans))?;
        drawn.numbering = numbering;
        drawn.store()?;
        Ok(drawn)
    }

    /// Assigns the other keys of the rows `drawn` (their parent by `key` drawn with them): the
    /// rows are then ready to be written ([`Table::write`]).
    pub fn assign(
        &self,
        done: &Done,
        (mut drawn, key): (Drawn<'m>, &ForeignKey),
        rng: &mut SynthRng,
    ) -> Result<Assigned> {
        let trained = self.trained;
        let rows = drawn.parents.len();
        let codes = std::mem::take(&mut drawn.codes);
        let stored = drawn.store.close()?;
        let parents = std::mem::take(&mut drawn.parents);
        // The rows' columns wait in the store: the few that the rules moving assigned keys
        // read (bounds between rows and their parents, stays apart, labels) are read back, with
        // each row's sequence parent where a rule reads it, and held until the keys are final.
        let columns = self.columns_for_keys(&stored, rows)?;
        let sequence = (trained.assigned.iter())
            .any(KeyDistribution::reads_sequence)
            .then(|| parents.part(0..rows));
        let held = (rows, &columns[..], sequence.as_deref());
        let mut assigned = assign_keys(trained, done, held, codes, rng);
        for numbering in &drawn.numbering {
            numbering.keep_shared_keys(&mut assigned);
            numbering.keep_distinct_keys(&mut assigned, rng);
        }
        for by_value in &trained.keys_by_value {
            if let Some(column) = columns.get(by_value.column) {
                by_value.keep_shared_keys(&column.values, &mut assigned);
            }
        }
        drop(sequence);
        let numbering = std::mem::take(&mut drawn.numbering);
        let keys = (key, &numbering[..], &columns[..]);
        let foreign_keys = self.keys_held(done, keys, parents, assigned, rng)?;
        let keyed = keyed_base(self.models, trained, rng);
        let own: Option<u64> = trained.semantic.as_ref().map(|_| rng.random());
        Ok(Assigned {
            stored,
            foreign_keys,
            key: key.column.clone(),
            bases: Bases { keyed, own },
        })
    }

    /// Adds the rows `assigned` to `totals` before they are written, as they will be written
    /// (their products across a key kept first), reading back only the columns the totals and
    /// those products read: for a sink that must take a parent before its children.
    pub fn add_totals(&self, done: &Done, assigned: &Assigned, totals: &mut Totals) -> Result<()> {
        let keyed = crate::rules::keyed::columns_read(&self.trained.rules);
        let names: Vec<&String> = totals.columns_read().chain(&keyed).collect();
        let wanted: Vec<bool> = self
            .trained
            .columns
            .iter()
            .map(|column| names.contains(&&column.name))
            .collect();
        let mut first = 0;
        assigned.stored.each_part(&wanted, |count, values| {
            let keyed = (&assigned.foreign_keys, assigned.bases.keyed);
            let (columns, keys) = self.keyed_part(done, (first, count), values, keyed);
            if let Some(parents) = keys.get(&assigned.key) {
                totals.add(&columns, parents);
            }
            first += count;
        })
    }

    /// Hands the rows `assigned` to `sink` in parts, semantic columns filled, adding each part
    /// to the `totals` of their parents as it goes; returns the number of rows.
    pub fn write(
        &self,
        done: &Done,
        assigned: Assigned,
        totals: Option<&mut Totals>,
        sink: &mut dyn Sink,
    ) -> Result<usize> {
        let parts = assigned.stored.parts()?;
        let written = Written {
            foreign_keys: &assigned.foreign_keys,
            key: &assigned.key,
            bases: assigned.bases,
        };
        self.write_parts(done, parts, written, totals, sink)
    }

    /// The columns of the table's `rows` in `stored` that the rules moving its assigned keys
    /// read ([`KeyDistribution::columns_read`], and the columns whose values share keys), whole;
    /// the others empty. None at all when no rule reads one (TPC-H's `lineitem`).
    fn columns_for_keys(&self, stored: &Stored, rows: usize) -> Result<Vec<Column>> {
        let trained = self.trained;
        let names: Vec<&str> = (trained.assigned.iter())
            .flat_map(KeyDistribution::columns_read)
            .collect();
        let by_value = |index: usize| trained.keys_by_value.iter().any(|b| b.column == index);
        let wanted: Vec<bool> = (trained.columns.iter().enumerate())
            .map(|(index, column)| names.contains(&column.name.as_str()) || by_value(index))
            .collect();
        if !wanted.contains(&true) {
            return Ok(Vec::new());
        }
        let mut columns = empty_columns(trained, 0);
        for (column, &wanted) in columns.iter_mut().zip(&wanted) {
            if wanted {
                column.values.reserve_exact(rows);
            }
        }
        stored.each_part(&wanted, |_, values| {
            for (column, values) in columns.iter_mut().zip(values) {
                column.values.extend(values);
            }
        })?;
        Ok(columns)
    }

    /// The table's keys as its parts are written: the key its rows were drawn by (`parents`)
    /// first, then the `assigned` ones, each held in four bytes a row. A pair of keys that
    /// must be unique, keys kept in their real order or following another key, are made so
    /// first, on keys of the usual form.
    fn keys_held(
        &self,
        done: &Done,
        (key, numbering, columns): (&ForeignKey, &[Numbering], &[Column]),
        parents: HeldKeys,
        assigned: Vec<(String, Vec<Option<usize>>)>,
        rng: &mut SynthRng,
    ) -> Result<IndexMap<String, HeldKeys>> {
        let rearranged = self
            .trained
            .assigned
            .iter()
            .any(KeyDistribution::rearranged);
        if !rearranged {
            let mut held = IndexMap::new();
            held.insert(key.column.clone(), parents);
            for (name, keys) in assigned {
                held.insert(name, HeldKeys::hold(keys)?);
            }
            return Ok(held);
        }
        // The sequence key is read back whole only for a rule that reads it (TPC-H sf1:
        // `lineitem`'s 6 million orders, 16 bytes each, which its part and supplier never read).
        let read = |d: &KeyDistribution| d.reads_key(&key.column);
        let sequence_read = self.trained.assigned.iter().any(read);
        let mut foreign_keys = IndexMap::new();
        let mut held = IndexMap::new();
        if sequence_read {
            foreign_keys.insert(key.column.clone(), parents.part(0..parents.len()));
        } else {
            held.insert(key.column.clone(), parents);
        }
        foreign_keys.extend(assigned);
        keep_key_rules(self.trained, (done, columns), &mut foreign_keys, rng);
        keep_groups_after_rules(self.trained, numbering, &mut foreign_keys, rng);
        keep_equal_keys(self.trained, &mut foreign_keys, rng);
        keep_redrawn_shared_keys(self.trained, columns, &mut foreign_keys);
        for (name, keys) in foreign_keys {
            held.insert(name, HeldKeys::hold(keys)?);
        }
        Ok(held)
    }

    /// Reads the parts back, fills their semantic columns, adds them to `totals` and hands them
    /// to `sink`; returns the number of rows. The next part is read while one is filled
    /// (reading is one thread's work, filling every core's).
    fn write_parts(
        &self,
        done: &Done,
        mut parts: Parts,
        Written {
            foreign_keys,
            key,
            bases,
        }: Written<'_>,
        mut totals: Option<&mut Totals>,
        sink: &mut dyn Sink,
    ) -> Result<usize> {
        let rows = foreign_keys.values().next().map_or(0, HeldKeys::len);
        let mut first = 0;
        let mut next = parts.next();
        let mut uniques = self.trained.semantic.as_ref().map(|s| s.uniques());
        loop {
            let (count, values) = match next? {
                Some((count, values)) if first + count <= rows => (count, values),
                None if rows == 0 => (0, Vec::new()),
                _ => {
                    let message = "the temporary file does not hold the rows written to it";
                    return Err(spill_error(std::io::Error::other(message)));
                }
            };
            let last = first + count >= rows;
            let (part, following) = rayon::join(
                || {
                    let rows = (first, count);
                    self.filled_part(done, rows, values, (foreign_keys, bases), &mut uniques)
                },
                || if last { Ok(None) } else { parts.next() },
            );
            if let (Some(totals), Some(parents)) =
                (totals.as_deref_mut(), part.foreign_keys.get(key))
            {
                totals.add(&part.columns, parents);
            }
            sink.part(part, first, last)?;
            first += count;
            if last {
                return Ok(rows);
            }
            next = following;
        }
    }

    /// Rows `first..first + count` of the table from their stored `values`, with their keys and
    /// their semantic columns filled.
    fn filled_part(
        &self,
        done: &Done,
        (first, count): (usize, usize),
        values: Vec<Vec<Value>>,
        (foreign_keys, bases): (&IndexMap<String, HeldKeys>, Bases),
        uniques: &mut Option<Uniques>,
    ) -> SyntheticTable {
        let keyed = (foreign_keys, bases.keyed);
        let (mut columns, keys) = self.keyed_part(done, (first, count), values, keyed);
        if let (Some(semantic), Some(base), Some(uniques)) =
            (&self.trained.semantic, bases.own, uniques)
        {
            let tables = (self.plan, done);
            fill_semantic_with(
                semantic,
                &mut columns,
                &keys,
                tables,
                (first, base),
                uniques,
            );
        }
        let part = SyntheticTable {
            rows: count,
            columns,
            foreign_keys: keys,
            ..husk_of(self.trained)
        };
        refer_to_written_keys(part, self.plan, done)
    }

    /// Rows `first..first + count` of the table from their stored `values`, with their keys,
    /// its products across a key kept (from their base, `keyed`): what is written of them and
    /// what their parents' totals add up.
    fn keyed_part(
        &self,
        done: &Done,
        (first, count): (usize, usize),
        values: Vec<Vec<Value>>,
        (foreign_keys, keyed): (&IndexMap<String, HeldKeys>, Option<u64>),
    ) -> (Vec<Column>, IndexMap<String, Vec<Option<usize>>>) {
        let mut columns = empty_columns(self.trained, 0);
        for (column, values) in columns.iter_mut().zip(values) {
            column.values = values;
        }
        let keys: IndexMap<String, Vec<Option<usize>>> = foreign_keys
            .iter()
            .map(|(name, keys)| (name.clone(), keys.part(first..first + count)))
            .collect();
        if let Some(base) = keyed {
            let rows = key_rows(self.plan, done, &keys);
            crate::rules::keyed::keep(&self.trained.rules, &mut columns, &rows, first, base);
        }
        let table = (self.models, self.plan, self.trained);
        keep_grand_copies(table, done, &mut columns, &keys);
        (columns, keys)
    }
}

/// A table's rows drawn and their keys assigned, waiting to be written.
pub(super) struct Assigned {
    stored: Stored,
    foreign_keys: IndexMap<String, HeldKeys>,
    /// The key the rows were drawn by (their sequence's parent).
    key: String,
    bases: Bases,
}

/// What writing a table's parts reads besides them: its keys (`key`: the one its rows were
/// drawn by) and the bases of its streams.
struct Written<'a> {
    foreign_keys: &'a IndexMap<String, HeldKeys>,
    key: &'a str,
    bases: Bases,
}

/// What the streams of a table written in parts derive from, each drawn from the table's
/// stream once: its products across a key's ratios and its semantic columns' values.
#[derive(Clone, Copy)]
struct Bases {
    keyed: Option<u64>,
    own: Option<u64>,
}

/// A table made whole, handed to a sink in parts whose semantic columns are filled as each is
/// written: the filled values (TPC-H's comments) are never all held at once.
pub(super) struct Filling<'a> {
    pub plan: &'a TablePlan,
    pub trained: &'a TrainedTable,
    pub done: &'a Done,
    /// What the table's semantic streams derive from (drawn from its stream once per table).
    pub base: u64,
}

impl Filling<'_> {
    /// Hands `table` to `sink` in parts of [`PART_ROWS`] rows (one empty part for no rows),
    /// filled as [`super::generate_table`] fills the table whole. Its columns come from `held`
    /// when it waited in a file ([`Held`]; the table then holds its keys and the columns later
    /// tables read); `totals` are put into them first.
    pub fn write(
        &self,
        table: &SyntheticTable,
        (held, totals): (Option<Held>, Option<&Totals>),
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let rows = table.rows;
        let mut first = 0;
        let mut uniques = self.trained.semantic.as_ref().map(|s| s.uniques());
        let mut held = held.map(|held| held.0.read()).transpose()?;
        loop {
            let count = (rows - first).min(PART_ROWS);
            let last = first + count >= rows;
            let range = first..first + count;
            let mut columns = match &mut held {
                Some(parts) => read_back(parts, table, count)?,
                None => copied(table, &range),
            };
            if let Some(totals) = totals {
                totals.put(&mut columns, first);
            }
            let part = self.filled(table, range, columns, &mut uniques);
            sink.part(part, first, last)?;
            first += count;
            if last {
                return Ok(());
            }
        }
    }

    /// Rows `rows` of `table`, whose columns are `columns`, semantic columns filled.
    fn filled(
        &self,
        table: &SyntheticTable,
        rows: std::ops::Range<usize>,
        mut columns: Vec<Column>,
        uniques: &mut Option<Uniques>,
    ) -> SyntheticTable {
        let keys: IndexMap<String, Vec<Option<usize>>> = table
            .foreign_keys
            .iter()
            .map(|(name, keys)| (name.clone(), part_of(keys, &rows)))
            .collect();
        let text = table
            .text
            .iter()
            .map(|(name, text)| (name.clone(), part_of(text, &rows)))
            .collect();
        if let (Some(semantic), Some(uniques)) = (&self.trained.semantic, uniques) {
            let (tables, first) = ((self.plan, self.done), rows.start);
            fill_semantic_with(
                semantic,
                &mut columns,
                &keys,
                tables,
                (first, self.base),
                uniques,
            );
        }
        SyntheticTable {
            rows: rows.len(),
            columns,
            foreign_keys: keys,
            text,
            ..husk_of(self.trained)
        }
    }
}

/// The columns of rows `rows` of `table`, copied on every core (on one, the copy kept the
/// others waiting between parts).
fn copied(table: &SyntheticTable, rows: &std::ops::Range<usize>) -> Vec<Column> {
    table
        .columns
        .par_iter()
        .map(|column| column.with_values(part_of(&column.values, rows)))
        .collect()
}

/// The next part of a held table, which must have `count` rows, as columns named as the
/// table's.
fn read_back(parts: &mut FileParts, table: &SyntheticTable, count: usize) -> Result<Vec<Column>> {
    match parts.next()? {
        Some((rows, values)) if rows == count && values.len() == table.columns.len() => Ok(table
            .columns
            .iter()
            .zip(values)
            .map(|(column, values)| column.with_values(values))
            .collect()),
        _ => {
            let message = "the temporary file does not hold the rows written to it";
            Err(spill_error(std::io::Error::other(message)))
        }
    }
}

/// A table's columns waiting in a temporary file, in the parts [`Filling::write`] hands on,
/// while the table is held back from the sink for its children's totals (see
/// [`super::totals`]): held whole in memory instead, TPC-H's `orders` at ten times sf0.01 took
/// the peak of `generate` from 1.47 to 1.61 times that at scale 1.
pub(super) struct Held(Closed);

impl Held {
    /// Writes the columns of `table` to a temporary file.
    pub fn of(table: &SyntheticTable) -> Result<Held> {
        let mut spill = Spill::new()?;
        let mut first = 0;
        loop {
            let rows = first..(first + PART_ROWS).min(table.rows);
            spill.write(rows.len(), &copied(table, &rows))?;
            first = rows.end;
            if first >= table.rows {
                return Ok(Held(spill.close()?));
            }
        }
    }
}

/// The values of `rows` (none past the end).
fn part_of<T: Clone>(values: &[T], rows: &std::ops::Range<usize>) -> Vec<T> {
    values.get(rows.clone()).unwrap_or_default().to_vec()
}

/// A table's keys while its parts are written: each row's parent row in four bytes instead of
/// an `Option<usize>`'s sixteen (TPC-H's `lineitem` at scale factor 1: six million rows with
/// three keys each, 72 instead of 288 MB). Rows are at most [`super::MAX_ROWS`], so every row
/// number fits.
#[derive(Default)]
struct HeldKeys(Vec<u32>);

/// The held form of an empty key.
const EMPTY_KEY: u32 = u32::MAX;

/// A key in its held form.
fn held_key(key: Option<usize>) -> Result<u32> {
    match key {
        None => Ok(EMPTY_KEY),
        Some(row) => u32::try_from(row)
            .ok()
            .filter(|&row| row != EMPTY_KEY)
            .ok_or_else(|| {
                let message = format!("row {row} is beyond the rows a key can hold");
                spill_error(std::io::Error::other(message))
            }),
    }
}

impl HeldKeys {
    /// Holds `keys`; a row number that does not fit is refused (generation never makes one).
    fn hold(keys: Vec<Option<usize>>) -> Result<HeldKeys> {
        keys.into_iter()
            .map(held_key)
            .collect::<Result<_>>()
            .map(HeldKeys)
    }

    /// No keys yet, with room for `rows`.
    fn with_capacity(rows: usize) -> HeldKeys {
        HeldKeys(Vec::with_capacity(rows))
    }

    /// Adds the keys of `rows`, refusing one that does not fit as [`HeldKeys::hold`] does.
    fn extend(&mut self, rows: impl Iterator<Item = Option<usize>>) -> Result<()> {
        for key in rows {
            self.0.push(held_key(key)?);
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// The keys of `rows`, as a part hands them on.
    fn part(&self, rows: std::ops::Range<usize>) -> Vec<Option<usize>> {
        self.0[rows]
            .iter()
            .map(|&key| (key != EMPTY_KEY).then_some(key as usize))
            .collect()
    }
}

/// The rows drawn so far: the part not yet stored, each row's parent, the codes assignment
/// reads (per assigned key, per column), and the parts stored.
pub(super) struct Drawn<'a> {
    trained: &'a TrainedTable,
    /// Rows not yet stored, column by column.
    pending: Vec<Vec<Value>>,
    /// Rows stored.
    stored: usize,
    /// Each row's parent, in four bytes (TPC-H sf1: 24 instead of 96 MB for `lineitem`).
    parents: HeldKeys,
    codes: Vec<ChildCodes>,
    part_rows: usize,
    store: Store,
    /// The columns of the part last written to the file, emptied: the next part's room.
    /// Memory made afresh for every part came as pages the kernel had to clear (a twentieth
    /// of generating TPC-H sf1's `lineitem`).
    spare: Vec<Vec<Value>>,
    /// The numberings of the table's group columns, which keep the keys a group's rows share
    /// once keys are assigned.
    numbering: Vec<Numbering>,
}

/// The most room made at once for reading a part back (its rows' bytes are about a hundred
/// each, so a part is a few megabytes).
const MAX_PART_BYTES: usize = 64 << 20;

/// Where the parts wait: a temporary file, or memory for a table of a few parts (a file then
/// costs more than it saves).
enum Store {
    File(Spill),
    Memory(Vec<(usize, Vec<Column>)>),
}

/// Tables expected to have at most this many rows are held in memory in one part (65,536, as
/// when parts were twice as large).
const SMALL_TABLE: usize = 8 * PART_ROWS;

impl<'a> Drawn<'a> {
    fn new(trained: &'a TrainedTable, expected_rows: usize) -> Result<Drawn<'a>> {
        let none = empty_columns(trained, 0);
        let (part_rows, store) = if expected_rows <= SMALL_TABLE {
            (usize::MAX, Store::Memory(Vec::new()))
        } else {
            (PART_ROWS, Store::File(Spill::new()?))
        };
        let mut drawn = Drawn {
            trained,
            pending: Vec::new(),
            stored: 0,
            // Room for every row at once: grown by doubling, these were copied whole again and
            // again (tens of megabytes for a table of millions of rows).
            parents: HeldKeys::with_capacity(expected_rows),
            codes: trained
                .assigned
                .iter()
                .map(|distribution| {
                    let mut codes = distribution.child_codes(&none);
                    codes.reserve(expected_rows);
                    codes
                })
                .collect(),
            part_rows,
            store,
            spare: Vec::new(),
            numbering: Vec::new(),
        };
        let room = drawn.part_room();
        drawn.pending = (0..trained.columns.len())
            .map(|_| Vec::with_capacity(room))
            .collect();
        Ok(drawn)
    }

    /// Adds drawn rows; stores each full part. A block of rows is split where a part ends:
    /// the rows up to there fill the part, the rest start the next one, so no part grows past
    /// its room (grown by copying, and then copied again to split it, a part's values were
    /// moved three times).
    fn push(&mut self, rows: DrawnRows) -> Result<()> {
        let mut parents = rows.parents.into_iter();
        let mut columns: Vec<_> = rows.columns.into_iter().map(Vec::into_iter).collect();
        while parents.len() > 0 {
            let take = parents.len().min(self.part_rows - self.pending_rows());
            self.parents.extend(parents.by_ref().take(take))?;
            for (pending, values) in self.pending.iter_mut().zip(&mut columns) {
                pending.extend(values.take(take));
            }
            if self.pending_rows() == self.part_rows {
                self.store()?;
            }
        }
        Ok(())
    }

    /// The room a part's columns are made with: a whole part when the table is stored in parts;
    /// none for a small table held in one part (it grows as drawn).
    fn part_room(&self) -> usize {
        match self.store {
            Store::File(_) => self.part_rows,
            Store::Memory(_) => 0,
        }
    }

    /// Rows drawn and not yet stored.
    fn pending_rows(&self) -> usize {
        self.parents.len() - self.stored
    }

    /// Moves the pending rows (a part's worth at most: [`Drawn::push`] splits the columns
    /// there) into the store, keeping the codes assignment reads.
    fn store(&mut self) -> Result<()> {
        let count = self.pending_rows().min(self.part_rows);
        if count == 0 {
            return Ok(());
        }
        self.stored += count;
        let mut columns = empty_columns(self.trained, 0);
        let room = self.part_room();
        for (column, values) in columns.iter_mut().zip(&mut self.pending) {
            let next = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(room));
            column.values = std::mem::replace(values, next);
        }
        for (distribution, codes) in self.trained.assigned.iter().zip(&mut self.codes) {
            codes.extend(distribution.child_codes(&columns));
        }
        match &mut self.store {
            Store::File(spill) => {
                spill.write(count, &columns)?;
                self.spare = columns
                    .into_iter()
                    .map(|column| {
                        let mut values = column.values;
                        values.clear();
                        values
                    })
                    .collect();
                Ok(())
            }
            Store::Memory(parts) => {
                parts.push((count, columns));
                Ok(())
            }
        }
    }
}

impl Store {
    /// The parts stored, ready to be read back.
    fn close(self) -> Result<Stored> {
        Ok(match self {
            Store::File(spill) => Stored::File(spill.close()?),
            Store::Memory(parts) => Stored::Memory(parts),
        })
    }
}

/// The parts of a table once all are stored.
enum Stored {
    File(Closed),
    Memory(Vec<(usize, Vec<Column>)>),
}

impl Stored {
    /// The parts, from the first.
    fn parts(self) -> Result<Parts> {
        Ok(match self {
            Stored::File(closed) => Parts::File(closed.read()?),
            Stored::Memory(parts) => Parts::Memory(parts.into_iter()),
        })
    }

    /// Calls `each` with every part's row count and values, from the first, the columns not
    /// `wanted` left empty; the parts stay stored.
    fn each_part(
        &self,
        wanted: &[bool],
        mut each: impl FnMut(usize, Vec<Vec<Value>>),
    ) -> Result<()> {
        match self {
            Stored::File(closed) => {
                let mut parts = closed.parts(wanted.to_vec())?;
                while let Some((count, values)) = parts.next()? {
                    each(count, values);
                }
            }
            Stored::Memory(parts) => {
                for (count, columns) in parts {
                    let wanted = |index: usize| wanted.get(index) == Some(&true);
                    let values = columns.iter().enumerate().map(|(index, column)| {
                        if wanted(index) {
                            column.values.clone()
                        } else {
                            Vec::new()
                        }
                    });
                    each(*count, values.collect());
                }
            }
        }
        Ok(())
    }
}

/// The parts of a [`Store`], read back in order.
enum Parts {
    File(FileParts),
    Memory(std::vec::IntoIter<(usize, Vec<Column>)>),
}

impl Parts {
    /// The next part (its row count and column values), `None` after the last.
    fn next(&mut self) -> Result<Option<(usize, Vec<Vec<Value>>)>> {
        match self {
            Parts::File(parts) => parts.next(),
            Parts::Memory(parts) => Ok(parts.next().map(|(count, columns)| {
                let values = columns.into_iter().map(|column| column.values).collect();
                (count, values)
            })),
        }
    }
}

/// Parts of rows in an unnamed temporary file (the system removes it when it is closed, also
/// when the process ends early).
struct Spill {
    /// Past the page cache: each byte is read back once, in the order written.
    file: DirectWriter,
    /// The bytes written.
    length: u64,
    labels: Labels,
    /// A part's bytes, made again for each part in the same room.
    bytes: Vec<u8>,
}

/// Labels drawn from a model are shared strings: the spill writes each one once per column
/// (by its address) and reads it back shared, instead of a copy per cell (a fresh string per
/// cell costs an allocation each). A column with more than [`MAX_SHARED`] such labels (free
/// text) writes the rest as text.
#[derive(Default)]
struct Labels {
    /// Per column: the shared labels, and the index of each by address.
    columns: Vec<SharedLabels>,
}

/// One column's shared labels, and the index of each by address.
type SharedLabels = (
    Vec<Arc<str>>,
    HashMap<usize, u32, foldhash::fast::FixedState>,
);

/// The most shared labels per column.
const MAX_SHARED: usize = 4096;

/// How a value is held in the temporary file: a tag byte, then the value's bytes. A number that
/// is whole, or a whole number of hundredths (prices, rates), is held as that integer in a
/// variable-length form (a date in seconds takes five bytes, a quantity one), any other as its
/// eight bytes; a shared label as its index, a label's text after its length (both
/// variable-length). Held this way the spill of TPC-H sf1's `lineitem` is about half as large
/// as with a fixed eight bytes a number: half as many bytes written to the page cache and read
/// back. Written and read field by field, a cell costs a few byte operations instead of a
/// serde value on each side.
mod tag {
    pub const NULL: u8 = 0;
    pub const NUMBER: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const TRUE: u8 = 3;
    pub const SHARED: u8 = 4;
    pub const LABEL: u8 = 5;
    pub const WHOLE: u8 = 6;
    pub const HUNDREDTHS: u8 = 7;
}

/// `x` as a whole number, when that number gives back exactly `x` (not -0.0, NaN or infinity).
fn whole(x: f64) -> Option<i64> {
    let n = x as i64;
    ((n as f64).to_bits() == x.to_bits()).then_some(n)
}

/// `x` as a whole number of hundredths, when dividing that number by 100 gives back exactly `x`.
fn hundredths(x: f64) -> Option<i64> {
    let n = (x * 100.0).round() as i64;
    (from_hundredths(n).to_bits() == x.to_bits()).then_some(n)
}

fn from_hundredths(n: i64) -> f64 {
    n as f64 / 100.0
}

/// Appends `n` in LEB128 form: seven bits a byte, the high bit set on every byte but the last.
fn put_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The LEB128 number at the start of `bytes` and the bytes after it; `None` when cut short or
/// longer than a `u64` holds.
fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut n = 0u64;
    for (at, &byte) in bytes.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        if at == 9 && bits > 1 {
            return None;
        }
        n |= bits << (7 * at);
        if byte & 0x80 == 0 {
            return Some((n, &bytes[at + 1..]));
        }
    }
    None
}

/// A signed integer as an unsigned one with small magnitudes small (0, -1, 1, -2 -> 0, 1, 2, 3).
fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

impl Labels {
    /// Appends `value` of column `column` to `out` as the spill holds it.
    fn hold(&mut self, column: usize, value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Null => out.push(tag::NULL),
            Value::Number(x) => {
                if let Some(n) = whole(*x) {
                    out.push(tag::WHOLE);
                    put_varint(zigzag(n), out);
                } else if let Some(n) = hundredths(*x) {
                    out.push(tag::HUNDREDTHS);
                    put_varint(zigzag(n), out);
                } else {
                    out.push(tag::NUMBER);
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
            Value::Flag(flag) => out.push(if *flag { tag::TRUE } else { tag::FALSE }),
            Value::Label(label) => match self.share(column, label) {
                Some(at) => {
                    out.push(tag::SHARED);
                    put_varint(u64::from(at), out);
                }
                None => {
                    out.push(tag::LABEL);
                    put_varint(label.len() as u64, out);
                    out.extend_from_slice(label.as_bytes());
                }
            },
        }
    }

    /// The index of `label` among the column's shared labels (added when there is room).
    fn share(&mut self, column: usize, label: &Arc<str>) -> Option<u32> {
        if self.columns.len() <= column {
            self.columns.resize_with(column + 1, Default::default);
        }
        let (shared, index) = &mut self.columns[column];
        let address = Arc::as_ptr(label).cast::<u8>() as usize;
        if let Some(&at) = index.get(&address) {
            return Some(at);
        }
        if shared.len() >= MAX_SHARED {
            return None;
        }
        // Held here, the string cannot be freed and its address reused.
        index.insert(address, shared.len() as u32);
        shared.push(Arc::clone(label));
        Some(shared.len() as u32 - 1)
    }

    /// The value at the start of `bytes` (column `column`) and the bytes after it; `None` when
    /// the bytes do not hold one.
    fn value<'b>(&self, column: usize, bytes: &'b [u8]) -> Option<(Value, &'b [u8])> {
        let (&tag, rest) = bytes.split_first()?;
        Some(match tag {
            tag::NULL => (Value::Null, rest),
            tag::FALSE | tag::TRUE => (Value::Flag(tag == tag::TRUE), rest),
            tag::NUMBER => {
                let (number, rest) = rest.split_first_chunk::<8>()?;
                (Value::Number(f64::from_le_bytes(*number)), rest)
            }
            tag::WHOLE => {
                let (n, rest) = take_varint(rest)?;
                (Value::Number(unzigzag(n) as f64), rest)
            }
            tag::HUNDREDTHS => {
                let (n, rest) = take_varint(rest)?;
                (Value::Number(from_hundredths(unzigzag(n))), rest)
            }
            tag::SHARED => {
                let (at, rest) = take_varint(rest)?;
                let (shared, _) = self.columns.get(column)?;
                let label = shared.get(usize::try_from(at).ok()?)?;
                (Value::Label(Arc::clone(label)), rest)
            }
            tag::LABEL => {
                let (length, rest) = take_varint(rest)?;
                let length = usize::try_from(length).ok()?;
                let text = std::str::from_utf8(rest.get(..length)?).ok()?;
                (Value::Label(Arc::from(text)), &rest[length..])
            }
            _ => return None,
        })
    }
}

/// The parts of a [`Spill`], read back in order.
struct FileParts {
    file: DirectReader,
    labels: Arc<Labels>,
    /// The columns read, when not all (the others are left empty).
    wanted: Option<Vec<bool>>,
    /// A part's bytes, read again for each part into the same room.
    bytes: Vec<u8>,
}

fn spill_error(source: std::io::Error) -> Error {
    Error::Io {
        context: "cannot hold generated rows in a temporary file in",
        path: std::env::temp_dir(),
        source,
    }
}

impl Spill {
    fn new() -> Result<Spill> {
        let file = tempfile::tempfile()
            .and_then(DirectWriter::new)
            .map_err(spill_error)?;
        Ok(Spill {
            file,
            length: 0,
            labels: Labels::default(),
            bytes: Vec::new(),
        })
    }

    /// Appends a part: its row count, its number of columns, the length of each column's
    /// bytes (so the columns are read back on every core at once) and their values.
    fn write(&mut self, rows: usize, columns: &[Column]) -> Result<()> {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.clear();
        bytes.extend_from_slice(&(rows as u64).to_le_bytes());
        bytes.extend_from_slice(&(columns.len() as u64).to_le_bytes());
        let lengths = bytes.len();
        bytes.resize(lengths + 8 * columns.len(), 0);
        for (index, column) in columns.iter().enumerate() {
            let start = bytes.len();
            for value in &column.values {
                self.labels.hold(index, value, &mut bytes);
            }
            let length = (bytes.len() - start) as u64;
            bytes[lengths + 8 * index..lengths + 8 * (index + 1)]
                .copy_from_slice(&length.to_le_bytes());
        }
        let written = self
            .file
            .write_all(&(bytes.len() as u64).to_le_bytes())
            .and_then(|()| self.file.write_all(&bytes))
            .map_err(spill_error);
        self.length += 8 + bytes.len() as u64;
        self.bytes = bytes;
        written
    }

    /// The file with every part written, its writer's buffers freed, to be read later.
    fn close(self) -> Result<Closed> {
        let file = self.file.finish().map_err(spill_error)?;
        Ok(Closed {
            file,
            length: self.length,
            labels: Arc::new(self.labels),
        })
    }
}

/// A [`Spill`] whose parts are all written: read back once, or more often ([`Closed::parts`]).
struct Closed {
    file: std::fs::File,
    length: u64,
    labels: Arc<Labels>,
}

impl Closed {
    /// The parts written, from the first.
    fn read(self) -> Result<FileParts> {
        let file = DirectReader::new(self.file, self.length).map_err(spill_error)?;
        Ok(FileParts {
            file,
            labels: self.labels,
            wanted: None,
            bytes: Vec::new(),
        })
    }

    /// The parts written, from the first, with only the `wanted` columns' values; the file
    /// stays to be read again.
    fn parts(&self, wanted: Vec<bool>) -> Result<FileParts> {
        let file = self
            .file
            .try_clone()
            .and_then(|file| DirectReader::new(file, self.length))
            .map_err(spill_error)?;
        Ok(FileParts {
            file,
            labels: Arc::clone(&self.labels),
            wanted: Some(wanted),
            bytes: Vec::new(),
        })
    }
}

impl FileParts {
    /// The next part (its row count and column values), `None` after the last.
    fn next(&mut self) -> Result<Option<(usize, Vec<Vec<Value>>)>> {
        let mut length = [0u8; 8];
        match self.file.read_exact(&mut length) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(err) => return Err(spill_error(err)),
        }
        let length = usize::try_from(u64::from_le_bytes(length))
            .map_err(|err| spill_error(std::io::Error::other(err.to_string())))?;
        // Room for the whole part at once; a corrupt length is refused by the read, not by
        // room made for it.
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.clear();
        bytes.reserve(length.min(MAX_PART_BYTES));
        let read = (&mut self.file)
            .take(length as u64)
            .read_to_end(&mut bytes)
            .map_err(spill_error);
        let values = read.and_then(|_| self.labels.part(&bytes, self.wanted.as_deref()));
        self.bytes = bytes;
        values
    }
}

impl Labels {
    /// The part held in `bytes`: its row count and column values (those `wanted`, when given;
    /// the others empty). Each column is read on its own (the part says where each starts), on
    /// every core: one thread reading the parts back while the others filled and formatted the
    /// last one kept them waiting.
    fn part(
        &self,
        bytes: &[u8],
        wanted: Option<&[bool]>,
    ) -> Result<Option<(usize, Vec<Vec<Value>>)>> {
        let corrupt = || {
            spill_error(std::io::Error::other(
                "a part the temporary file does not hold",
            ))
        };
        let (rows, rest) = bytes.split_first_chunk::<8>().ok_or_else(corrupt)?;
        let (columns, rest) = rest.split_first_chunk::<8>().ok_or_else(corrupt)?;
        let rows = usize::try_from(u64::from_le_bytes(*rows)).map_err(|_| corrupt())?;
        let columns = usize::try_from(u64::from_le_bytes(*columns)).map_err(|_| corrupt())?;
        // Every value takes a byte at least, every column eight for its length: counts beyond
        // the bytes read are refused before room is made for them.
        if rows.saturating_mul(columns) > bytes.len() || columns.saturating_mul(8) > rest.len() {
            return Err(corrupt());
        }
        let (lengths, mut rest) = rest.split_at(8 * columns);
        let mut held = Vec::with_capacity(columns);
        for length in lengths.chunks_exact(8) {
            let length = u64::from_le_bytes(length.try_into().map_err(|_| corrupt())?);
            let length = usize::try_from(length).map_err(|_| corrupt())?;
            if length > rest.len() {
                return Err(corrupt());
            }
            let (column, after) = rest.split_at(length);
            held.push(column);
            rest = after;
        }
        let values = held
            .into_par_iter()
            .enumerate()
            .map(|(column, bytes)| {
                let skipped = wanted.is_some_and(|wanted| wanted.get(column) != Some(&true));
                if skipped {
                    return Ok(Vec::new());
                }
                self.column(column, rows, bytes).ok_or_else(corrupt)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((rows, values)))
    }

    /// The `rows` values of column `column` held in `bytes` (all of them, no more); `None` when
    /// the bytes do not hold them.
    fn column(&self, column: usize, rows: usize, mut bytes: &[u8]) -> Option<Vec<Value>> {
        let mut values = Vec::with_capacity(rows);
        for _ in 0..rows {
            let (value, after) = self.value(column, bytes)?;
            values.push(value);
            bytes = after;
        }
        bytes.is_empty().then_some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::runs::Exact;

    #[test]
    fn parts_read_back_as_written_and_a_wrong_column_length_is_refused() {
        let label: Arc<str> = Arc::from("AIR");
        let column = |name: &str, values: Vec<Value>| Column {
            name: name.to_string(),
            kind: crate::schema::ColumnKind::Categorical,
            format: crate::data::ValueFormat::Verbatim,
            values,
        };
        let part = |first: usize, rows: usize| {
            vec![
                column(
                    "n",
                    (first..first + rows)
                        .map(|i| Value::Number(i as f64 / 4.0))
                        .collect(),
                ),
                column(
                    "l",
                    (0..rows)
                        .map(|_| Value::Label(Arc::clone(&label)))
                        .collect(),
                ),
                column(
                    "e",
                    (0..rows)
                        .map(|i| {
                            if i % 2 == 0 {
                                Value::Null
                            } else {
                                Value::Flag(true)
                            }
                        })
                        .collect(),
                ),
            ]
        };
        let mut spill = Spill::new().expect("a temporary file");
        spill.write(5, &part(0, 5)).expect("written");
        spill.write(3, &part(5, 3)).expect("written");
        let mut parts = spill.close().and_then(Closed::read).expect("read back");
        for (first, rows) in [(0, 5), (5, 3)] {
            let (count, values) = parts.next().expect("a part").expect("not the end");
            assert_eq!(count, rows);
            for (read, written) in values.iter().zip(part(first, rows)) {
                assert_eq!(read.len(), rows);
                assert!(read.iter().zip(&written.values).all(|(a, b)| a.same(b)));
            }
        }
        assert!(parts.next().expect("the end").is_none());

        let mut labels = Labels::default();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&2u64.to_le_bytes());
        let mut first = Vec::new();
        labels.hold(0, &Value::Number(7.0), &mut first);
        bytes.extend_from_slice(&(first.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&first);
        bytes.push(tag::NULL);
        let (rows, values) = labels
            .part(&bytes, None)
            .expect("a part")
            .expect("one part");
        assert_eq!((rows, values.len()), (1, 2));
        assert!(values[0][0].same(&Value::Number(7.0)) && values[1][0].is_null());
        // The first column said one byte longer than its value: the second then lacks one.
        let mut wrong = bytes.clone();
        wrong[16] += 1;
        assert!(
            labels.part(&wrong, None).is_err(),
            "a column longer than its value"
        );
        assert!(
            labels.part(&bytes[..bytes.len() - 1], None).is_err(),
            "a part cut short"
        );
        let mut many = bytes.clone();
        many[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(labels.part(&many, None).is_err(), "more columns than bytes");
    }

    #[test]
    fn held_keys_give_back_every_key_and_refuse_a_row_that_does_not_fit() {
        let keys = vec![Some(0), None, Some(7), Some(u32::MAX as usize - 1), None];
        let held = HeldKeys::hold(keys.clone()).unwrap();
        assert_eq!(held.len(), 5);
        assert_eq!(held.part(0..5), keys);
        assert_eq!(held.part(1..3), vec![None, Some(7)]);
        assert!(HeldKeys::hold(vec![Some(u32::MAX as usize)]).is_err());
        assert!(HeldKeys::hold(vec![Some(usize::MAX)]).is_err());
    }

    #[test]
    fn held_values_read_back_as_written_and_cut_bytes_are_refused() {
        let shared: Arc<str> = Arc::from("shared");
        let mut values = vec![
            Value::Null,
            Value::Number(-2.5e-7),
            Value::Number(f64::MAX),
            Value::Flag(true),
            Value::Flag(false),
            Value::Label(Arc::clone(&shared)),
            Value::Label(Arc::clone(&shared)),
            Value::Label(Arc::from("ünïcode")),
        ];
        // Past the shared labels of a column, labels are written as text.
        values.extend((0..=MAX_SHARED).map(|i| Value::Label(Arc::from(format!("label {i}")))));
        let mut labels = Labels::default();
        let mut bytes = Vec::new();
        for value in &values {
            labels.hold(3, value, &mut bytes);
        }
        assert!(
            bytes.windows(9).any(|w| w == b"label 409"),
            "the last label as text"
        );
        let mut rest = bytes.as_slice();
        for value in &values {
            let (read, after) = labels.value(3, rest).expect("a value");
            assert!(read.same(value), "{read:?} {value:?}");
            rest = after;
        }
        assert!(rest.is_empty());
        let (first, _) = labels.value(3, &bytes[1..]).expect("a number's tag");
        assert!(first.same(&Value::Number(-2.5e-7)));
        assert!(
            labels.value(3, &bytes[1..5]).is_none(),
            "a number cut short"
        );
        assert!(
            labels.value(2, &[tag::SHARED, 0, 0, 0, 0]).is_none(),
            "no such column"
        );
        assert!(labels.value(3, &[9]).is_none(), "no such tag");
        assert!(
            labels.value(3, &[tag::LABEL, 2, 0xff, 0xfe]).is_none(),
            "not UTF-8"
        );
        assert!(
            labels.value(3, &[tag::WHOLE, 0x80, 0x80]).is_none(),
            "a whole number cut short"
        );
        let too_long = [&[tag::WHOLE][..], &[0xff; 10], &[0x01]].concat();
        assert!(labels.value(3, &too_long).is_none(), "more than 64 bits");
    }

    #[test]
    fn numbers_are_held_exactly_and_whole_numbers_and_hundredths_briefly() {
        let held = |x: f64| {
            let mut bytes = Vec::new();
            Labels::default().hold(0, &Value::Number(x), &mut bytes);
            let (read, rest) = Labels::default().value(0, &bytes).expect("a number");
            assert!(read.same(&Value::Number(x)), "{x:?} read back as {read:?}");
            assert!(rest.is_empty());
            bytes.len()
        };
        // Whole numbers: a tag and their zigzag LEB128 bytes.
        assert_eq!(held(0.0), 2);
        assert_eq!(held(7.0), 2);
        assert_eq!(held(-64.0), 2);
        assert_eq!(held(64.0), 3);
        assert_eq!(held(757_382_400.0), 6, "a date in seconds");
        assert_eq!(held(-9.007_199_254_740_992e15), 9);
        // Hundredths: prices and rates.
        assert_eq!(held(0.08), 2);
        assert_eq!(held(13_040.31), 5);
        assert_eq!(held(-0.5), 2);
        // Anything else as its eight bytes, exactly.
        for x in [
            -0.0,
            0.1 + 0.2,
            1.0 / 3.0,
            1e300,
            -2.5e-7,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9.3e18,
            -9.3e18,
        ] {
            assert_eq!(held(x), 9, "{x:?}");
        }
        // The ends of the integers go either way, but always back to the same bits.
        for x in [i64::MAX as f64, i64::MIN as f64, 2f64.powi(62)] {
            held(x);
        }
    }
}
