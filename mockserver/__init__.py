"""onepin-mock: an offline, spec-first mock and contract-test server for the Onepin API.

Public names: the demo credentials (``DEMO_KEY`` and friends, from ``mockserver.demo``),
and ``MockServer`` / ``MockWorkspace`` (``mockserver.testing``), imported on first use so
that importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .demo import (
    ADMIN_USER_ID,
    DEMO_KEY,
    DEMO_WORKSPACE_ID,
    EDITOR_USER_ID,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_ADMIN_ID,
    SECOND_WORKSPACE_ID,
    SECOND_WORKSPACE_KEY,
    VIEWER_USER_ID,
)

if TYPE_CHECKING:
    from .testing import MockServer, MockWorkspace

__all__ = [
    "ADMIN_USER_ID", "DEMO_KEY", "DEMO_WORKSPACE_ID", "EDITOR_USER_ID", "READ_ONLY_KEY",
    "SECOND_WORKSPACE_ADMIN_ID", "SECOND_WORKSPACE_ID", "SECOND_WORKSPACE_KEY",
    "VIEWER_USER_ID", "MockServer", "MockWorkspace",
]


def __getattr__(name: str) -> Any:
    if name in ("MockServer", "MockWorkspace"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
