#!/bin/bash
# Hostile conditions for sst-stylize: scarce memory, image bombs, corrupt
# files, unusable output paths.  Each must end within seconds with exit 1,
# exactly one "sst-stylize: error: ..." line and no output file.
# usage: test_limits.sh PATH/TO/sst-stylize SOURCE_ROOT [sanitized]
. "$(dirname "$0")/lib.sh"
SANITIZED=${3:-}

# refused NAME SECONDS PATTERN -- ARGS...: runs ARGS (CONTENT STYLE ...) with
# -o $T/out.png under a time limit; wants exit 1, one error line matching
# PATTERN, no output file
refused() {
  local name=$1 secs=$2 pattern=$3; shift 4
  [ -n "$SANITIZED" ] && secs=$((secs * 5)) # ASan and UBSan are slower
  rm -f "$T/out.png"
  local t0=$(date +%s.%N)
  timeout -s KILL 30 "$@" -o "$T/out.png" > "$T/stdout.txt" 2> "$T/err.txt"
  local rc=$? took=$(echo "$(date +%s.%N) - $t0" | bc)
  local lines=$(grep -c . "$T/err.txt")
  if [ $rc -ne 1 ]; then
    bad "$name: exit $rc after $took s (want 1)"; head -3 "$T/err.txt"
  elif [ -e "$T/out.png" ]; then
    bad "$name: left an output file"
  elif [ "$lines" -ne 1 ] || ! grep -q "^sst-stylize: error: .*$pattern" "$T/err.txt"; then
    bad "$name: want one error line matching '$pattern', got:"; cat "$T/err.txt"
  elif [ "$(echo "$took > $secs" | bc)" = 1 ]; then
    bad "$name: took $took s (limit $secs s)"
  else
    ok "$name ($took s): $(cat "$T/err.txt")"
  fi
}

# 1) scarce memory: OpenBLAS used to retry its buffer mapping forever
#    (ulimit -v counts address space, which ASan's shadow memory fills)
if [ -z "$SANITIZED" ]; then
  for kb in 100000 300000; do
    refused "ulimit -v $kb" 10 "out of memory" -- \
      bash -c 'ulimit -v '$kb' && exec "$@"' limited "$BIN" \
      "$S/content.jpg" "$S/style.jpg" --content-map "$S/content_map.png" \
      --style-map "$S/style_map.png"
  done
else
  echo "skip: memory limits (sanitizer build)"
fi

# 2) image bombs and corrupt data, made here: a 632-byte JPEG whose header
#    declares 2065x63475 (131 MP), a progressive JPEG with damaged
#    entropy-coded data (libjpeg only warns about it), a 255-colour map and
#    a style too thin for its 512-pixel size limit
$PY - "$T" <<'PYEOF' || bad "making the test images"
import io, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
b = io.BytesIO(); Image.new("RGB", (16, 16), (90, 120, 200)).save(b, "JPEG", quality=50)
d = bytearray(b.getvalue())
i = d.index(b"\xff\xc0")  # SOF0: length(2) precision(1) height(2) width(2)
d[i + 5:i + 7] = (63475).to_bytes(2, "big")
d[i + 7:i + 9] = (2065).to_bytes(2, "big")
open(out + "/bomb.jpg", "wb").write(d)
rng = np.random.default_rng(1)
img = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
b = io.BytesIO(); Image.fromarray(img).save(b, "JPEG", quality=90, progressive=True)
d = bytearray(b.getvalue())
sos = [k for k in range(len(d) - 1) if d[k] == 0xFF and d[k + 1] == 0xDA]
for s in sos[:3]:
    for k in range(s + 40, s + 400, 37):
        if d[k] != 0xFF and d[k - 1] != 0xFF:
            d[k] ^= 0x5A
open(out + "/corrupt.jpg", "wb").write(d)
m = np.zeros((427, 640, 3), np.uint8)
for y in range(427):
    for x in range(640):
        i = ((x // 25) + (y // 43) * 26) % 255
        m[y, x] = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
Image.fromarray(m).save(out + "/map255.png")
Image.new("RGB", (2000, 40), (200, 100, 50)).save(out + "/thin.png")
Image.new("RGB", (48, 48), (20, 100, 50)).save(out + "/small.png")
PYEOF
C=$S/content.jpg ST=$S/style.jpg
refused "131-MP JPEG bomb" 1 "2065x63475 is 131.1 megapixels, above the limit of 100.0" -- \
  "$BIN" "$T/bomb.jpg" "$ST"
refused "corrupt progressive JPEG" 2 "corrupt JPEG (Corrupt JPEG data" -- "$BIN" "$T/corrupt.jpg" "$ST"
refused "--max-pixels on a JPEG" 1 "640x427 is 0.3 megapixels, above the limit of 0.2" -- \
  "$BIN" "$C" "$ST" --max-pixels 200000
refused "--max-pixels on a PNG" 1 "map255.png: 640x427 is 0.3 megapixels, above the limit of 0.2" -- \
  "$BIN" "$T/map255.png" "$ST" --max-pixels 200000
refused "bad --max-pixels" 1 "--max-pixels '-5' is not a pixel count" -- "$BIN" "$C" "$ST" --max-pixels -5
refused "255-colour map" 10 "more than 16 flat colours" -- "$BIN" "$C" "$ST" --content-map "$T/map255.png"
refused "too thin style" 10 "the style image (2000x40) is too thin" -- "$BIN" "$T/small.png" "$T/thin.png"

# 3) the output path is checked before the work, and named as given
mkdir "$T/folder.png"
out_refused() {
  local name=$1 out=$2 pattern=$3
  local t0=$(date +%s.%N)
  "$BIN" "$C" "$ST" -o "$out" 2> "$T/err.txt"
  local rc=$? took=$(echo "$(date +%s.%N) - $t0" | bc)
  if [ $rc -ne 1 ] || [ "$(grep -c . "$T/err.txt")" -ne 1 ] ||
     ! grep -qF "$pattern" "$T/err.txt"; then
    bad "$name: exit $rc, want one line with '$pattern':"; cat "$T/err.txt"
  elif [ "$(echo "$took > ${SANITIZED:+5*}1.5" | bc)" = 1 ]; then
    bad "$name: took $took s: checked after the work?"
  else
    ok "$name ($took s): $(cat "$T/err.txt")"
  fi
}
out_refused "missing output folder" "$T/none/out.png" "output '$T/none/out.png': folder '$T/none' does not exist"
out_refused "output is a folder" "$T/folder.png" "output '$T/folder.png' is a folder"
out_refused "output under a file" "$S/style.jpg/out.png" "'$S/style.jpg' is not a folder"

[ $fails -eq 0 ] && echo "all limit checks passed" || echo "$fails limit checks failed"
exit $((fails > 0))
