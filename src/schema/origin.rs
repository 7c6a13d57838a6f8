//! Where one table's rows come from: its `path` (a CSV or Parquet file), or a table of its
//! `source` or the schema's `source` (a folder, an SQLite or a PostgreSQL database).
//!
//! A table read from a folder becomes a file path as if `path:` had been written, so loading
//! stays file-based; a table read from a database keeps the location and its table name, and its
//! `path` only names it in messages ("sqlite:shop.db, table orders").

use std::path::{Path, PathBuf};

use super::TableSource;
use crate::error::Problem;
use crate::location::Location;

/// A table's resolved origin.
#[derive(Debug, Default)]
pub(super) struct Origin {
    pub path: PathBuf,
    pub path_as_written: PathBuf,
    pub source: Option<TableSource>,
}

/// Resolves `path:`, `source:` and `table:` of one table against the schema's `source:`
/// (`schema_source`, or `Err` when one is written but could not be read: that is reported
/// once, not again as a table without a source).
pub(super) fn resolve(
    name: &str,
    path: Option<&Path>,
    own_source: Option<&str>,
    table: Option<&str>,
    schema_source: Result<Option<&Location>, ()>,
    base: &Path,
) -> Result<Origin, Problem> {
    let problem = |parameter: &str, message: String| Problem::table(name, parameter, message);
    if let Some(path) = path {
        if own_source.is_some() || table.is_some() {
            return Err(problem(
                "path",
                "`path` and `source`/`table` are mutually exclusive: a table is read from a \
                 file or from a database table"
                    .into(),
            ));
        }
        // Joined to the schema's folder, an empty path would name that folder (or, for a
        // schema in the current folder, nothing at all) and be reported as such.
        if path.to_string_lossy().trim().is_empty() {
            return Err(problem(
                "path",
                "`path` is empty: give the CSV or Parquet file of the table".into(),
            ));
        }
        return Ok(Origin {
            path: base.join(path),
            path_as_written: path.to_path_buf(),
            source: None,
        });
    }
    let own = own_source
        .map(|text| Location::parse(text, base).map_err(|message| problem("source", message)))
        .transpose()?;
    let Ok(schema_source) = schema_source else {
        return Ok(own.map_or_else(Origin::default, |own| origin_in(&own, name, table, base)));
    };
    let Some(location) = own.as_ref().or(schema_source) else {
        return Err(problem(
            "path",
            "no `path` and no `source`: give the CSV or Parquet file with `path:`, or a \
             top-level `source:` (a folder, `sqlite:PATH` or `postgresql://...`)"
                .into(),
        ));
    };
    Ok(origin_in(location, name, table, base))
}

/// The origin of table `name` (read as `table` when given) in `location`.
fn origin_in(location: &Location, name: &str, table: Option<&str>, base: &Path) -> Origin {
    let table = table.unwrap_or(name);
    match location {
        Location::Folder(dir) => folder_file(dir, table, base),
        database => Origin {
            path: PathBuf::from(format!("{database}, table {table}")),
            path_as_written: PathBuf::from(format!("{database}, table {table}")),
            source: Some(TableSource {
                location: database.clone(),
                table: table.to_string(),
            }),
        },
    }
}

/// `DIR/<table>.csv`, or else the first of `DIR/<table>.tsv` and `DIR/<table>.parquet` that
/// exists (`.csv` when none does: the message names it).
fn folder_file(dir: &Path, table: &str, base: &Path) -> Origin {
    let csv = dir.join(format!("{table}.csv"));
    let others = ["tsv", "parquet"].map(|extension| dir.join(format!("{table}.{extension}")));
    let path = match csv.exists() {
        true => csv,
        false => others
            .into_iter()
            .find(|other| other.exists())
            .unwrap_or(csv),
    };
    let path_as_written = path
        .strip_prefix(base)
        .map_or_else(|_| path.clone(), Path::to_path_buf);
    Origin {
        path,
        path_as_written,
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_folder_and_database() {
        let base = Path::new("/data");
        let file = resolve("a", Some(Path::new("a.csv")), None, None, Ok(None), base).unwrap();
        assert_eq!(file.path, Path::new("/data/a.csv"));
        let folder = Location::Folder(PathBuf::from("/data/in"));
        let from_folder = resolve("a", None, None, None, Ok(Some(&folder)), base).unwrap();
        assert_eq!(from_folder.path, Path::new("/data/in/a.csv"));
        assert_eq!(from_folder.path_as_written, Path::new("in/a.csv"));
        let db = Location::Sqlite(PathBuf::from("/data/shop.db"));
        let renamed = resolve("a", None, None, Some("A_table"), Ok(Some(&db)), base).unwrap();
        let source = renamed.source.unwrap();
        assert_eq!(source.table, "A_table");
        assert_eq!(source.location, db);
        let own = resolve(
            "a",
            None,
            Some("sqlite:other.db"),
            None,
            Ok(Some(&db)),
            base,
        )
        .unwrap();
        assert_eq!(
            own.source.unwrap().location,
            Location::Sqlite(PathBuf::from("/data/other.db"))
        );
        assert!(resolve("a", None, None, None, Ok(None), base).is_err());
        // A schema `source:` that could not be read was reported already: no second problem.
        let unread = resolve("a", None, None, None, Err(()), base).unwrap();
        assert_eq!(unread.path, PathBuf::new());
        let own = resolve("a", None, Some("sqlite:own.db"), None, Err(()), base).unwrap();
        assert!(own.source.is_some(), "a table's own source still counts");
        assert!(
            resolve(
                "a",
                Some(Path::new("a.csv")),
                None,
                Some("b"),
                Ok(None),
                base
            )
            .is_err()
        );
    }

    #[test]
    fn an_empty_path_is_refused_as_empty() {
        for base in [Path::new("/data"), Path::new("")] {
            let err = resolve("a", Some(Path::new(" ")), None, None, Ok(None), base).unwrap_err();
            assert!(err.to_string().contains("`path` is empty"), "{err}");
        }
    }
}
