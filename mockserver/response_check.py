"""Strict mode: an answer the mock built must be one the spec declares for its operation."""

from __future__ import annotations

import json

from flask import Response

from .errors import ResponseContractError
from .spec import Operation


def check_response(operation: Operation, response: Response) -> None:
    """Raise ``ResponseContractError`` when the status is not declared, or a JSON body
    breaks the schema declared for that status."""
    validator = operation.response_validators.get(response.status_code)
    if response.status_code not in operation.raw.get("responses", {}) and str(
        response.status_code
    ) not in operation.raw.get("responses", {}):
        raise ResponseContractError(
            f"{operation.operation_id}: status {response.status_code} is not declared")
    if validator is None or response.content_type != "application/json":
        return
    body = json.loads(response.get_data())
    errors = list(validator.iter_errors(body))
    if errors:
        detail = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        raise ResponseContractError(f"{operation.operation_id} {response.status_code}: {detail}")
