//! Rules across an assigned key: a column of the row a foreign key points at takes part in a
//! rule of the child's row (TPC-H's `l_extendedprice = l_quantity × part.p_retailprice`; a
//! shop's order total within 5% of quantity × the product's price; a shop's unit price that
//! is its product's price, a school's enrolment credits that are its course's).
//!
//! Why apart from [`super::enforce`]: a row is drawn before its assigned keys are, so while it
//! is drawn there is no price to multiply by or copy. Once a table's keys are assigned, its
//! copies are taken from their key's row first, and the columns of the row that follow them
//! worked out again ([`Following`]: `line_total = quantity × unit_price`, kept as the row was
//! drawn, follows the copied price); then its totals are worked out again from the row's
//! factor, its key's price and a ratio drawn among the real ones. The ratio of a row comes
//! from a hash of the row's number, so a table made whole or in parts gets the same totals.

use indexmap::IndexMap;

use super::following::Following;
use super::measure::unit;
use super::{Col, Rule, RuleKind};
use crate::data::{Column, Value};
use crate::sampling::row_uniform;
use crate::stats::on_step;

/// The rows a table's keys point at, by foreign key column: the parent row of every row (of
/// the part at hand) and the parent's columns.
pub type KeyRows<'a> = IndexMap<&'a str, (&'a [Option<usize>], &'a [Column])>;

/// Whether any of `rules` is kept across a key (and a table's stream must give it a base).
pub fn any(rules: &[Rule]) -> bool {
    rules.iter().any(|rule| {
        matches!(
            rule.kind,
            RuleKind::KeyedProduct { .. }
                | RuleKind::KeyedCopy { .. }
                | RuleKind::KeyedPrefix { .. }
                | RuleKind::CodeDigit { .. }
        )
    })
}

/// The parent tables and columns the rules across a key read (generation holds them until the
/// table is made).
pub fn parent_columns(rules: &[Rule]) -> impl Iterator<Item = (&str, &str)> {
    rules.iter().filter_map(|rule| match &rule.kind {
        RuleKind::KeyedProduct {
            price: Col::Parent { table, column },
            ..
        }
        | RuleKind::KeyedCopy {
            parent: Col::Parent { table, column },
            ..
        }
        | RuleKind::KeyedPrefix {
            prefix: Col::Parent { table, column },
            ..
        } => Some((table.as_str(), column.as_str())),
        _ => None,
    })
}

/// The table's own columns the rules across a key read and write: each product and its own
/// factor, each copy, and the columns that follow a copy and those they read.
pub fn columns_read(rules: &[Rule]) -> Vec<String> {
    let copied = copied_columns(rules);
    let following = Following::of(&copied, rules);
    let products = rules.iter().flat_map(|rule| match &rule.kind {
        RuleKind::KeyedProduct { total, a, .. } => vec![total, a],
        _ => Vec::new(),
    });
    let mut read: Vec<String> = copied.iter().chain(products).cloned().collect();
    read.extend(following.columns().cloned());
    let codes = rules.iter().filter(|rule| {
        matches!(
            rule.kind,
            RuleKind::KeyedPrefix { .. } | RuleKind::CodeDigit { .. }
        )
    });
    read.extend(
        codes
            .flat_map(|rule| rule.kind.columns())
            .filter_map(|col| match col {
                Col::Own(name) => Some(name),
                Col::Parent { .. } | Col::Grand { .. } => None,
            }),
    );
    read
}

/// The own columns the copies across a key write.
fn copied_columns(rules: &[Rule]) -> Vec<String> {
    let copied = rules.iter().filter_map(|rule| match &rule.kind {
        RuleKind::KeyedCopy { column, .. } => Some(column.clone()),
        _ => None,
    });
    copied.collect()
}

/// Keeps every rule across a key in rows `first_row..` of a table (`columns`, whose keys'
/// rows are `keys`): its copies first, with the columns that follow them, then its codes'
/// prefixes and digits ([`super::codes`]), then its products,
/// their ratios drawn from `base`. A rule whose columns are not at hand, or without real
/// ratios, is left alone; so is a row with an empty factor, price or total, or an empty copy
/// or key's value.
pub fn keep(
    rules: &[Rule],
    columns: &mut [Column],
    keys: &KeyRows<'_>,
    first_row: usize,
    base: u64,
) {
    keep_copies(rules, columns, keys);
    super::codes::keep(rules, columns, keys, first_row);
    for (index, rule) in rules.iter().enumerate() {
        let Some(product) = Product::of(rule, columns, keys) else {
            continue;
        };
        let stream = base ^ (index as u64).wrapping_mul(0xd6e8_feb8_6659_fd93);
        product.keep(columns, first_row, stream);
    }
}

/// Takes every copy across a key from its key's row, then works out again the columns that
/// follow the copies (their values as drawn read first, for the ratios kept).
fn keep_copies(rules: &[Rule], columns: &mut [Column], keys: &KeyRows<'_>) {
    let copies: Vec<Copied<'_>> = rules
        .iter()
        .filter_map(|rule| Copied::of(rule, columns, keys))
        .collect();
    if copies.is_empty() {
        return;
    }
    let written: Vec<String> = copies
        .iter()
        .map(|copy| columns[copy.column].name.clone())
        .collect();
    let following = Following::of(&written, rules);
    let drawn = following.drawn(columns);
    for copy in &copies {
        copy.keep(columns);
    }
    following.work_out(columns, &drawn);
}

/// A copy across a key, resolved against a table's columns.
struct Copied<'a> {
    column: usize,
    parent: &'a Column,
    parent_rows: &'a [Option<usize>],
}

impl<'a> Copied<'a> {
    fn of(rule: &'a Rule, columns: &[Column], keys: &KeyRows<'a>) -> Option<Copied<'a>> {
        let RuleKind::KeyedCopy {
            column,
            key,
            parent: Col::Parent { column: parent, .. },
        } = &rule.kind
        else {
            return None;
        };
        let (parent_rows, parent_columns) = keys.get(key.as_str())?;
        Some(Copied {
            column: columns.iter().position(|c| &c.name == column)?,
            parent: parent_columns.iter().find(|c| &c.name == parent)?,
            parent_rows,
        })
    }

    /// Every row's value taken from its key's row, as written there and on the column's own
    /// grid (a drawn price of 1486.2735 is written 1486.27 in both tables); a row without a
    /// value, a key or a value in the key's row keeps its own.
    fn keep(&self, columns: &mut [Column]) {
        let target = &mut columns[self.column];
        let (own_step, parent_step) = (unit(target), unit(self.parent));
        for (row, value) in target.values.iter_mut().enumerate() {
            let parent = self.parent_rows.get(row).copied().flatten();
            let copied = parent.and_then(|p| self.parent.values.get(p));
            let (false, Some(copied)) = (value.is_null(), copied.filter(|v| !v.is_null())) else {
                continue;
            };
            *value = match copied.as_number() {
                Some(x) => Value::Number(on_step(on_step(x, parent_step), own_step)),
                None => copied.clone(),
            };
        }
    }
}

/// A product across a key, resolved against a table's columns.
struct Product<'a> {
    total: usize,
    a: usize,
    price: &'a Column,
    parent_rows: &'a [Option<usize>],
    ratios: &'a [f64],
    step: f64,
}

impl<'a> Product<'a> {
    fn of(rule: &'a Rule, columns: &[Column], keys: &KeyRows<'a>) -> Option<Product<'a>> {
        let RuleKind::KeyedProduct {
            total,
            a,
            key,
            price: Col::Parent { column: price, .. },
            ..
        } = &rule.kind
        else {
            return None;
        };
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        let (parent_rows, parent) = keys.get(key.as_str())?;
        let ratios = rule.gaps.as_slice();
        let usable = !ratios.is_empty() && ratios.iter().all(|r| r.is_finite());
        let total = position(total)?;
        usable.then_some(Product {
            total,
            a: position(a)?,
            price: parent.iter().find(|c| &c.name == price)?,
            parent_rows,
            ratios,
            step: unit(&columns[total]),
        })
    }

    /// Every row's total, on every core (a row's ratio depends on its number only).
    fn keep(&self, columns: &mut [Column], first_row: usize, stream: u64) {
        use rayon::prelude::*;
        let mut totals = std::mem::take(&mut columns[self.total].values);
        let (factors, a_step) = (&columns[self.a], unit(&columns[self.a]));
        let price_step = unit(self.price);
        totals.par_iter_mut().enumerate().for_each(|(row, total)| {
            if total.is_null() {
                return;
            }
            let Some(product) = self.product_at(factors, row, (a_step, price_step)) else {
                return;
            };
            let ratio = self.ratio(row_uniform(stream, (first_row + row) as u64));
            *total = Value::Number(on_step(product * ratio, self.step));
        });
        columns[self.total].values = totals;
    }

    /// `a × price` of a row, when both have values, each as written (on its grid, `steps`: a
    /// drawn price of 1486.2735 is written 1486.27, and the total must agree with what is read).
    fn product_at(&self, factors: &Column, row: usize, steps: (f64, f64)) -> Option<f64> {
        let a = factors.values.get(row)?.as_number()?;
        let parent = (*self.parent_rows.get(row)?)?;
        let price = self.price.values.get(parent)?.as_number()?;
        let product = on_step(a, steps.0) * on_step(price, steps.1);
        product.is_finite().then_some(product)
    }

    /// The ratio at `u` (in `[0, 1)`) along the real ratios' quantiles, between them linearly.
    fn ratio(&self, u: f64) -> f64 {
        let last = self.ratios.len() - 1;
        let at = u * last as f64;
        let below = (at.floor() as usize).min(last);
        let above = (below + 1).min(last);
        let share = at - below as f64;
        self.ratios[below] + (self.ratios[above] - self.ratios[below]) * share
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::rules::Origin;
    use crate::schema::ColumnKind;

    fn numbers(name: &str, places: usize, values: &[Option<f64>]) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Decimal {
                min_places: places,
                max_places: places,
            },
            values: values
                .iter()
                .map(|x| x.map_or(Value::Null, Value::Number))
                .collect(),
        }
    }

    fn rule(ratios: Vec<f64>) -> Rule {
        Rule {
            kind: RuleKind::KeyedProduct {
                total: "total".into(),
                a: "quantity".into(),
                key: "product_id".into(),
                price: Col::Parent {
                    table: "products".into(),
                    column: "price".into(),
                },
                low: 0.9,
                high: 1.1,
            },
            support: 10,
            holding: 10,
            origin: Origin::Found,
            gaps: ratios,
        }
    }

    /// Six rows: a quantity and a drawn total each, the price of the row's product as drawn
    /// (off its cents grid), one row without a quantity and one without a product.
    fn table() -> (Vec<Column>, Vec<Option<usize>>, Vec<Column>) {
        let quantity = [Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), Some(3.0)];
        let columns = vec![
            numbers("quantity", 0, &quantity),
            numbers("total", 2, &[Some(7.0); 6]),
        ];
        let products = vec![Some(0), Some(1), Some(0), None, Some(1), Some(1)];
        let prices = vec![numbers("price", 2, &[Some(10.004), Some(2.5)])];
        (columns, products, prices)
    }

    fn kept(rule: &Rule, rows: std::ops::Range<usize>, base: u64) -> Vec<Value> {
        let (mut columns, products, prices) = table();
        for column in &mut columns {
            column.values = column.values[rows.clone()].to_vec();
        }
        let keys: KeyRows<'_> = [("product_id", (&products[rows.clone()], prices.as_slice()))]
            .into_iter()
            .collect();
        keep(
            std::slice::from_ref(rule),
            &mut columns,
            &keys,
            rows.start,
            base,
        );
        columns[1].values.clone()
    }

    #[test]
    fn a_total_follows_the_price_of_its_keys_row_within_the_real_ratios() {
        let exact = rule(vec![1.0]);
        let totals = kept(&exact, 0..6, 7);
        let expected = [
            Some(10.0),
            Some(5.0),
            Some(7.0),
            Some(7.0),
            Some(12.5),
            Some(7.5),
        ];
        for (total, expected) in totals.iter().zip(expected) {
            let x = total.as_number().unwrap();
            assert!((x - expected.unwrap()).abs() < 1e-9, "{totals:?}");
        }
        let spread = rule(vec![0.9, 1.0, 1.1]);
        let totals = kept(&spread, 0..6, 7);
        for (row, price) in [(0, 10.0), (1, 5.0), (4, 12.5), (5, 7.5)] {
            let ratio = totals[row].as_number().unwrap() / price;
            assert!((0.899..=1.101).contains(&ratio), "row {row}: {ratio}");
        }
        let ratios: Vec<f64> = (0..64)
            .map(|base| kept(&spread, 0..6, base)[0].as_number().unwrap() / 10.0)
            .collect();
        let low = ratios.iter().filter(|r| **r < 1.0).count();
        assert!(
            (16..=48).contains(&low),
            "{low} of 64 ratios below 1: {ratios:?}"
        );
    }

    fn rule_of(kind: RuleKind) -> Rule {
        Rule {
            kind,
            support: 10,
            holding: 10,
            origin: Origin::Found,
            gaps: Vec::new(),
        }
    }

    /// `unit_price = products.price` and `line_total = quantity * unit_price`, kept on the
    /// planted table's rows `rows` (products as drawn, off their grid): the unit prices and
    /// line totals.
    fn copied(rows: std::ops::Range<usize>) -> (Vec<Value>, Vec<Value>) {
        let (own, products, prices) = table();
        let drawn = [Some(1.0), Some(2.0), Some(3.0), Some(4.0), None, Some(6.0)];
        let mut columns = vec![
            own[0].clone(),
            numbers("unit_price", 2, &drawn),
            numbers("line_total", 2, &[Some(0.5); 6]),
        ];
        for column in &mut columns {
            column.values = column.values[rows.clone()].to_vec();
        }
        let keys: KeyRows<'_> = [("product_id", (&products[rows.clone()], prices.as_slice()))]
            .into_iter()
            .collect();
        let rules = [
            rule_of(RuleKind::Product {
                total: "line_total".into(),
                a: "quantity".into(),
                b: "unit_price".into(),
            }),
            rule_of(RuleKind::KeyedCopy {
                column: "unit_price".into(),
                key: "product_id".into(),
                parent: Col::Parent {
                    table: "products".into(),
                    column: "price".into(),
                },
            }),
        ];
        keep(&rules, &mut columns, &keys, rows.start, 5);
        (columns[1].values.clone(), columns[2].values.clone())
    }

    #[test]
    fn a_copy_takes_its_keys_value_and_the_columns_that_read_it_follow() {
        let (prices, totals) = copied(0..6);
        // Rows 0, 1, 4, 5 point at products 0, 1, 1, 1 (10.004 drawn, written 10.00; 2.5); row
        // 2 has no quantity, row 3 no product (its drawn price kept), row 4 no drawn price.
        let expected_prices = [
            Some(10.0),
            Some(2.5),
            Some(10.0),
            Some(4.0),
            None,
            Some(2.5),
        ];
        let expected_totals = [
            Some(10.0),
            Some(5.0),
            Some(0.5),
            Some(16.0),
            Some(0.5),
            Some(7.5),
        ];
        let as_numbers = |values: &[Value]| -> Vec<Option<f64>> {
            values.iter().map(Value::as_number).collect()
        };
        assert_eq!(as_numbers(&prices), expected_prices);
        assert_eq!(as_numbers(&totals), expected_totals);
        let (part_prices, part_totals) = copied(3..6);
        assert_eq!(
            (&prices[3..], &totals[3..]),
            (&part_prices[..], &part_totals[..])
        );
    }

    #[test]
    fn a_table_made_in_parts_gets_the_totals_it_gets_whole() {
        let spread = rule(vec![0.9, 0.95, 1.0, 1.1]);
        let whole = kept(&spread, 0..6, 3);
        let parts = [kept(&spread, 0..4, 3), kept(&spread, 4..6, 3)].concat();
        assert_eq!(whole, parts);
        assert_ne!(whole, kept(&spread, 0..6, 4), "another base, other ratios");
    }
}
