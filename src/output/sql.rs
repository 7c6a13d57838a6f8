//! What the database writers share: each output column's role and SQL type, the CREATE TABLE
//! statement with primary and foreign keys, and values as the databases read them (ISO dates,
//! `true`/`false`), whatever format the input wrote them in.
//!
//! The Parquet writer reads only the columns' roles and values; built without either database
//! the SQL half is unused, and not an error.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(dead_code, unused_imports)
)]

use std::collections::HashMap;

use indexmap::IndexMap;

use super::Refusal;
use crate::data::{Column, Value, ValueFormat, second_step};
use crate::generate::SyntheticTable;
use crate::input::quote_ident;
use crate::plan::Plan;

/// The parent table of each foreign key, by (child table, column).
pub(super) type Parents = HashMap<(String, String), String>;

/// The parent of every foreign key of the plan.
pub(super) fn parents(plan: &Plan) -> Parents {
    plan.order
        .iter()
        .flat_map(|table| table.relationships())
        .map(|r| ((r.child, r.foreign_key), r.parent))
        .collect()
}

/// The database a statement is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Postgres,
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
}

/// Where one output column's values come from.
pub(super) enum Role<'a> {
    PrimaryKey,
    ForeignKey {
        parents: &'a [Option<usize>],
    },
    Column {
        column: &'a Column,
        /// The format values are written in for a database (ISO datetimes).
        format: ValueFormat,
    },
    /// A key, or a column that was not modelled, of given rows (or a key pointing at given
    /// rows): written as given, as a number when every value is one.
    Given {
        text: &'a [String],
        integers: bool,
    },
    /// A column of the input that was not modelled (written empty).
    Missing,
}

/// One output column.
pub(super) struct OutColumn<'a> {
    pub name: &'a str,
    pub role: Role<'a>,
}

/// A cell as a database reads it.
pub(super) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Flag(bool),
}

/// The table's columns in header order, with their roles.
pub(super) fn columns(table: &SyntheticTable) -> Vec<OutColumn<'_>> {
    table
        .header
        .iter()
        .map(|name| OutColumn {
            name,
            role: role_of(table, name),
        })
        .collect()
}

fn role_of<'a>(table: &'a SyntheticTable, name: &str) -> Role<'a> {
    if let Some(text) = table.text.get(name) {
        // Modelled columns of given rows hold the given values parsed: written typed.
        let modelled = table.columns.iter().any(|column| column.name == name);
        let key =
            table.primary_key.as_deref() == Some(name) || table.foreign_keys.contains_key(name);
        if key || !modelled {
            let integers = text
                .iter()
                .all(|value| value.is_empty() || value.parse::<i64>().is_ok());
            return Role::Given { text, integers };
        }
    }
    if table.primary_key.as_deref() == Some(name) {
        return Role::PrimaryKey;
    }
    if let Some((_, parents)) = table.foreign_keys.get_key_value(name) {
        return Role::ForeignKey { parents };
    }
    match table.columns.iter().find(|column| column.name == name) {
        Some(column) => Role::Column {
            column,
            format: database_format(&column.format),
        },
        None => Role::Missing,
    }
}

/// Datetimes as ISO text (in UTC, or in the input's offset when it wrote one), a time of day as
/// `HH:MM:SS`; everything else as the input wrote it.
fn database_format(format: &ValueFormat) -> ValueFormat {
    match format {
        ValueFormat::Datetime {
            date_only: true, ..
        } => ValueFormat::Datetime {
            pattern: "%Y-%m-%d".into(),
            date_only: true,
            offset: None,
            upper: false,
        },
        format @ ValueFormat::Datetime { pattern, .. } if format.is_time_of_day() => {
            ValueFormat::Datetime {
                pattern: format!("%H:%M:%S{}", fraction_of(pattern)),
                date_only: false,
                offset: None,
                upper: false,
            }
        }
        ValueFormat::Datetime {
            pattern, offset, ..
        } => {
            let fraction = fraction_of(pattern);
            let zone = if offset.is_some() { "%:z" } else { "" };
            ValueFormat::Datetime {
                pattern: format!("%Y-%m-%d %H:%M:%S{fraction}{zone}"),
                date_only: false,
                offset: *offset,
                upper: false,
            }
        }
        other => other.clone(),
    }
}

/// The fraction of a second a datetime pattern writes, with as many digits: none when the
/// input had none (`%.f`, which writes as many as the value needs, when it did not say).
pub(super) fn fraction_of(pattern: &str) -> &'static str {
    match second_step(pattern) {
        Some(1.0) => "",
        Some(1e-3) => "%.3f",
        Some(_) => "%.6f",
        None if pattern.contains("%.f") && !pattern.contains("%.9f") => "%.f",
        None => "%.9f",
    }
}

impl OutColumn<'_> {
    /// The cell of one row, or why its value cannot be written (a datetime out of range).
    pub(super) fn cell(&self, row: usize) -> Result<Cell, String> {
        Ok(match &self.role {
            Role::PrimaryKey => Cell::Integer(row as i64 + 1),
            Role::ForeignKey { parents, .. } => {
                parents[row].map_or(Cell::Null, |parent| Cell::Integer(parent as i64 + 1))
            }
            Role::Column { column, format } => match (&column.values[row], format) {
                (Value::Null, _) => Cell::Null,
                (Value::Flag(flag), _) => Cell::Flag(*flag),
                (Value::Label(label), _) => Cell::Text(label.to_string()),
                // Beyond i64, written with all its digits: the database says if it fits.
                (Value::Number(x), ValueFormat::Integer) if x.round().abs() < 9.0e18 => {
                    Cell::Integer(x.round() as i64)
                }
                (
                    value @ Value::Number(_),
                    ValueFormat::Decimal { .. } | ValueFormat::Scientific { .. },
                ) => {
                    let text = format.try_write(value)?;
                    text.parse().map_or(Cell::Text(text), Cell::Real)
                }
                (value, format) => Cell::Text(format.try_write(value)?),
            },
            Role::Given { text, integers } => match text[row].as_str() {
                "" => Cell::Null,
                value if *integers => value
                    .parse()
                    .map_or_else(|_| Cell::Text(value.to_string()), Cell::Integer),
                value => Cell::Text(value.to_string()),
            },
            Role::Missing => Cell::Null,
        })
    }

    /// The column's SQL type for a table dxsynth creates.
    pub(super) fn sql_type(&self, dialect: Dialect) -> &'static str {
        let postgres = dialect == Dialect::Postgres;
        match &self.role {
            Role::PrimaryKey | Role::ForeignKey { .. } | Role::Given { integers: true, .. } => {
                if postgres {
                    "BIGINT"
                } else {
                    "INTEGER"
                }
            }
            Role::Given { .. } => "TEXT",
            Role::Column { format, .. } => match format {
                ValueFormat::Integer if postgres => "BIGINT",
                ValueFormat::Integer => "INTEGER",
                ValueFormat::Decimal { .. } | ValueFormat::Scientific { .. } if postgres => {
                    "NUMERIC"
                }
                ValueFormat::Decimal { .. } | ValueFormat::Scientific { .. } => "REAL",
                ValueFormat::Datetime {
                    date_only: true, ..
                } => "DATE",
                format if format.is_time_of_day() => "TIME",
                ValueFormat::Datetime {
                    offset: Some(_), ..
                } if postgres => "TIMESTAMPTZ",
                ValueFormat::Datetime { .. } => "TIMESTAMP",
                ValueFormat::Boolean { .. } => "BOOLEAN",
                ValueFormat::Verbatim => "TEXT",
            },
            Role::Missing => "TEXT",
        }
    }
}

impl Cell {
    /// The cell as text (PostgreSQL's COPY); `None` is NULL.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(super) fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Integer(x) => Some(x.to_string()),
            Cell::Real(x) => Some(x.to_string()),
            Cell::Text(text) => Some(text.clone()),
            Cell::Flag(flag) => Some(flag.to_string()),
        }
    }
}

/// The tables of `plan` a database writer empties before it writes (parents first): those
/// `holds_rows` says hold rows and may be emptied (it refuses the others).
pub(super) fn to_empty(
    plan: &Plan,
    mut holds_rows: impl FnMut(&str) -> Result<bool, Refusal>,
) -> Result<Vec<&str>, Refusal> {
    let mut names = Vec::new();
    for table in &plan.order {
        if holds_rows(&table.table)? {
            names.push(table.table.as_str());
        }
    }
    Ok(names)
}

/// A table's name and keys without its rows: what the `CREATE TABLE` of later tables reads
/// (their foreign keys reference its primary key) while the database is written table by table.
pub(super) fn without_rows(table: &SyntheticTable) -> SyntheticTable {
    SyntheticTable {
        name: table.name.clone(),
        header: Vec::new(),
        dialect: table.dialect.clone(),
        primary_key: table.primary_key.clone(),
        rows: 0,
        columns: Vec::new(),
        foreign_keys: IndexMap::new(),
        text: IndexMap::new(),
    }
}

/// `CREATE TABLE` with the columns' types, the primary key and a foreign key per reference
/// (the parent's primary key column is looked up among the tables written).
pub(super) fn create_table(
    table: &SyntheticTable,
    all: &IndexMap<String, SyntheticTable>,
    parents: &Parents,
    table_sql: &str,
    dialect: Dialect,
) -> String {
    let mut parts: Vec<String> = columns(table)
        .iter()
        .map(|column| {
            let primary = table.primary_key.as_deref() == Some(column.name);
            let not_null = if primary { " NOT NULL" } else { "" };
            format!(
                "{} {}{not_null}",
                quote_ident(column.name),
                column.sql_type(dialect)
            )
        })
        .collect();
    if let Some(pk) = &table.primary_key {
        parts.push(format!("PRIMARY KEY ({})", quote_ident(pk)));
    }
    for column in table.foreign_keys.keys() {
        let Some(parent) = parents.get(&(table.name.clone(), column.clone())) else {
            continue;
        };
        let Some(parent_key) = all.get(parent).and_then(|p| p.primary_key.as_deref()) else {
            continue;
        };
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            quote_ident(column),
            quote_ident(parent),
            quote_ident(parent_key)
        ));
    }
    format!("CREATE TABLE {table_sql} (\n  {}\n)", parts.join(",\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_gets_as_many_digits_of_a_second_as_the_input_wrote() {
        assert_eq!(fraction_of("%Y-%m-%d %H:%M:%S%.3f"), "%.3f");
        assert_eq!(fraction_of("%d/%m/%Y %H:%M:%S,%3f"), "%.3f");
        assert_eq!(fraction_of("%Y-%m-%dT%H:%M:%S%.6f%:z"), "%.6f");
        assert_eq!(fraction_of("%Y-%m-%d %H:%M:%S.%f"), "%.9f");
        assert_eq!(fraction_of("%Y-%m-%d %H:%M:%S%.f"), "%.f");
        assert_eq!(fraction_of("%Y-%m-%d %H:%M:%S"), "");
        let input = ValueFormat::Datetime {
            pattern: "%d.%m.%Y %H:%M:%S%.3f".into(),
            date_only: false,
            offset: None,
            upper: false,
        };
        let ValueFormat::Datetime { pattern, .. } = database_format(&input) else {
            panic!("a datetime stays one");
        };
        assert_eq!(pattern, "%Y-%m-%d %H:%M:%S%.3f");
    }
}
