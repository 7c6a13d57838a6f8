//! Totals over a parent's children ([`RuleKind::ChildTotal`]): a parent's column that is the
//! sum, over the parent's rows in a child table, of what each row adds (an order's total from
//! its lines; a customer's count of orders).
//!
//! Why apart from the row rules: a parent row is drawn before its children, so no rule of a
//! row can keep it. Training finds the rule in the real rows of a sequential child, grouped by
//! the parent its sequences hang off ([`discover`]); generation adds the children up as they
//! are made and writes the parent's value from the sums ([`Totals`]), before the parent is
//! written; `evaluate` measures it parent by parent ([`measure`]).

use super::measure::{
    FUNCTION_TOLERANCE, MIN_SUPPORT, Term, agrees, group_sum, groups, significant, unit,
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

/// The totals over children that the real rows of `frame` obey: for each numeric column of
/// the parent (the first [`MAX_TOTALS`]), the simplest term whose sums it equals in every
/// parent with children but [`FUNCTION_TOLERANCE`], by no coincidence (the parent's value
/// against another parent's sum). Terms are tried from the simplest: a count, an amount, an
/// amount times a factor, then with a rate taken off and one added.
pub fn discover(frame: &Frame<'_>) -> Vec<RuleKind> {
    let Some(parent) = frame.parent else {
        return Vec::new();
    };
    let groups = groups(parent.row_of);
    let several = groups.iter().filter(|(_, rows)| rows.len() >= 2).count();
    if groups.len() < MIN_SUPPORT || (several as f64) < MIN_SEVERAL * groups.len() as f64 {
        return Vec::new();
    }
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
            .find(|term| holds(total, term, frame.columns, &groups));
        if let Some(term) = accepted {
            found.push(RuleKind::ChildTotal {
                total: col,
                term: term.clone(),
            });
        }
    }
    found
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
    let (mut tried, mut chance) = (0usize, 0usize);
    for shift in [1, 7, 31, 97] {
        for (k, &case) in cases.iter().enumerate() {
            let other = cases[(k + shift) % cases.len()];
            tried += 1;
            chance += usize::from(agree(case, other.1));
        }
    }
    let h = chance as f64 / tried.max(1) as f64;
    significant(cases.len(), broken, h)
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

/// The totals of one child table's rules about one parent, added up as the child's rows are
/// made (whole or part by part, in row order) and then written into the parent's columns.
pub struct Totals {
    /// Per rule: the parent's column, the term, and the sum so far of every parent row.
    sums: Vec<(String, ChildTerm, Vec<f64>)>,
}

impl Totals {
    /// The totals `rules` (a child table's) keep in the parent table `parent` of
    /// `parent_rows` rows; `None` when they keep none.
    pub fn new(rules: &[Rule], parent: &str, parent_rows: usize) -> Option<Totals> {
        let sums: Vec<(String, ChildTerm, Vec<f64>)> = rules
            .iter()
            .filter_map(|rule| match &rule.kind {
                RuleKind::ChildTotal {
                    total: Col::Parent { table, column },
                    term,
                } if table == parent => {
                    Some((column.clone(), term.clone(), vec![0.0; parent_rows]))
                }
                _ => None,
            })
            .collect();
        (!sums.is_empty()).then_some(Totals { sums })
    }

    /// The child's columns the terms read.
    pub fn columns_read(&self) -> impl Iterator<Item = &String> {
        self.sums.iter().flat_map(|(_, term, _)| term.columns())
    }

    /// Adds the rows of `columns` (a child's part, or the whole child), whose parent rows are
    /// `parents`. A row with an empty value in its term, or without a parent, adds nothing.
    pub fn add(&mut self, columns: &[Column], parents: &[Option<usize>]) {
        for (_, term, sums) in &mut self.sums {
            let Some(term) = Term::of(term, columns) else {
                continue;
            };
            for (row, parent) in parents.iter().enumerate() {
                let (Some(parent), Some(x)) = (*parent, term.at(row)) else {
                    continue;
                };
                if let Some(sum) = sums.get_mut(parent) {
                    *sum += x;
                }
            }
        }
    }

    /// Writes each total into the parent's column of that name (on its grid); a parent row
    /// without children gets zero.
    pub fn put(self, parent: &mut [Column]) {
        for (name, _, sums) in self.sums {
            let Some(column) = parent.iter_mut().find(|c| c.name == name) else {
                continue;
            };
            if column.values.len() != sums.len() {
                continue;
            }
            let step = unit(column);
            for (value, sum) in column.values.iter_mut().zip(sums) {
                *value = Value::Number(on_step(sum, step));
            }
        }
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
        let found = discover(&frame(&parent, &child, &row_of));
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

    #[test]
    fn a_total_of_one_row_each_is_a_copy_not_a_total() {
        let (parent, child, row_of) = planted(true);
        assert_eq!(discover(&frame(&parent, &child, &row_of)), Vec::new());
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
        totals.put(&mut parent);
        let values: Vec<f64> = parent[0]
            .values
            .iter()
            .filter_map(Value::as_number)
            .collect();
        // 10 × 1.2 + 1.004 on cents; none for the second; 2.5 (the empty tax adds nothing).
        assert_eq!(values, vec![13.0, 0.0, 2.5]);
    }
}
