"""Voice of the customer from survey answers: NPS (latest, category, change), CSAT, CES."""

import numpy as np
import pandas as pd

from cxmodels.features.columns import Column, count_column
from cxmodels.features.per_customer import at, count, largest, latest, mean
from cxmodels.features.timeutil import NAT, days_before

NPS_CATEGORIES = pd.CategoricalDtype(["detractor", "passive", "promoter"], ordered=True)


def voice_columns(config) -> tuple[Column, ...]:
    return (
        Column("nps_latest", "float64", "the customer's latest NPS answer (0-10)"),
        Column("nps_category", "category",
               "promoter (9-10), passive (7-8) or detractor (0-6) by the latest NPS answer"),
        Column("nps_change", "float64", "latest NPS answer minus the one before"),
        Column("csat_mean", "float64", "average satisfaction (CSAT, 1-5)"),
        Column("ces_mean", "float64", "average ease of dealing with us (CES, 1-7, 7 = very easy)"),
        count_column("survey_answers", "survey answers given"),
        Column("days_since_last_survey", "float64", "days since the last survey answer"),
    )


def nps_category(score: np.ndarray) -> pd.Categorical:
    """promoter (9-10), passive (7-8), detractor (0-6); missing where the score is NaN."""
    codes = np.select([score >= 9, score >= 7, score >= 0], [2, 1, 0], default=-1)
    return pd.Categorical.from_codes(codes, dtype=NPS_CATEGORIES)


def voice(history, config) -> dict:
    """Latest NPS and its change, mean CSAT and CES, answers and recency of the last answer."""
    rows = history.rows("surveys")
    n, as_of = history.n, history.as_of_ns
    kind, kinds = rows.text("survey")
    score = rows.numbers("score")

    def of(survey: str) -> np.ndarray:
        return kind == (kinds.get_loc(survey) if survey in kinds else -2)

    nps = of("nps")
    nps_code, nps_time, nps_score = rows.code[nps], rows.time[nps], score[nps]
    picked = [latest(nps_code, nps_time, n, back) for back in (0, 1)]
    nps_latest, nps_previous = (at(nps_score, row) for row in picked)
    return {
        "nps_latest": nps_latest,
        "nps_category": nps_category(nps_latest),
        "nps_change": nps_latest - nps_previous,
        "csat_mean": mean(rows.code[of("csat")], score[of("csat")], n),
        "ces_mean": mean(rows.code[of("ces")], score[of("ces")], n),
        "survey_answers": count(rows.code, n),
        "days_since_last_survey": days_before(as_of, largest(rows.code, rows.time, n, NAT)),
    }
