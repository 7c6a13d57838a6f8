//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, fonts or links to
//! fetch) that opens offline. Summary scores first, then detection per table (the most detectable
//! first), then the worst columns and pairs, then per
//! table: a chart per scored column (real vs synthetic), the real and synthetic association
//! heat maps, and the children-per-parent histogram of each of its foreign keys.
//!
//! The page is well-formed XML (every element closed, every text escaped) so it can be checked
//! mechanically.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::DateTime;

use super::charts::{self, COLUMN_SIZE};
use super::paired::{Link, Paired, PairedTable, ScoredColumn};
use super::rules::RuleAdherence;
use super::text::{WORST, describe_pair, score, worst_detected, worst_pairs};
use super::{Report, quality};
use crate::schema::ColumnKind;
use crate::stats;

/// Bins of a continuous column's histogram (at most, for integer columns).
const HISTOGRAM_BINS: usize = 30;
/// Categories shown per discrete column; the rest are pooled as "(other)".
const TOP_CATEGORIES: usize = 10;
/// Bars of a children-per-parent histogram, at most.
const COUNT_BINS: usize = 40;
/// The most columns of a table a heatmap shows (the first ones): more cells than a page can
/// show, and a matrix that grows with the square of the columns.
const HEATMAP_COLUMNS: usize = 64;

const STYLE: &str = "
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px 32px;
  color: #222; background: #fafafa; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 8px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 15px; color: #444; }
.meta, .note { color: #666; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 10px 16px;
  min-width: 130px; }
.card .value { font-size: 28px; font-weight: 600; }
.card .name { font-size: 13px; color: #555; }
.card.overall { border-width: 2px; }
.good { color: #1a7f37; } .fair { color: #9a6700; } .poor { color: #cf222e; }
.columns { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
.columns > div { flex: 0 1 auto; max-width: 600px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px; }
figcaption { font-size: 13px; padding: 0 4px 4px; }
figcaption small { color: #666; }
figure.heatmap { display: inline-block; }
svg { max-width: 100%; height: auto; display: block; }
.legend span.swatch { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 12px; }
";

/// The whole page.
pub fn render(report: &Report, paired: &Paired) -> String {
    let mut page = String::new();
    head(&mut page, report);
    summary(&mut page, report);
    detection_section(&mut page, report);
    worst(&mut page, report);
    rules(&mut page, &report.rules);
    for table in &paired.tables {
        table_section(&mut page, report, paired, table);
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// Escapes text for HTML and XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn head(page: &mut String, report: &Report) {
    let synthetic_rows: usize = report.tables.iter().map(|t| t.synthetic_rows).sum();
    let real_rows: usize = report.tables.iter().map(|t| t.real_rows).sum();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>dxsynth evaluation: {dir}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Synthetic data report</h1>\n<p class=\"meta\">synthetic <code>{dir}</code> against \
         the real data of <code>{schema}</code>: {tables} tables, {synthetic_rows} synthetic \
         rows ({real_rows} real). Scores are in [0, 1], higher is better; definitions in \
         METRICS.md.</p>\n",
        dir = escape(&report.synthetic_dir.display().to_string()),
        schema = escape(&report.schema.display().to_string()),
        tables = report.tables.len(),
    );
}

/// `good`, `fair` or `poor`, for colouring a score.
fn grade(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 0.85 => "good",
        Some(s) if s >= 0.7 => "fair",
        Some(_) => "poor",
        None => "",
    }
}

fn card(page: &mut String, name: &str, score: Option<f64>, extra: &str) {
    let value = score.map_or_else(|| "n/a".to_string(), |s| format!("{:.1}%", s * 100.0));
    let _ = writeln!(
        page,
        "<div class=\"card {extra}\"><div class=\"value {}\">{value}</div>\
         <div class=\"name\">{}</div></div>",
        grade(score),
        escape(name)
    );
}

fn summary(page: &mut String, report: &Report) {
    let q = &report.quality;
    page.push_str("<section id=\"summary\">\n<div class=\"cards\">\n");
    card(page, "overall quality", report.overall_quality, "overall");
    card(page, "column shapes", q.column_shapes.score, "");
    card(page, "column pair trends", q.column_pair_trends.score, "");
    card(page, "cardinality", q.cardinality.score, "");
    card(page, "intertable trends", q.intertable_trends.score, "");
    card(
        page,
        "sequence coherence (not in overall)",
        q.sequence_coherence.score,
        "",
    );
    card(
        page,
        "detection (1 - 2|AUC - 0.5|, not in overall)",
        report.detection.score,
        "",
    );
    page.push_str("</div>\n");
    let _ = writeln!(
        page,
        "<p class=\"note\">Overall quality is the mean of column shapes, column pair trends, \
         cardinality and intertable trends. Pair trends count the pairs the real data ties \
         (|&#961;| &gt; 0.5, or Cram&#233;r's V &gt; 0.3): {} of {} pairs (all pairs: {}); \
         intertable trends {} of {} (all pairs: {}).</p>",
        q.column_pair_trends.counted_pairs,
        q.column_pair_trends.rows.len(),
        score_text(q.column_pair_trends.score_all_pairs),
        q.intertable_trends.counted_pairs,
        q.intertable_trends.rows.len(),
        score_text(q.intertable_trends.score_all_pairs),
    );
    page.push_str("<div class=\"columns\">\n");
    validity_table(page, report);
    privacy_table(page, report);
    page.push_str("</div>\n</section>\n");
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_string(), |s| format!("{s:.3}"))
}

fn percent_text(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".to_string(), |s| format!("{:.1}%", s * 100.0))
}

fn validity_table(page: &mut String, report: &Report) {
    page.push_str("<div><h3>Validity (each should be 1)</h3>\n<table>\n");
    page.push_str("<tr><th>check</th><th>score</th><th>below 1</th></tr>\n");
    for (name, check) in report.validity.checks() {
        let failing: Vec<String> = check
            .rows
            .iter()
            .filter(|row| row.score < 1.0)
            .map(|row| {
                let place = match &row.column {
                    Some(column) => format!("{}.{column}", row.table),
                    None => row.table.clone(),
                };
                format!("{place}: {}", row.detail.as_deref().unwrap_or(""))
            })
            .collect();
        let _ = writeln!(
            page,
            "<tr><td>{name}</td><td class=\"num {}\">{}</td><td>{}</td></tr>",
            grade(check.score.map(|s| if s < 1.0 { 0.0 } else { 1.0 })),
            score_text(check.score),
            escape(&failing.join("; "))
        );
    }
    page.push_str("</table></div>\n");
}

fn privacy_table(page: &mut String, report: &Report) {
    let p = &report.privacy;
    page.push_str("<div><h3>Privacy</h3>\n<table>\n");
    page.push_str(
        "<tr><th>table</th><th>exact copies</th><th>real vs real</th>\
         <th>median DCR</th><th>random rows</th><th>protection</th></tr>\n",
    );
    let _ = writeln!(
        page,
        "<tr><th>all</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td></td><td></td>\
         <td class=\"num\">{}</td></tr>",
        percent_text(p.exact_copies),
        percent_text(p.exact_copies_real_vs_real),
        score_text(p.dcr_baseline_protection)
    );
    for t in &p.tables {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&t.table),
            percent_text(t.exact_copies),
            percent_text(t.exact_copies_real_vs_real),
            score_text(t.median_dcr),
            score_text(t.median_dcr_random),
            score_text(t.protection)
        );
    }
    let _ = writeln!(
        page,
        "</table>\n<p class=\"note\">DCR on seeded samples: at most {} synthetic (and as many \
         uniform random) rows against at most {} real rows per table.</p></div>",
        p.dcr_sample.dcr_synthetic_rows, p.dcr_sample.dcr_real_rows
    );
}

/// Per table, the AUC of a classifier telling synthetic rows from real ones and the features it
/// relied on most; the most detectable tables first.
fn detection_section(page: &mut String, report: &Report) {
    let d = &report.detection;
    page.push_str("<section id=\"detection\">\n<h2>Detection</h2>\n<table>\n");
    page.push_str(
        "<tr><th>table</th><th>AUC</th><th>score</th><th>rows per side</th>\
         <th>features relied on most (AUC lost when shuffled, share of the forest's decisions)</th></tr>\n",
    );
    let mut tables: Vec<_> = worst_detected(report);
    tables.extend(d.tables.iter().filter(|t| t.auc.is_none()));
    for t in tables {
        let relied: Vec<String> = t
            .top_features
            .iter()
            .map(|f| {
                let share = f.decision_share * 100.0;
                format!("{} ({:.3}, {share:.0}%)", f.feature, f.auc_drop)
            })
            .collect();
        let note = t.note.as_deref().map(|n| format!("not measured: {n}"));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num {}\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&t.table),
            score_text(t.auc),
            grade(t.score),
            score_text(t.score),
            t.rows_per_side,
            escape(&note.unwrap_or_else(|| relied.join(", ")))
        );
    }
    let _ = writeln!(
        page,
        "</table>\n<p class=\"note\">A random forest ({} trees) is trained on half of an equal \
         mix of real and synthetic rows (at most {} per side, seeded; children with their \
         parents' columns joined, keys, ids and text dropped) and scored on the other half: AUC \
         0.5 means it cannot tell them apart, 1 that every row gives itself away. Score \
         1 &#8722; 2|AUC &#8722; 0.5|.</p>\n</section>",
        d.trees, d.rows_per_side
    );
}

fn worst(page: &mut String, report: &Report) {
    page.push_str(
        "<section id=\"worst\">\n<h2>Worst columns and pairs</h2>\n<div class=\"columns\">\n",
    );
    let mut columns: Vec<_> = report.quality.column_shapes.rows.iter().collect();
    columns.sort_by(|a, b| a.score.total_cmp(&b.score));
    page.push_str("<table>\n<tr><th>score</th><th>column</th><th>metric</th></tr>\n");
    for column in columns.iter().take(WORST) {
        let _ = writeln!(
            page,
            "<tr><td class=\"num {}\">{:.3}</td><td>{}.{}</td><td>{}</td></tr>",
            grade(Some(column.score)),
            column.score,
            escape(&column.table),
            escape(&column.column),
            column.metric.name()
        );
    }
    page.push_str("</table>\n<table>\n<tr><th>pair (tied in the real data)</th></tr>\n");
    for pair in worst_pairs(report).iter().take(WORST) {
        let _ = writeln!(page, "<tr><td>{}</td></tr>", escape(&describe_pair(pair)));
    }
    page.push_str("</table>\n</div>\n");
    let _ = writeln!(
        page,
        "<p class=\"legend note\">In every chart:<span class=\"swatch\" style=\"background: \
         rgb({},{},{})\"></span>real<span class=\"swatch\" style=\"background: rgb({},{},{})\">\
         </span>synthetic</p>\n</section>",
        charts::REAL.0,
        charts::REAL.1,
        charts::REAL.2,
        charts::SYNTHETIC.0,
        charts::SYNTHETIC.1,
        charts::SYNTHETIC.2
    );
}

fn table_section(page: &mut String, report: &Report, paired: &Paired, table: &PairedTable) {
    let sample = if table.is_sampled() {
        format!(
            "; charts and scores on a seeded sample of {} and {}",
            table.real.rows(),
            table.synthetic.rows()
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        page,
        "<section class=\"table\" id=\"table-{name}\">\n<h2>{name} <small class=\"meta\">{} real \
         rows, {} synthetic{sample}</small></h2>",
        table.real_rows(),
        table.synthetic_rows(),
        name = escape(&table.name)
    );
    if table.scored.is_empty() {
        page.push_str("<p class=\"note\">No scored columns (only keys, ids or text).</p>\n");
    } else {
        page.push_str("<h3>Columns</h3>\n<div class=\"grid\">\n");
        for column in &table.scored {
            column_figure(page, report, table, column);
        }
        page.push_str("</div>\n");
    }
    if table.scored.len() >= 2 {
        heatmap_figure(page, table);
    }
    let links: Vec<&Link> = paired
        .links
        .iter()
        .filter(|l| l.child == table.name)
        .collect();
    if !links.is_empty() {
        page.push_str("<h3>Children per parent</h3>\n<div class=\"grid\">\n");
        for link in links {
            cardinality_figure(page, report, link);
        }
        page.push_str("</div>\n");
    }
    page.push_str("</section>\n");
}

fn figure(
    page: &mut String,
    class: &str,
    data: &str,
    caption: &str,
    chart: Result<String, String>,
) {
    let body =
        chart.unwrap_or_else(|err| format!("<p class=\"note\">no chart: {}</p>", escape(&err)));
    let _ = writeln!(
        page,
        "<figure class=\"chart {class}\" data-name=\"{}\">\n<figcaption>{caption}</figcaption>\n{body}</figure>",
        escape(data)
    );
}

fn column_figure(page: &mut String, report: &Report, table: &PairedTable, column: &ScoredColumn) {
    let (metric, score) = report
        .quality
        .column_shapes
        .rows
        .iter()
        .find(|row| row.table == table.name && row.column == column.name)
        .map_or_else(|| quality::shape(column), |row| (row.metric, row.score));
    let nulls = |cells: &[Option<u32>]| {
        let empty = cells.iter().filter(|c| c.is_none()).count();
        (!cells.is_empty()).then(|| empty as f64 / cells.len() as f64)
    };
    let caption = format!(
        "<b>{}</b> <small>{} &#183; 1 &#8722; {} = <span class=\"{}\">{score:.3}</span> &#183; \
         empty: real {}, synthetic {}</small>",
        escape(&column.name),
        column.kind,
        metric.name(),
        grade(Some(score)),
        percent_text(nulls(column.real.cells())),
        percent_text(nulls(column.synthetic.cells())),
    );
    let chart = match (column.real.numbers(), column.synthetic.numbers()) {
        (Some(real), Some(synthetic)) => histogram(real, synthetic, column.kind),
        _ => bar_chart(column),
    };
    figure(
        page,
        "column",
        &format!("{}.{}", table.name, column.name),
        &caption,
        chart,
    );
}

fn histogram(
    real: &[Option<f64>],
    synthetic: &[Option<f64>],
    kind: ColumnKind,
) -> Result<String, String> {
    let real = stats::sorted_present(real);
    let synthetic = stats::sorted_present(synthetic);
    let ends = [
        real.first(),
        real.last(),
        synthetic.first(),
        synthetic.last(),
    ];
    let lo = ends
        .iter()
        .flatten()
        .map(|x| **x)
        .fold(f64::INFINITY, f64::min);
    let hi = ends
        .iter()
        .flatten()
        .map(|x| **x)
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return Err("no values on either side".into());
    }
    let integers =
        kind == ColumnKind::Numerical && real.iter().chain(&synthetic).all(|x| x.fract() == 0.0);
    let edges = bin_edges(lo, hi, integers);
    let label = move |x: f64| axis_label(x, kind, hi - lo);
    charts::overlaid(
        &edges,
        &bin_shares(&real, &edges),
        &bin_shares(&synthetic, &edges),
        &label,
        COLUMN_SIZE,
    )
}

/// [`HISTOGRAM_BINS`] equal bins over [lo, hi]; for integers, bins of whole numbers centred
/// on them (so 1..5 gets five bars, not thirty with gaps).
fn bin_edges(lo: f64, hi: f64, integers: bool) -> Vec<f64> {
    if integers {
        let span = hi - lo + 1.0;
        let width = (span / HISTOGRAM_BINS as f64).ceil().max(1.0);
        let bins = (span / width).ceil() as usize;
        return (0..=bins).map(|i| lo - 0.5 + width * i as f64).collect();
    }
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    (0..=HISTOGRAM_BINS)
        .map(|i| lo + width * i as f64)
        .collect()
}

/// The share of values in each bin given its edges (values beyond the ends go to the end bins).
fn bin_shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let bins = edges.len().saturating_sub(1).max(1);
    let mut counts = vec![0_usize; bins];
    for x in values {
        let bin = edges.partition_point(|edge| edge <= x).saturating_sub(1);
        counts[bin.min(bins - 1)] += 1;
    }
    let total = values.len().max(1) as f64;
    counts.into_iter().map(|c| c as f64 / total).collect()
}

/// An axis value: a date for datetimes, a compact number otherwise.
fn axis_label(x: f64, kind: ColumnKind, span: f64) -> String {
    if kind == ColumnKind::Datetime {
        let pattern = if span < 3.0 * 86_400.0 {
            "%m-%d %H:%M"
        } else {
            "%Y-%m-%d"
        };
        return DateTime::from_timestamp(x.floor() as i64, 0)
            .map_or_else(String::new, |moment| moment.format(pattern).to_string());
    }
    compact(x)
}

/// 1.2M, 35k, 12.5, 0.25.
fn compact(x: f64) -> String {
    let magnitude = x.abs();
    let text = if magnitude >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if magnitude >= 100.0 || x == x.round() {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    };
    text.replace(".0M", "M")
}

/// Shares per category (empty fields as "(empty)"), the most common real categories first,
/// the rest pooled.
fn bar_chart(column: &ScoredColumn) -> Result<String, String> {
    let shares = |cells: &[Option<u32>]| {
        let (counts, total) = stats::frequencies(cells.iter().copied());
        let total = total.max(1) as f64;
        counts
            .into_iter()
            .map(|(code, count)| (code, count as f64 / total))
            .collect::<HashMap<Option<u32>, f64>>()
    };
    let real = shares(column.real.cells());
    let synthetic = shares(column.synthetic.cells());
    let mut keys: Vec<Option<u32>> = real.keys().chain(synthetic.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let weight = |key: &Option<u32>| {
        real.get(key).copied().unwrap_or(0.0) * 2.0 + synthetic.get(key).copied().unwrap_or(0.0)
    };
    keys.sort_by(|a, b| weight(b).total_cmp(&weight(a)).then(a.cmp(b)));
    let (shown, pooled) = keys.split_at(keys.len().min(TOP_CATEGORIES));
    let label = |key: &Option<u32>| match key {
        None => "(empty)".to_string(),
        Some(code) => column
            .labels
            .get(*code as usize)
            .cloned()
            .unwrap_or_default(),
    };
    let mut labels: Vec<String> = shown.iter().map(label).collect();
    let pick = |side: &HashMap<Option<u32>, f64>, keys: &[Option<u32>]| {
        keys.iter()
            .map(|k| side.get(k).copied().unwrap_or(0.0))
            .collect::<Vec<f64>>()
    };
    let mut real_shares = pick(&real, shown);
    let mut synthetic_shares = pick(&synthetic, shown);
    if !pooled.is_empty() {
        labels.push(format!("(other {})", pooled.len()));
        real_shares.push(pick(&real, pooled).iter().sum());
        synthetic_shares.push(pick(&synthetic, pooled).iter().sum());
    }
    charts::categories(&labels, &real_shares, &synthetic_shares)
}

/// The real and synthetic association heatmaps of a table's first [`HEATMAP_COLUMNS`] columns.
fn heatmap_figure(page: &mut String, table: &PairedTable) {
    let shown = &table.scored[..table.scored.len().min(HEATMAP_COLUMNS)];
    let names: Vec<String> = shown.iter().map(|c| c.name.clone()).collect();
    let real = associations(shown, |c| (&c.real, c.is_continuous()));
    let synthetic = associations(shown, |c| (&c.synthetic, c.is_continuous()));
    let caption = "<b>associations</b> <small>Pearson's &#961; for two continuous columns \
                   (blue &#8722;1, red +1), Cram&#233;r's V (0 to 1) for any other pair; columns \
                   numbered as on the left</small>";
    page.push_str("<h3>Correlations, real vs synthetic</h3>\n");
    figure(
        page,
        "heatmap",
        &table.name,
        caption,
        charts::heatmaps(&names, &real, &synthetic),
    );
}

/// The association matrix of one side: ρ for continuous pairs, Cramér's V otherwise.
fn associations(
    columns: &[ScoredColumn],
    side: fn(&ScoredColumn) -> (&super::paired::Sample, bool),
) -> Vec<Vec<f64>> {
    let n = columns.len();
    let mut matrix = vec![vec![1.0; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let (a, a_continuous) = side(&columns[i]);
            let (b, b_continuous) = side(&columns[j]);
            let value = match (a.numbers(), b.numbers()) {
                (Some(x), Some(y)) if a_continuous && b_continuous => {
                    stats::pearson(x, y).unwrap_or(f64::NAN)
                }
                _ => stats::cramers_v(a.cells(), b.cells()),
            };
            matrix[i][j] = value;
            matrix[j][i] = value;
        }
    }
    matrix
}

fn cardinality_figure(page: &mut String, report: &Report, link: &Link) {
    let score = report
        .quality
        .cardinality
        .rows
        .iter()
        .find(|r| r.child == link.child && r.foreign_key == link.column)
        .map(|r| r.score);
    let caption = format!(
        "<b>{}</b> <small>1 &#8722; KS = <span class=\"{}\">{}</span></small>",
        escape(&link.label()),
        grade(score),
        score_text(score)
    );
    figure(
        page,
        "cardinality",
        &link.label(),
        &caption,
        count_histogram(&link.real_counts, &link.synthetic_counts),
    );
}

/// Shares of parents by number of children; wide ranges are grouped into at most
/// [`COUNT_BINS`] bars.
fn count_histogram(real: &[usize], synthetic: &[usize]) -> Result<String, String> {
    let max = real.iter().chain(synthetic).copied().max().unwrap_or(0);
    let step = (max + 1).div_ceil(COUNT_BINS).max(1);
    let bins = max / step + 1;
    let edges: Vec<f64> = (0..=bins).map(|b| (b * step) as f64 - 0.5).collect();
    let shares = |counts: &[usize]| {
        let mut per_bin = vec![0.0; bins];
        for count in counts {
            per_bin[count / step] += 1.0;
        }
        let total = counts.len().max(1) as f64;
        per_bin.into_iter().map(|c| c / total).collect::<Vec<f64>>()
    };
    let label = |x: f64| {
        let value = x.round();
        if (x - value).abs() < 1e-6 && value >= 0.0 {
            format!("{value:.0}")
        } else {
            String::new()
        }
    };
    charts::overlaid(
        &edges,
        &shares(real),
        &shares(synthetic),
        &label,
        COLUMN_SIZE,
    )
}

/// The HTML table of every rule, worst first.
fn rules(page: &mut String, adherence: &RuleAdherence) {
    if adherence.rows.is_empty() {
        return;
    }
    page.push_str(
        "<section id=\"rules\">\n<h2>Rule adherence</h2>\n<p class=\"note\">Rules every real row \
         obeys (or all but a documented tolerance), found as training finds them; the share of \
         rows obeying each, worst first.</p>\n<table>\n<tr><th>table</th><th>rule</th>\
         <th>class</th><th>real</th><th>real rows</th><th>synthetic</th><th>synthetic rows</th>\
         </tr>\n",
    );
    for row in &adherence.rows {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&row.table),
            escape(&row.rule),
            row.class,
            score(row.real),
            row.real_rows,
            score(row.synthetic),
            row.synthetic_rows
        );
    }
    page.push_str("</table>\n</section>\n");
}
