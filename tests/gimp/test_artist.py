# The artist's workflow (issue 18) through the real procedure:
# 1. selection: with a feathered selection the result layer covers the
#    selection's bounds, carries the selection as its layer mask, and the
#    image's composite is unchanged outside the selection, changed inside
#    and blended in between by the selection's value; a selection that
#    misses the layer is refused and changes nothing.
# 2. half-painted maps: the content's transparent part pairs with the style
#    map's transparent part (here deliberately the orange top of the
#    painting, so the unpainted hills turn orange, not violet); a fully
#    transparent map is the same as no map.
# 3. preserve-colors: the result's chroma (JPEG YCbCr) is the photo's
#    within 8-bit rounding wherever it fits at the new lightness.
# 4. style-scale: 2 changes the result; 10 is refused by the procedure's
#    argument range; 0.25 on a tiny style layer is refused by the engine
#    with a message naming the style scale, image unchanged.
import sstgimp as T
from gi.repository import Gimp

content, photo, cmap, style, painting, smap = T.scene()
W, H = photo.get_width(), photo.get_height()
OK = Gimp.PDBStatusType.SUCCESS


def composite(img):
    dup = img.duplicate()
    layer = dup.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
    px = T.pixels(layer, "R'G'B' u8")
    dup.delete()
    return px


def run_on_photo(what, **args):
    """Runs the procedure on photo (with `args`), checks that it succeeds
    and adds exactly one layer; returns that layer (directly above photo)
    or None."""
    before = len(content.get_layers())
    status, msg = T.run(content, photo, style_layer=painting, **args)
    T.check(status == OK, "%s succeeds (%s %s)" % (what, status.value_nick, msg))
    layers = content.get_layers()
    if not T.check(len(layers) == before + 1, "%s: exactly one layer added" % what):
        return None
    return layers[layers.index(photo) - 1]


def mean(v):
    return sum(v) / max(len(v), 1)


def lin(v):
    """sRGB 8-bit -> linear light in [0, 1]."""
    v /= 255.0
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def to_u8(l):
    v = 12.92 * l if l <= 0.0031308 else 1.055 * l ** (1 / 2.4) - 0.055
    return 255.0 * v


def region_mean(px, w, rows, cols):
    acc, n = [0, 0, 0], 0
    for y in rows:
        for x in cols:
            i = 3 * (y * w + x)
            for c in range(3):
                acc[c] += px[i + c]
            n += 1
    return [a / n for a in acc]


# ------------------------------------------------------------ 1. selection
before_comp = composite(content)
before_style = T.snapshot(style)
content.select_ellipse(Gimp.ChannelOps.REPLACE, 60, 30, 120, 90)
Gimp.Selection.feather(content, 24.0)
_, non_empty, x1, y1, x2, y2 = Gimp.Selection.bounds(content)
# the selection as the mask's coverage (linear: a coverage, not a colour)
sel = T.pixels(content.get_selection(), "Y u8")
sel_p = T.pixels(content.get_selection(), "Y' u8")
print("# selection: %d partly selected pixels; Y vs Y' differ on %d" %
      (sum(1 for v in sel if 0 < v < 255), sum(1 for a, b in zip(sel, sel_p) if a != b)))
res = run_on_photo("selection run", content_map=cmap, style_map=smap,
                   iterations=10)
if res is not None:
    _, ox, oy = res.get_offsets()
    print("# selection bounds %d,%d-%d,%d; result %dx%d at %d,%d" %
          (x1, y1, x2, y2, res.get_width(), res.get_height(), ox, oy))
    T.check((ox, oy, res.get_width(), res.get_height()) == (x1, y1, x2 - x1, y2 - y1),
            "result layer covers exactly the selection's bounds")
    T.check(res.get_mask() is not None, "result layer has a layer mask")
    Gimp.Selection.none(content)  # the composite must not depend on it
    after_comp = composite(content)
    rpx = T.pixels(res, "R'G'B' u8")
    rw = res.get_width()
    outside, inside, blend_err, blend_gamma, blend_moved = 0, [], [], [], []
    for y in range(H):
        for x in range(W):
            s = sel[y * W + x]
            i = 3 * (y * W + x)
            if s == 0:
                outside += after_comp[i:i + 3] != before_comp[i:i + 3]
                continue
            j = 3 * ((y - oy) * rw + (x - ox))
            for c in range(3):
                b, a, r = before_comp[i + c], after_comp[i + c], rpx[j + c]
                if s == 255:
                    inside.append(abs(a - b))
                elif 32 <= s <= 223:
                    # GIMP's Normal mode composites in linear light
                    want = to_u8(lin(b) + s / 255.0 * (lin(r) - lin(b)))
                    blend_err.append(abs(a - want))
                    blend_gamma.append(abs(a - (b + s / 255.0 * (r - b))))
                    blend_moved.append(abs(a - b))
    print("# outside: %d changed pixels; inside mean |diff| %.1f; feathered edge: "
          "%d values, |composite - linear-light blend| mean %.2f max %.1f "
          "(perceptual blend: mean %.2f), mean |diff| %.1f" %
          (outside, mean(inside), len(blend_err), mean(blend_err),
           max(blend_err or [0]), mean(blend_gamma), mean(blend_moved)))
    T.check(outside == 0, "composite unchanged outside the selection")
    T.check(mean(inside) > 15, "composite changed inside the selection (%.1f > 15)"
            % mean(inside))
    T.check(len(blend_err) > 300 and mean(blend_err) < 1.5,
            "feathered edge: the composite blends source and result by the "
            "selection's value (mean error %.2f < 1.5)" % mean(blend_err))
    T.check(0 < mean(blend_moved) < mean(inside),
            "feathered edge changes less than the inside")
    T.export_layer(res, "artist-selection-result.png")
    T.export(content, "artist-selection-composite.png")
    content.remove_layer(res)
T.check(T.snapshot(style) == before_style, "style image unchanged")

# a selection that misses the layer
small = Gimp.Layer.new(content, "small", 40, 40, Gimp.ImageType.RGB_IMAGE, 100.0,
                       Gimp.LayerMode.NORMAL)
content.insert_layer(small, None, 0)
small.fill(Gimp.FillType.WHITE)
content.select_rectangle(Gimp.ChannelOps.REPLACE, 150, 100, 50, 50)
snap = T.snapshot(content)
status, msg = T.run(content, small, style_layer=painting)
print("# selection off the layer -> %s: %s" % (status.value_nick, msg))
T.check(status == Gimp.PDBStatusType.CALLING_ERROR and "selection" in msg.lower(),
        "a selection that misses the layer is refused with a message")
T.check(T.snapshot(content) == snap, "selection off the layer: image unchanged")
content.remove_layer(small)
Gimp.Selection.none(content)

# ------------------------------------------------------ 2. half-painted maps
half_c = cmap.copy()
content.insert_layer(half_c, None, 0)
half_c.add_alpha()
content.select_rectangle(Gimp.ChannelOps.REPLACE, 0, 120, W, H - 120)
half_c.edit_clear()                      # hills below row 120: unpainted
half_s = smap.copy()
style.insert_layer(half_s, None, 0)
half_s.add_alpha()
style.select_rectangle(Gimp.ChannelOps.REPLACE, 0, 0, painting.get_width(), 60)
half_s.edit_clear()                      # the painting's top (orange): unpainted
Gimp.Selection.none(content)
Gimp.Selection.none(style)
res = run_on_photo("half-painted maps: run", content_map=half_c,
                   style_map=half_s, iterations=10)
if res is not None:
    px = T.pixels(res, "R'G'B' u8")
    sp = T.pixels(painting, "R'G'B' u8")
    sw = painting.get_width()
    unpainted = region_mean(px, W, range(124, H), range(W))
    hills_painted = region_mean(px, W, range(104, 116), range(W))
    style_top = region_mean(sp, sw, range(0, 60), range(sw))        # orange
    style_ground = region_mean(sp, sw, range(140, 200), range(sw))  # violet
    print("# unpainted content mean %s, painted hills %s; style unpainted (top) %s, "
          "ground %s" % ([round(v) for v in unpainted], [round(v) for v in hills_painted],
                         [round(v) for v in style_top], [round(v) for v in style_ground]))
    T.check(T.dist(unpainted, style_top) < T.dist(unpainted, style_ground),
            "unpainted content took the style map's unpainted part")
    T.check(T.dist(hills_painted, style_ground) < T.dist(hills_painted, style_top),
            "painted hills still took the style's painted ground")
    T.export_layer(res, "artist-half-painted.png")
    content.remove_layer(res)

# a fully transparent content map is no map
empty = Gimp.Layer.new(content, "empty map", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0,
                       Gimp.LayerMode.NORMAL)
content.insert_layer(empty, None, 0)
empty.fill(Gimp.FillType.TRANSPARENT)
empty.set_visible(False)
got = []
for cm in (empty, None):
    res = run_on_photo("run with content map %s" % (cm.get_name() if cm else "none"),
                       content_map=cm, style_map=smap, iterations=3)
    if res is not None:
        got.append(T.pixels(res, "R'G'B' u8"))
        content.remove_layer(res)
T.check(len(got) == 2 and got[0] == got[1], "a fully transparent map equals no map")

# --------------------------------------------------------- 3. preserve-colors
M = ((0.299, 0.587, 0.114), (-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312))
res = run_on_photo("preserve-colors run", content_map=cmap, style_map=smap,
                   iterations=10, preserve_colors=True)
if res is not None:
    src = T.pixels(photo, "R'G'B' u8")
    out = T.pixels(res, "R'G'B' u8")
    d_fit, d_luma, n_fit = [], [], 0
    for i in range(0, len(src), 3):
        c, o = src[i:i + 3], out[i:i + 3]
        yc = [sum(M[k][j] * c[j] for j in range(3)) for k in range(3)]
        yo = [sum(M[k][j] * o[j] for j in range(3)) for k in range(3)]
        d_luma.append(abs(yo[0] - yc[0]))
        if all(-0.5 <= c[j] + yo[0] - yc[0] <= 255.5 for j in range(3)):
            n_fit += 1
            d_fit.append(max(abs(yo[1] - yc[1]), abs(yo[2] - yc[2])))
    d_fit.sort()
    p99 = d_fit[int(0.99 * (len(d_fit) - 1))] if d_fit else 99
    print("# preserve-colors: %.0f%% of pixels fit; chroma |d| 99th pct %.2f, max %.2f "
          "levels; luma moved %.1f" % (100.0 * n_fit / (len(src) // 3), p99,
                                        d_fit[-1] if d_fit else 99, mean(d_luma)))
    T.check(n_fit > 0.5 * len(src) // 3 and p99 <= 1.0,
            "chroma equals the content's within rounding (99th percentile %.2f <= 1)" % p99)
    T.check(mean(d_luma) > 5, "luma comes from the stylized result (moved %.1f)" %
            mean(d_luma))
    T.export_layer(res, "artist-preserve-colors.png")
    content.remove_layer(res)

# ------------------------------------------------------------ 4. style-scale
outs = []
for scale in (1.0, 2.0):
    res = run_on_photo("style-scale %g run" % scale, iterations=10,
                       style_scale=scale)
    if res is not None:
        outs.append(T.pixels(res, "R'G'B' u8"))
        content.remove_layer(res)
if len(outs) == 2:
    d = mean([abs(a - b) for a, b in zip(outs[0], outs[1])])
    print("# style-scale 2 vs 1: mean |diff| %.2f" % d)
    T.check(d > 1.0, "style-scale 2 changes the result (mean |diff| %.2f > 1)" % d)

proc = Gimp.get_pdb().lookup_procedure(T.PROC)
spec = next(p for p in proc.get_arguments() if p.get_name() == "style-scale")
T.check((spec.minimum, spec.maximum, spec.default_value) == (0.25, 4.0, 1.0),
        "style-scale argument is 0.25..4, default 1")
cfg = proc.create_config()
cfg.set_property("style-scale", 10.0)   # GLib warns: out of range
T.check(cfg.get_property("style-scale") == 1.0, "style-scale 10 is refused by the argument")

tiny_img = Gimp.Image.new(40, 30, Gimp.ImageBaseType.RGB)
tiny = Gimp.Layer.new(tiny_img, "tiny style", 40, 30, Gimp.ImageType.RGB_IMAGE, 100.0,
                      Gimp.LayerMode.NORMAL)
tiny_img.insert_layer(tiny, None, 0)
tiny.fill(Gimp.FillType.WHITE)
snap = T.snapshot(content)
status, msg = T.run(content, photo, style_layer=tiny, style_scale=0.25)
print("# style-scale 0.25 on a 40x30 style -> %s: %s" % (status.value_nick, msg))
T.check(status != OK and "style scale" in msg.lower(),
        "a style scale that makes the style too small is refused with a message")
T.check(T.snapshot(content) == snap, "refused style scale: image unchanged")

T.finish()
