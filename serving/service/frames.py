"""Score frames as JSON records: missing values as null, datetimes in ISO 8601 (as the store gives them)."""

import json

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.copy()
    for name in frame.columns[frame.dtypes.map(pd.api.types.is_datetime64_any_dtype)]:
        frame[name] = frame[name].map(pd.Timestamp.isoformat, na_action="ignore")
    return json.loads(frame.to_json(orient="records", double_precision=15))


def batch_info(batch) -> dict:
    """A batch's id and cut-off, as every answer from the store names them."""
    return {"batch_id": batch.batch_id, "as_of": batch.as_of.isoformat()}
