/* recon_patch.c - the patch method ("style swap", Chen & Schmidt 2016, per
 * semantic region): each content feature patch is replaced by the
 * best-matching style patch of the same region, overlapping patches are
 * averaged, and the result is blended with the content feature.
 *
 * Matching.  For region k (content weights w_k, style set of the paired
 * style region, or the whole style) the features are first reduced and
 * whitened, each side with its own moments from the statistics
 * (recon_stats.c), so a match is decided by the local pattern and not by
 * the mean or contrast of the two images:
 *   P   = the PATCH_DIMS leading eigenvectors of (Cov_c + Cov_s) / 2,
 *   c^  = (P Cov_c P^T + e_c I)^-1/2 P (c / s - mu_c),   likewise s^,
 * with e = PATCH_RIDGE x the mean variance in the subspace.  A patch is the
 * p x p window of these d-vectors (p = patch_size, D = d p^2 numbers); a
 * content patch is matched to the style patch of largest normalised
 * correlation <c^, s^> / |s^| (first in scan order on ties): one float32
 * GEMM of content patches x style patches a band of rows at a time, so
 * memory stays bounded at any image size.
 *   Content patches sit on a lattice of stride 2 (1 for p = 1): every
 * pixel is still covered by a patch of its region, with a quarter of the
 * products.  A region's patches are those whose window holds a pixel of
 * weight > 0.  Style patches are the windows that fit in the style grid,
 * on a lattice whose stride keeps at most STYLE_PATCHES_MAX of them, and
 * whose centre has style weight >= 1/2 (failing any, > 0; failing that,
 * every window).
 *
 * Pasting.  What is pasted is the style's own feature (not the whitened
 * one): colouring the whitened match with the style moments gives it back.
 * Target pixel q = c_q + blend (o_q - c_q), o_q = sum_k w_kq o_kq /
 * sum_k w_kq, o_kq the mean of the region-k patches covering q; pixels no
 * region covers keep the content.  The solve keeps only the matched
 * indices; pixels are pasted on demand (the span hook), so a tiled decoder
 * never needs the whole target.
 *
 * Spread (spread > 0).  Nearest-patch matching sends every patch of a flat
 * sky to the same few flattest style patches: the result repeats them and
 * no stroke moves.  With spread lambda every use of a style patch makes it
 * lambda m / n less attractive (n content patches, m style patches of the
 * region), so after an even use of all style patches each costs lambda in
 * normalised-correlation units: content patches are taken one at a time in
 * a fixed pseudo-random order (no top-to-bottom drift) and each takes the
 * style patch of largest <c^, s^> / (|c^| |s^|) - price (first on ties).
 * Usage-penalised matching in the spirit of Gu et al. 2018 ("Arbitrary
 * style transfer with deep feature reshuffle").  Scores are computed a
 * chunk of the order at a time, so memory stays bounded.
 *
 * Brightness guide (guide g > 0, with the luminance grids of
 * sst_recon_stats_set_guides).  The match is blind to brightness: a light
 * cheek can take the style's darkest patch, and with spread it often did
 * (dark blobs on faces and walls).  Each score, in normalised-correlation
 * units, loses g |zc - zs|, where z is the window mean of the cell
 * luminance standardised by its own side's weighted region moments; so a
 * patch of the photo's light side takes one of the style region's light
 * side, and the photo's shading survives while the strokes come from the
 * painting (the luminance-guided matching of Hertzmann et al. 2001,
 * "Image analogies").  With g > 0 the nearest-patch scores are normalised
 * by |c^| as well, so the two terms are in the same units. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv_par.h"
#include "error.h"
#include "monge.h"
#include "recon_internal.h"

#define PATCH_DIMS 32         /* whitened dimensions per pixel */
#define PATCH_RIDGE 1e-2      /* ridge, relative to the mean variance */
#define STYLE_PATCHES_MAX 4096 /* style patches considered (whole grid) */
#define BAND_PATCHES 256       /* content patches per GEMM */
#define LATTICE_STRIDE 2
#define SPREAD_CHUNK 1024      /* content patches scored per spread step */
#define SPREAD_SEED 0x9E3779B97F4A7C15ull /* fixed: same input, same output */

typedef struct {
  const sst_recon_stats *st;
  int C, W, H, Ws, Hs; /* content and style grids */
  int r, S, Lw, Lh;    /* patch radius, content lattice stride and size */
  float blend;
  double spread; /* usage price, 0 = nearest patch (header) */
  double guide;  /* brightness guide weight, 0 = off (header) */
  int **idx;  /* per region: Lw x Lh matched style centres, -1 = none */
  float *fsT; /* style features pixel-major (M x C), unscaled */
} patch_impl;

static void impl_free(void *p) {
  patch_impl *im = p;
  if (!im)
    return;
  if (im->idx)
    for (int k = 0; k < im->st->K; k++)
      free(im->idx[k]);
  free(im->idx);
  free(im->fsT);
  free(im);
}

/* ------------------------------------------------------------ whitening */

/* out (d x C, float) = (P Cov P^T + e I)^-1/2 P / s and bias (d) = -out s
 * mu for one side; P (d x C) rows are the basis.  tmp: 2 d^2 + d doubles. */
static int whiten_side(int C, int d, const double *P, const double *mu,
                       const double *sig, double s, float *out, float *bias,
                       double *tmp, double *cov) {
  /* cov = Sigma - mu mu^T (centred, C x C) */
  for (int i = 0; i < C; i++)
    for (int j = 0; j < C; j++)
      cov[(size_t)i * C + j] = sig[(size_t)i * C + j] - mu[i] * mu[j];
  double *PC = malloc(sizeof(double) * (size_t)d * C);
  if (!PC)
    return -1;
  double *Cp = tmp, *U = tmp + (size_t)d * d, *ev = U + (size_t)d * d;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, C, C, 1.0, P, C,
              cov, C, 0.0, PC, C);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, C, 1.0, PC, C, P,
              C, 0.0, Cp, d);
  double tr = 0.0;
  for (int i = 0; i < d; i++)
    tr += Cp[(size_t)i * d + i];
  const double ridge = PATCH_RIDGE * (tr > 0.0 ? tr / d : 1.0);
  memcpy(U, Cp, sizeof(double) * (size_t)d * d);
  if (sst_sym_eig(d, U, ev)) {
    free(PC);
    return -1;
  }
  /* Cp := (Cov' + ridge)^-1/2 = sum_k f_k u_k u_k^T */
  memset(Cp, 0, sizeof(double) * (size_t)d * d);
  for (int k = 0; k < d; k++) {
    const double l = ev[k] > 0.0 ? ev[k] : 0.0;
    const double f = 1.0 / sqrt(l + ridge);
    const double *u = U + (size_t)k * d;
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++)
        Cp[(size_t)i * d + j] += f * u[i] * u[j];
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, C, d, 1.0, Cp, d,
              P, C, 0.0, PC, C);
  for (int i = 0; i < d; i++) {
    double b = 0.0;
    for (int c = 0; c < C; c++) {
      b -= PC[(size_t)i * C + c] * mu[c];
      out[(size_t)i * C + c] = (float)(PC[(size_t)i * C + c] / s);
    }
    bias[i] = (float)b;
  }
  free(PC);
  return 0;
}

/* The two whitening maps of region k: Wc, Ws (d x C) and biases. */
static int region_whitening(const sst_recon_stats *st, int k, int d, float *Wc,
                            float *bc, float *Ws, float *bs) {
  const int C = st->C;
  const size_t cc = (size_t)C * C;
  const sst_region_stats *r = &st->reg[k];
  const sst_style_set *y = r->style;
  double *pool = malloc(sizeof(double) * (2 * cc + C));
  double *tmp = malloc(sizeof(double) * (2 * (size_t)d * d + d));
  int bad = !pool || !tmp;
  if (!bad) {
    double *M = pool, *cov = pool + cc, *ev = cov + cc;
    for (int i = 0; i < C; i++)
      for (int j = 0; j < C; j++) {
        const size_t q = (size_t)i * C + j;
        M[q] = 0.5 * (r->sig[q] - r->mu[i] * r->mu[j] + y->sig[q] -
                      y->mu[i] * y->mu[j]);
      }
    bad = sst_sym_eig(C, M, ev);
    /* ascending: the basis is the last d rows */
    const double *P = M + (size_t)(C - d) * C;
    bad = bad || whiten_side(C, d, P, r->mu, r->sig, st->scale, Wc, bc, tmp,
                             cov) ||
          whiten_side(C, d, P, y->mu, y->sig, st->scale, Ws, bs, tmp, cov);
  }
  free(pool);
  free(tmp);
  return bad ? -1 : 0;
}

/* out (n x d, pixel-major) = W f_i + b for the n columns of f from p0. */
static void project(const float *f, size_t ld, int p0, int n, int C, int d,
                    const float *W, const float *b, float *out) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, n, d, C, 1.0f, f + p0,
              (int)ld, W, C, 0.0f, out, d);
  for (int i = 0; i < n; i++)
    for (int e = 0; e < d; e++)
      out[(size_t)i * d + e] += b[e];
}

/* ------------------------------------------------------------- matching */

typedef struct {
  const patch_impl *im;
  int k, d, D, m;
  const float *Wc, *bc;
  const float *Sn;  /* m x D normalised style patches */
  const int *cand;  /* m style centre indices */
  const uint8_t *member; /* Lw x Lh: the centre's window touches region k */
  float guide;           /* brightness guide weight (header) */
  const float *gl;       /* Lw x Lh: content patch brightness (z), or NULL */
  const float *gsty;     /* m: style patch brightness (z) */
  int rows_per_band;
  /* spread only: the whole projected grid, members by order, scores */
  const float *proj_all; /* N x d */
  const int *pos;        /* lattice index of each member (scan order) */
  const int *order;      /* members in the spread order */
  int chunk0, chunk_n;   /* the order's range being scored */
  float *chunk_scores;   /* chunk_n x m correlations <c^, s^> / |s^| */
  float *chunk_inv;      /* chunk_n: 1 / |c^| */
  float *scratch;   /* per worker */
  size_t scratch_floats;
} match_job;

/* Patch of the window at (x, y) from a pixel-major projection whose row 0
 * is grid row y0 (rows clamped into the grid). */
static void gather_patch(const float *proj, int W, int H, int y0, int d, int r,
                         int x, int y, float *out) {
  for (int dy = -r; dy <= r; dy++) {
    int yy = y + dy;
    yy = yy < 0 ? 0 : yy >= H ? H - 1 : yy;
    for (int dx = -r; dx <= r; dx++) {
      int xx = x + dx;
      xx = xx < 0 ? 0 : xx >= W ? W - 1 : xx;
      memcpy(out, proj + ((size_t)(yy - y0) * W + xx) * d,
             sizeof(float) * (size_t)d);
      out += d;
    }
  }
}

/* Index of the style patch of largest row[t] inv - guide |g - gsty[t]|
 * - price[t] (first on ties); gsty NULL: no guide term, price NULL: no
 * usage price. */
static int best_scored(const float *row, float inv, int m, float guide,
                       float g, const float *gsty, const float *price) {
  int best = 0;
  float bv = -INFINITY;
  for (int t = 0; t < m; t++) {
    const float u = row[t] * inv - (gsty ? guide * fabsf(g - gsty[t]) : 0.0f);
    const float v = u - (price ? price[t] : 0.0f);
    if (v > bv) {
      bv = v;
      best = t;
    }
  }
  return best;
}

static void match_band(void *ctx, int band, int worker) {
  const match_job *j = ctx;
  const patch_impl *im = j->im;
  const sst_recon_stats *st = im->st;
  const int ly0 = band * j->rows_per_band;
  const int ly1 = ly0 + j->rows_per_band < im->Lh ? ly0 + j->rows_per_band
                                                  : im->Lh;
  /* grid rows the band's windows read */
  int y0 = ly0 * im->S - im->r, y1 = (ly1 - 1) * im->S + im->r + 1;
  y0 = y0 < 0 ? 0 : y0;
  y1 = y1 > im->H ? im->H : y1;
  int any = 0; /* most bands of a small region hold none of its patches */
  for (int q = ly0 * im->Lw; q < ly1 * im->Lw && !any; q++)
    any = j->member[q];
  if (!any)
    return;
  float *proj = j->scratch + (size_t)worker * j->scratch_floats;
  float *Pc = proj + (size_t)(y1 - y0) * im->W * j->d;
  float *score = Pc + (size_t)im->Lw * j->rows_per_band * j->D;
  project(st->fc, (size_t)st->N, y0 * im->W, (y1 - y0) * im->W, im->C, j->d,
          j->Wc, j->bc, proj);
  int *idx = im->idx[j->k];
  int n = 0;
  for (int ly = ly0; ly < ly1; ly++)
    for (int lx = 0; lx < im->Lw; lx++)
      if (j->member[(size_t)ly * im->Lw + lx])
        gather_patch(proj, im->W, im->H, y0, j->d, im->r, lx * im->S,
                     ly * im->S, Pc + (size_t)n++ * j->D);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, j->m, j->D, 1.0f, Pc,
              j->D, j->Sn, j->D, 0.0f, score, j->m);
  int q = 0;
  for (int ly = ly0; ly < ly1; ly++)
    for (int lx = 0; lx < im->Lw; lx++) {
      if (!j->member[(size_t)ly * im->Lw + lx])
        continue;
      const float *pc = Pc + (size_t)q * j->D;
      const float *row = score + (size_t)q++ * j->m;
      int best = 0;
      if (j->gl) {
        double nn = 0.0;
        for (int e = 0; e < j->D; e++)
          nn += (double)pc[e] * pc[e];
        const float inv = nn > 0.0 ? (float)(1.0 / sqrt(nn)) : 0.0f;
        best = best_scored(row, inv, j->m, j->guide,
                           j->gl[(size_t)ly * im->Lw + lx], j->gsty, NULL);
      } else {
        for (int t = 1; t < j->m; t++)
          if (row[t] > row[best])
            best = t;
      }
      idx[(size_t)ly * im->Lw + lx] = j->cand[best];
    }
}

/* Style centres of region k on the style lattice (stride sstride), by the
 * rule in the header; returns their count (0: none fits). */
static int style_candidates(const patch_impl *im, const sst_style_set *y,
                            int sstride, int *cand) {
  for (int pass = 0; pass < 3; pass++) {
    int m = 0;
    for (int sy = im->r; sy < im->Hs - im->r; sy += sstride)
      for (int sx = im->r; sx < im->Ws - im->r; sx += sstride) {
        const int q = sy * im->Ws + sx;
        const float w = y->w ? y->w[q] : 1.0f;
        if (pass == 2 || (pass == 0 ? w >= 0.5f : w > 0.0f))
          cand[m++] = q;
      }
    if (m > 0)
      return m;
  }
  return 0;
}

/* Content lattice centres whose window holds a pixel of region k. */
static void region_members(const patch_impl *im, int k, uint8_t *member) {
  const sst_recon_stats *st = im->st;
  const float *w = st->wc ? st->wc + (size_t)k * st->N : NULL;
  for (int ly = 0; ly < im->Lh; ly++)
    for (int lx = 0; lx < im->Lw; lx++) {
      int any = !w;
      for (int dy = -im->r; dy <= im->r && !any; dy++)
        for (int dx = -im->r; dx <= im->r && !any; dx++) {
          const int x = lx * im->S + dx, y = ly * im->S + dy;
          any = x >= 0 && x < im->W && y >= 0 && y < im->H &&
                w[(size_t)y * im->W + x] > 0.0f;
        }
      member[(size_t)ly * im->Lw + lx] = (uint8_t)any;
    }
}

/* Correlations of BAND_PATCHES members of the spread order (chunk0 +
 * band x BAND_PATCHES on) with every style patch, and 1 / |c^| of each. */
static void spread_band(void *ctx, int band, int worker) {
  const match_job *j = ctx;
  const patch_impl *im = j->im;
  const int i0 = band * BAND_PATCHES;
  const int n = j->chunk_n - i0 < BAND_PATCHES ? j->chunk_n - i0 : BAND_PATCHES;
  float *Pc = j->scratch + (size_t)worker * j->scratch_floats;
  float *score = j->chunk_scores + (size_t)i0 * j->m;
  for (int i = 0; i < n; i++) {
    const int q = j->pos[j->order[j->chunk0 + i0 + i]];
    gather_patch(j->proj_all, im->W, im->H, 0, j->d, im->r,
                 q % im->Lw * im->S, q / im->Lw * im->S, Pc + (size_t)i * j->D);
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, j->m, j->D, 1.0f, Pc,
              j->D, j->Sn, j->D, 0.0f, score, j->m);
  for (int i = 0; i < n; i++) {
    const float *p = Pc + (size_t)i * j->D;
    double nn = 0.0;
    for (int e = 0; e < j->D; e++)
      nn += (double)p[e] * p[e];
    j->chunk_inv[i0 + i] = nn > 0.0 ? (float)(1.0 / sqrt(nn)) : 0.0f;
  }
}

/* The members of region k in a fixed pseudo-random order (xorshift64,
 * Fisher-Yates); returns their count, or -1 when out of memory. */
static int spread_order(const patch_impl *im, const uint8_t *member,
                        int **pos_out, int **order_out) {
  const size_t L = (size_t)im->Lw * im->Lh;
  int n = 0;
  for (size_t q = 0; q < L; q++)
    n += member[q];
  int *pos = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  int *order = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  if (!pos || !order) {
    free(pos);
    free(order);
    return -1;
  }
  for (size_t q = 0, i = 0; q < L; q++)
    if (member[q])
      pos[i++] = (int)q;
  for (int i = 0; i < n; i++)
    order[i] = i;
  uint64_t x = SPREAD_SEED;
  for (int i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int t = (int)(x % (uint64_t)(i + 1));
    const int a = order[i];
    order[i] = order[t];
    order[t] = a;
  }
  *pos_out = pos;
  *order_out = order;
  return n;
}

/* Spread matching of region k (header): chunks of the order scored in
 * parallel, then taken one member at a time against the running prices. */
static sst_status match_spread(match_job *j, double lambda, sst_ctx *prog,
                               sst_error *err) {
  const patch_impl *im = j->im;
  const sst_recon_stats *st = im->st;
  int *pos = NULL, *order = NULL;
  float *proj = malloc(sizeof(float) * (size_t)st->N * j->d);
  float *price = calloc((size_t)j->m, sizeof(float));
  const int n = proj && price ? spread_order(im, j->member, &pos, &order) : -1;
  const int chunk = n < SPREAD_CHUNK ? (n > 0 ? n : 1) : SPREAD_CHUNK;
  float *scores = malloc(sizeof(float) * (size_t)chunk * (j->m + 1));
  const int nb = (chunk + BAND_PATCHES - 1) / BAND_PATCHES;
  int workers = sst_ctx_threads(prog);
  workers = workers < nb ? workers : nb;
  j->scratch_floats = (size_t)BAND_PATCHES * j->D;
  float *scratch = malloc(sizeof(float) * j->scratch_floats * (size_t)workers);
  sst_status rc = SST_OK;
  if (n < 0 || !scores || !scratch) {
    rc = sst_fail(err, SST_ERR_NOMEM, "patch: out of memory for spread");
    goto done;
  }
  project(st->fc, (size_t)st->N, 0, st->N, im->C, j->d, j->Wc, j->bc, proj);
  j->proj_all = proj;
  j->pos = pos;
  j->order = order;
  j->chunk_scores = scores;
  j->chunk_inv = scores + (size_t)chunk * j->m;
  j->scratch = scratch;
  const float step = (float)(lambda * j->m / (double)(n > 0 ? n : 1));
  int *idx = im->idx[j->k];
  for (int c0 = 0; c0 < n && rc == SST_OK; c0 += chunk) {
    j->chunk0 = c0;
    j->chunk_n = n - c0 < chunk ? n - c0 : chunk;
    sst_ctx sub = sst_ctx_sub(prog, (float)c0 / n,
                              (float)(c0 + j->chunk_n) / n, NULL);
    rc = sst_run_bands((j->chunk_n + BAND_PATCHES - 1) / BAND_PATCHES,
                       workers, spread_band, j, prog ? &sub : NULL, err);
    for (int i = 0; i < j->chunk_n && rc == SST_OK; i++) {
      const float *row = scores + (size_t)i * j->m;
      const float inv = j->chunk_inv[i];
      const int q = pos[order[c0 + i]];
      const int best = best_scored(row, inv, j->m, j->guide,
                                   j->gl ? j->gl[q] : 0.0f, j->gsty, price);
      price[best] += step;
      idx[q] = j->cand[best];
    }
  }
done:
  free(proj);
  free(price);
  free(pos);
  free(order);
  free(scores);
  free(scratch);
  return rc;
}

/* Weighted mean and standard deviation of g (n cells, weights w or 1). */
static void guide_moments(const float *g, const float *w, size_t n,
                          double *mean, double *sd) {
  double sw = 0.0, s1 = 0.0, s2 = 0.0;
  for (size_t q = 0; q < n; q++) {
    const double v = w ? w[q] : 1.0;
    sw += v;
    s1 += v * g[q];
    s2 += v * g[q] * g[q];
  }
  *mean = sw > 0.0 ? s1 / sw : 0.0;
  const double var = sw > 0.0 ? s2 / sw - *mean * *mean : 0.0;
  *sd = var > 1e-8 ? sqrt(var) : 1e-4;
}

/* Window mean of (g - mean) / sd at (x, y) on a W x H grid, the window
 * read by gather_patch (one value a cell, coordinates clamped). */
static float window_z(const float *g, int W, int H, int r, int x, int y,
                      double mean, double sd) {
  float cells[SST_PATCH_SIZE_MAX * SST_PATCH_SIZE_MAX];
  const int n = (2 * r + 1) * (2 * r + 1);
  gather_patch(g, W, H, 0, 1, r, x, y, cells);
  double acc = 0.0;
  for (int i = 0; i < n; i++)
    acc += cells[i];
  return (float)((acc / n - mean) / sd);
}

/* Brightness of every content lattice patch and style candidate of region
 * k, standardised by its own side's region moments. */
static void guide_values(const patch_impl *im, int k, const int *cand, int m,
                         float *gl, float *gsty) {
  const sst_recon_stats *st = im->st;
  double mc, sc, ms, ss;
  guide_moments(st->gc, st->wc ? st->wc + (size_t)k * st->N : NULL,
                (size_t)st->N, &mc, &sc);
  guide_moments(st->gs, st->reg[k].style->w, (size_t)st->M, &ms, &ss);
  for (int ly = 0; ly < im->Lh; ly++)
    for (int lx = 0; lx < im->Lw; lx++)
      gl[(size_t)ly * im->Lw + lx] = window_z(st->gc, im->W, im->H, im->r,
                                              lx * im->S, ly * im->S, mc, sc);
  for (int t = 0; t < m; t++)
    gsty[t] = window_z(st->gs, im->Ws, im->Hs, im->r, cand[t] % im->Ws,
                       cand[t] / im->Ws, ms, ss);
}

/* Matches every patch of region k into im->idx[k]. */
static sst_status match_region(patch_impl *im, int k, int sstride,
                               sst_ctx *prog, sst_error *err) {
  const sst_recon_stats *st = im->st;
  const int C = im->C, M = st->M, p = 2 * im->r + 1;
  const int d = C < PATCH_DIMS ? C : PATCH_DIMS, D = d * p * p;
  const size_t L = (size_t)im->Lw * im->Lh;
  float *Wc = malloc(sizeof(float) * 2 * ((size_t)d * C + d));
  int *cand = malloc(sizeof(int) * (size_t)M);
  uint8_t *member = malloc(L);
  float *sproj = malloc(sizeof(float) * (size_t)M * d);
  float *Sn = NULL, *scratch = NULL, *gl = NULL, *gsty = NULL;
  sst_status rc = SST_OK;
  im->idx[k] = malloc(sizeof(int) * L);
  if (!Wc || !cand || !member || !sproj || !im->idx[k]) {
    rc = sst_fail(err, SST_ERR_NOMEM, "patch: out of memory");
    goto done;
  }
  for (size_t q = 0; q < L; q++)
    im->idx[k][q] = -1;
  float *bc = Wc + (size_t)d * C, *Ws = bc + d, *bs = Ws + (size_t)d * C;
  if (region_whitening(st, k, d, Wc, bc, Ws, bs)) {
    rc = sst_fail(err, SST_ERR_INVALID,
                  "patch: region %d statistics have no eigen-decomposition", k);
    goto done;
  }
  const int m = style_candidates(im, st->reg[k].style, sstride, cand);
  Sn = malloc(sizeof(float) * (size_t)m * D);
  if (!Sn) {
    rc = sst_fail(err, SST_ERR_NOMEM, "patch: out of memory");
    goto done;
  }
  project(st->fs, (size_t)M, 0, M, C, d, Ws, bs, sproj);
  for (int t = 0; t < m; t++) {
    float *row = Sn + (size_t)t * D;
    gather_patch(sproj, im->Ws, im->Hs, 0, d, im->r, cand[t] % im->Ws,
                 cand[t] / im->Ws, row);
    double nn = 0.0;
    for (int e = 0; e < D; e++)
      nn += (double)row[e] * row[e];
    const float f = nn > 0.0 ? (float)(1.0 / sqrt(nn)) : 0.0f;
    for (int e = 0; e < D; e++)
      row[e] *= f;
  }
  region_members(im, k, member);
  match_job j = {.im = im, .k = k, .d = d, .D = D, .m = m, .Wc = Wc, .bc = bc,
                 .Sn = Sn, .cand = cand, .member = member};
  j.guide = (float)im->guide;
  if (j.guide > 0.0f && st->gc && st->gs) {
    gl = malloc(sizeof(float) * L);
    gsty = malloc(sizeof(float) * (size_t)m);
    if (!gl || !gsty) {
      rc = sst_fail(err, SST_ERR_NOMEM, "patch: out of memory");
      goto done;
    }
    guide_values(im, k, cand, m, gl, gsty);
    j.gl = gl;
    j.gsty = gsty;
  }
  if (im->spread > 0.0) {
    rc = match_spread(&j, im->spread, prog, err);
    goto done;
  }
  j.rows_per_band = BAND_PATCHES / im->Lw > 0 ? BAND_PATCHES / im->Lw : 1;
  const int nbands = (im->Lh + j.rows_per_band - 1) / j.rows_per_band;
  int workers = sst_ctx_threads(prog);
  workers = workers < nbands ? workers : nbands;
  const size_t rows = (size_t)(j.rows_per_band - 1) * im->S + 2 * im->r + 1;
  const size_t npatch = (size_t)im->Lw * j.rows_per_band;
  j.scratch_floats = rows * im->W * d + npatch * D + npatch * m;
  scratch = malloc(sizeof(float) * j.scratch_floats * (size_t)workers);
  if (!scratch) {
    rc = sst_fail(err, SST_ERR_NOMEM, "patch: out of memory for matching");
    goto done;
  }
  j.scratch = scratch;
  rc = sst_run_bands(nbands, workers, match_band, &j, prog, err);
done:
  free(Wc);
  free(cand);
  free(member);
  free(sproj);
  free(Sn);
  free(scratch);
  free(gl);
  free(gsty);
  return rc;
}

/* --------------------------------------------------------------- pasting */

/* acc (C) += f x the mean of region k's patches covering (x, y); returns
 * 0 when none covers it. */
static int paste_region(const patch_impl *im, int k, int x, int y, float f,
                        float *acc) {
  const int *idx = im->idx[k];
  const int C = im->C, r = im->r, S = im->S;
  int src[(2 * (SST_PATCH_SIZE_MAX / 2) + 1) * (2 * (SST_PATCH_SIZE_MAX / 2) + 1)];
  int n = 0;
  const int cy0 = (y - r + S - 1 > 0 ? y - r + S - 1 : 0) / S * S;
  const int cx0 = (x - r + S - 1 > 0 ? x - r + S - 1 : 0) / S * S;
  for (int cy = cy0; cy <= y + r && cy < im->H; cy += S)
    for (int cx = cx0; cx <= x + r && cx < im->W; cx += S) {
      const int j = idx[(size_t)(cy / S) * im->Lw + cx / S];
      if (j >= 0)
        src[n++] = j + (y - cy) * im->Ws + (x - cx);
    }
  if (n == 0)
    return 0;
  const float g = f / (float)n;
  for (int t = 0; t < n; t++) {
    const float *s = im->fsT + (size_t)src[t] * C;
    for (int c = 0; c < C; c++)
      acc[c] += g * s[c];
  }
  return 1;
}

static void patch_span(const sst_recon_result *res, int p0, int n, float *out,
                       size_t ld, float *tmp, float *wsum) {
  const patch_impl *im = res->impl;
  const sst_recon_stats *st = im->st;
  const int C = im->C;
  memset(tmp, 0, sizeof(float) * (size_t)n * C);
  for (int i = 0; i < n; i++) {
    const int q = p0 + i, x = q % im->W, y = q / im->W;
    wsum[i] = 0.0f;
    for (int k = 0; k < st->K; k++) {
      if (!im->idx[k])
        continue;
      const float w = st->wc ? st->wc[(size_t)k * st->N + q] : 1.0f;
      if (w > 0.0f && paste_region(im, k, x, y, w, tmp + (size_t)i * C))
        wsum[i] += w;
    }
  }
  for (int c = 0; c < C; c++) {
    float *orow = out + (size_t)c * ld;
    const float *crow = st->fc + (size_t)c * st->N + p0;
    for (int i = 0; i < n; i++) {
      const float o = wsum[i] > 0.0f ? tmp[(size_t)i * C + c] / wsum[i] : crow[i];
      orow[i] = crow[i] + im->blend * (o - crow[i]);
    }
  }
}

/* ----------------------------------------------------------------- solve */

sst_status sst_recon_patch_solve(const sst_recon_stats *st,
                                 const sst_termset *ts,
                                 const sst_recon_params *p,
                                 sst_recon_result *res, sst_ctx *prog,
                                 sst_error *err) {
  (void)ts;
  if (p->patch_size < 1 || p->patch_size > SST_PATCH_SIZE_MAX ||
      p->patch_size % 2 == 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "patch: size must be odd, between 1 and %d",
                    SST_PATCH_SIZE_MAX);
  if (!(p->patch_blend >= 0.0 && p->patch_blend <= 1.0))
    return sst_fail(err, SST_ERR_INVALID, "patch: blend must be in 0..1");
  if (!(p->patch_spread >= 0.0 && p->patch_spread <= 1.0))
    return sst_fail(err, SST_ERR_INVALID, "patch: spread must be in 0..1");
  if (!(p->patch_guide >= 0.0 && p->patch_guide <= 1.0))
    return sst_fail(err, SST_ERR_INVALID, "patch: guide must be in 0..1");
  if (st->grid_w <= 0)
    return sst_fail(err, SST_ERR_INVALID,
                    "patch: the feature grids are not set");
  const int r = p->patch_size / 2;
  const int Ws = st->style_grid_w, Hs = st->M / Ws;
  if (Ws <= 2 * r || Hs <= 2 * r)
    return sst_fail(err, SST_ERR_INVALID,
                    "patch: the style's feature grid (%dx%d) is smaller than "
                    "a %dx%d patch; use a larger style or a smaller patch",
                    Ws, Hs, p->patch_size, p->patch_size);
  patch_impl *im = calloc(1, sizeof *im);
  if (!im)
    return sst_fail(err, SST_ERR_NOMEM, "patch: out of memory");
  res->impl = im;
  res->impl_free = impl_free;
  res->span = patch_span;
  im->st = st;
  im->C = st->C;
  im->W = st->grid_w;
  im->H = st->N / st->grid_w;
  im->Ws = Ws;
  im->Hs = Hs;
  im->r = r;
  im->S = r > 0 ? LATTICE_STRIDE : 1;
  im->Lw = (im->W + im->S - 1) / im->S;
  im->Lh = (im->H + im->S - 1) / im->S;
  im->blend = (float)p->patch_blend;
  im->spread = p->patch_spread;
  im->guide = p->patch_guide;
  im->idx = calloc((size_t)st->K, sizeof *im->idx);
  im->fsT = malloc(sizeof(float) * (size_t)st->M * st->C);
  if (!im->idx || !im->fsT)
    return sst_fail(err, SST_ERR_NOMEM, "patch: out of memory");
  for (int c = 0; c < st->C; c++)
    for (int q = 0; q < st->M; q++)
      im->fsT[(size_t)q * st->C + c] = st->fs[(size_t)c * st->M + q];
  /* style lattice stride: the smallest that keeps the patch count capped */
  int sstride = 1;
  while ((size_t)((Ws - 2 * r + sstride - 1) / sstride) *
             ((Hs - 2 * r + sstride - 1) / sstride) >
         STYLE_PATCHES_MAX)
    sstride++;
  const int nact = sst_recon_active_regions(st);
  sst_status rc = SST_OK;
  for (int k = 0, a = 0; k < st->K && rc == SST_OK; k++) {
    if (!(st->reg[k].W > 0.0))
      continue;
    sst_ctx sub = sst_ctx_sub(prog, (float)a / nact,
                                        (float)(a + 1) / nact, NULL);
    rc = match_region(im, k, sstride, prog ? &sub : NULL, err);
    a++;
  }
  return rc;
}
