//! The rules `init` writes into the schema it infers: every rule found in all rows of a table
//! (found as training finds them: in the sample a large table is learned from), as comments,
//! so a reviewer sees what generation will keep and can switch a coincidence off.

use std::fmt::Write as _;

use super::inferred::{Generation, Inferred};
use crate::data::Table;
use crate::keys::parent_index;
use crate::model::Privacy;
use crate::plan::{Generation as Plan, TablePlan};
use crate::rules::{Frame, ParentFrame, Rule, RuleKind, keyed_rules, table_rules};
use crate::validated::Validated;

/// `text` (the rendered schema) with, after each table's `path:` line, its rules as comments.
pub fn annotate(text: &str, input: &Validated) -> String {
    let mut out = String::with_capacity(text.len());
    let mut table: Option<String> = None;
    // A kept table's rows are the real ones: training looks for no rules in it.
    let kept = crate::semantic::keep::decide(&input.schema, &input.tables);
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
            && !name.starts_with('#')
        {
            table = Some(name.trim_matches('"').to_string());
        } else if line.starts_with("    path: ")
            && let Some(name) = table.take()
            && !kept.contains_key(&name)
        {
            let sampled = input.sampled.contains_key(&name);
            out.push_str(&comments(&confident(input, &name), sampled));
        }
    }
    out
}

/// The rules of a table that hold in every real row.
fn confident(input: &Validated, name: &str) -> Vec<Rule> {
    let mut rules = real_rules(input, name);
    rules.retain(|rule| rule.holding == rule.support);
    rules
}

/// The rules of a real table as training finds them (also what `validate` lists): its own,
/// then its products across a key.
pub fn real_rules(input: &Validated, name: &str) -> Vec<Rule> {
    let (Some(table), Some(def), Some(plan)) = (
        input.tables.get(name),
        input.schema.table(name),
        input.plan.table(name),
    ) else {
        return Vec::new();
    };
    let keys = key_rows(input, table, plan);
    let frame_with = |key| frame_of(table, key);
    let sequence = match &plan.generation {
        Plan::Sequential { key } => keys.iter().find(|(column, ..)| *column == key.column),
        _ => None,
    };
    let min_count = Privacy::default().threshold(table.rows());
    let mut rules = table_rules(def, &frame_with(sequence), min_count);
    let frames: Vec<(&str, Frame<'_>)> = keys
        .iter()
        .map(|key| (key.0.as_str(), frame_with(Some(key))))
        .collect();
    let keyed = keyed_rules(def, &frames, &rules);
    rules.extend(keyed);
    rules
}

/// A key's parent and the parent row of each row.
type KeyRows<'a> = (String, &'a Table, Vec<Option<usize>>);

/// Every key's parent and the parent row of each row of `table`.
fn key_rows<'a>(input: &'a Validated, table: &Table, plan: &TablePlan) -> Vec<KeyRows<'a>> {
    plan.relationships()
        .into_iter()
        .filter_map(|relationship| {
            let parent = input.tables.get(&relationship.parent)?;
            let pk = input
                .schema
                .table(&relationship.parent)?
                .primary_key
                .as_deref()?;
            let child = table.keys.get(&relationship.foreign_key)?;
            let row_of = parent_index(child.iter(), parent.keys.get(pk)?.iter());
            Some((relationship.foreign_key, parent, row_of))
        })
        .collect()
}

/// Makes sequential each table generated independently whose rows keep to their only parent's
/// row in every real row (an order or difference between a column of theirs and one of the
/// parent's): a key assigned after the rows are drawn knows nothing of such a rule, and one
/// synthetic house viewing in seven came before its house was listed. Whether any table
/// changed.
pub fn tie_to_parents(inferred: &mut Inferred, input: &Validated) -> bool {
    let mut changed = false;
    for table in &mut inferred.tables {
        let (Generation::Independent { .. }, [key]) =
            (&table.generation, table.foreign_keys.as_slice())
        else {
            continue;
        };
        let Some(rule) = parent_rule(input, &table.name, &key.column) else {
            continue;
        };
        table.generation = Generation::Sequential {
            by: None,
            why: format!(
                "One sequence per `{}` row: every row keeps to its `{}` row (`{rule}` in all {} \
                 rows), which `{}` assigned after the rows are drawn would break.",
                key.parent, key.parent, rule.support, key.column
            ),
        };
        changed = true;
    }
    changed
}

/// An order or difference between a column of `name` and one of the parent `key` points at,
/// holding in every real row.
fn parent_rule(input: &Validated, name: &str, key: &str) -> Option<Rule> {
    let (table, def, plan) = (
        input.tables.get(name)?,
        input.schema.table(name)?,
        input.plan.table(name)?,
    );
    let keys = key_rows(input, table, plan);
    let key = keys.iter().find(|(column, ..)| column == key)?;
    let min_count = Privacy::default().threshold(table.rows());
    let rules = table_rules(def, &frame_of(table, Some(key)), min_count);
    rules.into_iter().find(|rule| {
        let columns = rule.kind.columns();
        let across =
            columns.iter().any(|c| c.own().is_none()) && columns.iter().any(|c| c.own().is_some());
        let ordered = matches!(
            rule.kind,
            RuleKind::Order { .. } | RuleKind::Difference { .. }
        );
        across && ordered && rule.holding == rule.support
    })
}

/// `table` as rules see it, with the rows `key` points at.
fn frame_of<'a>(table: &'a Table, key: Option<&'a KeyRows<'a>>) -> Frame<'a> {
    Frame {
        columns: &table.columns,
        rows: table.rows(),
        parent: key.map(|(_, parent, row_of)| ParentFrame {
            table: &parent.name,
            columns: &parent.columns,
            row_of,
            grand: &[],
        }),
    }
}

/// The rules as comments; `sampled`: found in the sample a large table is learned from.
fn comments(rules: &[Rule], sampled: bool) -> String {
    if rules.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "    # Rules every row obeys, found in the data and kept at generation (a coincidence\n    \
         # can be switched off: rules: {off: [\"<rule>\"]}):\n",
    );
    let of = if sampled {
        " of the training sample"
    } else {
        ""
    };
    for rule in rules {
        let _ = writeln!(
            text,
            "    #   {}  ({}; all {} rows{of})",
            rule,
            rule.class(),
            rule.support
        );
    }
    text
}
