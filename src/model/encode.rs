//! Binning values into small integer codes, the features and targets of the trees.
//!
//! Trees split on at most 64 codes per feature (a split is a 64-bit mask of the codes that go
//! left), so every column is reduced to at most [`MAX_BINS`] ordered bins plus a null bin:
//! quantile bins for numbers, the most frequent labels for categories.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::tree::Feature;
use crate::data::shared::share;
use crate::data::{Column, Value};
use crate::schema::ColumnKind;

/// Bins a column may use besides the null bin.
pub const MAX_BINS: usize = 32;

/// The code of each label with one of its own. Looked up for every label drawn, so hashed with
/// foldhash (fixed seed: lookups only, the model file writes codes in code order).
pub type LabelCodes = HashMap<Arc<str>, u8, foldhash::fast::FixedState>;

/// Maps values of one column to codes: 0 is null, then 1.. in the column's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Encoder {
    /// Numbers: code `1 + number of cut points below the value` (ordered bins).
    Numeric {
        cuts: Vec<f64>,
        /// The cuts again in a block of [`MAX_BINS`], made on the first use (not stored).
        #[serde(skip)]
        block: OnceLock<CutBlock>,
    },
    /// Labels: the most frequent labels get their own code, the rest share the last one.
    Labels {
        #[serde(serialize_with = "by_code", deserialize_with = "shared_codes")]
        codes: LabelCodes,
        other: u8,
        /// The codes again by the address of the labels' strings, made on the first use
        /// (not stored).
        #[serde(skip)]
        by_address: OnceLock<ByAddress>,
    },
    /// Booleans: 1 false, 2 true.
    Flag,
    /// Only whether a value is there (ids and free text carry no other usable signal).
    Presence,
}

impl Encoder {
    /// Fits an encoder to a column's values, according to its type.
    /// Labels seen fewer than `min_count` times get no code of their own, so a model file
    /// never names a rare category (privacy).
    pub fn fit(column: &Column, min_count: usize) -> Encoder {
        Encoder::fit_coarse(column, MAX_BINS, min_count)
    }

    /// Like [`Encoder::fit`] with at most `bins` bins besides null (coarse codes keep
    /// combinations of columns few).
    pub fn fit_coarse(column: &Column, bins: usize, min_count: usize) -> Encoder {
        let bins = bins.clamp(2, MAX_BINS);
        match column.kind {
            ColumnKind::Numerical | ColumnKind::Datetime => {
                Encoder::quantiles(column.values.iter().filter_map(Value::as_number), bins)
            }
            ColumnKind::Categorical => Encoder::labels(&column.values, bins, min_count),
            ColumnKind::Boolean => Encoder::Flag,
            ColumnKind::Id | ColumnKind::Text => Encoder::Presence,
        }
    }

    /// Quantile bins of numbers (at most [`MAX_BINS`]).
    pub fn numeric(numbers: impl Iterator<Item = f64>) -> Encoder {
        Encoder::quantiles(numbers, MAX_BINS)
    }

    fn quantiles(numbers: impl Iterator<Item = f64>, bins: usize) -> Encoder {
        let mut sorted: Vec<f64> = numbers.collect();
        sorted.sort_by(f64::total_cmp);
        let mut cuts: Vec<f64> = (1..bins)
            .filter_map(|i| sorted.get(i * sorted.len() / bins).copied())
            .collect();
        cuts.dedup();
        // A cut equal to the minimum would leave its bin empty.
        if !cuts.is_empty() && cuts.first() == sorted.first() {
            cuts.remove(0);
        }
        Encoder::Numeric {
            cuts,
            block: OnceLock::new(),
        }
    }

    fn labels(values: &[Value], bins: usize, min_count: usize) -> Encoder {
        let mut counts: HashMap<&Arc<str>, usize> = HashMap::new();
        for value in values {
            if let Value::Label(label) = value {
                *counts.entry(label).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&Arc<str>, usize)> = counts
            .into_iter()
            .filter(|(_, count)| *count >= min_count)
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let codes: LabelCodes = ranked
            .iter()
            .take(bins - 1)
            .enumerate()
            .map(|(index, (label, _))| ((*label).clone(), index as u8 + 1))
            .collect();
        let other = codes.len() as u8 + 1;
        Encoder::Labels {
            codes,
            other,
            by_address: OnceLock::new(),
        }
    }

    /// The number of codes, null included.
    pub fn bins(&self) -> usize {
        match self {
            Encoder::Numeric { cuts, .. } => cuts.len() + 2,
            Encoder::Labels { other, .. } => usize::from(*other) + 1,
            Encoder::Flag => 3,
            Encoder::Presence => 2,
        }
    }

    /// Whether the codes are ordered (so splits are thresholds, not subsets).
    pub fn ordered(&self) -> bool {
        matches!(self, Encoder::Numeric { .. })
    }

    /// A column's codes under this encoder (one a row) as a feature a tree splits on.
    pub fn feature<'c>(&self, codes: &'c [u8]) -> Feature<'c> {
        Feature {
            codes,
            bins: self.bins(),
            ordered: self.ordered(),
            parents_per_code: None,
        }
    }

    /// The code of a value.
    pub fn encode(&self, value: &Value) -> u8 {
        match (self, value) {
            (_, Value::Null) => 0,
            (Encoder::Numeric { cuts, block }, Value::Number(x)) => {
                1 + block.get_or_init(|| CutBlock::of(cuts)).at_or_below(*x)
            }
            (
                Encoder::Labels {
                    codes,
                    other,
                    by_address,
                },
                Value::Label(label),
            ) => by_address
                .get_or_init(|| ByAddress::of(codes))
                .get(label)
                .or_else(|| codes.get(label).copied())
                .unwrap_or(*other),
            (Encoder::Flag, Value::Flag(flag)) => 1 + u8::from(*flag),
            _ => 1,
        }
    }
}

impl Encoder {
    /// Where a number lies inside its bin ([`Encoder::encode`]'s code), from 0 at the bin's
    /// lower cut to 255 at its upper one (an end bin measured by the width of its neighbour):
    /// with the code, an order of values finer than the bins. 0 for anything but a number.
    pub fn place_in_bin(&self, value: &Value) -> u8 {
        let (Encoder::Numeric { cuts, .. }, Value::Number(x)) = (self, value) else {
            return 0;
        };
        let below = cuts.partition_point(|&cut| cut <= *x);
        let width = |at: usize| match (cuts.get(at), cuts.get(at + 1)) {
            (Some(low), Some(high)) if high > low => high - low,
            _ => 1.0,
        };
        let share = match (below.checked_sub(1).map(|at| cuts[at]), cuts.get(below)) {
            (Some(low), Some(&high)) if high > low => (x - low) / (high - low),
            (Some(low), None) => (x - low) / width(below.saturating_sub(2)),
            (None, Some(&high)) => 1.0 - (high - x) / width(0),
            _ => 0.0,
        };
        (share.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

impl Encoder {
    /// Checks an encoder read from a model file: every code fits a split's 64-bit mask.
    pub fn check(&self) -> Result<(), String> {
        let fits = match self {
            Encoder::Numeric { cuts, .. } => cuts.len() <= MAX_BINS,
            Encoder::Labels { codes, other, .. } => {
                usize::from(*other) <= MAX_BINS
                    && codes.values().all(|code| (1..=*other).contains(code))
            }
            Encoder::Flag | Encoder::Presence => true,
        };
        fits.then_some(())
            .ok_or_else(|| "an encoder with codes out of range".to_string())
    }
}

/// A numeric encoder's cuts in a block of fixed length, the places past the last cut NaN (never
/// at or below a number). Sorted cuts are searched without a branch, five halvings of the
/// block that always run: a binary search that branches is guessed wrong half the time, and
/// counting every cut (about 110 instructions a value, a tenth of TPC-H sf0.1 `generate`'s)
/// took 2.7 times as long in a loop over random values. Cuts that are not strictly increasing
/// or fill the block (never trained so; read from a model file they are counted one by one)
/// are counted as before.
#[derive(Debug, Clone)]
pub struct CutBlock {
    cuts: Box<[f64; MAX_BINS]>,
    /// Whether the count of cuts at or below a value is the point where `cut <= value` turns
    /// false, within the first `MAX_BINS - 1` places.
    searchable: bool,
}

impl CutBlock {
    fn of(cuts: &[f64]) -> CutBlock {
        let mut block = Box::new([f64::NAN; MAX_BINS]);
        for (place, &cut) in block.iter_mut().zip(cuts) {
            *place = cut;
        }
        let increasing = cuts.windows(2).all(|pair| pair[0] < pair[1]);
        let searchable = increasing && cuts.len() < MAX_BINS && !cuts.iter().any(|c| c.is_nan());
        CutBlock {
            cuts: block,
            searchable,
        }
    }

    /// How many cuts are at or below `x`.
    fn at_or_below(&self, x: f64) -> u8 {
        if self.searchable {
            let mut at = 0;
            let mut step = MAX_BINS / 2;
            while step > 0 {
                at += step * usize::from(self.cuts[at + step - 1] <= x);
                step /= 2;
            }
            at as u8
        } else {
            self.cuts.iter().map(|&cut| u8::from(cut <= x)).sum()
        }
    }
}

/// The codes of an encoder's labels by the address of their strings: a label drawn from a
/// model is one of the strings its encoder holds (see [`crate::data::shared`]), so its code is
/// found without reading or hashing its text. An open-addressing table at most a quarter
/// full; a label found nowhere in it is looked up by its text. An address names one label for
/// as long as the encoder lives: the encoder holds the string.
#[derive(Debug, Clone)]
pub struct ByAddress {
    /// `(address, code)`; address 0 marks an empty slot.
    slots: Box<[(usize, u8)]>,
    /// The bits of a hashed address that pick its first slot (the top ones).
    shift: u32,
}

impl ByAddress {
    fn of(codes: &LabelCodes) -> ByAddress {
        let size = (codes.len() * 4).next_power_of_two().max(8);
        let mut table = ByAddress {
            slots: vec![(0, 0); size].into_boxed_slice(),
            shift: usize::BITS - size.trailing_zeros(),
        };
        for (label, &code) in codes {
            let address = address_of(label);
            let mut at = table.first_slot(address);
            while table.slots[at].0 != 0 {
                at = (at + 1) % size;
            }
            table.slots[at] = (address, code);
        }
        table
    }

    /// The code of the label whose string is `label`, if the encoder holds that string.
    fn get(&self, label: &Arc<str>) -> Option<u8> {
        let address = address_of(label);
        let mut at = self.first_slot(address);
        loop {
            match self.slots[at] {
                (held, code) if held == address => return Some(code),
                (0, _) => return None,
                _ => at = (at + 1) % self.slots.len(),
            }
        }
    }

    /// Fibonacci hashing: the top bits of the address times the golden ratio.
    fn first_slot(&self, address: usize) -> usize {
        (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as usize >> self.shift
    }
}

fn address_of(label: &Arc<str>) -> usize {
    Arc::as_ptr(label).cast::<u8>().addr()
}

/// Writes label codes in code order, not the map's (randomly seeded) order, so training the
/// same data twice gives the same model file.
fn by_code<S: serde::Serializer>(codes: &LabelCodes, serializer: S) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&Arc<str>, &u8)> = codes.iter().collect();
    entries.sort_unstable_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(b.0)));
    serializer.collect_map(entries)
}

/// Reads label codes with their labels shared (see [`crate::data::shared`]): the labels a
/// model draws are then the very strings its encoders hold.
fn shared_codes<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<LabelCodes, D::Error> {
    let entries = HashMap::<String, u8>::deserialize(deserializer)?;
    Ok(entries
        .into_iter()
        .map(|(label, code)| (share(label), code))
        .collect())
}

/// Codes for positions and lengths in a sequence: exact for small numbers, then wider bins.
pub fn count_code(count: usize) -> u8 {
    match count {
        0..=5 => count as u8,
        6..=7 => 6,
        8..=11 => 7,
        12..=19 => 8,
        20..=49 => 9,
        50..=199 => 10,
        _ => 11,
    }
}

/// The number of codes [`count_code`] uses.
pub const COUNT_BINS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueFormat;

    /// A number's place in its bin orders the numbers of one bin, end bins included.
    #[test]
    fn places_in_bins_order_the_numbers_of_a_bin() {
        let encoder = Encoder::Numeric {
            cuts: vec![10.0, 20.0, 40.0],
            block: OnceLock::new(),
        };
        let key = |x: f64| {
            let value = Value::Number(x);
            (encoder.encode(&value), encoder.place_in_bin(&value))
        };
        let xs = [
            -50.0, 0.0, 5.0, 9.9, 10.0, 15.0, 19.9, 20.0, 30.0, 40.0, 45.0, 100.0,
        ];
        let keys: Vec<(u8, u8)> = xs.iter().map(|&x| key(x)).collect();
        assert!(keys.windows(2).all(|pair| pair[0] <= pair[1]), "{keys:?}");
        assert_eq!(key(15.0), (2, 128));
        assert_eq!(key(10.0).1, 0);
        assert_eq!(encoder.place_in_bin(&Value::Null), 0);
    }

    #[test]
    fn decoded_labels_are_the_strings_the_decoded_encoder_holds() {
        let label = |text: &str| Value::Label(Arc::from(text));
        let column = Column {
            name: "mode".to_string(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: vec![label("AIR"), label("AIR"), label("RAIL")],
        };
        let encoder = Encoder::fit(&column, 1);
        let bytes = postcard::to_stdvec(&(&encoder, &column.values)).expect("encodable");
        let (decoded, values): (Encoder, Vec<Value>) =
            crate::data::shared::sharing(|| postcard::from_bytes(&bytes).expect("decodable"));
        let Encoder::Labels { codes, .. } = &decoded else {
            panic!("a label encoder expected, got {decoded:?}");
        };
        let Some(Value::Label(drawn)) = values.first() else {
            panic!("a label expected");
        };
        let (held, code) = codes.get_key_value(drawn).expect("AIR has a code");
        assert!(
            Arc::ptr_eq(held, drawn),
            "one string for the encoder and the value"
        );
        assert_eq!(*code, encoder.encode(&values[0]));
        assert_eq!(decoded.encode(&values[2]), encoder.encode(&values[2]));
    }

    #[test]
    fn a_label_has_its_code_by_address_or_by_text() {
        let labels: Vec<Value> = (0..40)
            .flat_map(|n| {
                let label = Value::Label(Arc::from(format!("label {n}")));
                std::iter::repeat_n(label, 100 - n)
            })
            .collect();
        let column = Column {
            name: "many".to_string(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: labels,
        };
        let encoder = Encoder::fit(&column, 1);
        let Encoder::Labels { codes, other, .. } = &encoder else {
            panic!("a label encoder expected");
        };
        assert_eq!(codes.len(), MAX_BINS - 1);
        let mut seen = std::collections::HashSet::new();
        for value in &column.values {
            let Value::Label(held) = value else { continue };
            let apart = Value::Label(Arc::from(&**held));
            let code = codes.get(held).copied().unwrap_or(*other);
            assert_eq!(encoder.encode(value), code, "{held} by address");
            assert_eq!(encoder.encode(&apart), code, "{held} by text");
            seen.insert(code);
        }
        assert_eq!(
            seen.len(),
            MAX_BINS,
            "every code, the shared one of rare labels too"
        );
        let unknown = Value::Label(Arc::from("never seen"));
        assert_eq!(encoder.encode(&unknown), *other);
    }

    #[test]
    fn numbers_fall_into_ordered_quantile_bins() {
        let encoder = Encoder::numeric((0..1000).map(f64::from));
        assert_eq!(encoder.bins(), MAX_BINS + 1);
        assert_eq!(encoder.encode(&Value::Null), 0);
        assert_eq!(encoder.encode(&Value::Number(0.0)), 1);
        assert_eq!(encoder.encode(&Value::Number(999.0)), MAX_BINS as u8);
        let low = encoder.encode(&Value::Number(100.0));
        let high = encoder.encode(&Value::Number(500.0));
        assert!(low < high);
    }

    #[test]
    fn searched_cuts_count_as_every_cut_counted() {
        use rand::{RngExt, SeedableRng};
        let count = |cuts: &[f64], x: f64| cuts.iter().filter(|&&cut| cut <= x).count() as u8;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for round in 0..500 {
            let n = round % (MAX_BINS + 1);
            let mut cuts: Vec<f64> = (0..n).map(|_| rng.random_range(-5..5) as f64).collect();
            if round % 3 == 0 {
                cuts.sort_by(f64::total_cmp);
                cuts.dedup();
            }
            if round % 50 == 7 {
                cuts.insert(0, -f64::NAN);
            }
            let block = CutBlock::of(&cuts);
            let nan_or_full = round % 50 == 7 || cuts.len() == MAX_BINS;
            if nan_or_full {
                assert!(!block.searchable, "counted one by one: {cuts:?}");
            } else if round % 3 == 0 {
                assert!(block.searchable, "searched: {cuts:?}");
            }
            let edges = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0];
            let values = cuts
                .iter()
                .copied()
                .chain(edges)
                .chain((0..20).map(|_| rng.random_range(-60..60) as f64 / 10.0));
            for x in values {
                assert_eq!(block.at_or_below(x), count(&cuts, x), "{x} in {cuts:?}");
            }
        }
    }

    #[test]
    fn no_numbers_means_one_bin_besides_null() {
        let encoder = Encoder::numeric(std::iter::empty());
        assert_eq!(encoder.bins(), 2);
        assert_eq!(encoder.encode(&Value::Number(3.0)), 1);
    }

    #[test]
    fn frequent_labels_get_codes_and_the_rest_share_one() {
        let mut values: Vec<Value> = (0..40)
            .map(|i| Value::Label(Arc::from(format!("v{i}"))))
            .collect();
        values.extend((0..5).map(|_| Value::Label(Arc::from("common"))));
        let column = Column {
            name: "c".into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values,
        };
        let encoder = Encoder::fit(&column, 1);
        assert_eq!(encoder.encode(&Value::Label(Arc::from("common"))), 1);
        assert_eq!(encoder.bins(), MAX_BINS + 1);
        assert_eq!(
            encoder.encode(&Value::Label(Arc::from("unseen"))),
            MAX_BINS as u8
        );
    }
}
