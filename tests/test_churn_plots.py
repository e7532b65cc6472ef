"""The churn figures draw several models on one chart and save as PNG."""

import numpy as np
import pandas as pd

from cxmodels.plots import calibration_figure, feature_importance_figure, gain_figure, roc_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_churn_figures_save_as_png(tmp_path):
    rng = np.random.default_rng(0)
    truth = rng.random(1000)
    y = rng.random(1000) < truth
    predictions = {"model": np.clip(truth + rng.normal(0, 0.1, 1000), 0, 1), "oracle": truth}
    importance = pd.Series([1.2, 0.5, 0.3, 0.1], index=["days_since_last_purchase", "contacts_90d", "plan", "custom"])
    figures = {
        "roc": roc_figure(y, predictions),
        "calibration": calibration_figure(y, predictions),
        "gain": gain_figure(y, predictions),
        "drivers": feature_importance_figure(importance, top=3),
    }
    assert "oracle (AUC" in figures["roc"].axes[0].get_legend().get_texts()[1].get_text()
    assert [tick.get_text() for tick in figures["drivers"].axes[0].get_yticklabels()] == \
        ["plan", "contacts_90d", "days_since_last_purchase"]  # largest on top
    legend = [text.get_text() for text in figures["drivers"].axes[0].get_legend().get_texts()]
    assert legend == ["purchases", "effort", "other"]  # families, by their largest feature
    for name, figure in figures.items():
        path = tmp_path / f"{name}.png"
        figure.savefig(path, dpi=60)
        assert path.read_bytes()[:8] == PNG_SIGNATURE
