"""Conventions every command follows: --version, help a person reads, Ctrl-C, closed pipes, no core dumps."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from awsprofiles.cli import main, root
from awsprofiles.discover import TEMPLATE_FIELDS
from tests.conftest import PROFILES, Home
from tests.store_helpers import run

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
KEYS = f"aws_access_key_id = {KEY_ID}\naws_secret_access_key = wJalrXUtnFEMIK7MDENGEXAMPLEKEY\n"
COMMANDS = sorted(root().commands)


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_the_packages(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, flag)
    assert (result.code, result.out, result.err) == (
        0,
        f"profiles {importlib.metadata.version('awsprofiles')}\n",
        "",
    )


# --------------------------------------------------------------------------- help

PYTHON_TYPES = re.compile(r"<[^>\n]*>|\{[^}\n]*\}|\]\.\.\.|\bx\s*[<>]=|[<>]=\s*x\b|list\[|\brange\b")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_shows_no_python_types_and_metavars_in_capitals(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, *([command] if command else []), "--help")
    assert result.code == 0, result.err
    text = result.out
    # discover --name's template fields ({account_name}...) are the user's syntax, not a type.
    for field in TEMPLATE_FIELDS:
        text = text.replace("{" + field + "}", field.upper())
    assert not PYTHON_TYPES.search(text), PYTHON_TYPES.search(text)
    usage = text.splitlines()[0]
    for piece in usage.split()[3 if command else 2 :]:
        assert re.fullmatch(r"\[?[A-Z][A-Z_]*(\.\.\.)?\]?", piece), usage
    for line in text.splitlines():
        option = re.match(r"\s+(?:-\w, )?--[\w-]+ (\S+)", line)
        if option:
            assert re.fullmatch(r"[A-Z][A-Z_]*", option.group(1)), line


def test_help_names_what_each_value_is_and_says_ranges_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    check = run(capsys, "check", "--help").out
    assert check.startswith("Usage: profiles check [OPTIONS] [NAME...]\n")
    assert re.search(r"--jobs N +Profiles checked at once \(at least 1; default 16\)\.", check)
    assert re.search(r"--timeout SECONDS +Seconds allowed per profile", check)
    assert "--config-file FILE" in check
    assert run(capsys, "onboard", "--help").out.startswith("Usage: profiles onboard [OPTIONS] MANIFEST\n")
    assert run(capsys, "exec", "--help").out.startswith("Usage: profiles exec [OPTIONS] NAME COMMAND...\n")
    assert run(capsys, "env", "--help").out.startswith("Usage: profiles env [OPTIONS] [NAME]\n")


#: Options several commands take, declared once (awsprofiles.cli.app): the same metavar, type and
#: range everywhere; those whose help is the same everywhere too.
SHARED_OPTIONS = ("--duration", "--jobs", "--timeout", "--role-name", "--access-key-id", "--no-check")
SAME_HELP_OPTIONS = ("--config-file", "--credentials-file", "--dry-run")
CLI = Path(__file__).resolve().parents[1] / "src" / "awsprofiles" / "cli"


def _options(opt: str) -> dict[str, Any]:
    return {
        name: param
        for name, command in root().commands.items()
        for param in command.params
        if opt in param.opts and param.param_type_name == "option"
    }


@pytest.mark.parametrize("opt", SHARED_OPTIONS + SAME_HELP_OPTIONS)
def test_an_option_of_several_commands_is_the_same_option_in_each(opt: str) -> None:
    declared = _options(opt)
    assert len(declared) > 1, declared

    def shape(param: Any) -> tuple[object, ...]:
        # The range is the option's own in newer typer, its type's (an IntRange) in typer 0.28.
        bounds = param if hasattr(param, "min") else param.type
        same_help = param.help if opt in SAME_HELP_OPTIONS else None
        return (
            param.metavar,
            param.type.name,
            getattr(bounds, "min", None),
            getattr(bounds, "max", None),
            same_help,
        )

    assert len({shape(param) for param in declared.values()}) == 1, {n: shape(p) for n, p in declared.items()}


def test_an_option_of_several_commands_is_declared_once_in_cli_app() -> None:
    declared = []
    for path in sorted(CLI.glob("*.py")):
        if path.name == "app.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
                shared = [name for name in names if name in SHARED_OPTIONS + SAME_HELP_OPTIONS]
                declared += [f"{path.name}:{node.lineno} {name}" for name in shared]
    assert not declared


def test_each_force_says_what_it_forces_for_its_own_command() -> None:
    helps = {name: param.help for name, param in _options("--force").items()}
    assert len(set(helps.values())) == len(helps), helps


# --------------------------------------------------------------------------- Ctrl-C and closed pipes


def test_ctrl_c_at_a_prompt_ends_the_line_and_says_interrupted(home: Home) -> None:
    import pty
    import select
    import signal

    master, slave = pty.openpty()
    # A session of its own without a controlling terminal: the prompt reads the pty (stdin), and
    # the pty keeps what the command wrote after it exits (a session leader's exit would hang it
    # up). The SIGINT is the one the terminal sends for Ctrl-C.
    process = subprocess.Popen(
        [*PROFILES, "add-user", "--no-check", "bob", "--access-key-id", KEY_ID],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    while b"Secret access key: " not in seen:
        assert select.select([master], [], [], 60)[0], f"no prompt within 60 s: {seen!r}"
        seen += os.read(master, 1024)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    while select.select([master], [], [], 5)[0]:
        try:
            chunk = os.read(master, 1024)
        except OSError:  # every writer has gone and all was read
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert seen.replace(b"\r\n", b"\n").endswith(b"Secret access key: \nerror: interrupted\n"), seen
    assert not home.credentials.exists()


def test_a_closed_pipe_ends_quietly_without_a_traceback_or_exit_1(home: Home) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(f"[p]\n{KEYS}")
    process = subprocess.Popen([*PROFILES, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # as `| head -1` does once it has its line, before the command writes
    _, err = process.communicate(timeout=60)
    assert err == b""
    assert process.returncode == 141  # 128 + SIGPIPE, as the shell reports a program the pipe ended


def test_a_pipe_closed_while_a_command_writes_ends_quietly_too(
    home: Home, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home.credentials.parent.mkdir(parents=True)
    home.credentials.write_text(f"[p]\n{KEYS}")

    def closed(text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    with monkeypatch.context() as patch:
        patch.setattr(sys.stdout, "write", closed)
        assert main(["list", "--json"]) == 141
        # The root help is printed while the command line is parsed, before any command runs.
        assert main(["--help"]) == 141
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- core dumps


@pytest.fixture
def core_limit() -> Iterator[None]:
    saved = resource.getrlimit(resource.RLIMIT_CORE)
    yield
    resource.setrlimit(resource.RLIMIT_CORE, saved)


def test_every_command_starts_by_turning_core_dumps_off(
    home: Home, core_limit: None, capsys: pytest.CaptureFixture[str]
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
    assert main(["list"]) == 0
    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, hard)


def test_a_process_holding_the_secrets_cannot_dump_core_and_exec_gives_the_command_the_users_limit(
    home: Home, tmp_path: Path
) -> None:
    # credential_process runs as a child of `profiles`: it reads its parent's limits while the
    # parent resolves the credentials.
    seen = tmp_path / "limits"
    script = tmp_path / "process.sh"
    script.write_text(
        f'grep "Max core file size" /proc/$PPID/limits > {seen}\n'
        'echo \'{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "s"}\'\n'
    )
    home.config.parent.mkdir(parents=True)
    home.config.write_text(f"[profile p]\ncredential_process = sh {script}\n")
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    users = 1 << 20 if hard == resource.RLIM_INFINITY or hard > 1 << 20 else hard

    def users_limit() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (users, hard))

    show = "import resource; print(resource.getrlimit(resource.RLIMIT_CORE)[0])"
    ran = subprocess.run(
        [*PROFILES, "exec", "p", "--", sys.executable, "-c", show],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=users_limit,
    )
    assert ran.returncode == 0, ran.stderr
    assert seen.read_text().split()[4] == "0"  # Max core file size  <soft>  <hard>  bytes
    assert ran.stdout == f"{users}\n"


# --------------------------------------------------------------------------- the console script's fast path

KEPT_SECRET = "KeptInTheKeyringSecretAccessKey000000001"


@pytest.fixture
def keyring_item(home: Home, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A keyring profile whose item the fast path reads (as from the Secret Service)."""
    from awsprofiles import vault

    home.config.parent.mkdir(parents=True)
    home.config.write_text(
        "[profile kept]\ncredential_process = profiles credential-process kept --from-keyring\n"
    )
    item = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": KEPT_SECRET}
    user = vault.item_user(home.paths, "kept")
    monkeypatch.setattr(vault, "fast_get", lambda wanted: vault.encode_key(item) if wanted == user else None)
    monkeypatch.setattr(sys, "argv", ["profiles", "credential-process", "kept", "--from-keyring"])
    return item


def entry_run() -> int:
    from awsprofiles import entry

    with pytest.raises(SystemExit) as exited:
        entry.run()
    return int(exited.value.code or 0)


def test_the_fast_credential_process_turns_core_dumps_off_before_it_reads_the_keyring(
    keyring_item: dict[str, str], core_limit: None, capsys: pytest.CaptureFixture[str]
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
    assert entry_run() == 0
    assert KEPT_SECRET in capsys.readouterr().out  # served by the fast path, the CLI never ran
    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, hard)


def test_ctrl_c_and_a_closed_pipe_in_the_fast_credential_process_end_as_in_the_cli(
    keyring_item: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from awsprofiles import vault

    def interrupted(user: str) -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(vault, "fast_get", interrupted)
        assert entry_run() == 130
    assert capsys.readouterr() == ("", "error: interrupted\n")

    def closed(text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    with monkeypatch.context() as patch:
        patch.setattr(sys.stdout, "write", closed)
        assert entry_run() == 141
    assert capsys.readouterr().err == ""


def test_the_console_script_prints_its_version_without_loading_the_cli() -> None:
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ran.returncode, ran.stdout) == (0, f"profiles {importlib.metadata.version('awsprofiles')}\n")
    imported = {line.split("|")[-1].strip() for line in ran.stderr.splitlines()}
    assert "typer" not in imported
    assert "awsprofiles.cli" not in imported
    # importlib.metadata alone cost 69 ms, five times a bare Python's start.
    assert "importlib.metadata" not in imported


def test_the_version_has_one_source_the_package_and_the_metadata_agree() -> None:
    import tomllib

    import awsprofiles

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "src/awsprofiles/__init__.py"
    assert importlib.metadata.version("awsprofiles") == awsprofiles.__version__
