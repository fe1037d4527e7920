#!/bin/bash
# render_times.sh - the GIMP plug-in's render time at one pass and at the
# defaults, in real GIMP 3 (the Debian 13 chroot), on the gimp-run test's
# scene: SESSIONS fresh GIMP sessions, alternating which setting makes the
# first call, each then timing REPEATS calls of both (render_times.py).
# Needs the plug-in built and installed by the GIMP test suite first
# (tests/gimp/run-in-chroot.sh, build dir build-gimp).
#   bench/gimp/render_times.sh [SESSIONS (4)] [REPEATS (4)]
# Prints the TIME lines, then per label: n, median, min, max (seconds).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SESSIONS=${1:-4}
REPEATS=${2:-4}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for i in $(seq 1 "$SESSIONS"); do
  first=$([ $((i % 2)) = 1 ] && echo one-pass || echo default)
  "$ROOT/tools/gimp3-chroot.sh" run "
    cd '$ROOT' && export SST_SOURCE_ROOT='$ROOT' SST_BUILD_ROOT='$ROOT/build-gimp' SST_TEST_NAME=render_times
    source tests/gimp/lib.sh && new_profile
    gimp_console \"\$PROFILE\" '$ROOT/bench/gimp/render_times.py' SST_FIRST=$first SST_REPEATS=$REPEATS" |
    grep '^TIME' | tee -a "$OUT"
done
python3 - "$OUT" <<'PY'
import collections, statistics, sys
t = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, label, s, status = line.split()[:4]
    if status == "success":
        t[label].append(float(s))
for label, v in sorted(t.items()):
    print("%-16s n=%2d median %.3f s  min %.3f  max %.3f" % (label, len(v), statistics.median(v), min(v), max(v)))
PY
