//! The distribution of one column on its own, with the privacy protections built in.
//!
//! Used as the whole model by the reference model, and as the fallback of learned models.
//! Numbers are drawn by smoothed inverse-CDF sampling between the protected bounds (so real
//! values are not replayed and extremes are clipped), categories by their frequencies without the
//! rare ones, ids in the shape of the real ones but never a real one, text from common words.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;
use crate::stats::FastSet;

/// A fitted one-column distribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Marginal {
    null_rate: f64,
    shape: Shape,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Shape {
    /// Never anything but null (a column of all nulls).
    Empty,
    /// Sorted values inside the protected bounds; `integer` rounds draws.
    Number {
        #[serde(with = "super::stored::repeats")]
        sorted: Vec<f64>,
        integer: bool,
    },
    /// Labels with cumulative weights (rare labels removed).
    Category(Weighted<Arc<str>>),
    /// Labels nearly every row holds rarely (TPC-DS's item formulations,
    /// `82559844slate1538271`, no more than three rows each): the frequent ones by their weights and, as often as real rows
    /// hold a rare one, a fresh label in the shape of the real ones. Without them, every rare
    /// label was written as a frequent one: three formulations for 180 items, each sixty times.
    /// Since format 28.
    Coded {
        frequent: Weighted<Arc<str>>,
        fresh: IdShape,
        /// The share of the rows with a rare label.
        fresh_share: f64,
    },
    /// Probability of true.
    Flag(f64),
    /// Fresh identifiers in the shape of the real ones.
    Id(IdShape),
    /// Free text: words per value, and words with their frequencies.
    Text {
        lengths: Vec<usize>,
        words: Weighted<Arc<str>>,
    },
    /// A value whose text another stage writes (see [`Marginal::presence`]): an empty label
    /// that only says the cell is not empty.
    Present {
        #[serde(skip)]
        placeholder: Arc<str>,
    },
}

impl Marginal {
    /// Fits the distribution of `column` with privacy threshold `min_count`
    /// (see [`crate::model::Privacy::threshold`]).
    ///
    /// Rare labels are written afresh ([`Shape::Coded`]) when [`FRESH_SHARE`] of the rows hold
    /// one and `fresh` allows it (a column a semantic generator fills keeps some drawn labels
    /// as they are).
    pub fn fit(column: &Column, min_count: usize, fresh: bool) -> Marginal {
        let present: Vec<&Value> = column.values.iter().filter(|v| !v.is_null()).collect();
        let null_rate = if column.values.is_empty() {
            0.0
        } else {
            1.0 - present.len() as f64 / column.values.len() as f64
        };
        let shape = if present.is_empty() {
            Shape::Empty
        } else {
            fit_shape(column, &present, min_count, fresh)
        };
        Marginal { null_rate, shape }
    }

    /// Only whether cells of `column` are empty, for a column whose values another stage
    /// writes: the semantic generators write every non-empty cell of a text, e-mail, phone or
    /// id column afresh, so learning (and storing, and drawing) its words would be for nothing.
    pub fn presence(column: &Column) -> Marginal {
        let present = column.values.iter().filter(|v| !v.is_null()).count();
        let null_rate = if column.values.is_empty() {
            0.0
        } else {
            1.0 - present as f64 / column.values.len() as f64
        };
        let shape = if present == 0 {
            Shape::Empty
        } else {
            Shape::Present {
                placeholder: Arc::default(),
            }
        };
        Marginal { null_rate, shape }
    }

    /// The distribution of the cells that are not empty: for a column whose empty cells a tree
    /// draws.
    pub fn never_empty(self) -> Marginal {
        Marginal {
            null_rate: 0.0,
            ..self
        }
    }

    /// A fresh label for a rare one drawn, for a column whose rows mostly hold rare labels
    /// ([`Shape::Coded`]); `None` for other columns.
    pub fn fresh_label(&self, rng: &mut SynthRng) -> Option<Value> {
        match &self.shape {
            Shape::Coded { fresh, .. } => Some(Value::Label(fresh.draw(rng))),
            _ => None,
        }
    }

    /// The shape of the column's fresh ids, when it draws nothing else and every real value
    /// was distinct ([`IdShape::distinct`]).
    pub fn distinct_ids(&self) -> Option<&IdShape> {
        match &self.shape {
            Shape::Id(shape) if shape.distinct() => Some(shape),
            _ => None,
        }
    }

    /// Whether [`Marginal::sample`] never gives null.
    pub fn never_null(&self) -> bool {
        self.null_rate <= 0.0 && !matches!(self.shape, Shape::Empty)
    }

    /// Draws one value (possibly null).
    pub fn sample(&self, rng: &mut SynthRng) -> Value {
        if self.null_rate > 0.0 && rng.random::<f64>() < self.null_rate {
            return Value::Null;
        }
        self.sample_present(rng)
    }

    /// A draw that is not empty (unless the column never holds a value).
    pub fn sample_present(&self, rng: &mut SynthRng) -> Value {
        match &self.shape {
            Shape::Empty => Value::Null,
            Shape::Number { sorted, integer } => {
                let x = smoothed_quantile(sorted, rng.random());
                Value::Number(if *integer { x.round() } else { x })
            }
            Shape::Category(labels) => Value::Label(labels.draw(rng).clone()),
            Shape::Coded {
                frequent,
                fresh,
                fresh_share,
            } => Value::Label(if rng.random::<f64>() < *fresh_share {
                fresh.draw(rng)
            } else {
                frequent.draw(rng).clone()
            }),
            Shape::Flag(p) => Value::Flag(rng.random::<f64>() < *p),
            Shape::Id(shape) => Value::Label(shape.draw(rng)),
            Shape::Present { placeholder } => Value::Label(Arc::clone(placeholder)),
            Shape::Text { lengths, words } => {
                let count = lengths[rng.random_range(0..lengths.len())];
                let text: Vec<&str> = (0..count).map(|_| words.draw(rng).as_ref()).collect();
                Value::Label(Arc::from(text.join(" ")))
            }
        }
    }
}

/// The most words a text value, or characters an id, may have in a model file.
const MAX_DRAWN_LENGTH: usize = 100_000;

impl Marginal {
    /// Checks a distribution read from a model file: rates are rates, and nothing it draws from
    /// is empty (a draw would index nothing) or absurdly long (a draw would allocate it).
    pub fn check(&self) -> Result<(), String> {
        let rate = |p: f64| (0.0..=1.0).contains(&p);
        let ok = rate(self.null_rate)
            && match &self.shape {
                Shape::Empty | Shape::Present { .. } => true,
                Shape::Number { sorted, .. } => {
                    !sorted.is_empty() && sorted.iter().all(|x| x.is_finite())
                }
                Shape::Category(labels) => labels.check(),
                Shape::Coded {
                    frequent,
                    fresh,
                    fresh_share,
                } => frequent.check() && fresh.check() && rate(*fresh_share),
                Shape::Flag(p) => rate(*p),
                Shape::Id(shape) => shape.check(),
                Shape::Text { lengths, words } => {
                    !lengths.is_empty()
                        && lengths.iter().all(|&n| n <= MAX_DRAWN_LENGTH)
                        && words.check()
                }
            };
        ok.then_some(())
            .ok_or_else(|| "a column distribution that cannot be drawn from".to_string())
    }
}

impl<T> Weighted<T> {
    /// Whether it can be drawn from (items, and one cumulative weight per item).
    pub(crate) fn check(&self) -> bool {
        !self.items.is_empty() && self.items.len() == self.cumulative.len()
    }
}

impl IdShape {
    /// Whether it can be drawn from, within the drawn-length bound, its letter lists sorted
    /// and each holding letters of its class only.
    pub(crate) fn check(&self) -> bool {
        !self.templates.is_empty()
            && self.prefix.len() + self.suffix.len() <= MAX_DRAWN_LENGTH
            && self.templates.iter().all(|t| t.len() <= MAX_DRAWN_LENGTH)
            && self.letters.as_deref().is_none_or(Letters::check)
            && self.upper.len() <= 26
            && self.upper.iter().all(char::is_ascii_uppercase)
            && self.upper.windows(2).all(|pair| pair[0] < pair[1])
            && self.digits.windows(2).all(|pair| pair[0].0 < pair[1].0)
            && (self.digits.iter()).all(|(template, masks)| {
                template.len() <= MAX_DRAWN_LENGTH && masks.len() <= template.len()
            })
    }
}

impl Letters {
    /// Lists sorted, not too many, each drawable and of lower-case letters; hashes sorted.
    fn check(&self) -> bool {
        let follows = |follow: &Follow| {
            follow.letters.check() && follow.letters.items().iter().all(char::is_ascii_lowercase)
        };
        let sorted = |pair: &[Follow]| pair[0].after < pair[1].after;
        self.follows.len() <= MAX_FOLLOWS
            && self.follows.windows(2).all(sorted)
            && self.follows.iter().all(follows)
            && self.real.windows(2).all(|pair| pair[0] < pair[1])
            && self.words.windows(2).all(|pair| pair[0].0 < pair[1].0)
            && self.words.iter().all(|(length, words)| {
                words.check() && words.items().iter().all(|w| w.chars().count() == *length)
            })
    }
}

/// The share of rows with a rare label from which rare labels are written afresh
/// ([`Shape::Coded`]): TPC-DS's item formulations (95%). Not its item ids (50%), brands (61%)
/// and manufacturers (70%): from half the rows on, fresh labels cost the evaluation's scores
/// of categories more than the repetition they end (TPC-DS -0.003 on six seeds, against
/// -0.0003 at 90%); nor its classes (36%) and colours (31%), words real rows repeat too.
const FRESH_SHARE: f64 = 0.9;

fn fit_shape(column: &Column, present: &[&Value], min_count: usize, fresh: bool) -> Shape {
    let labels = || present.iter().filter_map(|v| label(v));
    match column.kind {
        ColumnKind::Numerical | ColumnKind::Datetime => {
            let numbers: Vec<f64> = present.iter().filter_map(|v| v.as_number()).collect();
            Shape::Number {
                sorted: protected_sorted(numbers, min_count),
                integer: matches!(column.format, crate::data::ValueFormat::Integer),
            }
        }
        ColumnKind::Boolean => {
            let trues = present
                .iter()
                .filter(|v| matches!(v, Value::Flag(true)))
                .count();
            Shape::Flag(trues as f64 / present.len() as f64)
        }
        ColumnKind::Categorical => match Weighted::frequent(labels(), min_count) {
            Some(weighted) => {
                let frequent: FastSet<&str> = weighted.items().iter().map(|l| l.as_ref()).collect();
                let held = labels().filter(|l| frequent.contains(l.as_ref())).count();
                let fresh_share = 1.0 - held as f64 / present.len() as f64;
                if fresh && fresh_share >= FRESH_SHARE {
                    Shape::Coded {
                        frequent: weighted,
                        fresh: IdShape::learn(labels(), min_count),
                        fresh_share,
                    }
                } else {
                    Shape::Category(weighted)
                }
            }
            None => Shape::Id(IdShape::learn(labels(), min_count)),
        },
        ColumnKind::Id => Shape::Id(IdShape::learn(labels(), min_count)),
        ColumnKind::Text => {
            let lengths = labels().map(|t| t.split_whitespace().count()).collect();
            let words = labels().flat_map(|text| {
                text.split_whitespace()
                    .map(Arc::from)
                    .collect::<Vec<Arc<str>>>()
            });
            match Weighted::frequent(words, min_count) {
                Some(words) => Shape::Text { lengths, words },
                None => Shape::Id(IdShape::learn(labels(), min_count)),
            }
        }
    }
}

fn label(value: &Value) -> Option<Arc<str>> {
    match value {
        Value::Label(text) => Some(text.clone()),
        _ => None,
    }
}

/// Sorted values with the `min_count - 1` most extreme on each side removed (when there are
/// enough values to spare them), so no individual's extreme value can be drawn.
fn protected_sorted(mut numbers: Vec<f64>, min_count: usize) -> Vec<f64> {
    numbers.sort_by(f64::total_cmp);
    let trim = min_count.saturating_sub(1);
    if numbers.len() > 4 * trim + 1 {
        numbers.truncate(numbers.len() - trim);
        numbers.drain(..trim);
    }
    numbers
}

/// Inverse of the piecewise-linear empirical CDF at `u` in [0, 1): between two neighbouring
/// order statistics, so spikes (repeated values) survive and other values are not replayed.
pub fn smoothed_quantile(sorted: &[f64], u: f64) -> f64 {
    if sorted.len() == 1 {
        return sorted[0];
    }
    let position = u * (sorted.len() - 1) as f64;
    // A cast truncates, which for a position (never below 0) is its floor, without the call to
    // a floor written in software that `floor()` is on x86-64's baseline (no SSE4.1).
    let low = position as usize;
    let high = (low + 1).min(sorted.len() - 1);
    let fraction = position - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * fraction
}

/// Items with cumulative weights, for drawing in proportion to frequency.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
    /// Where to start looking for each of `cumulative.len()` equal slices of the total weight
    /// (a guide table, built on the first draw from a long list): a draw then looks at an
    /// item or two instead of binary-searching the list. Text models draw every word this way.
    #[serde(skip)]
    guide: OnceLock<Option<Vec<u32>>>,
}

/// Lists shorter than this are binary-searched (a guide would not save anything).
const GUIDED: usize = 32;

impl<T> Weighted<T> {
    /// Draws one item in proportion to its weight.
    pub fn draw(&self, rng: &mut SynthRng) -> &T {
        &self.items[self.draw_index(rng)]
    }

    /// [`Weighted::draw`] giving the item's place in [`Weighted::items`].
    pub fn draw_index(&self, rng: &mut SynthRng) -> usize {
        let guide = self.guide.get_or_init(|| guide(&self.cumulative));
        draw_cumulative(&self.cumulative, guide.as_deref(), rng)
    }

    /// The items, in drawing order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The cumulative weights of the items, for a caller that lays many lists out together
    /// in a form of its own (the text model's alias tables).
    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }
}

/// The place of an item drawn in proportion to its weight, from the items' cumulative weights
/// (not empty) and their guide ([`guide`], if any): what [`Weighted::draw_index`] draws.
fn draw_cumulative(cumulative: &[f64], guide: Option<&[u32]>, rng: &mut SynthRng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = rng.random::<f64>() * total;
    let index = match guide {
        Some(guide) => guided_search(cumulative, guide, target, total),
        None => cumulative.partition_point(|&c| c <= target),
    };
    index.min(cumulative.len().saturating_sub(1))
}

/// The first item whose cumulative weight exceeds `target` (what a binary search finds),
/// looked for from the guide's start for `target`'s slice of the total.
fn guided_search(cumulative: &[f64], guide: &[u32], target: f64, total: f64) -> usize {
    let slice = (target / total * guide.len() as f64) as usize;
    let mut index = guide.get(slice).map_or(0, |&start| start as usize);
    if index > 0 && cumulative.get(index - 1).is_none_or(|&c| c > target) {
        // Rounding put the target before its slice: search the usual way.
        return cumulative.partition_point(|&c| c <= target);
    }
    while cumulative.get(index).is_some_and(|&c| c <= target) {
        index += 1;
    }
    index
}

impl<T: PartialEq> Weighted<T> {
    /// The total weight (for counts: how many were seen).
    pub fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// Whether `item` is one of the items.
    pub fn contains(&self, item: &T) -> bool {
        self.items.contains(item)
    }
}

impl<T: std::hash::Hash + Ord> Weighted<T> {
    /// The items seen at least `min_count` times, weighted by frequency, in a stable order
    /// (most frequent first, ties by item). `None` when every item is rare.
    pub fn frequent(items: impl Iterator<Item = T>, min_count: usize) -> Option<Self> {
        let mut counts: HashMap<T, usize> = HashMap::new();
        for item in items {
            *counts.entry(item).or_default() += 1;
        }
        let mut kept: Vec<(T, usize)> = counts
            .into_iter()
            .filter(|(_, count)| *count >= min_count)
            .collect();
        if kept.is_empty() {
            return None;
        }
        kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut total = 0.0;
        let cumulative = kept
            .iter()
            .map(|(_, count)| {
                total += *count as f64;
                total
            })
            .collect();
        Some(Weighted {
            items: kept.into_iter().map(|(item, _)| item).collect(),
            cumulative,
            guide: OnceLock::new(),
        })
    }
}

/// For each of `cumulative.len()` equal slices of the total weight, the first item whose
/// cumulative weight exceeds the slice's start; `None` for short lists and weights that are
/// not positive and finite.
fn guide(cumulative: &[f64]) -> Option<Vec<u32>> {
    let total = *cumulative.last()?;
    let slices = cumulative.len();
    if slices < GUIDED || !(total.is_finite() && total > 0.0) || u32::try_from(slices).is_err() {
        return None;
    }
    let mut index = 0;
    let starts = (0..slices).map(|slice| {
        let start = total * slice as f64 / slices as f64;
        while index < slices && cumulative[index] <= start {
            index += 1;
        }
        index as u32
    });
    Some(starts.collect())
}

/// The shape of identifiers: the prefix and suffix every value shares, character-class
/// templates of the varying middle (`9` digit, `a`/`A` letter, anything else kept as is), and
/// which letter follows which in the middles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdShape {
    prefix: String,
    suffix: String,
    #[serde(with = "super::stored::repeats")]
    templates: Vec<String>,
    /// How lower-case letters follow one another, when the real middles have any that do
    /// (since format 7).
    letters: Option<Box<Letters>>,
    /// The upper-case letters the real middles hold, each in at least the privacy threshold of
    /// places, sorted (empty: any): TPC-DS's ids spell numbers in `A` to `P`, and a `Q` to `Z`
    /// among them reads as made up. Since format 34.
    #[serde(default)]
    upper: Vec<char>,
    /// Whether every real value is distinct (at least two): a column of such ids is a key to
    /// the rows a database may hold unique, and generation keeps its values distinct too
    /// (`generate::distinct`). Since format 34.
    #[serde(default)]
    distinct: bool,
    /// For each template (sorted) whose digits keep to some values in some place, the digits
    /// each of its places takes (a bit per digit seen there in at least the privacy threshold
    /// of its real ids; every digit where none is): SSN-like ids never start with 9, two-digit
    /// numbers never with 0, and digits drawn at random wrote a tenth of them so. Since format 45.
    #[serde(default)]
    digits: Vec<(String, Vec<u16>)>,
}

/// The lower-case letters that follow each character (or the start of the middle) in the real
/// ids: a fresh id's letters follow them, so names made of syllables (TPC-DS's `ableought`)
/// come out as syllables where letters drawn at random read as noise (`vvmnlfdhyuie`). Only
/// pairs seen in at least the privacy threshold of places are kept. Upper-case letters are not
/// chained: they spell codes (`AAAAAAAABAAAAAAA`) whose real values chained letters would mostly
/// replay; they are drawn from the real ones (`IdShape::upper`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Letters {
    /// Sorted by the character before.
    follows: Vec<Follow>,
    /// The runs of lower-case letters between digits seen at least the privacy threshold of
    /// times, by length (sorted): TPC-DS's formulations hold a colour among digits
    /// (`648935peach259354618`), which letters chained one by one garbled (`62327141859553puroy3`).
    /// Since format 38.
    #[serde(default)]
    words: Vec<(usize, Weighted<Arc<str>>)>,
    /// The sorted hashes ([`text_hash`]) of the real values, so that a drawn id that is a real
    /// one is drawn again (syllables can rebuild a short real name).
    real: Vec<u64>,
}

/// The lower-case letters seen after one character, with their counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Follow {
    /// The character before ([`START`] at the start of the middle).
    after: char,
    letters: Weighted<char>,
}

/// What a middle's first letter follows.
const START: char = '\0';

/// How many times an id that is a real value is drawn again by its letter lists.
const REDRAWN_IDS: usize = 8;

/// How many characters an id's middle may widen by when its shape holds only real values: the
/// prefix's last characters first (`Customer#0000` + `99` becomes `Customer#000` + `999`, as
/// long as before), then characters more.
const MAX_WIDER: usize = 16;

/// A 64-bit FNV-1a hash of a value's text, stable across runs and platforms: what
/// [`IdShape`] and the text model (`semantic::text`) keep of real values to refuse replaying
/// them.
pub fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The most follow lists an id shape read from a model file may hold: a list per character
/// seen, so a few hundred in any real column.
const MAX_FOLLOWS: usize = 100_000;

impl IdShape {
    /// Learns the shape from real values: classes of characters, and the letter pairs seen at
    /// least `min_count` times; never values.
    pub fn learn(values: impl Iterator<Item = Arc<str>>, min_count: usize) -> IdShape {
        let values: Vec<Arc<str>> = values.collect();
        let prefix = common_affix(&values, |v| v.chars().collect());
        let suffix = common_affix(&values, |v| v.chars().rev().collect())
            .chars()
            .rev()
            .collect::<String>();
        // Within what a model file may hold ([`IdShape::check`]): an id of 131,072 characters
        // gave a model file its own `generate` refused.
        let (prefix, suffix) = match prefix.len() + suffix.len() <= MAX_DRAWN_LENGTH {
            true => (prefix, suffix),
            false => (String::new(), String::new()),
        };
        let mut templates: Vec<String> = values
            .iter()
            .filter_map(|value| {
                let middle = value.strip_prefix(prefix.as_str())?;
                let middle = middle.strip_suffix(suffix.as_str()).unwrap_or(middle);
                Some(middle.chars().map(char_class).collect::<String>())
            })
            .filter(|template| template.len() <= MAX_DRAWN_LENGTH)
            .collect();
        let follows = letter_pairs(&values, &prefix, &suffix, min_count);
        let upper = upper_letters(&values, (&prefix, &suffix), min_count);
        let digits = digit_places(&values, (&prefix, &suffix), min_count);
        let mut real: Vec<u64> = values.iter().map(|value| text_hash(value)).collect();
        real.sort_unstable();
        real.dedup();
        let distinct = values.len() >= 2 && real.len() == values.len();
        // The real values' hashes are kept whatever the shape (digits only too): a drawn id
        // that is a real one is drawn again.
        let words = letter_words(&values, (&prefix, &suffix), min_count);
        let letters = (!values.is_empty()).then(|| {
            Box::new(Letters {
                follows,
                real,
                words,
            })
        });
        templates.sort_unstable();
        if templates.is_empty() {
            templates.push("AAAA".to_string());
        }
        IdShape {
            prefix,
            suffix,
            templates,
            letters,
            upper,
            distinct,
            digits,
        }
    }

    /// The digits each digit place of `template` takes ([`IdShape::digits`]; empty: any).
    fn digits_of(&self, template: &str) -> &[u16] {
        self.digits
            .binary_search_by(|(known, _)| known.as_str().cmp(template))
            .map_or(&[][..], |at| &self.digits[at].1)
    }

    /// Whether every real value was distinct: see [`IdShape::draw_avoiding`].
    pub fn distinct(&self) -> bool {
        self.distinct
    }

    /// A fresh identifier: a template's digits at random, its lower-case letters each after
    /// the character before it as in the real values (at random where no pair was seen often
    /// enough; a run among digits whole, as one of the real runs of its length, where there
    /// is one: `Letters::words`), drawn again while it is a real value, then with letters at
    /// random; where the real values fill the shape (`X00` to `X99`), its middle widens (into
    /// the prefix, then past it) until the id is no real one.
    pub fn draw(&self, rng: &mut SynthRng) -> Arc<str> {
        self.draw_avoiding(rng, |_| false)
    }

    /// A fresh identifier as [`IdShape::draw`] makes one, drawn again (and widened) while it is
    /// `taken` as well: what keeps the ids of a column whose real ids are distinct distinct.
    /// Where the shape's every width is full, the last draw is kept.
    pub fn draw_avoiding(&self, rng: &mut SynthRng, taken: impl Fn(&str) -> bool) -> Arc<str> {
        let Some(letters) = &self.letters else {
            // A shape learned from no value.
            return Arc::from(self.draw_once(rng, None, 0));
        };
        let avoided = |id: &str| letters.is_real(id) || taken(id);
        for _ in 0..REDRAWN_IDS {
            let id = self.draw_once(rng, Some(letters), 0);
            if !avoided(&id) {
                return Arc::from(id);
            }
        }
        let mut id = self.draw_once(rng, None, 0);
        // Each width is tried a few times before the next: it widens only where it is full.
        let widths = (1..=MAX_WIDER).flat_map(|wider| std::iter::repeat_n(wider, REDRAWN_IDS));
        for wider in widths {
            if !avoided(&id) {
                break;
            }
            id = self.draw_once(rng, None, wider);
        }
        Arc::from(id)
    }

    /// An id of a template drawn at random, its lower-case letters drawn by `letters` if given,
    /// its middle `wider` characters wider: it takes in the prefix's last characters (each
    /// drawn by its class), then grows by characters of the template's last class.
    fn draw_once(&self, rng: &mut SynthRng, letters: Option<&Letters>, wider: usize) -> String {
        let template = &self.templates[rng.random_range(0..self.templates.len())];
        let cut = (self.prefix.char_indices().rev().take(wider).last())
            .map_or(self.prefix.len(), |(at, _)| at);
        let (prefix, opened) = self.prefix.split_at(cut);
        let opened_length = opened.chars().count();
        let longer = wider.saturating_sub(opened_length);
        // The digits each class may take: the template's digit places keep to theirs.
        let mut places = self.digits_of(template).iter();
        let masks: Vec<Option<u16>> = (opened.chars().map(|_| None))
            .chain(template.chars().map(|c| match c {
                '9' => places.next().copied(),
                _ => None,
            }))
            .chain(std::iter::repeat_n(None, longer))
            .collect();
        let last = template.chars().last().unwrap_or('9');
        let classes: Vec<char> = (opened.chars().map(char_class))
            .chain(template.chars())
            .chain(std::iter::repeat_n(last, longer))
            .collect();
        // Whole words only among digits, where they cannot spell a real id again.
        let words = letters.filter(|_| classes.contains(&'9'));
        let mut before = START;
        let mut middle = String::new();
        let mut at = 0;
        while at < classes.len() {
            let run = classes[at..].iter().take_while(|&&c| c == 'a').count();
            let starts_run = at == 0 || classes[at - 1] != 'a';
            if let Some(word) = words.and_then(|w| w.word(run)).filter(|_| starts_run) {
                let word = word.draw(rng);
                middle.push_str(word);
                before = word.chars().last().unwrap_or(before);
                at += run;
                continue;
            }
            let class = classes[at];
            let follow = letters.and_then(|letters| letters.after(before, class));
            let mask = masks[at].filter(|_| class == '9');
            let drawn = match (follow, mask) {
                (Some(follow), _) => *follow.draw(rng),
                (None, Some(mask)) => digit_in(mask, rng),
                (None, None) => fill_class(class, &self.upper, rng),
            };

            before = drawn;
            middle.push(drawn);
            at += 1;
        }
        format!("{prefix}{middle}{}", self.suffix)
    }
}

/// A digit among those `mask` allows (a bit per digit); any digit as [`fill_class`] draws it
/// when the mask allows every digit or none.
fn digit_in(mask: u16, rng: &mut SynthRng) -> char {
    let allowed = mask & ALL_DIGITS;
    if allowed == 0 || allowed == ALL_DIGITS {
        return fill_class('9', &[], rng);
    }
    let nth = rng.random_range(0..allowed.count_ones());
    let digit = (0..10u8)
        .filter(|d| allowed & (1 << d) != 0)
        .nth(nth as usize);
    char::from(b'0' + digit.unwrap_or(0))
}

/// How many ids a template kept to its digits ([`IdShape::digits`]) must hold per real id of
/// it, at least.
const ROOM_PER_ID: f64 = 100.0;

/// How many digits a mask of [`IdShape::digits`] allows (all ten when it allows none).
fn digits_of(mask: u16) -> u32 {
    match (mask & ALL_DIGITS).count_ones() {
        0 => 10,
        n => n,
    }
}

/// A mask of [`IdShape::digits`] that allows every digit.
const ALL_DIGITS: u16 = (1 << 10) - 1;

/// For each template of the middles of `values` (between the shared `affixes`), the digits each
/// of its digit places takes in at least `min_count` of them, where some place keeps to fewer
/// than all ten (see [`IdShape::digits`]); sorted by template.
fn digit_places(
    values: &[Arc<str>],
    (prefix, suffix): (&str, &str),
    min_count: usize,
) -> Vec<(String, Vec<u16>)> {
    let mut counts: BTreeMap<String, (usize, Vec<[usize; 10]>)> = BTreeMap::new();
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        let template: String = middle.chars().map(char_class).collect();
        if template.len() > MAX_DRAWN_LENGTH {
            continue;
        }
        let digits = middle.bytes().filter(u8::is_ascii_digit);
        let (count, places) = counts
            .entry(template)
            .or_insert_with_key(|template| (0, vec![[0; 10]; template.matches('9').count()]));
        *count += 1;
        for (place, digit) in places.iter_mut().zip(digits) {
            place[usize::from(digit - b'0')] += 1;
        }
    }
    counts
        .into_iter()
        .filter_map(|(template, (count, places))| {
            let masks: Vec<u16> = (places.iter())
                .map(|counts| {
                    (0..10)
                        .filter(|&d| counts[d] >= min_count)
                        .fold(0u16, |mask, d| mask | 1 << d)
                })
                .collect();
            let keeps = masks.iter().any(|&mask| mask != 0 && mask != ALL_DIGITS);
            // Kept to its digits, the template must still hold far more ids than the real
            // ones, or fresh ids would mostly be real ones (`ORD-000001` to `ORD-002000`).
            let room = (masks.iter()).fold(1.0, |room, &mask| room * f64::from(digits_of(mask)));
            let roomy = room >= ROOM_PER_ID * count as f64;
            (keeps && roomy).then_some((template, masks))
        })
        .collect()
}

impl Letters {
    /// Whether `id` is one of the real values (by its hash).
    fn is_real(&self, id: &str) -> bool {
        self.real.binary_search(&text_hash(id)).is_ok()
    }

    /// The words of `length` letters to draw a run of that length from, if any were learned.
    fn word(&self, length: usize) -> Option<&Weighted<Arc<str>>> {
        let found = self.words.binary_search_by(|(l, _)| l.cmp(&length));
        found.ok().map(|at| &self.words[at].1)
    }

    /// The letters to draw a letter of `class` from after `after`, if learned.
    fn after(&self, after: char, class: char) -> Option<&Weighted<char>> {
        if class != 'a' {
            return None;
        }
        let found = self.follows.binary_search_by(|f| f.after.cmp(&after));
        found.ok().map(|at| &self.follows[at].letters)
    }
}

/// The lower-case letters after each character in the middles of `values` (between the shared
/// `prefix` and `suffix`), keeping the letters seen there at least `min_count` times; sorted by
/// character.
fn letter_pairs(values: &[Arc<str>], prefix: &str, suffix: &str, min_count: usize) -> Vec<Follow> {
    let mut seen: BTreeMap<char, Vec<char>> = BTreeMap::new();
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        let mut before = START;
        for c in middle.chars() {
            if c.is_ascii_lowercase() {
                seen.entry(before).or_default().push(c);
            }
            before = c;
        }
    }
    seen.into_iter()
        .filter_map(|(after, letters)| {
            let letters = Weighted::frequent(letters.into_iter(), min_count)?;
            Some(Follow { after, letters })
        })
        .collect()
}

/// The fewest letters a word of [`Letters::words`] holds.
const MIN_WORD: usize = 3;

/// The runs of lower-case letters in the middles of `values` that hold a digit too, by length,
/// each kept when seen at least `min_count` times (see [`Letters::words`]).
fn letter_words(
    values: &[Arc<str>],
    (prefix, suffix): (&str, &str),
    min_count: usize,
) -> Vec<(usize, Weighted<Arc<str>>)> {
    let mut by_length: BTreeMap<usize, Vec<Arc<str>>> = BTreeMap::new();
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        if !middle.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let runs = middle.split(|c: char| char_class(c) != 'a');
        // Shorter runs are letters the pairs already chain (TPC-H's addresses of random
        // letters hold runs of one and two).
        for run in runs.filter(|run| run.chars().count() >= MIN_WORD) {
            by_length
                .entry(run.chars().count())
                .or_default()
                .push(Arc::from(run));
        }
    }
    by_length
        .into_iter()
        .filter_map(|(length, words)| {
            Some((length, Weighted::frequent(words.into_iter(), min_count)?))
        })
        .collect()
}

fn common_affix(values: &[Arc<str>], chars: impl Fn(&str) -> Vec<char>) -> String {
    let Some(first) = values.first() else {
        return String::new();
    };
    let mut common = chars(first);
    let shortest = values.iter().map(|v| v.chars().count()).min().unwrap_or(0);
    // Leave at least one varying character so ids do not collapse to a constant.
    common.truncate(shortest.saturating_sub(1));
    for value in &values[1..] {
        let other = chars(value);
        let same = common
            .iter()
            .zip(&other)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(same);
    }
    common.into_iter().collect()
}

fn char_class(c: char) -> char {
    if c.is_ascii_digit() {
        '9'
    } else if c.is_ascii_lowercase() {
        'a'
    } else if c.is_ascii_uppercase() {
        'A'
    } else if c.is_alphanumeric() {
        'a'
    } else {
        c
    }
}

/// A character of `class` at random: an upper-case letter among `upper` when given.
fn fill_class(class: char, upper: &[char], rng: &mut SynthRng) -> char {
    let pick =
        |base: u8, span: u8, rng: &mut SynthRng| char::from(base + rng.random_range(0..span));
    match class {
        '9' => pick(b'0', 10, rng),
        'a' => pick(b'a', 26, rng),
        'A' if !upper.is_empty() => upper[rng.random_range(0..upper.len())],
        'A' => pick(b'A', 26, rng),
        other => other,
    }
}

/// The upper-case letters of the middles of `values` (between the shared `affixes`) seen in
/// at least `min_count` places, sorted.
fn upper_letters(
    values: &[Arc<str>],
    (prefix, suffix): (&str, &str),
    min_count: usize,
) -> Vec<char> {
    let mut counts = [0usize; 26];
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        for c in middle.chars().filter(char::is_ascii_uppercase) {
            counts[usize::from(c as u8 - b'A')] += 1;
        }
    }
    (b'A'..=b'Z')
        .zip(counts)
        .filter(|&(_, count)| count >= min_count.max(1))
        .map(|(letter, _)| char::from(letter))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;
    use crate::sampling::rng_for;
    use std::collections::HashSet;

    fn column(kind: ColumnKind, values: Vec<Value>) -> Column {
        Column {
            name: "c".into(),
            kind,
            format: ValueFormat::Verbatim,
            values,
        }
    }

    fn labels(texts: &[&str]) -> Vec<Value> {
        texts.iter().map(|t| Value::Label(Arc::from(*t))).collect()
    }

    /// An id longer than a model file may hold is left out of the shape (one of 131,072
    /// characters made a model its own `generate` refused), and so are affixes that long
    /// (every value the same long text).
    #[test]
    fn ids_longer_than_a_model_holds_are_left_out() {
        let long: Arc<str> = Arc::from("x".repeat(MAX_DRAWN_LENGTH + 1));
        let mut ids: Vec<Arc<str>> = (0..50).map(|i| Arc::from(format!("v{i}"))).collect();
        ids.push(Arc::clone(&long));
        let shape = IdShape::learn(ids.into_iter(), 5);
        assert!(shape.check());
        assert!(
            shape.templates.iter().all(|t| t.len() <= 3),
            "{:?}",
            shape.templates
        );
        let same = IdShape::learn(std::iter::repeat_n(long, 3), 5);
        assert!(same.check());
        let mut rng = rng_for(1, "t");
        assert!(same.draw(&mut rng).len() <= MAX_DRAWN_LENGTH);
    }

    /// SSN-like ids (area 100 to 899, group 10 to 98): a fresh id's digits keep to those each
    /// place takes, so no area starts with 0 or 9 and no group with 0 or 9; drawn at random,
    /// a fifth of them did.
    #[test]
    fn id_digits_keep_to_their_places() {
        let real: Vec<Arc<str>> = (0..800usize)
            .map(|i| {
                let area = 100 + (i * 7919) % 800;
                let group = 10 + (i * 31) % 89;
                Arc::from(format!("{area:03}-{group:02}-{:04}", (i * 4099) % 10_000))
            })
            .collect();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert!(shape.check());
        let mut rng = rng_for(3, "ssn");
        for _ in 0..2_000 {
            let id = shape.draw(&mut rng);
            let bytes = id.as_bytes();
            assert_eq!(id.len(), 11, "{id}");
            assert!((b'1'..=b'8').contains(&bytes[0]), "{id}");
            assert!((b'1'..=b'9').contains(&bytes[4]), "{id}");
            assert!(!real.contains(&id), "{id} is a real id");
        }
    }

    /// Ids that fill a narrow range (`ORD-000001` to `ORD-002000`) keep every digit free: kept
    /// to the real digits, the template would hold hardly more ids than the real ones.
    #[test]
    fn ids_of_a_dense_range_keep_every_digit() {
        let real = (1..=2_000usize).map(|i| Arc::from(format!("ORD-{i:06}")));
        let shape = IdShape::learn(real, 5);
        assert!(shape.digits.is_empty(), "{:?}", shape.digits);
    }

    /// Codes holding a colour among digits (TPC-DS's formulations): a fresh code's letters
    /// are one of the colours seen often enough, whole; a rare colour is not replayed.
    #[test]
    fn words_among_digits_are_drawn_whole() {
        let colours = ["peach", "slate", "steel", "tan", "salmon", "mauve"];
        let real: Vec<Arc<str>> = (0..126usize)
            .map(|i| {
                // `mauve` once: under the threshold.
                let colour = if i == 125 { "mauve" } else { colours[i % 5] };
                Arc::from(format!(
                    "{:04}{colour}{:03}",
                    (i * 37) % 10_000,
                    (i * 11) % 1_000
                ))
            })
            .collect();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        let mut rng = rng_for(5, "words");
        let mut seen = HashSet::new();
        for _ in 0..400 {
            let id = shape.draw(&mut rng);
            let word: String = id.chars().filter(char::is_ascii_lowercase).collect();
            assert!(colours[..5].contains(&word.as_str()), "{id}");
            seen.insert(word);
        }
        assert_eq!(seen.len(), 5);
    }

    #[test]
    fn ids_never_replay_a_real_one_even_when_the_real_ones_fill_their_shape() {
        let full: Vec<Arc<str>> = (0..100).map(|i| Arc::from(format!("X{i:02}"))).collect();
        let shape = IdShape::learn(full.iter().cloned(), 5);
        let mut rng = rng_for(11, "ids");
        for _ in 0..500 {
            let id = shape.draw(&mut rng);
            assert!(!full.contains(&id), "{id} is a real id");
            // Widened into the prefix: another capital, the same length.
            let (first, digits) = id.split_at(1);
            assert!(first.bytes().all(|b| b.is_ascii_uppercase()), "{id}");
            assert!(
                digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
        }
        // Where the shape has room, ids keep it exactly.
        let sparse: Vec<Arc<str>> = (0..50)
            .map(|i| Arc::from(format!("X{:04}", i * 7)))
            .collect();
        let shape = IdShape::learn(sparse.iter().cloned(), 5);
        for _ in 0..500 {
            let id = shape.draw(&mut rng);
            assert!(!sparse.contains(&id) && id.len() == 5, "{id}");
        }
    }

    #[test]
    fn presence_keeps_the_share_of_empty_cells_and_no_value() {
        // 30% empty cells in a text column.
        let values = (0..1_000)
            .map(|i| match i % 10 {
                0..3 => Value::Null,
                _ => Value::Label(Arc::from(format!("secret words {i}"))),
            })
            .collect();
        let marginal = Marginal::presence(&column(ColumnKind::Text, values));
        let mut rng = rng_for(3, "presence");
        let draws: Vec<Value> = (0..10_000).map(|_| marginal.sample(&mut rng)).collect();
        let empty = draws.iter().filter(|v| v.is_null()).count() as f64 / 10_000.0;
        assert!((empty - 0.3).abs() < 0.02, "{empty}");
        assert!(
            draws
                .iter()
                .all(|v| v.is_null() || v == &Value::Label(Arc::from(""))),
            "only placeholders"
        );
        let stored = postcard::to_stdvec(&marginal).expect("serialised");
        assert!(stored.len() < 32, "no words kept: {} bytes", stored.len());
    }

    #[test]
    fn guided_draws_find_what_a_binary_search_finds() {
        // Word-like counts: a few frequent items, a long tail of rare ones, some ties.
        let counts = (0..500).map(|i| 1 + 4_000 / (i + 1) + usize::from(i % 7 == 0) * 30);
        let items = counts
            .enumerate()
            .flat_map(|(i, count)| std::iter::repeat_n(Arc::<str>::from(format!("w{i}")), count));
        let weighted = Weighted::frequent(items, 1).expect("items");
        let total = weighted.total();
        let table = guide(&weighted.cumulative).expect("a long list has a guide");
        let mut rng = rng_for(5, "guide");
        let mut targets: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>() * total).collect();
        // Every cumulative weight exactly, and just either side of it.
        for &c in &weighted.cumulative {
            targets.extend([c, c.next_down(), c.next_up().min(total.next_down())]);
        }
        for target in targets {
            let expected = weighted.cumulative.partition_point(|&c| c <= target);
            assert_eq!(
                guided_search(&weighted.cumulative, &table, target, total),
                expected,
                "{target}"
            );
        }
        assert!(
            guide(&weighted.cumulative[..10]).is_none(),
            "short lists are searched"
        );
    }

    #[test]
    fn rare_categories_are_never_drawn() {
        let mut texts = vec!["common"; 20];
        texts.push("secret");
        let marginal = Marginal::fit(&column(ColumnKind::Categorical, labels(&texts)), 5, true);
        let mut rng = rng_for(1, "x");
        for _ in 0..500 {
            assert_eq!(marginal.sample(&mut rng), Value::Label(Arc::from("common")));
        }
    }

    /// Codes like TPC-DS's item formulations: 95 of 100 rows hold a label of their own, five
    /// hold a frequent one.
    fn coded_column() -> (Vec<String>, Column) {
        let mut real: Vec<String> = (0..95)
            .map(|i| format!("{:08}slate{:07}", 7_919 * i, 104_729 * i))
            .collect();
        real.extend(std::iter::repeat_n("00000001rose0000001".to_string(), 5));
        let texts: Vec<&str> = real.iter().map(String::as_str).collect();
        let coded = column(ColumnKind::Categorical, labels(&texts));
        (real, coded)
    }

    #[test]
    fn rare_labels_of_a_coded_column_are_written_afresh_in_their_shape() {
        let (real, coded) = coded_column();
        let marginal = Marginal::fit(&coded, 5, true);
        let mut rng = rng_for(2, "x");
        let draws: Vec<String> = (0..1000)
            .map(|_| match marginal.sample(&mut rng) {
                Value::Label(label) => label.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        let frequent = draws.iter().filter(|d| *d == "00000001rose0000001").count();
        assert!((20..=90).contains(&frequent), "{frequent} of 1000 frequent");
        let fresh: HashSet<&String> = draws.iter().filter(|d| !real.contains(d)).collect();
        assert!(fresh.len() > 800, "{} fresh labels", fresh.len());
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        let shaped = |d: &&&String| (19..=20).contains(&d.len()) && digits(&d[..8]);
        assert!(
            fresh
                .iter()
                .all(|d| shaped(&d) && digits(&d[d.len() - 7..]))
        );
        let rare: Vec<&String> = draws.iter().filter(|d| real[..95].contains(d)).collect();
        assert!(rare.is_empty(), "rare real labels drawn: {rare:?}");
        assert!(marginal.fresh_label(&mut rng).is_some());
    }

    #[test]
    fn a_column_a_semantic_generator_fills_keeps_its_frequent_labels() {
        let (_, coded) = coded_column();
        let marginal = Marginal::fit(&coded, 5, false);
        let mut rng = rng_for(2, "x");
        assert_eq!(marginal.fresh_label(&mut rng), None);
        for _ in 0..200 {
            let drawn = marginal.sample(&mut rng);
            assert_eq!(drawn, Value::Label(Arc::from("00000001rose0000001")));
        }
    }

    #[test]
    fn ids_keep_their_shape_but_not_their_values() {
        let real: Vec<String> = (0..100).map(|i| format!("Customer#{i:06}")).collect();
        let texts: Vec<&str> = real.iter().map(String::as_str).collect();
        let marginal = Marginal::fit(&column(ColumnKind::Id, labels(&texts)), 5, true);
        let mut rng = rng_for(2, "x");
        let Value::Label(id) = marginal.sample(&mut rng) else {
            panic!("an id is a label")
        };
        // The 100 real ids fill `Customer#0000` + two digits: a fresh one widens into the
        // prefix and keeps the length.
        assert!(id.starts_with("Customer#"), "{id}");
        assert_eq!(id.len(), "Customer#000000".len());
        assert!(
            !real.iter().any(|real| real.as_str() == &*id),
            "{id} is real"
        );
    }

    /// Names made of syllables, every one unique (so learned as ids), with a letter pair
    /// (`qz`) in two names only.
    fn syllable_names() -> Vec<String> {
        let syllables = [
            "ought", "able", "pri", "ese", "anti", "cally", "ation", "eing", "bar",
        ];
        let mut names: Vec<String> = Vec::new();
        for a in syllables {
            for b in syllables {
                for c in syllables {
                    names.push(format!("{a}{b}{c}"));
                }
            }
        }
        names.extend(["qzable".to_string(), "barqz".to_string()]);
        names
    }

    fn pairs(text: &str) -> Vec<(char, char)> {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(2).map(|pair| (pair[0], pair[1])).collect()
    }

    #[test]
    fn ids_spelt_in_syllables_are_drawn_in_their_letter_pairs_never_a_real_one() {
        let real = syllable_names();
        let real_pairs: HashSet<(char, char)> = real.iter().flat_map(|n| pairs(n)).collect();
        let texts: Vec<&str> = real.iter().map(String::as_str).collect();
        let marginal = Marginal::fit(&column(ColumnKind::Id, labels(&texts)), 5, true);
        let mut rng = rng_for(4, "names");
        let drawn: Vec<Arc<str>> = (0..2000)
            .map(|_| match marginal.sample(&mut rng) {
                Value::Label(name) => name,
                other => panic!("{other:?}"),
            })
            .collect();
        let drawn_pairs: Vec<(char, char)> = drawn.iter().flat_map(|n| pairs(n)).collect();
        let seen = drawn_pairs
            .iter()
            .filter(|p| real_pairs.contains(p))
            .count();
        // Letters at random would give about 40 of the 676 pairs: 6% real pairs.
        let share = seen as f64 / drawn_pairs.len() as f64;
        assert!(
            share > 0.97,
            "{share:.3} of the drawn letter pairs are real ones"
        );
        assert!(
            !drawn_pairs.contains(&('q', 'z')),
            "a pair seen twice is not drawn"
        );
        let replayed = drawn
            .iter()
            .filter(|name| texts.contains(&&***name))
            .count();
        assert_eq!(replayed, 0, "no real name is drawn");
    }

    #[test]
    fn upper_case_codes_keep_the_real_letters_and_replay_no_code() {
        let real: Vec<String> = (0..500)
            .map(|i| format!("AAAA{}AAA{i:03}", ['B', 'C'][i % 2]))
            .collect();
        let texts: Vec<&str> = real.iter().map(String::as_str).collect();
        let marginal = Marginal::fit(&column(ColumnKind::Id, labels(&texts)), 5, true);
        let mut rng = rng_for(5, "codes");
        let (mut letters, mut spelled) = (HashSet::new(), HashSet::new());
        for _ in 0..500 {
            let Value::Label(code) = marginal.sample(&mut rng) else {
                panic!("a code is a label")
            };
            assert!(!texts.contains(&&*code), "{code} is a real code");
            letters.extend(code.chars().filter(char::is_ascii_uppercase));
            spelled.insert(code[4..8].to_string());
        }
        // Real codes hold A, B and C only, as a synthetic code's letters do (a `Z` would read
        // as made up); drawn each on its own, not after the letter before, they spell the
        // codes the real ones do not (`AAAACBAB`), not only theirs.
        let mut letters: Vec<char> = letters.into_iter().collect();
        letters.sort_unstable();
        assert_eq!(letters, ['A', 'B', 'C']);
        assert!(spelled.len() > 40, "{} spellings", spelled.len());
    }

    #[test]
    fn id_shapes_with_letters_out_of_place_are_refused() {
        let texts: Vec<String> = syllable_names();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let shape = IdShape::learn(labels(&texts).into_iter().filter_map(|v| label(&v)), 5);
        let letters = shape.letters.as_deref().expect("letter pairs learned");
        assert!(shape.check() && letters.follows.len() > 1);
        let refused = |change: &dyn Fn(&mut Letters)| {
            let mut letters = letters.clone();
            change(&mut letters);
            let shape = IdShape {
                letters: Some(Box::new(letters)),
                ..shape.clone()
            };
            !shape.check()
        };
        assert!(refused(&|letters| {
            letters.follows[0].letters = Weighted::frequent("AB".chars(), 1).expect("letters");
        }));
        assert!(
            refused(&|letters| letters.follows.swap(0, 1)),
            "lists out of order"
        );
        assert!(
            refused(&|letters| letters.real.reverse()),
            "hashes out of order"
        );
    }

    #[test]
    fn extremes_are_clipped_and_nulls_kept() {
        let mut values: Vec<Value> = (0..100).map(|i| Value::Number(f64::from(i))).collect();
        values.push(Value::Number(1e9));
        values.extend((0..101).map(|_| Value::Null));
        let marginal = Marginal::fit(&column(ColumnKind::Numerical, values), 5, true);
        let mut rng = rng_for(3, "x");
        let draws: Vec<Value> = (0..4000).map(|_| marginal.sample(&mut rng)).collect();
        let nulls = draws.iter().filter(|v| v.is_null()).count();
        assert!((1800..2200).contains(&nulls), "{nulls}");
        let max = draws
            .iter()
            .filter_map(Value::as_number)
            .fold(0.0, f64::max);
        assert!(max <= 97.0, "{max}");
    }

    #[test]
    fn all_null_columns_stay_null() {
        let marginal = Marginal::fit(
            &column(ColumnKind::Categorical, vec![Value::Null; 5]),
            5,
            true,
        );
        assert!(marginal.sample(&mut rng_for(4, "x")).is_null());
    }
}
