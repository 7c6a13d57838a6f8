//! One module per subcommand, each with its arguments (and their help text) and a `run`.
//! The binary only parses the command line and dispatches here.

pub mod evaluate;
pub mod generate;
pub mod init;
pub mod inspect;
pub mod run;
pub mod train;
pub mod validate;

use clap::Args;
use serde::Serialize;

use crate::data::ValueFormat;
use crate::model::{ModelKind, Privacy};
use crate::schema::ColumnKind;

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

impl std::fmt::Display for ColumnSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.format {
            Some(format) => write!(f, "{} {} ({format})", self.name, self.kind),
            None => write!(f, "{} {}", self.name, self.kind),
        }
    }
}

/// The training choices `run` and `train` share.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The model to train: `learned` (column-by-column trees conditioned on earlier columns, the
    /// parent and the sequence) or `reference` (each column from its own distribution).
    #[arg(long, default_value_t = ModelKind::default())]
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
