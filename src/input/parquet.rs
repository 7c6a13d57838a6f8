//! Reading a Parquet file: each column's values as text, with the Arrow type settling the column
//! type (numbers, booleans, dates and timestamps; dictionary strings are categories).

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Field, TimeUnit};
use base64::prelude::BASE64_STANDARD;
use chrono::{DateTime, NaiveTime};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::KeyValue;

use super::{TextTable, cell};
use crate::schema::ColumnKind;

/// Reads a Parquet file as text cells. A file the `parquet` crate panics on (a damaged page
/// header or column chunk: 13 of 400 files with a few bytes changed) is an error saying so.
pub fn read(path: &Path) -> Result<TextTable, String> {
    crate::guard::guarded(|| read_unguarded(path))
        .unwrap_or_else(|reason| Err(format!("the file is damaged ({reason})")))
}

/// [`read`], a panic of the reader not caught.
fn read_unguarded(path: &Path) -> Result<TextTable, String> {
    let file = File::open(path).map_err(|err| format!("cannot open: {err}"))?;
    // The Arrow schema a writer embeds is not read (arrow-ipc panics on some damaged ones, a
    // bit width of 66 say): the types come from the Parquet schema, and the one hint it adds
    // (strings written as dictionaries are categories) is read from it without arrow-ipc.
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .map_err(|err| err.to_string())?;
    refuse_unbuilt_codecs(builder.metadata())?;
    let dictionaries = dictionary_fields(builder.metadata().file_metadata().key_value_metadata());
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|err| err.to_string())?;
    let mut text = TextTable::default();
    let mut keep = Vec::new();
    for field in schema.fields() {
        let string = kind_of(field.data_type()) == Some(None);
        let kind = if string && dictionaries.contains(field.name()) {
            Some(Some(ColumnKind::Categorical))
        } else {
            kind_of(field.data_type())
        };
        match kind {
            Some(kind) => {
                keep.push(true);
                text.header.push(field.name().clone());
                text.kinds.push(kind);
            }
            None => {
                keep.push(false);
                text.warnings.push(unsupported(path, field));
            }
        }
    }
    text.cells = vec![Vec::new(); text.header.len()];
    let mut not_a_number = vec![0usize; text.header.len()];
    for batch in reader {
        let batch = batch.map_err(|err| err.to_string())?;
        let columns = batch.columns().iter().zip(&keep).filter(|(_, keep)| **keep);
        let start = text.lines.len();
        for (index, ((array, _), cells)) in columns.zip(text.cells.iter_mut()).enumerate() {
            let name = &text.header[index];
            not_a_number[index] += check_floats(array, start).map_err(|e| in_column(name, e))?;
            append_text(array, cells).map_err(|e| in_column(name, e))?;
        }
        let start = text.lines.len() as u64;
        text.lines
            .extend((1..=batch.num_rows() as u64).map(|row| start + row));
    }
    for (name, count) in text.header.iter().zip(not_a_number) {
        if count > 0 {
            text.warnings.push(format!(
                "`{}`, column `{name}`: {count} NaN values read as empty (missing), as pandas \
                 means them",
                path.display()
            ));
        }
    }
    Ok(text)
}

fn in_column(name: &str, error: String) -> String {
    format!("column `{name}`: {error}")
}

/// The NaN values of a float column (read as empty: pandas writes missing numbers so); an
/// infinite value is an error naming its row (`first_row` is the batch's first, 0-based), as
/// no distribution can be learned or drawn with it.
fn check_floats(array: &ArrayRef, first_row: usize) -> Result<usize, String> {
    let values: Box<dyn Iterator<Item = Option<f64>>> = match array.data_type() {
        DataType::Float32 => Box::new(
            array
                .as_primitive::<Float32Type>()
                .iter()
                .map(|v| v.map(f64::from)),
        ),
        DataType::Float64 => Box::new(array.as_primitive::<Float64Type>().iter()),
        _ => return Ok(0),
    };
    let mut nan = 0;
    for (row, value) in values.enumerate() {
        match value {
            Some(x) if x.is_nan() => nan += 1,
            Some(x) if x.is_infinite() => {
                return Err(format!(
                    "row {} holds {x}, which cannot be modelled; replace it with a finite \
                     number or an empty value (null)",
                    first_row + row + 1
                ));
            }
            _ => {}
        }
    }
    Ok(nan)
}

/// Refuses, before any column is read, a file compressed with a codec this build leaves out
/// (Snappy, pyarrow's default, among them): the parquet crate's own error ("Disabled feature at
/// compile time: snap") names neither the cause in the user's words nor the way out. Only
/// ZSTD is built in (Cargo.toml), to keep the build small.
fn refuse_unbuilt_codecs(
    metadata: &parquet::file::metadata::ParquetMetaData,
) -> Result<(), String> {
    use parquet::basic::Compression;
    let unbuilt = metadata
        .row_groups()
        .iter()
        .flat_map(|group| group.columns())
        .map(|column| column.compression())
        .find(|codec| !matches!(codec, Compression::UNCOMPRESSED | Compression::ZSTD(_)));
    match unbuilt {
        None => Ok(()),
        Some(codec) => {
            let name = format!("{codec:?}");
            let name = name.split('(').next().unwrap_or(&name);
            Err(format!(
                "it is compressed with {name}, which dxsynth does not read: it reads ZSTD-compressed \
                 and uncompressed Parquet; rewrite the file, for example with pyarrow: \
                 `pq.write_table(pq.read_table(path), path, compression='zstd')`"
            ))
        }
    }
}

/// The names of the top-level fields the embedded Arrow schema (`ARROW:schema`, base64 of an
/// IPC message) writes as dictionaries; none when there is no such schema or it cannot be read.
/// Read with the flatbuffer's verifier only, never converted (conversion panics on types it does
/// not know).
fn dictionary_fields(metadata: Option<&Vec<KeyValue>>) -> HashSet<String> {
    use base64::Engine;
    let encoded = metadata
        .into_iter()
        .flatten()
        .find(|entry| entry.key == "ARROW:schema")
        .and_then(|entry| entry.value.as_deref());
    let Some(bytes) = encoded.and_then(|text| BASE64_STANDARD.decode(text).ok()) else {
        return HashSet::new();
    };
    // An IPC message after a continuation marker and its length, as writers frame it.
    let message = match bytes.get(..4) {
        Some([255, 255, 255, 255]) => bytes.get(8..).unwrap_or_default(),
        _ => &bytes[..],
    };
    let fields = arrow_ipc::root_as_message(message)
        .ok()
        .and_then(|message| message.header_as_schema())
        .and_then(|schema| schema.fields());
    fields
        .into_iter()
        .flatten()
        .filter(|field| field.dictionary().is_some())
        .filter_map(|field| field.name().map(str::to_string))
        .collect()
}

fn unsupported(path: &Path, field: &Field) -> String {
    format!(
        "`{}`, column `{}`: Arrow type {} cannot be modelled; the column is left out",
        path.display(),
        field.name(),
        field.data_type()
    )
}

/// The column type an Arrow type settles (`Some(None)`: strings, left to inference), or `None`
/// for a type that cannot be read.
fn kind_of(data_type: &DataType) -> Option<Option<ColumnKind>> {
    use DataType::*;
    Some(match data_type {
        Int8
        | Int16
        | Int32
        | Int64
        | UInt8
        | UInt16
        | UInt32
        | UInt64
        | Float32
        | Float64
        | Decimal128(_, _) => Some(ColumnKind::Numerical),
        Boolean => Some(ColumnKind::Boolean),
        Date32 | Date64 | Timestamp(_, _) | Time32(_) | Time64(_) => Some(ColumnKind::Datetime),
        Utf8 | LargeUtf8 | Utf8View => None,
        Dictionary(_, value) if kind_of(value) == Some(None) => Some(ColumnKind::Categorical),
        _ => return None,
    })
}

/// Appends an array's values as text.
fn append_text(array: &ArrayRef, cells: &mut Vec<Option<String>>) -> Result<(), String> {
    use DataType::*;
    macro_rules! primitive {
        ($t:ty) => {{
            let values = array.as_primitive::<$t>();
            cells.extend(values.iter().map(|v| v.map(|v| v.to_string())));
        }};
    }
    match array.data_type() {
        Int8 => primitive!(Int8Type),
        Int16 => primitive!(Int16Type),
        Int32 => primitive!(Int32Type),
        Int64 => primitive!(Int64Type),
        UInt8 => primitive!(UInt8Type),
        UInt16 => primitive!(UInt16Type),
        UInt32 => primitive!(UInt32Type),
        UInt64 => primitive!(UInt64Type),
        // NaN is missing (counted by `check_floats`).
        Float32 => cells.extend(
            array
                .as_primitive::<Float32Type>()
                .iter()
                .map(|v| v.filter(|x| !x.is_nan()).map(|x| x.to_string())),
        ),
        Float64 => cells.extend(
            array
                .as_primitive::<Float64Type>()
                .iter()
                .map(|v| v.filter(|x| !x.is_nan()).map(|x| x.to_string())),
        ),
        Decimal128(_, scale) => {
            let values = array.as_primitive::<arrow_array::types::Decimal128Type>();
            cells.extend(values.iter().map(|v| v.map(|v| decimal_text(v, *scale))));
        }
        Boolean => cells.extend(array.as_boolean().iter().map(|v| v.map(|v| v.to_string()))),
        Date32 => {
            let values = array.as_primitive::<arrow_array::types::Date32Type>();
            for value in values.iter() {
                cells.push(in_range(
                    value.map(|days| (date_text(i64::from(days)), days)),
                )?);
            }
        }
        Date64 => {
            let values = array.as_primitive::<arrow_array::types::Date64Type>();
            for value in values.iter() {
                let days = value.map(|ms| ms.div_euclid(86_400_000));
                cells.push(in_range(days.map(|days| (date_text(days), days)))?);
            }
        }
        Timestamp(unit, _) => append_timestamps(array, *unit, cells)?,
        Time32(_) | Time64(_) => append_times(array, cells)?,
        Utf8 => cells.extend(array.as_string::<i32>().iter().map(|v| v.and_then(cell))),
        LargeUtf8 => cells.extend(array.as_string::<i64>().iter().map(|v| v.and_then(cell))),
        Utf8View => cells.extend(array.as_string_view().iter().map(|v| v.and_then(cell))),
        Dictionary(_, _) => append_labels(array, cells)?,
        other => return Err(format!("cannot read Arrow type {other}")),
    }
    Ok(())
}

/// Appends a timestamp array's values as text, whatever its unit.
fn append_timestamps(
    array: &ArrayRef,
    unit: TimeUnit,
    cells: &mut Vec<Option<String>>,
) -> Result<(), String> {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    let (ticks, per_second): (Vec<Option<i64>>, i64) = match unit {
        TimeUnit::Second => (
            array.as_primitive::<TimestampSecondType>().iter().collect(),
            1,
        ),
        TimeUnit::Millisecond => (
            array
                .as_primitive::<TimestampMillisecondType>()
                .iter()
                .collect(),
            1_000,
        ),
        TimeUnit::Microsecond => (
            array
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .collect(),
            1_000_000,
        ),
        TimeUnit::Nanosecond => (
            array
                .as_primitive::<TimestampNanosecondType>()
                .iter()
                .collect(),
            1_000_000_000,
        ),
    };
    for t in ticks {
        let text = t.map(|t| (timestamp_text(t, per_second), t.div_euclid(per_second)));
        cells.push(in_range(
            text.map(|(text, seconds)| (text, seconds / 86_400)),
        )?);
    }
    Ok(())
}

/// Appends a time-of-day array's values as text (`14:30:00`, a fraction only where there is
/// one), whatever its unit.
fn append_times(array: &ArrayRef, cells: &mut Vec<Option<String>>) -> Result<(), String> {
    use arrow_array::types::{
        Time32MillisecondType, Time32SecondType, Time64MicrosecondType, Time64NanosecondType,
    };
    let widen = |values: Vec<Option<i32>>| values.into_iter().map(|v| v.map(i64::from)).collect();
    let (ticks, per_second): (Vec<Option<i64>>, i64) = match array.data_type() {
        DataType::Time32(TimeUnit::Second) => (
            widen(array.as_primitive::<Time32SecondType>().iter().collect()),
            1,
        ),
        DataType::Time32(_) => (
            widen(
                array
                    .as_primitive::<Time32MillisecondType>()
                    .iter()
                    .collect(),
            ),
            1_000,
        ),
        DataType::Time64(TimeUnit::Microsecond) => (
            array
                .as_primitive::<Time64MicrosecondType>()
                .iter()
                .collect(),
            1_000_000,
        ),
        DataType::Time64(_) => (
            array
                .as_primitive::<Time64NanosecondType>()
                .iter()
                .collect(),
            1_000_000_000,
        ),
        other => return Err(format!("cannot read Arrow type {other}")),
    };
    for t in ticks {
        let time = t.map(|t| {
            let seconds = u32::try_from(t.div_euclid(per_second)).ok();
            let nanos = (t.rem_euclid(per_second) * (1_000_000_000 / per_second)) as u32;
            seconds
                .and_then(|seconds| NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos))
        });
        match time {
            Some(None) => return Err(format!("a time of day out of range ({t:?} ticks)")),
            time => cells.push(time.flatten().map(|t| t.format("%H:%M:%S%.f").to_string())),
        }
    }
    Ok(())
}

/// Appends a dictionary array's labels, each key read through its dictionary.
fn append_labels(array: &ArrayRef, cells: &mut Vec<Option<String>>) -> Result<(), String> {
    let dictionary = array
        .as_any_dictionary_opt()
        .ok_or("a dictionary column that cannot be read")?;
    let mut labels = Vec::new();
    append_text(dictionary.values(), &mut labels)?;
    let keys = dictionary.normalized_keys();
    for (index, key) in keys.into_iter().enumerate() {
        let label = if dictionary.keys().is_null(index) {
            None
        } else {
            labels.get(key).cloned().flatten()
        };
        cells.push(label);
    }
    Ok(())
}

/// A date or time read (`None`: empty), or the error for one outside the calendar dxsynth
/// reads (chrono's, about 262,000 years either side of year 0): it was left empty before.
fn in_range<D: std::fmt::Display>(
    value: Option<(Option<String>, D)>,
) -> Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some((Some(text), _)) => Ok(Some(text)),
        Some((None, days)) => Err(format!(
            "a date {days} days from 1970-01-01 is outside the calendar dxsynth reads; \
             correct it or leave it empty (null)"
        )),
    }
}

fn decimal_text(value: i128, scale: i8) -> String {
    if scale <= 0 {
        return (value * 10i128.pow(u32::from(scale.unsigned_abs()))).to_string();
    }
    let scale = scale as usize;
    let digits = value.unsigned_abs().to_string();
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{whole}.{fraction}")
}

fn date_text(days: i64) -> Option<String> {
    DateTime::from_timestamp(days.checked_mul(86_400)?, 0)
        .map(|moment| moment.date_naive().format("%Y-%m-%d").to_string())
}

fn timestamp_text(ticks: i64, per_second: i64) -> Option<String> {
    let seconds = ticks.div_euclid(per_second);
    let nanos = (ticks.rem_euclid(per_second) * (1_000_000_000 / per_second)) as u32;
    DateTime::from_timestamp(seconds, nanos).map(|moment| {
        moment
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S%.f")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn decimals_dates_and_timestamps_as_text() {
        assert_eq!(decimal_text(12345, 2), "123.45");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(date_text(0).as_deref(), Some("1970-01-01"));
        assert_eq!(
            timestamp_text(1_500_000, 1_000_000).as_deref(),
            Some("1970-01-01 00:00:01.500")
        );
        assert_eq!(
            timestamp_text(-1, 1).as_deref(),
            Some("1969-12-31 23:59:59")
        );
    }

    #[test]
    fn a_codec_left_out_of_the_build_is_named_with_the_way_out() {
        // Written by pyarrow with its default codec, Snappy.
        let snappy = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/parquet/snappy.parquet");
        let err = read(&snappy).expect_err("Snappy is not built in");
        assert!(err.contains("compressed with SNAPPY"), "{err}");
        assert!(err.contains("compression='zstd'"), "{err}");
        assert!(!err.contains("Disabled feature"), "{err}");
    }

    #[test]
    fn a_damaged_embedded_arrow_schema_is_not_read_and_dictionaries_stay_categories() {
        let damaged = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/parquet/damaged_arrow_schema.parquet");
        // arrow-ipc panicked converting this file's embedded schema.
        let text = read(&damaged).expect("read from the Parquet schema");
        assert!(text.header.iter().any(|name| name == "order_id"));
        assert!(!text.cells[0].is_empty());

        use arrow_array::{DictionaryArray, RecordBatch, StringArray};
        let texts: Vec<String> = (0..40).map(|i| format!("label number {i}")).collect();
        let labels: DictionaryArray<Int32Type> = texts.iter().map(|t| Some(t.as_str())).collect();
        let plain = StringArray::from_iter_values((0..40).map(|i| format!("text {i}")));
        let batch = RecordBatch::try_from_iter([
            ("labels", Arc::new(labels) as ArrayRef),
            ("plain", Arc::new(plain) as ArrayRef),
        ])
        .expect("a batch");
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("t.parquet");
        let file = File::create(&path).expect("a file");
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a writer");
        writer.write(&batch).expect("written");
        writer.close().expect("closed");
        let text = read(&path).expect("read back");
        assert_eq!(text.header, ["labels", "plain"]);
        assert_eq!(text.kinds, [Some(ColumnKind::Categorical), None]);
        assert_eq!(text.cells[0][3].as_deref(), Some("label number 3"));
    }

    /// Writes one batch of `columns` to a Parquet file in `dir` and reads it back.
    fn written(dir: &Path, columns: Vec<(&str, ArrayRef)>) -> Result<TextTable, String> {
        let batch = arrow_array::RecordBatch::try_from_iter(columns).expect("a batch");
        let path = dir.join("t.parquet");
        let file = File::create(&path).expect("a file");
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("a writer");
        writer.write(&batch).expect("written");
        writer.close().expect("closed");
        read(&path)
    }

    #[test]
    fn nan_is_missing_infinity_and_dates_out_of_range_are_named_errors() {
        use arrow_array::{Date32Array, Float64Array};
        let dir = tempfile::tempdir().expect("a folder");
        let floats = Float64Array::from(vec![Some(1.5), Some(f64::NAN), None, Some(2.0)]);
        let text = written(dir.path(), vec![("x", Arc::new(floats) as ArrayRef)]).expect("read");
        assert_eq!(
            text.cells[0],
            [Some("1.5".to_string()), None, None, Some("2".to_string())]
        );
        assert!(
            text.warnings.iter().any(|w| w.contains("`x`: 1 NaN")),
            "{:?}",
            text.warnings
        );

        let infinite = Float64Array::from(vec![1.0, 2.0, f64::INFINITY]);
        let err = written(dir.path(), vec![("y", Arc::new(infinite) as ArrayRef)])
            .expect_err("infinity is refused");
        assert!(err.contains("column `y`: row 3 holds inf"), "{err}");

        // Before, a date chrono cannot hold became an empty cell without a word.
        let dates = Date32Array::from(vec![Some(0), Some(i32::MAX)]);
        let err = written(dir.path(), vec![("d", Arc::new(dates) as ArrayRef)])
            .expect_err("a date out of range is refused");
        assert!(
            err.contains("column `d`") && err.contains("outside the calendar"),
            "{err}"
        );
    }
}
