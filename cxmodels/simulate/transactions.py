"""Purchases and refunds: the `transactions` table.

Purchases are a Poisson process at `purchase_rate` while Engaged and
`purchase_rate * AT_RISK_PURCHASE_FACTOR` while At-risk. Order values are gamma around the
customer's mean spend (gamma-gamma); each order is of one product, uniform over a small catalogue.
A few orders are refunded later: a row with the same order_id and product_id and the negative amount.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.simulate.population import AT_RISK_PURCHASE_FACTOR, Population
from cxmodels.simulate.sampling import (choose, frame, labels, order_by_customer, pick, poisson_points,
                                             timestamps, to_seconds)

ORDER_VALUE_SHAPE = 4.0  # order amount ~ gamma(shape, mean_spend / shape)
MIN_ORDER_VALUE = 1.0
REFUND_SHARE = 0.03
REFUND_DELAY_DAYS = 10.0  # mean, exponential, after at least a day
CHANNELS = ("web", "app", "store")
CHANNEL_SHARES = (0.5, 0.35, 0.15)
PRODUCTS = tuple(f"P{number:02d}" for number in range(1, 13))


@dataclass
class Purchases:
    """Purchases (not refunds), for the surveys that follow them."""

    customer: np.ndarray
    time: np.ndarray  # days


def simulate_transactions(pop: Population, rng: np.random.Generator) -> tuple[pd.DataFrame, Purchases]:
    """The `transactions` table (sorted by customer, then time) and the purchases in it."""
    starts, stops = pop.state_intervals()
    rate = np.column_stack([pop.purchase_rate, pop.purchase_rate * AT_RISK_PURCHASE_FACTOR]).ravel()
    interval, time = poisson_points(rng, starts, stops, rate)
    customer = interval // 2
    seconds = to_seconds(time)
    kept = seconds < pop.alive_until[customer]  # same-second edge at churn
    customer, time, seconds = customer[kept], time[kept], seconds[kept]

    n = len(customer)
    amount = rng.gamma(ORDER_VALUE_SHAPE, pop.mean_spend[customer] / ORDER_VALUE_SHAPE)
    amount = np.round(np.maximum(amount, MIN_ORDER_VALUE), 2)
    channel = choose(rng, CHANNEL_SHARES, n)
    order = np.arange(n)

    refunded = np.flatnonzero(rng.random(n) < REFUND_SHARE)
    refund_seconds = to_seconds(time[refunded] + 1 + rng.exponential(REFUND_DELAY_DAYS, len(refunded)))
    in_life = refund_seconds < pop.alive_until[customer[refunded]]
    refunded, refund_seconds = refunded[in_life], refund_seconds[in_life]

    product = rng.integers(len(PRODUCTS), size=n)  # drawn last: the draws above are as before products

    customer_all = np.concatenate([customer, customer[refunded]])
    seconds_all = np.concatenate([seconds, refund_seconds])
    rows = order_by_customer(customer_all, seconds_all)
    source = np.concatenate([order, refunded])[rows]
    sign = np.where(rows < n, 1.0, -1.0)
    table = frame({
        "customer_id": pop.customer_id.take(customer_all[rows]),
        "timestamp": timestamps(pop.start, seconds_all[rows]),
        "amount": amount[source] * sign,
        "order_id": labels("O", source + 1, max(8, len(str(n)))),
        "channel": pick(CHANNELS, channel[source]),
        "product_id": pick(PRODUCTS, product[source]),
    })
    return table, Purchases(customer=customer, time=time)
