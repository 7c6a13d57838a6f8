//! Writing the synthetic tables: one CSV per table, same header and column order as the input,
//! values written as the input wrote them, keys renumbered.
//!
//! Files are written into a temporary folder beside the output folder and moved into place only
//! when every table is written, so a failed run never leaves files that look complete.

use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::generate::SyntheticTable;

/// Writes every table as `<out_dir>/<table>.csv`; returns the paths written.
pub fn write_all(
    out_dir: &Path,
    tables: &IndexMap<String, SyntheticTable>,
) -> Result<Vec<PathBuf>> {
    let staging = staging_dir(out_dir)?;
    for table in tables.values() {
        write_table(&staging.path().join(file_name(table)), table)?;
    }
    move_into_place(staging, out_dir, tables)
}

fn file_name(table: &SyntheticTable) -> String {
    format!("{}.csv", table.name)
}

/// A temporary folder on the same file system as `out_dir` (so moving is a rename).
fn staging_dir(out_dir: &Path) -> Result<tempfile::TempDir> {
    let parent = match out_dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|source| Error::Io {
        context: "cannot create the output folder's parent",
        path: parent.clone(),
        source,
    })?;
    tempfile::Builder::new()
        .prefix(".dxsynth-")
        .tempdir_in(&parent)
        .map_err(|source| Error::Io {
            context: "cannot create a temporary folder in",
            path: parent,
            source,
        })
}

/// Renames the staged folder to `out_dir` when that does not exist yet (all at once); otherwise
/// moves each file into the existing folder, leaving its other files alone.
fn move_into_place(
    staging: tempfile::TempDir,
    out_dir: &Path,
    tables: &IndexMap<String, SyntheticTable>,
) -> Result<Vec<PathBuf>> {
    let targets: Vec<PathBuf> = tables
        .values()
        .map(|t| out_dir.join(file_name(t)))
        .collect();
    if !out_dir.exists() {
        let staged = staging.keep();
        fs::rename(&staged, out_dir).map_err(|source| Error::Io {
            context: "cannot move the output into",
            path: out_dir.to_path_buf(),
            source,
        })?;
        return Ok(targets);
    }
    for (table, target) in tables.values().zip(&targets) {
        fs::rename(staging.path().join(file_name(table)), target).map_err(|source| Error::Io {
            context: "cannot move the output into",
            path: target.clone(),
            source,
        })?;
    }
    Ok(targets)
}

fn write_table(path: &Path, table: &SyntheticTable) -> Result<()> {
    let fail = |source: csv::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(fail)?;
    writer.write_record(&table.header).map_err(fail)?;
    let sources: Vec<Source<'_>> = table
        .header
        .iter()
        .map(|name| source_of(table, name))
        .collect();
    let mut record: Vec<String> = Vec::with_capacity(sources.len());
    for row in 0..table.rows {
        record.clear();
        record.extend(sources.iter().map(|source| source.write(row)));
        writer.write_record(&record).map_err(fail)?;
    }
    writer.flush().map_err(|source| Error::Io {
        context: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}

/// Where the values of one output column come from.
enum Source<'a> {
    PrimaryKey(Option<&'a [Option<String>]>),
    ForeignKey(&'a [Option<usize>], Option<&'a [Option<String>]>),
    Column(&'a crate::data::Column),
    Missing,
}

impl Source<'_> {
    fn write(&self, row: usize) -> String {
        match self {
            Source::PrimaryKey(None) => (row + 1).to_string(),
            Source::PrimaryKey(Some(labels)) => labels[row].clone().unwrap_or_default(),
            Source::ForeignKey(parents, None) => {
                parents[row].map_or_else(String::new, |p| (p + 1).to_string())
            }
            Source::ForeignKey(parents, Some(labels)) => parents[row]
                .and_then(|p| labels.get(p).cloned().flatten())
                .unwrap_or_default(),
            Source::Column(column) => column.format.write(&column.values[row]),
            Source::Missing => String::new(),
        }
    }
}

fn source_of<'a>(table: &'a SyntheticTable, name: &str) -> Source<'a> {
    let labels = table.key_labels.get(name).map(|labels| labels.as_slice());
    if table.primary_key.as_deref() == Some(name) {
        return Source::PrimaryKey(labels);
    }
    if let Some(parents) = table.foreign_keys.get(name) {
        return Source::ForeignKey(parents, labels);
    }
    table
        .columns
        .iter()
        .find(|column| column.name == name)
        .map_or(Source::Missing, Source::Column)
}
