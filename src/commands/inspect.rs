//! `dxsynth inspect MODEL`: what a model file holds, without the real data.

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use serde::Serialize;

use dxsynth::error::printable;
use dxsynth::model::{ModelKind, Privacy, TableModel};
use dxsynth::modelfile::{self, ModelFile};
use dxsynth::plan::{Relationship, TablePlan};
use dxsynth::train::TrainedTable;

use super::{ColumnSummary, Format, Outcome, human_size, relationships_text, to_json};

/// Arguments of `dxsynth inspect`.
#[derive(Debug, ClapArgs)]
#[command(after_help = "Example:\n  dxsynth inspect bank.dxsynth\n  \
                        dxsynth inspect bank.dxsynth --format json | jq .tables\n\n\
                        Exit codes: 0 success, 2 unusable model file, 1 other errors.")]
pub struct Args {
    /// The model file (made by `dxsynth train`).
    #[arg(value_name = "MODEL")]
    pub model_file: PathBuf,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Loads the model file and prints its summary.
pub fn run(args: &Args) -> Outcome {
    let file = modelfile::load(&args.model_file)?;
    let inspection = Inspection::of(&file);
    match args.format {
        Format::Text => print!("{}", inspection.to_text(&args.model_file)),
        Format::Json => println!("{}", to_json(&inspection)),
    }
    Ok(())
}

/// What `inspect` reports.
#[derive(Debug, Serialize)]
pub struct Inspection {
    format_version: u32,
    written_by: String,
    file_bytes: u64,
    model: ModelKind,
    privacy: Privacy,
    seed: Option<u64>,
    training_rows: usize,
    tables: Vec<TableInspection>,
    relationships: Vec<Relationship>,
}

#[derive(Debug, Serialize)]
struct TableInspection {
    name: String,
    training_rows: usize,
    primary_key: Option<String>,
    generation: String,
    order_by: Option<String>,
    columns: Vec<ColumnSummary>,
    model_bytes: usize,
    rules: Vec<dxsynth::rules::RuleSummary>,
    /// Why the table is stored verbatim, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    kept: Option<String>,
    /// `column type` for every column with a semantic type.
    semantic: Vec<String>,
    /// How the rows are put in the real rows' order, when generation changes its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    row_order: Option<String>,
    /// How a CSV copy is written, when not with commas only (as the real file was).
    #[serde(skip_serializing_if = "Option::is_none")]
    dialect: Option<super::CsvDialect>,
    /// What the assigned keys keep with earlier keys: unique pairs, an order, a dependence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_rules: Vec<String>,
    /// The columns numbered afresh within the groups of another column's values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    numbered: Vec<String>,
    /// The id columns whose synthetic values are kept distinct, as the real ones were.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    distinct: Vec<String>,
    /// The number columns whose place among their leaf's values is carried on from row to
    /// row of a long sequence, with the correlation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    carried: Vec<String>,
}

impl Inspection {
    /// Summarises a loaded model file.
    pub fn of(file: &ModelFile) -> Inspection {
        let models = &file.models;
        let mut relationships = Vec::new();
        let tables: Vec<TableInspection> = models
            .plan
            .order
            .iter()
            .map(|plan| {
                relationships.extend(plan.relationships());
                table_inspection(plan, &models.tables[&plan.table])
            })
            .collect();
        Inspection {
            format_version: file.format_version,
            written_by: file.writer.clone(),
            file_bytes: file.size,
            model: models.kind,
            privacy: models.privacy,
            seed: models.seed,
            training_rows: tables.iter().map(|t| t.training_rows).sum(),
            tables,
            relationships,
        }
    }

    /// The summary as people read it.
    pub fn to_text(&self, path: &Path) -> String {
        let mut text = format!(
            "{}: dxsynth model file, format {} (written by dxsynth {}), {}\n",
            path.display(),
            self.format_version,
            printable(&self.written_by),
            human_size(self.file_bytes)
        );
        text += &format!(
            "model: {}; trained on {} rows in {} tables\n",
            self.model,
            self.training_rows,
            self.tables.len()
        );
        text += &privacy_line(self.privacy);
        text += &match self.seed {
            Some(seed) => format!("seed: {seed} (used by generate unless given --seed)\n"),
            None => "seed: none (generate picks a fresh one unless given --seed)\n".to_string(),
        };
        text += "\ngeneration order:\n";
        let width = self
            .tables
            .iter()
            .map(|t| printable(&t.name).len())
            .max()
            .unwrap_or(0);
        for (index, table) in self.tables.iter().enumerate() {
            text += &table_text(index, table, width);
        }
        text + &relationships_text(&self.relationships)
    }
}

fn privacy_line(privacy: Privacy) -> String {
    if privacy.min_count <= 1 {
        return "privacy: protections off (--privacy-min-count 1)\n".to_string();
    }
    format!(
        "privacy: min count {} (categories and words seen fewer times are not reproduced, \
         {} extreme numbers clipped on each side; tables under 250 rows use rows / 50)\n",
        privacy.min_count,
        privacy.min_count - 1
    )
}

fn table_text(index: usize, table: &TableInspection, width: usize) -> String {
    let mut text = format!(
        "  {}. {:<width$}  {:>8} rows  {}  (model {})\n",
        index + 1,
        printable(&table.name),
        table.training_rows,
        table.generation,
        human_size(table.model_bytes as u64)
    );
    if let Some(pk) = &table.primary_key {
        text += &format!("     primary key: {}\n", printable(pk));
    }
    if let Some(order_by) = &table.order_by {
        text += &format!("     order by: {}\n", printable(order_by));
    }
    if let Some(order) = &table.row_order {
        text += &format!("     rows as the real ones: {}\n", printable(order));
    }
    if let Some(dialect) = &table.dialect {
        text += &format!("     CSV: {}\n", printable(&dialect.to_string()));
    }
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|column| printable(&column.to_string()))
        .collect();
    if !columns.is_empty() {
        text += &format!("     columns: {}\n", columns.join(", "));
    }
    text += &dxsynth::rules::listing_text(&table.rules);
    if !table.key_rules.is_empty() {
        let key_rules: Vec<String> = table.key_rules.iter().map(|r| printable(r)).collect();
        text += &format!("     keys: {}\n", key_rules.join("; "));
    }
    if !table.numbered.is_empty() {
        let numbered: Vec<String> = table.numbered.iter().map(|n| printable(n)).collect();
        text += &format!("     numbered: {}\n", numbered.join("; "));
    }
    if !table.distinct.is_empty() {
        let distinct: Vec<String> = table.distinct.iter().map(|n| printable(n)).collect();
        text += &format!("     distinct: {}\n", distinct.join(", "));
    }
    if !table.carried.is_empty() {
        let carried: Vec<String> = table.carried.iter().map(|n| printable(n)).collect();
        text += &format!("     carried from row to row: {}\n", carried.join(", "));
    }
    if let Some(reason) = &table.kept {
        text += &format!("     kept as it is (stored verbatim): {reason}\n");
    }
    if !table.semantic.is_empty() {
        text += &format!("     semantic: {}\n", table.semantic.join(", "));
    }
    text
}

/// What an assigned key keeps with an earlier key of its row, in words.
fn key_rules(key: &dxsynth::keys::KeyDistribution) -> Vec<String> {
    let column = &key.column;
    let unique = key
        .unique_with
        .iter()
        .map(|first| format!("{first} and {column} pairs unique"));
    let order = key.order.iter().map(|order| {
        let side = if order.after { "after" } else { "before" };
        let by = (order.by.iter()).map(|by| format!(" (distance by {})", by.column));
        format!(
            "{column} {side} {}{}",
            order.earlier,
            by.collect::<String>()
        )
    });
    let dependence = key.dependence.iter().map(|dependence| {
        let earlier = &dependence.earlier;
        let parent = &key.parent;
        match (dependence.determines_earlier, &dependence.owners) {
            (true, Some(_)) => {
                format!(
                    "{column} determines {earlier} ({earlier} of each {parent} row from its columns)"
                )
            }
            (true, None) => format!("{column} determines {earlier}"),
            (false, _) => format!("{earlier} determines {column}"),
        }
    });
    let pairs = key.pairs_of.iter().map(|pairs| {
        format!(
            "{} and {column} pairs of {} rows",
            pairs.earlier, pairs.table
        )
    });
    let equals = key.equals.iter().map(|equals| {
        if equals.share == 0.0 {
            return format!("{column} != {} in every row", equals.earlier);
        }
        let by = match &equals.by {
            Some(by) => format!(", alike for each {by}"),
            None => String::new(),
        };
        let share = 100.0 * equals.share;
        format!("{column} = {} in {share:.0}% of rows{by}", equals.earlier)
    });
    let fits = key.fits.iter().flat_map(|fits| {
        fits.describe(&key.parent)
            .into_iter()
            .map(|bound| format!("{bound} (the {column} row's)"))
    });
    let apart = key
        .apart
        .iter()
        .map(|apart| format!("{} (the {column} rows')", apart.describe(&key.parent)));
    let label_match = key.label_match.iter().map(|found| {
        format!(
            "{}.{} = {}.{} in {:.0}% of the rows that can match",
            key.parent,
            found.column,
            found.earlier_parent,
            found.earlier_column,
            100.0 * found.share
        )
    });
    (unique.chain(order).chain(dependence).chain(pairs))
        .chain(equals)
        .chain(fits)
        .chain(apart)
        .chain(label_match)
        .collect()
}

/// The keys that the rows of a group share, in words: a ticket's items share its day, a
/// catalog's pages its first and last days.
fn shared_keys(trained: &TrainedTable) -> Vec<String> {
    let name = |column: usize| trained.columns.get(column).map_or("?", |c| c.name.as_str());
    let tickets = trained.group_numbers.iter().map(|groups| {
        let column = name(groups.column);
        (
            &groups.shared_keys,
            format!("the rows of each {column} group (numbered afresh)"),
        )
    });
    let values = trained.keys_by_value.iter().map(|by_value| {
        let column = name(by_value.column);
        (
            &by_value.shared_keys,
            format!("the rows of each {column} value"),
        )
    });
    let distinct = trained
        .group_numbers
        .iter()
        .filter(|groups| !groups.distinct_keys.is_empty());
    let distinct = distinct.map(|groups| {
        let keys = groups.distinct_keys.join(", ");
        format!("{keys} distinct within each {} group", name(groups.column))
    });
    tickets
        .chain(values)
        .map(|(keys, rows)| match keys.is_empty() {
            true => rows.replacen("the rows of each ", "", 1),
            false => format!("{} shared by {rows}", keys.join(", ")),
        })
        .chain(distinct)
        .collect()
}

/// The id columns kept distinct over the table, by name.
fn distinct_ids(trained: &TrainedTable) -> Vec<String> {
    let ids = trained.model.distinct_ids().into_iter();
    ids.filter_map(|(column, _)| Some(trained.columns.get(column)?.name.clone()))
        .collect()
}

/// The columns carried on from row to row of a long sequence, by name and correlation.
fn carried(trained: &TrainedTable) -> Vec<String> {
    let carried = trained.model.carried().into_iter();
    carried
        .filter_map(|(column, rho)| Some(format!("{} {rho:.2}", trained.columns.get(column)?.name)))
        .collect()
}

/// The columns numbering the rows of each group of another's values, in words.
fn numbered(trained: &TrainedTable) -> Vec<String> {
    let name = |column: usize| trained.columns.get(column).map_or("?", |c| c.name.as_str());
    (trained.row_numbers.iter())
        .map(|numbers| {
            let (column, group) = (name(numbers.column), name(numbers.group));
            format!("{column} from 1 within each {group} value")
        })
        .collect()
}

fn table_inspection(plan: &TablePlan, trained: &TrainedTable) -> TableInspection {
    TableInspection {
        name: trained.name.clone(),
        training_rows: trained.real_rows,
        primary_key: trained.primary_key.clone(),
        generation: plan.generation.to_string(),
        order_by: trained
            .order_by
            .and_then(|index| trained.columns.get(index))
            .map(|column| column.name.clone()),
        columns: trained
            .columns
            .iter()
            .map(|c| ColumnSummary::new(&c.name, c.kind, &c.format))
            .collect(),
        model_bytes: modelfile::encoded_size(trained),
        rules: trained
            .rules
            .iter()
            .map(dxsynth::rules::RuleSummary::of)
            .collect(),
        kept: trained.kept.as_ref().map(|kept| kept.reason.clone()),
        row_order: trained.row_order.as_ref().map(|order| order.to_string()),
        dialect: super::CsvDialect::of(&trained.dialect, &trained.header),
        key_rules: (trained.assigned.iter().flat_map(key_rules))
            .chain(shared_keys(trained))
            .collect(),
        numbered: numbered(trained),
        distinct: distinct_ids(trained),
        carried: carried(trained),
        semantic: trained
            .semantic
            .as_ref()
            .map(|semantic| {
                let key_texts = semantic.key_texts();
                let titled = semantic.titled_texts();
                let phrases = semantic.phrases();
                trained
                    .columns
                    .iter()
                    .zip(&semantic.types)
                    .enumerate()
                    .filter_map(|(index, (column, kind))| {
                        match key_texts.iter().find(|(at, _)| *at == index) {
                            Some((_, text)) => Some(format!(
                                "{} from the key ({})",
                                column.name,
                                text.describe()
                            )),
                            None if titled.contains(&index) => Some(format!(
                                "{} {kind} of names (rare ones drawn as common towns and surnames)",
                                column.name
                            )),
                            None if phrases.contains(&index) => Some(format!(
                                "{} fresh labels as phrases of its words",
                                column.name
                            )),
                            None => (*kind != dxsynth::schema::SemanticType::None)
                                .then(|| format!("{} {kind}", column.name)),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}
