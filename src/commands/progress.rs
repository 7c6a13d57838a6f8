//! Progress drawn on stderr for long stages: shown only to a person watching a terminal, never
//! in pipelines (stderr redirected) or with `--quiet`. The library reports to the
//! [`dxsynth::Progress`] sink; this is the one implementation that draws.
//!
//! A stage that reports rows shows them with rows per second beside its bar or spinner, and a
//! stage that lasted [`SUMMARY_AFTER`] or more leaves one line with its rows, time and rate
//! once it is over, so a long run ends with where its time went.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Stages shorter than this leave no summary line (quick runs stay uncluttered).
const SUMMARY_AFTER: Duration = Duration::from_secs(1);

/// Bars and spinners on stderr; decides once whether anything is drawn.
#[derive(Debug)]
pub struct Bars {
    visible: bool,
    /// The bar or spinner of the current stage.
    current: Mutex<Option<Stage>>,
}

/// The current stage: its bar, its name, when it started, and the rows reported so far.
#[derive(Debug)]
struct Stage {
    bar: ProgressBar,
    name: String,
    started: Instant,
    rows: usize,
    /// The last item named (a bar shows it beside the rows).
    item: String,
}

impl Stage {
    /// What the bar says after its own counts: the item, then rows and rows per second.
    fn message(&self) -> String {
        let rows = rows_and_rate(self.rows, self.started.elapsed());
        match (self.bar.length(), self.rows) {
            (None, 0) => self.name.clone(),
            (None, _) => format!("{} · {rows}", self.name),
            (Some(_), 0) => self.item.clone(),
            (Some(_), _) => format!("{} · {rows}", self.item),
        }
    }

    /// Clears the bar, leaving a summary line when the stage counted rows and took a while.
    fn end(self) {
        let elapsed = self.started.elapsed();
        if self.rows > 0 && elapsed >= SUMMARY_AFTER {
            self.bar.println(format!(
                "{:>22}: {} in {:.1} s",
                self.name,
                rows_and_rate(self.rows, elapsed),
                elapsed.as_secs_f64()
            ));
        }
        self.bar.finish_and_clear();
    }
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

    /// Runs `update` on the current stage, if one is drawn.
    fn with_current(&self, update: impl FnOnce(&mut Stage)) {
        if let Ok(mut current) = self.current.lock()
            && let Some(stage) = current.as_mut()
        {
            update(stage);
        }
    }

    fn replace(&self, stage: Option<Stage>) {
        if let Ok(mut current) = self.current.lock()
            && let Some(old) = std::mem::replace(&mut *current, stage)
        {
            old.end();
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
            // The message is cut at the terminal's width: a line wider than the terminal wraps,
            // and each redraw then leaves a line behind.
            if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
                spinner.set_style(style);
            }
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        } else {
            let bar = ProgressBar::new(total as u64).with_prefix(name.to_string());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>12} [{bar:24}] {pos}/{len} ({elapsed}) {wide_msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        };
        self.replace(Some(Stage {
            bar,
            name: name.to_string(),
            started: Instant::now(),
            rows: 0,
            item: String::new(),
        }));
    }

    fn advance(&self, item: &str) {
        self.with_current(|stage| {
            item.clone_into(&mut stage.item);
            stage.bar.set_message(stage.message());
            stage.bar.inc(1);
        });
    }

    fn rows(&self, item: &str, rows: usize) {
        self.with_current(|stage| {
            stage.rows = stage.rows.saturating_add(rows);
            item.clone_into(&mut stage.item);
            stage.bar.set_message(stage.message());
        });
    }

    fn finish(&self) {
        self.replace(None);
    }
}

/// `1,234,567 rows, 456k rows/s`: the rows so far and their rate over `elapsed` (no rate
/// before a millisecond has passed, where it would mean nothing).
fn rows_and_rate(rows: usize, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if seconds < 1e-3 {
        return format!("{} rows", thousands(rows));
    }
    format!(
        "{} rows, {} rows/s",
        thousands(rows),
        short(rows as f64 / seconds)
    )
}

/// A count with thousands separators: `1234567` -> `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A rate in three significant figures at most, with k and M: `950`, `12.3k`, `456k`, `1.23M`.
fn short(rate: f64) -> String {
    let (value, unit) = if rate >= 999_500.0 {
        (rate / 1e6, "M")
    } else if rate >= 999.5 {
        (rate / 1e3, "k")
    } else {
        (rate, "")
    };
    let decimals = if value >= 99.95 || unit.is_empty() {
        0
    } else if value >= 9.995 {
        1
    } else {
        2
    };
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::ProgressDrawTarget;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(866_602), "866,602");
        assert_eq!(thousands(6_001_215), "6,001,215");
    }

    #[test]
    fn rates_keep_three_figures_and_round_into_the_next_unit() {
        assert_eq!(short(0.4), "0");
        assert_eq!(short(950.0), "950");
        assert_eq!(short(999.4), "999");
        assert_eq!(short(999.6), "1.00k");
        assert_eq!(short(12_345.0), "12.3k");
        assert_eq!(short(456_000.0), "456k");
        assert_eq!(short(999_499.0), "999k");
        assert_eq!(short(999_600.0), "1.00M");
        assert_eq!(short(1_234_567.0), "1.23M");
        assert_eq!(short(45_600_000.0), "45.6M");
    }

    #[test]
    fn rows_per_second_divide_by_the_time_taken() {
        let rate = rows_and_rate(6_001_215, Duration::from_secs(4));
        assert_eq!(rate, "6,001,215 rows, 1.50M rows/s");
        assert_eq!(
            rows_and_rate(1_500, Duration::from_millis(500)),
            "1,500 rows, 3.00k rows/s"
        );
        assert_eq!(rows_and_rate(10, Duration::ZERO), "10 rows");
    }

    #[test]
    fn a_stage_shows_its_rows_beside_its_item_or_name() {
        let started = Instant::now() - Duration::from_secs(2);
        let stage = |bar: ProgressBar, rows| Stage {
            bar,
            name: "training".to_string(),
            started,
            rows,
            item: "lineitem".to_string(),
        };
        assert_eq!(stage(ProgressBar::hidden(), 0).message(), "training");
        assert!(
            stage(ProgressBar::hidden(), 10)
                .message()
                .starts_with("training · 10 rows, ")
        );
        let bar = || ProgressBar::with_draw_target(Some(3), ProgressDrawTarget::hidden());
        assert_eq!(stage(bar(), 0).message(), "lineitem");
        let message = stage(bar(), 4_000).message();
        assert!(message.starts_with("lineitem · 4,000 rows, "), "{message}");
        assert!(message.ends_with("k rows/s"), "{message}");
    }
}
