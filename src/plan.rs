//! The generation plan: in which order tables are made and what role each foreign key plays.
//!
//! Parents must exist before their children, so tables are ordered topologically (petgraph);
//! a cycle cannot be ordered and is reported with the tables in it. Each child table is either
//! generated per synthetic parent row (its *sequence* foreign key) or independently, and every
//! other foreign key is *assigned* afterwards.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::Direction;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::error::Problem;
use crate::schema::{ForeignKey, Schema, TableDef};

/// How the rows of a table come into being.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Generation {
    /// No foreign keys: `real rows x scale` rows.
    Root,
    /// One sequence of rows per synthetic parent row of `key.parent`.
    Sequential { key: ForeignKey },
    /// Rows generated without a parent (`sequential: false`); all foreign keys assigned.
    Independent,
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Generation::Root => f.write_str("root"),
            Generation::Independent => f.write_str("independent (sequential: false)"),
            Generation::Sequential { key } => {
                write!(f, "one sequence per {} row ({})", key.parent, key.column)
            }
        }
    }
}

/// A foreign key as summaries show it: which table points where, and how its values are made.
#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    /// The child table.
    pub child: String,
    /// The foreign key column.
    pub foreign_key: String,
    /// The parent table.
    pub parent: String,
    /// `sequence` (set by construction) or `assigned` (filled in after generation).
    pub role: &'static str,
}

/// The plan for one table.
#[derive(Debug, Clone, Serialize)]
pub struct TablePlan {
    /// The table's name.
    pub table: String,
    /// How its rows are generated.
    pub generation: Generation,
    /// Foreign keys filled in after generation, keeping the children-per-parent distribution.
    pub assigned: Vec<ForeignKey>,
}

/// Tables in generation order (every parent before its children).
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// One entry per table, parents first.
    pub order: Vec<TablePlan>,
}

impl TablePlan {
    /// The table's foreign keys: the sequence key first, then the assigned ones.
    pub fn relationships(&self) -> Vec<Relationship> {
        let sequence = match &self.generation {
            Generation::Sequential { key } => Some((key, "sequence")),
            Generation::Root | Generation::Independent => None,
        };
        sequence
            .into_iter()
            .chain(self.assigned.iter().map(|key| (key, "assigned")))
            .map(|(key, role)| Relationship {
                child: self.table.clone(),
                foreign_key: key.column.clone(),
                parent: key.parent.clone(),
                role,
            })
            .collect()
    }
}

impl Plan {
    /// Orders the tables; fails with the cycles (each naming its tables) when there are any.
    /// Foreign keys to unknown tables are skipped here: [`Schema::check`] reports them.
    pub fn build(schema: &Schema) -> Result<Plan, Vec<Problem>> {
        let mut graph = DiGraph::<usize, ()>::new();
        let nodes: Vec<NodeIndex> = (0..schema.tables.len())
            .map(|index| graph.add_node(index))
            .collect();
        for (child, table) in schema.tables.iter().enumerate() {
            for fk in &table.foreign_keys {
                let parent = schema.tables.iter().position(|t| t.name == fk.parent);
                if let Some(parent) = parent.filter(|&parent| parent != child) {
                    graph.update_edge(nodes[parent], nodes[child], ());
                }
            }
        }
        if toposort(&graph, None).is_err() {
            return Err(cycle_problems(schema, &graph));
        }
        Ok(Plan {
            order: schema_ordered(&graph)
                .into_iter()
                .map(|node| plan_table(&schema.tables[graph[node]]))
                .collect(),
        })
    }

    /// The plan of the named table.
    pub fn table(&self, name: &str) -> Option<&TablePlan> {
        self.order.iter().find(|plan| plan.table == name)
    }
}

/// A topological order that keeps the schema's order wherever dependencies allow (Kahn's
/// algorithm, always taking the earliest-written ready table), so summaries read like the file.
/// The graph must be acyclic.
fn schema_ordered(graph: &DiGraph<usize, ()>) -> Vec<NodeIndex> {
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|node| graph.neighbors_directed(node, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = graph
        .node_indices()
        .filter(|node| waiting[node.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        for child in graph.neighbors_directed(node, Direction::Outgoing) {
            waiting[child.index()] -= 1;
            if waiting[child.index()] == 0 {
                ready.push(Reverse(child));
            }
        }
    }
    order
}

fn plan_table(table: &TableDef) -> TablePlan {
    let sequence_key = if table.sequential {
        match (&table.sequence_by, table.foreign_keys.as_slice()) {
            (Some(by), keys) => keys.iter().find(|fk| &fk.column == by).cloned(),
            (None, [only]) => Some(only.clone()),
            (None, _) => None,
        }
    } else {
        None
    };
    let generation = match (&sequence_key, table.foreign_keys.is_empty()) {
        (Some(key), _) => Generation::Sequential { key: key.clone() },
        (None, true) => Generation::Root,
        (None, false) => Generation::Independent,
    };
    let assigned = table
        .foreign_keys
        .iter()
        .filter(|fk| Some(*fk) != sequence_key.as_ref())
        .cloned()
        .collect();
    TablePlan {
        table: table.name.clone(),
        generation,
        assigned,
    }
}

fn cycle_problems(schema: &Schema, graph: &DiGraph<usize, ()>) -> Vec<Problem> {
    let mut problems: Vec<Problem> = tarjan_scc(graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut names: Vec<&str> = component
                .iter()
                .map(|&node| schema.tables[graph[node]].name.as_str())
                .collect();
            names.sort_unstable();
            let links: Vec<String> = schema
                .tables
                .iter()
                .filter(|table| names.contains(&table.name.as_str()))
                .flat_map(|table| {
                    table
                        .foreign_keys
                        .iter()
                        .filter(|fk| names.contains(&fk.parent.as_str()))
                        .map(move |fk| format!("{}.{} -> {}", table.name, fk.column, fk.parent))
                })
                .collect();
            Problem::table(
                names[0],
                "foreign_keys",
                format!(
                    "tables {} form a dependency cycle ({}): every parent must be generated \
                     before its children, so one of these foreign keys has to go",
                    names.join(", "),
                    links.join(", ")
                ),
            )
        })
        .collect();
    problems.sort_by(|a, b| a.message.cmp(&b.message));
    problems
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn schema(text: &str) -> Schema {
        Schema::parse(text, Path::new("s.yaml"), Path::new(".")).unwrap()
    }

    #[test]
    fn parents_come_first_and_roles_follow_sequence_by() {
        let schema = schema(
            "tables:\n  orders: {path: o.csv, foreign_keys: {c: customers, p: products}, \
             sequence_by: c}\n  customers: {path: c.csv, primary_key: id}\n  \
             products: {path: p.csv, primary_key: id}\n",
        );
        let plan = Plan::build(&schema).unwrap();
        let names: Vec<&str> = plan.order.iter().map(|p| p.table.as_str()).collect();
        assert_eq!(names, ["customers", "products", "orders"]);
        let plan = plan.table("orders").unwrap();
        assert_eq!(
            plan.generation,
            Generation::Sequential {
                key: ForeignKey {
                    column: "c".into(),
                    parent: "customers".into()
                }
            }
        );
        assert_eq!(plan.assigned.len(), 1);
        assert_eq!(plan.assigned[0].column, "p");
    }

    #[test]
    fn cycles_name_their_tables() {
        let schema = schema(
            "tables:\n  a: {path: a.csv, primary_key: id, foreign_keys: {b_id: b}}\n  \
             b: {path: b.csv, primary_key: id, foreign_keys: {a_id: a}}\n  \
             c: {path: c.csv, primary_key: id}\n",
        );
        let problems = Plan::build(&schema).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .contains("tables a, b form a dependency cycle"),
            "{}",
            problems[0]
        );
        assert!(problems[0].message.contains("a.b_id -> b, b.a_id -> a"));
    }

    #[test]
    fn non_sequential_tables_assign_every_key() {
        let schema = schema(
            "tables:\n  a: {path: a.csv, primary_key: id}\n  \
             r: {path: r.csv, foreign_keys: {a_id: a}, sequential: false}\n",
        );
        let plan = Plan::build(&schema).unwrap();
        let r = plan.table("r").unwrap();
        assert_eq!(r.generation, Generation::Independent);
        assert_eq!(r.assigned.len(), 1);
    }
}
