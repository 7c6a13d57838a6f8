//! `dxsynth init`: a schema inferred from a folder of CSV, TSV or Parquet files, with every key
//! explained.
//!
//! One table per CSV file. For each table, inference finds:
//!
//! - the primary key: a unique, never-empty column, preferring key names (`id`, `<table>_id`,
//!   `<table>_sk`, `code`...), the first column, and columns other tables reference, by name
//!   above all ([`keys`]);
//! - foreign keys: columns whose values all are keys of another table, ranked by name evidence,
//!   the odds of the match happening by chance, coverage and type agreement, so `flights.origin`
//!   is found to reference `airports.faa` although the names differ, while the integers 1..7 of a
//!   line number are not taken for a reference to any dense integer key ([`links`], [`keys`]);
//! - how it is generated: `sequence_by` (or `sequential: false`) from the children-per-parent
//!   counts, and `order_by` when a datetime orders each parent's rows ([`sequence`]);
//! - column types where inference is a close call ([`types`]).
//!
//! Self-references and cycles cannot be generated and are left out with a comment ([`cycles`]);
//! every choice and every candidate left out carries its reasons in words ([`explain`]).
//! [`infer`] returns the result as typed values with their reasons; [`render`] writes the
//! commented YAML; [`check`] validates it exactly as `dxsynth validate` would; [`write`] puts it
//! in place atomically.

mod cycles;
mod declared;
mod explain;
mod inferred;
mod keys;
mod links;
mod names;
mod profile;
mod rules;
mod scan;
pub mod semantic;
mod sequence;
mod types;
mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::data::RawTable;
use crate::error::{Error, Problem, Result};
use crate::schema::Schema;
use crate::validated::Validated;

pub use inferred::{
    ColumnNote, Confidence, ForeignKey, Generation, Inferred, InferredTable, OrderBy, PrimaryKey,
    Skipped,
};
pub use rules::{annotate as annotate_rules, real_rules, tie_to_parents};
pub use yaml::render;

use profile::TableProfile;
use sequence::Counts;

/// Infers a schema from the data files (CSV, TSV, Parquet) of `dir`. Files that cannot be tables are left out with
/// the reason; a folder without any usable CSV file is an error.
pub fn infer(dir: &Path) -> Result<Inferred> {
    let listing = scan::list(dir)?;
    let read: Vec<std::result::Result<RawTable, String>> =
        listing.files.par_iter().map(scan::read).collect();
    let mut skipped = listing.skipped;
    let mut loaded = Vec::new();
    for (file, result) in listing.files.into_iter().zip(read) {
        match result {
            Ok(raw) => loaded.push((file, raw)),
            Err(reason) => skipped.push(Skipped {
                file: file.file_name,
                reason,
            }),
        }
    }
    if loaded.is_empty() {
        return Err(no_tables(dir, &skipped));
    }
    let profiles: Vec<TableProfile> = loaded
        .par_iter()
        .map(|(file, raw)| TableProfile::new(&file.table, raw))
        .collect();
    let file_names: Vec<&str> = loaded.iter().map(|(f, _)| f.file_name.as_str()).collect();
    let tables = assemble(&profiles, &file_names);
    Ok(Inferred {
        dir: dir.to_path_buf(),
        tables: parents_first(tables),
        skipped,
        ignored: listing.ignored,
        source: None,
    })
}

/// Infers a schema from a location: the files of a folder, or a database's catalogue and rows
/// (declared keys taken as given).
pub fn infer_location(location: &crate::location::Location) -> Result<Inferred> {
    match location {
        crate::location::Location::Folder(dir) => infer(dir),
        database => declared::infer(database),
    }
}

/// The error for a folder without any usable CSV or Parquet file, with why each was left out.
fn no_tables(dir: &Path, skipped: &[Skipped]) -> Error {
    let mut problems = vec![Problem::general(format!(
        "no usable CSV or Parquet file in `{}`: `dxsynth init` makes one table per `*.csv` or \
         `*.parquet` file with named columns and at least one row",
        dir.display()
    ))];
    problems.extend(
        skipped
            .iter()
            .map(|s| Problem::general(format!("{}: {}", s.file, s.reason))),
    );
    Error::invalid(problems)
}

/// Keys, generation, order and type notes of every table (in profile order).
fn assemble(profiles: &[TableProfile], file_names: &[&str]) -> Vec<InferredTable> {
    assemble_keys(profiles, file_names, keys::infer_keys(profiles))
}

/// [`assemble`] with the keys already chosen (inferred, or declared by a database).
fn assemble_keys(
    profiles: &[TableProfile],
    file_names: &[&str],
    keys: keys::Keys,
) -> Vec<InferredTable> {
    let names: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
    let mut foreign = keys.foreign;
    let cycle_notes = cycles::break_cycles(&names, &mut foreign);
    let mut notes = keys.notes;
    for (table, more) in cycle_notes.into_iter().enumerate() {
        notes[table].extend(more);
    }
    let primary = keys.primary;
    let no_primary_key = keys.no_primary_key;
    profiles
        .iter()
        .enumerate()
        .map(|(index, profile)| {
            let foreign_keys: Vec<ForeignKey> =
                foreign[index].iter().map(|(fk, _)| fk.clone()).collect();
            let counted = count_children(profiles, &primary, profile, &foreign_keys);
            let generation = sequence::generation(&counted);
            let order_by = sequence_column(&generation, &foreign_keys)
                .and_then(|column| column_index(profile, column))
                .and_then(|column| sequence::order_by(profile, column));
            let key_columns: HashSet<&str> = primary[index]
                .iter()
                .map(|pk| pk.column.as_str())
                .chain(foreign_keys.iter().map(|fk| fk.column.as_str()))
                .collect();
            InferredTable {
                name: profile.name.clone(),
                file_name: file_names[index].to_string(),
                rows: profile.rows,
                columns: profile.columns.len(),
                primary_key: primary[index].clone(),
                no_primary_key: no_primary_key[index].clone(),
                column_notes: types::notes(profile, &key_columns),
                foreign_keys,
                generation,
                order_by,
                notes: std::mem::take(&mut notes[index]),
            }
        })
        .collect()
}

/// The index of a column of a profiled table.
fn column_index(profile: &TableProfile, column: &str) -> Option<usize> {
    profile.columns.iter().position(|c| c.name == column)
}

/// Children-per-parent counts of each foreign key of a table.
fn count_children(
    profiles: &[TableProfile],
    primary: &[Option<PrimaryKey>],
    profile: &TableProfile,
    foreign_keys: &[ForeignKey],
) -> Vec<(ForeignKey, Counts)> {
    foreign_keys
        .iter()
        .filter_map(|fk| {
            let child = column_index(profile, &fk.column)?;
            let parent = profiles.iter().position(|p| p.name == fk.parent)?;
            let key = primary[parent].as_ref()?;
            let key_column = column_index(&profiles[parent], &key.column)?;
            let counts = Counts::new(&profile.cells[child], &profiles[parent].cells[key_column]);
            Some((fk.clone(), counts))
        })
        .collect()
}

/// The foreign key that drives a sequential table.
fn sequence_column<'a>(
    generation: &'a Generation,
    foreign_keys: &'a [ForeignKey],
) -> Option<&'a str> {
    match generation {
        Generation::Sequential { by: Some(by), .. } => Some(by),
        Generation::Sequential { by: None, .. } => {
            foreign_keys.first().map(|fk| fk.column.as_str())
        }
        _ => None,
    }
}

/// Orders tables so parents come before children: roots first, then the tables whose parents
/// are all placed, level by level (file order within a level). The foreign keys form no cycle by
/// then; should one remain, its tables are appended in file order.
fn parents_first(tables: Vec<InferredTable>) -> Vec<InferredTable> {
    let index: HashMap<String, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let parents: Vec<Vec<usize>> = tables
        .iter()
        .map(|t| {
            t.foreign_keys
                .iter()
                .filter_map(|fk| index.get(&fk.parent).copied())
                .collect()
        })
        .collect();
    let mut placed = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let mut level: Vec<usize> = (0..tables.len())
            .filter(|&t| !placed[t] && parents[t].iter().all(|&p| placed[p] || p == t))
            .collect();
        if level.is_empty() {
            level = (0..tables.len()).filter(|&t| !placed[t]).collect();
        }
        for &t in &level {
            placed[t] = true;
        }
        order.extend(level);
    }
    let mut slots: Vec<Option<InferredTable>> = tables.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The folder holding the CSV files, as the schema at `schema_file` must name it: relative to
/// the schema's folder when both are on the same root, else absolute. Both folders must exist.
pub fn data_dir_from(schema_file: &Path, data_dir: &Path) -> Result<PathBuf> {
    let schema_dir = match schema_file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let base = std::fs::canonicalize(schema_dir).map_err(|source| Error::NoFolder {
        path: schema_dir.to_path_buf(),
        source,
    })?;
    let data = std::fs::canonicalize(data_dir).map_err(|err| {
        Error::invalid(vec![Problem::general(format!(
            "cannot read the data folder `{}`: {err}",
            data_dir.display()
        ))])
    })?;
    Ok(relative(&data, &base))
}

/// `target` relative to `base` (both absolute); absolute when they share no root.
fn relative(target: &Path, base: &Path) -> PathBuf {
    let target_parts: Vec<Component> = target.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let common = target_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut path = PathBuf::new();
    for _ in common..base_parts.len() {
        path.push("..");
    }
    for part in &target_parts[common..] {
        path.push(part);
    }
    path
}

/// Checks schema text exactly as `dxsynth validate` would check it at `schema_file` (which need
/// not exist yet): the rules, the plan, and the data, loaded as `validate` and training load it
/// (every value checked; of a large table no table refers to, a sample's values kept); returns
/// the loaded input.
pub fn check(text: &str, schema_file: &Path) -> Result<Validated> {
    let base = schema_file.parent().unwrap_or_else(|| Path::new(""));
    let schema = Schema::parse(text, schema_file, base)?;
    crate::validated::validate_parsed_for_training(schema, crate::sampling::TRAINING_ROWS)
}

/// Writes `text` to `path` atomically (a temporary file beside it, then a rename), so a reader
/// never sees half a schema. An existing file is replaced only with `force`.
pub fn write(path: &Path, text: &str, force: bool) -> Result<()> {
    crate::files::replaceable(path).map_err(|what| Error::NotAFile {
        path: path.to_path_buf(),
        what,
    })?;
    let placing = crate::files::Placing {
        prefix: ".dxsynth-schema-",
        private: false,
        replace: force,
    };
    crate::files::write_replacing(path, text.as_bytes(), placing).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists(path.to_path_buf())
        } else {
            Error::Io {
                context: "cannot write",
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    Ok(())
}

/// Test helpers shared by the modules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::data::{RawTable, TextColumn};

    /// A table from rows of text; empty strings are empty cells.
    pub(crate) fn raw(header: &[&str], rows: &[&[&str]]) -> RawTable {
        let cells = (0..header.len())
            .map(|column| {
                let cells = rows
                    .iter()
                    .map(|row| Some(row[column].to_string()).filter(|cell| !cell.is_empty()))
                    .collect();
                TextColumn::from_cells(cells).expect("a small column")
            })
            .collect();
        RawTable {
            header: header.iter().map(|h| h.to_string()).collect(),
            lines: (2..rows.len() as u64 + 2).collect(),
            cells,
            dialect: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    /// Infers, renders at DIR/schema.yaml, parses back and validates.
    fn round_trip(dir: &Path) -> (Inferred, String) {
        let inferred = infer(dir).expect("inference");
        let schema_file = dir.join("schema.yaml");
        let text = render(&inferred, Path::new(""));
        Schema::parse(&text, &schema_file, dir).expect("the YAML parses");
        check(&text, &schema_file).unwrap_or_else(|err| panic!("{err}\n{text}"));
        (inferred, text)
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b/data"), Path::new("/a/b")),
            Path::new("data")
        );
        assert_eq!(
            relative(Path::new("/a/data"), Path::new("/a/b/c")),
            Path::new("../../data")
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), Path::new(""));
    }

    #[test]
    fn empty_folder_is_an_error() {
        let dir = folder(&[("notes.txt", "hello")]);
        let err = infer(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err}");
        assert!(
            err.to_string().contains("no usable CSV or Parquet file"),
            "{err}"
        );
    }

    #[test]
    fn bad_files_are_left_out_with_a_reason() {
        let dir = folder(&[
            ("customers.csv", "id,name\n1,a\n2,b\n"),
            ("empty.csv", ""),
            ("header_only.csv", "id,customer_id\n"),
            ("ragged.csv", "a,b\n1\n"),
            ("twice.csv", "a,a\n1,2\n"),
        ]);
        std::fs::write(dir.path().join("latin1.csv"), b"id,name\n1,caf\xe9\n").unwrap();
        let (inferred, text) = round_trip(dir.path());
        assert_eq!(inferred.tables.len(), 1);
        let skipped: Vec<&str> = inferred.skipped.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "empty.csv",
                "header_only.csv",
                "latin1.csv",
                "ragged.csv",
                "twice.csv"
            ]
        );
        assert!(text.contains("UTF-8"), "{text}");
        assert!(text.contains("no rows"), "{text}");
    }

    #[test]
    fn empty_tables_are_left_out_and_never_referenced() {
        let dir = folder(&[
            ("customers.csv", "id,name\n"),
            ("products.csv", "id,label\n1,a\n2,b\n"),
            (
                "orders.csv",
                "id,customer_id,product_id\n1,1,2\n2,1,1\n3,2,2\n",
            ),
        ]);
        let (inferred, text) = round_trip(dir.path());
        let orders = inferred.tables.iter().find(|t| t.name == "orders").unwrap();
        let parents: Vec<&str> = orders
            .foreign_keys
            .iter()
            .map(|fk| fk.parent.as_str())
            .collect();
        assert_eq!(parents, ["products"], "{text}");
        assert_eq!(inferred.skipped[0].file, "customers.csv");
    }

    #[test]
    fn written_atomically_and_not_over_an_existing_file() {
        let dir = folder(&[]);
        let path = dir.path().join("schema.yaml");
        write(&path, "tables: {}\n", false).unwrap();
        let err = write(&path, "other\n", false).unwrap_err();
        assert!(matches!(err, Error::OutputExists(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "tables: {}\n");
        write(&path, "other\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "other\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn self_references_are_left_out() {
        let dir = folder(&[(
            "employees.csv",
            "id,name,manager_id\n1,a,\n2,b,1\n3,c,1\n4,d,2\n5,e,2\n6,f,3\n",
        )]);
        let (inferred, text) = round_trip(dir.path());
        let table = &inferred.tables[0];
        assert_eq!(
            table.primary_key.as_ref().map(|pk| pk.column.as_str()),
            Some("id")
        );
        assert!(table.foreign_keys.is_empty());
        assert!(text.contains("self-references are not supported"), "{text}");
    }

    #[test]
    fn cycles_are_broken_and_explained() {
        let dir = folder(&[
            ("a.csv", "a_id,b_id\n1,1\n2,2\n3,1\n"),
            ("b.csv", "b_id,a_id\n1,1\n2,3\n"),
        ]);
        let (inferred, text) = round_trip(dir.path());
        let keys: usize = inferred.tables.iter().map(|t| t.foreign_keys.len()).sum();
        assert_eq!(keys, 1, "{text}");
        assert!(text.contains("cycle"), "{text}");
    }
}
