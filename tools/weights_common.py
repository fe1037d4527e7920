"""Shared helpers for the weight tools: a dependency-free safetensors
reader/writer (numpy only), the layer tables of the weights contract, the
file hash recorded next to weights and results, and the training corpus's
manifest (tools/collect_data.py) as the training scripts read it.

Why our own writer: the `safetensors` package is not in Debian bookworm, and
the format is trivial (8-byte little-endian header length, JSON header,
raw little-endian data).  Keys are written in sorted order with tensors laid
out back to back, so the same tensors always give the same bytes.
"""
import hashlib
import json
import os
import struct

import numpy as np

# (name, out, in, k, relu_after, pool_after)
ENCODER_LAYERS = [
    ("enc.conv0", 3, 3, 1, False, False),
    ("enc.conv1_1", 64, 3, 3, True, False),
    ("enc.conv1_2", 64, 64, 3, True, True),
    ("enc.conv2_1", 128, 64, 3, True, False),
    ("enc.conv2_2", 128, 128, 3, True, True),
    ("enc.conv3_1", 256, 128, 3, True, False),   # -> relu3_1
    ("enc.conv3_2", 256, 256, 3, True, False),
    ("enc.conv3_3", 256, 256, 3, True, False),
    ("enc.conv3_4", 256, 256, 3, True, True),
    ("enc.conv4_1", 512, 256, 3, True, False),   # -> relu4_1
]
ENCODER_OUTPUTS = {"relu3_1": "enc.conv3_1", "relu4_1": "enc.conv4_1"}

# (name, out, in, relu_after, upsample_after); the relu3_1 decoder is the
# relu4_1 decoder's tail from dec.conv3_1 (both mirror the encoder), as in
# engine/nn.c
DECODER_LAYERS = {
    "relu4_1": [
        ("dec.conv4_1", 256, 512, True, True),
        ("dec.conv3_4", 256, 256, True, False),
        ("dec.conv3_3", 256, 256, True, False),
        ("dec.conv3_2", 256, 256, True, False),
        ("dec.conv3_1", 128, 256, True, True),
        ("dec.conv2_2", 128, 128, True, False),
        ("dec.conv2_1", 64, 128, True, True),
        ("dec.conv1_2", 64, 64, True, False),
        ("dec.conv1_1", 3, 64, False, False),
    ],
}
DECODER_LAYERS["relu3_1"] = DECODER_LAYERS["relu4_1"][4:]

_DT = {np.dtype("float32"): "F32", np.dtype("float16"): "F16"}
_NP = {"F32": np.float32, "F16": np.float16}


def save_safetensors(path, tensors, metadata):
    """tensors: dict name -> numpy array (float32 or float16)."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    off = 0
    blobs = []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in _DT:
            raise ValueError("unsupported dtype %s for %s" % (a.dtype, name))
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _DT[a.dtype], "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)     # keep data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """Returns (dict name -> float32 numpy array, metadata dict)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, d in header.items():
        a, b = d["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=np.dtype(_NP[d["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(d["shape"]).astype(np.float32)
    return out, meta


def sha256_file(path):
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(data_dir):
    """(rows, sha256) of DATA_DIR/MANIFEST.tsv: each row its columns (image,
    package, version, path, original size, stored size "WxH", licence ...),
    header dropped; the sha256 of the file's bytes is recorded in weights."""
    with open(os.path.join(data_dir, "MANIFEST.tsv"), "rb") as f:
        raw = f.read()
    rows = [ln.split("\t") for ln in raw.decode().splitlines()[1:] if ln]
    return rows, hashlib.sha256(raw).hexdigest()


def stored_size(row):
    """(width, height) of a manifest row's stored image (column 6, "WxH");
    the short side is what every "short side >= N" rule (crop, --min-side,
    device_decoders.sh's staging) tests."""
    w, h = row[5].split("x")
    return int(w), int(h)
