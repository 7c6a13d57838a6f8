//! Tables copied as they are: lookup tables (a few labelled rows other tables refer to) and
//! calendar tables (one row per day or per second, every column a function of it).
//!
//! Synthesizing such a table loses what makes it useful (the 25 nations come out as `QRVGF`, and
//! sales no longer fall on the days real sales fall on); copying it reveals nothing personal.
//! A table is kept when the schema says `mode: keep`, or, unless it says `mode: synthesize`,
//! when it is a lookup table or a calendar table as defined below and every table it refers
//! to is kept too (a kept row's keys must point at real rows).

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Table, Value};
use crate::model::runs::Runs;
use crate::schema::{ColumnKind, Schema, TableMode};

use super::detect::{TableContext, detect};

/// A lookup table has at most this many rows (and is referenced, and holds no personal column).
pub use super::detect::LOOKUP_MAX_ROWS;

/// A calendar table has at least this many rows (a year of days).
pub const CALENDAR_MIN_ROWS: usize = 365;

/// Name tokens that mark a calendar column (`d_date`, `t_time`, `hour`).
const CALENDAR_TOKENS: &[&str] = &[
    "date", "day", "time", "calendar", "hour", "minute", "second",
];

/// Name tokens of a table of people (`patients`, `Employee`): never a lookup table, however
/// small, since copying it would copy people's records.
const PEOPLE_TABLE_TOKENS: &[&str] = &[
    "customer",
    "customers",
    "client",
    "clients",
    "user",
    "users",
    "patient",
    "patients",
    "employee",
    "employees",
    "person",
    "persons",
    "people",
    "member",
    "members",
    "student",
    "students",
    "contact",
    "contacts",
    "staff",
];

/// Name tokens of a column of sensitive facts about a person (`ssn`, `date_of_birth`,
/// `salary`, `diagnosis`): a table holding one is not copied as a lookup table.
const SENSITIVE_COLUMN_TOKENS: &[&str] = &[
    "ssn",
    "passport",
    "dob",
    "birth",
    "birthdate",
    "birthday",
    "salary",
    "salaries",
    "wage",
    "wages",
    "diagnosis",
    "diagnoses",
    "password",
    "iban",
];

/// Why each table is kept (tables not kept are absent), parents before children. A table
/// with `mode: keep` keeps the tables it refers to as well (recursively): a kept row's keys
/// must point at real rows (a valid schema has none of them say `mode: synthesize`).
pub fn decide(schema: &Schema, tables: &IndexMap<String, Table>) -> IndexMap<String, String> {
    let mut kept: IndexMap<String, String> = IndexMap::new();
    let mut forced: IndexMap<String, String> = IndexMap::new();
    let mut todo: Vec<&str> = schema
        .tables
        .iter()
        .filter(|t| t.mode == Some(TableMode::Keep))
        .map(|t| t.name.as_str())
        .collect();
    while let Some(name) = todo.pop() {
        for fk in schema
            .table(name)
            .map(|t| t.foreign_keys.as_slice())
            .unwrap_or(&[])
        {
            if !forced.contains_key(&fk.parent) {
                let why = format!("`{name}` is kept and refers to it (`{}`)", fk.column);
                forced.insert(fk.parent.clone(), why);
                todo.push(&fk.parent);
            }
        }
    }
    // Parents first: a table may only be kept when all its parents are (cycles were rejected).
    let mut pending: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    let mut settled: Vec<&str> = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|&name| {
            let Some(def) = schema.table(name) else {
                return false;
            };
            if !def
                .foreign_keys
                .iter()
                .all(|fk| settled.contains(&fk.parent.as_str()))
            {
                return true;
            }
            let parents_kept = def
                .foreign_keys
                .iter()
                .all(|fk| kept.contains_key(&fk.parent));
            let why = match forced.get(name) {
                Some(why) if def.mode != Some(TableMode::Keep) => Some(why.clone()),
                _ => tables
                    .get(name)
                    .and_then(|table| reason(schema, def.mode, table, parents_kept)),
            };
            if let Some(reason) = why {
                kept.insert(name.to_string(), reason);
            }
            settled.push(name);
            false
        });
        if pending.len() == before {
            break;
        }
    }
    kept
}

fn reason(
    schema: &Schema,
    mode: Option<TableMode>,
    table: &Table,
    parents_kept: bool,
) -> Option<String> {
    match mode {
        Some(TableMode::Keep) => Some("`mode: keep` in the schema".to_string()),
        Some(TableMode::Synthesize) => None,
        None if !parents_kept => None,
        None => calendar(table).or_else(|| lookup(schema, table)),
    }
}

/// A table whose column runs in equal steps over every row (a day, a second), named for it.
pub fn calendar(table: &Table) -> Option<String> {
    if table.rows() < CALENDAR_MIN_ROWS {
        return None;
    }
    table.columns.iter().find_map(|column| {
        let named = super::detect::tokens(&column.name)
            .iter()
            .any(|t| CALENDAR_TOKENS.contains(&t.as_str()));
        let step = if named || column.kind == ColumnKind::Datetime {
            even_step(column)?
        } else {
            return None;
        };
        let unit = match (column.kind, step) {
            (ColumnKind::Datetime, 86_400.0) => "1 day".to_string(),
            (ColumnKind::Datetime, 1.0) => "1 second".to_string(),
            (ColumnKind::Datetime, s) => format!("{s} seconds"),
            (_, s) => format!("{s}"),
        };
        Some(format!(
            "calendar table: `{}` runs in steps of {unit} over all {} rows, and the other \
             columns follow from it",
            column.name,
            table.rows()
        ))
    })
}

/// The constant step between the sorted values of a complete, unique numeric column.
fn even_step(column: &Column) -> Option<f64> {
    let mut numbers: Vec<f64> = column
        .values
        .iter()
        .map(Value::as_number)
        .collect::<Option<Vec<f64>>>()?;
    numbers.sort_by(f64::total_cmp);
    let step = numbers.get(1)? - numbers[0];
    let even = step > 0.0 && numbers.windows(2).all(|pair| pair[1] - pair[0] == step);
    even.then_some(step)
}

/// A small table that other tables refer to and that holds no personal column, is not named
/// for people and holds no column named for a sensitive fact.
pub fn lookup(schema: &Schema, table: &Table) -> Option<String> {
    let referenced = schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .any(|fk| fk.parent == table.name);
    if !referenced || table.rows() > LOOKUP_MAX_ROWS || of_people(table) {
        return None;
    }
    let context = TableContext {
        table: &table.name,
        referenced,
        rows: table.rows(),
    };
    if table
        .columns
        .iter()
        .any(|column| detect(context, column).is_personal())
    {
        return None;
    }
    Some(format!(
        "lookup table: {} rows (at most {LOOKUP_MAX_ROWS}) that other tables refer to, no \
         personal column",
        table.rows()
    ))
}

/// Whether a table is named for people or names a sensitive fact in a column (its header,
/// key columns included).
fn of_people(table: &Table) -> bool {
    let named = |name: &str, tokens: &[&str]| {
        super::detect::tokens(name)
            .iter()
            .any(|token| tokens.contains(&token.as_str()))
    };
    named(&table.name, PEOPLE_TABLE_TOKENS)
        || table
            .header
            .iter()
            .any(|column| named(column, SENSITIVE_COLUMN_TOKENS))
}

/// A kept table as the model file stores it: every modelled column and key column verbatim.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptTable {
    /// Why the table is kept (for `inspect` and `validate`).
    pub reason: String,
    /// The modelled columns' values, in the table's column order.
    columns: Vec<Runs>,
    /// Primary and foreign key columns as written in the CSV (`None`: empty).
    pub keys: IndexMap<String, Vec<Option<String>>>,
    /// The number of rows.
    pub rows: usize,
}

impl KeptTable {
    /// Copies a real table.
    pub fn copy(table: &Table, reason: String) -> KeptTable {
        KeptTable {
            reason,
            columns: table
                .columns
                .iter()
                .map(|column| Runs::new(column.values.clone()))
                .collect(),
            keys: table
                .keys
                .iter()
                .map(|(name, keys)| {
                    (
                        name.clone(),
                        keys.iter().map(|k| k.map(str::to_string)).collect(),
                    )
                })
                .collect(),
            rows: table.rows(),
        }
    }

    /// The values of modelled column `index`.
    pub fn values(&self, index: usize) -> Vec<Value> {
        self.columns
            .get(index)
            .map(|runs| (0..runs.len()).map(|row| runs.get(row).clone()).collect())
            .unwrap_or_else(|| vec![Value::Null; self.rows])
    }

    /// Whether what a model file stored fits the table: one stored column per modelled column
    /// (`kinds`), `rows` (the table's real rows) values in each column and each key column,
    /// values of the column's type and finite numbers. A file that decodes but does not fit
    /// fails here instead of in generation.
    pub fn check(&self, kinds: &[ColumnKind], rows: usize) -> Result<(), String> {
        let lengths_agree = self.rows == rows
            && self.columns.iter().all(|runs| runs.len() == self.rows)
            && self.keys.values().all(|keys| keys.len() == self.rows);
        if self.columns.len() != kinds.len() || !lengths_agree {
            return Err("a kept table's stored columns do not fit its rows".into());
        }
        for (runs, &kind) in self.columns.iter().zip(kinds) {
            if !runs.run_values().iter().all(|value| fits(value, kind)) {
                return Err(format!("a kept {kind} column holds values of another type"));
            }
        }
        Ok(())
    }
}

/// Whether a stored value can be a value of a `kind` column.
fn fits(value: &Value, kind: ColumnKind) -> bool {
    match value {
        Value::Null => true,
        Value::Number(x) => {
            x.is_finite() && matches!(kind, ColumnKind::Numerical | ColumnKind::Datetime)
        }
        Value::Label(_) => matches!(
            kind,
            ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
        ),
        Value::Flag(_) => kind == ColumnKind::Boolean,
    }
}

/// The rows of a kept table, ready for output: its modelled columns, each foreign key as the
/// parent row it points at, and its real primary keys (written as they are; its children then
/// write them too, see `generate`).
pub struct KeptRows {
    /// The modelled columns, verbatim.
    pub columns: Vec<Column>,
    /// Each foreign key column: the parent row of every row (`None`: empty or unknown key).
    pub foreign_keys: IndexMap<String, Vec<Option<usize>>>,
    /// The primary key column and its real value on every row (empty: no value).
    pub primary_keys: Option<(String, Vec<String>)>,
}

impl KeptTable {
    /// The table's rows; `specs` describe its modelled columns, `parents` give, for each foreign
    /// key column, the primary keys of the parent's rows as written (a kept parent's are its
    /// real keys).
    pub fn rows(
        &self,
        specs: &[(String, ColumnKind, crate::data::ValueFormat)],
        primary_key: Option<&str>,
        parents: &[(String, &[String])],
    ) -> KeptRows {
        let columns = specs
            .iter()
            .enumerate()
            .map(|(index, (name, kind, format))| Column {
                name: name.clone(),
                kind: *kind,
                format: format.clone(),
                values: self.values(index),
            })
            .collect();
        let primary_keys =
            primary_key
                .and_then(|pk| self.keys.get_key_value(pk))
                .map(|(pk, keys)| {
                    let written = keys.iter().map(|key| key.clone().unwrap_or_default());
                    (pk.clone(), written.collect())
                });
        let mut foreign_keys = IndexMap::new();
        for (column, parent_keys) in parents {
            let position: HashMap<&str, usize> = parent_keys
                .iter()
                .enumerate()
                .filter(|(_, key)| !key.is_empty())
                .map(|(row, key)| (key.as_str(), row))
                .collect();
            let own = self.keys.get(column).map_or(&[][..], Vec::as_slice);
            let rows = (0..self.rows)
                .map(|row| {
                    let key = own.get(row)?.as_deref()?;
                    position.get(key).copied()
                })
                .collect();
            foreign_keys.insert(column.clone(), rows);
        }
        KeptRows {
            columns,
            foreign_keys,
            primary_keys,
        }
    }
}

/// A model with nothing in it, for a kept table (its rows come from [`KeptTable`]): training
/// the real model on a calendar table would take most of a run and never be used.
pub fn empty_model(table: &Table) -> crate::model::AnyModel {
    let empty = Table {
        name: table.name.clone(),
        header: table.header.clone(),
        lines: Vec::new(),
        place: table.place,
        dialect: table.dialect.clone(),
        keys: IndexMap::new(),
        columns: table
            .columns
            .iter()
            .map(|column| Column {
                values: Vec::new(),
                ..column.clone_empty()
            })
            .collect(),
    };
    let data = crate::model::TrainingData {
        table: &empty,
        parent: None,
        order_by: None,
        privacy: crate::model::Privacy::default(),
        rules: &[],
        regenerated: &[],
        semantic: &[],
        from_children: &[],
    };
    crate::model::AnyModel::Reference(crate::model::reference::ReferenceModel::train(&data))
}

impl Column {
    fn clone_empty(&self) -> Column {
        Column {
            name: self.name.clone(),
            kind: self.kind,
            format: self.format.clone(),
            values: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::data::ValueFormat;

    fn table(name: &str, columns: Vec<Column>, rows: usize) -> Table {
        Table {
            name: name.into(),
            header: columns.iter().map(|c| c.name.clone()).collect(),
            lines: (0..rows as u64).collect(),
            place: crate::data::RowPlace::Line,
            keys: IndexMap::new(),
            columns,
            dialect: Default::default(),
        }
    }

    fn schema() -> Schema {
        Schema::parse(
            "tables:\n  region: {path: r.csv, primary_key: k}\n  nation: {path: n.csv, \
             primary_key: k, foreign_keys: {r: region}, sequential: false}\n  people: {path: \
             p.csv, primary_key: k, foreign_keys: {n: nation}, sequential: false}\n  days: \
             {path: d.csv, primary_key: k}\n",
            Path::new("s.yaml"),
            Path::new("."),
        )
        .expect("valid")
    }

    fn labels(name: &str, values: &[&str]) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: values.iter().map(|v| Value::Label(Arc::from(*v))).collect(),
        }
    }

    #[test]
    fn lookups_and_calendars_are_kept_and_people_are_not() {
        let schema = schema();
        let mut tables = IndexMap::new();
        tables.insert(
            "region".into(),
            table("region", vec![labels("r_name", &["AFRICA", "ASIA"])], 2),
        );
        tables.insert(
            "nation".into(),
            table("nation", vec![labels("n_name", &["KENYA", "CHINA"])], 2),
        );
        let names = labels("email", &["a.b@c.com", "d.e@f.org"]);
        tables.insert("people".into(), table("people", vec![names], 2));
        let days = Column {
            name: "d_date".into(),
            kind: ColumnKind::Datetime,
            format: ValueFormat::Verbatim,
            values: (0..400)
                .map(|d| Value::Number(f64::from(d) * 86_400.0))
                .collect(),
        };
        tables.insert("days".into(), table("days", vec![days], 400));
        let kept = decide(&schema, &tables);
        let names: Vec<&str> = kept.keys().map(String::as_str).collect();
        assert_eq!(names, ["region", "nation", "days"]);
        assert!(kept["days"].contains("steps of 1 day"), "{}", kept["days"]);
    }

    /// Small referenced tables of no detected personal column, but named for people or holding
    /// a sensitive fact by name, are synthesized: copied, they were people's records.
    #[test]
    fn tables_of_people_or_sensitive_facts_are_not_lookups() {
        let schema = Schema::parse(
            "tables:\n  patients: {path: p.csv, primary_key: k}\n  plans: {path: q.csv, \
             primary_key: k}\n  wards: {path: w.csv, primary_key: k}\n  visits: {path: v.csv, \
             foreign_keys: {p: patients, q: plans, w: wards}, sequential: false}\n",
            Path::new("s.yaml"),
            Path::new("."),
        )
        .expect("valid");
        let status = labels("status", &["new", "seen"]);
        let ssn = labels("holder_ssn", &["1", "2"]);
        let ward = labels("ward_name", &["north", "south"]);
        let tables: IndexMap<String, Table> = [
            ("patients", table("patients", vec![status], 2)),
            ("plans", table("plans", vec![ssn], 2)),
            ("wards", table("wards", vec![ward], 2)),
        ]
        .into_iter()
        .map(|(name, table)| (name.to_string(), table))
        .collect();
        let kept = decide(&schema, &tables);
        let names: Vec<&str> = kept.keys().map(String::as_str).collect();
        assert_eq!(names, ["wards"]);
    }
}
