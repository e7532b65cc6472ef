"""Declared drivers: the built-in ones the issue names, and the user's from the configuration, checked."""

import pytest

from cxmodels.drivers import BUILT_IN, declared_drivers, user_drivers
from cxmodels.drivers.declared import MISSING, UNAFFECTED, parse_condition
from cxmodels.errors import ConfigError
from cxmodels.features import FeatureConfig, describe
from serving.config import load_serving_config
from training.config import load_config

ISSUE_DRIVERS = {"repeat_contacts", "transfers", "unresolved_cases", "long_waits", "long_handle_times",
                 "channel_switching", "low_csat", "high_effort", "nps_detractor", "intent_pages", "negative_comments"}


def test_the_built_in_drivers_are_the_issues_and_read_features_cxmodels_builds():
    assert set(BUILT_IN) == ISSUE_DRIVERS
    known = describe(FeatureConfig())
    for driver in BUILT_IN.values():
        assert {c.feature for c in driver.affected} <= set(known), driver.name
        assert set(driver.features) <= set(known), driver.name
        assert all(value in (UNAFFECTED, MISSING) or isinstance(value, int | float)
                   for value in driver.counterfactual.values())


def test_conditions_read_numbers_and_percentiles():
    condition = parse_condition("wait_time_p90_90d > p75", "x")
    assert (condition.feature, condition.operator, condition.value, condition.percentile) == \
        ("wait_time_p90_90d", ">", None, 75)
    assert parse_condition("csat_mean<=2.5", "x").value == 2.5 and str(parse_condition("a >= 1", "x")) == "a >= 1"


def test_a_user_driver_is_declared_in_the_configuration_and_can_replace_a_built_in(tmp_path):
    path = tmp_path / "serving.toml"
    path.write_text('[drivers.late_delivery]\naffected = ["refunds_total > 0"]\n'
                    'counterfactual = { refunds_total = 0, refunded_amount_total = 0 }\ndescription = "refunds"\n'
                    '[drivers.transfers]\naffected = ["transfer_rate_90d > 0.5"]\n'
                    'counterfactual = { transfer_rate_90d = "unaffected" }\n')
    drivers = declared_drivers(load_serving_config(path).drivers)
    assert drivers["late_delivery"].features == ["refunds_total", "refunded_amount_total"]
    assert drivers["transfers"].affected[0].value == 0.5 and len(drivers) == len(BUILT_IN) + 1


@pytest.mark.parametrize("table, words", [
    ({"x": {"affected": ["a > 0"], "counterfactual": {"a": 0}, "weight": 2}},
     "unknown configuration key 'drivers.x.weight'"),
    ({"x": {"affected": ["a > 0"]}}, "drivers.x needs counterfactual"),
    ({"x": {"affected": ["a is big"], "counterfactual": {"a": 0}}}, 'write "FEATURE OP VALUE"'),
    ({"x": {"affected": [], "counterfactual": {"a": 0}}}, "drivers.x.affected must be a list"),
    ({"x": {"affected": ["a > 0"], "counterfactual": {"a": "lower"}}}, "drivers.x.counterfactual.a must be a number"),
    ({"x": {"affected": ["a > 0"], "counterfactual": {"a": True}}}, "drivers.x.counterfactual.a must be a number"),
    ({"x": 3}, "drivers.x must be a table"),
])
def test_a_bad_user_driver_is_a_config_error_naming_it(table, words):
    with pytest.raises(ConfigError, match=words.replace(".", r"\.").replace("(", r"\(")):
        user_drivers(table)


def test_both_configurations_check_their_drivers_when_read(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[drivers.x]\naffected = ["a > 0"]\ncounterfactual = { a = 0 }\ntypo = 1\n')
    for load in (load_serving_config, load_config):
        with pytest.raises(ConfigError, match="drivers.x.typo"):
            load(path)
