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

The code: this file runs and scores; eval_data.py is the evaluation set
(images, fixed styles, semantic cases), eval_results.py the result files
(rows, run keys, the engine's defaults, decoder PSNR) and eval_report.py the
tables, the contact sheet and the report.

Everything runs with one compute thread (sst-stylize --threads 1,
OPENBLAS_NUM_THREADS=1, torch threads 1).  Needs Debian's python3 (numpy,
PIL, skimage; torch only for the PSNR step).
"""
import argparse
import contextlib
import datetime
import io
import json
import os
import re
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from eval_data import (DEFAULT_BSDS, DEFAULT_DATA, DEFAULT_QUALITY, KERNELS, REPO,  # noqa: E402
                       STYLES, SWEEP_GRID, SWEEP_SEMANTIC, grid_cases, log, semantic_cases)
from eval_report import contact_sheet, report, summary_md  # noqa: E402
from eval_results import (append_result, current_rows, explicit_passes, psnr,  # noqa: E402
                          read_results, run_key, weights_stamp, weights_tag)


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
        # one decoder reconstruction, whatever the default number of passes
        args.sst_args += " --passes 1"
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
    passes = explicit_passes(args.sst_args)  # the floor's "--passes 1" included
    for layer in layers:
        wtag = weights_tag(args.weights, layer)
        for kernel in args.kernels.split(","):
            for g in gammas:
                for it in iters:
                    for c in cases:
                        k = run_key(c, layer, kernel, g, it, args.max_size, wtag, args.color_match,
                                    args.method, passes)
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
