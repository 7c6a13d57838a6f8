//! Reading a synthetic copy as the real database is read, wherever `run` wrote it: a folder's
//! `<table>.csv` (`.tsv`, `.parquet`) for every table of the schema, or the table of that
//! name in a SQLite or PostgreSQL database; each column parsed with the type (and datetime
//! pattern) inferred from the real table, so real and synthetic values compare one to one.
//!
//! A missing file, an unreadable file, a header without the real table's columns or a value the
//! real type cannot read is invalid input: every such problem is collected and returned at once,
//! as for a bad schema. Differences that still allow a comparison — columns in another order,
//! integers written as decimals, another boolean spelling or datetime format — are not errors:
//! they are measured by the *structure* validity check.
//!
//! A table the real side was read as a sample of ([`Validated::sampled`]) is read the same
//! way: a seeded sample's values (whole sequences), every row's keys and fingerprints.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rayon::prelude::*;

use crate::data::{self, Dialect, SampleRule, Sampled, Table, ValueFormat};
use crate::error::{Error, Problem, Result};
use crate::location::Location;
use crate::output::{self, FileFormat};
use crate::schema::{ColumnKind, ColumnOverride, DetailedOverride, TableDef, TableSource};
use crate::validated::Validated;

/// A synthetic table as read: its rows (a sample's, when the real table was read as one) and,
/// for a sample, every row's keys and fingerprints.
pub type SyntheticTable = (Table, Option<Sampled>);

/// Loads every synthetic table of the schema from `synthetic`, typed like its real counterpart
/// (as a sample when the real table was read as one).
pub fn load_synthetic(
    real: &Validated,
    synthetic: &Location,
) -> Result<IndexMap<String, SyntheticTable>> {
    let results: Vec<(String, Result<SyntheticTable, Vec<Problem>>)> = real
        .schema
        .tables
        .par_iter()
        .filter_map(|def| {
            let table = real.tables.get(&def.name)?;
            let rule = real.sampled.get(&def.name).map(|sampled| &sampled.rule);
            Some((def.name.clone(), load_one(def, table, synthetic, rule)))
        })
        .collect();
    let mut tables = IndexMap::new();
    let mut problems = Vec::new();
    for (name, result) in results {
        match result {
            Ok(table) => {
                tables.insert(name, table);
            }
            Err(table_problems) => problems.extend(table_problems),
        }
    }
    if problems.is_empty() {
        Ok(tables)
    } else {
        Err(Error::invalid(problems))
    }
}

/// The file a synthetic table is read from in a folder: the one `run` writes for it
/// ([`output::file_name`]: `<table>.csv`, `<table>.tsv` for a table whose real file is separated
/// by tabs), else the other of the two, else `<table>.parquet` (a Parquet folder output).
pub fn synthetic_path(dir: &Path, table: &str, dialect: &Dialect) -> PathBuf {
    let written = output::file_name(table, FileFormat::Csv, dialect);
    let other = match written.ends_with(".tsv") {
        true => format!("{table}.csv"),
        false => format!("{table}.tsv"),
    };
    let parquet = output::file_name(table, FileFormat::Parquet, dialect);
    let written = dir.join(written);
    [&written, &dir.join(other), &dir.join(parquet)]
        .into_iter()
        .find(|path| path.is_file())
        .unwrap_or(&written)
        .clone()
}

/// Where one synthetic table is read from: a file, or a database's table of the same name
/// (the path then only names it in messages).
fn synthetic_place(
    synthetic: &Location,
    table: &str,
    dialect: &Dialect,
) -> (PathBuf, Option<TableSource>) {
    match synthetic {
        Location::Folder(dir) => (synthetic_path(dir, table, dialect), None),
        database => {
            let source = TableSource {
                location: database.clone(),
                table: table.to_string(),
            };
            (
                PathBuf::from(format!("{database} table {table}")),
                Some(source),
            )
        }
    }
}

fn load_one(
    def: &TableDef,
    real: &Table,
    synthetic: &Location,
    rule: Option<&SampleRule>,
) -> Result<SyntheticTable, Vec<Problem>> {
    let (path, source) = synthetic_place(synthetic, &def.name, &real.dialect);
    let is_csv = source.is_none() && !crate::input::is_parquet(&path);
    if is_csv {
        check_header(&def.name, &path, real).map_err(|problem| vec![problem])?;
    }
    let place = (path.as_path(), source.as_ref());
    let strict = synthetic_def(def, real, place, true);
    let first = load_typed(&strict, rule);
    let datetime_failed = first.as_ref().err().is_some_and(|problems| {
        problems
            .iter()
            .any(|p| p.column.as_deref().is_some_and(|c| is_datetime(real, c)))
    });
    if !datetime_failed {
        return first;
    }
    // Another datetime format is a structure flaw, not a reason to refuse the comparison:
    // retry with the format inferred from the synthetic values.
    load_typed(&synthetic_def(def, real, place, false), rule).or(first)
}

fn is_datetime(table: &Table, column: &str) -> bool {
    table
        .column(column)
        .is_some_and(|c| c.kind == ColumnKind::Datetime)
}

/// Checks that the file exists and its header has exactly the real table's columns (the fields
/// separated as the real file's are: a copy is written so).
fn check_header(table: &str, path: &Path, real: &Table) -> Result<(), Problem> {
    let real_header = &real.header;
    let shown = path.display();
    let problem = |message: String| Problem::table(table, "path", message);
    if let Err(what) = crate::files::regular_file(path) {
        return Err(problem(format!(
            "the synthetic table `{shown}` {what} (the folder must hold one CSV file per \
             table of the schema, as `dxsynth run` writes them)"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(real.dialect.delimiter)
        .from_path(path)
        .map_err(|err| problem(format!("cannot read `{shown}`: {err}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| problem(format!("cannot read the header of `{shown}`: {err}")))?
        .iter()
        .map(|name| name.trim().to_string())
        .collect();
    let missing: Vec<&str> = real_header
        .iter()
        .filter(|name| !header.contains(name))
        .map(String::as_str)
        .collect();
    let unexpected: Vec<&str> = header
        .iter()
        .filter(|name| !real_header.contains(name))
        .map(String::as_str)
        .collect();
    if missing.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected {}", unexpected.join(", ")));
    }
    let separated = match real.dialect.delimiter {
        b',' => String::new(),
        delimiter => format!(
            " (read with its fields separated by {}, as the real file's are)",
            crate::data::dialect::delimiter_name(delimiter)
        ),
    };
    Err(problem(format!(
        "the header of `{shown}` does not have the real table's columns ({}); expected: {}{separated}",
        parts.join("; "),
        real_header.join(", ")
    )))
}

/// The real table's definition pointed at the synthetic table (a file, or a database's table),
/// with every modelled column typed as the real one was; `keep_datetime_formats` also fixes
/// the real datetime patterns.
fn synthetic_def(
    def: &TableDef,
    real: &Table,
    (path, source): (&Path, Option<&TableSource>),
    keep_datetime_formats: bool,
) -> TableDef {
    let columns = real
        .columns
        .iter()
        .map(|column| {
            let format = match &column.format {
                ValueFormat::Datetime { pattern, .. } if keep_datetime_formats => {
                    Some(pattern.clone())
                }
                _ => None,
            };
            let detailed = DetailedOverride {
                kind: column.kind,
                format,
            };
            (column.name.clone(), ColumnOverride::Detailed(detailed))
        })
        .collect();
    TableDef {
        path: path.to_path_buf(),
        path_as_written: path.to_path_buf(),
        columns,
        source: source.cloned(),
        delimiter: source.is_none().then_some(real.dialect.delimiter),
        numbers: Some(real.dialect.number_columns(&real.header)),
        ..def.clone()
    }
}

/// Loads and types one file; problems are reworded for synthetic data (no schema parameter to
/// fix). A synthetic table without rows is a valid, if poor, result and is returned as such.
fn load_typed(def: &TableDef, rule: Option<&SampleRule>) -> Result<SyntheticTable, Vec<Problem>> {
    let (table, problems) = data::load_table_sampled(def, rule);
    let empty = table.as_ref().is_some_and(|(t, _)| t.rows() == 0);
    let problems: Vec<Problem> = problems
        .into_iter()
        // `load_table` reports a table without rows as a table-level problem of `path`.
        .filter(|p| !(empty && p.column.is_none() && p.parameter.as_deref() == Some("path")))
        .map(|p| reworded(p, &def.path))
        .collect();
    match table {
        Some(table) if problems.is_empty() => Ok(table),
        _ => Err(problems),
    }
}

fn reworded(problem: Problem, path: &Path) -> Problem {
    let shown = format!("`{}`", path.display());
    let message = if problem.message.contains(&shown) {
        problem.message
    } else {
        format!("{shown}, {}", problem.message)
    };
    Problem {
        parameter: None,
        message,
        ..problem
    }
}
