//! Memory a finished stage freed, handed back to the operating system; how much this process
//! may still take; and hints that bring memory about to be read into the processor's cache.
//!
//! glibc's allocator keeps freed memory for reuse, per thread arena: after training (whose
//! tables and trees were built on rayon's threads) a `run` held 1.1 GB it no longer used while
//! generation, on other threads, asked for more. Trimming between the stages keeps a run's
//! peak at the larger of the two stages, not their sum, for a program on glibc's allocator.
//! The `dxsynth` binary allocates with mimalloc, which hands freed pages back by itself after
//! a delay (`MIMALLOC_PURGE_DELAY`, a second; never in `generate`, see `main.rs`); there this
//! call frees nothing of Rust's.

use std::path::{Path, PathBuf};

/// Returns freed memory to the operating system where the allocator can: glibc's, and, where
/// a control group limits the process's memory, the program's own allocator through the hook
/// it set ([`set_releaser`]), on this thread and on every thread of rayon's pool (an allocator
/// keeps freed memory per thread). The group counts memory freed but kept as used, and
/// generation's check ([`available`]) would refuse for it; elsewhere the pages handed back
/// only cost a run time to fault in again (3% of tpch_sf0.01's `run`).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
    if let Some(&release) = RELEASER.get()
        && cgroup_available().is_some()
    {
        release();
        rayon::broadcast(|_| release());
    }
}

/// How the program's allocator hands freed memory back, if the program said.
static RELEASER: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets how the program's allocator, which the library does not know, hands the memory freed
/// on the calling thread back to the operating system (mimalloc keeps it a second by itself:
/// after training, that second is when generation checks the memory it may take). Only the
/// first call counts.
pub fn set_releaser(release: fn()) {
    let _ = RELEASER.set(release);
}

/// How much memory this process may still take, and which bound says so (named in the
/// message that refuses a generation: a container's limit is fixed differently from a full
/// machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// Bytes.
    pub bytes: u64,
    /// What sets them.
    pub bound: Bound,
}

/// What limits the memory a process may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The memory the kernel reckons available to any program (`MemAvailable`, free swap).
    System,
    /// The process's address-space limit (`ulimit -v`).
    AddressSpace,
    /// The memory limit of the process's control group: a container's (`docker run -m`, a
    /// Kubernetes pod's limit) or a systemd unit's. Past it the kernel kills the process
    /// outright, whatever the machine has free.
    ControlGroup,
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bound::System => "memory the system has available",
            Bound::AddressSpace => "address-space limit (`ulimit -v`)",
            Bound::ControlGroup => "memory limit of its control group (a container's limit)",
        })
    }
}

/// The bytes this process may still take, where the system says: the least of the memory the
/// kernel reckons available (`MemAvailable`, with free swap), the process's address-space
/// limit (`ulimit -v`) and what its control group's memory limit leaves ([`cgroup_room`]).
/// `None` where none is known (not Linux): no check is then made. An allocation past it
/// aborts the process (Rust's allocation failure is not an error a program can catch), and
/// past a control group's limit the kernel kills it, either way leaving a staging folder
/// behind, so generation refuses first.
pub fn available() -> Option<Room> {
    let room = |bytes: Option<u64>, bound| bytes.map(|bytes| Room { bytes, bound });
    [
        room(system_available(), Bound::System),
        room(address_space_limit(), Bound::AddressSpace),
        room(cgroup_available(), Bound::ControlGroup),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|room| room.bytes)
}

/// Less memory available than this is taken for a reading that says nothing (64 MiB).
const PLAUSIBLE_LEAST: u64 = 64 << 20;

/// `MemAvailable` plus `SwapFree` from `/proc/meminfo`, in bytes.
fn system_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = info.lines().find(|line| line.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        kib.checked_mul(1024)
    };
    let available = field("MemAvailable:")?.saturating_add(field("SwapFree:").unwrap_or(0));
    // A reading no running system gives (a broken or faked `/proc`) says nothing.
    (available >= PLAUSIBLE_LEAST).then_some(available)
}

/// [`cgroup_room`] for this process, from `/proc/self`.
fn cgroup_available() -> Option<u64> {
    let groups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    cgroup_room(&groups, &mounts, |path| std::fs::read_to_string(path).ok())
}

/// The two layouts of control groups' memory files: version 1's own `memory` hierarchy, and
/// version 2's single one. Each file counts a group with the groups inside it.
struct Layout {
    limit: &'static str,
    usage: &'static str,
    /// Fields of the statistics file counting the page cache (`usage` includes it, but the
    /// kernel reclaims it before it kills a process).
    cache: [&'static str; 2],
}

const VERSION_1: Layout = Layout {
    limit: "memory.limit_in_bytes",
    usage: "memory.usage_in_bytes",
    cache: ["total_active_file", "total_inactive_file"],
};

const VERSION_2: Layout = Layout {
    limit: "memory.max",
    usage: "memory.current",
    cache: ["active_file", "inactive_file"],
};

/// What the memory limits of the process's control group and of every group around it still
/// leave, the least of them: a limit less its usage, the page cache not counted. `groups` is
/// `/proc/self/cgroup` (the process's group in each hierarchy), `mounts` is
/// `/proc/self/mountinfo` (where each hierarchy is mounted, from which group down), and `read`
/// reads a file. `None` when no group on the way has a limit, or a file cannot be read.
fn cgroup_room(groups: &str, mounts: &str, read: impl Fn(&Path) -> Option<String>) -> Option<u64> {
    let (folder, top, layout) = memory_group(groups, mounts)?;
    let mut least: Option<u64> = None;
    for level in folder.ancestors() {
        if !level.starts_with(&top) {
            break;
        }
        let limit = read(&level.join(layout.limit)).and_then(|text| limit_bytes(&text));
        if let Some(limit) = limit {
            let usage: u64 = read(&level.join(layout.usage))?.trim().parse().ok()?;
            let stat = read(&level.join("memory.stat")).unwrap_or_default();
            let cache: u64 = layout
                .cache
                .iter()
                .map(|field| stat_field(&stat, field))
                .sum();
            let room = limit.saturating_sub(usage.saturating_sub(cache));
            least = Some(least.map_or(room, |least| least.min(room)));
        }
    }
    least
}

/// The folder of the process's memory control group and the folder its hierarchy is mounted
/// at (where the walk up stops), with the hierarchy's layout: version 1 where the memory
/// controller has a hierarchy of its own, else version 2.
fn memory_group(groups: &str, mounts: &str) -> Option<(PathBuf, PathBuf, &'static Layout)> {
    let group = |version_1: bool| {
        groups.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (id, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            let memory = controllers.split(',').any(|c| c == "memory");
            let unified = id == "0" && controllers.is_empty();
            let fits = match version_1 {
                true => memory,
                false => unified,
            };
            fits.then_some(path)
        })
    };
    let mount = |version_1: bool| {
        mounts.lines().find_map(|line| {
            let (mount, filesystem) = line.split_once(" - ")?;
            let mount: Vec<&str> = mount.split(' ').collect();
            let filesystem: Vec<&str> = filesystem.split(' ').collect();
            let kind = *filesystem.first()?;
            let options = filesystem.get(2).copied().unwrap_or_default();
            let fits = match version_1 {
                true => kind == "cgroup" && options.split(',').any(|o| o == "memory"),
                false => kind == "cgroup2",
            };
            if !fits {
                return None;
            }
            Some((*mount.get(3)?, *mount.get(4)?))
        })
    };
    [(true, &VERSION_1), (false, &VERSION_2)]
        .into_iter()
        .find_map(|(version_1, layout)| {
            let path = group(version_1)?;
            let (root, at) = mount(version_1)?;
            // The mount shows the hierarchy from `root` down (a container sees its own group
            // as the top); a group outside it is not to be found there.
            let inside = Path::new(path).strip_prefix(root).ok()?;
            let top = PathBuf::from(at);
            Some((top.join(inside), top, layout))
        })
}

/// A limit file's bytes; `None` for no limit (`max`, or version 1's largest page count).
fn limit_bytes(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < 1 << 60).then_some(bytes)
}

/// A field of a `memory.stat` file (`name value` lines), 0 where missing.
fn stat_field(stat: &str, name: &str) -> u64 {
    stat.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

/// The soft limit on the process's address space, if there is one.
fn address_space_limit() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the limit into the struct it is given, which lives here.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_AS, &raw mut limit) } == 0;
        // `rlim_t` is 32 bits on some 32-bit targets.
        #[allow(clippy::useless_conversion)]
        let current = u64::from(limit.rlim_cur);
        (read && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Asks the processor to bring `item` into the cache, if there is one. Reads of millions of
/// places far apart (leaf values, a row's fields) wait on memory one after another; asked for
/// ahead, those waits overlap. A hint only: it changes no result.
pub fn prefetch<T>(item: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = item {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is a hint; it reads nothing and cannot fault, whatever the address
        // (here the address of a live reference).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}

#[cfg(test)]
mod tests {
    use super::cgroup_room;
    use std::collections::HashMap;
    use std::path::Path;

    /// Files of a planted control-group tree, read as [`cgroup_room`] reads them.
    fn reader(files: &[(&str, &str)]) -> impl Fn(&Path) -> Option<String> {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        move |path: &Path| files.get(path.to_str()?).cloned()
    }

    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn a_version_1_group_leaves_the_least_of_its_and_its_parents_limits() {
        let groups = "4:memory:/jobs/one\n1:cpu:/\n0::/\n";
        let unlimited = "9223372036854771712\n";
        let files = [
            // The job: 1,000 MB, 300 MB used of which 100 MB page cache.
            (
                "/sys/fs/cgroup/memory/jobs/one/memory.limit_in_bytes",
                "1000000000\n",
            ),
            (
                "/sys/fs/cgroup/memory/jobs/one/memory.usage_in_bytes",
                "300000000\n",
            ),
            (
                "/sys/fs/cgroup/memory/jobs/one/memory.stat",
                "cache 100000000\nactive_file 1\ntotal_active_file 60000000\n\
                 total_inactive_file 40000000\n",
            ),
            // Its parent: 700 MB, 600 MB used (the job's and a sibling's), no cache.
            (
                "/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes",
                "700000000",
            ),
            (
                "/sys/fs/cgroup/memory/jobs/memory.usage_in_bytes",
                "600000000",
            ),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", unlimited),
            ("/sys/fs/cgroup/memory/memory.usage_in_bytes", "9000000000"),
        ];
        let room = cgroup_room(groups, HYBRID_MOUNTS, reader(&files));
        assert_eq!(
            room,
            Some(100_000_000),
            "the parent's room, less than the job's 800 MB"
        );
        // Without the parent's limit, the job's own: its page cache is not counted as used.
        let own: Vec<_> = files
            .iter()
            .filter(|(p, _)| !p.contains("jobs/memory"))
            .copied()
            .collect();
        assert_eq!(
            cgroup_room(groups, HYBRID_MOUNTS, reader(&own)),
            Some(800_000_000)
        );
        // No limit anywhere: nothing said.
        let none = [(files[0].0, unlimited), files[1], files[5], files[6]];
        assert_eq!(cgroup_room(groups, HYBRID_MOUNTS, reader(&none)), None);
    }

    #[test]
    fn a_version_2_group_is_found_below_its_mount_and_max_is_no_limit() {
        // A container mounting its own group as the top of the hierarchy (no group namespace).
        let groups = "0::/system.slice/docker-1.scope\n";
        let mounts = "\
29 23 0:26 /system.slice/docker-1.scope /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate
";
        let files = [
            ("/sys/fs/cgroup/memory.max", "536870912\n"),
            ("/sys/fs/cgroup/memory.current", "136870912\n"),
            (
                "/sys/fs/cgroup/memory.stat",
                "anon 100000000\nfile 36870912\nactive_file 36870912\ninactive_file 0\n",
            ),
        ];
        assert_eq!(
            cgroup_room(groups, mounts, reader(&files)),
            Some(436_870_912)
        );
        let unlimited = [("/sys/fs/cgroup/memory.max", "max\n"), files[1], files[2]];
        assert_eq!(cgroup_room(groups, mounts, reader(&unlimited)), None);
        // A group outside what is mounted, or no memory hierarchy at all: nothing said.
        assert_eq!(cgroup_room("0::/elsewhere\n", mounts, reader(&files)), None);
        assert_eq!(cgroup_room(groups, "", reader(&files)), None);
        // Unreadable usage under a limit: nothing said rather than a guess.
        assert_eq!(cgroup_room(groups, mounts, reader(&files[..1])), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_says_how_much_memory_is_left() {
        let left = super::available().expect("known on Linux");
        assert!(left.bytes > 1 << 20, "{left:?}");
    }
}
