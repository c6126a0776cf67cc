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
from .base import Event, EventLog, decode, encode

DEFAULT_NAMESPACE = "onepin-mock"
_APPEND_IF_HEAD = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
"""
_JOURNAL_ADD = """
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], seq .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
return seq
"""


def split_namespace(url: str) -> tuple[str, str]:
    """The URL without ``namespace=…`` (the client rejects unknown options), and the name."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [value for key, value in query if key == "namespace"]
    rest = urlencode([(key, value) for key, value in query if key != "namespace"])
    return urlunsplit(parts._replace(query=rest)), (names[-1] if names else DEFAULT_NAMESPACE)


class RedisLog(EventLog):
    def __init__(self, url: str, journal_size: int) -> None:
        self.url = url
        client_url, self.namespace = split_namespace(url)
        self._journal_size = journal_size
        try:
            self._redis = redis_client.Redis.from_url(client_url)
            self._redis.ping()
        except (redis_client.RedisError, ValueError) as exc:
            raise StateUrlError(f"{url!r}: cannot reach Redis ({exc})") from exc
        self._events_key = f"{self.namespace}:events"
        self._journal_key = f"{self.namespace}:journal"
        self._coverage_key = f"{self.namespace}:coverage"
        self._append = self._redis.register_script(_APPEND_IF_HEAD)
        self._journal_add = self._redis.register_script(_JOURNAL_ADD)

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

    def journal_add(self, entry: dict[str, Any]) -> None:
        self._write(entry, [])

    def journal_entries(self) -> list[dict[str, Any]]:
        entries = []
        items: list[bytes] = self._redis.lrange(self._journal_key, 0, -1)  # type: ignore[assignment]
        for item in items:
            seq, _, text = item.partition(b" ")
            entries.append({**decode(0, text).data, "seq": int(seq)})
        return entries

    def journal_clear(self) -> int:
        pipe = self._redis.pipeline()
        pipe.llen(self._journal_key)
        pipe.delete(self._journal_key)
        count, _ = pipe.execute()
        return int(count)

    def coverage_add(self, keys: list[str]) -> None:
        self._write(None, keys)

    def record_request(self, entry: dict[str, Any], coverage_keys: list[str]) -> None:
        self._write(entry, coverage_keys)

    def _write(self, entry: dict[str, Any] | None, coverage_keys: list[str]) -> None:
        """Count the keys and keep the entry (None: count only), in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for key in coverage_keys:
            pipe.hincrby(self._coverage_key, key, 1)
        if entry is not None and self._journal_size > 0:
            self._journal_add(keys=[self._journal_key, f"{self._journal_key}:seq"],
                              args=[self._journal_size, encode("request", entry)], client=pipe)
        pipe.execute()

    def coverage_counts(self) -> dict[str, int]:
        counts: dict[bytes, bytes] = self._redis.hgetall(self._coverage_key)  # type: ignore[assignment]
        return {key.decode(): int(value) for key, value in counts.items()}

    def coverage_clear(self) -> None:
        self._redis.delete(self._coverage_key)

    def close(self) -> None:
        self._redis.close()
