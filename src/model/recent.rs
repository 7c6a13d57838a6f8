//! Values seen only in a table's latest rows: a parcel still `In Transit` (no `delivered_at`)
//! was sent in the last days before the data's snapshot, an order not yet shipped was placed
//! in its last hours. Columns with few distinct values are drawn first (a status before any
//! datetime), so the tree of a status never sees when its row is: 254 synthetic parcels of
//! 8,000 came out undelivered (97 real), 186 of them sent months before the snapshot.
//! Training finds, for a column's empty cells and for each of its frequent labels, a datetime
//! whose real values in their rows all lie in a short last stretch of its range, where chance
//! would have spread them over it; the column then waits for the datetime where the rules
//! allow (so its tree sees it), and generation draws the column again where such a value falls
//! before the stretch.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::schema::ColumnKind;

/// The chance, were a value's rows spread over the datetime as all rows are, that all would
/// fall in the last stretch they hold, above which their place says nothing.
const MAX_CHANCE: f64 = 1e-6;

/// The longest last stretch, as a share of the datetime's real range, that counts as recent.
const MAX_STRETCH: f64 = 0.1;

/// Seconds of a day: a stretch starts on a whole day, so no real instant is kept.
const DAY: f64 = 86_400.0;

/// A column whose empty cells (`empty`) and `labels` are seen only where the datetime
/// `source` lies at or after `after`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Recent {
    /// The column (an index into the table's columns).
    pub(super) column: usize,
    /// The datetime (an index into the table's columns), drawn before the column.
    pub(super) source: usize,
    /// The first instant (a whole day: that of the earliest real row of a recent value) from
    /// which the recent values may be drawn.
    after: f64,
    /// Whether the column's empty cells are recent.
    empty: bool,
    /// The column's recent labels, each seen in at least the privacy threshold of rows.
    labels: Vec<Value>,
    /// Whether the column is drawn after its source, so a recent value is drawn again in a row
    /// before the stretch; where the rules draw it first, a row that holds one of its recent
    /// values is taken as recent ([`Recent::marks`]), and no later column's recent value is
    /// drawn again in it: a parcel drawn without a pick-up keeps its `Label Created` status.
    pub(super) enforced: bool,
}

/// The recent values of each column of `columns` that has some, each with the datetime that
/// finds most of its rows recent (then: whose last stretch holds them in the fewest rows);
/// `min_count` is the privacy threshold (a value
/// needs that many rows), `unread` the columns no tree reads (never a source).
pub(super) fn learn(columns: &[Column], min_count: usize, unread: &[usize]) -> Vec<Recent> {
    // Each datetime is sorted once, not once per column it may explain.
    let spans: Vec<Option<Span>> = (columns.iter().enumerate())
        .map(|(source, times)| {
            let datetime = times.kind == ColumnKind::Datetime && !unread.contains(&source);
            datetime.then(|| Span::of(times)).flatten()
        })
        .collect();
    (0..columns.len())
        .filter(|&column| may_be_recent(&columns[column]))
        .filter_map(|column| {
            (spans.iter().enumerate())
                .filter(|&(source, _)| source != column)
                .filter_map(|(source, span)| Some((source, span.as_ref()?)))
                .filter_map(|(source, span)| recent_by(columns, (column, source), span, min_count))
                .min_by(|a, b| b.2.cmp(&a.2).then(a.1.total_cmp(&b.1)))
                .map(|(recent, ..)| recent)
        })
        .collect()
}

/// Whether `column` has values that may be recent: labels, or empty cells.
fn may_be_recent(column: &Column) -> bool {
    column.kind == ColumnKind::Categorical || column.values.iter().any(Value::is_null)
}

/// The recent values of `column` on the datetime `source`, the share of all rows in their
/// stretch and the rows that hold them; `None` when it has none.
fn recent_by(
    columns: &[Column],
    (column, source): (usize, usize),
    span: &Span,
    min_count: usize,
) -> Option<(Recent, f64, usize)> {
    let times = &columns[source];
    let values = &columns[column];
    let mut groups: HashMap<Option<&str>, Vec<Option<f64>>> = HashMap::new();
    for (value, at) in values.values.iter().zip(&times.values) {
        let key = match value {
            Value::Null => None,
            Value::Label(label) if values.kind == ColumnKind::Categorical => Some(&**label),
            _ => continue,
        };
        groups.entry(key).or_default().push(at.as_number());
    }
    let rows = values.values.len();
    let mut found: Vec<(Option<&str>, f64, usize)> = groups
        .into_iter()
        .filter(|(_, at)| at.len() >= min_count.max(1) && 2 * at.len() < rows)
        .filter_map(|(key, at)| Some((key, span.stretch(&at)?, at.len())))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let after = found.iter().map(|(_, after, _)| *after).reduce(f64::min)?;
    let held = found.iter().map(|(.., rows)| rows).sum();
    let recent = Recent {
        column,
        source,
        after,
        empty: found.iter().any(|(key, ..)| key.is_none()),
        labels: found
            .iter()
            .filter_map(|(key, ..)| key.map(|label| Value::Label(label.into())))
            .collect(),
        enforced: true,
    };
    Some((recent, span.share(after), held))
}

/// The real values of a datetime, sorted, with their range.
struct Span {
    sorted: Vec<f64>,
}

impl Span {
    /// The datetime's values, when they span some time.
    fn of(times: &Column) -> Option<Span> {
        let mut sorted: Vec<f64> = times.values.iter().filter_map(Value::as_number).collect();
        sorted.sort_by(f64::total_cmp);
        let (first, last) = (sorted.first()?, sorted.last()?);
        (last > first).then_some(Span { sorted })
    }

    /// The share of rows at or after `after`.
    fn share(&self, after: f64) -> f64 {
        let before = self.sorted.partition_point(|&t| t < after);
        (self.sorted.len() - before) as f64 / self.sorted.len() as f64
    }

    /// The first day of the last stretch that holds all of `at` (a value's rows), when every
    /// one has a time, the stretch is short and chance would not put them all in it.
    fn stretch(&self, at: &[Option<f64>]) -> Option<f64> {
        let first = at.iter().copied().collect::<Option<Vec<f64>>>()?;
        let first = first.into_iter().reduce(f64::min)?;
        let after = (first / DAY).floor() * DAY;
        let (low, high) = (self.sorted[0], self.sorted[self.sorted.len() - 1]);
        if high - after > MAX_STRETCH * (high - low) {
            return None;
        }
        let chance = self
            .share(after)
            .powi(i32::try_from(at.len()).unwrap_or(i32::MAX));
        (chance <= MAX_CHANCE).then_some(after)
    }
}

impl Recent {
    /// The source and the first instant of the stretch.
    pub(super) fn stretch_start(&self) -> (usize, f64) {
        (self.source, self.after)
    }

    /// Whether `value` is one of the column's recent values.
    pub(super) fn holds(&self, value: &Value) -> bool {
        match value {
            Value::Null => self.empty,
            value => self.labels.contains(value),
        }
    }

    /// Whether `row` (the column drawn) holds a recent value: a row the earlier columns already
    /// made a recent one, drawn before its source or kept where every redraw insisted (a
    /// parcel whose status stayed `In Transit` keeps its empty delivery time, the rules' pair).
    pub(super) fn marks(&self, row: &[Value]) -> bool {
        row.get(self.column).is_some_and(|value| self.holds(value))
    }

    /// Whether `value` may not stand in `row` (its source drawn): a recent value of the column
    /// where the source lies before the stretch.
    pub(super) fn refuses(&self, value: &Value, row: &[Value]) -> bool {
        self.enforced
            && self.holds(value)
            && row
                .get(self.source)
                .and_then(Value::as_number)
                .is_some_and(|at| at < self.after)
    }

    /// Whether a recent emptiness read from a model file fits a table of `columns` columns.
    pub(super) fn fits(&self, columns: usize) -> bool {
        self.column < columns
            && self.source < columns
            && self.column != self.source
            && self.after.is_finite()
            && self
                .labels
                .iter()
                .all(|label| matches!(label, Value::Label(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;

    fn column(name: &str, kind: ColumnKind, values: Vec<Value>) -> Column {
        Column {
            name: name.into(),
            kind,
            format: ValueFormat::Verbatim,
            values,
        }
    }

    /// A year of 2,000 parcels, one every ~4.4 hours; those of the last week are `In Transit`
    /// and undelivered in two of three rows, `Delivered` elsewhere; a `Returned` label (30
    /// rows) is spread over the year.
    fn parcels() -> Vec<Column> {
        let start = 1_704_067_200.0;
        let step = 365.0 * DAY / 2000.0;
        let mut created = Vec::new();
        let mut delivered = Vec::new();
        let mut status = Vec::new();
        for row in 0..2000 {
            let at = start + step * f64::from(row);
            let recent = at > start + 358.0 * DAY && row % 3 != 0;
            created.push(Value::Number(at));
            delivered.push(match recent {
                true => Value::Null,
                false => Value::Number(at + 2.0 * DAY),
            });
            let label = match (recent, row % 67) {
                (true, _) => "In Transit",
                (false, 0) => "Returned",
                _ => "Delivered",
            };
            status.push(Value::Label(label.into()));
        }
        vec![
            column("status", ColumnKind::Categorical, status),
            column("created_at", ColumnKind::Datetime, created),
            column("delivered_at", ColumnKind::Datetime, delivered),
        ]
    }

    #[test]
    fn finds_the_values_of_the_last_week_only() {
        let found = learn(&parcels(), 5, &[]);
        assert_eq!(found.len(), 2, "{found:?}");
        let status = &found[0];
        assert_eq!((status.column, status.source), (0, 1));
        assert!(!status.empty);
        assert_eq!(status.labels, vec![Value::Label("In Transit".into())]);
        let delivered = &found[1];
        assert_eq!((delivered.column, delivered.source), (2, 1));
        assert!(delivered.empty && delivered.labels.is_empty());
        // The stretch starts on the day of the first recent row.
        assert!((status.after - (1_704_067_200.0 + 358.0 * DAY)).abs() <= DAY);
    }

    #[test]
    fn refuses_a_recent_value_before_the_stretch_only() {
        let found = learn(&parcels(), 5, &[]);
        let old = [Value::Null, Value::Number(1_704_067_200.0), Value::Null];
        let new = [Value::Null, Value::Number(1_704_067_200.0 + 364.0 * DAY)];
        let transit = Value::Label("In Transit".into());
        assert!(found[0].refuses(&transit, &old));
        assert!(!found[0].refuses(&transit, &new));
        assert!(!found[0].refuses(&Value::Label("Returned".into()), &old));
        assert!(found[1].refuses(&Value::Null, &old));
        assert!(!found[1].refuses(&Value::Null, &new));
    }

    #[test]
    fn values_spread_over_the_year_are_not_recent() {
        let mut columns = parcels();
        // Every seventh parcel undelivered, all year round.
        for (row, value) in columns[2].values.iter_mut().enumerate() {
            *value = match row % 7 {
                0 => Value::Null,
                _ => Value::Number(1.0),
            };
        }
        let found = learn(&columns, 5, &[]);
        assert!(found.iter().all(|recent| recent.column != 2), "{found:?}");
    }
}
