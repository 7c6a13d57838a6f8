//! Finding the periods of a categorical column along a datetime ([`RuleKind::Periods`]): a
//! value seen only between two days (TPC-H's `l_returnflag` is `N` from the day
//! `l_receiptdate` passes 1995-06-17, `R` or `A` until then).
//!
//! Why apart from the other searches: a period is not a function (two values share the days
//! before the cut), so neither a lookup nor a calendar's steps find it, and trees drawing the
//! flag from bins of the date mixed `N` and `R` in the weeks around the cut (500 of 60,000
//! TPC-H lines broke it).

use std::collections::HashMap;

use super::measure::{breaks_if_kept, chance_rate, in_period, significant};
use super::{Frame, Part, Resolved, RuleKind};
use crate::data::{Value, ValueKey};
use crate::schema::ColumnKind;

/// The most values (seen at least twice the privacy threshold) a column with periods may have:
/// statuses and flags, not names.
const MAX_VALUES: usize = 64;

/// The most distinct values (rare ones included) a column with periods may have.
const MAX_DISTINCT: usize = 1024;

/// A value's period: (value, first day, last day, real rows), as [`RuleKind::Periods`] keeps it.
pub type Period = (Value, i64, i64, usize);

/// The periods of every categorical column (not one `determined` already) along every
/// datetime column of the frame, where they hold in all but
/// [`FUNCTION_TOLERANCE`](super::measure::FUNCTION_TOLERANCE) of the rows and chance would
/// break them far more often (pairing each row's day with another row's value). A pair is tried on every row only when the `sample` rows show a period: a value
/// with fewer than twice `min_count` of them (about 2% of the rows) is none.
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    determined: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let own = |kind: ColumnKind| {
        frame
            .columns
            .iter()
            .filter(move |c| c.kind == kind)
            .map(Resolved::Own)
            .take(max_columns)
    };
    let sources: Vec<Resolved<'_>> = own(ColumnKind::Datetime).collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let targets: Vec<Resolved<'_>> = own(ColumnKind::Categorical)
        .chain(own(ColumnKind::Boolean))
        .filter(|target| !determined(&target.column().name))
        .collect();
    let mut found = Vec::new();
    for target in &targets {
        // One datetime per column: the one whose periods the fewest rows break.
        let rule = sources
            .iter()
            .filter_map(|source| {
                // A screen on the sample first: most pairs have no period there, and a pass
                // over every row for each pair cost TPC-H's lines 40 ms.
                let on_sample = fit_rows(*target, *source, sample.iter().copied(), min_count)?;
                on_sample.iter().any(bounded).then_some(())?;
                let periods = fit(*target, *source, frame.rows, min_count)?;
                periods.iter().any(bounded).then_some(())?;
                let check =
                    |r: usize, o: usize| in_period(&periods, target.value(o), source.value(r));
                let chance = chance_rate(sample, check)?;
                let rule = RuleKind::Periods {
                    target: target.column().name.clone(),
                    source: source.column().name.clone(),
                    periods,
                };
                breaks_if_kept(rule, frame, chance)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, rule)| rule);
        found.extend(rule);
    }
    found
}

/// The period of every value of `target` seen in at least twice `min_count` rows with a day of
/// `source` (sorted by value; `None` with more than 64 such values or fewer than two): from
/// the day of its `min_count`-th row to that of its `min_count`-th last, so that no end is the
/// day of one or a few rows. An end chance would keep as well (the value's days spread like
/// everyone's on that side) is open (`i64::MIN` or `i64::MAX`): a value on every day has the
/// whole calendar, and one that stops on a day has no start (the first days of the calendar,
/// where few rows are, would otherwise be no value's).
pub fn fit(
    target: Resolved<'_>,
    source: Resolved<'_>,
    rows: usize,
    min_count: usize,
) -> Option<Vec<Period>> {
    fit_rows(target, source, 0..rows, min_count)
}

/// Whether a period has an end (a value of a period rule kept to some days).
fn bounded((_, first, last, _): &Period) -> bool {
    *first > i64::MIN || *last < i64::MAX
}

/// [`fit`] on some of the rows.
fn fit_rows(
    target: Resolved<'_>,
    source: Resolved<'_>,
    rows: impl Iterator<Item = usize>,
    min_count: usize,
) -> Option<Vec<Period>> {
    let mut days_of: HashMap<ValueKey, (&Value, Vec<i64>)> = HashMap::new();
    let mut all_days = Vec::new();
    for row in rows {
        let value = target.value(row);
        let day = source
            .value(row)
            .as_number()
            .and_then(|x| Part::DaySeq.of(x));
        if let (false, Some(day)) = (value.is_null(), day) {
            let (_, days) = days_of
                .entry(ValueKey::of(value))
                .or_insert_with(|| (value, Vec::new()));
            days.push(day);
            all_days.push(day);
            // Names and ids, not statuses: not worth a pass over every row.
            if days_of.len() > MAX_DISTINCT {
                return None;
            }
        }
    }
    all_days.sort_unstable();
    let mut found: Vec<(&Value, Vec<i64>, i64, i64)> = days_of
        .into_values()
        .filter(|(_, days)| days.len() >= 2 * min_count.max(1))
        .map(|(value, mut days)| {
            days.sort_unstable();
            let (first, last) = ends(&days, &all_days, min_count);
            (value, days, first, last)
        })
        .collect();
    if !(2..=MAX_VALUES).contains(&found.len()) {
        return None;
    }
    close_gaps(&mut found);
    let mut periods: Vec<Period> = found
        .into_iter()
        .map(|(value, days, first, last)| (value.clone(), first, last, days.len()))
        .collect();
    periods.sort_by(|a, b| a.0.order(&b.0));
    Some(periods)
}

/// A value's period from its days (sorted): its `min_count`-th day to its `min_count`-th
/// last, an end open where chance would keep to it as well.
fn ends(days: &[i64], all_days: &[i64], min_count: usize) -> (i64, i64) {
    let edge = min_count.max(1) - 1;
    let (first, last) = (days[edge], days[days.len() - 1 - edge]);
    let before = |sorted: &[i64]| sorted.partition_point(|&d| d < first);
    let after = |sorted: &[i64]| sorted.len() - sorted.partition_point(|&d| d <= last);
    (
        if kept(days, all_days, before) {
            first
        } else {
            i64::MIN
        },
        if kept(days, all_days, after) {
            last
        } else {
            i64::MAX
        },
    )
}

/// Moves each end toward the other values' periods, to the value's own day nearest them, then
/// halfway across the days left between: the days between one value's last day and another's
/// first (a flag turning on a day, in a table of a few rows a day) would otherwise be no
/// value's, and rows there break the rule. An end moves only across days no other period
/// holds, so a value's stray rows among another's days stay outside its period.
fn close_gaps(found: &mut [(&Value, Vec<i64>, i64, i64)]) {
    for halfway in [false, true] {
        let ends: Vec<(i64, i64)> = found.iter().map(|f| (f.2, f.3)).collect();
        for (at, (_, days, first, last)) in found.iter_mut().enumerate() {
            let others = || ends.iter().enumerate().filter(move |(i, _)| *i != at);
            if *first > i64::MIN
                && let Some(end) = others().map(|(_, e)| e.1).filter(|&e| e < *first).max()
            {
                *first = if halfway {
                    end + (*first - end + 1) / 2
                } else {
                    days[days.partition_point(|&d| d <= end)]
                };
            }
            if *last < i64::MAX
                && let Some(start) = others().map(|(_, e)| e.0).filter(|&s| s > *last).min()
            {
                *last = if halfway {
                    *last + (start - *last + 1) / 2 - 1
                } else {
                    days[days.partition_point(|&d| d < start) - 1]
                };
            }
        }
    }
}

/// Whether a value's days (sorted) keep off one side of its period (`beyond` counts the days
/// of a sorted list there) far better than days drawn from every row's (`all_days`) would.
fn kept(days: &[i64], all_days: &[i64], beyond: impl Fn(&[i64]) -> usize) -> bool {
    let share_beyond = beyond(all_days) as f64 / all_days.len().max(1) as f64;
    significant(days.len(), beyond(days), 1.0 - share_beyond)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Column, ValueFormat};

    const DAY: f64 = 86_400.0;

    fn column(name: &str, kind: ColumnKind, values: Vec<Value>) -> Column {
        let format = match kind {
            ColumnKind::Datetime => ValueFormat::Datetime {
                pattern: "%Y-%m-%d".into(),
                date_only: true,
                offset: None,
                upper: false,
            },
            _ => ValueFormat::Verbatim,
        };
        Column {
            name: name.into(),
            kind,
            format,
            values,
        }
    }

    /// Flags over 1,000 days, 12 rows a day: `N` from day 500 on; `R` and `A` before, in
    /// turns; `X` on any day (every third row).
    fn planted() -> Vec<Column> {
        let (mut flags, mut days) = (Vec::new(), Vec::new());
        for row in 0..12_000usize {
            let day = (row * 7919) % 1000;
            let flag = match (row % 3, day >= 500, row % 2) {
                (0, ..) => "X",
                (_, true, _) => "N",
                (_, false, 0) => "R",
                _ => "A",
            };
            flags.push(Value::Label(flag.into()));
            days.push(Value::Number(day as f64 * DAY + 3600.0));
        }
        vec![
            column("flag", ColumnKind::Categorical, flags),
            column("date", ColumnKind::Datetime, days),
        ]
    }

    fn found(columns: &[Column]) -> Vec<RuleKind> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        let sample: Vec<usize> = (0..512).map(|i| i * frame.rows / 512).collect();
        discover(&frame, &sample, 5, &|_| false, 256)
    }

    #[test]
    fn a_flag_turning_on_a_day_gets_periods_and_an_unrelated_value_none() {
        let rules = found(&planted());
        let [RuleKind::Periods { periods, .. }] = &rules[..] else {
            panic!("expected one periods rule, found {rules:?}");
        };
        let period = |flag: &str| {
            let at = periods
                .iter()
                .find(|p| p.0 == Value::Label(flag.into()))
                .expect("a period for every frequent value");
            (at.1, at.2)
        };
        assert_eq!(period("N"), (500, i64::MAX));
        // `R` and `A` are on every other day: their periods end on one of the last days.
        for flag in ["R", "A"] {
            assert!((495..500).contains(&period(flag).1), "{:?}", period(flag));
            assert_eq!(period(flag).0, i64::MIN, "no start: {:?}", period(flag));
        }
        assert_eq!(period("X"), (i64::MIN, i64::MAX));
    }

    #[test]
    fn values_spread_over_every_day_have_no_periods() {
        let mut columns = planted();
        columns[0].values = (0..12_000)
            .map(|row| Value::Label(["N", "R", "A"][row % 3].into()))
            .collect();
        assert!(found(&columns).is_empty());
    }

    #[test]
    fn a_few_rows_off_their_period_do_not_widen_it() {
        let mut columns = planted();
        // Four `N` rows on early days: the period still starts on day 500.
        for row in [3usize, 4, 5, 7] {
            columns[0].values[row] = Value::Label("N".into());
            columns[1].values[row] = Value::Number(row as f64 * DAY);
        }
        let rules = found(&columns);
        let [RuleKind::Periods { periods, .. }] = &rules[..] else {
            panic!("expected one periods rule, found {rules:?}");
        };
        let n = periods.iter().find(|p| p.0 == Value::Label("N".into()));
        assert_eq!(n.map(|p| p.1), Some(500));
    }
}
