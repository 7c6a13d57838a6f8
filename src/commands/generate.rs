//! `dxsynth generate MODEL -o DIR`: a synthetic copy from a model file alone, without the real
//! data.

use std::path::PathBuf;

use clap::Args as ClapArgs;

use crate::GenerateOptions;
use crate::error::Result;
use crate::modelfile;
use crate::progress::Progress;

/// Arguments of `dxsynth generate`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth generate bank.dxsynth -o synthetic/ --seed 7\n  \
                  dxsynth generate bank.dxsynth -o big/ --scale 10 --seed 8\n  \
                  dxsynth generate shop.dxsynth -o some/ --tables orders,reviews\n\n\
                  Writes DIR/<table>.csv for every table (or the chosen ones and the tables they\n\
                  need), exactly as `dxsynth run` with the same seed would. Nothing is written\n\
                  when the model file is unusable or the run fails.\n\
                  Exit codes: 0 success, 2 unusable model file or invalid argument, 1 other errors."
)]
pub struct Args {
    /// The model file (made by `dxsynth train`).
    #[arg(value_name = "MODEL")]
    pub model_file: PathBuf,
    /// The output folder (created if missing; existing files of the same names are replaced).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Seed for every random draw: the same model and seed give byte-identical output.
    /// Defaults to the seed stored in the model, else a fresh seed that the summary prints.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Factor on the number of rows of root tables; child tables follow their parents.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Generate only these tables (comma-separated), plus the parents they need so that every
    /// foreign key still points at a row that exists.
    #[arg(long, value_delimiter = ',', value_name = "TABLES")]
    pub tables: Option<Vec<String>>,
    /// No progress bars and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Loads the model file, generates and prints the per-table summary.
pub fn run(args: &Args) -> Result<()> {
    let model = std::slice::from_ref(&args.model_file);
    crate::output::refuse_inputs(&args.output, crate::output::Target::Folder, model)?;
    let progress = Progress::new(args.quiet);
    let file = progress.spinner("loading the model", || modelfile::load(&args.model_file))?;
    let models = match &args.tables {
        Some(tables) => file.models.only(tables)?,
        None => file.models,
    };
    let options = GenerateOptions {
        seed: args.seed,
        scale: args.scale,
    };
    let report = crate::generate(&models, &args.output, &options, &progress)?;
    if !args.quiet {
        print!("{}", super::run::summary(&report));
    }
    Ok(())
}
