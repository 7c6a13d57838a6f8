//! Model files: trained [`Models`] saved by `dxsynth train` and loaded by `dxsynth generate` and
//! `dxsynth inspect`, so training can run once where the real data lives and generation anywhere.
//!
//! Layout (integers little-endian):
//!
//! ```text
//! offset  size  field
//! 0       8     magic b"DXSYNTH\0"
//! 8       4     format version (u32)
//! 12      1+n   the dxsynth version that wrote the file: length (u8), then UTF-8
//! ..      8     payload length in bytes (u64)
//! ..      8     values the payload's run-length lists expand to (u64; reading expands no more)
//! ..      4     CRC-32 (IEEE) of the writer's version, the expanded count and the payload
//! ..      len   payload: the Models, postcard-encoded (plan, per-table column specs and output
//!               formats, table models, key distributions, model kind, privacy, seed)
//! ```
//!
//! Version policy: the magic, the format version and the writer's version are the same in every
//! format, so any dxsynth can say what a file is and who wrote it. Everything after them belongs
//! to one format version, and [`FORMAT_VERSION`] must be bumped whenever the encoding of anything
//! stored changes (a field added, removed, reordered or retyped in [`Models`] or anything it
//! holds, an enum variant added). A reader accepts its own version only: postcard is not
//! self-describing, so reading another version's payload would mis-decode rather than fail.
//! The length and the checksum turn truncation and corruption into clear errors instead of
//! garbage models.

use std::path::{Path, PathBuf};

use serde::Serialize;

mod check;

use crate::data::shared;
use crate::error::{Error, ModelFileProblem, Result};
use crate::model::stored::repeats;
use crate::train::Models;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = b"DXSYNTH\0";

/// The format this dxsynth writes and reads.
pub const FORMAT_VERSION: u32 = 85;

/// The largest model file read (a model of tens of millions of rows is far smaller).
const MAX_FILE_BYTES: u64 = 1 << 31;

/// The most values a model file's run-length lists may expand to: the sorted numbers of a
/// column are at most its real rows, so this covers tables of tens of millions of rows, and
/// bounds what a doctored header can make the reader allocate.
pub const MAX_EXPANDED: u64 = 1 << 27;

/// The version of dxsynth, written into every model file.
const WRITER: &str = env!("CARGO_PKG_VERSION");

/// A loaded model file.
#[derive(Debug)]
pub struct ModelFile {
    /// The format version of the file (always [`FORMAT_VERSION`] once loaded).
    pub format_version: u32,
    /// The dxsynth version that wrote the file.
    pub writer: String,
    /// The file's size in bytes.
    pub size: u64,
    /// The trained models.
    pub models: Models,
}

/// Checks, before any work, that a model file may be saved to `path`: nothing but a regular
/// file is there (saving renames a new file into place, which would replace a device or a FIFO).
pub fn check_target(path: &Path) -> Result<()> {
    crate::files::replaceable(path).map_err(|what| Error::NotAFile {
        path: path.to_path_buf(),
        what,
    })
}

/// Saves `models` to `path` atomically (a temporary file beside it, renamed into place), so a
/// failed write never leaves a file that looks like a model. Returns the file's size.
pub fn save(path: &Path, models: &Models) -> Result<u64> {
    check_target(path)?;
    let bytes = to_bytes(models).map_err(|source| Error::Io {
        context: "cannot encode the model for",
        path: path.to_path_buf(),
        source,
    })?;
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        context: "cannot create the model file's folder",
        path: dir.clone(),
        source,
    })?;
    let placing = crate::files::Placing {
        prefix: ".dxsynth-model-",
        private: true,
        replace: true,
    };
    crate::files::write_replacing(path, &bytes, placing).map_err(|source| Error::Io {
        context: "cannot write",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(bytes.len() as u64)
}

/// Loads a model file; any problem with its content is an [`Error::ModelFile`].
pub fn load(path: &Path) -> Result<ModelFile> {
    let fail = |problem| Error::ModelFile {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = crate::files::read_bounded(path, MAX_FILE_BYTES)
        .map_err(|why| fail(ModelFileProblem::Unreadable(why)))?;
    from_bytes(&bytes).map_err(fail)
}

/// The whole file for `models`: header and payload.
pub fn to_bytes(models: &Models) -> std::io::Result<Vec<u8>> {
    let (payload, expanded) = repeats::counting(|| postcard::to_stdvec(models));
    let payload = payload.map_err(std::io::Error::other)?;
    let writer = WRITER.as_bytes();
    let writer = &writer[..writer.len().min(usize::from(u8::MAX))];
    let mut bytes = Vec::with_capacity(payload.len() + 32 + writer.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.push(writer.len() as u8);
    bytes.extend_from_slice(writer);
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&expanded.to_le_bytes());
    bytes.extend_from_slice(&checksum(writer, expanded, &payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Reads a whole model file from memory, checking every part of it before decoding.
pub fn from_bytes(bytes: &[u8]) -> Result<ModelFile, ModelFileProblem> {
    let mut reader = Reader { bytes, at: 0 };
    let magic = reader.take(MAGIC.len())?;
    if magic != MAGIC {
        return Err(ModelFileProblem::NotAModel);
    }
    let format_version = u32::from_le_bytes(reader.array()?);
    let writer_len = usize::from(reader.array::<1>()?[0]);
    let writer_bytes = reader.take(writer_len)?;
    if !is_version(writer_bytes) {
        // Random bytes after the signature would be printed as the writer's version.
        return Err(ModelFileProblem::Corrupted);
    }
    let writer = String::from_utf8_lossy(writer_bytes).into_owned();
    if format_version != FORMAT_VERSION {
        return Err(ModelFileProblem::Version {
            found: format_version,
            writer,
            readable: FORMAT_VERSION,
        });
    }
    let length = u64::from_le_bytes(reader.array()?);
    let expanded = u64::from_le_bytes(reader.array()?);
    let expected_checksum = u32::from_le_bytes(reader.array()?);
    let payload = reader.payload(length)?;
    if checksum(writer_bytes, expanded, payload) != expected_checksum {
        return Err(ModelFileProblem::Corrupted);
    }
    if expanded > MAX_EXPANDED {
        return Err(ModelFileProblem::Undecodable(format!(
            "its lists would expand to {expanded} values, more than the {MAX_EXPANDED} a model \
             file may hold"
        )));
    }
    let models = repeats::allowing(expanded, || shared::sharing(|| decode(payload)))?;
    Ok(ModelFile {
        format_version,
        writer,
        size: bytes.len() as u64,
        models,
    })
}

/// Whether `bytes` read as a version a dxsynth writes (`0.1.0`, `1.2.0-rc.1+build`).
fn is_version(bytes: &[u8]) -> bool {
    let allowed = |byte: &u8| byte.is_ascii_alphanumeric() || b".+-_".contains(byte);
    !bytes.is_empty() && bytes.iter().all(allowed)
}

/// CRC-32 of the writer's version, the expanded count and the payload: every byte after the
/// format version is covered, by the checksum or by the length (which truncation and appending
/// contradict).
fn checksum(writer: &[u8], expanded: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(writer);
    hasher.update(&expanded.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// The number of bytes `value` takes in a model file's payload (for `inspect`).
pub fn encoded_size<T: Serialize>(value: &T) -> usize {
    postcard::serialize_with_flavor::<T, postcard::ser_flavors::Size, usize>(
        value,
        postcard::ser_flavors::Size::default(),
    )
    .unwrap_or(0)
}

fn decode(payload: &[u8]) -> Result<Models, ModelFileProblem> {
    let (models, rest): (Models, &[u8]) = postcard::take_from_bytes(payload)
        .map_err(|err| ModelFileProblem::Undecodable(err.to_string()))?;
    if !rest.is_empty() {
        return Err(ModelFileProblem::Undecodable(format!(
            "{} bytes left over after the models",
            rest.len()
        )));
    }
    models.check().map_err(ModelFileProblem::Undecodable)?;
    check::contents(&models).map_err(ModelFileProblem::Undecodable)?;
    Ok(models)
}

/// A cursor over the file's bytes that turns running out into [`ModelFileProblem::Truncated`].
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelFileProblem> {
        let end = self.at.saturating_add(n);
        match self.bytes.get(self.at..end) {
            Some(slice) => {
                self.at = end;
                Ok(slice)
            }
            None if self.at == 0 && !MAGIC.starts_with(self.bytes) => {
                Err(ModelFileProblem::NotAModel)
            }
            None => Err(ModelFileProblem::Truncated {
                expected: None,
                actual: self.bytes.len() as u64,
            }),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelFileProblem> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    /// The rest of the file, which must be exactly `length` bytes.
    fn payload(&mut self, length: u64) -> Result<&'a [u8], ModelFileProblem> {
        let rest = (self.bytes.len() - self.at) as u64;
        if rest < length {
            return Err(ModelFileProblem::Truncated {
                expected: Some((self.at as u64).saturating_add(length)),
                actual: self.bytes.len() as u64,
            });
        }
        if rest > length {
            return Err(ModelFileProblem::TrailingBytes(rest - length));
        }
        Ok(&self.bytes[self.at..])
    }
}

/// The folder a file goes in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::model::{ModelKind, Privacy};
    use crate::train::train_all;
    use crate::validated::validate;

    /// A model file of the two-table bank example (trained once for all tests).
    fn file() -> &'static [u8] {
        static FILE: OnceLock<Vec<u8>> = OnceLock::new();
        FILE.get_or_init(|| to_bytes(&trained()).expect("encode"))
    }

    fn trained() -> Models {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/bank_two_tables.yaml");
        let input = validate(&schema).expect("the example is valid");
        let (kind, privacy) = (ModelKind::default(), Privacy::default());
        train_all(
            &input,
            kind,
            privacy,
            Some(5),
            crate::sampling::TRAINING_ROWS,
            &|_| {},
        )
    }

    /// The header's length: magic, version, writer, payload length, expanded count, checksum.
    fn header_len() -> usize {
        MAGIC.len() + 4 + 1 + WRITER.len() + 8 + 8 + 4
    }

    fn problem(bytes: &[u8]) -> ModelFileProblem {
        match from_bytes(bytes) {
            Ok(_) => panic!("{} bytes were accepted as a model file", bytes.len()),
            Err(problem) => problem,
        }
    }

    #[test]
    fn a_model_survives_the_round_trip() {
        let loaded = from_bytes(file()).expect("a fresh file loads");
        assert_eq!(loaded.format_version, FORMAT_VERSION);
        assert_eq!(loaded.writer, WRITER);
        assert_eq!(loaded.size, file().len() as u64);
        assert_eq!(loaded.models.seed, Some(5));
        let names: Vec<&String> = loaded.models.tables.keys().collect();
        assert_eq!(names, ["accounts", "transactions"]);
        assert_eq!(to_bytes(&loaded.models).expect("encode"), file());
        assert!(file().starts_with(MAGIC));
    }

    #[test]
    fn a_key_kept_unique_with_following_or_paired_with_what_is_not_another_column_is_refused() {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/shop.yaml");
        let input = validate(&schema).expect("the example is valid");
        let (kind, privacy) = (ModelKind::default(), Privacy::default());
        let rows = crate::sampling::TRAINING_ROWS;
        let models = train_all(&input, kind, privacy, Some(5), rows, &|_| {});
        assert!(from_bytes(&to_bytes(&models).expect("encode")).is_ok());
        let (table, _) = models
            .tables
            .iter()
            .find(|(_, trained)| !trained.assigned.is_empty())
            .expect("the shop has an assigned key");
        let own = models.tables[table].assigned[0].column.clone();
        // The message of a model whose first assigned key of `table` is changed by `change`.
        let damaged = |change: &dyn Fn(&mut crate::keys::KeyDistribution)| {
            let mut damaged = models.clone();
            let key = damaged
                .tables
                .get_mut(table)
                .expect("the table")
                .assigned
                .get_mut(0);
            change(key.expect("its key"));
            problem(&to_bytes(&damaged).expect("encode")).to_string()
        };
        for bad in ["no_such_column".to_string(), own.clone()] {
            let message = damaged(&|key| key.unique_with = Some(bad.clone()));
            assert!(message.contains("pairs unique with"), "{bad}: {message}");
            let message = damaged(&|key| {
                key.dependence = Some(crate::keys::dependence::KeyDependence {
                    earlier: bad.clone(),
                    determines_earlier: true,
                    owners: None,
                })
            });
            assert!(message.contains("following"), "{bad}: {message}");
            let message = damaged(&|key| {
                key.pairs_of = Some(crate::keys::pairs::PairsOf {
                    earlier: bad.clone(),
                    table: table.clone(),
                    first: own.clone(),
                    second: own.clone(),
                })
            });
            assert!(message.contains("not another column"), "{bad}: {message}");
        }
        // Equal to what is not another key of the table to the same parent: its parent rows
        // would be copied into this key's (the sequence key is to another table).
        let sequence = models.plan.order.iter().find(|plan| &plan.table == table);
        let sequence = sequence.and_then(|plan| match &plan.generation {
            crate::plan::Generation::Sequential { key } => Some(key.column.clone()),
            _ => None,
        });
        let sequence = sequence.expect("the shop's table with an assigned key is a sequence");
        for bad in ["no_such_column".to_string(), own.clone(), sequence.clone()] {
            let message = damaged(&|key| {
                key.equals = Some(crate::keys::equal::KeyEquality {
                    earlier: bad.clone(),
                    share: 0.9,
                    by: None,
                })
            });
            assert!(
                message.contains("not another key of the table"),
                "{bad}: {message}"
            );
        }
        let message = damaged(&|key| {
            key.equals = Some(crate::keys::equal::KeyEquality {
                earlier: sequence.clone(),
                share: 1.5,
                by: Some(own.clone()),
            })
        });
        assert!(message.contains("not a share"), "{message}");
        // Pairs of the table itself (not made before it), or of a table without those keys.
        let header = &models.tables[table].header;
        let other = header
            .iter()
            .find(|column| **column != own)
            .expect("a column");
        for of in [table.as_str(), "no_such_table"] {
            let message = damaged(&|key| {
                key.pairs_of = Some(crate::keys::pairs::PairsOf {
                    earlier: other.clone(),
                    table: of.to_string(),
                    first: own.clone(),
                    second: other.clone(),
                })
            });
            assert!(
                message.contains("not two keys of a table made before it"),
                "{message}"
            );
        }
    }

    #[test]
    fn training_twice_gives_the_same_file() {
        assert_eq!(to_bytes(&trained()).expect("encode"), file());
    }

    #[test]
    fn another_file_is_not_a_model() {
        assert!(matches!(
            problem(b"name,age\nAda,36\n"),
            ModelFileProblem::NotAModel
        ));
        let mut bytes = file().to_vec();
        bytes[0] = b'X';
        assert!(matches!(problem(&bytes), ModelFileProblem::NotAModel));
        assert!(matches!(problem(b"PK"), ModelFileProblem::NotAModel));
    }

    #[test]
    fn another_format_version_is_named_with_its_writer() {
        let mut bytes = file().to_vec();
        bytes[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        let ModelFileProblem::Version { found, writer, .. } = problem(&bytes) else {
            panic!("not a version problem");
        };
        assert_eq!((found, writer.as_str()), (FORMAT_VERSION + 1, WRITER));
        let message = problem(&bytes).to_string();
        assert!(
            message.contains(&format!("format {}", FORMAT_VERSION + 1)),
            "{message}"
        );
        assert!(message.contains("train again"), "{message}");
    }

    #[test]
    fn every_truncation_is_reported_as_such() {
        let bytes = file();
        for length in 0..bytes.len() {
            match problem(&bytes[..length]) {
                ModelFileProblem::Truncated { actual, .. } => assert_eq!(actual, length as u64),
                other => panic!("{length} bytes: {other}"),
            }
        }
        assert_eq!(problem(&[]).to_string(), "is empty");
    }

    #[test]
    fn appended_bytes_are_reported() {
        let mut bytes = file().to_vec();
        bytes.extend_from_slice(b"\n");
        assert!(matches!(
            problem(&bytes),
            ModelFileProblem::TrailingBytes(1)
        ));
    }

    #[test]
    fn flipped_bits_are_caught() {
        let bytes = file();
        let step = (bytes.len() / 2000).max(1);
        let positions = (0..header_len()).chain((header_len()..bytes.len()).step_by(step));
        for position in positions {
            let mut damaged = bytes.to_vec();
            damaged[position] ^= 0x10;
            let problem = problem(&damaged);
            if position >= header_len() {
                assert!(
                    matches!(problem, ModelFileProblem::Corrupted),
                    "byte {position}: {problem}"
                );
            }
        }
    }

    /// Wraps a payload in a valid header (right length and checksum), allowing the lists in it
    /// to expand to as many values as the real model's.
    fn with_header(payload: &[u8]) -> Vec<u8> {
        let expanded = u64::from_le_bytes(
            file()[header_len() - 12..header_len() - 4]
                .try_into()
                .expect("8 bytes"),
        );
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.push(WRITER.len() as u8);
        bytes.extend_from_slice(WRITER.as_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&expanded.to_le_bytes());
        bytes.extend_from_slice(&checksum(WRITER.as_bytes(), expanded, payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn undecodable_payloads_with_a_valid_checksum_fail_cleanly() {
        let payload = &file()[header_len()..];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..300 {
            // Garbage, and the real payload with a stretch of it overwritten by garbage.
            let mut garbage: Vec<u8> = (0..round * 7 % 500)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            assert!(matches!(
                problem(&with_header(&garbage)),
                ModelFileProblem::Undecodable(_)
            ));
            let start = (state as usize) % payload.len();
            garbage.truncate(payload.len() - start);
            let mut mangled = payload.to_vec();
            mangled[start..start + garbage.len()].copy_from_slice(&garbage);
            let _ = from_bytes(&with_header(&mangled));
        }
    }

    #[test]
    fn lists_expand_no_further_than_the_header_allows() {
        let payload = &file()[header_len()..];
        let at = header_len() - 12;
        let expanded = u64::from_le_bytes(file()[at..at + 8].try_into().expect("8 bytes"));
        assert!(expanded > 1000, "the bank model has long sorted lists");
        let mut bytes = with_header(payload);
        bytes[at..at + 8].copy_from_slice(&(expanded - 1).to_le_bytes());
        let crc = checksum(WRITER.as_bytes(), expanded - 1, payload);
        bytes[at + 8..at + 12].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(problem(&bytes), ModelFileProblem::Undecodable(_)));
    }

    #[test]
    fn models_that_do_not_hang_together_are_refused() {
        let mut models = trained();
        models.plan.order.reverse();
        let bytes = to_bytes(&models).expect("encode");
        let message = problem(&bytes).to_string();
        assert!(message.contains("needs `accounts`"), "{message}");
    }

    #[test]
    fn doctored_rules_are_refused() {
        use crate::rules::{Col, IntOp, Origin, Rule, RuleKind};
        let column = |models: &Models, table: &str| models.tables[table].columns[0].name.clone();
        let models = trained();
        let (own, parent) = (column(&models, "transactions"), column(&models, "accounts"));
        let rule = |kind: RuleKind| Rule {
            kind,
            support: 10,
            holding: 10,
            origin: Origin::Found,
            gaps: Vec::new(),
        };
        let order = |low: Col| {
            rule(RuleKind::Order {
                low,
                high: Col::Own(own.clone()),
                strict: false,
            })
        };
        let sound = order(Col::Parent {
            table: "accounts".into(),
            column: parent.clone(),
        });
        let doctored = [
            order(Col::Own("no_such_column".into())),
            order(Col::Parent {
                table: "transactions".into(),
                column: own.clone(),
            }),
            rule(RuleKind::Arithmetic {
                target: own.clone(),
                source: own.clone(),
                op: IntOp::Rem,
                divisor: 0,
            }),
            Rule {
                support: usize::MAX,
                ..sound.clone()
            },
        ];
        let mut fine = models.clone();
        fine.tables["transactions"].rules.push(sound);
        from_bytes(&to_bytes(&fine).expect("encode")).expect("a rule on known columns loads");
        for bad in doctored {
            let mut models = models.clone();
            models.tables["transactions"].rules.push(bad.clone());
            let message = problem(&to_bytes(&models).expect("encode")).to_string();
            assert!(message.contains("rule"), "{bad:?}: {message}");
        }
    }

    #[test]
    fn saving_replaces_the_file_atomically() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("sub").join("bank.dxsynth");
        let models = from_bytes(file()).expect("loads").models;
        let size = save(&path, &models).expect("saved");
        assert_eq!(std::fs::read(&path).expect("written"), file());
        assert_eq!(size, file().len() as u64);
        save(&path, &models).expect("saved again");
        let names: Vec<String> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["bank.dxsynth"], "no temporary file is left behind");
        let loaded = load(&path).expect("loads from disk");
        assert_eq!(loaded.models.tables.len(), 2);
    }
}
