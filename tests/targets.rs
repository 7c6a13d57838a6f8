//! `--rows TABLE=N` and `--given TABLE=FILE` end to end, through the built binary: exact row
//! counts with intact keys; given rows written verbatim, their children generated for them (keys,
//! counts in the real range, the planted premium -> more transactions pattern); bad requests and
//! bad given files refused with exit code 2, the table and column named, nothing written.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use common::{Csv, assert_intact, children_per_parent, dxsynth, example, mean};
use tempfile::TempDir;

const SEED: &str = "2026";

/// Runs the binary and expects success.
fn ok(args: &[&str]) {
    let (code, stdout, stderr) = dxsynth(args);
    assert_eq!(
        code, 0,
        "dxsynth {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

/// Runs the binary and expects exit code 2 and no output folder; returns stderr.
fn refused(args: &[&str], out: &Path) -> String {
    let (code, _, stderr) = dxsynth(args);
    assert_eq!(code, 2, "dxsynth {args:?}\nstderr:\n{stderr}");
    assert!(!out.exists(), "nothing is written when refused");
    stderr
}

fn path(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

fn read(dir: &Path, table: &str) -> Csv {
    Csv::read(&dir.join(format!("{table}.csv")))
}

/// Writes rows as CSV the way the test data is written (`\n`, minimal quoting).
fn write_csv(file: &Path, header: &[String], rows: &[Vec<String>]) {
    let mut writer = csv::Writer::from_path(file).expect("create a CSV");
    writer.write_record(header).expect("write the header");
    for row in rows {
        writer.write_record(row).expect("write a row");
    }
    writer.flush().expect("flush");
}

#[test]
fn rows_gives_exact_counts_and_intact_keys() {
    let dir = TempDir::new().expect("temporary folder");
    let shop = example("schemas/shop.yaml");
    let out = dir.path().join("shop");
    let rows = "customers=77,products=33";
    ok(&[
        "run",
        path(&shop),
        "-o",
        path(&out),
        "--seed",
        SEED,
        "--quiet",
        "--rows",
        rows,
        "--rows",
        "reviews=250",
    ]);
    assert_eq!(read(&out, "customers").rows.len(), 77);
    assert_eq!(read(&out, "products").rows.len(), 33);
    // `reviews` is generated without a parent (`sequential: false`), so it can be counted.
    assert_eq!(read(&out, "reviews").rows.len(), 250);
    // Children follow their parents: about 4.2 orders per customer as in the real data.
    let orders = read(&out, "orders").rows.len() as f64 / 77.0;
    assert!((2.5..6.0).contains(&orders), "{orders} orders per customer");
    assert_intact(&shop, &out);

    // The same from a model file, with --tables: the counted table is a needed parent.
    let model = dir.path().join("shop.dxsynth");
    ok(&[
        "train",
        path(&shop),
        "-m",
        path(&model),
        "--seed",
        SEED,
        "--quiet",
    ]);
    let some = dir.path().join("some");
    ok(&[
        "generate",
        path(&model),
        "-o",
        path(&some),
        "--quiet",
        "--tables",
        "orders",
        "--rows",
        "customers=40",
    ]);
    assert_eq!(read(&some, "customers").rows.len(), 40);
    assert_eq!(read(&some, "products").rows.len(), 120);
    assert!(!some.join("reviews.csv").exists());
    let customers = read(&some, "customers");
    let parents: HashSet<&str> = customers.column("customer_id").into_iter().collect();
    let expected: HashSet<String> = (1..=40).map(|k| k.to_string()).collect();
    assert_eq!(parents, expected.iter().map(String::as_str).collect());
    let orders = read(&some, "orders");
    assert!(
        orders
            .column("customer_id")
            .iter()
            .all(|k| parents.contains(k)),
        "every order belongs to one of the 40 customers"
    );
}

#[test]
fn rows_of_a_child_table_or_an_unknown_one_are_refused() {
    let dir = TempDir::new().expect("temporary folder");
    let shop = example("schemas/shop.yaml");
    let out = dir.path().join("out");
    // `run` of the shop with these `--rows` flags, refused.
    let refused_rows = |rows: &[&str]| {
        let mut args = vec!["run", path(&shop), "-o", path(&out), "--quiet"];
        for value in rows {
            args.extend(["--rows", value]);
        }
        refused(&args, &out)
    };
    let stderr = refused_rows(&["shipments=10,nope=3"]);
    assert!(stderr.contains("--rows"), "{stderr}");
    assert!(stderr.contains("table `shipments`"), "{stderr}");
    assert!(
        stderr.contains("set the rows of `customers` instead"),
        "the root ancestor is named: {stderr}"
    );
    assert!(stderr.contains("table `nope`"), "{stderr}");
    // An escape code in a name is shown, not sent to the terminal.
    let escaped = refused_rows(&["cust\u{1b}[2Jomers=5"]);
    assert!(escaped.contains("table `cust\\u{1b}[2Jomers`"), "{escaped}");
    assert!(!escaped.contains('\u{1b}'), "{escaped:?}");
    let twice = refused_rows(&["customers=1", "customers=2"]);
    assert!(twice.contains("table `customers`"), "{twice}");
}

/// The first `n` real accounts with fresh non-numeric keys, half premium and half basic.
fn given_accounts(n: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let real = Csv::read(&example("testdata/bank/accounts.csv"));
    let tier = real.header.iter().position(|h| h == "tier").expect("tier");
    let rows = real.rows[..n]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut row = row.clone();
            let premium = i % 2 == 0;
            row[0] = format!("{}-{i:03}", if premium { "P" } else { "B" });
            row[tier] = if premium { "premium" } else { "basic" }.to_string();
            row
        })
        .collect();
    (real.header, rows)
}

/// Transactions per given account, by key.
fn transactions_per_account(out: &Path, keys: &[&str]) -> HashMap<String, f64> {
    let transactions = read(out, "transactions");
    let counts = children_per_parent(keys, &transactions.column("account_id"));
    keys.iter().map(|k| k.to_string()).zip(counts).collect()
}

/// Mean transactions of premium given accounts over basic ones.
fn premium_ratio(counts: &HashMap<String, f64>) -> f64 {
    let pick = |prefix: &str| -> Vec<f64> {
        counts
            .iter()
            .filter(|(key, _)| key.starts_with(prefix))
            .map(|(_, count)| *count)
            .collect()
    };
    mean(&pick("P")) / mean(&pick("B")).max(1e-9)
}

#[test]
fn given_parents_are_written_verbatim_and_get_children_like_real_ones() {
    let dir = TempDir::new().expect("temporary folder");
    let (header, rows) = given_accounts(80);
    let given = dir.path().join("my_accounts.csv");
    write_csv(&given, &header, &rows);
    let bank = example("schemas/bank.yaml");
    let flag = format!("accounts={}", path(&given));
    let mut ratios = HashMap::new();
    for model in ["learned", "reference"] {
        let out = dir.path().join(model);
        ok(&[
            "run",
            path(&bank),
            "-o",
            path(&out),
            "--seed",
            SEED,
            "--quiet",
            "--model",
            model,
            "--given",
            &flag,
        ]);
        assert_eq!(
            std::fs::read(out.join("accounts.csv")).expect("accounts written"),
            std::fs::read(&given).expect("given file"),
            "the given rows are written byte for byte"
        );
        let keys: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
        // children_per_parent panics on a key that is not a given account.
        let counts = transactions_per_account(&out, &keys);
        let loans = read(&out, "loans");
        children_per_parent(&keys, &loans.column("account_id"));
        let real = Csv::read(&example("testdata/bank/accounts.csv"));
        let real_transactions = Csv::read(&example("testdata/bank/transactions.csv"));
        let real_counts = children_per_parent(
            &real.column("account_id"),
            &real_transactions.column("account_id"),
        );
        let max = real_counts.iter().copied().fold(0.0, f64::max);
        assert!(
            counts.values().all(|&count| count <= max),
            "{model}: transactions per given account within the real range 0..={max}"
        );
        ratios.insert(model, premium_ratio(&counts));
    }
    // Real data: premium accounts have 3.17 times the transactions of basic ones.
    assert!(
        ratios["learned"] > 2.0,
        "premium given accounts get more transactions: ratio {}",
        ratios["learned"]
    );
    assert!(
        ratios["reference"] < 1.5,
        "the reference model keeps no parent -> child pattern: ratio {}",
        ratios["reference"]
    );
}

#[test]
fn given_child_rows_point_at_generated_parents_and_work_from_a_model_file() {
    let dir = TempDir::new().expect("temporary folder");
    let model = dir.path().join("bank.dxsynth");
    let bank = example("schemas/bank.yaml");
    ok(&[
        "train",
        path(&bank),
        "-m",
        path(&model),
        "--seed",
        SEED,
        "--quiet",
    ]);
    let loans = dir.path().join("loans.csv");
    let header = [
        "loan_id",
        "account_id",
        "amount",
        "term_months",
        "start_date",
        "status",
    ];
    let header: Vec<String> = header.map(String::from).to_vec();
    let row = |id: &str, account: &str| -> Vec<String> {
        [id, account, "25000.00", "36", "01/02/2021", "current"]
            .map(String::from)
            .to_vec()
    };
    write_csv(
        &loans,
        &header,
        &[row("L-1", "1"), row("L-2", "20"), row("L-3", "")],
    );
    let out = dir.path().join("out");
    let flag = format!("loans={}", path(&loans));
    ok(&[
        "generate",
        path(&model),
        "-o",
        path(&out),
        "--quiet",
        "--tables",
        "loans",
        "--rows",
        "accounts=20",
        "--given",
        &flag,
    ]);
    assert_eq!(
        std::fs::read(out.join("loans.csv")).expect("loans written"),
        std::fs::read(&loans).expect("given file")
    );
    assert_eq!(read(&out, "accounts").rows.len(), 20);
    assert!(!out.join("transactions.csv").exists());

    // With 19 accounts, key 20 points nowhere.
    let short = dir.path().join("short");
    let stderr = refused(
        &[
            "generate",
            path(&model),
            "-o",
            path(&short),
            "--quiet",
            "--rows",
            "accounts=19",
            "--given",
            &flag,
        ],
        &short,
    );
    assert!(stderr.contains("--given"), "{stderr}");
    assert!(stderr.contains("column `account_id`"), "{stderr}");
    assert!(stderr.contains("`20` (line 3)"), "{stderr}");
    assert!(stderr.contains("1..19"), "{stderr}");
}

#[test]
fn bad_given_files_are_refused_with_the_column_named() {
    let dir = TempDir::new().expect("temporary folder");
    let (mut header, mut rows) = given_accounts(5);
    // A missing column (balance), an extra one (colour), a value of the wrong type, a
    // repeated primary key: all reported at once.
    let balance = header.iter().position(|h| h == "balance").expect("balance");
    header[balance] = "colour".to_string();
    let income = header.iter().position(|h| h == "income").expect("income");
    rows[2][income] = "plenty".to_string();
    rows[4][0] = rows[3][0].clone();
    let given = dir.path().join("bad.csv");
    write_csv(&given, &header, &rows);
    let out = dir.path().join("out");
    let flag = format!("accounts={}", path(&given));
    let bank = example("schemas/bank.yaml");
    let stderr = refused(
        &[
            "run",
            path(&bank),
            "-o",
            path(&out),
            "--quiet",
            "--given",
            &flag,
        ],
        &out,
    );
    for expected in [
        "--given",
        "4 problems found",
        "column `balance`",
        "column `colour`",
        "column `income`",
        "`plenty`",
        "column `account_id`",
    ] {
        assert!(stderr.contains(expected), "`{expected}` in:\n{stderr}");
    }
    // A table both counted and given, and a given table that does not exist.
    let stderr = refused(
        &[
            "run",
            path(&bank),
            "-o",
            path(&out),
            "--quiet",
            "--given",
            &flag,
            "--rows",
            "accounts=3",
        ],
        &out,
    );
    assert!(stderr.contains("table `accounts`"), "{stderr}");
    let missing = format!("nope={}", path(&given));
    let stderr = refused(
        &[
            "run",
            path(&bank),
            "-o",
            path(&out),
            "--quiet",
            "--given",
            &missing,
        ],
        &out,
    );
    assert!(stderr.contains("table `nope`"), "{stderr}");
}

/// A table asked for no rows that a table with rows refers to through an assigned key (the
/// non-sequential `reviews`, or `orders`, generated per customer, for products) is refused,
/// naming it and the table referring to it; with no rows for the referring table it is fine.
#[test]
fn no_rows_for_a_table_others_point_at_is_refused() {
    let dir = TempDir::new().expect("temporary folder");
    let shop = example("schemas/shop.yaml");
    let out = dir.path().join("out");
    let run = |rows: &str| {
        vec![
            "run".to_string(),
            path(&shop).to_string(),
            "-o".to_string(),
            path(&out).to_string(),
            "--quiet".to_string(),
            "--rows".to_string(),
            rows.to_string(),
        ]
    };
    let args = run("customers=20,products=0");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stderr = refused(&args, &out);
    assert!(stderr.contains("table `products`"), "{stderr}");
    assert!(
        stderr.contains("`orders`") && stderr.contains("`reviews`"),
        "{stderr}"
    );
    let args = run("customers=0,products=5,reviews=0");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args);
    assert_intact(&shop, &out);
}

/// Rows given for a table a kept lookup table refers to (as TPC-H `nation` refers to `region`)
/// are refused, naming the kept table: its real keys would point at rows not given (they came
/// out empty). Given rows for both are fine.
#[test]
fn given_rows_under_a_kept_table_are_refused() {
    let dir = TempDir::new().expect("temporary folder");
    let data = dir.path();
    std::fs::write(
        data.join("regions.csv"),
        "region_id,name\n1,North\n2,South\n3,East\n",
    )
    .expect("write");
    let mut countries = String::from("country_id,region_id,name\n");
    for (id, name) in ["Avalon", "Brela", "Corvia", "Dunmor", "Estra", "Farrow"]
        .iter()
        .enumerate()
    {
        countries.push_str(&format!("{},{},{name}\n", id + 1, id % 3 + 1));
    }
    std::fs::write(data.join("countries.csv"), &countries).expect("write");
    let mut people = String::from("person_id,country_id,age\n");
    for id in 1..=120 {
        people.push_str(&format!("{id},{},{}\n", id % 6 + 1, 20 + id % 50));
    }
    std::fs::write(data.join("people.csv"), people).expect("write");
    let schema = data.join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  regions: {path: regions.csv, primary_key: region_id}\n  \
         countries: {path: countries.csv, primary_key: country_id, foreign_keys: {region_id: regions}}\n  \
         people: {path: people.csv, primary_key: person_id, foreign_keys: {country_id: countries}}\n",
    )
    .expect("write");
    std::fs::write(data.join("mine.csv"), "region_id,name\nA,Atlantis\n").expect("write");
    let out = data.join("out");
    let given = format!("regions={}", path(&data.join("mine.csv")));
    let run = ["run", path(&schema), "-o", path(&out), "--quiet"];
    let stderr = refused(&[&run[..], &["--given", &given]].concat(), &out);
    assert!(stderr.contains("--given"), "{stderr}");
    assert!(
        stderr.contains("table `regions`") && stderr.contains("`countries` is kept"),
        "{stderr}"
    );
    let mine = data.join("countries_mine.csv");
    std::fs::write(&mine, "country_id,region_id,name\nX,A,Xanadu\n").expect("write");
    let both = format!("countries={}", path(&mine));
    ok(&[&run[..], &["--given", &given, "--given", &both]].concat());
    assert_eq!(read(&out, "countries").column("region_id"), vec!["A"]);
}
