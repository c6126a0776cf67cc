"""What a handler receives and returns, and the operationId -> handler registry.

Handlers are thin: read the parsed context, call the world, return a ``Reply``.
They never see Flask or the raw spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..envelope import PageRequest
from ..errors import NotFound

if TYPE_CHECKING:
    from ..auth import Principal
    from ..control.fault_settings import RuntimeFaults
    from ..requests import ParsedInput
    from ..settings import Settings
    from ..world.state.store import WorkspaceState, World


@dataclass(frozen=True)
class RequestContext:
    operation_id: str
    inputs: ParsedInput
    principal: Principal | None
    world: World
    settings: Settings
    now: datetime
    base_url: str  # scheme://host of this request, for absolute links
    path_url: str  # base_url + request path, for pagination links
    query_items: tuple[tuple[str, str], ...]
    faults: RuntimeFaults | None = None  # fault injection the console may change

    @property
    def query(self) -> dict[str, Any]:
        return self.inputs.query

    @property
    def path(self) -> dict[str, Any]:
        return self.inputs.path

    @property
    def body(self) -> Any:
        return self.inputs.body

    def page(self) -> PageRequest:
        return PageRequest(int(self.query.get("offset", 0)), int(self.query.get("limit", 20)),
                           self.path_url, self.query_items)

    def workspace(self) -> WorkspaceState:
        if self.principal is None or self.principal.workspace_id is None:
            raise NotFound("Workspace not found")
        return self.world.workspace(self.principal.workspace_id)


@dataclass
class Reply:
    data: Any
    status: int | None = None  # None = the operation's declared success status
    pagination: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # True: send ``data`` as the whole body (no envelope)
    body_bytes: bytes | None = None  # a non-JSON body (downloads)
    content_type: str | None = None
    byte_ranges: bool = False  # serve ``body_bytes`` honouring a Range header (206/416)


Handler = Callable[[RequestContext], Reply]
HANDLERS: dict[str, Handler] = {}


def _origin(handler: Handler) -> tuple[str, str]:
    return handler.__module__, handler.__qualname__


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        known = HANDLERS.get(operation_id)
        # Re-importing the same module (reloads, in-process pytest runs) is not a clash.
        if known is not None and _origin(known) != _origin(handler):
            raise RuntimeError(f"two handlers for operation {operation_id}")
        HANDLERS[operation_id] = handler
        return handler

    return register
