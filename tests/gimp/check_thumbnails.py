#!/usr/bin/env python3
"""check_thumbnails.py SCREENSHOT NAME X Y W H [NAME X Y W H ...]

Checks that each drawable chooser of the dialog shows a thumbnail: the
chooser's preview area (X Y W H inside the dialog window, from the
plug-in's debug log) must not be one flat colour.  GIMP 3.0's chooser
leaves it blank unless the plug-in redraws it after size allocation
(ui/sst-dialog.c), which is what this guards."""
import sys

import numpy as np
from PIL import Image

shot = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(float)
args = sys.argv[2:]
if not args or len(args) % 5:
    sys.exit("usage: check_thumbnails.py SCREENSHOT NAME X Y W H ...")
fails = 0
for i in range(0, len(args), 5):
    name = args[i]
    x, y, w, h = map(int, args[i + 1:i + 5])
    crop = shot[y:y + h, x:x + w]
    std = crop.reshape(-1, 3).std(0).max() if crop.size else 0.0
    ok = crop.size > 0 and std > 10
    print("%s - %s thumbnail %dx%d at %d,%d: std %.1f"
          % ("ok" if ok else "FAIL", name, w, h, x, y, std))
    fails += not ok
sys.exit(1 if fails else 0)
