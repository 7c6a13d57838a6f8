//! How many rows of a frame obey a rule: the support of a rule found in real data, and the
//! adherence `evaluate` reports for synthetic data. One definition serves both, so a rule found
//! with 100% real support is measured the same way on the copy. Also when a support is enough
//! to call a rule one (the thresholds and the chance test every search shares).

use serde::Serialize;

use std::collections::HashMap;

use super::{
    ChildTerm, Col, Frame, IntOp, Line, Mapping, ParentFrame, Part, Resolved, RuleKind, Shift,
    ShiftUnit, Span, TimeUnit,
};
use crate::data::{Column, Value, ValueFormat, second_step};
use crate::stats::on_step;

/// Rows a rule needs values in before it counts.
pub const MIN_SUPPORT: usize = 20;
/// Share of rows an order may break and still be a rule.
pub const ORDER_TOLERANCE: f64 = 0.001;
/// Share of rows a determined column (calendar, arithmetic, sum, copy) may break. Lookups
/// (fitted to the data, so they would always look nearly right) must hold in every row.
pub const FUNCTION_TOLERANCE: f64 = 0.01;
/// The largest odds of a rule holding by chance in every row where it is found.
pub const CHANCE: f64 = 1e-6;

/// Whether a rule with `support` rows of which `broken` break it, where random pairings hold
/// with rate `h`, is no coincidence: fewer breaks than chance would give, with odds below
/// [`CHANCE`].
pub fn significant(support: usize, broken: usize, h: f64) -> bool {
    let expected = support as f64 * (1.0 - h);
    // A rule removes at least nine in ten of the breaks chance would make.
    if support < MIN_SUPPORT || h >= 1.0 || broken as f64 > 0.1 * expected {
        return false;
    }
    // ln P(Poisson(expected) <= broken), summed in log space.
    let mut log_term = -expected;
    let mut log_sum = log_term;
    for k in 1..=broken {
        log_term += expected.ln() - (k as f64).ln();
        let (high, low) = if log_term > log_sum {
            (log_term, log_sum)
        } else {
            (log_sum, log_term)
        };
        log_sum = high + (low - high).exp().ln_1p();
    }
    log_sum < CHANCE.ln()
}

/// The rate at which `check` holds when the second value comes from another sampled row.
pub fn chance_rate(
    sample: &[usize],
    mut check: impl FnMut(usize, usize) -> Option<bool>,
) -> Option<f64> {
    let (mut tried, mut held) = (0usize, 0usize);
    for shift in [1, 7, 31, 97] {
        for (k, &row) in sample.iter().enumerate() {
            let other = sample[(k + shift) % sample.len()];
            if other == row {
                continue;
            }
            if let Some(holds) = check(row, other) {
                tried += 1;
                held += usize::from(holds);
            }
        }
    }
    (tried > 0).then(|| held as f64 / tried as f64)
}

/// Rows with every value a rule reads, and how many of them obey it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Adherence {
    /// Rows where every column of the rule has a value (and, for lookups, a known key; for
    /// an empty rule, rows where its `when` column is empty).
    pub support: usize,
    /// Of those, the rows obeying the rule.
    pub holding: usize,
}

impl Adherence {
    /// The share obeying (`None` without support).
    pub fn share(&self) -> Option<f64> {
        (self.support > 0).then(|| self.holding as f64 / self.support as f64)
    }
}

/// Counts the rows of `frame` obeying `rule`; `None` when the frame lacks one of its columns.
pub fn measure(rule: &RuleKind, frame: &Frame<'_>) -> Option<Adherence> {
    match rule {
        RuleKind::ChildTotal { total, term } => return child_totals(total, term, frame),
        RuleKind::ChildValues {
            target,
            source,
            table,
        } => return child_values((target, source), table, frame),
        _ => {}
    }
    let columns: Vec<Resolved<'_>> = rule
        .columns()
        .iter()
        .map(|col| frame.resolve(col))
        .collect::<Option<_>>()?;
    let check = row_check(rule, &columns);
    let mut adherence = Adherence::default();
    for row in 0..frame.rows {
        let values: Vec<&Value> = columns.iter().map(|c| c.value(row)).collect();
        if let Some(holds) = check(&values) {
            adherence.support += 1;
            adherence.holding += usize::from(holds);
        }
    }
    Some(adherence)
}

/// Whether `top / bottom` (`bottom` above zero) lies in `[min, max]`, to a millionth of the
/// ratio: amounts rounded to cents make ratios a hair outside the real ones.
pub fn ratio_within(top: f64, bottom: f64, (min, max): (f64, f64)) -> bool {
    let ratio = top / bottom;
    let slack = 1e-6 * (max.abs() + 1.0);
    ratio >= min - slack && ratio <= max + slack
}

type Check<'r> = Box<dyn Fn(&[&Value]) -> Option<bool> + 'r>;

/// Whether one row (the rule's columns' values, in [`RuleKind::columns`] order) obeys the
/// rule; `None` when the row says nothing (an empty value, an unknown lookup key).
pub fn row_check<'r>(rule: &'r RuleKind, columns: &[Resolved<'_>]) -> Check<'r> {
    let numbers = |values: &[&Value]| -> Option<Vec<f64>> {
        values.iter().map(|value| value.as_number()).collect()
    };
    match rule {
        RuleKind::Order { strict, .. } => Box::new(move |values| {
            let x = numbers(values)?;
            Some(if *strict { x[0] < x[1] } else { x[0] <= x[1] })
        }),
        RuleKind::Difference { min, max, year, .. } => {
            let slack = 1e-9 * (min.abs() + max.abs() + 1.0);
            Box::new(move |values| {
                let x = numbers(values)?;
                let from = if *year {
                    super::year_start(x[0])?
                } else {
                    x[0]
                };
                let gap = x[1] - from;
                Some(gap >= min - slack && gap <= max + slack)
            })
        }
        RuleKind::DifferenceBy {
            min, max, spans, ..
        } => {
            let slack = 1e-9 * (min.abs() + max.abs() + 1.0);
            Box::new(move |values| {
                let x = numbers(&values[..2])?;
                if values[2].is_null() {
                    return None;
                }
                let at = span_at(spans, values[2]);
                let (lo, hi) = at.map_or((*min, *max), |at| (spans[at].1, spans[at].2));
                let gap = x[1] - x[0];
                Some(gap >= lo - slack && gap <= hi + slack)
            })
        }
        RuleKind::Ratio { min, max, .. } => Box::new(move |values| {
            let x = numbers(values)?;
            (x[1] > 0.0).then(|| ratio_within(x[0], x[1], (*min, *max)))
        }),
        RuleKind::Elapsed { unit, .. } => {
            let tolerance = elapsed_tolerance(columns.first().map(|c| c.column()), *unit);
            let seconds = unit.seconds();
            Box::new(move |values| {
                let x = numbers(values)?;
                Some((x[2] - x[1] - x[0] * seconds).abs() <= tolerance)
            })
        }
        RuleKind::Arithmetic { op, divisor, .. } => Box::new(move |values| {
            let x = numbers(values)?;
            let source = x[1].round() as i64;
            let expected = match op {
                IntOp::Div => source.div_euclid(*divisor),
                IntOp::Rem => source.rem_euclid(*divisor),
            };
            Some(same_number(x[0], expected as f64))
        }),
        RuleKind::Calendar { part, mapping, .. } => Box::new(move |values| {
            if values[0].is_null() {
                return None;
            }
            let key = part.of(values[1].as_number()?)?;
            let expected = calendar_value(*part, mapping, key)?;
            Some(same(values[0], &expected))
        }),
        RuleKind::Lookup { table, .. } => Box::new(move |values| {
            if values[0].is_null() {
                return None;
            }
            let expected = lookup(table, values[1])?;
            Some(same(values[0], expected))
        }),
        RuleKind::Periods { periods, .. } => {
            Box::new(move |values| in_period(periods, values[0], values[1]))
        }
        RuleKind::Belongs { pairs, .. } => {
            let members = members(pairs);
            Box::new(move |values| belongs(pairs, &members, values[0], values[1]))
        }
        RuleKind::Shifted { unit, shifts, .. } => {
            Box::new(move |values| shifted(shifts, *unit, (values[1], values[0]), values[2]))
        }
        RuleKind::Linear { lines, .. } => {
            let tolerance = columns.first().map_or(0.0, |c| tolerance_of(*c));
            Box::new(move |values| on_line(lines, tolerance, (values[1], values[0]), values[2]))
        }
        RuleKind::Sum { clock, .. } => {
            let finest = columns
                .iter()
                .map(|c| unit(c.column()))
                .filter(|unit| *unit > 0.0)
                .fold(f64::INFINITY, f64::min);
            let tolerance = if finest.is_finite() {
                0.5 * finest
            } else {
                1e-9
            };
            let clock = *clock;
            Box::new(move |values| {
                let x = numbers(values)?;
                Some(if clock {
                    let gap = clock_minutes(x[1]) + x[2] - clock_minutes(x[0]);
                    (gap.round() as i64).rem_euclid(1440) == 0
                } else {
                    let sum: f64 = x[1..].iter().sum();
                    (x[0] - sum).abs() <= tolerance.max(1e-9 * x[0].abs())
                })
            })
        }
        RuleKind::Product { .. } => {
            // The product is written on the total's grid: half its step apart at most.
            let step = unit(columns[0].column());
            let tolerance = if step > 0.0 { 0.5 * step } else { 1e-9 };
            Box::new(move |values| {
                let x = numbers(values)?;
                Some((x[0] - x[1] * x[2]).abs() <= tolerance.max(1e-9 * x[0].abs()))
            })
        }
        RuleKind::KeyedProduct { low, high, .. } => {
            let step = unit(columns[0].column());
            let tolerance = if step > 0.0 { 0.5 * step } else { 1e-9 };
            Box::new(move |values| {
                let x = numbers(values)?;
                let product = x[1] * x[2];
                if product == 0.0 || !product.is_finite() {
                    return None;
                }
                let (a, b) = (low * product, high * product);
                let (from, to) = if a <= b { (a, b) } else { (b, a) };
                let slack = tolerance.max(1e-9 * x[0].abs());
                Some(x[0] >= from - slack && x[0] <= to + slack)
            })
        }
        RuleKind::ClockTime { .. } => {
            Box::new(|values| Some(is_clock_time(values[0].as_number()?)))
        }
        RuleKind::DateParts { .. } => Box::new(move |values| {
            let x = numbers(values)?;
            Some(is_date(x[0], x[1], x[2]))
        }),
        RuleKind::LocalTime { offsets, .. } => Box::new(move |values| {
            let x = numbers(values)?;
            let [target, year, month, day, hour] = x[..] else {
                return None;
            };
            let expected = super::local_time::value([year, month, day, hour], offsets)?;
            Some((target - expected).abs() < 0.5)
        }),
        // Rows where `when` has a value say nothing: the rule is about the empty ones.
        RuleKind::Empty { .. } => Box::new(|values| {
            values[0]
                .is_null()
                .then(|| values[1..].iter().all(|value| value.is_null()))
        }),
        // A total is measured per parent ([`child_totals`]): a row says nothing.
        RuleKind::ChildTotal { .. } | RuleKind::ChildValues { .. } => Box::new(|_| None),
        // Rows of another label (or none) say nothing.
        RuleKind::CopyParentWhen { label, .. } => Box::new(move |values| {
            if values[0].is_null() || values[1].is_null() || !same(values[2], label) {
                None
            } else {
                Some(same(values[0], values[1]))
            }
        }),
        RuleKind::Fractions { fractions, .. } => {
            let tolerance = fraction_tolerance(columns[0].column());
            Box::new(move |values| {
                let x = numbers(values)?;
                (x[1] > 0.0).then(|| {
                    nearest_fraction(x[0], x[1], fractions).is_some_and(|f| {
                        (x[0] - x[1] * f).abs() <= tolerance.max(1e-9 * x[0].abs())
                    })
                })
            })
        }
        RuleKind::KeyedPrefix { .. } | RuleKind::CodeDigit { .. } => {
            Box::new(move |values| code_holds(rule, values))
        }
        RuleKind::CopyParent { .. } | RuleKind::KeyedCopy { .. } => Box::new(|values| {
            if values[0].is_null() || values[1].is_null() {
                None
            } else {
                Some(same(values[0], values[1]))
            }
        }),
    }
}

/// Relative slack of a total: sums of rounded amounts drift from the rounded sum (TPC-H's
/// totals are 0.1 apart from their lines' sum at most, on totals of hundreds of thousands).
const RELATIVE_SLACK: f64 = 1e-5;

/// A term read from a child table's columns.
pub(super) struct Term<'a> {
    amount: Option<&'a Column>,
    factor: Option<&'a Column>,
    less: Option<&'a Column>,
    plus: Option<&'a Column>,
}

impl<'a> Term<'a> {
    /// `None` when `columns` lack a column the term names.
    pub(super) fn of(term: &ChildTerm, columns: &'a [Column]) -> Option<Term<'a>> {
        let find = |name: &Option<String>| -> Option<Option<&'a Column>> {
            match name {
                None => Some(None),
                Some(name) => columns.iter().find(|c| &c.name == name).map(Some),
            }
        };
        Some(Term {
            amount: find(&term.amount)?,
            factor: find(&term.factor)?,
            less: find(&term.less)?,
            plus: find(&term.plus)?,
        })
    }

    /// What row `row` adds, from its values as written (on each column's grid: a price drawn
    /// as 12.345 is written 12.35, and the total must agree with what is read); `None` when a
    /// value it reads is empty.
    pub(super) fn at(&self, row: usize) -> Option<f64> {
        let read = |column: &Column| {
            let x = column.values.get(row).and_then(Value::as_number)?;
            Some(on_step(x, unit(column)))
        };
        let mut x = match self.amount {
            Some(amount) => read(amount)?,
            None => 1.0,
        };
        if let Some(factor) = self.factor {
            x *= read(factor)?;
        }
        if let Some(less) = self.less {
            x *= 1.0 - read(less)?;
        }
        if let Some(plus) = self.plus {
            x *= 1.0 + read(plus)?;
        }
        Some(x)
    }
}

/// Whether a parent's `total` agrees with the sum of its `children` rows' terms: a count
/// exactly, a sum within a step of the total's grid per child (each rounded amount may be
/// off by one) and [`RELATIVE_SLACK`].
pub(super) fn agrees(total: f64, sum: f64, step: f64, (count, children): (bool, usize)) -> bool {
    let slack = if count {
        0.5
    } else {
        step.max(1e-9) * (children as f64 + 1.0) + RELATIVE_SLACK * total.abs()
    };
    (total - sum).abs() <= slack
}

/// The child rows of every parent row that has some, parents in the order of their first child.
pub(super) fn groups(row_of: &[Option<usize>]) -> Vec<(usize, Vec<usize>)> {
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (row, parent) in row_of.iter().enumerate() {
        let Some(parent) = *parent else { continue };
        let at = *index.entry(parent).or_insert_with(|| {
            groups.push((parent, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(row);
    }
    groups
}

/// The sum of a group's terms (`None` when one is empty).
pub(super) fn group_sum(term: &Term<'_>, rows: &[usize]) -> Option<f64> {
    rows.iter().map(|&row| term.at(row)).sum()
}

/// The parent's column a total names, when it is the frame's parent's.
fn total_column<'a>(total: &Col, parent: &ParentFrame<'a>) -> Option<&'a Column> {
    match total {
        Col::Parent { table, column } if table == parent.table => {
            parent.columns.iter().find(|c| &c.name == column)
        }
        _ => None,
    }
}

/// Counts the parents of `frame` with children (and a value in every column read) whose
/// `total` agrees with their children's terms ([`RuleKind::ChildTotal`]). `None` without the
/// parent's column.
fn child_totals(total: &Col, term: &ChildTerm, frame: &Frame<'_>) -> Option<Adherence> {
    let parent = frame.parent?;
    let total = total_column(total, &parent)?;
    let resolved = Term::of(term, frame.columns)?;
    let (step, count) = (unit(total), term.amount.is_none());
    let mut adherence = Adherence::default();
    for (parent_row, rows) in groups(parent.row_of) {
        let value = total.values.get(parent_row).and_then(Value::as_number);
        let (Some(value), Some(sum)) = (value, group_sum(&resolved, &rows)) else {
            continue;
        };
        adherence.support += 1;
        adherence.holding += usize::from(agrees(value, sum, step, (count, rows.len())));
    }
    Some(adherence)
}

/// The distinct values of a child's column among `rows` (sorted, no repeats); `None` when
/// one is empty.
pub(super) fn values_of(column: &Column, rows: &[usize]) -> Option<Vec<Value>> {
    let mut values: Vec<Value> = Vec::with_capacity(2);
    for &row in rows {
        let value = column.values.get(row)?;
        if value.is_null() {
            return None;
        }
        if !values.contains(value) {
            values.push(value.clone());
        }
    }
    values.sort_by(|a, b| a.order(b));
    Some(values)
}

/// The value a parent takes for the set of its children's `values`, by `table`.
pub(super) fn value_for<'t>(
    table: &'t [(Vec<Value>, Value)],
    values: &[Value],
) -> Option<&'t Value> {
    table
        .iter()
        .find(|(set, _)| set.as_slice() == values)
        .map(|(_, value)| value)
}

/// Counts the parents of `frame` with children whose set of `source` values `table` holds,
/// and of them those whose `target` is the value it gives ([`RuleKind::ChildValues`]).
fn child_values(
    (target, source): (&Col, &String),
    table: &[(Vec<Value>, Value)],
    frame: &Frame<'_>,
) -> Option<Adherence> {
    let parent = frame.parent?;
    let target = total_column(target, &parent)?;
    let source = frame.columns.iter().find(|c| &c.name == source)?;
    let mut adherence = Adherence::default();
    for (parent_row, rows) in groups(parent.row_of) {
        let Some(expected) =
            values_of(source, &rows).and_then(|set| value_for(table, &set).cloned())
        else {
            continue;
        };
        let Some(value) = target.values.get(parent_row).filter(|v| !v.is_null()) else {
            continue;
        };
        adherence.support += 1;
        adherence.holding += usize::from(same(value, &expected));
    }
    Some(adherence)
}

/// How far, in seconds, the time between two datetimes may be from an amount of `counted`
/// units and still be that amount: half the amount's step (an amount in whole minutes covers
/// the 30 seconds either side), at least half a second.
pub fn elapsed_tolerance(amount: Option<&Column>, counted: TimeUnit) -> f64 {
    let step = amount.map_or(0.0, unit);
    (0.5 * step * counted.seconds()).max(0.5)
}

/// How far a value may be from its parent's value times a fraction ([`RuleKind::Fractions`])
/// and still be it: half the column's step (the value is rounded to it), a hair more for the
/// float noise of a product on a half step.
pub fn fraction_tolerance(column: &Column) -> f64 {
    let step = unit(column);
    if step > 0.0 {
        0.5 * step * (1.0 + 1e-6)
    } else {
        1e-9
    }
}

/// The fraction of `fractions` whose share of `parent` is nearest `x` (`None` of none).
pub fn nearest_fraction(x: f64, parent: f64, fractions: &[f64]) -> Option<f64> {
    fractions
        .iter()
        .copied()
        .min_by(|a, b| (x - parent * a).abs().total_cmp(&(x - parent * b).abs()))
}

/// The smallest step a column's written values take (0 when unknown): 1 for integers,
/// 10^-places for decimals, a day for dates, a second for timestamps (or the fraction of one
/// they write, [`second_step`]).
pub fn unit(column: &Column) -> f64 {
    match &column.format {
        ValueFormat::Integer => 1.0,
        ValueFormat::Decimal { max_places, .. } => 10f64.powi(-(*max_places as i32)),
        ValueFormat::Datetime {
            date_only: true, ..
        } => 86_400.0,
        ValueFormat::Datetime { pattern, .. } => second_step(pattern).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The target value a calendar part maps to.
pub fn calendar_value(_part: Part, mapping: &Mapping, key: i64) -> Option<Value> {
    match mapping {
        Mapping::Offset(offset) => Some(Value::Number(key.checked_add(*offset)? as f64)),
        Mapping::Table(table) => table.get(&key).cloned(),
        Mapping::Steps(steps) => {
            let after = steps.partition_point(|(start, _)| *start <= key);
            steps
                .get(after.saturating_sub(1))
                .map(|(_, value)| value.clone())
        }
    }
}

/// The value a lookup table gives `key`.
pub fn lookup<'t>(table: &'t [(Value, Value)], key: &Value) -> Option<&'t Value> {
    table
        .binary_search_by(|(k, _)| k.order(key))
        .ok()
        .map(|index| &table[index].1)
}

/// `rule` with the share of the frame's rows that break it, when it holds in all but
/// [`FUNCTION_TOLERANCE`] of them and chance (which keeps it in a share `chance` of rows)
/// would break far more: how the searches that fit a table of values (periods, belongs)
/// accept what they fitted.
pub fn breaks_if_kept(rule: RuleKind, frame: &Frame<'_>, chance: f64) -> Option<(f64, RuleKind)> {
    let Adherence { support, holding } = measure(&rule, frame)?;
    let broken = support - holding;
    let within = broken as f64 <= FUNCTION_TOLERANCE * support as f64;
    (within && significant(support, broken, chance)).then(|| (broken as f64 / support as f64, rule))
}

/// Whether `value` lies in its period of `periods` ([`RuleKind::Periods`]) when its row's
/// datetime is `moment`: always for a value without a period; `None` when either is empty.
pub fn in_period(
    periods: &[(Value, i64, i64, usize)],
    value: &Value,
    moment: &Value,
) -> Option<bool> {
    if value.is_null() {
        return None;
    }
    // Without reading the calendar: this runs for every drawn row.
    let day = super::day_number(moment.as_number()?)?;
    Some(period_of(periods, value).is_none_or(|(first, last)| (first..=last).contains(&day)))
}

/// A pair of [`RuleKind::Belongs`]: (owner, member, real rows). An empty member: the owner's
/// real members are all rare (never written), so every member of another owner is out of
/// place beside it and an empty value is written instead.
pub type Pair = (Value, Value, usize);

/// The members of `pairs` ([`RuleKind::Belongs`]), sorted, each once (never the empty one):
/// a value that is none is rare (never written) and may sit beside any owner.
pub fn members(pairs: &[Pair]) -> Vec<Value> {
    let mut members: Vec<Value> = pairs
        .iter()
        .filter(|pair| !pair.1.is_null())
        .map(|pair| pair.1.clone())
        .collect();
    members.sort_by(|a, b| a.order(b));
    members.dedup_by(|a, b| a.order(b).is_eq());
    members
}

/// The pairs of `owner`: a run of `pairs` (sorted by owner, then member).
pub fn pairs_of<'p>(pairs: &'p [Pair], owner: &Value) -> &'p [Pair] {
    let start = pairs.partition_point(|pair| pair.0.order(owner).is_lt());
    let length = pairs[start..].partition_point(|pair| pair.0.order(owner).is_le());
    &pairs[start..start + length]
}

/// Whether `value` belongs to `owner` ([`RuleKind::Belongs`]); `None` when either is empty,
/// when `owner` owns nothing (a rare owner) or `value` is none of the `members`.
pub fn belongs(pairs: &[Pair], members: &[Value], value: &Value, owner: &Value) -> Option<bool> {
    if value.is_null() || owner.is_null() {
        return None;
    }
    let owned = pairs_of(pairs, owner);
    if owned.is_empty() {
        return None;
    }
    if owned.binary_search_by(|pair| pair.1.order(value)).is_ok() {
        return Some(true);
    }
    members
        .binary_search_by(|member| member.order(value))
        .is_ok()
        .then_some(false)
}

/// The shifts of `label`: a run of `shifts` (sorted by label, then units).
pub fn shifts_of<'s>(shifts: &'s [Shift], label: &Value) -> &'s [Shift] {
    let start = shifts.partition_point(|shift| shift.0.order(label).is_lt());
    let length = shifts[start..].partition_point(|shift| shift.0.order(label).is_le());
    &shifts[start..start + length]
}

/// Whether the day of `to` is one of the shifts of `label` after the day of `from`
/// ([`RuleKind::Shifted`]); `None` when a value is empty or the label has no shift (a rare
/// label).
pub fn shifted(
    shifts: &[Shift],
    unit: ShiftUnit,
    (from, to): (&Value, &Value),
    label: &Value,
) -> Option<bool> {
    let (from, to) = (from.as_number()?, to.as_number()?);
    let owned = shifts_of(shifts, label);
    if owned.is_empty() {
        return None;
    }
    let units = unit.between(from, to);
    Some(units.is_some_and(|units| owned.iter().any(|shift| shift.1 == units)))
}

/// How far a target may lie off its line: half its step (what rounding to it moves), a hair
/// more for the float error of the sum.
pub fn tolerance_of(target: Resolved<'_>) -> f64 {
    0.5 * unit(target.column()) * (1.0 + 1e-6)
}

/// Whether `y` lies within `tolerance` of `expected` (a billionth of it at least).
pub(super) fn near(y: f64, expected: f64, tolerance: f64) -> bool {
    (y - expected).abs() <= tolerance.max(1e-9 * expected.abs().max(1.0))
}

/// The position of `label`'s range among `spans` (sorted by label) of a difference by label
/// ([`RuleKind::DifferenceBy`]), if it has one.
pub fn span_at(spans: &[Span], label: &Value) -> Option<usize> {
    spans.binary_search_by(|span| span.0.order(label)).ok()
}

/// The line of `label` among `lines` (sorted by label), if it has one.
pub fn line_for<'l>(lines: &'l [Line], label: &Value) -> Option<&'l Line> {
    let at = lines.binary_search_by(|line| line.0.order(label)).ok()?;
    lines.get(at)
}

/// Whether `target` lies on the line of `label` at `source` within `tolerance`; `None` when
/// a value is empty or the label has no line (a rare label).
pub fn on_line(
    lines: &[Line],
    tolerance: f64,
    (source, target): (&Value, &Value),
    label: &Value,
) -> Option<bool> {
    let (x, y) = (source.as_number()?, target.as_number()?);
    let (_, base, rate, _) = line_for(lines, label)?;
    Some(near(y, base + rate * x, tolerance))
}

/// `x` rounded to `places` decimal places as its decimal text is (the exact binary value
/// rounded, an exact tie to even: Python's `round`, `printf`); `x` where the text does not
/// read back.
pub fn as_decimal_text(x: f64, places: u32) -> f64 {
    let text = format!("{x:.*}", places as usize);
    text.parse().unwrap_or(x)
}

/// The first and last day of `value`'s period (`None`: it has none).
pub fn period_of(periods: &[(Value, i64, i64, usize)], value: &Value) -> Option<(i64, i64)> {
    let at = periods.binary_search_by(|(v, ..)| v.order(value)).ok()?;
    Some((periods[at].1, periods[at].2))
}

/// Whether two values are the same (numbers up to rounding noise).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(*x, *y),
        _ => a == b,
    }
}

fn same_number(x: f64, y: f64) -> bool {
    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
}

/// Minutes since midnight of an HHMM time.
pub fn clock_minutes(hhmm: f64) -> f64 {
    let hhmm = hhmm.round();
    (hhmm / 100.0).floor() * 60.0 + hhmm.rem_euclid(100.0)
}

/// Whether `year`, `month` and `day` name a day of the calendar (whole numbers, year 1..9999).
pub fn is_date(year: f64, month: f64, day: f64) -> bool {
    let last = super::local_time::days_in_month(year, month);
    let whole = [year, month, day].iter().all(|x| x.fract() == 0.0);
    whole && last.is_some_and(|last| (1.0..=last).contains(&day))
}

/// Whether a number is an HHMM clock time: an integer in 0..=2400 whose last two digits are
/// under 60.
pub fn is_clock_time(x: f64) -> bool {
    x.fract() == 0.0 && (0.0..=2400.0).contains(&x) && x.rem_euclid(100.0) < 60.0
}

/// Whether one row keeps a code rule (`values`: the code, then the prefix or the digit's
/// column); `None` when either is empty or not of its type.
pub(super) fn code_holds(kind: &RuleKind, values: &[&Value]) -> Option<bool> {
    let code = text(values.first()?)?;
    match kind {
        RuleKind::KeyedPrefix { separator, .. } => {
            let prefix = text(values.get(1)?)?;
            let separator = separator.chars().next()?;
            Some(has_prefix(code, prefix, separator))
        }
        RuleKind::CodeDigit { place, .. } => {
            let digit = values.get(1)?.as_number()?;
            let at = code.chars().filter(char::is_ascii_digit).nth(place - 1);
            Some(at.and_then(|c| c.to_digit(10)).map(f64::from) == Some(digit))
        }
        _ => None,
    }
}

/// The text of a value, when it is a label.
pub(super) fn text(value: &Value) -> Option<&str> {
    match value {
        Value::Label(text) => Some(text),
        _ => None,
    }
}

/// Whether `code` is `prefix`, then `separator`, then something more.
fn has_prefix(code: &str, prefix: &str, separator: char) -> bool {
    !prefix.is_empty()
        && code
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(separator))
            .is_some_and(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Col;
    use crate::schema::ColumnKind;

    #[test]
    fn steps_give_the_value_of_the_last_step_begun() {
        let label = |text: &str| Value::Label(std::sync::Arc::from(text));
        let steps = Mapping::Steps(vec![(10, label("F")), (20, label("O")), (30, label("X"))]);
        let at = |day: i64| calendar_value(Part::DaySeq, &steps, day);
        assert_eq!(at(-5), Some(label("F")), "before the first step");
        assert_eq!(at(10), Some(label("F")));
        assert_eq!(at(19), Some(label("F")));
        assert_eq!(at(20), Some(label("O")));
        assert_eq!(at(29), Some(label("O")));
        assert_eq!(at(1000), Some(label("X")));
        assert_eq!(
            calendar_value(Part::DaySeq, &Mapping::Steps(Vec::new()), 3),
            None
        );
    }

    fn numbers(name: &str, values: &[f64]) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values: values.iter().map(|x| Value::Number(*x)).collect(),
        }
    }

    #[test]
    fn counts_support_and_holding() {
        let columns = vec![
            numbers("a", &[1.0, 2.0, 3.0, 9.0]),
            Column {
                values: vec![
                    Value::Number(2.0),
                    Value::Null,
                    Value::Number(4.0),
                    Value::Number(5.0),
                ],
                ..numbers("b", &[])
            },
        ];
        let frame = Frame {
            columns: &columns,
            rows: 4,
            parent: None,
        };
        let order = RuleKind::Order {
            low: Col::Own("a".into()),
            high: Col::Own("b".into()),
            strict: false,
        };
        let measured = measure(&order, &frame).unwrap();
        assert_eq!(
            measured,
            Adherence {
                support: 3,
                holding: 2
            }
        );
        let missing = RuleKind::Order {
            low: Col::Own("a".into()),
            high: Col::Own("nope".into()),
            strict: false,
        };
        assert!(measure(&missing, &frame).is_none());
    }

    #[test]
    fn clock_arithmetic_wraps_midnight() {
        assert_eq!(clock_minutes(2359.0), 1439.0);
        assert!(is_clock_time(2400.0) && is_clock_time(0.0) && !is_clock_time(575.0));
        let columns = vec![
            numbers("dep", &[5.0, 1230.0]),
            numbers("sched", &[2355.0, 1200.0]),
            numbers("delay", &[10.0, 30.0]),
        ];
        let frame = Frame {
            columns: &columns,
            rows: 2,
            parent: None,
        };
        let rule = RuleKind::Sum {
            total: "dep".into(),
            a: "sched".into(),
            b: "delay".into(),
            clock: true,
            c: None,
        };
        assert_eq!(measure(&rule, &frame).unwrap().holding, 2);
    }
}
