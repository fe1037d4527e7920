#!/usr/bin/python3
"""Runs the engine's doodle-map labelling (sst_map_labels) on the real
semantic maps of the shared evaluation set.  The engine has no PNG reader,
so this converts each map to a binary PPM with PIL and hands the files to
the recon_labels test program, which labels them and prints the palettes.

usage: /usr/bin/python3 tools/check_semantic_maps.py BUILD/tests/recon/recon_labels [SHARED_DIR]
"""
import glob
import os
import subprocess
import sys
import tempfile

from PIL import Image


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    prog = sys.argv[1]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "shared")
    maps = sorted(glob.glob(os.path.join(shared, "data/styletransfer/semantic/*/*_map.png")))
    if not maps:
        print("no maps under", shared)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        ppms = []
        for i, m in enumerate(maps):
            case = os.path.basename(os.path.dirname(m))
            out = os.path.join(tmp, "%s__%s.ppm" % (case, os.path.basename(m)[:-4]))
            Image.open(m).convert("RGB").save(out)
            ppms.append(out)
        res = subprocess.run([prog] + ppms, capture_output=True, text=True)
        print(res.stdout.replace(tmp + "/", ""), end="")
        print(res.stderr, end="", file=sys.stderr)
        return res.returncode


if __name__ == "__main__":
    sys.exit(main())
