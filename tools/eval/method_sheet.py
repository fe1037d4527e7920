#!/usr/bin/python3
"""Contact sheet content | style | statistics method | patch method.

  /usr/bin/python3 tools/eval/method_sheet.py OUT.jpg \
      CONTENT STYLE STATS_OUT PATCH_OUT [CONTENT STYLE STATS_OUT PATCH_OUT ...]

Each row is scaled to HEIGHT pixels (the style keeps its aspect ratio)."""
import sys

from PIL import Image, ImageDraw

HEIGHT = 240
LABELS = ["content", "style", "--method stats", "--method patch"]


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    if not paths or len(paths) % 4:
        raise SystemExit(__doc__)
    rows = []
    for i in range(0, len(paths), 4):
        ims = [Image.open(p).convert("RGB") for p in paths[i:i + 4]]
        rows.append([im.resize((max(1, round(im.width * HEIGHT / im.height)), HEIGHT),
                               Image.LANCZOS) for im in ims])
    cols = [max(r[c].width for r in rows) for c in range(4)]
    top = 18
    sheet = Image.new("RGB", (sum(cols) + 5 * 4, top + len(rows) * (HEIGHT + 4)),
                      (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    x = 4
    for c in range(4):
        d.text((x, 3), LABELS[c], fill=(0, 0, 0))
        for r, row in enumerate(rows):
            sheet.paste(row[c], (x, top + r * (HEIGHT + 4)))
        x += cols[c] + 4
    sheet.save(out, quality=88)


if __name__ == "__main__":
    main()
