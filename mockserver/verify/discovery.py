"""Finding real ids before testing, by following openapi.yaml's links.

Discovery calls every GET operation that needs no path parameter, then follows the
links declared on its success response to the GET operations they feed, depth first.
A numeric step in a link's JSON pointer (``#/data/0/id``) names the first item in the
spec; discovery reads it as "any item" and tries up to ``CANDIDATES`` of them, keeping
the one that leads furthest (a workflow whose runs have outputs and audio), so the ids
it returns belong together: the run is a run of that workflow, the audio one of its takes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from .caller import Caller
from .contract import Link
from .exchange import Exchange

CANDIDATES = 4
MAX_DEPTH = 4
# Catalog voices have no list endpoint; workflow definitions name them in their voice
# assignments, under a key no link can reach (the map is keyed by locale).
VOICE_KEY = "catalog_voice_id"
VOICE_PARAMETER = "voice_id"
WHOAMI = "whoami"
WORKSPACE_PARAMETER = "workspace_id"


@dataclass
class Discovery:
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> real value
    workspace_id: str | None = None
    scopes: tuple[str, ...] = ()
    authenticated: bool = False  # the server accepted the credential (whoami answered)
    notes: list[str] = field(default_factory=list)


class Explorer:
    def __init__(self, caller: Caller, headers: dict[str, str]) -> None:
        self.caller = caller
        self.contract = caller.contract
        self.headers = headers
        self._seen: dict[tuple[str, tuple[tuple[str, str], ...]], Exchange | None] = {}
        self.voice_ids: list[str] = []

    def discover(self) -> Discovery:
        found = Discovery()
        for op in self.contract.spec.operations:
            has_path = any(p.location == "path" for p in op.parameters)
            starts = bool(self.contract.links(op)) or op.operation_id == WHOAMI
            if op.method != "GET" or has_path or not starts:
                continue
            label = f"{op.method} {op.path}"
            exchange = self.get(label, {})
            if exchange is None or not 200 <= exchange.status < 300:
                status = "no answer" if exchange is None else exchange.status
                found.notes.append(f"setup: {label} -> {status}; its links were not followed")
                continue
            if op.operation_id == WHOAMI:
                self._read_identity(exchange, found)
            for key, value in self.explore(op.operation_id, exchange, {}, 0).items():
                found.ids.setdefault(key, value)
        if self.voice_ids:
            found.ids.setdefault(VOICE_PARAMETER, self.voice_ids[0])
        if found.workspace_id:  # the credential's own workspace feeds /workspaces/{id}/...
            found.ids.setdefault(WORKSPACE_PARAMETER, found.workspace_id)
        return found

    @staticmethod
    def _read_identity(exchange: Exchange, found: Discovery) -> None:
        data = (exchange.json() or {}).get("data") or {}
        if isinstance(data, dict):
            found.authenticated = True
            found.workspace_id = data.get("workspace_id") or None
            found.scopes = tuple(data.get("scopes") or ())

    def get(self, label: str, path: dict[str, str]) -> Exchange | None:
        key = (label, tuple(sorted(path.items())))
        if key not in self._seen and not self.caller.budget.spent:
            self._seen[key] = self.caller.call(label, path=path, headers=self.headers)
            self._collect_voices(self._seen[key])
        return self._seen.get(key)

    def _collect_voices(self, exchange: Exchange | None) -> None:
        if exchange is not None and exchange.status == 200:
            self.voice_ids += [v for v in _values_of(exchange.json(), VOICE_KEY)
                               if v not in self.voice_ids]

    def explore(self, operation_id: str, exchange: Exchange, params: dict[str, str],
                depth: int) -> dict[str, str]:
        """The ids reachable from this answer, best branch per link."""
        result = dict(params)
        if depth >= MAX_DEPTH:
            return result
        source = self.contract.by_id[operation_id]
        for link in self.contract.links(source):
            target = self.contract.by_id.get(link.operation_id)
            if target is None or target.method != "GET":
                continue
            best = self._follow(link, exchange, params, depth)
            for key, value in best.items():
                result.setdefault(key, value)
        return result

    def _follow(self, link: Link, exchange: Exchange, params: dict[str, str],
                depth: int) -> dict[str, str]:
        target = self.contract.by_id[link.operation_id]
        label = f"{target.method} {target.path}"
        best: dict[str, str] = {}
        for candidate in candidates(link, exchange, params)[:CANDIDATES]:
            answer = self.get(label, candidate)
            if answer is None or not 200 <= answer.status < 300:
                continue
            found = self.explore(target.operation_id, answer, candidate, depth + 1)
            if len(found) > len(best):
                best = found
            if self.reachable(target.operation_id) <= best.keys():
                break  # this branch found every id the links below could give
        return best

    def reachable(self, operation_id: str, trail: frozenset[str] = frozenset()) -> set[str]:
        """Path parameters of every GET operation the links from this one lead to."""
        names: set[str] = set()
        for link in self.contract.links(self.contract.by_id[operation_id]):
            target = self.contract.by_id.get(link.operation_id)
            if target is None or target.method != "GET" or target.operation_id in trail:
                continue
            names |= {p.name for p in target.parameters if p.location == "path"}
            names |= self.reachable(target.operation_id, trail | {operation_id})
        return names


def candidates(link: Link, exchange: Exchange, params: dict[str, str]) -> list[dict[str, str]]:
    """Parameter sets for the link's target, from the request's path and the answer's body."""
    choices: dict[str, list[str]] = {}
    body = exchange.json()
    for name, expression in link.parameters.items():
        if expression.startswith("$request.path."):
            value = params.get(expression.removeprefix("$request.path."))
            choices[name] = [value] if value is not None else []
        elif expression.startswith("$response.body#"):
            choices[name] = [str(v) for v in resolve_all(body, expression.split("#", 1)[1])]
        else:
            choices[name] = []
    names = list(choices)
    combos = itertools.islice(itertools.product(*(choices[n] for n in names)), CANDIDATES)
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def resolve_all(document: Any, pointer: str) -> list[Any]:
    """Every value a JSON pointer reaches when its numeric steps mean "any item"."""
    nodes = [document]
    for raw in pointer.split("/")[1:]:
        step = raw.replace("~1", "/").replace("~0", "~")
        following: list[Any] = []
        for node in nodes:
            if isinstance(node, list) and step.isdigit():
                following += node
            elif isinstance(node, dict) and step in node:
                following.append(node[step])
        nodes = following
    return [n for n in nodes if isinstance(n, str | int) and not isinstance(n, bool)]


def _values_of(document: Any, key: str) -> list[str]:
    found: list[str] = []
    if isinstance(document, dict):
        for name, value in document.items():
            if name == key and isinstance(value, str):
                found.append(value)
            else:
                found += _values_of(value, key)
    elif isinstance(document, list):
        for item in document:
            found += _values_of(item, key)
    return found


def discover(caller: Caller, headers: dict[str, str]) -> Discovery:
    """Real ids for path parameters; failed calls become notes, and discovery goes on."""
    return Explorer(caller, headers).discover()
