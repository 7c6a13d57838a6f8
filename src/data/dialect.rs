//! How a CSV file writes what is not data: the byte between its fields, and the decimal comma.
//! Files exported where a comma is the decimal point (much of Europe) separate fields with
//! semicolons and write `12,50`; many tools write tabs or vertical bars. Read as commas, such a
//! file is one column of whole lines, and its amounts labels. The header line shows the
//! delimiter (column names rarely hold one), so a file is read, and its synthetic copy written,
//! with the one its header uses, unless the schema names another (`delimiter:`); in a file not
//! separated by commas, a column whose every value is a number with a decimal comma is read as
//! numbers and written back with the comma.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::text::{ColumnTooLarge, TextColumn};
use crate::schema::DELIMITERS;

/// How a CSV file writes its fields and numbers; what a synthetic copy repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialect {
    /// The byte between fields (one of [`DELIMITERS`]).
    pub delimiter: u8,
    /// Per column, in header order: whether its numbers are written with a decimal comma (read
    /// with a point in their place). Empty when none are.
    pub decimal_commas: Vec<bool>,
}

impl Default for Dialect {
    /// Commas between fields, points in numbers: any source but a CSV file.
    fn default() -> Dialect {
        Dialect {
            delimiter: b',',
            decimal_commas: Vec::new(),
        }
    }
}

impl Dialect {
    /// Whether the numbers of the header's `column`th column are written with a decimal comma.
    pub fn decimal_comma(&self, column: usize) -> bool {
        self.decimal_commas.get(column).copied().unwrap_or(false)
    }

    /// The names of the columns of `header` written with decimal commas.
    pub fn decimal_comma_columns(&self, header: &[String]) -> Vec<String> {
        header
            .iter()
            .enumerate()
            .filter(|&(column, _)| self.decimal_comma(column))
            .map(|(_, name)| name.clone())
            .collect()
    }
}

/// What is known of a CSV file's dialect before it is read.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The delimiter the schema names (`None`: the header line's, [`delimiter_of`]).
    pub delimiter: Option<u8>,
    /// The columns written with decimal commas, when another file settles it: a synthetic copy
    /// or given rows are read as the real file was (its copy may lack the rare label that made
    /// a column text). `None`: found in the file.
    pub decimal_commas: Option<Vec<String>>,
    /// Columns never read with decimal commas: keys, matched as they are written.
    pub keys: Vec<String>,
}

/// A file's columns read (`header` names them), with the decimal commas made points of every
/// column `known` says has them, else (when it does not say) of every column that is not a key,
/// in a file not separated by commas, whose every value is a number with one
/// ([`is_decimal_comma_number`]); with the dialect a copy is written in.
pub(super) fn with_decimal_points(
    (delimiter, known): (u8, &Known),
    header: &[String],
    columns: Vec<TextColumn>,
) -> Result<(Vec<TextColumn>, Dialect), ColumnTooLarge> {
    let mut decimal_commas = Vec::new();
    let mut read = Vec::with_capacity(columns.len());
    for (name, column) in header.iter().zip(columns) {
        let commas = match &known.decimal_commas {
            _ if known.keys.contains(name) => false,
            Some(names) => names.contains(name),
            None => delimiter != b',' && has_decimal_commas(&column),
        };
        read.push(match commas {
            true => pointed(&column)?,
            false => column,
        });
        decimal_commas.push(commas);
    }
    if !decimal_commas.contains(&true) {
        decimal_commas.clear();
    }
    let dialect = Dialect {
        delimiter,
        decimal_commas,
    };
    Ok((read, dialect))
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
/// with digits after it (`-12,50`, `0,5`, `7`). Thousands separators are not read: `1.234,5`
/// stays text.
fn is_decimal_comma_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once(',').unwrap_or((digits, "1"));
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// `column` with its commas made points.
fn pointed(column: &TextColumn) -> Result<TextColumn, ColumnTooLarge> {
    let mut read = TextColumn::default();
    read.reserve(column.len(), column.text_len());
    for cell in column.iter() {
        read.push(cell.map(|text| text.replace(',', ".")).as_deref())?;
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
        assert_eq!(dialect.decimal_commas, [true, false, false, false, false]);
        for (before, after) in columns.iter().zip(&read).skip(1) {
            assert_eq!(
                cells(before),
                cells(after),
                "not every value a number: unchanged"
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
        assert!(dialect.decimal_commas.is_empty());
        let named = Known {
            decimal_commas: Some(vec!["b".into()]),
            ..Known::default()
        };
        let (read, dialect) =
            with_decimal_points((b';', &named), &header, columns.clone()).expect("room");
        assert_eq!(cells(&read[0]), cells(&columns[0]));
        assert_eq!(cells(&read[1]), [Some("12.50"), Some("abc")]);
        assert_eq!(dialect.decimal_comma_columns(&header), ["b"]);
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
