//! End-to-end behaviour of detection in `dxsynth evaluate`: the real data against itself is not
//! detectable, a flawed copy is, the flawed column is named, and `--max-detection-auc` gates
//! with exit code 3 after reporting.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dxsynth::evaluate::{EvaluateOptions, evaluate};
use dxsynth::location::Location;

fn example(schema: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(schema)
}

/// A folder holding each real table of the bank example as `<table>.csv`; `flaw` may rewrite
/// the transactions table's text before it is written.
fn bank_copy(flaw: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let valid = dxsynth::validate(&example("schemas/bank.yaml")).expect("valid example");
    for def in &valid.schema.tables {
        let text = std::fs::read_to_string(&def.path).unwrap();
        let text = if def.name == "transactions" {
            flaw(&text)
        } else {
            text
        };
        std::fs::write(dir.path().join(format!("{}.csv", def.name)), text).unwrap();
    }
    dir
}

/// The transactions CSV with the `date` column's values rotated by half the table: every value
/// is kept (same distribution) but lands on another row, so dates lose their tie to the
/// account's opening date (real transactions follow it closely, real rho 0.99).
fn rotate_dates(text: &str) -> String {
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect();
    let column = lines[0].iter().position(|h| h == "date").expect("date");
    let values: Vec<String> = lines[1..].iter().map(|row| row[column].clone()).collect();
    let rows = values.len();
    for (index, row) in lines[1..].iter_mut().enumerate() {
        row[column] = values[(index + rows / 2) % rows].clone();
    }
    let mut out: Vec<String> = lines.iter().map(|row| row.join(",")).collect();
    out.push(String::new());
    out.join("\n")
}

fn transactions_auc(dir: &Path) -> (f64, Vec<String>) {
    let evaluation = evaluate(
        &example("schemas/bank.yaml"),
        &Location::Folder(dir.to_path_buf()),
        &EvaluateOptions::default(),
    )
    .expect("evaluation succeeds");
    let table = evaluation
        .report
        .detection
        .tables
        .iter()
        .find(|t| t.table == "transactions")
        .expect("transactions measured")
        .clone();
    let features = table
        .top_features
        .iter()
        .map(|f| f.feature.clone())
        .collect();
    (table.auc.expect("an AUC"), features)
}

#[test]
fn the_real_data_is_not_detectable_and_a_flawed_column_is() {
    let (same, _) = transactions_auc(bank_copy(str::to_string).path());
    assert!((same - 0.5).abs() < 0.05, "real vs real AUC {same}");
    let (flawed, features) = transactions_auc(bank_copy(rotate_dates).path());
    assert!(flawed > 0.7, "flawed AUC {flawed} vs {same}");
    assert!(
        features.iter().take(2).any(|f| f == "date"),
        "date among the top features: {features:?}"
    );
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn max_detection_auc_gates_with_exit_code_3_after_reporting() {
    let schema = example("schemas/bank.yaml");
    let flawed = bank_copy(rotate_dates);
    let json = flawed.path().join("report.json");
    let run = |maximum: &str| {
        cli(&[
            "evaluate",
            schema.to_str().unwrap(),
            flawed.path().to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--max-detection-auc",
            maximum,
        ])
    };
    let passed = run("1");
    assert_eq!(passed.status.code(), Some(0), "{passed:?}");
    std::fs::remove_file(&json).unwrap();
    let failed = run("0.6");
    assert_eq!(failed.status.code(), Some(3), "{failed:?}");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("synthetic `transactions` rows")
            && stderr.contains("above --max-detection-auc 0.6"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&failed.stdout).contains("highest table AUC"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let highest = report["detection"]["max_auc"].as_f64().unwrap();
    assert!(highest > 0.6, "{highest}");
    assert_eq!(run("1.5").status.code(), Some(2));
}
