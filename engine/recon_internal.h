/* recon_internal.h - layout of sst_recon_stats and test hooks (engine and
 * tests only; not part of the public API). */
#ifndef SST_RECON_INTERNAL_H
#define SST_RECON_INTERNAL_H
#include "kernels.h"
#include "reconstruct.h"

/* Statistics of one distinct set of style weights (regions matched to the
 * same style label share it). */
typedef struct {
  double V;         /* sum of the weights actually used */
  const float *w;   /* weights used (M), NULL = every style pixel weight 1 */
  double *mu, *sig; /* scaled mean (C), uncentred second moment (C x C) */
  int L;            /* style landmarks */
  int *lm;          /* style pixel indices */
  double *b;        /* landmark weights, sum 1 */
  double diag;      /* sum_j (w_j / V)^2 over all style pixels */
} sst_style_set;

/* The gamma-independent part of a region's warm start (recon_warm.c),
 * built with the statistics (sst_warm_prepare) and read-only after. */
typedef struct {
  int state;              /* 1 ready, -1 no map (identity start) */
  double *D, *L1, *L2;    /* C x C each: T - I, D S + S D^T, D S D^T */
  double *Dmu, trL2;      /* D mu_c (C), tr(L2) */
} sst_warm_cache;

typedef struct {
  double W;         /* sum of the content weights; 0 => region skipped */
  int n;            /* content pixels with weight > 0 */
  double *mu, *sig; /* scaled content mean and second moment */
  const sst_style_set *style;
  double sigma2; /* Gaussian bandwidth, fixed from the original stats */
  int L;         /* content landmarks */
  int *lm;       /* ranks among the region's pixels with weight > 0 */
  double *a;     /* landmark weights, sum 1 */
  sst_warm_cache *warm; /* built with the stats */
} sst_region_stats;

struct sst_recon_stats {
  int C, N, M, K;
  const float *fc, *wc, *fs, *ws;
  double scale;          /* RMS of the style features */
  sst_region_stats *reg; /* K */
  sst_style_set *sets;   /* nsets */
  int nsets;
  int grid_w, style_grid_w; /* feature grid widths, 0 = not given */
  const float *gc, *gs;     /* luminance per grid cell (N, M), or NULL */
  sst_feature_reader rd;    /* fc == NULL: where the content is read */
};

/* The solved reconstruction (see sst_recon_solve): one of three forms. */
/* A method's own way of making target pixels [p0, p0 + n), n <=
 * SST_RECON_SPAN_MAX, into out (C rows, leading dimension ld); tmp holds
 * C x SST_RECON_SPAN_MAX floats and wsum SST_RECON_SPAN_MAX floats of the
 * caller's scratch (recon_result.c). */
#define SST_RECON_SPAN_MAX 1024
typedef void (*sst_recon_span_fn)(const sst_recon_result *r, int p0, int n,
                                  float *out, size_t ld, float *tmp,
                                  float *wsum);
struct sst_recon_result {
  const sst_recon_stats *st;
  float **A;    /* affine paths: K maps (C x C), NULL for inactive regions */
  double **b;   /* K offsets (C, scaled units) */
  const float *target; /* or the C x N target (content or owned) */
  int content_only;    /* the target is the content itself */
  float *owned;
  sst_recon_span_fn span; /* or a method's own pixels from impl */
  void *impl;
  void (*impl_free)(void *impl);
};

/* ---- shared by the methods ---- */

/* The kernel terms of one parameter set: main kernel (weight 1) and the
 * fused one (fuse_weight), with what they need. */
typedef struct {
  int n;
  const sst_kernel_ops *ops[2]; /* the kernels' rows (kernels.h) */
  double wt[2];
  int stats;       /* some term is a statistics kernel */
  int full;        /* some term needs the full G (poly) */
  /* the per-pixel terms: one estimator (NULL = none) with their total
   * weight, so a Gaussian fused with a Gaussian is one estimator */
  const sst_pixel_kernel *pixel;
  double pixel_wt;
} sst_termset;

/* Validates p (and that st is given) and fills ts. */
sst_status sst_recon_check_params(const sst_recon_stats *st,
                                  const sst_recon_params *p, sst_termset *ts,
                                  sst_error *err);
/* S of every statistics term at (mu_o, Sigma_o) with gradients g_mu, G
 * (full, only written when ts->full) and Gd (diagonal). */
double sst_recon_stats_terms(const sst_termset *ts, double poly_c, int C,
                             const double *mu_o, const double *sig_o,
                             const sst_style_set *sty, double *g_mu, double *G,
                             double *Gd);

/* One path of the shared Armijo loop. */
typedef struct {
  /* J at current - eta * d (the trial is kept until the next trial). */
  sst_status (*trial)(void *ctx, double eta, double *J, sst_error *err);
  /* The trial becomes current; returns mean_w ||d||^2 of its direction. */
  sst_status (*accept)(void *ctx, double *dnorm, sst_error *err);
  float *frac; /* where the loop publishes the progress fraction */
  /* Step halvings before the loop gives up and stops (0: 30).  A path
   * whose direction is only near the gradient of its J sets fewer. */
  int max_halvings;
} sst_descent_ops;

/* Preconditioned gradient descent with Armijo backtracking from J and
 * dn = mean_w ||d||^2 at the start; ticks progress in [f0, f1]. */
sst_status sst_recon_descend(const sst_descent_ops *ops, void *ctx, double J,
                             double dn, int iterations, sst_ctx *prog,
                             float f0, float f1, sst_error *err);
sst_status sst_recon_copy_content(const sst_recon_stats *st, float *out,
                                  sst_ctx *prog, sst_error *err);
int sst_recon_active_regions(const sst_recon_stats *st);

/* Weighted moments in one pass over the columns of f (C x n, leading
 * dimension ld) for R weight rows (NULL row = all ones): adds sum w f into
 * sf[r], the upper triangle of sum w f f^T into sff[r], sum w into W[r].
 * The sums are split into one partial sum per thread of ctx (so the thread
 * count shows in the last bits).  Returns -1 when out of memory. */
int sst_moments_pass(const float *f, int C, int n, size_t ld, int R,
                     const float *const *w, double *const *sf,
                     double *const *sff, double *W, const sst_ctx *ctx);
/* Sums -> mean / (W s) and full symmetric second moment / (W s^2); 0 if
 * every value is finite. */
int sst_moments_finish(int C, double W, double s, double *mu, double *sig);

/* ---- the methods (reconstruct.c's table): each fills res ---- */
typedef sst_status sst_recon_method_fn(const sst_recon_stats *st,
                                       const sst_termset *ts,
                                       const sst_recon_params *p,
                                       sst_recon_result *res,
                                       sst_ctx *prog, sst_error *err);
sst_recon_method_fn sst_recon_affine_solve;   /* recon_affine.c */
sst_recon_method_fn sst_recon_factored_solve; /* recon_factored.c */
sst_recon_method_fn sst_recon_pixel_solve;    /* recon_pixel.c */
sst_recon_method_fn sst_recon_patch_solve;    /* recon_patch.c */

/* The per-region affine methods (recon_regions.c): a workspace per worker,
 * and one region solved into its map (A_out float C x C, b_out C). */
typedef struct {
  void *(*ws_new)(int C);
  void (*ws_free)(void *ws);
  sst_status (*region)(void *ws, const sst_recon_stats *st,
                       const sst_termset *ts, const sst_recon_params *p, int k,
                       float *A_out, double *b_out, sst_ctx *prog,
                       float f0, float f1, sst_error *err);
} sst_region_solver;
/* Every active region, in parallel when there are workers; res->A, res->b
 * get the maps. */
sst_status sst_recon_solve_regions(const sst_region_solver *solver,
                                   const sst_recon_stats *st,
                                   const sst_termset *ts,
                                   const sst_recon_params *p,
                                   sst_recon_result *res, sst_ctx *prog,
                                   sst_error *err);

/* Start of the descent for region r (recon_warm.c): A (C x C, b = 0) on
 * the line from the identity to the gamma -> infinity Gram-matching map,
 * the grid point with the lowest J; with it Sigma_o, mu_o and the content
 * term there, and t (0 = the identity).  Only with a poly term and no
 * Gaussian one (otherwise the identity, t = 0). */
sst_status sst_recon_warm_start(const sst_region_stats *r,
                                const sst_termset *ts, double gamma,
                                double poly_c, int C, double *A,
                                double *sig_o, double *mu_o, double *content,
                                double *t_out, sst_error *err);

/* Builds region r's warm-start data (state 1, or -1 when the moments give
 * no map); called by sst_recon_stats_new. */
sst_status sst_warm_prepare(const sst_region_stats *r, int C,
                            sst_warm_cache *wc, sst_error *err);
void sst_warm_cache_free(sst_warm_cache *wc);

/* One region's pixels for the per-pixel methods (recon_pixregion.c). */
typedef struct {
  const sst_recon_stats *st;
  const sst_region_stats *r;
  const sst_termset *ts;
  double gamma, poly_c;
  int C, n;
  int *idx; /* n pixel indices with weight > 0 */
  float *w; /* their weights */
  double W;
  void *est; /* the per-pixel kernel's estimator (ts->pixel), or NULL */
  double *mu_o, *sig_o, *g_mu, *G, *Gd; /* statistics kernels */
  sst_ctx *prog;
  float frac;
} sst_pixel_region;
sst_status sst_pixel_region_init(sst_pixel_region *rc,
                                 const sst_recon_stats *st,
                                 const sst_termset *ts,
                                 const sst_recon_params *p, int k,
                                 sst_ctx *prog, sst_error *err);
void sst_pixel_region_free(sst_pixel_region *rc);

/* Test hook: S_total of region k at o (C x reg[k].n, row-major, scaled,
 * pixels with weight > 0 in index order) and dS/do (same layout), computed
 * exactly as the plain reference path does (float64). */
sst_status sst_recon_eval_plain(const sst_recon_stats *st,
                                const sst_recon_params *p, int k,
                                const double *o, double *S, double *grad,
                                sst_error *err);
#endif
