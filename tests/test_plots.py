"""The KPI trend charts: one PNG per KPI, from the table or from its CSV."""

import subprocess
import sys

import pandas as pd
import pytest

from cxmodels.data.dataset import Dataset
from cxmodels.metrics import kpi_table
from cxmodels.plots import plot_kpi_trends

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    stamps = pd.Series(pd.date_range("2023-01-01", periods=40, freq="13D", tz="UTC"))
    ids = pd.Series(["a", "b", "c", "d"] * 10)
    return kpi_table(
        Dataset(
            transactions=pd.DataFrame({"customer_id": ids, "timestamp": stamps, "amount": 10.0}),
            customers=pd.DataFrame({"customer_id": ["a", "b", "c"], "plan": ["gold", "basic", "gold"]}),
            surveys=pd.DataFrame({"customer_id": ids, "timestamp": stamps, "survey": "csat",
                                  "score": [1.0, 3.0, 4.0, 5.0, 5.0] * 8}),
        ),
        by="month",
        segment="plan",
        active_days=30,
    )


def test_one_png_per_kpi(table, tmp_path):
    paths = plot_kpi_trends(table, tmp_path / "charts")
    assert [p.name for p in paths] == [f"kpi_{kpi}.png" for kpi in table["kpi"].unique()]
    assert {"kpi_csat_share.png", "kpi_churn_rate.png"} <= {p.name for p in paths}
    for path in paths:
        assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_charts_from_the_csv_read_back(table, tmp_path):
    table.to_csv(tmp_path / "kpis.csv", index=False)
    paths = plot_kpi_trends(pd.read_csv(tmp_path / "kpis.csv"), tmp_path)
    assert len(paths) == table["kpi"].nunique() and all(p.stat().st_size > 0 for p in paths)


def test_plotting_needs_no_pyplot():
    code = (
        "import sys, pandas as pd; from cxmodels.plots import kpi_trend_figure; "
        "rows = pd.DataFrame({'period': ['2024-01-01'], 'segment': ['all'], 'value': [1.0], "
        "'ci_low': [0.5], 'ci_high': [1.5]}); kpi_trend_figure('nps', rows); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
