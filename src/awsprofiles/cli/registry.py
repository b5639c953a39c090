"""Every command of ``profiles`` and the module that defines it (`COMMANDS`), and the ``profiles``
group made of them (`root`), which imports a command's module only when that command is used.

This module sits above the command modules: it imports them (with ``importlib``, by name, so
that each command pays at start-up for its own module only), and none of them imports it (a
contract in ``pyproject.toml`` says so). A command module registers its command on
`awsprofiles.cli.app.app`, below both; whatever needs the whole group gets it from here, or in a
command from its context (``ctx.find_root().command``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import typer.main
import typer.models

# typer ships its own copy of click; its classes are the ones used.
from typer import _click as click
from typer.core import TyperGroup

from awsprofiles.cli.app import app
from awsprofiles.cli.command import ProfilesGroup

if TYPE_CHECKING:
    from awsprofiles import completion

#: Every command, in the order ``profiles --help`` lists them, and the module that defines it.
COMMANDS: dict[str, str] = {
    "check": "awsprofiles.cli.checking",
    "whoami": "awsprofiles.cli.checking",
    "discover": "awsprofiles.cli.discovering",
    "add-user": "awsprofiles.cli.editing",
    "add-role": "awsprofiles.cli.editing",
    "list": "awsprofiles.cli.editing",
    "show": "awsprofiles.cli.editing",
    "get": "awsprofiles.cli.editing",
    "set": "awsprofiles.cli.editing",
    "unset": "awsprofiles.cli.editing",
    "remove": "awsprofiles.cli.editing",
    "rename": "awsprofiles.cli.editing",
    "onboard": "awsprofiles.cli.onboarding",
    "rotate-keys": "awsprofiles.cli.onboarding",
    "protect": "awsprofiles.cli.protecting",
    "unprotect": "awsprofiles.cli.protecting",
    "add-sso": "awsprofiles.cli.sso",
    "login": "awsprofiles.cli.sso",
    "logout": "awsprofiles.cli.sso",
    "env": "awsprofiles.cli.using",
    "credential-process": "awsprofiles.cli.using",
    "exec": "awsprofiles.cli.using",
    "serve": "awsprofiles.cli.serving",
    "prompt": "awsprofiles.cli.serving",
    "completion": "awsprofiles.cli.completing",
    "console": "awsprofiles.cli.using",
}


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands by name: every registered name, each built when first looked up.

    Building a command means importing its module (which registers it on ``app``) and turning
    that one function into a click command; ``profiles list`` pays for ``list`` alone.
    """

    def __init__(self, built: MutableMapping[str, click.Command]) -> None:
        self._built = dict(built)

    @staticmethod
    def _modules() -> dict[str, str]:
        return COMMANDS

    def _build(self, name: str) -> click.Command | None:
        module = self._modules().get(name)
        if module is None:
            return None
        importlib.import_module(module)
        for info in app.registered_commands:
            if info.name == name:
                command = typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                )
                self._built[name] = command
                return command
        raise RuntimeError(
            f"{module} registers no command {name!r}; fix COMMANDS in awsprofiles.cli.registry"
        )

    def __getitem__(self, name: str) -> click.Command:
        command = self._built.get(name) or self._build(name)
        if command is None:
            raise KeyError(name)
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules(), *self._built]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._modules(), *self._built]))

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._modules()


class LazyGroup(ProfilesGroup):
    """The ``profiles`` group: knows every command's name, imports a command's module when used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@functools.cache
def root() -> TyperGroup:
    """The ``profiles`` command: the group of every command of `COMMANDS` (built once per process)."""
    return typer.main.get_group_from_info(
        typer.models.TyperInfo(app, cls=LazyGroup),
        pretty_exceptions_short=app.pretty_exceptions_short,
        suggest_commands=app.suggest_commands,
        rich_markup_mode=app.rich_markup_mode,
    )


def completion_spec() -> completion.Spec:
    """The completion spec of every command (`awsprofiles.cli.completing.build_spec`)."""
    from awsprofiles.cli.completing import build_spec

    return build_spec(root())
