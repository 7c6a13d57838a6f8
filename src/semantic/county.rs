//! Counties that lie in their row's state. A county column's rare values come from a public
//! list, and a reused frequent one is drawn apart from the state column, so `Clarke County`
//! came out beside `TX` (TPC-DS `customer_address`: 28% of synthetic counties were in their
//! row's state, 99.4% of real ones). When the real rows show that the county follows a state
//! column, a drawn county that is not in the row's state is replaced by one of its counties.

use std::sync::Arc;

use rand::RngExt;

use super::counties::{STATES, State};
use crate::data::{Column, Table, Value};
use crate::model::marginal::Weighted;
use crate::sampling::SynthRng;

/// The share of real rows (with a known state and a county) whose county lies in their state,
/// from which a state column is taken to tell the county.
const IN_STATE_SHARE: f64 = 0.9;

/// The share of real rows with a county whose state column names a state of the list: below
/// it, the column is not one of states of the United States.
const KNOWN_STATE_SHARE: f64 = 0.5;

/// The state a label names: its postal code (`TX`) or its name (`Texas`), in any case.
pub fn state_named(label: &str) -> Option<&'static State> {
    let label = label.trim();
    if let &[first, second] = label.as_bytes() {
        // Read for every row a county is drawn in: no string made for the upper case.
        let code = [first.to_ascii_uppercase(), second.to_ascii_uppercase()];
        let at = STATES
            .binary_search_by(|state| state.code.as_bytes().cmp(&code[..]))
            .ok()?;
        return Some(&STATES[at]);
    }
    STATES
        .iter()
        .find(|state| state.name.eq_ignore_ascii_case(label))
}

impl State {
    /// Whether `county` (a full name, `Travis County`) is one of the state's.
    pub fn has(&self, county: &str) -> bool {
        self.counties.binary_search(&county).is_ok()
    }
}

/// The first of the `regions` columns of `table` that tells its county column `county`: most
/// rows name a state of the list there, and nearly all of those have a county of that state.
pub fn state_column(table: &Table, county: usize, regions: &[usize]) -> Option<usize> {
    let counties = &table.columns.get(county)?.values;
    regions.iter().copied().find(|&region| {
        let Some(states) = table.columns.get(region) else {
            return false;
        };
        let (mut with_county, mut known, mut inside) = (0usize, 0usize, 0usize);
        for (county, state) in counties.iter().zip(&states.values) {
            let Value::Label(county) = county else {
                continue;
            };
            with_county += 1;
            if let Some(state) = label(state).and_then(state_named) {
                known += 1;
                inside += usize::from(state.has(county));
            }
        }
        known > 0
            && known as f64 >= KNOWN_STATE_SHARE * with_county as f64
            && inside as f64 >= IN_STATE_SHARE * known as f64
    })
}

/// `drawn` for `row`, unless it is a county outside the state the row's `region` column names:
/// then one of that state's counties. A reused frequent county (one of `frequent`) gives way
/// to a frequent county of the state, if it has some, in proportion to their rows.
pub fn in_row_state(
    columns: &[Column],
    region: usize,
    row: usize,
    (drawn, frequent): (Value, Option<&Weighted<Arc<str>>>),
    rng: &mut SynthRng,
) -> Value {
    let state = columns
        .get(region)
        .and_then(|column| column.values.get(row))
        .and_then(label)
        .and_then(state_named);
    match (state, &drawn) {
        (Some(state), Value::Label(county)) if !state.has(county) => {
            let reused = frequent.filter(|frequent| frequent.contains(county));
            let local = reused.and_then(|frequent| frequent_in(state, frequent, rng));
            Value::Label(local.unwrap_or_else(|| {
                let at = rng.random_range(0..state.counties.len());
                state.counties[at].into()
            }))
        }
        _ => drawn,
    }
}

/// One of the `frequent` counties that lie in `state`, in proportion to their weights.
fn frequent_in(
    state: &State,
    frequent: &Weighted<Arc<str>>,
    rng: &mut SynthRng,
) -> Option<Arc<str>> {
    let weights: Vec<(&Arc<str>, f64)> = frequent
        .items()
        .iter()
        .zip(frequent.cumulative())
        .scan(0.0, |before, (county, &cumulative)| {
            let weight = cumulative - *before;
            *before = cumulative;
            Some((county, weight))
        })
        .filter(|(county, _)| state.has(county))
        .collect();
    let total: f64 = weights.iter().map(|(_, weight)| weight).sum();
    if total <= 0.0 {
        return None;
    }
    let mut left = rng.random::<f64>() * total;
    for (county, weight) in &weights {
        if left < *weight {
            return Some(Arc::clone(county));
        }
        left -= weight;
    }
    weights.last().map(|(county, _)| Arc::clone(county))
}

fn label(value: &Value) -> Option<&str> {
    match value {
        Value::Label(label) => Some(label.as_ref()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_names_every_state() {
        assert!(STATES.is_sorted_by(|a, b| a.code < b.code));
        assert_eq!(
            STATES.len(),
            51,
            "fifty states and the District of Columbia"
        );
        for state in STATES {
            assert!(state.counties.is_sorted(), "{}", state.code);
            assert!(!state.counties.is_empty());
            assert!(state.counties.iter().all(|county| county.is_ascii()));
        }
        assert_eq!(state_named("tx").map(|s| s.name), Some("Texas"));
        assert_eq!(state_named("New York").map(|s| s.code), Some("NY"));
        assert!(state_named("Ontario").is_none() && state_named("XX").is_none());
        let texas = state_named("TX").expect("Texas");
        assert!(texas.has("Travis County") && !texas.has("Clarke County"));
        assert!(state_named("LA").expect("Louisiana").has("Acadia Parish"));
    }

    #[test]
    fn a_frequent_county_gives_way_to_a_frequent_one_of_the_state() {
        let rows = ["Travis County"; 3]
            .into_iter()
            .chain(["Fulton County"; 2])
            .chain(["Cobb County"; 2]);
        let frequent = Weighted::frequent(rows.map(Arc::from), 1).expect("frequent counties");
        let georgia = state_named("GA").expect("Georgia");
        let mut rng = crate::sampling::rng_for(3, "counties");
        let mut fulton = 0;
        for _ in 0..1000 {
            let county = frequent_in(georgia, &frequent, &mut rng).expect("a Georgian county");
            assert!(georgia.has(&county), "{county}");
            fulton += usize::from(&*county == "Fulton County");
        }
        assert!((420..=580).contains(&fulton), "as often as Cobb: {fulton}");
        let alaska = state_named("AK").expect("Alaska");
        assert!(frequent_in(alaska, &frequent, &mut rng).is_none());
    }
}
