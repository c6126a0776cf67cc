"""Find the public methods of the in-scope SDK clients by introspection."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from .sdk_cases import CLIENTS, METHODS, RESOURCES


class SdkUnavailable(RuntimeError):
    """``onepin`` cannot be imported in this interpreter."""


@dataclass(frozen=True, order=True)
class MethodRef:
    client: str  # "OnePinClient" or "AsyncOnePinClient"
    path: str  # "workflows.runs.list"

    @property
    def name(self) -> str:
        return f"{self.client}.{self.path}"

    @property
    def is_async(self) -> bool:
        return self.client.startswith("Async")


def import_sdk() -> Any:
    try:
        return importlib.import_module("onepin")
    except ImportError as exc:
        raise SdkUnavailable(f"the onepin SDK is not importable here ({exc}); install it "
                             "(pip install onepin) or pass --sdk-python PATH") from exc


def sdk_version() -> str:
    try:
        return version("onepin")
    except PackageNotFoundError:
        return "unknown"


def resolve(root: Any, path: str) -> Any:
    target = root
    for part in path.split("."):
        target = getattr(target, part)
    return target


def public_methods(cls: type) -> list[str]:
    """Plain and async functions defined on the class (properties and private names left out)."""
    return sorted(name for name in dir(cls) if not name.startswith("_")
                  and inspect.isfunction(inspect.getattr_static(cls, name)))


def _methods_of(client: Any, client_name: str) -> list[MethodRef]:
    paths = [f"{resource}.{name}" for resource in RESOURCES
             for name in public_methods(type(resolve(client, resource)))]
    for path in METHODS:  # single methods, where this SDK has them
        resource, _, name = path.rpartition(".")
        if name in public_methods(type(resolve(client, resource))):
            paths.append(path)
    return [MethodRef(client_name, path) for path in dict.fromkeys(paths)]


def enumerate_methods(sdk: Any) -> list[MethodRef]:
    """Every public method of the in-scope resources, on the sync and async clients."""
    refs: list[MethodRef] = []
    for client_name in CLIENTS:
        is_async = client_name.startswith("Async")
        http: httpx.Client | httpx.AsyncClient = httpx.AsyncClient() if is_async \
            else httpx.Client()
        client = getattr(sdk, client_name)(base_url="http://127.0.0.1:9", token="unused",
                                           httpx_client=http)
        refs += _methods_of(client, client_name)
        if isinstance(http, httpx.AsyncClient):
            asyncio.run(http.aclose())
        else:
            http.close()
    return sorted(refs)
