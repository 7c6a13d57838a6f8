//! A sequential table no later table reads is written in parts (`generate/parts.rs`; through
//! a temporary file past 65,536 rows) when the output is a folder of CSV or Parquet files;
//! every other path holds whole tables. Both must write the same values (CSV: the same bytes):
//! here the shop example at a scale where `shipments` (a grandchild, so its context includes its
//! grandparent) spans several parts, and the two-table bank example where `transactions` (with a
//! semantic text column, filled part by part) does, generated whole by the library and written
//! whole, against `pipeline::generate` / `generate_to`.

use std::path::{Path, PathBuf};

mod common;

use dxsynth::generate::{SyntheticTable, generate_all};
#[cfg(any(feature = "parquet", feature = "sqlite"))]
use dxsynth::pipeline::generate_to;
use dxsynth::pipeline::{GenerateOptions, TrainOptions, generate, train};
use dxsynth::progress::NoProgress;
use dxsynth::targets::{GivenFiles, RowTargets, Targets};
use dxsynth::train::Models;
use indexmap::IndexMap;

/// An example, the scale it is generated at, and its table large enough to come in parts.
struct Example {
    schema: &'static str,
    scale: f64,
    in_parts: &'static str,
}

const SHOP: Example = Example {
    schema: "shop.yaml",
    scale: 60.0,
    in_parts: "shipments",
};

const BANK: Example = Example {
    schema: "bank_two_tables.yaml",
    scale: 30.0,
    in_parts: "transactions",
};

fn schema(example: &Example) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(example.schema)
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).expect("an output file")
}

/// The example trained (seed 7) and generated whole at its scale by the library, with its
/// table large enough to come in several parts.
fn trained_and_whole(example: &Example) -> (Models, IndexMap<String, SyntheticTable>) {
    trained_and_whole_at(&schema(example), example)
}

/// [`trained_and_whole`] of the schema at `path`.
fn trained_and_whole_at(
    path: &Path,
    example: &Example,
) -> (Models, IndexMap<String, SyntheticTable>) {
    let options = TrainOptions {
        seed: Some(7),
        ..TrainOptions::default()
    };
    let models = train(path, &options, &NoProgress).expect("the example trains");
    let targets = Targets::load(
        &models,
        &RowTargets::default(),
        &GivenFiles::default(),
        example.scale,
    )
    .expect("no targets");
    let tables =
        generate_all(&models, 7, example.scale, &targets, &|_| {}).expect("generated whole");
    let rows = tables[example.in_parts].rows;
    assert!(
        rows > 2 * 65_536,
        "{rows} rows of {}: too few for parts",
        example.in_parts
    );
    (models, tables)
}

#[test]
fn tables_written_in_parts_match_tables_written_whole() {
    csv_in_parts_matches_whole(&SHOP);
}

#[test]
fn semantic_columns_filled_in_parts_match_tables_written_whole() {
    csv_in_parts_matches_whole(&BANK);
}

fn csv_in_parts_matches_whole(example: &Example) {
    csv_in_parts_matches_whole_at(&schema(example), example);
}

/// Codes each real row holds alone (kept distinct over the parts), orders shipped to the
/// customer billed in most rows (kept equal by customer), over a table in many parts.
#[test]
fn distinct_codes_and_equal_keys_in_parts_match_tables_written_whole() {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let mut customers = String::from("id,code\n");
    for id in 1..=300u32 {
        let code: String = (0..5)
            .map(|at| char::from(b'A' + ((id * 37 / 8u32.pow(at)) % 8) as u8))
            .collect();
        customers += &format!("{id},C-{code}\n");
    }
    let mut orders = String::from("id,billed_to,shipped_to,number,amount\n");
    for id in 1..=3000u32 {
        let billed = 1 + id % 300;
        let shipped = if id % 10 == 0 {
            1 + (id * 7) % 300
        } else {
            billed
        };
        let number: String = (0..7)
            .map(|at| char::from(b'A' + ((id * 4_099 / 8u32.pow(at)) % 8) as u8))
            .collect();
        orders += &format!("{id},{billed},{shipped},N{number},{}.5\n", id % 70);
    }
    let files = [("customers.csv", customers), ("orders.csv", orders)];
    let yaml = "tables:\n  customers:\n    path: customers.csv\n    primary_key: id\n  \
                orders:\n    path: orders.csv\n    primary_key: id\n    \
                foreign_keys:\n      billed_to: customers\n      shipped_to: customers\n    \
                sequence_by: billed_to\n";
    let models = planted_in_parts(dir.path(), &files, yaml, (50.0, "orders"));
    use dxsynth::model::TableModel;
    let orders = &models.tables["orders"];
    assert_eq!(
        orders.model.distinct_ids().len(),
        1,
        "order numbers kept distinct"
    );
    assert!(orders.assigned.iter().any(|key| key.equals.is_some()));
    assert_eq!(models.tables["customers"].model.distinct_ids().len(), 1);
}

/// Writes planted `files` and their schema (`yaml`) into `dir`, then the tables whole and in
/// parts at a scale where the table `in_parts` comes in several, and compares the files;
/// returns the models.
fn planted_in_parts(
    dir: &Path,
    files: &[(&str, String)],
    yaml: &str,
    (scale, in_parts): (f64, &'static str),
) -> Models {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("written");
    }
    let path = dir.join("schema.yaml");
    std::fs::write(&path, yaml).expect("written");
    let example = Example {
        schema: "",
        scale,
        in_parts,
    };
    csv_in_parts_matches_whole_at(&path, &example)
}

/// Writes the example's tables whole and in parts and compares the files; returns its models.
fn csv_in_parts_matches_whole_at(path: &Path, example: &Example) -> Models {
    let (models, tables) = trained_and_whole_at(path, example);
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let (whole, parts) = (dir.path().join("whole"), dir.path().join("parts"));
    dxsynth::output::write_all(&whole, &tables).expect("written whole");

    let options = GenerateOptions {
        seed: Some(7),
        scale: example.scale,
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
    models
}

/// Parquet files take parts too (one file kept open from a table's first part to its last, the
/// primary keys counting on across parts): what they hold, read back, is what a Parquet file
/// written from the whole table holds.
#[cfg(feature = "parquet")]
#[test]
fn parquet_files_written_in_parts_hold_what_whole_files_hold() {
    use dxsynth::location::Location;
    use dxsynth::output::target::{FileFormat, Target};

    let (models, tables) = trained_and_whole(&SHOP);
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let (whole, parts) = (dir.path().join("whole"), dir.path().join("parts"));
    let parquet = |dir: &Path| Target {
        location: Location::Folder(dir.to_path_buf()),
        format: FileFormat::Parquet,
        ..Target::csv(dir)
    };
    dxsynth::output::target::write(&parquet(&whole), &tables, &models.plan).expect("written whole");

    let options = GenerateOptions {
        seed: Some(7),
        scale: SHOP.scale,
        ..GenerateOptions::default()
    };
    generate_to(&models, &parquet(&parts), &options, &NoProgress).expect("written in parts");
    for name in tables.keys() {
        let file = format!("{name}.parquet");
        let read = |dir: &Path| {
            dxsynth::input::parquet::read(&dir.join(&file)).expect("a Parquet file read back")
        };
        let (expected, got) = (read(&whole), read(&parts));
        assert_eq!(got.header, expected.header, "{file}: header");
        assert_eq!(got.cells.len(), expected.cells.len(), "{file}: columns");
        for (column, (got, expected)) in got.cells.iter().zip(&expected.cells).enumerate() {
            assert!(got == expected, "{file}: column {column} differs");
        }
    }
}

/// An SQLite database takes a table's parts as they come, inserted in the one transaction
/// (primary keys counting on across parts): it holds what a database written from the whole
/// tables at once holds, row for row.
#[cfg(feature = "sqlite")]
#[test]
fn sqlite_databases_written_in_parts_hold_what_whole_tables_give() {
    use dxsynth::location::Location;
    use dxsynth::output::target::Target;

    let (models, tables) = trained_and_whole(&SHOP);
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let (whole, parts) = (dir.path().join("whole.db"), dir.path().join("parts.db"));
    let sqlite = |path: &Path| Target {
        location: Location::Sqlite(path.to_path_buf()),
        ..Target::csv(path)
    };
    dxsynth::output::target::write(&sqlite(&whole), &tables, &models.plan).expect("written whole");
    let options = GenerateOptions {
        seed: Some(7),
        scale: SHOP.scale,
        ..GenerateOptions::default()
    };
    generate_to(&models, &sqlite(&parts), &options, &NoProgress).expect("written in parts");
    let dump = |path: &Path, table: &str| -> Vec<String> {
        let conn = rusqlite::Connection::open(path).expect("a database");
        let mut statement = conn
            .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))
            .expect("a query");
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                let cells: Vec<String> = (0..columns)
                    .map(|at| format!("{:?}", row.get_ref(at).expect("a cell")))
                    .collect();
                Ok(cells.join("|"))
            })
            .and_then(|rows| rows.collect())
            .expect("rows")
    };
    for (name, table) in &tables {
        let (expected, got) = (dump(&whole, name), dump(&parts, name));
        assert_eq!(got.len(), table.rows, "{name}: rows");
        assert!(got == expected, "{name} differs between whole and parts");
    }
}

/// A parent held for its children keeps the columns they read and frees the others: the
/// planted lines ship one to five days after their order was placed (a rule that reads the
/// parent's `placed`), and nothing reads the orders' free-text `note`, so that column is not
/// held while the lines are drawn.
#[test]
fn a_held_parent_keeps_the_columns_its_children_read_and_only_those() {
    let dir = tempfile::tempdir().expect("temp dir");
    let day = |n: usize| {
        let (month, day) = (1 + n / 28 % 12, 1 + n % 28);
        format!("2024-{month:02}-{day:02}")
    };
    let words = [
        "parcel", "gift", "fragile", "urgent", "blue", "spare", "late", "boxed",
    ];
    let mut orders = String::from("order_id,placed,channel,note\n");
    let mut lines = String::from("line_id,order_id,shipped,quantity\n");
    let mut line_id = 0;
    for order in 1..=400 {
        let placed = (order * 7) % 300;
        let note = format!(
            "{} {} for customer {order}",
            words[order % 8],
            words[order * 3 % 8]
        );
        let channel = ["web", "store", "phone"][order % 3];
        orders.push_str(&format!("{order},{},{channel},{note}\n", day(placed)));
        for line in 0..1 + order % 4 {
            line_id += 1;
            let shipped = placed + 1 + (line * 3 + order) % 5;
            let quantity = 1 + (line + order) % 9;
            lines.push_str(&format!("{line_id},{order},{},{quantity}\n", day(shipped)));
        }
    }
    std::fs::write(dir.path().join("orders.csv"), orders).expect("orders written");
    std::fs::write(dir.path().join("lines.csv"), lines).expect("lines written");
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  orders:\n    path: orders.csv\n    primary_key: order_id\n  \
         lines:\n    path: lines.csv\n    primary_key: line_id\n    foreign_keys:\n      \
         order_id: orders\n",
    )
    .expect("schema written");
    let options = TrainOptions {
        seed: Some(7),
        ..TrainOptions::default()
    };
    let models = train(&schema, &options, &NoProgress).expect("the planted tables train");
    let read = dxsynth::generate::columns_read(&models);
    let held = &read["orders"];
    let column = |name: &str| {
        let columns = &models.tables["orders"].columns;
        let index = columns.iter().position(|c| c.name == name);
        held[index.expect("a modelled column")]
    };
    assert!(column("placed"), "the lines' rule reads it: {held:?}");
    assert!(!column("note"), "nothing reads it: {held:?}");
    let lines = models
        .plan
        .order
        .iter()
        .position(|plan| plan.table == "lines");
    let after = dxsynth::generate::columns_read_after_draw(&models, lines.expect("planned"));
    let still = after.get("orders").cloned().unwrap_or_default();
    assert!(
        !still.iter().any(|&read| read),
        "once the lines are drawn, nothing reads the orders' columns: {still:?}"
    );
}

/// Bookings grouped by guest (so written in parts, not put in another order) whose room is
/// assigned: every real nightly rate is within a tenth of its room's base rate and a room's
/// stays never overlap. Both rules move rooms once assigned; written in parts, they read the
/// few columns they need back from the store, so the file is the one written whole, and the
/// rules hold in it.
#[test]
fn rooms_assigned_in_parts_keep_their_rates_and_stays_apart() {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let mut uniform = common::uniform(12_345);
    let mut next = |below: u64| (uniform() * below as f64) as u64;
    let guests: String = (1..=300).map(|id| format!("{id},G{id:04}\n")).collect();
    let base: Vec<u64> = (0..200).map(|_| 5_000 + next(25_000)).collect();
    let rooms: String = (base.iter().enumerate())
        .map(|(room, cents)| format!("{},{}.{:02}\n", room + 1, cents / 100, cents % 100))
        .collect();
    let mut stays = Vec::new();
    for (room, &cents) in base.iter().enumerate() {
        let mut day = next(30);
        for _ in 0..10 {
            let nights = 1 + next(6);
            let rate = cents * (90 + next(21)) / 100;
            stays.push((1 + next(300), room + 1, day, day + nights, rate));
            day += nights + 10 + next(60);
        }
    }
    stays.sort_by_key(|&(guest, _, check_in, ..)| (guest, check_in));
    let mut bookings = String::from("id,guest_id,room_id,check_in,check_out,rate\n");
    let date = |day: u64| {
        let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date");
        (start + chrono::Days::new(day)).to_string()
    };
    for (id, &(guest, room, check_in, check_out, rate)) in stays.iter().enumerate() {
        let (check_in, check_out, id) = (date(check_in), date(check_out), id + 1);
        let rate = format!("{}.{:02}", rate / 100, rate % 100);
        bookings += &format!("{id},{guest},{room},{check_in},{check_out},{rate}\n");
    }
    let files = [
        ("guests.csv", format!("id,name\n{guests}")),
        ("rooms.csv", format!("id,base_rate\n{rooms}")),
        ("bookings.csv", bookings),
    ];
    let yaml = "tables:\n  guests:\n    path: guests.csv\n    primary_key: id\n  \
                rooms:\n    path: rooms.csv\n    primary_key: id\n  \
                bookings:\n    path: bookings.csv\n    primary_key: id\n    \
                foreign_keys:\n      guest_id: guests\n      room_id: rooms\n    \
                sequence_by: guest_id\n";
    let models = planted_in_parts(dir.path(), &files, yaml, (70.0, "bookings"));
    let room = &models.tables["bookings"].assigned[0];
    assert!(room.fits.is_some(), "rates learned: {:?}", room.fits);
    assert!(room.apart.is_some(), "stays apart learned");
}
