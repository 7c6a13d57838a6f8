//! Reading through a library that panics on some damaged input (the `parquet` crate indexes
//! past a slice on a corrupted page header) as an error, not a crash: the panic is caught on
//! the reading thread, and the program's panic hook, which asks [`quiet`], prints nothing for
//! it.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Whether this thread is inside [`guarded`].
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `read`; a panic in it is returned as an error with the panic's message.
pub fn guarded<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    let before = GUARDED.with(|guarded| guarded.replace(true));
    let result = catch_unwind(AssertUnwindSafe(read));
    GUARDED.with(|guarded| guarded.set(before));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no reason given".to_string())
    })
}

/// Whether a panic now is one [`guarded`] turns into an error (a panic hook then stays quiet).
pub fn quiet() -> bool {
    GUARDED.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_the_guard_ends_with_it() {
        let failed: Result<u8, String> = guarded(|| {
            assert!(quiet());
            let empty: &[u8] = &[];
            empty[usize::from(!quiet())]
        });
        let message = failed.expect_err("caught");
        assert!(message.contains("index out of bounds"), "{message}");
        assert!(!quiet(), "the guard is lifted");
        assert_eq!(guarded(|| 7), Ok(7));
    }
}
