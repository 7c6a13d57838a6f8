//! The times of day and the days of the week a datetime column's real values keep to.
//!
//! Why apart from the grid: a tree splits a datetime as a number, so a leaf spans days and a
//! value drawn inside it takes any time of any day. A clinic's appointments, all between 8:00
//! and 16:45 on weekdays, were drawn at 2:00 and on Sundays (half of 3,000 outside the real
//! hours). A drawn value keeps its day; its time of day, when no real row has it, is drawn
//! from the real ones, and its day, when no real row falls on that day of the week, is moved
//! to one that does in the same week.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::marginal::Weighted;
use crate::data::{Column, Value, ValueFormat};
use crate::sampling::SynthRng;
use crate::schema::ColumnKind;

const DAY: f64 = 86_400.0;

/// The most distinct times of day a column may keep to (every minute of a day).
const MAX_TIMES: usize = 1_440;

/// The share of real rows the frequent times of day must hold for a column to keep to them.
const TIMES_COVER: f64 = 0.95;

/// How many times the privacy threshold of rows each day of the week must expect (were the
/// days alike) before a day no real row falls on is taken as a day the column avoids: a
/// table of 30 rows leaves some day empty by chance.
const WEEKDAY_EVIDENCE: usize = 10;

/// What a datetime column keeps to (see the module's comment).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clock {
    /// The offset the column's values are read in (seconds east of UTC).
    offset: i32,
    /// The times of day (seconds after midnight) seen in at least the privacy threshold of
    /// rows, by frequency; `None` when they are not few or do not hold nearly every row.
    times: Option<Weighted<u32>>,
    /// The days of the week (bit 0 Monday) some real row falls on, when some day none does
    /// beyond doubt; 0 when every day may be drawn.
    weekdays: u8,
}

impl Clock {
    /// What `column` keeps to, if it is a datetime column that keeps to something.
    pub fn of(column: &Column, min_count: usize) -> Option<Clock> {
        let ValueFormat::Datetime {
            date_only, offset, ..
        } = &column.format
        else {
            return None;
        };
        if column.kind != ColumnKind::Datetime {
            return None;
        }
        let offset = offset.unwrap_or(0);
        let local: Vec<f64> = (column.values.iter())
            .filter_map(Value::as_number)
            .filter(|x| x.is_finite())
            .map(|x| x + f64::from(offset))
            .collect();
        let times = (!date_only)
            .then(|| times_of_day(&local, min_count))
            .flatten();
        let weekdays = weekdays(&local, min_count);
        (times.is_some() || weekdays != 0).then_some(Clock {
            offset,
            times,
            weekdays,
        })
    }

    /// `x` at a time of day and on a day of the week real rows have: its time drawn from the
    /// real ones when none has it, its day moved inside its week when no real row falls on
    /// that day of the week.
    pub fn put(&self, x: f64, rng: &mut SynthRng) -> f64 {
        let local = x + f64::from(self.offset);
        let mut day = (local / DAY).floor();
        let mut time = local - day * DAY;
        if let Some(times) = &self.times {
            let on_a_time = time.fract() == 0.0 && times.contains(&(time as u32));
            if !on_a_time {
                time = f64::from(*times.draw(rng));
            }
        }
        if self.weekdays != 0 && self.weekdays & 1 << weekday(day) == 0 {
            let allowed = self.weekdays.count_ones();
            let nth = rng.random_range(0..allowed);
            let to = (0..7u32)
                .filter(|w| self.weekdays & 1 << w != 0)
                .nth(nth as usize);
            day += f64::from(to.unwrap_or(0)) - f64::from(weekday(day));
        }
        day * DAY + time - f64::from(self.offset)
    }

    /// Whether a clock read from a model file can be used.
    pub fn check(&self) -> bool {
        let times_fit = self.times.as_ref().is_none_or(|times| {
            times.check()
                && times.items().len() <= MAX_TIMES
                && times.items().iter().all(|&t| f64::from(t) < DAY)
        });
        times_fit && self.weekdays < 1 << 7 && self.offset.unsigned_abs() < DAY as u32
    }
}

/// The day of the week of day `day` after 1970-01-01 (a Thursday): 0 for Monday.
fn weekday(day: f64) -> u32 {
    (day as i64 + 3).rem_euclid(7) as u32
}

/// The times of day of `local` seen in at least `min_count` rows, when they are whole seconds,
/// at most [`MAX_TIMES`] and hold [`TIMES_COVER`] of the rows.
fn times_of_day(local: &[f64], min_count: usize) -> Option<Weighted<u32>> {
    let times: Vec<u32> = local
        .iter()
        .map(|x| x - (x / DAY).floor() * DAY)
        .filter(|time| time.fract() == 0.0)
        .map(|time| time as u32)
        .collect();
    if times.len() < local.len() || times.is_empty() {
        return None;
    }
    let frequent = Weighted::frequent(times.iter().copied(), min_count)?;
    let held = frequent.total();
    let few = frequent.items().len() <= MAX_TIMES && frequent.items().len() >= 2;
    (few && held >= TIMES_COVER * times.len() as f64).then_some(frequent)
}

/// The days of the week (bit 0 Monday) of `local` seen in at least `min_count` rows, when
/// some day is seen in fewer though each would expect [`WEEKDAY_EVIDENCE`] times that many;
/// 0 otherwise.
fn weekdays(local: &[f64], min_count: usize) -> u8 {
    if local.len() < 7 * WEEKDAY_EVIDENCE * min_count.max(1) {
        return 0;
    }
    let mut counts = [0usize; 7];
    for x in local {
        counts[weekday((x / DAY).floor()) as usize] += 1;
    }
    let seen = (0..7).filter(|&w| counts[w] >= min_count.max(1));
    let mask = seen.fold(0u8, |mask, w| mask | 1 << w);
    match mask {
        0 | 0x7f => 0,
        mask => mask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng_for;

    fn datetimes(values: impl Iterator<Item = f64>, date_only: bool) -> Column {
        Column {
            name: "at".into(),
            kind: ColumnKind::Datetime,
            format: ValueFormat::Datetime {
                pattern: "%Y-%m-%d %H:%M".into(),
                date_only,
                offset: None,
                upper: false,
            },
            values: values.map(Value::Number).collect(),
        }
    }

    /// 2024-01-01, a Monday, in seconds since 1970.
    const MONDAY: f64 = 1_704_067_200.0;

    /// Appointments on weekdays at the quarter hours from 8:00 to 16:45: a value drawn at
    /// 2:13 on a Sunday is put on a real time on a weekday of its week; one on a real time
    /// and day stays as it is.
    #[test]
    fn appointments_keep_to_office_hours_on_weekdays() {
        let appointments = (0..3_000).map(|i| {
            let day = (i / 36) % 5 + (i / 180) * 7;
            let slot = i % 36;
            MONDAY + f64::from(day) * DAY + 8.0 * 3_600.0 + f64::from(slot) * 900.0
        });
        let clock = Clock::of(&datetimes(appointments, false), 5).expect("a clock");
        assert_eq!(clock.weekdays, 0b001_1111);
        let mut rng = rng_for(1, "clock");
        let sunday_night = MONDAY + 6.0 * DAY + 2.0 * 3_600.0 + 13.0 * 60.0;
        for _ in 0..200 {
            let put = clock.put(sunday_night, &mut rng);
            let day = ((put - MONDAY) / DAY).floor();
            let time = put - MONDAY - day * DAY;
            assert!((0.0..5.0).contains(&day), "{day}");
            assert!((8.0 * 3_600.0..17.0 * 3_600.0).contains(&time), "{time}");
            assert_eq!(time % 900.0, 0.0);
        }
        let real = MONDAY + 2.0 * DAY + 9.5 * 3_600.0;
        assert_eq!(clock.put(real, &mut rng), real);
        assert!(clock.check());
        for offset in [i32::MIN, 86_400] {
            assert!(
                !Clock {
                    offset,
                    ..clock.clone()
                }
                .check(),
                "{offset}"
            );
        }
    }

    /// Readings at any second of any day keep to nothing; a small table's empty days of the
    /// week are chance; dates every day of the week keep to nothing either.
    #[test]
    fn columns_without_a_clock_keep_to_nothing() {
        let readings = (0..5_000).map(|i| MONDAY + f64::from(i) * 7_919.0);
        assert!(Clock::of(&datetimes(readings, false), 5).is_none());
        let few = (0..30).map(|i| MONDAY + f64::from(i % 5) * DAY);
        assert!(Clock::of(&datetimes(few, true), 5).is_none());
        let every_day = (0..3_000).map(|i| MONDAY + f64::from(i % 700) * DAY);
        assert!(Clock::of(&datetimes(every_day, true), 5).is_none());
    }

    /// Business dates (no weekends) keep to weekdays, in the column's own offset: a stamp at
    /// 23:30 UTC on a Friday is a Saturday in +02:00.
    #[test]
    fn dates_keep_to_their_days_of_the_week_in_their_offset() {
        let offset = 2 * 3_600;
        let stamps = (0..2_000).map(|i| {
            let day = f64::from((i % 5) + (i / 5) % 50 * 7);
            MONDAY + day * DAY + 10.0 * 3_600.0 + f64::from(i % 7) * 60.0 - f64::from(offset)
        });
        let mut column = datetimes(stamps, false);
        column.format = ValueFormat::Datetime {
            pattern: "%Y-%m-%dT%H:%M:%S%:z".into(),
            date_only: false,
            offset: Some(offset),
            upper: false,
        };
        let clock = Clock::of(&column, 5).expect("a clock");
        assert_eq!(clock.weekdays, 0b001_1111);
        let mut rng = rng_for(2, "offset");
        let friday_late_utc = MONDAY + 4.0 * DAY + 23.5 * 3_600.0;
        let put = clock.put(friday_late_utc, &mut rng) + f64::from(offset);
        assert!(weekday(((put) / DAY).floor()) < 5);
    }
}
