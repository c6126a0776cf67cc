"""Run every SDK case against a base URL, in this interpreter, with the sync and async clients."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import time
import typing
from collections.abc import Callable
from typing import Any

import httpx

from .cases import Call, Kit, SdkCase
from .credentials import api_key
from .endpoints import Endpoint, Request, mismatch
from .errors import describe
from .results import ABSENT, FAIL, PASS, Progress, Result, failure
from .scene import Scene
from .sdk_cases import CASES, CLIENTS
from .sdk_enumerate import MethodRef, enumerate_methods, import_sdk, resolve, sdk_version


class Recorder:
    """An httpx request hook: which requests did the client under test send?"""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def hook(self, request: httpx.Request) -> None:
        self.requests.append(Request(request.method, request.url.path))

    async def async_hook(self, request: httpx.Request) -> None:
        self.hook(request)


def fit(method: Any, call: Call) -> tuple[Call, list[str]]:
    """Drop keyword arguments an older SDK method does not take; say which."""
    params = inspect.signature(method).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return call, []
    dropped = sorted(k for k in call.kwargs if k not in params)
    kept = {k: v for k, v in call.kwargs.items() if k in params}
    return Call(call.args, kept), dropped


def verify(case: SdkCase, method: Any, call: Call, result: Any, seen: list[Request],
           scene: Scene) -> None:
    declared = typing.get_type_hints(method).get("return")
    if isinstance(declared, type) and not isinstance(result, declared):
        raise AssertionError(f"returned {type(result).__name__}, declared {declared.__name__}")
    problem = mismatch((Endpoint.parse(case.endpoint),), seen)
    if problem:
        raise AssertionError(problem)
    case.check(result, call, scene)


class Matrix:
    """One SDK version against one server."""

    def __init__(self, base_url: str, progress: Progress | None = None) -> None:
        self.emit: Progress = progress or (lambda _result: None)
        self.sdk = import_sdk()
        self.target = f"onepin {sdk_version()}"
        self.kit = Kit(importlib.import_module("onepin.types"))
        self.base_url = base_url

    def run(self) -> list[Result]:
        refs = enumerate_methods(self.sdk)
        scene = Scene(self.base_url)
        setup = ([failure("sdk", self.target, "(setup)", str(scene.setup_error))]
                 if scene.setup_error else [])
        for row in setup:
            self.emit(row)
        try:
            results = self._run_sync(scene, [r for r in refs if not r.is_async])
            results += asyncio.run(self._run_async(scene, [r for r in refs if r.is_async]))
        finally:
            scene.cleanup()
            scene.close()
        absent = self._absent(refs)
        for row in absent:
            self.emit(row)
        return setup + results + absent

    def _shown(self, result: Result) -> Result:
        self.emit(result)
        return result

    def _absent(self, refs: list[MethodRef]) -> list[Result]:
        present = {r.path for r in refs}
        return [Result("sdk", self.target, f"{client}.{path}", case.endpoint, ABSENT,
                       f"not in {self.target}")
                for path, case in sorted(CASES.items()) if path not in present
                for client in CLIENTS]

    def _clients(self, factory: Callable[..., Any], http: Any, scene: Scene) -> dict[str, Any]:
        tokens = {"key": api_key(), "session": scene.session()}
        return {cred: factory(base_url=self.base_url, token=token, httpx_client=http)
                for cred, token in tokens.items()}

    def _run_sync(self, scene: Scene, refs: list[MethodRef]) -> list[Result]:
        recorder = Recorder()
        with httpx.Client(timeout=60, event_hooks={"request": [recorder.hook]}) as http:
            clients = self._clients(self.sdk.OnePinClient, http, scene)
            return [self._shown(self._one(ref, clients, scene, recorder)) for ref in refs]

    async def _run_async(self, scene: Scene, refs: list[MethodRef]) -> list[Result]:
        recorder = Recorder()
        async with httpx.AsyncClient(timeout=60,
                                     event_hooks={"request": [recorder.async_hook]}) as http:
            clients = self._clients(self.sdk.AsyncOnePinClient, http, scene)
            return [self._shown(await self._one_async(ref, clients, scene, recorder))
                    for ref in refs]

    def _one(self, ref: MethodRef, clients: dict[str, Any], scene: Scene,
             recorder: Recorder) -> Result:
        case = CASES.get(ref.path)
        if case is None:
            return self._missing(ref)
        started = time.monotonic()
        try:
            method, call, note = self._prepare(ref, case, clients, scene, recorder)
            result = method(*call.args, **call.kwargs)
            verify(case, method, call, result, recorder.requests, scene)
            return self._result(ref, case, PASS, note, started)
        except Exception as exc:  # any failure becomes a report row
            return self._result(ref, case, FAIL, describe(exc), started)
        finally:
            scene.cleanup()

    async def _one_async(self, ref: MethodRef, clients: dict[str, Any], scene: Scene,
                         recorder: Recorder) -> Result:
        case = CASES.get(ref.path)
        if case is None:
            return self._missing(ref)
        started = time.monotonic()
        try:
            method, call, note = self._prepare(ref, case, clients, scene, recorder)
            result = await method(*call.args, **call.kwargs)
            verify(case, method, call, result, recorder.requests, scene)
            return self._result(ref, case, PASS, note, started)
        except Exception as exc:  # any failure becomes a report row
            return self._result(ref, case, FAIL, describe(exc), started)
        finally:
            scene.cleanup()

    def _prepare(self, ref: MethodRef, case: SdkCase, clients: dict[str, Any], scene: Scene,
                 recorder: Recorder) -> tuple[Any, Call, str]:
        method = resolve(clients[case.credential], ref.path)
        call, dropped = fit(method, case.build(scene, self.kit))
        recorder.requests.clear()
        note = f"this SDK has no {', '.join(dropped)} argument: not sent" if dropped else ""
        return method, call, note

    def _missing(self, ref: MethodRef) -> Result:
        return Result("sdk", self.target, ref.name, "?", FAIL,
                      "no conformance case for this method: add one to mockserver/conformance")

    def _result(self, ref: MethodRef, case: SdkCase, status: str, reason: str,
                started: float) -> Result:
        return Result("sdk", self.target, ref.name, case.endpoint, status, reason,
                      round(time.monotonic() - started, 3))


def run_sdk_matrix(base_url: str, progress: Progress | None = None) -> list[Result]:
    """Every in-scope method of the installed ``onepin`` against ``base_url``; ``progress``
    hears of each result as soon as it is known."""
    return Matrix(base_url, progress).run()
