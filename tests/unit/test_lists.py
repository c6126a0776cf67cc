"""List semantics: filters, multi-sort with the id tiebreaker, pagination and aggregates."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from support import DEMO_KEY, bearer, make_settings

from mockserver.app import create_app, mock_of

KEY = bearer(DEMO_KEY)
WORKFLOWS = "/api/v1/workflows"
RUN_STATUSES = ("pending", "running", "completed", "failed", "cancelled", "paused")


def get(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path, headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def all_workflows(client: FlaskClient) -> list[dict[str, Any]]:
    return get(client, f"{WORKFLOWS}?limit=100")["data"]  # type: ignore[no-any-return]


def test_default_order_is_updated_at_desc_then_id(client: FlaskClient) -> None:
    """Without sort, rows come newest-updated first; ties broken by id ascending."""
    rows = all_workflows(client)
    keys = [(r["updated_at"], r["id"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (-_ts(k[0]), k[1]))


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_multi_sort_uses_per_field_default_orders(client: FlaskClient) -> None:
    """sort=runs_count&sort=name: runs_count desc (its default), then name asc, then id."""
    rows = get(client, f"{WORKFLOWS}?limit=100&sort=runs_count&sort=name")["data"]
    keys = [(-r["runs_count"], r["name"].casefold(), r["id"]) for r in rows]
    assert keys == sorted(keys)


def test_explicit_orders_pair_with_sorts_by_index(client: FlaskClient) -> None:
    """order values apply to sort keys by position."""
    rows = get(client, f"{WORKFLOWS}?limit=100&sort=name&sort=runs_count&order=desc&order=asc"
               )["data"]
    names = [r["name"].casefold() for r in rows]
    assert names == sorted(names, reverse=True)
    for a, b in itertools.pairwise(rows):
        if a["name"].casefold() == b["name"].casefold():
            assert (a["runs_count"], a["id"]) <= (b["runs_count"], b["id"])


def test_pages_cover_the_list_exactly_once(client: FlaskClient) -> None:
    """Following next links visits every row once; total counts all rows."""
    everything = [r["id"] for r in all_workflows(client)]
    seen, path = [], f"{WORKFLOWS}?limit=7&sort=name"
    while path:
        body = get(client, path)
        assert body["pagination"]["total"] == len(everything)
        assert body["pagination"]["limit"] == 7
        assert "offset" not in body["pagination"]
        seen += [r["id"] for r in body["data"]]
        nxt = body["pagination"]["next"]
        path = nxt and urlsplit(nxt).path + "?" + urlsplit(nxt).query
    assert sorted(seen) == sorted(everything) and len(seen) == len(everything)


def test_links_repeat_the_query_and_are_null_at_the_ends(client: FlaskClient) -> None:
    """next/prev are absolute URLs with the original filters; null past either end."""
    first = get(client, f"{WORKFLOWS}?limit=5&search=a&sort=name")["pagination"]
    assert first["prev"] is None
    query = parse_qs(urlsplit(first["next"]).query)
    assert first["next"].startswith("http://localhost/api/v1/workflows?")
    assert query == {"search": ["a"], "sort": ["name"], "offset": ["5"], "limit": ["5"]}
    last = get(client, f"{WORKFLOWS}?limit=5&offset={first['total'] - 1}")["pagination"]
    assert last["next"] is None
    assert parse_qs(urlsplit(last["prev"]).query)["offset"] == [str(first["total"] - 6)]


@pytest.fixture(scope="module")
def proxied() -> FlaskClient:
    """A mock behind a proxy that forwards the site's names (``--allowed-host .example``)."""
    return create_app(make_settings(allowed_hosts=(".example",))).test_client()


@pytest.mark.parametrize("base", ["http://a.example:8000", "https://b.example",
                                  "http://a.example:8000/mounted"])
def test_links_name_the_host_and_mount_point_each_request_came_to(
        proxied: FlaskClient, base: str) -> None:
    """The same path asked through different hosts (and mount points) links back through
    each one's own, however often it is asked."""
    for _ in range(2):
        for other in ("http://localhost", base):
            response = proxied.get(f"{WORKFLOWS}?limit=5", headers=KEY, base_url=other)
            link = response.get_json()["pagination"]["next"]
            assert link.startswith(f"{other}{WORKFLOWS}?"), (other, link)


def test_links_follow_the_host_header_over_the_server_address(proxied: FlaskClient) -> None:
    """Behind a proxy the Host header names the site, not the address the server bound."""
    for _ in range(2):
        for host in ("localhost", "c.example:7000", "d.example"):
            response = proxied.get(f"{WORKFLOWS}?limit=5", headers={**KEY, "Host": host})
            link = response.get_json()["pagination"]["next"]
            assert link.startswith(f"http://{host}{WORKFLOWS}?"), (host, link)


@pytest.mark.parametrize("status", ["draft", "running", "completed", "failed", "paused"])
def test_status_buckets_follow_the_latest_run(client: FlaskClient, status: str) -> None:
    """status filters by the latest run: running includes paused and pending; paused is empty."""
    rows = get(client, f"{WORKFLOWS}?limit=100&status={status}")["data"]
    expected = {"draft": {None}, "running": {"running", "paused", "pending"},
                "completed": {"completed"}, "failed": {"failed"}, "paused": set()}[status]
    assert {r["last_run_status"] for r in rows} <= expected
    if status != "paused":
        assert rows, f"the seeded data should have {status} workflows"


def test_cancelled_latest_is_in_no_bucket(client: FlaskClient) -> None:
    """A workflow whose latest run was cancelled appears only in the unfiltered list."""
    everything = all_workflows(client)
    cancelled = {r["id"] for r in everything if r["last_run_status"] == "cancelled"}
    assert cancelled
    for status in ("draft", "running", "completed", "failed", "paused"):
        rows = get(client, f"{WORKFLOWS}?limit=100&status={status}")["data"]
        assert not cancelled & {r["id"] for r in rows}


def test_has_failed_run_partitions_the_list(client: FlaskClient) -> None:
    """has_failed_run=true and =false split the list by any failed run in history."""
    total = len(all_workflows(client))
    failed = get(client, f"{WORKFLOWS}?limit=100&has_failed_run=true")["data"]
    clean = get(client, f"{WORKFLOWS}?limit=100&has_failed_run=false")["data"]
    assert all(r["run_status_counts"]["failed"] > 0 for r in failed)
    assert all(r["run_status_counts"]["failed"] == 0 for r in clean)
    assert len(failed) + len(clean) == total and failed


def test_search_matches_name_or_description_case_insensitively(client: FlaskClient) -> None:
    """search is a case-insensitive substring match on name and description."""
    rows = get(client, f"{WORKFLOWS}?limit=100&search=IVR")["data"]
    assert rows
    for row in rows:
        assert "ivr" in (row["name"] + (row["description"] or "")).lower()


def test_last_run_window_is_inclusive(client: FlaskClient) -> None:
    """last_run_after/before filter on last_run_at, bounds included."""
    runs = [r for r in all_workflows(client) if r["last_run_at"]]
    pivot = sorted(r["last_run_at"] for r in runs)[len(runs) // 2]
    after = get(client, f"{WORKFLOWS}?limit=100&last_run_after={pivot}")["data"]
    before = get(client, f"{WORKFLOWS}?limit=100&last_run_before={pivot}")["data"]
    assert all(_ts(r["last_run_at"]) >= _ts(pivot) for r in after)
    assert all(_ts(r["last_run_at"]) <= _ts(pivot) for r in before)
    assert len(after) + len(before) == len(runs) + 1


def test_definition_only_on_request(client: FlaskClient) -> None:
    """List rows omit definition unless include_definition=true."""
    assert all("definition" not in r for r in all_workflows(client))
    rows = get(client, f"{WORKFLOWS}?limit=3&include_definition=true")["data"]
    assert all("graph" in r["definition"] for r in rows)


def test_aggregates_match_run_lists(client: FlaskClient) -> None:
    """run_status_counts sum to runs_count and equal the runs list totals per status."""
    for row in all_workflows(client)[:10]:
        counts = row["run_status_counts"]
        assert sum(counts.values()) == row["runs_count"]
        for status in RUN_STATUSES:
            page = get(client, f"{WORKFLOWS}/{row['id']}/runs?status={status}&limit=1")
            assert page["pagination"]["total"] == counts[status], (row["id"], status)
        runs = get(client, f"{WORKFLOWS}/{row['id']}/runs?limit=100")["data"]
        if runs:
            latest = max(runs, key=lambda r: r["run_number"])
            assert row["last_run_status"] == latest["status"]
            assert row["last_run_at"] == latest["created_at"]


def test_runs_list_sorts_and_filters(client: FlaskClient) -> None:
    """Runs are newest first by default; status takes a comma-separated OR list."""
    row = max(all_workflows(client), key=lambda r: r["runs_count"])
    base = f"{WORKFLOWS}/{row['id']}/runs"
    runs = get(client, f"{base}?limit=100")["data"]
    created = [_ts(r["created_at"]) for r in runs]
    assert created == sorted(created, reverse=True)
    ascending = get(client, f"{base}?limit=100&order=asc")["data"]
    assert [r["id"] for r in ascending] == [r["id"] for r in reversed(runs)]
    either = get(client, f"{base}?limit=100&status=completed,failed")["data"]
    assert {r["status"] for r in either} <= {"completed", "failed"}
    assert len(either) == row["run_status_counts"]["completed"] + row["run_status_counts"][
        "failed"]


def test_runs_summary_formulas(client: FlaskClient) -> None:
    """total is the sum of counts; pass_rate = completed / (completed + failed)."""
    for row in all_workflows(client)[:10]:
        data = get(client, f"{WORKFLOWS}/{row['id']}/runs/summary")["data"]
        counts = [data[s] for s in RUN_STATUSES]
        assert data["total_runs"] == sum(counts) == row["runs_count"]
        decided = data["completed"] + data["failed"]
        expected = data["completed"] / decided if decided else None
        assert data["pass_rate"] == pytest.approx(expected) if expected is not None \
            else data["pass_rate"] is None


_BUCKETS = {"draft": {None}, "running": {"running", "paused", "pending"},
            "completed": {"completed"}, "failed": {"failed"}, "paused": set()}
_PIVOT = "2026-11-10T00:00:00Z"


def _text(row: dict[str, Any]) -> str:
    return (row["name"] + (row["description"] or "")).lower()


def _ran_between(row: dict[str, Any], after: str | None, before: str | None) -> bool:
    at = row["last_run_at"]
    return at is not None and (after is None or _ts(at) >= _ts(after)) and (
        before is None or _ts(at) <= _ts(before))


# Every filter of list_workflows, with the rule that says which rows it keeps; the rule is
# applied to the unfiltered list, so a filter that miscounts or mismatches shows up here.
FILTER_CASES: list[tuple[str, str, Any]] = [
    *[("status", f"status={s}", lambda r, s=s: r["last_run_status"] in _BUCKETS[s])
      for s in _BUCKETS],
    ("search", "search=ivr", lambda r: "ivr" in _text(r)),
    ("search", "search=zzz-no-such-text", lambda r: False),
    ("has_failed_run", "has_failed_run=true", lambda r: r["run_status_counts"]["failed"] > 0),
    ("has_failed_run", "has_failed_run=false", lambda r: r["run_status_counts"]["failed"] == 0),
    ("last_run_after", f"last_run_after={_PIVOT}", lambda r: _ran_between(r, _PIVOT, None)),
    ("last_run_before", f"last_run_before={_PIVOT}", lambda r: _ran_between(r, None, _PIVOT)),
]
_NOT_FILTERS = {"limit", "offset", "sort", "order", "include_definition"}


def test_filter_cases_cover_every_list_filter(client: FlaskClient) -> None:
    """The table below names every query filter openapi.yaml gives list_workflows."""
    operation = next(op for op in mock_of(client.application).spec.operations
                     if op.operation_id == "list_workflows")
    declared = {p.name for p in operation.parameters if p.location == "query"} - _NOT_FILTERS
    assert declared == {name for name, _, _ in FILTER_CASES}


@pytest.mark.parametrize(("name", "query", "keeps"), FILTER_CASES,
                         ids=[query for _, query, _ in FILTER_CASES])
def test_filtered_total_counts_exactly_the_matching_workflows(
        client: FlaskClient, name: str, query: str, keeps: Any) -> None:
    """pagination.total under a filter is the number of workflows the filter keeps, on a
    one-row page too; the rows across pages are exactly those."""
    everything = all_workflows(client)
    expected = {r["id"] for r in everything if keeps(r)}
    first = get(client, f"{WORKFLOWS}?limit=1&{query}")
    assert first["pagination"]["total"] == len(expected)
    rows = get(client, f"{WORKFLOWS}?limit=100&{query}")
    assert rows["pagination"]["total"] == len(expected)
    assert {r["id"] for r in rows["data"]} == expected


@pytest.mark.parametrize("offset", [27, 500])
def test_prev_past_the_end_leads_to_the_last_page_with_items(client: FlaskClient,
                                                             offset: int) -> None:
    """A page past the end has no next, and its prev opens the last page that has rows."""
    total = get(client, f"{WORKFLOWS}?limit=1")["pagination"]["total"]
    limit = 10
    page = get(client, f"{WORKFLOWS}?limit={limit}&offset={max(offset, total)}")
    assert page["data"] == [] and page["pagination"]["next"] is None
    query = parse_qs(urlsplit(page["pagination"]["prev"]).query)
    assert query["offset"] == [str(((total - 1) // limit) * limit)]
    assert get(client, f"{WORKFLOWS}?limit={limit}&offset={query['offset'][0]}")["data"]


_PROXIED = [
    ({"X-Forwarded-Host": "localhost:5173", "X-Forwarded-Proto": "https"},
     "https://localhost:5173"),
    ({"X-Forwarded-Host": "localhost:5173, mock:8080"}, "http://localhost:5173"),
    ({"Forwarded": 'for=127.0.0.1;host="localhost:5173";proto=https, host=mock'},
     "https://localhost:5173"),
]


@pytest.mark.parametrize(("headers", "origin"), _PROXIED)
def test_trusted_proxy_headers_name_the_page_origin(headers: dict[str, str],
                                                    origin: str) -> None:
    """With trust_proxy, pagination links (and the served spec's servers) use the host and
    scheme the proxy forwarded, so a dev server's proxy keeps the page's origin."""
    proxied = create_app(make_settings(trust_proxy=True)).test_client()
    response = proxied.get(f"{WORKFLOWS}?limit=5", headers={**KEY, **headers})
    assert response.get_json()["pagination"]["next"].startswith(f"{origin}{WORKFLOWS}?")
    served = proxied.get("/openapi.json", headers=headers).get_json()
    assert served["servers"][0]["url"] == origin


def test_proxy_headers_are_ignored_unless_trusted(client: FlaskClient) -> None:
    """By default a client cannot steer links with forwarding headers."""
    headers = {**KEY, "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"}
    link = client.get(f"{WORKFLOWS}?limit=5", headers=headers).get_json()["pagination"]["next"]
    assert "evil.example" not in link


def test_a_forwarded_host_does_not_pass_the_host_check() -> None:
    """The DNS-rebinding check judges the Host the request came with: a page on a foreign
    name cannot get in by adding X-Forwarded-Host: localhost, even with trust_proxy."""
    proxied = create_app(make_settings(trust_proxy=True)).test_client()
    rebinding = proxied.get(f"{WORKFLOWS}?limit=5", headers={
        **KEY, "Host": "evil.example", "X-Forwarded-Host": "localhost"})
    assert rebinding.status_code == 421
    assert rebinding.get_json()["error"]["code"] == "MISDIRECTED_REQUEST"
