"""Fresh workspaces, invites and members for the workspace cases, made over raw HTTP with
session tokens, and removed at the case's clean-up."""

from __future__ import annotations

from .credentials import ADA_USER, ELI_EMAIL, ELI_USER
from .scene import Scene

_WORKSPACES = "/api/v1/workspaces"


def fresh_workspace(scene: Scene, owner: str = ADA_USER, name: str = "Conformance lab") -> str:
    """A new workspace ``owner`` owns (and is the only member of), deleted at clean-up."""
    made = scene.as_user(owner, "POST", _WORKSPACES, {"name": name})
    workspace_id = str(made["id"])
    scene.on_cleanup(lambda: scene.as_user(owner, "DELETE", f"{_WORKSPACES}/{workspace_id}"))
    return workspace_id


def fresh_invite(scene: Scene, workspace_id: str, email: str = "guest@conformance.example",
                 role: str = "editor", by: str = ADA_USER) -> str:
    invite = scene.as_user(by, "POST", f"{_WORKSPACES}/{workspace_id}/invites",
                           {"email": email, "role": role})
    return str(invite["id"])


def joined_member(scene: Scene, workspace_id: str, user: str = ELI_USER,
                  email: str = ELI_EMAIL, role: str = "editor") -> str:
    """``user`` invited and accepted: their member id, as the member list shows it."""
    token = fresh_invite(scene, workspace_id, email, role)
    scene.as_user(user, "POST", f"{_WORKSPACES}/invites/{token}/accept")
    roster = scene.as_user(ADA_USER, "GET", f"{_WORKSPACES}/{workspace_id}/members")
    return next(str(m["id"]) for m in roster if m.get("user_id") == user)
