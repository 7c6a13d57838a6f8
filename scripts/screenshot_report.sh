#!/usr/bin/env bash
# Makes docs/report.png, the picture of the HTML report shown in the README: builds dxsynth,
# generates the shop example, evaluates it with --html and renders the page in headless
# Chromium (Debian's package: `apt-get install -y chromium`). Run from anywhere; as root,
# Chromium needs --no-sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/dxsynth"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$bin" run schemas/shop.yaml -o "$work/shop" --seed 7 --quiet
"$bin" evaluate schemas/shop.yaml "$work/shop" --html "$work/report.html" --quiet

mkdir -p docs
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --screenshot="$PWD/docs/report.png" \
  --window-size="${WIDTH:-1280},${HEIGHT:-2000}" "file://$work/report.html"
echo "wrote docs/report.png"
