#!/bin/bash
# End-to-end checks of sst-stylize on the bundled samples with real weights.
# usage: test_cli.sh PATH/TO/sst-stylize SOURCE_ROOT
set -u
BIN=$1 ROOT=$2
S=$ROOT/samples
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
fails=0
ok()   { echo "ok: $*"; }
bad()  { echo "FAIL: $*"; fails=$((fails+1)); }

# 1) full semantic run: size, differs from content
if "$BIN" "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
     --style-map "$S/style_map.png" -o "$T/out.png" --timings > "$T/timings.txt"; then
  grep -q '^total ' "$T/timings.txt" && ok "timings printed" || bad "no timings line"
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

# 3b) the patch method: a semantic run that differs from the statistics
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
