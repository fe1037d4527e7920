#!/usr/bin/python3
"""tools/eval/run_eval.py: the scoring and the --method plumbing.

    test_run_eval.py SOURCE_ROOT QUALITY_PY

1. Quality (in process, with its cached content-vs-style denominator)
   gives style_ratio, content_ssim and texture_ratio equal to a fresh
   computation with quality.py's own functions for each output (the second
   output of a pair uses the cache), and to what the script prints.
2. The run key of a default run is unchanged by --method's existence (old
   results.tsv rows still match); another method gets its own key.
3. The weights tag follows a replaced file despite its hash cache.  A whole
   run_eval.py over a one-pair grid with a stand-in sst-stylize
   (copies the content, logs its arguments): --method patch reaches the
   command line only when asked, results.tsv holds texture_ratio and
   method, and the two methods' rows never stand in for each other.
4. The report (--report) of that run: issue 14's three targets per method
   with the rows' own figures and verdicts, texture_ratio in the tables;
   the engine's defaults (gamma per kernel, method, colour match) read
   from engine/settings.c (a changed table layout must not go unnoticed:
   it silently turned every default gamma into '?'); a setting run twice
   counts once; a row at other than the default passes is left out; a
   failure made good by a later run is not reported.

Needs /usr/bin/python3 with numpy, PIL and skimage, and the shared
quality.py (SST_SHARED_DIR/tools/quality.py); FAILS (never skips) without.
"""
import csv
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.abspath(sys.argv[1])
QUALITY = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(ROOT, "tools", "eval"))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import eval_results  # noqa: E402
import eval_data  # noqa: E402
import run_eval  # noqa: E402
from checks import check, finish  # noqa: E402

if not os.path.isfile(QUALITY):
    sys.exit("FAIL: quality.py not found at %s" % QUALITY)


def reference(c, s, o):
    """quality.py's main() computation, from a freshly loaded module."""
    spec = importlib.util.spec_from_file_location("qref", QUALITY)
    q = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(q)
    C, S, O = q.load(c, long=512), q.load(s, long=512), q.load(o, long=512)
    lo, lc = q.swd_levels(O, S), q.swd_levels(C, S)
    cg = q.load(c, short=256)
    og = np.asarray(Image.fromarray((q.load(o) * 255).astype(np.uint8)).resize(
        cg.shape[1::-1], Image.BICUBIC), dtype=np.float64) / 255
    lum = lambda x: x @ np.array([0.299, 0.587, 0.114])  # noqa: E731
    return (lo.sum() / lc.sum(), q.structural_similarity(lum(cg), lum(og), data_range=1.0),
            lo[:3].sum() / lc[:3].sum())


def printed(c, s, o):
    r = subprocess.run([sys.executable, QUALITY, c, s, o], capture_output=True, text=True)
    f = dict(kv.split("=") for kv in r.stdout.split())
    return float(f["style_ratio"]), float(f["content_ssim"]), float(f["texture_ratio"])


tmp = tempfile.mkdtemp(prefix="sst-run-eval-")
rng = np.random.default_rng(5)
data = os.path.join(tmp, "data")
for d in ("content", "style", "semantic"):   # no semantic cases: an empty folder
    os.makedirs(os.path.join(data, d))
yy, xx = np.mgrid[0:96, 0:128]
content = np.stack([xx / 128, yy / 96, 0.5 + 0 * xx], -1)          # smooth ramps
style = rng.random((80, 112, 3))                                     # noise
cpath = os.path.join(data, "content", "c.png")
spath = os.path.join(data, "style", "s.png")
Image.fromarray((content * 255).astype(np.uint8)).save(cpath)
Image.fromarray((style * 255).astype(np.uint8)).save(spath)
outs = []
for i, a in enumerate((0.3, 0.7)):
    o = (1 - a) * content + a * rng.random(content.shape)
    outs.append(os.path.join(tmp, "o%d.png" % i))
    Image.fromarray((o * 255).astype(np.uint8)).save(outs[-1])

# 1. in-process scores (the second one from the cached denominator)
qual = run_eval.Quality(QUALITY, "inproc")
for o in outs:
    got = qual(cpath, spath, o)
    ref = reference(cpath, spath, o)
    check(qual.mode == "inproc", "in-process scoring kept (matches the script)")
    check(np.allclose(got, ref, rtol=0, atol=1e-12),
          "%s: (style, ssim, texture) %s == quality.py functions %s" % (os.path.basename(o), got, ref))
    check(["%.3f" % v for v in got] == ["%.3f" % v for v in printed(cpath, spath, o)],
          "%s: equals what quality.py prints" % os.path.basename(o))
check(abs(got[2] - got[0]) > 1e-3, "texture_ratio is not style_ratio (%.4f vs %.4f)" % (got[2], got[0]))
sub = run_eval.Quality(QUALITY, "subprocess")(cpath, spath, outs[0])
check(["%.3f" % v for v in sub] == ["%.3f" % v for v in reference(cpath, spath, outs[0])],
      "subprocess mode parses all three figures %s" % (sub,))

# 2. run keys
case = dict(set="grid", case="c__s")
k0 = eval_results.run_key(case, "relu3_1", "poly", "30", "default", 0, "abc", "0.5")
# a default of more than one pass is keyed apart from the one-pass rows
np_ = eval_results.default_passes()
check(np_.isdigit() and int(np_) >= 1, "default passes read from settings.c: %s" % np_)
tail = "" if np_ == "1" else "|passes=default=" + np_
check(k0 == "grid|c__s|relu3_1|poly|30|default|0|abc|cm=0.5" + tail,
      "default-method key unchanged: " + k0)
kp = eval_results.run_key(case, "relu3_1", "poly", "30", "default", 0, "abc", "0.5", "patch")
check(kp == "grid|c__s|relu3_1|poly|30|default|0|abc|cm=0.5|method=patch" + tail, "patch key: " + kp)
# a run that names its passes (the floor runs: --passes 1) is keyed by them
check(eval_results.explicit_passes("--patch-spread 0.1 --passes 1") == "1" and
      eval_results.explicit_passes("--passes=3") == "3" and
      eval_results.explicit_passes("--passes 2 --passes 1") == "1" and
      eval_results.explicit_passes("--gamma 3") == "default",
      "explicit_passes reads the last --passes")
k1 = eval_results.run_key(case, "relu3_1", "poly", "30", "default", 0, "abc", "0.5", "default", "1")
check(k1 == "grid|c__s|relu3_1|poly|30|default|0|abc|cm=0.5", "one named pass: the old key: " + k1)
k3 = eval_results.run_key(case, "relu3_1", "poly", "30", "default", 0, "abc", "0.5", "default", "3")
check(k3 == "grid|c__s|relu3_1|poly|30|default|0|abc|cm=0.5|passes=3", "three named passes: " + k3)

# 3. whole run with a stand-in sst-stylize
weights = os.path.join(tmp, "weights")
os.makedirs(weights)
for f in ("encoder.safetensors", "decoder_relu3_1.safetensors"):
    with open(os.path.join(weights, f), "wb") as fh:
        fh.write(f.encode())
# the weights tag follows a replaced file (its hashes are cached per path,
# size and mtime), and is the hash of the files' own hashes
tag1 = eval_results.weights_tag(weights, "relu3_1")
dpath = os.path.join(weights, "decoder_relu3_1.safetensors")
with open(dpath, "wb") as fh:
    fh.write(b"decoder_relu3_1.safetensorZ")                # same size, other bytes
st = os.stat(dpath)
os.utime(dpath, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
tag2 = eval_results.weights_tag(weights, "relu3_1")
want = hashlib.sha256()
for f in ("encoder.safetensors", "decoder_relu3_1.safetensors"):
    want.update(hashlib.sha256(open(os.path.join(weights, f), "rb").read()).hexdigest().encode())
check(tag2 != tag1 and tag2 == want.hexdigest()[:12],
      "weights tag follows a replaced decoder: %s -> %s (want %s)" % (tag1, tag2, want.hexdigest()[:12]))
argv_log = os.path.join(tmp, "argv.txt")
fake = os.path.join(tmp, "fake-sst")
with open(fake, "w") as fh:
    fh.write("#!/usr/bin/python3\nimport shutil, sys\n"
             "open(%r, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
             "shutil.copy(sys.argv[1], sys.argv[sys.argv.index('-o') + 1])\n" % argv_log)
os.chmod(fake, 0o755)
out = os.path.join(tmp, "out")


def run(*extra):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "eval", "run_eval.py"),
                        "--sst", fake, "--weights", weights, "--out", out, "--data", data,
                        "--quality", QUALITY, "--sets", "grid", "--contents", "c.png",
                        "--styles", "s.png", "--kernels", "poly", "--no-psnr"] + list(extra),
                       capture_output=True, text=True)
    check(r.returncode == 0, "run_eval %s exits 0 (%s)" % (" ".join(extra), r.stderr.strip()[-300:]))


def rows():
    with open(os.path.join(out, "results.tsv"), newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


run()
run("--method", "patch")
run("--method", "patch")   # already done: must not run again
calls = open(argv_log).read().splitlines()
check(len(calls) == 2, "two stylizations for two methods, the re-run skipped (%d)" % len(calls))
check("--method" not in calls[0].split(), "default run passes no --method")
a = calls[1].split()
check("--method" in a and a[a.index("--method") + 1] == "patch", "patch run passes --method patch")
rs = rows()
check([r["method"] for r in rs] == ["default", "patch"], "results.tsv method column")
ref = reference(cpath, spath, cpath)
for r in rs:
    check(r["status"] == "ok" and abs(float(r["texture_ratio"]) - ref[2]) < 1e-4,
          "%s row: texture_ratio %s == %.4f" % (r["method"], r["texture_ratio"], ref[2]))
check(rs[0]["output"] != rs[1]["output"], "the two methods write different images")

# 4. the report
dg = eval_results.default_gammas()
check(sorted(dg) == sorted(eval_data.KERNELS) and all(float(v) > 0 for v in dg.values()),
      "default gamma of every kernel read from settings.c: %s" % dg)
check(eval_results.default_method() == "stats", "default method read from settings.c: %s"
      % eval_results.default_method())
check(eval_results.default_color_match() != "?", "default colour match read from settings.c")
md = os.path.join(tmp, "q.md")
run("--report", md)
text = open(md).read()
tr = "%.3f" % float(rs[0]["texture_ratio"])
for label in ("stats (default)", "patch"):
    line = [ln for ln in text.splitlines() if ln.startswith("- poly, relu3_1") and
            "method %s," % label in ln]
    check(len(line) == 1 and "texture_ratio **%s** (target <= 0.70: NOT met)" % tr in line[0]
          and "gamma %s," % dg["poly"] in line[0],
          "targets line for %s with its texture_ratio %s: %s" % (label, tr, line))
    row = [ln for ln in text.splitlines() if ln.startswith("| relu3_1 | poly | %s |" % label)
           and "| grid |" in ln]
    check(len(row) == 1 and ("| %s | %s |" % (tr, tr)) in row[0] and row[0].endswith("| no |"),
          "table row for %s: texture mean and median, targets not met: %s" % (label, row))
# the same setting run again under another key (a key format changed): the
# latest row counts, once
def report_after(row):
    """The default method's targets line of the report once row is added."""
    eval_results.append_result(os.path.join(out, "results.tsv"), row)
    run("--report", md)
    return [ln for ln in open(md).read().splitlines() if ln.startswith("- poly, relu3_1") and
            "method stats (default)," in ln]


line = report_after(dict(rs[0], key=rs[0]["key"] + "|respelt", texture_ratio="0.5000"))
check(len(line) == 1 and " 1 runs " in line[0] and "texture_ratio **0.500**" in line[0],
      "a setting run twice counts once, the latest row: %s" % line)
# a later row of the same setting at other passes (--sst-args "--passes 7")
# is not the default's and never stands in for it
base = "|".join(p for p in rs[0]["key"].split("|") if not p.startswith("passes="))
other = dict(rs[0], key=base + "|passes=7", texture_ratio="0.1111")
check(eval_results.passes_of(other) == "7" and eval_results.passes_of(dict(key=base)) == "1"
      and eval_results.passes_of(rs[0]) == eval_results.default_passes(),
      "passes_of reads the key")
line = report_after(other)
check(len(line) == 1 and " 1 runs " in line[0] and "texture_ratio **0.500**" in line[0],
      "a row at other passes is left out of the report: %s" % line)
# failures: one made good by a later run of its setting does not count,
# one never made good does
for case in ("c__s", "c__other"):
    eval_results.append_result(os.path.join(out, "results.tsv"),
                               dict(rs[0], key=rs[0]["key"] + "|failed", case=case, status="error",
                                    note="killed"))
run("--report", md)
failed = [ln for ln in open(md).read().splitlines() if "runs failed" in ln]
check(len(failed) == 1 and failed[0].endswith("1 runs failed: relu3_1 poly c__other: killed."),
      "only the failure never made good is reported: %s" % failed)
shutil.rmtree(tmp)
finish()
