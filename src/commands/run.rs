//! `dxsynth run SCHEMA -o LOCATION`: validate, train, generate and write a synthetic copy.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use dxsynth::RunOptions;
use dxsynth::evaluate::{self, EvaluateOptions};
use dxsynth::location::Location;

use super::progress::Bars;
use super::{Failure, ModelArgs, Outcome, OutputArgs, run_summary, target_flags, write_reports};

/// Arguments of `dxsynth run`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth run schemas/bank.yaml -o synthetic/ --seed 7\n  \
                        dxsynth run schemas/shop.yaml -o big/ --scale 10 --quiet\n  \
                        dxsynth run schemas/bank.yaml -o some/ --rows accounts=50\n  \
                        dxsynth run schemas/bank.yaml -o mine/ --given accounts=my_accounts.csv\n  \
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
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub training: ModelArgs,
    /// No progress bars and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// After generating, evaluate the output against the real data (as `dxsynth evaluate`),
    /// write DIR/report.html and print the evaluation summary.
    #[arg(long)]
    pub report: bool,
}

/// Runs the pipeline and prints the per-table summary.
pub fn run(args: &Args) -> Outcome {
    super::password_env_for_sources(args.out.password_env.as_deref());
    let options = RunOptions {
        seed: args.out.seed,
        scale: args.out.scale,
        model: args.training.model,
        privacy: args.training.privacy(),
        sample_rows: args.training.training_rows,
        rows: args.out.row_targets()?,
        given: args.out.given_files()?,
    };
    let target = args.out.target()?;
    if args.report && target.location.is_database() {
        return Err(Failure::Argument {
            flag: "--report",
            message: "the report is written into the output folder, so it needs a folder (see \
                      `dxsynth evaluate` for a database)"
                .into(),
        });
    }
    let progress = Bars::new(args.quiet);
    let report =
        dxsynth::run_to(&args.schema, &target, &options, &progress).map_err(target_flags)?;
    if !args.quiet {
        print!("{}", run_summary(&report));
    }
    if args.report {
        evaluate_output(args, &target.location, &progress)?;
    }
    Ok(())
}

/// `--report`: evaluates what was just written, as `dxsynth evaluate SCHEMA DIR --html
/// DIR/report.html` would.
fn evaluate_output(args: &Args, written: &Location, progress: &Bars) -> Outcome {
    let evaluation = progress.spinner("evaluating", || {
        evaluate::evaluate(&args.schema, written, &EvaluateOptions::default())
    })?;
    let html = args.out.output.join("report.html");
    // The output folder is this run's: a link left at the report's name (to a real table, say)
    // is removed and the report written in its place, never through it.
    if std::fs::symlink_metadata(&html).is_ok_and(|meta| meta.file_type().is_symlink()) {
        std::fs::remove_file(&html).map_err(|source| {
            Failure::Library(dxsynth::Error::Io {
                context: "cannot replace the link at the report's place",
                path: html.clone(),
                source,
            })
        })?;
    }
    write_reports(&evaluation, None, Some(&html)).inspect_err(|_| {
        eprintln!(
            "note: the synthetic tables are written in {}; only the report failed",
            args.out.output.display()
        );
    })?;
    if !args.quiet {
        print!("\n{}", evaluation.summary());
        println!("report: {}", html.display());
    }
    Ok(())
}
