#!/bin/sh
# Times `dxsynth run` on one wide table (COLUMNS columns x 200 rows; default 5000), to check that
# training grows linearly with the number of columns. Release build; prints wall time.
set -e
columns=${1:-5000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$columns" > "$dir/wide.csv" <<'PY'
import random, sys
random.seed(3)
n = int(sys.argv[1])
print(",".join(f"c{j}" for j in range(n)))
for _ in range(200):
    print(",".join(str(random.randint(0, 50)) if j % 3 else random.choice("abcd") for j in range(n)))
PY
printf 'tables:\n  wide:\n    path: wide.csv\n' > "$dir/schema.yaml"
cargo build --release --quiet
start=$(date +%s.%N)
./target/release/dxsynth run "$dir/schema.yaml" -o "$dir/out" --seed 1 --quiet
echo "$columns columns x 200 rows: $(echo "$(date +%s.%N) - $start" | bc) s"
