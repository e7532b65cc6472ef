"""The dashboard in a real headless browser: Debian's chromium, driven by Playwright (its own browser download
is not reachable here). Sign in, no console errors, the charts drawn, a segment downloaded as CSV."""

import os
import shutil

import pandas as pd
import pytest

from service_world import API_KEY, start_service
from serving.store import ScoreStore
from test_dashboard import DRIVER_METADATA, DRIVERS

REQUIRE_BROWSER_ENV = "CXMODELS_REQUIRE_BROWSER"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable, missing = None, "no playwright: pip install -e '.[test]'"
    else:
        missing = "no chromium on PATH: apt-get install chromium (.ci/run does)"
    if executable is None:
        if os.environ.get(REQUIRE_BROWSER_ENV):  # as .ci/run sets it: a browser test may not be skipped there
            pytest.fail(f"{missing}, and {REQUIRE_BROWSER_ENV} is set")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dashboard_service(world):
    world.write_drivers(DRIVERS, DRIVER_METADATA)
    service = start_service(world)
    yield service
    service.process.terminate()
    service.process.wait(timeout=30)


def test_the_dashboard_signs_in_draws_its_charts_and_downloads_a_segment(chromium, dashboard_service, world,
                                                                          tmp_path):
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{dashboard_service.url}/dashboard")
    page.fill("input[name=key]", API_KEY)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#segments h2").is_visible(), page.content()[:2000]
    charts = page.locator(".chart svg")
    assert charts.count() >= 3  # the driver chart, the links, a trend per KPI
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, (index, box)
    assert page.locator("#drivers .chart svg").count() == 1 and page.locator("#links .chart svg").count() == 1
    assert page.locator("#kpis .chart svg").count() == charts.count() - 2
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    store = ScoreStore(world.store_url)
    name = max(store.segment_counts(), key=store.segment_counts().get)
    with page.expect_download() as started:
        page.click(f"a.download[href='/dashboard/segments/{name}.csv']")
    path = tmp_path / "download.csv"
    started.value.save_as(path)
    downloaded = pd.read_csv(path, dtype={"customer_id": str})
    expected = store.segment_members(name)
    assert downloaded["customer_id"].tolist() == expected["customer_id"].tolist()
    assert downloaded["churn_probability"].to_numpy() == pytest.approx(expected["churn_probability"].to_numpy(),
                                                                        nan_ok=True)
    assert problems == []
    context.close()
