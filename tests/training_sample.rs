//! Large tables are learned from a sample (issue 12): loading for training keeps the values of a
//! seeded sample of a large table no other table refers to (whole sequences), yet every value
//! is checked, and counts come from every row. Planted data: "big" parents have 8 children,
//! "small" ones 2, and a child's amount follows its parent's kind.

use std::fmt::Write as _;
use std::path::Path;

use dxsynth::generate::generate_all;
use dxsynth::model::{ModelKind, Privacy};
use dxsynth::targets::Targets;
use dxsynth::train::train_all;
use dxsynth::validated::validate_for_training;

const PARENTS: usize = 400;

fn kind(parent: usize) -> &'static str {
    if parent % 4 == 0 { "big" } else { "small" }
}

/// Writes the planted database; `spoil` replaces the text of child line `(line, column)`.
fn write_data(dir: &Path, spoil: Option<(usize, usize, &str)>) {
    let mut parents = String::from("id,kind\n");
    let mut children = String::from("parent_id,amount,step\n");
    let mut line = 1;
    for parent in 1..=PARENTS {
        writeln!(parents, "{parent},{}", kind(parent)).unwrap();
        let count = if kind(parent) == "big" { 8 } else { 2 };
        for step in 0..count {
            line += 1;
            let amount = if kind(parent) == "big" {
                1000 + step
            } else {
                10 + step
            };
            let mut cells = [parent.to_string(), amount.to_string(), step.to_string()];
            if let Some((at, column, text)) = spoil
                && at == line
            {
                cells[column] = text.to_string();
            }
            writeln!(children, "{}", cells.join(",")).unwrap();
        }
    }
    std::fs::write(dir.join("parents.csv"), parents).unwrap();
    std::fs::write(dir.join("children.csv"), children).unwrap();
    std::fs::write(
        dir.join("schema.yaml"),
        "tables:\n  parents:\n    path: parents.csv\n    primary_key: id\n  children:\n    \
         path: children.csv\n    foreign_keys:\n      parent_id: parents\n    order_by: step\n    columns:\n      step: numerical\n",
    )
    .unwrap();
}

/// 100 big parents x 8 + 300 small x 2 = 1,400 children.
const CHILDREN: usize = 1_400;

#[test]
fn a_large_leaf_table_keeps_whole_sequences_of_a_sample_and_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path(), None);
    let input = validate_for_training(&dir.path().join("schema.yaml"), 300).unwrap();
    assert!(
        !input.sampled.contains_key("parents"),
        "a parent is kept whole"
    );
    let sampled = &input.sampled["children"];
    assert_eq!(sampled.all.rows(), CHILDREN);
    assert_eq!(input.real_rows("children"), CHILDREN);
    let kept = &input.tables["children"];
    assert_eq!(kept.rows(), sampled.rows.len());
    assert!(
        (150..500).contains(&kept.rows()),
        "{} rows kept",
        kept.rows()
    );
    // Whole sequences: every parent in the sample has all its children there.
    let keys = &kept.keys["parent_id"];
    let mut per_parent = std::collections::HashMap::<&str, usize>::new();
    for row in 0..kept.rows() {
        *per_parent.entry(keys.get(row).unwrap()).or_default() += 1;
    }
    for (parent, count) in per_parent {
        let parent: usize = parent.parse().unwrap();
        assert_eq!(
            count,
            if kind(parent) == "big" { 8 } else { 2 },
            "parent {parent}"
        );
    }
    // The same sample every time.
    let again = validate_for_training(&dir.path().join("schema.yaml"), 300).unwrap();
    assert_eq!(again.sampled["children"].rows, sampled.rows);

    let models = train_all(
        &input,
        ModelKind::Learned,
        Privacy::default(),
        Some(3),
        300,
        &|_| {},
    );
    assert_eq!(models.tables["children"].real_rows, CHILDREN);
    let targets = Targets::default();
    let synthetic = generate_all(&models, 3, 1.0, &targets, &|_| {}).unwrap();
    let children = &synthetic["children"];
    let parents = &synthetic["parents"];
    // Counts come from every real row: about 1,400 children, big parents with ~8 each.
    assert!(
        (1_250..1_550).contains(&children.rows),
        "{} children",
        children.rows
    );
    let kinds = &parents
        .columns
        .iter()
        .find(|c| c.name == "kind")
        .unwrap()
        .values;
    let mut big = (0, 0);
    let mut small = (0, 0);
    let mut count = vec![0usize; parents.rows];
    for parent in children.foreign_keys["parent_id"].iter().flatten() {
        count[*parent] += 1;
    }
    for (parent, children) in count.into_iter().enumerate() {
        let tally = match &kinds[parent] {
            dxsynth::data::Value::Label(kind) if &**kind == "big" => &mut big,
            _ => &mut small,
        };
        tally.0 += children;
        tally.1 += 1;
    }
    let mean = |(children, parents): (usize, usize)| children as f64 / parents.max(1) as f64;
    assert!(mean(big) > 6.0, "big parents: {} children each", mean(big));
    assert!(
        mean(small) < 3.0,
        "small parents: {} children each",
        mean(small)
    );
}

#[test]
fn values_and_keys_outside_the_sample_are_still_checked() {
    // Every row is checked, whichever the sample keeps: spoil each of the first 40 lines in
    // turn and the error always names it.
    for line in [2, 17, 40] {
        let dir = tempfile::tempdir().unwrap();
        write_data(dir.path(), Some((line, 2, "three")));
        let schema = dir.path().join("schema.yaml");
        let message = match validate_for_training(&schema, 300) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("line {line}: a word in a numeric column passed"),
        };
        assert!(message.contains(&format!("line {line}")), "{message}");

        write_data(dir.path(), Some((line, 0, "9999")));
        let message = match validate_for_training(&schema, 300) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("line {line}: a dangling key passed"),
        };
        assert!(message.contains("`9999`"), "{message}");
    }
}

mod common;

/// `--training-rows`: a sample small enough to cut the planted children table changes the model
/// file; `all` (or a number above every table) learns from every row, as before sampling; a
/// number below 1,000 is refused with exit code 2.
#[test]
fn training_rows_flag_sets_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path(), None);
    let schema = dir.path().join("schema.yaml");
    let schema = schema.to_str().unwrap();
    let model = |name: &str, rows: &str| {
        let path = dir.path().join(name);
        let path = path.to_str().unwrap();
        let args = [
            "train",
            schema,
            "-m",
            path,
            "--seed",
            "1",
            "--quiet",
            "--training-rows",
            rows,
        ];
        common::succeeded(&common::dxsynth_output(&args));
        std::fs::read(path).unwrap()
    };
    let all = model("all.dxm", "all");
    assert_eq!(all, model("big.dxm", "1000000"), "`all` is every row");
    assert_ne!(all, model("sample.dxm", "1000"), "1,000 rows cut 1,400");
    let path = dir.path().join("x.dxm");
    let (code, _, stderr) = common::dxsynth(&[
        "train",
        schema,
        "-m",
        path.to_str().unwrap(),
        "--training-rows",
        "10",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--training-rows"), "{stderr}");
}
