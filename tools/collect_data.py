#!/usr/bin/python3
"""Collect the decoder training images from Debian packages.

Why: the project may only ship weights trained on redistributable data that
anyone can fetch again from Debian's archive.  This script downloads the
listed binary packages with `apt-get download` (no installation), unpacks
them with `dpkg-deb -x`, and converts every raster image that PIL can read
and whose short side is >= 128 px into an RGB JPEG with the short side capped
at 512 px (cheap IO during training).  It writes a manifest TSV listing, for
each training image, the package, its version, the original path, the
original size and the licence as stated in the package's
/usr/share/doc/<pkg>/copyright, plus the manifest's sha256.

Usage (needs `apt-get update` done; run as any user that can write OUT):
    /usr/bin/python3 tools/collect_data.py [--out /var/tmp/sst-data]
          [--weights-dir weights]   # also copy MANIFEST.tsv (+ .sha256) there

--set v2 (issue 14) adds 19 game-data, texture and artwork packages and a
picture selection (see select_v2 below and weights/SCREENING.md, "Corpus"):
numbered animation/rotation frame series thinned to one frame in 8, sprites
cropped to their opaque bounding box, textures read from inside .pk3/.zip
archives, texture maps that are not pictures dropped (normal / specular /
height / mask / glow names), near-flat images dropped, exact and 16x16-grey
near duplicates dropped, and only files whose licence resolves to a
redistributable one kept.  Its manifest has an extra `crop` column and is
copied to weights/MANIFEST_v2.tsv (+ .sha256, + MANIFEST_v2_counts.tsv);
the default v1 set is unchanged and still gives weights/MANIFEST.tsv.
    /usr/bin/python3 tools/collect_data.py --set v2 --out /var/tmp/sst-encoder
A second conversion from the same unpacked packages (reproducibility check):
    ... --set v2 --out OTHER --debs OUT/debs --unpacked OUT/unpacked \
        --skip-download --reuse-unpacked

The output is deterministic for fixed package versions: files are processed
in sorted order, alpha is composited over a flat grey, and resizing uses PIL's
LANCZOS filter with JPEG quality 92.
"""
import argparse
import fnmatch
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
from PIL import Image

PACKAGES = [
    "wesnoth-1.16-data",
    "mate-backgrounds",
    "plasma-workspace-wallpapers",
    "python3-skimage",
    "mypaint-data-extras",
    "ukui-wallpapers",
    "gnome-backgrounds",
]
# v2 (issue 14: >= 10,000 images for a learned encoder): v1 plus game data
# with painted art, photo textures and astronomy/stamp pictures.  Not
# gcompris-qt-data (kept for independent evaluation).  Icon themes are left
# out (flat vector art says nothing about texture).
PACKAGES_V2 = PACKAGES + [
    "supertuxkart-data",
    "torcs-data",
    "freedroidrpg-data",
    "naev-data",
    "stellarium-data",
    "ufoai-textures",
    "megaglest-data",
    "tuxpaint-stamps-default",
    "hedgewars-data",
    "fillets-ng-data",
    "lugaru-data",
    "endless-sky-data",
    "flightgear-data-base",
    "desktop-base",
    "unknown-horizons",
    "widelands-data",
    "trigger-rally-data",
    "extremetuxracer-data",
    "neverball-data",
]
PACKAGE_SETS = {"v1": PACKAGES, "v2": PACKAGES_V2}
# v2 only: texture maps that are not pictures (normal, specular, height ...;
# ufoai names its specular and glow maps *_sm / *_gm, widelands its
# player-colour masks *_pc: white marks on black, 1,159 of them)
NOT_A_PICTURE = re.compile(r"(normal|_nm[._]|_n\.|_norm[._]|spec|bump|height|gloss|rough|"
                           r"_ao[._]|lightmap|_mask|mask_|_alpha[._]|_sm[._]|_gm[._]|_glow|"
                           r"_pc[._])", re.I)
# v2 only: trigger-rally's per-map layers inside data.zip, maps/MAP/ and
# events/EVENT/MAP/{h,r,t,f}.png (height, road, terrain-type and foliage
# maps: 607 files found on a contact sheet of the first v2 manifest)
MAP_LAYER = re.compile(r"(^|/)(maps|events/[^/]+)/[^/]+/[hrtf]\.png$")
MAX_TRANSPARENT = 0.5   # v2: of the opaque bounding box; more is a thin sprite, flat grey once
                        # composited (wesnoth's painted portraits: median 0.49 of their box)
MIN_GREY_STD = 0.03     # v2: near-flat images (masks, blank fills)
ALPHA_OPAQUE = 128      # v2: alpha at or above this is "opaque" for the crop and the fraction
# v2: animation / rotation frames.  A numbered series is >= FRAME_MIN files
# in one folder whose names differ only in a zero-padded number of one width
# (freedroidrpg's portrait_0001 ... portrait_0032).  The name alone does not
# make frames: ufoai's wall001 ... wall078 and naev's nebula01 ... are
# distinct pictures.  So the series is thinned to one frame in FRAME_STEP
# only if its consecutive members look alike, on the medians over
# consecutive pairs of their 16x16 grey thumbnails: mean absolute difference
# <= FRAME_MAD_ANY grey levels (a thin weapon turning on a flat background:
# little changes, whatever the correlation), or correlation >= FRAME_CORR
# with a difference <= FRAME_MAD (a large shield turning).  Measured on the
# v2 packages: 145 of freedroidrpg's 153 item/droid series pass; ufoai's
# texture series have differences >= 8.2 and correlations <= 0.66 where
# under 16, stellarium's nebulae and panoramas <= 0.77 or >= 10 levels,
# torcs' track objects >= 12.8 levels; naev's empire_mil_m and
# dv_civilian_m portraits (0.94 / 5.1 and 0.88 / 6.3: one uniform, many
# faces) are thinned too.
FRAME_MIN = 8
FRAME_STEP = 8
FRAME_MAD_ANY = 4.5
FRAME_CORR = 0.85
FRAME_MAD = 16.0
# v2: near duplicates (one picture stored at two sizes, re-compressed, or a
# frame that barely moves): 16x16 grey thumbnails (box filter) whose mean
# absolute difference is < NEAR_DUP_MAD grey levels AND whose correlation is
# > NEAR_DUP_CORR.  The correlation guard keeps distinct low-contrast
# textures (concrete 1 vs concrete 2: close in mean, unrelated in pattern).
NEAR_DUP_SIDE = 16
NEAR_DUP_MAD = 2.0
NEAR_DUP_CORR = 0.95
ARCHIVES = (".pk3", ".zip")  # v2: texture packs shipped as zip archives (ufoai-textures)
# v2: licences we do not redistribute (none of the v2 packages has one today;
# an empty or unresolved licence is treated the same way)
NOT_REDISTRIBUTABLE = re.compile(r"non-free|all rights reserved|proprietary|^UNKNOWN$|^$", re.I)
EXTS = (".png", ".jpg", ".jpeg", ".webp")
# v2 also reads the texture formats game data ships (torcs' SGI .rgb,
# megaglest's .bmp/.tga, flightgear's .dds)
EXTS_V2 = EXTS + (".tga", ".bmp", ".rgb", ".rgba", ".sgi", ".dds", ".tif", ".tiff", ".gif")
MIN_SHORT = 128
MAX_SHORT = 512
JPEG_QUALITY = 92

# Licence summaries for packages whose debian/copyright is not machine
# readable (DEP-5).  Taken by hand from the copyright files of the bookworm
# versions; the per-file table of gnome-backgrounds predates its 43.x webp
# wallpapers, which upstream ships under CC-BY-SA-3.0.
MANUAL_LICENCE = {
    "wesnoth-1.16-data": "GPL-2+",
    "gnome-backgrounds": "CC-BY-SA-3.0",
    # v2: not DEP-5; the copyright file puts the game data under GPL version 2
    "fillets-ng-data": "GPL-2",
}


def run(cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True)


def pkg_version(pkg):
    out = subprocess.run(["apt-cache", "policy", pkg], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"Candidate:\s*(\S+)", out)
    if not m or m.group(1) == "(none)":
        sys.exit("no candidate version for %s (run apt-get update?)" % pkg)
    return m.group(1)


def parse_dep5(text):
    """Return [(patterns, licence)] from a DEP-5 copyright file, in order."""
    text = text.lstrip()
    if not text.startswith("Format:"):
        return None
    stanzas = re.split(r"\n\s*\n", text)
    out = []
    for st in stanzas:
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", st, re.M)
        lic = re.search(r"^License:\s*(\S.*)$", st, re.M)
        if files and lic:
            pats = files.group(1).split()
            out.append((pats, lic.group(1).strip()))
    return out


def licence_for(pkg, relpath, dep5):
    """Last matching Files stanza wins (DEP-5 rule).  Patterns name source
    paths, so match them against every suffix of the installed path."""
    if pkg in MANUAL_LICENCE:
        return MANUAL_LICENCE[pkg]
    best = None
    parts = relpath.split("/")
    for pats, lic in dep5 or []:
        for pat in pats:
            if pat == "*":
                best = lic
                continue
            for i in range(len(parts)):
                if fnmatch.fnmatchcase("/".join(parts[i:]), pat):
                    best = lic
                    break
    return best or "UNKNOWN"


def parse_dep5_v2(text):
    """parse_dep5 for v2 (v1 keeps the old parser so weights/MANIFEST.tsv
    stays byte-identical): patterns lose a leading "./" and doubled slashes
    (naev-data writes ./dat/gfx//Naev.png, which never matched before, so
    its files all fell to the "Files: *" stanza), and an empty License
    field stays empty (the old `\\s*` skipped over the line end) so that the
    file comes out UNKNOWN (licence_for) instead of inheriting a wider stanza."""
    text = text.lstrip()
    if not text.startswith("Format:"):
        return None
    out = []
    for st in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", st, re.M)
        lic = re.search(r"^License:[ \t]*(.*)$", st, re.M)
        if files and lic:
            pats = [re.sub(r"/+", "/", p[2:] if p.startswith("./") else p)
                    for p in files.group(1).split()]
            out.append((pats, lic.group(1).strip()))
    return out


def transparent_fraction(im):
    """Fraction of pixels with alpha < 128 (0 for images without alpha)."""
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        a = im.convert("RGBA").getchannel("A")
        hist = a.histogram()
        return sum(hist[:128]) / float(im.size[0] * im.size[1])
    return 0.0


def grey_std(rgb):
    """Standard deviation of the luminance in [0,1], from PIL's histogram
    (integer counts, so no float summation-order dependence)."""
    hist = rgb.convert("L").histogram()
    n = float(sum(hist))
    m = sum(i * c for i, c in enumerate(hist)) / n
    v = sum(c * (i - m) ** 2 for i, c in enumerate(hist)) / n
    return v ** 0.5 / 255.0


def to_rgb(im):
    """Flatten to RGB; transparent pixels become mid grey (a neutral colour
    that does not bias the decoder towards black or white)."""
    if im.mode in ("P", "LA", "L;16", "I;16", "I", "F") or im.mode.startswith("I;"):
        im = im.convert("RGBA") if "transparency" in im.info or im.mode in ("P", "LA") else im.convert("RGB")
    if im.mode == "RGBA":
        bg = Image.new("RGBA", im.size, (128, 128, 128, 255))
        bg.alpha_composite(im)
        return bg.convert("RGB")
    return im.convert("RGB")


def frame_series(relpaths, min_len=FRAME_MIN):
    """v2: the numbered series that may be frames (see FRAME_MIN), each a
    list of paths in numeric order.  Keyed by folder, the name around the
    number and the number's width; kept if it has >= min_len members and is
    zero-padded (some member's number starts with 0 and has >= 2 digits)."""
    series = {}
    for rel in relpaths:
        d, name = os.path.split(rel)
        m = re.match(r"^(.*?)(\d+)(\.[A-Za-z0-9]+)$", name)
        if m:
            key = (d, m.group(1), m.group(3), len(m.group(2)))
            series.setdefault(key, []).append((int(m.group(2)), rel, m.group(2)))
    out = []
    for key in sorted(series):
        members = sorted(series[key])
        padded = key[3] >= 2 and any(digits.startswith("0") for _, _, digits in members)
        if len(members) >= min_len and padded:
            out.append([rel for _, rel, _ in members])
    return out


def frame_series_drops(relpaths, thumb_of, step=FRAME_STEP, min_len=FRAME_MIN):
    """v2: the paths to drop from frame series: for each numbered series
    whose consecutive members look alike (FRAME_CORR, FRAME_MAD on
    thumb_of(path), None for an image that cannot be read), all members but
    one in `step` (the first, the step+1-th, ...)."""
    drop = set()
    for members in frame_series(relpaths, min_len):
        th = [thumb_of(r) for r in members]
        pairs = [(a, b) for a, b in zip(th, th[1:]) if a is not None and b is not None]
        if not pairs:
            continue
        corr = float(np.median([correlation(a, b) for a, b in pairs]))
        mad = float(np.median([np.abs(a - b).sum() for a, b in pairs])) / NEAR_DUP_SIDE ** 2
        if mad <= FRAME_MAD_ANY or (corr >= FRAME_CORR and mad <= FRAME_MAD):
            drop.update(r for i, r in enumerate(members) if i % step)
    return drop


def quick_thumb(f):
    """v2: the thumbnail of a whole image (alpha over grey) for the frame
    test, or None when PIL cannot read it."""
    try:
        with Image.open(f) as im:
            im.load()
            return thumb(to_rgb(im))
    except Exception:
        return None


def has_alpha(im):
    return (im.mode in ("RGBA", "LA", "PA", "RGBa", "La")
            or "transparency" in im.info)


def alpha_crop(im):
    """v2: crop an image with alpha to the bounding box of its opaque pixels
    (alpha >= ALPHA_OPAQUE), so a painted portrait standing on transparency
    is kept as a picture instead of being dropped as a sprite.  Returns
    (image, box): image in RGBA when it had alpha, box (x0, y0, x1, y1) when
    the crop is smaller than the image, else None; (None, None) when no
    pixel is opaque."""
    if not has_alpha(im):
        return im, None
    rgba = im.convert("RGBA")
    mask = rgba.getchannel("A").point(lambda v: 255 if v >= ALPHA_OPAQUE else 0)
    box = mask.getbbox()
    if box is None:
        return None, None
    if box == (0, 0) + rgba.size:
        return rgba, None
    return rgba.crop(box), box


def thumb(rgb):
    """v2: the NEAR_DUP_SIDE^2 grey thumbnail (box filter), as int32."""
    t = rgb.convert("L").resize((NEAR_DUP_SIDE, NEAR_DUP_SIDE), Image.BOX)
    return np.frombuffer(t.tobytes(), np.uint8).astype(np.int32)


class NearDups:
    """v2: the thumbnails of the pictures kept so far; `find` names the kept
    picture a new one nearly duplicates (see NEAR_DUP_MAD), or None.  The
    absolute differences are summed in integers, so the test is exact; the
    correlation is only computed for the few thumbnails that pass it."""

    def __init__(self):
        self.thumbs = np.zeros((1024, NEAR_DUP_SIDE ** 2), np.int32)
        self.names = []

    def find(self, t):
        n = len(self.names)
        if n == 0:
            return None
        sad = np.abs(self.thumbs[:n] - t).sum(axis=1)
        limit = NEAR_DUP_MAD * NEAR_DUP_SIDE ** 2
        for i in np.nonzero(sad < limit)[0]:
            if correlation(self.thumbs[i], t) > NEAR_DUP_CORR:
                return self.names[i]
        return None

    def add(self, t, name):
        n = len(self.names)
        if n == len(self.thumbs):
            self.thumbs = np.concatenate([self.thumbs, np.zeros_like(self.thumbs)])
        self.thumbs[n] = t
        self.names.append(name)


def correlation(a, b):
    """Pearson correlation of two thumbnails (1.0 when both are flat)."""
    a = a - a.mean()
    b = b - b.mean()
    d = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return 1.0 if d == 0 else float((a * b).sum()) / d


def list_candidates_v2(root):
    """v2: [(shown, licence_path, opener)] in sorted order of `shown`: image
    files under root, and the image members of .pk3/.zip archives, shown
    as ARCHIVE!/MEMBER and licensed as if unpacked next to the archive
    (ufoai's base/0textures.pk3 holds what its copyright file calls
    base/textures/...).  Symlinks are skipped (their target is listed)."""
    out = []
    for dp, dn, fn in os.walk(root):
        dn.sort()
        for name in fn:
            path = os.path.join(dp, name)
            rel = os.path.relpath(path, root)
            low = name.lower()
            if os.path.islink(path):
                continue
            if low.endswith(EXTS_V2):
                out.append((rel, rel, lambda p=path: open(p, "rb")))
            elif low.endswith(ARCHIVES):
                try:
                    zf = zipfile.ZipFile(path)
                except zipfile.BadZipFile:
                    continue
                base = os.path.dirname(rel)
                for info in zf.infolist():
                    if info.is_dir() or not info.filename.lower().endswith(EXTS_V2):
                        continue
                    out.append((rel + "!/" + info.filename,
                                os.path.join(base, info.filename),
                                lambda z=zf, i=info: io.BytesIO(z.read(i))))
    out.sort(key=lambda c: c[0])
    return out


V2_REASONS = ("frames", "not_picture", "undecodable", "small", "empty", "transparent",
              "flat", "dup_exact", "dup_near", "licence")


def prepare_v2(f):
    """v2: decode one candidate and apply the picture filters.  Returns
    (rgb, (w, h), box) or the name of the filter that dropped it."""
    try:
        with Image.open(f) as im:
            w, h = im.size
            if min(w, h) < MIN_SHORT:
                return "small"
            im.load()
            im, box = alpha_crop(im)
            if im is None:
                return "empty"
            if min(im.size) < MIN_SHORT:
                return "small"
            if transparent_fraction(im) > MAX_TRANSPARENT:
                return "transparent"
            rgb = to_rgb(im)
    except Exception:
        return "undecodable"  # not a raster image PIL can decode
    s = min(rgb.size)
    if s > MAX_SHORT:
        nw = max(1, round(rgb.size[0] * MAX_SHORT / s))
        nh = max(1, round(rgb.size[1] * MAX_SHORT / s))
        rgb = rgb.resize((nw, nh), Image.LANCZOS)
    if grey_std(rgb) < MIN_GREY_STD:
        return "flat"
    return rgb, (w, h), box


def convert_package_v2(pkg, ver, root, dep5, images, seen, near_seen, stats):
    """v2: convert one unpacked package; returns its manifest rows and
    counts the drops per reason in stats (a dict)."""
    cands = list_candidates_v2(root)
    openers = {c[0]: c[2] for c in cands}

    def thumb_of(shown):
        with openers[shown]() as f:
            return quick_thumb(f)
    frames = frame_series_drops([c[0] for c in cands], thumb_of)
    rows = []
    for key in ("candidates",) + V2_REASONS + ("kept",):
        stats.setdefault(key, 0)
    stats["candidates"] += len(cands)
    for shown, lic_path, opener in cands:
        if shown in frames:
            stats["frames"] += 1
            continue
        if NOT_A_PICTURE.search(os.path.basename(shown)) or MAP_LAYER.search(shown):
            stats["not_picture"] += 1
            continue
        lic = licence_for(pkg, lic_path, dep5)
        if NOT_REDISTRIBUTABLE.search(lic):
            stats["licence"] += 1
            print("  licence %r: %s" % (lic, shown), flush=True)
            continue
        with opener() as f:
            got = prepare_v2(f)
        if isinstance(got, str):
            stats[got] += 1
            continue
        rgb, (w, h), box = got
        digest = hashlib.sha256(rgb.tobytes()).hexdigest()
        if digest in seen:
            stats["dup_exact"] += 1
            continue
        t = thumb(rgb)
        if near_seen.find(t) is not None:
            stats["dup_near"] += 1
            continue
        seen[digest] = shown
        near_seen.add(t, shown)
        out_name = write_image(images, pkg, shown, rgb)
        rows.append((out_name, pkg, ver, "/" + shown, "%dx%d" % (w, h),
                     "%dx%d" % rgb.size, lic,
                     "-" if box is None else "%d,%d,%d,%d" % box))
        stats["kept"] += 1
    return rows


def write_counts_v2(path, counts, rows):
    """Per package: kept and dropped per reason; then images per licence."""
    cols = ("candidates",) + V2_REASONS + ("kept",)
    lines = ["package\tversion\t" + "\t".join(cols)]
    for pkg, ver, st in counts:
        lines.append("%s\t%s\t%s" % (pkg, ver, "\t".join(str(st[c]) for c in cols)))
    lines.append("total\t-\t" + "\t".join(str(sum(st[c] for _, _, st in counts)) for c in cols))
    lines += ["", "licence\timages"]
    per = {}
    for r in rows:
        per[r[6]] = per.get(r[6], 0) + 1
    lines += ["%s\t%d" % (k, per[k]) for k in sorted(per, key=lambda k: (-per[k], k))]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_image(images, pkg, path, rgb):
    """Writes rgb as a JPEG named after the package and the original path
    (both sets name and encode their images this way); returns the name."""
    out_name = "%s__%s.jpg" % (pkg, re.sub(r"[^A-Za-z0-9._-]", "_",
                                            path.replace("/", "__")))
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=JPEG_QUALITY)
    with open(os.path.join(images, out_name), "wb") as f:
        f.write(buf.getvalue())
    return out_name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/var/tmp/sst-data")
    ap.add_argument("--weights-dir", default=None,
                    help="copy MANIFEST.tsv and its sha256 here")
    ap.add_argument("--skip-download", action="store_true",
                    help="reuse the .debs already in OUT/debs")
    ap.add_argument("--set", choices=sorted(PACKAGE_SETS), default="v1",
                    help="v1: the 7 packages of the shipped decoders (weights/MANIFEST.tsv); "
                         "v2: the extended corpus with picture filters (issue 14)")
    ap.add_argument("--reuse-unpacked", action="store_true",
                    help="do not unpack again a package already unpacked in OUT/unpacked")
    ap.add_argument("--debs", default=None, help="folder of the .debs (default OUT/debs)")
    ap.add_argument("--unpacked", default=None,
                    help="folder of the unpacked packages (default OUT/unpacked)")
    args = ap.parse_args()

    debs = args.debs or os.path.join(args.out, "debs")
    unpack = args.unpacked or os.path.join(args.out, "unpacked")
    images = os.path.join(args.out, "images")
    os.makedirs(debs, exist_ok=True)
    if os.path.isdir(images):
        shutil.rmtree(images)
    os.makedirs(images)

    rows = []
    seen = {}
    v2 = args.set == "v2"
    near_seen = NearDups()
    counts = []
    for pkg in PACKAGE_SETS[args.set]:
        ver = pkg_version(pkg)
        deb_ver = ver.replace(":", "%3a")
        cands = [f for f in os.listdir(debs)
                 if f.startswith(pkg + "_" + deb_ver + "_") and f.endswith(".deb")]
        if not cands:
            if args.skip_download:
                sys.exit("missing .deb for %s %s" % (pkg, ver))
            run(["apt-get", "download", "%s=%s" % (pkg, ver)], cwd=debs)
            cands = [f for f in os.listdir(debs)
                     if f.startswith(pkg + "_" + deb_ver + "_") and f.endswith(".deb")]
        deb = os.path.join(debs, sorted(cands)[0])
        root = os.path.join(unpack, pkg)
        if not (args.reuse_unpacked and os.path.isdir(root)):
            if os.path.isdir(root):
                shutil.rmtree(root)
            os.makedirs(root)
            run(["dpkg-deb", "-x", deb, root])
        with open(os.path.join(root, "usr/share/doc", pkg, "copyright"),
                  encoding="utf-8", errors="replace") as f:
            dep5 = (parse_dep5_v2 if v2 else parse_dep5)(f.read())

        if v2:
            stats = {}
            rows += convert_package_v2(pkg, ver, root, dep5, images, seen, near_seen, stats)
            counts.append((pkg, ver, stats))
            print("%-28s %-14s %5d kept of %d candidates; dropped: %s"
                  % (pkg, ver, stats["kept"], stats["candidates"],
                     ", ".join("%s %d" % (k, stats[k]) for k in V2_REASONS if stats[k])),
                  flush=True)
            continue

        found = []
        for dp, dn, fn in os.walk(root):
            dn.sort()
            for name in fn:
                if name.lower().endswith(EXTS):
                    found.append(os.path.join(dp, name))
        found.sort()
        kept = 0
        for path in found:
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                continue
            try:
                with Image.open(path) as im:
                    w, h = im.size
                    if min(w, h) < MIN_SHORT:
                        continue
                    im.load()
                    rgb = to_rgb(im)
            except Exception:
                continue  # not a raster image PIL can decode
            s = min(w, h)
            if s > MAX_SHORT:
                nw = max(1, round(w * MAX_SHORT / s))
                nh = max(1, round(h * MAX_SHORT / s))
                rgb = rgb.resize((nw, nh), Image.LANCZOS)
            # drop exact pixel duplicates (same art installed twice)
            digest = hashlib.sha256(rgb.tobytes()).hexdigest()
            if digest in seen:
                continue
            seen[digest] = rel
            out_name = write_image(images, pkg, rel, rgb)
            rows.append((out_name, pkg, ver, "/" + rel, "%dx%d" % (w, h),
                         "%dx%d" % rgb.size, licence_for(pkg, rel, dep5)))
            kept += 1
        print("%-28s %-14s %5d images kept of %d candidates"
              % (pkg, ver, kept, len(found)), flush=True)

    header = ("image\tpackage\tversion\toriginal_path\toriginal_size\t"
              "stored_size\tlicence" + ("\tcrop" if v2 else "") + "\n")
    text = header + "".join("\t".join(r) + "\n" for r in rows)
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    man = os.path.join(args.out, "MANIFEST.tsv")
    with open(man, "wb") as f:
        f.write(data)
    with open(man + ".sha256", "w") as f:
        f.write("%s  MANIFEST.tsv\n" % sha)
    print("%d images, manifest sha256 %s" % (len(rows), sha))
    # one hash over every written image, in manifest order (name, then the
    # file's sha256), to compare two runs byte for byte
    h = hashlib.sha256()
    for r in rows:
        with open(os.path.join(images, r[0]), "rb") as f:
            h.update(("%s\0%s\n" % (r[0], hashlib.sha256(f.read()).hexdigest())).encode())
    print("images sha256 %s" % h.hexdigest())
    if v2:
        write_counts_v2(os.path.join(args.out, "MANIFEST_v2_counts.tsv"), counts, rows)
    if v2 and args.weights_dir:
        os.makedirs(args.weights_dir, exist_ok=True)
        shutil.copy(man, os.path.join(args.weights_dir, "MANIFEST_v2.tsv"))
        with open(os.path.join(args.weights_dir, "MANIFEST_v2.tsv.sha256"), "w") as f:
            f.write("%s  MANIFEST_v2.tsv\n" % sha)
        shutil.copy(os.path.join(args.out, "MANIFEST_v2_counts.tsv"),
                    os.path.join(args.weights_dir, "MANIFEST_v2_counts.tsv"))
    elif args.weights_dir:
        os.makedirs(args.weights_dir, exist_ok=True)
        shutil.copy(man, os.path.join(args.weights_dir, "MANIFEST.tsv"))
        shutil.copy(man + ".sha256",
                    os.path.join(args.weights_dir, "MANIFEST.tsv.sha256"))


if __name__ == "__main__":
    main()
