//! Keys that are an earlier key of their row in most real rows: a catalog order is shipped to
//! the customer billed for it (TPC-DS `cs_ship_customer_sk = cs_bill_customer_sk` in 89% of
//! rows, and the ship address, demographics and household with it), a web return is refunded
//! to the customer who returns it (100%). Each assigned on its own, the two keys of a synthetic
//! row were one parent in 9 of 14,163 catalog sales, which a person joining the tables sees.
//!
//! An equality is found where it holds in at least half the rows with both keys set and far
//! more often than chance ([`equal_share`]), and kept after the other key rules
//! ([`KeyEquality::keep`]): the key is set to the earlier one in that share of the rows, decided
//! once for all the rows of a sequence parent where the table has one (a customer's orders go
//! to that customer, or none does), so the keys of a row that are equal in the real rows
//! together (the customer, the address, the demographics) stay equal together.

use serde::{Deserialize, Serialize};

use super::NO_ROW;
use crate::sampling::row_uniform;
use crate::stats::FastMap;

/// How an assigned key equals an earlier key of its row to the same parent table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEquality {
    /// The earlier key column.
    pub earlier: String,
    /// The share of the real rows with both keys set whose two keys are one parent row.
    pub share: f64,
    /// The key whose parent decides for all its rows (the table's sequence key), if any; else
    /// each row decides on its own.
    pub by: Option<String>,
}

/// The least share of the rows with both keys set in which they must be equal.
const MIN_SHARE: f64 = 0.5;

/// How many times the share of equal rows must be the chance that two keys drawn on their own
/// (by their real counts) are one parent.
const TIMES_CHANCE: u128 = 10;

/// The fewest real rows with both keys set that an equality needs.
const MIN_ROWS: usize = 20;

/// The fewest real rows with both keys set, none of them equal, that "never equal" needs.
const NEVER_ROWS: usize = 100;

/// The share of the rows where both `first` and `key` are set (compact parent rows of one
/// parent table) in which they are the same parent, when it is at least [`MIN_SHARE`] of at
/// least [`MIN_ROWS`] rows and [`TIMES_CHANCE`] times what chance gives; or 0 when the two are
/// never the same parent in at least [`NEVER_ROWS`] rows where chance would have made them so
/// in one row or more, or where no parent is ever both (a flight's origin and destination:
/// the synthetic parents of the two roles are drawn from the same rows, and 52 of 20,000
/// synthetic flights landed where they took off).
pub fn equal_share(first: &[u32], key: &[u32]) -> Option<f64> {
    let (mut rows, mut equal) = (0usize, 0usize);
    let (mut firsts, mut keys): (FastMap<u32, u64>, FastMap<u32, u64>) = Default::default();
    for (&a, &b) in first.iter().zip(key) {
        if a == NO_ROW || b == NO_ROW {
            continue;
        }
        rows += 1;
        equal += usize::from(a == b);
        *firsts.entry(a).or_insert(0) += 1;
        *keys.entry(b).or_insert(0) += 1;
    }
    // equal / rows >= TIMES_CHANCE * sum(first(p) * key(p)) / rows^2, in whole numbers: a sum
    // of floats would depend on the map's order, which is random.
    let pairs: u128 = firsts
        .iter()
        .map(|(parent, &n)| u128::from(n) * u128::from(*keys.get(parent).unwrap_or(&0)))
        .sum();
    if equal == 0 && rows >= NEVER_ROWS && (pairs == 0 || pairs >= rows as u128) {
        return Some(0.0);
    }
    let share = equal as f64 / rows.max(1) as f64;
    if rows < MIN_ROWS || share < MIN_SHARE {
        return None;
    }
    let seen = equal as u128 * rows as u128;
    (seen >= TIMES_CHANCE * pairs).then_some(share)
}

impl KeyEquality {
    /// Sets `key` to the `earlier` key in [`KeyEquality::share`] of the rows where both are
    /// set: a row is chosen by a number of `base` for its parent by the `by` key (its row when
    /// there is none, or the row has no such parent), so every key of a table equal to an
    /// earlier one is chosen alike for one parent (given the same `base`).
    pub fn keep(
        &self,
        earlier: &[Option<usize>],
        by: Option<&[Option<usize>]>,
        key: &mut [Option<usize>],
        base: u64,
    ) {
        if self.share == 0.0 {
            return keep_apart(earlier, key, base);
        }
        let rows = key.len().min(earlier.len());
        for row in 0..rows {
            let (Some(first), Some(own)) = (earlier[row], key[row].as_mut()) else {
                continue;
            };
            let parent = by.and_then(|by| by.get(row).copied().flatten());
            let drawn = match parent {
                Some(parent) => row_uniform(base, parent as u64),
                None => row_uniform(base ^ u64::MAX, row as u64),
            };
            if drawn < self.share {
                *own = first;
            }
        }
    }
}

/// Tries a row takes to find another row to swap keys with.
const SWAP_TRIES: u64 = 256;

/// Makes `key` differ from `earlier` in every row where both are set (a share of 0): a row
/// whose two keys are one parent swaps its key with another row's, drawn by numbers of
/// `base`, where neither row then has its two keys equal. Swaps keep every parent's number of
/// rows; a row that finds no such partner is left.
fn keep_apart(earlier: &[Option<usize>], key: &mut [Option<usize>], base: u64) {
    let rows = key.len().min(earlier.len());
    if rows < 2 {
        return;
    }
    let equal = |row: usize, own: Option<usize>| own.is_some() && own == earlier[row];
    for row in 0..rows {
        if !equal(row, key[row]) {
            continue;
        }
        for attempt in 0..SWAP_TRIES {
            let drawn = row_uniform(base, (row as u64) * SWAP_TRIES + attempt);
            let other = ((drawn * rows as f64) as usize).min(rows - 1);
            if other == row || key[other].is_none() {
                continue;
            }
            if !equal(row, key[other]) && !equal(other, key[row]) {
                key.swap(row, other);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Orders of 100 customers over 300 addresses: shipped to the billing address in 90% of
    /// them, elsewhere in the rest.
    fn planted(equal_every: usize) -> (Vec<u32>, Vec<u32>) {
        let billed: Vec<u32> = (0..1000).map(|row| (row * 7 % 300) as u32).collect();
        let shipped = (0..1000)
            .map(|row| match row % equal_every {
                0 => (row * 11 % 300) as u32,
                _ => billed[row],
            })
            .collect();
        (billed, shipped)
    }

    #[test]
    fn keys_equal_in_most_rows_are_found_and_keys_apart_are_not() {
        let (billed, shipped) = planted(10);
        let share = equal_share(&billed, &shipped).expect("equal in 90% of rows");
        assert!((share - 0.9).abs() < 0.01, "{share}");
        let (billed, apart) = planted(1);
        assert_eq!(equal_share(&billed, &apart), None, "equal only by chance");
        let few = equal_share(&billed[..10], &billed[..10]);
        assert_eq!(few, None, "ten rows are no evidence");
        // Two keys to a parent of two rows agree half the time by chance.
        let coin: Vec<u32> = (0..1000).map(|row| (row % 2) as u32).collect();
        let other: Vec<u32> = (0..1000).map(|row| (row / 2 % 2) as u32).collect();
        assert_eq!(equal_share(&coin, &other), None);
    }

    #[test]
    fn keys_never_equal_in_the_real_rows_are_kept_apart_with_every_parents_count() {
        // Flights from 3 airports to 100 others: no airport is both, and the rule is found.
        let origin: Vec<u32> = (0..2000).map(|row| (row % 3) as u32).collect();
        let dest: Vec<u32> = (0..2000).map(|row| (3 + row * 7 % 100) as u32).collect();
        assert_eq!(equal_share(&origin, &dest), Some(0.0));
        assert_eq!(
            equal_share(&origin[..50], &dest[..50]),
            None,
            "too few rows"
        );
        // Keys over 5,000 parents, equal by chance in about 1 row of 2,000 expected: no rule.
        let wide: Vec<u32> = (0..2000).map(|row| (row * 13 % 5000) as u32).collect();
        let other: Vec<u32> = (0..2000).map(|row| (row * 29 % 5000 + 1) as u32).collect();
        assert_eq!(equal_share(&wide, &other), None);
        // Synthetic keys over the same 100 airports, equal in about 1 row of 100.
        let origin: Vec<Option<usize>> = (0..5000).map(|row| Some(row % 100)).collect();
        let drawn: Vec<Option<usize>> = (0..5000)
            .map(|row| (row % 50 != 0).then_some(row * 37 % 101 % 100))
            .collect();
        let mut dest = drawn.clone();
        let apart = KeyEquality {
            earlier: "origin".into(),
            share: 0.0,
            by: None,
        };
        let before = (0..5000).filter(|&row| dest[row].is_some() && dest[row] == origin[row]);
        assert!(before.count() > 20, "the plant has equal rows");
        apart.keep(&origin, None, &mut dest, 11);
        let equal = (0..5000).filter(|&row| dest[row].is_some() && dest[row] == origin[row]);
        assert_eq!(equal.count(), 0);
        let counts = |keys: &[Option<usize>]| {
            let mut counts = vec![0usize; 101];
            keys.iter()
                .flatten()
                .for_each(|&parent| counts[parent] += 1);
            counts
        };
        assert_eq!(counts(&dest), counts(&drawn), "every parent keeps its rows");
        let empty = |keys: &[Option<usize>]| keys.iter().map(Option::is_none).collect::<Vec<_>>();
        assert_eq!(
            empty(&dest),
            empty(&drawn),
            "empty keys stay where they were"
        );
    }

    #[test]
    fn a_share_of_the_parents_gets_its_rows_keys_equal_and_keys_of_one_parent_alike() {
        let customers: Vec<Option<usize>> = (0..4000).map(|row| Some(row / 4)).collect();
        let billed: Vec<Option<usize>> = (0..4000).map(|row| Some(row % 700)).collect();
        let drawn: Vec<Option<usize>> = (0..4000)
            .map(|row| (row % 9 != 0).then_some((row * 13 + 5) % 700))
            .collect();
        let equality = |share| KeyEquality {
            earlier: "billed".into(),
            share,
            by: Some("customer".into()),
        };
        let mut shipped = drawn.clone();
        equality(0.8).keep(&billed, Some(&customers), &mut shipped, 7);
        let equal = (0..4000).filter(|&row| shipped[row] == billed[row]).count();
        let set = drawn.iter().flatten().count();
        assert!(
            (equal as f64 / set as f64 - 0.8).abs() < 0.05,
            "{equal} of {set}"
        );
        for (row, (after, before)) in shipped.iter().zip(&drawn).enumerate() {
            assert!(
                before.is_some() == after.is_some(),
                "row {row}: empty stays empty"
            );
            assert!(after == before || after == &billed[row], "row {row}");
        }
        for customer in shipped.chunks(4).zip(billed.chunks(4)) {
            let sides: Vec<bool> = (customer.0.iter().zip(customer.1))
                .filter(|(shipped, _)| shipped.is_some())
                .map(|(shipped, billed)| shipped == billed)
                .collect();
            assert!(sides.windows(2).all(|pair| pair[0] == pair[1]), "{sides:?}");
        }
        // With the same numbers, a key of a smaller share is equal only where one of a larger
        // share is.
        let mut fewer = drawn.clone();
        equality(0.5).keep(&billed, Some(&customers), &mut fewer, 7);
        for row in 0..4000 {
            if fewer[row] == billed[row] && drawn[row] != billed[row] {
                assert_eq!(shipped[row], billed[row], "row {row}");
            }
        }
    }
}
