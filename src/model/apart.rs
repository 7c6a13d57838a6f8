//! Whole numbers no two rows of a sequence share: a hotel's room numbers (101, 102, … on every
//! floor, never twice in one hotel), a flat's unit within its building, a seat within its
//! show. Each row of a sequence is drawn from its own leaf, blind to the values its sequence
//! already holds, so two rooms of one synthetic hotel came out `104` (279 of 1,194 rooms), and
//! a database holding `(hotel_id, room_number)` unique refuses the copy. Training finds the
//! columns whose real values never repeat within a parent where chance would have repeated
//! them; generation moves a repeated value to the nearest free whole number its row's rules
//! accept.

use std::collections::HashSet;

use crate::data::{Column, Value};
use crate::schema::ColumnKind;

/// Repeats within sequences that chance alone would have given (each sequence's pairs of
/// rows over the column's distinct values) below which never repeating says nothing.
const MIN_CHANCE_REPEATS: f64 = 20.0;

/// How far from a repeated value a free one is looked for, in whole numbers either way.
const MAX_MOVE: i64 = 1_000;

/// The whole-number columns (indices) whose values no two rows of one real parent share, of a
/// table whose rows' parents are `parent_of_row` (`None`: no parent).
pub(super) fn distinct_in_sequences(
    columns: &[Column],
    parent_of_row: &[Option<usize>],
) -> Vec<usize> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column.kind == ColumnKind::Numerical)
        .filter(|(_, column)| never_repeats(&column.values, parent_of_row))
        .map(|(index, _)| index)
        .collect()
}

/// Whether every value is whole, none repeats within a parent's rows, and chance would have
/// repeated at least [`MIN_CHANCE_REPEATS`].
fn never_repeats(values: &[Value], parent_of_row: &[Option<usize>]) -> bool {
    let mut seen: HashSet<(usize, i64)> = HashSet::new();
    let mut distinct: HashSet<i64> = HashSet::new();
    let mut per_parent: Vec<usize> = Vec::new();
    for (value, parent) in values.iter().zip(parent_of_row) {
        let Some(x) = value.as_number() else { continue };
        if x.fract() != 0.0 || !x.is_finite() {
            return false;
        }
        let Some(parent) = *parent else { continue };
        if !seen.insert((parent, x as i64)) {
            return false;
        }
        distinct.insert(x as i64);
        if per_parent.len() <= parent {
            per_parent.resize(parent + 1, 0);
        }
        per_parent[parent] += 1;
    }
    let pairs: f64 = per_parent
        .iter()
        .map(|&k| (k * k.saturating_sub(1)) as f64 / 2.0)
        .sum();
    pairs / distinct.len().max(1) as f64 >= MIN_CHANCE_REPEATS
}

/// Moves each value of a column (`values`) that an earlier row of its sequence holds to the
/// nearest free whole number (the smaller first at equal distance) that `accepts(row, (drawn,
/// value))` takes, within [`MAX_MOVE`]; a value with none stays. `sequences` are the rows'
/// ranges, one per sequence.
pub(super) fn keep_apart(
    values: &mut [Value],
    sequences: impl Iterator<Item = std::ops::Range<usize>>,
    mut accepts: impl FnMut(usize, (f64, f64)) -> bool,
) {
    for rows in sequences {
        let mut held: HashSet<i64> = HashSet::new();
        for row in rows {
            let Some(x) = values[row].as_number() else {
                continue;
            };
            let whole = x as i64;
            if held.insert(whole) {
                continue;
            }
            let free = (1..=MAX_MOVE)
                .flat_map(|step| [whole - step, whole + step])
                .find(|&candidate| {
                    !held.contains(&candidate) && accepts(row, (x, candidate as f64))
                });
            if let Some(free) = free {
                held.insert(free);
                values[row] = Value::Number(free as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(values: impl Iterator<Item = i64>) -> Column {
        Column {
            name: "room_number".into(),
            kind: ColumnKind::Numerical,
            format: crate::data::ValueFormat::Integer,
            values: values.map(|x| Value::Number(x as f64)).collect(),
        }
    }

    /// 40 hotels of 30 rooms on three floors: the room numbers never repeat in a hotel, where
    /// 90 distinct numbers over 17,400 pairs would repeat by chance; the floor repeats.
    #[test]
    fn room_numbers_are_apart_floors_are_not() {
        let parents: Vec<Option<usize>> = (0..1200).map(|row| Some(row / 30)).collect();
        let room = |row: usize| ((row % 30) / 10 + 1) as i64 * 100 + (row % 10) as i64 + 1;
        let rooms = numbers((0..1200).map(room));
        let floors = numbers((0..1200).map(|row| room(row) / 100));
        assert_eq!(distinct_in_sequences(&[floors, rooms], &parents), vec![1]);
    }

    /// Few rows per parent: no repeat is no sign.
    #[test]
    fn no_repeat_where_chance_gives_none_says_nothing() {
        let parents: Vec<Option<usize>> = (0..200).map(|row| Some(row / 2)).collect();
        let column = numbers((0..200).map(|row| (row % 50) as i64));
        assert!(distinct_in_sequences(&[column], &parents).is_empty());
    }

    #[test]
    fn repeats_move_to_the_nearest_free_number_the_rules_take() {
        let mut values: Vec<Value> = [101, 102, 104, 104, 103, 199, 198, 199, 101]
            .iter()
            .map(|&x| Value::Number(x as f64))
            .collect();
        // Two sequences, rows 0..8 and 8..9; the rules keep every room on the first floor.
        keep_apart(&mut values, [0..8, 8..9].into_iter(), |_, (_, x)| {
            (x / 100.0).floor() == 1.0
        });
        let got: Vec<f64> = values.iter().filter_map(Value::as_number).collect();
        assert_eq!(
            got,
            vec![
                101.0, 102.0, 104.0, 103.0, 105.0, 199.0, 198.0, 197.0, 101.0
            ]
        );
    }
}
