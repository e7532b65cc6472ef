"""Refunds netted against the orders they cancel, before purchases are summarised.

A refund (a transaction with amount < 0) is matched, among the rows given (all before one
cut-off, so nothing after it is used), to:
1. the orders with the same customer and `order_id`: their amount is reduced in proportion
   (a refund of the whole amount cancels them; a partial one leaves the rest);
2. else one order of the same customer with the same amount (to the cent) and, when both rows
   have a `product_id`, the same product, placed at most `window_days` before the refund (the
   latest such order; each order cancels at most one refund).
An order whose amount is netted to zero is no purchase. What no order takes stays an
unmatched refund, which reduces the customer's spend. Zero-amount orders that no refund
touched remain purchases, as in lifetimes.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmodels.features.timeutil import DAY_NS

CENT = 100  # amounts match when equal to the cent


@dataclass(frozen=True)
class NettedPurchases:
    """Per row: whether it is a purchase after netting, its netted amount (0 for refunds), and the part of a
    refund that no order took (<= 0; 0 for purchases)."""

    purchase: np.ndarray
    amount: np.ndarray
    unmatched: np.ndarray


def net_refunds(code: np.ndarray, time: np.ndarray, amount: np.ndarray, order: np.ndarray | None = None,
                product: np.ndarray | None = None, window_days: int = 30) -> NettedPurchases:
    """Net the refunds of these rows against their orders (module docstring). `code` is the customer, `order`
    and `product` integer codes of order_id and product_id (-1 missing; None without the column)."""
    refund = amount < 0
    purchase = amount >= 0
    netted = np.where(purchase, amount, 0.0)
    unmatched = np.where(refund, amount, 0.0)
    if not refund.any():
        return NettedPurchases(purchase, netted, unmatched)
    cancelled = np.zeros(len(amount), dtype=bool)
    if order is not None:
        _by_order(code, order, amount, purchase, refund, netted, unmatched, cancelled)
    _by_amount(code, time, amount, product, purchase & ~cancelled, unmatched, netted, cancelled,
               int(window_days) * DAY_NS)
    return NettedPurchases(purchase & ~(cancelled & (netted <= 0)), netted, unmatched)


def refund_keys(rows, amount: np.ndarray) -> tuple:
    """(order, product): the order_id and product_id codes `net_refunds` reads, for `rows` (history.Rows) with these
    amounts; None without the column. Only the rows of customers with a refund are encoded (netting compares keys
    within a customer), -1 elsewhere: encoding every order id of a large log costs more than all the netting."""
    netting = np.zeros(rows.n, dtype=bool)
    netting[rows.code[amount < 0]] = True
    netting = netting[rows.code]
    subset = rows.where(netting) if netting.any() else None

    def keys(column: str) -> np.ndarray | None:
        if not rows.has(column):
            return None
        codes = np.full(len(rows), -1, dtype=np.int32)
        if subset is not None:
            codes[netting] = subset.text(column)[0]
        return codes

    return keys("order_id"), keys("product_id")


def _by_order(code, order, amount, purchase, refund, netted, unmatched, cancelled) -> None:
    """Rule 1, in place: refunds with an order_id reduce the orders of the same customer and order_id."""
    rows = np.flatnonzero(order >= 0)
    groups, group = np.unique((code[rows].astype(np.int64) << 32) | order[rows].astype(np.int64),
                              return_inverse=True)  # one group per (customer, order_id)
    size, values = len(groups), amount[rows]
    bought = np.bincount(group, weights=np.where(purchase[rows], values, 0.0), minlength=size)
    refunded = np.bincount(group, weights=np.where(refund[rows], values, 0.0), minlength=size)
    both = (np.bincount(group, weights=refund[rows], minlength=size) > 0) & (bought > 0)
    if not both.any():
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(both, refunded / bought, np.nan)  # -1: all of it
    row_share = np.full(len(code), np.nan)
    row_share[rows] = share[group]
    orders = purchase & ~np.isnan(row_share)
    netted[orders] *= np.maximum(0.0, 1.0 + row_share[orders])
    cancelled[orders] = True
    refunds = refund & ~np.isnan(row_share)  # what exceeds the order stays unmatched, refund by refund
    unmatched[refunds] = amount[refunds] * np.maximum(0.0, 1.0 + 1.0 / row_share[refunds])


def _by_amount(code, time, amount, product, open_orders, unmatched, netted, cancelled, window_ns: int) -> None:
    """Rule 2, in place: each refund still whole cancels the latest open order of the same customer, amount (and
    product, when both have one) at most `window_ns` before it."""
    waiting = np.flatnonzero(unmatched < 0)
    waiting = waiting[unmatched[waiting] == amount[waiting]]  # rule 1 touched none of it
    orders = np.flatnonzero(open_orders & (amount > 0))
    if not len(waiting) or not len(orders):
        return
    cents = np.round(np.abs(amount) * CENT).astype(np.int64)
    refunds = pd.DataFrame({"refund": waiting, "customer": code[waiting], "cents": cents[waiting]})
    candidates = pd.DataFrame({"order": orders, "customer": code[orders], "cents": cents[orders]})
    pairs = refunds.merge(candidates, on=["customer", "cents"])
    r, o = pairs["refund"].to_numpy(), pairs["order"].to_numpy()
    lag = time[r] - time[o]
    keep = (lag >= 0) & (lag <= window_ns)
    if product is not None:
        keep &= (product[r] < 0) | (product[o] < 0) | (product[r] == product[o])
    r, o = r[keep], o[keep]
    sequence = np.lexsort((-time[o], time[r], r))  # refund by refund in time; the latest order first
    taken = set()
    done = set()
    for refund_row, order_row in zip(r[sequence].tolist(), o[sequence].tolist()):
        if refund_row in done or order_row in taken:
            continue
        done.add(refund_row)
        taken.add(order_row)
        netted[order_row] = 0.0
        cancelled[order_row] = True
        unmatched[refund_row] = 0.0
