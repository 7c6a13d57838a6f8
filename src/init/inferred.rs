//! What `init` infers, as typed values with their reasons: the tables, their keys and how each
//! is generated, and the files left out.
//!
//! Declared apart from the inference itself so that every step of it (and the YAML writer) can
//! use these types without importing the module that runs the steps.

use std::fmt;
use std::path::PathBuf;

use crate::location::Location;
use crate::schema::ColumnKind;

/// How sure the inference is about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Only weak hints (a key-like name and broad coverage): review it.
    Low,
    /// Names or values make it likely, not both.
    Medium,
    /// Names and values agree.
    High,
    /// Declared in the database's catalogue: taken as given.
    Declared,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Declared => "declared",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// A schema inferred from a folder, with the reasons for every choice.
#[derive(Debug, Clone)]
pub struct Inferred {
    /// The data folder, as given.
    pub dir: PathBuf,
    /// The tables, parents before children.
    pub tables: Vec<InferredTable>,
    /// CSV files that could not become tables, and why.
    pub skipped: Vec<Skipped>,
    /// Other entries of the folder (not `.csv` files).
    pub ignored: Vec<String>,
    /// The database the tables are read from (`None`: the CSV or Parquet files of `dir`).
    pub source: Option<Location>,
}

/// A CSV file left out of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file name.
    pub file: String,
    /// Why it was left out.
    pub reason: String,
}

/// One inferred table.
#[derive(Debug, Clone)]
pub struct InferredTable {
    /// The table's name (the file stem, made a valid name).
    pub name: String,
    /// The CSV file's name in the data folder.
    pub file_name: String,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub columns: usize,
    /// The primary key, if one was found.
    pub primary_key: Option<PrimaryKey>,
    /// Why there is no primary key, when there is none.
    pub no_primary_key: Option<String>,
    /// The foreign keys, in header order.
    pub foreign_keys: Vec<ForeignKey>,
    /// How the table is generated.
    pub generation: Generation,
    /// The column ordering each parent's rows, for sequential tables.
    pub order_by: Option<OrderBy>,
    /// Columns whose type is a close call.
    pub column_notes: Vec<ColumnNote>,
    /// Key candidates left out, and why.
    pub notes: Vec<String>,
}

/// An inferred primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    /// The column.
    pub column: String,
    /// How sure the inference is.
    pub confidence: Confidence,
    /// Why this column.
    pub why: String,
}

/// An inferred foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The column of the child table.
    pub column: String,
    /// The parent table.
    pub parent: String,
    /// The parent's primary key column the values are found in.
    pub parent_key: String,
    /// How sure the inference is.
    pub confidence: Confidence,
    /// Why this parent.
    pub why: String,
}

/// How a table is generated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generation {
    /// No foreign keys.
    Root,
    /// One sequence per parent row; `by` names the driving key when there are several.
    Sequential { by: Option<String>, why: String },
    /// `sequential: false`: rows generated independently, every key assigned.
    Independent { why: String },
}

/// The datetime column that orders each parent's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// The column.
    pub column: String,
    /// Why.
    pub why: String,
}

/// A column whose type is a close call: an explicit type (written under `columns:`) or only a
/// comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnNote {
    /// The column.
    pub column: String,
    /// The type to write explicitly, if any.
    pub kind: Option<ColumnKind>,
    /// The datetime format to write, if any.
    pub format: Option<String>,
    /// Why the type is a close call.
    pub why: String,
}

impl Inferred {
    /// Leaves table `name` out with `reason` (its file is listed as skipped): the keys of other
    /// tables that point at it go too, and a table whose sequence it drove is generated
    /// independently (or as a root, without keys left). For a file the schema cannot take as
    /// it is (a blank column name, a name clashing with another table's in case), which should
    /// not cost the rest of the folder its schema.
    pub fn leave_out(&mut self, name: &str, reason: String) {
        let Some(at) = self.tables.iter().position(|table| table.name == name) else {
            return;
        };
        let table = self.tables.remove(at);
        self.skipped.push(Skipped {
            file: table.file_name,
            reason,
        });
        for child in &mut self.tables {
            let before = child.foreign_keys.len();
            let dropped: Vec<String> = child
                .foreign_keys
                .iter()
                .filter(|fk| fk.parent == name)
                .map(|fk| fk.column.clone())
                .collect();
            child.foreign_keys.retain(|fk| fk.parent != name);
            if child.foreign_keys.len() == before {
                continue;
            }
            let why = format!("`{name}`, which it referred to, is left out");
            child.generation = match &child.generation {
                _ if child.foreign_keys.is_empty() => Generation::Root,
                Generation::Sequential { by: Some(by), .. } if dropped.contains(by) => {
                    Generation::Independent { why }
                }
                Generation::Sequential { by: None, .. } if child.foreign_keys.len() > 1 => {
                    Generation::Independent { why }
                }
                other => other.clone(),
            };
            if !matches!(child.generation, Generation::Sequential { .. }) {
                child.order_by = None;
            }
        }
    }

    /// "8 tables, 8 primary keys, 9 foreign keys (9 high, 0 medium, 0 low confidence)".
    pub fn summary(&self) -> String {
        let primary = self
            .tables
            .iter()
            .filter(|t| t.primary_key.is_some())
            .count();
        let foreign: Vec<Confidence> = self
            .tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.confidence))
            .collect();
        let count = |c| foreign.iter().filter(|&&x| x == c).count();
        let declared = match count(Confidence::Declared) {
            0 => String::new(),
            n => format!("{n} declared, "),
        };
        let mut text = format!(
            "{} tables, {primary} primary keys, {} foreign keys ({declared}{} high, {} medium, \
             {} low confidence)",
            self.tables.len(),
            foreign.len(),
            count(Confidence::High),
            count(Confidence::Medium),
            count(Confidence::Low)
        );
        if !self.skipped.is_empty() {
            let what = match self.source {
                Some(_) => "table(s)",
                None => "file(s)",
            };
            text += &format!(
                "; {} {what} left out (see the comments)",
                self.skipped.len()
            );
        }
        text
    }
}
