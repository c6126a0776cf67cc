"""Every response example in openapi.yaml is what the mock answers in that case.

Each example (every operation's, whatever its status, and each shared error response's)
must EQUAL, value for value, the answer to its natural request (``tests/spec_examples.py``):
a success example is the answer to its operation called on seeded records with the
operation's own request-body example as the body, an error example the answer to the
request that earns that status; each on a freshly reset mock whose clock is frozen at
``FROZEN_AT``, at the address ``onepin-mock serve`` listens on by default. Signed links and
tokens in answers depend only on the clock and the signing secret, so they are equal too.

The one tolerated difference is ``meta.request_id``: a fresh ULID per request by nature,
so the answer must carry a ULID there and the example shows a fixed one. Nothing else in
an answer is per request. A long list is shown as the answer to a short page (``limit``
in the natural request, said in the response's description), never trimmed by hand.
``scripts/refresh-spec-examples`` writes the answers into the spec.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from spec_examples import (
    DOCUMENTED_REQUEST_ID,
    SHORT_PAGES,
    ULID,
    Seeds,
    Site,
    as_documented,
    differences,
    example_app,
    natural_answer,
    operation_named,
    produce_success,
    reset,
    sites,
)
from support import api_spec

SITES = sites()


@pytest.fixture(scope="module")
def shared_app() -> Flask:
    """The app the examples are produced on (replaces conftest's for this module); each
    test gets it reset, clock frozen (conftest's ``app``)."""
    return example_app()


@pytest.fixture(scope="module")
def seeds(shared_app: Flask) -> Seeds:
    """The seeded records' ids: the same after every reset, so found once."""
    reset(shared_app)
    return Seeds(shared_app.test_client(), shared_app)


def _mismatch(site: Site, status: int, found: list[str]) -> str:
    return (f"{site.name}: the example is not the answer ({status}) at "
            f"{len(found)} JSON path(s):\n  " + "\n  ".join(found[:40]) +
            "\nIf the answer is right, run scripts/refresh-spec-examples.")


@pytest.mark.parametrize("site", SITES, ids=[site.name for site in SITES])
def test_example_is_the_answer(app: Flask, client: FlaskClient, seeds: Seeds,
                               site: Site) -> None:
    """The documented body equals the mock's answer to its natural request."""
    answer = natural_answer(site, client, seeds)
    if site.status is not None:
        assert answer.status_code == site.status, answer.get_data(as_text=True)
    body = answer.get_json()
    if isinstance(body, dict) and "meta" in body:
        assert ULID.fullmatch(body["meta"]["request_id"]), body["meta"]
        assert site.example["meta"]["request_id"] == DOCUMENTED_REQUEST_ID
    found = differences(site.example, as_documented(body))
    assert not found, _mismatch(site, answer.status_code, found)


def test_a_changed_example_fails_with_its_path(client: FlaskClient, seeds: Seeds) -> None:
    """A wrong value deep in an example is named by operation, status and JSON path."""
    site = next(s for s in SITES if s.name == "get_run 200")
    example = copy.deepcopy(site.example)
    example["data"]["status"] = "failed"
    answer = natural_answer(site, client, seeds)
    found = differences(example, as_documented(answer.get_json()))
    assert found == [".data.status: example 'failed', answer 'completed'"]
    assert _mismatch(site, 200, found).startswith("get_run 200: the example is not the "
                                                  "answer (200) at 1 JSON path(s):")


def test_every_example_has_a_natural_request() -> None:
    """Every operation's success example is produced and compared (none skipped), and so
    is every shared error example."""
    operations = {s.operation.operation_id for s in SITES if s.operation is not None}
    assert operations == {op.operation_id for op in api_spec().operations}
    errors = {s.error for s in SITES if s.error is not None}
    assert errors == set(api_spec().document["components"]["responses"])


def _refresh_script() -> ModuleType:
    """scripts/refresh-spec-examples.py as a module (sys.path left as it was)."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "refresh-spec-examples.py"
    spec = importlib.util.spec_from_file_location("refresh_spec_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_the_refresh_script_changes_only_the_example(client: FlaskClient,
                                                      seeds: Seeds) -> None:
    """The script leaves the file as it is when the example is the answer, and otherwise
    rewrites only the example's own lines, so that it reads back as the new answer."""
    refresh = _refresh_script()
    site = next(s for s in SITES if s.name == "get_run 200")
    text = Path(api_spec().source).read_text(encoding="utf-8")
    answer = as_documented(natural_answer(site, client, seeds).get_json())
    assert refresh.rewrite(text, {site.keys: answer}) == text
    changed = copy.deepcopy(answer)
    changed["data"]["status"] = "failed"
    old, new = text.split("\n"), refresh.rewrite(text, {site.keys: changed}).split("\n")
    assert len(new) == len(old)
    edits = [(mine, theirs) for mine, theirs in zip(old, new, strict=True) if mine != theirs]
    assert [(a.strip(), b.strip()) for a, b in edits] == [("status: completed", "status: failed")]
    node = yaml.load("\n".join(new), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for key in site.keys:
        node = node[key]
    assert node["example"] == changed


@pytest.mark.parametrize("operation_id", sorted(SHORT_PAGES))
def test_a_short_example_page_says_which(operation_id: str) -> None:
    """A list shown as a short page says the query its example answers."""
    query = "&".join(f"{key}={value}" for key, value in SHORT_PAGES[operation_id].items())
    operation = operation_named(operation_id)
    (status,) = [code for code in operation.raw["responses"] if str(code).startswith("2")]
    description = operation.raw["responses"][status]["description"]
    assert f"The example answers `{query}`." in description


@pytest.mark.parametrize(("operation_id", "expected"), [
    ("delete_workflow", {"deleted": True}),
    ("check_workflow_name_availability", {"name": "Cabin announcements", "available": True}),
    ("health", None),
    ("ready", None),
])
def test_fixed_answers_equal_their_examples(client: FlaskClient, seeds: Seeds,
                                           operation_id: str, expected: Any) -> None:
    """Where the answer does not depend on the records, the example is that answer (so a
    change to both the mock and the spec is still seen)."""
    operation = operation_named(operation_id)
    example = next(s.example for s in SITES if s.operation is operation)
    answer = produce_success(operation, client, seeds).get_json()
    if expected is None:  # not enveloped: the whole body is fixed
        assert answer == example
        return
    assert example["data"] == expected
    assert answer["data"] == expected
