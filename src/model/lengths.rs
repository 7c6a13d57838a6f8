//! Bounds a parent's code sets on its number of children ([`LengthBound`]): a parcel still
//! `Label Created` has exactly one tracking event, one `In Transit` three to five, a delivered
//! one five to seven.
//!
//! Why apart from the length tree: the tree's classes are quantile bins of the counts, so the
//! few short sequences share a class with the common ones, and no leaf may speak for fewer
//! parents than four times the privacy threshold; 28 unshipped parcels among 8,000 got their
//! lengths from the whole table (62 of 68 synthetic ones came out with events after their
//! label, the status of their last event and a pick-up time their parcel does not have).
//! A bound is kept only where it holds in every real parent of the code, in at least
//! [`MIN_SUPPORT`] of them (and the privacy threshold), and chance would not give it
//! ([`CHANCE`]: that many parents drawn at random all inside the range).
//! [`keep`] puts a drawn count outside its parent's range inside it by trading it with a
//! parent that may hold it, so the table's total stays as drawn where partners exist.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::encode::Encoder;
use crate::data::Column;
use crate::rules::measure::{CHANCE, MIN_SUPPORT};
use crate::sampling::SynthRng;

/// The number of children every real parent whose context column `context` has code `code`
/// had: from `min` to `max`, a narrower range than the whole table's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthBound {
    /// The context column (an index into the parent's context columns).
    pub context: usize,
    /// The code of that column ([`Encoder::encode`]): a label, a flag, or empty (0).
    pub code: u8,
    /// The fewest children of a real parent with the code.
    pub min: usize,
    /// The most children of a real parent with the code.
    pub max: usize,
}

/// The bounds the codes of the context columns set on the children counts (`counts`, one per
/// real parent row): for every label or flag code of a column, and the empty code of any
/// column, seen in at least `min_count` and [`MIN_SUPPORT`] parents whose counts all lie in a
/// range narrower than the table's, which parents drawn at random fill with odds at most
/// [`CHANCE`]. Not of a column the children work out (`derived`: TPC-H's order status, set
/// from its lines' statuses once they are drawn), which does not bound them.
pub fn learn(
    counts: &[usize],
    (context, encoders): (&[Column], &[Encoder]),
    derived: &[usize],
    min_count: usize,
) -> Vec<LengthBound> {
    let (Some(&least), Some(&most)) = (counts.iter().min(), counts.iter().max()) else {
        return Vec::new();
    };
    let support = MIN_SUPPORT.max(min_count);
    let mut found = Vec::new();
    for (index, (column, encoder)) in context.iter().zip(encoders).enumerate() {
        if column.values.len() != counts.len() || derived.contains(&index) {
            continue;
        }
        let coded = matches!(encoder, Encoder::Labels { .. } | Encoder::Flag);
        let mut ranges = vec![(usize::MAX, 0usize, 0usize); encoder.bins()];
        for (value, &count) in column.values.iter().zip(counts) {
            let code = encoder.encode(value);
            if let Some((min, max, n)) = ranges.get_mut(usize::from(code)) {
                (*min, *max, *n) = ((*min).min(count), (*max).max(count), *n + 1);
            }
        }
        for (code, &(min, max, n)) in ranges.iter().enumerate() {
            let narrower = min > least || max < most;
            let kept = (coded || code == 0) && n >= support && narrower;
            if kept && !by_chance(counts, (min, max), n) {
                found.push(LengthBound {
                    context: index,
                    code: code as u8,
                    min,
                    max,
                });
            }
        }
    }
    found
}

/// Whether `n` parents drawn at random from all (`counts`) would all have a count in
/// `range` with odds above [`CHANCE`].
fn by_chance(counts: &[usize], (min, max): (usize, usize), n: usize) -> bool {
    let inside = counts.iter().filter(|&&c| (min..=max).contains(&c)).count();
    let share = inside as f64 / counts.len().max(1) as f64;
    share > 0.0 && n as f64 * share.ln() > CHANCE.ln()
}

/// The range a parent row's codes (`code_of(context)`) allow its number of children: the
/// bounds of its codes met. `None` where no bound applies, or where they do not meet (a
/// synthetic parent joining codes no real parent joined): then the drawn length stands.
pub fn range_of(bounds: &[LengthBound], code_of: impl Fn(usize) -> u8) -> Option<(usize, usize)> {
    let mut range: Option<(usize, usize)> = None;
    for bound in bounds.iter().filter(|b| code_of(b.context) == b.code) {
        let (min, max) = range.unwrap_or((0, usize::MAX));
        range = Some((min.max(bound.min), max.min(bound.max)));
    }
    range.filter(|(min, max)| min <= max)
}

/// Puts every drawn count of `lengths` (one per parent) outside its parent's range (`ranges`,
/// from [`range_of`]) on the nearest count inside it, and gives the count it drops to a parent
/// drawn at random (`rng`) that holds that nearest count and whose own range takes the dropped
/// one: the two trade, so the mix of counts and the total stay as drawn. Only where no parent
/// can trade is the count just moved. Each trade costs a look-up per distinct range.
pub fn keep(lengths: &mut [usize], ranges: &[Option<(usize, usize)>], rng: &mut SynthRng) {
    let range = |row: usize| {
        ranges
            .get(row)
            .copied()
            .flatten()
            .unwrap_or((0, usize::MAX))
    };
    let mut classes: Vec<(usize, usize)> = Vec::new();
    let mut index: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let class_of: Vec<usize> = (0..lengths.len())
        .map(|row| {
            *index.entry(range(row)).or_insert_with(|| {
                classes.push(range(row));
                classes.len() - 1
            })
        })
        .collect();
    // The parents inside their range, by (count, class): the ones that may trade.
    let mut waiting: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    let mut outside = Vec::new();
    for (row, &count) in lengths.iter().enumerate() {
        let (min, max) = classes[class_of[row]];
        if (min..=max).contains(&count) {
            waiting.entry((count, class_of[row])).or_default().push(row);
        } else {
            outside.push(row);
        }
    }
    for row in outside {
        let (count, (min, max)) = (lengths[row], classes[class_of[row]]);
        let target = count.clamp(min, max);
        lengths[row] = target;
        if let Some((partner, class)) = take_partner(&mut waiting, &classes, (target, count), rng) {
            lengths[partner] = count;
            waiting.entry((count, class)).or_default().push(partner);
        }
        waiting
            .entry((target, class_of[row]))
            .or_default()
            .push(row);
    }
}

/// Takes out of `waiting` a parent, drawn at random among all that may trade, that holds
/// count `target` and whose class's range (`classes`) holds `count`; with its class.
fn take_partner(
    waiting: &mut BTreeMap<(usize, usize), Vec<usize>>,
    classes: &[(usize, usize)],
    (target, count): (usize, usize),
    rng: &mut SynthRng,
) -> Option<(usize, usize)> {
    let sizes: Vec<(usize, usize)> = (classes.iter().enumerate())
        .filter(|(_, (min, max))| (*min..=*max).contains(&count))
        .filter_map(|(class, _)| Some((class, waiting.get(&(target, class))?.len())))
        .collect();
    let total: usize = sizes.iter().map(|(_, size)| size).sum();
    if total == 0 {
        return None;
    }
    let mut pick = rng.random_range(0..total);
    let &(class, _) = sizes.iter().find(|(_, size)| {
        let here = pick < *size;
        if !here {
            pick -= size;
        }
        here
    })?;
    let rows = waiting.get_mut(&(target, class))?;
    let partner = rows.swap_remove(pick);
    if rows.is_empty() {
        waiting.remove(&(target, class));
    }
    Some((partner, class))
}

/// Checks bounds read from a model file: each on a context column there is, a code that
/// column's encoder gives, and a range no wider than the largest real count (`most`).
pub fn check(bounds: &[LengthBound], encoders: &[Encoder], most: usize) -> Result<(), String> {
    let fits = |b: &LengthBound| {
        encoders
            .get(b.context)
            .is_some_and(|encoder| usize::from(b.code) < encoder.bins())
            && b.min <= b.max
            && b.max <= most
    };
    if bounds.iter().all(fits) {
        Ok(())
    } else {
        Err("a bound on children counts outside its context or counts".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Value, ValueFormat};
    use crate::schema::ColumnKind;
    use std::sync::Arc;

    fn labels(values: &[&str]) -> Column {
        let values = values
            .iter()
            .map(|v| match *v {
                "" => Value::Null,
                v => Value::Label(Arc::from(v)),
            })
            .collect();
        Column {
            name: "status".into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values,
        }
    }

    /// Parcels: 30 `Label Created` with one event, 60 `In Transit` with three to five, 900
    /// `Delivered` with five to seven: each status keeps its range; a column whose labels
    /// spread alike over the counts sets none.
    #[test]
    fn a_label_whose_parents_all_have_few_children_bounds_them() {
        let mut status = Vec::new();
        let mut spread = Vec::new();
        let mut counts = Vec::new();
        for row in 0..990usize {
            let (label, count) = match row {
                0..30 => ("Label Created", 1),
                30..90 => ("In Transit", 3 + row % 3),
                _ => ("Delivered", 5 + row % 3),
            };
            status.push(label);
            spread.push(["a", "b", "c"][(row / 7) % 3]);
            counts.push(count);
        }
        let context = [labels(&status), labels(&spread)];
        let encoders: Vec<Encoder> = context.iter().map(|c| Encoder::fit(c, 5)).collect();
        let bounds = learn(&counts, (&context, &encoders), &[], 5);
        let range = |label: &str| {
            let code = encoders[0].encode(&Value::Label(Arc::from(label)));
            range_of(&bounds, |context| if context == 0 { code } else { u8::MAX })
        };
        assert_eq!(range("Label Created"), Some((1, 1)));
        assert_eq!(range("In Transit"), Some((3, 5)));
        assert_eq!(range("Delivered"), Some((5, 7)));
        assert!(bounds.iter().all(|b| b.context == 0), "{bounds:?}");
        assert!(check(&bounds, &encoders, 7).is_ok());
        // A status the children work out bounds nothing.
        let derived = learn(&counts, (&context, &encoders), &[0], 5);
        assert!(derived.iter().all(|b| b.context != 0), "{derived:?}");
    }

    /// 100 parents may hold 0 or 1 children, 900 one or two; 20 of the first drew 2. Each is
    /// traded with a parent holding 1 (idea of `count_bounds`, branch cancelpay): every count in
    /// range and the total kept, which moving the counts would cut by 20; with no partner the
    /// count is moved.
    #[test]
    fn counts_outside_their_range_are_traded_so_the_total_stays() {
        use rand::SeedableRng;
        let ranges: Vec<Option<(usize, usize)>> = (0..1_000)
            .map(|row| Some(if row < 100 { (0, 1) } else { (1, 2) }))
            .collect();
        let drawn: Vec<usize> = (0..1_000)
            .map(|row| match row {
                0..20 => 2,
                20..100 => row % 2,
                _ => 1 + row % 2,
            })
            .collect();
        let mut lengths = drawn.clone();
        let mut rng = SynthRng::seed_from_u64(7);
        keep(&mut lengths, &ranges, &mut rng);
        for (row, length) in lengths.iter().enumerate() {
            let (min, max) = ranges[row].unwrap_or((0, usize::MAX));
            assert!((min..=max).contains(length), "row {row}: {length}");
        }
        let (mut before, mut after) = (drawn.clone(), lengths.clone());
        before.sort_unstable();
        after.sort_unstable();
        assert_eq!(after, before, "the counts' mix and total kept");
        // The same seed trades alike.
        let mut again = drawn;
        keep(&mut again, &ranges, &mut SynthRng::seed_from_u64(7));
        assert_eq!(again, lengths);
        // Where no parent can trade, the count is moved into range.
        let mut lengths = vec![3, 0, 0];
        keep(&mut lengths, &[Some((0, 1)), Some((0, 0)), None], &mut rng);
        assert_eq!(lengths, [1, 0, 0]);
    }

    /// Too few parents, or a range chance gives them, sets no bound.
    #[test]
    fn rare_or_chance_ranges_set_no_bound() {
        let status: Vec<&str> = (0..1000).map(|r| if r < 10 { "x" } else { "y" }).collect();
        let counts: Vec<usize> = (0..1000)
            .map(|r| if r < 10 { 1 } else { 2 + r % 5 })
            .collect();
        let context = [labels(&status)];
        let encoders: Vec<Encoder> = context.iter().map(|c| Encoder::fit(c, 5)).collect();
        assert!(learn(&counts, (&context, &encoders), &[], 5).is_empty());
        // 40 parents in [1, 6] of a table in [1, 7] where 7 is rare: chance.
        let status: Vec<&str> = (0..1000).map(|r| if r < 40 { "x" } else { "y" }).collect();
        let counts: Vec<usize> = (0..1000)
            .map(|r| if r % 100 == 99 { 7 } else { 1 + r % 6 })
            .collect();
        let context = [labels(&status)];
        let encoders: Vec<Encoder> = context.iter().map(|c| Encoder::fit(c, 5)).collect();
        assert!(learn(&counts, (&context, &encoders), &[], 5).is_empty());
    }
}
