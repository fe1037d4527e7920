#!/bin/bash
# Runs sst-stylize on the bundled samples under a sweep of address-space
# limits (ulimit -v) and checks that each run ends, within TIMEOUT seconds,
# either with a result (exit 0) or with exit 1 and exactly one
# "sst-stylize: error: ..." line: never a hang, a crash or a second line.
# Slow (one full run per limit), so not part of `meson test`; the test
# suite checks two limits (tests/cli/test_limits.sh).
# usage: tools/memory_sweep.sh [BIN [FROM_KB [TO_KB [STEP_KB [TIMEOUT]]]]]
#   defaults: build/cli/sst-stylize 20000 1300000 40000 60
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/cli/sst-stylize} FROM=${2:-20000} TO=${3:-1300000}
STEP=${4:-40000} TIMEOUT=${5:-60}
S=$ROOT/samples
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
bad=0
for kb in $(seq "$FROM" "$STEP" "$TO"); do
  rm -f "$T/out.png"
  t0=$(date +%s.%N)
  timeout -s KILL "$TIMEOUT" bash -c 'ulimit -v '"$kb"' && exec "$@"' limited \
    "$BIN" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
    --style-map "$S/style_map.png" -o "$T/out.png" > /dev/null 2> "$T/err.txt"
  rc=$?
  took=$(echo "$(date +%s.%N) - $t0" | bc)
  lines=$(grep -c . "$T/err.txt")
  verdict=ok
  if [ $rc -eq 0 ]; then
    [ -s "$T/out.png" ] || verdict="FAIL (no output)"
  elif [ $rc -eq 1 ]; then
    { [ "$lines" -eq 1 ] && grep -q '^sst-stylize: error: ' "$T/err.txt"; } ||
      verdict="FAIL ($lines lines)"
    [ -e "$T/out.png" ] && verdict="FAIL (left an output)"
  elif [ $rc -eq 127 ] && grep -q 'error while loading shared libraries' "$T/err.txt"; then
    verdict="ok (too little to start)"
  else
    verdict="FAIL (exit $rc)"
  fi
  case $verdict in FAIL*) bad=$((bad + 1)) ;; esac
  printf '%8d KB  exit %3d  %6.2f s  %s  %s\n' "$kb" "$rc" "$took" "$verdict" \
    "$(head -c 120 "$T/err.txt" | head -1)"
done
echo "$bad failures"
exit $((bad > 0))
