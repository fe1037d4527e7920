/* reconstruct.h - feature reconstruction per semantic region (method step 2).
 *
 * For each region k, minimise over Fo (C x N content pixels, weights wc_k):
 *   J_k = (1/W_k) sum_i wc_ki ||o_i - c_i||^2 + gamma * S(Fo, Fs; ws_k)
 * where S is the (normalised) MMD^2 of the chosen kernel, optionally plus
 * fuse_weight * S of a second kernel.  Features are first divided by a
 * scalar s (RMS of the style features) so gamma is dimensionless.
 * The output pixel is the weight-blend of the per-region results:
 *   o_i = sum_k wc_ki o_ki / sum_k wc_ki.
 * Linear, polynomial and BN kernels keep Fo = A_k Fc + b_k 1^T, so those run
 * on per-region statistics (mean, second moment) in O(C^3) per iteration;
 * the Gaussian kernel runs per pixel with a subsampled (linear-time) MMD.
 * The descent starts at Fo = Fc, except with a poly term (and no Gaussian
 * one), where it starts on the line towards the closed-form map that
 * matches the style's second moment (recon_warm.c).
 * The patch method (method = SST_METHOD_PATCH, recon_patch.c) replaces
 * the statistics by a per-region swap of feature patches; it needs the
 * grid widths (sst_recon_stats_set_grids) and ignores the kernel terms. */
#ifndef SST_RECONSTRUCT_H
#define SST_RECONSTRUCT_H
#include "context.h"

typedef struct {
  sst_kernel kernel;
  double gamma;
  double poly_c;
  sst_kernel fuse_kernel; /* SST_KERNEL_NONE for no fusion */
  double fuse_weight;
  int iterations;
  /* SST_METHOD_PATCH ignores the five above (recon_patch.c) */
  sst_method method;  /* 0 = SST_METHOD_STATS */
  int patch_size;     /* odd, 1..SST_PATCH_SIZE_MAX */
  double patch_blend; /* 0 = the content, 1 = the swapped feature */
  double patch_spread; /* usage price of a style patch, 0..1 (recon_patch.c) */
  double patch_guide;  /* brightness guide weight, 0..1 (recon_patch.c) */
} sst_recon_params;

/* Per-region statistics of content and style, computed once per encoding
 * and reused across parameter changes.  Keeps pointers to fc/fs/wc/ws: the
 * caller keeps them alive and unchanged while the stats object lives.
 * fc: C x N, wc: K x N (region weights, may be NULL when K == 1),
 * fs: C x M, ws: K x M (style weights of the region matched to content
 * region k; NULL when K == 1).  ctx: the threads of the moments pass
 * (NULL: all cores). */
typedef struct sst_recon_stats sst_recon_stats;

sst_status sst_recon_stats_new(const float *fc, int C, int N, const float *wc,
                               const float *fs, int M, const float *ws, int K,
                               sst_recon_stats **out, const sst_ctx *ctx,
                               sst_error *err);
/* The same statistics with the content features read through rd, a band
 * of rows at a time, instead of held whole: for features that live in a
 * file (spill.h).  The content grid is grid_w x (N / grid_w).  Only the
 * methods that keep to per-region maps (sst_recon_streamable) can solve
 * on it, and only sst_recon_result_rect makes its pixels (reading the
 * rectangle's content through rd). */
typedef struct {
  sst_status (*read)(void *ctx, int x0, int y0, int w, int h, float *out,
                     sst_error *err); /* C x h x w, planar */
  void *ctx;
} sst_feature_reader;
sst_status sst_recon_stats_new_streamed(const sst_feature_reader *rd, int C,
                                        int N, int grid_w, const float *wc,
                                        const float *fs, int M, const float *ws,
                                        int K, sst_recon_stats **out,
                                        const sst_ctx *ctx, sst_error *err);
/* Non-zero when p's method needs only the per-region statistics and the
 * content pixels it is making (not the whole C x N content at once). */
int sst_recon_streamable(const sst_recon_params *p);

/* The feature grids' widths (content: N / grid_w rows, style: M /
 * style_grid_w rows): the patch method needs them, the others do not. */
sst_status sst_recon_stats_set_grids(sst_recon_stats *st, int grid_w,
                                     int style_grid_w, sst_error *err);
/* The mean luminance of each content and style grid cell (N and M floats,
 * borrowed like the features): the patch method's brightness guide. */
void sst_recon_stats_set_guides(sst_recon_stats *st, const float *gc,
                                const float *gs);
void sst_recon_stats_free(sst_recon_stats *st);

/* The solved reconstruction.  For the linear, polynomial and BN kernels it
 * is only the per-region affine maps (A_k, b_k), C^2 numbers a region, and
 * target pixels are made on demand: a tiled decoder asks for one tile at a
 * time, so the C x N target never has to exist (at 12 MP it would be
 * 768 MB).  With a Gaussian term it holds the C x N target itself.  Keeps
 * pointers into the stats object, which must outlive it. */
typedef struct sst_recon_result sst_recon_result;

/* The stats object is only read: solves on it may run at the same time. */
sst_status sst_recon_solve(const sst_recon_stats *st, const sst_recon_params *p,
                           sst_recon_result **out, sst_ctx *prog,
                           sst_error *err);
/* Target pixels [p0, p0 + n) of the C x N feature into out (C rows with
 * leading dimension ld >= n).  prog (may be NULL) is ticked per block. */
sst_status sst_recon_result_run(const sst_recon_result *r, int p0, int n,
                                float *out, size_t ld, sst_ctx *prog,
                                sst_error *err);
/* Target of the rectangle [x0, x0+w) x [y0, y0+h) of the feature grid
 * (grid_w columns, N / grid_w rows) into out, C x h x w. */
sst_status sst_recon_result_rect(const sst_recon_result *r, int grid_w, int x0,
                                 int y0, int w, int h, float *out,
                                 sst_error *err);
void sst_recon_result_free(sst_recon_result *r);

/* Writes the reconstructed C x N feature to out (solve + run over all).  Uses the affine fast path
 * whenever every kernel involved allows it. */
sst_status sst_reconstruct(const sst_recon_stats *st, const sst_recon_params *p,
                           float *out, sst_ctx *prog, sst_error *err);

/* Reference: the plain per-pixel iteration for any kernel (slow, used by
 * tests to check the fast path). */
sst_status sst_reconstruct_plain(const sst_recon_stats *st,
                                 const sst_recon_params *p, float *out,
                                 sst_ctx *prog, sst_error *err);
#endif
