"""Start-up: a command imports what it needs, and only the module of the command that runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from awsprofiles import cli
from awsprofiles.cli.app import app
from tests.conftest import Home

HEAVY = ("boto3", "botocore", "pydantic", "rich")


def imported_by(*args: str) -> set[str]:
    """Every module `python -m awsprofiles ARGS` imports, read from -X importtime."""
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines() if "|" in line}


def test_list_imports_no_aws_sdk_no_pydantic_no_rich_and_no_other_command(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    modules = imported_by("list")
    assert "awsprofiles.editing" in modules
    assert not {name for name in modules if name.split(".")[0] in HEAVY}
    assert not modules & {"awsprofiles.cli.checking", "awsprofiles.cli.using", "awsprofiles.cli.onboarding"}


def test_every_command_is_registered_in_the_module_commands_names() -> None:
    for module in set(cli.COMMANDS.values()):
        importlib.import_module(module)
    registered = {info.name: info.callback.__module__ for info in app.registered_commands if info.callback}
    assert registered == cli.COMMANDS


def test_help_lists_every_command_in_the_registry_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(cli.COMMANDS)


def test_an_unknown_command_suggests_one_that_is_not_loaded_yet(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rotate-key"]) == 2
    assert "Did you mean 'rotate-keys'?" in capsys.readouterr().err


def test_a_piped_offline_check_imports_no_aws_sdk_and_no_rich(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    modules = imported_by("check", "--offline")
    assert "awsprofiles.check" in modules
    assert not {name for name in modules if name.split(".")[0] in HEAVY}
