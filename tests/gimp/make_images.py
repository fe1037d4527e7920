#!/usr/bin/env python3
"""Writes the test images for the GIMP plug-in tests into OUTDIR.

Everything is drawn here from a fixed seed (no third-party images), so the
files can be regenerated anywhere and carry no licence questions:

  content.png / content_map.png   a landscape: sky (clouds) over green hills
  content_big*.png                the same scene at 512x352 (dialog test)
  many_colours_map.png            content-sized map with 24 flat colours
                                  (more regions than the engine accepts)
  style.png   / style_map.png     a "painting": warm orange strokes on top,
                                  violet dots below, split by its own curve

Maps use flat colours: blue (0,0,255) = sky/top, green (0,255,0) = ground/
bottom, so a semantic transfer should paint the sky with the orange strokes
and the hills with the violet dots.  Usage: make_images.py OUTDIR
"""
import os
import sys

import numpy as np
from PIL import Image

SKY = (0, 0, 255)
GROUND = (0, 255, 0)


def smooth_noise(rng, h, w, cell):
    """Value noise: random grid bilinearly upsampled (soft texture)."""
    gh, gw = h // cell + 2, w // cell + 2
    g = rng.random((gh, gw))
    ys = np.arange(h) / cell
    xs = np.arange(w) / cell
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    a = g[y0][:, x0]
    b = g[y0][:, x0 + 1]
    c = g[y0 + 1][:, x0]
    d = g[y0 + 1][:, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def content(rng, w=256, h=176):
    y, x = np.mgrid[0:h, 0:w]
    horizon = (0.48 * h + 10 * np.sin(x / w * 2 * np.pi * 1.3)
               + 6 * np.sin(x / w * 2 * np.pi * 3.1 + 1.0))
    sky = y < horizon
    img = np.zeros((h, w, 3))
    # sky: vertical blue gradient with soft white clouds
    t = (y / h)[..., None]
    img[:] = (1 - t) * np.array([0.35, 0.55, 0.95]) + t * np.array([0.75, 0.85, 1.0])
    clouds = np.clip(smooth_noise(rng, h, w, 24) * 1.6 - 0.8, 0, 1)[..., None]
    img = img * (1 - clouds) + clouds * 0.97
    # hills: green with grassy noise and darker ridges
    grass = smooth_noise(rng, h, w, 6)[..., None]
    ridge = (0.5 + 0.5 * np.sin(y / 7.0 + x / 31.0))[..., None]
    green = (np.array([0.18, 0.45, 0.15]) * (0.7 + 0.5 * grass)
             * (0.8 + 0.3 * ridge))
    img = np.where(sky[..., None], img, green)
    cmap = np.where(sky[..., None], np.array(SKY), np.array(GROUND))
    return img, cmap


def style(rng, w=240, h=200):
    y, x = np.mgrid[0:h, 0:w]
    border = 0.55 * h + 14 * np.sin(x / w * 2 * np.pi * 0.8 + 0.5)
    top = y < border
    img = np.zeros((h, w, 3))
    # top: diagonal warm brush strokes (orange/red/yellow bands + jitter)
    phase = (x + 0.6 * y) / 9.0 + 3 * smooth_noise(rng, h, w, 20)
    band = 0.5 + 0.5 * np.sin(phase)
    warm = (np.array([0.95, 0.45, 0.08])[None, None] * band[..., None]
            + np.array([0.98, 0.85, 0.25])[None, None] * (1 - band[..., None]))
    warm *= (0.85 + 0.3 * smooth_noise(rng, h, w, 3))[..., None]
    # bottom: violet ground covered with bright dots
    base = np.array([0.30, 0.12, 0.45])[None, None] * (
        0.8 + 0.4 * smooth_noise(rng, h, w, 10))[..., None]
    dots = ((x % 11 - 5) ** 2 + (y % 11 - 5) ** 2) < 9
    dotcol = np.array([0.75, 0.55, 0.95])
    violet = np.where(dots[..., None], dotcol, base)
    img = np.where(top[..., None], warm, violet)
    smap = np.where(top[..., None], np.array(SKY), np.array(GROUND))
    return img, smap


def save(arr, path):
    Image.fromarray(np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8)).save(path)


def save_map(arr, path):
    Image.fromarray(arr.astype(np.uint8)).save(path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20250101)
    img, cmap = content(rng)
    save(img, os.path.join(out, "content.png"))
    save_map(cmap, os.path.join(out, "content_map.png"))
    # A larger copy of the scene for the dialog test: bigger than the
    # preview size, so the preview works on a reduced copy.
    big, bigmap = content(np.random.default_rng(7), w=512, h=352)
    save(big, os.path.join(out, "content_big.png"))
    save_map(bigmap, os.path.join(out, "content_big_map.png"))
    h, w = cmap.shape[:2]
    stripes = (np.arange(w) * 24 // w)[None, :].repeat(h, 0)
    palette = np.array([((k * 97) % 256, (k * 53 + 40) % 256, (k * 181 + 90) % 256)
                        for k in range(24)])
    save_map(palette[stripes], os.path.join(out, "many_colours_map.png"))
    img, smap = style(rng)
    save(img, os.path.join(out, "style.png"))
    save_map(smap, os.path.join(out, "style_map.png"))


if __name__ == "__main__":
    main()
