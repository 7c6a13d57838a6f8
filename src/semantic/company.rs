//! Company names that read as real. Left to the table model, a SaaS table's company names were
//! drawn word by word: 61% of 600 were legal and joining words alone (`PLC and and &`), and 194
//! repeated an earlier one where every real name is distinct. A fresh name takes the shape of a
//! real one (`{Name} GmbH`, `{Name}, {Name} and {Name}`, `{Name}-{Name}`, `Grupo {Name} S.A.`):
//! the words seen in at least k real names (`Group`, `Royal`), legal forms (`GmbH`, `S.L.`, of a
//! public list) and joining words (`and`, `y`), and the marks between words are kept as they
//! are; every other word is a family name of the row's locale, a run of capitals as many fresh
//! capitals. A country of k names or more keeps its own shapes, so a German company stays a
//! `GmbH` and a Swedish one an `AB`. Where no real name has a word to fill, names come from the
//! `fake` templates of the row's locale, with a legal form its country has in k names (else one
//! of the locale's list).

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Column, Value};
use crate::model::marginal::{Weighted, text_hash};
use crate::sampling::SynthRng;
use crate::stats::FastMap;

use super::gendered;
use super::locale::Locale;

/// One part of a company name's shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
enum Part {
    /// A family name of the row's locale.
    Name,
    /// A legal form (`GmbH`, `Inc`), in the `fake` templates only.
    Suffix,
    /// This many capitals (`DKG Groep`, `Inversiones GHTX`).
    Letters(u8),
    /// Text as it is: a word seen in at least k names, a joining word, marks and spaces.
    Text(Arc<str>),
}

/// The shapes of a column's company names, and the legal forms each country's names use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompanyModel {
    /// The shapes of the real names that have a part to fill, each weighted by its names;
    /// `None` when none has (then the `fake` templates of the row's locale).
    shapes: Option<Weighted<Vec<Part>>>,
    /// The shapes of each country's names, for the countries of at least k names, sorted by
    /// country.
    by_country: Vec<(Arc<str>, Weighted<Vec<Part>>)>,
    /// The legal forms seen in at least k names of each country (`""`: rows without one),
    /// sorted by country.
    suffixes: Vec<(Arc<str>, Weighted<Arc<str>>)>,
    /// Whether no two real names are the same (two or more): the synthetic ones are then made
    /// distinct ([`super::fill::Uniques`]).
    pub unique: bool,
    /// The sorted hashes ([`text_hash`]) of the real names seen in fewer than k rows, so that a
    /// fresh name that is one is drawn again: 6 of a SaaS copy's 600 names were real ones
    /// (`Clark PLC`, `Rodriguez and Sons`), as the text model and ids refuse to replay theirs.
    real: Vec<u64>,
}

/// Draws of a name that is a rare real one before it is kept anyway.
const REDRAWN_NAMES: usize = 8;

/// Joining words kept wherever they stand, however rare: they name no one.
const JOINERS: &[&str] = &[
    "and", "e", "y", "und", "et", "en", "och", "og", "of", "the", "van", "von", "de", "der", "den",
    "di", "da", "do", "dos", "du", "la", "le", "del", "des",
];

/// Legal forms (lower case, letters and digits only: `S.A.` is `sa`) beside the single words of
/// `fake`'s lists (`GmbH`, `S.p.A.`, `Inc`).
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "corp",
    "corporation",
    "co",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "gbr",
    "ug",
    "ev",
    "se",
    "sa",
    "sas",
    "sarl",
    "sasu",
    "eurl",
    "sl",
    "slu",
    "slne",
    "sau",
    "sc",
    "scp",
    "scoop",
    "scom",
    "sat",
    "spa",
    "srl",
    "srls",
    "snc",
    "bv",
    "nv",
    "vof",
    "cv",
    "ab",
    "hb",
    "kb",
    "oy",
    "oyj",
    "as",
    "asa",
    "aps",
    "kft",
    "zrt",
    "sro",
    "doo",
    "pty",
    "ltda",
    "lda",
    "sgps",
    "kk",
    "bhd",
    "sdn",
    "pvt",
    "pte",
    "mbh",
];

/// Particles of family names: after one (`van {Name}`), a drawn name that opens with its own
/// (`van de Pol`, 42 of `fake`'s 100 Dutch family names) is drawn again, or a Dutch company
/// came out `van van de Pol`.
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "di", "da", "do", "dos", "du", "la", "le", "del", "des",
];

/// Tries at a family name spelled in ASCII (for a column whose real names all are) or opening
/// with a capital (after a particle) before the English list.
const ASCII_TRIES: usize = 4;

/// The longest run of capitals drawn afresh; longer ones are names.
const MAX_LETTERS: usize = 5;

/// A word as [`LEGAL_FORMS`] spells it.
fn legal_key(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every legal form, as [`legal_key`] spells it: the built-in ones and the one-word entries of
/// every locale's list.
static LEGAL: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let listed = Locale::ALL
        .iter()
        .flat_map(|locale| locale.lists().company.iter())
        .filter(|form| !form.contains(' '))
        .map(|form| legal_key(form));
    LEGAL_FORMS
        .iter()
        .map(|form| form.to_string())
        .chain(listed)
        .filter(|key| !key.is_empty())
        .collect()
});

/// Every given and family name of the public lists: a word seen in k company names that is one
/// (`Smith`) stands for a name, not for itself.
static NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    Locale::ALL
        .iter()
        .flat_map(|locale| {
            let lists = locale.lists();
            lists.first.iter().chain(lists.last.iter()).copied()
        })
        .chain(gendered::WOMEN.iter().copied())
        .chain(gendered::MEN.iter().copied())
        .collect()
});

impl CompanyModel {
    /// The shapes of a column's names, `countries` the country of each real row; `None` when
    /// the column has no name.
    pub fn learn(
        column: &Column,
        countries: &[Option<String>],
        min_count: usize,
    ) -> Option<CompanyModel> {
        let rows: Vec<(&str, &str)> = column
            .values
            .iter()
            .enumerate()
            .filter_map(|(row, value)| match value {
                Value::Label(name) => {
                    let country = countries.get(row).and_then(Option::as_deref);
                    Some((&**name, country.unwrap_or("")))
                }
                _ => None,
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        let frequent = frequent_words(rows.iter().map(|(name, _)| *name), min_count);
        let shaped: Vec<(&str, Vec<Part>)> = rows
            .iter()
            .map(|(name, country)| (*country, shape_of(name, &frequent)))
            .collect();
        let distinct: HashSet<&str> = rows.iter().map(|(name, _)| *name).collect();
        let mut counts: FastMap<&str, usize> = FastMap::default();
        for (name, _) in &rows {
            *counts.entry(name).or_default() += 1;
        }
        let mut real: Vec<u64> = counts
            .into_iter()
            .filter(|&(_, count)| count < min_count)
            .map(|(name, _)| text_hash(name))
            .collect();
        real.sort_unstable();
        real.dedup();
        Some(CompanyModel {
            shapes: fillable(shaped.iter().map(|(_, shape)| shape)),
            by_country: by_country(&shaped, min_count),
            suffixes: suffixes(&rows, min_count),
            unique: rows.len() >= 2 && distinct.len() == rows.len(),
            real,
        })
    }

    /// A fresh name for a row of `country` (`None`: not known) and `locale`, spelled in ASCII
    /// when `ascii`: drawn again a few times while it is a rare real name.
    pub fn draw(
        &self,
        country: Option<&str>,
        locale: Locale,
        ascii: bool,
        rng: &mut SynthRng,
    ) -> String {
        let mut name = self.draw_once(country, locale, ascii, rng);
        for _ in 0..REDRAWN_NAMES {
            if self.real.binary_search(&text_hash(&name)).is_err() {
                break;
            }
            name = self.draw_once(country, locale, ascii, rng);
        }
        name
    }

    /// A name in a shape of the row's country, its parts filled.
    fn draw_once(
        &self,
        country: Option<&str>,
        locale: Locale,
        ascii: bool,
        rng: &mut SynthRng,
    ) -> String {
        let key = country.unwrap_or("");
        let shapes = find(&self.by_country, key).or(self.shapes.as_ref());
        let template;
        let shape: &[Part] = match shapes {
            Some(shapes) => shapes.draw(rng),
            None => {
                let list = &locale.lists().company_shapes;
                template = parse_template(list[rng.random_range(0..list.len())]);
                &template
            }
        };
        let suffixes = find(&self.suffixes, key);
        let mut name = String::new();
        for part in shape {
            match part {
                Part::Name => {
                    let capital = after_particle(&name);
                    name.push_str(family_name(locale, (ascii, capital), rng));
                }
                Part::Suffix => name.push_str(&legal_form(suffixes, locale, ascii, rng)),
                Part::Letters(count) => {
                    name.extend((0..*count).map(|_| char::from(rng.random_range(b'A'..=b'Z'))));
                }
                Part::Text(text) => name.push_str(text),
            }
        }
        name
    }

    /// Whether a model read from a model file can be drawn from.
    pub fn check(&self) -> bool {
        let sorted = |keys: &mut dyn Iterator<Item = &Arc<str>>| {
            let keys: Vec<&Arc<str>> = keys.collect();
            keys.windows(2).all(|pair| pair[0] < pair[1])
        };
        let shapes_ok = |shapes: &Weighted<Vec<Part>>| {
            shapes.check()
                && shapes.items().iter().all(|shape| {
                    shape.iter().all(|part| match part {
                        Part::Letters(count) => usize::from(*count) <= MAX_LETTERS,
                        _ => true,
                    })
                })
        };
        self.shapes.as_ref().is_none_or(shapes_ok)
            && self.by_country.iter().all(|(_, shapes)| shapes_ok(shapes))
            && self.suffixes.iter().all(|(_, forms)| forms.check())
            && sorted(&mut self.by_country.iter().map(|(key, _)| key))
            && sorted(&mut self.suffixes.iter().map(|(key, _)| key))
            && self.real.is_sorted()
    }
}

/// The pieces of a name: its words split at hyphens (`Bailey-Cook`), each with the marks
/// before it (a space, a hyphen) and after it (a comma).
fn pieces(name: &str) -> Vec<(&'static str, &str, &str)> {
    let mut pieces = Vec::new();
    for (index, word) in name.split_whitespace().enumerate() {
        let core = word.trim_end_matches([',', ';', ':']);
        let tail = &word[core.len()..];
        let split: Vec<&str> = core.split('-').collect();
        let parts = if split.len() > 1 && split.iter().all(|part| !part.is_empty()) {
            split
        } else {
            vec![core]
        };
        let last = parts.len() - 1;
        for (at, part) in parts.into_iter().enumerate() {
            let before = match (index, at) {
                (0, 0) => "",
                (_, 0) => " ",
                _ => "-",
            };
            pieces.push((before, part, if at == last { tail } else { "" }));
        }
    }
    pieces
}

/// The words (pieces) seen in at least `min_count` names (each name counted once).
fn frequent_words<'a>(names: impl Iterator<Item = &'a str>, min_count: usize) -> HashSet<&'a str> {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for name in names {
        let words: HashSet<&str> = pieces(name).into_iter().map(|(_, word, _)| word).collect();
        for word in words {
            *counts.entry(word).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|&(_, count)| count >= min_count.max(1))
        .map(|(word, _)| word)
        .collect()
}

/// What a piece of a name becomes in its shape.
fn part_of(word: &str, frequent: &HashSet<&str>) -> Part {
    // Legal forms are public words: a rare one drawn afresh gave `OHG GmbH` for `OHG mbH`.
    let kept = !word.chars().any(char::is_alphanumeric)
        || JOINERS.contains(&word)
        || (frequent.contains(word) || LEGAL.contains(&legal_key(word))) && !NAMES.contains(word);
    let capitals = word.len() >= 2
        && word.len() <= MAX_LETTERS
        && word.bytes().all(|b| b.is_ascii_uppercase());
    if kept {
        Part::Text(Arc::from(word))
    } else if capitals {
        // At most `MAX_LETTERS` (5) bytes: fits a `u8`.
        Part::Letters(u8::try_from(word.len()).unwrap_or(2))
    } else {
        Part::Name
    }
}

/// The shape of a real name: its pieces as [`part_of`] reads them, the text between them kept
/// (runs of text joined into one part, so equal shapes compare equal).
fn shape_of(name: &str, frequent: &HashSet<&str>) -> Vec<Part> {
    let mut shape: Vec<Part> = Vec::new();
    let mut push = |part: Part| match (shape.last_mut(), part) {
        (Some(Part::Text(last)), Part::Text(text)) => *last = Arc::from(format!("{last}{text}")),
        (_, Part::Text(text)) if text.is_empty() => {}
        (_, part) => shape.push(part),
    };
    for (before, word, after) in pieces(name) {
        push(Part::Text(Arc::from(before)));
        push(part_of(word, frequent));
        push(Part::Text(Arc::from(after)));
    }
    shape
}

/// Whether a shape has a part to fill: one of text alone is a real name whose words are all
/// frequent (`Royal Group`), a rare value a fresh name must not replay.
fn has_blanks(shape: &[Part]) -> bool {
    shape.iter().any(|part| !matches!(part, Part::Text(_)))
}

/// The shapes with a part to fill, weighted by their names.
fn fillable<'a>(shapes: impl Iterator<Item = &'a Vec<Part>>) -> Option<Weighted<Vec<Part>>> {
    Weighted::frequent(shapes.filter(|shape| has_blanks(shape)).cloned(), 1)
}

/// The shapes of each country of at least `min_count` names, sorted by country.
fn by_country(
    shaped: &[(&str, Vec<Part>)],
    min_count: usize,
) -> Vec<(Arc<str>, Weighted<Vec<Part>>)> {
    let mut groups: std::collections::BTreeMap<&str, Vec<&Vec<Part>>> = Default::default();
    for (country, shape) in shaped {
        groups.entry(country).or_default().push(shape);
    }
    groups
        .into_iter()
        .filter(|(_, shapes)| shapes.len() >= min_count.max(1))
        .filter_map(|(country, shapes)| Some((Arc::from(country), fillable(shapes.into_iter())?)))
        .collect()
}

/// The legal forms of each country's names seen in at least `min_count` of them (a name's
/// pieces that are legal forms: `AG`, `Co.`, `KG` of `AG & Co. KG`), sorted by country.
fn suffixes(rows: &[(&str, &str)], min_count: usize) -> Vec<(Arc<str>, Weighted<Arc<str>>)> {
    let mut groups: std::collections::BTreeMap<&str, Vec<Arc<str>>> = Default::default();
    for (name, country) in rows {
        let forms: HashSet<&str> = pieces(name)
            .into_iter()
            .map(|(_, word, _)| word)
            .filter(|word| LEGAL.contains(&legal_key(word)))
            .collect();
        let mut forms: Vec<&str> = forms.into_iter().collect();
        forms.sort_unstable();
        groups
            .entry(country)
            .or_default()
            .extend(forms.into_iter().map(Arc::from));
    }
    groups
        .into_iter()
        .filter_map(|(country, forms)| {
            let kept = Weighted::frequent(forms.into_iter(), min_count.max(1))?;
            Some((Arc::from(country), kept))
        })
        .collect()
}

/// The entry of a list sorted by key whose key is `key`.
fn find<'a, T>(list: &'a [(Arc<str>, T)], key: &str) -> Option<&'a T> {
    let at = list
        .binary_search_by(|(known, _)| (**known).cmp(key))
        .ok()?;
    Some(&list[at].1)
}

/// A shape from one of `fake`'s templates (`{Name_1} and {Name_2} {Suffix}`).
fn parse_template(template: &str) -> Vec<Part> {
    let mut shape = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|at| open + at) else {
            break;
        };
        if open > 0 {
            shape.push(Part::Text(Arc::from(&rest[..open])));
        }
        shape.push(match &rest[open + 1..close] {
            "Suffix" => Part::Suffix,
            _ => Part::Name,
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        shape.push(Part::Text(Arc::from(rest)));
    }
    shape
}

/// Whether a name so far ends in a particle and a space (`van `).
fn after_particle(name: &str) -> bool {
    name.ends_with(' ')
        && name
            .split_whitespace()
            .next_back()
            .is_some_and(|word| PARTICLES.contains(&word))
}

/// A family name of `locale`'s list, spelled in ASCII when `ascii` and opening with a capital
/// when `capital` (drawn again a few times, then from the English list, whose names are both).
fn family_name(locale: Locale, (ascii, capital): (bool, bool), rng: &mut SynthRng) -> &'static str {
    let draw = |locale: Locale, rng: &mut SynthRng| {
        let list = &locale.lists().last;
        list[rng.random_range(0..list.len())]
    };
    let fits = |name: &str| {
        (!ascii || name.is_ascii()) && (!capital || name.starts_with(char::is_uppercase))
    };
    if !ascii && !capital {
        return draw(locale, rng);
    }
    for _ in 0..ASCII_TRIES {
        let name = draw(locale, rng);
        if fits(name) {
            return name;
        }
    }
    draw(Locale::En, rng)
}

/// A legal form: one of the row country's frequent ones, else of `locale`'s list (the English
/// one for a column spelled in ASCII where the locale's form is not).
fn legal_form(
    frequent: Option<&Weighted<Arc<str>>>,
    locale: Locale,
    ascii: bool,
    rng: &mut SynthRng,
) -> String {
    if let Some(frequent) = frequent {
        return frequent.draw(rng).to_string();
    }
    let list = &locale.lists().company;
    let form = list[rng.random_range(0..list.len())];
    if ascii && !form.is_ascii() {
        let list = &Locale::En.lists().company;
        return list[rng.random_range(0..list.len())].to_string();
    }
    form.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frequent(words: &[&'static str]) -> HashSet<&'static str> {
        words.iter().copied().collect()
    }

    #[test]
    fn shapes_keep_frequent_words_and_marks_and_blank_the_rest() {
        let kept = frequent(&["and", "GmbH", "Smith", "Grupo", "S.A."]);
        let text = |t: &str| Part::Text(Arc::from(t));
        assert_eq!(
            shape_of("George, Moore and Smith", &kept),
            vec![
                Part::Name,
                text(", "),
                Part::Name,
                text(" and "),
                Part::Name
            ],
            "a listed name stands for a name even when frequent"
        );
        assert_eq!(
            shape_of("Bailey-Cook", &kept),
            vec![Part::Name, text("-"), Part::Name]
        );
        assert_eq!(
            shape_of("Köhler Gute GmbH", &kept),
            vec![Part::Name, text(" "), Part::Name, text(" GmbH")]
        );
        assert_eq!(
            shape_of("Grupo GHTX S.A.", &kept),
            vec![text("Grupo "), Part::Letters(4), text(" S.A.")]
        );
        // A rare legal form is kept as it is, not taken for a name.
        assert_eq!(
            shape_of("Kohl Haering OHG mbH", &kept),
            vec![Part::Name, text(" "), Part::Name, text(" OHG mbH")]
        );
        assert_eq!(
            parse_template("{Name_1} and {Name_2} {Suffix}"),
            vec![
                Part::Name,
                text(" and "),
                Part::Name,
                text(" "),
                Part::Suffix
            ]
        );
    }

    /// A column of `names`, one a row.
    fn names(names: &[String]) -> Column {
        Column {
            name: "company".into(),
            kind: crate::schema::ColumnKind::Categorical,
            format: crate::data::ValueFormat::Verbatim,
            values: names
                .iter()
                .map(|v| Value::Label(Arc::from(v.as_str())))
                .collect(),
        }
    }

    /// Dutch names `van Zorabc & van Zorabd`: 42 of `fake`'s 100 Dutch family names open with
    /// a particle of their own, and `van van de Pol` is no name.
    #[test]
    fn no_particle_follows_a_particle() {
        let real: Vec<String> = (0..40)
            .map(|i| format!("van Zor{i:02}a & van Zor{i:02}b"))
            .collect();
        let countries = vec![Some("NL".to_string()); real.len()];
        let model = CompanyModel::learn(&names(&real), &countries, 5).expect("names");
        let mut rng = crate::sampling::rng_for(1, "dutch companies");
        for _ in 0..500 {
            let name = model.draw(Some("NL"), Locale::Nl, false, &mut rng);
            let words: Vec<&str> = name.split(' ').collect();
            assert_eq!(words[0], "van", "{name}");
            for pair in words.windows(2) {
                let particle_twice = PARTICLES.contains(&pair[0]) && PARTICLES.contains(&pair[1]);
                assert!(!particle_twice, "{name}");
            }
        }
    }

    /// 25 real names of five frequent words and five legal forms (`Acme Corp`): no word to
    /// fill, so names come from `fake`'s templates, with the real legal forms.
    #[test]
    fn names_without_a_word_to_fill_follow_the_templates() {
        let forms = ["Corp", "Ltd", "Inc", "LLC", "PLC"];
        let real: Vec<String> = ["Acme", "Beta", "Gamma", "Delta", "Omega"]
            .iter()
            .flat_map(|word| forms.iter().map(move |form| format!("{word} {form}")))
            .collect();
        let model = CompanyModel::learn(&names(&real), &[], 5).expect("names");
        assert!(model.shapes.is_none() && model.by_country.is_empty());
        let mut rng = crate::sampling::rng_for(1, "templates");
        for _ in 0..200 {
            let name = model.draw(None, Locale::En, true, &mut rng);
            let words: Vec<&str> = name.split(' ').collect();
            let form = words.last().copied().unwrap_or_default();
            assert!(forms.contains(&form), "{name}");
            let surname = super::super::surnames::SURNAMES.contains(&words[0]);
            assert!(surname, "{name}");
        }
    }

    /// 20 real names `<common surname> Inc`, each in one row: a fresh `{Name} Inc` from the
    /// 230 common surnames would be one of them about one time in twelve.
    #[test]
    fn rare_real_names_are_not_replayed() {
        let real: Vec<String> = super::super::surnames::SURNAMES[..20]
            .iter()
            .map(|name| format!("{name} Inc"))
            .collect();
        let model = CompanyModel::learn(&names(&real), &[], 5).expect("names");
        assert!(model.unique);
        let mut rng = crate::sampling::rng_for(1, "companies");
        let drawn: Vec<String> = (0..2_000)
            .map(|_| model.draw(None, Locale::En, true, &mut rng))
            .collect();
        assert!(drawn.iter().all(|name| name.ends_with(" Inc")), "{drawn:?}");
        let replayed = drawn.iter().filter(|name| real.contains(name)).count();
        assert_eq!(replayed, 0, "rare real names drawn");
    }
}
