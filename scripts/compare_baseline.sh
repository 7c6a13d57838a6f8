#!/usr/bin/env bash
# Why: the restructure of issue 9 (and any refactor) must not change behaviour. This re-runs a
# dxsynth binary exactly as the baseline was made (`run SCHEMA -o out/<name> --seed 7` and
# `train SCHEMA -m models/<name>.dxm --seed 7`) and compares the checksums of every output CSV
# and model file with the baseline's; with the baseline binary at hand, it also compares the
# schemas `init --dry-run` infers for the datasets.
#
# Usage: scripts/compare_baseline.sh [BINARY] [BASELINE_DIR]
#   BINARY        defaults to target/release/dxsynth
#   BASELINE_DIR  defaults to /work/baseline (holds out.sha256 and models.sha256)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:-target/release/dxsynth}")"
baseline="$(realpath "${2:-/work/baseline}")"
datasets="${DATASETS:-/work/shared/datasets}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out" "$work/models"

schemas=(schemas/bank.yaml schemas/bank_two_tables.yaml schemas/shop.yaml)
for dir in nycflights13_20k tpch_sf0.01 tpcds_sf0.01; do
    schemas+=("$datasets/$dir/schema.yaml")
done

for schema in "${schemas[@]}"; do
    name="$(basename "$(dirname "$schema")")_$(basename "$schema" .yaml)"
    "$bin" run "$schema" -o "$work/out/$name" --seed 7 --quiet >/dev/null
    "$bin" train "$schema" -m "$work/models/$name.dxm" --seed 7 --quiet >/dev/null
done

status=0
check() { # $1 = directory, $2 = baseline checksum file
    local result
    if result="$(cd "$1" && sha256sum --check --strict "$2" 2>&1)"; then
        echo "$(wc -l <"$2") files identical ($(basename "$2"))"
    else
        echo "$result" | grep -v ': OK$' || true
        status=1
    fi
    # Files the baseline does not know are differences too.
    local extra
    extra="$(cd "$1" && find . -type f | sed 's|^\./||' | sort)"
    local known
    known="$(sed 's/^[0-9a-f]*  //; s|^\./||' "$2" | sort)"
    if [ "$extra" != "$known" ]; then
        echo "file lists differ in $(basename "$2"):"
        diff <(echo "$known") <(echo "$extra") || true
        status=1
    fi
}
check "$work/out" "$baseline/out.sha256"
check "$work/models" "$baseline/models.sha256"
# `init` on the datasets: the inferred schema must not change either (needs the baseline binary).
if [ -x "$baseline/dxsynth-before" ]; then
    for dir in nycflights13_20k tpch_sf0.01 tpcds_sf0.01; do
        if diff <("$baseline/dxsynth-before" init "$datasets/$dir" --dry-run 2>&1) \
                <("$bin" init "$datasets/$dir" --dry-run 2>&1) >/dev/null; then
            echo "init $dir: identical schema"
        else
            echo "init $dir: SCHEMA DIFFERS"
            status=1
        fi
    done
fi
if [ "$status" -eq 0 ]; then
    echo "compare_baseline: ALL IDENTICAL (${#schemas[@]} schemas: outputs and model files; init schemas)"
else
    echo "compare_baseline: DIFFERENCES FOUND"
fi
exit "$status"
