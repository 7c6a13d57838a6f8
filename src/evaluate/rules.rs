//! Rule adherence: for every rule the real rows obey (found as training finds them, changed by
//! the schema's `rules:` section), the share of synthetic rows that obey it too. A copy that
//! breaks the real data's CHECK constraints is rejected on load, whatever its other scores.

use rayon::prelude::*;
use serde::Serialize;

use super::paired::{Paired, PairedTable};
use crate::data::Table;
use crate::model::Privacy;
use crate::plan::Generation;
use crate::rules::measure::measure;
use crate::rules::{Frame, ParentFrame, Rule, keyed_rules, table_rules};
use crate::stats;

/// Adherence to every rule of the real data, worst first.
#[derive(Debug, Clone, Serialize)]
pub struct RuleAdherence {
    /// The mean synthetic share over the rules (`None` without rules).
    pub score: Option<f64>,
    /// One row per rule, worst synthetic share first.
    pub rows: Vec<RuleScore>,
}

/// One rule, measured on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct RuleScore {
    /// The table.
    pub table: String,
    /// The rule, in the schema's rule language.
    pub rule: String,
    /// Its class.
    pub class: &'static str,
    /// Real rows with every value the rule reads.
    pub real_rows: usize,
    /// Share of them obeying it.
    pub real: Option<f64>,
    /// Synthetic rows with every value the rule reads.
    pub synthetic_rows: usize,
    /// Share of them obeying it.
    pub synthetic: Option<f64>,
}

/// Finds the rules of every real table and measures them on the synthetic one.
pub fn assess(paired: &Paired) -> RuleAdherence {
    let mut rows: Vec<RuleScore> = paired
        .tables
        .par_iter()
        .flat_map_iter(|table| table_scores(paired, table))
        .collect();
    rows.sort_by(|a, b| {
        let key = |row: &RuleScore| row.synthetic.unwrap_or(0.0);
        key(a)
            .total_cmp(&key(b))
            .then_with(|| a.table.cmp(&b.table))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    RuleAdherence {
        score: stats::mean(rows.iter().filter_map(|row| row.synthetic)),
        rows,
    }
}

fn table_scores(paired: &Paired, table: &PairedTable) -> Vec<RuleScore> {
    let sequence = match &table.generation {
        Generation::Sequential { key } => paired
            .link(&table.name, &key.column)
            .zip(paired.table(&key.parent)),
        _ => None,
    };
    let real = frame(
        &table.real,
        sequence.map(|(link, parent)| (&parent.real, link.real_parent_of_row.as_slice())),
    );
    let synthetic = frame(
        &table.synthetic,
        sequence.map(|(link, parent)| (&parent.synthetic, link.synthetic_parent_of_row.as_slice())),
    );
    let min_count = Privacy::default().threshold(table.real.rows());
    let own = table_rules(&table.def, &real, min_count);
    let keyed = keyed_rules(&table.def, &key_frames(paired, table, true), &own);
    let synthetic_keys = key_frames(paired, table, false);
    let synthetic_frame = |rule: &Rule| match rule.kind.key() {
        Some(key) => synthetic_keys
            .iter()
            .find(|(column, _)| *column == key)
            .map(|(_, frame)| *frame),
        None => Some(synthetic),
    };
    own.into_iter()
        .chain(keyed)
        .map(|rule| {
            let measured = synthetic_frame(&rule)
                .and_then(|frame| measure(&rule.kind, &frame))
                .unwrap_or_default();
            RuleScore {
                table: table.name.clone(),
                rule: rule.to_string(),
                class: rule.class(),
                real_rows: rule.support,
                real: rule.real_share(),
                synthetic_rows: measured.support,
                synthetic: measured.share(),
            }
        })
        .collect()
}

/// The table (real or synthetic) with the rows each of its foreign keys points at, by key
/// column, for the rules across a key.
fn key_frames<'a>(
    paired: &'a Paired,
    table: &'a PairedTable,
    real: bool,
) -> Vec<(&'a str, Frame<'a>)> {
    paired
        .links
        .iter()
        .filter(|link| link.child == table.name)
        .filter_map(|link| {
            let parent = paired.table(&link.parent)?;
            let frame = if real {
                frame(&table.real, Some((&parent.real, &link.real_parent_of_row)))
            } else {
                frame(
                    &table.synthetic,
                    Some((&parent.synthetic, &link.synthetic_parent_of_row)),
                )
            };
            Some((link.column.as_str(), frame))
        })
        .collect()
}

/// A table and its parent as rules see them.
fn frame<'a>(side: &'a Table, parent: Option<(&'a Table, &'a [Option<usize>])>) -> Frame<'a> {
    Frame {
        columns: &side.columns,
        rows: side.rows(),
        parent: parent.map(|(parent, row_of)| ParentFrame {
            table: &parent.name,
            columns: &parent.columns,
            row_of,
            grand: &[],
        }),
    }
}
