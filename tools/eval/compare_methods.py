#!/usr/bin/python3
"""Statistics method against patch method on a fixed subset of the shared
pairs (4 grid pairs + 4 semantic cases, full size, one thread), scored with
../shared/tools/quality.py.  Outputs go to --out (never into the
repository: they contain the evaluation images).

  /usr/bin/python3 tools/eval/compare_methods.py --sst build/cli/sst-stylize \
      --out /var/tmp/sst-patch --config stats= --config patch=--method,patch

Each --config is NAME=comma-separated extra CLI arguments.  Prints one row
per run and the mean per config (texture_ratio, style_ratio, content_ssim,
seconds of the whole sst-stylize process)."""
import argparse
import glob
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
DATA = os.path.join(SHARED, "data", "styletransfer")
QUALITY = os.path.join(SHARED, "tools", "quality.py")

GRID = [("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
        ("neuralstyle_tubingen.jpg", "neuralstyle_the_scream.jpg"),
        ("adain_sailboat.jpg", "adain_la_muse.jpg"),
        ("adain_cornell.jpg", "painterly_28.jpg")]
SEMANTIC = ["dpst_21", "portrait_gogh_seth", "renoir_creek",
            "portrait_mia_freddie"]


def pairs():
    for c, s in GRID:
        yield (os.path.splitext(c)[0] + "+" + os.path.splitext(s)[0],
               os.path.join(DATA, "content", c), os.path.join(DATA, "style", s),
               None, None)
    for case in SEMANTIC:
        d = os.path.join(DATA, "semantic", case)
        one = lambda pat: sorted(glob.glob(os.path.join(d, pat)))[0]
        yield (case, one("content.*"), one("style.*"),
               os.path.join(d, "content_map.png"), os.path.join(d, "style_map.png"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sst", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", action="append", required=True)
    ap.add_argument("--threads", default="1")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    configs = []
    for c in a.config:
        name, _, extra = c.partition("=")
        configs.append((name, [x for x in extra.split(",") if x]))
    rows = {}
    for name, extra in configs:
        for tag, c, s, cm, sm in pairs():
            out = os.path.join(a.out, f"{tag}__{name}.png")
            cmd = [a.sst, c, s, "-o", out, "--threads", a.threads] + extra
            if cm:
                cmd += ["--content-map", cm, "--style-map", sm]
            t0 = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            secs = time.time() - t0
            if r.returncode != 0:
                print(name, tag, "FAILED", r.stderr.strip(), flush=True)
                continue
            q = subprocess.run(["/usr/bin/python3", QUALITY, c, s, out],
                               capture_output=True, text=True).stdout
            v = dict((k, float(x)) for k, x in re.findall(r"(\w+)=([0-9.]+)", q))
            v["seconds"] = secs
            rows.setdefault(name, []).append(v)
            print(f"{name}\t{tag}\ttexture={v['texture_ratio']:.3f}\t"
                  f"style={v['style_ratio']:.3f}\tssim={v['content_ssim']:.3f}\t"
                  f"{secs:.1f}s", flush=True)
    print("config\tn\ttexture_ratio\tstyle_ratio\tcontent_ssim\tseconds")
    for name, _ in configs:
        rs = rows.get(name, [])
        if rs:
            m = lambda k: sum(r[k] for r in rs) / len(rs)
            print(f"{name}\t{len(rs)}\t{m('texture_ratio'):.3f}\t"
                  f"{m('style_ratio'):.3f}\t{m('content_ssim'):.3f}\t"
                  f"{m('seconds'):.1f}")


if __name__ == "__main__":
    sys.exit(main())
