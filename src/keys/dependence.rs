//! Keys that follow from another key of the same row: every real flight of a plane is flown by
//! one airline (`flights.tailnum` determines `flights.carrier`), every real order of a customer
//! may come from one store. Each assigned on its own, a synthetic plane flies for every
//! airline, which a person joining the tables sees at once.
//!
//! A dependence is found in the real rows where chance would have broken it in many of them
//! ([`determines`]) and kept after the keys are assigned ([`KeyDependence::keep`]), moving as
//! few rows as it can so that the parents' numbers of children and the rows' preferences
//! survive.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::NO_ROW;
use super::owners::{Offered, Owners};
use crate::sampling::{SynthRng, shuffle, stratified};

/// How an assigned key depends on an earlier key of its row (the sequence key or an assigned
/// key before it) in the real rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyDependence {
    /// The earlier key column.
    pub earlier: String,
    /// Whether this key's parent determines the earlier key's (a plane, its airline); else the
    /// earlier key's parent determines this key's (a customer, their one store).
    pub determines_earlier: bool,
    /// Which earlier parent owned real key parents like each synthetic one (an airline's
    /// fleet), when this key determines the earlier one and the earlier key's parent is kept
    /// as it is. Since format 25.
    pub owners: Option<Owners>,
}

/// The parent rows of a key being kept: how many, the class of each (none without a parent
/// preference) and the owner each was offered to (none without [`KeyDependence::owners`]).
#[derive(Debug, Clone, Copy)]
pub struct KeyParents<'a> {
    /// The number of parent rows.
    pub rows: usize,
    /// The parent preference's signature of each parent row.
    pub classes: Option<&'a [u16]>,
    /// The earlier parent each parent row goes to where it can ([`Owners::draw`]).
    pub offered_to: Option<&'a Offered>,
}

impl KeyParents<'_> {
    /// The class of key parent `b` (0 without classes).
    fn class(&self, b: usize) -> u16 {
        self.classes
            .and_then(|classes| classes.get(b).copied())
            .unwrap_or(0)
    }
}

/// Share of the rows with both keys set that may break a dependence.
const TOLERANCE: f64 = 0.01;
/// Rows with both keys set a dependence needs.
const MIN_ROWS: usize = 20;
/// Groups that chance would have broken (at the least) that a dependence needs: with fewer,
/// it may hold by luck (a key with one row per parent "determines" anything).
const BROKEN_BY_CHANCE: f64 = 5.0;
/// Of the groups chance would have broken, the share that may be broken.
const BROKEN_SHARE: f64 = 0.05;
/// About the rows of the first look (the rows of every n-th parent of the determining key,
/// whole groups, so that a broken group shows): most pairs of keys are rejected on it, so a
/// table of millions of rows sorts its pairs in full only for a dependence that may hold.
const SCREEN_ROWS: usize = 1 << 16;

/// Whether `key`'s parent row determines `other`'s in the real rows where both are set (both
/// as [`super::compact_rows`]): up to [`TOLERANCE`] of the rows break it, and chance would
/// have broken far more groups of rows sharing `key`'s parent than are.
pub fn determines(key: &[u32], other: &[u32]) -> bool {
    let step = (key.len() / SCREEN_ROWS).max(1) as u32;
    if step > 1 && !mostly_functional(&sorted_pairs(key, other, step), 2.0 * TOLERANCE) {
        return false;
    }
    let pairs = sorted_pairs(key, other, 1);
    let Some(groups) = group_counts(&pairs) else {
        return false;
    };
    let largest_share = largest_share(&pairs);
    let rows = pairs.len() as f64;
    let broken_rows: usize = groups.iter().map(|g| g.rows - g.largest).sum();
    let broken_groups = groups.iter().filter(|g| g.rows > g.largest).count() as f64;
    // Taken independently, a group of m rows is whole with a chance of at most p^(m-1), p the
    // largest share of one parent of `other`.
    let by_chance: f64 = groups
        .iter()
        .map(|g| 1.0 - largest_share.powi(g.rows.saturating_sub(1).min(1 << 20) as i32))
        .sum();
    pairs.len() >= MIN_ROWS
        && broken_rows as f64 <= TOLERANCE * rows
        && by_chance >= BROKEN_BY_CHANCE
        && broken_groups <= BROKEN_SHARE * by_chance
}

/// The pairs (`key` row, `other` row) of the rows with both set and a `key` parent among
/// every `step`-th (by a hash, so that parents of every part of the table are in), sorted as
/// 64-bit numbers.
fn sorted_pairs(key: &[u32], other: &[u32], step: u32) -> Vec<u64> {
    let chosen = |a: u32| step == 1 || a.wrapping_mul(0x9E37_79B1).rotate_left(16) % step == 0;
    let mut pairs: Vec<u64> = key
        .iter()
        .zip(other)
        .filter(|&(&a, &b)| a != NO_ROW && b != NO_ROW && chosen(a))
        .map(|(&a, &b)| u64::from(a) << 32 | u64::from(b))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Whether at most `tolerance` of the sorted `pairs` break the function from first to second.
fn mostly_functional(pairs: &[u64], tolerance: f64) -> bool {
    group_counts(pairs).is_some_and(|groups| {
        let broken: usize = groups.iter().map(|g| g.rows - g.largest).sum();
        broken as f64 <= tolerance * pairs.len() as f64
    })
}

/// The rows sharing a first parent, and how many of them share its most frequent second one.
struct Group {
    rows: usize,
    largest: usize,
}

/// The groups of sorted `pairs` by their first parent (`None` without pairs).
fn group_counts(pairs: &[u64]) -> Option<Vec<Group>> {
    if pairs.is_empty() {
        return None;
    }
    let mut groups = Vec::new();
    for group in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
        let largest = group.chunk_by(|a, b| a == b).map(<[u64]>::len).max();
        groups.push(Group {
            rows: group.len(),
            largest: largest.unwrap_or(0),
        });
    }
    Some(groups)
}

/// The largest share of the pairs that one second parent holds.
fn largest_share(pairs: &[u64]) -> f64 {
    let mut seconds: Vec<u32> = pairs.iter().map(|&pair| pair as u32).collect();
    seconds.sort_unstable();
    let largest = seconds.chunk_by(|a, b| a == b).map(<[u32]>::len).max();
    largest.unwrap_or(0) as f64 / pairs.len().max(1) as f64
}

impl KeyDependence {
    /// Makes `key` follow `earlier` (the earlier key's parent rows, in the same rows) as the
    /// real rows do. Rows with an empty key are left.
    /// `parents`: the key's parent rows, and the class of each (its parent preference's
    /// signature), which a moved row keeps where it can.
    pub fn keep(
        &self,
        earlier: &[Option<usize>],
        key: &mut [Option<usize>],
        parents: KeyParents<'_>,
        rng: &mut SynthRng,
    ) {
        if let (true, Some(owners), Some(offered)) =
            (self.determines_earlier, &self.owners, parents.offered_to)
        {
            let fill = match_empty(earlier, key, owners, rng);
            regroup_offered(earlier, key, (parents, offered, owners), &fill, rng);
        } else if self.determines_earlier {
            regroup(earlier, key, parents, rng);
        } else {
            follow(earlier, key);
        }
    }

    /// Checks a dependence read from a model file: the earlier key is another column of the
    /// table (`header`), and its owners fit the key's parent (`parent_columns` modelled
    /// columns).
    pub fn check(
        &self,
        column: &str,
        header: &[String],
        parent_columns: usize,
    ) -> Result<(), String> {
        if self.earlier == column || !header.contains(&self.earlier) {
            return Err(format!(
                "following `{}`, not another column of the table",
                crate::error::printable(&self.earlier)
            ));
        }
        match &self.owners {
            Some(owners) => owners.check(parent_columns),
            None => Ok(()),
        }
    }
}

/// The rows where both keys are set, as (row, earlier parent, key parent).
fn both_set(earlier: &[Option<usize>], key: &[Option<usize>]) -> Vec<(usize, usize, usize)> {
    earlier
        .iter()
        .zip(key.iter())
        .enumerate()
        .filter_map(|(row, (a, b))| Some((row, (*a)?, (*b)?)))
        .collect()
}

/// Gives all the rows of each earlier parent one key parent: the one most of them have while
/// it has room for them, else the one with the most room (the key parents' rooms are their
/// numbers of rows as assigned, so those survive). The earlier key then determines this one.
fn follow(earlier: &[Option<usize>], key: &mut [Option<usize>]) {
    let rows = both_set(earlier, key);
    let earlier_parents = rows.iter().map(|&(_, a, _)| a + 1).max().unwrap_or(0);
    let key_parents = rows.iter().map(|&(_, _, b)| b + 1).max().unwrap_or(0);
    let mut group = vec![0usize; earlier_parents];
    let mut room = vec![0i64; key_parents];
    for &(_, a, b) in &rows {
        group[a] += 1;
        room[b] += 1;
    }
    let links = rows.iter().map(|&(row, a, b)| (a, b, row)).collect();
    let owner = owners(links, &group, room);
    for (row, a, _) in rows {
        key[row] = owner[a];
    }
}

/// Gives the key's parents owners among the earlier key's parents, class by class
/// ([`owners_by_class`]), then moves the rows whose key parent another owner holds to one their
/// own earlier parent owns, of the same class as the parent they had (`classes`: the parent
/// preference's signature of each key parent, so a long flight keeps a large plane) where one
/// has room: this key then determines the earlier one. Each key parent keeps its number of
/// rows as long as its owner's rows allow. An earlier parent that owns none (fewer key parents
/// have rows than earlier ones) is given a key parent without rows.
fn regroup(
    earlier: &[Option<usize>],
    key: &mut [Option<usize>],
    parents: KeyParents<'_>,
    rng: &mut SynthRng,
) {
    let rows = both_set(earlier, key);
    let key_parents = rows.iter().map(|&(_, _, b)| b + 1).max().unwrap_or(0);
    let mut capacity = vec![0usize; key_parents];
    for &(_, _, b) in &rows {
        capacity[b] += 1;
    }
    let class = |b: usize| parents.class(b);
    let owner = owners_by_class(&rows, &capacity, class);
    let unused_too = Some(parents.rows);
    move_to_owners(key, &rows, (&owner, &capacity), (&class, unused_too), rng);
}

/// Leaves each of `rows` (row, earlier parent, key parent) on its key parent where that
/// parent's owner (`owner`) is the row's earlier parent and has room left (`room_of`), and
/// moves the others to a key parent their earlier parent owns ([`Room::take`]: of the class
/// of the one they had where one has room). With `unused_too` (the number of key parents),
/// an earlier parent that owns none may take one without rows. Returns the room left.
fn move_to_owners(
    key: &mut [Option<usize>],
    rows: &[(usize, usize, usize)],
    (owner, room_of): (&[Option<usize>], &[usize]),
    (class, unused_too): (&impl Fn(usize) -> u16, Option<usize>),
    rng: &mut SynthRng,
) -> Room {
    let mut kept = vec![0usize; owner.len()];
    let mut moved: Vec<(usize, usize, usize)> = Vec::new();
    for &(row, a, b) in rows {
        if owner[b] == Some(a) && kept[b] < room_of[b] {
            kept[b] += 1;
        } else {
            moved.push((row, a, b));
        }
    }
    let mut room = Room::of(owner, room_of, &kept, class, rng);
    if let Some(parent_rows) = unused_too {
        room.unused = unused(key, parent_rows, class, rng);
    }
    for (row, a, b) in moved {
        if let Some(parent) = room.take(a, class(b), rng) {
            key[row] = Some(parent);
        }
    }
    room
}

/// [`regroup`] when each key parent was offered to an earlier parent (`offered`, by key parent:
/// the owner of real parents like it, [`super::owners::Owners`]): every key parent with rows
/// goes to the owner it was offered to, so an airline's fleet is made of the planes it flies
/// in the real data, then fleets are balanced to the rows of their owners
/// ([`balance_fleets`]). Each earlier parent's rows are then shared among its key parents in
/// proportion to numbers of rows drawn from those of the real parents it owned
/// ([`drawn_weights`], [`shares`]), so an airline that flies few planes often or many seldom
/// still does; a moved row takes a parent of the class of the one it had where one has room.
/// The rows in `fill` (empty keys to fill, with their earlier parent) take what room is left.
fn regroup_offered(
    earlier: &[Option<usize>],
    key: &mut [Option<usize>],
    (parents, offered, learned): (KeyParents<'_>, &Offered, &Owners),
    fill: &[(usize, usize)],
    rng: &mut SynthRng,
) {
    let rows = both_set(earlier, key);
    let firsts = rows
        .iter()
        .map(|&(_, a, _)| a)
        .chain(fill.iter().map(|&(_, a)| a));
    let Some(earlier_parents) = firsts.max().map(|a| a + 1) else {
        return;
    };
    let key_parents = rows
        .iter()
        .map(|&(_, _, b)| b + 1)
        .max()
        .unwrap_or(0)
        .max(parents.rows);
    let class = |b: usize| parents.class(b);
    let mut had = vec![0usize; key_parents];
    let mut needs = vec![0usize; earlier_parents];
    for &(_, a, b) in &rows {
        had[b] += 1;
        needs[a] += 1;
    }
    for &(_, a) in fill {
        needs[a] += 1;
    }
    // A parent the assignment gave no rows stays without (parents without children keep
    // their share) unless a fleet needs it.
    let mut owner: Vec<Option<usize>> = (0..key_parents)
        .map(|b| {
            let offered = offered.owner.get(b).copied();
            offered.filter(|&a| a < earlier_parents && had[b] > 0)
        })
        .collect();
    let could_own =
        |b: usize, a: usize| (offered.leaf.get(b)).is_some_and(|&leaf| learned.could_own(leaf, a));
    balance_fleets(&mut owner, &needs, (learned, could_own), rng);
    let fleets = fleets(&owner, earlier_parents);
    let weights = drawn_weights(&fleets, &had, learned, rng);
    let room_of = shares(fleets, &weights, &needs);
    let mut room = move_to_owners(key, &rows, (&owner, &room_of), (&class, None), rng);
    for &(row, a) in fill {
        // No class asked for: any parent of its owner with room.
        key[row] = room.take(a, u16::MAX, rng);
    }
}

/// Empties the key of some rows of each earlier parent, or picks some of its rows with an empty
/// key to fill, so that as many of its rows have an empty key as its real rows had
/// ([`Owners::empty_share`]), rows chosen at random; returns the rows to fill, each with its
/// earlier parent.
fn match_empty(
    earlier: &[Option<usize>],
    key: &mut [Option<usize>],
    owners: &Owners,
    rng: &mut SynthRng,
) -> Vec<(usize, usize)> {
    let mut by_earlier: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (row, (a, b)) in earlier.iter().zip(key.iter()).enumerate() {
        if let Some(a) = *a {
            let (set, empty) = by_earlier.entry(a).or_default();
            match b {
                Some(_) => set.push(row),
                None => empty.push(row),
            }
        }
    }
    let mut fill = Vec::new();
    for (a, (set, empty)) in by_earlier {
        let Some(share) = owners.empty_share(a) else {
            continue;
        };
        let wanted = (share * (set.len() + empty.len()) as f64).round() as usize;
        if wanted > empty.len() {
            let emptied = rand::seq::index::sample(rng, set.len(), wanted - empty.len());
            for index in emptied {
                key[set[index]] = None;
            }
        } else {
            let filled = rand::seq::index::sample(rng, empty.len(), empty.len() - wanted);
            fill.extend(filled.into_iter().map(|index| (empty[index], a)));
        }
    }
    fill.sort_unstable();
    fill
}

/// How many key parents a look for one an owner could have goes through before it takes any.
const OWNER_LOOK: usize = 1024;

/// Moves key parents to the owners whose fleets are too small for their rows from those with
/// more than theirs need, and gives them those without an owner: an owner's fleet is its rows
/// (`needs`) over the mean rows of the real key parents it owned ([`Owners::counts`]; of all
/// key parents for one that owned none), one at least. A moved parent is one the tree could
/// have offered to its new owner (`could_own(parent, owner)`) where one is found among the
/// next [`OWNER_LOOK`] spare ones, in random order; else the next spare one.
fn balance_fleets(
    owner: &mut [Option<usize>],
    needs: &[usize],
    (learned, could_own): (&Owners, impl Fn(usize, usize) -> bool),
    rng: &mut SynthRng,
) {
    let mut fleet = vec![0usize; needs.len()];
    for a in owner.iter().flatten() {
        fleet[*a] += 1;
    }
    let rows: usize = needs.iter().sum();
    let mean = (rows as f64 / owner.len().max(1) as f64).max(1.0);
    let target: Vec<usize> = (0..needs.len())
        .map(|a| {
            let counts = learned.counts(a);
            let per = match counts.is_empty() {
                true => mean,
                false => counts.iter().map(|&c| c as f64).sum::<f64>() / counts.len() as f64,
            };
            let per = per.max(1.0);
            match needs[a] {
                0 => 0,
                need => ((need as f64 / per).round() as usize).max(1),
            }
        })
        .collect();
    let mut spare: Vec<usize> = (0..owner.len()).collect();
    shuffle(&mut spare, rng);
    for a in 0..needs.len() {
        while fleet[a] < target[a] {
            let Some(at) = next_spare(
                &mut spare,
                |b| owner[b].is_none_or(|o| fleet[o] > target[o]),
                |b| could_own(b, a),
            ) else {
                return;
            };
            let b = spare.swap_remove(at);
            if let Some(previous) = owner[b] {
                fleet[previous] -= 1;
            }
            owner[b] = Some(a);
            fleet[a] += 1;
        }
    }
}

/// The place in `spare` of the first parent still spare that `wanted` accepts among the next
/// [`OWNER_LOOK`] still spare, else of the first still spare (`None` when none is); parents no
/// longer spare are dropped on the way.
fn next_spare(
    spare: &mut Vec<usize>,
    still_spare: impl Fn(usize) -> bool,
    wanted: impl Fn(usize) -> bool,
) -> Option<usize> {
    let (mut at, mut first, mut looked) = (0, None, 0);
    while at < spare.len() && looked < OWNER_LOOK {
        let b = spare[at];
        if !still_spare(b) {
            spare.swap_remove(at);
            continue;
        }
        if wanted(b) {
            return Some(at);
        }
        first = first.or(Some(at));
        at += 1;
        looked += 1;
    }
    first
}

/// The key parents each earlier parent (of `earlier_parents`) owns (`owner`, by key parent).
fn fleets(owner: &[Option<usize>], earlier_parents: usize) -> Vec<Vec<usize>> {
    let mut fleets: Vec<Vec<usize>> = vec![Vec::new(); earlier_parents];
    for (b, a) in owner.iter().enumerate() {
        if let Some(fleet) = a.and_then(|a| fleets.get_mut(a)) {
            fleet.push(b);
        }
    }
    fleets
}

/// A number of rows for every key parent of the `fleets`, drawn from those of the real parents
/// its owner owned ([`Owners::counts`]; the rows it had when its owner owned none), the
/// largest to the parent that had the most rows (a plane the flights asked for most).
fn drawn_weights(
    fleets: &[Vec<usize>],
    had: &[usize],
    learned: &Owners,
    rng: &mut SynthRng,
) -> Vec<usize> {
    let mut weights = had.to_vec();
    for (a, fleet) in fleets.iter().enumerate() {
        let mut drawn = stratified(learned.counts(a), fleet.len(), rng);
        if drawn.is_empty() {
            continue;
        }
        drawn.sort_unstable_by(|x, y| y.cmp(x));
        let mut fleet = fleet.clone();
        fleet.sort_by_key(|&b| (Reverse(had[b]), b));
        for (b, weight) in fleet.into_iter().zip(drawn) {
            weights[b] = weight;
        }
    }
    weights
}

/// The rows each key parent takes: each owner's rows (`needs`) shared among the key parents it
/// owns (`fleets`), one each as far as they go (the heaviest first), the rest in proportion to their
/// `weights` beyond one (equally when none has more), the largest remainders rounded up:
/// every owner's rows have room, no parent sits idle while its owner has rows to spare, and
/// parents whose weights add up to their owner's rows take just their weights.
fn shares(mut fleets: Vec<Vec<usize>>, weights: &[usize], needs: &[usize]) -> Vec<usize> {
    let mut room = vec![0usize; weights.len()];
    for (fleet, &need) in fleets.iter_mut().zip(needs) {
        fleet.sort_by_key(|&b| (Reverse(weights[b]), b));
        for &b in fleet.iter().take(need) {
            room[b] = 1;
        }
        let need = need.saturating_sub(fleet.len());
        // Wide enough that no product of a need and weights read from a model file overflows.
        let beyond_one = |b: usize| weights[b].saturating_sub(1) as u128;
        let total: u128 = fleet.iter().map(|&b| beyond_one(b)).sum();
        let weight = |b: usize| if total == 0 { 1 } else { beyond_one(b) };
        let sum = if total == 0 {
            fleet.len() as u128
        } else {
            total
        };
        if sum == 0 || need == 0 {
            continue;
        }
        let mut remainders: Vec<(Reverse<u128>, usize)> = Vec::with_capacity(fleet.len());
        let mut given = 0;
        for &b in fleet.iter() {
            let exact = need as u128 * weight(b);
            let whole = (exact / sum) as usize;
            room[b] += whole;
            given += whole;
            remainders.push((Reverse(exact % sum), b));
        }
        remainders.sort_unstable();
        for &(_, b) in remainders.iter().take(need - given) {
            room[b] += 1;
        }
    }
    room
}

/// The owner of every key parent with rows ([`owners`]), the parents of each class given to
/// the earlier parents as their rows with parents of that class need: a row then finds a
/// parent of its class among its own earlier parent's.
fn owners_by_class(
    rows: &[(usize, usize, usize)],
    capacity: &[usize],
    class: impl Fn(usize) -> u16,
) -> Vec<Option<usize>> {
    let mut by_class: Vec<(u16, usize, usize, usize)> = rows
        .iter()
        .map(|&(row, a, b)| (class(b), b, a, row))
        .collect();
    by_class.sort_unstable();
    let mut owner = vec![None; capacity.len()];
    for rows in by_class.chunk_by(|x, y| x.0 == y.0) {
        let (parents, parent_index) = dense(rows.iter().map(|r| r.1));
        let (earlier, earlier_index) = dense(rows.iter().map(|r| r.2));
        let mut needs = vec![0i64; earlier.len()];
        let links = rows
            .iter()
            .map(|&(_, b, a, row)| {
                needs[earlier_index[&a]] += 1;
                (parent_index[&b], earlier_index[&a], row)
            })
            .collect();
        let size: Vec<usize> = parents.iter().map(|&b| capacity[b]).collect();
        for (item, chosen) in owners(links, &size, needs).into_iter().enumerate() {
            owner[parents[item]] = chosen.map(|chosen| earlier[chosen]);
        }
    }
    owner
}

/// The distinct values, sorted, and the place of each among them.
fn dense(values: impl Iterator<Item = usize>) -> (Vec<usize>, HashMap<usize, usize>) {
    let mut distinct: Vec<usize> = values.collect();
    distinct.sort_unstable();
    distinct.dedup();
    let index = distinct.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    (distinct, index)
}

/// What the key parents of each owner still have room for, a slot per row, grouped by owner
/// and then by class, in random order within a class.
struct Room {
    /// (owner, class, tie-break, key parent), sorted.
    slots: Vec<(usize, u16, u64, usize)>,
    taken: Vec<bool>,
    /// The next slot to look at of each (owner, class) and of each owner, with its end.
    next_of_class: HashMap<(usize, u16), (usize, usize)>,
    next_of_owner: HashMap<usize, (usize, usize)>,
    /// The key parents of each owner, for rows beyond the room.
    owned: HashMap<usize, Vec<usize>>,
    /// Key parents without rows, by class, for owners without key parents.
    unused: BTreeMap<u16, Vec<usize>>,
}

impl Room {
    fn of(
        owner: &[Option<usize>],
        capacity: &[usize],
        kept: &[usize],
        class: &impl Fn(usize) -> u16,
        rng: &mut SynthRng,
    ) -> Room {
        let mut slots = Vec::new();
        let mut owned: HashMap<usize, Vec<usize>> = HashMap::new();
        for (b, owner) in owner.iter().enumerate() {
            if let Some(a) = *owner {
                owned.entry(a).or_default().push(b);
                for _ in kept[b]..capacity[b] {
                    slots.push((a, class(b), rng.random::<u64>(), b));
                }
            }
        }
        slots.sort_unstable();
        let mut next_of_class = HashMap::new();
        let mut next_of_owner = HashMap::new();
        let mut start = 0;
        for run in slots.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            next_of_class.insert((run[0].0, run[0].1), (start, start + run.len()));
            let owner_run = next_of_owner.entry(run[0].0).or_insert((start, start));
            owner_run.1 = start + run.len();
            start += run.len();
        }
        Room {
            taken: vec![false; slots.len()],
            slots,
            next_of_class,
            next_of_owner,
            owned,
            unused: BTreeMap::new(),
        }
    }

    /// A key parent of `owner` for a row: one of `class` with room, else any with room, else
    /// any it owns, else one without rows (of `class` if there is one) that it then owns
    /// (`None` when there is none).
    fn take(&mut self, owner: usize, class: u16, rng: &mut SynthRng) -> Option<usize> {
        let (slots, taken) = (&self.slots, &mut self.taken);
        let mut first_free = |range: Option<&mut (usize, usize)>| {
            let range = range?;
            while range.0 < range.1 && taken[range.0] {
                range.0 += 1;
            }
            (range.0 < range.1).then(|| {
                taken[range.0] = true;
                slots[range.0].3
            })
        };
        first_free(self.next_of_class.get_mut(&(owner, class)))
            .or_else(|| first_free(self.next_of_owner.get_mut(&owner)))
            .or_else(|| {
                let owned = self.owned.get(&owner)?;
                Some(owned[rng.random_range(0..owned.len())])
            })
            .or_else(|| {
                let parent = match self.unused.get_mut(&class).and_then(Vec::pop) {
                    Some(parent) => parent,
                    None => self.unused.values_mut().find_map(Vec::pop)?,
                };
                self.owned.insert(owner, vec![parent]);
                Some(parent)
            })
    }
}

/// The key's parent rows no row has, by class, in random order.
fn unused(
    key: &[Option<usize>],
    parent_rows: usize,
    class: impl Fn(usize) -> u16,
    rng: &mut SynthRng,
) -> BTreeMap<u16, Vec<usize>> {
    let mut used = vec![false; parent_rows];
    for b in key.iter().flatten() {
        if let Some(used) = used.get_mut(*b) {
            *used = true;
        }
    }
    let mut by_class: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for b in (0..parent_rows).filter(|&b| !used[b]) {
        by_class.entry(class(b)).or_default().push(b);
    }
    for parents in by_class.values_mut() {
        shuffle(parents, rng);
    }
    by_class
}

/// The owner of every item with a size (a key parent and its rows, or an earlier parent and
/// its rows), largest first: the owner most of the item's rows are linked to (`links`: item,
/// owner and row, for every row), the earliest row's on a tie, while that owner still needs
/// as many rows; else the one that needs the fewest of those that need as many, else the one
/// that needs the most (the largest on a tie).
fn owners(
    mut links: Vec<(usize, usize, usize)>,
    size: &[usize],
    mut needs: Vec<i64>,
) -> Vec<Option<usize>> {
    links.sort_unstable();
    let mut usual = vec![0usize; size.len()];
    for item in links.chunk_by(|x, y| x.0 == y.0) {
        let runs = item.chunk_by(|x, y| x.1 == y.1);
        // Sorted, a run's first link is its earliest row.
        if let Some(run) = runs.max_by_key(|run| (run.len(), Reverse(run[0].2))) {
            usual[run[0].0] = run[0].1;
        }
    }
    // Owners by need: the best fit for an item is the one that needs the fewest rows of those
    // that need at least its size (large needs stay for large items).
    let mut by_need: BTreeSet<(i64, usize)> = needs
        .iter()
        .enumerate()
        .map(|(owner, &need)| (need, owner))
        .collect();
    let mut order: Vec<usize> = (0..size.len()).filter(|&item| size[item] > 0).collect();
    order.sort_by_key(|&item| (Reverse(size[item]), item));
    let mut owner = vec![None; size.len()];
    for item in order {
        let wanted = size[item] as i64;
        let best_fit = || {
            let fitting = by_need.range((wanted, 0)..).next();
            fitting.or_else(|| by_need.last()).map(|&(_, other)| other)
        };
        let chosen = match needs[usual[item]] >= wanted {
            true => usual[item],
            false => best_fit().unwrap_or(usual[item]),
        };
        by_need.remove(&(needs[chosen], chosen));
        needs[chosen] -= wanted;
        by_need.insert((needs[chosen], chosen));
        owner[item] = Some(chosen);
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::block_stream;

    /// Planes and the airlines of their flights: `planes` planes, each with one airline of
    /// `airlines` (plane % airlines), `flights` flights.
    fn flown(planes: usize, airlines: usize, flights: usize) -> (Vec<u32>, Vec<u32>) {
        let plane: Vec<u32> = (0..flights).map(|row| (row * 7 % planes) as u32).collect();
        let airline = plane.iter().map(|&p| p % airlines as u32).collect();
        (plane, airline)
    }

    /// Keeps a dependence of `key` on `earlier`: (whether `key` determines `earlier`, the
    /// number of key parents and their classes, if any).
    fn keep(
        earlier: &[Option<usize>],
        key: &mut [Option<usize>],
        (determines_earlier, rows, classes): (bool, usize, Option<&[u16]>),
        rng: &mut SynthRng,
    ) {
        let dependence = KeyDependence {
            earlier: "earlier".into(),
            determines_earlier,
            owners: None,
        };
        let parents = KeyParents {
            rows,
            classes,
            offered_to: None,
        };
        dependence.keep(earlier, key, parents, rng);
    }

    #[test]
    fn a_plane_determines_its_airline_and_not_the_other_way() {
        let (plane, airline) = flown(300, 8, 3000);
        assert!(determines(&plane, &airline));
        assert!(!determines(&airline, &plane));
    }

    #[test]
    fn a_large_table_keeps_its_dependence_and_loses_a_broken_one() {
        // 300,000 flights of 20,000 planes, past the rows of the first look (which takes
        // every flight of some planes).
        let (plane, airline) = flown(20_000, 8, 300_000);
        assert!(determines(&plane, &airline));
        // One flight in twenty by another airline, at random.
        let mut rng = block_stream(9, 0);
        let mut broken = airline.clone();
        for airline in &mut broken {
            if rng.random_range(0..20) == 0 {
                *airline = (*airline + 1) % 8;
            }
        }
        assert!(!determines(&plane, &broken));
        let (order, _) = flown(75_000, 8, 300_000);
        assert!(!determines(&order, &plane));
    }

    #[test]
    fn a_dependence_with_more_broken_rows_than_tolerated_is_none() {
        let (plane, mut airline) = flown(300, 8, 3000);
        // 3% of the flights flown by another airline.
        for row in (0..3000).step_by(33) {
            airline[row] = (airline[row] + 1) % 8;
        }
        assert!(!determines(&plane, &airline));
        // 0.5% still is one.
        let (plane, mut airline) = flown(300, 8, 3000);
        for row in (0..3000).step_by(200) {
            airline[row] = (airline[row] + 1) % 8;
        }
        assert!(determines(&plane, &airline));
    }

    #[test]
    fn a_dependence_chance_would_keep_is_none() {
        // A plane per flight (nothing to break), or one airline nearly always.
        let (plane, airline) = flown(3000, 8, 3000);
        assert!(!determines(&plane, &airline));
        let plane: Vec<u32> = (0..3000).map(|row| (row % 1000) as u32).collect();
        let airline: Vec<u32> = (0..3000).map(|row| u32::from(row == 5)).collect();
        assert!(!determines(&plane, &airline));
    }

    #[test]
    fn regrouped_keys_follow_the_earlier_and_keep_their_counts() {
        let mut rng = block_stream(7, 0);
        let rows = 4000;
        let airline: Vec<Option<usize>> = (0..rows).map(|_| Some(rng.random_range(0..5))).collect();
        let mut plane: Vec<Option<usize>> =
            (0..rows).map(|_| Some(rng.random_range(0..200))).collect();
        plane[3] = None;
        let before = crate::keys::counts_by_row(&plane, 200);
        keep(&airline, &mut plane, (true, 200, None), &mut rng);
        assert_eq!(plane[3], None);
        let mut airline_of = vec![None; 200];
        let mut broken = 0;
        for (a, b) in airline.iter().zip(&plane) {
            let (Some(a), Some(b)) = (a, b) else { continue };
            match airline_of[*b] {
                None => airline_of[*b] = Some(*a),
                Some(owner) => broken += usize::from(owner != *a),
            }
        }
        assert!(broken * 100 <= rows, "{broken} rows with another airline");
        let after = crate::keys::counts_by_row(&plane, 200);
        let changed: usize = before.iter().zip(&after).map(|(x, y)| x.abs_diff(*y)).sum();
        assert!(changed * 10 <= rows, "counts moved by {changed} rows");
    }

    /// Who owns each key parent, from rows of (earlier, key), `None` where two owners share one.
    fn owner_of_each(earlier: &[Option<usize>], key: &[Option<usize>]) -> HashMap<usize, usize> {
        let mut owner = HashMap::new();
        let mut shared = Vec::new();
        for (a, b) in earlier.iter().zip(key) {
            let (Some(a), Some(b)) = (a, b) else { continue };
            if *owner.entry(*b).or_insert(*a) != *a {
                shared.push(*b);
            }
        }
        assert!(shared.is_empty(), "parents with two owners: {shared:?}");
        owner
    }

    /// Three airlines and 300 planes, plane `p` of maker `p % 3` flown by airline `p % 3`:
    /// the makers (the planes' one column) and, per flight, the airline and the plane, each
    /// plane of airline 0 flown twice, of airline 1 ten times, of airline 2 five times with no
    /// plane named in every other flight of airline 2.
    fn fleets() -> (
        Vec<crate::data::Column>,
        Vec<Option<usize>>,
        Vec<Option<usize>>,
    ) {
        let (mut airline, mut plane) = (Vec::new(), Vec::new());
        for p in 0..300 {
            let flights = [2, 10, 10][p % 3];
            for flight in 0..flights {
                airline.push(Some(p % 3));
                plane.push((p % 3 != 2 || flight % 2 == 0).then_some(p));
            }
        }
        (
            vec![super::super::owners::tests::makers(300)],
            airline,
            plane,
        )
    }

    /// The owners of the planes (`makers`: their columns) learned from the real rows of
    /// [`fleets`] (three airlines).
    fn owners_of(
        makers: &[crate::data::Column],
        airline: &[Option<usize>],
        plane: &[Option<usize>],
    ) -> Owners {
        let compact = |keys: &[Option<usize>]| crate::keys::compact_rows(keys).expect("fits");
        let privacy = crate::model::Privacy { min_count: 5 };
        let parent = (makers, makers[0].values.len());
        Owners::learn(&compact(plane), &compact(airline), parent, 3, privacy).expect("owners")
    }

    #[test]
    fn offered_parents_go_to_their_owners_and_fly_as_often_as_theirs_did() {
        let (makers, airline, real_plane) = fleets();
        let learned = owners_of(&makers, &airline, &real_plane);
        let mut rng = block_stream(11, 0);
        // Assigned one by one: any plane, a fifth of the keys empty, whatever the airline.
        let mut plane: Vec<Option<usize>> = (0..airline.len())
            .map(|_| rng.random_bool(0.8).then(|| rng.random_range(0..300)))
            .collect();
        let offered = learned.draw(&makers, 300, 5);
        let dependence = KeyDependence {
            earlier: "airline".into(),
            determines_earlier: true,
            owners: Some(learned),
        };
        let parents = KeyParents {
            rows: 300,
            classes: None,
            offered_to: Some(&offered),
        };
        dependence.keep(&airline, &mut plane, parents, &mut rng);
        let owner = owner_of_each(&airline, &plane);
        let own = owner.iter().filter(|&(p, a)| p % 3 == *a).count();
        assert!(
            own * 100 >= owner.len() * 95,
            "{own} of {} planes",
            owner.len()
        );
        for (a, (per_plane, empty)) in [(2.0, 0.0), (10.0, 0.0), (5.0, 0.5)]
            .into_iter()
            .enumerate()
        {
            let rows: Vec<&Option<usize>> = (airline.iter().zip(&plane))
                .filter(|(x, _)| **x == Some(a))
                .map(|(_, p)| p)
                .collect();
            let flown = rows.iter().filter(|p| p.is_some()).count();
            let planes = owner.values().filter(|&&o| o == a).count();
            let mean = flown as f64 / planes as f64;
            assert!(
                (mean / per_plane - 1.0).abs() < 0.15,
                "airline {a}: {mean} flights a plane"
            );
            let share = 1.0 - flown as f64 / rows.len() as f64;
            assert!(
                (share - empty).abs() < 0.02,
                "airline {a}: {share} without a plane"
            );
        }
        // Every real plane of an airline flew as often as the others: so do most synthetic ones.
        let per_plane = crate::keys::counts_by_row(&plane, 300);
        let like_real = (0..300)
            .filter(|&p| {
                owner
                    .get(&p)
                    .is_some_and(|&a| per_plane[p].abs_diff([2, 10, 5][a]) <= 1)
            })
            .count();
        assert!(
            like_real * 10 >= owner.len() * 9,
            "{like_real} of {} planes",
            owner.len()
        );
    }

    #[test]
    fn parents_without_rows_keep_none_where_the_fleets_need_none() {
        let (_, airline, real_plane) = fleets();
        let makers = vec![super::super::owners::tests::makers(330)];
        let learned = owners_of(&makers, &airline, &real_plane);
        // The real keys again, and thirty planes more, without rows.
        let mut plane = real_plane.clone();
        let offered = learned.draw(&makers, 330, 5);
        let dependence = KeyDependence {
            earlier: "airline".into(),
            determines_earlier: true,
            owners: Some(learned),
        };
        let parents = KeyParents {
            rows: 330,
            classes: None,
            offered_to: Some(&offered),
        };
        dependence.keep(&airline, &mut plane, parents, &mut block_stream(4, 0));
        let per_plane = crate::keys::counts_by_row(&plane, 330);
        assert!(
            per_plane[300..].iter().all(|&n| n == 0),
            "{:?}",
            &per_plane[300..]
        );
        assert!(per_plane[..300].iter().all(|&n| n > 0));
    }

    #[test]
    fn fleets_too_small_for_their_rows_take_parents_their_owners_could_have() {
        let (makers, airline, real_plane) = fleets();
        let learned = owners_of(&makers, &airline, &real_plane);
        let leaves = learned.draw(&makers, 300, 5).leaf;
        // Every plane offered to airline 1; airline 0 needs 100 (two flights each), airline 1
        // 100 (ten each), airline 2 fifty (five each).
        let mut owner = vec![Some(1); 300];
        let could_own = |b: usize, a: usize| learned.could_own(leaves[b], a);
        let needs = [200, 1000, 250];
        balance_fleets(
            &mut owner,
            &needs,
            (&learned, could_own),
            &mut block_stream(2, 0),
        );
        let fleet = |a: usize| {
            (0..300)
                .filter(|&b| owner[b] == Some(a))
                .collect::<Vec<_>>()
        };
        assert_eq!([0, 1, 2].map(|a| fleet(a).len()), [100, 150, 50]);
        assert!(fleet(0).iter().all(|b| b % 3 == 0), "{:?}", fleet(0));
        assert!(fleet(2).iter().all(|b| b % 3 == 2), "{:?}", fleet(2));
    }

    #[test]
    fn moved_rows_keep_the_class_of_their_parent() {
        let mut rng = block_stream(3, 0);
        let rows = 2000;
        let airline: Vec<Option<usize>> = (0..rows).map(|_| Some(rng.random_range(0..2))).collect();
        let before: Vec<Option<usize>> = (0..rows).map(|_| Some(rng.random_range(0..8))).collect();
        // Planes 0..4 are small, 4..8 large.
        let classes: Vec<u16> = (0..8).map(|plane| u16::from(plane >= 4)).collect();
        let mut plane = before.clone();
        keep(&airline, &mut plane, (true, 8, Some(&classes)), &mut rng);
        owner_of_each(&airline, &plane);
        let class_of = |plane: &Option<usize>| plane.map(|plane| classes[plane]);
        let same = before
            .iter()
            .zip(&plane)
            .filter(|(b, a)| class_of(b) == class_of(a))
            .count();
        assert!(same * 100 >= rows * 95, "{same} of {rows} kept their class");
    }

    #[test]
    fn owners_without_key_parents_take_unused_ones() {
        // Ten customers, their rows at three of twenty times.
        let customer: Vec<Option<usize>> = (0..60).map(|row| Some(row % 10)).collect();
        let mut time: Vec<Option<usize>> = (0..60).map(|row| Some(row % 3)).collect();
        keep(
            &customer,
            &mut time,
            (true, 20, None),
            &mut block_stream(5, 0),
        );
        let owner = owner_of_each(&customer, &time);
        assert_eq!(owner.len(), 10, "every customer owns a time");
        assert!(time.iter().flatten().all(|&t| t < 20));
    }

    #[test]
    fn followed_keys_take_the_usual_parent_while_it_has_room() {
        // Stores have room for the rows they had: store 4 three, store 2 two, 3 and 1 one.
        // Customer 0 (three rows, two at store 4) takes store 4. Customer 1 (stores 3 and 1, a
        // tie: the earlier row's, 3) does not fit store 3 and takes the best fit, 2 (room for
        // two). Customer 2 (stores 4 and 2) finds both full, and no store with room for two:
        // it takes the roomiest left, 3 (the larger of 1 and 3 on a tie).
        let customer = [
            Some(0),
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            None,
            Some(2),
            Some(2),
        ];
        let mut store = vec![
            Some(4),
            Some(2),
            Some(4),
            Some(3),
            Some(1),
            Some(9),
            Some(4),
            Some(2),
        ];
        keep(
            &customer,
            &mut store,
            (false, 10, None),
            &mut block_stream(1, 0),
        );
        let expected = [
            Some(4),
            Some(4),
            Some(4),
            Some(2),
            Some(2),
            Some(9),
            Some(3),
            Some(3),
        ];
        assert_eq!(store, expected);
    }
}
