/* reconstruct.c - sst_recon_solve: picks the method for a parameter set
 * from one table and runs it (see reconstruct.h).
 *
 * Every method lives in its own file and calls down into shared pieces:
 * the kernel terms (recon_terms.c, kernels.c), the Armijo descent
 * (recon_descent.c), the per-region runner (recon_regions.c), the warm
 * start (recon_warm.c) and the statistics (recon_stats.c).  The float64
 * reference is recon_plain.c.  A new method is one file and one row. */
#include <stdlib.h>

#include "error.h"
#include "recon_internal.h"

#define ITER_SHARE 0.9f /* progress share of the iterations vs the apply */

/* gamma 0 or no iterations: the target is exactly the content. */
static sst_status content_solve(const sst_recon_stats *st,
                                const sst_termset *ts,
                                const sst_recon_params *p,
                                sst_recon_result *res, sst_ctx *prog,
                                sst_error *err) {
  (void)ts;
  (void)p;
  res->target = st->fc; /* NULL when streamed: content_only says it */
  res->content_only = 1;
  if (sst_ctx_tick(prog, 1.0f))
    return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  return SST_OK;
}

static int wants_patch(const sst_termset *ts, const sst_recon_params *p) {
  (void)ts;
  return p->method == SST_METHOD_PATCH;
}

static int wants_content(const sst_termset *ts, const sst_recon_params *p) {
  (void)ts;
  return p->gamma == 0.0 || p->iterations == 0;
}

static int wants_pixels(const sst_termset *ts, const sst_recon_params *p) {
  (void)p;
  return ts->pixel != NULL;
}

static int wants_factored(const sst_termset *ts, const sst_recon_params *p) {
  (void)p;
  return ts->full;
}

static int always(const sst_termset *ts, const sst_recon_params *p) {
  (void)ts;
  (void)p;
  return 1;
}

typedef struct {
  int (*applies)(const sst_termset *ts, const sst_recon_params *p);
  sst_recon_method_fn *solve;
} recon_method;

/* The first row that applies runs. */
static const recon_method methods[] = {
    {wants_patch, sst_recon_patch_solve},       /* recon_patch.c */
    {wants_content, content_solve},             /* above */
    {wants_pixels, sst_recon_pixel_solve},      /* recon_pixel.c */
    {wants_factored, sst_recon_factored_solve}, /* recon_factored.c */
    {always, sst_recon_affine_solve},           /* recon_affine.c */
};

/* The rows of the table above that read the whole content: the patch
 * method and the per-pixel (Gaussian) one. */
int sst_recon_streamable(const sst_recon_params *p) {
  if (p->method == SST_METHOD_PATCH)
    return 0;
  if (p->gamma == 0.0 || p->iterations == 0)
    return 1;
  const int fuse = p->fuse_kernel != SST_KERNEL_NONE && p->fuse_weight > 0.0;
  return p->kernel != SST_KERNEL_GAUSSIAN &&
         !(fuse && p->fuse_kernel == SST_KERNEL_GAUSSIAN);
}

sst_status sst_recon_solve(const sst_recon_stats *st, const sst_recon_params *p,
                           sst_recon_result **out, sst_ctx *prog,
                           sst_error *err) {
  *out = NULL;
  sst_termset ts;
  sst_status rc = sst_recon_check_params(st, p, &ts, err);
  if (rc != SST_OK)
    return rc;
  sst_recon_result *res = calloc(1, sizeof *res);
  if (!res)
    return sst_fail(err, SST_ERR_NOMEM, "reconstruct: out of memory");
  res->st = st;
  const recon_method *m = methods;
  while (!m->applies(&ts, p))
    m++;
  if (!st->fc && m->solve != sst_recon_factored_solve &&
      m->solve != sst_recon_affine_solve && m->solve != content_solve) {
    free(res);
    return sst_fail(err, SST_ERR_INVALID,
                    "reconstruct: this method needs the content features in "
                    "memory");
  }
  rc = m->solve(st, &ts, p, res, prog, err);
  if (rc != SST_OK) {
    sst_recon_result_free(res);
    return rc;
  }
  *out = res;
  return SST_OK;
}

sst_status sst_reconstruct(const sst_recon_stats *st, const sst_recon_params *p,
                           float *out, sst_ctx *prog, sst_error *err) {
  if (!out)
    return sst_fail(err, SST_ERR_INVALID, "reconstruct: missing argument");
  sst_ctx solve = sst_ctx_sub(prog, 0.0f, ITER_SHARE, NULL);
  sst_ctx apply = sst_ctx_sub(prog, ITER_SHARE, 1.0f, NULL);
  sst_recon_result *res;
  sst_status rc = sst_recon_solve(st, p, &res, prog ? &solve : NULL, err);
  if (rc != SST_OK)
    return rc;
  rc = sst_recon_result_run(res, 0, st->N, out, (size_t)st->N,
                            prog ? &apply : NULL, err);
  sst_recon_result_free(res);
  return rc;
}
