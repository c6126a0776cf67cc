"""The browser-facing pages: the root page, /docs, the served contract, the console
page and its run-time fault settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import yaml
from flask.testing import FlaskClient
from support import DEMO_KEY, KEY, assert_error, make_settings, ok

from mockserver.app import create_app
from mockserver.settings import DEFAULT_SPEC
from mockserver.testing import MockServer

WORKFLOWS = "/api/v1/workflows"


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with create_app(make_settings()).test_client() as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/openapi.json", "/openapi.yaml"])
def test_the_contract_is_served_pointing_at_the_mock(client: FlaskClient, path: str) -> None:
    """The served document is openapi.yaml with servers naming the address used."""
    response = client.get(path, base_url="http://127.0.0.1:9911")
    assert response.status_code == 200
    served = response.get_json() if path.endswith("json") else yaml.safe_load(response.data)
    assert served["servers"] == [{"url": "http://127.0.0.1:9911",
                                  "description": "this onepin-mock"}]
    packaged = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))
    assert served["paths"] == packaged["paths"]
    assert served["components"] == packaged["components"]


def test_docs_page_is_offline_and_pre_authorized(client: FlaskClient) -> None:
    """/docs loads Swagger UI from the mock itself and carries the demo key."""
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page
    linked = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert linked and all(url.startswith("/") and not url.startswith("//") for url in linked)
    assert f'"demoKey": "{DEMO_KEY}"' in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "docs.js"):
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200 and response.data
        response.close()
    assert_error(client.get("/docs/assets/../settings.py"), 404, "NOT_FOUND")
    assert_error(client.get("/docs/assets/index.html"), 404, "NOT_FOUND")


def test_root_page_links_everything_and_lists_credentials(client: FlaskClient) -> None:
    """/ links docs, console and journal, and lists every demo key and user."""
    page = client.get("/").get_data(as_text=True)
    for link in ("/docs", "/openapi.yaml", "/__mock/", "/__mock/#journal"):
        assert f"href='{link}'" in page or f'href="{link}"' in page
    for secret in (DEMO_KEY, "op_live_demoReadOnlyKeyForOnepinMock0002",
                   "op_live_demoSecondWorkspaceKeyOnepin0003"):
        assert secret in page
    assert "Ada Admin" in page and "b11a6feb-8597-5691-a36d-7d425071868e" in page


def test_root_page_without_the_control_api() -> None:
    """With --no-admin the root page does not link pages that would 404."""
    with create_app(make_settings(admin_enabled=False)).test_client() as no_admin:
        page = no_admin.get("/").get_data(as_text=True)
        assert "href='/__mock/'" not in page and "--no-admin" in page
        assert no_admin.get("/docs").status_code == 200
        assert_error(no_admin.get("/__mock/"), 404, "NOT_FOUND")


def test_console_page_and_assets_need_no_token() -> None:
    """The console is static (no data), so it loads without the token and asks for it."""
    with create_app(make_settings(admin_token="s3cret")).test_client() as guarded:
        page = guarded.get("/__mock/")
        assert page.status_code == 200 and page.content_type.startswith("text/html")
        assert 'id="token-form"' in page.get_data(as_text=True)
        assert guarded.get("/__mock/requests/page").data == page.data
        script = guarded.get("/__mock/console/console.js")
        assert script.status_code == 200 and "sessionStorage" in script.get_data(as_text=True)
        assert guarded.get("/__mock/console/console.css").status_code == 200
        assert_error(guarded.get("/__mock/console/missing.js"), 404, "NOT_FOUND")
        assert_error(guarded.get("/__mock/requests"), 401, "INVALID_API_KEY")


def test_console_never_puts_the_token_in_a_url(client: FlaskClient) -> None:
    """The token travels in the X-Mock-Admin-Token header only."""
    script = client.get("/__mock/console/console.js").get_data(as_text=True)
    assert 'headers["X-Mock-Admin-Token"] = token' in script
    assert "token=" not in script


def test_faults_change_at_run_time_and_reset_restores_them(client: FlaskClient) -> None:
    """POST /__mock/faults turns injection on; a full reset returns to the startup values."""
    assert ok(client.get("/__mock/faults"))["fault_rate"] == 0
    changed = ok(client.post("/__mock/faults", json={"fault_rate": 1, "fault_status": 502}))
    assert (changed["fault_rate"], changed["fault_status"]) == (1, 502)
    assert_error(client.get(WORKFLOWS, headers=KEY), 502, "SERVER_ERROR")
    ok(client.post("/__mock/reset", json={}))
    assert ok(client.get("/__mock/faults"))["fault_rate"] == 0
    assert client.get(WORKFLOWS, headers=KEY).status_code == 200


def test_bad_fault_settings_are_422_and_change_nothing(client: FlaskClient) -> None:
    """Out-of-range or unknown fields are refused; the settings stay as they were."""
    before = ok(client.get("/__mock/faults"))
    for body in ({"fault_rate": 2}, {"fault_status": 200}, {"surprise": 1}, {"delay_ms": -1}):
        assert_error(client.post("/__mock/faults", json=body), 422, "VALIDATION_ERROR")
    assert ok(client.get("/__mock/faults")) == before


def test_mock_server_reset_restores_fault_settings() -> None:
    """The pytest plugin's per-test reset also undoes faults a test switched on."""
    with MockServer(make_settings()) as server, httpx.Client(base_url=server.url) as http:
        assert http.post("/__mock/faults", json={"fault_rate": 1}).status_code == 200
        assert http.get(WORKFLOWS, headers=KEY).status_code == 503
        server.reset()
        assert http.get("/__mock/faults").json()["data"]["fault_rate"] == 0
        assert http.get(WORKFLOWS, headers=KEY).status_code == 200
