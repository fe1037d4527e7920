#!/usr/bin/env bash
# check_includes.sh SOURCE_ROOT - the GIMP plug-in's rooms stay one-directional.
#
#   gimpio/   below both rooms: includes neither plugin/ nor ui/
#   ui/       the dialog room: never includes a plugin/ header
#   plugin/   the procedure room: never includes a ui/ header, except the
#             entry point plugin/sst-plugin.c, the one file that sees both
#
# Reads the `#include "..."` lines only (no compiler, no GIMP), so it runs
# on every host; the GIMP build enforces the same by its include paths.
# A header is judged by its file name, which must therefore belong to one
# room only.  Prints one line per breach and exits 1.
set -u
root=${1:?usage: check_includes.sh SOURCE_ROOT}
entry_point=plugin/sst-plugin.c
status=0

# header file names of one room, one per line
headers_of() { (cd "$root/$1" && ls -- *.h 2>/dev/null); }

for room in gimpio plugin ui; do
  [ -d "$root/$room" ] || { echo "check_includes: no $room/ under $root"; exit 1; }
done

# The same name in two rooms would make the rule unreadable.
dupes=$(for room in gimpio plugin ui; do headers_of "$room"; done | sort | uniq -d)
if [ -n "$dupes" ]; then
  echo "check_includes: header name in more than one room: $dupes"
  status=1
fi

# check ROOM FORBIDDEN_ROOM...: no file of ROOM (but the entry point)
# includes a header of a forbidden room.
check() {
  local room=$1; shift
  local forbidden file line name target
  for forbidden in "$@"; do
    local names
    names=$(headers_of "$forbidden")
    for file in "$root/$room"/*.c "$root/$room"/*.h; do
      [ -e "$file" ] || continue
      [ "${file#"$root"/}" = "$entry_point" ] && continue
      while IFS= read -r line; do
        # "NN:#include "dir/name.h"" -> name.h
        name=${line#*\"}; name=${name%%\"*}; name=${name##*/}
        if grep -qxF -- "$name" <<<"$names"; then
          target=${file#"$root"/}:${line%%:*}
          echo "$target: $room/ includes $forbidden/ header $name"
          status=1
        fi
      done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file")
    done
  done
}

check gimpio plugin ui
check ui plugin
check plugin ui

# The entry point is the one bridge: it must still include ui/ (else the
# rule above checks nothing about where the dialog is reached from).
if ! grep -qE '#[[:space:]]*include[[:space:]]*"sst-dialog\.h"' "$root/$entry_point"; then
  echo "check_includes: $entry_point no longer includes sst-dialog.h; update the entry point in this check"
  status=1
fi

[ $status -eq 0 ] && echo "check_includes: gimpio/ <- plugin/, ui/ <- $entry_point: ok"
exit $status
