"""The CDNOW calibration and holdout periods of the BTYD literature, shared by the CDNOW tests.

A module of its own, not conftest: with tests/features also on the path, `from conftest import`
can find the other directory's conftest.
"""

CALIBRATION_END = "1997-10-01"  # the summary covers days up to 1997-09-30: weeks 0-39
HOLDOUT_DAYS = 273  # weeks 40-78: [1997-10-01, 1998-07-01)
