//! `dxsynth generate MODEL -o LOCATION`: a synthetic copy from a model file alone, without the
//! real data, written to a folder (CSV or Parquet) or a database.

use std::path::PathBuf;

use clap::Args as ClapArgs;

use dxsynth::data::Dialect;
use dxsynth::location::Location;
use dxsynth::output::target::Target;
use dxsynth::{GenerateOptions, modelfile};

use super::progress::Bars;
use super::{Outcome, OutputArgs, flag, run_summary, target_flags};

/// Arguments of `dxsynth generate`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth generate bank.dxsynth -o synthetic/ --seed 7\n  \
                  dxsynth generate bank.dxsynth -o big/ --scale 10 --seed 8\n  \
                  dxsynth generate shop.dxsynth -o some/ --tables orders,reviews\n  \
                  dxsynth generate bank.dxsynth -o some/ --rows accounts=50\n  \
                  dxsynth generate bank.dxsynth -o mine/ --given accounts=my_accounts.csv\n  \
                  dxsynth generate bank.dxsynth -o out/ --format parquet\n  \
                  dxsynth generate bank.dxsynth -o sqlite:synthetic.db\n\n\
                  Writes DIR/<table>.csv for every table (or the chosen ones and the tables they\n\
                  need), exactly as `dxsynth run` with the same seed would; or <table>.parquet,\n\
                  or every table into a database in one transaction. Nothing is written\n\
                  when the model file is unusable or the run fails.\n\
                  Exit codes: 0 success, 2 unusable model file or invalid argument, 1 other errors."
)]
pub struct Args {
    /// The model file (made by `dxsynth train`).
    #[arg(value_name = "MODEL")]
    pub model_file: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    /// Generate only these tables (comma-separated), plus the parents they need so that every
    /// foreign key still points at a row that exists.
    #[arg(long, value_delimiter = ',', value_parser = table_name, value_name = "TABLES")]
    pub tables: Option<Vec<String>>,
    /// No progress bars and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// One name of `--tables`: an empty one (`--tables ""`, `a,,b`, a trailing comma) is refused
/// as such, not looked up as a table named "".
fn table_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err(
            "an empty table name: give table names separated by commas, as in \
                    --tables orders,reviews (no comma at either end, none doubled)"
                .into(),
        );
    }
    Ok(name.to_string())
}

/// Loads the model file, generates and prints the per-table summary.
pub fn run(args: &Args) -> Outcome {
    let target = args.out.target()?;
    target.refuse_inputs(std::slice::from_ref(&args.model_file), &[])?;
    let progress = Bars::new(args.quiet);
    let file = progress.spinner("loading the model", || modelfile::load(&args.model_file))?;
    let models = match &args.tables {
        Some(tables) => file.models.only(tables).map_err(flag("--tables"))?,
        None => file.models,
    };
    let options = GenerateOptions {
        seed: args.out.seed,
        scale: args.out.scale,
        rows: args.out.row_targets()?,
        given: args.out.given_files()?,
    };
    let earlier = earlier_files(&target, &models.left_out);
    let report =
        dxsynth::generate_to(&models, &target, &options, &progress).map_err(target_flags)?;
    if !args.quiet {
        print!("{}", run_summary(&report));
        if !earlier.is_empty() {
            eprintln!(
                "note: removed {} of an earlier run from the output folder: `--tables` left \
                 those tables out, and their keys would point at rows numbered afresh",
                earlier.join(", ")
            );
        }
    }
    Ok(())
}

/// The files of `tables` an output folder holds before it is written (which it then loses).
fn earlier_files(target: &Target, tables: &[(String, Dialect)]) -> Vec<String> {
    let Location::Folder(dir) = &target.location else {
        return Vec::new();
    };
    tables
        .iter()
        .map(|(table, dialect)| target.file_name(table, dialect))
        .filter(|file| dir.join(file).is_file())
        .collect()
}
