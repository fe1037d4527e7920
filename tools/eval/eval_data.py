"""The evaluation set of tools/eval/run_eval.py: where the shared images are,
the grid's fixed styles, the semantic cases with their maps (prepared into
--out/prep when a case needs it), and the pairs the contact sheet and the
gamma sweep use.  Changing a list here changes what every later report
compares, so the lists are fixed."""
import json
import os
import sys

from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
DEFAULT_DATA = os.path.join(SHARED, "data", "styletransfer")
DEFAULT_QUALITY = os.path.join(SHARED, "tools", "quality.py")
DEFAULT_BSDS = os.path.join(SHARED, "data", "bsds500", "images", "test")
KERNELS = ["poly", "linear", "gaussian", "bn"]  # poly first: it is the default


# The fixed 8 styles of the grid (file names in DATA/style).  Chosen by hand
# once, for variety (brush texture, flat colour, drawing, photo-like paint),
# and never changed, so figures stay comparable between weight versions.
STYLES = [
    "neuralstyle_starry_night.jpg",        # Van Gogh: strong brush texture
    "neuralstyle_the_scream.jpg",          # Munch: swirling bands
    "neuralstyle_shipwreck.jpg",           # Turner: soft, dark, low contrast
    "adain_la_muse.jpg",                   # Picasso: flat cubist shapes
    "adain_woman_with_hat_matisse.jpg",    # Matisse: fauvist colour
    "adain_asheville.jpg",                 # de Kooning: abstract strokes
    "adain_en_campo_gris.jpg",             # Kandinsky: shapes on grey
    "painterly_28.jpg",                    # Monet, Haystacks: impressionist
]


# Contact-sheet rows: a few grid pairs and semantic cases (skipped if absent).
SHEET_GRID = [
    ("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
    ("neuralstyle_tubingen.jpg", "neuralstyle_the_scream.jpg"),
    ("adain_brad_pitt.jpg", "adain_woman_with_hat_matisse.jpg"),
]


SHEET_SEMANTIC = ["dpst_21", "portrait_gogh_seth", "renoir_creek",
                  "doodle_monet_coastline", "adain_spatial_two_styles"]


# Small fixed subset used by --sweep (gamma sweep): 4 grid pairs + 2 cases.
SWEEP_GRID = [
    ("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
    ("neuralstyle_tubingen.jpg", "neuralstyle_the_scream.jpg"),
    ("adain_sailboat.jpg", "adain_la_muse.jpg"),
    ("adain_cornell.jpg", "painterly_28.jpg"),
]


SWEEP_SEMANTIC = ["dpst_21", "portrait_gogh_seth"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fit_map(map_path, image_path, prep_dir, tag):
    """Maps must have their image's size (the CLI refuses otherwise).  One
    shared case (dpst_07) has a map one row shorter than its photo: resize
    such maps with nearest neighbour into prep_dir and say so."""
    with Image.open(image_path) as im, Image.open(map_path) as mp:
        if im.size == mp.size:
            return map_path, ""
        os.makedirs(prep_dir, exist_ok=True)
        out = os.path.join(prep_dir, tag + ".png")
        if not os.path.exists(out):
            mp.convert("RGB").resize(im.size, Image.NEAREST).save(out)
        return out, "%s %dx%d resized (nearest) to %dx%d" % (
            os.path.basename(map_path), mp.size[0], mp.size[1], im.size[0], im.size[1])


def two_style_composite(case_dir, files, prep_dir):
    """AdaIN's spatial-control case has two whole style images and no style
    map; the CLI takes one style, so stack them (fg above bg) and make the
    matching map (white over black), which is exactly 'white region takes
    style_fg, black region takes style_bg'."""
    os.makedirs(prep_dir, exist_ok=True)
    sp = os.path.join(prep_dir, "adain_spatial_style.png")
    mp = os.path.join(prep_dir, "adain_spatial_style_map.png")
    if not (os.path.exists(sp) and os.path.exists(mp)):
        fg = Image.open(os.path.join(case_dir, files["style_fg"])).convert("RGB")
        bg = Image.open(os.path.join(case_dir, files["style_bg"])).convert("RGB")
        w = min(fg.width, bg.width)
        fg = fg.resize((w, round(fg.height * w / fg.width)), Image.LANCZOS)
        bg = bg.resize((w, round(bg.height * w / bg.width)), Image.LANCZOS)
        st = Image.new("RGB", (w, fg.height + bg.height))
        st.paste(fg, (0, 0))
        st.paste(bg, (0, fg.height))
        st.save(sp)
        m = Image.new("RGB", st.size, (0, 0, 0))
        m.paste((255, 255, 255), (0, 0, w, fg.height))
        m.save(mp)
    return sp, mp


def semantic_cases(data, prep_dir):
    out = []
    root = os.path.join(data, "semantic")
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        cj = os.path.join(d, "case.json")
        if not os.path.isfile(cj):
            continue
        with open(cj) as f:
            files = json.load(f).get("files", {})
        p = lambda k: os.path.join(d, files[k])  # noqa: E731
        notes = []
        if "style_fg" in files and "style_bg" in files:
            kind = "two_styles"
            content, cmap = p("content"), p("content_map")
            style, smap = two_style_composite(d, files, prep_dir)
            notes.append("style_fg over style_bg stacked into one style + map")
        elif "content" not in files:
            # Pure doodle synthesis: the flat content map is the only content.
            kind = "doodle"
            content = cmap = p("content_map")
            style, smap = p("style"), p("style_map")
            notes.append("no photo: content = content_map")
        else:
            kind = "photo"
            content, cmap, style, smap = p("content"), p("content_map"), p("style"), p("style_map")
        cmap, n1 = fit_map(cmap, content, prep_dir, name + "_content_map")
        smap, n2 = fit_map(smap, style, prep_dir, name + "_style_map")
        notes += [n for n in (n1, n2) if n]
        out.append(dict(set="semantic", case=name, kind=kind, content=content,
                        style=style, cmap=cmap, smap=smap, note="; ".join(notes)))
    return out


def grid_cases(data, contents, styles):
    cdir, sdir = os.path.join(data, "content"), os.path.join(data, "style")
    out = []
    for c in contents:
        for s in styles:
            out.append(dict(set="grid", case="%s__%s" % (os.path.splitext(c)[0], os.path.splitext(s)[0]),
                            kind="photo", content=os.path.join(cdir, c), style=os.path.join(sdir, s),
                            cmap=None, smap=None, note=""))
    return out
