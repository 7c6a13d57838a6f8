#!/usr/bin/env bash
# Compares the speed of two dxsynth binaries on `generate` from one model file, fairly on a
# shared machine. Single runs one after the other differ by up to a quarter from minute to
# minute here (other tenants of the host), far more than most changes gain; so the two binaries
# run at the same time, one thread each (one core each), and whatever slows the machine slows
# both. The one started first ran a few percent slower in some runs, so every pair runs twice,
# once in each order, and the ratios of both orders are combined (geometric mean). Also checks
# that the two outputs are byte-identical. Prints each pair's CPU (user) times and the ratio
# B/A: below 1, B is faster. Benchmark only: the tests never need it.
#
# Usage: scripts/compare_builds.sh MODEL BIN_A BIN_B [PAIRS] [MODEL_B]
#   MODEL   a model file (dxsynth train)
#   BIN_A   the binary to compare against (say, main's)
#   BIN_B   the binary measured
#   PAIRS   pairs in each order (default: 4)
#   MODEL_B the model file BIN_B reads, when the two read different formats (trained by
#           each); the outputs may then differ, and the files that do are listed once
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
model=$1
a=$(realpath "$2")
b=$(realpath "$3")
pairs=${4:-4}
model_b=${5:-$model}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one NAME BIN MODEL: generates into $work/NAME on one thread, its user time into
# $work/NAME.time.
one() {
  RAYON_NUM_THREADS=1 /usr/bin/time -f "%U" -o "$work/$1.time" \
    "$2" generate "$3" -o "$work/$1" --seed 1 >/dev/null 2>"$work/$1.err" ||
    { echo "$2 failed:" >&2; cat "$work/$1.err" >&2; exit 1; }
}

# pair WHICH: runs both at once, WHICH (a or b) started first; prints their user times and
# appends the B/A ratio to $work/ratios.
pair() {
  rm -rf "$work/a" "$work/b"
  local first second
  if [[ $1 == a ]]; then
    one a "$a" "$model" & first=$!; one b "$b" "$model_b" & second=$!
  else
    one b "$b" "$model_b" & first=$!; one a "$a" "$model" & second=$!
  fi
  wait "$first"
  wait "$second"
  if ! diff -rq "$work/a" "$work/b" >"$work/differ"; then
    if [[ $model_b == "$model" ]]; then
      echo "the outputs differ" >&2
      exit 1
    fi
    [[ -e $work/listed ]] || { sed 's/^/  /' "$work/differ"; touch "$work/listed"; }
  fi
  paste "$work/a.time" "$work/b.time" | tail -1 |
    awk -v o="$1 first" -v out="$work/ratios" \
      '{printf "%-8s A %6.2f s  B %6.2f s  B/A %.3f\n", o, $1, $2, $2/$1; print $2/$1 >> out}'
}

for _ in $(seq "$pairs"); do
  pair a
  pair b
done
awk '
  { sum += log($1); n++; r[n] = $1 }
  END {
    mean = sum / n; var = 0
    for (i = 1; i <= n; i++) var += (log(r[i]) - mean) ^ 2
    se = (n > 1) ? sqrt(var / (n - 1) / n) : 0
    printf "B/A over %d runs: %.3f (geometric mean; one standard error: %.3f to %.3f)\n",
      n, exp(mean), exp(mean - se), exp(mean + se)
  }' "$work/ratios"
