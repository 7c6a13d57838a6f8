//! Helpers shared by the end-to-end tests: reading CSV output, counting children, KS.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dxsynth::NoProgress;
use dxsynth::RunOptions;

/// A seeded stream of uniform numbers in [0, 1) for planted data (the top 53 bits of a 64-bit
/// linear congruential generator): the same data every run, without a crate.
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A CSV file as header + rows of text.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &Path) -> Csv {
        let mut reader =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("record").iter().map(str::to_string).collect())
            .collect();
        Csv { header, rows }
    }

    pub fn column(&self, name: &str) -> Vec<&str> {
        let index = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|row| row[index].as_str()).collect()
    }
}

/// Children per parent key (zeros included), given the parent's keys and the child's FK values.
pub fn children_per_parent(parent_keys: &[&str], child_keys: &[&str]) -> Vec<f64> {
    let mut counts: HashMap<&str, usize> = parent_keys.iter().map(|k| (*k, 0)).collect();
    for key in child_keys.iter().filter(|k| !k.is_empty()) {
        *counts
            .get_mut(key)
            .unwrap_or_else(|| panic!("dangling key {key}")) += 1;
    }
    parent_keys.iter().map(|k| counts[k] as f64).collect()
}

/// The two-sample Kolmogorov-Smirnov statistic (the library's, unit-tested on exact values).
pub fn ks(a: &[f64], b: &[f64]) -> f64 {
    let present = |values: &[f64]| values.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    dxsynth::stats::ks(&present(a), &present(b))
}

/// Runs the pipeline in-process, quietly.
pub fn run(schema: &Path, out: &Path, seed: u64, scale: f64) -> dxsynth::RunReport {
    let options = RunOptions {
        seed: Some(seed),
        scale,
        ..RunOptions::default()
    };
    dxsynth::run(schema, out, &options, &NoProgress).expect("run succeeds")
}

/// Asserts the house guarantees on an output folder: every table, same header, primary keys
/// exactly 1..N (a kept lookup or calendar table: its real keys), every foreign key pointing at
/// an existing parent key.
pub fn assert_intact(schema: &Path, out: &Path) {
    let valid = dxsynth::validate(schema).expect("valid schema");
    let kept = dxsynth::semantic::keep::decide(&valid.schema, &valid.tables);
    for def in &valid.schema.tables {
        let synthetic = Csv::read(&out.join(format!("{}.csv", def.name)));
        let real = Csv::read(&def.path);
        assert_eq!(synthetic.header, real.header, "header of {}", def.name);
        if let Some(pk) = &def.primary_key {
            let expected: Vec<String> = if kept.contains_key(&def.name) {
                real.column(pk).iter().map(|s| s.to_string()).collect()
            } else {
                (1..=synthetic.rows.len()).map(|i| i.to_string()).collect()
            };
            let keys: Vec<String> = synthetic.column(pk).iter().map(|s| s.to_string()).collect();
            assert_eq!(keys, expected, "primary key of {}", def.name);
        }
        for fk in &def.foreign_keys {
            let parent = Csv::read(&out.join(format!("{}.csv", fk.parent)));
            let parent_def = valid.schema.table(&fk.parent).expect("parent");
            let known: HashSet<&str> = parent
                .column(parent_def.primary_key.as_deref().expect("parent key"))
                .into_iter()
                .collect();
            let dangling = synthetic
                .column(&fk.column)
                .into_iter()
                .filter(|k| !k.is_empty() && !known.contains(k))
                .count();
            assert_eq!(dangling, 0, "{}.{} has dangling keys", def.name, fk.column);
        }
    }
}

/// Pearson's correlation (the library's).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let present = |values: &[f64]| values.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    dxsynth::stats::pearson(&present(a), &present(b)).expect("a defined correlation")
}

/// The mean of numbers.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Parses a column of numbers (empty fields skipped).
pub fn numbers(values: &[&str]) -> Vec<f64> {
    values
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap_or_else(|_| panic!("not a number: {v}")))
        .collect()
}

/// Runs the pipeline with a chosen model.
pub fn run_model(schema: &Path, out: &Path, seed: u64, model: dxsynth::model::ModelKind) {
    let options = RunOptions {
        seed: Some(seed),
        model,
        ..RunOptions::default()
    };
    dxsynth::run(schema, out, &options, &NoProgress).expect("run succeeds");
}

/// A path inside the repository (bundled schemas and test data).
pub fn example(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs the binary and returns what it did; a test never needs the raw process otherwise.
pub fn dxsynth_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .output()
        .expect("dxsynth runs")
}

/// Runs the binary; returns the exit code, stdout and stderr. A panic is a failure whatever the
/// exit code a test expects.
pub fn dxsynth(args: &[&str]) -> (i32, String, String) {
    let output = dxsynth_output(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "dxsynth panicked:\n{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

/// The stdout of a run that must have succeeded (its stderr in the failure message).
pub fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "dxsynth failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
