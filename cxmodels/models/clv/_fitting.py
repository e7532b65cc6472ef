"""Maximum-likelihood fits of the BTYD models with lifetimes' fitters, checked and made plain.

The fit runs on the unique rows with their counts as `weights` (lifetimes' likelihoods
are weighted sums, so the optimum is the same) and returns the parameters as a dict of
floats: no fitter object, with its bound lambdas, outlives the call. A fit that fails
(optimiser error, parameters not finite and positive, Gamma-Gamma q <= 1) is retried with a small
penalizer before giving up. lifetimes is imported here only, inside the call, so that
its global warnings filter and its printing stay contained.
"""

import contextlib
import io
import warnings

import numpy as np
import pandas as pd

from cxmodels.errors import ModelError
from cxmodels.features.value import PURCHASE_COLUMNS, SPEND_COLUMN
from cxmodels.models.clv.formulas import PURCHASE_PARAMETERS, SPEND_PARAMETERS

RETRY_PENALIZERS = (0.001, 0.01)
PARAMETERS = {**PURCHASE_PARAMETERS, "gammagamma": SPEND_PARAMETERS}
FITTERS = {"bgnbd": "BetaGeoFitter", "mbgnbd": "ModifiedBetaGeoFitter", "pareto": "ParetoNBDFitter",
           "gammagamma": "GammaGammaFitter"}


class BTYDFitError(ModelError):
    """A BTYD model did not converge, not even with a penalizer."""


def fit_parameters(model: str, columns: dict[str, np.ndarray], penalizer: float = 0.0,
                   compress: bool = True) -> tuple[dict[str, float], float]:
    """The fitted parameters of `model` and the penalizer that gave them.

    `columns`: frequency, recency, T (purchase models) or frequency, monetary_value
    (gammagamma), one value per customer. `penalizer` is lifetimes' `penalizer_coef`
    of the fit on all customers; `compress=False` fits every customer as its own row.
    """
    data = pd.DataFrame(columns)
    if compress:
        data = data.groupby(list(columns), sort=False).size().rename("weights").reset_index()
    else:
        data["weights"] = 1
    failures = []
    for tried in (penalizer, *(p for p in RETRY_PENALIZERS if p > penalizer)):
        # lifetimes' Pareto/NBD divides its weighted log-likelihood by the mean weight, not the sum:
        # scale its penalizer alike so that the penalized optimum does not depend on the compression.
        coefficient = tried * len(data) / data["weights"].sum() if model == "pareto" else tried
        try:
            params = _fit_once(model, data, coefficient)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
            failures.append(f"penalizer {tried}: {str(error).strip()}")
            continue
        if _valid(model, params):
            return params, tried
        failures.append(f"penalizer {tried}: parameters {params}")
    raise BTYDFitError(f"{model} did not converge on {int(data['weights'].sum())} customers; tried "
                       + "; ".join(failures))


def _fit_once(model: str, data: pd.DataFrame, penalizer_coef: float) -> dict[str, float]:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as printed:
        warnings.simplefilter("ignore")  # overflow while the optimiser explores; the result is checked
        import lifetimes
        from lifetimes.utils import ConvergenceError

        fitter = getattr(lifetimes, FITTERS[model])(penalizer_coef)
        columns = ("frequency", SPEND_COLUMN) if model == "gammagamma" else PURCHASE_COLUMNS
        options = {"initial_params": np.ones(4)} if model == "pareto" else {}  # lifetimes' default is random
        try:
            fitter.fit(*(data[c] for c in columns), weights=data["weights"].to_numpy(), **options)
        except ConvergenceError as error:
            raise ArithmeticError(f"{str(error).strip()} {printed.getvalue()[:300]}".strip()) from None
    return dict(zip(PARAMETERS[model], (float(v) for v in fitter.params_.to_numpy(dtype=float))))


def _valid(model: str, params: dict[str, float]) -> bool:
    """Finite and positive; Gamma-Gamma also needs q > 1 for a finite mean order value."""
    positive = all(np.isfinite(value) and value > 0 for value in params.values())
    return positive and (model != "gammagamma" or params["q"] > 1)
