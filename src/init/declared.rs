//! `dxsynth init` for a database: tables, columns and keys from the catalogue.
//!
//! Keys the database declares are taken as given (and commented as declared); a table that
//! declares no key at all gets its keys inferred from the data, as a CSV file would. Declared
//! keys dxsynth cannot use — composite keys, self-references, references to a column that is not
//! the parent's primary key — are left out with the reason. The rest (generation, `order_by`,
//! cycles, column notes) is what inference does for CSV files.

use std::collections::{HashMap, HashSet};

use super::inferred::{Confidence, ForeignKey, Inferred, PrimaryKey, Skipped};
use super::keys::{self, Keys};
use super::profile::TableProfile;
use super::scan::table_name;
use crate::data::{RawTable, TextColumn};
use crate::error::{Error, Problem, Result};
use crate::input::catalogue::CatalogueTable;
use crate::location::Location;

/// Score of a declared foreign key when a cycle must lose one: above any inferred key's.
const DECLARED_SCORE: f64 = 1e12;

/// Infers a schema from a database's catalogue and rows.
pub fn infer(location: &Location) -> Result<Inferred> {
    let catalogue =
        crate::input::catalogue(location).map_err(|message| unreadable(location, message))?;
    let db_names: Vec<String> = catalogue.tables.iter().map(|t| t.name.clone()).collect();
    let reads = crate::input::read_database(location, &db_names);
    let mut skipped: Vec<Skipped> = (catalogue.unreadable.iter())
        .map(|(table, reason)| Skipped {
            file: table.clone(),
            reason: format!("its declarations cannot be read: {reason}"),
        })
        .collect();
    let mut loaded: Vec<(
        &CatalogueTable,
        String,
        RawTable,
        Vec<Option<crate::schema::ColumnKind>>,
    )> = Vec::new();
    let mut taken = HashSet::new();
    for (table, read) in catalogue.tables.iter().zip(reads) {
        match read {
            Ok(text) if text.lines.is_empty() => skipped.push(Skipped {
                file: table.name.clone(),
                reason: "the table has no rows: there is nothing to learn from".into(),
            }),
            Ok(text) => {
                let cells: Result<Vec<TextColumn>, _> =
                    text.cells.into_iter().map(TextColumn::from_cells).collect();
                let Ok(cells) = cells else {
                    skipped.push(Skipped {
                        file: table.name.clone(),
                        reason: "a column holds more than 4 GiB of text, more than dxsynth reads"
                            .into(),
                    });
                    continue;
                };
                let name = unique(&table_name(&table.name), &mut taken);
                let raw = RawTable {
                    header: text.header,
                    lines: text.lines,
                    cells,
                    dialect: Default::default(),
                };
                loaded.push((table, name, raw, text.kinds));
            }
            Err(reason) => skipped.push(Skipped {
                file: table.name.clone(),
                reason: reason.unwrap_or_else(|| "cannot be read".into()),
            }),
        }
    }
    if loaded.is_empty() {
        return Err(no_tables(location, &skipped));
    }
    let profiles: Vec<TableProfile> = loaded
        .iter()
        .map(|(_, name, raw, _)| TableProfile::new(name, raw))
        .collect();
    let mut keys = keys::infer_keys(&profiles);
    let by_db_name: HashMap<&str, usize> = loaded
        .iter()
        .enumerate()
        .map(|(index, (table, ..))| (table.name.as_str(), index))
        .collect();
    let tables: Vec<&CatalogueTable> = loaded.iter().map(|(table, ..)| *table).collect();
    let names: Vec<&str> = loaded.iter().map(|(_, name, ..)| name.as_str()).collect();
    apply_declared(&mut keys, &tables, &names, &by_db_name);
    let db_names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut inferred_tables = super::assemble_keys(&profiles, &db_names, keys);
    for (table, (_, _, raw, kinds)) in inferred_tables.iter_mut().zip(&loaded) {
        // The database's types settle these columns when loading: no note needed.
        let settled: HashSet<&str> = raw
            .header
            .iter()
            .zip(kinds)
            .filter(|(_, kind)| kind.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        table
            .column_notes
            .retain(|note| !settled.contains(note.column.as_str()));
    }
    Ok(Inferred {
        dir: std::path::PathBuf::from(location.to_string()),
        tables: super::parents_first(inferred_tables),
        skipped,
        ignored: Vec::new(),
        source: Some(location.clone()),
    })
}

/// Replaces the inferred keys of every table that declares a key by its declared keys.
fn apply_declared(
    keys: &mut Keys,
    tables: &[&CatalogueTable],
    names: &[&str],
    by_db_name: &HashMap<&str, usize>,
) {
    let declares =
        |table: &CatalogueTable| !table.primary_key.is_empty() || !table.foreign_keys.is_empty();
    for (index, table) in tables.iter().enumerate() {
        if !declares(table) {
            continue;
        }
        keys.notes[index].clear();
        keys.primary[index] = None;
        keys.no_primary_key[index] = None;
        match table.primary_key.as_slice() {
            [column] => {
                keys.primary[index] = Some(PrimaryKey {
                    column: column.clone(),
                    confidence: Confidence::Declared,
                    why: format!("PRIMARY KEY ({column})"),
                });
            }
            [] => {
                keys.no_primary_key[index] =
                    Some("No primary key: the database declares none.".into());
            }
            columns => {
                keys.no_primary_key[index] = Some(format!(
                    "No primary key: the declared primary key ({}) has {} columns, and dxsynth \
                     keys are single columns.",
                    columns.join(", "),
                    columns.len()
                ));
            }
        }
    }
    for (index, table) in tables.iter().enumerate() {
        if !declares(table) {
            continue;
        }
        let mut foreign = Vec::new();
        // In the table's column order, whatever order the catalogue lists them in.
        let position = |columns: &[String]| {
            let first = columns.first();
            table.columns.iter().position(|c| Some(&c.name) == first)
        };
        let mut declared_keys: Vec<_> = table.foreign_keys.iter().collect();
        declared_keys.sort_by_key(|fk| position(&fk.columns));
        for declared in declared_keys {
            let shown = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({})",
                declared.columns.join(", "),
                declared.parent,
                declared.parent_columns.join(", ")
            );
            let usable = usable(keys, names, by_db_name, index, declared);
            match usable {
                Ok(fk) => foreign.push((ForeignKey { why: shown, ..fk }, DECLARED_SCORE)),
                Err(reason) => keys.notes[index].push(format!("declared {shown}: {reason}")),
            }
        }
        keys.foreign[index] = foreign;
    }
}

/// A declared foreign key as a schema key, or why it cannot be one.
fn usable(
    keys: &Keys,
    names: &[&str],
    by_db_name: &HashMap<&str, usize>,
    child: usize,
    declared: &crate::input::catalogue::DeclaredForeignKey,
) -> std::result::Result<ForeignKey, String> {
    let [column] = declared.columns.as_slice() else {
        return Err(format!(
            "it has {} columns, and dxsynth keys are single columns; left out",
            declared.columns.len()
        ));
    };
    let Some(&parent) = by_db_name.get(declared.parent.as_str()) else {
        return Err("the parent table is not in the schema (see the tables left out)".into());
    };
    if parent == child {
        return Err("a self-reference cannot be generated; left out".into());
    }
    let Some(parent_key) = &keys.primary[parent] else {
        return Err(format!(
            "`{}` has no single-column primary key to reference; left out",
            names[parent]
        ));
    };
    if let [referenced] = declared.parent_columns.as_slice()
        && *referenced != parent_key.column
    {
        return Err(format!(
            "it references `{referenced}`, which is not the primary key of `{}` (`{}`); left out",
            names[parent], parent_key.column
        ));
    }
    Ok(ForeignKey {
        column: column.clone(),
        parent: names[parent].to_string(),
        parent_key: parent_key.column.clone(),
        confidence: Confidence::Declared,
        why: String::new(),
    })
}

/// `name`, or `name_2`... when two database tables give the same schema name.
fn unique(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

fn unreadable(location: &Location, message: String) -> Error {
    Error::invalid(vec![Problem::general(format!(
        "cannot read the catalogue of `{location}`: {message}"
    ))])
}

fn no_tables(location: &Location, skipped: &[Skipped]) -> Error {
    let mut problems = vec![Problem::general(format!(
        "no usable table in `{location}`: `dxsynth init` needs at least one table with rows"
    ))];
    problems.extend(
        skipped
            .iter()
            .map(|s| Problem::general(format!("{}: {}", s.file, s.reason))),
    );
    Error::invalid(problems)
}
