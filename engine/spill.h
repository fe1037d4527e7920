/* spill.h - a feature grid kept in an unlinked temporary file instead of
 * memory, so that a large image's features (relu3_1: 64 bytes a pixel,
 * 3 GB at 48 MP) do not count against the process's memory.
 *
 * The encoder writes it tile by tile, the statistics read it back in bands
 * of rows and the decoder one rectangle at a time (tiles.h), so only a
 * tile's worth is ever in memory.  The file is laid out cell-major (the C
 * values of a cell together) so a rectangle's row is one read.  It lives
 * in $TMPDIR (else /tmp) and has no name: it goes when it is closed or the
 * process ends. */
#ifndef SST_SPILL_H
#define SST_SPILL_H
#include "sst.h"

typedef struct sst_spill sst_spill;

/* A C x h x w grid of floats in a new temporary file. */
sst_status sst_spill_new(int C, int w, int h, sst_spill **out, sst_error *err);
void sst_spill_free(sst_spill *sp);

/* Stores the planar block src (C x bh x bw, plane stride bw*bh) at grid
 * cell (x0, y0). */
sst_status sst_spill_put(sst_spill *sp, int x0, int y0, int bw, int bh,
                         const float *src, sst_error *err);
/* Reads the rectangle [x0, x0+bw) x [y0, y0+bh) into out as planar
 * C x bh x bw.  Puts must not overlap each other; gets may run
 * together (pread). */
sst_status sst_spill_get(const sst_spill *sp, int x0, int y0, int bw, int bh,
                         float *out, sst_error *err);
#endif
