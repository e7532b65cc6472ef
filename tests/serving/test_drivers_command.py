"""`cxmodels drivers` and `cxmodels whatif` on the trained world, with its champion models, as a user runs them."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cxmodels.drivers import BUILT_IN, DRIVER_COLUMNS
from serving.store import ScoreStore

CXMODELS = str(Path(sys.executable).parent / "cxmodels")
USER_DRIVER = '[drivers.refunds]\naffected = ["refunds_total > 0"]\ncounterfactual = { refunds_total = 0 }\n'


@pytest.fixture(scope="module")
def drivers_run(world, tmp_path_factory):
    folder = tmp_path_factory.mktemp("drivers")
    config = folder / "serving.toml"
    config.write_text(USER_DRIVER)
    store = f"sqlite:///{folder / 'scores.db'}"
    result = world.run(CXMODELS, "drivers", "world", "--out", str(folder / "drivers.csv"), "--config", str(config),
                       "--store", store)
    return result, pd.read_csv(folder / "drivers.csv"), ScoreStore(store)


def test_drivers_writes_the_table_and_keeps_it_in_the_score_store(drivers_run):
    result, table, store = drivers_run
    assert list(table.columns[:len(DRIVER_COLUMNS)]) == DRIVER_COLUMNS
    assert set(table["driver"]) == set(BUILT_IN) | {"refunds"}  # the simulated world has every table
    stored = store.latest_drivers()
    assert stored.frame["driver"].tolist() == table["driver"].tolist()
    assert {"as_of", "churn_model_version", "clv_model_version"} <= set(stored.metadata)
    assert "repeat_contacts" in result.stdout and "Wrote" in result.stdout
    assert (table["revenue_at_risk_low"] <= table["revenue_at_risk_high"]).all()
    assert table.set_index("driver").loc["unresolved_cases", "expected_churners"] > 0


def test_whatif_gives_the_churners_and_revenue_retained(world):
    result = world.run(CXMODELS, "whatif", "world", "--set", "unresolved_cases=-50%", "--set", "transfers=-100%")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("What-if on") and "churners_retained" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["unresolved_cases=-50%", "transfers=-100%", "all"]


@pytest.mark.parametrize("change, words", [("first_contact_resolution=+10pp", "percentage-point shifts"),
                                           ("waits=-10%", "no driver 'waits'"), ("transfers=10", "DRIVER=-NN%")])
def test_a_bad_change_exits_2_naming_the_syntax(world, change, words):
    result = subprocess.run([CXMODELS, "whatif", "world", "--set", change], cwd=world.folder, env=world.env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and words in result.stderr
