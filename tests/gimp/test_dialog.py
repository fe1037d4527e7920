# Interactive run inside GIMP 3 with its GUI (under Xvfb, driven by
# run-test.sh dialog): the image gets a display, the plug-in shows its
# dialog, the shell screenshots it and presses OK.  Then the result layer
# is checked and saved, and the shell presses Ctrl+Z in the image window:
# ONE undo step must remove the result and restore the image exactly.
import os
import time

import sstgimp as T
from gi.repository import Gegl, Gimp

work = os.environ["SST_TEST_WORK"]
content, photo, cmap, style, painting, smap = T.scene(big=True)


def paint_patch(layer, x, y, w, h, rgb):
    """A flat patch, as an artist would add one with the Pencil."""
    buf = layer.get_buffer()
    buf.set(Gegl.Rectangle.new(x, y, w, h), "R'G'B' u8", bytes(rgb) * (w * h))
    buf.flush()
    layer.update(x, y, w, h)


# So the legend shows every kind of region: a red patch only in the content
# map (unmatched: it takes the whole style), a yellow one only in the style
# map (style-only).  check_legend.py reads the maps exported here.
paint_patch(cmap, 20, 20, 80, 60, (255, 0, 0))
paint_patch(smap, 10, 10, 40, 40, (255, 255, 0))
T.OUT = work
T.export_layer(cmap, "legend-content-map.png")
T.export_layer(smap, "legend-style-map.png")
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

# Second dialog, without maps: the shell presses "New map layers" (Alt+L),
# screenshots, then cancels.  The new layers stay (they are the artist's to
# paint): transparent, hidden, right above the target and the style layer.
c_ids = {l.get_id() for l in content.get_layers()}
s_ids = {l.get_id() for l in style.get_layers()}
status, msg = T.run(content, photo, run_mode=Gimp.RunMode.INTERACTIVE,
                    style_layer=painting, content_map=None, style_map=None)
T.check(status == Gimp.PDBStatusType.CANCEL,
        "second dialog cancelled (status %s)" % status.value_nick)


def check_map_layer(img, above, old_ids, what):
    layers = img.get_layers()
    pos = [l.get_id() for l in layers].index(above.get_id())
    new = [l for l in layers if l.get_id() not in old_ids]
    print("# %s: layers %s" % (what, [l.get_name() for l in layers]))
    if not T.check(len(new) == 1 and pos > 0 and layers[pos - 1].get_id() == new[0].get_id(),
                   "%s: one new layer, right above %s" % (what, above.get_name())):
        return
    layer = new[0]
    T.check(layer.get_name().startswith(what), "%s: named %r" % (what, layer.get_name()))
    T.check(not layer.get_visible(), "%s: hidden" % what)
    T.check((layer.get_width(), layer.get_height(), layer.get_offsets()[1:]) ==
            (above.get_width(), above.get_height(), above.get_offsets()[1:]),
            "%s: size and offsets of %s" % (what, above.get_name()))
    T.check(set(T.pixels(layer, "A u8")) == {0}, "%s: fully transparent" % what)


check_map_layer(content, photo, c_ids, "content map")
check_map_layer(style, painting, s_ids, "style map")
display.delete()
T.finish()
