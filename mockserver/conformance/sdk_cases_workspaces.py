"""SDK cases: workspaces, their settings, members and invites (session tokens; the
settings read also takes the API key)."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, table
from .credentials import ADA_EMAIL, ADA_USER, ELI_USER
from .people import fresh_invite, fresh_workspace, joined_member
from .scene import Scene

_WS = "/api/v1/workspaces"
_ONE = f"{_WS}/{{workspace_id}}"


def _own(scene: Scene, kit: Kit) -> Call:
    return Call((scene.workspace_id,))


def _fresh(scene: Scene, kit: Kit) -> Call:
    return Call((fresh_workspace(scene),))


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    ids = [w.id for w in result.data]
    expect(scene.workspace_id in ids, f"own workspace not in {ids}")
    expect(result.pagination.limit == 10, f"pagination.limit {result.pagination.limit}")


def _create_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"name": "SDK made", "color_idx": 4})


def _create_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    scene.on_cleanup(lambda: scene.as_user(ADA_USER, "DELETE", f"{_WS}/{data.id}"))
    expect(data.name == "SDK made" and data.color_idx == 4, f"workspace {data}")
    expect(data.created_by == ADA_USER, f"created_by {data.created_by!r}")
    expect(data.slug.startswith("sdk-made"), f"slug {data.slug!r}")


def _is_own(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.id == call.args[0], f"id {result.data.id!r}")


def _update_build(scene: Scene, kit: Kit) -> Call:
    return Call((fresh_workspace(scene),), {"name": "SDK renamed", "routing_llm_fit": True})


def _update_check(result: Any, call: Call, scene: Scene) -> None:
    _is_own(result, call, scene)
    expect(result.data.name == "SDK renamed" and result.data.routing_llm_fit is True,
           f"workspace {result.data}")


def _delete_check(result: Any, call: Call, scene: Scene) -> None:
    status = scene.http.get(f"{_WS}/{call.args[0]}", headers={
        "Authorization": f"Bearer {scene.session()}"}).status_code
    expect(status == 404, f"GET after delete answered {status}")


def _slug_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"slug": "no-one-has-this-slug", "workspace_id": scene.workspace_id})


def _slug_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.available is True and result.data.reason is None, f"{result.data}")


def _settings_check(result: Any, call: Call, scene: Scene) -> None:
    fields = set(type(result.data).model_fields)
    expect({"default_language", "theme"} <= fields, f"fields {sorted(fields)}")


def _members_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(rows and rows[0].user_id == ADA_USER, "the caller is not listed first")
    expect(all(r.status in ("active", "invited") for r in rows), "unknown member status")


def _invite_build(scene: Scene, kit: Kit) -> Call:
    return Call((fresh_workspace(scene),), {"email": "Guest@Conformance.example",
                                            "role": "viewer"})


def _invite_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.email == "guest@conformance.example", f"email {data.email!r}")
    expect((data.role, data.status) == ("viewer", "pending"), f"invite {data}")


def _member_build(role: str | None) -> Any:
    def build(scene: Scene, kit: Kit) -> Call:
        workspace_id = fresh_workspace(scene)
        member_id = joined_member(scene, workspace_id)
        return Call((workspace_id, member_id), {"role": role} if role else {})

    return build


def _role_check(result: Any, call: Call, scene: Scene) -> None:
    rows = scene.as_user(ADA_USER, "GET", f"{_WS}/{call.args[0]}/members")
    role = next(r["role"] for r in rows if r["id"] == call.args[1])
    expect(role == "viewer", f"role {role!r} after the change")


def _removed_check(result: Any, call: Call, scene: Scene) -> None:
    rows = scene.as_user(ADA_USER, "GET", f"{_WS}/{call.args[0]}/members")
    expect(all(r["id"] != call.args[1] for r in rows), "the removed member is still listed")


def _pending_invite(scene: Scene, kit: Kit) -> Call:
    workspace_id = fresh_workspace(scene)
    return Call((workspace_id, fresh_invite(scene, workspace_id)))


def _invite_role_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.role == "admin" and result.data.status == "pending", f"{result.data}")


def _revoked_check(result: Any, call: Call, scene: Scene) -> None:
    rows = scene.as_user(ADA_USER, "GET", f"{_WS}/{call.args[0]}/members")
    expect(all(r["id"] != call.args[1] for r in rows), "the revoked invite is still listed")


def _accept_build(scene: Scene, kit: Kit) -> Call:
    """Eli's workspace invites Ada; the SDK (Ada's session) accepts."""
    workspace_id = fresh_workspace(scene, owner=ELI_USER, name="Eli's lab")
    return Call((fresh_invite(scene, workspace_id, ADA_EMAIL, "viewer", by=ELI_USER),))


def _accept_check(result: Any, call: Call, scene: Scene) -> None:
    joined = result.data.get("workspace_id") if isinstance(result.data, dict) else None
    expect(joined is not None, f"data {result.data!r}")
    rows = scene.as_user(ADA_USER, "GET", f"{_WS}/{joined}/members")
    expect(any(r["user_id"] == ADA_USER and r["role"] == "viewer" for r in rows),
           "Ada is not a viewer of the workspace after accepting")


CASES = table(
    SdkCase("workspaces.list_workspaces", f"GET {_WS}",
            lambda scene, kit: Call((), {"limit": 10}), _list_check, credential="session"),
    SdkCase("workspaces.create_workspace", f"POST {_WS}", _create_build, _create_check,
            credential="session"),
    SdkCase("workspaces.get_workspace", f"GET {_ONE}", _own, _is_own, credential="session"),
    SdkCase("workspaces.update_workspace", f"PATCH {_ONE}", _update_build, _update_check,
            credential="session"),
    SdkCase("workspaces.delete_workspace", f"DELETE {_ONE}", _fresh, _delete_check,
            credential="session"),
    SdkCase("workspaces.slug_available", f"GET {_WS}/slug-available", _slug_build,
            _slug_check, credential="session"),
    SdkCase("workspace.get_workspace_settings", f"GET {_ONE}/settings", _own,
            _settings_check),
    SdkCase("workspace_members.list_members", f"GET {_ONE}/members", _own, _members_check,
            credential="session"),
    SdkCase("workspace_members.create_invite", f"POST {_ONE}/invites", _invite_build,
            _invite_check, credential="session"),
    SdkCase("workspace_members.update_member_role", f"PATCH {_ONE}/members/{{member_id}}",
            _member_build("viewer"), _role_check, credential="session"),
    SdkCase("workspace_members.remove_member", f"DELETE {_ONE}/members/{{member_id}}",
            _member_build(None), _removed_check, credential="session"),
    SdkCase("workspace_members.update_invite_role", f"PATCH {_ONE}/invites/{{invite_id}}",
            lambda scene, kit: Call(_pending_invite(scene, kit).args, {"role": "admin"}),
            _invite_role_check, credential="session"),
    SdkCase("workspace_members.revoke_invite", f"DELETE {_ONE}/invites/{{invite_id}}",
            _pending_invite, _revoked_check, credential="session"),
    SdkCase("workspace_members.accept_invite", f"POST {_WS}/invites/{{token}}/accept",
            _accept_build, _accept_check, credential="session"),
)
