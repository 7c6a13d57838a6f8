#!/usr/bin/env python3
"""Databases end to end on the shared datasets (called by scripts/databases.sh).

For each dataset (../shared/datasets/*/schema.yaml): load the real CSVs into SQLite and
PostgreSQL with the schema's primary and foreign keys declared; `dxsynth init` each database and
check that every declared key is found; `dxsynth run` the schema init wrote into an empty
database with the same DDL and check the row counts; write Parquet and read it back with
pyarrow. Prints one line per check and a table of figures; exits non-zero on any mismatch.
"""

import csv
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

DXSYNTH = os.environ.get("DXSYNTH", "target/release/dxsynth")
PG = os.environ["DXSYNTH_TEST_PG"]
PSQL = shutil.which("psql") or os.path.join(os.environ.get("DXSYNTH_PG_BIN", "/usr/bin"), "psql")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(args, **kw):
    start = time.time()
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stderr}{done.stdout}")
    return done.stdout, time.time() - start


def column_type(values):
    present = [v for v in values if v != ""]
    if present and all(re.fullmatch(r"-?\d{1,18}", v) for v in present):
        return "int"
    try:
        for v in present:
            float(v)
        return "float" if present else "text"
    except ValueError:
        return "text"


def parents_first(tables):
    order, placed = [], set()
    while len(order) < len(tables):
        for name, table in tables.items():
            parents = set((table.get("foreign_keys") or {}).values()) - {name}
            if name not in placed and parents <= placed:
                order.append(name)
                placed.add(name)
    return order


def describe(dataset):
    """Tables in dependency order with columns, types, keys and rows."""
    schema = yaml.safe_load((dataset / "schema.yaml").read_text())
    tables = schema["tables"]
    described = {}
    for name in parents_first(tables):
        with open(dataset / tables[name]["path"], newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header, rows = rows[0], rows[1:]
        types = [column_type([r[i] for r in rows]) for i in range(len(header))]
        described[name] = {
            "header": header,
            "types": types,
            "rows": rows,
            "pk": tables[name].get("primary_key"),
            "fks": dict(tables[name].get("foreign_keys") or {}),
            "file": dataset / tables[name]["path"],
        }
    # A foreign key column takes its parent key's type (PostgreSQL insists).
    for table in described.values():
        for column, parent in table["fks"].items():
            parent = described[parent]
            table["types"][table["header"].index(column)] = parent["types"][
                parent["header"].index(parent["pk"])
            ]
    return described


def ddl(described, dialect):
    sql_types = {
        "postgres": {"int": "bigint", "float": "double precision", "text": "text"},
        "sqlite": {"int": "INTEGER", "float": "REAL", "text": "TEXT"},
    }[dialect]
    statements = []
    for name, table in described.items():
        parts = [f'"{c}" {sql_types[t]}' for c, t in zip(table["header"], table["types"])]
        if table["pk"]:
            parts.append(f'PRIMARY KEY ("{table["pk"]}")')
        for column, parent in table["fks"].items():
            parts.append(
                f'FOREIGN KEY ("{column}") REFERENCES "{parent}" ("{described[parent]["pk"]}")'
            )
        statements.append(f'CREATE TABLE "{name}" ({", ".join(parts)});')
    return "\n".join(statements)


def sqlite_load(path, described, with_rows):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(ddl(described, "sqlite"))
    if with_rows:
        for name, table in described.items():
            convert = [
                (lambda v: int(v)) if t == "int" else (lambda v: float(v)) if t == "float" else str
                for t in table["types"]
            ]
            slots = ", ".join("?" * len(table["header"]))
            conn.executemany(
                f'INSERT INTO "{name}" VALUES ({slots})',
                ([None if v == "" else f(v) for f, v in zip(convert, row)] for row in table["rows"]),
            )
    conn.commit()
    conn.close()


def pg_uri(db):
    path, query = PG.split("?", 1)
    return f"{path.rsplit('/', 1)[0]}/{db}?{query}"


def psql(uri, *args):
    return run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", uri, *args])[0]


def pg_create(db, described, with_rows):
    psql(PG, "-c", f"DROP DATABASE IF EXISTS {db}", "-c", f"CREATE DATABASE {db}")
    uri = pg_uri(db)
    psql(uri, "-c", ddl(described, "postgres"))
    if with_rows:
        for name, table in described.items():
            columns = ", ".join(f'"{c}"' for c in table["header"])
            psql(uri, "-c", f"\\copy \"{name}\" ({columns}) FROM '{table['file']}' CSV HEADER")
    return uri


def declared_keys(described):
    pks = {n: t["pk"] for n, t in described.items() if t["pk"]}
    fks = {(n, c, p) for n, t in described.items() for c, p in t["fks"].items()}
    return pks, fks


def found_keys(schema_file):
    tables = yaml.safe_load(Path(schema_file).read_text())["tables"]
    pks = {n: t["primary_key"] for n, t in tables.items() if t.get("primary_key")}
    fks = {(n, c, p) for n, t in tables.items() for c, p in (t.get("foreign_keys") or {}).items()}
    return pks, fks


def summary_rows(stdout):
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"(\S+)\s+(\d+) rows \(real\s+(\d+)\)", line)
        if match:
            rows[match[1]] = int(match[2])
    return rows


def sqlite_counts(path, names):
    conn = sqlite3.connect(path)
    counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    violations = conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    return counts, violations


def pg_counts(uri, names):
    counts = {}
    for n in names:
        counts[n] = int(psql(uri, "-At", "-c", f'SELECT count(*) FROM "{n}"').strip())
    return counts


def main():
    datasets = Path(os.environ.get("DATASETS", "../shared/datasets"))
    work = Path(tempfile.mkdtemp(prefix="dxsynth-db-"))
    figures = []
    for schema in sorted(datasets.glob("*/schema.yaml")):
        dataset = schema.parent
        name = dataset.name
        described = describe(dataset)
        pks, fks = declared_keys(described)
        total = sum(len(t["rows"]) for t in described.values())
        print(f"== {name}: {len(described)} tables, {total} rows, {len(pks)} primary and "
              f"{len(fks)} foreign keys declared", flush=True)
        db_name = re.sub(r"\W", "_", name).lower()
        for backend in ("sqlite", "postgres"):
            start = time.time()
            if backend == "sqlite":
                real = work / f"{name}.db"
                sqlite_load(real, described, True)
                location = f"sqlite:{real}"
            else:
                location = pg_create(f"real_{db_name}", described, True)
            load_s = time.time() - start
            schema_file = work / f"{name}.{backend}.yaml"
            out, init_s = run([DXSYNTH, "init", location, "-o", schema_file, "--force"])
            found_pks, found_fks = found_keys(schema_file)
            check(found_pks == pks and found_fks == fks,
                  f"{name} {backend}: init found {len(found_pks)}/{len(pks)} primary and "
                  f"{len(found_fks & fks)}/{len(fks)} foreign keys"
                  + ("" if found_fks <= fks else f", extra {sorted(found_fks - fks)}"))
            if backend == "sqlite":
                target = work / f"{name}.synthetic.db"
                sqlite_load(target, described, False)
                target_location = f"sqlite:{target}"
            else:
                target_location = pg_create(f"synthetic_{db_name}", described, False)
            out, run_s = run([DXSYNTH, "run", schema_file, "-o", target_location, "--seed", "1"])
            expected = summary_rows(out)
            if backend == "sqlite":
                counts, violations = sqlite_counts(target, described)
                check(not violations, f"{name} sqlite: PRAGMA foreign_key_check is clean")
            else:
                counts = pg_counts(target_location, described)
            check(counts == expected and set(counts) == set(described),
                  f"{name} {backend}: run loaded {sum(counts.values())} rows into "
                  f"{len(counts)} tables, as generated")
            figures.append((name, backend, load_s, init_s, run_s, sum(counts.values())))
        # Parquet out, read back by pyarrow.
        import pyarrow.parquet as pq
        out_dir = work / f"{name}.parquet"
        out, parquet_s = run([DXSYNTH, "run", schema, "-o", out_dir, "--format", "parquet",
                              "--seed", "1"])
        expected = summary_rows(out)
        read = {n: pq.read_table(out_dir / f"{n}.parquet") for n in expected}
        check({n: t.num_rows for n, t in read.items()} == expected,
              f"{name} parquet: pyarrow reads {sum(t.num_rows for t in read.values())} rows in "
              f"{len(read)} files")
        codecs = {pq.ParquetFile(out_dir / f"{n}.parquet").metadata.row_group(0).column(0).compression
                  for n in expected}
        check(codecs == {"ZSTD"}, f"{name} parquet: compression {sorted(codecs)}")
        size = sum(f.stat().st_size for f in out_dir.iterdir())
        figures.append((name, "parquet", 0.0, 0.0, parquet_s, size))
    print()
    print(f"{'dataset':<18} {'target':<9} {'load real (s)':>13} {'init (s)':>9} {'run (s)':>8} "
          f"{'rows / bytes':>12}")
    for name, backend, load_s, init_s, run_s, rows in figures:
        print(f"{name:<18} {backend:<9} {load_s:>13.1f} {init_s:>9.1f} {run_s:>8.1f} {rows:>12}")
    subprocess.run(["rm", "-rf", str(work)])
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")


if __name__ == "__main__":
    main()
