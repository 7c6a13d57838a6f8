//! `dxsynth validate SCHEMA`: is the schema, and its data, usable?

use std::path::PathBuf;

use clap::Args as ClapArgs;
use dxsynth::Validated;
use dxsynth::error::{Error, Problem};
use dxsynth::plan::{Generation, Relationship};
use dxsynth::schema::TableDef;
use serde::Serialize;

use super::{ColumnSummary, Format, Outcome, relationships_text, to_json};

/// Arguments of `dxsynth validate`.
#[derive(Debug, ClapArgs)]
#[command(after_help = "Example:\n  dxsynth validate schemas/bank.yaml\n  \
                        dxsynth validate schemas/bank.yaml --format json | jq .tables\n\n\
                        Exit codes: 0 valid, 2 invalid schema or data (every problem is listed), 1 other errors.")]
pub struct Args {
    /// The schema file (YAML).
    pub schema: PathBuf,
    /// How to print the summary or the problems.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The environment variable holding the password of the PostgreSQL databases the schema
    /// reads (`source:`; default: PGPASSWORD).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

/// Validates and prints the summary; invalid input is printed too (as JSON when asked) and
/// returned as the error so the exit code says it.
pub fn run(args: &Args) -> Outcome {
    super::password_env_for_sources(args.password_env.as_deref());
    // Loaded as `run` loads it: every value and key checked, a large table's values kept for a
    // sample only (a 1 GB database validates in bounded memory; the rules shown are those the
    // model learns).
    let limit = dxsynth::sampling::TRAINING_ROWS;
    match dxsynth::validated::validate_for_training(&args.schema, limit) {
        Ok(valid) => {
            let summary = Summary::of(&valid);
            match args.format {
                Format::Text => print!("{}", summary.to_text(&args.schema)),
                Format::Json => println!("{}", to_json(&summary)),
            }
            Ok(())
        }
        Err(Error::Invalid(problems)) if args.format == Format::Json => {
            let report = Invalid {
                valid: false,
                problems: &problems.0,
            };
            println!("{}", to_json(&report));
            Err(Error::Invalid(problems).into())
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Serialize)]
struct Invalid<'a> {
    valid: bool,
    problems: &'a [Problem],
}

/// What `validate` reports about a valid schema.
#[derive(Debug, Serialize)]
pub struct Summary {
    valid: bool,
    tables: Vec<TableSummary>,
    relationships: Vec<Relationship>,
    rows: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TableSummary {
    name: String,
    rows: usize,
    primary_key: Option<String>,
    generation: String,
    columns: Vec<ColumnSummary>,
    rules: Vec<dxsynth::rules::RuleSummary>,
    /// Why the table is copied as it is, when it is (see `semantic::keep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    kept: Option<String>,
    /// `column type` for every column with a semantic type.
    semantic: Vec<String>,
    /// How the CSV file is read (and its copy written), when not with commas only.
    #[serde(skip_serializing_if = "Option::is_none")]
    dialect: Option<super::CsvDialect>,
}

impl Summary {
    /// Summarises a validated schema: tables in generation order, their columns, relationships.
    pub fn of(valid: &Validated) -> Summary {
        let mut tables = Vec::new();
        let mut relationships = Vec::new();
        let kept = dxsynth::semantic::keep::decide(&valid.schema, &valid.tables);
        let mut notes: Vec<String> = valid
            .tables
            .values()
            .flat_map(dxsynth::data::notes)
            .collect();
        for plan in &valid.plan.order {
            let table = &valid.tables[&plan.table];
            let def = valid.schema.table(&plan.table);
            relationships.extend(plan.relationships());
            notes.extend(def.and_then(|def| unused_order_by(def, &plan.generation)));
            let declared = def.map_or(0, |def| def.rules.add.len());
            if kept.contains_key(&plan.table) && declared > 0 {
                notes.push(format!(
                    "table `{}` is kept as it is (its real rows): its declared rules have no \
                     effect",
                    plan.table
                ));
            }
            tables.push(TableSummary {
                name: plan.table.clone(),
                rows: valid.real_rows(&plan.table),
                primary_key: def.and_then(|d| d.primary_key.clone()),
                generation: plan.generation.to_string(),
                columns: table
                    .columns
                    .iter()
                    .map(|c| ColumnSummary::new(&c.name, c.kind, &c.format))
                    .collect(),
                // A kept table's rows are the real ones: training looks for no rules in it.
                rules: match kept.contains_key(&plan.table) {
                    true => Vec::new(),
                    false => {
                        let rules: Vec<_> = dxsynth::init::real_rules(valid, &plan.table)
                            .iter()
                            .map(dxsynth::rules::RuleSummary::of)
                            .collect();
                        notes.extend(rules.iter().filter_map(|r| mostly_broken(&plan.table, r)));
                        rules
                    }
                },
                kept: kept.get(&plan.table).cloned(),
                dialect: super::CsvDialect::of(&table.dialect, &table.header),
                semantic: def
                    .map(|def| {
                        let referenced = valid
                            .schema
                            .tables
                            .iter()
                            .any(|t| t.foreign_keys.iter().any(|fk| fk.parent == def.name));
                        dxsynth::semantic::detect::table_types(def, table, referenced)
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(column, kind)| format!("{column} {kind}"))
                    .collect(),
            });
        }
        Summary {
            valid: true,
            rows: tables.iter().map(|t| t.rows).sum(),
            tables,
            relationships,
            notes,
        }
    }

    /// The summary as people read it.
    pub fn to_text(&self, schema: &std::path::Path) -> String {
        let mut text = format!(
            "{} is valid: {}, {}, {}\n\ngeneration order:\n",
            schema.display(),
            count(self.tables.len(), "table"),
            count(self.rows, "row"),
            count(self.relationships.len(), "relationship")
        );
        let width = self.tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
        for (index, table) in self.tables.iter().enumerate() {
            text += &format!(
                "  {}. {:<width$}  {:>8} rows  {}\n",
                index + 1,
                table.name,
                table.rows,
                table.generation
            );
            if let Some(dialect) = &table.dialect {
                text += &format!("     CSV: {dialect}\n");
            }
            let columns: Vec<String> = table.columns.iter().map(ColumnSummary::to_string).collect();
            if !columns.is_empty() {
                text += &format!("     columns: {}\n", columns.join(", "));
            }
            text += &dxsynth::rules::listing_text(&table.rules);
            if let Some(reason) = &table.kept {
                text += &format!("     kept as it is: {reason}\n");
            } else if !table.semantic.is_empty() {
                text += &format!("     semantic: {}\n", table.semantic.join(", "));
            }
        }
        text += &relationships_text(&self.relationships);
        for note in &self.notes {
            text += &format!("\nnote: {note}\n");
        }
        text
    }
}

/// A note on an `order_by` of a table not generated per parent: it orders each parent's
/// sequence, so there it has nothing to order (the copy's rows come in the real rows' order).
fn unused_order_by(def: &TableDef, generation: &Generation) -> Option<String> {
    let column = def.order_by.as_ref()?;
    let why = match generation {
        Generation::Sequential { .. } => return None,
        Generation::Root => "it has no foreign key",
        Generation::Independent => "it says `sequential: false`",
    };
    Some(format!(
        "table `{}`: `order_by: {column}` has no effect: it orders the rows of each parent's \
         sequence, and the table is not generated per parent ({why}); its rows come in the real \
         rows' order (sorted by `{column}` when the real rows are)",
        def.name
    ))
}

/// A note on a declared rule most real rows break: generation holds every synthetic row to
/// it, so the copy moves away from the real data (and from the rules found beside it).
fn mostly_broken(table: &str, rule: &dxsynth::rules::RuleSummary) -> Option<String> {
    let declared = rule.origin == dxsynth::rules::Origin::Declared;
    (declared && rule.support > 0 && 2 * rule.holding < rule.support).then(|| {
        format!(
            "table `{table}`: the declared rule `{}` holds in {} of {} real rows; every \
             synthetic row will be held to it, away from the real data",
            rule.rule, rule.holding, rule.support
        )
    })
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
