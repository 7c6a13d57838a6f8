//! Typed errors of the library.
//!
//! Invalid input (schema or data) is never a single error: users fix their files in one pass only
//! when every problem is listed at once, so invalid input travels as [`Problems`], a list of
//! [`Problem`]s each naming the table, the column and the schema parameter involved.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// One thing wrong with the schema or the data, located as precisely as we can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The table concerned, when the problem belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The column concerned, when the problem belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The schema parameter to look at (`primary_key`, `foreign_keys`, `path`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// What is wrong and, where we can tell, how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem that belongs to no particular table (for example a YAML syntax error).
    pub fn general(message: impl Into<String>) -> Problem {
        Problem {
            table: None,
            column: None,
            parameter: None,
            message: message.into(),
        }
    }

    /// A problem with a table as a whole.
    pub fn table(table: &str, parameter: &str, message: impl Into<String>) -> Problem {
        Problem {
            table: Some(table.to_string()),
            column: None,
            parameter: Some(parameter.to_string()),
            message: message.into(),
        }
    }

    /// A problem with one column of a table.
    pub fn column(
        table: &str,
        column: &str,
        parameter: &str,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            table: Some(table.to_string()),
            column: Some(column.to_string()),
            parameter: Some(parameter.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(table) = &self.table {
            place.push(format!("table `{table}`"));
        }
        if let Some(column) = &self.column {
            place.push(format!("column `{column}`"));
        }
        if let Some(parameter) = &self.parameter {
            place.push(format!("parameter `{parameter}`"));
        }
        if place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", place.join(", "), self.message)
        }
    }
}

/// Every problem found in one validation pass. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        writeln!(f, "{count} {noun} found:")?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

/// Why a dxsynth operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The schema or the data is unusable; the user has to change their input.
    #[error("{0}")]
    Invalid(Problems),
    /// A command-line value is out of range (for example `--scale 0`).
    #[error("invalid argument `{argument}`: {message}")]
    Argument { argument: String, message: String },
    /// Reading or writing a file failed for a reason outside the input's content.
    #[error("{context} `{}`: {source}", path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing an output CSV failed.
    #[error("could not write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// `evaluate --min-quality`: the synthetic data scored below the gate. Not a failure of
    /// the program but an answer a pipeline must be able to tell apart (exit code 3).
    #[error("{}", quality_below(*.quality, *.minimum))]
    QualityBelow {
        /// The overall quality, when one could be computed.
        quality: Option<f64>,
        /// The `--min-quality` asked for.
        minimum: f64,
    },
    /// A model file that cannot be used (not a model file, another format version, truncated,
    /// corrupted): the user has to give another file or train again.
    #[error("model file `{}` {problem}", path.display())]
    ModelFile {
        path: PathBuf,
        problem: crate::modelfile::ModelFileProblem,
    },
}

fn quality_below(quality: Option<f64>, minimum: f64) -> String {
    match quality {
        Some(quality) => {
            format!("overall quality {quality:.4} is below --min-quality {minimum}")
        }
        None => format!(
            "no overall quality could be computed (no scored column or relationship), so \
             --min-quality {minimum} is not met"
        ),
    }
}

impl Error {
    /// Wraps a list of problems; callers only do so when the list is not empty.
    pub fn invalid(problems: Vec<Problem>) -> Error {
        Error::Invalid(Problems(problems))
    }

    /// The process exit code the command line uses for this error: 2 for bad input, 3 for a
    /// synthetic copy below `--min-quality`, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Argument { .. } | Error::ModelFile { .. } => 2,
            Error::QualityBelow { .. } => 3,
            Error::Io { .. } | Error::Write { .. } => 1,
        }
    }
}

/// `text` with control characters (terminal escape sequences, line breaks, tabs) escaped, for
/// printing names that come from files (a model file from someone else, a CSV header).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
