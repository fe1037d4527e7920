#!/usr/bin/python3
"""The shipped weights are the ones weights/README.md documents, and they
belong together:

1. every weights/*.safetensors has the sha256 of README's file table, and
   MANIFEST.tsv the manifest sha256 listed there and in MANIFEST.tsv.sha256;
2. both decoders were trained for the shipped encoder (their
   `encoder_sha256` is its sha256) on the listed corpus
   (`data_manifest_sha256`);
3. the encoder's tensors are the documented seeded recipe, remade here
   (make_encoder.build(20240611, zero_mean=False), float64 then F32: equal
   bit for bit), and its recorded command is README section 2's.

A file swapped without its documentation, or a decoder paired with another
encoder, fails here.

    test_provenance.py SOURCE_ROOT
"""
import os
import re
import sys

import numpy as np

ROOT = os.path.abspath(sys.argv[1])
WEIGHTS = os.path.join(ROOT, "weights")
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import make_encoder  # noqa: E402
from checks import check, finish  # noqa: E402
from weights_common import load_safetensors, sha256_file  # noqa: E402

FILES = ["encoder.safetensors", "decoder_relu3_1.safetensors", "decoder_relu4_1.safetensors"]
SEED = 20240611


readme = open(os.path.join(WEIGHTS, "README.md"), encoding="utf-8").read()
# the file table: | `name` | net | dtype | size | `sha256` |
table = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.M))

# 1. files against the table
shas = {name: sha256_file(os.path.join(WEIGHTS, name)) for name in FILES}
for name, got in shas.items():
    check(table.get(name) == got, "%s: sha256 %s... is README's (%s...)"
          % (name, got[:12], str(table.get(name))[:12]))
manifest = sha256_file(os.path.join(WEIGHTS, "MANIFEST.tsv"))
listed = open(os.path.join(WEIGHTS, "MANIFEST.tsv.sha256")).read().split()[0]
check(manifest == listed == table.get("MANIFEST.tsv"),
      "MANIFEST.tsv: sha256 %s... = MANIFEST.tsv.sha256 = README's" % manifest[:12])

# 2. decoders belong to the encoder and the corpus
enc_sha = shas["encoder.safetensors"]
for name in FILES[1:]:
    _, meta = load_safetensors(os.path.join(WEIGHTS, name))
    check(meta.get("encoder_sha256") == enc_sha,
          "%s: trained for the shipped encoder (encoder_sha256 %s...)"
          % (name, str(meta.get("encoder_sha256"))[:12]))
    check(meta.get("data_manifest_sha256") == manifest,
          "%s: trained on the listed corpus" % name)

# 3. the encoder is the documented recipe
tensors, meta = load_safetensors(os.path.join(WEIGHTS, "encoder.safetensors"))
ref, _ = make_encoder.build(SEED, verbose=False, zero_mean=False)
check(sorted(tensors) == sorted(ref), "encoder: the recipe's %d tensors" % len(ref))
same = [k for k in ref if k in tensors and tensors[k].dtype == ref[k].dtype
        and np.array_equal(tensors[k], ref[k])]
check(len(same) == len(ref), "encoder: %d of %d tensors equal the remade recipe bit for bit"
      % (len(same), len(ref)))
cmd = meta.get("command", "")
check(cmd in readme and "--variant plain" in cmd,
      "encoder: its recorded command (%s) is the one README documents" % cmd)
finish()
