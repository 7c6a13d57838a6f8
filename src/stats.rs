//! Pure statistics over plain columns: the measures of METRICS.md (KS, TVD, Pearson, Cramér's
//! V, children per parent, distances, ...), each checkable by hand on a few values.
//!
//! A bottom-layer module (it imports nothing of the crate) because both sides need the same
//! arithmetic: the generator (key assignment measures how strongly parent columns tell children
//! apart) and the quality report (`evaluate`), and one must not depend on the other.
//!
//! Columns arrive as `Option`s (`None` is an empty field): continuous columns as numbers
//! (datetimes as seconds since the epoch), discrete columns as category codes. Every function
//! here runs in `O(n)` or `O(n log n)`; distance to closest record is the only pairwise measure and
//! its callers subsample (see [`nearest_distances`]).

use std::collections::HashMap;
use std::hash::Hash;

use rayon::prelude::*;

/// Bins a continuous column is cut into when it meets a discrete one (pair trends; the maximum
/// gets one more, see [`equal_width_bins`]) and when sequence transitions are counted, as the
/// field's reference report does.
pub const BINS: usize = 10;

/// The two-sample Kolmogorov–Smirnov statistic `sup |F_a − F_b|`, nulls dropped on each side.
/// Two empty sides do not differ (0); one empty side differs completely (1). Values are first
/// rounded to [`KS_DECIMALS`] decimals, as the field's reference report does, so `2.4` and
/// `2.3999999999999999` (one side written by a float formatter) count as the same value.
pub fn ks(a: &[Option<f64>], b: &[Option<f64>]) -> f64 {
    let rounded = |values: &[Option<f64>]| {
        let mut present: Vec<f64> = values
            .iter()
            .flatten()
            .map(|&x| round_decimals(x))
            .collect();
        present.sort_unstable_by(f64::total_cmp);
        present
    };
    ks_sorted(&rounded(a), &rounded(b))
}

/// Decimals numbers keep before KS compares them (`sys.float_info.dig − 1`, SDMetrics').
pub const KS_DECIMALS: i32 = 14;

/// `x` rounded to [`KS_DECIMALS`] decimals; numbers too large to carry that many decimals are
/// left as they are.
pub fn round_decimals(x: f64) -> f64 {
    let scale = 10f64.powi(KS_DECIMALS);
    let scaled = x * scale;
    if scaled.abs() < 2f64.powi(52) {
        scaled.round() / scale
    } else {
        x
    }
}

/// `x` rounded to a multiple of `step` (a column's decimals, whole numbers, tens), the way a
/// person would write it: a step below one divides by its inverse (`57 / 100` is the double
/// nearest 0.57, where `57 * 0.01` is 0.5700000000000001, which a column written with many
/// places shows). Where the grid is finer than a double can tell apart at `x` (wind speeds
/// written with 15 places), `x` is already on it and is kept; a step of 0 or less keeps `x`.
pub fn on_step(x: f64, step: f64) -> f64 {
    let multiples = x / step;
    let representable = step > 0.0 && multiples.abs() < 2f64.powi(52);
    if !representable {
        return x;
    }
    let inverse = (1.0 / step).round();
    if step < 1.0 && (inverse * step - 1.0).abs() < 1e-12 {
        multiples.round() / inverse
    } else {
        multiples.round() * step
    }
}

/// [`ks`] over sorted, null-free samples: one merge pass, so hundreds of thousands of rows cost
/// a sort each and no more.
pub fn ks_sorted(a: &[f64], b: &[f64]) -> f64 {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return 0.0,
        (true, false) | (false, true) => return 1.0,
        (false, false) => {}
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut worst) = (0, 0, 0.0_f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        worst = worst.max((i as f64 / na - j as f64 / nb).abs());
    }
    worst
}

/// The non-null values, sorted.
pub fn sorted_present(values: &[Option<f64>]) -> Vec<f64> {
    let mut present: Vec<f64> = values.iter().flatten().copied().collect();
    present.sort_unstable_by(f64::total_cmp);
    present
}

/// Total variation distance `½ Σ_v |p_a(v) − p_b(v)|` between the category frequencies of two
/// discrete columns, nulls dropped. Empty sides behave as in [`ks`].
pub fn tvd(a: &[Option<u32>], b: &[Option<u32>]) -> f64 {
    let a: Vec<u32> = a.iter().flatten().copied().collect();
    let b: Vec<u32> = b.iter().flatten().copied().collect();
    tvd_of(
        &frequencies(a.iter().copied()),
        &frequencies(b.iter().copied()),
    )
}

/// A hash map whose iteration order follows its inserts only (a fixed hasher, not a random
/// one per process): scores summed over it come out the same to the last digit in every run.
pub type FixedMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// A hash map for the hot paths over real values (interning labels, counting distinct values,
/// checking keys): foldhash, several times faster than the standard SipHash on short strings,
/// seeded at random per map as the standard one is, so crafted input cannot aim at a fixed
/// seed and nothing may follow its iteration order.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The set form of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Counts of each item, and how many items there were.
pub fn frequencies<K: Hash + Eq>(items: impl Iterator<Item = K>) -> (FixedMap<K, usize>, usize) {
    let mut counts = FixedMap::default();
    let mut total = 0;
    for item in items {
        *counts.entry(item).or_insert(0) += 1;
        total += 1;
    }
    (counts, total)
}

/// The chance that two of `items`, drawn at random with replacement, are one: the sum of the
/// squared share of each (0 of none). What a rule that rows never share a value is weighed
/// against: by chance, some would.
pub fn same_chance<K: Hash + Eq>(items: impl Iterator<Item = K>) -> f64 {
    let (counts, total) = frequencies(items);
    let total = total as f64;
    counts
        .values()
        .map(|&n| (n as f64 / total) * (n as f64 / total))
        .sum()
}

/// Total variation distance between two sets of counts (see [`tvd`] for empty sides).
pub fn tvd_of<K: Hash + Eq>(
    a: &(FixedMap<K, usize>, usize),
    b: &(FixedMap<K, usize>, usize),
) -> f64 {
    let ((counts_a, na), (counts_b, nb)) = (a, b);
    match (*na == 0, *nb == 0) {
        (true, true) => return 0.0,
        (true, false) | (false, true) => return 1.0,
        (false, false) => {}
    }
    let share = |count: usize, total: usize| count as f64 / total as f64;
    let mut sum = 0.0;
    for (key, &count) in counts_a {
        let other = counts_b.get(key).copied().unwrap_or(0);
        sum += (share(count, *na) - share(other, *nb)).abs();
    }
    for (key, &count) in counts_b {
        if !counts_a.contains_key(key) {
            sum += share(count, *nb);
        }
    }
    (sum / 2.0).min(1.0)
}

/// Pearson's correlation over the rows where both values are present. `None` when it is not
/// defined: fewer than two such rows, or a constant column.
pub fn pearson(x: &[Option<f64>], y: &[Option<f64>]) -> Option<f64> {
    let rows: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    if rows.len() < 2 {
        return None;
    }
    let n = rows.len() as f64;
    let mean_x = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let mean_y = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &rows {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let denominator = (sxx * syy).sqrt();
    (denominator > 0.0 && denominator.is_finite()).then(|| (sxy / denominator).clamp(-1.0, 1.0))
}

/// The standard normal distribution function Φ (Abramowitz and Stegun 26.2.17: absolute error
/// below 7.5e-8), for the normal scores a rank is carried in from one row to the next.
pub fn normal_cdf(z: f64) -> f64 {
    const B: [f64; 5] = [
        0.319_381_530,
        -0.356_563_782,
        1.781_477_937,
        -1.821_255_978,
        1.330_274_429,
    ];
    let x = z.abs();
    let t = 1.0 / (1.0 + 0.231_641_9 * x);
    let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = density * t * (B[0] + t * (B[1] + t * (B[2] + t * (B[3] + t * B[4]))));
    if z >= 0.0 { 1.0 - tail } else { tail }
}

/// The inverse of [`normal_cdf`] (P. J. Acklam's rational approximation: relative error below
/// 1.2e-9) for `p` in (0, 1); the ends are held a billionth inside.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.024_25;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// `1 − |ρ_real − ρ_syn| / 2`. An undefined correlation (constant column, too few rows) counts
/// as 0: such a column has no linear relationship to keep.
pub fn correlation_similarity(real: Option<f64>, synthetic: Option<f64>) -> f64 {
    1.0 - (real.unwrap_or(0.0) - synthetic.unwrap_or(0.0)).abs() / 2.0
}

/// Cuts a continuous column into `bins` equal-width bins over its own [min, max] the way the
/// field's reference report does (`numpy.histogram_bin_edges`, then `numpy.digitize`): edges
/// `min + i * (max − min) / bins`, intervals closed on the left, so a value on an edge (common in
/// integer columns) goes up, and the maximum gets a bin of its own (code `bins`). Nulls stay
/// null; a constant column falls in one bin.
pub fn equal_width_bins(values: &[Option<f64>], bins: usize) -> Vec<Option<u32>> {
    let present = values.iter().flatten();
    let min = present.clone().copied().fold(f64::INFINITY, f64::min);
    let max = present.copied().fold(f64::NEG_INFINITY, f64::max);
    let step = (max - min) / bins as f64;
    // numpy.linspace: start + i * step, the last edge exactly the maximum.
    let mut edges: Vec<f64> = (0..bins).map(|i| min + i as f64 * step).collect();
    edges.push(max);
    values
        .iter()
        .map(|value| {
            let x = (*value)?;
            if step > 0.0 && step.is_finite() {
                let above = edges.partition_point(|&edge| edge <= x);
                Some(above.saturating_sub(1) as u32)
            } else {
                Some(0)
            }
        })
        .collect()
}

/// The inner edges of `bins` quantile bins of a sample (the `k / bins` quantiles, `k` in
/// `1..bins`); empty for an empty sample.
pub fn quantile_edges(values: &[Option<f64>], bins: usize) -> Vec<f64> {
    let sorted = sorted_present(values);
    if sorted.is_empty() {
        return Vec::new();
    }
    let last = sorted.len() - 1;
    (1..bins)
        .map(|k| sorted[(k * last).div_ceil(bins).min(last)])
        .collect()
}

/// The bin of each value given inner `edges` (a value equal to an edge falls below it).
pub fn bin_by_edges(values: &[Option<f64>], edges: &[f64]) -> Vec<Option<u32>> {
    values
        .iter()
        .map(|value| value.map(|x| edges.partition_point(|&edge| edge < x) as u32))
        .collect()
}

/// A two-way frequency table over two discrete columns, nulls a category of their own. Cell
/// `(a, b)` is keyed `a * strides.1 + b`, codes `0..stride-1`, null `stride - 1`. Small tables
/// (most: bins and categories) count into an array, large ones into a map.
struct Joint {
    counts: Counts,
    rows: usize,
}

enum Counts {
    Dense(Vec<usize>),
    Sparse(FixedMap<u64, usize>),
}

/// Tables with at most this many cells are counted into an array.
const DENSE_CELLS: u64 = 1 << 16;

impl Counts {
    fn get(&self, key: u64) -> usize {
        match self {
            Counts::Dense(counts) => counts.get(key as usize).copied().unwrap_or(0),
            Counts::Sparse(counts) => counts.get(&key).copied().unwrap_or(0),
        }
    }

    /// The non-empty cells.
    fn cells(&self) -> Vec<(u64, usize)> {
        match self {
            Counts::Dense(counts) => counts
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(key, count)| (key as u64, *count))
                .collect(),
            Counts::Sparse(counts) => counts.iter().map(|(key, count)| (*key, *count)).collect(),
        }
    }
}

impl Joint {
    fn count(a: &[Option<u32>], b: &[Option<u32>], strides: (u64, u64)) -> Joint {
        let code = |value: Option<u32>, stride: u64| value.map_or(stride - 1, u64::from);
        let keys = a
            .iter()
            .zip(b)
            .map(|(x, y)| code(*x, strides.0) * strides.1 + code(*y, strides.1));
        let size = strides.0.saturating_mul(strides.1);
        let counts = if size <= DENSE_CELLS {
            let mut counts = vec![0; size as usize];
            keys.for_each(|key| counts[key as usize] += 1);
            Counts::Dense(counts)
        } else {
            Counts::Sparse(frequencies(keys).0)
        };
        Joint {
            counts,
            rows: a.len().min(b.len()),
        }
    }

    /// Total variation distance to another table over the same strides.
    fn tvd(&self, other: &Joint) -> f64 {
        match (self.rows == 0, other.rows == 0) {
            (true, true) => return 0.0,
            (true, false) | (false, true) => return 1.0,
            (false, false) => {}
        }
        let (na, nb) = (self.rows as f64, other.rows as f64);
        let mut sum = 0.0;
        for (key, count) in self.counts.cells() {
            sum += (count as f64 / na - other.counts.get(key) as f64 / nb).abs();
        }
        for (key, count) in other.counts.cells() {
            if self.counts.get(key) == 0 {
                sum += count as f64 / nb;
            }
        }
        (sum / 2.0).min(1.0)
    }
}

/// One more than the largest code (room for the null category).
fn stride(columns: &[&[Option<u32>]]) -> u64 {
    let largest = columns
        .iter()
        .flat_map(|column| column.iter().flatten())
        .copied()
        .max()
        .map_or(0, u64::from);
    largest + 2
}

/// `1 − TVD` of the two-way frequency tables of (a, b) in the real and the synthetic data, nulls
/// a category of their own. Callers bin continuous columns first ([`equal_width_bins`]).
pub fn contingency_similarity(
    real: (&[Option<u32>], &[Option<u32>]),
    synthetic: (&[Option<u32>], &[Option<u32>]),
) -> f64 {
    let strides = (
        stride(&[real.0, synthetic.0]),
        stride(&[real.1, synthetic.1]),
    );
    let real = Joint::count(real.0, real.1, strides);
    let synthetic = Joint::count(synthetic.0, synthetic.1, strides);
    1.0 - real.tvd(&synthetic)
}

/// Cramér's V of two discrete columns (nulls a category), without bias correction as
/// `scipy.stats.contingency.association` computes it: how strongly the real data ties them,
/// which decides whether a pair counts in the thresholded score. 0 when a side has one category.
pub fn cramers_v(a: &[Option<u32>], b: &[Option<u32>]) -> f64 {
    let strides = (stride(&[a]), stride(&[b]));
    let joint = Joint::count(a, b, strides);
    let cells = joint.counts.cells();
    let mut rows: HashMap<u64, usize> = HashMap::new();
    let mut columns: HashMap<u64, usize> = HashMap::new();
    for &(cell, count) in &cells {
        *rows.entry(cell / strides.1).or_insert(0) += count;
        *columns.entry(cell % strides.1).or_insert(0) += count;
    }
    let smaller = rows.len().min(columns.len());
    if smaller < 2 || joint.rows == 0 {
        return 0.0;
    }
    let n = joint.rows as f64;
    let sum: f64 = cells
        .iter()
        .map(|&(cell, count)| {
            let expected = rows[&(cell / strides.1)] as f64 * columns[&(cell % strides.1)] as f64;
            (count as f64).powi(2) / expected
        })
        .sum();
    let chi2 = (n * (sum - 1.0)).max(0.0);
    (chi2 / (n * (smaller - 1) as f64)).sqrt().min(1.0)
}

/// The number of children of every parent row (zeros included) given, for each child row, the
/// index of its parent row (`None`: empty or dangling key, not counted).
pub fn children_per_parent(parent_of_row: &[Option<usize>], parents: usize) -> Vec<usize> {
    let mut counts = vec![0; parents];
    for parent in parent_of_row.iter().flatten() {
        if let Some(count) = counts.get_mut(*parent) {
            *count += 1;
        }
    }
    counts
}

/// `1 − KS` between the real and the synthetic children-per-parent counts.
pub fn cardinality_similarity(real: &[usize], synthetic: &[usize]) -> f64 {
    let to_sorted = |counts: &[usize]| {
        let mut values: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        values.sort_unstable_by(f64::total_cmp);
        values
    };
    1.0 - ks_sorted(&to_sorted(real), &to_sorted(synthetic))
}

/// Joins child rows to parent rows: the child rows that have a parent, and the parent row of
/// each, in child order (the denormalised table intertable trends are scored on).
pub fn join(parent_of_row: &[Option<usize>]) -> (Vec<usize>, Vec<usize>) {
    parent_of_row
        .iter()
        .enumerate()
        .filter_map(|(child, parent)| parent.map(|parent| (child, parent)))
        .unzip()
}

/// The values at `rows` (a gather; used to build joined and subsampled columns).
pub fn pick<T: Copy>(values: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&row| values[row]).collect()
}

/// Rows of scored columns prepared for distances: continuous values as `(x − real min) / real
/// range` (so `|a − b|` is the normalised difference), discrete values as codes. Continuous
/// columns come first in each row, so the inner loop of [`nearest_distances`] runs without a
/// branch per cell; empty fields are stored as sentinels that give exactly the distances
/// [`cell_distance`] defines.
#[derive(Debug, Clone, Default)]
pub struct RowMatrix {
    /// How many columns are continuous (they come first).
    continuous: usize,
    /// Columns per row.
    width: usize,
    /// Row-major cells.
    cells: Vec<f64>,
}

/// An empty continuous cell: at least 1 away from any value, 0 from another empty cell.
const EMPTY_NUMBER: f64 = 1e12;
/// An empty discrete cell: a code of its own.
const EMPTY_CODE: f64 = -1.0;

impl RowMatrix {
    /// An empty matrix of `continuous` continuous columns followed by `discrete` discrete ones.
    pub fn new(continuous: usize, discrete: usize) -> RowMatrix {
        RowMatrix {
            continuous,
            width: continuous + discrete,
            cells: Vec::new(),
        }
    }

    /// Adds a row (continuous cells first; NaN is an empty field). A continuous value that
    /// cannot be normalised (the real range is empty) is given as `f64::INFINITY`.
    pub fn push(&mut self, row: &[f64]) {
        for (index, &cell) in row.iter().enumerate().take(self.width) {
            let stored = match (index < self.continuous, cell.is_nan()) {
                (true, true) => EMPTY_NUMBER,
                (true, false) => cell.clamp(-1e6, 1e6),
                (false, true) => EMPTY_CODE,
                (false, false) => cell,
            };
            self.cells.push(stored);
        }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        match self.width {
            0 => 0,
            width => self.cells.len() / width,
        }
    }
}

/// The distance between two cells of a column: for continuous cells the normalised difference
/// capped at 1, for discrete cells 0 or 1; two nulls are equal, one null is as far as can be.
pub fn cell_distance(a: f64, b: f64, continuous: bool) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => 0.0,
        (true, false) | (false, true) => 1.0,
        (false, false) if continuous => (a - b).abs().min(1.0),
        (false, false) => f64::from(u8::from(a != b)),
    }
}

/// The distance between two rows: the mean of the cell distances.
pub fn row_distance(a: &[f64], b: &[f64], continuous: &[bool]) -> f64 {
    if continuous.is_empty() {
        return 0.0;
    }
    let sum: f64 = a
        .iter()
        .zip(b)
        .zip(continuous)
        .map(|((x, y), c)| cell_distance(*x, *y, *c))
        .sum();
    sum / continuous.len() as f64
}

/// Distance to closest record: for every row of `queries`, its distance to the nearest row of
/// `reference` (both with the same columns). Exhaustive (`queries x reference` row distances,
/// skipping a row's discrete part when its continuous part is already too far), so callers cap
/// both sizes; empty when either side is empty or there are no columns.
pub fn nearest_distances(queries: &RowMatrix, reference: &RowMatrix) -> Vec<f64> {
    let width = reference.width;
    if width == 0 || reference.rows() == 0 || queries.width != width {
        return Vec::new();
    }
    queries
        .cells
        .par_chunks_exact(width)
        .map(|query| nearest(query, reference))
        .collect()
}

fn nearest(query: &[f64], reference: &RowMatrix) -> f64 {
    let split = reference.continuous;
    let (query_numbers, query_codes) = query.split_at(split);
    let mut best = f64::INFINITY;
    for row in reference.cells.chunks_exact(reference.width) {
        let (numbers, codes) = row.split_at(split);
        let mut sum: f64 = numbers
            .iter()
            .zip(query_numbers)
            .map(|(a, b)| (a - b).abs().min(1.0))
            .sum();
        if sum >= best {
            continue;
        }
        sum += codes
            .iter()
            .zip(query_codes)
            .filter(|(a, b)| a != b)
            .count() as f64;
        if sum < best {
            best = sum;
            if best == 0.0 {
                break;
            }
        }
    }
    best / reference.width as f64
}

/// The median of a sample (mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// `min(1, median DCR(synthetic) / median DCR(random rows))`: 1 when synthetic rows are no
/// closer to real records than random rows are. `None` when either median is missing or the
/// random rows themselves sit on real records (nothing to compare against).
pub fn baseline_protection(
    synthetic_median: Option<f64>,
    random_median: Option<f64>,
) -> Option<f64> {
    let (synthetic, random) = (synthetic_median?, random_median?);
    (random > 0.0).then(|| (synthetic / random).min(1.0))
}

/// The share of `synthetic` rows identical to some row of `real`; `None` without synthetic rows.
pub fn exact_copy_share<R: Hash + Eq>(real: &[R], synthetic: &[R]) -> Option<f64> {
    if synthetic.is_empty() {
        return None;
    }
    let known: std::collections::HashSet<&R> = real.iter().collect();
    let copies = synthetic.iter().filter(|row| known.contains(row)).count();
    Some(copies as f64 / synthetic.len() as f64)
}

/// The mean of some scores; `None` for none.
pub fn mean(scores: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = scores
        .into_iter()
        .fold((0.0, 0_usize), |(sum, count), score| {
            (sum + score, count + 1)
        });
    (count > 0).then(|| sum / count as f64)
}

#[cfg(test)]
mod tests {
    /// Φ and its inverse at known points, and the inverse undoing Φ.
    #[test]
    fn the_normal_distribution_and_its_inverse() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!((normal_quantile(0.01) + 2.326_348).abs() < 1e-5);
        for p in [0.001, 0.02, 0.3, 0.5, 0.77, 0.99, 0.9995] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-6, "{p}");
        }
    }

    use super::*;

    /// A decimal step gives the decimal a person writes; a grid finer than a double keeps the
    /// number; a step of 0 keeps it; whole steps and steps above one round as before.
    #[test]
    fn numbers_on_a_step_are_the_numbers_written() {
        assert_eq!(on_step(0.566, 0.01), 0.57);
        assert_ne!(57.0 * 0.01, 0.57, "the product the division avoids");
        assert_eq!(on_step(19.56326, 1e-15), 19.56326);
        assert_eq!(on_step(2.5e-7, 1e-7), 3e-7);
        assert_eq!(on_step(126.0, 10.0), 130.0);
        assert_eq!(on_step(-2.4, 1.0), -2.0);
        assert_eq!(on_step(0.3, 0.25), 0.25);
        assert_eq!(on_step(1.234, 0.0), 1.234);
        assert!(on_step(f64::NAN, 0.01).is_nan());
    }

    fn numbers(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().map(|&x| Some(x)).collect()
    }

    fn codes(values: &[u32]) -> Vec<Option<u32>> {
        values.iter().map(|&x| Some(x)).collect()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn ks_is_the_largest_gap_between_the_two_cdfs() {
        // F_a steps 1/3 at 1, 2, 3; F_b steps 1/2 at 2.5, 3. At x = 2: F_a = 2/3, F_b = 0.
        close(
            ks(&numbers(&[1.0, 2.0, 3.0]), &numbers(&[2.5, 3.0])),
            2.0 / 3.0,
        );
        close(ks(&numbers(&[1.0, 2.0]), &numbers(&[2.0, 1.0])), 0.0);
        close(ks(&numbers(&[0.0]), &numbers(&[1.0])), 1.0);
        // Ties across the samples: at x = 1, F_a = 1/2 and F_b = 1/4; at x = 2, 1 and 1/4.
        close(
            ks(&numbers(&[1.0, 2.0]), &numbers(&[1.0, 3.0, 3.0, 3.0])),
            0.75,
        );
    }

    #[test]
    fn ks_drops_nulls_and_handles_empty_and_constant_samples() {
        let with_nulls = [Some(1.0), None, Some(2.0), None];
        close(ks(&with_nulls, &numbers(&[1.0, 2.0])), 0.0);
        close(ks(&[None, None], &[None]), 0.0);
        close(ks(&[], &numbers(&[1.0])), 1.0);
        close(ks(&numbers(&[5.0, 5.0]), &numbers(&[5.0])), 0.0);
        close(ks(&numbers(&[5.0, 5.0]), &numbers(&[5.0, 6.0])), 0.5);
        // Float-formatting noise below the 14th decimal is not a difference.
        close(
            ks(&numbers(&[13.809359999999998]), &numbers(&[13.80936])),
            0.0,
        );
        close(ks(&numbers(&[1.0e9 + 0.5]), &numbers(&[1.0e9 + 0.5])), 0.0);
    }

    #[test]
    fn tvd_is_half_the_sum_of_share_differences() {
        // Real: a 1/2, b 1/4, c 1/4. Synthetic: a 1/4, b 1/4, d 1/2. ½(1/4 + 0 + 1/4 + 1/2) = 1/2.
        close(tvd(&codes(&[0, 0, 1, 2]), &codes(&[0, 1, 3, 3])), 0.5);
        close(tvd(&codes(&[0, 1]), &codes(&[1, 0, 0, 1])), 0.0);
        // Nulls are dropped: the synthetic side is {0: 1/2, 1: 1/2}.
        close(tvd(&codes(&[0, 1]), &[Some(0), None, Some(1), None]), 0.0);
        close(tvd(&[], &[]), 0.0);
        close(tvd(&[None], &codes(&[0])), 1.0);
    }

    #[test]
    fn pearson_on_hand_computed_rows() {
        close(
            pearson(&numbers(&[1.0, 2.0, 3.0]), &numbers(&[2.0, 4.0, 6.0])).unwrap(),
            1.0,
        );
        // x = 1,2,3,4; y = 1,3,2,4: cov sum 4, var sums 5 and 5 -> 0.8.
        close(
            pearson(
                &numbers(&[1.0, 2.0, 3.0, 4.0]),
                &numbers(&[1.0, 3.0, 2.0, 4.0]),
            )
            .unwrap(),
            0.8,
        );
        // Rows with a null on either side are dropped.
        let x = [Some(1.0), Some(2.0), None, Some(3.0)];
        let y = [Some(3.0), Some(2.0), Some(9.0), Some(1.0)];
        close(pearson(&x, &y).unwrap(), -1.0);
        assert_eq!(pearson(&numbers(&[1.0, 1.0]), &numbers(&[1.0, 2.0])), None);
        assert_eq!(pearson(&numbers(&[1.0]), &numbers(&[1.0])), None);
        assert_eq!(pearson(&[], &[]), None);
    }

    #[test]
    fn correlation_similarity_on_hand_computed_values() {
        close(correlation_similarity(Some(0.8), Some(-0.2)), 0.5);
        close(correlation_similarity(Some(1.0), Some(1.0)), 1.0);
        close(correlation_similarity(Some(1.0), Some(-1.0)), 0.0);
        // A constant column (undefined correlation) counts as no correlation.
        close(correlation_similarity(None, Some(0.6)), 0.7);
        close(correlation_similarity(None, None), 1.0);
    }

    #[test]
    fn equal_width_bins_close_on_the_left_like_numpy_digitize() {
        let values: Vec<Option<f64>> = (0..=10).map(|x| Some(f64::from(x))).collect();
        let bins: Vec<u32> = equal_width_bins(&values, 10)
            .into_iter()
            .flatten()
            .collect();
        // Each integer sits on an edge and goes up; the maximum has a bin of its own.
        assert_eq!(bins, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let halves: Vec<Option<f64>> = [0.0, 0.5, 0.99, 1.0, 9.99, 10.0].map(Some).to_vec();
        assert_eq!(
            equal_width_bins(&halves, 10),
            [0, 0, 0, 1, 9, 10].map(Some).to_vec()
        );
        assert_eq!(
            equal_width_bins(&[Some(3.0), None, Some(3.0)], 10),
            [Some(0), None, Some(0)]
        );
        assert_eq!(equal_width_bins(&[], 10), Vec::<Option<u32>>::new());
    }

    #[test]
    fn contingency_similarity_with_binning_and_null_categories() {
        // Real pairs (bin, category): x in 0..=10 puts 0 in bin 0, 10 (the maximum) in bin 10.
        let real_x = equal_width_bins(&numbers(&[0.0, 0.0, 10.0, 10.0]), 10);
        let real_c = codes(&[0, 0, 1, 1]);
        // The synthetic side is binned over its own range: 5 -> bin 0, 7 -> bin 10.
        let syn_x = equal_width_bins(&numbers(&[5.0, 5.0, 7.0, 7.0]), 10);
        close(
            contingency_similarity((&real_x, &real_c), (&syn_x, &real_c)),
            1.0,
        );
        // Real cells (0,0) 1/2, (10,1) 1/2. Synthetic: (0,0) 1/4, (10,1) 1/4, (0,1) 1/4,
        // (10,null) 1/4.
        let syn_c = [Some(0), Some(1), Some(1), None];
        close(
            contingency_similarity((&real_x, &real_c), (&syn_x, &syn_c)),
            0.5,
        );
        close(contingency_similarity((&[], &[]), (&[], &[])), 1.0);
        close(contingency_similarity((&real_x, &real_c), (&[], &[])), 0.0);
    }

    #[test]
    fn cramers_v_on_hand_computed_tables() {
        close(cramers_v(&codes(&[0, 0, 1, 1]), &codes(&[5, 5, 7, 7])), 1.0);
        close(cramers_v(&codes(&[0, 0, 1, 1]), &codes(&[0, 1, 0, 1])), 0.0);
        // Table [[3, 1], [1, 3]]: chi2 = 8 * (2 * 9/16 + 2 * 1/16 - 1) = 2, V = sqrt(2 / 8) = 0.5.
        let a = codes(&[0, 0, 0, 0, 1, 1, 1, 1]);
        let b = codes(&[0, 0, 0, 1, 1, 1, 1, 0]);
        close(cramers_v(&a, &b), 0.5);
        // Nulls are a category: null always goes with 1 here, so the tie is perfect.
        close(
            cramers_v(&[None, None, Some(0), Some(0)], &codes(&[1, 1, 0, 0])),
            1.0,
        );
        // A constant column carries no association; neither does an empty one.
        close(cramers_v(&codes(&[3, 3, 3]), &codes(&[0, 1, 2])), 0.0);
        close(cramers_v(&[], &[]), 0.0);
    }

    #[test]
    fn cramers_v_threshold_separates_the_two_tables_above() {
        // The pair-trend threshold is V > 0.3: [[3,1],[1,3]] (0.5) counts, independence does not.
        let threshold = 0.3;
        let tied = cramers_v(
            &codes(&[0, 0, 0, 0, 1, 1, 1, 1]),
            &codes(&[0, 0, 0, 1, 1, 1, 1, 0]),
        );
        let independent = cramers_v(&codes(&[0, 0, 1, 1]), &codes(&[0, 1, 0, 1]));
        assert!(tied > threshold && independent <= threshold);
    }

    #[test]
    fn cardinality_compares_children_per_parent_with_ks() {
        // Parents 0..3; child rows point at 0, 0, 2 and one empty key: counts [2, 0, 1].
        let real = children_per_parent(&[Some(0), Some(0), None, Some(2)], 3);
        assert_eq!(real, [2, 0, 1]);
        // Synthetic: two parents with one child each: counts [1, 1].
        let synthetic = children_per_parent(&[Some(1), Some(0)], 2);
        // F_real(0) = 1/3, F_syn(0) = 0; F_real(1) = 2/3, F_syn(1) = 1 -> KS = 1/3.
        close(cardinality_similarity(&real, &synthetic), 2.0 / 3.0);
        close(cardinality_similarity(&real, &real), 1.0);
        // A parent table without children: all zeros on both sides.
        close(cardinality_similarity(&[0, 0], &[0]), 1.0);
        close(cardinality_similarity(&[], &[]), 1.0);
    }

    #[test]
    fn intertable_join_pairs_each_child_with_its_parent() {
        // Parents: region code per parent row. Children: amount, pointing at parents 1, 0, -, 1.
        let parent_region = codes(&[0, 1]);
        let (children, parents) = join(&[Some(1), Some(0), None, Some(1)]);
        assert_eq!(
            (children.as_slice(), parents.as_slice()),
            (&[0, 1, 3][..], &[1, 0, 1][..])
        );
        let child_amount = numbers(&[10.0, 0.0, 99.0, 10.0]);
        let joined_region = pick(&parent_region, &parents);
        let joined_amount = equal_width_bins(&pick(&child_amount, &children), BINS);
        assert_eq!(joined_region, codes(&[1, 0, 1]));
        assert_eq!(joined_amount, codes(&[10, 0, 10]));
        // Synthetic: region 1 with a low amount breaks the tie: cells (1,10) 1/3 vs real 2/3,
        // (0,0) 1/3 both, (1,0) 1/3 vs 0 -> TVD 1/3.
        let syn_region = codes(&[1, 0, 1]);
        let syn_amount = codes(&[10, 0, 0]);
        close(
            contingency_similarity((&joined_region, &joined_amount), (&syn_region, &syn_amount)),
            2.0 / 3.0,
        );
    }

    #[test]
    fn quantile_bins_share_the_real_edges() {
        let real = numbers(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        let edges = quantile_edges(&real, 2);
        assert_eq!(edges, [3.0]);
        assert_eq!(
            bin_by_edges(&[Some(3.0), Some(3.5), None], &edges),
            [Some(0), Some(1), None]
        );
        assert!(quantile_edges(&[None], 10).is_empty());
    }

    fn matrix(continuous: usize, discrete: usize, rows: &[&[f64]]) -> RowMatrix {
        let mut matrix = RowMatrix::new(continuous, discrete);
        for row in rows {
            matrix.push(row);
        }
        matrix
    }

    #[test]
    fn dcr_is_the_mean_cell_distance_to_the_nearest_real_row() {
        // Columns: continuous (already divided by the real range), discrete.
        let real = matrix(1, 1, &[&[0.0, 0.0], &[1.0, 1.0], &[f64::NAN, f64::NAN]]);
        let synthetic = matrix(
            1,
            1,
            &[
                &[0.1, 0.0],
                &[0.6, 0.0],
                &[f64::NAN, 1.0],
                &[5.0, 2.0],
                &[f64::INFINITY, f64::NAN],
            ],
        );
        let distances = nearest_distances(&synthetic, &real);
        // (0.1 + 0) / 2; min((0.6 + 0) / 2, (0.4 + 1) / 2); (0 + 1) / 2 to the empty row;
        // (1 + 1) / 2 capped; (1 + 0) / 2 to the empty row.
        let expected = [0.05, 0.3, 0.5, 1.0, 0.5];
        assert_eq!(distances.len(), expected.len());
        for (got, want) in distances.iter().zip(expected) {
            close(*got, want);
        }
        close(median(&distances).unwrap(), 0.5);
        assert!(nearest_distances(&synthetic, &RowMatrix::default()).is_empty());
        assert!(nearest_distances(&RowMatrix::new(1, 1), &real).is_empty());
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn cell_and_row_distances_follow_the_definition() {
        close(cell_distance(f64::NAN, f64::NAN, true), 0.0);
        close(cell_distance(f64::NAN, 0.3, true), 1.0);
        close(cell_distance(0.2, 0.5, true), 0.3);
        close(cell_distance(0.0, 4.0, true), 1.0);
        close(cell_distance(2.0, 3.0, false), 1.0);
        close(row_distance(&[0.2, 2.0], &[0.5, 2.0], &[true, false]), 0.15);
        close(row_distance(&[], &[], &[]), 0.0);
    }

    #[test]
    fn baseline_protection_compares_medians() {
        close(baseline_protection(Some(0.1), Some(0.4)).unwrap(), 0.25);
        close(baseline_protection(Some(0.5), Some(0.4)).unwrap(), 1.0);
        assert_eq!(baseline_protection(Some(0.0), Some(0.0)), None);
        assert_eq!(baseline_protection(None, Some(0.4)), None);
    }

    #[test]
    fn exact_copy_share_counts_synthetic_rows_found_in_the_real_data() {
        let real = [vec![1, 2], vec![3, 4], vec![3, 4]];
        let synthetic = [vec![3, 4], vec![1, 3], vec![1, 2], vec![9, 9]];
        close(exact_copy_share(&real, &synthetic).unwrap(), 0.5);
        assert_eq!(exact_copy_share(&real, &[] as &[Vec<i32>]), None);
        close(
            exact_copy_share(&[] as &[Vec<i32>], &synthetic).unwrap(),
            0.0,
        );
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean([]), None);
        close(mean([1.0, 0.5]).unwrap(), 0.75);
    }
}
