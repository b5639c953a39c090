"""Command lines read as the CLI (click) reads them, without click: the one parser of the fast
paths (``env``, ``exec`` and ``credential-process`` served before the CLI loads, see
`awsprofiles.entry`) and of shell completion (`awsprofiles.completion`, whose tables come from its
spec of the typer application).

click's rules (typer's copy of click, ``typer/_click/parser.py``), which `read` follows:

- ``--`` ends the options: every word after it is an argument;
- another word that starts with ``-`` and is longer than ``-`` is an option; ``-`` is an argument;
- ``--name=value`` carries its value; otherwise an option that takes a value takes the next word,
  whatever it is: ``--config-file --from-keyring`` names a file called ``--from-keyring``;
- ``-abc`` is the short options ``-a -b -c``; one of them that takes a value takes the rest of
  the word (``-ofile``), else the next word;
- options and arguments come in any order; an option given twice keeps its last value (each
  value, if it is ``multiple``);
- then the arguments go to the positional parameters in order, a variadic one (the last) taking
  what the others leave.

One rule of ours on top: a command line to run (exec's COMMAND..., an `Argument` that is
``verbatim``) is the command's from its first word on, options or not, as for ``sudo``, ``env``
and ``aws-vault exec``: ``profiles exec NAME aws sts get-caller-identity --query Arn``. The options
end there as if ``--`` came before it (``--`` is accepted too). The CLI reads exec's command line
with this rule as well (``cli.command.CommandLineCommand`` puts the ``--`` where `read` says).

A fast path reads its command line with `read_plain`: None for anything the CLI would refuse or
that a fast path should not rely on (an unknown option, a missing value, a flag given a value,
an option given twice, an empty value, too few or too many arguments). The CLI then runs and
says what is wrong. `FAST`, the tables of the fast commands, is pinned to their typer parameters
by tests/test_cmdline.py.
"""

from __future__ import annotations

from awsprofiles.records import Frozen, Record

TYPE_CHECKING = False  # typing itself is not imported at run time (see awsprofiles.records)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Final


class Option(Frozen):
    """An option as click declares it (one entry for each of its names)."""

    __slots__ = ("param", "takes_value", "multiple")

    def __init__(self, param: str, takes_value: bool = False, multiple: bool = False) -> None:
        self.param: Final = param
        self.takes_value: Final = takes_value
        self.multiple: Final = multiple


class Argument(Frozen):
    """A positional parameter: ``nargs`` -1 takes every argument the others leave.

    ``verbatim``: a command line to run (the last, variadic argument): its first word ends the
    options, every word from there on is the command's.
    """

    __slots__ = ("param", "nargs", "required", "verbatim")

    def __init__(self, param: str, nargs: int = 1, required: bool = True, verbatim: bool = False) -> None:
        self.param: Final = param
        self.nargs: Final = nargs
        self.required: Final = required
        self.verbatim: Final = verbatim


class Command(Frozen):
    __slots__ = ("options", "arguments")

    def __init__(self, options: Mapping[str, Option], arguments: tuple[Argument, ...]) -> None:
        self.options: Final = options
        self.arguments: Final = arguments

    @property
    def verbatim_at(self) -> int | None:
        """How many arguments come before the verbatim one; None when it has none."""
        return next((index for index, argument in enumerate(self.arguments) if argument.verbatim), None)


class Reading(Record):
    """A command line as click's parser reads it, before the arguments go to parameters."""

    __slots__ = ("given", "arguments", "dashes", "verbatim_start", "awaiting", "refused")

    def __init__(self) -> None:
        #: Each option given, by parameter, with its values in order (a flag's are "").
        self.given: dict[str, list[str]] = {}
        self.arguments: list[str] = []
        #: How many arguments came before the options ended: at ``--``, or at the first word of
        #: a verbatim argument; None when they did not end.
        self.dashes: int | None = None
        #: Where in the words the verbatim argument began, with no ``--`` before it; else None.
        self.verbatim_start: int | None = None
        #: The option the words ended on, still waiting for its value.
        self.awaiting: Option | None = None
        #: The words click refuses: options it does not know, a flag given a value.
        self.refused: list[str] = []


def _short(name: str) -> bool:
    """``-h``: a short option (click reads ``-hV`` as ``-h -V``); ``--x`` and ``-xy`` are long."""
    return len(name) == 2 and name[0] == "-" and name[1] != "-"


def read(words: Sequence[str], options: Mapping[str, Option], verbatim_at: int | None = None) -> Reading:
    """``words`` (after the command's name) read with the command's ``options``, as click does;
    with ``verbatim_at`` (`Command.verbatim_at`), the argument that many arguments in begins a
    command line, and with it every word is an argument."""
    reading = Reading()
    index = 0

    def take(option: Option, value: str | None) -> bool:
        """Give ``option`` its value (``value``, else the next word); False when none is left."""
        nonlocal index
        if value is None:
            if index == len(words):
                reading.awaiting = option
                return False
            value = words[index]
            index += 1
        reading.given.setdefault(option.param, []).append(value)
        return True

    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            reading.dashes = len(reading.arguments)
            reading.arguments.extend(words[index:])
            break
        if not word.startswith("-") or word == "-":
            if len(reading.arguments) == verbatim_at:
                reading.dashes = verbatim_at
                reading.verbatim_start = index - 1
                reading.arguments.extend(words[index - 1 :])
                break
            reading.arguments.append(word)
            continue
        name, equals, value = word.partition("=")
        option = options.get(name)
        if option is not None and not _short(name):
            if option.takes_value:
                if not take(option, value if equals else None):
                    break
            elif equals:
                reading.refused.append(word)  # click: "Option '--x' does not take a value."
            else:
                reading.given.setdefault(option.param, []).append("")
            continue
        if word.startswith("--"):
            reading.refused.append(word)  # click: "No such option"
            continue
        # Short options, grouped: -yh, -ofile.
        for position in range(1, len(word)):
            option = options.get("-" + word[position])
            if option is None or not _short("-" + word[position]):
                reading.refused.append(word)
                break
            if option.takes_value:
                take(option, word[position + 1 :] or None)
                break
            reading.given.setdefault(option.param, []).append("")
    return reading


class Plain(Frozen):
    """A command line a fast path may serve: each parameter given once, as click reads it."""

    __slots__ = ("values", "flags", "rest", "dashes")

    def __init__(
        self, values: dict[str, str], flags: frozenset[str], rest: tuple[str, ...], dashes: int | None
    ) -> None:
        #: Options' values and single arguments, by parameter.
        self.values: Final = values
        #: The flags given.
        self.flags: Final = flags
        #: The variadic argument's words (exec's command line).
        self.rest: Final = rest
        #: How many arguments came before the options ended (`Reading.dashes`).
        self.dashes: Final = dashes

    def given(self) -> set[str]:
        """The parameters given, but for the variadic argument's."""
        return {*self.values, *self.flags}


def read_plain(command: Command, words: Sequence[str]) -> Plain | None:
    """The parameters of a plain command line of ``command``; None for anything else (see the
    module's docstring), which the CLI then reads and explains."""
    reading = read(words, command.options, command.verbatim_at)
    if reading.refused or reading.awaiting is not None:
        return None
    values: dict[str, str] = {}
    flags: set[str] = set()
    takes_value = {option.param: option.takes_value for option in command.options.values()}
    for param, given in reading.given.items():
        if len(given) > 1:
            return None  # click keeps the last; a fast path takes no chance on it
        if not takes_value[param]:
            flags.add(param)
        elif not given[0]:
            return None  # typer reads an empty path as '.'
        else:
            values[param] = given[0]
    rest: tuple[str, ...] = ()
    left = list(reading.arguments)
    for argument in command.arguments:
        if argument.nargs == -1:
            if argument.required and not left:
                return None
            rest, left = tuple(left), []
        elif left:
            values[argument.param] = left.pop(0)
        elif argument.required:
            return None
    if left:
        return None  # click: "Got unexpected extra argument"
    return Plain(values, frozenset(flags), rest, reading.dashes)


# --------------------------------------------------------------------------- the fast commands

_FILES = {
    "--config-file": Option("config_file", True),
    "--credentials-file": Option("credentials_file", True),
}
_HELP = {"-h": Option("help"), "--help": Option("help")}
_ROLE = {
    "--duration": Option("duration", True),
    "--mfa-code": Option("mfa_code", True),
    "--no-cache": Option("no_cache"),
}

_REGION = {"--region": Option("region", True)}

#: The commands served before the CLI loads, with every option and argument their typer
#: parameters declare (tests/test_cmdline.py compares them with the application).
FAST: dict[str, Command] = {
    "env": Command(
        {"--shell": Option("shell", True), "--unset": Option("unset"), **_ROLE, **_REGION, **_FILES, **_HELP},
        (Argument("name", required=False),),
    ),
    "credential-process": Command(
        {
            **_ROLE,
            "--from-keyring": Option("from_keyring"),
            "--session-duration": Option("session_duration", True),
            **_FILES,
            **_HELP,
        },
        (Argument("name"),),
    ),
    "exec": Command(
        {**_ROLE, "--server": Option("server"), **_REGION, **_FILES, **_HELP},
        (Argument("name"), Argument("command", -1, verbatim=True)),
    ),
}
