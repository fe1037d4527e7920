#!/usr/bin/python3
"""Screen of the pixel-space texture pass (texture_pass.py) over the
engine's own result, on the issue's evaluation cases (issue 14).

Cases: every --step-th grid pair of ../shared/data/styletransfer and the
semantic cases with a photo (their doodle maps become the pass's regions),
each at its own size (as tools/eval/run_eval.py runs them) or --size px on
the long side.  Per case the engine's default result (`sst-stylize`,
--weights, maps if any) is made once into --out/img and scored as the
configuration `engine`; each --conf runs the texture pass over it, or
`engine:ARGS` runs sst-stylize with ARGS added (e.g. "engine:--method
patch"), for reference:

  --conf "w=0.1,0.2,0.5;best=1"     keyword=value pairs of texture_pass()
      sides=128,256,512 (long side per level, 0 = own size)  patch=8  stride=4  iters=5  w=<w_base per scale>
      best=0|1 (last round: each pixel from its best patch)  dims=24

Scored with ../shared/tools/quality.py.  Rows go to --out/results.tsv
(resumable); the mean per configuration over the cases every
configuration has is printed, and --out/sheet.jpg shows them (content |
style | engine | the configurations; not committed: evaluation images).

  nice -n 5 /usr/bin/python3 tools/screen/screen_texture_pass.py \\
      --out /var/tmp/sst-tp/full --conf "w=0.1,0.2,0.5;best=1"
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools", "eval"))
import eval_data  # noqa: E402
from eval_results import append_result, read_results  # noqa: E402
from mean_table import mean_table  # noqa: E402
from run_eval import Quality  # noqa: E402
from sheet import contact_sheet  # noqa: E402
from texture_pass import texture_pass  # noqa: E402

COLS = ["case", "conf", "texture_ratio", "style_ratio", "content_ssim", "seconds"]
# the keywords a --conf may set, and how each value is read
KEYS = {"sides": ("sides", lambda v: tuple(int(x) for x in v.split(","))),
        "patch": ("patch", int), "stride": ("stride", int), "iters": ("iters", int),
        "w": ("w_base", lambda v: tuple(float(x) for x in v.split(","))),
        "best": ("best_last", lambda v: v == "1"), "dims": ("dims", int), "kappa": ("kappa", float),
        "sigma": ("fuse_sigma", float)}
DEFAULTS = dict(sides=(128, 256, 512), iters=5)


def parse_conf(conf):
    kw = dict(DEFAULTS)
    for item in filter(None, conf.split(";")):
        k, v = item.split("=", 1)
        name, read = KEYS[k.strip()]
        kw[name] = read(v.strip())
    return kw


def load(path, size=None):
    im = Image.open(path).convert("RGB")
    if size and im.size != size:
        im = im.resize(size, Image.LANCZOS)
    return np.asarray(im, np.float64) / 255


def save(a, path):
    Image.fromarray((np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path)


def prepared(src, dst, size):
    """The image at `size` px on the long side into dst (0: a copy at its
    own size), so the engine, the pass and the score see the same file."""
    if not os.path.exists(dst):
        im = Image.open(src).convert("RGB")
        if size:
            s = size / max(im.size)
            im = im.resize((max(8, round(im.size[0] * s)), max(8, round(im.size[1] * s))), Image.LANCZOS)
        im.save(dst)
    return dst


def prepared_map(src, dst, image):
    """A doodle map resized (nearest) to its prepared image's size: the CLI
    takes only maps of their image's size."""
    if not os.path.exists(dst):
        with Image.open(image) as im:
            Image.open(src).convert("RGB").resize(im.size, Image.NEAREST).save(dst)
    return dst


def label_image(path, size):
    """A doodle map as a label image at `size`: its dominant colours (over
    0.5 % of the pixels), every pixel snapped to the nearest (a simpler
    rule than the engine's engine/labels.c, enough for a screen)."""
    m = np.asarray(Image.open(path).convert("RGB").resize(size, Image.NEAREST), np.int64)
    flat = m.reshape(-1, 3)
    cols, counts = np.unique(flat, axis=0, return_counts=True)
    dom = cols[counts > 0.005 * len(flat)]
    d = ((flat[:, None, :] - dom[None]) ** 2).sum(2)
    return d.argmin(1).reshape(m.shape[:2]), dom


def regions(case, chw, shw):
    """Matching (content mask, style mask) lists for a case with maps; a
    content colour without a style region takes the whole style."""
    if not case["cmap"]:
        return None, None
    cl, cdom = label_image(case["cmap"], (chw[1], chw[0]))
    sl, sdom = label_image(case["smap"], (shw[1], shw[0]))
    cms, sms = [], []
    for k, col in enumerate(cdom):
        d = ((sdom - col) ** 2).sum(1)
        j = int(d.argmin())
        cms.append(cl == k)
        sms.append(sl == j if d[j] <= 48 * 48 else np.ones(shw, bool))
    return cms, sms


def cases(args):
    contents = sorted(os.listdir(os.path.join(args.data, "content")))
    grid = eval_data.grid_cases(args.data, contents, eval_data.STYLES)[::args.step]
    prep = os.path.join(args.out, "prep")
    sem = [c for c in eval_data.semantic_cases(args.data, prep) if c["kind"] == "photo"] \
        if args.semantic else []
    return grid + sem


def engine(case, cpath, spath, dst, args, extra=""):
    cmd = [args.sst, cpath, spath, "-o", dst, "--weights", args.weights, "--quiet",
           "--threads", str(args.threads), "--max-size", "0"] + extra.split()
    if case["cmap"]:
        cmd += ["--content-map", case["cmap"], "--style-map", case["smap"]]
    subprocess.run(cmd, check=True)


def out_path(out, case, conf):
    tag = "".join(ch if ch.isalnum() else "_" for ch in conf)
    tag = tag if conf.startswith("engine") else "tp_" + tag
    return os.path.join(out, "img", "%s__%s.png" % (case, tag))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=os.path.join(REPO, "weights"))
    ap.add_argument("--conf", action="append", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--step", type=int, default=9)
    ap.add_argument("--size", type=int, default=0, help="long side in px; 0 = each image's own size")
    ap.add_argument("--no-semantic", dest="semantic", action="store_false")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sst", default=os.path.join(REPO, "build", "cli", "sst-stylize"))
    ap.add_argument("--data", default=eval_data.DEFAULT_DATA)
    ap.add_argument("--quality", default=eval_data.DEFAULT_QUALITY)
    ap.add_argument("--table", action="store_true", help="print the table only")
    args = ap.parse_args()
    confs = ["engine"] + [c for c in args.conf if c != "engine"]
    path = os.path.join(args.out, "results.tsv")
    todo = cases(args)
    if args.only:
        todo = [c for c in todo if c["case"] in args.only.split(",")]
    if not args.table:
        os.makedirs(os.path.join(args.out, "img"), exist_ok=True)
        done = {(r["case"], r["conf"]) for r in read_results(path)}
        qual = Quality(args.quality, "inproc")
        for c in todo:
            img = os.path.join(args.out, "img", c["case"])
            cpath = prepared(c["content"], img + "_content.png", args.size)
            spath = prepared(c["style"], img + "_style.png", args.size)
            if c["cmap"]:
                c = dict(c, cmap=prepared_map(c["cmap"], img + "_content_map.png", cpath),
                         smap=prepared_map(c["smap"], img + "_style_map.png", spath))
            base = None
            for conf in confs:
                dst = out_path(args.out, c["case"], conf)
                if (c["case"], conf) in done and os.path.exists(dst):
                    continue
                t = time.monotonic()
                if conf.startswith("engine"):
                    engine(c, cpath, spath, dst, args, conf[len("engine:"):])
                else:
                    if base is None:
                        base = load(out_path(args.out, c["case"], "engine"))
                        style = load(spath)
                        cms, sms = regions(c, base.shape[:2], style.shape[:2])
                    save(texture_pass(base, style, content_masks=cms, style_masks=sms,
                                      **parse_conf(conf)), dst)
                sec = time.monotonic() - t
                st, ss, tx = qual(cpath, spath, dst)
                append_result(path, dict(case=c["case"], conf=conf, texture_ratio="%.4f" % tx,
                                         style_ratio="%.4f" % st, content_ssim="%.4f" % ss,
                                         seconds="%.1f" % sec), COLS)
                print("%s %s: texture %.3f style %.3f ssim %.3f (%.0f s)" % (
                    c["case"], conf, tx, st, ss, sec), flush=True)
    names = mean_table(read_results(path), confs, "case", "case")
    img = os.path.join(args.out, "img")
    rows = [[os.path.join(img, n + "_content.png"), os.path.join(img, n + "_style.png")] +
            [out_path(args.out, n, c) for c in confs] for n in names]
    if rows:
        contact_sheet(rows, os.path.join(args.out, "sheet.jpg"), "texture pass",
                      "content | style | " + " | ".join(confs))


if __name__ == "__main__":
    main()
