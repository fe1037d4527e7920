"""Summaries of run_eval's results: the tables of summary.md, the contact
sheet, and the whole quality report (weights/QUALITY.md) with issue 14's
targets.  Reads results.tsv and psnr.tsv; runs nothing except the PSNR step
(eval_results.psnr) when a decoder file changed."""
import datetime
import os
import re
import statistics
import subprocess

from PIL import Image, ImageDraw

from eval_data import (KERNELS, REPO, SHEET_GRID, SHEET_SEMANTIC, STYLES, SWEEP_GRID,
                       SWEEP_SEMANTIC, grid_cases, log, semantic_cases)
from eval_results import (color_match_of, current_rows, current_tags, default_color_match,
                          default_gammas, default_method, default_passes, method_of, psnr, read_results,
                          setting_of, sha256_file)

# Issue 14's targets for the default settings (grid + semantic photo cases,
# means): texture must move (band-pass patch distribution, which colour
# cannot fake), the style as a whole must move, the photo must stay.
TARGET_TEXTURE_RATIO = 0.70
TARGET_STYLE_RATIO = 0.45
TARGET_CONTENT_SSIM = 0.60


# Issue 14's decoder targets (reconstruction PSNR on BSDS500 test images).
TARGET_PSNR = {"relu3_1": 27.0, "relu4_1": 26.0}


def figure(r, f):
    """A row's figure as a float; None where the row has none (texture_ratio
    is empty in rows scored before quality.py printed it)."""
    v = r.get(f) or ""
    return float(v) if v else None


FIGURES = ("texture_ratio", "style_ratio", "content_ssim")


def means(rows):
    """Mean texture_ratio, style_ratio, content_ssim of rows; a figure some
    row lacks is None (a mean over part of the rows would mislead)."""
    out = []
    for f in FIGURES:
        v = [figure(r, f) for r in rows]
        out.append(None if not v or None in v else statistics.mean(v))
    return tuple(out)


def fmt3(m):
    """texture / style / ssim, '-' for a missing figure."""
    return " / ".join("-" if v is None else "%.3f" % v for v in m)


def targets_met(m):
    tr, sr, ss = m
    return (tr is not None and tr <= TARGET_TEXTURE_RATIO and sr is not None and
            sr <= TARGET_STYLE_RATIO and ss is not None and ss >= TARGET_CONTENT_SSIM)


def verdict(value, target, below):
    if value is None:
        return "not measured"
    ok = value <= target if below else value >= target
    return "met" if ok else "NOT met"


def method_label(method):
    """'default' rows ran the CLI's default method: name it."""
    return "%s (default)" % default_method() if method == "default" else method


def fmt_gamma(g, dg, kernel):
    return "default (%s)" % dg[kernel] if g == "default" and kernel in dg else g


def stats(vals):
    if not vals or None in vals:
        return "-", "-"
    return "%.3f" % statistics.mean(vals), "%.3f" % statistics.median(vals)


def config_of(r):
    """What a run was made with, apart from the pair: one column or row of a table."""
    return (r["layer"], r["kernel"], method_of(r), r["gamma"], r["iterations"], r["max_size"])


def config_order(k):
    return (k[0], KERNELS.index(k[1]) if k[1] in KERNELS else 9, k[2] != "default", k[2],
            -1 if k[3] == "default" else float(k[3]), k[4])


def column_name(k):
    """A table column for a default-gamma config: layer, kernel, method."""
    return "%s %s %s" % (k[0], k[1], method_label(k[2]))


def default_config_rows(rows):
    return [r for r in rows if r["gamma"] == "default" and r["iterations"] == "default"]


def group_table(rows, dg, sets):
    """Means/medians per configuration and set."""
    groups = {}
    for r in rows:
        groups.setdefault(config_of(r), []).append(r)
    lines = ["| layer | kernel | method | gamma | iter | max-size | set | n | texture_ratio mean | median "
             "| style_ratio mean | median | content_ssim mean | median | all three targets (means) |",
             "| --- | --- | --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| --- |"]
    for key in sorted(groups, key=config_order):
        rs = groups[key]
        for name, sel in sets:
            sub = [r for r in rs if sel(r)]
            if not sub or (name.startswith("all") and not any(r["set"] == "grid" for r in sub)):
                continue  # no 'all' row when it would repeat the semantic one
            cols = [stats([figure(r, f) for r in sub]) for f in FIGURES]
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                key[0], key[1], method_label(key[2]), fmt_gamma(key[3], dg, key[1]), key[4], key[5],
                name, len(sub), *cols[0], *cols[1], *cols[2], "yes" if targets_met(means(sub)) else "no"))
    return "\n".join(lines)


SETS_MAIN = [
    ("grid", lambda r: r["set"] == "grid"),
    ("semantic (photo)", lambda r: r["set"] == "semantic" and r["kind"] != "doodle"),
    ("all (grid + semantic photo)", lambda r: r["kind"] != "doodle"),
    ("doodle", lambda r: r["kind"] == "doodle"),
]


def per_case_table(rows, dg):
    sem = [r for r in rows if r["set"] == "semantic"]
    cols = sorted({config_of(r) for r in sem}, key=config_order)
    if not cols:
        return ""
    cell = {(r["case"], config_of(r)): r for r in sem}
    cases = sorted({r["case"] for r in sem})
    kinds = {r["case"]: r["kind"] for r in sem}
    head = "| case | kind | " + " | ".join(column_name(c) + ("" if c[3] == "default" else " g=" + c[3])
                                           for c in cols) + " |"
    lines = ["Each cell: texture_ratio / style_ratio / content_ssim.", "", head,
             "| --- | --- |" + " ---: |" * len(cols)]
    for case in cases:
        cells = [fmt3(means([cell[(case, c)]])) if (case, c) in cell else "-" for c in cols]
        lines.append("| %s | %s | %s |" % (case, kinds[case], " | ".join(cells)))
    return "\n".join(lines)


def common_table(rows):
    """Kernels/layers/methods compared on exactly the same pairs (runs may
    cover different subsets when a full run was too slow)."""
    d = [r for r in default_config_rows(rows) if r["kind"] != "doodle"]
    cols = sorted({config_of(r) for r in d}, key=config_order)
    if len(cols) < 2:
        return ""
    have = {}
    for r in d:
        have.setdefault((r["set"], r["case"]), {})[config_of(r)] = r
    # Drop the least-run column until some pairs are common to all columns.
    while len(cols) > 1 and not any(all(c in v for c in cols) for v in have.values()):
        cols.remove(min(cols, key=lambda c: sum(c in v for v in have.values())))
    if len(cols) < 2:
        return ""
    out = ["Same pairs for every column (pairs run with every configuration below, doodles left "
           "out): mean texture_ratio / style_ratio / content_ssim.", "",
           "| set | pairs | " + " | ".join(column_name(c) for c in cols) + " |",
           "| --- | ---: |" + " ---: |" * len(cols)]
    for name in ("grid", "semantic", "all"):
        keys = [k for k, v in have.items() if all(c in v for c in cols) and (name == "all" or k[0] == name)]
        if not keys or (name == "all" and all(k[0] == keys[0][0] for k in keys)):
            continue
        cells = [fmt3(means([have[k][c] for k in keys])) for c in cols]
        out.append("| %s | %d | %s |" % (name, len(keys), " | ".join(cells)))
    return "\n".join(out)


def by_style_table(rows):
    """Grid means per style (which styles move, which do not)."""
    grid = [r for r in default_config_rows(rows) if r["set"] == "grid"]
    cols = sorted({config_of(r) for r in grid}, key=config_order)
    if not cols:
        return ""
    style_of = lambda r: r["case"].split("__", 1)[1]  # noqa: E731
    styles = sorted({style_of(r) for r in grid})
    lines = ["Grid at the default gamma, mean over the contents per style "
             "(texture_ratio / style_ratio / content_ssim, n):",
             "", "| style | " + " | ".join(column_name(c) for c in cols) + " |",
             "| --- |" + " ---: |" * len(cols)]
    for st in styles:
        cells = []
        for c in cols:
            sub = [r for r in grid if style_of(r) == st and config_of(r) == c]
            cells.append("%s (%d)" % (fmt3(means(sub)), len(sub)) if sub else "-")
        lines.append("| %s | %s |" % (st, " | ".join(cells)))
    return "\n".join(lines)


def color_match_section(args):
    """The same runs with the colour match at its default and at each other
    --color-match value found in --out (e.g. 0 = off)."""
    rows = current_rows(args, read_results(os.path.join(args.out, "results.tsv")), True)
    setting = lambda r: (r["set"], r["case"], r["layer"], r["kernel"], r["gamma"],  # noqa: E731
                         r["iterations"], r["max_size"], method_of(r))
    dflt = {setting(r): r for r in rows if color_match_of(r) == "default"}
    lines = []
    for cm in sorted({color_match_of(r) for r in rows} - {"default"}):
        pairs = [(r, dflt[setting(r)]) for r in rows if color_match_of(r) == cm and
                 setting(r) in dflt and r["kind"] != "doodle"]
        for name in sorted({(r["layer"], r["kernel"], method_of(r), r["gamma"]) for r, _ in pairs}):
            sel = [(a, b) for a, b in pairs if (a["layer"], a["kernel"], method_of(a), a["gamma"]) == name]
            lines.append("| %s | %s | %s | %s | %s | %d | %s | %s |" % (
                name[:2] + (method_label(name[2]), name[3], cm, len(sel), fmt3(means([a for a, _ in sel])),
                            fmt3(means([b for _, b in sel])))))
    if not lines:
        return ""
    return "\n".join([
        "## Colour match", "",
        "The engine's last step moves each region's RGB mean and covariance towards its style "
        "region's (`--color-match`, default %s; engine/color_match.h). The same runs (doodles "
        "left out) with another strength and at the default: mean texture_ratio / style_ratio / "
        "content_ssim." % default_color_match(), "",
        "| layer | kernel | method | gamma | --color-match | n | that strength | default |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |"] + lines + [""])


def psnr_table(prows):
    if not prows:
        return "(not measured)"
    lines = ["| decoder | sha256 (first 16) | BSDS500 test images | mean PSNR | min | max | target | met |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in prows:
        t = TARGET_PSNR[r["layer"]]
        lines.append("| decoder_%s | `%s` | %s | **%s dB** | %s | %s | >= %g dB | %s |" % (
            r["layer"], r["sha256"][:16], r["n"], r["mean"], r["min"], r["max"], t,
            "yes" if float(r["mean"]) >= t else "no"))
    return "\n".join(lines)


def summary_md(args, rows, prows):
    dg = default_gammas()
    allrows = read_results(os.path.join(args.out, "results.tsv"))
    # failures of these weights that no later run of the same setting made good
    done = {setting_of(r) for r in current_rows(args, allrows, True)}
    tags = current_tags(args)
    errs = list({setting_of(r): r for r in allrows if r["status"] != "ok" and
                 tags.get(r["layer"]) == r["weights"] and setting_of(r) not in done}.values())
    secs = [float(r["seconds"]) for r in rows if r.get("seconds")]
    parts = ["## Style transfer figures", "",
             "Sets: **grid** = content photos x the 8 fixed styles; **semantic (photo)** = "
             "semantic cases with a content photo (maps used); **doodle** = the cases without a "
             "photo (the flat content map is the content, so content_ssim there is against the "
             "doodle and is left out of the 'all' row).", "",
             group_table(rows, dg, SETS_MAIN), "",
             "%d scored runs, sst-stylize wall time %.0f s in all (median %.1f s per run); "
             "%d runs failed%s." % (len(rows), sum(secs), statistics.median(secs) if secs else 0,
                                    len(errs), "" if not errs else ": " + "; ".join(
                                        "%s %s %s: %s" % (r["layer"], r["kernel"], r["case"], r["note"])
                                        for r in errs[:10])),
             "", "### Kernels on the same pairs", "", common_table(rows), "",
             "### Grid, per style", "", by_style_table(rows), "",
             "### Semantic cases, per case", "", per_case_table(rows, dg), "",
             "## Decoder-only reconstruction PSNR", "",
             "`tools/train/eval_psnr.py` (image -> encoder -> decoder -> clamp, 8-bit, "
             "first %d sorted BSDS500 test images cropped to multiples of 8):" % args.psnr_n, "",
             psnr_table(prows), ""]
    return "\n".join(parts)


def thumb(path, box):
    if path is None:  # that kernel/layer was not run on this pair
        return Image.new("RGB", (box, box), (200, 200, 200))
    try:
        im = Image.open(path).convert("RGB")
    except OSError:
        im = Image.new("RGB", (box, box), (90, 90, 90))
    im.thumbnail((box, box), Image.LANCZOS)
    cell = Image.new("RGB", (box, box), (255, 255, 255))
    cell.paste(im, ((box - im.width) // 2, (box - im.height) // 2))
    return cell


def contact_sheet(args, rows, path, box=120, limit=1_500_000):
    prep = os.path.join(args.out, "prep")
    sems = {c["case"]: c for c in semantic_cases(args.data, prep)}
    dflt = default_config_rows(rows)
    cols = sorted({config_of(r) for r in dflt}, key=config_order)
    byc = {(r["set"], r["case"], config_of(r)): r for r in dflt}
    items = []
    for c, s in SHEET_GRID:
        case = grid_cases(args.data, [c], [s])[0]
        items.append(case)
    items += [sems[n] for n in SHEET_SEMANTIC if n in sems]
    items = [it for it in items if any((it["set"], it["case"], c) in byc for c in cols)]
    if not items or not cols:
        return None
    label_h, left = 14, 0
    W = box * (2 + len(cols))
    row_h = label_h + box + label_h  # title, thumbnails, scores
    H = label_h + len(items) * row_h
    sheet = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(sheet)
    # method names shortened so a label fits its 120-px column
    for j, name in enumerate(["content", "style"] + ["%s %s %s" % (c[1], c[0][4:], method_label(c[2])[:5])
                                                     for c in cols]):
        d.text((left + j * box + 3, 1), name, fill=(0, 0, 0))
    for i, it in enumerate(items):
        y = label_h + i * row_h
        d.text((3, y + 1), it["case"][:70], fill=(0, 0, 0))
        cells = [it["content"], it["style"]]
        for c in cols:
            r = byc.get((it["set"], it["case"], c))
            cells.append(os.path.join(args.out, r["output"]) if r else None)
        for j, p in enumerate(cells):
            sheet.paste(thumb(p, box), (j * box, y + label_h))
            r = byc.get((it["set"], it["case"], cols[j - 2])) if j >= 2 else None
            if r:
                d.text((j * box + 3, y + label_h + box + 1),
                       "t%s s%s c%s" % tuple((r.get(f) or "-")[:4] for f in FIGURES), fill=(0, 0, 0))
    sheet.save(path, optimize=True)
    if os.path.getsize(path) > limit:  # photos compress badly: fall back to a palette
        sheet.quantize(256, method=Image.MEDIANCUT).save(path, optimize=True)
    return path


def readme_shas(weights):
    try:
        with open(os.path.join(weights, "README.md")) as f:
            return dict(re.findall(r"`([\w.]+\.(?:safetensors|tsv))`.*?`([0-9a-f]{64})`", f.read()))
    except OSError:
        return {}


def git_head(report_path):
    """HEAD, and whether the tracked files differ from it, the report being
    written left out (a regenerated report always differs from its last
    version)."""
    try:
        h = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no",
                                "--", ".", ":(exclude)" + os.path.abspath(report_path)],
                               capture_output=True, text=True).stdout.strip()
        return h + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def sweep_section(sweep_out, args):
    rows = current_rows(args, read_results(os.path.join(sweep_out, "results.tsv")))
    floor = [r for r in rows if r["set"] == "floor"]
    rows = [r for r in rows if r["set"] != "floor"]
    if not rows:
        return ""
    dg = default_gammas()
    groups = {}
    for r in rows:
        groups.setdefault((r["layer"], r["kernel"], r["gamma"], r["iterations"], r["max_size"]), []).append(r)
    n_pairs = len({(r["set"], r["case"]) for r in rows})
    lines = ["## Gamma sweep (choice of default gamma)", "",
             "Subset: %d pairs (grid %s; semantic %s), `--max-size %s`, relu3_1 unless stated. "
             "Means over the subset; **bold** = all three targets met "
             "(texture_ratio <= %.2f, style_ratio <= %.2f, content_ssim >= %.2f)." % (
                 n_pairs, ", ".join("%s x %s" % (c.split(".")[0], s.split(".")[0]) for c, s in SWEEP_GRID),
                 ", ".join(SWEEP_SEMANTIC), ",".join(sorted({r["max_size"] for r in rows})),
                 TARGET_TEXTURE_RATIO, TARGET_STYLE_RATIO, TARGET_CONTENT_SSIM), "",
             "| layer | kernel | gamma | iterations | n | texture_ratio | style_ratio | content_ssim "
             "| texture_ratio per pair |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    pair_order = SWEEP_SEMANTIC + ["%s__%s" % (os.path.splitext(c)[0], os.path.splitext(s)[0])
                                   for c, s in SWEEP_GRID]
    rec = {}
    num = lambda s: float(s) if s != "default" else -1  # noqa: E731
    for key in sorted(groups, key=lambda k: (k[0], KERNELS.index(k[1]) if k[1] in KERNELS else 9,
                                             num(k[2]), num(k[3]))):
        rs = groups[key]
        m = means(rs)
        tr, sr, ss = m
        ok = targets_met(m)
        b = "**" if ok else ""
        byp = {r["case"]: (r.get("texture_ratio") or "-")[:4] for r in rs}
        lines.append("| %s | %s | %s | %s | %d | %s | %s |" % (
            key[0], key[1], fmt_gamma(key[2], dg, key[1]), key[3], len(rs),
            " | ".join(b + ("-" if v is None else "%.3f" % v) + b for v in m),
            " ".join(byp.get(p, "-") for p in pair_order)))
        if ok and key[3] == "default":
            best = rec.get((key[0], key[1]))
            # Smallest gamma that reaches the style target keeps the most content.
            if best is None or num(key[2]) < num(best[0]):
                rec[(key[0], key[1])] = (key[2], tr, sr, ss)
    if floor:
        lines += ["", "gamma 0 = no style term in feature space: the decoder's reconstruction of the "
                  "content, followed by the colour match at its default strength.  Reference floor: the decoder's "
                  "reconstruction of each *style* image (`sst-stylize STYLE STYLE --gamma 0`), scored "
                  "against the pair's content, gives mean style_ratio **%.3f** over %d pairs (min %.3f, "
                  "max %.3f): a perfect match of the style's features decodes to about that image, so "
                  "with this encoder/decoder style_ratio should not be expected to go much below it, "
                  "whatever the kernel or gamma." % (
                      statistics.mean(float(r["style_ratio"]) for r in floor), len(floor),
                      min(float(r["style_ratio"]) for r in floor),
                      max(float(r["style_ratio"]) for r in floor))]
    lines += ["", "Pairs in the per-pair column, in order: %s." % ", ".join(pair_order)]
    try:
        with open(os.path.join(sweep_out, "commands.txt")) as f:
            lines += ["", "Commands run in the sweep folder (all weights versions; the table "
                      "uses only the rows of the current weights):", "", "```", f.read().strip(), "```"]
    except OSError:
        pass
    lines += ["", "Smallest gamma (at the default iteration count) meeting all three targets on this subset:", ""]
    for layer, kernel in sorted({(k[0], k[1]) for k in groups}):
        r = rec.get((layer, kernel))
        lines.append("- %s %s: %s" % (layer, kernel, "gamma %s (texture_ratio %.3f, style_ratio %.3f, content_ssim %.3f)" % r
                                      if r else "none of the gammas tried"))
    return "\n".join(lines) + "\n"


def targets_lines(args, rows, prows, dg):
    """The report's verdicts: issue 14's three targets for poly at relu3_1 and
    the default gamma, once per method run; decoder PSNR; relu4_1 beside
    relu3_1 on the same runs."""
    d = [r for r in default_config_rows(rows) if r["layer"] == "relu3_1" and r["kernel"] == "poly"
         and r["kind"] != "doodle"]
    out = []
    for method in sorted({method_of(r) for r in d}, key=lambda m: (m != "default", m)):
        sub = [r for r in d if method_of(r) == method]
        tr, sr, ss = means(sub)
        fmt = lambda v: "-" if v is None else "%.3f" % v  # noqa: E731
        out.append("- poly, relu3_1, gamma %s, passes %s, method %s, max-size %s, %d runs (grid + semantic photo "
                   "cases): mean texture_ratio **%s** (target <= %.2f: %s), style_ratio **%s** (target "
                   "<= %.2f: %s), content_ssim **%s** (target >= %.2f: %s)." % (
                       dg.get("poly", "default"), default_passes(), method_label(method),
                       ",".join(sorted({r["max_size"] for r in sub})), len(sub),
                       fmt(tr), TARGET_TEXTURE_RATIO, verdict(tr, TARGET_TEXTURE_RATIO, True),
                       fmt(sr), TARGET_STYLE_RATIO, verdict(sr, TARGET_STYLE_RATIO, True),
                       fmt(ss), TARGET_CONTENT_SSIM, verdict(ss, TARGET_CONTENT_SSIM, False)))
    if not d:
        out.append("- Default settings: no runs found in %s." % args.out)
    for r in prows:
        out.append("- decoder_%s reconstruction PSNR **%s dB** (target >= %g dB: %s)." % (
            r["layer"], r["mean"], TARGET_PSNR[r["layer"]],
            verdict(float(r["mean"]), TARGET_PSNR[r["layer"]], False)))
    r4 = [r for r in default_config_rows(rows) if r["layer"] == "relu4_1"]
    r3 = {(r["set"], r["case"], r["kernel"], method_of(r)): r for r in default_config_rows(rows)
          if r["layer"] == "relu3_1"}
    for kernel, method in sorted({(r["kernel"], method_of(r)) for r in r4}):
        for name, sel in SETS_MAIN:
            a = [r for r in r4 if r["kernel"] == kernel and method_of(r) == method and sel(r)]
            if not a or (name.startswith("all") and not any(r["set"] == "grid" for r in a)):
                continue
            same = [r3[k] for k in ((r["set"], r["case"], kernel, method) for r in a) if k in r3]
            line = "- relu4_1 %s, method %s, %s (%d runs): mean texture_ratio / style_ratio / " \
                   "content_ssim %s" % (kernel, method_label(method), name, len(a), fmt3(means(a)))
            if same:
                line += "; relu3_1 on the same %d runs: %s" % (len(same), fmt3(means(same)))
            out.append(line + ".")
    if not r4:
        out.append("- relu4_1: not run.")
    return out


def report(args):
    rows = current_rows(args, read_results(os.path.join(args.out, "results.tsv")))
    prows = [] if args.no_psnr else psnr(args)
    dg = default_gammas()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    shas = readme_shas(args.weights)
    wl = ["| file | sha256 | matches weights/README.md |", "| --- | --- | --- |"]
    for f in ("encoder.safetensors", "decoder_relu3_1.safetensors", "decoder_relu4_1.safetensors"):
        p = os.path.join(args.weights, f)
        if os.path.exists(p):
            s = sha256_file(p)
            wl.append("| `%s` | `%s` | %s |" % (f, s, "yes" if shas.get(f) == s else
                                                "NO (README says %s)" % shas.get(f, "nothing")))
    try:
        with open(os.path.join(args.out, "commands.txt")) as f:
            cmds = f.read().strip()
    except OSError:
        cmds = "(none recorded)"
    verdict = targets_lines(args, rows, prows, dg)
    sheet = os.path.join(args.out, "contact_sheet.png")
    parts = [
        "# Quality report", "",
        "Generated by `tools/eval/run_eval.py --report` on %s from the runs in `%s` "
        "(repository at %s). Do not edit by hand: re-run the commands below." % (now, args.out, git_head(args.report)), "",
        "## Weights measured", "", "\n".join(wl), "",
        "## Targets", "", "\n".join(verdict), "",
        "## How to run", "",
        "`tools/eval/run_eval.py` runs `sst-stylize` (one thread) over the images in "
        "`../shared/data/styletransfer/` and scores each output with `../shared/tools/quality.py`: "
        "**style_ratio** = sliced Wasserstein distance between multi-scale 7x7 patch distributions "
        "of output and style divided by that of content and style (1.0 = nothing transferred, lower "
        "= closer to the style); **texture_ratio** = the same ratio over the three band-pass pyramid "
        "levels only, i.e. without the low-pass (colour) level that makes up most of style_ratio: "
        "1.0 = no texture moved, and a colour grading of the photo cannot lower it; "
        "**content_ssim** = luminance SSIM of output against content. "
        "The grid is every content photo x 8 fixed styles (listed in the script); the semantic "
        "set is every `semantic/<case>/` with its maps (see Notes for the special cases). Outputs, "
        "`results.tsv`, `summary.md` and `contact_sheet.png` go to `--out` (default "
        "`/var/tmp/sst-eval`), never into the repository: they contain the evaluation images, "
        "which are research material that is not committed (so the contact sheet is not "
        "committed either). Runs already in `results.tsv` for the same settings and the same "
        "weights files are skipped, so an interrupted run resumes and new weights are re-run. "
        "From the repository root:", "",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize          # relu3_1, 4 kernels",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --kernels poly --method patch --no-psnr                                              # patch method",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --layer relu4_1 --kernels poly                                                       # relu4_1",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --out /var/tmp/sst-eval/sweep --sweep --gammas 3,10,30,100,300,1000          # gamma sweep",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --out /var/tmp/sst-eval/sweep --sweep --floor                                       # decoder floor",
        "    nice -n 10 /usr/bin/python3 tools/eval/run_eval.py --sst build/cli/sst-stylize \\",
        "        --kernels poly --color-match 0 --no-psnr                                             # colour match off",
        "    /usr/bin/python3 tools/eval/run_eval.py --report weights/QUALITY.md --sweep-out /var/tmp/sst-eval/sweep \\",
        "        --notes tools/eval/quality_notes.md",
        "",
        "The last command also measures decoder PSNR (cached per decoder sha256) and redraws "
        "`%s` (rows: 3 grid pairs and 5 semantic cases; columns: content, style, one output per "
        "kernel/layer/method at its default gamma; each output is labelled t(exture_ratio) "
        "s(tyle_ratio) c(ontent_ssim))." % sheet,
        "", "Commands run in `--out` (all weights versions; the tables use only the rows of the "
        "current weights files):", "", "```", cmds, "```", "",
        summary_md(args, rows, prows),
    ]
    cm = color_match_section(args)
    if cm:
        parts.append(cm)
    sw = sweep_section(args.sweep_out, args) if args.sweep_out else ""
    if sw:
        parts.append(sw)
    parts += ["## Notes", "",
              "- Counts: `content/` has %d photos, the grid uses %d styles, `semantic/` has %d cases "
              "(%s)." % (len(os.listdir(os.path.join(args.data, "content"))), len(STYLES),
                         len(semantic_cases(args.data, os.path.join(args.out, "prep"))),
                         ", ".join("%d %s" % (n, k) for k, n in sorted(_kind_counts(args).items()))),
              "- `adain_spatial_two_styles` has two whole style images and no style map: the tool "
              "stacks style_fg above style_bg into one style image with a white-over-black map "
              "(files in `--out/prep/`), which is the case's meaning (white region -> style_fg, "
              "black -> style_bg); style_ratio is measured against that stacked image.",
              "- The two doodle cases have no photo: the flat content map is passed as the content "
              "image (and to quality.py as CONTENT), so their content_ssim compares with a flat "
              "doodle; they are summarised separately and left out of the 'all' means.",
              "- Maps whose size differs from their image (dpst_07's maps are 700x393, its photo "
              "700x394) are resized with nearest neighbour into `--out/prep/`; the CLI refuses "
              "mismatched maps.",
              "- `--max-size` limits the content's long side inside sst-stylize; the output is "
              "scaled back to the content's size, which is what quality.py compares.",
              "- quality.py's `--mask-content/--mask-style` appear in its usage line but are not "
              "implemented; style_ratio compares whole images, also for semantic cases.",
              "- Timings are wall-clock on a 2-core machine shared with other jobs: noisy.", ""]
    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            parts += [f.read().strip(), ""]
    contact_sheet(args, rows, sheet)
    with open(args.report, "w") as f:
        f.write("\n".join(parts))
    log("wrote %s and %s" % (args.report, sheet))


def _kind_counts(args):
    n = {}
    for c in semantic_cases(args.data, os.path.join(args.out, "prep")):
        n[c["kind"]] = n.get(c["kind"], 0) + 1
    return n
