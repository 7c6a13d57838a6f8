//! Reading an SQLite database: its catalogue (`pragma_table_info`, `pragma_foreign_key_list`)
//! and its rows, all inside one read transaction so every table comes from the same state.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::catalogue::{Catalogue, CatalogueColumn, CatalogueTable, DeclaredForeignKey, Support};
use super::{TextTable, cell, quote_ident};
use crate::schema::ColumnKind;

/// Opens the database read-only (a missing file is an error, not a new empty database).
pub fn open_read_only(path: &Path) -> Result<Connection, String> {
    if !path.is_file() {
        return Err(format!("no SQLite database at `{}`", path.display()));
    }
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|err| format!("cannot open `{}`: {err}", path.display()))
}

/// Reads the named tables in one read transaction. The outer error is a database that cannot be
/// opened; an inner one a table that cannot be read.
pub fn read_tables(
    path: &Path,
    tables: &[String],
) -> Result<Vec<Result<TextTable, String>>, String> {
    let conn = open_read_only(path)?;
    let sql_error = |err: rusqlite::Error| format!("sqlite:{}: {err}", path.display());
    conn.execute_batch("BEGIN").map_err(sql_error)?;
    let read = tables
        .iter()
        .map(|table| read_table(&conn, table))
        .collect();
    conn.execute_batch("COMMIT").map_err(sql_error)?;
    Ok(read)
}

/// The catalogue: every table (not SQLite's own), its columns, primary and foreign keys.
pub fn catalogue(path: &Path) -> Result<Catalogue, String> {
    let conn = open_read_only(path)?;
    let names: Vec<String> = (|| {
        let mut statement = conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?;
        let names = statement.query_map([], |row| row.get(0))?;
        names.collect::<rusqlite::Result<Vec<String>>>()
    })()
    .map_err(|err| format!("cannot list the tables of `{}`: {err}", path.display()))?;
    let tables = names
        .into_iter()
        .map(|name| describe(&conn, &name))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Catalogue {
        tables,
        unreadable: Vec::new(),
    })
}

fn describe(conn: &Connection, table: &str) -> Result<CatalogueTable, String> {
    let fail = |err: rusqlite::Error| format!("table `{table}`: {err}");
    let columns = columns(conn, table)?;
    let mut statement = conn
        .prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
        .map_err(fail)?;
    let primary_key = statement
        .query_map([table], |row| row.get(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
        .map_err(fail)?;
    let mut statement = conn
        .prepare(
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) \
             ORDER BY id, seq",
        )
        .map_err(fail)?;
    let rows = statement
        .query_map([table], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(fail)?;
    let mut foreign_keys: Vec<(i64, DeclaredForeignKey)> = Vec::new();
    for (id, parent, from, to) in rows {
        if foreign_keys.last().is_none_or(|(last, _)| *last != id) {
            let key = DeclaredForeignKey {
                columns: Vec::new(),
                parent,
                parent_columns: Vec::new(),
            };
            foreign_keys.push((id, key));
        }
        if let Some((_, key)) = foreign_keys.last_mut() {
            key.columns.push(from);
            // No `to`: the parent's primary key (filled in by `init`, which knows it).
            key.parent_columns.extend(to);
        }
    }
    Ok(CatalogueTable {
        name: table.to_string(),
        columns,
        primary_key,
        foreign_keys: foreign_keys.into_iter().map(|(_, key)| key).collect(),
    })
}

/// The columns of a table with their declared types; a missing table is an error.
fn columns(conn: &Connection, table: &str) -> Result<Vec<CatalogueColumn>, String> {
    let fail = |err: rusqlite::Error| format!("table `{table}`: {err}");
    let mut statement = conn
        .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid")
        .map_err(fail)?;
    let columns = statement
        .query_map([table], |row| {
            let sql_type: String = row.get(1)?;
            Ok(CatalogueColumn {
                name: row.get(0)?,
                support: support(&sql_type),
                // An INTEGER PRIMARY KEY is never empty, whatever `notnull` says.
                not_null: row.get::<_, bool>(2)? || row.get::<_, i64>(3)? > 0,
                sql_type,
            })
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(fail)?;
    if columns.is_empty() {
        return Err(format!("there is no table `{table}` in the database"));
    }
    Ok(columns)
}

/// What a declared type says, by SQLite's affinity rules (a name containing INT is an integer,
/// and so on), plus the names people use for booleans and dates.
pub fn support(sql_type: &str) -> Support {
    let upper = sql_type.to_ascii_uppercase();
    let has = |part: &str| upper.contains(part);
    if has("BLOB") || has("JSON") {
        Support::Unsupported
    } else if has("BOOL") {
        Support::Read(Some(ColumnKind::Boolean))
    } else if has("DATE") || has("TIMESTAMP") {
        Support::Read(Some(ColumnKind::Datetime))
    } else if has("INT")
        || has("REAL")
        || has("FLOA")
        || has("DOUB")
        || has("NUMERIC")
        || has("DECIMAL")
    {
        Support::Read(Some(ColumnKind::Numerical))
    } else {
        Support::Read(None)
    }
}

/// Reads one table's rows as text; booleans stored as 0/1 become `false`/`true`.
fn read_table(conn: &Connection, table: &str) -> Result<TextTable, String> {
    let declared = columns(conn, table)?;
    let mut text = TextTable::default();
    let mut selected = Vec::new();
    for column in &declared {
        match column.support {
            Support::Unsupported if column.not_null => {
                text.warnings.push(column.unsupported_warning(table));
                continue;
            }
            Support::Unsupported => {
                text.warnings.push(column.unsupported_warning(table));
                selected.push("NULL".to_string());
                text.kinds.push(None);
            }
            Support::Read(kind) => {
                selected.push(quote_ident(&column.name));
                text.kinds.push(kind);
            }
        }
        text.header.push(column.name.clone());
    }
    let booleans: Vec<bool> = text
        .kinds
        .iter()
        .map(|kind| *kind == Some(ColumnKind::Boolean))
        .collect();
    text.cells = vec![Vec::new(); text.header.len()];
    let sql = format!("SELECT {} FROM {}", selected.join(", "), quote_ident(table));
    let fail = |err: rusqlite::Error| format!("table `{table}`: {err}");
    let mut statement = conn.prepare(&sql).map_err(fail)?;
    let mut rows = statement.query([]).map_err(fail)?;
    while let Some(row) = rows.next().map_err(fail)? {
        let number = text.lines.len() as u64 + 1;
        for (index, column) in text.cells.iter_mut().enumerate() {
            let value = row.get_ref(index).map_err(fail)?;
            let shown = value_text(value, booleans[index])
                .map_err(|what| format!("row {number}, column `{}`: {what}", text.header[index]))?;
            column.push(shown);
        }
        text.lines.push(number);
    }
    super::not_finite(&mut text, table)?;
    Ok(text)
}

fn value_text(value: ValueRef<'_>, boolean: bool) -> Result<Option<String>, String> {
    Ok(match value {
        ValueRef::Null => None,
        ValueRef::Integer(0) if boolean => Some("false".into()),
        ValueRef::Integer(1) if boolean => Some("true".into()),
        ValueRef::Integer(number) => Some(number.to_string()),
        ValueRef::Real(number) => Some(number.to_string()),
        ValueRef::Text(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| "invalid UTF-8 text".to_string())?;
            cell(text)
        }
        ValueRef::Blob(_) => return Err("a binary value (BLOB) cannot be modelled".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_named_like_sqlite_are_the_users_only_sqlite_underscore_is_its_own() {
        // `NOT LIKE 'sqlite_%'` (`_` any character) left `sqlitedata` and `SQLiteUsers` out.
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).expect("a database");
        conn.execute_batch(
            "CREATE TABLE sqlitedata (id INTEGER PRIMARY KEY, x TEXT);
             CREATE TABLE SQLiteUsers (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, total REAL);
             INSERT INTO orders (total) VALUES (1.5);",
        )
        .expect("tables");
        drop(conn);
        let catalogue = catalogue(&path).expect("read");
        let names: Vec<&str> = catalogue.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["SQLiteUsers", "orders", "sqlitedata"]);
    }

    #[test]
    fn declared_types_by_affinity() {
        assert_eq!(
            support("BIGINT"),
            Support::Read(Some(ColumnKind::Numerical))
        );
        assert_eq!(
            support("decimal(10,2)"),
            Support::Read(Some(ColumnKind::Numerical))
        );
        assert_eq!(support("DATE"), Support::Read(Some(ColumnKind::Datetime)));
        assert_eq!(support("BOOLEAN"), Support::Read(Some(ColumnKind::Boolean)));
        assert_eq!(support("VARCHAR(20)"), Support::Read(None));
        assert_eq!(support("BLOB"), Support::Unsupported);
    }

    #[test]
    fn reads_catalogue_and_rows_in_one_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, flag BOOLEAN, pic BLOB NOT NULL, note BLOB);
             CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a, x REAL,
                             a2 INTEGER, FOREIGN KEY (a2) REFERENCES a (id));
             INSERT INTO a VALUES (1, 1, x'00', NULL), (2, 0, x'01', NULL);
             INSERT INTO b VALUES (1, 2, 1.5, 1), (2, NULL, NULL, NULL);",
        )
        .unwrap();
        drop(conn);
        let catalogue = catalogue(&path).unwrap();
        let b = &catalogue.tables[1];
        assert_eq!(b.primary_key, ["id"]);
        assert_eq!(b.foreign_keys.len(), 2);
        let by_column = |column: &str| {
            b.foreign_keys
                .iter()
                .find(|fk| fk.columns == [column])
                .unwrap_or_else(|| panic!("no foreign key on {column}"))
        };
        assert!(by_column("a_id").parent_columns.is_empty());
        assert_eq!(by_column("a2").parent_columns, ["id"]);
        assert_eq!(by_column("a2").parent, "a");
        let read = read_tables(&path, &["a".into(), "b".into(), "nope".into()]).unwrap();
        let a = read[0].as_ref().unwrap();
        assert_eq!(a.header, ["id", "flag", "note"]);
        assert_eq!(a.cells[1], [Some("true".into()), Some("false".into())]);
        assert_eq!(a.warnings.len(), 2);
        let b = read[1].as_ref().unwrap();
        assert_eq!(b.cells[2], [Some("1.5".into()), None]);
        assert!(read[2].as_ref().unwrap_err().contains("no table `nope`"));
        assert!(read_tables(&dir.path().join("missing.db"), &[]).is_err());
    }
}
