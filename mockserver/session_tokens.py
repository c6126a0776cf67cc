"""Session tokens (the API's "clerk" sessions): minted here, verified by ``auth``.

A leaf so that the admin handler, the CLI and the test helpers can mint a token without
depending on the HTTP layer that checks it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "onepin-mock"


def mint_session_token(secret: str, user_id: str, now: datetime, ttl_seconds: int) -> str:
    claims = {
        "sub": user_id,
        "iss": JWT_ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)
