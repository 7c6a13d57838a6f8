//! End to end: CSV files not separated by commas. A semicolon file with decimal commas (as
//! exported where a comma is the decimal point) and a tab-separated child go through `validate`,
//! `run`, `train` + `generate` and `evaluate`; the copy is written as the real files are, and an
//! independent reader (the `csv` crate) reads it back with the real files' delimiters.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::dxsynth;

/// Writes the two tables and their schema (no `delimiter:`: the headers show them; the shops
/// synthesized, not kept as a lookup table).
fn write_tables(dir: &Path) -> std::path::PathBuf {
    let mut shops = String::from("shop_id;name;\"area; m2\";rent\n");
    for id in 1..=60 {
        let rent = 800 + (id * 37) % 900;
        let cents = (id * 13) % 100;
        writeln!(
            shops,
            "{id};Shop {};{};{rent},{cents:02}",
            id % 7,
            40 + id % 50
        )
        .unwrap();
    }
    let mut sales = String::from("sale_id\tshop_id\tamount\tnote\n");
    for id in 1..=400 {
        let shop = 1 + (id * 7) % 60;
        let amount = format!("{},{}", 5 + (id * 11) % 200, id % 10);
        let note = ["cash", "card", "a; b", "x,y"][id % 4];
        writeln!(sales, "{id}\t{shop}\t{amount}\t{note}").unwrap();
    }
    std::fs::write(dir.join("shops.csv"), shops).unwrap();
    std::fs::write(dir.join("sales.tsv"), sales).unwrap();
    let schema = dir.join("schema.yaml");
    std::fs::write(
        &schema,
        "tables:\n  shops:\n    path: shops.csv\n    primary_key: shop_id\n    mode: synthesize\n  \
         sales:\n    \
         path: sales.tsv\n    primary_key: sale_id\n    foreign_keys: {shop_id: shops}\n",
    )
    .unwrap();
    schema
}

/// A CSV file read with `delimiter`: its header and rows, every row as long as the header.
fn read(path: &Path, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column<'a>(header: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let at = header.iter().position(|h| h == name).expect("the column");
    rows.iter().map(|row| row[at].as_str()).collect()
}

/// Whether `text` is a number written with a decimal comma (`812,5`) or a whole one.
fn decimal_comma_number(text: &str) -> bool {
    let (whole, fraction) = text.split_once(',').unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

#[test]
fn files_not_separated_by_commas_are_copied_as_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write_tables(dir.path());
    let schema = schema.to_str().unwrap();

    let (code, stdout, stderr) = dxsynth(&["validate", schema]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("fields separated by semicolons; decimal commas in: rent"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fields separated by tabs; decimal commas in: amount"),
        "{stdout}"
    );
    // Read as numbers, not as labels.
    assert!(stdout.contains("rent numerical"), "{stdout}");
    assert!(stdout.contains("amount numerical"), "{stdout}");

    let out = dir.path().join("out");
    let out_text = out.to_str().unwrap();
    let (code, _, stderr) = dxsynth(&["run", schema, "-o", out_text, "--seed", "3", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let shops_text = std::fs::read_to_string(out.join("shops.csv")).unwrap();
    assert!(
        shops_text.starts_with("shop_id;name;\"area; m2\";rent\n"),
        "{shops_text}"
    );
    let (header, shops) = read(&out.join("shops.csv"), b';');
    assert_eq!(shops.len(), 60);
    let rents = column(&header, &shops, "rent");
    assert!(rents.iter().all(|r| decimal_comma_number(r)), "{rents:?}");
    assert!(
        rents.iter().filter(|r| r.contains(',')).count() > 30,
        "{rents:?}"
    );
    // A copy of a `.tsv` file is named as one: a `.csv` name would have it loaded with commas.
    assert!(!out.join("sales.csv").exists());
    let (header, sales) = read(&out.join("sales.tsv"), b'\t');
    assert_eq!(header, ["sale_id", "shop_id", "amount", "note"]);
    assert_eq!(sales.len(), 400);
    assert!(
        column(&header, &sales, "amount")
            .iter()
            .all(|a| decimal_comma_number(a))
    );
    let shop_ids: Vec<&str> = column(&header, &sales, "shop_id");
    assert!(
        shop_ids
            .iter()
            .all(|id| id.parse::<usize>().is_ok_and(|id| (1..=60).contains(&id))),
        "every sale refers to a synthetic shop"
    );

    let model = dir.path().join("m.dxsynth");
    let model_text = model.to_str().unwrap();
    let (code, _, stderr) = dxsynth(&["train", schema, "-m", model_text, "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = dxsynth(&["inspect", model_text]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("CSV: fields separated by tabs; decimal commas in: amount"),
        "{stdout}"
    );
    let again = dir.path().join("again");
    let again_text = again.to_str().unwrap();
    let (code, _, stderr) = dxsynth(&[
        "generate", model_text, "-o", again_text, "--seed", "3", "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    for file in ["shops.csv", "sales.tsv"] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(again.join(file)).unwrap(),
            "{file}: generate from the model file writes what run wrote"
        );
    }

    let (code, stdout, stderr) = dxsynth(&["evaluate", schema, out_text]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("column shapes"), "{stdout}");
}

#[test]
fn a_delimiter_named_in_the_schema_is_the_one_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id|name,nick|score\n");
    for id in 1..=50 {
        writeln!(text, "{id}|n{},x|{}", id % 6, id % 9).unwrap();
    }
    std::fs::write(dir.path().join("t.txt"), text).unwrap();
    let schema = dir.path().join("s.yaml");
    // The header has a comma outside quotes: without `delimiter:` it reads as commas.
    std::fs::write(
        &schema,
        "tables:\n  t:\n    path: t.txt\n    primary_key: id\n    delimiter: \"|\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) = dxsynth(&[
        "run",
        schema.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("t.csv"), b'|');
    assert_eq!(header, ["id", "name,nick", "score"]);
    assert_eq!(rows.len(), 50);
}

#[test]
fn a_row_that_does_not_fit_the_header_says_which_delimiter_was_read() {
    let dir = tempfile::tempdir().unwrap();
    // One column whose name holds a semicolon: the header reads as two columns.
    std::fs::write(dir.path().join("t.csv"), "note; remark\nfine\nstill fine\n").unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(&schema, "tables:\n  t:\n    path: t.csv\n").unwrap();
    let (code, _, stderr) = dxsynth(&["validate", schema.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("line 2 has 1 fields but the header has 2")
            && stderr.contains("separated by semicolons, as the header line shows")
            && stderr.contains("`delimiter:`"),
        "{stderr}"
    );
    // Named, the delimiter is read as given.
    std::fs::write(
        &schema,
        "tables:\n  t:\n    path: t.csv\n    delimiter: \",\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = dxsynth(&["validate", schema.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 rows"), "{stdout}");
    // One column read as commas: a semicolon file of one column with decimal commas.
    std::fs::write(dir.path().join("t.csv"), "amount\n12,50\n3,25\n").unwrap();
    std::fs::write(&schema, "tables:\n  t:\n    path: t.csv\n").unwrap();
    let (code, _, stderr) = dxsynth(&["validate", schema.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("separated by commas, as the header line shows"),
        "{stderr}"
    );
}

#[test]
fn init_reads_tab_separated_files_too() {
    let dir = tempfile::tempdir().unwrap();
    write_tables(dir.path());
    std::fs::remove_file(dir.path().join("schema.yaml")).unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = dxsynth(&["init", data]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 tables"), "{stdout}");
    let schema = std::fs::read_to_string(dir.path().join("schema.yaml")).unwrap();
    assert!(
        schema.contains("path: sales.tsv") && schema.contains("shop_id: shops"),
        "{schema}"
    );
}

/// A column the real file writes with decimal commas and one rare label (`n/a`): text. Its copy
/// lacks the rare label; evaluate and given rows read it as the real file is read (text), and
/// keys with commas are matched as written.
#[test]
fn copies_and_given_rows_are_read_as_the_real_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut grades = String::from("id;grade;x\n");
    for id in 1..300 {
        let grade = match id {
            5 => "pending",
            _ => ["1,5", "2,5", "3,0"][id % 3],
        };
        writeln!(grades, "{id};{grade};{}", id % 9).unwrap();
    }
    std::fs::write(dir.path().join("g.csv"), grades).unwrap();
    std::fs::write(dir.path().join("p.csv"), "code;label\n1,5;a\n2,5;b\nX;c\n").unwrap();
    std::fs::write(dir.path().join("c.csv"), "id;code\n1;1,5\n2;2,5\n3;1,5\n").unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  g:\n    path: g.csv\n    primary_key: id\n  p:\n    path: p.csv\n    \
         primary_key: code\n  c:\n    path: c.csv\n    primary_key: id\n    \
         foreign_keys: {code: p}\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let (code, stdout, stderr) = dxsynth(&["validate", schema]);
    assert_eq!(code, 0, "keys with commas match as written: {stderr}");
    assert!(stdout.contains("grade categorical"), "{stdout}");

    let out = dir.path().join("out");
    let out_text = out.to_str().unwrap();
    let (code, _, stderr) = dxsynth(&["run", schema, "-o", out_text, "--seed", "1", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("g.csv"), b';');
    let synthetic: Vec<&str> = column(&header, &rows, "grade");
    assert!(synthetic.iter().all(|g| ["1,5", "2,5", "3,0"].contains(g)));
    let report = dir.path().join("report.json");
    let (code, _, stderr) = dxsynth(&[
        "evaluate",
        schema,
        out_text,
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let shapes = report["quality"]["column_shapes"]["rows"]
        .as_array()
        .unwrap();
    let grade = shapes
        .iter()
        .find(|row| row["table"] == "g" && row["column"] == "grade")
        .expect("the grade column is compared");
    assert!(
        grade["score"].as_f64().unwrap() > 0.9,
        "the copy's grades read as the real ones (labels): {grade}"
    );

    let given = dir.path().join("given.csv");
    std::fs::write(&given, "id;grade;x\n1;1,5;3\n2;2,5;4\n").unwrap();
    let out = dir.path().join("given-out");
    let given_arg = format!("g={}", given.display());
    let (code, _, stderr) = dxsynth(&[
        "run",
        schema,
        "-o",
        out.to_str().unwrap(),
        "--given",
        &given_arg,
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("g.csv"), b';');
    assert_eq!(
        column(&header, &rows, "grade"),
        ["1,5", "2,5"],
        "given as they are"
    );
}

#[test]
fn a_tsv_file_is_read_as_tabs_whatever_its_header_holds() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id\tamount, EUR\n");
    for id in 1..=30 {
        writeln!(text, "{id}\t{},{}", id * 3, id % 10).unwrap();
    }
    std::fs::write(dir.path().join("a.tsv"), text).unwrap();
    let (code, stdout, stderr) = dxsynth(&["init", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 tables"), "{stdout}");
    let schema = dir.path().join("schema.yaml");
    let (code, stdout, stderr) = dxsynth(&["validate", schema.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("fields separated by tabs; decimal commas in: amount, EUR"),
        "{stdout}"
    );
}

/// Whether `text` is a number whose thousands `group` groups in threes (`-1,234,567.5`, `12`),
/// with `point` before its decimals.
fn grouped_number(text: &str, group: char, point: char) -> bool {
    let text = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = text.split_once(point).unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mut groups = whole.split(group);
    let first = groups.next().unwrap_or_default();
    digits(fraction)
        && digits(first)
        && first.len() <= 3
        && groups.all(|group| group.len() == 3 && digits(group))
}

#[test]
fn amounts_with_grouped_thousands_are_numbers_copied_grouped() {
    let dir = tempfile::tempdir().unwrap();
    // A spreadsheet's export: amounts quoted with grouping commas, and a semicolon file of
    // amounts grouped by points beside decimal commas.
    let mut deals = String::from("id,amount,units\n");
    let mut bills = String::from("id;total\n");
    for id in 1..=300_u64 {
        let amount = 500 + id * id * 97 % 900_000;
        let (thousands, rest) = (amount / 1000, amount % 1000);
        let amount = match thousands {
            0 => format!("{rest}.{:02}", id % 100),
            _ => format!("\"{thousands},{rest:03}.{:02}\"", id % 100),
        };
        writeln!(deals, "{id},{amount},{}", id % 9).unwrap();
        let total = 2_000 + id * 7_919 % 90_000;
        writeln!(
            bills,
            "{id};{}.{:03},{}",
            total / 1000,
            total % 1000,
            id % 10
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("deals.csv"), deals).unwrap();
    std::fs::write(dir.path().join("bills.csv"), bills).unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  deals:\n    path: deals.csv\n    primary_key: id\n  \
         bills:\n    path: bills.csv\n    primary_key: id\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let (code, stdout, stderr) = dxsynth(&["validate", schema]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("thousands grouped in: amount"), "{stdout}");
    assert!(
        stdout.contains("decimal commas in: total; thousands grouped in: total"),
        "{stdout}"
    );
    assert!(stdout.contains("amount numerical"), "{stdout}");
    assert!(stdout.contains("total numerical"), "{stdout}");

    let out = dir.path().join("out");
    let (code, _, stderr) = dxsynth(&["run", schema, "-o", out.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("deals.csv"), b',');
    let amounts = column(&header, &rows, "amount");
    assert!(
        amounts.iter().all(|a| grouped_number(a, ',', '.')),
        "{amounts:?}"
    );
    assert!(amounts.iter().filter(|a| a.contains(',')).count() > 200);
    let (header, rows) = read(&out.join("bills.csv"), b';');
    let totals = column(&header, &rows, "total");
    assert!(
        totals.iter().all(|t| grouped_number(t, '.', ',')),
        "{totals:?}"
    );
    assert!(totals.iter().filter(|t| t.contains('.')).count() > 250);
    let (code, stdout, stderr) = dxsynth(&["evaluate", schema, out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("column shapes"), "{stdout}");
}

/// A database export writes its empty amounts `NULL` (a fifth of them) and a grouped one's
/// `\N`: the columns are read as numbers with empty cells, their copies hold numbers and the
/// same word where empty (about as often), and `evaluate` reads the copy as the real file.
/// Read as labels, the word was the only frequent one, and every synthetic amount was `NULL`.
#[test]
fn numbers_whose_empty_cells_are_a_word_are_numbers_copied_with_the_word() {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = String::from("id,amount,fee,status\n");
    for id in 1..=400_u64 {
        let amount = match id % 5 {
            0 => "NULL".to_string(),
            _ => format!("{}.{:02}", 10 + id * 37 % 500, id % 100),
        };
        let fee = match id % 4 {
            0 => "\\N".to_string(),
            _ => format!("\"{},{:03}\"", 1 + id % 9, id * 7 % 1000),
        };
        let status = ["NA", "EU", "APAC"][id as usize % 3];
        writeln!(orders, "{id},{amount},{fee},{status}").unwrap();
    }
    std::fs::write(dir.path().join("orders.csv"), orders).unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  orders:\n    path: orders.csv\n    primary_key: id\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let (code, stdout, stderr) = dxsynth(&["validate", schema]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("amount numerical"), "{stdout}");
    assert!(stdout.contains("fee numerical"), "{stdout}");
    assert!(stdout.contains("status categorical"), "{stdout}");
    assert!(
        stdout.contains("empty cells written as a word in: amount (NULL), fee (\\N)"),
        "{stdout}"
    );

    let out = dir.path().join("out");
    let (code, _, stderr) = dxsynth(&["run", schema, "-o", out.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("orders.csv"), b',');
    let share = |name: &str, word: &str| {
        let cells = column(&header, &rows, name);
        let words = cells.iter().filter(|&&cell| cell == word).count();
        let numbers = cells
            .iter()
            .filter(|cell| cell.replace(',', "").parse::<f64>().is_ok())
            .count();
        assert_eq!(words + numbers, cells.len(), "{name}: {cells:?}");
        words as f64 / cells.len() as f64
    };
    let amount = share("amount", "NULL");
    assert!((0.12..0.28).contains(&amount), "amount: {amount}");
    let fee = share("fee", "\\N");
    assert!((0.15..0.35).contains(&fee), "fee: {fee}");
    let statuses = column(&header, &rows, "status");
    assert!(statuses.contains(&"NA"), "a label `NA` stays a label");
    let (code, stdout, stderr) = dxsynth(&["evaluate", schema, out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("amount"), "{stdout}");
}

/// A spreadsheet's amounts in dollars (`"$1,234.50"`, `-$5.00`), discounts in percent and a
/// semicolon file's prices in euros after a decimal comma (`12,50 €`) are read as numbers and
/// copied with their signs; `evaluate` reads the copy as the real files. Read as labels, the
/// dollars were a category of 58 values and a difference between two of them was no rule.
#[test]
fn amounts_written_with_signs_are_numbers_copied_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut deals = String::from("id,price,discount,paid\n");
    let mut items = String::from("id;price\n");
    for id in 1..=300_u64 {
        let price = 1_000 + id * 7_919 % 900_000;
        let discount = id % 20;
        let paid = price - price * discount / 100;
        let dollars = |amount: u64| match amount / 1000 {
            0 => format!("${amount}.{:02}", id % 100),
            thousands => format!("\"${thousands},{:03}.{:02}\"", amount % 1000, id % 100),
        };
        let paid = match id % 10 {
            0 => format!("-{}", dollars(paid)).replace("-\"", "\"-"),
            _ => dollars(paid),
        };
        writeln!(deals, "{id},{},{discount}%,{paid}", dollars(price)).unwrap();
        writeln!(items, "{id};{},{:02} €", 5 + id % 90, id % 100).unwrap();
    }
    std::fs::write(dir.path().join("deals.csv"), deals).unwrap();
    std::fs::write(dir.path().join("items.csv"), items).unwrap();
    let schema = dir.path().join("s.yaml");
    std::fs::write(
        &schema,
        "tables:\n  deals:\n    path: deals.csv\n    primary_key: id\n  \
         items:\n    path: items.csv\n    primary_key: id\n",
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let (code, stdout, stderr) = dxsynth(&["validate", schema]);
    assert_eq!(code, 0, "{stderr}");
    for column in ["price numerical", "discount numerical", "paid numerical"] {
        assert!(stdout.contains(column), "{column}: {stdout}");
    }
    assert!(
        stdout.contains("numbers written with signs in: discount (1%), paid ($1), price ($1)"),
        "{stdout}"
    );
    assert!(stdout.contains("price (1 €)"), "{stdout}");

    let out = dir.path().join("out");
    let (code, _, stderr) = dxsynth(&["run", schema, "-o", out.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read(&out.join("deals.csv"), b',');
    let dollars = |text: &str| {
        let digits = text.strip_prefix('-').unwrap_or(text).strip_prefix('$')?;
        digits.replace(',', "").parse::<f64>().ok()
    };
    let prices = column(&header, &rows, "price");
    assert!(prices.iter().all(|p| dollars(p).is_some()), "{prices:?}");
    assert!(prices.iter().filter(|p| p.contains(',')).count() > 200);
    let paid = column(&header, &rows, "paid");
    assert!(paid.iter().all(|p| dollars(p).is_some()), "{paid:?}");
    let discounts = column(&header, &rows, "discount");
    assert!(
        discounts.iter().all(|d| d
            .strip_suffix('%')
            .is_some_and(|n| n.parse::<u32>().is_ok())),
        "{discounts:?}"
    );
    let (header, rows) = read(&out.join("items.csv"), b';');
    let euros = column(&header, &rows, "price");
    assert!(
        euros
            .iter()
            .all(|e| e.strip_suffix(" €").is_some_and(decimal_comma_number)),
        "{euros:?}"
    );
    let (code, stdout, stderr) = dxsynth(&["evaluate", schema, out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("column shapes"), "{stdout}");
}
