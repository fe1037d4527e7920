#!/usr/bin/python3
"""tools/collect_data.py --set v2: the picture selection on small synthetic
packages, each property against a reference computed here (numpy, or the
names the rule must keep written out by hand).

    test_collect_data.py SOURCE_ROOT

1. frame_series_drops keeps one frame in 8 of a zero-padded series of 16
   moving frames (portrait_0001, portrait_0009), keeps a zero-padded series
   of distinct pictures (wall001 ... wall010) whole, leaves an unpadded
   series (m1 ... m9) and a short padded one (3 frames) alone.
2. alpha_crop / prepare_v2: a sprite on transparency is cropped to the box of
   its opaque pixels (numpy nonzero on alpha >= 128), the kept pixels are the
   sprite's; a thin ring (mostly transparent even inside its box) and a sprite
   smaller than 128 px once cropped are dropped.
3. NearDups: a picture's resized copy is found, a different picture and a
   low-contrast texture with the same mean but another pattern are not; the
   thresholds against numpy float64 on the thumbnails.
4. convert_package_v2 end to end on a fake unpacked package: a .pk3 member is
   read and licensed through the path next to the archive (DEP-5 pattern with
   a leading ./), its normal map and player-colour mask are dropped, the frame series is thinned, the
   resized copy is dropped as a near duplicate, a file under an empty
   License field is dropped, the sprite's crop box is in its row, the drop
   counts add up.

Needs /usr/bin/python3 with numpy and PIL; FAILS (never skips) without them.
"""
import io
import os
import sys
import tempfile
import zipfile

import numpy as np
from PIL import Image

ROOT = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(ROOT, "tools"))
import collect_data as cd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402


def smooth(seed, w=300, h=200):
    """A smooth colour picture (random 5x4 grid, bicubic upsampling): has
    structure at the 16x16 thumbnail scale, unlike white noise."""
    g = np.random.default_rng(seed).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    return Image.fromarray(g, "RGB").resize((w, h), Image.BICUBIC)


def shifted(i, seed=100):
    """Frame i of an "animation": one picture moved 3 px per frame."""
    return smooth(seed, 340, 200).crop((3 * i, 0, 3 * i + 300, 200))


def test_frames():
    d = "usr/share/game/items/sword"
    series = ["%s/portrait_%04d.jpg" % (d, i) for i in range(1, 17)]
    distinct = ["usr/share/tex/wall%03d.png" % i for i in range(1, 11)]
    unpadded = ["usr/share/sky/m%d.png" % i for i in range(1, 10)]
    short = ["usr/share/fx/blast_%02d.png" % i for i in range(3)]
    pics = {p: shifted(i) for i, p in enumerate(series)}
    # distinct low-contrast textures (30 % contrast: differences between
    # FRAME_MAD_ANY and FRAME_MAD, like ufoai's wall series; only their
    # low correlation says they are not frames)
    grey = Image.new("RGB", (300, 200), (128, 128, 128))
    pics.update({p: Image.blend(grey, smooth(400 + i), 0.3) for i, p in enumerate(distinct)})
    pics.update({p: shifted(i) for i, p in enumerate(unpadded + short)})
    check(cd.frame_series(list(pics)) == [series, distinct],
          "numbered series: the padded ones of >= 8, in numeric order")
    drop = cd.frame_series_drops(list(pics), lambda p: cd.thumb(pics[p]))
    kept = [p for p in series if p not in drop]
    check(kept == ["%s/portrait_0001.jpg" % d, "%s/portrait_0009.jpg" % d],
          "moving series of 16 keeps frames 1 and 9 (kept %s)" % [os.path.basename(p) for p in kept])
    th = [np.asarray(pics[p].convert("L").resize((16, 16), Image.BOX), np.float64).ravel()
          for p in distinct]
    mad = np.median([np.abs(a - b).mean() for a, b in zip(th, th[1:])])
    check(not drop & set(distinct) and cd.FRAME_MAD_ANY < mad < cd.FRAME_MAD,
          "series of distinct low-contrast pictures (wall001 ...) kept whole (numpy mad %.2f)" % mad)
    check(not drop & set(unpadded + short), "unpadded series and short series untouched")
    # the frame test against numpy float64 on the thumbnails
    th = [np.asarray(pics[p].convert("L").resize((16, 16), Image.BOX), np.float64).ravel()
          for p in series]
    corr = np.median([np.corrcoef(a, b)[0, 1] for a, b in zip(th, th[1:])])
    mad = np.median([np.abs(a - b).mean() for a, b in zip(th, th[1:])])
    check(mad <= cd.FRAME_MAD_ANY or (corr >= cd.FRAME_CORR and mad <= cd.FRAME_MAD),
          "numpy: the moving series passes the frame test (corr %.3f, mad %.2f)" % (corr, mad))
    # a thin object turning on a flat background: thumbnails barely differ
    # although they correlate poorly -> frames; distinct low-contrast
    # textures (same flat mean, different fine pattern) are not frames,
    # since they differ by more than FRAME_MAD_ANY only if they have contrast
    bar = {}
    for i in range(8):
        a = np.zeros((200, 200), np.uint8)
        a[20 + 13 * i:24 + 13 * i, 70:130] = 200  # a 4 px bar moving down 13 px a frame
        bar["usr/share/fd/items/rod/portrait_%04d.jpg" % (i + 1)] = Image.fromarray(a).convert("RGB")
    drop = cd.frame_series_drops(list(bar), lambda p: cd.thumb(bar[p]))
    th = [np.asarray(bar[p].convert("L").resize((16, 16), Image.BOX), np.float64).ravel()
          for p in sorted(bar)]
    corr = np.median([np.corrcoef(a, b)[0, 1] for a, b in zip(th, th[1:])])
    mad = np.median([np.abs(a - b).mean() for a, b in zip(th, th[1:])])
    check(len(drop) == 7 and corr < cd.FRAME_CORR and mad <= cd.FRAME_MAD_ANY,
          "thin bar moving on black: 7 of 8 frames dropped (%d; numpy corr %.3f, mad %.2f)"
          % (len(drop), corr, mad))


def rgba_sprite(size, box, seed):
    """size canvas fully transparent, an opaque smooth picture inside box."""
    w, h = size
    a = np.zeros((h, w, 4), np.uint8)
    x0, y0, x1, y1 = box
    a[y0:y1, x0:x1, :3] = np.asarray(smooth(seed, x1 - x0, y1 - y0))
    a[y0:y1, x0:x1, 3] = 255
    a[y0 + 5, x0 + 7, 3] = 40  # a nearly transparent pixel inside stays inside the box
    return a


def png_bytes(im):
    buf = io.BytesIO()
    im.save(buf, "PNG")
    buf.seek(0)
    return buf


def test_alpha_crop():
    a = rgba_sprite((400, 400), (100, 120, 300, 280), 7)
    ys, xs = np.nonzero(a[:, :, 3] >= 128)
    ref_box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    got = cd.prepare_v2(png_bytes(Image.fromarray(a, "RGBA")))
    check(not isinstance(got, str), "sprite kept (got %r)" % (got if isinstance(got, str) else "image"))
    if isinstance(got, str):
        return
    rgb, orig, box = got
    check(box == ref_box and orig == (400, 400),
          "crop box %s equals numpy's opaque box %s, original size kept" % (box, ref_box))
    x0, y0, x1, y1 = ref_box
    ref = a[y0:y1, x0:x1, :3].astype(np.int32)
    ref_a = a[y0:y1, x0:x1, 3:4].astype(np.int32)
    # composited over mid grey (128) as to_rgb does; exact where opaque
    opaque = (ref_a[:, :, 0] == 255)
    diff = np.abs(np.asarray(rgb).astype(np.int32) - ref)[opaque].max()
    check(rgb.size == (x1 - x0, y1 - y0) and diff == 0,
          "cropped pixels equal the sprite's opaque pixels (max diff %d)" % diff)

    # a thin ring: its box is large but mostly transparent
    ring = np.zeros((300, 300, 4), np.uint8)
    yy, xx = np.mgrid[:300, :300]
    r = np.hypot(yy - 150, xx - 150)
    ring[(r > 120) & (r < 126)] = (200, 60, 30, 255)
    check(cd.prepare_v2(png_bytes(Image.fromarray(ring, "RGBA"))) == "transparent",
          "thin ring dropped as transparent")
    small = rgba_sprite((400, 400), (10, 10, 130, 100), 8)
    check(cd.prepare_v2(png_bytes(Image.fromarray(small, "RGBA"))) == "small",
          "sprite under 128 px once cropped dropped as small")
    empty = np.zeros((200, 200, 4), np.uint8)
    check(cd.prepare_v2(png_bytes(Image.fromarray(empty, "RGBA"))) == "empty",
          "fully transparent image dropped as empty")


def ref_near(x, y):
    """numpy float64: mean absolute grey difference and correlation of the
    16x16 box thumbnails."""
    tx = np.asarray(x.convert("L").resize((16, 16), Image.BOX), np.float64).ravel()
    ty = np.asarray(y.convert("L").resize((16, 16), Image.BOX), np.float64).ravel()
    return np.abs(tx - ty).mean(), np.corrcoef(tx, ty)[0, 1]


def texture(seed, mean):
    """A low-contrast texture: fine noise (+-12 levels) over a flat mean."""
    a = np.random.default_rng(seed).integers(-12, 13, (256, 256, 1)) + mean
    return Image.fromarray(np.repeat(a, 3, axis=2).astype(np.uint8), "RGB")


def test_near_dup():
    a = smooth(11, 600, 400)
    nd = cd.NearDups()
    nd.add(cd.thumb(a), "a")
    tex = texture(5, 120)
    nd.add(cd.thumb(tex), "tex")
    for name, other, want in (("resized copy", a.resize((384, 256), Image.LANCZOS), "a"),
                              ("different picture", smooth(12, 600, 400), None),
                              ("other texture, same mean", texture(6, 120), None)):
        mad, corr = ref_near(a if want else tex, other)
        ref_dup = mad < cd.NEAR_DUP_MAD and corr > cd.NEAR_DUP_CORR
        got = nd.find(cd.thumb(other))
        check(got == want and ref_dup == (want is not None),
              "%s: found %r (numpy: mad %.2f, corr %.3f)" % (name, got, mad, corr))


DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: someone
License: GPL-2+

Files: ./base/tex/*.png
Copyright: someone else
License: CC0-1.0

Files: ./share/fake/bad/*
Copyright: nobody said
License:

"""


def test_package():
    pkg = "fake-data"
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        base = os.path.join(root, "usr/share/fake")
        for sub in ("frames", "bad", "base", "pics"):
            os.makedirs(os.path.join(base, sub))
        doc = os.path.join(root, "usr/share/doc", pkg)
        os.makedirs(doc)
        with open(os.path.join(doc, "copyright"), "w") as f:
            f.write(DEP5)
        for i in range(16):
            shifted(i).save(os.path.join(base, "frames", "f_%04d.png" % i))
        smooth(200, 600, 400).save(os.path.join(base, "pics", "a.png"))
        smooth(200, 600, 400).resize((300, 200), Image.LANCZOS).save(
            os.path.join(base, "pics", "b_copy.png"))
        smooth(201).save(os.path.join(base, "bad", "c.png"))
        Image.fromarray(rgba_sprite((400, 400), (100, 120, 300, 280), 7), "RGBA").save(
            os.path.join(base, "pics", "sprite.png"))
        with zipfile.ZipFile(os.path.join(base, "base", "tex.pk3"), "w") as z:
            z.writestr("tex/wall.png", png_bytes(smooth(300)).getvalue())
            z.writestr("tex/wall_nm.png", png_bytes(smooth(301)).getvalue())
            z.writestr("tex/wall_pc.png", png_bytes(smooth(302)).getvalue())
            z.writestr("events/cup/far/h.png", png_bytes(smooth(303)).getvalue())
            z.writestr("maps/far/t.png", png_bytes(smooth(304)).getvalue())
        with open(os.path.join(doc, "copyright")) as f:
            dep5 = cd.parse_dep5_v2(f.read())
        images = os.path.join(tmp, "images")
        os.makedirs(images)
        stats = {}
        rows = cd.convert_package_v2(pkg, "1.0", root, dep5, images, {}, cd.NearDups(), stats)
        by = {r[3]: r for r in rows}
        want = ["/usr/share/fake/base/tex.pk3!/tex/wall.png",
                "/usr/share/fake/frames/f_0000.png", "/usr/share/fake/frames/f_0008.png",
                "/usr/share/fake/pics/a.png", "/usr/share/fake/pics/sprite.png"]
        check(sorted(by) == want, "kept exactly %s (got %s)" % (want, sorted(by)))
        wall = by.get(want[0])
        check(wall is not None and wall[6] == "CC0-1.0",
              "pk3 member licensed by ./base/tex/*.png as if unpacked next to the archive (%s)"
              % (wall[6] if wall else None))
        check(by.get("/usr/share/fake/pics/a.png", [None] * 8)[6] == "GPL-2+",
              "other files fall to Files: *")
        sprite = by.get("/usr/share/fake/pics/sprite.png")
        check(sprite is not None and sprite[4] == "400x400" and sprite[5] == "200x160"
              and sprite[7] == "100,120,300,280", "sprite row: original 400x400, stored 200x160, crop box")
        want_stats = {"candidates": 25, "frames": 14, "not_picture": 4, "dup_near": 1,
                      "licence": 1, "kept": 5}
        got = {k: v for k, v in stats.items() if v}
        check(got == want_stats, "drop counts %s" % got)
        check(sum(stats[k] for k in cd.V2_REASONS) + stats["kept"] == stats["candidates"],
              "every candidate is kept or dropped once")
        files = sorted(os.listdir(images))
        check(files == sorted(r[0] for r in rows), "one JPEG per row")


test_frames()
test_alpha_crop()
test_near_dup()
test_package()
finish()
