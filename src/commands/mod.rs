//! One module per subcommand, each with its arguments (and their help text) and a `run`.
//! The binary only parses the command line and dispatches here.
//!
//! This is the only place that knows about flags and exit codes: flags become domain values
//! here (clap value parsers check their ranges), and a library error caused by a flag's value
//! gets the flag's name added ([`Failure::Flag`]). What several commands share (arguments,
//! summaries, formats, the relationships list) lives in this module, not in one another.

pub mod evaluate;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod progress;
pub mod run;
pub mod train;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use dxsynth::RunReport;
use dxsynth::data::ValueFormat;
use dxsynth::error::{Error, printable};
use dxsynth::evaluate::Evaluation;
use dxsynth::location::Location;
use dxsynth::model::{ModelKind, Privacy};
use dxsynth::output::IfExists;
use dxsynth::output::target::{FileFormat, Target};
use dxsynth::plan::Relationship;
use dxsynth::schema::ColumnKind;
use dxsynth::targets::{GivenFiles, RowTargets};
use serde::Serialize;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// A library error, reported as it is.
    Library(Error),
    /// A library error with a hint naming the flag that would change the outcome.
    Hinted { error: Error, hint: &'static str },
    /// A flag whose value cannot be used, for a reason only the command line knows (a
    /// location that cannot be read, a combination of flags that does not fit).
    Argument { flag: &'static str, message: String },
    /// A library error caused by the value of one flag: the message names the flag, and a
    /// hint says what to do when there is more to say than the library knows.
    Flag {
        flag: &'static str,
        error: Error,
        hint: &'static str,
    },
    /// `evaluate --min-quality`: the synthetic data scored below the gate. Not a failure of the
    /// program but an answer a pipeline must be able to tell apart (exit code 3).
    QualityBelow {
        /// The overall quality, when one could be computed.
        quality: Option<f64>,
        /// The `--min-quality` asked for.
        minimum: f64,
    },
    /// `evaluate --max-detection-auc`: a classifier tells some table's synthetic rows from the
    /// real ones better than allowed (exit code 3, like the quality gate).
    DetectionAbove {
        /// The most detectable table and its AUC, when any table could be measured.
        worst: Option<(String, f64)>,
        /// The `--max-detection-auc` asked for.
        maximum: f64,
    },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Library(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Library(error) => write!(f, "{error}"),
            Failure::Hinted { error, hint } => write!(f, "{error}{hint}"),
            Failure::Argument { flag, message } => {
                write!(f, "invalid argument `{flag}`: {message}")
            }
            Failure::Flag { flag, error, hint } => {
                write!(f, "invalid argument `{flag}`: {error}{hint}")
            }
            Failure::QualityBelow {
                quality: Some(quality),
                minimum,
            } => write!(
                f,
                "overall quality {quality:.4} is below --min-quality {minimum}"
            ),
            Failure::QualityBelow {
                quality: None,
                minimum,
            } => write!(
                f,
                "no overall quality could be computed (no scored column or relationship), so \
                 --min-quality {minimum} is not met"
            ),
            Failure::DetectionAbove {
                worst: Some((table, auc)),
                maximum,
            } => write!(
                f,
                "a classifier tells synthetic `{table}` rows from real ones with AUC {auc:.4}, \
                 above --max-detection-auc {maximum}"
            ),
            Failure::DetectionAbove {
                worst: None,
                maximum,
            } => write!(
                f,
                "no table could be measured for detection (too few rows or no scored column), \
                 so --max-detection-auc {maximum} is not met"
            ),
        }
    }
}

impl Failure {
    /// The process exit code: 2 for bad input (schema, data, model file, argument), 3 for a
    /// synthetic copy below `--min-quality` or above `--max-detection-auc`, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Library(error)
            | Failure::Hinted { error, .. }
            | Failure::Flag { error, .. } => {
                if error.is_bad_input() {
                    2
                } else {
                    1
                }
            }
            Failure::Argument { .. } => 2,
            Failure::QualityBelow { .. } | Failure::DetectionAbove { .. } => 3,
        }
    }
}

/// What a command returns.
pub type Outcome = Result<(), Failure>;

/// Names `flag` in a library error its value caused.
pub fn flag(flag: &'static str) -> impl FnOnce(Error) -> Failure {
    move |error| Failure::Flag {
        flag,
        error,
        hint: "",
    }
}

/// Where a synthetic copy goes, how big and from which seed: what `run` and `generate` share.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Where to write: a folder (created if missing; existing files of the same names are
    /// replaced), `sqlite:PATH` or `postgresql://...` (every table in one transaction).
    #[arg(short, long, value_name = "LOCATION")]
    pub output: PathBuf,
    /// File format of a folder output.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: OutputFormat,
    /// What to do when a table of a database output already holds rows.
    #[arg(long, value_enum, default_value = "error", value_name = "WHAT")]
    pub if_exists: Existing,
    /// The environment variable holding the PostgreSQL password of the output and of the
    /// databases the schema reads (default: PGPASSWORD). Passwords are never given on the
    /// command line.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Seed for every random draw: the same input and seed give byte-identical output.
    /// Defaults to the schema's `seed` (run) or the one stored in the model (generate), else a
    /// fresh seed that the summary prints.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Factor on the number of rows of root tables; child tables follow their parents (and
    /// children of a kept table, whose rows stay the real ones, grow by the factor).
    #[arg(long, default_value_t = 1.0, value_parser = positive_scale)]
    pub scale: f64,
    /// Exactly N rows for TABLE, a table generated without a parent (a root table, or one
    /// with `sequential: false`); child tables follow their parents. Repeatable or
    /// comma-separated: --rows accounts=50,products=20.
    #[arg(long, value_delimiter = ',', value_parser = table_rows, value_name = "TABLE=N")]
    pub rows: Vec<(String, usize)>,
    /// Take TABLE's rows from FILE (CSV, the table's columns) as they are, keys included,
    /// instead of generating them; its descendants are generated for the given rows.
    /// Repeatable.
    #[arg(long, value_parser = table_file, value_name = "TABLE=FILE")]
    pub given: Vec<(String, PathBuf)>,
}

/// `--format` of a folder output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `<table>.csv` (`.tsv` for a table read from one), values written as the input wrote them.
    Csv,
    /// `<table>.parquet`, typed columns, ZSTD compressed.
    Parquet,
}

/// `--if-exists` of a database output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Existing {
    /// Stop when a table already holds rows (nothing is written).
    Error,
    /// Empty the tables first, in the same transaction.
    Truncate,
}

impl OutputArgs {
    /// `-o LOCATION` with `--format`, `--if-exists` and `--password-env`, as the library's
    /// output target.
    pub fn target(&self) -> Result<Target, Failure> {
        let location = location(&self.output, "--output", self.password_env.as_deref())?;
        if self.format == OutputFormat::Parquet && location.is_database() {
            return Err(Failure::Argument {
                flag: "--format",
                message: "`parquet` applies to a folder output, not to a database".into(),
            });
        }
        Ok(Target {
            location,
            format: match self.format {
                OutputFormat::Csv => FileFormat::Csv,
                OutputFormat::Parquet => FileFormat::Parquet,
            },
            if_exists: match self.if_exists {
                Existing::Error => IfExists::Error,
                Existing::Truncate => IfExists::Truncate,
            },
        })
    }

    /// `--rows` as the library's row targets (a table named twice is an invalid argument).
    pub fn row_targets(&self) -> Result<RowTargets, Failure> {
        RowTargets::from_pairs(self.rows.iter().cloned()).map_err(flag("--rows"))
    }

    /// `--given` as the library's given files (a table given twice is an invalid argument).
    pub fn given_files(&self) -> Result<GivenFiles, Failure> {
        GivenFiles::from_pairs(self.given.iter().cloned()).map_err(flag("--given"))
    }
}

/// A location given on the command line (`flag` names the argument), with the variable
/// `--password-env` names.
pub fn location(
    text: &Path,
    flag: &'static str,
    password_env: Option<&str>,
) -> Result<Location, Failure> {
    let location = Location::parse(&text.to_string_lossy(), Path::new("")).map_err(|message| {
        // The library says where a password may come from; the flag is the command line's.
        let hint = if message.contains("PGPASSWORD") {
            " (--password-env VAR)"
        } else {
            ""
        };
        Failure::Argument {
            flag,
            message: format!("{message}{hint}"),
        }
    })?;
    Ok(location.with_password_env(password_env))
}

/// `--password-env VAR`: the variable holding the password of the PostgreSQL databases a
/// schema reads (`source:`) as well as of a location on the command line.
pub fn password_env_for_sources(var: Option<&str>) {
    if let Some(var) = var {
        dxsynth::location::set_default_password_env(var);
    }
}

/// Names the flag behind a library error its value causes: `--scale` (out of range, or an output
/// too big to hold in memory), `--rows` or `--given` (rows or files asked for), and hints at
/// `--if-exists` when a database output already holds rows; others pass.
pub fn target_flags(error: Error) -> Failure {
    match error {
        Error::Scale(_) | Error::TooManyRows { .. } => flag("--scale")(error),
        Error::RowCounts(_) => flag("--rows")(error),
        Error::GivenRows(_) => flag("--given")(error),
        Error::TargetHoldsRows { .. } => Failure::Hinted {
            error,
            hint: " (use --if-exists truncate to replace them)",
        },
        other => Failure::Library(other),
    }
}

/// `--rows TABLE=N`.
fn table_rows(text: &str) -> Result<(String, usize), String> {
    let (table, rows) = split_pair(text, "N")?;
    let rows = rows
        .parse()
        .map_err(|_| format!("`{rows}` is not a number of rows (expected TABLE=N, N >= 0)"))?;
    Ok((table, rows))
}

/// `--given TABLE=FILE`.
fn table_file(text: &str) -> Result<(String, PathBuf), String> {
    let (table, file) = split_pair(text, "FILE")?;
    Ok((table, PathBuf::from(file)))
}

/// `TABLE=VALUE`, both sides non-empty.
fn split_pair<'a>(text: &'a str, value: &str) -> Result<(String, &'a str), String> {
    match text.split_once('=') {
        Some((table, rest)) if !table.trim().is_empty() && !rest.trim().is_empty() => {
            Ok((table.trim().to_string(), rest.trim()))
        }
        _ => Err(format!("expected TABLE={value}, got `{text}`")),
    }
}

/// `--scale`: a finite number above 0.
fn positive_scale(text: &str) -> Result<f64, String> {
    let scale: f64 = text.parse().map_err(|err| format!("{err}"))?;
    if scale.is_finite() && scale > 0.0 {
        Ok(scale)
    } else {
        Err(Error::Scale(scale).to_string())
    }
}

/// `--model`: the kind of model. A path given here was meant for the model file (`train -m`).
fn model_kind(text: &str) -> Result<ModelKind, String> {
    text.parse().map_err(|message: String| {
        let a_path = text.contains(['/', '.']);
        match a_path {
            true => format!("{message}; the model file is named with -m/--model-file"),
            false => message,
        }
    })
}

/// The training choices `run` and `train` share.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The model to train: `learned` (column-by-column trees conditioned on earlier columns, the
    /// parent and the sequence) or `reference` (each column from its own distribution).
    #[arg(long, default_value_t = ModelKind::default(), value_parser = model_kind)]
    pub model: ModelKind,
    /// Rare-value threshold: categories and words seen fewer times are never reproduced, and
    /// as many extreme numbers on each side are clipped. 1 switches protection off.
    #[arg(
        long,
        default_value_t = Privacy::default().min_count,
        value_name = "N",
        value_parser = min_count
    )]
    pub privacy_min_count: usize,
    /// A table with more rows than this is learned from a seeded sample of about this many
    /// (whole sequences of a sequential table); row counts, children per parent and key
    /// distributions still come from every row. `all` learns from every row (more memory and
    /// time on large tables).
    #[arg(
        long,
        default_value_t = dxsynth::sampling::TRAINING_ROWS,
        value_name = "N|all",
        value_parser = training_rows
    )]
    pub training_rows: usize,
}

/// `--training-rows`: `all`, or a whole number of at least 1,000 (fewer rows teach a model
/// little about a table large enough to be sampled).
fn training_rows(text: &str) -> Result<usize, String> {
    if text == "all" {
        return Ok(usize::MAX);
    }
    match text.parse::<usize>() {
        Ok(rows) if rows < 1_000 => Err("must be at least 1000, or `all`".into()),
        Ok(rows) => Ok(rows),
        Err(err) => Err(format!("{err} (a number of rows, or `all`)")),
    }
}

/// `--privacy-min-count`: a whole number of at least 1 (0 would silently mean "off").
fn min_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (1 switches the protections off)".into()),
        Ok(count) => Ok(count),
        Err(err) => Err(err.to_string()),
    }
}

impl ModelArgs {
    /// The privacy settings asked for (the parser refuses a threshold below 1).
    pub fn privacy(&self) -> Privacy {
        Privacy {
            min_count: self.privacy_min_count,
        }
    }
}

/// How `validate` and `inspect` print their summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// Pretty JSON, or an object naming the error should serialising fail.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
}

/// A column as `validate` and `inspect` list it: its name, type and datetime format.
#[derive(Debug, Serialize)]
pub struct ColumnSummary {
    name: String,
    #[serde(rename = "type")]
    kind: ColumnKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
}

impl ColumnSummary {
    /// Describes one modelled column.
    pub fn new(name: &str, kind: ColumnKind, format: &ValueFormat) -> ColumnSummary {
        ColumnSummary {
            name: name.to_string(),
            kind,
            format: match format {
                ValueFormat::Datetime { pattern, .. } => Some(pattern.clone()),
                _ => None,
            },
        }
    }
}

impl fmt::Display for ColumnSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.format {
            Some(format) => write!(f, "{} {} ({format})", self.name, self.kind),
            None => write!(f, "{} {}", self.name, self.kind),
        }
    }
}

/// The `relationships:` section of `validate` and `inspect` (empty without relationships).
pub fn relationships_text(relationships: &[Relationship]) -> String {
    if relationships.is_empty() {
        return String::new();
    }
    let mut text = "\nrelationships:\n".to_string();
    for r in relationships {
        // Names can come from a model file made by someone else: escape control characters.
        text += &format!(
            "  {}.{} -> {} ({})\n",
            printable(&r.child),
            printable(&r.foreign_key),
            printable(&r.parent),
            r.role
        );
    }
    text
}

/// One line per table written by `run` or `generate`, and the seed to reproduce it.
pub fn run_summary(report: &RunReport) -> String {
    let width = report
        .tables
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for table in &report.tables {
        text += &format!(
            "{:<width$}  {:>8} rows (real {:>8})  -> {}\n",
            table.name,
            table.rows,
            table.real_rows,
            table.path.display()
        );
    }
    text += &format!(
        "seed {} (pass --seed {} to reproduce)\n",
        report.seed, report.seed
    );
    text
}

/// A byte count for people: `812 B`, `12.3 KiB`, `4.5 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Writes the JSON and HTML evaluation reports that were asked for (`evaluate`, `run
/// --report`).
pub fn write_reports(
    evaluation: &Evaluation,
    json: Option<&Path>,
    html: Option<&Path>,
) -> Result<(), Failure> {
    if let Some(path) = json {
        write_report(path, &evaluation.json())?;
    }
    if let Some(path) = html {
        write_report(path, &evaluation.html())?;
    }
    Ok(())
}

/// A report is renamed into place like a model file: never half-written, never written through
/// a hard link at its path. A device, a FIFO or a symbolic link there (`/dev/stdout`) is written
/// through, as asked (a link to an evaluated file was refused before any work).
fn write_report(path: &Path, text: &str) -> Result<(), Failure> {
    let through = std::fs::symlink_metadata(path).is_ok_and(|meta| !meta.is_file());
    let written = if through {
        std::fs::write(path, text)
    } else {
        let placing = dxsynth::files::Placing {
            prefix: ".dxsynth-report-",
            private: false,
            replace: true,
        };
        dxsynth::files::write_replacing(path, text.as_bytes(), placing)
    };
    written.map_err(|source| {
        Failure::Library(Error::Io {
            context: "cannot write the report",
            path: path.to_path_buf(),
            source,
        })
    })
}

/// How a CSV file is read (and its copy written), for a file not read with commas and plain
/// numbers only: what `validate` and `inspect` show, as text and as JSON.
#[derive(Debug, Serialize)]
pub struct CsvDialect {
    /// The byte between fields, as a one-character string (`"\t"` for a tab).
    delimiter: String,
    /// The columns whose numbers have decimal commas.
    decimal_commas: Vec<String>,
    /// The columns whose numbers group their thousands (`1,234.5`; `1.234,5` beside decimal
    /// commas).
    thousands_grouped: Vec<String>,
    /// The columns of numbers whose empty cells are written with a word (`NULL`), with it.
    empty_written_as: std::collections::BTreeMap<String, String>,
    /// The columns whose numbers are written between signs, each as a number 1 would be
    /// written (`$1`, `1%`).
    numbers_written_as: std::collections::BTreeMap<String, String>,
    /// The delimiter as the text names it (`semicolons`).
    #[serde(skip)]
    named: &'static str,
}

impl CsvDialect {
    /// `None` for a file read with commas and plain numbers only.
    pub fn of(dialect: &dxsynth::data::Dialect, header: &[String]) -> Option<CsvDialect> {
        (dialect.delimiter != b',' || dialect.writes_numbers_otherwise()).then(|| CsvDialect {
            delimiter: char::from(dialect.delimiter).to_string(),
            decimal_commas: dialect.decimal_comma_columns(header),
            thousands_grouped: dialect.thousands_columns(header),
            empty_written_as: dialect.null_word_columns(header).into_iter().collect(),
            numbers_written_as: (dialect.affix_columns(header).into_iter())
                .map(|(column, affixes)| (column, format!("{}1{}", affixes.prefix, affixes.suffix)))
                .collect(),
            named: dxsynth::data::dialect::delimiter_name(dialect.delimiter),
        })
    }
}

impl std::fmt::Display for CsvDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields separated by {}", self.named)?;
        if !self.decimal_commas.is_empty() {
            write!(f, "; decimal commas in: {}", self.decimal_commas.join(", "))?;
        }
        if !self.thousands_grouped.is_empty() {
            let columns = self.thousands_grouped.join(", ");
            write!(f, "; thousands grouped in: {columns}")?;
        }
        if !self.numbers_written_as.is_empty() {
            let columns: Vec<String> = (self.numbers_written_as.iter())
                .map(|(column, one)| format!("{column} ({one})"))
                .collect();
            write!(f, "; numbers written with signs in: {}", columns.join(", "))?;
        }
        if !self.empty_written_as.is_empty() {
            let columns: Vec<String> = (self.empty_written_as.iter())
                .map(|(column, word)| format!("{column} ({word})"))
                .collect();
            write!(
                f,
                "; empty cells written as a word in: {}",
                columns.join(", ")
            )?;
        }
        Ok(())
    }
}
