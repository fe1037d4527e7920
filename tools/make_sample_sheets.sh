#!/bin/bash
# Redraws the README's sample sheets from the bundled samples/ and the
# weights in weights/, at the engine's defaults:
#   samples/result_sheet.jpg  content | style | result with the doodle maps
#   samples/method_sheet.jpg  with maps (row 1) and without (row 2):
#                             statistics, patches without guide, patches
# usage (repository root, after meson compile -C build):
#   tools/make_sample_sheets.sh [SST_STYLIZE]
set -eu
SST=${1:-build/cli/sst-stylize}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S="samples/content.jpg samples/style.jpg"
M="--content-map samples/content_map.png --style-map samples/style_map.png"
$SST $S $M -o "$T/stats_maps.png" --quiet
$SST $S $M -o "$T/patch0_maps.png" --quiet --method patch --patch-guide 0
$SST $S $M -o "$T/patch_maps.png" --quiet --method patch
$SST $S -o "$T/stats.png" --quiet
$SST $S -o "$T/patch0.png" --quiet --method patch --patch-guide 0
$SST $S -o "$T/patch.png" --quiet --method patch
# the result sheet: three pictures at one height, side by side, no labels
/usr/bin/python3 - "$T" <<'PY'
import sys
from PIL import Image
t = sys.argv[1]
ims = [Image.open(p).convert("RGB") for p in
       ("samples/content.jpg", "samples/style.jpg", t + "/stats_maps.png")]
H = 267
ims = [im.resize((round(im.width * H / im.height), H), Image.LANCZOS) for im in ims]
sheet = Image.new("RGB", (sum(im.width for im in ims), H))
x = 0
for im in ims:
    sheet.paste(im, (x, 0))
    x += im.width
sheet.save("samples/result_sheet.jpg", quality=88)
PY
/usr/bin/python3 tools/eval/method_sheet.py samples/method_sheet.jpg \
  --labels "--method stats,--method patch --patch-guide 0,--method patch (guide 0.3)" \
  $S "$T/stats_maps.png" "$T/patch0_maps.png" "$T/patch_maps.png" \
  $S "$T/stats.png" "$T/patch0.png" "$T/patch.png"
echo "wrote samples/result_sheet.jpg samples/method_sheet.jpg"
