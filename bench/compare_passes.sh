#!/bin/bash
# What two passes (the default) cost against one, as a user waits for it:
# the whole sst-stylize process on the bundled sample with its maps and on
# the sample resized to 1600x1068, one binary for every row (hyperfine),
# and the peak memory at 1600x1068.  Needs hyperfine and python3-pil.
# usage (repository root, after meson compile -C build):
#   bench/compare_passes.sh [SST_STYLIZE]
set -eu
SST=${1:-build/cli/sst-stylize}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$T" <<'PY'
import sys
from PIL import Image
t = sys.argv[1]
Image.open("samples/content.jpg").resize((1600, 1068), Image.LANCZOS).save(t + "/big.jpg", quality=92)
Image.open("samples/content_map.png").resize((1600, 1068), Image.NEAREST).save(t + "/big_map.png")
PY
S="samples/content.jpg samples/style.jpg --content-map samples/content_map.png --style-map samples/style_map.png"
B="$T/big.jpg samples/style.jpg --content-map $T/big_map.png --style-map samples/style_map.png"
hyperfine -w 1 -r 10 -N \
  "$SST $S -o $T/o1.png --quiet --passes 1 --gamma 100" \
  "$SST $S -o $T/o2.png --quiet" \
  "$SST $S -o $T/o3.png --quiet --method patch" \
  "$SST $S -o $T/o4.png --quiet --method patch --passes 1"
hyperfine -w 1 -r 4 -N \
  "$SST $B -o $T/b1.png --quiet --passes 1 --gamma 100" \
  "$SST $B -o $T/b2.png --quiet"
for a in "--passes 1 --gamma 100" ""; do
  /usr/bin/time -f "peak RSS %M KB (1600x1068, ${a:-defaults})" $SST $B -o "$T/b.png" --quiet $a
done
