//! How many rows of a frame obey a rule: the support of a rule found in real data, and the
//! adherence `evaluate` reports for synthetic data. One definition serves both, so a rule found
//! with 100% real support is measured the same way on the copy.

use serde::Serialize;

use super::{Frame, IntOp, Mapping, Part, Resolved, RuleKind};
use crate::data::{Column, Value, ValueFormat};

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
        RuleKind::Difference { min, max, .. } => {
            let slack = 1e-9 * (min.abs() + max.abs() + 1.0);
            Box::new(move |values| {
                let x = numbers(values)?;
                let gap = x[1] - x[0];
                Some(gap >= min - slack && gap <= max + slack)
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
                    (x[0] - (x[1] + x[2])).abs() <= tolerance.max(1e-9 * x[0].abs())
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
        RuleKind::CopyParent { .. } => Box::new(|values| {
            if values[0].is_null() || values[1].is_null() {
                None
            } else {
                Some(same(values[0], values[1]))
            }
        }),
    }
}

/// The smallest step a column's written values take (0 when unknown): 1 for integers,
/// 10^-places for decimals, a day for dates, a second for timestamps.
pub fn unit(column: &Column) -> f64 {
    match &column.format {
        ValueFormat::Integer => 1.0,
        ValueFormat::Decimal { max_places, .. } => 10f64.powi(-(*max_places as i32)),
        ValueFormat::Datetime {
            date_only: true, ..
        } => 86_400.0,
        ValueFormat::Datetime { .. } => 1.0,
        _ => 0.0,
    }
}

/// The target value a calendar part maps to.
pub fn calendar_value(_part: Part, mapping: &Mapping, key: i64) -> Option<Value> {
    match mapping {
        Mapping::Offset(offset) => Some(Value::Number(key.checked_add(*offset)? as f64)),
        Mapping::Table(table) => table.get(&key).cloned(),
    }
}

/// The value a lookup table gives `key`.
pub fn lookup<'t>(table: &'t [(Value, Value)], key: &Value) -> Option<&'t Value> {
    table
        .binary_search_by(|(k, _)| k.order(key))
        .ok()
        .map(|index| &table[index].1)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Col;
    use crate::schema::ColumnKind;

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
        };
        assert_eq!(measure(&rule, &frame).unwrap().holding, 2);
    }
}
