"""``profiles completion SHELL``, and the spec of every command that the completion scripts read.

The spec is built from the application itself: each command, its options and arguments, and for
each parameter the kind of value its completion gives (see ``awsprofiles.completion``). A
parameter completed by ``app.completer`` (profiles, setting names) declares its kind when asked
through the context; any other completion (fixed lists, regions, paths) is run once here and
its answer kept.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

import typer

# typer ships its own copy of click; its classes are the ones the application is made of.
from typer import _click as click

from awsprofiles import completion
from awsprofiles.cli.app import COMPLETION_KIND, app
from awsprofiles.cli.command import CommandLineCommand

SCRIPTS = {
    "bash": "profiles.bash",
    "zsh": "profiles.zsh",
    "fish": "profiles.fish",
    "powershell": "profiles.ps1",
}


def _help(text: str | None) -> str:
    return " ".join((text or "").split())


def _value_kind(param: click.Parameter, ctx: click.Context) -> dict[str, Any]:
    ctx.meta[COMPLETION_KIND] = None
    items = param.shell_complete(ctx, "")
    kind = ctx.meta.pop(COMPLETION_KIND)
    if kind is not None:
        return {"kind": kind}
    types = {item.type for item in items}
    if "dir" in types:
        return {"kind": completion.DIR}
    if "file" in types:
        return {"kind": completion.FILE}
    if items:
        return {
            "kind": completion.CHOICES,
            "choices": [[str(item.value), _help(item.help)] for item in items],
        }
    # A variadic argument without completion takes a command line (exec): paths are a fair guess.
    return {"kind": completion.FILE if param.nargs == -1 else completion.NONE}


def _options(command: click.Command, ctx: click.Context) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for param in command.get_params(ctx):
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        entry = {
            "param": param.name,
            "takes_value": takes_value,
            "multiple": param.multiple,
            "help": _help(getattr(param, "help", "")),
        }
        if takes_value:
            entry.update(_value_kind(param, ctx))
        for name in [*param.opts, *param.secondary_opts]:
            options[name] = entry
    return options


def build_spec(root: click.Command) -> completion.Spec:
    """Every visible command of ``root`` (`awsprofiles.cli.registry.root`) with its options and
    arguments, and the kind of value each takes."""
    # The root's own settings (-h as well as --help), as when the command line is read: click
    # keeps each command's help option from the first context it is asked in.
    root_ctx = click.Context(root, info_name="profiles", **root.context_settings)
    commands: dict[str, Any] = {}
    for name, command in getattr(root, "commands", {}).items():
        if command.hidden:
            continue
        ctx = click.Context(command, info_name=name, parent=root_ctx)
        # exec's COMMAND...: every word from its first on is the command's (awsprofiles.cmdline).
        verbatim = isinstance(command, CommandLineCommand)
        arguments = [
            {
                "param": param.name,
                "nargs": param.nargs,
                **_value_kind(param, ctx),
                **({"verbatim": True} if verbatim and param.nargs == -1 else {}),
            }
            for param in command.get_params(ctx)
            if param.param_type_name == "argument"
        ]
        commands[name] = {
            "help": _help(command.get_short_help_str(limit=80)),
            "options": _options(command, ctx),
            "arguments": arguments,
        }
    return {
        "version": completion.SPEC_VERSION,
        "options": _options(root, root_ctx),
        "commands": commands,
    }


def script(shell: str) -> str:
    return resources.files(completion).joinpath(SCRIPTS[shell]).read_text(encoding="utf-8")


@app.command("completion")
def completion_command(
    ctx: typer.Context,
    shell: Annotated[
        str,
        typer.Argument(
            help="bash, zsh, fish or powershell.",
            show_default=False,
            autocompletion=lambda: list(completion.SHELLS),
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh, fish or PowerShell.

    It completes commands, options, profile names (both files), setting names, regions, shells
    and paths. Install it once:

    \b
    bash:        profiles completion bash > ~/.local/share/bash-completion/completions/profiles
                 (read only by the bash-completion package, in new shells; without it, or
                 to load it now: eval "$(profiles completion bash)", e.g. in ~/.bashrc)
    zsh:         profiles completion zsh > ~/.zfunc/_profiles
                 (with  fpath=(~/.zfunc $fpath)  before  compinit  in ~/.zshrc)
    fish:        profiles completion fish > ~/.config/fish/completions/profiles.fish
    PowerShell:  profiles completion powershell | Out-String | Invoke-Expression
                 (add that line to $PROFILE)

    A new version of profiles needs no new script: the script asks profiles at each Tab.
    """
    from awsprofiles.errors import BadInput

    if shell not in completion.SHELLS:
        raise BadInput(f"unknown shell {shell!r}: choose one of {', '.join(completion.SHELLS)}")
    # Builds the spec now, so that the first <TAB> is as fast as the others.
    completion.load_spec(build=lambda: build_spec(ctx.find_root().command))
    print(script(shell), end="")
