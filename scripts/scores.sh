#!/usr/bin/env bash
# Quality, validity and privacy of both models on every dataset in ../shared/datasets
# (release build, --seed 1), as a Markdown table for the README and issue notes.
# Usage: scripts/scores.sh [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
seed="${1:-1}"
datasets="${DATASETS:-../shared/datasets}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "| dataset | model | overall | shapes | pair trends (all) | cardinality | intertable (all) | sequences | validity (min) | exact copies (real vs real) | DCR protection | run | evaluate |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for schema in "$datasets"/*/schema.yaml; do
  name="$(basename "$(dirname "$schema")")"
  for model in reference learned; do
    dir="$out/$name-$model"
    start=$(date +%s.%N)
    ./target/release/dxsynth run "$schema" -o "$dir" --seed "$seed" --model "$model" --quiet
    middle=$(date +%s.%N)
    ./target/release/dxsynth evaluate "$schema" "$dir" --json "$dir.json" > /dev/null
    end=$(date +%s.%N)
    python3 - "$dir.json" "$name" "$model" "$start" "$middle" "$end" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
name, model = sys.argv[2], sys.argv[3]
start, middle, end = map(float, sys.argv[4:7])
q = report["quality"]
def f(x): return "-" if x is None else f"{x:.3f}"
def prop(key):
    p = q[key]
    return f"{f(p['score'])} ({f(p.get('score_all_pairs'))})" if "score_all_pairs" in p else f(p["score"])
validity = min(v["score"] for v in report["validity"].values() if isinstance(v, dict) and v.get("score") is not None)
privacy = report["privacy"]
def share(x): return "-" if x is None else f"{100 * x:.1f}%"
print(f"| {name} | {model} | {f(report['overall_quality'])} | {prop('column_shapes')} | {prop('column_pair_trends')} "
      f"| {prop('cardinality')} | {prop('intertable_trends')} | {prop('sequence_coherence')} | {validity:.3f} "
      f"| {share(privacy.get('exact_copies'))} ({share(privacy.get('exact_copies_real_vs_real'))}) "
      f"| {f(privacy.get('dcr_baseline_protection'))} | {middle - start:.2f} s | {end - middle:.2f} s |")
PY
  done
done
