"""Injected faults stay within the contract: every operation documents 429 (with
Retry-After), 500 and 503, the statuses the real API sends and the SDK retries."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import ACME, ADA, KEY, make_settings, session

from mockserver.app import create_app
from mockserver.settings import DEFAULT_SPEC

# Plain answers: Schemathesis' WSGI calls ask for gzip/br and do not decode them.
APP = create_app(make_settings(compress_responses=False))
APP.testing = True
SCHEMA = schemathesis.openapi.from_path(DEFAULT_SPEC)
SCHEMA.app = APP
CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("status", [429, 500, 503])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_an_injected_fault_conforms(operation: object, status: int) -> None:
    """Any operation answering an injected fault passes Schemathesis' response checks."""
    # A workspace in the path must be one the caller belongs to (else 404 before faults).
    params = {p.name: ACME if p.name == "workspace_id" else "00000000-0000-4000-8000-000000000000"
              for p in operation.path_parameters}  # type: ignore[attr-defined]
    # A credential the operation accepts (v1 node detail takes sessions only).
    schemes = [n for r in operation.definition.raw.get("security", [{"ApiKeyAuth": []}])
               for n in r]  # type: ignore[attr-defined]
    credential = KEY if "ApiKeyAuth" in schemes else session(ADA, ACME)
    case = SCHEMA.make_case(operation=operation,  # type: ignore[arg-type]
                            path_parameters=params,
                            headers={**credential, "X-Mock-Fault": f"status={status}"})
    response = case.call()
    assert response.status_code == status
    case.validate_response(response, checks=CHECKS)
    if status in (429, 503):
        assert response.headers["retry-after"] == ["1"]
