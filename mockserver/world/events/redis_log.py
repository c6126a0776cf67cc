"""A log in Redis: one mock shared by instances on several machines.

Keys live under a namespace (``?namespace=NAME`` in the URL, default ``onepin-mock``), so
two mocks can share one Redis. The conditional append is a Lua script, which Redis runs
atomically: compare the list's length with the expected head, then push.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis as redis_client

from ...errors import StateUrlError
from .base import Event, EventLog, Snapshot, decode, encode

DEFAULT_NAMESPACE = "onepin-mock"
_APPEND_IF_HEAD = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
"""
_SNAPSHOT_SAVE = """
local kept = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if kept > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'meta', ARGV[2], 'body', ARGV[3])
return 1
"""


def split_namespace(url: str) -> tuple[str, str]:
    """The URL without ``namespace=…`` (the client rejects unknown options), and the name."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [value for key, value in query if key == "namespace"]
    rest = urlencode([(key, value) for key, value in query if key != "namespace"])
    return urlunsplit(parts._replace(query=rest)), (names[-1] if names else DEFAULT_NAMESPACE)


class RedisLog(EventLog):
    def __init__(self, url: str) -> None:
        self.url = url
        client_url, self.namespace = split_namespace(url)
        try:
            self._redis = redis_client.Redis.from_url(client_url)
            self._redis.ping()
        except (redis_client.RedisError, ValueError) as exc:
            raise StateUrlError(f"{url!r}: cannot reach Redis ({exc})") from exc
        self._events_key = f"{self.namespace}:events"
        self._snapshot_key = f"{self.namespace}:snapshot"
        self._append = self._redis.register_script(_APPEND_IF_HEAD)
        self._snapshot_save = self._redis.register_script(_SNAPSHOT_SAVE)

    def head(self) -> int:
        return int(self._redis.llen(self._events_key))

    def read(self, after: int) -> list[Event]:
        items = self._redis.lrange(self._events_key, max(after, 0), -1)
        return [decode(after + 1 + index, text) for index, text in enumerate(items)]

    def append(self, expected_head: int, kind: str, data: dict[str, Any]) -> Event | None:
        text = encode(kind, data)
        if not self._append(keys=[self._events_key], args=[expected_head, text]):
            return None
        return decode(expected_head + 1, text)

    @property
    def client(self) -> redis_client.Redis:
        """The connection, which the request store beside the log shares."""
        return self._redis

    def event_at(self, seq: int) -> Event | None:
        text = self._redis.lindex(self._events_key, seq - 1) if seq > 0 else None
        return decode(seq, text) if text is not None else None

    def snapshot_save(self, snapshot: Snapshot) -> None:
        self._snapshot_save(keys=[self._snapshot_key],
                            args=[snapshot.seq, snapshot.meta, snapshot.body])

    def snapshot_latest(self) -> Snapshot | None:
        found: dict[bytes, bytes] = self._redis.hgetall(self._snapshot_key)  # type: ignore[assignment]
        if not found:
            return None
        return Snapshot(int(found[b"seq"]), found[b"meta"].decode(), found[b"body"])

    def snapshot_seq(self) -> int:
        seq = self._redis.hget(self._snapshot_key, "seq")
        return int(seq) if seq is not None else 0

    def close(self) -> None:
        self._redis.close()
