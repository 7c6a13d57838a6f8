#!/usr/bin/env python3
"""Build TPC-H at a scale factor as a folder of CSV files plus a dxsynth schema, the way the
shared tpch_sf0.01 was made (duckdb + the tpch extension from PyPI, CALL dbgen; DECIMAL as
floats, DATE as YYYY-MM-DD; composite keys left out). Used by scripts/bench_tpch.sh.

Usage: tpch_make.py SCALE_FACTOR OUT_DIR
"""
import pathlib
import shutil
import sys

import duckdb
import duckdb_extension_tpch

SCHEMA = """\
# TPC-H sf{sf}, built by scripts/tpch_make.py (benchmark data, not for the tests)
tables:
  region:
    path: region.csv
    primary_key: r_regionkey
  nation:
    path: nation.csv
    primary_key: n_nationkey
    foreign_keys:
      n_regionkey: region
    sequential: false
  supplier:
    path: supplier.csv
    primary_key: s_suppkey
    foreign_keys:
      s_nationkey: nation
    sequential: false
  customer:
    path: customer.csv
    primary_key: c_custkey
    foreign_keys:
      c_nationkey: nation
    sequential: false
  part:
    path: part.csv
    primary_key: p_partkey
  partsupp:
    path: partsupp.csv
    foreign_keys:
      ps_partkey: part
      ps_suppkey: supplier
    sequential: false
  orders:
    path: orders.csv
    primary_key: o_orderkey
    foreign_keys:
      o_custkey: customer
    sequential: true
  lineitem:
    path: lineitem.csv
    foreign_keys:
      l_orderkey: orders
      l_partkey: part
      l_suppkey: supplier
    sequential: true
    sequence_by: l_orderkey
"""

TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"]


def main() -> None:
    sf, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    ext = next(pathlib.Path(duckdb_extension_tpch.__path__[0]).rglob("tpch.duckdb_extension"))
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute(f"CALL dbgen(sf={float(sf)})")
    for table in TABLES:
        columns = con.execute(f"DESCRIBE {table}").fetchall()
        select = ", ".join(
            f"CAST({name} AS DOUBLE) AS {name}" if kind.startswith("DECIMAL") else name
            for name, kind, *_ in columns
        )
        target = out / f"{table}.csv"
        con.execute(
            f"COPY (SELECT {select} FROM {table}) TO '{target}' "
            "(HEADER, DELIMITER ',', DATEFORMAT '%Y-%m-%d')"
        )
    (out / "schema.yaml").write_text(SCHEMA.format(sf=sf))


if __name__ == "__main__":
    main()
