"""Text for people on a terminal: control characters escaped, tables that fit, colour on request.

Everything here is for human-readable output; JSON is written as it is (``json.dumps`` already
escapes every control character).

- **Escaped.** A section name or a value can hold ESC and other control characters that would
  clear the screen, retitle the window or fake rows: they are shown as ``\\x1b``, ``\\t``, ``\\u2028``...
- **Never split.** On a terminal narrower than a table, columns are dropped in the order the
  table gives (least important first), prose is wrapped between words, and identifiers (profile
  names, ARNs, account IDs) are shortened in the middle with an ellipsis; no line is longer than
  the terminal, so the terminal never folds one. Piped output and ``--wide`` keep every value
  whole, one row per line.
- **Colour** only on a terminal, and none at all (bold included) with ``NO_COLOR`` or ``TERM=dumb``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

# C0 and C1 controls, DEL, the line and paragraph separators, the bidirectional controls (which
# reorder what follows them on screen), and lone surrogates (bytes that were not UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

BOLD, RED, GREEN = "1", "31", "32"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def printable_lines(text: str) -> str:
    """Several lines: each made printable, the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def width(wide: bool = False) -> int | None:
    """The terminal's width (COLUMNS overrides it), or None: piped output, or ``--wide``."""
    if wide or not sys.stdout.isatty():
        return None
    return max(1, shutil.get_terminal_size().columns)


def colour_on() -> bool:
    """https://no-color.org: NO_COLOR set and not empty turns every style off, bold included."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def ellipsis() -> str:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "~"
    return "…"


def shorten(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, its middle replaced by an ellipsis if needed."""
    if len(text) <= room:
        return text
    if room <= 1:
        return ellipsis()[:room]
    keep = room - 1
    head, tail = (keep + 1) // 2, keep // 2
    return text[:head] + ellipsis() + (text[len(text) - tail :] if tail else "")


def fitted(text: str, room: int | None) -> str:
    """``text`` made printable and, given the room, shortened in the middle to fit it."""
    text = printable(text)
    return text if room is None else shorten(text, max(1, room))


@dataclass
class Column:
    header: str
    cells: list[str]
    #: the order in which columns go when the table is too wide (1 first); None: never dropped
    drop: int | None = None
    #: prose, wrapped between words; otherwise one identifier (or a few), shortened in the middle
    wrap: bool = False
    #: narrower than this, the column is dropped (if it may be) before it is shortened further
    least: int = 12
    right: bool = False
    #: style codes per cell (colour and bold), applied after padding
    styles: list[tuple[str, ...]] = field(default_factory=list)

    def natural(self) -> int:
        return max([len(self.header), *(len(cell) for cell in self.cells)])


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + 2 * (len(widths) - 1)


def _shrink(widths: list[int], floors: Sequence[int], limit: int) -> None:
    """Narrow the widest columns first, none below its floor, until the row fits ``limit``."""
    excess = _total(widths) - limit
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            return
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1


def fit(columns: list[Column], limit: int | None) -> tuple[list[Column], list[int]]:
    """The columns to show and their widths for a terminal ``limit`` wide (None: no limit)."""
    shown = [
        dataclasses.replace(
            column,
            header=printable(column.header),
            # one search for the whole column: most have nothing to escape
            cells=list(map(printable, column.cells))
            if _UNPRINTABLE.search("".join(column.cells))
            else column.cells,
        )
        for column in columns
    ]
    while True:
        widths = [column.natural() for column in shown]
        if limit is None or _total(widths) <= limit:
            return shown, widths
        floors = [min(column.natural(), column.least) for column in shown]
        # Prose wraps first (that hides nothing), then identifiers are shortened down to their floor.
        prose_floors = [f if c.wrap else w for c, f, w in zip(shown, floors, widths, strict=True)]
        _shrink(widths, prose_floors, limit)
        _shrink(widths, floors, limit)
        if _total(widths) <= limit:
            return shown, widths
        droppable = [column for column in shown if column.drop is not None]
        if not droppable:
            break
        shown.remove(min(droppable, key=lambda column: column.drop or 0))
    # Narrower still: every column down to one character, then only the first column.
    _shrink(widths, [1] * len(widths), limit)
    while _total(widths) > limit and len(shown) > 1:
        shown.pop()
        widths.pop()
    widths[0] = min(widths[0], limit)
    return shown, widths


def _cell_lines(column: Column, text: str, room: int) -> list[str]:
    if not column.wrap or len(text) <= room:
        return [shorten(text, room)]
    import textwrap  # only a table that wraps needs it

    lines = textwrap.wrap(text, room, break_long_words=False, break_on_hyphens=False)
    return [shorten(line, room) for line in lines] or [""]


def render(columns: list[Column], limit: int | None) -> str:
    """The table as text: a header line, then each row (on several lines where prose wraps)."""
    shown, widths = fit(columns, limit)
    colour = colour_on()
    rows = len(shown[0].cells) if shown else 0
    header = [shorten(column.header, room) for column, room in zip(shown, widths, strict=True)]
    out = [_join(shown, widths, header, [(BOLD,)] * len(shown) if colour else None)]
    for row in range(rows):
        styles = [column.styles[row] if column.styles else () for column in shown] if colour else None
        if limit is None:  # one line per row, every value whole
            out.append(_join(shown, widths, [column.cells[row] for column in shown], styles))
            continue
        parts = [
            _cell_lines(column, column.cells[row], room) for column, room in zip(shown, widths, strict=True)
        ]
        for index in range(max(len(lines) for lines in parts)):
            texts = [lines[index] if index < len(lines) else "" for lines in parts]
            out.append(_join(shown, widths, texts, styles if index == 0 else None))
    return "\n".join(out) + "\n"


def _join(
    columns: list[Column], widths: list[int], texts: list[str], styles: list[tuple[str, ...]] | None
) -> str:
    """One line of the table; ``styles``: the SGR codes of each cell, None for none at all."""
    if styles is None:
        cells = [
            text.rjust(room) if column.right else text.ljust(room)
            for column, room, text in zip(columns, widths, texts, strict=True)
        ]
    else:
        cells = []
        for column, room, text, style in zip(columns, widths, texts, styles, strict=True):
            padding = " " * (room - len(text))
            shown = f"\x1b[{';'.join(style)}m{text}\x1b[0m" if style and text else text
            cells.append(padding + shown if column.right else shown + padding)
    return "  ".join(cells).rstrip()
