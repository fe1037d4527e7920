"""Helpers for the plug-in tests, imported by the scripts that run inside
GIMP 3 (gimp-console-3.0 ... --batch-interpreter=python-fu-eval).

Each check prints one line "ok - ..." or "FAIL - ..."; finish() exits the
interpreter with a non-zero status when any check failed, which makes
gimp-console exit non-zero too.
"""
import hashlib
import os
import sys

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

PROC = "plug-in-semantic-style"
IMAGES = os.environ.get("SST_TEST_IMAGES", "")
OUT = os.environ.get("SST_TEST_OUT", "")

_failures = []


def check(cond, what):
    print(("ok - " if cond else "FAIL - ") + what, flush=True)
    if not cond:
        _failures.append(what)
    return cond


def finish():
    n = len(_failures)
    print("%d check(s) failed" % n if n else "all checks passed", flush=True)
    if n:
        # An exception makes python-fu-eval report failure and gimp-console
        # exit with a non-zero status.
        raise SystemExit("FAILED: " + "; ".join(_failures))


def image_path(name):
    return os.path.join(IMAGES, name)


def load(name):
    return Gimp.file_load(Gimp.RunMode.NONINTERACTIVE,
                          Gio.File.new_for_path(image_path(name)))


def add_layer_from(img, name, layer_name, position=0):
    """Loads an image file as a new layer of img (on top by default)."""
    layer = Gimp.file_load_layer(Gimp.RunMode.NONINTERACTIVE, img,
                                 Gio.File.new_for_path(image_path(name)))
    layer.set_name(layer_name)
    img.insert_layer(layer, None, position)
    return layer


def scene(big=False):
    """Content image (photo layer + map layer on top, photo selected) and
    style image (painting + map).  big: the 512x352 content."""
    stem = "content_big" if big else "content"
    content = load(stem + ".png")
    photo = content.get_layers()[0]
    photo.set_name("photo")
    cmap = add_layer_from(content, stem + "_map.png", "content map")
    cmap.set_visible(False)
    style = load("style.png")
    painting = style.get_layers()[0]
    painting.set_name("painting")
    smap = add_layer_from(style, "style_map.png", "style map")
    smap.set_visible(False)
    content.set_selected_layers([photo])
    return content, photo, cmap, style, painting, smap


def pixels(drawable, fmt="R'G'B'A u8"):
    buf = drawable.get_buffer()
    rect = Gegl.Rectangle.new(0, 0, drawable.get_width(), drawable.get_height())
    return bytes(buf.get(rect, 1.0, fmt, Gegl.AbyssPolicy.CLAMP))


def snapshot(img):
    """Everything a run must not change: layers (name, size, offsets, pixel
    hash) in stack order, and the image's own size and type."""
    items = []

    def walk(layers, depth):
        for layer in layers:
            ok, ox, oy = layer.get_offsets()
            # A group's pixels are its children's projection: compare the
            # children, not the group.
            digest = None if layer.is_group() else \
                hashlib.sha256(pixels(layer)).hexdigest()
            items.append((depth, layer.get_name(), layer.get_width(),
                          layer.get_height(), ox, oy, digest))
            if layer.is_group():
                walk(layer.get_children(), depth + 1)

    walk(img.get_layers(), 0)
    return (img.get_width(), img.get_height(), int(img.get_base_type()),
            tuple(items))


def run(img, drawable, run_mode=Gimp.RunMode.NONINTERACTIVE, **args):
    """Calls the procedure; returns (status, error message or '')."""
    proc = Gimp.get_pdb().lookup_procedure(PROC)
    if proc is None:
        raise RuntimeError(PROC + " is not registered")
    cfg = proc.create_config()
    cfg.set_property("run-mode", run_mode)
    cfg.set_property("image", img)
    cfg.set_core_object_array("drawables", [drawable])
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    res = proc.run(cfg)
    status = res.index(0)
    msg = ""
    if status != Gimp.PDBStatusType.SUCCESS and res.length() > 1:
        try:
            msg = res.index(1) or ""
        except Exception:  # no message value
            msg = ""
    return status, msg


def export(img, name):
    if not OUT:
        return
    os.makedirs(OUT, exist_ok=True)
    copy = img.duplicate()
    copy.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, copy,
                   Gio.File.new_for_path(os.path.join(OUT, name)), None)
    copy.delete()


def export_layer(layer, name):
    """Saves one layer as its own PNG (for the CI artifacts)."""
    if not OUT:
        return
    os.makedirs(OUT, exist_ok=True)
    img = Gimp.Image.new(layer.get_width(), layer.get_height(),
                         Gimp.ImageBaseType.RGB)
    copy = Gimp.Layer.new_from_drawable(layer, img)
    img.insert_layer(copy, None, 0)
    copy.set_offsets(0, 0)
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, img,
                   Gio.File.new_for_path(os.path.join(OUT, name)), None)
    img.delete()


def region_means(drawable, cmap):
    """Mean R,G,B (0..255) of drawable over the blue and the green region of
    the map layer cmap (same size)."""
    px = pixels(drawable, "R'G'B' u8")
    mp = pixels(cmap, "R'G'B' u8")
    sums = {"blue": [0, 0, 0, 0], "green": [0, 0, 0, 0]}
    for i in range(0, len(px), 3):
        key = "blue" if mp[i + 2] > 128 else "green" if mp[i + 1] > 128 else None
        if key:
            s = sums[key]
            s[0] += px[i]
            s[1] += px[i + 1]
            s[2] += px[i + 2]
            s[3] += 1
    return {k: tuple(v[c] / max(v[3], 1) for c in range(3))
            for k, v in sums.items()}


def dist(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5
