"""``LazyTable``: records by id whose generated ones are built per workflow when first read.

What the run and upload tables share. A generated workflow registers how to build its
records; they are built when that workflow's records are asked for, or, for a look-up by
id alone (of a record not built yet) or a walk of every record, all at once, so a caller
that does not know the workflow still sees every record.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Collection, Iterator
from typing import Any, TypeVar

R = TypeVar("R")


class LazyTable(dict[str, R], metaclass=ABCMeta):
    """A dict by id; subclasses say which workflows are still to build and how."""

    def __reduce__(self) -> tuple[Any, ...]:
        # A snapshot (world/service/snapshots.py) restores the items and indexes as they
        # are: pickle's default would walk the table (building every generated record) and
        # add each item again through __setitem__.
        return (rebuilt_table, (type(self), dict(dict.items(self)), dict(self.__dict__)))

    @abstractmethod
    def _pending(self) -> Collection[str]:
        """The workflows whose generated records are not built yet."""

    @abstractmethod
    def build(self, workflow_id: str) -> None:
        """Build the workflow's generated records now, if they are not built yet."""

    def build_all(self) -> None:
        for workflow_id in list(self._pending()):
            self.build(workflow_id)

    def _complete(self, key: object = None) -> None:
        """Before a look-up by id alone (``key``), or any walk of every record (no key),
        build what is missing."""
        if self._pending() and (key is None or not dict.__contains__(self, key)):
            self.build_all()

    def __getitem__(self, key: str) -> R:
        self._complete(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._complete(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._complete(key if isinstance(key, str) else None)
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def keys(self) -> Any:
        self._complete()
        return super().keys()

    def values(self) -> Any:
        self._complete()
        return super().values()

    def items(self) -> Any:
        self._complete()
        return super().items()


def rebuilt_table(cls: type[LazyTable[Any]], items: dict[str, Any],
                  attributes: dict[str, Any]) -> LazyTable[Any]:
    """A table from a snapshot: its items and indexes, as they were."""
    table = cls.__new__(cls)
    dict.update(table, items)
    table.__dict__.update(attributes)
    return table
