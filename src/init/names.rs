//! What names say about keys: whether a column is named like a key, like its own table's key,
//! or like a reference to another table.
//!
//! Names are only evidence, never proof: values decide whether a column *can* be a key, names
//! (and the odds of the values matching by chance) decide whether it *is* one. Names are compared
//! after lower-casing, splitting `camelCase` and `snake_case`, and stripping the prefix a table
//! gives all its columns (TPC-H's `c_`, `l_`, `ps_`), so `c_nationkey` and `n_nationkey` agree.
//! A name may qualify the table it points to with a role (`bill_customer_sk`, `closed_date_sk`)
//! and abbreviate a table of several words by prefixes of them (TPC-DS's `cdemo` and `hdemo` for
//! `customer_demographics` and `household_demographics`, `addr` for `customer_address`).

use std::collections::HashMap;

/// Words that mark a reference when they end a name (`customer_id`, `zip_code`, `order_no`,
/// and `customer_sk`: a surrogate key, as TPC-DS names all its keys).
const KEY_SUFFIXES: &[&str] = &[
    "id", "key", "code", "num", "no", "nr", "number", "ref", "pk", "fk", "sk",
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
    /// The stem word by word (`bill`, `customer` in `ss_bill_customer_sk`); empty without a stem.
    pub stem_words: Vec<String>,
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
        let stem_words = stem_words(&tokens);
        let stem = (!stem_words.is_empty()).then(|| stem_words.concat());
        let key_like = stem.is_some() || KEY_SUFFIXES.contains(&core.as_str());
        Name {
            lower,
            tokens,
            core,
            stem,
            stem_words,
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

/// The words before a key suffix: `customer` for `customer_id`, `cust` for `custkey`, `bill`,
/// `customer` for `bill_customer_sk`; none when the name does not end like a key.
fn stem_words(tokens: &[String]) -> Vec<String> {
    let Some((last, before)) = tokens.split_last() else {
        return Vec::new();
    };
    if !before.is_empty() && KEY_SUFFIXES.contains(&last.as_str()) {
        return before.to_vec();
    }
    let glued = GLUED_SUFFIXES.iter().find_map(|(suffix, min_stem)| {
        let stem = last.strip_suffix(suffix)?;
        (stem.chars().count() >= *min_stem).then_some(stem)
    });
    match glued {
        Some(glued) => before
            .iter()
            .cloned()
            .chain(std::iter::once(glued.to_string()))
            .collect(),
        None => Vec::new(),
    }
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

/// Whether `word` names the table: one of its forms, or an abbreviation of one. A one-word
/// name is abbreviated by its start (`cust` for `customer`, `supp` for `supplier`: at least 3
/// letters and half the word); a name of several words as [`abbreviates`] says.
fn names_table(word: &str, table: &str) -> bool {
    let forms = table_forms(table);
    if forms.iter().any(|form| form == word) {
        return true;
    }
    if split_words(table).len() > 1 {
        return abbreviates(word, table);
    }
    word.len() >= 3
        && forms
            .iter()
            .any(|form| word.len() * 2 >= form.len() && form.starts_with(word))
}

/// Whether `word` abbreviates a table named with several words by prefixes of them, in order,
/// ending with at least 3 letters of the last word (the head noun): `cdemo` (`c` + `demo`) and
/// `demo` for `customer_demographics`, `addr` for `customer_address`; never `customer` for
/// `customer_address`, whose head is the address. At least 4 letters in all.
fn abbreviates(word: &str, table: &str) -> bool {
    let words = split_words(table);
    let Some((head, before)) = words.split_last() else {
        return false;
    };
    let word = word.as_bytes();
    if before.is_empty() || word.len() < 4 {
        return false;
    }
    (3..=word.len().min(head.len())).any(|tail| {
        let (start, end) = word.split_at(word.len() - tail);
        head.as_bytes().starts_with(end) && prefixes_of(start, before)
    })
}

/// Whether `text` is prefixes of some of `words`, in order (each word used at most once).
fn prefixes_of(text: &[u8], words: &[String]) -> bool {
    if text.is_empty() {
        return true;
    }
    words.iter().enumerate().any(|(index, word)| {
        let word = word.as_bytes();
        (1..=text.len().min(word.len())).any(|len| {
            word.starts_with(&text[..len]) && prefixes_of(&text[len..], &words[index + 1..])
        })
    })
}

/// The role words and the words naming the target when a stem has both: (`bill`, `customer`)
/// for `bill_customer`, (`closed`, `date`) for `closed_date`; longest target first.
fn role_splits(column: &Name) -> impl Iterator<Item = (String, String)> + '_ {
    (1..column.stem_words.len()).map(|split| {
        let (role, target) = column.stem_words.split_at(split);
        (role.join("_"), target.concat())
    })
}

/// Whether the words before the column's key suffix name `table` (`customer_id`, `c_custkey`
/// for `customers`/`customer`; `bill_customer_sk`, with a role, for `customer`).
pub(super) fn stem_names_table(column: &Name, table: &str) -> bool {
    column
        .stem
        .as_ref()
        .is_some_and(|stem| names_table(stem, table))
        || role_splits(column).any(|(_, target)| names_table(&target, table))
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
        if names_table(stem, table) {
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

/// Whether the words before the column's key suffix are one of the tables' names (`web_page`
/// in `ws_web_page_sk`): the column then points to that table, not to another in a role
/// (`web` + `page`, as if `catalog_page` were meant).
pub(super) fn stem_is_a_table<'a>(
    column: &Name,
    mut tables: impl Iterator<Item = &'a str>,
) -> bool {
    column
        .stem
        .as_ref()
        .is_some_and(|stem| tables.any(|table| table_forms(table).contains(stem)))
}

/// Compares a child column's name with a parent table and its key column; `roles` allows
/// reading the name as a role and a target (`bill_customer_sk`, see [`stem_is_a_table`]).
pub(super) fn reference_evidence(
    child: &Name,
    parent_table: &str,
    parent_key: &Name,
    parent_key_raw: &str,
    roles: bool,
) -> NameMatch {
    let similarity = strsim::jaro_winkler(&child.core, &parent_key.core);
    let (strength, reason) =
        reference_strength(child, parent_table, (parent_key, parent_key_raw), roles);
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
    (key, key_raw): (&Name, &str),
    roles: bool,
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
        if names_table(stem, parent_table) {
            return (
                0.85,
                format!("named after the table `{parent_table}`, abbreviated (`{stem}`)"),
            );
        }
        if key.stem.as_deref() == Some(stem.as_str()) && stem.len() >= 3 {
            return (0.85, format!("same stem as {target} (`{stem}`)"));
        }
        if roles && let Some(found) = role_reference(child, parent_table, key, &target) {
            return found;
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

/// A stem of a role and a target (`bill_customer`, `closed_date`) whose target names the parent
/// table or is its key's stem: a reference in that role.
fn role_reference(
    child: &Name,
    parent_table: &str,
    key: &Name,
    target: &str,
) -> Option<(f64, String)> {
    role_splits(child).find_map(|(role, named)| {
        let why = if names_table(&named, parent_table) {
            format!("named after the table `{parent_table}` (`{named}`), in the role `{role}`")
        } else if key.stem.as_deref() == Some(named.as_str()) && named.len() >= 3 {
            format!("same stem as {target} (`{named}`), in the role `{role}`")
        } else {
            return None;
        };
        Some((0.85, why))
    })
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
    fn surrogate_keys_role_and_abbreviations() {
        let strength = |child: &str, prefix, table, key: &str, key_prefix| {
            let key_name = name(key, Some(key_prefix));
            reference_evidence(&name(child, Some(prefix)), table, &key_name, key, true).strength
        };
        assert_eq!(
            name("c_customer_sk", Some("c")).stem.as_deref(),
            Some("customer")
        );
        let demo = ("cd_demo_sk", "cd");
        let household = ("hd_demo_sk", "hd");
        let cdemo = strength("ss_cdemo_sk", "ss", "customer_demographics", demo.0, demo.1);
        assert!(cdemo >= 0.8, "{cdemo}");
        let hdemo = strength(
            "ss_hdemo_sk",
            "ss",
            "household_demographics",
            household.0,
            "hd",
        );
        assert!(hdemo >= 0.8, "{hdemo}");
        let crossed = strength("ss_hdemo_sk", "ss", "customer_demographics", demo.0, demo.1);
        assert!(crossed < 0.8, "{crossed}");
        let addr = strength(
            "c_current_addr_sk",
            "c",
            "customer_address",
            "ca_address_sk",
            "ca",
        );
        assert!(addr >= 0.8, "{addr}");
        let bill = strength(
            "cs_bill_customer_sk",
            "cs",
            "customer",
            "c_customer_sk",
            "c",
        );
        assert!(bill >= 0.8, "{bill}");
        let date = strength("cc_closed_date_sk", "cc", "date_dim", "d_date_sk", "d");
        assert!(date >= 0.8, "{date}");
        // The head noun of `customer_address` is the address: a customer key does not name it.
        let head = strength(
            "ss_customer_sk",
            "ss",
            "customer_address",
            "ca_address_sk",
            "ca",
        );
        assert!(head < 0.8, "{head}");
        assert_eq!(
            primary_key_evidence(&name("hd_demo_sk", Some("hd")), "household_demographics").0,
            2.5
        );
    }

    #[test]
    fn a_stem_that_is_a_table_is_not_read_as_a_role() {
        let page = name("ws_web_page_sk", Some("ws"));
        assert!(stem_is_a_table(
            &page,
            ["catalog_page", "web_page"].into_iter()
        ));
        assert!(!stem_is_a_table(&page, ["catalog_page"].into_iter()));
        let key = name("cp_catalog_page_sk", Some("cp"));
        let as_role = reference_evidence(&page, "catalog_page", &key, "cp_catalog_page_sk", true);
        assert!(as_role.is_strong(), "{as_role:?}");
        let not_role = reference_evidence(&page, "catalog_page", &key, "cp_catalog_page_sk", false);
        assert!(!not_role.is_strong(), "{not_role:?}");
    }

    #[test]
    fn reference_names() {
        let key = name("n_nationkey", Some("n"));
        let child = name("c_nationkey", Some("c"));
        assert!(reference_evidence(&child, "nation", &key, "n_nationkey", true).is_strong());
        let id = name("id", None);
        let customer_id = name("customer_id", None);
        assert!(reference_evidence(&customer_id, "customers", &id, "id", true).is_strong());
        let faa = name("faa", None);
        let origin = name("origin", None);
        assert_eq!(
            reference_evidence(&origin, "airports", &faa, "faa", true).strength,
            0.0
        );
        let home = name("home_airport", None);
        assert_eq!(
            reference_evidence(&home, "airports", &faa, "faa", true).strength,
            0.6
        );
        let linenumber = name("l_linenumber", Some("l"));
        assert_eq!(
            reference_evidence(&linenumber, "nation", &key, "n_nationkey", true).strength,
            0.0
        );
    }
}
