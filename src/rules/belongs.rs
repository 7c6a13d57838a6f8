//! Finding a category whose values belong to another's ([`RuleKind::Belongs`]): a product
//! class belongs to its category (TPC-DS's `fishing` is a `Sports` item's, `kids` a `Shoes`
//! or a `Home` one's).
//!
//! Why apart from the lookups: a class may sit under two categories, so the class does not
//! determine the category and no lookup is found; and a tree drawing the class of TPC-DS's
//! 180 items (leaves of a dozen items) mixed the categories: 50 synthetic items were books
//! of the class `televisions` or jewellery of the class `fishing`.

use std::collections::HashMap;

use super::measure::{Pair, belongs, breaks_if_kept, chance_rate, members};
use super::{Frame, Resolved, RuleKind};
use crate::data::{Value, ValueKey};
use crate::schema::ColumnKind;

/// The most values the category belonged to may have (kinds, departments, makers).
const MAX_OWNERS: usize = 64;

/// The most values the category that belongs may have (classes, models, not names).
const MAX_MEMBERS: usize = 1024;

/// The share of every (owner, member) combination the sample may show, at most: more, and
/// the values mix too freely for the pairs to be a rule worth a pass over every row.
const MAX_PAIR_SHARE: f64 = 0.5;

/// The categories (not one `determined` already) whose values each belong to some values of
/// another category with fewer values, where the pairs seen in at least `min_count` rows
/// hold in all but [`FUNCTION_TOLERANCE`](super::measure::FUNCTION_TOLERANCE) of the rows
/// and chance would break them far more often (pairing each row's owner with another row's
/// member). One owner per category: the
/// one whose pairs the fewest rows break. `unfit_owner(owner, member)`: an owner not to try
/// for that member (one the rules derive from another column).
pub fn discover(
    frame: &Frame<'_>,
    sample: &[usize],
    min_count: usize,
    determined: &dyn Fn(&str) -> bool,
    unfit_owner: &dyn Fn(&str, &str) -> bool,
    max_columns: usize,
) -> Vec<RuleKind> {
    let categories: Vec<(Resolved<'_>, usize)> = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Categorical)
        .map(Resolved::Own)
        .take(max_columns)
        .map(|c| (c, super::shifts::distinct_on(c, sample, MAX_MEMBERS)))
        .collect();
    let mut found = Vec::new();
    for &(target, members_seen) in &categories {
        let name = &target.column().name;
        if determined(name) || !(3..=MAX_MEMBERS).contains(&members_seen) {
            continue;
        }
        let rule = categories
            .iter()
            .filter(|(source, owners_seen)| {
                (2..=MAX_OWNERS).contains(owners_seen)
                    && *owners_seen < members_seen
                    && source.column().name != *name
                    && !unfit_owner(&source.column().name, name)
            })
            .filter_map(|&(source, owners_seen)| {
                // A screen on the sample first: most pairs of categories mix freely.
                let combinations = (owners_seen * members_seen) as f64;
                let seen = pairs_on(target, source, sample.iter().copied()).len();
                (seen as f64 <= MAX_PAIR_SHARE * combinations).then_some(())?;
                fitted(frame, sample, (target, source), min_count)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, rule)| rule);
        found.extend(rule);
    }
    found
}

/// The rule that `target` belongs to `source`, with the share of rows that break it, when it
/// holds as [`discover`] asks.
fn fitted(
    frame: &Frame<'_>,
    sample: &[usize],
    (target, source): (Resolved<'_>, Resolved<'_>),
    min_count: usize,
) -> Option<(f64, RuleKind)> {
    let pairs = fit(target, source, frame.rows, min_count);
    if pairs.iter().filter(|pair| !pair.1.is_null()).count() < 2 {
        return None;
    }
    let members = members(&pairs);
    let check = |r: usize, o: usize| belongs(&pairs, &members, target.value(o), source.value(r));
    let chance = chance_rate(sample, check)?;
    let rule = RuleKind::Belongs {
        target: target.column().name.clone(),
        source: source.column().name.clone(),
        pairs,
    };
    breaks_if_kept(rule, frame, chance)
}

/// The (source value, target value) pairs of the frame's rows seen in at least `min_count`
/// rows, with their rows; sorted by source value, then target value. Where the target is
/// empty in some real rows, a source value seen beside a target value in `min_count` rows or
/// more, each of them rare, owns an empty one (its rows): no value that may be written
/// belongs beside it, and an empty one is written instead. A shop's category of rare
/// classes only (TPC-DS's `Jewelry`: `diamonds`, `birdal`) otherwise takes another
/// category's classes; a column never empty stays so (a schema may say `NOT NULL`), and
/// its rows beside such an owner keep the class their leaf gives.
pub fn fit(target: Resolved<'_>, source: Resolved<'_>, rows: usize, min_count: usize) -> Vec<Pair> {
    let min_count = min_count.max(1);
    let mut owners: HashMap<ValueKey, (Value, usize, bool)> = HashMap::new();
    let mut pairs: Vec<Pair> = Vec::new();
    for ((owner_key, _), pair) in pairs_on(target, source, 0..rows) {
        let frequent = pair.2 >= min_count;
        let owner = owners
            .entry(owner_key)
            .or_insert_with(|| (pair.0.clone(), 0, false));
        owner.1 += pair.2;
        owner.2 |= frequent;
        if frequent {
            pairs.push(pair);
        }
    }
    let may_be_empty = (0..rows).any(|row| target.value(row).is_null());
    let rare_only = owners
        .into_values()
        .filter(|&(_, rows, owns)| may_be_empty && !owns && rows >= min_count)
        .map(|(owner, rows, _)| (owner, Value::Null, rows));
    pairs.extend(rare_only);
    pairs.sort_by(|a, b| a.0.order(&b.0).then_with(|| a.1.order(&b.1)));
    pairs
}

/// Every (source value, target value) pair of `rows` where both have one, with its rows.
fn pairs_on<'a>(
    target: Resolved<'a>,
    source: Resolved<'a>,
    rows: impl Iterator<Item = usize>,
) -> HashMap<(ValueKey<'a>, ValueKey<'a>), Pair> {
    let mut pairs: HashMap<(ValueKey<'a>, ValueKey<'a>), Pair> = HashMap::new();
    for row in rows {
        let (owner, member) = (source.value(row), target.value(row));
        if owner.is_null() || member.is_null() {
            continue;
        }
        pairs
            .entry((ValueKey::of(owner), ValueKey::of(member)))
            .or_insert_with(|| (owner.clone(), member.clone(), 0))
            .2 += 1;
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;
    use crate::rules::measure::Pair;

    /// Ten categories of six classes each, a class shared by categories 1 and 4 in 24 rows
    /// (as TPC-DS's `kids`), three stray rows of a class under category 9 (one in 397), and a
    /// colour drawn on its own.
    fn catalogue(rows: usize) -> Vec<Column> {
        catalogue_with_strays(rows, 397)
    }

    /// [`catalogue`] with a stray row under category 9 in every `strays`.
    fn catalogue_with_strays(rows: usize, strays: usize) -> Vec<Column> {
        let class = |row: usize| match row {
            _ if row % 50 == 0 => 60,
            _ => (row * 7919) % 60,
        };
        let category = |row: usize| match row {
            _ if row % 50 == 0 => [1, 4][(row / 50) % 2],
            _ if row % strays == 1 => 9,
            _ => class(row) / 6,
        };
        let colour = |row: usize| ((row as u64 * 2_654_435_761) >> 7) % 20;
        vec![
            Column::of_labels(
                "category",
                (0..rows).map(|r| format!("category {}", category(r))),
            ),
            Column::of_labels("class", (0..rows).map(|r| format!("class {}", class(r)))),
            Column::of_labels("colour", (0..rows).map(|r| format!("colour {}", colour(r)))),
        ]
    }

    fn found(columns: &[Column], min_count: usize) -> Vec<RuleKind> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        let sample: Vec<usize> = (0..frame.rows).collect();
        let determined = |_: &str| false;
        let unfit_owner = |_: &str, _: &str| false;
        discover(&frame, &sample, min_count, &determined, &unfit_owner, 16)
    }

    #[test]
    fn a_class_belongs_to_its_categories_and_a_colour_to_none() {
        let rules = found(&catalogue(1200), 3);
        let [
            RuleKind::Belongs {
                target,
                source,
                pairs,
            },
        ] = rules.as_slice()
        else {
            panic!("one rule expected, found {rules:?}");
        };
        assert_eq!((target.as_str(), source.as_str()), ("class", "category"));
        // Sixty classes under their own category, the shared one under two; not the strays.
        assert_eq!(pairs.len(), 62);
        let members = members(pairs);
        let label = |text: &str| Value::Label(text.into());
        let check =
            |class: &str, category: &str| belongs(pairs, &members, &label(class), &label(category));
        assert_eq!(check("class 13", "category 2"), Some(true));
        assert_eq!(check("class 13", "category 5"), Some(false));
        assert_eq!(check("class 60", "category 1"), Some(true));
        assert_eq!(check("class 60", "category 4"), Some(true));
        assert_eq!(check("class 60", "category 9"), Some(false));
        assert_eq!(
            check("class 99", "category 5"),
            None,
            "a value no pair holds"
        );
        assert_eq!(
            check("class 13", "category 99"),
            None,
            "an owner of nothing"
        );
    }

    #[test]
    fn pairs_rarer_than_the_privacy_threshold_are_not_kept() {
        // The shared class is in 12 rows of each of its categories: rarer than 15.
        let rules = found(&catalogue(1200), 15);
        let [RuleKind::Belongs { pairs, .. }] = rules.as_slice() else {
            panic!("one rule expected, found {rules:?}");
        };
        assert!(pairs.iter().all(|pair| pair.2 >= 15));
        assert_eq!(pairs.len(), 60);
        let shared = Value::Label("class 60".into());
        assert_eq!(belongs(pairs, &members(pairs), &shared, &pairs[0].0), None);
    }

    /// [`catalogue`] and 40 rows of a category 10 whose 20 classes are each in 2 rows (rare),
    /// with the class of `empty` rows among the first 100 emptied.
    fn catalogue_with_a_rare_category(empty: usize) -> Vec<Column> {
        let mut columns = catalogue(1200);
        for row in 0..40 {
            columns[0].values.push(Value::Label("category 10".into()));
            let class = Value::Label(format!("rare class {}", row / 2).into());
            columns[1].values.push(class);
            columns[2].values.push(Value::Label("colour 0".into()));
        }
        for row in 0..empty {
            columns[1].values[row * 7] = Value::Null;
        }
        columns
    }

    #[test]
    fn beside_a_category_of_rare_classes_only_the_class_is_empty_where_it_may_be() {
        let label = |text: &str| Value::Label(text.into());
        let rules = found(&catalogue_with_a_rare_category(5), 3);
        let [RuleKind::Belongs { pairs, .. }] = rules.as_slice() else {
            panic!("one rule expected, found {rules:?}");
        };
        let empty: Vec<&Pair> = pairs.iter().filter(|pair| pair.1.is_null()).collect();
        assert_eq!(empty.len(), 1, "{empty:?}");
        assert_eq!((&empty[0].0, empty[0].2), (&label("category 10"), 40));
        let members = members(pairs);
        assert!(members.iter().all(|member| !member.is_null()));
        let check = |class: &str| belongs(pairs, &members, &label(class), &label("category 10"));
        assert_eq!(check("class 13"), Some(false), "another category's class");
        assert_eq!(check("rare class 3"), None, "a rare class is never written");
        // A class never empty in the real rows is not written empty.
        let rules = found(&catalogue_with_a_rare_category(0), 3);
        let [RuleKind::Belongs { pairs, .. }] = rules.as_slice() else {
            panic!("one rule expected, found {rules:?}");
        };
        assert!(pairs.iter().all(|pair| !pair.1.is_null()));
    }

    #[test]
    fn categories_that_mix_freely_belong_to_nothing() {
        let mut columns = catalogue(1200);
        columns.remove(0);
        assert!(found(&columns, 3).is_empty());
    }

    #[test]
    fn classes_astray_in_more_than_one_row_in_a_hundred_belong_to_nothing() {
        // One row in 31 under category 9, each pair too rare to keep: 3% of the rows break.
        assert!(found(&catalogue_with_strays(1200, 31), 3).is_empty());
    }
}
