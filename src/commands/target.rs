//! The output options `run` and `generate` share: `-o LOCATION` (a folder, `sqlite:PATH`,
//! `postgresql://...`), `--format`, `--if-exists` and `--password-env`.

use std::path::Path;

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};
use crate::location::Location;
use crate::output::target::{FileFormat, IfExists, Target};

/// `--format` of a folder output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `<table>.csv`, values written as the input wrote them.
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

/// Output options shared by `run` and `generate`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// File format of a folder output.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// What to do when a table of a database output already holds rows.
    #[arg(long, value_enum, default_value = "error", value_name = "WHAT")]
    pub if_exists: Existing,
    /// The environment variable holding the PostgreSQL password (default: PGPASSWORD).
    /// Passwords are never given on the command line.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl TargetArgs {
    /// The parsed output location with its options.
    pub fn target(&self, output: &Path) -> Result<Target> {
        let text = output.to_string_lossy();
        let argument = |message: String| Error::Argument {
            argument: "--output".into(),
            message,
        };
        let location = Location::parse(&text, Path::new(""))
            .map_err(argument)?
            .with_password_env(self.password_env.as_deref());
        if self.format == Format::Parquet && location.is_database() {
            return Err(argument(
                "`--format parquet` applies to a folder output, not to a database".into(),
            ));
        }
        Ok(Target {
            location,
            format: match self.format {
                Format::Csv => FileFormat::Csv,
                Format::Parquet => FileFormat::Parquet,
            },
            if_exists: match self.if_exists {
                Existing::Error => IfExists::Error,
                Existing::Truncate => IfExists::Truncate,
            },
        })
    }
}
