"""GET /drivers, the save list over HTTP, and the dashboard's sign-in, page and downloads (without a browser:
tests/serving/test_dashboard_browser.py drives one)."""

import io
from types import SimpleNamespace

import pandas as pd
import pytest

from service_world import API_KEY
from serving.economics import Terms, with_action_values
from serving.service.errors import ApiError
from serving.service.keys import session_token
from serving.service.routers.dashboard import SESSION_COOKIE
from serving.service.routers.drivers import latest_drivers
from serving.store import ScoreStore

DRIVERS = [{"driver": "repeat_contacts", "customers_affected": 120, "expected_churners": 12.5,
            "revenue_at_risk": 5000.0, "revenue_at_risk_low": 4000.0, "revenue_at_risk_high": 6100.0},
           {"driver": "long_waits", "customers_affected": 40, "expected_churners": 2.25,
            "revenue_at_risk": 900.0, "revenue_at_risk_low": 500.0, "revenue_at_risk_high": 1300.0}]
DRIVER_METADATA = {"as_of": "2025-06-01", "churn_model_version": "1", "clv_model_version": "1"}


@pytest.fixture(scope="module")
def drivers_stored(served_world):
    served_world.write_drivers(DRIVERS, DRIVER_METADATA)


def test_without_a_driver_table_drivers_is_a_404_saying_what_to_run(tmp_path):
    runtime = SimpleNamespace(require_store=lambda: ScoreStore(f"sqlite:///{tmp_path / 'scores.db'}"))
    with pytest.raises(ApiError) as error:
        latest_drivers(runtime)
    assert error.value.status_code == 404
    assert error.value.detail == "no driver table yet: run `cxmodels drivers DATA_DIR` (it stores one in the score store)"


def test_drivers_gives_the_latest_driver_table_with_its_cut_off_and_models(service, client, drivers_stored):
    answer = client.get("/drivers")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["drivers"] == DRIVERS and body["as_of"] == "2025-06-01T00:00:00"
    assert body["churn_model_version"] == "1" and body["created_at"]
    with service.client(key=None) as anonymous:
        assert anonymous.get("/drivers").status_code == 401


def worth_acting_on(store, name: str) -> pd.DataFrame:
    """The members of segment `name` with a positive net value at the default terms, best first."""
    valued = with_action_values(store.segment_members(name), Terms(10.0, 0.2))  # serving/default.toml's
    return valued[valued["action_value"] > 0].sort_values("action_value", ascending=False)


def test_a_save_list_over_http_ranks_the_positive_net_values_within_the_budget(client, served_world):
    store = ScoreStore(served_world.store_url)
    name = max(store.segment_counts(), key=lambda name: len(worth_acting_on(store, name)))
    worth = worth_acting_on(store, name)
    assert len(worth) > 5, "the test world needs a segment with more customers worth acting on"
    page = client.get(f"/segments/{name}", params={"budget": 5}).json()
    rows = page["customers"]
    assert [row["customer_id"] for row in rows] == worth["customer_id"].head(5).tolist()
    assert [row["action_value"] for row in rows] == pytest.approx(
        [row["churn_probability"] * row["clv"] * 0.2 - 10 for row in rows])
    assert page["total"] == 5 and page["campaign"]["customers"] == 5 and page["campaign"]["cost"] == 50
    assert page["campaign"]["expected_net_value"] == pytest.approx(worth["action_value"].head(5).sum())
    assert all(row["reason_1"] for row in rows), "reasons in CRM words stay on each row"
    csv = client.get(f"/segments/{name}", params={"max_cost": 30, "format": "csv"})
    assert pd.read_csv(io.StringIO(csv.text))["customer_id"].tolist() == worth["customer_id"].head(3).tolist()
    assert csv.headers["X-Campaign-Cost"] == "30.0"


def test_the_dashboard_asks_for_a_key_and_keeps_a_session_cookie_not_the_key(service):
    with service.client(key=None, follow_redirects=False) as browser:
        form = browser.get("/dashboard")
        assert form.status_code == 200 and 'name="key"' in form.text and "<svg" not in form.text
        wrong = browser.post("/dashboard/login", data={"key": "not-a-key"})
        assert wrong.status_code == 401 and "not accepted" in wrong.text
        signed_in = browser.post("/dashboard/login", data={"key": API_KEY})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
        cookie = signed_in.headers["set-cookie"]
        assert f"{SESSION_COOKIE}={session_token(API_KEY)}" in cookie and API_KEY not in cookie
        assert all(flag in cookie.lower() for flag in ("httponly", "secure", "samesite=strict", "path=/dashboard"))
        assert browser.get("/dashboard/segments/save_now.csv").status_code == 401
    with service.client(key=None) as forger:
        forger.cookies.set(SESSION_COOKIE, session_token("not-a-key"))
        assert 'name="key"' in forger.get("/dashboard").text


def test_the_dashboard_shows_the_store_and_downloads_a_segment(service, served_world, drivers_stored):
    store = ScoreStore(served_world.store_url)
    with service.client(key=None) as browser:
        browser.cookies.set(SESSION_COOKIE, session_token(API_KEY))
        page = browser.get("/dashboard")
        assert page.status_code == 200 and page.text.count("<svg") >= 3  # KPIs, drivers, links
        assert "repeat_contacts" in page.text and "Churn by experience" in page.text
        counts = store.segment_counts()
        assert f"{counts['save_now']:,}" in page.text
        download = browser.get("/dashboard/segments/save_now.csv")
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        rows = pd.read_csv(io.StringIO(download.text))
        assert rows["customer_id"].astype(str).tolist() == store.segment_members("save_now")["customer_id"].tolist()
    with service.client() as keyed:  # or the key in the header
        assert keyed.get("/dashboard").text.count("<svg") >= 3
