"""What an edit would change, shown as a unified diff that never shows a secret.

`unified_diff` compares the lines as they are (a secret that changes shows as a changed line)
and shows each line as `shown_lines` masks it: in the credentials file every value, in the
config file the secret keys' values, commented out or not, with their continuation lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from awsprofiles import model
from awsprofiles.store.parsing import COMMENT, CONTINUATION, HEADER, OPTION, scan_lines, split_lines

if TYPE_CHECKING:
    from _typeshed import StrPath

    from awsprofiles.store.paths import Role

#: What a diff shows in place of a value.
MASK = "********"
_OPTION = re.compile(r"(?P<lead>(?P<key>[^=:]*?)\s*[=:]\s*)(?P<value>.*)", re.DOTALL)
_COMMENT = re.compile(r"(?P<lead>[#;]+\s*)(?P<text>.*)", re.DOTALL)
# A key shown beside its masked value: one case throughout, words joined by '_' or '-'. A secret
# written where a key would be (mixed case, '/', '+') is masked whole instead.
_SHOWABLE_KEY = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*|[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*")


def _masked_value(key: str, value: str) -> str:
    if not value:
        return value
    return model.mask_access_key_id(value) if key.lower() == model.ACCESS_KEY_ID else MASK


def _masked_setting(text: str, everything: bool) -> str | None:
    """``key = value`` with its value masked; None when it is not to be masked."""
    option = _OPTION.fullmatch(text)
    key = option["key"].strip() if option else ""
    if option is None or not _SHOWABLE_KEY.fullmatch(key):
        return MASK if everything else None
    if not everything and key.lower() not in model.SECRET_KEYS:
        return None
    return option["lead"] + _masked_value(key, option["value"])


def shown_lines(role: Role, text: str) -> list[str]:
    """The lines of a file (``split_lines``) as a diff may show them.

    In the credentials file every value is masked: settings show their key and ``********`` (key IDs
    their first and last four characters), and comments and continuation lines, which may hold a
    secret pasted or commented out, show ``********``. In the config file, the same for the secret
    keys, commented out or not, and their continuation lines. Headers and blank lines stay.
    """
    everything = role == "credentials"
    shown: list[str] = []
    masking_value = False  # whether the option that continuation lines continue is masked
    for line, kind, section in scan_lines(text):
        body = line.rstrip("\n")
        end = line[len(body) :]
        stripped = body.lstrip()
        indent = body[: len(body) - len(stripped)]
        masked: str | None = None
        if kind == HEADER:
            # configparser ignores what follows the closing bracket; it is not shown either.
            tail = stripped[len(section or "") + 2 :].strip()
            masked = f"{indent}[{section}]" + (f" {MASK}" if tail else "")
        elif kind == OPTION:
            masked = _masked_setting(stripped, everything)
            masking_value = masked is not None
            masked = None if masked is None else indent + masked
        elif kind == CONTINUATION and masking_value:
            masked = indent + MASK
        elif kind == COMMENT:
            comment = _COMMENT.fullmatch(stripped)
            assert comment is not None
            setting = _masked_setting(comment["text"], everything) if comment["text"] else None
            masked = None if setting is None else indent + comment["lead"] + setting
        shown.append(body + end if masked is None else masked + end)
    return shown


def _span(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (difflib._format_range_unified)."""
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def unified_diff(path: StrPath, before: bytes, after: bytes, role: Role, label: str) -> str:
    """The unified diff of one of the two files, every line shown as ``shown_lines`` masks it.

    Lines are compared as they are, so that a secret that changes shows as a changed line.
    """
    import difflib  # only a command that shows a diff needs it: every other one starts quicker

    old_text = before.decode("utf-8").replace("\r\n", "\n")
    new_text = after.decode("utf-8").replace("\r\n", "\n")
    old, new = split_lines(old_text), split_lines(new_text)
    old_shown, new_shown = shown_lines(role, old_text), shown_lines(role, new_text)
    lines: list[str] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(3):
        if not lines:
            lines += [f"--- {path} (now)\n", f"+++ {path} ({label})\n"]
        lines.append(f"@@ -{_span(group[0][1], group[-1][2])} +{_span(group[0][3], group[-1][4])} @@\n")
        for tag, old_start, old_stop, new_start, new_stop in group:
            if tag == "equal":
                lines += [" " + line for line in old_shown[old_start:old_stop]]
                continue
            lines += ["-" + line for line in old_shown[old_start:old_stop]]
            lines += ["+" + line for line in new_shown[new_start:new_stop]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
