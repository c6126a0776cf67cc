"""Checks every exchange goes through, whoever sent it (discovery, probes or fuzzing).

Each check returns the problems it found as short sentences; ``check_exchange`` turns
them into ``Finding`` rows. The rules come from openapi.yaml (through ``Contract``) and
from the wire conventions every Onepin response follows: the error envelope, the page
arithmetic of ``pagination``, and the aggregates a workflow or a runs summary reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..spec import Operation
from .contract import Contract, PageRules
from .exchange import Exchange, Finding

_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PASS_RATE_TOLERANCE = 1e-3  # the API rounds pass_rate to four places


def check_exchange(contract: Contract, exchange: Exchange) -> list[Finding]:
    op = contract.by_label.get(exchange.operation)
    if op is None:
        return []
    found: list[Finding] = []
    for name, check in CHECKS:
        for problem in check(contract, op, exchange):
            message, schema_path = problem if isinstance(problem, tuple) else (problem, "")
            found.append(Finding(exchange.operation, name, message, schema_path, exchange))
    return found


Problem = str | tuple[str, str]


def status_documented(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    if contract.response_for(op, ex.status) is None:
        documented = ", ".join(sorted(contract.responses(op)))
        return [f"status {ex.status} is not documented (documented: {documented})"]
    return []


def content_type(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    declared = contract.media_types(op, ex.status)
    if not declared or not ex.response_body or contract.response_for(op, ex.status) is None:
        return []
    if ex.media_type not in declared:
        return [f"content type {ex.media_type or '(none)'!r} for status {ex.status}; "
                f"documented: {', '.join(declared)}"]
    return []


def response_schema(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    if ex.media_type != "application/json" or ex.status not in op.response_validators:
        return []
    body = ex.json()
    if body is None:
        return ["the body is not valid JSON"]
    problems = contract.schema_problems(op, ex.status, body)
    problems += contract.renamed_fields(op, ex.status, body)
    return [(f"{p.where}: {p.message}", p.schema_path) for p in problems]


def error_envelope(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    if ex.status < 400:
        return []
    body = ex.json()
    error = body.get("error") if isinstance(body, dict) else None
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(meta, dict):
        shape = sorted(body) if isinstance(body, dict) else type(body).__name__
        return [f"a {ex.status} without the Onepin error envelope "
                f"{{error: {{code, message}}, meta}}: the body has {shape}"]
    problems: list[Problem] = []
    code = error.get("code")
    if not isinstance(code, str) or not _UPPER_SNAKE.match(code):
        problems.append(f"error.code {code!r} is not an UPPER_SNAKE code")
    if not isinstance(error.get("message"), str) or not error.get("message"):
        problems.append("error.message is missing or empty")
    if ex.status in (429, 503) and "retry-after" not in ex.response_headers:
        problems.append(f"a {ex.status} without a Retry-After header")
    return problems


def pagination(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    rules = contract.page_rules(op)
    body = ex.json()
    if rules is None or ex.status != 200 or not isinstance(body, dict):
        return []
    page, items = body.get("pagination"), page_items(body)
    if not isinstance(page, dict) or items is None:
        return []  # the schema check reports the missing pieces
    asked = _page_request(ex.query, rules)
    if asked is None:
        return []  # a request the server refused to read as a page (not a 200 case)
    offset, limit = asked
    return page_problems(page, len(items), offset, limit, rules)


def page_items(body: Any) -> list[Any] | None:
    """The items a page holds: ``data`` itself, or the rows inside it (run data)."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        data = data.get("rows")
    return data if isinstance(data, list) else None


def _page_request(query: dict[str, list[str]], rules: PageRules) -> tuple[int, int] | None:
    try:
        offset = int(query.get("offset", [rules.offset_default])[-1])
        limit = int(query.get("limit", [rules.limit_default])[-1])
    except ValueError:
        return None
    return offset, limit


def page_problems(page: dict[str, Any], count: int, offset: int, limit: int,
                  rules: PageRules) -> list[Problem]:
    problems: list[Problem] = []
    applied = page.get("limit")
    if applied != limit:
        problems.append(f"pagination.limit is {applied!r}, the request asked for {limit}")
    if isinstance(applied, int) and not rules.limit_min <= applied <= rules.limit_max:
        problems.append(f"pagination.limit {applied} is outside "
                        f"{rules.limit_min}..{rules.limit_max}")
    if count > limit:
        problems.append(f"{count} items on a page of limit {limit}")
    if (page.get("prev") is None) != (offset == 0):
        problems.append(f"pagination.prev is {page.get('prev')!r} at offset {offset}")
    problems += _total_problems(page, count, offset, limit)
    problems += _link_problems(page, count, offset, limit)
    return problems


def _total_problems(page: dict[str, Any], count: int, offset: int, limit: int) -> list[Problem]:
    total, has_next = page.get("total"), page.get("next") is not None
    if not isinstance(total, int):
        return ["pagination.next is set on a short page"] if has_next and count < limit else []
    expected = max(0, min(limit, total - offset))
    problems: list[Problem] = []
    if count != expected:
        problems.append(f"pagination.total is {total}: at offset {offset} with limit {limit} "
                        f"the page should hold {expected} items, it holds {count}")
    if has_next != (offset + count < total):
        problems.append(f"pagination.total is {total} but pagination.next is "
                        f"{'set' if has_next else 'null'} after item {offset + count}")
    return problems


def _link_problems(page: dict[str, Any], count: int, offset: int, limit: int
                   ) -> list[Problem]:
    problems: list[Problem] = []
    for name, allowed in (("next", {offset + limit}),
                          ("prev", _prev_offsets(page.get("total"), count, offset, limit))):
        link = page.get(name)
        if not isinstance(link, str):
            continue
        query = parse_qs(urlsplit(link).query)
        found = query.get("offset", ["0"])[-1]
        if allowed is None:  # past the end of a list without a total: any earlier page
            if not (found.isdigit() and int(found) < offset):
                problems.append(f"pagination.{name} {link!r} does not point before {offset}")
        elif found not in {str(o) for o in allowed}:
            expected = " or ".join(str(o) for o in sorted(allowed))
            problems.append(f"pagination.{name} {link!r} does not point at offset {expected}")
    return problems


def _prev_offsets(total: Any, count: int, offset: int, limit: int) -> set[int] | None:
    """One page back; from past the end, also the last page that has items (what the mock
    links to, so a client stepping back from an empty page lands on rows). None: an empty
    page of a list without a total, whose last page with items cannot be told."""
    allowed = {max(0, offset - limit)}
    if isinstance(total, int) and offset >= total:
        allowed.add(((total - 1) // limit) * limit if total else 0)
    elif not isinstance(total, int) and count == 0 and offset > 0:
        return None
    return allowed


def aggregates(contract: Contract, op: Operation, ex: Exchange) -> list[Problem]:
    body = ex.json()
    if not 200 <= ex.status < 300 or not isinstance(body, dict):
        return []
    data = body.get("data")
    rows = data if isinstance(data, list) else [data]
    problems: list[Problem] = []
    for index, row in enumerate(r for r in rows if isinstance(r, dict)):
        where = f"data[{index}]" if isinstance(data, list) else "data"
        problems += _status_count_problems(row, where)
        problems += _summary_problems(row, where, contract.run_statuses)
    return problems


def _status_count_problems(row: dict[str, Any], where: str) -> list[Problem]:
    counts, runs = row.get("run_status_counts"), row.get("runs_count")
    if not isinstance(counts, dict) or not isinstance(runs, int):
        return []
    total = sum(v for v in counts.values() if isinstance(v, int))
    if total != runs:
        return [f"{where}: run_status_counts sum to {total}, runs_count is {runs}"]
    return []


def _summary_problems(row: dict[str, Any], where: str,
                     statuses: tuple[str, ...]) -> list[Problem]:
    if "total_runs" not in row or not all(isinstance(row.get(s), int) for s in statuses):
        return []
    problems: list[Problem] = []
    total = sum(row[s] for s in statuses)
    if row["total_runs"] != total:
        problems.append(f"{where}: total_runs is {row['total_runs']}, the statuses sum to {total}")
    decided = row["completed"] + row["failed"]
    rate = row.get("pass_rate")
    expected = row["completed"] / decided if decided else None
    if (expected is None) != (rate is None) or (
            expected is not None and isinstance(rate, int | float)
            and abs(rate - expected) > PASS_RATE_TOLERANCE):
        problems.append(f"{where}: pass_rate is {rate!r}, completed / (completed + failed) "
                        f"is {expected if expected is None else round(expected, 4)}")
    return problems


CHECKS: tuple[tuple[str, Callable[[Contract, Operation, Exchange], list[Problem]]], ...] = (
    ("status code", status_documented),
    ("content type", content_type),
    ("response schema", response_schema),
    ("error envelope", error_envelope),
    ("pagination", pagination),
    ("aggregates", aggregates),
)
