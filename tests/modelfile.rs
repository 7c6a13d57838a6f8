//! End-to-end tests of `dxsynth train`, `generate` and `inspect` through the built binary:
//! `run` equals `train` + `generate`, generation needs no real data, `--tables` subsets, and
//! unusable model files are refused with exit code 2 and a clear message.

mod common;

use std::path::{Path, PathBuf};

use common::{dxsynth, example};
use tempfile::TempDir;

/// Runs the binary and expects success; returns stdout.
fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = dxsynth(args);
    assert_eq!(
        code, 0,
        "dxsynth {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

/// Every file of a folder with its bytes, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("read output"))
        })
        .collect();
    files.sort();
    files
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(name, _)| name.as_str()).collect()
}

/// Trains `schema` into `dir/model.dxsynth` with extra arguments; returns the model's path.
fn train(dir: &TempDir, schema: &Path, extra: &[&str]) -> PathBuf {
    let model = dir.path().join("model.dxsynth");
    let mut args = vec!["train", path(schema), "-m", path(&model), "--quiet"];
    args.extend_from_slice(extra);
    ok(&args);
    model
}

/// `generate MODEL -o OUT --tables TABLES`: its exit code and stderr.
fn generate_tables(model: &Path, out: &Path, tables: &str) -> (i32, String) {
    let args = ["generate", path(model), "-o", path(out), "--tables", tables];
    let (code, _, stderr) = dxsynth(&args);
    (code, stderr)
}

/// Generates from `model` into `dir/name` with extra arguments; returns the output files.
fn generate(dir: &TempDir, model: &Path, name: &str, extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    let out = dir.path().join(name);
    let mut args = vec!["generate", path(model), "-o", path(&out), "--quiet"];
    args.extend_from_slice(extra);
    ok(&args);
    files(&out)
}

#[test]
fn run_equals_train_then_generate_byte_for_byte() {
    for (schema, tables) in [("schemas/shop.yaml", 5), ("schemas/bank.yaml", 3)] {
        let dir = TempDir::new().expect("temporary folder");
        let ran = dir.path().join("ran");
        ok(&[
            "run",
            path(&example(schema)),
            "-o",
            path(&ran),
            "--seed",
            "7",
            "-q",
        ]);
        let ran = files(&ran);
        assert_eq!(ran.len(), tables, "{schema}");
        let model = train(&dir, &example(schema), &["--seed", "7"]);
        assert_eq!(generate(&dir, &model, "stored_seed", &[]), ran, "{schema}");
        let model = train(&dir, &example(schema), &[]);
        let given = generate(&dir, &model, "given_seed", &["--seed", "7"]);
        assert_eq!(given, ran, "{schema}");
        let other = generate(&dir, &model, "other_seed", &["--seed", "8"]);
        assert_ne!(other, ran, "{schema}: another seed must give other data");
    }
}

#[test]
fn run_equals_train_then_generate_at_another_scale_and_model() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/shop.yaml");
    let ran = dir.path().join("ran");
    let flags = [
        "--seed",
        "3",
        "--model",
        "reference",
        "--privacy-min-count",
        "2",
    ];
    let mut args = vec![
        "run",
        path(&schema),
        "-o",
        path(&ran),
        "-q",
        "--scale",
        "1.5",
    ];
    args.extend_from_slice(&flags);
    ok(&args);
    let model = train(&dir, &schema, &flags);
    assert_eq!(
        generate(&dir, &model, "gen", &["--scale", "1.5"]),
        files(&ran)
    );
}

/// The bank example copied into `dir` (schema beside a `data/` folder of its CSVs).
fn copied_bank(dir: &TempDir) -> PathBuf {
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data folder");
    for table in ["accounts", "transactions", "loans"] {
        let csv = format!("{table}.csv");
        std::fs::copy(example("testdata/bank").join(&csv), data.join(&csv)).expect("copy CSV");
    }
    let text = std::fs::read_to_string(example("schemas/bank.yaml")).expect("schema");
    let schema = dir.path().join("schema.yaml");
    std::fs::write(&schema, text.replace("../testdata/bank/", "data/")).expect("write schema");
    schema
}

#[test]
fn generate_needs_no_real_data() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = copied_bank(&dir);
    let model = train(&dir, &schema, &["--seed", "11"]);
    let with_data = generate(&dir, &model, "before", &[]);
    std::fs::remove_dir_all(dir.path().join("data")).expect("delete the real data");
    std::fs::remove_file(&schema).expect("delete the schema");
    let (code, _, _) = dxsynth(&["validate", path(&schema)]);
    assert_eq!(code, 2, "the real data is really gone");
    let without = generate(&dir, &model, "after", &[]);
    assert_eq!(
        names(&without),
        ["accounts.csv", "loans.csv", "transactions.csv"]
    );
    assert_eq!(without, with_data);
    let scaled = generate(&dir, &model, "scaled", &["--scale", "2", "--seed", "1"]);
    let lines =
        |files: &[(String, Vec<u8>)]| files[0].1.iter().filter(|&&byte| byte == b'\n').count();
    assert_eq!(
        lines(&scaled) - 1,
        2 * (lines(&without) - 1),
        "accounts scale"
    );
    let summary = ok(&["inspect", path(&model)]);
    assert!(summary.contains("transactions"), "{summary}");
}

#[test]
fn tables_subset_brings_its_parents_and_matches_the_full_output() {
    let dir = TempDir::new().expect("temporary folder");
    let model = train(&dir, &example("schemas/shop.yaml"), &["--seed", "5"]);
    let full = generate(&dir, &model, "full", &[]);
    let subset = generate(&dir, &model, "subset", &["--tables", "shipments"]);
    assert_eq!(
        names(&subset),
        [
            "customers.csv",
            "orders.csv",
            "products.csv",
            "shipments.csv"
        ]
    );
    for file in &subset {
        assert!(
            full.contains(file),
            "{} differs from the full output",
            file.0
        );
    }
    let two = generate(&dir, &model, "two", &["--tables", "products,reviews"]);
    assert_eq!(
        names(&two),
        ["customers.csv", "products.csv", "reviews.csv"]
    );
    let out = dir.path().join("bad");
    let (code, stderr) = generate_tables(&model, &out, "orders,nope");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no table nope"), "{stderr}");
    assert!(
        stderr.contains("customers, products, orders, shipments, reviews"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written for a bad argument");
    for tables in ["", "orders,", ",,"] {
        let (code, stderr) = generate_tables(&model, &out, tables);
        assert_eq!(code, 2, "{tables:?}: {stderr}");
        assert!(
            stderr.contains("an empty table name"),
            "{tables:?}: {stderr}"
        );
        assert!(!out.exists(), "nothing is written for a bad argument");
    }
}

/// `--tables` into a folder holding a full output: the tables it leaves out go with the earlier
/// run (their keys would point at customers numbered afresh), the user's own files stay, and a
/// note names what went.
#[test]
fn a_subset_into_a_full_output_leaves_no_table_of_the_earlier_run() {
    let dir = TempDir::new().expect("temporary folder");
    let model = train(&dir, &example("schemas/shop.yaml"), &["--seed", "5"]);
    let out = dir.path().join("out");
    generate(&dir, &model, "out", &["--scale", "2"]);
    std::fs::write(out.join("notes.txt"), "mine").expect("written");
    let (code, stderr) = generate_tables(&model, &out, "customers");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(names(&files(&out)), ["customers.csv", "notes.txt"]);
    assert!(
        stderr.contains("removed products.csv, orders.csv, shipments.csv, reviews.csv"),
        "{stderr}"
    );
}

#[test]
fn inspect_shows_what_the_model_holds() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/shop.yaml");
    let model = train(&dir, &schema, &["--seed", "9", "--privacy-min-count", "3"]);
    let text = ok(&["inspect", path(&model)]);
    let format = format!("format {}", dxsynth::modelfile::FORMAT_VERSION);
    for expected in [
        format.as_str(),
        "model: learned; trained on 5869 rows in 5 tables",
        "privacy: min count 3",
        "seed: 9",
        "3. orders",
        "one sequence per customers row (customer_id)",
        "order_date datetime (%Y-%m-%d)",
        "orders.product_id -> products (assigned)",
        "reviews.customer_id -> customers (assigned)",
        "independent (sequential: false)",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    let json = ok(&["inspect", path(&model), "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["tables"].as_array().map(Vec::len), Some(5));
    assert_eq!(value["privacy"]["min_count"], 3);
    assert_eq!(value["seed"], 9);
    assert_eq!(value["model"], "learned");
    assert!(value["tables"][2]["model_bytes"].as_u64().unwrap_or(0) > 0);
    assert_eq!(value["training_rows"], 5869);
}

/// A column of names whose words are mostly rare (`Lansdowne Airport`) is shown as drawn as
/// names; free text is not.
#[test]
fn inspect_shows_a_text_column_of_names() {
    let dir = TempDir::new().expect("temporary folder");
    const WORDS: [&str; 10] = [
        "early", "late", "today", "again", "slowly", "empty", "full", "twice", "soon", "once",
    ];
    let endings = ["Airport", "County Airport", "Regional Airport", "Field"];
    let mut csv = String::from("id,name,remark\n");
    for i in 0..300 {
        let name: String = format!("{i:03}")
            .chars()
            .map(|digit| (b'a' + digit as u8 - b'0') as char)
            .collect();
        csv += &format!(
            "{i},Mc{name} {},the plane left {} and came back {}\n",
            endings[i % 4],
            WORDS[i % 10],
            WORDS[i / 10 % 10]
        );
    }
    std::fs::write(dir.path().join("places.csv"), csv).expect("write data");
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  places: {path: places.csv, primary_key: id}\n",
    )
    .expect("write schema");
    let model = train(&dir, &schema, &["--seed", "1"]);
    let text = ok(&["inspect", path(&model)]);
    assert!(
        text.contains("name text of names (rare ones drawn as common towns and surnames)"),
        "{text}"
    );
    assert!(
        text.contains("remark text") && !text.contains("remark text of names"),
        "{text}"
    );
}

/// A trained model file's bytes and a folder to put damaged copies in.
fn model_bytes() -> (TempDir, Vec<u8>) {
    let dir = TempDir::new().expect("temporary folder");
    let model = train(
        &dir,
        &example("schemas/bank_two_tables.yaml"),
        &["--seed", "1"],
    );
    let bytes = std::fs::read(model).expect("model file");
    (dir, bytes)
}

/// Writes `bytes` as a model file, then expects `generate` and `inspect` to refuse it with exit
/// code 2, a message holding `expected`, and no output.
fn refused(dir: &TempDir, name: &str, bytes: &[u8], expected: &str) {
    let model = dir.path().join(name);
    std::fs::write(&model, bytes).expect("write damaged model");
    let out = dir.path().join(format!("{name}.out"));
    for args in [
        vec!["generate", path(&model), "-o", path(&out)],
        vec!["inspect", path(&model)],
    ] {
        let (code, stdout, stderr) = dxsynth(&args);
        assert_eq!(code, 2, "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.starts_with("error: model file `"), "{stderr}");
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in:\n{stderr}"
        );
        assert!(!out.exists(), "nothing is written from an unusable model");
    }
}

#[test]
fn unusable_model_files_exit_2_with_a_clear_message() {
    let (dir, bytes) = model_bytes();
    refused(&dir, "empty", b"", "is empty");
    let half = &bytes[..bytes.len() / 2];
    refused(&dir, "half", half, "is truncated");
    refused(&dir, "header", &bytes[..10], "is truncated");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    refused(&dir, "flipped", &flipped, "is corrupted");
    let mut version = bytes.clone();
    let later = dxsynth::modelfile::FORMAT_VERSION + 1;
    version[8..12].copy_from_slice(&later.to_le_bytes());
    refused(
        &dir,
        "version",
        &version,
        &format!("is model file format {later}"),
    );
    // The signature, then random bytes: not a version to print.
    let mut garbage = bytes[..8].to_vec();
    garbage.extend((0u32..300).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    refused(&dir, "garbage", &garbage, "is corrupted");
    let csv = std::fs::read(example("testdata/bank/accounts.csv")).expect("a CSV");
    refused(&dir, "csv", &csv, "is not a dxsynth model file");
    let mut appended = bytes.clone();
    appended.extend_from_slice(b"more");
    refused(&dir, "appended", &appended, "4 unexpected bytes");
    let missing = dir.path().join("missing.dxsynth");
    let (code, _, stderr) = dxsynth(&["inspect", path(&missing)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("missing.dxsynth` does not exist"),
        "{stderr}"
    );
}

#[test]
fn a_failed_training_writes_no_model_file() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = dir.path().join("schema.yaml");
    std::fs::write(&schema, "tables:\n  a: {path: missing.csv}\n").expect("schema");
    let model = dir.path().join("model.dxsynth");
    let (code, _, stderr) = dxsynth(&["train", path(&schema), "-m", path(&model)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!model.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}
