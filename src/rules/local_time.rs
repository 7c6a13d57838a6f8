//! A datetime written in universal time next to its local parts: nycflights13's `time_hour`
//! (`2013-01-01T11:00:00Z`) beside `year`, `month`, `day` and `hour` (6, New York time, five
//! hours behind in winter and four in summer). Calendar rules alone cannot tie them: the day
//! and the hour differ by the zone's offset, and the offset changes with daylight saving. The
//! rule `time_hour = datetime(year, month, day, hour)` keeps, instead of a time-zone database,
//! the offsets the real rows show and the local moments they change at, so the synthetic
//! datetime is the one its parts name.

use super::discover::{FUNCTION_TOLERANCE, MIN_SUPPORT, chance_rate, significant};
use super::{Frame, Resolved, RuleKind};
use crate::data::{Value, ValueFormat};
use crate::schema::ColumnKind;

/// The most offset changes a rule keeps (two a year over decades of data).
pub const MAX_OFFSETS: usize = 128;
/// The largest offset from universal time (zones lie within 14 hours; 18 leaves room).
pub const MAX_OFFSET_SECONDS: i64 = 18 * 3600;
/// Offsets are whole quarter hours.
const OFFSET_STEP: i64 = 900;
/// Combinations of part columns tried per datetime column.
const MAX_COMBINATIONS: usize = 256;
/// Where the first offset starts: before every moment.
pub const FROM_THE_START: i64 = i64::MIN;

/// The local moment `year-month-day hour:00` in seconds since the epoch, the day cut to the
/// month's length (a drawn 31 June is 30 June); `None` for parts that are no date.
pub fn local_seconds(parts: [f64; 4]) -> Option<i64> {
    let [year, month, day, hour] = parts.map(|x| x.round());
    if !(1.0..=9999.0).contains(&year)
        || !(1.0..=12.0).contains(&month)
        || !(1.0..=31.0).contains(&day)
        || !(0.0..=23.0).contains(&hour)
    {
        return None;
    }
    let date = (1..=day as u32)
        .rev()
        .find_map(|d| chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, d))?;
    let at = date.and_hms_opt(hour as u32, 0, 0)?;
    Some(at.and_utc().timestamp())
}

/// The offset in force at local moment `local`: the last whose start is at or before it.
pub fn offset_at(offsets: &[(i64, i64)], local: i64) -> Option<i64> {
    let after = offsets.partition_point(|(from, _)| *from <= local);
    offsets
        .get(after.checked_sub(1)?)
        .map(|(_, offset)| *offset)
}

/// The datetime (seconds since the epoch) that parts `[year, month, day, hour]` name.
pub fn value(parts: [f64; 4], offsets: &[(i64, i64)]) -> Option<f64> {
    let local = local_seconds(parts)?;
    Some(local.checked_add(offset_at(offsets, local)?)? as f64)
}

/// Whether offsets read from a model file are sane: at least one, the first from the start,
/// starts increasing, each a whole quarter hour within [`MAX_OFFSET_SECONDS`].
pub fn offsets_fit(offsets: &[(i64, i64)]) -> bool {
    offsets
        .first()
        .is_some_and(|(from, _)| *from == FROM_THE_START)
        && offsets.len() <= MAX_OFFSETS
        && offsets.windows(2).all(|pair| pair[0].0 < pair[1].0)
        && offsets
            .iter()
            .all(|(_, offset)| offset.abs() <= MAX_OFFSET_SECONDS && offset % OFFSET_STEP == 0)
}

/// The offsets of the real rows, by the local moment they start at: rows sorted by local
/// moment, runs of one offset shorter than `min_count` rows dropped (a stray row is no change
/// of zone), each change placed halfway between the last row of one offset and the first of
/// the next, on the hour (so no real row's moment is kept). `None` when the rows show no
/// whole offset in range, or too many changes.
pub fn fit_offsets(rows: &[(i64, i64)], min_count: usize) -> Option<Vec<(i64, i64)>> {
    let mut rows = rows.to_vec();
    rows.sort_unstable();
    // Runs: (first local moment, last local moment, offset, rows).
    let mut runs: Vec<(i64, i64, i64, usize)> = Vec::new();
    for &(local, offset) in &rows {
        match runs.last_mut() {
            Some(run) if run.2 == offset => {
                run.1 = local;
                run.3 += 1;
            }
            _ => runs.push((local, local, offset, 1)),
        }
    }
    runs.retain(|run| run.3 >= min_count.max(1));
    let mut merged: Vec<(i64, i64, i64, usize)> = Vec::new();
    for run in runs {
        match merged.last_mut() {
            Some(last) if last.2 == run.2 => {
                last.1 = run.1;
                last.3 += run.3;
            }
            _ => merged.push(run),
        }
    }
    let mut offsets = Vec::with_capacity(merged.len());
    for (index, run) in merged.iter().enumerate() {
        let from = match index.checked_sub(1).map(|before| merged[before].1) {
            None => FROM_THE_START,
            Some(last_before) => {
                let middle = last_before + (run.0 - last_before) / 2;
                middle - middle.rem_euclid(3600)
            }
        };
        match offsets.last() {
            Some(&(before, _)) if from <= before => return None,
            _ => offsets.push((from, run.2)),
        }
    }
    offsets_fit(&offsets).then_some(offsets)
}

/// Each row's local moment and offset, for parts and a datetime read from `columns`
/// (`[target, year, month, day, hour]`); rows with an empty value are left out.
fn rows_of(columns: &[Resolved<'_>; 5], rows: impl Iterator<Item = usize>) -> Vec<(i64, i64)> {
    rows.filter_map(|row| {
        let target = columns[0].value(row).as_number()?;
        let mut parts = [0.0; 4];
        for (part, column) in parts.iter_mut().zip(&columns[1..]) {
            *part = column.value(row).as_number()?;
        }
        let local = local_seconds(parts)?;
        Some((local, target.round() as i64 - local))
    })
    .collect()
}

/// The offsets of a declared rule, fitted on every row.
pub fn fitted(
    columns: &[Resolved<'_>; 5],
    rows: usize,
    min_count: usize,
) -> Option<Vec<(i64, i64)>> {
    fit_offsets(&rows_of(columns, 0..rows), min_count)
}

/// Whether an offset could be a zone's.
fn zone_like(offset: i64) -> bool {
    offset.abs() <= MAX_OFFSET_SECONDS && offset % OFFSET_STEP == 0
}

/// Datetime columns that are their table's local parts in universal time (see the module).
pub fn discover(frame: &Frame<'_>, sample: &[usize], min_count: usize) -> Vec<RuleKind> {
    let integers: Vec<(&crate::data::Column, f64, f64, bool)> = frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Numerical && c.format == ValueFormat::Integer)
        .filter_map(|c| {
            let values = c.values.iter().filter_map(Value::as_number);
            let (low, high, first, varies) = values.fold(
                (f64::INFINITY, f64::NEG_INFINITY, None, false),
                |(lo, hi, first, varies), x| {
                    let first = first.or(Some(x));
                    (lo.min(x), hi.max(x), first, varies || first != Some(x))
                },
            );
            first.map(|_| (c, low, high, varies))
        })
        .collect();
    let candidates = |range: (f64, f64), may_be_constant: bool| -> Vec<usize> {
        integers
            .iter()
            .enumerate()
            .filter(|(_, (_, low, high, varies))| {
                *low >= range.0 && *high <= range.1 && (*varies || may_be_constant)
            })
            .map(|(index, _)| index)
            .collect()
    };
    let (years, months) = (
        candidates((1.0, 9999.0), true),
        candidates((1.0, 12.0), false),
    );
    let (days, hours) = (
        candidates((1.0, 31.0), false),
        candidates((0.0, 23.0), false),
    );
    let mut combinations: Vec<[usize; 4]> = Vec::new();
    for &y in &years {
        for &m in &months {
            for &d in &days {
                for &h in &hours {
                    let parts = [y, m, d, h];
                    let distinct = (0..4).all(|i| (i + 1..4).all(|j| parts[i] != parts[j]));
                    if distinct && combinations.len() < MAX_COMBINATIONS {
                        combinations.push(parts);
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    for target in frame
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Datetime)
    {
        for parts in &combinations {
            let columns = [
                Resolved::Own(target),
                Resolved::Own(integers[parts[0]].0),
                Resolved::Own(integers[parts[1]].0),
                Resolved::Own(integers[parts[2]].0),
                Resolved::Own(integers[parts[3]].0),
            ];
            if let Some(rule) = try_parts(frame, &columns, sample, min_count) {
                found.push(rule);
                break;
            }
        }
    }
    found
}

/// The rule for one datetime and one choice of part columns, when the rows obey it.
fn try_parts(
    frame: &Frame<'_>,
    columns: &[Resolved<'_>; 5],
    sample: &[usize],
    min_count: usize,
) -> Option<RuleKind> {
    let sampled = rows_of(columns, sample.iter().copied());
    let zoned = sampled
        .iter()
        .filter(|(_, offset)| zone_like(*offset))
        .count();
    if sampled.len() < MIN_SUPPORT.min(sample.len())
        || (zoned as f64) < (1.0 - FUNCTION_TOLERANCE) * sampled.len() as f64
    {
        return None;
    }
    let rows = rows_of(columns, 0..frame.rows);
    let offsets = fit_offsets(&rows, min_count)?;
    let broken = rows
        .iter()
        .filter(|(local, offset)| offset_at(&offsets, *local) != Some(*offset))
        .count();
    if broken as f64 > FUNCTION_TOLERANCE * rows.len() as f64 {
        return None;
    }
    let check = |row: usize, other: usize| {
        let local = rows_of(columns, std::iter::once(row)).first()?.0;
        let target = columns[0].value(other).as_number()?;
        Some(local + offset_at(&offsets, local)? == target.round() as i64)
    };
    let h = chance_rate(sample, check)?;
    if !significant(rows.len(), broken, h) {
        return None;
    }
    let name = |index: usize| columns[index].column().name.clone();
    Some(RuleKind::LocalTime {
        target: name(0),
        parts: (1..5).map(name).collect(),
        offsets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Column;

    const HOUR: i64 = 3600;

    #[test]
    fn offsets_change_where_the_rows_do() {
        // Local moments every hour for a year; five hours behind, four from day 100 to 300.
        let rows: Vec<(i64, i64)> = (0..365 * 24)
            .map(|h| {
                let local = h * HOUR;
                let summer = (100 * 24..300 * 24).contains(&h);
                (local, if summer { 4 * HOUR } else { 5 * HOUR })
            })
            .collect();
        let offsets = fit_offsets(&rows, 5).expect("offsets");
        assert_eq!(
            offsets,
            vec![
                (FROM_THE_START, 5 * HOUR),
                (100 * 24 * HOUR - HOUR, 4 * HOUR),
                (300 * 24 * HOUR - HOUR, 5 * HOUR)
            ]
        );
        assert_eq!(offset_at(&offsets, -10 * HOUR), Some(5 * HOUR));
        assert_eq!(offset_at(&offsets, 150 * 24 * HOUR), Some(4 * HOUR));
        assert_eq!(offset_at(&offsets, 400 * 24 * HOUR), Some(5 * HOUR));
        // A stray row (fewer than the threshold) is no change of zone.
        let mut stray = rows.clone();
        stray[20].1 = 7 * HOUR;
        assert_eq!(fit_offsets(&stray, 5), Some(offsets));
        // Offsets no zone has are no rule.
        assert_eq!(fit_offsets(&[(0, 7), (HOUR, 7)], 1), None);
    }

    fn column(name: &str, kind: ColumnKind, format: ValueFormat, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            kind,
            format,
            values: values.into_iter().map(Value::Number).collect(),
        }
    }

    /// Hourly readings through 2013 in New York time (`hour` local), stamped in universal
    /// time (`stamp`): five hours ahead, four from 10 March 02:00 to 3 November 02:00. With
    /// `shuffled`, each stamp belongs to another row.
    fn readings(shuffled: bool) -> Vec<Column> {
        let start = local_seconds([2013.0, 1.0, 1.0, 0.0]).expect("a date");
        let summer = (
            local_seconds([2013.0, 3.0, 10.0, 3.0]).expect("a date"),
            local_seconds([2013.0, 11.0, 3.0, 2.0]).expect("a date"),
        );
        let (mut parts, mut stamps) = (vec![Vec::new(); 4], Vec::new());
        for step in 0..2000 {
            let local = start + step * 4 * HOUR + step % 3 * HOUR;
            let at = chrono::DateTime::from_timestamp(local, 0).expect("in range");
            use chrono::{Datelike, Timelike};
            let values = [
                at.year(),
                at.month() as i32,
                at.day() as i32,
                at.hour() as i32,
            ];
            for (part, value) in parts.iter_mut().zip(values) {
                part.push(f64::from(value));
            }
            let offset = if (summer.0..summer.1).contains(&local) {
                4
            } else {
                5
            };
            stamps.push((local + offset * HOUR) as f64);
        }
        if shuffled {
            stamps.rotate_left(7);
        }
        let integer = |name: &str, values: Vec<f64>| {
            column(name, ColumnKind::Numerical, ValueFormat::Integer, values)
        };
        let format = ValueFormat::Datetime {
            pattern: "%Y-%m-%dT%H:%M:%SZ".into(),
            date_only: false,
            offset: None,
        };
        let mut parts = parts.into_iter();
        let mut next = || parts.next().unwrap_or_default();
        vec![
            integer("year", next()),
            integer("month", next()),
            integer("day", next()),
            integer("hour", next()),
            integer("reading", (0..2000).map(|i| f64::from(i % 97)).collect()),
            column("stamp", ColumnKind::Datetime, format, stamps),
        ]
    }

    fn found(columns: &[Column]) -> Vec<RuleKind> {
        let frame = Frame {
            columns,
            rows: columns[0].values.len(),
            parent: None,
        };
        let sample: Vec<usize> = (0..frame.rows).step_by(4).collect();
        discover(&frame, &sample, 5)
    }

    #[test]
    fn a_stamp_in_universal_time_is_found_from_its_local_parts() {
        let rules = found(&readings(false));
        let [
            RuleKind::LocalTime {
                target,
                parts,
                offsets,
            },
        ] = rules.as_slice()
        else {
            panic!("one rule: {rules:?}");
        };
        assert_eq!(target, "stamp");
        assert_eq!(parts, &["year", "month", "day", "hour"]);
        let hours: Vec<i64> = offsets.iter().map(|(_, offset)| offset / HOUR).collect();
        assert_eq!(hours, [5, 4, 5]);
        // Each change lies between the last reading before it and the first after.
        let change = |year, month, day, hour| local_seconds([year, month, day, hour]);
        assert!(offsets[1].0 >= change(2013.0, 3.0, 10.0, 0.0).unwrap_or_default());
        assert!(offsets[1].0 <= change(2013.0, 3.0, 10.0, 4.0).unwrap_or_default());
        assert!(offsets[2].0 >= change(2013.0, 11.0, 2.0, 22.0).unwrap_or_default());
        assert!(offsets[2].0 <= change(2013.0, 11.0, 3.0, 3.0).unwrap_or_default());
        assert!(found(&readings(true)).is_empty(), "stamps of other rows");
    }

    #[test]
    fn parts_name_a_local_moment() {
        let winter = value([2013.0, 1.0, 1.0, 6.0], &[(FROM_THE_START, 5 * HOUR)]);
        let expected = chrono::NaiveDate::from_ymd_opt(2013, 1, 1)
            .and_then(|d| d.and_hms_opt(11, 0, 0))
            .map(|t| t.and_utc().timestamp() as f64);
        assert_eq!(winter, expected);
        // A day past the month's end is its last day.
        assert_eq!(
            local_seconds([2013.0, 6.0, 31.0, 0.0]),
            local_seconds([2013.0, 6.0, 30.0, 0.0])
        );
        assert_eq!(local_seconds([2013.0, 13.0, 1.0, 0.0]), None);
        assert!(!offsets_fit(&[]));
        assert!(
            !offsets_fit(&[(0, HOUR)]),
            "the first must start before all"
        );
        assert!(!offsets_fit(&[(FROM_THE_START, 100)]), "not a quarter hour");
    }
}
