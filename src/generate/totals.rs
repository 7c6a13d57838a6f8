//! Parents that wait for their children's totals ([`crate::rules::RuleKind::ChildTotal`]): an
//! order whose total is the sum of its lines is drawn before its lines, so it is held back from
//! the sink until they are made, its totals worked out from them, and only then written.
//!
//! Tables made while a parent waits wait with it, in plan order, and go to the sink together
//! once the last of its children that keeps its totals is made. That child is handed to a
//! folder before them when it is written part by part as it is made (its totals are complete
//! only at its last part); a database, which checks foreign keys as rows arrive, gets them
//! first, the child's parts read back once more beforehand for its totals.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Done, Sink, SyntheticTable, parts};
use crate::error::Result;
use crate::plan::Generation;
use crate::rules::totals::Totals;
use crate::rules::{Col, Rule, RuleKind};
use crate::schema::ForeignKey;
use crate::targets::Targets;
use crate::train::{Models, TrainedTable};

/// How a table made goes to the sink.
pub(super) enum Handoff {
    /// Whole.
    Whole,
    /// In parts filled as they go ([`parts::Filling`], its semantic streams from `base`).
    Filling(u64),
    /// Already written, part by part, as it was made.
    Written,
}

/// A table held back from the sink.
struct Queued {
    table: String,
    handoff: Handoff,
    /// Its columns, when they wait in a file (a table handed on in parts filled as they go):
    /// the table made keeps its keys and the columns later tables read.
    held: Option<parts::Held>,
    /// The totals its children keep, for the held columns.
    totals: Option<Totals>,
}

/// The tables held back from the sink, in plan order, and how long each parent waits.
pub(super) struct Waiting {
    /// Each parent whose totals a later table keeps: the plan position of the last such table.
    until: HashMap<String, usize>,
    /// The rules of each parent that waits ([`Totals::following`] reads them).
    rules: HashMap<String, Vec<Rule>>,
    queue: Vec<Queued>,
}

impl Waiting {
    /// Which parents wait, and until when: a generated table's totals in the parent its
    /// sequences hang off, unless either is kept or given.
    pub fn new(models: &Models, targets: &Targets) -> Waiting {
        let mut until = HashMap::new();
        let made = |table: &str| {
            targets.given(table).is_none()
                && models.tables.get(table).is_some_and(|t| t.kept.is_none())
        };
        for (index, plan) in models.plan.order.iter().enumerate() {
            let Generation::Sequential { key } = &plan.generation else {
                continue;
            };
            let trained = &models.tables[&plan.table];
            if made(&plan.table) && made(&key.parent) && keeps_totals(trained, &key.parent) {
                until.insert(key.parent.clone(), index);
            }
        }
        let rules = until
            .keys()
            .filter_map(|parent| Some((parent.clone(), models.tables.get(parent)?.rules.clone())))
            .collect();
        Waiting {
            until,
            rules,
            queue: Vec::new(),
        }
    }

    /// Nothing waits.
    #[cfg(test)]
    pub fn none() -> Waiting {
        Waiting {
            until: HashMap::new(),
            rules: HashMap::new(),
            queue: Vec::new(),
        }
    }

    /// Whether the table is held back (its keys are then kept until it is written).
    pub fn holds(&self, table: &str) -> bool {
        self.queued(table).is_some()
    }

    /// Whether the table is held back with its columns in memory (which are then kept whole).
    pub fn holds_whole(&self, table: &str) -> bool {
        self.queued(table)
            .is_some_and(|queued| queued.held.is_none())
    }

    fn queued(&self, table: &str) -> Option<&Queued> {
        self.queue.iter().find(|queued| queued.table == table)
    }

    /// Whether the table made at plan position `index` must wait: it waits for its children's
    /// totals, or a table held back waits for a later table's.
    pub fn holds_back(&self, table: &str, index: usize) -> bool {
        let waits = |name: &str| self.until.get(name).is_some_and(|&last| last > index);
        waits(table) || self.queue.iter().any(|queued| waits(&queued.table))
    }

    /// The totals the table `trained` (its sequences under `key`) keeps in its parent, when
    /// the parent is held back for them, sized to the parent's rows.
    pub fn totals(&self, trained: &TrainedTable, key: &ForeignKey, done: &Done) -> Option<Totals> {
        if !self.holds(&key.parent) {
            return None;
        }
        let rows = done.get(&key.parent)?.rows;
        let parent_rules = self.rules.get(&key.parent).map_or(&[][..], Vec::as_slice);
        Totals::new(&trained.rules, &key.parent, rows).map(|totals| totals.following(parent_rules))
    }

    /// Adds up the totals `table` (made whole by `trained`, its sequences under `key`) keeps in
    /// its held-back parent, and puts them there.
    pub fn keep_totals(
        &mut self,
        (trained, key): (&TrainedTable, &ForeignKey),
        table: &SyntheticTable,
        done: &mut Done,
    ) {
        if let Some(mut totals) = self.totals(trained, key, done)
            && let Some(parents) = table.foreign_keys.get(&key.column)
        {
            totals.add(&table.columns, parents);
            self.put(done, &key.parent, totals);
        }
    }

    /// Puts `totals` into the held-back parent `parent`: into its columns in memory (what later
    /// tables read of it, or all of it), and beside its columns held in a file.
    pub fn put(&mut self, done: &mut Done, parent: &str, totals: Totals) {
        if let Some(table) = done.get_mut(parent) {
            totals.put(&mut Arc::make_mut(table).columns, 0);
        }
        if let Some(queued) = self.queue.iter_mut().find(|queued| queued.table == parent)
            && queued.held.is_some()
        {
            queued.totals = Some(totals);
        }
    }

    /// Hands the table made at plan position `index` (already in `done`) to `sink` as
    /// `handoff` says, after the tables held back, or holds it back too (a table handed on in
    /// parts then waits in a file).
    pub fn hand(
        &mut self,
        (index, table): (usize, &str),
        handoff: Handoff,
        (models, done): (&Models, &Done),
        sink: &mut dyn Sink,
    ) -> Result<()> {
        if self.holds_back(table, index) {
            let held = match (&handoff, done.get(table)) {
                (Handoff::Filling(_), Some(made)) => Some(parts::Held::of(made)?),
                _ => None,
            };
            self.queue.push(Queued {
                table: table.to_string(),
                handoff,
                held,
                totals: None,
            });
            return Ok(());
        }
        self.flush((models, done), sink)?;
        let queued = Queued {
            table: table.to_string(),
            handoff,
            held: None,
            totals: None,
        };
        hand_over(queued, (models, done), sink)
    }

    /// Hands every table held back to `sink`, in plan order.
    pub fn flush(&mut self, (models, done): (&Models, &Done), sink: &mut dyn Sink) -> Result<()> {
        for queued in std::mem::take(&mut self.queue) {
            hand_over(queued, (models, done), sink)?;
        }
        Ok(())
    }
}

/// Hands one table of `done` to `sink`.
fn hand_over(queued: Queued, (models, done): (&Models, &Done), sink: &mut dyn Sink) -> Result<()> {
    let Some(made) = done.get(&queued.table) else {
        return Ok(());
    };
    match queued.handoff {
        Handoff::Whole => sink.table(made),
        Handoff::Filling(base) => {
            let table = queued.table.as_str();
            let (Some(plan), Some(trained)) = (models.plan.table(table), models.tables.get(table))
            else {
                return Ok(());
            };
            let filling = parts::Filling {
                plan,
                trained,
                done,
                base,
            };
            filling.write(made, (queued.held, queued.totals.as_ref()), sink)
        }
        Handoff::Written => Ok(()),
    }
}

/// Whether `trained`'s rules keep a total or the values of children in its sequences'
/// parent `parent`.
fn keeps_totals(trained: &TrainedTable, parent: &str) -> bool {
    trained.rules.iter().any(|rule| match &rule.kind {
        RuleKind::ChildTotal {
            total: Col::Parent { table, .. },
            ..
        }
        | RuleKind::ChildValues {
            target: Col::Parent { table, .. },
            ..
        } => table == parent,
        _ => false,
    })
}
