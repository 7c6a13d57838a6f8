//! Full names that repeat no more often than the real ones. A first and a last name drawn each
//! from a short list of common names made the same person twice far more often than real rows
//! do: a hotel's 2,000 guests held 12 rows under a name another guest had,
//! a synthetic copy 69 and 60 (seeds 1 and 2). What is learned is one share (the real rows whose
//! (first, last) pair an earlier row had); no name is kept. The table's rows, in order, hold a
//! pair again only while their repeats stay within that share of them; past it, the later of
//! the two names is drawn again, and the row's e-mail with it.

use serde::{Deserialize, Serialize};

use crate::data::{Table, Value};
use crate::model::marginal::text_hash;
use crate::schema::SemanticType;
use crate::stats::FastSet;

/// Draws of the later name of a row before a repeated full name is kept anyway.
pub const PAIR_REDRAWS: usize = 6;

/// A table's first- and last-name columns and how often a real row's full name repeats an
/// earlier row's. Since format 78.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FullNames {
    /// The first-name column.
    pub first: usize,
    /// The last-name column.
    pub last: usize,
    /// The share of real rows with both names whose pair an earlier row had.
    pub repeat_share: f64,
}

impl FullNames {
    /// The pair of name columns of a table (one first-name and one last-name column) with the
    /// share of its real rows that repeat an earlier row's full name; `None` without such a
    /// pair or without a row that has both names.
    pub fn learn(table: &Table, types: &[SemanticType]) -> Option<FullNames> {
        let only = |kind: SemanticType| {
            let mut at = types.iter().enumerate().filter(|(_, t)| **t == kind);
            match (at.next(), at.next()) {
                (Some((index, _)), None) => Some(index),
                _ => None,
            }
        };
        let (first, last) = (
            only(SemanticType::FirstName)?,
            only(SemanticType::LastName)?,
        );
        let pairs = table.columns[first]
            .values
            .iter()
            .zip(&table.columns[last].values);
        let (mut seen, mut rows, mut repeats) = (FastSet::default(), 0usize, 0usize);
        for pair in pairs {
            if let (Value::Label(given), Value::Label(family)) = pair {
                rows += 1;
                repeats += usize::from(!seen.insert(pair_hash(given, family)));
            }
        }
        (rows > 0).then(|| FullNames {
            first,
            last,
            repeat_share: repeats as f64 / rows as f64,
        })
    }

    /// The column drawn second of the two (columns are drawn in table order): where a repeat
    /// is found and drawn again.
    pub fn later(&self) -> usize {
        self.first.max(self.last)
    }

    /// Whether a model file's pair fits a table of `columns` columns.
    pub fn check(&self, columns: usize) -> bool {
        self.first < columns
            && self.last < columns
            && self.first != self.last
            && (0.0..=1.0).contains(&self.repeat_share)
    }
}

/// The hash a full name is remembered by (and its redraws' stream is seeded with).
pub fn pair_hash(first: &str, last: &str) -> u64 {
    text_hash(&format!("{first}\u{1f}{last}"))
}

/// The full names a table holds so far (by their hashes) and how many of its rows repeated
/// one: filled row by row over every part, so what it holds is the same whatever the threads.
#[derive(Debug, Default)]
pub struct Pairs {
    seen: FastSet<u64>,
    rows: usize,
    repeats: usize,
}

impl Pairs {
    /// Whether the table may hold the row's full name: a new one always; one it holds while
    /// one more repeat keeps its repeats within `share` of its rows (this row counted).
    pub fn admits(&self, first: &str, last: &str, share: f64) -> bool {
        !self.seen.contains(&pair_hash(first, last))
            || (self.repeats + 1) as f64 <= share * (self.rows + 1) as f64
    }

    /// Counts the row's full name as held by the table.
    pub fn hold(&mut self, first: &str, last: &str) {
        self.rows += 1;
        self.repeats += usize::from(!self.seen.insert(pair_hash(first, last)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_repeats_a_full_name_only_within_the_real_share() {
        let mut pairs = Pairs::default();
        assert!(pairs.admits("Ann", "Lee", 0.0));
        pairs.hold("Ann", "Lee");
        assert!(!pairs.admits("Ann", "Lee", 0.0));
        assert!(pairs.admits("Ann", "Lim", 0.0));
        // Half the rows may repeat: the second row may, the third (2 of 3) may not.
        assert!(pairs.admits("Ann", "Lee", 0.5));
        pairs.hold("Ann", "Lee");
        assert!(!pairs.admits("Ann", "Lee", 0.5));
    }
}
