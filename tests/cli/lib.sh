# lib.sh - what the CLI test scripts share (sourced): arguments, the
# samples, a temporary folder removed at exit, and the ok/bad counters
# (each script ends with: exit on $fails).
# The caller's usage: SCRIPT PATH/TO/sst-stylize SOURCE_ROOT [...]
set -u
BIN=$1 ROOT=$2
S=$ROOT/samples
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
fails=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails+1)); }
