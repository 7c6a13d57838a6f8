//! Detecting what a string column means from its name (whole tokens, so `estate` is not a
//! state), its table (a `name` in a customer table is a person) and its values (e-mails look
//! like `user@domain.tld`, phones are digits and separators).

use crate::data::{Column, Value};
use crate::schema::ColumnKind;

use crate::schema::SemanticType;

/// Share of the present values that must pass a type's value check.
const VALUE_CHECK_SHARE: f64 = 0.8;

/// Tables whose `name` column is a person's name.
const PERSON_TABLES: &[&str] = &[
    "customer",
    "customers",
    "employee",
    "employees",
    "person",
    "people",
    "persons",
    "user",
    "users",
    "member",
    "members",
    "patient",
    "patients",
    "student",
    "students",
    "contact",
    "contacts",
    "client",
    "clients",
    "staff",
    "author",
    "authors",
    "manager",
    "managers",
];

/// A last name token that makes a column a code, not what the other tokens say
/// (`ca_address_id`, `street_type`, `phone_number` is still a phone: `number` is not here).
const CODE_TOKENS: &[&str] = &["id", "key", "sk", "code", "type", "kind", "count", "flag"];

/// Short tokens that mean something on their own (not a table prefix such as `c_`, `ca_`).
const MEANINGFUL_SHORT: &[&str] = &["zip", "url", "tel", "fax", "web", "city", "name", "id"];

/// The column name as lower-case tokens, split at `_`, `-`, spaces, dots and camelCase, with a
/// leading table prefix (`c_first_name` -> `first`, `name`) dropped.
pub fn tokens(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    if words.len() > 1 && words[0].len() <= 3 && !MEANINGFUL_SHORT.contains(&words[0].as_str()) {
        words.remove(0);
    }
    words
}

/// What a table tells about its columns.
#[derive(Debug, Clone, Copy)]
pub struct TableContext<'a> {
    /// The table's name.
    pub table: &'a str,
    /// Whether other tables reference it (a lookup or dimension table).
    pub referenced: bool,
    /// Its number of rows.
    pub rows: usize,
}

/// The semantic type of a column (`SemanticType::None` when it has none).
pub fn detect(context: TableContext<'_>, column: &Column) -> SemanticType {
    if !matches!(
        column.kind,
        ColumnKind::Categorical | ColumnKind::Id | ColumnKind::Text
    ) {
        return SemanticType::None;
    }
    let values: Vec<&str> = present(column).take(2000).collect();
    if values.is_empty() {
        return SemanticType::None;
    }
    let words = tokens(&column.name);
    let has = |word: &str| words.iter().any(|w| w == word);
    let coded = words
        .last()
        .is_some_and(|last| CODE_TOKENS.contains(&last.as_str()));
    let by_name = if coded {
        SemanticType::None
    } else {
        by_name(context, &words, &has)
    };
    let checked = match by_name {
        SemanticType::Email => share(&values, is_email) >= VALUE_CHECK_SHARE,
        SemanticType::Phone => share(&values, is_phone) >= VALUE_CHECK_SHARE,
        SemanticType::FirstName | SemanticType::LastName => {
            share(&values, |v| is_name_words(v, 1, 2)) >= VALUE_CHECK_SHARE
        }
        SemanticType::FullName => share(&values, |v| is_name_words(v, 2, 4)) >= VALUE_CHECK_SHARE,
        SemanticType::Url => share(&values, is_url) >= VALUE_CHECK_SHARE,
        SemanticType::Postcode => share(&values, is_postcode) >= VALUE_CHECK_SHARE,
        // With a letter: an address of digits and dots is an IP address (`ip_address`,
        // 10.0.3.17), which street names took the place of.
        SemanticType::StreetAddress | SemanticType::City | SemanticType::Company => {
            share(&values, |v| {
                is_words(v) && v.chars().any(char::is_alphabetic)
            }) >= VALUE_CHECK_SHARE
        }
        _ => true,
    };
    if checked && by_name != SemanticType::None {
        return by_name;
    }
    if share(&values, is_email) >= 0.95 {
        return SemanticType::Email;
    }
    if share(&values, is_url) >= 0.95 {
        return SemanticType::Url;
    }
    if is_label(context, column) {
        return SemanticType::Label;
    }
    if column.kind == ColumnKind::Text && mean_words(&values) >= 2.0 {
        return SemanticType::Text;
    }
    SemanticType::None
}

/// The semantic type of every modelled column of a table that has one (the schema's
/// `{semantic: TYPE}` first, else detected), as `(column, type)` in table order.
pub fn table_types(
    def: &crate::schema::TableDef,
    table: &crate::data::Table,
    referenced: bool,
) -> Vec<(String, SemanticType)> {
    let context = TableContext {
        table: &table.name,
        referenced,
        rows: table.rows(),
    };
    table
        .columns
        .iter()
        .map(|column| {
            let kind = def
                .columns
                .get(&column.name)
                .and_then(|over| over.semantic())
                .unwrap_or_else(|| detect(context, column));
            (column.name.clone(), kind)
        })
        .filter(|(_, kind)| *kind != SemanticType::None)
        .collect()
}

fn by_name(
    context: TableContext<'_>,
    words: &[String],
    has: &dyn Fn(&str) -> bool,
) -> SemanticType {
    let named = has("name");
    if has("email") || has("mail") {
        SemanticType::Email
    } else if has("phone") || has("tel") || has("telephone") || has("mobile") || has("fax") {
        SemanticType::Phone
    } else if (named && (has("first") || has("given") || has("fore")))
        || has("firstname")
        || has("forename")
        || has("fname")
    {
        SemanticType::FirstName
    } else if (named && (has("last") || has("family") || has("sur")))
        || has("lastname")
        || has("surname")
        || has("lname")
    {
        SemanticType::LastName
    } else if has("url") || has("website") || has("homepage") {
        SemanticType::Url
    } else if has("zip") || has("postcode") || has("postal") || has("zipcode") {
        SemanticType::Postcode
    } else if has("city") || has("town") {
        SemanticType::City
    } else if has("state") || has("province") || has("county") {
        SemanticType::State
    } else if has("country") {
        SemanticType::Country
    } else if has("street") || has("address") || has("addr") {
        SemanticType::StreetAddress
    } else if has("company") || has("employer") || has("organization") || has("organisation") {
        SemanticType::Company
    } else if has("manager")
        || has("contact")
        || (named && has("full"))
        || (named && words.len() == 1 && is_person_table(context.table))
        || (named
            && words
                .iter()
                .any(|word| PERSON_ROLES.contains(&word.as_str())))
    {
        SemanticType::FullName
    } else if has("title") || has("desc") || has("description") || has("comment") {
        SemanticType::Text
    } else {
        SemanticType::None
    }
}

/// Words naming a person's role, whose `<role>_name` column holds people's names
/// (`agent_name`, `patient_name`): typed as text, a realty's agents were called `Myers
/// Campbell`, a surname first. Roles that name a firm as often (customer, client) are left out.
const PERSON_ROLES: &[&str] = &[
    "agent",
    "doctor",
    "physician",
    "nurse",
    "patient",
    "employee",
    "person",
    "driver",
    "teacher",
    "student",
    "author",
    "manager",
    "owner",
    "visitor",
    "guest",
    "tenant",
    "buyer",
    "seller",
];

fn is_person_table(table: &str) -> bool {
    tokens(table)
        .iter()
        .chain(std::iter::once(&table.to_lowercase()))
        .any(|word| PERSON_TABLES.contains(&word.as_str()))
}

/// A lookup table has at most this many rows (and is referenced, and holds no personal column):
/// its unique short strings are labels, and `keep` copies it.
pub const LOOKUP_MAX_ROWS: usize = 100;

/// A unique short string of a small referenced table: the names lookup rows are read by.
fn is_label(context: TableContext<'_>, column: &Column) -> bool {
    if !context.referenced || context.rows > LOOKUP_MAX_ROWS {
        return false;
    }
    let values: Vec<&str> = present(column).collect();
    let distinct: crate::stats::FastSet<&str> = values.iter().copied().collect();
    values.len() == context.rows && distinct.len() == values.len() && mean_words(&values) <= 4.0
}

fn present(column: &Column) -> impl Iterator<Item = &str> {
    column.values.iter().filter_map(|value| match value {
        Value::Label(text) if !text.trim().is_empty() => Some(text.as_ref()),
        _ => None,
    })
}

fn share(values: &[&str], test: impl Fn(&str) -> bool) -> f64 {
    values.iter().filter(|v| test(v)).count() as f64 / values.len().max(1) as f64
}

fn mean_words(values: &[&str]) -> f64 {
    values
        .iter()
        .map(|v| v.split_whitespace().count())
        .sum::<usize>() as f64
        / values.len().max(1) as f64
}

/// `user@domain.tld`: one `@`, no spaces, a dot in the domain and a TLD of letters.
pub fn is_email(text: &str) -> bool {
    let Some((user, domain)) = text.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !user.is_empty()
        && !host.is_empty()
        && !domain.contains('@')
        && !text.contains(char::is_whitespace)
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// Digits and separators, 7 to 15 digits.
pub fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().x/".contains(c))
}

fn is_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://") || text.starts_with("www."))
        && !text.contains(char::is_whitespace)
}

/// Letters, digits, spaces and dashes, 3 to 10 characters, with at least one digit.
fn is_postcode(text: &str) -> bool {
    (3..=10).contains(&text.len())
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
}

/// Words of letters, or numbers (`12`, `6th`), not random mixes such as `j5JsirBM9`.
fn is_words(text: &str) -> bool {
    text.split_whitespace().all(|word| {
        let word = word.trim_matches(|c: char| ",.#'-".contains(c));
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let digits = word.chars().filter(char::is_ascii_digit).count();
        letters == 0
            || digits == 0
            || (word.len() <= 6 && word.chars().rev().take(2).all(char::is_alphabetic))
    })
}

/// `min..=max` words, each starting with an upper-case letter and made of letters (and `'-.`).
fn is_name_words(text: &str, min: usize, max: usize) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    (min..=max).contains(&words.len()) && words.iter().all(|word| is_name_word(word))
}

/// A word of letters that starts with a capital (`Anna`, `O'Hare`, `Bucyrus-Crawford`, `St.`).
pub fn is_name_word(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().all(|c| c.is_alphabetic() || "'-.".contains(c))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::ValueFormat;

    fn column(name: &str, kind: ColumnKind, values: &[&str]) -> Column {
        Column {
            name: name.into(),
            kind,
            format: ValueFormat::Verbatim,
            values: values.iter().map(|v| Value::Label(Arc::from(*v))).collect(),
        }
    }

    const PEOPLE: TableContext<'static> = TableContext {
        table: "customer",
        referenced: true,
        rows: 1000,
    };

    #[test]
    fn names_are_read_as_whole_tokens() {
        assert_eq!(tokens("c_first_name"), ["first", "name"]);
        assert_eq!(tokens("ca_zip"), ["zip"]);
        assert_eq!(tokens("emailAddress"), ["email", "address"]);
        let estate = column("estate", ColumnKind::Categorical, &["big", "small"]);
        assert_eq!(detect(PEOPLE, &estate), SemanticType::None);
        let state = column("ca_state", ColumnKind::Categorical, &["TX", "CA"]);
        assert_eq!(detect(PEOPLE, &state), SemanticType::State);
    }

    #[test]
    fn values_confirm_or_overrule_the_name() {
        let mail = column(
            "c_email_address",
            ColumnKind::Id,
            &["Amy.Moses@x.com", "a@b.org"],
        );
        assert_eq!(detect(PEOPLE, &mail), SemanticType::Email);
        let fake_phone = column("phone_model", ColumnKind::Categorical, &["iPhone", "Pixel"]);
        assert_eq!(detect(PEOPLE, &fake_phone), SemanticType::None);
        let phone = column(
            "c_phone",
            ColumnKind::Id,
            &["25-989-741-2988", "+1 (555) 010-2020"],
        );
        assert_eq!(detect(PEOPLE, &phone), SemanticType::Phone);
        let ids = column(
            "c_name",
            ColumnKind::Id,
            &["Customer#000000001", "Customer#02"],
        );
        assert_eq!(detect(PEOPLE, &ids), SemanticType::None);
        let person = column("name", ColumnKind::Id, &["William Ward", "Amy Moses"]);
        assert_eq!(detect(PEOPLE, &person), SemanticType::FullName);
        // A role's name is a person's; an agency's is not.
        let agents = ["Ashley Chen", "Joshua Pearson"];
        let agent = column("agent_name", ColumnKind::Id, &agents);
        assert_eq!(detect(PEOPLE, &agent), SemanticType::FullName);
        let agency = column(
            "agency_name",
            ColumnKind::Id,
            &["Prime Estates", "Lone Star"],
        );
        assert_ne!(detect(PEOPLE, &agency), SemanticType::FullName);
        let street = column("address", ColumnKind::Id, &["12 Oak St", "7 Elm Ave"]);
        assert_eq!(detect(PEOPLE, &street), SemanticType::StreetAddress);
        let ip = column("ip_address", ColumnKind::Id, &["10.0.3.17", "192.168.1.4"]);
        assert_eq!(detect(PEOPLE, &ip), SemanticType::None);
    }

    #[test]
    fn unique_names_of_small_referenced_tables_are_labels() {
        let context = TableContext {
            table: "nation",
            referenced: true,
            rows: 3,
        };
        let names = column(
            "n_name",
            ColumnKind::Categorical,
            &["ALGERIA", "BRAZIL", "PERU"],
        );
        assert_eq!(detect(context, &names), SemanticType::Label);
        let unreferenced = TableContext {
            referenced: false,
            ..context
        };
        assert_eq!(detect(unreferenced, &names), SemanticType::None);
    }
}
