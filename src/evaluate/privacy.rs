//! Privacy: how many synthetic rows are copies of real rows, and how close synthetic rows come
//! to real records (distance to closest record, DCR) compared with random rows.
//!
//! Exact copies are found by comparing whole rows (every non-key column) by their fingerprints
//! ([`crate::data::fingerprint`]), in linear time, over every row of both sides (also of a table
//! whose values are held as a sample).
//! DCR compares rows pairwise, so it runs on seeded samples: at most
//! [`EvaluateOptions::dcr_synthetic_rows`] synthetic rows (and as many uniform random rows)
//! against at most [`EvaluateOptions::dcr_real_rows`] real rows per table. Both the synthetic and
//! the random rows meet the same real sample, so their ratio stays fair; distances against a
//! sample are a little larger than against every real row.

use std::hash::Hash;

use rand::RngExt;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::paired::{Paired, PairedTable, Sample, ScoredColumn};
use super::{EvaluateOptions, PrivacyReport, TablePrivacy};
use crate::sampling::{SynthRng, rng_for};
use crate::stats::{self, RowMatrix};

/// Exact copies and DCR for every table.
pub fn assess(paired: &Paired, options: &EvaluateOptions) -> PrivacyReport {
    let tables: Vec<(TablePrivacy, Weights)> = paired
        .tables
        .par_iter()
        .map(|table| assess_table(table, options))
        .collect();
    let pooled = |share: fn(&TablePrivacy) -> Option<f64>, weight: fn(&Weights) -> usize| {
        let (sum, total) =
            tables
                .iter()
                .fold((0.0, 0), |(sum, total), (row, w)| match share(row) {
                    Some(s) => (sum + s * weight(w) as f64, total + weight(w)),
                    None => (sum, total),
                });
        (total > 0).then(|| sum / total as f64)
    };
    PrivacyReport {
        exact_copies: pooled(|t| t.exact_copies, |w| w.synthetic),
        exact_copies_real_vs_real: pooled(|t| t.exact_copies_real_vs_real, |w| w.half),
        dcr_baseline_protection: stats::mean(tables.iter().filter_map(|(t, _)| t.protection)),
        dcr_sample: *options,
        tables: tables.into_iter().map(|(table, _)| table).collect(),
    }
}

/// How many rows each table's shares are over, to pool them.
struct Weights {
    synthetic: usize,
    half: usize,
}

fn assess_table(table: &PairedTable, options: &EvaluateOptions) -> (TablePrivacy, Weights) {
    // Whole rows compare by fingerprint: every row of both sides, also of a table whose
    // values are held as a sample.
    let real_rows = &table.real_fingerprints;
    let synthetic_rows = &table.synthetic_fingerprints;
    let mut rng = rng_for(options.seed, &format!("copies:{}", table.name));
    let (exact_copies_real_vs_real, half) = real_vs_real(real_rows, &mut rng);
    let dcr = Dcr::measure(&table.scored, &table.name, options);
    let privacy = TablePrivacy {
        table: table.name.clone(),
        exact_copies: stats::exact_copy_share(real_rows, synthetic_rows),
        exact_copies_real_vs_real,
        median_dcr: dcr.synthetic,
        median_dcr_random: dcr.random,
        protection: stats::baseline_protection(dcr.synthetic, dcr.random),
    };
    let weights = Weights {
        synthetic: synthetic_rows.len(),
        half,
    };
    (privacy, weights)
}

/// The exact-copy share between two random halves of the real rows, and the half's size.
fn real_vs_real<R: Hash + Eq>(rows: &[R], rng: &mut SynthRng) -> (Option<f64>, usize) {
    if rows.len() < 2 {
        return (None, 0);
    }
    let mut order: Vec<&R> = rows.iter().collect();
    order.shuffle(rng);
    let (first, second) = order.split_at(rows.len() / 2);
    (stats::exact_copy_share(first, second), second.len())
}

/// Median DCR of synthetic rows and of uniform random rows.
struct Dcr {
    synthetic: Option<f64>,
    random: Option<f64>,
}

impl Dcr {
    fn measure(columns: &[ScoredColumn], table: &str, options: &EvaluateOptions) -> Dcr {
        let none = Dcr {
            synthetic: None,
            random: None,
        };
        let Some(first) = columns.first() else {
            return none;
        };
        let mut rng = rng_for(options.seed, &format!("dcr:{table}"));
        let real_rows = sample_rows(first.real.len(), options.dcr_real_rows, &mut rng);
        let synthetic_rows =
            sample_rows(first.synthetic.len(), options.dcr_synthetic_rows, &mut rng);
        if real_rows.is_empty() || synthetic_rows.is_empty() {
            return none;
        }
        // Continuous columns first, as `RowMatrix` stores them.
        let mut ordered: Vec<&ScoredColumn> = columns.iter().collect();
        ordered.sort_by_key(|column| !column.is_continuous());
        let scales: Vec<Scale> = ordered.iter().map(|c| Scale::of(c)).collect();
        let real = matrix(&ordered, &scales, |c| &c.real, &real_rows);
        let synthetic = matrix(&ordered, &scales, |c| &c.synthetic, &synthetic_rows);
        let random = random_matrix(&scales, synthetic_rows.len(), &mut rng);
        Dcr {
            synthetic: stats::median(&stats::nearest_distances(&synthetic, &real)),
            random: stats::median(&stats::nearest_distances(&random, &real)),
        }
    }
}

/// At most `cap` distinct row indices out of `rows`, drawn at random (all rows when fewer).
fn sample_rows(rows: usize, cap: usize, rng: &mut SynthRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    if rows > cap {
        order.shuffle(rng);
        order.truncate(cap);
        order.sort_unstable();
    }
    order
}

/// What DCR needs of a column: how to normalise it and how to draw a random value.
struct Scale {
    /// Continuous: the real minimum and range; discrete: `None`.
    range: Option<(f64, f64)>,
    /// Discrete: how many real categories there are.
    levels: u32,
    /// The real share of empty fields.
    null_share: f64,
}

impl Scale {
    fn of(column: &ScoredColumn) -> Scale {
        let cells = column.real.cells();
        let nulls = cells.iter().filter(|c| c.is_none()).count();
        let null_share = if cells.is_empty() {
            0.0
        } else {
            nulls as f64 / cells.len() as f64
        };
        let range = column.real.numbers().map(|values| {
            let present = values.iter().flatten();
            let min = present.clone().copied().fold(f64::INFINITY, f64::min);
            let max = present.copied().fold(f64::NEG_INFINITY, f64::max);
            if min.is_finite() {
                (min, max - min)
            } else {
                (0.0, 0.0)
            }
        });
        Scale {
            range,
            levels: column.real_levels,
            null_share,
        }
    }

    /// A cell as DCR compares it: `(x − min) / range`, a code, or NaN for an empty field.
    /// With a zero range any other value is as far as can be.
    fn normalise(&self, sample: &Sample, row: usize) -> f64 {
        match (sample, self.range) {
            (Sample::Continuous { values, .. }, Some((min, range))) => match values[row] {
                None => f64::NAN,
                Some(x) if range > 0.0 => (x - min) / range,
                Some(x) if x == min => 0.0,
                Some(_) => f64::INFINITY,
            },
            _ => sample.cells()[row].map_or(f64::NAN, f64::from),
        }
    }

    /// A uniform random cell: empty at the real rate, else uniform over the real range or the
    /// real categories.
    fn random(&self, rng: &mut SynthRng) -> f64 {
        if rng.random::<f64>() < self.null_share {
            return f64::NAN;
        }
        match self.range {
            Some((_, range)) if range > 0.0 => rng.random::<f64>(),
            Some(_) => 0.0,
            None if self.levels == 0 => f64::NAN,
            None => f64::from(rng.random_range(0..self.levels)),
        }
    }
}

fn empty_matrix(scales: &[Scale]) -> RowMatrix {
    let continuous = scales.iter().filter(|s| s.range.is_some()).count();
    RowMatrix::new(continuous, scales.len() - continuous)
}

fn matrix(
    columns: &[&ScoredColumn],
    scales: &[Scale],
    side: fn(&ScoredColumn) -> &Sample,
    rows: &[usize],
) -> RowMatrix {
    let mut matrix = empty_matrix(scales);
    let mut cells = Vec::with_capacity(columns.len());
    for &row in rows {
        cells.clear();
        cells.extend(
            columns
                .iter()
                .zip(scales)
                .map(|(column, scale)| scale.normalise(side(column), row)),
        );
        matrix.push(&cells);
    }
    matrix
}

fn random_matrix(scales: &[Scale], rows: usize, rng: &mut SynthRng) -> RowMatrix {
    let mut matrix = empty_matrix(scales);
    for _ in 0..rows {
        let cells: Vec<f64> = scales.iter().map(|s| s.random(rng)).collect();
        matrix.push(&cells);
    }
    matrix
}
