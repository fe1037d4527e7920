#!/usr/bin/env python3
"""check_preview.py SCREENSHOT X Y W H CONTENT.png RESULT.png

Crops the live-preview area (X Y W H, from the plug-in's debug log) out of
a screenshot of the dialog and checks that it shows a stylized image: not
flat, clearly different from the (reduced) source, and close to the final
result layer (the preview computes the same thing on a reduced copy)."""
import sys

import numpy as np
from PIL import Image

shot, x, y, w, h, content, result = sys.argv[1:]
x, y, w, h = map(int, (x, y, w, h))
crop = np.asarray(Image.open(shot).convert("RGB"))[y:y + h, x:x + w].astype(float)
src = np.asarray(Image.open(content).convert("RGB").resize((w, h), Image.BOX)).astype(float)
res = np.asarray(Image.open(result).convert("RGB").resize((w, h), Image.BOX)).astype(float)
Image.fromarray(crop.astype(np.uint8)).save(shot.replace(".png", "-preview.png"))

std = crop.std()
d_src = np.abs(crop - src).mean()
d_res = np.abs(crop - res).mean()
print("preview %dx%d: std %.1f, mean |preview - source| %.1f, "
      "mean |preview - result| %.1f" % (w, h, std, d_src, d_res))
fails = []
if std <= 10:
    fails.append("preview is flat")
if d_src <= 15:
    fails.append("preview looks like the unstylized source")
# The preview runs on a reduced copy, so its strokes are not the result's
# strokes; its colours and layout must still be the result's.
if d_res >= 0.5 * d_src:
    fails.append("preview is further from the final result than expected")
for f in fails:
    print("FAIL - " + f)
sys.exit(1 if fails else 0)
