//! Finding a date that a category's label sets days or months after another date or datetime
//! of the row ([`RuleKind::Shifted`]): a parcel promised 5 days after the day it ships by
//! `Ground`, 2 by `Express`, 1 by `Overnight`; a subscription ending 1 or 12 months after it
//! starts by its plan's interval; an invoice due 30 or 60 days after it is issued by its terms.
//!
//! Why apart from the differences: a difference bounds the gap of every label at once
//! (`promised_date - shipped_at in [0, 5] days`), and a date drawn inside it takes any label's
//! gap: 4,843 of 8,000 synthetic parcels were promised on a day other than their service's.

use std::collections::{HashMap, HashSet};

use super::measure::{breaks_if_kept, chance_rate, shifted};
use super::{Frame, Resolved, RuleKind, Shift, ShiftUnit};
use crate::data::{Value, ValueKey};
use crate::schema::ColumnKind;

/// The most labels the category may have (services, plans, payment terms; not names).
pub const MAX_LABELS: usize = 16;

/// The most shifts one label may take: one in the usual case, a narrow few (30 or 31 days)
/// at most; more, and the label bounds a span rather than setting a shift.
pub const MAX_SHIFTS: usize = 3;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// For each date column (whole days, not one `determined` already), the shift from another
/// datetime of the row that a category of at most [`MAX_LABELS`] labels sets, each label
/// taking at most [`MAX_SHIFTS`] shifts, holding in all rows but
/// [`FUNCTION_TOLERANCE`](super::measure::FUNCTION_TOLERANCE) where chance (the label taken
/// from another row) would break it far more often. One rule per date: the one the fewest rows
/// break, then the one of fewest shifts (the shipping day's, exact, rather than the order
/// day's, a band of three days).
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    determined: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let datetimes: Vec<Resolved<'_>> = (frame.columns.iter())
        .filter(|c| c.kind == ColumnKind::Datetime)
        .map(Resolved::Own)
        .take(max_columns)
        .collect();
    let labels = label_columns(frame, sample, max_columns);
    if labels.is_empty() {
        return Vec::new();
    }
    let is_date: Vec<bool> = datetimes.iter().map(|c| whole_days(*c)).collect();
    let mut found = Vec::new();
    for (at, to) in datetimes.iter().enumerate() {
        if !is_date[at] || determined(&to.column().name) {
            continue;
        }
        let candidates = (datetimes.iter().enumerate())
            .filter(|(other, _)| *other != at)
            .flat_map(|(other, from)| labels.iter().map(move |by| (other, *from, *by)));
        let best = candidates
            .filter_map(|(other, from, by)| {
                // Between two dates, the later one is shifted (the earlier first on a tie).
                let later = is_date[other].then_some(other < at);
                fitted(frame, sample, (*to, from, by), min_count, later)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(.., rule)| rule);
        found.extend(best);
    }
    found
}

/// The rule that `to` is shifted from `from` by the labels of `by`, with the share of rows
/// that break it and its number of shifts, when it holds as [`discover`] asks. `to_later`:
/// for two dates, whether `to` goes after `from` when their shifts add up to nothing.
fn fitted(
    frame: &Frame<'_>,
    sample: &[usize],
    (to, from, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    min_count: usize,
    to_later: Option<bool>,
) -> Option<(f64, usize, RuleKind)> {
    // The unit of fewer shifts: months where each label's day of the month is kept (29, 30
    // or 31 days are one month), days on a tie.
    let unit = (ShiftUnit::ALL.into_iter())
        .filter_map(|unit| Some((screened(sample, (to, from, by), unit)?, unit)))
        .min_by_key(|(shifts, _)| *shifts)
        .map(|(_, unit)| unit)?;
    let shifts = fit((to, from, by), unit, frame.rows, min_count);
    let mut per_label: Vec<usize> = Vec::new();
    for (at, shift) in shifts.iter().enumerate() {
        match at > 0 && shifts[at - 1].0.order(&shift.0).is_eq() {
            true => *per_label.last_mut()? += 1,
            false => per_label.push(1),
        }
    }
    let labels_fit = (2..=MAX_LABELS).contains(&per_label.len());
    if !labels_fit || per_label.iter().any(|&n| n > MAX_SHIFTS) {
        return None;
    }
    if let Some(to_later) = to_later {
        let total: i64 = (shifts.iter())
            .map(|s| s.1.saturating_mul(s.2 as i64))
            .sum();
        if total < 0 || (total == 0 && !to_later) {
            return None;
        }
    }
    let check =
        |r: usize, o: usize| shifted(&shifts, unit, (from.value(r), to.value(r)), by.value(o));
    let chance = chance_rate(sample, check)?;
    let count = shifts.len();
    let rule = RuleKind::Shifted {
        to: to.column().name.clone(),
        from: from.column().name.clone(),
        by: by.column().name.clone(),
        unit,
        shifts,
    };
    breaks_if_kept(rule, frame, chance).map(|(share, rule)| (share, count, rule))
}

/// A screen on the sample: every row counts whole `unit`s between its two days, each label
/// shows at most [`MAX_SHIFTS`] of them, two labels at least, and the labels do not all share
/// one set (then the label would set nothing). The number of (label, shift) pairs seen when
/// it passes.
fn screened(
    sample: &[usize],
    (to, from, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    unit: ShiftUnit,
) -> Option<usize> {
    let mut seen: HashMap<ValueKey<'_>, HashSet<i64>> = HashMap::new();
    for &row in sample {
        let Some((label, start, end)) = dated_label(row, (to, from, by)) else {
            continue;
        };
        let units = unit.between(start, end)?;
        let shifts = seen.entry(ValueKey::of(label)).or_default();
        shifts.insert(units);
        if shifts.len() > MAX_SHIFTS {
            return None;
        }
    }
    let widest = seen.values().map(HashSet::len).max().unwrap_or(0);
    let all: HashSet<i64> = seen.values().flatten().copied().collect();
    let pairs = seen.values().map(HashSet::len).sum();
    (seen.len() >= 2 && all.len() > widest).then_some(pairs)
}

/// A row's label and its two datetimes (`from`, then `to`), when it has all three.
fn dated_label<'a>(
    row: usize,
    (to, from, by): (Resolved<'a>, Resolved<'a>, Resolved<'a>),
) -> Option<(&'a Value, f64, f64)> {
    let label = by.value(row);
    let start = from.value(row).as_number()?;
    let end = to.value(row).as_number()?;
    (!label.is_null()).then_some((label, start, end))
}

/// The (label, units, rows) of the rows where `to`, `from` and `by` have values and `to` lies
/// whole `unit`s after `from`, each seen in at least `min_count` rows; sorted by label, then
/// units.
pub fn fit(
    (to, from, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
    unit: ShiftUnit,
    rows: usize,
    min_count: usize,
) -> Vec<Shift> {
    let mut counts: HashMap<(ValueKey<'_>, i64), Shift> = HashMap::new();
    for row in 0..rows {
        let Some((label, start, end)) = dated_label(row, (to, from, by)) else {
            continue;
        };
        if let Some(units) = unit.between(start, end) {
            let entry = counts.entry((ValueKey::of(label), units));
            entry.or_insert_with(|| (label.clone(), units, 0)).2 += 1;
        }
    }
    let mut shifts: Vec<Shift> = (counts.into_values())
        .filter(|shift| shift.2 >= min_count.max(1))
        .collect();
    shifts.sort_by(|a, b| a.0.order(&b.0).then(a.1.cmp(&b.1)));
    shifts
}

/// Whether every value of a datetime column is a whole day (a date), with one at least.
fn whole_days(column: Resolved<'_>) -> bool {
    let values = column.column().values.iter().filter_map(Value::as_number);
    let mut any = false;
    for x in values {
        if x.rem_euclid(DAY) != 0.0 {
            return false;
        }
        any = true;
    }
    any
}

/// The categories a rule by label reads (shifts, lines, copies in one label's rows): of the
/// first `max_columns` categorical and boolean columns, those of 2 to [`MAX_LABELS`] labels on
/// the sample rows.
pub(super) fn label_columns<'a>(
    frame: &Frame<'a>,
    sample: &[usize],
    max_columns: usize,
) -> Vec<Resolved<'a>> {
    (frame.columns.iter())
        .filter(|c| matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean))
        .map(Resolved::Own)
        .take(max_columns)
        .filter(|c| (2..=MAX_LABELS).contains(&distinct_on(*c, sample, MAX_LABELS)))
        .collect()
}

/// The distinct values of `column` on the sample rows (emptiness aside), counted up to one
/// past `most` (enough to tell a column has too many).
pub(super) fn distinct_on(column: Resolved<'_>, sample: &[usize], most: usize) -> usize {
    let mut seen: HashSet<ValueKey<'_>> = HashSet::new();
    for &row in sample {
        let value = column.value(row);
        if !value.is_null() && seen.insert(ValueKey::of(value)) && seen.len() > most {
            break;
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;
    use crate::rules::Rule;
    use crate::rules::enforce::Enforcer;

    use crate::rules::datetime_column as datetimes;

    /// 600 parcels shipped at all hours of 2024 by three services, promised on the day the
    /// service sets after the shipping day (Ground 5, Express 2, Overnight 1), beside a
    /// colour drawn on its own; with `same_shift`, every service promises 3 days.
    fn parcels(same_shift: bool) -> Vec<Column> {
        let services = ["Ground", "Express", "Overnight"];
        let service = |row: usize| services[(row * 7 + row / 5) % 3];
        let shipped: Vec<f64> = (0..600)
            .map(|row| 1_704_067_200.0 + (row * 50_111 % (360 * 86_400)) as f64 + 1.0)
            .collect();
        let promised: Vec<f64> = (0..600)
            .map(|row| {
                let days = match (same_shift, service(row)) {
                    (true, _) => 3.0,
                    (false, "Ground") => 5.0,
                    (false, "Express") => 2.0,
                    _ => 1.0,
                };
                ((shipped[row] / DAY).floor() + days) * DAY
            })
            .collect();
        vec![
            Column::of_labels("service", (0..600).map(|r| service(r).to_string())),
            Column::of_labels("colour", (0..600).map(|r| format!("c{}", r * 13 % 5))),
            datetimes("shipped_at", false, shipped),
            datetimes("promised_date", true, promised),
        ]
    }

    fn frame(columns: &[Column]) -> Frame<'_> {
        Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        }
    }

    fn shifted_rules(columns: &[Column]) -> Vec<String> {
        let rules = crate::rules::discover::discover(&frame(columns), 5);
        (rules.iter())
            .filter(|rule| matches!(rule.kind, RuleKind::Shifted { .. }))
            .map(|rule| rule.to_string())
            .collect()
    }

    /// Planted: the service sets the promised day; the colour sets nothing, and one shift
    /// for every service is no rule of the label (a plain difference says it).
    #[test]
    fn a_day_the_label_sets_after_another_is_found() {
        assert_eq!(
            shifted_rules(&parcels(false)),
            ["promised_date = shipped_at + days by service (Express 2, Ground 5, Overnight 1)"]
        );
        assert!(shifted_rules(&parcels(true)).is_empty());
        // One Ground parcel in fifty promised a day late: a narrow band of that label.
        let late = |days: fn(usize) -> f64| {
            let mut columns = parcels(false);
            for (k, row) in (0..600).step_by(50).enumerate() {
                if let Value::Number(day) = &mut columns[3].values[row] {
                    *day += days(k) * DAY;
                }
            }
            columns
        };
        assert_eq!(
            shifted_rules(&late(|_| 1.0)),
            [
                "promised_date = shipped_at + days by service (Express 2, Ground 5 or 6, Overnight 1)"
            ]
        );
        // Late by 1 to 4 days, each in fewer rows than the privacy threshold: 2% of the rows
        // break the rule, no rule.
        assert!(shifted_rules(&late(|k| (1 + k % 4) as f64)).is_empty());
    }

    /// Planted: subscriptions ending 1 or 12 calendar months after they start by their plan
    /// (31 January + 1 month is 29 February in 2024): months, not days.
    #[test]
    fn a_whole_number_of_months_stays_months() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
        let days = |date: chrono::NaiveDate| (date - epoch).num_days() as f64 * DAY;
        let plan = |row: usize| if row % 3 == 0 { "yearly" } else { "monthly" };
        let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
        let starts: Vec<chrono::NaiveDate> = (0..400)
            .map(|row| first + chrono::TimeDelta::days((row * 37 % 366) as i64))
            .collect();
        let ends = (0..400).map(|row| {
            let months = chrono::Months::new(if plan(row) == "yearly" { 12 } else { 1 });
            days(starts[row].checked_add_months(months).expect("a date"))
        });
        let columns = vec![
            Column::of_labels("plan", (0..400).map(|r| plan(r).to_string())),
            datetimes("starts_on", true, starts.iter().map(|d| days(*d)).collect()),
            datetimes("ends_on", true, ends.collect()),
        ];
        assert_eq!(
            shifted_rules(&columns),
            ["ends_on = starts_on + months by plan (monthly 1, yearly 12)"]
        );
        let leap = days(chrono::NaiveDate::from_ymd_opt(2024, 1, 31).expect("a date"));
        let end = ShiftUnit::Months.after(leap + 3_600.0, 1).expect("a day");
        assert_eq!(
            end,
            days(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("a date"))
        );
        assert_eq!(ShiftUnit::Months.between(leap, end), Some(1));
        assert_eq!(ShiftUnit::Months.between(leap, end - DAY), None);
        assert_eq!(ShiftUnit::Days.between(leap + 3_600.0, end), Some(29));
    }

    fn rule(kind: RuleKind) -> Rule {
        Rule::planted(kind)
    }

    /// Generation puts the promised day where the service says whatever day was drawn, after
    /// the service and the shipping time; a label of two shifts keeps a drawn day of either
    /// and moves another to one of them.
    #[test]
    fn generation_keeps_the_label_s_shift() {
        let label = |text: &str| Value::Label(text.into());
        let columns = parcels(false);
        let shifts = vec![
            (label("Express"), 2, 40),
            (label("Ground"), 5, 50),
            (label("Overnight"), 1, 10),
        ];
        let kind = |shifts| RuleKind::Shifted {
            to: "promised_date".into(),
            from: "shipped_at".into(),
            by: "service".into(),
            unit: ShiftUnit::Days,
            shifts,
        };
        let (enforcer, order) = Enforcer::compile(
            &[rule(kind(shifts.clone()))],
            (&columns, &[]),
            vec![3, 2, 1, 0],
            &[],
        );
        let at = |column: usize| order.iter().position(|&c| c == column);
        assert!(at(3) > at(2) && at(3) > at(0), "{order:?}");
        let shipped = 1_704_067_200.0 + 13.5 * 3_600.0;
        let mut row = vec![
            label("Overnight"),
            label("c1"),
            Value::Number(shipped),
            Value::Null,
        ];
        let mut rng = crate::sampling::rng_for(1, "t");
        let drawn = Value::Number(1_704_067_200.0 + 4.0 * DAY);
        let fixed = enforcer.fix(3, drawn.clone(), (&row, &[]), (None, None), &mut rng);
        assert_eq!(fixed, Value::Number(1_704_067_200.0 + DAY));
        row[0] = label("Ground");
        let fixed = enforcer.fix(3, drawn.clone(), (&row, &[]), (None, None), &mut rng);
        assert_eq!(fixed, Value::Number(1_704_067_200.0 + 5.0 * DAY));
        // Express of 2 or 3 days: 3 is kept, 4 moves to 2 or 3, as often as the real rows.
        let mut two_ways = shifts;
        two_ways.insert(1, (label("Express"), 3, 40));
        let (enforcer, _) = Enforcer::compile(
            &[rule(kind(two_ways))],
            (&columns, &[]),
            vec![0, 1, 2, 3],
            &[],
        );
        row[0] = label("Express");
        let day = |n: f64| Value::Number(1_704_067_200.0 + n * DAY);
        assert_eq!(
            enforcer.fix(3, day(3.0), (&row, &[]), (None, None), &mut rng),
            day(3.0)
        );
        let mut moved = [0, 0];
        for _ in 0..400 {
            match enforcer.fix(3, day(4.0), (&row, &[]), (None, None), &mut rng) {
                value if value == day(2.0) => moved[0] += 1,
                value if value == day(3.0) => moved[1] += 1,
                value => panic!("{value:?}"),
            }
        }
        assert!(moved.iter().all(|n| (150..=250).contains(n)), "{moved:?}");
    }
}
