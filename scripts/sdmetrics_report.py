#!/usr/bin/env python3
"""Score a dxsynth output folder with the field's judge: SDMetrics' multi-table QualityReport.

Users comparing synthetic-data tools run SDMetrics (PyPI `sdmetrics`, the SDV project's
metrics) on the real and the synthetic tables; this script does what they do, so we see the
numbers they see, beside `dxsynth evaluate`'s.

    python3 scripts/sdmetrics_report.py SCHEMA SYNTH_DIR [--per-table] [--json FILE]
        [--max-rows 20000] [--seed 0] [--detection] [--types infer|dxsynth --dxsynth BIN]

Metadata (SDV multi-table dict) is built from the dxsynth schema:
- tables and primary keys from the schema; one relationship per foreign key (parent primary
  key -> child foreign key); a foreign key to a parent without a primary key is skipped;
- column sdtypes: primary and foreign keys are `id` (kept: they carry the relationships, and
  SDMetrics does not score id columns); other columns use the schema's `columns:` override if
  any, else are inferred (`--types infer`, the default) as dxsynth infers them: boolean
  (<= 2 distinct values, all true/false/t/f/yes/no/y/n), numerical (every value a number, no
  leading-zero codes), datetime (every value parses with one of dxsynth's formats), id (a
  string column unique per row, >= 95% distinct values over >= 20 non-empty rows), text (free
  text: >= 3 words per value on average and >= 50% distinct, any table size), otherwise
  categorical.
  `--types dxsynth --dxsynth BIN` takes the types from `BIN validate SCHEMA` instead.
- Dropped from BOTH sides before scoring, as users comparing tools do: non-key `id` and `text`
  columns, and columns with no value in the real data. Small integer columns stay numerical
  (SDV's own auto-detection may call some of them categorical; we follow dxsynth's types).

Subsampling: SDMetrics is slow on 100k+ rows, so every table with more than `--max-rows`
rows (default 20000) is replaced by a uniform sample of that many rows, seeded (`--seed`),
real and synthetic alike, each table independently (children per parent are thinned by the
same factor on both sides). Cardinality alone is computed on the FULL tables (key columns only,
cheap): independent thinning makes the child counts of a one-row parent differ by sampling noise
(27,568 sales of the one store become 19,1xx on one side and 19,1yy on the other: KS = 1), so
the Cardinality property and the overall score (the mean of the four properties, as SDMetrics
computes it) use the full-table Cardinality.

Output: overall score and the four properties (Column Shapes, Column Pair Trends, Cardinality,
Intertable Trends); Column Pair Trends counts only pairs with a real relationship (|Pearson|
> 0.5, Cramer's V > 0.3), as SDMetrics does by default; `--all-pairs` sets both thresholds to 0
(every pair counts, as in SDMetrics before 0.2x and as dxsynth's "all pairs" score), which
changes the overall score too, so it is labelled in the output.
`--per-table` adds shapes and pair trends per table and cardinality and intertable trends per
relationship. `--json FILE` writes all of it. `--detection` also runs single-table
`LogisticDetection` per table (on at most `--detection-rows` rows per side, default 5000;
score = 1 - (2 * max(AUC, 0.5) - 1): 1 means a classifier cannot tell the tables apart).
SDMetrics' detection one-hot encodes categories fitted on the real rows and fails on a synthetic
category it has not seen, so categorical columns with more than 50 distinct real values are left
out of detection, and a synthetic category unseen in the real sample is replaced by the real
sample's most frequent value (counted in a note). LogisticDetection is a linear model: it misses
rule violations (a delay that does not match its times) that tree classifiers catch.
"""

import argparse
import json
import re
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

import bench_tables as bt

PROPERTIES = ["Column Shapes", "Column Pair Trends", "Cardinality", "Intertable Trends"]
SDTYPE = {"numerical": "numerical", "datetime": "datetime", "boolean": "boolean",
          "categorical": "categorical"}


def dxsynth_types(binary, schema_path):
    """Column types as `dxsynth validate` prints them: {table: {column: (type, format)}}."""
    out = subprocess.run([binary, "validate", schema_path], capture_output=True, text=True,
                         check=True).stdout
    types, table = {}, None
    for line in out.splitlines():
        head = re.match(r"\s+\d+\.\s+(\w+)\s+\d+ rows", line)
        if head:
            table = head.group(1)
            types[table] = {}
            continue
        if table and line.strip().startswith("columns:"):
            body = line.split("columns:", 1)[1]
            pattern = r"(\w+) (numerical|categorical|boolean|datetime|id|text)(?: \(([^)]*)\))?"
            for col, kind, fmt in re.findall(pattern, body):
                types[table][col] = (kind, fmt or None)
    return types


def column_types(schema, real, args):
    """{table: {column: (type, format)}} for every column of every table."""
    external = dxsynth_types(args.dxsynth, args.schema) if args.types == "dxsynth" else {}
    types = {}
    for name, table in schema["tables"].items():
        keys = bt.key_columns(table)
        types[name] = {}
        for col in real[name].columns:
            if col in keys:
                types[name][col] = ("key", None)
            elif col in table["columns"]:
                types[name][col] = bt.infer_type(real[name][col], table["columns"][col])
            elif name in external and col in external[name]:
                types[name][col] = external[name][col]
            else:
                types[name][col] = bt.infer_type(real[name][col])
            if types[name][col][0] != "key" and real[name][col].notna().sum() == 0:
                types[name][col] = ("empty", None)
    return types


def build_metadata(schema, types):
    """The SDV multi-table metadata dict and the kept columns of each table."""
    meta = {"tables": {}, "relationships": []}
    kept = {}
    for name, table in schema["tables"].items():
        columns = {}
        for col, (kind, fmt) in types[name].items():
            if kind == "key":
                columns[col] = {"sdtype": "id"}
            elif kind in SDTYPE:
                columns[col] = {"sdtype": SDTYPE[kind]}
                if kind == "datetime" and fmt:
                    columns[col]["datetime_format"] = fmt
        entry = {"columns": columns}
        if table.get("primary_key"):
            entry["primary_key"] = table["primary_key"]
        meta["tables"][name] = entry
        kept[name] = list(columns)
    for child, table in schema["tables"].items():
        for fk, parent in (table.get("foreign_keys") or {}).items():
            pk = schema["tables"][parent].get("primary_key")
            if not pk:
                print(f"note: {child}.{fk} -> {parent} skipped (parent has no primary key)",
                      file=sys.stderr)
                continue
            meta["relationships"].append({
                "parent_table_name": parent, "parent_primary_key": pk,
                "child_table_name": child, "child_foreign_key": fk})
    return meta, kept


def prepare(tables, types, kept, max_rows, seed, side):
    """Kept columns converted to their types, large tables subsampled (seeded)."""
    out = {}
    for name, df in tables.items():
        missing = [c for c in kept[name] if c not in df.columns]
        if missing:
            sys.exit(f"error: {side} table {name} lacks columns {missing}")
        df = df[kept[name]]
        if len(df) > max_rows:
            df = df.sample(n=max_rows, random_state=seed).reset_index(drop=True)
        df = df.copy()
        for col in kept[name]:
            kind, fmt = types[name][col]
            if kind == "key":
                continue
            converted = bt.convert(df[col], kind, fmt)
            lost = int(df[col].notna().sum() - converted.notna().sum())
            if lost:
                print(f"note: {side} {name}.{col}: {lost} values not readable as {kind}",
                      file=sys.stderr)
            df[col] = converted
        out[name] = df
    return out


def mean_score(details):
    """Mean of the Score column over the rows SDMetrics counts (pairs meeting the threshold)."""
    if details is None or len(details) == 0:
        return None
    d = details
    if "Meets Threshold?" in d.columns:
        d = d[d["Meets Threshold?"].fillna(False).astype(bool)]
    scores = d["Score"].dropna()
    return None if len(scores) == 0 else float(scores.mean())


def full_cardinality(real_raw, synth_raw, meta):
    """SDMetrics' Cardinality property on the full tables' key columns (no subsampling)."""
    from sdmetrics.reports.multi_table._properties import Cardinality
    keys = {name: [c for c, m in t["columns"].items() if m["sdtype"] == "id"]
            for name, t in meta["tables"].items()}
    key_meta = {"tables": {n: {**t, "columns": {c: {"sdtype": "id"} for c in keys[n]}}
                           for n, t in meta["tables"].items()},
                "relationships": meta["relationships"]}
    prop = Cardinality()
    prop.score = float(prop.get_score({n: real_raw[n][keys[n]] for n in keys},
                                      {n: synth_raw[n][keys[n]] for n in keys}, key_meta))
    return prop


def per_table(report, cardinality):
    """Shapes and pair trends per table; cardinality and intertable trends per relationship."""
    result = {"tables": {}, "relationships": {}}
    shapes = report.get_details("Column Shapes")
    pairs = report.get_details("Column Pair Trends")
    for table in sorted(set(shapes.get("Table", [])) | set(pairs.get("Table", []))):
        result["tables"][table] = {
            "column_shapes": mean_score(shapes[shapes["Table"] == table]),
            "column_pair_trends": mean_score(pairs[pairs["Table"] == table]),
            "scored_columns": int((shapes["Table"] == table).sum()),
        }
    card = cardinality.details
    inter = report.get_details("Intertable Trends")
    for _, row in card.iterrows():
        key = f"{row['Child Table']}.{row['Foreign Key']} -> {row['Parent Table']}"
        result["relationships"][key] = {"cardinality": None if pd.isna(row["Score"])
                                        else float(row["Score"])}
    if len(inter):
        for (child, fk, parent), group in inter.groupby(
                ["Child Table", "Foreign Key", "Parent Table"]):
            key = f"{child}.{fk} -> {parent}"
            entry = result["relationships"].setdefault(key, {})
            entry["intertable_trends"] = mean_score(group)
            entry["intertable_pairs"] = int(group["Score"].notna().sum())
    return result


def detection(real, synth, meta, rows, seed):
    """LogisticDetection per table (keys dropped), on at most `rows` rows per side."""
    from sdmetrics.single_table import LogisticDetection
    scores = {}
    for name in meta["tables"]:
        cols = {c: m for c, m in meta["tables"][name]["columns"].items() if m["sdtype"] != "id"}
        if not cols or len(real[name]) < 20 or len(synth[name]) < 20:
            continue
        r = real[name][list(cols)]
        s = synth[name][list(cols)]
        r = r.sample(n=min(rows, len(r)), random_state=seed).reset_index(drop=True)
        s = s.sample(n=min(rows, len(s)), random_state=seed).reset_index(drop=True).copy()
        for col, m in list(cols.items()):
            if m["sdtype"] not in ("categorical", "boolean"):
                continue
            if r[col].nunique() > 50:
                del cols[col]
                continue
            seen = set(r[col].dropna())
            unseen = s[col].notna() & ~s[col].isin(seen)
            if unseen.any() and len(seen):
                print(f"note: detection {name}.{col}: {int(unseen.sum())} synthetic values "
                      f"unseen in the real sample replaced by its mode", file=sys.stderr)
                s.loc[unseen, col] = r[col].mode().iloc[0]
        if not cols:
            continue
        r, s = r[list(cols)], s[list(cols)]
        np.random.seed(seed)  # LogisticDetection's folds use numpy's global generator
        try:
            scores[name] = float(LogisticDetection.compute(r, s, {"columns": cols}))
        except Exception as err:  # an incomputable table is reported, not fatal
            print(f"note: LogisticDetection on {name} failed: {err}", file=sys.stderr)
    return scores


def fmt(x):
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema")
    parser.add_argument("synthetic_dir")
    parser.add_argument("--max-rows", type=int, default=20000,
                        help="subsample tables larger than this (default 20000)")
    parser.add_argument("--seed", type=int, default=0, help="subsampling seed (default 0)")
    parser.add_argument("--per-table", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--detection", action="store_true",
                        help="also run LogisticDetection per table")
    parser.add_argument("--detection-rows", type=int, default=5000)
    parser.add_argument("--all-pairs", action="store_true",
                        help="count every column pair (thresholds 0), not only related ones")
    parser.add_argument("--types", choices=["infer", "dxsynth"], default="infer")
    parser.add_argument("--dxsynth", default="target/release/dxsynth",
                        help="binary whose `validate` gives the types with --types dxsynth")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from sdmetrics.reports.multi_table import QualityReport

    start = time.time()
    schema = bt.load_schema(args.schema)
    real_raw = bt.read_tables(schema)
    synth_raw = bt.read_tables(schema, args.synthetic_dir)
    types = column_types(schema, real_raw, args)
    meta, kept = build_metadata(schema, types)
    dropped = {t: sorted(c for c, (k, _) in cols.items() if k in ("id", "text", "empty"))
               for t, cols in types.items()}
    real = prepare(real_raw, types, kept, args.max_rows, args.seed, "real")
    synth = prepare(synth_raw, types, kept, args.max_rows, args.seed, "synthetic")

    report = QualityReport()
    if args.all_pairs:
        report.real_correlation_threshold = 0
        report.real_association_threshold = 0
    report.generate(real, synth, meta, verbose=False)
    props = report.get_properties()
    scores = {row["Property"]: float(row["Score"]) for _, row in props.iterrows()}
    cardinality = full_cardinality(real_raw, synth_raw, meta)
    scores["Cardinality"] = cardinality.score
    overall = float(np.nanmean([scores[p] for p in PROPERTIES]))
    result = {
        "schema": args.schema, "synthetic_dir": args.synthetic_dir,
        "sdmetrics_version": __import__("sdmetrics").__version__,
        "max_rows": args.max_rows, "seed": args.seed, "types": args.types,
        "overall": overall,
        "properties": scores,
        "all_pairs": args.all_pairs,
        "scored_columns": sum(1 for t in meta["tables"].values()
                              for m in t["columns"].values() if m["sdtype"] != "id"),
        "relationships": len(meta["relationships"]),
        "dropped_columns": {t: c for t, c in dropped.items() if c},
    }
    if args.per_table or args.json:
        result["per_table"] = per_table(report, cardinality)
    if args.detection:
        result["logistic_detection"] = detection(real, synth, meta, args.detection_rows,
                                                 args.seed)
    result["seconds"] = round(time.time() - start, 1)

    print(f"SDMetrics {result['sdmetrics_version']} QualityReport: {args.synthetic_dir}")
    print(f"  overall              {fmt(result['overall'])}")
    for p in PROPERTIES:
        extra = "   (all pairs)" if p == "Column Pair Trends" and args.all_pairs else ""
        print(f"  {p:<20} {fmt(scores.get(p))}{extra}")
    print(f"  scored columns {result['scored_columns']}, relationships "
          f"{result['relationships']}, dropped (id/text/empty): "
          f"{sum(len(c) for c in dropped.values())}, max rows {args.max_rows}, "
          f"{result['seconds']} s")
    if args.per_table:
        pt = result["per_table"]
        print("\n  table                      shapes  pairs")
        for t, s in pt["tables"].items():
            print(f"  {t:<26} {fmt(s['column_shapes'])}  {fmt(s['column_pair_trends'])}")
        print("\n  relationship                                        cardinality  intertable")
        for r, s in pt["relationships"].items():
            print(f"  {r:<52} {fmt(s.get('cardinality'))}        "
                  f"{fmt(s.get('intertable_trends'))}")
    if args.detection:
        print("\n  LogisticDetection (1 = indistinguishable)")
        for t, s in result["logistic_detection"].items():
            print(f"  {t:<26} {fmt(s)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
