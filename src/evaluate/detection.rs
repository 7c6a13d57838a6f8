//! Detection: can a classifier tell synthetic rows from real ones? (METRICS.md, "Detection";
//! the field's classifier two-sample test, SDMetrics' `LogisticDetection`, MOSTLY AI's
//! "discriminator AUC".)
//!
//! Why: column shapes and pair trends look at one or two columns at a time and miss what gives
//! a synthetic row away as a whole (a delay that does not match its times, a child that does not
//! fit its parent). A classifier sees every column at once.
//!
//! How, per table: the scored columns of the table, and of each parent joined through its
//! foreign keys (keys, ids and text dropped), are binned with the model kit's
//! [`Encoder`](crate::model::encode::Encoder) (quantile bins of the real sample, frequent
//! labels); at most [`EvaluateOptions::detection_rows`] rows are drawn from each side (seeded),
//! about half of the rows (split by a seeded hash of their codes, see [`split_halves`]) train a
//! small random forest of the kit's own CART
//! [`Tree`](crate::model::tree::Tree)s (bootstrap rows, a random share of the features per
//! tree) and the other half measures the ROC AUC of the forest's "real" probability. The
//! features the classifier relied on most are found by permutation: the AUC lost when one
//! feature is shuffled among the held-out rows.

use std::cell::Cell;

use rand::RngExt;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::Serialize;

use super::EvaluateOptions;
use super::paired::{Paired, PairedTable, is_scored};
use crate::data::{Column, Value};
use crate::model::encode::Encoder;
use crate::model::tree::{Feature, Tree, TreeParams};
use crate::sampling::{SynthRng, rng_for};

/// Trees in each table's forest.
pub const TREES: usize = 30;
/// Depth of each tree.
const MAX_DEPTH: usize = 8;
/// Training rows a leaf holds at least.
const MIN_LEAF: usize = 5;
/// Share of the features each tree may split on (at least [`MIN_TREE_FEATURES`]).
const FEATURE_SHARE: f64 = 0.6;
/// Features each tree may split on, at least (or all, when there are fewer).
const MIN_TREE_FEATURES: usize = 3;
/// A table with fewer rows on either side is not measured: an AUC on a few dozen held-out rows
/// says little.
pub const MIN_ROWS: usize = 50;
/// A feature whose shuffling costs no AUC is still reported when at least this share of the
/// forest's decisions looked at it.
const MIN_DECISION_SHARE: f64 = 0.1;
/// The most-relied-on features reported per table.
pub const TOP_FEATURES: usize = 5;

/// Detection over the whole database.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionReport {
    /// Mean ROC AUC over the tables measured (0.5: indistinguishable, 1: every row stands out).
    pub mean_auc: Option<f64>,
    /// The highest table AUC: the table that gives the copy away most.
    pub max_auc: Option<f64>,
    /// Mean over the tables of `1 − 2 |AUC − 0.5|` (1 is best).
    pub score: Option<f64>,
    /// Rows drawn from each side of a table, at most.
    pub rows_per_side: usize,
    /// Trees in each forest.
    pub trees: usize,
    /// One row per table, in schema order.
    pub tables: Vec<TableDetection>,
}

/// Detection on one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableDetection {
    /// The table.
    pub table: String,
    /// Rows used from each side (half train, half test).
    pub rows_per_side: usize,
    /// Features the classifier saw (the table's scored columns and its parents').
    pub features: usize,
    /// ROC AUC on the held-out half; `None` when not measured (see `note`).
    pub auc: Option<f64>,
    /// `1 − 2 |AUC − 0.5|`.
    pub score: Option<f64>,
    /// The features whose shuffling costs the most AUC, most first.
    pub top_features: Vec<FeatureImportance>,
    /// Why the table was not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How much the classifier relied on one feature.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureImportance {
    /// The column (`parent.column` for a parent's column; `parent[fk].column` when the same
    /// parent is joined through several foreign keys).
    pub feature: String,
    /// AUC minus the AUC with this feature shuffled among the held-out rows.
    pub auc_drop: f64,
    /// The share of the forest's decisions on held-out rows that looked at this feature. When
    /// several features carry the same signal, shuffling one costs little AUC (the others
    /// stand in), but the forest still decides on them: this shows where it looked.
    pub decision_share: f64,
}

/// One feature's values on the sampled rows of each side.
#[derive(Debug, Clone)]
pub struct FeatureColumn {
    /// The feature's name in reports.
    pub name: String,
    /// The real values (its type and format say how to bin them).
    pub real: Column,
    /// The synthetic values, parsed with the real column's type.
    pub synthetic: Vec<Value>,
}

/// What one table's classifier found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// ROC AUC on the held-out rows.
    pub auc: f64,
    /// Every feature's importance: most AUC lost first, then most decisions.
    pub importances: Vec<FeatureImportance>,
}

impl DetectionReport {
    /// The table a classifier tells apart best, and its AUC; `None` when no table was measured.
    pub fn most_detectable(&self) -> Option<(&str, f64)> {
        self.tables
            .iter()
            .filter_map(|t| Some((t.table.as_str(), t.auc?)))
            .reduce(|best, next| if next.1 > best.1 { next } else { best })
    }
}

/// Detection on every table of a paired database.
pub fn assess(paired: &Paired, options: &EvaluateOptions) -> DetectionReport {
    let tables: Vec<TableDetection> = paired
        .tables
        .par_iter()
        .map(|table| assess_table(paired, table, options))
        .collect();
    let aucs = || tables.iter().filter_map(|t| t.auc);
    DetectionReport {
        mean_auc: crate::stats::mean(aucs()),
        max_auc: aucs().reduce(f64::max),
        score: crate::stats::mean(tables.iter().filter_map(|t| t.score)),
        rows_per_side: options.detection_rows,
        trees: TREES,
        tables,
    }
}

fn assess_table(paired: &Paired, table: &PairedTable, options: &EvaluateOptions) -> TableDetection {
    let rows = table
        .real
        .rows()
        .min(table.synthetic.rows())
        .min(options.detection_rows);
    let mut rng = rng_for(options.seed, &format!("detection:{}", table.name));
    let real_rows = sample_rows(table.real.rows(), rows, &mut rng);
    let synthetic_rows = sample_rows(table.synthetic.rows(), rows, &mut rng);
    let features = table_features(paired, table, &real_rows, &synthetic_rows);
    let mut detection = TableDetection {
        table: table.name.clone(),
        rows_per_side: rows,
        features: features.len(),
        auc: None,
        score: None,
        top_features: Vec::new(),
        note: None,
    };
    if features.is_empty() {
        detection.note = Some("no scored column".into());
    } else if rows < MIN_ROWS {
        detection.note = Some(format!("fewer than {MIN_ROWS} rows on a side"));
    } else {
        let outcome = classify(&features, &mut rng);
        detection.auc = Some(outcome.auc);
        detection.score = Some(score(outcome.auc));
        detection.top_features = outcome
            .importances
            .into_iter()
            .filter(|f| f.auc_drop >= 0.0005 || f.decision_share >= MIN_DECISION_SHARE)
            .take(TOP_FEATURES)
            .collect();
    }
    detection
}

/// `1 − 2 |AUC − 0.5|`: 1 when the classifier does no better than chance, 0 when it separates
/// the sides perfectly (or perfectly backwards).
pub fn score(auc: f64) -> f64 {
    (1.0 - 2.0 * (auc - 0.5).abs()).clamp(0.0, 1.0)
}

/// `wanted` of `0..total` row indices, drawn without replacement (all of them when fewer), in
/// ascending order.
fn sample_rows(total: usize, wanted: usize, rng: &mut SynthRng) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..total).collect();
    if wanted < total {
        let (chosen, _) = rows.partial_shuffle(rng, wanted);
        let mut chosen = chosen.to_vec();
        chosen.sort_unstable();
        return chosen;
    }
    rows.truncate(wanted);
    rows
}

/// The table's scored columns and those of each parent (joined through each foreign key) on the
/// sampled rows.
fn table_features(
    paired: &Paired,
    table: &PairedTable,
    real_rows: &[usize],
    synthetic_rows: &[usize],
) -> Vec<FeatureColumn> {
    let mut features: Vec<FeatureColumn> = table
        .real
        .columns
        .iter()
        .filter(|c| is_scored(c.kind))
        .filter_map(|real| {
            let synthetic = table.synthetic_column(&real.name)?;
            Some(feature(
                real.name.clone(),
                real,
                real_rows.iter().map(|&r| Some(r)),
                &synthetic.values,
                synthetic_rows.iter().map(|&r| Some(r)),
            ))
        })
        .collect();
    let links: Vec<_> = paired
        .links
        .iter()
        .filter(|l| l.child == table.name)
        .collect();
    for link in &links {
        let Some(parent) = paired.table(&link.parent) else {
            continue;
        };
        let several = links.iter().filter(|l| l.parent == link.parent).count() > 1;
        let prefix = if several {
            format!("{}[{}]", link.parent, link.column)
        } else {
            link.parent.clone()
        };
        for real in parent.real.columns.iter().filter(|c| is_scored(c.kind)) {
            let Some(synthetic) = parent.synthetic_column(&real.name) else {
                continue;
            };
            features.push(feature(
                format!("{prefix}.{}", real.name),
                real,
                real_rows.iter().map(|&r| link.real_parent_of_row[r]),
                &synthetic.values,
                synthetic_rows
                    .iter()
                    .map(|&r| link.synthetic_parent_of_row[r]),
            ));
        }
    }
    features
}

/// A feature gathered at row indices (`None`: no such row, an empty value).
fn feature(
    name: String,
    real: &Column,
    real_rows: impl Iterator<Item = Option<usize>>,
    synthetic: &[Value],
    synthetic_rows: impl Iterator<Item = Option<usize>>,
) -> FeatureColumn {
    let gather = |values: &[Value], rows: &mut dyn Iterator<Item = Option<usize>>| {
        rows.map(|row| {
            row.and_then(|r| values.get(r))
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect::<Vec<Value>>()
    };
    let mut real_rows = real_rows;
    let mut synthetic_rows = synthetic_rows;
    FeatureColumn {
        name,
        real: Column {
            name: real.name.clone(),
            kind: real.kind,
            format: real.format.clone(),
            values: gather(&real.values, &mut real_rows),
        },
        synthetic: gather(synthetic, &mut synthetic_rows),
    }
}

/// Trains the forest on half of each side and measures it on the other half. Every feature has
/// as many real values as every other, and as many synthetic values.
pub fn classify(features: &[FeatureColumn], rng: &mut SynthRng) -> Outcome {
    let real_count = features.first().map_or(0, |f| f.real.values.len());
    let synthetic_count = features.first().map_or(0, |f| f.synthetic.len());
    let encoders: Vec<Encoder> = features.iter().map(|f| Encoder::fit(&f.real, 1)).collect();
    // Rows: real first, then synthetic; the target is 1 for real rows.
    let codes: Vec<Vec<u8>> = features
        .iter()
        .zip(&encoders)
        .map(|(f, encoder)| {
            f.real
                .values
                .iter()
                .chain(&f.synthetic)
                .map(|v| encoder.encode(v))
                .collect()
        })
        .collect();
    let target: Vec<u16> = (0..real_count + synthetic_count)
        .map(|row| u16::from(row < real_count))
        .collect();
    let (train, test) = split_halves(&codes, real_count + synthetic_count, rng);
    let forest = Forest::fit(&codes, &encoders, &target, &train, rng);
    let labels: Vec<bool> = test.iter().map(|&row| target[row as usize] == 1).collect();
    let view: Vec<&[u8]> = codes.iter().map(Vec::as_slice).collect();
    let decisions = vec![Cell::new(0); features.len()];
    let scores = forest.predict_counting(&view, &test, &decisions);
    let auc = roc_auc(&scores, &labels);
    let mut importances =
        permutation_importance(&forest, features, &codes, &test, &labels, auc, rng);
    let total = decisions.iter().map(Cell::get).sum::<usize>().max(1) as f64;
    for (importance, count) in importances.iter_mut().zip(&decisions) {
        importance.decision_share = count.get() as f64 / total;
    }
    // Most AUC lost first (to a thousandth), then most decisions.
    let key = |f: &FeatureImportance| ((f.auc_drop * 1000.0).round() as i64, f.decision_share);
    importances.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.cmp(&ka.0).then(kb.1.total_cmp(&ka.1))
    });
    Outcome { auc, importances }
}

/// Splits the rows into a training and a test half by a seeded hash of each row's codes, so
/// rows the classifier cannot tell apart (an exact copy of a real row, a real row seen twice)
/// always land in the same half. A random split would put a copy in the training half while its
/// real twin is tested, and teach the forest that the twin looks synthetic: the real data
/// against itself would then score well below 0.5. Each side is split about in half.
fn split_halves(codes: &[Vec<u8>], rows: usize, rng: &mut SynthRng) -> (Vec<u32>, Vec<u32>) {
    let seed: u64 = rng.random();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for row in 0..rows {
        // FNV-1a over the row's codes, then a final mix so the low bit depends on every code.
        let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
        for feature in codes {
            hash = (hash ^ u64::from(feature[row])).wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        if hash & 1 == 0 {
            train.push(row as u32);
        } else {
            test.push(row as u32);
        }
    }
    (train, test)
}

/// A random forest of the model kit's trees: each tree sees a bootstrap sample of the training
/// rows and a random share of the features.
struct Forest {
    trees: Vec<ForestTree>,
}

struct ForestTree {
    tree: Tree,
    /// The features this tree saw (its feature `i` is `features[i]` of the table).
    features: Vec<usize>,
    /// The share of real rows in each leaf, smoothed towards ½.
    leaf_real_share: Vec<f64>,
}

impl Forest {
    fn fit(
        codes: &[Vec<u8>],
        encoders: &[Encoder],
        target: &[u16],
        train: &[u32],
        rng: &mut SynthRng,
    ) -> Forest {
        let seeds: Vec<u64> = (0..TREES).map(|_| rng.random()).collect();
        let trees = seeds
            .into_par_iter()
            .map(|seed| {
                let mut rng = rng_for(seed, "detection tree");
                ForestTree::fit(codes, encoders, target, train, &mut rng)
            })
            .collect();
        Forest { trees }
    }
}

impl ForestTree {
    fn fit(
        codes: &[Vec<u8>],
        encoders: &[Encoder],
        target: &[u16],
        train: &[u32],
        rng: &mut SynthRng,
    ) -> ForestTree {
        let all = codes.len();
        let wanted = ((all as f64 * FEATURE_SHARE).ceil() as usize)
            .max(MIN_TREE_FEATURES)
            .min(all);
        let mut chosen: Vec<usize> = (0..all).collect();
        chosen.shuffle(rng);
        chosen.truncate(wanted);
        chosen.sort_unstable();
        let features: Vec<Feature<'_>> = chosen
            .iter()
            .map(|&index| encoders[index].feature(&codes[index]))
            .collect();
        let bootstrap: Vec<u32> = (0..train.len())
            .map(|_| train[rng.random_range(0..train.len())])
            .collect();
        let params = TreeParams {
            min_leaf: MIN_LEAF,
            max_depth: MAX_DEPTH,
            min_leaf_parents: 0,
        };
        let (tree, leaves) = Tree::fit(&features, target, 2, bootstrap, params);
        let leaf_real_share = leaves
            .iter()
            .map(|rows| {
                let real = rows.iter().filter(|&&r| target[r as usize] == 1).count();
                (real as f64 + 1.0) / (rows.len() as f64 + 2.0)
            })
            .collect();
        ForestTree {
            tree,
            features: chosen,
            leaf_real_share,
        }
    }
}

/// The AUC each feature is worth: the AUC minus the AUC with that feature's codes shuffled
/// among the held-out rows (every other feature left as it is), in feature order.
fn permutation_importance(
    forest: &Forest,
    features: &[FeatureColumn],
    codes: &[Vec<u8>],
    test: &[u32],
    labels: &[bool],
    auc: f64,
    rng: &mut SynthRng,
) -> Vec<FeatureImportance> {
    let seeds: Vec<u64> = features.iter().map(|_| rng.random()).collect();
    let importances: Vec<FeatureImportance> = features
        .par_iter()
        .zip(seeds)
        .enumerate()
        .map(|(index, (feature, seed))| {
            let mut shuffled = codes[index].clone();
            let mut values: Vec<u8> = test.iter().map(|&row| codes[index][row as usize]).collect();
            values.shuffle(&mut rng_for(seed, "detection permutation"));
            for (&row, value) in test.iter().zip(values) {
                shuffled[row as usize] = value;
            }
            let view: Vec<&[u8]> = (0..codes.len())
                .map(|i| {
                    if i == index {
                        shuffled.as_slice()
                    } else {
                        codes[i].as_slice()
                    }
                })
                .collect();
            let scores = forest.predict(&view, test);
            FeatureImportance {
                feature: feature.name.clone(),
                auc_drop: auc - roc_auc(&scores, labels),
                decision_share: 0.0,
            }
        })
        .collect();
    importances
}

impl Forest {
    /// The forest's probability that each row is real: the mean of its trees' leaf shares.
    fn predict(&self, codes: &[&[u8]], rows: &[u32]) -> Vec<f64> {
        self.predict_counting(codes, rows, &[])
    }

    /// [`Forest::predict`], adding to `decisions[f]` each time a split looks at feature `f`
    /// (when `decisions` has room for it).
    fn predict_counting(
        &self,
        codes: &[&[u8]],
        rows: &[u32],
        decisions: &[Cell<usize>],
    ) -> Vec<f64> {
        rows.iter()
            .map(|&row| {
                let row = row as usize;
                let sum: f64 = self
                    .trees
                    .iter()
                    .map(|t| {
                        let leaf = t.tree.leaf(|f| {
                            let feature = t.features[f];
                            if let Some(count) = decisions.get(feature) {
                                count.set(count.get() + 1);
                            }
                            codes[feature][row]
                        });
                        t.leaf_real_share[leaf]
                    })
                    .sum();
                sum / self.trees.len().max(1) as f64
            })
            .collect()
    }
}

/// The area under the ROC curve of `scores` for telling `labels` (true: positive) apart: the
/// probability that a random positive scores above a random negative, ties counting ½
/// (Mann–Whitney). ½ when either class is missing.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks (1-based), ties sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end) as f64 / 2.0 + 1.0;
        let tied_positives = order[start..=end].iter().filter(|&&i| labels[i]).count();
        rank_sum += mean_rank * tied_positives as f64;
        start = end + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    (rank_sum - p * (p + 1.0) / 2.0) / (p * n)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::ValueFormat;
    use crate::schema::ColumnKind;

    /// Named, typed columns of values.
    type Columns = Vec<(String, ColumnKind, Vec<Value>)>;

    /// A table of `rows` rows: `x` uniform, `y = 2x + small noise` (an exact-ish rule),
    /// `kind` a category tied to `x`, `z` independent noise.
    fn planted_table(rows: usize, rng: &mut SynthRng) -> Columns {
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut kind = Vec::new();
        let mut z = Vec::new();
        for _ in 0..rows {
            let value: f64 = rng.random::<f64>() * 100.0;
            x.push(Value::Number(value));
            y.push(Value::Number(2.0 * value + rng.random::<f64>()));
            let label = if value < 30.0 { "low" } else { "high" };
            kind.push(Value::Label(Arc::from(label)));
            z.push(Value::Number(rng.random::<f64>()));
        }
        vec![
            ("x".into(), ColumnKind::Numerical, x),
            ("y".into(), ColumnKind::Numerical, y),
            ("kind".into(), ColumnKind::Categorical, kind),
            ("z".into(), ColumnKind::Numerical, z),
        ]
    }

    /// Features whose real side is `real` and synthetic side `synthetic` (same columns).
    fn features(real: &Columns, synthetic: &Columns) -> Vec<FeatureColumn> {
        real.iter()
            .zip(synthetic)
            .map(|((name, kind, values), (_, _, other))| FeatureColumn {
                name: name.clone(),
                real: Column {
                    name: name.clone(),
                    kind: *kind,
                    format: ValueFormat::Verbatim,
                    values: values.clone(),
                },
                synthetic: other.clone(),
            })
            .collect()
    }

    /// Two random halves of one table: the real side and a "synthetic" side.
    fn halves(table: &Columns, rng: &mut SynthRng) -> (Columns, Columns) {
        let rows = table[0].2.len();
        let mut order: Vec<usize> = (0..rows).collect();
        order.shuffle(rng);
        let (a, b) = order.split_at(rows / 2);
        let pick = |rows: &[usize]| {
            table
                .iter()
                .map(|(name, kind, values)| {
                    let picked = rows.iter().map(|&r| values[r].clone()).collect();
                    (name.clone(), *kind, picked)
                })
                .collect()
        };
        (pick(a), pick(b))
    }

    #[test]
    fn real_against_itself_is_indistinguishable() {
        let mut rng = rng_for(11, "test");
        let table = planted_table(4000, &mut rng);
        let (real, other) = halves(&table, &mut rng);
        let outcome = classify(&features(&real, &other), &mut rng);
        assert!(
            (outcome.auc - 0.5).abs() < 0.05,
            "AUC {} should be near 0.5",
            outcome.auc
        );
        assert!(score(outcome.auc) > 0.9);
    }

    #[test]
    fn a_shuffled_column_gives_the_copy_away_and_is_named() {
        let mut rng = rng_for(12, "test");
        let table = planted_table(4000, &mut rng);
        let (real, mut flawed) = halves(&table, &mut rng);
        // The flaw: y keeps its distribution but loses its tie to x.
        flawed[1].2.shuffle(&mut rng);
        let outcome = classify(&features(&real, &flawed), &mut rng);
        assert!(outcome.auc > 0.8, "AUC {} should be high", outcome.auc);
        let top: Vec<&str> = outcome
            .importances
            .iter()
            .take(2)
            .map(|f| f.feature.as_str())
            .collect();
        assert!(top.contains(&"y"), "top features {top:?} should name y");
        let z = outcome.importances.iter().find(|f| f.feature == "z");
        assert!(
            z.is_some_and(|z| z.auc_drop < 0.02),
            "noise z is not relied on"
        );
    }

    #[test]
    fn a_broken_category_rule_is_found() {
        let mut rng = rng_for(13, "test");
        let table = planted_table(4000, &mut rng);
        let (real, mut flawed) = halves(&table, &mut rng);
        // The flaw: one synthetic row in four gets the other category than x implies (a perfect
        // classifier would reach about 0.5 + 0.25 / 2).
        for (row, value) in flawed[2].2.iter_mut().enumerate() {
            if row % 4 == 0 {
                let swapped = if *value == Value::Label(Arc::from("low")) {
                    "high"
                } else {
                    "low"
                };
                *value = Value::Label(Arc::from(swapped));
            }
        }
        let outcome = classify(&features(&real, &flawed), &mut rng);
        assert!(outcome.auc > 0.58, "AUC {} should rise", outcome.auc);
        let top: Vec<&str> = outcome
            .importances
            .iter()
            .take(2)
            .map(|f| f.feature.as_str())
            .collect();
        assert!(
            top.contains(&"kind"),
            "top features {top:?} should name kind"
        );
    }

    #[test]
    fn auc_counts_pairs_and_ties() {
        assert_eq!(
            roc_auc(&[0.9, 0.8, 0.2, 0.1], &[true, true, false, false]),
            1.0
        );
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[true, true, false, false]),
            0.0
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[true, false]), 0.5);
        // Positives 0.9 and 0.3 against negatives 0.5 and 0.3: 1 + 0 + 1 + ½ over 4.
        let auc = roc_auc(&[0.9, 0.3, 0.5, 0.3], &[true, true, false, false]);
        assert!((auc - 0.625).abs() < 1e-12);
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), 0.5);
        assert_eq!(score(0.5), 1.0);
        assert_eq!(score(1.0), 0.0);
        assert!((score(0.25) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_same_seed_gives_the_same_outcome() {
        let table = planted_table(600, &mut rng_for(14, "test"));
        let (real, other) = halves(&table, &mut rng_for(15, "test"));
        let run = || classify(&features(&real, &other), &mut rng_for(16, "test"));
        let (a, b) = (run(), run());
        assert_eq!(a.auc, b.auc);
        let names = |o: &Outcome| {
            o.importances
                .iter()
                .map(|f| (f.feature.clone(), f.auc_drop))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
    }
}
