"""The ``/__mock/*`` control surface (described by admin-openapi.yaml)."""

from __future__ import annotations

from ..errors import Forbidden
from ..world.exports import export_file
from ..world.links import LinkError
from .base import Reply, RequestContext, operation


@operation("mock_health")
def mock_health(ctx: RequestContext) -> Reply:
    return Reply({"status": "ok"})


@operation("mock_file")
def mock_file(ctx: RequestContext) -> Reply:
    """Serve a signed download or playback link; no auth, like a presigned URL."""
    try:
        claims = ctx.world.links.read(ctx.path["token"], ctx.now)
        served = export_file(ctx.world, claims)
    except LinkError as exc:
        raise Forbidden(f"This link is invalid or has expired ({exc})") from exc
    return Reply(None, body_bytes=served.content, content_type=served.content_type,
                 headers={"Content-Disposition": f'attachment; filename="{served.filename}"',
                          "Cache-Control": "no-store"})
