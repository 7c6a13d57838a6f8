//! Given names (by gender) and family names compiled into the binary, for locales whose `fake`
//! 5.1.0 lists are missing or narrow: Spanish (`fake` has none: a guest of Spain was called
//! Matthew Sanders, 166 of 224 Spanish guests of a hotel copy had English first names), Italian
//! and German (`fake` holds 49 Italian and 114 German family names: 235 Italian guests of a
//! hotel copy shared 48, Fabbri 9 times, where the real ones had 222). The names are common
//! ones of each country (each `.txt` says which); each file is parsed once, on first use.

use std::sync::LazyLock;

/// The lists of one file, one per section.
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

/// Spanish names (Spain and Spanish-speaking America), parsed from the file compiled in.
pub static SPANISH: LazyLock<Names> = LazyLock::new(|| parse(include_str!("spanish.txt")));

/// Italian names.
pub static ITALIAN: LazyLock<Names> = LazyLock::new(|| parse(include_str!("italian.txt")));

/// German names (Germany, Austria, German-speaking Switzerland).
pub static GERMAN: LazyLock<Names> = LazyLock::new(|| parse(include_str!("german.txt")));

/// The names of each section (`[women]`, `[men]`, `[surnames]`) of `text`: one a line, blank
/// lines and `#` comments skipped; lines of an unknown section are ignored.
pub fn parse(text: &'static str) -> Names {
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

    /// Every section of every file is read, sorted without repeats (a repeat would weigh a
    /// name twice), one capitalised word of Latin-1 letters a name (a CSV read as Latin-1
    /// keeps it), and no given name is both a woman's and a man's.
    #[test]
    fn the_lists_are_read_sorted_and_apart() {
        for (names, least) in [(&*SPANISH, 80), (&*ITALIAN, 190), (&*GERMAN, 190)] {
            for list in [&names.women, &names.men, &names.surnames] {
                assert!(list.len() >= least, "{} names", list.len());
                assert!(list.windows(2).all(|pair| pair[0] < pair[1]), "{list:?}");
                assert!(list.iter().all(|name| {
                    name.chars()
                        .all(|c| c.is_alphabetic() && u32::from(c) <= 0xFF)
                        && name.starts_with(char::is_uppercase)
                }));
            }
            assert!(names.women.iter().all(|name| !names.men.contains(name)));
            assert_eq!(names.either.len(), names.women.len() + names.men.len());
        }
        assert!(SPANISH.women.contains(&"Lucía") && SPANISH.men.contains(&"José"));
        assert!(SPANISH.surnames.contains(&"García"));
        assert!(ITALIAN.men.contains(&"Andrea") && GERMAN.women.contains(&"Andrea"));
        assert!(ITALIAN.surnames.len() >= 400 && ITALIAN.surnames.contains(&"Orrù"));
        assert!(GERMAN.surnames.len() >= 400 && GERMAN.surnames.contains(&"Müller"));
    }
}
