"""The model-evaluation figures draw their tables and save as PNG."""

import numpy as np
import pandas as pd

from cxmodels.metrics.clv_evaluation import conditional_expectation_by_frequency, cumulative_tracking, decile_table
from cxmodels.plots import conditional_expectation_figure, decile_figure, tracking_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_figures_save_as_png(tmp_path):
    rng = np.random.default_rng(0)
    frequency, predicted = rng.integers(0, 12, 500), rng.gamma(1, 1, 500)
    actual = rng.poisson(predicted)
    transactions = pd.DataFrame({"customer_id": rng.integers(0, 50, 400).astype(str),
                                 "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
                                 + pd.to_timedelta(rng.integers(0, 200, 400), unit="D"),
                                 "amount": 10.0})
    tracking = cumulative_tracking(transactions, lambda days: days / 30, "2024-03-01", "2024-07-01")
    figures = {
        "conditional": conditional_expectation_figure(conditional_expectation_by_frequency(frequency, actual,
                                                                                           predicted)),
        "tracking": tracking_figure(tracking, calibration_end="2024-03-01"),
        "deciles": decile_figure(decile_table(actual, predicted), what="purchases"),
    }
    for name, figure in figures.items():
        path = tmp_path / f"{name}.png"
        figure.savefig(path, dpi=60)
        assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert figures["deciles"].axes[0].get_title() == "Predicted and actual purchases by decile of the prediction"
