//! The quality properties: column shapes, column pair trends, cardinality, intertable trends and
//! sequence coherence, each a list of scored rows pooled over all tables.

use rayon::prelude::*;

use super::paired::{Link, Paired, PairedTable, Sample, ScoredColumn};
use super::{
    CORRELATION_THRESHOLD, CRAMERS_V_THRESHOLD, ColumnScore, OrderShare, PairMetric, PairProperty,
    PairScore, Property, Quality, RelationshipScore, SequenceCoherence, SequenceScore, ShapeMetric,
};
use crate::data::Value;
use crate::plan::Generation;
use crate::schema::ColumnKind;
use crate::stats::{self, BINS};

/// Every quality property of a paired database.
pub fn assess(paired: &Paired) -> Quality {
    Quality {
        column_shapes: column_shapes(paired),
        column_pair_trends: pair_trends(paired),
        cardinality: cardinality(paired),
        intertable_trends: intertable_trends(paired),
        sequence_coherence: sequence_coherence(paired),
    }
}

/// One score per scored column: 1 − KS (continuous) or 1 − TVD (discrete), nulls dropped. A
/// column without a single real value has no shape to compare and is left out (as SDMetrics
/// leaves it out); an empty synthetic column against real values scores 0.
pub fn column_shapes(paired: &Paired) -> Property<ColumnScore> {
    let rows = paired
        .tables
        .iter()
        .flat_map(|table| table.scored.iter().map(move |column| (table, column)))
        .filter(|(_, column)| column.real.cells().iter().any(Option::is_some))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(table, column)| {
            let (metric, score) = shape(column);
            ColumnScore {
                table: table.name.clone(),
                column: column.name.clone(),
                kind: column.kind,
                metric,
                score,
            }
        })
        .collect();
    Property::of(rows, |row| row.score)
}

/// The shape score of one column.
pub fn shape(column: &ScoredColumn) -> (ShapeMetric, f64) {
    match (column.real.numbers(), column.synthetic.numbers()) {
        (Some(real), Some(synthetic)) => (ShapeMetric::Ks, 1.0 - stats::ks(real, synthetic)),
        _ => (
            ShapeMetric::Tvd,
            1.0 - stats::tvd(column.real.cells(), column.synthetic.cells()),
        ),
    }
}

/// The most scored columns of a table (or of each side of a relationship) whose pairs are
/// scored: the first ones. Pairs grow with the square of the columns: a table of 20,000 columns
/// made 200 million pair scores and an evaluation that ran out of memory.
pub const MAX_PAIR_COLUMNS: usize = 256;

/// Every pair of scored columns inside each table (among its first [`MAX_PAIR_COLUMNS`]).
pub fn pair_trends(paired: &Paired) -> PairProperty {
    let pairs: Vec<(&str, &ScoredColumn, &ScoredColumn)> = paired
        .tables
        .iter()
        .flat_map(|table| {
            let columns = &table.scored[..table.scored.len().min(MAX_PAIR_COLUMNS)];
            (0..columns.len()).flat_map(move |i| {
                (i + 1..columns.len()).map(move |j| (table.name.as_str(), &columns[i], &columns[j]))
            })
        })
        .collect();
    PairProperty::of(
        pairs
            .into_par_iter()
            .map(|(scope, a, b)| pair_score(scope, a, b))
            .collect(),
    )
}

/// The trend score of a pair: correlation similarity for two continuous columns, contingency
/// similarity otherwise; `counted` when the real data ties the pair.
pub fn pair_score(scope: &str, a: &ScoredColumn, b: &ScoredColumn) -> PairScore {
    let numbers = (
        a.real.numbers(),
        b.real.numbers(),
        a.synthetic.numbers(),
        b.synthetic.numbers(),
    );
    let (metric, score, association, threshold) = match numbers {
        (Some(ra), Some(rb), Some(sa), Some(sb)) => {
            let real = stats::pearson(ra, rb);
            let score = stats::correlation_similarity(real, stats::pearson(sa, sb));
            let association = real.map_or(0.0, f64::abs);
            (
                PairMetric::Correlation,
                score,
                association,
                CORRELATION_THRESHOLD,
            )
        }
        _ => {
            let score = stats::contingency_similarity(
                (a.real.cells(), b.real.cells()),
                (a.synthetic.cells(), b.synthetic.cells()),
            );
            let association = stats::cramers_v(a.real.cells(), b.real.cells());
            (
                PairMetric::Contingency,
                score,
                association,
                CRAMERS_V_THRESHOLD,
            )
        }
    };
    PairScore {
        scope: scope.to_string(),
        column_a: a.name.clone(),
        column_b: b.name.clone(),
        metric,
        score,
        real_association: association,
        counted: association > threshold,
    }
}

/// One score per relationship: 1 − KS between the real and synthetic children per parent.
pub fn cardinality(paired: &Paired) -> Property<RelationshipScore> {
    let rows = paired
        .links
        .iter()
        .map(|link| RelationshipScore {
            child: link.child.clone(),
            foreign_key: link.column.clone(),
            parent: link.parent.clone(),
            score: stats::cardinality_similarity(&link.real_counts, &link.synthetic_counts),
        })
        .collect();
    Property::of(rows, |row| row.score)
}

/// Every (parent column, child column) pair of each relationship, on child rows joined to their
/// parent row (rows with an empty key have no parent and are left out), among the first
/// [`MAX_PAIR_COLUMNS`] columns of each side.
pub fn intertable_trends(paired: &Paired) -> PairProperty {
    let joined: Vec<(String, Vec<ScoredColumn>, Vec<ScoredColumn>)> = paired
        .links
        .par_iter()
        .filter_map(|link| {
            let child = paired.table(&link.child)?;
            let parent = paired.table(&link.parent)?;
            let (parents, children) = joined_columns(link, parent, child);
            Some((link.label(), parents, children))
        })
        .collect();
    let pairs: Vec<(&str, &ScoredColumn, &ScoredColumn)> = joined
        .iter()
        .flat_map(|(scope, parents, children)| {
            parents
                .iter()
                .flat_map(move |a| children.iter().map(move |b| (scope.as_str(), a, b)))
        })
        .collect();
    PairProperty::of(
        pairs
            .into_par_iter()
            .map(|(scope, a, b)| pair_score(scope, a, b))
            .collect(),
    )
}

/// The parent's and the child's scored columns over the joined rows, names qualified.
fn joined_columns(
    link: &Link,
    parent: &PairedTable,
    child: &PairedTable,
) -> (Vec<ScoredColumn>, Vec<ScoredColumn>) {
    let (real_children, real_parents) = stats::join(&link.real_parent_of_row);
    let (synthetic_children, synthetic_parents) = stats::join(&link.synthetic_parent_of_row);
    let qualify =
        |table: &PairedTable, column: &ScoredColumn| format!("{}.{}", table.name, column.name);
    let parents = parent
        .scored
        .iter()
        .take(MAX_PAIR_COLUMNS)
        .map(|c| c.pick(qualify(parent, c), &real_parents, &synthetic_parents))
        .collect();
    let children = child
        .scored
        .iter()
        .take(MAX_PAIR_COLUMNS)
        .map(|c| c.pick(qualify(child, c), &real_children, &synthetic_children))
        .collect();
    (parents, children)
}

/// Transitions inside each parent's sequence, for every sequential table.
pub fn sequence_coherence(paired: &Paired) -> SequenceCoherence {
    let mut rows = Vec::new();
    let mut datetime_order = Vec::new();
    for table in &paired.tables {
        let Generation::Sequential { key } = &table.generation else {
            continue;
        };
        let Some(link) = paired.link(&table.name, &key.column) else {
            continue;
        };
        let order_by = table.def.order_by.as_deref();
        let real_order = order_by
            .and_then(|name| table.real.column(name))
            .map(|c| c.values.as_slice());
        let synthetic_order = order_by
            .and_then(|name| table.synthetic_column(name))
            .map(|c| c.values.as_slice());
        let real = sequences(&link.real_parent_of_row, real_order);
        let synthetic = sequences(&link.synthetic_parent_of_row, synthetic_order);
        // Whether datetimes go forward is judged in file order, as a reader of the CSV sees
        // the rows (in `order_by` order the `order_by` column would trivially never decrease).
        let real_file = sequences(&link.real_parent_of_row, None);
        let synthetic_file = sequences(&link.synthetic_parent_of_row, None);
        for column in &table.scored {
            if let Some(score) = transition_score(column, &real, &synthetic) {
                rows.push(SequenceScore {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    score,
                });
            }
            if column.kind == ColumnKind::Datetime {
                datetime_order.push(order_share(table, column, &real_file, &synthetic_file));
            }
        }
    }
    SequenceCoherence {
        score: stats::mean(rows.iter().map(|row| row.score)),
        rows,
        datetime_order,
    }
}

/// The rows of each parent's sequence, in sequence order: by the `order_by` values when given
/// (empty values last), else in file order. Parents without children have no sequence.
pub fn sequences(parent_of_row: &[Option<usize>], order: Option<&[Value]>) -> Vec<Vec<usize>> {
    let parents = parent_of_row.iter().flatten().max().map_or(0, |p| p + 1);
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); parents];
    for (row, parent) in parent_of_row.iter().enumerate() {
        if let Some(parent) = parent {
            groups[*parent].push(row);
        }
    }
    groups.retain(|group| !group.is_empty());
    if let Some(order) = order {
        for group in &mut groups {
            group.sort_by(|&a, &b| order[a].order(&order[b]));
        }
    }
    groups
}

/// 1 − TVD of (value at t, value at t + 1) pairs; continuous values in 10 quantile bins of the
/// real data. `None` when the real data has no transitions to compare with.
fn transition_score(
    column: &ScoredColumn,
    real: &[Vec<usize>],
    synthetic: &[Vec<usize>],
) -> Option<f64> {
    let (real_cells, synthetic_cells) = match (&column.real, &column.synthetic) {
        (Sample::Continuous { values: r, .. }, Sample::Continuous { values: s, .. }) => {
            let edges = stats::quantile_edges(r, BINS);
            (
                stats::bin_by_edges(r, &edges),
                stats::bin_by_edges(s, &edges),
            )
        }
        _ => (
            column.real.cells().to_vec(),
            column.synthetic.cells().to_vec(),
        ),
    };
    let real = transitions(real, &real_cells);
    if real.0.is_empty() {
        return None;
    }
    let synthetic = transitions(synthetic, &synthetic_cells);
    Some(stats::contingency_similarity(
        (&real.0, &real.1),
        (&synthetic.0, &synthetic.1),
    ))
}

/// The (value at t, value at t + 1) pairs of every sequence, as two aligned columns.
pub fn transitions(
    sequences: &[Vec<usize>],
    cells: &[Option<u32>],
) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
    sequences
        .iter()
        .flat_map(|rows| rows.windows(2).map(|pair| (cells[pair[0]], cells[pair[1]])))
        .unzip()
}

fn order_share(
    table: &PairedTable,
    column: &ScoredColumn,
    real: &[Vec<usize>],
    synthetic: &[Vec<usize>],
) -> OrderShare {
    OrderShare {
        table: table.name.clone(),
        column: column.name.clone(),
        real: column
            .real
            .numbers()
            .and_then(|v| never_decreasing_share(real, v)),
        synthetic: column
            .synthetic
            .numbers()
            .and_then(|v| never_decreasing_share(synthetic, v)),
    }
}

/// The share of sequences with two or more values whose values never decrease (empty values
/// skipped); `None` when no sequence has two values.
pub fn never_decreasing_share(sequences: &[Vec<usize>], values: &[Option<f64>]) -> Option<f64> {
    let mut considered = 0;
    let mut ordered = 0;
    for rows in sequences {
        let present: Vec<f64> = rows.iter().filter_map(|&row| values[row]).collect();
        if present.len() < 2 {
            continue;
        }
        considered += 1;
        if present.windows(2).all(|pair| pair[0] <= pair[1]) {
            ordered += 1;
        }
    }
    (considered > 0).then(|| ordered as f64 / considered as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn continuous(name: &str, real: &[f64], synthetic: &[f64]) -> ScoredColumn {
        let wrap = |v: &[f64]| v.iter().map(|&x| Some(x)).collect();
        ScoredColumn {
            name: name.into(),
            kind: ColumnKind::Numerical,
            real: Sample::continuous(wrap(real)),
            synthetic: Sample::continuous(wrap(synthetic)),
            labels: Vec::new(),
            real_levels: 0,
        }
    }

    fn discrete(name: &str, real: &[u32], synthetic: &[u32]) -> ScoredColumn {
        let wrap = |v: &[u32]| Sample::Discrete {
            codes: v.iter().map(|&x| Some(x)).collect(),
        };
        ScoredColumn {
            name: name.into(),
            kind: ColumnKind::Categorical,
            real: wrap(real),
            synthetic: wrap(synthetic),
            labels: vec!["a".into(), "b".into()],
            real_levels: 2,
        }
    }

    #[test]
    fn continuous_pairs_use_correlation_and_its_threshold() {
        // Real ρ = 0.8 (counted), synthetic ρ = -1: 1 − 1.8 / 2 = 0.1.
        let a = continuous("a", &[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0]);
        let b = continuous("b", &[1.0, 3.0, 2.0, 4.0], &[3.0, 2.0, 1.0]);
        let pair = pair_score("t", &a, &b);
        assert_eq!(pair.metric, PairMetric::Correlation);
        assert!((pair.score - 0.1).abs() < 1e-12 && pair.counted);
        // A constant real column: no correlation (0), not counted; synthetic ρ = 1 -> 0.5.
        let c = continuous("c", &[5.0, 5.0, 5.0, 5.0], &[1.0, 2.0, 3.0]);
        let pair = pair_score("t", &a, &c);
        assert!(!pair.counted && (pair.score - 0.5).abs() < 1e-12);
    }

    #[test]
    fn mixed_pairs_bin_the_continuous_side_and_use_cramers_v() {
        let amount = continuous("amount", &[0.0, 1.0, 10.0, 10.0], &[0.0, 10.0, 0.0, 10.0]);
        let kind = discrete("kind", &[0, 0, 1, 1], &[0, 0, 1, 1]);
        let pair = pair_score("t", &amount, &kind);
        assert_eq!(pair.metric, PairMetric::Contingency);
        // Real cells (0,0) ½ (9,1) ½; synthetic (0,0) ¼ (9,0) ¼ (0,1) ¼ (9,1) ¼: TVD ½.
        assert!((pair.score - 0.5).abs() < 1e-12);
        assert!(pair.counted && (pair.real_association - 1.0).abs() < 1e-12);
    }

    #[test]
    fn sequences_follow_order_by_and_transitions_pair_neighbours() {
        let order = [
            Value::Number(3.0),
            Value::Number(1.0),
            Value::Null,
            Value::Number(2.0),
        ];
        let groups = sequences(&[Some(0), Some(0), None, Some(0)], Some(&order));
        assert_eq!(groups, [vec![1, 3, 0]]);
        let cells = [Some(7), Some(8), None, Some(9)];
        let (from, to) = transitions(&groups, &cells);
        assert_eq!((from, to), (vec![Some(8), Some(9)], vec![Some(9), Some(7)]));
        let values = [Some(3.0), Some(1.0), None, Some(2.0)];
        // In order_by order the values rise; in file order (rows 0, 1) they fall.
        assert_eq!(never_decreasing_share(&groups, &values), Some(1.0));
        assert_eq!(
            never_decreasing_share(&[vec![0, 1], vec![1, 3]], &values),
            Some(0.5)
        );
        assert_eq!(never_decreasing_share(&[vec![2]], &values), None);
    }
}
