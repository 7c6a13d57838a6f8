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

/// Returns freed memory to the operating system where the allocator can (glibc); elsewhere it
/// does nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The bytes this process may still take, where the system says: the memory the kernel reckons
/// available (`MemAvailable`, with free swap) and, if lower, the process's address-space limit
/// (`ulimit -v`). `None` where neither is known (not Linux): no check is then made. An
/// allocation past it aborts the process (Rust's allocation failure is not an error a program
/// can catch), leaving a staging folder behind, so generation refuses first.
pub fn available() -> Option<u64> {
    let system = system_available();
    let limit = address_space_limit();
    match (system, limit) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
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
    #[test]
    #[cfg(target_os = "linux")]
    fn linux_says_how_much_memory_is_left() {
        let left = super::available().expect("known on Linux");
        assert!(left > 1 << 20, "{left} bytes");
    }
}
