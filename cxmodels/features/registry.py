"""The registry of feature builders: what each needs, what it returns, and what each column means.

A builder is a function (history, config) -> {column: values per customer}, where
`history` (cxmodels.features.history.History) holds the dataset's rows of a
population strictly before the cut-off. It runs only when all its tables are present.
Adding a feature: write the function, declare its columns, add an entry here, add a test.
The order here is the column order of the matrix; tenure, the paces and the support history (per month of
tenure) come late because they reuse the first-seen times every earlier builder's tables leave behind.
"""

from collections.abc import Callable
from dataclasses import dataclass

from cxmodels.features import activity, attributes, behaviour, comments, effort, support, value, voice
from cxmodels.features.columns import Column
from cxmodels.features.config import FeatureConfig


@dataclass(frozen=True)
class Builder:
    """One feature builder: its name, the tables it needs, its declared columns, the function, and the optional
    columns of those tables it needs too ("table.column")."""

    name: str
    tables: tuple[str, ...]
    columns: Callable[[FeatureConfig], tuple[Column, ...]]
    build: Callable[..., dict]
    needs: tuple[str, ...] = ()

    def can_run(self, dataset) -> bool:
        """True when every table (and optional column) it needs is present."""
        if not all(getattr(dataset, table) is not None for table in self.tables):
            return False
        return all(column in getattr(dataset, table).columns
                   for table, column in (need.split(".") for need in self.needs))


REGISTRY: tuple[Builder, ...] = (
    Builder("purchases", ("transactions",), behaviour.purchase_columns, behaviour.purchases),
    Builder("engagement", ("events",), behaviour.engagement_columns, behaviour.engagement),
    Builder("effort", ("contacts",), effort.effort_columns, effort.effort),
    Builder("voice", ("surveys",), voice.voice_columns, voice.voice),
    Builder("comments", ("surveys",), comments.comment_columns, comments.comments, ("surveys.comment",)),
    Builder("value", ("transactions",), value.value_columns, value.value),
    Builder("tenure", ("transactions",), behaviour.tenure_columns, behaviour.tenure),
    Builder("purchase_pace", ("transactions",), activity.purchase_pace_columns, activity.purchase_pace),
    Builder("event_pace", ("events",), activity.event_pace_columns, activity.event_pace),
    Builder("page_mix", ("events",), activity.page_mix_columns, activity.page_mix),
    Builder("support_history", ("contacts",), support.support_history_columns, support.support_history),
    Builder("attributes", ("customers",), attributes.attribute_columns, attributes.attributes),
)


def builder(name: str) -> Builder:
    """The registered builder of that name."""
    for entry in REGISTRY:
        if entry.name == name:
            return entry
    raise KeyError(f"no feature builder named {name!r}; known: {[entry.name for entry in REGISTRY]}")


def describe(config: FeatureConfig | None = None) -> dict[str, str]:
    """Every feature column the registry can produce under `config`, with its plain-words description."""
    config = config or FeatureConfig()
    return {column.name: column.description for entry in REGISTRY for column in entry.columns(config)}


def families(config: FeatureConfig | None = None) -> dict[str, str]:
    """Every feature column the registry can produce under `config`, with the builder that makes it
    (its family: purchases, engagement, effort, voice, comments, value, tenure, purchase_pace, event_pace,
    page_mix, support_history, attributes)."""
    config = config or FeatureConfig()
    return {column.name: entry.name for entry in REGISTRY for column in entry.columns(config)}
