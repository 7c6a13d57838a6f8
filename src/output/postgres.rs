//! Writing a PostgreSQL database: every table, parents first, in ONE transaction with
//! `COPY ... FROM STDIN`, so a failure anywhere leaves the database as it was. Existing tables
//! must be empty unless they may be emptied first; missing ones are created with their types,
//! primary and foreign keys. Identity and serial sequences are moved past the new keys, so the
//! application's next insert does not collide with them.

use indexmap::IndexMap;
use postgres::Transaction;

use super::sql::{self, Dialect, Parents};
use super::{IfExists, Refusal};
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
    let parents = sql::parents(plan);
    let mut client = connect(location)?;
    let mut transaction = client.transaction().map_err(|err| describe(&err))?;
    let mut to_empty = Vec::new();
    for table in tables.values() {
        prepare_table(
            &mut transaction,
            table,
            tables,
            &parents,
            if_exists,
            &mut to_empty,
        )?;
    }
    if !to_empty.is_empty() {
        let names: Vec<String> = to_empty.iter().map(|name| quote_ident(name)).collect();
        transaction
            .batch_execute(&format!("TRUNCATE {}", names.join(", ")))
            .map_err(|err| format!("cannot empty {}: {}", to_empty.join(", "), describe(&err)))?;
    }
    for table in tables.values() {
        copy_rows(&mut transaction, table)?;
        move_sequence(&mut transaction, table)?;
    }
    transaction
        .commit()
        .map_err(|err| format!("the commit failed, nothing was written: {}", describe(&err)))?;
    Ok(())
}

/// Creates a missing table, or checks an existing one (its columns, and that it is empty unless
/// it may be emptied).
fn prepare_table(
    transaction: &mut Transaction<'_>,
    table: &SyntheticTable,
    all: &IndexMap<String, SyntheticTable>,
    parents: &Parents,
    if_exists: IfExists,
    to_empty: &mut Vec<String>,
) -> Result<(), Refusal> {
    let name = &table.name;
    let quoted = quote_ident(name);
    let fail = |err: postgres::Error| format!("table `{name}`: {}", describe(&err));
    let existing: Vec<String> = transaction
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1) \
               AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[&quoted],
        )
        .map_err(fail)?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if existing.is_empty() {
        let create = sql::create_table(table, all, parents, &quoted, Dialect::Postgres);
        return Ok(transaction.batch_execute(&create).map_err(fail)?);
    }
    if let Some(missing) = table.header.iter().find(|c| !existing.contains(c)) {
        return Err(format!(
            "table `{name}` exists but has no column `{missing}` (its columns: {}); nothing \
             was written",
            existing.join(", ")
        )
        .into());
    }
    let has_rows: bool = transaction
        .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {quoted})"), &[])
        .map_err(fail)?
        .get(0);
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

/// Streams the rows with COPY; an error names the table and the row.
fn copy_rows(transaction: &mut Transaction<'_>, table: &SyntheticTable) -> Result<(), String> {
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
    let mut writer = transaction
        .copy_in(&copy)
        .map_err(|err| failed(format!(": {}", describe(&err))))?;
    let sent = send_rows(&mut writer, &columns, table.rows);
    match (sent, writer.finish()) {
        (_, Err(err)) => Err(failed(row_of(&err))),
        (Err(err), Ok(_)) => Err(failed(format!(": {err}"))),
        (Ok(()), Ok(_)) => Ok(()),
    }
}

fn send_rows(
    writer: &mut impl std::io::Write,
    columns: &[sql::OutColumn<'_>],
    rows: usize,
) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(writer);
    let mut record: Vec<String> = Vec::with_capacity(columns.len());
    for row in 0..rows {
        record.clear();
        for column in columns {
            let cell = column.cell(row).map_err(|message| {
                std::io::Error::other(format!(
                    "row {}, column `{}`: {message}",
                    row + 1,
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

/// ", row 3: <message>" from the server's "COPY t, line 3, column x: ..." context.
fn row_of(err: &postgres::Error) -> String {
    let row = err
        .as_db_error()
        .and_then(|db| db.where_())
        .and_then(|place| place.split(", line ").nth(1))
        .and_then(|rest| rest.split([',', ':']).next())
        .map(str::to_string);
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
fn move_sequence(transaction: &mut Transaction<'_>, table: &SyntheticTable) -> Result<(), String> {
    let Some(pk) = &table.primary_key else {
        return Ok(());
    };
    let fail = |err: postgres::Error| format!("table `{}`: {}", table.name, describe(&err));
    let quoted = quote_ident(&table.name);
    let sequence: Option<String> = transaction
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
    transaction
        .query_one(&statement, &[&sequence])
        .map_err(fail)?;
    Ok(())
}
