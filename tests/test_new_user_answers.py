"""What a new user hit (issue 19): each answer that was wrong, cut, hidden or echoed, reproduced.

In-process where that is enough; the terminal items (hidden input) on a pseudo-terminal, and the
README's quick start against moto_server in tests/e2e/test_readme_quick_start.py.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from awsprofiles import check
from awsprofiles.cli import root
from tests import test_discover_sso
from tests.conftest import PROFILES, Home
from tests.pty_shell import type_into
from tests.sso_emulator import ApiError, SsoEmulator
from tests.store_helpers import run
from tests.test_check import write

# The IAM Identity Center fixtures of discover's tests: five accounts, and a token in the cache.
acme = test_discover_sso.acme
signed_in = test_discover_sso.signed_in


def by_name(results: list[check.CheckResult]) -> dict[str, check.CheckResult]:
    return {result.profile: result for result in results}


def script(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# --------------------------------------------------------------------------- 3: never cut mid-word

KEYRING_ERROR = (
    "error: no OS keyring is available: on Linux, start and unlock a Secret Service (install "
    "gnome-keyring, or KeePassXC with its Secret Service integration) in your D-Bus session; or "
    "choose another backend the Python keyring library supports through keyring's own "
    "configuration (PYTHON_KEYRING_BACKEND or keyringrc.cfg, see 'python -m keyring diagnose')"
)


def test_a_credential_process_error_is_quoted_whole(home: Home, tmp_path: Path) -> None:
    failing = script(tmp_path, "keyring-source", f'echo "{KEYRING_ERROR}" >&2\nexit 4\n')
    write(home, config=f"[profile kept]\ncredential_process = {failing}\n")
    result = by_name(check.check_profiles(home.paths, timeout=5))["kept"]
    assert result.error == "process-failed"
    assert KEYRING_ERROR.removeprefix("error: ") in result.message


def test_a_huge_error_line_is_shortened_between_words_and_says_so(home: Home, tmp_path: Path) -> None:
    words = " ".join(f"word{number}" for number in range(20000))
    failing = script(tmp_path, "chatty", f"echo '{words}' >&2\nexit 1\n")
    write(home, config=f"[profile chatty]\ncredential_process = {failing}\n")
    message = by_name(check.check_profiles(home.paths, timeout=5))["chatty"].message
    assert len(message) < 2000
    quoted = message.split("exited with status 1: ", 1)[1]
    kept, _, rest = quoted.partition(" …")
    assert words.startswith(kept + " ")  # whole words only
    assert "more characters" in rest


# --------------------------------------------------------------------------- 11: stated defaults

#: "[default: X]" in a help text; "(..., default X)" in prose and typer's notes ("(at least 1; default 16)").
_STATED = re.compile(r"\[default: (?P<bracket>[^\]]+)\]|[(,;] ?default (?P<prose>[^,;()]+)\)")


def help_rows(text: str) -> dict[str, str]:
    """A command's help as rows: "" for its description, else each argument's or option's first
    word, with its wrapped lines joined."""
    rows: dict[str, str] = {"": ""}
    key = ""
    table = False
    for line in text.splitlines():
        if line in ("Arguments:", "Options:"):
            table = True
        elif table and re.match(r"^  \S", line):
            key = line.split()[0].rstrip(",")
            rows[key] = line.strip()
        elif table and line.startswith("   "):
            rows[key] += " " + line.strip()
        elif not table:
            rows[""] += " " + line.strip()
    return {key: re.sub(r"- (?=[a-z])", "-", " ".join(row.split())) for key, row in rows.items()}


def botocore_default(variable: str) -> str:
    """How botocore chooses the value of one of its session variables, in words."""
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

    _, names, fallback, _ = BOTOCORE_DEFAUT_SESSION_VARIABLES[variable]
    names = [names] if isinstance(names, str) else names
    return ", else ".join([*(f"${name}" for name in names), fallback or "default"])


def test_every_help_text_that_states_a_default_states_the_real_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from awsprofiles import discover, sessions
    from awsprofiles.aws import console
    from awsprofiles.cli import COMMANDS

    # Each stated default, and where the truth comes from: botocore for what botocore decides,
    # the constant the command uses otherwise, the option's own default when typer states it.
    truths = {
        ("*", "--config-file"): botocore_default("config_file"),
        ("*", "--credentials-file"): botocore_default("credentials_file"),
        ("whoami", "NAME"): botocore_default("profile"),
        ("credential-process", "--session-duration"): str(sessions.DEFAULT_SESSION_SECONDS),
        ("credential-process", ""): f"{sessions.DEFAULT_SESSION_SECONDS // 3600} h",
        ("discover", "--role-name"): discover.DEFAULT_ORG_ROLE,
        ("console", "--duration"): f"{console.DEFAULT_FEDERATION_SECONDS // 3600} hour",
        # what the command does without the value (each proven by the command's own tests)
        ("check", "NAME..."): "all",
        ("logout", "NAME"): "all",
        ("login", "NAME"): "the only session",
        ("console", "--destination"): "the console home",
        ("console", "--region"): "the profile's region",
        ("env", "--shell"): "detected from $SHELL, PSModulePath, ComSpec",
        ("serve", "--shell"): "detected from $SHELL, PSModulePath, ComSpec",
        ("env", "--region"): "the profile's region",
        ("exec", "--region"): "the profile's region",
        ("serve", "--region"): "the profile's region",
        ("serve", "--port"): "a free one",
        ("add-sso", "--session"): "the one for --start-url, else from its host",
        ("add-role", ""): "NAME",
        ("add-role", "--role-name"): "NAME",
        ("add-role", "--region"): "the source profile's region",
        ("add-sso", "NAME"): "all",
    }
    command = root()
    wrong = []
    for name in COMMANDS:
        options = {
            opt: param for param in command.commands[name].params for opt in getattr(param, "opts", [])
        }
        for row, text in help_rows(run(capsys, name, "--help").out).items():
            for stated in _STATED.finditer(text):
                said = (stated.group("bracket") or stated.group("prose")).strip()
                param = options.get(row)
                if said == "the default":
                    continue  # a flag that is the default
                if stated.group("prose") and param is not None and param.show_default is not False:
                    truth: str | None = str(param.default)  # typer's own statement, from the option
                else:
                    truth = truths.get((name, row), truths.get(("*", row)))
                if said != truth:
                    wrong.append(f"profiles {name} {row or '(description)'}: says {said!r}, is {truth!r}")
    assert wrong == [], "\n".join(wrong)


# --------------------------------------------------------------------------- 13: the MFA code is hidden

CODE = b"864209"
MFA = "arn:aws:iam::123456789012:mfa/alice"


def closed_port() -> str:
    """An endpoint nothing listens on: the AWS call after the prompt fails at once."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_the_mfa_code_a_role_asks_for_is_not_echoed(home: Home) -> None:
    write(
        home,
        config=f"[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n"
        f"mfa_serial = {MFA}\nregion = eu-west-1\n",
        credentials="[alice]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
    )
    env = {**os.environ, "AWS_ENDPOINT_URL": closed_port(), "AWS_MAX_ATTEMPTS": "1"}
    typed = type_into([*PROFILES, "env", "dev", "--shell", "bash"], {b"Enter MFA code for ": CODE}, env)
    assert f"Enter MFA code for {MFA}: ".encode() in typed.terminal
    assert CODE not in typed.terminal, typed.terminal
    assert typed.returncode == 1  # the code was read: the call went on, to nothing
    assert b"[network]" in typed.terminal


def test_the_mfa_code_a_keyring_session_asks_for_is_not_echoed(home: Home) -> None:
    # The credential_process's own prompt, on /dev/tty: its stdout and stderr belong to the SDK.
    asks = f"from awsprofiles.sessions import ask_mfa_code; print(ask_mfa_code('alice', {MFA!r}, 12))"
    typed = type_into([sys.executable, "-c", asks], {b"Enter MFA code for ": CODE})
    assert typed.returncode == 0, typed.terminal
    assert typed.stdout == CODE + b"\n"
    assert b"Enter MFA code for " in typed.terminal
    assert CODE not in typed.terminal, typed.terminal


# --------------------------------------------------------------------------- 1: a role's region


def test_a_role_without_a_region_is_told_the_command_that_gives_it_its_sources(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())  # botocore then needs a region to sign
    write(
        home,
        config="[profile alice]\nregion = eu-west-1\n"
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n",
        credentials="[alice]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
    )
    result = by_name(check.check_profiles(home.paths, ["dev"], timeout=5))["dev"]
    assert "'profiles set dev region eu-west-1'" in result.message
    assert "AWS_DEFAULT_REGION" in result.message


def test_one_rule_gives_a_new_role_its_sources_region(home: Home) -> None:
    from awsprofiles import editing, manifest, model

    write(home, config="[profile alice]\nregion = eu-west-1\n")
    request = editing.RoleRequest("dev", "arn:aws:iam::123456789012:role/dev", source="alice")
    _, notes = editing.add_role(home.paths, request)
    assert notes == ["region eu-west-1 (from source profile 'alice')"]
    assert "region = eu-west-1" in home.config.read_text().split("[profile dev]")[1]
    given = editing.RoleRequest(
        "ops", "arn:aws:iam::123456789012:role/ops", source="alice", region="us-east-2"
    )
    assert editing.add_role(home.paths, given)[1] == []
    assert model.new_role_region(None, "alice", None) == (None, None)
    team = home.root / "team.toml"
    team.write_text(
        '[source]\nprofile = "alice"\nregion = "eu-west-1"\n'
        '[[roles]]\nprofile = "dev"\nrole_arn = "arn:aws:iam::123456789012:role/dev"\n'
    )
    assert manifest.load(team).roles[0].values["region"] == "eu-west-1"


def test_discover_says_its_roles_get_the_sources_region(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_discover import BOB, Aws

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="Bob")
        key = iam.create_access_key(UserName="Bob")["AccessKey"]
        write(
            home,
            config="[profile Bob]\nregion = eu-west-1\n",
            credentials=f"[Bob]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n",
        )
        Aws(iam, None).role("deploy", {"AWS": BOB})
        found = run(capsys, "discover", "--source", "Bob")
    assert found.code == 0, found.err
    assert "+region = eu-west-1" in found.out
    assert "every role profile gets region eu-west-1 (from source profile 'Bob')" in found.err


# --------------------------------------------------------------------------- 14: SSO role not assigned


def test_an_sso_role_the_user_is_not_assigned_is_denied_and_says_so(
    signed_in: SsoEmulator, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    home.config.write_text(
        home.config.read_text().replace("sso_role_name = AdministratorAccess", "sso_role_name = Billing")
    )
    checked = run(capsys, "check", "mine", "--json")
    assert checked.code == 1
    [row] = json.loads(checked.out)
    assert row["error"] == "denied"
    assert "not assigned role Billing in account 111111111111 in IAM Identity Center" in row["message"]
    assert "ForbiddenException" not in row["message"]

    def refused(account_id: str, role_name: str) -> dict[str, Any]:
        raise ApiError(403, "ForbiddenException", {"message": "No access"})

    signed_in.credentials_factory = refused
    verified = run(capsys, "discover", "--sso-session", "acme", "--verify", "--json")
    reasons = [item["reason"] for item in json.loads(verified.out)["skipped"]]
    assert reasons
    assert all("not assigned role" in reason and "[denied]" in reason for reason in reasons), reasons


# --------------------------------------------------------------------------- 9: not AWS's answer

#: A Python class name as a reason: "ResponseParserError", "InvalidRegionError", "ValueError".
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b")


class _NotAws(BaseHTTPRequestHandler):
    """A web server that is not AWS: a page for any request."""

    status = 200
    body = b"<html><body>It works!</body></html>"  # XML to botocore, without what it expects

    def _page(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = self.body
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args: Any) -> None:
        pass


class _NotAwsNotFound(_NotAws):
    status = 404


class _NotAwsText(_NotAws):
    body = b"It works!"  # not even XML


@pytest.mark.parametrize("handler", [_NotAws, _NotAwsNotFound, _NotAwsText])
def test_an_endpoint_that_is_not_aws_is_named_and_no_class_name_is_the_reason(
    handler: type[BaseHTTPRequestHandler], home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        write(
            home,
            config="[profile alice]\nregion = eu-west-1\n",
            credentials="[alice]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        )
        result = by_name(check.check_profiles(home.paths, timeout=5))["alice"]
    finally:
        server.shutdown()
        server.server_close()
    assert result.error == "other"
    assert endpoint in result.message
    assert "not an AWS answer" in result.message
    assert "AWS_ENDPOINT_URL" in result.message
    assert not CLASS_NAME.search(result.message), result.message


# --------------------------------------------------------------------------- 10: the sign-in endpoint


def test_an_unreachable_sign_in_endpoint_names_the_one_variable_that_chooses_it(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles.aws import console

    signin = closed_port() + "/federation"
    monkeypatch.setenv(console.ENDPOINT_VARIABLE, signin)
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())  # for the other services, not sign-in
    write(  # temporary credentials go to the sign-in endpoint as they are: no STS call
        home,
        config="[profile temp]\nregion = eu-west-1\n",
        credentials="[temp]\naws_access_key_id = ASIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
        "aws_session_token = t\n",
    )
    failed = run(capsys, "console", "temp", "--print")
    assert failed.code == 1
    assert failed.err.startswith(f"error: cannot reach AWS at {signin}: ")
    assert "AWS_ENDPOINT_URL_SIGNIN" in failed.err
    assert "endpoint_url" not in failed.err
    assert not re.search(r"AWS_ENDPOINT_URL\b(?!_)", failed.err)


# --------------------------------------------------------------------------- 21: bash completion


def test_bash_completion_help_says_the_completions_folder_needs_bash_completion_and_how_to_load_it_now(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.pty_shell import complete_interactively

    shown = run(capsys, "completion", "--help").out
    bash = " ".join(shown.split("bash:", 1)[1].split("zsh:", 1)[0].split())
    folder = "~/.local/share/bash-completion/completions/profiles"
    assert folder in bash
    assert "the bash-completion package" in bash
    assert 'eval "$(profiles completion bash)"' in bash
    script = run(capsys, "completion", "bash").out
    assert "bash-completion package" in script.split("\n\n", 1)[0]  # where it says how to install it

    # What it says, in a real bash without the bash-completion package (as on this machine).
    installed = home.root / folder.removeprefix("~/")
    installed.parent.mkdir(parents=True)
    installed.write_text(script)
    write(home, config="[profile my-profile]\n")
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    argv = ["bash", "--norc", "--noprofile", "-i"]
    installed_only = complete_interactively(argv, "true", ["profiles env my-"], env=env, cwd=tmp_path)
    assert installed_only == [["profiles", "env", "my-"]]  # nothing completed
    loaded = complete_interactively(
        argv, 'eval "$(profiles completion bash)"', ["profiles env my-"], env=env, cwd=tmp_path
    )
    assert loaded == [["profiles", "env", "my-profile"]]


# --------------------------------------------------------------------------- 8: inline comments

SECRET_WITH_COMMENT = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_inline_comments_that_botocore_reads_as_values_are_linted_with_the_fix(home: Home) -> None:
    write(
        home,
        config="[profile alice]\nregion = eu-west-1   # Ireland\noutput = json ; for scripts\n"
        "credential_process = /usr/bin/get-keys --user alice # from the vault\n"
        "[profile quoted]\ncredential_process = /usr/bin/get-keys --note 'a # b'\n"
        "[profile portal]\nsso_start_url = https://example.awsapps.com/start#/\nsso_region = eu-west-1\n"
        "sso_account_id = 123456789012\nsso_role_name = ReadOnly\n",
        credentials="[dave]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        f"aws_secret_access_key = {SECRET_WITH_COMMENT} # old key\n",
    )
    results = by_name(check.check_profiles(home.paths, offline=True))
    alice = results["alice"].message
    assert "'profiles set alice region eu-west-1'" in alice
    assert "'eu-west-1   # Ireland'" in alice
    assert "'profiles set alice output json'" in alice
    assert "profiles set alice credential_process '/usr/bin/get-keys --user alice'" in alice
    dave = results["dave"].message
    assert "the inline comment in aws_secret_access_key" in dave
    assert SECRET_WITH_COMMENT not in dave
    assert results["quoted"].ok, results["quoted"].message
    assert results["portal"].ok, results["portal"].message


def test_a_live_check_names_the_setting_and_value_botocore_refused(home: Home) -> None:
    write(
        home,
        config="[profile alice]\nregion = eu-west-1   # Ireland\n"
        "[profile bob]\nregion = eu-west-1\nmax_attempts = 3 # retries\n"
        "[profile carol]\nregion = eu-west-1\nsts_regional_endpoints = fast\n",
        credentials="".join(
            f"[{name}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
            for name in ("alice", "bob", "carol")
        ),
    )
    results = by_name(check.check_profiles(home.paths, timeout=5))
    assert "region 'eu-west-1   # Ireland'" in results["alice"].message
    assert "max_attempts '3 # retries'" in results["bob"].message
    assert "sts_regional_endpoints 'fast'" in results["carol"].message
    for result in results.values():
        assert not CLASS_NAME.search(result.message), result.message


# --------------------------------------------------------------------------- 22: a row names its profile once

SRC = Path(__file__).resolve().parents[1] / "src" / "awsprofiles"


def test_check_rows_do_not_repeat_their_profile(
    home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_check import ACCOUNT, SECRET, enforced, keys, make_role, make_user

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    failing = script(tmp_path, "failing", "echo 'token expired, run login' >&2\nexit 3\n")
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        bob = make_user(iam, "Bob")
        role = make_role(iam, "not-for-bob", f"arn:aws:iam::{ACCOUNT}:user/Alice")
        write(
            home,
            config=f"[profile badrole]\nrole_arn = {role}\nsource_profile = Bob\n"
            f"[profile tool]\ncredential_process = {failing}\n"
            "[profile nothing]\nregion = eu-west-1\n"
            "[profile portal]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n"
            "sso_account_id = 123456789012\nsso_role_name = ReadOnly\n"
            "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = Bob\n"
            "mfa_serial = arn:aws:iam::123456789012:mfa/Bob\n",
            credentials=keys("Bob", bob["id"], bob["secret"])
            + keys("badsec", bob["id"], SECRET)
            + keys("ghost", "AKIAMADEUPMADEUP1234", SECRET)
            + "[half]\naws_access_key_id = AKIAMADEUPMADEUP1234\n",
        )
        checked = enforced(lambda: run(capsys, "check"))
    rows = checked.out.splitlines()[1:-1]
    assert len(rows) == 9, checked.out
    for row in rows:
        name = row.split()[0]
        if row.split()[2] == "ok":
            continue
        problem = row.split(maxsplit=3)[3]
        assert f"profile {name!r}" not in problem, row
        assert f"{name!r}'s" not in problem, row


def test_no_message_makes_a_possessive_of_a_quoted_name() -> None:
    # "rotating 'bob''s key" reads as a typo: "the key of profile 'bob'"
    quoted_possessive = re.compile(r"!r\}'s\b|'\{[^}]+\}'s\b")
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if quoted_possessive.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("handler", [_NotAws, _NotAwsText])
def test_an_organizations_endpoint_that_is_not_aws_is_named_not_unexpected(
    handler: type[BaseHTTPRequestHandler], home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Organizations speaks JSON: botocore reads a web page as an answer without 'Accounts'."""
    from awsprofiles.aws import iam
    from awsprofiles.aws.identity import Resolver
    from awsprofiles.errors import CheckFailed

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", endpoint)
        write(
            home,
            config="[profile alice]\nregion = eu-west-1\n",
            credentials="[alice]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        )
        with pytest.raises(CheckFailed) as failed:
            iam.list_accounts(Resolver(home.paths, timeout=5), "alice")
    finally:
        server.shutdown()
        server.server_close()
    assert failed.value.code == "other"
    assert endpoint in failed.value.message
    assert "not an AWS answer" in failed.value.message
    assert "AWS_ENDPOINT_URL_ORGANIZATIONS" in failed.value.message
    assert "unexpected" not in failed.value.message


@pytest.mark.parametrize(
    ("prompt_off", "reason"), [(True, "'profiles check' never waits"), (False, "no terminal")]
)
def test_a_keyring_session_without_a_code_names_a_command_that_takes_one(
    monkeypatch: pytest.MonkeyPatch, prompt_off: bool, reason: str
) -> None:
    """`check` (and onboard's check) said "or pass --mfa-code CODE", an option `check` has not."""
    from awsprofiles.errors import MfaCodeNeeded
    from awsprofiles.sessions import ask_mfa_code
    from awsprofiles.startup import NO_PROMPT

    if prompt_off:
        monkeypatch.setenv(NO_PROMPT, "1")
    else:
        monkeypatch.delenv(NO_PROMPT, raising=False)
        monkeypatch.setattr(
            "builtins.open", lambda *args, **kwargs: (_ for _ in ()).throw(OSError(6, "no tty"))
        )
    with pytest.raises(MfaCodeNeeded) as needed:
        ask_mfa_code("alice", MFA, 12)
    assert reason in needed.value.message
    assert "'profiles whoami alice --mfa-code CODE'" in needed.value.message
    assert "or pass --mfa-code" not in needed.value.message


@pytest.mark.parametrize(
    ("config", "credentials", "region"),
    [
        # a continuation line botocore reads into the source's region: no region to copy
        ("[default]\nregion = eu-west-1\n    continued\n[DEFAULT]\n", None, None),
        # the source's region in the credentials file, where botocore reads it too
        ("", "[default]\nregion = eu-west-1\noutput = json\n", "eu-west-1"),
    ],
    ids=["multi-line", "in-credentials"],
)
def test_add_role_copies_its_source_s_region_only_as_botocore_reads_it(
    home: Home, capsys: pytest.CaptureFixture[str], config: str, credentials: str | None, region: str | None
) -> None:
    """Found by the differential test: a multi-line source region ended in 'unexpected
    AssignMultilineValueError'."""
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(config)
    if credentials is not None:
        home.credentials.write_text(credentials)
    result = run(
        capsys,
        "add-role",
        "--no-check",
        "dev",
        "--role-arn",
        "arn:aws:iam::123456789012:role/D",
        "--source",
        "default",
    )
    assert result.code == 0, result.err
    import botocore.session

    session = botocore.session.Session(profile="dev")
    session.set_config_variable("config_file", str(home.config))
    session.set_config_variable("credentials_file", str(home.credentials))
    assert session.get_scoped_config().get("region") == region
