//! Loading the real tables: CSV reading, column types and the data rules of validation.
//!
//! A table arrives as text; it leaves as typed [`Column`]s of [`Value`]s that the models learn
//! from, plus the raw key columns that only validation and key mapping look at. Every problem
//! (missing file, malformed row, bad UTF-8, unknown column, wrong override, broken key) is
//! collected, never raised one at a time.

pub mod dialect;
pub use dialect::Dialect;
pub mod fingerprint;
pub mod shared;
mod text;
mod types;
mod written;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use indexmap::IndexMap;
use rayon::prelude::*;

pub use text::{ColumnTooLarge, TextColumn};
pub use types::{
    ValueFormat, check_pattern, infer_kind, parse_datetime, parse_value, second_step,
    stray_non_numbers, within_years_0_to_9999,
};
pub use written::{ValueWriter, Written};

use crate::error::{Problem, printable};
use crate::schema::{ColumnKind, Schema, TableDef};
use crate::stats::FastMap;

/// One cell of a modelled column. Numbers and datetimes (seconds since the epoch) are numbers;
/// categories, ids and text are labels; booleans are flags.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// An empty field.
    Null,
    /// A numerical value, or a datetime as seconds since 1970-01-01 00:00:00.
    Number(f64),
    /// A categorical, id or text value.
    Label(#[serde(deserialize_with = "shared::label")] Arc<str>),
    /// A boolean value.
    Flag(bool),
}

impl Value {
    /// The number inside, if any.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    /// Whether the cell is empty.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The order rows are sorted in (inside a sequence, inside a leaf): numbers ascending,
    /// labels alphabetically, nulls last; values of different kinds compare equal.
    pub fn order(&self, other: &Value) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
            (Value::Label(x), Value::Label(y)) => x.cmp(y),
            (Value::Flag(x), Value::Flag(y)) => x.cmp(y),
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            _ => Ordering::Equal,
        }
    }
}

/// A value's identity, for grouping rows by value in a hash map (a number by its bits, a
/// label by its text): one type for the rules' and the keys' groupings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKey<'a> {
    Null,
    Number(u64),
    Label(&'a str),
    Flag(bool),
}

impl<'a> ValueKey<'a> {
    /// The key of `value`.
    pub fn of(value: &'a Value) -> ValueKey<'a> {
        match value {
            Value::Null => ValueKey::Null,
            Value::Number(x) => ValueKey::Number(x.to_bits()),
            Value::Label(label) => ValueKey::Label(label),
            Value::Flag(flag) => ValueKey::Flag(*flag),
        }
    }
}

/// A modelled (non-key) column with its type and the way its values are written.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// The column type, inferred or overridden.
    pub kind: ColumnKind,
    /// How values are written back (integer, decimal places, datetime pattern, ...).
    pub format: ValueFormat,
    /// One value per row.
    pub values: Vec<Value>,
}

impl Column {
    /// The labels of a column, in row order (empty cells and values of other kinds left out).
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.values.iter().filter_map(|value| match value {
            Value::Label(text) => Some(text.as_ref()),
            _ => None,
        })
    }

    /// A categorical column of `values`, written as read: how unit tests plant one.
    #[cfg(test)]
    pub fn of_labels(name: &str, values: impl IntoIterator<Item = String>) -> Column {
        Column {
            name: name.into(),
            kind: crate::schema::ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: values.into_iter().map(|v| Value::Label(v.into())).collect(),
        }
    }

    /// The column's name, type and format with `values` (a part of a table, or its rows
    /// picked).
    pub fn with_values(&self, values: Vec<Value>) -> Column {
        Column {
            name: self.name.clone(),
            kind: self.kind,
            format: self.format.clone(),
            values,
        }
    }
}

/// A real table, loaded and typed.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's name in the schema.
    pub name: String,
    /// The CSV header in file order (the output keeps it).
    pub header: Vec<String>,
    /// The line in the CSV file where each row starts, or the row's number in a database
    /// table or Parquet file (for messages; `place` says which).
    pub lines: Vec<u64>,
    /// What `lines` count.
    pub place: RowPlace,
    /// Primary and foreign key columns, as text; empty fields are `None`.
    pub keys: IndexMap<String, TextColumn>,
    /// The modelled columns, in header order.
    pub columns: Vec<Column>,
    /// How the CSV file read writes its fields and numbers (commas for any other source): the
    /// synthetic copy is written the same way.
    pub dialect: Dialect,
}

/// What a row's number counts in messages: a CSV file's lines (a record may span several, and
/// the header is line 1), or the rows of a database table or a Parquet file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowPlace {
    #[default]
    Line,
    Row,
}

impl RowPlace {
    /// `line 7` or `row 7`.
    pub fn at(self, number: u64) -> String {
        format!("{} {number}", self.word())
    }

    /// `line` or `row`.
    pub fn word(self) -> &'static str {
        match self {
            RowPlace::Line => "line",
            RowPlace::Row => "row",
        }
    }
}

impl Table {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The modelled column with this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// The table cut down to `rows` (indices, in the order given), keys and lines included:
    /// what a model of a large table trains on.
    pub fn subset(&self, rows: &[usize]) -> Table {
        let pick = |values: &[Value]| rows.iter().map(|&row| values[row].clone()).collect();
        Table {
            name: self.name.clone(),
            header: self.header.clone(),
            lines: rows.iter().map(|&row| self.lines[row]).collect(),
            place: self.place,
            dialect: self.dialect.clone(),
            keys: self
                .keys
                .iter()
                .map(|(name, keys)| {
                    let mut picked = TextColumn::default();
                    for &row in rows {
                        // A subset is never longer than the column it comes from.
                        let _ = picked.push(keys.get(row));
                    }
                    (name.clone(), picked)
                })
                .collect(),
            columns: self
                .columns
                .iter()
                .map(|column| column.with_values(pick(&column.values)))
                .collect(),
        }
    }
}

/// `x.floor()`, to the bit, without the call into a floor written in software that `floor()`
/// is on x86-64's baseline (no SSE4.1): datetimes are floored to whole seconds several times
/// per value drawn and once per value written. A cast truncates toward zero; below zero, one
/// less when it cut a fraction.
pub(crate) fn floor(x: f64) -> f64 {
    // From 2^52 on every double is whole; NaN and the infinities fail the test too.
    if x.abs() < 4_503_599_627_370_496.0 {
        let whole = x as i64 as f64;
        if whole == x {
            // `x` itself, so that -0.0 stays -0.0.
            x
        } else if whole > x {
            whole - 1.0
        } else {
            whole
        }
    } else {
        x.floor()
    }
}

/// What `validate` should point out about a valid table: columns whose type hangs on a few
/// values (a numeric column that one stray word made a label column).
pub fn notes(table: &Table) -> Vec<String> {
    table
        .columns
        .iter()
        .filter_map(|column| {
            let (strays, row) = stray_non_numbers(column)?;
            let Value::Label(text) = &column.values[row] else {
                return None;
            };
            let at = table.place.at(table.lines.get(row).copied().unwrap_or(0));
            let others = if strays > 1 {
                format!(
                    " and {} other value{}",
                    strays - 1,
                    if strays > 2 { "s" } else { "" }
                )
            } else {
                String::new()
            };
            Some(format!(
                "table `{}`, column `{}` is {} although its values are numbers but for `{}` \
                 ({at}){others}; fix those values, or declare the column `numerical` to \
                 have each one reported",
                table.name,
                column.name,
                column.kind,
                crate::error::printable(text)
            ))
        })
        .collect()
}

/// Which rows of a large table loading keeps the values of: every value is still read and
/// checked, but only a sample's are kept (see [`load_sampled`]).
#[derive(Debug, Clone)]
pub struct SampleRule {
    /// A table with more rows than this keeps the values of about this many.
    pub limit: usize,
    /// For a table of sequences, the key column whose value names a row's sequence: whole
    /// sequences are kept or left out.
    pub by: Option<String>,
    /// Whether every row's [`fingerprint`] is kept too (to find copies of any real row, not
    /// only of the sample's).
    pub fingerprints: bool,
}

/// A table loaded as a sample: its every row's keys and lines (for key checks and children
/// counts), and which of its rows the loaded table holds.
#[derive(Debug, Clone)]
pub struct Sampled {
    /// Every row of the table, keys and lines only (no modelled columns).
    pub all: Table,
    /// The rows of `all` the loaded table holds, ascending.
    pub rows: Vec<usize>,
    /// Every row's [`fingerprint`] over the modelled columns, when the rule asked for them
    /// (else empty).
    pub fingerprints: Vec<u64>,
    /// The rule the sample was drawn by.
    pub rule: SampleRule,
}

/// Every table of a schema, loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The tables that could be read, by name (schema order); a sampled table holds its
    /// sample's rows only, keys and lines included, so every table is whole in itself.
    pub tables: IndexMap<String, Table>,
    /// The tables loaded as a sample, by name.
    pub sampled: IndexMap<String, Sampled>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Loads every table of the schema (in parallel), returning the tables that loaded and every
/// problem found. A table that could not be read is missing from the map.
pub fn load_all(schema: &Schema) -> (IndexMap<String, Table>, Vec<Problem>) {
    let loaded = load_sampled(schema, &HashMap::new());
    (loaded.tables, loaded.problems)
}

/// [`load_all`], keeping of each table `samples` names only the values of a seeded sample of
/// its rows when it has more rows than its rule's limit. Every value is read and checked all
/// the same; the memory kept follows the sample, not the file.
pub fn load_sampled(schema: &Schema, samples: &HashMap<String, SampleRule>) -> Loaded {
    let reads = crate::input::read_all(schema);
    let results: Vec<(Option<LoadedTable>, Vec<Problem>)> = schema
        .tables
        .par_iter()
        .zip(reads)
        .map(|(def, read)| load_read(def, read, samples.get(&def.name)))
        .collect();
    let mut loaded = Loaded::default();
    for (table, table_problems) in results {
        loaded.problems.extend(table_problems);
        if let Some((table, sampled)) = table {
            if let Some(sampled) = sampled {
                loaded.sampled.insert(table.name.clone(), sampled);
            }
            loaded.tables.insert(table.name.clone(), table);
        }
    }
    loaded
}

/// Reads one table; returns it (if readable) and its problems.
pub fn load_table(def: &TableDef) -> (Option<Table>, Vec<Problem>) {
    let (table, problems) = load_table_sampled(def, None);
    (table.map(|(table, _)| table), problems)
}

/// [`load_table`], keeping only a sample's values when `rule` says so (as [`load_sampled`]
/// does): the table, with its every row's keys when it holds a sample.
pub fn load_table_sampled(
    def: &TableDef,
    rule: Option<&SampleRule>,
) -> (Option<(Table, Option<Sampled>)>, Vec<Problem>) {
    load_read(def, crate::input::read_table(def), rule)
}

/// A loaded table, with its every row's keys when it holds a sample.
type LoadedTable = (Table, Option<Sampled>);

/// The rows of a packed table a sample rule keeps (`None`: every row).
fn sample_of(name: &str, raw: &PackedTable, rule: &SampleRule) -> Option<Vec<usize>> {
    let rows = raw.lines.len();
    if rows <= rule.limit {
        return None;
    }
    let by = rule
        .by
        .as_ref()
        .and_then(|by| raw.header.iter().position(|name| name == by));
    let mut rng = crate::sampling::rng_for(crate::sampling::SAMPLE_SEED, name);
    Some(match by {
        Some(column) => {
            let share = rule.limit as f64 / rows as f64;
            let seed = crate::sampling::SAMPLE_SEED;
            let keys = &raw.columns[column];
            (0..rows)
                .filter(|&row| match keys.get(row) {
                    Some(key) => crate::sampling::group_in_sample(key, share, seed),
                    None => rand::RngExt::random::<f64>(&mut rng) < share,
                })
                .collect()
        }
        None => crate::sampling::sample_rows(rows, rule.limit, &mut rng),
    })
}

/// Types one table read by [`crate::input`] (or its CSV file, read here), keeping the values
/// of a sample of its rows when `rule` says so.
fn load_read(
    def: &TableDef,
    read: crate::input::Read,
    rule: Option<&SampleRule>,
) -> (Option<LoadedTable>, Vec<Problem>) {
    let mut problems = Vec::new();
    let (raw, hinted) = match text_of(def, read) {
        Ok(read) => read,
        Err(problems) => return (None, problems),
    };
    let def = hinted.as_ref().unwrap_or(def);
    check_header(def, &raw.header, &mut problems);
    if raw.lines.is_empty() {
        problems.push(Problem::table(
            &def.name,
            "path",
            format!(
                "`{}` has a header but no rows: there is nothing to learn from",
                def.path_as_written.display()
            ),
        ));
    }
    let sample = rule.and_then(|rule| sample_of(&def.name, &raw, rule));
    let with_fingerprints = matches!((&sample, rule), (Some(_), Some(rule)) if rule.fingerprints);
    let typed = type_columns(
        def,
        raw.header.iter().zip(raw.columns),
        (&raw.lines, raw.place),
        sample.as_deref(),
        with_fingerprints,
    );
    let (keys, fingerprints) = (typed.keys, typed.fingerprints);
    let mut columns = Vec::new();
    for column in typed.columns {
        match column {
            Ok(column) => columns.push(column),
            Err(problem) => problems.push(problem),
        }
    }
    let table = Table {
        name: def.name.clone(),
        header: raw.header,
        lines: raw.lines,
        place: raw.place,
        keys,
        columns: Vec::new(),
        dialect: raw.dialect,
    };
    let loaded = match (sample, rule) {
        (Some(rows), Some(rule)) => {
            let mut view = table.subset(&rows);
            view.columns = columns;
            let sampled = Sampled {
                all: table,
                rows,
                fingerprints,
                rule: rule.clone(),
            };
            (view, Some(sampled))
        }
        _ => (Table { columns, ..table }, None),
    };
    (Some(loaded), problems)
}

/// A table's columns once typed by [`type_columns`].
struct TypedColumns {
    /// The key columns, as text.
    keys: IndexMap<String, TextColumn>,
    /// The other columns typed (or the problem that stopped one), in header order.
    columns: Vec<Result<Column, Problem>>,
    /// Every row's fingerprint over the typed columns, when asked for (else empty).
    fingerprints: Vec<u64>,
}

/// Types a table's columns on every core (TPC-H sf1 `lineitem`'s 16 columns took 8 of
/// `train`'s 30 s on one), each one's text freed once it is typed. A fingerprint is a sum of
/// its cells' hashes, so each column adds its share as it goes and the sums are the same in
/// any order.
fn type_columns<'a>(
    def: &TableDef,
    raw: impl Iterator<Item = (&'a String, TextColumn)>,
    lines: (&[u64], RowPlace),
    sample: Option<&[usize]>,
    with_fingerprints: bool,
) -> TypedColumns {
    let mut keys = IndexMap::new();
    let mut others = Vec::new();
    for (name, cells) in raw {
        if def.is_key(name) {
            keys.insert(name.clone(), cells);
        } else {
            others.push((name, cells));
        }
    }
    let rows = if with_fingerprints { lines.0.len() } else { 0 };
    let sums: Vec<AtomicU64> = (0..rows).map(|_| AtomicU64::new(0)).collect();
    let all = with_fingerprints.then_some(sums.as_slice());
    let columns = others
        .into_par_iter()
        .map(|(name, cells)| types::type_column(def, name, &cells, lines, sample, all))
        .collect();
    TypedColumns {
        keys,
        columns,
        fingerprints: sums.into_iter().map(AtomicU64::into_inner).collect(),
    }
}

/// A table as text from wherever it lives, with its definition refined by the types its source
/// declares (when it is not a CSV file).
fn text_of(
    def: &TableDef,
    read: crate::input::Read,
) -> Result<(PackedTable, Option<TableDef>), Vec<Problem>> {
    use crate::input::Read;
    match read {
        Read::Csv => read_csv_packed(&def.name, &def.path, &def.path_as_written, &known(def))
            .map(|raw| (raw, None))
            .map_err(|p| vec![p]),
        Read::Failed(problem) => Err(problem.into_iter().collect()),
        Read::Text(text) => {
            let hinted = crate::input::hinted(def, &text);
            let columns = text
                .cells
                .into_iter()
                .map(TextColumn::from_cells)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| vec![too_large(&def.name, &def.path_as_written.display())])?;
            let raw = PackedTable {
                header: text.header,
                lines: text.lines,
                place: RowPlace::Row,
                columns,
                dialect: Dialect::default(),
            };
            Ok((raw, Some(hinted)))
        }
    }
}

/// A table's text as it is loaded: one packed [`TextColumn`] per column.
struct PackedTable {
    header: Vec<String>,
    lines: Vec<u64>,
    place: RowPlace,
    columns: Vec<TextColumn>,
    /// How the CSV file read writes its fields and numbers (commas for any other source).
    dialect: Dialect,
}

impl PackedTable {
    fn into_raw(self) -> RawTable {
        RawTable {
            header: self.header,
            lines: self.lines,
            cells: self.columns,
            dialect: self.dialect,
        }
    }
}

fn too_large(table: &str, shown: &impl std::fmt::Display) -> Problem {
    Problem::table(
        table,
        "path",
        format!("`{shown}` has a column of more than 4 GiB of text, more than dxsynth reads"),
    )
}

/// Reads a table as text from wherever it lives (a CSV or Parquet file, a database table).
pub fn read_text(def: &TableDef) -> Result<RawTable, Problem> {
    text_of(def, crate::input::read_table(def))
        .map(|(raw, _)| raw.into_raw())
        .map_err(|mut problems| {
            problems
                .pop()
                .unwrap_or_else(|| Problem::table(&def.name, "source", "cannot be read"))
        })
}

/// A CSV file as text, column by column (also what `init` infers a schema from).
pub struct RawTable {
    /// The header, names trimmed.
    pub header: Vec<String>,
    /// The line in the file where each row starts.
    pub lines: Vec<u64>,
    /// One column of cells per column, packed ([`TextColumn`]: a 1 GB file read takes about
    /// its size); empty fields (after trimming) are `None`.
    pub cells: Vec<TextColumn>,
    /// How the file writes its fields and numbers ([`dialect`]).
    pub dialect: Dialect,
}

/// Reads a table's CSV as text; a file that cannot be read or parsed is one problem naming the
/// file and line. Used by loading and by `init`, so both see exactly the same cells.
pub fn read_csv(def: &TableDef) -> Result<RawTable, Problem> {
    read_csv_packed(&def.name, &def.path, &def.path_as_written, &known(def))
        .map(PackedTable::into_raw)
}

/// What a table's definition says of its CSV file's dialect.
fn known(def: &TableDef) -> dialect::Known {
    let keys = def.primary_key.iter();
    let keys = keys.chain(def.foreign_keys.iter().map(|fk| &fk.column));
    dialect::Known {
        delimiter: def.delimiter,
        numbers: def.numbers.clone(),
        keys: keys.cloned().collect(),
    }
}

/// Reads the CSV file at `path` as the text of `table` (`shown`: the path as messages show it),
/// its fields separated as its header line shows, with what else is `known` of its dialect.
pub fn read_csv_at(
    table: &str,
    path: &Path,
    shown: &Path,
    known: &dialect::Known,
) -> Result<RawTable, Problem> {
    read_csv_packed(table, path, shown, known).map(PackedTable::into_raw)
}

/// [`read_csv_at`], each column packed (what loading keeps until a column is typed).
fn read_csv_packed(
    table: &str,
    path: &Path,
    shown: &Path,
    known: &dialect::Known,
) -> Result<PackedTable, Problem> {
    let given = known.delimiter;
    let shown = shown.display();
    let problem = |message: String| Problem::table(table, "path", message);
    crate::files::regular_file(path).map_err(|err| problem(format!("`{shown}` {err}")))?;
    let file = std::fs::File::open(path)
        .map_err(|err| problem(format!("cannot open `{shown}`: {err}")))?;
    let delimiter = dialect::delimiter_of(path, given);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(delimiter)
        .from_reader(LineBreaks::new(file));
    let raw_header = reader
        .headers()
        .map_err(|err| problem(format!("`{shown}`: {}", describe_csv(&err, None))))?
        .clone();
    let header: Vec<String> = raw_header
        .iter()
        .map(|name| name.trim().to_string())
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        // `,,` names three columns, all blank; a line with nothing on it names none.
        let blank = raw_header.len() > 1 || raw_header.iter().any(|name| !name.is_empty());
        return Err(problem(if blank {
            format!(
                "the header (first line) of `{shown}` has only blanks: it must name the columns"
            )
        } else {
            format!("`{shown}` is empty: the first line must be a header")
        }));
    }
    let mut columns: Vec<TextColumn> = vec![TextColumn::default(); header.len()];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut last = (0, 1);
    let body_start = reader.position().byte();
    let file_bytes = std::fs::metadata(path).map_or(0, |meta| meta.len());
    // Lines whose fields do not match the header: every one is counted, the first few shown,
    // and the file read on (a file had its second ragged line found only once the first was
    // mended).
    let mut ragged = FirstFew::default();
    loop {
        let line = reader.position().line();
        let start = (reader.position().byte(), line);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => last = start,
            Err(err) => {
                if let Some(opened) = unterminated_quote(path, start, delimiter) {
                    return Err(problem(unclosed(&shown, opened)));
                }
                let line = reader.get_mut().line_at(start.0);
                if matches!(err.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    last = start;
                    ragged.add(|| describe_csv(&err, Some(line)));
                    continue;
                }
                let message = format!("`{shown}`: {}", describe_csv(&err, Some(line)));
                return Err(match failing_column(&err, &header) {
                    Some(column) => Problem::column(table, column, "path", message),
                    None => problem(message),
                });
            }
        }
        if ragged.any() {
            continue;
        }
        lines.push(reader.get_mut().line_at(start.0));
        for (column, field) in columns.iter_mut().zip(record.iter()) {
            column
                .push(Some(field.trim()))
                .map_err(|_| too_large(table, &shown))?;
        }
        if lines.len() == ROWS_BEFORE_ESTIMATE {
            let read = reader.position().byte().saturating_sub(body_start);
            make_room(
                &mut columns,
                &mut lines,
                read,
                file_bytes.saturating_sub(body_start),
            );
        }
    }
    // A quote that never closes swallows the rest of the file into the last record (csv reads
    // it without complaint): only the last record (or the header) can hold one.
    if let Some(opened) = unterminated_quote(path, last, delimiter) {
        return Err(problem(unclosed(&shown, opened)));
    }
    if ragged.any() {
        let mut message = match ragged.count {
            1 => format!("`{shown}`: {}", ragged.list()),
            count => format!(
                "`{shown}`: {count} lines do not fit the header: {}",
                ragged.list()
            ),
        };
        // One column read, or a delimiter other than commas: the header may mislead.
        let guessed = delimiter != b',' || header.len() == 1;
        if given.is_none() && guessed {
            message += &dialect::shown_by_header(delimiter);
        }
        return Err(problem(message));
    }
    let (columns, dialect) = dialect::with_decimal_points((delimiter, known), &header, columns)
        .map_err(|_| too_large(table, &shown))?;
    Ok(PackedTable {
        header,
        lines,
        place: RowPlace::Line,
        columns,
        dialect,
    })
}

/// A CSV file as csv reads it, noting where its line breaks are, so that a record's line is the
/// line its first field is on. csv's own record position is taken before the line breaks that
/// precede the record are skipped: after a CRLF record (csv ends it at the `\r`, its `\n` is
/// read with the next record) or a blank line, the next record was reported one line early.
struct LineBreaks<R> {
    inner: R,
    /// Bytes handed to csv so far.
    read: u64,
    /// Offsets (and bytes) of the `\r` and `\n` handed to csv and not yet passed by a record.
    pending: std::collections::VecDeque<(u64, u8)>,
    /// Line ends before the last record asked about: `\n`, `\r\n` and a lone `\r`.
    newlines: u64,
}

impl<R> LineBreaks<R> {
    fn new(inner: R) -> LineBreaks<R> {
        LineBreaks {
            inner,
            read: 0,
            pending: std::collections::VecDeque::new(),
            newlines: 0,
        }
    }

    /// The line of the record csv placed at byte `start`: its first field is past the run of
    /// line breaks that begins there. Records are asked about in file order, each after csv
    /// read it whole (so its breaks were handed over).
    fn line_at(&mut self, start: u64) -> u64 {
        let mut next = start;
        while let Some(&(offset, byte)) = self.pending.front() {
            if offset >= start {
                if offset != next {
                    break;
                }
                next += 1;
            }
            self.pending.pop_front();
            // A `\r` ends a line unless a `\n` follows (CRLF counts once): files written with
            // lone `\r` (old Mac) are read as csv reads them, a record per line. The byte after
            // a break before `start` was read with the record, so the check is sound.
            let crlf = self.pending.front() == Some(&(offset + 1, b'\n'));
            self.newlines += u64::from(byte == b'\n' || (byte == b'\r' && !crlf));
        }
        self.newlines + 1
    }
}

impl<R: std::io::Read> std::io::Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = self.read;
        self.pending.extend(
            memchr::memchr2_iter(b'\r', b'\n', &buf[..n]).map(|i| (read + i as u64, buf[i])),
        );
        self.read += n as u64;
        Ok(n)
    }
}

/// Rows read before the room a file's columns need is estimated.
const ROWS_BEFORE_ESTIMATE: usize = 4096;

/// Makes room in each column (and the line numbers) for the rows of a file whose first
/// `lines.len()` rows took `read` of its `body` bytes, by the share of text each column had in
/// them, plus 5%: the columns then fill in place (see [`TextColumn::reserve`]).
fn make_room(columns: &mut [TextColumn], lines: &mut Vec<u64>, read: u64, body: u64) {
    let read_rows = lines.len();
    if read == 0 || body <= read {
        return;
    }
    let scale = body as f64 / read as f64 * 1.05;
    let rows = (read_rows as f64 * scale) as usize;
    lines.reserve(rows.saturating_sub(read_rows));
    for column in columns {
        let bytes = (column.text_len() as f64 * scale) as usize;
        column.reserve(rows, bytes);
    }
}

fn unclosed(shown: &impl std::fmt::Display, line: u64) -> String {
    format!(
        "`{shown}`: the quoted field opened on line {line} never closes, so every line after \
         it would be read into that one field; close the quote (a quote inside a quoted field \
         is written twice: `\"\"`)"
    )
}

/// The line where a quoted field opens that is still open at the end of the file, reading from
/// byte `from` (the start of the last record, on line `line`). Quoting as the csv crate reads it:
/// a quote opens a field only at its start (after `delimiter` or a line break), and `""` inside
/// a quoted field is a quote.
fn unterminated_quote(
    path: &std::path::Path,
    (from, line): (u64, u64),
    delimiter: u8,
) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let (mut line, mut opened) = (line, None);
    let mut field_start = true;
    let mut iter = bytes.iter().peekable();
    while let Some(&byte) = iter.next() {
        match (opened, byte) {
            (None, b'"') if field_start => opened = Some(line),
            (Some(_), b'"') if iter.peek() == Some(&&b'"') => {
                iter.next();
            }
            (Some(_), b'"') => opened = None,
            _ => {}
        }
        if byte == b'\n' || (byte == b'\r' && iter.peek() != Some(&&b'\n')) {
            line += 1;
        }
        field_start = opened.is_none() && (matches!(byte, b'\n' | b'\r') || byte == delimiter);
    }
    opened
}

/// Rewords csv's errors so they say the line (`line`: the record's line as [`LineBreaks`] counts
/// it, else csv's) and what to do.
fn describe_csv(err: &csv::Error, line: Option<u64>) -> String {
    let line =
        |pos: &Option<csv::Position>| line.or(pos.as_ref().map(csv::Position::line)).unwrap_or(0);
    match err.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { pos, err } => {
            format!(
                "invalid UTF-8 in field {} at line {} (save the file as UTF-8)",
                err.field() + 1,
                line(pos)
            )
        }
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {} has {len} fields but the header has {expected_len}",
            line(pos)
        ),
        _ => err.to_string(),
    }
}

/// The column a UTF-8 error sits in, when the header names it.
fn failing_column<'h>(err: &csv::Error, header: &'h [String]) -> Option<&'h str> {
    match err.kind() {
        csv::ErrorKind::Utf8 { err, .. } => header.get(err.field()).map(String::as_str),
        _ => None,
    }
}

fn check_header(def: &TableDef, header: &[String], problems: &mut Vec<Problem>) {
    // Where the column names come from, as the user knows it.
    let names = if def.source.is_some() {
        "the database table"
    } else if crate::input::is_parquet(&def.path) {
        "the Parquet schema"
    } else {
        "the CSV header"
    };
    let mut seen = HashSet::new();
    for (place, name) in header.iter().enumerate() {
        if name.is_empty() {
            problems.push(Problem::table(
                &def.name,
                "path",
                format!(
                    "column {} of {names} has no name: name it (a blank name cannot be \
                     overridden, kept or written back)",
                    place + 1
                ),
            ));
            continue;
        }
        if name.chars().any(char::is_control) {
            problems.push(Problem::column(
                &def.name,
                &crate::error::printable(name),
                "path",
                "the column name holds control characters (tabs, line breaks, escape codes): \
                 rename the column",
            ));
        }
        if !seen.insert(name.as_str()) {
            problems.push(Problem::column(
                &def.name,
                name,
                "path",
                format!("{names} has this column twice"),
            ));
        }
    }
    for (column, parameter) in def.named_columns() {
        if !header.iter().any(|name| name == column) {
            problems.push(Problem::column(
                &def.name,
                column,
                parameter,
                format!(
                    "no such column in `{}`{}",
                    def.path_as_written.display(),
                    suggestion(column, header)
                ),
            ));
        }
    }
}

/// " (did you mean `x`?)" for a near miss, else the list of columns.
fn suggestion(column: &str, header: &[String]) -> String {
    let closest = header
        .iter()
        .map(|name| (strsim::levenshtein(column, name), name))
        .filter(|(distance, _)| *distance <= 2)
        .min();
    match closest {
        Some((_, name)) => format!(" (did you mean `{name}`?)"),
        None => format!(" (columns: {})", header.join(", ")),
    }
}

/// Checks primary keys (unique, non-null) and that foreign keys reference existing parents.
pub fn check_keys(schema: &Schema, tables: &IndexMap<String, Table>) -> Vec<Problem> {
    check_all_keys(schema, tables, &IndexMap::new())
}

/// [`check_keys`] over every row of the tables loaded as a sample (`sampled`).
pub fn check_all_keys(
    schema: &Schema,
    tables: &IndexMap<String, Table>,
    sampled: &IndexMap<String, Sampled>,
) -> Vec<Problem> {
    let whole = |name: &str| {
        sampled
            .get(name)
            .map(|sampled| &sampled.all)
            .or_else(|| tables.get(name))
    };
    // Every table's primary key, then every foreign key, each on its own core: TPC-H sf1
    // `lineitem`'s three keys are 6 million lookups each.
    let primary: Vec<(&str, KeySet<'_>, Vec<Problem>)> = schema
        .tables
        .par_iter()
        .filter_map(|def| {
            let table = whole(&def.name)?;
            let pk = def.primary_key.as_ref()?;
            let values = table.keys.get(pk)?;
            let (known, problems) = check_primary_key(table, pk, values);
            Some((def.name.as_str(), known, problems))
        })
        .collect();
    let mut problems = Vec::new();
    let mut parent_keys: HashMap<&str, KeySet<'_>> = HashMap::new();
    for (name, known, found) in primary {
        problems.extend(found);
        parent_keys.insert(name, known);
    }
    let foreign: Vec<(&Table, &crate::schema::ForeignKey)> = schema
        .tables
        .iter()
        .filter_map(|def| Some((whole(&def.name)?, def)))
        .flat_map(|(table, def)| def.foreign_keys.iter().map(move |fk| (table, fk)))
        .collect();
    let dangling: Vec<Option<Problem>> = foreign
        .par_iter()
        .map(|&(table, fk)| {
            let values = table.keys.get(&fk.column)?;
            let known = parent_keys.get(fk.parent.as_str())?;
            check_foreign_key(table, &fk.column, &fk.parent, values, known)
        })
        .collect();
    problems.extend(dangling.into_iter().flatten());
    problems
}

/// A primary key's values, each with the line it is first on.
type KeySet<'a> = FastMap<&'a str, u64>;

/// A primary key's values (for the foreign keys to look up), and the problems of its empty and
/// its repeated values.
fn check_primary_key<'a>(
    table: &Table,
    pk: &str,
    values: &'a TextColumn,
) -> (KeySet<'a>, Vec<Problem>) {
    let problem = |message: String| Problem::column(&table.name, pk, "primary_key", message);
    let mut empty = FirstFew::default();
    let mut first_seen = KeySet::default();
    let mut duplicates = FirstFew::default();
    for (value, line) in values.iter().zip(&table.lines) {
        let Some(value) = value else {
            empty.add(|| *line);
            continue;
        };
        match first_seen.entry(value) {
            Entry::Occupied(first) => {
                let first = *first.get();
                let word = table.place.word();
                duplicates.add(|| format!("`{}` on {word}s {first} and {line}", printable(value)));
            }
            Entry::Vacant(slot) => {
                slot.insert(*line);
            }
        }
    }
    let empty = empty.any().then(|| {
        problem(format!(
            "{} an empty primary key ({}{} {})",
            counted(empty.count, "row has", "rows have"),
            table.place.word(),
            if empty.count == 1 { "" } else { "s" },
            empty.list()
        ))
    });
    let duplicates = duplicates.any().then(|| {
        problem(format!(
            "{}; a primary key must be unique, e.g. {}",
            counted(duplicates.count, "duplicate value", "duplicate values"),
            duplicates.list()
        ))
    });
    (first_seen, empty.into_iter().chain(duplicates).collect())
}

fn check_foreign_key(
    table: &Table,
    column: &str,
    parent: &str,
    values: &TextColumn,
    known: &KeySet<'_>,
) -> Option<Problem> {
    let mut dangling = FirstFew::default();
    for (value, line) in values.iter().zip(&table.lines) {
        match value {
            Some(value) if !known.contains_key(value) => {
                dangling.add(|| format!("`{}` ({})", printable(value), table.place.at(*line)));
            }
            _ => {}
        }
    }
    dangling.any().then(|| {
        Problem::column(
            &table.name,
            column,
            "foreign_keys",
            format!(
                "{} not exist in the primary key of `{parent}`, e.g. {}",
                counted(dangling.count, "value does", "values do"),
                dangling.list()
            ),
        )
    })
}

/// How many items a problem is about, and the first few of them to show: a file of millions of
/// bad keys is reported without a string for each.
struct FirstFew<T> {
    count: usize,
    first: Vec<T>,
}

impl<T> Default for FirstFew<T> {
    fn default() -> Self {
        FirstFew {
            count: 0,
            first: Vec::new(),
        }
    }
}

impl<T: ToString> FirstFew<T> {
    /// Items shown.
    const SHOWN: usize = 3;

    /// Counts one more item, made only when it is among the first few.
    fn add(&mut self, item: impl FnOnce() -> T) {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            self.first.push(item());
        }
    }

    fn any(&self) -> bool {
        self.count > 0
    }

    /// The first few, then `...` when there are more.
    fn list(&self) -> String {
        let mut shown: Vec<String> = self.first.iter().map(T::to_string).collect();
        if self.count > self.first.len() {
            shown.push("...".to_string());
        }
        shown.join(", ")
    }
}

/// "1 value does" / "3 values do".
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns typed at once add their shares to the rows' fingerprints: the sums are those of
    /// the whole table's columns, whatever order the columns were typed in.
    #[test]
    fn a_sample_keeps_every_rows_fingerprint() {
        let folder = tempfile::tempdir().expect("a folder");
        let mut csv = String::from("id,amount,city,when,flag\n");
        for row in 0..300 {
            let when = format!("2020-01-{:02}", row % 28 + 1);
            csv += &format!(
                "{row},{}.5,c{},{when},{}\n",
                row % 17,
                row % 5,
                row % 2 == 0
            );
        }
        std::fs::write(folder.path().join("t.csv"), csv).expect("written");
        let schema = Schema::parse(
            "tables:\n  t: {path: t.csv, primary_key: id}\n",
            &folder.path().join("s.yaml"),
            folder.path(),
        )
        .expect("valid");
        let def = &schema.tables[0];
        let (whole, _) = load_table(def);
        let whole = whole.expect("loaded");
        let rule = SampleRule {
            limit: 50,
            by: None,
            fingerprints: true,
        };
        let (loaded, problems) = load_table_sampled(def, Some(&rule));
        assert!(problems.is_empty(), "{problems:?}");
        let (table, sampled) = loaded.expect("loaded");
        let sampled = sampled.expect("a sample");
        assert!(table.rows() < 300, "a sample: {} rows", table.rows());
        let columns: Vec<&Column> = whole.columns.iter().collect();
        assert_eq!(columns.len(), 4);
        assert_eq!(sampled.fingerprints, fingerprint::of_rows(&columns, 300));
    }

    #[test]
    fn a_record_is_on_the_line_its_first_field_is_on() {
        let lines = |text: &str| {
            let mut reader = csv::Reader::from_reader(LineBreaks::new(text.as_bytes()));
            reader.headers().expect("a header");
            let mut record = csv::StringRecord::new();
            let mut lines = Vec::new();
            loop {
                let start = reader.position().byte();
                if !reader.read_record(&mut record).expect("a record") {
                    return lines;
                }
                lines.push(reader.get_mut().line_at(start));
            }
        };
        assert_eq!(lines("h\n1\n2\n\n\n3\n"), [2, 3, 6]);
        assert_eq!(lines("h\r\n1\r\n\"a\r\nb\"\r\n\r\n3\r\n4"), [2, 3, 6, 7]);
        assert_eq!(lines("h,g\n\"\n\",x\n2,y\n"), [2, 4]);
    }

    #[test]
    fn floor_is_the_floor_of_every_kind_of_number() {
        let mut numbers = vec![
            0.0,
            -0.0,
            0.3,
            -0.3,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.5,
            -2.5,
            0.999_999_999_999_999_9,
            -0.999_999_999_999_999_9,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9.3e18,
            -9.3e18,
            1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // Datetimes of 1900 to 2100 with fractions of a second, and numbers of every size.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            numbers.push(-2.2e9 + unit * 6.3e9);
            numbers.push(f64::from_bits(state));
        }
        for x in numbers {
            let (ours, theirs) = (floor(x), x.floor());
            assert!(
                ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()),
                "{x:e}: {ours:e} against {theirs:e}"
            );
        }
    }

    #[test]
    fn room_is_made_for_the_rows_the_rest_of_the_file_holds() {
        // 100 rows of 10 bytes read, of a 10,000-byte body: about 1,000 rows in all.
        let mut columns = vec![TextColumn::default(), TextColumn::default()];
        let mut lines: Vec<u64> = (0..100).collect();
        for row in 0..100 {
            columns[0].push(Some("abc")).expect("small");
            columns[1]
                .push(Some(if row % 2 == 0 { "" } else { "x" }))
                .expect("small");
        }
        make_room(&mut columns, &mut lines, 1_000, 10_000);
        assert!(
            (1_000..1_200).contains(&lines.capacity()),
            "{}",
            lines.capacity()
        );
        assert!(
            (3_000..3_500).contains(&columns[0].text_capacity()),
            "{}",
            columns[0].text_capacity()
        );
        // Nothing read, or the whole file read: nothing to estimate.
        let mut lines: Vec<u64> = Vec::new();
        make_room(&mut columns, &mut lines, 0, 10_000);
        assert_eq!(lines.capacity(), 0);
    }
}
