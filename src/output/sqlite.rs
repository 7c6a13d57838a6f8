//! Writing an SQLite database. A new database is built in a staging folder beside the target and
//! linked into place when complete, so a failed or interrupted run leaves nothing; an existing database is written in one
//! transaction, into its tables (empty, or emptied first when asked) or into tables
//! created with their types, primary and foreign keys. Foreign keys are enforced while loading.

use std::path::Path;

use indexmap::IndexMap;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Transaction};

use super::sql::{self, Cell, Dialect, Parents};
use super::{IfExists, Refusal};
use crate::files::{self, Temporary};
use crate::generate::SyntheticTable;
use crate::input::quote_ident;
use crate::plan::Plan;

/// Writes every table (parents first) into the database at `path`.
pub fn write(
    path: &Path,
    tables: &IndexMap<String, SyntheticTable>,
    plan: &Plan,
    if_exists: IfExists,
) -> Result<(), Refusal> {
    let parents = sql::parents(plan);
    if path.exists() {
        let mut conn = Connection::open(path)
            .map_err(|err| format!("cannot open `{}`: {err}", path.display()))?;
        return load(&mut conn, tables, &parents, if_exists);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create the folder `{}`: {err}", dir.display()))?;
    // Built in a staging folder (removed on SIGINT/SIGTERM too: nothing SQLite creates in it
    // can outlive the folder), then linked into place, never over a file made meanwhile.
    let create = || tempfile::Builder::new().prefix(".dxsynth-").tempdir_in(dir);
    let (staging, _registered) =
        Temporary::create(create, tempfile::TempDir::path).map_err(|err| {
            format!(
                "cannot create a temporary folder in `{}`: {err}",
                dir.display()
            )
        })?;
    let staged = staging.path().join("new.db");
    let mut conn =
        Connection::open(&staged).map_err(|err| format!("cannot create a database: {err}"))?;
    // A new database is thrown away on failure: its rollback journal need not touch the disk.
    conn.pragma_update_and_check(None, "journal_mode", "MEMORY", |_| Ok(()))
        .map_err(|err| format!("cannot create a database: {err}"))?;
    load(&mut conn, tables, &parents, if_exists)?;
    conn.close()
        .map_err(|(_, err)| format!("cannot close the new database: {err}"))?;
    files::uninterrupted(|_| std::fs::hard_link(&staged, path)).map_err(|err| {
        format!(
            "cannot move the new database into place at `{}`: {err}",
            path.display()
        )
    })?;
    Ok(())
}

/// Loads every table in one transaction; any error rolls everything back.
fn load(
    conn: &mut Connection,
    tables: &IndexMap<String, SyntheticTable>,
    parents: &Parents,
    if_exists: IfExists,
) -> Result<(), Refusal> {
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|err| err.to_string())?;
    let transaction = conn.transaction().map_err(|err| err.to_string())?;
    let mut to_empty = Vec::new();
    for table in tables.values() {
        prepare_table(
            &transaction,
            table,
            tables,
            parents,
            if_exists,
            &mut to_empty,
        )?;
    }
    for name in to_empty.iter().rev() {
        transaction
            .execute(&format!("DELETE FROM {}", quote_ident(name)), [])
            .map_err(|err| format!("table `{name}`: cannot empty it: {err}"))?;
    }
    for table in tables.values() {
        insert_rows(&transaction, table)?;
    }
    Ok(transaction.commit().map_err(|err| err.to_string())?)
}

/// Creates a missing table, or checks an existing one (its columns, and that it is empty
/// unless it may be emptied).
fn prepare_table(
    transaction: &Transaction<'_>,
    table: &SyntheticTable,
    all: &IndexMap<String, SyntheticTable>,
    parents: &Parents,
    if_exists: IfExists,
    to_empty: &mut Vec<String>,
) -> Result<(), Refusal> {
    let name = &table.name;
    let fail = |err: rusqlite::Error| format!("table `{name}`: {err}");
    let mut statement = transaction
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(fail)?;
    let existing: Vec<String> = statement
        .query_map([name], |row| row.get(0))
        .and_then(|rows| rows.collect())
        .map_err(fail)?;
    if existing.is_empty() {
        let create = sql::create_table(table, all, parents, &quote_ident(name), Dialect::Sqlite);
        return Ok(transaction.execute_batch(&create).map_err(fail)?);
    }
    if let Some(missing) = table.header.iter().find(|c| !existing.contains(c)) {
        return Err(format!(
            "table `{name}` exists but has no column `{missing}` (its columns: {})",
            existing.join(", ")
        )
        .into());
    }
    let has_rows: bool = transaction
        .query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {})", quote_ident(name)),
            [],
            |row| row.get(0),
        )
        .map_err(fail)?;
    if has_rows {
        match if_exists {
            IfExists::Error => {
                return Err(Refusal::HoldsRows(name.clone()));
            }
            IfExists::Truncate => to_empty.push(name.clone()),
        }
    }
    Ok(())
}

fn insert_rows(transaction: &Transaction<'_>, table: &SyntheticTable) -> Result<(), String> {
    let columns = sql::columns(table);
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c.name)).collect();
    let slots = vec!["?"; columns.len()].join(", ");
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({slots})",
        quote_ident(&table.name),
        names.join(", ")
    );
    let mut statement = transaction
        .prepare(&insert)
        .map_err(|err| format!("table `{}`: {err}", table.name))?;
    let mut values: Vec<SqlValue> = Vec::with_capacity(columns.len());
    for row in 0..table.rows {
        values.clear();
        for column in &columns {
            let cell = column.cell(row).map_err(|message| {
                format!(
                    "table `{}`, row {}, column `{}`: {message}; nothing was written (rolled back)",
                    table.name,
                    row + 1,
                    column.name
                )
            })?;
            values.push(sql_value(cell));
        }
        statement
            .execute(rusqlite::params_from_iter(values.iter()))
            .map_err(|err| {
                format!(
                    "table `{}`, row {}: {err}; nothing was written (rolled back)",
                    table.name,
                    row + 1
                )
            })?;
    }
    Ok(())
}

fn sql_value(cell: Cell) -> SqlValue {
    match cell {
        Cell::Null => SqlValue::Null,
        Cell::Integer(x) => SqlValue::Integer(x),
        Cell::Real(x) => SqlValue::Real(x),
        Cell::Text(text) => SqlValue::Text(text),
        Cell::Flag(flag) => SqlValue::Integer(i64::from(flag)),
    }
}
