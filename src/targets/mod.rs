//! What the user asks generation for beyond the models: exact row counts for some tables, and
//! rows of some tables given as they are (their descendants generated for them).
//!
//! Both are checked against the models before anything is generated, every problem at once,
//! so a bad request fails fast and says which table (and, for given rows, which column and
//! value) is wrong. The command line turns its arguments into [`RowTargets`] and [`GivenFiles`];
//! generation reads the checked [`Targets`].

pub mod given;

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::error::{Error, Problem, Problems, Result};
use crate::plan::{Generation, Plan};
use crate::sampling::scaled;
use crate::train::Models;

pub use given::{GivenTable, ParentKeys};

/// Exact row counts asked for, by table. Only tables generated without a parent (roots and
/// `sequential: false` tables) can be counted: a sequential table's rows follow its parents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowTargets(IndexMap<String, usize>);

impl RowTargets {
    /// Collects `(table, rows)` pairs; a table named twice is an [`Error::RowCounts`].
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, usize)>) -> Result<RowTargets> {
        let mut rows = IndexMap::new();
        let mut problems = Vec::new();
        for (table, count) in pairs {
            if let Some(first) = rows.insert(table.clone(), count) {
                problems.push(about(
                    &table,
                    format!("asked for twice ({first} and {count} rows)"),
                ));
            }
        }
        if problems.is_empty() {
            Ok(RowTargets(rows))
        } else {
            Err(Error::RowCounts(Problems(problems)))
        }
    }

    /// The row count asked for `table`, if any.
    pub fn get(&self, table: &str) -> Option<usize> {
        self.0.get(table).copied()
    }

    /// Whether no table is counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Files whose rows stand in for a table's generated rows, by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenFiles(IndexMap<String, PathBuf>);

impl GivenFiles {
    /// Collects `(table, file)` pairs; a table named twice is an [`Error::GivenRows`].
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, PathBuf)>) -> Result<GivenFiles> {
        let mut files = IndexMap::new();
        let mut problems = Vec::new();
        for (table, file) in pairs {
            if files.insert(table.clone(), file).is_some() {
                problems.push(about(&table, "given twice"));
            }
        }
        if problems.is_empty() {
            Ok(GivenFiles(files))
        } else {
            Err(Error::GivenRows(Problems(problems)))
        }
    }

    /// Whether no table is given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The files the rows are read from: inputs, which no output may overwrite.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.0.values().cloned().collect()
    }
}

/// Row counts and given rows, checked against the models they are generated from.
#[derive(Debug, Default)]
pub struct Targets {
    rows: IndexMap<String, usize>,
    given: IndexMap<String, GivenTable>,
}

impl Targets {
    /// Checks `rows` against the plan (known tables, generated without a parent, not also
    /// given), then reads and checks every given file against its table's model (see
    /// [`GivenTable::read`]); `scale` sizes the root tables whose keys given rows may hold.
    pub fn load(
        models: &Models,
        rows: &RowTargets,
        given: &GivenFiles,
        scale: f64,
    ) -> Result<Targets> {
        let mut row_problems = row_problems(models, rows, given);
        row_problems.extend(kept_problems(models, rows));
        row_problems.extend(empty_parents(models, rows, given, scale));
        if !row_problems.is_empty() {
            return Err(Error::RowCounts(Problems(row_problems)));
        }
        let (tables, problems) = read_given(models, given);
        let mut problems = problems;
        problems.extend(given_under_kept(models, given));
        let kept = kept_keys(models);
        for table in tables.values() {
            let parent_keys = |parent: &str| match (tables.get(parent), kept.get(parent)) {
                (Some(parent), _) => ParentKeys::Given(parent.primary_keys()),
                (None, Some(keys)) => ParentKeys::Kept(keys),
                (None, None) => ParentKeys::Generated(root_rows(models, rows, scale, parent)),
            };
            problems.extend(table.key_problems(parent_keys));
        }
        if problems.is_empty() {
            Ok(Targets {
                rows: rows.0.clone(),
                given: tables,
            })
        } else {
            Err(Error::GivenRows(Problems(problems)))
        }
    }

    /// The exact row count asked for `table`, if any.
    pub fn rows(&self, table: &str) -> Option<usize> {
        self.rows.get(table).copied()
    }

    /// The given rows of `table`, if any.
    pub fn given(&self, table: &str) -> Option<&GivenTable> {
        self.given.get(table)
    }
}

/// A problem with the request about one table (no column, no schema parameter).
fn about(table: &str, message: impl Into<String>) -> Problem {
    Problem {
        table: Some(table.to_string()),
        column: None,
        parameter: None,
        message: message.into(),
    }
}

/// Row counts asked for kept tables, which come out with their real rows.
fn kept_problems(models: &Models, rows: &RowTargets) -> Vec<Problem> {
    rows.0
        .keys()
        .filter_map(|table| {
            let kept = models.tables.get(table)?.kept.as_ref()?;
            Some(about(
                table,
                format!(
                    "it is kept as it is ({}), so it has its real {} rows",
                    kept.reason, kept.rows
                ),
            ))
        })
        .collect()
}

/// Rows given for a table a kept table refers to: the kept rows' real keys would point at
/// rows that are not there (their foreign keys came out empty).
fn given_under_kept(models: &Models, given: &GivenFiles) -> Vec<Problem> {
    let kept = |table: &str| models.tables.get(table).and_then(|t| t.kept.as_ref());
    models
        .plan
        .order
        .iter()
        .filter(|child| !given.0.contains_key(&child.table))
        .filter_map(|child| Some((child, kept(&child.table)?)))
        .flat_map(|(child, why)| {
            child.relationships().into_iter().filter_map(move |key| {
                given.0.contains_key(&key.parent).then(|| {
                    about(
                        &key.parent,
                        format!(
                            "`{}` is kept as it is ({}) and refers to it (`{}`): its real keys \
                             would point at rows that are not among the given ones; give rows \
                             for `{}` too",
                            child.table, why.reason, key.foreign_key, child.table
                        ),
                    )
                })
            })
        })
        .collect()
}

/// Tables asked for no rows (or scaled down to none) that a table with rows refers to through
/// a key it assigns: its keys would have no row to point at and came out empty.
fn empty_parents(
    models: &Models,
    rows: &RowTargets,
    given: &GivenFiles,
    scale: f64,
) -> Vec<Problem> {
    let known = |table: &str| {
        if given.0.contains_key(table) || models.tables.get(table).is_some_and(|t| t.kept.is_some())
        {
            None
        } else {
            root_rows(models, rows, scale, table)
        }
    };
    // Whether a table may have rows: a root or independent one when not asked for none, a
    // sequential one when its parent may.
    let may_have_rows = |table: &str| {
        let mut table = table.to_string();
        loop {
            match models.plan.table(&table).map(|plan| &plan.generation) {
                Some(Generation::Sequential { key }) => table = key.parent.clone(),
                Some(_) => return known(&table) != Some(0),
                None => return false,
            }
        }
    };
    let mut problems = Vec::new();
    for child in &models.plan.order {
        if !may_have_rows(&child.table) {
            continue;
        }
        for key in &child.assigned {
            if known(&key.parent) == Some(0) {
                problems.push(about(
                    &key.parent,
                    format!(
                        "it would have no rows, but `{}` has rows and refers to it (`{}`): \
                         their keys would point at nothing; ask for rows of `{}`, or none of `{}`",
                        child.table, key.column, key.parent, child.table
                    ),
                ));
            }
        }
    }
    problems
}

/// The real primary keys of every kept table, as written.
fn kept_keys(models: &Models) -> IndexMap<&str, Vec<String>> {
    models
        .tables
        .values()
        .filter_map(|trained| {
            let keys = trained
                .kept
                .as_ref()?
                .keys
                .get(trained.primary_key.as_ref()?)?;
            let written = keys.iter().map(|key| key.clone().unwrap_or_default());
            Some((trained.name.as_str(), written.collect()))
        })
        .collect()
}

/// Every reason the asked row counts cannot be honoured.
fn row_problems(models: &Models, rows: &RowTargets, given: &GivenFiles) -> Vec<Problem> {
    let plan = &models.plan;
    let mut problems = Vec::new();
    for (table, _) in &rows.0 {
        let Some(table_plan) = plan.table(table) else {
            problems.push(unknown(plan, table));
            continue;
        };
        if let Generation::Sequential { key } = &table_plan.generation {
            let roots = root_ancestors(plan, table);
            let kept = |root: &String| models.tables.get(root).is_some_and(|t| t.kept.is_some());
            // Kept roots keep their real rows: only the scale grows what descends from them.
            let instead = match roots.iter().all(kept) {
                true => format!(
                    "{} kept as it is (its real rows), so only the scale changes their number",
                    match roots.len() {
                        1 => format!("{} is", quoted(&roots)),
                        _ => format!("{} are", quoted(&roots)),
                    }
                ),
                false => format!("set the rows of {} instead", quoted(&roots)),
            };
            problems.push(about(
                table,
                format!(
                    "its rows are generated per `{}` row, so their number follows its parents': \
                     {instead}",
                    key.parent,
                ),
            ));
        }
        if given.0.contains_key(table) {
            problems.push(about(
                table,
                "its rows are given by a file, so their number is the file's",
            ));
        }
    }
    problems
}

/// The tables a sequential table's rows descend from through sequence keys only: the tables
/// whose row counts decide its own.
fn root_ancestors(plan: &Plan, table: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut todo = vec![table.to_string()];
    while let Some(name) = todo.pop() {
        match plan.table(&name).map(|p| &p.generation) {
            Some(Generation::Sequential { key }) => todo.push(key.parent.clone()),
            Some(_) if name != table && !roots.contains(&name) => roots.push(name),
            _ => {}
        }
    }
    roots
}

fn quoted(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    names.join(" and ")
}

/// "not a table of the model" with the tables that are.
fn unknown(plan: &Plan, table: &str) -> Problem {
    let known: Vec<&str> = plan.order.iter().map(|p| p.table.as_str()).collect();
    about(
        table,
        format!("no such table among those generated ({})", known.join(", ")),
    )
}

/// Reads every given file that names a known table; returns what could be read and every
/// problem found.
fn read_given(models: &Models, given: &GivenFiles) -> (IndexMap<String, GivenTable>, Vec<Problem>) {
    let mut tables = IndexMap::new();
    let mut problems = Vec::new();
    for (table, file) in &given.0 {
        let (Some(plan), Some(trained)) = (models.plan.table(table), models.tables.get(table))
        else {
            problems.push(unknown(&models.plan, table));
            continue;
        };
        match GivenTable::read(file, trained, plan) {
            Ok(read) => {
                tables.insert(table.clone(), read);
            }
            Err(found) => problems.extend(found),
        }
    }
    (tables, problems)
}

/// The rows a root table will have, when they are known before generation (the rows asked
/// for, else its real rows times `scale`); `None` for tables generated from their parents.
fn root_rows(models: &Models, rows: &RowTargets, scale: f64, table: &str) -> Option<usize> {
    let plan = models.plan.table(table)?;
    match plan.generation {
        Generation::Root => rows
            .get(table)
            .or_else(|| Some(scaled(models.tables.get(table)?.real_rows, scale))),
        Generation::Independent => rows.get(table),
        Generation::Sequential { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_counted_twice_is_refused() {
        let pairs = [
            ("a".to_string(), 3),
            ("b".to_string(), 4),
            ("a".to_string(), 5),
        ];
        let Err(Error::RowCounts(Problems(problems))) = RowTargets::from_pairs(pairs) else {
            panic!("a table counted twice must be refused");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].table.as_deref(), Some("a"));
        let fine = RowTargets::from_pairs([("a".to_string(), 3)]).expect("one count");
        assert_eq!(fine.get("a"), Some(3));
        assert_eq!(fine.get("b"), None);
    }

    #[test]
    fn a_table_given_twice_is_refused() {
        let pairs = [
            ("a".to_string(), "x.csv".into()),
            ("a".to_string(), "y.csv".into()),
        ];
        assert!(matches!(
            GivenFiles::from_pairs(pairs),
            Err(Error::GivenRows(_))
        ));
    }
}
