//! CSV rows built in a byte buffer, byte for byte as `csv::Writer` (its defaults but the
//! delimiter: `"` doubled inside quotes, `\n` after each record, `QuoteStyle::Necessary`) writes
//! them, without its per-field bookkeeping: a field is written first and quoted afterwards only
//! when it holds the delimiter, a quote, CR or LF (numbers never do, whichever of
//! [`crate::schema::DELIMITERS`] the delimiter is: they are written as plain fields).

/// Bytes that make `csv::Writer` quote a field.
fn is_special(byte: u8, delimiter: u8) -> bool {
    matches!(byte, b'"' | b'\r' | b'\n') || byte == delimiter
}

/// Rows of CSV text, appended to a buffer.
#[derive(Debug)]
pub(super) struct CsvRows {
    /// The text so far.
    pub(super) bytes: Vec<u8>,
    /// Where the current row starts.
    row_start: usize,
    /// Where the current field starts (after its delimiter).
    field_start: usize,
    /// Whether the current row has a field yet.
    in_row: bool,
    /// A field being quoted.
    scratch: Vec<u8>,
    /// The byte between fields.
    delimiter: u8,
}

impl CsvRows {
    /// No rows yet, fields separated by `delimiter`, with room for `bytes` of text.
    pub(super) fn with_room(delimiter: u8, bytes: usize) -> CsvRows {
        CsvRows {
            bytes: Vec::with_capacity(bytes),
            row_start: 0,
            field_start: 0,
            in_row: false,
            scratch: Vec::new(),
            delimiter,
        }
    }

    /// Starts a field: the delimiter after the previous field of the row, if any. The field's
    /// text is then appended to [`CsvRows::bytes`] and the field closed with
    /// [`CsvRows::end_field`] (not needed for text known to need no quotes).
    pub(super) fn start_field(&mut self) {
        if self.in_row {
            self.bytes.push(self.delimiter);
        }
        self.in_row = true;
        self.field_start = self.bytes.len();
    }

    /// Closes the field started last: quotes it if it needs quotes.
    pub(super) fn end_field(&mut self) {
        // Every byte looked at, without stopping early, so the loop runs vectorized (a field
        // that needs quotes is the rare case).
        let delimiter = self.delimiter;
        let special = self.bytes[self.field_start..]
            .iter()
            .fold(false, |special, &byte| {
                special | is_special(byte, delimiter)
            });
        if special {
            self.quote_field();
        }
    }

    /// A whole field.
    pub(super) fn field(&mut self, text: &[u8]) {
        self.start_field();
        self.bytes.extend_from_slice(text);
        self.end_field();
    }

    /// A field of text that needs no quotes (digits, signs, points).
    pub(super) fn plain_field(&mut self, text: &[u8]) {
        debug_assert!(!text.iter().any(|&byte| is_special(byte, self.delimiter)));
        self.start_field();
        self.bytes.extend_from_slice(text);
    }

    /// Writes the field written last with a decimal comma in place of its point (a number of a
    /// column whose real values have one: the delimiter is then not a comma, so the field needs
    /// no quotes it did not need before).
    pub(super) fn decimal_comma(&mut self) {
        for byte in &mut self.bytes[self.field_start..] {
            if *byte == b'.' {
                *byte = b',';
            }
        }
    }

    /// Writes the field written last, a number (`-1234567.5`), with its thousands grouped by
    /// `separator` (`-1,234,567.5`) and, with `decimal_comma`, a decimal comma
    /// (`-1.234.567,5`), as its column's real values are; quoted when it then holds the
    /// delimiter. A field that is not such a number (an exponent, a label) is left as it is.
    pub(super) fn group_thousands(&mut self, separator: u8, decimal_comma: bool) {
        let field = &self.bytes[self.field_start..];
        let sign = usize::from(matches!(field.first(), Some(b'-' | b'+')));
        let whole = field[sign..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let rest = &field[sign + whole..];
        let fraction = match rest.split_first() {
            None => true,
            Some((b'.', digits)) => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
            Some(_) => false,
        };
        if whole == 0 || !fraction {
            return;
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&field[..sign]);
        for (at, &digit) in field[sign..sign + whole].iter().enumerate() {
            if at > 0 && (whole - at) % 3 == 0 {
                self.scratch.push(separator);
            }
            self.scratch.push(digit);
        }
        let point = if decimal_comma { b',' } else { b'.' };
        self.scratch
            .extend(rest.iter().map(|&b| if b == b'.' { point } else { b }));
        self.bytes.truncate(self.field_start);
        self.bytes.extend_from_slice(&self.scratch);
        self.end_field();
    }

    /// Writes the field written last, a number unless empty, between `prefix` (after its
    /// minus) and `suffix`, as its column's real values are (`-$1,234.50`); quoted when it
    /// then needs quotes.
    pub(super) fn affix(&mut self, prefix: &str, suffix: &str) {
        let field = &self.bytes[self.field_start..];
        let number = match field {
            [b'"', inner @ .., b'"'] => inner,
            field => field,
        };
        if number.is_empty() {
            return;
        }
        let sign = usize::from(matches!(number.first(), Some(b'-' | b'+')));
        self.scratch.clear();
        self.scratch.extend_from_slice(&number[..sign]);
        self.scratch.extend_from_slice(prefix.as_bytes());
        self.scratch.extend_from_slice(&number[sign..]);
        self.scratch.extend_from_slice(suffix.as_bytes());
        self.bytes.truncate(self.field_start);
        self.bytes.extend_from_slice(&self.scratch);
        self.end_field();
    }

    /// Writes `word` in the field written last when it is empty: an empty cell of a column
    /// whose real file writes its empty cells with a word (`NULL`).
    pub(super) fn fill_empty(&mut self, word: &[u8]) {
        if self.bytes.len() == self.field_start {
            self.bytes.extend_from_slice(word);
            self.end_field();
        }
    }

    /// Ends the row. A row of no bytes at all (one empty field, or none) is written `""`, as
    /// `csv::Writer` writes it, so that it does not read as a blank line.
    pub(super) fn end_row(&mut self) {
        if self.bytes.len() == self.row_start {
            self.bytes.extend_from_slice(b"\"\"");
        }
        self.bytes.push(b'\n');
        self.row_start = self.bytes.len();
        self.in_row = false;
    }

    /// Puts the current field in quotes, its quotes doubled.
    fn quote_field(&mut self) {
        self.scratch.clear();
        self.scratch
            .extend_from_slice(&self.bytes[self.field_start..]);
        self.bytes.truncate(self.field_start);
        self.bytes.push(b'"');
        for &byte in &self.scratch {
            if byte == b'"' {
                self.bytes.push(b'"');
            }
            self.bytes.push(byte);
        }
        self.bytes.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number between signs: after its minus, grouped and quoted as before, requoted when
    /// the sign needs it; an empty cell stays empty, and a word fills it where asked.
    #[test]
    fn numbers_are_written_between_their_signs() {
        let mut out = CsvRows::with_room(b',', 0);
        for field in ["-1234.5", "7", ""] {
            out.field(field.as_bytes());
            out.group_thousands(b',', false);
            out.affix("$", "");
            out.fill_empty(b"NULL");
        }
        out.field(b"12.5");
        out.affix("", " %");
        out.end_row();
        assert_eq!(
            String::from_utf8(out.bytes).unwrap(),
            "\"-$1,234.5\",$7,NULL,12.5 %\n"
        );
    }

    /// Rows written by `csv::Writer` with its defaults but the delimiter.
    fn by_csv(rows: &[Vec<&str>], delimiter: u8) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .from_writer(Vec::new());
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn by_rows(rows: &[Vec<&str>], delimiter: u8) -> Vec<u8> {
        let mut out = CsvRows::with_room(delimiter, 0);
        for (number, row) in rows.iter().enumerate() {
            for (column, field) in row.iter().enumerate() {
                if (number + column) % 2 == 0 {
                    out.field(field.as_bytes());
                } else {
                    out.start_field();
                    out.bytes.extend_from_slice(field.as_bytes());
                    out.end_field();
                }
            }
            out.end_row();
        }
        out.bytes
    }

    #[test]
    fn fields_are_quoted_as_the_csv_crate_quotes_them() {
        let awkward = [
            "",
            "plain",
            "a,b",
            ",",
            "\"",
            "\"\"",
            "say \"hi\"",
            "line\nbreak",
            "carriage\rreturn",
            "\r\n",
            " spaced ",
            "tab\there",
            "semi;colon",
            "bar|bar",
            "12,50",
            "'single'",
            "#comment",
            "ünïcödé, too",
            "\u{0}nul",
            "trailing\"",
            "a long field of more than eight bytes, with a comma at the end,",
            "12345678\"",
        ];
        let mut rows: Vec<Vec<&str>> = vec![vec![""], vec![], vec!["", ""], vec!["x"]];
        for (i, first) in awkward.iter().enumerate() {
            rows.push(vec![first]);
            rows.push(vec![first, awkward[(i * 7 + 3) % awkward.len()], ""]);
            rows.push(awkward.iter().skip(i).copied().collect());
        }
        for delimiter in crate::schema::DELIMITERS {
            assert_eq!(
                String::from_utf8_lossy(&by_rows(&rows, delimiter)),
                String::from_utf8_lossy(&by_csv(&rows, delimiter)),
                "delimiter {:?}",
                delimiter as char
            );
        }
    }

    #[test]
    fn plain_fields_and_empty_rows() {
        let mut out = CsvRows::with_room(b',', 0);
        out.plain_field(b"12");
        out.plain_field(b"-0.5");
        out.field(b"");
        out.end_row();
        assert_eq!(out.bytes, b"12,-0.5,\n");
        let mut out = CsvRows::with_room(b';', 0);
        out.field(b"");
        out.end_row();
        out.plain_field(b"1");
        out.start_field();
        out.bytes.extend_from_slice(b"x;y");
        out.end_field();
        out.field(b"2,5");
        out.end_row();
        assert_eq!(out.bytes, b"\"\"\n1;\"x;y\";2,5\n");
    }
}
