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
            .map(|(codes, encoder)| Feature {
                codes,
                bins: encoder.bins(),
                ordered: encoder.ordered(),
                parents_per_code: None,
            })
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
        Some(ParentPreference {
            signature,
            child_encoders,
            tree,
            leaves,
            counts: by_signature.into_iter().collect(),
        })
    }

    /// The codes of the child columns the preference reads, for every row, in one pass down
    /// each column (rows are then visited in random order without touching their values);
    /// an empty list for a column it does not read.
    pub(crate) fn child_codes(&self, child: &[Column]) -> Vec<Vec<u8>> {
        self.child_encoders
            .iter()
            .enumerate()
            .map(|(feature, encoder)| match child.get(feature) {
                Some(column) if self.tree.reads(feature) => {
                    column.values.iter().map(|v| encoder.encode(v)).collect()
                }
                _ => Vec::new(),
            })
            .collect()
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

/// Codes as the categories [`cramers_v`] takes (the null code is a category of its own).
fn as_categories(codes: &[u8]) -> Vec<Option<u32>> {
    codes.iter().map(|&code| Some(u32::from(code))).collect()
}
