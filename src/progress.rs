//! How long jobs say how far they are, without the library drawing anything.
//!
//! The pipeline reports stages and items to a [`Progress`] sink, the way ripgrep's searcher
//! reports matches to a `Sink`: the command line draws bars on a terminal, tests and library
//! users pass [`NoProgress`]. The library never decides whether or how progress is shown.

/// Receives the progress of a job: stages one after another, items within a stage, and the
/// rows a stage has done (so long runs can show rows per second).
///
/// Items and rows of a stage may be reported from several threads at once (tables train in
/// parallel), hence `Sync`.
pub trait Progress: Sync {
    /// A stage named `name` starts, with `total` items to do (0: a stage without countable
    /// items, such as loading).
    fn stage(&self, name: &str, total: usize);
    /// One item of the current stage, named `item` (a table), is done.
    fn advance(&self, item: &str);
    /// `rows` more rows of `item` (a table) are done in the current stage: loaded, trained
    /// on, generated or written. Calls add up over the stage, so a stage may report a table
    /// whole when it is done or in chunks as it goes (generation: per chunk of rows written,
    /// thousands at a time, not per row). Sinks that do not show rows need not implement it.
    fn rows(&self, _item: &str, _rows: usize) {}
    /// The current stage is over.
    fn finish(&self);
}

/// Progress nobody watches: every report is dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _total: usize) {}

    fn advance(&self, _item: &str) {}

    fn finish(&self) {}
}

/// Runs `work` as a stage without countable items.
pub fn stage<T>(progress: &dyn Progress, name: &str, work: impl FnOnce() -> T) -> T {
    progress.stage(name, 0);
    let result = work();
    progress.finish();
    result
}
