//! Everything read from a model file, checked as strictly as a schema and its data before any of
//! it is used. A model file may come from someone else: its checksum proves only that it was not
//! damaged, not that a dxsynth wrote it. So names must be names (a table name becomes a file name
//! in the output folder, a column name goes to a terminal), patterns must be patterns, every
//! index a draw follows must be in range, and every size must be bounded by the real row counts
//! the file declares (which generation then bounds in turn, see `generate::check_size`). A kept
//! table's stored rows and the semantic generators are checked the same way.

use std::collections::HashSet;

use crate::data::{ValueFormat, check_pattern};
use crate::error::printable;
use crate::model::AnyModel;
use crate::model::learned::Expected;
use crate::plan::Generation;
use crate::row_order::{RowOrder, SortKey};
use crate::rules::discover::GAP_QUANTILES;
use crate::rules::{Col, Mapping, Rule, RuleKind};
use crate::schema::{ForeignKey, is_table_name};
use crate::train::{Models, TrainedTable};

/// The most digits after a point a number format may ask for (chrono and `f64` give no more).
const MAX_PLACES: usize = 20;

/// The most exponent digits a scientific format may pad to (`f64` exponents have three).
const MAX_EXPONENT_DIGITS: usize = 4;

/// The longest offset from UTC (a day, in seconds) a datetime format may carry.
const MAX_OFFSET: i32 = 86_399;

/// Checks the names, formats, indices and sizes of every table of `models`.
pub(super) fn contents(models: &Models) -> Result<(), String> {
    if models.privacy.min_count == 0 {
        return Err("a privacy threshold of 0".into());
    }
    let mut seen = HashSet::new();
    for plan in &models.plan.order {
        if !seen.insert(plan.table.as_str()) {
            return Err(format!(
                "table `{}` is planned twice",
                printable(&plan.table)
            ));
        }
    }
    for plan in &models.plan.order {
        let trained = &models.tables[&plan.table];
        let place = |err: String| format!("table `{}`: {err}", printable(&trained.name));
        names(trained).map_err(place)?;
        let keys = match &plan.generation {
            Generation::Sequential { key } => Some(key),
            Generation::Root | Generation::Independent => None,
        };
        for key in keys.into_iter().chain(&plan.assigned) {
            if !trained.header.contains(&key.column) {
                return Err(place(format!(
                    "foreign key `{}` is not in the header",
                    printable(&key.column)
                )));
            }
        }
        model(models, trained, keys).map_err(place)?;
        let all_keys: Vec<_> = keys.into_iter().chain(&plan.assigned).collect();
        rules(
            models,
            trained,
            keys.map(|key| key.parent.as_str()),
            &all_keys,
        )
        .map_err(place)?;
        row_order(trained, &all_keys).map_err(place)?;
    }
    Ok(())
}

/// Table and column names as a schema and a CSV header would have them; formats that write.
fn names(trained: &TrainedTable) -> Result<(), String> {
    if !is_table_name(&trained.name) {
        return Err("the table name is not letters, digits and `_` only".into());
    }
    let mut header = HashSet::new();
    for name in &trained.header {
        if name.chars().any(char::is_control) || !header.insert(name.as_str()) {
            return Err(format!(
                "column name `{}` holds control characters or is repeated",
                printable(name)
            ));
        }
    }
    let mut columns = HashSet::new();
    for column in &trained.columns {
        if !header.contains(column.name.as_str()) || !columns.insert(column.name.as_str()) {
            return Err(format!(
                "column `{}` is not in the header once",
                printable(&column.name)
            ));
        }
        format(&column.format)
            .map_err(|err| format!("column `{}`: {err}", printable(&column.name)))?;
    }
    if let Some(pk) = &trained.primary_key
        && (!header.contains(pk.as_str()) || columns.contains(pk.as_str()))
    {
        return Err(format!(
            "primary key `{}` does not fit the header",
            printable(pk)
        ));
    }
    if trained.orphan_rows > trained.real_rows {
        return Err("more rows without a parent than rows".into());
    }
    Ok(())
}

/// A format is safe to write with: a pattern chrono can apply, widths that are widths.
fn format(format: &ValueFormat) -> Result<(), String> {
    match format {
        ValueFormat::Datetime {
            pattern, offset, ..
        } => {
            if offset.is_some_and(|offset| offset.abs() > MAX_OFFSET) {
                return Err("a UTC offset of more than a day".into());
            }
            check_pattern(pattern)
        }
        ValueFormat::Decimal {
            min_places,
            max_places,
        } if *min_places > MAX_PLACES || *max_places > MAX_PLACES => {
            Err("more decimal places than a number has".into())
        }
        ValueFormat::Scientific {
            places,
            exponent_digits,
            ..
        } if *places > MAX_PLACES || *exponent_digits > MAX_EXPONENT_DIGITS => {
            Err("more digits than a number has".into())
        }
        _ => Ok(()),
    }
}

/// The table's model and its assigned keys, against the tables they draw from (`sequence`:
/// the key its sequences are drawn by, if any).
fn model(
    models: &Models,
    trained: &TrainedTable,
    sequence: Option<&crate::schema::ForeignKey>,
) -> Result<(), String> {
    let parent = sequence.map(|key| key.parent.as_str());
    let columns = trained.columns.len();
    let rows = trained.real_rows;
    let parent_rows = parent.map(|parent| models.tables[parent].real_rows);
    for groups in &trained.group_numbers {
        groups.check(columns)?;
    }
    for by_value in &trained.keys_by_value {
        by_value.check(columns)?;
    }
    for numbers in &trained.row_numbers {
        numbers.check(columns)?;
    }
    if let Some(counts) = &trained.sequence_by_row {
        crate::model::check_counts(counts, rows, parent_rows)
            .map_err(|err| format!("a kept parent's {err}"))?;
    }
    match &trained.model {
        // A kept table is copied, never drawn: its model is an empty one, with no sequence
        // under its parent even when the table is a sequential child.
        _ if trained.kept.is_some() => {}
        AnyModel::Learned(model) => {
            let sequence = parent.map(|parent| {
                (
                    context_columns(models, parent),
                    models.tables[parent].real_rows,
                )
            });
            model.check(&Expected {
                columns,
                rows,
                sequence,
            })?;
        }
        AnyModel::Reference(model) => model.check(columns, rows, parent_rows)?,
    }
    for key in &trained.assigned {
        let parent = &models.tables[&key.parent];
        let named = |err: String| format!("foreign key `{}`: {err}", printable(&key.column));
        key.check((columns, rows), (parent.columns.len(), parent.real_rows))
            .map_err(named)?;
        if let Some(first) = &key.unique_with
            && (first == &key.column || !trained.header.contains(first))
        {
            return Err(named(format!(
                "pairs unique with `{}`, not another column of the table",
                printable(first)
            )));
        }
        if let Some(dependence) = &key.dependence {
            dependence
                .check(&key.column, &trained.header, parent.columns.len())
                .map_err(named)?;
        }
        if let Some(order) = &key.order {
            order
                .check(&key.column, &trained.header, parent.real_rows)
                .map_err(named)?;
        }
        if let Some(pairs) = &key.pairs_of {
            pairs.check(&key.column, &trained.header).map_err(named)?;
            pairs_table(models, &trained.name, pairs).map_err(named)?;
        }
        if let Some(equals) = &key.equals {
            equal_keys(trained, sequence, key, equals).map_err(named)?;
        }
        if let Some(label_match) = &key.label_match {
            let earlier = sequence
                .filter(|k| {
                    k.column == label_match.earlier && k.parent == label_match.earlier_parent
                })
                .and_then(|k| models.tables.get(&k.parent))
                .ok_or_else(|| {
                    named("labels matched with a key that is not the sequence key".into())
                })?;
            label_match
                .check(Some(earlier.columns.len()), parent.columns.len())
                .map_err(named)?;
        }
    }
    semantic(trained)
}

/// A key equal to an earlier one: that one is another key of the table to the same parent
/// table (its parent rows are copied into this key's), decided by a key of the table.
fn equal_keys(
    trained: &TrainedTable,
    sequence: Option<&crate::schema::ForeignKey>,
    key: &crate::keys::KeyDistribution,
    equals: &crate::keys::equal::KeyEquality,
) -> Result<(), String> {
    let assigned = trained.assigned.iter().map(|k| (&k.column, &k.parent));
    let mut keys = sequence
        .map(|k| (&k.column, &k.parent))
        .into_iter()
        .chain(assigned);
    let same_parent = keys.any(|(column, parent)| {
        *column == equals.earlier && *column != key.column && *parent == key.parent
    });
    let by_a_key = equals.by.as_ref().is_none_or(|by| {
        *by != key.column
            && (sequence.is_some_and(|k| k.column == *by)
                || trained.assigned.iter().any(|k| k.column == *by))
    });
    if same_parent && by_a_key {
        Ok(())
    } else {
        Err(format!(
            "equal to `{}`, not another key of the table to `{}`",
            printable(&equals.earlier),
            printable(&key.parent)
        ))
    }
}

/// The table whose rows a key's pairs are: one made before `table`, with both keys the rule
/// names (generation reads its synthetic keys).
fn pairs_table(
    models: &Models,
    table: &str,
    pairs: &crate::keys::pairs::PairsOf,
) -> Result<(), String> {
    let position = |name: &str| models.plan.order.iter().position(|p| p.table == name);
    let other = position(&pairs.table)
        .filter(|&at| position(table).is_some_and(|this| at < this))
        .map(|at| &models.plan.order[at]);
    let keys: Vec<String> = other
        .map(|plan| {
            plan.relationships()
                .into_iter()
                .map(|relationship| relationship.foreign_key)
                .collect()
        })
        .unwrap_or_default();
    if keys.contains(&pairs.first) && keys.contains(&pairs.second) && pairs.first != pairs.second {
        return Ok(());
    }
    Err(format!(
        "pairs of `{}` rows by `{}` and `{}`, not two keys of a table made before it",
        printable(&pairs.table),
        printable(&pairs.first),
        printable(&pairs.second)
    ))
}

/// A kept table's stored rows and a table's semantic generators, against its columns and rows.
fn semantic(trained: &TrainedTable) -> Result<(), String> {
    if let Some(kept) = &trained.kept {
        let kinds: Vec<_> = trained.columns.iter().map(|column| column.kind).collect();
        kept.check(&kinds, trained.real_rows)?;
    }
    if let Some(semantic) = &trained.semantic {
        semantic.check(trained.columns.len())?;
    }
    Ok(())
}

/// The number of context columns generation gives a child of `parent`: the parent's columns,
/// and its own parent's when it is a sequence (see `model::context_columns`).
fn context_columns(models: &Models, parent: &str) -> usize {
    let own = models.tables[parent].columns.len();
    match models.plan.table(parent).map(|plan| &plan.generation) {
        Some(Generation::Sequential { key }) => {
            own + models
                .tables
                .get(&key.parent)
                .map_or(0, |t| t.columns.len())
        }
        _ => own,
    }
}

/// The table's rules (listed by `inspect`): every column they name is one of the table's
/// modelled columns or of the parent its rows are generated under (for a product across a
/// key, of that key's parent; `keys` are the table's foreign keys), counts are bounded by the
/// real rows, numbers are numbers and divisors positive.
fn rules(
    models: &Models,
    trained: &TrainedTable,
    parent: Option<&str>,
    keys: &[&ForeignKey],
) -> Result<(), String> {
    let own = |name: &str| trained.columns.iter().any(|column| column.name == name);
    let models_column = |table: &str, column: &str| {
        models
            .tables
            .get(table)
            .is_some_and(|p| p.columns.iter().any(|c| c.name == column))
    };
    for rule in &trained.rules {
        let parent = match rule.kind.key() {
            Some(key) => keys
                .iter()
                .find(|fk| fk.column == key)
                .map(|fk| fk.parent.as_str()),
            None => parent,
        };
        let known = rule.kind.columns().iter().all(|col| match col {
            Col::Own(name) => own(name),
            Col::Parent { table, column } => {
                parent == Some(table.as_str()) && models_column(table, column)
            }
            Col::Grand {
                parent: table,
                key,
                column,
            } => {
                let plan = models.plan.table(table);
                let relationships = plan.map(|plan| plan.relationships()).unwrap_or_default();
                let grand = relationships.iter().find(|r| &r.foreign_key == key);
                parent == Some(table.as_str())
                    && grand.is_some_and(|grand| models_column(&grand.parent, column))
            }
        });
        if !known {
            return Err(format!(
                "a `{}` rule names a column the table does not model",
                rule.class()
            ));
        }
        if let RuleKind::ChildTotal {
            total: Col::Parent { table, column },
            ..
        } = &rule.kind
        {
            let total = models
                .tables
                .get(table)
                .and_then(|p| p.columns.iter().find(|c| &c.name == column));
            if total.is_none_or(|c| c.kind != crate::schema::ColumnKind::Numerical) {
                return Err(
                    "a total over rows names a parent's column that is not a number".into(),
                );
            }
        }
        if !rule_fits(rule, trained.real_rows) {
            return Err(format!(
                "a `{}` rule with counts or numbers out of range",
                rule.class()
            ));
        }
    }
    Ok(())
}

/// The row order names the table's own columns and keys only (a hostile file's other names
/// would sort by nothing, but `inspect` would show them).
fn row_order(trained: &TrainedTable, keys: &[&ForeignKey]) -> Result<(), String> {
    let Some(RowOrder::Sorted(sort_keys)) = &trained.row_order else {
        return Ok(());
    };
    let known = sort_keys.iter().all(|key| match key {
        SortKey::Column(name) => trained.columns.iter().any(|c| &c.name == name),
        SortKey::Key(name) => keys.iter().any(|fk| &fk.column == name),
        SortKey::Labels { column, labels } => {
            labels.len() <= crate::row_order::MAX_SORT_LABELS
                && trained.columns.iter().any(|c| &c.name == column)
        }
    });
    if known {
        Ok(())
    } else {
        Err("the row order names a column or key the table does not have".into())
    }
}

/// Counts within the real rows, finite numbers, positive divisors, bounded lists.
fn rule_fits(rule: &Rule, rows: usize) -> bool {
    let counts = rule.holding <= rule.support && rule.support <= rows;
    let gaps = rule.gaps.len() <= GAP_QUANTILES && rule.gaps.iter().all(|gap| gap.is_finite());
    let kind = match &rule.kind {
        RuleKind::Difference { min, max, .. } => min.is_finite() && max.is_finite() && min <= max,
        RuleKind::DifferenceBy {
            min, max, spans, ..
        } => {
            min.is_finite()
                && max.is_finite()
                && min <= max
                && spans.len() <= rows
                && (spans.iter()).all(|(_, lo, hi, count)| {
                    lo.is_finite() && hi.is_finite() && lo <= hi && *count <= rows
                })
                && spans.is_sorted_by(|a, b| a.0.order(&b.0).is_lt())
        }
        RuleKind::Ratio { min, max, .. } => {
            min.is_finite() && (1.0 / max).is_finite() && 0.0 <= *min && min <= max
        }
        RuleKind::Arithmetic { divisor, .. } => *divisor > 0,
        RuleKind::Calendar {
            mapping: Mapping::Table(table),
            ..
        } => table.len() <= rows,
        RuleKind::Calendar {
            mapping: Mapping::Steps(steps),
            ..
        } => steps.len() <= rows && steps.is_sorted_by_key(|(start, _)| *start),
        RuleKind::Lookup { table, .. } => table.len() <= rows,
        RuleKind::Periods { periods, .. } => {
            periods.len() <= rows
                && periods
                    .iter()
                    .all(|(_, first, last, count)| first <= last && *count <= rows)
        }
        RuleKind::Belongs { pairs, .. } => {
            pairs.len() <= rows
                && pairs.iter().all(|(.., count)| *count <= rows)
                && pairs.is_sorted_by(|a, b| a.0.order(&b.0).then_with(|| a.1.order(&b.1)).is_lt())
        }
        RuleKind::Shifted { shifts, .. } => {
            shifts.len() <= rows
                && shifts.iter().all(|(.., count)| *count <= rows)
                && shifts.is_sorted_by(|a, b| a.0.order(&b.0).then(a.1.cmp(&b.1)).is_lt())
        }
        RuleKind::Linear { lines, decimal, .. } => {
            decimal.is_none_or(|places| places <= crate::rules::linear::MAX_DECIMALS)
                && lines.len() <= rows
                && (lines.iter()).all(|(_, base, rate, count)| {
                    base.is_finite() && rate.is_finite() && *count <= rows
                })
                && lines.is_sorted_by(|a, b| a.0.order(&b.0).is_lt())
        }
        RuleKind::ChildValues { table, .. } => {
            table.len() <= rows && table.iter().all(|(set, _)| set.len() <= 8)
        }
        RuleKind::KeyedProduct { low, high, .. } => {
            low.is_finite() && high.is_finite() && low <= high && !rule.gaps.is_empty()
        }
        RuleKind::ClockTime { common, .. } => {
            common.len() <= rows && common.iter().all(|time| time.is_finite())
        }
        _ => true,
    };
    counts && gaps && kind
}
