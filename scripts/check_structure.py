#!/usr/bin/env python3
"""Structural check of a synthetic CSV folder against its schema, for benchmarks on large data
(scripts/bench_tpch.sh; TPC-H sf1 has 6 million lineitem rows): the guarantees dxsynth makes
whatever the model, checked in one streaming pass per table without holding rows.

- every table of the schema has OUT/<table>.csv, with the input file's header;
- a primary key is exactly 1..N in row order, or, for a table dxsynth kept verbatim (a lookup
  table such as TPC-H region and nation), exactly the input's keys in the input's order;
- every non-empty foreign key value is a primary key value of its parent's output.

Tables are read parents first, so a parent whose keys are 1..N is held as its row count only;
the key values of a kept table are held as a set. Needs PyYAML (the schema) and the standard
library; reads only folder (CSV) schemas: each table's `path` relative to the schema file.

Usage: check_structure.py SCHEMA OUT_DIR      exit 0: intact; 1: problems (printed); 2: usage
"""
import csv
import pathlib
import sys

import yaml

csv.field_size_limit(1 << 30)


class ParentKeys:
    """The primary key values of an output table: 1..count, or an explicit set (a kept table)."""

    def __init__(self, count, values=None):
        self.count = count
        self.values = values

    def __contains__(self, value):
        if self.values is not None:
            return value in self.values
        # 1..N written as plain decimals: no sign, no leading zero, no spaces.
        return value.isascii() and value.isdigit() and value[0] != "0" and int(value) <= self.count


def read_header(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def input_keys(path, column):
    """The key column of an input file, in file order (only read for a table whose output keys
    are not 1..N, which is what a kept table looks like)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        index = next(reader).index(column)
        return [row[index] for row in reader]


def parents_first(tables):
    """Table names ordered so each comes after the tables its foreign keys name."""
    order, seen = [], set()

    def visit(name, path):
        if name in seen or name not in tables:
            return
        if name in path:
            raise SystemExit(f"check_structure: foreign keys form a cycle through {name}")
        for parent in (tables[name].get("foreign_keys") or {}).values():
            visit(parent, path | {name})
        seen.add(name)
        order.append(name)

    for name in tables:
        visit(name, frozenset())
    return order


def check_table(name, spec, real_path, out_path, keys, problems):
    """Streams one output table: its header, its primary key and its foreign keys. Returns the
    row count, the table's key values as ParentKeys (None without a primary key) and what the
    keys are, in words."""
    real_header = read_header(real_path)
    with open(out_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != real_header:
            problems.append(f"{name}: header {header} differs from the input's {real_header}")
            return 0, None, "header differs (not read further)"
        pk = spec.get("primary_key")
        pk_index = header.index(pk) if pk else None
        fks = [
            (header.index(column), column, keys[parent])
            for column, parent in (spec.get("foreign_keys") or {}).items()
            if keys.get(parent) is not None
        ]
        pk_values, sequential, rows = [], True, 0
        dangling = {column: 0 for _, column, _ in fks}
        examples = {}
        for rows, row in enumerate(reader, start=1):
            if pk_index is not None:
                value = row[pk_index]
                if sequential and value != str(rows):
                    sequential = False
                if not sequential:
                    pk_values.append(value)
            for index, column, parent in fks:
                value = row[index]
                if value and value not in parent:
                    dangling[column] += 1
                    examples.setdefault(column, value)
    for column, count in dangling.items():
        if count:
            problems.append(
                f"{name}.{column}: {count} dangling foreign key values (e.g. {examples[column]!r})"
            )
    if pk_index is None:
        return rows, None, "no primary key"
    if sequential:
        return rows, ParentKeys(rows), "keys 1..N"
    # Not 1..N: only a kept table may differ, and then it holds the input's keys exactly.
    written = [str(i) for i in range(1, rows - len(pk_values) + 1)] + pk_values
    if written != input_keys(real_path, pk):
        problems.append(f"{name}.{pk}: primary key is neither 1..{rows} nor the input's keys")
        return rows, ParentKeys(rows, set(written)), "keys wrong"
    return rows, ParentKeys(rows, set(written)), "the input's keys (kept table)"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    schema_path, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    tables = yaml.safe_load(schema_path.read_text(encoding="utf-8"))["tables"]
    problems, keys, lines = [], {}, []
    for name in parents_first(tables):
        spec = tables[name]
        out_path = out / f"{name}.csv"
        if not out_path.is_file():
            problems.append(f"{name}: {out_path} is missing")
            keys[name] = None
            continue
        real_path = schema_path.parent / spec["path"]
        rows, keys[name], kind = check_table(name, spec, real_path, out_path, keys, problems)
        lines.append(f"{name}: {rows} rows, {kind}")
    print("\n".join(lines))
    if problems:
        print("\n".join(f"PROBLEM {p}" for p in problems))
        sys.exit(1)
    print(f"structure ok: {len(tables)} tables")


if __name__ == "__main__":
    main()
