"""The request store in Redis, beside the event log and on its connection: keys
``NAME:journal``, ``NAME:journal:seq`` and ``NAME:coverage`` (a hash of counters).

Written at once, never behind: nothing in Redis carries a reader's question to the
writers of other machines.
"""

from __future__ import annotations

from typing import Any

import redis as redis_client

from ..world.events.base import decode, encode
from .store import RequestStore

_JOURNAL_ADD = """
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], seq .. ' ' .. ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
return seq
"""


class RedisRequests(RequestStore):
    def __init__(self, client: redis_client.Redis, namespace: str, journal_size: int) -> None:
        self._redis = client
        self._journal_size = journal_size
        self._journal_key = f"{namespace}:journal"
        self._coverage_key = f"{namespace}:coverage"
        self._journal_add = self._redis.register_script(_JOURNAL_ADD)

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
