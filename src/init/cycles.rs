//! Cycles between tables: dxsynth generates parents before children, so the foreign keys must
//! not form a cycle. Each cycle loses its weakest key, which is left out with a comment.

use super::inferred::ForeignKey;

/// Removes the weakest foreign key of every cycle until none is left; returns, per table, the
/// notes explaining what was removed. `foreign[t]` holds table `t`'s keys with their scores.
pub(super) fn break_cycles(
    names: &[String],
    foreign: &mut [Vec<(ForeignKey, f64)>],
) -> Vec<Vec<String>> {
    let mut notes = vec![Vec::new(); names.len()];
    while let Some(cycle) = find_cycle(names, foreign) {
        let Some(&(table, index)) = cycle.iter().min_by(|a, b| {
            foreign[a.0][a.1]
                .1
                .total_cmp(&foreign[b.0][b.1].1)
                .then_with(|| b.cmp(a))
        }) else {
            break;
        };
        let path: Vec<&str> = cycle
            .iter()
            .map(|&(t, _)| names[t].as_str())
            .chain(cycle.first().map(|&(t, _)| names[t].as_str()))
            .collect();
        let (fk, _) = foreign[table].remove(index);
        notes[table].push(format!(
            "`{}` -> `{}` ({} confidence: {}) is left out: with it the tables would form the \
             cycle {}, and parents must be generated before their children; it was the \
             weakest key of the cycle",
            fk.column,
            fk.parent,
            fk.confidence,
            fk.why,
            path.join(" -> ")
        ));
    }
    notes
}

/// A cycle as the list of (table, foreign key index) edges child -> parent, if there is one.
fn find_cycle(names: &[String], foreign: &[Vec<(ForeignKey, f64)>]) -> Option<Vec<(usize, usize)>> {
    let parent_of = |fk: &ForeignKey| names.iter().position(|name| *name == fk.parent);
    let mut state = vec![State::New; names.len()];
    for start in 0..names.len() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(start, &parent_of, foreign, &mut state, &mut path) {
            return Some(cycle);
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Open,
    Done,
}

/// Depth-first search; `path` holds the edges from the start to `table`.
fn visit(
    table: usize,
    parent_of: &dyn Fn(&ForeignKey) -> Option<usize>,
    foreign: &[Vec<(ForeignKey, f64)>],
    state: &mut [State],
    path: &mut Vec<(usize, usize)>,
) -> Option<Vec<(usize, usize)>> {
    match state[table] {
        State::Done => return None,
        State::Open => {
            let start = path.iter().position(|&(t, _)| t == table)?;
            return Some(path[start..].to_vec());
        }
        State::New => {}
    }
    state[table] = State::Open;
    for (index, (fk, _)) in foreign[table].iter().enumerate() {
        let Some(parent) = parent_of(fk) else {
            continue;
        };
        path.push((table, index));
        if let Some(cycle) = visit(parent, parent_of, foreign, state, path) {
            return Some(cycle);
        }
        path.pop();
    }
    state[table] = State::Done;
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::inferred::Confidence;

    fn fk(column: &str, parent: &str) -> ForeignKey {
        ForeignKey {
            column: column.into(),
            parent: parent.into(),
            parent_key: "id".into(),
            confidence: Confidence::Medium,
            why: "because".into(),
        }
    }

    #[test]
    fn the_weakest_key_of_a_cycle_goes() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut foreign = vec![
            vec![(fk("b_id", "b"), 5.0)],
            vec![(fk("c_id", "c"), 4.0)],
            vec![(fk("a_id", "a"), 2.0)],
        ];
        let notes = break_cycles(&names, &mut foreign);
        assert!(foreign[2].is_empty());
        assert_eq!(foreign[0].len() + foreign[1].len(), 2);
        assert!(notes[2][0].contains("cycle"), "{:?}", notes[2]);
        assert!(find_cycle(&names, &foreign).is_none());
    }

    #[test]
    fn no_cycle_no_change() {
        let names: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let mut foreign = vec![vec![], vec![(fk("a_id", "a"), 1.0)]];
        let notes = break_cycles(&names, &mut foreign);
        assert_eq!(foreign[1].len(), 1);
        assert!(notes.iter().all(Vec::is_empty));
    }
}
