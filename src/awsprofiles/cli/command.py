"""What every command does alike, below Typer: its help, Ctrl-C, a closed stdout, core dumps.

- **Help a person reads.** Typer writes Python types (``<str>``, ``<list[str]>``, ``<int range>``),
  ``{name}`` and ``[NAME...]...``; here arguments and values are capitalised words (``NAME...``,
  ``FILE``, ``SECONDS``) and ranges are said in words. ``profiles --help`` groups the commands in
  panels with their whole summaries, and each command's help ends with examples and its docs page,
  all from one table (`awsprofiles.cli.help_table`), not from each command's decorator.
- **Lines break between words only** (`wrap_text`): never inside an option name (click breaks
  ``--no-check`` after ``--no-``) or a bracketed note (``[default: ...]``, ``[sso-login]``). A
  row whose note is too long for its column is written under its option (`HelpFormatter`).
- **Ctrl-C** ends the line (a prompt may be waiting on it) and says ``error: interrupted``, exit 130;
  Typer would exit 130 without a word.
- **A closed stdout** (``profiles list | head -1``) ends quietly with exit 141, as a program the
  pipe ends (128 + SIGPIPE); Typer would exit 1, as if the command had failed.
- **No core dumps.** The process holds secrets; its core-file limit is 0 from the start
  (``awsprofiles.startup``, shared with the console script's fast path).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer

# typer ships its own copy of click; its classes are the ones used.
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from awsprofiles import cmdline
from awsprofiles.cli.help_table import DOCS, HELP, OTHER, PANELS
from awsprofiles.errors import EXIT_OUTPUT_CLOSED, Interrupted
from awsprofiles.startup import discard_stdout, version_line

# --------------------------------------------------------------------------- help


def _metavar(param: click.Parameter) -> str:
    """The word that stands for a value: the parameter's metavar, else its name in capitals."""
    name = param.metavar or (param.name or "value").upper()
    return name.removesuffix("...")


def _usage(argument: click.Parameter) -> str:
    name = _metavar(argument) + ("..." if argument.nargs != 1 else "")
    return name if argument.required else f"[{name}]"


def _in_words(low: float | None, high: float | None) -> str | None:
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    return None if high is None else f"at most {high}"


def _option_help(option: Any) -> tuple[str, str]:
    names = click.formatting.join_options(option.opts)[0]
    if not option.is_flag:
        names += f" {_metavar(option)}"
    # The range is the option's own in newer typer, its type's (an IntRange) in typer 0.28.
    bounds = option if hasattr(option, "min") else option.type
    notes = [_in_words(getattr(bounds, "min", None), getattr(bounds, "max", None))]
    if isinstance(option.show_default, str):
        notes.append(f"default {option.show_default}")
    elif option.show_default and option.default is not None and not option.is_flag:
        notes.append(f"default {option.default}")
    if option.required:
        notes.append("required")
    said = "; ".join(note for note in notes if note)
    text = option.help or ""
    if said:
        text = f"{text.removesuffix('.')} ({said})" + ("." if text.endswith(".") else "")
    return names, text


Rows = list[tuple[str, str]]

#: A bracketed note, wrapped as one word: "[default: $AWS_CONFIG_FILE, else ~/.aws/config]".
_BRACKETED = re.compile(r"\[[^\[\]\n]*\]")
#: What a bracketed note's spaces are while its text is wrapped (a character no help holds).
_KEPT_SPACE = "\ue000"


def _wrapped(paragraph: str, width: int, first: str, rest: str) -> list[str]:
    import textwrap

    kept = _BRACKETED.sub(lambda note: note.group().replace(" ", _KEPT_SPACE), paragraph)
    lines = textwrap.wrap(
        kept,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,  # a word longer than the line overflows it, whole
        break_on_hyphens=False,  # "--no-check", "sso-login" are one word
    )
    return [line.replace(_KEPT_SPACE, " ") for line in lines]


def wrap_text(text: str, width: int, first: str = "", rest: str = "") -> str:
    """click's ``wrap_text`` with ``preserve_paragraphs`` (paragraphs apart, a paragraph after a
    ``\\b`` line kept as written, a paragraph's own indentation kept), but a line breaks only
    between words: never inside an option name or a bracketed note."""
    paragraphs: list[tuple[int, bool, list[str]]] = []
    for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = block.splitlines()
        indent = len(lines[0]) - len(lines[0].lstrip())
        raw = lines[0].strip() == "\b"
        paragraphs.append((indent, raw, lines[1:] if raw else [line.strip() for line in lines]))
    out = []
    for indent, raw, lines in paragraphs:
        pad = " " * indent
        if raw:
            out.append("\n".join(f"{rest}{pad}{line}" if line else line for line in lines))
        else:
            out.append("\n".join(_wrapped(" ".join(lines), width, first + pad, rest + pad)))
    return "\n\n".join(out)


def _longest_word(text: str) -> int:
    kept = _BRACKETED.sub(lambda note: note.group().replace(" ", _KEPT_SPACE), text)
    return max((len(word) for word in kept.split()), default=0)


class HelpFormatter(click.HelpFormatter):
    """click's formatter, with lines broken between words only (`wrap_text`)."""

    #: How far under its option a row's text starts when its column is too narrow for a note.
    HANGING = 4

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent, indent))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        widths = click.formatting.measure_table(rows)
        first_col = min(widths[0], col_max) + col_spacing if widths else col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _longest_word(second) > text_width:
                # Under the option, on lines of nearly the whole width: a note is never cut.
                hanging = " " * (self.current_indent + self.HANGING)
                self.write("\n" + wrap_text(second, self.width, hanging, hanging) + "\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_text(second, text_width).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


class HelpContext(click.Context):
    """A command's context, whose help is written by `HelpFormatter`."""

    formatter_class = HelpFormatter


def help_rows(command: click.Command, ctx: click.Context) -> tuple[Rows, Rows]:
    """The Arguments and the Options a command's help lists: (``NAME...``, help), (``--x SECONDS``, help).

    The reference pages (``scripts/docs_reference.py``) are written from these same rows.
    """
    params = [param for param in command.get_params(ctx) if not getattr(param, "hidden", False)]
    arguments = [
        (_usage(param).strip("[]"), getattr(param, "help", None) or "")
        for param in params
        if param.param_type_name == "argument"
    ]
    options = [_option_help(param) for param in params if param.param_type_name == "option"]
    return arguments, options


def panels(names: list[str]) -> dict[str, list[str]]:
    """The commands of each panel of ``profiles --help``, in `help_table.HELP`'s order.

    A command the table does not know yet comes last, under "Other commands"
    (tests/test_help_table.py fails for it).
    """
    grouped: dict[str, list[str]] = {panel: [] for panel in PANELS}
    order = list(HELP)
    for name in sorted(names, key=lambda name: order.index(name) if name in HELP else len(order)):
        entry = HELP.get(name)
        grouped.setdefault(entry.panel if entry else OTHER, []).append(name)
    return {panel: names for panel, names in grouped.items() if names}


def summary(command: click.Command) -> str:
    """The command's one-line summary, whole (click cuts it to the terminal with ``...``)."""
    return command.get_short_help_str(limit=sys.maxsize)


def write_examples(name: str, formatter: click.HelpFormatter) -> None:
    """The end of ``profiles NAME --help``: the examples and the docs page of `help_table.HELP`."""
    entry = HELP.get(name)
    if entry is None:
        return
    with formatter.section("Examples"):
        for example in entry.examples:
            # As typed: never re-wrapped, which would break a command line in two.
            formatter.write(f"{'':>{formatter.current_indent}}{example}\n")
    formatter.write_paragraph()
    # A path is never wrapped either.
    formatter.write(f"{'':>{formatter.current_indent}}Docs: {DOCS}{entry.page}\n")


class ProfilesCommand(TyperCommand):
    """A command whose help shows no Python types, and ends with examples and its docs page."""

    context_class = HelpContext

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [
            _usage(param) for param in self.get_params(ctx) if param.param_type_name == "argument"
        ]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments, options = help_rows(self, ctx)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        write_examples(self.name or "", formatter)


class CommandLineCommand(ProfilesCommand):
    """A command that runs a command line (exec): the words from the command's first on are the
    command's, options or not, as for sudo, env and aws-vault exec. Where that is, `cmdline.read`
    says, for this command as for the fast path and completion: a ``--`` goes there before click
    reads the rest."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        table = cmdline.FAST[self.name or ""]
        start = cmdline.read(args, table.options, table.verbatim_at).verbatim_start
        if start is not None:
            args = [*args[:start], "--", *args[start:]]
        return super().parse_args(ctx, args)


class ProfilesGroup(TyperGroup):
    """The ``profiles`` command: its commands in panels; Ctrl-C and a closed stdout as the module
    says, for every command."""

    context_class = HelpContext

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                shown[name] = summary(command)
        grouped = panels(list(shown))
        # One column for the names in every panel, as in one table.
        width = max(map(len, shown), default=0)
        for panel, names in grouped.items():
            with formatter.section(panel):
                formatter.write_dl([(name.ljust(width), shown[name]) for name in names])

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        # `profiles --help` prints while the command line is parsed, before any command runs.
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            discard_stdout()
            raise typer.Exit(EXIT_OUTPUT_CLOSED) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Typer would turn it into a silent exit 130; main renders this one like every error.
            raise Interrupted() from None
        except BrokenPipeError:
            discard_stdout()
            raise typer.Exit(EXIT_OUTPUT_CLOSED) from None


class ProfilesTyper(typer.Typer):
    """Typer, with `ProfilesCommand` for every command."""

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **settings: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or ProfilesCommand, **settings)


def print_version(asked: bool) -> None:
    if asked:
        print(version_line())
        raise typer.Exit()
