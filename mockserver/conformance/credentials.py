"""The packaged demo credentials (fixtures/default.yaml, listed in the README)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from ..settings import Settings

DEMO_KEY = "op_live_demoAllScopesKeyForOnepinMock001"
READ_ONLY_KEY = "op_live_demoReadOnlyKeyForOnepinMock0002"
SECOND_WORKSPACE_KEY = "op_live_demoSecondWorkspaceKeyOnepin0003"
ACME_WORKSPACE = "6ec9a28f-de78-58e7-8616-48891f256dec"
GLOBEX_WORKSPACE = "bb5d5247-2d7a-5b92-b9d9-fb02ccb411fb"
ADA_USER = "b11a6feb-8597-5691-a36d-7d425071868e"
ADA_EMAIL = "ada@acme.example"
ELI_USER = "b7745688-e91b-56d9-ad84-384174fb4fb2"  # an editor of Acme
ELI_EMAIL = "eli@acme.example"
JWT_ISSUER = "onepin-mock"
_chosen = {"api_key": DEMO_KEY}


def api_key() -> str:
    """The key the matrices use: the demo key unless ``--api-key`` named another."""
    return _chosen["api_key"]


def use_api_key(key: str | None) -> None:
    _chosen["api_key"] = key or DEMO_KEY


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def session_token(user_id: str = ADA_USER, secret: str | None = None,
                  ttl_seconds: int = 3600) -> str:
    """An HS256 session JWT (stdlib only, so a bare SDK environment can mint one).

    Signed with the default ``Settings.jwt_secret`` unless told otherwise.
    """
    secret = secret or Settings().jwt_secret
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": user_id, "iss": JWT_ISSUER, "iat": now, "exp": now + ttl_seconds}
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64(signature.digest())}"
