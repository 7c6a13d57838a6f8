//! End-to-end tests of `dxsynth validate` (and of `dxsynth run` on invalid input): every rule of
//! DESIGN.md's validation list, run through the built binary on files written by each test.
//!
//! Each problem is printed on one line of stderr as
//! "table `t`, column `c`, parameter `p`: message", so a rule's test looks for a line that holds
//! that place and the details the message must give (counts, examples, line numbers).

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

/// A temporary folder holding the given files. YAML files are written de-indented (see
/// [`dedent`]) so schemas can be written as indented blocks inside the tests.
fn fixture(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("temporary folder");
    for (name, text) in files {
        let text = if name.ends_with(".yaml") {
            dedent(text)
        } else {
            text.to_string()
        };
        write(&dir, name, text.as_bytes());
    }
    dir
}

/// Writes raw bytes (for files that are not valid text).
fn write(dir: &TempDir, name: &str, bytes: &[u8]) {
    std::fs::write(dir.path().join(name), bytes).expect("write fixture file");
}

/// Runs the binary from outside the fixture (so paths must resolve against the schema's folder);
/// returns the exit code, stdout and stderr.
fn dxsynth(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dxsynth"))
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run dxsynth");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `dxsynth validate DIR/schema.yaml`.
fn validate(dir: &TempDir) -> (i32, String, String) {
    dxsynth(&["validate", &schema_path(dir)])
}

fn schema_path(dir: &TempDir) -> String {
    dir.path().join("schema.yaml").display().to_string()
}

/// Validates and expects exit code 2; returns stderr.
fn invalid(dir: &TempDir) -> String {
    let (code, stdout, stderr) = validate(dir);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    stderr
}

/// Asserts that one line of `stderr` holds `place` and every fragment.
fn assert_reported(stderr: &str, place: &str, fragments: &[&str]) {
    let found = stderr
        .lines()
        .any(|line| line.contains(place) && fragments.iter().all(|f| line.contains(f)));
    assert!(
        found,
        "no line with {place:?} and {fragments:?} in stderr:\n{stderr}"
    );
}

/// Removes a leading newline and the indentation common to all non-blank lines.
fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|line| line.get(indent..).unwrap_or("").to_string() + "\n")
        .collect()
}

const ACCOUNTS: &str = "account_id,district,opened\n\
                        1,north,2020-01-05\n\
                        2,south,2020-02-11\n\
                        3,north,2020-03-20\n";

const TRANSACTIONS: &str = "transaction_id,account_id,amount,date\n\
                            1,1,10.5,2021-01-01\n\
                            2,1,-3.25,2021-01-02\n\
                            3,2,99.0,2021-01-03\n\
                            4,3,7.0,2021-01-04\n";

const BRANCHES: &str = "branch_id,city\n1,Prague\n2,Brno\n";

const LOANS: &str = "loan_id,account_id,branch_id,amount\n1,1,1,1000\n2,2,2,2500\n3,3,1,400\n";

/// The valid two-table schema the rule tests start from.
const BANK: &str = "
    tables:
      accounts:
        path: accounts.csv
        primary_key: account_id
      transactions:
        path: transactions.csv
        primary_key: transaction_id
        foreign_keys: {account_id: accounts}
        order_by: date
";

/// accounts.csv and transactions.csv with the given schema.
fn bank(schema: &str) -> TempDir {
    fixture(&[
        ("schema.yaml", schema),
        ("accounts.csv", ACCOUNTS),
        ("transactions.csv", TRANSACTIONS),
    ])
}

/// The bank schema with transactions.csv replaced.
fn bank_with_transactions(csv: &str) -> TempDir {
    fixture(&[
        ("schema.yaml", BANK),
        ("accounts.csv", ACCOUNTS),
        ("transactions.csv", csv),
    ])
}

// ---------------------------------------------------------------------------------------------
// Valid input and output formats
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_schema_exits_zero_and_prints_the_generation_order() {
    // The child is written first: the order must still put the parent first.
    let dir = bank(
        "
        tables:
          transactions:
            path: transactions.csv
            primary_key: transaction_id
            foreign_keys: {account_id: accounts}
          accounts:
            path: accounts.csv
            primary_key: account_id
        ",
    );
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("generation order:"), "{stdout}");
    let accounts = stdout.find("1. accounts").expect(&stdout);
    let transactions = stdout.find("2. transactions").expect(&stdout);
    assert!(accounts < transactions, "{stdout}");
    assert!(
        stdout.contains("transactions.account_id -> accounts"),
        "{stdout}"
    );
}

#[test]
fn json_output_of_an_invalid_schema_lists_the_problems() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions: {path: transactions.csv, foreign_keys: {acount_id: accounts}}
        ",
    );
    let (code, stdout, stderr) = dxsynth(&["validate", &schema_path(&dir), "--format", "json"]);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(json["valid"], false, "{json}");
    let problems = json["problems"].as_array().expect("problems array");
    let missing = problems
        .iter()
        .find(|p| p["column"] == "acount_id")
        .expect(&stdout);
    assert_eq!(missing["table"], "transactions", "{missing}");
    assert_eq!(missing["parameter"], "foreign_keys", "{missing}");
    assert!(missing["message"].as_str().unwrap().contains("account_id"));
}

#[test]
fn json_output_of_a_valid_schema_lists_the_tables() {
    let dir = bank(BANK);
    let (code, stdout, stderr) = dxsynth(&["validate", &schema_path(&dir), "--format", "json"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(json["valid"], true, "{json}");
    let tables = json["tables"].as_array().expect("tables array");
    let names: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["accounts", "transactions"]);
}

// ---------------------------------------------------------------------------------------------
// Schema rules
// ---------------------------------------------------------------------------------------------

#[test]
fn rule_01_unknown_key_is_named_with_its_line() {
    let dir = bank(
        "
        tables:
          accounts:
            path: accounts.csv
            primry_key: account_id
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(&stderr, "primry_key", &["accounts", "line 4"]);
}

#[test]
fn a_model_file_given_as_the_model_kind_points_at_its_flag() {
    // `train --model m.dxsynth` said only "unknown model" (available: learned, reference).
    let dir = bank(BANK);
    let schema = dir.path().join("schema.yaml");
    let model = dir.path().join("m.dxsynth");
    let (code, _, stderr) = dxsynth(&[
        "train",
        schema.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("-m/--model-file"), "{stderr}");
    let (_, _, stderr) = dxsynth(&["train", schema.to_str().unwrap(), "--model", "lerned"]);
    assert!(!stderr.contains("--model-file"), "{stderr}");
}

#[test]
fn rule_01_a_tab_in_the_indentation_is_named_as_such() {
    // YAML's own words were "found character that cannot start any token", no more.
    let dir = bank("tables:\n  accounts:\n\tpath: accounts.csv\n");
    write(
        &dir,
        "schema.yaml",
        b"tables:\n  accounts:\n\tpath: accounts.csv\n",
    );
    let stderr = invalid(&dir);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("never tabs"), "{stderr}");
}

/// Every misspelt key is reported at once (serde stops at the first), each with its table,
/// column, line and the key meant.
#[test]
fn rule_01_every_unknown_key_is_reported_at_once() {
    let dir = bank(
        "
        sed: 3
        tables:
          accounts:
            path: accounts.csv
            primry_key: account_id
            rules: {ad: [\"balance <= balance\"]}
            columns:
              balance: {typ: numerical}
          transactions:
            path: transactions.csv
            foreign_key: {account_id: accounts}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(&stderr, "`sed`", &["line 1", "`seed`"]);
    assert_reported(
        &stderr,
        "table `accounts`, parameter `primry_key`",
        &["line 5", "`primary_key`"],
    );
    assert_reported(
        &stderr,
        "table `accounts`, parameter `rules.ad`",
        &["line 6", "`add`"],
    );
    assert_reported(
        &stderr,
        "table `accounts`, column `balance`, parameter `columns.typ`",
        &["line 8", "`type`"],
    );
    assert_reported(
        &stderr,
        "table `transactions`, parameter `foreign_key`",
        &["line 11", "`foreign_keys`"],
    );
}

/// A misspelt key does not hide the schema's other problems: they are found in the schema
/// read without it, and reported with it.
#[test]
fn rule_01_a_misspelt_key_is_reported_with_the_other_problems() {
    let dir = bank(
        "
        tables:
          accounts:
            path: accounts.csv
            primary_key: account_id
            sequental: false
          transactions:
            path: transactions.csv
            foreign_keys: {account_id: acounts}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, parameter `sequental`",
        &["line 5", "`sequential`"],
    );
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["`acounts` is not in the schema"],
    );
    assert!(stderr.contains("2 problems found"), "{stderr}");
}

/// `Orders` and `orders` would be one file on macOS or Windows (the second replacing the first)
/// and one table in a database.
#[test]
fn rule_01_table_names_differing_only_in_case_are_refused() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          Accounts: {path: accounts.csv, primary_key: account_id}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `Accounts`, parameter `tables`",
        &["`accounts`", "only in case"],
    );
}

#[test]
fn rule_02_foreign_key_to_a_table_not_in_the_schema() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions: {path: transactions.csv, foreign_keys: {account_id: acounts}}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["`acounts` is not in the schema"],
    );
}

#[test]
fn rule_03_parent_without_primary_key() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv}
          transactions: {path: transactions.csv, foreign_keys: {account_id: accounts}}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["`accounts` has no `primary_key`"],
    );
}

#[test]
fn rule_04_named_columns_must_exist_in_the_csv_header() {
    let cases = [
        (
            "primary_key",
            "tables:\n  accounts: {path: accounts.csv, primary_key: acount_id}\n",
            "table `accounts`, column `acount_id`, parameter `primary_key`",
            "account_id",
        ),
        (
            "foreign_keys",
            "tables:\n  accounts: {path: accounts.csv, primary_key: account_id}\n  \
             transactions: {path: transactions.csv, foreign_keys: {acount_id: accounts}}\n",
            "table `transactions`, column `acount_id`, parameter `foreign_keys`",
            "account_id",
        ),
        (
            "sequence_by",
            "tables:\n  accounts: {path: accounts.csv, primary_key: account_id}\n  \
             transactions: {path: transactions.csv, foreign_keys: {acount_id: accounts}, \
             sequence_by: acount_id}\n",
            "table `transactions`, column `acount_id`, parameter `sequence_by`",
            "account_id",
        ),
        (
            "order_by",
            "tables:\n  accounts: {path: accounts.csv, primary_key: account_id}\n  \
             transactions: {path: transactions.csv, foreign_keys: {account_id: accounts}, \
             order_by: dat}\n",
            "table `transactions`, column `dat`, parameter `order_by`",
            "date",
        ),
        (
            "columns",
            "tables:\n  accounts: {path: accounts.csv, primary_key: account_id}\n  \
             transactions: {path: transactions.csv, foreign_keys: {account_id: accounts}, \
             columns: {amont: numerical}}\n",
            "table `transactions`, column `amont`, parameter `columns`",
            "amount",
        ),
    ];
    for (parameter, schema, place, suggestion) in cases {
        let stderr = invalid(&bank(schema));
        let hint = format!("did you mean `{suggestion}`?");
        assert!(stderr.contains(parameter), "{parameter}: {stderr}");
        assert_reported(&stderr, place, &["no such column", &hint]);
    }
}

#[test]
fn rule_05_column_both_primary_and_foreign_key() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions:
            path: transactions.csv
            primary_key: account_id
            foreign_keys: {account_id: accounts}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `primary_key`",
        &["both the primary key and a foreign key"],
    );
}

#[test]
fn rule_06_table_referencing_itself() {
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              employees:
                path: employees.csv
                primary_key: employee_id
                foreign_keys: {manager_id: employees}
            ",
        ),
        (
            "employees.csv",
            "employee_id,manager_id,salary\n1,,100\n2,1,80\n",
        ),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `employees`, column `manager_id`, parameter `foreign_keys`",
        &["references itself"],
    );
}

#[test]
fn rule_07_dependency_cycle_names_its_tables() {
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              authors: {path: authors.csv, primary_key: id, foreign_keys: {review_id: reviews}}
              books: {path: books.csv, primary_key: id, foreign_keys: {author_id: authors}}
              reviews: {path: reviews.csv, primary_key: id, foreign_keys: {book_id: books}}
              shelves: {path: shelves.csv, primary_key: id}
            ",
        ),
        ("authors.csv", "id,review_id,name\n1,1,Ann\n"),
        ("books.csv", "id,author_id,title\n1,1,Dune\n"),
        ("reviews.csv", "id,book_id,stars\n1,1,5\n"),
        ("shelves.csv", "id,room\n1,hall\n"),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "parameter `foreign_keys`",
        &["cycle", "authors", "books", "reviews"],
    );
    let cycle_line = stderr.lines().find(|l| l.contains("cycle")).unwrap();
    assert!(!cycle_line.contains("shelves"), "{cycle_line}");
}

/// accounts, branches and loans (two foreign keys) with the given loans definition.
fn loans(definition: &str) -> TempDir {
    let schema = format!(
        "tables:\n  accounts: {{path: accounts.csv, primary_key: account_id}}\n  \
         branches: {{path: branches.csv, primary_key: branch_id}}\n  loans: {definition}\n"
    );
    fixture(&[
        ("schema.yaml", &schema),
        ("accounts.csv", ACCOUNTS),
        ("branches.csv", BRANCHES),
        ("loans.csv", LOANS),
    ])
}

#[test]
fn loans_fixture_is_valid_with_sequence_by() {
    let dir = loans(
        "{path: loans.csv, primary_key: loan_id, \
         foreign_keys: {account_id: accounts, branch_id: branches}, sequence_by: account_id}",
    );
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
}

#[test]
fn rule_08_several_foreign_keys_need_sequence_by() {
    let dir = loans(
        "{path: loans.csv, primary_key: loan_id, \
         foreign_keys: {account_id: accounts, branch_id: branches}}",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `loans`, parameter `sequence_by`",
        &["account_id, branch_id", "sequential: false"],
    );
}

#[test]
fn rule_09_sequence_by_must_be_a_foreign_key() {
    let dir = loans(
        "{path: loans.csv, primary_key: loan_id, \
         foreign_keys: {account_id: accounts, branch_id: branches}, sequence_by: amount}",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `loans`, column `amount`, parameter `sequence_by`",
        &["foreign keys", "account_id, branch_id"],
    );
}

#[test]
fn rule_10_sequence_by_and_sequential_false_are_exclusive() {
    let dir = loans(
        "{path: loans.csv, primary_key: loan_id, sequential: false, \
         foreign_keys: {account_id: accounts, branch_id: branches}, sequence_by: account_id}",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `loans`, column `account_id`, parameter `sequence_by`",
        &["mutually exclusive"],
    );
}

#[test]
fn rule_16_table_name_with_invalid_characters() {
    let dir = bank(
        "
        tables:
          bank-accounts: {path: accounts.csv, primary_key: account_id}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `bank-accounts`, parameter `tables`",
        &["letters, digits and `_`"],
    );
}

/// A name too long for a file name (`run` failed at the end with "File name too long" where
/// `validate` had passed); 200 bytes still pass.
#[test]
fn rule_16_table_name_too_long_for_a_file() {
    let long = "a".repeat(201);
    let dir = bank(&format!(
        "
        tables:
          {long}: {{path: accounts.csv, primary_key: account_id}}
          {}: {{path: transactions.csv}}
        ",
        "b".repeat(200)
    ));
    let stderr = invalid(&dir);
    // A name past 200 characters is printed cut, with its length.
    let cut = format!("{}... (201 characters)", "a".repeat(100));
    assert_reported(
        &stderr,
        &format!("table `{cut}`, parameter `tables`"),
        &["201 bytes long; at most 200"],
    );
    let short = format!("table `{}`", "b".repeat(200));
    assert!(!stderr.contains(&short), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Data rules
// ---------------------------------------------------------------------------------------------

#[test]
fn rule_11_missing_csv_file() {
    let dir = bank(
        "
        tables:
          accounts: {path: nowhere.csv, primary_key: account_id}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, parameter `path`",
        &["nowhere.csv"],
    );
}

#[test]
fn rule_11_row_with_the_wrong_number_of_fields() {
    let dir = bank_with_transactions(
        "transaction_id,account_id,amount,date\n1,1,10.5,2021-01-01\n2,1,3,2021-01-02,extra\n",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, parameter `path`",
        &["line 3", "5 fields", "4"],
    );
}

#[test]
fn rule_11_lines_are_counted_alike_in_crlf_files_and_after_blank_lines() {
    // The bad value on physical line 7, after CRLF line ends and after a blank line; then a
    // row with a field too many on line 8 (a CRLF file's record was placed one line early; a
    // file of lone `\r` line ends, as old Macs wrote, had every record on line 1).
    let rows = [
        "transaction_id,account_id,amount,date",
        "1,1,10.5,2021-01-01",
        "2,1,3,2021-01-02",
        "",
        "3,1,4,2021-01-03",
        "4,1,5,2021-01-04",
        "5,1,ten,2021-01-05",
    ];
    let schema = "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions:
            path: transactions.csv
            foreign_keys: {account_id: accounts}
            columns: {amount: numerical}
        ";
    for end in ["\r\n", "\n", "\r"] {
        let csv = rows.join(end) + end;
        let dir = fixture(&[
            ("schema.yaml", schema),
            ("accounts.csv", ACCOUNTS),
            ("transactions.csv", &csv),
        ]);
        let stderr = invalid(&dir);
        assert_reported(
            &stderr,
            "table `transactions`, column `amount`, parameter `columns`",
            &["`ten`", "line 7:"],
        );
        let extra = rows.join(end) + end + "6,1,6,2021-01-06,extra" + end;
        let dir = bank_with_transactions(&extra);
        let stderr = invalid(&dir);
        assert_reported(
            &stderr,
            "table `transactions`, parameter `path`",
            &["line 8 has 5 fields"],
        );
    }
}

#[test]
fn rule_11_invalid_utf8_in_a_cell() {
    let dir = bank(BANK);
    write(
        &dir,
        "transactions.csv",
        b"transaction_id,account_id,amount,date\n1,1,10.5,2021-01-01\n2,1,\xff\xfe,2021-01-02\n",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `amount`, parameter `path`",
        &["invalid UTF-8 in field 3 at line 3"],
    );
}

#[test]
fn rule_11_empty_file() {
    let stderr = invalid(&bank_with_transactions(""));
    assert_reported(
        &stderr,
        "table `transactions`, parameter `path`",
        &["is empty"],
    );
}

#[test]
fn rule_11_header_only() {
    let stderr = invalid(&bank_with_transactions(
        "transaction_id,account_id,amount,date\n",
    ));
    assert_reported(
        &stderr,
        "table `transactions`, parameter `path`",
        &["no rows"],
    );
}

#[test]
fn rule_12_primary_key_duplicates() {
    let dir = fixture(&[
        ("schema.yaml", BANK),
        (
            "accounts.csv",
            "account_id,district\n1,north\n2,south\n1,east\n2,west\n3,north\n",
        ),
        ("transactions.csv", TRANSACTIONS),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, column `account_id`, parameter `primary_key`",
        &["2 duplicate values", "`1` on lines 2 and 4"],
    );
}

/// Thousands of bad keys are counted and the first three shown: a value repeated three times is
/// shown with the line it is first on, a dangling key with its own line.
#[test]
fn rule_12_and_13_many_bad_keys_are_counted_and_a_few_shown() {
    let accounts = "account_id,district\n1,north\n2,south\n1,east\n1,west\n";
    let mut transactions = String::from("transaction_id,account_id,amount,date\n");
    for row in 1..=5000 {
        transactions += &format!("{row},{},1.0,2021-01-01\n", 100 + row);
    }
    let dir = fixture(&[
        ("schema.yaml", BANK),
        ("accounts.csv", accounts),
        ("transactions.csv", &transactions),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, column `account_id`, parameter `primary_key`",
        &[
            "2 duplicate values",
            "`1` on lines 2 and 4",
            "`1` on lines 2 and 5",
        ],
    );
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &[
            "5000 values do not exist",
            "`101` (line 2), `102` (line 3), `103` (line 4), ...",
        ],
    );
    assert!(!stderr.contains("`104`"), "three shown: {stderr}");
}

#[test]
fn rule_12_empty_primary_key_values() {
    let dir = fixture(&[
        ("schema.yaml", BANK),
        (
            "accounts.csv",
            "account_id,district\n1,north\n,south\n2,east\n3,north\n",
        ),
        ("transactions.csv", TRANSACTIONS),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, column `account_id`, parameter `primary_key`",
        &["empty primary key", "(line 3)"],
    );
}

#[test]
fn rule_13_foreign_key_values_missing_from_the_parent() {
    let stderr = invalid(&bank_with_transactions(
        "transaction_id,account_id,amount,date\n\
         1,1,10.5,2021-01-01\n\
         2,7,3.0,2021-01-02\n\
         3,9,4.0,2021-01-03\n\
         4,,5.0,2021-01-04\n",
    ));
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["2 values", "`accounts`", "`7` (line 3)"],
    );
}

#[test]
fn rule_14_numerical_override_contradicted_by_the_data() {
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              accounts: {path: accounts.csv, primary_key: account_id}
              transactions:
                path: transactions.csv
                foreign_keys: {account_id: accounts}
                columns: {amount: numerical}
            ",
        ),
        ("accounts.csv", ACCOUNTS),
        (
            "transactions.csv",
            "transaction_id,account_id,amount,date\n1,1,10.5,2021-01-01\n2,1,ten,2021-01-02\n",
        ),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `amount`, parameter `columns`",
        &["`ten`", "numerical", "line 3"],
    );
}

#[test]
fn rule_14_datetime_format_that_does_not_read_the_values() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions:
            path: transactions.csv
            foreign_keys: {account_id: accounts}
            columns:
              date: {type: datetime, format: \"%d/%m/%Y\"}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `date`, parameter `columns`",
        &["`2021-01-01`", "datetime", "line 2"],
    );
}

#[test]
fn rule_15_override_on_a_key_column() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions:
            path: transactions.csv
            foreign_keys: {account_id: accounts}
            columns: {account_id: categorical}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `columns`",
        &["key columns"],
    );
}

#[test]
fn rule_15_format_on_a_non_datetime_column() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id}
          transactions:
            path: transactions.csv
            foreign_keys: {account_id: accounts}
            columns:
              amount: {type: numerical, format: \"%Y\"}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, column `amount`, parameter `columns`",
        &["`format` only applies to datetime", "numerical"],
    );
}

// ---------------------------------------------------------------------------------------------
// Several problems, `run`, hostile input
// ---------------------------------------------------------------------------------------------

#[test]
fn every_problem_is_reported_in_one_run() {
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              accounts: {path: accounts.csv, primary_key: account_id}
              cards: {path: cards.csv, primary_key: card_id, foreign_keys: {client_id: clients}}
              loans: {path: loans.csv, primary_key: loan_id, foreign_keys: {acount_id: accounts}}
              branches: {path: branches.csv, primary_key: branch_id}
              transactions: {path: transactions.csv, foreign_keys: {account_id: accounts}}
            ",
        ),
        ("accounts.csv", ACCOUNTS),
        (
            "cards.csv",
            "card_id,client_id,kind\n1,1,gold\n2,2,classic\n",
        ),
        ("loans.csv", LOANS),
        ("branches.csv", "branch_id,city\n1,Prague\n1,Brno\n"),
        (
            "transactions.csv",
            "transaction_id,account_id,amount\n1,1,5\n2,42,6\n",
        ),
    ]);
    let stderr = invalid(&dir);
    assert!(stderr.contains("4 problems found"), "{stderr}");
    assert_reported(
        &stderr,
        "table `cards`, column `client_id`, parameter `foreign_keys`",
        &["`clients` is not in the schema"],
    );
    assert_reported(
        &stderr,
        "table `loans`, column `acount_id`, parameter `foreign_keys`",
        &["no such column", "account_id"],
    );
    assert_reported(
        &stderr,
        "table `branches`, column `branch_id`, parameter `primary_key`",
        &["1 duplicate value;", "`1`"],
    );
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["1 value does not exist", "`42` (line 3)"],
    );
}

#[test]
fn run_on_invalid_input_writes_nothing() {
    let dir =
        bank_with_transactions("transaction_id,account_id,amount,date\n1,99,1.0,2021-01-01\n");
    let out = dir.path().join("out");
    let (code, stdout, stderr) = dxsynth(&[
        "run",
        &schema_path(&dir),
        "-o",
        &out.display().to_string(),
        "--seed",
        "1",
        "--quiet",
    ]);
    assert_eq!(code, 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_reported(
        &stderr,
        "table `transactions`, column `account_id`, parameter `foreign_keys`",
        &["`99`"],
    );
    assert!(is_absent_or_empty(&out), "output written into {out:?}");
    let staging = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|entry| entry.ok())
        .any(|entry| entry.file_name().to_string_lossy().starts_with(".dxsynth-"));
    assert!(!staging, "a staging folder was left behind");
}

fn is_absent_or_empty(path: &Path) -> bool {
    match std::fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !path.exists(),
    }
}

#[test]
fn hostile_input_never_panics() {
    let valid_tables = "tables:\n  t: {path: t.csv}\n";
    let cases: [(&str, &str, &[u8]); 8] = [
        ("empty YAML file", "", b"a\n1\n"),
        ("YAML that is a list", "- a\n- b\n", b"a\n1\n"),
        ("YAML with tabs and braces", "tables: {\t[\n", b"a\n1\n"),
        (
            "unknown column type",
            "tables:\n  t: {path: t.csv, columns: {a: money}}\n",
            b"a\n1\n",
        ),
        (
            "binary garbage as CSV",
            valid_tables,
            b"\x00\xff\x13\x37\n\xc3\x28,\x00\n\xfe",
        ),
        ("CSV with only a newline", valid_tables, b"\n"),
        (
            "column of all empty values",
            valid_tables,
            b"a,b\n,1\n,2\n,3\n",
        ),
        ("quote never closed", valid_tables, b"a,b\n\"x,1\n2,3\n"),
    ];
    for (name, schema, csv) in cases {
        let dir = fixture(&[("schema.yaml", schema)]);
        write(&dir, "t.csv", csv);
        let out = dir.path().join("out").display().to_string();
        for args in [
            vec!["validate", &schema_path(&dir)],
            vec!["validate", &schema_path(&dir), "--format", "json"],
            vec![
                "run",
                &schema_path(&dir),
                "-o",
                &out,
                "--seed",
                "3",
                "--quiet",
            ],
        ] {
            let (code, stdout, stderr) = dxsynth(&args);
            assert!(
                [0, 1, 2].contains(&code) && !stderr.contains("panicked"),
                "{name}: {args:?} exited {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
        }
    }
    let (code, _, stderr) = dxsynth(&["validate", "/no/such/folder/schema.yaml"]);
    assert!(
        [1, 2].contains(&code) && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(stderr.contains("schema.yaml"), "{stderr}");
}

/// A kept table copies the tables it refers to, so one of them saying `mode: synthesize` is a
/// contradiction: refused, naming the kept table, its mode and the parent (copied silently, the
/// parent the user said must never be copied reached the output as it is).
#[test]
fn a_kept_table_over_a_parent_that_must_be_synthesized_is_refused() {
    let dir = bank(
        "
        tables:
          accounts: {path: accounts.csv, primary_key: account_id, mode: synthesize}
          transactions:
            path: transactions.csv
            primary_key: transaction_id
            foreign_keys: {account_id: accounts}
            mode: keep
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `transactions`, parameter `mode`",
        &["`accounts`", "transactions.account_id", "mode: synthesize"],
    );
    let out = dir.path().join("out");
    let (code, _, stderr) = dxsynth(&["run", &schema_path(&dir), "-o", &out.display().to_string()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!out.exists(), "nothing is written");
}

/// Declared rules are checked against their columns' types, and two declared about the same
/// columns are refused (one silently replaced the other), as is a rule both added and switched
/// off: fitted anyway, a day difference between a number and a date turned the number into
/// seconds since 1970.
#[test]
fn declared_rules_of_the_wrong_types_or_twice_about_the_same_columns_are_refused() {
    let mut csv = String::from("id,a,b,d,e\n");
    for i in 0..60 {
        csv.push_str(&format!(
            "{i},{},{},2020-03-{:02},2021-04-{:02}\n",
            i + 1,
            i + 100,
            i % 28 + 1,
            i % 28 + 1
        ));
    }
    let dir = fixture(&[
        ("t.csv", &csv),
        (
            "schema.yaml",
            r#"
            tables:
              t:
                path: t.csv
                primary_key: id
                rules:
                  add:
                    - "a - d in [0, 3] days"
                    - "a < b"
                    - "b < a"
                    - "a = year(a)"
                    - "d <= d"
                    - "b = a * d"
                    - "a in periods of d"
                    - "e - d in [-1e18, -1e17]"
                  off:
                    - "a < b"
            "#,
        ),
    ]);
    let stderr = invalid(&dir);
    let place = "table `t`, parameter `rules.add`";
    assert_reported(
        &stderr,
        place,
        &["a - d in [0, 3] days", "`a` is numerical"],
    );
    assert_reported(&stderr, place, &["rule `b < a`", "`a < b`"]);
    assert_reported(&stderr, place, &["a = year(a)", "twice"]);
    assert_reported(&stderr, place, &["d <= d", "twice"]);
    assert_reported(
        &stderr,
        place,
        &["b = a * d", "works on numbers", "`d` is datetime"],
    );
    assert_reported(
        &stderr,
        place,
        &["a in periods of d", "a category or flag and a datetime"],
    );
    assert!(
        !stderr
            .lines()
            .any(|l| l.contains("`rules.add`: rule `a < b`")),
        "the first of two is not the problem:\n{stderr}"
    );
    // Seconds between two datetimes no calendar holds: drawn to them, rows left the calendar.
    assert_reported(
        &stderr,
        place,
        &["e - d in [-1e18, -1e17]", "that far apart"],
    );
    // Added and switched off at once: the addition would silently win.
    assert_reported(
        &stderr,
        "table `t`, parameter `rules.off`",
        &["rule `a < b`", "in `rules.add`", "keep one"],
    );
}

/// Column overrides that are no override at all are each reported with their table, column and
/// line: serde named the line where the `columns:` entries start, no column, and only the first.
#[test]
fn every_unknown_column_override_is_named_with_its_line() {
    let dir = bank(
        "
        tables:
          accounts:
            path: accounts.csv
            primary_key: account_id
            columns:
              opened: categorical
              tier: Numerical
              region: {semantic: martian}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, column `tier`, parameter `columns`",
        &["`Numerical` is not a column override at line 7"],
    );
    assert_reported(
        &stderr,
        "table `accounts`, column `region`, parameter `columns`",
        &["`semantic: martian` is not a column override at line 8"],
    );
    assert!(!stderr.contains("opened"), "{stderr}");
}

/// A semantic type on a column read as numbers or dates is refused, every such column at
/// once: it was shown as applied and then ignored (generators write text). On a text column it
/// stands.
#[test]
fn a_semantic_type_on_numbers_or_dates_is_refused() {
    let dir = bank(
        "
        tables:
          accounts:
            path: accounts.csv
            primary_key: account_id
            columns:
              opened: {semantic: first_name}
          transactions:
            path: transactions.csv
            primary_key: transaction_id
            foreign_keys: {account_id: accounts}
            columns:
              amount: {type: numerical, semantic: email}
        ",
    );
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `accounts`, column `opened`, parameter `columns`",
        &[
            "`semantic: first_name`",
            "is read as datetime",
            "`type: categorical`",
        ],
    );
    assert_reported(
        &stderr,
        "table `transactions`, column `amount`, parameter `columns`",
        &["`semantic: email`", "is read as numerical"],
    );
    let dir = bank(
        "
        tables:
          accounts:
            path: accounts.csv
            primary_key: account_id
            columns:
              district: {semantic: city}
              opened: {type: categorical, semantic: label}
        ",
    );
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("district city"), "{stdout}");
}

/// A declared rule most real rows break is accepted (the user may mean it) but noted: every
/// synthetic row is held to it, away from the real data.
#[test]
fn declared_rules_the_real_rows_break_are_noted() {
    let mut data = String::from("a,b,c\n");
    for i in 0..300 {
        let b = 100 + i * 3;
        data += &format!("{},{b},{}\n", b * (2 + i % 4), i % 4);
    }
    let schema = "tables:\n  d:\n    path: d.csv\n    rules:\n      add: [\"a / c in [1, 5]\"]\n";
    let dir = fixture(&[("d.csv", &data), ("schema.yaml", schema)]);
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("note: table `d`: the declared rule `a / c in [1, 5]` holds in 0 of"),
        "{stdout}"
    );
    // Held in every real row: no note.
    let held = "tables:\n  d:\n    path: d.csv\n    rules:\n      add: [\"a / b in [2, 5]\"]\n";
    let dir = fixture(&[("d.csv", &data), ("schema.yaml", held)]);
    let (code, stdout, _) = validate(&dir);
    assert_eq!(code, 0);
    assert!(!stdout.contains("declared rule"), "{stdout}");
}

/// `order_by` orders each parent's sequence: on a table not generated per parent it is noted as
/// having no effect (the schema stays valid), and on a sequential one it is not.
#[test]
fn order_by_on_a_table_without_sequences_is_noted() {
    let schema = BANK.replace(
        "primary_key: account_id",
        "primary_key: account_id\n        order_by: opened",
    );
    let dir = bank(&schema);
    let (code, stdout, stderr) = validate(&dir);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("note: table `accounts`: `order_by: opened` has no effect")
            && stdout.contains("(it has no foreign key)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("table `transactions`: `order_by"),
        "{stdout}"
    );
    let independent = BANK.replace(
        "order_by: date",
        "order_by: date\n        sequential: false",
    );
    let (code, stdout, stderr) = validate(&bank(&independent));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("table `transactions`: `order_by: date` has no effect")
            && stdout.contains("it says `sequential: false`"),
        "{stdout}"
    );
}

/// A value that cannot be read is shown cut short: an amount of 100,000 digits and a date of
/// 100,000 letters made `validate` print 200 KB (two 10 MB fields, 20 MB).
#[test]
fn a_long_bad_value_is_shown_cut_short() {
    let amount = "9".repeat(100_000);
    let day = "x".repeat(100_000);
    let csv = format!("id,amount,day\n1,5,2024-01-01\n2,{amount},2024-01-02\n3,7,{day}\n");
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              p:
                path: p.csv
                primary_key: id
                columns:
                  amount: numerical
                  day: {type: datetime, format: '%Y-%m-%d'}
            ",
        ),
        ("p.csv", &csv),
    ]);
    let stderr = invalid(&dir);
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
    assert_reported(&stderr, "`amount`", &["line 3", "(100000 characters)"]);
    assert_reported(&stderr, "`day`", &["line 4", "(100000 characters)"]);
}

/// Every line whose fields do not fit the header is counted, the first few named: a file's
/// second ragged line was found only once the first was mended.
#[test]
fn every_ragged_line_is_reported_at_once() {
    let mut csv = String::from("id,kind,amount\n");
    for id in 1..=20 {
        match id {
            4 => csv.push_str("4,b,7.5,extra\n"),
            9 => csv.push_str("9,a\n"),
            15 => csv.push_str("15,c,1,2,3\n"),
            18 => csv.push_str("18\n"),
            _ => csv.push_str(&format!("{id},a,{id}.5\n")),
        }
    }
    let dir = fixture(&[
        (
            "schema.yaml",
            "
            tables:
              p:
                path: p.csv
                primary_key: id
            ",
        ),
        ("p.csv", &csv),
    ]);
    let stderr = invalid(&dir);
    assert_reported(
        &stderr,
        "table `p`",
        &[
            "4 lines do not fit the header",
            "line 5 has 4 fields but the header has 3",
            "line 10 has 2 fields",
            "line 16 has 5 fields",
            "...",
        ],
    );
    assert!(!stderr.contains("line 19"), "only the first few: {stderr}");
}
