//! Choosing the keys: each table's primary key among its unique columns, and each column's
//! reference among the other tables' primary keys.
//!
//! A primary key is unique and never empty; names (`id`, `<table>_id`, `key`, `code`),
//! references from other tables and being the first column make one candidate the key. A
//! reference is the best-scored [`Link`] to another table's primary key, kept when its evidence
//! holds ([`Link::verdict`]). Self-references, one-to-one links on a primary key, candidates
//! left out, empty columns named like references and references with a few dangling values
//! become notes, so the user can review them.

use super::explain::{
    column_label, evidence, list, primary_key_reasons, rejected, self_reference, target,
    with_alternatives,
};
use super::inferred::{Confidence, ForeignKey, PrimaryKey};
use super::links::{Link, candidates, links, shown};
use super::names::{primary_key_evidence, reference_evidence, stem_is_a_table, stem_names_table};
use super::profile::{ColumnRef, TableProfile};

/// The keys found, per table (same order as the profiles), and what was left out.
pub(super) struct Keys {
    /// The primary key of each table, if any.
    pub primary: Vec<Option<PrimaryKey>>,
    /// Why a table has no primary key, for those without.
    pub no_primary_key: Vec<Option<String>>,
    /// The foreign keys of each table, with their scores (for breaking cycles).
    pub foreign: Vec<Vec<(ForeignKey, f64)>>,
    /// Notes on candidates left out, per table.
    pub notes: Vec<Vec<String>>,
}

/// Finds primary and foreign keys of all tables.
pub(super) fn infer_keys(tables: &[TableProfile]) -> Keys {
    let candidates = candidates(tables);
    let links = links(tables, &candidates);
    let primary: Vec<Option<(usize, PrimaryKey)>> = (0..tables.len())
        .map(|table| choose_primary_key(tables, table, &candidates[table], &links))
        .collect();
    let no_primary_key = (0..tables.len())
        .map(|table| no_primary_key_note(&tables[table], &candidates[table], &primary[table]))
        .collect();
    let mut notes = vec![Vec::new(); tables.len()];
    let mut foreign = vec![Vec::new(); tables.len()];
    for (table, profile) in tables.iter().enumerate() {
        for column in 0..profile.columns.len() {
            let chosen = choose_reference(tables, &primary, &links, (table, column));
            match chosen {
                Choice::Key(fk, score) => foreign[table].push((fk, score)),
                Choice::Note(note) => notes[table].push(note),
                Choice::Nothing => {}
            }
        }
    }
    Keys {
        primary: primary.into_iter().map(|pk| pk.map(|(_, pk)| pk)).collect(),
        no_primary_key,
        foreign,
        notes,
    }
}

/// Chooses a table's primary key among its candidates: names, references from other tables and
/// being the first column count; a unique column with neither a key's name nor a reference is
/// left alone (it would be re-numbered 1..N in the output, losing its values). A reference whose
/// name points to the column counts more than one that values alone support, and more than
/// being the first column: unique identifiers written the same way (TPC-DS's `AAAAAAAABAAAAAAA`
/// business keys) contain one another by construction, while `ss_customer_sk` naming
/// `c_customer_sk` says which column the other tables use ([`referenced_by`]).
fn choose_primary_key(
    tables: &[TableProfile],
    table: usize,
    candidates: &[usize],
    links: &[Link],
) -> Option<(usize, PrimaryKey)> {
    let profile = &tables[table];
    let scored: Vec<(usize, f64, f64, Vec<String>)> = candidates
        .iter()
        .map(|&column| {
            let name = primary_key_name_score(tables, table, column);
            let (referenced, weight) = referenced_by(tables, links, (table, column));
            let score = name + weight + if column == 0 { 1.0 } else { 0.0 };
            (column, name, score, referenced)
        })
        .filter(|(_, name, _, referenced)| *name >= 1.5 || !referenced.is_empty())
        .collect();
    let best = scored
        .iter()
        .max_by(|a, b| a.2.total_cmp(&b.2).then_with(|| b.0.cmp(&a.0)))?;
    let (column, name, _, referenced) = best;
    let confidence = if *name >= 2.5 || (!referenced.is_empty() && (*name >= 1.5 || *column == 0)) {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let why = primary_key_reasons(profile, (*column, *name), referenced, candidates);
    Some((
        *column,
        PrimaryKey {
            column: profile.columns[*column].name.to_string(),
            confidence,
            why,
        },
    ))
}

/// Why a table has no primary key, when it has none.
fn no_primary_key_note(
    profile: &TableProfile,
    candidates: &[usize],
    chosen: &Option<(usize, PrimaryKey)>,
) -> Option<String> {
    if chosen.is_some() {
        return None;
    }
    if candidates.is_empty() {
        return Some("No primary key: no column is both unique and never empty.".into());
    }
    let unique: Vec<String> = candidates
        .iter()
        .map(|&c| format!("`{}`", profile.columns[c].name))
        .collect();
    Some(format!(
        "No primary key: {} {} unique, but neither named like a key nor referenced by another \
         table (a primary key is renumbered 1..N in the output, so its values would be lost); \
         add `primary_key:` if one is the key.",
        list(&unique, 4),
        if unique.len() == 1 { "is" } else { "are" }
    ))
}

/// How much a column's name says it is its table's key; nothing when it is named after
/// another table (`customer_id` in `orders` references; it does not identify).
fn primary_key_name_score(tables: &[TableProfile], table: usize, column: usize) -> f64 {
    let names = &tables[table].columns[column].names;
    let elsewhere = tables
        .iter()
        .enumerate()
        .any(|(other, profile)| other != table && stem_names_table(names, &profile.name));
    if elsewhere && !stem_names_table(names, &tables[table].name) {
        return 0.0;
    }
    primary_key_evidence(names, &tables[table].name).0
}

/// The tables.columns whose values all are keys of `key` with enough evidence to count (those
/// whose names point to it first), and how much the strongest of them counts: 2 when a name
/// points to it; 1 for values alone; 0.5 when values alone link it to another table's unique
/// column only (identifiers written the same way, such as keys numbered or encoded alike,
/// contain one another by construction, which says nothing about which is referenced).
fn referenced_by(tables: &[TableProfile], links: &[Link], key: ColumnRef) -> (Vec<String>, f64) {
    let (named, unnamed): (Vec<&Link>, Vec<&Link>) = links
        .iter()
        .filter(|link| link.parent == key && link.child.0 != key.0 && link.supports_primary_key())
        .partition(|link| link.name.is_strong());
    let weight = if !named.is_empty() {
        2.0
    } else if unnamed
        .iter()
        .any(|link| !tables[link.child.0].is_unique(link.child.1))
    {
        1.0
    } else if !unnamed.is_empty() {
        0.5
    } else {
        0.0
    };
    let labels = named
        .into_iter()
        .chain(unnamed)
        .map(|link| column_label(tables, link.child))
        .collect();
    (labels, weight)
}

/// What to do with one column: make it a foreign key, leave a note, or say nothing.
enum Choice {
    Key(ForeignKey, f64),
    Note(String),
    Nothing,
}

/// Picks the best reference of a column among the tables' primary keys: another table's key
/// when the evidence holds; else a note on a self-reference, a rejected candidate, or a near
/// miss.
fn choose_reference(
    tables: &[TableProfile],
    primary: &[Option<(usize, PrimaryKey)>],
    links: &[Link],
    column: ColumnRef,
) -> Choice {
    let (table, index) = column;
    let profile = &tables[table].columns[index];
    if profile.non_null == 0 {
        return empty_column_note(tables, primary, column);
    }
    let to_keys: Vec<&Link> = links
        .iter()
        .filter(|link| link.child == column)
        .filter(|link| {
            primary[link.parent.0]
                .as_ref()
                .is_some_and(|(pk, _)| *pk == link.parent.1)
        })
        .collect();
    let best_where = |own: bool| {
        to_keys
            .iter()
            .copied()
            .filter(|link| (link.parent.0 == table) == own)
            .max_by(|a, b| {
                a.score()
                    .total_cmp(&b.score())
                    .then_with(|| b.parent.cmp(&a.parent))
            })
    };
    let (elsewhere, own) = (best_where(false), best_where(true));
    if primary[table].as_ref().is_some_and(|(pk, _)| *pk == index) {
        return elsewhere.map_or(Choice::Nothing, |link| one_to_one(tables, link));
    }
    let others: Vec<String> = to_keys
        .iter()
        .filter(|link| Some(link.parent.0) != elsewhere.map(|b| b.parent.0))
        .filter(|link| link.parent.0 != table)
        .map(|link| tables[link.parent.0].name.clone())
        .collect();
    if let Some(best) = elsewhere
        && let Some(confidence) = best.verdict()
    {
        let fk = ForeignKey {
            column: profile.name.to_string(),
            parent: tables[best.parent.0].name.clone(),
            parent_key: tables[best.parent.0].columns[best.parent.1]
                .name
                .to_string(),
            confidence,
            why: with_alternatives(evidence(tables, best), &others),
        };
        return Choice::Key(fk, best.score());
    }
    if let Some(link) = own
        && (link.verdict().is_some() || profile.names.key_like)
    {
        return Choice::Note(self_reference(tables, link));
    }
    match elsewhere {
        Some(best) => Choice::Note(rejected(tables, best, &others)),
        None => near_miss(tables, primary, column).map_or(Choice::Nothing, Choice::Note),
    }
}

/// A primary key whose values are also another table's keys: said when the evidence is more
/// than weak, since the column cannot be both.
fn one_to_one(tables: &[TableProfile], link: &Link) -> Choice {
    match link.verdict() {
        Some(confidence) if confidence > Confidence::Low => Choice::Note(format!(
            "`{}` is the primary key, and its values are also all keys of {} ({confidence} \
             confidence; a one-to-one link?): a column cannot be both, so it stays the primary key",
            tables[link.child.0].columns[link.child.1].name,
            target(tables, link),
        )),
        _ => Choice::Nothing,
    }
}

/// An empty column is contained in every key (vacuously), and is never a key; say so when its
/// name suggests one.
fn empty_column_note(
    tables: &[TableProfile],
    primary: &[Option<(usize, PrimaryKey)>],
    column: ColumnRef,
) -> Choice {
    let profile = &tables[column.0].columns[column.1];
    let named = named_parent(tables, primary, column).map(|(parent, _)| parent);
    match named {
        Some(parent) => Choice::Note(format!(
            "`{}` is named like a reference to `{parent}` but is empty in every row: not a \
             foreign key",
            profile.name
        )),
        None => Choice::Nothing,
    }
}

/// The parent whose primary key the column's name points to strongly, with the match.
fn named_parent(
    tables: &[TableProfile],
    primary: &[Option<(usize, PrimaryKey)>],
    (table, column): ColumnRef,
) -> Option<(String, ColumnRef)> {
    let names = &tables[table].columns[column].names;
    let roles = !stem_is_a_table(names, tables.iter().map(|t| t.name.as_str()));
    tables
        .iter()
        .enumerate()
        .filter(|(parent, _)| *parent != table)
        .filter_map(|(parent, profile)| {
            let (key, _) = primary[parent].as_ref()?;
            let key_profile = &profile.columns[*key];
            let matched = reference_evidence(
                names,
                &profile.name,
                &key_profile.names,
                key_profile.name,
                roles,
            );
            matched
                .is_strong()
                .then(|| (profile.name.clone(), (parent, *key)))
        })
        .next()
}

/// A column named like a reference whose values are mostly, but not all, keys of the parent:
/// likely a foreign key with dirty data, worth telling the user.
fn near_miss(
    tables: &[TableProfile],
    primary: &[Option<(usize, PrimaryKey)>],
    column: ColumnRef,
) -> Option<String> {
    let profile = &tables[column.0].columns[column.1];
    let values = profile.values.as_ref()?;
    if primary[column.0]
        .as_ref()
        .is_some_and(|(pk, _)| *pk == column.1)
    {
        return None;
    }
    let (parent, key) = named_parent(tables, primary, column)?;
    let keys = &tables[key.0].columns[key.1].values.as_ref()?.distinct;
    let mut missing: Vec<&str> = values
        .distinct
        .iter()
        .copied()
        .filter(|v| !keys.contains(v))
        .collect();
    if missing.len() * 2 > values.distinct.len() {
        return None;
    }
    missing.sort_unstable();
    let shown_missing: Vec<String> = missing.iter().take(3).map(|v| shown(v)).collect();
    Some(format!(
        "`{}` is named like a reference to `{parent}`, but {} of its {} distinct values are not \
         keys of `{parent}` (e.g. {}): fix or empty those cells, then add `{}: {parent}` under \
         foreign_keys",
        profile.name,
        missing.len(),
        values.distinct.len(),
        shown_missing.join(", "),
        profile.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::testing::raw;

    fn infer(tables: &[(&str, crate::data::RawTable)]) -> Keys {
        let profiles: Vec<TableProfile> = tables
            .iter()
            .map(|(name, raw)| TableProfile::new(name, raw))
            .collect();
        infer_keys(&profiles)
    }

    fn ints(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    /// Rows of text from owned cells.
    fn owned(header: &[&str], rows: &[Vec<String>]) -> crate::data::RawTable {
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|row| row.iter().map(String::as_str).collect())
            .collect();
        raw(header, &rows.iter().map(Vec::as_slice).collect::<Vec<_>>())
    }

    /// A business key as TPC-DS writes it: eight `A`s, then the number in base 16 with the
    /// digits `A`..`P`, lowest first (1 is `AAAAAAAABAAAAAAA`).
    fn business_key(mut n: usize) -> String {
        let mut key = "AAAAAAAA".to_string();
        for _ in 0..8 {
            key.push(char::from(b'A' + (n % 16) as u8));
            n /= 16;
        }
        key
    }

    fn primary(keys: &Keys, table: usize) -> Option<&str> {
        keys.primary[table].as_ref().map(|pk| pk.column.as_str())
    }

    fn foreign(keys: &Keys, table: usize) -> Vec<(&str, &str)> {
        keys.foreign[table]
            .iter()
            .map(|(fk, _)| (fk.column.as_str(), fk.parent.as_str()))
            .collect()
    }

    #[test]
    fn the_referenced_surrogate_key_beats_a_business_key_written_alike() {
        // The business keys come first, so being the first column favours them; those of
        // `customer` are all business keys of `catalog_page` too (encoded alike), which values
        // alone cannot tell from a reference. The sales name the surrogate keys.
        let customer: Vec<Vec<String>> = (1..=40)
            .map(|i| vec![business_key(i), i.to_string(), format!("name{i}")])
            .collect();
        let page: Vec<Vec<String>> = (1..=120)
            .map(|i| vec![business_key(i), i.to_string(), format!("d{}", i % 7)])
            .collect();
        let sales: Vec<Vec<String>> = (1..=300)
            .map(|i| {
                vec![
                    ((i * 7) % 40 + 1).to_string(),
                    ((i * 13) % 120 + 1).to_string(),
                    (i % 5 + 1).to_string(),
                ]
            })
            .collect();
        let keys = infer(&[
            (
                "customer",
                owned(&["c_customer_id", "c_customer_sk", "c_name"], &customer),
            ),
            (
                "catalog_page",
                owned(
                    &["cp_catalog_page_id", "cp_catalog_page_sk", "cp_department"],
                    &page,
                ),
            ),
            (
                "store_sales",
                owned(
                    &["ss_customer_sk", "ss_catalog_page_sk", "ss_quantity"],
                    &sales,
                ),
            ),
        ]);
        assert_eq!(primary(&keys, 0), Some("c_customer_sk"));
        assert_eq!(primary(&keys, 1), Some("cp_catalog_page_sk"));
        assert_eq!(
            foreign(&keys, 2),
            [
                ("ss_customer_sk", "customer"),
                ("ss_catalog_page_sk", "catalog_page")
            ]
        );
    }

    #[test]
    fn abbreviated_tables_and_roles_are_told_apart() {
        // Both demographics keys are named `demo_sk` once prefixes are stripped, and the
        // household keys 1..20 lie inside the customer keys 1..60: only the names (`cdemo`,
        // `hdemo`, `bill_customer`) say which is which.
        let customer_demographics: Vec<Vec<String>> = (1..=60)
            .map(|i| vec![i.to_string(), format!("g{}", i % 2)])
            .collect();
        let household_demographics: Vec<Vec<String>> = (1..=20)
            .map(|i| vec![i.to_string(), format!("p{}", i % 3)])
            .collect();
        let customer: Vec<Vec<String>> = (1..=30)
            .map(|i| vec![i.to_string(), format!("name{i}")])
            .collect();
        let sales: Vec<Vec<String>> = (1..=200)
            .map(|i| {
                vec![
                    ((i * 7) % 60 + 1).to_string(),
                    ((i * 3) % 20 + 1).to_string(),
                    ((i * 11) % 30 + 1).to_string(),
                ]
            })
            .collect();
        let keys = infer(&[
            (
                "customer_demographics",
                owned(&["cd_demo_sk", "cd_gender"], &customer_demographics),
            ),
            (
                "household_demographics",
                owned(&["hd_demo_sk", "hd_buy_potential"], &household_demographics),
            ),
            ("customer", owned(&["c_customer_sk", "c_name"], &customer)),
            (
                "catalog_sales",
                owned(
                    &[
                        "cs_bill_cdemo_sk",
                        "cs_bill_hdemo_sk",
                        "cs_bill_customer_sk",
                    ],
                    &sales,
                ),
            ),
        ]);
        assert_eq!(primary(&keys, 0), Some("cd_demo_sk"));
        assert_eq!(primary(&keys, 1), Some("hd_demo_sk"));
        assert_eq!(primary(&keys, 2), Some("c_customer_sk"));
        assert!(keys.foreign[1].is_empty(), "{:?}", foreign(&keys, 1));
        assert_eq!(
            foreign(&keys, 3),
            [
                ("cs_bill_cdemo_sk", "customer_demographics"),
                ("cs_bill_hdemo_sk", "household_demographics"),
                ("cs_bill_customer_sk", "customer")
            ]
        );
    }

    #[test]
    fn two_candidate_keys_prefer_the_named_one() {
        let users = raw(
            &["email", "id", "name"],
            &[
                &["a@x", "1", "Ann"],
                &["b@x", "2", "Bob"],
                &["c@x", "3", "Cy"],
            ],
        );
        let keys = infer(&[("users", users)]);
        let pk = keys.primary[0].as_ref().expect("a primary key");
        assert_eq!(pk.column, "id");
        assert!(pk.why.contains("email"), "{}", pk.why);
    }

    #[test]
    fn chance_containment_in_an_unrelated_key_loses_to_the_named_parent() {
        let customers_rows: Vec<Vec<String>> = ints(50)
            .into_iter()
            .map(|i| vec![i.clone(), format!("c{i}")])
            .collect();
        let products_rows: Vec<Vec<String>> = ints(200)
            .into_iter()
            .map(|i| vec![i.clone(), format!("p{i}")])
            .collect();
        let orders_rows: Vec<Vec<String>> = (1..=300)
            .map(|i| {
                vec![
                    i.to_string(),
                    ((i * 7) % 50 + 1).to_string(),
                    (i % 5 + 1).to_string(),
                ]
            })
            .collect();
        let as_raw = |header: &[&str], rows: &[Vec<String>]| {
            let rows: Vec<Vec<&str>> = rows
                .iter()
                .map(|row| row.iter().map(String::as_str).collect())
                .collect();
            raw(header, &rows.iter().map(Vec::as_slice).collect::<Vec<_>>())
        };
        let keys = infer(&[
            ("customers", as_raw(&["id", "name"], &customers_rows)),
            ("products", as_raw(&["id", "label"], &products_rows)),
            (
                "orders",
                as_raw(&["order_id", "customer_id", "quantity"], &orders_rows),
            ),
        ]);
        let fks: Vec<(&str, &str)> = keys.foreign[2]
            .iter()
            .map(|(fk, _)| (fk.column.as_str(), fk.parent.as_str()))
            .collect();
        assert_eq!(fks, [("customer_id", "customers")]);
        assert!(
            keys.notes[2]
                .iter()
                .any(|note| note.contains("`quantity` is not a foreign key")),
            "{:?}",
            keys.notes[2]
        );
    }

    #[test]
    fn string_codes_match_without_name_evidence() {
        let airports = raw(
            &["faa", "name"],
            &[
                &["EWR", "Newark"],
                &["JFK", "Kennedy"],
                &["LGA", "LaGuardia"],
                &["BOS", "Logan"],
                &["ATL", "Atlanta"],
                &["ORD", "O'Hare"],
                &["SFO", "San Francisco"],
                &["LAX", "LA"],
            ],
        );
        let flights = raw(
            &["origin", "dest"],
            &[
                &["EWR", "ATL"],
                &["JFK", "SFO"],
                &["LGA", "ORD"],
                &["EWR", "LAX"],
                &["JFK", "BOS"],
            ],
        );
        let keys = infer(&[("airports", airports), ("flights", flights)]);
        assert_eq!(
            keys.primary[0].as_ref().map(|pk| pk.column.as_str()),
            Some("faa")
        );
        let fks: Vec<&str> = keys.foreign[1]
            .iter()
            .map(|(fk, _)| fk.parent.as_str())
            .collect();
        assert_eq!(fks, ["airports", "airports"]);
    }

    #[test]
    fn an_all_empty_column_is_never_a_key() {
        let customers = raw(&["id"], &[&["1"], &["2"]]);
        let orders = raw(&["customer_id", "n"], &[&["", "5"], &["", "6"]]);
        let keys = infer(&[("customers", customers), ("orders", orders)]);
        assert!(keys.foreign[1].is_empty());
        assert!(keys.primary[1].is_none());
        assert!(
            keys.notes[1][0].contains("empty in every row"),
            "{:?}",
            keys.notes[1]
        );
    }

    #[test]
    fn dirty_references_are_reported_not_declared() {
        let customers = raw(&["id"], &[&["1"], &["2"], &["3"]]);
        let orders = raw(&["customer_id"], &[&["1"], &["1"], &["2"], &["3"], &["9"]]);
        let keys = infer(&[("customers", customers), ("orders", orders)]);
        assert!(keys.foreign[1].is_empty());
        assert!(
            keys.notes[1][0].contains("1 of its 4 distinct values"),
            "{:?}",
            keys.notes[1]
        );
    }
}
