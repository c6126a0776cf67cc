"""``open_state(url)``: the event log and the request store a ``--state`` URL names.

The one place that knows every backend, so neither interface imports its own
(``world.events.EventLog``, ``recording.store.RequestStore``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import StateUrlError
from .recording.store import RequestStore
from .world.events import EventLog


@dataclass(frozen=True)
class OpenedState:
    log: EventLog  # the mock's state: every accepted command
    requests: RequestStore  # what it answered: journal entries and coverage counters

    def close(self) -> None:
        self.requests.close()
        self.log.close()


def open_state(url: str, journal_size: int) -> OpenedState:
    """``memory``, ``sqlite:///path`` or ``redis://…``: the log and the request store beside it."""
    scheme = urlsplit(url).scheme if "://" in url else url
    if scheme == "memory":
        from .recording.memory import MemoryRequests
        from .world.events.memory import MemoryLog

        return OpenedState(MemoryLog(), MemoryRequests(journal_size))
    if scheme == "sqlite":
        from .recording.sqlite_requests import SqliteRequests
        from .world.events.sqlite import SqliteLog

        return OpenedState(SqliteLog(url), SqliteRequests(url, journal_size))
    if scheme in ("redis", "rediss", "unix"):
        from .recording.redis_requests import RedisRequests
        from .world.events.redis_log import RedisLog

        log = RedisLog(url)
        return OpenedState(log, RedisRequests(log.client, log.namespace, journal_size))
    raise StateUrlError(f"unknown state backend {url!r}: use memory, sqlite:///PATH or "
                        "redis://HOST:PORT/DB")
