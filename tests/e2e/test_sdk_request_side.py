"""The SDK's request side against a live mock: explicit nulls and 422 wording (issue 12).

The official SDK (onepin 0.16.1) sends ``null`` for an optional argument passed as
``None``; a FastAPI server accepts that. And a 422's ``details[].message`` reads in the
real API's (pydantic's) words, exactly as openapi.yaml's own example shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from conformance_support import RequestLog, live_server
from onepin import OnePinClient
from onepin.core.api_error import ApiError

from mockserver.settings import Settings
from mockserver.testing import DEMO_KEY, MockServer

GRAPH: dict[str, Any] = {"graph": {"nodes": [], "edges": []}, "execution": {}}


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[MockServer, RequestLog]]:
    with live_server(run_speed=1.0) as pair:
        yield pair


@pytest.fixture
def sdk(live: tuple[MockServer, RequestLog]) -> OnePinClient:
    return OnePinClient(base_url=live[0].url, token=DEMO_KEY)


def details(call: Any) -> list[dict[str, str]]:
    """Run ``call``; it must fail with a 422 VALIDATION_ERROR; return its details."""
    with pytest.raises(ApiError) as raised:
        call()
    assert raised.value.status_code == 422, raised.value.body
    error = raised.value.body["error"]
    assert error["code"] == "VALIDATION_ERROR"
    return list(error["details"])


def test_create_with_every_argument_none(sdk: OnePinClient) -> None:
    """create(name=None, description=None, definition=None) is a placeholder workflow."""
    created = sdk.workflows.create_workflow(name=None, description=None, definition=None).data
    assert (created.name, created.name_source) == ("Untitled workflow", "placeholder")
    assert created.description is None
    assert created.definition["graph"]["nodes"] == []


def test_patch_with_none_leaves_name_and_definition(sdk: OnePinClient) -> None:
    """patch(name=None, definition=None) keeps both; description=None clears it."""
    workflow = sdk.workflows.create_workflow(name="Null patch", description="Kept?",
                                    definition=GRAPH).data
    patched = sdk.workflows.patch_workflow(workflow.id, name=None, definition=None,
                                  description=None).data
    assert (patched.name, patched.name_source) == ("Null patch", "user")
    assert patched.definition == workflow.definition
    assert patched.description is None


def test_patch_with_only_a_null_name_changes_nothing(sdk: OnePinClient) -> None:
    """A body of only a null name is a valid patch that leaves the workflow as it was."""
    workflow = sdk.workflows.create_workflow(name="Untouched", description="Stays").data
    patched = sdk.workflows.patch_workflow(workflow.id, name=None).data
    assert (patched.name, patched.description) == ("Untouched", "Stays")


def test_422_wording_matches_the_spec_example(sdk: OnePinClient) -> None:
    """limit=101 answers exactly the detail openapi.yaml's ValidationError example shows."""
    spec = yaml.safe_load(Settings().spec_path.read_text(encoding="utf-8"))
    example = spec["components"]["responses"]["ValidationError"]["content"][
        "application/json"]["example"]["error"]
    with pytest.raises(ApiError) as raised:
        sdk.workflows.list(limit=101)
    error = raised.value.body["error"]
    assert (error["code"], error["message"], error["details"]) == (
        example["code"], example["message"], example["details"])


@pytest.mark.parametrize(("call", "field", "message"), [
    (lambda c: c.workflows.list(limit=0), "limit",
     "Input should be greater than or equal to 1"),
    (lambda c: c.workflows.list(order=["sideways"]), "order", "Input should be 'asc' or 'desc'"),
    (lambda c: c.workflows.create_workflow(name=""), "name",
     "String should have at least 1 character"),
    (lambda c: c.workflows.create_workflow(name="x" * 201), "name",
     "String should have at most 200 characters"),
    (lambda c: c.workflows.get("not-a-uuid"), "workflow_id",
     "Input should be a valid UUID, invalid character: expected an optional prefix of "
     "`urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"),
], ids=["minimum", "enum", "min-length", "max-length", "uuid"])
def test_422_messages_read_like_the_api(sdk: OnePinClient, call: Any, field: str,
                                        message: str) -> None:
    """Each kind of schema failure is worded as pydantic words it."""
    assert {"field": field, "message": message} in details(lambda: call(sdk))


def test_422_missing_query_parameter_is_field_required(sdk: OnePinClient) -> None:
    """A required query parameter left out is pydantic's "Field required"."""
    with pytest.raises(ApiError) as raised:
        sdk.workflows.check_workflow_name_availability(name=None)  # type: ignore[arg-type]
    assert raised.value.status_code == 422
    assert {"field": "name", "message": "Field required"} in raised.value.body["error"]["details"]
