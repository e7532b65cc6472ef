"""Benchmark: BTYD fits on CDNOW, ours against pymc-marketing's MAP fit in the same run.

    pip install -e ".[pymc]"          # pymc-marketing and its PyMC stack: heavy, so not in the bench extra
    python benchmarks/pymc_bench.py [--master] [--repeat 3]

On the CDNOW sample (2,357 customers; --master: all 23,570), time in weeks, calibration to
1997-09-30 as in the BG/NBD paper, it fits BG/NBD, Pareto/NBD and Gamma-Gamma with
ours (btyd_bench.ours_fit: `BTYDModel.fit`, or for
Gamma-Gamma its spend part; maximum likelihood) and with pymc-marketing's
BetaGeoModel, ParetoNBDModel and GammaGammaModel, `fit(method="map")`, twice: with
pymc-marketing's default priors and with flat priors (HalfFlat, so MAP is the maximum
likelihood estimate). Each fit is timed --repeat times (within 20 s) and the fastest kept (model building
and compilation included: a user pays them on every fit). It prints the times, their ratio
and each parameter from both, next to the published one.
"""

import argparse
import os
import warnings

import pandas as pd

from cxmodels.data.dataset import Dataset
from cxmodels.data.samples import CDNOW_CALIBRATION_END, CDNOW_PUBLISHED_PARAMETERS, cdnow
from cxmodels.features.value import SPEND_COLUMN, value_summary
from btyd_bench import ours_fit, timed

# pymc-marketing's class and its parameter names, by our model name.
PEERS = {"bgnbd": ("BetaGeoModel", ("r", "alpha", "a", "b")),
         "pareto": ("ParetoNBDModel", ("r", "alpha", "s", "beta")),
         "gammagamma": ("GammaGammaModel", ("p", "q", "v"))}
OUR_NAMES = {"v": "gamma"}  # pymc-marketing calls Gamma-Gamma's scale v


def peer_data(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """The summary in pymc-marketing's columns (customer_id, frequency, recency, T; monetary_value for spend)."""
    data = summary.reset_index().rename(columns={summary.index.name or "index": "customer_id",
                                                 SPEND_COLUMN: "monetary_value"})
    if model == "gammagamma":
        data = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
        return data[["customer_id", "frequency", "monetary_value"]]
    return data[["customer_id", "frequency", "recency", "T"]]


def peer_fit(model: str, data: pd.DataFrame, flat: bool) -> dict:
    """pymc-marketing's MAP parameters of `model` (flat priors: the maximum likelihood estimate)."""
    import pymc_marketing.clv as clv
    from pymc_extras.prior import Prior

    name, parameters = PEERS[model]
    config = {parameter: Prior("HalfFlat") for parameter in parameters} if flat else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = getattr(clv, name)(data=data, model_config=config)
        fitted.fit(method="map", progressbar=False)
    posterior = fitted.idata.posterior
    return {OUR_NAMES.get(p, p): float(posterior[p].values.squeeze()) for p in parameters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", action="store_true", help="the whole CDNOW cohort (23,570), not the sample")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import pymc_marketing
    except ImportError:
        raise SystemExit('pymc-marketing is not installed: pip install -e ".[pymc]"') from None

    transactions = Dataset(**cdnow(sample=not args.master)).transactions
    summary = value_summary(transactions, CDNOW_CALIBRATION_END, period="D", time_unit="weeks")
    print(f"CDNOW {'master' if args.master else 'sample'}: {len(summary):,} customers; pymc-marketing "
          f"{pymc_marketing.__version__}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'model':<11} {'ours s':>8} {'pymc MAP s':>10} {'ratio':>7} {'pymc flat s':>11} {'ratio':>7}  parameters "
          "(published / ours / pymc MAP default priors / pymc MAP flat priors)")
    for model in PEERS:
        ours_data = summary[(summary["frequency"] > 0) & (summary[SPEND_COLUMN] > 0)] if model == "gammagamma" \
            else summary
        fitted, our_seconds = timed(lambda: ours_fit(model, ours_data), args.repeat)
        ours = {OUR_NAMES.get(name, name): fitted.params_[OUR_NAMES.get(name, name)] for name in PEERS[model][1]}
        data = peer_data(summary, model)
        default, default_seconds = timed(lambda: peer_fit(model, data, flat=False), args.repeat)
        flat, flat_seconds = timed(lambda: peer_fit(model, data, flat=True), args.repeat)
        published = CDNOW_PUBLISHED_PARAMETERS[model] if not args.master else {}
        values = "  ".join(f"{name} {published.get(name, float('nan')):.4g}/{ours[name]:.4g}/{default[name]:.4g}/"
                           f"{flat[name]:.4g}" for name in ours)
        print(f"{model:<11} {our_seconds:8.3f} {default_seconds:10.2f} {default_seconds / our_seconds:6.0f}x "
              f"{flat_seconds:11.2f} {flat_seconds / our_seconds:6.0f}x  {values}")


if __name__ == "__main__":
    main()
