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
        // Names come from files and the command line: an escape code in one is shown, not
        // sent to the terminal.
        let mut place = Vec::new();
        if let Some(table) = &self.table {
            place.push(format!("table `{}`", printable(table)));
        }
        if let Some(column) = &self.column {
            place.push(format!("column `{}`", printable(column)));
        }
        if let Some(parameter) = &self.parameter {
            place.push(format!("parameter `{}`", printable(parameter)));
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
    /// A factor on row counts that is not a positive number.
    #[error("scale must be a positive number, got {0}")]
    Scale(f64),
    /// Tables asked for by name that the model does not have.
    #[error("no table {} in the model (its tables: {})", .unknown.join(", "), .known.join(", "))]
    UnknownTables {
        /// The names asked for that are not tables of the model.
        unknown: Vec<String>,
        /// The model's tables, in generation order.
        known: Vec<String>,
    },
    /// Row counts asked for per table that generation cannot honour (an unknown table, or one
    /// whose rows follow its parents').
    #[error("{0}")]
    RowCounts(Problems),
    /// Rows given for a table that cannot stand in for generated ones (an unreadable file,
    /// columns or values that do not fit the model, keys that point nowhere).
    #[error("{0}")]
    GivenRows(Problems),
    /// A generation expected to make more rows than one run can hold in memory: refused
    /// before any work rather than aborting on allocation halfway.
    #[error(
        "the output would have {} rows ({real} real rows x scale {}), \
         more than the {limit:.0e} rows one run can hold in memory; use a smaller scale",
        about(*.estimate),
        short_number(*.scale)
    )]
    TooManyRows {
        /// Rows expected (real rows times the scale).
        estimate: f64,
        /// Real rows of the tables generated.
        real: usize,
        /// The factor on row counts asked for.
        scale: f64,
        /// The most rows one run may make.
        limit: f64,
    },
    /// A generation expected to hold more memory at its peak than the process may take: refused
    /// before any work rather than aborting on allocation halfway.
    #[error(
        "making the output would hold at least {} of memory at once (table `{table}`: {} rows \
         made whole), more than the {} this process may still take by the {bound}; ask for \
         fewer rows or a smaller scale",
        size_text(*.needed),
        about(*.rows),
        size_text(*.available as f64)
    )]
    TooMuchMemory {
        /// Bytes expected at the peak.
        needed: f64,
        /// Bytes available.
        available: u64,
        /// What sets them.
        bound: crate::memory::Bound,
        /// The table holding the most.
        table: String,
        /// Its rows.
        rows: f64,
    },
    /// A file that is only written when it does not exist yet, exists.
    #[error("`{}` already exists", .0.display())]
    OutputExists(PathBuf),
    /// A file to be written (a model file, a schema) where something that is not a regular
    /// file is: writing beside it and renaming into place would replace it (a device such as
    /// `/dev/null`, a FIFO, a folder).
    #[error("cannot write a file to `{}`: it {what}", path.display())]
    NotAFile { path: PathBuf, what: String },
    /// A folder something is to be written in does not exist.
    #[error("the folder `{}` does not exist ({source})", path.display())]
    NoFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
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
    /// Writing to an output location failed (a database error, a table that already holds
    /// rows); nothing was written.
    #[error("cannot write to `{target}`: {message}")]
    Target { target: String, message: String },
    /// A table of a database output already holds rows and was not to be emptied; nothing was
    /// written.
    #[error("cannot write to `{target}`: table `{table}` already holds rows; nothing was written")]
    TargetHoldsRows { target: String, table: String },
    /// A model file that cannot be used (not a model file, another format version, truncated,
    /// corrupted): the user has to give another file or train again.
    #[error("model file `{}` {problem}", path.display())]
    ModelFile {
        path: PathBuf,
        problem: ModelFileProblem,
    },
}

impl Error {
    /// Wraps a list of problems; callers only do so when the list is not empty.
    pub fn invalid(problems: Vec<Problem>) -> Error {
        Error::Invalid(Problems(problems))
    }

    /// Whether the user's input is at fault (schema, data, model file, a value asked for) rather
    /// than the environment (reading or writing files, a database refusing a load or already
    /// holding rows): the first is fixed by changing the input, the second by retrying, freeing
    /// resources or changing the target, and callers report them apart.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Invalid(_)
            | Error::Scale(_)
            | Error::RowCounts(_)
            | Error::GivenRows(_)
            | Error::TooManyRows { .. }
            | Error::TooMuchMemory { .. }
            | Error::UnknownTables { .. }
            | Error::OutputExists(_)
            | Error::NotAFile { .. }
            | Error::NoFolder { .. }
            | Error::ModelFile { .. } => true,
            Error::Io { .. }
            | Error::Write { .. }
            | Error::Target { .. }
            | Error::TargetHoldsRows { .. } => false,
        }
    }
}

/// Why a file is not a usable model file. Every case is the user's to fix (another file, or
/// retraining): it is bad input, like an invalid schema.
#[derive(Debug)]
pub enum ModelFileProblem {
    /// The file cannot be read at all: why, as a phrase that follows the file's name ("does not
    /// exist", "is a folder: ...").
    Unreadable(String),
    /// The file does not start with the model file signature.
    NotAModel,
    /// The file is of another format version.
    Version {
        /// The file's format version.
        found: u32,
        /// The dxsynth version that wrote it.
        writer: String,
        /// The one format version this dxsynth reads.
        readable: u32,
    },
    /// The file ends before its declared end.
    Truncated {
        /// Bytes the header says the file has (`None`: the header itself is cut).
        expected: Option<u64>,
        /// Bytes it has.
        actual: u64,
    },
    /// The file goes on after its declared end.
    TrailingBytes(u64),
    /// The payload does not match its checksum.
    Corrupted,
    /// The checksum matches but the payload does not decode (or does not hang together).
    Undecodable(String),
}

impl fmt::Display for ModelFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelFileProblem::Unreadable(why) => write!(f, "{why}"),
            ModelFileProblem::NotAModel => write!(
                f,
                "is not a dxsynth model file (it does not start with the model file signature); \
                 model files are made by `dxsynth train`"
            ),
            ModelFileProblem::Version {
                found,
                writer,
                readable,
            } => write!(
                f,
                "is model file format {found} (written by dxsynth {}), but this dxsynth \
                 ({}) reads format {readable} only: train again with this dxsynth, or generate \
                 with the version that wrote the file",
                printable(writer),
                env!("CARGO_PKG_VERSION")
            ),
            ModelFileProblem::Truncated {
                actual: 0,
                expected: _,
            } => write!(f, "is empty"),
            ModelFileProblem::Truncated {
                expected: Some(expected),
                actual,
            } => write!(
                f,
                "is truncated: it has {actual} bytes where its header announces {expected} \
                 (an interrupted copy or download?)"
            ),
            ModelFileProblem::Truncated {
                expected: None,
                actual,
            } => write!(
                f,
                "is truncated: it ends inside its header, after {actual} bytes (an interrupted \
                 copy or download?)"
            ),
            ModelFileProblem::TrailingBytes(extra) => write!(
                f,
                "has {extra} unexpected bytes after the model (was something appended to it?)"
            ),
            ModelFileProblem::Corrupted => write!(
                f,
                "is corrupted: its content does not match its checksum (damaged in storage or \
                 in transfer?)"
            ),
            ModelFileProblem::Undecodable(detail) => write!(
                f,
                "cannot be decoded although its checksum is right ({detail}); it was probably \
                 written by a build of dxsynth whose format differs from this one's"
            ),
        }
    }
}

/// `text` with control characters (terminal escape sequences, line breaks, tabs) escaped, for
/// printing names that come from files (a model file from someone else, a CSV header). A
/// name longer than [`PRINTED_CHARS`] is cut, with its length: a 100,000-character table name
/// made a 100 KB error.
pub fn printable(text: &str) -> String {
    let length = text.chars().count();
    let shown: String = text
        .chars()
        .take(if length > PRINTED_CHARS {
            PRINTED_CHARS / 2
        } else {
            length
        })
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    match length > PRINTED_CHARS {
        true => format!("{shown}... ({length} characters)"),
        false => shown,
    }
}

/// The longest name [`printable`] prints whole.
const PRINTED_CHARS: usize = 200;

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A number as people read it in a message: as written when short (`2.5`, `10`), else in
/// scientific notation (`1.000e308`, not 309 digits).
fn short_number(x: f64) -> String {
    match x.abs() < 1e9 {
        true => x.to_string(),
        false => format!("{x:.3e}"),
    }
}

/// Bytes in a message, to three figures: `316 MB`, `1.85 GB` (two amounts a few megabytes
/// apart must not read alike).
fn size_text(bytes: f64) -> String {
    match bytes < 1e9 {
        true => format!("{:.0} MB", bytes / 1e6),
        false => format!("{:.2} GB", bytes / 1e9),
    }
}

/// An estimate in a message: `about 3.000e12`, or `more than 1e308` past what a number holds.
fn about(x: f64) -> String {
    match x.is_finite() {
        true => format!("about {x:.3e}"),
        false => "more than 1e308".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_and_control_characters_escaped() {
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        let name = "t".repeat(100_000);
        let shown = printable(&name);
        assert!(shown.ends_with("... (100000 characters)"), "{shown}");
        assert!(shown.len() < 200, "{} bytes", shown.len());
        assert_eq!(printable(&"t".repeat(200)), "t".repeat(200));
    }

    #[test]
    fn huge_scales_and_estimates_are_printed_short() {
        let error = Error::TooManyRows {
            estimate: f64::INFINITY,
            real: 3,
            scale: 1e308,
            limit: 1e8,
        };
        let message = error.to_string();
        assert!(message.contains("more than 1e308 rows"), "{message}");
        assert!(message.contains("scale 1.000e308"), "{message}");
        assert!(message.len() < 200, "{message}");
        let error = Error::TooManyRows {
            estimate: 1.5e8,
            real: 3,
            scale: 5e7,
            limit: 1e8,
        };
        let message = error.to_string();
        assert!(message.contains("about 1.500e8 rows"), "{message}");
        assert!(message.contains("scale 50000000"), "{message}");
    }
}
