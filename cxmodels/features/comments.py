"""The voice in the comments: sentiment of survey comments (VADER) and what the negative ones complain about.

Sentiment is VADER's compound score, -1 (most negative) to +1 (most positive), from the
vaderSentiment package, whose lexicon ships inside it (nothing is downloaded). VADER is a
general English lexicon: it misses domain phrases ("took far too long" scores 0) and reads
no other language, so the features are as good as the comments are plain English. A comment
is negative at a compound score of NEGATIVE or below (VADER's own threshold).
Topics: a comment mentions a topic when one of its keywords starts a word of the comment
(case-insensitive): "refund" matches "refunded". TOPICS is the built-in keyword map;
FeatureConfig.comment_topics adds topics or keywords.
"""

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from cxmodels.features.columns import Column, count_column
from cxmodels.features.per_customer import at, count, latest, mean
from cxmodels.features.timeutil import DAY_NS

NEGATIVE = -0.05
RECENT_DAYS = 90
TOPICS = {
    "billing": ("bill", "invoice", "charge", "payment", "price", "refund", "fee", "overcharg"),
    "delivery": ("deliver", "shipping", "shipment", "parcel", "package", "courier", "arriv"),
    "product": ("product", "quality", "broken", "defect", "item", "damaged", "faulty"),
    "service": ("service", "staff", "support", "agent", "wait", "call", "help", "rude", "solv", "explain"),
    "digital": ("app", "website", "site", "login", "log in", "password", "online", "crash"),
}


def topics(config) -> dict[str, tuple[str, ...]]:
    """The built-in keyword map with the configuration's topics and keywords added."""
    merged = {name: tuple(words) for name, words in TOPICS.items()}
    for name, words in config.comment_topics:
        merged[name] = merged.get(name, ()) + tuple(words)
    return merged


def comment_columns(config) -> tuple[Column, ...]:
    return (
        count_column("comments_total", "survey comments written"),
        Column("comment_sentiment_latest", "float64", "tone of the latest survey comment (-1 negative to +1 positive)"),
        Column("comment_sentiment_mean", "float64", "average tone of the survey comments (-1 negative to +1 positive)"),
        count_column(f"negative_comments_{RECENT_DAYS}d", f"negative survey comments in the last {RECENT_DAYS} days"),
        Column("top_complaint_topic", "category",
               f"what the negative comments speak of most ({', '.join(topics(config))})"),
    )


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # its lexicon is read once, when needed

    return SentimentIntensityAnalyzer()


def sentiment(texts: pd.Index) -> np.ndarray:
    """VADER's compound score of each text."""
    analyzer = _analyzer()
    return np.array([analyzer.polarity_scores(str(text))["compound"] for text in texts], dtype=np.float64)


def mentions(texts: pd.Index, keyword_map: dict[str, tuple[str, ...]]) -> np.ndarray:
    """texts x topics: whether each text mentions each topic (a keyword at the start of a word)."""
    lowered = pd.Series(texts, dtype="str").str.lower()
    found = np.zeros((len(texts), len(keyword_map)), dtype=bool)
    for j, words in enumerate(keyword_map.values()):
        pattern = r"\b(?:" + "|".join(re.escape(word.lower()) for word in words) + ")"
        found[:, j] = lowered.str.contains(pattern, regex=True).to_numpy(dtype=bool)
    return found


def comments(history, config) -> dict:
    """Comments, their latest and mean sentiment, negative ones in the last RECENT_DAYS, and the topic the
    negative ones mention most (ties: the first topic of the map)."""
    rows = history.rows("surveys")
    n = history.n
    code, texts = rows.text("comment")
    written = code >= 0
    score = sentiment(texts)  # once per distinct comment
    customer, time, tone = rows.code[written], rows.time[written], score[code[written]]
    keyword_map = topics(config)
    negative = tone <= NEGATIVE
    said = mentions(texts, keyword_map)[code[written][negative]]  # negative comments x topics
    per_topic = np.stack([count(customer[negative][said[:, j]], n) for j in range(len(keyword_map))], axis=1) \
        if len(keyword_map) else np.zeros((n, 0), dtype=np.int64)
    top = np.where(per_topic.max(axis=1, initial=0) > 0, per_topic.argmax(axis=1), -1)
    recent = time >= history.as_of_ns - RECENT_DAYS * DAY_NS
    return {
        "comments_total": count(customer, n),
        "comment_sentiment_latest": at(tone, latest(customer, time, n)),
        "comment_sentiment_mean": mean(customer, tone, n),
        f"negative_comments_{RECENT_DAYS}d": count(customer, n, negative & recent),
        "top_complaint_topic": pd.Categorical.from_codes(top, categories=list(keyword_map)),
    }
