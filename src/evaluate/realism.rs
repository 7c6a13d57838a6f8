//! Realism of text and personal columns: whether synthetic values read like real ones, and
//! whether real values reappear.
//!
//! Per string column with a semantic type (names, e-mails, phones, addresses, labels, text):
//! - *replayed*: synthetic rows whose value is a real value seen fewer than 5 times (a unique
//!   real e-mail or name coming back), and rows whose value is any real value;
//! - *realism*: for multi-word values, the share of synthetic adjacent word pairs that occur in
//!   real text (word salad scores low); for single tokens, the share of synthetic character
//!   trigrams seen in real values; for e-mails and phones, the share of valid values instead.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::paired::{Paired, PairedTable};
use crate::data::{Column, Value};
use crate::schema::SemanticType;
use crate::semantic::detect::{TableContext, detect, is_email, is_phone};
use crate::semantic::text::bigram_share;

/// Real values seen fewer times than this count as rare: their reappearance is a replay.
pub const RARE: usize = 5;

/// Realism of one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnRealism {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Its semantic type.
    pub semantic: String,
    /// How realism is measured: `word pairs`, `char trigrams` or `valid format`.
    pub measure: &'static str,
    /// The realism score in [0, 1].
    pub realism: Option<f64>,
    /// Synthetic rows whose value is a real value seen fewer than [`RARE`] times.
    pub rare_replayed: usize,
    /// Synthetic rows whose value is any real value.
    pub replayed: usize,
    /// Synthetic rows with a value.
    pub rows: usize,
}

/// Realism of every semantic string column.
pub fn assess(paired: &Paired) -> Vec<ColumnRealism> {
    let referenced: HashSet<&str> = paired.links.iter().map(|l| l.parent.as_str()).collect();
    paired
        .tables
        .iter()
        .flat_map(|table| table_realism(table, referenced.contains(table.name.as_str())))
        .collect()
}

fn table_realism(table: &PairedTable, referenced: bool) -> Vec<ColumnRealism> {
    let context = TableContext {
        table: &table.name,
        referenced,
        rows: table.real.rows(),
    };
    table
        .real
        .columns
        .iter()
        .filter_map(|real| {
            let semantic = table
                .def
                .columns
                .get(&real.name)
                .and_then(|over| over.semantic())
                .unwrap_or_else(|| detect(context, real));
            if semantic == SemanticType::None || semantic == SemanticType::Country {
                return None;
            }
            let synthetic = table.synthetic.column(&real.name)?;
            Some(column_realism(&table.name, semantic, real, synthetic))
        })
        .collect()
}

/// The measures of one column.
pub fn column_realism(
    table: &str,
    semantic: SemanticType,
    real: &Column,
    synthetic: &Column,
) -> ColumnRealism {
    let real_values: Vec<&str> = labels(real).collect();
    let synthetic_values: Vec<&str> = labels(synthetic).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for value in &real_values {
        *counts.entry(value).or_default() += 1;
    }
    let replayed = synthetic_values
        .iter()
        .filter(|v| counts.contains_key(*v))
        .count();
    let rare_replayed = synthetic_values
        .iter()
        .filter(|v| counts.get(*v).is_some_and(|&n| n < RARE))
        .count();
    let (measure, realism) = realism(semantic, &real_values, &synthetic_values);
    ColumnRealism {
        table: table.to_string(),
        column: real.name.clone(),
        semantic: semantic.to_string(),
        measure,
        realism,
        rare_replayed,
        replayed,
        rows: synthetic_values.len(),
    }
}

fn realism(
    semantic: SemanticType,
    real: &[&str],
    synthetic: &[&str],
) -> (&'static str, Option<f64>) {
    let valid = |test: fn(&str) -> bool| {
        let share = synthetic.iter().filter(|v| test(v)).count() as f64;
        (!synthetic.is_empty()).then(|| share / synthetic.len() as f64)
    };
    match semantic {
        SemanticType::Email => ("valid format", valid(is_email)),
        SemanticType::Phone => ("valid format", valid(is_phone)),
        _ => {
            let words = real
                .iter()
                .map(|v| v.split_whitespace().count())
                .sum::<usize>() as f64
                / real.len().max(1) as f64;
            if words >= 1.5 {
                let share = bigram_share(real.iter().copied(), synthetic.iter().copied());
                ("word pairs", share)
            } else {
                ("char trigrams", trigram_share(real, synthetic))
            }
        }
    }
}

/// The share of synthetic character trigrams (of lower-cased values) seen in real values.
pub fn trigram_share(real: &[&str], synthetic: &[&str]) -> Option<f64> {
    fn trigrams(text: &str) -> Vec<[char; 3]> {
        let chars: Vec<char> = format!(" {} ", text.to_lowercase()).chars().collect();
        chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
    }
    let known: HashSet<[char; 3]> = real.iter().flat_map(|v| trigrams(v)).collect();
    let (mut seen, mut total) = (0usize, 0usize);
    for gram in synthetic.iter().flat_map(|v| trigrams(v)) {
        total += 1;
        seen += usize::from(known.contains(&gram));
    }
    (total > 0).then(|| seen as f64 / total as f64)
}

fn labels(column: &Column) -> impl Iterator<Item = &str> {
    column.values.iter().filter_map(|value| match value {
        Value::Label(text) if !text.is_empty() => Some(text.as_ref()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::ValueFormat;
    use crate::schema::ColumnKind;

    fn column(values: &[String]) -> Column {
        Column {
            name: "title".into(),
            kind: ColumnKind::Text,
            format: ValueFormat::Verbatim,
            values: values
                .iter()
                .map(|v| Value::Label(Arc::from(v.as_str())))
                .collect(),
        }
    }

    #[test]
    fn word_salad_fails_and_replays_are_counted() {
        let adjectives = ["Great", "Silent", "Dark", "Little", "Golden"];
        let nouns = ["River", "House", "Night", "Road", "Garden"];
        let real: Vec<String> = adjectives
            .iter()
            .flat_map(|a| nouns.iter().map(move |n| format!("The {a} {n} of Time")))
            .collect();
        let natural: Vec<String> = adjectives
            .iter()
            .map(|a| format!("The {a} Road of Time"))
            .chain([real[0].clone()])
            .collect();
        let salad: Vec<String> = (0..25)
            .map(|i| format!("{} Time The {} of", nouns[i % 5], adjectives[(i / 5) % 5]))
            .collect();
        let score = |synthetic: &[String]| {
            column_realism("t", SemanticType::Text, &column(&real), &column(synthetic))
        };
        let good = score(&natural);
        assert!(good.realism.unwrap() > 0.9, "{good:?}");
        assert_eq!(
            (good.replayed, good.rare_replayed),
            (6, 6),
            "The Great Road.. are real too"
        );
        let bad = score(&salad);
        assert!(bad.realism.unwrap() < 0.5, "{bad:?}");
        assert_eq!(bad.replayed, 0);
    }
}
