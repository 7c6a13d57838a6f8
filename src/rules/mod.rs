//! Row rules: what every real row obeys (an order between two dates, a bounded gap, a column
//! that follows from another, a sum), found at training, kept at generation, shown and
//! overridden in the schema, and measured by `evaluate`.
//!
//! Why a module of its own: column-by-column trees keep distributions and trends but not exact
//! rules, and a synthetic row that breaks a CHECK constraint is rejected on load. The rules are
//! found on a [`Frame`] (a table and, for a sequential table, its parent row of every row), so
//! the same code finds them in the real data, measures them in synthetic data, and fits the
//! rules a user declares.
//!
//! - [`anchors`]: a column equal to the parent's in the rows of one label;
//! - [`discover`]: the search, bounded to cheap candidate pairs and triples, with a support test;
//! - [`fractions`]: a child's number that is a few fractions of its parent's;
//! - [`enforce`]: the compiled form a learned model applies while it draws a row;
//! - [`local_time`]: a datetime in universal time beside its local parts, and their offsets;
//! - [`measure`]: the share of rows of a frame obeying a rule;
//! - [`periods`]: the days each value of a status is seen on;
//! - [`spans`]: a difference's bounds that a category's label narrows;
//! - [`text`]: the rule language of `validate`, `inspect` and the schema's `rules:` section.

pub mod anchors;
pub mod belongs;
pub mod chains;
pub mod codes;
pub mod discover;
pub mod enforce;
pub mod following;
pub mod fractions;
pub mod keyed;
pub mod linear;
pub mod local_time;
pub mod measure;
pub mod periods;
pub mod shifts;
pub mod spans;
pub mod text;
pub mod totals;

use std::collections::BTreeMap;
use std::fmt;

/// The most fractions a [`RuleKind::Fractions`] rule holds: more are amounts, not shares.
pub const MAX_FRACTIONS: usize = 5;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::error::Problem;
use crate::schema::{ColumnKind, RulesSection, TableDef};

/// A column a rule talks about: one of the table's own, or one of the parent's (the parent
/// that drives the table's sequences; `table` is its name), or one of the row that parent's
/// foreign key points at (its own parent through that key: a parcel's warehouse's city).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Col {
    /// A column of the table itself.
    Own(String),
    /// A column of the row's parent.
    Parent {
        /// The parent table.
        table: String,
        /// Its column.
        column: String,
    },
    /// A column of the row the parent's foreign key `key` points at, the key final before
    /// the table is drawn (its sequence key or an assigned one). Since format 73.
    Grand {
        /// The parent table (the one driving the sequences).
        parent: String,
        /// The parent's foreign key column.
        key: String,
        /// The column of the row it points at.
        column: String,
    },
}

impl Col {
    /// The own column's name, when it is one.
    pub fn own(&self) -> Option<&str> {
        match self {
            Col::Own(name) => Some(name),
            Col::Parent { .. } | Col::Grand { .. } => None,
        }
    }
}

impl fmt::Display for Col {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Col::Own(name) => f.write_str(name),
            Col::Parent { table, column } => write!(f, "{table}.{column}"),
            Col::Grand {
                parent,
                key,
                column,
            } => write!(f, "{parent}.{key}.{column}"),
        }
    }
}

/// Integer arithmetic that derives one column from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntOp {
    /// `target = source // divisor` (floor division).
    Div,
    /// `target = source % divisor`.
    Rem,
}

/// A calendar function of a datetime (days count from 1970-01-01; weeks start on Monday
/// unless named `_sunday`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// The year.
    Year,
    /// The quarter, 1..4.
    Quarter,
    /// The month, 1..12.
    Month,
    /// The day of the month.
    Day,
    /// The weekday, Monday 1 .. Sunday 7.
    Weekday,
    /// The day of the year, 1..366.
    DayOfYear,
    /// The hour, 0..23.
    Hour,
    /// The minute, 0..59.
    Minute,
    /// year × 12 + month − 1.
    MonthSeq,
    /// year × 4 + quarter − 1.
    QuarterSeq,
    /// Weeks (starting on Monday) since 1970.
    WeekSeq,
    /// Weeks starting on Sunday since 1970.
    WeekSeqSunday,
    /// year × 10 + quarter (what a quarter name such as `2000Q1` follows from).
    YearQuarter,
    /// The day number of the first day of the month.
    FirstOfMonth,
    /// The day number of the last day of the month.
    LastOfMonth,
    /// Days since 1970-01-01 (what a status that turns on a given day follows from, in
    /// [`Mapping::Steps`]).
    DaySeq,
}

impl Part {
    /// Every part, in the order discovery tries them (simplest first).
    pub const ALL: [Part; 16] = [
        Part::Year,
        Part::Quarter,
        Part::Month,
        Part::Day,
        Part::Weekday,
        Part::DayOfYear,
        Part::Hour,
        Part::Minute,
        Part::MonthSeq,
        Part::QuarterSeq,
        Part::WeekSeq,
        Part::WeekSeqSunday,
        Part::YearQuarter,
        Part::FirstOfMonth,
        Part::LastOfMonth,
        Part::DaySeq,
    ];

    /// The name used in rule text.
    pub fn name(self) -> &'static str {
        match self {
            Part::Year => "year",
            Part::Quarter => "quarter",
            Part::Month => "month",
            Part::Day => "day",
            Part::Weekday => "weekday",
            Part::DayOfYear => "dayofyear",
            Part::Hour => "hour",
            Part::Minute => "minute",
            Part::MonthSeq => "month_seq",
            Part::QuarterSeq => "quarter_seq",
            Part::WeekSeq => "week_seq",
            Part::WeekSeqSunday => "week_seq_sunday",
            Part::YearQuarter => "yearquarter",
            Part::FirstOfMonth => "first_of_month",
            Part::LastOfMonth => "last_of_month",
            Part::DaySeq => "day_seq",
        }
    }

    /// The part named `name` in rule text.
    pub fn named(name: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|part| part.name() == name)
    }

    /// The part of a datetime given as seconds since the epoch (`None` out of chrono's range).
    /// Only what the part needs is worked out: generation derives a column from one part of a
    /// date for every row (TPC-H's `l_linestatus` from `month_seq(l_shipdate)`), and working
    /// out all fifteen took a fortieth of `generate`'s instructions.
    pub fn of(self, seconds: f64) -> Option<i64> {
        self.of_moment(&Moment::of(seconds)?)
    }

    /// Where the part sits in [`Part::ALL`].
    pub fn index(self) -> usize {
        Part::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// Every part of a datetime at once, in [`Part::ALL`] order (one calendar conversion).
    pub fn all_of(seconds: f64) -> Option<[i64; 16]> {
        let moment = Moment::of(seconds)?;
        let mut parts = [0; 16];
        for (slot, part) in parts.iter_mut().zip(Part::ALL) {
            *slot = part.of_moment(&moment)?;
        }
        Some(parts)
    }

    /// The part of a moment already read (what [`Part::of`] and [`Part::all_of`] share).
    fn of_moment(self, moment: &Moment) -> Option<i64> {
        use chrono::{Datelike, Timelike};
        let date = moment.at.date();
        let year = i64::from(date.year());
        let month = i64::from(date.month());
        let quarter = (month - 1) / 3 + 1;
        let days = moment.days;
        let first_days = days - (i64::from(date.day()) - 1);
        // 1970-01-01 was a Thursday: +3 makes weeks turn on Mondays, +4 on Sundays.
        Some(match self {
            Part::Year => year,
            Part::Quarter => quarter,
            Part::Month => month,
            Part::Day => i64::from(date.day()),
            Part::Weekday => i64::from(date.weekday().number_from_monday()),
            Part::DayOfYear => i64::from(date.ordinal()),
            Part::Hour => i64::from(moment.at.hour()),
            Part::Minute => i64::from(moment.at.minute()),
            Part::MonthSeq => year * 12 + month - 1,
            Part::QuarterSeq => year * 4 + quarter - 1,
            Part::WeekSeq => (days + 3).div_euclid(7),
            Part::WeekSeqSunday => (days + 4).div_euclid(7),
            Part::YearQuarter => year * 10 + quarter,
            Part::FirstOfMonth => first_days,
            Part::LastOfMonth => first_days + month_length(date)? - 1,
            Part::DaySeq => days,
        })
    }
}

/// A datetime read for its parts: the moment, and its day since the epoch.
struct Moment {
    at: chrono::NaiveDateTime,
    days: i64,
}

impl Moment {
    /// `None` out of chrono's range.
    fn of(seconds: f64) -> Option<Moment> {
        let at = chrono::DateTime::from_timestamp(seconds.floor() as i64, 0)?.naive_utc();
        let days = day_number(seconds)?;
        Some(Moment { at, days })
    }
}

/// The day of a moment (seconds since 1970-01-01), counted from that day: [`Part::DaySeq`]
/// without reading the calendar (`None` for a moment that is no number).
pub(crate) fn day_number(seconds: f64) -> Option<i64> {
    let days = (seconds / 86_400.0).floor();
    days.is_finite().then_some(days as i64)
}

/// The years a whole-number column's values must all lie in for a difference to read them as
/// [`year_start`]s (`enrolled_year` 2018 to 2024 beside a datetime `term_start`).
pub(crate) const YEARS: std::ops::RangeInclusive<f64> = 1900.0..=2100.0;

/// The first instant (seconds since 1970-01-01) of `year`, a whole number of [`YEARS`]; `None`
/// for any other number, which says nothing of a difference read from a year.
pub(crate) fn year_start(year: f64) -> Option<f64> {
    if !YEARS.contains(&year) || year.fract() != 0.0 {
        return None;
    }
    let first = chrono::NaiveDate::from_ymd_opt(year as i32, 1, 1)?;
    Some(first.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64)
}

/// The number of days in `date`'s month (`None` when the next month is out of chrono's range).
pub(crate) fn month_length(date: chrono::NaiveDate) -> Option<i64> {
    use chrono::Datelike;
    let next_month = if date.month() == 12 {
        chrono::NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)?
    } else {
        chrono::NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)?
    };
    Some((next_month - date.with_day(1)?).num_days())
}

/// How a calendar part becomes the target's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Mapping {
    /// `target = part + offset` (numbers).
    Offset(i64),
    /// A lookup table from the part to the target's value (names, flags, codes). Only parts
    /// seen at least the privacy threshold times are kept.
    Table(BTreeMap<i64, Value>),
    /// Values that hold from a part on (a line's status `F` until the day it turns `O`),
    /// sorted by the part: the value of the last step at or before the part, the first
    /// step's before it. Each value is held by at least the privacy threshold of rows. Since
    /// format 25.
    Steps(Vec<(i64, Value)>),
}

/// What a rule says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleKind {
    /// `low <= high` (`low < high` when `strict`) for datetimes or numbers.
    Order {
        /// The smaller side.
        low: Col,
        /// The larger side.
        high: Col,
        /// Whether equality never happens.
        strict: bool,
    },
    /// `to - from` lies in `[min, max]` (seconds for datetimes).
    Difference {
        /// The column subtracted.
        from: Col,
        /// The column subtracted from.
        to: Col,
        /// The smallest difference.
        min: f64,
        /// The largest difference.
        max: f64,
        /// Whether the columns are datetimes (bounds shown and written in days).
        days: bool,
        /// Whether `from` is a whole-number year read as the first instant of that year
        /// ([`year_start`]; `to` a datetime): a student's first term starts in the August of
        /// the year they enrolled or later. Since format 77.
        #[serde(default)]
        year: bool,
    },
    /// `target = source // divisor` or `source % divisor` (integers).
    Arithmetic {
        /// The determined column.
        target: String,
        /// The column it follows from.
        source: String,
        /// Division or remainder.
        op: IntOp,
        /// The divisor (10, 100, 1000).
        divisor: i64,
    },
    /// `target` is a calendar function of the datetime `source`.
    Calendar {
        /// The determined column.
        target: String,
        /// The datetime.
        source: String,
        /// Which calendar function.
        part: Part,
        /// How the function's value becomes the target's.
        mapping: Mapping,
    },
    /// `target` is determined by `source` through a lookup table (each key seen at least the
    /// privacy threshold times; rarer keys are not kept).
    Lookup {
        /// The determined column.
        target: String,
        /// The column it follows from.
        source: String,
        /// Key and value pairs, sorted by key.
        table: Vec<(Value, Value)>,
    },
    /// `total = a + b` (`+ c`); with `clock`, `total` and `a` are HHMM clock times and `b`
    /// minutes, added in clock arithmetic (modulo a day).
    Sum {
        /// The sum.
        total: String,
        /// The first term (the clock time when `clock`).
        a: String,
        /// The second term (minutes when `clock`).
        b: String,
        /// Whether the sum is clock arithmetic on HHMM times.
        clock: bool,
        /// A third term (never with `clock`), since format 37: a return's amount is the cash
        /// refunded, the charge reversed and the credit given.
        #[serde(default)]
        c: Option<String>,
    },
    /// `total = a × b` (an amount from a quantity and a unit price), on the total's grid.
    Product {
        /// The product.
        total: String,
        /// The first factor.
        a: String,
        /// The second factor.
        b: String,
    },
    /// `top / bottom` lies in `[min, max]` wherever `bottom` is above zero: an amount held to a
    /// share or a multiple of another (TPC-DS's list price is 1 to 2 times the wholesale cost,
    /// the tax at most 9% of the net paid). Found between two columns of amounts (fractional
    /// values) only, both never negative where the bottom is positive. Kept as the row is
    /// drawn, on whichever of the two the rules leave to the model and draw last. Since
    /// format 33.
    Ratio {
        /// The numerator.
        top: String,
        /// The denominator.
        bottom: String,
        /// The smallest real ratio (0 or more).
        min: f64,
        /// The largest.
        max: f64,
    },
    /// `total / (a × price)` lies in `[low, high]`, where `price` is a column of the row the
    /// foreign key `key` points at: an amount from a quantity and the unit price of the row
    /// the key picks (TPC-H's `l_extendedprice = l_quantity × part.p_retailprice`; a shop's
    /// order total within 5% of quantity × the product's price). The key is assigned after the
    /// rows are drawn, so the rule is kept then ([`keyed`]), with a ratio drawn among the real
    /// ones (the rule's `gaps`).
    KeyedProduct {
        /// The product.
        total: String,
        /// The own factor (a quantity).
        a: String,
        /// The foreign key whose row holds the price.
        key: String,
        /// The price: a column of the key's parent (`Col::Parent`).
        price: Col,
        /// The smallest real ratio of `total` to `a × price`.
        low: f64,
        /// The largest.
        high: f64,
    },
    /// The integer column holds clock times written HHMM (last two digits < 60, hours 0..24).
    ClockTime {
        /// The column.
        column: String,
        /// Whether midnight is written 2400 rather than 0.
        midnight_2400: bool,
        /// The times seen at least the privacy threshold times: a drawn time goes to the
        /// nearest, so minutes keep their real spikes (:00, :30) instead of spreading evenly.
        common: Vec<f64>,
    },
    /// The integer `year`, `month` and `day` columns name a day of the calendar in every row:
    /// no 30 February, no 31 April (TPC-DS's `c_birth_year`, `c_birth_month`, `c_birth_day`).
    DateParts {
        /// The year column.
        year: String,
        /// The month column, 1..12.
        month: String,
        /// The day of the month column, 1..31.
        day: String,
    },
    /// `target` (in universal time) is the local moment its parts name (`parts`: the year,
    /// month, day and hour columns), plus the zone's offset in force then ([`local_time`]).
    LocalTime {
        /// The datetime.
        target: String,
        /// The year, month, day and hour columns, in that order.
        parts: Vec<String>,
        /// (local moment in seconds since the epoch, offset in seconds) from which each offset
        /// holds, sorted; the first from the start ([`local_time::FROM_THE_START`]).
        offsets: Vec<(i64, i64)>,
    },
    /// Each value of `target` is seen between two days of the datetime `source` only: a
    /// status that names a period (TPC-H's `l_returnflag` is `N` from the day
    /// `l_receiptdate` passes 1995-06-17, `R` or `A` until then). A value without a period
    /// may be on any day. Kept as the row is drawn: the target waits for its source, and a
    /// value outside its period is drawn again. Since format 26.
    Periods {
        /// The categorical column.
        target: String,
        /// The datetime.
        source: String,
        /// (value, first day, last day, real rows): days count from 1970-01-01, both ends
        /// included, each the day of a real row with at least the privacy threshold of the
        /// value's rows outside it on that side; sorted by value.
        periods: Vec<(Value, i64, i64, usize)>,
    },
    /// Each value of `target` belongs to some values of `source`, and is seen beside no
    /// other: a product class belongs to its category (TPC-DS's `i_class` `fishing` is a
    /// `Sports` item's, `kids` a `Shoes` or a `Home` one's). Not a function, so no lookup:
    /// kept as the row is drawn, the target waiting for its source, a value beside a source
    /// it does not belong to drawn again, then replaced. Since format 29.
    Belongs {
        /// The category that belongs (the class).
        target: String,
        /// The category it belongs to (the category).
        source: String,
        /// (source value, target value, real rows), each pair seen in at least the privacy
        /// threshold of rows; sorted by source value, then target value.
        pairs: Vec<(Value, Value, usize)>,
    },
    /// The `then` columns are empty in every row where `when` is empty: a cancelled flight
    /// has no departure delay, no arrival time and no air time. Read the other way, a row
    /// with a value in one of `then` has one in `when`.
    Empty {
        /// The column whose emptiness carries over.
        when: String,
        /// The columns empty wherever it is.
        then: Vec<String>,
    },
    /// `amount` is the time from `from` to `to` counted in `unit`s: an appointment's
    /// `duration_min` is its end less its start in minutes, a parcel's `days_in_transit` its
    /// delivery date less its shipping date in days. Drawn apart, three appointments in four
    /// lasted other than their times said. Kept by working `to` out from `from` and the
    /// amount (which keeps the real spread of its values: 15, 30 or 45 minutes), or the
    /// amount where `to` is settled otherwise. Since format 49.
    Elapsed {
        /// The count of units.
        amount: String,
        /// The earlier datetime.
        from: String,
        /// The later datetime.
        to: String,
        /// What the amount counts.
        unit: TimeUnit,
    },
    /// `to`'s day is `from`'s day plus a whole number of days or months that the label of the
    /// category `by` sets: a parcel promised 5 days after it ships by `Ground`, 2 by `Express`,
    /// 1 by `Overnight`; a subscription ending a month or a year after it starts by its plan;
    /// an invoice due 30 or 60 days after it is issued by its terms. A plain difference keeps
    /// the span of all labels only: drawn inside it, 279 of 694 synthetic overnight parcels
    /// were promised in 5 days. `to` is a date (whole days). Kept as the row is drawn: `to`
    /// waits for `from` and `by`, and a day no real row of its label shows is replaced by one
    /// of the label's ([`shifts`]). Since format 60.
    Shifted {
        /// The later date (whole days).
        to: String,
        /// The datetime (or date) it counts from.
        from: String,
        /// The category whose label sets the shift.
        by: String,
        /// Days or months.
        unit: ShiftUnit,
        /// (label, units, real rows), each pair seen in at least the privacy threshold of
        /// rows; sorted by label, then units.
        shifts: Vec<Shift>,
    },
    /// `to - from` lies in `[min, max]`, and in the narrower range the label of the category
    /// `by` sets in a row of a label listed in `spans`: a parcel delivered at most 1.25 days
    /// after it ships by `Overnight`, 2.83 by `Express`, 6.25 by `Ground`. A plain difference
    /// keeps the span of all labels only: drawn inside it, 745 of 8,000 synthetic parcels took
    /// longer than their service's longest real transit. Kept as the row is drawn: the column
    /// of the two drawn last waits for `by`, and a value outside its label's range is drawn
    /// again inside it as any bounded one is ([`spans`]); rows of another label keep the
    /// plain difference found beside it. The rule's gaps hold each listed label's quantiles
    /// in turn, as many for each. Since format 70.
    DifferenceBy {
        /// The column subtracted.
        from: String,
        /// The column subtracted from.
        to: String,
        /// The category whose label sets the range.
        by: String,
        /// The smallest difference of any row.
        min: f64,
        /// The largest.
        max: f64,
        /// Whether the columns are datetimes (bounds shown and written in days).
        days: bool,
        /// (label, smallest, largest, real rows), each label seen in at least the privacy
        /// threshold of rows; sorted by label.
        spans: Vec<Span>,
    },
    /// `target = base + rate × source`, the base and the rate set by the label of the
    /// category `by`: a parcel's cost from its weight by its service's price table (`Ground`
    /// 5.99 + 0.85 a kilo, `Express` 12.99 + 1.75); a fee by a plan's fixed charge and rate.
    /// Drawn apart, 5,667 of 8,000 synthetic parcels cost other than their service's price for
    /// their weight. Kept as the row is drawn: `target` waits for `source` and `by` and is
    /// worked out, then put on its grid ([`linear`]). Since format 66.
    Linear {
        /// The number worked out (on its grid).
        target: String,
        /// The number it is a line of.
        source: String,
        /// The category whose label sets the line.
        by: String,
        /// (label, base, rate, real rows), each label seen in at least the privacy threshold
        /// of rows; sorted by label.
        lines: Vec<Line>,
        /// The decimal places the real targets round the line to as its decimal text does
        /// (Python's `round`, `printf`: 8.965, held as 8.96499…, is 8.96), where that agrees
        /// with more real rows than the grid's rounding (8.97) does; `None`: the grid's.
        decimal: Option<u32>,
    },
    /// The column equals the parent's column.
    CopyParent {
        /// The child's column.
        column: String,
        /// The parent's column.
        parent: Col,
    },
    /// The column equals the parent's column in the rows where the category `by` holds
    /// `label`, and not in most others: a parcel's `Picked Up` event is at its shipment's
    /// `shipped_at`, its `Delivered` event at its `delivered_at` ([`anchors`]). Drawn as the
    /// other events, 7,993 of 8,000 synthetic pick-ups came out at another time than their
    /// shipment's. Kept as the row is drawn: the column waits for `by`, a row of the label
    /// takes the parent's value, and a column drawn in its sequence's order keeps its rows
    /// before that value below it. Since format 67.
    CopyParentWhen {
        /// The child's column.
        column: String,
        /// The parent's column.
        parent: Col,
        /// The category whose label says where the copy holds.
        by: String,
        /// That label.
        label: Value,
    },
    /// The parent's column `total` is the sum of `term` over the parent's rows in this table:
    /// an order's total from its lines (TPC-H's `o_totalprice = sum(l_extendedprice * (1 -
    /// l_discount) * (1 + l_tax))`), a customer's count of orders. The parent is drawn before
    /// its children, so generation works its value out once they are drawn ([`totals`]).
    ChildTotal {
        /// The parent's column (`Col::Parent`).
        total: Col,
        /// What each child row adds.
        term: ChildTerm,
    },
    /// The parent's column `target` follows from which values of `source` its rows here take
    /// (TPC-H: an order's status is `F` when all its lines' status is `F`, `O` when all are
    /// `O`, else `P`). Kept in the parent once its children are drawn, as a total is.
    ChildValues {
        /// The parent's column (`Col::Parent`).
        target: Col,
        /// The child's column.
        source: String,
        /// The values the parent takes for each set of the children's values (sorted, each
        /// value and set seen in at least the privacy threshold of parents), sorted by set.
        table: Vec<(Vec<Value>, Value)>,
    },
    /// The column equals a column of the row the foreign key `key` points at, a key assigned
    /// after the rows are drawn (a school's enrolment credits are its course's; a shop's unit
    /// price is its product's price). Kept once the key is assigned ([`keyed`]), where
    /// [`RuleKind::CopyParent`] copies the sequence's parent, known as the row is drawn. Since
    /// format 59.
    KeyedCopy {
        /// The child's column.
        column: String,
        /// The foreign key whose row holds the value.
        key: String,
        /// The column of the key's parent (`Col::Parent`).
        parent: Col,
    },
    /// The column is the parent's column times one of a few fractions, on the column's grid
    /// (`column == round(parent × f, decimals)`): a hotel's payment is its booking's total
    /// paid in full (1), a deposit (0.2) or the balance after it (0.8). Drawn apart, 7,781
    /// of 7,821 synthetic payments were none of them. The learned model draws which fraction
    /// as a hidden label of the sequence's row (so a deposit comes before its balance, a
    /// cancelled booking pays a deposit only), and the rules put the value on it. Since
    /// format 68.
    Fractions {
        /// The child's column.
        column: String,
        /// The sequence parent's column (`Col::Parent`).
        parent: Col,
        /// The fractions, ascending, each above zero and held by at least the privacy
        /// threshold of real rows (when found).
        fractions: Vec<f64>,
    },
    /// The code `column` starts with a column of the row the foreign key `key` points at,
    /// then a fixed separator: a course's `CS 120` with its department's `CS`, a product's
    /// `EL-4431` with its category's `EL`. The key is assigned after the rows are drawn, so
    /// the prefix is put in then ([`codes`]): the drawn code's part before its first separator
    /// is replaced by the key's row's value, the rest kept. Drawn apart, 370 of 400 synthetic
    /// courses named another department than theirs. Since format 69.
    KeyedPrefix {
        /// The code (an id or a category).
        column: String,
        /// The foreign key whose row holds the prefix.
        key: String,
        /// The column of the key's parent (`Col::Parent`).
        prefix: Col,
        /// What follows the prefix (one character, not a letter or digit).
        separator: String,
        /// Whether the real codes are all distinct (kept so once the prefix is put in).
        distinct: bool,
    },
    /// The `place`-th digit of the code `column` (counting its digits only, from 1) is the
    /// whole number `source` of the row (0 to 9): a course `CS 320` is of `level` 3. Drawn
    /// apart, 351 of 400 synthetic courses' numbers started with another digit than their
    /// level. Set once the row is drawn ([`codes`]). Since format 69.
    CodeDigit {
        /// The code.
        column: String,
        /// Which digit, from 1.
        place: usize,
        /// The whole-number column it equals.
        source: String,
        /// Whether the real codes are all distinct (kept so once the digit is set).
        distinct: bool,
    },
}

/// What one child row adds to its parent's total ([`RuleKind::ChildTotal`]): one (a count)
/// without an `amount`; else the amount, times `factor`, times `1 - less` (a discount rate),
/// times `1 + plus` (a tax rate), each when named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildTerm {
    /// The amount (a line's price); none for a count.
    pub amount: Option<String>,
    /// A second factor (a quantity).
    pub factor: Option<String>,
    /// A rate taken off (a discount).
    pub less: Option<String>,
    /// A rate added (a tax).
    pub plus: Option<String>,
}

impl ChildTerm {
    /// The columns the term reads, in the order written.
    pub fn columns(&self) -> impl Iterator<Item = &String> {
        [&self.amount, &self.factor, &self.less, &self.plus]
            .into_iter()
            .flatten()
    }
}

/// What an elapsed time ([`RuleKind::Elapsed`]) is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Weeks.
    Weeks,
}

impl TimeUnit {
    /// Every unit, shortest first.
    pub const ALL: [TimeUnit; 5] = [
        TimeUnit::Seconds,
        TimeUnit::Minutes,
        TimeUnit::Hours,
        TimeUnit::Days,
        TimeUnit::Weeks,
    ];

    /// The seconds in one unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3_600.0,
            TimeUnit::Days => 86_400.0,
            TimeUnit::Weeks => 604_800.0,
        }
    }

    /// The name used in rule text: `minutes(end - start)`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
        }
    }
}

/// A shift of [`RuleKind::Shifted`]: (label, whole units, real rows).
pub type Shift = (Value, i64, usize);

/// A label's range of [`RuleKind::DifferenceBy`]: (label, smallest, largest, real rows).
pub type Span = (Value, f64, f64, usize);

/// A line of [`RuleKind::Linear`]: (label, base, rate, real rows).
pub type Line = (Value, f64, f64, usize);

/// What a shifted date ([`RuleKind::Shifted`]) counts: days, or calendar months (a month after
/// 31 January is the last day of February).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShiftUnit {
    /// Days between the two days.
    Days,
    /// Calendar months, the day of the month kept (cut to the month's length).
    Months,
}

impl ShiftUnit {
    /// Every unit, in the order discovery tries them (days first: a month is not a number of
    /// days).
    pub const ALL: [ShiftUnit; 2] = [ShiftUnit::Days, ShiftUnit::Months];

    /// The name used in rule text: `due = issued + days by terms`.
    pub fn name(self) -> &'static str {
        match self {
            ShiftUnit::Days => "days",
            ShiftUnit::Months => "months",
        }
    }

    /// The whole units from the day of `from` to the day of `to` (seconds since the epoch):
    /// days between the days; months when `to`'s day is `from`'s that many calendar months
    /// later, else `None` (also out of chrono's range).
    pub fn between(self, from: f64, to: f64) -> Option<i64> {
        let (start, end) = (day_number(from)?, day_number(to)?);
        match self {
            ShiftUnit::Days => Some(end - start),
            ShiftUnit::Months => {
                let (start, end) = (date_of_day(start)?, date_of_day(end)?);
                let months = month_seq(end) - month_seq(start);
                (add_months(start, months)? == end).then_some(months)
            }
        }
    }

    /// Midnight of the day `count` units after the day of `from` (`None` out of chrono's
    /// range).
    pub fn after(self, from: f64, count: i64) -> Option<f64> {
        let start = day_number(from)?;
        let day = match self {
            ShiftUnit::Days => start.checked_add(count)?,
            ShiftUnit::Months => {
                let end = add_months(date_of_day(start)?, count)?;
                end.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
                    .num_days()
            }
        };
        Some(day as f64 * 86_400.0)
    }
}

/// The date of a day counted from 1970-01-01 (`None` out of chrono's range).
fn date_of_day(day: i64) -> Option<chrono::NaiveDate> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    epoch.checked_add_signed(chrono::TimeDelta::try_days(day)?)
}

/// year × 12 + month − 1 of a date.
fn month_seq(date: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// `date` moved by `months` calendar months, the day cut to the month's length.
fn add_months(date: chrono::NaiveDate, months: i64) -> Option<chrono::NaiveDate> {
    let count = chrono::Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        date.checked_add_months(count)
    } else {
        date.checked_sub_months(count)
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Found in the data.
    Found,
    /// Declared in the schema's `rules: add:`.
    Declared,
}

/// A rule with what the real data says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// What the rule says.
    pub kind: RuleKind,
    /// Real rows where every column of the rule has a value (for an empty rule, where its
    /// `when` column is empty).
    pub support: usize,
    /// Of those, the rows that obey it.
    pub holding: usize,
    /// Found or declared.
    pub origin: Origin,
    /// For order and difference rules: quantiles of the real differences (`high - low`,
    /// `to - from`) among the rows that obey it, which generation draws a gap from when a row
    /// breaks the rule.
    pub gaps: Vec<f64>,
}

impl Rule {
    /// A rule found holding in all of 100 real rows, without gaps: how unit tests plant one.
    #[cfg(test)]
    pub(crate) fn planted(kind: RuleKind) -> Rule {
        Rule {
            kind,
            support: 100,
            holding: 100,
            origin: Origin::Found,
            gaps: Vec::new(),
        }
    }

    /// The share of real rows obeying the rule.
    pub fn real_share(&self) -> Option<f64> {
        (self.support > 0).then(|| self.holding as f64 / self.support as f64)
    }

    /// The rule's class, for reports.
    pub fn class(&self) -> &'static str {
        self.kind.class()
    }
}

impl RuleKind {
    /// The rule's class: order, difference, arithmetic, calendar, lookup, periods, sum,
    /// product, ratio, clock, local time, empty, elapsed time, copy, total or values of
    /// children.
    pub fn class(&self) -> &'static str {
        match self {
            RuleKind::Order { .. } => "order",
            RuleKind::Difference { .. } => "difference",
            RuleKind::DifferenceBy { .. } => "difference by label",
            RuleKind::Arithmetic { .. } => "arithmetic",
            RuleKind::Calendar { .. } => "calendar",
            RuleKind::Lookup { .. } => "lookup",
            RuleKind::Periods { .. } => "periods",
            RuleKind::Belongs { .. } => "belongs to",
            RuleKind::Sum { clock: false, .. } => "sum",
            RuleKind::Sum { clock: true, .. } => "clock sum",
            RuleKind::Product { .. } => "product",
            RuleKind::Ratio { .. } => "ratio",
            RuleKind::KeyedProduct { .. } => "product across a key",
            RuleKind::ClockTime { .. } => "clock time",
            RuleKind::DateParts { .. } => "date",
            RuleKind::LocalTime { .. } => "local time",
            RuleKind::Empty { .. } => "empty",
            RuleKind::Elapsed { .. } => "elapsed time",
            RuleKind::Shifted { .. } => "shift by label",
            RuleKind::Linear { .. } => "line by label",
            RuleKind::CopyParent { .. } => "copy of parent",
            RuleKind::CopyParentWhen { .. } => "copy of parent by label",
            RuleKind::Fractions { .. } => "fractions of parent",
            RuleKind::KeyedCopy { .. } => "copy across a key",
            RuleKind::ChildTotal { .. } => "total of children",
            RuleKind::ChildValues { .. } => "values of children",
            RuleKind::KeyedPrefix { .. } => "prefix across a key",
            RuleKind::CodeDigit { .. } => "digit of a code",
        }
    }

    /// The foreign key of a rule across a key (whose row the rule reads a column of), `None`
    /// for any other rule.
    pub fn key(&self) -> Option<&str> {
        match self {
            RuleKind::KeyedProduct { key, .. }
            | RuleKind::KeyedCopy { key, .. }
            | RuleKind::KeyedPrefix { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Whether the rule is kept while a row is drawn (with its parent's): all but a total or
    /// the values of children, kept in the parent once the children are drawn ([`totals`]),
    /// and the rules of a code's parts, kept once the table's keys are ([`codes`]).
    pub fn of_a_row(&self) -> bool {
        !matches!(
            self,
            RuleKind::ChildTotal { .. }
                | RuleKind::ChildValues { .. }
                | RuleKind::KeyedPrefix { .. }
                | RuleKind::CodeDigit { .. }
        )
    }

    /// The parent's column a total or the values of children set (`None` for a rule about one
    /// row): drawn with the parent, it is replaced once the children are.
    pub fn worked_out_in_parent(&self) -> Option<&Col> {
        match self {
            RuleKind::ChildTotal { total, .. } => Some(total),
            RuleKind::ChildValues { target, .. } => Some(target),
            _ => None,
        }
    }

    /// What identifies the rule regardless of fitted numbers (bounds, offsets, tables): the
    /// schema's `off:` matches rules by it.
    pub fn identity(&self) -> String {
        match self {
            RuleKind::Order { low, high, .. } => {
                let (a, b) = sorted(low.to_string(), high.to_string());
                format!("order {a} {b}")
            }
            RuleKind::Difference { from, to, .. } => {
                let (a, b) = sorted(from.to_string(), to.to_string());
                format!("difference {a} {b}")
            }
            RuleKind::DifferenceBy { from, to, by, .. } => {
                format!("difference {from} {to} by {by}")
            }
            RuleKind::Arithmetic {
                target,
                source,
                op,
                divisor,
            } => format!("arithmetic {target} {source} {op:?} {divisor}"),
            RuleKind::Calendar {
                target,
                source,
                part,
                ..
            } => format!("calendar {target} {source} {}", part.name()),
            RuleKind::Lookup { target, source, .. } => format!("lookup {target} {source}"),
            RuleKind::Periods { target, source, .. } => format!("periods {target} {source}"),
            RuleKind::Belongs { target, source, .. } => format!("belongs {target} {source}"),
            RuleKind::Sum {
                total,
                a,
                b,
                clock,
                c,
            } => {
                let mut all = vec![total.as_str(), a.as_str(), b.as_str()];
                all.extend(c.as_deref());
                all.sort_unstable();
                format!("sum {clock} {}", all.join(" "))
            }
            RuleKind::Product { total, a, b } => {
                let (a, b) = sorted(a.clone(), b.clone());
                format!("product {total} {a} {b}")
            }
            RuleKind::Ratio { top, bottom, .. } => format!("ratio {top} {bottom}"),
            RuleKind::KeyedProduct {
                total, a, price, ..
            } => format!("keyed product {total} {a} {price}"),
            RuleKind::ClockTime { column, .. } => format!("clock {column}"),
            RuleKind::DateParts { year, month, day } => format!("date {year} {month} {day}"),
            RuleKind::LocalTime { target, parts, .. } => {
                format!("local time {target} {}", parts.join(" "))
            }
            RuleKind::Empty { when, .. } => format!("empty {when}"),
            RuleKind::Elapsed {
                amount, from, to, ..
            } => format!("elapsed {amount} {from} {to}"),
            RuleKind::Shifted { to, from, by, .. } => format!("shifted {to} {from} {by}"),
            RuleKind::Linear {
                target, source, by, ..
            } => format!("linear {target} {source} {by}"),
            // The same text (`column = parent.column`) switches either off.
            RuleKind::CopyParent { column, parent }
            | RuleKind::KeyedCopy { column, parent, .. } => {
                format!("copy {column} {parent}")
            }
            RuleKind::CopyParentWhen {
                column,
                parent,
                by,
                label,
            } => format!("copy {column} {parent} where {by} {}", text::label(label)),
            RuleKind::ChildTotal { total, .. } => format!("total {total}"),
            RuleKind::ChildValues { target, source, .. } => {
                format!("child values {target} {source}")
            }
            RuleKind::Fractions { column, parent, .. } => format!("fractions {column} {parent}"),
            RuleKind::KeyedPrefix { column, prefix, .. } => format!("prefix {column} {prefix}"),
            RuleKind::CodeDigit {
                column,
                place,
                source,
                ..
            } => format!("digit {column} {place} {source}"),
        }
    }

    /// The columns the rule reads.
    pub fn columns(&self) -> Vec<Col> {
        let own = |name: &String| Col::Own(name.clone());
        match self {
            RuleKind::Order { low, high, .. } => vec![low.clone(), high.clone()],
            RuleKind::Difference { from, to, .. } => vec![from.clone(), to.clone()],
            RuleKind::DifferenceBy { from, to, by, .. } => vec![own(from), own(to), own(by)],
            RuleKind::Arithmetic { target, source, .. }
            | RuleKind::Calendar { target, source, .. }
            | RuleKind::Lookup { target, source, .. }
            | RuleKind::Periods { target, source, .. }
            | RuleKind::Belongs { target, source, .. } => vec![own(target), own(source)],
            RuleKind::Sum { total, a, b, c, .. } => std::iter::once(total)
                .chain([a, b])
                .chain(c)
                .map(own)
                .collect(),
            RuleKind::Product { total, a, b } => vec![own(total), own(a), own(b)],
            RuleKind::Ratio { top, bottom, .. } => vec![own(top), own(bottom)],
            RuleKind::KeyedProduct {
                total, a, price, ..
            } => vec![own(total), own(a), price.clone()],
            RuleKind::ClockTime { column, .. } => vec![own(column)],
            RuleKind::DateParts { year, month, day } => vec![own(year), own(month), own(day)],
            RuleKind::LocalTime { target, parts, .. } => {
                std::iter::once(target).chain(parts).map(own).collect()
            }
            RuleKind::Empty { when, then } => std::iter::once(when).chain(then).map(own).collect(),
            RuleKind::Elapsed {
                amount, from, to, ..
            } => vec![own(amount), own(from), own(to)],
            RuleKind::Shifted { to, from, by, .. } => vec![own(to), own(from), own(by)],
            RuleKind::Linear {
                target, source, by, ..
            } => vec![own(target), own(source), own(by)],
            RuleKind::CopyParent { column, parent }
            | RuleKind::KeyedCopy { column, parent, .. }
            | RuleKind::Fractions { column, parent, .. } => {
                vec![own(column), parent.clone()]
            }
            RuleKind::CopyParentWhen {
                column, parent, by, ..
            } => vec![own(column), parent.clone(), own(by)],
            RuleKind::ChildTotal { total, term } => std::iter::once(total.clone())
                .chain(term.columns().map(own))
                .collect(),
            RuleKind::ChildValues { target, source, .. } => vec![target.clone(), own(source)],
            RuleKind::KeyedPrefix { column, prefix, .. } => vec![own(column), prefix.clone()],
            RuleKind::CodeDigit { column, source, .. } => vec![own(column), own(source)],
        }
    }
}

fn sorted(a: String, b: String) -> (String, String) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A table as rules see it: its modelled columns and, for a sequential table, the parent row of
/// every row. Real at training, synthetic in `evaluate`.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    /// The table's modelled columns.
    pub columns: &'a [Column],
    /// The number of rows.
    pub rows: usize,
    /// The parent driving the sequences, when there is one.
    pub parent: Option<ParentFrame<'a>>,
}

/// A frame's parent.
#[derive(Clone, Copy)]
pub struct ParentFrame<'a> {
    /// The parent table's name.
    pub table: &'a str,
    /// Its modelled columns.
    pub columns: &'a [Column],
    /// The parent row of each of the frame's rows (`None`: empty key).
    pub row_of: &'a [Option<usize>],
    /// The rows the parent's foreign keys point at (empty: none looked at).
    pub grand: &'a [GrandFrame<'a>],
}

/// The rows one of a frame's parent's foreign keys points at: what [`Col::Grand`] reads.
#[derive(Clone, Copy)]
pub struct GrandFrame<'a> {
    /// The parent's foreign key column.
    pub key: &'a str,
    /// The columns of the table it points at.
    pub columns: &'a [Column],
    /// The row it points at of each parent row (`None`: empty key).
    pub row_of: &'a [Option<usize>],
}

impl<'a> Frame<'a> {
    /// The row's own columns `names`, when every one is found: a rule over three columns of
    /// the row (a shift, a line or a difference by a label) reads them all or none.
    pub fn resolve_own(&self, names: [&str; 3]) -> Option<[Resolved<'a>; 3]> {
        let [Some(a), Some(b), Some(c)] = names.map(|name| self.resolve(&Col::Own(name.into())))
        else {
            return None;
        };
        Some([a, b, c])
    }

    /// The column a rule names, with how to read its value for a row.
    pub fn resolve(&self, col: &Col) -> Option<Resolved<'a>> {
        match col {
            Col::Own(name) => self
                .columns
                .iter()
                .find(|c| &c.name == name)
                .map(Resolved::Own),
            Col::Parent { table, column } => {
                let parent = self.parent.filter(|p| p.table == table)?;
                let found = parent.columns.iter().find(|c| &c.name == column)?;
                Some(Resolved::Parent(found, parent.row_of))
            }
            Col::Grand {
                parent: table,
                key,
                column,
            } => {
                let parent = self.parent.filter(|p| p.table == table)?;
                let grand = parent.grand.iter().find(|g| g.key == key)?;
                let found = grand.columns.iter().find(|c| &c.name == column)?;
                Some(Resolved::Grand(found, parent.row_of, grand.row_of))
            }
        }
    }
}

/// A column of a frame, ready to read row by row.
#[derive(Clone, Copy)]
pub enum Resolved<'a> {
    /// An own column.
    Own(&'a Column),
    /// A parent column and the parent row of each row.
    Parent(&'a Column, &'a [Option<usize>]),
    /// A column of the row a parent's key points at, the parent row of each row and the
    /// row pointed at of each parent row.
    Grand(&'a Column, &'a [Option<usize>], &'a [Option<usize>]),
}

impl<'a> Resolved<'a> {
    /// The value in `row` (null without a parent).
    pub fn value(&self, row: usize) -> &'a Value {
        const NULL: &Value = &Value::Null;
        match self {
            Resolved::Own(column) => column.values.get(row).unwrap_or(NULL),
            Resolved::Parent(column, row_of) => row_of
                .get(row)
                .copied()
                .flatten()
                .and_then(|parent| column.values.get(parent))
                .unwrap_or(NULL),
            Resolved::Grand(column, row_of, grand_of) => row_of
                .get(row)
                .copied()
                .flatten()
                .and_then(|parent| grand_of.get(parent).copied().flatten())
                .and_then(|grand| column.values.get(grand))
                .unwrap_or(NULL),
        }
    }

    /// The column itself.
    pub fn column(&self) -> &'a Column {
        match self {
            Resolved::Own(column) | Resolved::Parent(column, _) | Resolved::Grand(column, ..) => {
                column
            }
        }
    }
}

/// The schema's `rules:` section of one table, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Whether to look for rules in the data (default true).
    pub discover: bool,
    /// Rules to keep even if the data does not show them (templates: numbers are fitted).
    pub add: Vec<RuleKind>,
    /// Identities (see [`RuleKind::identity`]) of rules to switch off.
    pub off: Vec<String>,
}

impl Overrides {
    /// No overrides: discovery on, nothing added or switched off.
    pub fn none() -> Overrides {
        Overrides {
            discover: true,
            add: Vec::new(),
            off: Vec::new(),
        }
    }
}

/// The `rules:` section of a table, read; rule text that does not parse is left out (the
/// schema's check, [`check_section`], reports it).
pub fn overrides_of(section: &RulesSection) -> Overrides {
    Overrides {
        discover: section.discover,
        add: section
            .add
            .iter()
            .filter_map(|rule| text::parse(rule).ok())
            .collect(),
        off: section
            .off
            .iter()
            .filter_map(|rule| text::parse(rule).ok())
            .map(|kind| kind.identity())
            .collect(),
    }
}

/// The rules of a table: found in `frame` and changed by the schema's `rules:` section.
pub fn table_rules(def: &TableDef, frame: &Frame<'_>, min_count: usize) -> Vec<Rule> {
    discover::rules_of(frame, &overrides_of(&def.rules), min_count)
}

/// The rules across a key of a table (copies, [`RuleKind::KeyedCopy`], then products,
/// [`RuleKind::KeyedProduct`]): found in `frames` (one per foreign key: its column, and the
/// table with that key's parent rows) for columns no rule in `own` determines, unless the
/// schema's `rules:` section switches them off.
pub fn keyed_rules(def: &TableDef, frames: &[(&str, Frame<'_>)], own: &[Rule]) -> Vec<Rule> {
    let overrides = overrides_of(&def.rules);
    if !overrides.discover {
        return Vec::new();
    }
    let mut found: Vec<Rule> = Vec::new();
    for (key, frame) in frames {
        let taken: Vec<&Rule> = own.iter().chain(&found).collect();
        let copies = discover::keyed_copies(frame, key, &taken);
        found.extend(copies);
        let taken: Vec<&Rule> = own.iter().chain(&found).collect();
        let rules = discover::keyed_products(frame, key, &taken);
        found.extend(rules);
        let determined: Vec<String> = (own.iter().chain(&found))
            .filter_map(|rule| discover::determined_column(&rule.kind))
            .map(str::to_string)
            .collect();
        let determined = |name: &str| determined.iter().any(|d| d == name);
        found.extend(codes::keyed_prefixes(frame, key, &determined));
    }
    found.retain(|rule| !overrides.off.contains(&rule.kind.identity()));
    found
}

/// Checks a table's `rules:` section: every rule reads, names columns the table models (or,
/// as `parent.column`, columns of the parent its sequences hang off) of the types it works on,
/// no column twice, and no two declared rules are about the same columns (one would silently
/// replace the other). `modelled` are the table's modelled columns; `parent` the sequence
/// parent's name and modelled columns; `type_of` the type of a column the rule names.
pub fn check_section(
    def: &TableDef,
    modelled: &[String],
    parent: Option<(&str, &[String])>,
    type_of: &dyn Fn(&Col) -> Option<ColumnKind>,
) -> Vec<Problem> {
    let mut declared: Vec<(String, &String)> = Vec::new();
    let mut problems = Vec::new();
    let entries = def
        .rules
        .add
        .iter()
        .map(|rule| ("rules.add", rule))
        .chain(def.rules.off.iter().map(|rule| ("rules.off", rule)));
    for (parameter, rule) in entries {
        let problem = |message: String| {
            Problem::table(&def.name, parameter, format!("rule `{rule}`: {message}"))
        };
        let kind = match text::parse(rule) {
            Ok(kind) => kind,
            Err(message) => {
                problems.push(problem(message));
                continue;
            }
        };
        // A copy switched off may be one across a key (the same text as a copy of the
        // sequence's parent): it names a column of any key's parent.
        let across_key = matches!(
            kind,
            RuleKind::KeyedProduct { .. } | RuleKind::KeyedPrefix { .. }
        ) || (parameter == "rules.off"
            && matches!(kind, RuleKind::CopyParent { .. }));
        let code = matches!(
            kind,
            RuleKind::KeyedPrefix { .. } | RuleKind::CodeDigit { .. }
        );
        if code && parameter == "rules.add" {
            problems.push(problem(
                "a code's prefix or digit is found in the data, not declared (`rules.off` \
                 switches one off)"
                    .into(),
            ));
            continue;
        }
        if across_key && parameter == "rules.add" {
            problems.push(problem(
                "a product with a column of a key's row is found in the data, not declared \
                 (`rules.off` switches one off)"
                    .into(),
            ));
            continue;
        }
        let columns = kind.columns();
        // A rule across a key names a column of any key's parent, not only the sequence's.
        let missing: Vec<String> = columns
            .iter()
            .filter(|col| !(across_key && matches!(col, Col::Parent { .. })))
            .filter_map(|col| missing(col, modelled, parent))
            .collect();
        let found_all = missing.is_empty();
        problems.extend(missing.into_iter().map(problem));
        // `rules.add` comes first: every declared rule is known by now.
        let identity = kind.identity();
        if parameter == "rules.off"
            && let Some((_, added)) = declared.iter().find(|(other, _)| *other == identity)
        {
            problems.push(problem(format!(
                "`{added}` is declared about the same columns in `rules.add`, and would \
                 silently win: keep one of the two"
            )));
        }
        if parameter != "rules.add" || !found_all {
            continue;
        }
        let typed = columns.iter().map(|col| (col.to_string(), type_of(col)));
        if let Some(message) = mistyped(&kind, typed.collect()) {
            problems.push(problem(message));
        }
        match declared.iter().find(|(other, _)| *other == identity) {
            Some((_, earlier)) => problems.push(problem(format!(
                "`{earlier}` is declared about the same columns: keep one of the two"
            ))),
            None => declared.push((identity, rule)),
        }
    }
    problems
}

/// Why a rule cannot hold on its columns' types (`kinds`, in [`RuleKind::columns`] order), if
/// it cannot: fitted anyway, `a - d in [0, 3] days` with `a` a number turned `a` into seconds
/// since 1970, and `k = year(d)` with `k` a category wrote one label in every row.
fn mistyped(rule: &RuleKind, kinds: Vec<(String, Option<ColumnKind>)>) -> Option<String> {
    let numeric =
        |k: Option<ColumnKind>| matches!(k, Some(ColumnKind::Numerical | ColumnKind::Datetime));
    let mut names: Vec<&str> = kinds.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Some(format!("names `{}` twice", twice[0]));
    }
    let listed = |wanted: &str| {
        let shown: Vec<String> = kinds
            .iter()
            .map(|(name, kind)| {
                format!(
                    "`{name}` is {}",
                    kind.map_or_else(|| "unknown".to_string(), |k| k.to_string())
                )
            })
            .collect();
        format!("works on {wanted}, but {}", shown.join(" and "))
    };
    let all_numeric = kinds.iter().all(|(_, k)| numeric(*k));
    let same_kind = kinds.windows(2).all(|pair| pair[0].1 == pair[1].1);
    match rule {
        RuleKind::Difference { year: true, .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Numerical)),
                (_, Some(ColumnKind::Datetime)),
            ] => None,
            _ => Some(listed("a whole-number year and a datetime (in days)")),
        },
        RuleKind::Order { .. } | RuleKind::Difference { .. } if !(all_numeric && same_kind) => {
            Some(listed("two numbers or two datetimes"))
        }
        RuleKind::Difference { days: true, .. }
            if kinds.first().and_then(|(_, k)| *k) != Some(ColumnKind::Datetime) =>
        {
            Some(listed("two datetimes (a difference in days)"))
        }
        RuleKind::Difference { min, max, .. }
            if kinds.first().and_then(|(_, k)| *k) == Some(ColumnKind::Datetime)
                && (*min > text::MAX_SECONDS_APART || *max < -text::MAX_SECONDS_APART) =>
        {
            Some(format!(
                "no two datetimes of the years 0 to 9999 are that far apart (at most {} \
                 seconds)",
                text::MAX_SECONDS_APART
            ))
        }
        RuleKind::DifferenceBy { days, .. } => match kinds.as_slice() {
            [
                (_, a),
                (_, b),
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
            ] if numeric(*a) && a == b && (!days || *a == Some(ColumnKind::Datetime)) => None,
            _ => Some(listed(
                "two numbers or two datetimes (in days), and a category",
            )),
        },
        RuleKind::Product { .. }
            if !kinds.iter().all(|(_, k)| *k == Some(ColumnKind::Numerical)) =>
        {
            Some(listed(
                "numbers (a product of datetimes or categories means nothing)",
            ))
        }
        RuleKind::Ratio { .. } if !kinds.iter().all(|(_, k)| *k == Some(ColumnKind::Numerical)) => {
            Some(listed(
                "numbers (a ratio of datetimes or categories means nothing)",
            ))
        }
        RuleKind::Arithmetic { .. } | RuleKind::Sum { .. } if !all_numeric => {
            Some(listed("numbers"))
        }
        RuleKind::ChildTotal { .. }
            if !kinds.iter().all(|(_, k)| *k == Some(ColumnKind::Numerical)) =>
        {
            Some(listed("numbers (a parent's total of its rows' amounts)"))
        }
        RuleKind::Elapsed { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Numerical)),
                (_, Some(ColumnKind::Datetime)),
                (_, Some(ColumnKind::Datetime)),
            ] => None,
            _ => Some(listed("a number of units of time between two datetimes")),
        },
        RuleKind::Calendar { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Numerical | ColumnKind::Categorical)),
                (_, Some(ColumnKind::Datetime)),
            ] => None,
            _ => Some(listed("a number or category taken from a datetime")),
        },
        RuleKind::Periods { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
                (_, Some(ColumnKind::Datetime)),
            ] => None,
            _ => Some(listed("a category or flag and a datetime")),
        },
        RuleKind::Belongs { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Categorical)),
                (_, Some(ColumnKind::Categorical)),
            ] => None,
            _ => Some(listed("two categorical columns")),
        },
        RuleKind::LocalTime { .. } => match kinds.as_slice() {
            [(_, Some(ColumnKind::Datetime)), parts @ ..]
                if parts.len() == 4
                    && parts.iter().all(|(_, k)| *k == Some(ColumnKind::Numerical)) =>
            {
                None
            }
            _ => Some(listed(
                "a datetime and four numbers (year, month, day, hour)",
            )),
        },
        RuleKind::DateParts { .. }
            if kinds.iter().any(|(_, k)| *k != Some(ColumnKind::Numerical)) =>
        {
            Some(listed("three numbers (year, month, day)"))
        }
        RuleKind::Shifted { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Datetime)),
                (_, Some(ColumnKind::Datetime)),
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
            ] => None,
            _ => Some(listed("two datetimes and a category")),
        },
        RuleKind::Linear { .. } => match kinds.as_slice() {
            [
                (_, Some(ColumnKind::Numerical)),
                (_, Some(ColumnKind::Numerical)),
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
            ] => None,
            _ => Some(listed("two numbers and a category")),
        },
        RuleKind::CopyParentWhen { .. } => match kinds.as_slice() {
            [
                (_, column),
                (_, parent),
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
            ] if numeric(*column) && column == parent => None,
            // A column of a key's row (`parent.key.column`) is not known to the schema.
            [
                (_, Some(ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text)),
                (_, None),
                (_, Some(ColumnKind::Categorical | ColumnKind::Boolean)),
            ] => None,
            _ => Some(listed(
                "two numbers or two datetimes (the column and the parent's), or a label and \
                 a column of a parent's key's row, and a category",
            )),
        },
        RuleKind::ClockTime { .. }
            if kinds.first().and_then(|(_, k)| *k) != Some(ColumnKind::Numerical) =>
        {
            Some(listed("a number (a clock time, HHMM)"))
        }
        _ => None,
    }
}

fn missing(col: &Col, modelled: &[String], parent: Option<(&str, &[String])>) -> Option<String> {
    match col {
        Col::Own(name) if modelled.contains(name) => None,
        Col::Own(name) => Some(format!(
            "no modelled column `{name}` (key columns are not modelled; columns: {})",
            modelled.join(", ")
        )),
        Col::Parent { table, column } => match parent {
            Some((parent, columns)) if parent == table && columns.contains(column) => None,
            Some((parent, columns)) if parent == table => Some(format!(
                "`{parent}` has no modelled column `{column}` (columns: {})",
                columns.join(", ")
            )),
            Some((parent, _)) => Some(format!(
                "`{table}` is not the parent this table's rows are generated under \
                 (`{parent}`): rules can only name that parent's columns"
            )),
            None => Some(format!(
                "`{table}.{column}`: the table is not generated under a parent, so its \
                 rules cannot name a parent's column"
            )),
        },
        // The columns of the key's row are checked when the rule is fitted to the data.
        Col::Grand { parent: table, .. } => match parent {
            Some((parent, _)) if parent == table => None,
            _ => Some(format!(
                "`{col}`: `{table}` is not the parent this table's rows are generated under"
            )),
        },
    }
}

/// One rule as `validate` and `inspect` list it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    /// The rule in the schema's rule language.
    pub rule: String,
    /// Its class (order, difference, arithmetic, calendar, lookup, periods, sum, clock sum,
    /// clock time, local time, empty, copy of parent, ...: [`RuleKind::class`]).
    pub class: &'static str,
    /// Found in the data or declared in the schema.
    pub origin: Origin,
    /// Real rows with every value the rule reads.
    pub support: usize,
    /// Of those, rows obeying it.
    pub holding: usize,
}

impl RuleSummary {
    /// The summary of a rule.
    pub fn of(rule: &Rule) -> RuleSummary {
        RuleSummary {
            rule: rule.to_string(),
            class: rule.class(),
            origin: rule.origin,
            support: rule.support,
            holding: rule.holding,
        }
    }

    /// `rule  (class, 1234 of 1234 rows)`, as the text listings print it.
    pub fn line(&self) -> String {
        let declared = match self.origin {
            Origin::Found => "",
            Origin::Declared => ", declared",
        };
        let share = if self.support == 0 {
            "no real row to check it on".to_string()
        } else if self.holding == self.support {
            format!("all {} rows", self.support)
        } else {
            format!(
                "{} of {} rows, {:.2}%",
                self.holding,
                self.support,
                100.0 * self.holding as f64 / self.support.max(1) as f64
            )
        };
        format!("{}  ({}{declared}; {share})", self.rule, self.class)
    }
}

/// The `rules:` lines of a table in the text listings (nothing without rules).
pub fn listing_text(rules: &[RuleSummary]) -> String {
    if rules.is_empty() {
        return String::new();
    }
    let mut text = format!("     rules ({}):\n", rules.len());
    for rule in rules {
        text += &format!("       {}\n", rule.line());
    }
    text
}

/// Checks the `rules:` section of every table (see [`check_section`]); the sequence parent of
/// each table comes from the plan (none when the plan could not be built).
pub fn check_schema(
    schema: &crate::schema::Schema,
    plan: Option<&crate::plan::Plan>,
    tables: &indexmap::IndexMap<String, crate::data::Table>,
) -> Vec<Problem> {
    let names = |table: &crate::data::Table| -> Vec<String> {
        table.columns.iter().map(|c| c.name.clone()).collect()
    };
    let mut problems = Vec::new();
    for def in &schema.tables {
        if def.rules.add.is_empty() && def.rules.off.is_empty() {
            continue;
        }
        let Some(table) = tables.get(&def.name) else {
            continue;
        };
        let parent = plan
            .and_then(|plan| plan.table(&def.name))
            .and_then(|plan| match &plan.generation {
                crate::plan::Generation::Sequential { key } => tables
                    .get(&key.parent)
                    .map(|t| (key.parent.as_str(), names(t))),
                _ => None,
            });
        let parent_table = plan
            .and_then(|plan| plan.table(&def.name))
            .and_then(|plan| match &plan.generation {
                crate::plan::Generation::Sequential { key } => tables.get(&key.parent),
                _ => None,
            });
        let type_of = |col: &Col| {
            let (table, name) = match col {
                Col::Own(name) => (Some(table), name),
                Col::Parent { column, .. } => (parent_table, column),
                Col::Grand { .. } => return None,
            };
            let column = table?.columns.iter().find(|c| &c.name == name)?;
            Some(column.kind)
        };
        problems.extend(check_section(
            def,
            &names(table),
            parent
                .as_ref()
                .map(|(name, columns)| (*name, columns.as_slice())),
            &type_of,
        ));
    }
    problems
}

/// A datetime column of `values` (seconds) written as a date or a date and time: the rules'
/// planted tables (parcels shipped and delivered, subscriptions started and ended) build
/// theirs from it.
#[cfg(test)]
pub(crate) fn datetime_column(name: &str, date_only: bool, values: Vec<f64>) -> Column {
    let pattern = if date_only {
        "%Y-%m-%d"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    Column {
        name: name.into(),
        kind: ColumnKind::Datetime,
        format: crate::data::ValueFormat::Datetime {
            pattern: pattern.into(),
            date_only,
            offset: None,
            upper: false,
        },
        values: values.into_iter().map(Value::Number).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts worked out by hand (Python's `datetime`) for a leap day, a Sunday (the two week
    /// numbers differ), the second before the epoch and a December (the month's end in the
    /// next year).
    #[test]
    fn a_listed_rule_says_how_many_real_rows_keep_it() {
        let summary = |support, holding| RuleSummary {
            rule: "b is empty when a is empty".into(),
            class: "empty",
            origin: Origin::Declared,
            support,
            holding,
        };
        let lines = [(0, 0), (503, 503), (4, 3)].map(|(s, h)| summary(s, h).line());
        assert_eq!(
            lines,
            [
                "b is empty when a is empty  (empty, declared; no real row to check it on)",
                "b is empty when a is empty  (empty, declared; all 503 rows)",
                "b is empty when a is empty  (empty, declared; 3 of 4 rows, 75.00%)",
            ]
        );
    }

    #[test]
    fn calendar_parts_match_dates_worked_out_by_hand() {
        let cases: [(f64, [i64; 16]); 4] = [
            (
                1_709_210_096.0,
                [
                    2024, 1, 2, 29, 4, 60, 12, 34, 24289, 8096, 2826, 2826, 20241, 19754, 19782,
                    19782,
                ],
            ),
            (
                1_709_453_100.0,
                [
                    2024, 1, 3, 3, 7, 63, 8, 5, 24290, 8096, 2826, 2827, 20241, 19783, 19813, 19785,
                ],
            ),
            (
                -1.0,
                [
                    1969, 4, 12, 31, 3, 365, 23, 59, 23639, 7879, 0, 0, 19694, -31, -1, -1,
                ],
            ),
            (
                818_985_600.0,
                [
                    1995, 4, 12, 15, 5, 349, 0, 0, 23951, 7983, 1354, 1354, 19954, 9465, 9495, 9479,
                ],
            ),
        ];
        for (seconds, expected) in cases {
            assert_eq!(
                Part::all_of(seconds),
                Some(expected),
                "all parts of {seconds}"
            );
            for (part, want) in Part::ALL.into_iter().zip(expected) {
                assert_eq!(part.of(seconds), Some(want), "{} of {seconds}", part.name());
            }
        }
        assert_eq!(Part::all_of(1e20), None);
        assert_eq!(Part::Year.of(-1e20), None);
    }
}
