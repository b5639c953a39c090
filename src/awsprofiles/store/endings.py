"""Line endings: read as botocore reads them, written back as the file had them.

botocore reads the files through Python's universal newlines, where a line ends at ``\\r\\n``,
``\\r`` or ``\\n``, in any mix. The store parses and edits text whose lines all end in ``\\n``
(`normalize`); what it writes gives every line the ending it had in the file (`restore`), and a
new line the ending of the line above it.
"""

from __future__ import annotations

import re
from collections import Counter

# Compiled by `re` when first used: a file whose lines all end in '\n' (nearly every one) is read
# without them.
LINE_BREAK = r"\r\n?|\n"
# A line with its own ending, or the last line without one.
_LINE = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z"
#: `normalize`'s answer for a file whose lines end in more than one way.
MIXED = ""


def normalize(text: str) -> tuple[str, str]:
    """``text`` with every line ending as ``\\n``, and the one ending all its lines had (``MIXED``
    when they differ). Line numbers stay those of the file as botocore reads it."""
    if "\r" not in text:
        return text, "\n"
    if text.count("\r\n") == text.count("\r") == text.count("\n"):
        return text.replace("\r\n", "\n"), "\r\n"
    if "\n" not in text:
        return text.replace("\r", "\n"), "\r"
    return re.sub(LINE_BREAK, "\n", text), MIXED


def restore(original: str, edited: str) -> str:
    """``edited`` (the normalized ``original``, edited) with each line ending as in ``original``.

    A line kept from ``original`` keeps its ending, a changed line that of the line it replaces,
    and a new line that of the line above it (below it, at the start of the file). The last line
    ends as ``edited``'s does: a file without a final newline stays without one.
    """
    old_lines = re.findall(_LINE, original)
    old = [line.rstrip("\r\n") for line in old_lines]
    new = edited.split("\n")
    ended = [True] * (len(new) - 1) + [False]  # the last piece has no ending ('' when the text ends in one)
    if new[-1] == "":
        new.pop()
        ended.pop()
    found: list[str | None] = [None] * len(new)
    # An edit changes a few places: match the common start and end first, the rest line by line.
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    pairs = [(index, index) for index in range(start)]
    pairs += [(len(old) - 1 - index, len(new) - 1 - index) for index in range(end)]
    if start < len(old) - end and start < len(new) - end:
        from difflib import SequenceMatcher  # only for the lines in between

        middle = SequenceMatcher(None, old[start : len(old) - end], new[start : len(new) - end], False)
        for tag, old_from, old_to, new_from, new_to in middle.get_opcodes():
            if tag in ("equal", "replace"):
                for offset in range(min(old_to - old_from, new_to - new_from)):
                    pairs.append((start + old_from + offset, start + new_from + offset))
    for old_index, new_index in pairs:
        found[new_index] = old_lines[old_index][len(old[old_index]) :]
    common = Counter(re.findall(LINE_BREAK, original)).most_common(1)
    fallback = common[0][0] if common else "\n"
    endings = []
    previous = ""
    for index, has_ending in enumerate(ended):
        if not has_ending:
            endings.append("")
            continue
        ending = found[index] or previous or next((each for each in found[index:] if each), fallback)
        endings.append(ending)
        previous = ending
    return "".join(line + ending for line, ending in zip(new, endings, strict=True))
