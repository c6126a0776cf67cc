"""Uploads: create (with a signed ``upload_url``), the PUT of the bytes to it, confirm, delete.

The PUT arrives on ``/files/<token>`` like the mock's other signed links: no Authorization,
the token names the workspace and the upload and expires on the mock clock.
"""

from __future__ import annotations

from ..errors import Forbidden, LinkError
from ..world.service import uploads as upload_service
from ..world.views.upload_views import upload_out
from .base import Handler, Reply, RequestContext
from .workflows import upload_out as confirmed_out

PUT_KIND = "upload-put"


def _caller(ctx: RequestContext) -> str:
    assert ctx.principal is not None, "upload operations are authenticated"
    return ctx.principal.user_id


def create_upload(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    pending = upload_service.create_upload(ctx.engine, state.info.id, _caller(ctx),
                                           str(ctx.body["filename"]),
                                           str(ctx.body["category"]), ctx.now)
    link = ctx.world.links.make(ctx.base_url, ctx.now, kind=PUT_KIND, ws=state.info.id,
                                upload=pending.id)
    return Reply({"upload": upload_out(pending, None), "upload_url": link.url})


def confirm_upload(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    record = upload_service.confirm_upload(
        ctx.engine, state.info.id, str(ctx.path["upload_id"]), str(ctx.body["context_type"]),
        str(ctx.body["context_id"]), ctx.now)
    return Reply(confirmed_out(ctx, record))


def delete_upload(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    upload_service.delete_upload(ctx.engine, state.info.id, _caller(ctx),
                                 str(ctx.path["upload_id"]), ctx.now)
    return Reply({})


def put_upload_bytes(ctx: RequestContext) -> Reply:
    """``PUT /files/<token>``: the file itself, as storage would take it from the SDK's CLI."""
    try:
        claims = ctx.world.links.read(str(ctx.path["token"]), ctx.now)
    except LinkError as exc:
        raise Forbidden(f"This upload link is invalid or has expired ({exc})") from exc
    workspace_id = str(claims.get("ws"))
    if claims.get("kind") != PUT_KIND or not ctx.world.known_workspace(workspace_id):
        raise Forbidden("This link does not accept uploads")
    data = ctx.inputs.raw_bytes
    upload_service.store_upload_bytes(ctx.engine, workspace_id, str(claims.get("upload")),
                                      data, ctx.now)
    return Reply({"upload_id": str(claims.get("upload")), "size_bytes": len(data)})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "create_upload": create_upload,
    "confirm_upload": confirm_upload,
    "delete_upload": delete_upload,
    "mock_file_put": put_upload_bytes,
}
