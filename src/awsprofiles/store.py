"""The only code that touches ``~/.aws/config`` and ``~/.aws/credentials``.

Reading mirrors botocore exactly (``configparser.RawConfigParser`` plus botocore's profile
mapping), so what ``profiles`` shows is what the AWS CLI and SDKs use. Editing is done in
place: the file is cut into its sections, and only the sections an edit touches are re-parsed
and rewritten with configupdater; every other byte is kept. Before a file is replaced, the new
text is parsed again the botocore way and compared with what the edit meant to do.

A write is atomic (temporary file in the same folder, fsync, ``os.replace``), keeps the file's
mode and its symlink, and happens under a lock file next to the real file, so concurrent runs
of ``profiles`` never lose an update. An edit of both files is journaled first, so that a run
killed between the two replacements is undone by the next run (see "the journal" below); a
file another program wrote since it was read is read again and the edit applied again
(``edit_files``). Reads are bounded: FIFOs and devices read as absent, as botocore reads them,
and files over MAX_FILE_SIZE are refused.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
import io
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

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
#: Larger files are refused (exit 4) before they are read: a config file is a few KiB.
MAX_FILE_SIZE = 32 * 1024 * 1024
#: How often an edit is re-read and re-applied when another program writes the file meanwhile.
EDIT_ATTEMPTS = 3
#: Temporary files of ours older than this are leftovers of a killed run, removed under the lock.
STALE_TEMPORARY_SECONDS = 300
# A write that lands within this long of our read can leave size and mtime as they were
# (file systems keep coarse timestamps): then the bytes are compared too.
_TIMESTAMP_GRANULARITY_NS = 2_000_000_000
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
    return parse_ini(text, name)[0]


def _value(raw: str, option: str, section: str, name: str) -> Value:
    if not raw.startswith("\n"):
        return raw
    try:
        return _parse_nested(raw)
    except ValueError:
        raise FileProblem(
            f"{name}: the nested value of {option!r} in [{section}] has a line "
            "without '='; botocore cannot read it either, fix it first"
        ) from None


def parse_ini(text: str, name: str) -> tuple[Sections, dict[str, Value]]:
    """The sections as botocore reads them, and [DEFAULT]'s own values (which each section holds)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None), source=name)
    except configparser.Error as error:
        raise FileProblem(
            _describe_parse_error(error, name) + "; botocore cannot read it either, fix it first"
        ) from None
    sections: Sections = {}
    defaults = {option: _value(raw, option, "DEFAULT", name) for option, raw in parser.defaults().items()}
    # The parsed sections themselves: what parser.get() returns for every option (no
    # interpolation in a RawConfigParser), merged with [DEFAULT] as parser.options() does,
    # without a ChainMap lookup per value (a 10,000-profile file has 50,000 values).
    parsed: dict[str, dict[str, str]] = vars(parser)["_sections"]
    for section in parser.sections():
        values: dict[str, Value] = dict(defaults)
        for option, raw in parsed[section].items():
            values[option] = _value(raw, option, section, name)
        sections[section] = values
    return sections, defaults


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
    #: [DEFAULT]'s own values: configparser (and so botocore) gives them to every section
    defaults: dict[str, Value] = field(default_factory=dict)
    #: the version of the file that was read (None: there was none), and when it was read
    identity: FileId | None = None
    read_at: int = 0
    #: what the path is when it is not a regular file (a FIFO, a device): read as absent
    special: str | None = None

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

    def sections_of(self, profile: str) -> list[str]:
        """Every section botocore maps to ``profile``, the ignored twin of [default] included."""
        if self.role == "credentials":
            return [profile] if profile in self.sections else []
        return [
            chunk.section
            for chunk in self.chunks
            if chunk.section is not None and profile_name_of_config_section(chunk.section) == profile
        ]


def profile_sections(role: Role, chunks: list[Chunk], name: str) -> tuple[dict[str, str], list[str]]:
    """Map each profile to its section; refuse sections botocore would read ambiguously."""
    headers = [chunk for chunk in chunks if chunk.section is not None]
    if role == "credentials":
        # [DEFAULT] is no profile: configparser gives its values to every other section.
        return {c.section: c.section for c in headers if c.section and c.section != "DEFAULT"}, []
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
    defaults: dict[str, Value] = {}  # a plain file has no [DEFAULT]
    if plain is not None:
        sections, chunks = plain
    else:
        sections, defaults = parse_ini(text, name)
        chunks = split_chunks(text)
        scanned = [chunk.section for chunk in chunks if chunk.section is not None]
        if scanned != list(sections) and [s for s in scanned if s != "DEFAULT"] != list(sections):
            raise FileProblem(f"{name}: its sections cannot be told apart safely; refusing to edit")
    mapping, warnings = profile_sections(role, chunks, name)
    return IniFile(role, path, exists, raw, crlf, chunks, sections, mapping, warnings, defaults)


@dataclass(frozen=True)
class FileId:
    """What tells one version of a file from another without reading it again."""

    device: int
    inode: int
    kind: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileId:
        kind = stat.S_IFMT(status.st_mode)
        return cls(status.st_dev, status.st_ino, kind, status.st_size, status.st_mtime_ns)


_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _too_large(path: Path, limit: int) -> FileProblem:
    return FileProblem(
        f"{path} is larger than {limit // (1024 * 1024)} MiB; profiles does not read files that "
        "large (a config or credentials file is a few KiB): check what the path points at"
    )


def read_bounded(
    path: Path, limit: int = MAX_FILE_SIZE, what: str = "file"
) -> tuple[bytes, os.stat_result] | None:
    """The bytes of ``path`` (at most ``limit``) and what it is; None when it does not exist.

    Never blocks and never reads without end: a FIFO or a device is opened without waiting for
    a writer and not read at all (its bytes are b""); a file larger than ``limit`` is refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise FileProblem(f"{path} is a directory, not a {what}") from None
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror}") from None
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise FileProblem(f"{path} is a directory, not a {what}")
        if not stat.S_ISREG(status.st_mode):
            return b"", status
        if status.st_size > limit:
            raise _too_large(path, limit)
        parts: list[bytes] = []
        total = 0
        while part := os.read(fd, min(1 << 20, limit + 1 - total)):
            parts.append(part)
            total += len(part)
            if total > limit:  # it grew while being read
                raise _too_large(path, limit)
        return b"".join(parts), status
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror}") from None
    finally:
        os.close(fd)


def read_file(role: Role, path: Path) -> IniFile:
    read_at = time.time_ns()
    found = read_bounded(path, what=f"{role} file")
    if found is None:
        return IniFile(role, path, read_at=read_at)
    raw, status = found
    if not stat.S_ISREG(status.st_mode):
        # botocore treats what is not a regular file as absent (os.path.isfile); so do we, and
        # never replace it. /dev/null is the usual way to say "no file": no warning for it.
        kind = _KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        warnings = (
            []
            if os.path.realpath(path) == os.devnull
            else [f"{path} is {kind}, not a regular file: botocore ignores it, and so does profiles"]
        )
        return IniFile(
            role, path, warnings=warnings, identity=FileId.of(status), read_at=read_at, special=kind
        )
    ini = parse_file(role, path, raw)
    ini.identity = FileId.of(status)
    ini.read_at = read_at
    return ini


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
    """Both files as they are now; first, a journal left by an interrupted edit is settled."""
    journal = journal_path(paths)
    if os.path.lexists(journal):
        with _locked(paths):
            _recover(paths)
    snapshot = _read_both(paths)
    if os.path.lexists(journal):
        # An edit of both files was under way while we read (readers take no lock): wait for
        # it under the lock, then read the two files again, both from after it.
        with _locked(paths):
            _recover(paths)
            snapshot = _read_both(paths)
    return snapshot


def _read_both(paths: Paths) -> Snapshot:
    return Snapshot(read_file("config", paths.config), read_file("credentials", paths.credentials))


def profile_names(paths: Paths) -> list[str]:
    """The profiles' names as botocore maps the section headers, config file first: no value is
    parsed. For shell completion, which must be fast and quiet: a file that cannot be read gives
    no names (every command that uses a profile reads both files fully and says what is wrong)."""
    return _section_names(
        [(paths.config, profile_name_of_config_section), (paths.credentials, lambda section: section)]
    )


def sso_session_names(paths: Paths) -> list[str]:
    """The config file's ``[sso-session NAME]`` names, read as `profile_names` reads profiles."""
    return _section_names([(paths.config, sso_session_name_of_config_section)])


def _section_names(files: list[tuple[Path, Callable[[str], str | None]]]) -> list[str]:
    names: dict[str, None] = {}
    for path, name_of in files:
        try:
            # Bounded, and a FIFO or a device is never read: a Tab must not hang.
            found = read_bounded(path)
            text = found[0].decode("utf-8") if found is not None else ""
        except (FileProblem, UnicodeDecodeError):
            continue
        for chunk in split_chunks(text.replace("\r\n", "\n")):
            # [DEFAULT] is configparser's section of defaults, never a profile.
            if chunk.section is None or chunk.section == configparser.DEFAULTSECT:
                continue
            name = name_of(chunk.section)
            if name is not None:
                names.setdefault(name)
    return list(names)


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
            existing[0].value = value
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
        match = _OPTION_LINE.match(lines[start])
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
    updater, section = _updater_section(text)
    options = _options(section)
    for option in options:
        if option.key.lower() == key and _continued_beyond(section, option):
            return _replace_value(text, section, option, None)
    for option in options:
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

    def _indent_after(self, chunk: Chunk) -> str:
        """The indentation of the header that follows ``chunk`` ('' when none follows)."""
        index = next(i for i, each in enumerate(self.chunks) if each is chunk)
        if index + 1 == len(self.chunks):
            return ""
        header = self.chunks[index + 1].text
        first = _NON_SPACE.search(header)
        return header[: first.start()] if first else ""

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
        ignored = [name for name in self.ini.sections_of(old) if name != section]
        if ignored:
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
            following = self.chunks[index]
            joined = split_chunks(self.chunks[index - 1].text + following.text)
            if [chunk.section for chunk in joined][-1] != following.section:
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
    """An edit of both files under their locks; written only if verified, else not at all.

    Besides each file's sections, the transaction knows what botocore must read for every
    profile it touches once the edit is written: the profile as it was, with exactly the keys
    set, unset, removed or renamed. [DEFAULT] can defeat that (its values reach every section
    of its file, a new one included); such an edit is refused rather than reported as done.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.config = Document(snapshot.config)
        self.credentials = Document(snapshot.credentials)
        #: profile -> the values botocore must read for it after the edit (None: no profile)
        self._intended: dict[str, dict[str, Value] | None] = {}
        #: profile -> keys unset: botocore must not read them, not even from [DEFAULT]
        self._unset: dict[str, set[str]] = {}

    def documents(self) -> tuple[Document, Document]:
        return self.config, self.credentials

    def exists(self, profile: str) -> bool:
        return any(doc.section_of(profile) is not None for doc in self.documents())

    def _intent(self, profile: str) -> dict[str, Value]:
        if profile not in self._intended:
            current = self.snapshot.profile(profile)
            self._intended[profile] = dict(current.values) if current is not None else None
        values = self._intended[profile]
        if values is None:
            values = self._intended[profile] = {}
        return values

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
        self._intent(profile)[key] = value
        self._unset.get(profile, set()).discard(key)

    def unset(self, profile: str, key: str) -> bool:
        """Remove ``key`` from the profile; False if no section of it held its own line."""
        key = key.lower()
        removed = [doc.unset(profile, key) for doc in self.documents()]
        self._unset.setdefault(profile, set()).add(key)
        if self._intended.get(profile) is not None or self.snapshot.profile(profile) is not None:
            self._intent(profile).pop(key, None)
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
        self._intended[profile] = None
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
            inherited = doc.ini.defaults
            process = inherited.get("credential_process")
            if inherited.get("source_profile") == old or (
                isinstance(process, str) and profiles_process_target(process) == old
            ):
                raise Refused(
                    f"{doc.ini.path} line {doc.ini.line_of('DEFAULT')}: [DEFAULT] names profile {old!r} "
                    "(source_profile or credential_process), and every section of that file inherits "
                    "it; change it there first"
                )
        referrers = self.snapshot.referrers(old)
        runners = self.snapshot.process_referrers(old)
        renamed = dict(self._intent(old))
        if renamed.get("source_profile") == old:
            renamed["source_profile"] = new
        process = renamed.get("credential_process")
        if isinstance(process, str) and profiles_process_target(process) == old:
            renamed["credential_process"] = retarget_profiles_process(process, new)
        for doc in self.documents():
            doc.rename(old, new)
            for profile, section in list(doc.profile_sections.items()):
                values = doc.expected[section]
                if values.get("source_profile") == old:
                    doc.set(profile, "source_profile", new)
                process = values.get("credential_process")
                if isinstance(process, str) and profiles_process_target(process) == old:
                    doc.set(profile, "credential_process", retarget_profiles_process(process, new))
        self._intended[old] = None
        self._intended[new] = renamed
        for name in referrers:
            if name != old:
                self._intent(name)["source_profile"] = new
        for name in runners:
            intent = self._intent(name)
            process = intent.get("credential_process")
            if isinstance(process, str):
                intent["credential_process"] = retarget_profiles_process(process, new)

    def view(self, profile: str) -> dict[str, Value] | None:
        """What botocore would read for ``profile`` after the edit (credentials' values win)."""
        sections = [
            doc.expected[section]
            for doc in self.documents()
            if (section := doc.section_of(profile)) is not None
        ]
        if not sections:
            return None
        values: dict[str, Value] = {}
        for found in sections:
            values.update(found)
        return values

    def _check_intended(self) -> None:
        for profile, wanted in self._intended.items():
            actual = self.view(profile)
            if wanted is None or actual is None:
                if wanted != actual:
                    raise FileProblem(
                        f"refusing to write: profile {profile!r} would not read as this edit means; "
                        "no file was changed"
                    )
                continue
            if self.snapshot.profile(profile) is None:
                # A new profile inherits [DEFAULT]'s values: that is what [DEFAULT] is for.
                meant = set(wanted) | self._unset.get(profile, set())
                actual = {key: value for key, value in actual.items() if key in meant}
            differing = sorted(key for key in set(wanted) | set(actual) if wanted.get(key) != actual.get(key))
            if not differing:
                continue
            for doc in self.documents():
                inherited = [key for key in differing if key in doc.ini.defaults]
                if inherited and doc.section_of(profile) is not None:
                    raise Refused(
                        f"profile {profile!r} would read {', '.join(inherited)} from [DEFAULT] in "
                        f"{doc.ini.path} (line {doc.ini.line_of('DEFAULT')}), which every section of "
                        "that file inherits, so botocore would not see this edit as intended; "
                        "nothing was written. Change [DEFAULT] by hand"
                    )
            raise FileProblem(
                f"refusing to write: profile {profile!r} would not read as this edit means "
                f"({', '.join(differing)}); no file was changed"
            )

    def changed_files(self) -> list[tuple[Document, bytes]]:
        result = []
        for doc in self.documents():
            data = doc.render()
            if data != doc.ini.raw:
                doc.verify(data)
                result.append((doc, data))
        self._check_intended()
        return result


# --------------------------------------------------------------------------- writing


def notify(message: str) -> None:
    """Tell the person what the store did on its own (a recovery, a file open to others).

    Printed at once, by whichever command happens to run: a recovery must be reported even
    by a command that prints no warnings of its own, and before anything else it prints.
    """
    print(f"warning: {message}", file=sys.stderr)


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parent, each 0700 whatever the umask."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=NEW_DIR_MODE)
            os.chmod(path, NEW_DIR_MODE)  # mkdir's mode is filtered by the umask


def open_to_others(path: Path) -> bool:
    """Whether group or other users have any permission on ``path`` (False when absent)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.name == "posix" and bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE


def _temporary_name(target: str) -> re.Pattern[str]:
    """The names ``tempfile.mkstemp`` gives our temporary files for ``target`` (see atomic_write)."""
    return re.compile(rf"\.{re.escape(target)}\.[a-z0-9_]{{8}}\.tmp")


def atomic_write(
    path: Path, data: bytes, mode: int | None = None, before_replace: Callable[[], None] | None = None
) -> None:
    """Replace the file ``path`` points to with ``data``, all or nothing.

    A symlinked file is written through: its target is replaced and the link stays a link.
    ``mode``: the new file's mode (for files that hold secrets), instead of the old file's.
    ``before_replace`` runs once the data is safely on disk, right before the replacement:
    whatever it raises stops the write with the file untouched.
    """
    import tempfile  # only writers need it

    real = Path(os.path.realpath(path))
    mode = _file_mode(real) if mode is None else mode
    try:
        status = real.stat()
        owner: tuple[int, int] | None = (status.st_uid, status.st_gid)
    except FileNotFoundError:
        owner = None
    make_private_dirs(real.parent)
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), mode)
            if owner is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                os.fchown(stream.fileno(), *owner)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(real.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _lockable(real: Path) -> bool:
    """A path the store may write: absent, or a regular file (a FIFO or /dev/null gets no lock)."""
    try:
        return stat.S_ISREG(real.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # let the lock or the read say what is wrong


@contextlib.contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    from filelock import FileLock, Timeout

    reals = []
    for path in (paths.config, paths.credentials):
        real = Path(os.path.realpath(path))
        if real not in reals and _lockable(real):
            reals.append(real)
    with contextlib.ExitStack() as stack:
        for real in reals:
            try:
                make_private_dirs(real.parent)
                # Lock files stay: removing one while another process waits on it would let
                # two runs hold "the" lock at once.
                lock = FileLock(f"{real}.lock", mode=NEW_FILE_MODE, timeout=LOCK_TIMEOUT_SECONDS)
                stack.enter_context(lock)
            except Timeout:
                raise FileProblem(
                    f"another process has held {real}.lock for {LOCK_TIMEOUT_SECONDS:.0f} s; "
                    "try again, or remove the lock file if no profiles command is running"
                ) from None
            except OSError as error:
                raise FileProblem(f"cannot lock {real}: {error.strerror}") from None
        yield


def _remove_stale_temporaries(paths: Paths) -> None:
    """Delete temporary files a killed run left (they may hold secrets). Called under the lock."""
    targets = [Path(os.path.realpath(path)) for path in (paths.config, paths.credentials)]
    targets.append(journal_path(paths))
    patterns: dict[Path, list[re.Pattern[str]]] = {}
    for target in targets:
        patterns.setdefault(target.parent, []).append(_temporary_name(target.name))
    now = time.time()
    for folder, ours in patterns.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not any(pattern.fullmatch(entry.name) for pattern in ours):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(status.st_mode) and now - status.st_mtime > STALE_TEMPORARY_SECONDS:
                    os.unlink(entry.path)


def _refuse_unwritable(changes: list[tuple[Document, bytes]]) -> None:
    for doc, _ in changes:
        if doc.ini.special is not None:
            raise FileProblem(
                f"{doc.ini.path} is {doc.ini.special}, not a regular file; profiles only replaces "
                "regular files and will not replace it"
            )
        # Replacing a file only needs a writable folder; a file its owner made read-only
        # (even for root, who may write anything) is a "do not edit" we respect.
        if doc.ini.exists and not _file_mode(Path(os.path.realpath(doc.ini.path))) & 0o222:
            raise FileProblem(
                f"{doc.ini.path} is read-only; make it writable (chmod u+w) to let profiles edit it"
            )


def _warn_if_open(changes: list[tuple[Document, bytes]]) -> None:
    """Secrets are being written: say so when the credentials file or its folder is open."""
    for doc, _ in changes:
        if doc.ini.role != "credentials" or not doc.ini.exists:
            continue
        real = Path(os.path.realpath(doc.ini.path))
        if open_to_others(real):
            notify(f"{doc.ini.path} is readable by other users; run 'chmod 600 {doc.ini.path}'")
        try:
            folder_mode = real.parent.stat().st_mode
        except OSError:
            continue
        if folder_mode & stat.S_IROTH:
            notify(
                f"{real.parent}, the folder of {doc.ini.path}, is readable by other users; "
                f"run 'chmod 700 {real.parent}'"
            )


class _ChangedMeanwhile(Exception):
    """Another program changed a file between our read and our replacement."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def _changed_since_read(ini: IniFile) -> bool:
    try:
        status = os.stat(ini.path)
    except FileNotFoundError:
        return ini.identity is not None
    except OSError:
        return True
    if FileId.of(status) != ini.identity:
        return True
    if ini.special is None and status.st_mtime_ns >= ini.read_at - _TIMESTAMP_GRANULARITY_NS:
        # Written around the time we read it: an in-place write of the same size may keep
        # size and mtime, so only the bytes can tell.
        try:
            found = read_bounded(ini.path)
        except FileProblem:
            return True
        return found is None or found[0] != ini.raw
    return False


def _check_unchanged(ini: IniFile) -> None:
    if _changed_since_read(ini):
        raise _ChangedMeanwhile(ini.path)


# --------------------------------------------------------------------------- the journal
#
# A two-file edit replaces two files one after the other. Before the first replacement, the
# journal (next to the config file, 0600) records the previous text of both files and a hash
# of their new text; it is removed once both are replaced. A run that finds a journal (a run
# was killed, or could not put a file back) looks at each file first: still the previous text,
# or the new text of that edit, or something else (another program wrote it since). If both
# hold the new text, the edit was complete; otherwise every file holding the new text gets its
# previous text back, so that the profile is never left split across the files.


def journal_path(paths: Paths) -> Path:
    real = Path(os.path.realpath(paths.config))
    return real.with_name(f".{real.name}.profiles-journal")


@dataclass(frozen=True)
class _Entry:
    path: str
    before: bytes | None  # None: the file did not exist
    after_sha256: str


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _write_journal(journal: Path, changes: list[tuple[Document, bytes]]) -> None:
    import json

    files = [
        {
            "path": os.path.realpath(doc.ini.path),
            # The files parsed as UTF-8; surrogateescape keeps any byte exactly anyway.
            "before": doc.ini.raw.decode("utf-8", "surrogateescape") if doc.ini.exists else None,
            "after_sha256": _sha256(data),
        }
        for doc, data in changes
    ]
    text = json.dumps({"profiles-journal": 1, "files": files}, indent=1)
    atomic_write(journal, text.encode("utf-8", "surrogateescape"), mode=NEW_FILE_MODE)


def _read_journal(journal: Path) -> list[_Entry] | None:
    import json

    found = read_bounded(journal, 3 * MAX_FILE_SIZE, "journal")
    if found is None:
        return None
    try:
        document = json.loads(found[0].decode("utf-8", "surrogateescape"))
        entries = [
            _Entry(
                str(entry["path"]),
                None if entry["before"] is None else str(entry["before"]).encode("utf-8", "surrogateescape"),
                str(entry["after_sha256"]),
            )
            for entry in document["files"]
        ]
    except (ValueError, KeyError, TypeError):
        raise FileProblem(
            f"{journal} is left from an interrupted profiles run but cannot be read; check your "
            "config and credentials files, then delete it"
        ) from None
    return entries


def _current(path: str | Path) -> bytes | None:
    found = read_bounded(Path(path))
    return None if found is None else found[0]


def _put_back(path: str | Path, before: bytes | None) -> None:
    if before is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.realpath(path))
    else:
        atomic_write(Path(path), before)


def _remove(path: Path) -> None:
    os.unlink(path)
    _sync_folder(path.parent)


def _remove_settled(journal: Path) -> None:
    try:
        _remove(journal)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise FileProblem(
            f"cannot remove {journal} ({error.strerror}), left by an interrupted profiles run whose "
            "files are settled now; delete it"
        ) from None


_RECOVERY_STATES = {
    "before": "holds its previous text",
    "after": "holds that run's edit",
    "other": "was changed since by another program",
}


def _recover(paths: Paths) -> None:
    """Finish what a run that left a journal started, before anything else. Under the lock."""
    journal = journal_path(paths)
    entries = _read_journal(journal)
    if entries is None:
        return
    ours = {os.path.realpath(paths.config), os.path.realpath(paths.credentials)}
    names = " and ".join(entry.path for entry in entries)
    if {entry.path for entry in entries} != ours:
        raise FileProblem(
            f"{journal} is left from an interrupted profiles run that edited {names}; run profiles "
            "once with those two files (--config-file, --credentials-file) to restore them"
        )
    states: dict[str, str] = {}
    for entry in entries:
        try:
            current = _current(entry.path)
        except FileProblem:
            current = b"\0unreadable"
        if current == entry.before:
            states[entry.path] = "before"
        elif current is not None and _sha256(current) == entry.after_sha256:
            states[entry.path] = "after"
        else:
            states[entry.path] = "other"
    if all(state == "after" for state in states.values()):
        _remove_settled(journal)
        notify(f"a profiles run was interrupted after writing {names}; its edit is complete")
        return
    restored, failed = [], []
    for entry in entries:
        if states[entry.path] == "after":
            try:
                _put_back(entry.path, entry.before)
                restored.append(entry.path)
            except OSError as error:
                failed.append(f"{entry.path} ({error.strerror})")
    others = [entry.path for entry in entries if states[entry.path] == "other"]
    if failed:
        held = "; ".join(
            f"{entry.path} {_RECOVERY_STATES['before' if entry.path in restored else states[entry.path]]}"
            for entry in entries
        )
        raise FileProblem(
            f"a profiles run was interrupted while writing {names}, and putting back "
            f"{' and '.join(failed)} failed: {held}. The previous text of both files is in "
            f"{journal}; fix the cause and run profiles again to restore it"
        )
    _remove_settled(journal)
    said = f"a profiles run was interrupted while writing {names}"
    if restored:
        said += f"; {' and '.join(restored)} was put back as it was before that run, so no file has its edit"
    else:
        said += "; it had not changed either file"
    if others:
        said += f"; {' and '.join(others)} was changed since by another program and was left as it is"
    notify(said)


# --------------------------------------------------------------------------- committing


def _describe_states(changes: list[tuple[Document, bytes]]) -> tuple[bool, str]:
    """Whether every file verifiably holds what it held before, and each file's state."""
    unchanged = True
    said = []
    for doc, data in changes:
        before = doc.ini.raw if doc.ini.exists else None
        try:
            current = _current(os.path.realpath(doc.ini.path))
        except FileProblem:
            current = b"\0unreadable"
        if current == before:
            said.append(f"{doc.ini.path} is unchanged")
            continue
        unchanged = False
        if current == data:
            said.append(f"{doc.ini.path} holds this edit")
        else:
            said.append(f"{doc.ini.path} is in an unknown state")
    return unchanged, ", ".join(said)


def _write_failed(
    path: Path, reason: str, changes: list[tuple[Document, bytes]], problems: list[str], journal: Path | None
) -> FileProblem:
    """The error after a failed write: "no file was changed" only when each file was re-read."""
    said = f"cannot write {path}: {reason}"
    if problems:
        said += ", and " + "; ".join(problems)
    unchanged, states = _describe_states(changes)
    if unchanged:
        return FileProblem(f"{said}; no file was changed")
    said += f": {states}"
    if journal is not None and os.path.lexists(journal):
        said += (
            f"; the previous text of both files is in {journal}, and the next profiles command restores it"
        )
    return FileProblem(said)


def _write_all(snapshot: Snapshot, changes: list[tuple[Document, bytes]]) -> None:
    if not changes:
        return
    _refuse_unwritable(changes)
    for ini in snapshot.files():
        _check_unchanged(ini)
    _warn_if_open(changes)
    if len(changes) == 1:
        doc, data = changes[0]
        try:
            atomic_write(doc.ini.path, data, before_replace=functools.partial(_check_unchanged, doc.ini))
        except OSError as error:
            raise _write_failed(doc.ini.path, str(error.strerror), changes, [], None) from None
        return
    journal = journal_path(Paths(snapshot.config.path, snapshot.credentials.path))
    try:
        _write_journal(journal, changes)
    except OSError as error:
        raise _write_failed(journal, str(error.strerror), changes, [], None) from None
    written: list[Document] = []
    try:
        for doc, data in changes:
            atomic_write(doc.ini.path, data, before_replace=functools.partial(_check_unchanged, doc.ini))
            written.append(doc)
    except (OSError, _ChangedMeanwhile) as error:
        # Put back what was already replaced, so that both files stay as they were.
        problems = []
        for done in written:
            try:
                _put_back(done.ini.path, done.ini.raw if done.ini.exists else None)
            except OSError as failure:
                problems.append(f"putting back {done.ini.path} failed too ({failure.strerror})")
        if not problems:
            with contextlib.suppress(OSError):
                _remove(journal)
            if isinstance(error, _ChangedMeanwhile):
                raise
        if isinstance(error, _ChangedMeanwhile):
            path, reason = error.path, "another program changed it meanwhile"
        else:
            path, reason = changes[len(written)][0].ini.path, str(error.strerror)
        raise _write_failed(path, reason, changes, problems, journal) from None
    with contextlib.suppress(OSError):
        _remove(journal)


T = TypeVar("T")


@contextlib.contextmanager
def _prepared(paths: Paths) -> Iterator[None]:
    if os.path.realpath(paths.config) == os.path.realpath(paths.credentials):
        # Each side would be written from its own view of the file, the second undoing the first.
        raise FileProblem(
            f"the config file and the credentials file are the same file ({paths.config}); "
            "point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at two different files"
        )
    with _locked(paths):
        _recover(paths)
        _remove_stale_temporaries(paths)
        yield


def edit_files(paths: Paths, edit: Callable[[Transaction], T]) -> T:
    """Lock both files, read them, apply ``edit``, then verify and write what changed.

    When another program (one that does not take our lock: an editor, ``aws configure``)
    writes a file between our read and our replacement, the files are read again and
    ``edit`` is applied again (it must depend on nothing but the files), up to EDIT_ATTEMPTS
    times; then the edit is refused (exit 4).
    """
    with _prepared(paths):
        for _ in range(EDIT_ATTEMPTS):
            tx = Transaction(_read_both(paths))
            result = edit(tx)
            try:
                _write_all(tx.snapshot, tx.changed_files())
            except _ChangedMeanwhile as changed:
                writer = changed.path
                continue
            return result
    raise FileProblem(
        f"{writer} was changed by another program {EDIT_ATTEMPTS} times while profiles was editing "
        "it (a program that does not take profiles' lock: an editor, 'aws configure', a script); "
        "nothing was written, run profiles again once it is done"
    )


@contextlib.contextmanager
def transaction(paths: Paths) -> Iterator[Transaction]:
    """The edit as a ``with`` block: like ``edit_files``, but run once, so when another program
    writes a file meanwhile the edit is refused (exit 4) instead of applied again."""
    with _prepared(paths):
        tx = Transaction(_read_both(paths))
        yield tx
        try:
            _write_all(tx.snapshot, tx.changed_files())
        except _ChangedMeanwhile as changed:
            raise FileProblem(
                f"{changed.path} was changed by another program while profiles was editing it; "
                "nothing was written, run profiles again"
            ) from None


def preview(paths: Paths, edit: Callable[[Transaction], None]) -> list[tuple[Path, bytes, bytes]]:
    """What ``edit`` would write, without writing: (path, bytes now, bytes after) per changed file.

    The new bytes are verified exactly as a real transaction would verify them, so a preview
    that succeeds is one the same edit in ``transaction`` writes.
    """
    tx = Transaction(load(paths))
    edit(tx)
    return [(doc.ini.path, doc.ini.raw, data) for doc, data in tx.changed_files()]
