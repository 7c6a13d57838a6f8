//! The parent's own columns that follow a column a total of children writes
//! ([`super::totals`]): the parent's row was drawn obeying its rules with the value it drew
//! there, so once the children's total replaces it, every rule that ties it to another column
//! of the row is kept again, or many rows break it.
//!
//! - A sum or product that reads it (`total = subtotal + shipping_fee + tax`) is worked out
//!   again from its terms ([`Step::Derived`]).
//! - A column an order, a difference or a ratio binds to it (`subtotal / tax in [13.72,
//!   34.68]`) is fitted again ([`Step::Refit`]): a ratio to a column that changed keeps the
//!   ratio the row was drawn with (the tax stays the same share of the new subtotal), then
//!   every bound of the column is kept with the least change (clamped, on its grid). A shop's
//!   orders, whose subtotal became the sum of their lines after their tax was drawn against
//!   the drawn subtotal, kept the ratio in 36% and 60% of rows (seeds 1 and 2).
//!
//! Each column is worked out after the columns it reads that change, so `total` follows the
//! refitted `tax`; a column is never refitted against one worked out from it (`total / tax`
//! with `total = subtotal + shipping_fee + tax`: the sum keeps it). Only a column no other rule
//! determines or reads (but as a term of a sum or product) is refitted.

use super::measure::unit;
use super::{Col, Rule, RuleKind};
use crate::data::{Column, Value};
use crate::stats::on_step;

/// The columns that change with the totals' columns, in the order they are worked out again.
#[derive(Debug, Default)]
pub struct Following {
    steps: Vec<Step>,
}

/// How one column follows.
#[derive(Debug)]
enum Step {
    /// Worked out again from its terms: their product, else their sum.
    Derived {
        target: String,
        terms: Vec<String>,
        product: bool,
    },
    /// Fitted again into the bounds its ties set.
    Refit { target: String, ties: Vec<Tie> },
}

/// A bound on a refitted column (`x`) set by other columns of its row: `x` plus the sum of
/// `through` against the sum of `others`. A bound on a sum `x` is a term of, worked out again
/// after it, is carried to `x` so (`total / tax` with `total = subtotal + shipping_fee + tax`:
/// `tax` at least `(subtotal + shipping_fee) / (51.98 - 1)`).
#[derive(Debug)]
struct Tie {
    /// The columns whose sum `x` is set against (none: 0).
    others: Vec<String>,
    /// The columns added to `x` before the bound is read.
    through: Vec<String>,
    bound: Bound,
    /// Whether the one other column changes before (its value as drawn is read, to keep a
    /// ratio).
    moved: bool,
}

/// What a rule asks of a column (`x`) beside another of its row (`o`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    /// `x - o` lies in `[min, max]`, a finite end kept a grid step off when `strict` (`x < o`).
    Gap { min: f64, max: f64, strict: bool },
    /// `x / o` lies in `[min, max]` where `o` is above zero.
    Over { min: f64, max: f64 },
    /// `o / x` lies in `[min, max]` where `x` is above zero (a ratio's bottom: free below).
    Under { min: f64, max: f64 },
}

/// The values as drawn of the columns a kept ratio reads, taken before the totals are put.
pub struct Drawn(Vec<(String, Vec<f64>)>);

impl Following {
    /// What follows in a parent whose rules are `rules` when the totals write `written`.
    pub fn of(written: &[String], rules: &[Rule]) -> Following {
        let derivations: Vec<Derivation> =
            rules.iter().filter_map(|r| derivation(&r.kind)).collect();
        let ties: Vec<(String, String, Bound)> =
            rules.iter().flat_map(|r| ties_of(&r.kind)).collect();
        let (found, changing) = changing(written, rules, (&derivations, &ties));
        let steps = found
            .into_iter()
            .map(|(target, derived)| match derived {
                Some((terms, product)) => Step::Derived {
                    target,
                    terms,
                    product,
                },
                None => {
                    let ties = ties_of_refit(&target, (&derivations, &ties), &changing);
                    Step::Refit { target, ties }
                }
            })
            .collect();
        Following {
            steps: in_order(steps, written),
        }
    }

    /// The values of `columns` a kept ratio will read as drawn: to be taken before the totals
    /// are put (a column that is not there is left out).
    pub fn drawn(&self, columns: &[Column]) -> Drawn {
        let mut read: Vec<(String, Vec<f64>)> = Vec::new();
        for step in &self.steps {
            let Step::Refit { ties, .. } = step else {
                continue;
            };
            let kept = ties.iter().filter(|tie| tie.keeps_ratio());
            for other in kept.filter_map(|tie| tie.others.first()) {
                let column = columns.iter().find(|c| &c.name == other);
                if let Some(column) = column
                    && !read.iter().any(|(name, _)| name == other)
                {
                    let numbers = column
                        .values
                        .iter()
                        .map(|v| v.as_number().unwrap_or(f64::NAN));
                    read.push((other.clone(), numbers.collect()));
                }
            }
        }
        Drawn(read)
    }

    /// Every column the steps change or read (to be read back before they are worked out).
    pub fn columns(&self) -> impl Iterator<Item = &String> {
        self.steps
            .iter()
            .flat_map(|step| std::iter::once(step.target()).chain(step.reads()))
    }

    /// Works every following column out again in `columns` (the parent's, or a part of them:
    /// one row for each of `drawn`'s values), each on its grid; a step whose columns are not
    /// all there (or freed) is left out.
    pub fn work_out(&self, columns: &mut [Column], drawn: &Drawn) {
        for step in &self.steps {
            match step {
                Step::Derived {
                    target,
                    terms,
                    product,
                } => derive(columns, (target, terms), *product),
                Step::Refit { target, ties } => refit(columns, target, ties, drawn),
            }
        }
    }
}

/// A sum or product of the parent's rows: its total, its terms, whether a product.
type Derivation = (String, Vec<String>, bool);

/// The column a sum or product (not of clock times) works out, from which terms.
fn derivation(kind: &RuleKind) -> Option<Derivation> {
    match kind {
        RuleKind::Sum {
            total,
            a,
            b,
            clock: false,
            c,
        } => {
            let terms = [Some(a), Some(b), c.as_ref()].into_iter().flatten();
            Some((total.clone(), terms.cloned().collect(), false))
        }
        RuleKind::Product { total, a, b } => {
            Some((total.clone(), vec![a.clone(), b.clone()], true))
        }
        _ => None,
    }
}

/// The bounds an order, a difference or a ratio between two of the table's own columns puts on
/// each of them, as (column, other, bound).
fn ties_of(kind: &RuleKind) -> Vec<(String, String, Bound)> {
    let own = |a: &Col, b: &Col| Some((a.own()?.to_string(), b.own()?.to_string()));
    let inf = f64::INFINITY;
    let (low, high, min, max, strict) = match kind {
        RuleKind::Order { low, high, strict } => {
            let Some((low, high)) = own(low, high) else {
                return Vec::new();
            };
            (low, high, 0.0, inf, *strict)
        }
        RuleKind::Difference {
            from,
            to,
            min,
            max,
            year: false,
            ..
        } => {
            let Some((from, to)) = own(from, to) else {
                return Vec::new();
            };
            (from, to, *min, *max, false)
        }
        RuleKind::Ratio {
            top,
            bottom,
            min,
            max,
        } => {
            let (min, max) = (*min, *max);
            return vec![
                (top.clone(), bottom.clone(), Bound::Over { min, max }),
                (bottom.clone(), top.clone(), Bound::Under { min, max }),
            ];
        }
        _ => return Vec::new(),
    };
    // `high - low` lies in `[min, max]`; so `low - high` in `[-max, -min]`.
    vec![
        (high.clone(), low.clone(), Bound::Gap { min, max, strict }),
        (
            low,
            high,
            Bound::Gap {
                min: -max,
                max: -min,
                strict,
            },
        ),
    ]
}

/// A changing column, with its terms and whether their product where it is worked out again
/// (`None`: refitted).
type Found = (String, Option<(Vec<String>, bool)>);

/// The columns that change with `written`, in the order found, each with its terms where a
/// sum or product works it out again (else it is refitted); and every changing column. A
/// column is refitted where a rule binds it to a changing column not worked out from it.
fn changing(
    written: &[String],
    rules: &[Rule],
    (derivations, ties): (&[Derivation], &[(String, String, Bound)]),
) -> (Vec<Found>, Vec<String>) {
    let mut changing: Vec<String> = written.to_vec();
    let mut found = Vec::new();
    loop {
        let derived = derivations.iter().find(|(target, terms, _)| {
            !changing.contains(target) && terms.iter().any(|t| changing.contains(t))
        });
        let next = match derived {
            Some((target, terms, product)) => (target.clone(), Some((terms.clone(), *product))),
            None => {
                let refitted = ties.iter().map(|(x, ..)| x).find(|&x| {
                    !changing.contains(x)
                        && refittable(x, rules)
                        && ties.iter().any(|(y, other, _)| {
                            y == x && changing.contains(other) && !descends(other, x, derivations)
                        })
                });
                let Some(target) = refitted else {
                    return (found, changing);
                };
                (target.clone(), None)
            }
        };
        changing.push(next.0.clone());
        found.push(next);
    }
}

/// The ties of a refitted column `x`: its own rules' bounds beside columns not worked out from
/// it, and the bounds of each changing sum it is a term of, carried to it.
fn ties_of_refit(
    x: &str,
    (derivations, ties): (&[Derivation], &[(String, String, Bound)]),
    changing: &[String],
) -> Vec<Tie> {
    let tie = |others: Vec<String>, through: Vec<String>, bound: Bound| {
        let moved = through.is_empty() && others.len() == 1 && changing.contains(&others[0]);
        Tie {
            others,
            through,
            bound,
            moved,
        }
    };
    let mut found: Vec<Tie> = ties
        .iter()
        .filter(|(y, other, _)| y == x && !descends(other, x, derivations))
        .map(|(_, other, bound)| tie(vec![other.clone()], Vec::new(), *bound))
        .collect();
    let sums = derivations.iter().filter(|(total, terms, product)| {
        !product && changing.contains(total) && terms.iter().any(|t| t == x)
    });
    for (total, terms, _) in sums {
        let mut rest = terms.clone();
        if let Some(at) = rest.iter().position(|t| t == x) {
            rest.remove(at);
        }
        for (_, other, bound) in ties.iter().filter(|(y, ..)| y == total) {
            let carried = carried(x, other, *bound, &rest, derivations);
            found.extend(carried.map(|(others, through, bound)| tie(others, through, bound)));
        }
    }
    found
}

/// A bound of `total = x + rest` beside `other`, carried to `x`: (others, through, bound);
/// `None` where it does not bound `x` (`total - x`, which is `rest`) or is not carried (a
/// share of the total).
fn carried(
    x: &str,
    other: &String,
    bound: Bound,
    rest: &[String],
    derivations: &[Derivation],
) -> Option<(Vec<String>, Vec<String>, Bound)> {
    let less = |one: &String| rest.iter().filter(|t| *t != one).cloned().collect();
    match bound {
        // `(x + rest) / x` in `[min, max]`: `rest / x` in `[min - 1, max - 1]`.
        Bound::Over { min, max } if other == x => {
            let bound = Bound::Under {
                min: min - 1.0,
                max: max - 1.0,
            };
            Some((rest.to_vec(), Vec::new(), bound))
        }
        _ if other == x => None,
        // `total - other`, `other` a term: `x` and the other terms in `[min, max]`.
        Bound::Gap { .. } if rest.contains(other) => Some((Vec::new(), less(other), bound)),
        // `total / other`, `other` a term: `(x + the others) / other` in `[min - 1, max - 1]`.
        Bound::Over { min, max } if rest.contains(other) => {
            let bound = Bound::Over {
                min: min - 1.0,
                max: max - 1.0,
            };
            Some((vec![other.clone()], less(other), bound))
        }
        Bound::Under { .. } => None,
        _ if rest.contains(other) || descends(other, x, derivations) => None,
        _ => Some((vec![other.clone()], rest.to_vec(), bound)),
    }
}

/// Whether `of` is worked out (by a sum or product, directly or through others) from `from`.
fn descends(of: &str, from: &str, derivations: &[Derivation]) -> bool {
    descends_within(of, from, derivations, derivations.len())
}

/// [`descends`] through at most `depth` derivations (a circle of them ends).
fn descends_within(of: &str, from: &str, derivations: &[Derivation], depth: usize) -> bool {
    depth > 0
        && derivations
            .iter()
            .filter(|(target, ..)| target == of)
            .flat_map(|(_, terms, _)| terms)
            .any(|term| term == from || descends_within(term, from, derivations, depth - 1))
}

/// Whether `column` may be fitted again: every rule that names it binds it (an order, a
/// difference, a ratio, with a column of its own row), reads it as a term of a sum or product
/// (worked out again after it), or empties it; none determines it otherwise, or reads it to
/// determine another column, or ties it to the parent's.
fn refittable(column: &str, rules: &[Rule]) -> bool {
    rules.iter().all(|rule| {
        let named = rule.kind.columns().iter().any(|c| c.own() == Some(column));
        !named
            || match &rule.kind {
                RuleKind::Empty { .. } => true,
                RuleKind::Order { low, high, .. } => low.own().is_some() && high.own().is_some(),
                RuleKind::Difference {
                    from,
                    to,
                    year: false,
                    ..
                } => from.own().is_some() && to.own().is_some(),
                RuleKind::Ratio { .. } => true,
                kind => derivation(kind).is_some_and(|(total, ..)| total != column),
            }
    })
}

/// `steps` with each after the steps of the columns it reads (`written` already are): in
/// their order where they allow it, a circle (none is expected) broken in that order.
fn in_order(mut steps: Vec<Step>, written: &[String]) -> Vec<Step> {
    let mut done: Vec<String> = written.to_vec();
    let mut ordered = Vec::with_capacity(steps.len());
    while !steps.is_empty() {
        let changing: Vec<&String> = steps.iter().map(Step::target).collect();
        let ready = steps.iter().position(|step| {
            step.reads()
                .iter()
                .all(|read| done.contains(read) || !changing.contains(read))
        });
        let step = steps.remove(ready.unwrap_or(0));
        done.push(step.target().clone());
        ordered.push(step);
    }
    ordered
}

impl Step {
    fn target(&self) -> &String {
        match self {
            Step::Derived { target, .. } | Step::Refit { target, .. } => target,
        }
    }

    /// The columns the step reads.
    fn reads(&self) -> Vec<&String> {
        match self {
            Step::Derived { terms, .. } => terms.iter().collect(),
            Step::Refit { ties, .. } => ties
                .iter()
                .flat_map(|tie| tie.others.iter().chain(&tie.through))
                .collect(),
        }
    }
}

/// The index of the column named `name` in `columns`, when it has `rows` values.
fn index_of(columns: &[Column], name: &str, rows: usize) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.name == name)
        .filter(|&at| columns[at].values.len() == rows)
}

/// Works `target` out again in every row whose terms all hold numbers, on its grid.
fn derive(columns: &mut [Column], (target, terms): (&str, &[String]), product: bool) {
    let Some(at) = columns.iter().position(|c| c.name == target) else {
        return;
    };
    let rows = columns[at].values.len();
    let Some(terms) = terms
        .iter()
        .map(|term| index_of(columns, term, rows))
        .collect::<Option<Vec<usize>>>()
    else {
        return;
    };
    let step = unit(&columns[at]);
    for row in 0..rows {
        let numbers = terms
            .iter()
            .map(|&term| columns[term].values[row].as_number());
        let Some(numbers) = numbers.collect::<Option<Vec<f64>>>() else {
            continue;
        };
        let x = match product {
            true => numbers.iter().product(),
            false => numbers.iter().sum(),
        };
        columns[at].values[row] = Value::Number(on_step(x, step));
    }
}

/// Fits `target` again into the bounds of `ties` in every row where it holds a number.
fn refit(columns: &mut [Column], target: &str, ties: &[Tie], drawn: &Drawn) {
    let Some(at) = columns.iter().position(|c| c.name == target) else {
        return;
    };
    let rows = columns[at].values.len();
    let indices = |names: &[String]| {
        let found = names.iter().map(|name| index_of(columns, name, rows));
        found.collect::<Option<Vec<usize>>>()
    };
    let Some(read) = ties
        .iter()
        .map(|tie| Some((indices(&tie.others)?, indices(&tie.through)?)))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let as_drawn: Vec<Option<&Vec<f64>>> = ties
        .iter()
        .map(|tie| {
            let other = tie.others.first().filter(|_| tie.keeps_ratio())?;
            let found = drawn.0.iter().find(|(name, _)| name == other);
            found.map(|(_, values)| values).filter(|v| v.len() == rows)
        })
        .collect();
    let step = unit(&columns[at]);
    for row in 0..rows {
        let Some(x) = columns[at].values[row].as_number() else {
            continue;
        };
        let sum = |at: &[usize]| -> Option<f64> {
            at.iter().map(|&c| columns[c].values[row].as_number()).sum()
        };
        let sides: Vec<Side> = ties
            .iter()
            .zip(&read)
            .zip(&as_drawn)
            .filter_map(|((tie, (others, through)), drawn)| {
                let before = drawn.and_then(|values| values.get(row).copied());
                let before = before.filter(|b| !b.is_nan());
                Some((tie, sum(others)?, sum(through)?, before))
            })
            .collect();
        columns[at].values[row] = Value::Number(fitted(x, &sides, step));
    }
}

/// A tie with the sum of its other columns now, the sum it adds to `x`, and its one other
/// column's value as drawn (where a kept ratio reads it).
type Side<'t> = (&'t Tie, f64, f64, Option<f64>);

/// `x` fitted to the bounds of `sides` on a grid of `step`: first kept at its ratio to a moved
/// column (scaled as that column was), then clamped into every bound (the ratios left out
/// where they cannot all hold, as when rows are drawn); kept as it is where nothing can hold.
fn fitted(x: f64, sides: &[Side<'_>], step: f64) -> f64 {
    let kept = sides.iter().find_map(|&(tie, now, _, before)| {
        let before = before.filter(|&b| tie.keeps_ratio() && b > 0.0)?;
        (now > 0.0).then(|| x * now / before)
    });
    let x = kept.unwrap_or(x);
    let range = |ratios: bool| {
        let bounds = sides
            .iter()
            .filter(|(tie, ..)| ratios || !tie.bound.is_ratio());
        bounds
            .filter_map(|&(tie, other, added, _)| {
                let (low, high) = tie.bound.range(x + added, other, step)?;
                Some((low - added, high - added))
            })
            .fold((f64::NEG_INFINITY, f64::INFINITY), |(lo, hi), (l, h)| {
                (lo.max(l), hi.min(h))
            })
    };
    let (low, high) = match range(true) {
        (low, high) if low <= high => (low, high),
        _ => range(false),
    };
    if low > high {
        return on_step(x, step);
    }
    inward(x.clamp(low, high), (low, high), step)
}

impl Tie {
    /// Whether the tie is a ratio to one column that changes before: its share as drawn is
    /// kept.
    fn keeps_ratio(&self) -> bool {
        self.moved && self.bound.is_ratio()
    }
}

/// `x` (inside `[low, high]`) on the grid of `step`, a step inward where rounding took it out
/// (when a point of the grid is inside).
fn inward(x: f64, (low, high): (f64, f64), step: f64) -> f64 {
    if step <= 0.0 {
        return x;
    }
    let snapped = on_step(x, step);
    let moved = match snapped {
        s if s < low => on_step(s + step, step),
        s if s > high => on_step(s - step, step),
        s => s,
    };
    if (low..=high).contains(&moved) {
        moved
    } else {
        snapped
    }
}

impl Bound {
    fn is_ratio(self) -> bool {
        !matches!(self, Bound::Gap { .. })
    }

    /// The values of `x` the bound allows beside `other` (`x` as it stands: a ratio's bottom
    /// of 0 or less is free); `None` where it says nothing.
    fn range(self, x: f64, other: f64, step: f64) -> Option<(f64, f64)> {
        match self {
            Bound::Gap { min, max, strict } => {
                // A strict order's end is 0: the nearest value of the grid past it.
                let off = if strict { step } else { 0.0 };
                let low = if min == 0.0 { off } else { min };
                let high = if max == 0.0 { -off } else { max };
                Some((other + low, other + high))
            }
            Bound::Over { min, max } => (other > 0.0).then_some((other * min, other * max)),
            Bound::Under { min, max } => {
                let turned = |r: f64| if r > 0.0 { other / r } else { f64::INFINITY };
                (other > 0.0 && x > 0.0).then(|| (turned(max), turned(min)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::data::ValueFormat;
    use crate::schema::ColumnKind;

    fn rule(kind: RuleKind) -> Rule {
        Rule::planted(kind)
    }

    fn cents(name: &str, values: &[f64]) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Decimal {
                min_places: 2,
                max_places: 2,
            },
            values: values.iter().map(|&x| Value::Number(x)).collect(),
        }
    }

    fn own(name: &str) -> Col {
        Col::Own(name.into())
    }

    /// A shop's orders: `total = subtotal + shipping_fee + tax`, `subtotal / tax in [13.72,
    /// 34.68]` (tax at 2.9% to 7.3%, or none), `tax < subtotal`, `total / tax` and
    /// `total / subtotal` ratios, `total - subtotal in [0, 90]`; `discount <= subtotal`, where
    /// a lookup reads the discount (`band = lookup(discount)`).
    fn shop_rules() -> Vec<Rule> {
        let ratio = |top: &str, bottom: &str, min, max| {
            rule(RuleKind::Ratio {
                top: top.into(),
                bottom: bottom.into(),
                min,
                max,
            })
        };
        vec![
            rule(RuleKind::Order {
                low: own("tax"),
                high: own("subtotal"),
                strict: true,
            }),
            rule(RuleKind::Difference {
                from: own("subtotal"),
                to: own("total"),
                min: 0.0,
                max: 90.0,
                days: false,
                year: false,
            }),
            rule(RuleKind::Sum {
                total: "total".into(),
                a: "subtotal".into(),
                b: "shipping_fee".into(),
                clock: false,
                c: Some("tax".into()),
            }),
            ratio("subtotal", "tax", 13.72, 34.68),
            ratio("total", "subtotal", 1.0, 2.5),
            ratio("total", "tax", 14.77, 51.98),
            rule(RuleKind::Order {
                low: own("discount"),
                high: own("subtotal"),
                strict: false,
            }),
            rule(RuleKind::Lookup {
                target: "band".into(),
                source: "discount".into(),
                table: Vec::new(),
            }),
        ]
    }

    /// 400 planted orders drawn obeying [`shop_rules`] (a fifth untaxed), then their subtotals
    /// replaced by other sums of lines (as the totals of children do): returns the columns as
    /// drawn and the new subtotals.
    fn planted() -> (Vec<Column>, Vec<f64>) {
        let mut rng = crate::sampling::rng_for(7, "planted orders");
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let (mut subtotal, mut fee, mut tax, mut total, mut discount, mut new) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..400 {
            let drawn = round(rng.random_range(20.0..400.0));
            let rate = match rng.random_range(0..5) {
                0 => 0.0,
                _ => rng.random_range(0.03..0.072),
            };
            let shipping = if drawn < 50.0 { 5.99 } else { 0.0 };
            subtotal.push(drawn);
            fee.push(shipping);
            tax.push(round(drawn * rate));
            total.push(round(drawn + shipping + round(drawn * rate)));
            discount.push(round(rng.random_range(0.0..20.0)));
            new.push(round(rng.random_range(20.0..400.0)));
        }
        let columns = vec![
            cents("subtotal", &subtotal),
            cents("shipping_fee", &fee),
            cents("tax", &tax),
            cents("total", &total),
            cents("discount", &discount),
        ];
        (columns, new)
    }

    fn numbers(column: &Column) -> Vec<f64> {
        column.values.iter().filter_map(Value::as_number).collect()
    }

    /// The orders whose subtotal / tax lies outside its bounds (of those taxed).
    fn ratios_broken(subtotal: &[f64], tax: &[f64]) -> usize {
        let broken = subtotal.iter().zip(tax).filter(|&(s, t)| {
            *t > 0.0 && !super::super::measure::ratio_within(*s, *t, (13.72, 34.68))
        });
        broken.count()
    }

    /// The subtotals replaced, the tax keeps its share of the new subtotal (its ratio as
    /// drawn), within the ratio's bounds in every taxed order; an untaxed order stays untaxed;
    /// the total is worked out after the tax; the discount, which a lookup reads, is left as
    /// drawn even above its new subtotal.
    #[test]
    fn a_column_bound_to_a_total_of_children_keeps_its_ratio_and_the_sum_follows() {
        let (mut columns, new) = planted();
        let rules = shop_rules();
        let following = Following::of(&["subtotal".to_string()], &rules);
        let targets: Vec<&String> = following.steps.iter().map(Step::target).collect();
        assert_eq!(targets, ["tax", "total"], "{following:?}");
        let drawn_tax = numbers(&columns[2]);
        let drawn_subtotal = numbers(&columns[0]);
        let discount = columns[4].values.clone();
        let drawn = following.drawn(&columns);
        columns[0].values = new.iter().map(|&x| Value::Number(x)).collect();
        let before = ratios_broken(&new, &drawn_tax);
        assert!(before > 100, "left alone, {before} of 400 break the ratio");
        following.work_out(&mut columns, &drawn);
        let (subtotal, fee, tax, total) = (
            numbers(&columns[0]),
            numbers(&columns[1]),
            numbers(&columns[2]),
            numbers(&columns[3]),
        );
        assert_eq!(ratios_broken(&subtotal, &tax), 0);
        for row in 0..400 {
            let share = drawn_tax[row] / drawn_subtotal[row];
            assert!(
                (tax[row] - subtotal[row] * share).abs() <= 0.01 + 1e-9,
                "row {row}: {} of {} (drawn share {share})",
                tax[row],
                subtotal[row]
            );
            assert_eq!(tax[row] == 0.0, drawn_tax[row] == 0.0, "row {row}");
            assert!(tax[row] < subtotal[row]);
            let sum = ((subtotal[row] + fee[row] + tax[row]) * 100.0).round() / 100.0;
            assert_eq!(total[row], sum, "row {row}");
        }
        assert_eq!(columns[4].values, discount, "a lookup reads the discount");
    }

    /// The bounds of the total, worked out after the tax, are carried to the tax: a subtotal
    /// of 100 become 20 beside a fee of 15 leaves a tax of 3% (0.60) with `total / tax` at 59,
    /// above 51.98, so the tax is the least that keeps it (35 / 50.98, 0.69); a subtotal of
    /// 1,000 become 1,374.80 leaves a tax of 7% (96.24) above the 90 `total - subtotal` allows.
    #[test]
    fn the_bounds_of_a_sum_worked_out_after_a_refitted_term_are_carried_to_it() {
        let mut columns = vec![
            cents("subtotal", &[100.0, 1000.0]),
            cents("shipping_fee", &[15.0, 0.0]),
            cents("tax", &[3.0, 70.0]),
            cents("total", &[118.0, 1070.0]),
        ];
        let following = Following::of(&["subtotal".to_string()], &shop_rules());
        let drawn = following.drawn(&columns);
        columns[0].values = vec![Value::Number(20.0), Value::Number(1374.8)];
        following.work_out(&mut columns, &drawn);
        assert_eq!(numbers(&columns[2]), [0.69, 90.0]);
        assert_eq!(numbers(&columns[3]), [35.69, 1464.8]);
    }

    /// A tax drawn outside its ratio (or against a subtotal of 0) is clamped into its bounds,
    /// on cents, inward where rounding would take it out; where the ratio and the order cannot
    /// both hold, the order does.
    #[test]
    fn a_column_without_a_ratio_to_keep_is_clamped_into_its_bounds() {
        let tie = |other: &str, bound| Tie {
            others: vec![other.into()],
            through: Vec::new(),
            bound,
            moved: true,
        };
        let ratio = tie(
            "subtotal",
            Bound::Under {
                min: 13.72,
                max: 34.68,
            },
        );
        let order = tie(
            "subtotal",
            Bound::Gap {
                min: f64::NEG_INFINITY,
                max: 0.0,
                strict: true,
            },
        );
        let sides = |now: f64, before| vec![(&ratio, now, 0.0, before), (&order, now, 0.0, before)];
        // Drawn 5.00 beside a subtotal of 0: no share to keep; 1 / 13.72 of 100 at most.
        assert_eq!(fitted(50.0, &sides(100.0, Some(0.0)), 0.01), 7.28);
        assert_eq!(fitted(0.5, &sides(100.0, None), 0.01), 2.89);
        // Kept share: 6% of 50 → of 80.
        assert_eq!(fitted(3.0, &sides(80.0, Some(50.0)), 0.01), 4.8);
        // A subtotal of 0.10: the ratio wants 0.0029 to 0.0073, no cent inside: the nearest.
        assert_eq!(fitted(3.0, &sides(0.1, None), 0.01), 0.01);
        assert_eq!(
            fitted(0.0, &sides(80.0, Some(50.0)), 0.01),
            0.0,
            "untaxed stays"
        );
        // Under a cap of 1.00 (`tax <= cap`) the ratio cannot hold: the order does.
        let cap = tie(
            "cap",
            Bound::Gap {
                min: f64::NEG_INFINITY,
                max: 0.0,
                strict: false,
            },
        );
        let capped = [(&ratio, 100.0, 0.0, None), (&cap, 1.0, 0.0, None)];
        assert_eq!(fitted(3.0, &capped, 0.01), 1.0);
    }
}
