//! The validity checks: things a synthetic database must get exactly right (keys, bounds,
//! categories, children-per-parent bounds, structure). Each row is a share that passed.

use std::collections::HashSet;

use super::paired::{Paired, PairedTable, Sample, ScoredColumn};
use super::{Check, Property, Validity};
use crate::data::{Column, ValueFormat};
use crate::schema::ColumnKind;

/// Every validity check of a paired database.
pub fn check(paired: &Paired) -> Validity {
    Validity {
        referential_integrity: referential_integrity(paired),
        key_uniqueness: key_uniqueness(paired),
        boundary_adherence: per_column(paired, true, boundary_share),
        category_adherence: per_column(paired, false, category_share),
        cardinality_bounds: cardinality_bounds(paired),
        structure: structure(paired),
    }
}

fn score(table: &str, column: Option<&str>, score: f64, detail: Option<String>) -> Check {
    Check {
        table: table.to_string(),
        column: column.map(str::to_string),
        score,
        detail,
    }
}

/// `passed / total`, 1 when there is nothing to check.
fn share(passed: usize, total: usize) -> f64 {
    if total == 0 {
        1.0
    } else {
        passed as f64 / total as f64
    }
}

fn failures(passed: usize, total: usize, what: &str) -> Option<String> {
    (passed < total).then(|| format!("{} of {total} {what}", total - passed))
}

/// Per foreign key: the share of non-empty synthetic values that are synthetic parent keys.
fn referential_integrity(paired: &Paired) -> Property<Check> {
    let rows = paired
        .links
        .iter()
        .map(|link| {
            let resolved = link.synthetic_resolved;
            score(
                &link.child,
                Some(&link.column),
                share(resolved, link.synthetic_keys),
                failures(
                    resolved,
                    link.synthetic_keys,
                    &format!("values not in `{}`", link.parent),
                ),
            )
        })
        .collect();
    Property::of(rows, |row| row.score)
}

/// Per primary key: the share of synthetic rows whose key is non-empty and seen once.
fn key_uniqueness(paired: &Paired) -> Property<Check> {
    let rows = paired
        .tables
        .iter()
        .filter_map(|table| {
            let pk = table.def.primary_key.as_deref()?;
            let keys = table.synthetic_keys(pk)?;
            let distinct: HashSet<&str> = keys.iter().flatten().collect();
            let good = distinct.len();
            Some(score(
                &table.name,
                Some(pk),
                share(good, keys.len()),
                failures(good, keys.len(), "keys empty or repeated"),
            ))
        })
        .collect();
    Property::of(rows, |row| row.score)
}

fn per_column(
    paired: &Paired,
    continuous: bool,
    measure: fn(&ScoredColumn) -> (usize, usize),
) -> Property<Check> {
    let rows = paired
        .tables
        .iter()
        .flat_map(|table| table.scored.iter().map(move |column| (table, column)))
        .filter(|(_, column)| is_numeric(column) == continuous)
        .map(|(table, column)| {
            let (passed, total) = measure(column);
            let what = if continuous {
                "values outside the real range"
            } else {
                "values not in the real data"
            };
            score(
                &table.name,
                Some(&column.name),
                share(passed, total),
                failures(passed, total, what),
            )
        })
        .collect();
    Property::of(rows, |row| row.score)
}

/// Whether a column holds numbers (numerical, datetime): checked against the real range, also
/// when its few whole values are scored as discrete.
fn is_numeric(column: &ScoredColumn) -> bool {
    matches!(column.kind, ColumnKind::Numerical | ColumnKind::Datetime)
}

/// The numbers of one side: as they are, or read back from the labels of a numerical column
/// scored as discrete.
fn numbers(column: &ScoredColumn, side: &Sample) -> Vec<Option<f64>> {
    match side {
        Sample::Continuous { values, .. } => values.clone(),
        Sample::Discrete { codes } => codes
            .iter()
            .map(|code| column.labels.get((*code)? as usize)?.parse().ok())
            .collect(),
    }
}

/// (synthetic values inside the real [min, max], non-empty synthetic values).
fn boundary_share(column: &ScoredColumn) -> (usize, usize) {
    let (real, synthetic) = (
        numbers(column, &column.real),
        numbers(column, &column.synthetic),
    );
    let present = real.iter().flatten();
    let min = present.clone().copied().fold(f64::INFINITY, f64::min);
    let max = present.copied().fold(f64::NEG_INFINITY, f64::max);
    let values: Vec<f64> = synthetic.iter().flatten().copied().collect();
    let inside = values.iter().filter(|&&x| min <= x && x <= max).count();
    (inside, values.len())
}

/// (synthetic values that occur in the real data, non-empty synthetic values).
fn category_share(column: &ScoredColumn) -> (usize, usize) {
    let Sample::Discrete { codes } = &column.synthetic else {
        return (0, 0);
    };
    let codes: Vec<u32> = codes.iter().flatten().copied().collect();
    let known = codes
        .iter()
        .filter(|&&code| code < column.real_levels)
        .count();
    (known, codes.len())
}

/// Per relationship: the share of synthetic parents with a child count the real data has
/// between its smallest and largest.
fn cardinality_bounds(paired: &Paired) -> Property<Check> {
    let rows = paired
        .links
        .iter()
        .map(|link| {
            let min = link.real_counts.iter().copied().min().unwrap_or(0);
            let max = link.real_counts.iter().copied().max().unwrap_or(0);
            let total = link.synthetic_counts.len();
            let inside = link
                .synthetic_counts
                .iter()
                .filter(|&&count| min <= count && count <= max)
                .count();
            score(
                &link.child,
                Some(&link.column),
                share(inside, total),
                failures(
                    inside,
                    total,
                    &format!("parents outside {min}..={max} children"),
                ),
            )
        })
        .collect();
    Property::of(rows, |row| row.score)
}

/// Per table: the share of columns at their real position and written the real way.
fn structure(paired: &Paired) -> Property<Check> {
    let rows = paired.tables.iter().map(table_structure).collect();
    Property::of(rows, |row| row.score)
}

fn table_structure(table: &PairedTable) -> Check {
    let mut flaws = Vec::new();
    for (position, name) in table.real.header.iter().enumerate() {
        if table.synthetic.header.get(position) != Some(name) {
            flaws.push(format!("`{name}` is not in column {}", position + 1));
            continue;
        }
        let (Some(real), Some(synthetic)) = (table.real.column(name), table.synthetic_column(name))
        else {
            continue;
        };
        if !written_alike(real, synthetic) {
            flaws.push(format!(
                "`{name}` is written as {}, the real data as {}",
                describe(&synthetic.format),
                describe(&real.format)
            ));
        }
    }
    let columns = table.real.header.len();
    let detail = (!flaws.is_empty()).then(|| flaws.join("; "));
    score(
        &table.name,
        None,
        share(columns - flaws.len(), columns),
        detail,
    )
}

/// Whether the synthetic column is written the way the real one is: integers as integers,
/// datetimes in the same pattern, booleans with the same spelling. A column without values
/// cannot tell and passes.
pub fn written_alike(real: &Column, synthetic: &Column) -> bool {
    if synthetic.values.iter().all(|value| value.is_null()) {
        return true;
    }
    match (&real.format, &synthetic.format) {
        (ValueFormat::Integer, ValueFormat::Integer)
        | (ValueFormat::Decimal { .. }, ValueFormat::Decimal { .. })
        | (ValueFormat::Scientific { .. }, ValueFormat::Scientific { .. })
        | (ValueFormat::Verbatim, ValueFormat::Verbatim) => true,
        (ValueFormat::Decimal { min_places, .. }, ValueFormat::Integer) => *min_places == 0,
        (ValueFormat::Datetime { pattern: a, .. }, ValueFormat::Datetime { pattern: b, .. }) => {
            a == b
        }
        (ValueFormat::Boolean { yes: a, no: b }, ValueFormat::Boolean { yes: c, no: d }) => {
            a == c && b == d
        }
        _ => false,
    }
}

fn describe(format: &ValueFormat) -> String {
    match format {
        ValueFormat::Integer => "integers".into(),
        ValueFormat::Decimal { .. } => "decimals".into(),
        ValueFormat::Scientific { .. } => "scientific notation".into(),
        ValueFormat::Datetime { pattern, .. } => format!("`{pattern}`"),
        ValueFormat::Boolean { yes, no } => format!("{yes}/{no}"),
        ValueFormat::Verbatim => "labels".into(),
    }
}
