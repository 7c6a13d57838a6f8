//! Planted tests of the semantic generators: real tables whose answer is known, a fixed seed,
//! and the worst case for privacy (the table model replays every real row as it is).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use rand::RngExt;

use super::detect::is_email;
use super::fill::{ParentColumns, SemanticTable, company_stem, train};
use super::locale::{Locale, country};
use super::{gendered, surnames};
use crate::data::{Column, Table, Value, ValueFormat};
use crate::sampling::rng_for;
use crate::schema::{ColumnKind, Schema, SemanticType};

const COUNTRIES: [&str; 3] = ["BRAZIL", "FRANCE", "GERMANY"];
const CODES: [&str; 3] = ["+55", "+33", "+49"];
const ROWS: usize = 300;

fn column(name: &str, kind: ColumnKind, values: Vec<String>) -> Column {
    Column {
        name: name.into(),
        kind,
        format: ValueFormat::Verbatim,
        values: values
            .into_iter()
            .map(|v| Value::Label(Arc::from(v)))
            .collect(),
    }
}

/// People with unique names and e-mails `First.Last@<frequent domain>`, phones with their
/// country's calling code.
fn people() -> Table {
    let first: Vec<String> = (0..ROWS).map(|i| format!("Zed{}", letters(i))).collect();
    let last: Vec<String> = (0..ROWS)
        .map(|i| format!("Qua{}", letters(i * 7 + 3)))
        .collect();
    let email = (0..ROWS)
        .map(|i| {
            format!(
                "{}.{}@{}",
                first[i],
                last[i],
                ["mail.com", "post.org"][i % 2]
            )
        })
        .collect();
    let phones = (0..ROWS)
        .map(|i| format!("{} {:03} {:04}", CODES[i % 3], i % 1000, (i * 37) % 10_000))
        .collect();
    let countries = (0..ROWS).map(|i| COUNTRIES[i % 3].to_string()).collect();
    let columns = vec![
        column("country", ColumnKind::Categorical, countries),
        column("first_name", ColumnKind::Id, first),
        column("last_name", ColumnKind::Id, last),
        column("email", ColumnKind::Id, email),
        column("phone", ColumnKind::Id, phones),
    ];
    table("customers", columns)
}

/// A real table of `columns` (of equal length) named `name`.
fn table(name: &str, columns: Vec<Column>) -> Table {
    let rows = columns.first().map_or(0, |c| c.values.len());
    Table {
        name: name.into(),
        header: columns.iter().map(|c| c.name.clone()).collect(),
        lines: (0..rows as u64).collect(),
        place: crate::data::RowPlace::Line,
        keys: IndexMap::new(),
        columns,
        dialect: Default::default(),
    }
}

fn letters(mut i: usize) -> String {
    let mut out = String::new();
    for _ in 0..3 {
        out.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
    }
    out
}

fn text(value: &Value) -> &str {
    match value {
        Value::Label(text) => text,
        _ => "",
    }
}

/// Generators trained on `real` (a `customers` table, threshold 5).
fn trained(real: &Table) -> SemanticTable {
    let schema = Schema::parse(
        "tables:\n  customers: {path: c.csv}\n",
        Path::new("s.yaml"),
        Path::new("."),
    )
    .expect("valid");
    train(&schema.tables[0], real, false, &[], 5, 5).expect("semantic columns")
}

/// What generators trained on `real` (a `customers` table, threshold 5) make of its own rows
/// (the model replaying the real rows).
fn filled(real: &Table) -> Vec<Column> {
    let semantic = trained(real);
    let mut columns = real.columns.clone();
    let (rows, mut uniques) = ((0, rng_for(7, "people").random()), semantic.uniques());
    semantic.fill(&mut columns, &ParentColumns::new(), rows, &mut uniques);
    columns
}

/// The real table, and what the generators make of it (the model replaying the real rows).
fn generated() -> (Table, Vec<Column>) {
    let real = people();
    let columns = filled(&real);
    (real, columns)
}

/// Rows of France, Germany and Brazil draw names from their lists, which spell some with
/// accents: a column whose real names are all ASCII keeps to ASCII; one with accents does not.
#[test]
fn names_of_a_column_spelled_in_ascii_are_spelled_in_ascii() {
    let (_, columns) = generated();
    let names = |columns: &[Column], at: usize| -> Vec<String> {
        (0..ROWS)
            .map(|row| text(&columns[at].values[row]).to_string())
            .collect()
    };
    for at in [1, 2] {
        let names = names(&columns, at);
        assert!(names.iter().all(|name| name.is_ascii()), "{names:?}");
    }
    let mut real = people();
    let accented = (0..ROWS).map(|i| format!("Mül{}", letters(i))).collect();
    real.columns[2] = column("last_name", ColumnKind::Id, accented);
    let columns = filled(&real);
    let names = names(&columns, 2);
    assert!(names.iter().any(|name| !name.is_ascii()), "{names:?}");
}

#[test]
fn first_names_come_from_the_row_locale() {
    let (_, columns) = generated();
    for row in 0..ROWS {
        let locale = country(text(&columns[0].values[row])).map_or(Locale::En, |c| c.locale);
        let name = text(&columns[1].values[row]);
        assert!(
            locale.lists().first.contains(&name),
            "{name} for {locale:?}"
        );
    }
    let brazilian = (0..ROWS)
        .filter(|&row| text(&columns[0].values[row]) == "BRAZIL")
        .map(|row| text(&columns[1].values[row]))
        .filter(|name| !Locale::En.lists().first.contains(name))
        .count();
    assert!(brazilian > 20, "{brazilian} Brazilian-only names");
}

#[test]
fn emails_are_valid_and_built_from_the_row_name() {
    let (_, columns) = generated();
    for row in 0..ROWS {
        let email = text(&columns[3].values[row]);
        assert!(is_email(email), "{email}");
        let user = format!(
            "{}.{}",
            super::locale::mail_form(text(&columns[1].values[row])),
            super::locale::mail_form(text(&columns[2].values[row]))
        );
        let built = email
            .to_lowercase()
            .starts_with(&format!("{}@", user.to_lowercase()));
        assert!(built, "{email} vs {user}");
        assert!(
            email.starts_with(char::is_uppercase),
            "{email}: the real casing is First.Last"
        );
        let domain = email.split('@').nth(1).unwrap_or_default();
        assert!(["mail.com", "post.org"].contains(&domain), "{domain}");
    }
}

#[test]
fn emails_never_spell_a_name_the_row_does_not_show() {
    let mut real = people();
    for row in (0..ROWS).step_by(4) {
        real.columns[2].values[row] = Value::Null;
    }
    let columns = filled(&real);
    let mut checked = 0;
    for row in (0..ROWS).filter(|row| columns[2].values[*row].is_null()) {
        let email = text(&columns[3].values[row]);
        let first = super::locale::mail_form(text(&columns[1].values[row]));
        let user = email.split('@').next().unwrap_or_default();
        let rest = user.strip_prefix(first.as_str()).unwrap_or(user);
        assert!(
            is_email(email) && user.len() > rest.len() && rest.chars().all(|c| c.is_ascii_digit()),
            "{email}: the row shows only `{first}`"
        );
        checked += 1;
    }
    assert!(checked >= ROWS / 5, "{checked} rows without a last name");
}

/// Students' addresses are their initial, last name and two digits; a tenth of them are J.
/// Wilsons of several first names, so `jwilson##` is a frequent shape. It names people, not
/// accounts: every address is built from its own row's synthetic names (replayed as a shape,
/// 178 of 3,000 students had another person's address, Ashley Gordon's `mjones65@`).
#[test]
fn emails_of_frequent_names_are_not_replayed_as_account_shapes() {
    let first: Vec<String> = (0..ROWS).map(|i| format!("Jzed{}", letters(i))).collect();
    let last: Vec<String> = (0..ROWS)
        .map(|i| match i % 10 {
            0 => "Wilson".to_string(),
            _ => format!("Qua{}", letters(i * 7 + 3)),
        })
        .collect();
    let email = (0..ROWS)
        .map(|i| format!("j{}{:02}@student.univ.edu", last[i].to_lowercase(), i % 100))
        .collect();
    let columns = vec![
        column("first_name", ColumnKind::Id, first),
        column("last_name", ColumnKind::Id, last),
        column("email", ColumnKind::Id, email),
    ];
    let columns = filled(&table("customers", columns));
    for row in 0..ROWS {
        let (first, last) = (text(&columns[0].values[row]), text(&columns[1].values[row]));
        let email = text(&columns[2].values[row]);
        let user = email.split('@').next().unwrap_or_default();
        let stem = format!(
            "{}{}",
            first.chars().next().unwrap_or('?').to_lowercase(),
            super::locale::mail_form(last).to_lowercase()
        );
        let digits = user.strip_prefix(stem.as_str()).unwrap_or_default();
        assert!(
            digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{email} for {first} {last}"
        );
    }
}

/// Rows of Spain and Mexico take Spanish names (`fake` has no Spanish lists: they were
/// English), and a `Sra.` of Spain a Spanish woman's name.
#[test]
fn spanish_speaking_rows_take_spanish_names() {
    let mut real = people();
    let spanish = ["SPAIN", "México", "ARGENTINA"];
    real.columns[0] = column(
        "country",
        ColumnKind::Categorical,
        (0..ROWS).map(|i| spanish[i % 3].to_string()).collect(),
    );
    // Accented real names: the columns are not of ASCII names.
    for (at, name) in [(1, "first_name"), (2, "last_name")] {
        let names = (0..ROWS)
            .map(|i| format!("Ñú{}", letters(i * at)))
            .collect();
        real.columns[at] = column(name, ColumnKind::Id, names);
    }
    let columns = filled(&real);
    let names = super::bundled::SPANISH.either.clone();
    for row in 0..ROWS {
        let (first, last) = (text(&columns[1].values[row]), text(&columns[2].values[row]));
        assert!(
            names.contains(&first),
            "{first} in {}",
            text(&columns[0].values[row])
        );
        assert!(super::bundled::SPANISH.surnames.contains(&last), "{last}");
    }
    assert_eq!(country("españa").map(|c| c.locale), Some(Locale::Es));
    assert!(Locale::Es.gendered(true).contains(&"Lucía"));
    assert!(!Locale::Es.gendered(false).contains(&"Lucía"));
}

/// 300 guests each of Italy and Germany, every real name unique (so every synthetic one is
/// fresh): their fresh names are as varied as real ones. `fake`'s lists held 99 Italian given
/// and 49 family names, 120 and 114 German ones: at most that many distinct names per country,
/// where these lists give over 150.
#[test]
fn fresh_names_are_varied_in_every_locale() {
    const PER_COUNTRY: usize = 300;
    let places = ["ITALY", "GERMANY"];
    let rows = places.len() * PER_COUNTRY;
    let countries = (0..rows)
        .map(|i| places[i % places.len()].to_string())
        .collect();
    // Accented real names: the columns are not of ASCII names.
    let unique = |at: usize| {
        (0..rows)
            .map(|i| format!("Ñú{}", letters(i * at)))
            .collect()
    };
    let real = table(
        "customers",
        vec![
            column("country", ColumnKind::Categorical, countries),
            column("first_name", ColumnKind::Id, unique(1)),
            column("last_name", ColumnKind::Id, unique(7)),
        ],
    );
    let columns = filled(&real);
    let distinct = |at: usize, place: usize| {
        let values = columns[at].values.iter().skip(place).step_by(places.len());
        values.map(text).collect::<HashSet<_>>().len()
    };
    let (first, last) = (1, 2);
    for (place, name) in places.iter().enumerate() {
        let (firsts, lasts) = (distinct(first, place), distinct(last, place));
        assert!(
            firsts >= 150 && lasts >= 150,
            "{name}: {firsts} first, {lasts} last names"
        );
    }
    let italian = &super::bundled::ITALIAN;
    for row in (0..rows).step_by(places.len()) {
        let given = text(&columns[first].values[row]);
        let family = text(&columns[last].values[row]);
        assert!(italian.either.contains(&given), "{given}");
        assert!(italian.surnames.contains(&family), "{family}");
    }
    // A title's gender picks the language's list: `Andrea` is a man in Italy, a woman in Germany.
    assert!(Locale::It.gendered(false).contains(&"Andrea"));
    assert!(Locale::De.gendered(true).contains(&"Andrea"));
    assert!(!Locale::De.gendered(false).contains(&"Andrea"));
}

/// French rows share four frequent first names (a sixth of the rows each); every other row's
/// name is unique. A German row never takes a French row's frequent name (over the whole
/// column, a Spanish guest's frequent Martinez went to 89 guests of every country), and the
/// French rows keep theirs about as often as the real ones had them.
#[test]
fn frequent_names_stay_with_the_locale_of_their_rows() {
    let mut real = people();
    let french = ["Anaïs", "Benoît", "Céline", "Gaël"];
    for row in (0..ROWS).filter(|row| COUNTRIES[row % 3] == "FRANCE") {
        real.columns[1].values[row] = Value::Label(Arc::from(french[row / 3 % 4]));
    }
    let columns = filled(&real);
    let mut kept = 0;
    for row in 0..ROWS {
        let name = text(&columns[1].values[row]);
        match text(&columns[0].values[row]) {
            "FRANCE" => kept += usize::from(french.contains(&name)),
            country => assert!(!french.contains(&name), "{name} in {country}"),
        }
    }
    assert!(
        kept >= ROWS / 3 * 9 / 10,
        "{kept} French rows kept a frequent name"
    );
}

/// Rows of Brazil, France, Germany and the United States; the American rows' family names are
/// 25 of the English list, 3 rows each. Where the other rows' names are of their country's list, they keep
/// to those lists; named as the American rows whatever their country (as TPC-DS names its
/// customers), every synthetic row takes an English name (from the locales' lists, most read
/// as foreign where no real one does).
#[test]
fn names_follow_the_country_only_where_the_real_names_do() {
    const FOUR: [&str; 4] = ["BRAZIL", "FRANCE", "GERMANY", "UNITED STATES"];
    let locale = |row: usize| country(FOUR[row % 4]).map_or(Locale::En, |c| c.locale);
    let generated = |own: bool| {
        let mut real = people();
        for row in 0..ROWS {
            real.columns[0].values[row] = Value::Label(Arc::from(FOUR[row % 4]));
            let name = match (own, locale(row)) {
                (true, locale) if locale != Locale::En => {
                    let list = &locale.lists().last;
                    list[row * 7 % list.len()]
                }
                // Three rows of each locale a name: too few (k = 5) to be a locale's frequent name.
                _ => Locale::En.lists().last[row / 4 % 25],
            };
            real.columns[2].values[row] = Value::Label(Arc::from(name));
        }
        filled(&real)
    };
    let english = |columns: &[Column]| {
        (0..ROWS)
            .filter(|&row| locale(row) != Locale::En)
            .filter(|&row| {
                Locale::En
                    .lists()
                    .last
                    .contains(&text(&columns[2].values[row]))
            })
            .count()
    };
    let followed = english(&generated(true));
    assert!(
        followed < ROWS / 10,
        "{followed} English names where none is"
    );
    let foreign = ROWS / 4 * 3;
    assert_eq!(
        english(&generated(false)),
        foreign,
        "every real name is English"
    );
}

/// Accounts whose e-mails are `u` and six digits at one domain (an account number, no name),
/// except every tenth, a person's name with two digits.
fn accounts() -> Table {
    let email = (0..ROWS)
        .map(|i| match i % 10 {
            0 => format!(
                "zed{}.qua{}{:02}@example.com",
                letters(i),
                letters(i + 1),
                i % 100
            ),
            _ => format!("u{:06}@example.com", (i * 7919) % 1_000_000),
        })
        .collect();
    let tiers = (0..ROWS)
        .map(|i| ["basic", "premium"][i % 2].to_string())
        .collect();
    table(
        "customers",
        vec![
            column("tier", ColumnKind::Categorical, tiers),
            column("email", ColumnKind::Id, email),
        ],
    )
}

#[test]
fn emails_keep_the_real_shape_of_account_numbers() {
    let real = accounts();
    let columns = filled(&real);
    let real_users: HashSet<&str> = real.columns[1]
        .values
        .iter()
        .filter_map(|v| text(v).split('@').next())
        .collect();
    let shaped = columns[1]
        .values
        .iter()
        .map(text)
        .filter(|email| {
            let user = email.split('@').next().unwrap_or_default();
            let digits = user.strip_prefix('u').unwrap_or_default();
            digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .count();
    assert!(
        (0.8..=0.97).contains(&(shaped as f64 / ROWS as f64)),
        "{shaped} of {ROWS} in the real shape (90% of the real ones)"
    );
    for value in &columns[1].values {
        let email = text(value);
        let user = email.split('@').next().unwrap_or_default();
        assert!(is_email(email), "{email}");
        assert!(
            !user.starts_with("zed") && !real_users.contains(user),
            "{email}: a rare real username (or its shape) replayed"
        );
    }
}

#[test]
fn phones_carry_the_country_calling_code() {
    let (_, columns) = generated();
    for row in 0..ROWS {
        let country = text(&columns[0].values[row]);
        let code = CODES[COUNTRIES.iter().position(|c| *c == country).unwrap_or(0)];
        let phone = text(&columns[4].values[row]);
        assert!(
            phone.starts_with(&format!("{code} ")),
            "{phone} for {country}"
        );
    }
}

#[test]
fn no_unique_real_value_of_a_personal_column_is_replayed() {
    let (real, columns) = generated();
    for (real_column, column) in real.columns.iter().zip(&columns).skip(1) {
        let real_values: HashSet<&str> = real_column.values.iter().map(text).collect();
        let replayed = column
            .values
            .iter()
            .filter(|v| real_values.contains(text(v)))
            .count();
        assert_eq!(replayed, 0, "column {}", real_column.name);
    }
}

#[test]
fn generators_that_do_not_fit_the_table_are_refused() {
    let real = people();
    let semantic = trained(&real);
    let columns = real.columns.len();
    assert!(semantic.check(columns).is_ok());
    assert!(
        semantic.check(columns - 1).is_err(),
        "fewer columns than types"
    );
    let mut extra = semantic.clone();
    extra.types.push(crate::schema::SemanticType::None);
    assert!(extra.check(columns).is_err(), "more types than columns");
}

/// A table of customers with these titles and first names (and made-up last names).
fn titled_people(titles: Vec<String>, names: Vec<String>) -> Table {
    let rows = titles.len();
    let last = (0..rows).map(|i| format!("Qua{}", letters(i))).collect();
    let columns = vec![
        column("salutation", ColumnKind::Categorical, titles),
        column("first_name", ColumnKind::Id, names),
        column("last_name", ColumnKind::Id, last),
    ];
    table("customers", columns)
}

/// A title column decides the gender of the first names drawn: `Mr.` rows get names real men's
/// titles had, `Mrs.` and `Ms.` rows names of either women's title (pooled), and a name seen
/// fewer times than the threshold is never drawn (replaced by a name of the public list of the
/// row's gender).
#[test]
fn first_names_agree_with_titles() {
    const MEN: [&str; 3] = ["Arthur", "Bruno", "Cyril"];
    const MRS: [&str; 2] = ["Alma", "Beatrix"];
    const MS: [&str; 2] = ["Clara", "Dora"];
    let mut titles = Vec::new();
    let mut names = Vec::new();
    for i in 0..600 {
        let (title, name) = match i % 3 {
            0 => ("Mr.", MEN[i % MEN.len()]),
            1 => ("Mrs.", MRS[i % MRS.len()]),
            _ => ("Ms.", MS[i % MS.len()]),
        };
        titles.push(title.to_string());
        names.push(if i == 0 { "Zebulon" } else { name }.to_string());
    }
    let synthetic = filled(&titled_people(titles, names));
    let mut pooled = 0;
    for row in 0..600 {
        let (title, name) = (
            text(&synthetic[0].values[row]),
            text(&synthetic[1].values[row]),
        );
        match title {
            "Mr." => assert!(
                MEN.contains(&name) || gendered::MEN.contains(&name),
                "Mr. {name}"
            ),
            _ => {
                assert!(
                    MRS.contains(&name) || MS.contains(&name) || gendered::WOMEN.contains(&name),
                    "{title} {name}"
                );
                pooled += usize::from(title == "Ms." && MRS.contains(&name));
            }
        }
    }
    assert!(
        pooled > 20,
        "{pooled} Ms. rows with a Mrs. name: women's titles share names"
    );
}

/// A row whose title says no gender (`Dr.`), with a name too rare to reuse, gets a common
/// given name of either gender, and rare family names common ones: `fake`'s English lists gave
/// `Dr.` customers names such as Kariane, Ulices and Verla, and surnames such as Runolfsdottir.
#[test]
fn names_of_rows_without_a_gender_are_common_ones() {
    let (mut titles, mut names) = (Vec::new(), Vec::new());
    for i in 0..600 {
        titles.push(if i % 2 == 0 { "Dr." } else { "Mr." }.to_string());
        names.push(format!("Ra{}", letters(i)));
    }
    let synthetic = filled(&titled_people(titles, names));
    let (mut women, mut men) = (0, 0);
    for row in 0..600 {
        let (title, name) = (
            text(&synthetic[0].values[row]),
            text(&synthetic[1].values[row]),
        );
        assert!(gendered::EITHER.contains(&name), "{title} {name}");
        let last = text(&synthetic[2].values[row]);
        assert!(surnames::SURNAMES.contains(&last), "{name} {last}");
        if title == "Dr." {
            women += usize::from(gendered::WOMEN.contains(&name));
            men += usize::from(gendered::MEN.contains(&name));
        }
    }
    assert!(
        women > 50 && men > 50,
        "Dr. rows: {women} women's, {men} men's names"
    );
}

/// Addresses no two real rows share stay unique, however often the names they are built
/// from repeat (a number follows the user name: `anna.smith2@`); a column whose real rows
/// share one keeps the addresses as drawn.
#[test]
fn unique_addresses_stay_unique() {
    let addresses = |shared: bool| {
        let mut real = people();
        for (row, value) in real.columns[1].values.iter_mut().enumerate() {
            *value = Value::Label(Arc::from(["Anna", "Boris"][row % 2]));
        }
        for (row, value) in real.columns[2].values.iter_mut().enumerate() {
            *value = Value::Label(Arc::from(["Smith", "Jones", "Brown"][row % 3]));
        }
        for (row, value) in real.columns[3].values.iter_mut().enumerate() {
            // Letters, not digits: usernames with digits in a frequent shape keep that shape.
            let address = format!(
                "client{}@mail.com",
                letters(if shared { row / 2 } else { row })
            );
            *value = Value::Label(Arc::from(address));
        }
        let synthetic = filled(&real);
        let addresses: Vec<String> = synthetic[3]
            .values
            .iter()
            .map(|value| text(value).to_string())
            .collect();
        addresses
    };
    let unique = addresses(false);
    let distinct: HashSet<&String> = unique.iter().collect();
    assert_eq!(distinct.len(), ROWS, "every address once");
    let numbered = unique
        .iter()
        .filter(|a| a.contains(|c: char| c.is_ascii_digit()));
    assert!(
        numbered.count() > ROWS / 2,
        "six names for 300 rows: most numbered"
    );
    assert!(unique.iter().all(|address| is_email(address)));
    let shared = addresses(true);
    let distinct: HashSet<&String> = shared.iter().collect();
    assert!(
        distinct.len() < ROWS / 2,
        "{} distinct of shared ones",
        distinct.len()
    );
}

#[test]
fn regenerated_columns_do_not_depend_on_what_was_drawn() {
    let mut real = people();
    // Frequent first names: a drawn one that is frequent is kept, so the column is not
    // regenerated.
    for (row, value) in real.columns[1].values.iter_mut().enumerate() {
        *value = Value::Label(Arc::from(["Anna", "Boris", "Clara"][row % 3]));
    }
    let semantic = trained(&real);
    let regenerated = semantic.regenerated();
    assert_eq!(regenerated, vec![2, 3, 4], "last names, e-mails, phones");
    let fill = |mut columns: Vec<Column>| {
        let base = rng_for(7, "people").random();
        let mut uniques = semantic.uniques();
        semantic.fill(&mut columns, &ParentColumns::new(), (0, base), &mut uniques);
        columns
    };
    // Drawn as real values, or as placeholders, with the same empty cells.
    let mut drawn_real = real.columns.clone();
    let mut drawn = real.columns.clone();
    for &column in &regenerated {
        let cells = drawn_real[column]
            .values
            .iter_mut()
            .zip(&mut drawn[column].values);
        for (row, (real_value, value)) in cells.enumerate() {
            if row % 10 == 0 {
                (*real_value, *value) = (Value::Null, Value::Null);
            } else {
                *value = Value::Label(Arc::from(""));
            }
        }
    }
    let expected = fill(drawn_real);
    let columns = fill(drawn);
    for &column in &regenerated {
        for (row, value) in columns[column].values.iter().enumerate() {
            if row % 10 == 0 {
                assert!(value.is_null(), "an empty cell stays empty");
            } else {
                assert_eq!(
                    value, &expected[column].values[row],
                    "column {column} row {row}"
                );
            }
        }
    }
}

/// Women whose names are rarer than the threshold keep their share of fresh women's names: one
/// frequent name (a tenth of the rows) stays a tenth instead of standing for every woman, and
/// no name of the public list takes more than a few rows in a hundred.
#[test]
fn rare_titled_names_are_replaced_by_names_of_the_same_gender() {
    const ROWS: usize = 2000;
    let mut titles = Vec::new();
    let mut names = Vec::new();
    for i in 0..ROWS {
        titles.push(if i % 2 == 0 { "Mrs." } else { "Mr." }.to_string());
        names.push(match i % 20 {
            0 => "Alma".to_string(),
            1 => "Bruno".to_string(),
            _ => format!("Rare{}", letters(i)),
        });
    }
    let synthetic = filled(&titled_people(titles, names));
    let mut counts: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for row in 0..ROWS {
        let (title, name) = (
            text(&synthetic[0].values[row]),
            text(&synthetic[1].values[row]),
        );
        let public = if title == "Mrs." {
            gendered::WOMEN
        } else {
            gendered::MEN
        };
        let frequent = if title == "Mrs." { "Alma" } else { "Bruno" };
        assert!(
            name == frequent || public.contains(&name),
            "{title} {name}: a real frequent name or a public one of the gender"
        );
        *counts.entry((title, name)).or_default() += 1;
    }
    for ((title, name), count) in counts {
        let share = count as f64 / (ROWS / 2) as f64;
        if name == "Alma" || name == "Bruno" {
            assert!((share - 0.1).abs() < 0.03, "{title} {name}: {share}");
        } else {
            assert!(share < 0.04, "{title} {name}: {share}");
        }
    }
}

/// Addresses of 300 rows: towns and counties each in 3 rows (rarer than the threshold of 5)
/// apart from one town and one county in 60 rows each, and a state column of codes.
fn addresses() -> Table {
    let rare = |i: usize, frequent: &str, made: String| {
        if i < 60 { frequent.to_string() } else { made }
    };
    let towns = (0..ROWS)
        .map(|i| rare(i, "Springfield", format!("Zedtown {}", letters(i / 3))))
        .collect();
    let counties = (0..ROWS)
        .map(|i| rare(i, "Grant County", format!("Qua{} County", letters(i / 3))))
        .collect();
    let states = (0..ROWS)
        .map(|i| ["TX", "GA", "KY"][i % 3].to_string())
        .collect();
    let columns = vec![
        column("city", ColumnKind::Categorical, towns),
        column("county", ColumnKind::Categorical, counties),
        column("state", ColumnKind::Categorical, states),
    ];
    table("addresses", columns)
}

#[test]
fn rare_places_become_real_place_names_in_the_real_shape() {
    let real = addresses();
    let columns = filled(&real);
    let rare_real: HashSet<&str> = real.columns[..2]
        .iter()
        .flat_map(|c| c.values.iter().map(text))
        .filter(|v| *v != "Springfield" && *v != "Grant County")
        .collect();
    for (index, frequent, suffix) in [(0, "Springfield", ""), (1, "Grant County", " County")] {
        let values: Vec<&str> = columns[index].values.iter().map(text).collect();
        let kept = values.iter().filter(|v| **v == frequent).count() as f64 / ROWS as f64;
        // 60 of 300 rows hold the frequent value: kept in those, fresh names elsewhere.
        assert!((0.12..=0.28).contains(&kept), "{frequent}: {kept}");
        let fresh: HashSet<&str> = values.iter().copied().filter(|v| *v != frequent).collect();
        assert!(fresh.len() >= 40, "{} distinct fresh names", fresh.len());
        for value in &fresh {
            assert!(!rare_real.contains(value), "rare real `{value}` replayed");
            let name = value
                .strip_suffix(suffix)
                .expect("the real values' last word");
            assert!(
                [super::places::TOWNS, super::places::COUNTIES]
                    .concat()
                    .contains(&name),
                "`{value}` is not from the public lists"
            );
        }
    }
    assert_eq!(
        columns[2].values, real.columns[2].values,
        "state codes are the table model's"
    );
}

/// 300 rows of real counties (each in 3 rows, rarer than the threshold, but for 60 rows of
/// `Travis County` when `in_state`), each in its row's state when `in_state`, else in another.
fn counties_with_states(in_state: bool) -> Table {
    let states = ["TX", "GA", "KY"];
    let state_of = |i: usize| if in_state { i % 3 } else { (i + 1) % 3 };
    let counties = (0..ROWS)
        .map(|i| match super::county::state_named(states[state_of(i)]) {
            _ if in_state && i < 180 && i % 3 == 0 => "Travis County".to_string(),
            Some(state) => state.counties[i / 3 % state.counties.len()].to_string(),
            None => String::new(),
        })
        .collect();
    let rows = (0..ROWS).map(|i| states[i % 3].to_string()).collect();
    let columns = vec![
        column("county", ColumnKind::Categorical, counties),
        column("state", ColumnKind::Categorical, rows),
    ];
    table("addresses", columns)
}

/// The share of rows whose county is one of their state's.
fn in_state_share(columns: &[Column]) -> f64 {
    let inside = columns[0]
        .values
        .iter()
        .zip(&columns[1].values)
        .filter(|(county, state)| {
            super::county::state_named(text(state)).is_some_and(|s| s.has(text(county)))
        })
        .count();
    inside as f64 / ROWS as f64
}

#[test]
fn a_county_lies_in_its_row_state_when_the_real_ones_do() {
    let real = counties_with_states(true);
    assert_eq!(in_state_share(&real.columns), 1.0);
    let columns = filled(&real);
    assert_eq!(
        in_state_share(&columns),
        1.0,
        "every county in its row's state"
    );
    let values: HashSet<&str> = columns[0].values.iter().map(text).collect();
    assert!(values.len() >= 60, "{} distinct counties", values.len());
    let travis = columns[0]
        .values
        .iter()
        .filter(|v| text(v) == "Travis County")
        .count();
    // The frequent county is reused in as many rows as rows reuse frequent values (a fifth),
    // in Texas only: about 20 of the 100 Texan rows.
    assert!(
        (10..=35).contains(&travis),
        "the frequent county kept: {travis}"
    );
    // Real counties not in their rows' states: the state column tells nothing, and the
    // counties are drawn as before, from the list of common names.
    let real = counties_with_states(false);
    assert!(in_state_share(&real.columns) < 0.25);
    assert!(in_state_share(&filled(&real)) < 0.5);
}

/// The fresh streets generators make of 300 rows of unique real streets (rarer than the
/// threshold: every one regenerated), written in the shape `street` gives row `i`.
fn fresh_streets(street: impl Fn(usize) -> String) -> Vec<String> {
    let values = (0..ROWS).map(street).collect();
    let real = table(
        "addresses",
        vec![column("street_name", ColumnKind::Categorical, values)],
    );
    let columns = filled(&real);
    columns[0]
        .values
        .iter()
        .map(|v| text(v).to_string())
        .collect()
}

/// Whether a street starts with a house number, and its number of words.
fn street_shape(value: &str) -> (bool, usize) {
    let words: Vec<&str> = value.split_whitespace().collect();
    let numbered = words
        .first()
        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()));
    (numbered, words.len())
}

/// The `i`th one-word name of the public street list, in turn.
fn one_word_street(i: usize) -> &'static str {
    let single: Vec<&str> = super::places::STREETS
        .iter()
        .copied()
        .filter(|name| !name.contains(' '))
        .collect();
    single[i % single.len()]
}

/// Real streets of one case of `fresh_streets_keep_the_real_values_shape`.
type Spelled = &'static dyn Fn(usize) -> String;

#[test]
fn fresh_streets_keep_the_real_values_shape() {
    let listed: HashSet<&str> = super::places::STREETS
        .iter()
        .flat_map(|name| name.split_whitespace())
        .collect();
    // Names only, two words each (TPC-DS's `Dogwood Sunset` and `Cedar Lake` beside number and
    // type columns: `Lake` is a name there, though a suffix in some lists); whole addresses (a
    // house number, a name and a suffix); an ordinal is a name, not a house number (`6th
    // Avenue`: a name and a suffix). Each with whether its names are all from the list.
    let cases: [(Spelled, (bool, usize), bool); 4] = [
        (
            &|i| format!("Qua{} Zed{}", letters(i), letters(i * 7)),
            (false, 2),
            true,
        ),
        (
            &|i| format!("{} {}", one_word_street(i), ["Lake", "Hill", "View"][i % 3]),
            (false, 2),
            true,
        ),
        (
            &|i| format!("{} Qua{} Street", 10 + i, letters(i)),
            (true, 3),
            false,
        ),
        (&|i| format!("{}th Avenue", 4 + i), (false, 2), false),
    ];
    for (case, (street, shape, names_listed)) in cases.into_iter().enumerate() {
        let real: Vec<String> = (0..ROWS).map(street).collect();
        for value in fresh_streets(street) {
            assert_eq!(street_shape(&value), shape, "case {case}: `{value}`");
            let words = value.split_whitespace();
            assert!(
                !names_listed || words.clone().all(|w| listed.contains(w)),
                "`{value}`"
            );
            // (Names from the public list may meet a real one by chance: case 1's are all such.)
            assert!(
                !real.contains(&value) || case == 1,
                "a rare real `{value}` replayed"
            );
        }
    }
    // Names of two words in two rows of three, of one word in the third: kept in about those
    // shares (a column of fewer words than 1.5 on average is one of bare names, drawn from
    // the list one by one).
    let mixed = fresh_streets(|i| match i % 3 {
        0 => format!("Qua{}", letters(i)),
        _ => format!("Qua{} Zed{}", letters(i), letters(i * 7)),
    });
    let two = mixed
        .iter()
        .filter(|v| street_shape(v) == (false, 2))
        .count() as f64
        / ROWS as f64;
    assert!(
        (0.57..=0.77).contains(&two),
        "{two} of the streets with two names"
    );
}

/// Customers keyed `id` from 101 on (shuffled), with `name` the key's text (`Customer#000000101`),
/// as TPC-H's `c_name`; `spelled` makes the name of each key.
fn keyed_customers(spelled: impl Fn(usize) -> String) -> (Schema, Table) {
    let keys: Vec<usize> = (0..ROWS).map(|i| 101 + (i * 7) % ROWS).collect();
    let names = keys.iter().map(|&key| spelled(key)).collect();
    let mut real = table("customers", vec![column("name", ColumnKind::Id, names)]);
    let mut id = crate::data::TextColumn::default();
    for key in &keys {
        id.push(Some(&key.to_string())).expect("small");
    }
    real.keys.insert("id".into(), id);
    let schema = Schema::parse(
        "tables:\n  customers: {path: c.csv, primary_key: id}\n",
        Path::new("s.yaml"),
        Path::new("."),
    )
    .expect("valid");
    (schema, real)
}

/// The names generators trained on `real` write for rows 40.. of the synthetic table (a part
/// that does not start at the first row), or `None` when they do not write the column.
fn names_from_row_40(schema: &Schema, real: &Table) -> Option<Vec<String>> {
    let semantic = train(&schema.tables[0], real, false, &[], 5, 5)?;
    semantic.key_texts().first()?;
    let mut columns = real.columns.clone();
    let rows = (40, rng_for(7, "keyed").random());
    semantic.fill(
        &mut columns,
        &ParentColumns::new(),
        rows,
        &mut semantic.uniques(),
    );
    Some(
        columns[0]
            .values
            .iter()
            .map(|v| text(v).to_string())
            .collect(),
    )
}

/// How a planted column spells a row's key.
type Spelling = fn(usize) -> String;

#[test]
fn text_that_spells_the_key_follows_the_new_key() {
    let cases: [(&str, Spelling); 2] = [
        ("padded", |key| format!("Customer#{key:09}")),
        ("plain, with a suffix", |key| format!("INV-{key}/A")),
    ];
    for (case, spelled) in cases {
        let (schema, real) = keyed_customers(spelled);
        let names = names_from_row_40(&schema, &real).expect(case);
        let wanted: Vec<String> = (41..41 + ROWS).map(spelled).collect();
        assert_eq!(names, wanted, "{case}");
    }
}

#[test]
fn text_that_does_not_spell_the_key_is_not_key_text() {
    let cases: [(&str, Spelling); 3] = [
        ("another number", |key| format!("Customer#{:09}", key + 1)),
        ("two prefixes", |key| {
            format!("{}{key:06}", if key % 2 == 0 { "A" } else { "B" })
        }),
        ("two widths of padding", |key| {
            if key % 2 == 0 {
                format!("C{key:06}")
            } else {
                format!("C{key:08}")
            }
        }),
    ];
    for (case, spelled) in cases {
        let (schema, real) = keyed_customers(spelled);
        assert_eq!(names_from_row_40(&schema, &real), None, "{case}");
    }
    let (schema, mut real) = keyed_customers(|key| format!("C{key}"));
    real.columns[0].values[5] = Value::Null;
    assert_eq!(names_from_row_40(&schema, &real), None, "an empty name");
    let (schema, real) = keyed_customers(|key| format!("C{key}"));
    let few = real.subset(&(0..19).collect::<Vec<_>>());
    assert_eq!(names_from_row_40(&schema, &few), None, "19 rows");
}

/// A lookup table's label of several words (TPC-DS `cc_mkt_class`) is drawn as text, each word
/// following the one before as in real labels, not as words drawn one by one.
#[test]
fn a_label_of_several_words_follows_its_word_pairs() {
    let (adjectives, nouns, verbs) = (
        ["quiet", "bright", "cold", "open"],
        ["river", "house", "road", "field"],
        ["returns", "waits", "sings", "falls"],
    );
    let labels: Vec<String> = (0..64)
        .map(|i| {
            format!(
                "{} {} {}",
                adjectives[i % 4],
                nouns[i / 4 % 4],
                verbs[i / 16]
            )
        })
        .collect();
    let real = table(
        "regions",
        vec![column("motto", ColumnKind::Text, labels.clone())],
    );
    let schema = Schema::parse(
        "tables:\n  regions: {path: r.csv}\n",
        Path::new("s.yaml"),
        Path::new("."),
    )
    .expect("valid");
    let semantic =
        train(&schema.tables[0], &real, true, &[], 1, 5).expect("the label is drawn as text");
    assert_eq!(
        semantic.types,
        [SemanticType::Label],
        "a lookup table's label"
    );
    // What the table model drew: the real words in an order no real label has.
    let reversed = labels
        .iter()
        .map(|label| label.split(' ').rev().collect::<Vec<_>>().join(" "))
        .collect();
    let mut columns = vec![column("motto", ColumnKind::Text, reversed)];
    let (rows, mut uniques) = ((0, rng_for(9, "labels").random()), semantic.uniques());
    semantic.fill(&mut columns, &ParentColumns::new(), rows, &mut uniques);
    let share = super::text::bigram_share(
        labels.iter().map(String::as_str),
        columns[0].values.iter().map(text),
    );
    assert!(share.is_some_and(|share| share > 0.99), "{share:?}");
}

/// Addresses whose ZIP codes start with two digits of their state's (`TX` 75xxx or 76xxx), or,
/// with `told: false`, with digits that have nothing to do with the state.
fn zip_addresses(told: bool) -> Table {
    const STATES: [(&str, [&str; 2]); 5] = [
        ("TX", ["75", "76"]),
        ("WA", ["98", "99"]),
        ("AZ", ["85", "86"]),
        ("PA", ["15", "19"]),
        ("NY", ["10", "14"]),
    ];
    let mut rng = rng_for(3, "zips");
    let (mut states, mut zips) = (Vec::new(), Vec::new());
    for row in 0..600 {
        let (state, prefixes) = STATES[row % 5];
        let prefix = if told {
            prefixes[rng.random_range(0..2)].to_string()
        } else {
            format!("{:02}", rng.random_range(10..100))
        };
        states.push(state.to_string());
        zips.push(format!("{prefix}{:03}", rng.random_range(0..1000)));
    }
    table(
        "customers",
        vec![
            column("state", ColumnKind::Categorical, states),
            column("zip", ColumnKind::Id, zips),
        ],
    )
}

/// The share of rows of `zips` whose first two digits some real row of the same state has.
fn zips_of_their_state(real: &Table, zips: &Column) -> f64 {
    let state = |row: usize| text(&real.columns[0].values[row]).to_string();
    let real_pairs: HashSet<(String, String)> = (0..real.rows())
        .map(|row| {
            (
                state(row),
                text(&real.columns[1].values[row])[..2].to_string(),
            )
        })
        .collect();
    let agree = (0..real.rows())
        .filter(|&row| {
            let zip = text(&zips.values[row]);
            zip.len() == 5 && real_pairs.contains(&(state(row), zip[..2].to_string()))
        })
        .count();
    agree as f64 / real.rows() as f64
}

#[test]
fn zip_codes_start_as_their_states_do() {
    let real = zip_addresses(true);
    let columns = filled(&real);
    assert_ne!(columns[1].values, real.columns[1].values, "zips are drawn");
    let share = zips_of_their_state(&real, &columns[1]);
    assert!(
        share >= 0.99,
        "{share} of the zips start as their state's do"
    );
    // A state that says nothing of the zip: zips in the shape, with any first digits. A state's
    // 120 real rows have about 66 of the 90 prefixes, so some 70% agree by chance; all would,
    // were prefixes kept for the state.
    let random = zip_addresses(false);
    let columns = filled(&random);
    let share = zips_of_their_state(&random, &columns[1]);
    assert!(share < 0.85, "{share}: no region told");
}

/// A column of sexes (`M`, `F`, a few `U`) gives first names as titles do: a woman's name
/// beside `F`, a man's beside `M`, either beside `U`.
#[test]
fn first_names_agree_with_a_sex_column() {
    const MEN: [&str; 3] = ["Arthur", "Bruno", "Cyril"];
    const WOMEN: [&str; 3] = ["Alma", "Beatrix", "Clara"];
    let mut sexes = Vec::new();
    let mut names = Vec::new();
    for i in 0..600 {
        let (sex, name) = match i % 20 {
            0 => ("U", "Dana"),
            k if k % 2 == 1 => ("M", MEN[i % MEN.len()]),
            _ => ("F", WOMEN[i % WOMEN.len()]),
        };
        sexes.push(sex.to_string());
        names.push(name.to_string());
    }
    let synthetic = filled(&titled_people(sexes, names));
    for row in 0..600 {
        let (sex, name) = (
            text(&synthetic[0].values[row]),
            text(&synthetic[1].values[row]),
        );
        match sex {
            "M" => assert!(
                MEN.contains(&name) || gendered::MEN.contains(&name),
                "M {name}"
            ),
            "F" => assert!(
                WOMEN.contains(&name) || gendered::WOMEN.contains(&name),
                "F {name}"
            ),
            _ => {}
        }
    }
}

/// Addresses in six cities of two states, each city's ZIP codes on one prefix of three digits
/// and each state's on three: the drawn ZIP codes take their city's prefix, not any of the
/// state's.
#[test]
fn zip_codes_start_as_their_citys_do() {
    const CITIES: [(&str, &str, &str); 6] = [
        ("Dallas", "TX", "752"),
        ("Houston", "TX", "770"),
        ("Austin", "TX", "787"),
        ("Seattle", "WA", "981"),
        ("Spokane", "WA", "992"),
        ("Tacoma", "WA", "984"),
    ];
    let mut rng = rng_for(3, "city zips");
    let (mut cities, mut states, mut zips) = (Vec::new(), Vec::new(), Vec::new());
    for row in 0..600 {
        let (city, state, prefix) = CITIES[row % 6];
        cities.push(city.to_string());
        states.push(state.to_string());
        zips.push(format!("{prefix}{:02}", rng.random_range(0..100)));
    }
    let real = table(
        "customers",
        vec![
            column("city", ColumnKind::Categorical, cities),
            column("state", ColumnKind::Categorical, states),
            column("zip", ColumnKind::Id, zips),
        ],
    );
    let columns = filled(&real);
    assert_ne!(columns[2].values, real.columns[2].values, "zips are drawn");
    let wrong = (0..real.rows())
        .filter(|&row| {
            let (city, zip) = (text(&columns[0].values[row]), text(&columns[2].values[row]));
            let prefix = CITIES.iter().find(|c| c.0 == city).map(|c| c.2);
            prefix.is_none_or(|prefix| !zip.starts_with(prefix))
        })
        .count();
    assert_eq!(wrong, 0, "zips on another prefix than their city's");
}

/// Agents of three agencies, each writing from its agency's domain: the drawn addresses keep to
/// the agency's domain. With the domains given out at random, no column tells them.
#[test]
fn e_mail_domains_follow_the_column_that_tells_them() {
    const AGENCIES: [(&str, &str); 3] = [
        ("Prime Estates", "primeestates.com"),
        ("Lone Star Realty", "lonestarrealty.com"),
        ("BlueSky Properties", "blueskyproperties.com"),
    ];
    let agents = |told: bool| {
        let (mut agencies, mut emails) = (Vec::new(), Vec::new());
        for row in 0..600 {
            let (agency, domain) = AGENCIES[row % 3];
            let domain = if told {
                domain
            } else {
                AGENCIES[row * 7 / 5 % 3].1
            };
            agencies.push(agency.to_string());
            emails.push(format!("agent{row}@{domain}"));
        }
        table(
            "agents",
            vec![
                column("agency", ColumnKind::Categorical, agencies),
                column("email", ColumnKind::Id, emails),
            ],
        )
    };
    let agreeing = |real: &Table| {
        let columns = filled(real);
        let agree = (0..real.rows())
            .filter(|&row| {
                let agency = text(&columns[0].values[row]);
                let email = text(&columns[1].values[row]);
                AGENCIES
                    .iter()
                    .any(|(a, domain)| *a == agency && email.ends_with(&format!("@{domain}")))
            })
            .count();
        agree as f64 / real.rows() as f64
    };
    assert_eq!(agreeing(&agents(true)), 1.0);
    let random = agreeing(&agents(false));
    assert!(
        random < 0.6,
        "{random} agree with domains given out at random"
    );
}

/// British and French customers: each country's postcodes keep their own shape (`SW1A 2AA`
/// against `75001`), where the column's shape alone wrote a British postcode in French digits
/// one time in two.
#[test]
fn postcodes_take_their_countrys_shape() {
    let mut rng = rng_for(3, "country postcodes");
    let (mut countries, mut codes) = (Vec::new(), Vec::new());
    let letter = |rng: &mut crate::sampling::SynthRng| {
        char::from(b'A' + rng.random_range(0..26u8)).to_string()
    };
    for row in 0..400 {
        let british = row % 2 == 0;
        countries.push(if british { "GB" } else { "FR" }.to_string());
        codes.push(match british {
            true => format!(
                "{}{}{} {}{}{}",
                letter(&mut rng),
                letter(&mut rng),
                rng.random_range(1..10),
                rng.random_range(1..10),
                letter(&mut rng),
                letter(&mut rng)
            ),
            false => format!("{:05}", rng.random_range(1000..96000)),
        });
    }
    let real = table(
        "customers",
        vec![
            column("country", ColumnKind::Categorical, countries),
            column("postcode", ColumnKind::Id, codes),
        ],
    );
    let columns = filled(&real);
    let shape = |code: &str| {
        code.chars()
            .map(|c| match c {
                '0'..='9' => '9',
                'A'..='Z' => 'A',
                other => other,
            })
            .collect::<String>()
    };
    for row in 0..real.rows() {
        let (country, code) = (text(&columns[0].values[row]), text(&columns[1].values[row]));
        let wanted = if country == "GB" { "AA9 9AA" } else { "99999" };
        assert_eq!(shape(code), wanted, "{country} {code}");
    }
}

/// Customers of four cities, each city's phones on one or two area codes (`214-…` in Dallas),
/// ten more on area codes of one row each, every exchange from 200 to 999 (N11 ones too): the
/// drawn phones keep to their city's area codes, where drawn digit by digit 999 in 1,000 did
/// not, and no area code or exchange is an N11 code. Given out at random, the area codes are
/// told by no column, and are drawn from the frequent ones alone.
#[test]
fn phone_area_codes_are_real_ones_of_their_city() {
    const CITIES: [(&str, [&str; 2]); 4] = [
        ("Dallas", ["214", "469"]),
        ("Seattle", ["206", "206"]),
        ("Boston", ["617", "857"]),
        ("Denver", ["303", "720"]),
    ];
    let frequent: Vec<&str> = CITIES
        .iter()
        .flat_map(|(_, codes)| codes)
        .copied()
        .collect();
    let customers = |told: bool| {
        let mut rng = rng_for(5, "city phones");
        let (mut cities, mut phones) = (Vec::new(), Vec::new());
        for row in 0..610 {
            let (city, codes) = CITIES[row % 4];
            let area = match (row >= 600, told) {
                (true, _) => format!("{}", 230 + row - 600),
                (false, true) => codes[row / 4 % 2].to_string(),
                (false, false) => frequent[row * 7 / 5 % 8].to_string(),
            };
            let exchange = rng.random_range(200..1000);
            let line = rng.random_range(0..10_000);
            cities.push(city.to_string());
            phones.push(format!("{area}-{exchange}-{line:04}"));
        }
        table(
            "customers",
            vec![
                column("city", ColumnKind::Categorical, cities),
                column("phone", ColumnKind::Id, phones),
            ],
        )
    };
    let of_city = |real: &Table| {
        let columns = filled(real);
        let (mut agree, mut fresh) = (0, 0);
        for row in 0..real.rows() {
            let (city, phone) = (text(&columns[0].values[row]), text(&columns[1].values[row]));
            let groups: Vec<&str> = phone.split('-').collect();
            assert!(
                !groups[0].ends_with("11") && !groups[1].ends_with("11"),
                "{phone}: an N11 code"
            );
            fresh += usize::from(!frequent.contains(&groups[0]));
            let codes = CITIES
                .iter()
                .find(|(c, _)| *c == city)
                .map(|(_, codes)| codes);
            agree += usize::from(codes.is_some_and(|codes| codes.contains(&groups[0])));
        }
        (agree as f64 / real.rows() as f64, fresh)
    };
    let told = customers(true);
    let real_n11 = (told.columns[1].values.iter())
        .filter(|phone| {
            text(phone)
                .split('-')
                .nth(1)
                .is_some_and(|e| e.ends_with("11"))
        })
        .count();
    assert!(real_n11 > 0, "the real exchanges hold N11 ones");
    assert_eq!(
        of_city(&told),
        (1.0, 0),
        "every city's rows have frequent codes"
    );
    let (random, fresh) = of_city(&customers(false));
    assert!(
        random < 0.5,
        "{random} of their city with codes given out at random"
    );
    // As many fresh codes as real rows had a rare one (10 of 610), give or take chance.
    assert!((1..=30).contains(&fresh), "{fresh} fresh area codes");
}

/// 300 real companies, all distinct, of made-up family names (`Zorabc`, each in one name):
/// American ones `{N}, {N} and {N}`, `{N} Inc`, `{N}-{N}`; German ones `{N} GmbH`, `{N} {N}
/// AG`; Swedish ones `{N} & {N} AB` (Sweden is a country without a locale of its own).
fn companies() -> Table {
    let made = |i: usize| {
        let name = format!("Zor{}", letters(i));
        let mut chars = name.chars();
        chars.next().map_or(String::new(), |first| {
            first.to_uppercase().chain(chars).collect()
        })
    };
    let (mut countries, mut names) = (Vec::new(), Vec::new());
    for row in 0..ROWS {
        let (a, b, c) = (made(3 * row), made(3 * row + 1), made(3 * row + 2));
        let (country, name) = match row % 6 {
            0 => ("US", format!("{a}, {b} and {c}")),
            1 => ("US", format!("{a} Inc")),
            2 => ("US", format!("{a}-{b}")),
            3 => ("DE", format!("{a} GmbH")),
            4 => ("DE", format!("{a} {b} AG")),
            _ => ("SE", format!("{a} & {b} AB")),
        };
        countries.push(country.to_string());
        names.push(name);
    }
    table(
        "accounts",
        vec![
            column("country", ColumnKind::Categorical, countries),
            column("company_name", ColumnKind::Categorical, names),
        ],
    )
}

/// Left to the table model, a SaaS table's company names were legal and joining words alone
/// (`PLC and and &`, 61% of 600) and 194 of 600 repeated: fresh names take the real shapes of
/// their row's country, with family names of the row's locale, all distinct as the real ones.
#[test]
fn company_names_take_their_countrys_real_shapes() {
    let real = companies();
    let semantic = trained(&real);
    assert_eq!(semantic.types[1], SemanticType::Company);
    let columns = filled(&real);
    let names: Vec<&str> = columns[1].values.iter().map(text).collect();
    let distinct: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ROWS,
        "every real name is distinct: so are the fresh ones"
    );
    let listed = |word: &str| {
        [Locale::En, Locale::De]
            .iter()
            .any(|locale| locale.lists().last.contains(&word))
    };
    for (row, name) in names.iter().enumerate() {
        assert!(!name.contains("Zor"), "a real family name replayed: {name}");
        // German family names may hold a hyphen (`Müller-Schwarzenberg`).
        let family: usize = name
            .split([' ', ','])
            .map(|word| match listed(word) {
                true => 1,
                false if word.split('-').all(listed) => word.split('-').count(),
                false => 0,
            })
            .sum();
        let wanted = match text(&columns[0].values[row]) {
            "US" => [(" and ", 3), (" Inc", 1), ("-", 2)]
                .iter()
                .any(|(mark, names)| name.contains(mark) && family == *names),
            "DE" => {
                (name.ends_with(" GmbH") && family == 1) || (name.ends_with(" AG") && family == 2)
            }
            _ => name.ends_with(" AB") && name.contains(" & ") && family == 2,
        };
        assert!(
            wanted,
            "row {row}: `{name}` is not in a shape of its country"
        );
    }
}

/// Real names shared by two rows each (rarer than the threshold): fresh names are drawn
/// blindly and repeat, where distinct real ones give distinct fresh ones.
#[test]
fn company_names_repeat_only_where_the_real_ones_do() {
    let names = |shared: bool| {
        let real = table(
            "accounts",
            vec![column(
                "company_name",
                ColumnKind::Categorical,
                (0..ROWS)
                    .map(|row| {
                        let i = if shared { row / 2 } else { row };
                        // One family name and a legal form: 230 common surnames for 300 rows.
                        format!("Zor{} {}", letters(i), ["Inc", "LLC"][i % 2])
                    })
                    .collect(),
            )],
        );
        let columns = filled(&real);
        let names: Vec<String> = columns[0].values.iter().map(|v| text(v).into()).collect();
        names
    };
    let unique = names(false);
    let distinct: HashSet<&String> = unique.iter().collect();
    assert_eq!(distinct.len(), ROWS, "{unique:?}");
    let shared = names(true);
    let distinct: HashSet<&String> = shared.iter().collect();
    assert!(distinct.len() < ROWS - 20, "{} distinct", distinct.len());
    for name in unique.iter().chain(&shared) {
        let family = name.split(' ').next().unwrap_or_default();
        assert!(surnames::SURNAMES.contains(&family), "{name}");
    }
}

/// `fake`'s Italian family names hold `Ricci\t`: a tab ended 6 of 3,000 full names of Italian
/// users. Drawn for 3,000 Italian rows, no name has a space or tab around it or inside it
/// other than the one between first and family name.
#[test]
fn names_drawn_from_the_lists_are_trimmed() {
    let rows = 3_000;
    let real = table(
        "users",
        vec![
            column(
                "country",
                ColumnKind::Categorical,
                vec!["ITALY".into(); rows],
            ),
            column(
                "full_name",
                ColumnKind::Id,
                (0..rows)
                    .map(|i| format!("Zed{} Qua{}", letters(i), letters(i * 7)))
                    .collect(),
            ),
        ],
    );
    let columns = filled(&real);
    let names: Vec<&str> = columns[1].values.iter().map(text).collect();
    for name in &names {
        assert_eq!(*name, name.trim(), "`{name:?}`");
        assert!(!name.contains('\t') && !name.contains("  "), "`{name:?}`");
    }
    let ricci = names.iter().filter(|name| name.ends_with(" Ricci")).count();
    assert!(ricci > 0, "Ricci, once `Ricci\\t`, is drawn");
}

/// Contacts of companies, each at their company's domain (its first word and a few endings):
/// the synthetic addresses are at their row's synthetic company, where each company's few real
/// addresses are below the threshold. With addresses at big providers, none is.
#[test]
fn e_mails_at_the_company_domain_follow_the_row_company() {
    let contacts = |at_company: bool| {
        let (mut companies, mut firsts, mut lasts, mut emails) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in 0..400 {
            let (first, last) = (
                format!("Zed{}", letters(row)),
                format!("Qua{}", letters(row * 7)),
            );
            let company = format!(
                "{} {}",
                ["Barnes", "Munoz-Roman", "Santiago"][row % 3],
                letters(row / 3)
            );
            let stem = company_stem(&company);
            let domain = match at_company {
                true => format!("{stem}.{}", ["net", "biz", "com"][row % 3]),
                false => ["gmail.com", "yahoo.com"][row % 2].to_string(),
            };
            emails.push(format!(
                "{}.{}@{domain}",
                first.to_lowercase(),
                last.to_lowercase()
            ));
            companies.push(company);
            firsts.push(first);
            lasts.push(last);
        }
        table(
            "customers",
            vec![
                column("company_name", ColumnKind::Text, companies),
                column("first_name", ColumnKind::Id, firsts),
                column("last_name", ColumnKind::Id, lasts),
                column("email", ColumnKind::Id, emails),
            ],
        )
    };
    let at_company = |real: &Table| {
        let columns = filled(real);
        let at = (0..real.rows())
            .filter(|&row| {
                let stem = company_stem(text(&columns[0].values[row]));
                let email = text(&columns[3].values[row]);
                !stem.is_empty() && email.contains(&format!("@{stem}."))
            })
            .count();
        at as f64 / real.rows() as f64
    };
    assert_eq!(at_company(&contacts(true)), 1.0);
    assert_eq!(at_company(&contacts(false)), 0.0);
}

/// Customers of two states whose ZIP codes fill only part of their three-digit prefix
/// (Oklahoma's from 73010 to 73060): a drawn code keeps inside its state's real span, where
/// the digits drawn after the prefix ran anywhere from 73000 to 73099.
#[test]
fn postcodes_keep_inside_their_regions_span() {
    let mut rng = rng_for(4, "state spans");
    let (mut states, mut codes) = (Vec::new(), Vec::new());
    for row in 0..400 {
        let (state, low) = [("OK", 73_010), ("WA", 98_020)][row % 2];
        states.push(state.to_string());
        codes.push(format!("{:05}", rng.random_range(low..=low + 50)));
    }
    let real = table(
        "customers",
        vec![
            column("state", ColumnKind::Categorical, states),
            column("zip", ColumnKind::Id, codes),
        ],
    );
    let columns = filled(&real);
    for row in 0..real.rows() {
        let (state, code) = (text(&columns[0].values[row]), text(&columns[1].values[row]));
        let low = if state == "OK" { 73_010 } else { 98_020 };
        let number: u32 = code.parse().expect("a numeric ZIP code");
        assert!((low..=low + 50).contains(&number), "{state} {code}");
    }
}

/// `rows` English people (no country) whose full names never repeat, each first and last name
/// too rare to reuse, with e-mails `first.last@mail.com`.
fn distinct_people(rows: usize) -> Table {
    let first: Vec<String> = (0..rows).map(|i| format!("Zed{}", letters(i))).collect();
    let last: Vec<String> = (0..rows)
        .map(|i| format!("Qua{}", letters(i * 7 + 3)))
        .collect();
    let email = (0..rows)
        .map(|i| format!("{}.{}@mail.com", first[i], last[i]).to_lowercase())
        .collect();
    let columns = vec![
        column("first_name", ColumnKind::Id, first),
        column("last_name", ColumnKind::Id, last),
        column("email", ColumnKind::Id, email),
    ];
    table("customers", columns)
}

/// 3,000 real people, no two of one full name: their fresh names come from lists of about 220
/// given and 230 family names, whose pairs drawn each on its own repeat in about 90 rows.
/// Filled in two parts (the second from row 2,048, as a large table is), the copy keeps its
/// full names apart across blocks and parts (at most a few repeats left), and each e-mail is
/// built from the names its row ends with.
#[test]
fn full_names_repeat_no_more_often_than_the_real_ones() {
    let real = distinct_people(3_000);
    let semantic = trained(&real);
    let mut uniques = semantic.uniques();
    let base = rng_for(11, "people").random();
    let split = 2_048;
    let mut columns = Vec::new();
    for (first_row, rows) in [(0, 0..split), (split, split..3_000)] {
        let mut part: Vec<Column> = real.columns.clone();
        for column in &mut part {
            column.values = column.values[rows.clone()].to_vec();
        }
        semantic.fill(
            &mut part,
            &ParentColumns::new(),
            (first_row, base),
            &mut uniques,
        );
        columns.push(part);
    }
    let mut seen = HashSet::new();
    let mut repeats = 0;
    for part in &columns {
        for row in 0..part[0].values.len() {
            let (first, last) = (text(&part[0].values[row]), text(&part[1].values[row]));
            repeats += usize::from(!seen.insert((first.to_string(), last.to_string())));
            let user = format!("{first}.{last}").to_lowercase();
            let email = text(&part[2].values[row]);
            assert!(email.starts_with(&user), "{email} of {first} {last}");
        }
    }
    assert!(
        repeats <= 3,
        "{repeats} rows repeat a full name, none of 3,000 real ones do"
    );
}

/// 120 course titles, each once, every word in 12 or more (a form and a subject of two
/// words, half of those there are), 10 rows of a frequent `Open Day`, and codes `AB-0007`
/// (each once) beside them.
fn courses() -> Table {
    let mut titles = super::phrases::tests::titles();
    titles.extend((0..10).map(|_| "Open Day".to_string()));
    let codes = (0..titles.len())
        .map(|i| format!("AB-{:04}", i * 7))
        .collect();
    table(
        "courses",
        vec![
            column("title", ColumnKind::Categorical, titles),
            column("code", ColumnKind::Categorical, codes),
        ],
    )
}

#[test]
fn fresh_labels_of_a_column_of_phrases_are_phrases_of_its_words() {
    let schema = Schema::parse(
        "tables:\n  courses:\n    path: c.csv\n    columns:\n      title: {type: categorical, semantic: none}\n      code: {type: categorical, semantic: none}\n",
        Path::new("s.yaml"),
        Path::new("."),
    )
    .expect("valid");
    let real = courses();
    let semantic = train(&schema.tables[0], &real, false, &[], 5, 5).expect("phrases");
    assert_eq!(
        semantic.phrases(),
        vec![0],
        "titles are phrases, codes are not"
    );
    assert!(semantic.filled().is_empty() && semantic.regenerated().is_empty());
    // The table model's draws: fresh labels in the shape of ids, and the frequent label.
    let mut columns = real.columns.clone();
    for (row, value) in columns[0].values.iter_mut().enumerate() {
        let drawn = if row % 10 == 0 {
            "Open Day"
        } else {
            "Bipeaboric ic Eunatem"
        };
        *value = Value::Label(Arc::from(drawn));
    }
    let (rows, mut uniques) = ((0, rng_for(7, "courses").random()), semantic.uniques());
    semantic.fill(&mut columns, &ParentColumns::new(), rows, &mut uniques);
    let real_titles: HashSet<&str> = real.columns[0].labels().collect();
    let words: HashSet<&str> = real_titles.iter().flat_map(|t| t.split(' ')).collect();
    let titles: Vec<&str> = columns[0].labels().collect();
    let fresh: Vec<&str> = (titles.iter().copied())
        .filter(|title| *title != "Open Day")
        .collect();
    assert_eq!(titles.len() - fresh.len(), titles.len().div_ceil(10));
    assert!(
        fresh.iter().all(|t| !real_titles.contains(t)),
        "no real title"
    );
    let numbered = |t: &&str| t.ends_with(|c: char| c.is_ascii_digit());
    let worded = (fresh.iter())
        .filter(|t| !numbered(t) && t.split(' ').count() >= 2)
        .filter(|t| t.split(' ').all(|w| words.contains(w)));
    assert!(worded.count() >= fresh.len() * 9 / 10, "{fresh:?}");
    assert_eq!(columns[1].values, real.columns[1].values, "codes as drawn");
}

#[test]
fn fresh_phrases_stay_distinct_where_the_real_labels_are() {
    let mut real = courses();
    for column in &mut real.columns {
        column.values.truncate(120);
    }
    let schema = Schema::parse(
        "tables:\n  courses:\n    path: c.csv\n    columns:\n      title: {type: categorical, semantic: none}\n",
        Path::new("s.yaml"),
        Path::new("."),
    )
    .expect("valid");
    let semantic = train(&schema.tables[0], &real, false, &[], 5, 5).expect("phrases");
    assert_eq!(
        semantic.regenerated(),
        vec![0],
        "no frequent title: all fresh"
    );
    let mut columns = real.columns.clone();
    for value in &mut columns[0].values {
        *value = Value::Label(Arc::from("Bipeaboric ic Eunatem"));
    }
    let (rows, mut uniques) = ((0, rng_for(7, "courses").random()), semantic.uniques());
    semantic.fill(&mut columns, &ParentColumns::new(), rows, &mut uniques);
    let titles: HashSet<&str> = columns[0].labels().collect();
    assert_eq!(titles.len(), 120, "every title once");
    let real_titles: HashSet<&str> = real.columns[0].labels().collect();
    assert!(
        titles.iter().all(|t| !real_titles.contains(t)),
        "no real title"
    );
}
