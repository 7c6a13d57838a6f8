//! Spanish given names (by gender) and family names, for rows whose country speaks Spanish:
//! `fake` 5.1.0 has no Spanish lists, and a guest of Spain was called Matthew Sanders (166 of
//! 224 Spanish guests of a hotel copy had English first names). The names are public
//! statistics' most frequent ones (`spanish.txt` says which); the file is read once.

use std::sync::LazyLock;

/// The lists of `spanish.txt`, one per section.
pub struct Names {
    /// Women's given names.
    pub women: Vec<&'static str>,
    /// Men's given names.
    pub men: Vec<&'static str>,
    /// Women's and men's given names, for a row that says no gender.
    pub either: Vec<&'static str>,
    /// Family names.
    pub surnames: Vec<&'static str>,
}

/// The names, parsed from the file compiled in.
pub static NAMES: LazyLock<Names> = LazyLock::new(|| parse(include_str!("spanish.txt")));

/// The names of each section (`[women]`, `[men]`, `[surnames]`) of `text`: one a line, blank
/// lines and `#` comments skipped; lines of an unknown section are ignored.
fn parse(text: &'static str) -> Names {
    let (mut women, mut men, mut surnames) = (Vec::new(), Vec::new(), Vec::new());
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            continue;
        }
        match section {
            "women" => women.push(line),
            "men" => men.push(line),
            "surnames" => surnames.push(line),
            _ => {}
        }
    }
    let either = women.iter().chain(&men).copied().collect();
    Names {
        women,
        men,
        either,
        surnames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every section is read, sorted without repeats (a repeat would weigh a name twice), one
    /// capitalised word a name, and no given name is both a woman's and a man's.
    #[test]
    fn the_lists_are_read_sorted_and_apart() {
        let names = &*NAMES;
        for list in [&names.women, &names.men, &names.surnames] {
            assert!(list.len() >= 80, "{} names", list.len());
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]), "{list:?}");
            assert!(list.iter().all(|name| {
                name.chars().all(char::is_alphabetic) && name.starts_with(char::is_uppercase)
            }));
        }
        assert!(names.women.iter().all(|name| !names.men.contains(name)));
        assert_eq!(names.either.len(), names.women.len() + names.men.len());
        assert!(names.women.contains(&"Lucía") && names.men.contains(&"José"));
        assert!(names.surnames.contains(&"García"));
    }
}
