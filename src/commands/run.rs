//! `dxsynth run SCHEMA -o DIR`: validate, train, generate and write a synthetic copy.

use std::path::PathBuf;

use clap::Args as ClapArgs;

use crate::error::Result;
use crate::evaluate::EvaluateOptions;

use crate::progress::Progress;
use crate::{RunOptions, RunReport};

/// Arguments of `dxsynth run`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth run schemas/bank.yaml -o synthetic/ --seed 7\n  \
                        dxsynth run schemas/shop.yaml -o big/ --scale 10 --quiet\n  \
                        dxsynth run schemas/shop.yaml -o out/ --format parquet\n  \
                        dxsynth run schemas/shop.yaml -o sqlite:synthetic.db\n  \
                        dxsynth run schemas/shop.yaml -o 'postgresql:///shop_test?host=/run/postgresql'\n\n\
                        Writes DIR/<table>.csv for every table (same header and column order as the input),\n\
                        or <table>.parquet, or every table into a database in one transaction.\n\
                        Nothing is written when the input is invalid or the run fails.\n\
                        Exit codes: 0 success, 2 invalid schema, data or argument, 1 other errors."
)]
pub struct Args {
    /// The schema file (YAML).
    pub schema: PathBuf,
    /// Where to write: a folder (created if missing; existing files of the same names are
    /// replaced), `sqlite:PATH` or `postgresql://...` (every table in one transaction).
    #[arg(short, long, value_name = "LOCATION")]
    pub output: PathBuf,
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Seed for every random draw: the same input, schema and seed give byte-identical output.
    /// Defaults to the schema's `seed`, else a fresh seed that the summary prints.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Factor on the number of rows of root tables; child tables follow their parents.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    #[command(flatten)]
    pub training: super::ModelArgs,
    /// No progress bars and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// After generating, evaluate the output against the real data (as `dxsynth evaluate`),
    /// write DIR/report.html and print the evaluation summary.
    #[arg(long)]
    pub report: bool,
}

/// Runs the pipeline and prints the per-table summary.
pub fn run(args: &Args) -> Result<()> {
    let options = RunOptions {
        seed: args.seed,
        scale: args.scale,
        model: args.training.model,
        privacy: args.training.privacy(),
    };
    let target = args.target.target(&args.output)?;
    if args.report && target != crate::output::target::Target::csv(&args.output) {
        return Err(crate::error::Error::Argument {
            argument: "--report".into(),
            message: "the report reads the output back, so it needs a folder of CSV files".into(),
        });
    }
    let report = crate::run_to(&args.schema, &target, &options, &Progress::new(args.quiet))?;
    if !args.quiet {
        print!("{}", summary(&report));
    }
    if args.report {
        evaluate_output(args)?;
    }
    Ok(())
}

/// `--report`: evaluates what was just written, as `dxsynth evaluate SCHEMA DIR --html
/// DIR/report.html` would.
fn evaluate_output(args: &Args) -> Result<()> {
    let progress = Progress::new(args.quiet);
    let evaluation = progress.spinner("evaluating", || {
        crate::evaluate::evaluate(&args.schema, &args.output, &EvaluateOptions::default())
    })?;
    let html = args.output.join("report.html");
    crate::commands::evaluate::write_reports(&evaluation, None, Some(&html))?;
    if !args.quiet {
        print!("\n{}", evaluation.summary());
        println!("report: {}", html.display());
    }
    Ok(())
}

/// One line per table, and the seed to reproduce the run.
pub fn summary(report: &RunReport) -> String {
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
