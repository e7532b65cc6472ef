"""Closed forms of the BTYD models, written so that heavy buyers do not overflow.

For a customer with x repeat purchases, the last at t_x, observed for T since the first:
P(alive at T) and the expected number of repeat purchases in (T, T + t], for BG/NBD
(Fader, Hardie & Lee 2005), MBG/NBD (Batislam, Denizel & Filiztekin 2007) and
Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005, note 009); the
same for BG/BB (Fader, Hardie & Shang 2010), with x transactions in T = n discrete
opportunities, the last at opportunity t_x, and t further opportunities; and the
Gamma-Gamma expected order value (Fader, Hardie & Lee 2005, "RFM and CLV").

The published forms raise ((alpha + T) / (alpha + t_x))^(r + x) to large powers and take
hypergeometric functions that overflow for heavy buyers (large x and T). Here the odds of
being dead are taken in log space; the BG/NBD and MBG/NBD hypergeometric term is
transformed (Euler) into one whose parameters do not grow with x; the Pareto/NBD one is
chosen (Pfaff) so that it stays moderate, and where scipy's hyp2f1 still fails (argument
close to 1 with large x) the integral it stands for is computed by quadrature.
`t` broadcasts against the customer arrays: a column of times gives one row per time.
"""

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

PURCHASE_PARAMETERS = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "pareto": ("r", "alpha", "s", "beta"),
    "bgbb": ("alpha", "beta", "gamma", "delta"),
}
SPEND_PARAMETERS = ("p", "q", "gamma")


def p_alive(model: str, params: dict, x, t_x, T) -> np.ndarray:
    """P(the customer is still alive at T); for BG/BB, at the next opportunity (n + 1), as in the paper."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if model == "bgbb":
        alpha, beta, gamma, delta = (params[name] for name in PURCHASE_PARAMETERS["bgbb"])
        return np.exp(betaln(alpha + x, beta + T - x) - betaln(alpha, beta) + betaln(gamma, delta + T + 1)
                      - betaln(gamma, delta) - bgbb_log_likelihood(params, x, t_x, T))
    if model == "pareto":
        return expit(-_pareto_log_odds_dead(params, x, t_x, T))
    return expit(-_beta_geometric_log_odds_dead(model, params, x, t_x, T))


def expected_purchases(model: str, params: dict, x, t_x, T, t) -> np.ndarray:
    """The expected number of repeat purchases in (T, T + t]; with x = t_x = T = 0, that of a new customer."""
    x, t_x, T, t = (np.asarray(v, dtype=float) for v in (x, t_x, T, t))
    if model == "bgbb":
        return _bgbb_expected_purchases(params, x, t_x, T, t)
    alive = p_alive(model, params, x, t_x, T)
    if model == "pareto":
        r, alpha, s, beta = (params[name] for name in PURCHASE_PARAMETERS["pareto"])
        span = np.log1p(t / (beta + T))  # log((beta + T + t) / (beta + T))
        return alive * (r + x) / (alpha + T) * (beta + T) * span * _one_minus_exp_ratio((s - 1) * span)
    r, alpha, a, b = (params[name] for name in PURCHASE_PARAMETERS[model])
    # 1 - (1 - z)^(r + x) 2F1(r + x, c - a + 1; c; z), after Euler's transformation (heavy buyers overflow
    # the original); with a and b both large (little spread in dropout) the transformed one overflows instead.
    def remaining(x, T):
        c, z = _beta_geometric_c(model, a, b, x), t / (alpha + T + t)
        with np.errstate(all="ignore"):
            transformed = 1 - np.exp(-(a - 1) * np.log1p(t / (alpha + T))) * hyp2f1(c - r - x, a - 1, c, z)
            broken = ~np.isfinite(transformed)
            if broken.any():
                original = 1 - np.exp((r + x) * np.log1p(-z)) * hyp2f1(r + x, c - a + 1, c, z)
                transformed = np.where(broken, original, transformed)
        return c / (a - 1) * transformed

    return alive * _per_distinct_pair(remaining, x, T)


def bgbb_log_likelihood(params: dict, x, t_x, n, with_gradient: bool = False):
    """BG/BB log L of each customer (Fader, Hardie & Shang 2010, eq. 5), and with_gradient its gradient in
    the parameters (4 rows): L = B(alpha + x, beta + n - x) / B(alpha, beta) B(gamma, delta + n) / B(gamma, delta)
    + sum over i < n - t_x of B(alpha + x, beta + t_x - x + i) / B(alpha, beta) B(gamma + 1, delta + t_x + i)
    / B(gamma, delta): alive through n, or dead at opportunity t_x + i + 1 after the last transaction."""
    alpha, beta, gamma, delta = (params[name] for name in PURCHASE_PARAMETERS["bgbb"])
    x, t_x, n = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, n)))
    base = betaln(alpha, beta) + betaln(gamma, delta)
    # each term: (a, b) of its purchase Beta function, (g, d) of its dropout one, the rows it applies to
    terms = [(alpha + x, beta + n - x, gamma, delta + n, np.ones(x.shape, dtype=bool))]
    terms += [(alpha + x, beta + t_x - x + i, gamma + 1, delta + t_x + i, i < n - t_x)
              for i in range(int((n - t_x).max(initial=0)))]
    logs = np.stack([np.where(used, betaln(a, b) + betaln(g, d) - base, -np.inf) for a, b, g, d, used in terms])
    top = logs.max(axis=0)
    shares = np.exp(logs - top)
    total = shares.sum(axis=0)
    log_l = top + np.log(total)
    if not with_gradient:
        return log_l
    gradient = -np.array([digamma(alpha) - digamma(alpha + beta), digamma(beta) - digamma(alpha + beta),
                          digamma(gamma) - digamma(gamma + delta), digamma(delta) - digamma(gamma + delta)])[:, None]
    for share, (a, b, g, d, _) in zip(shares / total, terms):
        gradient = gradient + share * np.array([digamma(a) - digamma(a + b), digamma(b) - digamma(a + b),
                                                digamma(g) - digamma(g + d), digamma(d) - digamma(g + d)])
    return log_l, gradient


def _bgbb_expected_purchases(params: dict, x, t_x, n, t) -> np.ndarray:
    """E[transactions in the next t opportunities] (Fader, Hardie & Shang 2010, eq. 13):
    B(alpha + x + 1, beta + n - x) / B(alpha, beta) delta / (gamma - 1) G(gamma + delta) / G(1 + delta)
    [G(1 + delta + n) / G(gamma + delta + n) - G(1 + delta + n + t) / G(gamma + delta + n + t)] / L.
    Whole t are the model's own; other t interpolate the closed form."""
    alpha, beta, gamma, delta = (params[name] for name in PURCHASE_PARAMETERS["bgbb"])
    now = gammaln(1 + delta + n) - gammaln(gamma + delta + n)
    later = gammaln(1 + delta + n + t) - gammaln(gamma + delta + n + t)
    if abs(gamma - 1) > 1e-8:
        ratio = -np.expm1(later - now) / (gamma - 1)  # (1 - e^(later - now)) / (gamma - 1), both signs of gamma - 1
    else:  # its limit at gamma = 1
        ratio = digamma(1 + delta + n + t) - digamma(1 + delta + n)
    log_rest = (betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) + np.log(delta) + gammaln(gamma + delta)
                - gammaln(1 + delta) + now - bgbb_log_likelihood(params, x, t_x, n))
    return np.exp(log_rest) * ratio


def expected_order_value(params: dict, x, m) -> np.ndarray:
    """Gamma-Gamma E[mean order value | x repeat purchases of mean value m]: p (gamma + x m) / (p x + q - 1)."""
    p, q, gamma = (params[name] for name in SPEND_PARAMETERS)
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return p * (gamma + x * m) / (p * x + q - 1)


def population_order_value(params: dict) -> float:
    """Gamma-Gamma mean order value of the population: p gamma / (q - 1)."""
    return params["p"] * params["gamma"] / (params["q"] - 1)


def _beta_geometric_c(model: str, a, b, x):
    """a + b + x - 1 (BG/NBD: no dropout at the first purchase) or a + b + x (MBG/NBD)."""
    return a + b + x - (model == "bgnbd")


def _beta_geometric_log_odds_dead(model, params, x, t_x, T):
    """log(a / (c - a)) + (r + x) log((alpha + T) / (alpha + t_x)); -inf for BG/NBD at x = 0."""
    r, alpha, a, b = (params[name] for name in PURCHASE_PARAMETERS[model])
    can_die = (x > 0) if model == "bgnbd" else np.ones_like(x, dtype=bool)
    c_minus_a = np.where(can_die, _beta_geometric_c(model, a, b, x) - a, 1.0)
    log_odds = np.log(a) - np.log(c_minus_a) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(can_die, log_odds, -np.inf)


def _pareto_log_odds_dead(params, x, t_x, T):
    """log of P(dead) / P(alive) given the history: s K (alpha + T)^(r + x) (beta + T)^s, with
    K = integral from t_x to T of (alpha + u)^-(r + x) (beta + u)^-(s + 1) du (death unseen after t_x)."""
    r, alpha, s, beta = (params[name] for name in PURCHASE_PARAMETERS["pareto"])
    return np.log(s) + _pareto_log_death_integral(params, x, t_x, T) + (r + x) * np.log(alpha + T) \
        + s * np.log(beta + T)


def _pareto_log_death_integral(params, x, t_x, T) -> np.ndarray:
    """log K as I(t_x) - I(T); numerically integrated where scipy's hyp2f1 fails (z close to 1, large x)."""
    x, t_x, T = np.broadcast_arrays(x, t_x, T)
    log_i_recency = _per_distinct_pair(lambda x, t: _pareto_log_tail(params, x, t), x, t_x)
    log_i_age = _per_distinct_pair(lambda x, t: _pareto_log_tail(params, x, t), x, T)
    with np.errstate(divide="ignore", invalid="ignore"):  # t_x = T: no time to die unseen, K = 0
        log_k = log_i_recency + np.log(-np.expm1(log_i_age - log_i_recency))
    failed = np.isnan(log_k) | (log_k == np.inf) | ((log_k == -np.inf) & (t_x < T))
    if failed.any():
        log_k = np.array(log_k, dtype=float)
        log_k[failed] = [_pareto_log_death_integral_by_quadrature(params, *v)
                         for v in zip(x[failed], t_x[failed], T[failed])]
    return log_k


def _pareto_log_death_integral_by_quadrature(params, x: float, t_x: float, T: float) -> float:
    """log K by adaptive quadrature, the integrand scaled to 1 at u = t_x, where it is largest."""
    r, alpha, s, beta = (params[name] for name in PURCHASE_PARAMETERS["pareto"])

    def scaled(u):
        return np.exp(-(r + x) * np.log1p((u - t_x) / (alpha + t_x)) - (s + 1) * np.log1p((u - t_x) / (beta + t_x)))

    scale = min(alpha + t_x, beta + t_x) / (r + s + x + 1)  # where the integrand has fallen by about e
    breaks = [t_x, *(b for b in t_x + scale * np.array([1.0, 10.0, 100.0]) if b < T), T]
    area = sum(quad(scaled, low, high, epsabs=0.0, epsrel=1e-12, limit=200)[0] for low, high in zip(breaks, breaks[1:]))
    with np.errstate(divide="ignore"):  # an area that underflows: death unseen is impossible in practice
        return float(np.log(area) - (r + x) * np.log(alpha + t_x) - (s + 1) * np.log(beta + t_x))


def _pareto_log_tail(params, x, t):
    """log I(t), I(t) = integral from t to infinity of (alpha + u)^-(r + x) (beta + u)^-(s + 1) du.

    Fader & Hardie's A_0 is (r + s + x) (I(t_x) - I(T)). For alpha >= beta their hypergeometric
    term 2F1(r + s + x, s + 1; r + s + x + 1; z) stays below (1 - z)^-(s + 1) whatever x. For
    alpha < beta theirs, 2F1(r + s + x, r + x; ...), grows like (1 - z)^-(r + x); after Pfaff's
    transformation it is 2F1(1, s + 1; r + s + x + 1; w), 0 <= w < 1, which does not.
    """
    r, alpha, s, beta = (params[name] for name in PURCHASE_PARAMETERS["pareto"])
    rsx = r + s + x
    if alpha < beta:
        hyp = hyp2f1(1.0, s + 1, rsx + 1, (beta - alpha) / (beta + t))
        powers = (s + 1) * np.log(beta + t) + (r + x - 1) * np.log(alpha + t)
    else:
        hyp = hyp2f1(rsx, s + 1, rsx + 1, (alpha - beta) / (alpha + t))
        powers = rsx * np.log(alpha + t)
    return np.log(hyp) - powers - np.log(rsx)


def _per_distinct_pair(function, x, y) -> np.ndarray:
    """function(x, y), evaluated once per distinct (x, y) pair of the customers (the last axis): a column of
    times inside `function` broadcasts to one row per time."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if x.ndim != 1:
        return function(x, y)
    code, pairs = pd.factorize(x + 1j * y)
    return function(pairs.real, pairs.imag)[..., code]


def _one_minus_exp_ratio(u):
    """(1 - exp(-u)) / u, and its limit 1 at u = 0."""
    u = np.asarray(u, dtype=float)
    small = np.abs(u) < 1e-12
    return np.where(small, 1.0, -np.expm1(-u) / np.where(small, 1.0, u))
