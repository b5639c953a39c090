"""One file being edited: its sections' text changed in place with configupdater, every other
byte kept, and the result verified by parsing it again the botocore way."""

from __future__ import annotations

import re
from configparser import DEFAULTSECT
from typing import TYPE_CHECKING

from awsprofiles.errors import FileProblem, Refused
from awsprofiles.model import config_section_name
from awsprofiles.store.endings import MIXED, restore
from awsprofiles.store.parsing import (
    NON_SPACE,
    OPTION_LINE,
    Chunk,
    IniFile,
    parse_file,
    parse_sections,
    profile_sections,
    split_chunks,
    split_lines,
)
from awsprofiles.store.paths import Sections

if TYPE_CHECKING:
    from configupdater import ConfigUpdater, Option
    from configupdater import Section as UpdaterSection

# What shlex (botocore's reading of a [profile NAME] header) splits words at.
_SHLEX_SPACE = " \t\r\n"


def _updater_section(text: str) -> tuple[ConfigUpdater, UpdaterSection]:
    from configupdater import ConfigUpdater

    updater = ConfigUpdater()
    updater.read_string(text)
    return updater, updater[updater.sections()[0]]


def _options(section: UpdaterSection) -> list[Option]:
    from configupdater import Option

    return [block for block in section.iter_blocks() if isinstance(block, Option)]


def _is_comment(line: str) -> bool:
    return line.strip().startswith(("#", ";"))


def _replace_single_line_value(option: Option, value: str) -> bool | None:
    """Give a one-line option a new value, keeping its key, separator and spacing as written.

    configupdater counts an indented comment below an option as part of its value, where
    configparser (and so botocore) skips it; the value is therefore taken from the key's
    own line, and the comment lines below it are kept. Returns None when nothing changes,
    False when the option's value spans lines (a nested value) and this cannot be done.
    """
    lines = option.lines
    if any(line.strip() and not _is_comment(line) for line in lines[1:]):
        return False
    match = re.match(OPTION_LINE, lines[0])
    if match is None:
        return False
    if match.group("value") == value:
        return None
    prefix = match.group("prefix")
    if not match.group("value") and not prefix.endswith((" ", "\t")):
        prefix += " "
    lines[0] = f"{prefix}{value}{match.group('end')}"
    return True


def _set_in_section(text: str, key: str, value: str, indent: str = "") -> str:
    """Set ``key`` in the section ``text``; a new line is indented by ``indent``.

    configparser reads a line indented deeper than the last option line as that option's
    continuation, a header included: a new option must not be less indented than the header
    that follows it. Option lines in a section never indent deeper than the ones before them,
    so the next header's indentation is always deep enough and never too deep.
    """
    updater, section = _updater_section(text)
    options = _options(section)
    existing = [option for option in options if option.key.lower() == key]
    if existing and _continued_beyond(section, existing[0]):
        return _replace_value(text, section, existing[0], value)
    if existing:
        replaced = _replace_single_line_value(existing[0], value)
        if replaced is None:
            return text  # nothing to change: keep the bytes (and the file's mtime)
        if not replaced:
            # A value over several lines: cut as configparser reads it, keeping the key line's
            # indentation (configupdater's own setter drops it, and an indented header below
            # would then continue the value).
            return _replace_value(text, section, existing[0], value)
    else:
        if options and _continued_beyond(section, options[-1]):
            return _append_line(text, f"{indent}{key} = {value}")
        if options:
            options[-1].add_after.option(key, value)
        else:
            section.insert_at(0).option(key, value)
        if indent:
            added = next(option for option in _options(section) if option.key == key)
            added.key = indent + key
    new = str(updater)
    if not text.endswith("\n") and new.endswith("\n"):
        # The file had no final newline; keep it that way.
        new = new[:-1]
    return new


def _blocks_below(section: UpdaterSection, option: Option) -> tuple[int, list[object]]:
    """The line (in the section's text) where ``option`` starts, and the blocks after it up to
    the next option."""
    from configupdater import Option

    blocks = list(section.iter_blocks())
    index = blocks.index(option)
    start = 1 + sum(len(split_lines(str(block))) for block in blocks[:index])
    below: list[object] = []
    for block in blocks[index + 1 :]:
        if isinstance(block, Option):
            break
        below.append(block)
    return start, below


def _continued_beyond(section: UpdaterSection, option: Option) -> bool:
    """Whether lines below ``option``, which configupdater reads as blank or comment blocks,
    hold more of its value: configparser continues a value with any line indented deeper than
    its key, even after a comment or a blank line."""
    below = "".join(str(block) for block in _blocks_below(section, option)[1])
    return any(line.strip() and not _is_comment(line) for line in below.splitlines())


def _replace_value(text: str, section: UpdaterSection, option: Option, value: str | None) -> str:
    """Replace (or with None, remove) an option whose value continues beyond what configupdater
    sees (`_continued_beyond`): its lines are cut as configparser reads them, up to the last
    line that is neither blank nor a comment before the next option."""
    lines = split_lines(text)
    start, below = _blocks_below(section, option)
    stop = start + len(split_lines(str(option))) + sum(len(split_lines(str(block))) for block in below)
    end = max(i for i in range(start, stop) if lines[i].strip() and not _is_comment(lines[i])) + 1
    new: list[str] = []
    if value is not None:
        match = re.match(OPTION_LINE, lines[start])
        if match is None:
            return text  # not an option line after all: the verification refuses the edit
        prefix = match.group("prefix")
        if not prefix.endswith((" ", "\t")):
            prefix += " "
        new = [f"{prefix}{value}" + ("\n" if lines[end - 1].endswith("\n") else "")]
    result = "".join(lines[:start] + new + lines[end:])
    if not text.endswith("\n") and result.endswith("\n"):
        result = result[:-1]  # the file had no final newline; keep it that way
    return result


def _append_line(text: str, line: str) -> str:
    """``text`` with ``line`` as its last line, keeping a missing final newline missing."""
    if text.endswith("\n"):
        return f"{text}{line}\n"
    return f"{text}\n{line}"


def _unset_in_section(text: str, key: str) -> str:
    """Remove ``key``'s lines as configparser reads them: the key's line and its continuation
    lines, never a comment below it (configupdater counts those as the option's)."""
    _, section = _updater_section(text)
    for option in _options(section):
        if option.key.lower() != key:
            continue
        if _continued_beyond(section, option):
            return _replace_value(text, section, option, None)
        lines = split_lines(text)
        start, _ = _blocks_below(section, option)
        stop = start + len(split_lines(str(option)))
        kept = [line for line in lines[start + 1 : stop] if not line.strip() or _is_comment(line)]
        new = "".join(lines[:start] + kept + lines[stop:])
        if not text.endswith("\n") and new.endswith("\n"):
            new = new[:-1]  # the file had no final newline (set puts it before the line it adds)
        return new
    return text


def _renamed_section(section: str, profile: str) -> str:
    """The config section for ``profile`` that replaces ``section`` in a rename: spelled as the
    AWS CLI writes it, unless ``section`` was spelled otherwise (double quotes, another space
    after 'profile'), which the new one keeps, so that renaming back gives the header back."""
    written = config_section_name(profile)
    if section == "default" or not section.startswith("profile"):
        return written
    name = section[len("profile") :].lstrip(_SHLEX_SPACE)
    space = section[len("profile") : len(section) - len(name)]
    if name.startswith('"') and not any(char in profile for char in '"\\'):
        return f'profile{space}"{profile}"'  # shlex reads every other character as it is
    if space == " ":
        return written
    return f"profile{space}{written.removeprefix('profile ')}"


def _rename_header(text: str, section: str) -> str:
    first, newline, rest = text.partition("\n")
    start, end = first.index("["), first.rindex("]")
    return f"{first[:start]}[{section}]{first[end + 1 :]}{newline}{rest}"


def _leading_comment_of_next(text: str) -> str:
    """The comment lines that end ``text`` with no blank line before the next header."""
    lines = split_lines(text)
    start = len(lines)
    while start > 1 and _is_comment(lines[start - 1]):
        start -= 1
    return "".join(lines[start:])


class Document:
    """One file being edited: its chunks, and the sections the edit intends it to end up with."""

    def __init__(self, ini: IniFile) -> None:
        self.ini = ini
        self.chunks = [Chunk(chunk.section, chunk.text, chunk.line) for chunk in ini.chunks]
        # Edits replace values, never mutate them: a copy of each section's dict is enough.
        self.expected: Sections = {section: dict(values) for section, values in ini.sections.items()}
        self.profile_sections = dict(ini.profile_sections)

    def section_of(self, profile: str) -> str | None:
        return self.profile_sections.get(profile)

    def _chunk(self, section: str) -> Chunk:
        for chunk in self.chunks:
            if chunk.section == section:
                return chunk
        raise KeyError(section)

    def _indent_after(self, chunk: Chunk) -> str:
        """The indentation of the header that follows ``chunk`` ('' when none follows)."""
        index = next(i for i, each in enumerate(self.chunks) if each is chunk)
        if index + 1 == len(self.chunks):
            return ""
        header = self.chunks[index + 1].text
        first = re.search(NON_SPACE, header)
        return header[: first.start()] if first else ""

    def _new_section_name(self, profile: str) -> str:
        return config_section_name(profile) if self.ini.role == "config" else profile

    def set(self, profile: str, key: str, value: str) -> None:
        section = self.section_of(profile)
        if section is None:
            section = self._new_section_name(profile)
            if section == DEFAULTSECT:
                # [profile DEFAULT] in config is a profile; [DEFAULT] in credentials is no profile
                # but configparser's section of values every other section inherits.
                raise Refused(
                    f"profile 'DEFAULT' cannot have a section in {self.ini.path}: [DEFAULT] there holds "
                    "the values every section of that file inherits; rename the profile first "
                    "('profiles rename DEFAULT NAME')"
                )
            self.profile_sections[profile] = section
        self.set_in_section(section, key, value)

    def set_in_section(self, section: str, key: str, value: str) -> None:
        """Set a key of any section (``[sso-session NAME]``...), appending the section if new."""
        if section not in self.expected:
            self._append_section(section)
            self.expected[section] = dict(self.ini.defaults)  # a new section inherits [DEFAULT] too
        chunk = self._chunk(section)
        chunk.text = _set_in_section(chunk.text, key, value, self._indent_after(chunk))
        self.expected[section][key] = value

    def has(self, profile: str, key: str) -> bool:
        section = self.section_of(profile)
        return section is not None and key in self.expected[section]

    def unset(self, profile: str, key: str) -> bool:
        """Remove the section's own line for ``key``; False if it has none (maybe inherited)."""
        section = self.section_of(profile)
        if section is None or key not in self.expected[section]:
            return False
        chunk = self._chunk(section)
        text = _unset_in_section(chunk.text, key)
        if text == chunk.text:
            return False  # the value comes from [DEFAULT]
        chunk.text = text
        if key in self.ini.defaults:
            self.expected[section][key] = self.ini.defaults[key]
        else:
            del self.expected[section][key]
        return True

    def remove(self, profile: str) -> bool:
        section = self.profile_sections.pop(profile, None)
        if section is None:
            return False
        # An ignored twin ([default] beside [profile default], in any spelling) goes too, or
        # it would revive.
        twins = [name for name in self.ini.sections_of(profile) if name != section and name in self.expected]
        for name in [section, *twins]:
            self._remove_section(name)
            del self.expected[name]
        return True

    def rename(self, old: str, new: str) -> None:
        section = self.profile_sections.get(old)
        if section is None:
            return
        if new != old and new in self.profile_sections:
            raise Refused(f"{self.ini.path}: a profile named {new!r} exists already")
        ignored = [name for name in self.ini.sections_of(old) if name != section]
        if ignored:
            # The section botocore ignores today would become the default profile.
            raise Refused(
                f"{self.ini.path} line {self.ini.line_of(ignored[0])}: [{ignored[0]}] would become "
                "the default profile once this one is renamed; merge or remove it first"
            )
        del self.profile_sections[old]
        new_section = _renamed_section(section, new) if self.ini.role == "config" else new
        chunk = self._chunk(section)
        chunk.text = _rename_header(chunk.text, new_section)
        chunk.section = new_section
        self.profile_sections[new] = new_section
        self.expected[new_section] = self.expected.pop(section)

    def _append_section(self, section: str) -> None:
        text = "".join(chunk.text for chunk in self.chunks)
        header = f"[{section}]\n"
        if text and not text.endswith("\n"):
            # Keep the file without a final newline: the newline goes before, not after.
            self.chunks[-1].text += "\n\n"
            header = header[:-1]
        elif text:
            self.chunks[-1].text += "\n"
        self.chunks.append(Chunk(section, header, 0))

    def _remove_section(self, section: str) -> None:
        index = next(i for i, chunk in enumerate(self.chunks) if chunk.section == section)
        removed = self.chunks.pop(index)
        if index < len(self.chunks):
            # Comment lines right above the next header describe that next section: keep them.
            kept = _leading_comment_of_next(removed.text)
            self.chunks[index - 1].text += kept
            following = self.chunks[index]
            last = split_chunks(self.chunks[index - 1].text + following.text)[-1]
            if (last.section, last.text) != (following.section, following.text):
                # An indented header now follows an option indented less: configparser would
                # read it as that option's continuation. A header means the same unindented.
                following.text = following.text.lstrip(" \t")
        if index == len(self.chunks):
            # The last section: also drop the blank line that separated it, so that adding
            # a profile and removing it again gives back the file byte for byte.
            previous = self.chunks[-1]
            if previous.text.endswith("\n\n") or (previous.text == "\n" and len(self.chunks) == 1):
                previous.text = previous.text[:-1]
            if not removed.text.endswith("\n") and previous.text.endswith("\n"):
                previous.text = previous.text[:-1]

    def render(self) -> bytes:
        """The new text, each line ending as it did in the file (see `endings`)."""
        text = "".join(chunk.text for chunk in self.chunks)
        if self.ini.ending == MIXED:
            text = restore(self.ini.raw.decode("utf-8"), text)
        elif self.ini.ending != "\n":
            text = text.replace("\n", self.ini.ending)
        return text.encode("utf-8")

    def reread_by_chunks(self) -> Sections | None:
        """The new text's sections as configparser reads them, re-parsing only changed chunks.

        configparser forgets the current option at every section header (no value continues
        across one), so a section's values depend on its own lines alone, provided every
        header is still read as a header: ``split_chunks`` on the whole new text must find
        exactly the chunks the edit produced. [DEFAULT] (inherited by every section) and a
        repeated header involve the whole file: None then, and the caller parses it all.
        """
        name = str(self.ini.path)
        text = "".join(chunk.text for chunk in self.chunks)
        found = split_chunks(text)
        if [(c.section, c.text) for c in found] != [(c.section, c.text) for c in self.chunks]:
            return None
        headers = [chunk.section for chunk in found if chunk.section is not None]
        if "DEFAULT" in headers or len(set(headers)) != len(headers):
            return None
        profile_sections(self.ini.role, found, name)  # raises on an ambiguity, as parse_file does
        before = {chunk.section: chunk.text for chunk in self.ini.chunks}
        sections: Sections = {}
        for chunk in found:
            if before.get(chunk.section) == chunk.text and chunk.section in self.ini.sections:
                sections[chunk.section] = self.ini.sections[chunk.section]
                continue
            if chunk.section is None and before.get(None) == chunk.text:
                continue
            parsed = parse_sections(chunk.text, name)
            if list(parsed) != ([] if chunk.section is None else [chunk.section]):
                return None
            sections.update(parsed)
        return sections

    def verify(self, data: bytes) -> None:
        """Parse what would be written the botocore way; it must be exactly what was meant."""
        name = str(self.ini.path)
        try:
            sections = self.reread_by_chunks() if data == self.render() else None
            if sections is None:
                sections = parse_file(self.ini.role, self.ini.path, data).sections
        except FileProblem as error:
            raise FileProblem(f"refusing to write {name}: the result would not parse ({error})") from None
        if sections != self.expected:
            changed = sorted(
                str(section)
                for section in set(sections) | set(self.expected)
                if sections.get(section) != self.expected.get(section)
            )
            raise FileProblem(
                f"refusing to write {name}: the edit would change [{'], ['.join(changed)}] "
                "differently than intended; the file was not changed"
            )
