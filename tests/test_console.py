"""`profiles console` in-process: moto for STS, a local federation endpoint, the URL it builds."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import keyring.core
import pytest
from moto import mock_aws

from awsprofiles import sessions, vault
from awsprofiles.aws import console, sso
from awsprofiles.cli import main
from awsprofiles.errors import BadInput
from tests.conftest import Home
from tests.console_handoff import Attacker, browser_report, write_browser
from tests.federation import FederationEndpoint
from tests.sso_emulator import SsoEmulator
from tests.test_keyring import MemoryKeyring

ROLE = "arn:aws:iam::123456789012:role/deploy"
BOB_SECRET = "bobs-secret-access-key-0123456789abcdef"


def write_profiles(home: Home, key_id: str = "AKIAIOSFODNN7EXAMPLE") -> None:
    home.config.parent.mkdir(parents=True, exist_ok=True)
    home.config.write_text(
        "[profile Bob]\nregion = eu-west-1\n"
        f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = Bob\n"
        "[profile gov]\nrole_arn = arn:aws-us-gov:iam::123456789012:role/deploy\nsource_profile = Bob\n"
    )
    home.credentials.write_text(
        f"[Bob]\naws_access_key_id = {key_id}\naws_secret_access_key = {BOB_SECRET}\n"
    )


@pytest.fixture
def aws(home: Home, monkeypatch: pytest.MonkeyPatch) -> Iterator[FederationEndpoint]:
    with mock_aws(), FederationEndpoint().serving() as endpoint:
        monkeypatch.setenv(console.ENDPOINT_VARIABLE, endpoint.url)
        # In-process runs mark the profile being resolved (the credential_process loop guard).
        monkeypatch.setenv("PROFILES_RESOLVING", "[]")
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="Bob")
        write_profiles(home, iam.create_access_key(UserName="Bob")["AccessKey"]["AccessKeyId"])
        yield endpoint


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["console", *args])
    out, err = capsys.readouterr()
    return code, out, err


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_keys_profile_signs_in_with_a_federation_token_not_its_own_keys(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], home: Home
) -> None:
    code, out, err = run(capsys, "Bob", "--print")
    assert (code, err) == (0, "")
    [issued] = aws.issued.values()
    assert issued.session["sessionToken"]
    assert issued.session["sessionId"] not in home.credentials.read_text()
    assert issued.session_duration is None  # a federation token's session lasts as long as the token
    assert query_of(out)["Destination"] == "https://console.aws.amazon.com/console/home?region=eu-west-1"


def test_role_in_gov_cloud_gets_the_gov_console(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "gov", "--print", "--destination", "s3", "--region", "us-gov-west-1")
    assert code == 0, err
    assert query_of(out)["Destination"] == "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"


def test_bad_input_exits_2_before_any_aws_call(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles(home)
    # Any AWS call would fail to connect (exit 1): exit 2 proves none was made.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    cases = [
        (["deploy", "--destination", "javascript:alert(1)"], "neither a console URL"),
        (["deploy", "--duration", "60"], "900"),
        (["Bob", "--mfa-code", "123456"], "--mfa-code applies to a profile that assumes a role"),
        (["nobody"], "no profile named 'nobody'"),
    ]
    for args, message in cases:
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, ""), err
        assert message in err


def test_unreachable_endpoint_is_network_and_names_no_credential(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv(console.ENDPOINT_VARIABLE, f"http://127.0.0.1:{port}/federation")
    code, out, err = run(capsys, "deploy", "--print")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: cannot reach AWS at http://127.0.0.1:{port}/federation:")
    assert err.rstrip().endswith("[network]")
    for leak in ("Session", "sessionKey", "sessionToken", BOB_SECRET, "%22"):
        assert leak not in err


def test_no_browser_is_an_error_that_suggests_print(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    code, out, err = run(capsys, "deploy")
    assert (code, out) == (1, ""), err
    assert "--print" in err
    assert "SigninToken" not in err


def test_the_browser_gets_a_one_time_loopback_link_never_the_sign_in_url(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import http.client
    import webbrowser

    given: list[str] = []
    answers: list[tuple[int, str | None]] = []

    def fetch(url: str) -> None:  # what a browser does with it
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=5)
        try:
            connection.request("GET", parts.path)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Location")))
        finally:
            connection.close()

    def browser(url: str) -> bool:  # a process of its own, started in the background
        given.append(url)
        started.append(threading.Thread(target=fetch, args=(url,)))
        started[-1].start()
        return True

    started: list[threading.Thread] = []
    monkeypatch.setattr(webbrowser, "open", browser)
    code, out, err = run(capsys, "deploy")
    started[0].join(timeout=10)
    assert (code, out) == (0, ""), err
    assert err.startswith("opened the AWS console as profile 'deploy'")
    [link] = given
    assert link.startswith("http://127.0.0.1:")
    assert "SigninToken" not in link
    assert "signin" not in link.lower()
    [(status, location)] = answers
    assert status == 303
    with pytest.raises(ConnectionRefusedError):  # the link works once: nothing serves it any more
        fetch(link)
    assert location is not None
    assert query_of(location)["Action"] == "login"
    assert query_of(location)["SigninToken"] in aws.issued


def test_a_browser_that_never_asks_for_the_link_is_an_error(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    from awsprofiles import browser

    monkeypatch.setattr(browser, "HANDOFF_SECONDS", 0.3)
    monkeypatch.setattr(webbrowser, "open", lambda url: True)
    code, out, err = run(capsys, "deploy")
    assert (code, out) == (1, "")
    assert "did not ask for the sign-in link" in err
    assert "--print" in err
    for secret in aws.secrets_seen():
        assert secret not in err


def test_an_idle_connection_cannot_keep_console_past_its_limit(
    aws: FederationEndpoint, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    from awsprofiles import browser

    monkeypatch.setattr(browser, "HANDOFF_SECONDS", 4.0)
    monkeypatch.setattr(browser, "REQUEST_SECONDS", 0.3)
    held: list[socket.socket] = []
    closed_after: list[float] = []

    def idle(connection: socket.socket, connected: float) -> None:
        with contextlib.suppress(OSError):
            connection.recv(1)  # b"" when profiles closes it
        closed_after.append(time.monotonic() - connected)

    def browser_that_only_connects(url: str) -> bool:  # and sends nothing, ever
        parts = urlsplit(url)
        held.append(socket.create_connection((parts.hostname, parts.port), timeout=30))
        threading.Thread(target=idle, args=(held[-1], time.monotonic()), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser_that_only_connects)
    result: list[tuple[int, str, str]] = []
    console_run = threading.Thread(target=lambda: result.append(run(capsys, "deploy")), daemon=True)
    started = time.monotonic()
    console_run.start()
    console_run.join(timeout=20)
    try:
        assert not console_run.is_alive(), "console still waits on a connection that sends nothing"
    finally:
        for connection in held:
            connection.close()
    [(code, out, err)] = result
    assert (code, out) == (1, "")
    assert "did not ask for the sign-in link within 4 s" in err
    assert time.monotonic() - started < 12
    # The connection had its own limit: closed after REQUEST_SECONDS, not at the end of the hand-off.
    assert len(closed_after) == 1
    assert closed_after[0] < 2.5


def test_without_a_socket_table_the_browser_gets_a_private_page_that_is_removed_after_use(
    aws: FederationEndpoint,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """macOS and Windows: no /proc/net/tcp. The loopback link is in a page only the user can read,
    so it is on no command line; another user polling /proc finds the page's path and cannot read it."""
    import webbrowser

    from awsprofiles import peers

    monkeypatch.setattr(peers, "SOCKET_TABLES", (str(tmp_path / "no-such-table"),))
    script = write_browser(tmp_path)
    go, report = tmp_path / "go", tmp_path / "browser.json"

    def start(url: str) -> bool:  # as webbrowser does with $BROWSER: the URL is its argument
        return subprocess.run([str(script), str(go), str(report), url], timeout=60).returncode == 0

    monkeypatch.setattr(webbrowser, "open", start)
    with Attacker(str(tmp_path), go) as attacker:
        code, out, err = run(capsys, "deploy")
    found = browser_report(report)
    assert (code, out) == (0, ""), err
    assert err.startswith("opened the AWS console as profile 'deploy'")
    page = urlsplit(found["given"])
    assert (page.scheme, Path(page.path).name) == ("file", "open.html")
    assert found["modes"] == ["0o600", "0o700"]
    assert not Path(page.path).parent.exists()  # removed once the link was served
    assert found["status"] == 303
    assert query_of(found["location"])["SigninToken"] in aws.issued
    assert found["after"] == "ConnectionRefusedError"
    # The other user saw the page's path, could not read it, and never saw the link.
    assert ["page", page.path, "PermissionError"] in attacker.report["tried"], attacker.output()
    assert attacker.report["seen"] == []
    assert attacker.report["tokens"] == []
    assert all(token not in attacker.output() for token in aws.issued)


def test_help_says_the_url_is_a_credential(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--help"]) == 0
    assert "The sign-in URL is a credential" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("arn", "region", "partition"),
    [
        ("arn:aws-cn:iam::123456789012:role/x", None, "aws-cn"),
        (None, "cn-north-1", "aws-cn"),
        (None, "us-gov-east-1", "aws-us-gov"),
        (None, None, "aws"),
    ],
)
def test_partition_comes_from_the_arn_else_the_region(
    arn: str | None, region: str | None, partition: str
) -> None:
    assert console.partition_of(arn, region) == partition


def test_destinations_and_federated_user_names() -> None:
    assert console.destination_url("ec2", "aws-cn", "cn-north-1") == (
        "https://console.amazonaws.cn/ec2/home?region=cn-north-1"
    )
    assert console.destination_url(None, "aws", None) == "https://console.aws.amazon.com/console/home"
    with pytest.raises(BadInput):
        console.destination_url("http://example.com", "aws", None)
    assert console.federation_name("arn:aws:iam::123456789012:user/dev/bob.o'neil") == "bob.o-neil"
    assert len(console.federation_name("arn:aws:iam::123456789012:user/" + "x" * 64)) == 32


# ------------------------------------------------------------------ SSO and keyring profiles

START_URL = "https://acme.awsapps.com/start"
ACME = sso.SsoSession("acme", START_URL, "eu-west-1", ("sso:account:access",))
SSO_CONFIG = f"""
[sso-session acme]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
[profile sso-dev]
sso_session = acme
sso_account_id = 123456789012
sso_role_name = Developer
region = eu-west-1
[profile sso-deploy]
role_arn = {ROLE}
source_profile = sso-dev
"""


@pytest.fixture
def signed_in(aws: FederationEndpoint, home: Home, sso_emulator: SsoEmulator) -> SsoEmulator:
    """SSO profiles, a token in the cache, and GetRoleCredentials answering with moto's role sessions."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_role(RoleName="Developer", AssumeRolePolicyDocument="{}")

    def role_credentials(account_id: str, role_name: str) -> dict[str, Any]:
        made = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="sso-user"
        )["Credentials"]
        return {
            "accessKeyId": made["AccessKeyId"],
            "secretAccessKey": made["SecretAccessKey"],
            "sessionToken": made["SessionToken"],
            "expiration": int(made["Expiration"].timestamp() * 1000),
        }

    sso_emulator.credentials_factory = role_credentials
    sso_emulator.add_account("123456789012", "dev", "Developer")
    with home.config.open("a") as config:
        config.write(SSO_CONFIG)
    token = sso_emulator.issue_token(START_URL)
    sso.save_token(ACME, sso.Token(START_URL, "eu-west-1", token, sso.now() + timedelta(hours=1)))
    return sso_emulator


def test_sso_profile_signs_in_with_its_role_credentials_from_botocores_provider(
    aws: FederationEndpoint, signed_in: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "sso-dev", "--print", "--destination", "s3")
    assert (code, err) == (0, "")
    [issued] = aws.issued.values()
    assert issued.arn.startswith("arn:aws:sts::123456789012:assumed-role/Developer/sso-user")
    assert query_of(out)["Destination"] == "https://console.aws.amazon.com/s3/home?region=eu-west-1"
    assert signed_in.operations().count("GetRoleCredentials") == 1
    # A role whose source is the SSO profile: assumed with the SSO role's credentials.
    code, out, err = run(capsys, "sso-deploy", "--print")
    assert (code, err) == (0, ""), err
    assert aws.issued[query_of(out)["SigninToken"]].arn.startswith(
        "arn:aws:sts::123456789012:assumed-role/deploy/"
    )
    for secret in aws.secrets_seen():
        assert secret not in err


def test_sso_profile_without_a_token_is_sso_login(
    aws: FederationEndpoint, signed_in: SsoEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sso.remove_token(ACME)
    code, out, err = run(capsys, "sso-dev", "--print")
    assert (code, out) == (1, "")
    assert err.rstrip().endswith("[sso-login]")
    assert aws.issued == {}


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    return backend


@pytest.mark.parametrize("mfa", [False, True])
def test_keyring_profile_gets_a_federation_token_with_the_key_from_the_keyring(
    mfa: bool,
    aws: FederationEndpoint,
    home: Home,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="Carol")
    key = iam.create_access_key(UserName="Carol")["AccessKey"]
    mfa_line = "mfa_serial = arn:aws:iam::123456789012:mfa/Carol\n" if mfa else ""
    with home.config.open("a") as config:
        config.write(
            "[profile carol]\nregion = eu-west-2\n" + mfa_line
            + "credential_process = profiles credential-process carol --from-keyring\n"
        )  # fmt: skip
    keys = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    vault.put(vault.item_user(home.paths, "carol"), vault.encode_key(keys))
    # An MFA session (GetSessionToken) is refused by the sign-in endpoint and by GetFederationToken:
    # the console needs the key itself, so no code is asked for and no session is made.
    monkeypatch.setenv(sessions.NO_PROMPT, "1")
    code, out, err = run(capsys, "carol", "--print")
    assert (code, err) == (0, "")
    [issued] = aws.issued.values()
    assert issued.session["sessionToken"]
    assert issued.session["sessionId"] != key["AccessKeyId"]
    assert issued.session_duration is None  # the GetFederationToken path
    assert query_of(out)["Destination"] == "https://console.aws.amazon.com/console/home?region=eu-west-2"
    assert vault.read_session(home.paths, "carol") is None
    assert key["SecretAccessKey"] not in out + err


def test_keyring_profile_without_its_item_is_no_credentials(
    aws: FederationEndpoint, home: Home, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with home.config.open("a") as config:
        config.write(
            "[profile carol]\ncredential_process = profiles credential-process carol --from-keyring\n"
        )
    code, out, err = run(capsys, "carol", "--print")
    assert (code, out) == (1, "")
    assert err.rstrip().endswith("[no-credentials]")
