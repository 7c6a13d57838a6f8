//! Ids no two real rows share stay distinct in the synthetic rows. A column of fresh ids
//! (TPC-DS's `c_customer_id`) is drawn cell by cell, on every core, each draw blind to the
//! others; drawn in a narrow shape (three letters of sixteen) some come out twice (28 of 1,000
//! customers), and a database that holds the column unique, as the real one can, refuses the
//! copy. The rows are gone through in table order once drawn, and an id an earlier row already
//! holds is drawn again in the column's shape until it is new.

use std::collections::HashSet;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use crate::data::{Column, Value};
use crate::model::TableModel;
use crate::model::marginal::{IdShape, text_hash};
use crate::sampling::block_stream;
use crate::train::TrainedTable;

/// The ids of a table's distinct columns written so far, as 64-bit hashes (eight bytes a row,
/// not the text), and the rows gone through.
pub(super) struct DistinctIds<'m> {
    columns: Vec<(usize, &'m IdShape, HashSet<u64, FixedState>)>,
    rows: usize,
}

impl<'m> DistinctIds<'m> {
    /// Nothing seen yet of `trained`'s distinct id columns.
    pub fn of(trained: &'m TrainedTable) -> DistinctIds<'m> {
        let columns = trained.model.distinct_ids().into_iter();
        DistinctIds {
            columns: columns
                .map(|(index, shape)| (index, shape, HashSet::default()))
                .collect(),
            rows: 0,
        }
    }

    /// Makes the next rows of the table (its `columns` in table order) hold ids no row
    /// before them holds.
    pub fn keep_columns(&mut self, columns: &mut [Column]) {
        self.keep(
            columns
                .iter_mut()
                .map(|column| &mut column.values)
                .collect(),
        );
    }

    /// [`DistinctIds::keep_columns`] for columns held as plain values.
    pub fn keep_values(&mut self, columns: &mut [Vec<Value>]) {
        self.keep(columns.iter_mut().collect());
    }

    fn keep(&mut self, mut columns: Vec<&mut Vec<Value>>) {
        let rows = columns.first().map_or(0, |values| values.len());
        for (index, shape, seen) in &mut self.columns {
            if let Some(values) = columns.get_mut(*index) {
                keep_distinct(values, shape, seen, self.rows);
            }
        }
        self.rows += rows;
    }
}

/// Draws again each id of `values` (rows `first..` of the table) that `seen` or an earlier one
/// of them holds (keeping its code where codes follow the row), from a stream of its own (the
/// id's text and row: the same whatever the threads or the parts the table is drawn in), and
/// adds them to `seen`.
fn keep_distinct(
    values: &mut [Value],
    shape: &IdShape,
    seen: &mut HashSet<u64, FixedState>,
    first: usize,
) {
    let hasher = FixedState::with_seed(0);
    for (row, value) in (first..).zip(values.iter_mut()) {
        let Value::Label(id) = value else { continue };
        if seen.insert(hasher.hash_one(&**id)) {
            continue;
        }
        let mut rng = block_stream(text_hash(id), row as u64);
        // The id's code stays where the row chose it ([`IdShape::kept_code`]).
        let code = shape.kept_code(id);
        let taken = |id: &str| seen.contains(&hasher.hash_one(id));
        let fresh = shape.draw_coded_avoiding(&mut rng, code.as_deref(), taken);
        seen.insert(hasher.hash_one(&*fresh));
        *value = Value::Label(fresh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng_for;
    use std::sync::Arc;

    /// Ids of three letters of `A` to `D` (64 possible) for 20 real rows: drawn blindly, 30
    /// synthetic ids (not real ones) would repeat several.
    fn narrow_shape() -> IdShape {
        let letters = ['A', 'B', 'C', 'D'];
        let real = (0..20).map(|i| {
            let spelled: String = [i % 4, (i / 4) % 4, (i / 16) % 4]
                .iter()
                .map(|&d| letters[d])
                .collect();
            Arc::from(format!("ID-{spelled}"))
        });
        IdShape::learn(real, 5)
    }

    fn drawn(shape: &IdShape, count: usize, seed: u64) -> Vec<Value> {
        let mut rng = rng_for(seed, "ids");
        (0..count)
            .map(|_| Value::Label(shape.draw(&mut rng)))
            .collect()
    }

    fn repeats<'a>(values: &'a [Value]) -> usize {
        let label = |value: &'a Value| match value {
            Value::Label(text) => Some(&**text),
            _ => None,
        };
        let labels: Vec<&str> = values.iter().filter_map(label).collect();
        let distinct: HashSet<&str> = labels.iter().copied().collect();
        labels.len() - distinct.len()
    }

    #[test]
    fn repeated_ids_are_drawn_again_in_their_shape() {
        let shape = narrow_shape();
        assert!(shape.distinct());
        let mut values = drawn(&shape, 30, 1);
        assert!(
            repeats(&values) > 0,
            "the planted shape repeats ids drawn blindly"
        );
        let mut seen = HashSet::default();
        keep_distinct(&mut values, &shape, &mut seen, 0);
        assert_eq!(repeats(&values), 0);
        for value in &values {
            let Value::Label(id) = value else {
                panic!("an id went missing: {value:?}")
            };
            let middle = id.strip_prefix("ID-").expect("the prefix kept");
            assert!(middle.len() >= 3 && middle.chars().all(|c| ('A'..='D').contains(&c)));
        }
    }

    #[test]
    fn parts_in_order_make_what_the_whole_makes() {
        let shape = narrow_shape();
        let values = drawn(&shape, 60, 2);
        let mut whole = values.clone();
        keep_distinct(&mut whole, &shape, &mut HashSet::default(), 0);
        let mut seen = HashSet::default();
        let (mut front, mut back) = (values[..25].to_vec(), values[25..].to_vec());
        keep_distinct(&mut front, &shape, &mut seen, 0);
        keep_distinct(&mut back, &shape, &mut seen, 25);
        front.extend(back);
        assert_eq!(front, whole);
        assert_eq!(
            repeats(&whole),
            0,
            "60 ids widen past the 44 free ones of width 3"
        );
    }

    /// Ids of a shape whose codes follow the row keep their code when drawn again.
    #[test]
    fn repeated_ids_keep_a_tied_code() {
        let real = (0..400).map(|i| {
            let code = ["ABC", "XYZ"][i % 2];
            Arc::from(format!("{code}-{:02}", i % 50))
        });
        let shape = IdShape::learn(real, 5).tied();
        let mut values: Vec<Value> = (0..200)
            .map(|i| Value::Label(Arc::from(["XYZ-07", "ABC-07"][i % 2])))
            .collect();
        keep_distinct(&mut values, &shape, &mut HashSet::default(), 0);
        assert_eq!(repeats(&values), 0);
        for (i, value) in values.iter().enumerate() {
            let Value::Label(id) = value else {
                panic!("an id went missing: {value:?}")
            };
            assert!(id.starts_with(["XYZ-", "ABC-"][i % 2]), "row {i}: {id}");
        }
    }

    #[test]
    fn empty_cells_stay_empty() {
        let shape = narrow_shape();
        let mut values = vec![Value::Null, Value::Label(Arc::from("ID-XYZ")), Value::Null];
        values.push(values[1].clone());
        keep_distinct(&mut values, &shape, &mut HashSet::default(), 0);
        assert_eq!(
            (values[0].clone(), values[2].clone()),
            (Value::Null, Value::Null)
        );
        assert_ne!(values[1], values[3]);
    }
}
