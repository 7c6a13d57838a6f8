//! Finding a child's number that is its sequence parent's number times one of a few fractions
//! ([`RuleKind::Fractions`]): a hotel's payment is its booking's total paid in full (1), a
//! deposit (0.2) or the balance after it (0.8), rounded to cents.
//!
//! Why apart from the ratios and orders: `amount <= bookings.total` bounds the payment, and a
//! payment drawn inside the bound is almost never one of the shares: 7,781 of 7,821 synthetic
//! payments were none of them, and a booking's payments added up to more than its total in
//! 2,220 of them.

use std::collections::HashMap;

use super::measure::{
    FUNCTION_TOLERANCE, chance_rate, fraction_tolerance, nearest_fraction, significant,
};
use super::{Col, Frame, MAX_FRACTIONS, Resolved, RuleKind};
use crate::schema::ColumnKind;

/// The most decimal places a fraction is found to (0.2, 0.15, 0.125).
const MAX_PLACES: i32 = 3;

/// For each own number column (not one `determined` already), the first number column of the
/// sequence parent it is a share of (one it is a share of a whole of, no fraction above 1,
/// before others): at most [`MAX_FRACTIONS`] fractions (found to at most
/// [`MAX_PLACES`] decimal places, each holding for at least `min_count` real rows; none for a
/// copy of a parent's column, the lone fraction 1) that the column's value is, on its grid,
/// in all rows where both have a value (the parent's above zero) but [`FUNCTION_TOLERANCE`],
/// where the parent's value taken from another row would break it far more often.
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    determined: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let parents: Vec<Col> = (parent.columns.iter())
        .filter(|c| c.kind == ColumnKind::Numerical)
        .take(max_columns)
        .map(|c| Col::Parent {
            table: parent.table.to_string(),
            column: c.name.clone(),
        })
        .collect();
    let owns = (frame.columns.iter())
        .filter(|c| c.kind == ColumnKind::Numerical && !determined(&c.name))
        .take(max_columns);
    let mut found = Vec::new();
    for own in owns {
        let child = Resolved::Own(own);
        let fitting: Vec<(Col, Vec<f64>)> = (parents.iter())
            .filter_map(|col| {
                let of = frame.resolve(col)?;
                fitted(frame, sample, (child, of), min_count)
                    .map(|fractions| (col.clone(), fractions))
            })
            .collect();
        // A copy of a parent's column is a copy (whatever else it is a multiple of); of the
        // others, shares of a whole (no fraction above 1) first: a payment is a share of its
        // booking's total, not three times a third of it.
        if fitting.iter().any(|(_, fractions)| fractions[..] == [1.0]) {
            continue;
        }
        let share =
            (fitting.into_iter()).min_by_key(|(_, fractions)| fractions.iter().any(|f| *f > 1.0));
        if let Some((col, fractions)) = share {
            found.push(RuleKind::Fractions {
                column: own.name.clone(),
                parent: col,
                fractions,
            });
        }
    }
    found
}

/// The fractions `child` is of `parent` when they make a rule (see [`discover`]).
fn fitted(
    frame: &Frame<'_>,
    sample: &[usize],
    (child, parent): (Resolved<'_>, Resolved<'_>),
    min_count: usize,
) -> Option<Vec<f64>> {
    let pair = |row: usize, other: usize| {
        let x = child.value(other).as_number()?;
        let p = parent.value(row).as_number()?;
        (p > 0.0).then_some((x, p))
    };
    let screened: Vec<(f64, f64)> = sample.iter().filter_map(|&row| pair(row, row)).collect();
    if screened.len() < 10.min(sample.len()).max(1) {
        return None;
    }
    let tolerance = fraction_tolerance(child.column());
    let holds = |(x, p): (f64, f64), fractions: &[f64]| {
        nearest_fraction(x, p, fractions)
            .is_some_and(|f| (x - p * f).abs() <= tolerance.max(1e-9 * x.abs()))
    };
    let broken = |pairs: &[(f64, f64)], fractions: &[f64]| {
        pairs
            .iter()
            .filter(|&&pair| !holds(pair, fractions))
            .count()
    };
    let places = (1..=MAX_PLACES).find(|&places| {
        let common = common_fractions(&screened, places, 1);
        broken(&screened, &common) as f64 <= 0.01 * screened.len() as f64 + 1.0
    })?;
    let all: Vec<(f64, f64)> = (0..frame.rows).filter_map(|row| pair(row, row)).collect();
    let mut fractions = common_fractions(&all, places, min_count.max(1));
    fractions.sort_unstable_by(f64::total_cmp);
    let support = all.len();
    let broken = broken(&all, &fractions);
    let h = chance_rate(sample, |row, other| {
        pair(row, other).map(|pair| holds(pair, &fractions))
    })?;
    let kept = !fractions.is_empty()
        && broken as f64 <= FUNCTION_TOLERANCE * support as f64
        && significant(support, broken, h);
    kept.then_some(fractions)
}

/// `x` rounded to `places` decimal places.
fn rounded(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

/// The at most [`MAX_FRACTIONS`] commonest ratios (rounded to `places`) of `pairs`, each above
/// zero and held by at least `least` pairs.
fn common_fractions(pairs: &[(f64, f64)], places: i32, least: usize) -> Vec<f64> {
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for (x, p) in pairs {
        let f = rounded(x / p, places);
        if f > 0.0 && f.is_finite() {
            *counts.entry(f.to_bits()).or_default() += 1;
        }
    }
    let mut counted: Vec<(u64, usize)> = counts.into_iter().filter(|(_, n)| *n >= least).collect();
    counted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counted.truncate(MAX_FRACTIONS);
    counted
        .into_iter()
        .map(|(bits, _)| f64::from_bits(bits))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Column, Value, ValueFormat};
    use crate::rules::ParentFrame;
    use crate::rules::measure::measure;

    fn cents(name: &str, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Decimal {
                min_places: 2,
                max_places: 2,
            },
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    /// 400 bookings' totals and a payment of each: a share of it by `share(booking)`, on cents.
    fn planted(
        share: impl Fn(usize, f64) -> f64,
    ) -> (Vec<Column>, Vec<Column>, Vec<Option<usize>>) {
        let totals: Vec<f64> = (0..400)
            .map(|b| ((b * 7_919) % 150_000 + 5_000) as f64 / 100.0)
            .collect();
        let amounts = totals
            .iter()
            .enumerate()
            .map(|(b, total)| (share(b, *total) * 100.0).round() / 100.0)
            .collect();
        let row_of = (0..400).map(Some).collect();
        let parent = vec![
            cents("nightly", totals.iter().map(|t| t / 3.0).collect()),
            cents("total", totals),
        ];
        (parent, vec![cents("amount", amounts)], row_of)
    }

    fn found(share: impl Fn(usize, f64) -> f64) -> Vec<RuleKind> {
        let (parent, child, row_of) = planted(share);
        let frame = Frame {
            columns: &child,
            rows: row_of.len(),
            parent: Some(ParentFrame {
                table: "bookings",
                columns: &parent,
                row_of: &row_of,
                grand: &[],
            }),
        };
        let sample: Vec<usize> = (0..400).collect();
        let kinds = discover(&frame, &sample, 5, &|_| false, 40);
        for kind in &kinds {
            let adherence = measure(kind, &frame).expect("measured");
            assert_eq!(adherence.support, 400);
            assert!(adherence.holding >= 396, "{kind}: {adherence:?}");
        }
        kinds
    }

    #[test]
    fn a_share_of_the_parents_column_is_found_with_its_fractions() {
        let fractions = [1.0, 0.2, 0.8, 1.0, 0.2];
        let kinds = found(|b, total| total * fractions[b % 5]);
        let texts: Vec<String> = kinds.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["amount = bookings.total * one of (0.2, 0.8, 1)"]);
        // A percentage to two places, on the fractions' grid, and one row in a hundred off.
        let kinds = found(|b, total| match b % 100 {
            0 => total * 0.37,
            b if b % 2 == 0 => total * 0.15,
            _ => total * 0.85,
        });
        let texts: Vec<String> = kinds.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["amount = bookings.total * one of (0.15, 0.85)"]);
    }

    #[test]
    fn amounts_that_are_no_few_shares_are_no_rule() {
        // Any share: no few fractions hold.
        assert!(found(|b, total| total * ((b * 37) % 100) as f64 / 101.0).is_empty());
        // A copy of the parent's column is a copy, not a share.
        assert!(found(|_, total| total).is_empty());
        // Six fractions are too many.
        let six = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        assert!(found(|b, total| total * six[b % 6]).is_empty());
    }
}
