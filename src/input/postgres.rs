//! Reading a PostgreSQL database: its catalogue (`pg_attribute`, `pg_constraint`) and its rows,
//! streamed with `COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)` into the CSV reader, all in
//! one read-only, repeatable-read transaction: every table comes from the same snapshot of a
//! live database.

use postgres::{Client, IsolationLevel, NoTls, Transaction};

use super::catalogue::{Catalogue, CatalogueColumn, CatalogueTable, DeclaredForeignKey, Support};
use super::{TextTable, quote_ident, quote_table, read_csv_stream};
use crate::location::{DatabaseMark, PgLocation};
use crate::schema::ColumnKind;

/// Connects to the database (settings from the URI and the `PG*` variables).
pub fn connect(location: &PgLocation) -> Result<Client, String> {
    let config = location.config()?;
    config
        .connect(NoTls)
        .map_err(|err| format!("cannot connect to `{}`: {}", location.uri, describe(&err)))
}

/// The mark of the database `location` reaches ([`DatabaseMark`]); `None` when it cannot be
/// reached or does not say (a server before version 9.6, a role denied the function).
pub fn mark(location: &PgLocation) -> Option<DatabaseMark> {
    let mut client = connect(location).ok()?;
    let row = client
        .query_one(
            "SELECT (SELECT system_identifier FROM pg_control_system()), \
                    (SELECT oid::int8 FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .ok()?;
    Some(DatabaseMark {
        system: row.try_get(0).ok()?,
        database: row.try_get(1).ok()?,
    })
}

/// A PostgreSQL error in one line: the server's message, detail and where it happened.
pub fn describe(err: &postgres::Error) -> String {
    let Some(db) = err.as_db_error() else {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            text += &format!(": {inner}");
            source = inner.source();
        }
        return text;
    };
    let mut text = db.message().to_string();
    if let Some(detail) = db.detail() {
        text += &format!(" ({detail})");
    }
    if let Some(place) = db.where_() {
        text += &format!(" [{place}]");
    }
    text
}

/// Reads the named tables in one read-only, repeatable-read transaction; `between` is called
/// after each table with its name (tests use it to change the database meanwhile).
pub fn read_tables(
    location: &PgLocation,
    tables: &[String],
    between: &mut dyn FnMut(&str),
) -> Result<Vec<Result<TextTable, String>>, String> {
    let mut client = connect(location)?;
    let fail = |err: postgres::Error| format!("{}: {}", location.uri, describe(&err));
    let mut transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(fail)?;
    transaction
        .batch_execute("SET LOCAL DateStyle TO 'ISO, YMD'; SET LOCAL IntervalStyle TO 'postgres'")
        .map_err(fail)?;
    let mut read = Vec::new();
    for table in tables {
        read.push(read_table(&mut transaction, table));
        between(table);
    }
    transaction.commit().map_err(fail)?;
    Ok(read)
}

/// The catalogue of every ordinary table outside the system schemas, in one snapshot.
pub fn catalogue(location: &PgLocation) -> Result<Catalogue, String> {
    let mut client = connect(location)?;
    let fail = |err: postgres::Error| format!("{}: {}", location.uri, describe(&err));
    let mut transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(fail)?;
    let rows = transaction
        .query(
            "SELECT CASE WHEN pg_table_is_visible(c.oid) THEN c.relname::text \
                    ELSE n.nspname || '.' || c.relname END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
             ORDER BY 1",
            &[],
        )
        .map_err(fail)?;
    let mut tables = Vec::new();
    let mut unreadable = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        // A table the catalogue cannot describe (a name with a dot, read as a schema's) is left
        // out; its error is undone to a savepoint, or the transaction would refuse the rest.
        let mut savepoint = transaction.savepoint("describe").map_err(fail)?;
        match describe_table(&mut savepoint, &name) {
            Ok(table) => {
                savepoint.commit().map_err(fail)?;
                tables.push(table);
            }
            Err(reason) => {
                savepoint.rollback().map_err(fail)?;
                unreadable.push((name, reason));
            }
        }
    }
    transaction.commit().map_err(fail)?;
    Ok(Catalogue { tables, unreadable })
}

/// The columns of a table's primary key, in the key's order (none: no key declared).
fn primary_key(transaction: &mut Transaction<'_>, table: &str) -> Result<Vec<String>, String> {
    let rows = transaction
        .query(
            "SELECT a.attname::text FROM pg_constraint con \
               CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
             WHERE con.conrelid = to_regclass($1) AND con.contype = 'p' ORDER BY k.ord",
            &[&quote_table(table)],
        )
        .map_err(|err| format!("table `{table}`: {}", describe(&err)))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

fn describe_table(
    transaction: &mut Transaction<'_>,
    table: &str,
) -> Result<CatalogueTable, String> {
    let fail = |err: postgres::Error| format!("table `{table}`: {}", describe(&err));
    let columns = columns(transaction, table)?;
    let quoted = quote_table(table);
    let primary_key = primary_key(transaction, table)?;
    let rows = transaction
        .query(
            "SELECT con.conname::text, \
                    CASE WHEN pg_table_is_visible(pc.oid) THEN pc.relname::text \
                         ELSE pn.nspname || '.' || pc.relname END, \
                    ca.attname::text, pa.attname::text \
             FROM pg_constraint con \
               CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, parent, ord) \
               JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child \
               JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent \
               JOIN pg_class pc ON pc.oid = con.confrelid \
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
             WHERE con.conrelid = to_regclass($1) AND con.contype = 'f' \
             ORDER BY con.conname, k.ord",
            &[&quoted],
        )
        .map_err(fail)?;
    let mut foreign_keys: Vec<(String, DeclaredForeignKey)> = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        if foreign_keys.last().is_none_or(|(last, _)| *last != name) {
            let key = DeclaredForeignKey {
                columns: Vec::new(),
                parent: row.get(1),
                parent_columns: Vec::new(),
            };
            foreign_keys.push((name, key));
        }
        if let Some((_, key)) = foreign_keys.last_mut() {
            key.columns.push(row.get(2));
            key.parent_columns.push(row.get(3));
        }
    }
    Ok(CatalogueTable {
        name: table.to_string(),
        columns,
        primary_key,
        foreign_keys: foreign_keys.into_iter().map(|(_, key)| key).collect(),
    })
}

/// A column with how it is selected for reading.
struct Selected {
    column: CatalogueColumn,
    utc: bool,
}

fn columns(transaction: &mut Transaction<'_>, table: &str) -> Result<Vec<CatalogueColumn>, String> {
    Ok(selected(transaction, table)?
        .into_iter()
        .map(|s| s.column)
        .collect())
}

fn selected(transaction: &mut Transaction<'_>, table: &str) -> Result<Vec<Selected>, String> {
    let rows = transaction
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), bt.typname::text, \
                    bt.typtype::text, bt.typcategory::text, a.attnotnull \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
               JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&quote_table(table)],
        )
        .map_err(|err| format!("table `{table}`: {}", describe(&err)))?;
    if rows.is_empty() {
        return Err(format!("there is no table `{table}` in the database"));
    }
    Ok(rows
        .iter()
        .map(|row| {
            let type_name: String = row.get(2);
            let type_type: String = row.get(3);
            let category: String = row.get(4);
            Selected {
                utc: type_name == "timestamptz",
                column: CatalogueColumn {
                    name: row.get(0),
                    sql_type: row.get(1),
                    not_null: row.get(5),
                    support: support(&type_name, &type_type, &category),
                },
            }
        })
        .collect())
}

/// The order a table's rows are read in: its primary key's, else every column read, in turn
/// (`read`: of the selected columns, those not read as empty). A table has no order of
/// its own: an `UPDATE`, a `VACUUM FULL` or a restore moved rows, and the same data and seed
/// gave another output.
fn row_order(
    transaction: &mut Transaction<'_>,
    table: &str,
    read: &[bool],
) -> Result<String, String> {
    let keys = primary_key(transaction, table)?;
    if !keys.is_empty() {
        let names: Vec<String> = keys.iter().map(|name| quote_ident(name)).collect();
        return Ok(names.join(", "));
    }
    let places: Vec<String> = (1..=read.len())
        .zip(read)
        .filter(|(_, read)| **read)
        .map(|(place, _)| place.to_string())
        .collect();
    Ok(match places.is_empty() {
        true => "1".to_string(),
        false => places.join(", "),
    })
}

/// What a PostgreSQL type says: numbers, booleans, dates and timestamps settle the column type,
/// enums are categories, strings are left to inference; binary, JSON, XML, arrays, geometry,
/// ranges, composites and money are not modelled.
pub fn support(type_name: &str, type_type: &str, category: &str) -> Support {
    match (type_name, type_type, category) {
        (_, "e", _) => Support::Read(Some(ColumnKind::Categorical)),
        ("bytea" | "json" | "jsonb" | "xml" | "money" | "tsvector" | "tsquery", _, _) => {
            Support::Unsupported
        }
        (_, "c" | "r" | "m" | "p", _) => Support::Unsupported,
        (_, _, "A" | "G" | "V" | "C" | "R" | "P" | "X") => Support::Unsupported,
        ("bool", _, _) => Support::Read(Some(ColumnKind::Boolean)),
        ("date" | "timestamp" | "timestamptz", _, _) => Support::Read(Some(ColumnKind::Datetime)),
        (_, _, "N") => Support::Read(Some(ColumnKind::Numerical)),
        _ => Support::Read(None),
    }
}

fn read_table(transaction: &mut Transaction<'_>, table: &str) -> Result<TextTable, String> {
    let columns = selected(transaction, table)?;
    let mut warnings = Vec::new();
    let mut expressions = Vec::new();
    let mut kinds = Vec::new();
    // Whether each selected column holds the table's values (not an empty stand-in).
    let mut read = Vec::new();
    for Selected { column, utc } in &columns {
        let name = quote_ident(&column.name);
        match column.support {
            Support::Unsupported if column.not_null => {
                warnings.push(column.unsupported_warning(table));
                continue;
            }
            Support::Unsupported => {
                warnings.push(column.unsupported_warning(table));
                expressions.push(format!("NULL::text AS {name}"));
                kinds.push(None);
                read.push(false);
            }
            Support::Read(kind) => {
                // Timestamps with a zone are read in UTC, the zone a datetime value means.
                expressions.push(if *utc {
                    format!("({name} AT TIME ZONE 'UTC') AS {name}")
                } else {
                    name
                });
                kinds.push(kind);
                read.push(true);
            }
        }
    }
    if expressions.is_empty() {
        return Err(format!("table `{table}` has no column dxsynth can read"));
    }
    let order = row_order(transaction, table, &read)?;
    let sql = format!(
        "COPY (SELECT {} FROM {} ORDER BY {order}) TO STDOUT (FORMAT csv, HEADER)",
        expressions.join(", "),
        quote_table(table)
    );
    let fail = |err: postgres::Error| format!("table `{table}`: {}", describe(&err));
    let reader = transaction.copy_out(&sql).map_err(fail)?;
    let mut text = read_csv_stream(reader).map_err(|err| format!("table `{table}`: {err}"))?;
    text.kinds = kinds;
    text.warnings = warnings;
    super::not_finite(&mut text, table)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_catalogue() {
        let numeric = Support::Read(Some(ColumnKind::Numerical));
        assert_eq!(support("numeric", "b", "N"), numeric);
        assert_eq!(support("int8", "b", "N"), numeric);
        assert_eq!(
            support("mood", "e", "E"),
            Support::Read(Some(ColumnKind::Categorical))
        );
        assert_eq!(
            support("timestamptz", "b", "D"),
            Support::Read(Some(ColumnKind::Datetime))
        );
        assert_eq!(
            support("bool", "b", "B"),
            Support::Read(Some(ColumnKind::Boolean))
        );
        assert_eq!(support("varchar", "b", "S"), Support::Read(None));
        assert_eq!(support("uuid", "b", "U"), Support::Read(None));
        for (name, category) in [
            ("bytea", "U"),
            ("jsonb", "U"),
            ("_int4", "A"),
            ("money", "N"),
        ] {
            assert_eq!(support(name, "b", category), Support::Unsupported, "{name}");
        }
    }
}
