"""run_eval's result files: results.tsv rows and their keys (a run is
skipped when its key is there), the weights a row was made with, the
engine's defaults read from engine/settings.c, and psnr.tsv (the decoders'
reconstruction PSNR, cached per decoder sha256)."""
import csv
import hashlib
import os
import re
import subprocess
import sys
import time

from eval_data import REPO, log

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from weights_common import sha256_file  # noqa: E402

FIELDS = ["key", "set", "case", "kind", "layer", "kernel", "gamma", "iterations",
          "max_size", "weights", "status", "style_ratio", "content_ssim",
          "seconds", "output", "note", "color_match", "texture_ratio", "method"]


_SHA_CACHE = {}


def _sha256_cached(path):
    # A report asks for the same tags several times; hashing 30 MB of
    # weights each time cost seconds.  (size, mtime) catches a replaced file.
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


def weights_tag(weights, layer):
    """Short hash of the files a run depends on, so new weights are re-run."""
    h = hashlib.sha256()
    for f in ("encoder.safetensors", "decoder_%s.safetensors" % layer):
        h.update(_sha256_cached(os.path.join(weights, f)).encode())
    return h.hexdigest()[:12]


def weights_stamp(weights):
    """Cheap change detector (size, mtime) for the weights files."""
    out = []
    for f in sorted(os.listdir(weights)):
        if f.endswith(".safetensors"):
            st = os.stat(os.path.join(weights, f))
            out.append((f, st.st_size, st.st_mtime_ns))
    return out


def explicit_passes(sst_args):
    """The number of passes named in extra sst-stylize options (the last
    `--passes N` or `--passes=N`, as the CLI reads them), or "default"."""
    words = sst_args.split()
    found = "default"
    for i, w in enumerate(words):
        if w == "--passes" and i + 1 < len(words):
            found = words[i + 1]
        elif w.startswith("--passes="):
            found = w.split("=", 1)[1]
    return found


def run_key(case, layer, kernel, gamma, iterations, max_size, wtag, color_match="default",
            method="default", passes="default"):
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
    # Repeated passes (issue 14): keys from before they existed are one pass,
    # so a default of more than one pass is keyed apart and re-run; a run
    # that names its passes is keyed by them (one pass: the old keys).
    if passes == "default":
        passes = default_passes()
        if passes != "1":
            key.append("passes=default=" + passes)
    elif passes != "1":
        key.append("passes=" + passes)
    return "|".join(key)


def read_results(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def append_result(path, row, fields=FIELDS):
    new = not os.path.exists(path)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fields, delimiter="\t", lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow(row)


def color_match_of(r):
    # rows from before the colour match have no such column: the engine
    # had none, which is --color-match 0 now (bit for bit, tests/cli)
    return r.get("color_match") or "0"


def passes_of(r):
    """The number of passes a row ran: from its key's passes part (see
    run_key), 1 for keys without one."""
    for part in r["key"].split("|"):
        if part.startswith("passes="):
            return part.rsplit("=", 1)[1]
    return "1"


def method_of(r):
    # rows from before --method existed ran the CLI's default method
    return r.get("method") or "default"


def current_tags(args):
    """weights_tag of each layer whose files are in --weights."""
    tags = {}
    for layer in ("relu3_1", "relu4_1"):
        try:
            tags[layer] = weights_tag(args.weights, layer)
        except OSError:
            pass
    return tags


def current_rows(args, rows, any_color_match=False):
    """Rows that belong to the current weights files (older ones stay in the
    TSV but are not summarised), at the default colour match unless asked
    (rows with another --color-match only feed color_match_section) and at
    the default number of passes."""
    tags = current_tags(args)
    # at the engine's default number of passes: a run with other passes
    # (--sst-args "--passes N") has its own key and never stands in for
    # one; the floor runs are one decoder reconstruction by design
    passes = default_passes()
    keep = {}
    for r in rows:
        if r["status"] == "ok" and tags.get(r["layer"]) == r["weights"] and (
                any_color_match or color_match_of(r) == "default") and (
                r["set"] == "floor" or passes_of(r) == passes):
            # A setting run twice (its key changed, e.g. a default gamma the
            # key could not read) counts once: the latest row stands.
            keep[setting_of(r)] = r
    return list(keep.values())


def setting_of(r):
    """What makes two rows the same run, apart from the key's spelling."""
    return tuple(r[f] for f in ("set", "case", "layer", "kernel", "gamma", "iterations", "max_size",
                                "weights")) + (color_match_of(r), method_of(r))


def params_source():
    """engine/settings.c, where the engine's defaults are (for run keys and the
    report; runs use the CLI's own defaults); "" when it cannot be read."""
    try:
        with open(os.path.join(REPO, "engine", "settings.c")) as f:
            return f.read()
    except OSError:
        return ""


def _resolve(src, value):
    """A default as settings.c writes it, a number or a macro of the file
    (#define DEFAULT_GAMMA 30.0), as a number string; None otherwise."""
    macros = dict(re.findall(r"^#define (\w+) ([\d.eE+-]+)$", src, re.M))
    value = macros.get(value, value)
    return value if re.fullmatch(r"[\d.eE+-]+", value) else None


def default_gammas():
    """The engine's default gamma per kernel."""
    # a row of the kernel table, {SST_KERNEL_POLY, DEFAULT_GAMMA, &...}
    src = params_source()
    rows = re.findall(r"\{SST_KERNEL_(\w+), ([\w.+-]+),", src)
    return {k.lower(): _resolve(src, v) for k, v in rows if _resolve(src, v)}


def default_passes():
    """The engine's default number of passes: the passes row of the settings
    table, FIELD(passes), DEFAULT_PASSES, ..."""
    src = params_source()
    m = re.search(r"FIELD\(passes\),\s*(\w+),", src)
    return (m and _resolve(src, m.group(1))) or "?"


def default_color_match():
    m = re.search(r"FIELD\(color_match\), ([\d.]+),", params_source())
    return m.group(1) if m else "?"


def default_method():
    m = re.search(r"FIELD\(method\), SST_METHOD_(\w+),", params_source())
    return m.group(1).lower() if m else "?"


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
        append_result(path, row, list(row))
        out.append(row)
    return out
