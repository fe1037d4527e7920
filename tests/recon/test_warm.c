/* test_warm.c - the start of the poly descent (engine/recon_warm.c).
 *
 * 1. At a huge gamma the start is the Gram-matching map itself (t = 1), and
 *    that map is checked by its defining properties, computed here from
 *    the returned matrix: A Sigma_c A = Sigma_s, A symmetric and positive
 *    definite (the unique such solution, hence the one closest to the
 *    identity), with the returned Sigma_o, mu_o and content term matching
 *    A applied to the content moments.
 * 2. At every gamma the start's J is not above the identity's.
 * 3. End to end (10 iterations, the default): the poly style term of the
 *    result does not grow with gamma.  Before the warm start, gamma 300 to
 *    1000 moved less style than gamma 30 on real features (and this check
 *    fails here too without it).
 * 4. A dead content channel (singular Sigma_c) still gets a start. */
#include "kernels.h"
#include "recon_internal.h"
#include "recon_test_util.h"

enum { C = 8, N = 400, M = 300 };
static float fc[C * N], fs[C * M];

static void make_data(void) {
  rng_seed(77);
  fill_relu(fc, C * N, 1.0, 0.2);
  /* style: strongly correlated channels with a wide spread of variances */
  for (int j = 0; j < M; j++) {
    double z = rng_normal();
    for (int c = 0; c < C; c++) {
      double v = (0.2 + c) * rng_normal() + 1.5 * z + 0.1 * c;
      fs[c * M + j] = (float)(v > 0 ? v : 0.0);
    }
  }
}

static double J_at(const sst_termset *ts, double gamma, const double *mu,
                   const double *sig, double content,
                   const sst_region_stats *r) {
  double gm[C], G[C * C], gd[C];
  return content +
         gamma * sst_recon_stats_terms(ts, 0.0, C, mu, sig, r->style, gm, G,
                                       gd);
}

static void test_map(const sst_recon_stats *st, const sst_termset *ts) {
  const sst_region_stats *r = &st->reg[0];
  double A[C * C], sig[C * C], mu[C], content, t;
  sst_error err = {0};
  CHECK(sst_recon_warm_start(r, ts, 1e8, 0.0, C, A, sig, mu, &content, &t,
                             &err) == SST_OK,
        "warm start: %s", err.msg);
  CHECK(t == 1.0, "gamma 1e8: t = %g, expected the map itself (1)", t);
  double amax = 0.0, asym = 0.0;
  for (int i = 0; i < C; i++)
    for (int j = 0; j < C; j++) {
      amax = fmax(amax, fabs(A[i * C + j]));
      asym = fmax(asym, fabs(A[i * C + j] - A[j * C + i]));
    }
  CHECK(asym <= 1e-9 * amax, "map not symmetric: %g of %g", asym, amax);
  /* positive definite: Cholesky without a non-positive pivot */
  double L[C * C] = {0};
  int pd = 1;
  for (int j = 0; j < C && pd; j++) {
    double d = A[j * C + j];
    for (int k = 0; k < j; k++)
      d -= L[j * C + k] * L[j * C + k];
    if (!(d > 0.0)) {
      pd = 0;
      break;
    }
    L[j * C + j] = sqrt(d);
    for (int i = j + 1; i < C; i++) {
      double s = A[i * C + j];
      for (int k = 0; k < j; k++)
        s -= L[i * C + k] * L[j * C + k];
      L[i * C + j] = s / L[j * C + j];
    }
  }
  CHECK(pd, "map not positive definite");
  /* A Sigma_c A^T against Sigma_s and against the returned Sigma_o;
   * A mu_c against mu_o; tr((A - I) Sigma_c (A - I)^T) against content */
  double e_s = 0.0, e_o = 0.0, smax = 0.0, cont = 0.0, e_mu = 0.0;
  for (int i = 0; i < C; i++) {
    double m = 0.0;
    for (int k = 0; k < C; k++)
      m += A[i * C + k] * r->mu[k];
    e_mu = fmax(e_mu, fabs(m - mu[i]));
    for (int j = 0; j < C; j++) {
      double v = 0.0, w = 0.0;
      for (int k = 0; k < C; k++)
        for (int l = 0; l < C; l++) {
          v += A[i * C + k] * r->sig[k * C + l] * A[j * C + l];
          w += (A[i * C + k] - (i == k)) * r->sig[k * C + l] *
               (A[j * C + l] - (j == l));
        }
      if (i == j)
        cont += w;
      smax = fmax(smax, fabs(r->style->sig[i * C + j]));
      e_s = fmax(e_s, fabs(v - r->style->sig[i * C + j]));
      e_o = fmax(e_o, fabs(v - sig[i * C + j]));
    }
  }
  printf("map: |A S_c A - S_s| = %.2e (of %.3g), symmetric to %.1e, "
         "positive definite\n",
         e_s, smax, asym);
  CHECK(e_s <= 1e-8 * smax, "A Sigma_c A differs from Sigma_s by %g", e_s);
  CHECK(e_o <= 1e-9 * smax, "returned Sigma_o differs by %g", e_o);
  CHECK(e_mu <= 1e-9 * smax, "returned mu_o differs by %g", e_mu);
  CHECK(fabs(cont - content) <= 1e-9 * fmax(1.0, cont),
        "content term %g, expected %g", content, cont);
}

static void test_not_worse(const sst_recon_stats *st, const sst_termset *ts) {
  const sst_region_stats *r = &st->reg[0];
  const double gammas[] = {0.01, 0.5, 5.0, 50.0, 500.0};
  int moved = 0;
  for (int g = 0; g < 5; g++) {
    double A[C * C], sig[C * C], mu[C], content, t;
    sst_error err = {0};
    CHECK(sst_recon_warm_start(r, ts, gammas[g], 0.0, C, A, sig, mu, &content,
                               &t, &err) == SST_OK,
          "%s", err.msg);
    double J0 = J_at(ts, gammas[g], r->mu, r->sig, 0.0, r);
    double J1 = J_at(ts, gammas[g], mu, sig, content, r);
    printf("gamma %-6g: start t = %.4f, J %.6g (identity %.6g)\n", gammas[g],
           t, J1, J0);
    CHECK(J1 <= J0, "gamma %g: start J %g above the identity's %g", gammas[g],
          J1, J0);
    moved += t > 0.0;
  }
  CHECK(moved >= 3, "the start left the identity at only %d of 5 gammas",
        moved);
}

static double style_term(const sst_recon_stats *st, double gamma) {
  static float out[C * N];
  static double o[C * N], grad[C * N];
  sst_recon_params p = {SST_KERNEL_POLY, gamma, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  sst_error err = {0};
  CHECK(sst_reconstruct(st, &p, out, NULL, &err) == SST_OK, "%s", err.msg);
  for (int i = 0; i < C * N; i++)
    o[i] = out[i] / st->scale;
  double S = 0.0;
  CHECK(sst_recon_eval_plain(st, &p, 0, o, &S, grad, &err) == SST_OK, "%s",
        err.msg);
  return S;
}

static void test_monotone(const sst_recon_stats *st) {
  const double gammas[] = {30.0, 300.0, 3000.0};
  double S[3];
  for (int g = 0; g < 3; g++) {
    S[g] = style_term(st, gammas[g]);
    printf("10 iterations, gamma %-5g: style term %.6g\n", gammas[g], S[g]);
  }
  CHECK(S[1] <= S[0] && S[2] <= S[1],
        "style term grows with gamma: %g, %g, %g", S[0], S[1], S[2]);
}

/* A dead content channel makes Sigma_c singular: the map still comes
 * (ridge retry), the start still leaves the identity and is not worse. */
static void test_dead_channel(void) {
  static float fd[C * N];
  memcpy(fd, fc, sizeof fd);
  for (int i = 0; i < N; i++)
    fd[3 * N + i] = 0.0f;
  sst_recon_stats *st = stats_or_fail(fd, C, N, NULL, fs, M, NULL, 1);
  sst_error err = {0};
  if (!st)
    return;
  sst_recon_params p = {SST_KERNEL_POLY, 50.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  sst_termset ts;
  CHECK(sst_recon_check_params(st, &p, &ts, &err) == SST_OK, "%s", err.msg);
  const sst_region_stats *r = &st->reg[0];
  double A[C * C], sig[C * C], mu[C], content, t;
  CHECK(sst_recon_warm_start(r, &ts, 50.0, 0.0, C, A, sig, mu, &content, &t,
                             &err) == SST_OK,
        "%s", err.msg);
  double J0 = J_at(&ts, 50.0, r->mu, r->sig, 0.0, r);
  double J1 = J_at(&ts, 50.0, mu, sig, content, r);
  printf("dead channel, gamma 50: start t = %.4f, J %.6g (identity %.6g)\n",
         t, J1, J0);
  CHECK(t > 0.0 && J1 < 0.5 * J0,
        "dead channel: start t %g, J %g against the identity's %g", t, J1, J0);
  sst_recon_stats_free(st);
}

int main(void) {
  make_data();
  sst_recon_stats *st = stats_or_fail(fc, C, N, NULL, fs, M, NULL, 1);
  sst_error err = {0};
  if (!st)
    return 1;
  sst_recon_params p = {SST_KERNEL_POLY, 1.0, 0.0, SST_KERNEL_NONE, 0.0, 10, SST_METHOD_STATS, 0, 0.0, 0.0, 0.0};
  sst_termset ts;
  CHECK(sst_recon_check_params(st, &p, &ts, &err) == SST_OK, "%s", err.msg);
  test_map(st, &ts);
  test_not_worse(st, &ts);
  test_monotone(st);
  sst_recon_stats_free(st);
  test_dead_channel();
  printf(failures ? "recon_warm: %d FAILURES\n" : "recon_warm: all passed\n",
         failures);
  return failures ? 1 : 0;
}
