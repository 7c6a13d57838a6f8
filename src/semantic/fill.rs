//! Generators of semantic columns, run on each synthetic row after the table model drew it:
//! names from the public lists of the row's locale (from its country column, or its parent's),
//! e-mails built from the row's generated names with the real data's username patterns and
//! frequent domains, phones in the real shapes with the country's calling code, postcodes in the
//! real shapes, titles and text from a word-level model.
//!
//! What is kept obeys the privacy threshold k: values shared by at least k rows (common first
//! names, `gmail.com`), patterns and shapes; a rare real value is never stored or replayed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Table, TextColumn, Value};
use crate::model::marginal::{Weighted, text_hash};
use crate::sampling::{BLOCK_ROWS, SynthRng, block_stream, in_blocks};
use crate::schema::{ColumnKind, TableDef};
use crate::stats::{FastMap, FastSet};

use super::company::CompanyModel;
use super::county;
use super::detect::{TableContext, detect, is_email};
use super::follows;
use super::fullname::{FullNames, PAIR_REDRAWS, Pairs, pair_hash};
use super::locale::{Locale, country, mail_form};
use super::phrases::Phrases;
use super::places;
use super::postcode::{self, PostcodeModel};
use super::text::WordModel;
use crate::schema::SemanticType;

/// Share of a country's real phones that must share their first digit group for it to be taken
/// as the country's prefix.
const PREFIX_SHARE: f64 = 0.9;

/// The semantic generators of one table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SemanticTable {
    /// The semantic type of every modelled column (for `inspect`), in table order.
    pub types: Vec<SemanticType>,
    columns: Vec<SemanticColumn>,
    country: Option<CountrySource>,
    titles: Option<Titles>,
    /// The first- and last-name columns, whose pairs the table repeats only as often as the
    /// real rows do ([`FullNames`]). Since format 78.
    #[serde(default)]
    full_names: Option<FullNames>,
}

/// First names by the title of their row (`Mr.`, `Mrs.`, `Ms.`, `Dr.`): a name drawn from the
/// locale lists says nothing of gender, so a `Mrs.` row could be called Richard. A row whose
/// title says a gender gets one of the real first names seen with that gender in at least the
/// privacy threshold rows (as frequent names are reused anyway), or, as often as real rows of
/// that gender had a rarer name, a name from the public list of that gender.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Titles {
    /// The title column.
    title: usize,
    /// The first-name column.
    first: usize,
    /// Each gendered title (sorted), with the names its rows get.
    names: Vec<(Arc<str>, TitleNames)>,
}

/// The first names of the rows of one gender.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TitleNames {
    /// Real names seen with the gender's titles in at least k rows, weighted by their rows.
    frequent: Option<Weighted<Arc<str>>>,
    /// The share of the gender's real rows whose name was rarer: drawn from the public list.
    fresh_share: f64,
    /// Women's titles (else men's).
    women: bool,
}

impl TitleNames {
    /// The names of the real rows whose title is of `gender` ([`MALE_TITLES`] or
    /// [`FEMALE_TITLES`]); `None` when no row has such a title.
    fn of<'a>(
        rows: impl Iterator<Item = (&'a Arc<str>, &'a Arc<str>)>,
        gender: &[&str],
        min_count: usize,
    ) -> Option<TitleNames> {
        let names: Vec<&str> = rows
            .filter(|(title, _)| gender.contains(&title_word(title).as_str()))
            .map(|(_, name)| &**name)
            .collect();
        let mut counts: FastMap<&str, usize> = FastMap::default();
        for name in &names {
            *counts.entry(name).or_default() += 1;
        }
        let rare: usize = counts.values().filter(|&&n| n < min_count).sum();
        (!names.is_empty()).then(|| TitleNames {
            frequent: Weighted::frequent(names.iter().map(|&name| Arc::from(name)), min_count),
            fresh_share: rare as f64 / names.len() as f64,
            women: std::ptr::eq(gender, FEMALE_TITLES),
        })
    }

    /// A name of the gender: a frequent real one, or one of the public list of the row's
    /// `locale` ([`Locale::gendered`]: a `Sra.` of Spain is not called Jennifer).
    fn draw(&self, locale: Locale, rng: &mut SynthRng) -> Arc<str> {
        match &self.frequent {
            Some(frequent) if rng.random::<f64>() >= self.fresh_share => frequent.draw(rng).clone(),
            _ => {
                let list = locale.gendered(self.women);
                Arc::from(list[rng.random_range(0..list.len())])
            }
        }
    }

    /// Whether names read from a model file can be drawn.
    fn check(&self) -> bool {
        (0.0..=1.0).contains(&self.fresh_share)
            && self.frequent.as_ref().is_none_or(Weighted::check)
    }
}

/// Titles (lowercase, without the final point) that make a column a title column: those of
/// men, of women, and those said of either. A column of sexes (`M`, `F`, `male`, `female`) is
/// one too: a patient whose sex was `M` was called Maria in 307 of 2,000 synthetic rows.
const MALE_TITLES: &[&str] = &["mr", "sir", "lord", "herr", "m", "sr", "sig", "male", "man"];
const FEMALE_TITLES: &[&str] = &[
    "mrs", "ms", "miss", "madam", "dame", "lady", "frau", "mme", "mlle", "sra", "srta", "sig.ra",
    "f", "female", "woman",
];
const EITHER_TITLES: &[&str] = &["dr", "prof", "mx", "u", "x", "unknown", "other"];

/// The share of a column's values that must be titles for it to be taken as the title column.
const TITLE_SHARE: f64 = 0.9;

/// Where a row's country comes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum CountrySource {
    /// A column of the row (by index).
    Column(usize),
    /// A column of the parent a foreign key points at.
    Parent {
        key: String,
        parent: String,
        column: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SemanticColumn {
    index: usize,
    kind: SemanticType,
    /// Values seen in at least k rows, and the share of rows whose value was rarer.
    frequent: Option<Weighted<Arc<str>>>,
    fresh_share: f64,
    /// Whether every real value is ASCII (names then come from Latin-script lists only, and
    /// are spelled in ASCII: [`SemanticColumn::ascii_name`]).
    ascii: bool,
    generator: Generator,
    /// For a name column of a table whose rows have a country: `frequent` and `fresh_share`
    /// of the rows of each locale, which its rows reuse in their place. Learned over the whole
    /// column, a Spanish guest's frequent name (Martinez, 5 real rows) was written for 89
    /// guests of every country. Since format 62.
    #[serde(default)]
    by_locale: Vec<LocaleNames>,
    /// For a name column of a table whose rows have a country: the locales whose real rows'
    /// names are not of their own lists ([`follows::unfollowed`]: TPC-DS names its customers
    /// born in Mexico or France as those born in Ohio); their rows are drawn as the English
    /// rows are. Empty (every locale follows its country) in files written before format 62.
    #[serde(default)]
    unfollowed: Vec<Locale>,
}

/// The frequent names of the rows of one locale, and the share of its rows whose name was
/// rarer ([`SemanticColumn::by_locale`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LocaleNames {
    locale: Locale,
    frequent: Option<Weighted<Arc<str>>>,
    fresh_share: f64,
}

/// Each real name of `column` with the locale of its row (`countries`: each row's country).
fn names_by_locale<'a>(
    column: &'a Column,
    countries: &'a [Option<String>],
) -> impl Iterator<Item = (&'a str, Locale)> {
    let named = column.values.iter().zip(countries);
    named.filter_map(|(value, country)| match value {
        Value::Label(name) => Some((&**name, row_locale(country.as_deref()))),
        _ => None,
    })
}

/// The locale whose names a row of `locale` takes: English where its real rows' names do not
/// follow their country (`unfollowed`).
fn followed(unfollowed: &[Locale], locale: Locale) -> Locale {
    match unfollowed.contains(&locale) {
        true => Locale::En,
        false => locale,
    }
}

/// The names of `column` by the locale of their rows (`countries`: each real row's country),
/// each locale's kept as [`frequent_of`] keeps a column's, the rows of an `unfollowed` locale
/// with the English ones; the locales in [`Locale::ALL`] order.
fn by_locale(
    column: &Column,
    countries: &[Option<String>],
    unfollowed: &[Locale],
    min_count: usize,
) -> Vec<LocaleNames> {
    let mut groups: Vec<Vec<&str>> = vec![Vec::new(); Locale::ALL.len()];
    for (name, locale) in names_by_locale(column, countries) {
        groups[followed(unfollowed, locale) as usize].push(name);
    }
    Locale::ALL
        .iter()
        .zip(groups)
        .filter(|(_, names)| !names.is_empty())
        .map(|(&locale, names)| {
            let (frequent, fresh_share) = frequent_of(&names, min_count);
            LocaleNames {
                locale,
                frequent,
                fresh_share,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Generator {
    Names,
    /// Street names in the real values' shape.
    Street(StreetShape),
    Email(EmailModel),
    Phone(PhoneModel),
    /// Postcodes in the real shape whose first characters follow the row's region.
    Postcode(PostcodeModel),
    Text(Box<WordModel>),
    /// The row's primary key in the real values' text (`Customer#000000001` on key 1).
    KeyText(KeyText),
    /// Real place names from a public list, with the real values' last word when they all
    /// share one (`Grant` + `County`).
    Place {
        list: PlaceList,
        suffix: Option<String>,
        /// The state column a county lies in (see [`county`]).
        region: Option<usize>,
    },
    /// Company names in the shapes of the real ones ([`CompanyModel`]). Since format 58.
    Company(CompanyModel),
    /// The fresh labels the table model writes in a categorical column of word phrases,
    /// written again as phrases of its words ([`Phrases`]); its frequent labels stay as
    /// drawn. Since format 81.
    Phrases(Phrases),
}

/// A column whose every real value spells its row's primary key between a fixed prefix and
/// suffix (TPC-H's `c_name`, `Customer#000000001` on key 1, `INV-1042` on key 1042). Keys are
/// re-assigned 1..N, so a value drawn from the real values' shape names another row's key
/// (`Customer#000006335` on key 1); written from the synthetic key, it names its own. The
/// value says nothing the key does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyText {
    prefix: String,
    /// The digits the key is padded to with zeros (0: as many as it has).
    width: usize,
    suffix: String,
}

/// The fewest real rows that make a column's values key text: with fewer, a match could be
/// chance.
const MIN_KEY_TEXT_ROWS: usize = 20;

/// The longest prefix or suffix of key text a model file may hold, and the widest padding.
const MAX_KEY_TEXT_AFFIX: usize = 256;
const MAX_KEY_TEXT_WIDTH: usize = 20;

impl KeyText {
    /// The key text of `values` against their rows' primary keys `keys`: `None` unless every
    /// row (at least [`MIN_KEY_TEXT_ROWS`]) has a value whose last run of digits is its key,
    /// after one prefix and before one suffix, with one width of zero padding.
    pub fn learn(values: &[Value], keys: &TextColumn) -> Option<KeyText> {
        if values.len() < MIN_KEY_TEXT_ROWS || values.len() != keys.len() {
            return None;
        }
        let mut learned: Option<KeyText> = None;
        let (mut padded, mut lengths) = (false, HashSet::new());
        for (value, key) in values.iter().zip(keys.iter()) {
            let Value::Label(text) = value else {
                return None;
            };
            let key: u64 = key?.parse().ok()?;
            let (prefix, digits, suffix) = last_digits(text)?;
            if digits.parse::<u64>().ok()? != key {
                return None;
            }
            padded |= digits.len() > 1 && digits.starts_with('0');
            lengths.insert(digits.len());
            match &learned {
                Some(known) if known.prefix != prefix || known.suffix != suffix => return None,
                Some(_) => {}
                None => {
                    learned = Some(KeyText {
                        prefix: prefix.to_string(),
                        width: 0,
                        suffix: suffix.to_string(),
                    });
                }
            }
        }
        let mut learned = learned?;
        if padded {
            // Padded keys all have the padded length.
            if lengths.len() != 1 {
                return None;
            }
            learned.width = lengths.into_iter().next()?;
        }
        Some(learned)
    }

    /// The text of the row whose primary key is `key`.
    fn write(&self, key: usize) -> String {
        format!(
            "{}{key:0width$}{}",
            self.prefix,
            self.suffix,
            width = self.width
        )
    }

    /// Whether key text read from a model file is of a sane size.
    fn check(&self) -> bool {
        self.prefix.len() <= MAX_KEY_TEXT_AFFIX
            && self.suffix.len() <= MAX_KEY_TEXT_AFFIX
            && self.width <= MAX_KEY_TEXT_WIDTH
    }

    /// What `inspect` shows: the first two keys' text.
    pub fn describe(&self) -> String {
        format!("{}, {}, ...", self.write(1), self.write(2))
    }
}

/// A text split around its last run of ASCII digits: (before, digits, after).
fn last_digits(text: &str) -> Option<(&str, &str, &str)> {
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = text[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |at| {
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        });
    Some((&text[..start], &text[start..end], &text[end..]))
}

/// Which public list a place column draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum PlaceList {
    Towns,
    Counties,
    Streets,
}

/// How a column's real street values are built: a house number first or not, one to three
/// name words, a suffix (`Road`, `St`) last or not (`370 Rivera Oval`, `Dogwood Sunset`,
/// `Washington 6th`), each shape weighted by the real values that have it. A street-name
/// column beside a number column and a type column holds no number and no suffix, and a fresh
/// value keeps to that; shapes are drawn whole, not part by part, so a fresh value has as many
/// words as real ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreetShape {
    shapes: Weighted<StreetForm>,
    /// The digits of the real house numbers (`2184 Reynolds Drive`: 4), by their rows: drawn
    /// from 1 to 999, no house had the four or five digits most real ones had. Since format 53.
    #[serde(default)]
    number_digits: Option<Weighted<u8>>,
    /// The last words of the real names seen in at least the privacy threshold of rows and
    /// never inside a name (`Turnpike`, `Shoals`), when real values end in them: the locale's
    /// list lacked some, and a name read without its suffix was drawn as three names
    /// (`Hillcrest Adams Willow`). Since format 53.
    #[serde(default)]
    suffixes: Option<Weighted<Arc<str>>>,
    /// The words of the real secondary units (`Apt.`, `Suite`) and the digits of their
    /// numbers, each seen in at least the privacy threshold of rows. Since format 53.
    #[serde(default)]
    units: Option<(Weighted<Arc<str>>, Weighted<u8>)>,
    /// The share of the real name words that are ordinals (`5th`, `2nd`; none when fewer than
    /// the privacy threshold): the public list's ordinals were drawn for an eighth of the
    /// streets of a column that had none (`817 15th Curve`). `None` (an older model file): the
    /// list's own share. Since format 82.
    #[serde(default)]
    ordinal_share: Option<f64>,
}

/// One shape of street value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
struct StreetForm {
    numbered: bool,
    /// Name words: 1, 2, or 3 for three and more.
    names: u8,
    suffixed: bool,
    /// Followed by a secondary unit (`Apt. 453`). Since format 53.
    #[serde(default)]
    unit: bool,
}

/// Words that open a secondary unit after a street (lower case, without a final point).
const UNIT_WORDS: &[&str] = &["apt", "suite", "ste", "unit", "#", "flat", "room", "bldg"];

/// The words of a street value: its house number (when it has one), the words of the street,
/// and its secondary unit's word and number (when it has one).
type StreetParts<'a> = (Option<&'a str>, Vec<&'a str>, Option<(&'a str, &'a str)>);

/// A street value's [`StreetParts`].
fn street_parts(value: &str) -> StreetParts<'_> {
    let mut words: Vec<&str> = value.split_whitespace().collect();
    let number = (words.len() > 1 && is_house_number(words[0])).then(|| words.remove(0));
    let unit = match words.as_slice() {
        [.., _, word, number]
            if UNIT_WORDS.contains(&word.trim_end_matches('.').to_lowercase().as_str())
                && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some((*word, *number))
        }
        _ => None,
    };
    if unit.is_some() {
        words.truncate(words.len() - 2);
    }
    (number, words, unit)
}

/// The number of digits of a number's text, as a weight's item.
fn digit_count(text: &str) -> Option<u8> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    u8::try_from(digits).ok().filter(|&n| (1..=9).contains(&n))
}

/// Abbreviated street suffixes, beside the locales' lists of whole ones.
const SUFFIX_ABBREVIATIONS: &[&str] = &[
    "st", "rd", "ave", "av", "ln", "dr", "blvd", "ct", "pl", "pkwy", "hwy", "cir", "ter", "sq",
    "trl", "way",
];

/// The words that end a street name as its suffix, lower case: every locale's suffixes and
/// their common abbreviations, less the words street names are made of (`Lake`, `Hill`,
/// `View` are suffixes in `fake`'s list, yet `Cedar Lake` is a name, as TPC-DS writes it).
static SUFFIXES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let names: HashSet<String> = places::STREETS
        .iter()
        .flat_map(|name| name.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    Locale::ALL
        .iter()
        .flat_map(|locale| locale.lists().street.iter().copied())
        .chain(SUFFIX_ABBREVIATIONS.iter().copied())
        .map(str::to_lowercase)
        .filter(|word| !names.contains(word))
        .collect()
});

/// Every locale's street suffixes and their abbreviations, lower case, words street names are
/// made of included (`Green`, `Lake`): a suffix where a column's names end in suffixes.
static ANY_SUFFIXES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    Locale::ALL
        .iter()
        .flat_map(|locale| locale.lists().street.iter().copied())
        .chain(SUFFIX_ABBREVIATIONS.iter().copied())
        .map(str::to_lowercase)
        .collect()
});

/// A word's form as a suffix: lower case, without a final point or comma.
fn suffix_key(word: &str) -> String {
    word.trim_end_matches(['.', ',']).to_lowercase()
}

/// An ordinal street name (`5th`, `22nd`, `1ST`).
fn is_ordinal(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let ending = word[digits.len()..].to_lowercase();
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ["st", "nd", "rd", "th"].contains(&ending.as_str())
}

/// A list entry (`Cedar Creek`, `5th`) with an ordinal word.
fn has_ordinal(name: &str) -> bool {
    name.split_whitespace().any(is_ordinal)
}

impl StreetShape {
    /// The shapes of a column's street values (`None` when it has none); `min_count`: the
    /// privacy threshold the real suffix and unit words are kept at.
    fn learn(column: &Column, min_count: usize) -> Option<StreetShape> {
        let parts: Vec<_> = column.labels().map(street_parts).collect();
        let real_suffixes = real_suffixes(&parts, min_count);
        let is_suffix = |word: &str| {
            SUFFIXES.contains(&suffix_key(word))
                || real_suffixes
                    .as_ref()
                    .is_some_and(|real| real.items().iter().any(|kept| **kept == *word))
        };
        let broad = mostly_suffixed(&parts, is_suffix);
        let ends_in_suffix = |words: &[&str]| {
            words.len() > 1
                && words.last().is_some_and(|word| {
                    is_suffix(word) || (broad && ANY_SUFFIXES.contains(&suffix_key(word)))
                })
        };
        let (mut name_words, mut ordinals) = (0usize, 0usize);
        let forms: Vec<StreetForm> = parts
            .iter()
            .filter_map(|(number, words, unit)| {
                let suffixed = ends_in_suffix(words);
                let names = &words[..words.len() - usize::from(suffixed)];
                name_words += names.len();
                ordinals += names.iter().filter(|word| is_ordinal(word)).count();
                Some(StreetForm {
                    numbered: number.is_some(),
                    names: u8::try_from(names.len().min(3)).ok().filter(|&n| n > 0)?,
                    suffixed,
                    unit: unit.is_some(),
                })
            })
            .collect();
        let shapes = Weighted::frequent(forms.into_iter(), 1)?;
        // Ordinals in fewer rows than the privacy threshold count as none.
        let ordinals = if ordinals < min_count { 0 } else { ordinals };
        let ordinal_share = (name_words > 0).then(|| ordinals as f64 / name_words as f64);
        let numbers = parts
            .iter()
            .filter_map(|(number, ..)| digit_count((*number)?));
        let unit_words = parts
            .iter()
            .filter_map(|(.., unit)| Some(Arc::from((*unit)?.0)));
        let unit_digits = parts
            .iter()
            .filter_map(|(.., unit)| digit_count((*unit)?.1));
        let units = Weighted::frequent(unit_words, min_count)
            .zip(Weighted::frequent(unit_digits, min_count));
        // A few suffixes are drawn from the locale's list (as many as the real ones are
        // frequent): from one real `Avenue`, a fresh `13th Avenue` was a real street again.
        let suffixes = real_suffixes.filter(|real| real.items().len() >= MIN_REAL_SUFFIXES);
        Some(StreetShape {
            shapes,
            number_digits: Weighted::frequent(numbers, 1),
            suffixes,
            units,
            ordinal_share,
        })
    }

    /// Whether shapes read from a model file can be drawn from, each with one to three names.
    fn check(&self) -> bool {
        let digits = |weights: &Weighted<u8>| {
            weights.check() && weights.items().iter().all(|n| (1..=9).contains(n))
        };
        self.shapes.check()
            && self
                .shapes
                .items()
                .iter()
                .all(|f| (1..=3).contains(&f.names))
            && self.number_digits.as_ref().is_none_or(digits)
            && self.suffixes.as_ref().is_none_or(Weighted::check)
            && self
                .ordinal_share
                .is_none_or(|share| (0.0..=1.0).contains(&share))
            && self
                .units
                .as_ref()
                .is_none_or(|(words, numbers)| words.check() && digits(numbers))
    }

    /// A street in a shape drawn by its weight: name words from `names` (not empty), a suffix
    /// from `suffixes` (none when empty).
    fn draw(&self, names: &[&str], suffixes: &[&str], rng: &mut SynthRng) -> String {
        let form = *self.shapes.draw(rng);
        let mut words: Vec<String> = Vec::with_capacity(7);
        if form.numbered {
            words.push(match &self.number_digits {
                Some(digits) => number_of(*digits.draw(rng), rng),
                None => rng.random_range(1..1000).to_string(),
            });
        }
        // A list's names may have two words (`Cedar Creek`): drawn again while too long.
        let mut left = usize::from(form.names);
        while left > 0 {
            let pool = self.name_pool(names, rng);
            let mut name = pick(&pool, rng);
            for _ in 0..8 {
                if name.split_whitespace().count() <= left {
                    break;
                }
                name = pick(&pool, rng);
            }
            left = left.saturating_sub(name.split_whitespace().count().max(1));
            words.push(name);
        }
        match &self.suffixes {
            Some(real) if form.suffixed => words.push(real.draw(rng).to_string()),
            _ if form.suffixed && !suffixes.is_empty() => words.push(pick(suffixes, rng)),
            _ => {}
        }
        if let (true, Some((unit_words, digits))) = (form.unit, &self.units) {
            words.push(unit_words.draw(rng).to_string());
            words.push(number_of(*digits.draw(rng), rng));
        }
        words.join(" ")
    }

    /// The entries of `names` (not empty) a name word is drawn from: its ordinals at the real
    /// share of ordinal words, its other names otherwise (the whole list when that part is
    /// empty, or for a model file without the share).
    fn name_pool<'a, 'b>(&self, names: &'b [&'a str], rng: &mut SynthRng) -> Cow<'b, [&'a str]> {
        let ordinal = match self.ordinal_share {
            None => return Cow::Borrowed(names),
            Some(share) if share <= 0.0 => false,
            Some(share) if share >= 1.0 => true,
            Some(share) => rng.random::<f64>() < share,
        };
        let pool: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| has_ordinal(name) == ordinal)
            .collect();
        if pool.is_empty() {
            Cow::Borrowed(names)
        } else {
            Cow::Owned(pool)
        }
    }
}

/// Whether at least half the real street names of two words or more end in a suffix
/// (`is_suffix`): then a last word that is a suffix in some list but also a name word
/// (`Darrell Green`) is the suffix too, where a column of bare names (`Cedar Lake`) keeps it
/// a name.
fn mostly_suffixed(parts: &[StreetParts<'_>], is_suffix: impl Fn(&str) -> bool) -> bool {
    let named = parts.iter().filter(|(_, words, _)| words.len() > 1);
    let ending = named
        .clone()
        .filter(|(_, words, _)| words.last().is_some_and(|word| is_suffix(word)))
        .count();
    2 * ending >= named.count().max(1)
}

/// The fewest distinct real suffixes drawn in place of the locale's list.
const MIN_REAL_SUFFIXES: usize = 3;

/// A number of `digits` digits, the first not 0.
fn number_of(digits: u8, rng: &mut SynthRng) -> String {
    let low = 10u64.pow(u32::from(digits.max(1)) - 1);
    rng.random_range(low..low * 10).to_string()
}

/// The last words of the real street names (two words or more, after the house number and
/// before a unit) seen there in at least `min_count` rows and never as another word of a
/// name, when they end at least half the names.
fn real_suffixes(parts: &[StreetParts<'_>], min_count: usize) -> Option<Weighted<Arc<str>>> {
    let named = parts.iter().filter(|(_, words, _)| words.len() > 1);
    let inner: FastSet<&str> = named
        .clone()
        .flat_map(|(_, words, _)| words[..words.len() - 1].iter().copied())
        .collect();
    let last = named
        .clone()
        .filter_map(|(_, words, _)| words.last().copied());
    let kept = last.filter(|word| !inner.contains(word) && word.chars().all(char::is_alphabetic));
    let suffixes = Weighted::frequent(kept.map(Arc::from), min_count.max(2))?;
    let ending = suffixes.total();
    (ending >= 0.5 * named.count() as f64).then_some(suffixes)
}

/// A house number: digits, perhaps with one letter after them (`12`, `12B`; not `6th`).
fn is_house_number(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && word.len() - digits.len() <= 1
}

/// One of a list's entries at random (the list not empty).
fn pick(list: &[&str], rng: &mut SynthRng) -> String {
    list[rng.random_range(0..list.len())].to_string()
}

impl PlaceList {
    fn names(self) -> &'static [&'static str] {
        match self {
            PlaceList::Towns => places::TOWNS,
            PlaceList::Counties => places::COUNTIES,
            PlaceList::Streets => places::STREETS,
        }
    }
}

/// The share of a column's values that must end in the same word (`County`, `Parish`) for the
/// column to be taken as a column of county names.
const SUFFIX_SHARE: f64 = 0.8;

/// The longest suffix kept from a county column (a word, not a sentence).
const MAX_SUFFIX_CHARS: usize = 24;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EmailModel {
    /// Username patterns (`{F}.{L}`, `{f}{l}`, ...) seen in at least k rows.
    patterns: Option<Weighted<Arc<str>>>,
    /// Domains seen in at least k rows, and the share of rows they cover.
    domains: Option<Weighted<Arc<str>>>,
    domain_share: f64,
    /// Whether no two real rows share an address (a key of the table, as a user's e-mail
    /// usually is): the synthetic addresses are then made unique ([`Uniques`]). Since format 11.
    #[serde(default)]
    unique: bool,
    /// Usernames with digits in a shape seen in at least k rows (`u######`: an account number,
    /// not a name: [`is_account`]), and the share of addresses they make up: that share of the synthetic
    /// addresses is written in those shapes, not from a name. Since format 20.
    #[serde(default)]
    user_shapes: Option<Weighted<Arc<str>>>,
    #[serde(default)]
    user_shape_share: f64,
    /// The column of the row that tells the domain, when one does ([`ToldBy`]). Since
    /// format 52.
    #[serde(default)]
    domain_by: Option<ToldBy>,
    /// The endings (`net`, `biz`) of addresses at their row's company's domain (its first
    /// word: `misty.blake@barnes.net` at `Barnes, Cole and Ramirez`), seen in at least k rows,
    /// when nearly every real address beside a company is ([`at_company_domain`]): a synthetic
    /// address is then at its row's synthetic company, where each company's few addresses
    /// fell below the threshold and went to gmail or yahoo (1,500 of 1,500 contacts). Since
    /// format 63.
    #[serde(default)]
    company_endings: Option<Weighted<Arc<str>>>,
}

/// Real addresses beside a company, and the share of them at its domain, from which the
/// synthetic ones are put at their row's company ([`EmailModel::company_endings`]).
const COMPANY_ROWS: usize = 20;
const COMPANY_SHARE: f64 = 0.8;

/// The stem of a company's domain: its first word (up to a hyphen) as an address spells it
/// (`barnes` for `Barnes, Cole and Ramirez`, `munoz` for `Munoz-Roman`).
pub(super) fn company_stem(company: &str) -> String {
    let first = company.split_whitespace().next().unwrap_or_default();
    let first = first.split('-').next().unwrap_or_default();
    mail_form(first).to_lowercase()
}

/// The endings of the addresses of `emails` at their row's company's domain (`companies`),
/// when at least [`COMPANY_ROWS`] rows have both and [`COMPANY_SHARE`] of them are.
fn at_company_domain(
    emails: &[Value],
    companies: &[Value],
    min_count: usize,
) -> Option<Weighted<Arc<str>>> {
    let (mut both, mut endings) = (0usize, Vec::new());
    for (email, company) in emails.iter().zip(companies) {
        let (Value::Label(email), Value::Label(company)) = (email, company) else {
            continue;
        };
        let Some((_, domain)) = email.split_once('@') else {
            continue;
        };
        both += 1;
        let stem = company_stem(company);
        match domain.split_once('.') {
            Some((first, ending)) if !stem.is_empty() && first.eq_ignore_ascii_case(&stem) => {
                endings.push(Arc::from(ending.to_lowercase()))
            }
            _ => {}
        }
    }
    let enough = both >= COMPANY_ROWS && endings.len() as f64 >= COMPANY_SHARE * both as f64;
    enough
        .then(|| Weighted::frequent(endings.into_iter(), min_count))
        .flatten()
}

/// The parts of a generated value that each value of a column of the row tells: an e-mail's
/// domain (an agent's address is at the agency's domain, a French customer's at a French
/// provider; drawn from the domains of the whole column, four agents in five wrote from another
/// agency's domain), a phone's area code (a customer's city's: drawn from the whole column's,
/// 999 of 1,000 customers' area codes were not of their city). Only (value, part) pairs seen
/// in at least the privacy threshold of rows are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ToldBy {
    /// The column (one the table model draws: its values are real ones).
    column: usize,
    /// Each value with the parts of its rows, sorted by value.
    by_value: Vec<(Arc<str>, Weighted<Arc<str>>)>,
}

/// The share of the parts' uncertainty a column must remove to be taken as telling them:
/// a customer's country removes a third of the e-mail domains' (the big providers serve every
/// country).
const TOLD_SHARE: f64 = 0.25;

/// The fewest rows of a value that its parts' uncertainty is measured on (in privacy
/// thresholds): a value of a few rows has few domains by chance.
const TOLD_ROWS: usize = 4;

impl ToldBy {
    /// The column of `candidates` that tells the domains of the e-mail column `index` best
    /// ([`ToldBy::of_parts`]).
    fn domains(
        table: &Table,
        index: usize,
        candidates: &[usize],
        min_count: usize,
    ) -> Option<Self> {
        let domains: Vec<Option<&str>> = table.columns[index]
            .values
            .iter()
            .map(|value| match value {
                Value::Label(email) => email.split_once('@').map(|(_, domain)| domain),
                _ => None,
            })
            .collect();
        Self::of_parts(table, &domains, candidates, min_count)
    }

    /// The column of `candidates` that tells `parts` (one per row, `None` where the row has
    /// none) best, when one removes [`TOLD_SHARE`] of their uncertainty and its kept pairs
    /// cover half the rows that have a part.
    fn of_parts(
        table: &Table,
        parts: &[Option<&str>],
        candidates: &[usize],
        min_count: usize,
    ) -> Option<Self> {
        let present = parts.iter().flatten().count();
        if present == 0 {
            return None;
        }
        candidates
            .iter()
            .filter_map(|&column| {
                let pairs: Vec<(&str, &str)> = table.columns[column]
                    .values
                    .iter()
                    .zip(parts)
                    .filter_map(|pair| match pair {
                        (Value::Label(value), Some(part)) => Some((&**value, *part)),
                        _ => None,
                    })
                    .collect();
                let measured = of_frequent_keys(&pairs, TOLD_ROWS * min_count.max(1));
                let spread = entropy(measured.iter().map(|(_, part)| *part));
                let told = spread - conditional_entropy(&measured);
                let by_value = kept_pairs(&pairs, min_count);
                let covered: f64 = by_value.iter().map(|(_, parts)| parts.total()).sum();
                let telling =
                    spread > 0.0 && told >= TOLD_SHARE * spread && covered >= 0.5 * present as f64;
                telling.then_some((told, ToldBy { column, by_value }))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.column.cmp(&a.1.column)))
            .map(|(_, by)| by)
    }

    /// A part for `row` of `columns`, when its value has some.
    fn draw(&self, columns: &[Column], row: usize, rng: &mut SynthRng) -> Option<Arc<str>> {
        let Value::Label(value) = columns.get(self.column)?.values.get(row)? else {
            return None;
        };
        let at = self
            .by_value
            .binary_search_by(|(known, _)| known.as_ref().cmp(value))
            .ok()?;
        Some(self.by_value[at].1.draw(rng).clone())
    }

    fn check(&self) -> bool {
        self.by_value.is_sorted_by(|a, b| a.0 < b.0)
            && self.by_value.iter().all(|(_, domains)| domains.check())
    }
}

/// The entropy (in nats) of the values' frequencies.
fn entropy<'a>(values: impl Iterator<Item = &'a str>) -> f64 {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.ln()
        })
        .sum()
}

/// The pairs whose first value is in at least `least` of them.
fn of_frequent_keys<'a>(pairs: &[(&'a str, &'a str)], least: usize) -> Vec<(&'a str, &'a str)> {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for (key, _) in pairs {
        *counts.entry(key).or_default() += 1;
    }
    let frequent = |key: &str| counts.get(key).is_some_and(|&n| n >= least);
    pairs
        .iter()
        .copied()
        .filter(|(key, _)| frequent(key))
        .collect()
}

/// The entropy of the pairs' second values within their first, weighted by rows.
fn conditional_entropy(pairs: &[(&str, &str)]) -> f64 {
    let mut groups: FastMap<&str, Vec<&str>> = FastMap::default();
    for (key, value) in pairs {
        groups.entry(key).or_default().push(value);
    }
    let total = pairs.len().max(1) as f64;
    groups
        .values()
        .map(|values| values.len() as f64 / total * entropy(values.iter().copied()))
        .sum()
}

/// Each first value with its second values seen beside it in at least `min_count` rows, sorted
/// by first value (those with none left out).
fn kept_pairs(pairs: &[(&str, &str)], min_count: usize) -> Vec<(Arc<str>, Weighted<Arc<str>>)> {
    let mut groups: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (key, value) in pairs {
        groups.entry(key).or_default().push(value);
    }
    groups
        .into_iter()
        .filter_map(|(key, values)| {
            let kept = Weighted::frequent(values.into_iter().map(Arc::from), min_count)?;
            Some((Arc::from(key), kept))
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PhoneModel {
    /// Digit shapes (`##-###-###-####`) seen in at least k rows.
    shapes: Option<Weighted<Arc<str>>>,
    /// The first digit group of the phones of each country seen in at least k rows.
    prefixes: Vec<(String, String)>,
    /// For each shape, the digits each of its places takes (a bit per digit, seen in at least
    /// k rows; 0: any): a US area code or exchange never starts with 0 or 1, and drawn from
    /// every digit a third of the numbers were invalid. Sorted by shape. Since format 44.
    #[serde(default)]
    places: Vec<(Arc<str>, Vec<u16>)>,
    /// The real area codes ([`Areas`]), when some are seen in at least k rows. Since format 56.
    #[serde(default)]
    areas: Option<Areas>,
}

/// The area codes of a phone column ([`area_of`]: `415` of `415-574-6042`, `1-312` of
/// `+1-312-719-0768`), each seen in at least the privacy threshold of rows, by their rows, and
/// those of each value of a column of the row that tells them (a city, a state, a country).
/// Drawn digit by digit, 1,000 synthetic customers had 539 area codes where the real ones have
/// 72, ten of them N11 service codes (`411`, `911`), and 999 were not of their row's city.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Areas {
    codes: Weighted<Arc<str>>,
    /// The share of the real phones whose area code is one of `codes`: as many synthetic ones
    /// get a fresh code, digit by digit.
    share: f64,
    /// The column of the row that tells the area code, when one does.
    by: Option<ToldBy>,
}

/// Draws of a phone whose North American area code or exchange is an N11 service code before
/// one is kept anyway ([`nanp_n11`]).
const PHONE_REDRAWS: usize = 8;

/// Username patterns tried, in order: `{f}` first name, `{l}` last name, `{i}` first initial.
const PATTERNS: &[&str] = &[
    "{f}.{l}", "{f}_{l}", "{f}{l}", "{i}{l}", "{i}.{l}", "{l}.{f}", "{l}{i}", "{f}", "{l}",
];

/// Trains the generators of a table; `None` when no column has one. `min_count` is the
/// table's privacy threshold; personal columns use at least `personal_min` (the unreduced
/// threshold: in a 1-row table every value is unique, and a manager's name is still personal).
pub fn train(
    def: &TableDef,
    table: &Table,
    referenced: bool,
    parents: &[(&str, &str, &Table)],
    min_count: usize,
    personal_min: usize,
) -> Option<SemanticTable> {
    let context = TableContext {
        table: &table.name,
        referenced,
        rows: table.rows(),
    };
    let types: Vec<SemanticType> = table
        .columns
        .iter()
        .map(|column| {
            def.columns
                .get(&column.name)
                .and_then(|over| over.semantic())
                .unwrap_or_else(|| detect(context, column))
        })
        .collect();
    let primary_keys = def.primary_key.as_ref().and_then(|pk| table.keys.get(pk));
    let key_text = |index: usize| {
        let column: &Column = &table.columns[index];
        let chosen = def
            .columns
            .get(&column.name)
            .and_then(|over| over.semantic());
        let text_kind = matches!(
            column.kind,
            ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
        );
        (chosen.is_none() && text_kind)
            .then(|| KeyText::learn(&column.values, primary_keys?))
            .flatten()
    };
    let country = country_source(table, &types, parents);
    let real_countries = countries_of_rows(table, country.as_ref(), parents);
    let regions = postcode::region_columns(table, &types, |index| {
        county_column(&table.columns[index]).is_some()
    });
    let areas_by = area_columns(table, &regions, country.as_ref());
    let learned = Learned {
        countries: &real_countries,
        regions: &regions,
        areas_by: &areas_by,
    };
    let columns: Vec<SemanticColumn> = types
        .iter()
        .enumerate()
        .filter_map(|(index, &kind)| {
            let min_count = if kind.is_personal() {
                min_count.max(personal_min)
            } else {
                min_count
            };
            let generator = key_text(index)
                .map(Generator::KeyText)
                .or_else(|| generator(table, &types, index, kind, min_count, &learned))?;
            let column = &table.columns[index];
            let (frequent, fresh_share) = frequent(column, min_count);
            let has_countries = real_countries.iter().any(Option::is_some);
            let (by_locale, unfollowed) = match generator {
                Generator::Names if has_countries => {
                    let names = names_by_locale(column, &real_countries);
                    let unfollowed = follows::unfollowed(kind, names);
                    let by = by_locale(column, &real_countries, &unfollowed, min_count);
                    (by, unfollowed)
                }
                _ => (Vec::new(), Vec::new()),
            };
            Some(SemanticColumn {
                index,
                kind,
                frequent,
                fresh_share,
                ascii: column.labels().all(|v| v.is_ascii()),
                generator,
                by_locale,
                unfollowed,
            })
        })
        .collect();
    let columns = with_told_domains(columns, table, min_count.max(personal_min));
    let titles = titles(table, &types, min_count.max(personal_min));
    let full_names = FullNames::learn(table, &types);
    (!columns.is_empty() || types.iter().any(|t| *t != SemanticType::None)).then_some(
        SemanticTable {
            types,
            columns,
            country,
            titles,
            full_names,
        },
    )
}

/// The e-mail columns' domains by a column of the row that tells them ([`ToldBy`]), among
/// the categorical columns no generator replaces (their synthetic values are real ones).
fn with_told_domains(
    mut columns: Vec<SemanticColumn>,
    table: &Table,
    min_count: usize,
) -> Vec<SemanticColumn> {
    let replaced: Vec<usize> = columns.iter().map(|column| column.index).collect();
    let candidates: Vec<usize> = (0..table.columns.len())
        .filter(|index| {
            table.columns[*index].kind == ColumnKind::Categorical && !replaced.contains(index)
        })
        .collect();
    for column in &mut columns {
        if let Generator::Email(model) = &mut column.generator {
            model.domain_by = ToldBy::domains(table, column.index, &candidates, min_count);
        }
    }
    columns
}

/// The first names of each gendered title, when the table has a first-name column and a column
/// of titles (at least two distinct, [`TITLE_SHARE`] of its values): the names real rows with a
/// title of the same gender had (`Mrs.`, `Ms.` and `Miss` share theirs), each seen in at least
/// `min_count` such rows (privacy). Titles said of either gender (`Dr.`) keep the usual names.
fn titles(table: &Table, types: &[SemanticType], min_count: usize) -> Option<Titles> {
    let first = types.iter().position(|t| *t == SemanticType::FirstName)?;
    let title = table.columns.iter().position(|column| {
        let values: Vec<&str> = column.labels().collect();
        let titled = values.iter().filter(|v| is_title(v)).count();
        let distinct: FastSet<&str> = values.iter().copied().collect();
        column.kind == ColumnKind::Categorical
            && distinct.len() >= 2
            && titled as f64 >= TITLE_SHARE * values.len().max(1) as f64
    })?;
    let rows = || {
        table.columns[title]
            .values
            .iter()
            .zip(&table.columns[first].values)
            .filter_map(|pair| match pair {
                (Value::Label(title), Value::Label(name)) => Some((title, name)),
                _ => None,
            })
    };
    let men = TitleNames::of(rows(), MALE_TITLES, min_count);
    let women = TitleNames::of(rows(), FEMALE_TITLES, min_count);
    let titles: std::collections::BTreeSet<&Arc<str>> = rows().map(|(title, _)| title).collect();
    let names: Vec<(Arc<str>, TitleNames)> = titles
        .into_iter()
        .filter_map(|title| {
            let word = title_word(title);
            let names = if MALE_TITLES.contains(&word.as_str()) {
                men.clone()
            } else if FEMALE_TITLES.contains(&word.as_str()) {
                women.clone()
            } else {
                None
            };
            Some((title.clone(), names?))
        })
        .collect();
    (!names.is_empty()).then_some(Titles {
        title,
        first,
        names,
    })
}

/// Whether a value is a title (`Mr.`, `mrs`, `Dr`).
fn is_title(value: &str) -> bool {
    let word = title_word(value);
    [MALE_TITLES, FEMALE_TITLES, EITHER_TITLES]
        .iter()
        .any(|titles| titles.contains(&word.as_str()))
}

/// A title as the lists above spell it: trimmed, lowercase, without its final point.
fn title_word(value: &str) -> String {
    value.trim().trim_end_matches('.').to_lowercase()
}

/// What a table's generators are learned beside: each real row's country, and the columns that
/// may tell a postcode's region.
struct Learned<'a> {
    countries: &'a [Option<String>],
    regions: &'a [usize],
    /// The columns that may tell a phone's area code: the regions and the row's own country.
    areas_by: &'a [usize],
}

fn generator(
    table: &Table,
    types: &[SemanticType],
    index: usize,
    kind: SemanticType,
    min_count: usize,
    learned: &Learned<'_>,
) -> Option<Generator> {
    let column = &table.columns[index];
    if !matches!(
        column.kind,
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
    ) {
        return None;
    }
    Some(match kind {
        SemanticType::FirstName | SemanticType::LastName | SemanticType::FullName => {
            Generator::Names
        }
        SemanticType::StreetAddress if mean_words(column) >= 1.5 => {
            Generator::Street(StreetShape::learn(column, min_count)?)
        }
        // A place names no one: frequent real values are reused, rarer ones come from the
        // public lists (ASCII columns only: the lists are of the United States).
        SemanticType::StreetAddress if ascii(column) => Generator::Place {
            list: PlaceList::Streets,
            suffix: None,
            region: None,
        },
        SemanticType::City if ascii(column) => Generator::Place {
            list: PlaceList::Towns,
            suffix: None,
            region: None,
        },
        SemanticType::State => Generator::Place {
            list: PlaceList::Counties,
            suffix: Some(county_column(column)?),
            region: county::state_column(table, index, learned.regions),
        },
        SemanticType::Company => {
            Generator::Company(CompanyModel::learn(column, learned.countries, min_count)?)
        }
        SemanticType::Email => Generator::Email(EmailModel::train(table, types, index, min_count)),
        SemanticType::Phone => {
            let mut model = PhoneModel::train(column, learned.countries, min_count);
            model.areas = Areas::learn(table, index, learned.areas_by, min_count);
            Generator::Phone(model)
        }
        SemanticType::Postcode => Generator::Postcode(PostcodeModel::learn(
            table,
            index,
            (learned.regions, learned.countries),
            min_count,
        )),
        // A label of several words (`More than other authori`) is text too: drawn word by
        // word without the chain of words before, it read as `authori More authori authori`.
        SemanticType::Text | SemanticType::Label if column.kind == ColumnKind::Text => {
            Generator::Text(Box::new(WordModel::train(column.labels(), min_count)?))
        }
        // No meaning, but the categorical model's fresh labels of a column of phrases.
        SemanticType::None => Generator::Phrases(Phrases::learn(column, min_count)?),
        _ => return None,
    })
}

fn ascii(column: &Column) -> bool {
    column.labels().all(|v| v.is_ascii())
}

/// The last word of a column of county names that the public list of counties replaces (ASCII
/// columns only: the list is of the United States); `None` for a column the table model keeps.
fn county_column(column: &Column) -> Option<String> {
    ascii(column).then(|| county_word(column)).flatten()
}

/// The last word most values of a column of county names share (`County`, `Parish`); `None`
/// for a column of states or provinces (`TX`, `Texas`), which the table model keeps.
fn county_word(column: &Column) -> Option<String> {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    let mut present = 0;
    for value in column.labels() {
        present += 1;
        let mut words = value.split_whitespace();
        if let (Some(_), Some(last)) = (words.next(), words.next_back()) {
            *counts.entry(last).or_default() += 1;
        }
    }
    let (word, count) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?;
    let shaped = word.chars().all(|c| c.is_ascii_alphabetic()) && word.len() <= MAX_SUFFIX_CHARS;
    (shaped && count as f64 >= SUFFIX_SHARE * present as f64).then(|| word.to_string())
}

fn mean_words(column: &Column) -> f64 {
    let (words, n) = column.labels().fold((0, 0), |(w, n), v| {
        (w + v.split_whitespace().count(), n + 1)
    });
    words as f64 / f64::from(n.max(1))
}

/// The values seen in at least `min_count` rows, and the share of present values that are rarer.
fn frequent(column: &Column, min_count: usize) -> (Option<Weighted<Arc<str>>>, f64) {
    frequent_of(&column.labels().collect::<Vec<_>>(), min_count)
}

/// [`frequent`] of some values (a column's present ones, or those of some of its rows).
fn frequent_of(values: &[&str], min_count: usize) -> (Option<Weighted<Arc<str>>>, f64) {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for label in values {
        *counts.entry(label).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let rare: usize = counts.values().filter(|&&n| n < min_count).sum();
    let weighted = Weighted::frequent(
        values
            .iter()
            .filter(|v| counts[*v] >= min_count)
            .map(|&v| Arc::from(v)),
        min_count,
    );
    (weighted, rare as f64 / total.max(1) as f64)
}

/// The columns that may tell a phone's area code: the region columns (a state, a city) and the
/// row's own column of countries, when it is categorical.
fn area_columns(table: &Table, regions: &[usize], country: Option<&CountrySource>) -> Vec<usize> {
    let own = match country {
        Some(CountrySource::Column(index))
            if table.columns[*index].kind == ColumnKind::Categorical =>
        {
            Some(*index)
        }
        _ => None,
    };
    regions.iter().copied().chain(own).collect()
}

/// The row's own country column, else a parent's column of country names.
fn country_source(
    table: &Table,
    types: &[SemanticType],
    parents: &[(&str, &str, &Table)],
) -> Option<CountrySource> {
    if let Some(index) = types.iter().position(|t| *t == SemanticType::Country) {
        return Some(CountrySource::Column(index));
    }
    let _ = table;
    parents.iter().find_map(|(key, parent, parent_table)| {
        parent_table.columns.iter().find_map(|column| {
            let values: Vec<&str> = column.labels().collect();
            let known = values.iter().filter(|v| country(v).is_some()).count();
            (!values.is_empty() && known * 10 >= values.len() * 8).then(|| CountrySource::Parent {
                key: key.to_string(),
                parent: parent.to_string(),
                column: column.name.clone(),
            })
        })
    })
}

/// The real country of every row (for learning phone prefixes).
fn countries_of_rows(
    table: &Table,
    source: Option<&CountrySource>,
    parents: &[(&str, &str, &Table)],
) -> Vec<Option<String>> {
    let text = |value: &Value| match value {
        Value::Label(label) => Some(label.to_string()),
        _ => None,
    };
    match source {
        Some(CountrySource::Column(index)) => {
            table.columns[*index].values.iter().map(text).collect()
        }
        Some(CountrySource::Parent { key, column, .. }) => {
            let Some((_, _, parent)) = parents.iter().find(|(k, _, _)| k == key) else {
                return vec![None; table.rows()];
            };
            let Some(values) = parent.column(column) else {
                return vec![None; table.rows()];
            };
            let (Some(pk), Some(own)) = (parent.keys.values().next(), table.keys.get(key.as_str()))
            else {
                return vec![None; table.rows()];
            };
            crate::keys::parent_index(own.iter(), pk.iter())
                .into_iter()
                .map(|row| row.and_then(|row| text(&values.values[row])))
                .collect()
        }
        None => vec![None; table.rows()],
    }
}

impl EmailModel {
    fn train(table: &Table, types: &[SemanticType], index: usize, min_count: usize) -> EmailModel {
        let name_of = |kind: SemanticType| {
            types
                .iter()
                .position(|t| *t == kind)
                .map(|i| &table.columns[i].values)
        };
        let (first, last) = (
            name_of(SemanticType::FirstName),
            name_of(SemanticType::LastName),
        );
        let company_endings = name_of(SemanticType::Company).and_then(|companies| {
            at_company_domain(&table.columns[index].values, companies, min_count)
        });
        let mut patterns: Vec<Arc<str>> = Vec::new();
        let mut domains: Vec<Arc<str>> = Vec::new();
        let mut user_shapes: Vec<Arc<str>> = Vec::new();
        for (row, value) in table.columns[index].values.iter().enumerate() {
            let Value::Label(email) = value else { continue };
            let Some((user, domain)) = email.split_once('@') else {
                continue;
            };
            domains.push(Arc::from(domain));
            let name = |values: Option<&Vec<Value>>| match values.map(|v| &v[row]) {
                Some(Value::Label(text)) => mail_form(text),
                _ => String::new(),
            };
            let named = first.is_some() || last.is_some();
            let pattern = match named {
                true => pattern_of(user, &name(first), &name(last)),
                false => joint_of(user),
            };
            // A username that spells its row's name is not an account number, however often
            // its letters recur (`jwilson##`, nine real J. Wilsons).
            if is_account(user) && !(named && pattern.is_some()) {
                user_shapes.push(Arc::from(shape(user)));
            }
            if let Some(pattern) = pattern {
                patterns.push(Arc::from(pattern));
            }
        }
        let present = domains.len();
        let distinct: FastSet<&str> = table.columns[index].labels().collect();
        let unique = present >= 2 && distinct.len() == present;
        let domains = Weighted::frequent(domains.into_iter(), min_count);
        let covered = domains.as_ref().map_or(0, |d| d.total() as usize);
        let user_shapes = Weighted::frequent(user_shapes.into_iter(), min_count);
        let shaped = user_shapes.as_ref().map_or(0, |s| s.total() as usize);
        EmailModel {
            patterns: Weighted::frequent(patterns.into_iter(), min_count),
            domains,
            domain_share: covered as f64 / present.max(1) as f64,
            unique,
            user_shapes,
            user_shape_share: shaped as f64 / present.max(1) as f64,
            domain_by: None,
            company_endings,
        }
    }
}

/// Whether a username reads as an account number (`u004217`, `cust0042`): at least as many
/// digits as letters. A name with digits after it (`jwilson58`) is not one: its shape keeps the
/// letters, and replayed it gave a student called Ashley Gordon the address `mjones65@` (178 of
/// 3,000 students' addresses named another person).
fn is_account(user: &str) -> bool {
    let digits = user.bytes().filter(u8::is_ascii_digit).count();
    let letters = user.chars().filter(|c| c.is_alphabetic()).count();
    digits > 0 && digits >= letters
}

/// The username pattern `user` follows for a person named `first last`, with its casing: upper-
/// case letters in the pattern (`{F}`) mean the name is written capitalised, and a `#` per digit
/// the name is followed by (`kenneth.davis760`: `{f}.{l}###`; written without them, a shop's
/// addresses lost the digits all its real ones had).
fn pattern_of(user: &str, first: &str, last: &str) -> Option<String> {
    if first.is_empty() || last.is_empty() {
        return None;
    }
    let stem = user.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = "#".repeat(user.len() - stem.len());
    PATTERNS.iter().find_map(|pattern| {
        let lower = expand(pattern, first, last).to_lowercase();
        (stem.to_lowercase() == lower).then(|| {
            let pattern = if user.chars().next().is_some_and(char::is_uppercase) {
                pattern
                    .replace("{f}", "{F}")
                    .replace("{l}", "{L}")
                    .replace("{i}", "{I}")
            } else {
                pattern.to_string()
            };
            pattern + &digits
        })
    })
}

/// A username's pattern read from its shape alone, for a table with no name columns to match
/// it against: `sharonsaunders` is `{f}{l}`, `Jane_Doe42` is `{F}_{L}##` (the joint between
/// the names, their case, the digits after them). Without it, every address of a table of
/// website visitors was written `first.last`, where three real ones in four ran the names
/// together.
fn joint_of(user: &str) -> Option<String> {
    let stem = user.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = "#".repeat(user.len() - stem.len());
    let letters = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphabetic());
    let joint = match stem.split(['.', '_', '-']).collect::<Vec<_>>().as_slice() {
        [one] if letters(one) => "",
        [first, last] if letters(first) && letters(last) => &stem[first.len()..=first.len()],
        _ => return None,
    };
    let names = match stem.starts_with(|c: char| c.is_ascii_uppercase()) {
        true => ("{F}", "{L}"),
        false => ("{f}", "{l}"),
    };
    Some(format!("{}{joint}{}{digits}", names.0, names.1))
}

/// A username from a pattern and a name.
fn expand(pattern: &str, first: &str, last: &str) -> String {
    let initial: String = first.chars().take(1).collect();
    pattern
        .replace("{f}", &first.to_lowercase())
        .replace("{l}", &last.to_lowercase())
        .replace("{i}", &initial.to_lowercase())
        .replace("{F}", &capitalised(first))
        .replace("{L}", &capitalised(last))
        .replace("{I}", &initial.to_uppercase())
}

/// The word with its first letter in upper case (the rest as written: `McDonald`).
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl PhoneModel {
    fn train(column: &Column, countries: &[Option<String>], min_count: usize) -> PhoneModel {
        let shapes = column.labels().map(|v| Arc::from(shape(v)));
        let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
        for (value, country) in column.values.iter().zip(countries) {
            if let (Value::Label(phone), Some(country)) = (value, country) {
                groups.entry(country).or_default().push(first_group(phone));
            }
        }
        let mut prefixes: Vec<(String, String)> = groups
            .into_iter()
            .filter(|(_, firsts)| firsts.len() >= min_count)
            .filter_map(|(country, firsts)| {
                let same = firsts.iter().filter(|f| **f == firsts[0]).count();
                (same as f64 >= PREFIX_SHARE * firsts.len() as f64)
                    .then(|| (country.to_string(), firsts[0].to_string()))
            })
            .collect();
        prefixes.sort();
        let shapes = Weighted::frequent(shapes, min_count);
        let places = shapes
            .as_ref()
            .map(|shapes| digit_places(column, shapes.items(), min_count))
            .unwrap_or_default();
        PhoneModel {
            shapes,
            prefixes,
            places,
            areas: None,
        }
    }

    /// A phone for `row` of `columns` (the rows drawn so far), in `country_name`: a real
    /// shape's digits, its area code a real one (the row's region's, where a column tells it),
    /// drawn again while a North American number's area code or exchange is an N11 code.
    fn draw(
        &self,
        columns: &[Column],
        (row, country_name): (usize, Option<&str>),
        rng: &mut SynthRng,
    ) -> String {
        let shape = self
            .shapes
            .as_ref()
            .map_or("###-###-####", |s| s.draw(rng).as_ref());
        let places = self
            .places
            .binary_search_by(|(known, _)| known.as_ref().cmp(shape))
            .map_or(&[][..], |at| &self.places[at].1);
        let prefix = self.prefix_of(country_name, shape);
        // A code of one run stands where the country's prefix goes: not drawn for nothing.
        let area = (self.areas.as_ref())
            .filter(|areas| prefix.is_none() || areas.past_prefix())
            .and_then(|areas| areas.draw(columns, row, rng));
        let mut phone = String::new();
        for _ in 0..PHONE_REDRAWS {
            phone = with_digits_in(shape, places, rng);
            if let Some(with) = area.as_deref().and_then(|code| with_area(&phone, code)) {
                phone = with;
            }
            if !nanp_n11(&phone) {
                break;
            }
        }
        if let Some(prefix) = prefix {
            let rest = &phone[first_group(&phone).len()..];
            phone = format!("{prefix}{rest}");
        }
        phone
    }

    /// The first group of the phones of `country_name` in `shape`: the one learned from the
    /// real data, else the country's calling code where the shape starts with `+`.
    fn prefix_of(&self, country_name: Option<&str>, shape: &str) -> Option<String> {
        let learned = country_name.and_then(|name| {
            self.prefixes
                .iter()
                .find(|(c, _)| c == name)
                .map(|(_, prefix)| prefix.clone())
        });
        let builtin = || {
            let code = country(country_name?)?.calling_code;
            shape.starts_with('+').then(|| format!("+{code}"))
        };
        learned.or_else(builtin)
    }
}

impl Areas {
    /// The area codes of the phone column `index` of `table`, when some are seen in at least
    /// `min_count` rows, with the column of `candidates` that tells them, if one does.
    fn learn(table: &Table, index: usize, candidates: &[usize], min_count: usize) -> Option<Areas> {
        let codes: Vec<Option<String>> = (table.columns[index].values.iter())
            .map(|value| match value {
                Value::Label(phone) => area_of(phone).map(|(code, _)| code),
                _ => None,
            })
            .collect();
        let present = codes.iter().flatten().count();
        let kept = Weighted::frequent(codes.iter().flatten().map(|c| Arc::from(&**c)), min_count)?;
        let parts: Vec<Option<&str>> = codes.iter().map(Option::as_deref).collect();
        Some(Areas {
            share: kept.total() / present.max(1) as f64,
            codes: kept,
            by: ToldBy::of_parts(table, &parts, candidates, min_count),
        })
    }

    /// An area code for `row` of `columns`: one of its region's when a column tells them and
    /// the row's value has some, else one of the real ones as often as real phones had one
    /// (`None`: a fresh one).
    fn draw(&self, columns: &[Column], row: usize, rng: &mut SynthRng) -> Option<Arc<str>> {
        if let Some(code) = (self.by.as_ref()).and_then(|by| by.draw(columns, row, rng)) {
            return Some(code);
        }
        (rng.random::<f64>() < self.share).then(|| self.codes.draw(rng).clone())
    }

    /// Whether the codes hold digits past a country's prefix (`1-312`): a code of one run
    /// (TPC-H's `25` of `25-989-741-2988`) is the first group, which the row's country sets.
    fn past_prefix(&self) -> bool {
        self.codes.items().iter().any(|code| code.contains('-'))
    }

    /// Whether areas read from a model file can be drawn, in a table of `columns` columns.
    fn check(&self, columns: usize) -> bool {
        self.codes.check()
            && (0.0..=1.0).contains(&self.share)
            && (self.by.as_ref()).is_none_or(|by| by.column < columns && by.check())
    }
}

/// The runs of digits of a phone, as byte ranges.
fn digit_runs(phone: &str) -> Vec<Range<usize>> {
    let bytes = phone.as_bytes();
    let mut runs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        if at > start {
            runs.push(start..at);
        }
        at += 1;
    }
    runs
}

/// A phone's area code and the runs of digits it is read from: the first run, with the next
/// after a country code (`+1-312`) or a lone trunk digit (`1-800`), the runs joined by `-`.
/// `None` when no digits follow it (a number written without separators).
fn area_of(phone: &str) -> Option<(String, Vec<Range<usize>>)> {
    let runs = digit_runs(phone);
    let first = runs.first()?;
    let count = match phone.starts_with('+') || first.len() == 1 {
        true => 2,
        false => 1,
    };
    if runs.len() <= count {
        return None;
    }
    let code: Vec<&str> = runs[..count]
        .iter()
        .map(|run| &phone[run.clone()])
        .collect();
    Some((code.join("-"), runs[..count].to_vec()))
}

/// `phone` with its area code's digits those of `code`, when its area code has that code's
/// shape (as many runs of as many digits).
fn with_area(phone: &str, code: &str) -> Option<String> {
    let (own, runs) = area_of(phone)?;
    if shape(&own) != shape(code) {
        return None;
    }
    let mut digits = code.bytes().filter(u8::is_ascii_digit);
    let mut bytes = phone.as_bytes().to_vec();
    for at in runs.into_iter().flatten() {
        bytes[at] = digits.next()?;
    }
    String::from_utf8(bytes).ok()
}

/// Whether `phone` is a North American number (runs of 3, 3 and 4 digits, after a country
/// code `1` or none) whose area code or exchange is an N11 service code (`411`, `911`),
/// which no subscriber's number has.
fn nanp_n11(phone: &str) -> bool {
    let runs = digit_runs(phone);
    let national = match runs.as_slice() {
        [_, _, _] => &runs[..],
        [code, rest @ ..] if rest.len() == 3 && &phone[code.clone()] == "1" => rest,
        _ => return false,
    };
    let lengths: Vec<usize> = national.iter().map(Range::len).collect();
    lengths == [3, 3, 4]
        && national[..2]
            .iter()
            .any(|run| phone[run.clone()].ends_with("11"))
}

/// A shape's `#` replaced by random digits, the `k`-th among those `places[k]` allows (a bit
/// per digit; every digit where it has none, or past its end).
fn with_digits_in(shape: &str, places: &[u16], rng: &mut SynthRng) -> String {
    let mut place = 0;
    shape
        .chars()
        .map(|c| {
            if c != '#' {
                return c;
            }
            let allowed = places.get(place).copied().filter(|&mask| mask != 0);
            place += 1;
            let digit = match allowed {
                Some(mask) => {
                    let nth = rng.random_range(0..mask.count_ones() as u8);
                    (0..10u8)
                        .filter(|d| mask & (1 << d) != 0)
                        .nth(usize::from(nth))
                }
                None => Some(rng.random_range(0..10u8)),
            };
            char::from(b'0' + digit.unwrap_or(0))
        })
        .collect()
}

/// For each of `shapes` (sorted), the digits each of its places takes in the column's values
/// of that shape (bits of digits seen at least `min_count` times there; 0 when none is).
fn digit_places(
    column: &Column,
    shapes: &[Arc<str>],
    min_count: usize,
) -> Vec<(Arc<str>, Vec<u16>)> {
    let mut counts: HashMap<&str, Vec<[usize; 10]>> = HashMap::new();
    for value in column.labels() {
        let digits = value.bytes().filter(u8::is_ascii_digit);
        let Some(places) = shapes
            .iter()
            .find(|known| shape_fits(known, value))
            .map(|known| {
                counts
                    .entry(known)
                    .or_insert_with(|| vec![[0; 10]; known.matches('#').count()])
            })
        else {
            continue;
        };
        for (place, digit) in places.iter_mut().zip(digits) {
            place[usize::from(digit - b'0')] += 1;
        }
    }
    let mut places: Vec<(Arc<str>, Vec<u16>)> = shapes
        .iter()
        .filter_map(|known| {
            let masks = counts.get(known.as_ref())?.iter().map(|counts| {
                (0..10)
                    .filter(|&d| counts[d] >= min_count)
                    .fold(0u16, |mask, d| mask | 1 << d)
            });
            Some((Arc::clone(known), masks.collect()))
        })
        .collect();
    places.sort_by(|a, b| a.0.cmp(&b.0));
    places
}

/// Whether `value` has the shape `shape` ([`shape`] of it), without making the shape.
fn shape_fits(shape: &str, value: &str) -> bool {
    shape.len() == value.len()
        && shape
            .chars()
            .zip(value.chars())
            .all(|(s, v)| if s == '#' { v.is_ascii_digit() } else { s == v })
}

/// Digits replaced by `#`.
fn shape(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// The leading `+` and digits of a phone number, up to the first separator.
fn first_group(phone: &str) -> &str {
    let end = phone
        .char_indices()
        .skip(1)
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(phone.len(), |(i, _)| i);
    &phone[..end]
}

/// The first row of block `block` of a job over rows `first_row..` (see [`in_blocks`]).
fn block_start(first_row: usize, block: usize) -> usize {
    ((first_row / BLOCK_ROWS + block) * BLOCK_ROWS).max(first_row)
}

/// The values already written to each unique column of a table ([`SemanticTable::uniques`]).
#[derive(Debug, Default)]
pub struct Uniques {
    columns: Vec<(usize, Seen)>,
    /// The full names written so far, where the table has a pair of name columns
    /// ([`FullNames`]).
    pairs: Option<Pairs>,
}

/// The values written to one column, as 64-bit hashes (eight bytes a row, not the text).
#[derive(Debug, Default)]
struct Seen {
    hashes: HashSet<u64, foldhash::fast::FixedState>,
}

impl Seen {
    /// Gives each address an earlier row already has other digits at the end of its user
    /// name ([`other_digits`]: `cdavis73@` for `cdavis72@`) or, where it has none (or all are
    /// taken), a number after it (`anna.smith2@`, then `3`, ...), the first one not yet
    /// written: two customers with one address break a unique constraint the real table obeys.
    fn make_unique(&mut self, values: &mut [Value]) {
        let hasher = foldhash::fast::FixedState::with_seed(0);
        for value in values {
            let Value::Label(text) = value else { continue };
            if self.hashes.insert(hasher.hash_one(&**text)) {
                continue;
            }
            let (user, domain) = text.split_once('@').unwrap_or((text, ""));
            let at = if domain.is_empty() { "" } else { "@" };
            let mut new = |candidate: &String| self.hashes.insert(hasher.hash_one(candidate));
            let fresh = other_digits(user)
                .map(|user| format!("{user}{at}{domain}"))
                .find(&mut new)
                .or_else(|| {
                    (2u64..)
                        .map(|n| format!("{user}{n}{at}{domain}"))
                        .find(&mut new)
                });
            if let Some(fresh) = fresh {
                *value = Value::Label(Arc::from(fresh));
            }
        }
    }

    /// Draws again each company name of `values` (rows `first_row..` of the table) that an
    /// earlier row already holds: `redraw(row, stream)` with `row` counted in `values`, from a
    /// stream of the name's text and row (the same whatever the threads), [`COMPANY_REDRAWS`]
    /// times at most, then a number after the name (`Smith Inc 2`). Drawn one by one, 600
    /// names from their shapes held a few repeats where the real ones held none.
    fn make_distinct(
        &mut self,
        values: &mut [Value],
        first_row: usize,
        mut redraw: impl FnMut(usize, &mut SynthRng) -> Option<String>,
    ) {
        let hasher = foldhash::fast::FixedState::with_seed(0);
        for (row, value) in values.iter_mut().enumerate() {
            let Value::Label(text) = value else { continue };
            if self.hashes.insert(hasher.hash_one(&**text)) {
                continue;
            }
            let mut rng = block_stream(text_hash(text), (first_row + row) as u64);
            let mut new =
                |candidate: &String| self.hashes.insert(hasher.hash_one(candidate.as_str()));
            let fresh = (0..COMPANY_REDRAWS)
                .filter_map(|_| redraw(row, &mut rng))
                .find(&mut new)
                .or_else(|| (2u64..).map(|n| format!("{text} {n}")).find(&mut new));
            if let Some(fresh) = fresh {
                *value = Value::Label(Arc::from(fresh));
            }
        }
    }
}

/// A username's other spellings with as many digits at its end (`cdavis73`, `cdavis74`, ...
/// after `cdavis72`), for an address an earlier row holds: a number put after the digits
/// (`cdavis722`) broke the real shape of two digits. None for a username without digits
/// there, or with more than [`MAX_SWAPPED_DIGITS`] (too many to try).
fn other_digits(user: &str) -> impl Iterator<Item = String> + '_ {
    let stem = user.trim_end_matches(|c: char| c.is_ascii_digit());
    let width = user.len() - stem.len();
    let (count, start) = match (1..=MAX_SWAPPED_DIGITS).contains(&width) {
        true => (
            10u64.pow(width as u32),
            user[stem.len()..].parse().unwrap_or(0),
        ),
        false => (1, 0),
    };
    (1..count).map(move |step| format!("{stem}{:0width$}", (start + step) % count))
}

/// The most digits at a username's end that [`other_digits`] tries every other value of.
const MAX_SWAPPED_DIGITS: usize = 3;

/// Draws of a fresh company name that an earlier row holds before a number is put after it.
const COMPANY_REDRAWS: usize = 32;

/// The stream company names are drawn from in a block whose stream is `block`: a stream of its
/// own, so that the other columns draw what they drew before company names had a generator
/// (TPC-DS's one-row `store`, `call_center`, `web_site` kept their company names, and their
/// street names changed).
fn company_stream(block: &SynthRng) -> SynthRng {
    let mut stream = block.clone();
    stream.set_stream(block.get_stream() | 1 << 63);
    stream
}

/// Writes `value` to the cell of `columns` at (column, row), where there is one.
fn set_cell(columns: &mut [Column], (column, row): (usize, usize), value: Value) {
    if let Some(cell) = columns.get_mut(column).and_then(|c| c.values.get_mut(row)) {
        *cell = value;
    }
}

/// The locale of a row of `country_name` (English when it is unknown).
fn row_locale(country_name: Option<&str>) -> Locale {
    country_name
        .and_then(country)
        .map_or(Locale::En, |c| c.locale)
}

/// Short texts (of at most this many bytes) a block of rows holds at most
/// [`REPEATS_PER_BLOCK`] times each: TPC-H's part comments of one or two words came from a
/// few frequent word pairs (`s boost` in 34 of 2,000 parts, where no real comment is in more
/// than three). Longer texts hardly ever repeat and are not counted.
const SHORT_TEXT: usize = 24;

/// How many times a block of rows ([`BLOCK_ROWS`]) may hold the same short text.
const REPEATS_PER_BLOCK: u8 = 2;

/// The short texts drawn so far in a block (by their hashes), with their counts: the block is
/// filled row by row, so what it holds is the same whatever the number of threads.
#[derive(Default)]
struct Repeats(FastMap<u64, u8>);

impl Repeats {
    /// A fresh text from `sample` (`sample(None)`: any text of the column; `sample(Some(n))`:
    /// one of `n` words; `None` when every draw replayed a real value), drawn again with as
    /// many words (a few times) while it is a short text the block already holds
    /// [`REPEATS_PER_BLOCK`] times; empty when every first draw replayed a real value.
    fn text(&mut self, mut sample: impl FnMut(Option<u16>) -> Option<Arc<str>>) -> Value {
        let Some(mut text) = sample(None) else {
            return Value::Null;
        };
        let mut words = None;
        for _ in 0..TEXT_REDRAWS {
            if text.len() > SHORT_TEXT {
                break;
            }
            let count = self.0.entry(text_hash(&text)).or_insert(0);
            if *count < REPEATS_PER_BLOCK {
                *count += 1;
                break;
            }
            let words = *words
                .get_or_insert_with(|| u16::try_from(text.split(' ').count()).unwrap_or(u16::MAX));
            match sample(Some(words)) {
                Some(again) => text = again,
                None => break,
            }
        }
        Value::Label(text)
    }
}

/// Draws of a short text the block already holds often before one is kept anyway.
const TEXT_REDRAWS: usize = 8;

/// Where a synthetic row's parent columns are found: key column -> (parent rows, parent table's
/// columns), as the rules across a key read them.
pub type ParentColumns<'a> = crate::rules::keyed::KeyRows<'a>;

impl SemanticTable {
    /// The columns [`SemanticTable::fill`] writes (some keep a drawn value, see
    /// [`SemanticTable::regenerated`]), whose rare labels the table model is not to write
    /// afresh: not a column of phrases ([`Phrases`]), whose fresh labels it rewrites.
    pub fn filled(&self) -> Vec<usize> {
        (self.columns.iter())
            .filter(|column| !matches!(column.generator, Generator::Phrases(_)))
            .map(|column| column.index)
            .collect()
    }

    /// The categorical columns whose fresh labels are written as phrases ([`Phrases`]).
    pub fn phrases(&self) -> Vec<usize> {
        (self.columns.iter())
            .filter(|column| matches!(column.generator, Generator::Phrases(_)))
            .map(|column| column.index)
            .collect()
    }

    /// The columns whose every non-empty cell [`SemanticTable::fill`] writes afresh, whatever
    /// the model drew (only whether the cell is empty counts): all but names and streets with
    /// frequent real values, which keep a drawn value that is one of them.
    pub fn regenerated(&self) -> Vec<usize> {
        self.columns
            .iter()
            .filter(|column| match column.generator {
                Generator::Names | Generator::Street(_) | Generator::Phrases(_) => {
                    column.frequent.is_none()
                }
                _ => true,
            })
            .map(|column| column.index)
            .collect()
    }

    /// Regenerates the semantic columns of synthetic `columns`, which are rows `first_row..` of
    /// their table: rows in blocks, each block from its own stream derived from `base`, drawn
    /// in parallel ([`in_blocks`]); a table filled in parts that start on block boundaries gets
    /// the values it gets whole.
    pub fn fill(
        &self,
        columns: &mut [Column],
        parents: &ParentColumns<'_>,
        (first_row, base): (usize, u64),
        uniques: &mut Uniques,
    ) {
        let rows = columns.first().map_or(0, |c| c.values.len());
        let countries = self.countries(columns, parents, rows);
        let drawn = {
            let columns = &*columns;
            in_blocks(first_row..first_row + rows, base, |range, rng| {
                let range = range.start - first_row..range.end - first_row;
                self.fill_block(columns, &countries, (first_row, range), rng)
            })
        };
        for (block, values) in drawn.into_iter().enumerate() {
            let start = block_start(first_row, block) - first_row;
            for (column, values) in self.columns.iter().zip(values) {
                if let Some(target) = columns.get_mut(column.index) {
                    let end = start + values.len();
                    target.values.splice(start..end, values);
                }
            }
        }
        if let Some(pairs) = &mut uniques.pairs {
            self.unrepeat_names(columns, &countries, first_row, pairs);
        }
        for (index, seen) in &mut uniques.columns {
            let Some(column) = columns.get_mut(*index) else {
                continue;
            };
            let generator = self.columns.iter().find(|c| c.index == *index);
            match generator.map(|c| (c, &c.generator)) {
                Some((semantic, Generator::Company(model))) => {
                    let redraw = |row: usize, rng: &mut SynthRng| {
                        let country_name = countries.get(row).and_then(Option::as_deref);
                        let locale = semantic.written_locale(row_locale(country_name));
                        Some(model.draw(country_name, locale, semantic.ascii, rng))
                    };
                    seen.make_distinct(&mut column.values, first_row, redraw);
                }
                Some((_, Generator::Phrases(phrases))) => {
                    let redraw = |_: usize, rng: &mut SynthRng| {
                        phrases.sample(rng).map(|text| text.to_string())
                    };
                    seen.make_distinct(&mut column.values, first_row, redraw);
                }
                _ => seen.make_unique(&mut column.values),
            }
        }
    }

    /// What keeps the values of the table's unique columns unique over all its rows: handed
    /// to [`SemanticTable::fill`] with every part of the table, in row order.
    pub fn uniques(&self) -> Uniques {
        let columns = self
            .columns
            .iter()
            .filter(|column| match &column.generator {
                Generator::Email(model) => model.unique,
                Generator::Company(model) => model.unique,
                Generator::Phrases(phrases) => phrases.distinct(),
                _ => false,
            })
            .map(|column| (column.index, Seen::default()))
            .collect();
        let pairs = self.full_names.as_ref().map(|_| Pairs::default());
        Uniques { columns, pairs }
    }

    /// Draws again the later name of each row of `columns` (rows `first_row..` of the table)
    /// whose full name an earlier row holds, once the table's repeats would pass the real share
    /// ([`Pairs::admits`]), from a stream of the pair and row ([`PAIR_REDRAWS`] times at
    /// most); the row's e-mails drawn after its names are drawn again from the new names, at
    /// the domain they had. Row by row over every part, so the same whatever the threads.
    fn unrepeat_names(
        &self,
        columns: &mut [Column],
        countries: &[Option<String>],
        first_row: usize,
        pairs: &mut Pairs,
    ) {
        let Some(names) = &self.full_names else {
            return;
        };
        let later = self.columns.iter().find(|column| {
            column.index == names.later() && matches!(column.generator, Generator::Names)
        });
        let Some(later) = later else { return };
        let emails: Vec<&SemanticColumn> = self
            .columns
            .iter()
            .filter(|c| c.index > later.index && matches!(c.generator, Generator::Email(_)))
            .collect();
        let rows = columns.get(later.index).map_or(0, |c| c.values.len());
        for row in 0..rows {
            let (Some(Value::Label(first)), Some(Value::Label(last))) = (
                columns.get(names.first).and_then(|c| c.values.get(row)),
                columns.get(names.last).and_then(|c| c.values.get(row)),
            ) else {
                continue;
            };
            if pairs.admits(first, last, names.repeat_share) {
                pairs.hold(first, last);
                continue;
            }
            let mut rng = block_stream(pair_hash(first, last), (first_row + row) as u64);
            let mut person = Person::default();
            match names.first < names.last {
                true => person.first = Some(first.to_string()),
                false => person.last = Some(last.to_string()),
            }
            let country_name = countries.get(row).and_then(Option::as_deref);
            let locale = row_locale(country_name);
            let mut value = Value::Null;
            for _ in 0..PAIR_REDRAWS {
                value = later.draw(&Value::Null, locale, country_name, &mut person, &mut rng);
                if let (Some(first), Some(last)) = (&person.first, &person.last)
                    && pairs.admits(first, last, names.repeat_share)
                {
                    break;
                }
            }
            if let (Some(first), Some(last)) = (&person.first, &person.last) {
                pairs.hold(first, last);
            }
            set_cell(columns, (later.index, row), value);
            for email in &emails {
                let Some(Value::Label(old)) =
                    columns.get(email.index).and_then(|c| c.values.get(row))
                else {
                    continue;
                };
                person.domain = old.split_once('@').map(|(_, domain)| Arc::from(domain));
                let new = email.draw(&Value::Null, locale, country_name, &mut person, &mut rng);
                set_cell(columns, (email.index, row), new);
            }
        }
    }

    /// The new values of the semantic columns (each in `self.columns` order) for `rows` of
    /// `columns`, which are the table's rows from `first_row` on.
    fn fill_block(
        &self,
        columns: &[Column],
        countries: &[Option<String>],
        (first_row, rows): (usize, Range<usize>),
        rng: &mut SynthRng,
    ) -> Vec<Vec<Value>> {
        let mut drawn: Vec<Vec<Value>> = self
            .columns
            .iter()
            .map(|_| Vec::with_capacity(rows.len()))
            .collect();
        let mut repeats: Vec<Repeats> = self.columns.iter().map(|_| Repeats::default()).collect();
        let mut companies = company_stream(rng);
        for row in rows {
            let country_name = countries[row].as_deref();
            let locale = row_locale(country_name);
            let mut person = Person::default();
            let titled = self.titled_names(columns, row);
            let outputs = self.columns.iter().zip(drawn.iter_mut()).zip(&mut repeats);
            for ((column, out), repeats) in outputs {
                let Some(target) = columns.get(column.index) else {
                    continue;
                };
                let rng: &mut SynthRng = match column.generator {
                    Generator::Company(_) => &mut companies,
                    _ => &mut *rng,
                };
                // Read in place: a clone would count a shared label up and down, from every
                // thread at once.
                let current = &target.values[row];
                if let Generator::Email(EmailModel {
                    domain_by: Some(by),
                    ..
                }) = &column.generator
                {
                    person.domain = by.draw(columns, row, rng);
                }
                out.push(match (current, titled) {
                    (Value::Null, _) => Value::Null,
                    (_, Some((first, names))) if first == column.index => {
                        let mut name = names.draw(followed(&column.unfollowed, locale), rng);
                        // `Lucía` is written `Lucia` in a column of ASCII names.
                        if column.ascii && !name.is_ascii() {
                            name = Arc::from(deunicode::deunicode(&name));
                        }
                        person.first = Some(name.to_string());
                        Value::Label(name)
                    }
                    // Primary keys are written 1..N in row order.
                    (_, _) if let Generator::KeyText(text) = &column.generator => {
                        Value::Label(Arc::from(text.write(first_row + row + 1)))
                    }
                    // The row's region is read from the row.
                    (_, _) if let Generator::Postcode(model) = &column.generator => {
                        model.draw(columns, (row, country_name), rng)
                    }
                    (_, _) if let Generator::Phone(model) = &column.generator => {
                        Value::Label(Arc::from(model.draw(columns, (row, country_name), rng)))
                    }
                    // Text names no one: a value as drawn, not twice more in the block if short.
                    (_, _) if let Generator::Text(model) = &column.generator => {
                        repeats.text(|words| match words {
                            None => model.sample(rng),
                            Some(words) => model.sample_words(words, rng),
                        })
                    }
                    // A frequent label stays as drawn, a fresh one is written as a phrase.
                    (current, _) if let Generator::Phrases(phrases) = &column.generator => {
                        match (current, column.frequent.as_ref()) {
                            (Value::Label(label), Some(f)) if f.contains(label) => current.clone(),
                            _ => phrases.sample(rng).map_or(current.clone(), Value::Label),
                        }
                    }
                    (current, _)
                        if let Generator::Place {
                            region: Some(region),
                            ..
                        } = &column.generator =>
                    {
                        let drawn = column.draw(current, locale, country_name, &mut person, rng);
                        let drawn = (drawn, column.frequent.as_ref());
                        county::in_row_state(columns, *region, row, drawn, rng)
                    }
                    (current, _) => column.draw(current, locale, country_name, &mut person, rng),
                });
            }
        }
        drawn
    }

    /// The first-name column and the names of the title of `row`, when its title has some.
    fn titled_names(&self, columns: &[Column], row: usize) -> Option<(usize, &TitleNames)> {
        let titles = self.titles.as_ref()?;
        let Value::Label(title) = columns.get(titles.title)?.values.get(row)? else {
            return None;
        };
        let at = titles
            .names
            .binary_search_by(|(known, _)| known.as_ref().cmp(title.as_ref()))
            .ok()?;
        Some((titles.first, &titles.names[at].1))
    }

    fn countries(
        &self,
        columns: &[Column],
        parents: &ParentColumns<'_>,
        rows: usize,
    ) -> Vec<Option<String>> {
        let text = |value: &Value| match value {
            Value::Label(label) => Some(label.to_string()),
            _ => None,
        };
        match &self.country {
            Some(CountrySource::Column(index)) => columns
                .get(*index)
                .map_or_else(|| vec![None; rows], |c| c.values.iter().map(text).collect()),
            Some(CountrySource::Parent { key, column, .. }) => {
                let Some((links, parent)) = parents.get(key.as_str()) else {
                    return vec![None; rows];
                };
                let Some(values) = parent.iter().find(|c| &c.name == column) else {
                    return vec![None; rows];
                };
                links
                    .iter()
                    .map(|row| row.and_then(|row| values.values.get(row).and_then(text)))
                    .collect()
            }
            None => vec![None; rows],
        }
    }

    /// Whether generators read from a model file fit a table of `columns` modelled columns and
    /// can be drawn from (indices in range, each column generated once, every list drawable,
    /// shares that are shares), so generation cannot panic on them.
    pub fn check(&self, columns: usize) -> Result<(), String> {
        if self.types.len() != columns {
            return Err(format!(
                "{} semantic types for {columns} columns",
                self.types.len()
            ));
        }
        if let Some(CountrySource::Column(index)) = &self.country
            && *index >= columns
        {
            return Err("the country column is out of range".into());
        }
        if let Some(titles) = &self.titles
            && (titles.title >= columns
                || titles.first >= columns
                || !titles.names.iter().all(|(_, names)| names.check())
                || !titles.names.windows(2).all(|pair| pair[0].0 < pair[1].0))
        {
            return Err("first names by title that do not fit the table".into());
        }
        if let Some(names) = &self.full_names
            && !names.check(columns)
        {
            return Err("full names over columns that do not fit the table".into());
        }
        let mut seen = std::collections::HashSet::new();
        for column in &self.columns {
            if column.index >= columns || !seen.insert(column.index) {
                return Err(format!(
                    "a semantic generator for column {} (out of range or twice)",
                    column.index
                ));
            }
            column
                .check()
                .map_err(|err| format!("column {}: {err}", column.index))?;
            if let Generator::Email(EmailModel {
                domain_by: Some(by),
                ..
            }) = &column.generator
                && (by.column >= columns || !by.check())
            {
                return Err("e-mail domains by a column that does not fit the table".into());
            }
            if let Generator::Phone(PhoneModel {
                areas: Some(areas), ..
            }) = &column.generator
                && !areas.check(columns)
            {
                return Err("phone area codes that do not fit the table".into());
            }
            if let Generator::Place {
                region: Some(region),
                ..
            } = &column.generator
                && *region >= columns
            {
                return Err(format!(
                    "column {}: its state column {region} is out of range",
                    column.index
                ));
            }
        }
        Ok(())
    }

    /// Each column written from its row's primary key, with what its values look like.
    pub fn key_texts(&self) -> Vec<(usize, &KeyText)> {
        self.columns
            .iter()
            .filter_map(|column| match &column.generator {
                Generator::KeyText(text) => Some((column.index, text)),
                _ => None,
            })
            .collect()
    }

    /// The text columns drawn as names (a rare capitalised word as a common town or surname):
    /// `inspect` says so.
    pub fn titled_texts(&self) -> Vec<usize> {
        self.columns
            .iter()
            .filter(
                |column| matches!(&column.generator, Generator::Text(model) if model.draws_names()),
            )
            .map(|column| column.index)
            .collect()
    }

    /// The parent table a country comes from and its column, if any (generation holds that
    /// column of the parent until this table is filled).
    pub fn country_parent(&self) -> Option<(&str, &str)> {
        match &self.country {
            Some(CountrySource::Parent { parent, column, .. }) => Some((parent, column)),
            _ => None,
        }
    }
}

/// The names generated so far in a row, for the e-mail.
#[derive(Default)]
struct Person {
    first: Option<String>,
    last: Option<String>,
    /// The e-mail domain a column of the row tells ([`ToldBy`]).
    domain: Option<Arc<str>>,
    /// The row's company, when drawn before the e-mail.
    company: Option<String>,
}

impl SemanticColumn {
    fn check(&self) -> Result<(), String> {
        let share = |p: f64| (0.0..=1.0).contains(&p);
        let drawable =
            |list: &Option<Weighted<Arc<str>>>| list.as_ref().is_none_or(Weighted::check);
        let ok = share(self.fresh_share)
            && drawable(&self.frequent)
            && self
                .by_locale
                .iter()
                .all(|names| share(names.fresh_share) && drawable(&names.frequent))
            && match &self.generator {
                Generator::Names => true,
                Generator::Street(shape) => shape.check(),
                Generator::Place { suffix, .. } => suffix
                    .as_ref()
                    .is_none_or(|word| word.len() <= MAX_SUFFIX_CHARS),
                Generator::Email(model) => {
                    share(model.domain_share)
                        && share(model.user_shape_share)
                        && drawable(&model.patterns)
                        && drawable(&model.domains)
                        && drawable(&model.user_shapes)
                        && drawable(&model.company_endings)
                }
                Generator::Phone(model) => drawable(&model.shapes),
                Generator::Postcode(model) => model.check(),
                Generator::Text(model) => return model.check(),
                Generator::KeyText(text) => text.check(),
                Generator::Company(model) => model.check(),
                Generator::Phrases(phrases) => return phrases.check(),
            };
        ok.then_some(())
            .ok_or_else(|| "a generator that cannot be drawn from".to_string())
    }

    fn draw(
        &self,
        current: &Value,
        locale: Locale,
        country_name: Option<&str>,
        person: &mut Person,
        rng: &mut SynthRng,
    ) -> Value {
        let locale = followed(&self.unfollowed, locale);
        let (frequent, fresh_share) = self.frequent_in(locale);
        let locale = self.written_locale(locale);
        let reuse = frequent.is_some() && rng.random::<f64>() >= fresh_share;
        let text = match &self.generator {
            Generator::Names
            | Generator::Street(_)
            | Generator::Place { .. }
            | Generator::Company(_)
                if reuse =>
            {
                match (current, frequent) {
                    (Value::Label(label), Some(f)) if f.contains(label) => label.to_string(),
                    (_, Some(f)) => f.draw(rng).to_string(),
                    _ => String::new(),
                }
            }
            Generator::Names | Generator::Street(_) => {
                let name = self.name_from(locale, rng);
                if self.ascii && !name.is_ascii() {
                    self.ascii_name(locale, rng)
                } else {
                    name
                }
            }
            // The lists are of the United States: a row of another locale keeps what was drawn.
            Generator::Place { .. } if locale != Locale::En => return current.clone(),
            Generator::Place { list, suffix, .. } => {
                let name = pick(list.names(), rng);
                match suffix {
                    Some(word) => format!("{name} {word}"),
                    None => name,
                }
            }
            Generator::Company(model) => model.draw(country_name, locale, self.ascii, rng),
            Generator::Email(model) => model.draw(person, locale, rng),
            // Written by `fill_block`, which knows the row's key and its region, and the short
            // texts its block holds (text names no one: a value as drawn).
            Generator::KeyText(_)
            | Generator::Postcode(_)
            | Generator::Phone(_)
            | Generator::Text(_)
            | Generator::Phrases(_) => {
                return current.clone();
            }
        };
        match self.kind {
            SemanticType::FirstName => person.first = Some(text.clone()),
            SemanticType::LastName => person.last = Some(text.clone()),
            SemanticType::Company => person.company = Some(text.clone()),
            SemanticType::FullName => {
                let mut parts = text.split_whitespace();
                person.first = parts.next().map(str::to_string);
                person.last = parts.last().map(str::to_string);
            }
            _ => {}
        }
        Value::Label(Arc::from(text))
    }
}

impl SemanticColumn {
    /// The frequent values a row of `locale` reuses, and the share of rows that take a fresh
    /// one: those of the locale's real rows where the column has them by locale, else the
    /// whole column's.
    fn frequent_in(&self, locale: Locale) -> (Option<&Weighted<Arc<str>>>, f64) {
        match self.by_locale.iter().find(|names| names.locale == locale) {
            Some(names) => (names.frequent.as_ref(), names.fresh_share),
            // A locale none of the real rows had: fresh names of its own lists.
            None if !self.by_locale.is_empty() => (None, 1.0),
            None => (self.frequent.as_ref(), self.fresh_share),
        }
    }

    /// The locale the column's values of a row of `locale` are drawn from: English for a
    /// column spelled in ASCII where the locale is not written in Latin script.
    fn written_locale(&self, locale: Locale) -> Locale {
        if self.ascii && !locale.latin() {
            Locale::En
        } else {
            locale
        }
    }

    /// A name (or street name) of `locale`'s lists. The public list of street names is of the
    /// United States (and spelled in ASCII): rows of another locale take its family names, as
    /// streets are often named.
    fn name_from(&self, locale: Locale, rng: &mut SynthRng) -> String {
        let lists = locale.lists();
        match (&self.generator, self.kind) {
            (Generator::Street(shape), _) => match locale {
                Locale::En => shape.draw(places::STREETS, &lists.street, rng),
                _ => shape.draw(&lists.last, &lists.street, rng),
            },
            (_, SemanticType::FirstName) => pick(&lists.first, rng),
            (_, SemanticType::LastName) => pick(&lists.last, rng),
            _ => format!("{} {}", pick(&lists.first, rng), pick(&lists.last, rng)),
        }
    }

    /// A name of `locale`'s lists spelled in ASCII, for a column whose real values all are:
    /// drawn again a few times, then from the English lists. TPC-DS's customers born in
    /// Germany or France came out `Groß`, `Aimée` where no real name has an accent, which a
    /// database of another encoding refuses.
    fn ascii_name(&self, locale: Locale, rng: &mut SynthRng) -> String {
        for _ in 0..ASCII_TRIES {
            let name = self.name_from(locale, rng);
            if name.is_ascii() {
                return name;
            }
        }
        self.name_from(Locale::En, rng)
    }
}

/// Draws of a name of a row's locale before an ASCII column takes an English one.
const ASCII_TRIES: usize = 4;

impl EmailModel {
    /// An address built from the names the row shows: both names through a real username
    /// pattern; one name (the other is empty in this row) with two digits, so the address
    /// never spells a name the row does not have; no name at all, a name of the row's locale.
    fn draw(&self, person: &Person, locale: Locale, rng: &mut SynthRng) -> String {
        let shaped = self
            .user_shapes
            .as_ref()
            .filter(|_| rng.random::<f64>() < self.user_shape_share);
        let user = match shaped {
            Some(shapes) => with_digits_in(shapes.draw(rng), &[], rng),
            None => self.user_of(person, locale, rng),
        };
        let domain = match (&person.domain, &self.domains) {
            (Some(told), _) => told.to_string(),
            _ if let Some(domain) = self.company_domain(person, rng) => domain,
            (None, Some(domains)) if rng.random::<f64>() < self.domain_share => {
                domains.draw(rng).to_string()
            }
            _ => pick(locale.mail(), rng),
        };
        let email = format!("{user}@{domain}");
        if is_email(&email) {
            email
        } else {
            format!("{}@{domain}", expand("{f}.{l}", "anna", "smith"))
        }
    }

    /// The domain of the row's company ([`EmailModel::company_endings`]), when the address
    /// is at one and the row has a company.
    fn company_domain(&self, person: &Person, rng: &mut SynthRng) -> Option<String> {
        let endings = self.company_endings.as_ref()?;
        let stem = company_stem(person.company.as_deref()?);
        (!stem.is_empty()).then(|| format!("{stem}.{}", endings.draw(rng)))
    }

    /// A username from the names the row shows, through a real username pattern.
    fn user_of(&self, person: &Person, locale: Locale, rng: &mut SynthRng) -> String {
        let pattern = self
            .patterns
            .as_ref()
            .map_or("{f}.{l}", |p| p.draw(rng).as_ref());
        let user = match (&person.first, &person.last) {
            (Some(first), Some(last)) => expand(pattern, &mail_form(first), &mail_form(last)),
            (Some(name), None) | (None, Some(name)) => {
                let name = mail_form(name);
                let name = if pattern.contains("{F}") || pattern.contains("{L}") {
                    capitalised(&name)
                } else {
                    name.to_lowercase()
                };
                format!("{name}{:02}", rng.random_range(0..100))
            }
            (None, None) => {
                let lists = locale.lists();
                let (first, last) = (pick(&lists.first, rng), pick(&lists.last, rng));
                expand(pattern, &mail_form(&first), &mail_form(&last))
            }
        };
        match pattern.contains('#') {
            true => with_digits_in(&user, &[], rng),
            false => user,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sampler that draws `s boost` three times in four (a frequent word pair of short
    /// comments) and a fresh pair of words otherwise; how many words each draw asked for.
    fn boosting() -> (impl FnMut(Option<u16>) -> Option<Arc<str>>, Asked) {
        let asked = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&asked);
        let mut draws = 0u32;
        let sample = move |words: Option<u16>| {
            log.borrow_mut().push(words.unwrap_or(0));
            draws += 1;
            Some(Arc::from(if draws % 4 == 0 {
                format!("s w{draws}")
            } else {
                "s boost".to_string()
            }))
        };
        (sample, asked)
    }

    use std::cell::RefCell;
    use std::rc::Rc;

    /// The number of words each draw asked for (0: any).
    type Asked = Rc<RefCell<Vec<u16>>>;

    #[test]
    fn a_block_holds_a_short_text_twice_at_most_while_others_can_be_drawn() {
        let (mut sample, asked) = boosting();
        let mut repeats = Repeats::default();
        let texts: Vec<Value> = (0..100).map(|_| repeats.text(&mut sample)).collect();
        let boost = Value::Label(Arc::from("s boost"));
        let held = texts.iter().filter(|text| **text == boost).count();
        // Every `s boost` past the second was drawn again until a fresh pair came (one in
        // four draws, so within the eight tries).
        assert_eq!(held, 2, "{held} of 100 are `s boost`");
        let distinct: HashSet<String> = texts.iter().map(|text| format!("{text:?}")).collect();
        assert_eq!(distinct.len(), 99);
        assert!(
            asked.borrow().iter().filter(|&&w| w != 0).all(|&w| w == 2),
            "drawn again with as many words"
        );
        // A new block holds it twice again; long texts are never counted.
        let mut next = Repeats::default();
        assert_eq!(next.text(|_| Some(Arc::from("s boost"))), boost);
        let long = "a comment longer than a short text is";
        let (mut block, mut draws) = (Repeats::default(), 0);
        for _ in 0..10 {
            let text = block.text(|_| {
                draws += 1;
                Some(Arc::from(long))
            });
            assert_eq!(text, Value::Label(Arc::from(long)));
        }
        assert_eq!(draws, 10, "long texts drawn again");
    }

    /// Area codes are read from a phone's first run of digits, and the next after a country
    /// code or a trunk digit; a drawn phone takes a code of its area's shape only.
    #[test]
    fn area_codes_are_read_and_written_in_their_shape() {
        let code = |phone: &str| area_of(phone).map(|(code, _)| code);
        assert_eq!(code("415-574-6042").as_deref(), Some("415"));
        assert_eq!(code("(415) 574-6042").as_deref(), Some("415"));
        assert_eq!(code("+1-312-719-0768").as_deref(), Some("1-312"));
        assert_eq!(code("1-800-555-0100").as_deref(), Some("1-800"));
        assert_eq!(code("+44 20 7946 0958").as_deref(), Some("44-20"));
        assert_eq!(code("4155746042"), None, "no separators: no area code");
        assert_eq!(
            with_area("(982) 574-6042", "415").as_deref(),
            Some("(415) 574-6042")
        );
        assert_eq!(
            with_area("+1-982-574-6042", "1-312").as_deref(),
            Some("+1-312-574-6042")
        );
        assert_eq!(
            with_area("+44 20 7946 0958", "1-312"),
            None,
            "another shape"
        );
        assert_eq!(with_area("982-574-6042", "1-312"), None);
    }

    /// N11 codes are refused where they stand in a North American number only.
    #[test]
    fn n11_codes_are_found_in_north_american_numbers() {
        for bad in [
            "411-982-9443",
            "(212) 911-0212",
            "+1-911-853-0212",
            "1-800-611-1234",
        ] {
            assert!(nanp_n11(bad), "{bad}");
        }
        for good in [
            "415-574-6042",
            "415-574-4111",
            "25-911-741-2988",
            "+44 20 7911 0958",
        ] {
            assert!(!nanp_n11(good), "{good}");
        }
    }

    /// A phone's digits keep to the digits each place takes in the real numbers of its shape
    /// (US area codes and exchanges start with 2 to 9), where every place drawn from every
    /// digit gave a fifth of the numbers an invalid area code; a digit seen fewer than k times
    /// in a place is not kept there, and a place with none kept takes any.
    #[test]
    fn phone_digits_keep_to_the_digits_their_place_takes() {
        let mut rng = crate::sampling::rng_for(7, "planted phones");
        let phones: Vec<Value> = (0..600)
            .map(|i| {
                let area = rng.random_range(200..1000);
                let exchange = rng.random_range(200..1000);
                // One line number, 0001, starts with a digit no other starts with.
                let line = if i == 0 {
                    1
                } else {
                    rng.random_range(2000..10_000)
                };
                Value::Label(Arc::from(format!("({area}) {exchange}-{line:04}")))
            })
            .collect();
        let column = Column {
            name: "phone".into(),
            kind: ColumnKind::Id,
            format: crate::data::ValueFormat::Verbatim,
            values: phones,
        };
        let model = PhoneModel::train(&column, &[], 5);
        let mut rng = crate::sampling::rng_for(7, "drawn phones");
        let drawn: Vec<String> = (0..2000)
            .map(|_| model.draw(&[], (0, None), &mut rng))
            .collect();
        let digit = |phone: &str, at: usize| phone.as_bytes()[at] - b'0';
        for phone in &drawn {
            assert_eq!(shape(phone), "(###) ###-####", "{phone}");
            assert!(digit(phone, 1) >= 2 && digit(phone, 6) >= 2, "{phone}");
            assert!(
                digit(phone, 10) >= 2,
                "{phone}: a digit seen once in its place"
            );
        }
        let starts: HashSet<u8> = drawn.iter().map(|phone| digit(phone, 1)).collect();
        assert_eq!(starts.len(), 8, "every digit the place takes: {starts:?}");
        let last: HashSet<u8> = drawn.iter().map(|phone| digit(phone, 13)).collect();
        assert_eq!(last.len(), 10, "a place taking every digit");
    }

    /// A username of a name and digits keeps the name's pattern with a `#` per digit, drawn
    /// again as digits; one of a name alone has none.
    #[test]
    fn usernames_keep_the_digits_after_the_name() {
        assert_eq!(
            pattern_of("kenneth.davis760", "kenneth", "davis").as_deref(),
            Some("{f}.{l}###")
        );
        assert_eq!(
            pattern_of("DAdams1", "dave", "adams").as_deref(),
            Some("{I}{L}#")
        );
        assert_eq!(pattern_of("davis.k", "kenneth", "davis").as_deref(), None);
        assert_eq!(
            pattern_of("kenneth_davis", "kenneth", "davis").as_deref(),
            Some("{f}_{l}")
        );
        let mut rng = crate::sampling::rng_for(3, "usernames");
        let user = with_digits_in(&expand("{f}.{l}###", "anna", "smith"), &[], &mut rng);
        let (name, digits) = user.split_at("anna.smith".len());
        assert_eq!(name, "anna.smith");
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{user}"
        );
    }

    /// An address an earlier row holds takes other digits of as many (`cdavis73` after
    /// `cdavis72`, `99` wrapping to `00`), and only an address without digits at its end (or
    /// with too many) a number after it; a name with digits is no account number.
    #[test]
    fn taken_usernames_keep_their_digits_shape() {
        let next = |user: &str| other_digits(user).next();
        assert_eq!(next("cdavis72").as_deref(), Some("cdavis73"));
        assert_eq!(next("cdavis99").as_deref(), Some("cdavis00"));
        assert_eq!(other_digits("cdavis72").count(), 99);
        assert_eq!(next("anna.smith"), None);
        assert_eq!(next("u0042171"), None, "more digits than are tried");
        let mut seen = Seen::default();
        let mut values: Vec<Value> = [
            "cdavis72@x.edu",
            "cdavis72@x.edu",
            "anna@x.edu",
            "anna@x.edu",
        ]
        .iter()
        .map(|v| Value::Label(Arc::from(*v)))
        .collect();
        seen.make_unique(&mut values);
        let written: Vec<&str> = values
            .iter()
            .map(|v| match v {
                Value::Label(text) => &**text,
                _ => "",
            })
            .collect();
        assert_eq!(
            written,
            [
                "cdavis72@x.edu",
                "cdavis73@x.edu",
                "anna@x.edu",
                "anna2@x.edu"
            ]
        );
        assert!(is_account("u004217") && is_account("cust0042"));
        assert!(!is_account("jwilson58") && !is_account("kenneth.davis760"));
    }

    /// Streets of four- and five-digit houses, names ending in words of their own (`Shoals`,
    /// `Turnpike`: kept as suffixes though no list has them) and units after a third of them:
    /// drawn streets end in those words, with house numbers of as many digits and the real
    /// units' words.
    #[test]
    fn streets_keep_their_suffixes_numbers_and_units() {
        let suffixes = ["Shoals", "Turnpike", "Radial", "Loaf"];
        let names = ["Reynolds", "Timothy", "Andrea", "Baker", "Castro", "Dunn"];
        let values: Vec<Value> = (0..300usize)
            .map(|i| {
                let number = [1000 + i * 7, 10_000 + i * 13][i % 2];
                let unit = match i % 3 {
                    0 => format!(" Apt. {}", 100 + i),
                    1 => format!(" Suite {}", 200 + i),
                    _ => String::new(),
                };
                let street = format!("{number} {} {}{unit}", names[i % 6], suffixes[i % 4]);
                Value::Label(Arc::from(street))
            })
            .collect();
        let column = Column {
            name: "street".into(),
            kind: ColumnKind::Text,
            format: crate::data::ValueFormat::Verbatim,
            values,
        };
        let shape = StreetShape::learn(&column, 5).expect("street shapes");
        assert!(shape.check());
        let mut rng = crate::sampling::rng_for(3, "streets");
        for _ in 0..200 {
            let street = shape.draw(&names, &["Street"], &mut rng);
            let (number, words, unit) = street_parts(&street);
            let digits = number.map_or(0, str::len);
            assert!((4..=5).contains(&digits), "{street}");
            let last = words.last().copied().unwrap_or_default();
            assert!(suffixes.contains(&last), "{street}");
            if let Some((word, _)) = unit {
                assert!(["Apt.", "Suite"].contains(&word), "{street}");
            }
        }
    }

    /// A column of streets.
    fn street_column(values: Vec<String>) -> Column {
        Column {
            name: "address".into(),
            kind: ColumnKind::Text,
            format: crate::data::ValueFormat::Verbatim,
            values: values
                .into_iter()
                .map(|street| Value::Label(Arc::from(street)))
                .collect(),
        }
    }

    /// Streets named after people, every one with a suffix (`Green`, `Hill` also names there,
    /// as in `Hill Green`), none an ordinal: drawn from the public list (an eighth of it
    /// ordinals), none is an ordinal and every one ends in a real suffix. Streets a third of whose
    /// names are ordinals (`5th Avenue`) keep about that share.
    #[test]
    fn streets_keep_the_real_share_of_ordinals_and_their_suffixes() {
        let people = [
            "Jason", "Janet", "Nelson", "Green", "Hill", "Amanda", "Rice",
        ];
        let ends = [
            "Track", "Cape", "Route", "Green", "Plains", "Hill", "Summit",
        ];
        let faker: Vec<String> = (0..700usize)
            .map(|i| format!("{} {} {}", 100 + i, people[i % 7], ends[(i / 7) % 7]))
            .collect();
        let shape = StreetShape::learn(&street_column(faker), 5).expect("street shapes");
        assert!(shape.check());
        let mut rng = crate::sampling::rng_for(5, "streets");
        for _ in 0..2000 {
            let street = shape.draw(places::STREETS, &["Street", "Road"], &mut rng);
            let (_, words, _) = street_parts(&street);
            assert!(!words.iter().any(|word| is_ordinal(word)), "{street}");
            assert!(words.len() == 2 && ends.contains(&words[1]), "{street}");
        }
        let named = ["5th", "Oak", "Main", "2nd", "Elm", "Pine"];
        let avenues: Vec<String> = (0..600usize)
            .map(|i| format!("{} {} Avenue", 10 + i, named[i % 6]))
            .collect();
        let shape = StreetShape::learn(&street_column(avenues), 5).expect("street shapes");
        let drawn = (0..3000)
            .filter(|_| has_ordinal(&shape.draw(places::STREETS, &["Avenue"], &mut rng)))
            .count();
        assert!((800..1200).contains(&drawn), "{drawn} of 3000 ordinal");
    }

    /// Without name columns, a username's pattern is its joint, case and digits.
    #[test]
    fn usernames_without_names_keep_their_joint() {
        let joint = |user: &str| joint_of(user);
        assert_eq!(joint("sharonsaunders").as_deref(), Some("{f}{l}"));
        assert_eq!(joint("whitneymichelle77").as_deref(), Some("{f}{l}##"));
        assert_eq!(joint("Jane_Doe42").as_deref(), Some("{F}_{L}##"));
        assert_eq!(joint("k.davis").as_deref(), Some("{f}.{l}"));
        assert_eq!(joint("a.b.c"), None);
        assert_eq!(joint("x9y"), None);
        assert_eq!(joint("1234"), None);
    }
}
