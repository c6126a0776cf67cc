"""Judging a proxied request and its answer against openapi.yaml.

Requests go through the mock's own request parser (so the proxy and the mock agree on
what is valid); answers go through the checks ``onepin-mock verify`` runs.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

from ..errors import ValidationFailed
from ..requests import parse_request
from ..spec import Operation
from ..verify.checks import check_exchange
from ..verify.contract import Contract
from ..verify.exchange import Exchange
from .journal import Violation


class Validator:
    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        by_path: dict[str, list[str]] = {}
        for op in contract.spec.operations:
            by_path.setdefault(op.path, []).append(op.method)
        # werkzeug ranks literal segments above variables, as the mock's own routing does.
        self._map = Map([Rule(_rule(path), endpoint=path, methods=methods)
                         for path, methods in by_path.items()])

    def _adapter(self) -> MapAdapter:
        return self._map.bind("proxy")

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str],
                                                        Violation | None]:
        try:
            template, params = self._adapter().match(path, method=method)
        except HTTPException as exc:
            reason = "method not documented" if exc.code == 405 else "no such path"
            return None, {}, Violation("request", "operation",
                                       f"{method} {path}: {reason} in openapi.yaml")
        op = self.contract.by_label.get(f"{method} {template}")
        return op, {k: str(v) for k, v in params.items()}, None

    def request(self, op: Operation, path: dict[str, str], query: MultiDict[str, str],
                headers: Headers, body: bytes) -> list[Violation]:
        try:
            parse_request(op, path, query, headers, body, headers.get("Content-Type"))
        except ValidationFailed as exc:
            return [Violation("request", "request", f"{d.field}: {d.message}")
                    for d in exc.details] or [Violation("request", "request", str(exc))]
        return []

    def response(self, op: Operation, exchange: Exchange,
                 authorization: str | None) -> list[Violation]:
        found = [Violation("response", f.check, f.message, f.schema_path)
                 for f in check_exchange(self.contract, exchange)]
        if not op.is_public and not authorization and 200 <= exchange.status < 300:
            found.append(Violation("response", "auth", f"answered {exchange.status} without "
                                                       "credentials (expected 401)"))
        return found


def _rule(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")
