"""Retention economics: the expected net value of acting on a customer, and the save list of a campaign.

A retention offer costs `offer_cost` per customer and keeps a would-be churner with probability
`save_rate`; what it keeps is the customer's CLV. Acting on a customer is therefore worth, on average,

    expected_saved_value = churn_probability x clv x save_rate
    action_value         = expected_saved_value - offer_cost

A save list keeps the customers with a positive action_value, best first, within a budget (a number
of customers and/or a total cost). Customers without a churn probability or a CLV (lapsed, no purchase)
are never on it. The figures are expectations under the model's probabilities and the configured save
rate: they are as good as both.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.errors import ConfigError

COLUMNS = ["expected_saved_value", "offer_cost", "save_rate", "action_value"]


@dataclass(frozen=True)
class Terms:
    """What an offer costs per customer and the share of would-be churners it keeps."""

    offer_cost: float
    save_rate: float


def check_terms(values: dict, where: str) -> None:
    """ConfigError naming `where`.key when offer_cost is not a number >= 0 or save_rate not in (0, 1]."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise ConfigError(f"{where}.{key} must be a number, got {value!r}")
    if values.get("offer_cost", 0) < 0:
        raise ConfigError(f"{where}.offer_cost must be at least 0 (a cost per customer), got {values['offer_cost']}")
    if "save_rate" in values and not 0 < values["save_rate"] <= 1:
        raise ConfigError(f"{where}.save_rate must be in (0, 1] (a share of would-be churners kept), "
                          f"got {values['save_rate']}")


@dataclass(frozen=True)
class Campaign:
    """A save list's totals: customers, the cost of their offers, the value expected to be saved, and the net."""

    customers: int
    cost: float
    expected_saved_value: float
    expected_net_value: float

    def summary(self) -> str:
        return (f"{self.customers:,} customers worth acting on: offers cost {self.cost:,.2f}, expected saved value "
                f"{self.expected_saved_value:,.2f}, expected net value of the campaign {self.expected_net_value:,.2f}")

    def as_dict(self) -> dict:
        return {"customers": self.customers, "cost": self.cost, "expected_saved_value": self.expected_saved_value,
                "expected_net_value": self.expected_net_value}


def with_action_values(scores: pd.DataFrame, terms: Terms) -> pd.DataFrame:
    """`scores` with COLUMNS added; missing where the churn probability or the CLV is."""
    saved = scores["churn_probability"].astype(float) * scores["clv"].astype(float) * terms.save_rate
    return scores.assign(expected_saved_value=saved, offer_cost=float(terms.offer_cost),
                         save_rate=float(terms.save_rate), action_value=saved - terms.offer_cost)


def save_list(members: pd.DataFrame, terms: Terms, budget: int | None = None,
              max_cost: float | None = None) -> tuple[pd.DataFrame, Campaign]:
    """The members worth acting on (action_value > 0) with COLUMNS, by action_value descending (ties by
    customer_id), at most `budget` of them and offers costing at most `max_cost` in all; and the campaign's totals."""
    if budget is not None and budget < 1:
        raise ConfigError(f"budget must be at least 1 customer, got {budget}")
    if max_cost is not None and not max_cost >= 0:
        raise ConfigError(f"max cost must be at least 0, got {max_cost}")
    valued = with_action_values(members, terms)
    ranked = valued[valued["action_value"] > 0].sort_values(["action_value", "customer_id"],
                                                              ascending=[False, True], kind="stable")
    if max_cost is not None:
        ranked = ranked[ranked["offer_cost"].cumsum() <= max_cost + 1e-9 * max(max_cost, 1)]
    ranked = ranked.head(budget).reset_index(drop=True) if budget is not None else ranked.reset_index(drop=True)
    campaign = Campaign(len(ranked), float(ranked["offer_cost"].sum()), float(ranked["expected_saved_value"].sum()),
                        float(ranked["action_value"].sum()))
    return ranked, campaign
