#!/usr/bin/env bash
# Checks the module boundaries that the compiler cannot: the dependency
# direction store <- engine <- {projections, sagas} <- examples <- {tools, bench}
# (tools may call bench), and that no module includes another's internal/
# headers. A module's own tests may include its internals.
set -euo pipefail
cd "$(dirname "$0")/.."

# What each module may include, besides itself.
declare -A allowed=(
  [store]="store"
  [engine]="store engine"
  [projections]="store engine projections"
  [sagas]="store engine sagas"
  [examples]="store engine projections sagas examples"
  [bench]="store engine projections sagas examples bench"
  [tools]="store engine projections sagas examples bench tools"
)

failures=0
for module in "${!allowed[@]}"; do
  [ -d "$module" ] || continue
  while IFS=: read -r file _ include; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
    case " ${allowed[$module]} " in
      *" $target "*) ;;
      *) echo "$file includes $target: $module may include only ${allowed[$module]}"; failures=$((failures + 1)) ;;
    esac
  done < <(grep -rnE '^#include "[a-z_]+/' --include='*.h' --include='*.cc' "$module" || true)
done

# internal/ headers: only from the folder that holds internal/, or from its tests.
while IFS=: read -r file _ include; do
  owner=$(sed -E 's/.*#include "(.+)\/internal\/.*/\1/' <<<"$include")
  case "$file" in
    "$owner"/* | tests/"$owner"/*) ;;
    *) echo "$file includes $owner's internal header: ${include#*#include }"; failures=$((failures + 1)) ;;
  esac
done < <(grep -rnE '^#include "[a-z_/]+/internal/' --include='*.h' --include='*.cc' \
           store engine projections sagas examples bench tools tests || true)

if [ "$failures" -gt 0 ]; then
  echo "$failures include(s) cross a module boundary"
  exit 1
fi
echo "module boundaries hold"
