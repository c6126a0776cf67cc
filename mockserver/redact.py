"""Masking secrets in what the contract tools write down (reports, recordings, logs).

A drift report or a recording is meant to be shared (CI artifacts, bug reports), so it
must never carry a credential: ``Authorization`` values, API keys and session tokens the
caller named, and the signatures of presigned links (query parameters such as
``X-Amz-Signature`` or ``token``, and the mock's own ``/__mock/files/<token>`` paths).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key",
                            "x-mock-admin-token", "proxy-authorization"})
# Query parameter names that carry a signature or a credential in presigned links.
_SECRET_PARAM = re.compile(r"token|sig|signature|credential|key|auth|security|policy",
                           re.IGNORECASE)
_FILES_TOKEN = re.compile(r"(/__mock/files/)[^/?#\s\"']+")
_API_KEY = re.compile(r"op_live_[A-Za-z0-9]{8,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_URL = re.compile(r"https?://[^\s\"'<>]+")


def redact_url(url: str) -> str:
    """The URL with secret-looking query values and signed-file tokens masked."""
    parts = urlsplit(url)
    query = [(name, MASK if _SECRET_PARAM.search(name) else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    path = _FILES_TOKEN.sub(rf"\g<1>{MASK}", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="*:/,"),
                       parts.fragment))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given secrets, anything shaped like an API key or a JWT, and the
    signatures of every URL in ``text``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _API_KEY.sub(f"op_live_{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _URL.sub(lambda match: redact_url(match.group(0)), text)
    return _FILES_TOKEN.sub(rf"\g<1>{MASK}", text)


def redact_headers(headers: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    """Headers with credential headers masked (the scheme word of ``Authorization`` kept)."""
    kept = list(secrets)
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out[name] = f"{scheme} {MASK}".strip()
        else:
            out[name] = redact_text(value, kept)
    return out
