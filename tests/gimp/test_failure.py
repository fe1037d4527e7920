# One run that must fail or be cancelled, set up by the environment GIMP
# (and so the plug-in) was started with:
#   EXPECT=weights  SST_WEIGHTS_DIR points at missing or corrupt weights
#   EXPECT=cancel   SST_CANCEL_AT=0.3 cancels the run at 30 % progress
#   EXPECT=memory   SST_MEMORY_LIMIT_MB=100 leaves the run too little memory
# Either way the image must be left exactly as it was.
import os

import sstgimp as T
from gi.repository import Gimp

expect = os.environ["EXPECT"]
content, photo, cmap, style, painting, smap = T.scene()
before = (T.snapshot(content), T.snapshot(style))
status, msg = T.run(content, photo, style_layer=painting, content_map=cmap,
                    style_map=smap)
print("# %s -> %s: %s" % (expect, status.value_nick, msg))
if expect == "weights":
    T.check(status == Gimp.PDBStatusType.EXECUTION_ERROR, "execution error")
    T.check("weights" in msg.lower() and os.environ["SST_WEIGHTS_DIR"] in msg,
            "message names the weights and the folder")
elif expect == "memory":
    T.check(status == Gimp.PDBStatusType.EXECUTION_ERROR, "execution error")
    T.check("not enough memory" in msg.lower() and "out of memory" in msg,
            "message says memory ran out and what for")
else:
    T.check(status == Gimp.PDBStatusType.CANCEL, "run reports CANCEL")
T.check((T.snapshot(content), T.snapshot(style)) == before, "images unchanged")
T.finish()
