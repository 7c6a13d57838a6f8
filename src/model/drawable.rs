//! A tree's leaves laid out for drawing: flat arrays instead of a value list per leaf.
//!
//! Drawing a value walks a tree and then reads its leaf. Leaves as kept in a model
//! ([`super::runs::Runs`] of [`Value`]s, one pair of vectors per leaf) cost a cache miss per
//! pointer followed and 24 bytes per number; across the millions of rows of a large table the
//! leaves of all columns do not fit in the cache, and these misses were most of generation's
//! time. Here every leaf is a small header and its runs sit in flat arrays shared by the
//! tree's leaves, numbers as plain `f64`; a draw reads the header and one or two entries.
//! Built from the model's leaves when first drawn from; draws are the same values, consuming
//! the same random numbers.

use rand::RngExt;

use super::marginal::smoothed_quantile;
use super::runs::{Runs, run_holding};
use crate::data::Value;
use crate::sampling::SynthRng;

/// The leaves of one tree, ready to draw from.
#[derive(Debug, Clone, Default)]
pub struct DrawableLeaves {
    leaves: Vec<Leaf>,
    /// The end of every run of leaves that repeat values, relative to the leaf's first value.
    ends: Vec<usize>,
    /// The run values of leaves of numbers (non-numbers among them read as 0).
    numbers: Vec<f64>,
    /// The run values of the other leaves.
    labels: Vec<Value>,
}

/// Where one leaf's values are.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    nulls: usize,
    /// The number of non-null values.
    len: usize,
    /// The leaf's first run in `numbers` (numeric leaves) or `labels`.
    start: usize,
    /// The leaf's runs in `ends`, or an empty range when every run holds one value.
    ends: (usize, usize),
    numeric: bool,
}

impl DrawableLeaves {
    /// The layout of leaves holding `nulls` empty values and `values` each.
    pub fn new<'a>(leaves: impl Iterator<Item = (usize, &'a Runs)>) -> DrawableLeaves {
        let mut drawable = DrawableLeaves::default();
        for (nulls, values) in leaves {
            drawable.push(nulls, values);
        }
        drawable
    }

    fn push(&mut self, nulls: usize, values: &Runs) {
        let runs = values.run_values();
        let numeric = matches!(runs.first(), Some(Value::Number(_)));
        let start = if numeric {
            let start = self.numbers.len();
            let number = |value: &Value| value.as_number().unwrap_or(0.0);
            self.numbers.extend(runs.iter().map(number));
            start
        } else {
            let start = self.labels.len();
            self.labels.extend(runs.iter().cloned());
            start
        };
        let ends = if runs.len() == values.len() {
            (0, 0)
        } else {
            let first = self.ends.len();
            self.ends.extend_from_slice(values.ends());
            (first, self.ends.len())
        };
        self.leaves.push(Leaf {
            nulls,
            len: values.len(),
            start,
            ends,
            numeric,
        });
    }

    /// One draw from leaf `leaf`: empty with the leaf's share of nulls, else one of its values
    /// at random (numbers smoothed between two neighbours, as [`smoothed_quantile`] does);
    /// `None` for a leaf without any value, null or not (the column's fallback then draws).
    pub fn draw(&self, leaf: usize, rng: &mut SynthRng) -> Option<Value> {
        let leaf = &self.leaves[leaf];
        let total = leaf.nulls + leaf.len;
        if total == 0 {
            return None;
        }
        if rng.random_range(0..total) < leaf.nulls {
            return Some(Value::Null);
        }
        if leaf.numeric {
            let position = rng.random::<f64>() * (leaf.len - 1) as f64;
            let low = position.floor() as usize;
            let high = (low + 1).min(leaf.len - 1);
            let (a, b) = (self.number(leaf, low), self.number(leaf, high));
            Some(Value::Number(smoothed_quantile(
                &[a, b],
                position - low as f64,
            )))
        } else {
            let index = rng.random_range(0..leaf.len);
            Some(self.labels[leaf.start + self.run(leaf, index)].clone())
        }
    }

    /// The number at `index` of a numeric leaf's expanded values.
    fn number(&self, leaf: &Leaf, index: usize) -> f64 {
        self.numbers[leaf.start + self.run(leaf, index)]
    }

    /// The leaf's run holding its value at `index`.
    fn run(&self, leaf: &Leaf, index: usize) -> usize {
        let (first, end) = leaf.ends;
        if first == end {
            return index;
        }
        run_holding(&self.ends[first..end], index).min(end - first - 1)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::runs::Exact;
    use crate::sampling::rng_for;

    /// The draws as the model's leaves gave them before this layout (kept here as the
    /// reference: a null share, then a smoothed quantile of numbers or a value by index).
    fn reference_draw(nulls: usize, values: &Runs, rng: &mut SynthRng) -> Option<Value> {
        let total = nulls + values.len();
        if total == 0 {
            return None;
        }
        if rng.random_range(0..total) < nulls {
            return Some(Value::Null);
        }
        match values.run_values().first() {
            Some(Value::Number(_)) => {
                let position = rng.random::<f64>() * (values.len() - 1) as f64;
                let low = position.floor() as usize;
                let high = (low + 1).min(values.len() - 1);
                let (a, b) = values.get_pair(low, high);
                let (a, b) = (a.as_number().unwrap_or(0.0), b.as_number().unwrap_or(0.0));
                Some(Value::Number(smoothed_quantile(
                    &[a, b],
                    position - low as f64,
                )))
            }
            _ => Some(values.get(rng.random_range(0..values.len())).clone()),
        }
    }

    fn leaves() -> Vec<(usize, Runs)> {
        let number = |x: f64| Value::Number(x);
        let label = |text: &str| Value::Label(Arc::from(text));
        vec![
            (
                0,
                Runs::new((0..50).map(|i| number(f64::from(i) * 1.5)).collect()),
            ),
            (
                3,
                Runs::new([1.0, 1.0, 1.0, 2.0, 5.0, 5.0, 9.0].map(number).to_vec()),
            ),
            (2, Runs::new(Vec::new())),
            (0, Runs::new(Vec::new())),
            (
                1,
                Runs::new(["a", "a", "b", "c", "c", "c"].map(label).to_vec()),
            ),
            (0, Runs::new(vec![label("x"); 40])),
            (0, Runs::new(vec![number(7.0)])),
        ]
    }

    #[test]
    fn draws_what_the_leaves_give_from_the_same_random_numbers() {
        let leaves = leaves();
        let drawable = DrawableLeaves::new(leaves.iter().map(|(nulls, runs)| (*nulls, runs)));
        let mut ours = rng_for(11, "leaves");
        let mut theirs = rng_for(11, "leaves");
        let mut seen = std::collections::HashSet::new();
        for draw in 0..5_000 {
            let leaf = draw % leaves.len();
            let (nulls, runs) = &leaves[leaf];
            let expected = reference_draw(*nulls, runs, &mut theirs);
            match (drawable.draw(leaf, &mut ours), expected) {
                (None, None) => {}
                (Some(value), Some(expected)) => {
                    assert!(value.same(&expected), "leaf {leaf}: {value:?} {expected:?}");
                    seen.insert(format!("{value:?}"));
                }
                (_, expected) => panic!("leaf {leaf}: expected {expected:?}"),
            }
        }
        assert!(seen.len() > 100, "draws vary: {}", seen.len());
    }
}
