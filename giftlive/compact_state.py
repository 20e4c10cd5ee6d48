"""Compact pickling for the state objects Bytewax snapshots at every epoch."""

from __future__ import annotations


class CompactState:
    """Pickles a ``__slots__`` object as the bare tuple of its slot values: no names, no instance dict.

    Subclasses declare ``__slots__`` directly (one level of inheritance), so the order is theirs.
    """

    __slots__ = ()

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)
