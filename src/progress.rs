//! Progress on stderr for long stages: shown only to a person watching a terminal, never in
//! pipelines (stderr redirected) or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Decides once whether progress is drawn, and makes the bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Progress for a run; `quiet` silences it, and so does a stderr that is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        Progress {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// No progress at all (library use, tests).
    pub fn hidden() -> Progress {
        Progress { visible: false }
    }

    /// A bar over `total` steps of a stage; the message names the current item.
    pub fn bar(&self, stage: &str, total: usize) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total as u64).with_prefix(stage.to_string());
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }

    /// Runs `work` with a spinner naming the stage.
    pub fn spinner<T>(&self, stage: &str, work: impl FnOnce() -> T) -> T {
        if !self.visible {
            return work();
        }
        let spinner = ProgressBar::new_spinner().with_message(stage.to_string());
        spinner.enable_steady_tick(Duration::from_millis(100));
        let result = work();
        spinner.finish_and_clear();
        result
    }
}
