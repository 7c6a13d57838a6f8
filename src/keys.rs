//! Keys: linking real child rows to their parents, and giving synthetic rows valid keys.
//!
//! Primary keys are never learned: the output numbers rows 1..N. A sequence foreign key is set by
//! construction (each child row belongs to the synthetic parent it was generated for). Every
//! other foreign key is *assigned*: each synthetic parent gets a capacity drawn from the real
//! children-per-parent distribution and child rows fill those capacities, so the shape of that
//! distribution (how many parents have none, how many have hundreds) survives, and every key
//! points at a synthetic parent that exists.

use std::collections::HashMap;

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::sampling::{SynthRng, stratified};

/// For each child key, the index of the parent row holding that key (`None` for an empty key).
/// Validation guarantees every non-empty key exists in the parent.
pub fn parent_index(
    child_keys: &[Option<String>],
    parent_keys: &[Option<String>],
) -> Vec<Option<usize>> {
    let position: HashMap<&str, usize> = parent_keys
        .iter()
        .enumerate()
        .filter_map(|(row, key)| key.as_deref().map(|key| (key, row)))
        .collect();
    child_keys
        .iter()
        .map(|key| key.as_deref().and_then(|key| position.get(key).copied()))
        .collect()
}

/// The real distribution of one assigned foreign key: children per parent, and how often the
/// key is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyDistribution {
    /// The foreign key column in the child table.
    pub column: String,
    /// The parent table.
    pub parent: String,
    /// For every real parent row, its number of children through this key (zeros included).
    pub children_per_parent: Vec<usize>,
    /// The share of child rows whose key is empty.
    pub null_rate: f64,
}

impl KeyDistribution {
    /// Learns the distribution from the real child keys and the parent row each points at.
    pub fn learn(
        column: &str,
        parent: &str,
        parent_of_row: &[Option<usize>],
        parent_rows: usize,
    ) -> Self {
        let mut children_per_parent = vec![0; parent_rows];
        for row in parent_of_row.iter().flatten() {
            children_per_parent[*row] += 1;
        }
        let nulls = parent_of_row.iter().filter(|row| row.is_none()).count();
        KeyDistribution {
            column: column.to_string(),
            parent: parent.to_string(),
            children_per_parent,
            null_rate: if parent_of_row.is_empty() {
                0.0
            } else {
                nulls as f64 / parent_of_row.len() as f64
            },
        }
    }

    /// Assigns a parent row (or an empty key) to each of `child_rows` synthetic rows, given
    /// `parent_rows` synthetic parents.
    pub fn assign(
        &self,
        child_rows: usize,
        parent_rows: usize,
        rng: &mut SynthRng,
    ) -> Vec<Option<usize>> {
        if parent_rows == 0 {
            return vec![None; child_rows];
        }
        let empty = ((self.null_rate * child_rows as f64).round() as usize).min(child_rows);
        let mut slots = self.parent_slots(child_rows - empty, parent_rows, rng);
        slots.extend(std::iter::repeat_n(None, empty));
        slots.shuffle(rng);
        slots
    }

    /// `wanted` parent rows, each parent appearing about as often as its drawn capacity.
    fn parent_slots(
        &self,
        wanted: usize,
        parent_rows: usize,
        rng: &mut SynthRng,
    ) -> Vec<Option<usize>> {
        let capacities = stratified(&self.children_per_parent, parent_rows, rng);
        let mut slots: Vec<usize> = capacities
            .iter()
            .enumerate()
            .flat_map(|(parent, &capacity)| std::iter::repeat_n(parent, capacity))
            .collect();
        slots.shuffle(rng);
        if slots.len() >= wanted {
            slots.truncate(wanted);
        } else {
            // More children than capacity: extra rows go to parents in proportion to capacity
            // (any parent when no capacity was drawn).
            let base = slots.len();
            for _ in base..wanted {
                let parent = if base > 0 {
                    slots[rng.random_range(0..base)]
                } else {
                    rng.random_range(0..parent_rows)
                };
                slots.push(parent);
            }
        }
        slots.into_iter().map(Some).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng_for;

    fn keys(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    #[test]
    fn parent_index_follows_the_keys() {
        let index = parent_index(&keys(&["b", "", "a", "b"]), &keys(&["a", "b"]));
        assert_eq!(index, vec![Some(1), None, Some(0), Some(1)]);
    }

    #[test]
    fn assignment_keeps_counts_and_null_rate() {
        // 10 parents: one with 90 children, the rest with 1; 10% of children have no parent.
        let mut real: Vec<Option<usize>> = (0..90).map(|_| Some(0)).collect();
        real.extend((1..10).map(Some));
        real.extend((0..11).map(|_| None));
        let distribution = KeyDistribution::learn("fk", "p", &real, 10);
        let mut rng = rng_for(5, "keys");
        let assigned = distribution.assign(real.len(), 10, &mut rng);
        assert_eq!(assigned.iter().filter(|k| k.is_none()).count(), 11);
        let mut counts = vec![0; 10];
        for parent in assigned.iter().flatten() {
            counts[*parent] += 1;
        }
        counts.sort_unstable();
        assert_eq!(counts, vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 90]);
    }

    #[test]
    fn no_parents_means_empty_keys() {
        let distribution = KeyDistribution::learn("fk", "p", &[Some(0)], 1);
        assert_eq!(
            distribution.assign(3, 0, &mut rng_for(1, "k")),
            vec![None; 3]
        );
    }
}
