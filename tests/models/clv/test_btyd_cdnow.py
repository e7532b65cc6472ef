"""The BTYD models against the published CDNOW results (Fader, Hardie & Lee 2005a, 2005b; Fader & Hardie note 009).

The 2,357-customer CDNOW sample, same-day orders merged, time in weeks, calibration in
weeks 0-39 (to 1997-09-30), holdout in weeks 40-78 (to 1998-06-30).
"""

import pytest

from cxmodels.data.samples import CDNOW_HOLDOUT_DAYS as HOLDOUT_DAYS
from cxmodels.data.samples import CDNOW_PUBLISHED_ACTUAL, CDNOW_PUBLISHED_EXPECTED, CDNOW_PUBLISHED_PARAMETERS
from cxmodels.metrics.clv_evaluation import conditional_expectation_by_frequency
from cxmodels.models import BTYDModel

PUBLISHED = {model: CDNOW_PUBLISHED_PARAMETERS[model] for model in ("bgnbd", "pareto")}
PUBLISHED_SPEND = CDNOW_PUBLISHED_PARAMETERS["gammagamma"]


def within_published(fitted: float, published: float) -> bool:
    """Within 0.1 % of the published value, or within its rounding (3.74 stands for 3.735 to 3.745)."""
    decimals = len(repr(published).split(".")[1])
    return abs(fitted - published) <= max(1e-3 * abs(published), 0.5 * 10 ** -decimals)


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_parameters_match_the_literature(cdnow_weeks, model):
    fitted = BTYDModel(model, time_unit="weeks").fit(cdnow_weeks)
    assert fitted.penalizer_ == 0.0
    assert fitted.n_customers_ == 2357
    for name, published in {**PUBLISHED[model], **PUBLISHED_SPEND}.items():
        assert within_published(fitted.params_[name], published), (name, fitted.params_[name], published)
        assert not within_published(fitted.params_[name] * 1.003, published)  # the test can fail
    assert fitted.n_spend_customers_ == 946 and fitted.n_spend_left_out_ == 2357 - 946


def test_conditional_expectations_match_the_literature(cdnow_weeks, cdnow_holdout):
    fitted = BTYDModel("bgnbd", time_unit="weeks").fit(cdnow_weeks)
    predicted = fitted.expected_purchases(cdnow_weeks, HOLDOUT_DAYS)
    table = conditional_expectation_by_frequency(cdnow_weeks["frequency"], cdnow_holdout["future_purchases"],
                                                 predicted)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357
    assert table["actual"].tolist() == pytest.approx(CDNOW_PUBLISHED_ACTUAL, abs=5e-4)  # our data preparation
    assert table["predicted"].tolist() == pytest.approx(CDNOW_PUBLISHED_EXPECTED, abs=0.01)
    assert cdnow_holdout["future_purchases"].sum() == 1882
