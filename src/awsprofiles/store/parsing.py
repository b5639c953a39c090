"""Reading the files' text exactly as botocore does: configparser's lines, sections and values,
botocore's profile mapping, and the chunks (one section each) that edits work on."""

from __future__ import annotations

import io
import re

from awsprofiles.errors import FileProblem
from awsprofiles.model import Value, profile_name_of_config_section
from awsprofiles.records import Record
from awsprofiles.store.endings import LINE_BREAK, normalize
from awsprofiles.store.paths import Sections

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    import configparser
    from collections.abc import Iterable, Iterator

    from awsprofiles.store.fileio import FileId
    from awsprofiles.store.paths import Role

# What every read matches, compiled as the module loads:
SECTION_HEADER = re.compile(r"\[(?P<header>.+)\]")
# configparser's default delimiters; an option's key ends at the first of them.
DELIMITER = re.compile("[=:]")
# and what only edits and the general reading use, compiled by `re` when first used (a read that
# a fast path makes needs neither):
NON_SPACE = r"\S"
# configparser's option line: the key ends at the first '=' or ':' (RawConfigParser._OPT_TMPL).
OPTION_LINE = r"(?s)(?P<prefix>[^=:]*[=:][ \t]*)(?P<value>.*?)(?P<end>[ \t]*\r?\n?)\Z"


class Chunk(Record):
    """A run of lines: the preamble before the first header, or one section with its body."""

    __slots__ = ("section", "text", "line")

    def __init__(self, section: str | None, text: str, line: int) -> None:
        self.section = section
        self.text = text
        self.line = line  # 1-based line number of the first line, in the file as read


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
        first = re.search(NON_SPACE, line)
        indent = first.start() if first else 0
        if in_option and indent > indent_level:
            yield line, CONTINUATION, None
            continue
        indent_level = indent
        header = SECTION_HEADER.match(value)
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
            header = SECTION_HEADER.match(value)
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
        delimiter = DELIMITER.search(value)
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
    import configparser

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
    import configparser  # only for what `parse_plain` cannot read: most files never need it

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


class IniFile(Record):
    """One of the two files as read: its bytes, its sections and the profiles botocore sees."""

    __slots__ = (
        "role",
        "path",
        "exists",
        "raw",
        "ending",
        "chunks",
        "sections",
        "profile_sections",
        "warnings",
        "defaults",
        "identity",
        "read_at",
        "special",
    )

    def __init__(
        self,
        role: Role,
        path: str,
        exists: bool = False,
        raw: bytes = b"",
        ending: str = "\n",
        chunks: list[Chunk] | None = None,
        sections: Sections | None = None,
        profile_sections: dict[str, str] | None = None,
        warnings: list[str] | None = None,
        defaults: dict[str, Value] | None = None,
        identity: FileId | None = None,
        read_at: int = 0,
        special: str | None = None,
    ) -> None:
        self.role = role
        self.path = path
        self.exists = exists
        self.raw = raw
        #: how every line of the file ends ('\n', '\r\n' or '\r'; endings.MIXED: not all alike);
        #: the chunks' lines end in '\n' whatever the file has
        self.ending = ending
        self.chunks = [Chunk(None, "", 1)] if chunks is None else chunks
        self.sections: Sections = {} if sections is None else sections
        #: profile name -> the section botocore reads it from
        self.profile_sections: dict[str, str] = {} if profile_sections is None else profile_sections
        self.warnings: list[str] = [] if warnings is None else warnings
        #: [DEFAULT]'s own values: configparser (and so botocore) gives them to every section
        self.defaults: dict[str, Value] = {} if defaults is None else defaults
        #: the version of the file that was read (None: there was none), and when it was read
        self.identity = identity
        self.read_at = read_at
        #: what the path is when it is not a regular file (a FIFO, a device): read as absent
        self.special = special

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

    def lines_setting(self, section: str, keys: Iterable[str]) -> list[int]:
        """The header lines of the sections named ``section`` that set one of ``keys`` (all of
        them when none does): configparser merges a file's [DEFAULT] sections into one."""
        keys = set(keys)
        found, setting = [], []
        for chunk in self.chunks:
            if chunk.section != section:
                continue
            found.append(chunk.line)
            for line, kind, _ in scan_lines(chunk.text):
                # configparser's key: up to the first delimiter, right-stripped, lower-cased
                if kind is OPTION and DELIMITER.split(line.strip(), 1)[0].rstrip().lower() in keys:
                    setting.append(chunk.line)
                    break
        return setting or found

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


def parse_file(role: Role, path: str, raw: bytes, exists: bool = True) -> IniFile:
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
        line = len(re.findall(LINE_BREAK, raw[: error.start].decode("utf-8", "replace"))) + 1
        raise FileProblem(f"{name} line {line}: bytes that are not UTF-8; save the file as UTF-8") from None
    text, ending = normalize(text)
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
    return IniFile(role, path, exists, raw, ending, chunks, sections, mapping, warnings, defaults)
