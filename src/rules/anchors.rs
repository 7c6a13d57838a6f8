//! Finding a column equal to the parent's column in the rows of one label of a category
//! ([`RuleKind::CopyParentWhen`]): a parcel's `Picked Up` event is at its shipment's
//! `shipped_at`, its `Delivered` event at its `delivered_at`, its `Label Created` event at its
//! `created_at`.
//!
//! Why apart from the copies: a copy holds in (nearly) every row. Here the other rows lie
//! between those values, so no copy is found, and the rows of the label, drawn as the others
//! are, came out at another time than their parent's in 7,993 of 8,000 synthetic parcels.

use std::collections::HashMap;

use super::measure::{Adherence, MIN_SUPPORT, breaks_if_kept, chance_rate, measure, same};
use super::{Col, Frame, Resolved, RuleKind};
use crate::data::{Value, ValueKey};
use crate::schema::ColumnKind;

/// Rows of a label the sample must hold (with both values) for the label to be screened.
const MIN_SAMPLE_ROWS: usize = 5;

/// The largest share of the other labels' rows (with both values) the copy may hold in:
/// above it the copy is of (nearly) every row, a plain copy's or none.
const MAX_OTHER_SHARE: f64 = 0.5;

/// For each own number or datetime column (not one `skip` names), the labels of one category (of 2 to
/// [`MAX_LABELS`](super::shifts::MAX_LABELS) labels) in whose rows it equals a parent's column of its type: in all but
/// [`FUNCTION_TOLERANCE`](super::measure::FUNCTION_TOLERANCE) of at least [`MIN_SUPPORT`]
/// (and `min_count`) rows, where chance (the parent's value of another row of the label)
/// would break it far more often, and in at most [`MAX_OTHER_SHARE`] of the other labels'
/// rows. One parent's column per label, one category per column (the first that gives one).
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    skip: &dyn Fn(&str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let categories = super::shifts::label_columns(frame, sample, max_columns);
    if categories.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for own in frame.columns.iter().take(max_columns) {
        if skip(&own.name) || !matches!(own.kind, ColumnKind::Numerical | ColumnKind::Datetime) {
            continue;
        }
        let child = Resolved::Own(own);
        let theirs: Vec<(Col, Resolved<'_>)> = (parent.columns.iter())
            .filter(|c| c.kind == own.kind)
            .take(max_columns)
            .filter_map(|c| {
                let col = Col::Parent {
                    table: parent.table.to_string(),
                    column: c.name.clone(),
                };
                let resolved = frame.resolve(&col)?;
                Some((col, resolved))
            })
            .collect();
        for by in categories.iter().filter(|by| by.column().name != own.name) {
            let rules = copies_by(frame, sample, min_count, (child, *by), &theirs);
            if !rules.is_empty() {
                found.extend(rules);
                break;
            }
        }
    }
    found
}

/// The rules of `child` by the labels of `by`: for each label, the first parent's column
/// (of `theirs`) the child equals in its rows as [`discover`] asks.
fn copies_by(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    (child, by): (Resolved<'_>, Resolved<'_>),
    theirs: &[(Col, Resolved<'_>)],
) -> Vec<RuleKind> {
    let mut found: Vec<RuleKind> = Vec::new();
    let mut labelled: Vec<Value> = Vec::new();
    for (col, copied) in theirs {
        for label in screened(sample, (child, *copied, by)) {
            if labelled.iter().any(|seen| same(seen, &label)) {
                continue;
            }
            let kind = RuleKind::CopyParentWhen {
                column: child.column().name.clone(),
                parent: col.clone(),
                by: by.column().name.clone(),
                label: label.clone(),
            };
            if let Some(kind) = kept(kind, frame, sample, min_count) {
                labelled.push(label);
                found.push(kind);
            }
        }
    }
    found
}

/// The labels of `by` in whose sample rows `child` equals `copied` but for 1% (and one row),
/// in at least [`MIN_SAMPLE_ROWS`] of them, and in at most [`MAX_OTHER_SHARE`] of the other
/// rows; in the order of their first sample row.
fn screened(
    sample: &[usize],
    (child, copied, by): (Resolved<'_>, Resolved<'_>, Resolved<'_>),
) -> Vec<Value> {
    let mut counts: HashMap<ValueKey<'_>, (usize, usize)> = HashMap::new();
    let mut order: Vec<&Value> = Vec::new();
    let (mut rows, mut equal) = (0usize, 0usize);
    for &row in sample {
        let (label, x, y) = (by.value(row), child.value(row), copied.value(row));
        if label.is_null() || x.is_null() || y.is_null() {
            continue;
        }
        let holds = usize::from(same(x, y));
        rows += 1;
        equal += holds;
        let entry = counts.entry(ValueKey::of(label)).or_insert_with(|| {
            order.push(label);
            (0, 0)
        });
        entry.0 += 1;
        entry.1 += holds;
    }
    order
        .into_iter()
        .filter(|label| {
            let (n, held) = counts[&ValueKey::of(label)];
            let (others, others_equal) = (rows - n, equal - held);
            n >= MIN_SAMPLE_ROWS
                && (n - held) as f64 <= 0.01 * n as f64 + 1.0
                && others > 0
                && others_equal as f64 <= MAX_OTHER_SHARE * others as f64
        })
        .cloned()
        .collect()
}

/// `kind` when it holds on every row but the tolerance, in at least `min_count` rows, no
/// coincidence, and in at most [`MAX_OTHER_SHARE`] of the other labels' rows.
fn kept(kind: RuleKind, frame: &Frame<'_>, sample: &[usize], min_count: usize) -> Option<RuleKind> {
    let RuleKind::CopyParentWhen {
        column,
        parent,
        by,
        label,
    } = &kind
    else {
        return None;
    };
    let child = frame.resolve(&Col::Own(column.clone()))?;
    let copied = frame.resolve(parent)?;
    let by = frame.resolve(&Col::Own(by.clone()))?;
    let of_label = |row: usize| same(by.value(row), label);
    let labelled: Vec<usize> = sample
        .iter()
        .copied()
        .filter(|&row| of_label(row))
        .collect();
    let check = |r: usize, o: usize| {
        let (x, y) = (child.value(r), copied.value(o));
        (!x.is_null() && !y.is_null()).then(|| same(x, y))
    };
    let chance = chance_rate(&labelled, check)?;
    let (mut others, mut others_equal) = (0usize, 0usize);
    for row in (0..frame.rows).filter(|&row| !of_label(row) && !by.value(row).is_null()) {
        if let Some(holds) = check(row, row) {
            others += 1;
            others_equal += usize::from(holds);
        }
    }
    if others_equal as f64 > MAX_OTHER_SHARE * others as f64 {
        return None;
    }
    let Adherence { support, .. } = measure(&kind, frame)?;
    if support < MIN_SUPPORT.max(min_count) {
        return None;
    }
    breaks_if_kept(kind, frame, chance).map(|(_, kind)| kind)
}

/// A declared rule's label, read as text, made the value of its category `by` the text
/// names (`None` when no row holds it): `5` names the number 5 of a numeric code, `true` a
/// flag.
pub fn fit_label(by: &str, label: &Value, frame: &Frame<'_>) -> Option<Value> {
    let written = super::text::label(label);
    let by = frame.resolve(&Col::Own(by.to_string()))?;
    (0..frame.rows)
        .map(|row| by.value(row))
        .find(|value| !value.is_null() && super::text::label(value) == written)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;
    use crate::rules::datetime_column;
    use crate::rules::enforce::Enforcer;
    use crate::rules::{ParentFrame, Rule};

    const HOUR: f64 = 3_600.0;

    /// 300 parcels (created, shipped some hours later, delivered a day or more after that)
    /// and their five events: `Created` at the creation, `Picked` at the shipping, two
    /// `Moving` between, `Done` at the delivery; `noted` is the creation in every event.
    fn parcels() -> (Vec<Column>, Vec<Column>, Vec<Option<usize>>) {
        let created: Vec<f64> = (0..300)
            .map(|p| 1_704_067_200.0 + (p * 7_919 % 900_000) as f64)
            .collect();
        let shipped: Vec<f64> = (0..300)
            .map(|p| created[p] + (2 + p % 9) as f64 * HOUR)
            .collect();
        let delivered: Vec<f64> = (0..300)
            .map(|p| shipped[p] + (24 + p * 13 % 50) as f64 * HOUR)
            .collect();
        let (mut status, mut time, mut noted, mut row_of) = (vec![], vec![], vec![], vec![]);
        for p in 0..300 {
            let span = delivered[p] - shipped[p];
            let events = [
                ("Created", created[p]),
                ("Picked", shipped[p]),
                ("Moving", shipped[p] + span / 3.0 + (p % 5) as f64),
                ("Moving", shipped[p] + 2.0 * span / 3.0),
                ("Done", delivered[p]),
            ];
            for (label, at) in events {
                status.push(label.to_string());
                time.push(at);
                noted.push(created[p]);
                row_of.push(Some(p));
            }
        }
        let parents = vec![
            datetime_column("created_at", false, created),
            datetime_column("shipped_at", false, shipped),
            datetime_column("delivered_at", false, delivered),
        ];
        let events = vec![
            Column::of_labels("status", status),
            datetime_column("time", false, time),
            datetime_column("noted", false, noted),
        ];
        (parents, events, row_of)
    }

    fn frame<'a>(
        (parents, events, row_of): (&'a [Column], &'a [Column], &'a [Option<usize>]),
    ) -> Frame<'a> {
        Frame {
            columns: events,
            rows: row_of.len(),
            parent: Some(ParentFrame {
                table: "parcels",
                columns: parents,
                row_of,
            }),
        }
    }

    /// Planted: the event's time is the parcel's creation, shipping and delivery in the rows
    /// of `Created`, `Picked` and `Done`, no parcel's time in the `Moving` rows; `noted` is
    /// the creation in every row, a plain copy.
    #[test]
    fn a_copy_in_the_rows_of_one_label_is_found() {
        let (parents, events, row_of) = parcels();
        let rules = crate::rules::discover::discover(&frame((&parents, &events, &row_of)), 5);
        let copies: Vec<String> = (rules.iter())
            .filter(|rule| rule.class().starts_with("copy"))
            .map(|rule| rule.to_string())
            .collect();
        assert_eq!(
            copies,
            [
                "noted = parcels.created_at",
                "time = parcels.created_at where status = Created",
                "time = parcels.shipped_at where status = Picked",
                "time = parcels.delivered_at where status = Done",
            ]
        );
        // Declared, the label is read as text and fitted to the category's value.
        let declared = crate::rules::text::parse("time = parcels.shipped_at where status = Picked");
        let frame_of = frame((&parents, &events, &row_of));
        let fitted = crate::rules::discover::fit(&declared.expect("reads"), &frame_of, 5);
        assert!(matches!(
            fitted,
            Some(Rule {
                support: 300,
                holding: 300,
                ..
            })
        ));
        // Broken in one `Picked` row of fifty: beyond the tolerance, no rule of that label.
        let mut events = events;
        for row in (1..1_500).step_by(250) {
            if let Value::Number(x) = &mut events[1].values[row] {
                *x += 60.0;
            }
        }
        let rules = crate::rules::discover::discover(&frame((&parents, &events, &row_of)), 5);
        let picked = |rule: &Rule| rule.to_string().ends_with("Picked");
        assert!(!rules.iter().any(picked));
    }

    /// The time waits for the status; a `Picked` row takes the parcel's shipping time, and a
    /// row of another label stays a second below the next parcel's time above the row before.
    #[test]
    fn generation_copies_in_the_label_s_rows_and_stays_below_the_copies_ahead() {
        let (parents, events, row_of) = parcels();
        let rules = crate::rules::discover::discover(&frame((&parents, &events, &row_of)), 5);
        let (enforcer, order) = Enforcer::compile(&rules, (&events, &parents), vec![1, 2, 0], &[]);
        let at = |column: usize| order.iter().position(|&c| c == column);
        assert!(at(0) < at(1), "{order:?}");
        let context: Vec<Value> = (parents.iter()).map(|c| c.values[0].clone()).collect();
        let [created, shipped, delivered] = [0, 1, 2].map(|c| context[c].as_number().unwrap());
        let mut row = vec![Value::Label("Picked".into()), Value::Null, Value::Null];
        assert_eq!(enforcer.anchored(1, (&row, &context)), Some(shipped));
        // Before the pick-up, the ceiling is the shipping (less a second); after it, the delivery.
        row[0] = Value::Label("Moving".into());
        assert_eq!(enforcer.anchored(1, (&row, &context)), None);
        let ceiling = |floor| enforcer.ceiling(1, (&row, &context), floor);
        assert_eq!(ceiling(Some(created)), Some(shipped - 1.0));
        assert_eq!(ceiling(Some(shipped)), Some(delivered - 1.0));
        assert_eq!(ceiling(Some(delivered)), None);
        row[0] = Value::Label("Done".into());
        let ceiling = enforcer.ceiling(1, (&row, &context), Some(shipped));
        assert_eq!(
            ceiling, None,
            "a delivery row is not kept below its own copy"
        );
        let rules: Vec<Rule> = rules
            .into_iter()
            .filter(|rule| rule.class() != "copy of parent by label")
            .collect();
        let (enforcer, _) = Enforcer::compile(&rules, (&events, &parents), vec![1, 2, 0], &[]);
        assert_eq!(enforcer.anchored(1, (&row, &context)), None);
    }
}
