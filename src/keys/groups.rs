//! Numbers that group the rows of a sequence: the key of a parent the schema does not declare
//! (TPC-DS `ss_ticket_number`: a customer's purchases come as tickets of about 12 items, and a
//! ticket is one customer's). Drawn row by row like any number, it named another ticket on
//! every row (a customer's 30 items on 26 tickets), each ticket shared by about ten customers.
//!
//! Such a column is found in the real sequences ([`GroupNumbers::find`]: each number's rows
//! are one run of one parent, runs of two rows or more on average) and generation numbers it
//! afresh ([`Numbering`]): each synthetic sequence is cut into runs whose lengths are drawn
//! among the real runs', numbered in a random order. The assigned keys a real group's rows
//! share (a ticket's day) are then given to the whole synthetic group ([`keep_shared_keys`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use indexmap::IndexMap;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Value, ValueKey};
use crate::sampling::{SynthRng, block_stream, shuffle};

/// The share of a column's real rows whose number is one run of one parent, for the column to
/// group its sequences' rows.
const ONE_RUN: f64 = 0.99;

/// The fewest rows a group has on average (a number on every row groups nothing).
const MIN_MEAN_RUN: f64 = 2.0;

/// The share of a key's rows in groups of two or more (with the key) whose key is the group's
/// first, for the group's rows to share the key.
const SHARED_KEY: f64 = 0.95;

/// A column that numbers groups of a sequence's rows, and the lengths of its real runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupNumbers {
    /// The column (index among the table's modelled columns).
    pub column: usize,
    /// The length of every real run, sorted.
    pub run_lengths: Vec<usize>,
    /// The assigned keys a group's real rows share (a ticket's day, time and store), kept
    /// alike within each synthetic group ([`keep_shared_keys`]).
    pub shared_keys: Vec<String>,
    /// The assigned keys no two rows of a real group share where chance would have repeated
    /// some (a ticket lists an item once: TPC-DS's key of a sale is its ticket and item),
    /// kept distinct within each synthetic group ([`super::unique_pairs`] over the group and
    /// the key). Since format 33.
    #[serde(default)]
    pub distinct_keys: Vec<String>,
}

impl GroupNumbers {
    /// The runs of `values` (a column of the real rows) when the column groups its sequences'
    /// rows; `order` holds the real rows with a parent in sequence order.
    pub fn find(column: usize, values: &[Value], order: &SequenceOrder) -> Option<GroupNumbers> {
        let runs = runs(values, order)?;
        let rows: usize = runs.iter().map(|&(_, length)| length).sum();
        // Most columns have a new value on nearly every row: settled before counting numbers.
        if (rows as f64) < MIN_MEAN_RUN * runs.len() as f64 {
            return None;
        }
        let mut runs_of_number: HashMap<u64, usize> = HashMap::new();
        for &(number, _) in &runs {
            *runs_of_number.entry(number).or_insert(0) += 1;
        }
        let in_one_run: usize = runs
            .iter()
            .filter(|(number, _)| runs_of_number[number] == 1)
            .map(|&(_, length)| length)
            .sum();
        if (in_one_run as f64) < ONE_RUN * rows as f64 {
            return None;
        }
        let mut run_lengths: Vec<usize> = runs.into_iter().map(|(_, length)| length).collect();
        run_lengths.sort_unstable();
        Some(GroupNumbers {
            column,
            run_lengths,
            shared_keys: Vec::new(),
            distinct_keys: Vec::new(),
        })
    }

    /// Checks numbers read from a model file: a column among the table's `columns`, and runs
    /// to draw from, none empty.
    pub fn check(&self, columns: usize) -> Result<(), String> {
        let fits =
            self.column < columns && !self.run_lengths.is_empty() && !self.run_lengths.contains(&0);
        fits.then_some(())
            .ok_or_else(|| "group numbers that do not fit the table".to_string())
    }

    /// Whether the real rows of each group share the key `parent_of_row` (the parent row of
    /// each real row) in [`SHARED_KEY`] of the rows; `values` and `sequence` (the group column
    /// and the sequence's parent row of each real row) say which group a row is in. Rows with
    /// an empty key are left out (TPC-DS leaves some items' day empty, at random).
    pub fn shares(
        values: &[Value],
        sequence: &[Option<usize>],
        parent_of_row: &[Option<usize>],
    ) -> bool {
        // Each group's (first key, rows, rows with the first key).
        let mut groups: HashMap<usize, (usize, usize, usize)> = HashMap::new();
        let keyed = group_of_row(values, sequence)
            .into_iter()
            .zip(parent_of_row);
        for (group, key) in keyed {
            let (Some(group), Some(key)) = (group, *key) else {
                continue;
            };
            let group = groups.entry(group).or_insert((key, 0, 0));
            group.1 += 1;
            group.2 += usize::from(group.0 == key);
        }
        let (rows, alike) = groups
            .values()
            .filter(|&&(_, rows, _)| rows >= 2)
            .fold((0, 0), |(rows, alike), group| {
                (rows + group.1, alike + group.2)
            });
        rows > 0 && alike as f64 >= SHARED_KEY * rows as f64
    }

    /// Whether no two real rows of a group have one parent through the key `parent_of_row`
    /// where chance would have given some two the same ([`super::pairs_are_unique`]); `values`
    /// and `sequence` say which group a row is in.
    pub fn distinct(
        values: &[Value],
        sequence: &[Option<usize>],
        parent_of_row: &[Option<usize>],
    ) -> bool {
        let groups = group_of_row(values, sequence);
        match (
            super::compact_rows(&groups),
            super::compact_rows(parent_of_row),
        ) {
            (Some(groups), Some(keys)) => super::pairs_are_unique(&groups, &keys),
            _ => false,
        }
    }
}

/// The group of each row, numbered in order of first appearance: rows of one parent in
/// `sequence` with one number in `values` (a number names a group within its sequence). A row
/// without either is in none.
fn group_of_row(values: &[Value], sequence: &[Option<usize>]) -> Vec<Option<usize>> {
    let mut groups: HashMap<(usize, u64), usize> = HashMap::new();
    values
        .iter()
        .zip(sequence)
        .map(|(value, parent)| {
            let key = (parent.as_ref().copied()?, value.as_number()?.to_bits());
            let next = groups.len();
            Some(*groups.entry(key).or_insert(next))
        })
        .collect()
}

/// Gives every row of a group (`runs`: the length of each group, in row order) one key, for
/// each of `keys` (name, parent row of each row) named in `shared`, keeping each parent's
/// number of children as assigned: a group takes the parent of its first row with a key when
/// that parent has room for the whole group, else the parent with the most room (a ticket's
/// items, each assigned a day of its own, all go to one day, and each day keeps about the
/// items it was given). Rows with an empty key keep it empty.
pub fn keep_shared_keys(
    runs: &[usize],
    shared: &[String],
    keys: &mut [(String, Vec<Option<usize>>)],
) {
    keep_group_keys((None, runs), shared, keys, Overflow::Roomiest);
}

/// Where a group goes whose first row's parent has no room for it.
#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    /// To the parent with the most room: a ticket's few items, wherever they fit.
    Roomiest,
    /// To the parent with the most room among its own rows' parents, which their preferences
    /// chose: a catalog's 107 pages to one of the days its pages were given. TPC-DS seed 1:
    /// the intertable score of the catalog number against its first day's week (tied 0.99 in
    /// the real rows) stays 0.61, as with each page's own day; sent to any day, it fell to
    /// 0.44.
    AmongOwn,
}

/// [`keep_shared_keys`] for groups whose rows are `rows[..runs[0]]`, then the next `runs[1]`
/// of `rows`, and so on (`None`: the rows in their order).
fn keep_group_keys(
    (rows, runs): (Option<&[usize]>, &[usize]),
    shared: &[String],
    keys: &mut [(String, Vec<Option<usize>>)],
    overflow: Overflow,
) {
    for (_, parent_of_row) in keys.iter_mut().filter(|(name, _)| shared.contains(name)) {
        let row_at = |at: usize| rows.map_or(Some(at), |rows| rows.get(at).copied());
        let parents = parent_of_row
            .iter()
            .flatten()
            .max()
            .map_or(0, |&most| most + 1);
        let mut room = vec![0usize; parents];
        for &parent in parent_of_row.iter().flatten() {
            room[parent] += 1;
        }
        let mut roomiest = Roomiest::new(&room);
        let (mut start, mut group) = (0, Vec::new());
        for &run in runs {
            group.clear();
            group.extend(
                (start..start + run)
                    .filter_map(row_at)
                    .filter(|&row| parent_of_row.get(row).is_some_and(Option::is_some)),
            );
            start += run;
            let Some(first) = group.first().and_then(|&row| parent_of_row[row]) else {
                continue;
            };
            let own_roomiest = || {
                let own = group.iter().filter_map(|&row| parent_of_row[row]);
                own.max_by_key(|&parent| (room[parent], Reverse(parent)))
            };
            let parent = match (room[first] >= group.len(), overflow) {
                (true, _) => first,
                (false, Overflow::Roomiest) => roomiest.parent(&room).unwrap_or(first),
                (false, Overflow::AmongOwn) => own_roomiest().unwrap_or(first),
            };
            room[parent] = room[parent].saturating_sub(group.len());
            roomiest.changed(parent, room[parent]);
            for &row in &group {
                parent_of_row[row] = Some(parent);
            }
        }
    }
}

/// A column of a table generated on its own (`sequential: false`) whose value names a group
/// of rows that share assigned keys: every page of a TPC-DS catalog (`cp_catalog_number`)
/// starts and ends on the catalog's days. Each row's keys assigned on their own, a
/// synthetic catalog's 107 pages started on two days and ended on ten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeysByValue {
    /// The column (index among the table's modelled columns).
    pub column: usize,
    /// The assigned keys the rows of a value share.
    pub shared_keys: Vec<String>,
}

impl KeysByValue {
    /// The keys among `assigned` (name, parent row of each real row) that the rows of each
    /// value of `values` share ([`SHARED_KEY`] of the rows of values in two rows or more),
    /// where chance would not share them: two rows picked at random have one parent in at
    /// most [`CHANCE_SHARED`] of the picks (a warehouse of one row is every row's). With the
    /// number of groups; `None` when no key is shared or the values' groups have fewer than
    /// [`MIN_MEAN_RUN`] rows on average. A group is named by a label or a whole number: a
    /// measure with decimals (an amount) that happens to come with one day and one colour
    /// in the real rows names no group, and sharing by it would move rows between parents.
    pub fn find(
        column: usize,
        values: &[Value],
        assigned: &[(&str, &[Option<usize>])],
    ) -> Option<(KeysByValue, usize)> {
        let measured = |value: &Value| value.as_number().is_some_and(|x| x.fract() != 0.0);
        if values.iter().any(measured) {
            return None;
        }
        let (rows, runs) = rows_by_value(values);
        let grouped: usize = runs.iter().sum();
        if runs.is_empty() || (grouped as f64) < MIN_MEAN_RUN * runs.len() as f64 {
            return None;
        }
        let shared_keys: Vec<String> = assigned
            .iter()
            .filter(|(_, parent_of_row)| {
                shared_in_groups(&rows, &runs, parent_of_row)
                    && chance_shared(parent_of_row) <= CHANCE_SHARED
            })
            .map(|(name, _)| name.to_string())
            .collect();
        let by_value = KeysByValue {
            column,
            shared_keys,
        };
        (!by_value.shared_keys.is_empty()).then_some((by_value, runs.len()))
    }

    /// Checks a column read from a model file against the table's `columns`.
    pub fn check(&self, columns: usize) -> Result<(), String> {
        (self.column < columns)
            .then_some(())
            .ok_or_else(|| "keys shared by value of a column the table does not have".to_string())
    }

    /// Gives the rows of each value of `values` (the column as generated) the key of their
    /// first row with one, for each shared key among `keys`, as [`keep_shared_keys`] does,
    /// but a group the parent has no room for goes to one of its own rows' parents.
    pub fn keep_shared_keys(&self, values: &[Value], keys: &mut [(String, Vec<Option<usize>>)]) {
        let (rows, runs) = rows_by_value(values);
        let groups = (Some(rows.as_slice()), runs.as_slice());
        keep_group_keys(groups, &self.shared_keys, keys, Overflow::AmongOwn);
    }

    /// Gives the rows of each value the key `parent_of_row` of their first row with both it
    /// and the `earlier` key, for a shared key redrawn row by row after
    /// [`KeysByValue::keep_shared_keys`] to follow the earlier one (a last day set a real gap
    /// after the first day): the group's rows share the earlier key, so that row's key keeps
    /// the order for them all. No parent's room is kept; the redraw kept none.
    pub fn keep_redrawn_key(
        &self,
        values: &[Value],
        earlier: &[Option<usize>],
        parent_of_row: &mut [Option<usize>],
    ) {
        let (rows, runs) = rows_by_value(values);
        let mut start = 0;
        for &run in &runs {
            let group = &rows[start..start + run];
            start += run;
            let first = group.iter().find_map(|&row| {
                earlier.get(row).copied().flatten()?;
                parent_of_row.get(row).copied().flatten()
            });
            for &row in group {
                if let (Some(first), Some(Some(key))) = (first, parent_of_row.get_mut(row)) {
                    *key = first;
                }
            }
        }
    }
}

/// A column that numbers the rows of each group of another column's values from 1, in a table
/// generated on its own: a TPC-DS catalog's pages (`cp_catalog_page_number` within
/// `cp_catalog_number`). Drawn row by row, a synthetic catalog had some page numbers several
/// times and others never; they are numbered afresh within each synthetic group, in the order
/// of the numbers drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowNumbers {
    /// The numbering column (index among the table's modelled columns).
    pub column: usize,
    /// The column whose values name the groups.
    pub group: usize,
}

impl RowNumbers {
    /// Whether `numbers` (a column of the real rows) numbers the rows of the groups `(rows,
    /// runs)` ([`rows_by_value`] of the group column): in [`NUMBERED`] of the rows of groups
    /// with two numbers or more, the group's numbers are whole, distinct and run from 1 to at
    /// most twice its rows (a few of a catalog's pages have an empty catalog number), in three
    /// such groups at least.
    pub fn numbers(numbers: &[Value], (rows, runs): (&[usize], &[usize])) -> bool {
        let (mut counted, mut numbered, mut groups, mut start) = (0, 0, 0, 0);
        for &run in runs {
            let mut values: Vec<f64> = rows[start..start + run]
                .iter()
                .filter_map(|&row| numbers.get(row).and_then(Value::as_number))
                .collect();
            start += run;
            if values.len() < 2 {
                continue;
            }
            values.sort_by(f64::total_cmp);
            let whole = values.iter().all(|x| x.fract() == 0.0);
            let distinct = values.windows(2).all(|pair| pair[0] < pair[1]);
            let span = values[0] == 1.0 && values[values.len() - 1] <= 2.0 * values.len() as f64;
            counted += values.len();
            groups += 1;
            if whole && distinct && span {
                numbered += values.len();
            }
        }
        groups >= 3 && numbered as f64 >= NUMBERED * counted as f64
    }

    /// Checks the columns read from a model file against the table's `columns`.
    pub fn check(&self, columns: usize) -> Result<(), String> {
        (self.column < columns && self.group < columns && self.column != self.group)
            .then_some(())
            .ok_or_else(|| "row numbers of a column the table does not have".to_string())
    }

    /// Numbers the rows of each group of the group column 1, 2, ... in the order of the
    /// numbers drawn for them (ties in row order); an empty number stays empty.
    pub fn number(&self, columns: &mut [crate::data::Column]) {
        let Some(group) = columns.get(self.group) else {
            return;
        };
        let (rows, runs) = rows_by_value(&group.values);
        let Some(numbers) = columns.get_mut(self.column) else {
            return;
        };
        let mut start = 0;
        for &run in &runs {
            let mut drawn: Vec<(f64, usize)> = rows[start..start + run]
                .iter()
                .filter_map(|&row| Some((numbers.values.get(row)?.as_number()?, row)))
                .collect();
            start += run;
            drawn.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (nth, (_, row)) in drawn.into_iter().enumerate() {
                numbers.values[row] = Value::Number((nth + 1) as f64);
            }
        }
    }
}

/// The share of rows in groups numbered 1, 2, ... for a column to number its groups' rows.
const NUMBERED: f64 = 0.95;

/// Two rows picked at random have one parent in at most this share of the picks, for their
/// groups' sharing it to say something.
const CHANCE_SHARED: f64 = 0.5;

/// The rows of each value that two rows or more have, value after value (in the order the
/// values first appear), with the number of rows of each: empty cells group nothing.
pub fn rows_by_value(values: &[Value]) -> (Vec<usize>, Vec<usize>) {
    let mut groups: HashMap<ValueKey<'_>, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (row, value) in values.iter().enumerate() {
        if value.is_null() {
            continue;
        }
        let key = ValueKey::of(value);
        let group = *groups.entry(key).or_insert(members.len());
        if group == members.len() {
            members.push(Vec::new());
        }
        members[group].push(row);
    }
    members.retain(|rows| rows.len() >= 2);
    let runs = members.iter().map(Vec::len).collect();
    (members.concat(), runs)
}

/// Whether [`SHARED_KEY`] of the rows with a key in the groups (`rows` cut into `runs`) have
/// their group's first key, counting the groups with two keys or more. Rows with an empty key
/// are left out.
fn shared_in_groups(rows: &[usize], runs: &[usize], parent_of_row: &[Option<usize>]) -> bool {
    let (mut keyed, mut alike, mut start) = (0usize, 0usize, 0usize);
    for &run in runs {
        let keys: Vec<usize> = rows[start..start + run]
            .iter()
            .filter_map(|&row| parent_of_row.get(row).copied().flatten())
            .collect();
        start += run;
        if let [first, _, ..] = keys[..] {
            keyed += keys.len();
            alike += keys.iter().filter(|&&key| key == first).count();
        }
    }
    keyed > 0 && alike as f64 >= SHARED_KEY * keyed as f64
}

/// The chance that two rows with a key, picked at random, have the same one.
fn chance_shared(parent_of_row: &[Option<usize>]) -> f64 {
    if parent_of_row.iter().all(Option::is_none) {
        return 1.0;
    }
    crate::stats::same_chance(parent_of_row.iter().flatten())
}

/// The parent with the most room left, the fewest-numbered among equals: a heap of
/// `(room, parent)` whose entries are dropped when found stale.
struct Roomiest(BinaryHeap<(usize, Reverse<usize>)>);

impl Roomiest {
    fn new(room: &[usize]) -> Roomiest {
        Roomiest(
            room.iter()
                .enumerate()
                .filter(|&(_, &left)| left > 0)
                .map(|(parent, &left)| (left, Reverse(parent)))
                .collect(),
        )
    }

    fn parent(&mut self, room: &[usize]) -> Option<usize> {
        while let Some(&(left, Reverse(parent))) = self.0.peek() {
            if room.get(parent) == Some(&left) {
                return Some(parent);
            }
            self.0.pop();
        }
        None
    }

    fn changed(&mut self, parent: usize, left: usize) {
        if left > 0 {
            self.0.push((left, Reverse(parent)));
        }
    }
}

/// The real rows that have a parent, as `(parent, row)` in sequence order (by parent, then
/// row): sorted once for every column [`GroupNumbers::find`] tries. Rows without a parent are
/// left out: TPC-DS leaves the customer of some of a ticket's items empty, at random.
pub struct SequenceOrder(Vec<(usize, usize)>);

impl SequenceOrder {
    /// The order of the rows whose parents `parent_of_row` gives.
    pub fn of(parent_of_row: &[Option<usize>]) -> SequenceOrder {
        let mut order: Vec<(usize, usize)> = parent_of_row
            .iter()
            .enumerate()
            .filter_map(|(row, parent)| parent.map(|parent| (parent, row)))
            .collect();
        order.sort_unstable();
        SequenceOrder(order)
    }
}

/// The runs of equal numbers of each parent's rows in sequence order, as `(number's bits,
/// rows)`; `None` when a value is not a number (the column is then no group number) or there
/// are no rows.
fn runs(values: &[Value], order: &SequenceOrder) -> Option<Vec<(u64, usize)>> {
    let mut runs: Vec<(usize, u64, usize)> = Vec::new();
    for &(parent, row) in &order.0 {
        let number = values.get(row)?.as_number()?.to_bits();
        match runs.last_mut() {
            Some((p, n, length)) if *p == parent && *n == number => *length += 1,
            _ => runs.push((parent, number, 1)),
        }
    }
    (!runs.is_empty()).then(|| runs.into_iter().map(|(_, n, l)| (n, l)).collect())
}

/// Numbers the rows of a table's sequences as they are drawn, in row order: each sequence cut
/// into runs of drawn real lengths (a last run cut to less than half its length joined to the
/// one before: a sequence ends with a whole ticket, as real ones do), the runs numbered 1 to
/// the number of runs in a random order (real ticket numbers follow neither the customer nor
/// the day). The runs are planned before the rows come, so the rows may come whole or in
/// blocks and get the same numbers.
pub struct Numbering {
    column: usize,
    /// The keys a group's rows share ([`GroupNumbers::shared_keys`]).
    shared_keys: Vec<String>,
    /// The keys no two rows of a group share ([`GroupNumbers::distinct_keys`]).
    distinct_keys: Vec<String>,
    /// The length of every run, in row order.
    runs: Vec<usize>,
    /// The number of every run, in row order.
    numbers: Vec<u32>,
    /// The run the next row is in, and the rows it has left.
    at: usize,
    left: usize,
}

impl Numbering {
    /// The numbering of `groups`' column for sequences of `lengths` rows, in row order (the
    /// rows without a parent as one more), drawn from stream `stream` of `base`
    /// ([`block_stream`]).
    pub fn new(
        groups: &GroupNumbers,
        lengths: impl Iterator<Item = usize>,
        base: u64,
        stream: u64,
    ) -> Numbering {
        let mut rng = block_stream(base, stream);
        let mut runs = Vec::new();
        for rows in lengths {
            cut(&groups.run_lengths, rows, &mut rng, &mut runs);
        }
        let mut numbers: Vec<u32> = (1..=runs.len() as u32).collect();
        shuffle(&mut numbers, &mut rng);
        Numbering {
            column: groups.column,
            shared_keys: groups.shared_keys.clone(),
            distinct_keys: groups.distinct_keys.clone(),
            runs,
            numbers,
            at: 0,
            left: 0,
        }
    }

    /// The column numbered.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Gives every row of a group the key its first row has, for each of the table's
    /// assigned `keys` the group's real rows share ([`keep_shared_keys`]).
    pub fn keep_shared_keys(&self, keys: &mut [(String, Vec<Option<usize>>)]) {
        keep_shared_keys(&self.runs, &self.shared_keys, keys);
    }

    /// Whether the groups share `key` ([`Numbering::keep_shared_keys`]).
    pub fn shares(&self, key: &str) -> bool {
        self.shared_keys.iter().any(|shared| shared == key)
    }

    /// Gives every row of a group the key of its first row with one again, for each shared
    /// key among `redrawn`: the keys the key rules drew again row by row after
    /// [`Numbering::keep_shared_keys`] (TPC-DS's catalog orders: the time of sale, which
    /// determines the customer and the addresses, drawn again for each line; 355 of 1,720
    /// orders came out with lines at different times). The rules kept the first row's key
    /// with the row's other keys, which the group's rows share. No parent's room is kept (the
    /// redraw kept none), nor a kept parent's real number of rows. Returns the keys given
    /// again.
    pub fn keep_redrawn_shared_keys(
        &self,
        redrawn: &[&str],
        keys: &mut IndexMap<String, Vec<Option<usize>>>,
    ) -> Vec<String> {
        let mut again = Vec::new();
        for (name, parent_of_row) in keys.iter_mut() {
            if !(self.shared_keys.contains(name) && redrawn.contains(&name.as_str())) {
                continue;
            }
            let mut start = 0;
            for &run in &self.runs {
                let end = (start + run).min(parent_of_row.len());
                let group = &mut parent_of_row[start.min(end)..end];
                start += run;
                let Some(first) = group.iter().find_map(|key| *key) else {
                    continue;
                };
                for key in group.iter_mut().flatten() {
                    *key = first;
                }
            }
            again.push(name.clone());
        }
        again
    }

    /// Gives the rows of each group keys no other row of the group has, for each of the
    /// table's assigned `keys` kept distinct ([`GroupNumbers::distinct_keys`]): a row whose key
    /// repeats one of its group's swaps it with another row's ([`super::unique_pairs`]), so
    /// every parent keeps its number of children. Takes a random number only where the table
    /// has such a key (others' output stays as it was).
    pub fn keep_distinct_keys(
        &self,
        keys: &mut [(String, Vec<Option<usize>>)],
        rng: &mut SynthRng,
    ) {
        if self.distinct_keys.is_empty() {
            return;
        }
        let mut stream = block_stream(rng.random(), 0);
        let groups: Vec<Option<usize>> = (self.runs.iter().enumerate())
            .flat_map(|(group, &rows)| std::iter::repeat_n(Some(group), rows))
            .collect();
        let distinct = keys
            .iter_mut()
            .filter(|(name, _)| self.distinct_keys.contains(name));
        for (_, parent_of_row) in distinct {
            let mut groups = groups.clone();
            groups.resize(parent_of_row.len(), None);
            super::unique_pairs(&groups, parent_of_row, &mut stream);
        }
    }

    /// Numbers the column's `values` of the next rows.
    pub fn number(&mut self, values: &mut [Value]) {
        for value in values {
            while self.left == 0 && self.at < self.runs.len() {
                self.left = self.runs[self.at];
                self.at += 1;
            }
            // Rows past those planned (none come) each get a number of their own.
            let number = match self.left {
                0 => {
                    self.at += 1;
                    self.at as f64
                }
                _ => {
                    self.left -= 1;
                    f64::from(self.numbers[self.at - 1])
                }
            };
            *value = Value::Number(number);
        }
    }
}

/// Adds to `runs` the lengths of the runs a sequence of `rows` rows is cut into (adding up to
/// `rows`), each drawn among `lengths`.
fn cut(lengths: &[usize], rows: usize, rng: &mut SynthRng, runs: &mut Vec<usize>) {
    let first = runs.len();
    let mut left = rows;
    while left > 0 {
        let drawn = lengths
            .get(rng.random_range(0..lengths.len().max(1)))
            .copied()
            .unwrap_or(1)
            .max(1);
        let run = drawn.min(left);
        left -= run;
        let joins = runs.len() > first && 2 * run < drawn;
        match runs.last_mut() {
            Some(previous) if joins => *previous += run,
            _ => runs.push(run),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(values: &[f64]) -> Vec<Value> {
        values.iter().map(|&x| Value::Number(x)).collect()
    }

    /// Planted tickets: 200 customers with 2 tickets of 8 items each, among 30 items. A
    /// ticket lists each item once (`items`), or items at random (`drawn`, with repeats);
    /// among 5,000 items no two rows would share one by chance, so listing each once says
    /// nothing.
    #[test]
    fn an_item_listed_once_a_ticket_is_a_distinct_key_and_generation_keeps_it() {
        let rows = 200 * 16;
        let parents: Vec<Option<usize>> = (0..rows).map(|row| Some(row / 16)).collect();
        let tickets = numbers(
            &(0..rows)
                .map(|row| (1 + row / 8) as f64)
                .collect::<Vec<_>>(),
        );
        let items: Vec<Option<usize>> = (0..rows).map(|row| Some((row * 7) % 30)).collect();
        assert!(GroupNumbers::distinct(&tickets, &parents, &items));
        let mut rng = crate::sampling::rng_for(2, "items");
        let drawn: Vec<Option<usize>> = (0..rows).map(|_| Some(rng.random_range(0..30))).collect();
        assert!(!GroupNumbers::distinct(&tickets, &parents, &drawn));
        let many: Vec<Option<usize>> = (0..rows).map(|row| Some(row % 5000)).collect();
        assert!(
            !GroupNumbers::distinct(&tickets, &parents, &many),
            "no evidence"
        );

        let groups = GroupNumbers {
            column: 0,
            run_lengths: vec![8],
            shared_keys: Vec::new(),
            distinct_keys: vec!["item".into()],
        };
        let numbering = Numbering::new(&groups, [16; 200].into_iter(), 5, 0);
        let mut keys = vec![
            ("item".to_string(), drawn.clone()),
            ("other".to_string(), drawn.clone()),
        ];
        numbering.keep_distinct_keys(&mut keys, &mut crate::sampling::rng_for(1, "t"));
        let count = |keys: &[Option<usize>]| {
            let mut counts = vec![0usize; 30];
            keys.iter().flatten().for_each(|&item| counts[item] += 1);
            counts
        };
        assert_eq!(
            count(&keys[0].1),
            count(&drawn),
            "every item keeps its rows"
        );
        for ticket in keys[0].1.chunks(8) {
            let mut seen: Vec<usize> = ticket.iter().flatten().copied().collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 8, "{ticket:?}");
        }
        assert_eq!(keys[1].1, drawn, "a key not kept distinct is left");
    }

    /// Tickets of 4 rows sharing a day, whose days a key rule then drew row by row: a shared
    /// key the rules redrew is given back to the whole ticket from its first row with one; a
    /// shared key the rules did not redraw, and a key no ticket shares, are left.
    #[test]
    fn a_shared_key_the_rules_redrew_is_shared_again_from_the_first_row() {
        let groups = GroupNumbers {
            column: 0,
            run_lengths: vec![4],
            shared_keys: vec!["day".into(), "store".into()],
            distinct_keys: Vec::new(),
        };
        let numbering = Numbering::new(&groups, [8; 3].into_iter(), 5, 0);
        let redrawn: Vec<Option<usize>> = (0..24)
            .map(|row| (row % 7 != 4).then_some(row * 5 % 11))
            .collect();
        let mut keys: IndexMap<String, Vec<Option<usize>>> = ["day", "store", "item"]
            .into_iter()
            .map(|name| (name.to_string(), redrawn.clone()))
            .collect();
        let again = numbering.keep_redrawn_shared_keys(&["day", "item"], &mut keys);
        assert_eq!(again, vec!["day".to_string()]);
        for (ticket, before) in keys["day"].chunks(4).zip(redrawn.chunks(4)) {
            let first = before.iter().flatten().next().copied();
            for (after, before) in ticket.iter().zip(before) {
                let expected = before.and(first);
                assert_eq!(*after, expected, "{ticket:?} from {before:?}");
            }
        }
        assert!(
            keys["day"]
                .chunks(4)
                .any(|t| t[0].is_none() && t[1].is_some())
        );
        assert_eq!(keys["store"], redrawn, "not redrawn by the rules: left");
        assert_eq!(keys["item"], redrawn, "not shared: left");
    }

    #[test]
    fn tickets_of_one_customer_each_are_group_numbers_and_shared_numbers_are_not() {
        // Customers 0 and 1, interleaved in the file; tickets of 3 and 2 items.
        let parents = [
            Some(0),
            Some(1),
            Some(0),
            Some(1),
            Some(0),
            Some(0),
            Some(0),
        ];
        let tickets = numbers(&[1.0, 2.0, 1.0, 2.0, 1.0, 3.0, 3.0]);
        let found = GroupNumbers::find(4, &tickets, &SequenceOrder::of(&parents)).expect("tickets");
        assert_eq!(found.run_lengths, vec![2, 2, 3]);
        // A number shared by both customers, or one that comes back later in a sequence.
        let shared = numbers(&[1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 3.0]);
        assert!(GroupNumbers::find(4, &shared, &SequenceOrder::of(&parents)).is_none());
        let back = numbers(&[1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 1.0]);
        assert!(GroupNumbers::find(4, &back, &SequenceOrder::of(&parents)).is_none());
        // A new number on every row groups nothing.
        let every = numbers(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        assert!(GroupNumbers::find(4, &every, &SequenceOrder::of(&parents)).is_none());
    }

    /// Planted catalogs: 12 catalogs of 10 pages, each catalog's pages on one of 6 days (two
    /// catalogs a day), one page in 40 on another day. The day is shared by the catalog's
    /// pages; not when the days are dealt to the pages at random, nor when every page has the
    /// one day there is; the page number (1 to 10 in every catalog) shares nothing.
    #[test]
    fn keys_shared_by_the_rows_of_a_value_are_found_and_chance_is_not() {
        let rows = 0..120usize;
        let catalog = numbers(
            &rows
                .clone()
                .map(|row| (row / 10) as f64)
                .collect::<Vec<_>>(),
        );
        let page = numbers(
            &rows
                .clone()
                .map(|row| (row % 10) as f64)
                .collect::<Vec<_>>(),
        );
        let day: Vec<Option<usize>> = rows
            .clone()
            .map(|row| Some(if row % 40 == 39 { 5 } else { row / 20 }))
            .collect();
        let dealt: Vec<Option<usize>> = rows.clone().map(|row| Some((row * 7) % 6)).collect();
        let one: Vec<Option<usize>> = vec![Some(0); 120];
        let assigned = [
            ("day", day.as_slice()),
            ("dealt", dealt.as_slice()),
            ("one", one.as_slice()),
        ];
        let (found, groups) = KeysByValue::find(3, &catalog, &assigned).expect("a shared day");
        assert_eq!(found.column, 3);
        assert_eq!(found.shared_keys, vec!["day".to_string()]);
        assert_eq!(groups, 12);
        assert!(KeysByValue::find(4, &page, &assigned).is_none());
        let amounts: Vec<Value> = (catalog.iter())
            .map(|value| Value::Number(value.as_number().unwrap_or(0.0) + 0.5))
            .collect();
        assert!(KeysByValue::find(5, &amounts, &assigned).is_none());
    }

    /// Synthetic pages of three catalogs, their days assigned row by row: each catalog's
    /// pages get one day, one of those its own pages were given (day 2 has room for one
    /// catalog only, so the second goes to its other day, 4, not to the roomiest, 9); then a
    /// last day redrawn row by row is shared too, from a page that has a first day.
    #[test]
    fn the_rows_of_a_value_take_one_of_their_own_keys_and_keep_a_redrawn_one() {
        let catalog = numbers(&[1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0]);
        let first = [2, 2, 2, 2, 4, 4, 9, 9, 9, 9].map(Some).to_vec();
        let by_value = KeysByValue {
            column: 0,
            shared_keys: vec!["first".to_string()],
        };
        let mut keys = vec![("first".to_string(), first)];
        by_value.keep_shared_keys(&catalog, &mut keys);
        assert_eq!(keys[0].1, [2, 2, 2, 4, 4, 4, 9, 9, 9, 9].map(Some));
        let mut earlier = keys[0].1.clone();
        earlier[0] = None;
        let mut last = [1, 30, 31, 40, 41, 0, 50, 51, 52, 53].map(Some).to_vec();
        last[5] = None;
        by_value.keep_redrawn_key(&catalog, &earlier, &mut last);
        let mut expected = [30, 30, 30, 40, 40, 0, 50, 50, 50, 50].map(Some);
        expected[5] = None;
        assert_eq!(last, expected);
    }

    /// Planted: 5 catalogs of 4 to 8 pages numbered from 1. The page numbers them; numbers
    /// from 0, a repeated one, or one with a gap (9 in a catalog of 4 pages) do not.
    #[test]
    fn a_column_numbering_each_groups_rows_from_one_is_found_and_renumbered() {
        let sizes = [4usize, 8, 5, 6, 7];
        let mut catalog = Vec::new();
        let mut page = Vec::new();
        for (nth, &size) in sizes.iter().enumerate() {
            for at in 1..=size {
                catalog.push(Value::Number(nth as f64));
                page.push(Value::Number(at as f64));
            }
        }
        let (rows, runs) = rows_by_value(&catalog);
        let groups = (rows.as_slice(), runs.as_slice());
        assert!(RowNumbers::numbers(&page, groups));
        let shifted: Vec<Value> = (page.iter())
            .map(|v| Value::Number(v.as_number().unwrap_or(0.0) - 1.0))
            .collect();
        assert!(!RowNumbers::numbers(&shifted, groups));
        let mut repeated = page.clone();
        repeated[5] = Value::Number(1.0);
        assert!(!RowNumbers::numbers(&repeated, groups));
        let mut gap = page.clone();
        gap[3] = Value::Number(9.0);
        assert!(!RowNumbers::numbers(&gap, groups));
        // Drawn numbers (a repeat, a gap, an empty cell) numbered afresh, in their order.
        let mut columns = vec![
            crate::data::Column {
                name: "catalog".into(),
                kind: crate::schema::ColumnKind::Numerical,
                format: crate::data::ValueFormat::Integer,
                values: numbers(&[1.0, 2.0, 1.0, 1.0, 2.0, 1.0]),
            },
            crate::data::Column {
                name: "page".into(),
                kind: crate::schema::ColumnKind::Numerical,
                format: crate::data::ValueFormat::Integer,
                values: numbers(&[7.0, 3.0, 2.0, 7.0, 3.0, 0.0]),
            },
        ];
        columns[1].values[5] = Value::Null;
        RowNumbers {
            column: 1,
            group: 0,
        }
        .number(&mut columns);
        let mut expected = numbers(&[2.0, 1.0, 1.0, 3.0, 2.0, 0.0]);
        expected[5] = Value::Null;
        assert_eq!(columns[1].values, expected);
    }

    #[test]
    fn numbering_cuts_sequences_into_runs_of_real_lengths_whole_or_in_blocks() {
        let groups = GroupNumbers {
            column: 0,
            run_lengths: vec![3, 3, 3],
            shared_keys: Vec::new(),
            distinct_keys: Vec::new(),
        };
        // Sequences of 7 and 4 rows, then 2 rows without a parent.
        let lengths = [7, 4, 2];
        let mut whole = vec![Value::Null; 13];
        Numbering::new(&groups, lengths.into_iter(), 9, 0).number(&mut whole);
        // 7 rows: 3 and 4 (a last run of 1 joins the one before); 4: one run; 2: one run.
        let runs: Vec<&[Value]> = whole.chunk_by(|a, b| a == b).collect();
        let sizes: Vec<usize> = runs.iter().map(|run| run.len()).collect();
        assert_eq!(sizes, vec![3, 4, 4, 2]);
        let mut numbers: Vec<f64> = runs.iter().filter_map(|run| run[0].as_number()).collect();
        numbers.sort_by(f64::total_cmp);
        assert_eq!(numbers, vec![1.0, 2.0, 3.0, 4.0], "each run its own number");
        let mut numbering = Numbering::new(&groups, lengths.into_iter(), 9, 0);
        let mut blocks = Vec::new();
        for rows in [5, 6, 2] {
            let mut block = vec![Value::Null; rows];
            numbering.number(&mut block);
            blocks.extend(block);
        }
        assert_eq!(blocks, whole);
    }

    #[test]
    fn a_groups_rows_share_one_key_and_parents_keep_their_children() {
        // Groups of 3, 2 and 3 rows; days assigned per row, each day with its children.
        let runs = [3, 2, 3];
        let days = vec![
            Some(0),
            Some(1),
            Some(2),
            Some(1),
            None,
            Some(0),
            Some(2),
            Some(2),
        ];
        let mut keys = vec![
            ("day".to_string(), days.clone()),
            ("store".to_string(), days),
        ];
        keep_shared_keys(&runs, &["day".to_string()], &mut keys);
        let day = &keys[0].1;
        // Room as assigned: day 0 two rows, day 1 two, day 2 three. The first group's first
        // day (0) has no room for its 3 rows: the roomiest day (2) takes them. The second
        // group keeps day 1 (one row with a key). The third group's first day (0) has room
        // for 2 of 3: the roomiest is day 0 again (2 left, day 1 has 1), one row over.
        assert_eq!(
            day,
            &vec![
                Some(2),
                Some(2),
                Some(2),
                Some(1),
                None,
                Some(0),
                Some(0),
                Some(0)
            ]
        );
        let mut children = [0; 3];
        day.iter().flatten().for_each(|&d| children[d] += 1);
        assert_eq!(children, [3, 1, 3]);
        assert_eq!(keys[1].1[0], Some(0), "a key not shared is left as it was");
    }
}
