//! Hostile and careless inputs, one test (at least) per class of issue 13: outputs that would
//! overwrite inputs, model files that try to escape or crash, datetimes with offsets, numbers
//! that do not fit i64 or are in scientific notation, unterminated quotes, interrupted and
//! failed writes, duplicate YAML keys, resource exhaustion, crafted indices, times of day, and
//! the small ones (closed stdout, a zero privacy threshold, blank headers, stray words).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dxsynth::Models;
use dxsynth::NoProgress;
use dxsynth::data::ValueFormat;
use dxsynth::modelfile;
use tempfile::TempDir;

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the binary in `dir`; returns the exit code (-1 when killed by a signal), stdout, stderr.
fn dxsynth_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run dxsynth");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "dxsynth panicked:\n{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

/// A copy of the bank example laid out as `init` lays it out: CSVs and schema in one folder.
fn bank_folder() -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("temporary folder");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    for table in ["accounts", "transactions", "loans"] {
        std::fs::copy(
            example(&format!("testdata/bank/{table}.csv")),
            data.join(format!("{table}.csv")),
        )
        .expect("copy");
    }
    let schema = std::fs::read_to_string(example("schemas/bank.yaml"))
        .expect("schema")
        .replace("../testdata/bank/", "");
    std::fs::write(data.join("schema.yaml"), schema).expect("write schema");
    (dir, data)
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("list")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).unwrap_or_default();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Hidden staging or aside folders left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".dxsynth"))
        .collect()
}

fn trained(schema: &str) -> Models {
    let options = dxsynth::TrainOptions {
        seed: Some(3),
        ..Default::default()
    };
    dxsynth::train(&example(schema), &options, &NoProgress).expect("trains")
}

fn load_error(models: &Models) -> String {
    let bytes = modelfile::to_bytes(models).expect("encode");
    match modelfile::from_bytes(&bytes) {
        Ok(_) => panic!("a doctored model was accepted"),
        Err(problem) => problem.to_string(),
    }
}

// 1. Outputs that are, hold or resolve to an input.

#[test]
fn outputs_over_the_inputs_are_refused_and_the_data_is_untouched() {
    let (dir, data) = bank_folder();
    let before = snapshot(&data);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&data, &link).expect("symlink");
    // Hard links: other names for the real files, which no comparison of paths finds.
    let hard = dir.path().join("hard");
    std::fs::create_dir(&hard).expect("mkdir");
    for file in ["loans.csv", "schema.yaml"] {
        std::fs::hard_link(data.join(file), hard.join(file)).expect("hard link");
    }
    let attempts: Vec<Vec<&str>> = vec![
        vec![
            "evaluate",
            "schema.yaml",
            ".",
            "--json",
            "../hard/loans.csv",
        ],
        vec![
            "evaluate",
            "schema.yaml",
            ".",
            "--html",
            "../hard/loans.csv",
        ],
        vec!["train", "schema.yaml", "-m", "../hard/schema.yaml"],
        vec!["run", "schema.yaml", "-o", "."],
        vec!["run", "schema.yaml", "-o", "../data/"],
        vec!["run", "schema.yaml", "-o", link.to_str().expect("utf-8")],
        vec!["run", "schema.yaml", "-o", ".."],
        vec!["train", "schema.yaml", "-m", "accounts.csv"],
        vec!["init", ".", "-o", "accounts.csv", "--force"],
        vec!["init", "../link", "-o", "loans.csv", "--force"],
        vec!["train", "schema.yaml", "-m", "../link/schema.yaml"],
        vec!["evaluate", "schema.yaml", ".", "--json", "loans.csv"],
        vec![
            "evaluate",
            "schema.yaml",
            ".",
            "--html",
            "./transactions.csv",
        ],
    ];
    for args in attempts {
        let (code, _, stderr) = dxsynth_in(&data, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("the input `"), "{args:?}: {stderr}");
        assert_eq!(snapshot(&data), before, "{args:?} changed the real data");
    }
    assert!(leftovers(dir.path()).is_empty());
    let (code, _, stderr) = dxsynth_in(&data, &["run", "schema.yaml", "-o", "synthetic"]);
    assert_eq!(code, 0, "a folder inside the data folder is fine: {stderr}");
}

/// The output folder holds something a table's file would replace: a folder named like the
/// file (a Spark-style `accounts.parquet/`), or the rows given for a table. Refused before any
/// work, exit 2, and the folder's entries kept.
#[test]
fn what_a_table_file_would_replace_is_refused_and_kept() {
    let (dir, data) = bank_folder();
    let out = dir.path().join("out");
    let nested = out.join("accounts.csv");
    std::fs::create_dir_all(&nested).expect("mkdir");
    std::fs::write(nested.join("important.txt"), "keep me").expect("write");
    let (code, _, stderr) = dxsynth_in(&data, &["run", "schema.yaml", "-o", "../out"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a folder"), "{stderr}");
    let parquet = out.join("accounts.parquet");
    std::fs::create_dir_all(&parquet).expect("mkdir");
    std::fs::write(parquet.join("part-0.parquet"), "keep me too").expect("write");
    let model = dir.path().join("bank.dxsynth");
    let model = model.to_str().expect("utf-8");
    let (code, _, stderr) = dxsynth_in(&data, &["train", "schema.yaml", "-m", model]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = dxsynth_in(
        &data,
        &["generate", model, "-o", "../out", "--format", "parquet"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(nested.join("important.txt")).ok(),
        Some("keep me".to_string())
    );
    assert!(parquet.join("part-0.parquet").exists());
    // Rows given from a file in the output folder: that file is an input.
    let given = dir.path().join("given");
    std::fs::create_dir(&given).expect("mkdir");
    std::fs::copy(data.join("accounts.csv"), given.join("accounts.csv")).expect("copy");
    let before = snapshot(&given);
    for args in [
        vec![
            "generate",
            model,
            "-o",
            "../given",
            "--given",
            "accounts=../given/accounts.csv",
        ],
        vec![
            "run",
            "schema.yaml",
            "-o",
            "../given",
            "--given",
            "accounts=../given/accounts.csv",
        ],
    ] {
        let (code, _, stderr) = dxsynth_in(&data, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("the input `"), "{args:?}: {stderr}");
        assert_eq!(snapshot(&given), before, "{args:?} changed the given rows");
    }
    assert!(leftovers(dir.path()).is_empty());
}

/// A `report.html` in the output folder that is a link to a real table (symbolic or hard) is
/// replaced by the report, never written through: the table keeps its bytes (`evaluate`,
/// given such a link as its report's path, refuses it as the input it is). A report asked for
/// at `/dev/stdout` is still written through it, not renamed over it.
#[test]
fn a_report_at_a_link_to_the_real_data_replaces_the_link_not_the_data() {
    let (dir, data) = bank_folder();
    let before = snapshot(&data);
    for soft in [true, false] {
        let link = |from: &Path, to: &Path| {
            if soft {
                std::os::unix::fs::symlink(from, to).expect("symbolic link");
            } else {
                std::fs::hard_link(from, to).expect("hard link");
            }
        };
        let out = dir.path().join(format!("out-{soft}"));
        std::fs::create_dir(&out).expect("mkdir");
        link(&data.join("accounts.csv"), &out.join("report.html"));
        let target = format!("../out-{soft}");
        let run = ["run", "schema.yaml", "-o", &target, "--report", "--quiet"];
        let (code, _, stderr) = dxsynth_in(&data, &run);
        assert_eq!(code, 0, "soft {soft}: {stderr}");
        let report = std::fs::read_to_string(out.join("report.html")).expect("report");
        assert!(report.starts_with("<!DOCTYPE html>"), "soft {soft}");
        let json = dir.path().join(format!("{soft}.json"));
        link(&data.join("loans.csv"), &json);
        let json = json.to_str().expect("utf-8").to_string();
        let evaluate = ["evaluate", "schema.yaml", &target, "--json", &json];
        let (code, _, stderr) = dxsynth_in(&data, &evaluate);
        // `evaluate` is told the report's path, and refuses a link to an input as the input.
        assert_eq!(code, 2, "soft {soft}: {stderr}");
        assert!(stderr.contains("is the input `loans.csv`"), "{stderr}");
        assert_eq!(
            snapshot(&data),
            before,
            "soft {soft}: the real data changed"
        );
        assert!(
            leftovers(&out).is_empty(),
            "soft {soft}: {:?}",
            leftovers(&out)
        );
    }
    let evaluate = [
        "evaluate",
        "schema.yaml",
        "../out-true",
        "--json",
        "/dev/stdout",
    ];
    let (code, stdout, stderr) = dxsynth_in(&data, &evaluate);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"overall_quality\""), "{stdout}");
    let link = std::fs::symlink_metadata("/dev/stdout").expect("still there");
    assert!(!link.is_file(), "/dev/stdout was replaced by a file");
}

/// `.` (or a path resolving to the current folder or above it) is refused before any work: the
/// output takes the folder's place whole, which would strand the shell in a deleted folder. A
/// path through `..` elsewhere is written where it resolves, its other entries kept.
#[test]
fn the_current_folder_is_refused_and_paths_through_dots_are_resolved() {
    let (dir, data) = bank_folder();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("sub")).expect("mkdir");
    let schema = data.join("schema.yaml");
    let schema = schema.to_str().expect("utf-8");
    for out in [".", "sub/.."] {
        let (code, _, stderr) = dxsynth_in(&work, &["run", schema, "-o", out]);
        assert_eq!(code, 2, "{out}: {stderr}");
        assert!(stderr.contains("the current folder"), "{out}: {stderr}");
    }
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "work/sub/.."]);
    assert_eq!(code, 0, "{stderr}");
    assert!(work.join("accounts.csv").is_file() && work.join("sub").is_dir());
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn a_model_file_or_schema_is_never_renamed_over_a_fifo_or_a_folder() {
    let (_dir, data) = bank_folder();
    let made = Command::new("mkfifo")
        .arg(data.join("fifo"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::fs::create_dir(data.join("folder")).expect("a folder");
    for target in ["fifo", "folder"] {
        for args in [
            vec!["train", "schema.yaml", "-m", target],
            vec!["init", ".", "-o", target, "--force"],
        ] {
            let (code, _, stderr) = dxsynth_in(&data, &args);
            assert_eq!(code, 2, "{args:?}: {stderr}");
            assert!(stderr.contains("not a regular file") || stderr.contains("a folder"));
            assert!(stderr.contains(&format!("`{target}`")), "{stderr}");
        }
    }
    use std::os::unix::fs::FileTypeExt;
    let fifo = std::fs::symlink_metadata(data.join("fifo")).expect("still there");
    assert!(fifo.file_type().is_fifo(), "the FIFO is left as it was");
    assert!(data.join("folder").is_dir());
}

// 2. Names read from a model file.

#[test]
fn model_files_cannot_name_paths_or_escape_codes() {
    for name in [
        "../../../accounts",
        "/tmp/accounts",
        "a/b",
        "..",
        "x\u{1b}[2J",
    ] {
        let mut models = trained("schemas/bank_two_tables.yaml");
        let mut table = models.tables.shift_remove("transactions").expect("table");
        table.name = name.to_string();
        models.tables.insert(name.to_string(), table);
        models.plan.order[1].table = name.to_string();
        let message = load_error(&models);
        assert!(message.contains("letters, digits and `_`"), "{message}");
        assert!(
            !message.contains('\u{1b}'),
            "escape codes are escaped: {message}"
        );
    }
    let mut models = trained("schemas/bank_two_tables.yaml");
    let accounts = &mut models.tables["accounts"];
    let old = accounts.columns[0].name.clone();
    let new = "tier\u{1b}]0;owned\u{7}".to_string();
    accounts.columns[0].name = new.clone();
    for name in accounts.header.iter_mut().filter(|name| **name == old) {
        *name = new.clone();
    }
    let message = load_error(&models);
    assert!(message.contains("control characters"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message}");
    assert_eq!(dxsynth::error::printable("a\u{1b}[2J\n"), "a\\u{1b}[2J\\n");
}

// 3. Datetimes with offsets; patterns that chrono cannot apply.

#[test]
fn datetimes_keep_their_offset_and_bad_patterns_never_panic() {
    let dir = TempDir::new().expect("temporary folder");
    let mut csv = String::from("id,at,logged\n");
    for i in 0..120 {
        let offset = if i % 3 == 0 { "+01:00" } else { "+02:00" };
        csv += &format!(
            "{i},2024-03-{:02}T{:02}:15:00{offset},2024-01-01 08:{:02}:00+0530\n",
            1 + i % 28,
            i % 24,
            i % 60
        );
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    let schema = "tables:\n  t:\n    path: t.csv\n    primary_key: id\n    columns:\n      \
                  logged: {type: datetime, format: \"%Y-%m-%d %H:%M:%S%z\"}\n";
    std::fs::write(dir.path().join("s.yaml"), schema).expect("schema");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", "s.yaml", "-o", "out", "--seed", "2"]);
    assert_eq!(code, 0, "{stderr}");
    let out = std::fs::read_to_string(dir.path().join("out/t.csv")).expect("output");
    for line in out.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let at = chrono::DateTime::parse_from_str(fields[1], "%Y-%m-%dT%H:%M:%S%:z")
            .unwrap_or_else(|err| panic!("{line}: {err}"));
        assert_eq!(
            at.offset().local_minus_utc(),
            7200,
            "the common offset: {line}"
        );
        let logged = chrono::DateTime::parse_from_str(fields[2], "%Y-%m-%d %H:%M:%S%z")
            .unwrap_or_else(|err| panic!("{line}: {err}"));
        assert!(fields[2].ends_with("+0530"), "{line} ({logged})");
    }
    // A pattern chrono cannot apply: refused by validate, and in a model file.
    let bad = schema.replace("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %Q");
    std::fs::write(dir.path().join("bad.yaml"), bad).expect("schema");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", "bad.yaml", "-o", "out2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("not a valid chrono strftime pattern"),
        "{stderr}"
    );
    // A pattern with no date item at all (empty, or words only) reads nothing.
    for empty in ["", "at noon"] {
        let bad = schema.replace("%Y-%m-%d %H:%M:%S%z", empty);
        std::fs::write(dir.path().join("bad.yaml"), bad).expect("schema");
        let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "bad.yaml"]);
        assert_eq!(code, 2, "{empty:?}: {stderr}");
        assert!(stderr.contains("holds no date or time item"), "{stderr}");
    }
    // A pattern of a year alone (or an hour) names no day to read back: no value could match.
    for partial in ["%Y", "%H", "%Y-%m"] {
        let bad = schema.replace("%Y-%m-%d %H:%M:%S%z", partial);
        std::fs::write(dir.path().join("bad.yaml"), bad).expect("schema");
        let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "bad.yaml"]);
        assert_eq!(code, 2, "{partial:?}: {stderr}");
        assert!(
            stderr.contains("cannot read back what it writes"),
            "{stderr}"
        );
    }
    let mut models = trained("schemas/bank_two_tables.yaml");
    for pattern in ["%Y-%m-%d %Q", "%Y %z %", "%Y-%m-%d %:::::z"] {
        let accounts = &mut models.tables["accounts"];
        for column in &mut accounts.columns {
            if let ValueFormat::Datetime { pattern: p, .. } = &mut column.format {
                *p = pattern.to_string();
            }
        }
        let message = load_error(&models);
        assert!(
            message.contains("pattern") || message.contains("format"),
            "{message}"
        );
    }
}

// 4. Numbers: scientific notation and integers beyond i64.

#[test]
fn scientific_notation_and_huge_integers_survive() {
    let dir = TempDir::new().expect("temporary folder");
    let mut csv = String::from("tiny,huge,vast\n");
    for i in 1..=60 {
        csv += &format!(
            "{}.{:03}e-07,{}{:018},{}e+{}\n",
            i % 9 + 1,
            i * 7 % 1000,
            i * 37 % 1000 + 100,
            i * 12345,
            i % 9 + 1,
            200 + i % 100
        );
    }
    std::fs::write(dir.path().join("n.csv"), csv).expect("csv");
    std::fs::write(
        dir.path().join("s.yaml"),
        "tables:\n  n:\n    path: n.csv\n",
    )
    .expect("yaml");
    let (code, _, stderr) = dxsynth_in(
        dir.path(),
        &["run", "s.yaml", "-o", "out", "--privacy-min-count", "1"],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = std::fs::read_to_string(dir.path().join("out/n.csv")).expect("output");
    for line in out.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let tiny: f64 = fields[0].parse().expect("a number");
        assert!(
            fields[0].contains("e-07") && tiny > 1e-7 && tiny < 1e-6,
            "{line}"
        );
        assert!(
            (21..=22).contains(&fields[1].len()) && fields[1].bytes().all(|b| b.is_ascii_digit()),
            "integers keep all their digits: {line}"
        );
        let vast: f64 = fields[2].parse().expect("a number");
        assert!(fields[2].contains("e+2") && vast > 1e200, "{line}");
    }
}

// 5. A quote that never closes.

#[test]
fn an_unterminated_quote_is_an_error_with_its_line() {
    let dir = TempDir::new().expect("temporary folder");
    let mut csv = String::from("id,name,note\n");
    for i in 0..100 {
        let quote = if i == 4 { "\"" } else { "" };
        csv += &format!("{i},n{i},{quote}note {i}\n");
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    std::fs::write(
        dir.path().join("s.yaml"),
        "tables:\n  t:\n    path: t.csv\n",
    )
    .expect("yaml");
    let (code, stdout, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("opened on line 6 never closes"), "{stderr}");
}

// 6. The output folder is never a mix of two runs; nothing hidden is left behind.

#[test]
fn a_failed_write_leaves_the_output_folder_as_it_was() {
    let dir = TempDir::new().expect("temporary folder");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("a.csv"), "old run\n").expect("write");
    std::fs::write(out.join("notes.txt"), "mine\n").expect("write");
    let before = snapshot(&out);
    let column = |pattern: &str| dxsynth::data::Column {
        name: "when".into(),
        kind: dxsynth::schema::ColumnKind::Datetime,
        format: ValueFormat::Datetime {
            pattern: pattern.into(),
            date_only: true,
            offset: None,
            upper: false,
        },
        values: vec![dxsynth::data::Value::Number(0.0)],
    };
    let table = |name: &str, pattern: &str| dxsynth::generate::SyntheticTable {
        name: name.into(),
        header: vec!["when".into()],
        dialect: Default::default(),
        primary_key: None,
        rows: 1,
        columns: vec![column(pattern)],
        foreign_keys: Default::default(),
        text: Default::default(),
    };
    let mut tables = indexmap::IndexMap::new();
    tables.insert("a".to_string(), table("a", "%Y-%m-%d"));
    tables.insert("b".to_string(), table("b", "%Y %Q"));
    let err = dxsynth::output::write_all(&out, &tables).expect_err("b cannot be written");
    assert_eq!(exit_code(&err), 2, "{err}");
    assert_eq!(snapshot(&out), before, "the old run is untouched");
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    tables.shift_remove("b");
    dxsynth::output::write_all(&out, &tables).expect("a alone is written");
    assert_eq!(
        std::fs::read_to_string(out.join("a.csv")).expect("a"),
        "when\n1970-01-01\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "mine\n"
    );
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn interrupted_runs_and_dangling_links_leave_nothing_hidden() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/shop.yaml");
    let schema = schema.to_str().expect("utf-8");
    for (round, delay) in [40, 120, 250, 400, 700, 1000].into_iter().enumerate() {
        let out = dir.path().join(format!("out{delay}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .args([
                "run",
                schema,
                "-o",
                out.to_str().expect("utf-8"),
                "--scale",
                "8",
                "-q",
            ])
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay));
        let signal = if round % 2 == 0 {
            libc::SIGTERM
        } else {
            libc::SIGINT
        };
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().expect("wait");
        assert!(
            status.code().is_some(),
            "ended by its handler, not the signal"
        );
        assert!(
            leftovers(dir.path()).is_empty(),
            "after {delay} ms: {:?}",
            leftovers(dir.path())
        );
        if out.exists() {
            assert_eq!(
                std::fs::read_dir(&out).expect("out").count(),
                5,
                "complete or absent"
            );
        }
    }
    let link = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).expect("symlink");
    let (code, _, stderr) = dxsynth_in(
        dir.path(),
        &["run", schema, "-o", "dangling", "--seed", "1"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(leftovers(dir.path()).is_empty());
}

/// A run killed outright (SIGKILL, an out-of-memory kill: no handler runs) leaves its staging
/// folder, a copy of the output; the next run beside it removes it once nobody holds it.
#[test]
fn a_staging_folder_a_killed_run_left_is_removed_by_the_next_run() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/shop.yaml");
    let schema = schema.to_str().expect("utf-8");
    let out = dir.path().join("out");
    let run = |scale: &str| {
        Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .args(["run", schema, "-o", "out", "--scale", scale, "-q"])
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let mut caught = false;
    for scale in ["30", "100", "300", "1000"] {
        let mut child = run(scale);
        while !caught && child.try_wait().expect("wait").is_none() {
            caught = !leftovers(dir.path()).is_empty();
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        if caught {
            break;
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(caught, "no run was caught writing its output");
    let left = leftovers(dir.path());
    assert!(!left.is_empty(), "the killed run left its staging folder");
    // Made a minute ago (a folder younger than ten seconds may be a live run's, just made).
    let then = std::time::SystemTime::now() - Duration::from_secs(60);
    for name in &left {
        std::fs::File::open(dir.path().join(name))
            .and_then(|folder| folder.set_modified(then))
            .expect("set the time back");
    }
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "out", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 5);
}

// 7. Duplicate YAML keys.

#[test]
fn keys_written_twice_are_errors_naming_the_key() {
    let dir = TempDir::new().expect("temporary folder");
    std::fs::write(dir.path().join("t.csv"), "id,p\n1,1\n2,1\n").expect("csv");
    let cases = [
        (
            "tables:\n  t: {path: t.csv}\n  t: {path: t.csv}\n",
            "`t` is written twice",
        ),
        (
            "tables:\n  p: {path: t.csv, primary_key: id}\n  c:\n    path: t.csv\n    \
             foreign_keys:\n      p: p\n      p: p\n",
            "`p` is written twice",
        ),
        (
            "tables:\n  t:\n    path: t.csv\n    columns:\n      p: numerical\n      p: text\n",
            "`p` is written twice",
        ),
    ];
    for (yaml, expected) in cases {
        std::fs::write(dir.path().join("s.yaml"), yaml).expect("yaml");
        let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
        assert_eq!(code, 2, "{yaml}");
        assert!(
            stderr.contains(expected) && stderr.contains("line"),
            "{stderr}"
        );
    }
}

#[test]
#[cfg(unix)]
fn an_output_folder_keeps_its_access_when_a_run_replaces_it() {
    // A private output folder (its kept tables are real rows) came back with the default
    // mode, readable by everyone.
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().expect("temporary folder");
    let out = dir.path().join("private");
    std::fs::create_dir(&out).expect("folder");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o710)).expect("mode");
    let schema = example("schemas/shop.yaml");
    let schema = schema.to_str().expect("utf-8");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "private"]);
    assert_eq!(code, 0, "{stderr}");
    let mode = std::fs::metadata(&out)
        .expect("the output")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o710, "{mode:o}");
    assert!(out.join("customers.csv").is_file());
}

#[test]
fn odd_spellings_of_an_output_are_taken_or_refused_before_any_work() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/shop.yaml");
    let schema = schema.to_str().expect("utf-8");
    // `out/.` of an existing folder is `out` (it failed at the very end: "cannot move the
    // previous output folder aside: `out/.`").
    std::fs::create_dir(dir.path().join("out")).expect("folder");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "out/.", "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("out/customers.csv").is_file());
    // A device as an SQLite database ("disk I/O error" at the end, a journal left in /dev),
    // and a connection URI that cannot be read (exit code 1 when connecting): bad arguments.
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "sqlite:/dev/null"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", schema, "-o", "postgresql://[::1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot read the connection URI"),
        "{stderr}"
    );
}

#[test]
fn a_damaged_parquet_file_the_reader_panics_on_is_an_error_naming_it() {
    // The `parquet` crate indexes past a slice on this file's damaged page: dxsynth exited
    // with code 101 and a panic message.
    let dir = TempDir::new().expect("temporary folder");
    std::fs::copy(
        example("testdata/parquet/damaged_page.parquet"),
        dir.path().join("t.parquet"),
    )
    .expect("copied");
    let schema = "tables:\n  t: {path: t.parquet, primary_key: id}\n";
    std::fs::write(dir.path().join("s.yaml"), schema).expect("schema");
    for args in [&["validate", "s.yaml"][..], &["init", ".", "-o", "i.yaml"]] {
        let (code, _, stderr) = dxsynth_in(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("t.parquet"), "{stderr}");
        assert!(stderr.contains("the file is damaged"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

// 8. Resource exhaustion refused up front: rows past the cap, and past the memory left.

#[test]
fn absurd_sizes_are_refused_before_any_work() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/bank.yaml");
    let schema = schema.to_str().expect("utf-8");
    for scale in ["1e9", "1e300"] {
        let (code, _, stderr) =
            dxsynth_in(dir.path(), &["run", schema, "-o", "o", "--scale", scale]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("rows one run can hold"), "{stderr}");
        assert!(!dir.path().join("o").exists());
    }
    // Rows asked for count too: a root asked for 10^11 rows (its children following) is
    // refused as `--rows`, naming the table, by `run` before training and by `generate`.
    let (code, _, stderr) = dxsynth_in(
        dir.path(),
        &["run", schema, "-o", "o", "--rows", "accounts=99999999999"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--rows") && stderr.contains("`accounts`"),
        "{stderr}"
    );
    assert!(stderr.contains("rows one run can hold"), "{stderr}");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["train", schema, "-m", "m.bin"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = dxsynth_in(
        dir.path(),
        &[
            "generate",
            "m.bin",
            "-o",
            "o",
            "--rows",
            "accounts=99999999999",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("rows one run can hold"), "{stderr}");
    assert!(!dir.path().join("o").exists());
    let staging = std::fs::read_dir(dir.path())
        .expect("the folder")
        .filter_map(|entry| entry.ok())
        .any(|entry| entry.file_name().to_string_lossy().starts_with(".dxsynth"));
    assert!(!staging, "no staging folder left behind");
    // Within the cap on rows, but more than memory allows (here a 1 GB address space): 5
    // million accounts made whole aborted on allocation, a staging folder left behind.
    let generate = format!(
        "ulimit -v 1000000 && exec '{}' generate m.bin -o o --rows accounts=5000000",
        env!("CARGO_BIN_EXE_dxsynth")
    );
    let output = Command::new("bash")
        .current_dir(dir.path())
        .args(["-c", &generate])
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("of memory at once (table `accounts`"),
        "{stderr}"
    );
    assert!(!dir.path().join("o").exists());
    assert!(leftovers(dir.path()).is_empty(), "nothing left behind");
    // A model file claiming 10^9 rows loads (it is only a number) but does not generate.
    let mut models = trained("schemas/bank_two_tables.yaml");
    models.tables["accounts"].real_rows = 1_000_000_000;
    let bytes = modelfile::to_bytes(&models).expect("encode");
    match modelfile::from_bytes(&bytes) {
        // Its children counts no longer fit 10^9 parents.
        Err(problem) => assert!(problem.to_string().contains("rows"), "{problem}"),
        Ok(file) => {
            let options = dxsynth::GenerateOptions::default();
            let out = dir.path().join("g");
            let err =
                dxsynth::generate(&file.models, &out, &options, &NoProgress).expect_err("refused");
            assert_eq!(exit_code(&err), 2, "{err}");
        }
    }
    // A root table claiming 10^9 rows loads, and is refused before generating.
    let csv: String = (0..50).map(|i| format!("{i}\n")).collect();
    std::fs::write(dir.path().join("one.csv"), format!("x\n{csv}")).expect("csv");
    std::fs::write(
        dir.path().join("one.yaml"),
        "tables:\n  one: {path: one.csv}\n",
    )
    .expect("yaml");
    let options = dxsynth::TrainOptions::default();
    let mut models =
        dxsynth::train(&dir.path().join("one.yaml"), &options, &NoProgress).expect("trains");
    models.tables["one"].real_rows = 1_000_000_000;
    let bytes = modelfile::to_bytes(&models).expect("encode");
    let file = modelfile::from_bytes(&bytes).expect("a row count alone is only a number");
    let options = dxsynth::GenerateOptions::default();
    let err = dxsynth::generate(&file.models, &dir.path().join("g"), &options, &NoProgress)
        .expect_err("refused");
    assert!(err.to_string().contains("rows one run can hold"), "{err}");
    // A header allowing lists to expand without bound.
    let bytes = modelfile::to_bytes(&trained("schemas/bank_two_tables.yaml")).expect("encode");
    let writer = usize::from(bytes[12]);
    let at = 13 + writer + 8;
    let mut lifted = bytes.clone();
    lifted[at..at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[13..13 + writer]);
    crc.update(&lifted[at..at + 8]);
    crc.update(&bytes[at + 12..]);
    lifted[at + 8..at + 12].copy_from_slice(&crc.finalize().to_le_bytes());
    let message = modelfile::from_bytes(&lifted)
        .map(drop)
        .expect_err("refused")
        .to_string();
    assert!(message.contains("expand"), "{message}");
    // Table paths that are not files; a schema nested without end.
    let fifo = dir.path().join("fifo.csv");
    let made = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: creating a FIFO at a path we own.
    assert_eq!(unsafe { libc::mkfifo(made.as_ptr(), 0o600) }, 0);
    for path in ["/dev/zero", "fifo.csv", "."] {
        std::fs::write(
            dir.path().join("s.yaml"),
            format!("tables:\n  t:\n    path: {path}\n"),
        )
        .expect("yaml");
        let started = Instant::now();
        let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
        assert_eq!(code, 2, "{path}: {stderr}");
        assert!(stderr.contains("give the path of a file"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path} took too long"
        );
    }
    std::fs::write(
        dir.path().join("deep.yaml"),
        format!("tables: {}", "[".repeat(400_000)),
    )
    .expect("yaml");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "deep.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nested more than"), "{stderr}");
}

// 9. Crafted indices with a valid checksum (and the fuzz test in modelfile_fuzz.rs).

#[test]
fn doctored_children_counts_and_orders_are_refused() {
    let mut models = trained("schemas/bank_two_tables.yaml");
    let transactions = &mut models.tables["transactions"];
    transactions.order_by = Some(99);
    assert!(load_error(&models).contains("order_by"));
    let mut models = trained("schemas/bank_two_tables.yaml");
    models.tables["transactions"].real_rows = 3;
    let message = load_error(&models);
    assert!(message.contains("rows"), "{message}");
}

// 10. Times of day.

#[test]
fn times_of_day_stay_valid_times() {
    let dir = TempDir::new().expect("temporary folder");
    let mut csv = String::from("id,opens,closes\n");
    for i in 0..200 {
        csv += &format!(
            "{i},{:02}:{:02},{:02}:{:02}\n",
            6 + i % 5,
            i * 7 % 60,
            17 + i % 7,
            i * 13 % 60
        );
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    let schema = "tables:\n  t:\n    path: t.csv\n    primary_key: id\n    columns:\n      \
                  closes: {type: datetime, format: \"%H:%M\"}\n";
    std::fs::write(dir.path().join("s.yaml"), schema).expect("yaml");
    let (code, stdout, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("opens datetime (%H:%M)"), "{stdout}");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["run", "s.yaml", "-o", "out", "--seed", "4"]);
    assert_eq!(code, 0, "{stderr}");
    let out = std::fs::read_to_string(dir.path().join("out/t.csv")).expect("output");
    for line in out.lines().skip(1) {
        for time in line.split(',').skip(1) {
            assert!(
                chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok(),
                "{line}"
            );
            assert_eq!(time.len(), 5, "{line}");
        }
    }
    std::fs::write(dir.path().join("t.csv"), "id,closes\n1,17:30\n2,25:99\n").expect("csv");
    let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`25:99` is not a valid datetime value in the format `%H:%M`"),
        "{stderr}"
    );
}

// 11. The small ones.

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args([
            "validate",
            example("schemas/shop.yaml").to_str().expect("utf-8"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn zero_thresholds_blank_headers_and_stray_words_are_reported() {
    let dir = TempDir::new().expect("temporary folder");
    let schema = example("schemas/bank.yaml");
    let schema = schema.to_str().expect("utf-8");
    let (code, _, stderr) = dxsynth_in(
        dir.path(),
        &["run", schema, "-o", "o", "--privacy-min-count", "0"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at least 1"), "{stderr}");
    std::fs::write(
        dir.path().join("s.yaml"),
        "tables:\n  t:\n    path: t.csv\n",
    )
    .expect("yaml");
    // Blanks, commas only, and one blank name among others.
    for (header, expected) in [
        ("  ,\t ", "has only blanks"),
        (",,", "has only blanks"),
        ("id,,v", "column 2 of the CSV header has no name"),
    ] {
        let csv = format!("{header}\n1,2,3\n2,3,4\n");
        std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
        let (code, _, stderr) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
        assert_eq!(code, 2, "{header:?}: {stderr}");
        assert!(stderr.contains(expected), "{header:?}: {stderr}");
    }
    let mut csv = String::from("id,amount\n");
    for i in 0..100 {
        let amount = if i == 57 {
            "unknown".to_string()
        } else {
            (i * 3).to_string()
        };
        csv += &format!("{i},{amount}\n");
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    let (code, stdout, _) = dxsynth_in(dir.path(), &["validate", "s.yaml"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("column `amount` is id") && stdout.contains("`unknown` (line 59)"),
        "{stdout}"
    );
}

#[test]
fn missing_files_empty_paths_and_folders_under_files_are_said_plainly() {
    let (_dir, data) = bank_folder();
    let plain = |args: &[&str], expected: &str| {
        let (code, _, stderr) = dxsynth_in(&data, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("os error"), "{args:?}: {stderr}");
    };
    plain(
        &["validate", "h.yaml"],
        "cannot read schema file `h.yaml`: it does not exist",
    );
    plain(
        &["generate", "m.dxsynth", "-o", "out"],
        "model file `m.dxsynth` does not exist",
    );
    let schema = std::fs::read_to_string(data.join("schema.yaml")).expect("schema");
    std::fs::write(
        data.join("missing.yaml"),
        schema.replace("path: loans.csv", "path: nope.csv"),
    )
    .expect("write");
    plain(&["validate", "missing.yaml"], "`nope.csv` does not exist");
    // In the current folder, the schema's folder is the empty path.
    std::fs::write(
        data.join("empty.yaml"),
        schema.replace("path: loans.csv", "path: \"\""),
    )
    .expect("write");
    plain(&["validate", "empty.yaml"], "`path` is empty");
    // An output folder under a regular file: refused before any work, naming the file.
    for (out, file) in [
        ("loans.csv/sub", "`loans.csv`"),
        ("./loans.csv/a/b", "`./loans.csv`"),
    ] {
        plain(
            &["run", "schema.yaml", "-o", out],
            &format!("{file} is a file, not a folder"),
        );
    }
}

/// The exit code the command line gives a library error: 2 for bad input, 1 otherwise.
fn exit_code(err: &dxsynth::Error) -> i32 {
    if err.is_bad_input() { 2 } else { 1 }
}
