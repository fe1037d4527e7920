#!/usr/bin/python3
"""tools/train/device_decoders.sh, the one prepared run for a lent GPU
(which a test must never need): its two halves on a small synthetic corpus,
the training on the CPU.

    test_device_decoders.py SOURCE_ROOT

1. stage copies the manifest byte for byte and exactly the images whose
   short side reaches CROP (the rule of train_decoder.py's sampler, written
   out here by hand for the five sizes: 256 is in, 255 is not), and the two
   start files under their fixed names; staging again without start files
   removes the old ones, so a run never starts from a stale decoder.
2. Bad input: stage without a corpus, train of an unstaged folder, train
   with a missing argument: non-zero exit, one line on stderr, nothing
   made.
3. train on the CPU (crop 64, a few steps): both decoders written to OUTDIR
   with their logs; each file's metadata names the staged manifest's
   sha256 (computed here with hashlib), the encoder file's sha256 and its
   start file for relu3_1 only; a wrong ENCODER_SHA256 is logged as a
   mismatch, the right one as expected; with ENCODER_CMD empty the file
   at ENCODER_OUT is used unchanged, and a missing one fails in one line
   and makes nothing.

Needs /usr/bin/python3 with numpy, PIL and python3-torch; FAILS (never
skips) without them.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.abspath(sys.argv[1])
SCRIPT = os.path.join(ROOT, "tools", "train", "device_decoders.sh")
sys.path.insert(0, os.path.join(ROOT, "tools"))
from weights_common import load_safetensors  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

HEADER = "image\tpackage\tversion\toriginal_path\toriginal_size\tstored_size\tlicence\n"
# name -> (width, height, drawn at crop 256?)
SIZES = {"a.jpg": (300, 260, True), "b.jpg": (300, 255, False),
         "c.jpg": (256, 256, True), "d.jpg": (255, 400, False),
         "e.jpg": (512, 384, True)}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_corpus(d):
    os.makedirs(os.path.join(d, "images"))
    rng = np.random.default_rng(5)
    with open(os.path.join(d, "MANIFEST.tsv"), "w") as f:
        f.write(HEADER)
        for name, (w, h, _) in SIZES.items():
            a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            Image.fromarray(a).save(os.path.join(d, "images", name), quality=90)
            f.write("%s\tpkg-%s\t1\t/usr/share/x/%s\t%dx%d\t%dx%d\tCC0\n"
                    % (name, name[0], name, w, h, w, h))


def run(args, env=None):
    e = dict(os.environ, PY="/usr/bin/python3")
    e.update(env or {})
    return subprocess.run(["bash", SCRIPT] + args, cwd=ROOT, env=e,
                          capture_output=True, text=True)


def one_line_error(r, what):
    lines = r.stderr.strip().splitlines()
    check(r.returncode != 0 and len(lines) == 1 and
          lines[0].startswith("device_decoders: "),
          "%s: non-zero exit and one error line (rc %d, %r)"
          % (what, r.returncode, lines))


def test_stage(tmp, corpus, init3, init4):
    stage = os.path.join(tmp, "stage")
    r = run(["stage", stage, corpus, init3, init4])
    check(r.returncode == 0, "stage runs (rc %d, %s)" % (r.returncode, r.stderr.strip()))
    got = sorted(os.listdir(os.path.join(stage, "data", "images")))
    want = sorted(n for n, (_, _, drawn) in SIZES.items() if drawn)
    check(got == want, "stage copies the images drawn at crop 256: %s (want %s)" % (got, want))
    check(sha256(os.path.join(stage, "data", "MANIFEST.tsv")) ==
          sha256(os.path.join(corpus, "MANIFEST.tsv")), "stage: manifest copied unchanged")
    check(all(sha256(os.path.join(stage, "data", "images", n)) ==
              sha256(os.path.join(corpus, "images", n)) for n in got),
          "stage: images copied unchanged")
    check(sha256(os.path.join(stage, "init_relu3_1.safetensors")) == sha256(init3) and
          sha256(os.path.join(stage, "init_relu4_1.safetensors")) == sha256(init4),
          "stage: start files under their fixed names")
    r = run(["stage", stage, corpus])
    check(r.returncode == 0 and not os.path.exists(os.path.join(stage, "init_relu3_1.safetensors"))
          and not os.path.exists(os.path.join(stage, "init_relu4_1.safetensors")),
          "stage again without start files removes the old ones")
    small = os.path.join(tmp, "stage64")
    r = run(["stage", small, corpus, init3], env={"CROP": "64"})
    check(r.returncode == 0 and len(os.listdir(os.path.join(small, "data", "images"))) == len(SIZES),
          "stage at crop 64 copies all %d images" % len(SIZES))
    return small


def test_bad_input(tmp):
    nothing = os.path.join(tmp, "nothing")
    os.makedirs(nothing)
    r = run(["stage", os.path.join(tmp, "s_bad"), nothing])
    one_line_error(r, "stage without a corpus")
    check(not os.path.exists(os.path.join(tmp, "s_bad")), "stage without a corpus makes nothing")
    r = run(["train", nothing, os.path.join(tmp, "o_bad"), "1"])
    one_line_error(r, "train of an unstaged folder")
    check(not os.path.exists(os.path.join(tmp, "o_bad")), "train of an unstaged folder makes nothing")
    one_line_error(run(["train", nothing, os.path.join(tmp, "o_bad")]), "train with two arguments")
    one_line_error(run([]), "no subcommand")


def test_train(tmp, stage):
    out = os.path.join(tmp, "out")
    enc = os.path.join(tmp, "enc", "encoder.safetensors")
    env = {"DEVICE": "cpu", "CROP": "64", "BATCH": "1", "THREADS": "1", "PROBE": "2",
           "WARMUP": "1", "ENCODER_OUT": enc, "ENCODER_SHA256": "0" * 64}
    r = run(["train", stage, out, "0.05"], env=env)
    check(r.returncode == 0, "train on the CPU runs (rc %d, %s)" % (r.returncode, r.stderr.strip()[-300:]))
    for name in ["decoder_relu3_1.safetensors", "decoder_relu4_1.safetensors",
                 "train_relu3_1.log", "train_relu4_1.log", "device.log"]:
        check(os.path.isfile(os.path.join(out, name)), "train writes %s" % name)
    if not os.path.isfile(enc):
        check(False, "train makes the encoder at ENCODER_OUT")
        return
    log = open(os.path.join(out, "device.log")).read()
    check("ENCODER MISMATCH" in log, "a wrong ENCODER_SHA256 is logged as a mismatch")
    man = sha256(os.path.join(stage, "data", "MANIFEST.tsv"))
    for layer in ("relu3_1", "relu4_1"):
        path = os.path.join(out, "decoder_%s.safetensors" % layer)
        if not os.path.isfile(path):
            continue
        _, meta = load_safetensors(path)
        check(meta.get("data_manifest_sha256") == man and
              meta.get("encoder_sha256") == sha256(enc),
              "%s: metadata names the staged manifest and the encoder made" % layer)
        # train_decoder.py records the start file's name, or "default"
        want_init = "init_relu3_1.safetensors" if layer == "relu3_1" else "default"
        check(meta.get("init") == want_init,
              "%s: start file %r (want %r)" % (layer, meta.get("init"), want_init))
    # the right hash: the encoder file just made is rebuilt with the same bytes
    shutil.rmtree(out)
    env["ENCODER_SHA256"] = sha256(enc)
    r = run(["train", stage, out, "0.05"], env=env)
    log = open(os.path.join(out, "device.log")).read() if os.path.isfile(
        os.path.join(out, "device.log")) else ""
    check(r.returncode == 0 and "(as expected)" in log and "MISMATCH" not in log,
          "the same ENCODER_OUT gives the same encoder bytes: hash as expected "
          "(rc %d, %s)" % (r.returncode, r.stderr.strip()[-300:]))
    # ENCODER_CMD empty: a trained encoder is used as given, never remade
    shutil.rmtree(out)
    before = sha256(enc)
    env["ENCODER_CMD"] = ""
    r = run(["train", stage, out, "0.05"], env=env)
    log = open(os.path.join(out, "device.log")).read() if os.path.isfile(
        os.path.join(out, "device.log")) else ""
    check(r.returncode == 0 and "used as given" in log and "(as expected)" in log
          and sha256(enc) == before,
          "ENCODER_CMD empty: the file is used as given, unchanged (rc %d, %s)"
          % (r.returncode, r.stderr.strip()[-300:]))
    missing = os.path.join(tmp, "out_missing")
    r = run(["train", stage, missing, "0.05"],
            env=dict(env, ENCODER_OUT=os.path.join(tmp, "no", "encoder.safetensors")))
    one_line_error(r, "ENCODER_CMD empty and no encoder file")
    check(not os.path.exists(missing), "no encoder file: nothing made")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus")
        make_corpus(corpus)
        init3 = os.path.join(ROOT, "weights", "decoder_relu3_1.safetensors")
        init4 = os.path.join(ROOT, "weights", "decoder_relu4_1.safetensors")
        small = test_stage(tmp, corpus, init3, init4)
        test_bad_input(tmp)
        test_train(tmp, small)
    finish()


main()
