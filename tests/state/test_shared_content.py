"""Templates and the dictionary on a shared log: two mocks agree on their writes (clones
and favorites too), and a mock started later folds the same state from the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from mocks import events, mock_app
from support import KEY, assert_error, ok

TEMPLATES = "/api/v1/templates"
DICTIONARY = "/api/v1/dictionary"


@pytest.fixture(params=["sqlite", "redis"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return f"{request.getfixturevalue('redis_url')}?namespace=templates-{tmp_path.name}"


def test_template_writes_are_shared_and_replayed(shared_url: str) -> None:
    one, two = (mock_app(shared_url).test_client() for _ in range(2))
    starter = ok(one.get(f"{TEMPLATES}?sort=name&limit=1", headers=KEY))[0]
    made = ok(one.post(TEMPLATES, json={"name": "Shared", "category": "media"}, headers=KEY),
              201)
    ok(two.patch(f"{TEMPLATES}/{made['id']}", json={"description": "Edited on two"},
                 headers=KEY))
    ok(two.post(f"{TEMPLATES}/{starter['id']}/clone", headers=KEY), 201)
    ok(one.post(f"{TEMPLATES}/{starter['id']}/favorite", headers=KEY))
    seen_by_one = ok(one.get(f"{TEMPLATES}/{starter['id']}", headers=KEY))
    assert seen_by_one["uses_count"] == starter["uses_count"] + 1
    assert ok(two.get(f"{TEMPLATES}/{starter['id']}", headers=KEY)) == seen_by_one
    assert seen_by_one["is_favorite"] is True
    assert ok(one.get(f"{TEMPLATES}/{made['id']}", headers=KEY))["description"] == (
        "Edited on two")
    kinds = [e["kind"] for e in events(one)]
    assert kinds == ["template.created", "template.changed", "workflow.created",
                     "template.favorited"]
    later = mock_app(shared_url).test_client()  # folds the log from the start
    assert ok(later.get(f"{TEMPLATES}/{starter['id']}", headers=KEY)) == seen_by_one
    assert ok(later.get(f"{TEMPLATES}/{made['id']}", headers=KEY)) == ok(
        one.get(f"{TEMPLATES}/{made['id']}", headers=KEY))


def test_dictionary_writes_are_shared_and_replayed(shared_url: str) -> None:
    one, two = (mock_app(shared_url).test_client() for _ in range(2))
    body = {"word": "Podonos", "method": "spelled", "language": "en-us",
            "pronunciation": "Poh-doh-nohs"}
    made = ok(one.post(DICTIONARY, json=body, headers=KEY), 201)
    assert_error(two.post(DICTIONARY, json=body, headers=KEY), 409, "CONFLICT")
    changed = ok(two.put(f"{DICTIONARY}/{made['id']}", json={"description": "Vendor"},
                         headers=KEY))
    assert ok(one.get(f"{DICTIONARY}/search?search=podonos", headers=KEY)) == [changed]
    assert [e["kind"] for e in events(one)] == ["dictionary.created", "dictionary.changed"]
    later = mock_app(shared_url).test_client()
    assert ok(later.get(f"{DICTIONARY}/search?search=podonos", headers=KEY)) == [changed]
