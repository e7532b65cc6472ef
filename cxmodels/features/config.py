"""The settings of the feature builders."""

import re
from dataclasses import dataclass

from cxmodels.data.vocabulary import INTENT_EVENTS
from cxmodels.errors import ConfigError

TIME_UNITS = {"days": 1, "weeks": 7}  # length of one unit in days
VALUE_PERIODS = {"D": 1, "W": 7}  # a day, or a week from Monday to Sunday (pandas "W")


@dataclass(frozen=True)
class FeatureConfig:
    """What the builders compute; the defaults suit daily retail or subscription data.

    windows: lengths in days of the "last N days" counts and sums.
    trend_windows: N for the trends that compare the last N days with the N days before.
    effort_window: days of contact history behind the effort rates (repeat contacts, resolution, ...).
    time_unit: unit of recency and T in the value summary, "days" or "weeks".
    value_period: what one purchase is in the value summary: purchases merged per day ("D") or week ("W").
    attributes: `customers` columns to include as features (text ones as pandas categories).
    intent_events: event names beyond the vocabulary's intent events (help_center, billing_page, cancel_page)
        that signal trouble, with the words the features and reasons use for them: {"pricing_page": "the
        pricing page"} gives pricing_page_share_<days>d.
    refund_window_days: how long before a refund the order it cancels may be, when matched by amount
        (`cxmodels.features.refunds`).
    active_days: in a purchase-only world, a customer whose last purchase is more than this many days before
        the cut-off has lapsed: no churn label or probability, still a CLV (0: nobody lapses).
    comment_topics: {topic: [keywords]} added to the built-in keyword map of the comment topics
        (`cxmodels.features.comments`).
    """

    windows: tuple[int, ...] = (30, 90, 180)
    trend_windows: tuple[int, ...] = (30, 90)
    effort_window: int = 90
    time_unit: str = "days"
    value_period: str = "D"
    attributes: tuple[str, ...] = ()
    intent_events: tuple[tuple[str, str], ...] = ()
    refund_window_days: int = 30
    active_days: int = 365
    comment_topics: tuple = ()

    def __post_init__(self) -> None:
        for name in ("windows", "trend_windows", "attributes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        topics = self.comment_topics
        pairs = topics.items() if isinstance(topics, dict) else topics
        try:
            object.__setattr__(self, "comment_topics", tuple((str(name), tuple(map(str, words))) for name, words in pairs))
        except (TypeError, ValueError):
            raise ConfigError(f"FeatureConfig.comment_topics must map topic names to lists of keywords, e.g. "
                              f'{{shipping = ["late", "lost"]}}, got {topics!r}') from None
        events = self.intent_events.items() if isinstance(self.intent_events, dict) else self.intent_events
        object.__setattr__(self, "intent_events", tuple(map(tuple, events)))
        if any(len(pair) != 2 for pair in self.intent_events):
            raise ConfigError('FeatureConfig.intent_events must map event names to their words, such as '
                              '{ pricing_page = "the pricing page" }')
        for event, words in self.intent_events:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(event)) or event in INTENT_EVENTS:
                raise ConfigError(f"FeatureConfig.intent_events: {event!r} must be a new event name in lower-case "
                                  f"letters, digits and _ (it names features); the vocabulary has {list(INTENT_EVENTS)}")
            if not isinstance(words, str) or not words:
                raise ConfigError(f"FeatureConfig.intent_events.{event} must be the words for it, such as "
                                  f'"the pricing page"; got {words!r}')
        for name in ("windows", "trend_windows"):
            days = getattr(self, name)
            if not days or len(set(days)) != len(days) or any(int(d) != d or d <= 0 for d in days):
                raise ConfigError(f"FeatureConfig.{name} must be distinct positive whole days, got {days}")
        if int(self.effort_window) != self.effort_window or self.effort_window <= 0:
            raise ConfigError(f"FeatureConfig.effort_window must be positive whole days, got {self.effort_window}")
        if self.time_unit not in TIME_UNITS:
            raise ConfigError(f"FeatureConfig.time_unit must be one of {tuple(TIME_UNITS)}, got {self.time_unit!r}")
        if self.value_period not in VALUE_PERIODS:
            raise ConfigError(f"FeatureConfig.value_period must be one of {tuple(VALUE_PERIODS)}, "
                             f"got {self.value_period!r}")
        if int(self.refund_window_days) != self.refund_window_days or self.refund_window_days < 0:
            raise ConfigError(f"FeatureConfig.refund_window_days must be whole days >= 0, got "
                              f"{self.refund_window_days}")
        if int(self.active_days) != self.active_days or self.active_days < 0:
            raise ConfigError(f"FeatureConfig.active_days must be whole days >= 0 (0: nobody lapses), got "
                              f"{self.active_days}")
        if len(set(self.attributes)) != len(self.attributes):
            raise ConfigError(f"FeatureConfig.attributes has duplicates: {self.attributes}")

    @property
    def intent_words(self) -> dict[str, str]:
        """Every intent event, the vocabulary's and the configuration's, with its words."""
        return {**INTENT_EVENTS, **dict(self.intent_events)}
