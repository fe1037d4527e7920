# Interactive run inside GIMP 3 with its GUI (under Xvfb, driven by
# run-test.sh dialog): the image gets a display, the plug-in shows its
# dialog, the shell screenshots it and presses OK.  Then the result layer
# is checked and saved, and the shell presses Ctrl+Z in the image window:
# ONE undo step must remove the result and restore the image exactly.
import os
import time

import sstgimp as T
from gi.repository import Gimp

work = os.environ["SST_TEST_WORK"]
content, photo, cmap, style, painting, smap = T.scene(big=True)
display = Gimp.Display.new(content)
Gimp.displays_flush()
before = T.snapshot(content)
n = len(content.get_layers())

status, msg = T.run(content, photo, run_mode=Gimp.RunMode.INTERACTIVE,
                    style_layer=painting, content_map=cmap, style_map=smap)
T.check(status == Gimp.PDBStatusType.SUCCESS,
        "dialog run succeeds after OK (status %s %s)" % (status.value_nick, msg))
names = [l.get_name() for l in content.get_layers()]
print("# layers after OK:", names)
result = next((l for l in content.get_layers()
               if l.get_name() == "painting (semantic style)"), None)
if T.check(result is not None, "result layer added"):
    T.check((result.get_width(), result.get_height()) ==
            (photo.get_width(), photo.get_height()), "result has the source's size")
    T.OUT = work
    T.export_layer(result, "dialog-result.png")
Gimp.displays_flush()

# Hand over to the shell for Ctrl+Z, then wait for the undo to land.
open(os.path.join(work, "result-ready"), "w").close()
deadline = time.time() + 90
while time.time() < deadline and len(content.get_layers()) != n:
    time.sleep(0.3)
time.sleep(0.5)
print("# layers after Ctrl+Z:", [l.get_name() for l in content.get_layers()])
T.check(T.snapshot(content) == before,
        "one undo step removes the result and restores the image exactly")
T.check(T.snapshot(content) == before and len(content.get_layers()) == n,
        "layer count back to %d" % n)
display.delete()
T.finish()
