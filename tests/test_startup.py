"""Start-up: a command imports what it needs, and only the module of the command that runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import awsprofiles
from awsprofiles import cli
from awsprofiles.cli.app import app
from tests.conftest import Home

HEAVY = ("boto3", "botocore", "pydantic", "rich")


_LOADED = """
import atexit, sys
atexit.register(lambda: print("LOADED", *sorted(sys.modules), file=sys.stderr))
sys.argv = ["profiles", *sys.argv[1:]]
from awsprofiles.entry import run
run()
"""


def imported_by(*args: str) -> set[str]:
    """Every module the entry point (console script and -m) has loaded when ``profiles ARGS`` ends.

    Read from sys.modules: -X importtime does not see importlib.import_module, which is how a
    command's module is loaded.
    """
    ran = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-2000:]
    return set(ran.stderr.splitlines()[-1].split()[1:])


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


def test_help_lists_every_command_in_the_registry_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    # Each command's row starts at the panels' indentation; its summary may wrap below it.
    rows = [line for line in out.split("-h, --help")[1].splitlines() if line.startswith("  ")]
    listed = [line.split()[0] for line in rows if not line.startswith("   ")]
    assert sorted(listed) == sorted(cli.COMMANDS)


def test_an_unknown_command_suggests_one_that_is_not_loaded_yet(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rotate-key"]) == 2
    assert "Did you mean 'rotate-keys'?" in capsys.readouterr().err


def test_a_piped_offline_check_imports_no_aws_sdk_and_no_rich(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    modules = imported_by("check", "--offline")
    assert "awsprofiles.check" in modules
    assert not {name for name in modules if name.split(".")[0] in HEAVY}


@pytest.mark.parametrize("command", ["protect", "unprotect", "add-sso", "login", "logout"])
def test_the_keyring_and_sso_commands_load_only_their_own_module(command: str) -> None:
    modules = imported_by(command, "--help")
    own = cli.COMMANDS[command]
    assert own in modules
    assert not {name for name in modules if name.split(".")[0] in HEAVY}
    assert not {module for module in cli.COMMANDS.values() if module != own} & modules


def test_no_command_module_imports_the_aws_sdk_pydantic_or_rich_when_loaded() -> None:
    code = (
        "import importlib, sys\n"
        "from awsprofiles import cli\n"
        "for module in set(cli.COMMANDS.values()):\n"
        "    importlib.import_module(module)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert ran.stdout.strip() == "[]", ran.stderr


_PROTECT_ROUND_TRIP = """
import sys
import keyring.core
from keyring.backend import KeyringBackend

class Memory(KeyringBackend):
    priority = 1
    items: dict = {}
    def get_password(self, service, user):
        return self.items.get((service, user))
    def set_password(self, service, user, password):
        self.items[(service, user)] = password
    def delete_password(self, service, user):
        del self.items[(service, user)]

keyring.core._keyring_backend = Memory()
from awsprofiles.cli import main
codes = [main(["protect", "Bob"]), main(["unprotect", "Bob"])]
print("LOADED", codes, sorted({m.split(".")[0] for m in sys.modules} & {"boto3", "botocore"}))
"""


def test_protect_and_unprotect_never_import_boto3_or_botocore(home: Home) -> None:
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile Bob]\nregion = eu-west-1\n")
    home.credentials.write_text(
        "[Bob]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", _PROTECT_ROUND_TRIP], capture_output=True, text=True, timeout=60
    )
    assert ran.stdout.splitlines()[-1] == "LOADED [0, 0] []", ran.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["env", "nosuchprofile"],  # the CLI's error path
        ["credential-process", "nosuchprofile"],  # a fast path, then the CLI
        ["--version"],
    ],
)
@pytest.mark.parametrize("closed", ["0", "2", "0 and 2"])
def test_a_closed_standard_stream_is_never_replaced_by_another(
    home: Home, argv: list[str], closed: str
) -> None:
    """Started with stderr (or stdin) closed, Python sets sys.stderr to None and print(...,
    file=sys.stderr) writes to stdout, which `eval "$(profiles env ...)"` runs; and the next file
    opened would get fd 2. A closed standard stream is /dev/null instead: stdout carries only
    what it means to."""
    home.config.parent.mkdir(parents=True)
    home.config.write_text("[profile dev]\nregion = eu-west-1\n")
    redirect = " ".join(f"{fd}<&-" if fd == "0" else f"{fd}>&-" for fd in closed.split(" and "))
    ran = subprocess.run(
        ["sh", "-c", f'"$@" {redirect}', "sh", sys.executable, "-m", "awsprofiles", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if argv == ["--version"]:
        assert (ran.returncode, ran.stdout) == (0, f"profiles {awsprofiles.__version__}\n")
    else:
        assert ran.returncode == 2, ran
        assert ran.stdout == ""
