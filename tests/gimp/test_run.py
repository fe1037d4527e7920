# Non-interactive run of plug-in-semantic-style inside GIMP 3 (python-fu-eval).
#
# 1. photo + flat-colour maps, style from ANOTHER image: a new layer named
#    "painting (semantic style)" appears right above the photo, with its
#    size and offsets, clearly different from it and not flat; every other
#    layer of both images is bit-identical afterwards; and the transfer is
#    semantic: the sky takes the colours of the style's top region (orange
#    strokes), the hills those of its bottom region (violet dots).
# 2. a layer with alpha inside a layer group, with offsets, other choice
#    arguments (kernel bn, fusion): the result goes into the same group,
#    above the source, same offsets, and keeps the source's alpha exactly.
# 3. the same call as 1 with precision "bf16": one more layer, within a few
#    levels of case 1's (on a CPU without AVX-512 BF16 it runs as float32).
# 4. the same call as 1 with color-match 0: each region's mean colour is
#    farther from its style region's than case 1's (default 1), so the
#    argument reaches the engine and the colour match works per region.
# Case 1 is also compared with the CLI on the same files: the plug-in reads
# an 8-bit sRGB layer as bytes (gimpio/sst-pixels.c), the CLI the PNG, so
# both hand the engine the same floats and the results are the same picture.
import os
import subprocess
import tempfile
import time

import sstgimp as T
from gi.repository import Gimp, Gio

# ---------------------------------------------------------------- case 1
content, photo, cmap, style, painting, smap = T.scene()
before_content = T.snapshot(content)
before_style = T.snapshot(style)
n_before = len(content.get_layers())

t0 = time.time()
status, msg = T.run(content, photo, style_layer=painting, content_map=cmap,
                    style_map=smap, kernel="poly", gamma=10.0, iterations=10)
print("run took %.2f s" % (time.time() - t0))
T.check(status == Gimp.PDBStatusType.SUCCESS,
        "run succeeds (status %s %s)" % (status.value_nick, msg))

layers = content.get_layers()
names = [layer.get_name() for layer in layers]
print("layers after:", names)
T.check(len(layers) == n_before + 1, "exactly one layer added")
result = next((l for l in layers if l.get_name() == "painting (semantic style)"), None)
if T.check(result is not None, 'result layer "painting (semantic style)" exists'):
    T.check(names.index(result.get_name()) == names.index("photo") - 1,
            "result sits directly above the source layer")
    T.check((result.get_width(), result.get_height()) ==
            (photo.get_width(), photo.get_height()),
            "result has the source's size %dx%d" % (photo.get_width(), photo.get_height()))
    T.check(result.get_offsets()[1:] == photo.get_offsets()[1:],
            "result has the source's offsets")

    src = T.pixels(photo, "R'G'B' u8")
    out = T.pixels(result, "R'G'B' u8")
    n = len(out)
    mad = sum(abs(a - b) for a, b in zip(src, out)) / n
    mean = sum(out) / n
    std = (sum((v - mean) ** 2 for v in out) / n) ** 0.5
    print("mean |result - source| = %.1f, result std = %.1f" % (mad, std))
    T.check(mad > 15, "result differs clearly from the source (mean abs diff %.1f > 15)" % mad)
    T.check(std > 10, "result is not flat (std %.1f > 10)" % std)

    # Semantic check against the style's own regions.
    res_reg = T.region_means(result, cmap)
    sty_reg = T.region_means(painting, smap)
    print("result regions:", res_reg)
    print("style regions: ", sty_reg)
    T.check(T.dist(res_reg["blue"], sty_reg["blue"]) < T.dist(res_reg["blue"], sty_reg["green"]),
            "sky took the colours of the style's sky region")
    T.check(T.dist(res_reg["green"], sty_reg["green"]) < T.dist(res_reg["green"], sty_reg["blue"]),
            "hills took the colours of the style's ground region")

    # Same picture as the CLI's: at most 1 level apart where float -> 8-bit
    # rounding ties (measured: 15 of 135,168 values, none by more than 1).
    # A wrong read (scale, channel order, alpha, rows) moves most values.
    build = os.environ["SST_BUILD_ROOT"]
    with tempfile.TemporaryDirectory() as tmp:
        cli_png = os.path.join(tmp, "cli.png")
        cli = subprocess.run(
            [os.path.join(build, "cli", "sst-stylize"), T.image_path("content.png"),
             T.image_path("style.png"), "--content-map", T.image_path("content_map.png"),
             "--style-map", T.image_path("style_map.png"), "-o", cli_png, "--quiet",
             "--weights", os.path.join(os.environ["SST_SOURCE_ROOT"], "weights"),
             "--kernel", "poly", "--gamma", "10", "--iterations", "10"],
            capture_output=True, text=True)
        if T.check(cli.returncode == 0, "the CLI runs on the same files (%s)" % cli.stderr.strip()):
            cli_img = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(cli_png))
            cli_px = T.pixels(cli_img.get_layers()[0], "R'G'B' u8")
            cli_img.delete()
            d = [abs(a - b) for a, b in zip(cli_px, out)]
            n_off = sum(1 for v in d if v)
            print("plug-in vs CLI: %d of %d values differ, max %d levels" % (n_off, len(d), max(d)))
            T.check(len(cli_px) == len(out) and max(d) <= 1 and n_off <= len(d) // 1000,
                    "plug-in result = CLI result on the same files (max %d <= 1 level, "
                    "%d <= 0.1%% of values differ)" % (max(d), n_off))

    result_hash = T.snapshot(content)
    after = tuple(i for i in T.snapshot(content)[3] if i[1] != result.get_name())
    T.check(after == before_content[3], "source image's other layers unchanged (pixels, size, offsets)")
    T.check(T.snapshot(style) == before_style, "style image unchanged")
    T.export_layer(result, "run-result.png")
    T.export_layer(photo, "run-content.png")
    T.export_layer(painting, "run-style.png")

# ---------------------------------------------------------------- case 3
if result is not None:
    n3 = len(content.get_layers())
    status, msg = T.run(content, photo, style_layer=painting, content_map=cmap,
                        style_map=smap, kernel="poly", gamma=10.0, iterations=10,
                        precision="bf16")
    T.check(status == Gimp.PDBStatusType.SUCCESS,
            "bf16 run succeeds (status %s %s)" % (status.value_nick, msg))
    layers3 = content.get_layers()
    T.check(len(layers3) == n3 + 1, "bf16 run added exactly one layer")
    if len(layers3) == n3 + 1:
        fast = T.pixels(layers3[layers3.index(photo) - 1], "R'G'B' u8")
        diff = [abs(a - b) for a, b in zip(fast, out)]
        mean_d, max_d = sum(diff) / len(diff), max(diff)
        print("bf16 vs float32 result: mean abs diff %.3f, max %d levels" % (mean_d, max_d))
        # measured here: mean 1.36, max 36 levels (2026-12-04 weights); on 9
        # evaluation pairs at 800 px bf16 is 7-26 levels off at its worst
        # pixel with these weights and 5-34 with the previous ones
        # (tools/eval/compare_precision.py), so the max only bounds outliers
        # (36 measured, 48 allowed);
        # the mean is what catches a wrong convolution (tens of levels off)
        T.check(mean_d < 2.5 and max_d <= 48,
                "bf16 result within a few levels of float32's (mean %.3f < 2.5, max %d <= 48)"
                % (mean_d, max_d))
        content.remove_layer(layers3[layers3.index(photo) - 1])

# ---------------------------------------------------------------- case 4
if result is not None:
    n4 = len(content.get_layers())
    status, msg = T.run(content, photo, style_layer=painting, content_map=cmap,
                        style_map=smap, kernel="poly", gamma=10.0, iterations=10,
                        color_match=0.0)
    T.check(status == Gimp.PDBStatusType.SUCCESS,
            "color-match 0 run succeeds (status %s %s)" % (status.value_nick, msg))
    layers4 = content.get_layers()
    if T.check(len(layers4) == n4 + 1, "color-match 0 run added exactly one layer"):
        off = layers4[layers4.index(photo) - 1]
        off_reg = T.region_means(off, cmap)
        for region in ("blue", "green"):
            d_on = T.dist(res_reg[region], sty_reg[region])
            d_off = T.dist(off_reg[region], sty_reg[region])
            print("%s region: distance to the style region's mean colour %.1f with the "
                  "colour match, %.1f without" % (region, d_on, d_off))
            T.check(d_on < d_off, "%s region: the colour match brings its mean colour nearer "
                    "the style region's (%.1f < %.1f)" % (region, d_on, d_off))
        content.remove_layer(off)

# ---------------------------------------------------------------- case 2
photo2 = photo.copy()
group = Gimp.GroupLayer.new(content, "group")
content.insert_layer(group, None, 0)
content.insert_layer(photo2, group, 0)
photo2.set_name("photo with alpha")
photo2.add_alpha()
photo2.set_offsets(10, 5)
content.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 5, 60, 40)
photo2.edit_clear()
Gimp.Selection.none(content)
alpha_src = T.pixels(photo2, "A u8")
before2 = T.snapshot(content)

status, msg = T.run(content, photo2, style_layer=painting, kernel="bn",
                    fuse_kernel="linear", fuse_weight=0.5, iterations=3)
T.check(status == Gimp.PDBStatusType.SUCCESS,
        "run on a layer in a group succeeds (status %s %s)" % (status.value_nick, msg))
children = group.get_children()
names2 = [c.get_name() for c in children]
print("group children after:", names2)
# GIMP keeps layer names unique: the image already has a layer of this
# name (case 1), so this one is "painting (semantic style) #1".
T.check(len(names2) == 2 and names2[0].startswith("painting (semantic style)")
        and names2[1] == "photo with alpha",
        "result inserted in the same group, above the source")
if len(children) == 2:
    res2 = children[0]
    T.check(res2.get_offsets()[1:] == (10, 5), "result keeps the source's offsets (10, 5)")
    T.check(res2.has_alpha(), "result has an alpha channel like the source")
    T.check(T.pixels(res2, "A u8") == alpha_src, "result alpha equals the source alpha")
    after2 = T.snapshot(content)[3]
    T.check(tuple(i for i in after2 if i[1] != res2.get_name()) == before2[3],
            "all other layers unchanged")

T.finish()
