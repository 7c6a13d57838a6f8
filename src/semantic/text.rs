//! A word-level model of titles and free text: word pairs (bigrams) with backoff to single
//! words, trained with the privacy threshold (only words and pairs seen in at least k rows),
//! keeping the number of words per value and the words' casing. An output equal to a real value
//! is drawn again: the model keeps a 64-bit hash of every real value for that (never the value).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::model::marginal::Weighted;
use crate::sampling::SynthRng;

/// Draws of a value that equals a real one before giving up (the value is then left empty).
const RETRIES: usize = 8;

/// The trained word model of one column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WordModel {
    /// Words per value, one entry per real value (a length is not a value).
    lengths: Vec<u16>,
    /// First words of values, k-frequent.
    starts: Option<Weighted<Arc<str>>>,
    /// Every k-frequent word.
    words: Weighted<Arc<str>>,
    /// For each word, the words that follow it in at least k rows.
    next: BTreeMap<Arc<str>, Weighted<Arc<str>>>,
    /// Hashes of the real values (sorted), to reject replays.
    real: Vec<u64>,
    /// The word lists linked by position, built on the first draw (not stored).
    #[serde(skip)]
    chains: OnceLock<Chains>,
}

/// The word lists of a [`WordModel`] linked by position, so drawing a value follows indices
/// instead of looking each word up by its text: list 0 holds the first words, list 1 every
/// word, list `2 + i` the followers of the `i`-th word of `next`; next to each list, for each
/// of its words, the list of that word's followers (none: back off to list 1).
#[derive(Debug, Clone, Default)]
struct Chains {
    lists: Vec<Linked>,
}

/// A word list and, for each of its words, the list of its followers.
type Linked = (Weighted<Arc<str>>, Vec<Option<usize>>);

impl Chains {
    fn of(model: &WordModel) -> Chains {
        let position: HashMap<&str, usize> = model
            .next
            .keys()
            .enumerate()
            .map(|(index, word)| (&**word, 2 + index))
            .collect();
        let first = model.starts.as_ref().unwrap_or(&model.words);
        let lists = [first, &model.words]
            .into_iter()
            .chain(model.next.values())
            .map(|list| {
                let follow = list
                    .items()
                    .iter()
                    .map(|word| position.get(&**word).copied())
                    .collect();
                (list.clone(), follow)
            })
            .collect();
        Chains { lists }
    }
}

impl WordModel {
    /// Trains on real values with threshold `min_count`; `None` when no word is k-frequent.
    pub fn train<'a>(values: impl Iterator<Item = &'a str>, min_count: usize) -> Option<WordModel> {
        let values: Vec<Vec<&str>> = values.map(|v| v.split_whitespace().collect()).collect();
        let word_rows = rows_with(values.iter().map(|w| w.to_vec()));
        let frequent = |word: &str| word_rows.get(word).is_some_and(|&n| n >= min_count);
        let words = Weighted::frequent(
            values
                .iter()
                .flatten()
                .filter(|w| frequent(w))
                .map(|w| Arc::from(*w)),
            1,
        )?;
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
        let next = followers
            .into_iter()
            .filter_map(|(word, after)| Some((word, Weighted::frequent(after.into_iter(), 1)?)))
            .collect();
        Some(WordModel {
            lengths: values
                .iter()
                .map(|w| w.len().min(usize::from(u16::MAX)) as u16)
                .collect(),
            starts,
            words,
            next,
            real: sorted_hashes(values.iter().map(|w| w.join(" "))),
            chains: OnceLock::new(),
        })
    }

    /// Whether a model read from a file can be drawn from: lengths to draw, and every word
    /// list drawable.
    pub fn check(&self) -> Result<(), String> {
        let drawable = !self.lengths.is_empty()
            && self.words.check()
            && self.starts.as_ref().is_none_or(Weighted::check)
            && self.next.values().all(Weighted::check);
        drawable
            .then_some(())
            .ok_or_else(|| "a text model that cannot be drawn from".to_string())
    }

    /// One fresh value (never equal to a real one); `None` when every draw replayed one.
    /// Drawn into a buffer kept per thread, so a value costs one allocation (its own) instead
    /// of a growing string and a copy of it: large tables draw millions.
    pub fn sample(&self, rng: &mut SynthRng) -> Option<Arc<str>> {
        thread_local! {
            static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
        }
        TEXT.with_borrow_mut(|text| {
            (0..RETRIES).find_map(|_| {
                self.draw(text, rng);
                (!holds(&self.real, hash(text))).then(|| Arc::from(text.as_str()))
            })
        })
    }

    /// Writes into `text` a first word, then each next word from the followers of the one
    /// before (every word when it has none), joined by spaces.
    fn draw(&self, text: &mut String, rng: &mut SynthRng) {
        let length = self.lengths[rng.random_range(0..self.lengths.len())].max(1);
        let chains = self.chains.get_or_init(|| Chains::of(self));
        text.clear();
        let mut list = 0;
        for drawn in 0..length {
            let (words, follow) = &chains.lists[list];
            let index = words.draw_index(rng);
            if drawn > 0 {
                text.push(' ');
            }
            text.push_str(&words.items()[index]);
            list = follow[index].unwrap_or(1);
        }
    }
}

/// In how many rows each item occurs (an item repeated in a row counts once).
fn rows_with<T: std::hash::Hash + Eq + Copy>(
    rows: impl Iterator<Item = Vec<T>>,
) -> HashMap<T, usize> {
    let mut counts: HashMap<T, usize> = HashMap::new();
    for mut row in rows {
        let mut seen: HashSet<T> = HashSet::with_capacity(row.len());
        row.retain(|item| seen.insert(*item));
        for item in row {
            *counts.entry(item).or_default() += 1;
        }
    }
    counts
}

/// Sorted, deduplicated hashes of `values`.
pub fn sorted_hashes(values: impl Iterator<Item = String>) -> Vec<u64> {
    let mut hashes: Vec<u64> = values.map(|v| hash(&v)).collect();
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

/// FNV-1a, stable across runs and platforms.
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
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
    let known: HashSet<(String, String)> = real.flat_map(pairs).collect();
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
                let next = wanted.wrapping_add(1);
                proptest::prop_assert_eq!(holds(&hashes, next), hashes.binary_search(&next).is_ok());
            }
        }
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
        assert!(synthetic.iter().all(|s| !real.contains(s)));
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
}
