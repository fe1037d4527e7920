/* color_match.h - per-region colour statistics transfer after decoding.
 *
 * The decoder turns a reconstructed feature back into pixels, but its
 * colours stay nearer the content's than the style's (QUALITY.md).  This
 * last step moves each region's RGB mean and covariance to those of the
 * matching style region with the Gaussian optimal-transport map (the
 * affine map of least displacement that does it), mixed with the identity
 * by a strength in [0, 1].  Regions are the same soft masks the
 * reconstruction uses, sampled bilinearly at each pixel, so region edges
 * blend instead of stepping.  Internal to the engine. */
#ifndef SST_COLOR_MATCH_H
#define SST_COLOR_MATCH_H
#include "context.h"

/* Largest gain of a colour map (eigenvalue of its 3x3 part): a nearly flat
 * region would otherwise have its noise blown up to the style's spread. */
#define SST_COLOR_MAX_GAIN 4.0
/* Added to both covariances: about the variance of 8-bit quantisation
 * (2/255)^2, so a flat region has a well-defined map. */
#define SST_COLOR_RIDGE 6e-5

typedef struct {
  double w;       /* sum of the weights */
  double mean[3]; /* weighted mean */
  double cov[9];  /* weighted centred covariance (row-major 3 x 3) */
} sst_color_moments;

/* Soft region masks on a feature grid: grid[k * gw * gh + y * gw + x] for K
 * regions in cells of block x block pixels (the weights of a cell sum to
 * 1).  A pixel's weights are the grid sampled bilinearly at its centre. */
typedef struct {
  const float *grid;
  int K, gw, gh, block;
} sst_region_masks;

/* out[k] for each region of m (out[0] alone, every pixel weight 1, when m
 * is NULL). */
void sst_color_moments_compute(const sst_image *img, const sst_region_masks *m,
                               sst_color_moments *out, const sst_ctx *ctx);

/* The map x -> A x + b (map[0..8] = A row-major, map[9..11] = b) that takes
 * moments src to dst, mixed with the identity: A = (1-s) I + s T,
 * b = s (mean_dst - T mean_src).  The identity when s is 0 or either side
 * has no weight. */
void sst_color_map_solve(const sst_color_moments *src,
                         const sst_color_moments *dst, double strength,
                         double map[12]);

/* img = sum_k w_k(pixel) (A_k x + b_k), clamped to [0, 1]; maps[k] for each
 * region of m (maps[0] alone when m is NULL). */
void sst_color_apply(sst_image *img, const sst_region_masks *m,
                     const double (*maps)[12], const sst_ctx *ctx);
#endif
