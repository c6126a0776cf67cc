"""DNS rebinding against a real ``onepin-mock serve`` on each state backend: a page on a
name that resolves to 127.0.0.1 is same-origin to the mock, so only the ``Host`` header can
tell; the mock answers it 421 and its state stays as it was. Also ``serve --host localhost``
(a name, not an address) starting cleanly."""

from __future__ import annotations

from typing import Any

import httpx
from served import serving
from support import DEMO_KEY

KEY = {"Authorization": f"Bearer {DEMO_KEY}"}
HTTP = httpx.Client(timeout=60)


def _refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 421, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == "MISDIRECTED_REQUEST"
    assert "op_live_" not in response.text
    return body


def test_rebinding_requests_are_refused_and_change_nothing(state_url: str) -> None:
    with serving("--state", state_url, "--quiet") as served:
        port = served.url.rsplit(":", 1)[1]
        rebound = {"Host": f"attacker.example:{port}",
                   "Origin": f"http://attacker.example:{port}"}
        created = HTTP.post(f"{served.url}/api/v1/workflows", json={"name": "kept"}, headers=KEY)
        assert created.status_code == 201, created.text
        workflow = f"{served.url}/api/v1/workflows/{created.json()['data']['id']}"

        # The two requests of the issue, as curl sends them.
        _refused(HTTP.post(f"{served.url}/__mock/reset", content=b"{}", headers={
            **rebound, "Content-Type": "application/json"}))
        _refused(HTTP.get(f"{served.url}/__mock/state", headers={"Host": rebound["Host"]}))
        # The API and the file links alike.
        _refused(HTTP.get(workflow, headers={**KEY, **rebound}))
        _refused(HTTP.delete(workflow, headers={**KEY, **rebound}))
        _refused(HTTP.get(f"{served.url}/files/anything", headers=rebound))

        assert HTTP.get(workflow, headers=KEY).json()["data"]["name"] == "kept"
        state = HTTP.get(f"{served.url}/__mock/state", headers={"Host": f"localhost:{port}"})
        assert state.status_code == 200 and "op_live_" in state.text


def test_serve_host_localhost_starts_and_answers_the_hosts_it_allows() -> None:
    """`--host localhost` is a loopback bind (it used to stop with a traceback), and a host
    given with `--allowed-host` is answered besides the loopback names."""
    with serving("--host", "localhost", "--allowed-host", "mock.test", "--quiet") as served:
        port = served.url.rsplit(":", 1)[1]
        for host in (f"localhost:{port}", f"mock.test:{port}", f"127.0.0.1:{port}"):
            answer = HTTP.get(f"{served.url}/api/v1/auth/whoami", headers={**KEY, "Host": host})
            assert answer.status_code == 200, (host, answer.text)
        _refused(HTTP.get(f"{served.url}/api/v1/auth/whoami", headers={
            **KEY, "Host": f"attacker.example:{port}"}))
        served.log.seek(0)
        assert b"Traceback" not in served.log.read()
