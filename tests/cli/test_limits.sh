#!/bin/bash
# Hostile conditions for sst-stylize: scarce memory, image bombs, corrupt
# files, unusable output paths.  Each must end within seconds with exit 1,
# exactly one "sst-stylize: error: ..." line and no output file.
# usage: test_limits.sh PATH/TO/sst-stylize SOURCE_ROOT [sanitized]
set -u
BIN=$1 ROOT=$2 SANITIZED=${3:-}
S=$ROOT/samples
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
fails=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails+1)); }

# refused NAME SECONDS PATTERN -- ARGS...: runs ARGS (CONTENT STYLE ...) with
# -o $T/out.png under a time limit; wants exit 1, one error line matching
# PATTERN, no output file
refused() {
  local name=$1 secs=$2 pattern=$3; shift 4
  rm -f "$T/out.png"
  local t0=$(date +%s.%N)
  timeout -s KILL 30 "$@" -o "$T/out.png" > "$T/stdout.txt" 2> "$T/err.txt"
  local rc=$? took=$(echo "$(date +%s.%N) - $t0" | bc)
  local lines=$(grep -c . "$T/err.txt")
  if [ $rc -ne 1 ]; then
    bad "$name: exit $rc after $took s (want 1)"; head -3 "$T/err.txt"
  elif [ -e "$T/out.png" ]; then
    bad "$name: left an output file"
  elif [ "$lines" -ne 1 ] || ! grep -q "^sst-stylize: error: .*$pattern" "$T/err.txt"; then
    bad "$name: want one error line matching '$pattern', got:"; cat "$T/err.txt"
  elif [ "$(echo "$took > $secs" | bc)" = 1 ]; then
    bad "$name: took $took s (limit $secs s)"
  else
    ok "$name ($took s): $(cat "$T/err.txt")"
  fi
}

# 1) scarce memory: OpenBLAS used to retry its buffer mapping forever
#    (ulimit -v counts address space, which ASan's shadow memory fills)
if [ -z "$SANITIZED" ]; then
  for kb in 100000 300000; do
    refused "ulimit -v $kb" 10 "out of memory" -- \
      bash -c 'ulimit -v '$kb' && exec "$@"' limited "$BIN" \
      "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
      --style-map "$S/style_map.png"
  done
else
  echo "skip: memory limits (sanitizer build)"
fi

[ $fails -eq 0 ] && echo "all limit checks passed" || echo "$fails limit checks failed"
exit $((fails > 0))
