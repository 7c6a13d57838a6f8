//! Large files written once, and read back once, past the operating system's page cache
//! (`O_DIRECT` on Linux). Generation writes gigabytes it never reads again (the output) and a
//! temporary file it reads once (the spill of a large table). Through the page cache, every byte
//! was copied into a page the kernel first had to find and clear (on a virtual machine, often a
//! page the host had to supply again): about a tenth of the CPU time of generating TPC-H sf1,
//! and the user's cache evicted for data nobody reads. Here the bytes go from one reused,
//! aligned block straight to the disk.
//!
//! A file system that refuses direct transfers (tmpfs before Linux 6.6, some network or FUSE
//! file systems, any other system than Linux) gets the same bytes through the page cache: the
//! flag is dropped at the first refusal, and nothing else changes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Direct transfers start and end on this boundary, in memory and in the file (the largest
/// logical block size of common disks, a multiple of every smaller one).
const ALIGN: usize = 4096;

/// The bytes moved at once: large enough that a transfer's fixed cost (direct transfers wait
/// for the disk) is small beside its length.
const BLOCK: usize = 4 << 20;

/// A buffer of [`BLOCK`] bytes starting on an [`ALIGN`] boundary (inside a vector a little
/// longer, so no allocation of a special alignment is needed).
struct Aligned {
    buffer: Vec<u8>,
    start: usize,
}

impl Aligned {
    fn new() -> Aligned {
        let buffer = vec![0u8; BLOCK + ALIGN];
        let start = buffer.as_ptr().align_offset(ALIGN).min(ALIGN);
        Aligned { buffer, start }
    }

    /// A placeholder holding no room (taken by nothing, never filled).
    fn empty() -> Aligned {
        Aligned {
            buffer: Vec::new(),
            start: 0,
        }
    }

    fn has_room(&self) -> bool {
        !self.buffer.is_empty()
    }

    fn block(&self) -> &[u8] {
        &self.buffer[self.start..self.start + BLOCK]
    }

    fn block_mut(&mut self) -> &mut [u8] {
        &mut self.buffer[self.start..self.start + BLOCK]
    }
}

/// Asks for direct transfers on `file`, or stops asking (`on` false); whether the file now
/// transfers directly.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is an open descriptor `file` owns for the duration of both calls; F_GETFL
    // and F_SETFL read and set its status flags and touch no memory of the process.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            return false;
        }
        let wanted = if on {
            flags | libc::O_DIRECT
        } else {
            flags & !libc::O_DIRECT
        };
        libc::fcntl(fd, libc::F_SETFL, wanted) == 0 && on
    }
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, _on: bool) -> bool {
    false
}

/// Whether `err` is a file system's refusal of a direct transfer (rather than a failure that
/// would also happen through the page cache).
fn refused(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINVAL)
}

/// Bytes of a [`DirectWriter`] or [`DirectReader`] in the hands of its disk thread, or coming
/// back from it: at most this many blocks besides the one being filled or read.
const IN_FLIGHT: usize = 2;

/// The disk thread of a [`DirectWriter`]: writes the blocks in the order they come.
struct Sink {
    file: File,
    /// Bytes written to the file.
    written: u64,
    direct: bool,
}

impl Sink {
    /// Writes the first `filled` bytes of `block`, padded to [`ALIGN`] when direct (the
    /// padding is cut off again by [`Sink::finish`]; only the last block has any).
    fn write(&mut self, block: &mut Aligned, filled: usize) -> io::Result<()> {
        let length = if self.direct {
            filled.next_multiple_of(ALIGN)
        } else {
            filled
        };
        block.block_mut()[filled..length].fill(0);
        let bytes = &block.block()[..length];
        match self.file.write_all_at(bytes, self.written) {
            Err(err) if self.direct && refused(&err) => {
                self.direct = set_direct(&self.file, false);
                self.file.write_all_at(&bytes[..filled], self.written)?;
            }
            result => result?,
        }
        self.written += filled as u64;
        Ok(())
    }

    /// Cuts off the last block's padding; the file, positioned at its end and written through
    /// the page cache from there on.
    fn finish(mut self) -> io::Result<File> {
        if self.direct {
            set_direct(&self.file, false);
            self.file.set_len(self.written)?;
        }
        use std::io::Seek as _;
        self.file.seek(io::SeekFrom::End(0))?;
        Ok(self.file)
    }
}

/// Writes a new file front to back past the page cache. Full blocks go to a thread of the
/// writer's own, which waits for the disk (a direct transfer returns when the disk has the
/// bytes) while the caller fills the next block: no core waits, and none spins waiting for a
/// core that waits. [`DirectWriter::finish`] writes the last bytes and returns the file:
/// dropped without it, the file lacks its tail.
pub struct DirectWriter {
    block: Aligned,
    /// Bytes of `block` given and not yet handed to the disk thread.
    filled: usize,
    full: Option<SyncSender<(Aligned, usize)>>,
    empty: Receiver<Aligned>,
    disk: Option<JoinHandle<io::Result<File>>>,
}

impl DirectWriter {
    /// Writes `file` (new and empty: writing starts at its start) past the page cache where
    /// its file system allows; fails when the system has no thread to give.
    pub fn new(file: File) -> io::Result<DirectWriter> {
        let direct = set_direct(&file, true);
        DirectWriter::starting(file, direct)
    }

    /// A writer of `file`, whose transfers are direct if `direct` says so.
    fn starting(file: File, direct: bool) -> io::Result<DirectWriter> {
        let (full, blocks) = sync_channel::<(Aligned, usize)>(IN_FLIGHT);
        let (give_back, empty) = sync_channel(IN_FLIGHT + 1);
        for _ in 0..IN_FLIGHT {
            // Room the disk thread sends blocks back to: cannot be full.
            let _ = give_back.send(Aligned::new());
        }
        let disk = std::thread::Builder::new()
            .name("dxsynth-write".to_string())
            .spawn(move || {
                let mut sink = Sink {
                    file,
                    written: 0,
                    direct,
                };
                for (mut block, filled) in blocks {
                    sink.write(&mut block, filled)?;
                    // The writer may be gone (dropped after a failure elsewhere).
                    let _ = give_back.send(block);
                }
                sink.finish()
            })?;
        Ok(DirectWriter {
            block: Aligned::new(),
            filled: 0,
            full: Some(full),
            empty,
            disk: Some(disk),
        })
    }

    /// Hands the block filled to the disk thread and takes an empty one.
    fn hand_over(&mut self) -> io::Result<()> {
        let Ok(empty) = self.empty.recv() else {
            return Err(self.failure());
        };
        let block = std::mem::replace(&mut self.block, empty);
        let filled = std::mem::take(&mut self.filled);
        let sent = self.full.as_ref().map(|full| full.send((block, filled)));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.failure()),
        }
    }

    /// Why the disk thread stopped before it was told to.
    fn failure(&mut self) -> io::Error {
        match self.end() {
            Err(err) => err,
            Ok(_) => io::Error::other("the thread writing the file stopped"),
        }
    }

    /// Tells the disk thread that no more blocks come and waits for it: the file, or why the
    /// thread stopped.
    fn end(&mut self) -> io::Result<File> {
        self.full = None;
        match self.disk.take().map(JoinHandle::join) {
            Some(Ok(written)) => written,
            _ => Err(io::Error::other("the thread writing the file stopped")),
        }
    }

    /// Writes what is left and cuts the file to the bytes given; the file, positioned at its
    /// end and written through the page cache from there on.
    pub fn finish(mut self) -> io::Result<File> {
        if self.filled > 0 {
            let block = std::mem::replace(&mut self.block, Aligned::empty());
            let sent = self
                .full
                .as_ref()
                .map(|full| full.send((block, self.filled)));
            if !matches!(sent, Some(Ok(()))) {
                return Err(self.failure());
            }
        }
        self.end()
    }
}

impl Write for DirectWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let taken = bytes.len().min(BLOCK - self.filled);
        self.block.block_mut()[self.filled..self.filled + taken].copy_from_slice(&bytes[..taken]);
        self.filled += taken;
        if self.filled == BLOCK {
            self.hand_over()?;
        }
        Ok(taken)
    }

    /// Writing waits for nothing but a full block: bytes given are written by
    /// [`DirectWriter::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The disk thread of a [`DirectReader`]: reads the file's blocks in order.
struct Source {
    file: File,
    /// Where the next transfer starts in the file.
    offset: u64,
    length: u64,
    direct: bool,
}

impl Source {
    /// Reads the next block into `block`; how many bytes (0 at the end).
    fn read(&mut self, block: &mut Aligned) -> io::Result<usize> {
        let left = self.length.saturating_sub(self.offset);
        let wanted = usize::try_from(left).map_or(BLOCK, |left| left.min(BLOCK));
        if wanted == 0 {
            return Ok(0);
        }
        // A direct transfer reads whole aligned blocks; the bytes past `length` are not used.
        let asked = if self.direct {
            wanted.next_multiple_of(ALIGN)
        } else {
            wanted
        };
        let read = match self
            .file
            .read_at(&mut block.block_mut()[..asked], self.offset)
        {
            Err(err) if self.direct && refused(&err) => {
                self.direct = set_direct(&self.file, false);
                self.file
                    .read_at(&mut block.block_mut()[..wanted], self.offset)?
            }
            result => result?,
        };
        let read = read.min(wanted);
        // A short transfer leaves the next one unaligned: the rest goes through the page cache.
        if self.direct && read % ALIGN != 0 && read < wanted {
            self.direct = set_direct(&self.file, false);
        }
        self.offset += read as u64;
        Ok(read)
    }
}

/// Reads the first `length` bytes of a file front to back past the page cache. A thread of the
/// reader's own reads the next blocks while the caller reads this one (as the page cache reads
/// ahead).
pub struct DirectReader {
    block: Aligned,
    /// The bytes of `block` not yet handed out.
    start: usize,
    end: usize,
    /// Bytes handed out, and the bytes the file should give.
    given: u64,
    length: u64,
    full: Receiver<io::Result<(Aligned, usize)>>,
    empty: SyncSender<Aligned>,
}

impl DirectReader {
    /// Reads `file` from its start, `length` bytes of it; fails when the system has no thread
    /// to give.
    pub fn new(file: File, length: u64) -> io::Result<DirectReader> {
        let direct = set_direct(&file, true);
        DirectReader::starting(file, length, direct)
    }

    /// A reader of `file`, whose transfers are direct if `direct` says so.
    fn starting(file: File, length: u64, direct: bool) -> io::Result<DirectReader> {
        let (give, full) = sync_channel(IN_FLIGHT + 1);
        let (empty, blocks) = sync_channel::<Aligned>(IN_FLIGHT + 1);
        for _ in 0..IN_FLIGHT {
            // Room for the blocks in flight: cannot be full.
            let _ = empty.send(Aligned::new());
        }
        std::thread::Builder::new()
            .name("dxsynth-read".to_string())
            .spawn(move || {
                let mut source = Source {
                    file,
                    offset: 0,
                    length,
                    direct,
                };
                // Ends with the file, at the first failure, or when the reader is dropped.
                for mut block in blocks {
                    let read = source.read(&mut block);
                    let more = matches!(read, Ok(read) if read > 0);
                    if give.send(read.map(|read| (block, read))).is_err() || !more {
                        return;
                    }
                }
            })?;
        Ok(DirectReader {
            block: Aligned::empty(),
            start: 0,
            end: 0,
            given: 0,
            length,
            full,
            empty,
        })
    }

    /// Takes the next block from the disk thread; 0 at the end.
    fn next_block(&mut self) -> io::Result<usize> {
        if self.given >= self.length {
            return Ok(0);
        }
        let (block, read) = match self.full.recv() {
            Ok(Ok((_, 0))) | Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file ended before the bytes written to it",
                ));
            }
            Ok(read) => read?,
        };
        let used = std::mem::replace(&mut self.block, block);
        if used.has_room() {
            // The disk thread may have ended (at the end of the file): the block is not needed.
            let _ = self.empty.send(used);
        }
        self.start = 0;
        self.end = read;
        Ok(read)
    }
}

impl Read for DirectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end && self.next_block()? == 0 {
            return Ok(0);
        }
        let taken = out.len().min(self.end - self.start);
        out[..taken].copy_from_slice(&self.block.block()[self.start..self.start + taken]);
        self.start += taken;
        self.given += taken as u64;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Bytes that differ from position to position, so a block written twice, out of place or
    /// with its padding left in shows.
    fn bytes(length: usize, seed: u64) -> Vec<u8> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..length).map(|_| rng.random()).collect()
    }

    /// How a test's transfers go: as the file system allows (direct here when it takes them),
    /// forced through the page cache (a file system that refuses), or padded to whole blocks
    /// as direct transfers are, whatever the file system does.
    const MODES: [Option<bool>; 3] = [None, Some(false), Some(true)];

    fn writer(path: &std::path::Path, mode: Option<bool>) -> DirectWriter {
        let file = File::create(path).unwrap();
        match mode {
            None => DirectWriter::new(file),
            Some(direct) => DirectWriter::starting(file, direct),
        }
        .unwrap()
    }

    fn reader(path: &std::path::Path, length: u64, mode: Option<bool>) -> DirectReader {
        let file = File::open(path).unwrap();
        match mode {
            None => DirectReader::new(file, length),
            Some(direct) => DirectReader::starting(file, length, direct),
        }
        .unwrap()
    }

    /// Writes `pieces` one after another, then a byte through the file returned, and returns
    /// the file's bytes as the system reads them, and as a reader reads them back.
    fn round_trip(pieces: &[Vec<u8>], mode: Option<bool>) -> (Vec<u8>, Vec<u8>) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("file");
        let mut writer = writer(&path, mode);
        for piece in pieces {
            writer.write_all(piece).unwrap();
        }
        let mut file = writer.finish().unwrap();
        file.write_all(b"!").unwrap();
        let written = std::fs::read(&path).unwrap();
        let mut read = Vec::new();
        reader(&path, written.len() as u64, mode)
            .read_to_end(&mut read)
            .unwrap();
        (written, read)
    }

    #[test]
    fn a_file_holds_exactly_the_bytes_written_whatever_their_lengths() {
        let lengths = [
            0,
            1,
            ALIGN - 1,
            ALIGN,
            ALIGN + 1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 7,
        ];
        for mode in MODES {
            for (seed, &length) in lengths.iter().enumerate() {
                let pieces = vec![bytes(length, seed as u64), bytes(333, 99)];
                let expected: Vec<u8> = pieces.concat().into_iter().chain(*b"!").collect();
                let (written, read) = round_trip(&pieces, mode);
                assert_eq!(written.len(), expected.len(), "{mode:?}, length {length}");
                assert!(
                    written == expected,
                    "{mode:?}, length {length}: bytes differ"
                );
                assert!(
                    read == expected,
                    "{mode:?}, length {length}: read back differs"
                );
            }
        }
    }

    #[test]
    fn many_small_writes_across_blocks_keep_their_order() {
        let pieces: Vec<Vec<u8>> = (0..3000)
            .map(|seed| bytes(4000 + seed % 17, seed as u64))
            .collect();
        let expected: Vec<u8> = pieces.concat().into_iter().chain(*b"!").collect();
        for mode in MODES {
            let (written, read) = round_trip(&pieces, mode);
            assert!(written == expected, "{mode:?}");
            assert!(read == expected, "{mode:?}");
        }
    }

    #[test]
    fn a_file_shorter_than_its_length_is_an_error_not_an_end() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("file");
        std::fs::write(&path, bytes(ALIGN + 10, 3)).unwrap();
        for mode in MODES {
            let mut read = Vec::new();
            let err = reader(&path, 2 * ALIGN as u64, mode)
                .read_to_end(&mut read)
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{mode:?}");
        }
    }

    #[test]
    fn a_disk_that_takes_nothing_fails_the_writing() {
        let full = std::path::Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let file = std::fs::OpenOptions::new().write(true).open(full).unwrap();
        let mut writer = DirectWriter::new(file).unwrap();
        let written = (0..4)
            .try_for_each(|seed| writer.write_all(&bytes(BLOCK, seed)))
            .and_then(|()| writer.finish().map(drop));
        let err = written.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
    }

    #[test]
    fn a_reader_stops_at_the_length_it_is_given() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("file");
        let all = bytes(3 * ALIGN + 5, 7);
        std::fs::write(&path, &all).unwrap();
        for mode in MODES {
            let mut read = Vec::new();
            reader(&path, 2 * ALIGN as u64 + 3, mode)
                .read_to_end(&mut read)
                .unwrap();
            assert!(read == all[..2 * ALIGN + 3], "{mode:?}");
        }
    }
}
