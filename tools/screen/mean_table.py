"""The screen harnesses' table: one markdown row per configuration, the
means of the figures over the rows (cases or pairs) that every
configuration has, so each row is measured on the same images."""
import numpy as np

FIGURES = ("texture_ratio", "style_ratio", "content_ssim", "seconds")


def mean_table(rows, confs, key, noun):
    """rows: result dicts with `key` (the case/pair column), "conf" and
    FIGURES; prints the table and returns the names measured by all."""
    by = {}
    for r in rows:
        by.setdefault(r[key], {})[r["conf"]] = r
    names = [n for n, d in by.items() if all(c in d for c in confs)]
    print("| configuration | %ss | texture_ratio | style_ratio | content_ssim | s/%s |" % (noun, noun))
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for c in confs:
        v = [by[n][c] for n in names]
        means = [np.mean([float(r[f]) for r in v]) if v else float("nan") for f in FIGURES]
        print("| `%s` | %d | %.3f | %.3f | %.3f | %.1f |" % ((c, len(v)) + tuple(means)))
    return names
