"""Drivers: a CX problem by name, which customers have it, the features it moves and their values without it.

A driver's `affected` conditions ("feature > value", value a number or pNN, the NN-th percentile of the
feature where it is known) say who has the problem (any condition holding); its `counterfactual` maps
each feature it moves to the value of a customer without the problem: a number, UNAFFECTED (the
median, or for a text feature the most common value, among the customers without the problem), or
MISSING (what a customer who never had such a case shows). The support drivers repeat_contacts,
transfers and unresolved_cases also name an edit of the contacts (`history`, history.py): with the data at
hand, the affected customers' features are rebuilt from their contacts without the problem instead, so the
features that follow from it move too. Users declare their own drivers in the
configuration as `[drivers.NAME]` tables (docs/drivers.md).
"""

import re
from dataclasses import dataclass, field

from cxmodels.errors import ConfigError

UNAFFECTED, MISSING = "unaffected", "missing"
OPERATORS = (">=", "<=", "!=", "==", ">", "<")
NUMBER = r"[-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?"
CONDITION = re.compile(rf"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|==|>|<)\s*(p\d{{1,2}}|{NUMBER})\s*$")
KEYS = ("affected", "counterfactual", "description")


@dataclass(frozen=True)
class Condition:
    feature: str
    operator: str
    value: float | None  # None: the percentile `percentile`
    percentile: int | None = None

    def __str__(self) -> str:
        value = f"p{self.percentile}" if self.value is None else f"{self.value:g}"
        return f"{self.feature} {self.operator} {value}"


@dataclass(frozen=True)
class Driver:
    """A CX problem: its `name`, who has it (`affected`, any condition), and the features it moves with their
    counterfactual values (a number, UNAFFECTED or MISSING)."""

    name: str
    affected: tuple[Condition, ...]
    counterfactual: dict = field(default_factory=dict)
    description: str = ""
    history: str = ""  # an edit of the contacts (history.py) whose rebuilt features replace `counterfactual`

    @property
    def features(self) -> list[str]:
        return list(self.counterfactual)


def parse_condition(text, where: str) -> Condition:
    """"feature OP value" as a Condition; ConfigError naming `where` and the syntax otherwise."""
    match = CONDITION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{where}: {text!r} is not a condition; write \"FEATURE OP VALUE\" with OP one of "
                          f"{' '.join(OPERATORS)} and VALUE a number or pNN (a percentile), "
                          "e.g. \"transfer_rate_90d > 0\"")
    feature, operator, value = match.groups()
    if value.startswith("p"):
        return Condition(feature, operator, None, int(value[1:]))
    return Condition(feature, operator, float(value))


def make_driver(name: str, affected, counterfactual: dict, description: str = "", where: str | None = None,
                history: str = "") -> Driver:
    """A Driver from plain values, checked; errors name `where` (default drivers.NAME)."""
    where = where or f"drivers.{name}"
    if isinstance(affected, str):
        affected = [affected]
    if not isinstance(affected, list | tuple) or not affected:
        raise ConfigError(f"{where}.affected must be a list of conditions such as [\"transfer_rate_90d > 0\"], "
                          f"got {affected!r}")
    if not isinstance(counterfactual, dict) or not counterfactual:
        raise ConfigError(f"{where}.counterfactual must be a table of feature = value (a number, \"{UNAFFECTED}\" or "
                          f"\"{MISSING}\"), e.g. {{ transfer_rate_90d = 0 }}, got {counterfactual!r}")
    for feature, value in counterfactual.items():
        if isinstance(value, bool) or not (isinstance(value, int | float) or value in (UNAFFECTED, MISSING)):
            raise ConfigError(f"{where}.counterfactual.{feature} must be a number, \"{UNAFFECTED}\" or \"{MISSING}\", "
                              f"got {value!r}")
    conditions = tuple(parse_condition(text, f"{where}.affected") for text in affected)
    return Driver(name, conditions, dict(counterfactual), str(description), history)


def _built_in(name: str, description: str, affected: list[str], counterfactual: dict, history: str = "") -> Driver:
    return make_driver(name, affected, counterfactual, description, f"built-in driver {name}", history)


BUILT_IN = {driver.name: driver for driver in [
    _built_in("repeat_contacts", "cases that needed more than one contact",
              ["repeat_contact_rate_90d > 0"],
              {"repeat_contact_rate_90d": 0, "most_contacts_on_one_case_90d": 1}, "repeat_contacts"),
    _built_in("transfers", "contacts transferred to another agent or team",
              ["transfer_rate_90d > 0"], {"transfer_rate_90d": 0}, "transfers"),
    _built_in("unresolved_cases", "cases left unresolved",
              ["open_cases > 0", "unresolved_cases_90d > 0"],
              {"open_cases": 0, "unresolved_cases_30d": 0, "unresolved_cases_90d": 0,
               "days_since_last_unresolved_case": MISSING}, "unresolved_cases"),
    _built_in("long_waits", "waits above the usual (the top quarter of customers' 90-day p90 wait)",
              ["wait_time_p90_90d > p75"], {"wait_time_mean_90d": UNAFFECTED, "wait_time_p90_90d": UNAFFECTED}),
    _built_in("long_handle_times", "handling above the usual (the top quarter of customers' 90-day p90 handle time)",
              ["handle_time_p90_90d > p75"], {"handle_time_mean_90d": UNAFFECTED, "handle_time_p90_90d": UNAFFECTED}),
    _built_in("channel_switching", "cases that went through more than one channel",
              ["channel_switch_rate_90d > 0"], {"channel_switch_rate_90d": 0}),
    _built_in("low_csat", "average CSAT of 3 or below (1-5)", ["csat_mean <= 3"], {"csat_mean": UNAFFECTED}),
    _built_in("high_effort", "average CES of 3 or below (1-7, 7 = very easy)", ["ces_mean <= 3"],
              {"ces_mean": UNAFFECTED}),
    _built_in("nps_detractor", "latest NPS answer 0-6", ["nps_latest <= 6"],
              {"nps_latest": UNAFFECTED, "nps_category": UNAFFECTED, "nps_change": UNAFFECTED}),
    _built_in("intent_pages", "visits to the cancellation page (and help and billing pages) in the last 90 days",
              ["cancel_page_share_90d > 0"],
              {name: UNAFFECTED for name in ("cancel_page_share_30d", "cancel_page_share_90d", "help_center_share_30d",
                                             "help_center_share_90d", "billing_page_share_30d",
                                             "billing_page_share_90d")}),
    _built_in("negative_comments", "negative survey comments in the last 90 days", ["negative_comments_90d > 0"],
              {"negative_comments_90d": 0, "comment_sentiment_latest": UNAFFECTED,
               "comment_sentiment_mean": UNAFFECTED, "top_complaint_topic": MISSING}),
]}


def user_drivers(tables) -> dict[str, Driver]:
    """The `[drivers.NAME]` tables of a configuration as Drivers; ConfigError naming the bad key."""
    if not isinstance(tables, dict):
        raise ConfigError(f"[drivers] must be a table of [drivers.NAME] tables, got {tables!r}")
    drivers = {}
    for name, table in tables.items():
        where = f"drivers.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table with affected = [...] and counterfactual = {{...}}, "
                              f"got {table!r}")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise ConfigError(f"unknown configuration key '{where}.{unknown[0]}'; known keys: {', '.join(KEYS)}")
        missing = [key for key in KEYS[:2] if key not in table]
        if missing:
            raise ConfigError(f"{where} needs {missing[0]}: affected = [\"FEATURE > VALUE\", ...] and "
                              f"counterfactual = {{ FEATURE = VALUE, ... }} (docs/drivers.md)")
        drivers[name] = make_driver(name, table["affected"], table["counterfactual"], table.get("description", ""))
    return drivers


def declared_drivers(tables: dict | None = None) -> dict[str, Driver]:
    """The built-in drivers, then the user's from the configuration's `[drivers.NAME]` tables (`user_drivers`;
    a user driver of a built-in's name replaces it)."""
    return BUILT_IN | user_drivers(tables or {})
