#!/usr/bin/env python3
"""Text realism of a synthetic folder (issue 10): e-mails built from names, replayed real
values, and word pairs seen in real text.

    python3 scripts/text_realism.py SCHEMA SYNTH_DIR [--json FILE] [--seed 0]

Each measure is computed where its table and column exist (tpcds_sf0.01, nycflights13_20k,
tpch_sf0.01), for the real folder (a reference) and the synthetic one:

- e-mail from name (tpcds `customer`): share of non-empty `c_email_address` of the form
  `<c_first_name>.<c_last_name>@<domain>.<tld>` with the row's own first and last name (exact
  case); also the share with that shape whatever the name (`Word.Word@host.tld`).
- replay, per text/personal/label column: share of non-empty synthetic values equal to a real
  value that is unique in the real column (seen once: a record's own value, must be 0 for
  personal columns), and the share equal to any real value (for lookup labels such as
  `nation.n_name` 100% is the goal). Real "vs itself" is not meaningful here and is not shown.
- word-pair realism (free text and names of things: `item.i_item_desc`, `airports.name`,
  `part.p_name`, ...): values are split into words (letters, digits, apostrophes; lower-cased),
  and the score is the share of adjacent word pairs of the synthetic values that occur in some
  real value. Reference: the same share for one random half of the real rows against the other
  half (seeded), which says what a perfect imitator of unseen text would score.
"""

import argparse
import json
import re

import numpy as np

import bench_tables as bt

WORD = re.compile(r"[A-Za-z0-9']+")
EMAIL_SHAPE = re.compile(r"^[A-Za-z]+\.[A-Za-z]+@[A-Za-z0-9.-]+\.[A-Za-z]+$")

# (table, column): measures. `pairs` = word-pair realism, `replay` = replayed real values.
COLUMNS = {
    ("customer", "c_email_address"): ["replay"],
    ("customer", "c_first_name"): ["replay"],
    ("customer", "c_last_name"): ["replay"],
    ("customer", "c_login"): ["replay"],
    ("customer_address", "ca_street_name"): ["replay"],
    ("item", "i_item_desc"): ["replay", "pairs"],
    ("item", "i_product_name"): ["replay"],
    ("airports", "name"): ["replay", "pairs"],
    ("airlines", "name"): ["replay", "pairs"],
    ("nation", "n_name"): ["replay"],
    ("region", "r_name"): ["replay"],
    ("customer", "c_name"): ["replay"],
    ("customer", "c_address"): ["replay"],
    ("customer", "c_phone"): ["replay"],
    ("supplier", "s_name"): ["replay"],
    ("part", "p_name"): ["replay", "pairs"],
}


def pairs_of(values):
    """Adjacent lower-cased word pairs of every value."""
    out = []
    for v in values:
        words = [w.lower() for w in WORD.findall(v)]
        out.extend(zip(words, words[1:]))
    return out


def pair_share(candidate, reference):
    """Share of the candidate values' word pairs that occur in some reference value."""
    known = set(pairs_of(reference))
    pairs = pairs_of(candidate)
    if not pairs:
        return None, 0
    return float(np.mean([p in known for p in pairs])), len(pairs)


def email_from_name(df):
    """(share from the row's own name, share of the Word.Word@host.tld shape, rows)."""
    rows = df[df["c_email_address"].notna()]
    if len(rows) == 0:
        return None, None, 0
    own = [isinstance(f, str) and isinstance(l, str) and
           e.startswith(f"{f}.{l}@") and bool(EMAIL_SHAPE.match(e))
           for e, f, l in zip(rows["c_email_address"], rows["c_first_name"], rows["c_last_name"])]
    shape = rows["c_email_address"].str.match(EMAIL_SHAPE)
    return float(np.mean(own)), float(shape.mean()), int(len(rows))


def replay(real, synth):
    """(share equal to a unique real value, share equal to any real value, values)."""
    r = real.dropna()
    s = synth.dropna()
    if len(s) == 0:
        return None, None, 0
    counts = r.value_counts()
    unique = set(counts[counts == 1].index)
    anyreal = set(counts.index)
    return float(s.isin(unique).mean()), float(s.isin(anyreal).mean()), int(len(s))


def measure(schema, real, synth, seed):
    result = {"columns": {}}
    if "customer" in real and {"c_email_address", "c_first_name", "c_last_name"} <= set(
            real["customer"].columns):
        r_own, r_shape, r_n = email_from_name(real["customer"])
        s_own, s_shape, s_n = email_from_name(synth["customer"])
        result["email_from_name"] = {"real": r_own, "synthetic": s_own,
                                     "real_shape": r_shape, "synthetic_shape": s_shape,
                                     "rows": s_n}
    rng = np.random.default_rng(seed)
    for (table, col), measures in COLUMNS.items():
        if table not in real or col not in real[table].columns:
            continue
        r, s = real[table][col], synth[table][col]
        entry = {}
        if "replay" in measures:
            uniq, anyreal, n = replay(r, s)
            entry.update(replay_unique=uniq, replay_any=anyreal, values=n,
                         real_unique_share=float(r.dropna().value_counts().eq(1).sum()
                                                 / max(1, r.dropna().nunique())))
        if "pairs" in measures:
            values = r.dropna().tolist()
            entry["pairs_synthetic"], entry["pairs_count"] = pair_share(s.dropna().tolist(),
                                                                        values)
            half = rng.permutation(len(values))
            a = [values[i] for i in half[: len(values) // 2]]
            b = [values[i] for i in half[len(values) // 2:]]
            entry["pairs_real_half"], _ = pair_share(b, a)
        result["columns"][f"{table}.{col}"] = entry
    return result


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("schema")
    parser.add_argument("synthetic_dir")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    schema = bt.load_schema(args.schema)
    real = bt.read_tables(schema)
    synth = bt.read_tables(schema, args.synthetic_dir)
    result = measure(schema, real, synth, args.seed)
    if "email_from_name" in result:
        e = result["email_from_name"]
        print(f"customer.c_email_address = <c_first_name>.<c_last_name>@domain: real "
              f"{pct(e['real'])}, synthetic {pct(e['synthetic'])} "
              f"(shape Word.Word@host.tld: real {pct(e['real_shape'])}, synthetic "
              f"{pct(e['synthetic_shape'])}; {e['rows']} synthetic e-mails)")
    print(f"{'column':<32} {'replay unique':>13} {'any real':>9} {'pairs seen':>10} "
          f"{'real half':>9}")
    for name, e in result["columns"].items():
        print(f"{name:<32} {pct(e.get('replay_unique')):>13} {pct(e.get('replay_any')):>9} "
              f"{pct(e.get('pairs_synthetic')):>10} {pct(e.get('pairs_real_half')):>9}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
