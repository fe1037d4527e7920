#!/usr/bin/python3
"""The shipped weights are the ones weights/README.md documents, and they
belong together:

1. every weights/*.safetensors has the sha256 of README's file table, and
   MANIFEST.tsv the manifest sha256 listed there and in MANIFEST.tsv.sha256;
2. both decoders were trained for the shipped encoder (their
   `encoder_sha256` is its sha256) on the listed corpus
   (`data_manifest_sha256`);
3. the encoder was trained from the documented seeded recipe: its
   `init_sha256` is the sha256 of `random_plain` remade here
   (make_variants.plain_he(20240611) saved by make_variants.save_variant
   for README's command: equal bit for bit), on the listed corpus, for the step count README gives, and its
   recorded command is README section 2's.  (The training itself takes
   hours on the CPU, so the test checks the chain, not the result.)

A file swapped without its documentation, or a decoder paired with another
encoder, fails here.

    test_provenance.py SOURCE_ROOT
"""
import os
import re
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1])
WEIGHTS = os.path.join(ROOT, "weights")
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
sys.path.insert(0, os.path.join(ROOT, "tools", "screen"))
import make_variants  # noqa: E402
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

# 3. the encoder was trained from the documented recipe
tensors, meta = load_safetensors(os.path.join(WEIGHTS, "encoder.safetensors"))
ref = make_variants.plain_he(SEED)
check(sorted(tensors) == sorted(ref), "encoder: the recipe's layout (%d tensors)" % len(tensors))
init_cmd = re.search(r"^    (/usr/bin/python3 (tools/screen/make_variants.py --variant plain "
                     r"--out \S+))$", readme, re.M)
check(init_cmd is not None, "README gives the command that makes the start encoder")
if init_cmd:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "random_plain.safetensors")
        make_variants.save_variant(path, ref, "plain", init_cmd.group(2))
        init_sha = sha256_file(path)
    check(meta.get("init_sha256") == init_sha,
          "encoder: trained from random_plain remade here (init_sha256 %s... = %s...)"
          % (str(meta.get("init_sha256"))[:12], init_sha[:12]))
    check(init_sha in readme, "encoder: README names the start file's sha256")
check(meta.get("data_manifest_sha256") == manifest, "encoder: trained on the listed corpus")
cmd = meta.get("command", "")
steps = meta.get("steps", "")
check("train_encoder_contrastive.py" in cmd and cmd in readme,
      "encoder: its recorded command (%s) is the one README documents" % cmd)
check(re.search(r"--max-steps %s\b" % re.escape(steps), readme) is not None,
      "encoder: README's CPU command stops at the recorded %s steps" % steps)
finish()
