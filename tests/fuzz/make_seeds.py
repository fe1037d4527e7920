#!/usr/bin/python3
"""Writes the small seed corpora in tests/fuzz/corpus/ (committed; rerun
only to change them).  Every seed is made here from nothing, a few hundred
bytes each: valid inputs of each shape the loaders accept, plus a few that
sit just beside them, so the fuzzers start from both sides of each check.
usage: /usr/bin/python3 tests/fuzz/make_seeds.py"""
import io
import json
import os
import struct

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def put(kind, name, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(tensors, meta=None, pad=b""):
    """tensors: name -> (dtype, shape, raw bytes)"""
    header, data = {}, b""
    if meta is not None:
        header["__metadata__"] = meta
    for name, (dt, shape, raw) in tensors.items():
        header[name] = {"dtype": dt, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(h)) + h + data


# --- safetensors and their JSON headers
f32 = np.arange(6, dtype="<f4").tobytes()
f16 = np.array([1.0, -2.0, 0.5, 65504.0], dtype="<f2").tobytes()
bf16 = (np.array([1.0, -3.0], dtype="<f4").view("<u4") >> 16).astype("<u2").tobytes()
seeds = {
    "f32_2x3": safetensors({"w": ("F32", [2, 3], f32)}, {"format": "pt"}),
    "mixed": safetensors({"a": ("F16", [4], f16), "b": ("BF16", [2, 1], bf16),
                          "c": ("F32", [], f32[:4])}),
    "empty_tensor": safetensors({"z": ("F32", [0, 3], b"")}),
    "padded_header": safetensors({"w": ("F32", [6], f32)}, pad=b"    "),
    "nan": safetensors({"n": ("F32", [1], struct.pack("<f", float("nan")))}),
    "bad_dtype": safetensors({"w": ("I64", [1], b"\0" * 8)}),
    "overlap": b"",
    "short": struct.pack("<Q", 100) + b"{}",
}
h = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
seeds["overlap"] = struct.pack("<Q", len(h)) + h + f32[:12]
for name, data in seeds.items():
    put("safetensors", name, data)
    hlen = struct.unpack("<Q", data[:8])[0]
    put("json", name, data[8:8 + hlen])
for name, text in {
    "nested": '{"a":[1,-2.5e3,true,false,null,{"b":"\\u00e9\\ud83d\\ude00\\n"}]}',
    "numbers": '[0,-0,1e308,-1e-308,9223372036854775807,-9223372036854775808,18446744073709551616]',
    "deep": "[" * 32 + "]" * 32,
    "too_deep": "[" * 33 + "]" * 33,
    "dup_key": '{"a":1,"a":2}',
    "trailing_comma": "[1,2,]",
    "nul_escape": '"a\\u0000b"',
}.items():
    put("json", name, text.encode())

# --- doodle maps: w-1, h-1, block, then RGB pixels (fuzz_labels.c)
rng = np.random.default_rng(7)
def labels_seed(w, h, block, px):
    return bytes([w - 1, h - 1, block]) + px.astype(np.uint8).tobytes()
two = np.zeros((16, 24, 3)); two[:, 12:] = (0, 128, 255)
put("labels", "two_regions", labels_seed(24, 16, 4, two))
flat = np.full((8, 8, 3), 200)
put("labels", "one_colour", labels_seed(8, 8, 2, flat))
many = np.array([[(i * 37 % 256, i * 91 % 256, i * 53 % 256)] for i in range(20)])
put("labels", "twenty_colours", labels_seed(20, 1, 1, many.reshape(1, 20, 3)))
noisy = two + rng.integers(-6, 7, two.shape)
put("labels", "jpeg_noise", labels_seed(24, 16, 3, np.clip(noisy, 0, 255)))
put("labels", "photo", labels_seed(16, 16, 8, rng.integers(0, 256, (16, 16, 3))))

# --- images for the CLI loader
def save(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()
grad = np.zeros((12, 16, 3), np.uint8)
grad[..., 0] = np.arange(16) * 16
grad[..., 1] = np.arange(12)[:, None] * 20
rgb = Image.fromarray(grad)
put("image", "rgb.png", save(rgb, "PNG"))
put("image", "rgba.png", save(rgb.convert("RGBA"), "PNG"))
put("image", "grey.png", save(rgb.convert("L"), "PNG"))
put("image", "palette.png", save(rgb.convert("P"), "PNG"))
put("image", "grey16.png", save(Image.fromarray((grad[..., 0].astype(np.uint16) * 257)), "PNG"))
put("image", "optimized.png", save(rgb, "PNG", optimize=True))
put("image", "baseline.jpg", save(rgb, "JPEG", quality=80))
put("image", "progressive.jpg", save(rgb, "JPEG", quality=80, progressive=True))
put("image", "grey.jpg", save(rgb.convert("L"), "JPEG", quality=80))
put("image", "subsampled.jpg", save(rgb, "JPEG", quality=60, subsampling=2))
put("image", "cmyk.jpg", save(rgb.convert("CMYK"), "JPEG", quality=80))
b = bytearray(save(rgb, "JPEG", quality=50))
i = b.index(b"\xff\xc0")
b[i + 5:i + 7] = (63475).to_bytes(2, "big")
b[i + 7:i + 9] = (2065).to_bytes(2, "big")
put("image", "declares_131mp.jpg", bytes(b))
put("image", "truncated.jpg", save(rgb, "JPEG", quality=80)[:200])
