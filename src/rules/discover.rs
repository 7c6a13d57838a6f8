//! Finding the rules a real table obeys, fast: candidates are tried on an evenly spaced sample
//! of rows first, and only those that survive are checked on every row.
//!
//! A rule is kept when (documented in the README, *Rules*):
//! - at least [`MIN_SUPPORT`] rows have every value it reads;
//! - it holds in all of them but a tolerance: [`ORDER_TOLERANCE`] for orders (differences hold
//!   in every row, their bounds being the real extremes), [`FUNCTION_TOLERANCE`] for columns
//!   that follow from others (calendar tables carry generator quirks);
//! - it is no coincidence: pairing each row's values with another row's, the rule holds with
//!   some rate `h`, so by chance `n` rows would break it `n (1 - h)` times on average; seeing
//!   as few breaks as the data shows must have odds (Poisson) below [`CHANCE`](super::measure::CHANCE). Two unrelated
//!   columns ordered in 8 rows (no breaks where 4 are expected: 1 in 55) are not a rule; an
//!   order implied by the columns' ranges alone (`h = 1`) is not one either.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::measure::{
    Adherence, FUNCTION_TOLERANCE, MIN_SUPPORT, ORDER_TOLERANCE, calendar_value, chance_rate,
    clock_minutes, elapsed_tolerance, is_clock_time, measure, significant, unit,
};
use super::{
    Col, Frame, IntOp, Mapping, Origin, Overrides, Part, Resolved, Rule, RuleKind, TimeUnit,
    local_time,
};
use crate::data::{Value, ValueFormat, ValueKey};
use crate::schema::ColumnKind;

/// Rows of the sample candidates are tried on.
const SAMPLE: usize = 512;
/// Lookup tables and calendar lookups hold at most this many keys.
const MAX_KEYS: usize = 1024;
/// Numeric columns tried as terms of sums and products (the first ones of the table).
const MAX_SUM_COLUMNS: usize = 40;
/// The most columns of a kind each search over pairs of columns considers (the first in table
/// order): pairs grow with the square of the columns, and a 200 KB table of 3,000 small-integer
/// columns took minutes and gigabytes, listing millions of lookups. Real tables keep their
/// rules among far fewer columns.
pub const MAX_PAIR_COLUMNS: usize = 256;
/// Quantiles of the real gaps an order or difference rule keeps.
pub const GAP_QUANTILES: usize = 64;

/// The rules of one table: found in `frame` (unless switched off), minus those the schema
/// switches off, plus those it declares (fitted on the frame). `min_count` is the privacy
/// threshold lookups respect.
pub fn rules_of(frame: &Frame<'_>, overrides: &Overrides, min_count: usize) -> Vec<Rule> {
    let mut rules = if overrides.discover {
        discover(frame, min_count)
    } else {
        Vec::new()
    };
    rules.retain(|rule| !overrides.off.contains(&rule.kind.identity()));
    for template in &overrides.add {
        if let Some(rule) = fit(template, frame, min_count) {
            let overriding = rule.holding < rule.support;
            rules.retain(|found| {
                found.origin == Origin::Declared
                    || (found.kind.identity() != rule.kind.identity()
                        && !(overriding && shares_a_column(found, &rule)))
            });
            rules.push(rule);
        }
    }
    rules
}

/// Whether two rules name a column in common. A declared rule some real rows break moves the
/// data away from what was found about its columns, and replaces those found rules: kept, a
/// found `balance < income` beat a declared `income / balance in [0.5, 0.9]` in every row.
fn shares_a_column(a: &Rule, b: &Rule) -> bool {
    let theirs = b.kind.columns();
    a.kind
        .columns()
        .iter()
        .any(|column| theirs.contains(column))
}

/// Every rule found in the frame (see the module's documentation).
pub fn discover(frame: &Frame<'_>, min_count: usize) -> Vec<Rule> {
    // No rule counts without MIN_SUPPORT rows, and with a handful of rows nearly every pair
    // of columns passes the first screens: a 500-column table of 3 rows took 44 s to find
    // nothing.
    if frame.rows < MIN_SUPPORT {
        return Vec::new();
    }
    let sample = sample_rows(frame.rows);
    let numeric = numeric_columns(frame);
    let mut kinds = Vec::new();
    kinds.extend(orders(frame, &numeric, &sample));
    kinds.extend(clock_times(frame, min_count));
    kinds.extend(dates(frame));
    kinds.extend(arithmetic(frame, &sample));
    kinds.extend(sums(frame, &sample));
    kinds.extend(elapsed(frame, &sample));
    kinds.extend(products(frame, &sample));
    let earlier = kinds.clone();
    kinds.extend(sums_of_three(frame, &sample, &earlier));
    kinds.extend(ratios(frame, &numeric, &sample));
    kinds.extend(calendars(frame, &sample, min_count));
    kinds.extend(local_times(frame, &sample, min_count));
    kinds.extend(empties(frame));
    let earlier = kinds.clone();
    kinds.extend(lookups(frame, &sample, min_count, &earlier));
    let determined: HashSet<String> = kinds
        .iter()
        .filter_map(determined_column)
        .map(str::to_string)
        .collect();
    let determined = |name: &str| determined.contains(name);
    kinds.extend(super::periods::discover(
        frame,
        &sample,
        min_count,
        &determined,
        MAX_PAIR_COLUMNS,
    ));
    let lookup = |target: &str, source: &str| {
        kinds.iter().any(|kind| {
            matches!(kind, RuleKind::Lookup { target: t, source: s, .. } if t == target && s == source)
        })
    };
    // An owner a lookup derives from the member already follows it; one a lookup derives
    // from a third column (not its mirror, as TPC-DS's category and category id are) is
    // drawn after that column, and the member would wait for it there: planes' engine,
    // drawn first, shapes the speed and the maker, but its type is the model's.
    let unfit_owner = |owner: &str, member: &str| {
        lookup(owner, member)
            || kinds.iter().any(|kind| {
                matches!(kind, RuleKind::Lookup { target, source, .. }
                    if target == owner && !lookup(source, owner))
            })
    };
    let belonging = super::belongs::discover(
        frame,
        &sample,
        min_count,
        &determined,
        &unfit_owner,
        MAX_PAIR_COLUMNS,
    );
    kinds.extend(belonging);
    kinds.extend(super::shifts::discover(
        frame,
        &sample,
        min_count,
        &determined,
        MAX_PAIR_COLUMNS,
    ));
    kinds.extend(super::linear::discover(
        frame,
        &sample,
        min_count,
        &determined,
        MAX_PAIR_COLUMNS,
    ));
    // A date a shift by label settles is no difference's to narrow.
    let shifted: HashSet<String> = (kinds.iter())
        .filter_map(|kind| match kind {
            RuleKind::Shifted { to, .. } => Some(to.clone()),
            _ => None,
        })
        .collect();
    let settled = |name: &str| determined(name) || shifted.contains(name);
    let by_label = super::spans::discover(
        frame,
        &sample,
        min_count,
        &kinds,
        &settled,
        MAX_PAIR_COLUMNS,
    );
    kinds.extend(by_label);
    kinds.extend(copies(frame, &sample));
    let determined: HashSet<String> = kinds
        .iter()
        .filter_map(determined_column)
        .map(str::to_string)
        .collect();
    kinds.extend(super::anchors::discover(
        frame,
        &sample,
        min_count,
        &|name| determined.contains(name),
        MAX_PAIR_COLUMNS,
    ));
    kinds.extend(super::fractions::discover(
        frame,
        &sample,
        min_count,
        &|name| determined.contains(name),
        MAX_SUM_COLUMNS,
    ));
    kinds.extend(super::totals::discover(frame, min_count));
    kinds.extend(super::codes::digits(frame));
    kinds
        .into_iter()
        .filter_map(|kind| finish(kind, frame, Origin::Found))
        .collect()
}

/// A declared rule with its numbers fitted on the frame.
pub fn fit(template: &RuleKind, frame: &Frame<'_>, min_count: usize) -> Option<Rule> {
    let mut kind = template.clone();
    match &mut kind {
        RuleKind::Calendar {
            target,
            source,
            part,
            mapping,
        } => {
            let target = frame.resolve(&Col::Own(target.clone()))?;
            let source = frame.resolve(&Col::Own(source.clone()))?;
            let part = *part;
            let key = |row: usize| source.value(row).as_number().and_then(|x| part.of(x));
            *mapping =
                fit_calendar(target, &key, frame.rows, min_count).unwrap_or(Mapping::Offset(0));
        }
        RuleKind::Lookup {
            target,
            source,
            table,
        } => {
            let target = frame.resolve(&Col::Own(target.clone()))?;
            let source = frame.resolve(&Col::Own(source.clone()))?;
            *table = fit_lookup(target, source, frame.rows, min_count).0;
        }
        RuleKind::ChildValues {
            target,
            source,
            table,
        } => {
            *table = super::totals::fit_values_of(frame, (target, source), min_count);
        }
        RuleKind::Belongs {
            target,
            source,
            pairs,
        } => {
            let target = frame.resolve(&Col::Own(target.clone()))?;
            let source = frame.resolve(&Col::Own(source.clone()))?;
            *pairs = super::belongs::fit(target, source, frame.rows, min_count);
        }
        RuleKind::Shifted {
            to,
            from,
            by,
            unit,
            shifts,
        } => {
            let [to, from, by] = frame.resolve_own([to, from, by].map(|name| name.as_str()))?;
            *shifts = super::shifts::fit((to, from, by), *unit, frame.rows, min_count);
        }
        RuleKind::Linear {
            target,
            source,
            by,
            lines,
            decimal,
        } => {
            let names = [target, source, by].map(|name| name.as_str());
            let [target, source, by] = frame.resolve_own(names)?;
            *lines = super::linear::fit((target, source, by), frame.rows, min_count);
            *decimal = super::linear::decimal_places((target, source, by), lines, frame.rows);
        }
        RuleKind::CopyParentWhen { by, label, .. } => {
            *label = super::anchors::fit_label(by, label, frame)?;
        }
        RuleKind::DifferenceBy {
            from,
            to,
            by,
            spans,
            ..
        } => {
            let [from, to, by] = frame.resolve_own([from, to, by].map(|name| name.as_str()))?;
            *spans = super::spans::fit((from, to, by), frame.rows, min_count);
        }
        RuleKind::Periods {
            target,
            source,
            periods,
        } => {
            let target = frame.resolve(&Col::Own(target.clone()))?;
            let source = frame.resolve(&Col::Own(source.clone()))?;
            *periods =
                super::periods::fit(target, source, frame.rows, min_count).unwrap_or_default();
        }
        RuleKind::LocalTime {
            target,
            parts,
            offsets,
        } => {
            let mut columns = vec![frame.resolve(&Col::Own(target.clone()))?];
            for part in parts.iter() {
                columns.push(frame.resolve(&Col::Own(part.clone()))?);
            }
            let columns: [Resolved<'_>; 5] = columns.try_into().ok()?;
            // Rows that show no zone's offsets read as universal time, as a calendar rule
            // without an offset does: the rule is kept and `evaluate` shows how far it holds.
            *offsets = fitted_offsets(&columns, frame.rows, min_count)
                .unwrap_or_else(|| vec![(local_time::FROM_THE_START, 0)]);
        }
        RuleKind::ClockTime {
            column,
            midnight_2400,
            common,
        } => {
            let column = frame.resolve(&Col::Own(column.clone()))?;
            *midnight_2400 = midnight_is_2400(column, frame.rows);
            *common = common_clock_times(column, frame.rows, min_count);
        }
        _ => {}
    }
    finish(kind, frame, Origin::Declared)
}

/// Measures a rule on the frame and keeps its gaps.
fn finish(kind: RuleKind, frame: &Frame<'_>, origin: Origin) -> Option<Rule> {
    let Adherence { support, holding } = measure(&kind, frame)?;
    let gaps = gap_quantiles(&kind, frame);
    Some(Rule {
        kind,
        support,
        holding,
        origin,
        gaps,
    })
}

/// Evenly spaced row indices, at most [`SAMPLE`].
fn sample_rows(rows: usize) -> Vec<usize> {
    let m = rows.min(SAMPLE);
    (0..m).map(|i| i * rows / m.max(1)).collect()
}

/// A numeric or datetime column of the frame (own or the parent's, aligned to the rows).
struct Numeric<'a> {
    col: Col,
    datetime: bool,
    column: Resolved<'a>,
    range: f64,
    /// The column's values over the rows, sorted (for the chance of an order).
    sorted: Vec<f64>,
    /// Whether the values are whole-number years read as their first instants (a parent's
    /// `enrolled_year` beside a row's datetime).
    year: bool,
}

impl Numeric<'_> {
    fn at(&self, row: usize) -> Option<f64> {
        let x = self.column.value(row).as_number()?;
        if self.year {
            super::year_start(x)
        } else {
            Some(x)
        }
    }

    /// The parent's whole-number column read as years, when every value is one of
    /// [`YEARS`](super::YEARS) and it spans more than one.
    fn as_years(&self, rows: usize) -> Option<Self> {
        let values = &self.column.column().values;
        let years = self.col.own().is_none()
            && !self.datetime
            && !self.year
            && values.iter().all(|value| match value {
                Value::Null => true,
                value => value.as_number().and_then(super::year_start).is_some(),
            });
        if !years {
            return None;
        }
        let mut read = Numeric {
            col: self.col.clone(),
            datetime: true,
            column: self.column,
            range: 0.0,
            sorted: Vec::new(),
            year: true,
        };
        read.sorted = (0..rows).filter_map(|row| read.at(row)).collect();
        read.sorted.sort_unstable_by(f64::total_cmp);
        read.range = read.sorted.last()? - read.sorted.first()?;
        (read.range > 0.0).then_some(read)
    }
}

fn numeric_columns<'a>(frame: &Frame<'a>) -> Vec<Numeric<'a>> {
    let mut cols: Vec<Col> = frame
        .columns
        .iter()
        .map(|c| Col::Own(c.name.clone()))
        .collect();
    if let Some(parent) = frame.parent {
        cols.extend(parent.columns.iter().map(|c| Col::Parent {
            table: parent.table.to_string(),
            column: c.name.clone(),
        }));
    }
    cols.into_iter()
        .filter_map(|col| {
            let column = frame.resolve(&col)?;
            let kind = column.column().kind;
            if !matches!(kind, ColumnKind::Numerical | ColumnKind::Datetime) {
                return None;
            }
            let (low, high) = column
                .column()
                .values
                .iter()
                .filter_map(Value::as_number)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(x), hi.max(x))
                });
            (high > low).then(|| {
                let mut sorted: Vec<f64> = (0..frame.rows)
                    .filter_map(|row| column.value(row).as_number())
                    .collect();
                sorted.sort_unstable_by(f64::total_cmp);
                Numeric {
                    col,
                    datetime: kind == ColumnKind::Datetime,
                    column,
                    range: high - low,
                    sorted,
                    year: false,
                }
            })
        })
        .take(MAX_PAIR_COLUMNS)
        .collect()
}

/// The widest a ratio rule above zero may spread: its largest ratio at most this many times
/// its smallest (TPC-DS's list prices are 1 to 2 times the wholesale cost in stores, 1 to 3
/// in catalogs; nycflights13's flights cover 1.96 to 9.13 miles a minute of air time).
const RATIO_SPREAD: f64 = 5.0;
/// Whole numbers with at least this many distinct values are measures (minutes, miles), whose
/// ratios say something; fewer are counts and codes.
const MEASURE_VALUES: usize = 100;
/// The largest a ratio starting at 0 may reach: a share of an amount (a tax of at most 9% of
/// the net paid, a shipping cost of at most half the list price).
const RATIO_SHARE: f64 = 0.5;

/// Ratio rules between two of the table's own columns of amounts or measures (columns with
/// fractional values, or whole numbers of [`MEASURE_VALUES`] distinct values or more; fewer
/// whole numbers are counts and codes, whose ratios say little): in every real row
/// whose bottom is above zero the top is never negative and the ratio stays in a narrow
/// range ([`RATIO_SPREAD`], [`RATIO_SHARE`]). Of a pair's two directions, the one with the
/// larger ratios is kept (a markup of 1 to 2, not a share of 0.5 to 1); of two shares from 0
/// of the same top, the one of the smaller bottom when it implies the other ([`implied_shares`]).
fn ratios(frame: &Frame<'_>, numeric: &[Numeric<'_>], sample: &[usize]) -> Vec<RuleKind> {
    let amounts: Vec<&Numeric<'_>> = numeric
        .iter()
        .filter(|n| n.col.own().is_some() && !n.datetime)
        .filter(|n| n.sorted.iter().any(|x| x.fract() != 0.0) || is_measure(&n.sorted))
        .collect();
    let mut found = Vec::new();
    for (i, a) in amounts.iter().enumerate() {
        for b in &amounts[i + 1..] {
            let forward = ratio_pair(frame, (b, a), sample);
            let backward = ratio_pair(frame, (a, b), sample);
            found.extend(match (forward, backward) {
                (Some(f), Some(g)) => Some(if f.2 >= g.2 { f } else { g }),
                (f, g) => f.or(g),
            });
        }
    }
    let implied = implied_shares(&found, frame.rows);
    found
        .into_iter()
        .enumerate()
        .filter(|(at, _)| !implied.contains(at))
        .map(|(_, (top, bottom, min, max))| RuleKind::Ratio {
            top: top.column.column().name.clone(),
            bottom: bottom.column.column().name.clone(),
            min,
            max,
        })
        .collect()
}

/// Whether sorted whole numbers hold [`MEASURE_VALUES`] distinct values or more, and are not
/// all clock times (`1435` is 14:35: a ratio of two of them means nothing).
fn is_measure(sorted: &[f64]) -> bool {
    let changes = sorted.windows(2).filter(|pair| pair[0] != pair[1]).count();
    let clock = |x: &f64| (0.0..=2400.0).contains(x) && x % 100.0 < 60.0;
    changes + 1 >= MEASURE_VALUES && !sorted.iter().all(clock)
}

/// A candidate ratio rule: (top, bottom, min, max).
type RatioFound<'n, 'a> = (&'n Numeric<'a>, &'n Numeric<'a>, f64, f64);

/// `top / bottom in [min, max]` when it holds in every row whose bottom is above zero, is
/// narrow, and is no coincidence; the bounds rounded outwards to four significant digits.
fn ratio_pair<'n, 'a>(
    frame: &Frame<'_>,
    (top, bottom): (&'n Numeric<'a>, &'n Numeric<'a>),
    sample: &[usize],
) -> Option<RatioFound<'n, 'a>> {
    let narrow = |min: f64, max: f64| match min > 0.0 {
        true => max <= RATIO_SPREAD * min,
        false => max <= RATIO_SHARE,
    };
    let spread = |rows: &mut dyn Iterator<Item = usize>| {
        let (mut n, mut min, mut max) = (0usize, f64::INFINITY, f64::NEG_INFINITY);
        for row in rows {
            let (Some(t), Some(b)) = (top.at(row), bottom.at(row)) else {
                continue;
            };
            if b <= 0.0 {
                continue;
            }
            if t < 0.0 {
                return None;
            }
            n += 1;
            min = min.min(t / b);
            max = max.max(t / b);
        }
        (n > 0 && narrow(min, max)).then_some((n, min, max))
    };
    let (seen, ..) = spread(&mut sample.iter().copied())?;
    if seen < MIN_SUPPORT.min(sample.len()) {
        return None;
    }
    let (n, min, max) = spread(&mut (0..frame.rows))?;
    // One ratio of 1 in every row is a copy, which a difference says; another one is a fixed
    // multiple (three times the base in every row), which only this rule says.
    // A top of 0 wherever the bottom is above 0 bounds the bottom nowhere: no rule.
    if min == max && (min == 1.0 || max == 0.0) {
        return None;
    }
    let (min, max) = (
        significant_digits(min, f64::floor),
        significant_digits(max, f64::ceil),
    );
    let chance = chance_rate(sample, |r, o| {
        let (t, b) = (top.at(o)?, bottom.at(r)?);
        (b > 0.0).then(|| super::measure::ratio_within(t, b, (min, max)))
    })?;
    significant(n, 0, chance).then_some((top, bottom, min, max))
}

/// How much larger one share's bound may be than another's and still count as the same: each
/// is rounded up to four significant digits (0.09 and 0.09001).
const ROUNDING: f64 = 1.0 + 2e-4;

/// The candidates (by index) a share of the same top from 0 implies: `tax / paid in [0, 0.09]`
/// with `0 < paid <= price` in every row whose price is above zero says `tax / price in [0,
/// 0.09]`, and the larger bottom's rule is left out. Of two shares that imply each other (two
/// bottoms alike), the first is kept.
fn implied_shares(found: &[RatioFound<'_, '_>], rows: usize) -> HashSet<usize> {
    // Wherever the large bottom's rule applies, the small one's does, and is tighter.
    let below = |small: &Numeric<'_>, large: &Numeric<'_>| {
        (0..rows).all(|row| match large.at(row) {
            Some(l) if l > 0.0 => small.at(row).is_some_and(|s| s > 0.0 && s <= l),
            _ => true,
        })
    };
    let implies = |by: &RatioFound<'_, '_>, of: &RatioFound<'_, '_>| {
        let ((t, b, m, x), (top, bottom, min, max)) = (by, of);
        t.col == top.col
            && *m == 0.0
            && *min == 0.0
            && *x <= max * ROUNDING
            && b.col != bottom.col
            && below(b, bottom)
    };
    (0..found.len())
        .filter(|&at| {
            (0..found.len()).any(|by| {
                implies(&found[by], &found[at]) && !(by > at && implies(&found[at], &found[by]))
            })
        })
        .collect()
}

/// Order and bounded-difference rules between two columns of the same family (datetimes or
/// numbers), at least one of them the table's own.
fn orders(frame: &Frame<'_>, numeric: &[Numeric<'_>], sample: &[usize]) -> Vec<RuleKind> {
    let mut found = Vec::new();
    for (i, a) in numeric.iter().enumerate() {
        for b in &numeric[i + 1..] {
            if a.datetime != b.datetime || (a.col.own().is_none() && b.col.own().is_none()) {
                continue;
            }
            found.extend(order_pair(frame, a, b, sample));
        }
    }
    found.extend(year_differences(frame, numeric, sample));
    transitive_reduction(found, numeric, frame.rows)
}

/// Difference rules between the table's datetimes and a parent's whole-number column of years
/// read as their first instants: a student's terms start from the August of the year they
/// enrolled (`term_start - Jan 1 of students.enrolled_year in [212, 2030] days`), which no
/// rule between two datetimes says. Only the difference: an order with a year means nothing.
fn year_differences(frame: &Frame<'_>, numeric: &[Numeric<'_>], sample: &[usize]) -> Vec<RuleKind> {
    let years: Vec<Numeric<'_>> = (numeric.iter())
        .filter_map(|n| n.as_years(frame.rows))
        .collect();
    let mut found = Vec::new();
    for year in &years {
        for own in numeric
            .iter()
            .filter(|n| n.datetime && n.col.own().is_some())
        {
            let present = sample
                .iter()
                .filter(|&&row| year.at(row).is_some() && own.at(row).is_some());
            if present.count() < MIN_SUPPORT.min(sample.len()) {
                continue;
            }
            let gaps = (0..frame.rows).filter_map(|row| Some(own.at(row)? - year.at(row)?));
            let (n, min, max) = gaps
                .fold((0, f64::INFINITY, f64::NEG_INFINITY), |(n, lo, hi), g| {
                    (n + 1, lo.min(g), hi.max(g))
                });
            found.extend(difference(sample, (year, own), (n, min, max)));
        }
    }
    found
}

fn order_pair(
    frame: &Frame<'_>,
    a: &Numeric<'_>,
    b: &Numeric<'_>,
    sample: &[usize],
) -> Vec<RuleKind> {
    let diffs: Vec<f64> = sample
        .iter()
        .filter_map(|&row| Some(b.at(row)? - a.at(row)?))
        .collect();
    if diffs.len() < MIN_SUPPORT.min(sample.len()) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let allowed = (diffs.len() as f64 * 0.02) as usize;
    let below = diffs.iter().filter(|d| **d < 0.0).count();
    let above = diffs.iter().filter(|d| **d > 0.0).count();
    let (low, high) = if below <= allowed {
        (a, b)
    } else if above <= allowed {
        (b, a)
    } else {
        (a, b)
    };
    let oriented = below <= allowed || above <= allowed;
    let (mut n, mut broken, mut min_held, mut min, mut max) = (
        0usize,
        0usize,
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    let sample_span = diffs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - diffs.iter().copied().fold(f64::INFINITY, f64::min);
    let narrow_sample = sample_span <= 0.5 * a.range.min(b.range);
    if !oriented && !narrow_sample {
        return found;
    }
    for row in 0..frame.rows {
        let (Some(x), Some(y)) = (low.at(row), high.at(row)) else {
            continue;
        };
        let gap = y - x;
        n += 1;
        min = min.min(gap);
        max = max.max(gap);
        if gap < 0.0 {
            broken += 1;
        } else {
            min_held = min_held.min(gap);
        }
    }
    if oriented && (broken as f64) <= ORDER_TOLERANCE * n as f64 {
        let strict = min_held > 0.0;
        if significant(n, broken, order_chance(low, high, strict)) {
            found.push(RuleKind::Order {
                low: low.col.clone(),
                high: high.col.clone(),
                strict,
            });
        }
    }
    found.extend(difference(sample, (low, high), (n, min, max)));
    found
}

/// The rule `high - low in [min, max]` (the extremes of the `n` rows with both values), when
/// chance would not keep random pairings of rows in it: narrow against the columns' ranges,
/// or (datetimes) rarer than the order alone.
fn difference(
    sample: &[usize],
    (low, high): (&Numeric<'_>, &Numeric<'_>),
    (n, min, max): (usize, f64, f64),
) -> Option<RuleKind> {
    let narrow = max - min <= 0.5 * low.range.min(high.range);
    if !(narrow || low.datetime) {
        return None;
    }
    let chance = chance_rate(sample, |r, o| {
        let gap = high.at(o)? - low.at(r)?;
        Some(gap >= min && gap <= max)
    });
    let rare_by_chance =
        |h: f64| narrow || h <= WIDE_DIFFERENCE_CHANCE * in_order_chance(sample, (low, high), min);
    chance
        .is_some_and(|h| rare_by_chance(h) && significant(n, 0, h))
        .then(|| RuleKind::Difference {
            from: low.col.clone(),
            to: high.col.clone(),
            min,
            max,
            days: low.datetime,
            year: low.year,
        })
}

/// The largest share of the random pairings of rows in order that two datetimes' difference
/// may hold in for a difference wider than half their ranges to be a rule: an employee's hire
/// date is 18 to 63 years after the birth date, which one pairing in fifteen breaks (a minor
/// hired) though nearly all are in order, and that span is wider than the hire dates' range;
/// without the rule, 52 of 800 synthetic employees were hired before they were 18. A span
/// from 0 to the data's time window (an invoice's period within 1,034 days of its
/// subscription's start) says no more than the order, and its bounds only cap late rows
/// (invoices past their subscription's end 56 → 99 of 5,999). Narrow differences need no such
/// share.
const WIDE_DIFFERENCE_CHANCE: f64 = 0.95;

/// The share of random pairings of rows (`low` from one, `high` from another) in the order
/// the real rows keep where their gaps start at 0 or later (`high` not before `low`); 1 where
/// the real gaps go both ways.
fn in_order_chance(sample: &[usize], (low, high): (&Numeric<'_>, &Numeric<'_>), min: f64) -> f64 {
    if min < 0.0 {
        return 1.0;
    }
    chance_rate(sample, |r, o| Some(high.at(o)? - low.at(r)? >= 0.0)).unwrap_or(1.0)
}

/// The share of pairs of values (`low` from one row, `high` from any other) in order: what
/// the order would hold in by chance, exactly (both columns sorted, one merge).
fn order_chance(low: &Numeric<'_>, high: &Numeric<'_>, strict: bool) -> f64 {
    let (lows, highs) = (&low.sorted, &high.sorted);
    if lows.is_empty() || highs.is_empty() {
        return 1.0;
    }
    let mut below = 0usize;
    let mut in_order = 0usize;
    for y in highs {
        while below < lows.len() && (lows[below] < *y || (!strict && lows[below] == *y)) {
            below += 1;
        }
        in_order += below;
    }
    in_order as f64 / (lows.len() as f64 * highs.len() as f64)
}

/// Drops `a <= c` when `a <= b` and `b <= c` are rules too: it follows from them, but only
/// where `b` has a value. So a middle column empty in a row where `a` and `c` are not keeps the
/// rule: without it, a row whose middle is drawn empty would be free to break `a <= c`.
fn transitive_reduction(
    found: Vec<RuleKind>,
    numeric: &[Numeric<'_>],
    rows: usize,
) -> Vec<RuleKind> {
    let edges: HashSet<(Col, Col)> = found
        .iter()
        .filter_map(|kind| match kind {
            RuleKind::Order { low, high, .. } => Some((low.clone(), high.clone())),
            _ => None,
        })
        .collect();
    let middles: HashSet<&Col> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let column = |col: &Col| numeric.iter().find(|n| n.col == *col);
    let covers = |mid: &Col, low: &Col, high: &Col| match (column(mid), column(low), column(high)) {
        (Some(mid), Some(low), Some(high)) => {
            mid.sorted.len() == rows
                || (0..rows).all(|row| {
                    mid.at(row).is_some() || low.at(row).is_none() || high.at(row).is_none()
                })
        }
        _ => false,
    };
    found
        .into_iter()
        .filter(|kind| match kind {
            RuleKind::Order { low, high, .. } => !middles.iter().any(|mid| {
                *mid != low
                    && *mid != high
                    && edges.contains(&(low.clone(), (*mid).clone()))
                    && edges.contains(&((*mid).clone(), high.clone()))
                    && covers(mid, low, high)
            }),
            _ => true,
        })
        .collect()
}

/// Columns empty wherever another is: for each own column with empty cells (the first
/// [`MAX_PAIR_COLUMNS`] such), the columns empty in all its empty rows but
/// [`ORDER_TOLERANCE`] of them, where chance would leave them filled in many (`significant`,
/// the chance rate being the share of rows the other column is empty in).
fn empties(frame: &Frame<'_>) -> Vec<RuleKind> {
    let empty: Vec<(&String, Vec<u64>, usize)> = frame
        .columns
        .iter()
        .map(|column| {
            let mut bits = vec![0u64; frame.rows.div_ceil(64)];
            for (row, value) in column.values.iter().enumerate().take(frame.rows) {
                if value.is_null() {
                    bits[row / 64] |= 1 << (row % 64);
                }
            }
            let count = bits.iter().map(|word| word.count_ones() as usize).sum();
            (&column.name, bits, count)
        })
        .filter(|(_, _, count)| *count > 0)
        .take(MAX_PAIR_COLUMNS)
        .collect();
    let mut found = Vec::new();
    for (when, when_bits, support) in &empty {
        let allowed = (*support as f64 * ORDER_TOLERANCE) as usize;
        let then: Vec<String> = empty
            .iter()
            .filter(|(then, _, _)| then != when)
            .filter(|(_, then_bits, count)| {
                let mut broken = 0;
                for (w, t) in when_bits.iter().zip(then_bits) {
                    broken += (w & !t).count_ones() as usize;
                    if broken > allowed {
                        return false;
                    }
                }
                significant(*support, broken, *count as f64 / frame.rows as f64)
            })
            .map(|(then, _, _)| (*then).clone())
            .collect();
        if !then.is_empty() {
            found.push(RuleKind::Empty {
                when: (*when).clone(),
                then,
            });
        }
    }
    found
}

/// The own integer columns (name, column).
fn integers<'a>(frame: &Frame<'a>) -> Vec<Resolved<'a>> {
    frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical && c.format == ValueFormat::Integer)
        .map(Resolved::Own)
        .take(MAX_PAIR_COLUMNS)
        .collect()
}

fn distinct_count(column: Resolved<'_>, rows: usize) -> usize {
    let mut seen: HashSet<u64> = HashSet::new();
    for row in 0..rows {
        if let Some(x) = column.value(row).as_number() {
            seen.insert(x.to_bits());
        }
    }
    seen.len()
}

/// Integer columns that name a calendar day together: for each day column (1..31, some days
/// past the 28th), the first month column (1..12, up to November at least) and 4-digit year
/// column with which every row names a day, where taken apart they would break that in at
/// least [`MIN_BROKEN_DATES`] rows (31 April, 30 February).
fn dates(frame: &Frame<'_>) -> Vec<RuleKind> {
    let columns: Vec<(Resolved<'_>, (f64, f64))> = integers(frame)
        .into_iter()
        .filter_map(|column| Some((column, value_range(column, frame.rows)?)))
        .collect();
    let within = |low: f64, high: f64, wanted: (f64, f64, f64)| {
        low >= wanted.0 && high <= wanted.1 && high >= wanted.2
    };
    let of = |wanted: (f64, f64, f64)| {
        columns
            .iter()
            .filter(move |(_, (low, high))| within(*low, *high, wanted))
            .map(|(column, _)| *column)
    };
    let mut found = Vec::new();
    for day in of((1.0, 31.0, 29.0)) {
        let triple = of((1.0, 12.0, 11.0)).find_map(|month| {
            let year = of((1000.0, 9999.0, 1000.0)).find(|year| {
                is_calendar(*year, month, day, frame.rows)
                    && broken_by_chance(month, day, frame.rows) >= MIN_BROKEN_DATES
            })?;
            Some((year, month))
        });
        if let Some((year, month)) = triple
            && [year, month]
                .iter()
                .all(|c| c.column().name != day.column().name)
        {
            found.push(RuleKind::DateParts {
                year: year.column().name.clone(),
                month: month.column().name.clone(),
                day: day.column().name.clone(),
            });
        }
    }
    found
}

/// The rows a year, month and day rule needs chance to have broken (see [`dates`]).
const MIN_BROKEN_DATES: f64 = 5.0;

/// The smallest and largest value of a column (`None` without values).
fn value_range(column: Resolved<'_>, rows: usize) -> Option<(f64, f64)> {
    (0..rows)
        .filter_map(|row| column.value(row).as_number())
        .fold(None, |range, x| match range {
            None => Some((x, x)),
            Some((low, high)) => Some((x.min(low), x.max(high))),
        })
}

/// Whether every row with the three values set names a day, in at least [`MIN_SUPPORT`] rows.
fn is_calendar(year: Resolved<'_>, month: Resolved<'_>, day: Resolved<'_>, rows: usize) -> bool {
    let mut support = 0;
    for row in 0..rows {
        let values = [year, month, day].map(|c| c.value(row).as_number());
        let [Some(y), Some(m), Some(d)] = values else {
            continue;
        };
        if !super::measure::is_date(y, m, d) {
            return false;
        }
        support += 1;
    }
    support >= MIN_SUPPORT
}

/// The rows whose month and day, drawn apart (each from its own real values), would name no
/// day: the days past each month's end (in a leap year), weighed by how often each is seen.
fn broken_by_chance(month: Resolved<'_>, day: Resolved<'_>, rows: usize) -> f64 {
    let (mut months, mut days) = ([0.0f64; 13], [0.0f64; 32]);
    let mut both = 0.0f64;
    for row in 0..rows {
        let (m, d) = (month.value(row).as_number(), day.value(row).as_number());
        let (Some(m), Some(d)) = (m, d) else { continue };
        months[(m as usize).min(12)] += 1.0;
        days[(d as usize).min(31)] += 1.0;
        both += 1.0;
    }
    let mut broken = 0.0;
    for (m, &month_rows) in months.iter().enumerate().skip(1) {
        let last = super::local_time::days_in_month(2000.0, m as f64).unwrap_or(31.0) as usize;
        let past_the_end: f64 = days.iter().skip(last + 1).sum();
        broken += month_rows * past_the_end / both.max(1.0);
    }
    broken
}

/// Integer columns holding HHMM clock times.
fn clock_times(frame: &Frame<'_>, min_count: usize) -> Vec<RuleKind> {
    integers(frame)
        .into_iter()
        .filter(|column| is_clock_column(*column, frame.rows))
        .map(|column| RuleKind::ClockTime {
            column: column.column().name.clone(),
            midnight_2400: midnight_is_2400(column, frame.rows),
            common: common_clock_times(column, frame.rows, min_count),
        })
        .collect()
}

/// The clock times of a column seen at least `min_count` times, sorted.
fn common_clock_times(column: Resolved<'_>, rows: usize, min_count: usize) -> Vec<f64> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for row in 0..rows {
        if let Some(x) = column.value(row).as_number().filter(|x| is_clock_time(*x)) {
            *counts.entry(x as i64).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, count)| *count >= min_count.max(1))
        .map(|(time, _)| time as f64)
        .collect()
}

/// Every value a clock time, spread over at least 3 hours, and no coincidence (a number in
/// 0..2400 passes for a clock time 60% of the time), with minutes that reach the second half
/// of the hour or are all on the hour: a hotel's room numbers (101 to 112 on every floor)
/// pass every other test, but no clock keeps to the first minutes of each hour.
fn is_clock_column(column: Resolved<'_>, rows: usize) -> bool {
    let mut hours = HashSet::new();
    let (mut n, mut late_minutes, mut off_the_hour) = (0, false, false);
    for row in 0..rows {
        if let Some(x) = column.value(row).as_number() {
            if !is_clock_time(x) {
                return false;
            }
            hours.insert((x / 100.0).floor() as i64);
            let minutes = x.rem_euclid(100.0);
            late_minutes |= minutes >= 30.0;
            off_the_hour |= minutes != 0.0;
            n += 1;
        }
    }
    hours.len() >= 3
        && hours.iter().any(|h| *h >= 1)
        && (late_minutes || !off_the_hour)
        && significant(n, 0, 0.6)
}

fn midnight_is_2400(column: Resolved<'_>, rows: usize) -> bool {
    let (mut zero, mut full) = (0, 0);
    for row in 0..rows {
        match column.value(row).as_number() {
            Some(0.0) => zero += 1,
            Some(2400.0) => full += 1,
            _ => {}
        }
    }
    full >= zero
}

/// `t = s // k` and `t = s % k` for k in 10, 100, 1000.
fn arithmetic(frame: &Frame<'_>, sample: &[usize]) -> Vec<RuleKind> {
    let columns = integers(frame);
    let distinct: Vec<usize> = columns
        .iter()
        .map(|c| distinct_count(*c, frame.rows))
        .collect();
    let mut found = Vec::new();
    for (s, source) in columns.iter().enumerate() {
        for (t, target) in columns.iter().enumerate() {
            if s == t || distinct[t] < 2 || distinct[t] >= distinct[s] {
                continue;
            }
            'ops: for divisor in [10i64, 100, 1000] {
                for op in [IntOp::Div, IntOp::Rem] {
                    let apply = |x: f64| {
                        let x = x.round() as i64;
                        (match op {
                            IntOp::Div => x.div_euclid(divisor),
                            IntOp::Rem => x.rem_euclid(divisor),
                        }) as f64
                    };
                    let check = |r: usize, o: usize| {
                        Some(target.value(o).as_number()? == apply(source.value(r).as_number()?))
                    };
                    if !mostly(sample, |row| check(row, row)) {
                        continue;
                    }
                    let kind = RuleKind::Arithmetic {
                        target: target.column().name.clone(),
                        source: source.column().name.clone(),
                        op,
                        divisor,
                    };
                    if accepted(&kind, frame, sample, check) {
                        found.push(kind);
                        break 'ops;
                    }
                }
            }
        }
    }
    found
}

/// Whether a check holds in the sample but for 1% (and at least on 10 rows).
fn mostly(sample: &[usize], mut check: impl FnMut(usize) -> Option<bool>) -> bool {
    let (mut n, mut held) = (0usize, 0usize);
    for &row in sample {
        if let Some(holds) = check(row) {
            n += 1;
            held += usize::from(holds);
        }
    }
    n >= 10.min(sample.len()) && n > 0 && (n - held) as f64 <= 0.01 * n as f64 + 1.0
}

/// Whether a determined-column rule holds on every row but the tolerance and is no
/// coincidence (`check(row, other)`: the rule with the determined value from row `other`).
fn accepted(
    kind: &RuleKind,
    frame: &Frame<'_>,
    sample: &[usize],
    check: impl FnMut(usize, usize) -> Option<bool>,
) -> bool {
    let Some(Adherence { support, holding }) = measure(kind, frame) else {
        return false;
    };
    let tolerance = if matches!(kind, RuleKind::Lookup { .. }) {
        0.0
    } else {
        FUNCTION_TOLERANCE
    };
    (support - holding) as f64 <= tolerance * support as f64
        && chance_rate(sample, check).is_some_and(|h| significant(support, support - holding, h))
}

/// The numeric columns tried as terms of sums and products: the first ones of the table with
/// two values at least.
fn terms<'f>(frame: &Frame<'f>) -> Vec<Resolved<'f>> {
    frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical)
        .map(Resolved::Own)
        .filter(|c| distinct_count(*c, frame.rows.min(SAMPLE * 4)) >= 2)
        .take(MAX_SUM_COLUMNS)
        .collect()
}

/// `total = a + b` among the first numeric columns, and `t = clock(a + b)` for HHMM times.
fn sums(frame: &Frame<'_>, sample: &[usize]) -> Vec<RuleKind> {
    let columns = terms(frame);
    let clock: Vec<bool> = columns
        .iter()
        .map(|c| is_clock_column(*c, frame.rows))
        .collect();
    let head: Vec<usize> = sample.iter().copied().take(64).collect();
    let mut found = Vec::new();
    for (t, total) in columns.iter().enumerate() {
        for (i, a) in columns.iter().enumerate() {
            for (j, b) in columns.iter().enumerate() {
                if t == i || t == j || i == j {
                    continue;
                }
                let is_clock = clock[t] && clock[i] && !clock[j];
                if !is_clock && (i > j || clock[t]) {
                    continue;
                }
                let kind = RuleKind::Sum {
                    total: total.column().name.clone(),
                    a: a.column().name.clone(),
                    b: b.column().name.clone(),
                    clock: is_clock,
                    c: None,
                };
                let tolerance = 0.5
                    * [total, a, b]
                        .iter()
                        .map(|c| unit(c.column()))
                        .filter(|u| *u > 0.0)
                        .fold(1.0, f64::min);
                let check = |r: usize, o: usize| {
                    let (x, y, z) = (
                        total.value(o).as_number()?,
                        a.value(r).as_number()?,
                        b.value(r).as_number()?,
                    );
                    Some(if is_clock {
                        ((clock_minutes(y) + z - clock_minutes(x)).round() as i64).rem_euclid(1440)
                            == 0
                    } else {
                        (x - y - z).abs() <= tolerance
                    })
                };
                if mostly(&head, |row| check(row, row)) && accepted(&kind, frame, sample, check) {
                    found.push(kind);
                }
            }
        }
    }
    found
}

/// `amount = unit(to - from)`: a number of the first numeric columns that counts the seconds,
/// minutes, hours, days or weeks between two datetimes of the row.
fn elapsed(frame: &Frame<'_>, sample: &[usize]) -> Vec<RuleKind> {
    let datetimes: Vec<Resolved<'_>> = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Datetime)
        .map(Resolved::Own)
        .take(MAX_SUM_COLUMNS)
        .collect();
    if datetimes.len() < 2 {
        return Vec::new();
    }
    let head: Vec<usize> = sample.iter().copied().take(64).collect();
    let mut found = Vec::new();
    for amount in terms(frame) {
        for (from, to) in ordered_pairs(&datetimes) {
            let unit = TimeUnit::ALL.into_iter().find(|&unit| {
                let tolerance = elapsed_tolerance(Some(amount.column()), unit);
                let seconds = unit.seconds();
                let check = |r: usize, o: usize| {
                    let (n, a, b) = (
                        amount.value(o).as_number()?,
                        from.value(r).as_number()?,
                        to.value(r).as_number()?,
                    );
                    Some((b - a - n * seconds).abs() <= tolerance)
                };
                let kind = elapsed_kind((amount, from, to), unit);
                mostly(&head, |row| check(row, row)) && accepted(&kind, frame, sample, check)
            });
            if let Some(unit) = unit {
                found.push(elapsed_kind((amount, from, to), unit));
                break;
            }
        }
    }
    found
}

/// Every pair of two different columns, both ways round.
fn ordered_pairs<'c, 'f>(
    columns: &'c [Resolved<'f>],
) -> impl Iterator<Item = (Resolved<'f>, Resolved<'f>)> + 'c {
    let indices = (0..columns.len()).flat_map(|i| (0..columns.len()).map(move |j| (i, j)));
    indices
        .filter(|(i, j)| i != j)
        .map(|(i, j)| (columns[i], columns[j]))
}

/// The elapsed-time rule of an (amount, from, to) triple.
fn elapsed_kind(
    (amount, from, to): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    unit: TimeUnit,
) -> RuleKind {
    RuleKind::Elapsed {
        amount: amount.column().name.clone(),
        from: from.column().name.clone(),
        to: to.column().name.clone(),
        unit,
    }
}

/// `total = a + b + c` among the first numeric columns, for a total no rule found so far
/// works out (a sum of three implied by sums of two is left to them): TPC-DS's returns are
/// refunded in cash, reversed on a card and given as credit, which add up to the amount
/// returned; drawn apart, none of 2,810 store returns added up.
fn sums_of_three(frame: &Frame<'_>, sample: &[usize], earlier: &[RuleKind]) -> Vec<RuleKind> {
    let columns: Vec<Resolved<'_>> = terms(frame)
        .into_iter()
        .filter(|c| !is_clock_column(*c, frame.rows))
        .collect();
    let head: Vec<usize> = sample.iter().copied().take(64).collect();
    let numbers: Vec<Vec<Option<f64>>> = columns
        .iter()
        .map(|c| head.iter().map(|&row| c.value(row).as_number()).collect())
        .collect();
    let units: Vec<f64> = columns.iter().map(|c| unit(c.column())).collect();
    let determined: HashSet<&str> = earlier.iter().filter_map(determined_column).collect();
    let mut found = Vec::new();
    for (t, total) in columns.iter().enumerate() {
        if determined.contains(total.column().name.as_str()) {
            continue;
        }
        let n = columns.len();
        for (i, j, k) in
            (0..n).flat_map(|i| (i + 1..n).flat_map(move |j| (j + 1..n).map(move |k| (i, j, k))))
        {
            if [i, j, k].contains(&t) {
                continue;
            }
            let tolerance = 0.5
                * [t, i, j, k]
                    .iter()
                    .map(|&c| units[c])
                    .filter(|u| *u > 0.0)
                    .fold(1.0, f64::min);
            if !adds_up_on_head(&numbers, (t, [i, j, k]), tolerance) {
                continue;
            }
            let name = |c: usize| columns[c].column().name.clone();
            let kind = RuleKind::Sum {
                total: name(t),
                a: name(i),
                b: name(j),
                clock: false,
                c: Some(name(k)),
            };
            let check = |r: usize, o: usize| {
                let x = total.value(o).as_number()?;
                let mut sum = 0.0;
                for c in [i, j, k] {
                    sum += columns[c].value(r).as_number()?;
                }
                Some((x - sum).abs() <= tolerance)
            };
            if accepted(&kind, frame, sample, check) {
                found.push(kind);
                break;
            }
        }
    }
    found
}

/// Whether `total = a + b + c` holds on the head rows' `numbers` as [`mostly`] asks (at
/// least 10 rows with all four, one in a hundred off and one more), with a total other than
/// 0 in 5 of them at least (columns of zeros add up in every triple), leaving as soon as too
/// many rows are off for any count: most of the many triples fail on their first rows.
fn adds_up_on_head(
    numbers: &[Vec<Option<f64>>],
    (total, terms): (usize, [usize; 3]),
    tolerance: f64,
) -> bool {
    let (mut n, mut off, mut nonzero) = (0usize, 0usize, 0usize);
    for (row, x) in numbers[total].iter().enumerate() {
        let sum = terms.iter().map(|&c| numbers[c][row]).sum::<Option<f64>>();
        let (Some(x), Some(sum)) = (x, sum) else {
            continue;
        };
        n += 1;
        nonzero += usize::from(x.abs() > tolerance);
        if (x - sum).abs() > tolerance {
            off += 1;
            if off as f64 > 0.01 * numbers[total].len() as f64 + 1.0 {
                return false;
            }
        }
    }
    n >= 10.min(numbers[total].len())
        && n > 0
        && nonzero >= 5.min(n)
        && off as f64 <= 0.01 * n as f64 + 1.0
}

/// `total = a × b` among the first numeric columns (TPC-DS's `ss_ext_sales_price =
/// ss_quantity × ss_sales_price`), on the total's grid.
fn products(frame: &Frame<'_>, sample: &[usize]) -> Vec<RuleKind> {
    let columns = terms(frame);
    let head: Vec<usize> = sample.iter().copied().take(64).collect();
    let mut found = Vec::new();
    for (t, total) in columns.iter().enumerate() {
        let step = unit(total.column());
        let tolerance = if step > 0.0 { 0.5 * step } else { 1e-9 };
        for (i, a) in columns.iter().enumerate() {
            for (j, b) in columns.iter().enumerate().skip(i + 1) {
                if t == i || t == j {
                    continue;
                }
                let check = |r: usize, o: usize| {
                    let x = total.value(o).as_number()?;
                    let product = a.value(r).as_number()? * b.value(r).as_number()?;
                    Some((x - product).abs() <= tolerance.max(1e-9 * x.abs()))
                };
                if !mostly(&head, |row| check(row, row)) {
                    continue;
                }
                let kind = RuleKind::Product {
                    total: total.column().name.clone(),
                    a: a.column().name.clone(),
                    b: b.column().name.clone(),
                };
                if accepted(&kind, frame, sample, check) {
                    found.push(kind);
                }
            }
        }
    }
    found
}

/// Columns that are calendar functions of a datetime column.
fn calendars(frame: &Frame<'_>, sample: &[usize], min_count: usize) -> Vec<RuleKind> {
    let dates: Vec<Resolved<'_>> = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Datetime)
        .map(Resolved::Own)
        .take(MAX_PAIR_COLUMNS)
        .collect();
    let targets: Vec<Resolved<'_>> = frame
        .columns
        .iter()
        .filter(|c| {
            (c.kind == ColumnKind::Numerical && c.format == ValueFormat::Integer)
                || matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean)
        })
        .map(Resolved::Own)
        .take(MAX_PAIR_COLUMNS)
        .collect();
    let parts: Vec<Vec<Option<[i64; 16]>>> = dates
        .iter()
        .map(|source| {
            (0..frame.rows)
                .map(|row| source.value(row).as_number().and_then(Part::all_of))
                .collect()
        })
        .collect();
    // Per datetime, the sample rows without one (they can hide some of a target's values) and
    // the most distinct values of any of its parts on the sample.
    let spread: Vec<(usize, usize)> = parts
        .iter()
        .map(|parts| {
            let undated = sample.iter().filter(|&&row| parts[row].is_none()).count();
            let most = (0..Part::ALL.len())
                .map(|index| {
                    let mut keys: Vec<i64> = sample
                        .iter()
                        .filter_map(|&row| Some(parts[row]?[index]))
                        .collect();
                    keys.sort_unstable();
                    keys.dedup();
                    keys.len()
                })
                .max()
                .unwrap_or(0);
            (undated, most)
        })
        .collect();
    let mut found = Vec::new();
    for target in &targets {
        let on_sample = SampleValues::of(*target, sample);
        'target: for ((source, parts), spread) in dates.iter().zip(&parts).zip(&spread) {
            if !on_sample.may_follow(*spread) {
                continue;
            }
            for part in Part::ALL {
                let index = part.index();
                let key = |row: usize| parts[row].map(|all| all[index]);
                let Some(mapping) = sample_mapping(&on_sample, &key, sample) else {
                    continue;
                };
                let mapping = match mapping {
                    Mapping::Table(_) => match fit_calendar(*target, &key, frame.rows, min_count) {
                        Some(mapping) => mapping,
                        None => continue,
                    },
                    mapping => mapping,
                };
                let check = |r: usize, o: usize| {
                    let key = key(r)?;
                    let expected = calendar_value(part, &mapping, key)?;
                    let value = target.value(o);
                    (!value.is_null()).then(|| super::measure::same(value, &expected))
                };
                let (support, holding) =
                    calendar_holding((*target, frame.rows), &key, (part, &mapping));
                let within = (support - holding) as f64 <= FUNCTION_TOLERANCE * support as f64;
                if within
                    && chance_rate(sample, check)
                        .is_some_and(|h| significant(support, support - holding, h))
                {
                    // A status that turns on a given day within a month breaks a month's lookup
                    // in the rows of that month: steps by the day then hold in more rows.
                    let day = |row: usize| parts[row].map(|all| all[Part::DaySeq.index()]);
                    let by_day = (
                        Part::DaySeq,
                        fit_steps(*target, &day, frame.rows, min_count),
                    );
                    let (part, mapping) = match by_day {
                        (day_seq, Some(steps))
                            if holding < support
                                && calendar_holding(
                                    (*target, frame.rows),
                                    &day,
                                    (day_seq, &steps),
                                )
                                .1 > holding =>
                        {
                            (day_seq, steps)
                        }
                        _ => (part, mapping),
                    };
                    found.push(RuleKind::Calendar {
                        target: target.column().name.clone(),
                        source: source.column().name.clone(),
                        part,
                        mapping,
                    });
                    break 'target;
                }
            }
        }
    }
    found
}

/// The rows of `target` (of `rows`) with a value and a key (`key_of`), and of those the rows
/// whose value is the one `part` and `mapping` give their key.
fn calendar_holding(
    (target, rows): (Resolved<'_>, usize),
    key_of: &dyn Fn(usize) -> Option<i64>,
    (part, mapping): (Part, &Mapping),
) -> (usize, usize) {
    let (mut support, mut holding) = (0usize, 0usize);
    for row in 0..rows {
        let value = target.value(row);
        let Some(key) = key_of(row).filter(|_| !value.is_null()) else {
            continue;
        };
        support += 1;
        let expected = calendar_value(part, mapping, key);
        holding += usize::from(expected.is_some_and(|e| super::measure::same(value, &e)));
    }
    (support, holding)
}

/// The most values a target taking turns along the days may have ([`Mapping::Steps`]).
const MAX_STEPS: usize = 8;

/// Steps of a target's values along its rows' days (`day_of`): the rows sorted by day, each run
/// of one value a step from about its first day ([`halfway`]). A run of fewer than `min_count`
/// rows (a quirk, or a value too rare to name) is taken as its neighbours' value, and steps of
/// one value on both sides of it are one. `None` with more than [`MAX_STEPS`] steps, or one
/// step only.
fn fit_steps(
    target: Resolved<'_>,
    day_of: &dyn Fn(usize) -> Option<i64>,
    rows: usize,
    min_count: usize,
) -> Option<Mapping> {
    let mut dated: Vec<(i64, usize)> = (0..rows)
        .filter(|&row| !target.value(row).is_null())
        .filter_map(|row| Some((day_of(row)?, row)))
        .collect();
    dated.sort_unstable();
    let mut steps: Vec<(i64, Value)> = Vec::new();
    let mut last_day = None;
    for run in dated.chunk_by(|a, b| target.value(a.1) == target.value(b.1)) {
        let value = target.value(run[0].1);
        let follows = steps.last().is_some_and(|(_, last)| last == value);
        if run.len() >= min_count.max(1) && !follows {
            if steps.len() == MAX_STEPS {
                return None;
            }
            steps.push((halfway(last_day, run[0].0), value.clone()));
        }
        last_day = run.last().map(|(day, _)| *day);
    }
    (steps.len() > 1).then_some(Mapping::Steps(steps))
}

/// Where a step begins: the day halfway from the last real row before it (`last`) to its
/// first (`first`; rounded up), so that no step names a real row's day where days lie apart;
/// the first step from the earliest day of all.
fn halfway(last: Option<i64>, first: i64) -> i64 {
    match last {
        Some(last) => last + (first - last + 1) / 2,
        None => i64::MIN,
    }
}

/// Of (key, value) pairs sorted by key then value: the number of keys, and the rows off their
/// key's most common value (what a key that determined its value would have none of).
fn keys_and_conflicts<T, K: PartialEq, V: PartialEq>(
    sorted: &[T],
    key: impl Fn(&T) -> K,
    value: impl Fn(&T) -> V,
) -> (usize, usize) {
    let (mut keys, mut conflicts) = (0usize, 0usize);
    for group in sorted.chunk_by(|a, b| key(a) == key(b)) {
        keys += 1;
        let most = group
            .chunk_by(|a, b| value(a) == value(b))
            .map(<[_]>::len)
            .max();
        conflicts += group.len() - most.unwrap_or(0);
    }
    (keys, conflicts)
}

/// The number of distinct codes among `codes` (each below `bound`).
fn distinct_codes(codes: impl Iterator<Item = u32>, bound: usize) -> usize {
    let mut seen = vec![0u64; bound / 64 + 1];
    let mut distinct = 0;
    for code in codes {
        let (word, bit) = (code as usize / 64, 1u64 << (code % 64));
        if let Some(word) = seen.get_mut(word)
            && *word & bit == 0
        {
            *word |= bit;
            distinct += 1;
        }
    }
    distinct
}

/// A target column's values on the sample rows: codes (equal values, equal codes) and numbers,
/// worked out once for every (datetime, part) it is screened against (a table of 250 integer
/// and 250 date columns hashed its values 900,000 times over: 45 s).
struct SampleValues {
    codes: Vec<Option<u32>>,
    numbers: Vec<Option<f64>>,
}

impl SampleValues {
    fn of(column: Resolved<'_>, sample: &[usize]) -> SampleValues {
        SampleValues {
            codes: sample_codes(column, sample),
            numbers: sample
                .iter()
                .map(|&row| column.value(row).as_number())
                .collect(),
        }
    }

    /// Whether some part of a datetime could pass [`sample_mapping`], given the datetime's
    /// sample rows without a value (`undated`) and the most distinct values of any of its parts
    /// (`keys`). A target following a part (by an offset or a table) has at most one value per
    /// key besides the rows allowed off it, and all but `undated` of its values are on rows
    /// with a key: a target of 400 values follows no part of a date of 28 days.
    fn may_follow(&self, (undated, keys): (usize, usize)) -> bool {
        let present = self.codes.iter().flatten().count();
        let values = distinct_codes(self.codes.iter().flatten().copied(), self.codes.len());
        let allowed = present / 100 + 1;
        values.saturating_sub(undated + keys) <= allowed
    }
}

/// On the sample: an offset when the target is a number that many units from the part, a
/// (trial) table when the part determines the target, else `None`.
fn sample_mapping(
    target: &SampleValues,
    key_of: &dyn Fn(usize) -> Option<i64>,
    sample: &[usize],
) -> Option<Mapping> {
    // (key, value's code, place in the sample)
    let mut pairs: Vec<(i64, u32, usize)> = Vec::new();
    for (at, &row) in sample.iter().enumerate() {
        let Some(code) = target.codes[at] else {
            continue;
        };
        if let Some(key) = key_of(row) {
            pairs.push((key, code, at));
        }
    }
    // A target the sample shows one value of says nothing (and would fit every part).
    if pairs.len() < 10.min(sample.len()) || pairs.iter().all(|p| p.1 == pairs[0].1) {
        return None;
    }
    let allowed = pairs.len() / 100 + 1;
    if let Some(first) = target.numbers[pairs[0].2] {
        let offset = first.round() as i64 - pairs[0].0;
        let off = pairs
            .iter()
            .filter(|(key, _, at)| target.numbers[*at] != Some((key + offset) as f64))
            .count();
        if off <= allowed {
            return Some(Mapping::Offset(offset));
        }
    }
    // Each key keeps one value, so at least `values - keys` rows are off it, and a trial table
    // has at most half as many keys as rows: a target of more values than that fits no part
    // (the sort below is what most screens cost).
    let values = distinct_codes(pairs.iter().map(|p| p.1), sample.len());
    if values.saturating_sub(pairs.len() / 2) > allowed {
        return None;
    }
    pairs.sort_unstable();
    // Rows off each key's most common value (not its first: the first row may be a quirk).
    let (keys, conflicts) = keys_and_conflicts(&pairs, |p| p.0, |p| p.1);
    // A table as large as the sample says nothing: every key was seen once.
    (conflicts <= allowed && keys * 2 <= pairs.len()).then(|| Mapping::Table(BTreeMap::new()))
}

/// The offset or lookup table that best maps the part to the target on every row.
fn fit_calendar(
    target: Resolved<'_>,
    key_of: &dyn Fn(usize) -> Option<i64>,
    rows: usize,
    min_count: usize,
) -> Option<Mapping> {
    let mut offsets: HashMap<i64, usize> = HashMap::new();
    let mut by_key: HashMap<i64, HashMap<ValueKey, (usize, Value)>> = HashMap::new();
    let mut numeric = true;
    for row in 0..rows {
        let value = target.value(row);
        if value.is_null() {
            continue;
        }
        let Some(key) = key_of(row) else {
            continue;
        };
        match value.as_number() {
            Some(x) if x.fract() == 0.0 => *offsets.entry(x as i64 - key).or_default() += 1,
            _ => numeric = false,
        }
        let entry = by_key.entry(key).or_default();
        if entry.len() > 8 {
            return None;
        }
        entry
            .entry(ValueKey::of(value))
            .or_insert((0, value.clone()))
            .0 += 1;
    }
    if numeric {
        let total: usize = offsets.values().sum();
        if let Some((offset, count)) = offsets.iter().max_by_key(|(o, c)| (**c, -**o))
            && *count as f64 >= (1.0 - FUNCTION_TOLERANCE) * total as f64
        {
            return Some(Mapping::Offset(*offset));
        }
    }
    if by_key.len() > MAX_KEYS {
        return None;
    }
    let table: BTreeMap<i64, Value> = by_key
        .into_iter()
        .filter_map(|(key, values)| {
            let (count, value) = majority(values)?;
            (count >= min_count).then_some((key, value))
        })
        .collect();
    (!table.is_empty()).then_some(Mapping::Table(table))
}

/// A lookup table: (key, value) pairs sorted by key.
type LookupTable = Vec<(Value, Value)>;

/// How often each value was seen (with the value).
type Counts<'a> = HashMap<ValueKey<'a>, (usize, Value)>;

/// The most frequent value with its count; on a tie, the value sorting first, so that the
/// rule found does not depend on the hash map's order (which differs from run to run).
fn majority(values: Counts<'_>) -> Option<(usize, Value)> {
    values
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)))
        .map(|(_, counted)| counted)
}

/// A column determined by another through a lookup table (categorical, boolean or integer
/// columns of at most [`MAX_KEYS`] values), when no other rule determines it already.
fn lookups(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    earlier: &[RuleKind],
) -> Vec<RuleKind> {
    let determined: HashSet<&str> = earlier.iter().filter_map(determined_column).collect();
    let columns: Vec<(Resolved<'_>, usize)> = frame
        .columns
        .iter()
        .filter(|c| {
            matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean)
                || (c.kind == ColumnKind::Numerical && c.format == ValueFormat::Integer)
        })
        .map(Resolved::Own)
        .map(|c| (c, distinct_labels(c, frame.rows)))
        .filter(|(_, distinct)| (2..=MAX_KEYS).contains(distinct))
        .take(MAX_PAIR_COLUMNS)
        .collect();
    let codes: Vec<Vec<Option<u32>>> = columns
        .iter()
        .map(|(column, _)| sample_codes(*column, sample))
        .collect();
    let mut found = Vec::new();
    for ((source, source_distinct), source_codes) in columns.iter().zip(&codes) {
        for ((target, target_distinct), target_codes) in columns.iter().zip(&codes) {
            let name = &target.column().name;
            if source.column().name == *name
                || determined.contains(name.as_str())
                || target_distinct > source_distinct
                || !sample_function(source_codes, target_codes)
            {
                continue;
            }
            let Some((table, support, both)) =
                exact_lookup(*target, *source, frame.rows, min_count)
            else {
                continue;
            };
            if table.len() < 2 || (support as f64) < 0.9 * both as f64 {
                continue;
            }
            let kind = RuleKind::Lookup {
                target: name.clone(),
                source: source.column().name.clone(),
                table,
            };
            let RuleKind::Lookup { table, .. } = &kind else {
                continue;
            };
            let check = |r: usize, o: usize| {
                let expected = super::measure::lookup(table, source.value(r))?;
                let value = target.value(o);
                (!value.is_null()).then(|| super::measure::same(value, expected))
            };
            if chance_rate(sample, check).is_some_and(|h| significant(support, 0, h)) {
                found.push(kind);
            }
        }
    }
    found
}

fn distinct_labels(column: Resolved<'_>, rows: usize) -> usize {
    let mut seen: HashSet<ValueKey> = HashSet::new();
    for row in 0..rows {
        let value = column.value(row);
        if !value.is_null() {
            seen.insert(ValueKey::of(value));
            if seen.len() > MAX_KEYS {
                break;
            }
        }
    }
    seen.len()
}

/// The values of a column on the sample rows as codes (equal values, equal codes; `None` for
/// null), so that each pair of columns is screened by sorting numbers instead of hashing
/// values: a table of 250 integer columns spent 48 s hashing them pair by pair.
fn sample_codes(column: Resolved<'_>, sample: &[usize]) -> Vec<Option<u32>> {
    let mut seen: HashMap<ValueKey, u32> = HashMap::new();
    sample
        .iter()
        .map(|&row| {
            let value = column.value(row);
            let next = seen.len() as u32;
            (!value.is_null()).then(|| *seen.entry(ValueKey::of(value)).or_insert(next))
        })
        .collect()
}

/// Whether, on the sample (the codes of [`sample_codes`]), `source` determines `target` and
/// repeats its keys (a source seen once per row would "determine" anything).
fn sample_function(source: &[Option<u32>], target: &[Option<u32>]) -> bool {
    let mut pairs: Vec<(u32, u32)> = source
        .iter()
        .zip(target)
        .filter_map(|(s, t)| Some(((*s)?, (*t)?)))
        .collect();
    let n = pairs.len();
    pairs.sort_unstable();
    let (keys, conflicts) = keys_and_conflicts(&pairs, |p| p.0, |p| p.1);
    n >= 10.min(source.len()) && conflicts as f64 <= 0.01 * n as f64 && keys * 4 <= n
}

/// When `source` determines `target` in every row (else `None`): the lookup table of the
/// keys seen at least `min_count` times (sorted), the rows it covers, and the rows with both
/// values.
fn exact_lookup(
    target: Resolved<'_>,
    source: Resolved<'_>,
    rows: usize,
    min_count: usize,
) -> Option<(LookupTable, usize, usize)> {
    let mut by_key: HashMap<ValueKey, (Value, ValueKey, Value, usize)> = HashMap::new();
    let mut both = 0;
    for row in 0..rows {
        let (s, t) = (source.value(row), target.value(row));
        if s.is_null() || t.is_null() {
            continue;
        }
        both += 1;
        let t_key = ValueKey::of(t);
        match by_key.get_mut(&ValueKey::of(s)) {
            Some(entry) if entry.1 != t_key => return None,
            Some(entry) => entry.3 += 1,
            None => {
                by_key.insert(ValueKey::of(s), (s.clone(), t_key, t.clone(), 1));
                if by_key.len() > MAX_KEYS {
                    return None;
                }
            }
        }
    }
    let mut support = 0;
    let mut table: Vec<(Value, Value)> = by_key
        .into_values()
        .filter(|entry| entry.3 >= min_count)
        .map(|(key, _, value, count)| {
            support += count;
            (key, value)
        })
        .collect();
    table.sort_by(|a, b| a.0.order(&b.0));
    Some((table, support, both))
}

/// The majority value of `target` for every value of `source` seen at least `min_count`
/// times, sorted by key; and the number of rows with both values.
fn fit_lookup(
    target: Resolved<'_>,
    source: Resolved<'_>,
    rows: usize,
    min_count: usize,
) -> (Vec<(Value, Value)>, usize) {
    let mut by_key: HashMap<ValueKey, (Value, Counts)> = HashMap::new();
    let mut n = 0;
    for row in 0..rows {
        let (s, t) = (source.value(row), target.value(row));
        if s.is_null() || t.is_null() {
            continue;
        }
        n += 1;
        let entry = by_key
            .entry(ValueKey::of(s))
            .or_insert_with(|| (s.clone(), HashMap::new()));
        entry.1.entry(ValueKey::of(t)).or_insert((0, t.clone())).0 += 1;
        if by_key.len() > MAX_KEYS {
            return (Vec::new(), n);
        }
    }
    let mut table: Vec<(Value, Value)> = by_key
        .into_values()
        .filter_map(|(key, values)| {
            let total: usize = values.values().map(|(count, _)| count).sum();
            let (count, value) = majority(values)?;
            (total >= min_count && count >= min_count).then_some((key, value))
        })
        .collect();
    table.sort_by(|a, b| a.0.order(&b.0));
    (table, n)
}

/// Child columns equal to the parent's column of the same type.
fn copies(frame: &Frame<'_>, sample: &[usize]) -> Vec<RuleKind> {
    let copy = |column, parent| RuleKind::CopyParent { column, parent };
    copies_with(frame, sample, &|_| false, &copy)
}

/// Child columns equal to a column of the same type of the row the assigned foreign key `key`
/// points at (the frame's parent): [`RuleKind::KeyedCopy`], for columns no rule in `taken`
/// determines already. The same support and chance tests as a copy of the sequence's parent.
pub fn keyed_copies(frame: &Frame<'_>, key: &str, taken: &[&Rule]) -> Vec<Rule> {
    let determined: HashSet<&str> = taken
        .iter()
        .filter_map(|rule| determined_column(&rule.kind))
        .collect();
    let copy = |column, parent| RuleKind::KeyedCopy {
        column,
        key: key.to_string(),
        parent,
    };
    let skip = |name: &str| determined.contains(name);
    copies_with(frame, &sample_rows(frame.rows), &skip, &copy)
        .into_iter()
        .filter_map(|kind| finish(kind, frame, Origin::Found))
        .collect()
}

/// Own columns (but those `skip` names) equal to a parent's column of the same type, each
/// made a rule by `make` (own column, parent column).
fn copies_with(
    frame: &Frame<'_>,
    sample: &[usize],
    skip: &dyn Fn(&str) -> bool,
    make: &dyn Fn(String, Col) -> RuleKind,
) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for own in frame.columns.iter().take(MAX_PAIR_COLUMNS) {
        if skip(&own.name) {
            continue;
        }
        let same_kind = parent.columns.iter().filter(|c| c.kind == own.kind);
        for theirs in same_kind.take(MAX_PAIR_COLUMNS) {
            let col = Col::Parent {
                table: parent.table.to_string(),
                column: theirs.name.clone(),
            };
            let (Some(child), Some(parent_column)) = (
                frame.resolve(&Col::Own(own.name.clone())),
                frame.resolve(&col),
            ) else {
                continue;
            };
            let check = |r: usize, o: usize| {
                let (x, y) = (child.value(o), parent_column.value(r));
                (!x.is_null() && !y.is_null()).then(|| super::measure::same(x, y))
            };
            if !mostly(sample, |row| check(row, row)) {
                continue;
            }
            let kind = make(own.name.clone(), col);
            if accepted(&kind, frame, sample, check) {
                found.push(kind);
                break;
            }
        }
    }
    found
}

/// Quantiles of `to - from` (`from` as `read` takes it: a year as its first instant) among the
/// rows where it lies in `[min, max]`.
fn difference_gaps(
    (from, to): (&Col, &Col),
    read: impl Fn(f64) -> Option<f64>,
    (min, max): (f64, f64),
    frame: &Frame<'_>,
) -> Vec<f64> {
    let (Some(low), Some(high)) = (frame.resolve(from), frame.resolve(to)) else {
        return Vec::new();
    };
    let mut gaps: Vec<f64> = (0..frame.rows)
        .filter_map(|row| Some(high.value(row).as_number()? - read(low.value(row).as_number()?)?))
        .filter(|gap| *gap >= min && *gap <= max)
        .collect();
    quantiles(&mut gaps)
}

/// Quantiles of the differences among the rows that obey an order or difference rule (of the
/// ratios, for a product across a key).
fn gap_quantiles(kind: &RuleKind, frame: &Frame<'_>) -> Vec<f64> {
    match kind {
        RuleKind::Order { low, high, strict } => {
            let min = if *strict { f64::MIN_POSITIVE } else { 0.0 };
            difference_gaps((low, high), Some, (min, f64::INFINITY), frame)
        }
        RuleKind::Difference {
            from,
            to,
            min,
            max,
            year,
            ..
        } => {
            let read = |x: f64| if *year { super::year_start(x) } else { Some(x) };
            difference_gaps((from, to), read, (*min, *max), frame)
        }
        RuleKind::KeyedProduct { .. } => keyed_ratios(kind, frame),
        RuleKind::DifferenceBy {
            from,
            to,
            by,
            spans,
            ..
        } => {
            let names = [from, to, by].map(|name| name.as_str());
            let Some([from, to, by]) = frame.resolve_own(names) else {
                return Vec::new();
            };
            let per_label = GAP_QUANTILES / spans.len().max(1);
            super::spans::gap_quantiles((from, to, by), frame.rows, spans, per_label)
        }
        RuleKind::Ratio { .. } => real_ratios(kind, frame),
        _ => Vec::new(),
    }
}

/// The real ratios of a ratio rule inside its bounds, for a ratio a redrawn value is given.
fn real_ratios(kind: &RuleKind, frame: &Frame<'_>) -> Vec<f64> {
    let RuleKind::Ratio {
        top,
        bottom,
        min,
        max,
    } = kind
    else {
        return Vec::new();
    };
    let resolve = |name: &String| frame.resolve(&Col::Own(name.clone()));
    let (Some(top), Some(bottom)) = (resolve(top), resolve(bottom)) else {
        return Vec::new();
    };
    let mut ratios: Vec<f64> = (0..frame.rows)
        .filter_map(|row| {
            let (t, b) = (top.value(row).as_number()?, bottom.value(row).as_number()?);
            (b > 0.0).then_some(t / b)
        })
        .filter(|ratio| (*min..=*max).contains(ratio))
        .collect();
    quantiles(&mut ratios)
}

/// [`GAP_QUANTILES`] evenly spaced quantiles of `values` (none of none).
fn quantiles(values: &mut [f64]) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    values.sort_unstable_by(f64::total_cmp);
    (0..GAP_QUANTILES)
        .map(|k| {
            let q = (k as f64 + 0.5) / GAP_QUANTILES as f64;
            values[((q * values.len() as f64) as usize).min(values.len() - 1)]
        })
        .collect()
}

/// The widest spread (largest ratio over smallest) a product across a key may have: a shop's
/// order totals, within 5% of quantity × the product's price, spread 1.105.
pub const KEYED_SPREAD: f64 = 1.25;
/// How many times wider `total / a` must spread than `total / (a × price)`: the price must
/// explain the total. A price that hardly varies (a customer's birth year, 1924 to 1992; the
/// latitude of three airports) makes any `total = a × constant` look like a product across a
/// key, where the key has nothing to do with it.
pub const KEYED_GAIN: f64 = 2.0;

/// Products across the foreign key `key`, whose rows are the frame's parent: `total = a ×
/// price × r`, `price` a numeric column of the key's row and `r` within a narrow real range
/// (at most [`KEYED_SPREAD`] wide, the rarest [`ORDER_TOLERANCE`] of ratios at each end left
/// out). `total` and `a` are own numeric columns no rule in `taken` determines already; of
/// several candidates for one total the narrowest is kept. The same support and chance tests
/// as other rules apply.
pub fn keyed_products(frame: &Frame<'_>, key: &str, taken: &[&Rule]) -> Vec<Rule> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let determined: HashSet<&str> = taken
        .iter()
        .filter_map(|rule| determined_column(&rule.kind))
        .collect();
    let columns = terms(frame);
    let prices: Vec<(Col, Resolved<'_>)> = parent
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical)
        .filter(|c| distinct_count(Resolved::Own(c), c.values.len().min(SAMPLE * 4)) >= 2)
        .take(MAX_SUM_COLUMNS)
        .map(|c| {
            let col = Col::Parent {
                table: parent.table.to_string(),
                column: c.name.clone(),
            };
            (col, Resolved::Parent(c, parent.row_of))
        })
        .collect();
    let sample = sample_rows(frame.rows);
    let head: Vec<usize> = sample.iter().copied().take(64).collect();
    let mut found = Vec::new();
    for total in &columns {
        if determined.contains(total.column().name.as_str()) {
            continue;
        }
        let mut best: Option<(f64, Rule)> = None;
        for a in columns
            .iter()
            .filter(|a| a.column().name != total.column().name)
        {
            for (price_col, price) in &prices {
                let factors = Factors {
                    total: *total,
                    a: *a,
                    price: *price,
                };
                if !factors.narrow_in(&head) {
                    continue;
                }
                let Some((low, high)) = factors.bounds(frame.rows) else {
                    continue;
                };
                if factors.spread_without_price(frame.rows) < KEYED_GAIN * high / low {
                    continue;
                }
                let kind = RuleKind::KeyedProduct {
                    total: total.column().name.clone(),
                    a: a.column().name.clone(),
                    key: key.to_string(),
                    price: price_col.clone(),
                    low,
                    high,
                };
                let Some(rule) = finish(kind, frame, Origin::Found) else {
                    continue;
                };
                let check = |r: usize, o: usize| factors.holds(r, o, low, high);
                let broken = rule.support - rule.holding;
                let chance = chance_rate(&sample, check);
                if !chance.is_some_and(|h| significant(rule.support, broken, h)) {
                    continue;
                }
                let spread = high / low;
                if best
                    .as_ref()
                    .is_none_or(|(narrowest, _)| spread < *narrowest)
                {
                    best = Some((spread, rule));
                }
            }
        }
        found.extend(best.map(|(_, rule)| rule));
    }
    found
}

/// The own column a rule works out from others, if any.
pub(super) fn determined_column(kind: &RuleKind) -> Option<&str> {
    match kind {
        RuleKind::Arithmetic { target, .. }
        | RuleKind::Calendar { target, .. }
        | RuleKind::Lookup { target, .. }
        | RuleKind::LocalTime { target, .. }
        | RuleKind::Sum { total: target, .. }
        | RuleKind::Product { total: target, .. }
        | RuleKind::Linear { target, .. }
        | RuleKind::KeyedProduct { total: target, .. }
        | RuleKind::CopyParent { column: target, .. }
        | RuleKind::KeyedCopy { column: target, .. }
        | RuleKind::Elapsed { amount: target, .. } => Some(target),
        _ => None,
    }
}

/// The three columns of a candidate product across a key.
#[derive(Clone, Copy)]
struct Factors<'a> {
    total: Resolved<'a>,
    a: Resolved<'a>,
    price: Resolved<'a>,
}

impl Factors<'_> {
    /// `total` of row `total_row` over `a × price` of row `row` (`None` for an empty value or
    /// a zero product).
    fn ratio(&self, row: usize, total_row: usize) -> Option<f64> {
        let total = self.total.value(total_row).as_number()?;
        let product = self.a.value(row).as_number()? * self.price.value(row).as_number()?;
        let ratio = total / product;
        (product != 0.0 && ratio.is_finite()).then_some(ratio)
    }

    /// Whether row `row` with the total of row `total_row` keeps the ratio in `[low, high]`.
    fn holds(&self, row: usize, total_row: usize, low: f64, high: f64) -> Option<bool> {
        let ratio = self.ratio(row, total_row)?;
        let slack = 1e-9 * (low.abs() + high.abs());
        Some(ratio >= low - slack && ratio <= high + slack)
    }

    /// A quick screen on a few rows: all ratios but the two extremes within the spread.
    fn narrow_in(&self, rows: &[usize]) -> bool {
        let mut ratios: Vec<f64> = rows.iter().filter_map(|&r| self.ratio(r, r)).collect();
        if ratios.len() < 10.min(rows.len()) || ratios.len() < 3 {
            return false;
        }
        ratios.sort_unstable_by(f64::total_cmp);
        let (low, high) = (ratios[1], ratios[ratios.len() - 2]);
        low > 0.0 && high <= low * KEYED_SPREAD
    }

    /// The real range of the ratio over every row, the rarest [`ORDER_TOLERANCE`] at each end
    /// left out and rounded outwards to four significant digits; `[1, 1]` when the total is
    /// `a × price` on its grid (TPC-H), `None` when the range is wider than [`KEYED_SPREAD`].
    fn bounds(&self, rows: usize) -> Option<(f64, f64)> {
        let mut ratios: Vec<f64> = (0..rows).filter_map(|r| self.ratio(r, r)).collect();
        if ratios.len() < MIN_SUPPORT {
            return None;
        }
        if self.exact_share(rows) >= 1.0 - ORDER_TOLERANCE {
            return Some((1.0, 1.0));
        }
        ratios.sort_unstable_by(f64::total_cmp);
        let cut = (ORDER_TOLERANCE * ratios.len() as f64) as usize;
        let (low, high) = (ratios[cut], ratios[ratios.len() - 1 - cut]);
        let (low, high) = (
            significant_digits(low, f64::floor),
            significant_digits(high, f64::ceil),
        );
        (low > 0.0 && high <= low * KEYED_SPREAD).then_some((low, high))
    }

    /// How wide `total / a` spreads over the rows (the rarest [`ORDER_TOLERANCE`] at each end
    /// left out): infinite when it changes sign or touches zero, which only the price explains.
    fn spread_without_price(&self, rows: usize) -> f64 {
        let mut ratios: Vec<f64> = (0..rows)
            .filter_map(|row| {
                let ratio = self.total.value(row).as_number()? / self.a.value(row).as_number()?;
                ratio.is_finite().then_some(ratio)
            })
            .collect();
        if ratios.is_empty() {
            return 0.0;
        }
        ratios.sort_unstable_by(f64::total_cmp);
        let cut = (ORDER_TOLERANCE * ratios.len() as f64) as usize;
        let (low, high) = (ratios[cut], ratios[ratios.len() - 1 - cut]);
        if low > 0.0 { high / low } else { f64::INFINITY }
    }

    /// The share of rows whose total is `a × price` on the total's grid.
    fn exact_share(&self, rows: usize) -> f64 {
        let step = unit(self.total.column());
        let tolerance = if step > 0.0 { 0.5 * step } else { 1e-9 };
        let (mut n, mut exact) = (0usize, 0usize);
        for row in 0..rows {
            let (Some(total), Some(a), Some(price)) = (
                self.total.value(row).as_number(),
                self.a.value(row).as_number(),
                self.price.value(row).as_number(),
            ) else {
                continue;
            };
            n += 1;
            exact += usize::from((total - a * price).abs() <= tolerance.max(1e-9 * total.abs()));
        }
        if n == 0 { 0.0 } else { exact as f64 / n as f64 }
    }
}

/// `x` rounded to four significant digits by `round` (floor or ceil).
fn significant_digits(x: f64, round: fn(f64) -> f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    // Below about 1e-305 the scale overflows (a subnormal ratio gave `[0, NaN]`, a bound a
    // model file may not hold): such a bound is kept as it is.
    let rounded = round(x * scale) / scale;
    match rounded.is_finite() {
        true => rounded,
        false => x,
    }
}

/// The ratios of a product across a key among the rows that keep it, for the ratio a
/// generated row is given.
fn keyed_ratios(kind: &RuleKind, frame: &Frame<'_>) -> Vec<f64> {
    let RuleKind::KeyedProduct {
        total,
        a,
        price,
        low,
        high,
        ..
    } = kind
    else {
        return Vec::new();
    };
    if low == high {
        return vec![*low];
    }
    let columns = (
        frame.resolve(&Col::Own(total.clone())),
        frame.resolve(&Col::Own(a.clone())),
        frame.resolve(price),
    );
    let (Some(total), Some(a), Some(price)) = columns else {
        return Vec::new();
    };
    let factors = Factors { total, a, price };
    let mut ratios: Vec<f64> = (0..frame.rows)
        .filter_map(|r| factors.ratio(r, r))
        .filter(|ratio| ratio >= low && ratio <= high)
        .collect();
    quantiles(&mut ratios)
}

/// Combinations of part columns tried per datetime column.
const MAX_COMBINATIONS: usize = 256;

/// Each row's local moment and offset, for parts and a datetime read from `columns`
/// (`[target, year, month, day, hour]`); rows with an empty value are left out.
fn local_rows(columns: &[Resolved<'_>; 5], rows: impl Iterator<Item = usize>) -> Vec<(i64, i64)> {
    rows.filter_map(|row| {
        let target = columns[0].value(row).as_number()?;
        let mut parts = [0.0; 4];
        for (part, column) in parts.iter_mut().zip(&columns[1..]) {
            *part = column.value(row).as_number()?;
        }
        let local = local_time::local_seconds(parts)?;
        Some((local, target.round() as i64 - local))
    })
    .collect()
}

/// The offsets of a declared rule, fitted on every row.
fn fitted_offsets(
    columns: &[Resolved<'_>; 5],
    rows: usize,
    min_count: usize,
) -> Option<Vec<(i64, i64)>> {
    local_time::fit_offsets(&local_rows(columns, 0..rows), min_count)
}

/// Datetime columns that are their table's local parts in universal time (see
/// [`super::local_time`]).
fn local_times(frame: &Frame<'_>, sample: &[usize], min_count: usize) -> Vec<RuleKind> {
    let datetimes = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Datetime);
    if datetimes.clone().next().is_none() {
        return Vec::new();
    }
    let integers: Vec<(&crate::data::Column, f64, f64, bool)> = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical && c.format == ValueFormat::Integer)
        .filter_map(|c| {
            let values = c.values.iter().filter_map(Value::as_number);
            let (low, high, first, varies) = values.fold(
                (f64::INFINITY, f64::NEG_INFINITY, None, false),
                |(lo, hi, first, varies), x| {
                    let first = first.or(Some(x));
                    (lo.min(x), hi.max(x), first, varies || first != Some(x))
                },
            );
            first.map(|_| (c, low, high, varies))
        })
        .collect();
    let candidates = |range: (f64, f64), may_be_constant: bool| -> Vec<usize> {
        integers
            .iter()
            .enumerate()
            .filter(|(_, (_, low, high, varies))| {
                *low >= range.0 && *high <= range.1 && (*varies || may_be_constant)
            })
            .map(|(index, _)| index)
            .collect()
    };
    let (years, months) = (
        candidates((1.0, 9999.0), true),
        candidates((1.0, 12.0), false),
    );
    let (days, hours) = (
        candidates((1.0, 31.0), false),
        candidates((0.0, 23.0), false),
    );
    let combinations: Vec<[usize; 4]> = part_combinations([&years, &months, &days, &hours])
        .take(MAX_COMBINATIONS)
        .collect();
    let mut found = Vec::new();
    for target in datetimes {
        for parts in &combinations {
            let columns = [
                Resolved::Own(target),
                Resolved::Own(integers[parts[0]].0),
                Resolved::Own(integers[parts[1]].0),
                Resolved::Own(integers[parts[2]].0),
                Resolved::Own(integers[parts[3]].0),
            ];
            if let Some(rule) = local_time_of(frame, &columns, sample, min_count) {
                found.push(rule);
                break;
            }
        }
    }
    found
}

/// Every choice of four different columns, one from each list of candidates (years, months,
/// days, hours), in order, made as they are asked for: a survey of 500 answer columns of 1 to
/// 5 (each a candidate month, day and hour) went through all 500^4 for the first few (86 s).
fn part_combinations<'a>(lists: [&'a [usize]; 4]) -> impl Iterator<Item = [usize; 4]> + 'a {
    let [years, months, days, hours] = lists;
    years
        .iter()
        .flat_map(move |&y| months.iter().map(move |&m| (y, m)))
        .flat_map(move |(y, m)| days.iter().map(move |&d| (y, m, d)))
        .flat_map(move |(y, m, d)| hours.iter().map(move |&h| [y, m, d, h]))
        .filter(|parts| (0..4).all(|i| (i + 1..4).all(|j| parts[i] != parts[j])))
}

/// The rule for one datetime and one choice of part columns, when the rows obey it.
fn local_time_of(
    frame: &Frame<'_>,
    columns: &[Resolved<'_>; 5],
    sample: &[usize],
    min_count: usize,
) -> Option<RuleKind> {
    let sampled = local_rows(columns, sample.iter().copied());
    let zoned = sampled
        .iter()
        .filter(|(_, offset)| local_time::zone_like(*offset))
        .count();
    if sampled.len() < MIN_SUPPORT.min(sample.len())
        || (zoned as f64) < (1.0 - FUNCTION_TOLERANCE) * sampled.len() as f64
    {
        return None;
    }
    let rows = local_rows(columns, 0..frame.rows);
    let offsets = local_time::fit_offsets(&rows, min_count)?;
    let broken = rows
        .iter()
        .filter(|(local, offset)| local_time::offset_at(&offsets, *local) != Some(*offset))
        .count();
    if broken as f64 > FUNCTION_TOLERANCE * rows.len() as f64 {
        return None;
    }
    let check = |row: usize, other: usize| {
        let local = local_rows(columns, std::iter::once(row)).first()?.0;
        let target = columns[0].value(other).as_number()?;
        Some(local + local_time::offset_at(&offsets, local)? == target.round() as i64)
    };
    let h = chance_rate(sample, check)?;
    if !significant(rows.len(), broken, h) {
        return None;
    }
    let name = |index: usize| columns[index].column().name.clone();
    Some(RuleKind::LocalTime {
        target: name(0),
        parts: (1..5).map(name).collect(),
        offsets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bound rounded to four significant digits stays a number however small it is: a ratio
    /// of 1e-308 over the largest float rounded to NaN, and `train` wrote a model file that
    /// its own `generate` refused.
    #[test]
    fn bounds_of_subnormal_ratios_stay_finite() {
        for x in [1e-320, 4.9e-324, 1e-300, 2.5e-310, 1.797e308] {
            for round in [f64::floor, f64::ceil] {
                let bound = significant_digits(x, round);
                assert!(bound.is_finite(), "{x}: {bound}");
                assert!((bound - x).abs() <= 1e-3 * x, "{x}: {bound}");
            }
        }
        assert_eq!(significant_digits(0.123456, f64::ceil), 0.1235);
    }

    /// Two values seen equally often: the lookup's value is the one sorting first, whatever
    /// order each hash map (seeded afresh) lists them in. Taken as the map listed them, the
    /// rule found (and the model file) changed from run to run.
    #[test]
    fn a_tie_goes_to_the_value_sorting_first_in_every_map() {
        let label = |text: &str| Value::Label(std::sync::Arc::from(text));
        let labels = ["delta", "alpha", "charlie", "bravo"].map(label);
        for _ in 0..32 {
            let mut counts = Counts::new();
            for value in &labels {
                let count = if *value == label("bravo") { 1 } else { 4 };
                counts.insert(ValueKey::of(value), (count, value.clone()));
            }
            let (count, value) = majority(counts).expect("a value");
            assert_eq!(count, 4);
            assert_eq!(ValueKey::of(&value), ValueKey::of(&label("alpha")));
        }
    }
    use crate::data::Column;

    /// The screens as they were written first, hashing values: what the coded screens and
    /// their bounds must agree with.
    fn hashed_conflicts(pairs: &[(i64, i64)]) -> (usize, usize) {
        let mut table: HashMap<i64, HashMap<i64, usize>> = HashMap::new();
        for (key, value) in pairs {
            *table.entry(*key).or_default().entry(*value).or_default() += 1;
        }
        let conflicts = table
            .values()
            .map(|values| values.values().sum::<usize>() - values.values().max().unwrap_or(&0))
            .sum();
        (table.len(), conflicts)
    }

    proptest::proptest! {
        #[test]
        fn coded_screens_agree_with_hashed_ones(
            rows in proptest::collection::vec(
                (proptest::option::weighted(0.9, 0i64..40), proptest::option::weighted(0.9, 0i64..60)),
                0..300,
            ),
            offset in -3i64..3,
            follows in proptest::bool::ANY,
        ) {
            let column = |values: Vec<Option<i64>>| Column {
                name: "c".into(),
                kind: ColumnKind::Numerical,
                format: ValueFormat::Integer,
                values: values.into_iter().map(|v| v.map_or(Value::Null, |x| Value::Number(x as f64))).collect(),
            };
            let keys = column(rows.iter().map(|r| r.0).collect());
            // Values that follow the key by an offset (for an offset mapping), or not quite.
            let values = column(
                rows.iter()
                    .map(|r| if follows { r.0.map(|k| k + offset) } else { r.1.map(|v| v + offset) })
                    .collect(),
            );
            let sample: Vec<usize> = (0..rows.len()).collect();
            let (key_codes, value_codes) = (
                sample_codes(Resolved::Own(&keys), &sample),
                sample_codes(Resolved::Own(&values), &sample),
            );
            let pairs: Vec<(i64, i64)> = sample
                .iter()
                .filter_map(|&r| Some((keys.values[r].as_number()? as i64, values.values[r].as_number()? as i64)))
                .collect();
            let (distinct, conflicts) = hashed_conflicts(&pairs);
            let n = pairs.len();
            let expected = n >= 10.min(sample.len()) && conflicts as f64 <= 0.01 * n as f64 && distinct * 4 <= n;
            proptest::prop_assert_eq!(sample_function(&key_codes, &value_codes), expected);
            // A target that follows the key (by an offset or a table) passes the bound taken
            // before any part is tried.
            let target = SampleValues::of(Resolved::Own(&values), &sample);
            let key_of = |row: usize| keys.values[row].as_number().map(|x| x as i64);
            let undated = sample.iter().filter(|&&r| key_of(r).is_none()).count();
            let mut distinct_keys: Vec<i64> = sample.iter().filter_map(|&r| key_of(r)).collect();
            distinct_keys.sort_unstable();
            distinct_keys.dedup();
            if sample_mapping(&target, &key_of, &sample).is_some() {
                proptest::prop_assert!(target.may_follow((undated, distinct_keys.len())));
            }
        }
    }

    /// Planted whole-number measures: flights of 100 to 2,500 miles flown at 2 to 8 miles a
    /// minute. Their ratio is a rule; a whole-number `zone` of the distance, with fewer than
    /// [`MEASURE_VALUES`] values, is a code, and no ratio is looked for with it.
    #[test]
    fn whole_numbers_of_many_values_are_measures_with_ratios() {
        let rows = 0..600i64;
        let miles: Vec<i64> = rows.clone().map(|i| 100 + (i * 97) % 2400).collect();
        let pace = |i: i64| 2.0 + ((i * 31) % 61) as f64 / 10.0;
        let minutes = rows
            .clone()
            .map(|i| (miles[i as usize] as f64 / pace(i)).round() as i64);
        // Clock times of departure and arrival, an hour or two apart: no ratio either.
        let clock = |minutes: i64| minutes / 60 * 100 + minutes % 60;
        let departs = rows.clone().map(|i| 300 + (i * 7) % 1000);
        let columns = [
            integers("minutes", minutes),
            integers("miles", miles.iter().copied()),
            integers("zone", miles.iter().map(|m| 1 + m / 100)),
            integers("departs", departs.clone().map(clock)),
            integers("arrives", departs.map(|d| clock(d + 60 + d % 60))),
        ];
        let rules = found(&columns);
        let ratios: Vec<&String> = rules.iter().filter(|r| r.contains(" / ")).collect();
        let speed = ratios
            .iter()
            .find(|r| r.starts_with("miles / minutes in ["))
            .unwrap_or_else(|| panic!("no ratio of miles to minutes: {ratios:?}"));
        let bounds: Vec<f64> = speed["miles / minutes in [".len()..speed.len() - 1]
            .split(", ")
            .map(|x| x.parse().expect("a bound"))
            .collect();
        assert!((1.9..=2.0).contains(&bounds[0]), "{speed}");
        assert!((8.0..=8.2).contains(&bounds[1]), "{speed}");
        assert!(
            ratios
                .iter()
                .all(|r| !r.contains("zone") && !r.contains("departs")),
            "{ratios:?}"
        );
    }

    /// Room numbers 101 to 112 on floors 1 to 9 read as clock times (03:12) but keep to the
    /// first minutes of every hour; departures at any minute, or on the hour only, are clocks.
    #[test]
    fn room_numbers_are_no_clock_times() {
        let rows = 0..600i64;
        let rooms = rows.clone().map(|i| (1 + i % 9) * 100 + 1 + (i * 7) % 12);
        let departs = rows.clone().map(|i| (5 + i % 17) * 100 + (i * 13) % 60);
        let hourly = rows.map(|i| (6 + i % 12) * 100);
        let columns = [
            integers("room_number", rooms),
            integers("departs", departs),
            integers("hourly", hourly),
        ];
        let rules = found(&columns);
        let clocks: Vec<&String> = rules.iter().filter(|r| r.contains("clock time")).collect();
        assert!(clocks.iter().any(|r| r.starts_with("departs")), "{rules:?}");
        assert!(clocks.iter().any(|r| r.starts_with("hourly")), "{rules:?}");
        assert!(
            !clocks.iter().any(|r| r.contains("room_number")),
            "{rules:?}"
        );
    }

    /// A fixed multiple (three times the base in every row) is a ratio rule of one value; a
    /// copy is not (a difference of 0 says it).
    #[test]
    fn a_fixed_multiple_is_a_ratio_of_one_value_and_a_copy_is_not() {
        let base: Vec<i64> = (0..300).map(|i| 100 + i * 3).collect();
        let columns = [
            integers("triple", base.iter().map(|b| 3 * b)),
            integers("base", base.iter().copied()),
            integers("copy", base.iter().copied()),
        ];
        let rules = found(&columns);
        assert!(
            rules.iter().any(|r| r == "triple / base in [3, 3]"),
            "{rules:?}"
        );
        assert!(!rules.iter().any(|r| r.ends_with("in [1, 1]")), "{rules:?}");
        assert!(rules.iter().any(|r| r.contains("in [0, 0]")), "{rules:?}");
        // An amount that is 0 wherever a balance is above 0 (and paid where it is not).
        let balance = (0..300i32).map(|i| {
            if i % 3 == 0 {
                -1.5 - f64::from(i)
            } else {
                0.5 + f64::from(i)
            }
        });
        let paid = (0..300i32).map(|i| if i % 3 == 0 { 2.5 + f64::from(i) } else { 0.0 });
        let format = ValueFormat::Decimal {
            min_places: 1,
            max_places: 1,
        };
        let amounts = [
            numbers(
                "paid",
                ColumnKind::Numerical,
                format.clone(),
                paid.collect(),
            ),
            numbers("balance", ColumnKind::Numerical, format, balance.collect()),
        ];
        let rules = found(&amounts);
        assert!(!rules.iter().any(|r| r.contains(" / ")), "{rules:?}");
    }

    fn integers(name: &str, values: impl Iterator<Item = i64>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values: values.map(|x| Value::Number(x as f64)).collect(),
        }
    }

    fn found(columns: &[Column]) -> Vec<String> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        discover(&frame, 5)
            .iter()
            .map(|rule| rule.to_string())
            .collect()
    }

    #[test]
    fn pairs_are_searched_among_the_first_columns_only() {
        // A small wide table whose columns determine one another in groups of seven: every
        // pair is a lookup, so the rules grew with the square of the columns.
        // Every seventh column is constant (no candidate): the candidates run past column 256,
        // but never into the last quarter of 512.
        let width = 2 * MAX_PAIR_COLUMNS;
        let columns: Vec<Column> = (0..width)
            .map(|c| integers(&format!("c{c}"), (0..30).map(|row| (row * c as i64) % 7)))
            .collect();
        let rules = found(&columns);
        assert!(
            !rules.is_empty(),
            "the first columns still have their rules"
        );
        let later: Vec<&String> = rules
            .iter()
            .filter(|rule| {
                let mut names = rule.split(|c: char| !c.is_ascii_alphanumeric());
                names.any(|name| {
                    let column = name.strip_prefix('c').and_then(|n| n.parse::<usize>().ok());
                    column.is_some_and(|c| c >= width * 3 / 4)
                })
            })
            .collect();
        assert!(later.is_empty(), "{:?}", &later[..later.len().min(3)]);
        assert!(rules.len() <= MAX_PAIR_COLUMNS * MAX_PAIR_COLUMNS);
    }

    #[test]
    fn a_coincidence_in_a_small_table_is_no_rule() {
        // Two unrelated columns, ordered in all 8 rows.
        let low = [3, 17, 8, 25, 1, 40, 12, 30];
        let high = [52, 44, 61, 39, 90, 75, 48, 66];
        let columns = [
            integers("low", low.into_iter()),
            integers("high", high.into_iter()),
        ];
        assert!(found(&columns).is_empty(), "{:?}", found(&columns));
    }

    /// Planted birth dates: year, month and day columns naming real days are a rule; with a
    /// day that never passes the 28th (nothing to break), or one 31 April among them, not.
    #[test]
    fn year_month_and_day_columns_naming_days_are_a_rule() {
        let rows = 0..600i64;
        let year: Vec<i64> = rows.clone().map(|i| 1950 + i % 50).collect();
        let month: Vec<i64> = rows.clone().map(|i| 1 + (i * 7) % 12).collect();
        let last = |y: i64, m: i64| {
            crate::rules::local_time::days_in_month(y as f64, m as f64).unwrap_or(28.0) as i64
        };
        let day: Vec<i64> = rows
            .clone()
            .map(|i| 1 + (i * 13) % last(year[i as usize], month[i as usize]))
            .collect();
        let columns = |day: &[i64]| {
            [
                integers("id", rows.clone()),
                integers("y", year.iter().copied()),
                integers("m", month.iter().copied()),
                integers("d", day.iter().copied()),
            ]
        };
        let rule = "y, m, d form a date";
        assert!(
            found(&columns(&day)).iter().any(|r| r == rule),
            "{:?}",
            found(&columns(&day))
        );
        let early: Vec<i64> = day.iter().map(|d| 1 + d % 28).collect();
        assert!(
            !found(&columns(&early))
                .iter()
                .any(|r| r.contains("form a date"))
        );
        let mut april_31 = day.clone();
        let april = month.iter().position(|&m| m == 4).expect("an April");
        april_31[april] = 31;
        assert!(
            !found(&columns(&april_31))
                .iter()
                .any(|r| r.contains("form a date"))
        );
    }

    #[test]
    fn a_real_order_and_a_split_code_are_rules() {
        let rows = 0..300i64;
        let start: Vec<i64> = rows.clone().map(|i| (i * 37) % 1000).collect();
        let columns = [
            integers("start", start.iter().copied()),
            integers("end", start.iter().map(|s| s + 1 + s % 7)),
            integers("code", rows.clone().map(|i| 100 * (i % 23) + (i * 7) % 60)),
            integers("high", rows.clone().map(|i| i % 23)),
            integers("low", rows.map(|i| (i * 7) % 60)),
        ];
        let rules = found(&columns);
        for expected in ["start < end", "high = code // 100", "low = code % 100"] {
            assert!(rules.iter().any(|r| r == expected), "{expected}: {rules:?}");
        }
    }

    /// Planted: a refund paid three ways that add up to the amount (found as a sum of three),
    /// and a total that two of the columns already add up to (no sum of three for it).
    #[test]
    fn three_amounts_adding_up_to_a_fourth_are_a_sum() {
        let rows = 0..300usize;
        let cents =
            |i: usize, k: usize, m: usize| ((i * k) % m) as f64 + 0.01 * ((i * 7) % 100) as f64;
        let cash: Vec<f64> = rows.clone().map(|i| cents(i, 37, 400)).collect();
        let charge: Vec<f64> = rows.clone().map(|i| cents(i, 53, 300)).collect();
        let credit: Vec<f64> = rows.clone().map(|i| cents(i, 71, 200)).collect();
        let fee: Vec<f64> = rows.clone().map(|i| cents(i, 13, 90)).collect();
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let decimals = |name: &str, values: Vec<f64>| {
            let format = ValueFormat::Decimal {
                min_places: 2,
                max_places: 2,
            };
            numbers(
                name,
                ColumnKind::Numerical,
                format,
                values.into_iter().map(round).collect(),
            )
        };
        let amount = rows
            .clone()
            .map(|i| cash[i] + charge[i] + credit[i])
            .collect();
        let charged = rows.clone().map(|i| cash[i] + charge[i]).collect();
        let columns = [
            decimals("amount", amount),
            decimals("cash", cash.clone()),
            decimals("charge", charge.clone()),
            decimals("credit", credit.clone()),
            decimals("fee", fee),
        ];
        let rules = found(&columns);
        let expected = "amount = cash + charge + credit";
        assert!(rules.iter().any(|r| r == expected), "{rules:?}");
        let threes = |rules: &[String]| {
            rules
                .iter()
                .filter(|r| r.matches(" + ").count() == 2)
                .count()
        };
        assert_eq!(threes(&rules), 1, "{rules:?}");
        // With the cash and charge added up in a column of their own, the amount is that
        // column and the credit: sums of two, and no sum of three beside them.
        let mut with_part = columns.to_vec();
        with_part.push(decimals("charged", charged));
        let rules = found(&with_part);
        assert!(
            rules.iter().any(|r| r == "amount = credit + charged"),
            "{rules:?}"
        );
        assert_eq!(threes(&rules), 0, "{rules:?}");
    }

    /// Planted amounts: a price 1 to 2 times its cost, a tax of at most 8% of the amount paid,
    /// a `noise` amount unrelated to any, and whole `units` always about twice the cost (whole
    /// numbers of under 100 values are counts and codes: no ratio is looked for among them).
    #[test]
    fn a_price_held_to_a_markup_and_a_tax_to_a_share_are_ratio_rules() {
        let cents = |x: f64| (x * 100.0).round() / 100.0;
        let rows = 0..400usize;
        let cost: Vec<f64> = rows
            .clone()
            .map(|i| 1.0 + ((i * 37) % 50) as f64 + 0.25 * (i % 4) as f64)
            .collect();
        let markup = |i: usize| 1.0 + ((i * 13) % 101) as f64 / 100.0;
        let paid: Vec<f64> = rows
            .clone()
            .map(|i| 10.0 + ((i * 53) % 900) as f64 + 0.5)
            .collect();
        let decimals = |name: &str, values: Vec<f64>| {
            let format = ValueFormat::Decimal {
                min_places: 2,
                max_places: 2,
            };
            numbers(name, ColumnKind::Numerical, format, values)
        };
        let columns = [
            decimals("cost", cost.clone()),
            decimals(
                "price",
                rows.clone().map(|i| cents(cost[i] * markup(i))).collect(),
            ),
            decimals("paid", paid.clone()),
            decimals(
                "tax",
                rows.clone()
                    .map(|i| cents(paid[i] * ((i * 7) % 9) as f64 / 100.0))
                    .collect(),
            ),
            decimals(
                "noise",
                rows.clone()
                    .map(|i| ((i * 71) % 997) as f64 + 0.5)
                    .collect(),
            ),
            integers("units", cost.iter().map(|c| (2.0 * c).round() as i64 + 1)),
            // Above the paid amount but where the tax's share is the largest.
            decimals(
                "list",
                rows.clone()
                    .map(|i| paid[i] + if (i * 7) % 9 == 8 { 0.0 } else { 5.0 })
                    .collect(),
            ),
        ];
        let rules = found(&columns);
        let ratios: Vec<&String> = rules.iter().filter(|r| r.contains(" / ")).collect();
        assert!(
            ratios.iter().any(|r| *r == "price / cost in [1, 2]"),
            "{ratios:?}"
        );
        assert!(
            ratios
                .iter()
                .any(|r| r.starts_with("tax / paid in [0, 0.08")),
            "{ratios:?}"
        );
        assert!(
            ratios
                .iter()
                .all(|r| !r.contains("noise") && !r.contains("units") && !r.contains("cost / ")),
            "{ratios:?}"
        );
        // The tax is a share of the list price too, but the paid amount, never above it, says so.
        assert!(
            ratios.iter().all(|r| !r.starts_with("tax / list")),
            "{ratios:?}"
        );
        // Of two bottoms alike, one share is kept, not neither.
        let mut alike = columns.to_vec();
        alike[6] = decimals("same", paid.clone());
        let rules = found(&alike);
        let shares: Vec<&String> = rules.iter().filter(|r| r.starts_with("tax / ")).collect();
        assert_eq!(shares.len(), 1, "{shares:?}");
    }

    /// Planted prices: `price <= list <= total`. `price <= total` follows from the two, and is
    /// dropped, while `list` has a value in every row; where `list` is empty in some rows it
    /// bounds those rows alone, and is kept.
    #[test]
    fn an_order_through_a_middle_column_is_kept_where_the_middle_may_be_empty() {
        let rows = 0..400i64;
        let price: Vec<i64> = rows.clone().map(|i| 1 + (i * 37) % 50).collect();
        let list: Vec<i64> = rows
            .clone()
            .map(|i| price[i as usize] + 3 * (i % 13))
            .collect();
        let total: Vec<i64> = rows
            .clone()
            .map(|i| list[i as usize] + 5 * ((i * 11) % 17))
            .collect();
        let columns = |list: Column| {
            [
                integers("price", price.iter().copied()),
                list,
                integers("total", total.iter().copied()),
            ]
        };
        let direct = |rules: &[String]| rules.iter().any(|r| r == "price <= total");
        let full = found(&columns(integers("list", list.iter().copied())));
        for chain in ["price <= list", "list <= total"] {
            assert!(full.iter().any(|r| r == chain), "{chain}: {full:?}");
        }
        assert!(!direct(&full), "{full:?}");
        let gaps = integers("list", list.iter().copied()).with_nulls(|row| row % 9 == 4);
        let gappy = found(&columns(gaps));
        assert!(direct(&gappy), "{gappy:?}");
    }

    /// Planted flights: a cancelled flight (every tenth) has no delay, arrival or air time; a
    /// diverted one (every tenth, shifted) no arrival or air time; `noise` is empty at random
    /// and `rare` in too few rows to tell.
    #[test]
    fn columns_empty_wherever_another_is_are_found() {
        let rows = 0..1000i64;
        let column = |name: &str, empty: &dyn Fn(i64) -> bool| {
            integers(name, rows.clone().map(|i| i % 50 + 1)).with_nulls(|i| empty(i as i64))
        };
        let cancelled = |i: i64| i % 10 == 0;
        let landed = |i: i64| !cancelled(i) && i % 10 != 5;
        let columns = vec![
            column("dep", &cancelled),
            column("delay", &cancelled),
            column("arr", &|i| !landed(i)),
            column("air", &|i| !landed(i)),
            column("noise", &|i| (i * 7919 + 13) % 97 < 10),
            column("rare", &|i| i % 100 == 0),
            column("full", &|_| false),
        ];
        let mut rules = found(&columns);
        rules.retain(|rule| rule.contains("empty"));
        rules.sort();
        assert_eq!(
            rules,
            [
                "air is empty when arr is empty",
                "arr is empty when air is empty",
                "delay, arr, air are empty when dep is empty",
                "dep, arr, air are empty when delay is empty",
            ]
        );
        // One cancelled flight with a delay breaks the rules about the delay.
        let mut broken = columns.clone();
        broken[1].values[10] = Value::Number(3.0);
        let rules = found(&broken);
        assert!(
            rules
                .iter()
                .any(|r| r == "dep, arr, air are empty when delay is empty")
                && rules
                    .iter()
                    .any(|r| r == "arr, air are empty when dep is empty"),
            "{rules:?}"
        );
    }

    trait WithNulls {
        fn with_nulls(self, empty: impl Fn(usize) -> bool) -> Self;
    }

    impl WithNulls for Column {
        fn with_nulls(mut self, empty: impl Fn(usize) -> bool) -> Column {
            for (row, value) in self.values.iter_mut().enumerate() {
                if empty(row) {
                    *value = Value::Null;
                }
            }
            self
        }
    }

    fn numbers(name: &str, kind: ColumnKind, format: ValueFormat, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            kind,
            format,
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    /// Hourly readings through 2013 in New York time (`hour` local), stamped in universal
    /// time (`stamp`): five hours ahead, four from 10 March 02:00 to 3 November 02:00. With
    /// `shuffled`, each stamp belongs to another row.
    fn readings(shuffled: bool) -> Vec<Column> {
        let start = local_time::local_seconds([2013.0, 1.0, 1.0, 0.0]).expect("a date");
        let summer = (
            local_time::local_seconds([2013.0, 3.0, 10.0, 3.0]).expect("a date"),
            local_time::local_seconds([2013.0, 11.0, 3.0, 2.0]).expect("a date"),
        );
        let (mut parts, mut stamps) = (vec![Vec::new(); 4], Vec::new());
        for step in 0..2000 {
            let local = start + step * 4 * 3600 + step % 3 * 3600;
            let at = chrono::DateTime::from_timestamp(local, 0).expect("in range");
            use chrono::{Datelike, Timelike};
            let values = [
                at.year(),
                at.month() as i32,
                at.day() as i32,
                at.hour() as i32,
            ];
            for (part, value) in parts.iter_mut().zip(values) {
                part.push(f64::from(value));
            }
            let offset = if (summer.0..summer.1).contains(&local) {
                4
            } else {
                5
            };
            stamps.push((local + offset * 3600) as f64);
        }
        if shuffled {
            stamps.rotate_left(7);
        }
        let integer = |name: &str, values: Vec<f64>| {
            numbers(name, ColumnKind::Numerical, ValueFormat::Integer, values)
        };
        let format = ValueFormat::Datetime {
            pattern: "%Y-%m-%dT%H:%M:%SZ".into(),
            date_only: false,
            offset: None,
            upper: false,
        };
        let mut parts = parts.into_iter();
        let mut next = || parts.next().unwrap_or_default();
        vec![
            integer("year", next()),
            integer("month", next()),
            integer("day", next()),
            integer("hour", next()),
            integer("reading", (0..2000).map(|i| f64::from(i % 97)).collect()),
            numbers("stamp", ColumnKind::Datetime, format, stamps),
        ]
    }

    fn local_found(columns: &[Column]) -> Vec<RuleKind> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        let sample: Vec<usize> = (0..frame.rows).step_by(4).collect();
        local_times(&frame, &sample, 5)
    }

    #[test]
    fn a_stamp_in_universal_time_is_found_from_its_local_parts() {
        let rules = local_found(&readings(false));
        let [
            RuleKind::LocalTime {
                target,
                parts,
                offsets,
            },
        ] = rules.as_slice()
        else {
            panic!("one rule: {rules:?}");
        };
        assert_eq!(target, "stamp");
        assert_eq!(parts, &["year", "month", "day", "hour"]);
        let hours: Vec<i64> = offsets.iter().map(|(_, offset)| offset / 3600).collect();
        assert_eq!(hours, [5, 4, 5]);
        // Each change lies between the last reading before it and the first after.
        let change = |year, month, day, hour| local_time::local_seconds([year, month, day, hour]);
        assert!(offsets[1].0 >= change(2013.0, 3.0, 10.0, 0.0).unwrap_or_default());
        assert!(offsets[1].0 <= change(2013.0, 3.0, 10.0, 4.0).unwrap_or_default());
        assert!(offsets[2].0 >= change(2013.0, 11.0, 2.0, 22.0).unwrap_or_default());
        assert!(offsets[2].0 <= change(2013.0, 11.0, 3.0, 3.0).unwrap_or_default());
        assert!(
            local_found(&readings(true)).is_empty(),
            "stamps of other rows"
        );
        // Declared, the rule is fitted: the same offsets, or none where the rows show none.
        let declared =
            super::super::text::parse("stamp = datetime(year, month, day, hour)").expect("a rule");
        let fitted = |columns: &[Column]| {
            let frame = Frame {
                columns,
                rows: columns[0].values.len(),
                parent: None,
            };
            match fit(&declared, &frame, 5).map(|rule| rule.kind) {
                Some(RuleKind::LocalTime { offsets, .. }) => offsets,
                other => panic!("a local time: {other:?}"),
            }
        };
        assert_eq!(&fitted(&readings(false)), offsets);
        assert_eq!(fitted(&readings(true)), [(local_time::FROM_THE_START, 0)]);
    }

    /// The part columns of a local time are tried from the first choices on, each of four
    /// different columns, without making every choice first: with 10,000 candidates in each
    /// list (10^16 choices) the first are at hand at once.
    #[test]
    fn part_combinations_come_in_order_as_asked_for() {
        let four: Vec<usize> = (0..4).collect();
        let all: Vec<[usize; 4]> = part_combinations([&four, &four, &four, &four]).collect();
        assert_eq!(all.len(), 24, "the orders of four columns");
        assert_eq!(all[..3], [[0, 1, 2, 3], [0, 1, 3, 2], [0, 2, 1, 3]]);
        let three = &four[..3];
        assert_eq!(part_combinations([three, three, three, three]).count(), 0);
        let many: Vec<usize> = (0..10_000).collect();
        let taken = part_combinations([&many, &many, &many, &many]).take(MAX_COMBINATIONS);
        let taken: Vec<[usize; 4]> = taken.collect();
        assert_eq!(taken.len(), MAX_COMBINATIONS);
        assert_eq!(taken[0], [0, 1, 2, 3]);
        assert!(taken.iter().all(|parts| parts[..3] == [0, 1, 2]));
    }

    /// Planted: employees hired 18 to 40 years after their birth, a span wider than half the
    /// hire dates' range, which one random pairing in ten breaks: a difference rule. Hire
    /// dates drawn apart from birth dates (the same values, shuffled) give none.
    /// 400 students enrolled in 2018 to 2024, four terms each: a term starts 230 to 1,400 days
    /// after the 1 January of the student's year (from the August they enrolled). Paired with
    /// their students, the terms obey a difference from the year's start, which the checks
    /// against chance keep and the rule text writes and reads back; shuffled, they obey none.
    #[test]
    fn a_datetime_is_bounded_from_the_start_of_the_parents_year() {
        let found = |paired: bool| {
            let enrolled: Vec<i64> = (0..400).map(|s| 2018 + s % 7).collect();
            let student = |row: usize| {
                if paired {
                    row / 4
                } else {
                    (row * 53 + 11) % 400
                }
            };
            let starts: Vec<f64> = (0..1600)
                .map(|row| {
                    let first = super::super::year_start(enrolled[student(row)] as f64);
                    first.unwrap_or_default() + (230 + (row * 97) % 1170) as f64 * 86_400.0
                })
                .collect();
            let format = ValueFormat::Datetime {
                pattern: "%Y-%m-%d".into(),
                date_only: true,
                offset: None,
                upper: false,
            };
            let parent = vec![integers("enrolled_year", enrolled.into_iter())];
            let child = vec![numbers("term_start", ColumnKind::Datetime, format, starts)];
            let row_of: Vec<Option<usize>> = (0..1600).map(|row| Some(row / 4)).collect();
            let frame = Frame {
                columns: &child,
                rows: 1600,
                parent: Some(super::super::ParentFrame {
                    table: "students",
                    columns: &parent,
                    row_of: &row_of,
                    grand: &[],
                }),
            };
            discover(&frame, 5)
        };
        let rules = found(true);
        let year = (rules.iter())
            .find(|rule| matches!(rule.kind, RuleKind::Difference { year: true, .. }))
            .unwrap_or_else(|| panic!("a difference from a year: {rules:?}"));
        let text = year.kind.to_string();
        assert!(
            text.starts_with("term_start - Jan 1 of students.enrolled_year in [230, "),
            "{text}"
        );
        assert_eq!(year.holding, 1600);
        let parsed = super::super::text::parse(&text).expect("a rule");
        assert_eq!(parsed.to_string(), text);
        assert!(matches!(parsed, RuleKind::Difference { year: true, .. }));
        let rules = found(false);
        assert!(
            !rules
                .iter()
                .any(|rule| rule.kind.to_string().contains("Jan 1 of")),
            "{rules:?}"
        );
    }

    #[test]
    fn a_wide_difference_of_dates_that_chance_breaks_is_a_rule() {
        let employees = |paired: bool| {
            let format = ValueFormat::Datetime {
                pattern: "%Y-%m-%d".into(),
                date_only: true,
                offset: None,
                upper: false,
            };
            let year = 365.0 * 86_400.0;
            let births: Vec<f64> = (0..600)
                .map(|i| f64::from(i * 37 % 600) * 0.05 * year)
                .collect();
            let ages: Vec<f64> = (0..600).map(|i| 18.0 + f64::from(i * 13 % 23)).collect();
            let mut hires: Vec<f64> = (0..600).map(|i| births[i] + ages[i] * year).collect();
            if !paired {
                hires.sort_by(f64::total_cmp);
            }
            vec![
                numbers("birth_date", ColumnKind::Datetime, format.clone(), births),
                numbers("hire_date", ColumnKind::Datetime, format, hires),
            ]
        };
        let rules = found(&employees(true));
        assert!(
            rules
                .iter()
                .any(|r| r.starts_with("hire_date - birth_date in [6570, ")),
            "{rules:?}"
        );
        let rules = found(&employees(false));
        assert!(
            !rules.iter().any(|r| r.contains("(difference")),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|r| r.starts_with("hire_date - ")),
            "{rules:?}"
        );
        // Invoices any time after their subscription's start within the data's window: the
        // order, and no difference that says only the window.
        let format = ValueFormat::Datetime {
            pattern: "%Y-%m-%d".into(),
            date_only: true,
            offset: None,
            upper: false,
        };
        let day = 86_400.0;
        let started: Vec<f64> = (0..600).map(|i| f64::from(i * 37 % 600) * day).collect();
        let invoiced: Vec<f64> = (0..600usize)
            .map(|i| started[i] + (i * 13 % 97) as f64 / 97.0 * (600.0 * day - started[i]))
            .collect();
        let rules = found(&[
            numbers("started_at", ColumnKind::Datetime, format.clone(), started),
            numbers("period_start", ColumnKind::Datetime, format, invoiced),
        ]);
        assert!(
            rules.iter().any(|r| r == "started_at <= period_start"),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|r| r.contains("(difference")),
            "{rules:?}"
        );
    }

    /// Planted: appointments whose `duration_min` is their end less their start in minutes,
    /// and a `room` number that happens to be small: the duration is found as an elapsed time
    /// in minutes (not hours, not seconds), the room as none. With the durations moved one row
    /// on, no rule is found.
    #[test]
    fn a_count_of_minutes_between_two_datetimes_is_an_elapsed_time() {
        let appointments = |shifted: bool| {
            let format = ValueFormat::Datetime {
                pattern: "%Y-%m-%d %H:%M".into(),
                date_only: false,
                offset: None,
                upper: false,
            };
            let rows = 0..400usize;
            let starts: Vec<f64> = rows
                .clone()
                .map(|i| 1.7e9 + (i * 5_400 + (i * 37 % 11) * 900) as f64)
                .collect();
            let durations: Vec<f64> = rows
                .clone()
                .map(|i| [15.0, 30.0, 45.0, 20.0][i * 7 % 4])
                .collect();
            let ends: Vec<f64> = (0..400).map(|i| starts[i] + durations[i] * 60.0).collect();
            let mut written = durations.clone();
            if shifted {
                written.rotate_left(1);
            }
            let integer = |name: &str, values: Vec<f64>| {
                numbers(name, ColumnKind::Numerical, ValueFormat::Integer, values)
            };
            vec![
                numbers("start_time", ColumnKind::Datetime, format.clone(), starts),
                numbers("end_time", ColumnKind::Datetime, format, ends),
                integer("duration_min", written),
                integer("room", rows.map(|i| (i * 13 % 9) as f64).collect()),
            ]
        };
        let rules = found(&appointments(false));
        let elapsed: Vec<&String> = rules.iter().filter(|r| r.contains("minutes(")).collect();
        assert_eq!(
            elapsed,
            ["duration_min = minutes(end_time - start_time)"],
            "{rules:?}"
        );
        assert!(
            !rules
                .iter()
                .any(|r| r.contains("hours(") || r.contains("seconds("))
        );
        let rules = found(&appointments(true));
        assert!(!rules.iter().any(|r| r.contains("minutes(")), "{rules:?}");
    }
}
