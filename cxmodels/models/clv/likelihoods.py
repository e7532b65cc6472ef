"""Log-likelihoods of the BTYD models with their analytic gradients, on distinct rows with weights.

`LIKELIHOODS[model](rows)` prepares what does not depend on the parameters; calling it
with the parameters (a sequence in the order of `PARAMETERS[model]`) returns the
log-likelihood summed over the customers (each row counts `rows.weight` times) and its
gradient with respect to the logarithm of each parameter. Functions of one column are
evaluated once per distinct value of that column; only the terms that mix columns are
evaluated per row. Sums of exponentials are taken in log space, so the log-likelihood
stays finite wherever the parameters are finite and positive.

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", eq. (6);
MBG/NBD: Batislam, Denizel & Filiztekin (2007); Pareto/NBD: Fader & Hardie (2005),
note 009, eq. (18)-(20); Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV", and
Hardie's note 025; BG/BB: Fader, Hardie & Shang (2010), eq. (5).
"""

from functools import partial

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from cxmodels.models.clv.formulas import PURCHASE_PARAMETERS, SPEND_PARAMETERS, bgbb_log_likelihood
from cxmodels.models.clv.rows import Rows

PARAMETERS = {**PURCHASE_PARAMETERS, "gammagamma": SPEND_PARAMETERS}
SERIES_TERMS = 400  # Pareto/NBD: hypergeometric terms summed with their derivatives before falling back


class BetaGeometric:
    """BG/NBD (`dies_at_first` False) and MBG/NBD (True: a customer may also drop out at the first purchase).

    log L = A1(x) + A2(x) - r log(1 + T / alpha) - x log(alpha + T) + log(1 + [can die] e^d), with
    A1 = log G(r + x) - log G(r), A2 = log B(a, b + x + k) - log B(a, b) (k = 1 for MBG/NBD), both sums of
    x + k logarithms (`_rising`), and d = log a - log(b + x - 1 + k) + (r + x) log(1 + (T - t_x) / (alpha + t_x));
    a BG/NBD customer can die only after a repeat purchase (x > 0). Written so, the terms stay exact when
    r and alpha, or a and b, grow large together (no spread in the purchase rate or the dropout).
    """

    def __init__(self, rows: Rows, dies_at_first: bool):
        self.k = 1 if dies_at_first else 0
        x, T, t = (rows.columns[name] for name in ("frequency", "T", "recency"))
        self.xs, self.Ts, self.ts = x.values.astype(np.int64), T.values, t.values
        w = rows.weight
        self.customers = rows.customers
        self.w_x = np.bincount(x.code, w, len(x.values))
        self.w_T = np.bincount(T.code, w, len(T.values))
        self.wx_T = np.bincount(T.code, w * x.of_rows, len(T.values))
        dies = slice(None) if dies_at_first else x.of_rows > 0
        self.x_of, self.T, self.t = x.code[dies], T.of_rows[dies], t.of_rows[dies]
        self.x, self.w = x.of_rows[dies], w[dies]

    def __call__(self, params) -> tuple[float, np.ndarray]:
        r, alpha, a, b = params
        xs, k, Ts = self.xs, self.k, self.Ts
        j = np.arange(xs.max() + k)
        a1, a1_r = _rising(xs, np.log(r + j), 1 / (r + j))
        a2, a2_a, a2_b = _rising(xs + k, np.log1p(-a / (a + b + j)), -1 / (a + b + j), a / ((b + j) * (a + b + j)))
        ages = np.log1p(Ts / alpha)
        value = self.w_x @ (a1 + a2) - r * (self.w_T @ ages) - self.wx_T @ np.log(alpha + Ts)
        d_r = self.w_x @ a1_r - self.w_T @ ages
        d_alpha = r * (self.w_T @ (Ts / (alpha * (alpha + Ts)))) - self.wx_T @ (1 / (alpha + Ts))
        d_a, d_b = self.w_x @ a2_a, self.w_x @ a2_b

        gap = alpha + self.t
        spread = np.log1p((self.T - self.t) / gap)
        exponent = r + self.x
        b_x = np.where(xs + k > 0, b + xs - 1 + k, 1.0)  # BG/NBD at x = 0: no dropout term
        d = np.log(a) - np.log(b_x)[self.x_of] + exponent * spread
        softplus, sigmoid = _softplus(d)
        value += _dot(self.w, softplus)
        weighted_dead = self.w * sigmoid  # the derivative of log(1 + e^d) in d, times the weights
        d_r += _dot(weighted_dead, spread)
        d_alpha -= _dot(weighted_dead * exponent, (self.T - self.t) / ((alpha + self.T) * gap))
        d_a += weighted_dead.sum() / a
        d_b -= np.bincount(self.x_of, weighted_dead, len(xs)) @ (1 / b_x)
        return float(value), np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])


def _rising(counts: np.ndarray, *terms: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each array of terms, the sum of its first `count` terms, for each of `counts`: e.g. log G(r + x)
    - log G(r) as the sum of log(r + j) over j < x, without the cancellation of two large log-gammas."""
    return tuple(np.concatenate([[0.0], np.cumsum(values)])[counts] for values in terms)


class Pareto:
    """Pareto/NBD: log L = log G(r + x) - log G(r) + r log alpha + s log beta
    + log((alpha + T)^-(r + x) (beta + T)^-s + s K), with K = I(t_x) - I(T) and
    I(t) = integral from t to infinity of (alpha + u)^-(r + x) (beta + u)^-(s + 1) du (death unseen after t_x).

    I is evaluated once per distinct (x, t) pair, as the hypergeometric function of `log_tail`.
    """

    def __init__(self, rows: Rows):
        x, T, t = (rows.columns[name] for name in ("frequency", "T", "recency"))
        self.customers, self.w = rows.customers, rows.weight
        self.xs, self.x, self.Ts, self.T_of = x.values, x.of_rows, T.values, T.code
        self.w_x = np.bincount(x.code, rows.weight, len(x.values))
        times, time_of = np.unique(np.concatenate([t.values, T.values]), return_inverse=True)
        pairs = np.concatenate([x.code * len(times) + time_of[:len(t.values)][t.code],
                                x.code * len(times) + time_of[len(t.values):][T.code]])
        pairs, pair_of = np.unique(pairs, return_inverse=True)
        self.pair_x, self.pair_t = x.values[pairs // len(times)], times[pairs % len(times)]
        self.from_pair, self.to_pair = pair_of[:len(self.x)], pair_of[len(self.x):]  # I(t_x) and I(T) of each row
        self.unseen = t.of_rows < T.of_rows  # K > 0: there was time to die unseen after the last purchase

    def __call__(self, params) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = params
        n, w, Ts = self.customers, self.w, self.Ts
        log_aT, log_bT = np.log(alpha + Ts), np.log(beta + Ts)
        log_alive = -(r + self.x) * log_aT[self.T_of] - s * log_bT[self.T_of]  # (alpha + T)^-(r + x) (beta + T)^-s
        log_tails, tail_gradient = log_tail(params, self.pair_x, self.pair_t)
        log_from = log_tails[self.from_pair]
        remaining = np.where(self.unseen, np.exp(log_tails[self.to_pair] - log_from), 0.0)  # I(T) / I(t_x)
        with np.errstate(divide="ignore"):  # t_x = T: K = 0
            log_dead = np.log(s) + log_from + np.log1p(-remaining) + np.where(self.unseen, 0.0, -np.inf)
        softplus, share_dead = _softplus(log_dead - log_alive)
        value = (self.w_x @ gammaln(r + self.xs) + n * (r * np.log(alpha) + s * np.log(beta) - gammaln(r))
                 + _dot(w, log_alive) + _dot(w, softplus))
        alive, dead = w * (1 - share_dead), w * share_dead
        alive_T, alive_xT = np.bincount(self.T_of, alive, len(Ts)), np.bincount(self.T_of, alive * self.x, len(Ts))
        # d log K = (d log I(t_x) - rho d log I(T)) / (1 - rho), rho = I(T) / I(t_x)
        per_unseen = dead / np.where(self.unseen, 1 - remaining, 1.0)
        dead_pairs = (np.bincount(self.from_pair, per_unseen, len(log_tails))
                      - np.bincount(self.to_pair, per_unseen * remaining, len(log_tails)))
        gradient = np.array([
            self.w_x @ digamma(r + self.xs) + n * (np.log(alpha) - digamma(r)) - alive_T @ log_aT,
            n * r / alpha - (r * alive_T + alive_xT) @ (1 / (alpha + Ts)),
            n * np.log(beta) - alive_T @ log_bT + dead.sum() / s,
            n * s / beta - s * alive_T @ (1 / (beta + Ts)),
        ]) + tail_gradient @ dead_pairs
        return float(value), gradient * np.asarray(params)


def log_tail(params, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log I(t) of `Pareto` for each (x, t), and its gradient in (r, alpha, s, beta), 4 rows.

    With (A, P) the larger of alpha, beta and its exponent in the integrand (r + x for alpha,
    s + 1 for beta) and (B, Q) the other: I(t) = (A + t)^-P (B + t)^-(Q - 1) F / (P + Q - 1),
    F = 2F1(1, P; P + Q; z), z = (A - B) / (A + t) in [0, 1), whose series has positive terms that
    shrink at least like z^n whatever x (Fader & Hardie's A_0 after Euler's or Pfaff's transformation).
    """
    r, alpha, s, beta = params
    alpha_larger = alpha >= beta
    A, B = (alpha, beta) if alpha_larger else (beta, alpha)
    P, Q = (r + x, s + 1.0) if alpha_larger else (s + 1.0, r + x)
    z = (A - B) / (A + t)
    F, F_P, F_Q, F_z = _hypergeometric(P, Q, z)
    m = P + Q - 1
    log_i = -P * np.log(A + t) - (Q - 1) * np.log(B + t) + np.log(F) - np.log(m)
    by_P = -np.log(A + t) + F_P / F - 1 / m
    by_Q = -np.log(B + t) + F_Q / F - 1 / m
    by_A = -P / (A + t) + F_z / F * (B + t) / (A + t) ** 2
    by_B = -(Q - 1) / (B + t) - F_z / F / (A + t)
    gradient = (np.array([by_P, by_A, by_Q, by_B]) if alpha_larger else np.array([by_Q, by_B, by_P, by_A]))
    return log_i, gradient


def _hypergeometric(P, Q, z) -> tuple[np.ndarray, ...]:
    """2F1(1, P; P + Q; z) and its derivatives in P, Q and z, for P, Q > 0 and 0 <= z < 1.

    The series sum_n c_n z^n, c_{n+1} = c_n (P + n) / (P + Q + n), is summed with the derivatives
    of its terms up to SERIES_TERMS terms. Where it has not converged by then (z close to 1 and
    Q small), scipy's hyp2f1 gives the value and the derivative in z (d/dz 2F1(1, P; P + Q; z) =
    P / (P + Q) 2F1(2, P + 1; P + Q + 1; z)), and central differences of it those in P and Q.
    """
    P, Q, z = (np.ravel(v).astype(float) for v in np.broadcast_arrays(P, Q, z))
    total, by_P, by_Q, by_z = np.ones(len(P)), np.zeros(len(P)), np.zeros(len(P)), np.zeros(len(P))
    active = np.arange(len(P))
    term, lp, lq = np.ones(len(P)), np.zeros(len(P)), np.zeros(len(P))  # c_n z^n and d log c_n / dP, dQ
    for n in range(SERIES_TERMS):
        p, c, y = P[active] + n, P[active] + Q[active] + n, z[active]
        slope = term * p / c  # c_(n+1) z^n
        term = slope * y
        lp, lq = lp + 1 / p - 1 / c, lq - 1 / c
        total[active] += term
        by_P[active] += term * lp
        by_Q[active] += term * lq
        by_z[active] += (n + 1) * slope
        going = (n + 2) * slope >= 1e-17 * total[active] * (1 - y) ** 2  # the tails of all four are below
        active, term, lp, lq = active[going], term[going], lp[going], lq[going]
        if not len(active):
            break
    if len(active):
        p, q, y = P[active], Q[active], z[active]
        total[active] = hyp2f1(1.0, p, p + q, y)
        by_z[active] = p / (p + q) * hyp2f1(2.0, p + 1, p + q + 1, y)
        for derivative, step_p in ((by_P, True), (by_Q, False)):
            h = 1e-6 * (p if step_p else q)
            up = hyp2f1(1.0, p + h * step_p, p + q + h, y)
            down = hyp2f1(1.0, p - h * step_p, p + q - h, y)
            derivative[active] = (up - down) / (2 * h)
    return total, by_P, by_Q, by_z


class BetaGeometricBetaBinomial:
    """BG/BB, with x transactions in T = n opportunities, the last at t_x = recency (`formulas.bgbb_log_likelihood`)."""

    def __init__(self, rows: Rows):
        self.x, self.t_x, self.n, self.w = rows["frequency"], rows["recency"], rows["T"], rows.weight

    def __call__(self, params) -> tuple[float, np.ndarray]:
        named = dict(zip(PARAMETERS["bgbb"], params))
        log_rows, gradient = bgbb_log_likelihood(named, self.x, self.t_x, self.n, with_gradient=True)
        return _dot(self.w, log_rows), np.einsum("ij,j->i", gradient, self.w) * np.asarray(params)


class GammaGamma:
    """log L = log G(p x + q) - log G(p x) - log G(q) + q log gamma + (p x - 1) log m + p x log x
    - (p x + q) log(x m + gamma), per customer with x > 0 repeat purchases of mean value m > 0.
    The terms in x alone are evaluated once per distinct x, those in m summed once."""

    def __init__(self, rows: Rows):
        x = rows.columns["frequency"]
        self.xs, self.customers = x.values, rows.customers
        self.w_x = np.bincount(x.code, rows.weight, len(x.values))
        self.x, self.w = x.of_rows, rows.weight
        self.wx = self.w * self.x
        self.spend = self.x * rows["monetary_value"]  # x m, the total of the repeat orders
        log_m = np.log(rows["monetary_value"])
        self.wx_log_m, self.w_log_m = _dot(self.wx, log_m), _dot(self.w, log_m)

    def __call__(self, params) -> tuple[float, np.ndarray]:
        p, q, gamma = params
        xs, n, w, wx = self.xs, self.customers, self.w, self.wx
        px = p * xs
        psi = digamma(px + q)
        log_total = np.log(self.spend + gamma)
        inverse = 1 / (self.spend + gamma)
        value = (self.w_x @ (gammaln(px + q) - gammaln(px) + px * np.log(xs)) + p * self.wx_log_m - self.w_log_m
                 - p * _dot(wx, log_total) - q * _dot(w, log_total) + n * (q * np.log(gamma) - gammaln(q)))
        d_p = self.w_x @ (xs * (psi - digamma(px) + np.log(xs))) + self.wx_log_m - _dot(wx, log_total)
        d_q = self.w_x @ psi - _dot(w, log_total) + n * (np.log(gamma) - digamma(q))
        d_gamma = n * q / gamma - p * _dot(wx, inverse) - q * _dot(w, inverse)
        return float(value), np.array([d_p * p, d_q * q, d_gamma * gamma])


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """sum(u * v) without BLAS, whose threads stall long 1-d dot products on a busy machine."""
    return float(np.einsum("i,i->", u, v))


def _softplus(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + e^d) and its derivative 1 / (1 + e^-d), from one exponential."""
    small = np.exp(-np.abs(d))
    return np.maximum(d, 0.0) + np.log1p(small), np.where(d >= 0, 1.0, small) / (1.0 + small)


LIKELIHOODS = {"bgnbd": partial(BetaGeometric, dies_at_first=False), "mbgnbd": partial(BetaGeometric, dies_at_first=True),
               "pareto": Pareto, "bgbb": BetaGeometricBetaBinomial, "gammagamma": GammaGamma}
