# Every bad input fails with a clear message and leaves both images exactly
# as they were (same layers, sizes, offsets and pixels).
import sstgimp as T
from gi.repository import Gimp

C = Gimp.PDBStatusType.CALLING_ERROR
E = Gimp.PDBStatusType.EXECUTION_ERROR

content, photo, cmap, style, painting, smap = T.scene()
w, h = photo.get_width(), photo.get_height()


def expect_failure(what, img, drawable, status, words, **args):
    images = [img, content, style]
    before = [T.snapshot(i) for i in images]
    got, msg = T.run(img, drawable, **args)
    print("# %s -> %s: %s" % (what, got.value_nick, msg))
    T.check(got == status, "%s: status %s (expected %s)" % (what, got.value_nick, status.value_nick))
    low = msg.lower()
    T.check(all(word in low for word in words),
            "%s: message mentions %s" % (what, " + ".join(repr(x) for x in words)))
    T.check([T.snapshot(i) for i in images] == before, "%s: images unchanged" % what)


expect_failure("no style layer", content, photo, C, ["style layer"],
               style_layer=None)
expect_failure("style layer is the target", content, photo, C, ["style layer", "different"],
               style_layer=photo)

gray = content.duplicate()
gray.convert_grayscale()
expect_failure("grayscale image", gray, gray.get_layers()[-1], C, ["rgb"],
               style_layer=painting)

indexed = content.duplicate()
indexed.convert_indexed(Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE,
                        16, False, False, "")
expect_failure("indexed image", indexed, indexed.get_layers()[-1], C, ["rgb"],
               style_layer=painting)

small_map = cmap.copy()
content.insert_layer(small_map, None, 0)
small_map.scale(w // 2, h // 2, False)
expect_failure("content map of another size", content, photo, C,
               ["content map", "%d" % (w // 2), "same size"],
               style_layer=painting, content_map=small_map, style_map=smap)

big_smap = smap.copy()
style.insert_layer(big_smap, None, 0)
big_smap.scale(smap.get_width() + 10, smap.get_height(), False)
expect_failure("style map of another size", content, photo, C, ["style map", "same size"],
               style_layer=painting, content_map=cmap, style_map=big_smap)

# An all-transparent map is no map, not an error (test_artist.py).

many = T.add_layer_from(content, "many_colours_map.png", "many colours")
expect_failure("map with 24 colours", content, photo, E, ["content map", "colour"],
               style_layer=painting, content_map=many, style_map=smap)

# Two drawables at once.
proc = Gimp.get_pdb().lookup_procedure(T.PROC)
cfg = proc.create_config()
cfg.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
cfg.set_property("image", content)
cfg.set_core_object_array("drawables", [photo, cmap])
cfg.set_property("style-layer", painting)
before = T.snapshot(content)
res = proc.run(cfg)
T.check(res.index(0) == C, "two drawables: calling error")
T.check(T.snapshot(content) == before, "two drawables: image unchanged")

T.finish()
