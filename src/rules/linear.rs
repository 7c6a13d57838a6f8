//! Finding a number that is a line of another number of the row, its base and rate set by a
//! category's label ([`RuleKind::Linear`]): a parcel's cost from its weight by its service's
//! price table (`Ground` 5.99 + 0.85 a kilo, `Express` 12.99 + 1.75, `Overnight` 24.99 +
//! 3.10), rounded to cents.
//!
//! Why apart from products and ratios: a product has no base, and a ratio bounds every label's
//! rate at once; drawn inside it (or by trees, which only approach a line), 5,667 of 8,000
//! synthetic parcels cost other than their service's price for their weight.
//!
//! Each label's line is fitted by least squares on its rows (once more on the rows near the
//! first fit, so a stray row does not tilt it), then given the fewest decimal places that
//! keep as many rows on it. A row keeps the line when its target lies within half the
//! target's step of it (the rounding of the written value).

use std::collections::HashMap;

use super::measure::{
    as_decimal_text, breaks_if_kept, chance_rate, line_for, near, on_line, tolerance_of, unit,
};
use super::shifts::MAX_LABELS;
use super::shifts::label_columns;
use super::{Frame, Line, Resolved, RuleKind};
use crate::data::{Value, ValueFormat, ValueKey};
use crate::schema::ColumnKind;
use crate::stats::on_step;

/// The most numeric columns tried as targets and sources (the first of the table): pairs
/// grow with the square of the columns, and price tables sit among a table's first columns.
const MAX_NUMBERS: usize = 40;

/// The most decimal places a fitted base or rate is given.
const MAX_PLACES: i32 = 9;

/// How many times the target's half step a row of the sample may lie off its label's line,
/// fitted on the sample alone (a few dozen rows of a rare label fit a line less exactly).
const SCREEN_SLACK: f64 = 4.0;

/// The rules that a numeric column (not one `determined` already) is a line of another
/// numeric column whose base and rate a category of 2 to [`MAX_LABELS`] labels sets, each
/// label in at least `min_count` rows; holding in all rows but
/// [`FUNCTION_TOLERANCE`](super::measure::FUNCTION_TOLERANCE) where chance (the label taken
/// from another row) would break it far more often, with a rate that moves the target by a
/// step at least over its source's range. One rule per target: the one the fewest rows break.
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    determined: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let numbers: Vec<Resolved<'_>> = (frame.columns.iter())
        .filter(|c| c.kind == ColumnKind::Numerical)
        .map(Resolved::Own)
        .filter(|c| varies_on(*c, sample))
        .take(MAX_NUMBERS)
        .collect();
    let labels = label_columns(frame, sample, max_columns);
    if labels.is_empty() || numbers.len() < 2 {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (t, target) in numbers.iter().enumerate() {
        if determined(&target.column().name) || whole_on_finer_step(*target) {
            continue;
        }
        let best = (numbers.iter().enumerate())
            .filter(|(s, _)| *s != t)
            .flat_map(|(_, source)| labels.iter().map(move |by| (*target, *source, *by)))
            .filter(|columns| screened(sample, *columns))
            .filter_map(|columns| fitted(frame, sample, columns, min_count))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, rule)| (spill(&rule, frame), rule));
        found.extend(best);
    }
    one_way(found)
}

/// Whether a column's values are all whole numbers though its format writes decimals
/// (TPC-H's quantities, `17.0`): worked out to the format's step, a line would give it
/// fractions no real row has, where the model keeps it whole.
fn whole_on_finer_step(column: Resolved<'_>) -> bool {
    let column = column.column();
    unit(column) < 1.0
        && (column.values.iter())
            .filter_map(Value::as_number)
            .all(|x| x.fract() == 0.0)
}

/// Of a line found both ways between two columns, the way whose target is worked out to its
/// own step: a weight in tenths of a kilo gives a cost to the cent, where a cost gives the
/// weight to the tenth only, and the cost drawn beside it keeps no line.
fn one_way(found: Vec<(f64, RuleKind)>) -> Vec<RuleKind> {
    let ends = |rule: &RuleKind| match rule {
        RuleKind::Linear { target, source, .. } => Some((target.clone(), source.clone())),
        _ => None,
    };
    let kept: Vec<bool> = (found.iter())
        .map(|(spill, rule)| {
            let Some((target, source)) = ends(rule) else {
                return true;
            };
            !found.iter().any(|(other_spill, other)| {
                ends(other) == Some((source.clone(), target.clone())) && other_spill < spill
            })
        })
        .collect();
    (found.into_iter().zip(kept))
        .filter(|(_, keep)| *keep)
        .map(|((_, rule), _)| rule)
        .collect()
}

/// How far the rounding of the target moves its source back, in the source's half steps, at
/// the flattest line: under one, the line read the other way holds too once the target is
/// worked out.
fn spill(rule: &RuleKind, frame: &Frame<'_>) -> f64 {
    let RuleKind::Linear {
        target,
        source,
        lines,
        ..
    } = rule
    else {
        return f64::INFINITY;
    };
    let tolerance =
        |name: &String| (frame.resolve(&super::Col::Own(name.clone()))).map_or(0.0, tolerance_of);
    let (target, source) = (tolerance(target), tolerance(source));
    let flattest = lines
        .iter()
        .map(|line| line.2.abs())
        .fold(f64::INFINITY, f64::min);
    target / (flattest * source)
}

/// The rule that `target` is a line of `source` by the labels of `by`, with the share of rows
/// that break it, when it holds as [`discover`] asks.
fn fitted(
    frame: &Frame<'_>,
    sample: &[usize],
    (target, source, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    min_count: usize,
) -> Option<(f64, RuleKind)> {
    let lines = fit((target, source, by), frame.rows, min_count);
    if !(2..=MAX_LABELS).contains(&lines.len()) || !moves(&lines, source, frame.rows, target) {
        return None;
    }
    let tolerance = tolerance_of(target);
    let check = |r: usize, o: usize| {
        on_line(
            &lines,
            tolerance,
            (source.value(r), target.value(r)),
            by.value(o),
        )
    };
    let chance = chance_rate(sample, check)?;
    let decimal = decimal_places((target, source, by), &lines, frame.rows);
    let rule = RuleKind::Linear {
        target: target.column().name.clone(),
        source: source.column().name.clone(),
        by: by.column().name.clone(),
        lines,
        decimal,
    };
    breaks_if_kept(rule, frame, chance)
}

/// Whether some label's rate moves the target by at least its step over the label's range of
/// the source: otherwise the label alone sets the target (a lookup's business, not a line's).
fn moves(lines: &[Line], source: Resolved<'_>, rows: usize, target: Resolved<'_>) -> bool {
    let (low, high) = (0..rows)
        .filter_map(|row| source.value(row).as_number())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    let step = unit(target.column()).max(f64::EPSILON);
    (high > low) && lines.iter().any(|line| line.2.abs() * (high - low) >= step)
}

/// A screen on the sample: of the labels with three rows at least (two at least), a line
/// fitted on each label's rows keeps all but 2% of them (and one) within
/// [`SCREEN_SLACK`] half steps.
fn screened(
    sample: &[usize],
    (target, source, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
) -> bool {
    let mut points: HashMap<ValueKey<'_>, Vec<(f64, f64)>> = HashMap::new();
    for &row in sample {
        if let Some((label, x, y)) = point(row, (target, source, by)) {
            points.entry(ValueKey::of(label)).or_default().push((x, y));
        }
    }
    let tolerance = SCREEN_SLACK * tolerance_of(target);
    let (mut labels, mut tried, mut off) = (0usize, 0usize, 0usize);
    for pairs in points.values().filter(|pairs| pairs.len() >= 3) {
        let Some((base, rate)) = least_squares(pairs) else {
            return false;
        };
        labels += 1;
        tried += pairs.len();
        off += (pairs.iter())
            .filter(|(x, y)| !near(*y, base + rate * x, tolerance))
            .count();
    }
    labels >= 2 && off as f64 <= 0.02 * tried as f64 + 1.0
}

/// The (source, target) pairs of one label's rows.
type Points = Vec<(f64, f64)>;

/// A row's label, source and target, when it has all three.
fn point<'a>(
    row: usize,
    (target, source, by): (Resolved<'a>, Resolved<'a>, Resolved<'a>),
) -> Option<(&'a Value, f64, f64)> {
    let label = by.value(row);
    let x = source.value(row).as_number()?;
    let y = target.value(row).as_number()?;
    (!label.is_null()).then_some((label, x, y))
}

/// The line of each label of `by` seen in at least `min_count` rows with a source and a
/// target: fitted on its rows by least squares, fitted again on the rows within
/// [`SCREEN_SLACK`] half steps of that, then given the fewest decimal places that keep as many
/// rows within half a step. Sorted by label.
pub fn fit(
    (target, source, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    rows: usize,
    min_count: usize,
) -> Vec<Line> {
    let mut points: HashMap<ValueKey<'_>, (&Value, Points)> = HashMap::new();
    for row in 0..rows {
        if let Some((label, x, y)) = point(row, (target, source, by)) {
            let entry = points.entry(ValueKey::of(label));
            entry.or_insert_with(|| (label, Vec::new())).1.push((x, y));
        }
    }
    let tolerance = tolerance_of(target);
    let mut lines: Vec<Line> = (points.into_values())
        .filter(|(_, pairs)| pairs.len() >= min_count.max(2))
        .filter_map(|(label, pairs)| {
            let (base, rate) = line_of(&pairs, tolerance)?;
            Some((label.clone(), base, rate, pairs.len()))
        })
        .collect();
    lines.sort_by(|a, b| a.0.order(&b.0));
    lines
}

/// The most decimal places a target is rounded to as decimal text.
pub const MAX_DECIMALS: u32 = 12;

/// The target's decimal places when its real values are the decimal text's rounding of their
/// label's line more often than the grid's, where the two differ (see
/// [`RuleKind::Linear`]); `None` otherwise or for a target of no decimal places.
pub fn decimal_places(
    (target, source, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    lines: &[Line],
    rows: usize,
) -> Option<u32> {
    let places = match target.column().format {
        ValueFormat::Integer => 0,
        ValueFormat::Decimal { max_places, .. } => u32::try_from(max_places).ok()?,
        _ => return None,
    };
    let step = unit(target.column());
    if places > MAX_DECIMALS || step <= 0.0 {
        return None;
    }
    let (mut decimal, mut grid) = (0usize, 0usize);
    for row in 0..rows {
        let Some((label, x, y)) = point(row, (target, source, by)) else {
            continue;
        };
        let Some((_, base, rate, _)) = line_for(lines, label) else {
            continue;
        };
        let exact = base + rate * x;
        let (as_text, on_grid) = (as_decimal_text(exact, places), on_step(exact, step));
        if as_text != on_grid {
            decimal += usize::from((y - as_text).abs() < 0.25 * step);
            grid += usize::from((y - on_grid).abs() < 0.25 * step);
        }
    }
    (decimal > grid).then_some(places)
}

/// The line of `pairs` (source, target): see [`fit`].
fn line_of(pairs: &[(f64, f64)], tolerance: f64) -> Option<(f64, f64)> {
    let first = least_squares(pairs)?;
    let near_first: Vec<(f64, f64)> = (pairs.iter())
        .filter(|(x, y)| near(*y, first.0 + first.1 * x, SCREEN_SLACK * tolerance))
        .copied()
        .collect();
    let fitted = match near_first.len() * 2 >= pairs.len() {
        true => least_squares(&near_first).unwrap_or(first),
        false => first,
    };
    let kept = |(base, rate): (f64, f64)| {
        (pairs.iter())
            .filter(|(x, y)| near(*y, base + rate * x, tolerance))
            .count()
    };
    let most = kept(fitted);
    let simplest = (0..=MAX_PLACES)
        .map(|places| (rounded(fitted.0, places), rounded(fitted.1, places)))
        .find(|line| kept(*line) >= most);
    Some(simplest.unwrap_or(fitted))
}

/// `x` rounded to `places` decimal places (as the decimal would be read: 0.85, not
/// 0.8500000000000001).
fn rounded(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    let scaled = (x * scale).round();
    if scaled.abs() < 2f64.powi(52) {
        scaled / scale
    } else {
        x
    }
}

/// The base and rate of the least-squares line through `pairs` (source, target), worked out
/// from the means so large sources lose no precision; a source of one value gives a flat line
/// at the mean. `None` without pairs or with a value that is no finite number.
fn least_squares(pairs: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pairs.len() as f64;
    let (sum_x, sum_y) = (pairs.iter()).fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (x, y) in pairs {
        sxx += (x - mean_x) * (x - mean_x);
        sxy += (x - mean_x) * (y - mean_y);
    }
    let rate = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let base = mean_y - rate * mean_x;
    (base.is_finite() && rate.is_finite()).then_some((base, rate))
}

/// Whether a numeric column takes two values at least on the sample rows.
fn varies_on(column: Resolved<'_>, sample: &[usize]) -> bool {
    let mut values = sample
        .iter()
        .filter_map(|&row| column.value(row).as_number());
    let first = values.next();
    first.is_some_and(|first| values.any(|x| x != first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;
    use crate::rules::Rule;
    use crate::rules::enforce::Enforcer;

    fn numbers(name: &str, places: usize, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Decimal {
                max_places: places,
                min_places: 0,
            },
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    /// 900 parcels by three services, weighing 0.1 to 40 kilos, costing their service's base
    /// and rate per kilo (`same`: one price for all), rounded as decimal text; a colour drawn
    /// on its own; the cost of every `every`th row (none for 0) 5 cents off.
    fn parcels(same: bool, every: usize) -> Vec<Column> {
        let services = ["Ground", "Express", "Overnight"];
        let service = |row: usize| services[(row * 7 + row / 5) % 3];
        let weight = |row: usize| ((row * 37 % 400) + 1) as f64 / 10.0;
        let cost = |row: usize| {
            let (base, rate) = match (same, service(row)) {
                (true, _) => (5.99, 0.85),
                (false, "Ground") => (5.99, 0.85),
                (false, "Express") => (12.99, 1.75),
                _ => (24.99, 3.1),
            };
            let noise = if every > 0 && row % every == 0 {
                0.05
            } else {
                0.0
            };
            as_decimal_text(base + rate * weight(row), 2) + noise
        };
        vec![
            Column::of_labels("service", (0..900).map(|r| service(r).to_string())),
            Column::of_labels("colour", (0..900).map(|r| format!("c{}", r * 13 % 5))),
            numbers("weight_kg", 1, (0..900).map(weight).collect()),
            numbers("cost_usd", 2, (0..900).map(cost).collect()),
        ]
    }

    fn lines_found(columns: &[Column]) -> Vec<String> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        let rules = crate::rules::discover::discover(&frame, 5);
        (rules.iter())
            .filter(|rule| matches!(rule.kind, RuleKind::Linear { .. }))
            .map(|rule| rule.to_string())
            .collect()
    }

    /// Planted: the service's price table sets the cost, found one way (the cost from the
    /// weight, to the cent; not the weight from the cost, to the tenth), read back from its
    /// text; one price for every service is no rule of the label; 1% of the rows off their
    /// price leave the rule, 2% break it.
    #[test]
    fn a_line_the_label_sets_is_found_one_way() {
        let found = lines_found(&parcels(false, 0));
        let text = "cost_usd = base + rate * weight_kg by service \
                    (Express 12.99 + 1.75, Ground 5.99 + 0.85, Overnight 24.99 + 3.1)";
        assert_eq!(found, [text]);
        let parsed = crate::rules::text::parse(text).expect("parses");
        assert!(matches!(
            parsed,
            RuleKind::Linear { ref target, ref source, ref by, ref lines, decimal: None }
                if target == "cost_usd" && source == "weight_kg" && by == "service"
                    && lines.is_empty()
        ));
        assert!(lines_found(&parcels(true, 0)).is_empty());
        assert_eq!(lines_found(&parcels(false, 100)).len(), 1);
        // (The weight, to its tenth, still follows the cost off by 5 cents: a looser line.)
        let broken = lines_found(&parcels(false, 50));
        assert!(
            broken.iter().all(|rule| !rule.starts_with("cost_usd")),
            "{broken:?}"
        );
    }

    /// Generation works the cost out from the service and the weight drawn before it, rounded
    /// as the real rows are (8.965, held as 8.96499…, to 8.96; the grid alone gives 8.97); a
    /// label without a line keeps the drawn cost.
    #[test]
    fn generation_works_the_target_out_after_its_label_and_source() {
        let columns = parcels(false, 0);
        let frame = Frame {
            columns: &columns,
            rows: 900,
            parent: None,
        };
        let resolve = |name: &str| frame.resolve(&crate::rules::Col::Own(name.into()));
        let (Some(cost), Some(weight), Some(service)) = (
            resolve("cost_usd"),
            resolve("weight_kg"),
            resolve("service"),
        ) else {
            panic!("columns");
        };
        let lines = fit((cost, weight, service), 900, 5);
        let decimal = decimal_places((cost, weight, service), &lines, 900);
        assert_eq!(decimal, Some(2));
        let kind = RuleKind::Linear {
            target: "cost_usd".into(),
            source: "weight_kg".into(),
            by: "service".into(),
            lines,
            decimal,
        };
        let (enforcer, order) = Enforcer::compile(
            &[Rule::planted(kind)],
            (&columns, &[]),
            vec![3, 2, 1, 0],
            &[],
        );
        let at = |column: usize| order.iter().position(|&c| c == column);
        assert!(at(3) > at(2) && at(3) > at(0), "{order:?}");
        let label = |text: &str| Value::Label(text.into());
        let row = vec![
            label("Ground"),
            label("c1"),
            Value::Number(3.5),
            Value::Null,
        ];
        let mut rng = crate::sampling::rng_for(1, "t");
        let fix = |row: &[Value], rng: &mut _| {
            enforcer.fix(3, Value::Number(50.0), (row, &[]), (None, None), rng)
        };
        assert_eq!(fix(&row, &mut rng), Value::Number(8.96));
        let mut rare = row.clone();
        rare[0] = label("Freight");
        assert_eq!(fix(&rare, &mut rng), Value::Number(50.0));
    }
}
