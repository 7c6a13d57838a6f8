//! A datetime written in universal time next to its local parts: nycflights13's `time_hour`
//! (`2013-01-01T11:00:00Z`) beside `year`, `month`, `day` and `hour` (6, New York time, five
//! hours behind in winter and four in summer). Calendar rules alone cannot tie them: the day
//! and the hour differ by the zone's offset, and the offset changes with daylight saving. The
//! rule `time_hour = datetime(year, month, day, hour)` keeps, instead of a time-zone database,
//! the offsets the real rows show and the local moments they change at, so the synthetic
//! datetime is the one its parts name.

/// The most offset changes a rule keeps (two a year over decades of data).
pub const MAX_OFFSETS: usize = 128;
/// The largest offset from universal time (zones lie within 14 hours; 18 leaves room).
pub const MAX_OFFSET_SECONDS: i64 = 18 * 3600;
/// Offsets are whole quarter hours.
const OFFSET_STEP: i64 = 900;
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
    let last = days_in_month(year, month)?;
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, day.min(last) as u32)?;
    let at = date.and_hms_opt(hour as u32, 0, 0)?;
    Some(at.and_utc().timestamp())
}

/// The number of days in `month` of `year` (`None` for no month).
pub fn days_in_month(year: f64, month: f64) -> Option<f64> {
    let (year, month) = (year.round(), month.round());
    if !(1.0..=9999.0).contains(&year) || !(1.0..=12.0).contains(&month) {
        return None;
    }
    let first = chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, 1)?;
    Some(super::month_length(first)? as f64)
}

/// The offset in force at local moment `local`: the last whose start is at or before it.
pub fn offset_at(offsets: &[(i64, i64)], local: i64) -> Option<i64> {
    let after = offsets.partition_point(|(from, _)| *from <= local);
    offsets
        .get(after.checked_sub(1)?)
        .map(|(_, offset)| *offset)
}

/// The local moment of `utc` (seconds since the epoch): the moment whose offset, added, gives
/// `utc` (in the hour a clock turns back, the earlier; in the hour it skips, the last offset's).
pub fn local_of(utc: f64, offsets: &[(i64, i64)]) -> Option<f64> {
    let utc = utc.floor() as i64;
    let local = offsets
        .iter()
        .filter_map(|(_, offset)| Some((utc.checked_sub(*offset)?, *offset)))
        .find(|&(local, offset)| offset_at(offsets, local) == Some(offset))
        .map(|(local, _)| local)
        .or_else(|| utc.checked_sub(offsets.last()?.1))?;
    Some(local as f64)
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

/// Whether an offset could be a zone's.
pub fn zone_like(offset: i64) -> bool {
    offset.abs() <= MAX_OFFSET_SECONDS && offset % OFFSET_STEP == 0
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Back from universal time: in winter and in summer.
        let offsets = [(FROM_THE_START, 5 * HOUR), (100 * 24 * HOUR, 4 * HOUR)];
        assert_eq!(
            local_of((10 * HOUR) as f64, &offsets),
            Some((5 * HOUR) as f64)
        );
        let summer = 150 * 24 * HOUR;
        assert_eq!(
            local_of((summer + 4 * HOUR) as f64, &offsets),
            Some(summer as f64)
        );
        assert_eq!(local_of(f64::MIN, &offsets), None);
        assert!(!offsets_fit(&[]));
        assert!(
            !offsets_fit(&[(0, HOUR)]),
            "the first must start before all"
        );
        assert!(!offsets_fit(&[(FROM_THE_START, 100)]), "not a quarter hour");
    }
}
