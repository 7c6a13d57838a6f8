//! What `init` adds about meaning: `mode: keep` for lookup and calendar tables (with the reason)
//! and, as a comment per table, the semantic type detected for each string column, with the
//! line to write under `columns:` to change it.

use std::fmt::Write;
use std::path::Path;

use crate::error::Result;
use crate::schema::Schema;
use crate::schema::SemanticType;
use crate::semantic::detect::{TableContext, detect};
use crate::semantic::keep;
use crate::validated;

use super::yaml::scalar;

/// `text` (a rendered schema) with each table's keep decision and semantic types added after
/// its `path:` line. Loads the data as `validate` and training do (a large table no table refers
/// to as a sample).
pub fn annotate(text: &str, schema_file: &Path) -> Result<String> {
    let base = schema_file.parent().unwrap_or_else(|| Path::new(""));
    let schema = Schema::parse(text, schema_file, base)?;
    // Loaded as training loads it, so the decisions are the ones training makes.
    let loaded = validated::load_for_training(&schema, crate::sampling::TRAINING_ROWS);
    let tables = &loaded.tables;
    let kept = keep::decide(&schema, tables);
    let mut additions: Vec<(String, String)> = Vec::new();
    for def in &schema.tables {
        let Some(table) = tables.get(&def.name) else {
            continue;
        };
        let mut lines = String::new();
        if let Some(reason) = kept.get(&def.name) {
            comment(&mut lines, &format!("Kept as it is: {reason}."));
            lines.push_str("    mode: keep\n");
        } else {
            let referenced = schema
                .tables
                .iter()
                .any(|t| t.foreign_keys.iter().any(|fk| fk.parent == def.name));
            let rows = loaded
                .sampled
                .get(&def.name)
                .map_or(table.rows(), |sampled| sampled.all.rows());
            let context = TableContext {
                table: &def.name,
                referenced,
                rows,
            };
            let types: Vec<String> = table
                .columns
                .iter()
                .filter(|column| !def.is_key(&column.name))
                .map(|column| (column, detect(context, column)))
                .filter(|(_, kind)| *kind != SemanticType::None)
                .map(|(column, kind)| format!("{} {kind}", column.name))
                .collect();
            if !types.is_empty() {
                comment(
                    &mut lines,
                    &format!(
                        "Semantic types (detected; change one under `columns:` with \
                         `NAME: {{semantic: TYPE}}`): {}.",
                        types.join(", ")
                    ),
                );
            }
        }
        if !lines.is_empty() {
            additions.push((def.name.clone(), lines));
        }
    }
    Ok(insert_after_paths(text, &additions))
}

fn comment(out: &mut String, text: &str) {
    let mut line = String::from("    #");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 98 {
            let _ = writeln!(out, "{line}");
            line = String::from("    #");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

/// Inserts each table's lines after the `path:` line that follows its `  NAME:` line.
fn insert_after_paths(text: &str, additions: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 4096);
    let mut current: Option<&str> = None;
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some((name, _)) = additions
            .iter()
            .find(|(name, _)| line == format!("  {}:", scalar(name)))
        {
            current = Some(name.as_str());
        } else if line.starts_with("    path:") {
            if let Some(lines) = current
                .and_then(|name| additions.iter().find(|(n, _)| n == name))
                .map(|(_, lines)| lines)
            {
                out.push_str(lines);
            }
            current = None;
        }
    }
    out
}
