//! The schema file: parsing the YAML and checking the rules that need no data.
//!
//! Parsing is strict (unknown keys are typos and are rejected with their line), and every rule
//! that can be checked without reading the CSVs is checked here, collecting all problems so the
//! user sees them at once. Rules that need the CSV header or the rows live in [`crate::data`].

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

mod origin;
pub mod semantic_type;

use crate::error::{Error, Problem, Problems, Result};
use crate::files::is_parquet;
use crate::location::Location;
pub use semantic_type::{SemanticType, TableMode};

/// The type of a column, as users write it in `columns:` and as inference reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Integers or decimals; integers stay integers, decimals keep their precision.
    Numerical,
    /// A value from a limited set of labels.
    Categorical,
    /// Two values, written as the input writes them (`true`/`false`, `yes`/`no`, ...).
    Boolean,
    /// A date or timestamp; the output keeps the input's format.
    Datetime,
    /// An identifier that is not a key: generated fresh in the same shape, never copied.
    Id,
    /// Free text.
    Text,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ColumnKind::Numerical => "numerical",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Datetime => "datetime",
            ColumnKind::Id => "id",
            ColumnKind::Text => "text",
        };
        f.write_str(name)
    }
}

/// A per-column override of the inferred type: `memo: text` or `{type: datetime, format: ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ColumnOverride {
    /// Only the type.
    Kind(ColumnKind),
    /// The type with options.
    Detailed(DetailedOverride),
    /// A semantic type (`{semantic: email}`), optionally with the storage type.
    Semantic(SemanticOverride),
}

/// The form of a column override that names a semantic type (see [`SemanticType`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemanticOverride {
    /// What the column means; decides its generator.
    pub semantic: SemanticType,
    /// The storage type, when it is not to be inferred.
    #[serde(rename = "type", default)]
    pub kind: Option<ColumnKind>,
    /// A chrono `strftime` pattern for datetime columns.
    #[serde(default)]
    pub format: Option<String>,
}

/// The long form of a column override.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedOverride {
    /// The column type.
    #[serde(rename = "type")]
    pub kind: ColumnKind,
    /// A chrono `strftime` pattern for datetime columns, e.g. `%d/%m/%Y`.
    #[serde(default)]
    pub format: Option<String>,
}

impl ColumnOverride {
    /// The overridden type (`None`: only a semantic type is given, the type is inferred).
    pub fn kind(&self) -> Option<ColumnKind> {
        match self {
            ColumnOverride::Kind(kind) => Some(*kind),
            ColumnOverride::Detailed(detailed) => Some(detailed.kind),
            ColumnOverride::Semantic(semantic) => semantic.kind,
        }
    }

    /// The datetime format, when one is given.
    pub fn format(&self) -> Option<&str> {
        match self {
            ColumnOverride::Kind(_) => None,
            ColumnOverride::Detailed(detailed) => detailed.format.as_deref(),
            ColumnOverride::Semantic(semantic) => semantic.format.as_deref(),
        }
    }

    /// The semantic type, when one is given.
    pub fn semantic(&self) -> Option<SemanticType> {
        match self {
            ColumnOverride::Semantic(semantic) => Some(semantic.semantic),
            _ => None,
        }
    }
}

/// The YAML file as written; see DESIGN.md §2 and the README.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    #[serde(default)]
    seed: Option<u64>,
    /// Where tables without a `path` are read from (a folder, `sqlite:PATH`, `postgresql://...`).
    #[serde(default)]
    source: Option<String>,
    #[serde(deserialize_with = "unique_keys")]
    tables: IndexMap<String, TableFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    path: Option<PathBuf>,
    /// This table's location, when it is not the schema's `source`.
    #[serde(default)]
    source: Option<String>,
    /// The table's name in its source, when it is not the schema's name for it.
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    primary_key: Option<String>,
    #[serde(default, deserialize_with = "unique_keys")]
    foreign_keys: IndexMap<String, String>,
    #[serde(default)]
    sequential: Option<bool>,
    #[serde(default)]
    sequence_by: Option<String>,
    #[serde(default)]
    order_by: Option<String>,
    #[serde(default, deserialize_with = "unique_keys")]
    columns: IndexMap<String, ColumnOverride>,
    #[serde(default)]
    rules: RulesSection,
    #[serde(default)]
    mode: Option<TableMode>,
    /// The character between a CSV file's fields, when it is not the one its header shows.
    #[serde(default)]
    delimiter: Option<String>,
}

/// A table's `rules:` section as written: rules to add and to switch off, as rule text (read
/// and checked by [`crate::rules`], which knows the rule language).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Whether to look for rules in the data (default true).
    #[serde(default = "yes")]
    pub discover: bool,
    /// Rules to keep even if the data does not show them.
    #[serde(default)]
    pub add: Vec<String>,
    /// Found rules to switch off (coincidences).
    #[serde(default)]
    pub off: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for RulesSection {
    fn default() -> Self {
        RulesSection {
            discover: true,
            add: Vec::new(),
            off: Vec::new(),
        }
    }
}

/// A YAML mapping read into an [`IndexMap`], refusing a key written twice (serde would keep
/// the last one silently: two tables of the same name, a foreign key listed twice).
fn unique_keys<'de, D, V>(deserializer: D) -> std::result::Result<IndexMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Unique<V>(std::marker::PhantomData<V>);

    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<V> {
        type Value = IndexMap<String, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mapping")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut entries = IndexMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if entries.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "`{key}` is written twice (the second would silently replace the \
                         first): remove or rename one"
                    )));
                }
                let value = map.next_value()?;
                entries.insert(key, value);
            }
            Ok(entries)
        }
    }

    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

/// A schema file is small: this many bytes is already far beyond any real one.
const MAX_SCHEMA_BYTES: u64 = 4 << 20;

/// Nesting deeper than this is no schema (a schema nests five levels); refused before parsing,
/// which would take minutes on a few hundred kilobytes of `[`.
const MAX_NESTING: usize = 32;

/// The deepest nesting of YAML flow collections (`[`, `{`) outside quotes and comments, and of
/// block indentation (in levels of the smallest indent step seen, roughly).
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        deepest = deepest.max(indent / 2);
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    deepest
}

/// A foreign key: a column of the child table holding the parent's primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ForeignKey {
    /// The column in the child table.
    pub column: String,
    /// The parent table's name.
    pub parent: String,
}

/// One table of the schema, with its CSV path resolved against the schema's folder.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// The table's name (the output file is `<name>.csv`).
    pub name: String,
    /// The CSV file, resolved relative to the schema file's folder.
    pub path: PathBuf,
    /// The path as written in the schema, for messages.
    pub path_as_written: PathBuf,
    /// The primary key column, re-assigned 1..N in the output.
    pub primary_key: Option<String>,
    /// Foreign keys in the order they are written.
    pub foreign_keys: Vec<ForeignKey>,
    /// Whether the table is generated per parent row (default true; needs a foreign key).
    pub sequential: bool,
    /// Whether `sequential` was written explicitly (only for messages).
    pub sequential_given: bool,
    /// The foreign key that drives generation when there are several.
    pub sequence_by: Option<String>,
    /// The column that orders rows within one parent's sequence.
    pub order_by: Option<String>,
    /// Per-column type overrides.
    pub columns: IndexMap<String, ColumnOverride>,
    /// The `rules:` section.
    pub rules: RulesSection,
    /// `keep` (copy verbatim) or `synthesize`; `None`: decided from the data (see
    /// [`crate::semantic::keep`]).
    pub mode: Option<TableMode>,
    /// The database table the rows are read from; `None` for a file (`path`).
    pub source: Option<TableSource>,
    /// The byte between the fields of the CSV file (`delimiter:`); `None`: the one its header
    /// line shows ([`crate::data`] looks).
    pub delimiter: Option<u8>,
    /// The columns whose numbers the CSV file writes with decimal commas or grouped thousands,
    /// when another file settles it (not in the schema: a synthetic copy is read as its real
    /// file was); `None`: [`crate::data`] looks.
    pub numbers: Option<NumberColumns>,
}

/// The columns of a CSV file whose numbers are not written `1234.5`, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberColumns {
    /// Columns with decimal commas (`12,5`).
    pub decimal_commas: Vec<String>,
    /// Columns whose thousands are grouped (`1.234,5` beside a decimal comma, else `1,234.5`).
    pub thousands: Vec<String>,
    /// Columns whose empty cells are written with a word (`NULL`), with it.
    pub null_words: Vec<(String, String)>,
    /// Columns whose numbers are written between signs (`$1,234.50`), with them.
    pub affixes: Vec<(String, Affixes)>,
}

/// The text before a column's numbers (after a minus: `-$5.00`) and after them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affixes {
    pub prefix: String,
    pub suffix: String,
}

/// A table read from a database rather than from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSource {
    /// The database.
    pub location: Location,
    /// The table's name in that database (the schema's name unless `table:` says otherwise).
    pub table: String,
}

impl TableDef {
    /// Whether `column` is the primary key or a foreign key (key columns are not modelled).
    pub fn is_key(&self, column: &str) -> bool {
        self.primary_key.as_deref() == Some(column)
            || self.foreign_keys.iter().any(|fk| fk.column == column)
    }

    /// Every column the schema names for this table, with the parameter that names it.
    pub fn named_columns(&self) -> Vec<(&str, &'static str)> {
        let mut named = Vec::new();
        if let Some(pk) = &self.primary_key {
            named.push((pk.as_str(), "primary_key"));
        }
        for fk in &self.foreign_keys {
            named.push((fk.column.as_str(), "foreign_keys"));
        }
        if let Some(column) = &self.sequence_by {
            named.push((column.as_str(), "sequence_by"));
        }
        if let Some(column) = &self.order_by {
            named.push((column.as_str(), "order_by"));
        }
        for column in self.columns.keys() {
            named.push((column.as_str(), "columns"));
        }
        named
    }
}

/// A parsed schema. Structural rules are checked by [`Schema::check`].
#[derive(Debug, Clone)]
pub struct Schema {
    /// Where the schema file is (messages only).
    pub file: PathBuf,
    /// The seed written in the schema; a seed chosen for the run overrides it.
    pub seed: Option<u64>,
    /// Tables in the order they are written.
    pub tables: Vec<TableDef>,
    /// The schema's `source:`, when it has one.
    pub source: Option<Location>,
}

impl Schema {
    /// Reads and parses a schema file. A YAML error or an unknown key is fatal (with its line).
    pub fn load(file: &Path) -> Result<Schema> {
        let unreadable = |err: String| {
            Error::invalid(vec![Problem::general(format!(
                "cannot read schema file `{}`: {err}",
                file.display()
            ))])
        };
        let bytes = crate::files::read_bounded(file, MAX_SCHEMA_BYTES)
            .map_err(|err| unreadable(format!("it {err}")))?;
        let text =
            String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".into()))?;
        let base = file.parent().unwrap_or_else(|| Path::new("."));
        Schema::parse(&text, file, base)
    }

    /// Parses schema text; CSV paths are resolved against `base`.
    pub fn parse(text: &str, file: &Path, base: &Path) -> Result<Schema> {
        if nesting(text) > MAX_NESTING {
            return Err(Error::invalid(vec![Problem::general(format!(
                "{}: nested more than {MAX_NESTING} levels deep; a schema nests a few levels \
                 (tables, a table, its foreign keys or columns)",
                file.display()
            ))]));
        }
        let (unknown, known) = unknown_keys(text, file);
        if !unknown.is_empty() {
            // The other problems too, where the schema reads without those keys: a misspelt
            // key hid a missing table until it was fixed.
            let parsed = known.and_then(|known| serde_yaml::from_value(known).ok());
            let besides = parsed.map(|parsed| match Schema::of_file(parsed, file, base) {
                Ok(schema) => schema.check(),
                Err(Error::Invalid(Problems(problems))) => problems,
                Err(_) => Vec::new(),
            });
            return Err(Error::invalid(
                [unknown, besides.unwrap_or_default()].concat(),
            ));
        }
        let parsed: SchemaFile = serde_yaml::from_str(text).map_err(|err| {
            // serde stops at the first problem: every bad column override is listed, and
            // serde's own message too unless it is about one of them.
            let mut problems = bad_overrides(text, file);
            if problems.is_empty() || !err.to_string().contains("ColumnOverride") {
                problems.insert(
                    0,
                    Problem::general(format!(
                        "{}: {}",
                        file.display(),
                        describe_yaml_error(&err, text)
                    )),
                );
            }
            Error::invalid(problems)
        })?;
        Schema::of_file(parsed, file, base)
    }

    /// The schema `parsed` says (read from `file`, its paths relative to `base`), or every
    /// problem with its tables' locations and delimiters.
    fn of_file(parsed: SchemaFile, file: &Path, base: &Path) -> Result<Schema> {
        let mut problems = Vec::new();
        let source = parsed.source.as_deref().and_then(|text| {
            Location::parse(text, base)
                .map_err(|message| {
                    problems.push(Problem::general(format!("`source: {text}`: {message}")))
                })
                .ok()
        });
        let tables = parsed
            .tables
            .into_iter()
            .map(|(name, table)| {
                let origin = origin::resolve(
                    &name,
                    table.path.as_deref(),
                    table.source.as_deref(),
                    table.table.as_deref(),
                    match (&source, &parsed.source) {
                        (None, Some(_)) => Err(()),
                        (source, _) => Ok(source.as_ref()),
                    },
                    base,
                )
                .map_err(|problem| problems.push(problem))
                .unwrap_or_default();
                let delimiter = table.delimiter.as_deref().and_then(|text| {
                    delimiter_of(text, origin.source.is_none() && !is_parquet(&origin.path))
                        .map_err(|message| {
                            problems.push(Problem::table(&name, "delimiter", message))
                        })
                        .ok()
                });
                (name, table, origin, delimiter)
            })
            .map(|(name, table, origin, delimiter)| TableDef {
                path: origin.path,
                path_as_written: origin.path_as_written,
                source: origin.source,
                primary_key: table.primary_key,
                foreign_keys: table
                    .foreign_keys
                    .into_iter()
                    .map(|(column, parent)| ForeignKey { column, parent })
                    .collect(),
                sequential: table.sequential.unwrap_or(true),
                sequential_given: table.sequential.is_some(),
                sequence_by: table.sequence_by,
                order_by: table.order_by,
                columns: table.columns,
                rules: table.rules,
                mode: table.mode,
                delimiter,
                numbers: None,
                name,
            })
            .collect();
        if !problems.is_empty() {
            return Err(Error::invalid(problems));
        }
        Ok(Schema {
            file: file.to_path_buf(),
            seed: parsed.seed,
            tables,
            source,
        })
    }

    /// Every file a run reads: the schema file, each table's CSV or Parquet file and each SQLite
    /// database tables are read from (outputs must not be any of them, nor hold them).
    pub fn input_paths(&self) -> Vec<PathBuf> {
        let mut paths = self.data_paths();
        paths.push(self.file.clone());
        paths.dedup();
        paths
    }

    /// The files the tables are read from (CSV and Parquet files, SQLite databases): what a
    /// schema written by `init` must not be written over.
    pub fn data_paths(&self) -> Vec<PathBuf> {
        let tables = self.tables.iter().filter_map(|table| match &table.source {
            None => Some(table.path.clone()),
            Some(TableSource {
                location: Location::Sqlite(path),
                ..
            }) => Some(path.clone()),
            // A PostgreSQL table is no file: see `database_tables`.
            Some(_) => None,
        });
        let mut paths: Vec<PathBuf> = tables.collect();
        paths.dedup();
        paths
    }

    /// Every database table a run reads (an output must not write into one of them).
    pub fn database_tables(&self) -> Vec<&TableSource> {
        self.tables
            .iter()
            .filter_map(|table| table.source.as_ref())
            .collect()
    }

    /// The table with this name.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|table| table.name == name)
    }

    /// Checks every rule that needs no data; returns all problems found (empty when fine).
    /// Dependency cycles are checked by [`crate::plan`], column existence by [`crate::data`].
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.tables.is_empty() {
            problems.push(Problem::general(
                "the schema has no tables: add at least one under `tables:`",
            ));
        }
        check_case_clashes(self, &mut problems);
        for table in &self.tables {
            check_table_name(table, &mut problems);
            check_foreign_keys(self, table, &mut problems);
            check_sequence(table, &mut problems);
            check_overrides(table, &mut problems);
        }
        check_modes(self, &mut problems);
        problems
    }
}

/// The bytes a CSV file's fields may be separated by: a comma, a semicolon (where a comma is
/// the decimal point), a tab or a vertical bar. None of them is part of a number as dxsynth
/// writes one, so numbers are written without quotes whichever it is.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The byte a table's `delimiter:` names, or why it names none (`csv`: whether the table is
/// read from a CSV file, the only kind a delimiter applies to).
fn delimiter_of(text: &str, csv: bool) -> Result<u8, String> {
    if !csv {
        return Err(
            "`delimiter` applies to CSV files only (Parquet files and databases have no \
             delimiter): remove it"
                .to_string(),
        );
    }
    match text.as_bytes() {
        [byte] if DELIMITERS.contains(byte) => Ok(*byte),
        _ if text.eq_ignore_ascii_case("tab") => Ok(b'\t'),
        _ => Err(format!(
            "`{}` is not a delimiter dxsynth reads: use one of `,`, `;`, `|` or `tab` (or leave \
             it out: the header line shows it)",
            text.escape_debug()
        )),
    }
}

/// A table with `mode: keep` keeps every table it refers to (recursively: a kept row's keys
/// point at real rows), so none of those may say `mode: synthesize`: copied anyway, a table
/// the user said must never be copied (its e-mails, say) would reach the output as it is.
fn check_modes(schema: &Schema, problems: &mut Vec<Problem>) {
    for kept in schema
        .tables
        .iter()
        .filter(|t| t.mode == Some(TableMode::Keep))
    {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&TableDef> = vec![kept];
        while let Some(table) = todo.pop() {
            for fk in &table.foreign_keys {
                let Some(parent) = schema.table(&fk.parent) else {
                    continue;
                };
                if !seen.insert(parent.name.as_str()) {
                    continue;
                }
                if parent.mode == Some(TableMode::Synthesize) {
                    problems.push(Problem::table(
                        &kept.name,
                        "mode",
                        format!(
                            "`mode: keep` copies the table with its keys, so the tables it \
                             refers to are copied too, but `{}` (referred to through `{}.{}`) \
                             says `mode: synthesize`: remove one of the two",
                            parent.name, table.name, fk.column
                        ),
                    ));
                }
                todo.push(parent);
            }
        }
    }
}

/// The keys a schema file, a table, a `rules:` section and a column override may have.
const SCHEMA_KEYS: &[&str] = &["seed", "source", "tables"];
const TABLE_KEYS: &[&str] = &[
    "path",
    "source",
    "table",
    "primary_key",
    "foreign_keys",
    "sequential",
    "sequence_by",
    "order_by",
    "columns",
    "rules",
    "mode",
    "delimiter",
];
const RULES_KEYS: &[&str] = &["discover", "add", "off"];
const OVERRIDE_KEYS: &[&str] = &["type", "format", "semantic"];

/// Every misspelt key of the schema at once (serde stops at the first): at the top, in each
/// table, its `rules:` and its column overrides, each with the table and column it is in and
/// the nearest known key. Text that is not YAML, or not of the schema's shape, gives none here:
/// the typed parse that follows says what is wrong with it. With them, the schema without those
/// keys, whose other problems are then found too.
fn unknown_keys(text: &str, file: &Path) -> (Vec<Problem>, Option<serde_yaml::Value>) {
    use serde_yaml::Value as Yaml;
    let Ok(Yaml::Mapping(mut top)) = serde_yaml::from_str::<Yaml>(text) else {
        return (Vec::new(), None);
    };
    let mut problems = Vec::new();
    // The unknown keys of a mapping, taken out of it.
    let take_unknown = |map: &mut serde_yaml::Mapping, known: &[&str]| -> Vec<String> {
        let keys: Vec<String> = map
            .keys()
            .filter_map(|key| match key {
                Yaml::String(key) if !known.contains(&key.as_str()) => Some(key.clone()),
                _ => None,
            })
            .collect();
        for key in &keys {
            map.remove(key.as_str());
        }
        keys
    };
    for key in take_unknown(&mut top, SCHEMA_KEYS) {
        problems.push(Problem::general(format!(
            "{}: unknown key `{key}` at the top of the schema{}{}",
            file.display(),
            line_of(text, None, &key),
            nearest(&key, SCHEMA_KEYS)
        )));
    }
    if let Some(Yaml::Mapping(tables)) = top.get_mut("tables") {
        for (name, table) in tables.iter_mut() {
            let (Yaml::String(name), Yaml::Mapping(table)) = (name, table) else {
                continue;
            };
            let unknown_in = |key: &str, known: &[&str]| {
                format!(
                    "unknown key{}{}",
                    line_of(text, Some(name), key),
                    nearest(key, known)
                )
            };
            for key in take_unknown(table, TABLE_KEYS) {
                problems.push(Problem::table(name, &key, unknown_in(&key, TABLE_KEYS)));
            }
            if let Some(Yaml::Mapping(rules)) = table.get_mut("rules") {
                for key in take_unknown(rules, RULES_KEYS) {
                    let parameter = format!("rules.{key}");
                    problems.push(Problem::table(
                        name,
                        &parameter,
                        unknown_in(&key, RULES_KEYS),
                    ));
                }
            }
            let Some(Yaml::Mapping(columns)) = table.get_mut("columns") else {
                continue;
            };
            for (column, over) in columns.iter_mut() {
                let (Yaml::String(column), Yaml::Mapping(over)) = (column, over) else {
                    continue;
                };
                for key in take_unknown(over, OVERRIDE_KEYS) {
                    problems.push(Problem::column(
                        name,
                        column,
                        &format!("columns.{key}"),
                        unknown_in(&key, OVERRIDE_KEYS),
                    ));
                }
            }
        }
    }
    (problems, Some(Yaml::Mapping(top)))
}

/// ` at line N`: the first line after the one naming `table` (when given) where `key` is
/// written as a key (`key:` at the start of the line, or after `{` or `,` in a flow mapping);
/// empty when not found (a key in quotes, say).
fn line_of(text: &str, table: Option<&str>, key: &str) -> String {
    let written = |line: &str, key: &str| {
        let trimmed = line.trim_start();
        trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
            || [
                format!("{{{key}:"),
                format!("{{ {key}:"),
                format!(", {key}:"),
            ]
            .iter()
            .any(|form| line.contains(form.as_str()))
    };
    let start = table.map_or(Some(0), |table| {
        text.lines().position(|line| written(line, table))
    });
    let Some(start) = start else {
        return String::new();
    };
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, line)| written(line, key))
        .map(|(index, _)| format!(" at line {}", index + 1))
        .unwrap_or_default()
}

/// `; did you mean `x`?` for the known key nearest to `key` (a typo away), else the list.
fn nearest(key: &str, known: &[&str]) -> String {
    let close = known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(distance, _)| *distance <= 2.max(key.len() / 3))
        .min();
    match close {
        Some((_, k)) => format!("; did you mean `{k}`?"),
        None => format!(" (known: {})", known.join(", ")),
    }
}

/// Every column override that is none of the forms an override takes, each a problem naming
/// its table, column and line: serde stops at the first, naming the line where the table's
/// `columns:` entries start and no column.
fn bad_overrides(text: &str, file: &Path) -> Vec<Problem> {
    let Ok(document) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
        return Vec::new();
    };
    let Some(tables) = document
        .get("tables")
        .and_then(serde_yaml::Value::as_mapping)
    else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (table, def) in tables {
        let (Some(table), Some(columns)) = (
            table.as_str(),
            def.get("columns").and_then(serde_yaml::Value::as_mapping),
        ) else {
            continue;
        };
        for (column, value) in columns {
            let Some(column) = column.as_str() else {
                continue;
            };
            if serde_yaml::from_value::<ColumnOverride>(value.clone()).is_ok() {
                continue;
            }
            let written = serde_yaml::to_string(value).unwrap_or_default();
            problems.push(Problem::column(
                table,
                column,
                "columns",
                format!(
                    "{}: `{}` is not a column override{}: an override is a type (numerical, \
                     categorical, boolean, datetime, id, text), {{type: TYPE, format: \
                     \"%Y-%m-%d\"}} or {{semantic: SEMANTIC_TYPE}} (first_name, last_name, \
                     full_name, email, phone, street_address, city, state, postcode, country, \
                     company, url, label, text, none)",
                    file.display(),
                    printable_short(written.trim()),
                    line_of(text, Some(table), column),
                ),
            ));
        }
    }
    problems
}

/// A value as a message shows it: on one line, at most 60 characters.
fn printable_short(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// serde_yaml says "tables.accounts: unknown field `primry_key`, expected one of ... at line 5
/// column 5"; we keep that text, which already names the table, the key and the line.
fn describe_yaml_error(err: &serde_yaml::Error, source: &str) -> String {
    let text = err.to_string();
    // A tab in a line's indentation: YAML's own words ("found character that cannot start any
    // token") do not say that YAML indents with spaces only.
    let line = err
        .location()
        .and_then(|at| source.lines().nth(at.line().checked_sub(1)?));
    let indent = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    if line.is_some_and(|line| line[..indent(line)].contains('\t')) {
        return format!(
            "{}: YAML indents with spaces, never tabs; replace the tabs at the start of that \
             line (and of the lines like it) with spaces",
            shorten_quoted(&text)
        );
    }
    if text.contains("did not match any variant of untagged enum ColumnOverride") {
        let place = err
            .location()
            .map(|loc| format!(" at line {} column {}", loc.line(), loc.column()))
            .unwrap_or_default();
        let column = text.split(':').next().unwrap_or("columns");
        return format!(
            "{column}: a column override is a type (numerical, categorical, boolean, datetime, \
             id, text), {{type: TYPE, format: \"%Y-%m-%d\"}} or {{semantic: SEMANTIC_TYPE}} \
             (first_name, last_name, full_name, email, phone, street_address, city, state, \
             postcode, country, company, url, label, text, none){place}"
        );
    }
    shorten_quoted(&text)
}

/// A parser's message with each quoted piece of the file cut to [`crate::error::printable`]'s
/// length: a 100,000-character key was echoed whole, the line and column after it.
fn shorten_quoted(text: &str) -> String {
    let pieces: Vec<String> = text
        .split('"')
        .enumerate()
        .map(|(i, piece)| match i % 2 {
            1 => crate::error::printable(piece),
            _ => piece.to_string(),
        })
        .collect();
    pieces.join("\"")
}

/// Whether `name` can name a table: letters, digits and `_` only, so that `<name>.csv` is a
/// plain file name inside the output folder (no separator, no `..`, not absolute, nothing a
/// terminal would interpret). Model files are held to the same rule.
pub fn is_table_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Two tables whose names differ only in case (`Orders`, `orders`) would write one file on a
/// case-insensitive file system (macOS, Windows: the second replaces the first) and one table in
/// SQLite; refused, naming both.
fn check_case_clashes(schema: &Schema, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for table in &schema.tables {
        match seen.entry(table.name.to_lowercase()) {
            std::collections::hash_map::Entry::Occupied(first) => problems.push(Problem::table(
                &table.name,
                "tables",
                format!(
                    "the name differs from table `{}` only in case: on a case-insensitive file \
                     system (macOS, Windows) or in a database the two outputs would be one; \
                     rename one of them",
                    first.get()
                ),
            )),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(&table.name);
            }
        }
    }
}

/// The longest table name, in bytes: it becomes a file name (`<name>.parquet`), and file
/// systems take at most 255 bytes; longer, `validate` passed and `run` failed at the end.
const MAX_TABLE_NAME: usize = 200;

fn check_table_name(table: &TableDef, problems: &mut Vec<Problem>) {
    if !is_table_name(&table.name) {
        problems.push(Problem::table(
            &table.name,
            "tables",
            "a table name may only contain letters, digits and `_` (it becomes the output file name)",
        ));
    } else if table.name.len() > MAX_TABLE_NAME {
        problems.push(Problem::table(
            &table.name,
            "tables",
            format!(
                "the name is {} bytes long; at most {MAX_TABLE_NAME} (it becomes the output file \
                 name, and file systems take at most 255 bytes)",
                table.name.len()
            ),
        ));
    }
}

fn check_foreign_keys(schema: &Schema, table: &TableDef, problems: &mut Vec<Problem>) {
    for fk in &table.foreign_keys {
        if fk.parent == table.name {
            problems.push(Problem::column(
                &table.name,
                &fk.column,
                "foreign_keys",
                format!(
                    "the table references itself (`{}: {}`); self-references are not supported",
                    fk.column, fk.parent
                ),
            ));
            continue;
        }
        match schema.table(&fk.parent) {
            None => problems.push(Problem::column(
                &table.name,
                &fk.column,
                "foreign_keys",
                format!(
                    "parent table `{}` is not in the schema (tables: {})",
                    fk.parent,
                    table_names(schema)
                ),
            )),
            Some(parent) if parent.primary_key.is_none() => problems.push(Problem::column(
                &table.name,
                &fk.column,
                "foreign_keys",
                format!(
                    "parent table `{}` has no `primary_key`, so nothing can reference it; \
                     add `primary_key:` to `{}`",
                    fk.parent, fk.parent
                ),
            )),
            Some(_) => {}
        }
        if table.primary_key.as_deref() == Some(fk.column.as_str()) {
            problems.push(Problem::column(
                &table.name,
                &fk.column,
                "primary_key",
                "the column is both the primary key and a foreign key of the table",
            ));
        }
    }
    let mut seen = HashSet::new();
    for fk in &table.foreign_keys {
        if !seen.insert(fk.column.as_str()) {
            problems.push(Problem::column(
                &table.name,
                &fk.column,
                "foreign_keys",
                "the column is listed twice",
            ));
        }
    }
}

fn check_sequence(table: &TableDef, problems: &mut Vec<Problem>) {
    let options = || {
        table
            .foreign_keys
            .iter()
            .map(|fk| fk.column.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(by) = &table.sequence_by {
        if table.sequential_given && !table.sequential {
            problems.push(Problem::column(
                &table.name,
                by,
                "sequence_by",
                "`sequence_by` and `sequential: false` are mutually exclusive: remove one",
            ));
        } else if !table.foreign_keys.iter().any(|fk| &fk.column == by) {
            let hint = if table.foreign_keys.is_empty() {
                "the table has no foreign keys".to_string()
            } else {
                format!("choose one of: {}", options())
            };
            problems.push(Problem::column(
                &table.name,
                by,
                "sequence_by",
                format!("`sequence_by` must name one of the table's foreign keys; {hint}"),
            ));
        }
    } else if table.sequential && table.foreign_keys.len() > 1 {
        problems.push(Problem::table(
            &table.name,
            "sequence_by",
            format!(
                "the table has {} foreign keys and is sequential (the default): set \
                 `sequence_by` to the one that drives generation (one of: {}), or set \
                 `sequential: false`",
                table.foreign_keys.len(),
                options()
            ),
        ));
    }
    if let Some(order) = &table.order_by
        && table.is_key(order)
    {
        problems.push(Problem::column(
            &table.name,
            order,
            "order_by",
            "a key column cannot order a sequence: name a data column such as a date",
        ));
    }
}

fn check_overrides(table: &TableDef, problems: &mut Vec<Problem>) {
    for (column, over) in &table.columns {
        if table.is_key(column) {
            problems.push(Problem::column(
                &table.name,
                column,
                "columns",
                "key columns are not modelled, so they take no type: remove this override",
            ));
        }
        if over.format().is_some() && over.kind() != Some(ColumnKind::Datetime) {
            problems.push(Problem::column(
                &table.name,
                column,
                "columns",
                format!(
                    "`format` only applies to datetime columns, not to {}",
                    over.kind()
                        .map_or("an inferred type".to_string(), |k| k.to_string())
                ),
            ));
        }
    }
}

fn table_names(schema: &Schema) -> String {
    schema
        .tables
        .iter()
        .map(|table| table.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problems;

    fn parse(text: &str) -> Result<Schema> {
        Schema::parse(text, Path::new("schema.yaml"), Path::new("/data"))
    }

    #[test]
    fn a_huge_key_is_not_echoed_whole() {
        let text = format!(
            "tables:\n  {}:\n    path: data/t.csv\n",
            "t".repeat(100_000)
        );
        let message = parse(&text).expect_err("not a schema").to_string();
        assert!(message.len() < 1000, "{} bytes", message.len());
        assert!(message.contains("characters)"), "{message}");
    }

    #[test]
    fn parses_the_documented_example() {
        let schema = parse(
            "seed: 42\ntables:\n  accounts:\n    path: a.csv\n    primary_key: id\n  tx:\n    \
             path: t.csv\n    foreign_keys: {account_id: accounts}\n    order_by: date\n    \
             columns:\n      memo: text\n      booked: {type: datetime, format: \"%d/%m/%Y\"}\n",
        )
        .expect("valid schema");
        assert_eq!(schema.seed, Some(42));
        assert_eq!(schema.tables[1].path, Path::new("/data/t.csv"));
        assert!(schema.tables[1].sequential);
        assert_eq!(
            schema.tables[1].columns["booked"].format(),
            Some("%d/%m/%Y")
        );
        assert!(schema.check().is_empty());
    }

    #[test]
    fn unknown_key_names_the_line() {
        let err = parse("tables:\n  a:\n    path: a.csv\n    primry_key: id\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("primry_key"), "{text}");
        assert!(text.contains("line 4"), "{text}");
    }

    #[test]
    fn several_foreign_keys_need_sequence_by() {
        let schema = parse(
            "tables:\n  a: {path: a.csv, primary_key: id}\n  b: {path: b.csv, primary_key: id}\n  \
             c: {path: c.csv, foreign_keys: {a_id: a, b_id: b}}\n",
        )
        .unwrap();
        let problems = schema.check();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].parameter.as_deref(), Some("sequence_by"));
        assert!(problems[0].message.contains("a_id, b_id"));
    }

    #[test]
    fn a_delimiter_is_one_of_four_and_only_for_csv_files() {
        let schema = parse(
            "tables:\n  a: {path: a.csv, delimiter: \";\"}\n  b: {path: b.csv, delimiter: tab}\n  \
             c: {path: c.csv, delimiter: \"\\t\"}\n  d: {path: d.csv}\n",
        )
        .expect("valid schema");
        let delimiters: Vec<Option<u8>> = schema.tables.iter().map(|t| t.delimiter).collect();
        assert_eq!(delimiters, [Some(b';'), Some(b'\t'), Some(b'\t'), None]);
        let err = parse(
            "tables:\n  a: {path: a.csv, delimiter: \";;\"}\n  b: {path: b.parquet, delimiter: \
             \",\"}\n  c: {path: c.csv, delimiter: \".\"}\n",
        )
        .unwrap_err();
        let Error::Invalid(Problems(problems)) = &err else {
            panic!("{err}")
        };
        let said: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.table.as_deref().unwrap_or(""), p.message.as_str()))
            .collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].0 == "a" && said[0].1.contains("`;;` is not a delimiter"),
            "{said:?}"
        );
        assert!(
            said[1].0 == "b" && said[1].1.contains("CSV files only"),
            "{said:?}"
        );
        assert!(said[2].0 == "c" && said[2].1.contains("one of `,`, `;`, `|` or `tab`"));
    }
}
