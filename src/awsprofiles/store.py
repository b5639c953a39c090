"""The only code that touches ``~/.aws/config`` and ``~/.aws/credentials``.

Reading mirrors botocore exactly (``configparser.RawConfigParser`` plus botocore's profile
mapping), so what ``profiles`` shows is what the AWS CLI and SDKs use. Editing is done in
place: the file is cut into its sections, and only the sections an edit touches are re-parsed
and rewritten with configupdater; every other byte is kept. Before a file is replaced, the new
text is parsed again the botocore way and compared with what the edit meant to do.

A write is atomic (temporary file in the same folder, fsync, ``os.replace``), keeps the file's
mode and its symlink, and happens under a lock file next to the real file, so concurrent runs
of ``profiles`` never lose an update.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from awsprofiles.errors import FileProblem, Refused
from awsprofiles.model import (
    CREDENTIAL_KEYS,
    Profile,
    Value,
    config_section_name,
    profile_name_of_config_section,
    profiles_process_target,
    retarget_profiles_process,
    sso_session_name_of_config_section,
    sso_session_section_name,
)

if TYPE_CHECKING:
    from configupdater import ConfigUpdater, Option
    from configupdater import Section as UpdaterSection

Role = Literal["config", "credentials"]
Sections = dict[str, dict[str, Value]]

LOCK_TIMEOUT_SECONDS = 30.0
NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700
_SECTION_HEADER = re.compile(r"\[(?P<header>.+)\]")
_NON_SPACE = re.compile(r"\S")
# configparser's default delimiters; an option's key ends at the first of them.
_DELIMITER = re.compile("[=:]")
# configparser's option line: the key ends at the first '=' or ':' (RawConfigParser._OPT_TMPL).
_OPTION_LINE = re.compile(r"(?P<prefix>[^=:]*[=:][ \t]*)(?P<value>.*?)(?P<end>[ \t]*\r?\n?)\Z", re.DOTALL)


@dataclass(frozen=True)
class Paths:
    config: Path
    credentials: Path

    def role_of(self, path: Path) -> Role:
        """Which of the two files ``path`` (one of them) is."""
        return "credentials" if path == self.credentials else "config"


def locate(
    config_file: str | os.PathLike[str] | None = None,
    credentials_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Paths:
    """The two files: explicit options, else botocore's environment variables, else ~/.aws."""
    env = os.environ if environ is None else environ

    def expand(value: str | os.PathLike[str]) -> Path:
        # botocore expands variables first, then ~ (configloader.raw_config_parse).
        return Path(os.path.expanduser(os.path.expandvars(os.fspath(value))))

    config = config_file or env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = credentials_file or env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Paths(config=expand(config), credentials=expand(credentials))


# --------------------------------------------------------------------------- parsing


@dataclass
class Chunk:
    """A run of lines: the preamble before the first header, or one section with its body."""

    section: str | None
    text: str
    line: int  # 1-based line number of the first line, in the file as read


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split only where configparser splits (not at \\x0b etc.)."""
    lines = text.split("\n")
    last = lines.pop()
    result = [line + "\n" for line in lines]
    if last:
        result.append(last)
    return result


#: What configparser reads a line as (see RawConfigParser._read).
BLANK, COMMENT, HEADER, OPTION, CONTINUATION = "blank", "comment", "header", "option", "continuation"


def scan_lines(text: str) -> Iterator[tuple[str, str, str | None]]:
    """Each line of ``text`` (with its ending), what configparser reads it as, and for a header
    the section's name: a continuation line is an indented line below an option, which
    configparser adds to that option's value."""
    indent_level = 0
    in_option = False
    for line in split_lines(text):
        value = line.strip()
        if not value:
            yield line, BLANK, None
            continue
        if value.startswith(("#", ";")):
            yield line, COMMENT, None
            continue
        first = _NON_SPACE.search(line)
        indent = first.start() if first else 0
        if in_option and indent > indent_level:
            yield line, CONTINUATION, None
            continue
        indent_level = indent
        header = _SECTION_HEADER.match(value)
        in_option = header is None
        yield (line, OPTION, None) if header is None else (line, HEADER, header.group("header"))


def split_chunks(text: str) -> list[Chunk]:
    """Cut text into sections exactly where configparser starts one."""
    chunks = [Chunk(None, "", 1)]
    current: list[str] = []
    for number, (line, kind, section) in enumerate(scan_lines(text), start=1):
        if kind is HEADER:
            chunks[-1].text = "".join(current)
            chunks.append(Chunk(section, "", number))
            current = [line]
        else:
            current.append(line)
    chunks[-1].text = "".join(current)
    return chunks


def parse_plain(text: str) -> tuple[Sections, list[Chunk]] | None:
    """`parse_sections` and `split_chunks` of a plain file in one pass; None for any other file.

    A plain file has section headers, one-line ``key = value`` (or ``key: value``) options and
    comment or blank lines, none of them indented; no [DEFAULT], no repeated section or key.
    Generated configs of thousands of profiles look like this, and for them this is several
    times faster than configparser. On such lines RawConfigParser._read does exactly this: a
    comment or blank line is skipped (a blank line inside a value is cut off again by the final
    rstrip); a line is a header when SECTCRE matches it stripped; otherwise the key is what comes
    before the first delimiter, right-stripped and lower-cased, and the value what comes after
    it, stripped. Anything else (continuation lines, nested values, errors) goes the slow,
    general way, which is also the one that describes errors.
    """
    sections: Sections = {}
    chunks = [Chunk(None, "", 1)]
    current: list[str] = []
    section: dict[str, Value] | None = None
    for number, line in enumerate(split_lines(text), start=1):
        value = line.strip()
        if not value or value[0] in "#;":
            current.append(line)
            continue
        if line[0].isspace():
            return None  # indentation: a continuation line, or configparser's indent rules
        if value[0] == "[":
            header = _SECTION_HEADER.match(value)
            if header is not None:
                name = header.group("header")
                if name in sections or name == "DEFAULT":
                    return None
                chunks[-1].text = "".join(current)
                chunks.append(Chunk(name, "", number))
                current = [line]
                sections[name] = section = {}
                continue
        if section is None:
            return None
        delimiter = _DELIMITER.search(value)
        if delimiter is None or delimiter.start() == 0:
            return None
        key = value[: delimiter.start()].rstrip().lower()
        if key in section:
            return None
        section[key] = value[delimiter.end() :].strip()
        current.append(line)
    chunks[-1].text = "".join(current)
    return sections, chunks


def _parse_nested(value: str) -> dict[str, str]:
    # botocore.configloader._parse_nested, which raises ValueError on a line without '='.
    nested: dict[str, str] = {}
    for line in value.splitlines():
        line = line.strip()
        if line:
            key, nested_value = line.split("=", 1)
            nested[key.strip()] = nested_value.strip()
    return nested


def _describe_parse_error(error: configparser.Error, name: str) -> str:
    # configparser's own messages quote the offending line, which may hold a secret.
    if isinstance(error, configparser.DuplicateSectionError):
        return f"{name} line {error.lineno}: section [{error.section}] appears twice"
    if isinstance(error, configparser.DuplicateOptionError):
        return (
            f"{name} line {error.lineno}: key {error.option!r} appears twice in "
            f"[{error.section}] (keys are case-insensitive)"
        )
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"{name} line {error.lineno}: a setting comes before any [section] header"
    if isinstance(error, configparser.ParsingError):
        lines = ", ".join(str(lineno) for lineno, _ in error.errors)
        return f"{name} line {lines}: not a 'key = value' line, a comment or a [section] header"
    return f"{name}: cannot be parsed ({type(error).__name__})"


def parse_sections(text: str, name: str) -> Sections:
    """Sections and values exactly as botocore.configloader.raw_config_parse returns them."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None), source=name)
    except configparser.Error as error:
        raise FileProblem(
            _describe_parse_error(error, name) + "; botocore cannot read it either, fix it first"
        ) from None
    sections: Sections = {}
    defaults = parser.defaults()
    # The parsed sections themselves: what parser.get() returns for every option (no
    # interpolation in a RawConfigParser), merged with [DEFAULT] as parser.options() does,
    # without a ChainMap lookup per value (a 10,000-profile file has 50,000 values).
    parsed: dict[str, dict[str, str]] = vars(parser)["_sections"]
    for section in parser.sections():
        values: dict[str, Value] = {}
        for option, raw in {**defaults, **parsed[section]}.items():
            if raw.startswith("\n"):
                try:
                    values[option] = _parse_nested(raw)
                except ValueError:
                    raise FileProblem(
                        f"{name}: the nested value of {option!r} in [{section}] has a line "
                        "without '='; botocore cannot read it either, fix it first"
                    ) from None
            else:
                values[option] = raw
        sections[section] = values
    return sections


@dataclass
class IniFile:
    """One of the two files as read: its bytes, its sections and the profiles botocore sees."""

    role: Role
    path: Path
    exists: bool = False
    raw: bytes = b""
    crlf: bool = False
    chunks: list[Chunk] = field(default_factory=lambda: [Chunk(None, "", 1)])
    sections: Sections = field(default_factory=dict)
    #: profile name -> the section botocore reads it from
    profile_sections: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self.chunks)

    @property
    def profiles(self) -> dict[str, dict[str, Value]]:
        return {name: self.sections[section] for name, section in self.profile_sections.items()}

    def values_of(self, profile: str) -> dict[str, Value]:
        """The values this file gives ``profile`` (empty when it has no section for it)."""
        section = self.profile_sections.get(profile)
        return self.sections[section] if section is not None else {}

    def line_of(self, section: str) -> int:
        for chunk in self.chunks:
            if chunk.section == section:
                return chunk.line
        return 0


def profile_sections(role: Role, chunks: list[Chunk], name: str) -> tuple[dict[str, str], list[str]]:
    """Map each profile to its section; refuse sections botocore would read ambiguously."""
    headers = [chunk for chunk in chunks if chunk.section is not None]
    if role == "credentials":
        return {chunk.section: chunk.section for chunk in headers if chunk.section}, []
    found: dict[str, list[Chunk]] = {}
    for chunk in headers:
        assert chunk.section is not None
        profile = profile_name_of_config_section(chunk.section)
        if profile is None:
            if chunk.section.startswith("profile"):
                raise FileProblem(
                    f"{name} line {chunk.line}: botocore ignores the section header "
                    f"[{chunk.section}]; write it as [profile NAME]"
                )
            continue
        found.setdefault(profile, []).append(chunk)
    mapping: dict[str, str] = {}
    warnings: list[str] = []
    for profile, same in found.items():
        last = same[-1].section
        assert last is not None
        if len(same) > 1:
            lines = " and ".join(f"line {chunk.line} [{chunk.section}]" for chunk in same)
            if profile == "default" and len(same) == 2:
                # botocore lets the later section replace the earlier one: that is the
                # one every edit goes to (never a third section).
                warnings.append(
                    f"{name}: {lines} both define the default profile; botocore uses only "
                    f"line {same[-1].line}"
                )
            else:
                raise FileProblem(
                    f"{name}: {lines} all define profile {profile!r}; botocore keeps only the "
                    "last one. Merge them into one section"
                )
        mapping[profile] = last
    return mapping, warnings


def parse_file(role: Role, path: Path, raw: bytes, exists: bool = True) -> IniFile:
    """Parse bytes read from ``path`` as botocore would, keeping what an edit needs."""
    name = str(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise FileProblem(
            f"{name} starts with a UTF-8 byte order mark, which botocore cannot read; "
            "save it as UTF-8 without BOM"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileProblem(f"{name} line {line}: bytes that are not UTF-8; save the file as UTF-8") from None
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n")
    if "\r" in text.replace("\r\n", ""):
        line = text[: text.replace("\r\n", "\n\n").index("\r")].count("\n") + 1
        raise FileProblem(
            f"{name} line {line}: a carriage return without a line feed, which botocore reads "
            "as a line break; convert the file to LF or CRLF line endings"
        )
    plain = parse_plain(text)
    if plain is not None:
        sections, chunks = plain
    else:
        sections = parse_sections(text, name)
        chunks = split_chunks(text)
        scanned = [chunk.section for chunk in chunks if chunk.section is not None]
        if scanned != list(sections) and [s for s in scanned if s != "DEFAULT"] != list(sections):
            raise FileProblem(f"{name}: its sections cannot be told apart safely; refusing to edit")
    mapping, warnings = profile_sections(role, chunks, name)
    return IniFile(role, path, exists, raw, crlf, chunks, sections, mapping, warnings)


def read_file(role: Role, path: Path) -> IniFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return IniFile(role, path)
    except IsADirectoryError:
        raise FileProblem(f"{path} is a directory, not a {role} file") from None
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror}") from None
    return parse_file(role, path, raw)


@dataclass
class Snapshot:
    """Both files as read at one moment, and the profiles they define together."""

    config: IniFile
    credentials: IniFile
    #: Profiles already merged by `profile`: the files of a snapshot never change.
    _merged: dict[str, Profile | None] = field(default_factory=dict, repr=False, compare=False)

    def files(self) -> tuple[IniFile, IniFile]:
        return self.config, self.credentials

    @property
    def warnings(self) -> list[str]:
        return self.config.warnings + self.credentials.warnings

    def names(self) -> list[str]:
        """Every profile, config-file order first, as botocore.session lists them."""
        names = dict.fromkeys(self.config.profile_sections)
        names.update(dict.fromkeys(self.credentials.profile_sections))
        return list(names)

    def profile(self, name: str) -> Profile | None:
        if name not in self._merged:
            self._merged[name] = self._merge(name)
        return self._merged[name]

    def _merge(self, name: str) -> Profile | None:
        # botocore.session.Session.full_config: credentials-file values override config's.
        if name not in self.config.profile_sections and name not in self.credentials.profile_sections:
            return None
        values: dict[str, Value] = {}
        origins: dict[str, str] = {}
        for ini in self.files():
            section = ini.profile_sections.get(name)
            for key, value in ini.sections[section].items() if section is not None else ():
                values[key] = value
                origins[key] = ini.role
        return Profile(name, values, origins)

    def profiles(self) -> list[Profile]:
        result = []
        for name in self.names():
            profile = self.profile(name)
            assert profile is not None
            result.append(profile)
        return result

    def sso_sessions(self) -> dict[str, dict[str, Value]]:
        """The config file's ``[sso-session NAME]`` sections by name (a later one wins, as in botocore)."""
        sessions: dict[str, dict[str, Value]] = {}
        for section, values in self.config.sections.items():
            name = sso_session_name_of_config_section(section)
            if name is not None:
                sessions[name] = values
        return sessions

    def referrers(self, name: str) -> list[str]:
        """Profiles whose source_profile names ``name``."""
        return [p.name for p in self.profiles() if p.get("source_profile") == name and p.name != name]

    def process_referrers(self, name: str) -> list[str]:
        """Profiles whose credential_process runs ``profiles credential-process name``."""
        return [
            p.name
            for p in self.profiles()
            if p.name != name and profiles_process_target(p.get("credential_process") or "") == name
        ]


def load(paths: Paths) -> Snapshot:
    return Snapshot(read_file("config", paths.config), read_file("credentials", paths.credentials))


# --------------------------------------------------------------------------- editing


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
    match = _OPTION_LINE.match(lines[0])
    if match is None:
        return False
    if match.group("value") == value:
        return None
    prefix = match.group("prefix")
    if not match.group("value") and not prefix.endswith((" ", "\t")):
        prefix += " "
    lines[0] = f"{prefix}{value}{match.group('end')}"
    return True


def _set_in_section(text: str, key: str, value: str) -> str:
    updater, section = _updater_section(text)
    options = _options(section)
    existing = [option for option in options if option.key.lower() == key]
    if existing:
        replaced = _replace_single_line_value(existing[0], value)
        if replaced is None:
            return text  # nothing to change: keep the bytes (and the file's mtime)
        if not replaced:
            existing[0].value = value
    elif options:
        options[-1].add_after.option(key, value)
    else:
        section.insert_at(0).option(key, value)
    new = str(updater)
    if not text.endswith("\n") and new.endswith("\n"):
        # The file had no final newline; keep it that way.
        new = new[:-1]
    return new


def _unset_in_section(text: str, key: str) -> str:
    updater, section = _updater_section(text)
    for option in _options(section):
        if option.key.lower() == key:
            option.detach()
    new = str(updater)
    if text.endswith("\n") and not new.endswith("\n") and new:
        new += "\n"
    return new


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

    def _new_section_name(self, profile: str) -> str:
        return config_section_name(profile) if self.ini.role == "config" else profile

    def set(self, profile: str, key: str, value: str) -> None:
        section = self.section_of(profile)
        if section is None:
            section = self._new_section_name(profile)
            self.profile_sections[profile] = section
        self.set_in_section(section, key, value)

    def set_in_section(self, section: str, key: str, value: str) -> None:
        """Set a key of any section (``[sso-session NAME]``...), appending the section if new."""
        if section not in self.expected:
            self._append_section(section)
            self.expected[section] = {}
        chunk = self._chunk(section)
        chunk.text = _set_in_section(chunk.text, key, value)
        self.expected[section][key] = value

    def has(self, profile: str, key: str) -> bool:
        section = self.section_of(profile)
        return section is not None and key in self.expected[section]

    def unset(self, profile: str, key: str) -> bool:
        section = self.section_of(profile)
        if section is None or key not in self.expected[section]:
            return False
        chunk = self._chunk(section)
        chunk.text = _unset_in_section(chunk.text, key)
        del self.expected[section][key]
        return True

    def remove(self, profile: str) -> bool:
        section = self.profile_sections.pop(profile, None)
        if section is None:
            return False
        # An ignored twin ([default] beside [profile default]) goes too, or it would revive.
        doomed = [section]
        if profile == "default":
            doomed = [s for s in ("default", "profile default") if s in self.expected]
        for name in doomed:
            self._remove_section(name)
            del self.expected[name]
        return True

    def rename(self, old: str, new: str) -> None:
        section = self.profile_sections.get(old)
        if section is None:
            return
        ignored = [s for s in ("default", "profile default") if s in self.expected and s != section]
        if old == "default" and ignored:
            # The section botocore ignores today would become the default profile.
            raise Refused(
                f"{self.ini.path} line {self.ini.line_of(ignored[0])}: [{ignored[0]}] would become "
                "the default profile once this one is renamed; merge or remove it first"
            )
        del self.profile_sections[old]
        new_section = self._new_section_name(new)
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
        if index == len(self.chunks):
            # The last section: also drop the blank line that separated it, so that adding
            # a profile and removing it again gives back the file byte for byte.
            previous = self.chunks[-1]
            if previous.text.endswith("\n\n") or (previous.text == "\n" and len(self.chunks) == 1):
                previous.text = previous.text[:-1]
            if not removed.text.endswith("\n") and previous.text.endswith("\n"):
                previous.text = previous.text[:-1]

    def render(self) -> bytes:
        text = "".join(chunk.text for chunk in self.chunks)
        if self.ini.crlf:
            text = text.replace("\n", "\r\n")
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
        if "\r" in text:
            return None
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


class Transaction:
    """An edit of both files under their locks; written only if verified, else not at all."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.config = Document(snapshot.config)
        self.credentials = Document(snapshot.credentials)

    def documents(self) -> tuple[Document, Document]:
        return self.config, self.credentials

    def exists(self, profile: str) -> bool:
        return any(doc.section_of(profile) is not None for doc in self.documents())

    def set(self, profile: str, key: str, value: str) -> None:
        """Set a key where botocore will read it: secrets in credentials, the rest in config."""
        key = key.lower()
        if key in CREDENTIAL_KEYS:
            self.credentials.set(profile, key, value)
            self.config.unset(profile, key)  # a stale copy in config would confuse readers
        elif self.credentials.has(profile, key):
            self.credentials.set(profile, key, value)  # credentials values win in botocore
        else:
            self.config.set(profile, key, value)

    def unset(self, profile: str, key: str) -> bool:
        key = key.lower()
        removed = [doc.unset(profile, key) for doc in self.documents()]
        return any(removed)

    def sso_session_section(self, name: str) -> str:
        """The config section of sso-session ``name``: the one botocore reads, else a new header."""
        found = [s for s in self.config.expected if sso_session_name_of_config_section(s) == name]
        return found[-1] if found else sso_session_section_name(name)

    def set_sso_session(self, name: str, key: str, value: str) -> None:
        """Set a key of ``[sso-session NAME]`` in the config file (created when missing)."""
        self.config.set_in_section(self.sso_session_section(name), key.lower(), value)

    def remove(self, profile: str) -> bool:
        removed = [doc.remove(profile) for doc in self.documents()]
        return any(removed)

    def drop_empty_credentials(self, profile: str) -> bool:
        """Remove the profile's credentials-file section if it holds no key and no comment.

        After its keys moved elsewhere (the keyring), a bare ``[NAME]`` header would be noise,
        and removing it gives back the bytes the file had before the keys were added.
        """
        doc = self.credentials
        section = doc.section_of(profile)
        if section is None or doc.expected[section]:
            return False
        lines = split_lines(doc._chunk(section).text)[1:]
        if any(line.strip() for line in lines):
            return False
        return doc.remove(profile)

    def rename(self, old: str, new: str) -> None:
        if self.exists(new):
            raise Refused(f"profile {new!r} already exists")
        for doc in self.documents():
            doc.rename(old, new)
            for profile, section in list(doc.profile_sections.items()):
                values = doc.expected[section]
                if values.get("source_profile") == old:
                    doc.set(profile, "source_profile", new)
                process = values.get("credential_process")
                if isinstance(process, str) and profiles_process_target(process) == old:
                    doc.set(profile, "credential_process", retarget_profiles_process(process, new))

    def changed_files(self) -> list[tuple[Document, bytes]]:
        result = []
        for doc in self.documents():
            data = doc.render()
            if data != doc.ini.raw:
                doc.verify(data)
                result.append((doc, data))
        return result


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace the file ``path`` points to with ``data``, all or nothing.

    A symlinked file is written through: its target is replaced and the link stays a link.
    ``mode``: the new file's mode (for files that hold secrets), instead of the old file's.
    """
    import tempfile  # only writers need it

    real = Path(os.path.realpath(path))
    mode = _file_mode(real) if mode is None else mode
    try:
        stat = real.stat()
        owner: tuple[int, int] | None = (stat.st_uid, stat.st_gid)
    except FileNotFoundError:
        owner = None
    real.parent.mkdir(mode=NEW_DIR_MODE, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), mode)
            if owner is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                os.fchown(stream.fileno(), *owner)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(real.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    from filelock import FileLock, Timeout

    reals = []
    for path in (paths.config, paths.credentials):
        real = Path(os.path.realpath(path))
        if real not in reals:
            reals.append(real)
    with contextlib.ExitStack() as stack:
        for real in reals:
            try:
                real.parent.mkdir(mode=NEW_DIR_MODE, parents=True, exist_ok=True)
                lock = FileLock(f"{real}.lock", mode=0o600, timeout=LOCK_TIMEOUT_SECONDS)
                stack.enter_context(lock)
            except Timeout:
                raise FileProblem(
                    f"another process has held {real}.lock for {LOCK_TIMEOUT_SECONDS:.0f} s; "
                    "try again, or remove the lock file if no profiles command is running"
                ) from None
            except OSError as error:
                raise FileProblem(f"cannot lock {real}: {error.strerror}") from None
        yield


def _refuse_read_only(changes: list[tuple[Document, bytes]]) -> None:
    # Replacing a file only needs a writable folder; a file its owner made read-only
    # (even for root, who may write anything) is a "do not edit" we respect.
    for doc, _ in changes:
        if doc.ini.exists and not _file_mode(Path(os.path.realpath(doc.ini.path))) & 0o222:
            raise FileProblem(
                f"{doc.ini.path} is read-only; make it writable (chmod u+w) to let profiles edit it"
            )


def _write_all(changes: list[tuple[Document, bytes]]) -> None:
    _refuse_read_only(changes)
    written: list[Document] = []
    try:
        for doc, data in changes:
            atomic_write(doc.ini.path, data)
            written.append(doc)
    except OSError as error:
        # Put back what was already replaced, so that both files stay as they were.
        for doc in written:
            with contextlib.suppress(OSError):
                if doc.ini.exists:
                    atomic_write(doc.ini.path, doc.ini.raw)
                else:
                    os.unlink(os.path.realpath(doc.ini.path))
        failed = changes[len(written)][0].ini.path
        raise FileProblem(f"cannot write {failed}: {error.strerror}; no file was changed") from None


@contextlib.contextmanager
def transaction(paths: Paths) -> Iterator[Transaction]:
    """Lock both files, read them, let the caller edit, then verify and write what changed."""
    if os.path.realpath(paths.config) == os.path.realpath(paths.credentials):
        # Each side would be written from its own view of the file, the second undoing the first.
        raise FileProblem(
            f"the config file and the credentials file are the same file ({paths.config}); "
            "point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at two different files"
        )
    with _locked(paths):
        tx = Transaction(load(paths))
        yield tx
        _write_all(tx.changed_files())


if TYPE_CHECKING:
    from collections.abc import Callable


def preview(paths: Paths, edit: Callable[[Transaction], None]) -> list[tuple[Path, bytes, bytes]]:
    """What ``edit`` would write, without writing: (path, bytes now, bytes after) per changed file.

    The new bytes are verified exactly as a real transaction would verify them, so a preview
    that succeeds is one the same edit in ``transaction`` writes.
    """
    tx = Transaction(load(paths))
    edit(tx)
    return [(doc.ini.path, doc.ini.raw, data) for doc, data in tx.changed_files()]
