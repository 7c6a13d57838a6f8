#!/usr/bin/env bash
# A profile-guided (PGO) release build of dxsynth: an instrumented build is run on a training
# workload, its profiles are merged, and the release build is made again with them, so the
# compiler lays out and inlines the hot paths (row drawing, CSV writing) as they are really
# taken. On TPC-H sf1 `generate` it takes about 7% less CPU time than the plain release build
# (scripts/compare_builds.sh: 0.927, 0.920-0.934), with byte-identical output. Benchmarks and
# users who build their own binary only: the tests and CI use the plain `cargo build --release`.
#
# Usage: scripts/build_pgo.sh [--data DIR] [--work DIR]
#   --data DIR  a folder holding TPC-H sf0.1 as scripts/bench_tpch.sh builds it (DIR/sf0.1):
#               when there, `run`, `train` and `generate` on it are the training workload
#               (closest to large tables); the bundled shop example always is
#   --work DIR  where the profiles and training outputs go (default: a new temporary folder)
# The binary is written to target/pgo/release/dxsynth (its own target folder: the plain build
# in target/release is left alone). Needs the toolchain's llvm-profdata: `rustup component add
# llvm-tools` (the script says so when it is missing).
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
root="$PWD"
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$caller/$1" ;; esac; }

data="" work=""
while (($#)); do
  case "$1" in
    --data) data="$(absolute "$2")"; shift 2 ;;
    --work) work="$(absolute "$2")"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_pgo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# llvm-profdata of the active toolchain (its LLVM must be the compiler's).
sysroot="$(rustc --print sysroot)"
host="$(rustc -vV | sed -n 's/^host: //p')"
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [[ ! -x "$profdata" ]]; then
  echo "build_pgo.sh: no llvm-profdata at $profdata; install it with: rustup component add llvm-tools" >&2
  exit 2
fi

if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
else
  mkdir -p "$work"
  work="$(mktemp -d "$work/build_pgo.XXXXXX")"
fi
trap 'rm -rf "$work"' EXIT

echo "build_pgo.sh: instrumented build" >&2
RUSTFLAGS="-Cprofile-generate=$work/profiles" CARGO_TARGET_DIR="$root/target/pgo-generate" \
  cargo build --release --quiet
instrumented="$root/target/pgo-generate/release/dxsynth"

echo "build_pgo.sh: training workload" >&2
"$instrumented" run schemas/shop.yaml -o "$work/shop" --seed 7 --quiet
if [[ -f "$data/sf0.1/schema.yaml" ]]; then
  "$instrumented" run "$data/sf0.1/schema.yaml" -o "$work/run" --seed 1 --quiet
  "$instrumented" train "$data/sf0.1/schema.yaml" -m "$work/model.dxm" --seed 1 --quiet
  "$instrumented" generate "$work/model.dxm" -o "$work/generate" --seed 1 --quiet
else
  echo "build_pgo.sh: no TPC-H sf0.1 in '${data:-(no --data)}': training on the shop example only" >&2
fi
"$profdata" merge -o "$work/merged.profdata" "$work/profiles"

echo "build_pgo.sh: optimized build" >&2
RUSTFLAGS="-Cprofile-use=$work/merged.profdata" CARGO_TARGET_DIR="$root/target/pgo" \
  cargo build --release --quiet
echo "$root/target/pgo/release/dxsynth"
