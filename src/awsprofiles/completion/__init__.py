"""Shell completion: what the scripts of ``profiles completion SHELL`` ask for at each <TAB>.

A completion must come back at once (< 0.15 s on a 1,000-profile config), so it never loads the
command-line application (typer) nor botocore. It reads a *spec* instead: every command with
its options and arguments, and for each the kind of value it takes (a profile, a setting name, a
file, a fixed list), built once from the application itself by ``awsprofiles.cli.completing``
and kept in the user's cache folder under a fingerprint of the installed code, so that a new
version or an edited command rebuilds it. Then only the files are read, for profile names
(both files, mapped to profiles as botocore maps them) and setting names.

The shells call ``profiles`` with ``_PROFILES_COMPLETE=SHELL`` in the environment (the entry
point sends such a call here before anything else is imported):

- bash passes the command line up to the cursor in ``_PROFILES_COMPLETE_LINE`` and its
  ``COMP_WORDBREAKS`` in ``_PROFILES_COMPLETE_BREAKS``; the answer is a directive line, then the
  words for ``COMPREPLY``, quoted for bash and cut where readline cuts the word (``:``, ``=``);
- zsh and fish pass the words after ``profiles`` as arguments, the last one being the word under
  completion; PowerShell passes them in ``_PROFILES_COMPLETE_WORDS``, one a line (Windows
  PowerShell drops empty arguments). The answer is a directive line, then one candidate a line,
  ``value<TAB>description`` (PowerShell: ``text<TAB>value<TAB>description``, text quoted).

Directives: ``plain`` (the candidates), ``file`` or ``dir`` (the shell completes paths itself).
Only names are ever printed: no value from the files, so no secret, reaches the terminal.
"""

from __future__ import annotations

import json
import os
import sys
import zlib  # cache keys, not secrets: no need to load OpenSSL for hashlib

import awsprofiles
from awsprofiles import cmdline
from awsprofiles.records import Record

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from awsprofiles.store import Paths

    Spec = dict[str, Any]

#: The variable that turns a run of ``profiles`` into a completion request.
COMPLETE_VARIABLE = "_PROFILES_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell")
SPEC_VERSION = 3
#: A larger cached spec is not one profiles wrote (it is some 50 KiB): it is built again.
MAX_SPEC_SIZE = 4 * 1024 * 1024

# Kinds of values a parameter takes (the spec's "kind").
PROFILE = "profile"
SSO_SESSION = "sso-session"
KEY = "key"
FILE = "file"
DIR = "dir"
CHOICES = "choices"
NONE = "none"


class Target(Record):
    """What the word under the cursor is: its kind of value, and what is typed of it."""

    __slots__ = ("kind", "incomplete", "prefix", "choices", "given")

    def __init__(
        self,
        kind: str,
        incomplete: str,
        prefix: str = "",
        choices: list[tuple[str, str]] | None = None,
        given: dict[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.incomplete = incomplete
        #: Typed before the value in the same word (``--source=``), kept in every candidate.
        self.prefix = prefix
        self.choices: list[tuple[str, str]] = [] if choices is None else choices
        #: What the command line says so far: option and argument values by parameter name.
        self.given: dict[str, str] = {} if given is None else given


# --------------------------------------------------------------------------- the spec


def cache_dir(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if os.name == "nt" and env.get("LOCALAPPDATA"):
        return os.path.join(env["LOCALAPPDATA"], "awsprofiles", "cache")
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "awsprofiles")


def _checksum(data: bytes) -> str:
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def installation() -> str:
    """Names this installation (its folder), so that two virtual environments keep a spec each."""
    return _checksum(os.path.dirname(awsprofiles.__file__).encode())[:8]


def fingerprint() -> str:
    """Changes whenever the installed code does: the version and every module's size and time."""
    package = os.path.dirname(awsprofiles.__file__)
    parts = [f"{SPEC_VERSION} {awsprofiles.__version__}"]
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder}/{name} {stat.st_size} {stat.st_mtime_ns}")
    return _checksum("\n".join(parts).encode())


def load_spec(environ: Mapping[str, str] | None = None, build: Callable[[], Spec] | None = None) -> Spec:
    """The cached spec of this installation, made by ``build`` (and cached) when missing or stale.

    ``build`` is `awsprofiles.cli.registry.completion_spec`, handed down by the caller: only the
    application above this module knows its commands. Without it, a missing spec is a LookupError.
    """
    folder = cache_dir(environ)
    path = os.path.join(folder, f"completion-{installation()}-{fingerprint()}.json")
    from awsprofiles.errors import ProfilesError
    from awsprofiles.store.fileio import read_bounded  # loaded already: it reads the files too

    try:
        # A FIFO or a device reads as b"": like a file too large or nested too deep, it is no spec.
        found = read_bounded(path, MAX_SPEC_SIZE, "completion cache")
        spec = None if found is None else json.loads(found[0])
        if isinstance(spec, dict) and spec.get("version") == SPEC_VERSION:
            return spec
    except (ProfilesError, ValueError, RecursionError):
        pass
    if build is None:
        raise LookupError(f"no completion spec in {folder}")
    spec = build()
    _save(folder, path, spec)
    return spec


def _save(folder: str, path: str, spec: Spec) -> None:
    """Atomically, and without this installation's older specs; a cache that cannot be written is
    no error (the next completion builds it again)."""
    from pathlib import Path

    from awsprofiles import store

    try:
        store.make_private_dirs(folder)  # ~/.cache too, when missing: 0700 whatever the umask
        for old in Path(folder).glob(f"completion-{installation()}-*.json"):
            old.unlink(missing_ok=True)
        store.atomic_write(path, json.dumps(spec).encode("utf-8"), mode=store.NEW_FILE_MODE)
    except OSError:
        pass


# --------------------------------------------------------------------------- where the cursor is


def _value_target(option: Spec, incomplete: str, given: dict[str, str], prefix: str = "") -> Target:
    return Target(
        option["kind"], incomplete, prefix, [tuple(choice) for choice in option.get("choices", [])], given
    )


def resolve(spec: Spec, words: list[str], incomplete: str) -> Target:
    """Read the complete ``words`` (after ``profiles``) as the command does, then place ``incomplete``."""
    index = 0
    while index < len(words) and words[index].startswith("-"):
        index += 1  # the application's own options are flags (--help)
    if index == len(words):
        if incomplete.startswith("-"):
            return Target(CHOICES, incomplete, choices=_option_choices(spec["options"], set()))
        return Target(
            CHOICES,
            incomplete,
            choices=[(name, command["help"]) for name, command in spec["commands"].items()],
        )
    command = spec["commands"].get(words[index])
    if command is None:
        return Target(NONE, incomplete)
    options: dict[str, Spec] = command["options"]
    table = option_table(options)
    # Read as the command will read it (awsprofiles.cmdline); options it would refuse are ignored.
    arguments: list[Spec] = command["arguments"]
    verbatim_at = next((at for at, argument in enumerate(arguments) if argument.get("verbatim")), None)
    reading = cmdline.read(words[index + 1 :], table, verbatim_at)
    takes_value = {option.param: option.takes_value for option in table.values()}
    given = {param: values[-1] for param, values in reading.given.items() if takes_value[param]}
    used = set(reading.given)
    positional = reading.arguments
    only_arguments = reading.dashes is not None
    awaiting = None
    if reading.awaiting is not None:
        awaiting = next(option for option in options.values() if option["param"] == reading.awaiting.param)
    for argument, value in zip(arguments, positional, strict=False):
        if argument["nargs"] == 1:
            given[argument["param"]] = value
    if awaiting is not None:
        return _value_target(awaiting, incomplete, given)
    if not only_arguments and incomplete.startswith("-"):
        name, equals, value = incomplete.partition("=")
        option = options.get(name)
        if equals and option is not None and option["takes_value"]:
            return _value_target(option, value, given, prefix=f"{name}=")
        return Target(CHOICES, incomplete, choices=_option_choices(options, used), given=given)
    count = len(positional)
    for argument in arguments:
        if argument["nargs"] != 1 or count == 0:
            return _value_target(argument, incomplete, given)
        count -= 1
    return Target(NONE, incomplete, given=given)


def option_table(options: Mapping[str, Spec]) -> dict[str, cmdline.Option]:
    """A command's options in the spec, as `cmdline` reads them."""
    return {
        name: cmdline.Option(option["param"], option["takes_value"], option.get("multiple", False))
        for name, option in options.items()
    }


def _option_choices(options: Mapping[str, Spec], used: set[str]) -> list[tuple[str, str]]:
    return [
        (name, option["help"])
        for name, option in options.items()
        if name.startswith("--") and (option["param"] not in used or option.get("multiple"))
    ]


# --------------------------------------------------------------------------- the candidates


def _paths(given: Mapping[str, str]) -> Paths:
    from awsprofiles import store

    return store.locate(given.get("config_file"), given.get("credentials_file"))


def profile_candidates(given: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every profile of both files, from the section headers alone (no value is parsed)."""
    from awsprofiles import store

    return [(name, "") for name in store.profile_names(_paths(given))]


def sso_session_candidates(given: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every ``[sso-session NAME]`` of the config file, from the section headers alone."""
    from awsprofiles import store

    return [(name, "") for name in store.sso_session_names(_paths(given))]


def region_candidates() -> list[str]:
    """The regions botocore knows, in every partition (read once, into the spec)."""
    from awsprofiles.aws.regions import known_regions

    # partitions.json names each partition's global endpoint (aws-global) among its regions.
    return sorted(region for region in known_regions() if not region.endswith("-global"))


def key_candidates(given: Mapping[str, str]) -> list[tuple[str, str]]:
    """The named profile's own settings first, then every setting botocore and the CLI know."""
    from awsprofiles import store
    from awsprofiles.errors import ProfilesError
    from awsprofiles.model import KNOWN_KEYS, SECRET_KEYS

    own: list[str] = []
    name = given.get("name")
    if name:
        try:
            profile = store.load(_paths(given)).profile(name)
        except ProfilesError:
            profile = None
        own = sorted(profile.values) if profile is not None else []
    keys = dict.fromkeys([*own, *sorted(KNOWN_KEYS)])
    return [(key, "set" if key in own else "") for key in keys if key not in SECRET_KEYS]


def candidates(target: Target) -> list[tuple[str, str]]:
    """(value, description) pairs that complete ``target``, with its prefix."""
    if target.kind == PROFILE:
        found = profile_candidates(target.given)
    elif target.kind == SSO_SESSION:
        found = sso_session_candidates(target.given)
    elif target.kind == KEY:
        found = key_candidates(target.given)
    elif target.kind == CHOICES:
        found = target.choices
    else:
        return []
    return [
        (target.prefix + value, description)
        for value, description in found
        if value.startswith(target.incomplete) and value.isprintable()
    ]


# --------------------------------------------------------------------------- the shells


def split_line(line: str) -> tuple[list[str], str, str | None]:
    """bash's words of ``line`` as the command will get them, the last one's raw text, and the
    quote left open in it (None when closed). Unlike shlex, an open quote is no error."""
    words: list[str] = []
    current: list[str] = []
    raw_start = 0
    in_word = False
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                current.append(char)
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and index + 1 < len(line) and line[index + 1] in '"\\$`':
                index += 1
                current.append(line[index])
            else:
                current.append(char)
        elif char in " \t\n":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            if not in_word:
                in_word, raw_start = True, index
            if char in "'\"":
                quote = char
            elif char == "\\" and index + 1 < len(line):
                index += 1
                current.append(line[index])
            else:
                current.append(char)
        index += 1
    if in_word:
        return [*words, "".join(current)], line[raw_start:], quote
    return [*words, ""], "", None


_BASH_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def bash_escape(value: str) -> str:
    """A backslash before every character bash would read otherwise (as ``printf %q`` does)."""
    return "".join(char if char in _BASH_SAFE or not char.isascii() else "\\" + char for char in value)


#: bash's default COMP_WORDBREAKS, without the quotes and white space the line splitting handles.
BASH_WORDBREAKS = "><=;|&(:"


def bash_replies(values: list[str], raw: str, quote: str | None, breaks: str, prefix: str = "") -> list[str]:
    """COMPREPLY entries for the typed word ``raw``: readline replaces only the text after its last
    COMP_WORDBREAKS character (``a:b`` -> ``b``, ``--source=ex`` -> ``ex``), so that part goes."""
    if quote is not None:
        # Inside an open quote readline inserts the text as it is and closes the quote itself;
        # its word starts after the quote, so after any ``--option=`` typed before it.
        values = [value[len(prefix) :] for value in values]
        if quote == '"':
            return [value.translate({ord(c): "\\" + c for c in '"\\$`'}) for value in values]
        return [value for value in values if "'" not in value]
    cut = ""
    for index in range(len(raw) - 1, -1, -1):
        if raw[index] in breaks and raw[index] not in "'\" \t\n" and not _escaped(raw, index):
            cut = raw[: index + 1]
            break
    replies = []
    for value in values:
        escaped = bash_escape(value)
        replies.append(escaped[len(cut) :] if escaped.startswith(cut) else escaped)
    return replies


def _escaped(text: str, index: int) -> bool:
    """Whether the character at ``index`` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _directive(target: Target) -> str:
    """``plain``, or ``file``/``dir`` with what the shell must keep before the path (``--opt=``)."""
    return f"{target.kind}\t{target.prefix}" if target.kind in (FILE, DIR) else "plain"


def respond(argv: list[str], environ: Mapping[str, str], build: Callable[[], Spec] | None = None) -> int:
    """Answer one completion request on stdout; any failure answers nothing, silently.
    ``build`` makes the spec when the cache has none (see `load_spec`)."""
    shell = environ.get(COMPLETE_VARIABLE, "")
    try:
        if shell == "bash":
            words, raw, quote = split_line(environ.get("_PROFILES_COMPLETE_LINE", ""))
            words = words[1:]  # the program itself
        else:
            words = environ.get("_PROFILES_COMPLETE_WORDS", "").split("\n") if shell == "powershell" else argv
            raw, quote = (words[-1] if words else ""), None
        if not words:
            words = [""]
        spec = load_spec(environ, build)
        target = resolve(spec, words[:-1], words[-1])
        found = candidates(target)
    except Exception:
        return 0
    lines = [_directive(target)]
    if shell == "bash":
        breaks = environ.get("_PROFILES_COMPLETE_BREAKS", BASH_WORDBREAKS)
        lines += bash_replies([value for value, _ in found], raw, quote, breaks, target.prefix)
    elif shell == "powershell":
        from awsprofiles.shells import powershell_quote

        for value, description in found:
            bare = value and all(char.isalnum() or char in "-_.:/+=" for char in value)
            text = value if bare else powershell_quote(value)
            lines.append(f"{text}\t{value}\t{' '.join(description.split()) or value}")
    else:
        lines += [
            f"{value}\t{' '.join(description.split())}" if description else value
            for value, description in found
        ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
