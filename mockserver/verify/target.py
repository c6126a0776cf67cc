"""The server under test and the credentials ``verify`` was given."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    api_key: str | None = None
    session_token: str | None = None
    workspace: str | None = None  # X-Workspace-Id for sessions (and, if given, for the key)
    limited_key: str | None = None  # a key lacking some scopes, for the 403 probes

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.session_token, self.limited_key) if s)

    def headers(self, workspace: str | None = None) -> dict[str, str]:
        """The main credential: the API key if there is one, else the session."""
        token = self.api_key or self.session_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        chosen = self.workspace or workspace
        if chosen:
            headers["X-Workspace-Id"] = chosen
        return headers
