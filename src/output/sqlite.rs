//! Writing an SQLite database, table by table as generation makes them, in one transaction. A
//! new database is built in a staging folder beside the target and linked into place when
//! complete, so a failed or interrupted run leaves nothing; an existing database is written into
//! its tables (empty, or emptied first when asked) or into tables created with their types,
//! primary and foreign keys, and rolled back on any error. Foreign keys are enforced while
//! loading.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

use super::sql::{self, Cell, Dialect, Parents};
use super::{DatabaseWriter, IfExists, Refusal};
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
    let mut writer = SqliteWriter::open(path, plan, if_exists)?;
    for table in tables.values() {
        writer.rows(table, 0, true)?;
    }
    Box::new(writer).finish()
}

/// An SQLite database written table by table as generation makes them (parents first), in one
/// transaction: memory holds the table or part being inserted, not the whole output. A new
/// database is built in a staging folder (removed on SIGINT/SIGTERM too: nothing SQLite
/// creates in it can outlive the folder) and linked into place by [`SqliteWriter::finish`],
/// never over a file made meanwhile; dropped unfinished, the transaction is rolled back and a
/// new database goes with its staging folder.
pub struct SqliteWriter {
    conn: Connection,
    new: Option<NewDatabase>,
    parents: Parents,
    /// The tables that existed when the database was opened.
    existing: HashSet<String>,
    /// The tables created or checked so far, without rows (the foreign keys of later tables
    /// reference their primary keys).
    prepared: IndexMap<String, SyntheticTable>,
}

/// A database being built in a staging folder, and where it goes.
struct NewDatabase {
    staging: tempfile::TempDir,
    _registered: Temporary,
    path: PathBuf,
}

/// Refuses to empty a table that a table outside the plan refers to while it holds rows: with
/// foreign keys on, the `DELETE` would delete its rows too (`ON DELETE CASCADE`), change them
/// (`SET NULL`) or fail at the end. PostgreSQL refuses such a `TRUNCATE` by itself.
fn refuse_references_from_outside(
    conn: &Connection,
    plan: &Plan,
    to_empty: &[&str],
) -> Result<(), Refusal> {
    let fail = |err: rusqlite::Error| format!("cannot read the database's foreign keys: {err}");
    let mut statement = conn
        .prepare(
            "SELECT DISTINCT m.name, f.\"table\" FROM sqlite_schema AS m, \
             pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'",
        )
        .map_err(fail)?;
    let references: Vec<(String, String)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(fail)?
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    let in_plan = |name: &str| {
        plan.order
            .iter()
            .any(|t| t.table.eq_ignore_ascii_case(name))
    };
    for (from, to) in references {
        let emptied = to_empty.iter().find(|name| name.eq_ignore_ascii_case(&to));
        let Some(emptied) = emptied.filter(|_| !in_plan(&from)) else {
            continue;
        };
        let holds_rows: bool = conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", quote_ident(&from)),
                [],
                |row| row.get(0),
            )
            .map_err(fail)?;
        if holds_rows {
            return Err(Refusal::Failed(format!(
                "table `{emptied}`: the table `{from}`, which is not in the schema, refers to \
                 it and holds rows; emptying `{emptied}` would delete or change them, so \
                 nothing was written: empty `{from}` first, or write to another database"
            )));
        }
    }
    Ok(())
}

impl SqliteWriter {
    /// Opens (or creates) the database and starts its transaction; refuses a table of `plan`
    /// that holds rows unless it may be emptied, and empties those (children first).
    pub(crate) fn open(
        path: &Path,
        plan: &Plan,
        if_exists: IfExists,
    ) -> Result<SqliteWriter, Refusal> {
        let (conn, new) = if path.exists() {
            let conn = Connection::open(path)
                .map_err(|err| format!("cannot open `{}`: {err}", path.display()))?;
            (conn, None)
        } else {
            let (conn, new) = create(path)?;
            (conn, Some(new))
        };
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|err| err.to_string())?;
        conn.execute_batch("BEGIN").map_err(|err| err.to_string())?;
        let mut writer = SqliteWriter {
            conn,
            new,
            parents: sql::parents(plan),
            existing: HashSet::new(),
            prepared: IndexMap::new(),
        };
        let to_empty = sql::to_empty(plan, |name| writer.check_existing(name, if_exists))?;
        refuse_references_from_outside(&writer.conn, plan, &to_empty)?;
        for name in to_empty.iter().rev() {
            writer
                .conn
                .execute(&format!("DELETE FROM {}", quote_ident(name)), [])
                .map_err(|err| format!("table `{name}`: cannot empty it: {err}"))?;
        }
        Ok(writer)
    }

    /// Notes whether table `name` exists; says whether it is to be emptied (it holds rows and
    /// may be), or refuses it (it holds rows and may not be).
    fn check_existing(&mut self, name: &str, if_exists: IfExists) -> Result<bool, Refusal> {
        let fail = |err: rusqlite::Error| format!("table `{name}`: {err}");
        let exists: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1))",
                [name],
                |row| row.get(0),
            )
            .map_err(fail)?;
        if !exists {
            return Ok(false);
        }
        self.existing.insert(name.to_string());
        let has_rows: bool = self
            .conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", quote_ident(name)),
                [],
                |row| row.get(0),
            )
            .map_err(fail)?;
        if_exists.empties(name, has_rows)
    }

    /// Creates a missing table, or checks the columns of an existing one.
    fn prepare_table(&mut self, table: &SyntheticTable) -> Result<(), Refusal> {
        let name = &table.name;
        let fail = |err: rusqlite::Error| format!("table `{name}`: {err}");
        self.prepared.insert(name.clone(), sql::without_rows(table));
        if !self.existing.contains(name) {
            let create = sql::create_table(
                table,
                &self.prepared,
                &self.parents,
                &quote_ident(name),
                Dialect::Sqlite,
            );
            return Ok(self.conn.execute_batch(&create).map_err(fail)?);
        }
        let mut statement = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .map_err(fail)?;
        let existing: Vec<String> = statement
            .query_map([name], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .map_err(fail)?;
        match table.header.iter().find(|c| !existing.contains(c)) {
            Some(missing) => Err(format!(
                "table `{name}` exists but has no column `{missing}` (its columns: {})",
                existing.join(", ")
            )
            .into()),
            None => Ok(()),
        }
    }
}

impl DatabaseWriter for SqliteWriter {
    /// Inserts the rows of `table`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there); the first rows of a table create it (or check the
    /// columns of the table that exists).
    fn rows(
        &mut self,
        table: &SyntheticTable,
        first_row: usize,
        _last: bool,
    ) -> Result<(), Refusal> {
        if first_row == 0 {
            self.prepare_table(table)?;
        }
        insert_rows(&self.conn, table, first_row)?;
        Ok(())
    }

    /// Commits the transaction; a new database is then linked into place.
    fn finish(self: Box<Self>) -> Result<(), Refusal> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|err| err.to_string())?;
        self.conn
            .close()
            .map_err(|(_, err)| format!("cannot close the database: {err}"))?;
        let Some(new) = self.new else {
            return Ok(());
        };
        let staged = new.staging.path().join("new.db");
        files::uninterrupted(|_| std::fs::hard_link(&staged, &new.path)).map_err(|err| {
            format!(
                "cannot move the new database into place at `{}`: {err}",
                new.path.display()
            )
        })?;
        Ok(())
    }
}

/// A new database in a staging folder beside `path`.
fn create(path: &Path) -> Result<(Connection, NewDatabase), Refusal> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create the folder `{}`: {err}", dir.display()))?;
    crate::files::remove_stale_staging(dir);
    let create = || tempfile::Builder::new().prefix(".dxsynth-").tempdir_in(dir);
    let (staging, registered) =
        Temporary::create(create, tempfile::TempDir::path).map_err(|err| {
            format!(
                "cannot create a temporary folder in `{}`: {err}",
                dir.display()
            )
        })?;
    let conn = Connection::open(staging.path().join("new.db"))
        .map_err(|err| format!("cannot create a database: {err}"))?;
    // A new database is thrown away on failure: its rollback journal need not touch the disk.
    conn.pragma_update_and_check(None, "journal_mode", "MEMORY", |_| Ok(()))
        .map_err(|err| format!("cannot create a database: {err}"))?;
    let new = NewDatabase {
        staging,
        _registered: registered,
        path: path.to_path_buf(),
    };
    Ok((conn, new))
}

fn insert_rows(conn: &Connection, table: &SyntheticTable, first_row: usize) -> Result<(), String> {
    let columns = sql::columns(table);
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c.name)).collect();
    let slots = vec!["?"; columns.len()].join(", ");
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({slots})",
        quote_ident(&table.name),
        names.join(", ")
    );
    let mut statement = conn
        .prepare_cached(&insert)
        .map_err(|err| format!("table `{}`: {err}", table.name))?;
    let mut values: Vec<SqlValue> = Vec::with_capacity(columns.len());
    for row in 0..table.rows {
        values.clear();
        for column in &columns {
            let cell = match column.role {
                sql::Role::PrimaryKey => Ok(Cell::Integer((first_row + row) as i64 + 1)),
                _ => column.cell(row),
            };
            let cell = cell.map_err(|message| {
                format!(
                    "table `{}`, row {}, column `{}`: {message}; nothing was written (rolled back)",
                    table.name,
                    first_row + row + 1,
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
                    first_row + row + 1
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
