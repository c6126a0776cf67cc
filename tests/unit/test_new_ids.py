"""A created record takes the next id of its workspace's counter, skipping one a fixture
already holds: a create never overwrites a pinned (or seeded, or deleted) record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import ACME, KEY, make_settings, ok

from mockserver.world.dataset.dictionary import entry_id
from mockserver.world.dataset.templates import template_id
from mockserver.world.rng import rng, stable_uuid
from mockserver.world.service.new_ids import first_unused

SEED = make_settings().seed
GRAPH = {"graph": {"nodes": [], "edges": []}}


def _workflow_id(n: int) -> str:
    return stable_uuid(SEED, "workflow", f"{ACME}:created:{n}")


def _template_id(n: int) -> str:
    return template_id(rng(SEED, "template", f"{ACME}:created:{n}"))


def _entry_id(n: int) -> str:
    return entry_id(SEED, ACME, f"created:{n}")


def _name(client: FlaskClient, path: str) -> str:
    return str(ok(client.get(path, headers=KEY))["name"])


def _word(client: FlaskClient, entry: str) -> str:
    rows = ok(client.get("/api/v1/dictionary?language=en-us&limit=50", headers=KEY))
    return str(next(row["word"] for row in rows if row["id"] == entry))


# resource -> (the id the n-th create is offered, a fixture pinning a record with an id,
#              the create request, the pinned record's name read back by id)
Case = tuple[Callable[[int], str], Callable[[str], dict[str, Any]], tuple[str, dict[str, Any]],
             Callable[[FlaskClient, str], str]]
CASES: dict[str, Case] = {
    "workflow": (_workflow_id,
                 lambda i: {"workflows": [{"workspace": ACME, "id": i, "name": "Pinned"}]},
                 ("/api/v1/workflows", {"name": "Created", "definition": GRAPH}),
                 lambda c, i: _name(c, f"/api/v1/workflows/{i}")),
    "template": (_template_id,
                 lambda i: {"templates": [{"workspace": ACME, "id": i, "name": "Pinned",
                                           "definition": GRAPH}]},
                 ("/api/v1/templates", {"name": "Created"}),
                 lambda c, i: _name(c, f"/api/v1/templates/{i}")),
    "dictionary entry": (_entry_id,
                         lambda i: {"dictionary": [{"workspace": ACME, "id": i,
                                                    "word": "Pinned", "method": "spelled",
                                                    "language": "en-us",
                                                    "pronunciation": "PIN-d"}]},
                         ("/api/v1/dictionary", {"word": "Created", "method": "spelled",
                                                 "language": "en-us", "pronunciation": "x"}),
                         _word),
}


@pytest.mark.parametrize("resource", sorted(CASES))
def test_a_create_skips_the_id_a_fixture_holds(client: FlaskClient, resource: str) -> None:
    offered, pin, (path, body), name_of = CASES[resource]
    ok(client.post("/__mock/fixtures", json=pin(offered(0))))
    made = ok(client.post(path, json=body, headers=KEY), 201)
    assert made["id"] == offered(1)
    assert name_of(client, offered(0)) == "Pinned"


def test_first_unused_takes_the_counters_id_unless_any_container_holds_it() -> None:
    def candidate(n: int) -> str:
        return f"id-{n}"

    assert first_unused(candidate, 0, set()) == "id-0"
    assert first_unused(candidate, 2, {"id-2"}, {"id-3"}) == "id-4"
    assert first_unused(candidate, 0, {"id-1"}) == "id-0"  # a later id in use is no matter
