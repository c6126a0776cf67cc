"""GET /__mock/state in pages: each page is loadable, the pages in order are the whole export,
and the headers say how many workflows there are and where the next page is."""

from __future__ import annotations

import yaml
from support import assert_error, make_settings, ok

from mockserver.app import create_app


def _document(response: object) -> dict[str, object]:
    text = response.get_data(as_text=True)  # type: ignore[attr-defined]
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


def test_the_pages_in_order_are_the_whole_export() -> None:
    client = create_app(make_settings()).test_client()
    workspace = ok(client.post("/__mock/workspaces", json={"workflow_count": 23}))["workspace_id"]
    whole = client.get(f"/__mock/state?workspace_id={workspace}")
    assert whole.status_code == 200 and whole.headers["X-Total-Count"] == "23"
    everything = _document(whole)
    pages, url = [], f"/__mock/state?workspace_id={workspace}&limit=10"
    while url:
        page = client.get(url)
        assert page.status_code == 200 and page.headers["X-Total-Count"] == "23"
        pages.append(_document(page))
        link = page.headers.get("Link")
        url = link[link.index("/__mock"):link.index(">")] if link else ""
    assert [len(p["workflows"]) for p in pages] == [10, 10, 3]  # type: ignore[arg-type]
    for section in ("workspaces", "users", "memberships", "api_keys", "templates", "dictionary"):
        assert pages[0][section] == everything[section]
        assert all(p[section] == [] for p in pages[1:])
    for section in ("workflows", "uploads"):
        joined = [item for p in pages for item in p[section]]  # type: ignore[attr-defined]
        assert joined == everything[section]


def test_a_page_past_the_end_is_empty_and_a_bad_limit_is_refused() -> None:
    client = create_app(make_settings()).test_client()
    workspace = ok(client.post("/__mock/workspaces", json={"workflow_count": 3}))["workspace_id"]
    past = client.get(f"/__mock/state?workspace_id={workspace}&limit=5&offset=10")
    assert _document(past)["workflows"] == [] and "Link" not in past.headers
    for bad in ("limit=0", "limit=1001", "limit=5&offset=-1", "limit=x"):
        assert_error(client.get(f"/__mock/state?workspace_id={workspace}&{bad}"), 422,
                     "VALIDATION_ERROR")


def test_the_pages_loaded_in_order_give_the_same_state() -> None:
    original = create_app(make_settings()).test_client()
    workspace = ok(original.post("/__mock/workspaces", json={"workflow_count": 7}))["workspace_id"]
    fresh = create_app(make_settings()).test_client()
    for offset in (0, 4):
        page = original.get(f"/__mock/state?workspace_id={workspace}&limit=4&offset={offset}")
        ok(fresh.post("/__mock/fixtures", data=page.get_data(), content_type="application/yaml"))
    exported = [fresh.get(f"/__mock/state?workspace_id={workspace}"),
                original.get(f"/__mock/state?workspace_id={workspace}")]
    assert _document(exported[0])["workflows"] == _document(exported[1])["workflows"]
