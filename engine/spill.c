/* spill.c - features in an unlinked temporary file (spill.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "spill.h"

struct sst_spill {
  int fd, C, w, h;
  float *row; /* one grid row of cells, C floats each: put's transpose */
};

sst_status sst_spill_new(int C, int w, int h, sst_spill **out, sst_error *err) {
  *out = NULL;
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  char path[4096];
  snprintf(path, sizeof path, "%s/sst-features-XXXXXX", dir);
  sst_spill *sp = calloc(1, sizeof *sp);
  if (!sp)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory for a feature file");
  sp->row = malloc(sizeof(float) * (size_t)C * (size_t)w);
  sp->fd = sp->row ? mkstemp(path) : -1;
  if (sp->fd < 0) {
    int e = errno;
    free(sp->row);
    free(sp);
    return e == 0 ? sst_fail(err, SST_ERR_NOMEM,
                             "out of memory for a feature file")
                  : sst_fail(err, SST_ERR_IO,
                             "cannot create a temporary feature file in %s: %s",
                             dir, strerror(e));
  }
  unlink(path); /* nameless: gone when closed, whatever happens */
  sp->C = C;
  sp->w = w;
  sp->h = h;
  const off_t bytes = (off_t)sizeof(float) * C * (off_t)w * h;
  if (ftruncate(sp->fd, bytes) != 0) {
    int e = errno;
    sst_spill_free(sp);
    return sst_fail(err, SST_ERR_IO,
                    "cannot make a %.1f GB temporary feature file in %s: %s",
                    (double)bytes / 1e9, dir, strerror(e));
  }
  *out = sp;
  return SST_OK;
}

void sst_spill_free(sst_spill *sp) {
  if (!sp)
    return;
  close(sp->fd);
  free(sp->row);
  free(sp);
}

/* Planar row (C rows of n, plane stride `stride`) <-> n cells of C floats,
 * in 16 x 16 blocks so both sides stay within a few cache lines: a plain
 * loop strides one side by a whole plane or C floats an element, and at
 * 48 MP the file moves 3 GB each way. */
#define TB 16
/* Element (x, c), x < n, c < C: dst[x*dx + c*dc] = src[x*sx + c*sc]. */
static void blocked_copy(float *dst, size_t dx, size_t dc, const float *src,
                         size_t sx, size_t sc, int n, int C) {
  for (int x0 = 0; x0 < n; x0 += TB)
    for (int c0 = 0; c0 < C; c0 += TB)
      for (int c = c0; c < c0 + TB && c < C; c++)
        for (int x = x0; x < x0 + TB && x < n; x++)
          dst[(size_t)x * dx + (size_t)c * dc] = src[(size_t)x * sx + (size_t)c * sc];
}

static void to_cells(float *cells, const float *planar, size_t stride, int n,
                     int C) {
  blocked_copy(cells, (size_t)C, 1, planar, 1, stride, n, C);
}

static void to_planar(float *planar, const float *cells, size_t stride, int n,
                      int C) {
  blocked_copy(planar, 1, stride, cells, (size_t)C, 1, n, C);
}

static off_t cell_offset(const sst_spill *sp, int x, int y) {
  return ((off_t)y * sp->w + x) * sp->C * (off_t)sizeof(float);
}

sst_status sst_spill_put(sst_spill *sp, int x0, int y0, int bw, int bh,
                         const float *src, sst_error *err) {
  const int C = sp->C;
  const size_t plane = (size_t)bw * bh;
  for (int y = 0; y < bh; y++) {
    to_cells(sp->row, src + (size_t)y * bw, plane, bw, C);
    const size_t n = sizeof(float) * (size_t)C * bw;
    const char *p = (const char *)sp->row;
    off_t off = cell_offset(sp, x0, y0 + y);
    for (size_t done = 0; done < n;) {
      ssize_t k = pwrite(sp->fd, p + done, n - done, off + (off_t)done);
      if (k <= 0)
        return sst_fail(err, SST_ERR_IO,
                        "cannot write the temporary feature file: %s",
                        k < 0 ? strerror(errno) : "disk full");
      done += (size_t)k;
    }
  }
  return SST_OK;
}

sst_status sst_spill_get(const sst_spill *sp, int x0, int y0, int bw, int bh,
                         float *out, sst_error *err) {
  const int C = sp->C;
  const size_t plane = (size_t)bw * bh, n = sizeof(float) * (size_t)C * bw;
  float *row = malloc(n); /* its own buffer: readers may share the spill */
  if (!row)
    return sst_fail(err, SST_ERR_NOMEM, "out of memory reading features");
  for (int y = 0; y < bh; y++) {
    char *p = (char *)row;
    off_t off = cell_offset(sp, x0, y0 + y);
    for (size_t done = 0; done < n;) {
      ssize_t k = pread(sp->fd, p + done, n - done, off + (off_t)done);
      if (k <= 0) {
        free(row);
        return sst_fail(err, SST_ERR_IO,
                        "cannot read the temporary feature file: %s",
                        k < 0 ? strerror(errno) : "short file");
      }
      done += (size_t)k;
    }
    to_planar(out + (size_t)y * bw, row, plane, bw, C);
  }
  free(row);
  return SST_OK;
}
