//! Finding a column equal to the parent's column in the rows of one label of a category
//! ([`RuleKind::CopyParentWhen`]): a parcel's `Picked Up` event is at its shipment's
//! `shipped_at`, its `Delivered` event at its `delivered_at`, its `Label Created` event at its
//! `created_at`.
//!
//! Why apart from the copies: a copy holds in (nearly) every row. Here the other rows lie
//! between those values, so no copy is found, and the rows of the label, drawn as the others
//! are, came out at another time than their parent's in 7,993 of 8,000 synthetic parcels.
//!
//! A category may copy a column of the row one of the parent's keys points at instead
//! ([`Col::Grand`]): an event's location is its parcel's warehouse's city in its `Picked Up`
//! rows and its customer's city in its `Delivered` rows. Drawn, 30,373 of 46,587 such events
//! were elsewhere; the copy is made once the rows are drawn and keyed ([`keep_grand`]).

use std::collections::HashMap;

use super::measure::{Adherence, MIN_SUPPORT, breaks_if_kept, chance_rate, measure, same};
use super::{Col, Frame, GrandFrame, ParentFrame, Resolved, Rule, RuleKind};
use crate::data::{Column, Value, ValueKey};
use crate::schema::ColumnKind;

/// Rows of a label the sample must hold (with both values) for the label to be screened.
const MIN_SAMPLE_ROWS: usize = 5;

/// The largest share of the other labels' rows (with both values) the copy may hold in:
/// above it the copy is of (nearly) every row, a plain copy's or none.
const MAX_OTHER_SHARE: f64 = 0.5;

/// For each own number or datetime column (not one `skip` names), the labels of one category
/// (of 2 to [`MAX_LABELS`](super::shifts::MAX_LABELS) labels) in whose rows it equals a
/// parent's column of its type (for an own category, a label column of the row a parent's key
/// points at): in all but
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
        if skip(&own.name) {
            continue;
        }
        let child = Resolved::Own(own);
        let theirs: Vec<(Col, Resolved<'_>)> = candidates(parent, own.kind, max_columns)
            .into_iter()
            .filter_map(|col| {
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

/// The columns an own column of `kind` may copy: for a number or datetime, the parent's of its
/// kind; for a category, the labels of the rows the parent's keys point at (an event's
/// location, its parcel's warehouse's city or its customer's: the parent's own labels are
/// drawn with the row already).
fn candidates(parent: ParentFrame<'_>, kind: ColumnKind, max_columns: usize) -> Vec<Col> {
    match kind {
        ColumnKind::Numerical | ColumnKind::Datetime => (parent.columns.iter())
            .filter(|c| c.kind == kind)
            .take(max_columns)
            .map(|c| Col::Parent {
                table: parent.table.to_string(),
                column: c.name.clone(),
            })
            .collect(),
        ColumnKind::Categorical => (parent.grand.iter())
            .flat_map(|grand| grand.columns.iter().map(move |c| (grand.key, c)))
            .filter(|(_, c)| is_label(c.kind))
            .take(max_columns)
            .map(|(key, c)| Col::Grand {
                parent: parent.table.to_string(),
                key: key.to_string(),
                column: c.name.clone(),
            })
            .collect(),
        ColumnKind::Boolean | ColumnKind::Id | ColumnKind::Text => Vec::new(),
    }
}

/// Whether a column of `kind` holds labels a category may copy.
fn is_label(kind: ColumnKind) -> bool {
    matches!(
        kind,
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
    )
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

/// Whether any of `rules` copies a column of the row a parent's key points at (kept by
/// [`keep_grand`] once the rows are drawn and keyed).
pub fn copies_through_keys(rules: &[Rule]) -> bool {
    rules.iter().any(|rule| grand_copy(rule).is_some())
}

/// The tables' columns the copies through a parent's key read: (the parent's key, column).
pub fn grand_columns(rules: &[Rule]) -> impl Iterator<Item = (&str, &str)> {
    rules
        .iter()
        .filter_map(|rule| grand_copy(rule).map(|(_, key, column, _, _)| (key, column)))
}

/// A copy through a parent's key: (column, the parent's key, the column of its row, the
/// category, the label).
fn grand_copy(rule: &Rule) -> Option<(&str, &str, &str, &str, &Value)> {
    match &rule.kind {
        RuleKind::CopyParentWhen {
            column,
            parent: Col::Grand {
                key, column: from, ..
            },
            by,
            label,
        } => Some((column, key, from, by, label)),
        _ => None,
    }
}

/// Keeps the copies through a parent's key in a table's drawn rows (`columns`, whose parent
/// row is `parents`; `grand`: the rows the parent's keys point at): a row of the label takes
/// the value of its parent's key's row. Why after the draw: the key of an assigned parent's
/// row is no context a model draws from, and the values (a customer's synthetic city) are
/// none the category learned. A row without a value, a parent, a key or a value there keeps
/// its own.
pub fn keep_grand(
    rules: &[Rule],
    columns: &mut [Column],
    parents: &[Option<usize>],
    grand: &[GrandFrame<'_>],
) {
    for (column, key, from, by, label) in rules.iter().filter_map(grand_copy) {
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        let (Some(target), Some(by)) = (position(column), position(by)) else {
            continue;
        };
        let Some(grand) = grand.iter().find(|grand| grand.key == key) else {
            continue;
        };
        let Some(source) = grand.columns.iter().find(|c| c.name == from) else {
            continue;
        };
        let copied = Resolved::Grand(source, parents, grand.row_of);
        let mut values = std::mem::take(&mut columns[target].values);
        let labels = columns[by].values.iter();
        for (row, (value, of)) in values.iter_mut().zip(labels).enumerate() {
            let copied = copied.value(row);
            if same(of, label) && !value.is_null() && !copied.is_null() {
                *value = copied.clone();
            }
        }
        columns[target].values = values;
    }
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
                grand: &[],
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

    /// The warehouses' and customers' cities, the events, the parcel of every event and the
    /// warehouse and customer of every parcel.
    type Journeys = (
        [Vec<Column>; 2],
        Vec<Column>,
        Vec<Option<usize>>,
        [Vec<Option<usize>>; 2],
    );

    /// 300 parcels from six warehouses to fifty customers, five events each: `Created` and
    /// `Picked` at the warehouse's city, two `Moving` at hubs, `Done` at the customer's city.
    fn journeys() -> Journeys {
        let cities = |prefix: &str, n: usize| {
            let names = (0..n).map(|i| format!("{prefix} {i}"));
            vec![Column::of_labels("city", names)]
        };
        let (warehouse_of, customer_of): (Vec<Option<usize>>, Vec<Option<usize>>) =
            (0..300).map(|p| (Some(p % 6), Some(p * 7 % 50))).unzip();
        let (mut status, mut location, mut row_of) = (vec![], vec![], vec![]);
        for p in 0..300 {
            let (warehouse, customer) = (format!("Port {}", p % 6), format!("Town {}", p * 7 % 50));
            let hubs = [format!("Hub {}", p % 3), format!("Hub {}", (p + 1) % 3)];
            let [first, second] = hubs;
            let events = [
                ("Created", warehouse.clone()),
                ("Picked", warehouse),
                ("Moving", first),
                ("Moving", second),
                ("Done", customer),
            ];
            for (label, at) in events {
                status.push(label.to_string());
                location.push(at);
                row_of.push(Some(p));
            }
        }
        let events = vec![
            Column::of_labels("status", status),
            Column::of_labels("location", location),
        ];
        let grand = [cities("Port", 6), cities("Town", 50)];
        (grand, events, row_of, [warehouse_of, customer_of])
    }

    /// Planted: an event's location is its parcel's warehouse's city in the `Created` and
    /// `Picked` rows and its customer's city in the `Done` rows; found through the parcel's
    /// keys, and nothing without them.
    #[test]
    fn a_copy_of_a_column_of_the_parent_s_key_s_row_is_found_and_kept() {
        let (grand, events, row_of, keys) = journeys();
        let frames = [
            GrandFrame {
                key: "warehouse_id",
                columns: &grand[0],
                row_of: &keys[0],
            },
            GrandFrame {
                key: "customer_id",
                columns: &grand[1],
                row_of: &keys[1],
            },
        ];
        let frame_with = |grand| Frame {
            columns: &events,
            rows: row_of.len(),
            parent: Some(ParentFrame {
                table: "parcels",
                columns: &[],
                row_of: &row_of,
                grand,
            }),
        };
        let copies = |grand| -> Vec<Rule> {
            let rules = crate::rules::discover::discover(&frame_with(grand), 5);
            (rules.into_iter())
                .filter(|rule| rule.class() == "copy of parent by label")
                .collect()
        };
        assert!(copies(&[]).is_empty());
        let rules = copies(&frames);
        let shown: Vec<String> = rules.iter().map(Rule::to_string).collect();
        assert_eq!(
            shown,
            [
                "location = parcels.warehouse_id.city where status = Created",
                "location = parcels.warehouse_id.city where status = Picked",
                "location = parcels.customer_id.city where status = Done",
            ]
        );
        // Declared, the text reads back as the rule found.
        let declared = crate::rules::text::parse(&shown[2]);
        assert_eq!(declared.as_ref(), Ok(&rules[2].kind));
        // Kept in drawn rows whose locations are anywhere: the labelled rows take the city of
        // their parcel's key's row (other cities there), the others keep theirs.
        let other = |prefix: &str, n: usize| {
            let names = (0..n).map(|i| format!("New {prefix} {i}"));
            vec![Column::of_labels("city", names)]
        };
        let (ports, towns) = (other("Port", 6), other("Town", 50));
        let drawn = [
            GrandFrame {
                columns: &ports,
                ..frames[0]
            },
            GrandFrame {
                columns: &towns,
                ..frames[1]
            },
        ];
        let mut columns = events.clone();
        columns[1].values.fill(Value::Label("Nowhere".into()));
        keep_grand(&rules, &mut columns, &row_of, &drawn);
        let at = |row: usize| crate::rules::text::label(&columns[1].values[row]);
        assert_eq!(
            (0..5).map(at).collect::<Vec<_>>(),
            [
                "New Port 0",
                "New Port 0",
                "Nowhere",
                "Nowhere",
                "New Town 0"
            ]
        );
        assert_eq!(at(5 * 13 + 4), "New Town 41");
    }
}
