#!/usr/bin/python3
"""Regenerates samples/: the bundled demo inputs.

content.jpg  scikit-image's rocket.jpg (public domain, NASA), Debian python3-skimage
style.jpg    Wesnoth story art landscape-hills-02.jpg (GPL-2+), Debian wesnoth-1.16-data
*_map.png    doodle maps painted by this script (flat colours; same colour = same region)
usage: tools/make_samples.py WESNOTH_STORY_DIR
"""
import sys
from PIL import Image, ImageDraw

SKY, GROUND, ROCKET = (40, 90, 230), (40, 170, 60), (220, 40, 40)

content = Image.open("/usr/lib/python3/dist-packages/skimage/data/rocket.jpg").convert("RGB")
content.save("samples/content.jpg", quality=92)
w, h = content.size
m = Image.new("RGB", (w, h), SKY)
d = ImageDraw.Draw(m)
d.rectangle([0, int(h * 0.83), w, h], fill=GROUND)
d.rectangle([int(w * 0.40), int(h * 0.05), int(w * 0.62), int(h * 0.83)], fill=ROCKET)
m.save("samples/content_map.png")

style = Image.open(sys.argv[1] + "/landscape-hills-02.jpg").convert("RGB")
style.thumbnail((640, 640), Image.LANCZOS)
style.save("samples/style.jpg", quality=92)
w, h = style.size
m = Image.new("RGB", (w, h), SKY)
ImageDraw.Draw(m).rectangle([0, int(h * 0.45), w, h], fill=GROUND)
m.save("samples/style_map.png")
