//! How a CSV file writes what is not data: the byte between its fields, and the decimal comma.
//! Files exported where a comma is the decimal point (much of Europe) separate fields with
//! semicolons and write `12,50`; many tools write tabs or vertical bars. Read as commas, such a
//! file is one column of whole lines, and its amounts labels. The header line shows the
//! delimiter (column names rarely hold one), so a file is read, and its synthetic copy written,
//! with the one its header uses, unless the schema names another (`delimiter:`); in a file not
//! separated by commas, a column whose every value is a number with a decimal comma is read as
//! numbers and written back with the comma. A column whose numbers group their thousands
//! (`1.234,50`, `"1,234.50"`, as spreadsheets export amounts) is read as numbers too, and its
//! copy grouped the same way.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::text::{ColumnTooLarge, TextColumn};
use crate::schema::{Affixes, DELIMITERS, NumberColumns};

/// How a CSV file writes its fields and numbers; what a synthetic copy repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialect {
    /// The byte between fields (one of [`DELIMITERS`]).
    pub delimiter: u8,
    /// Per column, in header order: whether its numbers are written with a decimal comma (read
    /// with a point in their place). Empty when none are.
    pub decimal_commas: Vec<bool>,
    /// Per column, in header order: whether its numbers group their thousands (with points
    /// where the decimal is a comma, else with commas; read without them). Empty when none do.
    pub thousands: Vec<bool>,
    /// Per column, in header order: the word its empty cells are written with (`NULL`, `\N`,
    /// `NaN`: [`NULL_WORDS`]) in a column of numbers, read as empty and written back for them.
    /// Empty when no column has one. Since format 46.
    #[serde(default)]
    pub null_words: Vec<Option<String>>,
    /// Per column, in header order: the sign before and the sign after each of its numbers
    /// (`$1,234.50`, `12.5%`, `12,50 €`: [`AFFIX_SIGNS`]), read without them and written back
    /// with them. Empty when no column has one. Since format 48.
    #[serde(default)]
    pub affixes: Vec<Option<Affixes>>,
}

/// The signs an affix is made of (with spaces): currencies and percent. Letters are left out:
/// a column of `A12` and `A13` holds codes, not amounts.
pub const AFFIX_SIGNS: &[char] = &['$', '€', '£', '¥', '₹', '₩', '₽', '¢', '%', '‰'];

/// The most characters an affix may have (`US$ `).
const MAX_AFFIX: usize = 4;

/// The words exports write for an empty cell (SQL dumps `NULL` and `\N`, R `NA`, pandas
/// `NaN`, spreadsheets `#N/A`): read as empty in a column whose other values are all numbers.
/// Read as a label, one of them made a column of amounts a column of labels, and the word,
/// the only label held by more than a few rows, filled every synthetic row.
pub const NULL_WORDS: &[&str] = &[
    "NULL", "null", "Null", "\\N", "NaN", "nan", "NA", "N/A", "n/a", "#N/A", "None", "none",
];

impl Default for Dialect {
    /// Commas between fields, points in numbers: any source but a CSV file.
    fn default() -> Dialect {
        Dialect {
            delimiter: b',',
            decimal_commas: Vec::new(),
            thousands: Vec::new(),
            null_words: Vec::new(),
            affixes: Vec::new(),
        }
    }
}

impl Dialect {
    /// Whether the numbers of the header's `column`th column are written with a decimal comma.
    pub fn decimal_comma(&self, column: usize) -> bool {
        self.decimal_commas.get(column).copied().unwrap_or(false)
    }

    /// The byte that groups the thousands of the numbers of the header's `column`th column,
    /// if they are grouped: a point beside a decimal comma, else a comma.
    pub fn thousands(&self, column: usize) -> Option<u8> {
        let grouped = self.thousands.get(column).copied().unwrap_or(false);
        grouped.then(|| match self.decimal_comma(column) {
            true => b'.',
            false => b',',
        })
    }

    /// Whether some column's numbers are written otherwise than `1234.5`, or its empty cells
    /// with a word.
    pub fn writes_numbers_otherwise(&self) -> bool {
        !self.decimal_commas.is_empty()
            || !self.thousands.is_empty()
            || !self.null_words.is_empty()
            || !self.affixes.is_empty()
    }

    /// The signs the header's `column`th column writes around its numbers, if any.
    pub fn affixes(&self, column: usize) -> Option<&Affixes> {
        self.affixes.get(column)?.as_ref()
    }

    /// The columns of `header` whose numbers are written with signs around them, with them.
    pub fn affix_columns(&self, header: &[String]) -> Vec<(String, Affixes)> {
        named_with(header, |column| self.affixes(column).cloned())
    }

    /// The word the header's `column`th column writes its empty cells with, if any.
    pub fn null_word(&self, column: usize) -> Option<&str> {
        self.null_words.get(column)?.as_deref()
    }

    /// The columns of `header` whose empty cells are written with a word, with it.
    pub fn null_word_columns(&self, header: &[String]) -> Vec<(String, String)> {
        named_with(header, |column| self.null_word(column).map(str::to_string))
    }

    /// The names of the columns of `header` written with decimal commas.
    pub fn decimal_comma_columns(&self, header: &[String]) -> Vec<String> {
        named(header, |column| self.decimal_comma(column))
    }

    /// The names of the columns of `header` whose numbers group their thousands.
    pub fn thousands_columns(&self, header: &[String]) -> Vec<String> {
        named(header, |column| self.thousands(column).is_some())
    }

    /// How the columns of `header` write their numbers, by name: what another file of the same
    /// table is read with.
    pub fn number_columns(&self, header: &[String]) -> NumberColumns {
        NumberColumns {
            decimal_commas: self.decimal_comma_columns(header),
            thousands: self.thousands_columns(header),
            null_words: self.null_word_columns(header),
            affixes: self.affix_columns(header),
        }
    }
}

/// The columns of `header` that `of` gives something for, by place, by name with it.
fn named_with<T>(header: &[String], of: impl Fn(usize) -> Option<T>) -> Vec<(String, T)> {
    (header.iter().enumerate())
        .filter_map(|(column, name)| Some((name.clone(), of(column)?)))
        .collect()
}

/// The names of the columns of `header` that `flagged` says yes to, by place.
fn named(header: &[String], flagged: impl Fn(usize) -> bool) -> Vec<String> {
    header
        .iter()
        .enumerate()
        .filter(|&(column, _)| flagged(column))
        .map(|(_, name)| name.clone())
        .collect()
}

/// What is known of a CSV file's dialect before it is read.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The delimiter the schema names (`None`: the header line's, [`delimiter_of`]).
    pub delimiter: Option<u8>,
    /// The columns written with decimal commas or grouped thousands, when another file settles
    /// it: a synthetic copy or given rows are read as the real file was (its copy may lack the
    /// rare label that made a column text). `None`: found in the file.
    pub numbers: Option<NumberColumns>,
    /// Columns never read with decimal commas: keys, matched as they are written.
    pub keys: Vec<String>,
}

/// A file's columns read (`header` names them) as numbers with decimal points and no grouped
/// thousands: in every column `known` names, else (when it does not say) in every column that
/// is not a key whose every value is written so ([`written_numbers`]); with the dialect a copy
/// is written in.
pub(super) fn with_decimal_points(
    (delimiter, known): (u8, &Known),
    header: &[String],
    columns: Vec<TextColumn>,
) -> Result<(Vec<TextColumn>, Dialect), ColumnTooLarge> {
    let mut decimal_commas = Vec::new();
    let mut thousands = Vec::new();
    let mut null_words = Vec::new();
    let mut all_affixes = Vec::new();
    let mut read = Vec::with_capacity(columns.len());
    for (name, column) in header.iter().zip(columns) {
        let null_word = match &known.numbers {
            _ if known.keys.contains(name) => None,
            Some(named) => of_column(&named.null_words, name),
            None => null_word(delimiter, &column),
        };
        let column = match &null_word {
            Some(_) => emptied(&column)?,
            None => column,
        };
        let affixes = match &known.numbers {
            _ if known.keys.contains(name) => None,
            Some(named) => of_column(&named.affixes, name),
            None => affixes_of(delimiter, &column),
        };
        let column = match &affixes {
            Some(affixes) => stripped(&column, affixes)?,
            None => column,
        };
        let (commas, grouped) = match &known.numbers {
            _ if known.keys.contains(name) => (false, false),
            Some(named) => (
                named.decimal_commas.contains(name),
                named.thousands.contains(name),
            ),
            None => written_numbers(delimiter, &column),
        };
        read.push(match (commas, grouped) {
            (false, false) => column,
            _ => pointed(&column, commas, grouped)?,
        });
        decimal_commas.push(commas);
        thousands.push(grouped);
        null_words.push(null_word);
        all_affixes.push(affixes);
    }
    if all_affixes.iter().all(Option::is_none) {
        all_affixes.clear();
    }
    for flags in [&mut decimal_commas, &mut thousands] {
        if !flags.contains(&true) {
            flags.clear();
        }
    }
    if null_words.iter().all(Option::is_none) {
        null_words.clear();
    }
    let dialect = Dialect {
        delimiter,
        decimal_commas,
        thousands,
        null_words,
        affixes: all_affixes,
    };
    Ok((read, dialect))
}

/// What a list by column name (`named_with`'s) holds for the column `name`.
fn of_column<T: Clone>(list: &[(String, T)], name: &str) -> Option<T> {
    (list.iter())
        .find(|(column, _)| column == name)
        .map(|(_, value)| value.clone())
}

/// The word of [`NULL_WORDS`] `column` writes its empty cells with (its most common one),
/// when every other value is a number, written plainly or as [`written_numbers`] reads it.
fn null_word(delimiter: u8, column: &TextColumn) -> Option<String> {
    let mut counts = [0usize; NULL_WORDS.len()];
    let mut numbers = 0usize;
    for cell in column.iter().flatten() {
        match null_word_at(cell) {
            Some(at) => counts[at] += 1,
            None => numbers += 1,
        }
    }
    let (most, &count) =
        (counts.iter().enumerate()).max_by_key(|&(at, count)| (count, usize::MAX - at))?;
    if count == 0 || numbers == 0 {
        return None;
    }
    let word = NULL_WORDS[most];
    let rest = emptied(column).ok()?;
    let numbers = numbers_in(delimiter, rest)?;
    (numbers > 0).then(|| word.to_string())
}

/// The signs every value of `column` is written with around a number ([`AFFIX_SIGNS`], at
/// most [`MAX_AFFIX`] characters a side with spaces, some sign in all), when the numbers
/// they leave are written plainly or as [`written_numbers`] reads them.
fn affixes_of(delimiter: u8, column: &TextColumn) -> Option<Affixes> {
    let mut cells = column.iter().flatten();
    let first = unsigned(cells.next()?);
    let is_affix = |c: char| AFFIX_SIGNS.contains(&c) || c == ' ';
    let has_sign = |c: Option<char>| c.is_some_and(|c| AFFIX_SIGNS.contains(&c) || c == ' ');
    if !has_sign(first.chars().next()) && !has_sign(first.chars().next_back()) {
        return None;
    }
    let mut prefix: String = first
        .chars()
        .take_while(|&c| is_affix(c))
        .take(MAX_AFFIX)
        .collect();
    let mut suffix: String = (first.chars().rev())
        .take_while(|&c| is_affix(c))
        .take(MAX_AFFIX)
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect();
    for cell in cells {
        let cell = unsigned(cell);
        while !cell.starts_with(prefix.as_str()) {
            prefix.pop();
        }
        while !cell.ends_with(suffix.as_str()) {
            suffix.remove(0);
        }
    }
    let signed = |affix: &str| affix.chars().any(|c| c != ' ');
    if !signed(&prefix) && !signed(&suffix) {
        return None;
    }
    let affixes = Affixes { prefix, suffix };
    let rest = stripped(column, &affixes).ok()?;
    let numbers = numbers_in(delimiter, rest)?;
    let values = column.iter().flatten().count();
    (numbers > 0 && numbers == values).then_some(affixes)
}

/// How many values `column` holds when every one is a number, written plainly or as
/// [`written_numbers`] reads it; `None` when some value is not.
fn numbers_in(delimiter: u8, column: TextColumn) -> Option<usize> {
    let (commas, grouped) = written_numbers(delimiter, &column);
    let plain = match (commas, grouped) {
        (false, false) => column,
        _ => pointed(&column, commas, grouped).ok()?,
    };
    let is_number = |text: &str| {
        text.bytes().any(|b| b.is_ascii_digit())
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            && text.parse::<f64>().is_ok()
    };
    let mut numbers = 0;
    for text in plain.iter().flatten() {
        if !is_number(text) {
            return None;
        }
        numbers += 1;
    }
    Some(numbers)
}

/// A cell without the minus or plus before its number's signs (`-$5.00`).
fn unsigned(cell: &str) -> &str {
    cell.strip_prefix(['-', '+']).unwrap_or(cell)
}

/// `column` with `affixes` taken off each number, its sign kept (`-$5.00` is read `-5.00`).
fn stripped(column: &TextColumn, affixes: &Affixes) -> Result<TextColumn, ColumnTooLarge> {
    let mut read = TextColumn::default();
    read.reserve(column.len(), column.text_len());
    let mut plain = String::new();
    for cell in column.iter() {
        let cell = cell.map(|text| {
            let sign = &text[..text.len() - unsigned(text).len()];
            let number = unsigned(text);
            let number = number
                .strip_prefix(affixes.prefix.as_str())
                .unwrap_or(number);
            let number = number
                .strip_suffix(affixes.suffix.as_str())
                .unwrap_or(number);
            plain.clear();
            plain.push_str(sign);
            plain.push_str(number);
            plain.as_str()
        });
        read.push(cell)?;
    }
    Ok(read)
}

/// Where `cell` is in [`NULL_WORDS`], if it is one: a cell that starts otherwise or is longer
/// than any (every number) is looked at once.
fn null_word_at(cell: &str) -> Option<usize> {
    let could_be =
        cell.len() <= 4 && matches!(cell.as_bytes().first(), Some(b'N' | b'n' | b'\\' | b'#'));
    could_be.then(|| NULL_WORDS.iter().position(|&word| word == cell))?
}

/// `column` with the cells that are one of [`NULL_WORDS`] empty (the column's own word, and
/// any other: a column that writes `NULL` may hold a stray `NaN`).
fn emptied(column: &TextColumn) -> Result<TextColumn, ColumnTooLarge> {
    let mut read = TextColumn::default();
    read.reserve(column.len(), column.text_len());
    for cell in column.iter() {
        read.push(cell.filter(|text| null_word_at(text).is_none()))?;
    }
    Ok(read)
}

/// How the numbers of `column` are written, as `(decimal commas, grouped thousands)`, when each
/// of its values is a number so written: decimal commas in a file not separated by commas
/// ([`has_decimal_commas`]) or thousands grouped by points beside them (`1.234,5`); in any
/// file, thousands grouped by commas (`1,234.5`), where some value shows it beyond doubt
/// ([`grouped_thousands`]).
/// `(false, false)` for any other column.
fn written_numbers(delimiter: u8, column: &TextColumn) -> (bool, bool) {
    if delimiter != b',' && has_decimal_commas(column) {
        (true, false)
    } else if delimiter != b',' && grouped_thousands(column, (b'.', b','), false) {
        (true, true)
    } else if grouped_thousands(column, (b',', b'.'), delimiter == b',') {
        (false, true)
    } else {
        (false, false)
    }
}

/// Whether every value of `column` is a number whose digits before its decimal separator
/// (`separators.1`) are grouped in threes by `separators.0` (`-1.234.567,89`, `12`, `999,5`)
/// and some value shows the grouping beyond doubt: two groups, or one beside the decimal
/// separator, or any (with `any_group`) in a file separated by commas, where a comma inside a
/// number is never a decimal one. `1.234` alone could be a decimal point.
fn grouped_thousands(column: &TextColumn, separators: (u8, u8), any_group: bool) -> bool {
    let mut shown = false;
    for cell in column.iter().flatten() {
        let Some((groups, decimal)) = grouped_number(cell.as_bytes(), separators) else {
            return false;
        };
        shown |= groups >= 2 || (groups == 1 && (decimal || any_group));
    }
    shown
}

/// A number whose integer digits are grouped in threes by `group`, with an optional `decimal`
/// part: how many groups it has and whether it has a decimal part; `None` for anything else.
fn grouped_number(text: &[u8], (group, decimal): (u8, u8)) -> Option<(usize, bool)> {
    let digits = text
        .strip_prefix(b"-")
        .or(text.strip_prefix(b"+"))
        .unwrap_or(text);
    let (whole, fraction) = match digits.iter().position(|&b| b == decimal) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let all_digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if fraction.is_some_and(|fraction| !all_digits(fraction)) {
        return None;
    }
    let mut parts = whole.split(|&b| b == group);
    let first = parts.next()?;
    if !all_digits(first) || first.len() > 3 {
        return None;
    }
    let mut groups = 0;
    for part in parts {
        if part.len() != 3 || !all_digits(part) {
            return None;
        }
        groups += 1;
    }
    Some((groups, fraction.is_some()))
}

/// Whether every value of `column` is a number ([`is_decimal_comma_number`]) and some has a
/// decimal comma.
fn has_decimal_commas(column: &TextColumn) -> bool {
    let mut some_comma = false;
    for cell in column.iter().flatten() {
        if !is_decimal_comma_number(cell) {
            return false;
        }
        some_comma |= cell.contains(',');
    }
    some_comma
}

/// A number as written with a decimal comma: an optional sign, digits, and at most one comma
/// with digits after it (`-12,50`, `0,5`, `7`). Grouped thousands are read by
/// [`grouped_thousands`].
fn is_decimal_comma_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once(',').unwrap_or((digits, "1"));
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// `column` with its numbers written plainly: without the separators of grouped thousands
/// (`grouped`: points beside decimal commas, else commas), and decimal commas made points.
fn pointed(column: &TextColumn, commas: bool, grouped: bool) -> Result<TextColumn, ColumnTooLarge> {
    let group = match (grouped, commas) {
        (false, _) => None,
        (true, true) => Some('.'),
        (true, false) => Some(','),
    };
    let mut read = TextColumn::default();
    read.reserve(column.len(), column.text_len());
    let mut plain = String::new();
    for cell in column.iter() {
        let cell = cell.map(|text| {
            plain.clear();
            let kept = text.chars().filter(|&c| Some(c) != group);
            plain.extend(kept.map(|c| if commas && c == ',' { '.' } else { c }));
            plain.as_str()
        });
        read.push(cell)?;
    }
    Ok(read)
}

/// How much of a file's start is read to find its header line's delimiter: a header longer than
/// this is looked at in part.
const HEADER_BYTES: u64 = 64 * 1024;

/// The delimiter of the CSV file at `path`: `given` when the schema names one, else a tab for a
/// `.tsv` file, else the one its header line shows ([`delimiter_in`]). A file that cannot be
/// read is read as commas (its reader then says what is wrong with it).
pub fn delimiter_of(path: &Path, given: Option<u8>) -> u8 {
    let tabs = crate::files::is_tsv(path);
    given.or(tabs.then_some(b'\t')).unwrap_or_else(|| {
        let mut start = Vec::new();
        let read = std::fs::File::open(path)
            .and_then(|file| file.take(HEADER_BYTES).read_to_end(&mut start));
        match read {
            Ok(_) => delimiter_in(&start),
            Err(_) => b',',
        }
    })
}

/// What a message on a row with the wrong number of fields adds about the delimiter read (the
/// header's): the fix when the header shows the wrong one.
pub(super) fn shown_by_header(delimiter: u8) -> String {
    format!(
        " (fields read as separated by {}, as the header line shows; if they are not, name \
         the delimiter with `delimiter:` in the table's schema)",
        delimiter_name(delimiter)
    )
}

/// A delimiter as messages name it (`separated by ...`).
pub fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b',' => "commas",
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "vertical bars",
    }
}

/// The delimiter of a header line (the text up to its first line break outside quotes): a comma
/// when it has one outside quotes (so every file read before stays read the same way), else
/// the most frequent of the others (a semicolon on a tie), else a comma (one column). Quotes
/// as the csv crate reads them: a quote opens a field only at its start (a name such as
/// `size"` holds one), and `""` inside a quoted field is a quote.
pub fn delimiter_in(text: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let (mut quoted, mut field_start) = (false, true);
    let mut bytes = text.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        let delimiter = DELIMITERS.iter().position(|&d| d == byte);
        match byte {
            b'"' if quoted && bytes.peek() == Some(&b'"') => {
                bytes.next();
            }
            b'"' if quoted || field_start => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(at) = delimiter {
                    counts[at] += 1;
                }
            }
            _ => {}
        }
        field_start = !quoted && delimiter.is_some();
    }
    if counts[0] > 0 {
        return b',';
    }
    let (best, count) = counts
        .iter()
        .enumerate()
        .skip(1)
        .fold((0, 0), |best, (at, &count)| match count > best.1 {
            true => (at, count),
            false => best,
        });
    match count {
        0 => b',',
        _ => DELIMITERS[best],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word for empty cells is found only among numbers (the most common one when a file
    /// mixes two), never in a column of labels or of words alone.
    #[test]
    fn a_word_for_empty_cells_is_found_among_numbers_only() {
        let word = |cells: &[&str]| null_word(b',', &column(cells));
        assert_eq!(word(&["1.5", "NULL", "2", "NULL"]), Some("NULL".into()));
        assert_eq!(word(&["1", "NaN", "\\N", "\\N", "3"]), Some("\\N".into()));
        assert_eq!(word(&["1,234.5", "NULL", "7"]), Some("NULL".into()));
        assert_eq!(word(&["NA", "EU", "NA"]), None, "labels");
        assert_eq!(
            word(&["NA", "1", "x"]),
            None,
            "a word beside numbers and a label"
        );
        assert_eq!(word(&["NULL", "NULL"]), None, "no number");
        assert_eq!(word(&["1", "2"]), None, "no word");
        let emptied = emptied(&column(&["1", "NULL", "NaN", "2"])).expect("room");
        assert_eq!(cells(&emptied), [Some("1"), None, None, Some("2")]);
    }

    /// Signs around numbers are found where every value has them (after a minus too), never
    /// around codes of letters or text, and taken off with the minus kept.
    #[test]
    fn signs_around_numbers_are_found_and_taken_off() {
        let affixes = |cells: &[&str]| affixes_of(b',', &column(cells));
        let dollars = Affixes {
            prefix: "$".into(),
            suffix: String::new(),
        };
        assert_eq!(
            affixes(&["$1,234.50", "-$5.00", "$7"]),
            Some(dollars.clone())
        );
        let percent = affixes(&["12.5%", "7%", "100%"]).expect("percent");
        assert_eq!(
            (percent.prefix.as_str(), percent.suffix.as_str()),
            ("", "%")
        );
        let euros = affixes_of(b';', &column(&["12,50 €", "1.234,00 €"])).expect("euros");
        assert_eq!(euros.suffix, " €");
        assert_eq!(affixes(&["$1", "2"]), None, "not every value");
        assert_eq!(affixes(&["$A12", "$B7"]), None, "codes");
        assert_eq!(affixes(&["1", "2"]), None, "no sign");
        assert_eq!(affixes(&["$", "$"]), None, "no number");
        let read = stripped(&column(&["$1,234.50", "-$5.00", ""]), &dollars).expect("room");
        assert_eq!(cells(&read), [Some("1,234.50"), Some("-5.00"), None]);
    }

    #[test]
    fn a_header_shows_its_delimiter() {
        assert_eq!(delimiter_in(b"id,name,amount\n1;2;3\n"), b',');
        assert_eq!(delimiter_in(b"id;name;amount\r\n1,5;x;2\n"), b';');
        assert_eq!(delimiter_in(b"id\tname\tamount\n"), b'\t');
        assert_eq!(delimiter_in(b"id|name|amount"), b'|');
        // One column: nothing to separate.
        assert_eq!(delimiter_in(b"id\n1\n"), b',');
        assert_eq!(delimiter_in(b""), b',');
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        // Two semicolons in quoted names, one comma between them.
        assert_eq!(delimiter_in(b"\"a;b\",\"c;d\"\n"), b',');
        // A quoted comma in a semicolon file; a quoted line break does not end the header.
        assert_eq!(delimiter_in(b"\"amount, EUR\";\"x\ny\";z\n"), b';');
        // A comma anywhere outside quotes keeps commas (a name with a semicolon).
        assert_eq!(delimiter_in(b"a;b,c\n"), b',');
        // A quote inside a name opens nothing; a doubled quote in a quoted name closes nothing.
        assert_eq!(delimiter_in(b"size\";a;b\n"), b';');
        assert_eq!(delimiter_in(b"\"a\"\",b\";c;d\n"), b';');
    }

    fn column(cells: &[&str]) -> TextColumn {
        let mut column = TextColumn::default();
        for cell in cells {
            column
                .push(Some(*cell).filter(|c| !c.is_empty()))
                .expect("room");
        }
        column
    }

    fn cells(column: &TextColumn) -> Vec<Option<&str>> {
        column.iter().collect()
    }

    #[test]
    fn numbers_with_decimal_commas_are_read_with_points() {
        let columns = vec![
            column(&["12,50", "", "-3", "+0,125"]),
            column(&["12,50", "abc"]),
            column(&["1.234,5", "2"]),
            column(&["7", "8"]),
            column(&["1,2,3"]),
        ];
        let header: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let found = Known::default();
        let (read, dialect) =
            with_decimal_points((b';', &found), &header, columns.clone()).expect("room");
        assert_eq!(
            cells(&read[0]),
            [Some("12.50"), None, Some("-3"), Some("+0.125")]
        );
        assert_eq!(dialect.decimal_commas, [true, false, true, false, false]);
        assert_eq!(dialect.thousands, [false, false, true, false, false]);
        assert_eq!(cells(&read[2]), [Some("1234.5"), Some("2")]);
        for index in [1, 3, 4] {
            assert_eq!(
                cells(&columns[index]),
                cells(&read[index]),
                "not every value a number, or plain numbers: unchanged"
            );
        }
        assert!(dialect.decimal_comma(0) && !dialect.decimal_comma(1) && !dialect.decimal_comma(9));
        // In a file separated by commas a comma is never a decimal point.
        let (read, dialect) =
            with_decimal_points((b',', &found), &header, columns.clone()).expect("room");
        assert_eq!(cells(&read[0]), cells(&columns[0]));
        assert_eq!(dialect, Dialect::default());
        // A key is matched as written; columns named beforehand are the ones read so.
        let keyed = Known {
            keys: vec!["a".into()],
            ..Known::default()
        };
        let (read, dialect) =
            with_decimal_points((b';', &keyed), &header, columns.clone()).expect("room");
        assert_eq!(cells(&read[0]), cells(&columns[0]));
        assert!(!dialect.decimal_comma(0));
        let named = Known {
            numbers: Some(NumberColumns {
                decimal_commas: vec!["b".into()],
                thousands: Vec::new(),
                null_words: Vec::new(),
                affixes: Vec::new(),
            }),
            ..Known::default()
        };
        let (read, dialect) =
            with_decimal_points((b';', &named), &header, columns.clone()).expect("room");
        assert_eq!(cells(&read[0]), cells(&columns[0]));
        assert_eq!(cells(&read[1]), [Some("12.50"), Some("abc")]);
        assert_eq!(dialect.decimal_comma_columns(&header), ["b"]);
    }

    #[test]
    fn grouped_thousands_are_read_where_some_value_shows_them_beyond_doubt() {
        let shown = |delimiter: u8, cells: &[&str]| written_numbers(delimiter, &column(cells));
        // Points beside decimal commas (never in a file of commas); commas beside points, or two
        // of them.
        assert_eq!(shown(b';', &["1.234,5", "12", "-999,25"]), (true, true));
        assert_eq!(shown(b'\t', &["1.234.567", "12"]), (true, true));
        assert_eq!(shown(b',', &["1.234.567", "12"]), (false, false));
        assert_eq!(shown(b';', &["1,234.5", "7"]), (false, true));
        assert_eq!(shown(b'|', &["1,234,567", "+8"]), (false, true));
        // In a file of commas a comma inside a number never is a decimal one.
        assert_eq!(shown(b',', &["1,234", "12"]), (false, true));
        // Alone, `1.234` may be a decimal point and `1,234` a decimal comma.
        assert_eq!(shown(b';', &["1.234", "12"]), (false, false));
        assert_eq!(shown(b';', &["1,234", "12"]), (true, false));
        // Groups of other than three digits, a number left ungrouped, a label: not numbers.
        for cells in [
            &["1.23,5"][..],
            &["12345,5", "1.234,5"],
            &["1.234,5", "abc"],
        ] {
            assert_eq!(shown(b';', cells), (false, false), "{cells:?}");
        }
        let header = ["a".to_string()];
        let (read, dialect) = with_decimal_points(
            (b',', &Known::default()),
            &header,
            vec![column(&["-1,234,567.25", "", "3"])],
        )
        .expect("room");
        assert_eq!(cells(&read[0]), [Some("-1234567.25"), None, Some("3")]);
        assert_eq!(
            (dialect.thousands(0), dialect.decimal_comma(0)),
            (Some(b','), false)
        );
        assert_eq!(dialect.thousands_columns(&header), ["a"]);
    }

    #[test]
    fn the_schema_says_first() {
        let path = std::env::temp_dir().join(format!("dxsynth-dialect-{}.csv", std::process::id()));
        std::fs::write(&path, "a;b\n1;2\n").expect("write a file");
        assert_eq!(delimiter_of(&path, None), b';');
        assert_eq!(delimiter_of(&path, Some(b'|')), b'|');
        let _ = std::fs::remove_file(&path);
        let tsv = path.with_extension("TSV");
        std::fs::write(&tsv, "amount\n12,5\n").expect("write a file");
        assert_eq!(
            delimiter_of(&tsv, None),
            b'\t',
            "a .tsv file is read as tabs"
        );
        let _ = std::fs::remove_file(&tsv);
        assert_eq!(
            delimiter_of(&path, None),
            b',',
            "a missing file reads as commas"
        );
    }
}
