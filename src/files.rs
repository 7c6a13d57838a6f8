//! Paths as the operating system resolves them, and input files read with bounds.
//!
//! Why a module of its own: every stage that reads a file given by the user (schema, CSV tables,
//! model files) must refuse what is not a regular file before opening it (`/dev/zero` reads
//! forever, a FIFO blocks forever, a folder fails late), and every stage that writes (output
//! folder, model file, reports) must compare its target with the inputs as the file system sees
//! them (symbolic links, `.`, `..`), not as they are spelt. It imports nothing of the crate.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// What a model file remembers of each file it was trained on: the file's size and the
/// CRC-32 of its first and of its last [`MARKED_BYTES`] (a checksum of fixed definition, so
/// that any build on any machine meets the same file again). `generate` does not know where
/// the real data lives, and given the data folder as its output it replaced every real file
/// with a synthetic one; with the marks it knows a real file when it meets one unchanged,
/// wherever it was copied. A mark cannot give the data back, but it can confirm a guess of a
/// whole small file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMark {
    size: u64,
    head: u32,
    tail: u32,
}

/// How many bytes at each end of a file its [`FileMark`] reads.
const MARKED_BYTES: u64 = 64 * 1024;

impl FileMark {
    /// The mark of the regular file at `path`; `None` when there is none, or it cannot be read.
    pub fn of(path: &Path) -> Option<FileMark> {
        let size = regular_file(path).ok()?;
        let mut file = std::fs::File::open(path).ok()?;
        let length = size.min(MARKED_BYTES);
        let mut ends = vec![0; 2 * length as usize];
        let (head, tail) = ends.split_at_mut(length as usize);
        file.read_exact(head).ok()?;
        file.seek(SeekFrom::Start(size - length)).ok()?;
        file.read_exact(tail).ok()?;
        Some(FileMark {
            size,
            head: crc32fast::hash(head),
            tail: crc32fast::hash(tail),
        })
    }
}

/// Checks that `path` is a regular file (following symbolic links) and returns its size; the
/// error says what it is instead, in words fit for a message: a verb phrase to follow the path
/// or `it` ("does not exist", "is a folder: ..."), never the bare system text.
pub fn regular_file(path: &Path) -> Result<u64, String> {
    let metadata = std::fs::metadata(path).map_err(|err| unreadable(&err))?;
    if metadata.is_file() {
        return Ok(metadata.len());
    }
    let what = if metadata.is_dir() {
        "a folder"
    } else {
        "not a regular file (a device, a FIFO or a socket)"
    };
    Err(format!("is {what}: give the path of a file"))
}

/// Checks that a file written beside `path` may be renamed into its place: nothing is there
/// (or only a dangling link), or a regular file is (following symbolic links). The rename would
/// replace anything else: a device (as root, `/dev/null` itself), a FIFO, a folder.
pub fn replaceable(path: &Path) -> Result<(), String> {
    // Nothing there, or nothing the metadata can be read of: the write itself then says why.
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => regular_file(path).map(|_| ()),
        _ => Ok(()),
    }
}

/// How [`write_replacing`] puts a file in place.
#[derive(Debug, Clone, Copy)]
pub struct Placing<'a> {
    /// The start of the temporary file's name (`.dxsynth-model-`).
    pub prefix: &'a str,
    /// Readable by its owner only (a model file, learned from the real data); otherwise the
    /// mode a new file gets (`rw-rw-rw-` less the umask: a schema, a report), or the mode of
    /// the regular file it replaces.
    pub private: bool,
    /// Whether a file already at the path is replaced; if not, the write fails with
    /// [`std::io::ErrorKind::AlreadyExists`].
    pub replace: bool,
}

/// Writes `bytes` to a new file beside `path` (removed if the process is interrupted
/// meanwhile) and renames it into place: a failed write leaves no half-written file, and a
/// link at `path` (symbolic or hard, say to a real table) is replaced, never written through.
/// For a regular file or none: the caller writes through a device or a FIFO itself.
pub fn write_replacing(path: &Path, bytes: &[u8], placing: Placing<'_>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let replaced = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file);
    let create = || {
        let mut builder = tempfile::Builder::new();
        builder.prefix(placing.prefix);
        if !placing.private {
            shared_mode(&mut builder);
        }
        builder.tempfile_in(dir)
    };
    let (mut file, _registered) = Temporary::create(create, tempfile::NamedTempFile::path)?;
    if let (false, Some(replaced)) = (placing.private, replaced) {
        file.as_file().set_permissions(replaced.permissions())?;
    }
    std::io::Write::write_all(&mut file, bytes)?;
    file.as_file().sync_all()?;
    let placed = if placing.replace {
        file.persist(path)
    } else {
        file.persist_noclobber(path)
    };
    placed.map(|_| ()).map_err(|err| err.error)
}

/// Has a new shared file created with `rw-rw-rw-` less the umask, as `std::fs::write` does
/// (a temporary file is otherwise its owner's only).
#[cfg(unix)]
fn shared_mode(builder: &mut tempfile::Builder<'_, '_>) {
    use std::os::unix::fs::PermissionsExt;
    builder.permissions(std::fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn shared_mode(_builder: &mut tempfile::Builder<'_, '_>) {}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let size = regular_file(path)?;
    if size > limit {
        return Err(format!(
            "is {size} bytes, more than the {limit} bytes such a file can sensibly have"
        ));
    }
    std::fs::read(path).map_err(|err| unreadable(&err))
}

/// Why a path cannot be read, as a verb phrase (see [`regular_file`]).
fn unreadable(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_string(),
        // A component of the path that is a file (`notes.txt/data.csv`).
        std::io::ErrorKind::NotADirectory => {
            "does not exist (a part of its path is a file, not a folder)".to_string()
        }
        _ => format!("cannot be read ({err})"),
    }
}

/// The absolute path the file system would use for `path`, whether it exists or not: the
/// longest existing prefix is canonicalized (symbolic links, `.` and `..` resolved) and the
/// rest is appended with `.` and `..` resolved by name.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return push_lexically(canonical, rest.into_iter().rev());
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            // `..` at the end, or the root: give up on canonical and resolve by name.
            _ => {
                return push_lexically(
                    PathBuf::new(),
                    absolute.components().map(|c| c.as_os_str()),
                );
            }
        }
    }
}

fn push_lexically<'a>(
    mut base: PathBuf,
    parts: impl Iterator<Item = &'a std::ffi::OsStr>,
) -> PathBuf {
    for part in parts {
        match Path::new(part).components().next() {
            None | Some(Component::CurDir) => {}
            Some(Component::ParentDir) => {
                base.pop();
            }
            _ => base.push(part),
        }
    }
    base
}

/// Whether `inner` is `outer` or lies inside it (both resolved).
pub fn is_within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

/// Whether two existing paths name the same file on disk: a hard link is another name for
/// the same file, which no comparison of paths finds (an output written through it would
/// overwrite the real data). Paths that do not both exist are not the same file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Temporary files and folders (staging) that must not outlive an interrupted process.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A temporary path (file or folder) that [`remove_temporaries`] deletes if the process is
/// interrupted while this guard lives. Dropping the guard only forgets the path.
#[derive(Debug)]
pub struct Temporary {
    path: PathBuf,
    /// The path, open and locked while the guard lives (one made by [`Temporary::create`]): a
    /// staging folder nobody holds is one a killed run left ([`remove_stale_staging`]).
    _held: Option<std::fs::File>,
}

impl Temporary {
    /// Registers `path` for removal on interruption.
    pub fn register(path: &Path) -> Temporary {
        temporaries().push(path.to_path_buf());
        Temporary {
            path: path.to_path_buf(),
            _held: None,
        }
    }

    /// Creates a temporary file or folder (`create`; `path` says where it is) and registers it
    /// in one step, the registry locked meanwhile: an interruption comes before it exists or
    /// after it is registered, never in between (when it would be left behind).
    pub fn create<T>(
        create: impl FnOnce() -> std::io::Result<T>,
        path: impl Fn(&T) -> &Path,
    ) -> std::io::Result<(T, Temporary)> {
        let mut list = temporaries();
        let made = create()?;
        let path = path(&made).to_path_buf();
        list.push(path.clone());
        drop(list);
        let held = std::fs::File::open(&path).ok().filter(try_lock);
        Ok((made, Temporary { path, _held: held }))
    }
}

/// Locks an open file or folder for this process (an advisory lock, `flock`, released when the
/// file is closed, by the kernel too when the process is killed), waiting for another holder
/// when `wait`; false when it is not had (held by another, or no `flock`).
fn lock(file: &std::fs::File, wait: bool) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let operation = match wait {
            true => libc::LOCK_EX,
            false => libc::LOCK_EX | libc::LOCK_NB,
        };
        // SAFETY: flock takes a descriptor of a file the caller holds open; it changes no
        // memory of ours.
        unsafe { libc::flock(file.as_raw_fd(), operation) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, wait);
        false
    }
}

/// [`lock`] without waiting.
fn try_lock(file: &std::fs::File) -> bool {
    lock(file, false)
}

/// Waits for the lock of `folder` (see [`lock`]): runs that write beside one another take
/// turns while they swap folders and clear what killed runs left. `None` where it cannot be
/// had (the folder cannot be opened, no `flock`).
pub fn lock_folder(folder: &Path) -> Option<std::fs::File> {
    let file = std::fs::File::open(folder).ok()?;
    lock(&file, true).then_some(file)
}

/// How old a staging folder nobody holds must be to count as left behind: one is locked right
/// after it is made, and must not be taken for stale in between.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Removes the staging folders in `folder` that runs killed before they could clean up left
/// (SIGKILL, an out-of-memory kill, a power cut: a copy of a large database each). A folder
/// counts when its name is one dxsynth gives staging folders and no live run holds it: a
/// `.dxsynth-XXXXXX` folder ([`Temporary::create`] locks its own) that is unlocked and older
/// than [`STALE_AFTER`], or a `.dxsynth-old-...` folder (a previous output moved aside while a
/// run held `folder`'s lock, taken here meanwhile). Returns the folders removed.
pub fn remove_stale_staging(folder: &Path) -> Vec<PathBuf> {
    let Some(_turn) = lock_folder(folder) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_dir() || !(is_staging_name(name) || name.starts_with(".dxsynth-old-")) {
            continue;
        }
        let path = entry.path();
        if is_staging_name(name) && !unheld_and_old(&path) {
            continue;
        }
        if std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// Whether `name` is one a staging folder gets: `.dxsynth-` and six letters or digits.
fn is_staging_name(name: &str) -> bool {
    name.strip_prefix(".dxsynth-")
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether no process holds the folder at `path` and it has not changed for [`STALE_AFTER`].
fn unheld_and_old(path: &Path) -> bool {
    let old = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age >= STALE_AFTER));
    old && std::fs::File::open(path).is_ok_and(|file| try_lock(&file))
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let mut list = temporaries();
        if let Some(index) = list.iter().rposition(|p| p == &self.path) {
            list.remove(index);
        }
    }
}

/// Runs `change` (a group of renames) so that an interruption happens before or after it,
/// never in the middle: [`remove_temporaries`] waits for it. `change` gets the registry, to
/// register what it leaves behind (it must not call [`Temporary::register`]).
pub fn uninterrupted<R>(change: impl FnOnce(&mut Vec<PathBuf>) -> R) -> R {
    change(&mut temporaries())
}

/// Removes every registered temporary path; for a signal handler that ends the process right
/// after. The registry stays locked, so the interrupted work cannot go on renaming meanwhile.
pub fn remove_temporaries() {
    let list = temporaries();
    for path in list.iter() {
        // The interrupted work may still create a file in a folder being removed (between
        // listing it and removing it): try again while the path is there.
        for _ in 0..5 {
            let removed = std::fs::remove_dir_all(path).or_else(|_| std::fs::remove_file(path));
            if removed.is_ok() || std::fs::symlink_metadata(path).is_err() {
                break;
            }
        }
    }
    std::mem::forget(list);
}

/// Whether a file is read as Parquet (by its extension; any other file is CSV).
pub fn is_parquet(path: &Path) -> bool {
    has_extension(path, "parquet")
}

/// Whether a CSV file is read as tab-separated by its name (`.tsv`).
pub fn is_tsv(path: &Path) -> bool {
    has_extension(path, "tsv")
}

/// Whether `path` ends in `.extension`, in any case.
pub fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case(extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_in_place_of_a_link_leaves_the_linked_file_alone() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "a\n1\n").expect("write");
        let (soft, hard) = (dir.path().join("soft.html"), dir.path().join("hard.html"));
        std::os::unix::fs::symlink(&real, &soft).expect("symlink");
        std::fs::hard_link(&real, &hard).expect("hard link");
        for link in [&soft, &hard] {
            let placing = Placing {
                prefix: ".test-",
                private: false,
                replace: true,
            };
            write_replacing(link, b"<html>", placing).expect("written");
            assert_eq!(std::fs::read(link).expect("read"), b"<html>");
        }
        assert_eq!(std::fs::read(&real).expect("read"), b"a\n1\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(left.len(), 3, "no temporary file left beside them");
    }

    #[test]
    fn devices_fifos_and_folders_are_not_regular_files() {
        assert!(regular_file(Path::new("/dev/zero")).is_err());
        assert!(regular_file(Path::new("/")).unwrap_err().contains("folder"));
        let dir = tempfile::tempdir().expect("temporary folder");
        let file = dir.path().join("a.csv");
        std::fs::write(&file, "a\n1\n").expect("write");
        assert_eq!(regular_file(&file), Ok(4));
        assert!(read_bounded(&file, 3).is_err());
    }

    #[test]
    fn a_missing_file_is_said_in_words_that_follow_its_path() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let missing = dir.path().join("missing.yaml");
        assert_eq!(
            read_bounded(&missing, 10),
            Err("does not exist".to_string())
        );
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "x").expect("write");
        let under_file = regular_file(&file.join("a.csv")).unwrap_err();
        assert!(under_file.starts_with("does not exist"), "{under_file}");
    }

    #[test]
    fn resolution_follows_links_and_dots() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let real = dir.path().join("data");
        std::fs::create_dir(&real).expect("mkdir");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let real = resolved(&real);
        assert_eq!(resolved(&link), real);
        assert_eq!(resolved(&real.join("x/../.")), real);
        assert_eq!(resolved(&link.join("new/out")), real.join("new/out"));
        assert!(is_within(&resolved(&link.join("a.csv")), &real));
    }

    /// A folder made `seconds` ago (its modification time set back).
    fn aged_folder(path: &Path, seconds: u64) {
        std::fs::create_dir(path).expect("mkdir");
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
        std::fs::File::open(path)
            .and_then(|folder| folder.set_modified(then))
            .expect("set the time back");
    }

    #[test]
    fn staging_folders_left_by_killed_runs_are_removed_and_no_other() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let at = |name: &str| dir.path().join(name);
        aged_folder(&at(".dxsynth-dead01"), 60);
        aged_folder(&at(".dxsynth-old-42-.dxsynth-dead02"), 60);
        aged_folder(&at(".dxsynth-live01"), 60);
        let held = std::fs::File::open(at(".dxsynth-live01")).expect("open");
        assert!(try_lock(&held), "the live run's lock");
        aged_folder(&at(".dxsynth-new001"), 0);
        aged_folder(&at(".dxsynth-notes"), 60);
        aged_folder(&at("dxsynth-abc123"), 60);
        std::fs::write(at(".dxsynth-file01"), "x").expect("write");
        let mut removed = remove_stale_staging(dir.path());
        removed.sort();
        assert_eq!(
            removed,
            [at(".dxsynth-dead01"), at(".dxsynth-old-42-.dxsynth-dead02")]
        );
        for kept in [
            ".dxsynth-live01",
            ".dxsynth-new001",
            ".dxsynth-notes",
            "dxsynth-abc123",
            ".dxsynth-file01",
        ] {
            assert!(at(kept).exists(), "{kept} is kept");
        }
        // Released, the live run's folder is stale too.
        drop(held);
        assert_eq!(remove_stale_staging(dir.path()), [at(".dxsynth-live01")]);
    }

    #[test]
    fn a_temporary_folder_is_held_while_its_guard_lives() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let create = || {
            tempfile::Builder::new()
                .prefix(".dxsynth-")
                .tempdir_in(dir.path())
        };
        let (staging, guard) = Temporary::create(create, tempfile::TempDir::path).expect("made");
        let other = std::fs::File::open(staging.path()).expect("open");
        assert!(!try_lock(&other), "held by its guard");
        drop(guard);
        assert!(try_lock(&other), "free once the guard is dropped");
    }
}
