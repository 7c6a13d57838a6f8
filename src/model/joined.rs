//! Numbers joined by one separator: a parcel's `84x53x41` (length, width, height), a screen's
//! `1920x1080`, a range `10-20`. Drawn in the character shape of the real ids, their digits came
//! at random place by place: 6,111 of 8,000 synthetic parcels had a part with a leading zero
//! (`50x01x6`), out of its real range (`606x15x0`) or out of the order every real parcel keeps
//! (`14x80x39`, where length >= width >= height). Training finds a column whose every real value
//! is such numbers ([`Joined::learn`]: 2 to 4 parts, the same separator and count in each, parts
//! from 0 to 10^9); generation draws each part from its real quantiles (the extremes trimmed as a
//! number column's are), under or over the part before where every real value keeps them in
//! that order, written as the real parts are (no leading zero unless the real ones are
//! zero-padded to one width, their decimals).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::check_digit::MIN_CHECKED;
use crate::sampling::SynthRng;

/// How to draw a column of numbers joined by a separator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joined {
    separator: char,
    parts: Vec<Part>,
    order: Order,
    /// The sorted hashes (`IdShape`'s, by the `hash` given to [`Joined::learn`]) of the real
    /// values seen at least the privacy threshold of times: those a draw may be (other real values are drawn again, `IdShape`), as text
    /// keeps its frequent words. A parcel of the least length has few sizes, all real ones.
    frequent: Vec<u64>,
}

/// One place of the joined numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    /// Quantiles of the real values (sorted, at most [`MAX_POINTS`], the `min_count - 1` most
    /// extreme on each side left out): a draw lies between two neighbouring ones, and in their
    /// range.
    points: Vec<f64>,
    /// Where the parts keep an order, quantiles of where each real value lies between the end
    /// of the part's range and the part before (0 at the end, 1 at the part before, or its
    /// range's other end if nearer): a parcel's width is spread from the least width up to its
    /// length, whatever the length. Empty for the first part and parts in no order.
    within: Vec<f64>,
    /// The most decimals a real value of the part has.
    decimals: u8,
    /// Whether some real values have fewer decimals: a drawn value's trailing zeros are cut.
    trimmed: bool,
    /// The width the whole-number digits are zero-padded to, when the real ones are (`0`: not).
    width: u8,
}

/// The order the parts of every real value keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Order {
    /// None: each part drawn on its own.
    Free,
    /// Each part at most the one before (`84x53x41`).
    Descending,
    /// Each part at least the one before (`10-20-30`).
    Ascending,
}

/// The fewest and most parts a joined value has.
const PARTS: std::ops::RangeInclusive<usize> = 2..=4;

/// The largest part.
const MAX_PART: f64 = 1e9;

/// The most decimals a part may have.
const MAX_DECIMALS: usize = 6;

/// The most quantiles kept per part.
const MAX_POINTS: usize = 257;

/// One part of a real value as written.
struct Written {
    value: f64,
    /// Digits before the decimal point.
    whole: usize,
    /// Whether they start with a zero that is not the only one.
    padded: bool,
    decimals: usize,
}

impl Joined {
    /// The parts' quantiles, order and writing, when every one of `values` (at least
    /// [`MIN_CHECKED`]) is 2 to 4 numbers joined by the same separator (not all of one width
    /// with leading zeros: a code); `hash` is how the
    /// caller knows a value again ([`Joined::is_frequent`]).
    pub fn learn<S: AsRef<str>>(
        values: &[S],
        min_count: usize,
        hash: fn(&str) -> u64,
    ) -> Option<Joined> {
        if values.len() < MIN_CHECKED {
            return None;
        }
        let first = values[0].as_ref();
        // The first character that is no digit; past a decimal point, the next one.
        let candidates = [
            first.chars().find(|c| !c.is_ascii_digit()),
            first.chars().find(|c| !c.is_ascii_digit() && *c != '.'),
        ];
        let separator = (candidates.iter().flatten())
            .find(|&&separator| split_all(values, separator).is_some())
            .copied()?;
        let split = split_all(values, separator)?;
        let mut parts = (0..split[0].len())
            .map(|place| Part::learn(split.iter().map(|parts| &parts[place]), min_count))
            .collect::<Option<Vec<Part>>>()?;
        // Digit groups of one width, zero-padded, spell a code (a card number, `4012 0034 ...`;
        // a time, `09:05`), whose places the id's shape keeps: no quantities.
        let one_width =
            (split.iter()).all(|p| (p.iter().zip(&split[0])).all(|(a, b)| a.whole == b.whole));
        if one_width && parts.iter().any(|part| part.width > 0) {
            return None;
        }
        let order = order_of(&split);
        if order != Order::Free {
            for place in 1..parts.len() {
                let pairs = split.iter().map(|p| (p[place - 1].value, p[place].value));
                let within = parts[place].within(order, pairs);
                parts[place].within = quantiles(within, min_count);
            }
        }
        Some(Joined {
            separator,
            parts,
            order,
            frequent: frequent(values, min_count, hash),
        })
    }

    /// Whether the value of `hash` is a real value seen at least the privacy threshold of
    /// times: one a draw may be.
    pub fn is_frequent(&self, hash: u64) -> bool {
        self.frequent.binary_search(&hash).is_ok()
    }

    /// A fresh value: each part drawn from its quantiles (between the part before and its own
    /// end where the real parts keep an order), written as the real ones are.
    pub fn draw(&self, rng: &mut SynthRng) -> String {
        let mut text = String::new();
        let mut before: Option<f64> = None;
        for (place, part) in self.parts.iter().enumerate() {
            let value = part.draw(self.order, before, rng);
            if place > 0 {
                text.push(self.separator);
            }
            part.write(value, &mut text);
            before = Some(value);
        }
        text
    }

    /// Whether it can be drawn from: 2 to 4 parts, each with sorted, finite quantiles from 0
    /// to 10^9, a separator that is no digit.
    pub fn check(&self) -> bool {
        !self.separator.is_ascii_digit()
            && PARTS.contains(&self.parts.len())
            && self.parts.iter().all(Part::check)
            && self.frequent.windows(2).all(|pair| pair[0] < pair[1])
    }
}

impl Part {
    /// The part from its real values, when their writing is one a draw can keep: no leading
    /// zero, or all zero-padded to one width.
    fn learn<'a>(written: impl Iterator<Item = &'a Written>, min_count: usize) -> Option<Part> {
        let written: Vec<&Written> = written.collect();
        let decimals = written.iter().map(|w| w.decimals).max()?;
        let trimmed = written.iter().any(|w| w.decimals != decimals);
        let width = match written.iter().any(|w| w.padded) {
            false => 0,
            true => {
                let width = written[0].whole;
                (written.iter().all(|w| w.whole == width)).then_some(width)?
            }
        };
        let values: Vec<f64> = written.iter().map(|w| w.value).collect();
        Some(Part {
            points: quantiles(values, min_count),
            within: Vec::new(),
            decimals: u8::try_from(decimals).ok()?,
            trimmed,
            width: u8::try_from(width).ok()?,
        })
    }

    /// Where each of the real values lies between its range's end and the part before
    /// (`pairs`: the part before, this part), as [`Part::within`] keeps it; a value out of its
    /// range (an extreme left out) or with no room is left out.
    fn within(&self, order: Order, pairs: impl Iterator<Item = (f64, f64)>) -> Vec<f64> {
        pairs
            .filter_map(|(before, value)| {
                let (from, to) = self.room(order, before)?;
                let inside = (from.min(to)..=from.max(to)).contains(&value);
                inside.then(|| (value - from) / (to - from))
            })
            .collect()
    }

    /// The room of a value after `before`: from the end of the range away from it to `before`
    /// (or the range's other end, if nearer); `None` where it is no wider than a point.
    fn room(&self, order: Order, before: f64) -> Option<(f64, f64)> {
        let (low, high) = (self.points[0], self.points[self.points.len() - 1]);
        match order {
            Order::Descending => (before > low).then_some((low, before.min(high))),
            Order::Ascending => (before < high).then_some((high, before.max(low))),
            Order::Free => None,
        }
    }

    /// A value from the quantiles, or, after the part before where the parts keep an order,
    /// in its room ([`Part::room`]) where the real ones lie in theirs; on the part's decimals,
    /// never past the part before.
    fn draw(&self, order: Order, before: Option<f64>, rng: &mut SynthRng) -> f64 {
        let u: f64 = rng.random();
        let Some(before) = before.filter(|_| order != Order::Free) else {
            let last = (self.points.len() - 1) as f64;
            return self.round(at_position(&self.points, last * u));
        };
        let value = match self.room(order, before) {
            Some((from, to)) if !self.within.is_empty() => {
                let last = (self.within.len() - 1) as f64;
                let share = at_position(&self.within, last * u);
                self.round(from + (to - from) * share)
            }
            Some((from, _)) => from,
            // No room: the part before is past this part's range.
            None => self.points[0].max(self.points[self.points.len() - 1].min(before)),
        };
        match order {
            Order::Descending => value.min(before),
            _ => value.max(before),
        }
    }

    /// `value` on the part's decimals.
    fn round(&self, value: f64) -> f64 {
        let scale = 10f64.powi(i32::from(self.decimals));
        (value * scale).round() / scale
    }

    /// Appends `value` as the real parts are written.
    fn write(&self, value: f64, text: &mut String) {
        let decimals = usize::from(self.decimals);
        let mut written = format!("{value:.decimals$}");
        if self.trimmed && written.contains('.') {
            let kept = written.trim_end_matches('0').trim_end_matches('.').len();
            written.truncate(kept);
        }
        let whole = written.find('.').unwrap_or(written.len());
        let padding = usize::from(self.width).saturating_sub(whole);
        text.extend(std::iter::repeat_n('0', padding));
        text.push_str(&written);
    }

    /// Whether it can be drawn from.
    fn check(&self) -> bool {
        !self.points.is_empty()
            && self.points.len() <= MAX_POINTS
            && self.points.windows(2).all(|pair| pair[0] <= pair[1])
            && (self.points.iter()).all(|x| x.is_finite() && (0.0..=MAX_PART).contains(x))
            && self.within.len() <= MAX_POINTS
            && self.within.windows(2).all(|pair| pair[0] <= pair[1])
            && (self.within.iter()).all(|x| (0.0..=1.0).contains(x))
            && usize::from(self.decimals) <= MAX_DECIMALS
            && self.width <= 10
    }
}

/// Every value split at `separator` into parts written as numbers, as many in each (2 to 4).
fn split_all<S: AsRef<str>>(values: &[S], separator: char) -> Option<Vec<Vec<Written>>> {
    // A point or comma between two numbers is a decimal one, or groups thousands.
    let fewest = match separator {
        '.' | ',' => 3,
        _ => *PARTS.start(),
    };
    let allowed = separator == ' '
        || separator.is_ascii_punctuation()
        || matches!(separator, 'x' | 'X' | '×');
    if !allowed {
        return None;
    }
    let mut count = None;
    let mut split = Vec::with_capacity(values.len());
    for value in values {
        let parts: Vec<Written> = (value.as_ref().split(separator))
            .map(|part| written(part, separator))
            .collect::<Option<_>>()?;
        let same = *count.get_or_insert(parts.len()) == parts.len();
        if !same || parts.len() < fewest || parts.len() > *PARTS.end() {
            return None;
        }
        split.push(parts);
    }
    Some(split)
}

/// A part written as a number: digits, then a point and digits (not where the point is the
/// separator), from 0 to 10^9.
fn written(part: &str, separator: char) -> Option<Written> {
    let (whole, fraction) = match part.split_once('.') {
        Some((whole, fraction)) if separator != '.' => (whole, Some(fraction)),
        Some(_) => return None,
        None => (part, None),
    };
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    let decimals = fraction.map_or(0, str::len);
    let value: f64 = part.parse().ok()?;
    let fits = decimals <= MAX_DECIMALS && whole.len() <= 10 && value <= MAX_PART;
    fits.then_some(Written {
        value,
        whole: whole.len(),
        padded: whole.len() > 1 && whole.starts_with('0'),
        decimals,
    })
}

/// The order the parts of every value keep (descending first where every value's parts are
/// equal).
fn order_of(split: &[Vec<Written>]) -> Order {
    let keeps = |ok: fn(f64, f64) -> bool| {
        (split.iter()).all(|parts| {
            parts
                .windows(2)
                .all(|pair| ok(pair[0].value, pair[1].value))
        })
    };
    if keeps(|a, b| a >= b) {
        Order::Descending
    } else if keeps(|a, b| a <= b) {
        Order::Ascending
    } else {
        Order::Free
    }
}

/// At most [`MAX_POINTS`] quantiles of `values`, without the `min_count - 1` most extreme on each
/// side (when there are enough to spare them), so no one's extreme part is drawn.
fn quantiles(mut values: Vec<f64>, min_count: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let trim = min_count.saturating_sub(1);
    if values.len() > 4 * trim + 1 {
        values.truncate(values.len() - trim);
        values.drain(..trim);
    }
    if values.len() <= MAX_POINTS {
        return values;
    }
    let last = (values.len() - 1) as f64;
    (0..MAX_POINTS)
        .map(|i| {
            let rank = (i as f64 * last / (MAX_POINTS - 1) as f64).round() as usize;
            values[rank]
        })
        .collect()
}

/// The value at a fractional `position` among `points`, between its two neighbours.
fn at_position(points: &[f64], position: f64) -> f64 {
    let last = points.len() - 1;
    let position = position.clamp(0.0, last as f64);
    // A cast truncates, which for a position (never below 0) is its floor.
    let low = position as usize;
    let high = (low + 1).min(last);
    points[low] + (points[high] - points[low]) * (position - low as f64)
}

/// The sorted hashes of the `values` seen at least `min_count` times.
fn frequent<S: AsRef<str>>(values: &[S], min_count: usize, hash: fn(&str) -> u64) -> Vec<u64> {
    let mut hashes: Vec<u64> = values.iter().map(|v| hash(v.as_ref())).collect();
    hashes.sort_unstable();
    let mut kept: Vec<u64> = hashes
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() >= min_count.max(1))
        .map(|run| run[0])
        .collect();
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Learns as `IdShape` does, with its hash.
    fn learn(values: &[String], min_count: usize) -> Option<Joined> {
        Joined::learn(values, min_count, super::super::marginal::text_hash)
    }

    /// Planted: parcels `LxWxH` with 10 <= L <= 120, 10 <= W <= min(L, 80), 5 <= H <= W: every
    /// drawn one parses, keeps L >= W >= H, has no leading zero and stays in the real ranges;
    /// the lengths spread over their range.
    #[test]
    fn parcels_keep_their_order_ranges_and_writing() {
        let mut rng = crate::sampling::rng_for(7, "planted parcels");
        let real: Vec<String> = (0..3_000)
            .map(|_| {
                let l: u32 = rng.random_range(10..=120);
                let w: u32 = rng.random_range(10..=l.min(80));
                let h: u32 = rng.random_range(5..=w);
                format!("{l}x{w}x{h}")
            })
            .collect();
        let model = learn(&real, 5).expect("numbers joined by x");
        assert!(model.check());
        assert_eq!((model.separator, model.order), ('x', Order::Descending));
        let mut rng = crate::sampling::rng_for(7, "drawn parcels");
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..5_000 {
            let parcel = model.draw(&mut rng);
            let parts: Vec<&str> = parcel.split('x').collect();
            assert_eq!(parts.len(), 3, "{parcel}");
            assert!(parts.iter().all(|p| !p.starts_with('0')), "{parcel}");
            let [l, w, h] = [0, 1, 2].map(|i| parts[i].parse::<u32>().expect("whole"));
            assert!((10..=120).contains(&l) && (10..=l).contains(&w), "{parcel}");
            assert!((5..=w).contains(&h), "{parcel}");
            lengths.insert(l);
        }
        assert!(
            lengths.len() > 100,
            "lengths cover their range: {}",
            lengths.len()
        );
    }

    /// Planted: durations `m:ss`, seconds zero-padded (no order between the parts), a range
    /// `lo-hi` always ascending with one decimal, and values that are not joined numbers.
    #[test]
    fn writing_and_order_follow_the_real_values() {
        let times: Vec<String> = (0..300)
            .map(|i| format!("{}:{:02}", i % 150, (i * 7) % 60))
            .collect();
        let model = learn(&times, 5).expect("durations");
        assert_eq!(model.order, Order::Free);
        let mut rng = crate::sampling::rng_for(2, "durations");
        for _ in 0..500 {
            let time = model.draw(&mut rng);
            let (m, s) = time.split_once(':').expect("joined");
            assert!(m.len() == 1 || !m.starts_with('0'), "{time}");
            assert!(
                s.len() == 2 && s.parse::<u32>().is_ok_and(|s| s < 60),
                "{time}"
            );
        }
        let clock: Vec<String> = (0..300)
            .map(|i| format!("{:02}:{:02}", i % 24, i % 60))
            .collect();
        assert!(
            learn(&clock, 5).is_none(),
            "zero-padded groups of one width are a code"
        );
        let ranges: Vec<String> = (0..300)
            .map(|i| format!("{}.{}-{}.5", i % 50, i % 10, 50 + i % 40))
            .collect();
        let model = learn(&ranges, 5).expect("ranges");
        assert_eq!((model.separator, model.order), ('-', Order::Ascending));
        for _ in 0..500 {
            let range = model.draw(&mut rng);
            let (lo, hi) = range.split_once('-').expect("joined");
            let (lo, hi): (f64, f64) = (lo.parse().expect("lo"), hi.parse().expect("hi"));
            assert!(lo <= hi && lo <= 49.9 && hi >= 50.0, "{range}");
            assert!(
                range
                    .split('-')
                    .all(|p| p.split('.').nth(1).is_none_or(|f| f.len() == 1))
            );
        }
        let ragged: Vec<String> = (0..300)
            .map(|i| format!("{:0w$}-{i}", i, w = 1 + i % 3))
            .collect();
        assert!(learn(&ragged, 5).is_none(), "leading zeros at no one width");
        let mixed: Vec<String> = (0..300)
            .map(|i| format!("{i}x{}", i + 1))
            .chain(["7x8x9".into()])
            .collect();
        assert!(learn(&mixed, 5).is_none(), "as many parts in each");
        let words: Vec<String> = (0..300).map(|i| format!("{i}Q{}", i % 4)).collect();
        assert!(learn(&words, 5).is_none(), "a letter joins no numbers");
        let decimals: Vec<String> = (0..300).map(|i| format!("{i}.{}", i % 10)).collect();
        assert!(
            learn(&decimals, 5).is_none(),
            "a decimal number is one number"
        );
        assert!(learn(&ranges[..19], 5).is_none(), "too few to tell");
    }
}
