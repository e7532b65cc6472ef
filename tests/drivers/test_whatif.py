"""What-if: the --set syntax, and the churners retained growing with the share of customers changed."""

import numpy as np
import pytest

from cxmodels.drivers import BUILT_IN, Change, driver_effects, parse_change, whatif_table
from cxmodels.errors import ConfigError


def test_changes_read_driver_equals_minus_a_percentage():
    assert parse_change("transfers=-50%") == Change("transfers", 0.5)
    assert parse_change(" long_waits = - 12.5 % ") == Change("long_waits", 0.125)
    assert str(Change("transfers", 0.5)) == "transfers=-50%"


@pytest.mark.parametrize("text, words", [
    ("first_contact_resolution=+10pp", "percentage-point shifts"),
    ("transfers=50%", "is not a change; write DRIVER=-NN%"),
    ("transfers", "is not a change"),
    ("transfers=-0%", r"the share must be in \(0, 100\]"),
    ("transfers=-150%", r"the share must be in \(0, 100\]"),
    ("late=-10%", "no driver 'late'; the drivers are: transfers"),
])
def test_a_bad_change_is_a_config_error_naming_the_syntax(text, words):
    with pytest.raises(ConfigError, match=words):
        parse_change(text, ["transfers"])


def test_retained_churners_grow_with_the_share_and_reach_the_drivers_total(model, features):
    effects = driver_effects(model, features, BUILT_IN)
    clv = np.full(len(features), 100.0)
    retained = [whatif_table(model, features, effects, [Change("transfers", share)], clv)
                ["churners_retained"].iloc[0] for share in (0.25, 0.5, 1.0)]
    assert 0 < retained[0] < retained[1] < retained[2]
    assert retained[2] == pytest.approx(effects["transfers"].added.sum())


def test_several_changes_add_a_row_with_all_of_them_made_together(model, features):
    effects = driver_effects(model, features, BUILT_IN)
    clv = np.full(len(features), 100.0)
    table = whatif_table(model, features, effects, [Change("transfers", 1.0), Change("unresolved_cases", 1.0)], clv)
    assert table["change"].tolist() == ["transfers=-100%", "unresolved_cases=-100%", "all"]
    # the toy model is additive: together they retain the sum of each
    assert table["churners_retained"].iloc[2] == pytest.approx(table["churners_retained"].iloc[:2].sum())
    assert table["revenue_retained"].iloc[2] == pytest.approx(100 * table["churners_retained"].iloc[2])
    assert (table["churners_retained_low"] <= table["churners_retained"]).all()
    assert table["customers_changed"].iloc[2] == (effects["transfers"].affected
                                                   | effects["unresolved_cases"].affected).sum()
