//! The learned model: each column drawn from a tree conditioned on the columns before it and on
//! context (the parent and grandparent rows, the position in the sequence, the previous row).
//!
//! p(row | context) = Π_j p(x_j | x_<j, context), each factor a CART tree over binned features
//! whose leaves keep the real values that reached them; sampling walks the tree and draws a
//! (smoothed) value from the leaf, so marginals, skew and spikes survive while relationships are
//! kept as far as the trees capture them. Dates inside a sequence are modelled as the gap from
//! the previous row (the first one from the parent's date), so order and spacing survive.
//! Children per parent come from a tree over the parent's columns.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use chrono::Datelike;
use rand::RngExt;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::crowding::Crowding;
use super::drawable::{DrawableLeaves, Pick};
use super::encode::{COUNT_BINS, Encoder, MAX_BINS, count_code};
use super::lengths::{self, LengthBound};
use super::marginal::{IdShape, Marginal, smoothed_quantile};
use super::recent::Recent;
use super::runs::Runs;
use super::tree::{Feature, FlatTree, Tree, TreeParams};
use super::{Parent, Row, SequenceColumns, TableModel, TrainingData};
use crate::data::{Column, Value, ValueFormat};
use crate::rules::enforce::Enforcer;
use crate::rules::measure::nearest_fraction;
use crate::rules::{Col, Rule};
use crate::sampling::{SynthRng, in_blocks, rank_matched, standard_normal, stratified};
use crate::schema::ColumnKind;
use crate::stats::{normal_cdf, normal_quantile, pearson};

/// A trained learned model of one table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearnedModel {
    layout: Layout,
    /// Generation order of the columns (indices into the table's columns).
    order: Vec<usize>,
    columns: Vec<ColumnModel>,
    /// Encoders of the table's own columns (features of the current and previous row).
    encoders: Vec<Encoder>,
    /// Protected bounds of numerical and datetime columns.
    bounds: Vec<Option<(f64, f64)>>,
    /// What each column's draws are put on ([`Grid`]): whole numbers, the few values real rows
    /// take, a datetime step.
    grids: Vec<Grid>,
    /// For each datetime column that keeps to some times of day or days of the week, what it
    /// keeps to ([`Clock`]); empty in a model of a table without one. Since format 47.
    #[serde(default)]
    clocks: Vec<Option<Clock>>,
    sequence: Option<SequenceModel>,
    /// For each number column of long sequences, how strongly a row's place among its leaf's
    /// values follows the row before's ([`persistence`]); since format 36.
    persistence: Vec<Option<f64>>,
    /// The table's rules, kept while rows are drawn.
    enforcer: Box<Enforcer>,
    /// The whole-number columns no two rows of a sequence share ([`super::apart`]); since
    /// format 59.
    #[serde(default)]
    apart: Vec<usize>,
    /// The categorical columns whose rows of one parent share a label at most so many times
    /// ([`super::crowding`]); since format 80.
    #[serde(default)]
    crowding: Vec<Crowding>,
    /// The columns empty only in the rows whose datetime lies in its last stretch
    /// ([`super::recent`]); since format 83.
    #[serde(default)]
    recent: Vec<Recent>,
    /// Which columns' codes a tree reads (worked out on first use, see
    /// [`LearnedModel::codes_read`]).
    #[serde(skip)]
    codes_read: OnceLock<Vec<bool>>,
    /// What a draw reads of the parent's context (worked out on first use, see
    /// [`LearnedModel::context_use`]).
    #[serde(skip)]
    context_use: OnceLock<ContextUse>,
}

/// The parent's context columns a learned model reads: those whose codes a tree splits on (the
/// length tree's included), and those the rules compare with. Only these are encoded and
/// copied for each parent row (a parent of millions of rows, each with text and columns no
/// draw looks at).
#[derive(Debug, Clone, Default)]
struct ContextUse {
    coded: Vec<usize>,
    compared: Vec<usize>,
}

/// How many times a value a rule does not accept as drawn is drawn again (see
/// [`Enforcer::acceptable`]); the last draw is then fixed as the rules say.
const REDRAWS: usize = 8;

/// Features that describe a row's place in its sequence: position, length, progress.
const SEQUENCE_FEATURES: usize = 3;

/// The tenth of its sequence a row is in (0..=9).
fn progress_code(position: usize, length: usize) -> u8 {
    (10 * position / length.max(1)).min(9) as u8
}

/// The most columns (of the row, of the previous row, of the context) a column's tree may
/// condition on. Without a cap, training a table of n columns fits trees over n²/2 features:
/// 5,000 columns took minutes. Tables up to this wide are modelled as before; wider ones
/// condition each column on the first columns of the generation order (the narrowest, which
/// trees split on best), the same column in the previous row, and the first context columns.
const MAX_CONDITIONING: usize = 64;

/// Sequences at most this long (on average) condition each row on the previous one.
const SHORT_SEQUENCE: f64 = 50.0;

/// Where each feature sits in a row's code vector.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Layout {
    context: usize,
    sequential: bool,
    columns: usize,
    /// Whether rows see the previous row. Only in short sequences: over hundreds of rows,
    /// conditioning on the previous row turns into a random walk that drifts away from the
    /// real joint distribution.
    previous: bool,
}

impl Layout {
    fn position(&self) -> usize {
        self.context
    }
    fn length(&self) -> usize {
        self.context + 1
    }
    /// How far through its sequence a row is, in tenths: long sequences (an airport's year of
    /// weather) drift without it, since positions past a few hundred share one code.
    fn progress(&self) -> usize {
        self.context + 2
    }
    fn previous(&self, column: usize) -> usize {
        self.context + SEQUENCE_FEATURES + column
    }
    fn current(&self, column: usize) -> usize {
        if self.sequential {
            self.context + SEQUENCE_FEATURES + self.columns + column
        } else {
            column
        }
    }
    fn total(&self) -> usize {
        if self.sequential {
            self.context + SEQUENCE_FEATURES + 2 * self.columns
        } else {
            self.columns
        }
    }
    /// The features that may be used for the column at `rank` in generation order.
    fn allowed(&self, order: &[usize], rank: usize) -> Vec<usize> {
        let mut features: Vec<usize> = Vec::new();
        if self.sequential {
            features.extend(0..self.context.min(MAX_CONDITIONING));
            features.extend(self.context..self.context + SEQUENCE_FEATURES);
            if self.previous && self.columns <= MAX_CONDITIONING {
                features.extend((0..self.columns).map(|column| self.previous(column)));
            } else if self.previous {
                let own = order[rank];
                let first = order[..MAX_CONDITIONING - 1].iter().filter(|&&c| c != own);
                let mut previous: Vec<usize> = first.chain([&own]).copied().collect();
                previous.sort_unstable();
                features.extend(previous.into_iter().map(|column| self.previous(column)));
            }
        }
        let earlier = &order[..rank.min(MAX_CONDITIONING)];
        features.extend(earlier.iter().map(|&column| self.current(column)));
        features
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ColumnModel {
    /// Drawn from a conditional tree.
    Tree(Conditional),
    /// A datetime inside a sequence: the first value from `first` (offset from the parent's
    /// date when it has one), later values as `previous + gap`, or (`from_anchor`, since
    /// format 25) as offsets from the parent's date too.
    Gap {
        first: Box<Conditional>,
        next: Box<Conditional>,
        from_anchor: bool,
        /// How the gaps step on where the real sequences are in order (since format 35).
        walk: Option<Walk>,
        /// Whether the cell is empty, for a column some of whose cells are (then `first` and
        /// `next` hold only values): learned over every row, where `next` sees only the rows
        /// after one with a value. An account's closing date after an earlier closed account
        /// of its customer was drawn from 50 such rows, too few for a tree to tell the
        /// closed accounts from the open ones: one in four came out with the wrong one.
        /// Since format 49.
        #[serde(default)]
        presence: Option<Box<Conditional>>,
    },
    /// Ids, free text and empty columns: drawn on their own.
    Marginal(Marginal),
    /// Ids or free text some of whose cells are empty: whether a row's cell is empty is drawn
    /// from a tree over the earlier columns ([`ColumnModel::presence`]), its value on its own.
    /// A bank transfer's counterparty IBAN is there only on credits; drawn at the column's
    /// rate of empty cells, one debit in seven came out with one. Since format 49.
    Sparse {
        /// Whether the cell is empty: leaves of [`PRESENT`] labels and empty cells.
        presence: Box<Conditional>,
        /// The values of the cells that are not.
        values: Marginal,
    },
    /// Ids whose code ([`IdShape::code_of`]) follows earlier columns of the row: the code
    /// (or an empty cell) is drawn from a tree over them, the rest of the id in the shape of
    /// the ids that carry it. A patient's member id starts with the insurer's code (`CIG` for
    /// Cigna); drawn on its own, 1,398 of 2,000 members held another insurer's. Since
    /// format 51.
    Coded {
        /// The row's code: leaves of code spellings, [`RARE`] for an id of no frequent code,
        /// and empty cells.
        code: Box<Conditional>,
        /// The ids ([`IdShape::tied`]), never empty.
        values: Marginal,
    },
    /// A number the rules keep on a few fractions of the sequence parent's column
    /// ([`crate::rules::RuleKind::Fractions`]): which fraction is a hidden label drawn from a
    /// tree over the row's place in its sequence, its parent, the row before and the earlier
    /// columns, and the value is that fraction of the parent's. A hotel's payment drawn as an
    /// amount was a deposit, a balance or the whole total by chance; drawn as a fraction, a
    /// booking paid in two pays a deposit then its balance, a cancelled one a deposit only.
    /// Since format 68.
    Share {
        /// The row's fraction, as its label ([`fraction_label`]), or an empty cell.
        fraction: Box<Conditional>,
        /// The context column (the parent's) the fraction is of.
        of: usize,
    },
}

impl ColumnModel {
    /// The tree that says whether a row's cell is empty, for a column that has one: drawn
    /// before the value, which then never is.
    fn presence(&self) -> Option<&Conditional> {
        match self {
            ColumnModel::Sparse { presence, .. } => Some(presence),
            ColumnModel::Gap { presence, .. } => presence.as_deref(),
            ColumnModel::Tree(_)
            | ColumnModel::Marginal(_)
            | ColumnModel::Coded { .. }
            | ColumnModel::Share { .. } => None,
        }
    }

    /// A fresh label for a rare one drawn, when the column's rows mostly hold rare labels.
    fn fresh_label(&self, rng: &mut SynthRng) -> Option<Value> {
        match self {
            ColumnModel::Tree(conditional) => conditional.fallback.fresh_label(rng),
            ColumnModel::Gap { first, .. } => first.fallback.fresh_label(rng),
            ColumnModel::Marginal(marginal) => marginal.fresh_label(rng),
            ColumnModel::Sparse { values, .. } | ColumnModel::Coded { values, .. } => {
                values.fresh_label(rng)
            }
            ColumnModel::Share { .. } => None,
        }
    }

    /// A value of the column drawn on its own, never empty: what a rare label is written as
    /// (empty for a share, which is nothing without its parent's value).
    fn frequent_value(&self, rng: &mut SynthRng) -> Value {
        match self {
            ColumnModel::Share { .. } => Value::Null,
            ColumnModel::Tree(conditional) => conditional.fallback.sample_present(rng),
            ColumnModel::Gap { first, .. } => first.fallback.sample_present(rng),
            ColumnModel::Marginal(marginal) => marginal.sample_present(rng),
            ColumnModel::Sparse { values, .. } | ColumnModel::Coded { values, .. } => {
                values.sample_present(rng)
            }
        }
    }
}

/// How a datetime whose real sequences move forward in the column's order steps on: the mean of
/// its real gaps and the smallest one above zero. A sequence of drawn gaps drifts from the real
/// pace like a random walk: the 1,691 hours of weather at one airport overshot the year's last
/// day by four days, and its last 20 rows, reflected back inside, came out of order and on
/// hours other rows of the airport held. [`Walk::fit`] keeps a sequence inside.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Walk {
    mean: f64,
    step: f64,
    /// Whether the column's real values are mostly distinct ([`SPREAD_DISTINCT`]): a gap that
    /// would run past the room left is then drawn afresh inside it, where a few repeated
    /// values (a school's terms) keep the cut at the bound. Since format 85.
    #[serde(default)]
    spread: bool,
}

/// The share of a column's real values that must be distinct for its walk to spread a gap
/// cut at the bound ([`Walk::fit`]): a shipment's creation time, not a term's start.
const SPREAD_DISTINCT: f64 = 0.9;

impl Walk {
    /// The walk of `gaps` (each row's gap from the row before), when at least 99% go forward
    /// and one is above zero.
    fn of(gaps: &[f64]) -> Option<Walk> {
        let forward = gaps.iter().filter(|&&gap| gap >= 0.0).count();
        if (forward as f64) < 0.99 * gaps.len() as f64 {
            return None;
        }
        let step = gaps
            .iter()
            .copied()
            .filter(|&gap| gap > 0.0)
            .min_by(f64::total_cmp)?;
        // The pace of the rows that go forward (a step back is not a pace to keep).
        let mean = gaps.iter().filter(|&&gap| gap >= 0.0).sum::<f64>() / forward as f64;
        Some(Walk {
            mean,
            step,
            spread: false,
        })
    }

    /// The walk spreading gaps cut at the bound when most of the column's real `values`
    /// (the empty ones left out) are distinct.
    fn spreading(self, values: &[Value]) -> Walk {
        let filled = values.iter().filter(|v| !v.is_null()).count();
        // The empty cells count as one distinct value: not one of the filled ones.
        let distinct = distinct_values(values) - usize::from(filled < values.len());
        let spread = filled > 0 && distinct as f64 >= SPREAD_DISTINCT * filled as f64;
        Walk { spread, ..self }
    }

    /// A forward `gap` drawn for a row, fitted into the `room` left before the upper bound for
    /// it and the `remaining - 1` rows after it. Where the room allows less than the mean gap a
    /// row, gaps shrink in proportion (a sequence ahead of the real pace slows down; one behind
    /// it is left alone), and no gap takes the step each later row needs. A gap stays at least
    /// a step (rows on one instant where no real rows are): past the bound only when the room
    /// holds fewer steps than rows.
    ///
    /// A gap past `most` (the room less the later rows' steps) is cut there, unless the walk
    /// spreads ([`Walk::spread`]): then it is drawn uniformly between a step and `most` (`draw`
    /// gives a uniform number in [0, 1), asked only then). Rows that happen at random times
    /// and no more before the bound fall uniformly in the room left; cut, the last shipment
    /// of eight customers in 1,500 came out on the column's last second, and their deliveries
    /// days past the real data's end.
    fn fit(&self, gap: f64, room: f64, remaining: usize, draw: impl FnOnce() -> f64) -> f64 {
        if gap <= 0.0 || remaining == 0 {
            return gap;
        }
        let pace = room / remaining as f64;
        let slowed = match pace < self.mean {
            true => gap * (pace / self.mean).max(0.0),
            false => gap,
        };
        let most = room - (remaining - 1) as f64 * self.step;
        if self.spread && slowed > most && most > self.step {
            return self.step + draw() * (most - self.step);
        }
        slowed.min(most).max(self.step)
    }

    /// The latest first value of a sequence of `rows` rows that leaves the others a step each
    /// before `high`. A year of monthly payslips drawn to start in the real data's last month
    /// ran a year past it (2,529 of 7,670 after the last real period).
    fn latest_start(&self, high: f64, rows: usize) -> f64 {
        high - rows.saturating_sub(1) as f64 * self.step
    }

    fn check(&self) -> Result<(), String> {
        match self.mean.is_finite() && self.step.is_finite() && self.step > 0.0 {
            true => Ok(()),
            false => Err("a sequence's walk that is not a positive step".into()),
        }
    }
}

/// A tree over some features with the real values of each leaf.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Conditional {
    tree: Tree,
    /// Layout index of each of the tree's features.
    features: Vec<usize>,
    leaves: Vec<LeafValues>,
    fallback: Marginal,
    /// The tree and `leaves` laid out for drawing (built on the first draw).
    #[serde(skip)]
    drawable: OnceLock<Box<Drawable>>,
}

/// A [`Conditional`] laid out for drawing: its tree flat (when it fits), its leaves, and
/// whether a draw can give null.
#[derive(Debug, Clone)]
struct Drawable {
    flat: Option<FlatTree>,
    leaves: DrawableLeaves,
    never_null: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LeafValues {
    nulls: usize,
    /// Non-null values; numbers sorted (for smoothing). As runs: sorted values repeat a lot.
    values: Runs,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SequenceModel {
    context_encoders: Vec<Encoder>,
    /// The context column (the parent's first datetime) that first dates are offsets from.
    anchor: Option<usize>,
    length_tree: Tree,
    length_leaves: Vec<Vec<usize>>,
    /// The ranges a parent's codes set on its number of children, where every real parent of
    /// the code kept one (see [`lengths`]). Since format 79.
    #[serde(default)]
    length_bounds: Vec<LengthBound>,
}

/// Training rows in sequence order with their place in the sequence.
struct Sequences {
    /// Row indices of the table, grouped by parent and ordered within each sequence.
    rows: Vec<usize>,
    position: Vec<usize>,
    length: Vec<usize>,
    /// The previous row of the same sequence (a table row index).
    previous: Vec<Option<usize>>,
    parent: Vec<Option<usize>>,
}

impl LearnedModel {
    /// Trains on a table and, for a sequential table, its parent context.
    pub fn train(data: &TrainingData<'_>) -> LearnedModel {
        let table = data.table;
        let columns = &table.columns;
        let min_count = data.privacy.threshold(table.rows());
        let params = super::tree_params(data.privacy, table.rows());
        let encoders: Vec<Encoder> = columns
            .iter()
            .map(|column| Encoder::fit(column, min_count))
            .collect();
        let context = data
            .parent
            .as_ref()
            .map(|link| link.context.as_slice())
            .unwrap_or(&[]);
        let sequences = Sequences::of(data);
        let layout = Layout {
            context: context.len(),
            sequential: data.parent.is_some(),
            columns: columns.len(),
            previous: sequences.mean_length() <= SHORT_SEQUENCE,
        };
        let context_encoders: Vec<Encoder> = context
            .iter()
            .map(|column| Encoder::fit(column, min_count))
            .collect();
        let anchor = context
            .iter()
            .position(|c| c.kind == ColumnKind::Datetime && c.values.iter().all(|v| !v.is_null()));
        let codes = feature_codes(
            layout,
            &sequences,
            columns,
            &encoders,
            context,
            &context_encoders,
        );
        let ordered = ordered_features(layout, &encoders, &context_encoders);
        let context_parents = parents_per_code(data, context, &context_encoders);
        let in_sequence = drawn_in_sequence(data, layout, &sequences);
        let mut recent = super::recent::learn(columns, min_count, data.from_children);
        let waiting: Vec<(usize, usize)> = recent.iter().map(|r| (r.column, r.source)).collect();
        let (enforcer, order) = Enforcer::compile_waiting(
            data.rules,
            (columns, context),
            generation_order(columns, data.from_children),
            &in_sequence,
            &waiting,
        );
        // The rules may still draw a column before its source: then the row's time is unknown.
        let rank = |column: usize| order.iter().position(|&c| c == column);
        for recent in &mut recent {
            recent.enforced = rank(recent.source) < rank(recent.column);
        }
        let derived = derived_context(data.rules, context);
        let unread = unread_features(layout, &derived, data.from_children);
        // Long sequences see no previous row (see `Layout::previous`): a row's place in its
        // leaf is carried on instead.
        let carried = layout.sequential && !layout.previous;
        let (models, persistence): (Vec<ColumnModel>, Vec<Option<f64>>) = (0..columns.len())
            .into_par_iter()
            .map(|column| {
                let rank = order.iter().position(|&c| c == column).unwrap_or(0);
                let mut allowed = layout.allowed(&order, rank);
                allowed.retain(|feature| !unread.contains(feature));
                let setup = ColumnSetup {
                    column: &columns[column],
                    allowed: &allowed,
                    codes: &codes,
                    ordered: &ordered,
                    context_parents: &context_parents,
                    sequences: &sequences,
                    min_count,
                    params,
                };
                let share = enforcer.fractions(column).and_then(|(of, fractions)| {
                    let parent = context.get(of)?;
                    train_share(&setup, parent, (of, fractions), min_count)
                });
                if let Some(share) = share {
                    return (share, None);
                }
                let on_its_own = data.marginal(column, min_count);
                let anchor = anchor.map(|a| &context[a]);
                let carried = carried
                    && !enforcer.derives(column)
                    && sequences.in_order(&columns[column]) < ORDERED_BY_PLACE;
                train_column(&setup, on_its_own, (in_sequence[column], carried), anchor)
            })
            .unzip();
        let sequence = data.parent.as_ref().map(|link| {
            let counts = link.children_per_parent();
            let (length_tree, length_leaves) =
                train_lengths(counts, context, &context_encoders, params);
            let coded = (context, &context_encoders[..]);
            let length_bounds = lengths::learn(counts, coded, &derived, min_count);
            SequenceModel {
                context_encoders,
                anchor,
                length_tree,
                length_leaves,
                length_bounds,
            }
        });
        LearnedModel {
            layout,
            order,
            columns: models,
            encoders,
            bounds: columns
                .iter()
                .map(|column| protected_bounds(column, min_count))
                .collect(),
            grids: columns
                .iter()
                .map(|column| Grid::of(column, min_count))
                .collect(),
            clocks: clocks(columns, min_count),
            sequence,
            persistence,
            apart: kept_apart(data, &sequences, &enforcer),
            crowding: crowdings(data, &sequences, min_count),
            recent,
            enforcer: Box::new(enforcer),
            codes_read: OnceLock::new(),
            context_use: OnceLock::new(),
        }
    }

    /// One row given the context part of its codes (parent, position, length, previous row).
    /// Values of the first column for `n` rows of a table without context, drawn stratified
    /// (its tree has no feature to split on): small tables such as 5 regions or 16 airlines
    /// then keep their exact mix instead of repeating some values and losing others.
    fn stratified_first_column(&self, n: usize, rng: &mut SynthRng) -> Vec<Value> {
        match self.order.first().map(|&column| &self.columns[column]) {
            Some(ColumnModel::Tree(conditional)) if !self.layout.sequential => {
                let mut values = conditional.stratified(n, rng);
                values.shuffle(rng);
                values
            }
            _ => Vec::new(),
        }
    }

    /// Draws the rows of `drafts` together, column by column in generation order: each
    /// column's tree and leaves are read for every draft in turn, so they stay in the cache
    /// (drawn row by row, the trees of all columns took turns and were read from memory).
    fn draw_rows(&self, drafts: &mut [Draft<'_>], rng: &mut SynthRng) {
        for &column in &self.order {
            let persistence = self.persistence.get(column).copied().flatten();
            if let Some(rho) = persistence {
                carry_ranks(column, rho, drafts, rng);
            }
            match &self.columns[column] {
                ColumnModel::Tree(conditional) if self.enforcer.keeps_draws(column) => {
                    self.draw_column_at_once(column, conditional, drafts, rng);
                }
                model => {
                    let bounded = self.bounded_drafts(model, column, drafts);
                    for (draft, bounded) in drafts.iter_mut().zip(bounded) {
                        self.draw_cell(column, draft, bounded, rng);
                    }
                }
            }
            if persistence.is_some() {
                drafts.iter_mut().for_each(|draft| draft.rank = None);
            }
        }
    }

    /// [`LearnedModel::bounded`] for every draft. Where a bounded draw looks first depends on
    /// the draft's bounds and leaf, not on a random number: asked for here, before any draft
    /// is drawn, the cache misses of all the drafts overlap.
    fn bounded_drafts<'m>(
        &'m self,
        model: &'m ColumnModel,
        column: usize,
        drafts: &[Draft<'_>],
    ) -> Vec<Option<Bounded<'m>>> {
        drafts
            .iter()
            .map(|draft| {
                let bounded = self.bounded(model, column, draft)?;
                bounded
                    .leaves
                    .prefetch_within(bounded.leaf, bounded.range.0);
                Some(bounded)
            })
            .collect()
    }

    /// Draws one column of every draft as [`LearnedModel::draw_cell`] does, for a column drawn
    /// from a tree whose draws the rules keep as drawn (no redraw, no random fix), in three
    /// passes: every draft's leaf, then every draft's random numbers (in draft order, as one
    /// by one), then the values. A value's read is a cache miss in a large leaf; asked for
    /// ahead, the misses of all the drafts overlap instead of following one another.
    fn draw_column_at_once(
        &self,
        column: usize,
        conditional: &Conditional,
        drafts: &mut [Draft<'_>],
        rng: &mut SynthRng,
    ) {
        let leaves = conditional.drawable_leaves();
        let found = conditional.leaves_of(drafts);
        for &leaf in &found {
            leaves.prefetch_leaf(leaf);
        }
        // A value the rules derive replaces a drawn one that is not null: a column that never
        // draws null is drawn only where the rules cannot derive it.
        let derivable = self.enforcer.derives(column) && conditional.never_null();
        let derived = |draft: &Draft<'_>| {
            derivable
                .then(|| self.enforcer.derived(column, draft.row, draft.context))
                .flatten()
        };
        let picked: Vec<Result<Pick, Value>> = drafts
            .iter_mut()
            .zip(found)
            .map(
                |(draft, leaf)| match draft.first.take().or_else(|| derived(draft)) {
                    Some(value) => Err(value),
                    None => match leaves.pick(leaf, draft.rank, rng) {
                        Pick::Empty => Err(conditional.fallback.sample(rng)),
                        pick => {
                            leaves.prefetch(pick);
                            Ok(pick)
                        }
                    },
                },
            )
            .collect();
        let periods = self.enforcer.may_be_out_of_place(column);
        for (draft, pick) in drafts.iter_mut().zip(picked) {
            let value = match pick {
                Ok(pick) => leaves.value(pick).unwrap_or(Value::Null),
                Err(value) => value,
            };
            let model = &self.columns[column];
            let value = match periods {
                true => self.redrawn(model, column, draft, value, rng),
                false => value,
            };
            let value = match self.refused(column, draft, &value) {
                true => self.present(model, column, draft, value, rng),
                false => match self.wants_recent(column, draft, &value) {
                    Some(recent) => self.as_recent(recent, model, draft, value, rng),
                    None => value,
                },
            };
            self.keep_drawn(column, draft, value, None, rng);
        }
    }

    /// `value`, drawn again from the column's model while the rules do not accept it, at most
    /// [`REDRAWS`] times (a value outside its period of the row's day, a clock time no real row
    /// shows, a number outside its bounds).
    fn redrawn(
        &self,
        model: &ColumnModel,
        column: usize,
        draft: &Draft<'_>,
        mut value: Value,
        rng: &mut SynthRng,
    ) -> Value {
        for _ in 0..REDRAWS {
            if self
                .enforcer
                .acceptable(column, &value, draft.row, draft.context)
            {
                break;
            }
            value = self.draw(model, column, draft, None, rng);
        }
        value
    }

    /// Whether `value` of `column` is seen only in recent rows ([`Recent`]) and `draft`'s row
    /// lies before them.
    fn refused(&self, column: usize, draft: &Draft<'_>, value: &Value) -> bool {
        self.recent
            .iter()
            .any(|recent| recent.column == column && recent.refuses(value, draft.row))
            && !self.marked(column, draft)
    }

    /// Whether a column drawn before `column` holds a recent value the rules drew before its
    /// source ([`Recent::marks`]): `draft`'s row is a recent one, whatever its source says.
    fn marked(&self, column: usize, draft: &Draft<'_>) -> bool {
        let rank = |column: usize| self.order.iter().position(|&c| c == column);
        self.recent
            .iter()
            .any(|recent| rank(recent.column) < rank(column) && recent.marks(draft.row))
    }

    /// The recent values of `column` that `draft`'s row, made recent by an earlier column
    /// ([`LearnedModel::marked`]), wants where `value` is none of them.
    fn wants_recent(&self, column: usize, draft: &Draft<'_>, value: &Value) -> Option<&Recent> {
        let recent = self
            .recent
            .iter()
            .find(|recent| recent.column == column && recent.enforced)?;
        (!recent.holds(value) && self.marked(column, draft)).then_some(recent)
    }

    /// `value` of a column drawn from a tree, in a row an earlier column made recent
    /// (`recent`): drawn again at most [`REDRAWS`] times as in a row of the stretch (the
    /// source coded as its first day), the first recent value kept. A parcel drawn without a
    /// pick-up months before the snapshot is `Label Created` as the recent ones are, not
    /// `Delivered` as the rows of its month.
    fn as_recent(
        &self,
        recent: &Recent,
        model: &ColumnModel,
        draft: &Draft<'_>,
        value: Value,
        rng: &mut SynthRng,
    ) -> Value {
        let ColumnModel::Tree(conditional) = model else {
            return value;
        };
        let (source, after) = recent.stretch_start();
        let mut codes = draft.codes.to_vec();
        if let Some(code) = codes.get_mut(self.layout.current(source)) {
            *code = self.encoders[source].encode(&Value::Number(after));
        }
        for _ in 0..REDRAWS {
            let again = conditional.sample(&codes, rng);
            if recent.holds(&again) {
                return again;
            }
        }
        value
    }

    /// Whether a cell of `column` is empty, by its `presence` tree: drawn again at most
    /// [`REDRAWS`] times while empty where the column is empty only in recent rows and the row
    /// is not one ([`Recent`]); a leaf of empty rows only (a parcel whose status says it is on
    /// its way) stays empty.
    fn drawn_empty(
        &self,
        presence: &Conditional,
        column: usize,
        draft: &Draft<'_>,
        rng: &mut SynthRng,
    ) -> bool {
        let empty = presence.sample_at(draft.codes, None, rng).is_null();
        if !empty || !self.refused(column, draft, &Value::Null) {
            return empty;
        }
        (0..REDRAWS).all(|_| presence.sample_at(draft.codes, None, rng).is_null())
    }

    /// `value` (drawn), or, where it is seen only in recent rows and the row is not one
    /// ([`Recent`]), drawn again at most [`REDRAWS`] times (kept where every draw is such a
    /// value: the earlier columns allow no other); or, where it is empty in a row an empty
    /// rule wants a value in (read the other way), a value of the column on its own (a leaf of
    /// empty rows).
    fn present(
        &self,
        model: &ColumnModel,
        column: usize,
        draft: &Draft<'_>,
        value: Value,
        rng: &mut SynthRng,
    ) -> Value {
        let value = match self.wants_recent(column, draft, &value) {
            Some(recent) => self.as_recent(recent, model, draft, value, rng),
            None => value,
        };
        if self.refused(column, draft, &value) {
            for _ in 0..REDRAWS {
                let again = self.draw(model, column, draft, None, rng);
                if !self.refused(column, draft, &again) {
                    return again;
                }
            }
            return value;
        }
        let wanted = value.is_null()
            && !self
                .enforcer
                .acceptable(column, &value, draft.row, draft.context);
        match wanted {
            true => model.frequent_value(rng),
            false => value,
        }
    }

    /// Draws one column of a draft row (its earlier columns already drawn): the model's value,
    /// drawn again while the rules do not accept it, then kept ([`LearnedModel::keep_drawn`]).
    /// A column the rules bound is drawn first inside its bounds (`bounded`).
    fn draw_cell(
        &self,
        column: usize,
        draft: &mut Draft<'_>,
        bounded: Option<Bounded<'_>>,
        rng: &mut SynthRng,
    ) {
        let interval = bounded.as_ref().map(|bounded| bounded.interval);
        let value = match draft.first.take() {
            Some(value) => value,
            None => {
                let model = &self.columns[column];
                let rank = draft.rank.take();
                let empty = model
                    .presence()
                    .is_some_and(|presence| self.drawn_empty(presence, column, draft, rng));
                let value = match empty {
                    true => Value::Null,
                    false => bounded
                        .and_then(|bounded| bounded.draw(rank, rng))
                        .unwrap_or_else(|| self.draw(model, column, draft, rank, rng)),
                };
                let value = self.redrawn(model, column, draft, value, rng);
                self.present(model, column, draft, value, rng)
            }
        };
        self.keep_drawn(column, draft, value, interval, rng);
    }

    /// Puts a drawn value of `column` into its draft: clipped, rounded and fixed as the rules
    /// say (`interval`: the draft's bounds when already found, [`Enforcer::interval`]); its
    /// code goes into the row's codes when a tree reads it.
    fn keep_drawn(
        &self,
        column: usize,
        draft: &mut Draft<'_>,
        value: Value,
        interval: Option<(f64, f64)>,
        rng: &mut SynthRng,
    ) {
        // A rare label is coded as in training, and written as a frequent one of its leaf.
        let rare_code = is_rare(&value).then(|| self.encoders[column].encode(&value));
        let value = match rare_code {
            Some(_) => self.frequent_like(column, draft, rng),
            None => value,
        };
        let value = match self.walked(column, draft, &value, interval, rng) {
            Some(walked) => walked,
            None => clip(value, self.bounds[column]),
        };
        let value = match value {
            Value::Number(x) => {
                let grid = &self.grids[column];
                let interval = match grid.looks_within() {
                    true => interval.or_else(|| self.interval(column, draft)),
                    false => None,
                };
                Value::Number(self.on_clock(column, grid.put_within(x, interval), rng))
            }
            value => value,
        };
        let range = match self.floor_within(column, draft, interval) {
            Some(floor) => Some(
                self.bounds[column]
                    .map_or((floor, f64::INFINITY), |(low, high)| (low.max(floor), high)),
            ),
            None => self.bounds[column],
        };
        let ceiling = self.walk_ceiling(column, draft);
        let range = match (range, ceiling) {
            (Some((low, high)), Some(ceiling)) if low <= ceiling => Some((low, high.min(ceiling))),
            (None, Some(ceiling)) => Some((f64::NEG_INFINITY, ceiling)),
            (range, _) => range,
        };
        let value = if self.enforcer.changes(column) {
            let drawn = (&*draft.row, draft.context);
            let fixed = self
                .enforcer
                .fix(column, value, drawn, (range, interval), rng);
            self.on_real_value(column, draft, fixed, range)
        } else {
            value
        };
        let value = self.anchored(column, draft, value, ceiling);
        if self.codes_read()[column] {
            // A rare label stays rare for the trees of later columns (as in training) when the
            // rules at most put another label in its place: planes of rare models, written as
            // a frequent model of their maker, keep the seats and speeds of rare planes.
            let rare = rare_code.filter(|_| !value.is_null() && !self.enforcer.derives(column));
            draft.codes[self.layout.current(column)] =
                rare.unwrap_or_else(|| self.encoders[column].encode(&value));
        }
        draft.row[column] = value;
    }

    /// `value` of `column` in `draft`, moved by the rules' bounds off the column's few real
    /// values ([`Grid::Values`]: a term's start date), put on the nearest of them inside those
    /// bounds and `range`, where one is. Redrawn as the other side plus a real gap (a term's
    /// start from the first day of the student's graduation year), 174 of 25,436 enrolments
    /// fell days off every real date, some terms took two start dates and ids ran out of date
    /// order.
    fn on_real_value(
        &self,
        column: usize,
        draft: &Draft<'_>,
        value: Value,
        range: Option<(f64, f64)>,
    ) -> Value {
        let (Grid::Values(values), Value::Number(x)) = (&self.grids[column], &value) else {
            return value;
        };
        let on_grid = values.binary_search_by(|v| v.total_cmp(x)).is_ok();
        if on_grid || !self.enforcer.only_bounds(column) {
            return value;
        }
        let Some((low, high)) = self.enforcer.interval(column, draft.row, draft.context) else {
            return value;
        };
        let (low, high) = match range {
            Some((min, max)) if low.max(min) <= high.min(max) => (low.max(min), high.min(max)),
            _ => (low, high),
        };
        let inside = &values[values.partition_point(|&v| v < low)..];
        let inside = &inside[..inside.partition_point(|&v| v <= high)];
        let distance = |v: &f64| (v - x).abs();
        (inside.iter().copied())
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            .map_or(value, Value::Number)
    }

    /// `value` of `column` in `draft` as the rules' copies in the rows of a label keep it
    /// ([`Enforcer::anchored`]): the parent's value in a row of the label, where it lies
    /// above the row before and below `ceiling` ([`LearnedModel::walk_ceiling`]) for a column
    /// drawn in its sequence's order; else no higher than `ceiling`, whatever the rules left
    /// (a sequence's last row is put back from its bound, not walked).
    fn anchored(
        &self,
        column: usize,
        draft: &Draft<'_>,
        value: Value,
        ceiling: Option<f64>,
    ) -> Value {
        let drawn = (&*draft.row, draft.context);
        if let Some(x) = self.enforcer.anchored(column, drawn) {
            let floor = self.walk_floor(column, draft);
            if floor.is_none_or(|floor| x > floor) && ceiling.is_none_or(|ceiling| x <= ceiling) {
                return Value::Number(x);
            }
        }
        match (value, ceiling) {
            (Value::Number(x), Some(ceiling)) if x > ceiling => Value::Number(ceiling),
            (value, _) => value,
        }
    }

    /// `x` of `column` at a time of day and on a day of the week its real values have, for a
    /// datetime column that keeps to some ([`Clock`]).
    fn on_clock(&self, column: usize, x: f64, rng: &mut SynthRng) -> f64 {
        match self.clocks.get(column) {
            Some(Some(clock)) => clock.put(x, rng),
            _ => x,
        }
    }

    /// A forward step of a column drawn as a walk ([`Walk::fit`]) fitted inside the column's
    /// upper bound and, but in the last row, the row's (`interval`, the rules' bounds of the
    /// draft when found), in place of clipping (reflected back inside, the step would go
    /// backward; pushed back by the rules, it would land before the row it follows); the first
    /// row of a sequence no later than leaves its other rows a step each before that bound
    /// ([`Walk::latest_start`]). `None` for any other value.
    fn walked(
        &self,
        column: usize,
        draft: &Draft<'_>,
        value: &Value,
        interval: Option<(f64, f64)>,
        rng: &mut SynthRng,
    ) -> Option<Value> {
        let ColumnModel::Gap {
            walk: Some(walk),
            from_anchor: false,
            ..
        } = &self.columns[column]
        else {
            return None;
        };
        let (low, high) = self.bounds[column]?;
        // A sequence's last row is left to the rules: put back a real distance before the
        // row's bound (no lower than the row before), it ends where real ones end (a parcel's
        // last event at its delivery), where a fitted step would stop short of it.
        let row_bound = (draft.remaining > 1)
            .then(|| interval.or_else(|| self.interval(column, draft)))
            .flatten();
        let high = match row_bound {
            Some((floor, ceiling)) if floor <= ceiling => high.min(ceiling),
            _ => high,
        };
        if let Some(x) = self.in_stretch(column, draft, value, (walk, high), rng) {
            return Some(Value::Number(x));
        }
        let Some(previous) = draft.previous else {
            let latest = walk.latest_start(high, draft.remaining).max(low);
            let x = value.as_number().filter(|&x| x > latest)?;
            let again = walk
                .spread
                .then(|| self.start_within(column, draft, (low, latest), rng));
            return Some(Value::Number(again.flatten().unwrap_or(latest.min(x))));
        };
        let before = previous[column].as_number()?;
        let x = value.as_number().filter(|&x| x > before)?;
        let gap = walk.fit(x - before, high - before, draft.remaining, || rng.random());
        Some(Value::Number(before + gap))
    }

    /// For the datetime `column` whose last stretch an earlier column's recent value (drawn
    /// before it) puts `draft`'s row in ([`Recent::marks`]), where the drawn `value` lies
    /// before the stretch: a value drawn uniformly from the stretch's start (or the row
    /// before, when later) to `high` (or the latest start a sequence's first row leaves its
    /// others, [`Walk::latest_start`]). `None` where no such value is wanted. A parcel drawn
    /// `Label Created` before its creation time came out months before the snapshot, as the
    /// walk of its customer's shipments put it, where every real one lies in its last week.
    fn in_stretch(
        &self,
        column: usize,
        draft: &Draft<'_>,
        value: &Value,
        (walk, high): (&Walk, f64),
        rng: &mut SynthRng,
    ) -> Option<f64> {
        let rank = |column: usize| self.order.iter().position(|&c| c == column);
        let after = (self.recent.iter())
            .filter(|recent| recent.stretch_start().0 == column)
            .filter(|recent| rank(recent.column) < rank(column) && recent.marks(draft.row))
            .map(|recent| recent.stretch_start().1)
            .max_by(f64::total_cmp)?;
        let before = draft
            .previous
            .and_then(|previous| previous[column].as_number());
        let (low, high) = match before {
            Some(before) => (after.max(before), high),
            None => (after, walk.latest_start(high, draft.remaining)),
        };
        let x = value.as_number().filter(|&x| x < low && low < high)?;
        Some(x.max(low + rng.random::<f64>() * (high - low)))
    }

    /// A sequence's first value of `column` drawn again from its model at most [`REDRAWS`]
    /// times until it lies inside `(low, latest)` (for a walk that spreads, where the first
    /// draw lay past the latest start); `None` when none does. Put at the latest start, 46 of
    /// 2,000 hotel guests' first (often only) bookings came out on the column's last second;
    /// reflected back inside, the draws far past it piled on the first.
    fn start_within(
        &self,
        column: usize,
        draft: &Draft<'_>,
        (low, latest): (f64, f64),
        rng: &mut SynthRng,
    ) -> Option<f64> {
        let model = &self.columns[column];
        (0..REDRAWS)
            .filter_map(|_| self.draw(model, column, draft, None, rng).as_number())
            .find(|&x| (low..=latest).contains(&x))
    }

    /// The bounds the rules set on `column` in `draft` ([`Enforcer::interval`]), for a column
    /// drawn as a forward walk raised to the sequence's row before ([`LearnedModel::walk_floor`])
    /// where the rules leave room above it: a row whose drawn step ran past its parent's bound
    /// (a parcel's event after its delivery) was put back at a real distance before that bound,
    /// behind the rows before it, and the rows sorted by time then no longer followed the
    /// statuses and numbers drawn for their places.
    /// Below the parent's values later rows copy ([`LearnedModel::walk_ceiling`]) too.
    fn interval(&self, column: usize, draft: &Draft<'_>) -> Option<(f64, f64)> {
        let ceiling = self.walk_ceiling(column, draft);
        let (low, high) = match self.enforcer.interval(column, draft.row, draft.context) {
            Some(bounds) => bounds,
            None => (f64::NEG_INFINITY, ceiling?),
        };
        let (low, high) = match self.walk_floor(column, draft) {
            Some(floor) if floor <= high => (low.max(floor), high),
            _ => (low, high),
        };
        Some(match ceiling {
            Some(ceiling) if low <= ceiling => (low, high.min(ceiling)),
            _ => (low, high),
        })
    }

    /// For a column drawn as a forward walk, the highest value the row may take below the
    /// parent's values that rows of another label copy ([`Enforcer::ceiling`]), when the row
    /// before and the rules' bounds leave room under it: a parcel's events before its
    /// pick-up stay before the shipment's `shipped_at`, which the pick-up then takes, and
    /// its rows before the delivery before `delivered_at`. `None` otherwise.
    fn walk_ceiling(&self, column: usize, draft: &Draft<'_>) -> Option<f64> {
        if !self.walks_forward(column) {
            return None;
        }
        let floor = self.walk_floor(column, draft);
        let drawn = (&*draft.row, draft.context);
        let ceiling = self.enforcer.ceiling(column, drawn, floor)?;
        let low = (self.enforcer.interval(column, draft.row, draft.context))
            .map_or(f64::NEG_INFINITY, |(low, _)| low);
        (floor.is_none_or(|floor| ceiling > floor) && low <= ceiling).then_some(ceiling)
    }

    /// The value of the sequence's row before, for a column drawn as a forward walk from it
    /// (no later row of the walk goes below it); `None` for other columns and first rows.
    fn walk_floor(&self, column: usize, draft: &Draft<'_>) -> Option<f64> {
        if !self.walks_forward(column) {
            return None;
        }
        draft.previous?.get(column)?.as_number()
    }

    /// [`LearnedModel::walk_floor`] where the rules' bounds of the row (`interval` when found,
    /// else [`Enforcer::interval`]) leave room above it, for the range a fixed value stays in;
    /// `None` where they end below it. A booking whose check-in came out before the guest's
    /// booking before had its booking date redrawn from the check-in with the range ignored
    /// (the floor left it no overlap with the rules), and 42 bookings of one guest fell in the
    /// year before every real one; the column's protected range alone keeps it inside.
    fn floor_within(
        &self,
        column: usize,
        draft: &Draft<'_>,
        interval: Option<(f64, f64)>,
    ) -> Option<f64> {
        let floor = self.walk_floor(column, draft)?;
        let rules = interval.or_else(|| self.enforcer.interval(column, draft.row, draft.context));
        rules.is_none_or(|(_, high)| floor <= high).then_some(floor)
    }

    /// Whether `column` is drawn as a forward walk from the sequence's row before.
    fn walks_forward(&self, column: usize) -> bool {
        matches!(
            &self.columns[column],
            ColumnModel::Gap {
                walk: Some(_),
                from_anchor: false,
                ..
            }
        )
    }

    /// The label written for a rare one drawn for `column` in `draft`: a fresh one for a column
    /// whose rows mostly hold rare labels ([`Marginal::fresh_label`]), else one of the other
    /// labels of the leaf it was drawn from (the row's earlier columns chose that leaf), else
    /// one of the column's on its own.
    fn frequent_like(&self, column: usize, draft: &Draft<'_>, rng: &mut SynthRng) -> Value {
        let model = &self.columns[column];
        if let Some(fresh) = model.fresh_label(rng) {
            return fresh;
        }
        let from_leaf = match model {
            ColumnModel::Tree(conditional) => {
                let (leaf, leaves) = conditional.leaf_of(draft.codes);
                leaves.draw_label_except(leaf, is_rare, rng)
            }
            _ => None,
        };
        from_leaf.unwrap_or_else(|| model.frequent_value(rng))
    }

    /// For each column, whether some tree reads its code (as an earlier column of the same row
    /// or as the previous row's): only those are encoded as rows are drawn. A column no tree
    /// reads (ids, text, the last columns drawn) would be encoded for nothing.
    fn codes_read(&self) -> &[bool] {
        self.codes_read.get_or_init(|| {
            let features = self.features_read();
            (0..self.layout.columns)
                .map(|column| {
                    features[self.layout.current(column)]
                        || (self.layout.sequential && features[self.layout.previous(column)])
                })
                .collect()
        })
    }

    /// For each place in a row's codes, whether some column's tree splits on it.
    fn features_read(&self) -> Vec<bool> {
        let mut features = vec![false; self.layout.total()];
        for model in &self.columns {
            let conditionals = match model {
                ColumnModel::Tree(conditional) => vec![conditional],
                ColumnModel::Gap {
                    first,
                    next,
                    presence,
                    ..
                } => [&**first, &**next]
                    .into_iter()
                    .chain(presence.as_deref())
                    .collect(),
                ColumnModel::Sparse { presence, .. } => vec![&**presence],
                ColumnModel::Coded { code, .. } => vec![&**code],
                ColumnModel::Share { fraction, .. } => vec![&**fraction],
                ColumnModel::Marginal(_) => Vec::new(),
            };
            for conditional in conditionals {
                for feature in conditional.tree.features_read() {
                    let at = conditional.features.get(feature).copied();
                    if let Some(flag) = at.and_then(|at| features.get_mut(at)) {
                        *flag = true;
                    }
                }
            }
        }
        features
    }

    /// A draw of `column` for `draft` from `model` (`rank`: the place among a leaf's numbers,
    /// when carried on from the row before).
    fn draw(
        &self,
        model: &ColumnModel,
        column: usize,
        draft: &Draft<'_>,
        rank: Option<f64>,
        rng: &mut SynthRng,
    ) -> Value {
        let codes = &*draft.codes;
        match model {
            ColumnModel::Tree(conditional) => conditional.sample_at(codes, rank, rng),
            ColumnModel::Marginal(marginal) => marginal.sample(rng),
            ColumnModel::Sparse { values, .. } => values.sample_present(rng),
            ColumnModel::Coded { code, values } => coded_id(code, values, codes, rng),
            ColumnModel::Share { fraction, of } => {
                let parent = draft.context.get(*of).and_then(Value::as_number);
                share_of(fraction, codes, parent, rng)
            }
            ColumnModel::Gap {
                first,
                next,
                from_anchor,
                ..
            } => {
                let (gaps, base) = gap_model((first, next, *from_anchor), column, draft);
                shift(gaps.sample(codes, rng), base)
            }
        }
    }

    /// The leaf of the length tree every parent row falls in. Each row's leaf depends on that
    /// row alone (no random draw), so the rows are spread over the threads. Only the parent's
    /// columns on the row's path down the tree are encoded, as the walk reads them (the codes
    /// [`LearnedModel::context_codes`] gives, without encoding every context column of every
    /// parent row first: a second time, as each sequence starts, would otherwise follow).
    fn length_leaves(&self, sequence: &SequenceModel, parent: &Parent<'_>) -> Vec<usize> {
        (0..parent.rows)
            .into_par_iter()
            .with_min_len(4096)
            .map(|row| {
                sequence
                    .length_tree
                    .leaf(|feature| sequence.context_code(parent, feature, row))
            })
            .collect()
    }

    /// Where a first draw of a column whose rules bound it ([`Enforcer::interval`]) looks: the
    /// draft's leaf and the bounds as its values (gaps, for a column drawn as a gap). `None`
    /// when the column is not bounded for this draft.
    fn bounded<'m>(
        &'m self,
        model: &'m ColumnModel,
        column: usize,
        draft: &Draft<'_>,
    ) -> Option<Bounded<'m>> {
        let (conditional, base) = match model {
            ColumnModel::Tree(conditional) => (conditional, 0.0),
            ColumnModel::Marginal(_)
            | ColumnModel::Sparse { .. }
            | ColumnModel::Coded { .. }
            | ColumnModel::Share { .. } => {
                return None;
            }
            ColumnModel::Gap {
                first,
                next,
                from_anchor,
                ..
            } => gap_model((first, next, *from_anchor), column, draft),
        };
        let (low, high) = self.interval(column, draft)?;
        let (leaf, leaves) = conditional.leaf_of(draft.codes);
        Some(Bounded {
            leaves,
            leaf,
            range: (low - base, high - base),
            base,
            interval: (low, high),
            // A gap's values are shifted: 0 or less of them is no such value.
            below_zero: matches!(model, ColumnModel::Tree(_))
                && self
                    .enforcer
                    .frees_below_zero(column, draft.row, draft.context),
        })
    }

    /// The codes of a row of `parent_row`'s sequence before its place and its own columns: the
    /// parent's context columns some tree reads, encoded (zero elsewhere: no tree reads them).
    fn context_codes(&self, parent: &Parent<'_>, parent_row: Option<usize>) -> Vec<u8> {
        let mut codes = vec![0u8; self.layout.total()];
        if let (Some(sequence), Some(row)) = (&self.sequence, parent_row) {
            for &index in &self.context_use().coded {
                codes[index] = sequence.context_code(parent, index, row);
            }
        }
        codes
    }

    fn context_use(&self) -> &ContextUse {
        self.context_use.get_or_init(|| {
            let Some(sequence) = &self.sequence else {
                return ContextUse::default();
            };
            let features = self.features_read();
            let mut coded: Vec<usize> = (0..self.layout.context)
                .filter(|&index| features[index])
                .chain(sequence.length_tree.features_read())
                .chain(sequence.length_bounds.iter().map(|bound| bound.context))
                .collect();
            coded.sort_unstable();
            coded.dedup();
            let mut compared = self.enforcer.context_read();
            compared.sort_unstable();
            compared.dedup();
            ContextUse { coded, compared }
        })
    }
}

/// What a learned model read from a model file is checked against (see [`LearnedModel::check`]).
pub struct Expected {
    /// The table's modelled columns.
    pub columns: usize,
    /// The table's real rows.
    pub rows: usize,
    /// For a sequential table, the context columns generation gives it (parent's and
    /// grandparent's) and the parent's real rows.
    pub sequence: Option<(usize, usize)>,
}

impl LearnedModel {
    /// Checks a model read from a model file before it is used: its layout fits the table, the
    /// column order is a permutation, and every index a draw follows (tree nodes and features,
    /// leaves, encoder codes, context columns) is in range, so sampling never indexes outside
    /// what it holds; sizes are bounded by the table's real rows.
    pub fn check(&self, expected: &Expected) -> Result<(), String> {
        let layout = self.layout;
        let context = expected.sequence.map_or(0, |(context, _)| context);
        if layout.columns != expected.columns
            || layout.context != context
            || layout.sequential != expected.sequence.is_some()
            || self.columns.len() != layout.columns
            || self.encoders.len() != layout.columns
            || self.bounds.len() != layout.columns
            || self.grids.len() != layout.columns
            || !(self.clocks.is_empty() || self.clocks.len() == layout.columns)
            || !self.clocks.iter().flatten().all(Clock::check)
            || self.persistence.len() != layout.columns
            || self.apart.iter().any(|&column| column >= layout.columns)
            || (!self.apart.is_empty() && !layout.sequential)
            || !self.crowding.iter().all(|c| c.fits(layout.columns))
            || (!self.crowding.is_empty() && !layout.sequential)
            || !self.recent.iter().all(|r| r.fits(layout.columns))
        {
            return Err("a learned model whose layout does not fit its table".into());
        }
        let carried = self.persistence.iter().flatten();
        if !carried
            .clone()
            .all(|rho| (MIN_PERSISTENCE..=MAX_PERSISTENCE).contains(rho))
            || (carried.count() > 0 && !(layout.sequential && layout.columns > 0))
        {
            return Err("a carried place outside the correlations training keeps".into());
        }
        let mut order = self.order.clone();
        order.sort_unstable();
        if !order.iter().copied().eq(0..layout.columns) {
            return Err("a column order that is not one of the table's columns each".into());
        }
        self.encoders.iter().try_for_each(Encoder::check)?;
        self.grids.iter().try_for_each(Grid::check)?;
        self.enforcer
            .check(layout.columns, context, expected.rows)?;
        if self
            .bounds
            .iter()
            .flatten()
            .any(|(low, high)| !(low <= high && low.is_finite() && high.is_finite()))
        {
            return Err("number bounds that are not a range".into());
        }
        for model in &self.columns {
            match model {
                ColumnModel::Tree(conditional) => {
                    conditional.check(layout.total(), expected.rows)?
                }
                ColumnModel::Gap {
                    first,
                    next,
                    walk,
                    presence,
                    ..
                } => {
                    first.check(layout.total(), expected.rows)?;
                    next.check(layout.total(), expected.rows)?;
                    walk.as_ref().map_or(Ok(()), Walk::check)?;
                    if let Some(presence) = presence {
                        presence.check(layout.total(), expected.rows)?;
                    }
                }
                ColumnModel::Marginal(marginal) => marginal.check()?,
                ColumnModel::Sparse { presence, values } => {
                    presence.check(layout.total(), expected.rows)?;
                    values.check()?;
                }
                ColumnModel::Coded { code, values } => {
                    code.check(layout.total(), expected.rows)?;
                    values.check()?;
                }
                ColumnModel::Share { fraction, of } => {
                    if *of >= context {
                        return Err("a share of a column outside the parent's context".into());
                    }
                    fraction.check(layout.total(), expected.rows)?;
                }
            }
        }
        match (&self.sequence, expected.sequence) {
            (None, None) => Ok(()),
            (Some(sequence), Some((_, parent_rows))) => {
                sequence.check(layout, expected.rows, parent_rows)
            }
            _ => Err("a learned model whose sequence does not fit its table".into()),
        }
    }
}

impl Conditional {
    /// Whether no draw gives null: no leaf holds one, nor the fallback.
    fn never_null(&self) -> bool {
        self.drawable().never_null
    }

    fn check(&self, features: usize, rows: usize) -> Result<(), String> {
        if self.features.iter().any(|&feature| feature >= features) {
            return Err("a tree feature outside the row's features".into());
        }
        self.tree.check(self.features.len(), self.leaves.len())?;
        let fits = |leaf: &LeafValues| {
            leaf.nulls
                .checked_add(leaf.values.len())
                .is_some_and(|total| total <= rows)
        };
        if !self.leaves.iter().all(fits) {
            return Err("a tree leaf holding more values than the table has rows".into());
        }
        self.fallback.check()
    }
}

impl SequenceModel {
    fn check(&self, layout: Layout, rows: usize, parent_rows: usize) -> Result<(), String> {
        if self.context_encoders.len() != layout.context
            || self.anchor.is_some_and(|anchor| anchor >= layout.context)
        {
            return Err("a sequence model whose context does not fit its parent".into());
        }
        self.context_encoders.iter().try_for_each(Encoder::check)?;
        self.length_tree
            .check(self.context_encoders.len(), self.length_leaves.len())?;
        let counts: Vec<usize> = self.length_leaves.iter().flatten().copied().collect();
        let most = counts.iter().copied().max().unwrap_or(0);
        lengths::check(&self.length_bounds, &self.context_encoders, most)?;
        super::check_counts(&counts, rows, Some(parent_rows))
    }

    /// The range of children each parent row's codes allow ([`lengths::range_of`]); `None`
    /// for every row of a model without bounds.
    fn length_ranges(&self, parent: &Parent<'_>) -> Vec<Option<(usize, usize)>> {
        if self.length_bounds.is_empty() {
            return vec![None; parent.rows];
        }
        (0..parent.rows)
            .into_par_iter()
            .with_min_len(4096)
            .map(|row| {
                lengths::range_of(&self.length_bounds, |index| {
                    self.context_code(parent, index, row)
                })
            })
            .collect()
    }

    /// The code of context column `index` of parent row `row` (0 for a column without an
    /// encoder or a value): what the trees read of the parent.
    fn context_code(&self, parent: &Parent<'_>, index: usize, row: usize) -> u8 {
        match (self.context_encoders.get(index), parent.value(index, row)) {
            (Some(encoder), Some(value)) => encoder.encode(value),
            _ => 0,
        }
    }
}

impl TableModel for LearnedModel {
    fn carried(&self) -> Vec<(usize, f64)> {
        let carried = self.persistence.iter().enumerate();
        carried
            .filter_map(|(column, rho)| Some((column, (*rho)?)))
            .collect()
    }

    fn distinct_ids(&self) -> Vec<(usize, &IdShape)> {
        fn marginal(model: &ColumnModel) -> Option<&IdShape> {
            match model {
                ColumnModel::Marginal(marginal) => marginal.distinct_ids(),
                ColumnModel::Sparse { values, .. } | ColumnModel::Coded { values, .. } => {
                    values.distinct_ids()
                }
                ColumnModel::Tree(_) | ColumnModel::Gap { .. } | ColumnModel::Share { .. } => None,
            }
        }
        let ids = self.columns.iter().map(marginal);
        ids.enumerate()
            .filter_map(|(column, shape)| Some((column, shape?)))
            .collect()
    }

    fn context_read(&self) -> Vec<usize> {
        let used = self.context_use();
        let anchor = self.sequence.as_ref().and_then(|sequence| sequence.anchor);
        let mut read: Vec<usize> = used.coded.iter().chain(&used.compared).copied().collect();
        read.extend(anchor);
        read.sort_unstable();
        read.dedup();
        read
    }

    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row> {
        let firsts = self.stratified_first_column(n, rng);
        let base: u64 = rng.random();
        let stride = self.layout.total().max(1);
        let width = self.columns.len();
        let blocks = in_blocks(0..n, base, |rows, stream| {
            let count = rows.len();
            let mut codes = vec![0u8; count * stride];
            let mut values = vec![Value::Null; count * width];
            let mut drafts: Vec<Draft<'_>> = codes
                .chunks_mut(stride)
                .zip(row_slices(&mut values, width, count))
                .zip(rows)
                .map(|((codes, values), row)| {
                    if self.layout.sequential {
                        codes[self.layout.length()] = count_code(1);
                    }
                    let mut draft = self.draft(codes, values, None, None, &[]);
                    draft.first = firsts.get(row).cloned();
                    draft
                })
                .collect();
            self.draw_rows(&mut drafts, stream);
            drop(drafts);
            row_slices(&mut values, width, count)
                .map(|row| row.iter_mut().map(take_value).collect())
                .collect::<Vec<Row>>()
        });
        let mut rows = Vec::with_capacity(n);
        for block in blocks {
            rows.extend(block);
        }
        rows
    }

    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize> {
        let Some(sequence) = &self.sequence else {
            return vec![0; parent.rows];
        };
        let mut by_leaf: Vec<Vec<usize>> = vec![Vec::new(); sequence.length_leaves.len()];
        for (row, leaf) in self.length_leaves(sequence, parent).into_iter().enumerate() {
            by_leaf[leaf].push(row);
        }
        // Where nearly every real parent had no children, parents drawn the same number wait
        // in line by their leaf's mean; elsewhere in the random order `rank_matched` gives.
        let sparse = nearly_all_childless(sequence.length_leaves.iter().flatten().copied());
        let leaf_ranks = ranks_by_mean(&sequence.length_leaves);
        let leaves = sequence.length_leaves.len();
        let ranges = sequence.length_ranges(parent);
        let within = |count: usize, row: usize| match ranges[row] {
            Some((min, max)) => count.clamp(min, max),
            None => count,
        };
        let mut propensity = vec![0; parent.rows];
        for ((rows, counts), rank) in by_leaf.iter().zip(&sequence.length_leaves).zip(leaf_ranks) {
            for (row, count) in rows.iter().zip(stratified(counts, rows.len(), rng)) {
                let count = within(count, *row);
                propensity[*row] = if sparse {
                    count.saturating_mul(leaves).saturating_add(rank)
                } else {
                    count
                };
            }
        }
        let all: Vec<usize> = sequence.length_leaves.iter().flatten().copied().collect();
        let mut matched = rank_matched(stratified(&all, parent.rows, rng), &propensity, rng);
        // A parent whose codes bound its children (an unshipped parcel's one event) keeps
        // them, whatever count the ranks left it: traded with another parent where one can.
        if ranges.iter().any(Option::is_some) {
            lengths::keep(&mut matched, &ranges, rng);
        }
        matched
    }

    fn sample_sequences(
        &self,
        parent: &Parent<'_>,
        sequences: &[(usize, usize)],
        rng: &mut SynthRng,
    ) -> SequenceColumns {
        let starts: Vec<SequenceStart> = sequences
            .iter()
            .map(|&(parent_row, _)| self.sequence_start(parent, parent_row))
            .collect();
        let width = self.columns.len();
        let offsets: Vec<usize> = sequences
            .iter()
            .scan(0, |at, &(_, len)| {
                let start = *at;
                *at += len;
                Some(start)
            })
            .collect();
        let total = sequences.iter().map(|&(_, len)| len).sum();
        let mut columns: SequenceColumns = (0..width).map(|_| vec![Value::Null; total]).collect();
        let stride = self.layout.total().max(1);
        // The codes of the rows drawn last: their own codes are the next rows' previous ones.
        let mut codes = vec![0u8; sequences.len() * stride];
        let mut last = codes.clone();
        // The row each sequence is drawing, and the one it drew last (its numbers: what a
        // gap is added to), a row of `width` values per sequence.
        let mut drawing = vec![Value::Null; sequences.len() * width];
        let mut drawn = drawing.clone();
        // Each sequence's normal scores of its last row's places (see `persistence`), only
        // when a column carries them on.
        let carried = self.persistence.iter().any(Option::is_some);
        let mut ranks = vec![f64::NAN; if carried { sequences.len() * width } else { 0 }];
        let mut rank_rows: Vec<&mut [f64]> = match carried {
            true => ranks.chunks_mut(width).collect(),
            false => sequences.iter().map(|_| &mut [][..]).collect(),
        };
        let longest = sequences.iter().map(|&(_, len)| len).max().unwrap_or(0);
        for position in 0..longest {
            let mut drafts = Vec::new();
            let all = codes
                .chunks_mut(stride)
                .zip(last.chunks(stride))
                .zip(row_slices(&mut drawing, width, sequences.len()))
                .zip(row_slices_of(&drawn, width, sequences.len()))
                .zip(rank_rows.iter_mut());
            for (index, ((((codes, last), row), before), ranks)) in all.enumerate() {
                let len = sequences[index].1;
                if position >= len {
                    continue;
                }
                let start = &starts[index];
                self.place_in_sequence(codes, &start.codes, last, (position, len));
                let previous = (position > 0).then_some(before);
                let mut draft = self.draft(codes, row, previous, start.anchor, &start.values);
                draft.remaining = len - position;
                draft.ranks = &mut **ranks;
                drafts.push(draft);
            }
            self.draw_rows(&mut drafts, rng);
            drop(drafts);
            for (index, &(_, len)) in sequences.iter().enumerate() {
                if position >= len {
                    continue;
                }
                let at = offsets[index] + position;
                let row = index * width..(index + 1) * width;
                for ((column, value), kept) in columns
                    .iter_mut()
                    .zip(&mut drawing[row.clone()])
                    .zip(&mut drawn[row])
                {
                    let value = take_value(value);
                    *kept = value.as_number().map_or(Value::Null, Value::Number);
                    column[at] = value;
                }
            }
            std::mem::swap(&mut codes, &mut last);
        }
        self.keep_apart(&mut columns, (&offsets, sequences), &starts);
        self.keep_crowding(&mut columns, (&offsets, sequences), &starts);
        columns
    }
}

/// The columns of [`super::apart`] a model keeps apart: of a sequence, never worked out by a
/// rule or rewritten after the draw (a derived value cannot move; a rewritten one is not
/// this model's).
fn kept_apart(data: &TrainingData<'_>, sequences: &Sequences, enforcer: &Enforcer) -> Vec<usize> {
    if data.parent.is_none() {
        return Vec::new();
    }
    super::apart::distinct_in_sequences(&data.table.columns, &sequences.parent)
        .into_iter()
        .filter(|&column| {
            !enforcer.derives(column)
                && !data.regenerated.contains(&column)
                && !data.from_children.contains(&column)
        })
        .collect()
}

/// A model's rules over the rows of drawn sequences (`offsets`, `starts`), for moves of the
/// columns `moved` ([`super::crowding`]).
struct SequenceRules<'a> {
    model: &'a LearnedModel,
    offsets: &'a [usize],
    starts: &'a [SequenceStart],
    moved: Vec<usize>,
}

impl SequenceRules<'_> {
    /// The parent's context of a row.
    fn context(&self, row: usize) -> &[Value] {
        let sequence = self.offsets.partition_point(|&start| start <= row) - 1;
        &self.starts[sequence].values
    }
}

impl super::crowding::MoveRules for SequenceRules<'_> {
    fn accepts(&self, row: usize, drawn: &[Value], moved: &[Value]) -> bool {
        self.model
            .obeyed_after_move(drawn, moved, self.context(row))
    }

    fn bound(&self, row: usize, drawn: &[Value]) -> bool {
        let context = self.context(row);
        self.moved.iter().any(|&column| {
            self.model
                .enforcer
                .interval(column, drawn, context)
                .is_some()
        })
    }
}

/// The crowdings of [`super::crowding`] a model keeps: of a sequence's categorical columns
/// that are not rewritten after the draw (a rewritten one is not this model's).
fn crowdings(data: &TrainingData<'_>, sequences: &Sequences, min_count: usize) -> Vec<Crowding> {
    if data.parent.is_none() {
        return Vec::new();
    }
    super::crowding::learn(
        &data.table.columns,
        &sequences.parent,
        min_count,
        |column| !data.regenerated.contains(&column) && !data.from_children.contains(&column),
    )
}

impl LearnedModel {
    /// Moves the rows of a drawn sequence (`offsets` and lengths of `sequences`) past the cap
    /// of a [`super::crowding`] column's label to a label with room the row's rules accept.
    fn keep_crowding(
        &self,
        columns: &mut SequenceColumns,
        (offsets, sequences): (&[usize], &[(usize, usize)]),
        starts: &[SequenceStart],
    ) {
        let ranges: Vec<std::ops::Range<usize>> = offsets
            .iter()
            .zip(sequences)
            .map(|(&start, &(_, len))| start..start + len)
            .collect();
        for crowding in &self.crowding {
            let rules = SequenceRules {
                model: self,
                offsets,
                starts,
                moved: std::iter::once(crowding.column)
                    .chain(crowding.tied.iter().copied())
                    .collect(),
            };
            crowding.keep(columns, &ranges, &rules);
        }
    }

    /// Whether the row `drawn`, some of its values `moved`, still obeys every rule it obeyed
    /// as drawn: each derived column derives its moved value (or, left as drawn, the same as
    /// before), and every column acceptable as drawn still is.
    fn obeyed_after_move(&self, drawn: &[Value], moved: &[Value], context: &[Value]) -> bool {
        use crate::rules::measure::same;
        let rules = &self.enforcer;
        (0..drawn.len()).all(|c| match rules.derives(c) {
            true => match rules.derived(c, moved, context) {
                None => true,
                Some(after) => {
                    same(&after, &moved[c])
                        || (same(&moved[c], &drawn[c])
                            && rules
                                .derived(c, drawn, context)
                                .is_some_and(|before| same(&after, &before)))
                }
            },
            false => {
                rules.acceptable(c, &moved[c], moved, context)
                    || !rules.acceptable(c, &drawn[c], drawn, context)
            }
        })
    }
}

impl LearnedModel {
    /// Moves the values of the [`super::apart`] columns that repeat within a drawn sequence
    /// (`offsets` and lengths of `sequences`) to free ones the row's rules accept.
    fn keep_apart(
        &self,
        columns: &mut SequenceColumns,
        (offsets, sequences): (&[usize], &[(usize, usize)]),
        starts: &[SequenceStart],
    ) {
        for &column in &self.apart {
            let mut values = std::mem::take(&mut columns[column]);
            let ranges = offsets
                .iter()
                .zip(sequences)
                .map(|(&start, &(_, len))| start..start + len);
            super::apart::keep_apart(&mut values, ranges, |row, (drawn, x)| {
                let sequence = offsets.partition_point(|&start| start <= row) - 1;
                let context = &starts[sequence].values;
                let drawn: Vec<Value> = columns
                    .iter()
                    .enumerate()
                    .map(|(c, values)| match c == column {
                        true => Value::Number(drawn),
                        false => values[row].clone(),
                    })
                    .collect();
                self.still_obeyed(&drawn, (column, x), context)
            });
            columns[column] = values;
        }
    }

    /// Whether the row `drawn` with `column` set to `x` still obeys every rule it obeyed as
    /// drawn: each derived column derives the same, and every column acceptable as drawn
    /// still is.
    fn still_obeyed(&self, drawn: &[Value], (column, x): (usize, f64), context: &[Value]) -> bool {
        let mut moved = drawn.to_vec();
        moved[column] = Value::Number(x);
        let rules = &self.enforcer;
        (0..drawn.len()).all(|c| match rules.derives(c) {
            true => match (
                rules.derived(c, &moved, context),
                rules.derived(c, drawn, context),
            ) {
                (Some(after), Some(before)) => crate::rules::measure::same(&after, &before),
                (after, before) => after.is_none() && before.is_none(),
            },
            false => {
                rules.acceptable(c, &moved[c], &moved, context)
                    || !rules.acceptable(c, &drawn[c], drawn, context)
            }
        })
    }
}

/// The first `rows` rows of `width` values each of a flat buffer, one mutable slice per row (an
/// empty slice per row when there are no columns).
fn row_slices(
    values: &mut [Value],
    width: usize,
    rows: usize,
) -> impl Iterator<Item = &mut [Value]> {
    let mut rest = values;
    (0..rows).map(move |_| {
        let (row, after) = std::mem::take(&mut rest).split_at_mut(width);
        rest = after;
        row
    })
}

/// The value of a cell, leaving it null.
fn take_value(cell: &mut Value) -> Value {
    std::mem::replace(cell, Value::Null)
}

/// [`row_slices`] for reading.
fn row_slices_of(values: &[Value], width: usize, rows: usize) -> impl Iterator<Item = &[Value]> {
    (0..rows).map(move |row| &values[row * width..(row + 1) * width])
}

/// A first draw of a bounded column for one draft (see [`LearnedModel::bounded`]).
struct Bounded<'m> {
    leaves: &'m DrawableLeaves,
    leaf: usize,
    /// The bounds, less `base`.
    range: (f64, f64),
    /// What a drawn value is shifted by (the previous date, for a gap).
    base: f64,
    /// The bounds themselves ([`Enforcer::interval`]).
    interval: (f64, f64),
    /// Whether the leaf's values of 0 or less obey the bounds too
    /// ([`Enforcer::frees_below_zero`]): an untaxed invoice's tax beside a ratio to its amount.
    below_zero: bool,
}

impl Bounded<'_> {
    /// A draw from the part of the leaf inside the bounds: what drawing until a value is
    /// accepted gives, without the draws that would be refused. `None` when the leaf holds no
    /// value inside (the column is then drawn as usual).
    fn draw(&self, rank: Option<f64>, rng: &mut SynthRng) -> Option<Value> {
        let within = (self.range, self.below_zero);
        let value = self.leaves.draw_within(self.leaf, within, rank, rng)?;
        Some(shift(value, self.base))
    }
}

/// What the rows of one parent's sequence are drawn from: the parent's codes, the date first
/// dates are offsets from, and the parent's values (when the rules read them).
struct SequenceStart {
    codes: Vec<u8>,
    anchor: Option<f64>,
    values: Vec<Value>,
}

/// A row being drawn: its codes (context, place in the sequence, the previous row's and its
/// own columns drawn so far), its values so far, and what its draws depend on.
struct Draft<'a> {
    codes: &'a mut [u8],
    /// The row's values, null until drawn.
    row: &'a mut [Value],
    /// The sequence's row before this one: only its numbers are kept (what gaps add to).
    previous: Option<&'a [Value]>,
    anchor: Option<f64>,
    /// The parent's values, for the rules that compare a row with its parent.
    context: &'a [Value],
    /// The first column's value when drawn beforehand.
    first: Option<Value>,
    /// The rows of the sequence from this one on (0 outside a sequence).
    remaining: usize,
    /// The normal score of each column's place among its leaf's values in the sequence's row
    /// drawn last (NaN before the first; empty outside a sequence), see [`persistence`].
    ranks: &'a mut [f64],
    /// The place among its leaf's values the column being drawn takes, when carried on.
    rank: Option<f64>,
}

impl LearnedModel {
    /// A draft of an empty row (`row`, all null) over `codes`.
    fn draft<'a>(
        &self,
        codes: &'a mut [u8],
        row: &'a mut [Value],
        previous: Option<&'a [Value]>,
        anchor: Option<f64>,
        context: &'a [Value],
    ) -> Draft<'a> {
        Draft {
            codes,
            row,
            previous,
            anchor,
            context,
            first: None,
            remaining: 0,
            ranks: &mut [],
            rank: None,
        }
    }

    /// What the sequence of `parent_row` is drawn from.
    fn sequence_start(&self, parent: &Parent<'_>, parent_row: usize) -> SequenceStart {
        let anchor = self
            .sequence
            .as_ref()
            .and_then(|s| s.anchor)
            .and_then(|a| parent.value(a, parent_row))
            .and_then(Value::as_number);
        // The rules read the columns they compare with; the others stay empty.
        let values: Vec<Value> = if self.enforcer.uses_context() {
            let mut values = vec![Value::Null; parent.context_columns()];
            for &index in &self.context_use().compared {
                if let (Some(slot), Some(value)) =
                    (values.get_mut(index), parent.value(index, parent_row))
                {
                    *slot = value.clone();
                }
            }
            values
        } else {
            Vec::new()
        };
        SequenceStart {
            codes: self.context_codes(parent, Some(parent_row)),
            anchor,
            values,
        }
    }

    /// Sets a row's codes for row `position` of a sequence of `len` rows: the parent's codes,
    /// its place, and the codes of the row before it (`last`).
    fn place_in_sequence(
        &self,
        codes: &mut [u8],
        context: &[u8],
        last: &[u8],
        (position, len): (usize, usize),
    ) {
        codes[..context.len()].copy_from_slice(context);
        codes[self.layout.position()] = count_code(position);
        codes[self.layout.length()] = count_code(len);
        codes[self.layout.progress()] = progress_code(position, len);
        if position > 0 && self.layout.sequential {
            for column in 0..self.columns.len() {
                codes[self.layout.previous(column)] = last[self.layout.current(column)];
            }
        }
    }
}

impl Conditional {
    /// `n` draws from the tree's first leaf, spread evenly over its values (see
    /// [`LearnedModel::stratified_first_column`]).
    fn stratified(&self, n: usize, rng: &mut SynthRng) -> Vec<Value> {
        let Some(leaf) = self.leaves.first() else {
            return Vec::new();
        };
        let total = leaf.nulls + leaf.values.len();
        if total == 0 {
            return Vec::new();
        }
        (0..n)
            .map(|i| {
                let at = (i as f64 + rng.random::<f64>()) / n as f64 * total as f64;
                let index = (at as usize).min(total - 1);
                if index < leaf.nulls {
                    Value::Null
                } else if leaf.values.get(0).as_number().is_some() {
                    let share = (at - leaf.nulls as f64) / leaf.values.len() as f64;
                    Value::Number(smoothed_quantile_values(
                        &leaf.values,
                        share.clamp(0.0, 1.0),
                    ))
                } else {
                    leaf.values.get(index - leaf.nulls).clone()
                }
            })
            .collect()
    }

    fn sample(&self, codes: &[u8], rng: &mut SynthRng) -> Value {
        self.sample_at(codes, None, rng)
    }

    /// [`Conditional::sample`] at a given place among the leaf's numbers (`rank`).
    fn sample_at(&self, codes: &[u8], rank: Option<f64>, rng: &mut SynthRng) -> Value {
        let (leaf, leaves) = self.leaf_of(codes);
        leaves
            .draw(leaf, rank, rng)
            .unwrap_or_else(|| self.fallback.sample(rng))
    }

    /// The tree and leaves laid out for drawing, built on first use.
    fn drawable(&self) -> &Drawable {
        self.drawable.get_or_init(|| {
            let leaves = self.leaves.iter().map(|leaf| (leaf.nulls, &leaf.values));
            Box::new(Drawable {
                flat: self.tree.flat(&self.features),
                leaves: DrawableLeaves::new(leaves),
                never_null: self.leaves.iter().all(|leaf| leaf.nulls == 0)
                    && self.fallback.never_null(),
            })
        })
    }

    /// The leaves laid out for drawing.
    fn drawable_leaves(&self) -> &DrawableLeaves {
        &self.drawable().leaves
    }

    /// The leaf each draft's codes fall in (as [`Conditional::leaf_of`] finds it), the trees
    /// walked side by side.
    fn leaves_of(&self, drafts: &[Draft<'_>]) -> Vec<usize> {
        match &self.drawable().flat {
            Some(flat) => flat.leaves(drafts.len(), |row| &*drafts[row].codes),
            None => drafts
                .iter()
                .map(|draft| self.leaf_of(draft.codes).0)
                .collect(),
        }
    }

    /// The leaf `codes` fall in, and the leaves laid out for drawing (built on first use).
    fn leaf_of(&self, codes: &[u8]) -> (usize, &DrawableLeaves) {
        let Drawable { flat, leaves, .. } = self.drawable();
        let leaf = match flat {
            Some(flat) => flat.leaf(codes),
            None => self.tree.leaf(|feature| codes[self.features[feature]]),
        };
        (leaf, leaves)
    }
}

/// The place each draft's `column` takes among its leaf's values: the previous row's normal
/// score carried on with correlation `rho` and the rest drawn afresh (a first row's wholly
/// fresh), so every row's place is uniform as a fresh draw's and neighbours' places follow
/// each other as real ones do ([`persistence`]).
fn carry_ranks(column: usize, rho: f64, drafts: &mut [Draft<'_>], rng: &mut SynthRng) {
    let fresh_share = (1.0 - rho * rho).sqrt();
    for draft in drafts {
        let Some(before) = draft.ranks.get_mut(column) else {
            continue;
        };
        let fresh = standard_normal(rng);
        let score = match before.is_finite() {
            true => rho * *before + fresh_share * fresh,
            false => fresh,
        };
        *before = score;
        draft.rank = Some(normal_cdf(score));
    }
}

/// The tree a gap-modelled column of `draft` is drawn from and what its gap is added to: the
/// gap from the previous row's value, or the first row's offset from the anchor (the parent's
/// date, else 0), or a later row's offset from it when the column's later values are offsets
/// too.
fn gap_model<'m>(
    (first, next, from_anchor): (&'m Conditional, &'m Conditional, bool),
    column: usize,
    draft: &Draft<'_>,
) -> (&'m Conditional, f64) {
    let anchor = draft.anchor.unwrap_or(0.0);
    match draft.previous.and_then(|row| row[column].as_number()) {
        Some(_) if from_anchor => (next, anchor),
        Some(before) => (next, before),
        None => (first, anchor),
    }
}

/// [`smoothed_quantile`] over sorted number values.
fn smoothed_quantile_values(values: &Runs, u: f64) -> f64 {
    let position = u * (values.len() - 1) as f64;
    let low = position as usize;
    let high = (low + 1).min(values.len() - 1);
    let (a, b) = values.get_pair(low, high);
    let (a, b) = (a.as_number().unwrap_or(0.0), b.as_number().unwrap_or(0.0));
    smoothed_quantile(&[a, b], position - low as f64)
}

fn shift(value: Value, by: f64) -> Value {
    match value {
        Value::Number(x) => Value::Number(x + by),
        other => other,
    }
}

/// A drawn number inside the protected bounds: one smoothed past a bound comes back inside by
/// as much as it went out. A leaf smooths half a gap past its lowest and highest values; where
/// the next value is far, that went below the bound and was clipped to it: 7 and 10 of TPC-H's
/// 2,000 parts priced 902.00, the lowest price the copy may show, where no real price is held
/// by more than three.
fn clip(value: Value, bounds: Option<(f64, f64)>) -> Value {
    match (value, bounds) {
        (Value::Number(x), Some((low, high))) => {
            let reflected = if x < low {
                2.0 * low - x
            } else if x > high {
                2.0 * high - x
            } else {
                x
            };
            Value::Number(reflected.clamp(low, high))
        }
        (value, _) => value,
    }
}

/// What a drawn number or datetime is put on, so that it is a value a real row could have: a
/// value smoothed between two real neighbours has a fraction, a minute or a digit no real row
/// has (a wind speed of 17.060681116693068 mph where real ones take 31 values; a flight's
/// `time_hour` at 10:21:24 where every real one is on the hour). Since format 11.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Grid {
    /// Any value.
    Free,
    /// Whole numbers (counts and quantities, even written `17.0`): rounded.
    Whole,
    /// Multiples of a step: datetimes all on a day, an hour or a minute (seconds), whole
    /// numbers all multiples of one (wind directions in tens): rounded to it.
    Step(f64),
    /// The few values real rows of a column with fractions take (each seen in at least the
    /// privacy threshold rows; the rows of rarer ones are few, [`GRID_COVER`]), sorted: the
    /// nearest of them. Not for whole numbers (the rows of rare years or counts would pile up
    /// on the nearest frequent one), except codes: every real value of whole numbers that lie
    /// far apart ([`sparse_codes`]).
    Values(Vec<f64>),
    /// Numbers of a few decimal places that all lie a coarser step apart, from an origin other
    /// than 0: temperatures measured in tenths of a degree Celsius and written in Fahrenheit
    /// (32 + 0.18k: 39.02, 24.98), prices ending in .99, ratings in halves. `origin` is the
    /// real values' remainder by the step (below it), no real value. Since format 39.
    Steps { origin: f64, step: f64 },
    /// Dates all on the first day of their month: the nearest first. A payslip's or an
    /// invoice's period drawn as the last one's plus a gap of 28 to 31 days drifted off it
    /// (7,137 of 7,670 payslips started on another day). Since format 55.
    MonthStart,
    /// Dates all on the last day of their month (28 February, 30 April, 31 May): the nearest
    /// last day. Since format 55.
    MonthEnd,
    /// Amounts whose cents take a few endings (prices at .00, .49, .95 or .99), each seen in
    /// the privacy threshold's rows, the endings sorted in hundredths: the nearest amount
    /// with one of them. Smoothed between two real prices, 250 of 300 products came out at
    /// `59.43` or `109.30`. Since format 55.
    Endings(Vec<u8>),
}

/// The most distinct values a numerical column may have to be put on them ([`Grid::Values`]).
const GRID_VALUES: usize = 64;

/// The share of real rows the frequent values must hold for a column to be put on them.
const GRID_COVER: f64 = 0.95;

/// The datetime steps tried, in seconds, largest first: days, hours, the half and quarter
/// hours and five minutes timetables and bookings keep to, minutes.
const DATETIME_STEPS: [f64; 7] = [86_400.0, 3_600.0, 1_800.0, 900.0, 600.0, 300.0, 60.0];

impl Grid {
    /// The grid of a column's real values (`Free` for text, or no pattern).
    fn of(column: &Column, min_count: usize) -> Grid {
        let numbers = || column.values.iter().filter_map(Value::as_number);
        if numbers().next().is_none() {
            return Grid::Free;
        }
        match column.kind {
            // A few real dates (a term's start): on them; else the month's first or last day,
            // or the coarsest step of time every value keeps.
            ColumnKind::Datetime => few_values(numbers(), min_count)
                .map(Grid::Values)
                .or_else(|| month_grid(numbers()))
                .unwrap_or_else(|| {
                    DATETIME_STEPS
                        .into_iter()
                        .find(|step| numbers().all(|x| x % step == 0.0))
                        .or_else(|| free_fraction_step(column))
                        .map_or(Grid::Free, Grid::Step)
                }),
            ColumnKind::Numerical => {
                let whole = numbers().all(|x| x.fract() == 0.0 && x.abs() < 9.0e15);
                if whole {
                    if let Some(codes) = sparse_codes(numbers(), min_count) {
                        return Grid::Values(codes);
                    }
                    if let Some(values) = few_wholes_apart(numbers(), min_count) {
                        return Grid::Values(values);
                    }
                    // Years, counts: rounded (on their step, wind directions in tens).
                    let step = numbers().fold(0u64, |step, x| gcd(step, x.abs() as u64));
                    return match step {
                        0 | 1 => Grid::Whole,
                        step => Grid::Step(step as f64),
                    };
                }
                few_values(numbers(), min_count)
                    .map(Grid::Values)
                    .or_else(|| coarse_steps(numbers()))
                    .or_else(|| cent_endings(numbers(), min_count).map(Grid::Endings))
                    .unwrap_or(Grid::Free)
            }
            _ => Grid::Free,
        }
    }

    /// `x` on the grid.
    fn put(&self, x: f64) -> f64 {
        match self {
            Grid::Free => x,
            Grid::Whole => x.round(),
            Grid::Step(step) => (x / step).round() * step,
            Grid::Steps { origin, step } => origin + ((x - origin) / step).round() * step,
            Grid::Values(values) => {
                let at = values.partition_point(|&v| v < x);
                let above = values.get(at).copied();
                let below = at.checked_sub(1).and_then(|i| values.get(i)).copied();
                match (below, above) {
                    (Some(b), Some(a)) => {
                        if x - b <= a - x {
                            b
                        } else {
                            a
                        }
                    }
                    (Some(v), None) | (None, Some(v)) => v,
                    (None, None) => x,
                }
            }
            Grid::MonthStart => on_month_day(x, true),
            Grid::MonthEnd => on_month_day(x, false),
            Grid::Endings(endings) => with_ending(x, endings),
        }
    }

    /// `x` on the grid, at a point inside `interval` (the bounds the row's rules give) when
    /// the nearest is outside it and one inside exists: a period's end drawn after its pay
    /// date may only be a day or two before it, and the month's last day past that bound was
    /// cut back to it by the rules (740 of 7,670 payslips ended on the 28th or the 30th).
    /// Only the month grids look: the others keep [`Grid::put`].
    fn put_within(&self, x: f64, interval: Option<(f64, f64)>) -> f64 {
        let nearest = self.put(x);
        let first = match self {
            Grid::MonthStart => true,
            Grid::MonthEnd => false,
            _ => return nearest,
        };
        let Some((low, high)) = interval.filter(|&(low, high)| low <= high) else {
            return nearest;
        };
        let inside = if nearest < low {
            month_day_from(low, first, true)
        } else if nearest > high {
            month_day_from(high, first, false)
        } else {
            return nearest;
        };
        inside
            .filter(|point| (low..=high).contains(point))
            .unwrap_or(nearest)
    }

    /// Whether [`Grid::put_within`] reads the row's bounds.
    fn looks_within(&self) -> bool {
        matches!(self, Grid::MonthStart | Grid::MonthEnd)
    }

    /// Whether a grid read from a model file can be used.
    fn check(&self) -> Result<(), String> {
        let ok = match self {
            Grid::Free | Grid::Whole => true,
            Grid::Step(step) => step.is_finite() && *step > 0.0,
            // As training makes them: a step of whole last places, the origin below it.
            Grid::Steps { origin, step } => {
                step.is_finite()
                    && *step >= 10f64.powi(-STEP_PLACES)
                    && (0.0..*step).contains(origin)
            }
            Grid::Values(values) => {
                // A column's few values with fractions, or its codes (sparse whole numbers).
                !values.is_empty()
                    && values.len() <= GRID_VALUES.max(MAX_CODES)
                    && values.iter().all(|v| v.is_finite())
                    && values.windows(2).all(|pair| pair[0] < pair[1])
            }
            Grid::MonthStart | Grid::MonthEnd => true,
            Grid::Endings(endings) => {
                !endings.is_empty()
                    && endings.len() <= MAX_ENDINGS
                    && endings.iter().all(|&cents| cents < 100)
                    && endings.windows(2).all(|pair| pair[0] < pair[1])
            }
        };
        ok.then_some(())
            .ok_or_else(|| "a grid of values that is not one".to_string())
    }
}

/// The fewest dates a column must hold, all on the first (or the last) day of their month,
/// for [`month_grid`]: three dates on the 1st may be chance.
const MONTH_DATES: usize = 12;

/// [`Grid::MonthStart`] or [`Grid::MonthEnd`] for dates (whole days) of at least two months
/// that are all on the first, or all on the last, day of their month ([`MONTH_DATES`] or
/// more of them).
fn month_grid(numbers: impl Iterator<Item = f64>) -> Option<Grid> {
    let (mut count, mut first, mut last, mut months) = (0, true, true, None);
    for x in numbers {
        let date = whole_day(x)?;
        count += 1;
        first &= date.day() == 1;
        last &= date.succ_opt().is_some_and(|next| next.day() == 1);
        let month = (date.year(), date.month());
        months = match months {
            None => Some((month, false)),
            Some((seen, many)) => Some((seen, many || seen != month)),
        };
        if !first && !last {
            return None;
        }
    }
    let many_months = months.is_some_and(|(_, many)| many);
    match (count >= MONTH_DATES && many_months, first, last) {
        (true, true, _) => Some(Grid::MonthStart),
        (true, false, true) => Some(Grid::MonthEnd),
        _ => None,
    }
}

/// The date of `x` seconds after 1970 when it is a whole day (midnight UTC, as dates are held).
fn whole_day(x: f64) -> Option<chrono::NaiveDate> {
    if x % 86_400.0 != 0.0 || x.abs() > 1.0e13 {
        return None;
    }
    let days = i32::try_from((x / 86_400.0) as i64 + UNIX_EPOCH_DAYS).ok()?;
    chrono::NaiveDate::from_num_days_from_ce_opt(days)
}

/// Days from 1 January of year 1 (day 1) to 1 January 1970, as chrono counts them.
const UNIX_EPOCH_DAYS: i64 = 719_163;

/// The date nearest to `x` (seconds after 1970) that is the first (`first`) or the last day
/// of a month, at midnight; `x` itself when out of the calendar's range.
fn on_month_day(x: f64, first: bool) -> f64 {
    let day = (x / 86_400.0).round();
    let Some(date) = whole_day(day * 86_400.0) else {
        return x;
    };
    let start = date.with_day(1);
    let candidates = match first {
        true => [
            start,
            start.and_then(|d| d.checked_add_months(chrono::Months::new(1))),
        ],
        false => [
            start.and_then(|d| d.pred_opt()),
            start
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt()),
        ],
    };
    let seconds = |d: chrono::NaiveDate| {
        (i64::from(d.num_days_from_ce()) - UNIX_EPOCH_DAYS) as f64 * 86_400.0
    };
    candidates
        .into_iter()
        .flatten()
        .map(seconds)
        .min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()))
        .unwrap_or(x)
}

/// The first (`first`) or last day of a month nearest to `x` on or after it (`after`), or on
/// or before it, at midnight; `None` out of the calendar's range.
fn month_day_from(x: f64, first: bool, after: bool) -> Option<f64> {
    if !x.is_finite() || x.abs() > 1.0e13 {
        return None;
    }
    let days = match after {
        true => (x / 86_400.0).ceil(),
        false => (x / 86_400.0).floor(),
    };
    let date = whole_day(days * 86_400.0)?;
    let is_last = |d: chrono::NaiveDate| d.succ_opt().is_some_and(|next| next.day() == 1);
    let month_start = date.with_day(1)?;
    let point = match (first, after) {
        (true, _) if date.day() == 1 => date,
        (true, true) => month_start.checked_add_months(chrono::Months::new(1))?,
        (true, false) => month_start,
        (false, _) if is_last(date) => date,
        (false, true) => month_start
            .checked_add_months(chrono::Months::new(1))?
            .pred_opt()?,
        (false, false) => month_start.pred_opt()?,
    };
    Some((i64::from(point.num_days_from_ce()) - UNIX_EPOCH_DAYS) as f64 * 86_400.0)
}

/// The most cent endings a column may have for [`Grid::Endings`].
const MAX_ENDINGS: usize = 8;

/// The distinct values an amount column must show for [`cent_endings`]: fewer are put on
/// their values ([`few_values`]) or left free.
const ENDING_VALUES: usize = 20;

/// The endings in hundredths of a column of amounts in at most two decimal places whose
/// cents take at most [`MAX_ENDINGS`] values other than a single one, not all whole tenths
/// (a measure in tenths is no price), those seen in at least
/// `min_count` rows holding [`GRID_COVER`] of them (prices at .00, .49, .95, .99), with
/// [`ENDING_VALUES`] distinct amounts or more; sorted. One ending alone is a step
/// ([`coarse_steps`]); `None` for any other numbers.
fn cent_endings(numbers: impl Iterator<Item = f64>, min_count: usize) -> Option<Vec<u8>> {
    let mut counts = [0usize; 100];
    // Distinct amounts up to the few needed: a column of millions of prices is not sorted.
    let mut distinct: HashSet<i64> = HashSet::with_capacity(ENDING_VALUES);
    for x in numbers {
        let scaled = x * 100.0;
        if !is_whole(scaled) {
            return None;
        }
        let whole = scaled.round() as i64;
        counts[whole.rem_euclid(100) as usize] += 1;
        if distinct.len() < ENDING_VALUES {
            distinct.insert(whole);
        }
    }
    let total: usize = counts.iter().sum();
    let endings: Vec<u8> = (0..100u8)
        .filter(|&ending| counts[usize::from(ending)] >= min_count.max(1))
        .collect();
    let held: usize = endings.iter().map(|&e| counts[usize::from(e)]).sum();
    let fits = (2..=MAX_ENDINGS).contains(&endings.len())
        && endings.iter().any(|ending| ending % 10 != 0)
        && held as f64 >= GRID_COVER * total as f64
        && distinct.len() >= ENDING_VALUES;
    fits.then_some(endings)
}

/// The amount nearest to `x` whose cents are one of `endings` (sorted hundredths).
fn with_ending(x: f64, endings: &[u8]) -> f64 {
    if !x.is_finite() || x.abs() > 1.0e13 {
        return x;
    }
    let units = x.floor();
    [units - 1.0, units, units + 1.0]
        .into_iter()
        .flat_map(|unit| endings.iter().map(move |&e| unit + f64::from(e) / 100.0))
        .min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()))
        .map_or(x, |nearest| (nearest * 100.0).round() / 100.0)
}

/// For a datetime written with as many digits of a second as a value needs (chrono's `%.f`),
/// the coarsest of a second and a millisecond every real value is a multiple of: a drawn value
/// took any fraction, written in nine digits (`12.984272003`) where the real ones had none or
/// three.
fn free_fraction_step(column: &Column) -> Option<f64> {
    let ValueFormat::Datetime { pattern, .. } = &column.format else {
        return None;
    };
    if !pattern.contains("%.f") {
        return None;
    }
    let numbers = || column.values.iter().filter_map(Value::as_number);
    let on_step = |x: f64, step: f64| {
        let units = x / step;
        (units - units.round()).abs() <= 1e-3
    };
    [1.0, 1e-3]
        .into_iter()
        .find(|&step| numbers().all(|x| on_step(x, step)))
}

/// What each of `columns` keeps to ([`Clock`]); empty when no column keeps to anything.
fn clocks(columns: &[Column], min_count: usize) -> Vec<Option<Clock>> {
    let clocks: Vec<Option<Clock>> = (columns.iter())
        .map(|column| Clock::of(column, min_count))
        .collect();
    match clocks.iter().any(Option::is_some) {
        true => clocks,
        false => Vec::new(),
    }
}

/// The most decimal places a column's numbers may have for [`coarse_steps`].
const STEP_PLACES: i32 = 6;
/// The fewest distinct values a column must show for [`coarse_steps`]: a step shared by so
/// many differences is no coincidence (half of them share a factor of 2 by chance).
const STEP_VALUES: usize = 20;
/// The smallest share of the steps between its extremes a column's distinct values must fill
/// for [`coarse_steps`]: knots in mph (multiples of 1.15078) are all even in their fifth
/// place, but 30 values over ten million steps of 0.00002 are no grid a reader would see.
const STEP_COVER: f64 = 0.01;

/// The step and origin ([`Grid::Steps`]) of numbers with at most [`STEP_PLACES`] decimal
/// places whose differences are all multiples of a step larger than their last place, from
/// [`STEP_VALUES`] distinct values up, filling [`STEP_COVER`] of the steps between their
/// extremes; `None` for any other numbers (cents, and whole numbers, which [`Grid::Step`] puts
/// on multiples of their step).
fn coarse_steps(numbers: impl Iterator<Item = f64> + Clone) -> Option<Grid> {
    let scale = (0..=STEP_PLACES)
        .map(|places| 10f64.powi(places))
        .find(|scale| numbers.clone().all(|x| is_whole(x * scale)))?;
    let mut units: Vec<i64> = numbers.map(|x| (x * scale).round() as i64).collect();
    units.sort_unstable();
    units.dedup();
    let (first, last) = (*units.first()?, *units.last()?);
    if units.len() < STEP_VALUES {
        return None;
    }
    let step = units
        .iter()
        .fold(0, |step, &u| gcd(step, u.abs_diff(first)));
    let origin = first.rem_euclid(i64::try_from(step).ok()?);
    let steps = last.abs_diff(first) / step.max(1) + 1;
    let filled = units.len() as f64 >= STEP_COVER * steps as f64;
    (step > 1 && filled).then(|| Grid::Steps {
        origin: origin as f64 / scale,
        step: step as f64 / scale,
    })
}

/// Whether a scaled number is whole up to a double's noise, and small enough to be counted in
/// whole units.
fn is_whole(scaled: f64) -> bool {
    scaled.abs() < 1.0e15 && (scaled - scaled.round()).abs() <= 1.0e-6
}

/// The greatest common divisor (`gcd(0, n)` is `n`).
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The distinct values of `numbers` seen at least `min_count` times, sorted, when there are at
/// most [`GRID_VALUES`] distinct values, at least two of them frequent, holding [`GRID_COVER`]
/// of the numbers.
fn few_values(numbers: impl Iterator<Item = f64>, min_count: usize) -> Option<Vec<f64>> {
    let mut counts: Vec<(f64, usize)> = Vec::new();
    let mut total = 0usize;
    for x in numbers {
        total += 1;
        match counts.iter().position(|&(v, _)| v == x) {
            Some(at) => counts[at].1 += 1,
            None if counts.len() < GRID_VALUES => counts.push((x, 1)),
            None => return None,
        }
    }
    let frequent: Vec<(f64, usize)> = counts
        .into_iter()
        .filter(|&(_, n)| n >= min_count)
        .collect();
    let held: usize = frequent.iter().map(|&(_, n)| n).sum();
    if frequent.len() < 2 || (held as f64) < GRID_COVER * total as f64 {
        return None;
    }
    let mut values: Vec<f64> = frequent.into_iter().map(|(v, _)| v).collect();
    values.sort_by(f64::total_cmp);
    Some(values)
}

/// The values of a column of whole numbers that are codes, not amounts: they lie a thousand
/// apart on average (TPC-DS's brand ids 1001001 to 10016017, 86 of them), so a number
/// smoothed between two neighbours names no real code (4974128). Only the codes seen in at
/// least `min_count` rows, as a category keeps its labels, and at least two of them: a
/// doctor's NPI, ten digits and held by one doctor each, was written as a real NPI in every
/// synthetic row. At most [`MAX_CODES`] of them, sorted.
fn sparse_codes(numbers: impl Iterator<Item = f64>, min_count: usize) -> Option<Vec<f64>> {
    let mut numbers: Vec<f64> = numbers.collect();
    numbers.sort_by(f64::total_cmp);
    let runs = numbers.chunk_by(|a, b| a == b);
    let distinct = runs.clone().count();
    let (first, last) = (*numbers.first()?, *numbers.last()?);
    let sparse = distinct >= 2 && (last - first) >= SPARSE_GAP * distinct as f64;
    if !sparse || distinct > MAX_CODES {
        return None;
    }
    let codes: Vec<f64> = runs
        .filter(|run| run.len() >= min_count)
        .map(|run| run[0])
        .collect();
    (codes.len() >= 2).then_some(codes)
}

/// The values of a column of a few whole numbers with gaps between them, when those seen in
/// at least `min_count` rows hold [`GRID_COVER`] of the rows and, as a run of whole numbers,
/// would leave some out: a visit's 25, 40, 50 or 90 minutes, a flat's 1, 2, 3, 4, 6 or 8
/// rooms. Rounded, a number smoothed between two of them in a leaf came out as one no real
/// row has (28 flats of 2,000 with 5 or 7 rooms). A run without gaps (counts 0 to 6) stays
/// [`Grid::Whole`]: its rare values keep their rows. At most [`FEW_WHOLES`] of them, sorted.
fn few_wholes_apart(numbers: impl Iterator<Item = f64>, min_count: usize) -> Option<Vec<f64>> {
    let mut numbers: Vec<f64> = numbers.collect();
    numbers.sort_by(f64::total_cmp);
    let runs = numbers.chunk_by(|a, b| a == b);
    if runs.clone().count() > FEW_WHOLES {
        return None;
    }
    let frequent: Vec<&[f64]> = runs.filter(|run| run.len() >= min_count).collect();
    let held: usize = frequent.iter().map(|run| run.len()).sum();
    let values: Vec<f64> = frequent.iter().map(|run| run[0]).collect();
    let step = values
        .windows(2)
        .fold(0u64, |step, pair| gcd(step, (pair[1] - pair[0]) as u64));
    let gaps = values
        .windows(2)
        .any(|pair| (pair[1] - pair[0]) as u64 != step);
    let covered = held as f64 >= GRID_COVER * numbers.len() as f64;
    (values.len() >= 2 && gaps && covered).then_some(values)
}

/// The most distinct whole numbers a column may have for [`few_wholes_apart`].
const FEW_WHOLES: usize = 16;

/// The mean distance between a column's whole numbers that makes them codes.
const SPARSE_GAP: f64 = 1_000.0;

/// The most codes a column is put on ([`sparse_codes`]).
const MAX_CODES: usize = 4_096;

/// The range numbers may take: the real range without the `min_count - 1` most extreme values
/// on each side (as [`Marginal`] does).
fn protected_bounds(column: &Column, min_count: usize) -> Option<(f64, f64)> {
    Tails::of(column, min_count).map(|tails| tails.bounds)
}

/// A column's protected bounds ([`protected_bounds`]) and where its extremes go in a leaf.
/// Clipped to the bound, the `min_count - 1` extremes piled up there with it: TPC-H put 7 and
/// 10 parts at 902.00 where no real price is held by more than two. In a column whose values
/// are mostly distinct (fewer than `min_count` rows a value), the `i`-th lowest is held as the
/// real value `i` places below the `min_count`-th lowest's inner neighbours instead (the
/// bound is held twice, the next values inside it twice each; the highest likewise), so each
/// extreme row keeps its leaf and takes a value real rows have. A column whose values repeat
/// (years, minutes of delay) keeps the pile, which reads as one more repeat there, and the
/// bound's many rows keep the output's range the real one's less the extremes (a range a
/// few years short put every plane's year in other bins of SDMetrics' contingency tables).
struct Tails {
    bounds: (f64, f64),
    /// Each extreme value and the value it is held as, sorted by the extreme.
    inward: Vec<(f64, f64)>,
}

impl Tails {
    /// The tails of `column`'s numbers (`None`: it has none).
    fn of(column: &Column, min_count: usize) -> Option<Tails> {
        let mut numbers: Vec<f64> = column.values.iter().filter_map(Value::as_number).collect();
        if numbers.is_empty() {
            return None;
        }
        numbers.sort_by(f64::total_cmp);
        let last = numbers.len() - 1;
        let trim = min_count.saturating_sub(1);
        let trim = if numbers.len() > 4 * trim + 1 {
            trim
        } else {
            0
        };
        let bounds = (numbers[trim], numbers[last - trim]);
        let distinct = 1 + numbers.windows(2).filter(|pair| pair[0] != pair[1]).count();
        if distinct.saturating_mul(min_count) <= numbers.len() {
            let inward = Vec::new();
            return Some(Tails { bounds, inward });
        }
        let mut inward: Vec<(f64, f64)> = (0..trim)
            .flat_map(|i| {
                [
                    (numbers[i], numbers[2 * trim - 1 - i]),
                    (numbers[last - i], numbers[last + 1 - 2 * trim + i]),
                ]
            })
            .filter(|&(extreme, _)| extreme < bounds.0 || extreme > bounds.1)
            .collect();
        inward.sort_by(|a, b| a.0.total_cmp(&b.0));
        inward.dedup_by(|a, b| a.0 == b.0);
        Some(Tails { bounds, inward })
    }

    /// `x` as a leaf holds it: inside the bounds.
    fn held(&self, x: f64) -> f64 {
        let (low, high) = self.bounds;
        if (low..=high).contains(&x) {
            return x;
        }
        match self
            .inward
            .binary_search_by(|(extreme, _)| extreme.total_cmp(&x))
        {
            Ok(at) => self.inward[at].1,
            Err(_) => x.clamp(low, high),
        }
    }
}

/// For each column, whether it is drawn as a gap from the row before, in its sequence's
/// order: every column of short sequences (whose previous row is a feature), the `order_by`
/// column, and a column whose real sequences are nearly always in order.
fn drawn_in_sequence(data: &TrainingData<'_>, layout: Layout, sequences: &Sequences) -> Vec<bool> {
    let columns = &data.table.columns;
    (0..columns.len())
        .into_par_iter()
        .map(|column| {
            layout.sequential
                && (layout.previous
                    || data.order_by == Some(column)
                    || sequences.in_order(&columns[column]) >= 0.99)
        })
        .collect()
}

/// Columns with few distinct values first: trees condition a wide column on narrow ones more
/// easily than the reverse. Ids and text (drawn on their own) go last, and after them the
/// columns the children work out (`from_children`), which no tree reads.
fn generation_order(columns: &[Column], from_children: &[usize]) -> Vec<usize> {
    let mut order: Vec<(bool, bool, usize, usize)> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let own = matches!(column.kind, ColumnKind::Id | ColumnKind::Text);
            let worked_out = from_children.contains(&index);
            (worked_out, own, distinct_values(&column.values), index)
        })
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, _, _, index)| index).collect()
}

/// The features no tree reads: the parent's columns its rows work out (`derived_context`) and
/// the table's own columns its children work out, in this row and the one before. In the real
/// rows they follow from the rest; a value drawn for them is replaced, and rows drawn to
/// follow it would not (TPC-H's orders drawn under a drawn status left a dip in the order
/// dates of the months whose lines straddle the status date).
fn unread_features(
    layout: Layout,
    derived_context: &[usize],
    from_children: &[usize],
) -> Vec<usize> {
    let mut unread = derived_context.to_vec();
    for &column in from_children {
        unread.push(layout.current(column));
        if layout.sequential {
            unread.push(layout.previous(column));
        }
    }
    unread
}

/// How many distinct values a column has (nulls count as one), without copying any.
fn distinct_values(values: &[Value]) -> usize {
    fn key(value: &Value) -> (u8, u64, Option<&str>) {
        match value {
            Value::Null => (0, 0, None),
            Value::Number(x) => (1, x.to_bits(), None),
            Value::Flag(flag) => (2, u64::from(*flag), None),
            Value::Label(label) => (3, 0, Some(label.as_ref())),
        }
    }
    values.iter().map(key).collect::<HashSet<_>>().len()
}

impl Sequences {
    /// The mean length of the non-empty sequences.
    fn mean_length(&self) -> f64 {
        let starts = self.previous.iter().filter(|p| p.is_none()).count();
        self.rows.len() as f64 / starts.max(1) as f64
    }

    /// The share of consecutive pairs inside sequences whose values do not decrease.
    fn in_order(&self, column: &Column) -> f64 {
        let pairs: Vec<bool> = self
            .rows
            .iter()
            .filter_map(|&row| {
                let before = self.previous[row]?;
                let (a, b) = (
                    column.values[before].as_number()?,
                    column.values[row].as_number()?,
                );
                Some(a <= b)
            })
            .collect();
        pairs.iter().filter(|&&ordered| ordered).count() as f64 / pairs.len().max(1) as f64
    }

    fn of(data: &TrainingData<'_>) -> Sequences {
        let n = data.table.rows();
        let Some(link) = &data.parent else {
            return Sequences {
                rows: (0..n).collect(),
                position: vec![0; n],
                length: vec![1; n],
                previous: vec![None; n],
                parent: vec![None; n],
            };
        };
        let order_key = data.order_by.and_then(|c| data.table.columns.get(c));
        let mut rows: Vec<usize> = (0..n).collect();
        rows.sort_by(|&a, &b| {
            let parent = link.parent_of_row[a]
                .map_or(usize::MAX, |p| p)
                .cmp(&link.parent_of_row[b].map_or(usize::MAX, |p| p));
            let within = order_key.map_or(std::cmp::Ordering::Equal, |column| {
                column.values[a].order(&column.values[b])
            });
            parent.then(within).then(a.cmp(&b))
        });
        let mut position = vec![0; n];
        let mut length = vec![1; n];
        let mut previous = vec![None; n];
        let counts = link.children_per_parent();
        for window in rows.windows(2) {
            let (before, row) = (window[0], window[1]);
            let parent = link.parent_of_row[row];
            if parent.is_some() && parent == link.parent_of_row[before] {
                previous[row] = Some(before);
                position[row] = position[before] + 1;
            }
        }
        for (length, parent) in length.iter_mut().zip(&link.parent_of_row) {
            if let Some(parent) = parent {
                *length = counts[*parent];
            }
        }
        Sequences {
            rows,
            position,
            length,
            previous,
            parent: link.parent_of_row.clone(),
        }
    }
}

/// The context columns (indices) the table's rows work out once drawn: a parent's total or
/// values of children ([`crate::rules::totals`]). In the real rows they follow from the
/// children; conditioned on a drawn one, the children would follow it instead (TPC-H's lines
/// drawn under a drawn order total came out alike within an order, and the totals worked out
/// from them spread wider than the real ones), so no tree reads them.
fn derived_context(rules: &[Rule], context: &[Column]) -> Vec<usize> {
    rules
        .iter()
        .filter_map(|rule| match rule.kind.worked_out_in_parent()? {
            Col::Parent { column, .. } => context.iter().position(|c| &c.name == column),
            Col::Own(_) | Col::Grand { .. } => None,
        })
        .collect()
}

/// Codes of every feature for every table row (by layout index, then row).
fn feature_codes(
    layout: Layout,
    sequences: &Sequences,
    columns: &[Column],
    encoders: &[Encoder],
    context: &[Column],
    context_encoders: &[Encoder],
) -> Vec<Vec<u8>> {
    let n = sequences.position.len();
    let mut codes = vec![Vec::new(); layout.total()];
    for (index, (column, encoder)) in columns.iter().zip(encoders).enumerate() {
        codes[layout.current(index)] = column.values.iter().map(|v| encoder.encode(v)).collect();
    }
    if !layout.sequential {
        return codes;
    }
    for (index, (column, encoder)) in context.iter().zip(context_encoders).enumerate() {
        codes[index] = sequences
            .parent
            .iter()
            .map(|parent| parent.map_or(0, |p| encoder.encode(&column.values[p])))
            .collect();
    }
    codes[layout.position()] = sequences.position.iter().map(|&p| count_code(p)).collect();
    codes[layout.length()] = sequences.length.iter().map(|&l| count_code(l)).collect();
    codes[layout.progress()] = sequences
        .position
        .iter()
        .zip(&sequences.length)
        .map(|(&p, &l)| progress_code(p, l))
        .collect();
    for index in 0..columns.len() {
        let current = codes[layout.current(index)].clone();
        codes[layout.previous(index)] = (0..n)
            .map(|row| sequences.previous[row].map_or(0, |before| current[before]))
            .collect();
    }
    codes
}

/// For each context column, how many distinct parents that have children carry each code.
fn parents_per_code(
    data: &TrainingData<'_>,
    context: &[Column],
    encoders: &[Encoder],
) -> Vec<Vec<usize>> {
    let Some(link) = &data.parent else {
        return Vec::new();
    };
    let counts = link.children_per_parent();
    context
        .iter()
        .zip(encoders)
        .map(|(column, encoder)| {
            let mut parents = vec![0; encoder.bins()];
            for (parent, _) in counts.iter().enumerate().filter(|(_, count)| **count > 0) {
                parents[usize::from(encoder.encode(&column.values[parent]))] += 1;
            }
            parents
        })
        .collect()
}

/// Whether each feature's codes are ordered (numbers, positions) or not (categories).
fn ordered_features(
    layout: Layout,
    encoders: &[Encoder],
    context_encoders: &[Encoder],
) -> Vec<bool> {
    let mut ordered = vec![true; layout.total()];
    for (index, encoder) in encoders.iter().enumerate() {
        ordered[layout.current(index)] = encoder.ordered();
        if layout.sequential {
            ordered[layout.previous(index)] = encoder.ordered();
        }
    }
    if layout.sequential {
        for (index, encoder) in context_encoders.iter().enumerate() {
            ordered[index] = encoder.ordered();
        }
    }
    ordered
}

struct ColumnSetup<'a> {
    column: &'a Column,
    allowed: &'a [usize],
    codes: &'a [Vec<u8>],
    ordered: &'a [bool],
    /// For each context feature, the number of distinct parents (with children) per code.
    context_parents: &'a [Vec<usize>],
    sequences: &'a Sequences,
    min_count: usize,
    params: TreeParams,
}

/// `gaps`: model a datetime as gaps inside its sequence (when sequences are short or ordered
/// by it; over long unordered sequences the gaps would random-walk away from the real dates).
/// `carried`: the sequences are long (rows see no previous row), so a number's
/// [`persistence`] is measured. `fallback` is the column's distribution on its own: what ids
/// and text are drawn from, and what an empty leaf draws.
fn train_column(
    setup: &ColumnSetup<'_>,
    fallback: Marginal,
    (gaps, carried): (bool, bool),
    anchor: Option<&Column>,
) -> (ColumnModel, Option<f64>) {
    let column = setup.column;
    if column.values.iter().all(Value::is_null) {
        return (ColumnModel::Marginal(fallback), None);
    }
    if matches!(column.kind, ColumnKind::Id | ColumnKind::Text) {
        return (train_on_its_own(setup, fallback), None);
    }
    if gaps && column.kind == ColumnKind::Datetime {
        return (train_gaps(setup, anchor, fallback), None);
    }
    let rows: Vec<usize> = setup.sequences.rows.clone();
    let targets: Vec<Value> = column.values.clone();
    let tails = Tails::of(column, setup.min_count);
    let (conditional, leaf_rows) = fit_leaves(setup, &rows, &targets, fallback, tails.as_ref());
    let numeric = matches!(column.kind, ColumnKind::Numerical | ColumnKind::Datetime);
    let persistence = (carried && numeric)
        .then(|| persistence(&leaf_rows, &targets, &setup.sequences.previous))
        .flatten();
    (ColumnModel::Tree(conditional), persistence)
}

/// A column the rules keep on fractions of the parent's column `parent` (context column `of`):
/// each real row's fraction (the nearest to its value) as a label, learned by a tree
/// ([`ColumnModel::Share`]); a row without a value, or whose parent has none above zero, has an
/// empty cell. `None` when no row has a fraction.
fn train_share(
    setup: &ColumnSetup<'_>,
    parent: &Column,
    (of, fractions): (usize, &[f64]),
    min_count: usize,
) -> Option<ColumnModel> {
    let column = setup.column;
    let parent_value = |row: usize| {
        let p = setup.sequences.parent.get(row).copied().flatten()?;
        parent.values.get(p)?.as_number().filter(|p| *p > 0.0)
    };
    let labels: Vec<Value> = (column.values.iter().enumerate())
        .map(|(row, value)| {
            let (x, p) = (value.as_number(), parent_value(row));
            let f = x
                .zip(p)
                .and_then(|(x, p)| nearest_fraction(x, p, fractions));
            f.map_or(Value::Null, |f| Value::Label(Arc::from(fraction_label(f))))
        })
        .collect();
    if labels.iter().all(Value::is_null) {
        return None;
    }
    let labels = Column {
        name: column.name.clone(),
        kind: ColumnKind::Categorical,
        format: column.format.clone(),
        values: labels,
    };
    let label_setup = ColumnSetup {
        column: &labels,
        ..*setup
    };
    let on_its_own = Marginal::fit(&labels, min_count, false);
    let rows = &setup.sequences.rows;
    let fraction = fit_conditional(&label_setup, rows, &labels.values, on_its_own, None);
    Some(ColumnModel::Share {
        fraction: Box::new(fraction),
        of,
    })
}

/// The label a fraction is learned as: the shortest decimal that reads back as it.
fn fraction_label(f: f64) -> String {
    f.to_string()
}

/// A share's value: the fraction drawn from its tree (the tree's own marginal where the leaf
/// gives a label that is none, a rare one) times the parent's value; empty without a parent's
/// value above zero or a drawn fraction.
fn share_of(
    fraction: &Conditional,
    codes: &[u8],
    parent: Option<f64>,
    rng: &mut SynthRng,
) -> Value {
    let read = |label: &Value| match label {
        Value::Label(text) => text.parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    let drawn = fraction.sample_at(codes, None, rng);
    let f = match (&drawn, read(&drawn)) {
        (Value::Null, _) => None,
        (_, Some(f)) => Some(f),
        (_, None) => read(&fraction.fallback.sample_present(rng)),
    };
    match (f, parent.filter(|p| *p > 0.0)) {
        (Some(f), Some(p)) => Value::Number(p * f),
        _ => Value::Null,
    }
}

/// An id or text column: drawn on its own ([`ColumnModel::Marginal`]), or, where at least the
/// privacy threshold of its real cells are empty and as many are not, with a tree for which
/// ones are ([`ColumnModel::Sparse`]).
fn train_on_its_own(setup: &ColumnSetup<'_>, values: Marginal) -> ColumnModel {
    if let Some(code) = code_tree(setup, &values) {
        return ColumnModel::Coded {
            code: Box::new(code),
            values: values.never_empty().with_tied_codes(),
        };
    }
    match presence_tree(setup) {
        Some(presence) => ColumnModel::Sparse {
            presence: Box::new(presence),
            values: values.never_empty(),
        },
        None => ColumnModel::Marginal(values),
    }
}

/// A tree for whether a row's cell of the column is empty, where at least the privacy
/// threshold of its real cells are and as many are not, and some earlier column may tell.
fn presence_tree(setup: &ColumnSetup<'_>) -> Option<Conditional> {
    let column = setup.column;
    let empty = column.values.iter().filter(|value| value.is_null()).count();
    let filled = column.values.len() - empty;
    let least = setup.min_count.max(1);
    if empty < least || filled < least || setup.allowed.is_empty() {
        return None;
    }
    let presence = presence_of(column);
    let presence_setup = ColumnSetup {
        column: &presence,
        ..*setup
    };
    let on_its_own = Marginal::fit(&presence, setup.min_count, false);
    let rows = &setup.sequences.rows;
    Some(fit_conditional(
        &presence_setup,
        rows,
        &presence.values,
        on_its_own,
        None,
    ))
}

/// A tree for the code of a row's id ([`IdShape::code_of`]) and whether its cell is empty,
/// for an id column whose ids carry codes that the earlier columns predict
/// ([`predicts_codes`]); `None` otherwise, and the column is drawn as before.
fn code_tree(setup: &ColumnSetup<'_>, values: &Marginal) -> Option<Conditional> {
    let shape = values.id_shape().filter(|shape| shape.has_codes())?;
    if setup.allowed.is_empty() {
        return None;
    }
    let codes = codes_of(setup.column, shape);
    let code_setup = ColumnSetup {
        column: &codes,
        ..*setup
    };
    let on_its_own = Marginal::fit(&codes, setup.min_count, false);
    let rows = &setup.sequences.rows;
    let (tree, leaf_rows) = fit_leaves(&code_setup, rows, &codes.values, on_its_own, None);
    predicts_codes(&leaf_rows, &codes.values).then_some(tree)
}

/// A column of the codes the ids of `column` carry ([`IdShape::code_of`]), [`RARE`] for an
/// id that carries none, empty cells empty.
fn codes_of(column: &Column, shape: &IdShape) -> Column {
    let rare: Arc<str> = Arc::from(RARE);
    let values = column.values.iter().map(|value| match value {
        Value::Null => Value::Null,
        Value::Label(id) => Value::Label(shape.code_of(id).unwrap_or_else(|| Arc::clone(&rare))),
        _ => Value::Label(Arc::clone(&rare)),
    });
    Column {
        name: column.name.clone(),
        kind: ColumnKind::Categorical,
        format: column.format.clone(),
        values: values.collect(),
    }
}

/// The most a code tree's leaves may leave of the codes' entropy for the tree to be used
/// ([`predicts_codes`]): the codes must follow the row, not merely lean on it. An IBAN's
/// country drawn independently of the row stays drawn on its own.
const CODES_LEFT: f64 = 0.5;

/// Whether the leaves of a code tree (`leaf_rows` of `codes`) predict the codes of the ids
/// that carry one: their entropy within the leaves at most [`CODES_LEFT`] of theirs over
/// the column, and some to predict (two codes at least).
fn predicts_codes(leaf_rows: &[Vec<u32>], codes: &[Value]) -> bool {
    let coded = |row: &u32| match &codes[*row as usize] {
        Value::Label(code) if &**code != RARE => Some(Arc::clone(code)),
        _ => None,
    };
    let leaves: Vec<Vec<Arc<str>>> = (leaf_rows.iter())
        .map(|rows| rows.iter().filter_map(coded).collect())
        .collect();
    let all: Vec<Arc<str>> = leaves.iter().flatten().cloned().collect();
    let total = entropy(&all) * all.len() as f64;
    let within: f64 = (leaves.iter())
        .map(|leaf| entropy(leaf) * leaf.len() as f64)
        .sum();
    total > 0.0 && within <= CODES_LEFT * total
}

/// The entropy (in nats) of the labels' frequencies; 0 for none.
fn entropy(labels: &[Arc<str>]) -> f64 {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    let n = labels.len() as f64;
    (counts.values())
        .map(|&count| count as f64 / n)
        .map(|p| -p * p.ln())
        .sum()
}

/// An id of `values` for a row whose earlier columns' `codes` are drawn: its code (or an
/// empty cell) from the `code` tree, then an id carrying it; an id of any code where the
/// tree draws [`RARE`].
fn coded_id(code: &Conditional, values: &Marginal, codes: &[u8], rng: &mut SynthRng) -> Value {
    match code.sample(codes, rng) {
        Value::Null => Value::Null,
        Value::Label(code) if &*code != RARE => values.sample_coded(&code, rng),
        _ => values.sample_present(rng),
    }
}

/// The label of a cell that is not empty in [`presence_of`].
const PRESENT: &str = "present";

/// A column of [`PRESENT`] where `column` holds a value and empty cells where it does not.
fn presence_of(column: &Column) -> Column {
    let present: Arc<str> = Arc::from(PRESENT);
    let values = column.values.iter().map(|value| match value {
        Value::Null => Value::Null,
        _ => Value::Label(Arc::clone(&present)),
    });
    Column {
        name: column.name.clone(),
        kind: ColumnKind::Categorical,
        format: column.format.clone(),
        values: values.collect(),
    }
}

/// A column of long sequences whose consecutive real rows are in order this often follows
/// the row's place in its sequence (the trees read it): its [`persistence`], near 1, would
/// hold each sequence on a few values (a carrier's flights came out in a few months, their
/// spread over the year lost).
const ORDERED_BY_PLACE: f64 = 0.9;

/// The fewest pairs of consecutive rows [`persistence`] is measured on.
const PERSISTENCE_PAIRS: usize = 200;

/// How strongly a row's place among the values of its leaf follows the previous row's place
/// in its own leaf: the correlation of their normal scores (a Gaussian copula of order one),
/// `None` below 0.1. Over a long sequence no row sees the one before (that drifted like a
/// random walk), so each reading of an airport's weather was drawn afresh from its season:
/// temperatures jumped 9.8 degrees from one reading to the next where real ones move 3.8. A
/// place carried on keeps each leaf's values (the season's) and moves through them as slowly
/// as the real rows do.
fn persistence(
    leaf_rows: &[Vec<u32>],
    values: &[Value],
    previous: &[Option<usize>],
) -> Option<f64> {
    let mut scores = vec![None; values.len()];
    for rows in leaf_rows {
        let mut numbers: Vec<(f64, usize)> = rows
            .iter()
            .filter_map(|&row| Some((values[row as usize].as_number()?, row as usize)))
            .collect();
        numbers.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = numbers.len() as f64;
        // Tied values share the middle of their places.
        let mut start = 0;
        for tied in numbers.chunk_by(|a, b| a.0 == b.0) {
            let score = normal_quantile((2 * start + tied.len()) as f64 / (2.0 * n));
            for &(_, row) in tied {
                scores[row] = Some(score);
            }
            start += tied.len();
        }
    }
    let (now, before): (Vec<Option<f64>>, Vec<Option<f64>>) = previous
        .iter()
        .enumerate()
        .filter_map(|(row, before)| Some((scores[row]?, scores[(*before)?]?)))
        .map(|(now, before)| (Some(now), Some(before)))
        .unzip();
    if now.len() < PERSISTENCE_PAIRS {
        return None;
    }
    pearson(&now, &before)
        .filter(|&rho| rho >= MIN_PERSISTENCE)
        .map(|rho| rho.min(MAX_PERSISTENCE))
}

/// Below this, a row's place follows the row before's too little to be worth carrying.
const MIN_PERSISTENCE: f64 = 0.1;
/// The most a place is carried on: nearer 1, a sequence of hundreds of rows would stay on a
/// few of its leaves' values (each fresh share of a draw is `sqrt(1 - rho^2)`: 0.31 here),
/// and its spread would come from a few sequences' wanderings, not from the leaves.
const MAX_PERSISTENCE: f64 = 0.95;

/// Splits a sequence's datetimes into first values (offsets from the parent's date when there
/// is one) and gaps from the previous row.
fn train_gaps(setup: &ColumnSetup<'_>, anchor: Option<&Column>, fallback: Marginal) -> ColumnModel {
    let values = &setup.column.values;
    let base_of = |row: usize| {
        setup.sequences.parent[row]
            .and_then(|p| anchor.and_then(|a| a.values[p].as_number()))
            .unwrap_or(0.0)
    };
    let mut first_rows = Vec::new();
    let mut next_rows = Vec::new();
    let mut targets = vec![Value::Null; values.len()];
    let mut offsets = vec![Value::Null; values.len()];
    for &row in &setup.sequences.rows {
        let before = setup.sequences.previous[row].and_then(|b| values[b].as_number());
        let x = values[row].as_number();
        offsets[row] = x.map_or(Value::Null, |x| Value::Number(x - base_of(row)));
        match (x, before) {
            (Some(x), Some(b)) => {
                targets[row] = Value::Number(x - b);
                next_rows.push(row);
            }
            (None, Some(_)) => next_rows.push(row),
            (_, None) => {
                targets[row] = offsets[row].clone();
                first_rows.push(row);
            }
        }
    }
    let from_anchor = anchor.is_some() && offsets_are_tighter(&next_rows, &targets, &offsets);
    if from_anchor {
        for &row in &next_rows {
            targets[row] = offsets[row].clone();
        }
    }
    let gaps: Vec<f64> = next_rows
        .iter()
        .filter_map(|&row| targets[row].as_number())
        .collect();
    let walk = (!from_anchor)
        .then(|| Walk::of(&gaps))
        .flatten()
        .map(|walk| walk.spreading(values));
    // With a tree for the empty cells, the gaps are learned from the cells with a value.
    let presence = presence_tree(setup);
    let fallback = match presence {
        Some(_) => {
            let filled = |row: &usize| !values[*row].is_null();
            first_rows.retain(filled);
            next_rows.retain(filled);
            fallback.never_empty()
        }
        None => fallback,
    };
    ColumnModel::Gap {
        first: Box::new(fit_conditional(
            setup,
            &first_rows,
            &targets,
            fallback.clone(),
            None,
        )),
        next: Box::new(fit_conditional(setup, &next_rows, &targets, fallback, None)),
        from_anchor,
        walk,
        presence: presence.map(Box::new),
    }
}

/// Whether a sequence's later values are drawn better as offsets from the parent's date than
/// as gaps from the previous value: the gaps are not (nearly) all forward (a sequence in the
/// column's order keeps its gaps, which keep it in order) and the offsets vary less. A line
/// of a TPC-H order ships 1 to 121 days after its order, whatever its other lines do: as gaps,
/// an order's lines shipped closer together than real ones (consecutive lines' offsets
/// correlated 0.31, real 0.005), and fewer orders had lines on both sides of a day.
fn offsets_are_tighter(next_rows: &[usize], gaps: &[Value], offsets: &[Value]) -> bool {
    let pairs: Vec<(f64, f64)> = next_rows
        .iter()
        .filter_map(|&row| Some((gaps[row].as_number()?, offsets[row].as_number()?)))
        .collect();
    if pairs.is_empty() {
        return false;
    }
    let forward = pairs.iter().filter(|(gap, _)| *gap >= 0.0).count();
    if forward as f64 >= 0.99 * pairs.len() as f64 {
        return false;
    }
    let spread = |values: &mut dyn Iterator<Item = f64>| {
        let values: Vec<f64> = values.collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
    };
    spread(&mut pairs.iter().map(|p| p.1)) < spread(&mut pairs.iter().map(|p| p.0))
}

/// Fits a tree predicting `targets` on `rows` from the allowed features.
fn fit_conditional(
    setup: &ColumnSetup<'_>,
    rows: &[usize],
    targets: &[Value],
    fallback: Marginal,
    tails: Option<&Tails>,
) -> Conditional {
    fit_leaves(setup, rows, targets, fallback, tails).0
}

/// [`fit_conditional`], and the rows of each leaf.
fn fit_leaves(
    setup: &ColumnSetup<'_>,
    rows: &[usize],
    targets: &[Value],
    fallback: Marginal,
    tails: Option<&Tails>,
) -> (Conditional, Vec<Vec<u32>>) {
    let kind = setup.column.kind;
    let target_encoder = match kind {
        ColumnKind::Numerical | ColumnKind::Datetime => {
            Encoder::numeric(rows.iter().filter_map(|&r| targets[r].as_number()))
        }
        _ => Encoder::fit(setup.column, setup.min_count),
    };
    let classes: Vec<u16> = targets
        .iter()
        .map(|v| u16::from(target_encoder.encode(v)))
        .collect();
    let features: Vec<Feature<'_>> = setup
        .allowed
        .iter()
        .map(|&index| Feature {
            codes: &setup.codes[index],
            bins: feature_bins(&setup.codes[index]),
            ordered: setup.ordered[index],
            parents_per_code: setup.context_parents.get(index).map(Vec::as_slice),
        })
        .collect();
    let rows32: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
    let (tree, leaf_rows) = Tree::fit(
        &features,
        &classes,
        target_encoder.bins(),
        rows32,
        setup.params,
    );
    let frequent = frequent_labels(setup.column, setup.min_count);
    let leaves = leaf_rows
        .iter()
        .map(|rows| leaf_values(rows, targets, &frequent, tails))
        .collect();
    let conditional = Conditional {
        tree,
        features: setup.allowed.to_vec(),
        leaves,
        fallback,
        drawable: OnceLock::new(),
    };
    (conditional, leaf_rows)
}

/// The number of codes a feature uses (its largest code + 1).
fn feature_bins(codes: &[u8]) -> usize {
    codes
        .iter()
        .copied()
        .max()
        .map_or(1, |max| usize::from(max) + 1)
}

/// Labels seen at least `min_count` times: only these may be drawn.
fn frequent_labels(column: &Column, min_count: usize) -> HashSet<Arc<str>> {
    let mut counts: HashMap<&Arc<str>, usize> = HashMap::new();
    for value in &column.values {
        if let Value::Label(label) = value {
            *counts.entry(label).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, count)| *count >= min_count)
        .map(|(label, _)| label.clone())
        .collect()
}

/// The values a leaf keeps: each rare label replaced by [`RARE`] and, for absolute values
/// (`tails`), numbers held inside the protected bounds ([`Tails::held`]), so the model holds
/// nothing the output would never show.
fn leaf_values(
    rows: &[u32],
    targets: &[Value],
    frequent: &HashSet<Arc<str>>,
    tails: Option<&Tails>,
) -> LeafValues {
    let rare: Arc<str> = Arc::from(RARE);
    let mut nulls = 0;
    let mut values = Vec::new();
    for &row in rows {
        match &targets[row as usize] {
            Value::Null => nulls += 1,
            Value::Label(label) if !frequent.contains(label) => {
                values.push(Value::Label(Arc::clone(&rare)));
            }
            Value::Number(x) if let Some(tails) = tails => {
                values.push(Value::Number(tails.held(*x)));
            }
            value => values.push(value.clone()),
        }
    }
    values.sort_by(Value::order);
    LeafValues {
        nulls,
        values: Runs::new(values),
    }
}

/// What a leaf holds in place of each label rarer than the privacy threshold. Dropped, the
/// rare labels' rows left the leaf's empty cells and frequent labels to stand for them:
/// TPC-DS `ca_zip` came out empty five times as often as the real column, and the trees of
/// later columns, trained on rows whose county was coded as rare, never saw one drawn (their
/// empty street numbers quadrupled). Drawn, it is coded as the rare labels were in training
/// and written as one of the column's frequent labels ([`LearnedModel::keep_drawn`]).
const RARE: &str = "\u{0}rare";

/// Whether a drawn value is [`RARE`].
fn is_rare(value: &Value) -> bool {
    matches!(value, Value::Label(label) if &**label == RARE)
}

/// The tree of children counts over the parent's context.
fn train_lengths(
    counts: &[usize],
    context: &[Column],
    encoders: &[Encoder],
    params: TreeParams,
) -> (Tree, Vec<Vec<usize>>) {
    let codes: Vec<Vec<u8>> = context
        .iter()
        .zip(encoders)
        .map(|(column, encoder)| column.values.iter().map(|v| encoder.encode(v)).collect())
        .collect();
    let features: Vec<Feature<'_>> = codes
        .iter()
        .zip(encoders)
        .map(|(codes, encoder)| Feature {
            codes,
            bins: feature_bins(codes),
            ordered: encoder.ordered(),
            parents_per_code: None,
        })
        .collect();
    let (classes, class_count) = count_classes(counts);
    let rows: Vec<u32> = (0..counts.len() as u32).collect();
    let (tree, leaves) = Tree::fit(&features, &classes, class_count, rows, params);
    // Sorted: sampling ignores the order, and a saved model then does not tie counts to rows.
    let leaf_counts = leaves
        .iter()
        .map(|rows| {
            let mut leaf: Vec<usize> = rows.iter().map(|&r| counts[r as usize]).collect();
            leaf.sort_unstable();
            leaf
        })
        .collect();
    (tree, leaf_counts)
}

/// The rank of each leaf's mean number of children among the leaves (0 for the smallest; ties
/// in leaf order): of parents drawn the same number of children, those of a leaf whose real
/// parents had more on average come first in line for the larger ones, so the few large counts
/// of a leaf holding every busy parent (three origin airports among thirty) stay with
/// parents that look like them when its synthetic parents drew fewer of them.
fn ranks_by_mean(leaves: &[Vec<usize>]) -> Vec<usize> {
    let mean =
        |counts: &Vec<usize>| counts.iter().sum::<usize>() as f64 / counts.len().max(1) as f64;
    let mut order: Vec<usize> = (0..leaves.len()).collect();
    order.sort_by(|&a, &b| {
        mean(&leaves[a])
            .total_cmp(&mean(&leaves[b]))
            .then(a.cmp(&b))
    });
    let mut ranks = vec![0; leaves.len()];
    for (rank, leaf) in order.into_iter().enumerate() {
        ranks[leaf] = rank;
    }
    ranks
}

/// Whether nearly every parent has no children (a flight table's three origin airports among
/// 1,458): so many that every quantile of the counts is zero (past `MAX_BINS - 1` of each
/// `MAX_BINS`), and the counts' bins cannot tell a busy parent from an idle one.
fn nearly_all_childless(counts: impl Iterator<Item = usize>) -> bool {
    let (mut parents, mut idle) = (0usize, 0usize);
    for count in counts {
        parents += 1;
        idle += usize::from(count == 0);
    }
    idle < parents && idle > (MAX_BINS - 1) * parents / MAX_BINS
}

/// The class of each parent's number of children for the length tree, and the number of
/// classes: the children counts' quantile bins, except where [`nearly_all_childless`]: there
/// a parent without children is a class of its own, beside the bins of the counts of those with
/// some, so the tree can learn which parents have children at all.
fn count_classes(counts: &[usize]) -> (Vec<u16>, usize) {
    let number = |count: usize| Value::Number(count as f64);
    if !nearly_all_childless(counts.iter().copied()) {
        let all = Encoder::numeric(counts.iter().map(|&c| c as f64));
        let classes = counts
            .iter()
            .map(|&c| u16::from(all.encode(&number(c))))
            .collect();
        return (classes, all.bins().max(COUNT_BINS));
    }
    let some = Encoder::numeric(counts.iter().filter(|&&c| c > 0).map(|&c| c as f64));
    let classes = counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0
            } else {
                1 + u16::from(some.encode(&number(c)))
            }
        })
        .collect();
    (classes, (some.bins() + 1).max(COUNT_BINS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes one leaf each are predicted; codes spread alike over the leaves (an IBAN's
    /// country beside columns it does not follow) are not, nor a single code.
    #[test]
    fn codes_are_predicted_only_when_the_leaves_tell_them() {
        let label = |code: &str| Value::Label(Arc::from(code));
        let codes: Vec<Value> = (0..400)
            .map(|row| match row % 5 {
                4 => Value::Null,
                n => label(["CIG", "BCX", "MCR", "AET"][n]),
            })
            .collect();
        let by = |leaf: fn(u32) -> usize| {
            let mut leaves = vec![Vec::new(); 5];
            (0..400u32).for_each(|row| leaves[leaf(row)].push(row));
            leaves
        };
        assert!(predicts_codes(&by(|row| (row % 5) as usize), &codes));
        assert!(!predicts_codes(&by(|row| (row / 80) as usize), &codes));
        let one: Vec<Value> = (0..400).map(|_| label("CIG")).collect();
        assert!(!predicts_codes(&by(|row| (row % 5) as usize), &one));
    }

    fn numbers(kind: ColumnKind, values: impl IntoIterator<Item = f64>) -> Column {
        Column {
            name: "x".into(),
            kind,
            format: crate::data::ValueFormat::Verbatim,
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    /// A datetime written with as many digits of a second as it needs (`%.f`) is put on the
    /// milliseconds when its real values have none or three digits, on whole seconds when
    /// they have none; finer real values leave it free.
    #[test]
    fn free_fractions_of_a_second_keep_the_real_digits() {
        let stamps = |values: Vec<f64>| Column {
            format: crate::data::ValueFormat::Datetime {
                pattern: "%Y-%m-%d %H:%M:%S%.f".into(),
                date_only: false,
                offset: None,
                upper: false,
            },
            ..numbers(ColumnKind::Datetime, values)
        };
        let start = 1_704_067_200.0;
        let millis: Vec<f64> = (0..300)
            .map(|i| start + f64::from(i) * 37.0 + f64::from(i % 3) * f64::from(i % 1000) / 1e3)
            .collect();
        let grid = Grid::of(&stamps(millis), 5);
        assert_eq!(grid, Grid::Step(1e-3));
        let put = grid.put(start + 12.984_272_003);
        assert!((put - (start + 12.984)).abs() < 1e-6, "{put}");
        let seconds: Vec<f64> = (0..300)
            .map(|i| start + f64::from(i) * 37.0 + 1.0)
            .collect();
        assert_eq!(Grid::of(&stamps(seconds), 5), Grid::Step(1.0));
        let micros: Vec<f64> = (0..300)
            .map(|i| start + f64::from(i) * 37.0 + f64::from(i * 7919 % 1_000_000) / 1e6)
            .collect();
        assert_eq!(Grid::of(&stamps(micros), 5), Grid::Free);
    }

    /// Each kind of column gets the grid its real values are on, and a draw goes to it.
    #[test]
    fn draws_are_put_on_the_grid_of_the_real_values() {
        let grid = |kind, values: Vec<f64>| Grid::of(&numbers(kind, values), 5);
        // Wind directions in tens; counts; a constant.
        let tens = grid(
            ColumnKind::Numerical,
            (0..200).map(|i| f64::from(i % 36 * 10)).collect(),
        );
        assert_eq!(tens, Grid::Step(10.0));
        assert_eq!(tens.put(126.0), 130.0);
        let counts = grid(
            ColumnKind::Numerical,
            (0..200).map(|i| f64::from(i % 7)).collect(),
        );
        assert_eq!((counts.clone(), counts.put(2.4)), (Grid::Whole, 2.0));
        // Hourly and minute datetimes (seconds); a second off the hour is free.
        let hours = |offset: f64| (0..100).map(move |i| f64::from(i) * 3_600.0 + offset);
        assert_eq!(
            grid(ColumnKind::Datetime, hours(0.0).collect()),
            Grid::Step(3_600.0)
        );
        assert_eq!(
            grid(ColumnKind::Datetime, hours(60.0).collect()),
            Grid::Step(60.0)
        );
        assert_eq!(grid(ColumnKind::Datetime, hours(1.0).collect()), Grid::Free);
        // A term's start date, one of 17 (each of many rows): put on them, not on a day (a
        // walked gap from a previous term's start fell between terms).
        let term = |i: u32| 1_500_000_000.0 + f64::from(i % 17) * 133.0 * 86_400.0;
        let Grid::Values(terms) = grid(ColumnKind::Datetime, (0..600).map(term).collect()) else {
            panic!("a few dates");
        };
        assert_eq!(terms.len(), 17);
        assert_eq!(Grid::Values(terms).put(term(3) + 40.0 * 86_400.0), term(3));
        assert_eq!(Grid::Step(3_600.0).put(5_000.0), 3_600.0);
        // Opening hours on the quarter hour, bookings every half hour.
        let quarters = (0..100).map(|i| f64::from(i) * 3_600.0 + f64::from(i % 4) * 900.0);
        let quarters = grid(ColumnKind::Datetime, quarters.collect());
        assert_eq!(quarters, Grid::Step(900.0));
        assert_eq!(
            quarters.put(7.0 * 3_600.0 + 9.0 * 60.0),
            7.0 * 3_600.0 + 900.0
        );
        let halves = hours(1_800.0).collect();
        assert_eq!(grid(ColumnKind::Datetime, halves), Grid::Step(1_800.0));
        // Knots in mph: 20 values, 3 rows of a rare one (1.5% of the rows): the frequent ones.
        let mut speeds: Vec<f64> = (0..200).map(|i| f64::from(i % 20) * 1.15078).collect();
        speeds.extend([100.5; 3]);
        let Grid::Values(values) = grid(ColumnKind::Numerical, speeds.clone()) else {
            panic!("a few values");
        };
        assert_eq!(values.len(), 20);
        let speed = Grid::Values(values);
        assert_eq!(speed.put(2.0), 2.0 * 1.15078);
        assert_eq!(
            speed.put(99.0),
            19.0 * 1.15078,
            "a rare value goes to a frequent one"
        );
        // Rare values holding more than 5% of the rows, or 65 values: free.
        speeds.extend((0..10).map(|i| 200.5 + f64::from(i)));
        assert_eq!(grid(ColumnKind::Numerical, speeds), Grid::Free);
        // 65 values in tenths (no coarser step): free.
        let many = (0..650)
            .map(|i| f64::from(i % 65) + 0.1 * f64::from(i % 65 % 3))
            .collect();
        assert_eq!(grid(ColumnKind::Numerical, many), Grid::Free);
        assert!(Grid::Values(vec![2.0, 1.0]).check().is_err());
        assert!(Grid::Step(0.0).check().is_err());
    }

    /// Fahrenheit temperatures measured in tenths of a degree Celsius (32 + 0.18k) and prices
    /// ending in .99 keep their step and origin; cents, and too few values, do not.
    #[test]
    fn decimals_on_a_coarser_step_are_put_on_it() {
        let grid = |values: Vec<f64>| Grid::of(&numbers(ColumnKind::Numerical, values), 5);
        let cents = |x: f64| (x * 100.0).round() / 100.0;
        // 200 tenths of a degree from -10 °C, some repeated (more than GRID_VALUES values).
        let fahrenheit: Vec<f64> = (0..400)
            .map(|i| cents(32.0 + 1.8 * (f64::from(i % 200) / 10.0 - 10.0)))
            .collect();
        let temperature = grid(fahrenheit.clone());
        let Grid::Steps { origin, step } = temperature else {
            panic!("no step: {temperature:?}");
        };
        assert!((step - 0.18).abs() < 1e-12, "{step}");
        assert!(
            (origin - 0.14).abs() < 1e-12,
            "{origin} (32 is 177 steps of 0.18 past 0.14)"
        );
        // A value between two of the grid's goes to the nearest: 39.02 and 39.20 are on it.
        for (drawn, put) in [
            (39.05, 39.02),
            (39.15, 39.2),
            (-4.0, -4.0),
            (12.25, 12.2),
            (12.3, 12.38),
        ] {
            assert!(
                (temperature.put(drawn) - put).abs() < 1e-9,
                "{drawn} -> {put}"
            );
        }
        let prices: Vec<f64> = (0..300).map(|i| f64::from(i % 90) + 4.99).collect();
        let shelf = grid(prices);
        assert!((shelf.put(17.42) - 16.99).abs() < 1e-9, "{shelf:?}");
        // Any cent, or 19 values of a step: free.
        let amounts: Vec<f64> = (0..300)
            .map(|i| cents(f64::from(i) * 1.37 + f64::from(i % 7) / 100.0))
            .collect();
        assert_eq!(grid(amounts), Grid::Free);
        // Each seen under the privacy threshold, so that no few values take them first.
        let few: Vec<f64> = (0..76).map(|i| f64::from(i % 19) * 70.0 + 0.5).collect();
        assert!(!matches!(grid(few), Grid::Steps { .. }));
        for (origin, step) in [(0.1, -1.0), (0.0, 1e-300), (0.5, 0.25), (f64::NAN, 1.0)] {
            assert!(
                Grid::Steps { origin, step }.check().is_err(),
                "{origin} {step}"
            );
        }
        assert!(temperature.check().is_ok());
    }

    /// Planted: one leaf holding a sequence whose normal scores follow each other with
    /// correlation 0.8; rows in another order follow nothing.
    #[test]
    fn persistence_is_the_correlation_of_neighbours_places() {
        use rand::SeedableRng;
        let mut rng = SynthRng::seed_from_u64(3);
        let mut score = 0.0;
        let values: Vec<Value> = (0..4000)
            .map(|_| {
                score = 0.8 * score + 0.6 * standard_normal(&mut rng);
                Value::Number(50.0 + 10.0 * score)
            })
            .collect();
        let leaf = vec![(0..4000u32).collect::<Vec<u32>>()];
        let previous: Vec<Option<usize>> = (0..4000usize).map(|row| row.checked_sub(1)).collect();
        let rho = persistence(&leaf, &values, &previous).expect("measured");
        assert!((rho - 0.8).abs() < 0.03, "{rho}");
        let scattered: Vec<Option<usize>> = (0..4000usize)
            .map(|row| (row >= 7).then(|| (row * 1_103) % 4000))
            .collect();
        assert_eq!(persistence(&leaf, &values, &scattered), None);
        let few = vec![(0..150u32).collect::<Vec<u32>>()];
        assert_eq!(persistence(&few, &values[..150], &previous[..150]), None);
    }

    /// A walk ahead of its pace slows in proportion, one behind it is left alone, and no gap
    /// takes the steps the later rows need; past the bound only when they do not fit.
    #[test]
    fn a_walk_slows_to_end_inside_its_bound() {
        let walk = Walk::of(&[1.0, 2.0, 3.0, 6.0, 0.0]).expect("forward gaps");
        assert_eq!((walk.mean, walk.step), (2.4, 1.0));
        let half = || 0.5;
        assert_eq!(Walk::of(&[1.0, -2.0, 3.0]), None);
        assert_eq!(walk.fit(6.0, 100.0, 10, half), 6.0);
        // 12 of room for 10 rows: 1.2 a row, half the mean pace.
        assert!((walk.fit(6.0, 12.0, 10, half) - 3.0).abs() < 1e-9);
        // Room for the later rows' steps first.
        assert_eq!(walk.fit(6.0, 12.0, 2, half), 6.0);
        assert_eq!(walk.fit(20.0, 12.0, 2, half), 11.0);
        assert_eq!(walk.fit(6.0, 5.0, 10, half), 1.0);
        assert_eq!(walk.fit(0.0, 5.0, 10, half), 0.0);
    }

    /// A draw past a bound is reflected inside it (by as much, never past the other bound);
    /// one inside is kept, and so is anything but a number.
    #[test]
    fn draws_past_the_bounds_are_reflected_inside() {
        let at = |x: f64| clip(Value::Number(x), Some((10.0, 20.0))).as_number();
        assert_eq!(at(7.5), Some(12.5));
        assert_eq!(at(23.0), Some(17.0));
        assert_eq!(at(15.0), Some(15.0));
        assert_eq!(at(-100.0), Some(20.0));
        assert_eq!(clip(Value::Number(7.5), None).as_number(), Some(7.5));
        assert_eq!(clip(Value::Flag(true), Some((0.0, 1.0))), Value::Flag(true));
    }

    /// The extremes of a column of distinct values are held as the values just inside the
    /// bounds (the bound twice), each once; a column whose values repeat holds them as the
    /// bound. Nothing is held outside the bounds.
    #[test]
    fn extremes_are_held_inside_the_bounds() {
        let distinct = Tails::of(&numbers(ColumnKind::Numerical, (0..100).map(f64::from)), 5);
        let tails = distinct.expect("numbers");
        assert_eq!(tails.bounds, (4.0, 95.0));
        let held: Vec<f64> = [0.0, 1.0, 2.0, 3.0, 4.0, 50.0, 96.0, 99.0]
            .into_iter()
            .map(|x| tails.held(x))
            .collect();
        assert_eq!(held, [7.0, 6.0, 5.0, 4.0, 4.0, 50.0, 95.0, 92.0]);
        // 200 rows, 24 values: 20 rows of a distinct value, then four values 45 rows each.
        let repeated = (0..20).chain((0..180).map(|i| 100 + i % 4)).map(f64::from);
        let tails = Tails::of(&numbers(ColumnKind::Numerical, repeated), 5).expect("numbers");
        assert_eq!(tails.bounds, (4.0, 103.0));
        assert_eq!(tails.held(0.0), 4.0);
        let few = Tails::of(&numbers(ColumnKind::Numerical, (0..8).map(f64::from)), 5);
        assert_eq!(few.map(|tails| tails.bounds), Some((0.0, 7.0)));
    }

    /// Whole numbers a thousand apart on average are codes: a draw goes to the nearest real
    /// one, not to a number between two (TPC-DS's brand ids: half of them named no real
    /// brand); whole numbers closer together (years, counts, ids of a few hundred) are only
    /// rounded. A code held by fewer rows than the privacy threshold is no grid point, and a
    /// column of such codes only (an NPI a doctor) is only rounded: every synthetic doctor had
    /// a real doctor's NPI. The grid passes the model file's check.
    #[test]
    fn codes_far_apart_are_put_on_their_real_values() {
        let mut brands: Vec<f64> = (1..=10)
            .flat_map(|category| (1..=9).map(move |n| f64::from(category * 1_000_000 + n)))
            .flat_map(|brand| std::iter::repeat_n(brand, 5))
            .collect();
        brands.push(5_500_000.0);
        let grid = Grid::of(&numbers(ColumnKind::Numerical, brands.clone()), 5);
        let Grid::Values(values) = &grid else {
            panic!("codes: {grid:?}");
        };
        assert_eq!(values.len(), 90);
        assert_eq!(grid.put(4_974_128.0), 5_000_001.0);
        assert_eq!(grid.put(3_000_004.4), 3_000_004.0);
        assert_eq!(
            grid.put(5_500_000.0),
            5_000_009.0,
            "a rare code is no grid point"
        );
        assert!(grid.check().is_ok());
        let npis = (0..500).map(|i| f64::from(1_000_000_000_u32 + i * 1_999_993));
        assert_eq!(
            Grid::of(&numbers(ColumnKind::Numerical, npis), 5),
            Grid::Whole
        );
        let manufacturers = (0..130).map(|i| f64::from(i * 7 % 1_000 + 1));
        assert_eq!(
            Grid::of(&numbers(ColumnKind::Numerical, manufacturers), 5),
            Grid::Whole
        );
        let years = (0..300).map(|i| f64::from(1950 + i % 60));
        assert_eq!(
            Grid::of(&numbers(ColumnKind::Numerical, years), 5),
            Grid::Whole
        );
    }

    /// Seconds after 1970 of a calendar date.
    fn day(year: i32, month: u32, day: u32) -> f64 {
        let date = chrono::NaiveDate::from_ymd_opt(year, month, day).expect("a date");
        (i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS) as f64 * 86_400.0
    }

    /// Dates all on the first (or the last) day of their month stay on it, the nearest one,
    /// inside the row's bounds where one fits; a column with one date elsewhere, or too few
    /// dates, is on days as before.
    #[test]
    fn dates_on_the_first_or_last_of_their_month_stay_there() {
        let grid = |values: Vec<f64>| Grid::of(&numbers(ColumnKind::Datetime, values), 5);
        let months = || (0..24).map(|i| day(2023 + i / 12, (i % 12 + 1) as u32, 1));
        let ends: Vec<f64> = (0..24)
            .map(|i| {
                let next = chrono::NaiveDate::from_ymd_opt(2023 + i / 12, (i % 12 + 1) as u32, 1)
                    .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                    .expect("a date");
                (i64::from(next.num_days_from_ce()) - UNIX_EPOCH_DAYS - 1) as f64 * 86_400.0
            })
            .collect();
        let starts = grid(months().collect());
        assert_eq!(starts, Grid::MonthStart);
        assert_eq!(starts.put(day(2024, 3, 14)), day(2024, 3, 1));
        assert_eq!(starts.put(day(2024, 3, 17) + 3_600.0), day(2024, 4, 1));
        let last = grid(ends.clone());
        assert_eq!(last, Grid::MonthEnd);
        assert_eq!(last.put(day(2024, 3, 2)), day(2024, 2, 29));
        assert_eq!(last.put(day(2023, 2, 20)), day(2023, 2, 28));
        // Bounds a day or two short of the nearest month end: the one inside them.
        let within = (day(2024, 4, 29), day(2024, 5, 2));
        assert_eq!(last.put(day(2024, 5, 1)), day(2024, 4, 30));
        assert_eq!(
            last.put_within(day(2024, 5, 17), Some(within)),
            day(2024, 4, 30)
        );
        assert_eq!(
            last.put_within(day(2024, 5, 1), Some((day(2024, 5, 1), day(2024, 5, 3)))),
            day(2024, 4, 30),
            "no month end inside: the nearest, for the rules to fix"
        );
        assert_eq!(
            starts.put_within(day(2024, 3, 5), Some(within)),
            day(2024, 5, 1)
        );
        // One date elsewhere; too few dates; a time of day.
        let mut off = ends.clone();
        off.push(day(2024, 6, 15));
        assert_eq!(grid(off), Grid::Step(86_400.0));
        assert_eq!(grid(ends[..5].to_vec()), Grid::Step(86_400.0));
        let noon: Vec<f64> = months().map(|x| x + 43_200.0).collect();
        assert_eq!(grid(noon), Grid::Step(3_600.0));
        assert!(Grid::MonthEnd.check().is_ok());
    }

    /// Prices at a few cent endings (.00, .49, .95, .99) keep them, the nearest; cents of
    /// every kind, one ending alone, or a rare ending holding many rows do not.
    #[test]
    fn prices_keep_their_cent_endings() {
        let grid = |values: Vec<f64>| Grid::of(&numbers(ColumnKind::Numerical, values), 5);
        let endings = [0.0, 0.49, 0.95, 0.99];
        let prices: Vec<f64> = (0..400)
            .map(|i| f64::from(i % 97 + 3) + endings[(i % 4) as usize])
            .collect();
        let charm = grid(prices.clone());
        assert_eq!(charm, Grid::Endings(vec![0, 49, 95, 99]));
        assert_eq!(charm.put(59.43), 59.49);
        assert_eq!(charm.put(109.30), 109.49);
        assert_eq!(charm.put(12.02), 12.0);
        assert_eq!(charm.put(11.98), 11.99);
        assert!(charm.check().is_ok());
        let cents = (0..400).map(|i| f64::from(i % 50) + f64::from(i * 37 % 100) / 100.0);
        assert_eq!(grid(cents.collect()), Grid::Free);
        let tenths = (0..400).map(|i| f64::from(i % 50) + f64::from(i % 3) / 10.0);
        assert_eq!(grid(tenths.collect()), Grid::Free, "tenths are measures");
        let nines: Vec<f64> = (0..400).map(|i| f64::from(i % 97) + 0.99).collect();
        assert!(matches!(grid(nines), Grid::Steps { .. }));
        let mut rare = prices;
        rare.extend((0..40).map(|i| f64::from(i) + f64::from(i * 2 + 1) / 100.0));
        assert_eq!(grid(rare), Grid::Free);
        assert!(Grid::Endings(vec![99, 49]).check().is_err());
    }

    /// A walk over mostly distinct values draws a gap past the room left afresh inside it (the
    /// last rows of many sequences no longer share the bound); one over a few repeated values
    /// (terms) keeps the cut, and a gap that fits is kept either way.
    #[test]
    fn a_walk_of_distinct_values_spreads_a_gap_cut_at_the_bound() {
        let gaps = [1.0, 2.0, 3.0, 6.0, 0.0];
        let times: Vec<Value> = (0..100).map(|i| Value::Number(f64::from(i))).collect();
        let terms: Vec<Value> = (0..100).map(|i| Value::Number(f64::from(i % 5))).collect();
        let spread = Walk::of(&gaps).expect("forward gaps").spreading(&times);
        let cut = Walk::of(&gaps).expect("forward gaps").spreading(&terms);
        assert!(spread.spread && !cut.spread);
        // Eight distinct values in ten filled cells (80%), and empty ones that are not a value.
        let mut few: Vec<Value> = (0..10)
            .map(|i| Value::Number(f64::from(i.min(7))))
            .collect();
        few.extend([Value::Null, Value::Null]);
        assert!(
            !Walk::of(&gaps)
                .expect("forward gaps")
                .spreading(&few)
                .spread
        );
        let never = || -> f64 { panic!("no draw for a gap that fits") };
        assert_eq!(spread.fit(6.0, 100.0, 1, never), 6.0);
        // Room 12, one later row: at most 11; past it, 1 + u * 10.
        assert_eq!(cut.fit(20.0, 12.0, 2, || 0.25), 11.0);
        assert_eq!(spread.fit(20.0, 12.0, 2, || 0.25), 3.5);
        assert_eq!(spread.fit(20.0, 12.0, 1, || 0.0), 1.0);
        // No room for a step: past the bound, as before.
        assert_eq!(spread.fit(20.0, 5.0, 10, || 0.5), 1.0);
    }

    /// A sequence's first row starts no later than leaves a step a row before the bound.
    #[test]
    fn a_walk_starts_early_enough_for_its_rows() {
        let walk = Walk {
            mean: 30.0,
            step: 28.0,
            spread: false,
        };
        assert_eq!(walk.latest_start(1_000.0, 12), 1_000.0 - 11.0 * 28.0);
        assert_eq!(walk.latest_start(1_000.0, 1), 1_000.0);
        assert_eq!(walk.latest_start(1_000.0, 0), 1_000.0);
    }

    /// A few whole numbers with gaps between them (rooms 1, 2, 3, 4, 6, 8; minutes 25, 40,
    /// 50, 90) are put on their real values; a run without gaps, or too many values, is not.
    #[test]
    fn few_whole_numbers_apart_are_put_on_their_real_values() {
        let grid = |values: Vec<f64>| Grid::of(&numbers(ColumnKind::Numerical, values), 5);
        let mut rooms: Vec<f64> = (0..300)
            .map(|i| [1.0, 2.0, 3.0, 4.0, 6.0, 8.0][i % 6])
            .collect();
        rooms.extend([12.0; 2]);
        let rooms = grid(rooms);
        assert_eq!(rooms, Grid::Values(vec![1.0, 2.0, 3.0, 4.0, 6.0, 8.0]));
        assert_eq!(
            (rooms.put(5.4), rooms.put(6.9), rooms.put(11.0)),
            (6.0, 6.0, 8.0)
        );
        let minutes = grid((0..200).map(|i| [25.0, 40.0, 50.0, 90.0][i % 4]).collect());
        assert_eq!(minutes.put(31.0), 25.0);
        assert_eq!(minutes.put(70.0), 50.0);
        // In tens without a gap: on the step, as before.
        let tens = grid((0..200).map(|i| f64::from(i % 4 * 10)).collect());
        assert_eq!(tens, Grid::Step(10.0));
        // Seventeen values: whole numbers, even with a gap.
        let many = grid(
            (0..340)
                .map(|i| f64::from(i % 17) * 2.0 + f64::from(i % 17 / 16))
                .collect(),
        );
        assert_eq!(many, Grid::Whole);
    }

    /// A column the children work out is drawn after every other, ids and text included, and
    /// no tree reads it, in its row or the one before; without such columns the order is by
    /// distinct values as before.
    #[test]
    fn columns_worked_out_by_children_come_last_and_are_read_by_no_tree() {
        let status = numbers(ColumnKind::Categorical, (0..30).map(|i| f64::from(i % 3)));
        let day = numbers(ColumnKind::Datetime, (0..30).map(f64::from));
        let note = Column {
            kind: ColumnKind::Text,
            ..numbers(ColumnKind::Text, (0..30).map(f64::from))
        };
        let columns = [status, day, note];
        assert_eq!(generation_order(&columns, &[]), vec![0, 1, 2]);
        assert_eq!(generation_order(&columns, &[0]), vec![1, 2, 0]);
        let layout = Layout {
            context: 2,
            sequential: true,
            columns: 3,
            previous: true,
        };
        let unread = unread_features(layout, &[1], &[0]);
        assert_eq!(unread, vec![1, layout.current(0), layout.previous(0)]);
        let order = generation_order(&columns, &[0]);
        let mut allowed = layout.allowed(&order, 2);
        assert!(allowed.contains(&layout.current(0)) || allowed.contains(&layout.previous(0)));
        allowed.retain(|feature| !unread.contains(feature));
        assert!(!allowed.contains(&layout.current(0)) && !allowed.contains(&layout.previous(0)));
        assert!(allowed.contains(&layout.current(1)), "the others are read");
        let flat = Layout {
            sequential: false,
            ..layout
        };
        assert_eq!(unread_features(flat, &[], &[0]), vec![flat.current(0)]);
    }

    #[test]
    fn parents_without_children_are_a_class_of_their_own_when_nearly_all_are() {
        // Three busy parents among 300: every quantile of the counts is zero.
        let mut counts = vec![0; 297];
        counts.extend([600, 650, 700]);
        let (classes, class_count) = count_classes(&counts);
        assert!(classes[..297].iter().all(|&c| c == 0));
        assert!(
            classes[297..]
                .iter()
                .all(|&c| c > 0 && usize::from(c) < class_count)
        );
        // Counts whose quantiles already tell zero apart keep their quantile bins.
        let spread: Vec<usize> = (0..300).map(|i| i % 7).collect();
        let all = Encoder::numeric(spread.iter().map(|&c| c as f64));
        assert!(!nearly_all_childless(spread.iter().copied()));
        assert!(!nearly_all_childless([0, 0, 0].into_iter()));
        let (classes, _) = count_classes(&spread);
        for (count, class) in spread.iter().zip(classes) {
            assert_eq!(class, u16::from(all.encode(&Value::Number(*count as f64))));
        }
    }

    #[test]
    fn leaves_rank_by_their_mean_number_of_children() {
        let leaves = vec![vec![0, 0, 9], vec![1, 1, 1], vec![0, 0, 0, 30], vec![2]];
        // Means 3, 1, 7.5, 2.
        assert_eq!(ranks_by_mean(&leaves), vec![2, 0, 3, 1]);
        assert_eq!(ranks_by_mean(&[vec![1], vec![1]]), vec![0, 1]);
    }

    /// Training time follows the number of features trees are fitted over: it must grow
    /// linearly with the columns, not with their square.
    #[test]
    fn features_per_column_are_bounded() {
        for (columns, sequential) in [(10, true), (64, false), (5_000, true), (5_000, false)] {
            let layout = Layout {
                context: 3 * columns,
                sequential,
                columns,
                previous: true,
            };
            let order: Vec<usize> = (0..columns).rev().collect();
            let total: usize = (0..columns)
                .map(|rank| layout.allowed(&order, rank).len())
                .sum();
            let per_column = if sequential {
                3 * MAX_CONDITIONING + SEQUENCE_FEATURES
            } else {
                MAX_CONDITIONING
            };
            assert!(
                total <= columns * per_column,
                "{columns} columns: {total} features"
            );
            let last = layout.allowed(&order, columns - 1);
            assert!(
                last.contains(&layout.current(order[0])),
                "earlier columns still count"
            );
            if sequential {
                assert!(
                    last.contains(&layout.previous(order[columns - 1])),
                    "its own past"
                );
            }
        }
        let small = Layout {
            context: 2,
            sequential: true,
            columns: 10,
            previous: true,
        };
        let order: Vec<usize> = (0..10).collect();
        assert_eq!(
            small.allowed(&order, 9).len(),
            2 + SEQUENCE_FEATURES + 10 + 9,
            "unchanged"
        );
    }
}
