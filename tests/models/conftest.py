import pytest

from cxmodels.data import Dataset
from cxmodels.data.samples import CDNOW_CALIBRATION_END as CALIBRATION_END
from cxmodels.data.samples import CDNOW_HOLDOUT_DAYS as HOLDOUT_DAYS
from cxmodels.data.samples import cdnow
from cxmodels.features import labels, value_summary



@pytest.fixture(scope="session")
def cdnow_sample() -> Dataset:
    return Dataset(**cdnow(sample=True))


@pytest.fixture(scope="session")
def cdnow_weeks(cdnow_sample):
    """The CDNOW sample's value summary in weeks, as Fader, Hardie & Lee (2005) prepared it."""
    return value_summary(cdnow_sample.transactions, CALIBRATION_END, period="D", time_unit="weeks")


@pytest.fixture(scope="session")
def cdnow_holdout(cdnow_sample, cdnow_weeks):
    return labels(cdnow_sample, CALIBRATION_END, HOLDOUT_DAYS, population=cdnow_weeks.index)
