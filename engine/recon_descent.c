/* recon_descent.c - the preconditioned Armijo descent every iterative
 * method runs (affine, factored, per-pixel, plain reference), and two
 * helpers they share. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "recon_internal.h"

#define ARMIJO_C1 1e-4
#define MAX_HALVINGS 30

/* Preconditioned gradient descent with Armijo backtracking:
 * accept when J(new) <= J - c1 * eta * 2 mean_w ||d||^2 (the directional
 * derivative of J along -d is -2 mean_w ||d||^2), else halve eta.
 *
 * Each trial also fits the parabola through J(0), its slope and J(eta) and
 * tries its minimiser t.  Plain halving stalls at large gamma: the style
 * term makes J steep along the direction, the first step that passes
 * Armijo sits near the stability edge (e.g. eta = 1/16 for a curvature of
 * ~30) and the iterate oscillates, shrinking J by ~12% an iteration, so 10
 * iterations at gamma 30 moved less style than at gamma 10.  For the
 * linear kernel J is exactly quadratic along the line and t is the exact
 * minimiser; for the others the Armijo test still guards it. */
static int parabola_step(double J, double dn, double eta, double Jn,
                         double *t) {
  const double a = (Jn - J + 2.0 * dn * eta) / (eta * eta);
  if (!(a > 0.0) || !isfinite(a))
    return 0;
  *t = dn / a; /* argmin of J - 2 dn t + a t^2 */
  return *t > 0.0 && isfinite(*t) && fabs(*t - eta) > 0.05 * eta;
}

sst_status sst_recon_descend(const sst_descent_ops *ops, void *ctx, double J,
                             double dn, int iterations, sst_ctx *prog,
                             float f0, float f1, sst_error *err) {
  double eta = 1.0;
  for (int it = 0; it < iterations; it++) {
    float f = f0 + (f1 - f0) * (float)it / (float)iterations;
    *ops->frac = f;
    if (sst_ctx_tick(prog, f))
      return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
    if (!(dn > 0.0))
      break; /* stationary (gamma 0 or converged) */
    int accepted = 0;
    const int halvings = ops->max_halvings > 0 ? ops->max_halvings
                                               : MAX_HALVINGS;
    for (int h = 0; h <= halvings && !accepted; h++) {
      double Jn, Jt, t;
      sst_status rc = ops->trial(ctx, eta, &Jn, err);
      if (rc != SST_OK)
        return rc;
      const int eta_ok = Jn <= J - ARMIJO_C1 * eta * 2.0 * dn;
      if (parabola_step(J, dn, eta, Jn, &t)) {
        rc = ops->trial(ctx, t, &Jt, err);
        if (rc != SST_OK)
          return rc;
        if (Jt <= J - ARMIJO_C1 * t * 2.0 * dn && (!eta_ok || Jt <= Jn)) {
          eta = t; /* the trial slot holds t */
          accepted = 1;
        } else if (eta_ok) {
          rc = ops->trial(ctx, eta, &Jn, err); /* back to eta */
          if (rc != SST_OK)
            return rc;
          accepted = 1;
        }
        if (accepted)
          Jn = eta == t ? Jt : Jn;
      } else {
        accepted = eta_ok;
      }
      if (accepted) {
        rc = ops->accept(ctx, &dn, err);
        if (rc != SST_OK)
          return rc;
        J = Jn;
      } else {
        eta *= 0.5;
      }
    }
    if (!accepted)
      break;
    eta = 2.0 * eta < 1.0 ? 2.0 * eta : 1.0;
  }
  return SST_OK;
}

sst_status sst_recon_copy_content(const sst_recon_stats *st, float *out,
                                  sst_ctx *prog, sst_error *err) {
  memcpy(out, st->fc, sizeof(float) * (size_t)st->C * (size_t)st->N);
  if (sst_ctx_tick(prog, 1.0f))
    return sst_fail(err, SST_ERR_CANCELLED, "cancelled");
  return SST_OK;
}

int sst_recon_active_regions(const sst_recon_stats *st) {
  int n = 0;
  for (int k = 0; k < st->K; k++)
    n += st->reg[k].W > 0.0;
  return n;
}
