"""Starting the service: where the API key comes from, refusing to start without one, and /ready until loaded."""

import threading
import time
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from cxmodels.cli import app
from serving.config import ServingConfig, StoreSettings
from serving.service import Settings, SettingsError, create_app, load_settings
from serving.service.keys import Keys, KeysError
from serving.service.run import serve
from service_world import free_port


def test_without_a_key_the_service_refuses_to_start_unless_insecure(monkeypatch):
    monkeypatch.delenv("CXMODELS_API_KEY", raising=False)
    with pytest.raises(SettingsError, match="CXMODELS_API_KEY .* --insecure"):
        serve(port=free_port())  # refused before binding: no server runs
    result = CliRunner().invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2 and "no API key" in result.output
    assert load_settings(insecure=True, environ={}).open


def test_keys_come_from_the_environment_then_the_configuration_and_from_the_keys_file(tmp_path):
    config = tmp_path / "serving.toml"
    config.write_text('[service]\napi_key = "from-config"\nadmin_key = "admin-1, admin-2"\n')
    keys = load_settings(config, environ={"CXMODELS_API_KEY": "env-1,env-2 , "}).keys
    assert keys.current() == {"read": ("env-1", "env-2"), "admin": ("admin-1", "admin-2")}
    assert keys.role("env-2") == "read" and keys.role("admin-1") == "admin" and keys.role("from-config") is None
    assert load_settings(config, environ={}).keys.current()["read"] == ("from-config",)
    secured = load_settings(config, insecure=True, environ={})
    assert not secured.open and secured.keys.role("from-config") == "read"  # a key given is required

    keys_file = tmp_path / "keys.toml"
    keys_file.write_text('read = ["file-read"]\nadmin = ["file-admin"]\n')
    config.write_text(f'[service]\nkeys_file = "{keys_file}"\n')
    keys = load_settings(config, environ={}).keys
    assert keys.role("file-read") == "read" and keys.role("file-admin") == "admin"
    assert keys.redact("/customers/file-admin/x?file-read") == "/customers/[key]/x?[key]"
    for text, words in [("read = 'one'", "must be a list of non-empty strings"), ("reader = []", "unknown entries"),
                        ("read = [", "cannot read the keys file")]:
        keys_file.write_text(text)
        with pytest.raises(KeysError, match=words):
            load_settings(config, environ={})
    keys_file.unlink()
    with pytest.raises(KeysError, match=f"cannot read the keys file {keys_file}"):
        load_settings(config, environ={})


@contextmanager
def service_on(url: str):
    """The service in this process on the store at `url`, with read key "k"; a client of it."""
    settings = Settings(ServingConfig(store=StoreSettings(url=url)), Keys({"read": ("k",)}))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=free_port(), log_level="critical"))
    thread = threading.Thread(target=server.run)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{server.config.port}", timeout=10) as client:
        yield client
    server.should_exit = True
    thread.join()


@pytest.fixture
def unloadable():
    """The service on a store it cannot open: it starts but never gets ready."""
    with service_on("nosuchdb://nowhere") as client:
        yield client


def test_the_dashboard_of_an_empty_store_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the champions are looked for in ./mlruns
    with service_on(f"sqlite:///{tmp_path / 'scores.db'}") as client:
        deadline = time.monotonic() + 10
        while "no complete batch" not in (page := client.get("/dashboard", headers={"X-API-Key": "k"})).text \
                and time.monotonic() < deadline:
            time.sleep(0.05)  # loading runs in the background
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), page.text
    assert "Nothing to show yet" in page.text and "cxmodels score DATA_DIR" in page.text


def test_health_answers_while_ready_is_503_with_the_reason(unloadable):
    assert unloadable.get("/health").status_code == 200
    deadline = time.monotonic() + 10
    while "nosuchdb" not in (ready := unloadable.get("/ready")).text and time.monotonic() < deadline:
        time.sleep(0.05)  # loading runs in the background
    assert ready.status_code == 503 and ready.json()["ready"] is False
    assert "cannot open the score store" in ready.json()["detail"]
    looked_up = unloadable.get("/customers/C1/scores", headers={"X-API-Key": "k"})
    assert looked_up.status_code == 503 and "score store is not loaded" in looked_up.json()["detail"]
    assert unloadable.get("/customers/C1/scores").status_code == 401
    page = unloadable.get("/dashboard", headers={"X-API-Key": "k"})  # a page saying why, not the API's JSON
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "Nothing to show yet: the score store is not loaded" in page.text and "cxmodels score" in page.text
    schemes = unloadable.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["ReadKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key", "description":
                                  "A read key of the service (CXMODELS_API_KEY where it runs) or an admin key."}
    assert schemes["AdminKey"]["name"] == "X-API-Key" and "CXMODELS_ADMIN_KEY" in schemes["AdminKey"]["description"]
