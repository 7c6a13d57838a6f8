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

use super::check_digit::CheckDigit;
use super::ipv4::Ipv4;
use super::joined::Joined;
pub use super::weighted::Weighted;
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

    /// The shape of the column's fresh ids, for a column drawn as ids.
    pub fn id_shape(&self) -> Option<&IdShape> {
        match &self.shape {
            Shape::Id(shape) => Some(shape),
            _ => None,
        }
    }

    /// The distribution with its ids' codes tied to the row ([`IdShape::tied`]), for a
    /// column whose codes a tree draws.
    pub fn with_tied_codes(self) -> Marginal {
        let shape = match self.shape {
            Shape::Id(shape) => Shape::Id(shape.tied()),
            shape => shape,
        };
        Marginal { shape, ..self }
    }

    /// A draw that is not empty, an id carrying `code` where the column is of ids and some
    /// of them carry it ([`IdShape::code_of`]).
    pub fn sample_coded(&self, code: &str, rng: &mut SynthRng) -> Value {
        match &self.shape {
            Shape::Id(shape) => Value::Label(shape.draw_coded_avoiding(rng, Some(code), |_| false)),
            _ => self.sample_present(rng),
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
            && self.codes.windows(2).all(|pair| pair[0].0 < pair[1].0)
            && (self.codes.iter()).all(|(template, runs)| {
                template.len() <= MAX_DRAWN_LENGTH && runs.iter().all(|run| run.check(template))
            })
            && self.ipv4.as_deref().is_none_or(Ipv4::check)
            && self.joined.as_deref().is_none_or(Joined::check)
    }
}

impl CodeRun {
    /// Whether it can be drawn from, its codes all of capitals as long as its run of `A`s in
    /// `template`.
    fn check(&self, template: &str) -> bool {
        let length = template
            .chars()
            .skip(self.at)
            .take_while(|&c| c == 'A')
            .count();
        let spelt = |code: &Arc<str>| {
            code.chars().count() == length && code.chars().all(|c| c.is_ascii_uppercase())
        };
        length > 0 && self.codes.check() && self.codes.items().iter().all(spelt)
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
/// `semantic::phrases` rewrites the fresh labels of a column of word phrases from its words.
pub const FRESH_SHARE: f64 = 0.9;

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
    /// For each template (sorted) holding codes, its codes ([`CodeRun`]): an IBAN's country
    /// (`DE`, `FR`) and a British one's bank (`HSBC`), whose letters drawn one by one spelt
    /// no country (`BL48...`). Since format 50.
    #[serde(default)]
    codes: Vec<TemplateCodes>,
    /// The check-digit scheme every real value keeps (at least
    /// [`super::check_digit::MIN_CHECKED`] of them): each fresh id's check digits are set so
    /// that it keeps it too. Since format 50.
    #[serde(default)]
    check: Option<CheckDigit>,
    /// Whether the code of each id ([`IdShape::code_of`]) follows the row (a tree draws it,
    /// `model::learned`): an id drawn again to keep a column distinct keeps its code, or a
    /// Cigna member redrawn came out with Medicare's `MCR`. Since format 51.
    #[serde(default)]
    tied: bool,
    /// How to draw the ids when every real one is an IPv4 address ([`Ipv4`]): drawn place by
    /// place, 1,539 of 3,000 synthetic addresses had an octet above 255. Since format 56.
    #[serde(default)]
    ipv4: Option<Box<Ipv4>>,
    /// How to draw the ids when every real one is a few numbers joined by one separator
    /// ([`Joined`]): drawn place by place, 6,111 of 8,000 parcels' `LxWxH` had a leading zero,
    /// a part out of its range or out of the order every real one keeps. Since format 65.
    #[serde(default)]
    joined: Option<Box<Joined>>,
    /// For each code of the templates' first code runs, the indices of the templates
    /// ([`IdShape::templates`]) that carry it (built on the first draw of a code).
    #[serde(skip)]
    carriers: OnceLock<HashMap<Arc<str>, Vec<usize>>>,
}

/// A template and its codes ([`IdShape::codes`]).
type TemplateCodes = (String, Vec<CodeRun>);

/// A short run of upper-case letters, between characters that are no letters, that the real
/// ids of a template spell in a few ways only (each seen in at least the privacy threshold of
/// them, together at least [`CODE_SHARE`] of them): a code, drawn whole from the real ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CodeRun {
    /// Where the run starts in the template (in characters).
    at: usize,
    /// The real spellings, each as long as the run.
    codes: Weighted<Arc<str>>,
}

/// The longest run of upper-case letters taken as a code: a country (2), a currency or a
/// country of three letters, a bank (4). Longer runs spell numbers (TPC-DS's ids), drawn letter
/// by letter ([`IdShape::upper`]).
const MAX_CODE: usize = 4;

/// The share of a template's real ids whose spelling of a run must be seen often enough for the
/// run to be a code: random letters repeat a few spellings by chance, and drawn only from those
/// the ids would hold a handful.
const CODE_SHARE: f64 = 0.9;

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
        let hex = hex_class(&values, (&prefix, &suffix));
        let mut templates: Vec<String> = values
            .iter()
            .filter_map(|value| {
                let middle = value.strip_prefix(prefix.as_str())?;
                let middle = middle.strip_suffix(suffix.as_str()).unwrap_or(middle);
                Some(template_of(middle, hex))
            })
            .filter(|template| template.len() <= MAX_DRAWN_LENGTH)
            .collect();
        let follows = letter_pairs(&values, &prefix, &suffix, min_count);
        let upper = upper_letters(&values, (&prefix, &suffix), min_count);
        let digits = digit_places(&values, (&prefix, &suffix), hex, min_count);
        let codes = match hex {
            // Hexadecimal ids spell no code: their templates hold no capitals.
            Some(_) => Vec::new(),
            None => code_runs(&values, (&prefix, &suffix), min_count),
        };
        let check = CheckDigit::detect(&values);
        let ipv4 = Ipv4::learn(&values, min_count).map(Box::new);
        // Numbers joined by a separator, unless a check digit or an address says it is a code.
        let joined = match (&ipv4, check) {
            (None, None) => Joined::learn(&values, min_count, text_hash).map(Box::new),
            _ => None,
        };
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
            codes,
            check,
            tied: false,
            ipv4,
            joined,
            carriers: OnceLock::new(),
        }
    }

    /// The digits each digit place of `template` takes ([`IdShape::digits`]; empty: any).
    fn digits_of(&self, template: &str) -> &[u16] {
        self.digits
            .binary_search_by(|(known, _)| known.as_str().cmp(template))
            .map_or(&[][..], |at| &self.digits[at].1)
    }

    /// The codes of `template` ([`IdShape::codes`]; empty: none).
    fn codes_of(&self, template: &str) -> &[CodeRun] {
        self.codes
            .binary_search_by(|(known, _)| known.as_str().cmp(template))
            .map_or(&[][..], |at| &self.codes[at].1)
    }

    /// `id` with its check digits set, when the real ids keep a scheme ([`IdShape::check`]).
    fn checked(&self, id: String) -> String {
        match self.check {
            Some(scheme) => scheme.fix(&id).unwrap_or(id),
            None => id,
        }
    }

    /// Whether every real value was distinct: see [`IdShape::draw_avoiding`].
    pub fn distinct(&self) -> bool {
        self.distinct
    }

    /// Whether some template holds a code run ([`CodeRun`]): what a tree could draw.
    pub fn has_codes(&self) -> bool {
        !self.codes.is_empty()
    }

    /// The code `id` carries: the spelling of its template's first code run, when it is one of
    /// the run's real codes (seen at least the privacy threshold of times); `None` for an id
    /// of another shape or spelling.
    pub fn code_of(&self, id: &str) -> Option<Arc<str>> {
        let middle = id.strip_prefix(self.prefix.as_str())?;
        let middle = middle.strip_suffix(self.suffix.as_str()).unwrap_or(middle);
        let template: String = middle.chars().map(char_class).collect();
        let run = self.codes_of(&template).first()?;
        let length = template.chars().skip(run.at).take_while(|&c| c == 'A');
        let spelt: String = middle.chars().skip(run.at).take(length.count()).collect();
        let spelt: Arc<str> = Arc::from(spelt);
        run.codes.contains(&spelt).then_some(spelt)
    }

    /// The shape with its codes tied to the row ([`IdShape::tied`]).
    pub fn tied(self) -> IdShape {
        IdShape { tied: true, ..self }
    }

    /// The code an id drawn again in place of `id` keeps: its own when codes follow the row
    /// ([`IdShape::tied`]), else none (drawn afresh).
    pub fn kept_code(&self, id: &str) -> Option<Arc<str>> {
        self.tied.then(|| self.code_of(id)).flatten()
    }

    /// A template drawn for an id carrying `code` (any template when `None` or when no
    /// template carries it), with the code it then carries.
    fn template_for<'a>(
        &'a self,
        code: Option<&'a str>,
        rng: &mut SynthRng,
    ) -> (&'a String, Option<&'a str>) {
        let carriers = code.and_then(|code| self.carriers().get(code));
        match carriers.filter(|carriers| !carriers.is_empty()) {
            Some(carriers) => {
                let at = carriers[rng.random_range(0..carriers.len())];
                (&self.templates[at], code)
            }
            None => (
                &self.templates[rng.random_range(0..self.templates.len())],
                None,
            ),
        }
    }

    /// For each code of a first code run, the templates that carry it
    /// ([`IdShape::carriers`]), in the templates' order and with their repeats, so that an id
    /// of a code takes the templates of that code's ids as often as they do.
    fn carriers(&self) -> &HashMap<Arc<str>, Vec<usize>> {
        self.carriers.get_or_init(|| {
            let mut carriers: HashMap<Arc<str>, Vec<usize>> = HashMap::new();
            for (at, template) in self.templates.iter().enumerate() {
                let Some(run) = self.codes_of(template).first() else {
                    continue;
                };
                for code in run.codes.items() {
                    carriers.entry(Arc::clone(code)).or_default().push(at);
                }
            }
            carriers
        })
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
        self.draw_coded_avoiding(rng, None, taken)
    }

    /// [`IdShape::draw_avoiding`] for an id carrying `code` (when given and some template's
    /// first code run spells it): drawn in the templates of the ids that carry it, the code
    /// in place of the run.
    pub fn draw_coded_avoiding(
        &self,
        rng: &mut SynthRng,
        code: Option<&str>,
        taken: impl Fn(&str) -> bool,
    ) -> Arc<str> {
        let Some(letters) = &self.letters else {
            // A shape learned from no value.
            return Arc::from(self.draw_once(rng, None, 0, code));
        };
        // Joined numbers may be a real value seen at least the privacy threshold of times.
        let frequent =
            |id: &str| (self.joined.as_deref()).is_some_and(|j| j.is_frequent(text_hash(id)));
        let avoided = |id: &str| (letters.is_real(id) && !frequent(id)) || taken(id);
        for _ in 0..REDRAWN_IDS {
            let id = self.draw_once(rng, Some(letters), 0, code);
            if !avoided(&id) {
                return Arc::from(id);
            }
        }
        let mut id = self.draw_once(rng, None, 0, code);
        // Each width is tried a few times before the next: it widens only where it is full.
        let widths = (1..=MAX_WIDER).flat_map(|wider| std::iter::repeat_n(wider, REDRAWN_IDS));
        for wider in widths {
            if !avoided(&id) {
                break;
            }
            id = self.draw_once(rng, None, wider, code);
        }
        Arc::from(id)
    }

    /// An id of a template drawn at random, its lower-case letters drawn by `letters` if given,
    /// its middle `wider` characters wider: it takes in the prefix's last characters (each
    /// drawn by its class), then grows by characters of the template's last class. Its codes
    /// are drawn whole (where no prefix character is opened) and its check digits set.
    fn draw_once(
        &self,
        rng: &mut SynthRng,
        letters: Option<&Letters>,
        wider: usize,
        code: Option<&str>,
    ) -> String {
        if let Some(ipv4) = &self.ipv4 {
            return ipv4.draw(rng);
        }
        if let Some(joined) = &self.joined {
            return joined.draw(rng);
        }
        let (template, code) = self.template_for(code, rng);
        let cut = (self.prefix.char_indices().rev().take(wider).last())
            .map_or(self.prefix.len(), |(at, _)| at);
        let (prefix, opened) = self.prefix.split_at(cut);
        let opened_length = opened.chars().count();
        let longer = wider.saturating_sub(opened_length);
        // The digits each class may take: the template's digit places keep to theirs.
        let mut places = self.digits_of(template).iter();
        let masks: Vec<Option<u16>> = (opened.chars().map(|_| None))
            .chain(template.chars().map(|c| match c {
                '9' | HEX | HEX_UPPER => places.next().copied(),
                _ => None,
            }))
            .chain(std::iter::repeat_n(None, longer))
            .collect();
        let last = template.chars().last().unwrap_or('9');
        let hex = template.chars().find(|c| matches!(*c, HEX | HEX_UPPER));
        let classes: Vec<char> = (opened.chars().map(|c| class_of(c, hex)))
            .chain(template.chars())
            .chain(std::iter::repeat_n(last, longer))
            .collect();
        let codes = match opened_length {
            0 => self.codes_of(template),
            _ => &[],
        };
        // The code asked for, at its run's place past the opened prefix.
        let forced = code.and_then(|code| {
            let run = self.codes_of(template).first()?;
            Some((opened_length + run.at, code))
        });
        // Whole words only among digits, where they cannot spell a real id again.
        let words = letters.filter(|_| classes.contains(&'9'));
        let mut before = START;
        let mut middle = String::new();
        let mut at = 0;
        while at < classes.len() {
            if let Some((_, code)) = forced.filter(|&(place, _)| place == at) {
                middle.push_str(code);
                before = code.chars().last().unwrap_or(before);
                at += code.chars().count().max(1);
                continue;
            }
            if let Some(code) = codes.iter().find(|code| code.at == at) {
                let code = code.codes.draw(rng);
                middle.push_str(code);
                before = code.chars().last().unwrap_or(before);
                at += code.chars().count().max(1);
                continue;
            }
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
            let drawn = match (follow, masks[at]) {
                (Some(follow), _) => *follow.draw(rng),
                (None, Some(mask)) => place_in(class, mask, rng),
                (None, None) => fill_class(class, &self.upper, rng),
            };

            before = drawn;
            middle.push(drawn);
            at += 1;
        }
        self.checked(format!("{prefix}{middle}{}", self.suffix))
    }
}

/// A character of a digit or hexadecimal `class` among those `mask` allows (a bit per digit
/// value, [`place_value`]); any as [`fill_class`] draws it when the mask allows every one of
/// the class or none.
fn place_in(class: char, mask: u16, rng: &mut SynthRng) -> char {
    let all = all_of(class);
    let allowed = mask & all;
    if allowed == 0 || allowed == all {
        return fill_class(class, &[], rng);
    }
    let nth = rng.random_range(0..allowed.count_ones());
    let value = (0..16u8)
        .filter(|d| allowed & (1 << d) != 0)
        .nth(nth as usize);
    hex_char(value.unwrap_or(0), class == HEX_UPPER)
}

/// The digit of `value` (below 16) in hexadecimal, its letters upper-case if `upper`.
fn hex_char(value: u8, upper: bool) -> char {
    let digits: &[u8; 16] = match upper {
        true => b"0123456789ABCDEF",
        false => b"0123456789abcdef",
    };
    char::from(digits[usize::from(value & 15)])
}

/// The mask of [`IdShape::digits`] that allows every value of a place of `class`.
fn all_of(class: char) -> u16 {
    match class {
        HEX | HEX_UPPER => ALL_HEX,
        _ => ALL_DIGITS,
    }
}

/// The value a character of a digit or hexadecimal place holds (`None` for another).
fn place_value(c: char, hex: Option<char>) -> Option<u8> {
    match hex {
        Some(_) => c.to_digit(16),
        None => c.to_digit(10),
    }
    .and_then(|value| u8::try_from(value).ok())
}

/// How many ids a template kept to its digits ([`IdShape::digits`]) must hold per real id of
/// it, at least.
const ROOM_PER_ID: f64 = 100.0;

/// How many characters a mask of [`IdShape::digits`] allows in a place of `class` (all of the
/// class when it allows none).
fn digits_of(mask: u16, class: char) -> u32 {
    let all = all_of(class);
    match (mask & all).count_ones() {
        0 => all.count_ones(),
        n => n,
    }
}

/// A mask of [`IdShape::digits`] that allows every digit.
const ALL_DIGITS: u16 = (1 << 10) - 1;

/// A mask of [`IdShape::digits`] that allows every hexadecimal digit.
const ALL_HEX: u16 = u16::MAX;

/// The class of a lower-case hexadecimal digit, in a template of ids made of them (UUIDs): its
/// places keep to the values the real ids hold there ([`IdShape::digits`]), so a version 4
/// UUID's version and variant digits stay `4` and `8` to `b`. Letters or digits, hexadecimal
/// digits are one class: classed apart, every UUID was a template of its own. Since format 50.
const HEX: char = 'x';

/// [`HEX`] for upper-case hexadecimal digits.
const HEX_UPPER: char = 'X';

/// For each template of the middles of `values` (between the shared `affixes`; hexadecimal
/// digits one class when `hex` says so), the digits each of its digit places takes in at least
/// `min_count` of them, where some place keeps to fewer than all of its class (see
/// [`IdShape::digits`]); sorted by template.
fn digit_places(
    values: &[Arc<str>],
    (prefix, suffix): (&str, &str),
    hex: Option<char>,
    min_count: usize,
) -> Vec<(String, Vec<u16>)> {
    let mut counts: BTreeMap<String, (usize, Vec<[usize; 16]>)> = BTreeMap::new();
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        let template = template_of(middle, hex);
        if template.len() > MAX_DRAWN_LENGTH {
            continue;
        }
        let digits: Vec<u8> = (middle.chars().zip(template.chars()))
            .filter(|(_, class)| matches!(*class, '9' | HEX | HEX_UPPER))
            .filter_map(|(c, _)| place_value(c, hex))
            .collect();
        let (count, places) = counts.entry(template).or_insert_with_key(|template| {
            let places = template
                .chars()
                .filter(|c| matches!(*c, '9' | HEX | HEX_UPPER));
            (0, vec![[0; 16]; places.count()])
        });
        *count += 1;
        for (place, digit) in places.iter_mut().zip(digits) {
            place[usize::from(digit)] += 1;
        }
    }
    counts
        .into_iter()
        .filter_map(|(template, (count, places))| {
            let masks: Vec<u16> = (places.iter())
                .map(|counts| {
                    (0..16)
                        .filter(|&d| counts[d] >= min_count)
                        .fold(0u16, |mask, d| mask | 1 << d)
                })
                .collect();
            let classes: Vec<char> = (template.chars())
                .filter(|c| matches!(*c, '9' | HEX | HEX_UPPER))
                .collect();
            let keeps = (masks.iter().zip(&classes))
                .any(|(&mask, &class)| mask != 0 && mask != all_of(class));
            // Kept to its digits, the template must still hold far more ids than the real
            // ones, or fresh ids would mostly be real ones (`ORD-000001` to `ORD-002000`).
            let room = (masks.iter().zip(&classes)).fold(1.0, |room, (&mask, &class)| {
                room * f64::from(digits_of(mask, class))
            });
            let roomy = room >= ROOM_PER_ID * count as f64;
            (keeps && roomy).then_some((template, masks))
        })
        .collect()
}

/// The template of an id's middle: each character's class ([`class_of`]).
fn template_of(middle: &str, hex: Option<char>) -> String {
    middle.chars().map(|c| class_of(c, hex)).collect()
}

/// A character's class ([`char_class`]), a hexadecimal digit's `hex` when given ([`HEX`]).
fn class_of(c: char, hex: Option<char>) -> char {
    match hex {
        Some(hex) if c.is_ascii_hexdigit() => hex,
        _ => char_class(c),
    }
}

/// The class of the hexadecimal digits of the middles of `values` (between the shared
/// `affixes`), when they are made of them ([`HEX`] or [`HEX_UPPER`]): at least
/// [`MIN_HEX_IDS`] middles whose letters and digits are all hexadecimal digits, their letters
/// of one case, and at least half the places that hold either hold a digit in one middle and
/// a letter in another.
fn hex_class(values: &[Arc<str>], (prefix, suffix): (&str, &str)) -> Option<char> {
    if values.len() < MIN_HEX_IDS {
        return None;
    }
    let (mut lower, mut upper) = (false, false);
    // For each place, whether a digit and whether a letter was seen there.
    let mut seen: Vec<(bool, bool)> = Vec::new();
    for value in values {
        let middle = value.strip_prefix(prefix)?;
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        for (place, c) in middle.chars().enumerate() {
            if c.is_alphanumeric() && !c.is_ascii_hexdigit() {
                return None;
            }
            lower |= c.is_ascii_lowercase();
            upper |= c.is_ascii_uppercase();
            if place >= seen.len() {
                seen.resize(place + 1, (false, false));
            }
            seen[place].0 |= c.is_ascii_digit();
            seen[place].1 |= c.is_ascii_alphabetic();
        }
    }
    let held = seen
        .iter()
        .filter(|&&(digit, letter)| digit || letter)
        .count();
    let mixed = seen
        .iter()
        .filter(|&&(digit, letter)| digit && letter)
        .count();
    // UUIDs and hashes take both in nearly every place; flats (`12A`, `7`) in few.
    let mixed = mixed > 0 && 2 * mixed >= held;
    match (lower, upper) {
        (true, false) if mixed => Some(HEX),
        (false, true) if mixed => Some(HEX_UPPER),
        _ => None,
    }
}

/// The fewest ids whose hexadecimal digits are taken as one class ([`hex_class`]): a few
/// words may be spelt in `a` to `f` only.
const MIN_HEX_IDS: usize = 20;

/// For each template of the middles of `values` (between the shared `affixes`) the runs
/// that are codes ([`CodeRun`]): each short run of upper-case letters between characters that
/// are no letters (or an all-capital prefix it continues), spelt by at least [`CODE_SHARE`] of
/// the template's ids in ways each seen in `min_count` of them; sorted by template.
fn code_runs(
    values: &[Arc<str>],
    (prefix, suffix): (&str, &str),
    min_count: usize,
) -> Vec<TemplateCodes> {
    let mut spelt: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for value in values {
        let Some(middle) = value.strip_prefix(prefix) else {
            continue;
        };
        let middle = middle.strip_suffix(suffix).unwrap_or(middle);
        let template: String = middle.chars().map(char_class).collect();
        if template.len() <= MAX_DRAWN_LENGTH && template.contains('A') {
            spelt.entry(template).or_default().push(middle);
        }
    }
    let affixes = (prefix, suffix);
    let candidates: Vec<(&String, Vec<(usize, usize)>)> = (spelt.keys())
        .map(|template| (template, candidate_runs(template, affixes)))
        .collect();
    let own: Vec<Vec<Option<CodeRun>>> = (candidates.iter())
        .map(|(template, runs)| {
            let middles = &spelt[*template];
            let code = |&(at, length): &(usize, usize)| code_run(middles, at, length, min_count);
            runs.iter().map(code).collect()
        })
        .collect();
    // Where no template has codes of its own, the column has none: a template too rare for its
    // own (random letters, every id its template) borrows none either.
    let borrows = own.iter().flatten().any(Option::is_some);
    let mut pooled: BTreeMap<(usize, usize), Option<CodeRun>> = BTreeMap::new();
    let mut pool = |run: (usize, usize)| {
        let pooled = pooled
            .entry(run)
            .or_insert_with(|| pooled_run(&spelt, &candidates, run, min_count));
        pooled.clone()
    };
    (candidates.iter().zip(own))
        .filter_map(|((template, runs), own)| {
            let runs: Vec<CodeRun> = (runs.iter().zip(own))
                .filter_map(|(&run, own)| own.or_else(|| borrows.then(|| pool(run)).flatten()))
                .collect();
            (!runs.is_empty()).then_some(((*template).clone(), runs))
        })
        .collect()
}

/// The codes of the runs starting at the same place with the same length in every template
/// that has such a run (`candidates`), for a template whose own ids are too few to have codes
/// of their own (an IBAN of a country seen once gets one of the countries seen often, not
/// letters at random).
fn pooled_run(
    spelt: &BTreeMap<String, Vec<&str>>,
    candidates: &[(&String, Vec<(usize, usize)>)],
    (at, length): (usize, usize),
    min_count: usize,
) -> Option<CodeRun> {
    let middles: Vec<&str> = (candidates.iter())
        .filter(|(_, runs)| runs.contains(&(at, length)))
        .flat_map(|(template, _)| spelt[*template].iter().copied())
        .collect();
    code_run(&middles, at, length, min_count)
}

/// The runs of `A` in `template` (start and length, in characters) that may be codes: no
/// longer than [`MAX_CODE`] with the letters of the prefix they continue, not the whole
/// middle, and between characters that are no letters (a capital before lower-case letters
/// starts a word).
fn candidate_runs(template: &str, (prefix, suffix): (&str, &str)) -> Vec<(usize, usize)> {
    let classes: Vec<char> = template.chars().collect();
    let mut runs = Vec::new();
    let mut at = 0;
    while at < classes.len() {
        let length = classes[at..].iter().take_while(|&&c| c == 'A').count();
        if length == 0 {
            at += 1;
            continue;
        }
        let lead = match at {
            0 => leading_capitals(prefix),
            _ => Some(0),
        };
        let after = match classes.get(at + length) {
            Some(&class) => class != 'a',
            None => !suffix.starts_with(char::is_alphabetic),
        };
        let whole = length == classes.len();
        if lead.is_some_and(|lead| after && !whole && lead + length <= MAX_CODE) {
            runs.push((at, length));
        }
        at += length;
    }
    runs
}

/// How many capitals a run at the start of the middle continues from `prefix`: none when it
/// ends in no letter, all of it when it is all capitals, `None` when it ends in another letter.
fn leading_capitals(prefix: &str) -> Option<usize> {
    match prefix.chars().last() {
        None => Some(0),
        Some(c) if !c.is_alphabetic() => Some(0),
        Some(_) if prefix.chars().all(|c| c.is_ascii_uppercase()) => Some(prefix.chars().count()),
        Some(_) => None,
    }
}

/// The run of `length` characters from `at` as a code of `middles` (one template's), if its
/// frequent spellings (seen `min_count` times) hold [`CODE_SHARE`] of them.
fn code_run(middles: &[&str], at: usize, length: usize, min_count: usize) -> Option<CodeRun> {
    let spellings = middles
        .iter()
        .map(|middle| Arc::<str>::from(middle.chars().skip(at).take(length).collect::<String>()));
    let codes = Weighted::frequent(spellings, min_count)?;
    let share = codes.total() / middles.len() as f64;
    (share >= CODE_SHARE).then_some(CodeRun { at, codes })
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
        HEX => hex_char(rng.random_range(0..16), false),
        HEX_UPPER => hex_char(rng.random_range(0..16), true),
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

    /// A small generator of pseudo-random numbers for planted data (no rng of the crate, so
    /// the data does not move when the crate's streams do).
    fn planted(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        move |below| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        }
    }

    fn digits(next: &mut impl FnMut(u64) -> u64, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + next(10) as u8))
            .collect()
    }

    /// Valid IBANs of four countries (a bank code of four capitals in two of them), and
    /// one of each country spelt rarely (`BE`, under the threshold).
    fn planted_ibans() -> Vec<Arc<str>> {
        let mut next = planted(7);
        let banks = ["HSBC", "BARC", "NWBK", "LOYD"];
        let mut ibans: Vec<Arc<str>> = (0..600)
            .map(|i| {
                let bank = banks[next(4) as usize];
                let body = match i % 4 {
                    0 => format!("DE00{}", digits(&mut next, 18)),
                    1 => format!("FR00{}", digits(&mut next, 23)),
                    2 => format!("GB00{bank}{}", digits(&mut next, 14)),
                    _ => format!("NL00{}{}", &bank[..2], digits(&mut next, 12)),
                };
                Arc::from(CheckDigit::Iban.fix(&body).expect("an IBAN"))
            })
            .collect();
        ibans.push(Arc::from(
            CheckDigit::Iban.fix("BE00123456789012").expect("an IBAN"),
        ));
        ibans
    }

    #[test]
    fn ibans_keep_their_countries_banks_lengths_and_check_digits() {
        let real = planted_ibans();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert!(shape.check());
        assert_eq!(shape.check, Some(CheckDigit::Iban));
        let lengths = HashMap::from([("DE", 22), ("FR", 27), ("GB", 22), ("NL", 18)]);
        let mut rng = rng_for(9, "ibans");
        let mut countries = HashSet::new();
        for _ in 0..2_000 {
            let iban = shape.draw(&mut rng);
            assert!(CheckDigit::Iban.holds(&iban), "{iban}");
            let country = &iban[..2];
            assert_eq!(lengths.get(country), Some(&iban.len()), "{iban}");
            countries.insert(country.to_string());
            if country == "GB" {
                assert!(
                    ["HSBC", "BARC", "NWBK", "LOYD"].contains(&&iban[4..8]),
                    "{iban}"
                );
            }
            assert!(!real.contains(&iban), "{iban} is real");
        }
        assert_eq!(countries.len(), 4, "{countries:?}");
        // The IBAN of a country seen once keeps its template, and takes a country seen often.
        let rare: Vec<Arc<str>> = (0..20_000)
            .map(|_| shape.draw(&mut rng))
            .filter(|iban| iban.len() == 16)
            .collect();
        assert!(!rare.is_empty());
        for iban in rare {
            assert!(lengths.contains_key(&iban[..2]), "{iban}");
            assert!(CheckDigit::Iban.holds(&iban), "{iban}");
        }
    }

    /// An IBAN asked for with a country carries it (its first code run), in the templates of
    /// that country's IBANs, with valid check digits; the country is read back as its code.
    #[test]
    fn ids_drawn_with_a_code_carry_it_in_its_shape() {
        let real = planted_ibans();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert_eq!(
            shape.code_of("FR7630006000011234567890189").as_deref(),
            Some("FR")
        );
        assert_eq!(shape.code_of("XX7630006000011234567890189"), None);
        let mut rng = rng_for(11, "coded ibans");
        let mut lengths = HashSet::new();
        for _ in 0..2_000 {
            let iban = shape.draw_coded_avoiding(&mut rng, Some("FR"), |_| false);
            assert!(iban.starts_with("FR"), "{iban}");
            assert!(CheckDigit::Iban.holds(&iban), "{iban}");
            assert!(!real.contains(&iban), "{iban} is real");
            lengths.insert(iban.len());
        }
        // French IBANs' length, and the one template too rare for codes of its own, which
        // borrows every country's.
        assert!(lengths.is_subset(&HashSet::from([27, 16])), "{lengths:?}");
        assert!(lengths.contains(&27));
        // A code no template carries gives an id of any.
        let iban = shape.draw_coded_avoiding(&mut rng, Some("ZZ"), |_| false);
        assert!(CheckDigit::Iban.holds(&iban), "{iban}");
    }

    /// Only a shape tied to the row keeps an id's code when the id is drawn again.
    #[test]
    fn only_tied_codes_are_kept() {
        let shape = IdShape::learn(planted_ibans().into_iter(), 5);
        let iban = "DE89370400440532013000";
        assert_eq!(shape.kept_code(iban), None);
        assert_eq!(shape.tied().kept_code(iban).as_deref(), Some("DE"));
    }

    /// RFC 4122 version 4 UUIDs: hexadecimal digits one class, the version and variant
    /// places keep to the real digits.
    #[test]
    fn uuids_stay_version_4() {
        let mut next = planted(3);
        let hex = |next: &mut dyn FnMut(u64) -> u64, count: usize| -> String {
            (0..count)
                .map(|_| hex_char(next(16) as u8, false))
                .collect()
        };
        let real: Vec<Arc<str>> = (0..500)
            .map(|_| {
                let variant = hex_char(8 + next(4) as u8, false);
                Arc::from(format!(
                    "{}-{}-4{}-{variant}{}-{}",
                    hex(&mut next, 8),
                    hex(&mut next, 4),
                    hex(&mut next, 3),
                    hex(&mut next, 3),
                    hex(&mut next, 12)
                ))
            })
            .collect();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert!(shape.check());
        assert_eq!(
            shape.templates.first().map(String::as_str),
            Some("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        );
        let mut rng = rng_for(2, "uuids");
        let mut variants = HashSet::new();
        for _ in 0..2_000 {
            let uuid = shape.draw(&mut rng);
            let bytes = uuid.as_bytes();
            assert_eq!(uuid.len(), 36, "{uuid}");
            assert_eq!(bytes[14], b'4', "{uuid}");
            assert!(b"89ab".contains(&bytes[19]), "{uuid}");
            assert!(
                uuid.bytes()
                    .all(|b| b == b'-' || b"0123456789abcdef".contains(&b)),
                "{uuid}"
            );
            variants.insert(bytes[19]);
        }
        assert_eq!(variants.len(), 4);
    }

    /// Card numbers with a valid Luhn digit: every fresh one has one too, and they stay
    /// distinct when drawn avoiding those taken.
    #[test]
    fn luhn_numbers_are_drawn_valid_and_distinct() {
        let mut next = planted(11);
        let real: Vec<Arc<str>> = (0..300)
            .map(|_| {
                let body = format!(
                    "4{} {} {} {}",
                    digits(&mut next, 3),
                    digits(&mut next, 4),
                    digits(&mut next, 4),
                    digits(&mut next, 4)
                );
                Arc::from(CheckDigit::Luhn.fix(&body).expect("digits"))
            })
            .collect();
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert_eq!(shape.check, Some(CheckDigit::Luhn));
        let mut rng = rng_for(4, "cards");
        let mut seen: HashSet<Arc<str>> = HashSet::new();
        for _ in 0..3_000 {
            let card = shape.draw_avoiding(&mut rng, |id| seen.iter().any(|s| &**s == id));
            assert!(CheckDigit::Luhn.holds(&card), "{card}");
            assert!(card.starts_with('4') && card.len() == 19, "{card}");
            assert!(seen.insert(card.clone()), "{card} twice");
        }
    }

    /// Planted: parcels' `LxWxH` (10 <= L <= 120, 10 <= W <= min(L, 80), 5 <= H <= W), drawn
    /// as ids. In the character shape, most drawn ones had a leading zero (`50x01x6`), a part
    /// out of range or out of order (`14x80x39`); drawn as joined numbers, none, and no real
    /// value seen fewer than 5 times is drawn, while the frequent ones may be.
    #[test]
    fn parcel_sizes_are_drawn_as_ordered_numbers() {
        let mut rng = rng_for(8, "planted parcels");
        let real: Vec<Arc<str>> = (0..4_000)
            .map(|_| {
                let l: u32 = rng.random_range(10..=120);
                let w: u32 = rng.random_range(10..=l.min(80));
                let h: u32 = rng.random_range(5..=w);
                Arc::from(format!("{l}x{w}x{h}"))
            })
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for value in &real {
            *counts.entry(value).or_default() += 1;
        }
        let shape = IdShape::learn(real.iter().cloned(), 5);
        assert!(shape.check());
        let mut rng = rng_for(8, "drawn parcels");
        let mut frequent = 0;
        for _ in 0..4_000 {
            let parcel = shape.draw(&mut rng);
            let parts: Vec<&str> = parcel.split('x').collect();
            assert!(
                parts.len() == 3 && parts.iter().all(|p| !p.starts_with('0')),
                "{parcel}"
            );
            let [l, w, h] = [0, 1, 2].map(|i| parts[i].parse::<u32>().expect("whole"));
            assert!(
                (10..=120).contains(&l) && (10..=l.min(80)).contains(&w),
                "{parcel}"
            );
            assert!((5..=w).contains(&h), "{parcel}");
            if let Some(&n) = counts.get(&*parcel) {
                assert!(n >= 5, "{parcel}: a rare real value");
                frequent += 1;
            }
        }
        assert!(
            frequent > 0,
            "the frequent real sizes of the shortest parcels are drawn"
        );
    }

    /// Numbers where Luhn holds by chance on the few values seen: no scheme is taken, and
    /// the last digits are drawn as before.
    #[test]
    fn luhn_by_chance_on_few_values_is_not_taken() {
        let mut next = planted(5);
        let valid: Vec<Arc<str>> = (0..12)
            .map(|_| {
                Arc::from(
                    CheckDigit::Luhn
                        .fix(&digits(&mut next, 12))
                        .expect("digits"),
                )
            })
            .collect();
        let shape = IdShape::learn(valid.iter().cloned(), 5);
        assert_eq!(shape.check, None);
        let mut rng = rng_for(4, "few");
        let failing = (0..500)
            .filter(|_| !CheckDigit::Luhn.holds(&shape.draw(&mut rng)))
            .count();
        assert!(failing > 300, "{failing} of 500 fail Luhn");
        // Many numbers of which about a tenth hold: none taken either.
        let plain: Vec<Arc<str>> = (0..500).map(|_| Arc::from(digits(&mut next, 12))).collect();
        assert_eq!(IdShape::learn(plain.into_iter(), 5).check, None);
    }

    /// Letters spelling a number among digits (`A1B2`-like codes, flats `12A`) are not taken
    /// for hexadecimal digits.
    #[test]
    fn few_hex_letters_among_digits_are_no_hex_class() {
        let flats: Vec<Arc<str>> = (0..200)
            .map(|i| Arc::from(format!("{}{}", 1 + i % 40, ["", "A", "B"][i % 3])))
            .collect();
        let shape = IdShape::learn(flats.into_iter(), 5);
        assert!(
            shape.templates.iter().all(|t| !t.contains(HEX_UPPER)),
            "{:?}",
            shape.templates
        );
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

    /// A model file's codes must be sorted by template and spelt in capitals as long as
    /// their run, or a draw would write letters out of shape.
    #[test]
    fn id_shapes_with_codes_out_of_shape_are_refused() {
        let shape = IdShape::learn(planted_ibans().into_iter(), 5);
        assert!(shape.check() && shape.codes.len() > 1, "{:?}", shape.codes);
        let refused = |change: &dyn Fn(&mut Vec<TemplateCodes>)| {
            let mut codes = shape.codes.clone();
            change(&mut codes);
            !IdShape {
                codes,
                ..shape.clone()
            }
            .check()
        };
        assert!(refused(&|codes| codes.swap(0, 1)), "templates out of order");
        let spelt = |spelling: &'static str| {
            move |codes: &mut Vec<TemplateCodes>| {
                codes[0].1[0].codes =
                    Weighted::frequent(std::iter::once(Arc::from(spelling)), 1).expect("one code");
            }
        };
        assert!(refused(&spelt("DEU")), "longer than its run");
        assert!(refused(&spelt("de")), "not capitals");
        assert!(!refused(&spelt("XY")));
        assert!(
            refused(&|codes| codes[0].1[0].at = 2),
            "no run of capitals there"
        );
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
