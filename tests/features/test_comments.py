"""Comment features: VADER sentiment, negative comments, the topic complained of most; by hand."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from worlds import tiny

from cxmodels.features import FeatureConfig, build_features
from cxmodels.features.comments import NEGATIVE, mentions, sentiment, topics


def with_comments(rows):
    dataset = tiny(transactions=[("a", "2024-01-01", 10), ("b", "2024-01-01", 10), ("c", "2024-01-01", 10)],
                   surveys=[row[:4] for row in rows])
    dataset.surveys["comment"] = pd.Series([row[4] for row in rows], dtype="str")
    return dataset


ROWS = [
    ("a", "2023-12-01", "csat", 1, "The invoice was wrong and I was overcharged, terrible"),
    ("a", "2024-05-01", "csat", 2, "Awful support, the agent was rude"),
    ("a", "2024-06-01", "csat", 1, "Horrible: wrong bill again"),
    ("a", "2024-06-20", "nps", 9, "Great app, love it"),
    ("a", "2024-07-02", "nps", 0, "Terrible delivery"),  # after the cut-off: changes nothing
    ("b", "2024-03-01", "nps", 8, None),
]


def test_sentiment_and_topics_by_hand():
    matrix = build_features(with_comments(ROWS), "2024-07-01")
    a, b, c = (matrix.loc[x] for x in "abc")
    tones = sentiment(pd.Index([row[4] for row in ROWS[:4]]))
    assert tones[:3].max() <= NEGATIVE < tones[3]
    assert a["comments_total"] == 4 and a["comment_sentiment_latest"] == pytest.approx(tones[3])
    assert a["comment_sentiment_mean"] == pytest.approx(tones.mean())
    assert a["negative_comments_90d"] == 2  # 05-01 and 06-01; the one of 2023-12-01 is older
    assert a["top_complaint_topic"] == "billing"  # billing twice, service once
    assert b["comments_total"] == 0 and np.isnan(b["comment_sentiment_latest"]) and pd.isna(b["top_complaint_topic"])
    assert c["negative_comments_90d"] == 0
    assert list(matrix["top_complaint_topic"].cat.categories) == list(topics(FeatureConfig()))


def test_keywords_match_the_start_of_words_and_the_configuration_adds_topics():
    texts = pd.Index(["Refunded twice", "a ship in a bottle", "Shipping was late", "prefund"])
    config = FeatureConfig(comment_topics={"lateness": ["late"], "billing": ["twice"]})
    found = mentions(texts, topics(config))
    names = list(topics(config))
    assert found[:, names.index("billing")].tolist() == [True, False, False, False]
    assert found[:, names.index("delivery")].tolist() == [False, False, True, False]
    assert found[:, names.index("lateness")].tolist() == [False, False, True, False]


def test_without_a_comment_column_there_are_no_comment_features():
    dataset = with_comments(ROWS)
    dataset = replace(dataset, surveys=dataset.surveys.drop(columns="comment"))
    assert "comments_total" not in build_features(dataset, "2024-07-01")


def test_a_bad_topic_map_is_a_configuration_error():
    with pytest.raises(ValueError, match="comment_topics must map topic names"):
        FeatureConfig(comment_topics=5)
