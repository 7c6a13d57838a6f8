//! The validated input: a schema whose rules all hold, its plan, and its loaded tables.
//!
//! Every stage that reads real data (training, evaluation) starts from a [`Validated`], so none
//! of them can see a schema or table that `validate` would reject.

use std::path::Path;

use indexmap::IndexMap;

use crate::data::{self, Table};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::rules;
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
    problems.extend(rules::check_schema(&schema, plan.as_ref().ok(), &tables));
    match plan {
        Ok(plan) if problems.is_empty() => Ok(Validated {
            schema,
            plan,
            tables,
        }),
        _ => Err(Error::invalid(problems)),
    }
}
