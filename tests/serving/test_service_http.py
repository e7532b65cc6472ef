"""The scoring service over HTTP, in its own process: authentication, every endpoint, bad payloads, reloads."""

import json
import os
import signal
import threading
import time

import pandas as pd
import pytest

from service_world import ADMIN_KEY, API_KEY, KEYS_FILE, MAX_REQUEST_BYTES, children
from serving.scoring import SCORE_COLUMNS

TABLES = ("customers", "transactions", "contacts", "surveys", "events")
GUARDED = [("GET", "/customers/C0000001/scores"), ("GET", "/segments"), ("GET", "/segments/champions"),
           ("POST", "/score"), ("POST", "/admin/reload")]
ONE_PURCHASE = {"transactions": [{"customer_id": "new-1", "timestamp": "2025-06-01T12:00:00Z", "amount": 30.0}]}


@pytest.fixture(scope="module")
def batch(served_world) -> pd.DataFrame:
    return pd.read_parquet(served_world.scores_file)


def history(world, customer_id: str) -> dict:
    """Every row of one customer in the world's tables, as a POST /score body."""
    body = {}
    for name in TABLES:
        frame = pd.read_parquet(world.folder / "world" / f"{name}.parquet")
        rows = frame[frame["customer_id"] == customer_id]
        body[name] = json.loads(rows.to_json(orient="records", date_format="iso", double_precision=15))
    return body


def test_health_ready_version_and_docs_are_open(service, batch):
    with service.client(key=None) as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready").json()
        assert ready["ready"] is True and ready["churn_model_version"] and ready["batch_id"]
        version = client.get("/version").json()
        assert version["cxmodels"] and version["batch"]["rows"] == len(batch)
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
    (limit,) = [p for p in paths["/segments/{name}"]["get"]["parameters"] if p["name"] == "limit"]
    assert {"type": "integer", "minimum": 1, "maximum": 500} in limit["schema"]["anyOf"]  # [service] max_page_size
    assert {"401", "503", "404", "422"} <= set(paths["/customers/{customer_id}/scores"]["get"]["responses"])
    assert {"401", "403"} <= set(paths["/admin/reload"]["post"]["responses"])


@pytest.mark.parametrize("method, path", GUARDED)
@pytest.mark.parametrize("key, words", [(None, "missing API key"), ("wrong-key", "wrong API key"),
                                        (API_KEY.upper(), "wrong API key"), ("é".encode(), "wrong API key")])
def test_every_other_endpoint_needs_the_key(service, method, path, key, words):
    with service.client(key=None) as client:
        answer = client.request(method, path, headers={"X-API-Key": key} if key else {}, json=ONE_PURCHASE)
    assert answer.status_code == 401 and words in answer.json()["detail"]
    assert answer.headers["WWW-Authenticate"] == "APIKey"


def test_admin_endpoints_need_an_admin_key_which_also_opens_the_rest(service, batch):
    with service.client() as reader:
        refused = reader.post("/admin/reload")
    assert refused.status_code == 403 and "needs an admin key" in refused.json()["detail"]
    with service.client(key=ADMIN_KEY) as admin:
        assert admin.get(f"/customers/{batch['customer_id'].iloc[0]}/scores").status_code == 200


def test_keys_are_rotated_in_the_keys_file_without_a_restart(service, served_world, batch):
    keys_file, path = served_world.folder / KEYS_FILE, f"/customers/{batch['customer_id'].iloc[0]}/scores"

    def status(key: str) -> int:
        with service.client(key=key) as client:
            return client.get(path).status_code

    def replace(text: str) -> None:  # as documented: a new file renamed over the old one, never half-written
        (served_world.folder / "keys.new").write_text(text)
        os.replace(served_world.folder / "keys.new", keys_file)

    try:
        replace('read = ["old-crm-key"]\n')
        assert status("old-crm-key") == 200 and status("new-crm-key") == 401
        replace('read = ["old-crm-key", "new-crm-key"]\n')  # both while the CRM moves over
        assert status("old-crm-key") == 200 and status("new-crm-key") == 200
        replace('read = ["new-crm-key"]\n')
        assert status("old-crm-key") == 401 and status("new-crm-key") == 200
        replace("read = [unquoted]\n")  # a broken file keeps the keys read before
        assert status("new-crm-key") == 200 and status(API_KEY) == 200
    finally:
        replace("read = []\n")


def test_every_request_is_logged_with_an_id_status_and_time_and_no_key(service, served_world, batch):
    customer = batch["customer_id"].iloc[0]
    with service.client() as client:
        answer = client.get(f"/customers/{customer}/scores", headers={"X-Request-ID": "crm-call-42"})
        client.get("/segments/champions", params={"limit": 3, "api_key": API_KEY})
        client.get(f"/customers/{API_KEY}/scores")  # a key where it does not belong is not logged either
    with service.client(key=ADMIN_KEY) as admin:
        admin.get("/segments")
    with service.client(key="not-a-key-" + API_KEY) as wrong:
        assert wrong.get("/segments").status_code == 401
    assert answer.headers["X-Request-ID"] == "crm-call-42"
    deadline = time.monotonic() + 10
    while "GET /segments -> 401" not in (log := (served_world.folder / "service.log").read_text()):
        assert time.monotonic() < deadline, log[-2000:]
        time.sleep(0.1)
    assert f"request crm-call-42: GET /customers/{customer}/scores -> 200 in " in log
    assert "GET /segments/champions?limit&api_key -> 200" in log and "GET /customers/[key]/scores -> 404" in log
    assert API_KEY not in log and ADMIN_KEY not in log


def test_a_customer_lookup_gives_its_row_of_the_latest_batch(client, batch):
    expected = batch.iloc[7]
    answer = client.get(f"/customers/{expected['customer_id']}/scores")
    assert answer.status_code == 200
    scores = answer.json()
    assert list(scores) == ["batch_id", *SCORE_COLUMNS]
    assert scores["status"] == expected["status"]
    if expected["status"] == "active":
        assert scores["churn_probability"] == pytest.approx(expected["churn_probability"])
    else:  # lapsed: no churn probability
        assert scores["churn_probability"] is None and scores["churn_risk"] is None
    assert scores["segments"] == expected["segments"]
    assert scores["churn_risk"] == (None if pd.isna(expected["churn_risk"]) else expected["churn_risk"])
    assert pd.Timestamp(scores["as_of"]) == expected["as_of"]


def test_an_unknown_customer_is_a_404_naming_it(client):
    answer = client.get("/customers/nobody-42/scores")
    assert answer.status_code == 404 and "'nobody-42'" in answer.json()["detail"]


def test_segments_are_listed_with_their_sizes_in_the_batch(client, batch):
    answer = client.get("/segments").json()
    sizes = batch["segments"].str.split(";").explode().value_counts()
    listed = {segment["name"]: segment for segment in answer["segments"]}
    assert {"save_now", "champions", "lost", "high_value_detractors"} <= set(listed)
    assert all(listed[name]["customers"] == sizes.get(name, 0) for name in listed)
    assert listed["save_now"]["description"] and listed["save_now"]["expression"]


def members(batch, name: str) -> set:
    return set(batch.loc[batch["segments"].str.split(";").map(lambda names: name in names), "customer_id"])


def test_a_segment_comes_a_page_at_a_time_as_json(client, batch):
    expected, seen, offset = members(batch, "champions"), [], 0
    while True:
        page = client.get("/segments/champions", params={"limit": 120, "offset": offset}).json()
        assert page["total"] == len(expected) and page["limit"] == 120
        seen += [row["customer_id"] for row in page["customers"]]
        if len(page["customers"]) < 120:
            break
        offset += 120
    assert len(seen) == len(set(seen)) and set(seen) == expected
    row = page["customers"][0]
    assert list(row) == list(SCORE_COLUMNS) and "champions" in row["segments"].split(";")
    assert len(client.get("/segments/champions").json()["customers"]) == min(50, len(expected))  # page_size


@pytest.mark.parametrize("how", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_a_segment_comes_as_csv_on_request(client, batch, how):
    kwargs = {**how, "params": {**how.get("params", {}), "limit": 500}}
    answer = client.get("/segments/at_risk", **kwargs)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0].split(",") == list(SCORE_COLUMNS)
    assert len(lines) - 1 == int(answer.headers["X-Total-Count"]) == len(members(batch, "at_risk"))


@pytest.mark.parametrize("path, params, status, words", [
    ("/segments/no_such_segment", {}, 404, "unknown segment 'no_such_segment'"),
    ("/segments/champions", {"limit": 501}, 422, "at most 500 rows per page"),
    ("/segments/champions", {"limit": 0}, 422, "query.limit"),
    ("/segments/champions", {"offset": -1}, 422, "query.offset"),
    ("/segments/champions", {"limit": "ten"}, 422, "query.limit"),
    ("/segments/champions", {"format": "xml"}, 422, "query.format"),
])
def test_bad_segment_requests_get_a_4xx_naming_the_problem(client, path, params, status, words):
    answer = client.get(path, params=params)
    assert answer.status_code == status and words in answer.json()["detail"]


def test_score_gives_a_customer_with_its_full_history_the_scores_of_the_batch(client, world, batch):
    expected = batch[batch["status"] == "active"].iloc[11]  # a customer with a churn probability
    answer = client.post("/score", json={"as_of": expected["as_of"].isoformat(),
                                         **history(world, expected["customer_id"])})
    assert answer.status_code == 200, answer.text
    (scores,) = answer.json()["scores"]
    assert list(scores) == list(SCORE_COLUMNS)
    for name in ("churn_probability", "clv", "p_alive", "r_score", "f_score", "m_score"):
        assert scores[name] == pytest.approx(expected[name], rel=1e-9), name
    for name in ("customer_id", "churn_risk", "value_tier", "segments", "reason_1"):
        assert scores[name] == expected[name], name


def test_score_needs_only_transactions_and_lists_customers_it_cannot_score(client):
    body = {"as_of": "2025-07-01", "transactions": [
        *ONE_PURCHASE["transactions"],
        {"customer_id": "later-2", "timestamp": "2025-08-01", "amount": 12.0},  # after as_of: not scoreable yet
    ]}
    answer = client.post("/score", json=body).json()
    assert [row["customer_id"] for row in answer["scores"]] == ["new-1"]
    assert answer["unscored"] == ["later-2"] and answer["as_of"].startswith("2025-07-01")
    (scores,) = answer["scores"]
    assert scores["purchases_total"] == 1 and scores["churn_risk"] in ("low", "medium", "high")


def test_score_without_as_of_scores_as_of_now(client):
    answer = client.post("/score", json=ONE_PURCHASE).json()
    assert abs(pd.Timestamp(answer["as_of"]) - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(minutes=5)


ROW = ONE_PURCHASE["transactions"][0]


@pytest.mark.parametrize("request_, words", [
    ({"content": b""}, "body is empty"),
    ({"content": b"{\"transactions\": [", "headers": {"Content-Type": "application/json"}}, "not valid JSON"),
    ({"content": b"transactions=1", "headers": {"Content-Type": "text/plain"}}, "JSON object"),
    ({"json": [ROW]}, "JSON object"),
    ({"json": {"customers": [{"customer_id": "a"}]}}, "body.transactions: Field required"),
    ({"json": {**ONE_PURCHASE, "orders": []}}, "unknown table(s) 'orders'"),
    ({"json": {"transactions": "all of them"}}, "body.transactions: Input should be a valid list"),
    ({"json": {"transactions": [[1, 2]]}}, "body.transactions.0: Input should be a valid dictionary"),
    ({"json": {"transactions": [{**ROW, "amount": {"eur": 3}}]}}, "must be a string, number, boolean or null"),
    ({"json": {"transactions": [{**ROW, "amount": "ten"}]}}, "transactions.amount: must be a finite number"),
    ({"json": {"transactions": [{**ROW, "timestamp": "yesterday"}]}}, "transactions.timestamp: must be an ISO-8601"),
    ({"json": {"transactions": [{**ROW, "timestamp": "2025-02-30"}]}}, "transactions.timestamp: must be an ISO-8601"),
    ({"json": {**ONE_PURCHASE, "as_of": "next week"}}, "body.as_of: Value error, 'next week' is not an ISO date"),
    ({"json": {**ONE_PURCHASE, "as_of": 20250101}}, "body.as_of: Input should be a valid string"),
    ({"json": {"transactions": [{"customer_id": "a", "timestamp": "2025-01-01"}]}},
     "transactions.amount: required column is missing"),
    ({"json": {"transactions": []}}, "transactions"),
    ({"json": {**ONE_PURCHASE, "customers": [{"customer_id": "someone-else"}]}},
     "must be a customer_id of the customers table"),
    ({"json": {**ONE_PURCHASE, "surveys": [{"customer_id": "new-1", "timestamp": "2025-05-01", "survey": "nps",
                                            "score": 11}]}}, "surveys.score"),
])
def test_a_bad_payload_gets_a_4xx_with_a_message_naming_what_is_wrong(client, request_, words):
    answer = client.post("/score", **request_)
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"] == "application/json"
    assert words in answer.json()["detail"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_size_limit_gets_413(client, chunked):
    body = json.dumps({"transactions": [ROW] * (MAX_REQUEST_BYTES // 50)}).encode()
    assert len(body) > MAX_REQUEST_BYTES
    answer = client.post("/score", content=iter([body[i:i + 8192] for i in range(0, len(body), 8192)])
                         if chunked else body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and f"{MAX_REQUEST_BYTES:,} bytes" in answer.json()["detail"]
    assert client.get("/health").status_code == 200


def test_unknown_paths_and_methods_get_json_errors(client):
    assert client.get("/nowhere").json()["detail"] == "Not Found"
    assert client.get("/score").status_code == 405


def test_a_killed_scoring_worker_gives_a_503_then_a_new_one_scores(client, service, batch):
    assert client.post("/score", json=ONE_PURCHASE).status_code == 200
    workers = [worker for child in children(service.process.pid) for worker in children(child)]  # forkserver's
    assert workers
    for worker in workers:
        os.kill(worker, signal.SIGKILL)
    answer = client.post("/score", json=ONE_PURCHASE)
    assert answer.status_code == 503 and "scoring worker stopped unexpectedly" in answer.json()["detail"]
    assert client.get(f"/customers/{batch['customer_id'].iloc[0]}/scores").status_code == 200
    assert client.post("/score", json=ONE_PURCHASE).status_code == 200


# Reloads change the champions of the shared store: these tests come last.

def promote_copy(world, model: str) -> str:
    """Register the champion of `model` again as a new version and make it champion; its version."""
    return world.python(
        "from mlflow.tracking import MlflowClient; client = MlflowClient(); "
        f"old = client.get_model_version_by_alias({model!r}, 'champion'); "
        f"new = client.create_model_version({model!r}, source=old.source, run_id=old.run_id); "
        f"client.set_registered_model_alias({model!r}, 'champion', new.version); print(new.version)",
    ).stdout.split()[-1]


def test_a_reload_under_traffic_fails_no_request_and_serves_the_new_champion(client, service, world, batch):
    before = client.get("/version").json()["churn_model_version"]
    new = promote_copy(world, "cxmodels-churn")
    answers, stop = [], threading.Event()

    def traffic(worker: int) -> None:
        with service.client() as own:
            while not stop.is_set():
                customer = batch["customer_id"].iloc[worker]
                started = time.monotonic()
                lookup = own.get(f"/customers/{customer}/scores")
                scored = own.post("/score", json=ONE_PURCHASE)
                answers.append((lookup.status_code, scored.status_code,
                                scored.json()["scores"][0]["churn_model_version"] if scored.is_success else None,
                                started))

    workers = [threading.Thread(target=traffic, args=(i,)) for i in range(3)]
    for worker in workers:
        worker.start()
    time.sleep(1)
    with service.client(key=ADMIN_KEY) as admin:
        reloaded = admin.post("/admin/reload")
    swapped = time.monotonic()
    deadline = swapped + 120  # requests in flight finish on the old models, however slow the machine
    while sum(answer[3] > swapped for answer in answers) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    for worker in workers:
        worker.join()
    assert reloaded.status_code == 200 and reloaded.json()["churn_model_version"] == new
    assert reloaded.json()["previous"]["churn_model_version"] == before
    assert answers and all(answer[:2] == (200, 200) for answer in answers)
    assert {answer[2] for answer in answers} <= {before, new}
    after = [answer[2] for answer in answers if answer[3] > swapped]
    assert len(after) >= 3 and set(after) == {new}  # every request sent after the reload answered the new model
    assert client.get("/version").json()["churn_model_version"] == new


def test_a_failed_reload_keeps_the_previous_models(client, service, world):
    from mlflow.tracking import MlflowClient

    registry = MlflowClient(world.tracking_uri, world.tracking_uri)  # explicit: MLflow's global state untouched
    serving = client.get("/version").json()
    registry.delete_registered_model_alias("cxmodels-clv", "champion")
    try:
        with service.client(key=ADMIN_KEY) as admin:
            answer = admin.post("/admin/reload")
        assert answer.status_code == 503
        detail = answer.json()["detail"]
        assert "previous models are still served" in detail and "cxmodels-clv" in detail
        assert answer.json()["serving"]["clv_model_version"] == serving["clv_model_version"]
        assert client.get("/version").json() == serving
        assert client.post("/score", json=ONE_PURCHASE).status_code == 200
        assert client.get("/ready").status_code == 200
    finally:
        registry.set_registered_model_alias("cxmodels-clv", "champion", serving["clv_model_version"])
