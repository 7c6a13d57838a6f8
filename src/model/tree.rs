//! A classification tree (CART, Gini impurity) over binned features.
//!
//! Every feature is a small code (see [`super::encode`]); a split sends a set of codes left,
//! written as a 64-bit mask, which covers thresholds on ordered features and subsets of
//! categories alike. Leaves keep the training rows that reach them, so a model can draw a real
//! value of the leaf (and smooth it) instead of a class.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How big a tree may grow.
#[derive(Debug, Clone, Copy)]
pub struct TreeParams {
    /// No leaf holds fewer training rows (privacy: a leaf never speaks for one record).
    pub min_leaf: usize,
    /// Maximum depth.
    pub max_depth: usize,
    /// No split on a parent feature leaves fewer distinct parents on a side.
    pub min_leaf_parents: usize,
}

/// One feature as the tree sees it: its codes for every training row.
pub struct Feature<'a> {
    /// The code of each row.
    pub codes: &'a [u8],
    /// The number of codes.
    pub bins: usize,
    /// Whether codes are ordered (thresholds) or not (subsets ordered by target).
    pub ordered: bool,
    /// For a feature taken from a parent row: how many distinct parents have each code. A split
    /// on such a feature must leave [`TreeParams::min_leaf_parents`] parents on each side, so a
    /// tree never learns what one or two parents' children look like (privacy), and never
    /// routes synthetic parents down a branch that stood for a single real parent.
    pub parents_per_code: Option<&'a [usize]>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Node {
    Split {
        feature: u16,
        left_codes: u64,
        left: u32,
        right: u32,
    },
    Leaf(u32),
}

/// A fitted tree; leaves are numbered 0..leaves().
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// Fits a tree predicting `target` (classes `0..classes`) from `features` over `rows`;
    /// returns it with the training rows of each leaf.
    pub fn fit(
        features: &[Feature<'_>],
        target: &[u16],
        classes: usize,
        rows: Vec<u32>,
        params: TreeParams,
    ) -> (Tree, Vec<Vec<u32>>) {
        let mut builder = Builder {
            features,
            target,
            classes,
            params,
            nodes: Vec::new(),
            leaves: Vec::new(),
        };
        builder.grow(rows, 0);
        (
            Tree {
                nodes: builder.nodes,
            },
            builder.leaves,
        )
    }

    /// The leaf a row with these feature codes falls into (`code_of(feature)`).
    pub fn leaf(&self, code_of: impl Fn(usize) -> u8) -> usize {
        let mut node = 0;
        loop {
            match &self.nodes[node] {
                Node::Leaf(leaf) => return *leaf as usize,
                Node::Split {
                    feature,
                    left_codes,
                    left,
                    right,
                } => {
                    let code = code_of(usize::from(*feature));
                    node = if left_codes & (1u64 << code) != 0 {
                        *left as usize
                    } else {
                        *right as usize
                    };
                }
            }
        }
    }
}

/// A tree laid out for walking many rows: 16 bytes a node (four to a cache line), the left
/// child right after its parent, and each split naming the place in a row's codes it reads
/// (no lookup through the tree's feature list).
#[derive(Debug, Clone)]
pub struct FlatTree {
    nodes: Vec<FlatNode>,
}

#[derive(Debug, Clone, Copy)]
struct FlatNode {
    left_codes: u64,
    /// The right child of a split; the leaf of a leaf.
    next: u32,
    /// Where in the codes the split reads; [`FLAT_LEAF`] for a leaf.
    at: u32,
}

const FLAT_LEAF: u32 = u32::MAX;

impl FlatTree {
    /// The leaf a row with these codes falls into; `codes` holds every place the tree's
    /// splits read.
    pub fn leaf(&self, codes: &[u8]) -> usize {
        let mut index = 0;
        loop {
            let node = self.nodes[index];
            if node.at == FLAT_LEAF {
                return node.next as usize;
            }
            let code = codes[node.at as usize];
            index = if node.left_codes & (1u64 << code) != 0 {
                index + 1
            } else {
                node.next as usize
            };
        }
    }
}

impl FlatTree {
    /// The leaves rows with these codes fall into, as [`FlatTree::leaf`] finds them, walked
    /// four rows at a time: the walks of the four read their nodes side by side, so the cache
    /// misses overlap instead of following one another down the tree.
    pub fn leaves<'c>(&self, rows: usize, codes: impl Fn(usize) -> &'c [u8]) -> Vec<usize> {
        let mut leaves = Vec::with_capacity(rows);
        let whole = rows - rows % WALKED_TOGETHER;
        for first in (0..whole).step_by(WALKED_TOGETHER) {
            leaves.extend(self.four_leaves(std::array::from_fn(|row| codes(first + row))));
        }
        leaves.extend((whole..rows).map(|row| self.leaf(codes(row))));
        leaves
    }

    fn four_leaves(&self, codes: [&[u8]; WALKED_TOGETHER]) -> [usize; WALKED_TOGETHER] {
        let mut index = [0usize; WALKED_TOGETHER];
        let mut leaf = [None; WALKED_TOGETHER];
        while leaf.iter().any(Option::is_none) {
            for row in 0..WALKED_TOGETHER {
                if leaf[row].is_some() {
                    continue;
                }
                let node = self.nodes[index[row]];
                if node.at == FLAT_LEAF {
                    leaf[row] = Some(node.next as usize);
                    continue;
                }
                let code = codes[row][node.at as usize];
                index[row] = if node.left_codes & (1u64 << code) != 0 {
                    index[row] + 1
                } else {
                    node.next as usize
                };
            }
        }
        leaf.map(|leaf| leaf.unwrap_or(0))
    }
}

/// Rows whose tree walks [`FlatTree::leaves`] interleaves.
const WALKED_TOGETHER: usize = 4;

impl Tree {
    /// The tree as a [`FlatTree`] whose splits read feature `f` at `places[f]` of a row's
    /// codes; `None` when a split's left child does not follow it (a tree from a model file
    /// that was not grown here) or a place does not fit.
    pub fn flat(&self, places: &[usize]) -> Option<FlatTree> {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| match *node {
                Node::Leaf(leaf) => Some(FlatNode {
                    left_codes: 0,
                    next: leaf,
                    at: FLAT_LEAF,
                }),
                Node::Split {
                    feature,
                    left_codes,
                    left,
                    right,
                } => {
                    let at = u32::try_from(*places.get(usize::from(feature))?).ok()?;
                    (left as usize == index + 1 && at != FLAT_LEAF).then_some(FlatNode {
                        left_codes,
                        next: right,
                        at,
                    })
                }
            });
        Some(FlatTree {
            nodes: nodes.collect::<Option<Vec<FlatNode>>>()?,
        })
    }

    /// The features some split of the tree reads (each as often as it is split on).
    pub fn features_read(&self) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().filter_map(|node| match node {
            Node::Split { feature, .. } => Some(usize::from(*feature)),
            Node::Leaf(_) => None,
        })
    }

    /// Whether some split of the tree reads `feature` (a feature no split reads need not be
    /// computed).
    pub fn reads(&self, feature: usize) -> bool {
        self.nodes.iter().any(
            |node| matches!(node, Node::Split { feature: f, .. } if usize::from(*f) == feature),
        )
    }

    /// Checks a tree read from a model file: every split's feature below `features`, children
    /// after their parent (so a walk always ends) and inside the tree, leaves below `leaves`.
    pub fn check(&self, features: usize, leaves: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("a tree without nodes".into());
        }
        let len = self.nodes.len();
        for (index, node) in self.nodes.iter().enumerate() {
            match node {
                Node::Split {
                    feature,
                    left,
                    right,
                    ..
                } => {
                    let child_ok = |child: u32| (index + 1..len).contains(&(child as usize));
                    if usize::from(*feature) >= features || !child_ok(*left) || !child_ok(*right) {
                        return Err(format!("tree node {index} points outside the tree"));
                    }
                }
                Node::Leaf(leaf) if *leaf as usize >= leaves => {
                    return Err(format!(
                        "tree node {index} names a leaf that does not exist"
                    ));
                }
                Node::Leaf(_) => {}
            }
        }
        Ok(())
    }
}

/// A node with at least this many rows weighs its features in parallel: a feature's histogram
/// of this many rows takes tens of microseconds, well above what handing it to a core costs.
const PARALLEL_SPLIT_ROWS: usize = 16_384;

struct Builder<'a, 'f> {
    features: &'a [Feature<'f>],
    target: &'a [u16],
    classes: usize,
    params: TreeParams,
    nodes: Vec<Node>,
    leaves: Vec<Vec<u32>>,
}

struct Split {
    gain: f64,
    feature: usize,
    left_codes: u64,
}

impl Builder<'_, '_> {
    /// Adds the subtree for `rows`; returns its node index.
    fn grow(&mut self, rows: Vec<u32>, depth: usize) -> u32 {
        let index = self.nodes.len() as u32;
        let split = if depth < self.params.max_depth && rows.len() >= 2 * self.params.min_leaf {
            self.best_split(&rows)
        } else {
            None
        };
        let Some(split) = split else {
            self.nodes.push(Node::Leaf(self.leaves.len() as u32));
            self.leaves.push(rows);
            return index;
        };
        self.nodes.push(Node::Leaf(0)); // replaced below, once the children exist
        let codes = self.features[split.feature].codes;
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = rows
            .into_iter()
            .partition(|&row| split.left_codes & (1u64 << codes[row as usize]) != 0);
        let left = self.grow(left_rows, depth + 1);
        let right = self.grow(right_rows, depth + 1);
        self.nodes[index as usize] = Node::Split {
            feature: split.feature as u16,
            left_codes: split.left_codes,
            left,
            right,
        };
        index
    }

    fn best_split(&self, rows: &[u32]) -> Option<Split> {
        let mut totals = vec![0.0; self.classes];
        for &row in rows {
            totals[usize::from(self.target[row as usize])] += 1.0;
        }
        let parent_impurity = gini_sum(&totals, rows.len() as f64);
        if parent_impurity <= 1e-9 {
            return None;
        }
        let candidate = |feature: &Feature<'_>, histogram: &mut Vec<f64>| {
            self.feature_split(feature, rows, (&totals, parent_impurity), histogram)
        };
        // A large node's features are weighed on every core: the last trees of a wide table
        // (the columns drawn last read the most features) otherwise keep one core waiting.
        let candidates: Vec<Option<(f64, u64)>> = if rows.len() >= PARALLEL_SPLIT_ROWS {
            self.features
                .par_iter()
                .map_init(Vec::new, |histogram, feature| candidate(feature, histogram))
                .collect()
        } else {
            let mut histogram = Vec::new();
            self.features
                .iter()
                .map(|feature| candidate(feature, &mut histogram))
                .collect()
        };
        // The first feature with the highest gain, in feature order whatever the cores did.
        let mut best: Option<Split> = None;
        for (index, candidate) in candidates.into_iter().enumerate() {
            if let Some((gain, left_codes)) = candidate
                && best.as_ref().is_none_or(|b| gain > b.gain)
            {
                best = Some(Split {
                    gain,
                    feature: index,
                    left_codes,
                });
            }
        }
        best.filter(|split| split.gain > 1e-9 * rows.len() as f64)
    }

    /// The best split of `rows` on one feature: (impurity decrease, mask).
    fn feature_split(
        &self,
        feature: &Feature<'_>,
        rows: &[u32],
        (totals, parent_impurity): (&[f64], f64),
        histogram: &mut Vec<f64>,
    ) -> Option<(f64, u64)> {
        histogram.clear();
        histogram.resize(feature.bins * self.classes, 0.0);
        for &row in rows {
            let code = usize::from(feature.codes[row as usize]);
            histogram[code * self.classes + usize::from(self.target[row as usize])] += 1.0;
        }
        let order = self.code_order(feature, histogram, totals);
        self.sweep(&order, feature, histogram, totals, parent_impurity)
    }

    /// The order in which codes are swept: as they are for ordered features, else by the share
    /// of the node's most common class (the usual CART trick for subsets).
    fn code_order(&self, feature: &Feature<'_>, histogram: &[f64], totals: &[f64]) -> Vec<usize> {
        let mut codes: Vec<usize> = (0..feature.bins)
            .filter(|&code| {
                histogram[code * self.classes..(code + 1) * self.classes]
                    .iter()
                    .sum::<f64>()
                    > 0.0
            })
            .collect();
        if !feature.ordered {
            let majority = totals
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(class, _)| class);
            let share = |code: usize| {
                let counts = &histogram[code * self.classes..(code + 1) * self.classes];
                counts[majority] / counts.iter().sum::<f64>()
            };
            codes.sort_by(|&a, &b| share(a).total_cmp(&share(b)));
        }
        codes
    }

    /// The best prefix of `order` to send left: (impurity decrease, mask).
    fn sweep(
        &self,
        order: &[usize],
        feature: &Feature<'_>,
        histogram: &[f64],
        totals: &[f64],
        parent: f64,
    ) -> Option<(f64, u64)> {
        let total: f64 = totals.iter().sum();
        let mut left = vec![0.0; self.classes];
        let mut left_count = 0.0;
        let mut mask = 0u64;
        let mut best: Option<(f64, u64)> = None;
        let min_leaf = self.params.min_leaf as f64;
        let parents_of = |code: usize| feature.parents_per_code.map_or(0, |counts| counts[code]);
        let total_parents: usize = order.iter().map(|&code| parents_of(code)).sum();
        let mut left_parents = 0;
        for &code in order.iter().take(order.len().saturating_sub(1)) {
            let counts = &histogram[code * self.classes..(code + 1) * self.classes];
            for (sum, count) in left.iter_mut().zip(counts) {
                *sum += count;
            }
            left_count += counts.iter().sum::<f64>();
            left_parents += parents_of(code);
            mask |= 1u64 << code;
            let right_count = total - left_count;
            if left_count < min_leaf || right_count < min_leaf {
                continue;
            }
            let few_parents =
                left_parents.min(total_parents - left_parents) < self.params.min_leaf_parents;
            if feature.parents_per_code.is_some() && few_parents {
                continue;
            }
            let right: Vec<f64> = totals.iter().zip(&left).map(|(t, l)| t - l).collect();
            let gain = parent - gini_sum(&left, left_count) - gini_sum(&right, right_count);
            if best.is_none_or(|(g, _)| gain > g) {
                best = Some((gain, mask));
            }
        }
        best
    }
}

/// Gini impurity times the number of rows (so impurities of children add up).
fn gini_sum(counts: &[f64], n: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    n - counts.iter().map(|c| c * c).sum::<f64>() / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_node_splits_as_on_one_core_and_ties_go_to_the_first_feature() {
        // Target follows b; c is a copy of b (a tie the first copy must win); a is noise. Enough
        // rows that the top nodes weigh their features in parallel.
        let rows = 3 * PARALLEL_SPLIT_ROWS as u32;
        let a: Vec<u8> = (0..rows)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 28) as u8)
            .collect();
        let b: Vec<u8> = (0..rows).map(|i| (i / 5 % 8) as u8).collect();
        let c = b.clone();
        let target: Vec<u16> = (0..rows as usize)
            .map(|i| u16::from(b[i] % 3) + u16::from(a[i] % 2 == 0 && b[i] > 5))
            .collect();
        let feature = |codes| Feature {
            codes,
            bins: 16,
            ordered: true,
            parents_per_code: None,
        };
        let features = [feature(&a[..]), feature(&b[..]), feature(&c[..])];
        let params = TreeParams {
            min_leaf: 20,
            max_depth: 10,
            min_leaf_parents: 1,
        };
        let fit_on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
            let pool = pool.expect("a thread pool");
            pool.install(|| Tree::fit(&features, &target, 3, (0..rows).collect(), params))
        };
        let (one, one_leaves) = fit_on(1);
        let (four, four_leaves) = fit_on(4);
        assert_eq!(format!("{one:?}"), format!("{four:?}"));
        assert_eq!(one_leaves, four_leaves);
        // Each row's walk down the tree ends in the leaf that holds it.
        for (leaf, rows) in one_leaves.iter().enumerate() {
            for &row in rows {
                let walked = one.leaf(|feature| features[feature].codes[row as usize]);
                assert_eq!(walked, leaf, "row {row}");
            }
        }
        assert!(one_leaves.len() > 8, "{} leaves", one_leaves.len());
        assert!(
            one.reads(1) && !one.reads(2),
            "the first of two equal features"
        );
        assert!(one.reads(0), "the noise feature matters where b > 5");
    }

    #[test]
    fn finds_the_feature_that_explains_the_target() {
        // Target = 1 when feature b is in {2, 3}; feature a is noise.
        let a: Vec<u8> = (0..200).map(|i| (i % 4) as u8).collect();
        let b: Vec<u8> = (0..200).map(|i| ((i / 7) % 4) as u8).collect();
        let target: Vec<u16> = b.iter().map(|&code| u16::from(code >= 2)).collect();
        let features = [
            Feature {
                codes: &a,
                bins: 4,
                ordered: false,
                parents_per_code: None,
            },
            Feature {
                codes: &b,
                bins: 4,
                ordered: false,
                parents_per_code: None,
            },
        ];
        let params = TreeParams {
            min_leaf: 5,
            max_depth: 3,
            min_leaf_parents: 1,
        };
        let (tree, leaves) = Tree::fit(&features, &target, 2, (0..200).collect(), params);
        for leaf in &leaves {
            let ones = leaf
                .iter()
                .filter(|&&row| target[row as usize] == 1)
                .count();
            assert!(ones == 0 || ones == leaf.len(), "pure leaves");
        }
        let leaf = tree.leaf(|feature| if feature == 1 { 3 } else { 0 });
        assert!(leaves[leaf].iter().all(|&row| target[row as usize] == 1));
        // Laid out flat, with the features at other places of the codes, it finds the same
        // leaves.
        let flat = tree.flat(&[2, 0]).expect("a grown tree lays out flat");
        for (a, b) in (0..4).flat_map(|a| (0..4).map(move |b| (a, b))) {
            let codes = [b, 9, a];
            assert_eq!(flat.leaf(&codes), tree.leaf(|f| [a, b][f]), "codes {a} {b}");
        }
        // Walked side by side (four at a time and the rest one by one), rows find the same
        // leaves in the same order.
        let rows: Vec<[u8; 3]> = (0..23)
            .map(|i| [(i / 4 % 4) as u8, 9, (i % 4) as u8])
            .collect();
        let together = flat.leaves(rows.len(), |row| &rows[row]);
        let alone: Vec<usize> = rows.iter().map(|codes| flat.leaf(codes)).collect();
        assert_eq!(together, alone);
        assert!(
            alone.iter().any(|&leaf| leaf != alone[0]),
            "rows in several leaves"
        );
    }

    #[test]
    fn leaves_respect_the_minimum_size() {
        let codes: Vec<u8> = (0..100).map(|i| (i % 32) as u8).collect();
        let target: Vec<u16> = (0..100).map(|i| (i % 32) as u16).collect();
        let features = [Feature {
            codes: &codes,
            bins: 32,
            ordered: true,
            parents_per_code: None,
        }];
        let params = TreeParams {
            min_leaf: 10,
            max_depth: 10,
            min_leaf_parents: 1,
        };
        let (_, leaves) = Tree::fit(&features, &target, 32, (0..100).collect(), params);
        assert!(leaves.len() > 1);
        assert!(leaves.iter().all(|leaf| leaf.len() >= 10));
    }
}
