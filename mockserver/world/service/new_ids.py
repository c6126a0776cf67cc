"""The id of a record a command creates: drawn from the workspace's counter of created
records, so the same log gives the same ids in every process, and skipping any id already
in use (seeded, pinned, loaded or deleted), so a write can never overwrite a record."""

from __future__ import annotations

from collections.abc import Callable, Container


def first_unused(candidate: Callable[[int], str], counter: int, *taken: Container[str]) -> str:
    """``candidate(counter)``, or the first one after it that none of ``taken`` holds."""
    number = counter
    while True:
        found = candidate(number)
        if not any(found in ids for ids in taken):
            return found
        number += 1
