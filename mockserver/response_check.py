"""Strict mode: an answer the mock built must be one the spec declares for its operation.

A kept read (a settled run's page, a steady workflow) sends the same encoded ``data`` again
and again with a new ``meta`` around it. Its ``data`` is checked against the schema in full
the first time it is sent; after that, while the very same bytes are sent, only the rest
of the envelope is checked (``Operation.envelope_validators``): ``meta`` and
``pagination``, which change with every answer. On a settled run's data page that is the
difference between checking 50 lines and checking a dozen fields.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from jsonschema import Draft202012Validator

from .caches import StampedCache
from .errors import ResponseContractError
from .spec import Operation

# The kept ``data`` bodies already found valid, by operation, status and the bytes object
# itself (the value is that object: it is compared by identity, and kept alive so its id
# cannot be reused). Bound: the kept-read caches hold the same bytes; this keeps them at
# most as long, and no more than 32 MB of them.
_CHECKED_DATA: StampedCache[tuple[str, int, int], None, bytes] = StampedCache(
    "strict mode: kept data checked", 4096, weigh=len, max_weight=32 << 20)


def check_response(operation: Operation, response: Response) -> None:
    """Raise ``ResponseContractError`` when the status is not declared, or a JSON body
    breaks the schema declared for that status."""
    status = response.status_code
    validator = operation.response_validators.get(status)
    if status not in operation.raw.get("responses", {}) and str(
        status
    ) not in operation.raw.get("responses", {}):
        raise ResponseContractError(f"{operation.operation_id}: status {status} is not declared")
    if validator is None or response.content_type != "application/json":
        return
    # (prefix, data, rest) when the body was spliced around a kept ``data`` (wire.py).
    parts: tuple[bytes, ...] | None = getattr(response, "body_parts", None)
    around_data = operation.envelope_validators.get(status)
    if parts is not None and around_data is not None and _checked(operation, status, parts[1]):
        # The same bytes passed before: check what is new, with ``data`` left out.
        _raise_for(operation, status, around_data, json.loads(parts[0] + b"null" + parts[2]))
        return
    _raise_for(operation, status, validator, json.loads(response.get_data()))
    if parts is not None and around_data is not None:
        _CHECKED_DATA.put((operation.operation_id, status, id(parts[1])), None, parts[1])


def _checked(operation: Operation, status: int, data: bytes) -> bool:
    kept = _CHECKED_DATA.get((operation.operation_id, status, id(data)), None)
    return kept is data


def _raise_for(operation: Operation, status: int, validator: Draft202012Validator,
               body: Any) -> None:
    errors = list(validator.iter_errors(body))
    if errors:
        detail = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        raise ResponseContractError(f"{operation.operation_id} {status}: {detail}")
