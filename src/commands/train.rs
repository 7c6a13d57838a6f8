//! `dxsynth train SCHEMA -m MODEL`: validate, train every table, save one model file.

use std::path::PathBuf;

use clap::Args as ClapArgs;

use dxsynth::output::{self, OutputKind};
use dxsynth::schema::Schema;
use dxsynth::{Models, TrainOptions, modelfile};

use super::progress::Bars;
use super::{ModelArgs, Outcome, human_size};

/// Arguments of `dxsynth train`.
#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  dxsynth train schemas/bank.yaml -m bank.dxsynth --seed 7\n  \
                  dxsynth generate bank.dxsynth -o synthetic/   # anywhere, without the real CSVs\n\n\
                  The model file holds what generation needs: no real rows, but values derived from\n\
                  them (the README's \"What a model file reveals\" lists them); treat it like the\n\
                  real data. It is written atomically.\n\
                  Exit codes: 0 success, 2 invalid schema, data or argument, 1 other errors."
)]
pub struct Args {
    /// The schema file (YAML).
    pub schema: PathBuf,
    /// The model file to write (replaced if it exists; its folder is created if missing).
    #[arg(short = 'm', long = "model-file", value_name = "MODEL")]
    pub model_file: PathBuf,
    /// Seed stored in the model: `generate` uses it when not given `--seed`.
    /// Defaults to the schema's `seed` (if any).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The environment variable holding the password of the PostgreSQL databases the schema
    /// reads (`source:`; default: PGPASSWORD).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    #[command(flatten)]
    pub training: ModelArgs,
    /// No progress bars and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Trains, saves the model file and prints what it holds.
pub fn run(args: &Args) -> Outcome {
    super::password_env_for_sources(args.password_env.as_deref());
    let options = TrainOptions {
        seed: args.seed,
        model: args.training.model,
        privacy: args.training.privacy(),
        sample_rows: args.training.training_rows,
    };
    if let Ok(schema) = Schema::load(&args.schema) {
        let inputs = schema.input_paths();
        output::refuse_inputs(&args.model_file, OutputKind::File, &inputs)?;
    }
    modelfile::check_target(&args.model_file)?;
    let progress = Bars::new(args.quiet);
    let models = dxsynth::train(&args.schema, &options, &progress)?;
    let size = progress.spinner("saving", || modelfile::save(&args.model_file, &models))?;
    if !args.quiet {
        print!("{}", summary(&models, &args.model_file, size));
    }
    Ok(())
}

/// One line per table, then the file and the seed `generate` will use.
fn summary(models: &Models, file: &std::path::Path, size: u64) -> String {
    let width = models.tables.keys().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for table in models.tables.values() {
        text += &format!(
            "{:<width$}  {:>8} rows  model {}\n",
            table.name,
            table.real_rows,
            human_size(modelfile::encoded_size(table) as u64)
        );
    }
    text += &format!(
        "{} model, {} -> {}\n",
        models.kind,
        human_size(size),
        file.display()
    );
    text += &match models.seed {
        Some(seed) => format!("seed {seed} (generate uses it unless given --seed)\n"),
        None => "no seed stored (generate picks a fresh one unless given --seed)\n".to_string(),
    };
    text
}
