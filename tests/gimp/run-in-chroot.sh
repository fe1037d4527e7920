#!/bin/bash
# run-in-chroot.sh - what CI runs for the GIMP 3 plug-in (as root, on the
# Debian 12 host): make sure the Debian 13 chroot with GIMP 3 exists
# (tools/gimp3-chroot.sh), then inside it configure, build and run the
# 'gimp' test suite against the project tree (bind-mounted, same path).
#
#   tests/gimp/run-in-chroot.sh            build dir: <root>/build-gimp
#   BUILD=build-x tests/gimp/run-in-chroot.sh
#   SST_PLUGINDIR=/some/plug-ins ...       -Dplugindir (default: GIMP's)
#
# Exits non-zero when the setup, the build or any test fails.  Screenshots
# and result images end up in tests/gimp/artifacts/, test logs in
# <build>/meson-logs/testlog.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build-gimp}
CHROOT="$ROOT/tools/gimp3-chroot.sh"

t0=$SECONDS
"$CHROOT" setup
echo "== chroot ready after $((SECONDS - t0)) s ($("$CHROOT" path))"

t1=$SECONDS
rc=0
"$CHROOT" run "
  set -euo pipefail
  opts=(-Dgimp=enabled)
  [ -n '${SST_PLUGINDIR:-}' ] && opts+=(-Dplugindir='${SST_PLUGINDIR:-}')
  if [ -f '$BUILD/build.ninja' ]; then
    meson setup --reconfigure '$BUILD' \"\${opts[@]}\"
  else
    meson setup '$BUILD' \"\${opts[@]}\"
  fi
  meson compile -C '$BUILD'
  meson test -C '$BUILD' --suite gimp --print-errorlogs
" || rc=$?

echo "== build + gimp tests: exit status $rc after $((SECONDS - t1)) s (total $((SECONDS - t0)) s)"
exit $rc
