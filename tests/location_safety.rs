//! The output safety of issue 13 extended to the locations of issue 14: a Parquet or CSV folder
//! output that is or holds an input, and an `sqlite:PATH` output that is an input (the schema's
//! database, the model file), are refused before any work with the input untouched; Parquet
//! folders are swapped in whole like CSV ones; an interrupted SQLite output leaves neither its
//! temporary database nor its journal behind.
#![cfg(all(feature = "sqlite", feature = "parquet"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn dxsynth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .output()
        .expect("dxsynth runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Entries dxsynth would leave behind if it failed to clean up (staging, temporary databases).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".dxsynth"))
        .collect()
}

/// A folder with `real.db` (a parent and a child table) and a schema reading it.
fn sqlite_input() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let db = dir.path().join("real.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mut sql = String::from(
        "CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE player (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team, \
         salary REAL);\n",
    );
    for team in 1..=40 {
        sql += &format!("INSERT INTO team VALUES ({team}, 'team {}');\n", team % 5);
        for player in 0..(team % 4) {
            sql += &format!(
                "INSERT INTO player (team_id, salary) VALUES ({team}, {}.5);\n",
                100 + 7 * player * team
            );
        }
    }
    conn.execute_batch(&sql).expect("load");
    drop(conn);
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "source: sqlite:real.db\ntables:\n  team:\n    primary_key: id\n  player:\n    \
         primary_key: id\n    foreign_keys: {team_id: team}\n",
    )
    .expect("schema");
    (dir, db, schema)
}

#[test]
fn an_sqlite_output_that_is_an_input_is_refused_and_untouched() {
    let (dir, db, schema) = sqlite_input();
    let before = std::fs::read(&db).expect("read");
    let schema = schema.to_str().expect("utf-8");
    let same = format!("sqlite:{}", db.display());
    // The same file spelt another way: through `..`, a symbolic link and a hard link (another
    // name for the same file, which no comparison of paths finds).
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let dotted = format!("sqlite:{}", dir.path().join("sub/../real.db").display());
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&db, &link).expect("symlink");
    let linked = format!("sqlite:{}", link.display());
    let hard = dir.path().join("hard.db");
    std::fs::hard_link(&db, &hard).expect("hard link");
    let hard_linked = format!("sqlite:{}", hard.display());
    for output in [&same, &dotted, &linked, &hard_linked] {
        for extra in [&[][..], &["--if-exists", "truncate"][..]] {
            let mut args = vec!["run", schema, "-o", output.as_str(), "--seed", "1"];
            args.extend_from_slice(extra);
            let refused = dxsynth(&args);
            assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
            assert!(
                stderr(&refused).contains("is the input") && stderr(&refused).contains("real.db"),
                "{}",
                stderr(&refused)
            );
        }
    }
    // A folder output holding the database, as CSV or Parquet; a model file over it.
    for format in ["csv", "parquet"] {
        let folder = dir.path().to_str().expect("utf-8");
        let refused = dxsynth(&["run", schema, "-o", folder, "--format", format]);
        assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
        assert!(
            stderr(&refused).contains("holds the input"),
            "{}",
            stderr(&refused)
        );
    }
    let model = dxsynth(&["train", schema, "-m", db.to_str().expect("utf-8")]);
    assert_eq!(model.status.code(), Some(2), "{}", stderr(&model));
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the input changed"
    );
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    // Another file is fine: the refusal is about the input, not about SQLite outputs.
    let other = format!("sqlite:{}", dir.path().join("synthetic.db").display());
    let run = dxsynth(&["run", schema, "-o", &other, "--seed", "1"]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn generate_refuses_an_sqlite_output_over_its_model_file() {
    let (dir, _, schema) = sqlite_input();
    let model = dir.path().join("model.dxsynth");
    let model = model.to_str().expect("utf-8");
    let trained = dxsynth(&["train", schema.to_str().expect("utf-8"), "-m", model]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let before = std::fs::read(model).expect("read");
    let refused = dxsynth(&["generate", model, "-o", &format!("sqlite:{model}")]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("is the input"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(model).expect("read"), before);
}

/// An SQLite output under a file, or that is a folder, can never be written: refused before
/// any work (exit 2, saying which), where it failed at the end with exit 1; the file and the
/// folder are left as they were.
#[test]
fn an_sqlite_output_that_cannot_be_a_database_file_is_refused_before_any_work() {
    let (dir, _, schema) = sqlite_input();
    let schema = schema.to_str().expect("utf-8");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "keep me").expect("write");
    let folder = dir.path().join("out");
    std::fs::create_dir(&folder).expect("mkdir");
    for (target, said) in [
        (file.join("x.db"), "is a file, not a folder"),
        (
            folder.clone(),
            "is a folder; give the path of a database file",
        ),
    ] {
        let target = format!("sqlite:{}", target.display());
        let refused = dxsynth(&["run", schema, "-o", &target, "--quiet"]);
        assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
        assert!(stderr(&refused).contains(said), "{}", stderr(&refused));
    }
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep me");
    assert_eq!(std::fs::read_dir(&folder).expect("read").count(), 0);
}

#[test]
fn a_parquet_folder_over_the_csv_inputs_is_refused_and_replaced_whole_elsewhere() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/bank_two_tables.yaml");
    let schema = schema.to_str().expect("utf-8");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bank");
    let refused = dxsynth(&[
        "run",
        schema,
        "-o",
        data.to_str().expect("utf-8"),
        "--format",
        "parquet",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("the output folder"),
        "{}",
        stderr(&refused)
    );
    // An existing output folder: its other files stay, the tables are replaced, no staging left.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    std::fs::write(out.join("accounts.parquet"), "not parquet").expect("write");
    let out_text = out.to_str().expect("utf-8");
    let run = dxsynth(&["run", schema, "-o", out_text, "--format", "parquet", "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["accounts.parquet", "notes.txt", "transactions.parquet"]
    );
    assert_eq!(std::fs::read(out.join("notes.txt")).expect("read"), b"mine");
    assert_eq!(
        &std::fs::read(out.join("accounts.parquet")).expect("read")[..4],
        b"PAR1"
    );
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn an_interrupted_sqlite_or_parquet_output_leaves_nothing_behind() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/shop.yaml");
    let schema = schema.to_str().expect("utf-8");
    let mut caught = 0;
    for round in 0..6 {
        let parquet = round % 3 == 2;
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path().join(if parquet { "out" } else { "out.db" });
        let target = if parquet {
            out.display().to_string()
        } else {
            format!("sqlite:{}", out.display())
        };
        let mut args = vec!["run", schema, "-o", &target, "--scale", "8", "-q"];
        if parquet {
            args.extend(["--format", "parquet"]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
            .args(&args)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Signal while the temporary database or staging folder exists.
        let started = std::time::Instant::now();
        while leftovers(dir.path()).is_empty()
            && child.try_wait().expect("wait").is_none()
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_micros(300));
        }
        caught += usize::from(!leftovers(dir.path()).is_empty());
        let signal = if round % 2 == 0 {
            libc::SIGINT
        } else {
            libc::SIGTERM
        };
        // SAFETY: signalling our own child process (it may have ended: then nothing happens).
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().expect("wait");
        assert!(
            status.code().is_some(),
            "ended by its handler, not the signal"
        );
        assert!(
            leftovers(dir.path()).is_empty(),
            "round {round}: {:?}",
            leftovers(dir.path())
        );
        if !out.exists() {
            continue;
        }
        if parquet {
            assert_eq!(
                std::fs::read_dir(&out).expect("out").count(),
                5,
                "complete or absent"
            );
        } else {
            // Complete or absent: every table there, keys intact.
            let conn = rusqlite::Connection::open(&out).expect("open");
            let tables: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .expect("count");
            assert_eq!(tables, 5);
            let broken: i64 = conn
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })
                .expect("check");
            assert_eq!(broken, 0);
        }
    }
    assert!(caught >= 3, "only {caught} of 6 runs were caught writing");
}

/// `generate` does not know where the model's data lives: given the data folder (or a copy of
/// it) as its output, it replaced every real CSV with a synthetic one. The model keeps marks of
/// the files it was trained on, and generation into a place holding one is refused with the
/// files untouched; a folder of an earlier synthetic copy is still written over.
#[test]
fn generate_into_the_real_data_is_refused_and_the_data_untouched() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let mut teams = String::from("id,name\n");
    let mut players = String::from("id,team_id,salary\n");
    for team in 1..=40 {
        teams += &format!("{team},team {}\n", team % 5);
        for player in 0..(team % 4) {
            players += &format!(
                "{},{team},{}.5\n",
                team * 10 + player,
                100 + 7 * player * team
            );
        }
    }
    std::fs::write(data.join("team.csv"), &teams).expect("write");
    std::fs::write(data.join("player.csv"), &players).expect("write");
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  team: {path: data/team.csv, primary_key: id}\n  player: {path: \
         data/player.csv, primary_key: id, foreign_keys: {team_id: team}}\n",
    )
    .expect("schema");
    let model = dir.path().join("m.dxsynth");
    let path = |p: &Path| p.to_str().expect("utf-8").to_string();
    let trained = dxsynth(&["train", &path(&schema), "-m", &path(&model), "--quiet"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    // The data folder, a copy of it elsewhere, and one real file copied into a new folder.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).expect("mkdir");
    std::fs::write(copy.join("team.csv"), &teams).expect("write");
    std::fs::write(copy.join("player.csv"), &players).expect("write");
    let one = dir.path().join("one");
    std::fs::create_dir(&one).expect("mkdir");
    std::fs::write(one.join("player.csv"), &players).expect("write");
    for folder in [&data, &copy, &one] {
        let output = dxsynth(&["generate", &path(&model), "-o", &path(folder), "--quiet"]);
        assert_eq!(output.status.code(), Some(2), "{}", path(folder));
        let err = stderr(&output);
        assert!(
            err.contains("trained on") && err.contains("real data"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("player.csv")).expect("read"),
            players
        );
        assert!(leftovers(folder).is_empty(), "{:?}", leftovers(folder));
    }
    assert_eq!(
        std::fs::read_to_string(data.join("team.csv")).expect("read"),
        teams
    );
    // `run` into a copy of the data is refused too.
    let output = dxsynth(&["run", &path(&schema), "-o", &path(&copy)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("trained on"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(copy.join("team.csv")).expect("read"),
        teams
    );
    // A folder of an earlier synthetic copy is written over, as before.
    let out = dir.path().join("out");
    for _ in 0..2 {
        let output = dxsynth(&["generate", &path(&model), "-o", &path(&out), "--quiet"]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
}

/// A model trained on an SQLite database does not generate into that database (with
/// `--if-exists truncate` the real tables were emptied), nor into a copy of it.
#[test]
fn generate_into_the_real_database_is_refused_and_untouched() {
    let (dir, db, schema) = sqlite_input();
    let before = std::fs::read(&db).expect("read");
    let model = dir.path().join("m.dxsynth");
    let (schema, model) = (
        schema.to_str().expect("utf-8"),
        model.to_str().expect("utf-8"),
    );
    let trained = dxsynth(&["train", schema, "-m", model, "--quiet"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).expect("copy");
    for target in [&db, &copy] {
        let output = dxsynth(&[
            "generate",
            model,
            "-o",
            &format!("sqlite:{}", target.display()),
            "--if-exists",
            "truncate",
            "--quiet",
        ]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("trained on"),
            "{}",
            stderr(&output)
        );
        assert_eq!(std::fs::read(target).expect("read"), before);
    }
}
