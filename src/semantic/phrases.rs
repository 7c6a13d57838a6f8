//! The fresh labels of a categorical column whose rare labels are phrases of common words
//! (course titles: `Principles of Computer Networks`, each title once, nearly every word in
//! many titles). The table model writes a fresh label for a rare one drawn in such a column
//! (`model::marginal`, where [`FRESH_SHARE`] of the rows hold rare labels) in the shape of an
//! id: letter pairs, `Bipeaboric ic Eunatem Fortryst`. The model layer cannot reach the word
//! model (`semantic::text`, a layer above it), so the step that fills a table's semantic
//! columns rewrites those fresh labels with the word model trained on the rare labels: the
//! same privacy threshold, never a rare real label, distinct where the real labels are.
//! Labels of codes (`AB-1234`, TPC-DS's formulations) are not phrases and keep their shape.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::text::WordModel;
use crate::data::Column;
use crate::model::marginal::FRESH_SHARE;
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;
use crate::stats::{FastMap, FastSet};

/// The fewest words a rare label must have on average for the rare labels to be phrases: a
/// label of one word is a name or a code, whose shape the id model keeps.
const PHRASE_WORDS: f64 = 2.0;

/// The share of the rare labels' words (counted in their rows) that must be frequent words of
/// the column (seen in at least the privacy threshold of rows): most of a phrase's words are.
const FREQUENT_WORDS: f64 = 0.5;

/// The largest share of the rare labels' words that may be rare and hold a digit: those are a
/// code's parts (`Order 48213`), which a word model would drop.
const CODED_WORDS: f64 = 0.1;

/// The fresh labels of a column of phrases: the word model of its rare labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phrases {
    words: Box<WordModel>,
    /// Whether every real label was distinct (a fresh label an earlier row holds is then
    /// drawn again, see `fill::Uniques`).
    distinct: bool,
}

impl Phrases {
    /// The phrase model of a categorical `column` whose rare labels (seen in fewer than
    /// `min_count` rows) are written afresh by the table model ([`FRESH_SHARE`] of its rows)
    /// and are phrases of frequent words ([`is_phrases`]); `None` for any other column.
    pub fn learn(column: &Column, min_count: usize) -> Option<Phrases> {
        if column.kind != ColumnKind::Categorical || min_count < 2 {
            return None;
        }
        let labels: Vec<&str> = column.labels().collect();
        let mut counts: FastMap<&str, usize> = FastMap::default();
        for label in &labels {
            *counts.entry(label).or_default() += 1;
        }
        let rare: Vec<&str> = (labels.iter().copied())
            .filter(|label| counts[label] < min_count)
            .collect();
        let fresh = rare.len() as f64 >= FRESH_SHARE * labels.len() as f64;
        if rare.is_empty() || !fresh || !is_phrases(&labels, &rare, min_count) {
            return None;
        }
        Some(Phrases {
            words: Box::new(WordModel::train(rare.iter().copied(), min_count)?),
            distinct: counts.len() == labels.len(),
        })
    }

    /// A fresh label (never a rare real one); `None` when every draw replayed one.
    pub fn sample(&self, rng: &mut SynthRng) -> Option<Arc<str>> {
        self.words.sample(rng)
    }

    /// Whether every real label was distinct.
    pub fn distinct(&self) -> bool {
        self.distinct
    }

    /// Whether a model read from a file can be drawn from.
    pub fn check(&self) -> Result<(), String> {
        self.words.check()
    }
}

/// Whether the `rare` labels among a column's `labels` are phrases: [`PHRASE_WORDS`] words
/// each on average, at least [`FREQUENT_WORDS`] of them frequent in `labels` (in `min_count`
/// rows), at most [`CODED_WORDS`] of them rare words with a digit.
fn is_phrases(labels: &[&str], rare: &[&str], min_count: usize) -> bool {
    let mut rows: FastMap<&str, usize> = FastMap::default();
    for label in labels {
        let words: FastSet<&str> = label.split_whitespace().collect();
        for word in words {
            *rows.entry(word).or_default() += 1;
        }
    }
    let (mut words, mut frequent, mut coded) = (0usize, 0usize, 0usize);
    for word in rare.iter().flat_map(|label| label.split_whitespace()) {
        words += 1;
        if rows.get(word).is_some_and(|&n| n >= min_count) {
            frequent += 1;
        } else if word.chars().any(|c| c.is_ascii_digit()) {
            coded += 1;
        }
    }
    let words_f = words as f64;
    words_f >= PHRASE_WORDS * rare.len() as f64
        && frequent as f64 >= FREQUENT_WORDS * words_f
        && (coded as f64) <= CODED_WORDS * words_f
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::data::{Value, ValueFormat};
    use crate::sampling::rng_for;

    fn column(labels: &[String]) -> Column {
        Column {
            name: "title".into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: labels
                .iter()
                .map(|l| Value::Label(Arc::from(l.as_str())))
                .collect(),
        }
    }

    /// 120 distinct titles, each a form and a subject of two words (half of those there are),
    /// every word in 12 or more.
    pub(in crate::semantic) fn titles() -> Vec<String> {
        let forms = ["Principles of", "Topics in", "Advanced", "Introduction to"];
        let first = [
            "Computer", "Machine", "Organic", "Modern", "Applied", "Labor",
        ];
        let second = [
            "Networks",
            "Design",
            "Chemistry",
            "History",
            "Physics",
            "Economics",
            "Art",
            "Ethics",
            "Music",
            "Law",
        ];
        let mut titles = Vec::new();
        for (i, form) in forms.iter().enumerate() {
            for (j, a) in first.iter().enumerate() {
                for (l, b) in second.iter().enumerate() {
                    if (i + j + l) % 2 == 0 {
                        titles.push(format!("{form} {a} {b}"));
                    }
                }
            }
        }
        titles
    }

    #[test]
    fn rare_phrases_of_frequent_words_come_out_as_fresh_phrases_of_those_words() {
        let real = titles();
        let phrases = Phrases::learn(&column(&real), 5).expect("phrases");
        assert!(phrases.distinct());
        let words: FastSet<&str> = real.iter().flat_map(|t| t.split_whitespace()).collect();
        let mut rng = rng_for(1, "title");
        for _ in 0..200 {
            let drawn = phrases.sample(&mut rng).expect("a phrase");
            assert!(!real.contains(&drawn.to_string()), "replayed {drawn}");
            assert!(drawn.split(' ').count() >= 2, "{drawn}");
            assert!(drawn.split(' ').all(|w| words.contains(w)), "{drawn}");
        }
    }

    #[test]
    fn codes_and_names_are_not_phrases() {
        let codes: Vec<String> = (0..300).map(|i| format!("AB-{:04}", i * 7)).collect();
        assert!(Phrases::learn(&column(&codes), 5).is_none());
        let orders: Vec<String> = (0..300).map(|i| format!("Order {}", 1000 + i)).collect();
        assert!(Phrases::learn(&column(&orders), 5).is_none());
        let words: Vec<String> = (0..300).map(|i| format!("w{i}x")).collect();
        assert!(Phrases::learn(&column(&words), 5).is_none());
    }

    #[test]
    fn a_column_mostly_of_frequent_labels_is_left_to_the_table_model() {
        let mut labels = titles();
        labels.extend((0..20).map(|i| ["Red Car", "Blue Van"][i % 2].to_string()));
        assert!(Phrases::learn(&column(&labels), 5).is_none());
    }
}
