//! `dxsynth evaluate SCHEMA SYNTHETIC`: how good is a synthetic copy? Quality, validity and
//! privacy as METRICS.md defines them, printed as a compact table, written as JSON or HTML on
//! request, and optionally gates for pipelines (`--min-quality`, `--max-detection-auc`).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use dxsynth::evaluate::{self, EvaluateOptions};
use dxsynth::output::{self, OutputKind};
use dxsynth::schema::Schema;

use super::progress::Bars;
use super::{Failure, Outcome, write_reports};

/// Arguments of `dxsynth evaluate`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth run schemas/shop.yaml -o synthetic/ --seed 7\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --html report.html --json report.json\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --min-quality 0.8 || echo \"not good enough\"\n  \
                        dxsynth evaluate schemas/shop.yaml synthetic/ --max-detection-auc 0.8 || echo \"a classifier spots it\"\n\n\
                        Definitions of every score: the README, \"Evaluating a synthetic copy\". Scores are in [0, 1],\n\
                        higher is better.\n\
                        Exit codes: 0 success, 3 overall quality below --min-quality or a table's detection AUC above\n\
                        --max-detection-auc, 2 invalid schema, data, synthetic copy (missing table, wrong header,\n\
                        unreadable value) or argument, 1 other errors."
)]
pub struct Args {
    /// The schema file (YAML) of the real data.
    pub schema: PathBuf,
    /// Where `run` wrote the synthetic copy: a folder of `<table>.csv` (or `<table>.parquet`)
    /// files, `sqlite:PATH` or `postgresql://...` (a table of each schema table's name).
    #[arg(value_name = "SYNTHETIC")]
    pub synthetic_dir: PathBuf,
    /// The environment variable holding the PostgreSQL password of a database SYNTHETIC
    /// (default: PGPASSWORD).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Also write the full report (every score, per column, pair and table) as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts (opens offline).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Exit with code 3 when overall quality is below this score (0 to 1), after reporting.
    #[arg(long, value_name = "X", value_parser = score)]
    pub min_quality: Option<f64>,
    /// Exit with code 3 when a classifier tells any table's synthetic rows from its real ones
    /// with a ROC AUC above this (0 to 1; 0.5 = indistinguishable), after reporting.
    #[arg(long, value_name = "X", value_parser = score)]
    pub max_detection_auc: Option<f64>,
    /// Score each table of more than N rows that no table refers to on a seeded sample of
    /// about N rows (whole sequences), on both sides, so a large database is scored in bounded
    /// memory; row counts, children per parent, key checks and exact copies still count every
    /// row.
    #[arg(long, value_name = "N", default_value_t = EvaluateOptions::default().sample_rows,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub sample_rows: usize,
    /// No progress spinner and no printed table (files and the exit code still say it all).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--min-quality`, `--max-detection-auc`: a threshold in [0, 1].
fn score(text: &str) -> Result<f64, String> {
    let minimum: f64 = text.parse().map_err(|err| format!("{err}"))?;
    if (0.0..=1.0).contains(&minimum) {
        Ok(minimum)
    } else {
        Err(format!("must be between 0 and 1, got {minimum}"))
    }
}

/// Evaluates, prints the summary, writes the files asked for, then applies the gate.
pub fn run(args: &Args) -> Outcome {
    super::password_env_for_sources(args.password_env.as_deref());
    let synthetic = super::location(
        &args.synthetic_dir,
        "SYNTHETIC",
        args.password_env.as_deref(),
    )?;
    refuse_inputs(args)?;
    let progress = Bars::new(args.quiet);
    let evaluation = progress.spinner("evaluating", || {
        evaluate::evaluate(
            &args.schema,
            &synthetic,
            &EvaluateOptions {
                sample_rows: args.sample_rows,
                ..EvaluateOptions::default()
            },
        )
    })?;
    if !args.quiet {
        print!("{}", evaluation.summary());
    }
    write_reports(&evaluation, args.json.as_deref(), args.html.as_deref())?;
    let quality = evaluation.report.overall_quality;
    match args.min_quality {
        // No overall score cannot pass a gate.
        Some(minimum) if quality.is_none_or(|quality| quality < minimum) => {
            return Err(Failure::QualityBelow { quality, minimum });
        }
        _ => {}
    }
    let worst = evaluation.report.detection.most_detectable();
    match args.max_detection_auc {
        // No measured table cannot pass the gate either.
        Some(maximum) if worst.is_none_or(|(_, auc)| auc > maximum) => {
            Err(Failure::DetectionAbove {
                worst: worst.map(|(table, auc)| (table.to_string(), auc)),
                maximum,
            })
        }
        _ => Ok(()),
    }
}

/// Refuses a report file that is one of the files evaluated (schema, real or synthetic CSVs).
fn refuse_inputs(args: &Args) -> Outcome {
    let Ok(schema) = Schema::load(&args.schema) else {
        return Ok(()); // evaluation reports the schema's problems
    };
    let mut inputs = schema.input_paths();
    inputs.extend(
        schema
            .tables
            .iter()
            .map(|t| args.synthetic_dir.join(format!("{}.csv", t.name))),
    );
    for report in [&args.json, &args.html].into_iter().flatten() {
        output::refuse_inputs(report, OutputKind::File, &inputs)?;
    }
    Ok(())
}
