//! Memory a finished stage freed, handed back to the operating system.
//!
//! glibc's allocator keeps freed memory for reuse, per thread arena: after training (whose
//! tables and trees were built on rayon's threads) a `run` held 1.1 GB it no longer used while
//! generation, on other threads, asked for more. Trimming between the stages keeps a run's
//! peak at the larger of the two stages, not their sum, for a program on glibc's allocator.
//! The `dxsynth` binary allocates with mimalloc, which hands freed pages back by itself after
//! a short delay (`MIMALLOC_PURGE_DELAY`, 10 ms); there this call frees nothing of Rust's.

/// Returns freed memory to the operating system where the allocator can (glibc); elsewhere it
/// does nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
