"""Retention economics: the expected net value of acting, the save list within a budget, its configuration and
`cxmodels segments export NAME --budget/--max-cost`; all figures computed by hand."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.errors import ConfigError
from serving.config import load_serving_config
from serving.economics import Terms, save_list, with_action_values
from serving.store import ScoreStore

# churn_probability x clv x 0.2 - 10: C1 40 - 10 = 30, C2 16 - 10 = 6, C3 4 - 10 = -6, C6 20 - 10 = 10;
# C4 (lapsed: no probability) and C5 (no clv) have none
MEMBERS = pd.DataFrame({
    "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
    "churn_probability": [0.5, 0.8, 0.1, np.nan, 0.9, 0.25],
    "clv": [400.0, 100.0, 200.0, 1000.0, np.nan, 400.0],
    "reason_1": ["3 contacts on one case in 90 days", "waited 20 min", None, None, "low CSAT", "2 transfers"],
})
TERMS = Terms(offer_cost=10, save_rate=0.2)


def test_action_value_is_the_expected_saved_value_less_the_cost():
    valued = with_action_values(MEMBERS, TERMS)
    np.testing.assert_allclose(valued["expected_saved_value"], [40, 16, 4, np.nan, np.nan, 20])
    np.testing.assert_allclose(valued["action_value"], [30, 6, -6, np.nan, np.nan, 10])
    assert (valued["offer_cost"] == 10).all() and (valued["save_rate"] == 0.2).all()


@pytest.mark.parametrize("budget, max_cost, ids, cost, saved, net", [
    (None, None, ["C1", "C6", "C2"], 30, 76, 46),  # positive net value only, best first
    (2, None, ["C1", "C6"], 20, 60, 40),
    (None, 25, ["C1", "C6"], 20, 60, 40),  # a third offer would cost 30 in all
    (None, 30, ["C1", "C6", "C2"], 30, 76, 46),
    (1, 30, ["C1"], 10, 40, 30),  # the tighter of the two limits
    (None, 5, [], 0, 0, 0),
])
def test_the_save_list_ranks_by_net_value_within_the_budget(budget, max_cost, ids, cost, saved, net):
    ranked, campaign = save_list(MEMBERS, TERMS, budget, max_cost)
    assert ranked["customer_id"].tolist() == ids
    assert ranked["reason_1"].tolist() == MEMBERS.set_index("customer_id").loc[ids, "reason_1"].tolist()
    assert (campaign.customers, campaign.cost) == (len(ids), cost)
    assert campaign.expected_saved_value == pytest.approx(saved) and campaign.expected_net_value == pytest.approx(net)


def test_segment_terms_override_the_defaults(tmp_path):
    config = tmp_path / "serving.toml"
    config.write_text("[retention]\noffer_cost = 10\nsave_rate = 0.2\n"
                      "[retention.segments]\nsave_now = { offer_cost = 25, save_rate = 0.5 }\nretain = { save_rate = 0.4 }\n")
    retention = load_serving_config(config).retention
    assert retention.terms("save_now") == Terms(25, 0.5) and retention.terms("retain") == Terms(10, 0.4)
    assert retention.terms("champions") == Terms(10, 0.2)
    ranked, campaign = save_list(MEMBERS, retention.terms("save_now"))
    # 0.5 x 400 x 0.5 - 25 = 75, 0.25 x 400 x 0.5 - 25 = 25, 0.8 x 100 x 0.5 - 25 = 15; C3: 10 - 25 < 0
    assert ranked["customer_id"].tolist() == ["C1", "C6", "C2"]
    assert ranked["action_value"].tolist() == pytest.approx([75, 25, 15]) and campaign.cost == 75


@pytest.mark.parametrize("toml, words", [
    ("[retention]\nsave_rate = 1.5", "retention.save_rate must be in (0, 1]"),
    ("[retention]\nsave_rate = 0", "retention.save_rate must be in (0, 1]"),
    ("[retention]\noffer_cost = -1", "retention.offer_cost must be at least 0"),
    ("[retention]\noffer_cost = \"ten\"", "retention.offer_cost must be a number"),
    ("[retention.segments]\nsave_now = { offer_cost = -5 }", "retention.segments.save_now.offer_cost must be at least 0"),
    ("[retention.segments]\nsave_now = { rate = 0.3 }", "retention.segments.save_now.rate"),
    ("[retention.segments]\nsave_now = 0.3", "retention.segments.save_now must be a table"),
    ("[retention.segments]\nno_such = { save_rate = 0.3 }", "retention.segments.no_such: there is no segment"),
    ("[retention]\ncost = 3", "unknown configuration key 'retention.cost'"),
])
def test_bad_retention_terms_are_refused_naming_the_key(tmp_path, toml, words):
    config = tmp_path / "serving.toml"
    config.write_text(toml + "\n")
    with pytest.raises(ConfigError) as error:
        load_serving_config(config)
    assert words in str(error.value)


def test_segments_export_with_a_budget_writes_the_save_list_and_its_value(tmp_path):
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    frame = MEMBERS.assign(as_of=pd.Timestamp("2025-01-01", tz="UTC"), segments="save_now")
    ScoreStore(url).write_batch(frame, metadata={"segments": {"save_now": "High value, high churn risk"}})
    out = tmp_path / "save_now.csv"
    result = CliRunner().invoke(app, ["segments", "export", "save_now", "--budget", "2", "--out", str(out),
                                      "--store", url])
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(out)
    assert exported["customer_id"].tolist() == ["C1", "C6"]
    assert exported["action_value"].tolist() == pytest.approx([30, 10])
    assert exported["reason_1"].tolist() == ["3 contacts on one case in 90 days", "2 transfers"]
    assert "Save list of 6 members (offer cost 10, save rate 0.2): 2 customers worth acting on: offers cost 20.00, " \
           "expected saved value 60.00, expected net value of the campaign 40.00" in result.output
    plain = CliRunner().invoke(app, ["segments", "export", "save_now", "--out", str(out), "--store", url])
    assert plain.exit_code == 0 and len(pd.read_csv(out)) == 6 and "action_value" not in pd.read_csv(out)
