//! The words of the comments: why a key was chosen, or why a candidate was left out.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::inferred::Confidence;
use super::links::Link;
use super::names::primary_key_evidence;
use super::profile::{ColumnRef, TableProfile};

/// `table.column`, as the comments name a column.
pub(super) fn column_label(tables: &[TableProfile], (table, column): ColumnRef) -> String {
    format!(
        "{}.{}",
        tables[table].name, tables[table].columns[column].name
    )
}

/// Why a column is the primary key: uniqueness, name, references, position, and the other
/// unique columns that lost.
pub(super) fn primary_key_reasons(
    profile: &TableProfile,
    (column, name_score): (usize, f64),
    referenced: &[String],
    candidates: &[usize],
) -> String {
    let names = &profile.columns[column].names;
    let mut why = format!("unique and never empty in {} rows", profile.rows);
    let (_, name_reason) = primary_key_evidence(names, &profile.name);
    if name_score > 0.0 && !name_reason.is_empty() {
        let _ = write!(why, "; {name_reason}");
    }
    if !referenced.is_empty() {
        let _ = write!(why, "; referenced by {}", list(referenced, 4));
    }
    if column == 0 {
        why.push_str("; first column");
    }
    let others: Vec<String> = candidates
        .iter()
        .filter(|&&other| other != column)
        .map(|&other| profile.columns[other].name.to_string())
        .collect();
    if !others.is_empty() {
        let _ = write!(
            why,
            ". Also unique, but less key-like: {}",
            list(&others, 4)
        );
    }
    why
}

/// "a, b, c and 2 more".
pub(super) fn list(items: &[String], at_most: usize) -> String {
    if items.len() <= at_most {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..at_most].join(", "),
        items.len() - at_most
    )
}

/// The note for a column that looks like a reference to its own table, which dxsynth cannot
/// generate.
pub(super) fn self_reference(tables: &[TableProfile], link: &Link) -> String {
    format!(
        "`{}` looks like a reference to this table's own key `{}` ({} confidence: {}); \
         self-references are not supported, so it is left out and generated as an ordinary column",
        tables[link.child.0].columns[link.child.1].name,
        tables[link.parent.0].columns[link.parent.1].name,
        link.verdict().unwrap_or(Confidence::Low),
        evidence(tables, link)
    )
}

/// `` `parent.key` `` of a link.
pub(super) fn target(tables: &[TableProfile], link: &Link) -> String {
    format!(
        "`{}.{}`",
        tables[link.parent.0].name, tables[link.parent.0].columns[link.parent.1].name
    )
}

/// The evidence for a link, in words.
pub(super) fn evidence(tables: &[TableProfile], link: &Link) -> String {
    let mut parts = Vec::new();
    if link.name.strength > 0.0 {
        parts.push(link.name.reason.clone());
    } else {
        parts.push("the names differ".to_string());
    }
    parts.push(format!(
        "{} {} ({}) {} of {}",
        link.distinct,
        if link.distinct == 1 {
            "distinct value"
        } else {
            "distinct values"
        },
        examples_text(link),
        if link.distinct == 1 {
            "is a key"
        } else {
            "are all keys"
        },
        target(tables, link)
    ));
    parts.push(format!(
        "covering {} of its {} keys",
        link.distinct, link.parent_keys
    ));
    parts.push(odds(link));
    if !link.types_agree {
        parts.push("but the types differ (integers against labels)".into());
    }
    parts.join("; ")
}

/// "EWR, JFK, LGA" or "1, 2, 3, ..." when there are more.
fn examples_text(link: &Link) -> String {
    let mut text = link.examples.join(", ");
    if link.distinct > link.examples.len() {
        text.push_str(", ...");
    }
    text
}

/// The chance of the containment by accident, in words.
fn odds(link: &Link) -> String {
    let bits = link.bits;
    if bits < 1.0 && link.integers {
        "every integer in their range is a key there, so the values alone prove nothing".into()
    } else if bits < 1.0 {
        "values this short are keys there by chance, so the values alone prove little".into()
    } else if bits >= 40.0 {
        "practically impossible by chance".into()
    } else {
        let one_in = 2f64.powf(bits).round();
        format!(
            "chance of that by accident about 1 in {}",
            thousands(one_in as u64)
        )
    }
}

/// 33000 -> "33,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Adds the other tables whose keys also hold the values, so a reviewer sees the runners-up.
pub(super) fn with_alternatives(mut why: String, others: &[String]) -> String {
    if !others.is_empty() {
        let _ = write!(
            why,
            ". Also contained in the key of {} (weaker evidence)",
            list(&dedup(others), 4)
        );
    }
    why
}

/// The items without repeats, in their first order.
fn dedup(items: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    items
        .iter()
        .filter(|item| seen.insert(item.as_str()))
        .cloned()
        .collect()
}

/// The note for a column whose values are all keys of a table but whose evidence is too weak:
/// what matched, why it is not enough, and how to add it anyway.
pub(super) fn rejected(tables: &[TableProfile], best: &Link, others: &[String]) -> String {
    let column = tables[best.child.0].columns[best.child.1].name;
    let parent = &tables[best.parent.0].name;
    let mut note = format!(
        "`{column}` is not a foreign key, although its {} ({}) {} of {}",
        if best.distinct == 1 {
            "value".to_string()
        } else {
            format!("{} distinct values", best.distinct)
        },
        examples_text(best),
        if best.distinct == 1 {
            "is a key"
        } else {
            "are all keys"
        },
        target(tables, best)
    );
    let others = dedup(others);
    if !others.is_empty() {
        let _ = write!(note, " (and of {})", list(&others, 4));
    }
    let mut reasons = vec![odds(best)];
    reasons.push(if best.name.strength > 0.0 {
        format!(
            "the name only weakly points to `{parent}` ({})",
            best.name.reason
        )
    } else {
        format!("the name does not point to `{parent}`")
    });
    if best.coverage() < 0.5 {
        reasons.push(format!(
            "it uses only {} of the {} keys",
            best.distinct, best.parent_keys
        ));
    }
    let _ = write!(
        note,
        ": {}. If it is one, add `{column}: {parent}` under foreign_keys",
        reasons.join("; ")
    );
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(33000), "33,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
