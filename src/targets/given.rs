//! Given rows: a table's rows read from a CSV file and used as they are, keys included, in
//! place of generated ones.
//!
//! The file is checked as real data is checked against its schema, but against the model: the
//! same columns (none missing, none extra), values its column types read, a unique and
//! non-empty primary key, and foreign keys that point at rows the output will have. Values are
//! kept twice: as written (the output repeats them verbatim) and parsed with the model's types
//! (what the children of the given rows are generated conditioned on).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::data::dialect::Known;
use crate::data::{Column, Value, parse_value, read_csv_at};
use crate::error::{Problem, printable};
use crate::plan::TablePlan;
use crate::train::{ColumnSpec, TrainedTable};

/// The checked rows of one given table.
#[derive(Debug, Clone)]
pub struct GivenTable {
    name: String,
    file: PathBuf,
    lines: Vec<u64>,
    primary_key: Option<String>,
    /// Foreign key column -> parent table.
    foreign_keys: Vec<(String, String)>,
    /// Every column's cells as written (trimmed), in the model's header order.
    text: IndexMap<String, Vec<String>>,
    /// The modelled columns, parsed with the model's types, in the model's column order.
    columns: Vec<Column>,
}

/// The keys a foreign key of given rows may hold: those of other given rows, or those the
/// generated parent will have (1..N; `None` when N is not known before generation).
#[derive(Debug, Clone, Copy)]
pub enum ParentKeys<'a> {
    /// The parent's rows are given too: its primary keys as written.
    Given(&'a [String]),
    /// The parent is kept as it is (a lookup or calendar table): its real primary keys.
    Kept(&'a [String]),
    /// The parent is generated: keys 1..N, with N when it is known.
    Generated(Option<usize>),
}

impl GivenTable {
    /// Reads `file` as the rows of the table `trained` models (planned as `plan`); every
    /// problem found is returned at once.
    pub fn read(
        file: &Path,
        trained: &TrainedTable,
        plan: &TablePlan,
    ) -> Result<GivenTable, Vec<Problem>> {
        let name = trained.name.as_str();
        // Read as the real file writes its numbers (decimal commas, grouped thousands).
        let known = Known {
            numbers: Some(trained.dialect.number_columns(&trained.header)),
            ..Known::default()
        };
        let raw = read_csv_at(name, file, file, &known).map_err(|problem| {
            vec![Problem {
                parameter: None,
                ..problem
            }]
        })?;
        let shown = file.display();
        let mut problems = header_problems(name, file, &raw.header, &trained.header);
        if raw.lines.is_empty() {
            problems.push(table_problem(
                name,
                format!("`{shown}` has a header but no rows"),
            ));
        }
        let mut cells: HashMap<String, Vec<Option<String>>> = raw
            .header
            .into_iter()
            .zip(
                raw.cells
                    .into_iter()
                    .map(crate::data::TextColumn::into_cells),
            )
            .collect();
        // Columns that are there are checked even when others are missing: every problem at once.
        let columns: Vec<Column> = trained
            .columns
            .iter()
            .filter_map(|spec| {
                let values = cells.get(&spec.name)?;
                parse_column(name, file, spec, values, &raw.lines)
                    .map_err(|problem| problems.push(problem))
                    .ok()
            })
            .collect();
        if let Some(pk) = &trained.primary_key
            && let Some(values) = cells.get(pk)
        {
            problems.extend(primary_key_problems(name, file, pk, values, &raw.lines));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let text = trained
            .header
            .iter()
            .map(|column| {
                let written = cells.remove(column).unwrap_or_default();
                let written = written.into_iter().map(Option::unwrap_or_default);
                (column.clone(), written.collect())
            })
            .collect();
        Ok(GivenTable {
            name: name.to_string(),
            file: file.to_path_buf(),
            lines: raw.lines,
            primary_key: trained.primary_key.clone(),
            foreign_keys: plan
                .relationships()
                .into_iter()
                .map(|r| (r.foreign_key, r.parent))
                .collect(),
            text,
            columns,
        })
    }

    /// The number of given rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The modelled columns, parsed with the model's types.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Every column's cells as written, in the model's header order.
    pub fn text(&self) -> &IndexMap<String, Vec<String>> {
        &self.text
    }

    /// The primary key of every row as written (empty when the table has none).
    pub fn primary_keys(&self) -> &[String] {
        self.primary_key
            .as_ref()
            .and_then(|pk| self.text.get(pk))
            .map_or(&[], Vec::as_slice)
    }

    /// The foreign keys: (column, parent table).
    pub fn foreign_keys(&self) -> &[(String, String)] {
        &self.foreign_keys
    }

    /// Every foreign key column whose values do not all point at a row of its parent.
    pub fn key_problems<'a>(&self, parent_keys: impl Fn(&str) -> ParentKeys<'a>) -> Vec<Problem> {
        self.foreign_keys
            .iter()
            .filter_map(|(column, parent)| {
                self.parent_rows(column, parent, parent_keys(parent)).err()
            })
            .collect()
    }

    /// For every row, the parent row its foreign key `column` points at (`None`: empty key), or
    /// a problem naming the column and the values that point nowhere.
    pub fn parent_rows(
        &self,
        column: &str,
        parent: &str,
        keys: ParentKeys<'_>,
    ) -> Result<Vec<Option<usize>>, Problem> {
        let empty = Vec::new();
        let values = self.text.get(column).unwrap_or(&empty);
        let position: HashMap<&str, usize> = match keys {
            ParentKeys::Given(labels) | ParentKeys::Kept(labels) => labels
                .iter()
                .enumerate()
                .map(|(row, label)| (label.as_str(), row))
                .collect(),
            ParentKeys::Generated(_) => HashMap::new(),
        };
        let mut rows = Vec::with_capacity(values.len());
        let mut dangling = Vec::new();
        for (value, line) in values.iter().zip(&self.lines) {
            let row = match keys {
                _ if value.is_empty() => Ok(None),
                ParentKeys::Given(_) | ParentKeys::Kept(_) => {
                    position.get(value.as_str()).map(|&row| Some(row)).ok_or(())
                }
                ParentKeys::Generated(count) => generated_row(value, count).map(Some),
            };
            match row {
                Ok(row) => rows.push(row),
                Err(()) => dangling.push(format!("`{}` (line {line})", printable(value))),
            }
        }
        if dangling.is_empty() {
            return Ok(rows);
        }
        let expected = match keys {
            ParentKeys::Given(_) => format!("a primary key of the given `{parent}` rows"),
            ParentKeys::Kept(_) => format!("a real primary key of the kept table `{parent}`"),
            ParentKeys::Generated(Some(count)) => {
                format!("a key of the generated `{parent}` rows, 1..{count}")
            }
            ParentKeys::Generated(None) => format!(
                "a key of the generated `{parent}` rows, a whole number from 1 to their count"
            ),
        };
        Err(Problem {
            table: Some(self.name.clone()),
            column: Some(column.to_string()),
            parameter: None,
            message: format!(
                "`{}`: {} not {expected}, e.g. {}",
                self.file.display(),
                counted(dangling.len(), "value is", "values are"),
                first_few(&dangling)
            ),
        })
    }
}

/// The generated row a key written as `value` points at: a whole number 1..=count written as
/// generated keys are (no sign, no leading zeros).
fn generated_row(value: &str, count: Option<usize>) -> Result<usize, ()> {
    let key: usize = value.parse().map_err(|_| ())?;
    let canonical = key.to_string() == value;
    if canonical && key >= 1 && count.is_none_or(|count| key <= count) {
        Ok(key - 1)
    } else {
        Err(())
    }
}

fn table_problem(table: &str, message: String) -> Problem {
    Problem {
        table: Some(table.to_string()),
        column: None,
        parameter: None,
        message,
    }
}

fn column_problem(table: &str, column: &str, message: String) -> Problem {
    Problem {
        table: Some(table.to_string()),
        column: Some(column.to_string()),
        parameter: None,
        message,
    }
}

/// Columns named twice, missing or unknown to the model.
fn header_problems(table: &str, file: &Path, header: &[String], model: &[String]) -> Vec<Problem> {
    let shown = file.display();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for name in header {
        if !seen.insert(name.as_str()) {
            problems.push(column_problem(
                table,
                name,
                format!("`{shown}` has this column twice"),
            ));
        }
    }
    // The table's columns are listed once, with the first column problem.
    let mut columns = format!(" (the table's columns: {})", model.join(", "));
    for name in model.iter().filter(|name| !seen.contains(name.as_str())) {
        let message = format!(
            "`{shown}` lacks this column{}",
            std::mem::take(&mut columns)
        );
        problems.push(column_problem(table, name, message));
    }
    for name in header.iter().filter(|name| !model.contains(name)) {
        let message = format!(
            "`{shown}` has this column, the table does not{}",
            std::mem::take(&mut columns)
        );
        problems.push(column_problem(table, name, message));
    }
    problems
}

/// One modelled column parsed with the model's type; the first value it cannot read is a
/// problem naming its line.
fn parse_column(
    table: &str,
    file: &Path,
    spec: &ColumnSpec,
    cells: &[Option<String>],
    lines: &[u64],
) -> Result<Column, Problem> {
    let mut values = Vec::with_capacity(cells.len());
    for (cell, line) in cells.iter().zip(lines) {
        let value = match cell {
            None => Value::Null,
            Some(text) => parse_value(spec.kind, &spec.format, text).ok_or_else(|| {
                column_problem(
                    table,
                    &spec.name,
                    format!(
                        "`{}` line {line}: `{}` is not a {} value as the model reads them{}",
                        file.display(),
                        printable(text),
                        spec.kind,
                        expected_form(spec)
                    ),
                )
            })?,
        };
        values.push(value);
    }
    Ok(Column {
        name: spec.name.clone(),
        kind: spec.kind,
        format: spec.format.clone(),
        values,
    })
}

/// " (written like ...)" for formats with a spelling to follow.
fn expected_form(spec: &ColumnSpec) -> String {
    use crate::data::ValueFormat;
    match &spec.format {
        ValueFormat::Datetime { pattern, .. } => format!(" (format `{pattern}`)"),
        ValueFormat::Boolean { yes, no } => format!(" (`{yes}` or `{no}`)"),
        _ => String::new(),
    }
}

/// Empty or repeated primary keys.
fn primary_key_problems(
    table: &str,
    file: &Path,
    pk: &str,
    values: &[Option<String>],
    lines: &[u64],
) -> Vec<Problem> {
    let shown = file.display();
    let mut problems = Vec::new();
    let empty: Vec<u64> = values
        .iter()
        .zip(lines)
        .filter(|(value, _)| value.is_none())
        .map(|(_, line)| *line)
        .collect();
    if !empty.is_empty() {
        problems.push(column_problem(
            table,
            pk,
            format!(
                "`{shown}`: {} an empty primary key (lines {})",
                counted(empty.len(), "row has", "rows have"),
                first_few(&empty)
            ),
        ));
    }
    let mut first_seen: HashMap<&str, u64> = HashMap::new();
    let mut duplicates = Vec::new();
    for (value, line) in values.iter().zip(lines) {
        let Some(value) = value else { continue };
        if let Some(first) = first_seen.insert(value.as_str(), *line) {
            duplicates.push(format!(
                "`{}` on lines {first} and {line}",
                printable(value)
            ));
        }
    }
    if !duplicates.is_empty() {
        problems.push(column_problem(
            table,
            pk,
            format!(
                "`{shown}`: {}; a primary key must be unique, e.g. {}",
                counted(duplicates.len(), "duplicate value", "duplicate values"),
                first_few(&duplicates)
            ),
        ));
    }
    problems
}

fn first_few<T: ToString>(items: &[T]) -> String {
    let mut shown: Vec<String> = items.iter().take(3).map(T::to_string).collect();
    if items.len() > 3 {
        shown.push("...".to_string());
    }
    shown.join(", ")
}

/// "1 value is" / "3 values are".
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_whole_numbers_in_range() {
        assert_eq!(generated_row("1", Some(3)), Ok(0));
        assert_eq!(generated_row("3", Some(3)), Ok(2));
        assert_eq!(generated_row("4", Some(3)), Err(()));
        assert_eq!(generated_row("0", None), Err(()));
        assert_eq!(generated_row("07", None), Err(()));
        assert_eq!(generated_row("+7", None), Err(()));
        assert_eq!(generated_row("x", None), Err(()));
        assert_eq!(generated_row("700", None), Ok(699));
    }

    #[test]
    fn the_header_must_match_the_model() {
        let model = ["id", "tier", "region"].map(String::from);
        let header = ["id", "tier", "tier", "colour"].map(String::from);
        let problems = header_problems("accounts", Path::new("g.csv"), &header, &model);
        let columns: Vec<&str> = problems
            .iter()
            .filter_map(|p| p.column.as_deref())
            .collect();
        assert_eq!(columns, ["tier", "region", "colour"]);
    }
}
