//! Which parents a child row prefers, for foreign keys that are assigned after generation: a
//! model learned from the real tables and saved in the model file.
//!
//! Where some parent columns tell apart which child rows they had (a flight's destination
//! airport and its distance, say), a tree over the child's columns predicts the parent's
//! *signature* (the coarse codes of the parent columns most associated with child columns), and
//! each signature keeps the children counts its real parents had. Key assignment
//! ([`crate::keys`]) then gives child rows parents with the signature they ask for, and parents
//! capacities like those of real parents with their signature. Trees grow under the table's
//! [`Privacy`] limits like every other model.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::encode::Encoder;
use super::tree::{Feature, Tree};
use super::{Privacy, tree_params};
use crate::data::Column;
use crate::sampling::{SynthRng, in_blocks, stratified};
use crate::stats::cramers_v;

/// Bins of each parent column in a signature, strongest column first: fine for the column that
/// tells children apart best, coarse for the second, so signatures stay few (at most 80).
const SIGNATURE_BINS: [usize; 2] = [15, 4];

/// Below this association (Cramér's V) a parent column says nothing about its children.
const MIN_ASSOCIATION: f64 = 0.1;

/// How far a child column's codes must be determined by the parent ([`determination`]) for the
/// parent's children to be banded by it: a flight's distance by its destination (0.72 on
/// nycflights13, with 32 quantile bins); a plane's flights' distances (0.32), a customer's
/// sales' dates (TPC-DS, 0.44) and a part's line items' quantities (TPC-H, under 0.15) vary
/// within a parent and are not banded.
const MIN_BAND_DETERMINATION: f64 = 0.6;

/// The fewest children a real parent needs to count in [`determination`]: a parent with one or
/// two children agrees with itself by chance.
const MIN_BAND_CHILDREN: usize = 5;

/// A child table's and a parent table's columns, real or synthetic.
#[derive(Debug, Clone, Copy)]
pub struct LinkedColumns<'a> {
    /// The child's modelled columns.
    pub child: &'a [Column],
    /// The number of child rows.
    pub child_rows: usize,
    /// The parent's modelled columns.
    pub parent: &'a [Column],
    /// The number of parent rows.
    pub parent_rows: usize,
}

/// Which parents a child row prefers: a tree over the child's columns predicting the parent's
/// *signature* (the coarse codes of the parent columns most associated with child columns).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParentPreference {
    /// Parent columns in the signature, with their coarse encoders.
    signature: Vec<(usize, Encoder)>,
    /// Encoders of the child's columns (the tree's features).
    child_encoders: Vec<Encoder>,
    tree: Tree,
    /// The signatures of the real parents of each leaf's rows.
    leaves: Vec<Vec<u16>>,
    /// By signature (sorted), the children counts of the real parents with it (zeros included):
    /// a parent's capacity follows its signature, so a hub airport gets a hub's flights.
    counts: Vec<(u16, Vec<usize>)>,
    /// The child column (index) the parent nearly determines, if any: a flight's distance by
    /// its destination. Assignment then gives each parent children of one band of its codes
    /// (a destination all flights of about one distance), not a random draw of its signature's
    /// (flights of 680 to 3,670 miles to one airport). Since format 23.
    band: Option<usize>,
}

impl ParentPreference {
    /// Checks a preference read from a model file against its tables (`child_columns` modelled
    /// columns of the child, `parent_columns` of the parent): every index a draw follows in
    /// range, every encoder and the tree sound.
    pub(crate) fn check(
        &self,
        child_columns: usize,
        parent_columns: usize,
    ) -> std::result::Result<(), String> {
        if self.signature.len() > SIGNATURE_BINS.len()
            || self
                .signature
                .iter()
                .any(|(column, _)| *column >= parent_columns)
            || self.child_encoders.len() != child_columns
            || self.leaves.iter().any(Vec::is_empty)
            || self.band.is_some_and(|band| band >= child_columns)
        {
            return Err("a parent preference that does not fit its tables".into());
        }
        self.signature
            .iter()
            .map(|(_, encoder)| encoder)
            .chain(&self.child_encoders)
            .try_for_each(Encoder::check)?;
        self.tree
            .check(self.child_encoders.len(), self.leaves.len())
    }

    /// Learns the preference from the child rows of `real` (`parent_of_row`: the parent row of
    /// each) and every parent's children count in the whole real table (`children`, exact when
    /// the child rows are a sample); `None` when no parent column is associated with a child
    /// column.
    pub(crate) fn learn(
        real: LinkedColumns<'_>,
        parent_of_row: &[Option<usize>],
        children: &[usize],
        privacy: Privacy,
    ) -> Option<ParentPreference> {
        let params = tree_params(privacy, real.child_rows);
        let keyed: Vec<(usize, usize)> = parent_of_row
            .iter()
            .enumerate()
            .filter_map(|(row, parent)| parent.map(|parent| (row, parent)))
            .collect();
        let child_encoders: Vec<Encoder> = real
            .child
            .iter()
            .map(|column| Encoder::fit(column, privacy.threshold(real.child_rows)))
            .collect();
        let child_codes: Vec<Vec<u8>> = real
            .child
            .iter()
            .zip(&child_encoders)
            .map(|(column, encoder)| {
                keyed
                    .iter()
                    .map(|&(row, _)| encoder.encode(&column.values[row]))
                    .collect()
            })
            .collect();
        let signature = telling_parent_columns(
            privacy.threshold(real.parent_rows),
            real.parent,
            &keyed,
            &child_codes,
        );
        if signature.is_empty() || child_codes.is_empty() {
            return None;
        }
        let parent_signature = |parent: usize| signature_of(&signature, real.parent, parent);
        let targets: Vec<u16> = keyed
            .iter()
            .map(|&(_, parent)| parent_signature(parent))
            .collect();
        let features: Vec<Feature<'_>> = child_codes
            .iter()
            .zip(&child_encoders)
            .map(|(codes, encoder)| encoder.feature(codes))
            .collect();
        let classes = usize::from(targets.iter().copied().max().unwrap_or(0)) + 1;
        let rows: Vec<u32> = (0..keyed.len() as u32).collect();
        let (tree, leaf_rows) = Tree::fit(&features, &targets, classes, rows, params);
        let leaves = leaf_rows
            .iter()
            .map(|rows| rows.iter().map(|&r| targets[r as usize]).collect())
            .collect();
        let mut by_signature: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
        for (parent, &count) in children.iter().enumerate() {
            by_signature
                .entry(parent_signature(parent))
                .or_default()
                .push(count);
        }
        let band = banding_column(&child_codes, &keyed, privacy.min_count);
        Some(ParentPreference {
            signature,
            child_encoders,
            tree,
            leaves,
            counts: by_signature.into_iter().collect(),
            band,
        })
    }

    /// The codes of the child columns the preference reads (its tree's features and its band),
    /// for every row, in one pass down each column (rows are then visited in random order
    /// without touching their values); an empty list for a column it does not read.
    pub(crate) fn child_codes(&self, child: &[Column]) -> Vec<Vec<u8>> {
        let mut codes: Vec<Vec<u8>> = self
            .child_encoders
            .iter()
            .enumerate()
            .map(|(feature, encoder)| match child.get(feature) {
                Some(column) if self.tree.reads(feature) || self.band == Some(feature) => {
                    column.values.iter().map(|v| encoder.encode(v)).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        // Last, the band's place inside each row's bin ([`Self::bands`]).
        let band = self
            .band
            .and_then(|band| Some((child.get(band)?, self.child_encoders.get(band)?)));
        codes.push(match band {
            Some((column, encoder)) => column
                .values
                .iter()
                .map(|v| encoder.place_in_bin(v))
                .collect(),
            None => Vec::new(),
        });
        codes
    }

    /// The signature a synthetic child row asks for, from its codes ([`Self::child_codes`]).
    pub(crate) fn draw_signature(&self, codes: &[Vec<u8>], row: usize, rng: &mut SynthRng) -> u16 {
        let leaf = &self.leaves[self.tree.leaf(|feature| codes[feature][row])];
        leaf[rng.random_range(0..leaf.len())]
    }

    /// The signature every one of `rows` synthetic child rows asks for, in row order, drawn in
    /// blocks from streams derived from `base` ([`in_blocks`]: the same whatever the number of
    /// threads), reading the codes in order rather than in the order rows are assigned.
    pub(crate) fn draw_signatures(&self, codes: &[Vec<u8>], rows: usize, base: u64) -> Vec<u16> {
        in_blocks(0..rows, base, |range, rng| {
            range
                .map(|row| self.draw_signature(codes, row, rng))
                .collect::<Vec<u16>>()
        })
        .concat()
    }

    /// A capacity for every synthetic parent, drawn from the counts of real parents with the
    /// same signature (all real parents' counts for a signature never seen).
    pub(crate) fn capacities(
        &self,
        signatures: &[u16],
        all: &[usize],
        rng: &mut SynthRng,
    ) -> Vec<usize> {
        let mut groups: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
        for (parent, signature) in signatures.iter().enumerate() {
            groups.entry(*signature).or_default().push(parent);
        }
        let mut capacities = vec![0; signatures.len()];
        for (signature, parents) in groups {
            let counts = self
                .counts
                .binary_search_by_key(&signature, |(s, _)| *s)
                .map_or(all, |found| &self.counts[found].1);
            for (parent, capacity) in parents.iter().zip(stratified(counts, parents.len(), rng)) {
                capacities[*parent] = capacity;
            }
        }
        capacities
    }

    /// The child column the parent nearly determines ([`ParentPreference::band`]).
    pub(crate) fn band(&self) -> Option<usize> {
        self.band
    }

    /// The band of every child row ([`ParentPreference::band`]), from its codes
    /// ([`Self::child_codes`]): its bin, then its place inside the bin, so that rows sorted by
    /// band are sorted by value, and a parent filled with consecutive rows takes values close
    /// together (bins alone gave nycflights13's routes 18 distances each, 14% apart); `None`
    /// without a band.
    pub(crate) fn bands(&self, codes: &[Vec<u8>]) -> Option<Vec<u16>> {
        let coarse = codes.get(self.band()?)?;
        let fine = codes
            .get(self.child_encoders.len())
            .filter(|fine| fine.len() == coarse.len());
        Some(
            coarse
                .iter()
                .enumerate()
                .map(|(row, &code)| {
                    let place = fine.map_or(0, |fine| fine[row]);
                    u16::from(code) << 8 | u16::from(place)
                })
                .collect(),
        )
    }

    /// The parent columns (indices) a signature reads.
    pub(crate) fn parent_columns_read(&self) -> impl Iterator<Item = usize> + '_ {
        self.signature.iter().map(|(column, _)| *column)
    }

    /// The signature of every synthetic parent row.
    pub(crate) fn parent_signatures(&self, parent: &[Column], rows: usize) -> Vec<u16> {
        (0..rows)
            .map(|row| signature_of(&self.signature, parent, row))
            .collect()
    }
}

fn signature_of(signature: &[(usize, Encoder)], parent: &[Column], row: usize) -> u16 {
    signature.iter().fold(0u16, |code, (column, encoder)| {
        code * encoder.bins() as u16 + u16::from(encoder.encode(&parent[*column].values[row]))
    })
}

/// The parent columns most associated (Cramér's V) with some child column, strongest first,
/// each with the encoder its place in the signature gets.
fn telling_parent_columns(
    min_count: usize,
    parent: &[Column],
    keyed: &[(usize, usize)],
    child_codes: &[Vec<u8>],
) -> Vec<(usize, Encoder)> {
    let association = |column: &Column, bins: usize| {
        let encoder = Encoder::fit_coarse(column, bins, min_count);
        let codes: Vec<u8> = keyed
            .iter()
            .map(|&(_, p)| encoder.encode(&column.values[p]))
            .collect();
        let strength = child_codes
            .iter()
            .map(|child| cramers_v(&as_categories(&codes), &as_categories(child)))
            .fold(0.0, f64::max);
        (strength, encoder)
    };
    let mut scored: Vec<(f64, usize)> = parent
        .iter()
        .enumerate()
        .map(|(index, column)| (association(column, SIGNATURE_BINS[0]).0, index))
        .filter(|(strength, _)| *strength >= MIN_ASSOCIATION)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .zip(SIGNATURE_BINS)
        .map(|((_, index), bins)| (index, association(&parent[index], bins).1))
        .collect()
}

/// The child column whose codes the parent determines best, when it does so at least
/// [`MIN_BAND_DETERMINATION`] ([`determination`]); `child_codes[column][i]` is the code of
/// the `i`-th row of `keyed`.
fn banding_column(
    child_codes: &[Vec<u8>],
    keyed: &[(usize, usize)],
    min_count: usize,
) -> Option<usize> {
    let parents: Vec<usize> = keyed.iter().map(|&(_, parent)| parent).collect();
    let min_children = MIN_BAND_CHILDREN.max(min_count);
    child_codes
        .iter()
        .enumerate()
        .map(|(column, codes)| (determination(codes, &parents, min_children), column))
        .filter(|(strength, _)| *strength >= MIN_BAND_DETERMINATION)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, column)| column)
}

/// How far a row's parent tells its code: the share of rows (of parents with at least
/// `min_children`) whose code is their parent's most common one, above the share of the most
/// common code overall, as a part of what is left above it (0: no better than one guess for
/// all rows; 1: every parent's children share a code).
fn determination(codes: &[u8], parents: &[usize], min_children: usize) -> f64 {
    let mut pairs: Vec<(usize, u8)> = parents.iter().copied().zip(codes.iter().copied()).collect();
    pairs.sort_unstable();
    let mut overall = [0usize; 256];
    let (mut rows, mut agreeing) = (0, 0);
    for family in pairs.chunk_by(|a, b| a.0 == b.0) {
        let mut modal = 0;
        for run in family.chunk_by(|a, b| a.1 == b.1) {
            overall[usize::from(run[0].1)] += run.len();
            modal = modal.max(run.len());
        }
        if family.len() >= min_children {
            rows += family.len();
            agreeing += modal;
        }
    }
    let common = overall.iter().copied().max().unwrap_or(0) as f64 / codes.len().max(1) as f64;
    if rows == 0 || common >= 1.0 {
        return 0.0;
    }
    let agreement = agreeing as f64 / rows as f64;
    ((agreement - common) / (1.0 - common)).max(0.0)
}

/// Codes as the categories [`cramers_v`] takes (the null code is a category of its own).
fn as_categories(codes: &[u8]) -> Vec<Option<u32>> {
    codes.iter().map(|&code| Some(u32::from(code))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn determination_is_one_when_parents_fix_the_code_and_about_none_by_chance() {
        let parents: Vec<usize> = (0..1000).map(|row| row % 50).collect();
        let fixed: Vec<u8> = parents.iter().map(|&p| (p % 20) as u8).collect();
        assert!((determination(&fixed, &parents, 5) - 1.0).abs() < 1e-12);
        let mut rng = crate::sampling::rng_for(1, "determination");
        let random: Vec<u8> = (0..1000).map(|_| rng.random_range(0..20)).collect();
        let chance = determination(&random, &parents, 5);
        assert!(chance < 0.2, "{chance}");
        // Parents with fewer children than asked for are not counted: none here.
        assert_eq!(determination(&fixed, &parents, 21), 0.0);
    }
}
