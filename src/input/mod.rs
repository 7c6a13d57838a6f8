//! Reading tables that are not CSV files: Parquet files and database tables, as text cells with
//! the type their source declares.
//!
//! The typed loader ([`crate::data`]) learns from text, exactly as from a CSV file; a source's
//! declared type (a Parquet field, an SQLite or PostgreSQL column type) only refines inference,
//! as a `columns:` override would (a date is a datetime, `numeric(10,2)` is a number, an enum is
//! a category). Columns of a type dxsynth cannot model (binary, JSON, arrays) are left out with
//! a warning, or kept empty when the source allows empty values there. Every database of a
//! schema is read in one transaction, so all its tables come from the same snapshot.

pub mod catalogue;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::error::Problem;
use crate::location::Location;
use crate::schema::{ColumnKind, Schema, TableDef};

/// A table as text, column by column, with the types its source declares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextTable {
    /// Column names in source order.
    pub header: Vec<String>,
    /// The row number (1-based) or file line of each row, for messages.
    pub lines: Vec<u64>,
    /// One vector per column, one cell per row; empty values (after trimming) are `None`.
    pub cells: Vec<Vec<Option<String>>>,
    /// The type the source declares for each column, when it settles the question.
    pub kinds: Vec<Option<ColumnKind>>,
    /// Columns left out or emptied (their type cannot be modelled), with the reason.
    pub warnings: Vec<String>,
}

/// How one table of a schema is read.
#[derive(Debug)]
pub enum Read {
    /// From its CSV file, by [`crate::data`].
    Csv,
    /// Read here.
    Text(TextTable),
    /// It could not be read; the problem is reported once per cause (a database that cannot be
    /// reached is one problem, not one per table).
    Failed(Option<Problem>),
}

pub use crate::files::is_parquet;

/// Reads every table of the schema that is not a CSV file, in schema order: Parquet files one
/// by one, each database in one read-only transaction.
pub fn read_all(schema: &Schema) -> Vec<Read> {
    let mut reads: Vec<Read> = schema
        .tables
        .iter()
        .map(|def| match &def.source {
            Some(_) => Read::Failed(None),
            None if is_parquet(&def.path) => read_parquet(def),
            None => Read::Csv,
        })
        .collect();
    let mut done = vec![false; schema.tables.len()];
    for (first, def) in schema.tables.iter().enumerate() {
        let Some(source) = &def.source else { continue };
        if done[first] {
            continue;
        }
        let members: Vec<usize> = (first..schema.tables.len())
            .filter(|&i| {
                schema.tables[i]
                    .source
                    .as_ref()
                    .is_some_and(|s| s.location == source.location)
            })
            .collect();
        let names: Vec<String> = members
            .iter()
            .map(|&i| table_name(&schema.tables[i]))
            .collect();
        let results = read_database(&source.location, &names);
        for (&index, result) in members.iter().zip(results) {
            done[index] = true;
            reads[index] = result_to_read(&schema.tables[index], result);
        }
    }
    reads
}

/// Reads one table (a database table in a transaction of its own).
pub fn read_table(def: &TableDef) -> Read {
    match &def.source {
        None if is_parquet(&def.path) => read_parquet(def),
        None => Read::Csv,
        Some(source) => {
            let mut results = read_database(&source.location, std::slice::from_ref(&source.table));
            let result = results.pop().unwrap_or(Err(None));
            result_to_read(def, result)
        }
    }
}

/// The table definition with the types the source declares as `columns:` overrides, where the
/// schema gives none and the column is not a key.
pub fn hinted(def: &TableDef, text: &TextTable) -> TableDef {
    let mut hinted = def.clone();
    for (index, (name, kind)) in text.header.iter().zip(&text.kinds).enumerate() {
        // Whole numbers too long for a 64-bit float (`numeric(30)`, `uint64`) are read as the
        // identifiers they are, as in a CSV file.
        let long = || {
            let cells = text.cells.get(index).into_iter().flatten().flatten();
            *kind == Some(ColumnKind::Numerical) && cells.into_iter().any(|c| is_long_integer(c))
        };
        if let Some(kind) = kind
            && !def.columns.contains_key(name)
            && !def.is_key(name)
            && !long()
        {
            hinted
                .columns
                .insert(name.clone(), crate::schema::ColumnOverride::Kind(*kind));
        }
    }
    hinted
}

/// The most digits of a whole number a 64-bit float holds exactly (2^53 has 16).
const EXACT_INTEGER_DIGITS: usize = 15;

/// Whether `text` is a whole number of more digits than a 64-bit float holds exactly
/// ([`EXACT_INTEGER_DIGITS`]): read as a number it would be rounded.
pub fn is_long_integer(text: &str) -> bool {
    let digits = text.trim().trim_start_matches(['-', '+']);
    digits.len() > EXACT_INTEGER_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())
}

fn table_name(def: &TableDef) -> String {
    def.source
        .as_ref()
        .map_or_else(|| def.name.clone(), |s| s.table.clone())
}

fn result_to_read(def: &TableDef, result: Result<TextTable, Option<String>>) -> Read {
    match result {
        Ok(table) => {
            warn(&table);
            Read::Text(table)
        }
        Err(None) => Read::Failed(None),
        Err(Some(message)) => Read::Failed(Some(Problem::table(&def.name, "source", message))),
    }
}

fn read_parquet(def: &TableDef) -> Read {
    #[cfg(feature = "parquet")]
    {
        let shown = def.path_as_written.display();
        match parquet::read(&def.path) {
            Ok(table) => {
                warn(&table);
                Read::Text(table)
            }
            Err(message) => Read::Failed(Some(Problem::table(
                &def.name,
                "path",
                format!("`{shown}`: {message}"),
            ))),
        }
    }
    #[cfg(not(feature = "parquet"))]
    Read::Failed(Some(not_built(&def.name, "Parquet", "parquet")))
}

/// Reads the named tables of one database in one snapshot. A database that cannot be reached
/// fails the first table with the reason and the others silently (`Err(None)`).
pub fn read_database(
    location: &Location,
    tables: &[String],
) -> Vec<Result<TextTable, Option<String>>> {
    let read: Result<Vec<Result<TextTable, String>>, String> = match location {
        Location::Folder(_) => Err("a folder is not a database".into()),
        #[cfg(feature = "sqlite")]
        Location::Sqlite(path) => sqlite::read_tables(path, tables),
        #[cfg(feature = "postgres")]
        Location::Postgres(pg) => postgres::read_tables(pg, tables, &mut |_| {}),
        #[allow(unreachable_patterns)]
        _ => Err(format!(
            "this dxsynth was built without support for `{location}` (cargo features `sqlite`, \
             `postgres`)"
        )),
    };
    match read {
        Ok(tables) => tables.into_iter().map(|r| r.map_err(Some)).collect(),
        Err(message) => (0..tables.len())
            .map(|i| Err((i == 0).then(|| message.clone())))
            .collect(),
    }
}

/// Columns left out or emptied are said on stderr: the run goes on without them. Each is said
/// once, however often the table is read (`init` reads a database to infer the schema, then
/// again to check it: every warning came twice, or four times).
fn warn(table: &TextTable) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for warning in &table.warnings {
        if !said.contains(warning) {
            eprintln!("warning: {warning}");
            said.push(warning.clone());
        }
    }
}

/// The catalogue of a database: tables, columns, declared types and keys.
pub fn catalogue(location: &Location) -> Result<catalogue::Catalogue, String> {
    match location {
        Location::Folder(_) => Err("a folder has no catalogue".into()),
        #[cfg(feature = "sqlite")]
        Location::Sqlite(path) => sqlite::catalogue(path),
        #[cfg(feature = "postgres")]
        Location::Postgres(pg) => postgres::catalogue(pg),
        #[allow(unreachable_patterns)]
        _ => Err(format!(
            "this dxsynth was built without support for `{location}` (cargo features `sqlite`, \
             `postgres`)"
        )),
    }
}

#[cfg(not(feature = "parquet"))]
fn not_built(table: &str, what: &str, feature: &str) -> Problem {
    Problem::table(
        table,
        "path",
        format!("this dxsynth was built without {what} support (cargo feature `{feature}`)"),
    )
}

/// Reads a CSV stream (a PostgreSQL `COPY ... TO STDOUT (FORMAT csv, HEADER)`) into text cells
/// exactly as a CSV file is read: names and values trimmed, empty values `None`.
pub fn read_csv_stream(reader: impl std::io::Read) -> Result<TextTable, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| read_error(&err))?
        .iter()
        .map(|name| name.trim().to_string())
        .collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|err| read_error(&err))?
    {
        lines.push(lines.len() as u64 + 1);
        for (column, field) in cells.iter_mut().zip(record.iter()) {
            let field = field.trim();
            column.push((!field.is_empty()).then(|| field.to_string()));
        }
    }
    Ok(TextTable {
        kinds: vec![None; header.len()],
        header,
        lines,
        cells,
        warnings: Vec::new(),
    })
}

/// Reads the numbers of a database's numerical columns that are not finite as a Parquet file's
/// are: NaN empty (missing, as pandas means it; counted in a warning), an infinity an error
/// naming its row, as no distribution can be learned or drawn with it. Read as they are, one
/// such value made the column a category, every number a label.
pub fn not_finite(text: &mut TextTable, table: &str) -> Result<(), String> {
    let numerical = text.kinds.iter().map(|k| *k == Some(ColumnKind::Numerical));
    for (index, _) in numerical.enumerate().filter(|(_, numerical)| *numerical) {
        let name = &text.header[index];
        let mut nan = 0;
        for (row, cell) in text.cells[index].iter_mut().enumerate() {
            match cell.as_deref() {
                Some("NaN" | "nan") => {
                    *cell = None;
                    nan += 1;
                }
                Some(infinite @ ("Infinity" | "-Infinity" | "inf" | "-inf")) => {
                    let line = text.lines.get(row).copied().unwrap_or(row as u64 + 1);
                    return Err(format!(
                        "row {line}, column `{name}` holds {infinite}, which cannot be \
                         modelled; replace it with a finite number or an empty value (null)"
                    ));
                }
                _ => {}
            }
        }
        if nan > 0 {
            text.warnings.push(format!(
                "table `{table}`, column `{name}`: {nan} NaN values read as empty (missing), as \
                 pandas means them"
            ));
        }
    }
    Ok(())
}

/// What went wrong reading a stream: a database's error met while its rows stream in reaches
/// the reader as an I/O error whose own text is only "db error"; its causes say what it is.
fn read_error(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(io) => with_causes(io),
        _ => err.to_string(),
    }
}

/// An error's text followed by its causes'.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text += &format!(": {said}");
        }
        source = cause.source();
    }
    text
}

/// `"name"` with inner quotes doubled: an SQL identifier, whatever characters it has.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name as SQL: a dotted name (`sales.orders`) is a schema and a table, each quoted.
pub fn quote_table(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// One text value of a database cell: trimmed, empty is `None` (as in a CSV file).
#[cfg(any(feature = "sqlite", feature = "parquet"))]
pub(crate) fn cell(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_in_a_numerical_column_is_missing_and_infinity_an_error_naming_its_row() {
        let cells = |values: &[&str]| values.iter().map(|v| Some(v.to_string())).collect();
        let mut text = TextTable {
            header: vec!["x".into(), "label".into()],
            lines: vec![1, 2, 3],
            cells: vec![
                cells(&["1.5", "NaN", "-2"]),
                cells(&["NaN", "Infinity", "a"]),
            ],
            kinds: vec![Some(ColumnKind::Numerical), None],
            warnings: Vec::new(),
        };
        not_finite(&mut text, "t").unwrap();
        assert_eq!(text.cells[0], [Some("1.5".into()), None, Some("-2".into())]);
        assert_eq!(
            text.cells[1][1].as_deref(),
            Some("Infinity"),
            "not a number column"
        );
        assert!(
            text.warnings[0].contains("column `x`: 1 NaN values"),
            "{:?}",
            text.warnings
        );
        text.cells[0][2] = Some("-Infinity".into());
        let err = not_finite(&mut text, "t").unwrap_err();
        assert!(
            err.starts_with("row 3, column `x` holds -Infinity"),
            "{err}"
        );
    }

    #[test]
    fn a_numerical_type_does_not_hold_whole_numbers_too_long_for_a_float() {
        let cells = |values: &[&str]| values.iter().map(|v| Some(v.to_string())).collect();
        let text = TextTable {
            header: vec!["big".into(), "small".into()],
            lines: vec![1, 2],
            cells: vec![
                cells(&["9419896365199850903437312", "7"]),
                cells(&["1", "2"]),
            ],
            kinds: vec![Some(ColumnKind::Numerical); 2],
            warnings: Vec::new(),
        };
        let schema = "tables:\n  t:\n    path: t.csv\n";
        let def: TableDef = crate::schema::Schema::parse(
            schema,
            std::path::Path::new("s.yaml"),
            std::path::Path::new("."),
        )
        .expect("a schema")
        .tables
        .remove(0);
        let hinted = hinted(&def, &text);
        assert!(!hinted.columns.contains_key("big"));
        assert!(hinted.columns.contains_key("small"));
    }

    #[test]
    fn csv_streams_read_like_files() {
        let table = read_csv_stream(" id ,name\n1, a \n2,\n".as_bytes()).unwrap();
        assert_eq!(table.header, ["id", "name"]);
        assert_eq!(table.lines, [1, 2]);
        assert_eq!(table.cells[1], [Some("a".to_string()), None]);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_table("sales.orders"), "\"sales\".\"orders\"");
    }
}
