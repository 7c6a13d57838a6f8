#!/usr/bin/env python3
"""Compare `dxsynth evaluate` with SDMetrics' multi-table QualityReport on the same columns.

Why: users judge synthetic data with SDMetrics (PyPI `sdmetrics`, the SDV project's metrics);
dxsynth's quality properties follow its definitions, so the two should agree. This script runs
both on the same files and prints, per property (Column Shapes, Column Pair Trends, Cardinality,
Intertable Trends), both scores and their difference, then the rows (columns, pairs,
relationships) that disagree most, so a disagreement can be traced to its cause.

    python3 scripts/compare_sdmetrics.py SCHEMA SYNTH_DIR [--dxsynth BIN] [--max-rows 20000]
        [--seed 0] [--types dxsynth|sdv] [--json FILE] [--worst 8]

Same columns: the scored columns are those `dxsynth evaluate --json` reports (keys, ids and text
columns are left out of both), each given to SDMetrics as dxsynth scores it (`--types dxsynth`:
KS-scored columns as numerical or datetime, TVD-scored ones as categorical or boolean); primary
and foreign keys are given as `id` columns so SDMetrics can join and count children.
`--types sdv` instead starts from dxsynth's column types and reads numerical columns the way
SDV's metadata auto-detection does (whole, non-negative numbers with at most min(rows / 10, 10)
distinct values become categorical), as users who let SDV detect their metadata see them.

Same rows: SDMetrics is slow on large tables, so a table with more than `--max-rows` rows that
is no table's parent (a leaf, so no foreign key dangles) is replaced on both sides by a seeded
uniform sample of that many rows; parents are kept whole. Both tools then read the same files
(a copy of the schema pointing at the sampled real tables), so every difference printed is a
difference of the measures, not of the data. SDMetrics itself subsamples 50,000 rows for
contingency pairs of larger tables (numpy's global generator, seeded here with `--seed`).

Needs: pandas, pyyaml, sdmetrics (pip install sdmetrics pyyaml) and a dxsynth binary
(default target/release/dxsynth).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import yaml

PROPERTIES = ["Column Shapes", "Column Pair Trends", "Cardinality", "Intertable Trends"]
# Datetime formats dxsynth recognises (README, "Recognised datetime formats"), tried in order.
DATETIME_FORMATS = [
    "%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y",
]
TRUTH = {"true": True, "t": True, "yes": True, "y": True, "1": True,
         "false": False, "f": False, "no": False, "n": False, "0": False}


def load_schema(path):
    with open(path) as f:
        schema = yaml.safe_load(f)
    base = os.path.dirname(os.path.abspath(path))
    for table in schema["tables"].values():
        table["path"] = os.path.join(base, table["path"])
        table["foreign_keys"] = table.get("foreign_keys") or {}
    return schema


DELIMITERS = [",", ";", "\t", "|"]
DECIMAL_COMMA = r"^[+-]?\d+(,\d+)?$"
# Thousands grouped by points beside a decimal comma, or by commas beside a decimal point.
GROUPED = {".": r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$", ",": r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$"}


def delimiter_of(path, given=None):
    """The delimiter dxsynth reads the file with (README, "CSV files"): the schema's, else a tab
    for a .tsv file, else a comma when the header line has one outside quotes, else the most
    frequent other one (a quote opens a field only at its start, `""` in one is a quote)."""
    if given:
        return "\t" if given.lower() == "tab" else given
    if path.lower().endswith(".tsv"):
        return "\t"
    with open(path, newline="") as f:
        header = f.read(64 * 1024)
    counts, quoted, field_start, at = {d: 0 for d in DELIMITERS}, False, True, 0
    while at < len(header):
        char = header[at]
        if char == '"' and quoted and header[at + 1:at + 2] == '"':
            at += 1
        elif char == '"' and (quoted or field_start):
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif char in counts and not quoted:
            counts[char] += 1
        field_start = not quoted and char in counts
        at += 1
    if counts[","]:
        return ","
    best = max(DELIMITERS[1:], key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] else ","


def read(path, delimiter=",", numbers=None, keys=()):
    """The table as text, and how its numbers are written, as dxsynth reads them (README, "CSV
    files"), so the numbers are numbers here too: `numbers` (decimal-comma columns, columns with
    grouped thousands) when given (a synthetic copy is read as its real file was), else found:
    in a file not separated by commas, every column but a key whose every value (trimmed) is a
    number with at most one decimal comma, or one grouped by points beside decimal commas; in
    any file, one grouped by commas, where some value shows it beyond doubt."""
    table = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, na_values=[""])
    if numbers is None:
        numbers = ([], [])
        for column in table.columns:
            values = table[column].dropna().str.strip()
            values = values[values != ""]
            if column in keys or not len(values):
                continue
            if delimiter != "," and values.str.match(DECIMAL_COMMA).all() \
                    and values.str.contains(",").any():
                numbers[0].append(column)
            elif delimiter != "," and shows_grouping(values, ".", ",", False):
                numbers[0].append(column)
                numbers[1].append(column)
            elif shows_grouping(values, ",", ".", delimiter == ","):
                numbers[1].append(column)
    decimal_commas, grouped = numbers
    for column in table.columns:
        if column not in decimal_commas and column not in grouped:
            continue
        values = table[column].str.strip()
        if column in grouped:
            values = values.str.replace("." if column in decimal_commas else ",", "", regex=False)
        if column in decimal_commas:
            values = values.str.replace(",", ".", regex=False)
        table[column] = values
    return table, numbers


def shows_grouping(values, group, point, any_group):
    """Whether every value is a number grouped by `group` and some shows it beyond doubt: two
    groups, or one beside the decimal `point`, or any (`any_group`: a file of commas)."""
    if not values.str.match(GROUPED[group]).all():
        return False
    groups = values.str.count("\\" + group)
    beside_point = values.str.contains(point, regex=False)
    return bool(((groups >= 2) | ((groups == 1) & (beside_point | any_group))).any())


def prepare_files(schema, synth_dir, out_dir, max_rows, seed):
    """Writes the (sampled) real and synthetic tables and a schema for them; returns its path
    and the names of the sampled tables."""
    parents = {p for t in schema["tables"].values() for p in t["foreign_keys"].values()}
    real_dir = os.path.join(out_dir, "real")
    syn_dir = os.path.join(out_dir, "synthetic")
    os.makedirs(real_dir)
    os.makedirs(syn_dir)
    sampled = []
    new_schema = {"tables": {}}
    for name, table in schema["tables"].items():
        delimiter = delimiter_of(table["path"], table.get("delimiter"))
        keys = [table.get("primary_key"), *table["foreign_keys"]]
        real, commas = read(table["path"], delimiter, keys=keys)
        # dxsynth names the copy of a table separated by tabs `<table>.tsv`.
        extension = "tsv" if delimiter == "\t" else "csv"
        synth, _ = read(os.path.join(synth_dir, f"{name}.{extension}"), delimiter, commas)
        if name not in parents and max(len(real), len(synth)) > max_rows:
            real = real.sample(n=min(max_rows, len(real)), random_state=seed)
            synth = synth.sample(n=min(max_rows, len(synth)), random_state=seed)
            sampled.append(name)
        real_path = os.path.join(real_dir, f"{name}.csv")
        real.to_csv(real_path, index=False)
        synth.to_csv(os.path.join(syn_dir, f"{name}.csv"), index=False)
        # Both written again with commas and decimal points.
        entry = {k: v for k, v in table.items() if k not in ("path", "delimiter")}
        entry["path"] = real_path
        if not entry["foreign_keys"]:
            del entry["foreign_keys"]
        new_schema["tables"][name] = entry
    schema_path = os.path.join(out_dir, "schema.yaml")
    with open(schema_path, "w") as f:
        yaml.safe_dump(new_schema, f, sort_keys=False)
    return schema_path, syn_dir, sampled


def run_dxsynth(binary, schema_path, syn_dir, out_dir):
    """`dxsynth evaluate --json` on the files; returns the report and the seconds it took."""
    path = os.path.join(out_dir, "dxsynth.json")
    start = time.time()
    subprocess.run([binary, "evaluate", schema_path, syn_dir, "--json", path, "-q"], check=True)
    with open(path) as f:
        return json.load(f), time.time() - start


def datetime_format(values):
    sample = values.dropna().iloc[:2000]
    for fmt in DATETIME_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def sdv_reads_as_categorical(values):
    """SDV's metadata auto-detection for a numerical column (SDV 1.x
    `_determine_sdtype_for_numbers`): whole, non-negative values with few distinct ones."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if len(values) <= 5 or len(numbers) == 0:
        return False
    whole = bool((numbers == numbers.round()).all())
    positive = bool((numbers >= 0).all())
    return whole and positive and values.nunique() <= min(round(len(values) / 10), 10)


def sdmetrics_inputs(schema, report, files_schema, syn_dir, types):
    """Metadata and typed tables for SDMetrics: keys as ids, dxsynth's scored columns."""
    kinds = {}
    for row in report["quality"]["column_shapes"]["rows"]:
        kind = row["kind"]
        if types == "dxsynth" and kind == "numerical" and row["metric"] == "tvd":
            kind = "categorical"  # a numerical column dxsynth scores as discrete
        kinds.setdefault(row["table"], {})[row["column"]] = kind
    fschema = load_schema(files_schema)
    meta = {"tables": {}, "relationships": []}
    real, synth = {}, {}
    for name, table in schema["tables"].items():
        keys = set(table["foreign_keys"])
        if table.get("primary_key"):
            keys.add(table["primary_key"])
        r, _ = read(fschema["tables"][name]["path"])
        s, _ = read(os.path.join(syn_dir, f"{name}.csv"))
        columns = {k: {"sdtype": "id"} for k in keys}
        for column, kind in kinds.get(name, {}).items():
            if types == "sdv" and kind == "numerical" and sdv_reads_as_categorical(r[column]):
                kind = "categorical"
            if kind == "numerical":
                r[column] = pd.to_numeric(r[column], errors="coerce")
                s[column] = pd.to_numeric(s[column], errors="coerce")
            elif kind == "datetime":
                fmt = datetime_format(r[column])
                r[column] = pd.to_datetime(r[column], format=fmt, errors="coerce")
                s[column] = pd.to_datetime(s[column], format=fmt, errors="coerce")
            elif kind == "boolean":
                r[column] = r[column].str.strip().str.lower().map(TRUTH).astype("object")
                s[column] = s[column].str.strip().str.lower().map(TRUTH).astype("object")
            columns[column] = {"sdtype": kind}
        kept = list(columns)
        real[name], synth[name] = r[kept], s[kept]
        entry = {"columns": columns}
        if table.get("primary_key"):
            entry["primary_key"] = table["primary_key"]
        meta["tables"][name] = entry
    for child, table in schema["tables"].items():
        for fk, parent in table["foreign_keys"].items():
            pk = schema["tables"][parent].get("primary_key")
            if pk:
                meta["relationships"].append({
                    "parent_table_name": parent, "parent_primary_key": pk,
                    "child_table_name": child, "child_foreign_key": fk})
    return meta, real, synth


def sdmetrics_rows(report):
    """Every scored row of SDMetrics' details, keyed like dxsynth's JSON rows."""
    rows = {p: {} for p in PROPERTIES}
    shapes = report.get_details("Column Shapes")
    for _, r in shapes.iterrows():
        rows["Column Shapes"][(r["Table"], r["Column"])] = (r["Score"], True)
    pairs = report.get_details("Column Pair Trends")
    for _, r in pairs.iterrows():
        key = (r["Table"], *sorted([r["Column 1"], r["Column 2"]]))
        rows["Column Pair Trends"][key] = (r["Score"], bool(r["Meets Threshold?"] is True))
    card = report.get_details("Cardinality")
    for _, r in card.iterrows():
        rows["Cardinality"][(r["Child Table"], r["Foreign Key"])] = (r["Score"], True)
    inter = report.get_details("Intertable Trends")
    for _, r in inter.iterrows():
        key = (r["Child Table"], r["Foreign Key"], *sorted([r["Column 1"], r["Column 2"]]))
        rows["Intertable Trends"][key] = (r["Score"], bool(r["Meets Threshold?"] is True))
    return rows


def dxsynth_rows(report):
    """The same rows from `dxsynth evaluate --json`."""
    q = report["quality"]
    rows = {p: {} for p in PROPERTIES}
    for r in q["column_shapes"]["rows"]:
        rows["Column Shapes"][(r["table"], r["column"])] = (r["score"], True)
    for r in q["column_pair_trends"]["rows"]:
        key = (r["scope"], *sorted([r["column_a"], r["column_b"]]))
        rows["Column Pair Trends"][key] = (r["score"], r["counted"])
    for r in q["cardinality"]["rows"]:
        rows["Cardinality"][(r["child"], r["foreign_key"])] = (r["score"], True)
    for r in q["intertable_trends"]["rows"]:
        child, rest = r["scope"].split(".", 1)
        fk = rest.split(" -> ")[0]
        # dxsynth qualifies intertable columns with their table; SDMetrics' details do not.
        unqualified = [c.split(".", 1)[1] for c in (r["column_a"], r["column_b"])]
        key = (child, fk, *sorted(unqualified))
        rows["Intertable Trends"][key] = (r["score"], r["counted"])
    return rows


def mean_counted(rows):
    scores = [s for s, counted in rows.values() if counted and s is not None and not np.isnan(s)]
    return float(np.mean(scores)) if scores else None


def fmt(x):
    return "  -  " if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema")
    parser.add_argument("synthetic_dir")
    parser.add_argument("--dxsynth", default="target/release/dxsynth")
    parser.add_argument("--max-rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--types", choices=["dxsynth", "sdv"], default="dxsynth")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--worst", type=int, default=8, help="disagreeing rows listed per property")
    parser.add_argument("--keep", metavar="DIR", help="keep the compared files in DIR (new)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from sdmetrics.reports.multi_table import QualityReport
    import sdmetrics

    schema = load_schema(args.schema)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        files_schema, syn_dir, sampled = prepare_files(
            schema, args.synthetic_dir, tmp, args.max_rows, args.seed)
        dx_report, dx_seconds = run_dxsynth(args.dxsynth, files_schema, syn_dir, tmp)
        meta, real, synth = sdmetrics_inputs(schema, dx_report, files_schema, syn_dir, args.types)
        np.random.seed(args.seed)
        start = time.time()
        report = QualityReport()
        report.generate(real, synth, meta, verbose=False)
        sd_seconds = time.time() - start
    sd_props = {r["Property"]: float(r["Score"]) for _, r in report.get_properties().iterrows()}
    sd = sdmetrics_rows(report)
    dx = dxsynth_rows(dx_report)
    q = dx_report["quality"]
    dx_props = {
        "Column Shapes": q["column_shapes"]["score"],
        "Column Pair Trends": q["column_pair_trends"]["score"],
        "Cardinality": q["cardinality"]["score"],
        "Intertable Trends": q["intertable_trends"]["score"],
    }
    print(f"{args.synthetic_dir} against {args.schema} (types: {args.types}; sampled to "
          f"{args.max_rows} rows: {', '.join(sampled) or 'none'})")
    print(f"  dxsynth evaluate {dx_seconds:.1f} s, SDMetrics {sdmetrics.__version__} "
          f"QualityReport {sd_seconds:.1f} s")
    print(f"  {'property':<20} {'dxsynth':>8} {'SDMetrics':>9} {'diff':>7}  rows (counted) "
          f"dxsynth / SDMetrics")
    result = {"schema": args.schema, "synthetic_dir": args.synthetic_dir, "types": args.types,
              "sampled": sampled, "max_rows": args.max_rows, "properties": {}}
    for p in PROPERTIES:
        a, b = dx_props[p], sd_props.get(p)
        diff = None if a is None or b is None or np.isnan(b) else a - b
        counted = lambda rows: sum(1 for _, c in rows.values() if c)
        print(f"  {p:<20} {fmt(a):>8} {fmt(b):>9} {fmt(diff) if diff is None else f'{diff:+.3f}':>7}"
              f"  {len(dx[p])} ({counted(dx[p])}) / {len(sd[p])} ({counted(sd[p])})")
        result["properties"][p] = {"dxsynth": a, "sdmetrics": b, "difference": diff}
    for p in PROPERTIES:
        rows = []
        for key in set(dx[p]) | set(sd[p]):
            (a, ca), (b, cb) = dx[p].get(key, (None, False)), sd[p].get(key, (None, False))
            if not (ca or cb):
                continue
            b = None if b is None or np.isnan(b) else float(b)
            gap = abs((a or 0) - (b or 0)) if a is not None and b is not None else 1.0
            if ca != cb or gap > 0.01:
                rows.append((gap + (1.0 if ca != cb else 0.0), key, a, ca, b, cb))
        rows.sort(key=lambda r: -r[0])
        if rows:
            print(f"\n  {p}: {len(rows)} counted rows disagree; worst:")
        for _, key, a, ca, b, cb in rows[:args.worst]:
            mark = lambda c: "" if c else " (not counted)"
            print(f"    {' / '.join(key)}: dxsynth {fmt(a)}{mark(ca)}, SDMetrics {fmt(b)}{mark(cb)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
