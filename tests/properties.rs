//! Property test: for random valid databases (2-8 tables, a random DAG of foreign keys, random
//! sequential / sequence_by choices, nullable keys, random column types and data), the output
//! always has every table with its header, primary keys exactly 1..N, and no dangling key.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Decimal,
    Category,
    Flag,
    Date,
    Words,
    Empty,
}

#[derive(Debug, Clone)]
struct TableShape {
    has_pk: bool,
    text_pk: bool,
    rows: usize,
    parents: Vec<Index>,
    sequential: bool,
    sequence_by: Index,
    key_null_rate: f64,
    kinds: Vec<Kind>,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Integer),
        Just(Kind::Decimal),
        Just(Kind::Category),
        Just(Kind::Flag),
        Just(Kind::Date),
        Just(Kind::Words),
        Just(Kind::Empty),
    ]
}

fn table_shape() -> impl Strategy<Value = TableShape> {
    (
        any::<bool>(),
        any::<bool>(),
        1usize..40,
        prop::collection::vec(any::<Index>(), 0..4),
        any::<bool>(),
        any::<Index>(),
        prop_oneof![Just(0.0), 0.0..0.4],
        prop::collection::vec(kind(), 0..4),
    )
        .prop_map(
            |(has_pk, text_pk, rows, parents, sequential, sequence_by, key_null_rate, kinds)| {
                TableShape {
                    has_pk,
                    text_pk,
                    rows,
                    parents,
                    sequential,
                    sequence_by,
                    key_null_rate,
                    kinds,
                }
            },
        )
}

/// Writes the database and its schema into `dir`; returns the schema path.
fn write_database(dir: &Path, shapes: &[TableShape], seed: u64) -> std::path::PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut schema = String::from("tables:\n");
    let mut keys: Vec<Option<Vec<String>>> = Vec::new();
    for (t, shape) in shapes.iter().enumerate() {
        // The first table always has a key so later tables can reference something.
        let has_pk = shape.has_pk || t == 0;
        let candidates: Vec<usize> = (0..t).filter(|&p| keys[p].is_some()).collect();
        let mut parents: Vec<usize> = if candidates.is_empty() {
            Vec::new()
        } else {
            shape.parents.iter().map(|i| *i.get(&candidates)).collect()
        };
        parents.sort_unstable();
        parents.dedup();
        let mut header: Vec<String> = Vec::new();
        let mut cells: Vec<Vec<String>> = vec![Vec::new(); shape.rows];
        let own_keys: Vec<String> = (0..shape.rows)
            .map(|r| {
                if shape.text_pk {
                    format!("K{}x{}", r * 7 + 3, t)
                } else {
                    (r * 3 + 10).to_string()
                }
            })
            .collect();
        if has_pk {
            header.push("id".into());
            for (row, key) in cells.iter_mut().zip(&own_keys) {
                row.push(key.clone());
            }
        }
        for &p in &parents {
            header.push(format!("t{p}_id"));
            let parent_keys = keys[p].as_ref().expect("parent with key");
            for row in cells.iter_mut() {
                let empty = rng.random::<f64>() < shape.key_null_rate;
                row.push(if empty {
                    String::new()
                } else {
                    parent_keys[rng.random_range(0..parent_keys.len())].clone()
                });
            }
        }
        for (c, kind) in shape.kinds.iter().enumerate() {
            header.push(format!("c{c}"));
            for row in cells.iter_mut() {
                row.push(value(*kind, &mut rng));
            }
        }
        // A one-column row with an empty value is a blank line, which CSV readers skip: give
        // every table a column that is never empty.
        header.push("n".into());
        for (r, row) in cells.iter_mut().enumerate() {
            row.push(r.to_string());
        }
        let mut csv = header.join(",") + "\n";
        for row in &cells {
            csv += &row.join(",");
            csv.push('\n');
        }
        std::fs::write(dir.join(format!("t{t}.csv")), csv).expect("write csv");
        let _ = writeln!(schema, "  t{t}:\n    path: t{t}.csv");
        if has_pk {
            schema += "    primary_key: id\n";
        }
        if !parents.is_empty() {
            schema += "    foreign_keys:\n";
            for p in &parents {
                let _ = writeln!(schema, "      t{p}_id: t{p}");
            }
            if !shape.sequential {
                schema += "    sequential: false\n";
            } else if parents.len() > 1 || shape.sequence_by.index(2) == 0 {
                let by = parents[shape.sequence_by.index(parents.len())];
                let _ = writeln!(schema, "    sequence_by: t{by}_id");
            }
        }
        keys.push(has_pk.then_some(own_keys));
    }
    let path = dir.join("schema.yaml");
    std::fs::write(&path, schema).expect("write schema");
    path
}

fn value(kind: Kind, rng: &mut ChaCha8Rng) -> String {
    if rng.random::<f64>() < 0.1 {
        return String::new();
    }
    match kind {
        Kind::Integer => rng.random_range(-50..500).to_string(),
        Kind::Decimal => format!("{:.2}", rng.random::<f64>() * 100.0),
        Kind::Category => ["red", "green", "blue"][rng.random_range(0..3)].to_string(),
        Kind::Flag => ["yes", "no"][rng.random_range(0..2)].to_string(),
        Kind::Date => format!(
            "2020-{:02}-{:02}",
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        Kind::Words => (0..rng.random_range(1..5))
            .map(|_| ["lorem", "ipsum", "dolor", "sit"][rng.random_range(0..4)])
            .collect::<Vec<_>>()
            .join(" "),
        Kind::Empty => String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_databases_come_out_intact(
        shapes in prop::collection::vec(table_shape(), 2..=8),
        data_seed in any::<u64>(),
        run_seed in any::<u64>(),
        scale in prop_oneof![Just(1.0), 0.3..3.0],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let schema = write_database(dir.path(), &shapes, data_seed);
        let out = dir.path().join("out");
        common::run(&schema, &out, run_seed, scale);
        common::assert_intact(&schema, &out);
    }
}
