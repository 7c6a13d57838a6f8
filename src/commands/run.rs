//! `dxsynth run SCHEMA -o DIR`: validate, train, generate and write a synthetic copy.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use dxsynth::RunOptions;
use dxsynth::evaluate::{self, EvaluateOptions};

use super::progress::Bars;
use super::{ModelArgs, Outcome, OutputArgs, run_summary, target_flags, write_reports};

/// Arguments of `dxsynth run`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth run schemas/bank.yaml -o synthetic/ --seed 7\n  \
                        dxsynth run schemas/shop.yaml -o big/ --scale 10 --quiet\n  \
                        dxsynth run schemas/bank.yaml -o some/ --rows accounts=50\n  \
                        dxsynth run schemas/bank.yaml -o mine/ --given accounts=my_accounts.csv\n\n\
                        Writes DIR/<table>.csv for every table (same header and column order as the input).\n\
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
    let options = RunOptions {
        seed: args.out.seed,
        scale: args.out.scale,
        model: args.training.model,
        privacy: args.training.privacy(),
        rows: args.out.row_targets()?,
        given: args.out.given_files()?,
    };
    let progress = Bars::new(args.quiet);
    let report =
        dxsynth::run(&args.schema, &args.out.output, &options, &progress).map_err(target_flags)?;
    if !args.quiet {
        print!("{}", run_summary(&report));
    }
    if args.report {
        evaluate_output(args, &progress)?;
    }
    Ok(())
}

/// `--report`: evaluates what was just written, as `dxsynth evaluate SCHEMA DIR --html
/// DIR/report.html` would.
fn evaluate_output(args: &Args, progress: &Bars) -> Outcome {
    let evaluation = progress.spinner("evaluating", || {
        evaluate::evaluate(&args.schema, &args.out.output, &EvaluateOptions::default())
    })?;
    let html = args.out.output.join("report.html");
    write_reports(&evaluation, None, Some(&html))?;
    if !args.quiet {
        print!("\n{}", evaluation.summary());
        println!("report: {}", html.display());
    }
    Ok(())
}
