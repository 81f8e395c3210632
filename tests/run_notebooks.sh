#!/usr/bin/env bash
# Executes every notebook headless on the committed result CSVs, writing figures to a temporary
# folder, so a notebook cannot rot.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export EBM_RESULTS="$root/docs/results" EBM_FIGURES="$tmp"
for nb in "$root"/notebooks/*.ipynb; do
  (cd "$root/notebooks" && /usr/bin/python3 -m nbconvert --to notebook --execute "$nb" --output "$tmp/$(basename "$nb")" >/dev/null 2>&1) \
    || { echo "FAIL: $nb"; (cd "$root/notebooks" && /usr/bin/python3 -m nbconvert --to notebook --execute "$nb" --output "$tmp/x.ipynb"); exit 1; }
  echo "executed $(basename "$nb")"
done
ls "$tmp"/*.png >/dev/null || { echo "FAIL: no figure written"; exit 1; }
