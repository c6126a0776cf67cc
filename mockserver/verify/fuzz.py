"""Generated requests per operation: Schemathesis' data generation, bounded.

Each operation gets ``max_examples`` valid requests and as many invalid ones (Hypothesis
derandomized, so a run is repeatable), with the discovered ids in its path and the
caller's credentials in its headers. Every answer goes through the shared checks, plus
Schemathesis' own checks for what only it can judge: server errors, invalid data that
was accepted, and documented response headers.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_headers_conformance,
)

from .caller import Caller
from .exchange import Exchange, Finding

SCHEMATHESIS_CHECKS = [not_a_server_error, negative_data_rejection,
                       response_headers_conformance]
_CHECK_NAMES = {"not_a_server_error": "server error",
                "negative_data_rejection": "invalid data accepted",
                "response_headers_conformance": "response headers"}


def fuzz(caller: Caller, operation: APIOperation[Any, Any, Any, Any], path: dict[str, Any],
         headers: dict[str, str], max_examples: int) -> None:
    """Up to ``max_examples`` valid and as many invalid requests, within the budget."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        # Valid requests aim at real records; invalid ones may mangle the ids too.
        fixed = path if mode is GenerationMode.POSITIVE and path else None
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed,
                                         headers=headers)

        @given(case=strategy)
        @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case: Case[Any]) -> None:
            if not caller.budget.spent:
                _one(caller, case)

        try:
            run()
        except Unsatisfiable:
            continue  # nothing left to vary in this mode (every input is fixed or valid)


def _one(caller: Caller, case: Case[Any]) -> None:
    sent = caller.send_for_response(case)
    if sent is None:
        return
    exchange, response = sent
    try:
        case.validate_response(response, checks=SCHEMATHESIS_CHECKS)
    except FailureGroup as group:
        for failure in group.exceptions:
            if not _documented_retry(case, response.status_code, response.headers, failure):
                caller.add(_finding(exchange, failure))


def _documented_retry(case: Case[Any], status: int, headers: Any, failure: Failure) -> bool:
    """A 503 the operation documents, with the ``Retry-After`` that says when to ask again
    (a voice not analysed yet), is an answer of the contract, not a server error."""
    responses = case.operation.definition.raw.get("responses", {})
    retry_after = any(str(name).lower() == "retry-after" for name in headers)
    return (status == 503 and retry_after and "503" in responses
            and set(failure.checks) == {"not_a_server_error"})


def _finding(exchange: Exchange, failure: Failure) -> Finding:
    names = [_CHECK_NAMES[c] for c in failure.checks if c in _CHECK_NAMES]
    lines = failure.message.strip().splitlines()
    message = f"{failure.title}: {lines[0]}" if lines else failure.title
    return Finding(exchange.operation, names[0] if names else failure.title.lower(), message,
                   "", exchange)
