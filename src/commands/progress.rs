//! Progress drawn on stderr for long stages: shown only to a person watching a terminal, never
//! in pipelines (stderr redirected) or with `--quiet`. The library reports to the
//! [`dxsynth::Progress`] sink; this is the one implementation that draws.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Bars and spinners on stderr; decides once whether anything is drawn.
#[derive(Debug)]
pub struct Bars {
    visible: bool,
    /// The bar or spinner of the current stage.
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Progress for a command; `quiet` silences it, and so does a stderr that is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        Bars {
            visible: !quiet && std::io::stderr().is_terminal(),
            current: Mutex::new(None),
        }
    }

    /// Runs `work` with a spinner naming the stage.
    pub fn spinner<T>(&self, stage: &str, work: impl FnOnce() -> T) -> T {
        dxsynth::progress::stage(self, stage, work)
    }

    fn current(&self) -> Option<ProgressBar> {
        self.current.lock().ok().and_then(|bar| bar.clone())
    }

    fn replace(&self, bar: Option<ProgressBar>) {
        if let Ok(mut current) = self.current.lock()
            && let Some(old) = std::mem::replace(&mut *current, bar)
        {
            old.finish_and_clear();
        }
    }
}

impl dxsynth::Progress for Bars {
    /// A bar over `total` items (the message names the current item), or a spinner naming the
    /// stage when there is nothing to count.
    fn stage(&self, name: &str, total: usize) {
        if !self.visible {
            return;
        }
        let bar = if total == 0 {
            let spinner = ProgressBar::new_spinner().with_message(name.to_string());
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        } else {
            let bar = ProgressBar::new(total as u64).with_prefix(name.to_string());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        };
        self.replace(Some(bar));
    }

    fn advance(&self, item: &str) {
        if let Some(bar) = self.current() {
            bar.set_message(item.to_string());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        self.replace(None);
    }
}
