//! A sequential table no later table reads is written in parts (`generate/parts.rs`; through
//! a temporary file past 65,536 rows) when the output is a folder of CSV files; every other
//! path holds whole tables. Both must write the same bytes: here the shop example at a scale where `shipments`
//! (a grandchild, so its context includes its grandparent) spans several parts, generated
//! whole by the library and written with `output::write_all`, against `pipeline::generate`.

use std::path::{Path, PathBuf};

use dxsynth::generate::generate_all;
use dxsynth::pipeline::{GenerateOptions, TrainOptions, generate, train};
use dxsynth::progress::NoProgress;
use dxsynth::targets::{GivenFiles, RowTargets, Targets};

const SCALE: f64 = 60.0;

fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/shop.yaml")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).expect("an output file")
}

#[test]
fn tables_written_in_parts_match_tables_written_whole() {
    let options = TrainOptions {
        seed: Some(7),
        ..TrainOptions::default()
    };
    let models = train(&schema(), &options, &NoProgress).expect("the shop example trains");
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let (whole, parts) = (dir.path().join("whole"), dir.path().join("parts"));

    let targets = Targets::load(
        &models,
        &RowTargets::default(),
        &GivenFiles::default(),
        SCALE,
    )
    .expect("no targets");
    let tables = generate_all(&models, 7, SCALE, &targets, &|_| {}).expect("generated whole");
    let shipments = tables["shipments"].rows;
    assert!(
        shipments > 2 * 65_536,
        "{shipments} shipments: too few for parts"
    );
    dxsynth::output::write_all(&whole, &tables).expect("written whole");

    let options = GenerateOptions {
        seed: Some(7),
        scale: SCALE,
        ..GenerateOptions::default()
    };
    let report = generate(&models, &parts, &options, &NoProgress).expect("written in parts");
    let reported: Vec<(String, usize)> = report
        .tables
        .iter()
        .map(|table| (table.name.clone(), table.rows))
        .collect();
    let expected: Vec<(String, usize)> = tables
        .values()
        .map(|table| (table.name.clone(), table.rows))
        .collect();
    assert_eq!(reported, expected, "row counts in the report");
    for name in tables.keys() {
        let file = format!("{name}.csv");
        assert!(
            read(&whole, &file) == read(&parts, &file),
            "{file} differs between whole and parts"
        );
    }
}
