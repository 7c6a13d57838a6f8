//! End to end: SQLite and Parquet as sources and targets. Every output is checked by an
//! independent reader: the `sqlite3` command-line tool (`PRAGMA foreign_key_check`) and the
//! `parquet` crate's Arrow reader.
#![cfg(all(feature = "sqlite", feature = "parquet"))]

mod common;

use common::{dxsynth_output, succeeded};
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, Time64MicrosecondType, TimestampMicrosecondType};
use arrow_schema::DataType;

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/shop.yaml")
}

/// Rows per table from the run summary ("orders  2112 rows (real 2112) -> ...").
fn summary_rows(stdout: &str) -> Vec<(String, usize)> {
    stdout
        .lines()
        .filter(|line| line.contains(" rows (real"))
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().unwrap().to_string();
            (name, words.next().unwrap().parse().unwrap())
        })
        .collect()
}

/// The `sqlite3` tool, or `None` with the reason printed (the checks it does are skipped).
fn sqlite3() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("sqlite3"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        eprintln!("skipping the sqlite3 checks: the `sqlite3` command-line tool is not on PATH");
    }
    found
}

fn sqlite3_query(tool: &Path, db: &Path, sql: &str) -> String {
    let output = Command::new(tool)
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
        row.get(0)
    })
    .unwrap()
}

#[test]
fn sqlite_out_has_every_row_and_intact_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let target = format!("sqlite:{}", db.display());
    let shop = shop();
    let stdout = succeeded(&dxsynth_output(&[
        "run",
        shop.to_str().unwrap(),
        "-o",
        &target,
        "--seed",
        "7",
    ]));
    let rows = summary_rows(&stdout);
    assert_eq!(rows.len(), 5, "{stdout}");
    for (table, expected) in &rows {
        assert_eq!(count(&db, table) as usize, *expected, "{table}");
    }
    // No temporary file is left beside the database.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
    if let Some(tool) = sqlite3() {
        assert_eq!(sqlite3_query(&tool, &db, "PRAGMA foreign_key_check"), "");
        assert_eq!(sqlite3_query(&tool, &db, "PRAGMA integrity_check"), "ok");
        let fks = sqlite3_query(
            &tool,
            &db,
            "SELECT \"from\" || '->' || \"table\" FROM pragma_foreign_key_list('orders') ORDER BY 1",
        );
        assert_eq!(fks, "customer_id->customers\nproduct_id->products");
        let types = sqlite3_query(
            &tool,
            &db,
            "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('orders')",
        );
        assert!(types.contains("order_date:DATE"), "{types}");
        assert!(types.contains("gift:BOOLEAN"), "{types}");
    }
}

#[test]
fn sqlite_existing_tables_refuse_rows_unless_truncate_and_roll_back_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let target = format!("sqlite:{}", db.display());
    let shop = shop();
    let shop = shop.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            shop,
            "-o",
            &target,
            "--model",
            "reference",
            "--seed",
            "1",
        ];
        args.extend_from_slice(extra);
        dxsynth_output(&args)
    };
    succeeded(&run(&[]));
    let before = count(&db, "orders");
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("`customers` already holds rows"),
        "{message}"
    );
    assert!(message.contains("--if-exists truncate"), "{message}");
    succeeded(&run(&["--if-exists", "truncate", "--scale", "0.5"]));
    let after = count(&db, "customers");
    assert_eq!(after, 250);
    assert_ne!(count(&db, "orders"), before);

    // A constraint the synthetic rows break halfway: the whole load is rolled back.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TABLE reviews; CREATE TABLE reviews (review_id INTEGER PRIMARY KEY, customer_id \
         INTEGER, product_id INTEGER, rating INTEGER CHECK (rating < 5), comment TEXT);",
    )
    .unwrap();
    drop(conn);
    let failed = run(&["--if-exists", "truncate"]);
    assert_eq!(failed.status.code(), Some(1));
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(message.contains("table `reviews`, row "), "{message}");
    assert!(message.contains("CHECK constraint failed"), "{message}");
    assert_eq!(
        count(&db, "customers"),
        250,
        "the earlier load is untouched"
    );
    assert_eq!(count(&db, "reviews"), 0);

    // A table outside the schema that refers to one emptied, with rows: its rows were deleted
    // with the customers they refer to (`ON DELETE CASCADE`). Refused, nothing written.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers \
         ON DELETE CASCADE, note TEXT); INSERT INTO audit SELECT customer_id, customer_id, \
         'kept' FROM customers;",
    )
    .unwrap();
    drop(conn);
    let refused = run(&["--if-exists", "truncate", "--scale", "0.4"]);
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("the table `audit`, which is not in the schema, refers to it"),
        "{message}"
    );
    assert_eq!(count(&db, "audit"), 250);
    assert_eq!(count(&db, "customers"), 250);
}

#[test]
fn sqlite_in_reads_declared_types_and_keys_come_out_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut sql = String::from(
        "CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT, founded DATE, active BOOLEAN, \
         logo BLOB);
         CREATE TABLE player (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team, \
         salary NUMERIC(10,2), code VARCHAR(8));\n",
    );
    for team in 1..=30 {
        sql += &format!(
            "INSERT INTO team VALUES ({team}, 'team {}', '20{:02}-0{}-15', {}, NULL);\n",
            team % 7,
            team % 20,
            1 + team % 9,
            team % 2
        );
        for player in 0..(team % 5) {
            sql += &format!(
                "INSERT INTO player (team_id, salary, code) VALUES ({team}, {}.50, '{:03}');\n",
                1000 + 37 * player * team,
                player
            );
        }
    }
    conn.execute_batch(&sql).unwrap();
    drop(conn);
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "source: sqlite:real.db\ntables:\n  team:\n    primary_key: id\n  player:\n    \
         primary_key: id\n    foreign_keys: {team_id: team}\n",
    )
    .unwrap();
    let validate = succeeded(&dxsynth_output(&["validate", schema.to_str().unwrap()]));
    assert!(
        validate.contains("founded datetime (%Y-%m-%d)"),
        "{validate}"
    );
    assert!(validate.contains("active boolean"), "{validate}");
    assert!(validate.contains("salary numerical"), "{validate}");
    assert!(validate.contains("code categorical"), "{validate}");
    let out = dir.path().join("out");
    let run = dxsynth_output(&[
        "run",
        schema.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--seed",
        "2",
    ]);
    succeeded(&run);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("column `logo`: type `BLOB` cannot be modelled"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("`BLOB` cannot be modelled").count(),
        1,
        "{stderr}"
    );
    // `init` reads the database twice (to infer, then to check): the warning was said twice.
    let inferred = dir.path().join("inferred.yaml");
    let db = format!("sqlite:{}", dir.path().join("real.db").display());
    let init = dxsynth_output(&["init", &db, "-o", inferred.to_str().unwrap()]);
    succeeded(&init);
    let stderr = String::from_utf8_lossy(&init.stderr);
    assert_eq!(
        stderr.matches("`BLOB` cannot be modelled").count(),
        1,
        "{stderr}"
    );
    let team = std::fs::read_to_string(out.join("team.csv")).unwrap();
    let header = team.lines().next().unwrap();
    assert_eq!(header, "id,name,founded,active,logo");
    assert!(
        team.lines()
            .skip(1)
            .all(|line| line.ends_with("true,") || line.ends_with("false,"))
    );
    let player = std::fs::read_to_string(out.join("player.csv")).unwrap();
    let salaries: Vec<&str> = player
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert!(
        salaries
            .iter()
            .all(|s| s.ends_with(".50") || s.contains('.')),
        "{salaries:?}"
    );
}

fn read_parquet(path: &Path) -> Vec<arrow_array::RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    reader.map(|batch| batch.unwrap()).collect()
}

fn int64_column(batches: &[arrow_array::RecordBatch], name: &str) -> Vec<Option<i64>> {
    primitive_column::<Int64Type>(batches, name)
}

/// The values of a column of primitive type `T` across `batches`, nulls included.
fn primitive_column<T: arrow_array::types::ArrowPrimitiveType>(
    batches: &[arrow_array::RecordBatch],
    name: &str,
) -> Vec<Option<T::Native>> {
    batches
        .iter()
        .flat_map(|batch| {
            let column = batch.column_by_name(name).unwrap();
            column.as_primitive::<T>().iter().collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn parquet_out_is_typed_compressed_and_reads_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pq");
    let shop = shop();
    let stdout = succeeded(&dxsynth_output(&[
        "run",
        shop.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "parquet",
        "--seed",
        "7",
    ]));
    let rows = summary_rows(&stdout);
    for (table, expected) in &rows {
        let batches = read_parquet(&out.join(format!("{table}.parquet")));
        let total: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(total, *expected, "{table}");
    }
    let orders = read_parquet(&out.join("orders.parquet"));
    let schema = orders[0].schema();
    let type_of = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(type_of("order_id"), DataType::Int64);
    assert_eq!(type_of("order_date"), DataType::Date32);
    assert_eq!(type_of("total"), DataType::Float64);
    assert_eq!(type_of("gift"), DataType::Boolean);
    assert!(matches!(type_of("channel"), DataType::Dictionary(_, _)));
    let file = std::fs::File::open(out.join("orders.parquet")).unwrap();
    let metadata = parquet::file::reader::SerializedFileReader::new(file).unwrap();
    let compression = parquet::file::reader::FileReader::metadata(&metadata)
        .row_group(0)
        .column(0)
        .compression();
    assert!(matches!(compression, parquet::basic::Compression::ZSTD(_)));
    // Every foreign key points at an existing primary key.
    let customers = int64_column(&read_parquet(&out.join("customers.parquet")), "customer_id");
    let max = customers.iter().flatten().max().copied().unwrap();
    let keys = int64_column(&orders, "customer_id");
    assert!(keys.iter().flatten().all(|&k| (1..=max).contains(&k)));
    assert_eq!(customers.len() as i64, max);
    // Datetimes written in whole seconds, as the real ones are (a drawn one has any fraction).
    let shipments = read_parquet(&out.join("shipments.parquet"));
    let shipped: Vec<i64> =
        (primitive_column::<TimestampMicrosecondType>(&shipments, "shipped_at"))
            .into_iter()
            .flatten()
            .collect();
    assert!(shipped.len() > 100);
    assert!(
        shipped.iter().all(|micros| micros % 1_000_000 == 0),
        "{:?}",
        &shipped[..5]
    );

    // `init` reads a folder of Parquet files as it reads CSV files.
    let init = succeeded(&dxsynth_output(&[
        "init",
        out.to_str().unwrap(),
        "--dry-run",
    ]));
    assert!(init.contains("path: orders.parquet"), "{init}");
    assert!(init.contains("customer_id: customers"), "{init}");

    // The Parquet folder as a source: same types, and a run from it works.
    let schema = dir.path().join("schema.yaml");
    let text = std::fs::read_to_string(shop.as_path()).unwrap();
    let text: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("path:"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&schema, format!("source: pq\n{text}")).unwrap();
    let validate = succeeded(&dxsynth_output(&["validate", schema.to_str().unwrap()]));
    assert!(
        validate.contains("order_date datetime (%Y-%m-%d)"),
        "{validate}"
    );
    assert!(validate.contains("gift boolean"), "{validate}");
    let again = dir.path().join("again");
    let stdout = succeeded(&dxsynth_output(&[
        "run",
        schema.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
        "--format",
        "parquet",
        "--seed",
        "7",
    ]));
    assert_eq!(summary_rows(&stdout).len(), 5);
    let batches = read_parquet(&again.join("orders.parquet"));
    assert_eq!(
        batches[0]
            .schema()
            .field_with_name("order_date")
            .unwrap()
            .data_type(),
        &DataType::Date32
    );
}

#[test]
fn bad_locations_are_argument_errors() {
    let shop = shop();
    let shop = shop.to_str().unwrap();
    let secret = dxsynth_output(&["run", shop, "-o", "postgresql://me:secret@localhost/db"]);
    assert_eq!(secret.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&secret.stderr).contains("PGPASSWORD"));
    let scheme = dxsynth_output(&["run", shop, "-o", "mysql://localhost/db"]);
    assert_eq!(scheme.status.code(), Some(2));
    let parquet_db = dxsynth_output(&["run", shop, "-o", "sqlite:x.db", "--format", "parquet"]);
    assert_eq!(parquet_db.status.code(), Some(2));
}

#[test]
fn init_reads_declared_keys_from_sqlite_and_infers_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("club.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut sql = String::from(
        "CREATE TABLE member (member_id INTEGER PRIMARY KEY, name TEXT, mentor_id INTEGER
             REFERENCES member (member_id), joined DATE);
         CREATE TABLE visit (visit_id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL
             REFERENCES member, day DATE, minutes INTEGER);
         CREATE TABLE slot (room TEXT, hour INTEGER, member_id INTEGER REFERENCES member,
             PRIMARY KEY (room, hour));
         CREATE TABLE fee (fee_id INTEGER, member_id INTEGER, amount REAL);\n",
    );
    for member in 1..=60 {
        sql += &format!(
            "INSERT INTO member VALUES ({member}, 'member {}', {}, '2023-{:02}-01');\n",
            member % 9,
            if member > 1 {
                (member - 1).to_string()
            } else {
                "NULL".into()
            },
            1 + member % 12
        );
        for visit in 0..(member % 6) {
            sql += &format!(
                "INSERT INTO visit (member_id, day, minutes) VALUES ({member}, '2024-03-{:02}', {});\n",
                1 + visit * 4,
                30 + (member * visit) % 50
            );
        }
        sql += &format!(
            "INSERT INTO slot VALUES ('r{}', {}, {member});\n",
            member % 4,
            member
        );
        sql += &format!(
            "INSERT INTO fee VALUES ({member}, {member}, {}.5);\n",
            10 + member % 7
        );
    }
    conn.execute_batch(&sql).unwrap();
    drop(conn);
    let schema = dir.path().join("club.yaml");
    let location = format!("sqlite:{}", db.display());
    let stdout = succeeded(&dxsynth_output(&[
        "init",
        &location,
        "-o",
        schema.to_str().unwrap(),
    ]));
    assert!(
        stdout.contains("4 tables, 3 primary keys, 3 foreign keys (2 declared, 1 high"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&schema).unwrap();
    assert!(text.contains("source: \"sqlite:club.db\""), "{text}");
    assert!(!text.contains("path:"), "{text}");
    assert!(
        text.contains("Declared in the database: FOREIGN KEY (member_id) REFERENCES member"),
        "{text}"
    );
    // Comments wrap: compare their words.
    let words: String = text
        .split_whitespace()
        .filter(|w| *w != "#")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("a self-reference cannot be generated"),
        "{text}"
    );
    assert!(
        words.contains("the declared primary key (room, hour) has 2 columns"),
        "{text}"
    );
    // `fee` declares nothing: its keys are inferred and commented with a confidence.
    let fee = &text[text.find("  fee:").unwrap()..];
    assert!(fee.contains("confidence"), "{text}");
    assert!(fee.contains("member_id: member"), "{text}");
    succeeded(&dxsynth_output(&["validate", schema.to_str().unwrap()]));
    let out = format!("sqlite:{}", dir.path().join("synthetic.db").display());
    succeeded(&dxsynth_output(&[
        "run",
        schema.to_str().unwrap(),
        "-o",
        &out,
        "--seed",
        "4",
    ]));
    if let Some(tool) = sqlite3() {
        let db = dir.path().join("synthetic.db");
        assert_eq!(sqlite3_query(&tool, &db, "PRAGMA foreign_key_check"), "");
        assert_eq!(
            sqlite3_query(&tool, &db, "SELECT count(*) FROM member"),
            "60"
        );
    }
}

/// SQLite stores any value in any column: an `INT` holding text becomes a categorical column
/// with the reason, and rows that break declared keys are the data's problem, said so (not "a
/// bug in init"), with every such row named.
#[test]
fn init_over_sqlite_rows_that_break_their_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, sql: &str| {
        let db = dir.path().join(name);
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(sql).unwrap();
        format!("sqlite:{}", db.display())
    };
    let mut sql = String::from("CREATE TABLE t (id INTEGER PRIMARY KEY, v INT, w REAL);\n");
    for row in 1..=30 {
        let v = if row == 2 {
            "'abc'".to_string()
        } else {
            row.to_string()
        };
        sql += &format!("INSERT INTO t VALUES ({row}, {v}, {row}.5);\n");
    }
    let text = write("text.db", &sql);
    let stdout = succeeded(&dxsynth_output(&["init", &text, "--dry-run"]));
    assert!(stdout.contains("v: categorical"), "{stdout}");
    assert!(stdout.contains("does not fit every value"), "{stdout}");
    assert!(!stdout.contains("w: categorical"), "{stdout}");

    let dangling = write(
        "keys.db",
        "PRAGMA foreign_keys = OFF;
         CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));
         INSERT INTO p VALUES (1), (2);
         INSERT INTO c VALUES (1, 1), (2, 7), (3, 9);",
    );
    let refused = dxsynth_output(&["init", &dangling, "--dry-run"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("rows break what it declares"), "{stderr}");
    assert!(!stderr.contains("a bug"), "{stderr}");
    assert!(
        stderr.contains("`p_id`") && stderr.contains("`7`"),
        "{stderr}"
    );
}

/// Text column `name` of every batch (`None`: null), after casting dictionaries away.
fn text_column(batches: &[arrow_array::RecordBatch], name: &str) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for batch in batches {
        let column = batch.column_by_name(name).expect("the column");
        assert_eq!(column.data_type(), &DataType::Utf8, "{name} is text");
        let strings = column.as_string::<i32>();
        values.extend(strings.iter().map(|value| value.map(str::to_string)));
    }
    values
}

/// Given rows keep their keys as given in a database or Parquet output too, and the generated
/// children point at them: `--given accounts=FILE` with keys `P-000`, `B-001`, ... (not
/// numbers), written to SQLite (foreign keys enforced, then checked) and to Parquet.
#[test]
fn given_rows_keep_their_keys_in_sqlite_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bank/accounts.csv"),
    )
    .unwrap();
    let mut lines = real.lines();
    let mut given = format!("{}\n", lines.next().unwrap());
    let mut keys = Vec::new();
    for (i, line) in lines.take(12).enumerate() {
        let key = format!("{}-{i:03}", if i % 2 == 0 { "P" } else { "B" });
        let rest = line.split_once(',').unwrap().1;
        given += &format!("{key},{rest}\n");
        keys.push(key);
    }
    let file = dir.path().join("my_accounts.csv");
    std::fs::write(&file, &given).unwrap();
    let bank = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/bank.yaml");
    let given_flag = format!("accounts={}", file.display());

    let db = dir.path().join("out.db");
    let db_location = format!("sqlite:{}", db.display());
    succeeded(&dxsynth_output(&[
        "run",
        bank.to_str().unwrap(),
        "-o",
        &db_location,
        "--given",
        &given_flag,
        "--seed",
        "7",
    ]));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let strings = |sql: &str| -> Vec<String> {
        let mut statement = conn.prepare(sql).unwrap();
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        strings("SELECT account_id FROM accounts ORDER BY rowid"),
        keys,
        "the given keys, as given"
    );
    let children = strings("SELECT account_id FROM transactions WHERE account_id IS NOT NULL");
    assert!(!children.is_empty(), "transactions were generated");
    assert!(
        children.iter().all(|key| keys.contains(key)),
        "every transaction points at a given account"
    );
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "no broken foreign key");

    let out = dir.path().join("parquet");
    succeeded(&dxsynth_output(&[
        "run",
        bank.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "parquet",
        "--given",
        &given_flag,
        "--seed",
        "7",
    ]));
    let accounts = text_column(&read_parquet(&out.join("accounts.parquet")), "account_id");
    assert_eq!(
        accounts,
        keys.iter().cloned().map(Some).collect::<Vec<_>>(),
        "the given keys, as given"
    );
    let children = text_column(
        &read_parquet(&out.join("transactions.parquet")),
        "account_id",
    );
    assert!(!children.is_empty());
    assert!(
        children.iter().flatten().all(|key| keys.contains(key)),
        "every transaction points at a given account"
    );
}

/// Writes one batch as a ZSTD-compressed Parquet file (the codec this build reads).
fn write_parquet(path: &Path, columns: Vec<(&str, arrow_array::ArrayRef)>) {
    let batch = arrow_array::RecordBatch::try_from_iter(columns).expect("a batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let file = std::fs::File::create(path).expect("a file");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties))
        .expect("a writer");
    writer.write(&batch).expect("written");
    writer.close().expect("closed");
}

/// Validates a one-table schema over `file`; returns the exit code and stderr.
fn validate_one(dir: &Path, file: &str, extra: &str) -> (Option<i32>, String) {
    let schema = dir.join("s.yaml");
    std::fs::write(&schema, format!("tables:\n  t:\n    path: {file}\n{extra}")).expect("yaml");
    let output = dxsynth_output(&["validate", schema.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stderr)
}

#[test]
fn a_parquet_column_named_twice_is_said_of_the_parquet_schema() {
    let dir = tempfile::tempdir().expect("a folder");
    let ids = || std::sync::Arc::new(arrow_array::Int64Array::from(vec![1, 2, 3])) as _;
    write_parquet(
        &dir.path().join("t.parquet"),
        vec![("id", ids()), ("id", ids())],
    );
    let (code, stderr) = validate_one(dir.path(), "t.parquet", "");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("column `id`, parameter `path`: the Parquet schema has this column twice"),
        "{stderr}"
    );
}

/// Column names that differ only in case are one column to SQLite: `run` and `generate` to an
/// SQLite target refuse them before any work (exit 2, every pair named, no database file),
/// where the write failed at the end with exit 1; a folder takes them.
#[test]
fn columns_that_differ_only_in_case_are_refused_for_sqlite_before_any_work() {
    let dir = tempfile::tempdir().expect("a folder");
    let mut csv = String::from("id,name,NAME,Name,n\n");
    for i in 0..40 {
        csv += &format!("{i},a{},b{},c{},{}\n", i % 3, i % 4, i % 5, i % 7);
    }
    std::fs::write(dir.path().join("t.csv"), csv).expect("csv");
    let schema = dir.path().join("s.yaml");
    std::fs::write(&schema, "tables:\n  t: {path: t.csv, primary_key: id}\n").expect("yaml");
    let schema = schema.to_str().expect("utf-8");
    let db = dir.path().join("out.db");
    let target = format!("sqlite:{}", db.display());
    let model = dir.path().join("m.dxm");
    let model = model.to_str().expect("utf-8");
    let trained = dxsynth_output(&["train", schema, "--model-file", model, "--quiet"]);
    assert!(trained.status.success());
    for args in [
        vec!["run", schema, "-o", &target, "--quiet"],
        vec!["generate", model, "-o", &target, "--quiet"],
    ] {
        let output = dxsynth_output(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        for column in ["NAME", "Name"] {
            let said = format!(
                "column `{column}`, parameter `path`: the name differs from column `name` only in case"
            );
            assert!(stderr.contains(&said), "{args:?}: {stderr}");
        }
        assert!(!db.exists(), "{args:?}: nothing written");
    }
    let folder = dir.path().join("out");
    let out = folder.to_str().expect("utf-8");
    let written = dxsynth_output(&["run", schema, "-o", out, "--quiet"]);
    assert!(written.status.success());
    assert!(folder.join("t.csv").exists());
}

/// A problem in a database table names its row, not a line of a file that does not exist: a
/// duplicate and an empty key, a dangling foreign key and a value its column cannot read.
#[test]
fn problems_in_a_database_table_name_rows_and_in_a_csv_file_lines() {
    let dir = tempfile::tempdir().expect("a folder");
    let db = dir.path().join("bad.db");
    let conn = rusqlite::Connection::open(&db).expect("a database");
    let mut sql = String::from(
        "CREATE TABLE p (id INTEGER, name TEXT);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, at TEXT);
         INSERT INTO p VALUES (1, 'a'), (2, 'b'), (2, 'c'), (NULL, 'd');\n",
    );
    for row in 1..=20 {
        let (parent, at) = if row == 7 { (9, "soon") } else { (1, "12.5") };
        sql += &format!("INSERT INTO c VALUES ({row}, {parent}, '{at}');\n");
    }
    conn.execute_batch(&sql).expect("rows");
    drop(conn);
    let schema = dir.path().join("s.yaml");
    let tables = "tables:\n  p:\n    primary_key: id\n  c:\n    primary_key: id\n    \
                  foreign_keys:\n      p_id: p\n    columns:\n      at: numerical\n";
    let source = format!("source: sqlite:{}\n", db.display());
    std::fs::write(&schema, format!("{source}{tables}")).expect("yaml");
    let stderr = refused_saying(
        &schema,
        &[
            "`2` on rows 2 and 3",
            "1 row has an empty primary key (row 4)",
            "`9` (row 7)",
            "row 7: `soon` is not a valid numerical value",
        ],
    );
    assert!(!stderr.contains("line"), "{stderr}");

    // The same rows in CSV files: lines, the header being line 1.
    std::fs::write(dir.path().join("p.csv"), "id,name\n1,a\n2,b\n2,c\n,d\n").expect("csv");
    let mut child = String::from("id,p_id,at\n");
    for row in 1..=20 {
        let (parent, at) = if row == 7 { (9, "soon") } else { (1, "12.5") };
        child += &format!("{row},{parent},{at}\n");
    }
    std::fs::write(dir.path().join("c.csv"), child).expect("csv");
    let tables = tables
        .replace("  p:\n", "  p:\n    path: p.csv\n")
        .replace("  c:\n", "  c:\n    path: c.csv\n");
    std::fs::write(&schema, tables).expect("yaml");
    let said = [
        "`2` on lines 3 and 4",
        "(line 5)",
        "`9` (line 8)",
        "line 8: `soon`",
    ];
    refused_saying(&schema, &said);
}

/// What `validate` of `schema` says, having refused it (exit 2) saying every one of `said`.
fn refused_saying(schema: &Path, said: &[&str]) -> String {
    let output = dxsynth_output(&["validate", schema.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for said in said {
        assert!(stderr.contains(said), "`{said}` in {stderr}");
    }
    stderr
}

/// A time of day stays a time in a typed output (Parquet `time64`, a database's `TIME`), not a
/// timestamp on 1970-01-01, and a Parquet time column is read back as one.
#[test]
fn times_of_day_stay_times_in_typed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,opens,closes\n");
    for id in 1..=200 {
        let (hour, minute) = (6 + id % 5, (id * 15) % 60);
        text += &format!(
            "{id},{hour:02}:{minute:02}:00,{:02}:{minute:02}:00\n",
            hour + 8
        );
    }
    std::fs::write(dir.path().join("shops.csv"), text).unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  shops:\n    path: shops.csv\n    primary_key: id\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let pq = dir.path().join("pq");
    succeeded(&dxsynth_output(&[
        "run",
        schema,
        "-o",
        pq.to_str().unwrap(),
        "--format",
        "parquet",
        "-q",
    ]));
    let batches = read_parquet(&pq.join("shops.parquet"));
    let schema_of = batches[0].schema();
    let opens = schema_of.field_with_name("opens").unwrap().data_type();
    assert_eq!(
        opens,
        &DataType::Time64(arrow_schema::TimeUnit::Microsecond)
    );
    let micros: Vec<i64> = (primitive_column::<Time64MicrosecondType>(&batches, "opens"))
        .into_iter()
        .flatten()
        .collect();
    assert!(
        micros
            .iter()
            .all(|&m| (6 * 3_600_000_000..11 * 3_600_000_000).contains(&m)),
        "{:?}",
        &micros[..5]
    );
    let db = dir.path().join("out.db");
    succeeded(&dxsynth_output(&[
        "run",
        schema,
        "-o",
        &format!("sqlite:{}", db.display()),
        "-q",
    ]));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let declared: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'shops'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(declared.contains("\"opens\" TIME"), "{declared}");
    let first: String = conn
        .query_row("SELECT opens FROM shops LIMIT 1", [], |row| row.get(0))
        .unwrap();
    assert_eq!(first.len(), 8, "{first}");
    // The Parquet file as a source: its time column is read as times of day.
    let again = dir.path().join("again.yaml");
    std::fs::write(
        &again,
        "tables:\n  shops:\n    path: pq/shops.parquet\n    primary_key: id\n",
    )
    .unwrap();
    let validate = succeeded(&dxsynth_output(&["validate", again.to_str().unwrap()]));
    assert!(validate.contains("opens datetime (%H:%M:%S)"), "{validate}");
}
