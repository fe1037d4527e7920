#!/bin/bash
# End-to-end checks of sst-stylize on the bundled samples with real weights.
# usage: test_cli.sh PATH/TO/sst-stylize SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

# 1) full semantic run: size, differs from content
if "$BIN" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
     --style-map "$S/style_map.png" -o "$T/out.png" --timings > "$T/timings.txt"; then
  grep -q '^total ' "$T/timings.txt" && ok "timings printed" || bad "no timings line"
  # every stage as "NAME SECONDS s", in order (sst-bench oneshot parses them)
  [ "$(awk '$3 == "s" && $2 ~ /^[0-9]+\.[0-9]+$/ { printf "%s ", $1 }' "$T/timings.txt")" = \
    "read weights encode reconstruct decode total write " ] &&
    ok "timings lines read..write" || bad "timings lines: $(tr '\n' '|' < "$T/timings.txt")"
  $PY - "$S/content.jpg" "$T/out.png" <<'PYEOF' && ok "output size and difference" || bad "output check"
import sys, numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("RGB"), dtype=float)
b = np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=float)
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a - b).mean()
print("mean abs difference to content:", round(d, 2))
assert d > 8.0
PYEOF
else
  bad "semantic run exited non-zero"
fi

# 2) gamma = 0 without the colour match is the plain encode-decode
#    reconstruction, whatever the kernel
"$BIN" "$S/content.jpg" "$S/style.jpg" --gamma 0 --color-match 0 --kernel poly -o "$T/g0p.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" --gamma 0 --color-match 0 --kernel bn -o "$T/g0b.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" --gamma 0 --color-match 0 --kernel bn --iterations 0 -o "$T/i0.png" ||
  bad "gamma 0 runs"
$PY - "$S/content.jpg" "$T/g0p.png" "$T/g0b.png" "$T/i0.png" "$T/out.png" <<'PYEOF' && ok "gamma 0 = encode-decode" || bad "gamma 0 check"
import sys, numpy as np
from PIL import Image
L = [np.asarray(Image.open(p).convert("RGB"), dtype=float) for p in sys.argv[1:]]
c, p, b, i0, styl = L
assert np.array_equal(p, b) and np.array_equal(p, i0), "gamma 0 depends on kernel"
psnr = 10 * np.log10(255.0**2 / ((p - c) ** 2).mean())
print("encode-decode PSNR vs content: %.2f dB" % psnr)
assert psnr > 18.0
assert np.abs(styl - p).mean() > 5.0, "style run equals plain reconstruction"
PYEOF

# 3) the colour match (on by default; no maps here) gives the output the
#    style's mean colour, up to clipping to [0, 255]
"$BIN" "$S/content.jpg" "$S/style.jpg" --color-match 0 -o "$T/cm0.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" -o "$T/cm1.png" || bad "colour match runs"
$PY - "$S/style.jpg" "$T/cm0.png" "$T/cm1.png" <<'PYEOF' && ok "colour match moves the mean colour" || bad "colour match check"
import sys, numpy as np
from PIL import Image
s, off, on = [np.asarray(Image.open(p).convert("RGB"), dtype=float).reshape(-1, 3) for p in sys.argv[1:]]
d_off = np.linalg.norm(off.mean(0) - s.mean(0))
d_on = np.linalg.norm(on.mean(0) - s.mean(0))
print("distance of the mean colour to the style's: %.2f off, %.2f on" % (d_off, d_on))
assert d_on < 0.1 * d_off and d_off > 5.0
PYEOF

# 3b) maps painted in part (PNG alpha): the content's unpainted half pairs
#     with the style map's unpainted half, the painted halves with each
#     other; a fully transparent map is the same as no map
$PY - "$T" <<'PYEOF' || bad "half-painted map images"
import sys, numpy as np
from PIL import Image
t = sys.argv[1]
rng = np.random.default_rng(3)
h, w = 240, 320
sty = np.zeros((h, w, 3))
sty[:, : w // 2] = [200, 40, 40]   # left: red (painted in the style map)
sty[:, w // 2 :] = [40, 170, 60]   # right: green (unpainted)
sty = np.clip(sty + 25 * rng.standard_normal(sty.shape), 0, 255).astype(np.uint8)
Image.fromarray(sty).save(t + "/hp_style.png")
smap = np.zeros((h, w, 4), np.uint8)
smap[:, : w // 2] = [0, 0, 255, 255]
smap[:, w // 2 :, :3] = rng.integers(0, 256, (h, w - w // 2, 3))  # junk under alpha 0
Image.fromarray(smap, "RGBA").save(t + "/hp_style_map.png")
PYEOF
$PY - "$S/content.jpg" "$T" <<'PYEOF' || bad "half-painted content map"
import sys, numpy as np
from PIL import Image
w, h = Image.open(sys.argv[1]).size
m = np.zeros((h, w, 4), np.uint8)
m[: h // 2] = [0, 0, 255, 255]      # top half painted blue
m[h // 2 :, :, 0] = 255             # bottom: red under alpha 0 (ignored)
Image.fromarray(m, "RGBA").save(sys.argv[2] + "/hp_content_map.png")
Image.fromarray(np.zeros((h, w, 4), np.uint8), "RGBA").save(sys.argv[2] + "/hp_empty_map.png")
PYEOF
"$BIN" "$S/content.jpg" "$T/hp_style.png" --content-map "$T/hp_content_map.png" \
  --style-map "$T/hp_style_map.png" -o "$T/hp.png" &&
"$BIN" "$S/content.jpg" "$T/hp_style.png" --content-map "$T/hp_empty_map.png" -o "$T/hp_empty.png" &&
"$BIN" "$S/content.jpg" "$T/hp_style.png" -o "$T/hp_nomap.png" || bad "half-painted map runs"
$PY - "$T/hp.png" "$T/hp_empty.png" "$T/hp_nomap.png" <<'PYEOF' && ok "half-painted maps pair unpainted with unpainted" || bad "half-painted map check"
import sys, numpy as np
from PIL import Image
o, e, n = [np.asarray(Image.open(p).convert("RGB"), dtype=float) for p in sys.argv[1:]]
h = o.shape[0]
top, bottom = o[: h // 2 - 16].reshape(-1, 3).mean(0), o[h // 2 + 16 :].reshape(-1, 3).mean(0)
print("top (painted) mean", top.round(1), "bottom (unpainted) mean", bottom.round(1))
assert top[0] > top[1] + 60, "painted half did not take the style's painted (red) part"
assert bottom[1] > bottom[0] + 60, "unpainted half did not take the style's unpainted (green) part"
assert np.array_equal(e, n), "a fully transparent map differs from no map"
PYEOF

# 3b') the style map is resized with the style (nearest neighbour) at any
#      --style-scale: the pairing of 3b holds at 0.5 and 2
for sc in 0.5 2; do
  "$BIN" "$S/content.jpg" "$T/hp_style.png" --content-map "$T/hp_content_map.png" \
    --style-map "$T/hp_style_map.png" --style-scale $sc -o "$T/hp_$sc.png" || bad "half-painted run at style scale $sc"
  $PY - "$T/hp_$sc.png" <<'PYEOF' && ok "style scale $sc: the style map follows the style" || bad "style map at style scale $sc"
import sys, numpy as np
from PIL import Image
o = np.asarray(Image.open(sys.argv[1]).convert("RGB"), dtype=float)
h = o.shape[0]
top, bottom = o[: h // 2 - 16].reshape(-1, 3).mean(0), o[h // 2 + 16 :].reshape(-1, 3).mean(0)
print("top", top.round(1), "bottom", bottom.round(1))
assert top[0] > top[1] + 60 and bottom[1] > bottom[0] + 60
PYEOF
done

# 3c) --preserve-colors: the content's chroma (JPEG YCbCr) with the
#     stylized luma, within 8-bit rounding except where the content's
#     colour does not fit at the new lightness (chroma reduced there)
"$BIN" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
  --style-map "$S/style_map.png" --preserve-colors -o "$T/pc.png" || bad "preserve-colors run"
$PY - "$S/content.jpg" "$T/pc.png" "$T/out.png" <<'PYEOF' && ok "preserve-colors keeps the content's chroma" || bad "preserve-colors check"
import sys, numpy as np
from PIL import Image
c, p, o = [np.asarray(Image.open(f).convert("RGB"), dtype=float) for f in sys.argv[1:]]
M = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
yc, yp, yo = c @ M.T, p @ M.T, o @ M.T
# pixels where the content's chroma fits at the output's luma (else it is
# scaled down towards grey, hue kept: preserve_colors.h)
want = c + (yp[..., :1] - yc[..., :1])
fits = ((want >= -0.5) & (want <= 255.5)).all(-1)
d = np.abs(yp[..., 1:] - yc[..., 1:]).max(-1)
print("chroma |dCbCr| where it fits (%.0f%% of pixels): median %.2f, 99th %.2f levels; luma moved %.1f" %
      (100 * fits.mean(), np.median(d[fits]), np.percentile(d[fits], 99), np.abs(yp[..., 0] - yc[..., 0]).mean()))
assert fits.mean() > 0.5
assert np.percentile(d[fits], 99) <= 1.0, "chroma differs from the content's"
nc, npc = np.linalg.norm(yc[..., 1:], axis=-1), np.linalg.norm(yp[..., 1:], axis=-1)
assert (npc[~fits] <= nc[~fits] + 1.5).all(), "out-of-gamut chroma was not reduced"
assert np.abs(yp[..., 0] - yc[..., 0]).mean() > 5, "luma is the content's (no style)"
assert np.abs(yp[..., 1:] - yo[..., 1:]).mean() > 2, "chroma equals the stylized output's"
PYEOF

# 3d) --style-scale resizes the style before encoding: other strokes
"$BIN" "$S/content.jpg" "$S/style.jpg" --style-scale 2 -o "$T/ss2.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" --style-scale 0.5 -o "$T/ss05.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" --style-scale 1 -o "$T/ss1.png" || bad "style-scale runs"
$PY - "$T/ss1.png" "$T/ss2.png" "$T/ss05.png" "$T/cm1.png" <<'PYEOF' && ok "style-scale changes the output" || bad "style-scale check"
import sys, numpy as np
from PIL import Image
a, b, c, d = [np.asarray(Image.open(f).convert("RGB"), dtype=float) for f in sys.argv[1:]]
assert np.array_equal(a, d), "--style-scale 1 is not the default"
print("mean |diff| to scale 1: x2 %.2f, x0.5 %.2f" % (np.abs(b - a).mean(), np.abs(c - a).mean()))
assert np.abs(b - a).mean() > 1.0 and np.abs(c - a).mean() > 1.0
PYEOF

# 3e) the patch method: a semantic run that differs from the statistics
#     method's, and blend 0 with the colour match off is the content's
#     encode-decode, exactly as gamma 0 is
"$BIN" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
  --style-map "$S/style_map.png" --method patch -o "$T/patch.png" &&
"$BIN" "$S/content.jpg" "$S/style.jpg" --method patch --patch-blend 0 \
  --patch-size 5 --color-match 0 -o "$T/patch0.png" || bad "patch method runs"
$PY - "$T/out.png" "$T/patch.png" "$T/g0p.png" "$T/patch0.png" <<'PYEOF' && ok "patch method output" || bad "patch method check"
import sys, numpy as np
from PIL import Image
stats, patch, g0, p0 = [np.asarray(Image.open(p).convert("RGB"), dtype=float) for p in sys.argv[1:]]
assert patch.shape == stats.shape
d = np.abs(patch - stats).mean()
print("mean abs difference patch - stats:", round(d, 2))
assert d > 3.0
assert np.array_equal(p0, g0), np.abs(p0 - g0).max()
PYEOF

# 4) bad input: clear one-line error, non-zero exit, no output file
expect_fail() {
  local name=$1; shift
  rm -f "$T/bad.png"
  if "$BIN" "$@" -o "$T/bad.png" 2> "$T/err.txt"; then
    bad "$name: exit 0"
  elif [ -e "$T/bad.png" ]; then
    bad "$name: left an output file"
  elif ! grep -q 'sst-stylize: error: ' "$T/err.txt"; then
    bad "$name: no error line"; cat "$T/err.txt"
  else
    ok "$name: $(head -1 "$T/err.txt")"
  fi
}
echo "not an image" > "$T/text.png"
head -c 3000 "$S/content.jpg" > "$T/trunc.jpg"
$PY -c "from PIL import Image; Image.new('RGB',(50,40),(0,0,255)).save('$T/small_map.png')"
mkdir -p "$T/w"; cp "$ROOT"/weights/*.safetensors "$T/w/"
head -c 100000 "$ROOT/weights/encoder.safetensors" > "$T/w/encoder.safetensors"
expect_fail "missing file" "$T/nope.jpg" "$S/style.jpg"
expect_fail "not an image" "$T/text.png" "$S/style.jpg"
expect_fail "truncated jpeg" "$T/trunc.jpg" "$S/style.jpg"
expect_fail "map size" "$S/content.jpg" "$S/style.jpg" --content-map "$T/small_map.png"
expect_fail "photo as map" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content.jpg"
expect_fail "unknown kernel" "$S/content.jpg" "$S/style.jpg" --kernel foo
expect_fail "bad gamma" "$S/content.jpg" "$S/style.jpg" --gamma abc
expect_fail "bad colour match" "$S/content.jpg" "$S/style.jpg" --color-match 1.5
expect_fail "style scale too large" "$S/content.jpg" "$S/style.jpg" --style-scale 5
expect_fail "style scale too small" "$S/content.jpg" "$S/style.jpg" --style-scale 0.1
expect_fail "style scale not a number" "$S/content.jpg" "$S/style.jpg" --style-scale big
expect_fail "bad tile size" "$S/content.jpg" "$S/style.jpg" --tile 12
expect_fail "unknown layer" "$S/content.jpg" "$S/style.jpg" --layer relu5_1
expect_fail "unknown method" "$S/content.jpg" "$S/style.jpg" --method swap
expect_fail "even patch size" "$S/content.jpg" "$S/style.jpg" --method patch --patch-size 4
expect_fail "even patch size, method after" "$S/content.jpg" "$S/style.jpg" --patch-size 6 --method patch
expect_fail "patch size 9" "$S/content.jpg" "$S/style.jpg" --method patch --patch-size 9
expect_fail "bad patch blend" "$S/content.jpg" "$S/style.jpg" --method patch --patch-blend 1.2
expect_fail "patch blend not a number" "$S/content.jpg" "$S/style.jpg" --patch-blend x
expect_fail "corrupt weights" "$S/content.jpg" "$S/style.jpg" --weights "$T/w"
expect_fail "missing weights" "$S/content.jpg" "$S/style.jpg" --weights "$T/none"
rm -f "$T/bad.png"
if "$BIN" "$S/content.jpg" "$S/style.jpg" -o "$T/bad.txt" 2>/dev/null || [ -e "$T/bad.txt" ]; then
  bad "unknown output extension accepted"; else ok "unknown output extension refused"; fi

echo "cli: $fails failure(s)"
[ "$fails" -eq 0 ]
