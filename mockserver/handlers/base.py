"""What a handler receives (``RequestContext``) and returns (``Reply``).

Handlers are thin: read the parsed context, call the world, return a ``Reply``.
They never see Flask or the raw spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..envelope import PageRequest
from ..errors import NotFound

if TYPE_CHECKING:
    from ..auth import Principal
    from ..control.fault_settings import RuntimeFaults
    from ..recording.journal import Journal
    from ..requests import ParsedInput
    from ..settings import Settings
    from ..world.service import StateEngine
    from ..world.state.store import WorkspaceState, World


@dataclass(frozen=True)
class RequestContext:
    operation_id: str
    inputs: ParsedInput
    principal: Principal | None
    world: World
    engine: StateEngine
    journal: Journal  # what this mock answered (the control API reads it)
    settings: Settings
    now: datetime
    # (scheme://host, scheme://host/path) of this request, worked out when a link or a page
    # needs them: werkzeug's URL building is a fair share of a small request's time.
    request_urls: Callable[[], tuple[str, str]]
    query_items: tuple[tuple[str, str], ...]
    faults: RuntimeFaults | None = None  # fault injection the console may change

    @cached_property
    def _urls(self) -> tuple[str, str]:
        return self.request_urls()

    @property
    def base_url(self) -> str:
        """scheme://host of this request, for absolute links."""
        return self._urls[0]

    @property
    def path_url(self) -> str:
        """base_url + request path, for pagination links."""
        return self._urls[1]

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
    data_json: bytes | None = None  # ``data`` already encoded (compact JSON, UTF-8)


Handler = Callable[[RequestContext], Reply]
