"""The engine's default reconstruction (poly kernel, c = 0, 10 iterations,
one region = the whole image; gamma 30 here, the engine's default when the
screens were run, 100 since 2026-12-04) in numpy float64, for the
decoder-free screen of the engine's own path (screen_engine_path.py).

Why a mirror and not the engine: the engine keeps its symbols hidden
(engine/meson.build) and the CLI never writes the target feature, so the
screen re-does the solve from the engine's formulas:

* features divided by s = RMS of all style features (recon_stats.c);
* per region the uncentred statistics mu = mean c, Sigma = mean c c^T;
* S = ||Sigma_o - Sigma_s||_F^2 / C + 2 c ||mu_o - mu_s||^2 / C, with
  dS/dSigma = 2 (Sigma_o - Sigma_s) / C, dS/dmu = 4 c (mu_o - mu_s) / C
  (kernels.c);
* o = A~ c~ (A~ = [A b], c~ = [c; 1]), J = mean ||o - c||^2 + gamma S,
  so with S~ = mean c~ c~^T: Sigma_o = A~ S~ A~^T (the C x C block),
  mu_o = A~ S~ e_C, content term tr((A~ - I~) S~ (A~ - I~)^T);
* warm start on the line A = I + t (T - I), t in {0, 1/16, .., 1} (first
  minimum of J wins), T the Gram-matching Monge map
  U^-1 (U Sigma_s U^T)^1/2 U^-T, Sigma_c = U^T U (monge.c, recon_warm.c);
* then the preconditioned Armijo descent with the parabola step of
  recon_descent.c, direction D~ = (A~ - I~) + gamma G A~ + gamma/2 g_mu
  e_C^T, |direction|^2 = tr(D~ S~ D~^T) (recon_factored.c: the same
  iterates as its factored X = A~ L form);
* target = A c + s b (recon_result.c).

The engine runs three C^3 products in float32; this mirror is float64
throughout, so the two agree to float32 rounding, not bit for bit
(tests/train/test_screen_engine.py compares them).
"""
import numpy as np

ARMIJO_C1 = 1e-4
MAX_HALVINGS = 30
T_GRID = 16


def stats_terms(mu_o, sig_o, mu_s, sig_s, poly_c):
    """S, g_mu = dS/dmu, G = dS/dSigma for the poly kernel (kernels.c)."""
    C = len(mu_o)
    d = sig_o - sig_s
    dm = mu_o - mu_s
    S = ((d * d).sum() + 2.0 * poly_c * (dm * dm).sum()) / C
    return S, 4.0 * poly_c * dm / C, 2.0 * d / C


def _cholesky_upper(sig_c):
    """U with Sigma_c = U^T U; a 1e-6 x mean-variance ridge when singular
    (monge.c content_factor)."""
    C = len(sig_c)
    for ridge in (0.0, 1e-6 * np.trace(sig_c) / C):
        try:
            return np.linalg.cholesky(sig_c + ridge * np.eye(C)).T
        except np.linalg.LinAlgError:
            continue
    return None


def _sym_sqrt(M):
    """M^1/2 dropping eigenvalues below 1e-12 |l_max| C (monge.c)."""
    ev, V = np.linalg.eigh(M)
    tol = 1e-12 * abs(ev[-1]) * len(M)
    return (V * np.where(ev > tol, np.sqrt(np.maximum(ev, 0.0)), 0.0)) @ V.T


def monge_map(sig_c, sig_s):
    """The symmetric T with T Sigma_c T = Sigma_s (Cholesky form of
    monge.c), or None when Sigma_c has no factor."""
    U = _cholesky_upper(sig_c)
    if U is None:
        return None
    M = U @ sig_s @ U.T
    R = _sym_sqrt(0.5 * (M + M.T))
    Ui = np.linalg.inv(U)
    T = Ui @ R @ Ui.T
    return 0.5 * (T + T.T)


def warm_start(mu_c, sig_c, mu_s, sig_s, gamma, poly_c):
    """(A0, t): the start of the descent (recon_warm.c)."""
    C = len(mu_c)
    I = np.eye(C)
    if not gamma > 0.0:
        return I, 0.0
    T = monge_map(sig_c, sig_s)
    if T is None:
        return I, 0.0
    D = T - I
    DS = D @ sig_c
    L1, L2 = DS + DS.T, DS @ D.T
    trL2, Dmu = np.trace(L2), D @ mu_c
    best = gamma * stats_terms(mu_c, sig_c, mu_s, sig_s, poly_c)[0]
    best_t = 0.0
    for q in range(1, T_GRID + 1):
        t = q / T_GRID
        J = t * t * trL2 + gamma * stats_terms(mu_c + t * Dmu, sig_c + t * L1 + t * t * L2,
                                               mu_s, sig_s, poly_c)[0]
        if J < best:
            best, best_t = J, t
    return I + best_t * D, best_t


class _Problem:
    """J, its direction and trials in the (A, b) coordinates."""

    def __init__(self, mu_c, sig_c, mu_s, sig_s, gamma, poly_c):
        C = len(mu_c)
        self.C = C
        self.St = np.empty((C + 1, C + 1))
        self.St[:C, :C], self.St[:C, C], self.St[C, :C], self.St[C, C] = sig_c, mu_c, mu_c, 1.0
        self.It = np.eye(C, C + 1)
        self.mu_s, self.sig_s, self.gamma, self.poly_c = mu_s, sig_s, gamma, poly_c

    def J(self, At):
        M = At @ self.St
        sig_o, mu_o = M @ At.T, M[:, self.C]
        E = At - self.It
        content = np.einsum("ij,ij->", E @ self.St, E)
        S, g_mu, G = stats_terms(mu_o, sig_o, self.mu_s, self.sig_s, self.poly_c)
        return content + self.gamma * S, g_mu, G

    def direction(self, At, g_mu, G):
        Dt = (At - self.It) + self.gamma * (G @ At)
        Dt[:, self.C] += 0.5 * self.gamma * g_mu
        return Dt, np.einsum("ij,ij->", Dt @ self.St, Dt)


def _parabola(J, dn, eta, Jn):
    a = (Jn - J + 2.0 * dn * eta) / (eta * eta)
    if not (a > 0.0) or not np.isfinite(a):
        return None
    t = dn / a
    return t if (t > 0.0 and np.isfinite(t) and abs(t - eta) > 0.05 * eta) else None


def solve(fc, fs, gamma=30.0, poly_c=0.0, iterations=10):
    """fc (C, N), fs (C, M) relu features -> (target (C, N) float64, info).
    One region (no maps): the whole content against the whole style."""
    fc = np.asarray(fc, np.float64)
    fs = np.asarray(fs, np.float64)
    C, N = fc.shape
    ss = (fs * fs).sum()
    s = np.sqrt(ss / fs.size) if ss > 0 else 1.0
    if gamma == 0.0 or iterations == 0:
        return fc.copy(), dict(scale=s, t=0.0, J0=0.0, J=0.0, iters=0)
    c, st = fc / s, fs / s
    mu_c, sig_c = c.mean(1), c @ c.T / N
    mu_s, sig_s = st.mean(1), st @ st.T / st.shape[1]
    p = _Problem(mu_c, sig_c, mu_s, sig_s, gamma, poly_c)
    A0, t0 = warm_start(mu_c, sig_c, mu_s, sig_s, gamma, poly_c)
    At = np.zeros((C, C + 1))
    At[:, :C] = A0
    J, g_mu, G = p.J(At)
    J0 = J
    Dt, dn = p.direction(At, g_mu, G)
    eta, done = 1.0, 0
    for _ in range(iterations):
        if not dn > 0.0:
            break
        accepted = False
        for _h in range(MAX_HALVINGS + 1):
            Jn = p.J(At - eta * Dt)[0]
            eta_ok = Jn <= J - ARMIJO_C1 * eta * 2.0 * dn
            t = _parabola(J, dn, eta, Jn)
            if t is not None:
                Jt = p.J(At - t * Dt)[0]
                if Jt <= J - ARMIJO_C1 * t * 2.0 * dn and (not eta_ok or Jt <= Jn):
                    eta, Jn, accepted = t, Jt, True
                elif eta_ok:
                    accepted = True
            else:
                accepted = eta_ok
            if accepted:
                At = At - eta * Dt
                J, g_mu, G = p.J(At)
                Dt, dn = p.direction(At, g_mu, G)
                done += 1
                break
            eta *= 0.5
        if not accepted:
            break
        eta = min(2.0 * eta, 1.0)
    target = At[:, :C] @ fc + s * At[:, C:C + 1]
    return target, dict(scale=s, t=t0, J0=J0, J=J, iters=done)
