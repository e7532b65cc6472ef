"""The event vocabulary: the standard `event` names the features, reasons and KPIs understand.

Every event counts as digital activity, whatever its name. The intent events also have
features of their own (their share of the customer's events): they signal trouble. An
import mapping's `values.event` maps a site's own names onto these; the features
configuration (`FeatureConfig.intent_events`) can add intent events of its own.
"""

import pyarrow as pa
import pyarrow.compute as pc

from cxmodels.data.codes import to_arrow

# Intent events and the words the page-mix features and the churn reasons use for them.
INTENT_EVENTS = {
    "help_center": "the help centre",
    "billing_page": "billing pages",
    "cancel_page": "the cancellation page",
}
# Every standard name, and what one event of it is.
EVENTS = {
    "login": "a sign-in (the first event of a session)",
    "page_view": "a page or screen view",
    "search": "a search",
    "feature_use": "use of a product feature",
    "help_center": "a visit to the help centre or its articles",
    "billing_page": "a visit to a billing, invoice or payment page",
    "cancel_page": "a visit to the cancellation or downgrade page",
}


def unknown_events(events, known=EVENTS) -> dict[str, int]:
    """Event names outside `known`, with their row counts, most frequent first (missing names not counted)."""
    counts = pc.value_counts(pc.drop_null(to_arrow(events))).flatten()
    names, rows = counts[0], counts[1]
    outside = pc.invert(pc.is_in(names, value_set=pa.array(list(known), names.type)))
    names, rows = pc.filter(names, outside).to_pylist(), pc.filter(rows, outside).to_pylist()
    return dict(sorted(zip(names, rows), key=lambda item: (-item[1], item[0])))
