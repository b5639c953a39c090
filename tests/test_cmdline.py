"""The one command-line parser of the fast paths and completion, held against click itself."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer import _click as click

from awsprofiles import cmdline
from awsprofiles.cli import root as profiles
from awsprofiles.cli.command import CommandLineCommand


@functools.cache
def click_command(name: str) -> tuple[click.Command, click.Context]:
    root = profiles()
    command = root.commands[name]
    # The root's context settings give every command -h as well as --help.
    parent = click.Context(root, info_name="profiles", **root.context_settings)
    return command, click.Context(command, info_name=name, parent=parent)


def table_of(command: click.Command, ctx: click.Context) -> cmdline.Command:
    """The table `cmdline` reads ``command`` with, made from its click parameters."""
    options: dict[str, cmdline.Option] = {}
    arguments = []
    for param in command.get_params(ctx):
        if param.param_type_name == "argument":
            # exec's command line: the command class reads it as cmdline does (CommandLineCommand).
            verbatim = param.nargs == -1 and isinstance(command, CommandLineCommand)
            arguments.append(cmdline.Argument(param.name or "", param.nargs, param.required, verbatim))
            continue
        assert param.nargs == 1, param.name
        assert not getattr(param, "count", False), param.name
        takes_value = not getattr(param, "is_flag", False)
        for name in [*param.opts, *param.secondary_opts]:
            options[name] = cmdline.Option(param.name or "", takes_value, param.multiple)
    return cmdline.Command(options, tuple(arguments))


@pytest.mark.parametrize("name", sorted(cmdline.FAST))
def test_the_fast_commands_tables_are_the_typer_parameters(name: str) -> None:
    command, ctx = click_command(name)
    assert cmdline.FAST[name] == table_of(command, ctx)
    # The rules cmdline follows are click's defaults: no command may change them.
    assert command.allow_interspersed_args
    assert not command.ignore_unknown_options
    variadic = [argument for argument in cmdline.FAST[name].arguments if argument.nargs == -1]
    assert variadic in ([], [cmdline.FAST[name].arguments[-1]])


def test_the_completion_spec_reads_with_the_same_tables() -> None:
    from awsprofiles import completion
    from awsprofiles.cli.completing import build_spec

    spec = build_spec(profiles())
    for name in cmdline.FAST:
        command, ctx = click_command(name)
        from_spec = completion.option_table(spec["commands"][name]["options"])
        assert from_spec == {
            option: entry for option, entry in table_of(command, ctx).options.items() if option in from_spec
        }


@pytest.mark.parametrize(
    ("words", "values", "flags", "rest"),
    [
        (["target", "--shell", "bash"], {"name": "target", "shell": "bash"}, set(), ()),
        (["--shell=fish", "target"], {"name": "target", "shell": "fish"}, set(), ()),
        # A value is the next word, whatever it is; '=' splits once.
        (["t", "--config-file", "--unset"], {"name": "t", "config_file": "--unset"}, set(), ()),
        (["t", "--config-file=a=b"], {"name": "t", "config_file": "a=b"}, set(), ()),
        (["--", "-"], {"name": "-"}, set(), ()),
        (["--no-cache", "t"], {"name": "t"}, {"no_cache"}, ()),
    ],
)
def test_plain_command_lines_read_as_click_reads_them(
    words: list[str], values: dict[str, str], flags: set[str], rest: tuple[str, ...]
) -> None:
    plain = cmdline.read_plain(cmdline.FAST["env"], words)
    assert plain is not None
    assert (plain.values, plain.flags, plain.rest) == (values, flags, rest)


@pytest.mark.parametrize(
    "words",
    [
        ["t", "--shell", "bash", "--shell", "fish"],  # click keeps the last: not plain
        ["t", "--shell"],  # no value
        ["t", "--shell="],  # empty
        ["t", "--unset=1"],  # a flag given a value
        ["t", "--nosuch"],
        ["t", "-x"],
        ["t", "-hx"],
        ["a", "b"],
    ],
)
def test_anything_else_is_not_plain(words: list[str]) -> None:
    assert cmdline.read_plain(cmdline.FAST["env"], words) is None


def test_exec_keeps_the_command_line_after_the_dashes() -> None:
    plain = cmdline.read_plain(cmdline.FAST["exec"], ["t", "--duration", "900", "--", "aws", "--help"])
    assert plain == cmdline.Plain({"name": "t", "duration": "900"}, frozenset(), ("aws", "--help"), 1)
    assert cmdline.read_plain(cmdline.FAST["exec"], ["t", "--"]) is None  # no command


def test_exec_s_command_line_is_the_command_s_from_its_first_word() -> None:
    """Issue 19 item 15: options after the command's first word are the command's, '--' or not."""
    words = ["--no-cache", "t", "--duration", "900", "aws", "--duration", "1", "--", "-h"]
    reading = cmdline.read(words, cmdline.FAST["exec"].options, cmdline.FAST["exec"].verbatim_at)
    assert reading.given == {"no_cache": [""], "duration": ["900"]}
    assert reading.arguments == ["t", "aws", "--duration", "1", "--", "-h"]
    assert (reading.dashes, reading.verbatim_start) == (1, 4)
    plain = cmdline.read_plain(cmdline.FAST["exec"], ["t", "aws", "sts", "--query", "Arn"])
    assert plain == cmdline.Plain({"name": "t"}, frozenset(), ("aws", "sts", "--query", "Arn"), 1)
    # Other commands keep click's rule: an option anywhere is theirs.
    assert cmdline.read(["t", "x", "--help"], cmdline.FAST["env"].options).given == {"help": [""]}


def test_short_options_group_and_take_the_rest_of_the_word() -> None:
    options = {
        "-y": cmdline.Option("yes"),
        "-o": cmdline.Option("out", True),
        "--yes": cmdline.Option("yes"),
    }
    reading = cmdline.read(["-yofile", "-y", "-o", "x", "-yz", "-o"], options)
    assert reading.given == {"yes": ["", "", ""], "out": ["file", "x"]}
    assert reading.refused == ["-yz"]
    assert reading.awaiting == options["-o"]


# --------------------------------------------------------------------------- against click

#: Words of a command line: names, values that look like options, and the options themselves.
WORDS = ["target", "-", "--", "", "-x", "=", "a=b", "--nosuch", "-h", "-hx", "900", "bash", "123456"]


def _words(name: str) -> st.SearchStrategy[list[str]]:
    options = list(cmdline.FAST[name].options)
    values = st.sampled_from(["900", "3600", "bash", "123456", "f", "--", "-", "--from-keyring", ""])
    forms = st.one_of(
        st.sampled_from(options + WORDS),
        st.builds(lambda option, value: f"{option}={value}", st.sampled_from(options), values),
    )
    return st.lists(forms, max_size=7)


def _click_reads(name: str, words: list[str]) -> dict[str, Any] | None:
    """The parameters click reads from ``words`` (None: it refuses them for their shape)."""
    command, ctx = click_command(name)
    try:
        ctx = command.make_context(name, list(words), parent=ctx.parent)
    except click.exceptions.BadParameter as error:
        if isinstance(error, click.exceptions.MissingParameter):
            return None
        return {"unconvertible": True}  # a value of the wrong type: the fast path converts it itself
    except click.exceptions.UsageError:
        return None
    return ctx.params


@pytest.mark.parametrize("name", sorted(cmdline.FAST))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_plain_command_line_means_to_the_fast_path_what_it_means_to_click(
    name: str, data: st.DataObject
) -> None:
    words = data.draw(_words(name))
    plain = cmdline.read_plain(cmdline.FAST[name], words)
    if plain is None or "help" in plain.flags:
        return  # the CLI runs (or prints the help)
    read = _click_reads(name, words)
    assert read is not None, (words, plain)
    if read.get("unconvertible"):
        return
    command, ctx = click_command(name)
    params = {param.name: param for param in command.get_params(ctx)}
    for param, value in read.items():
        if param in plain.values:
            assert value == params[param].type_cast_value(ctx, plain.values[param]), (words, param)
        elif param in plain.flags:
            assert value is True, (words, param)
        elif params[param].nargs == -1:
            assert tuple(value) == plain.rest, words
        else:
            assert value in (None, False, ()), (words, param)
