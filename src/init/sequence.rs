//! How a child table is generated: one sequence per parent row (and by which foreign key), or
//! independently; and which datetime orders the rows within a sequence.
//!
//! Both are read from the children-per-parent counts. If the children are spread over the parent
//! rows as evenly as random assignment would spread them (variance no larger than the mean, as
//! for a Poisson count, and no surprising number of childless parents), the parent *classifies*
//! its children (TPC-H's nation and its customers) rather than owning sequences of them; the
//! table is then generated independently and the key assigned, which keeps the same counts.
//! Otherwise the counts carry structure and the table is sequential, driven by the foreign key
//! whose counts vary most (relative to their mean): that is the relationship a per-parent
//! sequence reproduces best.

use std::collections::{HashMap, HashSet};

use crate::data::{TextColumn, ValueFormat, parse_datetime};
use crate::keys::parent_index;
use crate::schema::ColumnKind;
use crate::stats::children_per_parent;

use super::inferred::{ForeignKey, Generation, OrderBy};
use super::profile::TableProfile;

/// Variance/mean above which children-per-parent counts are more uneven than chance.
const OVERDISPERSED: f64 = 1.5;
/// Standard deviation over mean below which every parent has about the same children.
const CONSTANT: f64 = 0.05;
/// Share of consecutive rows (same parent) that may step back in time for a column to still
/// order the sequence (real exports are not always perfectly sorted).
const MAX_STEP_BACK: f64 = 0.10;
/// Share of the possible neighbouring pairs of rows with the same key above which the file was
/// written parent by parent (an order's items together): the parent owns its rows.
const GROUPED: f64 = 0.8;

/// Children per parent row of one foreign key (childless parents included).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Counts {
    /// Parent rows.
    pub parents: usize,
    /// Mean children per parent.
    pub mean: f64,
    /// Standard deviation of children per parent.
    pub sd: f64,
    /// Parents without children.
    pub zeros: usize,
    /// Child rows whose key is empty.
    pub nulls: usize,
    /// Neighbouring rows (in file order) with the same key, and the most there could be (each
    /// parent's rows all together).
    pub together: (usize, usize),
}

impl Counts {
    /// Counts the children of every parent key.
    pub fn new(child: &TextColumn, parent_keys: &TextColumn) -> Counts {
        // Each distinct key once: a key (not a row) is a parent.
        let mut seen = HashSet::new();
        let distinct: Vec<Option<&str>> = parent_keys
            .iter()
            .filter(|key| key.is_some_and(|key| seen.insert(key)))
            .collect();
        let index = parent_index(child.iter(), distinct.iter().copied());
        let per_parent = children_per_parent(&index, distinct.len());
        let nulls = child.iter().filter(|value| value.is_none()).count();
        let parents = per_parent.len().max(1);
        let counts: Vec<f64> = per_parent.iter().map(|&c| c as f64).collect();
        let mean = counts.iter().sum::<f64>() / parents as f64;
        let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / parents as f64;
        let with_children = per_parent.iter().filter(|&&c| c > 0).count();
        let keyed = index.iter().filter(|parent| parent.is_some()).count();
        Counts {
            parents: per_parent.len(),
            mean,
            sd: variance.sqrt(),
            zeros: counts.iter().filter(|&&c| c == 0.0).count(),
            nulls,
            together: (neighbours(&index), keyed.saturating_sub(with_children)),
        }
    }

    /// Whether the file lists each parent's rows together (an order's items one after
    /// another), far beyond what the counts alone would give: a sign the parent owns its
    /// rows, where a product or a customer only classifies them.
    pub fn grouped(&self) -> bool {
        let (together, most) = self.together;
        most > 0
            && together as f64 >= GROUPED * most as f64
            && together as f64 > chance_together(self)
    }

    /// Standard deviation over mean: how varied the counts are, whatever their size.
    pub fn variation(&self) -> f64 {
        if self.mean > 0.0 {
            self.sd / self.mean
        } else {
            0.0
        }
    }

    /// Variance over mean (1 for children dropped on parents at random).
    fn dispersion(&self) -> f64 {
        if self.mean > 0.0 {
            self.sd * self.sd / self.mean
        } else {
            0.0
        }
    }

    /// Childless parents expected if children were dropped on parents at random.
    fn expected_zeros(&self) -> f64 {
        self.parents as f64 * (-self.mean).exp()
    }

    /// Whether the childless parents are too many or too few for random assignment (a three
    /// standard deviations test): TPC-H orders all have 1..7 lines, none has zero.
    fn surprising_zeros(&self) -> bool {
        let expected = self.expected_zeros();
        (self.zeros as f64 - expected).abs() > 3.0 * expected.sqrt() + 1.0
    }

    /// Whether every parent has (nearly) the same number of children: assignment reproduces
    /// that exactly, and there is no variation for a sequence to learn.
    fn constant(&self) -> bool {
        self.variation() < CONSTANT
    }

    /// Whether the counts carry structure beyond random assignment.
    pub fn structured(&self) -> bool {
        !self.constant() && (self.dispersion() > OVERDISPERSED || self.surprising_zeros())
    }

    /// "13.7 ± 302.1 per airports row (1455 of 1458 have none), variance/mean 6668".
    pub fn describe(&self, parent: &str) -> String {
        if self.sd == 0.0 {
            return format!("exactly {} per {parent} row", whole_or_round(self.mean));
        }
        let mut text = format!("{} ± {} per {parent} row", round(self.mean), round(self.sd));
        if self.zeros > 0 || self.surprising_zeros() {
            text += &format!(" ({} of {} have none", self.zeros, self.parents);
            if self.surprising_zeros() {
                text += &format!(
                    "; random assignment would leave about {}",
                    whole_or_round(self.expected_zeros().round())
                );
            }
            text.push(')');
        }
        text += &format!(", variance/mean {}", round(self.dispersion()));
        text
    }
}

/// Neighbouring rows whose keys name the same parent.
fn neighbours(index: &[Option<usize>]) -> usize {
    index
        .windows(2)
        .filter(|pair| pair[0].is_some() && pair[0] == pair[1])
        .count()
}

/// Neighbouring rows with the same key a shuffled file would have, with room to spare: twice
/// the sum over parents of c·(c − 1) / n, plus five.
fn chance_together(counts: &Counts) -> f64 {
    let n = counts.mean * counts.parents as f64;
    if n <= 1.0 {
        return 0.0;
    }
    let squares = (counts.sd * counts.sd + counts.mean * counts.mean) * counts.parents as f64;
    2.0 * (squares - n).max(0.0) / n + 5.0
}

/// `5` for 5.0, else as [`round`].
fn whole_or_round(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        round(x)
    }
}

/// Two significant decimals for small numbers, whole numbers for large ones.
fn round(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Decides how a table with these foreign keys (and their counts) is generated.
pub(super) fn generation(foreign_keys: &[(ForeignKey, Counts)]) -> Generation {
    match foreign_keys {
        [] => Generation::Root,
        [(fk, counts)] => single(fk, counts),
        several => choose_sequence(several),
    }
}

/// A table with one foreign key: sequential when its counts carry structure.
fn single(fk: &ForeignKey, counts: &Counts) -> Generation {
    let described = counts.describe(&fk.parent);
    if counts.constant() {
        Generation::Independent {
            why: format!(
                "Not sequential: every `{}` row has the same number of children ({described}); \
                 assigning `{}` reproduces that exactly and there is no variation for a sequence \
                 to learn, so the rows are generated independently.",
                fk.parent, fk.column
            ),
        }
    } else if counts.structured() {
        Generation::Sequential {
            by: None,
            why: format!(
                "One sequence per `{}` row: children per parent vary beyond chance ({described}).",
                fk.parent
            ),
        }
    } else {
        Generation::Independent {
            why: format!(
                "Not sequential: children per `{}` row are as even as random assignment would \
                 make them ({described}); `{}` classifies these rows rather than owning \
                 sequences of them, so they are generated independently and `{}` is assigned \
                 keeping that distribution.",
                fk.parent, fk.parent, fk.column
            ),
        }
    }
}

/// A table with several foreign keys: the structured key with the most varied counts drives
/// the sequence (a key without empty cells preferred); none structured means independent.
fn choose_sequence(foreign_keys: &[(ForeignKey, Counts)]) -> Generation {
    let summary = foreign_keys
        .iter()
        .map(|(fk, counts)| format!("{} {}", fk.column, round(counts.variation())))
        .collect::<Vec<_>>()
        .join(", ");
    let structured = foreign_keys
        .iter()
        .filter(|(_, counts)| counts.structured());
    let complete: Vec<&(ForeignKey, Counts)> = structured
        .clone()
        .filter(|(_, counts)| counts.nulls == 0)
        .collect();
    let pool: Vec<&(ForeignKey, Counts)> = if complete.is_empty() {
        structured.collect()
    } else {
        complete
    };
    let grouped: Vec<&(ForeignKey, Counts)> = pool
        .iter()
        .copied()
        .filter(|(_, counts)| counts.grouped())
        .collect();
    if let [(fk, counts)] = grouped[..] {
        return Generation::Sequential {
            by: Some(fk.column.clone()),
            why: format!(
                "One sequence per `{}` row (`sequence_by: {}`): the file lists each parent's \
                 rows together ({} of {} neighbouring rows that could share a key do), as a \
                 parent writes the rows it owns ({}; sd/mean by key: {summary}); the other keys \
                 are assigned.",
                fk.parent,
                fk.column,
                counts.together.0,
                counts.together.1,
                counts.describe(&fk.parent),
            ),
        };
    }
    let best = pool
        .into_iter()
        .max_by(|a, b| a.1.variation().total_cmp(&b.1.variation()));
    match best {
        Some((fk, counts)) => Generation::Sequential {
            by: Some(fk.column.clone()),
            why: format!(
                "One sequence per `{}` row (`sequence_by: {}`): of the foreign keys, its parent \
                 has the most varied child counts ({}; sd/mean by key: {summary}{}), so a \
                 sequence per parent keeps the most structure; the other keys are assigned.",
                fk.parent,
                fk.column,
                counts.describe(&fk.parent),
                if counts.nulls == 0 {
                    ""
                } else {
                    "; every key has empty cells"
                }
            ),
        },
        None => Generation::Independent {
            why: format!(
                "Not sequential: no foreign key's children per parent vary beyond chance or at \
                 all ({}); the rows are generated independently and every key is assigned \
                 keeping its distribution.",
                foreign_keys
                    .iter()
                    .map(|(fk, counts)| format!("{}: {}", fk.column, counts.describe(&fk.parent)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        },
    }
}

/// The datetime column whose values rise within each parent's rows in file order, if any.
pub(super) fn order_by(table: &TableProfile, sequence_column: usize) -> Option<OrderBy> {
    let keys = &table.cells[sequence_column];
    let sequence_name = table.columns[sequence_column].name;
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(index, column)| *index != sequence_column && column.kind == ColumnKind::Datetime)
        .find_map(|(index, column)| {
            let ValueFormat::Datetime { pattern, .. } = &column.format else {
                return None;
            };
            let steps = steps(keys, &table.cells[index], pattern);
            let pairs = steps.up + steps.back + steps.level;
            let share_back = steps.back as f64 / pairs.max(1) as f64;
            (steps.up > 0 && share_back <= MAX_STEP_BACK).then(|| OrderBy {
                column: column.name.to_string(),
                why: format!(
                    "Ordered: within each `{}` the rows are in `{}` order{}.",
                    sequence_name,
                    column.name,
                    if steps.back == 0 {
                        String::new()
                    } else {
                        format!(
                            " ({} of {pairs} consecutive pairs step back, {:.1}%)",
                            steps.back,
                            100.0 * share_back
                        )
                    }
                ),
            })
        })
}

/// Consecutive rows of the same parent, by how the datetime moves.
#[derive(Debug, Default, PartialEq)]
struct Steps {
    up: usize,
    level: usize,
    back: usize,
}

/// Walks the rows in file order and compares each datetime with the previous one of the same
/// parent.
fn steps(keys: &TextColumn, times: &TextColumn, pattern: &str) -> Steps {
    let mut last: HashMap<&str, f64> = HashMap::new();
    let mut steps = Steps::default();
    for (key, time) in keys.iter().zip(times.iter()) {
        let (Some(key), Some(time)) = (key, time) else {
            continue;
        };
        let Some(time) = parse_datetime(time, pattern) else {
            continue;
        };
        if let Some(previous) = last.insert(key, time) {
            match time.total_cmp(&previous) {
                std::cmp::Ordering::Greater => steps.up += 1,
                std::cmp::Ordering::Equal => steps.level += 1,
                std::cmp::Ordering::Less => steps.back += 1,
            }
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::inferred::Confidence;

    fn cells(values: &[&str]) -> TextColumn {
        packed(
            values
                .iter()
                .map(|v| Some(v.to_string()).filter(|v| !v.is_empty()))
                .collect(),
        )
    }

    fn packed(cells: Vec<Option<String>>) -> TextColumn {
        TextColumn::from_cells(cells).expect("a small column")
    }

    fn fk(column: &str, parent: &str) -> ForeignKey {
        ForeignKey {
            column: column.into(),
            parent: parent.into(),
            parent_key: "id".into(),
            confidence: Confidence::High,
            why: String::new(),
        }
    }

    #[test]
    fn counts_include_childless_parents() {
        let counts = Counts::new(&cells(&["a", "a", "b", ""]), &cells(&["a", "b", "c"]));
        assert_eq!(counts.parents, 3);
        assert_eq!(counts.zeros, 1);
        assert_eq!(counts.nulls, 1);
        assert!((counts.mean - 1.0).abs() < 1e-9);
    }

    #[test]
    fn even_children_are_independent_skewed_are_sequential() {
        let parents: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let parent_cells: Vec<Option<String>> = parents.iter().cloned().map(Some).collect();
        let even: Vec<Option<String>> = (0..100).map(|i| Some((i % 20).to_string())).collect();
        let skewed: Vec<Option<String>> = (0..100)
            .map(|i| {
                Some(if i < 80 {
                    "0".to_string()
                } else {
                    (i % 20).to_string()
                })
            })
            .collect();
        let even = Counts::new(&packed(even), &packed(parent_cells.clone()));
        let skewed = Counts::new(&packed(skewed), &packed(parent_cells));
        assert!(!even.structured());
        assert!(skewed.structured());
        assert!(matches!(
            generation(&[(fk("p", "parent"), even.clone())]),
            Generation::Independent { .. }
        ));
        match generation(&[(fk("a", "x"), even), (fk("b", "y"), skewed)]) {
            Generation::Sequential { by, .. } => assert_eq!(by.as_deref(), Some("b")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_key_whose_rows_are_listed_together_drives_the_sequence() {
        // 300 orders of 1..5 items each, listed order by order; each item is one of 50
        // products, a few popular (more varied counts than the orders').
        let orders: Vec<Option<String>> = (0..300).map(|i| Some(format!("o{i}"))).collect();
        let products: Vec<Option<String>> = (0..50).map(|i| Some(format!("p{i}"))).collect();
        let (mut by_order, mut by_product) = (Vec::new(), Vec::new());
        for (i, order) in orders.iter().enumerate() {
            for line in 0..(i % 5 + 1) {
                by_order.push(order.clone());
                let product = if (i + line) % 3 == 0 {
                    0
                } else {
                    (i * 7 + line * 13) % 50
                };
                by_product.push(Some(format!("p{product}")));
            }
        }
        let order_counts = Counts::new(&packed(by_order.clone()), &packed(orders.clone()));
        let product_counts = Counts::new(&packed(by_product.clone()), &packed(products.clone()));
        assert!(order_counts.grouped() && !product_counts.grouped());
        assert!(product_counts.variation() > order_counts.variation());
        let keys = [
            (fk("product_id", "products"), product_counts),
            (fk("order_id", "orders"), order_counts),
        ];
        match generation(&keys) {
            Generation::Sequential { by, .. } => assert_eq!(by.as_deref(), Some("order_id")),
            other => panic!("{other:?}"),
        }
        // The same rows shuffled: no key is listed together, the most varied one drives.
        let mut shuffled: Vec<usize> = (0..by_order.len()).collect();
        shuffled.sort_by_key(|&i| (i * 7919) % by_order.len());
        let pick = |cells: &[Option<String>]| -> Vec<Option<String>> {
            shuffled.iter().map(|&i| cells[i].clone()).collect()
        };
        let keys = [
            (
                fk("product_id", "products"),
                Counts::new(&packed(pick(&by_product)), &packed(products)),
            ),
            (
                fk("order_id", "orders"),
                Counts::new(&packed(pick(&by_order)), &packed(orders)),
            ),
        ];
        assert!(!keys[1].1.grouped());
        match generation(&keys) {
            Generation::Sequential { by, .. } => assert_eq!(by.as_deref(), Some("product_id")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_childless_parents_is_structure() {
        // 1..7 children each, never 0: a Poisson with mean 4 would leave ~2% childless.
        let parents: Vec<Option<String>> = (0..700).map(|i| Some(i.to_string())).collect();
        let mut child = Vec::new();
        for (i, parent) in parents.iter().enumerate() {
            for _ in 0..(i % 7 + 1) {
                child.push(parent.clone());
            }
        }
        assert!(Counts::new(&packed(child), &packed(parents)).structured());
    }

    #[test]
    fn steps_count_order_within_parents() {
        let keys = cells(&["a", "b", "a", "b", "a"]);
        let times = cells(&[
            "2020-01-01",
            "2020-05-01",
            "2020-01-02",
            "2020-04-01",
            "2020-01-02",
        ]);
        let steps = steps(&keys, &times, "%Y-%m-%d");
        assert_eq!(
            steps,
            Steps {
                up: 1,
                level: 1,
                back: 1
            }
        );
    }
}
