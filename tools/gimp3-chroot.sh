#!/bin/bash
# gimp3-chroot.sh - a Debian 13 ("trixie") chroot with GIMP 3 and everything the
# Semantic Style plug-in needs to build and test, on a Debian 12 host.
#
# Why a chroot: GIMP 3 / libgimp-3.0-dev exist only from Debian 13 on, and a
# partial upgrade of the host would move libc, gcc and python (which the rest of
# the project and PyTorch rely on).  The chroot keeps the host untouched.
#
# Usage (as root):
#   tools/gimp3-chroot.sh setup          create the chroot or bring it up to date
#   tools/gimp3-chroot.sh run 'CMD'      run CMD (bash -c) inside it, cwd = project root
#   tools/gimp3-chroot.sh shell          interactive shell inside it
#   tools/gimp3-chroot.sh path           print the chroot directory
#
# Environment:
#   SST_CHROOT   chroot directory (default /var/tmp/sst-trixie)
#   SST_MIRROR   Debian mirror     (default http://deb.debian.org/debian)
#   SST_PASSENV  extra "VAR=value ..." for the command (the chroot otherwise
#                starts from a clean environment: PATH, HOME, TERM, LANG)
#
# `run` works in a private mount namespace (unshare -m): proc, sys, dev and the
# project tree are mounted there only, so nothing stays mounted on the host
# and concurrent runs do not interfere.  The project root is bind-mounted at
# the SAME absolute path inside the chroot (so paths printed by tests are valid
# outside too), and ../shared next to it, if present, is bind-mounted read-only
# (tests may read evaluation data from it at run time).
#
# Idempotent: a stamp file records the package list that was installed; `setup`
# (also run implicitly by `run`) only calls apt when that list changed.
set -euo pipefail

ROOT=${SST_CHROOT:-/var/tmp/sst-trixie}
MIRROR=${SST_MIRROR:-http://deb.debian.org/debian}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=$(cd "$SRC/.." && pwd)/shared
SYSPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
STAMP=$ROOT/var/lib/sst-chroot.stamp

# Build: compiler, meson, libgimp headers, engine deps (OpenBLAS, PNG, JPEG for
# the CLI), gettext for the translations.  Test: GIMP itself (gimp-console-3.0
# + python-fu-eval), PyGObject, PIL/numpy to make and compare images, Xvfb and
# X tools for the dialog screenshot test.
PKGS="gimp libgimp-3.0-dev gir1.2-gimp-3.0 meson ninja-build pkg-config gcc libc6-dev
      libopenblas-dev libpng-dev libjpeg-dev gettext python3 python3-gi
      python3-numpy python3-pil xvfb xauth xdotool x11-utils imagemagick
      fonts-dejavu-core ca-certificates locales"

log() { echo "[gimp3-chroot] $*" >&2; }

need_root() {
  [ "$(id -u)" = 0 ] || { log "must run as root (debootstrap/chroot/mount)"; exit 1; }
}

# Mount what a chroot needs, then run "$@" chrooted, all inside the current
# (private) mount namespace.  Called via `unshare -m` only.
inner() {
  mount --make-rprivate / 2>/dev/null || true
  mount -t proc proc "$ROOT/proc"
  mount -t sysfs sys "$ROOT/sys" 2>/dev/null || mount --rbind /sys "$ROOT/sys"
  mount --rbind /dev "$ROOT/dev"
  mkdir -p "$ROOT$SRC"
  mount --bind "$SRC" "$ROOT$SRC"
  if [ -d "$SHARED" ]; then
    mkdir -p "$ROOT$SHARED"
    mount --bind "$SHARED" "$ROOT$SHARED"
    mount -o remount,bind,ro "$ROOT$SHARED" 2>/dev/null || true
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  exec chroot "$ROOT" env -i PATH=$SYSPATH HOME=/root TERM=${TERM:-dumb} \
      LANG=C.UTF-8 ${SST_PASSENV:-} "$@"
}

in_chroot() {
  unshare --mount --propagation private "$0" __inner "$@"
}

# Runs in a subshell so the lock is released before `run` starts the command.
setup() (
  need_root
  mkdir -p "$(dirname "$ROOT")"
  exec 9>"$ROOT.lock"
  flock 9
  local want; want=$(echo $PKGS | tr ' ' '\n' | sort | tr '\n' ' ')
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$ROOT/usr/bin/gimp-console-3.0" ]; then
    return 0
  fi
  local t0=$SECONDS
  if [ ! -e "$ROOT/etc/debian_version" ] || [ ! -x "$ROOT/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
    log "debootstrap trixie -> $ROOT"
    rm -rf "$ROOT"
    debootstrap --variant=minbase trixie "$ROOT" "$MIRROR"
  fi
  rm -f "$ROOT/etc/apt/sources.list"
  cat > "$ROOT/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Keep the chroot small: no docs/man pages.
  cat > "$ROOT/etc/dpkg/dpkg.cfg.d/01-nodoc" <<EOF
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
EOF
  log "apt-get install (this takes a few minutes the first time)"
  in_chroot bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends $(echo $PKGS)"
  # Real locales for the translation tests (gettext ignores LANGUAGE under
  # the C locale).
  in_chroot bash -c "sed -i -E 's/^# *((de_DE|fr_FR|en_US)\.UTF-8 UTF-8)/\1/' /etc/locale.gen && locale-gen >/dev/null"
  echo "$want" > "$STAMP"
  log "chroot ready in $((SECONDS - t0)) s"
)

case "${1:-setup}" in
  __inner) shift; inner "$@" ;;
  setup)   setup ;;
  run)     shift; [ $# -ge 1 ] || { log "usage: $0 run 'CMD'"; exit 2; }
           setup
           in_chroot bash -c "cd '$SRC' && $1" ;;
  shell)   setup; in_chroot bash -c "cd '$SRC' && exec bash -i" ;;
  path)    echo "$ROOT" ;;
  *)       log "usage: $0 {setup|run 'CMD'|shell|path}"; exit 2 ;;
esac
