//! The rules `init` writes into the schema it infers: every rule found in all rows of a table
//! (found as training finds them: in the sample a large table is learned from), as comments,
//! so a reviewer sees what generation will keep and can switch a coincidence off.

use std::fmt::Write as _;

use crate::data::Table;
use crate::keys::parent_index;
use crate::model::Privacy;
use crate::plan::Generation;
use crate::rules::{Frame, ParentFrame, Rule, keyed_rules, table_rules};
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
    // Every key's parent and the parent row of each row: the sequence key first.
    let keys: Vec<KeyRows<'_>> = plan
        .relationships()
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
        .collect();
    let frame_with = |key| frame_of(table, key);
    let sequence = match &plan.generation {
        Generation::Sequential { key } => keys.iter().find(|(column, ..)| *column == key.column),
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

/// `table` as rules see it, with the rows `key` points at.
fn frame_of<'a>(table: &'a Table, key: Option<&'a KeyRows<'a>>) -> Frame<'a> {
    Frame {
        columns: &table.columns,
        rows: table.rows(),
        parent: key.map(|(_, parent, row_of)| ParentFrame {
            table: &parent.name,
            columns: &parent.columns,
            row_of,
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
