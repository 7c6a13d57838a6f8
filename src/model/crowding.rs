//! How many rows of one parent may share a label: a student takes at most three courses in a
//! term, and one in a summer term. Each row of a sequence is drawn seeing only the row before,
//! so a run of one label goes on as long as chance lets it (a synthetic student took eleven
//! courses in one term; where the term is worked out from a drawn start date, half of the
//! summer terms held more than one). Training finds the categorical columns whose real counts
//! per parent and label stop at a cliff (many parents at the most, none above, where the fall
//! before it would have gone on), and the labels that stop lower than the rest (a summer
//! term); generation moves a sequence's rows past the cap to the nearest label it has room
//! for, with the columns that follow from the label (the term's start date) copied from a row
//! that holds it, where the row's rules accept the move.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Value, ValueKey};
use crate::schema::ColumnKind;

/// The chance, were the counts of a column's groups (or of a label's) to go on as they fell
/// to their most, that none would pass it, above which a count that stops says nothing.
const MAX_CHANCE: f64 = 1e-6;

/// Labels a row over its cap tries, nearest first, before it stays where it was drawn.
const MAX_TRIES: usize = 16;

/// A categorical column whose rows of one parent share a label at most so many times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Crowding {
    /// The column (an index into the table's columns).
    pub(super) column: usize,
    /// The most rows of one parent sharing a label not in `by_label` (`None`: no cap).
    cap: Option<u32>,
    /// Labels whose real parents held fewer rows of them than `cap`, sorted by label.
    by_label: Vec<(String, u32)>,
    /// The columns whose value follows from the label in every real row, moved with it.
    pub(super) tied: Vec<usize>,
}

/// The counts of (parent, label) groups: how many groups hold each number of rows (index),
/// over all labels and per label.
struct Groups<'a> {
    all: Vec<u64>,
    by_label: HashMap<&'a str, Vec<u64>>,
}

/// The crowdings of a sequential table's categorical columns (`movable`: those generation may
/// move) whose rows' parents are `parent_of_row`; `min_count` is the privacy threshold: a cap
/// is kept only where at least that many real groups reach it, a label's own only where at
/// least that many parents hold the label.
pub(super) fn learn(
    columns: &[Column],
    parent_of_row: &[Option<usize>],
    min_count: usize,
    movable: impl Fn(usize) -> bool,
) -> Vec<Crowding> {
    columns
        .iter()
        .enumerate()
        .filter(|&(index, column)| column.kind == ColumnKind::Categorical && movable(index))
        .filter_map(|(index, column)| {
            let groups = groups(&column.values, parent_of_row)?;
            let crowding = caps(index, &groups, min_count.max(1) as u64)?;
            Some(Crowding {
                tied: tied(index, columns),
                ..crowding
            })
        })
        .collect()
}

/// Counts the groups of `values` by parent and label; `None` where a value is not a label.
fn groups<'a>(values: &'a [Value], parent_of_row: &[Option<usize>]) -> Option<Groups<'a>> {
    let mut counts: HashMap<(usize, &str), u32> = HashMap::new();
    for (value, parent) in values.iter().zip(parent_of_row) {
        let (Value::Label(label), Some(parent)) = (value, parent) else {
            if matches!(value, Value::Null | Value::Label(_)) {
                continue;
            }
            return None;
        };
        *counts.entry((*parent, label)).or_insert(0) += 1;
    }
    let mut groups = Groups {
        all: Vec::new(),
        by_label: HashMap::new(),
    };
    for ((_, label), count) in counts {
        let count = count as usize;
        for histogram in [&mut groups.all, groups.by_label.entry(label).or_default()] {
            if histogram.len() <= count {
                histogram.resize(count + 1, 0);
            }
            histogram[count] += 1;
        }
    }
    Some(groups)
}

/// The cap of a column and its labels' own (without `tied`), or `None` where neither says
/// anything: the column's cap where at least `min_count` groups reach it and chance would have
/// gone past it (none past it, with the groups past it expected, has a chance of at most
/// [`MAX_CHANCE`]), a label's where it is lower, at least `min_count` of the label's groups
/// reach it, and groups of the column's counts would have gone past it (as many as the label
/// has, none past it has a chance of at most [`MAX_CHANCE`]: summer 2019's 24 real students
/// with one course each, where more than half the groups of every term hold two or more).
fn caps(column: usize, groups: &Groups<'_>, min_count: u64) -> Option<Crowding> {
    let most = groups.all.len().checked_sub(1)?;
    let cap = (groups.all[most] >= min_count
        && (-excess_by_chance(&groups.all)).exp() <= MAX_CHANCE)
        .then_some(most as u32);
    let total: u64 = groups.all.iter().sum();
    let above = |k: usize| groups.all.iter().skip(k + 1).sum::<u64>() as f64 / total as f64;
    let mut by_label: Vec<(String, u32)> = groups
        .by_label
        .iter()
        .filter_map(|(&label, histogram)| {
            let own = histogram.len() - 1;
            let held: u64 = histogram.iter().sum();
            let lower = own < cap.map_or(most, |cap| cap as usize);
            let chance = (1.0 - above(own)).powf(held as f64);
            (lower && held >= min_count && histogram[own] >= min_count && chance <= MAX_CHANCE)
                .then(|| (label.to_string(), own as u32))
        })
        .collect();
    by_label.sort_unstable();
    (cap.is_some() || !by_label.is_empty()).then_some(Crowding {
        column,
        cap,
        by_label,
        tied: Vec::new(),
    })
}

/// The groups past the most (`histogram.len() - 1` rows) chance would have given, had the
/// counts fallen past it as they fell to it: `n(most)² / n(most - 1)`; for a most of one, the
/// groups at one (each a label the parent would have drawn again as often as not).
fn excess_by_chance(histogram: &[u64]) -> f64 {
    let most = histogram.len() - 1;
    let at = histogram[most] as f64;
    match most {
        0 => 0.0,
        1 => at / 2.0,
        _ => match histogram[most - 1] {
            0 => at,
            before => at * at / before as f64,
        },
    }
}

/// The other columns whose value is the same in every real row of each label of `column`
/// (a term's start date), where labels repeat (on average in two rows or more).
fn tied(column: usize, columns: &[Column]) -> Vec<usize> {
    let labels = &columns[column].values;
    let mut distinct: HashMap<&str, ()> = HashMap::new();
    for value in labels {
        if let Value::Label(label) = value {
            distinct.insert(label, ());
        }
    }
    if distinct.len() * 2 > labels.len() {
        return Vec::new();
    }
    (0..columns.len())
        .filter(|&other| other != column && follows(labels, &columns[other].values))
        .collect()
}

/// Whether each label of `labels` sits beside one value of `values` only.
fn follows(labels: &[Value], values: &[Value]) -> bool {
    let mut seen: HashMap<&str, ValueKey<'_>> = HashMap::new();
    labels.iter().zip(values).all(|(label, value)| match label {
        Value::Label(label) => {
            *seen.entry(label).or_insert(ValueKey::of(value)) == ValueKey::of(value)
        }
        _ => true,
    })
}

impl Crowding {
    /// Whether every index it holds is below `columns`.
    pub(super) fn fits(&self, columns: usize) -> bool {
        self.column < columns && self.tied.iter().all(|&c| c < columns)
    }

    /// The most rows of one parent that may hold `label` (`None`: any number).
    fn cap_of(&self, label: &str) -> Option<u32> {
        match self
            .by_label
            .binary_search_by(|(held, _)| held.as_str().cmp(label))
        {
            Ok(at) => Some(self.by_label[at].1),
            Err(_) => self.cap,
        }
    }

    /// Moves the rows of each sequence (`ranges` of `columns`) past their label's cap to the
    /// nearest label (in the order of the tied columns, then the label) the sequence has room
    /// for, among the labels of all the sequences, with the tied columns of a row holding it;
    /// `rules.accepts(row, drawn, moved)` says whether the row's rules take the row `drawn`
    /// with its values moved (`moved`). A label outside the span of the sequence's own (before
    /// its first or after its last) is taken only where `rules.bound(row, drawn)`: rules bound
    /// the moved columns by the parent's (a term after a student's graduation is refused by a
    /// rule or not at all). A row no label takes stays.
    pub(super) fn keep<R: MoveRules>(
        &self,
        columns: &mut [Vec<Value>],
        ranges: &[Range<usize>],
        rules: &R,
    ) {
        let mut labels: Option<Labels> = None;
        for range in ranges {
            let over = self.over_cap(&columns[self.column], range.clone());
            if over.is_empty() {
                continue;
            }
            let labels = labels.get_or_insert_with(|| Labels::of(self, columns, ranges));
            self.move_rows(columns, (range.clone(), over), labels, rules);
        }
    }

    /// The rows of `range` past their label's cap, in row order: a label's first rows keep
    /// it, its last ones are over.
    fn over_cap(&self, labels: &[Value], range: Range<usize>) -> Vec<usize> {
        let mut held: HashMap<&str, (u32, u32)> = HashMap::new();
        range
            .filter(|&row| {
                let Value::Label(label) = &labels[row] else {
                    return false;
                };
                let (count, cap) = held
                    .entry(label)
                    .or_insert_with(|| (0, self.cap_of(label).unwrap_or(u32::MAX)));
                *count += 1;
                *count > *cap
            })
            .collect()
    }

    /// Moves each row of `over` (rows of the sequence `range`) to the nearest label of `labels`
    /// the sequence has room for and the row's rules accept.
    fn move_rows(
        &self,
        columns: &mut [Vec<Value>],
        (range, over): (Range<usize>, Vec<usize>),
        labels: &Labels,
        rules: &impl MoveRules,
    ) {
        let mut counts: Vec<u32> = vec![0; labels.order.len()];
        for row in range.clone() {
            if let Some(at) = labels.place(&columns[self.column][row]) {
                counts[at] += 1;
            }
        }
        let first = counts.iter().position(|&count| count > 0).unwrap_or(0);
        let last = counts.iter().rposition(|&count| count > 0).unwrap_or(0);
        let mut present: Vec<usize> = (first..=last).filter(|&at| counts[at] > 0).collect();
        for row in over {
            let Some(from) = labels.place(&columns[self.column][row]) else {
                continue;
            };
            let room = |at: usize, counts: &[u32]| {
                let label = &labels.order[at].0;
                counts[at] < self.cap_of(label).unwrap_or(u32::MAX)
            };
            let drawn: Vec<Value> = columns.iter().map(|column| column[row].clone()).collect();
            let beyond = rules.bound(row, &drawn);
            let takes = |at: usize| {
                let mut moved = drawn.clone();
                for (column, value) in &labels.order[at].1 {
                    moved[*column] = value.clone();
                }
                rules.accepts(row, &drawn, &moved)
            };
            // The sequence's own labels with room first, then new ones inside its span, then
            // (where rules bound them) beyond it: each nearest first.
            let now: &[u32] = &counts;
            let mut held: Vec<usize> = present
                .iter()
                .copied()
                .filter(|&at| at != from && room(at, now))
                .collect();
            held.sort_by_key(|&at| (at.abs_diff(from), std::cmp::Reverse(at)));
            let fresh = |inside: bool| {
                nearest(from, labels.order.len())
                    .filter(move |&at| now[at] == 0 && (first..=last).contains(&at) == inside)
                    .filter(move |&at| room(at, now))
                    .take(MAX_TRIES)
                    .collect::<Vec<usize>>()
            };
            let target = held
                .into_iter()
                .take(MAX_TRIES)
                .chain(fresh(true))
                .chain(if beyond { fresh(false) } else { Vec::new() })
                .find(|&at| takes(at));
            if let Some(at) = target {
                for (column, value) in &labels.order[at].1 {
                    columns[*column][row] = value.clone();
                }
                counts[from] -= 1;
                counts[at] += 1;
                if let Err(place) = present.binary_search(&at) {
                    present.insert(place, at);
                }
            }
        }
    }
}

/// What a model's rules say of a row's move (see [`Crowding::keep`]).
pub(super) trait MoveRules {
    /// Whether the row `row`, as `drawn`, obeys its rules with some values `moved`.
    fn accepts(&self, row: usize, drawn: &[Value], moved: &[Value]) -> bool;
    /// Whether rules bound the row's moved columns by its parent's.
    fn bound(&self, row: usize, drawn: &[Value]) -> bool;
}

/// The places nearest `from` among `0..len`, nearer first, the higher (later) first at equal
/// distance: a row moved on to a later term rather than back to an earlier one.
fn nearest(from: usize, len: usize) -> impl Iterator<Item = usize> {
    (1..len).flat_map(move |step| {
        let below = from.checked_sub(step);
        let above = (from + step < len).then_some(from + step);
        above.into_iter().chain(below)
    })
}

/// A label with the values (column, value) a row holding it gives the column and its tied
/// columns.
type Held = (Arc<str>, Vec<(usize, Value)>);

/// The labels of a block of sequences, each with the values its first row gives the column
/// and its tied columns, sorted by the tied columns' values, then the label.
struct Labels {
    order: Vec<Held>,
    place: HashMap<Arc<str>, usize>,
}

impl Labels {
    /// The labels of `crowding`'s column in the rows of `ranges`.
    fn of(crowding: &Crowding, columns: &[Vec<Value>], ranges: &[Range<usize>]) -> Labels {
        let mut first: HashMap<Arc<str>, usize> = HashMap::new();
        let mut order: Vec<Held> = Vec::new();
        for row in ranges.iter().flat_map(Clone::clone) {
            let Value::Label(label) = &columns[crowding.column][row] else {
                continue;
            };
            if first.contains_key(label) {
                continue;
            }
            first.insert(label.clone(), row);
            let values = std::iter::once(crowding.column)
                .chain(crowding.tied.iter().copied())
                .map(|column| (column, columns[column][row].clone()))
                .collect();
            order.push((label.clone(), values));
        }
        order.sort_by(|(a, x), (b, y)| {
            let tied = x
                .iter()
                .skip(1)
                .zip(y.iter().skip(1))
                .map(|((_, u), (_, v))| u.order(v))
                .find(|ordering| ordering.is_ne());
            tied.unwrap_or_else(|| a.cmp(b))
        });
        let place = order
            .iter()
            .enumerate()
            .map(|(at, (label, _))| (label.clone(), at))
            .collect();
        Labels { order, place }
    }

    /// The place of a row's label.
    fn place(&self, value: &Value) -> Option<usize> {
        match value {
            Value::Label(label) => self.place.get(label).copied(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;
    use crate::data::ValueFormat;
    use crate::sampling::SynthRng;

    fn labels(name: &str, values: impl Iterator<Item = String>) -> Column {
        Column {
            name: name.into(),
            kind: ColumnKind::Categorical,
            format: ValueFormat::Verbatim,
            values: values.map(|label| Value::Label(label.into())).collect(),
        }
    }

    /// The terms of a year: two long ones and a summer.
    const TERMS: [&str; 3] = ["1 Spring", "2 Summer", "3 Fall"];

    /// 400 students, each 1 to 3 courses in each long term and at most one in the summer
    /// (seeded): the cap is three, the summer's one; the start date follows the term.
    fn planted() -> (Vec<Column>, Vec<Option<usize>>) {
        let mut rng = SynthRng::seed_from_u64(7);
        let (mut terms, mut parents) = (Vec::new(), Vec::new());
        for student in 0..400 {
            for (at, term) in TERMS.iter().enumerate() {
                let courses = match at {
                    1 => usize::from(rng.random_bool(0.4)),
                    _ => rng.random_range(1..=3),
                };
                terms.extend(std::iter::repeat_n(term.to_string(), courses));
                parents.extend(std::iter::repeat_n(Some(student), courses));
            }
        }
        let starts = terms
            .iter()
            .map(|term| format!("start {term}"))
            .collect::<Vec<_>>();
        let columns = vec![
            labels("term", terms.into_iter()),
            labels("term_start", starts.into_iter()),
        ];
        (columns, parents)
    }

    #[test]
    fn a_cap_and_the_summer_s_own_are_learned_with_the_start_tied() {
        let (columns, parents) = planted();
        let crowdings = learn(&columns, &parents, 5, |_| true);
        let term = crowdings
            .iter()
            .find(|c| c.column == 0)
            .expect("term capped");
        assert_eq!(term.cap, Some(3));
        assert_eq!(term.by_label, vec![("2 Summer".to_string(), 1)]);
        assert_eq!(term.tied, vec![1]);
        assert_eq!(term.cap_of("1 Spring"), Some(3));
        assert_eq!(term.cap_of("2 Summer"), Some(1));
    }

    /// Counts that thin out (each further course half as likely) reach their most in a handful
    /// of groups: no cap.
    #[test]
    fn counts_that_thin_out_are_not_capped() {
        let mut rng = SynthRng::seed_from_u64(11);
        let (mut terms, mut parents) = (Vec::new(), Vec::new());
        for student in 0..2000 {
            let mut courses = 1;
            while rng.random_bool(0.5) {
                courses += 1;
            }
            terms.extend(std::iter::repeat_n("Fall".to_string(), courses));
            parents.extend(std::iter::repeat_n(Some(student), courses));
        }
        let columns = vec![labels("term", terms.into_iter())];
        assert!(learn(&columns, &parents, 5, |_| true).is_empty());
    }

    /// Rules that take every move but those onto a label (`.0`), and bound the moved columns
    /// (`.1`) or not.
    struct Refusing(&'static str, bool);

    impl MoveRules for Refusing {
        fn accepts(&self, _: usize, _: &[Value], moved: &[Value]) -> bool {
            !matches!(&moved[0], Value::Label(label) if &**label == self.0)
        }
        fn bound(&self, _: usize, _: &[Value]) -> bool {
            self.1
        }
    }

    fn cells(column: &[Value]) -> Vec<&str> {
        column
            .iter()
            .map(|value| match value {
                Value::Label(label) => &**label,
                _ => "",
            })
            .collect()
    }

    /// A term and its start (`x <term>`) for each of `terms`.
    fn drawn<'a>(terms: impl Iterator<Item = &'a str> + Clone) -> Vec<Vec<Value>> {
        vec![
            terms.clone().map(|t| Value::Label(t.into())).collect(),
            terms
                .map(|t| Value::Label(format!("x {t}").into()))
                .collect(),
        ]
    }

    /// One student with five courses in spring, two in summer, one in fall; another with every
    /// term and a winter (so every label is known). Rules bound the term.
    #[test]
    fn rows_past_the_cap_move_to_the_nearest_term_with_room_and_its_start() {
        let (columns, parents) = planted();
        let term = learn(&columns, &parents, 5, |_| true).remove(0);
        let terms = ["1 Spring"; 5]
            .into_iter()
            .chain(["2 Summer", "2 Summer", "3 Fall"])
            .chain(TERMS)
            .chain(["4 Winter"]);
        let mut columns = drawn(terms);
        term.keep(&mut columns, &[0..8, 8..12], &Refusing("none", true));
        let after = [
            "1 Spring", "1 Spring", "1 Spring", "3 Fall", "3 Fall", "2 Summer", "4 Winter",
            "3 Fall",
        ];
        assert_eq!(cells(&columns[0])[..8], after);
        // A moved row takes the start of its new term.
        assert_eq!(cells(&columns[1])[3], "x 3 Fall");
        assert_eq!(cells(&columns[1])[6], "x 4 Winter");
    }

    /// Two springs and two summers: the second summer goes to spring unless the rules refuse
    /// it; then it stays, since fall is beyond the student's terms and no rule bounds them.
    #[test]
    fn a_move_the_rules_refuse_is_not_made_nor_one_beyond_the_span_unbounded() {
        let (columns, parents) = planted();
        let term = learn(&columns, &parents, 5, |_| true).remove(0);
        let terms = ["1 Spring", "1 Spring", "2 Summer", "2 Summer"]
            .into_iter()
            .chain(TERMS);
        let mut columns = drawn(terms.clone());
        term.keep(&mut columns, &[0..4, 4..7], &Refusing("1 Spring", false));
        assert_eq!(
            cells(&columns[0])[..4],
            ["1 Spring", "1 Spring", "2 Summer", "2 Summer"]
        );
        let mut columns = drawn(terms);
        term.keep(&mut columns, &[0..4, 4..7], &Refusing("none", false));
        assert_eq!(
            cells(&columns[0])[..4],
            ["1 Spring", "1 Spring", "2 Summer", "1 Spring"]
        );
    }
}
