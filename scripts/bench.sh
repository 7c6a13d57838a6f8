#!/usr/bin/env bash
# Wall time and peak memory of `dxsynth run` on every dataset in ../shared/datasets (release).
# Usage: scripts/bench.sh [extra dxsynth run flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
datasets="${DATASETS:-../shared/datasets}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
printf '%-20s %10s %12s\n' dataset "wall (s)" "peak (MiB)"
for schema in "$datasets"/*/schema.yaml; do
  name="$(basename "$(dirname "$schema")")"
  /usr/bin/time -f '%e %M' -o "$out/time" \
    ./target/release/dxsynth run "$schema" -o "$out/$name" --seed 1 --quiet "$@"
  read -r wall kib < "$out/time"
  printf '%-20s %10s %12.1f\n' "$name" "$wall" "$(echo "$kib / 1024" | bc -l)"
done
