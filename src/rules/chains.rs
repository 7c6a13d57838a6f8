//! The bounds a chain of order and difference rules puts on two columns no rule joins: an
//! account opened at most 600 days after its customer signed up and closed at most 1,496 days
//! after it opened is closed at most 2,096 days after the sign-up. Generation draws the columns
//! in its own order, not the chain's: a closing date drawn before the opening date, with only
//! its own rules to keep, came out ten years after the sign-up, and no opening date could then
//! keep both of its rules (6 of 1,655 synthetic accounts broke one).

use super::{Col, Rule, RuleKind};

/// The most columns a chain is looked for among (the closure takes their cube).
const MAX_CHAINED: usize = 64;

/// A difference rule, for each two columns of order and difference rules (at least one the
/// table's own) that a chain of them bounds more tightly than the rules joining the two, with
/// the bounds the chain sets (`to - from` in `[min, max]`, `min` a number, `max` unbounded
/// where the chain leaves it so). Empty when the rules contradict one another (a chain around
/// a loop that shrinks).
pub fn implied(rules: &[Rule]) -> Vec<Rule> {
    let edges: Vec<(&Col, &Col, f64, f64, bool)> = rules.iter().filter_map(edge).collect();
    let mut nodes: Vec<&Col> = Vec::new();
    for (from, to, ..) in &edges {
        for col in [*from, *to] {
            if !nodes.contains(&col) {
                nodes.push(col);
            }
        }
    }
    if nodes.len() < 3 || nodes.len() > MAX_CHAINED {
        return Vec::new();
    }
    let index = |col: &Col| nodes.iter().position(|node| *node == col);
    // most[a][b]: the largest `b - a` the rules allow.
    let n = nodes.len();
    let mut most = vec![vec![f64::INFINITY; n]; n];
    let mut days = vec![false; n];
    for &(from, to, min, max, in_days) in &edges {
        let (Some(a), Some(b)) = (index(from), index(to)) else {
            continue;
        };
        most[a][b] = most[a][b].min(max);
        most[b][a] = most[b][a].min(-min);
        days[a] |= in_days;
        days[b] |= in_days;
    }
    for (a, row) in most.iter_mut().enumerate() {
        row[a] = 0.0;
    }
    let direct = most.clone();
    for k in 0..n {
        for a in 0..n {
            for b in 0..n {
                let through = most[a][k] + most[k][b];
                if through < most[a][b] {
                    most[a][b] = through;
                }
            }
        }
    }
    if (0..n).any(|a| most[a][a] < 0.0) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let (max, min) = (most[a][b], -most[b][a]);
            let both_parent = nodes[a].own().is_none() && nodes[b].own().is_none();
            // The rules that join the two already bound them as tightly (a difference found
            // on the data is its real range, which a chain's holds): a chain is kept where
            // it bounds a side they leave open (an order's upper side).
            let tighter = max < direct[a][b] || -min < direct[b][a];
            if both_parent || !tighter {
                continue;
            }
            // Turned round where only the upper side is bounded: a bound's lower side is
            // always a number.
            let ((from, to), (min, max)) = match min.is_finite() {
                true => ((a, b), (min, max)),
                false => ((b, a), (-max, -min)),
            };
            found.push(Rule {
                kind: RuleKind::Difference {
                    from: nodes[from].clone(),
                    to: nodes[to].clone(),
                    min,
                    max,
                    days: days[a] && days[b],
                    year: false,
                },
                support: 0,
                holding: 0,
                origin: super::Origin::Found,
                gaps: Vec::new(),
            });
        }
    }
    found
}

/// An order or difference rule as `(from, to, min, max, in days)`: `to - from` in
/// `[min, max]`.
fn edge(rule: &Rule) -> Option<(&Col, &Col, f64, f64, bool)> {
    match &rule.kind {
        RuleKind::Order { low, high, .. } => Some((low, high, 0.0, f64::INFINITY, false)),
        RuleKind::Difference {
            from,
            to,
            min,
            max,
            days,
            year: false,
        } if min.is_finite() && !max.is_nan() => Some((from, to, *min, *max, *days)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: RuleKind) -> Rule {
        Rule {
            kind,
            support: 10,
            holding: 10,
            origin: super::super::Origin::Found,
            gaps: Vec::new(),
        }
    }

    fn difference(from: Col, to: &str, (min, max): (f64, f64)) -> Rule {
        rule(RuleKind::Difference {
            from,
            to: Col::Own(to.into()),
            min,
            max,
            days: true,
            year: false,
        })
    }

    fn bounds(rules: &[Rule]) -> Vec<(String, String, f64, f64)> {
        let text = |col: &Col| match col {
            Col::Own(name) => name.clone(),
            other => other.to_string(),
        };
        implied(rules)
            .iter()
            .filter_map(|rule| match &rule.kind {
                RuleKind::Difference {
                    from, to, min, max, ..
                } => Some((text(from), text(to), *min, *max)),
                _ => None,
            })
            .collect()
    }

    /// Sign-up, opening and closing: the closing date is bounded against the sign-up by the
    /// sum of the two gaps; an order after the closing date carries the lower bound on.
    #[test]
    fn a_chain_of_differences_bounds_its_ends() {
        let signup = Col::Parent {
            table: "customers".into(),
            column: "signup".into(),
        };
        let rules = [
            difference(signup, "opened", (-1.0, 600.0)),
            difference(Col::Own("opened".into()), "closed", (58.0, 1496.0)),
            rule(RuleKind::Order {
                low: Col::Own("closed".into()),
                high: Col::Own("archived".into()),
                strict: false,
            }),
        ];
        let found = bounds(&rules);
        let signup_closed = ("customers.signup".into(), "closed".into(), 57.0, 2096.0);
        assert!(found.contains(&signup_closed), "{found:?}");
        let opened_archived = (
            "opened".to_string(),
            "archived".to_string(),
            58.0,
            f64::INFINITY,
        );
        assert!(found.contains(&opened_archived), "{found:?}");
        // Pairs a difference joins are left to it.
        assert!(
            !found
                .iter()
                .any(|(a, b, ..)| a == "opened" && b == "closed")
        );
        assert_eq!(found.len(), 3, "{found:?}");
        // An order that bounds one side only: the chain bounds the other.
        let mut with_order = rules.to_vec();
        with_order.push(rule(RuleKind::Order {
            low: Col::Parent {
                table: "customers".into(),
                column: "signup".into(),
            },
            high: Col::Own("closed".into()),
            strict: true,
        }));
        assert!(bounds(&with_order).contains(&signup_closed));
    }

    /// A chain of orders written from the later column: `c <= b <= a` gives `a - c` at least
    /// 0, turned so that the lower side is the number (a bound with no lower side drew its
    /// gap from minus infinity, and generation panicked).
    #[test]
    fn a_bound_on_one_side_has_its_lower_side_a_number() {
        let order = |low: &str, high: &str| {
            rule(RuleKind::Order {
                low: Col::Own(low.into()),
                high: Col::Own(high.into()),
                strict: false,
            })
        };
        let rules = [order("b", "a"), order("c", "b"), order("d", "a")];
        let found = bounds(&rules);
        assert!(found.contains(&("c".into(), "a".into(), 0.0, f64::INFINITY)));
        assert!(
            found.iter().all(|(.., min, _)| min.is_finite()),
            "{found:?}"
        );
    }

    /// Rules that contradict one another around a loop imply nothing.
    #[test]
    fn a_loop_that_shrinks_implies_nothing() {
        let own = |name: &str| Col::Own(name.into());
        let rules = [
            difference(own("a"), "b", (5.0, 10.0)),
            difference(own("b"), "c", (5.0, 10.0)),
            difference(own("c"), "a", (5.0, 10.0)),
        ];
        assert!(implied(&rules).is_empty());
    }
}
