#!/usr/bin/python3
"""Quality evaluation of sst-stylize on the shared style-transfer images.

Runs the command-line tool over
  * the grid: every content photo in DATA/content x the 8 fixed STYLES below,
  * the semantic cases in DATA/semantic/<case>/ with their doodle maps,
for each requested kernel (at its default gamma unless --gammas is given),
scores every output with ../shared/tools/quality.py (style_ratio: 1.0 = no
style moved, lower = closer to the style; content_ssim: luminance SSIM against
the content) and writes into --out (never into the repository: the outputs and
the contact sheet contain the evaluation images, which must not be committed):

  results.tsv        one row per run (appended; a re-run skips rows already
                     there for the same settings and the same weights files)
  summary.md         means/medians per layer/kernel/gamma and set, per-case
                     rows for the semantic cases, decoder PSNR
  contact_sheet.png  rows = a few pairs/cases, columns = content, style, one
                     output per kernel (small thumbnails)
  psnr.tsv           decoder-only reconstruction PSNR on BSDS500 test images
                     (tools/train/eval_psnr.py), cached per decoder sha256

--report weights/QUALITY.md writes the whole quality report from --out (and
--sweep-out, when given); it runs nothing new except the PSNR step when the
decoder files changed.  --sweep runs a fixed 6-pair subset (gamma sweep);
--sweep --floor scores the decoder's reconstruction of each style image.

Typical use (from the repository root).  Runs are at full size by default
(--max-size 0, the CLI's and the plug-in's default; 384 scored worse on both
figures): about 2-7 s per run for sst-stylize plus ~2 s of scoring on one
free core, so poly over grid + semantic (124 runs) takes ~10 min:

  nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize
  nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\
      --layer relu4_1 --kernels poly
  nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\
      --out /var/tmp/sst-eval/sweep --sweep --gammas 3,10,30,100,300,1000
  /usr/bin/python3 tools/eval/run_eval.py --report weights/QUALITY.md \\
      --sweep-out /var/tmp/sst-eval/sweep

Everything runs with one compute thread (sst-stylize --threads 1,
OPENBLAS_NUM_THREADS=1, torch threads 1).  Needs Debian's python3 (numpy,
PIL, skimage; torch only for the PSNR step).
"""
import argparse
import contextlib
import csv
import datetime
import hashlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from weights_common import sha256_file  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
DEFAULT_DATA = os.path.join(SHARED, "data", "styletransfer")
DEFAULT_QUALITY = os.path.join(SHARED, "tools", "quality.py")
DEFAULT_BSDS = os.path.join(SHARED, "data", "bsds500", "images", "test")

KERNELS = ["poly", "linear", "gaussian", "bn"]  # poly first: it is the default

# The fixed 8 styles of the grid (file names in DATA/style).  Chosen by hand
# once, for variety (brush texture, flat colour, drawing, photo-like paint),
# and never changed, so figures stay comparable between weight versions.
STYLES = [
    "neuralstyle_starry_night.jpg",        # Van Gogh: strong brush texture
    "neuralstyle_the_scream.jpg",          # Munch: swirling bands
    "neuralstyle_shipwreck.jpg",           # Turner: soft, dark, low contrast
    "adain_la_muse.jpg",                   # Picasso: flat cubist shapes
    "adain_woman_with_hat_matisse.jpg",    # Matisse: fauvist colour
    "adain_asheville.jpg",                 # de Kooning: abstract strokes
    "adain_en_campo_gris.jpg",             # Kandinsky: shapes on grey
    "painterly_28.jpg",                    # Monet, Haystacks: impressionist
]

# Contact-sheet rows: a few grid pairs and semantic cases (skipped if absent).
SHEET_GRID = [
    ("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
    ("neuralstyle_tubingen.jpg", "neuralstyle_the_scream.jpg"),
    ("adain_brad_pitt.jpg", "adain_woman_with_hat_matisse.jpg"),
]
SHEET_SEMANTIC = ["dpst_21", "portrait_gogh_seth", "renoir_creek",
                  "doodle_monet_coastline", "adain_spatial_two_styles"]

# Small fixed subset used by --sweep (gamma sweep): 4 grid pairs + 2 cases.
SWEEP_GRID = [
    ("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
    ("neuralstyle_tubingen.jpg", "neuralstyle_the_scream.jpg"),
    ("adain_sailboat.jpg", "adain_la_muse.jpg"),
    ("adain_cornell.jpg", "painterly_28.jpg"),
]
SWEEP_SEMANTIC = ["dpst_21", "portrait_gogh_seth"]

# Issue 14's targets for the default settings (grid + semantic photo cases,
# means): texture must move (band-pass patch distribution, which colour
# cannot fake), the style as a whole must move, the photo must stay.
TARGET_TEXTURE_RATIO = 0.70
TARGET_STYLE_RATIO = 0.45
TARGET_CONTENT_SSIM = 0.60
TARGET_PSNR = 26.0

FIELDS = ["key", "set", "case", "kind", "layer", "kernel", "gamma", "iterations",
          "max_size", "weights", "status", "style_ratio", "content_ssim",
          "seconds", "output", "note", "color_match", "texture_ratio", "method"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- cases ----

def fit_map(map_path, image_path, prep_dir, tag):
    """Maps must have their image's size (the CLI refuses otherwise).  One
    shared case (dpst_07) has a map one row shorter than its photo: resize
    such maps with nearest neighbour into prep_dir and say so."""
    with Image.open(image_path) as im, Image.open(map_path) as mp:
        if im.size == mp.size:
            return map_path, ""
        os.makedirs(prep_dir, exist_ok=True)
        out = os.path.join(prep_dir, tag + ".png")
        if not os.path.exists(out):
            mp.convert("RGB").resize(im.size, Image.NEAREST).save(out)
        return out, "%s %dx%d resized (nearest) to %dx%d" % (
            os.path.basename(map_path), mp.size[0], mp.size[1], im.size[0], im.size[1])


def two_style_composite(case_dir, files, prep_dir):
    """AdaIN's spatial-control case has two whole style images and no style
    map; the CLI takes one style, so stack them (fg above bg) and make the
    matching map (white over black), which is exactly 'white region takes
    style_fg, black region takes style_bg'."""
    os.makedirs(prep_dir, exist_ok=True)
    sp = os.path.join(prep_dir, "adain_spatial_style.png")
    mp = os.path.join(prep_dir, "adain_spatial_style_map.png")
    if not (os.path.exists(sp) and os.path.exists(mp)):
        fg = Image.open(os.path.join(case_dir, files["style_fg"])).convert("RGB")
        bg = Image.open(os.path.join(case_dir, files["style_bg"])).convert("RGB")
        w = min(fg.width, bg.width)
        fg = fg.resize((w, round(fg.height * w / fg.width)), Image.LANCZOS)
        bg = bg.resize((w, round(bg.height * w / bg.width)), Image.LANCZOS)
        st = Image.new("RGB", (w, fg.height + bg.height))
        st.paste(fg, (0, 0))
        st.paste(bg, (0, fg.height))
        st.save(sp)
        m = Image.new("RGB", st.size, (0, 0, 0))
        m.paste((255, 255, 255), (0, 0, w, fg.height))
        m.save(mp)
    return sp, mp


def semantic_cases(data, prep_dir):
    out = []
    root = os.path.join(data, "semantic")
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        cj = os.path.join(d, "case.json")
        if not os.path.isfile(cj):
            continue
        with open(cj) as f:
            files = json.load(f).get("files", {})
        p = lambda k: os.path.join(d, files[k])  # noqa: E731
        notes = []
        if "style_fg" in files and "style_bg" in files:
            kind = "two_styles"
            content, cmap = p("content"), p("content_map")
            style, smap = two_style_composite(d, files, prep_dir)
            notes.append("style_fg over style_bg stacked into one style + map")
        elif "content" not in files:
            # Pure doodle synthesis: the flat content map is the only content.
            kind = "doodle"
            content = cmap = p("content_map")
            style, smap = p("style"), p("style_map")
            notes.append("no photo: content = content_map")
        else:
            kind = "photo"
            content, cmap, style, smap = p("content"), p("content_map"), p("style"), p("style_map")
        cmap, n1 = fit_map(cmap, content, prep_dir, name + "_content_map")
        smap, n2 = fit_map(smap, style, prep_dir, name + "_style_map")
        notes += [n for n in (n1, n2) if n]
        out.append(dict(set="semantic", case=name, kind=kind, content=content,
                        style=style, cmap=cmap, smap=smap, note="; ".join(notes)))
    return out


def grid_cases(data, contents, styles):
    cdir, sdir = os.path.join(data, "content"), os.path.join(data, "style")
    out = []
    for c in contents:
        for s in styles:
            out.append(dict(set="grid", case="%s__%s" % (os.path.splitext(c)[0], os.path.splitext(s)[0]),
                            kind="photo", content=os.path.join(cdir, c), style=os.path.join(sdir, s),
                            cmap=None, smap=None, note=""))
    return out


# -------------------------------------------------------------- quality ----

class Quality:
    """Runs quality.py's own functions in this process (imported, not
    copied) so the 1.5 s import and the content-vs-style denominator are
    paid once: the denominator swd(C,S) depends only on the content and style
    files and on the RNG state after swd(O,S), which depends only on image
    shapes; it is cached per (content, style, RNG state) and the RNG state is
    compared, so the figures are the ones the script prints.  The first output
    is also scored by running the script itself, and a mismatch switches to
    running the script for every output."""

    def __init__(self, script, mode):
        self.script = script
        self.mode = mode
        self.checked = mode == "subprocess"
        self.cache = {}
        self.q = None
        if mode == "inproc":
            import importlib.util
            spec = importlib.util.spec_from_file_location("sst_quality", script)
            self.q = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.q)

    def _subprocess(self, c, s, o):
        r = subprocess.run([sys.executable, self.script, c, s, o], capture_output=True,
                           text=True, timeout=600)
        m = re.search(r"style_ratio=([-\d.eE+naif]+) content_ssim=([-\d.eE+naif]+)"
                      r" texture_ratio=([-\d.eE+naif]+)", r.stdout)
        if r.returncode != 0 or not m:
            raise RuntimeError("quality.py failed: %s" % (r.stderr.strip()[-300:] or r.stdout))
        return float(m.group(1)), float(m.group(2)), float(m.group(3))

    def _inproc(self, c, s, o):
        q = self.q
        q.RNG = np.random.default_rng(1234)  # what a fresh `quality.py` run starts from
        C = q.load(c, long=512)
        S = q.load(s, long=512)
        O = q.load(o, long=512)
        # per pyramid level: three band-pass levels, then the low-pass one
        lo = q.swd_levels(O, S)
        state = json.dumps(q.RNG.bit_generator.state, sort_keys=True)
        key = (c, s, C.shape, O.shape, state)
        if key not in self.cache:
            self.cache[key] = q.swd_levels(C, S)
        lc = self.cache[key]
        ratio = lo.sum() / max(lc.sum(), 1e-12)
        texture = lo[:3].sum() / max(lc[:3].sum(), 1e-12)
        cg = q.load(c, short=256)
        og = np.asarray(Image.fromarray((q.load(o) * 255).astype(np.uint8)).resize(
            cg.shape[1::-1], Image.BICUBIC), dtype=np.float64) / 255
        lum = lambda x: x @ np.array([0.299, 0.587, 0.114])  # noqa: E731
        ssim = q.structural_similarity(lum(cg), lum(og), data_range=1.0)
        return float(ratio), float(ssim), float(texture)

    def __call__(self, c, s, o):
        if self.mode == "subprocess":
            return self._subprocess(c, s, o)
        with contextlib.redirect_stdout(io.StringIO()):
            got = self._inproc(c, s, o)
        if not self.checked:
            self.checked = True
            ref = self._subprocess(c, s, o)
            if ["%.3f" % v for v in got] != ["%.3f" % v for v in ref]:
                log("quality: in-process %s != quality.py %s; using the script from now on" % (got, ref))
                self.mode = "subprocess"
                return ref
            log("quality: in-process figures match quality.py (%.3f, %.3f, %.3f)" % ref)
        return got


# ------------------------------------------------------------------ runs ----

def weights_tag(weights, layer):
    """Short hash of the files a run depends on, so new weights are re-run."""
    h = hashlib.sha256()
    for f in ("encoder.safetensors", "decoder_%s.safetensors" % layer):
        h.update(sha256_file(os.path.join(weights, f)).encode())
    return h.hexdigest()[:12]


def weights_stamp(weights):
    """Cheap change detector (size, mtime) for the weights files."""
    out = []
    for f in sorted(os.listdir(weights)):
        if f.endswith(".safetensors"):
            st = os.stat(os.path.join(weights, f))
            out.append((f, st.st_size, st.st_mtime_ns))
    return out


def run_key(case, layer, kernel, gamma, iterations, max_size, wtag, color_match="default",
            method="default"):
    # A "default" gamma is keyed with the engine's current default, so a
    # changed default in engine/settings.c re-runs those cases.
    if gamma == "default":
        gamma = "default=%s" % default_gammas().get(kernel, "?")
    # The colour match likewise; keys from before it existed (no "cm=")
    # never match, so those runs are redone with it.
    if color_match == "default":
        color_match = "default=%s" % default_color_match()
    key = [case["set"], case["case"], layer, kernel, gamma, iterations, str(max_size), wtag,
           "cm=" + color_match]
    # Keys from before --method existed are the default (statistics) runs;
    # another method gets its own key so the two never stand in for each other.
    if method != "default":
        key.append("method=" + method)
    return "|".join(key)


def read_results(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def append_result(path, row):
    new = not os.path.exists(path)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t", lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow(row)


def stylize(args, case, layer, kernel, gamma, iterations, out_png):
    cmd = [args.sst, case["content"], case["style"], "-o", out_png, "--kernel", kernel,
           "--layer", layer, "--threads", "1", "--weights", args.weights]
    if args.max_size:
        cmd += ["--max-size", str(args.max_size)]
    if gamma != "default":
        cmd += ["--gamma", gamma]
    if iterations != "default":
        cmd += ["--iterations", iterations]
    if args.color_match != "default":
        cmd += ["--color-match", args.color_match]
    if args.method != "default":
        cmd += ["--method", args.method]
    cmd += args.sst_args.split()
    if case["cmap"]:
        cmd += ["--content-map", case["cmap"]]
    if case["smap"]:
        cmd += ["--style-map", case["smap"]]
    t = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    dt = time.monotonic() - t
    err = (r.stderr.strip().splitlines() or [""])[-1]
    return r.returncode, dt, err


def run_all(args):
    os.makedirs(args.out, exist_ok=True)
    prep = os.path.join(args.out, "prep")
    tsv = os.path.join(args.out, "results.tsv")
    with open(os.path.join(args.out, "commands.txt"), "a") as f:
        f.write("%s  %s\n" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                              " ".join(sys.argv)))
    data = args.data
    all_contents = sorted(os.listdir(os.path.join(data, "content")))
    if args.sweep:
        grid = []
        for c, s in SWEEP_GRID:
            grid += grid_cases(data, [c], [s])
        sem = [c for c in semantic_cases(data, prep) if c["case"] in SWEEP_SEMANTIC]
    else:
        contents = all_contents if args.contents == "all" else args.contents.split(",")
        styles = args.styles.split(",")
        grid = grid_cases(data, contents, styles) if "grid" in args.sets else []
        sem = semantic_cases(data, prep) if "semantic" in args.sets else []
        if args.cases != "all":
            sem = [c for c in sem if c["case"] in args.cases.split(",")]
    cases = sem + grid
    if args.floor:
        # Reference point: the decoder's reconstruction of the STYLE itself
        # (gamma 0, content = style), scored against the pair's content.  A
        # perfect match of the style's features decodes to about this image,
        # so style_ratio cannot be expected to go much lower with this
        # encoder/decoder, whatever gamma.
        cases = [dict(set="floor", case=c["case"], kind="floor", content=c["style"], style=c["style"],
                      cmap=None, smap=None, q_content=c["content"], note="style reconstructed, gamma 0")
                 for c in cases]
        args.gammas, args.kernels, args.iterations = "0", "poly", ""
    for c in cases:
        for p in (c["content"], c["style"]):
            if not os.path.isfile(p):
                sys.exit("missing input %s" % p)
    done = {r["key"] for r in read_results(tsv) if r["status"] == "ok"}
    quality = Quality(args.quality, args.quality_mode)
    gammas = args.gammas.split(",") if args.gammas else ["default"]
    iters = args.iterations.split(",") if args.iterations else ["default"]
    layers = args.layer.split(",")
    plan = []
    for layer in layers:
        wtag = weights_tag(args.weights, layer)
        for kernel in args.kernels.split(","):
            for g in gammas:
                for it in iters:
                    for c in cases:
                        k = run_key(c, layer, kernel, g, it, args.max_size, wtag, args.color_match,
                                    args.method)
                        if k not in done:
                            plan.append((k, c, layer, kernel, g, it, wtag))
    log("%d cases, %d runs to do (%d already in %s)" % (len(cases), len(plan),
                                                        len(done), tsv))
    t0 = time.monotonic()
    stamp = weights_stamp(args.weights)
    for i, (k, c, layer, kernel, g, it, wtag) in enumerate(plan):
        if weights_stamp(args.weights) != stamp:
            sys.exit("weights in %s changed during the run: stopping (re-run to continue with "
                     "the new files; rows are keyed by the weights' sha256)" % args.weights)
        if args.max_minutes and time.monotonic() - t0 > 60 * args.max_minutes:
            log("stopping after %.1f min (--max-minutes); %d runs left" % (
                (time.monotonic() - t0) / 60, len(plan) - i))
            break
        sub = "%s_%s_g%s_it%s_ms%s" % (layer, kernel, g, it, args.max_size)
        if args.color_match != "default":
            sub += "_cm%s" % args.color_match
        if args.method != "default":
            sub += "_m%s" % args.method
        odir = os.path.join(args.out, "img", sub, c["set"])
        os.makedirs(odir, exist_ok=True)
        out_png = os.path.join(odir, c["case"] + ".png")
        row = dict(key=k, set=c["set"], case=c["case"], kind=c["kind"], layer=layer,
                   kernel=kernel, gamma=g, iterations=it, max_size=args.max_size,
                   weights=wtag, output=os.path.relpath(out_png, args.out), note=c["note"],
                   color_match=args.color_match, method=args.method)
        try:
            rc, dt, err = stylize(args, c, layer, kernel, g, it, out_png)
        except subprocess.TimeoutExpired:
            rc, dt, err = -1, 1200.0, "timeout"
        row["seconds"] = "%.2f" % dt
        if rc != 0:
            row.update(status="error", note=(c["note"] + "; " if c["note"] else "") + err)
        else:
            try:
                sr, ss, tr = quality(c.get("q_content", c["content"]), c["style"], out_png)
                row.update(status="ok", style_ratio="%.4f" % sr, content_ssim="%.4f" % ss,
                           texture_ratio="%.4f" % tr)
            except Exception as e:  # noqa: BLE001 - record and go on
                row.update(status="error", note="quality: %s" % e)
        append_result(tsv, row)
        log("[%d/%d] %s %s %s g=%s it=%s %s: %s sr=%s ssim=%s tr=%s (stylize %.1f s, %.0f s elapsed)%s" % (
            i + 1, len(plan), layer, kernel, c["set"], g, it, c["case"], row["status"],
            row.get("style_ratio", "-"), row.get("content_ssim", "-"), row.get("texture_ratio", "-"), dt,
            time.monotonic() - t0, "" if row["status"] == "ok" else " " + row["note"]))


# ------------------------------------------------------------------ PSNR ----

def psnr(args):
    """Decoder-only reconstruction PSNR via tools/train/eval_psnr.py, cached in
    psnr.tsv per decoder sha256 (the script is only re-run for new files)."""
    path = os.path.join(args.out, "psnr.tsv")
    rows = read_results(path)
    have = {r["sha256"]: r for r in rows}
    out = []
    for layer in ("relu3_1", "relu4_1"):
        dec = os.path.join(args.weights, "decoder_%s.safetensors" % layer)
        if not os.path.exists(dec):
            continue
        sha = sha256_file(dec)
        if sha in have:
            out.append(have[sha])
            continue
        cmd = [sys.executable, os.path.join(REPO, "tools", "train", "eval_psnr.py"), dec,
               "--encoder", os.path.join(args.weights, "encoder.safetensors"),
               "--images", args.bsds, "-n", str(args.psnr_n), "--threads", "1"]
        log("psnr: " + " ".join(cmd))
        t = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        m = re.search(r"mean PSNR ([\d.]+) dB over (\d+) BSDS500 test images \(min ([\d.]+), max ([\d.]+)\)",
                      r.stdout)
        if r.returncode != 0 or not m:
            log("psnr failed for %s: %s" % (dec, r.stderr.strip()[-400:]))
            continue
        row = dict(layer=layer, sha256=sha, mean=m.group(1), n=m.group(2), min=m.group(3),
                   max=m.group(4), seconds="%.0f" % (time.monotonic() - t))
        new = not os.path.exists(path)
        with open(path, "a", newline="") as f:
            w = csv.DictWriter(f, list(row), delimiter="\t", lineterminator="\n")
            if new:
                w.writeheader()
            w.writerow(row)
        out.append(row)
    return out


# --------------------------------------------------------------- summary ----

def color_match_of(r):
    # rows from before the colour match have no such column: the engine
    # had none, which is --color-match 0 now (bit for bit, tests/cli)
    return r.get("color_match") or "0"


def method_of(r):
    # rows from before --method existed ran the CLI's default method
    return r.get("method") or "default"


def figure(r, f):
    """A row's figure as a float; None where the row has none (texture_ratio
    is empty in rows scored before quality.py printed it)."""
    v = r.get(f) or ""
    return float(v) if v else None


FIGURES = ("texture_ratio", "style_ratio", "content_ssim")


def means(rows):
    """Mean texture_ratio, style_ratio, content_ssim of rows; a figure some
    row lacks is None (a mean over part of the rows would mislead)."""
    out = []
    for f in FIGURES:
        v = [figure(r, f) for r in rows]
        out.append(None if not v or None in v else statistics.mean(v))
    return tuple(out)


def fmt3(m):
    """texture / style / ssim, '-' for a missing figure."""
    return " / ".join("-" if v is None else "%.3f" % v for v in m)


def targets_met(m):
    tr, sr, ss = m
    return (tr is not None and tr <= TARGET_TEXTURE_RATIO and sr is not None and
            sr <= TARGET_STYLE_RATIO and ss is not None and ss >= TARGET_CONTENT_SSIM)


def verdict(value, target, below):
    if value is None:
        return "not measured"
    ok = value <= target if below else value >= target
    return "met" if ok else "NOT met"


def current_rows(args, rows, any_color_match=False):
    """Rows that belong to the current weights files (older ones stay in the
    TSV but are not summarised), at the default colour match unless asked
    (rows with another --color-match only feed color_match_section)."""
    tags = {}
    for layer in ("relu3_1", "relu4_1"):
        try:
            tags[layer] = weights_tag(args.weights, layer)
        except OSError:
            pass
    return [r for r in rows if r["status"] == "ok" and tags.get(r["layer"]) == r["weights"]
            and (any_color_match or color_match_of(r) == "default")]


def color_match_section(args):
    """The same runs with the colour match at its default and at each other
    --color-match value found in --out (e.g. 0 = off)."""
    rows = current_rows(args, read_results(os.path.join(args.out, "results.tsv")), True)
    setting = lambda r: (r["set"], r["case"], r["layer"], r["kernel"], r["gamma"],  # noqa: E731
                         r["iterations"], r["max_size"], method_of(r))
    dflt = {setting(r): r for r in rows if color_match_of(r) == "default"}
    lines = []
    for cm in sorted({color_match_of(r) for r in rows} - {"default"}):
        pairs = [(r, dflt[setting(r)]) for r in rows if color_match_of(r) == cm and
                 setting(r) in dflt and r["kind"] != "doodle"]
        for name in sorted({(r["layer"], r["kernel"], method_of(r), r["gamma"]) for r, _ in pairs}):
            sel = [(a, b) for a, b in pairs if (a["layer"], a["kernel"], method_of(a), a["gamma"]) == name]
            lines.append("| %s | %s | %s | %s | %s | %d | %s | %s |" % (
                name[:2] + (method_label(name[2]), name[3], cm, len(sel), fmt3(means([a for a, _ in sel])),
                            fmt3(means([b for _, b in sel])))))
    if not lines:
        return ""
    return "\n".join([
        "## Colour match", "",
        "The engine's last step moves each region's RGB mean and covariance towards its style "
        "region's (`--color-match`, default %s; engine/color_match.h). The same runs (doodles "
        "left out) with another strength and at the default: mean texture_ratio / style_ratio / "
        "content_ssim." % default_color_match(), "",
        "| layer | kernel | method | gamma | --color-match | n | that strength | default |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |"] + lines + [""])


def default_color_match():
    m = re.search(r"FIELD\(color_match\), ([\d.]+),", params_source())
    return m.group(1) if m else "?"


def default_method():
    m = re.search(r"FIELD\(method\), SST_METHOD_(\w+),", params_source())
    return m.group(1).lower() if m else "?"


def method_label(method):
    """'default' rows ran the CLI's default method: name it."""
    return "%s (default)" % default_method() if method == "default" else method


def params_source():
    """engine/settings.c, where the engine's defaults are (for run keys and the
    report; runs use the CLI's own defaults); "" when it cannot be read."""
    try:
        with open(os.path.join(REPO, "engine", "settings.c")) as f:
            return f.read()
    except OSError:
        return ""


def default_gammas():
    """The engine's default gamma per kernel."""
    # a row of the kernel table: {SST_KERNEL_POLY, 30.0, &sst_kernel_poly_ops}
    return {k.lower(): v for k, v in re.findall(r"\{SST_KERNEL_(\w+), ([\d.eE+-]+),", params_source())}


def fmt_gamma(g, dg, kernel):
    return "default (%s)" % dg[kernel] if g == "default" and kernel in dg else g


def stats(vals):
    if not vals or None in vals:
        return "-", "-"
    return "%.3f" % statistics.mean(vals), "%.3f" % statistics.median(vals)


def config_of(r):
    """What a run was made with, apart from the pair: one column or row of a table."""
    return (r["layer"], r["kernel"], method_of(r), r["gamma"], r["iterations"], r["max_size"])


def config_order(k):
    return (k[0], KERNELS.index(k[1]) if k[1] in KERNELS else 9, k[2] != "default", k[2],
            -1 if k[3] == "default" else float(k[3]), k[4])


def column_name(k):
    """A table column for a default-gamma config: layer, kernel, method."""
    return "%s %s %s" % (k[0], k[1], method_label(k[2]))


def group_table(rows, dg, sets):
    """Means/medians per configuration and set."""
    groups = {}
    for r in rows:
        groups.setdefault(config_of(r), []).append(r)
    lines = ["| layer | kernel | method | gamma | iter | max-size | set | n | texture_ratio mean | median "
             "| style_ratio mean | median | content_ssim mean | median | all three targets (means) |",
             "| --- | --- | --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| --- |"]
    for key in sorted(groups, key=config_order):
        rs = groups[key]
        for name, sel in sets:
            sub = [r for r in rs if sel(r)]
            if not sub or (name.startswith("all") and not any(r["set"] == "grid" for r in sub)):
                continue  # no 'all' row when it would repeat the semantic one
            cols = [stats([figure(r, f) for r in sub]) for f in FIGURES]
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                key[0], key[1], method_label(key[2]), fmt_gamma(key[3], dg, key[1]), key[4], key[5],
                name, len(sub), *cols[0], *cols[1], *cols[2], "yes" if targets_met(means(sub)) else "no"))
    return "\n".join(lines)


SETS_MAIN = [
    ("grid", lambda r: r["set"] == "grid"),
    ("semantic (photo)", lambda r: r["set"] == "semantic" and r["kind"] != "doodle"),
    ("all (grid + semantic photo)", lambda r: r["kind"] != "doodle"),
    ("doodle", lambda r: r["kind"] == "doodle"),
]


def per_case_table(rows, dg):
    sem = [r for r in rows if r["set"] == "semantic"]
    cols = sorted({config_of(r) for r in sem}, key=config_order)
    if not cols:
        return ""
    cell = {(r["case"], config_of(r)): r for r in sem}
    cases = sorted({r["case"] for r in sem})
    kinds = {r["case"]: r["kind"] for r in sem}
    head = "| case | kind | " + " | ".join(column_name(c) + ("" if c[3] == "default" else " g=" + c[3])
                                           for c in cols) + " |"
    lines = ["Each cell: texture_ratio / style_ratio / content_ssim.", "", head,
             "| --- | --- |" + " ---: |" * len(cols)]
    for case in cases:
        cells = [fmt3(means([cell[(case, c)]])) if (case, c) in cell else "-" for c in cols]
        lines.append("| %s | %s | %s |" % (case, kinds[case], " | ".join(cells)))
    return "\n".join(lines)


def default_config_rows(rows):
    return [r for r in rows if r["gamma"] == "default" and r["iterations"] == "default"]


def common_table(rows):
    """Kernels/layers/methods compared on exactly the same pairs (runs may
    cover different subsets when a full run was too slow)."""
    d = [r for r in default_config_rows(rows) if r["kind"] != "doodle"]
    cols = sorted({config_of(r) for r in d}, key=config_order)
    if len(cols) < 2:
        return ""
    have = {}
    for r in d:
        have.setdefault((r["set"], r["case"]), {})[config_of(r)] = r
    # Drop the least-run column until some pairs are common to all columns.
    while len(cols) > 1 and not any(all(c in v for c in cols) for v in have.values()):
        cols.remove(min(cols, key=lambda c: sum(c in v for v in have.values())))
    if len(cols) < 2:
        return ""
    out = ["Same pairs for every column (pairs run with every configuration below, doodles left "
           "out): mean texture_ratio / style_ratio / content_ssim.", "",
           "| set | pairs | " + " | ".join(column_name(c) for c in cols) + " |",
           "| --- | ---: |" + " ---: |" * len(cols)]
    for name in ("grid", "semantic", "all"):
        keys = [k for k, v in have.items() if all(c in v for c in cols) and (name == "all" or k[0] == name)]
        if not keys or (name == "all" and all(k[0] == keys[0][0] for k in keys)):
            continue
        cells = [fmt3(means([have[k][c] for k in keys])) for c in cols]
        out.append("| %s | %d | %s |" % (name, len(keys), " | ".join(cells)))
    return "\n".join(out)


def by_style_table(rows):
    """Grid means per style (which styles move, which do not)."""
    grid = [r for r in default_config_rows(rows) if r["set"] == "grid"]
    cols = sorted({config_of(r) for r in grid}, key=config_order)
    if not cols:
        return ""
    style_of = lambda r: r["case"].split("__", 1)[1]  # noqa: E731
    styles = sorted({style_of(r) for r in grid})
    lines = ["Grid at the default gamma, mean over the contents per style "
             "(texture_ratio / style_ratio / content_ssim, n):",
             "", "| style | " + " | ".join(column_name(c) for c in cols) + " |",
             "| --- |" + " ---: |" * len(cols)]
    for st in styles:
        cells = []
        for c in cols:
            sub = [r for r in grid if style_of(r) == st and config_of(r) == c]
            cells.append("%s (%d)" % (fmt3(means(sub)), len(sub)) if sub else "-")
        lines.append("| %s | %s |" % (st, " | ".join(cells)))
    return "\n".join(lines)


def psnr_table(prows):
    if not prows:
        return "(not measured)"
    lines = ["| decoder | sha256 (first 16) | BSDS500 test images | mean PSNR | min | max | >= %g dB |" % TARGET_PSNR,
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in prows:
        lines.append("| decoder_%s | `%s` | %s | **%s dB** | %s | %s | %s |" % (
            r["layer"], r["sha256"][:16], r["n"], r["mean"], r["min"], r["max"],
            "yes" if float(r["mean"]) >= TARGET_PSNR else "no"))
    return "\n".join(lines)


def summary_md(args, rows, prows):
    dg = default_gammas()
    allrows = read_results(os.path.join(args.out, "results.tsv"))
    errs = [r for r in allrows if r["status"] != "ok"]
    secs = [float(r["seconds"]) for r in rows if r.get("seconds")]
    parts = ["## Style transfer figures", "",
             "Sets: **grid** = content photos x the 8 fixed styles; **semantic (photo)** = "
             "semantic cases with a content photo (maps used); **doodle** = the cases without a "
             "photo (the flat content map is the content, so content_ssim there is against the "
             "doodle and is left out of the 'all' row).", "",
             group_table(rows, dg, SETS_MAIN), "",
             "%d scored runs, sst-stylize wall time %.0f s in all (median %.1f s per run); "
             "%d runs failed%s." % (len(rows), sum(secs), statistics.median(secs) if secs else 0,
                                    len(errs), "" if not errs else ": " + "; ".join(
                                        "%s %s %s: %s" % (r["layer"], r["kernel"], r["case"], r["note"])
                                        for r in errs[:10])),
             "", "### Kernels on the same pairs", "", common_table(rows), "",
             "### Grid, per style", "", by_style_table(rows), "",
             "### Semantic cases, per case", "", per_case_table(rows, dg), "",
             "## Decoder-only reconstruction PSNR", "",
             "`tools/train/eval_psnr.py` (image -> encoder -> decoder -> clamp, 8-bit, "
             "first %d sorted BSDS500 test images cropped to multiples of 8):" % args.psnr_n, "",
             psnr_table(prows), ""]
    return "\n".join(parts)


# ---------------------------------------------------------- contact sheet ----

def thumb(path, box):
    if path is None:  # that kernel/layer was not run on this pair
        return Image.new("RGB", (box, box), (200, 200, 200))
    try:
        im = Image.open(path).convert("RGB")
    except OSError:
        im = Image.new("RGB", (box, box), (90, 90, 90))
    im.thumbnail((box, box), Image.LANCZOS)
    cell = Image.new("RGB", (box, box), (255, 255, 255))
    cell.paste(im, ((box - im.width) // 2, (box - im.height) // 2))
    return cell


def contact_sheet(args, rows, path, box=120, limit=1_500_000):
    prep = os.path.join(args.out, "prep")
    sems = {c["case"]: c for c in semantic_cases(args.data, prep)}
    dflt = default_config_rows(rows)
    cols = sorted({config_of(r) for r in dflt}, key=config_order)
    byc = {(r["set"], r["case"], config_of(r)): r for r in dflt}
    items = []
    for c, s in SHEET_GRID:
        case = grid_cases(args.data, [c], [s])[0]
        items.append(case)
    items += [sems[n] for n in SHEET_SEMANTIC if n in sems]
    items = [it for it in items if any((it["set"], it["case"], c) in byc for c in cols)]
    if not items or not cols:
        return None
    label_h, left = 14, 0
    W = box * (2 + len(cols))
    row_h = label_h + box + label_h  # title, thumbnails, scores
    H = label_h + len(items) * row_h
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    # method names shortened so a label fits its 120-px column
    for j, name in enumerate(["content", "style"] + ["%s %s %s" % (c[1], c[0][4:], method_label(c[2])[:5])
                                                     for c in cols]):
        d.text((left + j * box + 3, 1), name, fill=(0, 0, 0))
    for i, it in enumerate(items):
        y = label_h + i * row_h
        d.text((3, y + 1), it["case"][:70], fill=(0, 0, 0))
        cells = [it["content"], it["style"]]
        for c in cols:
            r = byc.get((it["set"], it["case"], c))
            cells.append(os.path.join(args.out, r["output"]) if r else None)
        for j, p in enumerate(cells):
            sheet.paste(thumb(p, box), (j * box, y + label_h))
            r = byc.get((it["set"], it["case"], cols[j - 2])) if j >= 2 else None
            if r:
                d.text((j * box + 3, y + label_h + box + 1),
                       "t%s s%s c%s" % tuple((r.get(f) or "-")[:4] for f in FIGURES), fill=(0, 0, 0))
    sheet.save(path, optimize=True)
    if os.path.getsize(path) > limit:  # photos compress badly: fall back to a palette
        sheet.quantize(256, method=Image.MEDIANCUT).save(path, optimize=True)
    return path


# ---------------------------------------------------------------- report ----

def readme_shas(weights):
    try:
        with open(os.path.join(weights, "README.md")) as f:
            return dict(re.findall(r"`([\w.]+\.(?:safetensors|tsv))`.*?`([0-9a-f]{64})`", f.read()))
    except OSError:
        return {}


def git_head():
    try:
        h = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return h + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def sweep_section(sweep_out, args):
    rows = current_rows(args, read_results(os.path.join(sweep_out, "results.tsv")))
    floor = [r for r in rows if r["set"] == "floor"]
    rows = [r for r in rows if r["set"] != "floor"]
    if not rows:
        return ""
    dg = default_gammas()
    groups = {}
    for r in rows:
        groups.setdefault((r["layer"], r["kernel"], r["gamma"], r["iterations"], r["max_size"]), []).append(r)
    n_pairs = len({(r["set"], r["case"]) for r in rows})
    lines = ["## Gamma sweep (choice of default gamma)", "",
             "Subset: %d pairs (grid %s; semantic %s), `--max-size %s`, relu3_1 unless stated. "
             "Means over the subset; **bold** = all three targets met "
             "(texture_ratio <= %.2f, style_ratio <= %.2f, content_ssim >= %.2f)." % (
                 n_pairs, ", ".join("%s x %s" % (c.split(".")[0], s.split(".")[0]) for c, s in SWEEP_GRID),
                 ", ".join(SWEEP_SEMANTIC), ",".join(sorted({r["max_size"] for r in rows})),
                 TARGET_TEXTURE_RATIO, TARGET_STYLE_RATIO, TARGET_CONTENT_SSIM), "",
             "| layer | kernel | gamma | iterations | n | texture_ratio | style_ratio | content_ssim "
             "| texture_ratio per pair |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    pair_order = SWEEP_SEMANTIC + ["%s__%s" % (os.path.splitext(c)[0], os.path.splitext(s)[0])
                                   for c, s in SWEEP_GRID]
    rec = {}
    num = lambda s: float(s) if s != "default" else -1  # noqa: E731
    for key in sorted(groups, key=lambda k: (k[0], KERNELS.index(k[1]) if k[1] in KERNELS else 9,
                                             num(k[2]), num(k[3]))):
        rs = groups[key]
        m = means(rs)
        tr, sr, ss = m
        ok = targets_met(m)
        b = "**" if ok else ""
        byp = {r["case"]: (r.get("texture_ratio") or "-")[:4] for r in rs}
        lines.append("| %s | %s | %s | %s | %d | %s | %s |" % (
            key[0], key[1], fmt_gamma(key[2], dg, key[1]), key[3], len(rs),
            " | ".join(b + ("-" if v is None else "%.3f" % v) + b for v in m),
            " ".join(byp.get(p, "-") for p in pair_order)))
        if ok and key[3] == "default":
            best = rec.get((key[0], key[1]))
            # Smallest gamma that reaches the style target keeps the most content.
            if best is None or num(key[2]) < num(best[0]):
                rec[(key[0], key[1])] = (key[2], tr, sr, ss)
    if floor:
        lines += ["", "gamma 0 = no style term in feature space: the decoder's reconstruction of the "
                  "content, followed by the colour match at its default strength.  Reference floor: the decoder's "
                  "reconstruction of each *style* image (`sst-stylize STYLE STYLE --gamma 0`), scored "
                  "against the pair's content, gives mean style_ratio **%.3f** over %d pairs (min %.3f, "
                  "max %.3f): a perfect match of the style's features decodes to about that image, so "
                  "with this encoder/decoder style_ratio should not be expected to go much below it, "
                  "whatever the kernel or gamma." % (
                      statistics.mean(float(r["style_ratio"]) for r in floor), len(floor),
                      min(float(r["style_ratio"]) for r in floor),
                      max(float(r["style_ratio"]) for r in floor))]
    lines += ["", "Pairs in the per-pair column, in order: %s." % ", ".join(pair_order)]
    try:
        with open(os.path.join(sweep_out, "commands.txt")) as f:
            lines += ["", "Commands run in the sweep folder (all weights versions; the table "
                      "uses only the rows of the current weights):", "", "```", f.read().strip(), "```"]
    except OSError:
        pass
    lines += ["", "Smallest gamma (at the default iteration count) meeting all three targets on this subset:", ""]
    for layer, kernel in sorted({(k[0], k[1]) for k in groups}):
        r = rec.get((layer, kernel))
        lines.append("- %s %s: %s" % (layer, kernel, "gamma %s (texture_ratio %.3f, style_ratio %.3f, content_ssim %.3f)" % r
                                      if r else "none of the gammas tried"))
    return "\n".join(lines) + "\n"


def targets_lines(args, rows, prows, dg):
    """The report's verdicts: issue 14's three targets for poly at relu3_1 and
    the default gamma, once per method run; decoder PSNR; relu4_1 beside
    relu3_1 on the same runs."""
    d = [r for r in default_config_rows(rows) if r["layer"] == "relu3_1" and r["kernel"] == "poly"
         and r["kind"] != "doodle"]
    out = []
    for method in sorted({method_of(r) for r in d}, key=lambda m: (m != "default", m)):
        sub = [r for r in d if method_of(r) == method]
        tr, sr, ss = means(sub)
        fmt = lambda v: "-" if v is None else "%.3f" % v  # noqa: E731
        out.append("- poly, relu3_1, gamma %s, method %s, max-size %s, %d runs (grid + semantic photo "
                   "cases): mean texture_ratio **%s** (target <= %.2f: %s), style_ratio **%s** (target "
                   "<= %.2f: %s), content_ssim **%s** (target >= %.2f: %s)." % (
                       dg.get("poly", "default"), method_label(method),
                       ",".join(sorted({r["max_size"] for r in sub})), len(sub),
                       fmt(tr), TARGET_TEXTURE_RATIO, verdict(tr, TARGET_TEXTURE_RATIO, True),
                       fmt(sr), TARGET_STYLE_RATIO, verdict(sr, TARGET_STYLE_RATIO, True),
                       fmt(ss), TARGET_CONTENT_SSIM, verdict(ss, TARGET_CONTENT_SSIM, False)))
    if not d:
        out.append("- Default settings: no runs found in %s." % args.out)
    for r in prows:
        out.append("- decoder_%s reconstruction PSNR **%s dB** (target >= %g dB: %s)." % (
            r["layer"], r["mean"], TARGET_PSNR, verdict(float(r["mean"]), TARGET_PSNR, False)))
    r4 = [r for r in default_config_rows(rows) if r["layer"] == "relu4_1"]
    r3 = {(r["set"], r["case"], r["kernel"], method_of(r)): r for r in default_config_rows(rows)
          if r["layer"] == "relu3_1"}
    for kernel, method in sorted({(r["kernel"], method_of(r)) for r in r4}):
        for name, sel in SETS_MAIN:
            a = [r for r in r4 if r["kernel"] == kernel and method_of(r) == method and sel(r)]
            if not a or (name.startswith("all") and not any(r["set"] == "grid" for r in a)):
                continue
            same = [r3[k] for k in ((r["set"], r["case"], kernel, method) for r in a) if k in r3]
            line = "- relu4_1 %s, method %s, %s (%d runs): mean texture_ratio / style_ratio / " \
                   "content_ssim %s" % (kernel, method_label(method), name, len(a), fmt3(means(a)))
            if same:
                line += "; relu3_1 on the same %d runs: %s" % (len(same), fmt3(means(same)))
            out.append(line + ".")
    if not r4:
        out.append("- relu4_1: not run.")
    return out


def report(args):
    rows = current_rows(args, read_results(os.path.join(args.out, "results.tsv")))
    prows = [] if args.no_psnr else psnr(args)
    dg = default_gammas()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    shas = readme_shas(args.weights)
    wl = ["| file | sha256 | matches weights/README.md |", "| --- | --- | --- |"]
    for f in ("encoder.safetensors", "decoder_relu3_1.safetensors", "decoder_relu4_1.safetensors"):
        p = os.path.join(args.weights, f)
        if os.path.exists(p):
            s = sha256_file(p)
            wl.append("| `%s` | `%s` | %s |" % (f, s, "yes" if shas.get(f) == s else
                                                "NO (README says %s)" % shas.get(f, "nothing")))
    try:
        with open(os.path.join(args.out, "commands.txt")) as f:
            cmds = f.read().strip()
    except OSError:
        cmds = "(none recorded)"
    verdict = targets_lines(args, rows, prows, dg)
    sheet = os.path.join(args.out, "contact_sheet.png")
    parts = [
        "# Quality report", "",
        "Generated by `tools/eval/run_eval.py --report` on %s from the runs in `%s` "
        "(repository at %s). Do not edit by hand: re-run the commands below." % (now, args.out, git_head()), "",
        "## Weights measured", "", "\n".join(wl), "",
        "## Targets", "", "\n".join(verdict), "",
        "## How to run", "",
        "`tools/eval/run_eval.py` runs `sst-stylize` (one thread) over the images in "
        "`../shared/data/styletransfer/` and scores each output with `../shared/tools/quality.py`: "
        "**style_ratio** = sliced Wasserstein distance between multi-scale 7x7 patch distributions "
        "of output and style divided by that of content and style (1.0 = nothing transferred, lower "
        "= closer to the style); **texture_ratio** = the same ratio over the three band-pass pyramid "
        "levels only, i.e. without the low-pass (colour) level that makes up most of style_ratio: "
        "1.0 = no texture moved, and a colour grading of the photo cannot lower it; "
        "**content_ssim** = luminance SSIM of output against content. "
        "The grid is every content photo x 8 fixed styles (listed in the script); the semantic "
        "set is every `semantic/<case>/` with its maps (see Notes for the special cases). Outputs, "
        "`results.tsv`, `summary.md` and `contact_sheet.png` go to `--out` (default "
        "`/var/tmp/sst-eval`), never into the repository: they contain the evaluation images, "
        "which are research material that is not committed (so the contact sheet is not "
        "committed either). Runs already in `results.tsv` for the same settings and the same "
        "weights files are skipped, so an interrupted run resumes and new weights are re-run. "
        "From the repository root:", "",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize          # relu3_1, 4 kernels",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --kernels poly --method patch --no-psnr                                              # patch method",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --layer relu4_1 --kernels poly                                                       # relu4_1",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --out /var/tmp/sst-eval/sweep --sweep --gammas 3,10,30,100,300,1000          # gamma sweep",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --out /var/tmp/sst-eval/sweep --sweep --floor                                       # decoder floor",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --kernels poly --color-match 0 --no-psnr                                             # colour match off",
        "    /usr/bin/python3 tools/eval/run_eval.py --report weights/QUALITY.md --sweep-out /var/tmp/sst-eval/sweep",
        "",
        "The last command also measures decoder PSNR (cached per decoder sha256) and redraws "
        "`%s` (rows: 3 grid pairs and 5 semantic cases; columns: content, style, one output per "
        "kernel/layer/method at its default gamma; each output is labelled t(exture_ratio) "
        "s(tyle_ratio) c(ontent_ssim))." % sheet,
        "", "Commands run in `--out` (all weights versions; the tables use only the rows of the "
        "current weights files):", "", "```", cmds, "```", "",
        summary_md(args, rows, prows),
    ]
    cm = color_match_section(args)
    if cm:
        parts.append(cm)
    sw = sweep_section(args.sweep_out, args) if args.sweep_out else ""
    if sw:
        parts.append(sw)
    parts += ["## Notes", "",
              "- Counts: `content/` has %d photos, the grid uses %d styles, `semantic/` has %d cases "
              "(%s)." % (len(os.listdir(os.path.join(args.data, "content"))), len(STYLES),
                         len(semantic_cases(args.data, os.path.join(args.out, "prep"))),
                         ", ".join("%d %s" % (n, k) for k, n in sorted(_kind_counts(args).items()))),
              "- `adain_spatial_two_styles` has two whole style images and no style map: the tool "
              "stacks style_fg above style_bg into one style image with a white-over-black map "
              "(files in `--out/prep/`), which is the case's meaning (white region -> style_fg, "
              "black -> style_bg); style_ratio is measured against that stacked image.",
              "- The two doodle cases have no photo: the flat content map is passed as the content "
              "image (and to quality.py as CONTENT), so their content_ssim compares with a flat "
              "doodle; they are summarised separately and left out of the 'all' means.",
              "- Maps whose size differs from their image (dpst_07's maps are 700x393, its photo "
              "700x394) are resized with nearest neighbour into `--out/prep/`; the CLI refuses "
              "mismatched maps.",
              "- `--max-size` limits the content's long side inside sst-stylize; the output is "
              "scaled back to the content's size, which is what quality.py compares.",
              "- quality.py's `--mask-content/--mask-style` appear in its usage line but are not "
              "implemented; style_ratio compares whole images, also for semantic cases.",
              "- Timings are wall-clock on a 2-core machine shared with other jobs: noisy.", ""]
    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            parts += [f.read().strip(), ""]
    contact_sheet(args, rows, sheet)
    with open(args.report, "w") as f:
        f.write("\n".join(parts))
    log("wrote %s and %s" % (args.report, sheet))


def _kind_counts(args):
    n = {}
    for c in semantic_cases(args.data, os.path.join(args.out, "prep")):
        n[c["kind"]] = n.get(c["kind"], 0) + 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sst", default=os.path.join(REPO, "build", "cli", "sst-stylize"),
                    help="sst-stylize binary (default: build/cli/sst-stylize)")
    ap.add_argument("--weights", default=os.path.join(REPO, "weights"))
    ap.add_argument("--out", default="/var/tmp/sst-eval")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--quality", default=DEFAULT_QUALITY, help="quality.py")
    ap.add_argument("--quality-mode", choices=["inproc", "subprocess"], default="inproc",
                    help="inproc: import quality.py once, cache the content-vs-style term (checked "
                         "against the script on the first output); subprocess: run the script each time")
    ap.add_argument("--bsds", default=DEFAULT_BSDS, help="BSDS500 test images for the PSNR step")
    ap.add_argument("--psnr-n", type=int, default=20)
    ap.add_argument("--kernels", default=",".join(KERNELS))
    ap.add_argument("--layer", default="relu3_1", help="relu3_1, relu4_1 or both comma-separated")
    ap.add_argument("--max-size", type=int, default=0,
                    help="content long side inside sst-stylize (default 0 = full size, the "
                         "plug-in's and the CLI's default; smaller sizes blur the output at "
                         "quality.py's scale and score worse on both figures)")
    ap.add_argument("--method", default="default",
                    help="sst-stylize --method (default: the CLI's default; another method is "
                         "keyed apart, so use its own --out to summarise it alone)")
    ap.add_argument("--sst-args", default="",
                    help="more sst-stylize options, appended as given (e.g. \"--patch-spread "
                         "0.3\"); not part of a row's key, so give each setting its own --out")
    ap.add_argument("--color-match", default="default",
                    help="sst-stylize --color-match (default: the CLI's default)")
    ap.add_argument("--styles", default=",".join(STYLES), help="grid styles (default: the fixed 8)")
    ap.add_argument("--contents", default="all", help="grid contents, comma-separated file names")
    ap.add_argument("--cases", default="all", help="semantic cases, comma-separated")
    ap.add_argument("--sets", default="semantic,grid")
    ap.add_argument("--gammas", default="", help="comma-separated gammas (default: the CLI's default)")
    ap.add_argument("--iterations", default="", help="comma-separated iteration counts (default: CLI's)")
    ap.add_argument("--sweep", action="store_true", help="run only the fixed 6-pair sweep subset")
    ap.add_argument("--floor", action="store_true",
                    help="with --sweep: score the decoder's reconstruction of each style (gamma 0) "
                         "against the pair's content, a reference floor for style_ratio")
    ap.add_argument("--jobs", type=int, default=1, help="only 1 is supported (shared 2-core machine)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop starting runs after this long")
    ap.add_argument("--no-psnr", action="store_true")
    ap.add_argument("--report", help="write the quality report (markdown) here and exit")
    ap.add_argument("--sweep-out", help="with --report: folder of a --sweep run to include")
    ap.add_argument("--notes", help="with --report: markdown file appended to the report")
    args = ap.parse_args()
    if args.jobs != 1:
        sys.exit("--jobs: only 1 is supported")
    args.weights = os.path.abspath(args.weights)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.report:
        report(args)
        return
    args.sst = os.path.abspath(args.sst)
    if not os.access(args.sst, os.X_OK):
        sys.exit("sst-stylize not found at %s (use --sst)" % args.sst)
    for k in args.kernels.split(","):
        if k not in KERNELS:
            sys.exit("unknown kernel %s" % k)
    run_all(args)
    rows = current_rows(args, read_results(os.path.join(args.out, "results.tsv")))
    prows = [] if args.no_psnr or args.sweep else psnr(args)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(summary_md(args, rows, prows))
    if not args.sweep:
        contact_sheet(args, rows, os.path.join(args.out, "contact_sheet.png"))
    log("wrote %s" % os.path.join(args.out, "summary.md"))


if __name__ == "__main__":
    main()
