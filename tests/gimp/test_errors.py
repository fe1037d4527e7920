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

empty = Gimp.Layer.new(content, "empty map", w, h, Gimp.ImageType.RGBA_IMAGE, 100.0,
                       Gimp.LayerMode.NORMAL)
content.insert_layer(empty, None, 0)
empty.fill(Gimp.FillType.TRANSPARENT)
expect_failure("all-transparent content map", content, photo, E, ["content map", "empty"],
               style_layer=painting, content_map=empty, style_map=smap)

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

# The procedure's arguments are the engine's settings table (printed by
# tests/settings/settings_dump): same names, ranges, defaults and choices.
import json, os, subprocess
dump = os.path.join(os.environ["SST_BUILD_ROOT"], "tests", "settings", "settings_dump")
rows = [json.loads(l) for l in subprocess.run([dump], check=True, capture_output=True,
                                              text=True).stdout.splitlines()]
specs = {p.get_name(): p for p in proc.get_arguments()}
table_args = [r for r in rows if r["arg"]]
T.check(len(table_args) >= 9, "the table has %d procedure arguments" % len(table_args))
for r in table_args:
    spec = specs.get(r["arg"])
    if not T.check(spec is not None, "argument %s exists" % r["arg"]):
        continue
    if r["type"] == "choice":
        choice = Gimp.param_spec_choice_get_choice(spec)
        got = sorted((n, choice.get_id(n)) for n in choice.list_nicks())
        want = sorted((c["name"], c["value"]) for c in r["choices"])
        default = Gimp.param_spec_choice_get_default(spec)
        want_default = [c["name"] for c in r["choices"] if c["value"] == r["default"]]
        print("# %s: choices %s, default %s" % (r["arg"], got, default))
        T.check(got == want, "%s: choices and ids equal the table's" % r["arg"])
        T.check([default] == want_default, "%s: default equals the table's" % r["arg"])
    elif r["type"] == "bool":
        T.check(spec.default_value == bool(r["default"]),
                "%s: boolean, default equals the table's" % r["arg"])
    else:
        got = (spec.minimum, spec.maximum, spec.default_value)
        want = (r["min"], r["max"], r["default"])
        print("# %s: range %g..%g default %g" % ((r["arg"],) + got))
        T.check(got == want, "%s: range and default equal the table's %s" % (r["arg"], want))

T.finish()
