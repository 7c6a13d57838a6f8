#!/usr/bin/env bash
# Databases end to end on the shared datasets: load them into SQLite and a throwaway PostgreSQL
# cluster with their keys declared, `dxsynth init` each (every declared key found?), `dxsynth
# run` into an empty database with the same DDL (right row counts?), Parquet read back with
# pyarrow from PyPI (installed into a virtual environment). Release build.
# Usage: scripts/databases.sh   (DATASETS=... to point elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
venv="${DXSYNTH_VENV:-${TMPDIR:-/tmp}/dxsynth-venv}"
if ! "$venv/bin/python" -c 'import pyarrow, yaml' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyarrow pyyaml
fi
source .ci/postgres.sh
DXSYNTH=target/release/dxsynth "$venv/bin/python" scripts/databases.py
