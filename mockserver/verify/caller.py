"""Sending requests through Schemathesis and passing every answer through the checks."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from requests.exceptions import RequestException
from schemathesis.core import NOT_SET
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation, BaseSchema

from .checks import check_exchange
from .contract import Contract
from .exchange import Exchange, Finding

REQUEST_TIMEOUT = 30.0


class Budget:
    """The ``--time-limit``: a monotonic deadline every call asks before it is made."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


class Caller:
    """One server, one contract: makes calls, keeps every finding (first example wins)."""

    def __init__(self, schema: BaseSchema, contract: Contract, base_url: str,
                 budget: Budget) -> None:
        self.schema = schema
        self.contract = contract
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.calls: Counter[str] = Counter()
        self.on_exchange: list[Callable[[Exchange], None]] = []

    def operation(self, label: str) -> APIOperation[Any, Any, Any, Any]:
        found = self.schema.find_operation_by_label(label)
        if found is None:
            raise KeyError(label)
        return found

    def label_of(self, operation_id: str) -> str:
        op = self.contract.by_id[operation_id]
        return f"{op.method} {op.path}"

    def call(self, label: str, *, path: dict[str, Any] | None = None,
             query: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
             body: Any = NOT_SET) -> Exchange | None:
        """Send one request built from parts; None when the server could not be reached."""
        case = self.schema.make_case(operation=self.operation(label), path_parameters=path,
                                     query=query, headers=headers, body=body,
                                     media_type="application/json" if body is not NOT_SET
                                     else None)
        return self.send(case)

    def send(self, case: Case[Any]) -> Exchange | None:
        sent = self.send_for_response(case)
        return None if sent is None else sent[0]

    def send_for_response(self, case: Case[Any]) -> tuple[Exchange, Response] | None:
        """Send, check, and also hand back Schemathesis' response (for its own checks)."""
        label = case.operation.label
        self.calls[label] += 1
        try:
            response = case.call(base_url=self.base_url, timeout=REQUEST_TIMEOUT)
        except RequestException as exc:
            self.add(Finding(label, "connection", f"no answer: {type(exc).__name__}: {exc}"))
            return None
        exchange = exchange_from(label, response)
        for finding in check_exchange(self.contract, exchange):
            self.add(finding)
        for listener in self.on_exchange:
            listener(exchange)
        return exchange, response

    def add(self, finding: Finding) -> None:
        self.findings.setdefault(finding.key, finding)


def exchange_from(operation: str, response: Response) -> Exchange:
    """An ``Exchange`` from a Schemathesis response (which keeps the prepared request)."""
    request = response.request
    body = request.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (
        body if isinstance(body, str) else None)
    return Exchange(
        operation=operation,
        method=str(request.method),
        url=str(request.url),
        request_headers={k: str(v) for k, v in request.headers.items()},
        request_body=text,
        status=response.status_code,
        response_headers={k.lower(): ", ".join(v) for k, v in response.headers.items()},
        response_body=response.content,
    )
