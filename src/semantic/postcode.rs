//! Postcodes that agree with their row's region. A postcode drawn in the real values' shape
//! alone says `00950` beside `WA`, which a reader catches at once: a US ZIP code's first
//! digits are its state's (98xxx in Washington, 86xxx in Arizona), as a UK postcode's letters
//! are its area's. When a region column of the same row tells a postcode's first characters,
//! a drawn postcode takes first characters real rows of its region have.
//!
//! Only (region, first characters) pairs seen in at least the privacy threshold of rows are
//! kept: a region's prefixes are a fact about many rows, never about one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Table, Value};
use crate::model::marginal::{IdShape, Weighted};
use crate::sampling::SynthRng;
use crate::schema::{ColumnKind, SemanticType};
use crate::stats::FastMap;

/// A postcode column's generator: the real values' shape, and the first characters each region
/// gives them when a region column tells them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostcodeModel {
    shape: IdShape,
    region: Option<RegionPrefixes>,
    /// The shape of each country's postcodes (sorted by country), for the countries of at
    /// least [`COUNTRY_ROWS`] real rows, when two have: a British postcode drawn in the shape
    /// of the whole column was `48642` one time in two. Since format 54.
    #[serde(default)]
    by_country: Vec<(Arc<str>, IdShape)>,
}

/// The fewest real rows of a country its postcodes' own shape is learned from.
const COUNTRY_ROWS: usize = 20;

/// The first characters of the postcodes of each region.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RegionPrefixes {
    /// The region column (one the table model draws: its values are real regions).
    column: usize,
    /// The characters a prefix has.
    length: usize,
    /// Each region with its postcodes' prefixes (seen in at least the threshold of rows),
    /// sorted by region.
    by_region: Vec<Prefixes>,
    /// For each region of `by_region` (in its order), the span its postcodes lie in, when they
    /// are numbers: a prefix tells `73` for Oklahoma, and the digits drawn after it said
    /// `73759` where its real codes ran from 73001 to 73199 (170 of 1,500 customers of a
    /// review database off their state's range). Empty when no region has one. Since format
    /// 72.
    #[serde(default)]
    spans: Vec<Option<Span>>,
}

/// The lowest and highest numeric postcode of a region, each the threshold's value in from the
/// extreme (a region's range is a fact about many rows, not one), and the codes' digits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Span {
    low: u32,
    high: u32,
    digits: u8,
}

/// The most digits a postcode read as a number has (ZIP+4 written without its dash is 9).
const SPAN_DIGITS: usize = 9;

/// A region and the prefixes of its postcodes.
type Prefixes = (Arc<str>, Weighted<Arc<str>>);

/// The share of rows whose postcode starts as most of its region's do, from which a region
/// column is taken to tell postcodes (US states and ZIP codes: all of them).
const TELLING_SHARE: f64 = 0.9;

/// The share of rows a prefix length's kept pairs must cover to be used; the longest length
/// that does is (three characters say more than one, when enough rows share them).
const COVERED_SHARE: f64 = 0.5;

/// Prefix lengths tried, longest first.
const LENGTHS: [usize; 3] = [3, 2, 1];

impl PostcodeModel {
    /// Learns the postcode column `index` of `table`, with the region column that tells its
    /// first characters, if one does (`regions`: the columns that may, drawn by the table
    /// model).
    /// `countries`: each real row's country, when the table says one.
    pub fn learn(
        table: &Table,
        index: usize,
        (regions, countries): (&[usize], &[Option<String>]),
        min_count: usize,
    ) -> Self {
        let codes = &table.columns[index];
        PostcodeModel {
            by_country: shapes_by_country(codes, countries, min_count),
            shape: IdShape::learn(codes.labels().map(Arc::from), min_count),
            region: regions
                .iter()
                .filter_map(|&region| RegionPrefixes::learn(table, region, codes, min_count))
                .max_by(|a, b| {
                    let finer = a.by_region.len().cmp(&b.by_region.len());
                    a.length
                        .cmp(&b.length)
                        .then(finer)
                        .then(b.column.cmp(&a.column))
                }),
        }
    }

    /// A postcode for `row` of `columns` (the rows drawn so far), in `country`.
    pub fn draw(
        &self,
        columns: &[Column],
        (row, country): (usize, Option<&str>),
        rng: &mut SynthRng,
    ) -> Value {
        let code = self.shape_of(country).draw(rng);
        let Some(region) = self.region.as_ref() else {
            return Value::Label(code);
        };
        let Some(at) = region.of_row(columns, row) else {
            return Value::Label(code);
        };
        let (length, prefixes) = (region.length, &region.by_region[at].1);
        let (start, rest) = split_chars(&code, length);
        let known = prefixes.items().iter().any(|prefix| **prefix == *start);
        let code = match known || start.chars().count() < length {
            true => code,
            false => Arc::from(format!("{}{rest}", prefixes.draw(rng))),
        };
        match region.spans.get(at).copied().flatten() {
            Some(span) => Value::Label(span.put(code, length, row)),
            None => Value::Label(code),
        }
    }

    /// The shape of `country`'s postcodes, when it has one, else the column's.
    fn shape_of(&self, country: Option<&str>) -> &IdShape {
        let found = country.and_then(|country| {
            let at = self
                .by_country
                .binary_search_by(|(known, _)| known.as_ref().cmp(country));
            at.ok()
        });
        found.map_or(&self.shape, |at| &self.by_country[at].1)
    }

    /// Whether a model read from a file can be drawn.
    pub fn check(&self) -> bool {
        self.by_country.is_sorted_by(|a, b| a.0 < b.0)
            && self.by_country.iter().all(|(_, shape)| shape.check())
            && self.shape.check()
            && self.region.as_ref().is_none_or(|region| {
                (1..=3).contains(&region.length)
                    && region.by_region.is_sorted_by(|a, b| a.0 < b.0)
                    && (region.spans.is_empty() || region.spans.len() == region.by_region.len())
                    && region.spans.iter().flatten().all(Span::check)
                    && region.by_region.iter().all(|(_, prefixes)| {
                        prefixes.check()
                            && prefixes
                                .items()
                                .iter()
                                .all(|p| p.chars().count() == region.length)
                    })
            })
    }
}

impl RegionPrefixes {
    /// The prefixes of `codes` by the region column `column`: `None` when the region does not
    /// tell the first character ([`TELLING_SHARE`]), or no length keeps enough pairs.
    fn learn(table: &Table, column: usize, codes: &Column, min_count: usize) -> Option<Self> {
        let pairs: Vec<(&str, &str)> = table.columns[column]
            .values
            .iter()
            .zip(&codes.values)
            .filter_map(|pair| match pair {
                (Value::Label(region), Value::Label(code)) => Some((&**region, &**code)),
                _ => None,
            })
            .collect();
        if pairs.is_empty() || telling_share(&pairs) < TELLING_SHARE {
            return None;
        }
        LENGTHS.iter().find_map(|&length| {
            let (by_region, covered) = kept_prefixes(&pairs, length, min_count);
            let spans = spans_of(&by_region, &pairs, min_count);
            (covered as f64 >= COVERED_SHARE * pairs.len() as f64).then_some(RegionPrefixes {
                column,
                length,
                by_region,
                spans,
            })
        })
    }

    /// Where in `by_region` the region `row` holds is, when it has prefixes.
    fn of_row(&self, columns: &[Column], row: usize) -> Option<usize> {
        let Value::Label(region) = columns.get(self.column)?.values.get(row)? else {
            return None;
        };
        self.by_region
            .binary_search_by(|(known, _)| known.as_ref().cmp(region))
            .ok()
    }
}

impl Span {
    /// The span of a region's `codes`, when they are all numbers of one number of digits and
    /// at least twice the threshold: the threshold's lowest and highest (`min_count`-th from
    /// each end).
    fn of(codes: &[&str], min_count: usize) -> Option<Span> {
        let digits = codes.first()?.len();
        let numeric =
            |code: &&str| code.len() == digits && code.bytes().all(|b| b.is_ascii_digit());
        if digits > SPAN_DIGITS || codes.len() < 2 * min_count.max(1) || !codes.iter().all(numeric)
        {
            return None;
        }
        let mut numbers: Vec<u32> = codes.iter().filter_map(|code| code.parse().ok()).collect();
        numbers.sort_unstable();
        let inside = min_count.max(1) - 1;
        Some(Span {
            low: numbers[inside],
            high: numbers[numbers.len() - 1 - inside],
            digits: digits as u8,
        })
    }

    /// `code` as drawn when it lies in the span or is not a number of its digits; else a
    /// number of the span drawn evenly, among those of `code`'s first `length` digits where
    /// the span has some (the region's prefix kept). Drawn from a hash of the code and `row`,
    /// not the table's stream: the columns drawn after it keep their draws.
    fn put(&self, code: Arc<str>, length: usize, row: usize) -> Arc<str> {
        let digits = usize::from(self.digits);
        let Some(number) = (code.len() == digits)
            .then(|| code.parse::<u32>().ok())
            .flatten()
        else {
            return code;
        };
        if (self.low..=self.high).contains(&number) {
            return code;
        }
        let unit = 10u32.pow(digits.saturating_sub(length) as u32);
        let first = number / unit * unit;
        let (low, high) = (
            self.low.max(first),
            self.high.min(first.saturating_add(unit - 1)),
        );
        let (low, high) = if low <= high {
            (low, high)
        } else {
            (self.low, self.high)
        };
        let uniform = crate::sampling::row_uniform(u64::from(number), row as u64);
        let drawn = u64::from(low) + (uniform * f64::from(high - low + 1)) as u64;
        Arc::from(format!("{:0digits$}", drawn.min(u64::from(high))))
    }

    fn check(&self) -> bool {
        let digits = usize::from(self.digits);
        (1..=SPAN_DIGITS).contains(&digits)
            && self.low <= self.high
            && u64::from(self.high) < 10u64.pow(digits as u32)
    }
}

/// The span of each region of `by_region` (in its order) from `pairs`; empty when none has one.
fn spans_of(by_region: &[Prefixes], pairs: &[(&str, &str)], min_count: usize) -> Vec<Option<Span>> {
    let mut codes: FastMap<&str, Vec<&str>> = FastMap::default();
    for (region, code) in pairs {
        codes.entry(region).or_default().push(code);
    }
    let spans: Vec<Option<Span>> = by_region
        .iter()
        .map(|(region, _)| Span::of(codes.get(&**region)?, min_count))
        .collect();
    match spans.iter().any(Option::is_some) {
        true => spans,
        false => Vec::new(),
    }
}

/// The share of (region, postcode) pairs whose postcode's first character is the one most of
/// its region's postcodes start with.
fn telling_share(pairs: &[(&str, &str)]) -> f64 {
    let mut counts: FastMap<(&str, char), usize> = FastMap::default();
    for (region, code) in pairs {
        if let Some(first) = code.chars().next() {
            *counts.entry((region, first)).or_default() += 1;
        }
    }
    let mut most: FastMap<&str, usize> = FastMap::default();
    for ((region, _), count) in counts {
        let best = most.entry(region).or_default();
        *best = (*best).max(count);
    }
    most.values().sum::<usize>() as f64 / pairs.len() as f64
}

/// Each region's prefixes of `length` characters seen in at least `min_count` of its rows
/// (sorted by region), and how many rows those pairs cover.
fn kept_prefixes(
    pairs: &[(&str, &str)],
    length: usize,
    min_count: usize,
) -> (Vec<Prefixes>, usize) {
    let mut by_region: FastMap<&str, Vec<&str>> = FastMap::default();
    for (region, code) in pairs {
        let (prefix, _) = split_chars(code, length);
        if prefix.chars().count() == length {
            by_region.entry(region).or_default().push(prefix);
        }
    }
    let mut kept: Vec<Prefixes> = by_region
        .into_iter()
        .filter_map(|(region, prefixes)| {
            let frequent = Weighted::frequent(prefixes.into_iter().map(Arc::from), min_count)?;
            Some((Arc::from(region), frequent))
        })
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let covered = kept.iter().map(|(_, p)| p.total() as usize).sum();
    (kept, covered)
}

/// The shape of the postcodes of each country of at least [`COUNTRY_ROWS`] real rows, sorted
/// by country; none unless two countries have one.
fn shapes_by_country(
    codes: &Column,
    countries: &[Option<String>],
    min_count: usize,
) -> Vec<(Arc<str>, IdShape)> {
    let mut by_country: std::collections::BTreeMap<&str, Vec<Arc<str>>> = Default::default();
    for (value, country) in codes.values.iter().zip(countries) {
        if let (Value::Label(code), Some(country)) = (value, country) {
            by_country
                .entry(country)
                .or_default()
                .push(Arc::clone(code));
        }
    }
    let shapes: Vec<(Arc<str>, IdShape)> = by_country
        .into_iter()
        .filter(|(_, codes)| codes.len() >= COUNTRY_ROWS.max(min_count))
        .map(|(country, codes)| {
            (
                Arc::from(country),
                IdShape::learn(codes.into_iter(), min_count),
            )
        })
        .collect();
    match shapes.len() >= 2 {
        true => shapes,
        false => Vec::new(),
    }
}

/// The first `length` characters of `text` and the rest.
fn split_chars(text: &str, length: usize) -> (&str, &str) {
    let at = text
        .char_indices()
        .nth(length)
        .map_or(text.len(), |(at, _)| at);
    text.split_at(at)
}

/// The columns of a table that may tell a postcode's region: labels of a state or a city the
/// table model draws (`regenerated`: whether a semantic generator replaces the column). A city
/// tells more than its state: Boston's ZIP codes all start `021`, Massachusetts' with three
/// prefixes, and a Boston patient drawn a prefix of the state lived at `01676` one time in
/// three.
pub fn region_columns(
    table: &Table,
    types: &[SemanticType],
    regenerated: impl Fn(usize) -> bool,
) -> Vec<usize> {
    types
        .iter()
        .enumerate()
        .filter(|&(index, kind)| {
            matches!(kind, SemanticType::State | SemanticType::City)
                && table.columns[index].kind == ColumnKind::Categorical
                && !regenerated(index)
        })
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_tells_first_characters_when_its_rows_share_them() {
        let told = [
            ("TX", "75001"),
            ("TX", "76002"),
            ("WA", "98003"),
            ("WA", "99004"),
        ];
        assert_eq!(telling_share(&told), 1.0);
        let mixed = [
            ("TX", "75001"),
            ("TX", "16002"),
            ("WA", "98003"),
            ("WA", "39004"),
        ];
        assert_eq!(telling_share(&mixed), 0.5);
        assert_eq!(split_chars("Ä1B 2", 2), ("Ä1", "B 2"));
        assert_eq!(split_chars("9", 3), ("9", ""));
        let pairs: Vec<(&str, &str)> = (0..12)
            .map(|i| (["TX", "WA"][i % 2], ["75001", "98123"][i % 2]))
            .collect();
        let (kept, covered) = kept_prefixes(&pairs, 3, 6);
        assert_eq!(covered, 12);
        let regions: Vec<&str> = kept.iter().map(|(region, _)| &**region).collect();
        assert_eq!(regions, ["TX", "WA"]);
        assert_eq!(kept[1].1.items(), [Arc::from("981")]);
        assert_eq!(
            kept_prefixes(&pairs, 3, 7).1,
            0,
            "pairs below the threshold are not kept"
        );
    }

    #[test]
    fn a_code_outside_its_span_is_drawn_inside_keeping_its_prefix() {
        let codes: Vec<String> = (0..40).map(|i| format!("{:05}", 73_010 + i)).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let span = Span::of(&codes, 5).expect("numeric codes of one length");
        assert_eq!((span.low, span.high, span.digits), (73_014, 73_045, 5));
        assert!(
            Span::of(&codes[..9], 5).is_none(),
            "fewer than twice the threshold"
        );
        assert!(Span::of(&["7301", "73011"], 1).is_none(), "two lengths");
        assert_eq!(&*span.put(Arc::from("73020"), 3, 0), "73020");
        assert_eq!(&*span.put(Arc::from("SW1A"), 3, 0), "SW1A");
        for row in 0..50 {
            let put = span.put(Arc::from("73099"), 3, row);
            let number: u32 = put.parse().expect("a number");
            assert!((73_014..=73_045).contains(&number), "{put}");
        }
        let put = span.put(Arc::from("99999"), 3, 7);
        assert!(
            put.starts_with("730"),
            "a prefix outside the span takes the span's: {put}"
        );
        assert!(span.check());
    }
}
