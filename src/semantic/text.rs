//! A word-level model of titles and free text: word pairs (bigrams) with backoff to single
//! words, trained with the privacy threshold (only words and pairs seen in at least k rows),
//! keeping the number of words per value and the words' casing. An output equal to a real value
//! is drawn again: the model keeps a 64-bit hash of every real value for that (never the value).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

use crate::stats::{FastMap, FastSet};
use std::sync::{Arc, LazyLock, OnceLock};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::detect::is_name_word;
use super::{gendered, places, surnames};
use crate::memory::prefetch;
use crate::model::marginal::{Weighted, text_hash};
use crate::sampling::SynthRng;

/// Draws of a value before giving up: one that equals a real one is drawn again (the value is
/// left empty when every draw does), and so is one outside the real values' characters (the
/// first cut to fit is kept when every draw is).
const RETRIES: usize = 8;

/// The word a rare capitalised word of a titled column is learned as: a place for a fresh name.
const FRESH: &str = "\u{1}";

/// The word a rare capitalised word of a titled column is learned as where such words are not
/// names (course titles' `Networks`, `Spectroscopy`): a place for a subject word, drawn as one
/// of the k-frequent words seen where rare ones are ([`subject_words`]).
const SUBJECT: &str = "\u{3}";

/// The fewest distinct rare capitalised words a titled column must have for their not being
/// names to be told ([`rare_words_are_names`]): fewer are taken for names, as before.
const TELLING_RARE_WORDS: usize = 30;

/// The share of a titled column's rare capitalised words that must be common first names,
/// surnames, towns or counties for them to be names. A list of airports, shops or hotels has
/// a tenth or more (Lansdowne, Randall, Williams); course titles have none.
const NAME_SHARE: f64 = 0.05;

/// Draws of a titled value until it has a real value's number of words (the last is kept).
const FITTING_TRIES: usize = 32;

/// The word after a titled value's last word.
const END: &str = "\u{2}";

/// The share of words (of those starting with a letter) that must be capitalised for a
/// column to be titled: sentences capitalise only their first word (a tenth or so of theirs).
const TITLED_SHARE: f64 = 0.6;

/// One-word names a [`FRESH`] word is drawn as: common towns and surnames of the United States
/// (`Ashland`, `Miller`), which name airports, fields, shops and works alike.
static FRESH_NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    places::TOWNS
        .iter()
        .chain(surnames::SURNAMES)
        .copied()
        .filter(|name| !name.contains(' '))
        .collect()
});

/// The words of common first names, surnames, towns and counties of the United States, to tell
/// whether a titled column's rare words are names ([`rare_words_are_names`]).
static NAME_WORDS: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    [places::TOWNS, places::COUNTIES, surnames::SURNAMES]
        .into_iter()
        .chain([gendered::WOMEN, gendered::MEN])
        .flatten()
        .flat_map(|name| name.split(' '))
        .collect()
});

/// The trained word model of one column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WordModel {
    /// Words per value, one entry per real value (a length is not a value).
    lengths: Vec<u16>,
    /// First words of values, k-frequent.
    starts: Option<Weighted<Arc<str>>>,
    /// Every k-frequent word seen inside a value (between its first and last words), by how
    /// often; every k-frequent word when none is (titles, values of two words). What follows
    /// a word without followers when `after_end` or `within` has no words for it. Inside
    /// words only since format 20.
    words: Weighted<Arc<str>>,
    /// For each word, the words that follow it in at least k rows.
    next: BTreeMap<Arc<str>, Weighted<Arc<str>>>,
    /// Of `words`, those seen right after a word that ends a sentence, and those seen after
    /// one that does not, by how often (`None` when none is; always for a titled column).
    /// What follows a word without followers, by the kind of word it is: drawn from `words`
    /// alike, a word seen only at a sentence's start came out in the middle of one (TPC-DS
    /// `keep Final, suitable`), and a sentence started in lower case. Since format 22.
    after_end: Option<Weighted<Arc<str>>>,
    within: Option<Weighted<Arc<str>>>,
    /// Hashes of the real values seen in fewer than k rows (sorted), to reject replays. A value
    /// seen in k rows or more is as common as a category the model draws: rejected too, a
    /// column of a few repeated phrases came out empty.
    real: Vec<u64>,
    /// Whether the column is written in title case (names of places, products, works: most
    /// words capitalised). A capitalised word too rare to keep is then learned as [`FRESH`]
    /// and drawn as a fresh name, so `Lansdowne Airport` gives `Ashland Airport` instead of
    /// losing its name (`Airport`, `San Airport -`).
    ///
    /// Where the column's rare capitalised words are not names ([`rare_words_are_names`]:
    /// course titles' `Networks`, `Spectroscopy`), they are learned as [`SUBJECT`] instead,
    /// and a drawn [`SUBJECT`] is one of the k-frequent words seen where rare words are
    /// (`Principles of Machine Design`, not `Principles of Perkins`).
    ///
    /// A titled value also ends where the chain of words does: each learned with [`END`]
    /// after its last word, and drawn until [`END`] (or as many words as the longest real
    /// value), so a name ends on a word names end on (`Wilson Intl`, not `Wilson Intl Hayes`
    /// or `Airport -`).
    titled: bool,
    /// Whether no real value repeats a word where chance would have repeated some (TPC-H part
    /// names: five colours, none twice; drawn freely, one name in ten was `rose rose plum
    /// light plum`): a drawn word already in the value is drawn again, up to [`REDRAWS`]
    /// times among the followers of the word before, then as many among the inside words.
    /// Since format 33.
    #[serde(default)]
    distinct: bool,
    /// The fewest and most characters a value may have: the k-th shortest and k-th longest
    /// real values' (none for fewer than 2k values). A real column is often held in a field
    /// of its longest value's width (TPC-H's `l_comment`, `VARCHAR(44)`: 43 characters at
    /// most), and word pairs drawn freely ran past it (one line in ten, up to 72
    /// characters), which a database refuses. Since format 34.
    #[serde(default)]
    characters: Option<(u32, u32)>,
    /// The most words of a real value, worked out on the first draw of a titled value (not
    /// stored).
    #[serde(skip)]
    longest: OnceLock<u16>,
    /// The word lists laid out for drawing, built on the first draw (not stored); `None`
    /// when they do not fit it.
    #[serde(skip)]
    chains: OnceLock<Option<Box<Chains>>>,
    /// A bit per slice of hash values holding a real value's hash, built on the first draw
    /// (not stored): most drawn values are told apart from every real one by a bit that
    /// stays in the cache, without a search through `real`.
    #[serde(skip)]
    sketch: OnceLock<Box<Sketch>>,
    /// The words of `words`, for a model drawn by text ([`WordModel::draw_by_text`]), built on
    /// its first draw (not stored).
    #[serde(skip)]
    inside: OnceLock<FastSet<Arc<str>>>,
}

/// Draws of a word seen only at the start or end of real values (a fragment) before a word
/// inside a value is drawn from `words` instead, for a place inside the value.
const REDRAWS: usize = 4;

/// A set of 64-bit hashes as one bit per slice of the hash values ([`Sketch::may_hold`] is
/// never wrong about a hash it says is absent).
#[derive(Debug, Clone, Default)]
struct Sketch {
    bits: Vec<u64>,
    /// The hash bits that pick a slice (the top ones).
    shift: u32,
}

/// The most bits a sketch takes (2 MB); about 8 per hash up to that.
const MAX_SKETCH_BITS: usize = 1 << 24;

impl Sketch {
    fn of(hashes: &[u64]) -> Sketch {
        let bits = (hashes.len() * 8)
            .next_power_of_two()
            .clamp(64, MAX_SKETCH_BITS);
        let mut sketch = Sketch {
            bits: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        };
        for &hash in hashes {
            let slice = sketch.slice(hash);
            sketch.bits[slice / 64] |= 1 << (slice % 64);
        }
        sketch
    }

    fn slice(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// Whether `hash` may be one of the hashes: false means it is not.
    fn may_hold(&self, hash: u64) -> bool {
        let slice = self.slice(hash);
        self.bits
            .get(slice / 64)
            .is_some_and(|word| word & (1 << (slice % 64)) != 0)
    }
}

/// The word lists of a [`WordModel`] laid out for drawing: list 0 holds the first words,
/// list 1 the words a word without followers is followed by when it ends a sentence, list 2
/// when it does not ([`WordModel::fallback`]), list `3 + i` the followers of the `i`-th word of
/// `next`. Each list is an
/// alias table (Vose's method) in one flat array of slots, each slot holding both words it may
/// give, so drawing a word reads one place (one random number picks a slot and decides
/// between its two words) instead of searching cumulative weights; each distinct word's text
/// is held once (millions of values are drawn).
#[derive(Debug, Clone, Default)]
struct Chains {
    /// Where each list's slots are in `slots`.
    lists: Vec<(usize, usize)>,
    slots: Vec<Slot>,
    /// The distinct words, one after another.
    text: String,
}

/// One slot of a list's alias table: drawn, it gives `own` with chance `keep / 2^32` and
/// `other` otherwise. Aligned to 32 bytes (28 of them used) so that no slot straddles two
/// cache lines: a draw reads one slot at random in lists of megabytes, each read a likely miss.
#[derive(Debug, Clone, Copy)]
#[repr(align(32))]
struct Slot {
    keep: u32,
    own: Entry,
    other: Entry,
}

/// A word: its place in [`Chains::text`] and the list its follower is drawn from (1 or 2 for
/// a word without followers), with [`INSIDE`] set when the word is seen inside a value (one of
/// [`WordModel`]'s `words`).
#[derive(Debug, Clone, Copy)]
struct Entry {
    word: (u32, u32),
    follow: u32,
}

/// The bit of [`Entry::follow`] that marks a word seen inside a value.
const INSIDE: u32 = 1 << 31;

impl Chains {
    /// `None` when the words' text or the lists outgrow 32-bit places, or a list has no
    /// weight (a model can then not be drawn from this way; it is far beyond any real
    /// column's).
    fn of(model: &WordModel) -> Option<Chains> {
        let position: FastMap<&str, usize> = model
            .next
            .keys()
            .enumerate()
            .map(|(index, word)| (&**word, FOLLOWERS + index))
            .collect();
        let first = model.starts.as_ref().unwrap_or(&model.words);
        let inside: FastSet<&str> = model.words.items().iter().map(|w| &**w).collect();
        let mut chains = Chains::default();
        let mut placed: FastMap<&str, (u32, u32)> = FastMap::default();
        let fallbacks = [model.fallback(true), model.fallback(false)];
        for list in [first]
            .into_iter()
            .chain(fallbacks)
            .chain(model.next.values())
        {
            let mut entries = Vec::with_capacity(list.items().len());
            for word in list.items().iter().map(|word| &**word) {
                let text = match placed.get(word) {
                    Some(&at) => at,
                    None => {
                        let start = u32::try_from(chains.text.len()).ok()?;
                        chains.text.push_str(word);
                        let at = (start, u32::try_from(chains.text.len()).ok()?);
                        placed.insert(word, at);
                        at
                    }
                };
                let without_followers = if ends_sentence(word) { 1 } else { 2 };
                let follow = position.get(word).copied().unwrap_or(without_followers);
                let follow = u32::try_from(follow).ok().filter(|f| f & INSIDE == 0)?;
                let flag = if inside.contains(word) { INSIDE } else { 0 };
                entries.push(Entry {
                    word: text,
                    follow: follow | flag,
                });
            }
            let slots = alias_slots(list.cumulative(), &entries)?;
            let start = chains.slots.len();
            chains.slots.extend(slots);
            chains.lists.push((start, chains.slots.len()));
        }
        Some(chains)
    }

    /// Draws a word of list `list`: its text, the list its follower is drawn from, and
    /// whether it is seen inside a value.
    fn draw(&self, list: usize, rng: &mut SynthRng) -> (&str, usize, bool) {
        let (start, end) = self.lists[list];
        let random: u64 = rng.random();
        // The high half picks a slot (uniformly: a multiply-shift), the low half its word.
        let at = start + (((random >> 32) * (end - start) as u64) >> 32) as usize;
        let slot = &self.slots[at];
        let entry = if (random as u32) < slot.keep {
            slot.own
        } else {
            slot.other
        };
        let (from, to) = entry.word;
        (
            &self.text[from as usize..to as usize],
            (entry.follow & !INSIDE) as usize,
            entry.follow & INSIDE != 0,
        )
    }
}

/// How many words a drawn value has: as many as the real value at an index has, or the given
/// number.
type Length = (usize, Option<u16>);

/// The list of [`Chains`] where the followers of each word are.
const FOLLOWERS: usize = 3;

/// Whether a word ends a sentence (`needs.`, `why?`, `"Stop!"`): the next word may then be one
/// that only starts sentences.
fn ends_sentence(word: &str) -> bool {
    word.trim_end_matches(['"', '\'', ')', ']'])
        .ends_with(['.', '!', '?'])
}

/// The alias table of items with `cumulative` weights (Vose's method: every slot holds a share
/// of an item and the rest of one larger item, so that each item is drawn in proportion to
/// its weight); `None` for no items or no weight.
fn alias_slots(cumulative: &[f64], entries: &[Entry]) -> Option<Vec<Slot>> {
    let total = cumulative.last().copied()?;
    let n = cumulative.len();
    if !(total > 0.0 && total.is_finite()) || entries.len() != n {
        return None;
    }
    let mut scaled: Vec<f64> = cumulative
        .iter()
        .scan(0.0, |before, &c| {
            let weight = c - *before;
            *before = c;
            Some(weight * n as f64 / total)
        })
        .collect();
    let mut slots: Vec<Slot> = entries
        .iter()
        .map(|&entry| Slot {
            keep: u32::MAX,
            own: entry,
            other: entry,
        })
        .collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(&low), Some(&high)) = (small.last(), large.last()) {
        small.pop();
        slots[low].keep = (scaled[low] * 4_294_967_296.0).min(f64::from(u32::MAX)) as u32;
        slots[low].other = entries[high];
        scaled[high] -= 1.0 - scaled[low];
        if scaled[high] < 1.0 {
            large.pop();
            small.push(high);
        }
    }
    // What is left (rounding) keeps its own word in full.
    Some(slots)
}

impl WordModel {
    /// Trains on real values with threshold `min_count`; `None` when no word is k-frequent.
    pub fn train<'a>(values: impl Iterator<Item = &'a str>, min_count: usize) -> Option<WordModel> {
        let real: Vec<Vec<&str>> = values.map(|v| v.split_whitespace().collect()).collect();
        let titled = is_titled(&real);
        let (values, subjects) = if titled {
            learned_titles(&real, min_count)
        } else {
            (real.clone(), None)
        };
        let word_rows = rows_with(values.iter().map(|w| w.to_vec()));
        let frequent = |word: &str| word_rows.get(word).is_some_and(|&n| n >= min_count);
        let words = Weighted::frequent(
            inner_words(&values, titled)
                .filter(|w| frequent(w))
                .map(Arc::from),
            1,
        )
        .or_else(|| {
            Weighted::frequent(
                values
                    .iter()
                    .flatten()
                    .filter(|w| frequent(w))
                    .map(|w| Arc::from(*w)),
                1,
            )
        })?;
        let starts = Weighted::frequent(
            values
                .iter()
                .filter_map(|w| w.first())
                .map(|w| Arc::from(*w)),
            min_count,
        );
        let pair_rows = rows_with(
            values
                .iter()
                .map(|w| w.windows(2).map(|p| (p[0], p[1])).collect()),
        );
        let mut followers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &values {
            for pair in row.windows(2) {
                if pair_rows
                    .get(&(pair[0], pair[1]))
                    .is_some_and(|&n| n >= min_count)
                {
                    followers.entry(pair[0]).or_default().push(pair[1]);
                }
            }
        }
        let followers: Vec<(Arc<str>, Vec<Arc<str>>)> = followers
            .into_iter()
            .map(|(word, after)| (Arc::from(word), after.into_iter().map(Arc::from).collect()))
            .collect();
        let mut next: BTreeMap<Arc<str>, Weighted<Arc<str>>> = followers
            .into_iter()
            .filter_map(|(word, after)| Some((word, Weighted::frequent(after.into_iter(), 1)?)))
            .collect();
        let (mut starts, mut words) = (starts, words);
        if let Some(subjects) = &subjects {
            next.remove(SUBJECT);
            for (word, list) in &mut next {
                stand_in(list, subjects, Some(word));
            }
            for list in starts.iter_mut().chain([&mut words]) {
                stand_in(list, subjects, None);
            }
        }
        // The inside words, by whether the word before them ends a sentence.
        let mut by_kind: [Vec<Arc<str>>; 2] = Default::default();
        let inside_pairs = values
            .iter()
            .filter(|_| !titled)
            .flat_map(|words| words.windows(2).take(words.len().saturating_sub(2)));
        for pair in inside_pairs.filter(|pair| frequent(pair[1])) {
            by_kind[usize::from(!ends_sentence(pair[0]))].push(Arc::from(pair[1]));
        }
        let [after_end, within] = by_kind.map(|words| Weighted::frequent(words.into_iter(), 1));
        Some(WordModel {
            lengths: real
                .iter()
                .map(|w| w.len().min(usize::from(u16::MAX)) as u16)
                .collect(),
            starts,
            words,
            next,
            after_end,
            within,
            real: sorted_hashes(rare_values(&real, min_count)),
            titled,
            distinct: words_distinct(&real),
            characters: character_bounds(&real, min_count),
            longest: OnceLock::new(),
            chains: OnceLock::new(),
            sketch: OnceLock::new(),
            inside: OnceLock::new(),
        })
    }

    /// Whether a model read from a file can be drawn from: lengths to draw, and every word
    /// list drawable.
    pub fn check(&self) -> Result<(), String> {
        let drawable = !self.lengths.is_empty()
            && self
                .characters
                .is_none_or(|(fewest, most)| 0 < most && fewest <= most)
            && self.words.check()
            && self.starts.as_ref().is_none_or(Weighted::check)
            && self.next.values().all(Weighted::check)
            && [&self.after_end, &self.within]
                .into_iter()
                .all(|list| list.as_ref().is_none_or(Weighted::check));
        drawable
            .then_some(())
            .ok_or_else(|| "a text model that cannot be drawn from".to_string())
    }

    /// One fresh value (never equal to a real one); `None` when every draw replayed one.
    pub fn sample(&self, rng: &mut SynthRng) -> Option<Arc<str>> {
        self.fresh(rng, true, |model, text, rng| model.draw(text, rng))
    }

    /// [`WordModel::sample`] with `words` words (for a column not drawn as names, whose values
    /// end where their length says): a short text drawn too often is drawn again with as
    /// many words, so the share of one-word values stays.
    pub fn sample_words(&self, words: u16, rng: &mut SynthRng) -> Option<Arc<str>> {
        if self.titled {
            return self.sample(rng);
        }
        // Not held to the fewest characters: a text of one or two words drawn again with as
        // many is short in most draws, and eight of them cost a tenth of TPC-H sf1's draws.
        self.fresh(rng, false, |model, text, rng| {
            model.draw_words(text, (0, Some(words)), rng);
        })
    }

    /// A value `draw` writes that is not a real one and has a real value's number of
    /// characters ([`WordModel::characters`]; with `short`, at least the fewest too), drawn up
    /// to [`RETRIES`] times; when none has, the first that is not a real one, cut to the most
    /// characters if longer ([`cut_to`]). Drawn into a buffer kept per thread, so a value costs
    /// one allocation (its own) instead of a growing string and a copy of it: large tables
    /// draw millions.
    fn fresh(
        &self,
        rng: &mut SynthRng,
        short: bool,
        mut draw: impl FnMut(&Self, &mut String, &mut SynthRng),
    ) -> Option<Arc<str>> {
        thread_local! {
            static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
        }
        TEXT.with_borrow_mut(|text| {
            let mut unfitting: Option<Arc<str>> = None;
            for _ in 0..RETRIES {
                draw(self, text, rng);
                if self.replays(text_hash(text)) {
                    continue;
                }
                let Some((fewest, most)) = self.characters else {
                    return Some(Arc::from(text.as_str()));
                };
                let fewest = if short { fewest as usize } else { 0 };
                let characters = text.chars().count();
                if (fewest..=most as usize).contains(&characters) {
                    return Some(Arc::from(text.as_str()));
                }
                if unfitting.is_none() {
                    cut_to(text, most as usize);
                    unfitting = (!self.replays(text_hash(text))).then(|| Arc::from(text.as_str()));
                }
            }
            unfitting
        })
    }

    /// Whether the column is drawn as names (see `titled`): titled, with rare words learned as
    /// [`FRESH`] (not as [`SUBJECT`]).
    pub fn draws_names(&self) -> bool {
        self.titled && self.words.contains(&Arc::from(FRESH))
    }

    /// The most words of a real value (a titled value drawn longer is cut).
    fn longest(&self) -> u16 {
        *self
            .longest
            .get_or_init(|| self.lengths.iter().copied().max().unwrap_or(0))
    }

    /// Appends a drawn word to `text`: a fresh name for [`FRESH`] in a titled column.
    fn push_word(&self, text: &mut String, word: &str, rng: &mut SynthRng) {
        if self.titled && word == FRESH {
            text.push_str(FRESH_NAMES[rng.random_range(0..FRESH_NAMES.len())]);
        } else {
            text.push_str(word);
        }
    }

    /// The words that follow a word without followers: one that ends a sentence when
    /// `after_end`, else one that does not.
    fn fallback(&self, after_end: bool) -> &Weighted<Arc<str>> {
        let list = if after_end {
            &self.after_end
        } else {
            &self.within
        };
        list.as_ref().unwrap_or(&self.words)
    }

    /// Whether a drawn value with hash `hash` equals a real one.
    fn replays(&self, hash: u64) -> bool {
        let sketch = self.sketch.get_or_init(|| Box::new(Sketch::of(&self.real)));
        sketch.may_hold(hash) && holds(&self.real, hash)
    }

    /// Writes a value into `text`. A titled value is drawn again (up to [`FITTING_TRIES`]
    /// times) until it has as many words as a real value drawn at random (once, so that
    /// lengths keep the real shares): a chain of words ending where names end is otherwise
    /// short on long names and long on one-word ones. If none fits, the first that ended
    /// where names end is kept.
    fn draw(&self, text: &mut String, rng: &mut SynthRng) {
        let at = rng.random_range(0..self.lengths.len());
        if !self.titled {
            self.draw_words(text, (at, None), rng);
            return;
        }
        let mut ended = None;
        for _ in 0..FITTING_TRIES {
            match self.draw_words(text, (at, None), rng) {
                Some(words) if words == self.lengths[at] => return,
                Some(_) if ended.is_none() => ended = Some(text.clone()),
                _ => {}
            }
        }
        if let Some(ended) = ended {
            *text = ended;
        }
    }

    /// Writes into `text` a first word, then each next word from the followers of the one
    /// before (every word when it has none), joined by spaces: as many words as the `at`-th
    /// real value has (`words`, when given), or in a titled column up to [`END`]. Returns the
    /// words written, `None` for a titled value cut at the longest real value's words before
    /// its [`END`].
    fn draw_words(&self, text: &mut String, at: Length, rng: &mut SynthRng) -> Option<u16> {
        text.clear();
        let Some(chains) = self.chains.get_or_init(|| Chains::of(self).map(Box::new)) else {
            return self.draw_by_text(text, at, rng);
        };
        // The length is read after the first word is drawn (every value has one): its place
        // among a length per real value (megabytes) is then fetched while that word is.
        prefetch(self.lengths.get(at.0));
        self.chain_words(text, at, rng, (0, [1, 2]), |list, rng| {
            chains.draw(list, rng)
        })
    }

    /// [`WordModel::draw_words`] looking each word's followers up by text (the same draws):
    /// for a model too large for [`Chains`].
    fn draw_by_text(&self, text: &mut String, at: Length, rng: &mut SynthRng) -> Option<u16> {
        let inside = self
            .inside
            .get_or_init(|| self.words.items().iter().cloned().collect());
        let first = self.starts.as_ref().unwrap_or(&self.words);
        let inner = [self.fallback(true), self.fallback(false)];
        self.chain_words(text, at, rng, (first, inner), |words, rng| {
            let word = words.draw(rng);
            let without_followers = || self.fallback(ends_sentence(word));
            let next = self.next.get(word).unwrap_or_else(without_followers);
            (&**word, next, inside.contains(word))
        })
    }

    /// Writes the words `draw` draws, each from the list of followers of the one before (the
    /// first from `first`), as [`WordModel::draw_words`] describes. `draw(list)` gives a word,
    /// its followers' list and whether the word is seen inside a value: a place inside a
    /// sentence redraws a word seen only at a value's start or end (a fragment), up to
    /// [`REDRAWS`] times, then takes one from `inner` (words seen inside: `inner[0]` after a
    /// word that ends a sentence, `inner[1]` after one that does not).
    fn chain_words<'w, L: Copy>(
        &self,
        text: &mut String,
        (at, words): Length,
        rng: &mut SynthRng,
        (first, inner): (L, [L; 2]),
        mut draw: impl FnMut(L, &mut SynthRng) -> (&'w str, L, bool),
    ) -> Option<u16> {
        let mut written = 0;
        let mut list = first;
        let mut after_end = true;
        // The words of a long value so far, kept once it has [`LONG_VALUE_WORDS`]: looked for
        // in the text, each word made every draw of a long value a walk over all it had.
        let mut seen: Option<HashSet<String>> = None;
        loop {
            let (mut word, mut next, mut inside) = draw(list, rng);
            let wanted = words.unwrap_or_else(|| self.lengths[at]).max(1);
            let last = written + 1 >= wanted;
            if !self.titled && written > 0 && !last {
                for _ in 0..REDRAWS {
                    if inside {
                        break;
                    }
                    (word, next, inside) = draw(list, rng);
                }
                if !inside {
                    (word, next, _) = draw(inner[usize::from(!after_end)], rng);
                }
            }
            if self.distinct && written > 0 {
                if seen.is_none() && written >= LONG_VALUE_WORDS {
                    seen = Some(text.split(' ').map(String::from).collect());
                }
                let repeated = |word: &str| {
                    word != FRESH
                        && match &seen {
                            Some(seen) => seen.contains(word),
                            None => text.split(' ').any(|earlier| earlier == word),
                        }
                };
                // Among the word's followers first, then among the words seen inside values.
                let lists = [list, inner[usize::from(!after_end)]];
                for list in lists.into_iter().flat_map(|list| [list; REDRAWS]) {
                    if !repeated(word) {
                        break;
                    }
                    (word, next, _) = draw(list, rng);
                }
            }
            list = next;
            if word == END {
                return Some(written);
            }
            if self.titled && written == self.longest() {
                return None;
            }
            if written > 0 {
                text.push(' ');
            }
            let start = text.len();
            self.push_word(text, word, rng);
            if let Some(seen) = &mut seen {
                seen.extend(text[start..].split(' ').map(String::from));
            }
            after_end = ends_sentence(word);
            written += 1;
            if !self.titled && written >= wanted {
                return Some(written);
            }
        }
    }
}

/// The words a word without followers is followed by: in sentences, the words seen between
/// the first and the last of a value. A value cut from a longer text starts and ends on word
/// fragments (TPC-H's `ackages`, `ost`), never seen inside one; drawn from every word, they
/// came out mid-sentence (`carefully a ar foxes`). A titled value keeps every word (a name's
/// words are its first and last ones).
fn inner_words<'v, 'a>(
    values: &'v [Vec<&'a str>],
    titled: bool,
) -> impl Iterator<Item = &'a str> + 'v {
    values.iter().flat_map(move |words| {
        let inner = if titled || words.len() < 3 {
            &words[..0]
        } else {
            &words[1..words.len() - 1]
        };
        inner.iter().copied()
    })
}

/// The words a value has before those it drew are kept in a set to find repeats: fewer are
/// looked for in its text.
const LONG_VALUE_WORDS: u16 = 32;

/// The fewest repeated words chance would have put in a column's values for their having
/// none to count as a rule ([`words_distinct`]).
const REPEATS_BY_CHANCE: f64 = 5.0;

/// Whether no value of `values` repeats a word, where chance would have repeated at least
/// [`REPEATS_BY_CHANCE`]: the pairs of words within values times the chance that two words
/// drawn by their counts are one.
fn words_distinct(values: &[Vec<&str>]) -> bool {
    let repeats = |words: &Vec<&str>| {
        let mut seen = words.clone();
        seen.sort_unstable();
        seen.dedup();
        seen.len() < words.len()
    };
    if values.iter().any(repeats) {
        return false;
    }
    let pairs: f64 = (values.iter())
        .map(|words| words.len() as f64 * (words.len() as f64 - 1.0) / 2.0)
        .sum();
    pairs * crate::stats::same_chance(values.iter().flatten()) >= REPEATS_BY_CHANCE
}

/// Whether most words of `values` that start with a letter start with a capital one.
fn is_titled(values: &[Vec<&str>]) -> bool {
    let (mut capitalised, mut lettered) = (0usize, 0usize);
    for first in values.iter().flatten().filter_map(|w| w.chars().next()) {
        if first.is_alphabetic() {
            lettered += 1;
            capitalised += usize::from(first.is_uppercase());
        }
    }
    lettered > 0 && capitalised as f64 >= TITLED_SHARE * lettered as f64
}

/// The words of a titled column's `values` as learned ([`titled_words`]), and the words a
/// [`SUBJECT`] is drawn as: with [`SUBJECT`] for the rare capitalised words where these are
/// not names and some k-frequent words are seen where they are, else with [`FRESH`].
fn learned_titles<'a>(
    values: &[Vec<&'a str>],
    min_count: usize,
) -> (Vec<Vec<&'a str>>, Option<Weighted<Arc<str>>>) {
    if !rare_words_are_names(values, min_count) {
        let learned = titled_words(values, min_count, SUBJECT);
        if let Some(subjects) = subject_words(&learned, min_count) {
            return (learned, Some(subjects));
        }
    }
    (titled_words(values, min_count, FRESH), None)
}

/// The words of a titled column's `values` as learned: each capitalised word seen in fewer
/// than `min_count` rows replaced by `rare` ([`FRESH`] or [`SUBJECT`]: the word is private,
/// that a word stands there is not), and [`END`] after the last.
fn titled_words<'a>(values: &[Vec<&'a str>], min_count: usize, rare: &'a str) -> Vec<Vec<&'a str>> {
    let rows = rows_with(values.iter().map(|w| w.to_vec()));
    let hidden = |word: &str| rows.get(word).is_none_or(|&n| n < min_count) && is_name(word);
    values
        .iter()
        .map(|words| {
            words
                .iter()
                .map(|&word| if hidden(word) { rare } else { word })
                .chain([END])
                .collect()
        })
        .collect()
}

/// Whether the rare capitalised words of `values` (those seen in fewer than `min_count` rows)
/// are names: at least [`NAME_SHARE`] of them common names or places ([`NAME_WORDS`]), or
/// too few of them ([`TELLING_RARE_WORDS`]) to tell.
fn rare_words_are_names(values: &[Vec<&str>], min_count: usize) -> bool {
    let rows = rows_with(values.iter().map(|w| w.to_vec()));
    let rare: Vec<&str> = rows
        .iter()
        .filter(|&(word, &n)| n < min_count && is_name(word))
        .map(|(word, _)| *word)
        .collect();
    let names = rare
        .iter()
        .filter(|word| NAME_WORDS.contains(*word))
        .count();
    rare.len() < TELLING_RARE_WORDS || names as f64 >= NAME_SHARE * rare.len() as f64
}

/// The words a [`SUBJECT`] is drawn as, from titled values as learned (`learned`): the
/// k-frequent words seen right after a word that [`SUBJECT`] follows in at least `min_count`
/// rows (`of` in `Principles of Networks`: `Machine`, `Modern`, `Spectroscopy`), each
/// weighted by the rows it is seen so in and kept when seen so in at least `min_count` rows.
/// `None` when none is.
fn subject_words(learned: &[Vec<&str>], min_count: usize) -> Option<Weighted<Arc<str>>> {
    let word_rows = rows_with(learned.iter().map(|w| w.to_vec()));
    let pair_rows = rows_with(
        learned
            .iter()
            .map(|w| w.windows(2).map(|p| (p[0], p[1])).collect()),
    );
    let before: FastSet<&str> = pair_rows
        .iter()
        .filter(|&(&(word, after), &n)| after == SUBJECT && word != SUBJECT && n >= min_count)
        .map(|(&(word, _), _)| word)
        .collect();
    let frequent = |word: &str| word_rows.get(word).is_some_and(|&n| n >= min_count);
    seen_after(learned, &before, &frequent, min_count)
}

/// The `frequent` words of `learned` (not [`SUBJECT`] or [`END`]) seen right after one of
/// `before` in at least `min_count` rows, by those rows.
fn seen_after(
    learned: &[Vec<&str>],
    before: &FastSet<&str>,
    frequent: &impl Fn(&str) -> bool,
    min_count: usize,
) -> Option<Weighted<Arc<str>>> {
    let seen = learned.iter().flat_map(|words| {
        let mut after: Vec<&str> = (words.windows(2))
            .filter(|pair| before.contains(pair[0]))
            .map(|pair| pair[1])
            .filter(|&word| word != SUBJECT && word != END && frequent(word))
            .collect();
        after.sort_unstable();
        after.dedup();
        after
    });
    Weighted::frequent(seen.map(Arc::from), min_count)
}

/// `list` (the followers of `owner`, if any) with its [`SUBJECT`] drawn as one of `subjects`
/// other than `owner`: the weight of [`SUBJECT`] shared among them by theirs. A word does not
/// stand in after itself (`Computer Computer Psychology`, where every word seen after
/// `Computer` is rare).
fn stand_in(list: &mut Weighted<Arc<str>>, subjects: &Weighted<Arc<str>>, owner: Option<&str>) {
    let weights = |list: &Weighted<Arc<str>>| -> Vec<(Arc<str>, f64)> {
        let mut before = 0.0;
        (list.items().iter().zip(list.cumulative()))
            .map(|(item, &c)| {
                let weight = c - before;
                before = c;
                (item.clone(), weight)
            })
            .collect()
    };
    let own = weights(list);
    let Some(share) = own.iter().find(|(word, _)| &**word == SUBJECT).map(|w| w.1) else {
        return;
    };
    let mut standing: Vec<(Arc<str>, f64)> = weights(subjects);
    if standing.iter().any(|(word, _)| Some(&**word) != owner) {
        standing.retain(|(word, _)| Some(&**word) != owner);
    }
    let total: f64 = standing.iter().map(|(_, weight)| weight).sum();
    let mut mixed: BTreeMap<Arc<str>, f64> = BTreeMap::new();
    let drawn = (standing.into_iter()).map(|(word, weight)| (word, share * weight / total));
    for (word, weight) in own.into_iter().filter(|w| &*w.0 != SUBJECT).chain(drawn) {
        *mixed.entry(word).or_default() += weight;
    }
    *list = Weighted::of_weights(mixed).unwrap_or_else(|| subjects.clone());
}

/// A capitalised word of letters (`Lansdowne`, `Bucyrus-Crawford`, `O'Hare`), not an
/// abbreviation (`ANGB`) or a code (`A320`).
fn is_name(word: &str) -> bool {
    is_name_word(word) && word.chars().any(char::is_lowercase)
}

/// The characters of the `min_count`-th shortest and `min_count`-th longest of `values` (words
/// joined by single spaces); `None` for fewer than twice `min_count` values.
fn character_bounds(values: &[Vec<&str>], min_count: usize) -> Option<(u32, u32)> {
    let k = min_count.max(1);
    let mut characters: Vec<usize> = values
        .iter()
        .filter(|words| !words.is_empty())
        .map(|words| words.iter().map(|w| w.chars().count()).sum::<usize>() + words.len() - 1)
        .collect();
    if characters.len() < 2 * k {
        return None;
    }
    characters.sort_unstable();
    let bound = |at: usize| u32::try_from(characters[at]).unwrap_or(u32::MAX);
    Some((bound(k - 1), bound(characters.len() - k)))
}

/// Cuts `text` to at most `most` characters: whole words off its end while it has more than
/// one, then characters of the one left.
fn cut_to(text: &mut String, most: usize) {
    while text.chars().count() > most {
        match text.rfind(' ') {
            Some(space) => text.truncate(space),
            None => {
                let end = text
                    .char_indices()
                    .nth(most)
                    .map_or(text.len(), |(at, _)| at);
                text.truncate(end);
            }
        }
    }
}

/// In how many rows each item occurs (an item repeated in a row counts once).
fn rows_with<T: std::hash::Hash + Eq + Copy>(
    rows: impl Iterator<Item = Vec<T>>,
) -> FastMap<T, usize> {
    let mut counts: FastMap<T, usize> = FastMap::default();
    for mut row in rows {
        let mut seen: FastSet<T> = FastSet::with_capacity_and_hasher(row.len(), Default::default());
        row.retain(|item| seen.insert(*item));
        for item in row {
            *counts.entry(item).or_default() += 1;
        }
    }
    counts
}

/// The values (as words) seen in fewer than `min_count` rows, each once, as text.
fn rare_values(values: &[Vec<&str>], min_count: usize) -> impl Iterator<Item = String> {
    let mut rows: FastMap<String, usize> = FastMap::default();
    for words in values {
        *rows.entry(words.join(" ")).or_default() += 1;
    }
    rows.into_iter()
        .filter(move |(_, n)| *n < min_count)
        .map(|(text, _)| text)
}

/// Sorted, deduplicated hashes of `values`.
pub fn sorted_hashes(values: impl Iterator<Item = String>) -> Vec<u64> {
    let mut hashes: Vec<u64> = values.map(|v| text_hash(&v)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Whether the sorted `hashes` hold `wanted`: searched from where it would be if hashes were
/// spread evenly (they nearly are), so a large list costs a cache line or two, not a binary
/// search's twenty misses.
fn holds(hashes: &[u64], wanted: u64) -> bool {
    let n = hashes.len();
    if n == 0 {
        return false;
    }
    let guess = ((u128::from(wanted) * n as u128) >> 64) as usize;
    let guess = guess.min(n - 1);
    // A window around the guess, doubled until it brackets `wanted`.
    let (mut low, mut high, mut step) = (guess, guess + 1, 1);
    while low > 0 && hashes[low] > wanted {
        low = low.saturating_sub(step);
        step *= 2;
    }
    step = 1;
    while high < n && hashes[high - 1] < wanted {
        high = (high + step).min(n);
        step *= 2;
    }
    hashes[low..high].binary_search(&wanted).is_ok()
}

/// The share of adjacent word pairs of `synthetic` that occur in `real` text: natural text
/// scores high, words drawn independently (word salad) low.
pub fn bigram_share<'a>(
    real: impl Iterator<Item = &'a str>,
    synthetic: impl Iterator<Item = &'a str>,
) -> Option<f64> {
    let pairs = |text: &'a str| {
        let words: Vec<&str> = text.split_whitespace().collect();
        words
            .windows(2)
            .map(|p| (p[0].to_lowercase(), p[1].to_lowercase()))
            .collect::<Vec<_>>()
    };
    let known: FastSet<(String, String)> = real.flat_map(pairs).collect();
    let (mut seen, mut total) = (0usize, 0usize);
    for pair in synthetic.flat_map(pairs) {
        total += 1;
        seen += usize::from(known.contains(&pair));
    }
    (total > 0).then(|| seen as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng_for;

    proptest::proptest! {
        #[test]
        fn hashes_are_found_as_a_binary_search_finds_them(
            mut hashes in proptest::collection::vec(proptest::num::u64::ANY, 0..200),
            clustered in proptest::collection::vec(0u64..1000, 0..50),
            probes in proptest::collection::vec(proptest::num::u64::ANY, 0..50),
        ) {
            // Evenly spread hashes and a cluster of small ones (far from their guessed place).
            hashes.extend(&clustered);
            hashes.sort_unstable();
            hashes.dedup();
            for wanted in probes.iter().chain(&hashes).chain(&clustered).copied() {
                let expected = hashes.binary_search(&wanted).is_ok();
                proptest::prop_assert_eq!(holds(&hashes, wanted), expected, "{}", wanted);
                proptest::prop_assert!(!expected || Sketch::of(&hashes).may_hold(wanted));
                let next = wanted.wrapping_add(1);
                proptest::prop_assert_eq!(holds(&hashes, next), hashes.binary_search(&next).is_ok());
            }
        }
    }

    #[test]
    fn an_alias_table_draws_items_in_proportion_to_their_weights() {
        let weights = [1.0, 0.0, 2.0, 3.0, 4.0, 0.5];
        let cumulative: Vec<f64> = weights
            .iter()
            .scan(0.0, |sum, w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        let entries: Vec<Entry> = (0..weights.len() as u32)
            .map(|i| Entry {
                word: (i, i + 1),
                follow: 1,
            })
            .collect();
        let chains = Chains {
            lists: vec![(0, weights.len())],
            slots: alias_slots(&cumulative, &entries).expect("weights"),
            text: "abcdef".into(),
        };
        let draws = 200_000;
        let mut counts: FastMap<&str, usize> = FastMap::default();
        let mut rng = rng_for(2, "alias");
        for _ in 0..draws {
            *counts.entry(chains.draw(0, &mut rng).0).or_default() += 1;
        }
        let total: f64 = weights.iter().sum();
        for (word, weight) in ["a", "b", "c", "d", "e", "f"].iter().zip(weights) {
            let share = counts.get(word).copied().unwrap_or(0) as f64 / draws as f64;
            assert!((share - weight / total).abs() < 0.005, "{word}: {share}");
        }
        assert!(
            alias_slots(&[0.0, 0.0], &entries[..2]).is_none(),
            "no weight"
        );
    }

    /// `count` values of `each` words of a vocabulary of `words` (`stem0`, `stem1`, ...), none
    /// twice in a value.
    fn distinct_words(
        stem: &str,
        (words, each): (usize, usize),
        count: usize,
        rng: &mut SynthRng,
    ) -> Vec<String> {
        let vocabulary: Vec<String> = (0..words).map(|i| format!("{stem}{i}")).collect();
        (0..count)
            .map(|_| {
                let mut picked: Vec<&str> = Vec::new();
                while picked.len() < each {
                    let word = vocabulary[rng.random_range(0..vocabulary.len())].as_str();
                    if !picked.contains(&word) {
                        picked.push(word);
                    }
                }
                picked.join(" ")
            })
            .collect()
    }

    /// Planted part names: five of twenty colours, none twice in a name (as TPC-H's). Drawn
    /// word by word, names repeated a colour; kept distinct, none does. Comments that repeat
    /// a word now and then are drawn as before.
    #[test]
    fn words_no_real_value_repeats_are_not_repeated_in_a_drawn_one() {
        let mut rng = rng_for(3, "names");
        let names = distinct_words("colour", (20, 5), 600, &mut rng);
        let model = WordModel::train(names.iter().map(String::as_str), 5).expect("words");
        assert!(model.distinct);
        let repeats = |model: &WordModel, rng: &mut SynthRng| {
            let mut text = String::new();
            (0..2000)
                .filter(|_| {
                    model.draw(&mut text, rng);
                    let mut words: Vec<&str> = text.split(' ').collect();
                    let all = words.len();
                    words.sort_unstable();
                    words.dedup();
                    words.len() < all
                })
                .count()
        };
        assert_eq!(repeats(&model, &mut rng), 0);
        let mut free = model.clone();
        free.distinct = false;
        assert!(repeats(&free, &mut rng) > 100, "the test can fail");
        let mut comments = names.clone();
        comments[7] = "colour1 colour2 colour1".into();
        let model = WordModel::train(comments.iter().map(String::as_str), 5).expect("words");
        assert!(!model.distinct, "a real value repeats a word");
    }

    /// Long values (more words than [`LONG_VALUE_WORDS`]: their words are looked up in a set)
    /// of 60 of 400 words, none twice in a real value: none twice in a drawn one either.
    #[test]
    fn long_values_without_repeated_words_are_drawn_without_them() {
        let mut rng = rng_for(5, "long");
        let values = distinct_words("w", (400, 60), 300, &mut rng);
        let model = WordModel::train(values.iter().map(String::as_str), 5).expect("words");
        assert!(model.distinct);
        let mut text = String::new();
        let mut long = 0;
        for _ in 0..300 {
            model.draw(&mut text, &mut rng);
            let words: Vec<&str> = text.split(' ').collect();
            let distinct: HashSet<&str> = words.iter().copied().collect();
            assert_eq!(distinct.len(), words.len(), "{text}");
            long += usize::from(words.len() > usize::from(LONG_VALUE_WORDS));
        }
        assert!(long > 250, "the values drawn are long: {long}");
    }

    #[test]
    fn words_laid_out_for_drawing_follow_the_word_before_as_words_looked_up_by_text_do() {
        let real = titles();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("frequent words");
        let starts = model.starts.as_ref().expect("first words");
        let mut rng = rng_for(8, "chains");
        let mut text = String::new();
        let mut firsts: FastMap<String, usize> = FastMap::default();
        let draws = 20_000;
        for _ in 0..draws {
            model.draw(&mut text, &mut rng);
            let words: Vec<&str> = text.split(' ').collect();
            assert!(starts.contains(&Arc::from(words[0])), "{text}");
            *firsts.entry(words[0].to_string()).or_default() += 1;
            for pair in words.windows(2) {
                let followers = model.next.get(pair[0]).unwrap_or(&model.words);
                assert!(followers.contains(&Arc::from(pair[1])), "{text}");
            }
        }
        // First words as often as the text lookups draw them.
        let mut by_text: FastMap<String, usize> = FastMap::default();
        for _ in 0..draws {
            model.draw_by_text(&mut text, (0, None), &mut rng);
            let first = text.split(' ').next().unwrap_or_default();
            *by_text.entry(first.to_string()).or_default() += 1;
        }
        for (word, &count) in &by_text {
            let ours = firsts.get(word).copied().unwrap_or(0);
            let gap = (ours as f64 - count as f64).abs() / draws as f64;
            assert!(gap < 0.02, "{word}: {ours} against {count}");
        }
    }

    #[test]
    fn a_sketch_holds_its_hashes_and_tells_most_others_apart() {
        let mut rng = rng_for(4, "sketch");
        let hashes: Vec<u64> = (0..10_000).map(|_| rng.random()).collect();
        let sketch = Sketch::of(&hashes);
        assert!(hashes.iter().all(|&hash| sketch.may_hold(hash)));
        let others = (0..10_000)
            .filter(|_| sketch.may_hold(rng.random()))
            .count();
        assert!(
            others < 2_000,
            "{others} of 10,000 other hashes may be held"
        );
    }

    fn titles() -> Vec<String> {
        let (adjectives, nouns) = (
            ["Great", "Little", "Dark", "Silent"],
            ["River", "House", "Night", "Road"],
        );
        let mut out = Vec::new();
        for (i, a) in adjectives.iter().enumerate() {
            for (j, n) in nouns.iter().enumerate() {
                for _ in 0..6 {
                    out.push(format!(
                        "The {a} {n} {}",
                        ["Returns", "Story", "Again"][(i + j) % 3]
                    ));
                }
            }
        }
        out
    }

    /// Values cut from one long text at random places (as TPC-H's comments are): their first
    /// and last words are often fragments (`ackages`) seen nowhere else.
    fn cut_sentences() -> Vec<String> {
        let words = [
            "packages",
            "sleep",
            "furiously",
            "along",
            "the",
            "final",
            "deposits",
            "and",
            "ironic",
            "requests",
            "haggle",
            "slyly",
            "above",
            "even",
            "accounts",
        ];
        let mut rng = rng_for(3, "cut");
        (0..2000)
            .map(|_| {
                let at = rng.random_range(0..words.len());
                let length = rng.random_range(4..9);
                let mut value: Vec<String> = (0..length)
                    .map(|i| words[(at + i) % words.len()].to_string())
                    .collect();
                let first = rng.random_range(1..value[0].len());
                value[0] = value[0][first..].to_string();
                let last = value.len() - 1;
                let keep = rng.random_range(1..value[last].len());
                value[last].truncate(keep);
                value.join(" ")
            })
            .collect()
    }

    #[test]
    fn fragments_of_cut_text_stay_at_the_ends_of_values() {
        let real = cut_sentences();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("words");
        let inside: FastSet<&str> = real
            .iter()
            .flat_map(|v| {
                let words: Vec<&str> = v.split(' ').collect();
                words[1..words.len() - 1].to_vec()
            })
            .collect();
        let mut rng = rng_for(5, "fragments");
        let drawn: Vec<Arc<str>> = (0..1000).filter_map(|_| model.sample(&mut rng)).collect();
        assert!(drawn.len() > 900, "{} values drawn", drawn.len());
        let cut_inside = drawn
            .iter()
            .filter(|value| {
                let words: Vec<&str> = value.split(' ').collect();
                words.len() > 2
                    && words[1..words.len() - 1]
                        .iter()
                        .any(|w| !inside.contains(w))
            })
            .count();
        assert_eq!(cut_inside, 0, "values with a fragment inside");
        let cut_at_ends = drawn
            .iter()
            .filter(|value| value.split(' ').any(|w| !inside.contains(w)))
            .count();
        assert!(
            cut_at_ends > 500,
            "{cut_at_ends} values start or end on a fragment"
        );
    }

    #[test]
    fn texts_drawn_with_a_number_of_words_have_that_many() {
        let real = cut_sentences();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("words");
        let mut rng = rng_for(6, "words");
        for words in [1u16, 2, 5] {
            let drawn: Vec<Arc<str>> = (0..200)
                .filter_map(|_| model.sample_words(words, &mut rng))
                .collect();
            assert!(drawn.len() > 150, "{} values of {words} words", drawn.len());
            let counts: FastSet<usize> = drawn.iter().map(|v| v.split(' ').count()).collect();
            assert_eq!(counts, [usize::from(words)].into_iter().collect());
        }
    }

    /// Cut sentences of 4 to 8 words (as TPC-H's comments are): word pairs drawn freely run
    /// past the longest real value in some rows; held to the real values' characters, none
    /// does, and few are shorter than the shortest.
    #[test]
    fn drawn_texts_keep_within_the_real_values_characters() {
        let real = cut_sentences();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("words");
        let (fewest, most) = model.characters.expect("bounds of 2,000 values");
        let longest = real.iter().map(|v| v.chars().count()).max().unwrap_or(0);
        assert!(most as usize <= longest && fewest < most);
        let lengths = |model: &WordModel| -> Vec<usize> {
            let mut rng = rng_for(8, "characters");
            (0..2000)
                .filter_map(|_| model.sample(&mut rng))
                .map(|v| v.chars().count())
                .collect()
        };
        let free = WordModel {
            characters: None,
            ..model.clone()
        };
        let over = |lengths: &[usize]| lengths.iter().filter(|&&n| n > most as usize).count();
        assert!(
            over(&lengths(&free)) > 20,
            "the planted texts run long when drawn freely"
        );
        let held = lengths(&model);
        assert!(held.len() > 1900);
        assert_eq!(over(&held), 0);
        let short = held.iter().filter(|&&n| n < fewest as usize).count();
        assert!(short < 20, "{short} shorter than {fewest} characters");
    }

    #[test]
    fn a_text_is_cut_at_a_word_and_a_word_at_a_character() {
        let mut text = String::from("even accounts haggle");
        cut_to(&mut text, 15);
        assert_eq!(text, "even accounts");
        cut_to(&mut text, 3);
        assert_eq!(text, "eve");
        let mut text = String::from("déjà vu");
        cut_to(&mut text, 3);
        assert_eq!(text, "déj");
    }

    /// Values of two or three sentences over a wide vocabulary (TPC-DS catalog pages): every
    /// word is frequent, most pairs are too rare to keep, and no pair across a sentence's end
    /// is. A word without kept followers must still be followed as sentences go on: a
    /// capitalised word only after a sentence's end, and one after every end.
    #[test]
    fn sentences_start_after_a_sentence_ends_and_nowhere_else() {
        assert_sentences_break_as_real_ones(&sentences(150, false));
    }

    /// As above with a few sentence ends, often followed by a fragment (each value cut after
    /// its last sentence's first letters): a fragment drawn after an end inside a value is
    /// replaced by a word that starts a sentence.
    #[test]
    fn a_fragment_after_a_sentence_end_gives_way_to_a_sentence_start() {
        assert_sentences_break_as_real_ones(&sentences(3, true));
    }

    /// 2,000 values drawn from a model of 3,000 planted values of two or three sentences, each
    /// a capitalised word, three lower-case words and one of `enders` words with a stop; `cut`
    /// ends each value on the first two letters of a sentence's first word.
    fn sentences(enders: usize, cut: bool) -> Vec<Arc<str>> {
        let starts = [
            "Most", "Some", "Every", "Few", "Other", "Such", "Many", "Both",
        ];
        let words: Vec<String> = (0..150).map(|i| format!("w{i}")).collect();
        let mut rng = rng_for(6, "sentences");
        let real: Vec<String> = (0..3000)
            .map(|_| {
                let mut value = Vec::new();
                for _ in 0..rng.random_range(2..4) {
                    value.push(starts[rng.random_range(0..starts.len())].to_string());
                    for _ in 0..3 {
                        value.push(words[rng.random_range(0..words.len())].clone());
                    }
                    value.push(format!("{}.", words[rng.random_range(0..enders)]));
                }
                if cut {
                    value.push(starts[rng.random_range(0..starts.len())][..2].to_string());
                }
                value.join(" ")
            })
            .collect();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("words");
        let drawn: Vec<Arc<str>> = (0..2000).filter_map(|_| model.sample(&mut rng)).collect();
        assert!(drawn.len() > 1900, "{} values drawn", drawn.len());
        drawn
    }

    /// Many sentences end inside `values`, each followed by a capitalised word, and no
    /// capitalised word follows a word that ends none ([`sentence_breaks`]).
    fn assert_sentences_break_as_real_ones(values: &[Arc<str>]) {
        let (ends, mid_capitals, lower_after_end) = sentence_breaks(values);
        assert!(ends > 1000, "{ends} sentence ends inside values");
        assert_eq!(mid_capitals, 0, "capitalised words inside a sentence");
        assert_eq!(lower_after_end, 0, "sentences starting in lower case");
    }

    /// Of the word pairs inside `values`: those after a sentence's end, the capitalised words
    /// after a word that does not end one, and the lower-case ones after one that does.
    fn sentence_breaks(values: &[Arc<str>]) -> (usize, usize, usize) {
        let (mut ends, mut mid_capitals, mut lower_after_end) = (0, 0, 0);
        for value in values {
            let words: Vec<&str> = value.split(' ').collect();
            for pair in words.windows(2) {
                let capital = pair[1].starts_with(char::is_uppercase);
                if ends_sentence(pair[0]) {
                    ends += 1;
                    lower_after_end += usize::from(!capital);
                } else {
                    mid_capitals += usize::from(capital);
                }
            }
        }
        (ends, mid_capitals, lower_after_end)
    }

    #[test]
    fn a_word_ends_a_sentence_on_its_last_stop() {
        for word in ["needs.", "why?", "\"Stop!\"", "(etc.)", "pp."] {
            assert!(ends_sentence(word), "{word}");
        }
        for word in ["needs", "ideas;", "Major,", "e.g", ""] {
            assert!(!ends_sentence(word), "{word}");
        }
    }

    /// A column of a few phrases, each seen in many rows, is drawn from (its phrases are as
    /// common as categories); a phrase seen in fewer than k rows is still never drawn.
    #[test]
    fn frequent_phrases_are_drawn_and_rare_ones_never() {
        let phrases = [
            "a a a", "a a b", "a b a", "a b b", "b a a", "b a b", "b b a", "b b b",
        ];
        let mut real: Vec<&str> = (0..400).map(|i| phrases[i % 7]).collect();
        real.push(phrases[7]);
        let model = WordModel::train(real.iter().copied(), 5).expect("frequent words");
        let mut rng = rng_for(5, "phrases");
        let drawn: Vec<Option<Arc<str>>> = (0..300).map(|_| model.sample(&mut rng)).collect();
        assert!(drawn.iter().all(Option::is_some), "every draw is a value");
        assert!(
            drawn.iter().flatten().all(|text| &**text != "b b b"),
            "the phrase seen once is never drawn"
        );
    }

    #[test]
    fn a_model_without_lengths_or_words_is_refused() {
        let real = titles();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("frequent words");
        assert!(model.check().is_ok());
        let mut empty = model.clone();
        empty.lengths.clear();
        assert!(empty.check().is_err(), "no length to draw");
    }

    #[test]
    fn titles_read_naturally_and_word_salad_does_not() {
        let real = titles();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("frequent words");
        let mut rng = rng_for(3, "t");
        let synthetic: Vec<String> = (0..200)
            .filter_map(|_| model.sample(&mut rng))
            .map(|text| text.to_string())
            .collect();
        assert!(synthetic.len() > 100);
        let share = bigram_share(
            real.iter().map(String::as_str),
            synthetic.iter().map(String::as_str),
        );
        assert!(share.unwrap() > 0.9, "{share:?}");
        // No title seen in fewer than k rows is drawn (frequent ones may be).
        let rows = |title: &String| real.iter().filter(|r| *r == title).count();
        assert!(synthetic.iter().all(|s| rows(s) == 0 || rows(s) >= 5));
        // Word salad: the same words, shuffled independently of each other.
        let words: Vec<&str> = real.iter().flat_map(|t| t.split_whitespace()).collect();
        let salad: Vec<String> = (0..200)
            .map(|_| {
                (0..4)
                    .map(|_| words[rng.random_range(0..words.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let share = bigram_share(
            real.iter().map(String::as_str),
            salad.iter().map(String::as_str),
        );
        assert!(share.unwrap() < 0.5, "{share:?}");
    }

    /// Airport names: each a name seen once, then one of three endings, or two names joined
    /// by `-` (`Mexia - Limestone Field`), as a list of real airports reads; one in ten names
    /// a common town (`Ashland Airport`), as a tenth or more of real airports' names do.
    fn airports() -> Vec<String> {
        let endings = ["Airport", "County Airport", "Field"];
        (0..600)
            .map(|i| match i % 4 {
                _ if i % 10 == 0 => format!("{} {}", places::TOWNS[i / 10], endings[i % 4 % 3]),
                3 => format!("Town{0} - Place{0} Field", unique_letters(i)),
                _ => format!("Name{} {}", unique_letters(i), endings[i % 4]),
            })
            .collect()
    }

    /// Course titles: a form (`Principles of`, `Topics in`, `... Laboratory`) around a subject,
    /// half of them one of four frequent subjects, the other half one of 150 made-up subject
    /// words seen in two titles each (too rare to keep, and no name).
    fn courses() -> Vec<String> {
        let forms = [
            "Principles of {}",
            "Topics in {}",
            "{} Laboratory",
            "Introduction to {}",
        ];
        let frequent = ["Chemistry", "Psychology", "History", "Organic Chemistry"];
        (0..600)
            .map(|i| {
                let subject = match i % 2 {
                    0 => frequent[i / 2 % 4].to_string(),
                    _ => format!("Sub{}ics", unique_letters(i / 4)),
                };
                forms[i / 3 % 4].replace("{}", &subject)
            })
            .collect()
    }

    /// Rare subject words of course titles are not names: each comes out as a subject seen
    /// in k rows where rare ones are (`Principles of Psychology`), never as a town or surname
    /// (`Principles of Perkins`), and no word seen in fewer than k rows comes out.
    #[test]
    fn rare_subjects_of_a_titled_column_come_out_as_frequent_subjects() {
        let real = courses();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("frequent words");
        assert!(model.titled && !model.draws_names());
        let rows = |word: &str| {
            real.iter()
                .filter(|t| t.split(' ').any(|w| w == word))
                .count()
        };
        let mut rng = rng_for(6, "courses");
        let drawn: Vec<Arc<str>> = (0..2_000).filter_map(|_| model.sample(&mut rng)).collect();
        assert!(drawn.len() > 1_900, "{} values drawn", drawn.len());
        let mut subjects = 0;
        for value in &drawn {
            assert!(value.split(' ').all(|word| rows(word) >= 5), "{value}");
            assert!(!value.contains(SUBJECT) && !value.contains(END), "{value}");
            let subject = ["of ", "in ", "to "]
                .iter()
                .find_map(|form| value.split_once(form).map(|(_, after)| after));
            subjects += usize::from(subject.is_some_and(|s| s.starts_with(char::is_uppercase)));
        }
        // Each title after `of`, `in` or `to` (three forms in four) goes on with a subject.
        assert!(subjects > 1_300, "{subjects} subjects after a form");
        let distinct: FastSet<&str> = drawn.iter().map(|v| &**v).collect();
        assert!(distinct.len() > 12, "{} distinct titles", distinct.len());
    }

    /// The rare capitalised words of a column are names where one in twenty or more is a
    /// common name or place, and are taken for names where too few to tell; subject words are
    /// not.
    #[test]
    fn rare_words_are_names_where_enough_are_common_names() {
        let words = |values: &[String]| -> Vec<Vec<String>> {
            values
                .iter()
                .map(|v| v.split(' ').map(String::from).collect())
                .collect()
        };
        let decide = |values: &[String]| {
            let owned = words(values);
            let split: Vec<Vec<&str>> = owned
                .iter()
                .map(|w| w.iter().map(String::as_str).collect())
                .collect();
            rare_words_are_names(&split, 5)
        };
        assert!(decide(&airports()));
        assert!(!decide(&courses()));
        assert!(decide(&courses()[..40]), "too few rare words to tell");
    }

    /// Letters spelling `i` (a word of its own for every `i`).
    fn unique_letters(i: usize) -> String {
        format!("{i}")
            .chars()
            .map(|d| (b'a' + d as u8 - b'0') as char)
            .collect()
    }

    /// A capitalised word too rare to keep comes out as a common real name, the words around
    /// it as real values have them, and a name ends where real names end (never on `-`).
    #[test]
    fn rare_names_of_a_titled_column_come_out_as_fresh_names() {
        let real = airports();
        let model = WordModel::train(real.iter().map(String::as_str), 5).expect("frequent words");
        let mut rng = rng_for(6, "airports");
        let drawn: Vec<Arc<str>> = (0..2_000).filter_map(|_| model.sample(&mut rng)).collect();
        assert_eq!(drawn.len(), 2_000, "every draw is a value");
        let known = ["Airport", "County", "Field", "-"];
        let mut words_per_value = [0usize; 8];
        for value in &drawn {
            let words: Vec<&str> = value.split(' ').collect();
            words_per_value[words.len().min(7)] += 1;
            for word in &words {
                assert!(
                    known.contains(word) || FRESH_NAMES.contains(word),
                    "{word} in {value}"
                );
            }
            assert!(
                FRESH_NAMES.contains(&words[0]),
                "{value} starts with a name"
            );
            assert!(
                !value.ends_with('-') && !value.ends_with("County"),
                "{value}"
            );
            assert!(!value.contains(FRESH) && !value.contains(END), "{value}");
        }
        // Real: a quarter of each of 2, 3, 2 and 4 words.
        let share = |n: usize| words_per_value[n] as f64 / drawn.len() as f64;
        for (words, real) in [(2, 0.5), (3, 0.25), (4, 0.25)] {
            assert!(
                (share(words) - real).abs() < 0.06,
                "{words} words: {}",
                share(words)
            );
        }
    }

    /// Sentences capitalise their first word only: they are not titled, and a rare first word
    /// is not taken for a name.
    #[test]
    fn sentences_are_not_titled() {
        let sentences: Vec<String> = (0..300)
            .map(|i| format!("Word{} runs over the quiet hill again", unique_letters(i)))
            .collect();
        let model =
            WordModel::train(sentences.iter().map(String::as_str), 5).expect("frequent words");
        assert!(!model.titled);
        let mut rng = rng_for(7, "sentences");
        for _ in 0..200 {
            let value = model.sample(&mut rng).expect("a value");
            assert!(
                value.split(' ').all(|word| !FRESH_NAMES.contains(&word)),
                "{value}"
            );
        }
        assert!(
            WordModel::train(airports().iter().map(String::as_str), 5)
                .is_some_and(|model| model.titled)
        );
    }
}
