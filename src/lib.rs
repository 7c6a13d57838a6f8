//! dxsynth: synthetic copies of relational databases kept as folders of CSV files.
//!
//! The pipeline runs in stages, each a module, and data moves forward through typed values:
//!
//! ```text
//! schema (parse + rules) -> plan (dependency order) -> data (load, types) -> model (train)
//!   -> generate (parents first, children per parent) -> keys (FK assignment) -> output (CSV)
//! ```
//!
//! [`validate`], [`run`], [`train`] and [`generate`] are the entry points the command line
//! uses (a trained [`Models`] is saved and loaded by [`modelfile`]); the `commands` module holds
//! one module per subcommand.

pub mod commands;
pub mod data;
pub mod error;
pub mod evaluate;
pub mod generate;
pub mod init;
pub mod keys;
pub mod model;
pub mod modelfile;
pub mod output;
pub mod plan;
pub mod progress;
pub mod sampling;
pub mod schema;
pub mod semantic;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

pub use error::{Error, Problem, Problems, Result};

use crate::data::Table;
use crate::model::{ModelKind, Models, Privacy};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::schema::Schema;

/// A schema whose rules all hold, with its plan and its loaded tables.
pub struct Validated {
    /// The parsed schema.
    pub schema: Schema,
    /// Generation order and roles of the foreign keys.
    pub plan: Plan,
    /// Every table, loaded and typed, by name (schema order).
    pub tables: IndexMap<String, Table>,
}

/// Checks the schema and its data, collecting every problem; loads the tables on the way.
pub fn validate(schema_file: &Path) -> Result<Validated> {
    let schema = Schema::load(schema_file)?;
    let mut problems = schema.check();
    let plan = Plan::build(&schema).map_err(|cycles| problems.extend(cycles));
    let (tables, data_problems) = data::load_all(&schema);
    problems.extend(data_problems);
    problems.extend(data::check_keys(&schema, &tables));
    match plan {
        Ok(plan) if problems.is_empty() => Ok(Validated {
            schema,
            plan,
            tables,
        }),
        _ => Err(Error::invalid(problems)),
    }
}

/// Options of `dxsynth run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The seed; when `None` the schema's seed, else a fresh one (reported).
    pub seed: Option<u64>,
    /// Factor on the row count of root tables.
    pub scale: f64,
    /// Which model to train.
    pub model: ModelKind,
    /// Privacy protections.
    pub privacy: Privacy,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: None,
            scale: 1.0,
            model: ModelKind::default(),
            privacy: Privacy::default(),
        }
    }
}

/// What a run produced, for the summary.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The seed used (pass it as `--seed` to reproduce the output).
    pub seed: u64,
    /// One entry per table, in generation order.
    pub tables: Vec<TableReport>,
}

/// One table of a run.
#[derive(Debug, Clone)]
pub struct TableReport {
    /// The table's name.
    pub name: String,
    /// Rows in the real table.
    pub real_rows: usize,
    /// Rows generated.
    pub rows: usize,
    /// The file written.
    pub path: PathBuf,
}

/// Options of `dxsynth train` (the training half of `run`).
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// The seed stored in the model for generation; when `None` the schema's seed.
    pub seed: Option<u64>,
    /// Which model to train.
    pub model: ModelKind,
    /// Privacy protections.
    pub privacy: Privacy,
}

/// Options of `dxsynth generate` (the generating half of `run`).
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The seed; when `None` the model's seed, else a fresh one (reported).
    pub seed: Option<u64>,
    /// Factor on the row count of root tables.
    pub scale: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: None,
            scale: 1.0,
        }
    }
}

impl RunOptions {
    /// The training half of a run.
    pub fn train(&self) -> TrainOptions {
        TrainOptions {
            seed: self.seed,
            model: self.model,
            privacy: self.privacy,
        }
    }

    /// The generating half of a run.
    pub fn generate(&self) -> GenerateOptions {
        GenerateOptions {
            seed: self.seed,
            scale: self.scale,
        }
    }
}

/// Validates, trains, generates and writes `out_dir/<table>.csv` for every table. It is
/// [`train`] then [`generate`], so its output is exactly that of `dxsynth train` followed by
/// `dxsynth generate` with the same seed.
pub fn run(
    schema_file: &Path,
    out_dir: &Path,
    options: &RunOptions,
    progress: &Progress,
) -> Result<RunReport> {
    check_scale(options.scale)?;
    let models = train(schema_file, &options.train(), progress)?;
    generate(&models, out_dir, &options.generate(), progress)
}

/// Validates and trains every table. The real rows are dropped on return: the models are all
/// that generation needs, and what a model file stores.
pub fn train(schema_file: &Path, options: &TrainOptions, progress: &Progress) -> Result<Models> {
    let input = progress.spinner("validating and loading", || validate(schema_file))?;
    let seed = options.seed.or(input.schema.seed);
    let bar = progress.bar("training", input.plan.order.len());
    let models = model::train_all(&input, options.model, options.privacy, seed, &|table| {
        bar.set_message(table.to_string());
        bar.inc(1);
    });
    bar.finish_and_clear();
    Ok(models)
}

/// Generates from trained models (no real data needed) and writes `out_dir/<table>.csv` for
/// every table of `models`.
pub fn generate(
    models: &Models,
    out_dir: &Path,
    options: &GenerateOptions,
    progress: &Progress,
) -> Result<RunReport> {
    check_scale(options.scale)?;
    let seed = options.seed.or(models.seed).unwrap_or_else(fresh_seed);
    let bar = progress.bar("generating", models.plan.order.len());
    let synthetic = generate::generate_all(
        models,
        generate::GenerateOptions {
            seed,
            scale: options.scale,
        },
        &|table| {
            bar.set_message(table.name.clone());
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    let paths = progress.spinner("writing", || output::write_all(out_dir, &synthetic))?;
    let tables = synthetic
        .values()
        .zip(paths)
        .map(|(table, path)| TableReport {
            name: table.name.clone(),
            real_rows: models.tables[&table.name].real_rows,
            rows: table.rows,
            path,
        })
        .collect();
    Ok(RunReport { seed, tables })
}

fn check_scale(scale: f64) -> Result<()> {
    if scale.is_finite() && scale > 0.0 {
        Ok(())
    } else {
        Err(Error::Argument {
            argument: "--scale".into(),
            message: format!("must be a positive number, got {scale}"),
        })
    }
}

/// A seed for runs that did not ask for one; reported so the run can be repeated.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    (nanos as u64) % 1_000_000_000
}
