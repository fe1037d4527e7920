/* conv_winograd.c - Winograd F(4x4, 3x3) convolution (see conv_winograd.h).
 *
 * Interpolation points 0, 1, -1, 2, -1/2 (and infinity) rather than the
 * usual 0, +-1, +-2 (Lavin & Gray 2016): mixing a point with its
 * reciprocal keeps the transform entries small, and measured 2.5-3x less
 * float32 error for cin = 64..512 (bench/NOTES.md; cf. Barabasz et al.
 * 2020, "Error analysis and improving the accuracy of Winograd
 * convolution").  Derived with exact rationals from the points:
 *   B' = [1 3/2 -2 -3/2 1 0;  0 -1 -5/2 -1/2 1 0;  0 1 1/2 -5/2 1 0;
 *         0 -1/2 -1 1/2 1 0;  0 2 -1 -2 1 0;  0 1 3/2 -2 -3/2 1]
 *   G  = [1 0 0; -1/3 -1/3 -1/3; 1/3 -1/3 1/3; 1/15 2/15 4/15;
 *         -16/15 8/15 -4/15; 0 0 1]
 *   A' = [1 1 1 1 1 0; 0 1 -1 2 -1/2 0; 0 1 1 4 1/4 0; 0 1 -1 8 -1/8 1]
 * All B' and A' entries are exact in float32.
 *
 * Layout per band of T tiles (tile rows ty0..ty1, tiles_x per row):
 *   V[(xi*cin + c)*T + t]    transformed input, xi = 6*i + j
 *   M[(xi*cout + co)*T + t]  = U[xi] (cout x cin) * V[xi] (cin x T)
 * Both transforms run on whole tile rows with the tiles as the innermost,
 * contiguous index, so the compiler vectorises them across tiles. */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "conv_cache.h"
#include "conv_par.h"
#include "conv_winograd.h"
#include "gemm_bf16.h"
#include "gemm_f32.h"
#include "layers.h" /* sst_reflect1 */
#include "error.h"

#define NXI 36 /* 6 x 6 Winograd positions */

static void empty(sst_tensor *t) {
  t->c = t->h = t->w = 0;
  t->data = NULL;
}

sst_status sst_wino_weights_init(sst_wino_weights *wt, const float *weight,
                                 int cin, int cout, sst_error *err) {
  static const double G[6][3] = {{1, 0, 0},
                                 {-1.0 / 3, -1.0 / 3, -1.0 / 3},
                                 {1.0 / 3, -1.0 / 3, 1.0 / 3},
                                 {1.0 / 15, 2.0 / 15, 4.0 / 15},
                                 {-16.0 / 15, 8.0 / 15, -4.0 / 15},
                                 {0, 0, 1}};
  wt->cin = wt->cout = 0;
  wt->u = NULL;
  atomic_init(&wt->u16, NULL);
  if (!weight || cin <= 0 || cout <= 0 || (size_t)cin * (size_t)cout >
                                              (size_t)INT_MAX / NXI)
    return sst_fail(err, SST_ERR_INVALID, "winograd weights: invalid shape");
  /* a tensor for its large-page allocation; wt->u is released with free */
  sst_tensor ut;
  sst_status s = sst_tensor_alloc(&ut, NXI * cout, cin, 1, err);
  if (s)
    return s;
  float *u = ut.data;
  /* Blocks of WB input channels with the channel innermost, so the double
   * arithmetic vectorises and every store is a run along a row of u (one
   * kernel at a time wrote 36 floats cout*cin apart: 8 % of a small
   * image's run).  Each element sees the same operations in the same
   * order as one kernel at a time: the same bits. */
  enum { WB = 32 };
  for (int co = 0; co < cout; co++)
    for (int c0 = 0; c0 < cin; c0 += WB) {
      const int nb = cin - c0 < WB ? cin - c0 : WB;
      double g[9][WB], gg[6][3][WB]; /* the kernels, then G g */
      for (int c = 0; c < nb; c++)
        for (int k = 0; k < 9; k++)
          g[k][c] = weight[((size_t)co * (size_t)cin + (size_t)(c0 + c)) * 9 +
                           (size_t)k];
      for (int i = 0; i < 6; i++)
        for (int k = 0; k < 3; k++)
          for (int c = 0; c < nb; c++)
            gg[i][k][c] = G[i][0] * g[k][c] + G[i][1] * g[3 + k][c] +
                          G[i][2] * g[6 + k][c];
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
          float *dst = u + ((size_t)(6 * i + j) * (size_t)cout + (size_t)co) *
                               (size_t)cin + (size_t)c0;
          for (int c = 0; c < nb; c++) /* (G g G')[i][j] */
            dst[c] = (float)(gg[i][0][c] * G[j][0] + gg[i][1][c] * G[j][1] +
                             gg[i][2][c] * G[j][2]);
        }
    }
  wt->cin = cin;
  wt->cout = cout;
  wt->u = u;
  return SST_OK;
}

void sst_wino_weights_free(sst_wino_weights *wt) {
  if (!wt)
    return;
  free(wt->u);
  free(atomic_exchange(&wt->u16, NULL));
  wt->u = NULL;
  wt->cin = wt->cout = 0;
}

/* The bfloat16 kernels into *out, made once: concurrent first callers may
 * both build them; one copy wins, the other is freed. */
static sst_status bf16_weights(sst_wino_weights *wt, const uint32_t **out,
                               sst_error *err) {
  uint32_t *have = atomic_load(&wt->u16);
  *out = have;
  if (have)
    return SST_OK;
  const size_t words = sst_bf16_packed_a_words(wt->cout, wt->cin);
  if (words > (size_t)INT_MAX / NXI)
    return sst_fail(err, SST_ERR_INVALID, "bfloat16 kernels: too large");
  /* a tensor for its large-page allocation (a word is a float's size);
   * released with free */
  sst_tensor t;
  sst_status s = sst_tensor_alloc(&t, NXI, (int)words, 1, err);
  if (s)
    return s;
  uint32_t *u16 = (uint32_t *)t.data;
  const size_t mat = (size_t)wt->cout * (size_t)wt->cin;
  for (int xi = 0; xi < NXI; xi++)
    sst_bf16_pack_a(wt->u + (size_t)xi * mat, wt->cout, wt->cin,
                    (size_t)wt->cin, u16 + (size_t)xi * words);
  if (atomic_compare_exchange_strong(&wt->u16, &have, u16)) {
    *out = u16;
  } else {
    free(u16);
    *out = have;
  }
  return SST_OK;
}

/* The transforms of a tile row are built twice, for the baseline x86-64
 * (SSE2) and for AVX2, and the loader picks one (GCC's target_clones, an
 * ifunc): 8-wide vectors took the bf16 path's whole pipeline from 0.385 to
 * 0.355 s (bench/NOTES.md).  No FMA: ISO C11 mode keeps
 * -ffp-contract=off, so both versions round identically and results do not
 * depend on the CPU.  The 1-D transforms inline into both.  Not under
 * ThreadSanitizer: the ifunc resolver runs before its runtime is up and
 * crashes in its instrumentation. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif
#define INLINE inline __attribute__((always_inline))

/* The 1-D transforms, each over n independent columns (restrict pointer
 * parameters let the compiler vectorise across the columns). */

/* B' applied to 6 rows: o_i[x] = sum_a B'[i][a] d_a[x]. */
INLINE
static void bt_rows(const float *restrict d0, const float *restrict d1,
                    const float *restrict d2, const float *restrict d3,
                    const float *restrict d4, const float *restrict d5,
                    float *restrict o0, float *restrict o1, float *restrict o2,
                    float *restrict o3, float *restrict o4, float *restrict o5,
                    int n) {
  for (int x = 0; x < n; x++) {
    o0[x] = d0[x] + 1.5f * (d1[x] - d3[x]) - 2.0f * d2[x] + d4[x];
    o1[x] = d4[x] - d1[x] - 2.5f * d2[x] - 0.5f * d3[x];
    o2[x] = d4[x] + d1[x] + 0.5f * d2[x] - 2.5f * d3[x];
    o3[x] = d4[x] - d2[x] + 0.5f * (d3[x] - d1[x]);
    o4[x] = d4[x] - d2[x] + 2.0f * (d1[x] - d3[x]);
    o5[x] = d1[x] + 1.5f * (d2[x] - d4[x]) - 2.0f * d3[x] + d5[x];
  }
}

/* B' along a row for n tiles: tile tx reads s[4tx .. 4tx+5]. */
INLINE
static void bt_cols(const float *restrict s, float *restrict v0,
                    float *restrict v1, float *restrict v2, float *restrict v3,
                    float *restrict v4, float *restrict v5, int n) {
  for (int tx = 0; tx < n; tx++) {
    const float *d = s + 4 * tx;
    v0[tx] = d[0] + 1.5f * (d[1] - d[3]) - 2.0f * d[2] + d[4];
    v1[tx] = d[4] - d[1] - 2.5f * d[2] - 0.5f * d[3];
    v2[tx] = d[4] + d[1] + 0.5f * d[2] - 2.5f * d[3];
    v3[tx] = d[4] - d[2] + 0.5f * (d[3] - d[1]);
    v4[tx] = d[4] - d[2] + 2.0f * (d[1] - d[3]);
    v5[tx] = d[1] + 1.5f * (d[2] - d[4]) - 2.0f * d[3] + d[5];
  }
}

/* A' applied to 6 rows: o_r[x] = sum_i A'[r][i] m_i[x]. */
INLINE
static void at_rows(const float *restrict m0, const float *restrict m1,
                    const float *restrict m2, const float *restrict m3,
                    const float *restrict m4, const float *restrict m5,
                    float *restrict o0, float *restrict o1, float *restrict o2,
                    float *restrict o3, int n) {
  for (int x = 0; x < n; x++) {
    float a = m1[x] + m2[x], c = m1[x] - m2[x];
    o0[x] = m0[x] + a + m3[x] + m4[x];
    o1[x] = c + 2.0f * m3[x] - 0.5f * m4[x];
    o2[x] = a + 4.0f * m3[x] + 0.25f * m4[x];
    o3[x] = c + 8.0f * m3[x] - 0.125f * m4[x] + m5[x];
  }
}

/* A' along a row for n whole tiles, plus bias (and ReLU): output pixels
 * 4tx .. 4tx+3 of o. */
INLINE
static void at_cols(const float *restrict q0, const float *restrict q1,
                    const float *restrict q2, const float *restrict q3,
                    const float *restrict q4, const float *restrict q5,
                    float bias, int relu, float *restrict o, int n) {
  if (relu) {
    for (int tx = 0; tx < n; tx++) {
      float a = q1[tx] + q2[tx], c = q1[tx] - q2[tx];
      float y0 = q0[tx] + a + q3[tx] + q4[tx] + bias;
      float y1 = c + 2.0f * q3[tx] - 0.5f * q4[tx] + bias;
      float y2 = a + 4.0f * q3[tx] + 0.25f * q4[tx] + bias;
      float y3 = c + 8.0f * q3[tx] - 0.125f * q4[tx] + q5[tx] + bias;
      o[4 * tx] = y0 > 0.0f ? y0 : 0.0f;
      o[4 * tx + 1] = y1 > 0.0f ? y1 : 0.0f;
      o[4 * tx + 2] = y2 > 0.0f ? y2 : 0.0f;
      o[4 * tx + 3] = y3 > 0.0f ? y3 : 0.0f;
    }
  } else {
    for (int tx = 0; tx < n; tx++) {
      float a = q1[tx] + q2[tx], c = q1[tx] - q2[tx];
      o[4 * tx] = q0[tx] + a + q3[tx] + q4[tx] + bias;
      o[4 * tx + 1] = c + 2.0f * q3[tx] - 0.5f * q4[tx] + bias;
      o[4 * tx + 2] = a + 4.0f * q3[tx] + 0.25f * q4[tx] + bias;
      o[4 * tx + 3] = c + 8.0f * q3[tx] - 0.125f * q4[tx] + q5[tx] + bias;
    }
  }
}

/* Where tile t of a transformed row goes: row layouts have the tiles
 * contiguous (one panel of unbounded width), the AVX-512 products' B
 * panels (gemm_panel.h) 48 tiles per panel, panels `stride` floats apart. */
typedef struct {
  size_t width, stride;
} tile_panels;

static const tile_panels ROW_LAYOUT = {(size_t)-1, 0};

/* Input transform of one channel's tile row: the six input rows it reads
 * are r[0..5] (rows 4ty-1 .. 4ty+4, reflected or zero, chosen by the
 * caller), each w floats.  Writes tile t0 + tx of position xi at
 * V + xi*xs + its place in `panels` (V already offset by the channel).
 * t: scratch of 6 rows of pw = 4*tx_n + 2 floats. */
CLONES static void input_tile_row(const float *const r[6], int w, int tx_n,
                                  float *t, float *V, size_t xs, size_t t0,
                                  tile_panels panels) {
  const size_t pw = (size_t)4 * (size_t)tx_n + 2;
  float *q[6];
  for (int i = 0; i < 6; i++)
    q[i] = t + (size_t)i * pw;
  /* Vertical pass into columns q = x + 1; B' is linear per column, so the
   * reflected border columns are copies of transformed columns. */
  bt_rows(r[0], r[1], r[2], r[3], r[4], r[5], q[0] + 1, q[1] + 1, q[2] + 1,
          q[3] + 1, q[4] + 1, q[5] + 1, w);
  for (int i = 0; i < 6; i++) {
    float *ti = q[i];
    ti[0] = w > 1 ? ti[2] : ti[1];         /* x = -1 -> 1 */
    ti[w + 1] = w > 1 ? ti[w - 1] : ti[1]; /* x = w -> w - 2 */
    for (size_t k = (size_t)w + 2; k < pw; k++)
      ti[k] = 0.0f;                        /* past the edge: unused */
  }
  /* horizontal pass, one run of tiles per panel the row crosses */
  for (size_t a = 0; a < (size_t)tx_n;) {
    const size_t t = t0 + a, room = panels.width - t % panels.width;
    const size_t len = (size_t)tx_n - a < room ? (size_t)tx_n - a : room;
    float *v = V + t / panels.width * panels.stride + t % panels.width;
    for (int i = 0; i < 6; i++) {
      float *vi = v + (size_t)(6 * i) * xs;
      bt_cols(q[i] + 4 * a, vi, vi + xs, vi + 2 * xs, vi + 3 * xs,
              vi + 4 * xs, vi + 5 * xs, (int)len);
    }
    a += len;
  }
}

/* Output transform of one output channel's tile row: M rows (tx_n
 * contiguous floats each; position xi at M + xi*xs), bias, ReLU, into
 * nrows (<= 4, the rows left in the image) rows of w floats at dst, row
 * stride ld.  s: scratch of 24*tx_n + 4 floats. */
CLONES static void output_tile_row(const float *M, size_t xs, int tx_n,
                                   float bias, int relu, float *s, float *dst,
                                   size_t ld, int w, int nrows) {
  const size_t n = (size_t)tx_n;
  /* Vertical pass (A' over i) for each column j: rows s[(4j + r)*n]. */
  for (int j = 0; j < 6; j++) {
    const float *m = M + (size_t)j * xs;
    float *o = s + (size_t)(4 * j) * n;
    at_rows(m, m + 6 * xs, m + 12 * xs, m + 18 * xs, m + 24 * xs, m + 30 * xs,
            o, o + n, o + 2 * n, o + 3 * n, tx_n);
  }
  /* Horizontal pass (A' over j) per output row r; a partial last tile
   * goes through a 4-pixel buffer. */
  const int full = w / 4;
  float *last = s + 24 * n;
  for (int r = 0; r < nrows; r++) {
    const float *q = s + (size_t)r * n;
    float *o = dst + (size_t)r * ld;
    at_cols(q, q + 4 * n, q + 8 * n, q + 12 * n, q + 16 * n, q + 20 * n, bias,
            relu, o, full);
    if (full < tx_n) {
      at_cols(q + full, q + 4 * n + full, q + 8 * n + full,
              q + 12 * n + full, q + 16 * n + full, q + 20 * n + full, bias,
              relu, last, 1);
      for (int k = 0; 4 * full + k < w; k++)
        o[4 * full + k] = last[k];
    }
  }
}

/* One worker's scratch, in floats from its start (each part 64-byte
 * aligned): the transformed inputs V (float32, or on the reduced-precision
 * path bfloat16 pair words in B panels), the products M, the transforms'
 * row scratch, and on the bfloat16 path one tile row's transforms of two
 * channels. */
typedef struct {
  size_t v, m, tmp, sc, rows, pairs, total;
} band_layout;

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

static band_layout layout_for(int cin, int cout, size_t tmax, int tx_n, int w,
                              int bf16, int f32_panels) {
  const int cpn = (cin + 1) / 2;
  const size_t v = bf16         ? sst_panel_words(cpn, (int)tmax)
                   : f32_panels ? sst_panel_words(cin, (int)tmax)
                                : (size_t)cin * tmax;
  band_layout l;
  l.v = 0;
  l.m = l.v + align16((size_t)NXI * v);
  l.tmp = l.m + align16((size_t)NXI * (size_t)cout * tmax);
  l.sc = l.tmp + align16(6 * ((size_t)4 * (size_t)tx_n + 2));
  l.rows = l.sc + align16(24 * (size_t)tx_n + 4);
  l.pairs = l.rows + align16(6 * (size_t)w);
  l.total = l.pairs + (bf16 ? align16(2 * NXI * (size_t)tx_n) : 0);
  return l;
}

typedef struct {
  const sst_tensor *in;
  const sst_wino_weights *wt;
  const uint32_t *u16; /* bfloat16 kernels, or NULL: float32 products */
  int f32_panels;      /* float32 products on AVX-512 (gemm_f32.h) */
  const float *bias;
  int relu, band_rows, tx_n, ty_n;
  int h, w;         /* the convolution's own input size (after upsampling) */
  sst_wino_fuse fuse;
  sst_tensor *out;
  float *scratch;   /* per worker: band_layout */
  band_layout lay;
  const float *zero; /* a row of w zeros */
} wino_job;

/* The six input rows of channel plane `chan` for tile row ty.  With
 * SST_WINO_UPSAMPLED_INPUT the convolution's input is chan (h/2 x w/2)
 * upsampled 2x by nearest neighbour: its rows are built in up (6 rows of
 * w floats), a row that repeats the previous one reusing it. */
CLONES static void tile_rows(const wino_job *j, const float *chan, int ty,
                             float *up, const float *r[6]) {
  const int h = j->h, w = j->w;
  int last = -1;
  for (int a = 0; a < 6; a++) {
    const int y = 4 * ty - 1 + a;
    if (y > h) { /* read only by outputs past the bottom edge */
      r[a] = j->zero;
      continue;
    }
    const int ry = sst_reflect1(y, h);
    if (j->fuse != SST_WINO_UPSAMPLED_INPUT) {
      r[a] = chan + (size_t)ry * (size_t)w;
      continue;
    }
    const int sy = ry / 2, hw = w / 2;
    if (sy == last) {
      r[a] = r[a - 1];
      continue;
    }
    float *row = up + (size_t)a * (size_t)w;
    const float *src = chan + (size_t)sy * (size_t)hw;
    for (int x = 0; x < hw; x++)
      row[2 * x] = row[2 * x + 1] = src[x];
    r[a] = row;
    last = sy;
  }
}

/* 2x2 max-pool of rows (nrows of w floats) into pooled rows 2ty, 2ty+1 of
 * the output plane (h/2 x w/2), the same comparisons as sst_maxpool2. */
CLONES static void pool_rows(const float *rows, int w, int ty, float *outc,
                             int oh) {
  const int ow = w / 2;
  for (int q = 0; q < 2 && 2 * ty + q < oh; q++) {
    const float *r0 = rows + (size_t)(2 * q) * (size_t)w, *r1 = r0 + w;
    float *dst = outc + (size_t)(2 * ty + q) * (size_t)ow;
    for (int x = 0; x < ow; x++) {
      float a = r0[2 * x] > r0[2 * x + 1] ? r0[2 * x] : r0[2 * x + 1];
      float b = r1[2 * x] > r1[2 * x + 1] ? r1[2 * x] : r1[2 * x + 1];
      dst[x] = a > b ? a : b;
    }
  }
}

/* Input transform of the band into V, float32: for OpenBLAS row-major,
 * V[(xi*cin + c)*T + t]; for the AVX-512 kernel (j->f32_panels) position
 * xi's B panels at V + xi * sst_panel_words(cin, T). */
static void transform_band_f32(const wino_job *j, int ty0, int ty1, float *V,
                               float *tmp, float *rows, size_t T) {
  const int cin = j->in->c, tx_n = j->tx_n;
  const size_t in_plane = (size_t)j->in->h * (size_t)j->in->w;
  const size_t xs = j->f32_panels ? sst_panel_words(cin, (int)T)
                                  : (size_t)cin * T;
  const tile_panels panels =
      j->f32_panels ? (tile_panels){SST_PANEL_NR, (size_t)cin * SST_PANEL_NR}
                    : ROW_LAYOUT;
  for (int c = 0; c < cin; c++) {
    float *Vc = V + (size_t)c * (j->f32_panels ? SST_PANEL_NR : T);
    for (int ty = ty0; ty < ty1; ty++) {
      const float *r[6];
      tile_rows(j, j->in->data + (size_t)c * in_plane, ty, rows, r);
      input_tile_row(r, j->w, tx_n, tmp, Vc, xs,
                     (size_t)(ty - ty0) * (size_t)tx_n, panels);
    }
  }
  if (j->f32_panels)
    for (int xi = 0; xi < NXI; xi++)
      sst_panel_clear_tail(cin, (int)T, V + (size_t)xi * xs);
}

/* The same into bfloat16 pair words, channels 2p and 2p + 1 in pair row
 * p of position xi's B panels (gemm_bf16.h) at V16 + xi * xs: each tile
 * row of a channel pair goes through float32 (pairs: 36 rows of tx_n per
 * channel) and is rounded once. */
static void transform_band_bf16(const wino_job *j, int ty0, int ty1,
                                uint32_t *V16, size_t xs, float *tmp,
                                float *rows, float *pairs, size_t T) {
  const int cin = j->in->c, tx_n = j->tx_n, cpn = (cin + 1) / 2;
  const size_t in_plane = (size_t)j->in->h * (size_t)j->in->w;
  const size_t n = (size_t)tx_n;
  for (int p = 0; p < cpn; p++)
    for (int ty = ty0; ty < ty1; ty++) {
      const int odd = 2 * p + 1 < cin;
      for (int k = 0; k <= odd; k++) {
        const float *r[6];
        tile_rows(j, j->in->data + (size_t)(2 * p + k) * in_plane, ty, rows,
                  r);
        input_tile_row(r, j->w, tx_n, tmp, pairs + (size_t)k * NXI * n, n, 0,
                       ROW_LAYOUT);
      }
      for (int xi = 0; xi < NXI; xi++)
        sst_bf16_pack_b(pairs + (size_t)xi * n,
                        odd ? pairs + (NXI + (size_t)xi) * n : NULL, tx_n, cpn,
                        p, (ty - ty0) * tx_n, V16 + (size_t)xi * xs);
    }
  for (int xi = 0; xi < NXI; xi++)
    sst_panel_clear_tail(cpn, (int)T, V16 + (size_t)xi * xs);
}

/* One band of tile rows: input transform, 36 products, output transform. */
static void wino_band(void *ctx, int band, int worker) {
  const wino_job *j = ctx;
  const int h = j->h, w = j->w, cin = j->in->c, cout = j->wt->cout;
  const int tx_n = j->tx_n;
  const int ty0 = band * j->band_rows;
  const int ty1 = ty0 + j->band_rows < j->ty_n ? ty0 + j->band_rows : j->ty_n;
  const size_t T = (size_t)(ty1 - ty0) * (size_t)tx_n;
  const size_t out_plane = (size_t)j->out->h * (size_t)j->out->w;
  float *base = j->scratch + (size_t)worker * j->lay.total;
  float *V = base + j->lay.v, *M = base + j->lay.m, *tmp = base + j->lay.tmp;
  float *sc = base + j->lay.sc;
  float *rows = base + j->lay.rows; /* 6 rows of w: fused I/O */
  if (j->u16) {
    const int cpn = (cin + 1) / 2;
    const size_t words = sst_bf16_packed_a_words(cout, cin);
    const size_t xs = sst_panel_words(cpn, (int)T);
    uint32_t *V16 = (uint32_t *)V;
    transform_band_bf16(j, ty0, ty1, V16, xs, tmp, rows, base + j->lay.pairs,
                        T);
    for (int xi = 0; xi < NXI; xi++)
      sst_bf16_gemm(cout, (int)T, cpn, j->u16 + (size_t)xi * words,
                    V16 + (size_t)xi * xs, M + (size_t)xi * (size_t)cout * T,
                    T);
  } else if (j->f32_panels) {
    transform_band_f32(j, ty0, ty1, V, tmp, rows, T);
    const size_t xs = sst_panel_words(cin, (int)T);
    for (int xi = 0; xi < NXI; xi++)
      sst_f32_gemm(cout, (int)T, cin,
                   j->wt->u + (size_t)xi * (size_t)cout * (size_t)cin,
                   (size_t)cin, V + (size_t)xi * xs,
                   M + (size_t)xi * (size_t)cout * T, T);
  } else {
    transform_band_f32(j, ty0, ty1, V, tmp, rows, T);
    for (int xi = 0; xi < NXI; xi++)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, (int)T, cin,
                  1.0f, j->wt->u + (size_t)xi * (size_t)cout * (size_t)cin,
                  cin, V + (size_t)xi * (size_t)cin * T, (int)T, 0.0f,
                  M + (size_t)xi * (size_t)cout * T, (int)T);
  }
  for (int co = 0; co < cout; co++)
    for (int ty = ty0; ty < ty1; ty++) {
      const float *m = M + (size_t)co * T + (size_t)(ty - ty0) * (size_t)tx_n;
      const int nrows = h - 4 * ty < 4 ? h - 4 * ty : 4;
      float *outc = j->out->data + (size_t)co * out_plane;
      if (j->fuse == SST_WINO_POOLED_OUTPUT) {
        output_tile_row(m, (size_t)cout * T, tx_n, j->bias[co], j->relu, sc,
                        rows, (size_t)w, w, nrows);
        pool_rows(rows, w, ty, outc, j->out->h);
      } else {
        output_tile_row(m, (size_t)cout * T, tx_n, j->bias[co], j->relu, sc,
                        outc + (size_t)(4 * ty) * (size_t)w, (size_t)w, w,
                        nrows);
      }
    }
}

sst_status sst_conv3x3_winograd(const sst_tensor *in,
                                const sst_wino_weights *wt, const float *bias,
                                int relu, int band_tile_rows, sst_tensor *out,
                                sst_ctx *p, sst_error *err) {
  return sst_conv3x3_winograd_fused(in, wt, bias, relu, band_tile_rows,
                                    SST_WINO_PLAIN, out, p, err);
}

sst_status sst_conv3x3_winograd_fused(const sst_tensor *in,
                                      const sst_wino_weights *wt,
                                      const float *bias, int relu,
                                      int band_tile_rows, sst_wino_fuse fuse,
                                      sst_tensor *out, sst_ctx *p,
                                      sst_error *err) {
  empty(out);
  if (!in || !in->data || in->c <= 0 || in->h <= 0 || in->w <= 0 || !wt ||
      !wt->u || wt->cin != in->c || !bias ||
      (fuse != SST_WINO_PLAIN && fuse != SST_WINO_UPSAMPLED_INPUT &&
       fuse != SST_WINO_POOLED_OUTPUT))
    return sst_fail(err, SST_ERR_INVALID, "winograd convolution: invalid "
                                          "arguments");
  if (in->w > INT_MAX / 2 - 8 || in->h > INT_MAX / 2 - 8)
    return sst_fail(err, SST_ERR_INVALID, "winograd convolution: too large");
  const int up = fuse == SST_WINO_UPSAMPLED_INPUT;
  const int h = up ? 2 * in->h : in->h, w = up ? 2 * in->w : in->w;
  const int cin = in->c, cout = wt->cout;
  const int pool = fuse == SST_WINO_POOLED_OUTPUT;
  if (pool && (h < 2 || w < 2))
    return sst_fail(err, SST_ERR_INVALID,
                    "max-pool: a %dx%d feature map is too small to pool", w,
                    h);
  const int tx_n = (w + 3) / 4, ty_n = (h + 3) / 4;
  int workers = sst_ctx_threads(p);
  /* bytes per tile row: V and M */
  size_t row_bytes = (size_t)NXI * ((size_t)cin + (size_t)cout) *
                     (size_t)tx_n * sizeof(float);
  int nbands;
  band_tile_rows = sst_band_rows(band_tile_rows, row_bytes, SST_WINO_BAND_BYTES,
                                 ty_n, workers, &nbands);
  if (workers > nbands)
    workers = nbands;
  /* sgemm takes int sizes: T * max(cin, cout) must fit */
  size_t tmax = (size_t)band_tile_rows * (size_t)tx_n;
  if (tmax * (size_t)(cin > cout ? cin : cout) > (size_t)INT_MAX)
    return sst_fail(err, SST_ERR_INVALID, "winograd convolution: %dx%dx%d "
                                          "too large", cin, h, w);
  const uint32_t *u16 = NULL;
  if (sst_ctx_precision(p) == SST_PRECISION_BF16) {
    /* the lazily made copy is a cache, not a visible change of wt */
    sst_status s = bf16_weights((sst_wino_weights *)wt, &u16, err);
    if (s)
      return s;
  }
  const int f32_panels = !u16 && sst_f32_avx512_available();
  const band_layout lay =
      layout_for(cin, cout, tmax, tx_n, w, u16 != NULL, f32_panels);
  size_t nbuf = lay.total * (size_t)workers + (size_t)w;
  sst_tensor scratch;
  sst_status s = sst_fmap_layer(out, cout, pool ? h / 2 : h, pool ? w / 2 : w,
                                &scratch, nbuf, err);
  if (s)
    return s;
  float *zero = scratch.data + lay.total * (size_t)workers;
  memset(zero, 0, (size_t)w * sizeof *zero);
  wino_job j = {in,   wt,   u16,  f32_panels, bias, relu, band_tile_rows,
                tx_n, ty_n, h,    w,          fuse, out,  scratch.data,
                lay,  zero};
  return sst_fmap_layer_done(
      out, &scratch, sst_run_bands(nbands, workers, wino_band, &j, p, err));
}
