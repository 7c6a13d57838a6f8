//! Distances between two ordered keys that follow a label of the row: a TPC-DS catalog page's
//! last day is 29 days after its first in a `monthly` catalog, 90 in a `quarterly` one and 181
//! in a `bi-annual` one. Drawn among every row's distances, a monthly catalog ran for a
//! quarter or half a year as often as for a month.
//!
//! Found in training ([`DistancesBy::learn`]: the label column whose values leave the least
//! spread in the distances of their rows, if it leaves at most half) and read as the keys are
//! put in order ([`crate::keys::KeyOrder::follow`]): a row whose label has distances of its own
//! draws among them, any other among every row's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{GAP_QUANTILES, quantiles_of};
use crate::data::{Column, Value};
use crate::schema::ColumnKind;

/// The most labels a column may have for the distances to follow it (kinds, not names).
const MAX_LABELS: usize = 16;

/// The most spread the distances of a label's rows may keep, as a share of the spread of all
/// the distances, for the label to be worth reading row by row.
const MAX_SPREAD_SHARE: f64 = 0.5;

/// A label and [`GAP_QUANTILES`]` + 1` quantiles of its rows' distances.
type LabelGaps = (String, Vec<u32>);

/// The distances between two ordered keys for each label of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistancesBy {
    /// The label column (a modelled column of the table).
    pub column: String,
    /// Each label with [`GAP_QUANTILES`]` + 1` quantiles of its rows' distances, sorted by
    /// label: the labels seen in enough rows, the others draw among every row's distances.
    pub labels: Vec<LabelGaps>,
}

impl DistancesBy {
    /// The label column of `columns` whose labels leave the least spread in `gaps` (each
    /// row's distance, `None` where there is none), with the distances of each label seen
    /// with a distance in at least `min_rows` rows; `None` when no column leaves at most
    /// [`MAX_SPREAD_SHARE`] of the spread of all the distances.
    pub fn learn(columns: &[Column], gaps: &[Option<u32>], min_rows: usize) -> Option<DistancesBy> {
        let all: Vec<u32> = gaps.iter().flatten().copied().collect();
        let spread = mean_deviation(all.clone());
        if spread <= 0.0 {
            return None;
        }
        columns
            .iter()
            .filter(|column| column.kind == ColumnKind::Categorical)
            .filter(|column| column.values.len() == gaps.len())
            .filter_map(|column| {
                let (left, labels) = by_label(&column.values, gaps, min_rows, spread)?;
                let by = DistancesBy {
                    column: column.name.clone(),
                    labels,
                };
                (left <= MAX_SPREAD_SHARE * spread).then_some((left, by))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, by)| by)
    }

    /// The distances of the label `value`, if it has its own.
    pub fn of(&self, value: &Value) -> Option<&[u32]> {
        let Value::Label(label) = value else {
            return None;
        };
        let at = (self.labels).binary_search_by(|(own, _)| own.as_str().cmp(label));
        Some(&self.labels[at.ok()?].1)
    }

    /// Checks distances read from a model file: a column of the table's `header`, labels
    /// sorted and each with ascending quantiles within the parent's `rows`.
    pub fn check(&self, header: &[String], rows: usize) -> Result<(), String> {
        let quantiles = |gaps: &[u32]| {
            gaps.len() == GAP_QUANTILES + 1
                && gaps.is_sorted()
                && gaps.iter().all(|&gap| (gap as usize) < rows.max(1))
        };
        let fits = header.contains(&self.column)
            && self.labels.len() <= MAX_LABELS
            && self.labels.is_sorted_by(|a, b| a.0 < b.0)
            && self.labels.iter().all(|(_, gaps)| quantiles(gaps));
        fits.then_some(())
            .ok_or_else(|| "distances by label that are not ascending quantiles".into())
    }
}

/// The spread the labels of `values` leave in `gaps` (the mean deviation within each label
/// seen in `min_rows` rows, `spread` for the other rows) and those labels' distance quantiles;
/// `None` for more than [`MAX_LABELS`] labels or fewer than two seen often enough.
fn by_label(
    values: &[Value],
    gaps: &[Option<u32>],
    min_rows: usize,
    spread: f64,
) -> Option<(f64, Vec<LabelGaps>)> {
    let mut grouped: HashMap<&str, Vec<u32>> = HashMap::new();
    let mut rows = 0usize;
    for (value, gap) in values.iter().zip(gaps) {
        let Some(gap) = *gap else { continue };
        rows += 1;
        if let Value::Label(label) = value {
            grouped.entry(label).or_default().push(gap);
            if grouped.len() > MAX_LABELS {
                return None;
            }
        }
    }
    // In label order: the sum of spreads is then the same in every run.
    let mut grouped: Vec<(&str, Vec<u32>)> = grouped.into_iter().collect();
    grouped.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let (mut left, mut kept_rows) = (0.0, 0usize);
    let mut labels = Vec::new();
    for (label, gaps) in grouped {
        if gaps.len() < min_rows.max(1) {
            continue;
        }
        kept_rows += gaps.len();
        left += gaps.len() as f64 * mean_deviation(gaps.clone());
        labels.push((label.to_string(), quantiles_of(gaps)?));
    }
    if labels.len() < 2 {
        return None;
    }
    left += (rows - kept_rows) as f64 * spread;
    Some((left / rows.max(1) as f64, labels))
}

/// The mean distance of `gaps` from their median (0 without any).
fn mean_deviation(mut gaps: Vec<u32>) -> f64 {
    if gaps.is_empty() {
        return 0.0;
    }
    gaps.sort_unstable();
    let median = f64::from(gaps[gaps.len() / 2]);
    gaps.iter()
        .map(|&gap| (f64::from(gap) - median).abs())
        .sum::<f64>()
        / gaps.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 600 rows: a kind that sets the distance (monthly 28 to 30, quarterly 89 to 91,
    /// bi-annual 181), a colour drawn apart from it, a serial number of a label each, and a
    /// rare kind (`weekly`, 7 days, in 10 rows); one row in 50 has no distance.
    fn catalogue() -> (Vec<Column>, Vec<Option<u32>>) {
        let kind = |row: usize| match row % 60 {
            0 => "weekly",
            r if r < 30 => "monthly",
            r if r < 50 => "quarterly",
            _ => "bi-annual",
        };
        let gap = |row: usize| match kind(row) {
            "weekly" => 7,
            "monthly" => 28 + (row % 3) as u32,
            "quarterly" => 89 + (row % 3) as u32,
            _ => 181,
        };
        let rows = 0..600;
        let gaps = rows
            .clone()
            .map(|r| (r % 50 != 7).then(|| gap(r)))
            .collect();
        let columns = vec![
            Column::of_labels("serial", rows.clone().map(|r| format!("S{r}"))),
            Column::of_labels("colour", rows.clone().map(|r| format!("c{}", (r * 7) % 5))),
            Column::of_labels("kind", rows.map(|r| kind(r).to_string())),
        ];
        (columns, gaps)
    }

    #[test]
    fn the_label_that_sets_the_distance_is_found_with_each_labels_distances() {
        let (columns, gaps) = catalogue();
        let by = DistancesBy::learn(&columns, &gaps, 20).expect("the kind sets the distance");
        assert_eq!(by.column, "kind");
        let names: Vec<&str> = by.labels.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(
            names,
            ["bi-annual", "monthly", "quarterly"],
            "not the rare kind"
        );
        let of = |label: &str| by.of(&Value::Label(label.into()));
        let monthly = of("monthly").expect("monthly distances");
        assert_eq!((monthly[0], monthly[GAP_QUANTILES]), (28, 30));
        assert!(
            of("quarterly")
                .unwrap()
                .iter()
                .all(|gap| (89..=91).contains(gap))
        );
        assert_eq!(of("weekly"), None, "a rare kind draws among every distance");
        assert_eq!(by.of(&Value::Null), None);
        assert_eq!(by.check(&["kind".into()], 200), Ok(()));
        assert!(
            by.check(&["kind".into()], 100).is_err(),
            "a distance past the rows"
        );
        assert!(by.check(&["colour".into()], 200).is_err(), "not a column");
    }

    #[test]
    fn labels_that_leave_the_distance_as_spread_set_nothing() {
        let (mut columns, gaps) = catalogue();
        columns.pop();
        assert_eq!(DistancesBy::learn(&columns, &gaps, 20), None);
        // The same distance in every row: nothing to set.
        let (columns, _) = catalogue();
        assert_eq!(DistancesBy::learn(&columns, &[Some(30); 600], 20), None);
    }
}
