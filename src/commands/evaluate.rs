//! `dxsynth evaluate SCHEMA SYNTH_DIR`: how good is a synthetic copy? Quality, validity and
//! privacy as METRICS.md defines them, printed as a compact table, written as JSON or HTML on
//! request, and optionally gates for pipelines (`--min-quality`, `--max-detection-auc`).

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;

use crate::error::{Error, Result};
use crate::evaluate::{self, EvaluateOptions, Evaluation};
use crate::progress::Progress;

/// Arguments of `dxsynth evaluate`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth run schemas/shop.yaml -o synthetic/ --seed 7\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --html report.html --json report.json\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --min-quality 0.8 || echo \"not good enough\"\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --max-detection-auc 0.8 || echo \"a classifier spots it\"\n\n\
                        Definitions of every score: METRICS.md. Scores are in [0, 1], higher is better.\n\
                        Exit codes: 0 success, 3 overall quality below --min-quality or a table's detection AUC above\n\
                        --max-detection-auc, 2 invalid schema, data, synthetic folder (missing table, wrong header,\n\
                        unreadable value) or argument, 1 other errors."
)]
pub struct Args {
    /// The schema file (YAML) of the real data.
    pub schema: PathBuf,
    /// The folder holding the synthetic `<table>.csv` for every table of the schema.
    pub synthetic_dir: PathBuf,
    /// Also write the full report (every score, per column, pair and table) as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts (opens offline).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit with code 3 when overall quality is below this score (0 to 1), after reporting.
    #[arg(long, value_name = "X")]
    pub min_quality: Option<f64>,
    /// Exit with code 3 when a classifier tells any table's synthetic rows from its real ones
    /// with a ROC AUC above this (0.5 to 1; 0.5 = indistinguishable), after reporting.
    #[arg(long, value_name = "X")]
    pub max_detection_auc: Option<f64>,
    /// No progress spinner and no printed table (files and the exit code still say it all).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Evaluates, prints the summary, writes the files asked for, then applies the gate.
pub fn run(args: &Args) -> Result<()> {
    if let Some(minimum) = args.min_quality {
        evaluate::check_min_quality(minimum)?;
    }
    if let Some(maximum) = args.max_detection_auc {
        evaluate::check_max_detection_auc(maximum)?;
    }
    let progress = Progress::new(args.quiet);
    let evaluation = progress.spinner("evaluating", || {
        evaluate::evaluate(
            &args.schema,
            &args.synthetic_dir,
            &EvaluateOptions::default(),
        )
    })?;
    if !args.quiet {
        print!("{}", evaluation.summary());
    }
    write_reports(&evaluation, args.json.as_deref(), args.html.as_deref())?;
    if let Some(minimum) = args.min_quality {
        evaluation.require_quality(minimum)?;
    }
    match args.max_detection_auc {
        Some(maximum) => evaluation.require_detection(maximum),
        None => Ok(()),
    }
}

/// Writes the JSON and HTML reports that were asked for.
pub fn write_reports(
    evaluation: &Evaluation,
    json: Option<&Path>,
    html: Option<&Path>,
) -> Result<()> {
    if let Some(path) = json {
        write(path, &evaluation.json())?;
    }
    if let Some(path) = html {
        write(path, &evaluation.html())?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        context: "cannot write the report",
        path: path.to_path_buf(),
        source,
    })
}
