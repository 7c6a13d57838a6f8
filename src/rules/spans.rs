//! Finding the bounds of a difference that a category's label narrows
//! ([`RuleKind::DifferenceBy`]): a parcel delivered at most 1.25 days after it ships by
//! `Overnight`, 2.83 by `Express`, 6.25 by `Ground`.
//!
//! Why apart from the differences: a difference bounds the gap of every label at once
//! (`delivered_at - shipped_at in [0.42, 6.25] days`), and a value drawn inside it takes any
//! label's gap: 745 of 8,000 synthetic parcels took longer than their service's longest real
//! transit. Why apart from the shifts ([`super::shifts`]): the gap is a spread of times, not a
//! few whole days.

use std::collections::HashMap;

use super::measure::{CHANCE, span_at};
use super::shifts::{MAX_LABELS, label_columns};
use super::{Col, Frame, Resolved, RuleKind, Span};
use crate::data::ValueKey;

/// The widest a label's range may be, as a share of the difference's, for the label to
/// narrow it: at most half (one such label at least).
pub const NARROW: f64 = 0.5;

/// For each difference between two own columns (neither one the rules settle otherwise:
/// `determined`), the ranges a category of at most [`MAX_LABELS`] labels gives it, when at
/// least two labels are seen in the privacy threshold of rows (`min_count`) and one of them
/// has a range at most [`NARROW`] of the difference's that chance would not give it
/// ([`by_chance`]). One category per difference: the one whose ranges hold least often with
/// the labels shuffled.
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    kinds: &[RuleKind],
    determined: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let labels = label_columns(frame, sample, max_columns);
    if labels.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for kind in kinds {
        let RuleKind::Difference {
            from: Col::Own(from),
            to: Col::Own(to),
            min,
            max,
            days,
            year: false,
        } = kind
        else {
            continue;
        };
        if determined(from) || determined(to) {
            continue;
        }
        let own = |name: &String| frame.resolve(&Col::Own(name.clone()));
        let (Some(a), Some(b)) = (own(from), own(to)) else {
            continue;
        };
        let best = (labels.iter())
            .filter_map(|by| {
                let (chance, spans) = fitted(frame, sample, (a, b, *by), (*min, *max), min_count)?;
                Some((chance, by.column().name.clone(), spans))
            })
            .min_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, by, spans)) = best {
            found.push(RuleKind::DifferenceBy {
                from: from.clone(),
                to: to.clone(),
                by,
                min: *min,
                max: *max,
                days: *days,
                spans,
            });
        }
    }
    found
}

/// The ranges of `by`'s labels and the share of rows (weighed by label) whose gap falls in a
/// random row's label's range, when the labels narrow the difference `[min, max]` as
/// [`discover`] asks.
fn fitted(
    frame: &Frame<'_>,
    sample: &[usize],
    columns: (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    (min, max): (f64, f64),
    min_count: usize,
) -> Option<(f64, Vec<Span>)> {
    let width = max - min;
    if width <= 0.0 || !width.is_finite() || !screened(sample, columns, NARROW * width) {
        return None;
    }
    let spans = fit(columns, frame.rows, min_count);
    if !(2..=MAX_LABELS).contains(&spans.len()) {
        return None;
    }
    let (from, to, _) = columns;
    let mut gaps: Vec<f64> = (0..frame.rows)
        .filter_map(|row| gap(row, from, to))
        .collect();
    gaps.sort_unstable_by(f64::total_cmp);
    let covered = |lo: f64, hi: f64| {
        let inside = gaps.partition_point(|g| *g <= hi) - gaps.partition_point(|g| *g < lo);
        inside as f64 / gaps.len().max(1) as f64
    };
    let (mut chance, mut rows, mut narrowed) = (0.0, 0usize, false);
    for (_, lo, hi, count) in &spans {
        let share = covered(*lo, *hi);
        chance += share * *count as f64;
        rows += count;
        narrowed |= hi - lo <= NARROW * width && by_chance(*count, share) < CHANCE.ln();
    }
    narrowed.then(|| (chance / rows.max(1) as f64, spans))
}

/// A screen on the sample: two labels at least, one of them with its gaps within `narrow` of
/// each other (a label's range on the sample is never wider than on every row).
fn screened(
    sample: &[usize],
    (from, to, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    narrow: f64,
) -> bool {
    let mut seen: HashMap<ValueKey<'_>, (f64, f64)> = HashMap::new();
    for &row in sample {
        let label = by.value(row);
        let Some(gap) = gap(row, from, to).filter(|_| !label.is_null()) else {
            continue;
        };
        let range = seen.entry(ValueKey::of(label)).or_insert((gap, gap));
        *range = (range.0.min(gap), range.1.max(gap));
    }
    seen.len() >= 2 && seen.values().any(|(lo, hi)| hi - lo <= narrow)
}

/// `to - from` in `row`, when both have a value.
fn gap(row: usize, from: Resolved<'_>, to: Resolved<'_>) -> Option<f64> {
    Some(to.value(row).as_number()? - from.value(row).as_number()?)
}

/// The log of the odds that `rows` rows drawn at random cover no more than a share `share`
/// of all the rows between their smallest and largest gap: the range of `n` draws covers a
/// share distributed as Beta(n − 1, 2), below `c` with odds `n c^(n−1) − (n − 1) c^n`. A
/// label of ten rows unrelated to the gap covers four fifths of them or less one time in
/// three; `Overnight`'s 631 parcels cover an eighth.
fn by_chance(rows: usize, share: f64) -> f64 {
    let (n, c) = (rows as f64, share.clamp(0.0, 1.0));
    if rows < 2 {
        return 0.0;
    }
    (n - 1.0) * c.ln() + (n - (n - 1.0) * c).ln()
}

/// The (label, smallest gap, largest gap, rows) of every label of `by` seen beside both
/// columns in at least `min_count` rows, sorted by label.
pub fn fit(
    (from, to, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    rows: usize,
    min_count: usize,
) -> Vec<Span> {
    let mut spans: HashMap<ValueKey<'_>, Span> = HashMap::new();
    for row in 0..rows {
        let label = by.value(row);
        let Some(gap) = gap(row, from, to).filter(|_| !label.is_null()) else {
            continue;
        };
        let span =
            (spans.entry(ValueKey::of(label))).or_insert_with(|| (label.clone(), gap, gap, 0));
        span.1 = span.1.min(gap);
        span.2 = span.2.max(gap);
        span.3 += 1;
    }
    let mut spans: Vec<Span> = (spans.into_values())
        .filter(|span| span.3 >= min_count.max(1))
        .collect();
    spans.sort_by(|a, b| a.0.order(&b.0));
    spans
}

/// Quantiles of each listed label's gaps in turn (`per_label` each, evenly spaced), the
/// values a row of that label is redrawn at; none where a label has no row.
pub fn gap_quantiles(
    (from, to, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    rows: usize,
    spans: &[Span],
    per_label: usize,
) -> Vec<f64> {
    let mut gaps: Vec<Vec<f64>> = vec![Vec::new(); spans.len()];
    for row in 0..rows {
        let Some(at) = span_at(spans, by.value(row)) else {
            continue;
        };
        gaps[at].extend(gap(row, from, to).filter(|g| *g >= spans[at].1 && *g <= spans[at].2));
    }
    let mut quantiles = Vec::with_capacity(spans.len() * per_label);
    for mut values in gaps {
        if values.is_empty() {
            return Vec::new();
        }
        values.sort_unstable_by(f64::total_cmp);
        quantiles.extend((0..per_label).map(|k| {
            let q = (k as f64 + 0.5) / per_label as f64;
            values[((q * values.len() as f64) as usize).min(values.len() - 1)]
        }));
    }
    quantiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Column, Value};
    use crate::rules::Rule;
    use crate::rules::datetime_column;
    use crate::rules::enforce::Enforcer;

    /// Seconds in a day.
    const DAY: f64 = 86_400.0;

    /// The real range of each planted service's transit, in days.
    const TRANSIT: [(&str, f64, f64); 3] = [
        ("Express", 0.75, 2.83),
        ("Ground", 1.0, 6.25),
        ("Overnight", 0.42, 1.25),
    ];

    fn service(row: usize) -> usize {
        (row * 7 + row / 5) % 3
    }

    /// 600 parcels shipped at all hours of 2024 by three services, each delivered within its
    /// service's range of [`TRANSIT`] (spread evenly over it), beside a colour drawn on its
    /// own; with `same_span`, every service takes Ground's range.
    fn parcels(same_span: bool) -> Vec<Column> {
        let shipped: Vec<f64> = (0..600)
            .map(|row| 1_704_067_200.0 + (row * 50_111 % (360 * 86_400)) as f64)
            .collect();
        let delivered = (0..600).map(|row| {
            let (_, lo, hi) = TRANSIT[if same_span { 1 } else { service(row) }];
            let share = (row * 37 % 101) as f64 / 100.0;
            shipped[row] + ((lo + share * (hi - lo)) * DAY).round()
        });
        let names = (0..600).map(|row| TRANSIT[service(row)].0.to_string());
        vec![
            Column::of_labels("service", names),
            Column::of_labels("colour", (0..600).map(|r| format!("c{}", r * 13 % 5))),
            datetime_column("shipped_at", false, shipped.clone()),
            datetime_column("delivered_at", false, delivered.collect()),
        ]
    }

    fn by_label(columns: &[Column]) -> Vec<RuleKind> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        (crate::rules::discover::discover(&frame, 5).into_iter())
            .map(|rule| rule.kind)
            .filter(|kind| matches!(kind, RuleKind::DifferenceBy { .. }))
            .collect()
    }

    /// Planted: each service delivers within its own range (Overnight's a seventh of the
    /// difference's): found by service with the planted ranges, not by the colour; the same
    /// range for every service is no rule of the label.
    #[test]
    fn a_range_the_label_narrows_is_found() {
        let found = by_label(&parcels(false));
        let [
            RuleKind::DifferenceBy {
                from,
                to,
                by,
                spans,
                days: true,
                ..
            },
        ] = found.as_slice()
        else {
            panic!("{found:?}");
        };
        assert_eq!(
            (from.as_str(), to.as_str(), by.as_str()),
            ("shipped_at", "delivered_at", "service")
        );
        assert_eq!(spans.len(), 3);
        for ((label, lo, hi, _), (name, low, high)) in spans.iter().zip(TRANSIT) {
            assert_eq!(label, &Value::Label(name.into()));
            assert!(
                (lo / DAY - low).abs() < 0.05 && (hi / DAY - high).abs() < 0.05,
                "{spans:?}"
            );
        }
        let text = found[0].to_string();
        assert!(text.starts_with("delivered_at - shipped_at in ["), "{text}");
        assert!(text.contains("] days by service (Express [0.75"), "{text}");
        assert!(by_label(&parcels(true)).is_empty());
    }

    /// The odds of a range as narrow by chance: ten rows unrelated to the gap cover four
    /// fifths of all rows often; 631 rows covering an eighth never do.
    #[test]
    fn a_narrow_range_of_few_rows_is_chance() {
        assert!(by_chance(10, 0.8) > CHANCE.ln());
        assert!(by_chance(631, 0.125) < CHANCE.ln());
        assert_eq!(by_chance(50, 1.0), 0.0);
    }

    /// Generation keeps a row's transit within its service's range: the delivery, drawn
    /// after the shipping time, waits for the service; a value inside the range is kept.
    #[test]
    fn generation_keeps_the_label_s_range() {
        let columns = parcels(false);
        let label = |text: &str| Value::Label(text.into());
        let spans: Vec<Span> = (TRANSIT.iter())
            .map(|(name, lo, hi)| (label(name), lo * DAY, hi * DAY, 200))
            .collect();
        let kind = RuleKind::DifferenceBy {
            from: "shipped_at".into(),
            to: "delivered_at".into(),
            by: "service".into(),
            min: 0.42 * DAY,
            max: 6.25 * DAY,
            days: true,
            spans,
        };
        let (enforcer, order) = Enforcer::compile(
            &[Rule::planted(kind)],
            (&columns, &[]),
            vec![2, 3, 1, 0],
            &[],
        );
        let at = |column: usize| order.iter().position(|&c| c == column);
        assert!(at(3) > at(0) && at(3) > at(2), "{order:?}");
        let shipped = 1_704_067_200.0 + 13.5 * 3_600.0;
        let mut row = vec![
            label("Overnight"),
            label("c1"),
            Value::Number(shipped),
            Value::Null,
        ];
        assert_eq!(
            enforcer.interval(3, &row, &[]),
            Some((shipped + 0.42 * DAY, shipped + 1.25 * DAY))
        );
        let mut rng = crate::sampling::rng_for(1, "t");
        let late = Value::Number(shipped + 5.0 * DAY);
        let fixed = enforcer.fix(3, late.clone(), (&row, &[]), (None, None), &mut rng);
        let transit = fixed.as_number().map(|x| (x - shipped) / DAY);
        assert!(
            transit.is_some_and(|t| (0.42..=1.25).contains(&t)),
            "{transit:?}"
        );
        row[0] = label("Ground");
        assert_eq!(
            enforcer.fix(3, late.clone(), (&row, &[]), (None, None), &mut rng),
            late
        );
        // A label no range is listed for: this rule says nothing.
        row[0] = label("Freight");
        assert_eq!(enforcer.interval(3, &row, &[]), None);
    }
}
