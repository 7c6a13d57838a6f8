//! Writing `<table>.parquet` per table: typed columns (integers, decimals as doubles, dates,
//! microsecond timestamps, booleans, strings; categories dictionary-encoded), ZSTD compressed.
//! As with CSV, the files are written into a temporary folder beside the output folder and
//! moved into place only when every table is written.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use indexmap::IndexMap;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::sql::{self, Cell, OutColumn, Role};
use crate::data::{Value, ValueFormat};
use crate::generate::SyntheticTable;
use crate::schema::ColumnKind;

/// Writes every table as `<dir>/<table>.parquet`; returns the paths written.
pub fn write_all(
    dir: &Path,
    tables: &IndexMap<String, SyntheticTable>,
) -> Result<Vec<PathBuf>, String> {
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .map_err(|err| format!("cannot create `{}`: {err}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".dxsynth-")
        .tempdir_in(&parent)
        .map_err(|err| {
            format!(
                "cannot create a temporary folder in `{}`: {err}",
                parent.display()
            )
        })?;
    let file_name = |table: &SyntheticTable| format!("{}.parquet", table.name);
    for table in tables.values() {
        let path = staging.path().join(file_name(table));
        write_table(&path, table).map_err(|err| format!("table `{}`: {err}", table.name))?;
    }
    let targets: Vec<PathBuf> = tables.values().map(|t| dir.join(file_name(t))).collect();
    let moved =
        |err: std::io::Error| format!("cannot move the output into `{}`: {err}", dir.display());
    if !dir.exists() {
        fs::rename(staging.keep(), dir).map_err(moved)?;
        return Ok(targets);
    }
    for (table, target) in tables.values().zip(&targets) {
        fs::rename(staging.path().join(file_name(table)), target).map_err(moved)?;
    }
    Ok(targets)
}

/// Writes one table as a Parquet file in batches of rows.
pub fn write_table(path: &Path, table: &SyntheticTable) -> Result<(), String> {
    let columns = sql::columns(table);
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(c.name, data_type(c), !matches!(c.role, Role::PrimaryKey)))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let file = File::create(path).map_err(|err| err.to_string())?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
        .map_err(|err| err.to_string())?;
    const BATCH: usize = 65_536;
    let mut start = 0;
    while start < table.rows || (start == 0 && table.rows == 0) {
        let end = (start + BATCH).min(table.rows);
        let arrays: Vec<ArrayRef> = columns.iter().map(|c| array(c, start..end)).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|err| err.to_string())?;
        writer.write(&batch).map_err(|err| err.to_string())?;
        if end == table.rows {
            break;
        }
        start = end;
    }
    writer.close().map_err(|err| err.to_string())?;
    Ok(())
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
            ValueFormat::Decimal { .. } => DataType::Float64,
            ValueFormat::Datetime {
                date_only: true, ..
            } => DataType::Date32,
            ValueFormat::Datetime { .. } => DataType::Timestamp(TimeUnit::Microsecond, None),
            ValueFormat::Boolean { .. } => DataType::Boolean,
            ValueFormat::Verbatim if column.kind == ColumnKind::Categorical => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
            ValueFormat::Verbatim => DataType::Utf8,
        },
    }
}

/// One column's values for the rows in `rows`.
fn array(column: &OutColumn<'_>, rows: std::ops::Range<usize>) -> ArrayRef {
    let numbers = || -> Vec<Option<f64>> {
        match &column.role {
            Role::Column { column, .. } => column.values[rows.clone()]
                .iter()
                .map(Value::as_number)
                .collect(),
            _ => Vec::new(),
        }
    };
    match data_type(column) {
        DataType::Int64 => Arc::new(Int64Array::from_iter(rows.map(
            |row| match column.cell(row) {
                Cell::Integer(x) => Some(x),
                _ => None,
            },
        ))),
        DataType::Float64 => Arc::new(Float64Array::from_iter(rows.map(
            |row| match column.cell(row) {
                Cell::Real(x) => Some(x),
                _ => None,
            },
        ))),
        DataType::Date32 => Arc::new(Date32Array::from_iter(
            numbers()
                .into_iter()
                .map(|x| x.map(|seconds| (seconds / 86_400.0).floor() as i32)),
        )),
        DataType::Timestamp(_, _) => Arc::new(TimestampMicrosecondArray::from_iter(
            numbers()
                .into_iter()
                .map(|x| x.map(|seconds| (seconds * 1e6).round() as i64)),
        )),
        DataType::Boolean => Arc::new(BooleanArray::from_iter(rows.map(
            |row| match column.cell(row) {
                Cell::Flag(flag) => Some(flag),
                _ => None,
            },
        ))),
        DataType::Dictionary(_, _) => {
            let texts: Vec<Option<String>> = rows.map(|row| label(column, row)).collect();
            let labels: DictionaryArray<Int32Type> = texts.iter().map(Option::as_deref).collect();
            Arc::new(labels)
        }
        _ => Arc::new(StringArray::from_iter(rows.map(|row| label(column, row)))),
    }
}

fn label(column: &OutColumn<'_>, row: usize) -> Option<String> {
    column.cell(row).text()
}
