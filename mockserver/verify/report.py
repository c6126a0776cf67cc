"""The drift report (Markdown), the JUnit cases, and the one-line summary.

Everything written here goes through ``redact``: the report is a CI artifact, so no
credential and no presigned-link signature may appear in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..junit import TestCase
from ..redact import redact_headers, redact_text, redact_url
from .exchange import Exchange, Finding
from .runner import Outcome

BODY_LIMIT = 1500
SUITE = "onepin-mock verify"
_SHOWN_RESPONSE_HEADERS = ("content-type", "retry-after", "x-onepin-required-version")


def summary(outcome: Outcome) -> str:
    drifted = [o for o in outcome.operations if o.findings]
    tested = [o for o in outcome.operations if o.skipped is None]
    calls = sum(o.calls for o in outcome.operations)
    verdict = "DRIFT" if outcome.drift else "OK"
    limit = " (stopped at the time limit)" if outcome.time_limited else ""
    return (f"{verdict}: {len(outcome.findings)} drift(s) in {len(drifted)} of "
            f"{len(tested)} tested operations; {calls} calls in {outcome.seconds} s{limit}")


def markdown(outcome: Outcome, secrets: Iterable[str]) -> str:
    kept = tuple(secrets)
    lines = [f"# Contract drift report: {redact_url(outcome.base_url)}", "",
             f"**{summary(outcome)}**", ""]
    if outcome.setup_notes:
        lines += ["## Setup", ""] + [f"- {redact_text(n, kept)}" for n in outcome.setup_notes]
        lines.append("")
    lines += ["## Operations", "", "| operation | calls | result |", "|---|---:|---|"]
    for o in outcome.operations:
        result = (o.skipped and f"skipped: {o.skipped}") or (
            f"**{len(o.findings)} drift(s)**" if o.findings else "ok")
        lines.append(f"| `{o.label}` | {o.calls} | {result} |")
    for o in outcome.operations:
        if o.findings:
            lines += ["", f"## `{o.label}`", ""]
            for finding in o.findings:
                lines += _finding(finding, kept)
    return "\n".join(lines).rstrip() + "\n"


def _finding(finding: Finding, secrets: tuple[str, ...]) -> list[str]:
    lines = [f"### {finding.check}: {redact_text(finding.message, secrets)}", ""]
    if finding.schema_path:
        lines += [f"Schema path: `{finding.schema_path}`", ""]
    if finding.exchange is not None:
        lines += ["Example:", "", "```http", *_exchange(finding.exchange, secrets), "```", ""]
    return lines


def _exchange(exchange: Exchange, secrets: tuple[str, ...]) -> list[str]:
    request_headers = redact_headers(exchange.request_headers, secrets)
    lines = [f"{exchange.method} {redact_url(exchange.url)}"]
    lines += [f"{k}: {v}" for k, v in request_headers.items()
              if k.lower() in ("authorization", "x-workspace-id", "content-type")]
    if exchange.request_body:
        lines += ["", _clip(redact_text(exchange.request_body, secrets))]
    lines += ["", f"HTTP {exchange.status}"]
    lines += [f"{k}: {redact_text(v, secrets)}" for k, v in exchange.response_headers.items()
              if k in _SHOWN_RESPONSE_HEADERS]
    body = _pretty(exchange)
    if body:
        lines += ["", _clip(redact_text(body, secrets))]
    return lines


def _pretty(exchange: Exchange) -> str:
    parsed: Any = exchange.json()
    if parsed is not None:
        return json.dumps(parsed, indent=1, ensure_ascii=False)
    return exchange.response_body[:BODY_LIMIT].decode("utf-8", "replace")


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "\n… (cut)"


def junit_cases(outcome: Outcome, secrets: Iterable[str]) -> list[TestCase]:
    kept = tuple(secrets)
    cases = [TestCase("setup", redact_text(note, kept), skipped="setup call failed")
             for note in outcome.setup_notes]
    for o in outcome.operations:
        if o.findings:
            checks = ", ".join(dict.fromkeys(f.check for f in o.findings))
            details = "\n".join(f"[{f.check}] {f.message}" + (f" ({f.schema_path})"
                                                               if f.schema_path else "")
                                for f in o.findings)
            cases.append(TestCase(SUITE, o.label, failure=f"drift: {checks}",
                                  details=redact_text(details, kept), seconds=o.seconds))
        else:
            cases.append(TestCase(SUITE, o.label, skipped=o.skipped, seconds=o.seconds))
    return cases
