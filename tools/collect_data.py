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

--set v2 (issue 14, work in progress) adds 19 game-data, texture and artwork
packages and drops what is not a picture: texture maps named like normal /
specular / height / mask maps, images more than 30 % transparent (sprites,
mostly flat grey once composited) and near-flat images (luminance std <
0.03).  Its full run has not been completed yet (see weights/SCREENING.md,
"Corpus"); the default v1 set is unchanged and still gives weights/MANIFEST.tsv.
    /usr/bin/python3 tools/collect_data.py --set v2 --out /var/tmp/sst-encoder

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
# v2 only: texture maps that are not pictures (normal, specular, height ...)
NOT_A_PICTURE = re.compile(r"(normal|_nm[._]|_n\.|_norm[._]|spec|bump|height|gloss|rough|"
                           r"_ao[._]|lightmap|_mask|mask_|_alpha[._])", re.I)
MAX_TRANSPARENT = 0.3   # v2: sprites on transparency are mostly flat grey once composited
MIN_GREY_STD = 0.03     # v2: near-flat images (masks, blank fills)
EXTS = (".png", ".jpg", ".jpeg", ".webp")
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
    args = ap.parse_args()

    debs = os.path.join(args.out, "debs")
    unpack = os.path.join(args.out, "unpacked")
    images = os.path.join(args.out, "images")
    os.makedirs(debs, exist_ok=True)
    if os.path.isdir(images):
        shutil.rmtree(images)
    os.makedirs(images)

    rows = []
    seen = {}
    v2 = args.set == "v2"
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
            dep5 = parse_dep5(f.read())

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
            if v2 and NOT_A_PICTURE.search(os.path.basename(rel)):
                continue
            try:
                with Image.open(path) as im:
                    w, h = im.size
                    if min(w, h) < MIN_SHORT:
                        continue
                    im.load()
                    if v2 and transparent_fraction(im) > MAX_TRANSPARENT:
                        continue
                    rgb = to_rgb(im)
            except Exception:
                continue  # not a raster image PIL can decode
            s = min(w, h)
            if s > MAX_SHORT:
                nw = max(1, round(w * MAX_SHORT / s))
                nh = max(1, round(h * MAX_SHORT / s))
                rgb = rgb.resize((nw, nh), Image.LANCZOS)
            if v2 and grey_std(rgb) < MIN_GREY_STD:
                continue
            # drop exact pixel duplicates (same art installed twice)
            digest = hashlib.sha256(rgb.tobytes()).hexdigest()
            if digest in seen:
                continue
            seen[digest] = rel
            out_name = "%s__%s.jpg" % (pkg, re.sub(r"[^A-Za-z0-9._-]", "_",
                                                    rel.replace("/", "__")))
            buf = io.BytesIO()
            rgb.save(buf, "JPEG", quality=JPEG_QUALITY)
            with open(os.path.join(images, out_name), "wb") as f:
                f.write(buf.getvalue())
            rows.append((out_name, pkg, ver, "/" + rel, "%dx%d" % (w, h),
                         "%dx%d" % rgb.size, licence_for(pkg, rel, dep5)))
            kept += 1
        print("%-28s %-14s %5d images kept of %d candidates"
              % (pkg, ver, kept, len(found)), flush=True)

    header = ("image\tpackage\tversion\toriginal_path\toriginal_size\t"
              "stored_size\tlicence\n")
    text = header + "".join("\t".join(r) + "\n" for r in rows)
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    man = os.path.join(args.out, "MANIFEST.tsv")
    with open(man, "wb") as f:
        f.write(data)
    with open(man + ".sha256", "w") as f:
        f.write("%s  MANIFEST.tsv\n" % sha)
    print("%d images, manifest sha256 %s" % (len(rows), sha))
    if args.weights_dir:
        os.makedirs(args.weights_dir, exist_ok=True)
        shutil.copy(man, os.path.join(args.weights_dir, "MANIFEST.tsv"))
        shutil.copy(man + ".sha256",
                    os.path.join(args.weights_dir, "MANIFEST.tsv.sha256"))


if __name__ == "__main__":
    main()
