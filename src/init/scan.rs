//! The data folder: which files are tables, what they are called, and reading them as text.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::data::{RawTable, read_text};
use crate::error::{Error, Problem, Result};
use crate::schema::TableDef;

use super::inferred::Skipped;

/// A CSV file of the folder and the table it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CsvFile {
    /// The file name, e.g. `order-items.csv`.
    pub file_name: String,
    /// The full path.
    pub path: PathBuf,
    /// The table name: the file stem, with characters a table name cannot have replaced by `_`.
    pub table: String,
}

/// What the folder holds.
#[derive(Debug, Default)]
pub(super) struct Listing {
    /// The CSV files, by file name.
    pub files: Vec<CsvFile>,
    /// Entries that are not CSV files (other files, folders, hidden files).
    pub ignored: Vec<String>,
    /// CSV files that cannot become tables, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Lists the folder: `*.csv`, `*.tsv` and `*.parquet` files (any case) are tables, the rest is
/// ignored.
pub(super) fn list(dir: &Path) -> Result<Listing> {
    let unreadable = |err: std::io::Error| {
        Error::invalid(vec![Problem::general(format!(
            "cannot read the data folder `{}`: {err}",
            dir.display()
        ))])
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<_>>()
        .map_err(unreadable)?;
    entries.sort();
    let mut listing = Listing::default();
    let mut taken = HashSet::new();
    for path in entries {
        let shown = path
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
        let is_csv = ["csv", "tsv", "parquet"]
            .iter()
            .any(|extension| crate::files::has_extension(&path, extension));
        if !is_csv || shown.starts_with('.') {
            listing.ignored.push(shown);
            continue;
        }
        // A folder or a FIFO named `x.csv` is no table, but not "not a .csv file" either.
        if let Err(what) = crate::files::regular_file(&path) {
            let reason = what.split(':').next().unwrap_or(&what).to_string();
            listing.skipped.push(Skipped {
                file: shown,
                reason,
            });
            continue;
        }
        let Some(file_name) = path.file_name().and_then(|name| name.to_str()) else {
            listing.skipped.push(Skipped {
                file: shown,
                reason: "the file name is not valid UTF-8: rename the file".into(),
            });
            continue;
        };
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let table = unique_name(&table_name(stem), &mut taken);
        listing.files.push(CsvFile {
            file_name: file_name.to_string(),
            table,
            path,
        });
    }
    Ok(listing)
}

/// A table name from a file stem: letters, digits and `_` only (it names the output file).
pub(super) fn table_name(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "table".into()
    } else {
        name
    }
}

/// `name`, or `name_2`, `name_3`... when two files give the same name (`a-b.csv`, `a_b.csv`).
fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

/// Reads a CSV as text, with the same reader `validate` uses; a file `validate` would reject
/// whatever the schema says (unreadable, empty, duplicate header names) is an error message.
pub(super) fn read(file: &CsvFile) -> std::result::Result<RawTable, String> {
    let def = TableDef {
        name: file.table.clone(),
        path: file.path.clone(),
        path_as_written: PathBuf::from(&file.file_name),
        primary_key: None,
        foreign_keys: Vec::new(),
        sequential: true,
        sequential_given: false,
        sequence_by: None,
        order_by: None,
        columns: IndexMap::new(),
        source: None,
        rules: Default::default(),
        mode: None,
        delimiter: None,
        numbers: None,
    };
    let raw = read_text(&def).map_err(|problem| problem.message)?;
    let mut seen = HashSet::new();
    if let Some(twice) = raw.header.iter().find(|name| !seen.insert(name.as_str())) {
        return Err(format!(
            "`{}`: the header has the column `{twice}` twice",
            file.file_name
        ));
    }
    if raw.lines.is_empty() {
        return Err(format!(
            "`{}` has a header but no rows: an empty table has nothing to learn from",
            file.file_name
        ));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_stems() {
        assert_eq!(table_name("order-items"), "order_items");
        assert_eq!(table_name("Ünïcode"), "_n_code");
        let mut taken = HashSet::new();
        assert_eq!(unique_name("a_b", &mut taken), "a_b");
        assert_eq!(unique_name("a_b", &mut taken), "a_b_2");
    }

    #[test]
    fn lists_csv_files_and_ignores_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.CSV"), "x\n1\n").unwrap();
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
        std::fs::create_dir(dir.path().join("sub.csv")).unwrap();
        let listing = list(dir.path()).unwrap();
        let tables: Vec<&str> = listing.files.iter().map(|f| f.table.as_str()).collect();
        assert_eq!(tables, ["a", "b"]);
        assert_eq!(listing.ignored, ["notes.txt"]);
        let skipped: Vec<(&str, &str)> = listing
            .skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(skipped, [("sub.csv", "is a folder")]);
    }
}
