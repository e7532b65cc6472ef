import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmodels.cli import app
from cxmodels.data.samples import DONATIONS_CUSTOMERS, cdnow, donations, donations_summary


@pytest.mark.parametrize(("sample", "customers", "rows"), [(True, 2_357, 6_919), (False, 23_570, 69_659)])
def test_cdnow_counts_and_types(sample, customers, rows):
    tx = cdnow(sample=sample)["transactions"]
    assert len(tx) == rows
    assert tx["customer_id"].nunique() == customers
    assert tx["customer_id"].str.len().eq(5).all()  # "00004" keeps its leading zeros
    assert str(tx["timestamp"].dt.tz) == "UTC"
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01", tz="UTC")
    assert tx["timestamp"].max() <= pd.Timestamp("1998-06-30", tz="UTC")
    assert tx["order_id"].is_unique  # repeated identical orders on one day stay separate orders


def test_sample_customers_are_master_customers():
    sample = cdnow(sample=True)["transactions"]
    master = cdnow(sample=False)["transactions"]
    merged = sample.merge(master, on=["customer_id", "timestamp", "amount"], how="left", indicator=True)
    assert merged["_merge"].eq("both").all()


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_cli_writes_a_valid_dataset(tmp_path, file_format):
    from cxmodels.data import load_dataset

    out = tmp_path / "cdnow"
    result = CliRunner().invoke(app, ["sample", "cdnow", str(out), "--sample", "--format", file_format])
    assert result.exit_code == 0, result.output
    dataset = load_dataset(out)
    expected = cdnow(sample=True)["transactions"]
    assert len(dataset.transactions) == len(expected)
    assert dataset.transactions["customer_id"].iloc[0] == "00004"
    assert dataset.transactions["amount"].sum() == pytest.approx(expected["amount"].sum())


def test_donations_log_gives_back_the_summary(tmp_path):
    """Each supporter's x and t_x (years after 1995 with a donation, and the last) are the file's, row for row."""
    from cxmodels.data import load_dataset

    out = tmp_path / "donations"
    result = CliRunner().invoke(app, ["sample", "donations", str(out)])
    assert result.exit_code == 0, result.output
    tx = load_dataset(out).transactions
    assert tx["customer_id"].nunique() == DONATIONS_CUSTOMERS == len(donations()["transactions"]["customer_id"].unique())
    assert tx["timestamp"].min() == pd.Timestamp("1995-01-01", tz="UTC")
    assert tx["timestamp"].max() == pd.Timestamp("2001-01-01", tz="UTC")
    years = tx.assign(year=tx["timestamp"].dt.year).groupby("customer_id")["year"]
    assert (years.min() == 1995).all() and years.apply(lambda y: y.is_unique).all()
    rebuilt = pd.DataFrame({"frequency": years.size() - 1.0, "recency": (years.max() - 1995).astype(float)})
    counts = rebuilt.value_counts().sort_index()
    expected = donations_summary().set_index(["frequency", "recency"])["weights"].sort_index()
    pd.testing.assert_series_equal(counts, expected, check_names=False)
