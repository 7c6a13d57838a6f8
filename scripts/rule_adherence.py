#!/usr/bin/env python3
"""Rule adherence: the share of rows obeying each row rule of issue 11, real vs synthetic.

    python3 scripts/rule_adherence.py SCHEMA SYNTH_DIR [--json FILE]

The rules are the ones issue 11 lists for the shared datasets; each is checked wherever its
tables and columns exist, so one script serves all three (tpch_sf0.01, nycflights13_20k,
tpcds_sf0.01). For every rule: rows checked (rows where a needed value is empty are not
counted) and the share that obey it, in the real folder (must be 100%) and the synthetic one.

- tpch `lineitem`: l_shipdate <= l_receiptdate; o_orderdate < l_shipdate (lineitem joined to
  orders on l_orderkey = o_orderkey); l_commitdate - o_orderdate in [30, 90] days (joined).
- nycflights13 `flights` (times are HHMM integers): hour == sched_dep_time // 100;
  minute == sched_dep_time % 100; dep_delay == minutes(dep_time) - minutes(sched_dep_time)
  modulo 1440 (a flight that leaves after midnight has a real delay that wraps a day: the
  identity holds in clock arithmetic), the same for arr_delay with arr_time/sched_arr_time;
  dep_time is a clock time (an integer, last two digits < 60, hours 0..24, 2400 = midnight).
- tpcds `date_dim`: d_year, d_moy, d_dom, d_qoy equal year, month, day, quarter of d_date;
  d_dow is its weekday number (Sunday 0) and d_day_name its English weekday name;
  d_quarter_name == f"{year}Q{quarter}".
  The real TPC-DS data breaks two of these in a few rows (generator quirks, kept as they are):
  the first day of April, July and October carries the previous quarter in d_qoy and
  d_quarter_name (450 rows, 99.4% obey), and 1900-01-02..1900-03-01 have weekday names and
  numbers one day off (dsdgen treats 1900 as a leap year; 59 rows, 99.9% obey).
"""

import argparse
import json

import numpy as np
import pandas as pd

import bench_tables as bt


def share(mask):
    """(rows checked, share obeying) of a boolean series with NaN for rows not checked."""
    checked = mask.dropna()
    if len(checked) == 0:
        return 0, None
    return int(len(checked)), float(checked.astype(bool).mean())


def where(valid, condition):
    """The condition where every needed value exists, NaN elsewhere."""
    return pd.Series(np.where(valid, condition, np.nan), index=valid.index)


def tpch_rules(t):
    li, od = t["lineitem"], t["orders"]
    ship = pd.to_datetime(li["l_shipdate"], errors="coerce")
    receipt = pd.to_datetime(li["l_receiptdate"], errors="coerce")
    commit = pd.to_datetime(li["l_commitdate"], errors="coerce")
    dates = pd.Series(pd.to_datetime(od["o_orderdate"], errors="coerce").values,
                      index=od["o_orderkey"])
    dates = dates[~dates.index.duplicated()]
    ordered = li["l_orderkey"].map(dates)
    gap = (commit - ordered).dt.days
    return {
        "lineitem: l_shipdate <= l_receiptdate":
            where(ship.notna() & receipt.notna(), ship <= receipt),
        "lineitem x orders: o_orderdate < l_shipdate":
            where(ship.notna() & ordered.notna(), ordered < ship),
        "lineitem x orders: l_commitdate - o_orderdate in [30, 90] days":
            where(gap.notna(), gap.between(30, 90)),
    }


def clock_minutes(hhmm):
    """Minutes since midnight of an HHMM integer series (NaN where not a number)."""
    return (hhmm // 100) * 60 + hhmm % 100


def nyc_rules(t):
    f = t["flights"]
    num = {c: pd.to_numeric(f[c], errors="coerce") for c in
           ["hour", "minute", "sched_dep_time", "dep_time", "dep_delay",
            "arr_time", "sched_arr_time", "arr_delay"]}
    rules = {}
    sched = num["sched_dep_time"]
    rules["flights: hour == sched_dep_time // 100"] = where(
        num["hour"].notna() & sched.notna(), num["hour"] == sched // 100)
    rules["flights: minute == sched_dep_time % 100"] = where(
        num["minute"].notna() & sched.notna(), num["minute"] == sched % 100)
    for kind in ["dep", "arr"]:
        actual, planned, delay = num[f"{kind}_time"], num[f"sched_{kind}_time"], num[f"{kind}_delay"]
        diff = clock_minutes(actual) - clock_minutes(planned)
        ok = ((delay - diff) % 1440).round(6) == 0
        rules[f"flights: {kind}_delay == {kind}_time - sched_{kind}_time (clock minutes, mod 1440)"] = \
            where(actual.notna() & planned.notna() & delay.notna(), ok)
    dep = num["dep_time"]
    valid_clock = (dep == dep.round()) & (dep % 100 < 60) & (dep // 100 <= 24) & (dep >= 0) \
        & ((dep // 100 < 24) | (dep == 2400))
    rules["flights: dep_time is a clock time (HHMM)"] = where(dep.notna(), valid_clock)
    return rules


def tpcds_rules(t):
    d = t["date_dim"]
    date = pd.to_datetime(d["d_date"], errors="coerce")
    rules = {}
    for col, part in [("d_year", date.dt.year), ("d_moy", date.dt.month),
                      ("d_dom", date.dt.day), ("d_qoy", date.dt.quarter)]:
        value = pd.to_numeric(d[col], errors="coerce")
        rules[f"date_dim: {col} == {col_name(col)}(d_date)"] = where(
            value.notna() & date.notna(), value == part)
    dow = pd.to_numeric(d["d_dow"], errors="coerce")
    rules["date_dim: d_dow == weekday number of d_date (Sunday 0)"] = where(
        dow.notna() & date.notna(), dow == (date.dt.dayofweek + 1) % 7)
    rules["date_dim: d_day_name == weekday name of d_date"] = where(
        d["d_day_name"].notna() & date.notna(), d["d_day_name"] == date.dt.day_name())
    quarter_name = date.dt.year.astype("Int64").astype(str) + "Q" + \
        date.dt.quarter.astype("Int64").astype(str)
    rules["date_dim: d_quarter_name == f'{year}Q{quarter}' of d_date"] = where(
        d["d_quarter_name"].notna() & date.notna(), d["d_quarter_name"] == quarter_name)
    return rules


def col_name(col):
    return {"d_year": "year", "d_moy": "month", "d_dom": "day", "d_qoy": "quarter"}[col]


RULE_SETS = [
    ({"lineitem": ["l_shipdate", "l_receiptdate", "l_commitdate", "l_orderkey"],
      "orders": ["o_orderkey", "o_orderdate"]}, tpch_rules),
    ({"flights": ["hour", "minute", "sched_dep_time", "dep_time", "dep_delay", "arr_time",
                  "sched_arr_time", "arr_delay"]}, nyc_rules),
    ({"date_dim": ["d_date", "d_year", "d_moy", "d_dom", "d_qoy", "d_dow", "d_day_name",
                   "d_quarter_name"]}, tpcds_rules),
]


def adherence(tables):
    """{rule: (rows checked, share)} for every rule set whose columns exist."""
    out = {}
    for needs, rules in RULE_SETS:
        if all(t in tables and set(cols) <= set(tables[t].columns) for t, cols in needs.items()):
            out.update({name: share(mask) for name, mask in rules(tables).items()})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema")
    parser.add_argument("synthetic_dir")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    schema = bt.load_schema(args.schema)
    real = adherence(bt.read_tables(schema))
    synth = adherence(bt.read_tables(schema, args.synthetic_dir))
    if not real:
        print("no rule of issue 11 applies to this schema")
    print(f"{'rule':<78} {'real':>7} {'synthetic':>9} {'rows':>7}")
    for rule, (rows, value) in real.items():
        srows, svalue = synth.get(rule, (0, None))
        pct = lambda x: "-" if x is None else f"{100 * x:.1f}%"
        print(f"{rule:<78} {pct(value):>7} {pct(svalue):>9} {srows:>7}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({rule: {"real": real[rule][1], "real_rows": real[rule][0],
                              "synthetic": synth.get(rule, (0, None))[1],
                              "synthetic_rows": synth.get(rule, (0, None))[0]}
                       for rule in real}, f, indent=1)


if __name__ == "__main__":
    main()
