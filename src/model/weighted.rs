//! Items drawn in proportion to their weights (frequent labels, words, codes): the one
//! structure every model draws categories from, with a guide table so that a draw from a long
//! list looks at an item or two. Apart from the marginal model so that the models it holds
//! (IPv4 addresses) can draw with it too.

use std::collections::HashMap;
use std::sync::OnceLock;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::sampling::SynthRng;

/// Items with cumulative weights, for drawing in proportion to frequency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
    /// Where to start looking for each of `cumulative.len()` equal slices of the total weight
    /// (a guide table, built on the first draw from a long list): a draw then looks at an
    /// item or two instead of binary-searching the list. Text models draw every word this way.
    #[serde(skip)]
    guide: OnceLock<Option<Vec<u32>>>,
}

/// Lists shorter than this are binary-searched (a guide would not save anything).
const GUIDED: usize = 32;

impl<T> Weighted<T> {
    /// Draws one item in proportion to its weight.
    pub fn draw(&self, rng: &mut SynthRng) -> &T {
        &self.items[self.draw_index(rng)]
    }

    /// [`Weighted::draw`] giving the item's place in [`Weighted::items`].
    pub fn draw_index(&self, rng: &mut SynthRng) -> usize {
        let guide = self.guide.get_or_init(|| guide(&self.cumulative));
        draw_cumulative(&self.cumulative, guide.as_deref(), rng)
    }

    /// The items, in drawing order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The cumulative weights of the items, for a caller that lays many lists out together
    /// in a form of its own (the text model's alias tables).
    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }
}

/// The place of an item drawn in proportion to its weight, from the items' cumulative weights
/// (not empty) and their guide ([`guide`], if any): what [`Weighted::draw_index`] draws.
fn draw_cumulative(cumulative: &[f64], guide: Option<&[u32]>, rng: &mut SynthRng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = rng.random::<f64>() * total;
    let index = match guide {
        Some(guide) => guided_search(cumulative, guide, target, total),
        None => cumulative.partition_point(|&c| c <= target),
    };
    index.min(cumulative.len().saturating_sub(1))
}

/// The first item whose cumulative weight exceeds `target` (what a binary search finds),
/// looked for from the guide's start for `target`'s slice of the total.
fn guided_search(cumulative: &[f64], guide: &[u32], target: f64, total: f64) -> usize {
    let slice = (target / total * guide.len() as f64) as usize;
    let mut index = guide.get(slice).map_or(0, |&start| start as usize);
    if index > 0 && cumulative.get(index - 1).is_none_or(|&c| c > target) {
        // Rounding put the target before its slice: search the usual way.
        return cumulative.partition_point(|&c| c <= target);
    }
    while cumulative.get(index).is_some_and(|&c| c <= target) {
        index += 1;
    }
    index
}

impl<T: PartialEq> Weighted<T> {
    /// The total weight (for counts: how many were seen).
    pub fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// Whether `item` is one of the items.
    pub fn contains(&self, item: &T) -> bool {
        self.items.contains(item)
    }
}

impl<T: std::hash::Hash + Ord> Weighted<T> {
    /// The items seen at least `min_count` times, weighted by frequency, in a stable order
    /// (most frequent first, ties by item). `None` when every item is rare.
    pub fn frequent(items: impl Iterator<Item = T>, min_count: usize) -> Option<Self> {
        let mut counts: HashMap<T, usize> = HashMap::new();
        for item in items {
            *counts.entry(item).or_default() += 1;
        }
        let kept = counts
            .into_iter()
            .filter(|(_, count)| *count >= min_count)
            .map(|(item, count)| (item, count as f64));
        Self::of_weights(kept)
    }

    /// The items with their weights (positive ones only), in a stable order (heaviest first,
    /// ties by item): for lists mixed from counts (the text model's words standing for rare
    /// ones). `None` when no item has weight.
    pub fn of_weights(weights: impl IntoIterator<Item = (T, f64)>) -> Option<Self> {
        let mut kept: Vec<(T, f64)> = weights.into_iter().filter(|(_, w)| *w > 0.0).collect();
        if kept.is_empty() {
            return None;
        }
        kept.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut total = 0.0;
        let cumulative = kept
            .iter()
            .map(|(_, weight)| {
                total += *weight;
                total
            })
            .collect();
        Some(Weighted {
            items: kept.into_iter().map(|(item, _)| item).collect(),
            cumulative,
            guide: OnceLock::new(),
        })
    }
}

/// For each of `cumulative.len()` equal slices of the total weight, the first item whose
/// cumulative weight exceeds the slice's start; `None` for short lists and weights that are
/// not positive and finite.
fn guide(cumulative: &[f64]) -> Option<Vec<u32>> {
    let total = *cumulative.last()?;
    let slices = cumulative.len();
    if slices < GUIDED || !(total.is_finite() && total > 0.0) || u32::try_from(slices).is_err() {
        return None;
    }
    let mut index = 0;
    let starts = (0..slices).map(|slice| {
        let start = total * slice as f64 / slices as f64;
        while index < slices && cumulative[index] <= start {
            index += 1;
        }
        index as u32
    });
    Some(starts.collect())
}
impl<T> Weighted<T> {
    /// Whether it can be drawn from (items, and one cumulative weight per item).
    pub(crate) fn check(&self) -> bool {
        !self.items.is_empty() && self.items.len() == self.cumulative.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sampling::rng_for;

    #[test]
    fn guided_draws_find_what_a_binary_search_finds() {
        // Word-like counts: a few frequent items, a long tail of rare ones, some ties.
        let counts = (0..500).map(|i| 1 + 4_000 / (i + 1) + usize::from(i % 7 == 0) * 30);
        let items = counts
            .enumerate()
            .flat_map(|(i, count)| std::iter::repeat_n(Arc::<str>::from(format!("w{i}")), count));
        let weighted = Weighted::frequent(items, 1).expect("items");
        let total = weighted.total();
        let table = guide(&weighted.cumulative).expect("a long list has a guide");
        let mut rng = rng_for(5, "guide");
        let mut targets: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>() * total).collect();
        // Every cumulative weight exactly, and just either side of it.
        for &c in &weighted.cumulative {
            targets.extend([c, c.next_down(), c.next_up().min(total.next_down())]);
        }
        for target in targets {
            let expected = weighted.cumulative.partition_point(|&c| c <= target);
            assert_eq!(
                guided_search(&weighted.cumulative, &table, target, total),
                expected,
                "{target}"
            );
        }
        assert!(
            guide(&weighted.cumulative[..10]).is_none(),
            "short lists are searched"
        );
    }
}
