//! A sequential table no later table reads, generated and written in parts: its rows are drawn
//! sequence by sequence as in memory, moved part by part into a temporary file (with the codes
//! key assignment reads), their keys assigned, and then read back part by part, semantic
//! columns filled and handed to the sink. Every draw is made in the order the whole-table path
//! makes it ([`super::generate_table`]), so the bytes written are the same; memory holds a
//! part's values and a few integers per row (keys, codes), not the table.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::sync::Arc;

use indexmap::IndexMap;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{
    Done, DrawnRows, Sink, SyntheticTable, assign_keys, draw_sequences, empty_columns,
    fill_semantic_with, husk_of, refer_to_written_keys, synthetic_context,
};
use crate::data::{Column, Value};
use crate::error::{Error, Result};
use crate::model::TableModel;
use crate::plan::TablePlan;
use crate::sampling::{SynthRng, scaled};
use crate::schema::ForeignKey;
use crate::train::{Models, TrainedTable};

/// Rows per part (every part but the last has exactly this many: parts start on the block
/// boundaries of [`crate::sampling::in_blocks`], so semantic columns filled part by part get the
/// values the whole table gets).
const PART_ROWS: usize = 16_384;
const _: () = assert!(PART_ROWS % crate::sampling::BLOCK_ROWS == 0);

/// What generating one table in parts reads.
pub(super) struct Table<'a> {
    pub plan: &'a TablePlan,
    pub trained: &'a TrainedTable,
    pub models: &'a Models,
    pub done: &'a Done,
}

impl Table<'_> {
    /// Generates the table (one sequence per row of the parent of `key`, then the rows
    /// without a parent) and hands it to `sink` in parts; returns its number of rows.
    pub fn generate(
        &self,
        key: &ForeignKey,
        rng: &mut SynthRng,
        sink: &mut dyn Sink,
    ) -> Result<usize> {
        let trained = self.trained;
        let parent = &self.done[&key.parent];
        let factor = parent.rows as f64 / self.models.tables[&key.parent].real_rows.max(1) as f64;
        let orphan_rows = scaled(trained.orphan_rows, factor);
        let mut drawn;
        {
            let parent_view = synthetic_context(self.models, self.done, &key.parent);
            let lengths = trained.model.sample_lengths(&parent_view, rng);
            let expected = lengths
                .iter()
                .fold(orphan_rows, |sum, &len| sum.saturating_add(len));
            drawn = Drawn::new(trained, expected)?;
            draw_sequences(trained, &parent_view, &lengths, rng, |rows| {
                drawn.push(rows)
            })?;
        }
        let mut orphans = DrawnRows::new(trained.columns.len());
        orphans.push(None, trained.model.sample_rows(orphan_rows, rng));
        drawn.push(orphans)?;
        drawn.store()?;
        let rows = drawn.parents.len();
        let mut foreign_keys = IndexMap::new();
        foreign_keys.insert(key.column.clone(), std::mem::take(&mut drawn.parents));
        let codes = std::mem::take(&mut drawn.codes);
        foreign_keys.extend(assign_keys(trained, self.done, rows, codes, rng));
        let own: Option<u64> = trained.semantic.as_ref().map(|_| rng.random());
        self.write(drawn.store.read()?, &foreign_keys, own, sink)?;
        Ok(rows)
    }

    /// Reads the parts back, fills their semantic columns and hands them to `sink`.
    fn write(
        &self,
        mut parts: Parts,
        foreign_keys: &IndexMap<String, Vec<Option<usize>>>,
        own: Option<u64>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let rows = foreign_keys.values().next().map_or(0, Vec::len);
        let mut first = 0;
        loop {
            let (count, values) = match parts.next()? {
                Some((count, values)) if first + count <= rows => (count, values),
                None if rows == 0 => (0, Vec::new()),
                _ => {
                    let message = "the temporary file does not hold the rows written to it";
                    return Err(spill_error(std::io::Error::other(message)));
                }
            };
            let mut columns = empty_columns(self.trained, 0);
            for (column, values) in columns.iter_mut().zip(values) {
                column.values = values;
            }
            let keys: IndexMap<String, Vec<Option<usize>>> = foreign_keys
                .iter()
                .map(|(name, rows)| (name.clone(), rows[first..first + count].to_vec()))
                .collect();
            if let (Some(semantic), Some(base)) = (&self.trained.semantic, own) {
                let (plan, done) = (self.plan, self.done);
                fill_semantic_with(semantic, &mut columns, &keys, plan, done, first, base);
            }
            let part = SyntheticTable {
                rows: count,
                columns,
                foreign_keys: keys,
                ..husk_of(self.trained)
            };
            let part = refer_to_written_keys(part, self.plan, self.done);
            let last = first + count >= rows;
            sink.part(part, first, last)?;
            first += count;
            if last {
                return Ok(());
            }
        }
    }
}

/// The rows drawn so far: the part not yet stored, each row's parent, the codes assignment
/// reads (per assigned key, per column), and the parts stored.
struct Drawn<'a> {
    trained: &'a TrainedTable,
    /// Rows not yet stored, column by column.
    pending: Vec<Vec<Value>>,
    /// Rows stored.
    stored: usize,
    parents: Vec<Option<usize>>,
    codes: Vec<Option<Vec<Vec<u8>>>>,
    part_rows: usize,
    store: Store,
}

/// Where the parts wait: a temporary file, or memory for a table of a few parts (a file then
/// costs more than it saves).
enum Store {
    File(Spill),
    Memory(Vec<(usize, Vec<Column>)>),
}

/// Tables expected to have at most this many rows are held in memory in one part.
const SMALL_TABLE: usize = 4 * PART_ROWS;

impl<'a> Drawn<'a> {
    fn new(trained: &'a TrainedTable, expected_rows: usize) -> Result<Drawn<'a>> {
        let none = empty_columns(trained, 0);
        let (part_rows, store) = if expected_rows <= SMALL_TABLE {
            (usize::MAX, Store::Memory(Vec::new()))
        } else {
            (PART_ROWS, Store::File(Spill::new()?))
        };
        Ok(Drawn {
            trained,
            pending: vec![Vec::new(); trained.columns.len()],
            stored: 0,
            parents: Vec::new(),
            codes: trained
                .assigned
                .iter()
                .map(|distribution| distribution.child_codes(&none))
                .collect(),
            part_rows,
            store,
        })
    }

    /// Adds drawn rows; stores each full part.
    fn push(&mut self, rows: DrawnRows) -> Result<()> {
        self.parents.extend(rows.parents);
        for (pending, values) in self.pending.iter_mut().zip(rows.columns) {
            pending.extend(values);
        }
        while self.pending_rows() >= self.part_rows {
            let rest: Vec<Vec<Value>> = self
                .pending
                .iter_mut()
                .map(|values| values.split_off(self.part_rows))
                .collect();
            self.store()?;
            self.pending = rest;
        }
        Ok(())
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
        for (column, values) in columns.iter_mut().zip(&mut self.pending) {
            column.values = std::mem::take(values);
        }
        for (distribution, codes) in self.trained.assigned.iter().zip(&mut self.codes) {
            let (Some(codes), Some(part)) = (codes.as_mut(), distribution.child_codes(&columns))
            else {
                continue;
            };
            for (all, part) in codes.iter_mut().zip(part) {
                all.extend(part);
            }
        }
        match &mut self.store {
            Store::File(spill) => spill.write(count, &columns),
            Store::Memory(parts) => {
                parts.push((count, columns));
                Ok(())
            }
        }
    }
}

impl Store {
    /// The parts stored, from the first.
    fn read(self) -> Result<Parts> {
        Ok(match self {
            Store::File(spill) => Parts::File(spill.read()?),
            Store::Memory(parts) => Parts::Memory(parts.into_iter()),
        })
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
    file: BufWriter<File>,
    labels: Labels,
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

/// One value as the spill holds it.
#[derive(Serialize, Deserialize)]
enum Held {
    Null,
    Number(f64),
    Flag(bool),
    /// The column's shared label of this index.
    Shared(u32),
    Label(Box<str>),
}

impl Labels {
    fn hold(&mut self, column: usize, value: &Value) -> Held {
        match value {
            Value::Null => Held::Null,
            Value::Number(x) => Held::Number(*x),
            Value::Flag(flag) => Held::Flag(*flag),
            Value::Label(label) => {
                if self.columns.len() <= column {
                    self.columns.resize_with(column + 1, Default::default);
                }
                let (shared, index) = &mut self.columns[column];
                let address = Arc::as_ptr(label).cast::<u8>() as usize;
                if let Some(&at) = index.get(&address) {
                    return Held::Shared(at);
                }
                if shared.len() < MAX_SHARED {
                    // Held here, the string cannot be freed and its address reused.
                    index.insert(address, shared.len() as u32);
                    shared.push(Arc::clone(label));
                    return Held::Shared(shared.len() as u32 - 1);
                }
                Held::Label(Box::from(&**label))
            }
        }
    }

    fn value(&self, column: usize, held: Held) -> Option<Value> {
        Some(match held {
            Held::Null => Value::Null,
            Held::Number(x) => Value::Number(x),
            Held::Flag(flag) => Value::Flag(flag),
            Held::Shared(at) => {
                let (shared, _) = self.columns.get(column)?;
                Value::Label(Arc::clone(shared.get(at as usize)?))
            }
            Held::Label(label) => Value::Label(Arc::from(label)),
        })
    }
}

/// The parts of a [`Spill`], read back in order.
struct FileParts {
    file: BufReader<File>,
    labels: Labels,
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
        let file = tempfile::tempfile().map_err(spill_error)?;
        Ok(Spill {
            file: BufWriter::new(file),
            labels: Labels::default(),
        })
    }

    /// Appends a part: its row count and its columns' values.
    fn write(&mut self, rows: usize, columns: &[Column]) -> Result<()> {
        let held: Vec<Vec<Held>> = columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                column
                    .values
                    .iter()
                    .map(|value| self.labels.hold(index, value))
                    .collect()
            })
            .collect();
        let bytes = postcard::to_stdvec(&(rows as u64, held))
            .map_err(|err| spill_error(std::io::Error::other(err.to_string())))?;
        self.file
            .write_all(&(bytes.len() as u64).to_le_bytes())
            .and_then(|()| self.file.write_all(&bytes))
            .map_err(spill_error)
    }

    /// The parts written, from the first.
    fn read(self) -> Result<FileParts> {
        let mut file = self
            .file
            .into_inner()
            .map_err(|err| spill_error(err.into_error()))?;
        file.rewind().map_err(spill_error)?;
        Ok(FileParts {
            file: BufReader::new(file),
            labels: self.labels,
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
        let mut bytes = Vec::new();
        (&mut self.file)
            .take(length as u64)
            .read_to_end(&mut bytes)
            .map_err(spill_error)?;
        let corrupt = |message: String| spill_error(std::io::Error::other(message));
        let (rows, held): (u64, Vec<Vec<Held>>) =
            postcard::from_bytes(&bytes).map_err(|err| corrupt(err.to_string()))?;
        let values = held
            .into_iter()
            .enumerate()
            .map(|(column, held)| {
                held.into_iter()
                    .map(|held| self.labels.value(column, held))
                    .collect::<Option<Vec<Value>>>()
            })
            .collect::<Option<Vec<Vec<Value>>>>()
            .ok_or_else(|| corrupt("a label the temporary file does not hold".into()))?;
        Ok(Some((rows as usize, values)))
    }
}
