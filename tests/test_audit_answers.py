"""What an audit of main found after issues 19 and 21: answers that named the wrong thing, said
it twice or told the user to use an option the command does not have, each reproduced."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from awsprofiles import check
from awsprofiles.aws.errors import classify
from awsprofiles.errors import CheckFailed
from tests.conftest import Home
from tests.store_helpers import run
from tests.test_check import SECRET, _serve, enforced, keys, write

# --------------------------------------------------------------------------- 1: timeouts


@pytest.fixture
def silent() -> Iterator[str]:
    """An endpoint that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_timeout_says_raise_timeout_only_when_the_command_has_it() -> None:
    error = ReadTimeoutError(endpoint_url="http://127.0.0.1:9")
    plain = classify(error, "p", timeout=10)
    assert plain.code == "timeout"
    assert "--timeout" not in plain.message
    assert "then retry" in plain.message
    offered = classify(error, "p", timeout=10, wait_longer="raise --timeout")
    assert "raise --timeout" in offered.message


def test_check_and_whoami_say_raise_timeout(
    home: Home, silent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        home,
        config=f"[profile slow]\nendpoint_url = {silent}\n",
        credentials=keys("slow", "AKIAEXAMPLE1", SECRET),
    )
    checked = run(capsys, "check", "--timeout", "0.3")
    assert "timeout" in checked.out
    assert "raise --timeout" in " ".join(checked.out.split()), checked.out
    with pytest.raises(CheckFailed) as failed:
        check.whoami(home.paths, "slow", timeout=0.3)
    assert failed.value.code == "timeout"
    assert "raise --timeout" in failed.value.message


def test_onboards_check_names_the_check_that_waits_longer(home: Home, silent: str) -> None:
    # onboard checks the profiles it wrote as check does, without a --timeout of its own
    write(
        home,
        config=f"[profile slow]\nendpoint_url = {silent}\n",
        credentials=keys("slow", "AKIAEXAMPLE1", SECRET),
    )
    [row] = check.check_profiles(home.paths, timeout=0.3)
    assert row.error == "timeout"
    assert "raise --timeout" not in row.message
    assert "'profiles check --timeout SECONDS'" in row.message


def test_the_check_after_an_edit_names_the_check_that_waits_longer(home: Home, silent: str) -> None:
    # add-user and add-role have no --timeout: their check says which command can wait longer.
    write(
        home,
        config=f"[profile slow]\nendpoint_url = {silent}\n",
        credentials=keys("slow", "AKIAEXAMPLE1", SECRET),
    )
    result, _ = check.verify_profile(home.paths, "slow", timeout=0.3)
    assert result.error == "timeout"
    assert "raise --timeout" not in result.message
    assert "'profiles check slow --timeout SECONDS'" in result.message


def test_the_console_sign_in_timeout_does_not_offer_an_option_console_lacks(
    home: Home, silent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsprofiles.aws import console
    from awsprofiles.model import Credentials

    monkeypatch.setattr(console, "TIMEOUT_SECONDS", 0.3)
    write(home, config="[profile dev]\n")
    credentials = Credentials("ASIAEXAMPLE", "secret", session_token="token")
    with pytest.raises(CheckFailed) as failed:
        console.signin_token(home.paths, "dev", credentials, f"{silent}/federation", None)
    assert failed.value.code == "timeout"
    assert "--timeout" not in failed.value.message
    assert "AWS_ENDPOINT_URL_SIGNIN" in failed.value.message


def _botocore_waits(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """botocore's own waits made ``seconds`` (its defaults are 60 s to connect, 60 s for an
    answer) and one attempt: a command that waits as ``aws`` does gives up after these."""
    from botocore.config import Config

    defaults = dict(Config.OPTION_DEFAULTS, connect_timeout=seconds, read_timeout=seconds)
    monkeypatch.setattr(Config, "OPTION_DEFAULTS", type(Config.OPTION_DEFAULTS)(defaults))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


@pytest.fixture
def botocore_waits(monkeypatch: pytest.MonkeyPatch) -> float:
    _botocore_waits(monkeypatch, 0.3)
    return 0.3


def test_whoami_timeout_bounds_the_roles_own_calls_too(
    home: Home, silent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # whoami gets a role's credentials as env does; its --timeout bounds AssumeRole too
    _botocore_waits(monkeypatch, 5)
    write(
        home,
        config=f"[profile k]\nregion = eu-west-1\nendpoint_url = {silent}\n"
        f"[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n"
        f"region = eu-west-1\nendpoint_url = {silent}\n",
        credentials=keys("k", "AKIAEXAMPLE1", SECRET),
    )
    failed, took = _timed_out(lambda: check.whoami(home.paths, "r", timeout=0.4))
    assert failed.code == "timeout", failed.message
    assert took < 3, took
    assert "raise --timeout" in failed.message


def _timed_out(call: Callable[[], object]) -> tuple[CheckFailed, float]:
    started = time.monotonic()
    with pytest.raises(CheckFailed) as failed:
        call()
    return failed.value, time.monotonic() - started


def test_commands_without_timeout_wait_as_the_aws_cli_waits(
    home: Home, silent: str, botocore_waits: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """add-role's lookup, discover and login waited 10 s per call where ``aws`` waits botocore's
    60: a slow endpoint failed here and worked with ``aws``. They (and env, exec, rotate-keys)
    wait as botocore does, which the profile's max_attempts and AWS_MAX_ATTEMPTS bound too."""
    from awsprofiles import discover
    from awsprofiles.aws import iam, sso
    from awsprofiles.aws.credentials import get_credentials

    monkeypatch.setenv("AWS_ENDPOINT_URL", silent)
    write(
        home,
        config="[profile k]\nregion = eu-west-1\n"
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\nregion = eu-west-1\n",
        credentials=keys("k", "AKIAEXAMPLE1", SECRET),
    )
    session = sso.SsoSession("acme", "https://acme.awsapps.com/start", "eu-west-1")
    calls = {
        "add-role's lookup": lambda: iam.find_role(home.paths, "k", "dev"),
        "discover": lambda: discover.discover_iam(home.paths, discover.IamRequest(source="k")),
        "login": lambda: sso.login(session, lambda _: None, paths=home.paths, force=True),
        "env": lambda: get_credentials(home.paths, "r", use_cache=False),
    }
    for what, call in calls.items():
        failed, took = _timed_out(call)
        assert failed.code == "timeout", (what, failed.message)
        assert took < 3, (what, took)
        assert "--timeout" not in failed.message, (what, failed.message)


# --------------------------------------------------------------------------- 2: whoami's profile


@pytest.mark.parametrize(
    "environment",
    [
        {"AWS_PROFILE": "alice"},
        {"AWS_DEFAULT_PROFILE": "alice"},
        # botocore reads AWS_DEFAULT_PROFILE first
        {"AWS_DEFAULT_PROFILE": "alice", "AWS_PROFILE": "bob"},
    ],
)
def test_whoami_names_the_profile_the_environment_chose(
    home: Home, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    deleted = keys("alice", "AKIAMADEUPMADEUP1234", SECRET)
    write(
        home,
        config="[profile alice]\nregion = eu-west-1\n",
        credentials=deleted + keys("bob", "AKIAB", SECRET),
    )
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    # moto's own keys in the environment would be botocore's first choice
    with mock_aws(config={"core": {"mock_credentials": False}}), pytest.raises(CheckFailed) as failed:
        enforced(lambda: check.whoami(home.paths, None))
    assert failed.value.code == "invalid-key"
    assert "'default'" not in failed.value.message
    assert failed.value.message.startswith("profile 'alice': ")
    assert "'profiles add-user alice --force'" in failed.value.message


# --------------------------------------------------------------------------- 5, 6: said once


def test_an_inline_comment_botocore_refuses_is_said_once(home: Home) -> None:
    write(
        home,
        config="[profile alice]\nregion = eu-west-1   # Ireland\n",
        credentials=keys("alice", "AKIAIOSFODNN7EXAMPLE", SECRET),
    )
    [row] = check.check_profiles(home.paths, timeout=5)
    assert row.error == "other"
    assert row.message.count("inline comment") == 1, row.message
    assert row.message.count("'profiles set alice region eu-west-1'") == 1, row.message


def test_piped_check_rows_say_each_thing_once_and_stay_narrow(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_check import make_role, make_user

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        bob = make_user(iam, "Bob")
        role = make_role(iam, "for-bob", bob["arn"])
        write(
            home,
            config=f"[profile dev]\nrole_arn = {role}\nsource_profile = Bob\n"
            f"[profile lost]\nrole_arn = {role}\nsource_profile = ghost\n"
            "[profile Bob]\nregion = eu-west-1\n",
            credentials=keys("Bob", bob["id"], bob["secret"])
            + keys("badsec", bob["id"], SECRET)
            + keys("gone", "AKIAMADEUPMADEUP1234", SECRET)
            + "[half]\naws_access_key_id = AKIAMADEUPMADEUP1234\n",
        )
        home.credentials.chmod(0o644)  # a note about the file, not about each of its profiles
        checked = enforced(lambda: run(capsys, "check"))
    lines = checked.out.splitlines()
    rows = lines[1:-1]
    assert len(rows) == 6, checked.out
    assert lines[-1] == "2 ok, 4 failed", checked.out
    for row in rows:
        assert len(row) <= 200, row
        assert str(home.credentials) not in row, row
        clauses = [clause.strip() for clause in re.split(r"[;:] ", row.split(maxsplit=3)[3])]
        assert len(clauses) == len(set(clauses)), row
    assert checked.err.count(f"chmod 600 {home.credentials}") == 1, checked.err


@pytest.mark.parametrize(
    "command", [["add-role", "r", "--source", "ghost"], ["discover", "--source", "ghost"]]
)
def test_a_source_that_cannot_be_used_is_named_once(
    home: Home, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    write(
        home,
        config="[profile ghost]\nregion = eu-west-1\n",
        credentials=keys("ghost", "AKIAMADEUPMADEUP1234", SECRET),
    )
    with mock_aws(config={"core": {"mock_credentials": False}}):
        failed = enforced(lambda: run(capsys, *command))
    assert failed.code == 1, failed.err
    assert failed.err.startswith("error: source profile 'ghost' cannot be used: AWS does not know"), (
        failed.err
    )
    assert failed.err.count("'ghost'") == 1, failed.err  # and its fix names the profile: add-user ghost


class _ProxyPage(BaseHTTPRequestHandler):
    """A proxy's error page, for every request: not an AWS answer."""

    def do_POST(self) -> None:
        body = b"<html><body>Bad gateway</body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    yield from _serve(_ProxyPage)


def test_an_org_profile_that_cannot_be_used_is_named_once(
    home: Home, capsys: pytest.CaptureFixture[str], web_page: str
) -> None:
    from tests.test_check import make_user

    with mock_aws(config={"core": {"mock_credentials": False}}):
        admin = {"aws_access_key_id": "AKIAADMIN", "aws_secret_access_key": "admin"}
        bob = make_user(boto3.client("iam", region_name="us-east-1", **admin), "Bob")
        write(
            home,
            config="[profile Bob]\nregion = eu-west-1\n"
            f"[profile org]\nregion = eu-west-1\nendpoint_url = {web_page}\n",
            credentials=keys("Bob", bob["id"], bob["secret"]) + keys("org", bob["id"], bob["secret"]),
        )
        failed = enforced(
            lambda: run(capsys, "discover", "--source", "Bob", "--organization", "--org-profile", "org")
        )
    assert failed.code == 1, failed.err
    assert "with profile 'org': the answer from " in failed.err
    assert failed.err.count("'org'") == 1, failed.err


def test_sso_failures_name_the_session_or_portal_not_a_profile(
    home: Home, web_page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from awsprofiles.aws import sso

    monkeypatch.setenv("AWS_ENDPOINT_URL", web_page)
    write(home, config="[profile acme-dev]\nsso_session = acme\n")
    session = sso.SsoSession("acme", "https://acme.awsapps.com/start", "eu-west-1")
    with pytest.raises(CheckFailed) as login:
        sso.login(session, lambda _: None, paths=home.paths, force=True)
    assert login.value.message.startswith("sso-session 'acme': the answer from "), login.value.message
    token = sso.Token(session.start_url, session.region, "token", sso.now() + timedelta(hours=1))
    with pytest.raises(CheckFailed) as portal:
        sso.list_accounts(token, home.paths)
    assert portal.value.message.startswith(
        "IAM Identity Center (https://acme.awsapps.com/start): the answer from "
    ), portal.value.message


# --------------------------------------------------------------------------- 8: add-role's region


def test_add_role_help_states_the_region_a_role_gets(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_new_user_answers import help_rows

    rows = help_rows(run(capsys, "add-role", "--help").out)
    assert "[default: the source profile's region]" in rows["--region"], rows["--region"]


# --------------------------------------------------------------------------- 12: help at 80 columns

#: A bracketed note: "[default: NAME]", "[sso-login]".
_BRACKETED = re.compile(r"\[[^\[\]]*\]")


@pytest.mark.parametrize("columns", [80, 60])
def test_help_never_breaks_an_option_name_or_a_bracketed_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    from awsprofiles.cli import COMMANDS

    monkeypatch.setenv("COLUMNS", str(columns))
    broken = []
    for command in ["", *COMMANDS]:
        text = run(capsys, *command.split(), "--help").out
        prose = text.split("\nExamples:\n")[0]  # examples are written as typed, never wrapped
        lines = prose.splitlines()
        table = False  # the Arguments and Options (a description's commands are written as typed)
        for line in lines:
            table = table or line in ("Arguments:", "Options:", "Commands:")
            # a line cut at a hyphen ("--no-" / "check") or inside brackets ("[sso-" / "login]")
            if re.search(r"[a-z]-$", line) or line.count("[") != line.count("]"):
                broken.append(f"profiles {command} --help: {line!r}")
            if table and columns == 80 and len(line) > 78:  # click's width at 80 columns
                broken.append(f"profiles {command} --help, too wide: {line!r}")
        for note in _BRACKETED.findall(" ".join(prose.split())):
            if not any(note in line for line in lines):
                broken.append(f"profiles {command} --help: {note} is split")
    assert broken == [], "\n".join(broken)
