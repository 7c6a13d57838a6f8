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
use super::runs::{Runs, guessed_run, run_holding_in};
use crate::data::Value;
use crate::memory::prefetch;
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

/// A draw from a leaf whose random numbers are taken and whose value is not read yet (see
/// [`DrawableLeaves::pick`]).
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// The leaf holds no value, null or not.
    Empty,
    Null,
    /// A number smoothed at `position` among the leaf's sorted numbers.
    Number {
        leaf: usize,
        position: f64,
    },
    /// The label at `index` of the leaf's values.
    Label {
        leaf: usize,
        index: usize,
    },
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
    /// A numeric leaf's smallest and largest numbers (kept here, in the header a draw reads
    /// anyway, so that finding a bound does not first read both ends of the leaf).
    range: (f64, f64),
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
        // Few repeats: the values are kept one by one, so a draw reads one array, not the
        // ends and then the values (two cache misses in a large leaf), in less memory.
        let expanded = runs.len() != values.len() && values.len() <= EXPAND_UP_TO * runs.len();
        let each = expanded_runs(runs, values.ends(), expanded);
        let start = if numeric {
            let start = self.numbers.len();
            let number = |value: &Value| value.as_number().unwrap_or(0.0);
            self.numbers.extend(each.map(number));
            start
        } else {
            let start = self.labels.len();
            self.labels.extend(each.cloned());
            start
        };
        let ends = if expanded || runs.len() == values.len() {
            (0, 0)
        } else {
            let first = self.ends.len();
            self.ends.extend_from_slice(values.ends());
            (first, self.ends.len())
        };
        let numbers: &[f64] = if numeric { &self.numbers[start..] } else { &[] };
        let range = match numbers {
            [first, .., last] => (*first, *last),
            [only] => (*only, *only),
            [] => (0.0, 0.0),
        };
        self.leaves.push(Leaf {
            nulls,
            len: values.len(),
            start,
            ends,
            numeric,
            range,
        });
    }

    /// One draw from leaf `leaf`: empty with the leaf's share of nulls, else one of its values
    /// at random (numbers smoothed between two neighbours, as [`smoothed_quantile`] does, and
    /// reaching half a gap past the lowest and highest: each value stands for an equal slice
    /// of the leaf's share, its own in the middle; a small leaf drawn only between its ends
    /// would never give the edges of its range); `None` for a leaf without any value, null or
    /// not (the column's fallback then draws).
    /// `rank`: the place among the leaf's numbers when given (in 0..1: a row's place carried on
    /// from the row before it), instead of drawn.
    pub fn draw(&self, leaf: usize, rank: Option<f64>, rng: &mut SynthRng) -> Option<Value> {
        self.value(self.pick(leaf, rank, rng))
    }

    /// The random part of [`DrawableLeaves::draw`]: which value of leaf `leaf` it gives, read
    /// from the small leaf header only. Many rows' picks are taken first and their values read
    /// after ([`DrawableLeaves::prefetch`]), so the reads' cache misses overlap.
    pub fn pick(&self, leaf: usize, rank: Option<f64>, rng: &mut SynthRng) -> Pick {
        let header = &self.leaves[leaf];
        let total = header.nulls + header.len;
        if total == 0 {
            return Pick::Empty;
        }
        if rng.random_range(0..total) < header.nulls {
            return Pick::Null;
        }
        if header.numeric {
            let share = rank.unwrap_or_else(|| rng.random::<f64>());
            let position = share * header.len as f64 - 0.5;
            Pick::Number { leaf, position }
        } else {
            let index = rng.random_range(0..header.len);
            Pick::Label { leaf, index }
        }
    }

    /// Asks the processor to load what [`DrawableLeaves::value`] will read for `pick`: the
    /// value itself, or for a leaf of runs the run ends near where its index would sit and
    /// the values there. A hint only: it changes no result.
    pub fn prefetch(&self, pick: Pick) {
        let (leaf, index) = match pick {
            Pick::Number { leaf, position } => (leaf, position as usize),
            Pick::Label { leaf, index } => (leaf, index),
            Pick::Empty | Pick::Null => return,
        };
        let header = &self.leaves[leaf];
        let (first, end) = header.ends;
        let run = if first == end {
            index
        } else {
            let guess = guessed_run(end - first, header.len, index);
            prefetch(self.ends.get(first + guess));
            guess
        };
        if header.numeric {
            prefetch(self.numbers.get(header.start + run));
        } else {
            prefetch(self.labels.get(header.start + run));
        }
    }

    /// Asks the processor to load the header of leaf `leaf` (see [`DrawableLeaves::prefetch`]).
    pub fn prefetch_leaf(&self, leaf: usize) {
        prefetch(self.leaves.get(leaf));
    }

    /// Asks the processor to load where [`DrawableLeaves::draw_within`] will start looking
    /// for `low` in leaf `leaf`; it takes no random number, so it is known before the draw.
    pub fn prefetch_within(&self, leaf: usize, low: f64) {
        let Some(header) = self.leaves.get(leaf) else {
            return;
        };
        if !header.numeric || header.len == 0 || low.is_nan() {
            return;
        }
        let (first, end) = header.ends;
        let runs = if first == end {
            header.len
        } else {
            end - first
        };
        let near = guess(header.range, runs, low).min(runs - 1);
        prefetch(self.numbers.get(header.start + near));
        if first != end {
            prefetch(self.ends.get(first + near));
        }
    }

    /// A label of leaf `leaf` drawn by count among those `skipped` does not hold (the labels it
    /// holds sort before every other, so a leaf's first values are theirs); `None` for a
    /// numeric leaf or one holding no other label.
    pub fn draw_label_except(
        &self,
        leaf: usize,
        skipped: impl Fn(&Value) -> bool,
        rng: &mut SynthRng,
    ) -> Option<Value> {
        let header = self.leaves.get(leaf)?;
        if header.numeric || header.len == 0 {
            return None;
        }
        let (first, end) = header.ends;
        let labels = &self.labels[header.start..];
        let skip = match labels.first() {
            Some(label) if skipped(label) && first == end => {
                labels[..header.len].partition_point(|label| skipped(label))
            }
            Some(label) if skipped(label) => self.ends[first],
            _ => 0,
        };
        if skip >= header.len {
            return None;
        }
        let index = rng.random_range(skip..header.len);
        Some(labels[self.run(header, index)].clone())
    }

    /// The value `pick` stands for; `None` for [`Pick::Empty`].
    pub fn value(&self, pick: Pick) -> Option<Value> {
        match pick {
            Pick::Empty => None,
            Pick::Null => Some(Value::Null),
            Pick::Number { leaf, position } => {
                let leaf = &self.leaves[leaf];
                let low = (position as usize).min(leaf.len.saturating_sub(2));
                let high = (low + 1).min(leaf.len - 1);
                let (a, b) = self.number_pair(leaf, low, high);
                Some(Value::Number(smoothed_quantile(
                    &[a, b],
                    position - low as f64,
                )))
            }
            Pick::Label { leaf, index } => {
                let leaf = &self.leaves[leaf];
                Some(self.labels[leaf.start + self.run(leaf, index)].clone())
            }
        }
    }

    /// A draw from leaf `leaf` as [`DrawableLeaves::draw`] would give it when drawn until the
    /// value is empty or falls in `low..=high`: empty with the share of nulls among the nulls
    /// and the values in range, else smoothed between neighbouring values in range. `None` when
    /// that cannot be done in one draw: the leaf holds no number in range (or is not numeric).
    /// `rank`: the place among those values when given (see [`DrawableLeaves::draw`]).
    /// With `below_zero`, the leaf's numbers of 0 or less are in range too (a ratio's bottom
    /// side, which the rule leaves free there): each part taken by its count of values, so the
    /// draw is still what drawing until a value is accepted gives. Without numbers of 0 or
    /// less, the very draws of a range alone.
    pub fn draw_within(
        &self,
        leaf: usize,
        ((low, high), below_zero): ((f64, f64), bool),
        rank: Option<f64>,
        rng: &mut SynthRng,
    ) -> Option<Value> {
        let leaf = self.leaves.get(leaf)?;
        if !leaf.numeric || leaf.len == 0 || low.is_nan() || high.is_nan() {
            return None;
        }
        let inside = match low <= high {
            true => self.span(leaf, low, |x| x < low, |x| x <= high),
            false => None,
        };
        let below = match below_zero {
            true => self.span(leaf, f64::NEG_INFINITY, |_| false, |x| x <= 0.0 && x < low),
            false => None,
        };
        let count = |span: Option<(usize, usize)>| span.map_or(0, |(from, to)| to - from + 1);
        let total = count(inside) + count(below);
        if total == 0 {
            return None;
        }
        if rng.random_range(0..leaf.nulls + total) < leaf.nulls {
            return Some(Value::Null);
        }
        let share = rank.unwrap_or_else(|| rng.random::<f64>());
        let cut = count(below) as f64 / total as f64;
        let (span, share) = match (below, inside) {
            (Some(below), Some(_)) if share < cut => (below, (share / cut).clamp(0.0, 1.0)),
            (Some(below), None) => (below, share),
            (_, Some(inside)) if cut > 0.0 => {
                (inside, ((share - cut) / (1.0 - cut)).clamp(0.0, 1.0))
            }
            (_, Some(inside)) => (inside, share),
            (None, None) => return None,
        };
        Some(Value::Number(self.smoothed_in(leaf, span, share)))
    }

    /// The expanded indices (first and last) of a numeric leaf's values from the first for
    /// which `before` fails (searched near `guessed`) up to the last for which `up_to` holds;
    /// `None` when there are none.
    fn span(
        &self,
        leaf: &Leaf,
        guessed: f64,
        before: impl Fn(f64) -> bool,
        up_to: impl Fn(f64) -> bool,
    ) -> Option<(usize, usize)> {
        let (first, end) = leaf.ends;
        let runs = if first == end { leaf.len } else { end - first };
        let numbers = &self.numbers[leaf.start..leaf.start + runs];
        let first_run = partition_near(numbers, guess(leaf.range, runs, guessed), before);
        let after_run = partition_near(numbers, first_run, up_to);
        if first_run >= after_run {
            return None;
        }
        // From the first value of `first_run` to the last one of the run before `after_run`.
        if first == end {
            return Some((first_run, after_run - 1));
        }
        let start_of = |run: usize| {
            if run == 0 {
                0
            } else {
                self.ends[first + run - 1]
            }
        };
        Some((start_of(first_run), self.ends[first + after_run - 1] - 1))
    }

    /// The value at `share` of the way through the expanded values `from..=to` of a numeric
    /// leaf, smoothed between the two neighbours there.
    fn smoothed_in(&self, leaf: &Leaf, (from, to): (usize, usize), share: f64) -> f64 {
        let position = from as f64 + share * (to - from) as f64;
        let low_index = (position as usize).clamp(from, to);
        let high_index = (low_index + 1).min(to);
        let (a, b) = self.number_pair(leaf, low_index, high_index);
        smoothed_quantile(&[a, b], position - low_index as f64)
    }

    /// The numbers at `low` and `high` (`low` or the index after it) of a numeric leaf's
    /// expanded values: one search for the run of `low`; `high` is in that run or the next.
    fn number_pair(&self, leaf: &Leaf, low: usize, high: usize) -> (f64, f64) {
        let (first, end) = leaf.ends;
        let run = self.run(leaf, low);
        let high_run = if first == end {
            high
        } else if high < self.ends[first + run] {
            run
        } else {
            (run + 1).min(end - first - 1)
        };
        let numbers = &self.numbers[leaf.start..];
        (numbers[run], numbers[high_run])
    }

    /// The leaf's run holding its value at `index`.
    fn run(&self, leaf: &Leaf, index: usize) -> usize {
        let (first, end) = leaf.ends;
        if first == end {
            return index;
        }
        run_holding_in(&self.ends[first..end], leaf.len, index).min(end - first - 1)
    }
}

/// A leaf holding up to this many values per run keeps them one by one ([`expanded_runs`]).
/// At 2 the values alone take no more room than one value and one end per run.
const EXPAND_UP_TO: usize = 2;

/// The values of runs ending at `ends`, each run's value once (`expanded` false) or as often
/// as it repeats.
fn expanded_runs<'a>(
    runs: &'a [Value],
    ends: &'a [usize],
    expanded: bool,
) -> impl Iterator<Item = &'a Value> + 'a {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    runs.iter()
        .zip(ends.iter().zip(starts))
        .flat_map(move |(value, (&end, start))| {
            let count = if expanded { end - start } else { 1 };
            std::iter::repeat_n(value, count)
        })
}

/// Where `value` would sit among `count` sorted numbers from `first` to `last` if they were
/// spread evenly: dates and prices nearly are.
fn guess((first, last): (f64, f64), count: usize, value: f64) -> usize {
    if last <= first {
        return 0;
    }
    // A value outside (or an infinite bound) lands on an end; `as` saturates.
    ((value - first) / (last - first) * count as f64) as usize
}

/// `sorted.partition_point(before)`, searched outward from `near` (probes 1, 2, 4... away, then
/// a binary search between the last two): a bound near its guess is found in a cache line or
/// two instead of a binary search's dozen misses across a large leaf. `before` holds for the
/// first numbers and not after, as for `partition_point`.
fn partition_near(sorted: &[f64], near: usize, before: impl Fn(f64) -> bool) -> usize {
    let n = sorted.len();
    let near = near.min(n);
    let between = |lo: usize, hi: usize| lo + sorted[lo..hi].partition_point(|&x| before(x));
    if near < n && before(sorted[near]) {
        // The answer is past `near`: every number before `lo` holds `before`.
        let (mut lo, mut step) = (near + 1, 1);
        loop {
            let probe = lo + step - 1;
            if probe >= n {
                return between(lo, n);
            }
            if !before(sorted[probe]) {
                return between(lo, probe);
            }
            lo = probe + 1;
            step *= 2;
        }
    }
    // The answer is `near` or before: the number at `hi` (if any) does not hold `before`.
    let (mut hi, mut step) = (near, 1);
    loop {
        if hi == 0 {
            return 0;
        }
        let probe = hi.saturating_sub(step);
        if before(sorted[probe]) {
            return between(probe + 1, hi);
        }
        hi = probe;
        step *= 2;
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
                let position = rng.random::<f64>() * values.len() as f64 - 0.5;
                let low = (position.max(0.0) as usize).min(values.len().saturating_sub(2));
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
            // Long runs of numbers: kept as runs, not one by one (see `EXPAND_UP_TO`).
            (
                2,
                Runs::new(
                    [vec![4.0; 10], vec![6.0; 10], vec![8.0]]
                        .concat()
                        .into_iter()
                        .map(number)
                        .collect(),
                ),
            ),
        ]
    }

    /// The leaves of [`leaves`] laid out for drawing.
    fn drawable_of(leaves: &[(usize, Runs)]) -> DrawableLeaves {
        DrawableLeaves::new(leaves.iter().map(|(nulls, runs)| (*nulls, runs)))
    }

    /// Every pick of a block taken first (and its memory asked for), then the values read:
    /// what the reference gives drawing one value after another from the same random numbers.
    #[test]
    fn picks_read_later_give_what_the_leaves_give() {
        let leaves = leaves();
        let drawable = drawable_of(&leaves);
        let mut ours = rng_for(12, "picks");
        let mut theirs = rng_for(12, "picks");
        let picks: Vec<Pick> = (0..2_000)
            .map(|draw| {
                let pick = drawable.pick(draw % leaves.len(), None, &mut ours);
                drawable.prefetch(pick);
                pick
            })
            .collect();
        for (draw, pick) in picks.into_iter().enumerate() {
            let (nulls, runs) = &leaves[draw % leaves.len()];
            match (
                drawable.value(pick),
                reference_draw(*nulls, runs, &mut theirs),
            ) {
                (None, None) => {}
                (Some(value), Some(expected)) => assert!(value.same(&expected), "draw {draw}"),
                (value, expected) => panic!("draw {draw}: {value:?} {expected:?}"),
            }
        }
    }

    /// A small leaf's draws reach half a gap past its lowest and highest values (each of its
    /// values stands for a slice of the leaf's share, its own in the middle): drawn only
    /// between them, the 20 rows of a leaf spanning a column's range left out the first and
    /// last twentieth of it (TPC-H-like order days: the first month a third short). A value
    /// repeated stays itself.
    #[test]
    fn draws_reach_half_a_gap_past_a_leafs_ends() {
        let number = |x: f64| Value::Number(x);
        let leaves = [
            (
                0,
                Runs::new((0..20).map(|i| number(f64::from(i))).collect()),
            ),
            (0, Runs::new(vec![number(5.0); 4])),
            (0, Runs::new(vec![number(7.0)])),
        ];
        let drawable = drawable_of(&leaves);
        let mut rng = rng_for(3, "ends");
        let draws: Vec<f64> = (0..40_000)
            .filter_map(|_| drawable.draw(0, None, &mut rng)?.as_number())
            .collect();
        let share = |low: f64, high: f64| {
            draws.iter().filter(|&&x| (low..high).contains(&x)).count() as f64 / draws.len() as f64
        };
        assert!(draws.iter().all(|x| (-0.5..=19.5).contains(x)));
        for (low, high) in [(-0.5, 0.0), (19.0, 19.5)] {
            let share = share(low, high);
            assert!((share - 0.025).abs() < 0.004, "[{low}, {high}): {share}");
        }
        let inner = share(5.0, 6.0);
        assert!((inner - 0.05).abs() < 0.006, "a gap inside: {inner}");
        for leaf in [1, 2] {
            let value = drawable
                .draw(leaf, None, &mut rng)
                .and_then(|v| v.as_number());
            assert_eq!(value, Some([5.0, 7.0][leaf - 1]));
        }
    }

    /// A label drawn past the ones a leaf's first values hold: never one of those, the others
    /// by count, in a leaf of runs and in one kept value by value; none when nothing is left.
    #[test]
    fn draws_a_label_past_the_skipped_ones_by_count() {
        let label = |text: &str| Value::Label(Arc::from(text));
        let of = |counts: &[(&str, usize)]| {
            let values = counts
                .iter()
                .flat_map(|&(text, count)| std::iter::repeat_n(label(text), count))
                .collect();
            (0, Runs::new(values))
        };
        let leaves = [
            of(&[("\u{0}", 30), ("a", 20), ("b", 10)]),
            of(&[("\u{0}", 2), ("a", 1), ("b", 1), ("c", 1), ("d", 1)]),
            of(&[("a", 3), ("b", 1)]),
            of(&[("\u{0}", 5)]),
        ];
        let drawable = drawable_of(&leaves);
        let skipped = |value: &Value| matches!(value, Value::Label(l) if &**l == "\u{0}");
        let mut rng = rng_for(4, "except");
        for (leaf, expected) in [(0, 2.0 / 3.0), (1, 0.25), (2, 0.75)] {
            let draws: Vec<Value> = (0..6_000)
                .map(|_| {
                    drawable
                        .draw_label_except(leaf, skipped, &mut rng)
                        .expect("a label")
                })
                .collect();
            assert!(!draws.iter().any(skipped), "leaf {leaf}");
            let a = draws.iter().filter(|v| (*v).same(&label("a"))).count() as f64 / 6_000.0;
            assert!((a - expected).abs() < 0.03, "leaf {leaf}: {a}");
        }
        assert!(drawable.draw_label_except(3, skipped, &mut rng).is_none());
        let numbers = drawable_of(&[(0, Runs::new(vec![Value::Number(1.0); 3]))]);
        assert!(numbers.draw_label_except(0, skipped, &mut rng).is_none());
    }

    #[test]
    fn draws_what_the_leaves_give_from_the_same_random_numbers() {
        let leaves = leaves();
        let drawable = drawable_of(&leaves);
        let mut ours = rng_for(11, "leaves");
        let mut theirs = rng_for(11, "leaves");
        let mut seen = std::collections::HashSet::new();
        for draw in 0..5_000 {
            let leaf = draw % leaves.len();
            let (nulls, runs) = &leaves[leaf];
            let expected = reference_draw(*nulls, runs, &mut theirs);
            match (drawable.draw(leaf, None, &mut ours), expected) {
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

    /// Draws of `leaf` kept to `range`: (share of nulls, mean of the numbers).
    fn summary(draws: &[Value], (low, high): (f64, f64)) -> (f64, f64) {
        let numbers: Vec<f64> = draws.iter().filter_map(Value::as_number).collect();
        assert!(
            numbers.iter().all(|x| (low..=high).contains(x)),
            "a draw out of range"
        );
        let nulls = (draws.len() - numbers.len()) as f64 / draws.len() as f64;
        (nulls, numbers.iter().sum::<f64>() / numbers.len() as f64)
    }

    #[test]
    fn draws_within_a_range_as_drawing_until_a_value_falls_in_it() {
        // 200 nulls and 1,000 skewed numbers (many repeated), the range holding about a fifth.
        let values: Vec<Value> = (0..1_000)
            .map(|i| Value::Number((f64::from(i) / 10.0).powi(2).floor()))
            .collect();
        let leaves = [(200, Runs::new(values))];
        let drawable = drawable_of(&leaves);
        let range = (2_500.0, 4_900.0);
        let mut rng = rng_for(5, "within");
        let within: Vec<Value> = (0..20_000)
            .map(|_| {
                drawable
                    .draw_within(0, (range, false), None, &mut rng)
                    .expect("values in range")
            })
            .collect();
        let mut redrawn = Vec::new();
        while redrawn.len() < 20_000 {
            let value = drawable.draw(0, None, &mut rng).expect("a value");
            if value
                .as_number()
                .is_none_or(|x| (range.0..=range.1).contains(&x))
            {
                redrawn.push(value);
            }
        }
        let (ours, theirs) = (summary(&within, range), summary(&redrawn, range));
        assert!(
            (ours.0 - theirs.0).abs() < 0.02,
            "null shares {ours:?} {theirs:?}"
        );
        assert!(
            (ours.1 - theirs.1).abs() < 30.0,
            "means {ours:?} {theirs:?}"
        );
        assert!(
            ours.0 > 0.4,
            "nulls keep their share among the values in range: {ours:?}"
        );
    }

    #[test]
    fn draws_within_a_range_only_when_the_leaf_holds_a_number_in_it() {
        let leaves = leaves();
        let drawable = drawable_of(&leaves);
        let mut rng = rng_for(3, "within");
        let cases = [
            (1, (2.0, 6.0), true),
            (1, (3.0, 4.0), false),
            (1, (6.0, 2.0), false),
            (0, (10.0, 10.4), false),
            (0, (10.0, 12.0), true),
            (4, (0.0, 100.0), false),
            (2, (0.0, 100.0), false),
            (6, (7.0, 7.0), true),
        ];
        for (leaf, range, drawn) in cases {
            let values: Vec<Option<Value>> = (0..200)
                .map(|_| drawable.draw_within(leaf, (range, false), None, &mut rng))
                .collect();
            assert_eq!(
                values.iter().all(Option::is_some),
                drawn,
                "{leaf} {range:?}"
            );
            let draws: Vec<Value> = values.into_iter().flatten().collect();
            if drawn {
                summary(&draws, range);
            }
        }
    }

    /// A leaf of 40 untaxed rows (0) and 60 taxed ones (10 to 69) drawn inside `[20, 29]`
    /// with its values of 0 or less: 40 zeros against 10 values in range, so four draws in
    /// five are 0 (drawing until a value falls in either part gives that), the rest in range;
    /// long runs of zeros (runs, not one by one) alike. Without zeros in the leaf,
    /// `below_zero` changes no draw.
    #[test]
    fn draws_within_a_range_or_below_zero_by_their_counts() {
        let number = |x: f64| Value::Number(x);
        let taxed = (10..70).map(|i| number(f64::from(i)));
        let leaves = [
            (
                0,
                Runs::new(vec![number(0.0); 40].into_iter().chain(taxed).collect()),
            ),
            (
                0,
                Runs::new((10..70).map(|i| number(f64::from(i))).collect()),
            ),
        ];
        let drawable = drawable_of(&leaves);
        let mut rng = rng_for(8, "below zero");
        let draws: Vec<f64> = (0..5_000)
            .filter_map(|_| {
                let within = ((20.0, 29.0), true);
                drawable.draw_within(0, within, None, &mut rng)?.as_number()
            })
            .collect();
        assert_eq!(draws.len(), 5_000);
        let zeros = draws.iter().filter(|&&x| x == 0.0).count();
        assert!((3_850..=4_150).contains(&zeros), "{zeros} zeros of 5,000");
        assert!(
            draws
                .iter()
                .all(|&x| x == 0.0 || (20.0..=29.0).contains(&x))
        );
        // Nothing in range: only zeros; nothing at all: none.
        let only = drawable.draw_within(0, ((80.0, 90.0), true), None, &mut rng);
        assert_eq!(only.and_then(|v| v.as_number()), Some(0.0));
        let none = drawable.draw_within(1, ((80.0, 90.0), true), None, &mut rng);
        assert!(none.is_none());
        let (mut ours, mut theirs) = (rng_for(9, "same"), rng_for(9, "same"));
        for _ in 0..200 {
            let a = drawable.draw_within(1, ((20.0, 29.0), true), None, &mut ours);
            let b = drawable.draw_within(1, ((20.0, 29.0), false), None, &mut theirs);
            assert_eq!(a, b);
        }
    }

    fn ends_of(sorted: &[f64]) -> (f64, f64) {
        (sorted[0], sorted[sorted.len() - 1])
    }

    #[test]
    fn bounds_searched_near_a_guess_are_where_a_binary_search_finds_them() {
        let mut rng = rng_for(5, "partition");
        for size in [1usize, 2, 3, 7, 64, 1000] {
            let mut sorted: Vec<f64> = (0..size)
                .map(|_| f64::from(rng.random_range(0..(size as u32 / 3 + 2))))
                .collect();
            sorted.sort_by(f64::total_cmp);
            for _ in 0..300 {
                let value = rng.random_range(-2.0..size as f64 / 3.0 + 3.0);
                let value = if rng.random_bool(0.5) {
                    value.round()
                } else {
                    value
                };
                let near = rng.random_range(0..=size + 2);
                let strict = sorted.partition_point(|&x| x < value);
                let loose = sorted.partition_point(|&x| x <= value);
                assert_eq!(partition_near(&sorted, near, |x| x < value), strict);
                assert_eq!(partition_near(&sorted, near, |x| x <= value), loose);
                let at = guess(ends_of(&sorted), size, value);
                assert_eq!(partition_near(&sorted, at, |x| x < value), strict);
            }
            for infinite in [f64::NEG_INFINITY, f64::INFINITY] {
                let at = guess(ends_of(&sorted), size, infinite);
                assert_eq!(
                    partition_near(&sorted, at, |x| x < infinite),
                    sorted.partition_point(|&x| x < infinite)
                );
            }
        }
    }
}
