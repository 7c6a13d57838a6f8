//! Writing a PostgreSQL database: every table, parents first, as generation makes it, in ONE
//! transaction with `COPY ... FROM STDIN`, so a failure anywhere leaves the database as it was. Existing tables
//! must be empty unless they may be emptied first; missing ones are created with their types,
//! primary and foreign keys. Identity and serial sequences are moved past the new keys, so the
//! application's next insert does not collide with them.

use std::collections::HashSet;

use indexmap::IndexMap;
use postgres::Client;

use super::sql::{self, Dialect, Parents};
use super::{DatabaseWriter, IfExists, Refusal};
use crate::generate::SyntheticTable;
use crate::input::postgres::{connect, describe};
use crate::input::quote_ident;
use crate::location::PgLocation;
use crate::plan::Plan;

/// Writes every table (parents first) in one transaction.
pub fn write(
    location: &PgLocation,
    tables: &IndexMap<String, SyntheticTable>,
    plan: &Plan,
    if_exists: IfExists,
) -> Result<(), Refusal> {
    let mut writer = PostgresWriter::open(location, plan, if_exists)?;
    for table in tables.values() {
        writer.rows(table, 0, true)?;
    }
    Box::new(writer).finish()
}

/// A PostgreSQL database written table by table as generation makes them (parents first), in
/// one transaction open from [`PostgresWriter::open`] to [`PostgresWriter::finish`]: memory
/// holds the table or part being copied, not the whole output. Dropped unfinished, the
/// connection closes and the server rolls everything back.
pub struct PostgresWriter {
    client: Client,
    parents: Parents,
    /// The tables that existed when the transaction began.
    existing: HashSet<String>,
    /// The tables created or checked so far, without rows (the foreign keys of later tables
    /// reference their primary keys).
    prepared: IndexMap<String, SyntheticTable>,
}

impl PostgresWriter {
    /// Connects and begins the transaction; refuses a table of `plan` that holds rows unless
    /// it may be emptied, and empties those.
    pub(crate) fn open(
        location: &PgLocation,
        plan: &Plan,
        if_exists: IfExists,
    ) -> Result<PostgresWriter, Refusal> {
        let mut client = connect(location)?;
        // Datetimes are sent without an offset, as read (in universal time, for a column with
        // a time zone): a column with a time zone takes them in the session's time zone,
        // which is the database's or the server's unless set.
        client
            .batch_execute("BEGIN; SET LOCAL TIME ZONE 'UTC'")
            .map_err(|err| describe(&err))?;
        let mut writer = PostgresWriter {
            client,
            parents: sql::parents(plan),
            existing: HashSet::new(),
            prepared: IndexMap::new(),
        };
        let to_empty = sql::to_empty(plan, |name| writer.check_existing(name, if_exists))?;
        if !to_empty.is_empty() {
            let names: Vec<String> = to_empty.iter().map(|name| quote_ident(name)).collect();
            writer
                .client
                .batch_execute(&format!("TRUNCATE {}", names.join(", ")))
                .map_err(|err| {
                    format!("cannot empty {}: {}", to_empty.join(", "), describe(&err))
                })?;
        }
        Ok(writer)
    }

    /// Notes whether table `name` exists; says whether it is to be emptied (it holds rows and
    /// may be), or refuses it (it holds rows and may not be).
    fn check_existing(&mut self, name: &str, if_exists: IfExists) -> Result<bool, Refusal> {
        let quoted = quote_ident(name);
        let fail = |err: postgres::Error| format!("table `{name}`: {}", describe(&err));
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&quoted])
            .map_err(fail)?
            .get(0);
        if !exists {
            return Ok(false);
        }
        self.existing.insert(name.to_string());
        let has_rows: bool = self
            .client
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {quoted})"), &[])
            .map_err(fail)?
            .get(0);
        if_exists.empties(name, has_rows)
    }

    /// Creates a missing table, or checks the columns of an existing one.
    fn prepare_table(&mut self, table: &SyntheticTable) -> Result<(), Refusal> {
        let name = &table.name;
        let quoted = quote_ident(name);
        let fail = |err: postgres::Error| format!("table `{name}`: {}", describe(&err));
        self.prepared.insert(name.clone(), sql::without_rows(table));
        if !self.existing.contains(name) {
            let create = sql::create_table(
                table,
                &self.prepared,
                &self.parents,
                &quoted,
                Dialect::Postgres,
            );
            return Ok(self.client.batch_execute(&create).map_err(fail)?);
        }
        let existing: Vec<String> = self
            .client
            .query(
                "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1) \
                   AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                &[&quoted],
            )
            .map_err(fail)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        match table.header.iter().find(|c| !existing.contains(c)) {
            Some(missing) => Err(format!(
                "table `{name}` exists but has no column `{missing}` (its columns: {}); nothing \
                 was written",
                existing.join(", ")
            )
            .into()),
            None => Ok(()),
        }
    }
}

impl DatabaseWriter for PostgresWriter {
    /// Copies the rows of `table`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there); the first rows of a table create it (or check the
    /// columns of the table that exists), its `last` ones move its key sequence.
    fn rows(
        &mut self,
        table: &SyntheticTable,
        first_row: usize,
        last: bool,
    ) -> Result<(), Refusal> {
        if first_row == 0 {
            self.prepare_table(table)?;
        }
        copy_rows(&mut self.client, table, first_row)?;
        if last {
            move_sequence(&mut self.client, table)?;
        }
        Ok(())
    }

    /// Commits the transaction.
    fn finish(mut self: Box<Self>) -> Result<(), Refusal> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|err| format!("the commit failed, nothing was written: {}", describe(&err)))?;
        Ok(())
    }
}

/// Streams the rows with COPY; an error names the table and the row.
fn copy_rows(client: &mut Client, table: &SyntheticTable, first_row: usize) -> Result<(), String> {
    let columns = sql::columns(table);
    let names: Vec<String> = columns.iter().map(|c| quote_ident(c.name)).collect();
    // FORCE_NULL: an empty value is NULL even when quoted (dxsynth never writes empty text).
    let copy = format!(
        "COPY {} ({}) FROM STDIN (FORMAT csv, FORCE_NULL ({}))",
        quote_ident(&table.name),
        names.join(", "),
        names.join(", ")
    );
    let failed = |message: String| {
        format!(
            "table `{}`{message}; nothing was written (the transaction was rolled back)",
            table.name
        )
    };
    let mut writer = client
        .copy_in(&copy)
        .map_err(|err| failed(format!(": {}", describe(&err))))?;
    let sent = send_rows(&mut writer, &columns, table.rows, first_row);
    match (sent, writer.finish()) {
        (_, Err(err)) => Err(failed(row_of(&err, first_row))),
        (Err(err), Ok(_)) => Err(failed(format!(": {err}"))),
        (Ok(()), Ok(_)) => Ok(()),
    }
}

fn send_rows(
    writer: &mut impl std::io::Write,
    columns: &[sql::OutColumn<'_>],
    rows: usize,
    first_row: usize,
) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(writer);
    let mut record: Vec<String> = Vec::with_capacity(columns.len());
    for row in 0..rows {
        record.clear();
        for column in columns {
            let cell = match column.role {
                sql::Role::PrimaryKey => Ok(sql::Cell::Integer((first_row + row) as i64 + 1)),
                _ => column.cell(row),
            };
            let cell = cell.map_err(|message| {
                std::io::Error::other(format!(
                    "row {}, column `{}`: {message}",
                    first_row + row + 1,
                    column.name
                ))
            })?;
            record.push(cell.text().unwrap_or_default());
        }
        csv.write_record(&record)?;
    }
    csv.flush()?;
    let inner = csv.into_inner().map_err(|err| err.into_error())?;
    inner.flush()
}

/// ", row 3: <message>" from the server's "COPY t, line 3, column x: ..." context (lines of a
/// part counted on from `first_row`).
fn row_of(err: &postgres::Error, first_row: usize) -> String {
    let row = err
        .as_db_error()
        .and_then(|db| db.where_())
        .and_then(|place| place.split(", line ").nth(1))
        .and_then(|rest| rest.split([',', ':']).next())
        .and_then(|line| line.trim().parse::<usize>().ok())
        .map(|line| first_row + line);
    let message = err.as_db_error().map_or_else(
        || describe(err),
        |db| match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
    );
    match row {
        Some(row) => format!(", row {row}: {message}"),
        None => format!(": {message}"),
    }
}

/// Moves the primary key's identity or serial sequence past the largest key written.
fn move_sequence(client: &mut Client, table: &SyntheticTable) -> Result<(), String> {
    let Some(pk) = &table.primary_key else {
        return Ok(());
    };
    let fail = |err: postgres::Error| format!("table `{}`: {}", table.name, describe(&err));
    let quoted = quote_ident(&table.name);
    let sequence: Option<String> = client
        .query_one("SELECT pg_get_serial_sequence($1, $2)", &[&quoted, pk])
        .map_err(fail)?
        .get(0);
    let Some(sequence) = sequence else {
        return Ok(());
    };
    let statement = format!(
        "SELECT setval($1::text::regclass, GREATEST(COALESCE(MAX({key}), 1), 1)::bigint, \
         MAX({key}) IS NOT NULL) FROM {quoted}",
        key = quote_ident(pk)
    );
    client.query_one(&statement, &[&sequence]).map_err(fail)?;
    Ok(())
}
