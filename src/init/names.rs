//! What names say about keys: whether a column is named like a key, like its own table's key,
//! or like a reference to another table.
//!
//! Names are only evidence, never proof: values decide whether a column *can* be a key, names
//! (and the odds of the values matching by chance) decide whether it *is* one. Names are compared
//! after lower-casing, splitting `camelCase` and `snake_case`, and stripping the prefix a table
//! gives all its columns (TPC-H's `c_`, `l_`, `ps_`), so `c_nationkey` and `n_nationkey` agree.

use std::collections::HashMap;

/// Words that mark a reference when they end a name (`customer_id`, `zip_code`, `order_no`).
const KEY_SUFFIXES: &[&str] = &[
    "id", "key", "code", "num", "no", "nr", "number", "ref", "pk", "fk",
];

/// Suffixes recognised even when glued to the word before (`custkey`, `tailnum`, `customerid`),
/// with the shortest stem that may remain (so `paid` and `valid` are not `pa` + `id`).
const GLUED_SUFFIXES: &[(&str, usize)] = &[("key", 3), ("num", 3), ("code", 3), ("id", 4)];

/// Names that many unrelated tables share: two columns both called `id` say nothing.
const GENERIC: &[&str] = &[
    "id",
    "key",
    "code",
    "name",
    "type",
    "value",
    "no",
    "num",
    "number",
    "description",
];

/// A column name taken apart for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name {
    /// The whole name, lower case.
    pub lower: String,
    /// Words after the table prefix is stripped (`c_cust_key` -> `cust`, `key`).
    pub tokens: Vec<String>,
    /// The words glued together (`custkey`, `customerid`).
    pub core: String,
    /// What the key suffix qualifies (`cust` in `c_custkey`, `customer` in `customer_id`).
    pub stem: Option<String>,
    /// Whether the name ends like a key (`_id`, `key`, `code`, ...) or is one (`id`).
    pub key_like: bool,
}

impl Name {
    /// Analyses `column`, stripping `prefix` (such as `c_`) when the name starts with it.
    pub fn new(column: &str, prefix: Option<&str>) -> Name {
        let lower = column.to_lowercase();
        let mut tokens = split_words(column);
        if let Some(prefix) = prefix
            && tokens.len() > 1
            && tokens[0] == prefix
        {
            tokens.remove(0);
        }
        let core = tokens.concat();
        let stem = stem_of(&tokens);
        let key_like = stem.is_some() || KEY_SUFFIXES.contains(&core.as_str());
        Name {
            lower,
            tokens,
            core,
            stem,
            key_like,
        }
    }

    /// Whether the name says nothing on its own (`id`, `name`, `code`).
    pub fn is_generic(&self) -> bool {
        GENERIC.contains(&self.core.as_str())
    }
}

/// Splits `customerId`, `customer_id` and `Customer ID` into lower-case words.
pub(super) fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            push_word(&mut words, &mut current);
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            push_word(&mut words, &mut current);
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    push_word(&mut words, &mut current);
    words
}

/// Ends the current word, if any.
fn push_word(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// The word(s) before a key suffix: `customer` for `customer_id`, `cust` for `custkey`.
fn stem_of(tokens: &[String]) -> Option<String> {
    let (last, before) = tokens.split_last()?;
    if !before.is_empty() && KEY_SUFFIXES.contains(&last.as_str()) {
        return Some(before.concat());
    }
    let glued = GLUED_SUFFIXES.iter().find_map(|(suffix, min_stem)| {
        let stem = last.strip_suffix(suffix)?;
        (stem.chars().count() >= *min_stem).then_some(stem)
    })?;
    let mut stem = before.concat();
    stem.push_str(glued);
    Some(stem)
}

/// The prefix most columns of a table start with (`c_` in TPC-H's customer), if any: at least
/// two columns and 60% of them carry it. Returned without the underscore.
pub(super) fn table_prefix(columns: &[String]) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for column in columns {
        let lower = column.to_lowercase();
        if let Some((prefix, rest)) = lower.split_once('_')
            && (1..=3).contains(&prefix.len())
            && prefix.chars().all(|c| c.is_ascii_alphabetic())
            && !rest.is_empty()
        {
            *counts.entry(prefix.to_string()).or_default() += 1;
        }
    }
    let (prefix, count) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
    (count >= 2 && count * 5 >= columns.len() * 3).then_some(prefix)
}

/// The ways a table's name appears inside column names: `orders`, `order`; `categories`,
/// `category`.
pub(super) fn table_forms(table: &str) -> Vec<String> {
    let full = split_words(table).concat();
    let mut forms = vec![full.clone()];
    if let Some(stem) = full.strip_suffix("ies") {
        forms.push(format!("{stem}y"));
    }
    for suffix in ["es", "s"] {
        if let Some(stem) = full.strip_suffix(suffix)
            && stem.len() >= 2
        {
            forms.push(stem.to_string());
        }
    }
    forms.dedup();
    forms
}

/// Whether `word` names the table: one of its forms, or an abbreviation of one (`cust` for
/// `customer`, `supp` for `supplier`: at least 3 letters and half the word).
fn names_table(word: &str, forms: &[String]) -> bool {
    forms.iter().any(|form| {
        word == form || (word.len() >= 3 && word.len() * 2 >= form.len() && form.starts_with(word))
    })
}

/// Whether the word before the column's key suffix names `table` (`customer_id`, `c_custkey`
/// for `customers`/`customer`).
pub(super) fn stem_names_table(column: &Name, table: &str) -> bool {
    column
        .stem
        .as_ref()
        .is_some_and(|stem| names_table(stem, &table_forms(table)))
}

/// How strongly a column's name says it is its own table's primary key, and why.
pub(super) fn primary_key_evidence(column: &Name, table: &str) -> (f64, String) {
    let forms = table_forms(table);
    if column.core == "id" {
        return (3.0, "named `id`".into());
    }
    if let Some(stem) = &column.stem {
        if forms.contains(stem) {
            return (3.0, format!("named after the table (`{}`)", column.lower));
        }
        if names_table(stem, &forms) {
            return (
                2.5,
                format!("named after the table, abbreviated (`{}`)", column.lower),
            );
        }
    }
    if column.core == "key" || column.core == "code" {
        return (2.5, format!("named `{}`", column.lower));
    }
    if column.key_like {
        return (1.5, format!("named like a key (`{}`)", column.lower));
    }
    (0.0, String::new())
}

/// How a child column's name relates to a parent table and its key.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NameMatch {
    /// 1.0 for the same name down to 0.0 for nothing in common; 0.8 and above is strong.
    pub strength: f64,
    /// Why, for the comment (empty when there is nothing).
    pub reason: String,
    /// A 0..1 string similarity of the two names, only to break ties.
    pub similarity: f64,
}

impl NameMatch {
    /// Whether the names alone make the reference likely.
    pub fn is_strong(&self) -> bool {
        self.strength >= 0.8
    }
}

/// Compares a child column's name with a parent table and its key column.
pub(super) fn reference_evidence(
    child: &Name,
    parent_table: &str,
    parent_key: &Name,
    parent_key_raw: &str,
) -> NameMatch {
    let similarity = strsim::jaro_winkler(&child.core, &parent_key.core);
    let (strength, reason) = reference_strength(child, parent_table, parent_key, parent_key_raw);
    NameMatch {
        strength,
        reason,
        similarity,
    }
}

/// The strength of the name evidence (see [`NameMatch::strength`]) and its reason, strongest
/// rule first.
fn reference_strength(
    child: &Name,
    parent_table: &str,
    key: &Name,
    key_raw: &str,
) -> (f64, String) {
    let forms = table_forms(parent_table);
    let target = format!("`{parent_table}.{key_raw}`");
    if child.lower == key.lower && !key.is_generic() {
        return (1.0, format!("same name as {target}"));
    }
    if child.core == key.core && !key.is_generic() && child.core.len() >= 2 {
        return (
            0.95,
            format!(
                "same name as {target} once table prefixes are stripped (`{}`)",
                child.core
            ),
        );
    }
    if let Some(stem) = &child.stem {
        if forms.contains(stem) {
            return (0.9, format!("named after the table `{parent_table}`"));
        }
        if names_table(stem, &forms) {
            return (
                0.85,
                format!("named after the table `{parent_table}`, abbreviated (`{stem}`)"),
            );
        }
        if key.stem.as_deref() == Some(stem.as_str()) && stem.len() >= 3 {
            return (0.85, format!("same stem as {target} (`{stem}`)"));
        }
    }
    if forms.contains(&child.core) {
        return (0.8, format!("named after the table `{parent_table}`"));
    }
    if let Some(word) = shared_word(child, &forms, key) {
        return (0.6, format!("the name contains `{word}`"));
    }
    if child.lower == key.lower {
        return (0.3, format!("same generic name as {target}"));
    }
    (0.0, String::new())
}

/// A word of the child's name that names the parent table or its key (`airport` in
/// `home_airport`), at least 4 letters so that short words do not match by accident.
fn shared_word(child: &Name, forms: &[String], key: &Name) -> Option<String> {
    let key_stem = key.stem.iter().filter(|stem| stem.len() >= 4);
    forms
        .iter()
        .filter(|form| form.len() >= 4)
        .chain(key_stem)
        .find(|word| {
            child
                .tokens
                .iter()
                .any(|token| token.contains(word.as_str()))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(column: &str, prefix: Option<&str>) -> Name {
        Name::new(column, prefix)
    }

    #[test]
    fn words_split_on_case_and_separators() {
        assert_eq!(split_words("customerId"), ["customer", "id"]);
        assert_eq!(split_words("Customer ID"), ["customer", "id"]);
        assert_eq!(split_words("c_custkey"), ["c", "custkey"]);
        assert_eq!(split_words("CustomerID"), ["customer", "id"]);
    }

    #[test]
    fn stems_and_key_likeness() {
        assert_eq!(name("c_custkey", Some("c")).stem.as_deref(), Some("cust"));
        assert_eq!(name("customer_id", None).stem.as_deref(), Some("customer"));
        assert_eq!(name("tailnum", None).stem.as_deref(), Some("tail"));
        assert!(name("id", None).key_like);
        assert!(!name("paid", None).key_like);
        assert!(!name("valid", None).key_like);
        assert!(!name("origin", None).key_like);
    }

    #[test]
    fn prefixes_need_most_columns() {
        let tpch: Vec<String> = ["c_custkey", "c_name", "c_nationkey"]
            .map(String::from)
            .to_vec();
        assert_eq!(table_prefix(&tpch).as_deref(), Some("c"));
        let flights: Vec<String> = ["dep_time", "dep_delay", "arr_time", "carrier", "origin"]
            .map(String::from)
            .to_vec();
        assert_eq!(table_prefix(&flights), None);
    }

    #[test]
    fn primary_key_names() {
        assert_eq!(primary_key_evidence(&name("id", None), "users").0, 3.0);
        assert_eq!(primary_key_evidence(&name("user_id", None), "users").0, 3.0);
        let custkey = name("c_custkey", Some("c"));
        assert_eq!(primary_key_evidence(&custkey, "customer").0, 2.5);
        assert_eq!(primary_key_evidence(&name("code", None), "x").0, 2.5);
        assert_eq!(primary_key_evidence(&name("email", None), "users").0, 0.0);
    }

    #[test]
    fn reference_names() {
        let key = name("n_nationkey", Some("n"));
        let child = name("c_nationkey", Some("c"));
        assert!(reference_evidence(&child, "nation", &key, "n_nationkey").is_strong());
        let id = name("id", None);
        let customer_id = name("customer_id", None);
        assert!(reference_evidence(&customer_id, "customers", &id, "id").is_strong());
        let faa = name("faa", None);
        let origin = name("origin", None);
        assert_eq!(
            reference_evidence(&origin, "airports", &faa, "faa").strength,
            0.0
        );
        let home = name("home_airport", None);
        assert_eq!(
            reference_evidence(&home, "airports", &faa, "faa").strength,
            0.6
        );
        let linenumber = name("l_linenumber", Some("l"));
        assert_eq!(
            reference_evidence(&linenumber, "nation", &key, "n_nationkey").strength,
            0.0
        );
    }
}
