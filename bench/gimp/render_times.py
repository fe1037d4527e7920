# bench/gimp/render_times.py - run inside GIMP 3 by bench/gimp/render_times.sh
# (not a test: it prints figures).  Times the plug-in's procedure call, from
# the call to the result layer (plug-in start, layer reads, engine, layer
# write), on the gimp-run test's scene, at one pass (gamma 100, the default
# until 2026-12-05) and at the defaults (two passes, gamma 30), alternating.
# The first call of a GIMP session is timed apart: it also pays GIMP's and
# babl's first use, which later calls in the same session do not.
import os
import time

import sstgimp as T

SETTINGS = {"one-pass": {"passes": 1, "gamma": 100.0}, "default": {}}
content, photo, cmap, style, painting, smap = T.scene()


def once(label, settings):
    t0 = time.time()
    st, msg = T.run(content, photo, style_layer=painting, content_map=cmap,
                    style_map=smap, **settings)
    print("TIME %s %.3f %s %s" % (label, time.time() - t0, st.value_nick, msg))


first = os.environ.get("SST_FIRST", "default")
print("scene %dx%d, first call: %s" % (photo.get_width(), photo.get_height(), first))
once("first-" + first, SETTINGS[first])
for _ in range(int(os.environ.get("SST_REPEATS", "4"))):
    for label, settings in SETTINGS.items():
        once(label, settings)
