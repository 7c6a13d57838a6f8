//! The reference model: every column drawn from its own distribution, independently.
//!
//! It keeps each column's shape (and the children-per-parent distribution) but none of the
//! relationships between columns, tables or rows of a sequence. It is the baseline that learned
//! models are measured against, and the model of choice when only marginals matter.

use serde::{Deserialize, Serialize};

use super::marginal::{IdShape, Marginal};
use super::{Parent, Row, SequenceColumns, TableModel, TrainingData};
use crate::sampling::{SynthRng, stratified};

/// Independent per-column distributions plus the real children-per-parent counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceModel {
    marginals: Vec<Marginal>,
    #[serde(with = "super::stored::repeats")]
    children_per_parent: Vec<usize>,
}

impl ReferenceModel {
    /// Fits one marginal per modelled column and, for a sequential table, the count distribution.
    pub fn train(data: &TrainingData<'_>) -> ReferenceModel {
        let min_count = data.privacy.threshold(data.table.rows());
        ReferenceModel {
            marginals: (0..data.table.columns.len())
                .map(|column| data.marginal(column, min_count))
                .collect(),
            children_per_parent: sorted_counts(data),
        }
    }
}

/// Children per real parent, sorted: sampling ignores the order, and a saved model then does not
/// tie counts to real parent rows.
fn sorted_counts(data: &TrainingData<'_>) -> Vec<usize> {
    let mut counts = data
        .parent
        .as_ref()
        .map(|link| link.children_per_parent().to_vec())
        .unwrap_or_default();
    counts.sort_unstable();
    counts
}

impl ReferenceModel {
    /// Checks a model read from a model file against its table: one distribution per column,
    /// and (for a sequential table) one count per real parent row adding up to no more than the
    /// real rows (so a generation is as large as the real data times the scale, no larger).
    pub fn check(
        &self,
        columns: usize,
        rows: usize,
        parent_rows: Option<usize>,
    ) -> Result<(), String> {
        if self.marginals.len() != columns {
            return Err(format!(
                "{} column distributions for {columns} columns",
                self.marginals.len()
            ));
        }
        self.marginals.iter().try_for_each(Marginal::check)?;
        super::check_counts(&self.children_per_parent, rows, parent_rows)
    }
}

impl TableModel for ReferenceModel {
    fn context_read(&self) -> Vec<usize> {
        Vec::new()
    }

    fn carried(&self) -> Vec<(usize, f64)> {
        Vec::new()
    }

    fn distinct_ids(&self) -> Vec<(usize, &IdShape)> {
        let ids = self.marginals.iter().map(Marginal::distinct_ids);
        ids.enumerate()
            .filter_map(|(column, shape)| Some((column, shape?)))
            .collect()
    }

    fn sample_rows(&self, n: usize, rng: &mut SynthRng) -> Vec<Row> {
        (0..n)
            .map(|_| self.marginals.iter().map(|m| m.sample(rng)).collect())
            .collect()
    }

    fn sample_lengths(&self, parent: &Parent<'_>, rng: &mut SynthRng) -> Vec<usize> {
        stratified(&self.children_per_parent, parent.rows, rng)
    }

    fn sample_sequences(
        &self,
        _parent: &Parent<'_>,
        sequences: &[(usize, usize)],
        rng: &mut SynthRng,
    ) -> SequenceColumns {
        let mut columns = vec![Vec::new(); self.marginals.len()];
        for &(_, len) in sequences {
            for row in self.sample_rows(len, rng) {
                for (column, value) in columns.iter_mut().zip(row) {
                    column.push(value);
                }
            }
        }
        columns
    }
}
