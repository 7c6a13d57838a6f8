//! Writing the inferred schema as commented YAML.
//!
//! Written as text (serde cannot write comments), with every scalar that is not a plain word
//! double-quoted the JSON way (valid YAML), so any column or file name parses back exactly.

use std::fmt::Write as _;
use std::path::Path;

use super::inferred::{ColumnNote, Generation, Inferred, InferredTable};

/// Comment lines are wrapped at this width.
const WIDTH: usize = 100;

/// The schema as YAML, with `path:`s under `data_dir` (the data folder as seen from the schema's
/// folder; empty when they are the same). For a database (`inferred.source`), `data_dir` is the
/// location as the schema names it, written as `source:`.
pub fn render(inferred: &Inferred, data_dir: &Path) -> String {
    let mut out = String::new();
    header(&mut out, inferred);
    if inferred.source.is_some() {
        let _ = writeln!(out, "source: {}", path_scalar(&data_dir.to_string_lossy()));
    }
    out.push_str("tables:\n");
    for table in &inferred.tables {
        render_table(&mut out, table, data_dir, inferred.source.is_some());
    }
    out
}

/// The opening comment: where the schema comes from, how to read it, files not used.
fn header(out: &mut String, inferred: &Inferred) {
    let dir = inferred.dir.display().to_string();
    if let Some(source) = &inferred.source {
        database_header(out, inferred, source);
        return;
    }
    comment(
        out,
        0,
        &format!("Schema inferred by `dxsynth init` from the data files in `{dir}`."),
    );
    comment(
        out,
        0,
        "Review it before use: every key says how confident the inference is (high: names and \
         values agree; medium: values or names alone make it likely; low: weak hints only) and \
         why, and candidates that were left out are explained too. Then run `dxsynth validate` \
         on this file.",
    );
    if !inferred.ignored.is_empty() {
        comment(
            out,
            0,
            &format!(
                "Not tables (not .csv, .tsv or .parquet files): {}",
                inferred.ignored.join(", ")
            ),
        );
    }
    if !inferred.skipped.is_empty() {
        comment(out, 0, "Files left out:");
        for skipped in &inferred.skipped {
            bullet(out, 0, &format!("{}: {}", skipped.file, skipped.reason));
        }
    }
}

/// The opening comment for a database: keys as declared, inferred only where none are.
fn database_header(out: &mut String, inferred: &Inferred, source: &crate::location::Location) {
    comment(
        out,
        0,
        &format!(
            "Schema read by `dxsynth init` from the database `{source}`: each table is read from \
             the database table of the same name (or the one `table:` names)."
        ),
    );
    comment(
        out,
        0,
        "Keys declared in the database are taken as given (commented as declared). Tables that \
         declare no key have their keys inferred from their rows, each commented with its \
         confidence (high, medium, low) and why. Review them, then run `dxsynth validate` on \
         this file.",
    );
    if !inferred.skipped.is_empty() {
        comment(out, 0, "Tables left out:");
        for skipped in &inferred.skipped {
            bullet(out, 0, &format!("{}: {}", skipped.file, skipped.reason));
        }
    }
}

/// One table: its file, keys, generation, column types and what was left out.
fn render_table(out: &mut String, table: &InferredTable, data_dir: &Path, from_database: bool) {
    comment(
        out,
        2,
        &format!(
            "{}: {} rows, {} columns",
            table.file_name, table.rows, table.columns
        ),
    );
    let _ = writeln!(out, "  {}:", scalar(&table.name));
    if !from_database {
        let path = data_dir.join(&table.file_name);
        let _ = writeln!(out, "    path: {}", path_scalar(&path.to_string_lossy()));
    } else if table.file_name != table.name {
        let _ = writeln!(out, "    table: {}", scalar(&table.file_name));
    }
    if let Some(pk) = &table.primary_key {
        let text = if pk.confidence == super::Confidence::Declared {
            format!("Primary key declared in the database: {}.", pk.why)
        } else {
            format!("Primary key ({} confidence): {}.", pk.confidence, pk.why)
        };
        comment(out, 4, &text);
        let _ = writeln!(out, "    primary_key: {}", scalar(&pk.column));
    }
    if let Some(why) = &table.no_primary_key {
        comment(out, 4, why);
    }
    if !table.foreign_keys.is_empty() {
        out.push_str("    foreign_keys:\n");
        for fk in &table.foreign_keys {
            let text = if fk.confidence == super::Confidence::Declared {
                format!("Declared in the database: {}.", fk.why)
            } else {
                format!("{} confidence: {}.", capitalized(fk.confidence), fk.why)
            };
            comment(out, 6, &text);
            let _ = writeln!(out, "      {}: {}", scalar(&fk.column), scalar(&fk.parent));
        }
    }
    render_generation(out, table);
    render_columns(out, &table.column_notes);
    if !table.notes.is_empty() {
        comment(out, 4, "Left out:");
        for note in &table.notes {
            bullet(out, 4, note);
        }
    }
}

/// `sequential`, `sequence_by` and `order_by`, each with its reason.
fn render_generation(out: &mut String, table: &InferredTable) {
    match &table.generation {
        Generation::Root => {}
        Generation::Sequential { by, why } => {
            comment(out, 4, why);
            out.push_str("    sequential: true\n");
            if let Some(by) = by {
                let _ = writeln!(out, "    sequence_by: {}", scalar(by));
            }
        }
        Generation::Independent { why } => {
            comment(out, 4, why);
            out.push_str("    sequential: false\n");
        }
    }
    if let Some(order) = &table.order_by {
        comment(out, 4, &order.why);
        let _ = writeln!(out, "    order_by: {}", scalar(&order.column));
    }
}

/// Close-call column types: explicit ones under `columns:`, the rest as comments.
fn render_columns(out: &mut String, notes: &[ColumnNote]) {
    let (typed, commented): (Vec<&ColumnNote>, Vec<&ColumnNote>) =
        notes.iter().partition(|note| note.kind.is_some());
    for note in commented {
        comment(out, 4, &format!("Column type: {}.", note.why));
    }
    if typed.is_empty() {
        return;
    }
    out.push_str("    columns:\n");
    for note in typed {
        let Some(kind) = note.kind else { continue };
        comment(out, 6, &format!("{}.", note.why));
        let value = match &note.format {
            Some(format) => format!("{{type: {kind}, format: {}}}", quoted(format)),
            None => kind.to_string(),
        };
        let _ = writeln!(out, "      {}: {value}", scalar(&note.column));
    }
}

/// "High", "Medium", "Low".
fn capitalized(confidence: super::inferred::Confidence) -> String {
    let text = confidence.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Appends `text` as comment lines at `indent`, wrapped.
fn comment(out: &mut String, indent: usize, text: &str) {
    wrapped(out, indent, "# ", "# ", text);
}

/// Appends `text` as a bulleted comment at `indent`, wrapped.
fn bullet(out: &mut String, indent: usize, text: &str) {
    wrapped(out, indent, "#   - ", "#     ", text);
}

/// Word-wraps `text` into comment lines; control characters become spaces so a comment never
/// breaks the YAML.
fn wrapped(out: &mut String, indent: usize, first: &str, next: &str, text: &str) {
    let pad = " ".repeat(indent);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut line = format!("{pad}{first}");
    let mut empty = true;
    for word in clean.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("{pad}{next}");
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Words YAML would read as something other than a string.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

/// A name as a YAML scalar: plain when it is a simple word, else quoted.
pub(super) fn scalar(text: &str) -> String {
    let simple = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&text.to_lowercase().as_str());
    if simple {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A path as a YAML scalar: plain for ordinary relative paths, else quoted.
fn path_scalar(text: &str) -> String {
    let simple = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'));
    if simple {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A double-quoted scalar; JSON's escapes are YAML's.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::inferred::{Confidence, ForeignKey, PrimaryKey};
    use crate::schema::{ColumnKind, Schema};
    use std::path::PathBuf;

    fn table(name: &str, file: &str) -> InferredTable {
        InferredTable {
            name: name.into(),
            file_name: file.into(),
            rows: 3,
            columns: 2,
            primary_key: None,
            no_primary_key: None,
            foreign_keys: Vec::new(),
            generation: Generation::Root,
            order_by: None,
            column_notes: Vec::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn odd_names_parse_back() {
        let mut parent = table("yes", "yes.csv");
        parent.primary_key = Some(PrimaryKey {
            column: "key: #1\n".into(),
            confidence: Confidence::High,
            why: "a reason\nover two lines # with a hash".into(),
        });
        let mut child = table("123", "my file (1).csv");
        child.foreign_keys.push(ForeignKey {
            column: "null".into(),
            parent: "yes".into(),
            parent_key: "key: #1\n".into(),
            confidence: Confidence::Low,
            why: "x".repeat(300),
        });
        child.generation = Generation::Independent { why: "even".into() };
        child.column_notes.push(ColumnNote {
            column: "when".into(),
            kind: Some(ColumnKind::Datetime),
            format: Some("%d/%m/%Y".into()),
            why: "close call".into(),
        });
        let inferred = Inferred {
            dir: PathBuf::from("data"),
            tables: vec![parent, child],
            skipped: Vec::new(),
            ignored: vec!["notes.txt".into()],
            source: None,
        };
        let text = render(&inferred, Path::new("../data"));
        let schema = Schema::parse(&text, Path::new("s.yaml"), Path::new("/x")).expect(&text);
        assert_eq!(schema.tables[0].name, "yes");
        assert_eq!(schema.tables[0].primary_key.as_deref(), Some("key: #1\n"));
        assert_eq!(schema.tables[1].name, "123");
        assert_eq!(
            schema.tables[1].path_as_written,
            Path::new("../data/my file (1).csv")
        );
        assert_eq!(schema.tables[1].foreign_keys[0].column, "null");
        assert!(!schema.tables[1].sequential);
        assert_eq!(schema.tables[1].columns["when"].format(), Some("%d/%m/%Y"));
        assert!(text.lines().all(|line| line.chars().count() <= WIDTH + 300));
    }

    #[test]
    fn comments_wrap() {
        let mut out = String::new();
        comment(&mut out, 4, &"word ".repeat(60));
        assert!(out.lines().count() > 2);
        assert!(
            out.lines()
                .all(|line| line.len() <= WIDTH && line.starts_with("    # "))
        );
    }
}
