//! Behaviour does not drift: the bundled examples, run and trained with seed 7, give exactly the
//! bytes recorded in `testdata/golden/<example>.txt` (CRC-32 and size of every output CSV and of
//! the model file). The recorded values were made by the dxsynth built before the restructure of
//! issue 9, so this test proves that the restructure changed no output byte.
//!
//! When output is *meant* to change (a model improvement, a new model file format or dxsynth
//! version, which the model file records), regenerate the records and commit them with the
//! change that explains them:
//!
//! ```sh
//! DXSYNTH_UPDATE_GOLDEN=1 cargo test --release --test golden
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

const EXAMPLES: [&str; 3] = ["bank", "bank_two_tables", "shop"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dxsynth(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("dxsynth runs");
    assert!(
        output.status.success(),
        "dxsynth {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `crc32 size name` for one file, as the golden records hold it.
fn record(path: &Path, name: &str) -> String {
    let bytes = std::fs::read(path).expect("an output file");
    format!("{:08x} {:>9} {name}", crc32fast::hash(&bytes), bytes.len())
}

/// Runs and trains one example with seed 7; the records of every file written.
fn records(example: &str) -> String {
    let dir = TempDir::new().expect("a temporary folder");
    let schema = format!("schemas/{example}.yaml");
    let out = dir.path().join("out");
    let model = dir.path().join("model.dxm");
    let (out_arg, model_arg) = (out.to_string_lossy(), model.to_string_lossy());
    dxsynth(&["run", &schema, "-o", &out_arg, "--seed", "7", "--quiet"]);
    dxsynth(&["train", &schema, "-m", &model_arg, "--seed", "7", "--quiet"]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("the output folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut lines: Vec<String> = names
        .iter()
        .map(|name| record(&out.join(name), &format!("out/{name}")))
        .collect();
    lines.push(record(&model, "model.dxm"));
    lines.join("\n") + "\n"
}

#[test]
fn examples_give_the_recorded_bytes() {
    let update = std::env::var_os("DXSYNTH_UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut differences = Vec::new();
    for example in EXAMPLES {
        let golden = root().join(format!("testdata/golden/{example}.txt"));
        let actual = records(example);
        if update {
            std::fs::write(&golden, &actual).expect("write the golden records");
            continue;
        }
        let expected = std::fs::read_to_string(&golden).expect("the golden records");
        if actual != expected {
            differences.push(format!("{example}:\nexpected\n{expected}actual\n{actual}"));
        }
    }
    assert!(
        differences.is_empty(),
        "output differs from testdata/golden (set DXSYNTH_UPDATE_GOLDEN=1 to record it if \
         the change is meant):\n{}",
        differences.join("\n")
    );
}

#[test]
fn a_changed_byte_changes_the_record() {
    // The records can fail: one byte more or different is seen.
    let dir = TempDir::new().expect("a temporary folder");
    let path = dir.path().join("file.csv");
    std::fs::write(&path, "a,b\n1,2\n").expect("write");
    let before = record(&path, "file.csv");
    std::fs::write(&path, "a,b\n1,3\n").expect("write");
    assert_ne!(record(&path, "file.csv"), before);
}
