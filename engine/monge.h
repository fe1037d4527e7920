/* monge.h - small dense symmetric-matrix helpers (row-major, double) and the
 * Gaussian optimal-transport map between two second moments.  Internal to
 * the engine. */
#ifndef SST_MONGE_H
#define SST_MONGE_H

/* Eigen-decomposition of symmetric M (C x C, upper triangle read): on
 * return row k of M is the eigenvector of ev[k], ascending.  0 on
 * success. */
int sst_sym_eig(int C, double *M, double *ev);

/* out = M^1/2 for symmetric positive semi-definite M; eigenvalues below a
 * relative tolerance count as 0.  M is overwritten, ev gets C values.  0
 * on success. */
int sst_sym_sqrt(int C, double *M, double *out, double *ev);

/* M = (M + M^T) / 2 in place: exact symmetry after products whose rounding
 * differs between the two triangles. */
void sst_symmetrise(int C, double *M);

/* Clamps the eigenvalues of symmetric M into [lo, hi] in place.  V (C x C)
 * and ev (C) are scratch.  0 on success. */
int sst_sym_clamp(int C, double *M, double lo, double hi, double *V,
                  double *ev);

/* T = U^-1 (U S U^T)^1/2 U^-T with Sigma_c = U^T U: the symmetric positive
 * definite map with T Sigma_c T = S, the one closest to the identity (the
 * Monge map between centred Gaussians of second moments Sigma_c and S).
 * A ridge of 1e-6 x the mean variance is added to Sigma_c when it is
 * singular.  a, b (C x C) and ev (C) are scratch.  0 on success, -1 when
 * there is no map (Sigma_c zero, or LAPACK failed). */
int sst_monge_map(int C, const double *sig_c, const double *S, double *T,
                  double *a, double *b, double *ev);
#endif
