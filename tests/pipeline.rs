//! End-to-end behaviour of `dxsynth run` on the bundled examples.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Csv, assert_intact, children_per_parent, ks, run};

const EXAMPLES: &[&str] = &[
    "schemas/bank_two_tables.yaml",
    "schemas/bank.yaml",
    "schemas/shop.yaml",
];

fn example(schema: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(schema)
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("output folder")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&path).unwrap_or_default())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn examples_keep_every_key_intact() {
    for schema in EXAMPLES {
        let out = tempfile::tempdir().unwrap();
        run(&example(schema), out.path(), 11, 1.0);
        assert_intact(&example(schema), out.path());
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let run_cli = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let status = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .args(["run", example("schemas/shop.yaml").to_str().unwrap(), "-o"])
            .arg(&out)
            .args(["--seed", seed, "--quiet"])
            .status()
            .expect("binary runs");
        assert!(status.success());
        files(&out)
    };
    let first = run_cli("a", "42");
    assert_eq!(first.len(), 5);
    assert_eq!(first, run_cli("b", "42"));
    assert_ne!(first, run_cli("c", "43"));
}

#[test]
fn scale_multiplies_roots_and_children_follow() {
    let schema = example("schemas/shop.yaml");
    for scale in [0.5, 2.0] {
        let out = tempfile::tempdir().unwrap();
        let report = run(&schema, out.path(), 5, scale);
        for table in &report.tables {
            let expected = table.real_rows as f64 * scale;
            let ratio = table.rows as f64 / expected;
            match table.name.as_str() {
                // Roots are scaled exactly.
                "customers" | "products" => assert_eq!(table.rows, expected.round() as usize),
                // Children follow their parents, up to sampling noise.
                _ => assert!(
                    (0.85..1.15).contains(&ratio),
                    "{} at scale {scale}: {} rows",
                    table.name,
                    table.rows
                ),
            }
        }
        assert_intact(&schema, out.path());
    }
}

#[test]
fn children_per_parent_distribution_is_kept() {
    for schema in EXAMPLES {
        let schema = example(schema);
        let valid = dxsynth::validate(&schema).expect("valid");
        let out = tempfile::tempdir().unwrap();
        run(&schema, out.path(), 3, 1.0);
        for def in &valid.schema.tables {
            for fk in &def.foreign_keys {
                let pk = valid
                    .schema
                    .table(&fk.parent)
                    .unwrap()
                    .primary_key
                    .clone()
                    .unwrap();
                let real_parent = Csv::read(&valid.schema.table(&fk.parent).unwrap().path);
                let real_child = Csv::read(&def.path);
                let real =
                    children_per_parent(&real_parent.column(&pk), &real_child.column(&fk.column));
                let syn_parent = Csv::read(&out.path().join(format!("{}.csv", fk.parent)));
                let syn_child = Csv::read(&out.path().join(format!("{}.csv", def.name)));
                let synthetic =
                    children_per_parent(&syn_parent.column(&pk), &syn_child.column(&fk.column));
                let score = 1.0 - ks(&real, &synthetic);
                assert!(
                    score >= 0.9,
                    "{}.{} -> {}: 1 - KS = {score:.3}",
                    def.name,
                    fk.column,
                    fk.parent
                );
            }
        }
    }
}

#[test]
fn null_rates_and_formats_survive() {
    let schema = example("schemas/bank.yaml");
    let out = tempfile::tempdir().unwrap();
    run(&schema, out.path(), 9, 1.0);
    let real = Csv::read(&example("testdata/bank/transactions.csv"));
    let synthetic = Csv::read(&out.path().join("transactions.csv"));
    let null_share = |csv: &Csv| {
        csv.column("memo").iter().filter(|v| v.is_empty()).count() as f64 / csv.rows.len() as f64
    };
    assert!((null_share(&real) - null_share(&synthetic)).abs() < 0.03);
    // Dates keep their format and amounts their two decimals.
    assert!(
        synthetic
            .column("date")
            .iter()
            .all(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
    );
    assert!(
        synthetic
            .column("amount")
            .iter()
            .all(|a| a.split('.').nth(1).is_none_or(|d| d.len() <= 2))
    );
    let loans = Csv::read(&out.path().join("loans.csv"));
    assert!(
        loans
            .column("start_date")
            .iter()
            .all(|d| d.len() == 10 && d.as_bytes()[2] == b'/')
    );
    let accounts = Csv::read(&out.path().join("accounts.csv"));
    assert!(
        accounts
            .column("is_active")
            .iter()
            .all(|v| *v == "true" || *v == "false")
    );
    // Rare categories (3 chargebacks) are never reproduced.
    assert!(!synthetic.column("kind").contains(&"chargeback"));
}

#[test]
fn dates_inside_a_sequence_follow_order_by() {
    let schema = example("schemas/bank_two_tables.yaml");
    let out = tempfile::tempdir().unwrap();
    run(&schema, out.path(), 2, 1.0);
    let synthetic = Csv::read(&out.path().join("transactions.csv"));
    let accounts = synthetic.column("account_id");
    let dates = synthetic.column("date");
    for pair in accounts.iter().zip(&dates).collect::<Vec<_>>().windows(2) {
        if pair[0].0 == pair[1].0 {
            assert!(
                pair[0].1 <= pair[1].1,
                "dates decrease inside account {}",
                pair[0].0
            );
        }
    }
}

#[test]
fn existing_output_folder_keeps_unrelated_files() {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    run(&example("schemas/bank_two_tables.yaml"), &out, 1, 1.0);
    let names: Vec<String> = files(&out).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["accounts.csv", "notes.txt", "transactions.csv"]);
    let names: Vec<String> = files(base.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["out"], "the staging folder is removed");
}

/// A column whose values are mostly rarer than the privacy threshold keeps its share of empty
/// cells: the rare values are never drawn, but they still count as present (planted: 10% empty,
/// 10% one frequent label, 80% labels seen twice each, as postcodes or counties are).
#[test]
fn empty_cells_keep_their_share_beside_rare_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,segment,area\n");
    for row in 0..2000 {
        let area = match row % 10 {
            0 => String::new(),
            1 => "Central".to_string(),
            _ => format!("Area {:04}", row / 2),
        };
        let segment = ["retail", "business"][(row / 10) % 2];
        csv.push_str(&format!("{row},{segment},{area}\n"));
    }
    std::fs::write(dir.path().join("places.csv"), csv).unwrap();
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  places:\n    path: places.csv\n    primary_key: id\n    columns:\n      area: categorical\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    run(&schema, &out, 3, 1.0);
    let synthetic = Csv::read(&out.join("places.csv"));
    let empty = synthetic
        .column("area")
        .iter()
        .filter(|v| v.is_empty())
        .count() as f64
        / synthetic.rows.len() as f64;
    assert!((empty - 0.1).abs() < 0.03, "{empty} of the cells empty");
}

/// `seconds` after 2024-01-01 00:00:00 as `YYYY-MM-DD HH:MM:SS` (within 2024).
fn stamp_2024(seconds: u64) -> String {
    const DAYS: [u64; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut day, time) = (seconds / 86_400, seconds % 86_400);
    let mut month = 0;
    while day >= DAYS[month] {
        day -= DAYS[month];
        month += 1;
    }
    let (h, m, s) = (time / 3600, time / 60 % 60, time % 60);
    format!("2024-{:02}-{:02} {h:02}:{m:02}:{s:02}", month + 1, day + 1)
}

/// Planted parcels: each shipment's events run from its creation (`Label Created`, number 1)
/// to its delivery (`Delivered`, the last number), in time order, so the rules find every
/// event between the two. A drawn step past the delivery was put back a real distance before
/// it, behind the events before it, and the events sorted by time (`order_by`) then read
/// Delivered before Picked Up and numbers out of order (45 of these 800 shipments; 1,512 of
/// 8,000 in a parcel database). Each walk now stays at or above its row before.
#[test]
fn a_sequence_in_order_by_order_keeps_its_numbers_and_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let mut state: u64 = 7;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    let mut shipments = String::from("shipment_id,created_at,delivered_at\n");
    let mut events = String::from("event_id,shipment_id,sequence,event_time,status\n");
    let mut event = 0;
    for shipment in 1..=800 {
        let created = next(300 * 86_400);
        let delivered = created + 3_600 + next(6 * 86_400);
        shipments.push_str(&format!(
            "{shipment},{},{}\n",
            stamp_2024(created),
            stamp_2024(delivered)
        ));
        let n = 5 + next(4) as usize;
        let mut times: Vec<u64> = (0..n - 2)
            .map(|_| created + 1 + next(delivered - created - 1))
            .collect();
        times.sort_unstable();
        times.insert(0, created);
        times.push(delivered);
        for (place, time) in times.iter().enumerate() {
            let status = match place {
                0 => "Label Created",
                1 => "Picked Up",
                _ if place == n - 1 => "Delivered",
                _ if place == n - 2 => "Out for Delivery",
                _ => "In Transit",
            };
            event += 1;
            let (sequence, time) = (place + 1, stamp_2024(*time));
            events.push_str(&format!("{event},{shipment},{sequence},{time},{status}\n"));
        }
    }
    std::fs::write(dir.path().join("shipments.csv"), shipments).unwrap();
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  shipments:\n    path: shipments.csv\n    primary_key: shipment_id\n  \
         events:\n    path: events.csv\n    primary_key: event_id\n    foreign_keys:\n      \
         shipment_id: shipments\n    sequential: true\n    order_by: event_time\n    \
         columns:\n      sequence: numerical\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    run(&schema, &out, 1, 1.0);
    let synthetic = Csv::read(&out.join("events.csv"));
    let rank = |status: &str| {
        [
            "Label Created",
            "Picked Up",
            "In Transit",
            "Out for Delivery",
        ]
        .iter()
        .position(|s| *s == status)
        .unwrap_or(4)
    };
    let mut rows: std::collections::BTreeMap<&str, Vec<(usize, usize)>> = Default::default();
    for ((shipment, sequence), status) in (synthetic.column("shipment_id").into_iter())
        .zip(synthetic.column("sequence"))
        .zip(synthetic.column("status"))
    {
        let sequence = sequence.parse().unwrap_or(0);
        rows.entry(shipment)
            .or_default()
            .push((sequence, rank(status)));
    }
    let broken = rows
        .values()
        .filter(|rows| {
            let numbered = rows.iter().map(|row| row.0).eq(1..=rows.len());
            let forward = rows.windows(2).all(|pair| pair[0].1 <= pair[1].1);
            !(numbered && forward)
        })
        .count();
    assert!(
        broken * 100 <= rows.len(),
        "{broken} of {} shipments out of order",
        rows.len()
    );
}
