//! End-to-end tests of `dxsynth init`: on the shared real datasets (their `schema.yaml` moved
//! away), the inferred schema has exactly the provided keys and passes `dxsynth validate`; and the
//! command's file handling (`--dry-run`, `--force`, `-o` elsewhere, bad folders).
//!
//! Two things the data cannot tell are not required (see `check_dataset`): a foreign key on a
//! column that is empty in every row (init leaves a note instead), and which of several
//! structured foreign keys a hand-written schema chose as `sequence_by` where that choice is a
//! convention rather than a property of the counts ([`SEQUENCE_BY_BY_CONVENTION`]).

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

/// Datasets whose hand-written `sequence_by` follows a naming convention the counts do not show:
/// TPC-DS drives each sales and returns table by its (billing, refunded) customer and the
/// inventory by the item, while by children-per-parent counts the sold date, the catalog page or
/// the shipping customer vary as much or more (and `ss_customer_sk` has empty cells where
/// `ss_item_sk` has none). For these, `init` must still make the table sequential, driven by one
/// of its foreign keys; disagreements are printed as notes.
const SEQUENCE_BY_BY_CONVENTION: &[&str] = &["tpcds_sf0.01"];

/// Whether `column` of the CSV file `file` of a dataset has no value in any row.
fn empty_in_every_row(dataset: &Path, file: &str, column: &str) -> bool {
    let mut reader = csv::Reader::from_path(dataset.join(file)).expect("the CSV file reads");
    let index = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|name| name == column)
        .expect("the column is in the header");
    reader.records().all(|record| {
        record
            .expect("a record")
            .get(index)
            .unwrap_or("")
            .is_empty()
    })
}

/// A YAML file's lines without indentation and comment marks, joined by spaces, so that a
/// comment wrapped over several lines reads as one.
fn comment_text(yaml: &str) -> String {
    yaml.lines()
        .map(|line| line.trim().trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The provided foreign keys whose column is empty in every row: no value can show where they
/// point, so `init` leaves them out and says so in a note instead.
fn empty_foreign_keys(dataset: &Path, provided: &Schema) -> BTreeSet<(String, String, String)> {
    provided
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .filter(|(t, fk)| {
            let file = t.path.file_name().expect("a file name").to_string_lossy();
            empty_in_every_row(dataset, &file, &fk.column)
        })
        .map(|(t, fk)| (t.name.clone(), fk.column.clone(), fk.parent.clone()))
        .collect()
}

/// Runs `init` then `validate` on one dataset and compares the keys with its provided schema:
/// the same primary keys; the same foreign keys, except those on a column empty in every row,
/// which must be named in a note instead; the same `sequence_by` (or, for
/// [`SEQUENCE_BY_BY_CONVENTION`], a sequential table driven by one of its foreign keys).
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
    let empty = empty_foreign_keys(dataset, &provided);
    let provided_fk: BTreeSet<_> = provided_fk.difference(&empty).cloned().collect();
    assert_eq!(inferred_fk, provided_fk, "foreign keys of {name}");
    let comments = comment_text(&std::fs::read_to_string(&schema_file).expect("the schema reads"));
    for (table, column, parent) in &empty {
        let note = format!("`{column}` is named like a reference to `{parent}` but is empty");
        assert!(
            comments.contains(&note),
            "{name}.{table}: no note on the empty foreign key `{column}`"
        );
        eprintln!("note: {name}.{table}.{column} -> {parent} is empty in every row: left out");
    }
    let by_convention = SEQUENCE_BY_BY_CONVENTION.contains(&name.as_ref());
    for table in provided.tables.iter().filter(|t| t.sequence_by.is_some()) {
        let ours = inferred.table(&table.name).expect("the table is inferred");
        if !by_convention {
            assert_eq!(
                ours.sequence_by, table.sequence_by,
                "sequence_by of {name}.{}",
                table.name
            );
            continue;
        }
        let only_key = match ours.foreign_keys.as_slice() {
            [fk] => Some(fk.column.as_str()),
            _ => None,
        };
        let by = ours.sequence_by.as_deref().or(only_key).unwrap_or_default();
        assert!(
            ours.sequential && ours.foreign_keys.iter().any(|fk| fk.column == by),
            "{name}.{}: not sequential by one of its foreign keys ({:?})",
            table.name,
            ours.sequence_by
        );
        if ours.sequence_by != table.sequence_by {
            eprintln!(
                "note: {name}.{}: sequence_by {by} (provided: {})",
                table.name,
                table.sequence_by.as_deref().unwrap_or_default()
            );
        }
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

/// The schema `init --dry-run` prints for the folder `data`, as text and parsed.
fn dry_run(data: &tempfile::TempDir) -> (String, Schema) {
    let dir = data.path().to_string_lossy().into_owned();
    let out = dxsynth(&["init", &dir, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    let schema = Schema::parse(&yaml, &data.path().join("schema.yaml"), data.path())
        .expect("the printed schema parses");
    (yaml, schema)
}

#[test]
fn dry_run_prints_and_writes_nothing() {
    let data = folder(SHOP);
    let (_, schema) = dry_run(&data);
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

/// An output that is a folder is named as one, without the advice to force (which cannot
/// replace a folder by a file), with or without --force.
#[test]
fn a_folder_as_output_is_refused_without_advising_force() {
    let data = folder(SHOP);
    let dir = data.path().to_string_lossy().into_owned();
    let existing = data.path().join("somewhere");
    std::fs::create_dir(&existing).expect("a folder");
    let existing = existing.to_string_lossy().into_owned();
    for force in [&[][..], &["--force"][..]] {
        let refused = dxsynth(&[&["init", &dir, "-o", &existing][..], force].concat());
        let stderr = text(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("is a folder"), "{stderr}");
        assert!(stderr.contains("schema.yaml"), "{stderr}");
        assert!(!stderr.contains("pass --force"), "{stderr}");
    }
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
    assert!(stderr.contains("no usable CSV or Parquet file"), "{stderr}");
    assert!(stderr.contains("empty.csv"), "{stderr}");
    // The data folder is named for what it is, not blamed on `--output` (its default folder).
    let missing = dxsynth(&["init", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    let stderr = text(&missing.stderr);
    assert!(
        stderr.contains("`LOCATION`: the data folder `/definitely/not/here` does not exist"),
        "{stderr}"
    );
    let file = data.path().join("readme.txt");
    let not_a_folder = dxsynth(&["init", &file.to_string_lossy(), "--dry-run"]);
    let stderr = text(&not_a_folder.stderr);
    assert_eq!(not_a_folder.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not a folder") && stderr.contains("sqlite:"),
        "{stderr}"
    );
}

/// `-o sqlite:shop.db` wrote the YAML schema to a file literally named `sqlite:shop.db`.
#[test]
fn a_database_location_as_the_output_is_refused() {
    let data = folder(&[("t.csv", "id,a\n1,x\n2,y\n")]);
    for output in ["sqlite:shop.db", "postgresql:///shop"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .current_dir(data.path())
            .args(["init", ".", "-o", output])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("--output") && stderr.contains("LOCATION"),
            "{stderr}"
        );
        let files: Vec<_> = std::fs::read_dir(data.path()).unwrap().collect();
        assert_eq!(files.len(), 1, "nothing written beside t.csv");
    }
}

/// A database column whose declared type some values do not fit (a `DATETIME` holding `soon`,
/// a `BOOLEAN` holding `maybe`) made init fail with "a bug in dxsynth init"; the schema now
/// keeps such columns as categorical, says why, and validates.
#[test]
fn declared_types_the_values_do_not_fit_are_written_as_categorical() {
    let data = folder(&[]);
    let db = data.path().join("x.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATETIME, b BOOLEAN, n INT);")
        .expect("created");
    for i in 0..30 {
        let date = if i == 3 {
            "soon".to_string()
        } else {
            format!("2020-01-{:02}", i % 28 + 1)
        };
        let flag = if i == 4 {
            "maybe".to_string()
        } else {
            (i % 2).to_string()
        };
        conn.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![i, date, flag, i * 2],
        )
        .expect("inserted");
    }
    drop(conn);
    let schema = data.path().join("schema.yaml");
    let location = format!("sqlite:{}", db.display());
    let out = dxsynth(&["init", &location, "-o", &schema.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let yaml = std::fs::read_to_string(&schema).expect("written");
    assert!(
        yaml.contains("d: categorical") && yaml.contains("b: categorical"),
        "{yaml}"
    );
    assert!(yaml.contains("reads `soon`"), "{yaml}");
    assert!(!yaml.contains("n: categorical"), "{yaml}");
    let validate = dxsynth(&["validate", &schema.to_string_lossy()]);
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        text(&validate.stderr)
    );
}

#[test]
fn a_large_table_is_looked_at_as_training_will_learn_it() {
    // 120,000 visits (more than a model learns from) of 300 patients, each ending after it
    // starts: the rule is found in the sample training takes, and the comment says so.
    let mut visits = String::from("visit_id,patient_id,start,stop\n");
    for visit in 1..=120_000_u32 {
        let patient = visit % 300 + 1;
        let start = visit % 1_000;
        let stop = start + 1 + visit % 17;
        visits.push_str(&format!("{visit},{patient},{start},{stop}\n"));
    }
    let mut patients = String::from("patient_id,age\n");
    for patient in 1..=300 {
        patients.push_str(&format!("{patient},{}\n", 20 + patient % 60));
    }
    let data = folder(&[("patients.csv", &patients), ("visits.csv", &visits)]);
    let (yaml, schema) = dry_run(&data);
    let rule = yaml
        .lines()
        .find(|line| line.contains("start < stop"))
        .unwrap_or_else(|| panic!("the order rule in:\n{yaml}"));
    let rows: usize = rule
        .split("all ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("a row count in {rule}"));
    assert!(
        rule.contains("rows of the training sample") && (90_000..110_000).contains(&rows),
        "{rule}"
    );
    let visits = schema.table("visits").expect("visits");
    assert_eq!(visits.foreign_keys[0].parent, "patients");
}

/// A file the schema cannot take as it is (a blank column name, a name clashing with another
/// table's in case) is left out with its problem as the reason, and the other files still get
/// their schema, keys to the left-out table dropped: the whole folder was refused as "a bug in
/// dxsynth init".
#[test]
fn a_file_the_schema_cannot_take_is_left_out_and_the_rest_inferred() {
    let data = folder(&[
        ("customers.csv", "id,name,\n1,Ann,\n2,Bob,\n3,Cy,\n"),
        (
            "orders.csv",
            "order_id,customer_id,placed\n1,1,2024-01-01\n2,1,2024-01-05\n3,2,2024-02-01\n4,1,2024-03-01\n",
        ),
        ("Notes.csv", "id,text\n1,a\n2,b\n"),
        ("notes.csv", "id,text\n1,c\n2,d\n"),
    ]);
    let dir = data.path().to_string_lossy().into_owned();
    let out = dxsynth(&["init", &dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = data.path().join("schema.yaml");
    let yaml = std::fs::read_to_string(&written).expect("written");
    let schema = Schema::parse(&yaml, &written, data.path()).expect("the schema parses");
    let tables: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables.len(), 2, "{tables:?}");
    assert!(tables.contains(&"orders"), "{tables:?}");
    assert!(
        schema
            .table("orders")
            .is_some_and(|t| t.foreign_keys.is_empty())
    );
    let comments = comment_text(&yaml);
    assert!(
        comments.contains("customers.csv: column 3 of the CSV header has no name"),
        "{comments}"
    );
    assert!(comments.contains("only in case"), "{comments}");
    let validated = dxsynth(&["validate", &written.to_string_lossy()]);
    assert!(validated.status.success(), "{}", text(&validated.stderr));
}

/// A folder (or a FIFO, on Unix) named like a CSV file is left out as what it is, not listed
/// among the files that are not tables.
#[test]
fn a_folder_named_like_a_csv_file_is_left_out_as_a_folder() {
    let data = folder(SHOP);
    std::fs::create_dir(data.path().join("archive.csv")).expect("a folder");
    #[cfg(unix)]
    let fifo = Command::new("mkfifo")
        .arg(data.path().join("pipe.csv"))
        .status()
        .is_ok_and(|status| status.success());
    let dir = data.path().to_string_lossy().into_owned();
    let out = dxsynth(&["init", &dir, "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let comments = comment_text(&text(&out.stdout));
    assert!(comments.contains("archive.csv: is a folder"), "{comments}");
    assert!(!comments.contains("Not tables"), "{comments}");
    #[cfg(unix)]
    if fifo {
        assert!(
            comments.contains("pipe.csv: is not a regular file"),
            "{comments}"
        );
    }
}

/// Houses and their viewings, spread over the houses as evenly as random keys would spread
/// them, each viewing days after its house was listed: the viewings are made sequential (a key
/// assigned after the rows are drawn would put viewings before their house's listing), and the
/// note says why. With the viewing dates shuffled, no rule ties them and they stay independent.
#[test]
fn children_that_keep_to_their_parents_dates_are_sequential() {
    let schema_of = |tied: bool| {
        let day = |n: u64| {
            let date = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
            (date + chrono::Days::new(n)).to_string()
        };
        let mut listings = String::from("listing_id,price,listed_on\n");
        for id in 1..=200u64 {
            listings += &format!(
                "{id},{},{}\n",
                100_000 + id * 997 % 400_000,
                day(id * 37 % 300)
            );
        }
        let mut viewings = String::from("viewing_id,listing_id,rating,viewed_at\n");
        for id in 1..=600u64 {
            let listing = (id * 7919 + id / 3) % 200 + 1;
            let listed = listing * 37 % 300;
            let viewed = match tied {
                true => listed + 1 + id * 13 % 60,
                false => id * 29 % 360,
            };
            viewings += &format!("{id},{listing},{},{}\n", id % 5 + 1, day(viewed));
        }
        let data = folder(&[("listings.csv", &listings), ("viewings.csv", &viewings)]);
        let (yaml, schema) = dry_run(&data);
        let sequential = schema.table("viewings").expect("viewings").sequential;
        (sequential, yaml)
    };
    let (sequential, yaml) = schema_of(true);
    assert!(sequential, "{yaml}");
    assert!(
        comment_text(&yaml).contains("every row keeps to its `listings` row"),
        "{yaml}"
    );
    let (sequential, yaml) = schema_of(false);
    assert!(!sequential, "{yaml}");
}
