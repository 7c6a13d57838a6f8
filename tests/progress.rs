//! What the pipeline reports to a `Progress` sink (issue 12: rows per second on long runs):
//! every stage opens and closes, and loading and training report each table's real rows once,
//! inside their stage, so a sink's rows per second count every row once.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use common::{Csv, example};
use dxsynth::{Progress, RunOptions};
use tempfile::TempDir;

/// A sink that records every report in order.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Stage(String),
    Advance(String),
    Rows(String, usize),
    Finish,
}

impl Recorder {
    fn push(&self, event: Event) {
        self.events.lock().expect("no poisoned lock").push(event);
    }

    /// Rows reported per stage and table, checking that each report falls inside a stage.
    fn rows_by_stage(&self) -> BTreeMap<String, BTreeMap<String, usize>> {
        let mut stages: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for event in self.events.lock().expect("no poisoned lock").iter() {
            match event {
                Event::Stage(name) => {
                    assert!(current.is_none(), "stage {name} opened inside {current:?}");
                    current = Some(name.clone());
                }
                Event::Finish => assert!(current.take().is_some(), "a finish without a stage"),
                Event::Advance(_) => assert!(current.is_some(), "an item outside a stage"),
                Event::Rows(table, rows) => {
                    let stage = current.clone().expect("rows outside a stage");
                    *stages
                        .entry(stage)
                        .or_default()
                        .entry(table.clone())
                        .or_default() += rows;
                }
            }
        }
        assert!(current.is_none(), "stage {current:?} never finished");
        stages
    }
}

impl Progress for Recorder {
    fn stage(&self, name: &str, _total: usize) {
        self.push(Event::Stage(name.to_string()));
    }

    fn advance(&self, item: &str) {
        self.push(Event::Advance(item.to_string()));
    }

    fn rows(&self, item: &str, rows: usize) {
        self.push(Event::Rows(item.to_string(), rows));
    }

    fn finish(&self) {
        self.push(Event::Finish);
    }
}

#[test]
fn loading_and_training_report_every_real_row_once() {
    let schema = example("schemas/shop.yaml");
    let dir = TempDir::new().expect("a temporary folder");
    let recorder = Recorder::default();
    let options = RunOptions {
        seed: Some(7),
        ..RunOptions::default()
    };
    dxsynth::run(&schema, &dir.path().join("out"), &options, &recorder).expect("run succeeds");

    let valid = dxsynth::validate(&schema).expect("a valid example");
    let real: BTreeMap<String, usize> = valid
        .schema
        .tables
        .iter()
        .map(|def| (def.name.clone(), Csv::read(&def.path).rows.len()))
        .collect();
    assert!(real.values().all(|&rows| rows > 0));
    let stages = recorder.rows_by_stage();
    for stage in ["validating and loading", "training"] {
        assert_eq!(
            stages.get(stage),
            Some(&real),
            "rows reported while {stage}"
        );
    }
}

/// Generation reports every row it writes once, whether a table comes whole or in parts (at
/// scale 60 the shop's shipments pass 131,072 rows and are written in parts).
#[test]
fn generation_reports_every_written_row_once() {
    let schema = example("schemas/shop.yaml");
    for scale in [1.0, 60.0] {
        let dir = TempDir::new().expect("a temporary folder");
        let recorder = Recorder::default();
        let options = RunOptions {
            seed: Some(7),
            scale,
            ..RunOptions::default()
        };
        let out = dir.path().join("out");
        let report = dxsynth::run(&schema, &out, &options, &recorder).expect("run succeeds");
        let written: BTreeMap<String, usize> = report
            .tables
            .iter()
            .map(|table| (table.name.clone(), Csv::read(&table.path).rows.len()))
            .collect();
        assert!(written.values().all(|&rows| rows > 0));
        let stages = recorder.rows_by_stage();
        assert_eq!(stages.get("generating"), Some(&written), "scale {scale}");
    }
}

#[test]
fn a_sink_without_rows_still_serves() {
    // `rows` has a default, so a sink of the three stage methods alone is a `Progress`, and
    // the recorder above would see a pipeline that skipped a table (the check can fail).
    struct Stages;
    impl Progress for Stages {
        fn stage(&self, _name: &str, _total: usize) {}
        fn advance(&self, _item: &str) {}
        fn finish(&self) {}
    }
    let sink: &dyn Progress = &Stages;
    sink.rows("orders", 10);

    let recorder = Recorder::default();
    recorder.stage("training", 2);
    recorder.rows("orders", 10);
    recorder.finish();
    let stages = recorder.rows_by_stage();
    let expected = BTreeMap::from([("customers".to_string(), 5), ("orders".to_string(), 10)]);
    assert_ne!(stages.get("training"), Some(&expected));
}
