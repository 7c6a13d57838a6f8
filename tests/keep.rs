//! Lookup and calendar tables are kept: planted data, fixed seed, end to end through the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

fn run(schema: &Path, out: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args([
            "run",
            &schema.to_string_lossy(),
            "-o",
            &out.to_string_lossy(),
            "--seed",
            "7",
            "--quiet",
        ])
        .output()
        .expect("dxsynth runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn column(file: &Path, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).expect("readable");
    let index = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == name)
        .expect("column");
    reader
        .records()
        .map(|r| r.expect("record")[index].to_string())
        .collect()
}

fn counts(values: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value.clone()).or_default() += 1;
    }
    counts
}

/// Colours (a lookup table with string keys), days (a calendar), and sales that use a skewed
/// few colours and only one month of days.
fn planted(dir: &Path) {
    let colours = ["RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW"];
    let mut text = String::from("code,name\n");
    for (i, name) in colours.iter().enumerate() {
        text += &format!("C{i},{name}\n");
    }
    fs::write(dir.join("colours.csv"), text).expect("write");
    let mut text = String::from("day_id,day_date,weekday\n");
    for d in 0..400u32 {
        let date = chrono_like(d);
        text += &format!(
            "{},{date},{}\n",
            1000 + d,
            ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"][d as usize % 7]
        );
    }
    fs::write(dir.join("days.csv"), text).expect("write");
    let mut text = String::from("sale_id,colour,day,amount\n");
    for i in 0..600u32 {
        let colour = if i % 2 == 0 { 0 } else { 1 + i % 3 };
        let day = 1100 + (i * 7) % 30;
        text += &format!("{i},C{colour},{day},{}.{}\n", 10 + i % 90, i % 10);
    }
    fs::write(dir.join("sales.csv"), text).expect("write");
    fs::write(
        dir.join("schema.yaml"),
        "tables:\n  colours: {path: colours.csv, primary_key: code}\n  days: {path: days.csv, \
         primary_key: day_id}\n  sales:\n    path: sales.csv\n    primary_key: sale_id\n    \
         foreign_keys: {colour: colours, day: days}\n    sequential: false\n",
    )
    .expect("write");
}

/// Day `d` after 2020-01-01 as `YYYY-MM-DD` (a 30-day-month calendar is enough: only the
/// even steps matter, so use ordinal dates of 2020 and 2021).
fn chrono_like(d: u32) -> String {
    let days_in = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut year, mut left) = (2020, d);
    loop {
        let total = if year == 2020 { 366 } else { 365 };
        if left < total {
            break;
        }
        left -= total;
        year += 1;
    }
    let mut month = 0;
    loop {
        let length = if month == 1 && year != 2020 {
            28
        } else {
            days_in[month]
        };
        if left < length {
            break;
        }
        left -= length;
        month += 1;
    }
    format!("{year}-{:02}-{:02}", month + 1, left + 1)
}

#[test]
fn lookup_labels_and_calendar_rows_are_kept_and_referenced_as_in_the_real_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    planted(dir.path());
    let out = dir.path().join("out");
    run(&dir.path().join("schema.yaml"), &out);
    let real = |file: &str, name: &str| column(&dir.path().join(file), name);
    let synthetic = |file: &str, name: &str| column(&out.join(file), name);
    assert_eq!(
        synthetic("colours.csv", "name"),
        real("colours.csv", "name")
    );
    assert_eq!(
        synthetic("colours.csv", "code"),
        real("colours.csv", "code")
    );
    assert_eq!(
        synthetic("days.csv", "day_date"),
        real("days.csv", "day_date")
    );
    assert_eq!(
        counts(&synthetic("sales.csv", "colour")),
        counts(&real("sales.csv", "colour"))
    );
    let real_days: BTreeSet<String> = real("sales.csv", "day").into_iter().collect();
    let synthetic_days: BTreeSet<String> = synthetic("sales.csv", "day").into_iter().collect();
    assert_eq!(synthetic_days, real_days, "sales fall on the real days");
}
