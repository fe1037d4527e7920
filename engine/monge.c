/* monge.c - symmetric-matrix helpers and the Gaussian optimal-transport
 * ("Monge") map between two second moments, shared by the poly warm start
 * (recon_warm.c, C = feature channels) and the colour match
 * (color_match.c, C = 3).  Double precision throughout. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monge.h"

extern void dsyevd_(const char *jobz, const char *uplo, const int *n,
                    double *a, const int *lda, double *w, double *work,
                    const int *lwork, int *iwork, const int *liwork, int *info,
                    size_t jobz_len, size_t uplo_len);

int sst_sym_eig(int C, double *M, double *ev) {
  int info = 0, lwork = -1, liwork = -1, iw = 0;
  double wq = 0.0;
  dsyevd_("V", "U", &C, M, &C, ev, &wq, &lwork, &iw, &liwork, &info, 1, 1);
  if (info != 0)
    return -1;
  lwork = (int)wq;
  liwork = iw;
  double *work = malloc(sizeof(double) * (size_t)lwork);
  int *iwork = malloc(sizeof(int) * (size_t)liwork);
  if (work && iwork)
    dsyevd_("V", "U", &C, M, &C, ev, work, &lwork, iwork, &liwork, &info, 1,
            1);
  else
    info = -1;
  free(work);
  free(iwork);
  return info != 0 ? -1 : 0;
}

int sst_sym_sqrt(int C, double *M, double *out, double *ev) {
  if (sst_sym_eig(C, M, ev))
    return -1;
  const double tol = 1e-12 * fabs(ev[C - 1]) * C;
  for (int k = 0; k < C; k++) {
    const double f = ev[k] > tol ? sqrt(sqrt(ev[k])) : 0.0; /* l^1/4 */
    for (int i = 0; i < C; i++)
      M[(size_t)k * C + i] *= f;
  }
  /* M^1/2 = V^T diag(l^1/2) V = (diag(l^1/4) V)^T (diag(l^1/4) V) */
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, C, C, 1.0, M, C, 0.0, out,
              C);
  for (int i = 0; i < C; i++)
    for (int j = 0; j < i; j++)
      out[(size_t)i * C + j] = out[(size_t)j * C + i];
  return 0;
}

void sst_symmetrise(int C, double *M) {
  for (int i = 0; i < C; i++)
    for (int j = 0; j < i; j++)
      M[(size_t)i * C + j] = M[(size_t)j * C + i] =
          0.5 * (M[(size_t)i * C + j] + M[(size_t)j * C + i]);
}

int sst_sym_clamp(int C, double *M, double lo, double hi, double *V,
                  double *ev) {
  memcpy(V, M, sizeof(double) * (size_t)C * C);
  if (sst_sym_eig(C, V, ev))
    return -1;
  /* M = sum_k clamp(l_k) v_k v_k^T (row k of V is v_k) */
  memset(M, 0, sizeof(double) * (size_t)C * C);
  for (int k = 0; k < C; k++) {
    const double l = ev[k] < lo ? lo : ev[k] > hi ? hi : ev[k];
    const double *v = V + (size_t)k * C;
    for (int i = 0; i < C; i++)
      for (int j = 0; j < C; j++)
        M[(size_t)i * C + j] += l * v[i] * v[j];
  }
  return 0;
}

extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
                    int *info, size_t uplo_len);

/* Sigma_c = U^T U (U upper triangular, row-major) into U; a ridge of
 * 1e-6 x the mean variance is added when Sigma_c is singular (dead
 * channels in the region).  0 on success. */
static int content_factor(int C, const double *sig_c, double *U) {
  const size_t cc = (size_t)C * C;
  double mean_var = 0.0;
  for (int i = 0; i < C; i++)
    mean_var += sig_c[(size_t)i * C + i] / C;
  for (int attempt = 0; attempt < 2; attempt++) {
    memcpy(U, sig_c, sizeof(double) * cc);
    if (attempt)
      for (int i = 0; i < C; i++)
        U[(size_t)i * C + i] += 1e-6 * mean_var;
    /* column-major lower L (Sigma_c = L L^T) is row-major upper U = L^T */
    int info = 0;
    dpotrf_("L", &C, U, &C, &info, 1);
    if (info == 0)
      return 0;
  }
  return -1;
}

/* T Sigma_c T = U^-1 U Sigma_s U^T U^-T = Sigma_s and T is symmetric
 * positive definite, hence the unique such map; this form costs one
 * Cholesky and one eigendecomposition instead of two of the latter. */
int sst_monge_map(int C, const double *sig_c, const double *sig_s, double *T,
                  double *a, double *b, double *ev) {
  const size_t cc = (size_t)C * C;
  if (content_factor(C, sig_c, a)) /* a = U */
    return -1;
  memcpy(b, sig_s, sizeof(double) * cc);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, C, C, 1.0, a, C, b, C); /* b = U Sigma_s */
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans,
              CblasNonUnit, C, C, 1.0, a, C, b, C); /* b = U Sigma_s U^T */
  sst_symmetrise(C, b); /* dsyevd reads one triangle */
  if (sst_sym_sqrt(C, b, T, ev)) /* T = (U Sigma_s U^T)^1/2 */
    return -1;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans,
              CblasNonUnit, C, C, 1.0, a, C, T, C); /* U^-1 T */
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans,
              CblasNonUnit, C, C, 1.0, a, C, T, C); /* ... U^-T */
  sst_symmetrise(C, T);
  return 0;
}

