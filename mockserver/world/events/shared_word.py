"""Eight bytes of a small file, mapped into every process that opens it: a number any
process can store and every other one sees at once, for the price of a memory read."""

from __future__ import annotations

import mmap
import os
from pathlib import Path

_SIZE = 8


class SharedWord:
    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.ftruncate(fd, _SIZE)  # grows with zeros; never shrinks another's word
            self._map = mmap.mmap(fd, _SIZE)
        finally:
            os.close(fd)  # the mapping keeps the file open

    def raw(self) -> bytes:
        return self._map[:_SIZE]

    def read(self) -> int:
        return int.from_bytes(self._map[:_SIZE], "little")

    def write(self, value: int) -> None:
        self._map[:_SIZE] = (value & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(_SIZE, "little")
