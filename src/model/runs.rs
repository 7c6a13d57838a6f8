//! A list of values kept as runs of equal values: what a leaf of a learned model's tree holds.
//!
//! Leaves keep their training values sorted, so they repeat a lot (every category, every spike
//! of a number). As runs they take far less memory and far less room in a model file, and a
//! model file cannot make the loader allocate more than the runs it actually contains: a
//! corrupt repeat count is a number, not a gigabyte-sized vector.
//!
//! [`runs_of`] is the crate's one run-length encoding: [`Runs`] is built with it, and so are
//! the sorted lists a model file writes as runs (see `stored::repeats`).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::Value;

/// Values as runs; indexing gives the same values as the expanded list would.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    /// One value per run.
    values: Vec<Value>,
    /// The index one past the end of each run in the expanded list.
    ends: Vec<usize>,
}

/// Values compared exactly: numbers by their bits, so runs keep `-0.0` apart from `0.0` and
/// reproduce values to the bit.
pub trait Exact {
    /// Whether two values are the same to the bit.
    fn same(&self, other: &Self) -> bool;

    /// The bytes a copy of the value holds beyond its own size (a string's text): what
    /// expanding a run of it costs besides the list's room.
    fn heap_bytes(&self) -> usize {
        0
    }
}

impl Exact for f64 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl Exact for usize {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Exact for String {
    fn same(&self, other: &Self) -> bool {
        self == other
    }

    fn heap_bytes(&self) -> usize {
        self.len()
    }
}

impl Exact for Value {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
            _ => self == other,
        }
    }
}

impl<T: Exact> Exact for &T {
    fn same(&self, other: &Self) -> bool {
        (**self).same(*other)
    }
}

/// Consecutive equal values of `values` as (value, repeat count) runs, in order.
pub fn runs_of<T: Exact>(values: impl IntoIterator<Item = T>) -> Vec<(T, u64)> {
    let mut runs: Vec<(T, u64)> = Vec::new();
    for value in values {
        match runs.last_mut() {
            Some((last, count)) if last.same(&value) => *count += 1,
            _ => runs.push((value, 1)),
        }
    }
    runs
}

impl Runs {
    /// Runs of `values`, in order.
    pub fn new(values: Vec<Value>) -> Runs {
        let mut runs = Runs::default();
        for (value, count) in runs_of(values) {
            runs.push(value, count as usize);
        }
        runs
    }

    fn push(&mut self, value: Value, count: usize) {
        let end = self.len() + count;
        match self.values.last() {
            Some(last) if last.same(&value) => {
                if let Some(last_end) = self.ends.last_mut() {
                    *last_end = end;
                }
            }
            _ => {
                self.values.push(value);
                self.ends.push(end);
            }
        }
    }

    /// The number of values (not runs).
    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// One value per run, in order (each distinct stretch once: for checks over every value).
    pub fn run_values(&self) -> &[Value] {
        &self.values
    }

    /// Where each run ends in the expanded list (one past its last index), in order.
    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    /// The value at `index` of the expanded list; `index < len()`.
    pub fn get(&self, index: usize) -> &Value {
        if self.values.len() == self.len() {
            // Every run has length one (distinct numbers): plain indexing.
            return &self.values[index];
        }
        &self.values[self.run_of(index).min(self.values.len() - 1)]
    }

    fn run_of(&self, index: usize) -> usize {
        run_holding(&self.ends, index)
    }
}

/// The run holding `index` (`ends.partition_point(|&end| end <= index)`) for runs ending at
/// `ends` (ascending, the last one the length of the list), searched from where it would be
/// if runs were of equal length: runs of similar lengths are then found in a cache line or
/// two instead of a binary search across a large leaf.
pub fn run_holding(ends: &[usize], index: usize) -> usize {
    let len = ends.last().copied().unwrap_or(0);
    run_holding_in(ends, len, index)
}

/// [`run_holding`] given the length of the list (the last end) as its caller knows it: one
/// load fewer from a large leaf, a cache miss each draw.
pub fn run_holding_in(ends: &[usize], len: usize, index: usize) -> usize {
    let n = ends.len();
    if n == 0 {
        return 0;
    }
    let before = |run: usize| ends[run] <= index;
    let guess = guessed_run(n, len, index);
    // The answer lies in lo..=hi, with `before(lo - 1)` (or lo == 0) and hi == n or
    // `!before(hi)`.
    let (lo, hi) = if before(guess) {
        let (mut lo, mut hi, mut step) = (guess + 1, guess + 1, 1);
        while hi < n && before(hi) {
            lo = hi + 1;
            hi = lo.saturating_add(step).min(n);
            step *= 2;
        }
        (lo, hi.min(n))
    } else {
        let (mut hi, mut step) = (guess, 1);
        loop {
            let probe = hi.saturating_sub(step);
            if probe == hi {
                break (0, hi);
            }
            if before(probe) {
                break (probe + 1, hi);
            }
            hi = probe;
            step *= 2;
        }
    };
    lo + ends[lo..hi].partition_point(|&end| end <= index)
}

/// The run that would hold `index` of a list of `len` values in `runs` runs (at least one) if
/// the runs were of equal length: where [`run_holding_in`] starts looking.
pub fn guessed_run(runs: usize, len: usize, index: usize) -> usize {
    // In 64 bits where the product fits (every list that fits in memory, nearly): a 128-bit
    // division is a software routine, a tenth of a microsecond on every draw.
    let guess = match (index as u64).checked_mul(runs as u64) {
        Some(product) => (product / len.max(1) as u64) as usize,
        None => ((index as u128 * runs as u128) / len.max(1) as u128) as usize,
    };
    guess.min(runs.saturating_sub(1))
}

impl Runs {
    /// The values at `low` and at `high` (`low <= high <= low + 1 < len()`, as a quantile
    /// between two neighbours reads them), with one search through the runs.
    pub fn get_pair(&self, low: usize, high: usize) -> (&Value, &Value) {
        if self.values.len() == self.len() {
            return (&self.values[low], &self.values[high]);
        }
        let last = self.values.len() - 1;
        let run = self.run_of(low).min(last);
        // `high` is in the same run unless `low` ends it.
        if high < self.ends[run] {
            return (&self.values[run], &self.values[run]);
        }
        (&self.values[run], self.get(high))
    }
}

impl Serialize for Runs {
    /// A list of (value, repeat count) pairs.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut start = 0;
        serializer.collect_seq(self.values.iter().zip(&self.ends).map(|(value, &end)| {
            let count = (end - start) as u64;
            start = end;
            (value, count)
        }))
    }
}

impl<'de> Deserialize<'de> for Runs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Runs, D::Error> {
        let pairs = Vec::<(Value, u64)>::deserialize(deserializer)?;
        let mut runs = Runs::default();
        for (value, count) in pairs {
            let count = usize::try_from(count)
                .ok()
                .filter(|&count| count > 0 && runs.len().checked_add(count).is_some())
                .ok_or_else(|| D::Error::custom(format!("invalid run length {count}")))?;
            runs.push(value, count);
        }
        Ok(runs)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_guessed_run_is_the_exact_proportion_also_where_64_bits_overflow() {
        let exact = |runs: usize, len: usize, index: usize| {
            let guess = (index as u128 * runs as u128 / len.max(1) as u128) as usize;
            guess.min(runs.saturating_sub(1))
        };
        let big = usize::MAX / 3;
        for (runs, len, index) in [
            (1, 1, 0),
            (7, 100, 99),
            (7, 100, 50),
            (100, 7, 6),
            (0, 0, 0),
            (1 << 20, 1 << 40, (1 << 40) - 1),
            (big, usize::MAX, usize::MAX - 1),
            (big, usize::MAX, big),
            (usize::MAX, usize::MAX, usize::MAX / 2),
        ] {
            assert_eq!(
                guessed_run(runs, len, index),
                exact(runs, len, index),
                "{runs} runs, {len} values, index {index}"
            );
        }
    }

    fn values() -> Vec<Value> {
        vec![
            Value::Number(-0.0),
            Value::Number(0.0),
            Value::Number(0.0),
            Value::Label(Arc::from("a")),
            Value::Label(Arc::from("a")),
            Value::Label(Arc::from("a")),
            Value::Flag(true),
            Value::Null,
        ]
    }

    #[test]
    fn indexing_matches_the_expanded_list() {
        let values = values();
        let runs = Runs::new(values.clone());
        assert_eq!(runs.len(), values.len());
        for (index, value) in values.iter().enumerate() {
            assert_eq!(runs.get(index), value, "index {index}");
        }
        assert!(runs.get(0).as_number().is_some_and(f64::is_sign_negative));
        let distinct = Runs::new((0..5).map(|i| Value::Number(f64::from(i))).collect());
        assert_eq!(distinct.get(3), &Value::Number(3.0));
    }

    #[test]
    fn pairs_match_single_lookups() {
        let runs = Runs::new(values());
        let repeated = Runs::new(vec![Value::Number(1.0); 3]);
        let distinct = Runs::new(vec![Value::Number(1.0), Value::Number(2.0)]);
        for runs in [runs, repeated, distinct] {
            for low in 0..runs.len() {
                for high in [low, (low + 1).min(runs.len() - 1)] {
                    let (a, b) = runs.get_pair(low, high);
                    assert!(a.same(runs.get(low)), "{low}");
                    assert!(b.same(runs.get(high)), "{high}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn runs_are_found_as_a_binary_search_finds_them(
            lengths in proptest::collection::vec(1usize..40, 1..60),
            skew in 0usize..3,
        ) {
            // Runs of varied lengths, some very long (skew), over distinct numbers.
            let mut values = Vec::new();
            for (run, &length) in lengths.iter().enumerate() {
                let length = if run % 7 == skew { length * 50 } else { length };
                values.extend(std::iter::repeat_n(Value::Number(run as f64), length));
            }
            let runs = Runs::new(values);
            for index in 0..runs.len() {
                let expected = runs.ends.partition_point(|&end| end <= index);
                proptest::prop_assert_eq!(runs.run_of(index), expected);
            }
        }
    }

    #[test]
    fn runs_round_trip_exactly_and_compactly() {
        let runs = Runs::new(values());
        let bytes = postcard::to_stdvec(&runs).expect("encode");
        let back: Runs = postcard::from_bytes(&bytes).expect("decode");
        assert_eq!(back.len(), runs.len());
        for index in 0..runs.len() {
            assert!(back.get(index).same(runs.get(index)), "index {index}");
        }
        let long = Runs::new(vec![Value::Label(Arc::from("same")); 100_000]);
        assert!(postcard::to_stdvec(&long).expect("encode").len() < 20);
    }

    #[test]
    fn absurd_run_lengths_are_refused_not_allocated() {
        let zero = postcard::to_stdvec(&vec![(Value::Null, 0u64)]).expect("encode");
        assert!(postcard::from_bytes::<Runs>(&zero).is_err());
        let huge = postcard::to_stdvec(&vec![(Value::Null, u64::MAX), (Value::Flag(true), 2)])
            .expect("encode");
        assert!(postcard::from_bytes::<Runs>(&huge).is_err());
        let big = postcard::to_stdvec(&vec![(Value::Null, 1u64 << 40)]).expect("encode");
        let runs: Runs = postcard::from_bytes(&big).expect("a count is only a number");
        assert_eq!(runs.len(), 1 << 40);
    }
}
