//! Randomness shared by every stage: seeded generators and low-variance resampling.
//!
//! Every table draws from its own generator, derived from the run's seed and the table's name,
//! so output does not depend on the order (or the parallelism) in which tables are processed.

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere: ChaCha8 is portable and stable across platforms and versions.
pub type SynthRng = ChaCha8Rng;

/// A generator for one purpose (`stream`, e.g. a table name) of a run with `seed`.
pub fn rng_for(seed: u64, stream: &str) -> SynthRng {
    // FNV-1a: a stable hash, unlike std's randomly keyed one.
    let hash = stream
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    SynthRng::seed_from_u64(seed ^ hash)
}

/// Rows drawn from one random stream when a job is split across threads ([`in_blocks`]).
pub const BLOCK_ROWS: usize = 1024;

/// The random stream of block `block` of a job whose streams derive from `base`: ChaCha's
/// streams are independent, so blocks can be drawn on any thread in any order.
pub fn block_stream(base: u64, block: u64) -> SynthRng {
    let mut stream = SynthRng::seed_from_u64(base);
    stream.set_stream(block);
    stream
}

/// `draw(range, stream)` for the rows of `rows` in blocks of [`BLOCK_ROWS`] (counted from row 0,
/// so a range that starts on a block boundary draws as the whole would: a table made in parts
/// gets the values it gets whole), each block from its own [`block_stream`] of `base`, on
/// rayon; the results in row order. The values do not depend on the number of threads.
pub fn in_blocks<T: Send>(
    rows: Range<usize>,
    base: u64,
    draw: impl Fn(Range<usize>, &mut SynthRng) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    if rows.is_empty() {
        return Vec::new();
    }
    let blocks = rows.start / BLOCK_ROWS..rows.end.div_ceil(BLOCK_ROWS);
    blocks
        .into_par_iter()
        .map(|block| {
            let start = (block * BLOCK_ROWS).max(rows.start);
            let end = ((block + 1) * BLOCK_ROWS).min(rows.end);
            draw(start..end, &mut block_stream(base, block as u64))
        })
        .collect()
}

/// `m` draws from the empirical distribution of `values` with as little sampling noise as `m`
/// draws can have: draw `i` is the quantile at `(i + u_i) / m`, and the draws are shuffled.
/// Used for children-per-parent counts, where plain resampling would, for instance, give a
/// hub airport with thousands of flights to two synthetic airports or to none.
pub fn stratified<T: Copy + Ord>(values: &[T], m: usize, rng: &mut SynthRng) -> Vec<T> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let mut draws: Vec<T> = (0..m)
        .map(|i| {
            let quantile = (i as f64 + rng.random::<f64>()) / m as f64;
            sorted[((quantile * n as f64) as usize).min(n - 1)]
        })
        .collect();
    draws.shuffle(rng);
    draws
}

/// Items a shuffle moves within one stretch of memory; [`shuffle`] splits larger lists.
const SHUFFLE_IN_CACHE: usize = 1 << 16;

/// Puts `items` in a uniformly random order, on every core for a long list: each item goes to
/// one of several buckets drawn at random, each bucket is shuffled from a stream of its own,
/// and the buckets are joined (a uniform permutation, as in Sanders' "Random permutations on
/// distributed, external and hierarchical memory", 1998). A shuffle of millions of items in one
/// place waits on memory at every swap; a bucket's swaps stay in the cache. The order does not
/// depend on the number of threads.
pub fn shuffle<T: Copy + Send>(items: &mut Vec<T>, rng: &mut SynthRng) {
    use rayon::prelude::*;
    if items.len() <= SHUFFLE_IN_CACHE {
        items.shuffle(rng);
        return;
    }
    let count = items.len().div_ceil(SHUFFLE_IN_CACHE);
    let mut buckets: Vec<Vec<T>> = (0..count)
        .map(|_| Vec::with_capacity(SHUFFLE_IN_CACHE + SHUFFLE_IN_CACHE / 8))
        .collect();
    for &item in items.iter() {
        buckets[rng.random_range(0..count)].push(item);
    }
    let base: u64 = rng.random();
    buckets
        .par_iter_mut()
        .enumerate()
        .for_each(|(index, bucket)| bucket.shuffle(&mut block_stream(base, index as u64)));
    items.clear();
    for bucket in buckets {
        items.extend_from_slice(&bucket);
    }
}

/// Hands out `capacities` (whose distribution is the real one) so that their ranks follow
/// `propensity` (what a model suggests for each parent): the distribution stays exact while
/// parents that look like the real busy ones get the large counts.
pub fn rank_matched(
    mut capacities: Vec<usize>,
    propensity: &[usize],
    rng: &mut SynthRng,
) -> Vec<usize> {
    let mut parents: Vec<usize> = (0..propensity.len()).collect();
    // The capacities are sorted on one core while the parents are shuffled on the other
    // (equal numbers sort alike whichever way: the same order whatever the threads).
    rayon::join(|| parents.shuffle(rng), || capacities.sort_unstable());
    let parents = by_propensity(parents, propensity);
    let mut matched = vec![0; propensity.len()];
    for (parent, capacity) in parents.into_iter().zip(capacities) {
        matched[parent] = capacity;
    }
    matched
}

/// `parents` (every index of `propensity` once) in order of their propensity, ties in the order
/// given, as a stable sort leaves them. Propensities are child counts, small numbers: the
/// parents are counted into place in one pass, where a sort read a parent's propensity at
/// random again at every comparison (a fifth of a second on one core for the 1.5 million
/// orders of TPC-H sf1).
fn by_propensity(mut parents: Vec<usize>, propensity: &[usize]) -> Vec<usize> {
    let largest = propensity.iter().copied().max().unwrap_or(0);
    if largest >= propensity.len().max(1 << 16) {
        parents.sort_by_key(|&parent| propensity[parent]);
        return parents;
    }
    let mut next = vec![0; largest + 1];
    for &count in propensity {
        next[count] += 1;
    }
    let mut start = 0;
    for place in &mut next {
        (*place, start) = (start, start + *place);
    }
    let mut sorted = vec![0; parents.len()];
    for parent in parents {
        let place = &mut next[propensity[parent]];
        sorted[*place] = parent;
        *place += 1;
    }
    sorted
}

/// Rounds `rows x factor` to a row count; a non-empty table never scales down to nothing.
pub fn scaled(rows: usize, factor: f64) -> usize {
    if rows == 0 || factor <= 0.0 {
        return 0;
    }
    ((rows as f64 * factor).round() as usize).max(1)
}

/// Tables with more rows than this are learned from a seeded sample of about this many rows
/// (whole sequences of a sequential table): a model learns no more from six million rows than
/// from a hundred thousand, and loading and training then take bounded memory and time.
pub const TRAINING_ROWS: usize = 100_000;

/// The seed of training samples: a model depends on the data only, not on the seed a run
/// generates with, so `run` equals `train` then `generate`.
pub const SAMPLE_SEED: u64 = 0x5a3e_1e12;

/// Whether the group named `key` (a foreign key's text) is in a sample taking `share` of all
/// groups: a seeded hash of the key, so every row of a group decides alike wherever it sits in
/// the file, and without knowing the groups in advance.
pub fn group_in_sample(key: &str, share: f64, seed: u64) -> bool {
    let hash = key
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64 ^ seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    // splitmix64's finaliser spreads FNV's low-entropy high bits over the whole word.
    (mixed(hash) as f64) < share * u64::MAX as f64
}

/// A number in `[0, 1)` for row `row` of a stream `base`: the same wherever the row falls in
/// the parts a table is made in, at the cost of a few multiplications (a random stream per
/// row would cost a cipher block).
pub fn row_uniform(base: u64, row: u64) -> f64 {
    let z = mixed(base ^ row.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// splitmix64's finaliser: every bit of `x` moves every bit of the result.
fn mixed(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `limit` of `rows` row indices drawn without replacement, ascending: the rows a model of a
/// large table trains on (see [`sample_groups`] for tables made of sequences).
pub fn sample_rows(rows: usize, limit: usize, rng: &mut SynthRng) -> Vec<usize> {
    if rows <= limit {
        return (0..rows).collect();
    }
    let mut chosen = rand::seq::index::sample(rng, rows, limit).into_vec();
    chosen.sort_unstable();
    chosen
}

/// About `limit` row indices (ascending) taken by whole groups: each of `groups` groups (the
/// children of one parent) is in or out as a whole, with the chance that leaves about `limit`
/// rows, so sequences stay intact; rows of no group are drawn one by one with that chance.
pub fn sample_groups(
    group_of_row: &[Option<usize>],
    groups: usize,
    limit: usize,
    rng: &mut SynthRng,
) -> Vec<usize> {
    if group_of_row.len() <= limit {
        return (0..group_of_row.len()).collect();
    }
    let share = limit as f64 / group_of_row.len() as f64;
    let chosen: Vec<bool> = (0..groups).map(|_| rng.random::<f64>() < share).collect();
    group_of_row
        .iter()
        .enumerate()
        .filter(|(_, group)| match group {
            Some(group) => chosen.get(*group).copied().unwrap_or(false),
            None => rng.random::<f64>() < share,
        })
        .map(|(row, _)| row)
        .collect()
}

/// A draw of the standard normal distribution (Box and Muller's transform of two uniform draws).
pub fn standard_normal(rng: &mut SynthRng) -> f64 {
    let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    radius * (std::f64::consts::TAU * rng.random::<f64>()).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_counted_into_place_are_in_a_stable_sort_order() {
        let mut rng = rng_for(3, "propensity");
        for (parents, largest) in [(10_000, 7), (5_000, 1_000_000), (1, 0), (0, 0)] {
            let propensity: Vec<usize> = (0..parents)
                .map(|_| rng.random_range(0..=largest))
                .collect();
            let mut order: Vec<usize> = (0..parents).collect();
            order.shuffle(&mut rng);
            let mut expected = order.clone();
            expected.sort_by_key(|&parent| propensity[parent]);
            assert_eq!(by_propensity(order, &propensity), expected, "{largest}");
        }
    }

    /// One draw per row, as a job split in blocks makes them.
    fn draws(rows: Range<usize>, base: u64) -> Vec<u64> {
        in_blocks(rows, base, |range, stream| {
            range.map(|_| stream.random::<u64>()).collect::<Vec<_>>()
        })
        .concat()
    }

    #[test]
    fn a_long_shuffle_is_a_permutation_whose_items_land_anywhere() {
        let rows = 5 * SHUFFLE_IN_CACHE + 123;
        let mut items: Vec<u32> = (0..rows as u32).collect();
        shuffle(&mut items, &mut rng_for(4, "shuffle"));
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert!(sorted.iter().enumerate().all(|(i, &v)| v as usize == i));
        // Where the first and the last tenth of the items land: spread over the whole list,
        // each tenth of places holding about a tenth of them.
        let tenth = rows / 10;
        for wanted in [0..tenth as u32, (rows - tenth) as u32..rows as u32] {
            for place in 0..10 {
                let held = items[place * tenth..(place + 1) * tenth]
                    .iter()
                    .filter(|v| wanted.contains(v))
                    .count();
                let share = held as f64 / tenth as f64;
                assert!((share - 0.1).abs() < 0.01, "{wanted:?} at {place}: {share}");
            }
        }
        let mut again: Vec<u32> = (0..rows as u32).collect();
        shuffle(&mut again, &mut rng_for(4, "shuffle"));
        assert_eq!(items, again);
    }

    #[test]
    fn blocks_draw_the_same_in_parts_and_on_any_number_of_threads() {
        let rows = 5 * BLOCK_ROWS + 17;
        let whole = draws(0..rows, 9);
        assert_eq!(whole.len(), rows);
        let in_parts = [
            draws(0..2 * BLOCK_ROWS, 9),
            draws(2 * BLOCK_ROWS..3 * BLOCK_ROWS, 9),
            draws(3 * BLOCK_ROWS..rows, 9),
        ]
        .concat();
        assert_eq!(whole, in_parts);
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a thread pool");
        assert_eq!(whole, one_thread.install(|| draws(0..rows, 9)));
        assert_ne!(whole, draws(0..rows, 10));
        // Blocks draw different values (their streams differ).
        assert_ne!(whole[..BLOCK_ROWS], whole[BLOCK_ROWS..2 * BLOCK_ROWS]);
        assert!(draws(3..3, 9).is_empty());
    }

    #[test]
    fn row_samples_are_seeded_sorted_and_exact() {
        let a = sample_rows(1_000, 100, &mut rng_for(3, "t"));
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_rows(1_000, 100, &mut rng_for(3, "t")));
        assert_ne!(a, sample_rows(1_000, 100, &mut rng_for(4, "t")));
        assert_eq!(
            sample_rows(10, 100, &mut rng_for(3, "t")),
            (0..10).collect::<Vec<_>>()
        );
    }

    #[test]
    fn group_samples_keep_whole_groups_near_the_limit() {
        // 2,000 groups of 5 rows, then 1,000 rows of no group; about 2,200 rows wanted.
        let mut group_of_row: Vec<Option<usize>> = (0..10_000).map(|row| Some(row / 5)).collect();
        group_of_row.extend(std::iter::repeat_n(None, 1_000));
        let rows = sample_groups(&group_of_row, 2_000, 2_200, &mut rng_for(1, "g"));
        assert!((1_900..2_500).contains(&rows.len()), "{} rows", rows.len());
        let mut per_group = std::collections::HashMap::new();
        for row in rows.iter().filter(|&&row| row < 10_000) {
            *per_group.entry(row / 5).or_insert(0) += 1;
        }
        assert!(per_group.values().all(|&count| count == 5));
        let orphans = rows.iter().filter(|&&row| row >= 10_000).count();
        assert!((120..300).contains(&orphans), "{orphans} rows of no group");
    }

    #[test]
    fn stratified_draws_reproduce_the_distribution() {
        let mut rng = rng_for(1, "t");
        let values: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0) * 10).collect();
        let draws = stratified(&values, 1000, &mut rng);
        let tens = draws.iter().filter(|&&d| d == 10).count();
        assert_eq!(tens, 250);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: u64 = rng_for(7, "a").random();
        let b: u64 = rng_for(7, "b").random();
        assert_ne!(a, b);
        assert_eq!(a, rng_for(7, "a").random::<u64>());
    }

    #[test]
    fn scaling_keeps_at_least_one_row() {
        assert_eq!(scaled(3, 0.1), 1);
        assert_eq!(scaled(0, 2.0), 0);
        assert_eq!(scaled(10, 2.0), 20);
    }
}
