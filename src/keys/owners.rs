//! Who owns a parent, from what the parent is: every real plane flies for one airline, and an
//! airline's fleet is its own (Southwest flies only Boeings, Endeavor only Bombardiers). A key
//! that determines an earlier key of its row ([`super::dependence`]) gives each synthetic plane
//! one airline; chosen from its rows alone, that airline is the one whose flights the plane's
//! size suited, and Southwest flies Airbuses. Where the earlier key's parent is kept as it is
//! (its rows are the real ones, so a row number names the same airline in both), a tree over
//! the key parent's columns learns which earlier parent owned real parents like it, and each
//! synthetic parent is offered to the owner it draws.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::NO_ROW;
use crate::data::Column;
use crate::model::encode::Encoder;
use crate::model::tree::{Feature, Tree};
use crate::model::{Privacy, tree_params};
use crate::sampling::{SynthRng, in_blocks};

/// The most earlier parents owners are learned among: each split of the tree counts every one
/// of them in every bin (a lookup table is kept up to 100 rows; a table kept by the schema,
/// such as a calendar, may have tens of thousands).
const MAX_OWNERS: usize = 1024;

/// Which earlier parent (a row of a kept table) owns a key parent, from the key parent's
/// columns: a tree and, in each leaf, the owners of the real parents that fell in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Owners {
    /// Encoders of the key parent's modelled columns (the tree's features).
    encoders: Vec<Encoder>,
    tree: Tree,
    /// The owners (earlier parent rows) of the real key parents of each leaf.
    leaves: Vec<Vec<u16>>,
    /// By earlier parent, the share of its real rows whose key is empty (most of one airline's
    /// flights name no plane of the planes table): the share over all its rows for an earlier
    /// parent with fewer rows than the privacy threshold.
    empty: Vec<f64>,
    /// By earlier parent, the numbers of rows of the real key parents it owned, sorted (an
    /// airline flying few planes often or many seldom): a synthetic parent's share of its
    /// owner's rows is drawn from them.
    counts: Vec<Vec<usize>>,
}

/// What [`Owners::draw`] offers each synthetic key parent: an owner (an earlier parent row) and
/// the leaf of the tree it fell in.
#[derive(Debug, Clone)]
pub struct Offered {
    pub owner: Vec<usize>,
    pub leaf: Vec<usize>,
}

impl Owners {
    /// Learns the owners from the real rows: `key` and `earlier` the two keys' parent rows in
    /// each row ([`super::compact_rows`]), `parent` the key parent's modelled columns and
    /// `earlier_rows` the number of earlier parents. A key parent's owner is the earlier parent
    /// most of its rows have. `None` when no key parent has one or the earlier parents are more
    /// than [`MAX_OWNERS`].
    pub fn learn(
        key: &[u32],
        earlier: &[u32],
        (parent, parent_rows): (&[Column], usize),
        earlier_rows: usize,
        privacy: Privacy,
    ) -> Option<Owners> {
        if earlier_rows > MAX_OWNERS {
            return None;
        }
        let owned = usual_owners(key, earlier, parent_rows);
        if owned.is_empty() {
            return None;
        }
        let mut counts = vec![Vec::new(); earlier_rows];
        for &(_, owner, rows) in &owned {
            if let Some(counts) = counts.get_mut(usize::from(owner)) {
                counts.push(rows);
            }
        }
        for counts in &mut counts {
            counts.sort_unstable();
        }
        let threshold = privacy.threshold(parent_rows);
        let encoders: Vec<Encoder> = parent
            .iter()
            .map(|column| Encoder::fit(column, threshold))
            .collect();
        let codes: Vec<Vec<u8>> = parent
            .iter()
            .zip(&encoders)
            .map(|(column, encoder)| {
                owned
                    .iter()
                    .map(|&(row, _, _)| encoder.encode(&column.values[row]))
                    .collect()
            })
            .collect();
        let features: Vec<Feature<'_>> = codes
            .iter()
            .zip(&encoders)
            .map(|(codes, encoder)| encoder.feature(codes))
            .collect();
        let targets: Vec<u16> = owned.iter().map(|&(_, owner, _)| owner).collect();
        let rows: Vec<u32> = (0..targets.len() as u32).collect();
        let params = tree_params(privacy, targets.len());
        let (tree, leaf_rows) = Tree::fit(&features, &targets, earlier_rows, rows, params);
        let leaves = leaf_rows
            .iter()
            .map(|rows| rows.iter().map(|&r| targets[r as usize]).collect())
            .collect();
        let empty = empty_shares(key, earlier, earlier_rows, privacy.threshold(key.len()));
        Some(Owners {
            encoders,
            tree,
            leaves,
            empty,
            counts,
        })
    }

    /// The numbers of rows of the real key parents `earlier` owned, sorted (empty for a row
    /// past those learned or one that owned none).
    pub fn counts(&self, earlier: usize) -> &[usize] {
        self.counts.get(earlier).map_or(&[], Vec::as_slice)
    }

    /// The share of an earlier parent's rows whose key is empty ([`Owners::empty`]); `None`
    /// for a row past those learned.
    pub fn empty_share(&self, earlier: usize) -> Option<f64> {
        self.empty.get(earlier).copied()
    }

    /// The owner each of `rows` synthetic key parents draws (`parent`: their modelled columns,
    /// those the tree reads at least), in blocks from streams derived from `base` (the same
    /// whatever the number of threads), with the leaf each fell in.
    pub fn draw(&self, parent: &[Column], rows: usize, base: u64) -> Offered {
        let codes: Vec<Vec<u8>> = self
            .encoders
            .iter()
            .enumerate()
            .map(|(feature, encoder)| match parent.get(feature) {
                Some(column) if self.tree.reads(feature) && column.values.len() >= rows => column
                    .values[..rows]
                    .iter()
                    .map(|v| encoder.encode(v))
                    .collect(),
                _ => vec![0; rows],
            })
            .collect();
        let drawn = in_blocks(0..rows, base, |range, rng: &mut SynthRng| {
            range
                .map(|row| {
                    let leaf = self.tree.leaf(|feature| codes[feature][row]);
                    let owners = &self.leaves[leaf];
                    (usize::from(owners[rng.random_range(0..owners.len())]), leaf)
                })
                .collect::<Vec<(usize, usize)>>()
        });
        let (owner, leaf) = drawn.concat().into_iter().unzip();
        Offered { owner, leaf }
    }

    /// Whether a real key parent of `leaf` was owned by `earlier`: a parent of that leaf could
    /// go to it.
    pub fn could_own(&self, leaf: usize, earlier: usize) -> bool {
        self.leaves
            .get(leaf)
            .is_some_and(|owners| owners.iter().any(|&owner| usize::from(owner) == earlier))
    }

    /// The key parent's columns (indices) the tree reads.
    pub fn parent_columns_read(&self) -> impl Iterator<Item = usize> + '_ {
        self.tree.features_read()
    }

    /// Checks owners read from a model file against the key parent's number of modelled
    /// columns: one encoder each, a sound tree, no empty leaf.
    pub fn check(&self, parent_columns: usize) -> Result<(), String> {
        let shares = self.empty.iter().all(|share| (0.0..=1.0).contains(share))
            && self.counts.len() == self.empty.len();
        if self.encoders.len() != parent_columns || self.leaves.iter().any(Vec::is_empty) || !shares
        {
            return Err("owners that do not fit the parent table".into());
        }
        self.encoders.iter().try_for_each(Encoder::check)?;
        self.tree.check(self.encoders.len(), self.leaves.len())
    }
}

/// By earlier parent (of `earlier_rows`), the share of its rows whose key is empty; the share
/// over every row with an earlier key for one with fewer than `threshold` rows.
fn empty_shares(key: &[u32], earlier: &[u32], earlier_rows: usize, threshold: usize) -> Vec<f64> {
    let mut counts = vec![(0usize, 0usize); earlier_rows];
    for (&k, &e) in key.iter().zip(earlier) {
        if let Some((rows, empty)) = counts.get_mut(e as usize) {
            *rows += 1;
            *empty += usize::from(k == NO_ROW);
        }
    }
    let (rows, empty) = counts
        .iter()
        .fold((0, 0), |(r, e), &(rows, empty)| (r + rows, e + empty));
    let overall = if rows == 0 {
        0.0
    } else {
        empty as f64 / rows as f64
    };
    counts
        .iter()
        .map(|&(rows, empty)| match rows >= threshold.max(1) {
            true => empty as f64 / rows as f64,
            false => overall,
        })
        .collect()
}

/// Every key parent with rows whose earlier key is set, the earlier parent most of them have
/// (the first on a tie) and their number, in key parent order.
fn usual_owners(key: &[u32], earlier: &[u32], parent_rows: usize) -> Vec<(usize, u16, usize)> {
    let mut pairs: Vec<(u32, u32)> = key
        .iter()
        .zip(earlier)
        .filter(|&(&k, &e)| k != NO_ROW && e != NO_ROW && (k as usize) < parent_rows)
        .map(|(&k, &e)| (k, e))
        .collect();
    pairs.sort_unstable();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|rows| {
            let usual = rows
                .chunk_by(|a, b| a.1 == b.1)
                .max_by_key(|run| (run.len(), std::cmp::Reverse(run[0].1)))?;
            let owner = u16::try_from(usual[0].1).ok()?;
            Some((rows[0].0 as usize, owner, rows.len()))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::Value;
    use crate::schema::ColumnKind;
    use std::sync::Arc;

    /// The makers of `planes` planes: plane `p` of maker `p % 3` of three.
    pub(crate) fn makers(planes: usize) -> Column {
        let makers = ["Boeing", "Airbus", "Embraer"];
        Column {
            name: "maker".into(),
            kind: ColumnKind::Categorical,
            format: crate::data::ValueFormat::Verbatim,
            values: (0..planes)
                .map(|p| Value::Label(Arc::from(makers[p % 3])))
                .collect(),
        }
    }

    /// `planes` planes of three makers ([`makers`]); each flown `flights` times by the airline
    /// its maker goes with (`maker`, of three airlines), but for one flight in ten by the next
    /// airline.
    fn fleet(planes: usize, flights: usize) -> (Vec<Column>, Vec<u32>, Vec<u32>) {
        let (mut key, mut earlier) = (Vec::new(), Vec::new());
        for plane in 0..planes as u32 {
            for flight in 0..flights as u32 {
                key.push(plane);
                earlier.push((plane % 3 + u32::from(flight % 10 == 9)) % 3);
            }
        }
        (vec![makers(planes)], key, earlier)
    }

    #[test]
    fn a_parent_is_offered_to_the_owner_of_real_parents_like_it() {
        let (parent, key, earlier) = fleet(300, 12);
        let privacy = Privacy { min_count: 5 };
        let owners = Owners::learn(&key, &earlier, (&parent, 300), 3, privacy).expect("owners");
        let drawn = owners.draw(&parent, 300, 7);
        assert_eq!(drawn.owner.len(), 300);
        for (plane, owner) in drawn.owner.iter().enumerate() {
            assert!(owners.could_own(drawn.leaf[plane], *owner));
            assert!(!owners.could_own(drawn.leaf[plane], (*owner + 1) % 3));
            assert_eq!(*owner, plane % 3, "plane {plane}");
        }
        assert_eq!(owners.check(1), Ok(()));
        assert!(owners.check(2).is_err());
    }

    #[test]
    fn without_rows_or_with_too_many_owners_there_are_none() {
        let (parent, key, earlier) = fleet(30, 4);
        let privacy = Privacy { min_count: 5 };
        let empty = vec![NO_ROW; key.len()];
        assert!(Owners::learn(&key, &empty, (&parent, 30), 3, privacy).is_none());
        assert!(Owners::learn(&key, &earlier, (&parent, 30), MAX_OWNERS + 1, privacy).is_none());
    }
}
