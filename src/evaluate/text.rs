//! The compact table `dxsynth evaluate` prints: overall quality, each property, validity,
//! privacy, detection (the five most detectable tables), and the five worst columns and pairs.

use std::fmt::Write;

use super::detection::TableDetection;
use super::rules::RuleScore;
use super::{PairScore, Report};

/// How many of the worst columns and pairs are listed.
pub const WORST: usize = 5;

/// The report as a few aligned lines.
pub fn summary(report: &Report) -> String {
    let mut text = String::new();
    let synthetic_rows: usize = report.tables.iter().map(|t| t.synthetic_rows).sum();
    line(
        &mut text,
        format!(
            "{} against {}: {} tables, {synthetic_rows} synthetic rows",
            report.synthetic_dir.display(),
            report.schema.display(),
            report.tables.len()
        ),
    );
    sampled(&mut text, report);
    quality(&mut text, report);
    validity(&mut text, report);
    privacy(&mut text, report);
    realism(&mut text, report);
    detection(&mut text, report);
    worst(&mut text, report);
    rules(&mut text, report);
    text
}

/// The tables scored on a sample, if any.
fn sampled(text: &mut String, report: &Report) {
    let sampled: Vec<String> = report
        .tables
        .iter()
        .filter_map(|t| {
            let sample = t.sampled?;
            Some(format!(
                "{} ({} of {} real rows, {} of {} synthetic)",
                t.table, sample.real_rows, t.real_rows, sample.synthetic_rows, t.synthetic_rows
            ))
        })
        .collect();
    if !sampled.is_empty() {
        line(
            text,
            format!(
                "  scored on a seeded sample (counts, keys and exact copies on every row): {}",
                sampled.join(", ")
            ),
        );
    }
}

/// Rule adherence: the mean, then the worst rules.
fn rules(text: &mut String, report: &Report) {
    let adherence = &report.rules;
    if adherence.rows.is_empty() {
        return;
    }
    line(
        text,
        format!(
            "\nrules of the real data (share of synthetic rows obeying; mean {} over {} rules)",
            score(adherence.score),
            adherence.rows.len()
        ),
    );
    for row in adherence.rows.iter().take(RULES_SHOWN) {
        line(text, format!("  {}", describe_rule(row)));
    }
    if adherence.rows.len() > RULES_SHOWN {
        line(
            text,
            format!(
                "  ... {} more (every rule in the JSON and HTML reports)",
                adherence.rows.len() - RULES_SHOWN
            ),
        );
    }
}

/// Rules the compact summary shows, worst first.
const RULES_SHOWN: usize = 10;

/// `0.987  lineitem: l_shipdate <= l_receiptdate (order; real 1.000 of 60175 rows)`.
pub fn describe_rule(row: &RuleScore) -> String {
    format!(
        "{}  {}: {} ({}; real {} of {} rows)",
        score(row.synthetic),
        row.table,
        row.rule,
        row.class,
        score(row.real),
        row.real_rows
    )
}

fn line(text: &mut String, line: String) {
    let _ = writeln!(text, "{line}");
}

/// A score with three decimals, or `n/a`.
pub fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "  n/a".to_string(), |v| format!("{v:.3}"))
}

fn row(text: &mut String, name: &str, value: Option<f64>, note: String) {
    line(
        text,
        format!("  {name:<26} {}  {note}", score(value))
            .trim_end()
            .to_string(),
    );
}

fn quality(text: &mut String, report: &Report) {
    let q = &report.quality;
    line(text, "\nquality".into());
    row(
        text,
        "overall",
        report.overall_quality,
        "mean of the next four".into(),
    );
    row(
        text,
        "column shapes",
        q.column_shapes.score,
        format!("{} columns", q.column_shapes.rows.len()),
    );
    for (name, property, unit) in [
        ("column pair trends", &q.column_pair_trends, "pairs"),
        (
            "intertable trends",
            &q.intertable_trends,
            "parent-child pairs",
        ),
    ] {
        row(
            text,
            name,
            property.score,
            format!(
                "{} of {} {unit} tied in the real data (all pairs {})",
                property.counted_pairs,
                property.rows.len(),
                score(property.score_all_pairs).trim()
            ),
        );
    }
    row(
        text,
        "cardinality",
        q.cardinality.score,
        format!("{} relationships", q.cardinality.rows.len()),
    );
    let sequences = &q.sequence_coherence;
    row(
        text,
        "sequence coherence",
        sequences.score,
        format!("{} columns (not in overall)", sequences.rows.len()),
    );
    for order in &sequences.datetime_order {
        line(
            text,
            format!(
                "    {}.{} in order: real {}, synthetic {} of sequences",
                order.table,
                order.column,
                percent(order.real),
                percent(order.synthetic)
            ),
        );
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn validity(text: &mut String, report: &Report) {
    line(text, "\nvalidity".into());
    for (name, check) in report.validity.checks() {
        let failing: Vec<String> = check
            .rows
            .iter()
            .filter(|row| row.score < 1.0)
            .map(|row| match &row.column {
                Some(column) => format!("{}.{column}", row.table),
                None => row.table.clone(),
            })
            .collect();
        let note = match failing.len() {
            0 => String::new(),
            n if n <= 3 => format!("below 1: {}", failing.join(", ")),
            n => format!("below 1: {}, ... ({n})", failing[..3].join(", ")),
        };
        row(text, name, check.score, note);
    }
}

fn privacy(text: &mut String, report: &Report) {
    let p = &report.privacy;
    line(text, "\nprivacy".into());
    line(
        text,
        format!(
            "  {:<26} {:>6}  (real vs real: {})",
            "exact copies",
            percent(p.exact_copies),
            percent(p.exact_copies_real_vs_real)
        ),
    );
    row(
        text,
        "DCR baseline protection",
        p.dcr_baseline_protection,
        format!(
            "(<= {} synthetic and random rows vs <= {} real rows per table)",
            p.dcr_sample.dcr_synthetic_rows, p.dcr_sample.dcr_real_rows
        ),
    );
}

fn realism(text: &mut String, report: &Report) {
    if report.realism.is_empty() {
        return;
    }
    line(
        text,
        "\nrealism of text and personal columns (replayed: rows with a real value seen < 5 times / any real value)".into(),
    );
    for column in &report.realism {
        line(
            text,
            format!(
                "  {:<34} {:<14} {}  {:<14} replayed {} / {} of {}",
                format!("{}.{}", column.table, column.column),
                column.semantic,
                score(column.realism),
                column.measure,
                column.rare_replayed,
                column.replayed,
                column.rows
            ),
        );
    }
}

fn detection(text: &mut String, report: &Report) {
    let d = &report.detection;
    line(
        text,
        "\ndetection (AUC of a classifier telling synthetic rows from real: 0.5 is best)".into(),
    );
    let measured = d.tables.iter().filter(|t| t.auc.is_some()).count();
    row(
        text,
        "highest table AUC",
        d.max_auc,
        format!(
            "mean {} over {measured} tables; score 1 - 2|AUC - 0.5| {} (<= {} rows per side, {} trees)",
            score(d.mean_auc).trim(),
            score(d.score).trim(),
            d.rows_per_side,
            d.trees
        ),
    );
    for table in worst_detected(report).iter().take(WORST) {
        let relied: Vec<String> = table
            .top_features
            .iter()
            .take(3)
            .map(|f| {
                let share = f.decision_share * 100.0;
                format!("{} {:.2}/{share:.0}%", f.feature, f.auc_drop)
            })
            .collect();
        let note = match relied.is_empty() {
            true => String::new(),
            false => format!("relied on {} (AUC lost/decisions)", relied.join(", ")),
        };
        row(text, &format!("  {}", table.table), table.auc, note);
    }
}

/// The measured tables, the most detectable (highest AUC) first.
pub fn worst_detected(report: &Report) -> Vec<&TableDetection> {
    let mut tables: Vec<&TableDetection> = report
        .detection
        .tables
        .iter()
        .filter(|t| t.auc.is_some())
        .collect();
    tables.sort_by(|a, b| b.auc.unwrap_or(0.0).total_cmp(&a.auc.unwrap_or(0.0)));
    tables
}

fn worst(text: &mut String, report: &Report) {
    let mut columns: Vec<_> = report.quality.column_shapes.rows.iter().collect();
    columns.sort_by(|a, b| a.score.total_cmp(&b.score));
    if !columns.is_empty() {
        line(text, "\nworst columns".into());
    }
    for column in columns.iter().take(WORST) {
        line(
            text,
            format!(
                "  {:.3}  {}.{} ({}, {})",
                column.score,
                column.table,
                column.column,
                column.kind,
                column.metric.name()
            ),
        );
    }
    let pairs = worst_pairs(report);
    if !pairs.is_empty() {
        line(text, "\nworst pairs (tied in the real data)".into());
    }
    for pair in pairs.iter().take(WORST) {
        line(text, format!("  {}", describe_pair(pair)));
    }
}

/// The pairs that count (tied in the real data), within tables and across relationships,
/// worst first.
pub fn worst_pairs(report: &Report) -> Vec<&PairScore> {
    let q = &report.quality;
    let mut pairs: Vec<&PairScore> = q
        .column_pair_trends
        .rows
        .iter()
        .chain(&q.intertable_trends.rows)
        .filter(|pair| pair.counted)
        .collect();
    pairs.sort_by(|a, b| a.score.total_cmp(&b.score));
    pairs
}

/// `0.512  orders: quantity x total (correlation, real 0.71)`.
pub fn describe_pair(pair: &PairScore) -> String {
    format!(
        "{:.3}  {}: {} x {} ({}, real {} {:.2})",
        pair.score,
        pair.scope,
        pair.column_a,
        pair.column_b,
        pair.metric.name(),
        pair.metric.association(),
        pair.real_association
    )
}
