"""Value summaries drawn from a BG/NBD or Pareto/NBD population, for tests and benchmarks at any size."""

import numpy as np
import pandas as pd

from cxmodels.data.samples import CDNOW_PUBLISHED_PARAMETERS

# CDNOW's published BG/NBD parameters (per week) with the purchase rate's scale alpha in days.
CDNOW_BGNBD_PER_DAY = CDNOW_PUBLISHED_PARAMETERS["bgnbd"] | {"alpha": CDNOW_PUBLISHED_PARAMETERS["bgnbd"]["alpha"] * 7}


def draw_bgnbd_summary(n_customers: int, params: dict | None = None, max_age_days: int = 365,
                       seed: int = 0, modified: bool = False) -> pd.DataFrame:
    """frequency, recency and T (in days) of customers drawn from BG/NBD with `params` (rates per day),
    or from MBG/NBD (`modified`: a customer may also drop out at the first purchase).

    T is a whole number of days from 1 to `max_age_days`. Given N Poisson purchases in (0, T)
    and dropout after the D-th repeat purchase (D geometric, from 1; from 0 for MBG/NBD), frequency
    x = min(N, D) and recency is the x-th of N uniform points, T Beta(x, N - x + 1), rounded up to a day.
    """
    params = params or CDNOW_BGNBD_PER_DAY
    r, alpha, a, b = (params[name] for name in ("r", "alpha", "a", "b"))
    rng = np.random.default_rng(seed)
    T = rng.integers(1, max_age_days + 1, n_customers).astype(float)
    arrivals = rng.poisson(rng.gamma(r, 1 / alpha, n_customers) * T)
    frequency = np.minimum(arrivals, rng.geometric(rng.beta(a, b, n_customers)) - int(modified))
    buyers = frequency > 0
    recency = np.zeros(n_customers)
    recency[buyers] = np.ceil(T[buyers] * rng.beta(frequency[buyers], arrivals[buyers] - frequency[buyers] + 1))
    return pd.DataFrame({"frequency": frequency.astype(float), "recency": recency, "T": T},
                        index=pd.Index([f"D{i:08d}" for i in range(n_customers)], name="customer_id"))


def draw_pareto_summary(n_customers: int, params: dict, max_age_days: int = 365, seed: int = 0) -> pd.DataFrame:
    """frequency, recency and T (in days) of customers drawn from Pareto/NBD with `params` (r, alpha, s, beta;
    rates per day): purchase rate Gamma(r, rate alpha), dropout rate Gamma(s, rate beta), an exponential
    lifetime; T as in draw_bgnbd_summary. The x purchases in the time alive before T are uniform on it, so
    recency is that time times Beta(x, 1), rounded up to a day (at most T)."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, max_age_days + 1, n_customers).astype(float)
    rate = rng.gamma(params["r"], 1 / params["alpha"], n_customers)
    alive = np.minimum(rng.exponential(1 / rng.gamma(params["s"], 1 / params["beta"], n_customers)), T)
    frequency = rng.poisson(rate * alive)
    buyers = frequency > 0
    recency = np.zeros(n_customers)
    recency[buyers] = np.minimum(np.ceil(alive[buyers] * rng.beta(frequency[buyers], 1)), T[buyers])
    return pd.DataFrame({"frequency": frequency.astype(float), "recency": recency, "T": T},
                        index=pd.Index([f"D{i:08d}" for i in range(n_customers)], name="customer_id"))


def draw_gamma_gamma_spend(frequency, params: dict, seed: int = 0) -> np.ndarray:
    """Mean repeat order values of customers with `frequency` repeat purchases, drawn from Gamma-Gamma with
    `params` (p, q, gamma): each customer's scale nu is Gamma(q, rate gamma) and the mean of x orders of
    Gamma(p, rate nu) is Gamma(p x, rate nu x); 0 without a repeat purchase."""
    x = np.asarray(frequency, dtype=float)
    rng = np.random.default_rng(seed)
    nu = rng.gamma(params["q"], 1 / params["gamma"], len(x))
    repeat = x > 0
    values = np.zeros(len(x))
    values[repeat] = rng.gamma(params["p"] * x[repeat], 1 / (nu[repeat] * x[repeat]))
    return values
