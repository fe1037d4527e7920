"""Contact sheet for the screening harness: one row per pair, columns
content | style | result (or the columns given), each cell scaled to the
same height, saved as a small JPEG (to keep committed sheets well under
300 KB)."""
from PIL import Image, ImageDraw

CELL_H = 128
PAD = 4


def contact_sheet(rows, path, label="", columns="content | style | result"):
    """rows: [(content_path, style_path, result_path, ...)], the same number
    of images in every row."""
    cells = []
    for r in rows:
        ims = []
        for p in r:
            im = Image.open(p).convert("RGB")
            w = max(1, round(im.size[0] * CELL_H / im.size[1]))
            ims.append(im.resize((w, CELL_H), Image.LANCZOS))
        cells.append(ims)
    widths = [max(row[i].size[0] for row in cells) for i in range(len(cells[0]))]
    top = 16 if label else 0
    sheet = Image.new("RGB", (sum(widths) + PAD * (len(widths) + 1), top + len(cells) * (CELL_H + PAD) + PAD),
                      (255, 255, 255))
    y = top + PAD
    for row in cells:
        x = PAD
        for i, im in enumerate(row):
            sheet.paste(im, (x, y))
            x += widths[i] + PAD
        y += CELL_H + PAD
    if label:
        ImageDraw.Draw(sheet).text((PAD, 2), label + "   (" + columns + ")", fill=(0, 0, 0))
    sheet.save(path, "JPEG", quality=85)
