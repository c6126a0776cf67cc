"""Short-lived, tamper-proof links to files the mock serves itself (downloads, audio).

A link carries its own claims (what file, which workspace, when it expires), signed
with the mock's secret, so serving it needs no stored state and no auth header —
exactly like the presigned storage URLs of the real API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from ...errors import LinkError

FILES_PREFIX = "/files/"  # API surface: served even when the control API is off


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


class LinkSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeSerializer(secret, salt="onepin-mock-files")
        self.ttl = timedelta(seconds=ttl_seconds)
        # Expiry has whole seconds, so the same claims within one second sign to the same
        # token: a run data page (dozens of audio links) and its repeats sign each only once.
        self._token = lru_cache(maxsize=4096)(self._sign)

    def _sign(self, claims: tuple[tuple[str, str], ...], expires: int) -> str:
        return str(self._serializer.dumps({**dict(claims), "exp": expires}))

    def expiry(self, now: datetime) -> int:
        """The expiry a link made at ``now`` carries: the one way ``now`` shows in a link."""
        return int((now + self.ttl).timestamp())

    def make(self, base_url: str, now: datetime, **claims: str) -> Link:
        """A link to the file ``claims`` name, valid for the signer's ttl."""
        return self._make(base_url, now, self.ttl, claims)

    def make_for(self, seconds: int, base_url: str, now: datetime, **claims: str) -> Link:
        """The same, valid for ``seconds`` (links the SDK documents with their own life)."""
        return self._make(base_url, now, timedelta(seconds=seconds), claims)

    def _make(self, base_url: str, now: datetime, ttl: timedelta, claims: dict[str, str]
              ) -> Link:
        expires = now + ttl
        token = self._token(tuple(claims.items()), int(expires.timestamp()))
        return Link(f"{base_url}{FILES_PREFIX}{token}", expires.replace(microsecond=0))

    def read(self, token: str, now: datetime) -> dict[str, Any]:
        try:
            claims = self._serializer.loads(token)
        except BadSignature as exc:
            raise LinkError("invalid link") from exc
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise LinkError("invalid link")
        # Compare numbers, not datetimes: a forged huge `exp` must not overflow datetime.
        if claims["exp"] <= now.timestamp():
            raise LinkError("link expired")
        return claims
