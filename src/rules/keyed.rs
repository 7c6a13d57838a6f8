//! Rules across an assigned key: a column of the row a foreign key points at takes part in a
//! rule of the child's row (TPC-H's `l_extendedprice = l_quantity × part.p_retailprice`; a
//! shop's order total within 5% of quantity × the product's price).
//!
//! Why apart from [`super::enforce`]: a row is drawn before its assigned keys are, so while it
//! is drawn there is no price to multiply by. Once a table's keys are assigned, its totals are
//! worked out again from the row's factor, its key's price and a ratio drawn among the real
//! ones. The ratio of a row comes from a hash of the row's number, so a table made whole or in
//! parts gets the same totals.

use indexmap::IndexMap;

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
    rules
        .iter()
        .any(|rule| matches!(rule.kind, RuleKind::KeyedProduct { .. }))
}

/// The parent tables and columns the rules across a key read (generation holds them until the
/// table is made).
pub fn parent_columns(rules: &[Rule]) -> impl Iterator<Item = (&str, &str)> {
    rules.iter().filter_map(|rule| match &rule.kind {
        RuleKind::KeyedProduct {
            price: Col::Parent { table, column },
            ..
        } => Some((table.as_str(), column.as_str())),
        _ => None,
    })
}

/// The table's own columns the rules across a key read and write (each product and its own
/// factor).
pub fn columns_read(rules: &[Rule]) -> impl Iterator<Item = &String> {
    rules.iter().flat_map(|rule| match &rule.kind {
        RuleKind::KeyedProduct { total, a, .. } => vec![total, a],
        _ => Vec::new(),
    })
}

/// Keeps every product across a key in rows `first_row..` of a table (`columns`, whose keys'
/// rows are `keys`), the ratios drawn from `base`. A rule whose columns are not at hand, or
/// without real ratios, is left alone; so is a row with an empty factor, price or total.
pub fn keep(
    rules: &[Rule],
    columns: &mut [Column],
    keys: &KeyRows<'_>,
    first_row: usize,
    base: u64,
) {
    for (index, rule) in rules.iter().enumerate() {
        let Some(product) = Product::of(rule, columns, keys) else {
            continue;
        };
        let stream = base ^ (index as u64).wrapping_mul(0xd6e8_feb8_6659_fd93);
        product.keep(columns, first_row, stream);
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

    #[test]
    fn a_table_made_in_parts_gets_the_totals_it_gets_whole() {
        let spread = rule(vec![0.9, 0.95, 1.0, 1.1]);
        let whole = kept(&spread, 0..6, 3);
        let parts = [kept(&spread, 0..4, 3), kept(&spread, 4..6, 3)].concat();
        assert_eq!(whole, parts);
        assert_ne!(whole, kept(&spread, 0..6, 4), "another base, other ratios");
    }
}
