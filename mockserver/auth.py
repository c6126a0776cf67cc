"""Who is calling, and may they call this operation (conventions.md §7-8).

Two bearer schemes: ``op_live_`` API keys, bound to one workspace and carrying flat
scopes, and session JWTs (signed by the mock), which pick a workspace with the
``X-Workspace-Id`` header and are authorised by workspace role.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import jwt

from .errors import BadRequest, CredentialNotAccepted, Forbidden, NotFound, Unauthorized
from .session_tokens import JWT_ALGORITHM, JWT_ISSUER
from .spec import Operation
from .world.state.fixtures import API_KEY_PREFIX, Fixtures, role_at_least
from .world.state.store import World

API_KEY_SCHEME = "ApiKeyAuth"
SESSION_SCHEME = "SessionAuth"
WORKSPACE_HEADER = "X-Workspace-Id"


@dataclass(frozen=True)
class Principal:
    auth_kind: str  # "api_key" | "clerk" (the API's name for session tokens)
    user_id: str
    scopes: tuple[str, ...]
    api_key_id: str | None = None
    workspace_id: str | None = None  # resolved workspace for this request
    role: str | None = None


class Authenticator:
    def __init__(self, world: World, jwt_secret: str, all_scopes: tuple[str, ...]) -> None:
        self.world = world
        self.jwt_secret = jwt_secret
        self.all_scopes = tuple(sorted(all_scopes))

    @property
    def fixtures(self) -> Fixtures:
        # Read on every request: fixtures loaded at run time take effect at once.
        return self.world.fixtures

    def authorize(self, operation: Operation, authorization: str | None,
                  workspace_header: str | None, now: datetime,
                  path_workspace: str | None = None) -> Principal | None:
        """Return the caller, or raise the documented 400/401/403/404.

        ``path_workspace``: the ``workspace_id`` path parameter, the workspace of the
        operations marked ``x-onepin-workspace: path``."""
        if operation.is_public:
            return None
        token = _bearer_token(authorization)
        if token.startswith(API_KEY_PREFIX):
            principal = self._api_key(token)
        elif token.startswith("op_"):
            raise Unauthorized("This API key type is reserved and not accepted")
        else:
            principal = self._session(token, now)
        accepted = operation.security
        scheme = API_KEY_SCHEME if principal.auth_kind == "api_key" else SESSION_SCHEME
        if scheme not in accepted:
            raise CredentialNotAccepted("This operation does not accept this kind of credential")
        if operation.workspace == "path":
            return self._path_workspace(operation, principal, path_workspace or "")
        return self._with_workspace(operation, principal, workspace_header)

    def _api_key(self, token: str) -> Principal:
        key = self.fixtures.api_keys.get(token)
        # A key lives as long as its user's membership: removing the member or deleting
        # the workspace revokes it.
        if key is None or self.world.role_of(key.workspace_id, key.user_id) is None:
            raise Unauthorized("Invalid API key")
        return Principal("api_key", key.user_id, tuple(sorted(set(key.scopes))), key.id,
                         key.workspace_id)

    def _session(self, token: str, now: datetime) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self.jwt_secret, algorithms=[JWT_ALGORITHM], issuer=JWT_ISSUER,
                # PyJWT would judge exp, iat and nbf by the wall clock: the mock's own
                # clock judges them all (``_check_times``), so frozen-time tests hold.
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "require": ["sub", "exp", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid or malformed session token") from exc
        _check_times(claims, now.timestamp())
        if claims["sub"] not in self.fixtures.users:
            raise Unauthorized("Session token names an unknown user")
        return Principal("clerk", claims["sub"], self.all_scopes)

    def _with_workspace(self, operation: Operation, principal: Principal,
                        header: str | None) -> Principal:
        if principal.auth_kind == "api_key":
            if header is not None and header != principal.workspace_id:
                raise Forbidden("X-Workspace-Id does not match the API key's workspace")
            if operation.scope and operation.scope not in principal.scopes:
                raise Forbidden(f"API key lacks the '{operation.scope}' scope")
            role = self.world.role_of(principal.workspace_id or "", principal.user_id)
            return replace(principal, role=role)
        return self._session_workspace(operation, principal, header)

    def _session_workspace(self, operation: Operation, principal: Principal,
                           header: str | None) -> Principal:
        if operation.workspace is None or (operation.workspace == "optional" and not header):
            return replace(principal, workspace_id=None)  # the catalog ignores workspaces
        # A header sent to an operation that merely accepts a workspace (whoami) is held to
        # the same rules as where one is required: never echo a workspace the caller lacks.
        if not header:
            raise BadRequest("X-Workspace-Id header is required with a session token")
        if not _is_uuid(header):
            raise BadRequest("X-Workspace-Id must be a workspace id (UUID)")
        return self._member(operation, principal, header)

    def _path_workspace(self, operation: Operation, principal: Principal,
                        workspace_id: str) -> Principal:
        """The workspace named in the path: a key reaches its own only, a session the
        ones its user belongs to; any other is a 404, as if it did not exist."""
        if not _is_uuid(workspace_id):
            # Not an id at all: request validation answers (422 naming workspace_id).
            return replace(principal, workspace_id=None)
        if principal.auth_kind == "api_key":
            if workspace_id != principal.workspace_id:
                raise NotFound("Workspace not found")
            if operation.scope and operation.scope not in principal.scopes:
                raise Forbidden(f"API key lacks the '{operation.scope}' scope")
            role = self.world.role_of(workspace_id, principal.user_id)
            return replace(principal, role=role)
        return self._member(operation, principal, workspace_id)

    def _member(self, operation: Operation, principal: Principal,
                workspace_id: str) -> Principal:
        role = self.world.role_of(workspace_id, principal.user_id)
        if role is None:
            raise NotFound("Workspace not found")
        if not role_at_least(role, operation.min_role):
            if operation.role_refusal == 404:
                raise NotFound("Workspace not found")
            raise Forbidden(f"This action needs the '{operation.min_role}' role")
        return replace(principal, workspace_id=workspace_id, role=role)


def _is_instant(value: Any) -> bool:
    """A NumericDate (RFC 7519 §2): a JSON number, not a boolean, that a date can hold."""
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and abs(value) < _LAST_INSTANT


_LAST_INSTANT = 253402300800  # 10000-01-01: beyond it no datetime can show the claim


def _check_times(claims: dict[str, Any], now: float) -> None:
    """exp, nbf and iat judged by the mock's clock. ``iat`` only has to be a date no later
    than ``exp``: a token minted on the wall clock (``onepin-mock token``) stays valid on a
    mock frozen in the past, as its ``exp`` says."""
    expires = claims["exp"]
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= now:
        raise Unauthorized("Session token has expired")
    not_before = claims.get("nbf")
    if not_before is not None and (not _is_instant(not_before) or not_before > now):
        raise Unauthorized("Session token is not valid yet")
    issued = claims.get("iat")
    if issued is not None and (not _is_instant(issued) or issued > expires):
        raise Unauthorized("Invalid or malformed session token")


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    return token


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
