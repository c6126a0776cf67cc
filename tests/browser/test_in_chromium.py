"""The mock used from a real browser: a prototype page on another origin, audio, the API
reference and the console, in headless Chromium."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from chromium_support import ADMIN_TOKEN, LiveMock
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from mockserver.testing import DEMO_KEY

KEY_HEADER = {"Authorization": f"Bearer {DEMO_KEY}"}
WORKFLOWS = "/api/v1/workflows"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

Screenshot = Callable[[str], Any]


def wait_for(browser: webdriver.Chrome, condition: Callable[[webdriver.Chrome], Any],
             timeout: float = 20) -> Any:
    return WebDriverWait(browser, timeout, poll_frequency=0.1).until(condition)


def text_of(browser: webdriver.Chrome, element_id: str) -> str:
    return str(browser.find_element(By.ID, element_id).text)


def open_prototype(browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock) -> None:
    query = urlencode({"mock": live_mock.url, "key": DEMO_KEY})
    browser.get(f"{page_origin}/index.html?{query}")
    wait_for(browser, lambda b: text_of(b, "status") != "loading…")


def api(live_mock: LiveMock) -> httpx.Client:
    return httpx.Client(base_url=live_mock.url, headers=KEY_HEADER, timeout=10)


def test_page_on_another_origin_fetches_with_a_key_and_traceparent(
        browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock,
        screenshot: Screenshot) -> None:
    """The preflight allows traceparent, so the cross-origin call reaches the mock."""
    open_prototype(browser, page_origin, live_mock)
    screenshot("workflows")
    assert text_of(browser, "status") == "200"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#workflows li")) == 5
    [entry] = [e for e in live_mock.journal(path=WORKFLOWS, method="GET")
               if e["request_headers"].get("Traceparent") == TRACEPARENT][-1:]
    assert entry["status"] == 200
    assert entry["request_headers"]["Origin"] == page_origin


def playback_url(live_mock: LiveMock) -> tuple[str, int]:
    """A seeded completed run's first take: its playback URL and duration_ms."""
    with api(live_mock) as client:
        for workflow in client.get(f"{WORKFLOWS}?status=completed&limit=5").json()["data"]:
            runs = client.get(f"{WORKFLOWS}/{workflow['id']}/runs").json()["data"]
            done = [r for r in runs if r["status"] == "completed"]
            if done:
                data = client.get(f"{WORKFLOWS}/{workflow['id']}/runs/{done[0]['id']}/data")
                audio = data.json()["data"]["rows"][0]["cards"][0]["audio"]
                return str(audio["playback_url"]), int(audio["duration_ms"])
    raise AssertionError("no completed seeded run")


def test_audio_element_plays_and_seeks_a_playback_url(
        browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock,
        screenshot: Screenshot) -> None:
    """The element learns the API's duration, can seek (byte ranges) and plays on."""
    open_prototype(browser, page_origin, live_mock)
    url, duration_ms = playback_url(live_mock)
    report = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "playAndSeek(arguments[0]).then(done, (e) => done({error: String(e)}));", url)
    screenshot("player")
    assert "error" not in report, report
    assert report["duration"] == pytest.approx(duration_ms / 1000, abs=0.002)
    assert report["seekable"][1] == pytest.approx(report["duration"], abs=0.002)
    assert report["afterSeek"] == pytest.approx(report["target"], abs=0.05)
    assert report["playedTo"] > report["afterSeek"]
    fetched = live_mock.journal(operation_id="mock_file")
    assert fetched and {e["status"] for e in fetched} <= {200, 206}


def test_docs_try_it_out_calls_the_mock(browser: webdriver.Chrome, live_mock: LiveMock,
                                        screenshot: Screenshot) -> None:
    """/docs renders offline, and "Try it out" on list_workflows answers 200 with the
    pre-filled demo key."""
    browser.get(f"{live_mock.url}/docs#/workflows/list_workflows")
    operation = wait_for(browser, lambda b: b.find_element(
        By.ID, "operations-workflows-list_workflows"))
    if not operation.find_elements(By.CSS_SELECTOR, ".try-out__btn"):
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(browser, lambda b: operation.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
    operation.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = wait_for(browser, lambda b: operation.find_element(
        By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status"))
    browser.execute_script("arguments[0].scrollIntoView()", status)
    screenshot("try-it-out")
    assert status.text.strip().startswith("200")
    assert browser.find_element(By.CSS_SELECTOR, "button.authorize.locked")
    calls = live_mock.journal(path=WORKFLOWS, method="GET")
    assert calls[-1]["request_headers"]["Authorization"].startswith("Bearer op_live_demoAll")
    assert calls[-1]["status"] == 200


def unlock_console(browser: webdriver.Chrome, live_mock: LiveMock) -> None:
    browser.get(f"{live_mock.url}/__mock/")
    token = wait_for(browser, lambda b: b.find_element(By.ID, "admin-token"))
    if token.is_displayed():
        token.send_keys(ADMIN_TOKEN)
        browser.find_element(By.ID, "token-save").click()
    wait_for(browser, lambda b: b.find_element(By.ID, "console").is_displayed())


def start_run(live_mock: LiveMock) -> tuple[str, str]:
    with api(live_mock) as client:
        rows = client.get(f"{WORKFLOWS}?limit=100&include_definition=true").json()["data"]
        workflow = next(r["id"] for r in rows
                        if r["runs_count"] == 0 and r["definition"]["graph"]["nodes"])
        started = client.post(f"{WORKFLOWS}/{workflow}/runs")
        assert started.status_code == 202, started.text
        return str(workflow), str(started.json()["data"]["id"])


def test_console_forces_a_run_and_the_page_sees_it(
        browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock,
        screenshot: Screenshot) -> None:
    """The console asks for the admin token once (kept out of the URL), forces a run to
    completed, and the prototype polling that run shows it completed. The clock is held,
    so the run is pending until forced, however slow the machine."""
    live_mock.hold_clock()
    try:
        _force_from_the_console(browser, page_origin, live_mock, screenshot)
    finally:
        live_mock.set_clock(real=True)


def _force_from_the_console(browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock,
                            screenshot: Screenshot) -> None:
    workflow_id, run_id = start_run(live_mock)
    open_prototype(browser, page_origin, live_mock)
    browser.execute_script("watchRun(arguments[0], arguments[1])", workflow_id, run_id)
    wait_for(browser, lambda b: text_of(b, "run-status") == "pending")
    prototype = browser.current_window_handle

    browser.switch_to.new_window("tab")
    unlock_console(browser, live_mock)
    assert ADMIN_TOKEN not in browser.current_url
    browser.find_element(By.ID, "force-run-id").send_keys(run_id)
    Select(browser.find_element(By.ID, "force-status")).select_by_visible_text("completed")
    browser.find_element(By.ID, "force-submit").click()
    wait_for(browser, lambda b: "completed" in text_of(b, "force-result"))
    screenshot("console-forced")
    browser.refresh()  # the token survives a reload: it is asked for once per session
    wait_for(browser, lambda b: b.find_element(By.ID, "console").is_displayed())
    assert not browser.find_element(By.ID, "token-form").is_displayed()

    browser.switch_to.window(prototype)
    wait_for(browser, lambda b: text_of(b, "run-status") == "completed")
    screenshot("page-sees-completed")


def test_journal_shows_the_page_request_with_its_body(
        browser: webdriver.Chrome, page_origin: str, live_mock: LiveMock,
        screenshot: Screenshot) -> None:
    """The console's live journal shows the page's POST without a reload, and its
    detail view shows the body, the operation and a masked key."""
    unlock_console(browser, live_mock)
    console = browser.current_window_handle
    name = f"Made in Chromium {uuid.uuid4().hex[:8]}"
    browser.switch_to.new_window("tab")
    open_prototype(browser, page_origin, live_mock)
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "createWorkflow(arguments[0]).then(done, (e) => done(String(e)));", name)
    assert status == 201
    browser.close()

    browser.switch_to.window(console)
    browser.find_element(By.ID, "filter-text").send_keys(name)
    row = wait_for(browser, lambda b: next(
        (tr for tr in b.find_elements(By.CSS_SELECTOR, "#journal-body tr")
         if "POST" in tr.text and WORKFLOWS in tr.text), None))
    row.click()
    body = wait_for(browser, lambda b: b.find_element(By.ID, "detail-request-body"))
    screenshot("journal-detail")
    assert json.loads(body.text) == {"name": name}
    facts = text_of(browser, "detail-facts")
    assert "create_workflow" in facts and "passed" in facts  # the validation outcome
    headers = text_of(browser, "detail-request-headers")
    assert f"traceparent: {TRACEPARENT}".lower() in headers.lower()
    assert DEMO_KEY not in headers and "Bearer op_live_demo" in headers
    assert name in text_of(browser, "detail-response-body")


# -- the console's layout at common screen widths ------------------------------------------------

CONTROLS = "#console input, #console button, #console select"
# Every control and the detail pane: [left, right, top, bottom] of its box, in CSS pixels.
BOXES = """
const boxes = [...document.querySelectorAll(arguments[0])]
  .filter((e) => e.offsetParent !== null)
  .map((e) => { const r = e.getBoundingClientRect();
                return [e.id || e.name || e.textContent.trim() || e.tagName, r.left, r.right]; });
const d = document.getElementById("detail").getBoundingClientRect();
return {boxes, detail: [d.left, d.right, d.top, d.bottom], width: window.innerWidth,
        height: window.innerHeight, scrollWidth: document.documentElement.scrollWidth};
"""


def _viewport(browser: webdriver.Chrome, width: int, height: int = 900) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def _journal_paths(browser: webdriver.Chrome) -> list[str]:
    """The whole paths of the journal rows (read in one script: the live table re-renders)."""
    return list(browser.execute_script(
        "return [...document.querySelectorAll('#journal-body td.path')].map((td) => td.title);"))


@pytest.mark.parametrize("width", [1280, 1920])
def test_console_fits_the_screen_with_long_file_paths(
        browser: webdriver.Chrome, live_mock: LiveMock, screenshot: Screenshot,
        width: int) -> None:
    """With audio fetched (each /files/ row about 250 characters), every control and the
    detail pane lie inside the viewport: long paths are shortened (whole on hover and in
    the detail), the detail pane stays in view, and /files/ rows can be hidden."""
    url, _ = playback_url(live_mock)
    for _ in range(3):
        assert httpx.get(url, timeout=10).status_code == 200
    _viewport(browser, width)
    try:
        unlock_console(browser, live_mock)
        local = url[url.index("/files/"):]
        wait_for(browser, lambda b: local in _journal_paths(b))
        browser.find_element(By.ID, "journal-live").click()  # hold the table still to click
        cell = next(td for td in browser.find_elements(By.CSS_SELECTOR, "#journal-body td.path")
                    if td.get_attribute("title") == local)
        assert "…" in cell.text and len(cell.text) < 70
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        cell.click()
        wait_for(browser, lambda b: b.find_element(By.ID, "detail").is_displayed())
        assert local in text_of(browser, "detail-title")
        screenshot(f"console-{width}")
        layout = browser.execute_script(BOXES, CONTROLS)
        assert layout["scrollWidth"] <= layout["width"], layout["scrollWidth"]
        outside = [name for name, left, right in layout["boxes"]
                   if left < 0 or right > layout["width"] + 0.5]
        assert outside == [], outside
        left, right, top, bottom = layout["detail"]
        assert 0 <= left < right <= layout["width"] + 0.5
        assert 0 <= top < layout["height"] and bottom > top

        browser.find_element(By.ID, "filter-exclude").send_keys("/files/")
        browser.find_element(By.ID, "filter-operation").click()  # leaving the field applies it
        wait_for(browser, lambda b: not [p for p in _journal_paths(b)
                                         if p.startswith("/files/")])
        assert _journal_paths(browser), "the other rows stay"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_console_run_picker_fills_the_run_to_force(
        browser: webdriver.Chrome, live_mock: LiveMock, screenshot: Screenshot) -> None:
    """The run picker lists recent runs grouped by workflow; picking one fills the run id,
    which the console then forces (here: to paused)."""
    live_mock.hold_clock()
    try:
        workflow_id, run_id = start_run(live_mock)
        unlock_console(browser, live_mock)
        browser.find_element(By.ID, "force-run-refresh").click()
        option = f"#force-run-pick optgroup > option[value='{run_id}']"
        wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, option))
        Select(browser.find_element(By.ID, "force-run-pick")).select_by_value(run_id)
        assert browser.find_element(By.ID, "force-run-id").get_attribute("value") == run_id
        Select(browser.find_element(By.ID, "force-status")).select_by_value("paused")
        browser.find_element(By.ID, "force-submit").click()
        wait_for(browser, lambda b: "paused" in text_of(b, "force-result"))
        screenshot("run-picker")
        with api(live_mock) as client:
            status = client.get(f"{WORKFLOWS}/{workflow_id}/runs/{run_id}/status")
        assert status.json()["data"]["status"] == "paused"
    finally:
        live_mock.set_clock(real=True)
