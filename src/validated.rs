//! The validated input: a schema whose rules all hold, its plan, and its loaded tables.
//!
//! Every stage that reads real data (training, evaluation) starts from a [`Validated`], so none
//! of them can see a schema or table that `validate` would reject.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use indexmap::IndexMap;

use crate::data::{self, SampleRule, Sampled, Table, TextColumn};
use crate::error::{Error, Result};
use crate::plan::{Generation, Plan};
use crate::rules;
use crate::schema::{Schema, TableMode};

/// A schema whose rules all hold, with its plan and its loaded tables.
pub struct Validated {
    /// The parsed schema.
    pub schema: Schema,
    /// Generation order and roles of the foreign keys.
    pub plan: Plan,
    /// Every table, loaded and typed, by name (schema order). A table loaded as a sample (see
    /// [`validate_for_training`]) holds its sample's rows, whole in itself.
    pub tables: IndexMap<String, Table>,
    /// The tables loaded as a sample: their every row's keys, and which rows were kept.
    pub sampled: IndexMap<String, Sampled>,
}

impl Validated {
    /// A table's real row count (all its rows, also when it was loaded as a sample).
    pub fn real_rows(&self, table: &str) -> usize {
        match (self.sampled.get(table), self.tables.get(table)) {
            (Some(sampled), _) => sampled.all.rows(),
            (None, Some(table)) => table.rows(),
            (None, None) => 0,
        }
    }

    /// A table's key columns over all its rows (also when it was loaded as a sample).
    pub fn all_keys(&self, table: &str) -> Option<&IndexMap<String, TextColumn>> {
        match self.sampled.get(table) {
            Some(sampled) => Some(&sampled.all.keys),
            None => self.tables.get(table).map(|table| &table.keys),
        }
    }
}

/// Checks the schema and its data, collecting every problem; loads the tables on the way.
pub fn validate(schema_file: &Path) -> Result<Validated> {
    validate_sampling(schema_file, None)
}

/// How large tables are loaded as samples (see [`validate_for_training`]).
#[derive(Debug, Clone, Copy)]
struct Sampling {
    limit: usize,
    fingerprints: bool,
}

/// [`validate`] for training: every value is read and checked, but of each table with more
/// than `limit` rows that no table refers to and that is not kept verbatim (`mode: keep`), only
/// a seeded sample of about `limit` rows is kept (whole sequences of a sequential table). Its
/// keys are kept for every row, so counts stay exact; see [`Validated::real_rows`].
pub fn validate_for_training(schema_file: &Path, limit: usize) -> Result<Validated> {
    let sampling = Sampling {
        limit,
        fingerprints: false,
    };
    validate_sampling(schema_file, Some(sampling))
}

/// [`validate_for_training`] for evaluation: the same tables are loaded as samples, and the
/// fingerprint of their every row is kept too, so exact copies of real rows are looked for
/// among all of them ([`Sampled::fingerprints`]).
pub fn validate_for_evaluation(schema_file: &Path, limit: usize) -> Result<Validated> {
    let sampling = Sampling {
        limit,
        fingerprints: true,
    };
    validate_sampling(schema_file, Some(sampling))
}

/// [`validate_for_training`] of a schema already parsed (`init` checks the schema it is about
/// to write, before the file exists).
pub fn validate_parsed_for_training(schema: Schema, limit: usize) -> Result<Validated> {
    let sampling = Sampling {
        limit,
        fingerprints: false,
    };
    validate_schema(schema, Some(sampling))
}

/// The tables of a parsed schema loaded as training loads them (large tables no table refers
/// to as a sample, see [`validate_for_training`]), with the problems found, but none of the
/// schema's own checks: for looking at the data of a schema still being written.
pub fn load_for_training(schema: &Schema, limit: usize) -> data::Loaded {
    let sampling = Sampling {
        limit,
        fingerprints: false,
    };
    let samples = match Plan::build(schema) {
        Ok(plan) => sample_rules(schema, &plan, sampling),
        Err(_) => HashMap::new(),
    };
    data::load_sampled(schema, &samples)
}

fn validate_sampling(schema_file: &Path, sampling: Option<Sampling>) -> Result<Validated> {
    validate_schema(Schema::load(schema_file)?, sampling)
}

fn validate_schema(schema: Schema, sampling: Option<Sampling>) -> Result<Validated> {
    let mut problems = schema.check();
    let plan = Plan::build(&schema).map_err(|cycles| problems.extend(cycles));
    let samples = match (sampling, &plan) {
        (Some(sampling), Ok(plan)) => sample_rules(&schema, plan, sampling),
        _ => HashMap::new(),
    };
    let loaded = data::load_sampled(&schema, &samples);
    problems.extend(loaded.problems);
    problems.extend(data::check_all_keys(
        &schema,
        &loaded.tables,
        &loaded.sampled,
    ));
    problems.extend(rules::check_schema(
        &schema,
        plan.as_ref().ok(),
        &loaded.tables,
    ));
    match plan {
        Ok(plan) if problems.is_empty() => Ok(Validated {
            schema,
            plan,
            tables: loaded.tables,
            sampled: loaded.sampled,
        }),
        _ => Err(Error::invalid(problems)),
    }
}

/// Which tables may be loaded as a sample: those no table refers to (a parent's every row is
/// context for its children) and that are not kept verbatim; a sequential one by its sequence.
fn sample_rules(schema: &Schema, plan: &Plan, sampling: Sampling) -> HashMap<String, SampleRule> {
    let referenced: HashSet<&str> = schema
        .tables
        .iter()
        .flat_map(|def| def.foreign_keys.iter().map(|fk| fk.parent.as_str()))
        .collect();
    schema
        .tables
        .iter()
        .filter(|def| !referenced.contains(def.name.as_str()))
        .filter(|def| def.mode != Some(TableMode::Keep))
        .map(|def| {
            let by = match plan.table(&def.name).map(|plan| &plan.generation) {
                Some(Generation::Sequential { key }) => Some(key.column.clone()),
                _ => None,
            };
            let rule = SampleRule {
                limit: sampling.limit,
                by,
                fingerprints: sampling.fingerprints,
            };
            (def.name.clone(), rule)
        })
        .collect()
}
