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
        if len(state) != len(self.__slots__):
            raise RuntimeError(
                f"a snapshot of {type(self).__name__} holds {len(state)} fields, this GiftLive's has "
                f"{len(self.__slots__)}: it was written by another version; start from an empty recovery "
                "directory (or resume with the version that wrote it)"
            )
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)
