//! Memory a finished stage freed, handed back to the operating system; and hints that bring
//! memory about to be read into the processor's cache.
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
