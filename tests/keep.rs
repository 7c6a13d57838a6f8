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

/// Runs the binary with `args`; its exit code and stderr.
fn dxsynth(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .output()
        .expect("dxsynth runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn given_rows_refer_to_a_kept_parent_by_its_real_keys_and_a_kept_table_takes_no_row_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    planted(dir.path());
    let model = dir.path().join("m.dxsynth");
    let schema = dir.path().join("schema.yaml");
    let (code, err) = dxsynth(&[
        "train",
        &schema.to_string_lossy(),
        "--model-file",
        &model.to_string_lossy(),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    // Given sales name real colour codes and real day ids: they are the kept parents' keys.
    let given = dir.path().join("given_sales.csv");
    fs::write(
        &given,
        "sale_id,colour,day,amount\n1,C3,1005,1.5\n2,C0,1399,2.5\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let (code, err) = dxsynth(&[
        "generate",
        &model.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--given",
        &format!("sales={}", given.display()),
        "--seed",
        "3",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(column(&out.join("sales.csv"), "day"), ["1005", "1399"]);
    assert_eq!(column(&out.join("sales.csv"), "colour"), ["C3", "C0"]);
    // A key that is not a real key of the kept parent is named.
    fs::write(&given, "sale_id,colour,day,amount\n1,C3,7,1.5\n").expect("write");
    let (code, err) = dxsynth(&[
        "generate",
        &model.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--given",
        &format!("sales={}", given.display()),
        "--quiet",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("kept table `days`") && err.contains("`7`"),
        "{err}"
    );
    // A kept table comes out with its real rows: a row count for it is refused.
    let (code, err) = dxsynth(&[
        "generate",
        &model.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--rows",
        "days=10",
        "--quiet",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("days") && err.contains("kept"), "{err}");
}

/// The planted models, trained by the library.
fn planted_models(dir: &Path) -> dxsynth::Models {
    planted(dir);
    let options = dxsynth::TrainOptions {
        seed: Some(2),
        ..Default::default()
    };
    dxsynth::train(&dir.join("schema.yaml"), &options, &dxsynth::NoProgress).expect("trains")
}

#[test]
fn a_model_file_whose_kept_rows_or_counts_do_not_fit_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let models = planted_models(dir.path());
    assert!(models.tables["days"].kept.is_some(), "days is kept");
    let load = |models: &dxsynth::Models| {
        let bytes = dxsynth::modelfile::to_bytes(models).expect("encode");
        dxsynth::modelfile::from_bytes(&bytes).map(|_| ())
    };
    assert!(load(&models).is_ok(), "the trained model loads");
    // A kept table claiming more rows than it stores.
    let mut bad = models.clone();
    if let Some(kept) = bad.tables["days"].kept.as_mut() {
        kept.rows += 1;
    }
    bad.tables["days"].real_rows += 1;
    let err = load(&bad).expect_err("kept rows that do not fit");
    assert!(err.to_string().contains("kept"), "{err}");
    // A kept key column shorter than the table.
    let mut bad = models.clone();
    if let Some(kept) = bad.tables["days"].kept.as_mut() {
        kept.keys["day_id"].pop();
    }
    assert!(load(&bad).is_err(), "a short key column");
    // Children counts per kept row that do not match the parent's rows.
    let mut bad = models.clone();
    let sales = &mut bad.tables["sales"];
    let by_row = sales
        .assigned
        .iter_mut()
        .find_map(|key| key.by_row.as_mut())
        .expect("sales count their children per kept row");
    by_row.pop();
    assert!(load(&bad).is_err(), "counts for too few parent rows");
    let mut bad = models.clone();
    let sales = &mut bad.tables["sales"];
    if let Some(by_row) = sales
        .assigned
        .iter_mut()
        .find_map(|key| key.by_row.as_mut())
    {
        by_row[0] = usize::MAX;
    }
    assert!(load(&bad).is_err(), "counts beyond the child rows");
}

#[test]
fn mutated_model_files_with_kept_tables_fail_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let models = planted_models(dir.path());
    let original = dxsynth::modelfile::to_bytes(&models).expect("encode");
    let writer = usize::from(original[12]);
    let header = 13 + writer;
    let payload = original[header + 20..].to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut refused = 0;
    for round in 0..150 {
        let mut mutated = payload.clone();
        for _ in 0..1 + next(3) {
            let at = next(mutated.len());
            mutated[at] = match next(3) {
                0 => next(256) as u8,
                1 => mutated[at] ^ (1 << next(8)),
                _ => [0, 1, 0x7f, 0x80, 0xff][next(5)],
            };
        }
        let mut bytes = original[..header + 8].to_vec();
        bytes[header..header + 8].copy_from_slice(&(mutated.len() as u64).to_le_bytes());
        let expanded = &original[header + 8..header + 16];
        bytes.extend_from_slice(expanded);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&original[13..header]);
        crc.update(expanded);
        crc.update(&mutated);
        bytes.extend_from_slice(&crc.finalize().to_le_bytes());
        bytes.extend_from_slice(&mutated);
        let Ok(file) = dxsynth::modelfile::from_bytes(&bytes) else {
            refused += 1;
            continue;
        };
        let options = dxsynth::GenerateOptions {
            seed: Some(1),
            ..Default::default()
        };
        let out = dir.path().join(format!("out{round}"));
        if let Err(err) = dxsynth::generate(&file.models, &out, &options, &dxsynth::NoProgress) {
            assert!(err.is_bad_input(), "round {round}: {err}");
        }
    }
    assert!(refused > 0, "mutations are noticed");
}

#[test]
fn tables_that_point_at_kept_tables_grow_with_the_scale_and_the_kept_tables_do_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    planted(dir.path());
    let out = dir.path().join("out");
    let (code, err) = dxsynth(&[
        "run",
        &dir.path().join("schema.yaml").to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
        "--scale",
        "3",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = |file: &str| column(&out.join(file), "name").len();
    let sales = column(&out.join("sales.csv"), "sale_id").len();
    // 600 real sales, every one pointing at two kept tables: three times as many at scale 3.
    assert!((1700..=1900).contains(&sales), "{sales} sales");
    assert_eq!(rows("colours.csv"), 6, "the lookup table keeps its rows");
    assert_eq!(column(&out.join("days.csv"), "day_id").len(), 400);
}

/// A table generated per row of a kept table (sales sequential by their colour) gives each
/// kept row its real number of children (the draws gave one colour's to another), and grows
/// with the scale: about three times as many at scale 3, where the scale was ignored. A row
/// count asked for it says the scale decides, not (as before) to ask a row count of the kept
/// table, which is refused.
#[test]
fn sequences_under_a_kept_table_have_their_real_lengths_and_grow_with_the_scale() {
    let dir = tempfile::tempdir().expect("temp dir");
    planted(dir.path());
    let schema = dir.path().join("schema.yaml");
    let text = fs::read_to_string(&schema).expect("schema");
    let sequential = text.replace("    sequential: false\n", "    sequence_by: colour\n");
    assert_ne!(
        sequential, text,
        "the planted schema names sales non-sequential"
    );
    fs::write(&schema, sequential).expect("write");
    let schema = schema.to_string_lossy().into_owned();
    let out = dir.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    let args = ["run", &schema, "-o", &out_arg, "--seed", "7", "--quiet"];
    let sales_by_colour = |scale: &str| {
        let (code, err) = dxsynth(&[&args[..], &["--scale", scale]].concat());
        assert_eq!(code, 0, "{err}");
        counts(&column(&out.join("sales.csv"), "colour"))
    };
    let (once, thrice) = (sales_by_colour("1"), sales_by_colour("3"));
    let real = counts(&column(&dir.path().join("sales.csv"), "colour"));
    assert_eq!(once, real, "each colour has its real sales");
    let sales: usize = thrice.values().sum();
    assert!((1700..=1900).contains(&sales), "{sales} sales");
    for (colour, &count) in &real {
        let grown = thrice.get(colour).copied().unwrap_or(0) as f64;
        let ratio = grown / count as f64;
        assert!(
            (2.5..=3.5).contains(&ratio),
            "{colour}: {grown} sales, {count} real"
        );
    }
    let (code, err) = dxsynth(&[&args[..], &["--rows", "sales=1000"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("kept as it is") && err.contains("scale"),
        "{err}"
    );
    assert!(!err.contains("set the rows of"), "{err}");
}

/// Two keys to a kept calendar whose real rows are always in order (shipped on or after the
/// order day; a follow-up on or after the visit; bought on or before the return day) stay in
/// order, as far apart as real rows are: assigned each on its own, they broke it in about half
/// the rows, and put in order by swapping they were months apart where real ones are days.
#[test]
fn keys_to_a_kept_calendar_keep_their_real_order_and_distance() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut days = String::from("day_id,day_date\n");
    for d in 0..400u32 {
        days += &format!("{},{}\n", 1000 + d, chrono_like(d));
    }
    let (mut orders, mut visits, mut returns) = (
        String::from("order_id,ordered,shipped,amount\n"),
        String::from("visit_id,day,followup,minutes\n"),
        String::from("return_id,returned,bought,refund\n"),
    );
    for i in 0..600u32 {
        let day = 1000 + (i * 37) % 350;
        orders += &format!("{i},{day},{},{}\n", day + 1 + i % 20, 10 + i % 50);
        visits += &format!("{i},{day},{},{}\n", day + i % 40, 5 + i % 30);
        returns += &format!("{i},{},{day},{}\n", day + 2 + i % 10, 3 + i % 9);
    }
    for (file, text) in [
        ("days.csv", days),
        ("orders.csv", orders),
        ("visits.csv", visits),
        ("returns.csv", returns),
    ] {
        fs::write(dir.path().join(file), text).expect("write");
    }
    fs::write(
        dir.path().join("schema.yaml"),
        "tables:\n  days: {path: days.csv, primary_key: day_id, mode: keep}\n  orders:\n    \
         path: orders.csv\n    primary_key: order_id\n    foreign_keys: {ordered: days, \
         shipped: days}\n    sequential: false\n  visits:\n    path: visits.csv\n    \
         primary_key: visit_id\n    foreign_keys: {day: days, followup: days}\n    \
         sequence_by: day\n  returns:\n    path: returns.csv\n    primary_key: return_id\n    \
         foreign_keys: {returned: days, bought: days}\n    sequential: false\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    run(&dir.path().join("schema.yaml"), &out);
    // The real distances: 1 to 20 days (mean 10.5), 0 to 39 (19.5), 2 to 11 (6.5).
    for (file, first, second, (shortest, longest, mean)) in [
        ("orders.csv", "ordered", "shipped", (1, 20, 10.5)),
        ("visits.csv", "day", "followup", (0, 39, 19.5)),
        ("returns.csv", "bought", "returned", (2, 11, 6.5)),
    ] {
        let number = |name: &str| -> Vec<i64> {
            column(&out.join(file), name)
                .iter()
                .map(|v| v.parse().expect("a key"))
                .collect()
        };
        let (first, second) = (number(first), number(second));
        assert!(first.len() > 100, "{file}");
        let distances: Vec<i64> = first.iter().zip(&second).map(|(a, b)| b - a).collect();
        let broken = distances.iter().filter(|&&d| d < 0).count();
        assert_eq!(broken, 0, "{file}: {broken} rows out of order");
        // The calendar's first and last days may cut a distance short, never lengthen it.
        let far = distances.iter().filter(|&&d| d > longest).count();
        assert_eq!(far, 0, "{file}: {far} rows further apart than any real row");
        let near = distances.iter().filter(|&&d| d < shortest).count();
        assert!(near * 50 < distances.len(), "{file}: {near} rows too close");
        let average = distances.iter().sum::<i64>() as f64 / distances.len() as f64;
        assert!(
            (average - mean).abs() < mean * 0.15,
            "{file}: mean distance {average}, real {mean}"
        );
    }
}

/// A kept table that is a sequential child of another kept table (TPC-H's nations under their
/// regions, sequential by default): `train` wrote a model that `generate` and `inspect`
/// refused (the kept table's empty model had no children counts for its parent's rows).
#[test]
fn a_kept_sequential_child_gives_a_model_that_generates_what_run_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path();
    let regions = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDEAST"];
    let mut region = String::from("r_code,r_comment\n");
    for (i, name) in regions.iter().enumerate() {
        region.push_str(&format!("{name},c{i}\n"));
    }
    let mut nation = String::from("n_code,r_code,pop\n");
    for i in 1..=25 {
        nation.push_str(&format!(
            "N{i:02},{},{}\n",
            regions[i * 7 % 5],
            i * 37 % 999
        ));
    }
    let mut customer = String::from("c_id,n_code,bal\n");
    for i in 1..=500 {
        customer.push_str(&format!(
            "{i},N{:02},{}.{:02}\n",
            i * 13 % 25 + 1,
            i % 97,
            i % 100
        ));
    }
    fs::write(path.join("region.csv"), region).expect("written");
    fs::write(path.join("nation.csv"), nation).expect("written");
    fs::write(path.join("customer.csv"), customer).expect("written");
    let schema = path.join("schema.yaml");
    fs::write(
        &schema,
        "tables:\n  region: {path: region.csv, primary_key: r_code}\n  \
         nation: {path: nation.csv, primary_key: n_code, foreign_keys: {r_code: region}}\n  \
         customer: {path: customer.csv, primary_key: c_id, foreign_keys: {n_code: nation}}\n",
    )
    .expect("written");
    let (schema, model) = (schema.to_string_lossy(), path.join("m.dxsynth"));
    let model = model.to_string_lossy();
    let (ran, generated) = (path.join("ran"), path.join("generated"));
    let seed = ["--seed", "7", "--quiet"];
    let (code, err) =
        dxsynth(&[&["run", &schema, "-o", &ran.to_string_lossy()], &seed[..]].concat());
    assert_eq!(code, 0, "{err}");
    let (code, err) = dxsynth(&[&["train", &schema, "-m", &model], &seed[..]].concat());
    assert_eq!(code, 0, "{err}");
    let (code, err) = dxsynth(&["inspect", &model]);
    assert_eq!(code, 0, "inspect: {err}");
    let out = generated.to_string_lossy();
    let (code, err) = dxsynth(&[&["generate", &model, "-o", &out], &seed[..]].concat());
    assert_eq!(code, 0, "generate: {err}");
    for table in ["region.csv", "nation.csv", "customer.csv"] {
        let (a, b) = (fs::read(ran.join(table)), fs::read(generated.join(table)));
        assert_eq!(
            a.expect("run wrote it"),
            b.expect("generate wrote it"),
            "{table}"
        );
    }
    assert!(
        column(&ran.join("nation.csv"), "n_code").len() == 25,
        "nation is kept"
    );
}

/// A kept table's rows are the real ones, so training looks for no rules in it: the calendar's
/// weekday is a lookup of its date, and `inspect` listed that rule (and 34 on TPC-DS's
/// `date_dim`) though generation copies the rows.
#[test]
fn a_kept_table_has_no_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    planted(dir.path());
    let schema = dir
        .path()
        .join("schema.yaml")
        .to_string_lossy()
        .into_owned();
    let model = dir.path().join("m.dxsynth").to_string_lossy().into_owned();
    let (code, err) = dxsynth(&["train", &schema, "-m", &model, "--seed", "3", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    // `inspect` shows the model, `validate` what training would find: neither lists a rule.
    for args in [["inspect", &model], ["validate", &schema]] {
        let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .args(args)
            .output()
            .expect("dxsynth runs");
        let text = String::from_utf8_lossy(&output.stdout);
        // The table's heading line, then its indented lines up to the next heading.
        let days: String = text
            .lines()
            .skip_while(|line| !line.contains(". days "))
            .enumerate()
            .take_while(|(at, line)| *at == 0 || line.starts_with("     "))
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        assert!(!days.is_empty(), "no days table in:\n{text}");
        assert!(days.contains("kept as it is"), "{days}");
        assert!(!days.contains("rules ("), "{}: {days}", args[0]);
        assert!(
            text.contains("(sequential: false)"),
            "sales listed:\n{text}"
        );
    }
}
