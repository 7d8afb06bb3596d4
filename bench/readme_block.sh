#!/usr/bin/env bash
# readme_block.sh NAME FILE: puts FILE into the README between the lines
# <!-- NAME:begin --> and <!-- NAME:end -->, replacing what was there.
set -euo pipefail
name=$1 file=$2
readme=$(cd "$(dirname "$0")/.." && pwd)/README.md
grep -q "<!-- $name:begin -->" "$readme" || { echo "README.md has no $name block" >&2; exit 1; }
awk -v table="$file" -v begin="<!-- $name:begin -->" -v end="<!-- $name:end -->" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip' "$readme" >"$readme.new"
mv "$readme.new" "$readme"
