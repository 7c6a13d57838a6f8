//! Stays of one parent that never overlap: two bookings of a hotel room never share a night
//! (`[check_in, check_out)`), cancelled ones aside. Assigned by capacities alone, a room's
//! bookings overlapped in 93 and 105 of 6,000 synthetic rows (review data, seeds 1 and 2).
//!
//! Training tries each pair of datetime columns of the child that is in order (start before
//! end) in every row with both set, over all rows or aside those where one column is set (or
//! empty), and keeps the one under which no two rows of the same parent overlap, in enough rows,
//! where the same stays paired with the parents of rows half the table away would overlap often
//! ([`KeyApart::learn`]). Generation then swaps the parent of a row that overlaps another of
//! its parent's with a row of a parent where it overlaps none, that in turn overlaps none of
//! the first parent's ([`KeyApart::keep`]); neither row breaks more of the key's bounds
//! ([`super::fits::KeyFits`]) than before. Every parent keeps its number of children, and a row
//! that finds no partner in a bounded number of tries keeps its parent.

use serde::{Deserialize, Serialize};

use super::fits::{KeyFits, Members};
use crate::data::Column;
use crate::model::Privacy;
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;

/// The stays of one parent's children that never overlap, for one assigned key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyApart {
    /// The columns where a row's stay starts and ends (`[start, end)`).
    pub start: String,
    pub end: String,
    /// The rows set aside (they may overlap anything): those where this column is set, or
    /// empty (a cancelled booking holds no room).
    pub aside: Option<Aside>,
}

/// The rows a [`KeyApart`] sets aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aside {
    /// The column read.
    pub column: String,
    /// Whether rows where it is set are aside, else rows where it is empty.
    pub when_set: bool,
}

/// The most datetime columns tried as ends of a stay, and columns tried to set rows aside.
const MAX_COLUMNS: usize = 8;

/// The fewest rows with a stay a rule needs, whatever the privacy threshold.
const MIN_ROWS: usize = 20;

/// The least share, and number, of rows whose stays overlap another of their parent's when
/// paired with parents at random: fewer could be luck.
const MIN_BROKEN_SHARE: f64 = 0.005;
const MIN_BROKEN_ROWS: usize = 10;

/// The most random parents an overlapping row tries (of each, it tries as many children as
/// [`KeyFits::keep`] does).
const TRIES: usize = 128;

/// The passes over the rows: a row left in one may find a partner once others have moved.
const PASSES: usize = 3;

/// The most stays compared a row of the table, in all (a parent's children are compared one by
/// one): a large table whose rows mostly cannot move stops there.
const WORK: usize = 4096;

/// Each row's stay (`None`: no stay, or set aside) and its parent, in row order.
type Stays = Vec<Option<(f64, f64)>>;

impl KeyApart {
    /// Learns the rule from the child's sampled rows (`child`, with `parent_of_row`: the
    /// parent row of each); `None` when no pair of columns keeps stays apart beyond chance.
    pub fn learn(
        child: &[Column],
        parent_of_row: &[Option<usize>],
        privacy: Privacy,
    ) -> Option<KeyApart> {
        let min_rows = privacy.min_count.max(MIN_ROWS);
        let times: Vec<&Column> = (child.iter())
            .filter(|column| column.kind == ColumnKind::Datetime)
            .take(MAX_COLUMNS)
            .collect();
        let asides: Vec<Option<Aside>> = std::iter::once(None)
            .chain(partly_empty(child).flat_map(|column| {
                [true, false].map(|when_set| {
                    Some(Aside {
                        column: column.name.clone(),
                        when_set,
                    })
                })
            }))
            .collect();
        let mut best: Option<(usize, KeyApart)> = None;
        for start in &times {
            for end in &times {
                if start.name == end.name || !in_order(start, end, min_rows) {
                    continue;
                }
                // All rows first: rows are set aside only where all rows overlap.
                let found = asides.iter().find_map(|aside| {
                    let rule = KeyApart {
                        start: start.name.clone(),
                        end: end.name.clone(),
                        aside: aside.clone(),
                    };
                    let broken = rule.beyond_chance(child, parent_of_row, min_rows)?;
                    Some((broken, rule))
                });
                if let Some((broken, rule)) = found
                    && best.as_ref().is_none_or(|(most, _)| broken > *most)
                {
                    best = Some((broken, rule));
                }
            }
        }
        best.map(|(_, rule)| rule)
    }

    /// The number of rows that would overlap with the parents of rows half the table away,
    /// when no two real rows of a parent overlap, at least `min_rows` have a stay and that
    /// number is not luck.
    fn beyond_chance(
        &self,
        child: &[Column],
        parent_of_row: &[Option<usize>],
        min_rows: usize,
    ) -> Option<usize> {
        let stays = self.stays(child, parent_of_row.len())?;
        let with_stay = stays.iter().zip(parent_of_row);
        if with_stay
            .filter(|(s, p)| s.is_some() && p.is_some())
            .count()
            < min_rows
        {
            return None;
        }
        if overlapping(&stays, parent_of_row) > 0 {
            return None;
        }
        let keyed: Vec<usize> = (0..parent_of_row.len())
            .filter(|&row| parent_of_row[row].is_some())
            .collect();
        let half = keyed.len() / 2;
        let mut shifted = vec![None; parent_of_row.len()];
        for (i, &row) in keyed.iter().enumerate() {
            shifted[row] = parent_of_row[keyed[(i + half) % keyed.len()]];
        }
        let active = (stays.iter().zip(&shifted))
            .filter(|(s, p)| s.is_some() && p.is_some())
            .count();
        let broken = overlapping(&stays, &shifted);
        (broken >= MIN_BROKEN_ROWS && broken as f64 >= MIN_BROKEN_SHARE * active as f64)
            .then_some(broken)
    }

    /// Each row's stay, `None` where an end is empty, out of order or the row is aside;
    /// `None` when a column is missing or not `rows` long.
    fn stays(&self, child: &[Column], rows: usize) -> Option<Stays> {
        let find = |name: &str| {
            (child.iter())
                .find(|column| column.name == name)
                .map(|column| column.values.as_slice())
                .filter(|values| values.len() == rows)
        };
        let (start, end) = (find(&self.start)?, find(&self.end)?);
        let aside = match &self.aside {
            Some(aside) => Some((find(&aside.column)?, aside.when_set)),
            None => None,
        };
        let stay = |row: usize| {
            if let Some((values, when_set)) = aside
                && values[row].is_null() != when_set
            {
                return None;
            }
            let (a, b) = (start[row].as_number()?, end[row].as_number()?);
            (a < b).then_some((a, b))
        };
        Some((0..rows).map(stay).collect())
    }

    /// Checks a rule read from a model file: two different columns, and a third set aside.
    pub fn check(&self) -> Result<(), String> {
        let aside_apart = (self.aside.as_ref())
            .is_none_or(|aside| aside.column != self.start && aside.column != self.end);
        match self.start != self.end && aside_apart {
            true => Ok(()),
            false => Err("stays that never overlap without two ends".into()),
        }
    }

    /// The rule as `inspect` shows it.
    pub fn describe(&self, parent_table: &str) -> String {
        let aside = match &self.aside {
            Some(Aside {
                column,
                when_set: true,
            }) => format!(" (rows with {column} aside)"),
            Some(Aside { column, .. }) => format!(" (rows without {column} aside)"),
            None => String::new(),
        };
        format!(
            "[{}, {}) of one {parent_table} row never overlap{aside}",
            self.start, self.end
        )
    }

    /// Swaps the parents (`assigned`) of synthetic rows (`child`: their modelled columns, with
    /// their `sequence` parents for the bounds that read them) whose stays overlap another of
    /// their parent's: a row tries up to [`TRIES`] random parents with children (`parent`: the
    /// parent's columns) whose stays it overlaps at most once, and that one (or else some of
    /// the parent's children) as a partner whose stay overlaps none of the row's parent's;
    /// neither breaks more of `fits`' bounds than before. [`PASSES`] passes in row order, at
    /// most [`WORK`] stays compared a row in all. Every parent keeps its number of children; a
    /// row without a partner keeps its parent.
    pub fn keep(
        &self,
        (child, sequence): (&[Column], Option<&[Option<usize>]>),
        (parent, fits): (&[Column], Option<&KeyFits>),
        assigned: &mut [Option<usize>],
        rng: &mut SynthRng,
    ) {
        let rows = assigned.len();
        let Some(stays) = self.stays(child, rows) else {
            return;
        };
        if rows < 2 {
            return;
        }
        let checks = fits.map(|fits| fits.checks((child, sequence), parent, rows));
        let broken = |row: usize, parent: usize| {
            (checks.as_ref()).map_or(0, |checks| checks.broken(row, parent))
        };
        let mut members = Members::of(assigned);
        let mut finder = Finder {
            stays: &stays,
            budget: rows.saturating_mul(WORK),
        };
        for row in (0..PASSES).flat_map(|_| 0..rows) {
            let (Some(mine), Some(stay)) = (assigned[row], stays[row]) else {
                continue;
            };
            if finder.budget == 0 {
                break;
            }
            if finder.clashes(stay, &members.rows[mine], [row, row]).0 == 0 {
                continue;
            }
            let partner = (0..TRIES).find_map(|_| {
                let theirs = members.random_parent(rng)?;
                if theirs == mine || broken(row, theirs) > broken(row, mine) {
                    return None;
                }
                let fits_mine = |finder: &mut Finder<'_>, other: usize| {
                    broken(other, mine) <= broken(other, theirs)
                        && stays[other].is_none_or(|s| {
                            finder.clashes(s, &members.rows[mine], [row, other]).0 == 0
                        })
                };
                match finder.clashes(stay, &members.rows[theirs], [row, row]) {
                    (0, _) => {
                        let mut children = members.scan(theirs, rng);
                        children.find(|&other| fits_mine(&mut finder, other))
                    }
                    (1, Some(other)) => fits_mine(&mut finder, other).then_some(other),
                    _ => None,
                }
            });
            if let Some(other) = partner {
                members.swap(row, other, assigned);
            }
        }
    }
}

/// Compares stays within a budget of comparisons.
struct Finder<'a> {
    stays: &'a [Option<(f64, f64)>],
    budget: usize,
}

impl Finder<'_> {
    /// How many of `rows` (bar the two `skip`) have a stay overlapping `stay` (counted up to
    /// two), and the first; none once the budget is spent.
    fn clashes(
        &mut self,
        stay: (f64, f64),
        rows: &[usize],
        skip: [usize; 2],
    ) -> (usize, Option<usize>) {
        let (mut count, mut first) = (0, None);
        for &other in rows {
            if self.budget == 0 {
                return (2, None);
            }
            self.budget -= 1;
            if skip.contains(&other) {
                continue;
            }
            if let Some((a, b)) = self.stays[other]
                && a < stay.1
                && stay.0 < b
            {
                count += 1;
                first = first.or(Some(other));
                if count == 2 {
                    break;
                }
            }
        }
        (count, first)
    }
}

/// Whether `start` is before `end` in every row where both are set, at least `min_rows` of
/// them.
fn in_order(start: &Column, end: &Column, min_rows: usize) -> bool {
    let mut rows = 0;
    for (a, b) in start.values.iter().zip(&end.values) {
        if let (Some(a), Some(b)) = (a.as_number(), b.as_number()) {
            if a >= b {
                return false;
            }
            rows += 1;
        }
    }
    rows >= min_rows
}

/// The columns (up to [`MAX_COLUMNS`]) that are empty in some rows and set in others.
fn partly_empty(child: &[Column]) -> impl Iterator<Item = &Column> {
    child
        .iter()
        .filter(|column| {
            let empty = column.values.iter().filter(|v| v.is_null()).count();
            0 < empty && empty < column.values.len()
        })
        .take(MAX_COLUMNS)
}

/// How many rows with a stay and a parent (`parent_of_row`) overlap an earlier-starting
/// stay of the same parent.
fn overlapping(stays: &[Option<(f64, f64)>], parent_of_row: &[Option<usize>]) -> usize {
    let mut rows: Vec<(usize, f64, f64)> = (stays.iter().zip(parent_of_row))
        .filter_map(|(stay, parent)| {
            let (a, b) = (*stay)?;
            Some(((*parent)?, a, b))
        })
        .collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let mut count = 0;
    let mut reach: Option<(usize, f64)> = None;
    for (parent, a, b) in rows {
        match reach {
            Some((p, end)) if p == parent => {
                count += usize::from(a < end);
                reach = Some((p, end.max(b)));
            }
            _ => reach = Some((parent, b)),
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;
    use crate::data::{Value, ValueFormat};
    use crate::sampling::rng_for;

    const DAY: f64 = 86_400.0;

    fn column(name: &str, kind: ColumnKind, format: ValueFormat, values: Vec<Value>) -> Column {
        Column {
            name: name.into(),
            kind,
            format,
            values,
        }
    }

    fn dates(name: &str, values: Vec<Option<f64>>) -> Column {
        let format = ValueFormat::Datetime {
            pattern: "%Y-%m-%d".into(),
            date_only: true,
            offset: None,
            upper: false,
        };
        let values = values
            .into_iter()
            .map(|v| v.map_or(Value::Null, Value::Number));
        column(name, ColumnKind::Datetime, format, values.collect())
    }

    fn numbers(name: &str, values: Vec<f64>) -> Column {
        let values = values.into_iter().map(Value::Number).collect();
        column(name, ColumnKind::Numerical, ValueFormat::Integer, values)
    }

    /// 150 rooms of 1 to 4 beds over a year, and 1,200 bookings of 1 to 4 guests in a room
    /// with enough beds, staying 1 to 7 nights where no kept booking of the room stays; one in
    /// six is cancelled (`cancelled` set) and holds no night. `overlap`: stays drawn anywhere.
    fn planted(
        rng: &mut SynthRng,
        overlap: bool,
    ) -> (Vec<Column>, Vec<Column>, Vec<Option<usize>>) {
        let rooms = 150;
        let beds: Vec<f64> = (0..rooms).map(|r| (1 + r % 4) as f64).collect();
        let mut held: Vec<Vec<(f64, f64)>> = vec![Vec::new(); rooms];
        let (mut start, mut end, mut cancelled, mut guests, mut parent) =
            (vec![], vec![], vec![], vec![], vec![]);
        while parent.len() < 1200 {
            let room = rng.random_range(0..rooms);
            let a = rng.random_range(0..365) as f64 * DAY;
            let b = a + rng.random_range(1..=7) as f64 * DAY;
            if !overlap && held[room].iter().any(|&(x, y)| x < b && a < y) {
                continue;
            }
            let kept = rng.random_range(0..6) > 0;
            if kept {
                held[room].push((a, b));
            }
            start.push(Some(a));
            end.push(Some(b));
            cancelled.push((!kept).then_some(a - DAY));
            guests.push(rng.random_range(1..=beds[room] as usize) as f64);
            parent.push(Some(room));
        }
        let child = vec![
            dates("check_in", start),
            dates("check_out", end),
            dates("cancelled", cancelled),
            numbers("guests", guests),
        ];
        (child, vec![numbers("beds", beds)], parent)
    }

    /// Rows whose kept stay overlaps an earlier-starting one of the same parent.
    fn overlaps(rule: &KeyApart, child: &[Column], keys: &[Option<usize>]) -> usize {
        overlapping(&rule.stays(child, keys.len()).unwrap(), keys)
    }

    #[test]
    fn stays_apart_are_learned_with_cancelled_rows_aside_and_kept_by_swaps() {
        let mut rng = rng_for(5, "apart");
        let (child, parent, real_keys) = planted(&mut rng, false);
        let rule = KeyApart::learn(&child, &real_keys, Privacy::default()).unwrap();
        let aside = Aside {
            column: "cancelled".into(),
            when_set: true,
        };
        assert_eq!(
            (rule.start.as_str(), rule.end.as_str(), rule.aside.as_ref()),
            ("check_in", "check_out", Some(&aside))
        );
        let fits = KeyFits::learn(&child, &parent, (&real_keys, None), Privacy::default()).unwrap();
        // Parents drawn at random (each parent's count as real), then swapped into the beds.
        let mut keys = real_keys.clone();
        crate::sampling::shuffle(&mut keys, &mut rng);
        fits.keep((&child, None), &parent, &mut keys, &mut rng_for(6, "fits"));
        let counts = crate::keys::counts_by_row(&keys, 150);
        let checks = fits.checks((&child, None), &parent, keys.len());
        let broken = |keys: &[Option<usize>]| {
            (0..keys.len())
                .map(|row| checks.broken(row, keys[row].unwrap()))
                .sum::<usize>()
        };
        let (before, broken_before) = (overlaps(&rule, &child, &keys), broken(&keys));
        assert!(before > 50, "{before}");
        rule.keep(
            (&child, None),
            (&parent, Some(&fits)),
            &mut keys,
            &mut rng_for(7, "keep"),
        );
        let after = overlaps(&rule, &child, &keys);
        assert!(after * 20 < before, "{before} -> {after}");
        assert!(broken(&keys) <= broken_before);
        assert_eq!(crate::keys::counts_by_row(&keys, 150), counts);
    }

    #[test]
    fn stays_that_overlap_or_too_few_are_not_learned() {
        let mut rng = rng_for(8, "apart");
        let (child, _, keys) = planted(&mut rng, true);
        assert_eq!(KeyApart::learn(&child, &keys, Privacy::default()), None);
        // Apart, but in 15 rows only.
        let (child, _, keys) = planted(&mut rng, false);
        let few: Vec<Column> = (child.iter())
            .map(|column| Column {
                values: column.values[..15].to_vec(),
                ..column.clone()
            })
            .collect();
        assert_eq!(KeyApart::learn(&few, &keys[..15], Privacy::default()), None);
        // Apart, but each room booked once: no pairing could overlap.
        let once: Vec<Option<usize>> = (0..keys.len()).map(Some).collect();
        assert_eq!(KeyApart::learn(&child, &once, Privacy::default()), None);
    }
}
