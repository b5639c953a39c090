"""The entry point serves a cached role's env/exec/credential-process before typer loads, prints
exactly what the CLI prints, and leaves everything it is not sure of to the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from awsprofiles import cli, using
from awsprofiles.aws.credentials import cli_cache_dir
from awsprofiles.errors import BadInput, FileProblem
from tests.conftest import Home
from tests.test_role_cache import ROLE, cache_entry, write

#: What a served command must not import: the CLI framework, the AWS SDK, the keyring library.
NOT_ON_THE_FAST_PATH = ("typer", "click", "boto3", "botocore", "keyring", "rich", "pydantic")


def profiles(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the real entry point (as the console script does) and read what it imported."""
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "awsprofiles", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines() if "|" in line}
    ran.stderr = "\n".join(line for line in ran.stderr.splitlines() if not line.startswith("import time:"))
    return ran, imported


def heavy(imported: set[str]) -> set[str]:
    return {name for name in imported if name.split(".")[0] in NOT_ON_THE_FAST_PATH}


@pytest.fixture
def cached_role(home: Home, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv(using.IN_PROGRESS, "[]")
    write(home, f"[profile target]\nrole_arn = {ROLE}\nsource_profile = base\nregion = eu-west-2\n")
    return cache_entry(home, "target")


def test_env_exec_and_credential_process_of_a_cached_role_print_what_the_cli_prints_without_typer(
    home: Home, cached_role: dict[str, str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    names = ("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_REGION")
    show = f"import os; print(*(os.environ[name] for name in {names!r}))"
    commands = [
        ["env", "target", "--shell", "bash"],
        ["env", "--shell=fish", "target"],
        ["credential-process", "target"],
        ["exec", "target", "--", sys.executable, "-c", show],
    ]
    for argv in commands:
        os.environ[using.IN_PROGRESS] = "[]"  # the CLI marks the profile it resolves, for its children
        ran, imported = profiles(*argv)
        assert ran.returncode == 0, ran.stderr
        assert not heavy(imported), argv
        assert "awsprofiles.cli" not in imported
        if argv[0] == "exec":
            assert ran.stdout == f"{cached_role['AccessKeyId']} {cached_role['SessionToken']} eu-west-2\n"
            continue
        assert cli.main(argv) == 0
        assert ran.stdout.encode() == capsysbinary.readouterr().out, argv
        assert cached_role["AccessKeyId"] in ran.stdout


def test_a_role_on_a_keyring_source_is_served_from_the_cache_with_no_keyring_at_all(home: Home) -> None:
    write(
        home,
        f"[profile target]\nrole_arn = {ROLE}\nsource_profile = vaulted\n"
        "[profile vaulted]\ncredential_process = profiles credential-process vaulted --from-keyring\n",
        "",
    )
    cached = cache_entry(home, "target")
    no_keyring = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    no_keyring.pop("DBUS_SESSION_BUS_ADDRESS", None)
    ran, imported = profiles("credential-process", "target", env=no_keyring)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["SessionToken"] == cached["SessionToken"]
    assert not heavy(imported)


@pytest.mark.parametrize(
    "argv",
    [
        ["env", "target", "--no-cache"],
        ["env", "target", "--help"],
        ["env", "--unset"],
        ["env", "target", "--shell", "nosuch"],
        ["env", "target", "--shell", "bash", "--shell", "fish"],
        ["env", "target", "--config-file="],
        ["env", "target", "extra"],
        ["env", "target", "--duration", "60"],  # out of range: the CLI says so
        ["env", "target", "--duration", "3600"],  # no entry of its own
        ["env", "base"],  # not a role
        ["env", "missing"],
        ["credential-process", "target", "--mfa-code", "123456"],
        ["credential-process", "target", "--from-keyring"],
        ["exec", "target", "--mfa-code", "123456", "true"],
        ["exec", "target", "--"],
        ["exec", "target", "--", "/no/such/program"],  # the CLI reports 127
        ["whoami", "target"],
    ],
)
def test_anything_the_fast_path_is_not_sure_of_goes_to_the_cli_with_nothing_printed(
    cached_role: dict[str, str], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from awsprofiles.entry import serve_fast

    assert serve_fast(argv) is None
    assert capsys.readouterr() == ("", "")


def test_an_expiring_entry_a_resolving_loop_or_a_warning_goes_to_the_cli(
    home: Home,
    cached_role: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["env", "target", "--shell", "bash"]
    assert using.serve_cached_role(argv) == 0
    capsys.readouterr()
    monkeypatch.setenv(using.IN_PROGRESS, '["target"]')
    assert using.serve_cached_role(argv) is None
    monkeypatch.setenv(using.IN_PROGRESS, "[]")
    cache_entry(home, "target", left=timedelta(minutes=14))
    assert using.serve_cached_role(argv) is None
    cache_entry(home, "target")
    home.config.write_text(home.config.read_text() + "[profile target]\nregion = us-east-1\n")  # a repeat
    assert using.serve_cached_role(argv) is None
    assert capsys.readouterr() == ("", "")


def test_a_value_the_shell_cannot_hold_goes_to_the_cli_with_nothing_printed(
    home: Home, cached_role: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A secret with a % is a session the cache may hold, but cmd would expand it.
    entry = next(Path(cli_cache_dir()).glob("*.json"))
    document = json.loads(entry.read_text())
    document["Credentials"]["SecretAccessKey"] = "50%off"
    entry.write_text(json.dumps(document))
    from awsprofiles.entry import serve_fast

    assert serve_fast(["env", "target", "--shell", "cmd"]) is None
    assert capsys.readouterr() == ("", "")
    assert cli.main(["env", "target", "--shell", "cmd"]) == 2
    assert capsys.readouterr().err.startswith("error: AWS_SECRET_ACCESS_KEY cannot be written for cmd")


@pytest.mark.parametrize(
    ("failure", "code", "line"),
    [
        (BadInput("that will not do"), 2, "error: that will not do"),
        (FileProblem("cannot read /x:\x1b[2J"), 4, "error: cannot read /x:\\x1b[2J"),
        (RuntimeError("s3cr3t"), 1, "error: unexpected RuntimeError; run again with PROFILES_DEBUG=1"),
    ],
)
def test_a_failure_that_escapes_a_fast_path_is_reported_as_the_cli_reports_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    code: int,
    line: str,
) -> None:
    from awsprofiles import entry

    def fails(argv: list[str]) -> int | None:
        raise failure

    monkeypatch.setattr(entry, "serve_fast", fails)
    monkeypatch.delenv("PROFILES_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["profiles", "env", "target"])
    with pytest.raises(SystemExit) as exited:
        entry.run()
    assert exited.value.code == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(line)
    assert err.count("\n") == 1
    assert "s3cr3t" not in err


# Issue 19 item 15: the words after the command's first word are the command's, options or not.
ECHO_ARGV = "import sys; open(sys.argv[1], 'w').write(repr(sys.argv[2:]))"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], ["sts", "get-caller-identity", "--query", "Arn"]),
        ([], ["--duration", "5", "-h", "--no-cache", "--", "x"]),
        (["--"], ["--query", "Arn"]),
        (["--no-cache"], ["--no-cache", "--config-file", "elsewhere"]),
    ],
    ids=["aws-query", "profiles-own-options", "dashes", "option-before-the-command"],
)
def test_exec_leaves_the_options_after_the_command_to_the_command(
    home: Home,
    cached_role: dict[str, str],
    tmp_path: Path,
    before: list[str],
    after: list[str],
) -> None:
    """The full CLI (a profile with keys, which no fast path serves) and the fast path (a cached
    role) both give the command every word after its first."""
    for name, fast in (("base", False), ("target", True)):
        if fast and "--no-cache" in before:
            continue  # --no-cache is the CLI's
        out = tmp_path / f"{name}.argv"
        os.environ[using.IN_PROGRESS] = "[]"
        ran, imported = profiles("exec", name, *before, sys.executable, "-c", ECHO_ARGV, str(out), *after)
        assert ran.returncode == 0, (name, ran.stderr)
        assert out.read_text() == repr(after), name
        assert bool(heavy(imported)) is not fast, name
