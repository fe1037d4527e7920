# lib.sh - shared setup of the GIMP plug-in tests (sourced by run-test.sh).
#
# Every test runs the REAL plug-in as `meson install` lays it out, inside
# real headless GIMP 3, with a fresh GIMP profile (GIMP3_DIRECTORY):
#
#   1. once per build (under a lock, parallel tests wait): install the build
#      into a DESTDIR, take the plug-in folder from there (binary, weights/,
#      locale/), and make a template profile with it in plug-ins/; one
#      gimp-console start in it lets GIMP query all plug-ins (pluginrc), the
#      slow part of a first start (~20 s);
#   2. per test: copy the template into a new, empty directory.  Nothing a
#      run leaves (last-used values, settings) is shared between tests.
#
# Environment (set by tests/gimp/meson.build): SST_SOURCE_ROOT,
# SST_BUILD_ROOT, SST_TEST_NAME; optional SST_ARTIFACTS (default
# $SST_SOURCE_ROOT/tests/gimp/artifacts).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SST_SOURCE_ROOT:?}" "${SST_BUILD_ROOT:?}" "${SST_TEST_NAME:?}"
SHARED_DIR=$SST_BUILD_ROOT/tests/gimp/shared   # template profile, images
WORK=$SST_BUILD_ROOT/tests/gimp/work/$SST_TEST_NAME
ART=${SST_ARTIFACTS:-$SST_SOURCE_ROOT/tests/gimp/artifacts}
GIMP_CONSOLE=${GIMP_CONSOLE:-gimp-console-3.0}
# Debian's python3 first: GIMP starts python plug-ins (python-eval) through
# "#!/usr/bin/env python3" and needs the one with PyGObject.
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH
# The installed plug-in must find its own weights; nothing may leak in.
unset SST_WEIGHTS_DIR SST_CANCEL_AT SST_MEMORY_LIMIT_MB

log() { echo "[$SST_TEST_NAME] $*"; }
die() { echo "[$SST_TEST_NAME] FAIL: $*"; exit 1; }

# The installed plug-in folder, from meson's own install plan, so that
# -Dplugindir / -Duser_install are honoured whatever they are.
plugin_install_dir() {
  meson introspect "$SST_BUILD_ROOT" --installed | python3 -c '
import json, os, sys
for src, dst in json.load(sys.stdin).items():
    if dst.endswith("/semantic-style/semantic-style"):
        print(os.path.dirname(dst)); break
else:
    sys.exit("plug-in executable not in the install plan")'
}

# gimp_console PROFILE SCRIPT.py [ENV=VALUE...]: runs SCRIPT inside GIMP
# (python-fu-eval) with a private profile.  Output goes to stdout; returns
# GIMP's exit status (non-zero when the script raised).
gimp_console() {
  local profile=$1 script=$2
  shift 2
  env "$@" GIMP3_DIRECTORY="$profile" SST_TEST_IMAGES="$SHARED_DIR/images" \
      SST_TEST_OUT="$ART" PYTHONDONTWRITEBYTECODE=1 \
      "$GIMP_CONSOLE" -i -d -f --batch-interpreter=python-fu-eval \
      -b "import sys; sys.path.insert(0, '$HERE'); exec(open('$script').read())" \
      --quit
}

prepare_shared() {
  mkdir -p "$SHARED_DIR"
  exec 8>"$SHARED_DIR/.lock"
  flock 8
  local exe=$SST_BUILD_ROOT/plugin/semantic-style stamp=$SHARED_DIR/template.stamp
  if [ -f "$stamp" ] && [ "$stamp" -nt "$exe" ] &&
     [ -z "$(find "$SST_BUILD_ROOT/po" "$SST_SOURCE_ROOT/weights" "$HERE/make_images.py" \
             "$HERE/lib.sh" -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    flock -u 8
    return 0
  fi
  local t0=$SECONDS dir dest=$SHARED_DIR/dest tpl=$SHARED_DIR/template
  log "preparing the installed plug-in and a template GIMP profile"
  rm -rf "$dest" "$tpl" "$SHARED_DIR/images"
  python3 "$HERE/make_images.py" "$SHARED_DIR/images"
  dir=$(plugin_install_dir)
  DESTDIR=$dest meson install -C "$SST_BUILD_ROOT" --no-rebuild --quiet >/dev/null
  [ -x "$dest$dir/semantic-style" ] || die "meson install did not produce $dir/semantic-style"
  mkdir -p "$tpl/plug-ins"
  cp -a "$dest$dir" "$tpl/plug-ins/semantic-style"
  # No welcome dialog, tips or update check in the GUI test.
  cat > "$tpl/gimprc" <<'EOF'
(show-welcome-dialog no)
(show-tips no)
(check-updates no)
(save-session-info no)
EOF
  gimp_console "$tpl" "$HERE/nothing.py" >"$SHARED_DIR/template.log" 2>&1 ||
    { cat "$SHARED_DIR/template.log"; die "GIMP did not start with the plug-in installed"; }
  grep -q "plug-in-semantic-style" "$tpl/pluginrc" ||
    { cat "$SHARED_DIR/template.log"; die "GIMP did not register plug-in-semantic-style"; }
  touch "$stamp"
  log "template ready in $((SECONDS - t0)) s (plug-in folder: $dir)"
  flock -u 8
}

# new_profile [--no-pluginrc]: a fresh copy of the template in $WORK/profile.
new_profile() {
  rm -rf "$WORK/profile"
  mkdir -p "$WORK"
  cp -a "$SHARED_DIR/template" "$WORK/profile"
  [ "${1:-}" = --no-pluginrc ] && rm -f "$WORK/profile/pluginrc"
  PROFILE=$WORK/profile
}

prepare_shared
rm -rf "$WORK"
mkdir -p "$WORK" "$ART"
