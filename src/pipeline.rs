//! The pipeline: `run` = `train` then `generate`, each from files to files, reporting progress
//! through a [`Progress`] sink and returning what it did.
//!
//! These are the library's entry points for whole jobs; the command line adds its arguments,
//! printing and process status on top.

use std::path::{Path, PathBuf};

use crate::data::Dialect;
use crate::error::{Error, Result};
use crate::generate::{Sink, SyntheticTable, check_models_size, check_size, generate_each};
use crate::model::{ModelKind, Privacy};
use crate::output::target::{Target, Writer};
use crate::progress::{self, Progress};
use crate::sampling::TRAINING_ROWS;
use crate::schema::Schema;
use crate::targets::{GivenFiles, RowTargets, Targets};
use crate::train::{Models, database_marks, source_marks, train_all};
use crate::validated::{Validated, validate_for_training};

/// Options of a whole run: training then generating.
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
    /// The rows a large table is learned from (see [`TRAINING_ROWS`]).
    pub sample_rows: usize,
    /// Exact row counts of tables generated without a parent.
    pub rows: RowTargets,
    /// Tables whose rows are taken from files instead of being generated.
    pub given: GivenFiles,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: None,
            scale: 1.0,
            model: ModelKind::default(),
            privacy: Privacy::default(),
            sample_rows: TRAINING_ROWS,
            rows: RowTargets::default(),
            given: GivenFiles::default(),
        }
    }
}

/// What a run produced, for the summary.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The seed used (the same seed reproduces the output).
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
    /// The file written (for a database, its location and the table's name).
    pub path: PathBuf,
}

/// Options of training (the first half of a run).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The seed stored in the model for generation; when `None` the schema's seed.
    pub seed: Option<u64>,
    /// Which model to train.
    pub model: ModelKind,
    /// Privacy protections.
    pub privacy: Privacy,
    /// A table with more rows is learned from a seeded sample of about this many (whole
    /// sequences); counts and key distributions still come from every row.
    pub sample_rows: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: None,
            model: ModelKind::default(),
            privacy: Privacy::default(),
            sample_rows: TRAINING_ROWS,
        }
    }
}

/// Options of generating from trained models (the second half of a run).
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The seed; when `None` the model's seed, else a fresh one (reported).
    pub seed: Option<u64>,
    /// Factor on the row count of root tables.
    pub scale: f64,
    /// Exact row counts of tables generated without a parent.
    pub rows: RowTargets,
    /// Tables whose rows are taken from files instead of being generated.
    pub given: GivenFiles,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: None,
            scale: 1.0,
            rows: RowTargets::default(),
            given: GivenFiles::default(),
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
            sample_rows: self.sample_rows,
        }
    }

    /// The generating half of a run.
    pub fn generate(&self) -> GenerateOptions {
        GenerateOptions {
            seed: self.seed,
            scale: self.scale,
            rows: self.rows.clone(),
            given: self.given.clone(),
        }
    }
}

/// Validates, trains, generates and writes `out_dir/<table>.csv` for every table. It is
/// [`train`] then [`generate`], so its output is exactly that of training, saving and loading
/// a model file, then generating from it with the same seed.
pub fn run(
    schema_file: &Path,
    out_dir: &Path,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunReport> {
    run_to(schema_file, &Target::csv(out_dir), options, progress)
}

/// [`run`] writing to any target: a folder of CSV or Parquet files, or a database.
pub fn run_to(
    schema_file: &Path,
    target: &Target,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunReport> {
    check_scale(options.scale)?;
    if let Ok(schema) = Schema::load(schema_file) {
        let mut inputs = schema.input_paths();
        inputs.extend(options.given.paths());
        target.refuse_inputs(&inputs, &schema.database_tables())?;
    }
    target.check()?;
    let input = load(schema_file, options.sample_rows, progress)?;
    let files: Vec<(&str, &Dialect)> = (input.plan.order.iter())
        .filter_map(|plan| input.tables.get_key_value(&plan.table))
        .map(|(name, table)| (name.as_str(), &table.dialect))
        .collect();
    target.refuse_unreplaceable(files.iter().copied())?;
    // Before training, as `generate` refuses it: an output holding a copy of the data. Only
    // where a file is a real one does it matter whether its table is kept (training decides
    // that again).
    let marks = source_marks(&input);
    // Marks of the databases read are asked of their servers only for a database output.
    let databases = match target.location.is_database() {
        true => database_marks(&input),
        false => Vec::new(),
    };
    let real = (&marks[..], &databases[..]);
    if target.refuse_marked(files.iter().copied(), real).is_err() {
        let kept = crate::semantic::keep::decide(&input.schema, &input.tables);
        let generated = files.iter().filter(|(name, _)| !kept.contains_key(*name));
        target.refuse_marked(generated.copied(), real)?;
    }
    let headers = input.tables.iter();
    target.refuse_case_clashes(headers.map(|(name, table)| (name.as_str(), &table.header[..])))?;
    // Kept tables are found in training: counted here with their real rows times the scale.
    // Memory is checked once trained (`generate_to`), a kept table (a calendar) at its rows.
    let real_rows = |table: &str| input.real_rows(table);
    check_size(
        &input.plan,
        real_rows,
        |_| None,
        options.scale,
        &options.rows,
    )?;
    let models = train_validated(input, &options.train(), progress);
    crate::memory::release_freed();
    generate_to(&models, target, &options.generate(), progress)
}

/// Validates and trains every table. The real rows are dropped on return: the models are all
/// that generation needs, and what a model file stores.
pub fn train(
    schema_file: &Path,
    options: &TrainOptions,
    progress: &dyn Progress,
) -> Result<Models> {
    let input = load(schema_file, options.sample_rows, progress)?;
    Ok(train_validated(input, options, progress))
}

/// Validates and loads the real tables as a stage; its rows (and so rows per second) are
/// reported table by table when loading is over, as `data` loads tables in parallel and reports
/// nothing itself.
fn load(schema_file: &Path, sample_rows: usize, progress: &dyn Progress) -> Result<Validated> {
    progress.stage("validating and loading", 0);
    let input = validate_for_training(schema_file, sample_rows);
    crate::memory::release_freed();
    if let Ok(input) = &input {
        for name in input.tables.keys() {
            progress.rows(name, input.real_rows(name));
        }
    }
    progress.finish();
    input
}

/// Trains every table of a validated input (the second half of [`train`]).
fn train_validated(input: Validated, options: &TrainOptions, progress: &dyn Progress) -> Models {
    let seed = options.seed.or(input.schema.seed);
    progress.stage("training", input.plan.order.len());
    let (model, privacy, rows) = (options.model, options.privacy, options.sample_rows);
    let models = train_all(&input, model, privacy, seed, rows, &|table| {
        progress.rows(table, input.real_rows(table));
        progress.advance(table);
    });
    progress.finish();
    models
}

/// Generates from trained models (no real data needed) and writes `out_dir/<table>.csv` for
/// every table of `models`.
pub fn generate(
    models: &Models,
    out_dir: &Path,
    options: &GenerateOptions,
    progress: &dyn Progress,
) -> Result<RunReport> {
    generate_to(models, &Target::csv(out_dir), options, progress)
}

/// [`generate`] writing to any target: a folder of CSV or Parquet files, or a database.
pub fn generate_to(
    models: &Models,
    target: &Target,
    options: &GenerateOptions,
    progress: &dyn Progress,
) -> Result<RunReport> {
    check_scale(options.scale)?;
    target.check()?;
    check_models_size(models, options.scale, &options.rows)?;
    let files = (models.plan.order.iter())
        .filter_map(|plan| models.tables.get_key_value(&plan.table))
        .map(|(name, table)| (name.as_str(), &table.dialect));
    target.refuse_unreplaceable(files)?;
    let headers = models.tables.iter();
    target.refuse_case_clashes(headers.map(|(name, table)| (name.as_str(), &table.header[..])))?;
    target.refuse_inputs(&options.given.paths(), &[])?;
    // A kept table's file is written as the real one was: it may take the real file's place.
    let generated = models.tables.values().filter(|table| table.kept.is_none());
    let names = generated.map(|table| (table.name.as_str(), &table.dialect));
    let left_out = (models.left_out.iter()).map(|(name, dialect)| (name.as_str(), dialect));
    let real = (&models.sources[..], &models.databases[..]);
    target.refuse_marked(names.chain(left_out), real)?;
    let targets = Targets::load(models, &options.rows, &options.given, options.scale)?;
    let seed = options.seed.or(models.seed).unwrap_or_else(fresh_seed);
    // A folder or a database (SQLite, PostgreSQL) is written as the tables are made (memory
    // follows what keys need, not the output's size); a location this build cannot write gets
    // every table at the end, where `write` says so.
    let mut writer = Writer::open(target, &models.plan)?;
    writer.drop_tables(&models.left_out);
    let keep = writer.keep();
    progress.stage("generating", models.plan.order.len());
    let mut sink = Reporting {
        writer: &mut writer,
        progress,
    };
    let synthetic = generate_each(models, seed, options.scale, &targets, keep, &mut sink);
    progress.finish();
    let synthetic = synthetic?;
    let paths = progress::stage(progress, "writing", || {
        writer.finish(&synthetic, &models.plan)
    })?;
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

/// The writer, advancing the progress as each table is done.
struct Reporting<'a> {
    writer: &'a mut Writer,
    progress: &'a dyn Progress,
}

impl Sink for Reporting<'_> {
    fn table(&mut self, table: &std::sync::Arc<SyntheticTable>) -> Result<()> {
        self.progress.rows(&table.name, table.rows);
        self.progress.advance(&table.name);
        self.writer.table(table)
    }

    fn takes_parts(&self) -> bool {
        self.writer.takes_parts()
    }

    fn part(&mut self, part: SyntheticTable, first_row: usize, last: bool) -> Result<()> {
        self.progress.rows(&part.name, part.rows);
        if last {
            self.progress.advance(&part.name);
        }
        self.writer.part(part, first_row, last)
    }

    fn settle(&mut self) -> Result<()> {
        self.writer.settle()
    }

    fn parents_first(&self) -> bool {
        self.writer.parents_first()
    }
}

fn check_scale(scale: f64) -> Result<()> {
    if scale.is_finite() && scale > 0.0 {
        Ok(())
    } else {
        Err(Error::Scale(scale))
    }
}

/// A seed for runs that did not ask for one; reported so the run can be repeated.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    (nanos as u64) % 1_000_000_000
}
