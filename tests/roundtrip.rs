//! Property test: numbers and datetimes survive a run. Random columns of numbers in scientific
//! notation, integers beyond i64, decimals with many places (negative zero among them), and
//! datetimes with and without UTC offsets and with fractions of a second go through `run` with
//! the privacy protections off; every output value must read back as a value of the same type,
//! written in the same notation (the same pattern, offsets among the input's).

use std::path::Path;

use dxsynth::NoProgress;
use dxsynth::RunOptions;
use dxsynth::model::Privacy;
use proptest::prelude::*;

const ROWS: usize = 30;

#[derive(Debug, Clone)]
struct Columns {
    scientific: Vec<String>,
    places: usize,
    big: Vec<String>,
    decimals: Vec<String>,
    zoned: Vec<String>,
    offsets: Vec<i32>,
    naive: Vec<String>,
    fractions: Vec<String>,
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

fn columns() -> impl Strategy<Value = Columns> {
    let scientific = (1usize..6).prop_flat_map(|places| {
        (
            Just(places),
            prop::collection::vec((1.0f64..9.99, -300i32..300, any::<bool>()), ROWS),
        )
    });
    let big = prop::collection::vec((1u8..10, prop::collection::vec(0u8..10, 18..24)), ROWS);
    let decimals = prop::collection::vec((-1e6f64..1e6, 0usize..12), ROWS);
    let offsets =
        prop::sample::subsequence(vec![-34200, -18000, 0, 3600, 7200, 19800, 45900], 1..4);
    let moments = prop::collection::vec((0i64..2_000_000_000, 0u32..1000, 0usize..7), ROWS);
    (scientific, big, decimals, offsets, moments).prop_map(
        |((places, scientific), big, decimals, offsets, moments)| {
            let when =
                |seconds: i64| chrono::DateTime::from_timestamp(seconds, 0).expect("in range");
            Columns {
                scientific: scientific
                    .iter()
                    .map(|(m, e, negative)| {
                        let sign = if *e < 0 { '-' } else { '+' };
                        let m = if *negative { -m } else { *m };
                        format!("{m:.places$}e{sign}{:02}", e.abs())
                    })
                    .collect(),
                places,
                big: big
                    .iter()
                    .map(|(first, rest)| {
                        let digits: String = rest.iter().map(|d| char::from(b'0' + d)).collect();
                        format!("{first}{digits}")
                    })
                    .collect(),
                decimals: decimals
                    .iter()
                    .enumerate()
                    .map(|(i, (x, places))| match i {
                        0 => "-0.0".to_string(),
                        _ => format!("{x:.places$}"),
                    })
                    .collect(),
                zoned: moments
                    .iter()
                    .map(|(seconds, _, pick)| {
                        let offset = offsets[pick % offsets.len()];
                        let zone = chrono::FixedOffset::east_opt(offset).expect("offset");
                        let moment = when(*seconds).with_timezone(&zone);
                        moment.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
                    })
                    .collect(),
                offsets: offsets.clone(),
                naive: moments
                    .iter()
                    .map(|(s, _, _)| when(*s).format("%Y-%m-%d %H:%M:%S").to_string())
                    .collect(),
                fractions: moments
                    .iter()
                    .map(|(s, ms, _)| format!("{}.{ms:03}", when(*s).format("%Y-%m-%dT%H:%M:%S")))
                    .collect(),
            }
        },
    )
}

fn run(columns: &Columns, dir: &Path) -> Vec<Vec<String>> {
    let mut csv = String::from("id,scientific,big,decimals,zoned,naive,fractions\n");
    for row in 0..ROWS {
        csv += &format!(
            "{row},{},{},{},{},{},{}\n",
            columns.scientific[row],
            columns.big[row],
            columns.decimals[row],
            columns.zoned[row],
            columns.naive[row],
            columns.fractions[row]
        );
    }
    std::fs::write(dir.join("t.csv"), csv).expect("csv");
    let schema = dir.join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  t:\n    path: t.csv\n    primary_key: id\n",
    )
    .expect("schema");
    let options = RunOptions {
        seed: Some(1),
        privacy: Privacy { min_count: 1 },
        ..RunOptions::default()
    };
    let out = dir.join("out");
    dxsynth::run(&schema, &out, &options, &NoProgress).expect("runs");
    let mut reader = csv::Reader::from_path(out.join("t.csv")).expect("output");
    reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

fn decimal_places(text: &str) -> usize {
    text.find('.').map_or(0, |point| text.len() - point - 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn numbers_and_datetimes_round_trip(columns in columns()) {
        let dir = tempfile::tempdir().expect("temporary folder");
        let rows = run(&columns, dir.path());
        prop_assert_eq!(rows.len(), ROWS);
        let max_places = columns.decimals.iter().map(|d| decimal_places(d)).max().unwrap_or(0);
        for row in &rows {
            let (mantissa, exponent) = row[1].split_once('e').expect("scientific notation");
            prop_assert_eq!(decimal_places(mantissa), columns.places, "{}", row[1]);
            prop_assert!(exponent.starts_with(['+', '-']) && exponent.len() >= 3, "{}", row[1]);
            prop_assert!(row[1].parse::<f64>().is_ok_and(f64::is_finite), "{}", row[1]);
            prop_assert!(row[2].len() >= 19 && row[2].bytes().all(|b| b.is_ascii_digit()), "{}", row[2]);
            prop_assert!(!row[3].contains('e') && row[3].parse::<f64>().is_ok(), "{}", row[3]);
            prop_assert!(decimal_places(&row[3]) <= max_places, "{}", row[3]);
            let zoned = chrono::DateTime::parse_from_str(&row[4], "%Y-%m-%dT%H:%M:%S%:z");
            prop_assert!(zoned.is_ok(), "{}", row[4]);
            let offset = zoned.map(|z| z.offset().local_minus_utc()).unwrap_or(i32::MAX);
            prop_assert!(columns.offsets.contains(&offset), "{} ({:?})", row[4], columns.offsets);
            prop_assert!(chrono::NaiveDateTime::parse_from_str(&row[5], "%Y-%m-%d %H:%M:%S").is_ok(), "{}", row[5]);
            prop_assert!(chrono::NaiveDateTime::parse_from_str(&row[6], "%Y-%m-%dT%H:%M:%S%.f").is_ok(), "{}", row[6]);
            // Milliseconds in, milliseconds out (chrono's `%.f` wrote nine digits).
            prop_assert_eq!(decimal_places(&row[6]), 3, "{}", row[6]);
        }
        let offsets: Vec<String> = columns.offsets.iter().map(|o| offset_text(*o)).collect();
        prop_assert!(rows.iter().all(|row| offsets.iter().any(|o| row[4].ends_with(o.as_str()))));
    }
}

/// The shape of a text: digits as `9`, letters as `A` or `a`, the rest as it is.
fn shape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => '9',
            'A'..='Z' => 'A',
            'a'..='z' => 'a',
            other => other,
        })
        .collect()
}

#[test]
fn timestamps_come_out_written_as_the_systems_that_exported_them_write_them() {
    // BigQuery, PostgreSQL, JavaScript, a spreadsheet, an HTTP log, a report: each column's
    // synthetic values must take the shapes its real ones take (`2/9/2024 8:35`, not
    // `02/09/2024 08:35`; `.555Z`, not `.555031250Z`) and read back in the real pattern.
    let formats: [(&str, &str); 6] = [
        ("bigquery", "%Y-%m-%d %H:%M:%S UTC"),
        ("postgres", "%Y-%m-%d %H:%M:%S%.6f+00"),
        ("javascript", "%Y-%m-%dT%H:%M:%S%.3fZ"),
        ("spreadsheet", "%-m/%-d/%Y %-I:%M %p"),
        ("http", "%a, %d %b %Y %H:%M:%S GMT"),
        ("report", "%b %-d, %Y"),
    ];
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut csv = String::from("id");
    for (name, _) in &formats {
        csv += &format!(",{name}");
    }
    csv += "\n";
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    let start = start.and_hms_opt(0, 0, 0).expect("midnight");
    let mut real: Vec<Vec<String>> = vec![Vec::new(); formats.len()];
    for row in 0..300u32 {
        let moment = start
            + chrono::Duration::seconds(i64::from(row) * 7_919 % 5_000_000)
            + chrono::Duration::microseconds(i64::from(row) * 104_729 % 1_000_000);
        csv += &row.to_string();
        for (column, (_, pattern)) in formats.iter().enumerate() {
            let text = moment.format(pattern).to_string();
            csv += &format!(",\"{text}\"");
            real[column].push(text);
        }
        csv += "\n";
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    let schema = dir.path().join("s.yaml");
    let yaml = "tables:\n  t:\n    path: t.csv\n    primary_key: id\n";
    std::fs::write(&schema, yaml).expect("schema");
    let options = RunOptions {
        seed: Some(1),
        ..RunOptions::default()
    };
    let out = dir.path().join("out");
    dxsynth::run(&schema, &out, &options, &NoProgress).expect("runs");
    let mut reader = csv::Reader::from_path(out.join("t.csv")).expect("output");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 300);
    for (column, (name, pattern)) in formats.iter().enumerate() {
        let shapes: std::collections::HashSet<String> =
            real[column].iter().map(|text| shape(text)).collect();
        for row in &rows {
            let value = &row[column + 1];
            assert!(
                shapes.contains(&shape(value)),
                "{name}: `{value}` ({pattern})"
            );
            let read = chrono::NaiveDateTime::parse_from_str(value, pattern)
                .or_else(|_| chrono::NaiveDate::parse_from_str(value, pattern).map(|d| d.into()));
            assert!(read.is_ok(), "{name}: `{value}` does not read as {pattern}");
        }
    }
}
