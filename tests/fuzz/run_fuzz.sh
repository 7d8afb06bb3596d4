#!/usr/bin/env bash
# Runs one fuzz target for FUZZ_SECONDS (default 15) on its seed corpus.
# New inputs go to a scratch folder; an input that breaks the target is kept
# in ARTIFACTS and named in the output: add it to the corpus once fixed, as
# a regression input.
set -euo pipefail
target=$1 corpus=$2 artifacts=$3
seconds=${FUZZ_SECONDS:-15}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
dict=$corpus.dict
"$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$(basename "$target")-" \
  $([ -f "$dict" ] && echo "-dict=$dict") "$scratch" "$corpus"
