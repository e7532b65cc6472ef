"""CLV on a cluster: the value summary per partition, the BTYD fit on the gathered compressed table, prediction per
partition, so parameters and predictions equal the single-process ones."""

import pandas as pd

from cxmodels.cluster.partition import PartitionedDataset
from cxmodels.features.value import value_summary
from cxmodels.models.clv.btyd import BTYDModel


def cluster_value_summary(data: PartitionedDataset, as_of, **options) -> pd.DataFrame:
    """`value_summary` of the whole dataset's transactions (options as there), computed partition by partition."""
    parts = data.map(_summary, as_of, options)
    return pd.concat(parts).sort_index(kind="stable")


def cluster_btyd(data: PartitionedDataset, as_of, model: BTYDModel, **options) -> tuple[BTYDModel, pd.DataFrame]:
    """(fitted model, predictions): `model` fitted on the client on the summary's distinct rows with their counts,
    then predicting every customer per partition.

    The distinct rows are ordered by their first customer id, the order in which the single-process fit meets
    them in the summary sorted by customer, so the likelihood is summed in the same order: identical parameters.
    """
    summaries = data.apply(_summary, as_of, options)  # kept on the workers for the fit's rows and the predictions
    counted = pd.concat(summaries.map(_counted))
    columns = [column for column in counted.columns if column not in ("count", "first")]
    counted = counted.groupby(columns, dropna=False).agg(count=("count", "sum"), first=("first", "min"))
    counted = counted.sort_values("first").reset_index()
    model.fit(counted[columns], sample_weight=counted["count"].to_numpy(dtype=float))
    predictions = summaries.map(_predict, model)
    return model, pd.concat(predictions).sort_index(kind="stable")


def _summary(dataset, as_of, options: dict) -> pd.DataFrame:
    return value_summary(dataset.transactions, as_of, **options)


def _counted(summary: pd.DataFrame) -> pd.DataFrame:
    rows = summary.reset_index().groupby(list(summary.columns), dropna=False)["customer_id"]
    return rows.agg(count="size", first="min").reset_index()


def _predict(summary: pd.DataFrame, model: BTYDModel) -> pd.DataFrame:
    return model.predict(summary)
