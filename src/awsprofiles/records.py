"""Classes of plain values for the modules the fast paths import, without `dataclasses`.

A fast path (`awsprofiles.entry`) must answer within 2.5 times a bare ``python -c pass``
(docs/explanation/speed.md). `dataclasses` alone costs about as much as that margin: it imports
`inspect` (with ``ast``, ``dis`` and ``tokenize``) and compiles the methods of every class it
makes as the class is defined. So the classes on those paths are records: a record declares its
fields in ``__slots__`` and sets them in its own ``__init__``; like a dataclass, it is equal to
another of its class whose fields are equal and shows its fields in its repr. A field whose name
starts with ``_`` belongs to the record itself (a cache): it is neither compared nor shown.

A `Record` may change after it is made, and is not hashable (a dataclass). A `Frozen` record
declares its fields ``Final`` in ``__init__`` (``self.name: Final = name``, which mypy holds
to) and is hashed by them (a frozen dataclass).

These modules also import `typing` only for the type checker (``TYPE_CHECKING = False``, then
``if TYPE_CHECKING:``): importing it costs about 3 ms, a third of a bare Python's start.
"""

from __future__ import annotations


class Record:
    """Fields in ``__slots__``; equal, and shown, by them."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__ if not name.startswith("_"))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self) or not isinstance(other, Record):
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        shown = (f"{name}={getattr(self, name)!r}" for name in self.__slots__ if not name.startswith("_"))
        return f"{type(self).__name__}({', '.join(shown)})"


class Frozen(Record):
    """A record whose fields never change after ``__init__``: hashed by them."""

    __slots__: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self._fields())
