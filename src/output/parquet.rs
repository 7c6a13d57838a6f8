//! Writing `<table>.parquet` per table: typed columns (integers, decimals as doubles, dates,
//! microsecond timestamps and times of day, booleans, strings; categories dictionary-encoded),
//! ZSTD compressed.
//! As with CSV, the files are written into a staging folder beside the output folder that takes
//! its place only when every table is written (`super::write_folder`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, RecordBatch,
    StringArray, Time64MicrosecondArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use indexmap::IndexMap;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::sql::{self, Cell, OutColumn, Role};
use crate::data::{Value, ValueFormat, within_years_0_to_9999};
use crate::error::{Error, Result};
use crate::generate::SyntheticTable;
use crate::schema::ColumnKind;

/// Writes every table as `<dir>/<table>.parquet` through the staging folder CSV files use
/// (swapped in whole); returns the paths written.
pub fn write_all(dir: &Path, tables: &IndexMap<String, SyntheticTable>) -> Result<Vec<PathBuf>> {
    super::write_folder(dir, tables, super::FileFormat::Parquet, |path, table| {
        write_file(dir, path, table)
    })
}

/// Parquet files, as [`super::FolderWriter`] writes them: a table's file takes it whole or part
/// by part (each part one or more batches; row groups are the writer's, so memory holds a
/// part, not the table).
pub const PARQUET_FILES: super::FileWriter = super::FileWriter {
    format: super::FileFormat::Parquet,
    open: open_parts,
};

/// [`write_table`] as a [`super::TableWriter`]: errors name the output folder and the table.
pub fn write_file(dir: &Path, path: &Path, table: &SyntheticTable) -> Result<()> {
    write_table(path, table).map_err(|message| failed(dir, table, message))
}

/// Why a table could not be written, naming the output folder and the table.
fn failed(dir: &Path, table: &SyntheticTable, message: String) -> Error {
    Error::Target {
        target: dir.display().to_string(),
        message: format!("table `{}`: {message}", table.name),
    }
}

/// Writes one table as a Parquet file in batches of rows.
pub fn write_table(path: &Path, table: &SyntheticTable) -> std::result::Result<(), String> {
    let mut file = ParquetFile::create(path, table)?;
    file.rows(table, 0)?;
    file.finish()
}

/// A Parquet file being written batch by batch, from a whole table or from its parts.
struct ParquetFile {
    schema: Arc<Schema>,
    writer: ArrowWriter<File>,
}

/// Rows per batch handed to the Arrow writer.
const BATCH: usize = 65_536;

impl ParquetFile {
    /// Creates the file for the columns of `table` (or of a table's first part).
    fn create(path: &Path, table: &SyntheticTable) -> std::result::Result<ParquetFile, String> {
        let fields: Vec<Field> = sql::columns(table)
            .iter()
            .map(|c| Field::new(c.name, data_type(c), !matches!(c.role, Role::PrimaryKey)))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let file = File::create(path).map_err(|err| err.to_string())?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(|err| err.to_string())?;
        Ok(ParquetFile { schema, writer })
    }

    /// Writes the rows of `table`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there; a table without rows writes an empty batch).
    fn rows(
        &mut self,
        table: &SyntheticTable,
        first_row: usize,
    ) -> std::result::Result<(), String> {
        let columns = sql::columns(table);
        let mut start = 0;
        loop {
            let end = (start + BATCH).min(table.rows);
            let arrays = columns
                .iter()
                .zip(self.schema.fields())
                .map(|(c, field)| array(c, start..end, first_row, field.data_type()))
                .collect::<std::result::Result<Vec<ArrayRef>, String>>()?;
            let batch =
                RecordBatch::try_new(self.schema.clone(), arrays).map_err(|err| err.to_string())?;
            self.writer.write(&batch).map_err(|err| err.to_string())?;
            if end == table.rows {
                return Ok(());
            }
            start = end;
        }
    }

    /// Writes the file's footer.
    fn finish(self) -> std::result::Result<(), String> {
        self.writer.close().map(drop).map_err(|err| err.to_string())
    }
}

/// [`super::PartsOpener`] of Parquet files.
fn open_parts(
    dir: &Path,
    path: &Path,
    first: &SyntheticTable,
) -> Result<Box<dyn super::PartsFile>> {
    let file = ParquetFile::create(path, first).map_err(|message| failed(dir, first, message))?;
    Ok(Box::new(ParquetParts {
        file,
        dir: dir.to_path_buf(),
        table: first.name.clone(),
    }))
}

/// A Parquet file written from a table's parts, with what its errors name.
struct ParquetParts {
    file: ParquetFile,
    dir: PathBuf,
    table: String,
}

impl super::PartsFile for ParquetParts {
    fn rows(&mut self, part: &SyntheticTable, first_row: usize) -> Result<()> {
        let dir = &self.dir;
        (self.file.rows(part, first_row)).map_err(|message| failed(dir, part, message))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let (dir, table) = (self.dir.display().to_string(), self.table);
        self.file.finish().map_err(|message| Error::Target {
            target: dir,
            message: format!("table `{table}`: {message}"),
        })
    }
}

/// The Arrow type of an output column.
fn data_type(column: &OutColumn<'_>) -> DataType {
    match &column.role {
        Role::PrimaryKey | Role::ForeignKey { .. } | Role::Given { integers: true, .. } => {
            DataType::Int64
        }
        Role::Given { .. } | Role::Missing => DataType::Utf8,
        Role::Column { column, format } => match format {
            ValueFormat::Integer => DataType::Int64,
            ValueFormat::Decimal { .. } | ValueFormat::Scientific { .. } => DataType::Float64,
            ValueFormat::Datetime {
                date_only: true, ..
            } => DataType::Date32,
            format if format.is_time_of_day() => DataType::Time64(TimeUnit::Microsecond),
            ValueFormat::Datetime { .. } => DataType::Timestamp(TimeUnit::Microsecond, None),
            ValueFormat::Boolean { .. } => DataType::Boolean,
            ValueFormat::Verbatim if column.kind == ColumnKind::Categorical => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
            ValueFormat::Verbatim => DataType::Utf8,
        },
    }
}

/// One column's values for the rows in `rows` of a table (or part) whose first row is row
/// `first_row` of the whole table, as the file's `data_type` for the column (a table's parts
/// take the types of its first part: written keys of a later part are not typed again), or why one cannot be written (an integer beyond 64 bits, a
/// datetime out of range), naming the row.
fn array(
    column: &OutColumn<'_>,
    rows: std::ops::Range<usize>,
    first_row: usize,
    data_type: &DataType,
) -> Result<ArrayRef, String> {
    let data_type = data_type.clone();
    if let DataType::Date32 | DataType::Timestamp(_, _) | DataType::Time64(_) = data_type {
        return Ok(datetimes(column, rows, &data_type));
    }
    let first = first_row + rows.start;
    let cells = rows
        .map(|row| match column.role {
            // Primary keys count on from the part's first row.
            Role::PrimaryKey => Ok(Cell::Integer((first_row + row) as i64 + 1)),
            _ => column.cell(row),
        })
        .collect::<Result<Vec<Cell>, String>>()?;
    let misfit = |row: usize, cell: &Cell| {
        format!(
            "row {}, column `{}`: `{}` does not fit the column's type {data_type}",
            first + row + 1,
            column.name,
            cell.text().unwrap_or_default()
        )
    };
    Ok(match &data_type {
        DataType::Int64 => Arc::new(Int64Array::from(
            cells
                .iter()
                .enumerate()
                .map(|(row, cell)| match cell {
                    Cell::Null => Ok(None),
                    Cell::Integer(x) => Ok(Some(*x)),
                    other => Err(misfit(row, other)),
                })
                .collect::<Result<Vec<_>, String>>()?,
        )),
        DataType::Float64 => Arc::new(Float64Array::from(
            cells
                .iter()
                .enumerate()
                .map(|(row, cell)| match cell {
                    Cell::Null => Ok(None),
                    Cell::Real(x) => Ok(Some(*x)),
                    other => Err(misfit(row, other)),
                })
                .collect::<Result<Vec<_>, String>>()?,
        )),
        DataType::Boolean => Arc::new(BooleanArray::from_iter(cells.iter().map(
            |cell| match cell {
                Cell::Flag(flag) => Some(*flag),
                _ => None,
            },
        ))),
        DataType::Dictionary(_, _) => {
            let texts: Vec<Option<String>> = cells.iter().map(Cell::text).collect();
            let labels: DictionaryArray<Int32Type> = texts.iter().map(Option::as_deref).collect();
            Arc::new(labels)
        }
        _ => Arc::new(StringArray::from_iter(cells.iter().map(Cell::text))),
    })
}

/// Dates (days) or timestamps (microseconds) since 1970, from the values' seconds, within the
/// years 0 to 9999 as CSV writes them; times of day (microseconds since midnight).
fn datetimes(
    column: &OutColumn<'_>,
    rows: std::ops::Range<usize>,
    data_type: &DataType,
) -> ArrayRef {
    let (numbers, pattern): (Vec<Option<f64>>, &str) = match &column.role {
        Role::Column { column, format } => (
            column.values[rows].iter().map(Value::as_number).collect(),
            match format {
                ValueFormat::Datetime { pattern, .. } => pattern,
                _ => "",
            },
        ),
        _ => (Vec::new(), ""),
    };
    // As fine as the text the input wrote, as CSV writes it: whole seconds without a fraction,
    // milliseconds with three digits (a drawn datetime has any fraction of a second).
    let per_second = match sql::fraction_of(pattern) {
        "" => Some(1.0),
        "%.3f" => Some(1e3),
        _ => None,
    };
    let micros = |seconds: f64| match per_second {
        Some(per_second) => (seconds * per_second).floor() * (1e6 / per_second),
        None => (seconds * 1e6).round(),
    };
    if let DataType::Date32 = data_type {
        Arc::new(Date32Array::from_iter(numbers.into_iter().map(|x| {
            x.map(|seconds| (within_years_0_to_9999(seconds) / 86_400.0).floor() as i32)
        })))
    } else if let DataType::Time64(_) = data_type {
        // A time of day counts from 1970-01-01 00:00: its microseconds into its day.
        Arc::new(Time64MicrosecondArray::from_iter(numbers.into_iter().map(
            |x| x.map(|seconds| (micros(seconds.rem_euclid(86_400.0)) as i64).min(86_399_999_999)),
        )))
    } else {
        Arc::new(TimestampMicrosecondArray::from_iter(
            numbers
                .into_iter()
                .map(|x| x.map(|seconds| micros(within_years_0_to_9999(seconds)) as i64)),
        ))
    }
}
