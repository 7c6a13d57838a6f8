//! Totals and values over a parent's children ([`RuleKind::ChildTotal`],
//! [`RuleKind::ChildValues`]): a parent's column that is the sum, over the parent's rows in a
//! child table, of what each row adds (an order's total from its lines; a customer's count of
//! orders), or that follows from which values a column of those rows takes (an order is
//! fulfilled when all its lines are).
//!
//! Why apart from the row rules: a parent row is drawn before its children, so no rule of a
//! row can keep it. Training finds the rule in the real rows of a sequential child, grouped by
//! the parent its sequences hang off ([`discover`]); generation adds the children up as they
//! are made and writes the parent's value from them ([`Totals`]) before the parent is written;
//! `evaluate` measures it parent by parent ([`super::measure::measure`]).

use std::collections::HashMap;

use super::following::Following;
use super::measure::{
    FUNCTION_TOLERANCE, MIN_SUPPORT, Term, agrees, chance_rate, group_sum, groups, significant,
    unit, value_for, values_of,
};
use super::{ChildTerm, Col, Frame, Rule, RuleKind};
use crate::data::{Column, Value};
use crate::schema::ColumnKind;
use crate::stats::on_step;

/// Parents a candidate is first tried on (the first parents with children).
const HEAD: usize = 48;
/// Own numeric columns tried as amounts and factors (the first ones of the table).
const MAX_AMOUNTS: usize = 12;
/// Own columns of rates (every value in 0..=1) tried as discounts and taxes.
const MAX_RATES: usize = 6;
/// Parent columns tried as totals.
const MAX_TOTALS: usize = 24;
/// The share of parents with children that must have two or more: with one child each, a total
/// is a copy of a child's column, which [`RuleKind::CopyParent`] keeps from the other side.
const MIN_SEVERAL: f64 = 0.1;

/// Child columns of at most this many values are tried as the source of a parent's value.
const MAX_SOURCE_VALUES: usize = 8;
/// Parent columns of at most this many values are tried as following from their children's.
const MAX_TARGET_VALUES: usize = 64;

/// The totals ([`totals`]) and values ([`values`]) of children the real rows of `frame` obey;
/// `min_count` is the privacy threshold the sets of values of children respect.
pub fn discover(frame: &Frame<'_>, min_count: usize) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let groups = groups(parent.row_of);
    let several = groups.iter().filter(|(_, rows)| rows.len() >= 2).count();
    if groups.len() < MIN_SUPPORT || (several as f64) < MIN_SEVERAL * groups.len() as f64 {
        return Vec::new();
    }
    let mut found = totals(frame, &groups);
    found.extend(values(frame, &groups, min_count));
    found
}

/// The totals over children that the real rows of `frame` obey: for each numeric column of
/// the parent (the first [`MAX_TOTALS`]), the simplest term whose sums it equals in every
/// parent with children but [`FUNCTION_TOLERANCE`], by no coincidence (the parent's value
/// against another parent's sum). Terms are tried from the simplest: a count, an amount, an
/// amount times a factor, then with a rate taken off and one added.
fn totals(frame: &Frame<'_>, groups: &[(usize, Vec<usize>)]) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let head: Vec<&(usize, Vec<usize>)> = groups.iter().take(HEAD).collect();
    let candidates: Vec<(ChildTerm, Vec<Option<f64>>)> = terms(frame.columns)
        .into_iter()
        .filter_map(|term| {
            let resolved = Term::of(&term, frame.columns)?;
            let sums = head.iter().map(|(_, rows)| group_sum(&resolved, rows));
            Some((term, sums.collect()))
        })
        .collect();
    let mut found = Vec::new();
    for total in numeric(parent.columns).into_iter().take(MAX_TOTALS) {
        let col = Col::Parent {
            table: parent.table.to_string(),
            column: total.name.clone(),
        };
        let step = unit(total);
        let screened = candidates.iter().filter(|(term, sums)| {
            let count = term.amount.is_none();
            let broken = head.iter().zip(sums).filter(|((parent_row, rows), sum)| {
                let value = total.values.get(*parent_row).and_then(Value::as_number);
                !matches!((value, sum), (Some(v), Some(s)) if agrees(v, *s, step, (count, rows.len())))
            });
            broken.count() <= 1
        });
        let accepted = screened
            .map(|(term, _)| term)
            .find(|term| holds(total, term, frame.columns, groups));
        if let Some(term) = accepted {
            found.push(RuleKind::ChildTotal {
                total: col,
                term: term.clone(),
            });
        }
    }
    found
}

/// The categorical columns of the parent (the first [`MAX_TOTALS`] of at most
/// [`MAX_TARGET_VALUES`] values) that follow from the set of values a categorical child column
/// (the first [`MAX_AMOUNTS`] of at most [`MAX_SOURCE_VALUES`] values) takes under each parent:
/// in every parent whose set is one seen under `min_count` parents at least, by no
/// coincidence. The first such child column for each parent column.
fn values(frame: &Frame<'_>, groups: &[(usize, Vec<usize>)], min_count: usize) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let sources: Vec<(&Column, Vec<Option<Vec<Value>>>)> =
        categories(frame.columns, MAX_SOURCE_VALUES)
            .into_iter()
            .take(MAX_AMOUNTS)
            .map(|source| {
                let sets = groups
                    .iter()
                    .map(|(_, rows)| values_of(source, rows))
                    .collect();
                (source, sets)
            })
            .collect();
    let mut found = Vec::new();
    for target in categories(parent.columns, MAX_TARGET_VALUES)
        .into_iter()
        .take(MAX_TOTALS)
    {
        let parents: Vec<Option<&Value>> = groups
            .iter()
            .map(|(row, _)| target.values.get(*row).filter(|v| !v.is_null()))
            .collect();
        let rule = sources.iter().find_map(|(source, sets)| {
            let table = fit_values(&parents, sets, min_count)?;
            let holds = values_hold(&parents, sets, &table);
            holds.then(|| RuleKind::ChildValues {
                target: Col::Parent {
                    table: parent.table.to_string(),
                    column: target.name.clone(),
                },
                source: source.name.clone(),
                table,
            })
        });
        found.extend(rule);
    }
    found
}

/// The table of a declared values-of-children rule, fitted on `frame`: its parent's `target`
/// for each set of `source` values (empty when the frame lacks either, or no set is common).
pub fn fit_values_of(
    frame: &Frame<'_>,
    (target, source): (&Col, &str),
    min_count: usize,
) -> Vec<(Vec<Value>, Value)> {
    let fitted = || {
        let parent = frame.parent?;
        let target = match target {
            Col::Parent { table, column } if table == parent.table => {
                parent.columns.iter().find(|c| &c.name == column)?
            }
            _ => return None,
        };
        let source = frame.columns.iter().find(|c| c.name == source)?;
        let groups = groups(parent.row_of);
        let parents: Vec<Option<&Value>> = groups
            .iter()
            .map(|(row, _)| target.values.get(*row).filter(|v| !v.is_null()))
            .collect();
        let sets: Vec<Option<Vec<Value>>> = groups
            .iter()
            .map(|(_, rows)| values_of(source, rows))
            .collect();
        fit_values(&parents, &sets, min_count)
    };
    fitted().unwrap_or_default()
}

/// The categorical (or boolean) columns with two to `most` values among the first rows.
fn categories(columns: &[Column], most: usize) -> Vec<&Column> {
    columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean))
        .filter(|c| {
            let mut seen: Vec<&Value> = Vec::new();
            for value in c.values.iter().take(4096).filter(|v| !v.is_null()) {
                if !seen.contains(&value) {
                    seen.push(value);
                    if seen.len() > most {
                        return false;
                    }
                }
            }
            seen.len() >= 2
        })
        .collect()
}

/// How many parents took each value.
type ValueCounts<'a> = Vec<(&'a Value, usize)>;

/// The parent's most common value for each set of children's values, for the sets seen under
/// `min_count` parents at least whose value is seen there `min_count` times at least, sorted
/// by set; `None` with fewer than two such sets or one value for all.
fn fit_values(
    parents: &[Option<&Value>],
    sets: &[Option<Vec<Value>>],
    min_count: usize,
) -> Option<Vec<(Vec<Value>, Value)>> {
    let mut counts: Vec<(&Vec<Value>, ValueCounts<'_>)> = Vec::new();
    for (value, set) in parents.iter().zip(sets) {
        let (Some(value), Some(set)) = (value, set) else {
            continue;
        };
        let at = match counts.iter().position(|(s, _)| *s == set) {
            Some(at) => at,
            None if counts.len() < 1 << MAX_SOURCE_VALUES => {
                counts.push((set, Vec::new()));
                counts.len() - 1
            }
            None => return None,
        };
        let values = &mut counts[at].1;
        match values.iter_mut().find(|(v, _)| v == value) {
            Some((_, count)) => *count += 1,
            None => values.push((value, 1)),
        }
    }
    let mut table: Vec<(Vec<Value>, Value)> = counts
        .into_iter()
        .filter_map(|(set, values)| {
            let total: usize = values.iter().map(|(_, count)| count).sum();
            let (value, count) = values.into_iter().max_by_key(|(_, count)| *count)?;
            (total >= min_count && count >= min_count).then(|| (set.clone(), value.clone()))
        })
        .collect();
    table.sort_by(|a, b| {
        let order =
            a.0.iter()
                .zip(&b.0)
                .map(|(x, y)| x.order(y))
                .find(|o| o.is_ne());
        order.unwrap_or_else(|| a.0.len().cmp(&b.0.len()))
    });
    let first = &table.first()?.1;
    let varies = table.iter().any(|(_, value)| value != first);
    (table.len() >= 2 && varies).then_some(table)
}

/// Whether every parent whose set `table` holds has the value it gives (a lookup fitted on
/// the data must hold in every row), where pairing a parent with another parent's set would
/// not.
fn values_hold(
    parents: &[Option<&Value>],
    sets: &[Option<Vec<Value>>],
    table: &[(Vec<Value>, Value)],
) -> bool {
    let expected: Vec<Option<&Value>> = sets
        .iter()
        .map(|set| set.as_deref().and_then(|set| value_for(table, set)))
        .collect();
    let cases: Vec<(&Value, &Value)> = parents
        .iter()
        .zip(&expected)
        .filter_map(|(value, expected)| Some(((*value)?, (*expected)?)))
        .collect();
    if cases.iter().any(|(value, expected)| value != expected) {
        return false;
    }
    let all: Vec<usize> = (0..cases.len()).collect();
    chance_rate(&all, |k, other| Some(cases[k].0 == cases[other].1))
        .is_some_and(|h| significant(cases.len(), 0, h))
}

/// Whether `total` agrees with the sums of `term` in every parent of `groups` but the
/// tolerance, where pairing each parent's value with another parent's sum would not.
fn holds(
    total: &Column,
    term: &ChildTerm,
    columns: &[Column],
    groups: &[(usize, Vec<usize>)],
) -> bool {
    let Some(resolved) = Term::of(term, columns) else {
        return false;
    };
    let (step, count) = (unit(total), term.amount.is_none());
    let cases: Vec<(f64, f64, usize)> = groups
        .iter()
        .filter_map(|(parent_row, rows)| {
            let value = total.values.get(*parent_row).and_then(Value::as_number)?;
            Some((value, group_sum(&resolved, rows)?, rows.len()))
        })
        .collect();
    let agree = |(value, _, children): (f64, f64, usize), sum: f64| {
        agrees(value, sum, step, (count, children))
    };
    let holding = cases.iter().filter(|&&case| agree(case, case.1)).count();
    let broken = cases.len() - holding;
    if broken as f64 > FUNCTION_TOLERANCE * cases.len() as f64 {
        return false;
    }
    let all: Vec<usize> = (0..cases.len()).collect();
    chance_rate(&all, |k, other| Some(agree(cases[k], cases[other].1)))
        .is_some_and(|h| significant(cases.len(), broken, h))
}

/// The numeric columns of a table with two values at least (among the first rows).
fn numeric(columns: &[Column]) -> Vec<&Column> {
    columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical)
        .filter(|c| {
            let mut values = c.values.iter().take(4096).filter_map(Value::as_number);
            let first = values.next();
            values.any(|x| Some(x) != first)
        })
        .collect()
}

/// The candidate terms over a child's columns, simplest first: a count, each amount, each
/// product of two, then each of those with a rate taken off, with a rate added, with both.
fn terms(columns: &[Column]) -> Vec<ChildTerm> {
    let amounts: Vec<&String> = numeric(columns)
        .into_iter()
        .take(MAX_AMOUNTS)
        .map(|c| &c.name)
        .collect();
    let rates: Vec<&String> = numeric(columns)
        .into_iter()
        .filter(|c| is_rate(c))
        .take(MAX_RATES)
        .map(|c| &c.name)
        .collect();
    let mut bases = Vec::new();
    for (i, amount) in amounts.iter().enumerate() {
        bases.push((*amount, None));
        for factor in &amounts[i + 1..] {
            bases.push((*amount, Some(*factor)));
        }
    }
    let none: Option<&String> = None;
    let optional_rates = || std::iter::once(none).chain(rates.iter().copied().map(Some));
    let mut terms = vec![ChildTerm::default()];
    for (less, plus) in optional_rates().flat_map(|l| optional_rates().map(move |p| (l, p))) {
        if less.is_some() && less == plus {
            continue;
        }
        for &(amount, factor) in &bases {
            let uses =
                |rate: Option<&String>| rate.is_some_and(|r| r == amount || Some(r) == factor);
            if uses(less) || uses(plus) {
                continue;
            }
            terms.push(ChildTerm {
                amount: Some(amount.clone()),
                factor: factor.cloned(),
                less: less.cloned(),
                plus: plus.cloned(),
            });
        }
    }
    terms
}

/// Whether every value of the column (among the first rows) lies in 0..=1.
fn is_rate(column: &Column) -> bool {
    let mut values = column.values.iter().take(4096).filter_map(Value::as_number);
    values.all(|x| (0.0..=1.0).contains(&x))
}

/// The totals and values of children that one child table's rules keep in one parent, added
/// up as the child's rows are made (whole or part by part, in row order) and then written into
/// the parent's columns.
pub struct Totals {
    kept: Vec<Kept>,
    /// The parent's own columns that follow the columns written here, worked out again as the
    /// totals are put ([`Totals::following`]).
    following: Following,
}

/// One rule's state over the parent's rows.
enum Kept {
    /// A total: the parent's column, the term, and the sum so far of every parent row.
    Sum {
        column: String,
        term: ChildTerm,
        sums: Vec<f64>,
    },
    /// Values of children: the parent's column, the child's, the values its sets hold
    /// (sorted), the parent's value for each set (as a mask of those values), and the mask of
    /// the values seen so far under every parent row ([`OTHER`]: one no set holds).
    Values {
        column: String,
        source: String,
        values: Vec<Value>,
        table: HashMap<u16, Value>,
        masks: Vec<u16>,
    },
}

/// The bit of a value of children no set of a [`RuleKind::ChildValues`] rule holds.
const OTHER: u16 = 1 << 15;

impl Totals {
    /// The totals and values `rules` (a child table's) keep in the parent table `parent` of
    /// `parent_rows` rows; `None` when they keep none.
    pub fn new(rules: &[Rule], parent: &str, parent_rows: usize) -> Option<Totals> {
        let kept: Vec<Kept> = rules
            .iter()
            .filter_map(|rule| match &rule.kind {
                RuleKind::ChildTotal {
                    total: Col::Parent { table, column },
                    term,
                } if table == parent => Some(Kept::Sum {
                    column: column.clone(),
                    term: term.clone(),
                    sums: vec![0.0; parent_rows],
                }),
                RuleKind::ChildValues {
                    target: Col::Parent { table, column },
                    source,
                    table: sets,
                } if table == parent => Kept::values(column, source, sets, parent_rows),
                _ => None,
            })
            .collect();
        (!kept.is_empty()).then_some(Totals {
            kept,
            following: Following::default(),
        })
    }

    /// These totals with the parent's own columns (`rules`: the parent table's) that follow a
    /// column they write, worked out again as the totals are put: a sum or product that reads
    /// one, directly or through another, derived again; a column an order, a difference or a
    /// ratio binds to one fitted again ([`Following`]). A rule whose total is itself written
    /// here is left to the totals.
    pub fn following(mut self, rules: &[Rule]) -> Totals {
        let written: Vec<String> = self.kept.iter().map(|kept| kept.column().clone()).collect();
        self.following = Following::of(&written, rules);
        self
    }

    /// The child's columns the totals and values read.
    pub fn columns_read(&self) -> impl Iterator<Item = &String> {
        self.kept.iter().flat_map(|kept| match kept {
            Kept::Sum { term, .. } => term.columns().collect::<Vec<_>>(),
            Kept::Values { source, .. } => vec![source],
        })
    }

    /// Adds the rows of `columns` (a child's part, or the whole child), whose parent rows are
    /// `parents`. A row with an empty value in a total's term, or without a parent, adds
    /// nothing to it.
    pub fn add(&mut self, columns: &[Column], parents: &[Option<usize>]) {
        for kept in &mut self.kept {
            match kept {
                Kept::Sum { term, sums, .. } => {
                    let Some(term) = Term::of(term, columns) else {
                        continue;
                    };
                    for (row, parent) in parents.iter().enumerate() {
                        if let (Some(parent), Some(x)) = (*parent, term.at(row))
                            && let Some(sum) = sums.get_mut(parent)
                        {
                            *sum += x;
                        }
                    }
                }
                Kept::Values {
                    source,
                    values,
                    masks,
                    ..
                } => {
                    let Some(source) = columns.iter().find(|c| &c.name == source) else {
                        continue;
                    };
                    for (value, parent) in source.values.iter().zip(parents) {
                        let bit = values
                            .iter()
                            .position(|v| v == value)
                            .map_or(OTHER, |i| 1 << i);
                        if let Some(mask) = parent.and_then(|parent| masks.get_mut(parent)) {
                            *mask |= bit;
                        }
                    }
                }
            }
        }
    }

    /// Writes the totals and values of parent rows `first..` into `columns` (the parent's, or
    /// a part of them from row `first` on): totals on each column's grid, a parent row without
    /// children zero; values where the set of the children's values is one the rule holds (else
    /// the parent keeps its drawn value). A column that is not there, or freed, is left alone.
    pub fn put(&self, columns: &mut [Column], first: usize) {
        let drawn = self.following.drawn(columns);
        for kept in &self.kept {
            let name = kept.column();
            let Some(column) = columns.iter_mut().find(|c| &c.name == name) else {
                continue;
            };
            let rows = first..first + column.values.len();
            match kept {
                Kept::Sum { sums, .. } => {
                    let Some(sums) = sums.get(rows) else { continue };
                    let step = unit(column);
                    for (value, sum) in column.values.iter_mut().zip(sums) {
                        *value = Value::Number(on_step(*sum, step));
                    }
                }
                Kept::Values { table, masks, .. } => {
                    let Some(masks) = masks.get(rows) else {
                        continue;
                    };
                    for (value, mask) in column.values.iter_mut().zip(masks) {
                        if let Some(kept) = table.get(mask) {
                            *value = kept.clone();
                        }
                    }
                }
            }
        }
        self.following.work_out(columns, &drawn);
    }
}

impl Kept {
    /// The parent's column it writes.
    fn column(&self) -> &String {
        match self {
            Kept::Sum { column, .. } | Kept::Values { column, .. } => column,
        }
    }
}

impl Kept {
    /// The state of a values-of-children rule whose table is `sets` (at most 15 values in
    /// its sets: one bit each).
    fn values(
        column: &str,
        source: &str,
        sets: &[(Vec<Value>, Value)],
        rows: usize,
    ) -> Option<Kept> {
        let mut values: Vec<Value> = Vec::new();
        for value in sets.iter().flat_map(|(set, _)| set) {
            if !values.contains(value) {
                values.push(value.clone());
            }
        }
        if values.len() >= 15 {
            return None;
        }
        let mask = |set: &[Value]| {
            set.iter()
                .filter_map(|v| values.iter().position(|w| w == v))
                .fold(0u16, |mask, i| mask | (1 << i))
        };
        let table = sets
            .iter()
            .map(|(set, value)| (mask(set), value.clone()))
            .collect();
        Some(Kept::Values {
            column: column.to_string(),
            source: source.to_string(),
            values,
            table,
            masks: vec![0; rows],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::rules::measure::Adherence;
    use crate::rules::{Origin, ParentFrame};
    use rand::RngExt;

    fn column(name: &str, format: ValueFormat, values: Vec<f64>) -> Column {
        Column {
            name: name.to_string(),
            kind: ColumnKind::Numerical,
            format,
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    fn cents() -> ValueFormat {
        ValueFormat::Decimal {
            min_places: 2,
            max_places: 2,
        }
    }

    /// Planted invoices and their lines: `total` is the sum of quantity × price × (1 −
    /// discount) over an invoice's lines (in cents), `lines` their number, `noise` neither.
    /// With `one_line`, every invoice has a single line.
    fn planted(one_line: bool) -> (Vec<Column>, Vec<Column>, Vec<Option<usize>>) {
        let mut rng = crate::sampling::rng_for(3, "planted totals");
        let (mut quantity, mut price, mut discount, mut row_of) = (vec![], vec![], vec![], vec![]);
        let (mut total, mut lines, mut noise) = (vec![], vec![], vec![]);
        for invoice in 0..300 {
            let n = if one_line { 1 } else { rng.random_range(1..=6) };
            let mut sum = 0.0;
            for _ in 0..n {
                let (q, p) = (
                    f64::from(rng.random_range(1..=20)),
                    f64::from(rng.random_range(100..9_999)) / 100.0,
                );
                let d = f64::from(rng.random_range(0..=10)) / 100.0;
                sum += q * p * (1.0 - d);
                quantity.push(q);
                price.push(p);
                discount.push(d);
                row_of.push(Some(invoice));
            }
            total.push((sum * 100.0).round() / 100.0);
            lines.push(n as f64);
            noise.push(f64::from(rng.random_range(0..1000)));
        }
        let parent = vec![
            column("total", cents(), total),
            column("lines", ValueFormat::Integer, lines),
            column("noise", ValueFormat::Integer, noise),
        ];
        let child = vec![
            column("quantity", ValueFormat::Integer, quantity),
            column("price", cents(), price),
            column("discount", cents(), discount),
        ];
        (parent, child, row_of)
    }

    fn frame<'a>(
        parent: &'a [Column],
        child: &'a [Column],
        row_of: &'a [Option<usize>],
    ) -> Frame<'a> {
        Frame {
            columns: child,
            rows: row_of.len(),
            parent: Some(ParentFrame {
                table: "invoices",
                columns: parent,
                row_of,
                grand: &[],
            }),
        }
    }

    fn total(column: &str) -> Col {
        Col::Parent {
            table: "invoices".into(),
            column: column.into(),
        }
    }

    #[test]
    fn a_total_and_a_count_of_rows_are_found_with_their_simplest_terms() {
        let (parent, child, row_of) = planted(false);
        let found = discover(&frame(&parent, &child, &row_of), 5);
        let amount = ChildTerm {
            amount: Some("quantity".into()),
            factor: Some("price".into()),
            less: Some("discount".into()),
            plus: None,
        };
        assert_eq!(
            found,
            vec![
                RuleKind::ChildTotal {
                    total: total("total"),
                    term: amount
                },
                RuleKind::ChildTotal {
                    total: total("lines"),
                    term: ChildTerm::default()
                },
            ]
        );
    }

    /// Planted orders whose `status` is `done` when all their lines are `shipped`, `open` when
    /// none is, else `part`; `channel` has nothing to do with the lines.
    fn planted_states() -> (Vec<Column>, Vec<Column>, Vec<Option<usize>>) {
        let mut rng = crate::sampling::rng_for(5, "planted states");
        let label = |text: &str| Value::Label(std::sync::Arc::from(text));
        let categorical = |name: &str, values: Vec<Value>| Column {
            name: name.to_string(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values,
        };
        let (mut states, mut row_of, mut status, mut channel) = (vec![], vec![], vec![], vec![]);
        for order in 0..400 {
            let n = rng.random_range(1..=4);
            let shipped: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
            for &line in &shipped {
                states.push(label(if line { "shipped" } else { "waiting" }));
                row_of.push(Some(order));
            }
            let all = shipped.iter().all(|&s| s);
            let none = shipped.iter().all(|&s| !s);
            status.push(label(if all {
                "done"
            } else if none {
                "open"
            } else {
                "part"
            }));
            channel.push(label(if rng.random_bool(0.5) { "web" } else { "shop" }));
        }
        let parent = vec![
            categorical("status", status),
            categorical("channel", channel),
        ];
        (parent, vec![categorical("state", states)], row_of)
    }

    #[test]
    fn a_parent_column_that_follows_from_its_rows_values_is_found_and_kept() {
        let (parent, child, row_of) = planted_states();
        let found = discover(&frame(&parent, &child, &row_of), 5);
        let [
            RuleKind::ChildValues {
                target,
                source,
                table,
            },
        ] = found.as_slice()
        else {
            panic!("found {found:?}");
        };
        assert_eq!((target, source.as_str()), (&total("status"), "state"));
        let shown: Vec<String> = table
            .iter()
            .map(|(set, value)| {
                let set: Vec<String> = set.iter().map(|v| format!("{v:?}")).collect();
                format!("{} -> {value:?}", set.join(" "))
            })
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        let rule = Rule {
            kind: found[0].clone(),
            support: 400,
            holding: 400,
            origin: Origin::Found,
            gaps: Vec::new(),
        };
        // Synthetic lines under three parents (the last without any): all shipped, mixed.
        let mut totals = Totals::new(std::slice::from_ref(&rule), "invoices", 3).expect("kept");
        let mut lines = child.clone();
        let shipped = Value::Label(std::sync::Arc::from("shipped"));
        lines[0].values = vec![
            shipped.clone(),
            shipped,
            Value::Label(std::sync::Arc::from("waiting")),
        ];
        totals.add(&lines, &[Some(0), Some(1), Some(1)]);
        let mut columns = vec![parent[0].clone()];
        columns[0].values.truncate(3);
        let drawn = columns[0].values[2].clone();
        totals.put(&mut columns, 0);
        let labels: Vec<String> = columns[0].values.iter().map(|v| format!("{v:?}")).collect();
        assert!(
            labels[0].contains("done") && labels[1].contains("part"),
            "{labels:?}"
        );
        assert_eq!(
            columns[0].values[2], drawn,
            "a parent without rows keeps its value"
        );
        let measured = crate::rules::measure::measure(&rule.kind, &frame(&parent, &child, &row_of));
        assert_eq!(
            measured,
            Some(Adherence {
                support: 400,
                holding: 400
            })
        );
        // Below the privacy threshold every set is left out: no rule.
        assert!(discover(&frame(&parent, &child, &row_of), 1000).is_empty());
    }

    #[test]
    fn a_total_of_one_row_each_is_a_copy_not_a_total() {
        let (parent, child, row_of) = planted(true);
        assert_eq!(discover(&frame(&parent, &child, &row_of), 5), Vec::new());
    }

    #[test]
    fn a_total_is_measured_parent_by_parent() {
        let (mut parent, child, row_of) = planted(false);
        parent[0].values[7] = Value::Number(1.0);
        parent[0].values[8] = Value::Null;
        let term = ChildTerm {
            amount: Some("quantity".into()),
            factor: Some("price".into()),
            less: Some("discount".into()),
            plus: None,
        };
        let rule = RuleKind::ChildTotal {
            total: total("total"),
            term,
        };
        let measured = crate::rules::measure::measure(&rule, &frame(&parent, &child, &row_of));
        assert_eq!(
            measured,
            Some(Adherence {
                support: 299,
                holding: 298
            })
        );
    }

    #[test]
    fn totals_add_up_part_by_part_and_are_put_on_the_totals_grid() {
        let rule = Rule {
            kind: RuleKind::ChildTotal {
                total: total("total"),
                term: ChildTerm {
                    amount: Some("price".into()),
                    plus: Some("tax".into()),
                    ..ChildTerm::default()
                },
            },
            support: 3,
            holding: 3,
            origin: Origin::Found,
            gaps: Vec::new(),
        };
        let mut totals = Totals::new(std::slice::from_ref(&rule), "invoices", 3).expect("a total");
        assert!(Totals::new(std::slice::from_ref(&rule), "customers", 3).is_none());
        let part = |prices: Vec<f64>, taxes: Vec<Value>| {
            let mut tax = column("tax", cents(), Vec::new());
            tax.values = taxes;
            vec![column("price", cents(), prices), tax]
        };
        totals.add(
            &part(
                vec![10.0, 2.5],
                vec![Value::Number(0.2), Value::Number(0.0)],
            ),
            &[Some(0), Some(2)],
        );
        totals.add(
            &part(
                vec![1.004, 7.0, 9.0],
                vec![Value::Number(0.0), Value::Null, Value::Number(0.1)],
            ),
            &[Some(0), Some(2), None],
        );
        let mut parent = vec![column("total", cents(), vec![99.0, 99.0, 99.0])];
        totals.put(&mut parent, 0);
        let mut part = vec![column("total", cents(), vec![99.0])];
        totals.put(&mut part, 2);
        assert_eq!(part[0].values[0].as_number(), Some(2.5));
        let mut freed = vec![column("total", cents(), Vec::new())];
        totals.put(&mut freed, 0);
        assert!(freed[0].values.is_empty());
        let values: Vec<f64> = parent[0]
            .values
            .iter()
            .filter_map(Value::as_number)
            .collect();
        // 10 × 1.2 + 1.004 on cents; none for the second; 2.5 (the empty tax adds nothing).
        assert_eq!(values, vec![13.0, 0.0, 2.5]);
    }

    /// A parent's sum and product that read a column the totals write, directly or through
    /// each other, are worked out again on their grids once the totals are in; one whose total
    /// the totals write, or reading nothing they write, is left alone.
    #[test]
    fn the_parents_own_sums_and_products_follow_the_totals_put() {
        let rule = |kind: RuleKind| Rule {
            kind,
            support: 3,
            holding: 3,
            origin: Origin::Found,
            gaps: Vec::new(),
        };
        let child_total = rule(RuleKind::ChildTotal {
            total: total("subtotal"),
            term: ChildTerm {
                amount: Some("price".into()),
                ..ChildTerm::default()
            },
        });
        let sum = |total: &str, a: &str, b: &str| {
            rule(RuleKind::Sum {
                total: total.into(),
                a: a.into(),
                b: b.into(),
                clock: false,
                c: None,
            })
        };
        let parent_rules = [
            // Listed before the sum it reads: worked out after it all the same.
            rule(RuleKind::Product {
                total: "doubled".into(),
                a: "grand".into(),
                b: "two".into(),
            }),
            sum("grand", "subtotal", "shipping"),
            sum("subtotal", "shipping", "two"),
            sum("other", "shipping", "two"),
        ];
        let mut totals = Totals::new(std::slice::from_ref(&child_total), "invoices", 2)
            .expect("a total")
            .following(&parent_rules);
        totals.add(
            &[column("price", cents(), vec![1.1, 2.2, 5.0])],
            &[Some(0), Some(0), Some(1)],
        );
        let whole = ValueFormat::Integer;
        let mut columns = vec![
            column("subtotal", cents(), vec![50.0, 60.0]),
            column("shipping", cents(), vec![4.99, 0.0]),
            column("grand", cents(), vec![54.99, 60.0]),
            column("two", whole.clone(), vec![2.0, 2.0]),
            column("doubled", whole, vec![110.0, 120.0]),
            column("other", cents(), vec![7.0, 7.0]),
        ];
        columns[1].values[1] = Value::Null;
        totals.put(&mut columns, 0);
        let numbers = |at: usize| -> Vec<Option<f64>> {
            columns[at].values.iter().map(Value::as_number).collect()
        };
        assert_eq!(numbers(0), [Some(3.3), Some(5.0)], "the totals");
        // 3.3 + 4.99; the second row's empty shipping leaves its drawn value.
        assert_eq!(numbers(2), [Some(8.29), Some(60.0)]);
        // 8.29 × 2 on whole numbers.
        assert_eq!(numbers(4), [Some(17.0), Some(120.0)]);
        assert_eq!(numbers(5), [Some(7.0), Some(7.0)], "reads no total");
    }
}
