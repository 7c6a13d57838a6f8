//! `dxsynth evaluate`: how good a synthetic database is, measured as METRICS.md defines it.
//!
//! The real tables are read (and validated) through the schema, the synthetic ones from
//! tables where `run` wrote them with the real column types ([`load`]); both are encoded side by side
//! ([`paired`]); then the measures run: quality properties ([`quality`]), validity checks
//! ([`validity`]) and privacy ([`privacy`]), all built on the pure functions of [`crate::stats`]. The
//! result is a [`Report`] (serialisable as JSON), printed as a compact table ([`text`]) or
//! rendered as a self-contained HTML page with charts ([`html`]).

mod charts;
pub mod detection;
pub mod html;
pub mod load;
pub mod paired;
pub mod privacy;
pub mod quality;
pub mod realism;
pub mod rules;
pub mod text;
pub mod validity;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::location::Location;
use crate::schema::ColumnKind;
use crate::stats;
use paired::Paired;

/// Pairs count in the thresholded pair-trend score only when the real data ties them: |ρ| above
/// this for two continuous columns...
pub const CORRELATION_THRESHOLD: f64 = 0.5;
/// ...and Cramér's V above this for any other pair (the field's reference report's values).
pub const CRAMERS_V_THRESHOLD: f64 = 0.3;

/// Settings of an evaluation: how many rows of a large table the measures that read values
/// run on, and the sample sizes of distance to closest record, which compares rows pairwise
/// and so cannot run on every row of large tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EvaluateOptions {
    /// A table with more rows than this that no table refers to is read, on both sides, as a
    /// seeded sample of about this many rows (whole sequences of a sequential table), as
    /// training reads it: a 1 GB database is then scored in bounded memory. Row counts, children
    /// per parent, referential integrity, key uniqueness and exact copies still count every
    /// row.
    pub sample_rows: usize,
    /// Synthetic rows (and as many uniform random rows) measured per table, at most.
    pub dcr_synthetic_rows: usize,
    /// Real rows they are measured against, at most.
    pub dcr_real_rows: usize,
    /// Rows drawn from each side of a table for detection, at most (half train, half test).
    pub detection_rows: usize,
    /// Seed of every sample drawn (DCR subsamples, random rows, the real-vs-real split,
    /// detection samples and forests).
    pub seed: u64,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            sample_rows: 200_000,
            dcr_synthetic_rows: 2_000,
            dcr_real_rows: 10_000,
            detection_rows: 5_000,
            seed: 0,
        }
    }
}

/// Everything an evaluation measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The schema file of the real data.
    pub schema: PathBuf,
    /// The folder of synthetic tables.
    pub synthetic_dir: PathBuf,
    /// Row counts of each table.
    pub tables: Vec<TableRows>,
    /// Mean of column shapes, column pair trends (thresholded), cardinality and intertable
    /// trends (thresholded), over the properties that have a score.
    pub overall_quality: Option<f64>,
    /// The quality properties.
    pub quality: Quality,
    /// The validity checks (each should be exactly 1).
    pub validity: Validity,
    /// Exact copies and distance to closest record.
    pub privacy: PrivacyReport,
    /// Realism and replayed values of text and personal columns (see [`realism`]).
    pub realism: Vec<realism::ColumnRealism>,
    /// Whether a classifier tells synthetic rows from real ones, per table.
    pub detection: detection::DetectionReport,
    /// Adherence to the rules of the real rows (not in the overall score).
    pub rules: rules::RuleAdherence,
}

/// Rows of one table on each side.
#[derive(Debug, Clone, Serialize)]
pub struct TableRows {
    /// The table.
    pub table: String,
    /// Real rows.
    pub real_rows: usize,
    /// Synthetic rows.
    pub synthetic_rows: usize,
    /// When the table was scored on a sample ([`EvaluateOptions::sample_rows`]): the rows of
    /// each side the measures that read values ran on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampled: Option<SampledRows>,
}

/// The rows of a table's sample on each side.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SampledRows {
    /// Real rows in the sample.
    pub real_rows: usize,
    /// Synthetic rows in the sample.
    pub synthetic_rows: usize,
}

/// A property: its rows and their mean, pooled over all tables (`None` without rows).
#[derive(Debug, Clone, Serialize)]
pub struct Property<T> {
    /// The mean of the rows' scores.
    pub score: Option<f64>,
    /// One row per column, relationship or table.
    pub rows: Vec<T>,
}

impl<T> Property<T> {
    /// The property of these rows, scored by `score`.
    pub fn of(rows: Vec<T>, score: impl Fn(&T) -> f64) -> Self {
        Property {
            score: stats::mean(rows.iter().map(score)),
            rows,
        }
    }
}

/// The quality properties of METRICS.md.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// 1 − KS or 1 − TVD per scored column.
    pub column_shapes: Property<ColumnScore>,
    /// Every pair of scored columns inside a table.
    pub column_pair_trends: PairProperty,
    /// 1 − KS of children per parent, per relationship.
    pub cardinality: Property<RelationshipScore>,
    /// Every (parent column, child column) pair of each relationship.
    pub intertable_trends: PairProperty,
    /// Transitions inside sequences, and the order of datetimes (not in the overall score).
    pub sequence_coherence: SequenceCoherence,
}

/// The shape score of one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnScore {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Its type.
    pub kind: ColumnKind,
    /// How it is scored.
    pub metric: ShapeMetric,
    /// 1 − the statistic.
    pub score: f64,
}

/// How a column shape is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeMetric {
    /// Kolmogorov–Smirnov (continuous columns).
    Ks,
    /// Total variation distance (discrete columns).
    Tvd,
}

impl ShapeMetric {
    /// The statistic's usual abbreviation, for reports.
    pub fn name(self) -> &'static str {
        match self {
            ShapeMetric::Ks => "KS",
            ShapeMetric::Tvd => "TVD",
        }
    }
}

/// Pair trends: both the thresholded score (pairs the real data ties) and the all-pairs score.
#[derive(Debug, Clone, Serialize)]
pub struct PairProperty {
    /// Mean over the pairs that count (real |ρ| > 0.5, or Cramér's V > 0.3).
    pub score: Option<f64>,
    /// Mean over every pair.
    pub score_all_pairs: Option<f64>,
    /// How many pairs count.
    pub counted_pairs: usize,
    /// The same two scores per table (pair trends) or relationship (intertable trends).
    pub groups: Vec<GroupScore>,
    /// Every pair.
    pub rows: Vec<PairScore>,
}

impl PairProperty {
    /// Scores a list of pairs, overall and per group (in first-seen order).
    pub fn of(rows: Vec<PairScore>) -> Self {
        let mut scopes: Vec<&str> = Vec::new();
        for row in &rows {
            if !scopes.contains(&row.scope.as_str()) {
                scopes.push(&row.scope);
            }
        }
        let groups = scopes
            .iter()
            .map(|scope| {
                let (score, score_all_pairs, _) =
                    pair_means(rows.iter().filter(|row| row.scope == *scope));
                GroupScore {
                    scope: scope.to_string(),
                    score,
                    score_all_pairs,
                }
            })
            .collect();
        let (score, score_all_pairs, counted_pairs) = pair_means(rows.iter());
        PairProperty {
            score,
            score_all_pairs,
            counted_pairs,
            groups,
            rows,
        }
    }
}

fn pair_means<'a>(
    rows: impl Iterator<Item = &'a PairScore> + Clone,
) -> (Option<f64>, Option<f64>, usize) {
    let counted = rows.clone().filter(|row| row.counted);
    (
        stats::mean(counted.clone().map(|row| row.score)),
        stats::mean(rows.map(|row| row.score)),
        counted.count(),
    )
}

/// The pair-trend scores of one table or relationship.
#[derive(Debug, Clone, Serialize)]
pub struct GroupScore {
    /// The table, or the relationship (`child.fk -> parent`).
    pub scope: String,
    /// Mean over the pairs that count.
    pub score: Option<f64>,
    /// Mean over every pair.
    pub score_all_pairs: Option<f64>,
}

/// The trend score of one pair of columns.
#[derive(Debug, Clone, Serialize)]
pub struct PairScore {
    /// The table, or the relationship (`child.fk -> parent`) for intertable pairs.
    pub scope: String,
    /// The first column (the parent's, qualified, in intertable pairs).
    pub column_a: String,
    /// The second column (the child's, qualified, in intertable pairs).
    pub column_b: String,
    /// How the pair is scored.
    pub metric: PairMetric,
    /// The score.
    pub score: f64,
    /// |ρ| (correlation) or Cramér's V (contingency) in the real data.
    pub real_association: f64,
    /// Whether the real data ties the pair enough for the thresholded score.
    pub counted: bool,
}

/// How a pair is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PairMetric {
    /// Correlation similarity (two continuous columns).
    Correlation,
    /// Contingency similarity (any other pair; continuous columns binned).
    Contingency,
}

impl PairMetric {
    /// The metric's name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            PairMetric::Correlation => "correlation",
            PairMetric::Contingency => "contingency",
        }
    }

    /// The real association the threshold is applied to, for reports.
    pub fn association(self) -> &'static str {
        match self {
            PairMetric::Correlation => "|rho|",
            PairMetric::Contingency => "Cramer's V",
        }
    }
}

/// The cardinality score of one relationship.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipScore {
    /// The child table.
    pub child: String,
    /// The foreign key column.
    pub foreign_key: String,
    /// The parent table.
    pub parent: String,
    /// 1 − KS of children per parent.
    pub score: f64,
}

/// Sequence coherence: transitions from one row to the next inside each parent's sequence.
#[derive(Debug, Clone, Serialize)]
pub struct SequenceCoherence {
    /// Mean over the rows.
    pub score: Option<f64>,
    /// One row per scored column of each sequential table.
    pub rows: Vec<SequenceScore>,
    /// Per datetime column of a sequential table: the share of sequences never going back, in
    /// file order.
    pub datetime_order: Vec<OrderShare>,
}

/// The transition score of one column.
#[derive(Debug, Clone, Serialize)]
pub struct SequenceScore {
    /// The sequential table.
    pub table: String,
    /// The column.
    pub column: String,
    /// 1 − TVD of (value at t, value at t + 1).
    pub score: f64,
}

/// How often sequences keep a datetime column in order, real and synthetic side by side.
#[derive(Debug, Clone, Serialize)]
pub struct OrderShare {
    /// The sequential table.
    pub table: String,
    /// The datetime column.
    pub column: String,
    /// Share of real sequences (with two or more values) that never decrease.
    pub real: Option<f64>,
    /// The same share in the synthetic data.
    pub synthetic: Option<f64>,
}

/// The validity checks of METRICS.md; each should be exactly 1.
#[derive(Debug, Clone, Serialize)]
pub struct Validity {
    /// Share of non-empty foreign key values found among the synthetic parent keys.
    pub referential_integrity: Property<Check>,
    /// Share of synthetic primary keys that are non-empty and unique.
    pub key_uniqueness: Property<Check>,
    /// Share of continuous values inside the real [min, max].
    pub boundary_adherence: Property<Check>,
    /// Share of discrete values that occur in the real data.
    pub category_adherence: Property<Check>,
    /// Share of synthetic parents whose child count lies inside the real [min, max].
    pub cardinality_bounds: Property<Check>,
    /// Share of columns in the real position, written the real way.
    pub structure: Property<Check>,
}

impl Validity {
    /// Each check by name, in report order.
    pub fn checks(&self) -> [(&'static str, &Property<Check>); 6] {
        [
            ("referential integrity", &self.referential_integrity),
            ("key uniqueness", &self.key_uniqueness),
            ("boundary adherence", &self.boundary_adherence),
            ("category adherence", &self.category_adherence),
            ("cardinality bounds", &self.cardinality_bounds),
            ("structure", &self.structure),
        ]
    }
}

/// One row of a validity check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The table (the child table for relationships).
    pub table: String,
    /// The column, when the check is per column or per foreign key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The share that passed.
    pub score: f64,
    /// What failed, when something did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Privacy: exact copies and distance to closest record (DCR).
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyReport {
    /// Share of synthetic rows (all non-key columns) identical to a real row, over all tables.
    pub exact_copies: Option<f64>,
    /// The same share between two random halves of the real data: what a fresh sample of the
    /// real population would show.
    pub exact_copies_real_vs_real: Option<f64>,
    /// Mean over tables of min(1, median DCR of synthetic rows / median DCR of random rows).
    pub dcr_baseline_protection: Option<f64>,
    /// How DCR was sampled.
    pub dcr_sample: EvaluateOptions,
    /// Per table.
    pub tables: Vec<TablePrivacy>,
}

/// Privacy measures of one table.
#[derive(Debug, Clone, Serialize)]
pub struct TablePrivacy {
    /// The table.
    pub table: String,
    /// Share of synthetic rows identical to a real row.
    pub exact_copies: Option<f64>,
    /// Share of one half of the real rows identical to a row of the other half.
    pub exact_copies_real_vs_real: Option<f64>,
    /// Median distance of synthetic rows to their closest real row.
    pub median_dcr: Option<f64>,
    /// Median distance of uniform random rows to their closest real row.
    pub median_dcr_random: Option<f64>,
    /// min(1, median_dcr / median_dcr_random).
    pub protection: Option<f64>,
}

/// A finished evaluation: the report and the data behind it (for the charts).
pub struct Evaluation {
    /// What was measured.
    pub report: Report,
    paired: Paired,
}

impl Evaluation {
    /// The compact table `evaluate` prints.
    pub fn summary(&self) -> String {
        text::summary(&self.report)
    }

    /// The self-contained HTML report.
    pub fn html(&self) -> String {
        html::render(&self.report, &self.paired)
    }

    /// The report as pretty JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.report)
            .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    }
}

/// Evaluates the synthetic tables at `synthetic_at` (a folder of CSV or Parquet files, or a
/// database) against the real data of `schema_file`.
/// Invalid real data, a missing synthetic table or one without the real columns is an
/// [`Error::Invalid`](crate::error::Error::Invalid) listing every problem.
pub fn evaluate(
    schema_file: &Path,
    synthetic_at: &Location,
    options: &EvaluateOptions,
) -> Result<Evaluation> {
    let real = crate::validated::validate_for_evaluation(schema_file, options.sample_rows)?;
    let synthetic = load::load_synthetic(&real, synthetic_at)?;
    let paired = Paired::new(real, synthetic);
    let quality = quality::assess(&paired);
    let report = Report {
        schema: schema_file.to_path_buf(),
        synthetic_dir: PathBuf::from(synthetic_at.to_string()),
        tables: paired
            .tables
            .iter()
            .map(|t| TableRows {
                table: t.name.clone(),
                real_rows: t.real_rows(),
                synthetic_rows: t.synthetic_rows(),
                sampled: t.is_sampled().then(|| SampledRows {
                    real_rows: t.real.rows(),
                    synthetic_rows: t.synthetic.rows(),
                }),
            })
            .collect(),
        overall_quality: overall(&quality),
        validity: validity::check(&paired),
        privacy: privacy::assess(&paired, options),
        rules: rules::assess(&paired),
        realism: realism::assess(&paired),
        detection: detection::assess(&paired, options),
        quality,
    };
    Ok(Evaluation { report, paired })
}

/// The overall quality: the mean of the four properties the reference report averages.
pub fn overall(quality: &Quality) -> Option<f64> {
    stats::mean(
        [
            quality.column_shapes.score,
            quality.column_pair_trends.score,
            quality.cardinality.score,
            quality.intertable_trends.score,
        ]
        .into_iter()
        .flatten(),
    )
}
