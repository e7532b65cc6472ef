"""The whole suite: with CXMODELS_REQUIRE_POSTGRES set (as .ci/run sets it), a skipped `postgres` test fails the run."""

import os

import pytest

REQUIRE_POSTGRES_ENV = "CXMODELS_REQUIRE_POSTGRES"
_skipped: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped.append(f"{report.nodeid}: {report.longrepr[-1] if isinstance(report.longrepr, tuple) else ''}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    if os.environ.get(REQUIRE_POSTGRES_ENV) and _skipped and not hasattr(session.config, "workerinput"):
        print(f"\n{len(_skipped)} postgres test(s) skipped but {REQUIRE_POSTGRES_ENV} is set:", *_skipped[:5], sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
