//! End-to-end tests of `dxsynth init`: on the shared real datasets (their `schema.yaml` moved
//! away), the inferred schema has exactly the provided keys and passes `dxsynth validate`; and the
//! command's file handling (`--dry-run`, `--force`, `-o` elsewhere, bad folders).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use dxsynth::schema::Schema;

fn dxsynth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .output()
        .expect("the dxsynth binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `$CARGO_MANIFEST_DIR/../shared/datasets`, when present (it is beside the repository in CI).
fn datasets() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the dataset tests of `init`",
            dir.display()
        );
        None
    }
}

/// Copies a dataset's CSV files (not its schema) into a fresh folder.
fn csv_copy(dataset: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(dataset).expect("dataset folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "csv") {
            let name = path.file_name().expect("file name");
            std::fs::copy(&path, dir.path().join(name)).expect("copy");
        }
    }
    dir
}

/// (table, primary key) and (table, column, parent) of a schema, for comparisons.
type KeySets = (
    BTreeSet<(String, String)>,
    BTreeSet<(String, String, String)>,
);

fn keys(schema: &Schema) -> KeySets {
    let primary = schema
        .tables
        .iter()
        .filter_map(|t| t.primary_key.clone().map(|pk| (t.name.clone(), pk)))
        .collect();
    let foreign = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .map(|fk| (t.name.clone(), fk.column.clone(), fk.parent.clone()))
        })
        .collect();
    (primary, foreign)
}

/// Runs `init` then `validate` on one dataset and compares the keys with its provided schema.
fn check_dataset(dataset: &Path) {
    let name = dataset.file_name().unwrap_or_default().to_string_lossy();
    let data = csv_copy(dataset);
    let dir = data.path().to_string_lossy().into_owned();
    let started = Instant::now();
    let init = dxsynth(&["init", &dir]);
    let elapsed = started.elapsed();
    assert!(
        init.status.success(),
        "init failed on {name}: {}",
        text(&init.stderr)
    );
    eprintln!("init on {name}: {elapsed:.2?}");
    let schema_file = data.path().join("schema.yaml");
    let validate = dxsynth(&["validate", &schema_file.to_string_lossy()]);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "the inferred schema of {name} does not validate: {}{}",
        text(&validate.stdout),
        text(&validate.stderr)
    );
    let inferred = Schema::load(&schema_file).expect("the inferred schema parses");
    let provided = Schema::load(&dataset.join("schema.yaml")).expect("the provided schema parses");
    let (inferred_pk, inferred_fk) = keys(&inferred);
    let (provided_pk, provided_fk) = keys(&provided);
    assert_eq!(inferred_pk, provided_pk, "primary keys of {name}");
    assert_eq!(inferred_fk, provided_fk, "foreign keys of {name}");
    for table in provided.tables.iter().filter(|t| t.sequence_by.is_some()) {
        let ours = inferred
            .table(&table.name)
            .and_then(|t| t.sequence_by.clone());
        assert_eq!(
            ours, table.sequence_by,
            "sequence_by of {name}.{}",
            table.name
        );
    }
    for table in &provided.tables {
        let ours = inferred.table(&table.name).map(|t| t.sequential);
        if ours != Some(table.sequential) {
            eprintln!(
                "note: {name}.{}: sequential {:?} (provided: {})",
                table.name, ours, table.sequential
            );
        }
    }
}

#[test]
fn finds_the_keys_of_every_shared_dataset() {
    let Some(datasets) = datasets() else { return };
    let mut found = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&datasets)
        .expect("datasets folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("schema.yaml").is_file())
        .collect();
    entries.sort();
    for dataset in entries {
        check_dataset(&dataset);
        found += 1;
    }
    assert!(
        found > 0,
        "no dataset with a schema.yaml in {}",
        datasets.display()
    );
}

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).expect("write");
    }
    dir
}

const SHOP: &[(&str, &str)] = &[
    ("customers.csv", "id,name\n1,Ann\n2,Bob\n3,Cy\n"),
    (
        "orders.csv",
        "order_id,customer_id,placed\n1,1,2024-01-01\n2,1,2024-01-05\n3,2,2024-02-01\n4,1,2024-03-01\n",
    ),
];

#[test]
fn dry_run_prints_and_writes_nothing() {
    let data = folder(SHOP);
    let dir = data.path().to_string_lossy().into_owned();
    let out = dxsynth(&["init", &dir, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    let schema = Schema::parse(&yaml, &data.path().join("schema.yaml"), data.path())
        .expect("the printed schema parses");
    let orders = schema.table("orders").expect("orders");
    assert_eq!(orders.foreign_keys[0].column, "customer_id");
    assert_eq!(orders.foreign_keys[0].parent, "customers");
    assert!(!data.path().join("schema.yaml").exists());
}

#[test]
fn an_existing_schema_needs_force() {
    let data = folder(SHOP);
    let dir = data.path().to_string_lossy().into_owned();
    let schema_file = data.path().join("schema.yaml");
    std::fs::write(&schema_file, "# mine\n").expect("write");
    let refused = dxsynth(&["init", &dir]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("--force"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&schema_file).unwrap(), "# mine\n");
    let forced = dxsynth(&["init", &dir, "--force"]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert!(
        std::fs::read_to_string(&schema_file)
            .unwrap()
            .contains("primary_key: id")
    );
}

#[test]
fn output_elsewhere_gets_relative_paths() {
    let data = folder(SHOP);
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let schema_file = elsewhere.path().join("shop.yaml");
    let out = dxsynth(&[
        "init",
        &data.path().to_string_lossy(),
        "-o",
        &schema_file.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let validate = dxsynth(&["validate", &schema_file.to_string_lossy()]);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        text(&validate.stderr)
    );
    let yaml = std::fs::read_to_string(&schema_file).unwrap();
    assert!(yaml.contains("path: ../"), "{yaml}");
}

#[test]
fn a_folder_without_tables_is_an_error() {
    let data = folder(&[("readme.txt", "nothing here"), ("empty.csv", "")]);
    let out = dxsynth(&["init", &data.path().to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no usable CSV file"), "{stderr}");
    assert!(stderr.contains("empty.csv"), "{stderr}");
    let missing = dxsynth(&["init", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
}
