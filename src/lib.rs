//! dxsynth: synthetic copies of relational databases kept as folders of CSV files.
//!
//! The pipeline runs in stages, each a module, and data moves forward through typed values:
//!
//! ```text
//! schema (parse + rules) -> plan (dependency order) -> data (load, types) -> validated
//!   -> train (model kit per table, key distributions, semantic generators, kept tables)
//!   -> generate (parents first, children per parent; keys assigned) -> output (CSV or Parquet
//!   files, SQLite, PostgreSQL)
//! ```
//!
//! [`validate`], [`run`], [`train()`] and [`generate()`] are the entry points for whole jobs
//! (see [`pipeline`]); a trained [`Models`] is saved and loaded by [`modelfile`]. Long jobs
//! report to a [`Progress`] sink. `evaluate` scores a synthetic copy and `init` infers a schema
//! from a folder of CSVs. The command line (its arguments, printing and process status) is the
//! binary's, not the library's.
//!
//! Modules form layers and imports only go down them; `ARCHITECTURE.md` at the repository root
//! lists the layers, and `tests/layers.rs` checks the rule.

// Ground: errors, locations, pure statistics, randomness.
pub mod direct;
pub mod error;
pub mod files;
pub mod guard;
pub mod location;
pub mod memory;
pub mod progress;
pub mod sampling;
pub mod stats;

// Input: the schema, its plan, the data and the rules its rows obey, checked together.
pub mod data;
pub mod input;
pub mod plan;
pub mod rules;
pub mod schema;
pub mod validated;

// Models and the stages that use them.
pub mod generate;
pub mod keys;
pub mod model;
pub mod modelfile;
pub mod output;
pub mod row_order;
pub mod semantic;
pub mod targets;
pub mod train;

// Whole jobs, and the tools beside the pipeline.
pub mod evaluate;
pub mod init;
pub mod pipeline;

pub use error::{Error, ModelFileProblem, Problem, Problems, Result};
pub use pipeline::{
    GenerateOptions, RunOptions, RunReport, TableReport, TrainOptions, generate, generate_to, run,
    run_to, train,
};
pub use progress::{NoProgress, Progress};
pub use train::Models;
pub use validated::{Validated, validate};
