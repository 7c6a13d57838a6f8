//! Writing the synthetic tables: one CSV per table, same header and column order as the input,
//! values written as the input wrote them, keys renumbered (given rows, and keys pointing at
//! them, are written as given). [`target`] writes to the other locations (Parquet files, SQLite,
//! PostgreSQL) with the same rule.
//!
//! The output folder is never a mix of two runs: every table is written into a staging folder
//! beside the output folder, the other files of an existing output folder are carried over
//! (hard links, or moved), and the staging folder then takes the output folder's place in two
//! renames (old folder aside, new one in) before the old one is removed. A failure, or SIGINT /
//! SIGTERM (see [`crate::files::remove_temporaries`]), before the swap leaves the output folder
//! as it was and no staging folder behind. An output that is, or holds, an input of the run is
//! refused before any work ([`refuse_inputs`]).

mod csv_rows;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "parquet"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
pub mod target;

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use indexmap::IndexMap;

use self::csv_rows::CsvRows;
use crate::data::{Dialect, Value, ValueWriter, Written};
use crate::direct::DirectWriter;
use crate::error::{Error, Problem, Result};
use crate::files::{self, Temporary};
use crate::generate::SyntheticTable;
use crate::memory::prefetch;

/// The file format of a folder target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileFormat {
    /// `<table>.csv` (`.tsv` for a table read from one), values written as the input wrote
    /// them.
    #[default]
    Csv,
    /// `<table>.parquet`, typed columns, ZSTD compressed.
    Parquet,
}

/// What to do with database tables that already hold rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IfExists {
    /// Refuse (nothing is written).
    #[default]
    Error,
    /// Empty them first, in the same transaction as the load.
    Truncate,
}

impl IfExists {
    /// Whether table `name`, which `has_rows` or not, is to be emptied before it is written;
    /// a refusal when it holds rows that may not be replaced.
    pub fn empties(self, name: &str, has_rows: bool) -> Result<bool, Refusal> {
        match (has_rows, self) {
            (false, _) => Ok(false),
            (true, IfExists::Error) => Err(Refusal::HoldsRows(name.to_string())),
            (true, IfExists::Truncate) => Ok(true),
        }
    }
}

/// A database written as generation makes its tables (parents first), in one transaction
/// committed by [`DatabaseWriter::finish`]; dropped unfinished, it rolls back.
pub trait DatabaseWriter {
    /// Writes the rows of `table`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there); `last` says no part of it follows.
    fn rows(&mut self, table: &SyntheticTable, first_row: usize, last: bool)
    -> Result<(), Refusal>;

    /// Commits what was written.
    fn finish(self: Box<Self>) -> Result<(), Refusal>;
}

/// Why a database writer wrote nothing: a table holding rows it may not replace, or any other
/// failure (the message names the table, and the row when one is to blame).
#[derive(Debug)]
pub enum Refusal {
    /// A table that holds rows it may not replace.
    HoldsRows(String),
    /// Any other failure, said in a sentence.
    Failed(String),
}

impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        Refusal::Failed(message)
    }
}

/// What an output is, for [`refuse_inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A folder files are written into.
    Folder,
    /// One file.
    File,
}

/// Refuses an output that would overwrite an input: a file that resolves to an input file, or
/// a folder that is, or holds, an input (the real data's folder above all). `inputs` are the
/// files the run reads (schema, CSVs, model file). Compared as the file system resolves them,
/// so symbolic links, `.` and `..` do not hide a clash, and a file also by identity, so a hard
/// link to an input does not either. (A hard link inside an output folder is safe: the
/// finished folder takes the old one's place, which unlinks the name, not the input.)
pub fn refuse_inputs(target: &Path, kind: OutputKind, inputs: &[PathBuf]) -> Result<()> {
    let resolved = files::resolved(target);
    let clash = inputs.iter().find(|input| match kind {
        OutputKind::Folder => files::is_within(&files::resolved(input), &resolved),
        OutputKind::File => files::resolved(input) == resolved || files::same_file(input, target),
    });
    let Some(input) = clash else { return Ok(()) };
    let (what, relation) = match kind {
        OutputKind::Folder if files::resolved(input) == resolved => ("folder", "is"),
        OutputKind::Folder => ("folder", "holds"),
        OutputKind::File => ("file", "is"),
    };
    Err(Error::invalid(vec![Problem::general(format!(
        "the output {what} `{}` {relation} the input `{}`: writing there could overwrite or \
         move the real data, so nothing was done; choose another {what}",
        target.display(),
        input.display()
    ))]))
}

/// Checks an output folder before any work: not a file, not a dangling symbolic link.
pub fn check_folder(out_dir: &Path) -> Result<()> {
    let problem = |message: String| Err(Error::invalid(vec![Problem::general(message)]));
    // A folder under a file can never be made; found now, not after the whole job.
    if let Some((above, what)) = blocked_by_a_file(out_dir) {
        return problem(format!(
            "the output folder `{}` cannot be made: `{}` is {what}, not a folder; give an \
             output folder whose path runs through folders only",
            out_dir.display(),
            above.display()
        ));
    }
    let Ok(link) = fs::symlink_metadata(out_dir) else {
        return Ok(()); // created when written
    };
    match fs::metadata(out_dir) {
        Err(_) if link.file_type().is_symlink() => problem(format!(
            "the output folder `{}` is a symbolic link to `{}`, which does not exist: create \
             that folder or give another output folder",
            out_dir.display(),
            fs::read_link(out_dir).unwrap_or_default().display()
        )),
        Ok(metadata) if !metadata.is_dir() => problem(format!(
            "the output folder `{}` exists and is not a folder",
            out_dir.display()
        )),
        Ok(_) if is_mount_point(out_dir) => problem(format!(
            "the output folder `{}` is a mount point (the top of another file system): the \
             finished output takes the folder's place as a whole, which a mount point cannot \
             give up; give a folder inside it, e.g. `{}`",
            out_dir.display(),
            out_dir.join("synthetic").display()
        )),
        Ok(_) if holds_current_folder(out_dir) => problem(format!(
            "the output folder `{}` is (or holds) the current folder: the finished output takes \
             the folder's place as a whole, which would leave this process and its shell in a \
             folder that no longer exists; give a folder inside it",
            out_dir.display()
        )),
        _ => Ok(()),
    }
}

/// Whether the folder `path` is on another file system than the folder above it: renamed
/// aside and replaced at the end, it failed after the whole job with "Invalid cross-device
/// link".
#[cfg(unix)]
fn is_mount_point(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let resolved = files::resolved(path);
    let device = |path: &Path| fs::metadata(path).map(|metadata| metadata.dev());
    match resolved.parent() {
        Some(parent) => matches!((device(&resolved), device(parent)), (Ok(a), Ok(b)) if a != b),
        None => true, // the root folder
    }
}

#[cfg(not(unix))]
fn is_mount_point(_path: &Path) -> bool {
    false
}

/// The first folder above `path` that is not a folder (a file, a device), with what it is: a
/// path under it can never be made.
fn blocked_by_a_file(path: &Path) -> Option<(&Path, &'static str)> {
    path.ancestors().skip(1).find_map(|above| {
        let metadata = fs::metadata(above).ok()?;
        let what = match metadata.is_file() {
            true => "a file",
            false => "a device, a FIFO or a socket",
        };
        (!above.as_os_str().is_empty() && !metadata.is_dir()).then_some((above, what))
    })
}

/// Checks an SQLite output file before any work: its folder can be made (no file on the way)
/// and it is not a folder. Found at the end, after the whole job, these failed with exit 1.
pub fn check_database_file(path: &Path) -> Result<()> {
    let problem = |message: String| Err(Error::invalid(vec![Problem::general(message)]));
    if let Some((above, what)) = blocked_by_a_file(path) {
        return problem(format!(
            "the output database `sqlite:{}` cannot be made: `{}` is {what}, not a folder; give \
             a path that runs through folders only",
            path.display(),
            above.display()
        ));
    }
    match fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => problem(format!(
            "the output database `sqlite:{}` is a folder; give the path of a database file \
             (`sqlite:{}`)",
            path.display(),
            path.join("synthetic.db").display()
        )),
        // `/dev/null`: SQLite failed at the end ("disk I/O error"), leaving a journal beside it.
        Ok(metadata) if !metadata.is_file() => problem(format!(
            "the output database `sqlite:{}` is not a regular file (a device or a pipe); give \
             the path of a database file",
            path.display()
        )),
        _ => Ok(()),
    }
}

/// Whether `dir` is the current folder or one above it (`.`, `..`, its absolute path).
fn holds_current_folder(dir: &Path) -> bool {
    std::env::current_dir()
        .is_ok_and(|current| files::is_within(&files::resolved(&current), &files::resolved(dir)))
}

/// Writes every table as `<out_dir>/<table>.csv` (`.tsv` where [`file_name`] says so); returns
/// the paths written.
pub fn write_all(
    out_dir: &Path,
    tables: &IndexMap<String, SyntheticTable>,
) -> Result<Vec<PathBuf>> {
    write_folder(out_dir, tables, FileFormat::Csv, write_table)
}

/// A table's file in an output folder: `<table>.parquet`, or `<table>.csv`, and `<table>.tsv`
/// for a table whose real file is separated by tabs, so the copy is named as such a file is (a
/// file named `.csv` is loaded as comma-separated) and is read back as it was written.
pub fn file_name(table: &str, format: FileFormat, dialect: &Dialect) -> String {
    let extension = match format {
        FileFormat::Parquet => "parquet",
        FileFormat::Csv if dialect.delimiter == b'\t' => "tsv",
        FileFormat::Csv => "csv",
    };
    format!("{table}.{extension}")
}

/// [`write_table`] as a [`TableWriter`] (the CSV errors name the file already).
pub fn write_csv(_out_dir: &Path, path: &Path, table: &SyntheticTable) -> Result<()> {
    write_table(path, table)
}

/// Writes every table as `<out_dir>/<table>.<extension>` ([`file_name`]) with `write_table`,
/// through one staging folder swapped in whole (the one mechanism for every file format);
/// returns the paths written.
fn write_folder(
    out_dir: &Path,
    tables: &IndexMap<String, SyntheticTable>,
    format: FileFormat,
    write_table: impl Fn(&Path, &SyntheticTable) -> Result<()>,
) -> Result<Vec<PathBuf>> {
    let (target, staging, registered) = open_staging(out_dir)?;
    let file_name = |table: &SyntheticTable| file_name(&table.name, format, &table.dialect);
    for table in tables.values() {
        write_table(&staging.path().join(file_name(table)), table)?;
    }
    let written: HashSet<OsString> = tables.values().map(|t| file_name(t).into()).collect();
    swap_in(staging, &target, &written)?;
    drop(registered);
    Ok(tables
        .values()
        .map(|t| out_dir.join(file_name(t)))
        .collect())
}

/// Checks an output folder and opens the staging folder beside it: the folder to replace (a
/// link to a folder stays a link: the folder it points at is replaced) and the staging folder.
fn open_staging(out_dir: &Path) -> Result<(PathBuf, tempfile::TempDir, Temporary)> {
    check_folder(out_dir)?;
    // A link, or a path through `.` or `..` (`out/sub/..`, which cannot be renamed as such),
    // is swapped at the path the file system resolves it to.
    let indirect = out_dir
        .components()
        .any(|c| matches!(c, Component::CurDir | Component::ParentDir));
    let target =
        if indirect || fs::symlink_metadata(out_dir).is_ok_and(|m| m.file_type().is_symlink()) {
            files::resolved(out_dir)
        } else {
            out_dir.to_path_buf()
        };
    let (staging, registered) = staging_dir(&target)?;
    Ok((target, staging, registered))
}

/// How one table is written as one file.
pub type TableWriter = fn(&Path, &Path, &SyntheticTable) -> Result<()>;

/// A file written from a table's consecutive parts (a table too large to hold comes in parts:
/// see [`crate::generate::Sink::part`]), kept open from the first part to the last.
pub trait PartsFile: Send {
    /// Writes the rows of `part`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there).
    fn rows(&mut self, part: &SyntheticTable, first_row: usize) -> Result<()>;

    /// Closes the file after the last part.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Opens the file a table's parts go to: `(out_dir, path, first part)`, with `out_dir` the
/// output folder errors name.
pub type PartsOpener = fn(&Path, &Path, &SyntheticTable) -> Result<Box<dyn PartsFile>>;

/// How one file format is written as tables are made: a file opened for a table, which then
/// comes whole (one part) or in parts.
#[derive(Clone, Copy)]
pub struct FileWriter {
    /// The files' format, which names them ([`file_name`]).
    pub format: FileFormat,
    /// Opens a table's file.
    pub open: PartsOpener,
}

/// CSV files, as [`FolderWriter`] writes them.
pub const CSV_FILES: FileWriter = FileWriter {
    format: FileFormat::Csv,
    open: open_csv_parts,
};

/// [`PartsOpener`] of CSV files.
fn open_csv_parts(_: &Path, path: &Path, first: &SyntheticTable) -> Result<Box<dyn PartsFile>> {
    Ok(Box::new(CsvFile::create(
        path,
        &first.header,
        first.dialect.delimiter,
    )?))
}

/// A folder written table by table as generation makes them: each table is written into the
/// staging folder on a thread of its own (while the next table is generated), and the staging
/// folder takes the output folder's place in [`FolderWriter::finish`], as with [`write_all`].
/// Dropped unfinished, it leaves the output folder as it was.
pub struct FolderWriter {
    out_dir: PathBuf,
    target: PathBuf,
    format: FileFormat,
    staging: Option<(tempfile::TempDir, Temporary)>,
    sender: Option<SyncSender<Piece>>,
    thread: Option<JoinHandle<Result<()>>>,
    /// The tables queued, with their file names, in the order they came.
    names: Vec<(String, String)>,
    /// Files of tables an existing output folder loses (see [`FolderWriter::drop_tables`]).
    dropped: Vec<String>,
}

/// Pieces that may wait while one is written: memory holds at most this many finished tables
/// or parts beyond what generation keeps. More than one, so that generation goes on making
/// parts while the writer thread copies one into the file alone (the other cores would wait
/// for it otherwise); a part is a few megabytes. Two, with parts of 8,192 rows, made TPC-H sf1
/// as fast as four with parts twice as large, within the noise of alternating runs.
const WAITING_PIECES: usize = 2;

/// What the writer thread is handed: a whole table, or a part of one (its rows from
/// `first_row` on; `last` closes the file).
enum Piece {
    Whole(Arc<SyntheticTable>),
    Part {
        table: Box<SyntheticTable>,
        first_row: usize,
        last: bool,
    },
    /// Answered once every piece before it is written and let go of.
    Settle(SyncSender<()>),
}

impl FolderWriter {
    /// Checks the output folder and opens its staging folder; `files` writes each file.
    pub fn open(out_dir: &Path, files: FileWriter) -> Result<FolderWriter> {
        let format = files.format;
        let (target, staging, registered) = open_staging(out_dir)?;
        let (sender, receiver) = sync_channel::<Piece>(WAITING_PIECES);
        let dir = staging.path().to_path_buf();
        let shown = out_dir.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("dxsynth-writer".into())
            .spawn(move || write_received(&receiver, &shown, &dir, files))
            .map_err(|source| Error::Io {
                context: "cannot start a thread to write",
                path: out_dir.to_path_buf(),
                source,
            })?;
        Ok(FolderWriter {
            out_dir: out_dir.to_path_buf(),
            target,
            format,
            staging: Some((staging, registered)),
            sender: Some(sender),
            thread: Some(thread),
            names: Vec::new(),
            dropped: Vec::new(),
        })
    }

    /// Makes the files of `tables` (of this folder's format) in an existing output folder go
    /// with its previous content instead of being carried over: tables of the same model that
    /// this run does not write, whose keys would point at rows this run numbers afresh.
    pub fn drop_tables(&mut self, tables: &[(String, Dialect)]) {
        let files = tables.iter();
        let files = files.map(|(table, dialect)| file_name(table, self.format, dialect));
        self.dropped.extend(files);
    }

    /// Notes a table as queued, with its file's name.
    fn queued(&mut self, table: &SyntheticTable) {
        let file = file_name(&table.name, self.format, &table.dialect);
        self.names.push((table.name.clone(), file));
    }

    /// Queues a part of a table: its rows from `first_row` on (the first part creates the
    /// file, the `last` one closes it; parts come in order, no other table in between).
    pub fn part(&mut self, table: SyntheticTable, first_row: usize, last: bool) -> Result<()> {
        if first_row == 0 {
            self.queued(&table);
        }
        self.send(Piece::Part {
            table: Box::new(table),
            first_row,
            last,
        })
    }

    /// Waits until every piece queued is written and let go of; fails when writing one failed.
    pub fn settle(&mut self) -> Result<()> {
        let (answer, answered) = sync_channel(1);
        self.send(Piece::Settle(answer))?;
        if answered.recv().is_ok() {
            Ok(())
        } else {
            self.stopped()
        }
    }

    /// Queues one table to be written; fails when writing an earlier table failed.
    pub fn table(&mut self, table: &Arc<SyntheticTable>) -> Result<()> {
        self.queued(table);
        self.send(Piece::Whole(Arc::clone(table)))
    }

    fn send(&mut self, piece: Piece) -> Result<()> {
        let sent = self
            .sender
            .as_ref()
            .is_some_and(|sender| sender.send(piece).is_ok());
        if sent { Ok(()) } else { self.stopped() }
    }

    /// The writer thread stopped early: its error says why.
    fn stopped(&mut self) -> Result<()> {
        self.join().and(Err(Error::Io {
            context: "cannot write",
            path: self.out_dir.clone(),
            source: std::io::Error::other("the writer thread stopped"),
        }))
    }

    /// Waits for every table to be written, then swaps the staging folder in; returns the
    /// path written for each table, in the order the tables came (a parent waiting for its
    /// child's totals comes after it).
    pub fn finish(mut self) -> Result<Vec<(String, PathBuf)>> {
        self.join()?;
        let files = self.names.iter().map(|(_, file)| file);
        let written: HashSet<OsString> = files.chain(&self.dropped).map(OsString::from).collect();
        if let Some((staging, registered)) = self.staging.take() {
            swap_in(staging, &self.target, &written)?;
            drop(registered);
        }
        Ok(self
            .names
            .iter()
            .map(|(name, file)| (name.clone(), self.out_dir.join(file)))
            .collect())
    }

    /// Ends the writer thread (no more tables) and returns its result.
    fn join(&mut self) -> Result<()> {
        drop(self.sender.take());
        match self.thread.take().map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(err))) => Err(err),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for FolderWriter {
    /// The thread ends before the staging folder is removed.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}

/// The writer thread: every table received, into `dir`, until the sender is gone or a write
/// fails (the receiver is then dropped, so the next send fails). Parts go to one CSV file
/// kept open from the first part to the last.
fn write_received(
    receiver: &Receiver<Piece>,
    out_dir: &Path,
    dir: &Path,
    files: FileWriter,
) -> Result<()> {
    let path_of =
        |table: &SyntheticTable| dir.join(file_name(&table.name, files.format, &table.dialect));
    let mut open: Option<Box<dyn PartsFile>> = None;
    for piece in receiver {
        match piece {
            Piece::Whole(table) => {
                let mut file = (files.open)(out_dir, &path_of(&table), &table)?;
                file.rows(&table, 0)?;
                file.finish()?;
            }
            Piece::Part {
                table,
                first_row,
                last,
            } => {
                let mut file = match open.take() {
                    Some(file) => file,
                    None => (files.open)(out_dir, &path_of(&table), &table)?,
                };
                file.rows(&table, first_row)?;
                // Freeing a part's values is a quarter of this thread's work: done on the
                // workers, the next part is written sooner.
                rayon::spawn(move || drop(table));
                if last {
                    file.finish()?;
                } else {
                    open = Some(file);
                }
            }
            // Nothing is held between pieces; a generation that stopped waiting is no error.
            Piece::Settle(answer) => {
                let _ = answer.send(());
            }
        }
    }
    Ok(())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary folder on the same file system as `out_dir` (so moving is a rename), registered
/// for removal on interruption.
fn staging_dir(out_dir: &Path) -> Result<(tempfile::TempDir, Temporary)> {
    let parent = parent_of(out_dir);
    fs::create_dir_all(&parent).map_err(|source| Error::Io {
        context: "cannot create the output folder's parent",
        path: parent.clone(),
        source,
    })?;
    files::remove_stale_staging(&parent);
    let create = || {
        tempfile::Builder::new()
            .prefix(".dxsynth-")
            .tempdir_in(&parent)
    };
    Temporary::create(create, tempfile::TempDir::path).map_err(|source| Error::Io {
        context: "cannot create a temporary folder in",
        path: parent,
        source,
    })
}

/// Puts the staged folder in the place of `target`: the other entries of an existing `target`
/// are carried over first (files hard-linked, the rest moved, and moved back on failure), then
/// `target` is renamed aside, the staged folder renamed in, and the old folder removed.
fn swap_in(staging: tempfile::TempDir, target: &Path, written: &HashSet<OsString>) -> Result<()> {
    // Two runs into one folder at once take turns here: the other's listing of `target`,
    // taken while this one's staging held `target`'s subfolders, deleted them with the folder
    // it moved aside (2 of 150 trials of three runs at once).
    let _turn = files::lock_folder(&parent_of(target));
    let io = |context: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            context,
            path,
            source,
        }
    };
    let old = fs::read_dir(target).ok().map(|entries| {
        entries
            .filter_map(|entry| entry.ok().map(|e| e.file_name()))
            .filter(|name| !written.contains(name))
            .collect::<Vec<OsString>>()
    });
    let aside = parent_of(target).join(format!(
        ".dxsynth-old-{}-{}",
        std::process::id(),
        staging
            .path()
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let staged = staging.path().to_path_buf();
    let previous = fs::metadata(target).ok();
    let swapped = files::uninterrupted(|temporaries| {
        let Some(old) = &old else {
            return fs::rename(&staged, target).map_err(io("cannot move the output into", target));
        };
        let mut moved = Vec::new();
        let carried = carry_over(target, &staged, old, &mut moved)
            .map_err(io(
                "cannot carry the other files of the output folder over from",
                target,
            ))
            .and_then(|()| {
                fs::rename(target, &aside)
                    .map_err(io("cannot move the previous output folder aside:", target))
            })
            .and_then(|()| match fs::rename(&staged, target) {
                Ok(()) => Ok(()),
                Err(source) => {
                    drop(fs::rename(&aside, target));
                    Err(io("cannot move the output into", target)(source))
                }
            });
        if carried.is_err() {
            for name in moved.iter().rev() {
                drop(fs::rename(staged.join(name), target.join(name)));
            }
        } else {
            temporaries.push(aside.clone());
        }
        carried
    });
    match swapped {
        Ok(()) => {
            // The staging folder is the output folder now: nothing to remove.
            let _kept = staging.keep();
            if let Some(previous) = &previous {
                keep_access(target, previous);
            }
            if old.is_some() {
                drop(fs::remove_dir_all(&aside));
                files::uninterrupted(|temporaries| temporaries.retain(|p| p != &aside));
            }
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// Gives the output folder swapped in the access the folder it replaced had: its mode (a private `0700`,
/// a shared group's setgid bit) and, where the process may, its owner and group. A new folder
/// had the default mode: a private output folder came back readable by everyone, its kept
/// tables (real rows) with it. Where the process may not, the folder keeps what it has.
fn keep_access(staged: &Path, previous: &fs::Metadata) {
    // The owner first: a change of owner clears the setgid bit the mode then sets.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = fs::metadata(staged).ok();
        if now.is_some_and(|m| (m.uid(), m.gid()) != (previous.uid(), previous.gid())) {
            let owner = (Some(previous.uid()), Some(previous.gid()));
            drop(std::os::unix::fs::chown(staged, owner.0, owner.1));
        }
    }
    drop(fs::set_permissions(staged, previous.permissions()));
}

/// Hard-links (or, failing that, moves) the entries `names` of `from` into `into`; records the
/// moved ones so a failure can move them back.
fn carry_over(
    from: &Path,
    into: &Path,
    names: &[OsString],
    moved: &mut Vec<OsString>,
) -> std::io::Result<()> {
    for name in names {
        let source = from.join(name);
        let is_file = fs::symlink_metadata(&source).is_ok_and(|m| m.file_type().is_file());
        if is_file && fs::hard_link(&source, into.join(name)).is_ok() {
            continue;
        }
        fs::rename(&source, into.join(name))?;
        moved.push(name.clone());
    }
    Ok(())
}

fn write_table(path: &Path, table: &SyntheticTable) -> Result<()> {
    let mut file = CsvFile::create(path, &table.header, table.dialect.delimiter)?;
    file.rows(table, 0)?;
    file.finish()
}

/// A CSV file written in parts (a table too large to hold comes in consecutive parts). Rows
/// are formatted stretch by stretch ([`CsvRows`], as `csv::Writer` would write them), and each
/// stretch's text is written to the file at once.
struct CsvFile {
    path: PathBuf,
    /// Past the page cache: the output is written once and not read back.
    file: DirectWriter,
    /// Rows formatted and not yet written: written while the next rows are formatted.
    formatted: Vec<CsvRows>,
}

impl CsvFile {
    /// Creates the file and writes its header, its fields separated by `delimiter`.
    fn create(path: &Path, header: &[String], delimiter: u8) -> Result<CsvFile> {
        let file = fs::File::create(path)
            .and_then(DirectWriter::new)
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source: source.into(),
            })?;
        let mut text = CsvRows::with_room(delimiter, 0);
        for name in header {
            text.field(name.as_bytes());
        }
        text.end_row();
        let mut file = CsvFile {
            path: path.to_path_buf(),
            file,
            formatted: Vec::new(),
        };
        file.write(&text.bytes)?;
        Ok(file)
    }

    /// Writes the rows of `table`, the first of which is row `first_row` of the whole table
    /// (primary keys count on from there). Stretches of rows are formatted on every core at
    /// once (formatting is most of writing; one thread could not keep up with generation) and
    /// written in order, so the bytes are those of formatting row by row. The rows formatted
    /// before are written while these are formatted (also across a table's parts): written
    /// in turn, the cores waited for the file while it took each stretch.
    fn rows(&mut self, table: &SyntheticTable, first_row: usize) -> Result<()> {
        use rayon::prelude::*;
        let sources: Vec<Source<'_>> = table
            .header
            .iter()
            .map(|name| source_of(table, name))
            .collect();
        let stretches: Vec<Range<usize>> = (0..table.rows)
            .step_by(FORMAT_ROWS)
            .map(|start| start..(start + FORMAT_ROWS).min(table.rows))
            .collect();
        for group in stretches.chunks(FORMAT_AT_ONCE) {
            let waiting = std::mem::take(&mut self.formatted);
            let (texts, written) = rayon::join(
                || {
                    group
                        .par_iter()
                        .map(|rows| format_rows(table, &sources, rows.clone(), first_row))
                        .collect::<Vec<Result<CsvRows>>>()
                },
                || self.write_formatted(&waiting),
            );
            written?;
            // The first stretch that cannot be written is named, whatever the thread count.
            self.formatted = texts.into_iter().collect::<Result<_>>()?;
        }
        Ok(())
    }

    /// Writes rows formatted earlier, in order.
    fn write_formatted(&mut self, texts: &[CsvRows]) -> Result<()> {
        texts.iter().try_for_each(|text| self.write(&text.bytes))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write as _;
        self.file.write_all(bytes).map_err(|source| Error::Write {
            path: self.path.clone(),
            source: source.into(),
        })
    }

    /// Ends the file: writes the rows formatted last.
    fn finish(mut self) -> Result<()> {
        let waiting = std::mem::take(&mut self.formatted);
        self.write_formatted(&waiting)?;
        let path = self.path;
        self.file.finish().map_err(|source| Error::Write {
            path,
            source: source.into(),
        })?;
        Ok(())
    }
}

/// Rows formatted together by one thread.
const FORMAT_ROWS: usize = 2048;

/// Stretches of [`FORMAT_ROWS`] formatted at once: bounds the text held before it is written
/// (twice this many stretches: those written while these are formatted). Two per core; at 16,
/// formatting a whole `orders` of TPC-H sf0.01 scaled ten times held 25 MB of text.
const FORMAT_AT_ONCE: usize = 4;

/// The bytes a field is guessed to take, its comma included (TPC-H's average is about 8):
/// room made for a stretch's text at once, instead of growing it by copying a dozen times.
const GUESSED_FIELD_BYTES: usize = 9;

/// The CSV text of `rows` of `table` (`first_row` its first row in the whole table), or the
/// problem of the first value that cannot be written.
fn format_rows(
    table: &SyntheticTable,
    sources: &[Source<'_>],
    rows: Range<usize>,
    first_row: usize,
) -> Result<CsvRows> {
    let room = rows.len() * sources.len() * GUESSED_FIELD_BYTES;
    let mut text = CsvRows::with_room(table.dialect.delimiter, room);
    let otherwise = table.dialect.writes_numbers_otherwise();
    for row in rows {
        for source in sources {
            source.prefetch(row);
        }
        for (column, (source, name)) in sources.iter().zip(&table.header).enumerate() {
            source.write(row, first_row, &mut text).map_err(|message| {
                Error::invalid(vec![Problem::column(&table.name, name, "format", message)])
            })?;
            if otherwise {
                let commas = table.dialect.decimal_comma(column);
                match table.dialect.thousands(column) {
                    Some(separator) => text.group_thousands(separator, commas),
                    None if commas => text.decimal_comma(),
                    None => {}
                }
                if let Some(affixes) = table.dialect.affixes(column) {
                    text.affix(&affixes.prefix, &affixes.suffix);
                }
                if let Some(word) = table.dialect.null_word(column) {
                    text.fill_empty(word.as_bytes());
                }
            }
        }
        text.end_row();
    }
    Ok(text)
}

impl PartsFile for CsvFile {
    fn rows(&mut self, part: &SyntheticTable, first_row: usize) -> Result<()> {
        CsvFile::rows(self, part, first_row)
    }

    fn finish(self: Box<Self>) -> Result<()> {
        CsvFile::finish(*self)
    }
}

/// Where the values of one output column come from.
enum Source<'a> {
    Text(&'a [String]),
    PrimaryKey,
    ForeignKey(&'a [Option<usize>]),
    Column(&'a [Value], ValueWriter),
    Missing,
}

/// How many rows ahead of the one written [`Source::prefetch`] asks for the fields' text; the
/// values themselves are asked for twice as far ahead (their text's place is read from them).
const PREFETCH_ROWS: usize = 8;

impl Source<'_> {
    /// Asks the processor to load what writing a later row will read: the value
    /// [`PREFETCH_ROWS`] rows after `row` twice over, and the text of a label or a text field
    /// that many rows after it. A row's fields sit in as many arrays as the table has columns
    /// (and a label's text elsewhere again): read as they are written, each was a wait on
    /// memory. A hint only: it changes no byte.
    fn prefetch(&self, row: usize) {
        let (near, far) = (row + PREFETCH_ROWS, row + 2 * PREFETCH_ROWS);
        match self {
            Source::Column(values, _) => {
                prefetch(values.get(far));
                if let Some(Value::Label(label)) = values.get(near) {
                    prefetch(label.as_bytes().first());
                }
            }
            Source::Text(text) => {
                prefetch(text.get(near).and_then(|text| text.as_bytes().first()));
            }
            Source::PrimaryKey | Source::ForeignKey(_) | Source::Missing => {}
        }
    }

    /// Writes the field of `row`: keys by their digits, values as [`ValueWriter`] writes them
    /// (as [`crate::data::ValueFormat::try_write`] does), or says why the value cannot be
    /// written.
    fn write(&self, row: usize, first_row: usize, out: &mut CsvRows) -> Result<(), String> {
        let mut numbers = itoa::Buffer::new();
        match self {
            Source::Text(text) => out.field(text[row].as_bytes()),
            Source::PrimaryKey => out.plain_field(numbers.format(first_row + row + 1).as_bytes()),
            Source::ForeignKey(parents) => match parents[row] {
                Some(parent) => out.plain_field(numbers.format(parent + 1).as_bytes()),
                None => out.plain_field(b""),
            },
            Source::Column(values, writer) => {
                out.start_field();
                if writer.write(&values[row], &mut out.bytes)? == Written::Text {
                    out.end_field();
                }
            }
            Source::Missing => out.plain_field(b""),
        }
        Ok(())
    }
}

fn source_of<'a>(table: &'a SyntheticTable, name: &str) -> Source<'a> {
    if let Some(text) = table.text.get(name) {
        return Source::Text(text);
    }
    if table.primary_key.as_deref() == Some(name) {
        return Source::PrimaryKey;
    }
    if let Some(parents) = table.foreign_keys.get(name) {
        return Source::ForeignKey(parents);
    }
    table
        .columns
        .iter()
        .find(|column| column.name == name)
        .map_or(Source::Missing, |column| {
            Source::Column(&column.values, ValueWriter::new(&column.format))
        })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Column, Value, ValueFormat};
    use crate::schema::ColumnKind;

    /// A mount point is refused as an output folder before any work; a folder is not.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_mount_point_is_no_output_folder() {
        let folder = tempfile::tempdir().expect("temp dir");
        assert!(!is_mount_point(folder.path()));
        assert!(check_folder(folder.path()).is_ok());
        // `/proc` is a file system of its own wherever Linux runs.
        if Path::new("/proc/self").exists() {
            assert!(is_mount_point(Path::new("/proc")));
            let message = check_folder(Path::new("/proc"))
                .err()
                .map(|e| e.to_string());
            assert!(
                message
                    .as_deref()
                    .is_some_and(|m| m.contains("mount point")),
                "{message:?}"
            );
        }
        assert!(is_mount_point(Path::new("/")), "the root folder");
    }

    fn column(name: &str, format: ValueFormat, values: Vec<Value>) -> Column {
        Column {
            name: name.to_string(),
            kind: ColumnKind::Numerical,
            format,
            values,
        }
    }

    /// A table of every kind of source, with awkward text and values.
    fn awkward() -> SyntheticTable {
        let label = |text: &str| Value::Label(Arc::from(text));
        let rows = 6;
        let cycle = |values: Vec<Value>| -> Vec<Value> {
            (0..rows)
                .map(|i| values[i % values.len()].clone())
                .collect()
        };
        SyntheticTable {
            name: "t".into(),
            header: [
                "id", "parent", "given", "n", "x", "at", "when", "flag", "word", "gone",
            ]
            .map(String::from)
            .to_vec(),
            dialect: Default::default(),
            primary_key: Some("id".into()),
            rows,
            columns: vec![
                column(
                    "n",
                    ValueFormat::Integer,
                    cycle(vec![Value::Number(-2.5), Value::Null, Value::Number(1e19)]),
                ),
                column(
                    "x",
                    ValueFormat::Decimal {
                        min_places: 1,
                        max_places: 3,
                    },
                    cycle(vec![
                        Value::Number(-0.0001),
                        Value::Number(2.0625),
                        label("n/a"),
                    ]),
                ),
                column(
                    "at",
                    ValueFormat::Datetime {
                        pattern: "%Y-%m-%d %H:%M:%S".into(),
                        date_only: false,
                        offset: None,
                        upper: false,
                    },
                    cycle(vec![Value::Number(-1.5), Value::Number(1e9)]),
                ),
                column(
                    "when",
                    ValueFormat::Datetime {
                        pattern: "%b %e, %Y".into(),
                        date_only: true,
                        offset: Some(3600),
                        upper: false,
                    },
                    cycle(vec![Value::Number(0.0), Value::Null]),
                ),
                column(
                    "flag",
                    ValueFormat::Boolean {
                        yes: "Yes".into(),
                        no: "No".into(),
                    },
                    cycle(vec![Value::Flag(true), Value::Flag(false), Value::Null]),
                ),
                column(
                    "word",
                    ValueFormat::Verbatim,
                    cycle(vec![
                        label("a \"b\", c"),
                        label("line\nbreak"),
                        label(""),
                        label("plain"),
                    ]),
                ),
            ],
            foreign_keys: [("parent".to_string(), cycle_keys(rows))]
                .into_iter()
                .collect(),
            text: [(
                "given".to_string(),
                (0..rows)
                    .map(|i| ["x,y", "", "\r", "q\""][i % 4].to_string())
                    .collect(),
            )]
            .into_iter()
            .collect(),
        }
    }

    fn cycle_keys(rows: usize) -> Vec<Option<usize>> {
        (0..rows).map(|i| (i % 3 != 1).then_some(i * 7)).collect()
    }

    /// The table as `csv::Writer` writes the text `try_write` gives (how it was written before).
    fn by_csv_writer(table: &SyntheticTable, first_row: usize) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&table.header).unwrap();
        for row in 0..table.rows {
            let record: Vec<String> = table
                .header
                .iter()
                .map(|name| match source_of(table, name) {
                    Source::Text(text) => text[row].clone(),
                    Source::PrimaryKey => (first_row + row + 1).to_string(),
                    Source::ForeignKey(keys) => {
                        keys[row].map_or(String::new(), |k| (k + 1).to_string())
                    }
                    Source::Column(_, _) => {
                        let column = table.columns.iter().find(|c| &c.name == name).unwrap();
                        column.format.try_write(&column.values[row]).unwrap()
                    }
                    Source::Missing => String::new(),
                })
                .collect();
            writer.write_record(&record).unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn tables_are_written_as_the_csv_crate_wrote_them() {
        let dir = tempfile::tempdir().unwrap();
        let table = awkward();
        let path = dir.path().join("t.csv");
        write_table(&path, &table).unwrap();
        let written = fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&by_csv_writer(&table, 0))
        );
        // In parts: keys count on, the header once.
        let mut file = CsvFile::create(&path, &table.header, b',').unwrap();
        file.rows(&table, 0).unwrap();
        file.rows(&table, table.rows).unwrap();
        file.finish().unwrap();
        let mut expected = by_csv_writer(&table, 0);
        let second = by_csv_writer(&table, table.rows);
        let header_end = second.iter().position(|&b| b == b'\n').unwrap() + 1;
        expected.extend_from_slice(&second[header_end..]);
        assert_eq!(
            String::from_utf8_lossy(&fs::read(&path).unwrap()),
            String::from_utf8_lossy(&expected)
        );
    }

    #[test]
    fn a_value_out_of_its_format_names_table_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let mut table = awkward();
        table.columns[2].values[4] = Value::Number(1e20);
        let err = write_table(&dir.path().join("t.csv"), &table).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Invalid(_)), "{message}");
        assert!(
            message.contains("`t`")
                && message.contains("`at`")
                && message.contains("out of the datetime range"),
            "{message}"
        );
    }

    /// Once settled, the writer holds none of the tables handed to it (generation then frees
    /// their unread columns) and has written each in full.
    #[test]
    fn a_settled_writer_has_let_go_of_every_table() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut writer = FolderWriter::open(&out, CSV_FILES).unwrap();
        let tables: Vec<Arc<SyntheticTable>> = (0..3)
            .map(|i| {
                let mut table = awkward();
                table.name = format!("t{i}");
                Arc::new(table)
            })
            .collect();
        for table in &tables {
            writer.table(table).unwrap();
        }
        writer.settle().unwrap();
        assert!(tables.iter().all(|table| Arc::strong_count(table) == 1));
        let written = writer.finish().unwrap();
        assert_eq!(written.len(), 3);
        let expected = by_csv_writer(&tables[2], 0);
        assert_eq!(fs::read(out.join("t2.csv")).unwrap(), expected);
    }

    /// A file that cannot take the text (a full disk) fails the table, naming its file,
    /// whether it fails at once or later.
    #[test]
    fn a_file_that_cannot_take_the_text_fails_the_table() {
        let full = Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let table = awkward();
        let err = write_table(full, &table).expect_err("no room on /dev/full");
        assert!(matches!(err, Error::Write { .. }), "{err}");
        assert!(err.to_string().contains("/dev/full"), "{err}");
        let written = CsvFile::create(full, &table.header, b',').and_then(|mut file| {
            (0..64).try_for_each(|part| file.rows(&table, part * table.rows))?;
            file.finish()
        });
        assert!(matches!(written, Err(Error::Write { .. })), "{written:?}");
    }
}
