#!/usr/bin/python3
"""Contact sheet content | style | one column per result.

  /usr/bin/python3 tools/eval/method_sheet.py OUT.jpg [--labels A,B,...] \
      CONTENT STYLE OUT_A OUT_B ... [CONTENT STYLE OUT_A OUT_B ...]

The labels name the result columns (default: --method stats,--method
patch); each row has content, style and one image per label.  Each row is
scaled to HEIGHT pixels (the style keeps its aspect ratio)."""
import sys

from PIL import Image, ImageDraw

HEIGHT = 240
RESULTS = ["--method stats", "--method patch"]


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    labels = ["content", "style"] + RESULTS
    if paths[:1] == ["--labels"] and len(paths) > 1:
        labels = ["content", "style"] + paths[1].split(",")
        paths = paths[2:]
    n = len(labels)
    if not paths or len(paths) % n:
        raise SystemExit(__doc__)
    rows = []
    for i in range(0, len(paths), n):
        ims = [Image.open(p).convert("RGB") for p in paths[i:i + n]]
        rows.append([im.resize((max(1, round(im.width * HEIGHT / im.height)), HEIGHT),
                               Image.LANCZOS) for im in ims])
    cols = [max(r[c].width for r in rows) for c in range(n)]
    top = 18
    sheet = Image.new("RGB", (sum(cols) + (n + 1) * 4, top + len(rows) * (HEIGHT + 4)),
                      (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    x = 4
    for c in range(n):
        d.text((x, 3), labels[c], fill=(0, 0, 0))
        for r, row in enumerate(rows):
            sheet.paste(row[c], (x, top + r * (HEIGHT + 4)))
        x += cols[c] + 4
    sheet.save(out, quality=88)


if __name__ == "__main__":
    main()
