//! Keys whose pairs are the rows of another table: every part and supplier a TPC-H `lineitem`
//! names is a row of `partsupp` (the composite foreign key TPC-H's own DDL declares, which a
//! schema of single-column keys cannot say). Each key assigned on its own, 4% of the
//! synthetic lines named a pair `partsupp` holds (its 8,000 pairs among 200,000), and a
//! database with that foreign key rejected the rest.
//!
//! The rule is found in the real rows where chance would have broken it ([`hold_in`]) and kept
//! after the keys are assigned ([`PairsOf::keep`]): a row whose pair the other table lacks
//! keeps one of its two parents and takes for the other one of the parents the other table
//! pairs the first with.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::NO_ROW;
use crate::error::printable;
use crate::sampling::SynthRng;

/// An assigned key whose pairs with an earlier key of its row are rows of another table,
/// generated before this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairsOf {
    /// The earlier key column (the sequence key or an assigned key before this one).
    pub earlier: String,
    /// The table whose rows the pairs are.
    pub table: String,
    /// That table's key to the earlier key's parent.
    pub first: String,
    /// That table's key to this key's parent.
    pub second: String,
}

/// The share of the rows with both keys set that may name a pair the other table lacks.
const TOLERANCE: f64 = 0.01;
/// Rows with both keys set the rule needs.
const MIN_ROWS: usize = 20;
/// The largest share of all pairs of parents the other table's pairs may be: chance alone
/// would then name one of them in at most half the rows.
const MAX_CHANCE: f64 = 0.5;

/// The pairs of parent rows a table's rows hold through two of its keys (`first`, `second`,
/// both as [`super::compact_rows`]), sorted: what [`hold_in`] looks pairs up in. `None` when
/// two rows hold the same pair: the pairs a composite foreign key names are a key of the other
/// table (TPC-H's `partsupp` pairs each part with a supplier once). The shop example's
/// reviews name a customer and a product some order of theirs names, but customers order a
/// product more than once; kept to them, a synthetic product reviewed far more often than
/// it was ordered gave its reviews to its few buyers (one customer wrote 61).
pub fn pairs_held(first: &[u32], second: &[u32]) -> Option<Vec<u64>> {
    let mut pairs: Vec<u64> = first
        .iter()
        .zip(second)
        .filter(|&(&a, &b)| a != NO_ROW && b != NO_ROW)
        .map(|(&a, &b)| pair(a, b))
        .collect();
    pairs.sort_unstable();
    let rows = pairs.len();
    pairs.dedup();
    (pairs.len() == rows).then_some(pairs)
}

/// Whether the pairs of parent rows of `earlier` and `key` (both as
/// [`super::compact_rows`]) are among a table's `pairs` ([`pairs_held`]) in all but
/// [`TOLERANCE`] of the rows where both are set, where chance would have found them in at
/// most [`MAX_CHANCE`] of those rows (`parents`: the rows of the two parent tables).
pub fn hold_in((earlier, key): (&[u32], &[u32]), pairs: &[u64], parents: (usize, usize)) -> bool {
    let all_pairs = parents.0 as f64 * parents.1 as f64;
    if pairs.is_empty() || pairs.len() as f64 > MAX_CHANCE * all_pairs {
        return false;
    }
    // More missing than the tolerance of every row: no need to look further.
    let most_missing = (TOLERANCE * earlier.len() as f64) as usize;
    let (mut rows, mut missing) = (0usize, 0usize);
    for (&a, &b) in earlier.iter().zip(key) {
        if a == NO_ROW || b == NO_ROW {
            continue;
        }
        rows += 1;
        missing += usize::from(pairs.binary_search(&pair(a, b)).is_err());
        if missing > most_missing {
            return false;
        }
    }
    rows >= MIN_ROWS && missing as f64 <= TOLERANCE * rows as f64
}

fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl PairsOf {
    /// Makes every row's pair of parents (`earlier`'s, `key`'s) one of the pairs of the other
    /// table's rows (`first`, `second`: its two keys' parent rows). A row whose pair is not
    /// changes one of its two keys: the one whose parents the other table pairs with more
    /// partners each (more room to keep every parent's number of children), but never the
    /// earlier key when `earlier_fixed` (the sequence key, or a key another rule keeps).
    /// TPC-H pairs a part with 4 suppliers and a supplier with 80 parts: a line keeps its
    /// supplier and takes one of its parts (changing the supplier among 4, the lines per
    /// supplier spread less than the real ones).
    pub fn keep(
        (earlier, key): (&mut [Option<usize>], &mut [Option<usize>]),
        (first, second): (&[Option<usize>], &[Option<usize>]),
        earlier_fixed: bool,
        rng: &mut SynthRng,
    ) {
        let forward = Partners::of(first, second);
        let backward = Partners::of(second, first);
        if !earlier_fixed && backward.per_parent() > forward.per_parent() {
            move_to_partners(key, earlier, &backward, rng);
        } else {
            move_to_partners(earlier, key, &forward, rng);
        }
    }

    /// Checks a rule read from a model file: the earlier key is another column of the table.
    pub fn check(&self, column: &str, header: &[String]) -> Result<(), String> {
        if self.earlier == column || !header.contains(&self.earlier) {
            return Err(format!(
                "pairs of `{}` with `{}`, not another column of the table",
                printable(&self.table),
                printable(&self.earlier)
            ));
        }
        Ok(())
    }
}

/// The partners a moved row looks at (at random where there are more): a supplier's 80 parts
/// would be 80 looks for each of TPC-H sf1's 6 million lines; the best of four keeps the
/// parts' numbers of lines (a standard deviation of 5.56 and 5.57 with seeds 1 and 2, 5.55 in
/// the real rows and when all were looked at).
const CHOICES: usize = 4;

/// Gives each row whose `changed` parent is not among the partners of its `kept` parent one of
/// those partners: the one that has lost the most of the rows assignment gave it (the first of
/// them from a place at random; of [`CHOICES`] at random where it has more), so that each
/// parent keeps about its number of children.
/// Taken at random among them, TPC-H's suppliers' numbers of lines spread less than the real
/// ones (a standard deviation of 22 where the real one is 26). A row with either key empty, or
/// whose kept parent has no partner, keeps its keys.
fn move_to_partners(
    kept: &[Option<usize>],
    changed: &mut [Option<usize>],
    partners: &Partners,
    rng: &mut SynthRng,
) {
    let moved = |a: Option<usize>, b: Option<usize>| -> Option<&[usize]> {
        let options = partners.of_parent(a?);
        (!options.is_empty() && options.binary_search(&b?).is_err()).then_some(options)
    };
    // Children each changed parent lost to the rows moved (assigned less kept).
    let parents = changed.iter().flatten().chain(&partners.seconds).max();
    let mut lost = vec![0i64; parents.map_or(0, |&b| b + 1)];
    for (&a, &b) in kept.iter().zip(changed.iter()) {
        if let (Some(_), Some(b)) = (moved(a, b), b) {
            lost[b] += 1;
        }
    }
    let lost_by = |lost: &[i64], option: usize| lost[option];
    for (&a, b) in kept.iter().zip(changed.iter_mut()) {
        let Some(options) = moved(a, *b) else {
            continue;
        };
        let start = rng.random_range(0..options.len());
        let mut chosen = options[start];
        for step in 1..options.len().min(CHOICES) {
            let option = match options.len() > CHOICES {
                true => options[rng.random_range(0..options.len())],
                false => options[(start + step) % options.len()],
            };
            if lost_by(&lost, option) > lost_by(&lost, chosen) {
                chosen = option;
            }
        }
        lost[chosen] -= 1;
        *b = Some(chosen);
    }
}

/// The second parents each first parent is paired with in a table's rows, grouped by first
/// parent (sorted, once each).
struct Partners {
    /// Where each first parent's partners start in `seconds` (one more entry than parents).
    starts: Vec<usize>,
    seconds: Vec<usize>,
}

impl Partners {
    fn of(first: &[Option<usize>], second: &[Option<usize>]) -> Partners {
        let mut pairs: Vec<(usize, usize)> = first
            .iter()
            .zip(second)
            .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let parents = pairs.last().map_or(0, |&(a, _)| a + 1);
        let mut starts = vec![0; parents + 1];
        for &(a, _) in &pairs {
            starts[a + 1] += 1;
        }
        for at in 1..starts.len() {
            starts[at] += starts[at - 1];
        }
        let seconds = pairs.into_iter().map(|(_, b)| b).collect();
        Partners { starts, seconds }
    }

    /// The partners of a first parent that has any, on average.
    fn per_parent(&self) -> f64 {
        let with_partners = self.starts.windows(2).filter(|w| w[1] > w[0]).count();
        self.seconds.len() as f64 / with_partners.max(1) as f64
    }

    /// The partners of first parent `a` (none for a parent the table never names).
    fn of_parent(&self, a: usize) -> &[usize] {
        match (self.starts.get(a), self.starts.get(a + 1)) {
            (Some(&start), Some(&end)) => &self.seconds[start..end],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng_for;

    /// 100 parts with 4 suppliers each among 20 (part p with suppliers p, p+5, p+10, p+15
    /// mod 20), and lines naming a part and one of its suppliers.
    fn partsupp() -> (Vec<u32>, Vec<u32>) {
        (0..400u32)
            .map(|row| (row / 4, (row / 4 + 5 * (row % 4)) % 20))
            .unzip()
    }

    /// Lines naming a part and one of its suppliers hold the rule; lines naming any supplier,
    /// or too few lines, or a table holding most pairs of parents, do not; a table holding a
    /// pair twice is no table of pairs.
    #[test]
    fn pairs_of_a_table_are_a_rule_only_where_chance_would_break_them() {
        let (first, second) = partsupp();
        let table = &pairs_held(&first, &second).expect("pairs once each");
        let lines: Vec<(u32, u32)> = (0..1000u32)
            .map(|line| {
                let part = line * 7 % 100;
                (part, (part + 5 * (line % 4)) % 20)
            })
            .collect();
        let (parts, suppliers): (Vec<u32>, Vec<u32>) = lines.iter().copied().unzip();
        assert!(hold_in((&parts, &suppliers), table, (100, 20)));
        let any: Vec<u32> = (0..1000u32).map(|line| line * 3 % 20).collect();
        assert!(!hold_in((&parts, &any), table, (100, 20)));
        assert!(!hold_in((&parts[..10], &suppliers[..10]), table, (100, 20)));
        // Every part with every supplier: chance would name a pair of it in every row.
        let (every_part, every_supplier): (Vec<u32>, Vec<u32>) =
            (0..2000u32).map(|row| (row / 20, row % 20)).unzip();
        let every = &pairs_held(&every_part, &every_supplier).expect("pairs once each");
        assert!(!hold_in((&parts, &suppliers), every, (100, 20)));
        assert_eq!(pairs_held(&[1, 2, 1], &[3, 3, 3]), None);
        assert_eq!(
            pairs_held(&[1, 2, NO_ROW], &[3, 3, 3]),
            Some(vec![pair(1, 3), pair(2, 3)])
        );
    }

    /// Kept: every row names a pair of the table; a row already doing so keeps its keys, an
    /// empty key stays empty, and a part the table never names keeps its supplier. With the
    /// part free to change, the part changes (a supplier has 20 partners, a part 4); fixed,
    /// the supplier does.
    #[test]
    fn kept_pairs_are_rows_of_the_table_and_right_rows_keep_their_keys() {
        let (first, second) = partsupp();
        let first: Vec<Option<usize>> = first.iter().map(|&a| Some(a as usize)).collect();
        let second: Vec<Option<usize>> = second.iter().map(|&b| Some(b as usize)).collect();
        let holds = |part: usize, supplier: usize| {
            part < 100 && (0..4).any(|k| (part + 5 * k) % 20 == supplier)
        };
        let parts: Vec<Option<usize>> = (0..2000).map(|line| Some(line % 101)).collect();
        let drawn: Vec<Option<usize>> = (0..2000)
            .map(|line| (line % 50 != 0).then_some(line * 7 % 20))
            .collect();
        for fixed in [true, false] {
            let (mut kept_parts, mut kept) = (parts.clone(), drawn.clone());
            let mut rng = rng_for(3, "pairs");
            let keys = (kept_parts.as_mut_slice(), kept.as_mut_slice());
            PairsOf::keep(keys, (&first, &second), fixed, &mut rng);
            let rows = parts.iter().zip(&drawn).zip(kept_parts.iter().zip(&kept));
            for ((part, before), (part_after, after)) in rows {
                let (part, part_after) = (part.expect("set"), part_after.expect("set"));
                match (before, after) {
                    (None, after) => assert_eq!((part_after, *after), (part, None)),
                    (Some(before), Some(after)) if part == 100 && fixed || holds(part, *before) => {
                        assert_eq!((part_after, after), (part, before))
                    }
                    (Some(before), Some(after)) => {
                        assert!(holds(part_after, *after), "{part_after} {after}");
                        match fixed {
                            true => assert_eq!(part_after, part),
                            false => assert_eq!(after, before),
                        }
                    }
                    (Some(_), None) => panic!("a key emptied"),
                }
            }
            let changed = drawn.iter().zip(&kept).filter(|(a, b)| a != b).count();
            let parts_changed = parts
                .iter()
                .zip(&kept_parts)
                .filter(|(a, b)| a != b)
                .count();
            let changes = if fixed { changed } else { parts_changed };
            assert!(changes > 1000, "{changes} rows changed");
        }
    }
}
