"""Digital behaviour: the `events` table.

Sessions are a Poisson process; a session opens with a login and holds a few more events
seconds to minutes apart, so events come at `engagement_rate` per day while Engaged and
`engagement_rate * AT_RISK_ENGAGEMENT_FACTOR` while At-risk, when the help centre, billing
and cancellation pages get much more of the clicks.
"""

import numpy as np
import pandas as pd

from cxmodels.data import vocabulary
from cxmodels.simulate.population import AT_RISK_ENGAGEMENT_FACTOR, Population
from cxmodels.simulate.sampling import (choose, cumsum_within, expand, frame, labels, pick, poisson_points,
                                             timestamps, to_seconds)

EVENTS_PER_SESSION = 3.0  # mean: a login, then Poisson(2) more
EVENT_GAP_SECONDS = (5, 90.0)  # at least 5 s, then exponential with this mean
EVENTS = tuple(vocabulary.EVENTS)  # login, page_view, search, feature_use, help_center, billing_page, cancel_page
EVENT_SHARES = {  # after the login, by state (At-risk or not), in the order of EVENTS
    False: (0.0, 0.5, 0.2, 0.2, 0.05, 0.04, 0.01),
    True: (0.0, 0.3, 0.1, 0.05, 0.25, 0.15, 0.15),
}


def simulate_events(pop: Population, rng: np.random.Generator) -> pd.DataFrame:
    """The `events` table, by customer and session, sessions in time order."""
    starts, stops = pop.state_intervals()
    session_rate = pop.engagement_rate / EVENTS_PER_SESSION
    rate = np.column_stack([session_rate, session_rate * AT_RISK_ENGAGEMENT_FACTOR]).ravel()
    interval, start = poisson_points(rng, starts, stops, rate)
    session_customer = (interval // 2).astype(np.int32)
    session_at_risk = interval % 2 == 1
    size = 1 + rng.poisson(EVENTS_PER_SESSION - 1, len(interval))
    session, rank = expand(size)
    min_gap, mean_gap = EVENT_GAP_SECONDS
    gap = (min_gap + rng.exponential(mean_gap, len(session))).astype(np.int64)
    gap[rank == 0] = 0
    seconds = to_seconds(start)[session] + cumsum_within(gap, rank)
    kept = seconds < pop.alive_until[session_customer][session]
    session, rank, seconds = session[kept], rank[kept], seconds[kept]

    event = np.zeros(len(session), np.int8)
    for state, shares in EVENT_SHARES.items():
        rows = (rank > 0) & (session_at_risk[session] == state)
        event[rows] = choose(rng, shares, int(rows.sum()))
    session_ids = labels("S", np.arange(1, len(size) + 1), max(9, len(str(len(size)))))
    return frame({
        "customer_id": pop.customer_id.take(session_customer[session]),
        "timestamp": timestamps(pop.start, seconds),
        "event": pick(EVENTS, event),
        "session_id": pick(session_ids, session),
    })
